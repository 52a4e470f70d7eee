/* test_profile.c - unit tests for src/profile.c: every key, every error text, env_var, the
 * lookup order and the environment fallback. Works in a fresh temporary directory (cwd and
 * HOME point there), so nothing outside it is read. */
#include "api/profile.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEY "sekrit_key_123"

static char tmpdir[256];

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");

    if (f == NULL) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

static void clear_env(void) {
    static const char *const vars[] = {
        "DBT_PROFILES_DIR",   "ROCKSET_APIKEY",    "ROCKSET_API_KEY", "ROCKSET_APISERVER",
        "ROCKSET_API_SERVER", "ROCKSET_WORKSPACE", "RS_T_KEY",        "RS_T_WS"};
    size_t i;

    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
}

/* Load `yaml` from profiles.yml in the temp dir; returns the rc, fills p and err. */
static int load_text(const char *yaml, const char *profile, const char *target, rs_profile *p,
                     rs_err *err) {
    write_file("profiles.yml", yaml);
    rs_err_clear(err);
    return rs_profile_load("profiles.yml", profile, target, p, err);
}

/* Expect an error with exact text; the key must never be in it. */
static void expect_error(const char *name, const char *yaml, const char *profile,
                         const char *target, int code, const char *msg) {
    rs_profile p;
    rs_err err;

    rs_profile_init(&p);
    CHECK_INT(name, load_text(yaml, profile, target, &p, &err), code);
    CHECK_STR(name, err.msg, msg);
    CHECK(name, strstr(err.msg, KEY) == NULL);
    CHECK(name, p.api_key == NULL); /* out untouched on failure */
    rs_profile_free(&p);
}

