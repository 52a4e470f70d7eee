/*
 * profile.h - connection settings from a dbt profiles.yml (libyaml) or the environment.
 *
 * What it is for: rockset_connect()'s lookup. A file in dbt's format:
 *
 *   rockset:                       # profile
 *     target: dev                  # default target
 *     outputs:
 *       dev:                       # target
 *         type: rockset
 *         workspace: analytics     # alias: schema
 *         api_key: "{{ env_var('ROCKSET_APIKEY') }}"
 *         api_server: api.usw2a1.rockset.com
 *
 * Optional keys: threads (int, default 4), vi_rrn, run_async_iis (bool), timeout_seconds (int),
 * retries (int), ca_bundle, allow_insecure_http (bool). Values may contain
 * {{ env_var('NAME') }} / {{ env_var('NAME', 'default') }} (quotes ' or "), alone or inside text.
 * A top-level `config:` mapping (dbt's global settings) is ignored.
 *
 * Accepted and ignored, so that dbt-rockset's documented profiles load unchanged: database (dbt
 * requires it; dbt-rockset's README sets it to N/A), region (dbt-rockset's sample profile;
 * api_server alone says where to connect), user (dbt init asks for it with dbt-rockset's profile
 * template). Their values are not read; ignored_keys names them and rs_profile_describe reports
 * them. Any other key is an error.
 *
 * Choosing the profile when none is named (with or without a path: the same code): the file's
 * only profile; else the only one that has an output with `type: rockset` (written literally);
 * else the one named 'rockset' when it is rockset-typed, or when none is.
 *
 * Lookup when no path is given: $DBT_PROFILES_DIR/profiles.yml, ./profiles.yml (reported as
 * "profiles.yml"), ~/.dbt/profiles.yml; when none exists, the environment: ROCKSET_APIKEY (or
 * ROCKSET_API_KEY), ROCKSET_APISERVER (or ROCKSET_API_SERVER), ROCKSET_WORKSPACE (default commons).
 *
 * api_server: a bare host means https://host; a URL is kept (trailing '/' removed). http:// is
 * accepted only for loopback hosts (127.x.x.x, localhost, ::1) unless allow_insecure_http: true.
 * Default: api.rs2.usw2.rockset.com.
 *
 * Error texts (RS_EINVAL unless noted; <file> is the path as given or as found):
 *   "<file>:3:5: mapping values are not allowed in this context"      (YAML syntax, libyaml's text)
 *   "<file>: cannot read: No such file or directory"                  (RS_EIO; explicit path only)
 *   "<file>:4: profile 'rockset' target 'dev': missing required key 'api_key'"
 *   "<file>:7: 'threads' must be an integer"   / "... must be true or false" / "... must be a
 * string"
 *   "<file>:6: unknown key 'thread' (valid keys: type, workspace, schema, api_key, api_server,
 *     threads, vi_rrn, run_async_iis, timeout_seconds, retries, ca_bundle, allow_insecure_http,
 *     database, region, user)"
 *   "<file>:5: 'type' must be 'rockset', not 'postgres'"
 *   "<file>: profile 'rockset' has no target 'prod' (targets: dev, ci)"
 *   "<file>: no profile 'prod' (profiles: a, b)"
 *   "<file>: several profiles of type rockset and none is named 'rockset'; name one (profiles:
 *     a, b)"                                            (the list names the rockset-typed ones)
 *   "<file>: several profiles and none has type rockset; name one (profiles: a, b)"
 *   "<file>: profile 'rockset' has no 'target'; name one (targets: dev, ci)"
 *   "<file>:5: environment variable 'ROCKSET_KEY' is not set (env_var without a default)"
 *   "<file>:5: api_server 'http://example.com' uses plain http to a non-loopback host; use https
 *     or set allow_insecure_http: true"
 *   "no profiles.yml found (looked in $DBT_PROFILES_DIR, ./, ~/.dbt/) and ROCKSET_APIKEY is not
 * set" Line numbers are 1-based: the line of the offending key, or of the target's name for a
 * missing key. The API key never appears in any message or in rs_profile_describe's line.
 *
 * Ownership: an rs_profile owns all its strings; rs_profile_free releases them (and wipes the
 * key's bytes). Thread-safety: loading reads the environment (getenv) and is otherwise
 * reentrant; a loaded profile is read-only data.
 */
#ifndef RS_PROFILE_H
#define RS_PROFILE_H

#include "buf.h"
#include "err.h"

typedef struct rs_profile {
    char *source;            /* file path as given/found, or NULL when from the environment */
    char *profile_name;      /* NULL when from the environment */
    char *target_name;       /* NULL when from the environment */
    char *workspace;         /* never NULL after a load ("commons" when unset) */
    char *api_key;           /* never NULL after a load; secret: never print it */
    char *api_server;        /* normalised URL, never NULL after a load: "https://host[:port]" */
    int threads;             /* >= 1; default 4 */
    char *vi_rrn;            /* NULL when unset */
    int run_async_iis;       /* 0/1 */
    long timeout_seconds;    /* 0 when unset */
    int retries;             /* -1 when unset */
    char *ca_bundle;         /* NULL when unset */
    int allow_insecure_http; /* 0/1 */
    char *ignored_keys;      /* "database, user": accepted keys that do nothing, or NULL */
} rs_profile;

#define RS_PROFILE_DEFAULT_SERVER "api.rs2.usw2.rockset.com"

/* Zero the struct (safe to free afterwards). */
void rs_profile_init(rs_profile *p);
/* Free every string and re-init. NULL-safe. */
void rs_profile_free(rs_profile *p);

/* Load settings. path NULL = the lookup above; profile NULL = chosen as above; target NULL =
 * the profile's `target`. profile/target are ignored when settings
 * come from the environment. On success *out (which must be initialised or zeroed; its previous
 * content is freed) holds the result; on failure *out is left untouched. */
int rs_profile_load(const char *path, const char *profile, const char *target, rs_profile *out,
                    rs_err *err);

/* Append one line to out:
 *   "server https://api.rs2.usw2.rockset.com, workspace analytics, profile rockset, target dev"
 *   "server http://127.0.0.1:3000, workspace commons, from environment"
 * followed, when the target had ignored keys, by
 *   "; ignored profile keys: database, user (not used by rockset_ext)"
 * RS_OK or RS_ENOMEM. */
int rs_profile_describe(const rs_profile *p, rs_buf *out);

/* Normalise an api_server value (exposed for tests): bare host -> https://host; URL kept minus
 * trailing '/'. http:// to a non-loopback host is RS_EINVAL unless allow_insecure_http.
 * *out is malloc'd. The message is "api_server '<value>' ..." without a location prefix. */
int rs_profile_normalize_server(const char *value, int allow_insecure_http, char **out,
                                rs_err *err);

/* Expand {{ env_var('NAME') }} / {{ env_var('NAME', 'default') }} in value (exposed for tests).
 * *out is malloc'd. RS_EINVAL "environment variable 'NAME' is not set (env_var without a
 * default)" or "malformed env_var(...) call[: ...]" without a location prefix; a name that is
 * not letters, digits and underscores is malformed and never quoted. Other {{ }} text is kept as
 * is. */
int rs_profile_expand_env(const char *value, char **out, rs_err *err);

#endif
