/*
 * profile.c - see profile.h.
 *
 * How it works: find the file (or fall back to the environment), load it whole with libyaml's
 * document API (profiles.yml is small), pick the profile and target mappings, then read the
 * target's keys one by one into an rs_profile, checking each key's name and type where it is
 * met so the error can name its line. Required keys and the server URL are checked at the end.
 */
#include "profile.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

/* Every key a target may have: how its value is read and where it goes. The same table lists
 * the valid keys in the "unknown key" message. KEY_IGNORED keys are ones dbt-rockset documents
 * that mean nothing here; they are accepted so its profiles load as written, their values are
 * not read, and rs_profile_describe names them so nobody thinks they took effect. */
typedef enum { KEY_TEXT, KEY_TYPE, KEY_BOOL, KEY_INT, KEY_LONG, KEY_IGNORED } key_kind;

typedef struct profile_key {
    const char *name;
    key_kind kind;
    size_t offset;         /* of the field in rs_profile (unused for KEY_TYPE) */
    long min, max;         /* KEY_INT / KEY_LONG bounds */
    const char *range_msg; /* the error when a number is out of bounds */
} profile_key;

/* clang-format off */
static const profile_key profile_keys[] = {
    {"type",                KEY_TYPE, 0, 0, 0, NULL},
    {"workspace",           KEY_TEXT, offsetof(rs_profile, workspace), 0, 0, NULL},
    {"schema",              KEY_TEXT, offsetof(rs_profile, workspace), 0, 0, NULL},
    {"api_key",             KEY_TEXT, offsetof(rs_profile, api_key), 0, 0, NULL},
    {"api_server",          KEY_TEXT, offsetof(rs_profile, api_server), 0, 0, NULL},
    {"threads",             KEY_INT,  offsetof(rs_profile, threads), 1, 1024,
     "'threads' must be between 1 and 1024"},
    {"vi_rrn",              KEY_TEXT, offsetof(rs_profile, vi_rrn), 0, 0, NULL},
    {"run_async_iis",       KEY_BOOL, offsetof(rs_profile, run_async_iis), 0, 0, NULL},
    {"timeout_seconds",     KEY_LONG, offsetof(rs_profile, timeout_seconds), 0, LONG_MAX,
     "'timeout_seconds' must not be negative"},
    {"retries",             KEY_INT,  offsetof(rs_profile, retries), 0, 100,
     "'retries' must be between 0 and 100"},
    {"ca_bundle",           KEY_TEXT, offsetof(rs_profile, ca_bundle), 0, 0, NULL},
    {"allow_insecure_http", KEY_BOOL, offsetof(rs_profile, allow_insecure_http), 0, 0, NULL},
    /* dbt requires a database; dbt-rockset's README profile says `database: N/A` */
    {"database",            KEY_IGNORED, 0, 0, 0, NULL},
    /* dbt-rockset's sample_profiles.yml; here api_server alone picks the region */
    {"region",              KEY_IGNORED, 0, 0, 0, NULL},
    /* asked by `dbt init` (dbt-rockset's profile_template.yml), so generated profiles have it */
    {"user",                KEY_IGNORED, 0, 0, 0, NULL},
};
/* clang-format on */
#define N_PROFILE_KEYS (sizeof(profile_keys) / sizeof(profile_keys[0]))

void rs_profile_init(rs_profile *p) {
    memset(p, 0, sizeof(*p));
    p->threads = 4;
    p->retries = -1;
}

void rs_profile_free(rs_profile *p) {
    if (p == NULL)
        return;
    free(p->source);
    free(p->profile_name);
    free(p->target_name);
    free(p->workspace);
    if (p->api_key != NULL)
        memset(p->api_key, 0, strlen(p->api_key)); /* do not leave the secret in freed memory */
    free(p->api_key);
    free(p->api_server);
    free(p->vi_rrn);
    free(p->ca_bundle);
    free(p->ignored_keys);
    rs_profile_init(p);
}

/* ------------------------------------------------------------ env_var expansion */

static const char *skip_spaces(const char *p) {
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}