static void test_every_key(void) {
    rs_profile p;
    rs_err err;
    rs_buf line = RS_BUF_INIT;

    rs_profile_init(&p);
    CHECK_INT("keys/load",
              load_text("rockset:\n"
                        "  target: dev\n"
                        "  outputs:\n"
                        "    dev:\n"
                        "      type: rockset\n"
                        "      workspace: analytics\n"
                        "      api_key: " KEY "\n"
                        "      api_server: api.usw2a1.rockset.com/\n"
                        "      threads: 8\n"
                        "      vi_rrn: rrn:vi:usw2a1:abc\n"
                        "      run_async_iis: true\n"
                        "      timeout_seconds: 30\n"
                        "      retries: 2\n"
                        "      ca_bundle: /etc/ssl/ca.pem\n"
                        "      allow_insecure_http: no\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("keys/source", p.source, "profiles.yml");
    CHECK_STR("keys/profile", p.profile_name, "rockset");
    CHECK_STR("keys/target", p.target_name, "dev");
    CHECK_STR("keys/workspace", p.workspace, "analytics");
    CHECK_STR("keys/api_key", p.api_key, KEY);
    CHECK_STR("keys/api_server", p.api_server, "https://api.usw2a1.rockset.com");
    CHECK_INT("keys/threads", p.threads, 8);
    CHECK_STR("keys/vi_rrn", p.vi_rrn, "rrn:vi:usw2a1:abc");
    CHECK_INT("keys/run_async_iis", p.run_async_iis, 1);
    CHECK_INT("keys/timeout_seconds", p.timeout_seconds, 30);
    CHECK_INT("keys/retries", p.retries, 2);
    CHECK_STR("keys/ca_bundle", p.ca_bundle, "/etc/ssl/ca.pem");
    CHECK_INT("keys/allow_insecure_http", p.allow_insecure_http, 0);
    rs_profile_describe(&p, &line);
    CHECK_STR("keys/describe", rs_buf_cstr(&line),
              "server https://api.usw2a1.rockset.com, workspace analytics, profile rockset, "
              "target dev");
    rs_buf_free(&line);
    rs_profile_free(&p);
}

static void test_defaults_and_alias(void) {
    rs_profile p;
    rs_err err;

    rs_profile_init(&p);
    CHECK_INT("defaults/load",
              load_text("config:\n  send_anonymous_usage_stats: false\n"
                        "mine:\n  target: ci\n  outputs:\n"
                        "    ci:\n      type: rockset\n      schema: from_schema\n"
                        "      api_key: '" KEY "'\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("defaults/only_profile", p.profile_name, "mine");
    CHECK_STR("defaults/schema_alias", p.workspace, "from_schema");
    CHECK_STR("defaults/server", p.api_server, "https://api.rs2.usw2.rockset.com");
    CHECK_INT("defaults/threads", p.threads, 4);
    CHECK_INT("defaults/retries", p.retries, -1);
    CHECK_INT("defaults/timeout", p.timeout_seconds, 0);
    CHECK("defaults/vi_rrn", p.vi_rrn == NULL);
    CHECK("defaults/ca_bundle", p.ca_bundle == NULL);
    rs_profile_free(&p);
}

static const char two_profiles[] = "other:\n  target: dev\n  outputs:\n    dev:\n"
                                   "      type: rockset\n      workspace: o\n      api_key: k1\n"
                                   "rockset:\n  target: dev\n  outputs:\n"
                                   "    dev:\n      type: rockset\n      workspace: d\n"
                                   "      api_key: k2\n"
                                   "    ci:\n      type: rockset\n      workspace: c\n"
                                   "      api_key: k3\n";

static void test_pick(void) {
    rs_profile p;
    rs_err err;

    rs_profile_init(&p);
    CHECK_INT("pick/rockset_default", load_text(two_profiles, NULL, NULL, &p, &err), RS_OK);
    CHECK_STR("pick/rockset_ws", p.workspace, "d");
    CHECK_INT("pick/named", load_text(two_profiles, "other", NULL, &p, &err), RS_OK);
    CHECK_STR("pick/named_ws", p.workspace, "o");
    CHECK_INT("pick/target", load_text(two_profiles, "rockset", "ci", &p, &err), RS_OK);
    CHECK_STR("pick/target_ws", p.workspace, "c");
    CHECK_STR("pick/target_name", p.target_name, "ci");
    CHECK_INT("pick/no_target_key_one_output",
              load_text("p:\n  outputs:\n    only:\n      type: rockset\n      workspace: w\n"
                        "      api_key: k\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("pick/only_output", p.target_name, "only");
    rs_profile_free(&p);
    expect_error("pick/unknown_target", two_profiles, "rockset", "prod", RS_EINVAL,
                 "profiles.yml: profile 'rockset' has no target 'prod' (targets: dev, ci)");
    expect_error("pick/unknown_profile", two_profiles, "prod", NULL, RS_EINVAL,
                 "profiles.yml: no profile 'prod' (profiles: other, rockset)");
    expect_error("pick/ambiguous",
                 "a:\n  outputs:\n    x:\n      type: rockset\n"
                 "b:\n  outputs:\n    x:\n      type: rockset\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml: several profiles of type rockset and none is named 'rockset'; "
                 "name one (profiles: a, b)");
    expect_error("pick/no_target",
                 "rockset:\n  outputs:\n    dev:\n      type: rockset\n    ci:\n      type: "
                 "rockset\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml: profile 'rockset' has no 'target'; name one (targets: dev, ci)");
    expect_error("pick/empty_file", "", NULL, NULL, RS_EINVAL,
                 "profiles.yml: no profiles in the file");
    expect_error("pick/no_outputs", "rockset:\n  target: dev\n", NULL, NULL, RS_EINVAL,
                 "profiles.yml:2: profile 'rockset' has no 'outputs' mapping");
}

/* dbt-rockset's README profile, as documented (database: N/A included): loads, and the one
 * key that does nothing here is named. */
static void test_dbt_rockset_profile(void) {
    rs_profile p;
    rs_err err;
    rs_buf line = RS_BUF_INIT;

    rs_profile_init(&p);
    CHECK_INT("dbt_rockset/load",
              load_text("rockset:\n"
                        "  outputs:\n"
                        "    dev:\n"
                        "      type: rockset\n"
                        "      threads: 1\n"
                        "      database: N/A\n"
                        "      workspace: dbt_ws\n"
                        "      api_key: " KEY "\n"
                        "      api_server: api.usw2a1.rockset.com\n"
                        "      vi_rrn: rrn:vi:usw2a1:abc\n"
                        "      run_async_iis: false\n"
                        "  target: dev\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("dbt_rockset/workspace", p.workspace, "dbt_ws");
    CHECK_INT("dbt_rockset/threads", p.threads, 1);
    CHECK_INT("dbt_rockset/run_async_iis", p.run_async_iis, 0);
    CHECK_STR("dbt_rockset/ignored", p.ignored_keys, "database");
    rs_profile_describe(&p, &line);
    CHECK_STR("dbt_rockset/describe", rs_buf_cstr(&line),
              "server https://api.usw2a1.rockset.com, workspace dbt_ws, profile rockset, target "
              "dev; ignored profile keys: database (not used by rockset_ext)");
    CHECK("dbt_rockset/no_key", strstr(rs_buf_cstr(&line), KEY) == NULL);
    rs_buf_free(&line);
    rs_profile_free(&p);
}

/* Every accepted-and-ignored key: its value is never read (not even an env_var in it, nor a
 * mapping), and the note lists each once, in a fixed order whatever the file's order. */
static void test_ignored_keys(void) {
    rs_profile p;
    rs_err err;

    rs_profile_init(&p);
    CHECK_INT("ignored/all",
              load_text("rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                        "      user: ann\n      region: us-west-2\n      workspace: w\n"
                        "      database: \"{{ env_var('RS_T_SURELY_UNSET') }}\"\n"
                        "      api_key: k\n      database:\n        a: b\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("ignored/all_names", p.ignored_keys, "database, region, user");
    CHECK_INT("ignored/none",
              load_text("rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                        "      workspace: w\n      api_key: k\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK("ignored/none_is_null", p.ignored_keys == NULL);
    rs_profile_free(&p);
    expect_error("ignored/typo_still_refused",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      databse: N/A\n      api_key: " KEY "\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:6: unknown key 'databse' (valid keys: type, workspace, schema, "
                 "api_key, api_server, threads, vi_rrn, run_async_iis, timeout_seconds, retries, "
                 "ca_bundle, allow_insecure_http, database, region, user)");
    expect_error("ignored/dbt_generic_but_undocumented",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      password: x\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:6: unknown key 'password' (valid keys: type, workspace, schema, "
                 "api_key, api_server, threads, vi_rrn, run_async_iis, timeout_seconds, retries, "
                 "ca_bundle, allow_insecure_http, database, region, user)");
}

/* A profile in the shape of dbt-rockset's README, under a name of our choosing. */
#define RS_PROFILE(name, ws)                                                                 \
    name ":\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n      workspace: " ws \
         "\n      api_key: k\n"
#define PG_PROFILE(name) \
    name ":\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n      dbname: x\n"

/* Load yaml with no profile named, once by path and once by the lookup (which finds the same
 * ./profiles.yml): both must pick the same profile. */
static void expect_pick(const char *name, const char *yaml, const char *want_profile,
                        const char *want_ws) {
    rs_profile by_path, by_lookup;
    rs_err err;
    char label[128];

    rs_profile_init(&by_path);
    rs_profile_init(&by_lookup);
    snprintf(label, sizeof(label), "%s/path", name);
    CHECK_INT(label, load_text(yaml, NULL, NULL, &by_path, &err), RS_OK);
    CHECK_STR(label, by_path.profile_name, want_profile);
    CHECK_STR(label, by_path.workspace, want_ws);
    snprintf(label, sizeof(label), "%s/lookup", name);
    rs_err_clear(&err);
    CHECK_INT(label, rs_profile_load(NULL, NULL, NULL, &by_lookup, &err), RS_OK);
    CHECK_STR(label, by_lookup.profile_name, want_profile);
    CHECK_STR(label, by_lookup.workspace, want_ws);
    rs_profile_free(&by_path);
    rs_profile_free(&by_lookup);
}

/* Several profiles for several adapters in one file, as in ~/.dbt/profiles.yml. */
static void test_pick_by_type(void) {
    clear_env();
    expect_pick("type/rockset_after_pg", PG_PROFILE("warehouse") RS_PROFILE("analytics", "a_ws"),
                "analytics", "a_ws");
    expect_pick("type/rockset_before_pg", RS_PROFILE("analytics", "a_ws") PG_PROFILE("warehouse"),
                "analytics", "a_ws");
    expect_pick("type/typed_beats_name",
                PG_PROFILE("rockset") RS_PROFILE("analytics", "a_ws") "config:\n  x: 1\n",
                "analytics", "a_ws");
    expect_pick("type/several_typed_one_named",
                RS_PROFILE("a", "a_ws") PG_PROFILE("pg") RS_PROFILE("rockset", "r_ws"), "rockset",
                "r_ws");
    expect_pick(
        "type/mixed_outputs",
        "mixed:\n  target: dev\n  outputs:\n    prod:\n      type: snowflake\n"
        "    dev:\n      type: rockset\n      workspace: m_ws\n      api_key: k\n" PG_PROFILE("pg"),
        "mixed", "m_ws");
    expect_error("type/several_typed_none_named",
                 RS_PROFILE("a", "a_ws") PG_PROFILE("pg") RS_PROFILE("b", "b_ws"), NULL, NULL,
                 RS_EINVAL,
                 "profiles.yml: several profiles of type rockset and none is named 'rockset'; "
                 "name one (profiles: a, b)");
    expect_error("type/none_typed", PG_PROFILE("pg") PG_PROFILE("pg2"), NULL, NULL, RS_EINVAL,
                 "profiles.yml: several profiles and none has type rockset; name one (profiles: "
                 "pg, pg2)");
    expect_error("type/none_typed_named_rockset", PG_PROFILE("pg") PG_PROFILE("rockset"), NULL,
                 NULL, RS_EINVAL, "profiles.yml:11: 'type' must be 'rockset', not 'postgres'");
    expect_error("type/only_profile_not_rockset", PG_PROFILE("pg"), NULL, NULL, RS_EINVAL,
                 "profiles.yml:5: 'type' must be 'rockset', not 'postgres'");
    expect_error("type/named_profile_not_rockset", PG_PROFILE("pg") RS_PROFILE("analytics", "a_ws"),
                 "pg", NULL, RS_EINVAL, "profiles.yml:5: 'type' must be 'rockset', not 'postgres'");
    unlink("profiles.yml");
}

static void test_errors(void) {
    rs_profile p;
    rs_err err;

    expect_error("err/yaml_syntax", "rockset:\n  target: dev\n  outputs: x: y\n", NULL, NULL,
                 RS_EINVAL, "profiles.yml:3:13: mapping values are not allowed in this context");
    expect_error("err/missing_api_key",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      workspace: w\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:4: profile 'rockset' target 'dev': missing required key 'api_key'");
    expect_error("err/null_api_key",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      workspace: w\n      api_key:\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:4: profile 'rockset' target 'dev': missing required key 'api_key'");
    expect_error("err/missing_workspace",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      api_key: " KEY "\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:4: profile 'rockset' target 'dev': missing required key "
                 "'workspace'");
    expect_error("err/missing_type",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      workspace: w\n"
                 "      api_key: " KEY "\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:4: profile 'rockset' target 'dev': missing required key 'type'");
    expect_error("err/threads_type",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      workspace: w\n      threads: many\n      api_key: " KEY "\n",
                 NULL, NULL, RS_EINVAL, "profiles.yml:7: 'threads' must be an integer");
    expect_error("err/threads_range",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      threads: 0\n",
                 NULL, NULL, RS_EINVAL, "profiles.yml:6: 'threads' must be between 1 and 1024");
    expect_error("err/retries_type",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      retries: 1.5\n", NULL, NULL,
                 RS_EINVAL, "profiles.yml:5: 'retries' must be an integer");
    expect_error("err/timeout_negative",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      timeout_seconds: -1\n", NULL,
                 NULL, RS_EINVAL, "profiles.yml:5: 'timeout_seconds' must not be negative");
    expect_error("err/bool_type",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      run_async_iis: maybe\n",
                 NULL, NULL, RS_EINVAL, "profiles.yml:5: 'run_async_iis' must be true or false");
    expect_error("err/mapping_value",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      workspace:\n        a: b\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:6: 'workspace' must be a single value, not a mapping");
    expect_error("err/unknown_key",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      thread: 4\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:6: unknown key 'thread' (valid keys: type, workspace, schema, "
                 "api_key, api_server, threads, vi_rrn, run_async_iis, timeout_seconds, retries, "
                 "ca_bundle, allow_insecure_http, database, region, user)");
    expect_error("err/wrong_type",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: postgres\n", NULL,
                 NULL, RS_EINVAL, "profiles.yml:5: 'type' must be 'rockset', not 'postgres'");
    expect_error("err/insecure_http",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                 "      workspace: w\n      api_key: " KEY "\n"
                 "      api_server: http://example.com:8080/\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:8: api_server 'http://example.com:8080' uses plain http to a "
                 "non-loopback host; use https or set allow_insecure_http: true");
    expect_error("err/env_missing",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n"
                 "      api_key: \"{{ env_var('ROCKSET_KEY') }}\"\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:5: environment variable 'ROCKSET_KEY' is not set (env_var "
                 "without a default)");
    expect_error("err/env_malformed",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n"
                 "      api_key: \"{{ env_var(ROCKSET_KEY) }}\"\n",
                 NULL, NULL, RS_EINVAL, "profiles.yml:5: malformed env_var(...) call");
    /* a quoted key running over lines folds its own text into the name: never quoted back */
    expect_error("err/env_name_not_a_name",
                 "rockset:\n  target: dev\n  outputs:\n    dev:\n"
                 "      api_key: \"{{ env_var('NOPE\n      api_key: " KEY "') }}\"\n",
                 NULL, NULL, RS_EINVAL,
                 "profiles.yml:5: malformed env_var(...) call: a variable name is letters, "
                 "digits and underscores");
    rs_profile_init(&p);
    rs_err_clear(&err);
    CHECK_INT("err/no_file", rs_profile_load("nope/profiles.yml", NULL, NULL, &p, &err), RS_EIO);
    CHECK_STR("err/no_file_msg", err.msg,
              "nope/profiles.yml: cannot read: No such file or directory");
    rs_profile_free(&p);
}

static void test_env_var(void) {
    rs_profile p;
    rs_err err;
    char *s = NULL;

    setenv("RS_T_KEY", KEY, 1);
    setenv("RS_T_WS", "envws", 1);
    rs_profile_init(&p);
    CHECK_INT("env_var/load",
              load_text("rockset:\n  target: \"{{ env_var('RS_T_TARGET', 'dev') }}\"\n"
                        "  outputs:\n    dev:\n      type: rockset\n"
                        "      workspace: pre_{{env_var(\"RS_T_WS\")}}_post\n"
                        "      api_key: \"{{ env_var('RS_T_KEY') }}\"\n"
                        "      api_server: \"{{ env_var('RS_T_NOPE', 'http://127.0.0.1:9') }}\"\n"
                        "      threads: \"{{ env_var('RS_T_NOPE', '16') }}\"\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("env_var/target_default", p.target_name, "dev");
    CHECK_STR("env_var/embedded", p.workspace, "pre_envws_post");
    CHECK_STR("env_var/whole", p.api_key, KEY);
    CHECK_STR("env_var/default_url", p.api_server, "http://127.0.0.1:9");
    CHECK_INT("env_var/default_int", p.threads, 16);
    rs_profile_free(&p);
    CHECK_INT("expand/other_braces", rs_profile_expand_env("a {{ target.name }} b", &s, NULL),
              RS_OK);
    CHECK_STR("expand/other_braces_kept", s, "a {{ target.name }} b");
    free(s);
    CHECK_INT("expand/two",
              rs_profile_expand_env("{{env_var('RS_T_WS')}}-{{ env_var('RS_T_WS') }}", &s, NULL),
              RS_OK);
    CHECK_STR("expand/two_value", s, "envws-envws");
    free(s);
    CHECK_INT("expand/empty_default",
              rs_profile_expand_env("[{{ env_var('RS_T_NOPE', '') }}]", &s, NULL), RS_OK);
    CHECK_STR("expand/empty_default_value", s, "[]");
    free(s);
    unsetenv("RS_T_KEY");
    unsetenv("RS_T_WS");
}

static void check_server(const char *name, const char *value, int insecure, const char *want) {
    char *out = NULL;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_profile_normalize_server(value, insecure, &out, &err);
    CHECK_STR(name, rc == RS_OK ? out : err.msg, want);
    free(out);
}

static void test_server(void) {
    check_server("server/bare", "api.rs2.usw2.rockset.com", 0, "https://api.rs2.usw2.rockset.com");
    check_server("server/bare_slash", "api.x.rockset.com/", 0, "https://api.x.rockset.com");
    check_server("server/https", "https://h.example:8443//", 0, "https://h.example:8443");
    check_server("server/http_127", "http://127.0.0.1:3000", 0, "http://127.0.0.1:3000");
    check_server("server/http_127_other", "http://127.1.2.3/", 0, "http://127.1.2.3");
    check_server("server/http_localhost", "http://localhost:1", 0, "http://localhost:1");
    check_server("server/http_v6", "http://[::1]:3000", 0, "http://[::1]:3000");
    check_server("server/http_remote", "http://api.example.com", 0,
                 "api_server 'http://api.example.com' uses plain http to a non-loopback host; "
                 "use https or set allow_insecure_http: true");
    check_server("server/http_lookalike", "http://127example.com", 0,
                 "api_server 'http://127example.com' uses plain http to a non-loopback host; "
                 "use https or set allow_insecure_http: true");
    check_server("server/http_remote_allowed", "http://api.example.com", 1,
                 "http://api.example.com");
    check_server("server/ftp", "ftp://x", 0,
                 "api_server 'ftp://x' must be a host name or an http(s):// URL");
    check_server("server/empty", " ", 0, "api_server is empty");
}

static void test_insecure_allowed_in_file(void) {
    rs_profile p;
    rs_err err;

    rs_profile_init(&p);
    CHECK_INT("insecure/allowed",
              load_text("rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
                        "      api_server: http://10.0.0.5:3000\n      workspace: w\n"
                        "      api_key: k\n      allow_insecure_http: true\n",
                        NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("insecure/url", p.api_server, "http://10.0.0.5:3000");
    rs_profile_free(&p);
}

static const char *profile_with_ws(const char *ws, char *buf, size_t n) {
    snprintf(buf, n,
             "rockset:\n  target: dev\n  outputs:\n    dev:\n      type: rockset\n"
             "      workspace: %s\n      api_key: k\n",
             ws);
    return buf;
}

static void test_lookup_order(void) {
    char text[512], path[512];
    rs_profile p;
    rs_err err;
    rs_buf line = RS_BUF_INIT;

    clear_env();
    unlink("profiles.yml"); /* left by the tests above */
    mkdir("dbtdir", 0700);
    mkdir(".dbt", 0700);
    write_file(".dbt/profiles.yml", profile_with_ws("from_home", text, sizeof(text)));
    rs_profile_init(&p);
    CHECK_INT("lookup/home_rc", rs_profile_load(NULL, NULL, NULL, &p, &err), RS_OK);
    CHECK_STR("lookup/home", p.workspace, "from_home");
    snprintf(path, sizeof(path), "%s/.dbt/profiles.yml", tmpdir);
    CHECK_STR("lookup/home_source", p.source, path);
    write_file("profiles.yml", profile_with_ws("from_cwd", text, sizeof(text)));
    CHECK_INT("lookup/cwd_rc", rs_profile_load(NULL, NULL, NULL, &p, &err), RS_OK);
    CHECK_STR("lookup/cwd", p.workspace, "from_cwd");
    CHECK_STR("lookup/cwd_source", p.source, "profiles.yml");
    write_file("dbtdir/profiles.yml", profile_with_ws("from_dbtdir", text, sizeof(text)));
    setenv("DBT_PROFILES_DIR", "dbtdir", 1);
    CHECK_INT("lookup/dbtdir_rc", rs_profile_load(NULL, NULL, NULL, &p, &err), RS_OK);
    CHECK_STR("lookup/dbtdir", p.workspace, "from_dbtdir");
    CHECK_STR("lookup/dbtdir_source", p.source, "dbtdir/profiles.yml");
    setenv("DBT_PROFILES_DIR", "emptydir_missing", 1);
    CHECK_INT("lookup/dbtdir_missing_falls_through", rs_profile_load(NULL, NULL, NULL, &p, &err),
              RS_OK);
    CHECK_STR("lookup/dbtdir_missing_cwd", p.workspace, "from_cwd");
    unlink("profiles.yml");
    unlink(".dbt/profiles.yml");
    unsetenv("DBT_PROFILES_DIR");

    /* no file anywhere: the environment */
    rs_err_clear(&err);
    CHECK_INT("lookup/env_none", rs_profile_load(NULL, NULL, NULL, &p, &err), RS_EINVAL);
    CHECK_STR("lookup/env_none_msg", err.msg,
              "no profiles.yml found (looked in $DBT_PROFILES_DIR, ./, ~/.dbt/) and "
              "ROCKSET_APIKEY is not set");
    CHECK_STR("lookup/env_none_keeps_old", p.workspace, "from_cwd");
    setenv("ROCKSET_API_KEY", KEY, 1);
    CHECK_INT("lookup/env_alias_rc", rs_profile_load(NULL, NULL, NULL, &p, &err), RS_OK);
    CHECK_STR("lookup/env_alias_key", p.api_key, KEY);
    CHECK_STR("lookup/env_default_ws", p.workspace, "commons");
    CHECK_STR("lookup/env_default_server", p.api_server, "https://api.rs2.usw2.rockset.com");
    CHECK("lookup/env_no_profile", p.profile_name == NULL && p.source == NULL);
    setenv("ROCKSET_APIKEY", "primary", 1);
    setenv("ROCKSET_API_SERVER", "http://127.0.0.1:4321/", 1);
    setenv("ROCKSET_WORKSPACE", "envws", 1);
    CHECK_INT("lookup/env_rc", rs_profile_load(NULL, NULL, NULL, &p, &err), RS_OK);
    CHECK_STR("lookup/env_primary_key", p.api_key, "primary");
    CHECK_STR("lookup/env_server", p.api_server, "http://127.0.0.1:4321");
    CHECK_STR("lookup/env_ws", p.workspace, "envws");
    rs_profile_describe(&p, &line);
    CHECK_STR("lookup/env_describe", rs_buf_cstr(&line),
              "server http://127.0.0.1:4321, workspace envws, from environment");
    setenv("ROCKSET_APISERVER", "http://remote.example.com", 1);
    rs_err_clear(&err);
    CHECK_INT("lookup/env_insecure", rs_profile_load(NULL, NULL, NULL, &p, &err), RS_EINVAL);
    CHECK_STR("lookup/env_insecure_msg", err.msg,
              "ROCKSET_APISERVER: api_server 'http://remote.example.com' uses plain http to a "
              "non-loopback host; use https or set allow_insecure_http: true");
    rs_buf_free(&line);
    rs_profile_free(&p);
    clear_env();
}

int main(void) {
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/rs_test_profile_XXXXXX");
    if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) != 0) {
        perror("mkdtemp");
        return 2;
    }
    setenv("HOME", tmpdir, 1);
    clear_env();
    test_every_key();
    test_defaults_and_alias();
    test_pick();
    test_dbt_rockset_profile();
    test_ignored_keys();
    test_pick_by_type();
    test_errors();
    test_env_var();
    test_server();
    test_insecure_allowed_in_file();
    test_lookup_order();
    unlink("profiles.yml");
    unlink("dbtdir/profiles.yml");
    rmdir("dbtdir");
    rmdir(".dbt");
    if (chdir("/") == 0)
        rmdir(tmpdir);
    TEST_DONE();
}