/* Parse a quoted literal at *pp (single or double quotes); start and len get its content. */
static int parse_quoted(const char **pp, const char **start, size_t *len) {
    const char *p = *pp;
    char quote = *p;
    const char *close;

    if (quote != '\'' && quote != '"')
        return -1;
    close = strchr(p + 1, quote);
    if (close == NULL)
        return -1;
    *start = p + 1;
    *len = (size_t)(close - p - 1);
    *pp = close + 1;
    return 0;
}

/* 1 when name is a portable environment variable name: letters, digits, underscores, not
 * starting with a digit (POSIX). */
static int is_variable_name(const char *name) {
    const char *p;

    if (isdigit((unsigned char)name[0]))
        return 0;
    for (p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_')
            return 0;
    return 1;
}

/* Expand one "{{ env_var(...) }}" starting at p ("{{"); append to out and set *next past "}}".
 * Returns 1 when expanded, 0 when the braces hold something else (left to the caller). */
static int expand_one(const char *p, rs_buf *out, const char **next, rs_err *err) {
    const char *q = skip_spaces(p + 2);
    const char *name, *def = NULL;
    size_t name_len, def_len = 0;
    char var[256];
    const char *value;

    if (strncmp(q, "env_var", 7) != 0)
        return 0;
    q = skip_spaces(q + 7);
    if (*q != '(')
        return 0;
    q = skip_spaces(q + 1);
    if (parse_quoted(&q, &name, &name_len) < 0 || name_len == 0 || name_len >= sizeof(var))
        return rs_err_set(err, RS_EINVAL, "malformed env_var(...) call"), -1;
    q = skip_spaces(q);
    if (*q == ',') {
        q = skip_spaces(q + 1);
        if (parse_quoted(&q, &def, &def_len) < 0)
            return rs_err_set(err, RS_EINVAL, "malformed env_var(...) call"), -1;
        q = skip_spaces(q);
    }
    if (*q != ')')
        return rs_err_set(err, RS_EINVAL, "malformed env_var(...) call"), -1;
    q = skip_spaces(q + 1);
    if (strncmp(q, "}}", 2) != 0)
        return rs_err_set(err, RS_EINVAL, "malformed env_var(...) call"), -1;
    memcpy(var, name, name_len);
    var[name_len] = '\0';
    /* Checked before the lookup so that no message ever quotes such a name: inside api_key a
     * quoted scalar running over several lines can fold the key's own text into it. */
    if (!is_variable_name(var))
        return rs_err_set(err, RS_EINVAL,
                          "malformed env_var(...) call: a variable name is letters, digits and "
                          "underscores"),
               -1;
    value = getenv(var);
    if (value != NULL)
        rs_buf_puts(out, value);
    else if (def != NULL)
        rs_buf_append(out, def, def_len);
    else
        return rs_err_set(err, RS_EINVAL,
                          "environment variable '%s' is not set (env_var without a default)", var),
               -1;
    *next = q + 2;
    return 1;
}

/* Hand a built string to the caller: *out (malloc'd) and RS_OK, or RS_ENOMEM when building it
 * or detaching it ran out of memory (b is left empty either way). */
static int detach_result(rs_buf *b, char **out, rs_err *err) {
    char *result;

    if (b->oom) {
        rs_buf_free(b);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    result = rs_buf_detach(b);
    if (result == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    *out = result;
    return RS_OK;
}

int rs_profile_expand_env(const char *value, char **out, rs_err *err) {
    rs_buf b = RS_BUF_INIT;
    const char *p = value;

    while (*p) {
        const char *open = strstr(p, "{{");
        const char *next = NULL;
        int r;
        if (open == NULL) {
            rs_buf_puts(&b, p);
            break;
        }
        rs_buf_append(&b, p, (size_t)(open - p));
        r = expand_one(open, &b, &next, err);
        if (r < 0) {
            rs_buf_free(&b);
            return err ? err->code : RS_EINVAL;
        }
        if (r == 0) {
            rs_buf_append(&b, open, 2); /* not ours: keep the braces and go on */
            next = open + 2;
        }
        p = next;
    }
    return detach_result(&b, out, err);
}

/* ------------------------------------------------------------ api_server */

static int is_loopback(const char *host, size_t len) {
    if (len == 9 && strncasecmp(host, "localhost", 9) == 0)
        return 1;
    if (len >= 4 && strncmp(host, "127.", 4) == 0)
        return 1;
    return (len == 3 && strncmp(host, "::1", 3) == 0) ||
           (len == 5 && strncmp(host, "[::1]", 5) == 0);
}

/* Host part of an http URL after the scheme: up to ':', '/' or the end ([v6] kept whole). */
static size_t host_length(const char *host) {
    const char *p = host;

    if (*p == '[') {
        const char *close = strchr(p, ']');
        return close ? (size_t)(close - p + 1) : strlen(p);
    }
    while (*p && *p != ':' && *p != '/')
        p++;
    return (size_t)(p - host);
}

int rs_profile_normalize_server(const char *value, int allow_insecure_http, char **out,
                                rs_err *err) {
    rs_buf b = RS_BUF_INIT;
    const char *v = skip_spaces(value);
    size_t len = strlen(v);

    while (len > 0 && (v[len - 1] == '/' || v[len - 1] == ' '))
        len--;
    if (len == 0)
        return rs_err_set(err, RS_EINVAL, "api_server is empty");
    if (strncmp(v, "http://", 7) == 0) {
        const char *host = v + 7;
        if (!allow_insecure_http && !is_loopback(host, host_length(host)))
            return rs_err_set(err, RS_EINVAL,
                              "api_server '%.*s' uses plain http to a non-loopback host; use "
                              "https or set allow_insecure_http: true",
                              (int)len, v);
        rs_buf_append(&b, v, len);
    } else if (strncmp(v, "https://", 8) == 0) {
        rs_buf_append(&b, v, len);
    } else if (strstr(v, "://") != NULL) {
        return rs_err_set(err, RS_EINVAL,
                          "api_server '%.*s' must be a host name or an http(s):// URL", (int)len,
                          v);
    } else {
        rs_buf_puts(&b, "https://");
        rs_buf_append(&b, v, len);
    }
    return detach_result(&b, out, err);
}

/* ------------------------------------------------------------ environment */

static const char *env_nonempty(const char *a, const char *b) {
    const char *v = getenv(a);

    if (v && v[0])
        return v;
    v = b ? getenv(b) : NULL;
    return v && v[0] ? v : NULL;
}

static int load_from_env(rs_profile *p, rs_err *err) {
    const char *key = env_nonempty("ROCKSET_APIKEY", "ROCKSET_API_KEY");
    const char *server = env_nonempty("ROCKSET_APISERVER", "ROCKSET_API_SERVER");
    const char *ws = env_nonempty("ROCKSET_WORKSPACE", NULL);
    int rc;

    if (key == NULL)
        return rs_err_set(err, RS_EINVAL,
                          "no profiles.yml found (looked in $DBT_PROFILES_DIR, ./, ~/.dbt/) and "
                          "ROCKSET_APIKEY is not set");
    rc = rs_profile_normalize_server(server ? server : RS_PROFILE_DEFAULT_SERVER, 0, &p->api_server,
                                     err);
    if (rc != RS_OK) {
        rs_err_prefix(err, "ROCKSET_APISERVER: ");
        return rc;
    }
    p->api_key = strdup(key);
    p->workspace = strdup(ws ? ws : "commons");
    if (p->api_key == NULL || p->workspace == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return RS_OK;
}

/* ------------------------------------------------------------ YAML helpers */

typedef struct loader {
    const char *source; /* path for messages */
    yaml_document_t doc;
    rs_profile *out;
    rs_err *err;
    char ignored[N_PROFILE_KEYS]; /* 1 for each KEY_IGNORED key the target has */
} loader;

static const char *scalar(yaml_node_t *node) {
    return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

static int node_line(yaml_node_t *node) {
    return node ? (int)node->start_mark.line + 1 : 0;
}

/* Is this a YAML null (plain "", "~", "null")? */
static int is_null(yaml_node_t *node) {
    const char *s = scalar(node);

    if (s == NULL || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return s[0] == '\0' || strcmp(s, "~") == 0 || strcasecmp(s, "null") == 0;
}

static yaml_node_t *map_get(loader *ld, yaml_node_t *map, const char *key, yaml_node_t **key_node) {
    yaml_node_pair_t *pair;

    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
        const char *s = scalar(k);
        if (s != NULL && strcmp(s, key) == 0) {
            if (key_node != NULL)
                *key_node = k;
            return yaml_document_get_node(&ld->doc, pair->value);
        }
    }
    return NULL;
}

/* "a, b, c": the mapping's keys, skipping `skip` (may be NULL). */
static void list_keys(loader *ld, yaml_node_t *map, const char *skip, rs_buf *names) {
    yaml_node_pair_t *pair;

    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return;
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        const char *s = scalar(yaml_document_get_node(&ld->doc, pair->key));
        if (s == NULL || (skip != NULL && strcmp(s, skip) == 0))
            continue;
        rs_buf_printf(names, "%s%s", names->len ? ", " : "", s);
    }
}

static int fail_at(loader *ld, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Set "<source>:<line>: <message>" (no line part when line is 0). */
static int fail_at(loader *ld, int line, const char *fmt, ...) {
    va_list ap;

    va_start(ap, fmt);
    rs_err_setv(ld->err, RS_EINVAL, fmt, ap);
    va_end(ap);
    if (line > 0)
        rs_err_prefix(ld->err, "%s:%d: ", ld->source, line);
    else
        rs_err_prefix(ld->err, "%s: ", ld->source);
    return RS_EINVAL;
}

/* The scalar value of a target key with env_var expanded; *out NULL for a YAML null. */
static int value_text(loader *ld, const char *key, yaml_node_t *value, char **out) {
    int rc;

    *out = NULL;
    if (is_null(value))
        return RS_OK;
    if (scalar(value) == NULL)
        return fail_at(ld, node_line(value), "'%s' must be a single value, not a %s", key,
                       value->type == YAML_MAPPING_NODE ? "mapping" : "list");
    rc = rs_profile_expand_env(scalar(value), out, ld->err);
    if (rc == RS_EINVAL)
        rs_err_prefix(ld->err, "%s:%d: ", ld->source, node_line(value));
    return rc;
}

static int parse_bool(const char *s, int *out) {
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    size_t i;

    for (i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

static int parse_long(const char *s, long *out) {
    char *end;
    long v;

    errno = 0;
    v = strtol(s, &end, 10);
    if (end == s || *skip_spaces(end) != '\0' || errno == ERANGE)
        return -1;
    *out = v;
    return 0;
}

static const profile_key *find_key(const char *key) {
    size_t i;

    for (i = 0; i < N_PROFILE_KEYS; i++)
        if (strcmp(key, profile_keys[i].name) == 0)
            return &profile_keys[i];
    return NULL;
}

static int unknown_key(loader *ld, int line, const char *key) {
    rs_buf names = RS_BUF_INIT;
    size_t i;
    int rc;

    for (i = 0; i < N_PROFILE_KEYS; i++)
        rs_buf_printf(&names, "%s%s", i ? ", " : "", profile_keys[i].name);
    rc = fail_at(ld, line, "unknown key '%s' (valid keys: %s)", key, rs_buf_cstr(&names));
    rs_buf_free(&names);
    return rc;
}

/* Store a number after checking its bounds. */
static int store_number(loader *ld, const profile_key *k, const char *text, int line) {
    char *field = (char *)ld->out + k->offset;
    long n;

    if (parse_long(text, &n) < 0)
        return fail_at(ld, line, "'%s' must be an integer", k->name);
    if (n < k->min || n > k->max)
        return fail_at(ld, line, "%s", k->range_msg);
    if (k->kind == KEY_INT)
        *(int *)(void *)field = (int)n;
    else
        *(long *)(void *)field = n;
    return RS_OK;
}

/* Store one target key's value (text already expanded; NULL = YAML null). Takes `text`. */
static int store_key(loader *ld, const profile_key *k, char *text, int line) {
    char *field = (char *)ld->out + k->offset;
    int rc = RS_OK, b;

    if (k->kind == KEY_TEXT) {
        free(*(char **)(void *)field);
        *(char **)(void *)field = text;
        return RS_OK;
    }
    if (text == NULL)
        return RS_OK; /* an optional key left empty keeps its default */
    if (k->kind == KEY_TYPE) {
        if (strcmp(text, "rockset") != 0)
            rc = fail_at(ld, line, "'type' must be 'rockset', not '%s'", text);
    } else if (k->kind == KEY_BOOL) {
        if (parse_bool(text, &b) < 0)
            rc = fail_at(ld, line, "'%s' must be true or false", k->name);
        else
            *(int *)(void *)field = b;
    } else {
        rc = store_number(ld, k, text, line);
    }
    free(text);
    return rc;
}

/* Read one key of the target; notes the line of api_server (for its later check) and whether
 * `type` was given. */
static int read_pair(loader *ld, yaml_node_pair_t *pair, int *have_type, int *server_line) {
    yaml_node_t *k = yaml_document_get_node(&ld->doc, pair->key);
    yaml_node_t *v = yaml_document_get_node(&ld->doc, pair->value);
    const char *key = scalar(k);
    const profile_key *known = key != NULL ? find_key(key) : NULL;
    char *text;
    int rc;

    if (known == NULL)
        return unknown_key(ld, node_line(k), key != NULL ? key : "?");
    if (known->kind == KEY_IGNORED) {
        ld->ignored[known - profile_keys] = 1; /* its value is not needed, so not even expanded */
        return RS_OK;
    }
    rc = value_text(ld, key, v, &text);
    if (rc != RS_OK)
        return rc;
    if (known->kind == KEY_TYPE && text != NULL)
        *have_type = 1;
    if (strcmp(key, "api_server") == 0)
        *server_line = node_line(k);
    return store_key(ld, known, text, node_line(k));
}

/* ld->out->ignored_keys: "database, user" in the table's order (so the note does not depend on
 * the file's order or repeats), or NULL when the target has none. */
static int note_ignored(loader *ld) {
    rs_buf names = RS_BUF_INIT;
    size_t i;

    for (i = 0; i < N_PROFILE_KEYS; i++)
        if (ld->ignored[i])
            rs_buf_printf(&names, "%s%s", names.len ? ", " : "", profile_keys[i].name);
    if (names.len == 0 && !names.oom)
        return RS_OK;
    return detach_result(&names, &ld->out->ignored_keys, ld->err);
}

/* Read every key of the target mapping into ld->out, then check what is required. */
static int read_target(loader *ld, yaml_node_t *target, int target_line, const char *pname,
                       const char *tname) {
    rs_profile *p = ld->out;
    yaml_node_pair_t *pair;
    int server_line = target_line, have_type = 0;
    char *server = NULL;
    int rc;

    if (target->type != YAML_MAPPING_NODE)
        return fail_at(ld, node_line(target), "profile '%s' target '%s' must be a mapping", pname,
                       tname);
    for (pair = target->data.mapping.pairs.start; pair < target->data.mapping.pairs.top; pair++) {
        rc = read_pair(ld, pair, &have_type, &server_line);
        if (rc != RS_OK)
            return rc;
    }
    if (!have_type || p->workspace == NULL || p->api_key == NULL || p->api_key[0] == '\0')
        return fail_at(ld, target_line, "profile '%s' target '%s': missing required key '%s'",
                       pname, tname,
                       !have_type             ? "type"
                       : p->workspace == NULL ? "workspace"
                                              : "api_key");
    rc = rs_profile_normalize_server(p->api_server ? p->api_server : RS_PROFILE_DEFAULT_SERVER,
                                     p->allow_insecure_http, &server, ld->err);
    if (rc != RS_OK) {
        if (rc == RS_EINVAL)
            rs_err_prefix(ld->err, "%s:%d: ", ld->source, server_line);
        return rc;
    }
    free(p->api_server);
    p->api_server = server;
    return note_ignored(ld);
}

/* Does some output of this profile say `type: rockset`? That is how a profiles.yml shared with
 * other dbt adapters shows which profile is ours. Only a literal value counts: a type taken
 * from env_var would have to be expanded (and could fail) merely to choose. */
static int profile_is_rockset(loader *ld, yaml_node_t *profile) {
    yaml_node_t *outputs = map_get(ld, profile, "outputs", NULL);
    yaml_node_pair_t *pair;

    if (outputs == NULL || outputs->type != YAML_MAPPING_NODE)
        return 0;
    for (pair = outputs->data.mapping.pairs.start; pair < outputs->data.mapping.pairs.top; pair++) {
        yaml_node_t *target = yaml_document_get_node(&ld->doc, pair->value);
        const char *type = scalar(map_get(ld, target, "type", NULL));
        if (type != NULL && strcmp(type, "rockset") == 0)
            return 1;
    }
    return 0;
}

/* What a file holds, for choosing a profile when none is named. */
typedef struct profile_census {
    size_t count;              /* profiles (the top-level `config:` is dbt's settings, not one) */
    size_t n_rockset;          /* of which have a rockset output */
    const char *first;         /* the first profile's name */
    const char *first_rockset; /* the first rockset-typed profile's name */
    int named_rockset;         /* a profile named 'rockset': 0 none, 1 not rockset-typed, 2 typed */
    rs_buf rockset_names;      /* "a, b": the rockset-typed ones, for messages */
} profile_census;

static void take_census(loader *ld, yaml_node_t *root, profile_census *c) {
    yaml_node_pair_t *pair;

    for (pair = root->data.mapping.pairs.start; pair < root->data.mapping.pairs.top; pair++) {
        const char *s = scalar(yaml_document_get_node(&ld->doc, pair->key));
        int typed;
        if (s == NULL || strcmp(s, "config") == 0)
            continue;
        typed = profile_is_rockset(ld, yaml_document_get_node(&ld->doc, pair->value));
        c->count++;
        if (c->first == NULL)
            c->first = s;
        if (strcmp(s, "rockset") == 0)
            c->named_rockset = 1 + typed;
        if (!typed)
            continue;
        c->n_rockset++;
        if (c->first_rockset == NULL)
            c->first_rockset = s;
        rs_buf_printf(&c->rockset_names, "%s%s", c->rockset_names.len ? ", " : "", s);
    }
}

/* The profile taken when none is named: the only one; else the only rockset-typed one; else
 * the one named 'rockset' when it is rockset-typed (or when no profile is). NULL when that
 * leaves no choice. */
static const char *default_profile(const profile_census *c) {
    if (c->count == 1)
        return c->first;
    if (c->n_rockset == 1)
        return c->first_rockset;
    if (c->named_rockset == 2 || (c->n_rockset == 0 && c->named_rockset == 1))
        return "rockset";
    return NULL;
}

/* Pick the profile mapping: the one named, else default_profile. rockset_connect() with or
 * without a path both come here, so a file is read the same way however it was found. */
static int pick_profile(loader *ld, yaml_node_t *root, const char *want, const char **name,
                        yaml_node_t **node) {
    profile_census c;
    rs_buf names = RS_BUF_INIT;
    int rc = RS_OK;

    memset(&c, 0, sizeof(c));
    take_census(ld, root, &c);
    list_keys(ld, root, "config", &names);
    *name = want != NULL ? want : default_profile(&c);
    if (c.count == 0)
        rc = fail_at(ld, 0, "no profiles in the file");
    else if (*name == NULL && c.n_rockset > 1)
        rc = fail_at(ld, 0,
                     "several profiles of type rockset and none is named 'rockset'; name one "
                     "(profiles: %s)",
                     rs_buf_cstr(&c.rockset_names));
    else if (*name == NULL)
        rc = fail_at(ld, 0, "several profiles and none has type rockset; name one (profiles: %s)",
                     rs_buf_cstr(&names));
    else if ((*node = map_get(ld, root, *name, NULL)) == NULL || strcmp(*name, "config") == 0)
        rc = fail_at(ld, 0, "no profile '%s' (profiles: %s)", *name, rs_buf_cstr(&names));
    rs_buf_free(&names);
    rs_buf_free(&c.rockset_names);
    return rc;
}

/* Within a profile: find outputs and the target name (given, `target:`, or the only output). */
static int pick_target(loader *ld, yaml_node_t *profile, const char *pname, const char *want,
                       char **tname, yaml_node_t **target, int *target_line) {
    yaml_node_t *outputs = map_get(ld, profile, "outputs", NULL);
    yaml_node_t *tnode, *key_node = NULL;
    rs_buf names = RS_BUF_INIT;
    int rc = RS_OK;

    if (profile->type != YAML_MAPPING_NODE)
        return fail_at(ld, node_line(profile), "profile '%s' must be a mapping", pname);
    if (outputs == NULL || outputs->type != YAML_MAPPING_NODE)
        return fail_at(ld, node_line(profile), "profile '%s' has no 'outputs' mapping", pname);
    list_keys(ld, outputs, NULL, &names);
    tnode = want == NULL ? map_get(ld, profile, "target", NULL) : NULL;
    if (want != NULL) {
        *tname = strdup(want);
    } else if (tnode != NULL && !is_null(tnode)) {
        rc = value_text(ld, "target", tnode, tname);
    } else if (outputs->data.mapping.pairs.top - outputs->data.mapping.pairs.start == 1) {
        const char *only =
            scalar(yaml_document_get_node(&ld->doc, outputs->data.mapping.pairs.start->key));
        *tname = strdup(only ? only : "");
    } else {
        rc = fail_at(ld, 0, "profile '%s' has no 'target'; name one (targets: %s)", pname,
                     rs_buf_cstr(&names));
    }
    if (rc == RS_OK && *tname == NULL)
        rc = rs_err_set(ld->err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK) {
        *target = map_get(ld, outputs, *tname, &key_node);
        if (*target == NULL)
            rc = fail_at(ld, 0, "profile '%s' has no target '%s' (targets: %s)", pname, *tname,
                         rs_buf_cstr(&names));
        else
            *target_line = node_line(key_node);
    }
    rs_buf_free(&names);
    return rc;
}

/* libyaml keeps a scalar's length, and "\0" escapes put NULs inside it; everything here reads
 * values as C strings, so "dev\0x" would silently act as "dev". Refuse such a value. */
static int refuse_nul_scalars(loader *ld) {
    yaml_node_t *node;

    for (node = ld->doc.nodes.start; node < ld->doc.nodes.top; node++) {
        if (node->type == YAML_SCALAR_NODE &&
            strlen((const char *)node->data.scalar.value) != node->data.scalar.length)
            return fail_at(ld, (int)node->start_mark.line + 1,
                           "a value holds a NUL character (\\0), which no profile setting can "
                           "contain");
    }
    return RS_OK;
}

static int load_document(loader *ld, FILE *file) {
    yaml_parser_t parser;
    int rc = RS_OK;

    if (!yaml_parser_initialize(&parser))
        return rs_err_set(ld->err, RS_ENOMEM, "out of memory");
    yaml_parser_set_input_file(&parser, file);
    if (!yaml_parser_load(&parser, &ld->doc)) {
        if (parser.error == YAML_MEMORY_ERROR)
            rc = rs_err_set(ld->err, RS_ENOMEM, "out of memory");
        else
            rc = rs_err_set(ld->err, RS_EINVAL, "%s:%d:%d: %s", ld->source,
                            (int)parser.problem_mark.line + 1, (int)parser.problem_mark.column + 1,
                            parser.problem ? parser.problem : "invalid YAML");
    } else {
        rc = refuse_nul_scalars(ld);
        if (rc != RS_OK)
            yaml_document_delete(&ld->doc);
    }
    yaml_parser_delete(&parser);
    return rc;
}

static int load_from_file(const char *path, const char *want_profile, const char *want_target,
                          rs_profile *p, rs_err *err) {
    loader ld;
    FILE *file;
    yaml_node_t *root, *profile = NULL, *target = NULL;
    const char *pname = NULL;
    char *tname = NULL;
    int target_line = 0, rc;

    memset(&ld, 0, sizeof(ld));
    ld.source = path;
    ld.out = p;
    ld.err = err;
    struct stat st;

    if (path[0] == '\0')
        return rs_err_set(err, RS_EINVAL,
                          "the profiles path is empty: give a profiles.yml file, or no argument "
                          "for the default lookup");
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return rs_err_set(err, RS_EINVAL, "%s: is a directory; give the profiles.yml file in it",
                          path);
    file = fopen(path, "rb");
    if (file == NULL)
        return rs_err_set(err, RS_EIO, "%s: cannot read: %s", path, strerror(errno));
    rc = load_document(&ld, file);
    fclose(file);
    if (rc != RS_OK)
        return rc;
    root = yaml_document_get_root_node(&ld.doc);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        rc = fail_at(&ld, 0, root ? "expected a mapping of profiles" : "no profiles in the file");
    if (rc == RS_OK)
        rc = pick_profile(&ld, root, want_profile, &pname, &profile);
    if (rc == RS_OK)
        rc = pick_target(&ld, profile, pname, want_target, &tname, &target, &target_line);
    if (rc == RS_OK)
        rc = read_target(&ld, target, target_line, pname, tname);
    if (rc == RS_OK) {
        p->source = strdup(path);
        p->profile_name = strdup(pname);
        p->target_name = tname;
        tname = NULL;
        if (p->source == NULL || p->profile_name == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    free(tname);
    yaml_document_delete(&ld.doc);
    return rc;
}

static int file_exists(const char *path) {
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The lookup order of profile.h; *found is malloc'd or NULL when no file exists. */
static int find_profiles_file(char **found, rs_err *err) {
    const char *dir = getenv("DBT_PROFILES_DIR");
    const char *home = getenv("HOME");
    rs_buf path = RS_BUF_INIT;

    *found = NULL;
    if (dir && dir[0]) {
        rs_buf_printf(&path, "%s/profiles.yml", dir);
        if (!path.oom && file_exists(rs_buf_cstr(&path)))
            goto hit;
        rs_buf_reset(&path);
    }
    if (file_exists("profiles.yml")) {
        rs_buf_puts(&path, "profiles.yml");
        goto hit;
    }
    if (home && home[0]) {
        rs_buf_printf(&path, "%s/.dbt/profiles.yml", home);
        if (!path.oom && file_exists(rs_buf_cstr(&path)))
            goto hit;
    }
    rs_buf_free(&path);
    return RS_OK;
hit:
    if (path.oom || (*found = rs_buf_detach(&path)) == NULL) {
        rs_buf_free(&path);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    return RS_OK;
}

int rs_profile_load(const char *path, const char *profile, const char *target, rs_profile *out,
                    rs_err *err) {
    rs_profile loaded;
    char *found = NULL;
    int rc;

    rs_profile_init(&loaded);
    if (path == NULL) {
        rc = find_profiles_file(&found, err);
        if (rc != RS_OK)
            return rc;
    }
    if (path != NULL || found != NULL)
        rc = load_from_file(path ? path : found, profile, target, &loaded, err);
    else
        rc = load_from_env(&loaded, err);
    free(found);
    if (rc != RS_OK) {
        rs_profile_free(&loaded);
        return rc;
    }
    rs_profile_free(out);
    *out = loaded;
    return RS_OK;
}

int rs_profile_describe(const rs_profile *p, rs_buf *out) {
    int rc;

    if (p->profile_name != NULL)
        rc = rs_buf_printf(out, "server %s, workspace %s, profile %s, target %s", p->api_server,
                           p->workspace, p->profile_name, p->target_name ? p->target_name : "");
    else
        rc = rs_buf_printf(out, "server %s, workspace %s, from environment", p->api_server,
                           p->workspace);
    if (rc == RS_OK && p->ignored_keys != NULL)
        rc = rs_buf_printf(out, "; ignored profile keys: %s (not used by rockset_ext)",
                           p->ignored_keys);
    return rc;
}
