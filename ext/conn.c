/* conn.c - see conn.h. */
#include "conn.h"
#include "api/profile.h"
#include "names.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Defaults before any profile is loaded; a profile's own values replace the first four. */
#define DEFAULT_WORKSPACE  "commons"
#define DEFAULT_THREADS    4
#define DEFAULT_TIMEOUT_MS 150000L
#define DEFAULT_RETRIES    4
#define DEFAULT_PAGE_SIZE  1000
#define DEFAULT_BATCH_SIZE 1000

rs_conn *rs_conn_new(sqlite3 *db) {
    rs_conn *conn = calloc(1, sizeof(*conn));

    if (conn == NULL)
        return NULL;
    conn->cfg.workspace = strdup(DEFAULT_WORKSPACE);
    if (conn->cfg.workspace == NULL) {
        free(conn);
        return NULL;
    }
    conn->refcount = 1;
    conn->db = db;
    rs_profile_init(&conn->profile);
    conn->cfg.threads = DEFAULT_THREADS;
    conn->cfg.page_size = DEFAULT_PAGE_SIZE;
    conn->cfg.batch_size = DEFAULT_BATCH_SIZE;
    conn->cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
    conn->cfg.retries = DEFAULT_RETRIES;
    conn->cfg.pushdown = 1;
    return conn;
}

void rs_conn_retain(rs_conn *conn) {
    if (conn != NULL)
        conn->refcount++;
}

void rs_conn_release(void *p) {
    rs_conn *conn = p;

    if (conn == NULL || --conn->refcount > 0)
        return;
    rs_fences_clear(&conn->fences);
    rs_api_close(conn->api);
    rs_profile_free(&conn->profile);
    free(conn->description);
    free(conn->cfg.workspace);
    free(conn->last_query_id);
    free(conn->last_sql);
    free(conn);
}

int rs_conn_create_function(rs_conn *conn, const char *name, int n_arg, int flags,
                            void (*fn)(sqlite3_context *, int, sqlite3_value **), char **pzErr) {
    int rc;

    /* SQLite calls the destructor also when registration fails, so take the reference first. */
    rs_conn_retain(conn);
    rc = sqlite3_create_function_v2(conn->db, name, n_arg, SQLITE_UTF8 | flags, conn, fn, NULL,
                                    NULL, rs_conn_release);
    if (rc != SQLITE_OK && pzErr != NULL)
        *pzErr = sqlite3_mprintf("rockset_ext: registering %s/%d failed: %s", name, n_arg,
                                 sqlite3_errstr(rc));
    return rc;
}

int rs_conn_create_module(rs_conn *conn, const char *name, const sqlite3_module *module,
                          char **pzErr) {
    int rc;

    rs_conn_retain(conn);
    rc = sqlite3_create_module_v2(conn->db, name, module, conn, rs_conn_release);
    if (rc != SQLITE_OK && pzErr != NULL)
        *pzErr = sqlite3_mprintf("rockset_ext: registering module %s failed: %s", name,
                                 sqlite3_errstr(rc));
    return rc;
}

int rs_conn_should_stop(void *p) {
    rs_conn *conn = p;
    sqlite3_stmt *probe = NULL;
    int rc;

    /* While the flag is set the parser itself stops with SQLITE_INTERRUPT; otherwise stepping
     * the probe checks it at the start of the VDBE run. */
    rc = sqlite3_prepare_v2(conn->db, "SELECT 1", -1, &probe, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_finalize(probe);
        return rc == SQLITE_INTERRUPT;
    }
    rc = sqlite3_step(probe);
    sqlite3_finalize(probe);
    return rc == SQLITE_INTERRUPT;
}

/* Push the session's timeout and retries into the client. */
static void apply_client_settings(rs_conn *conn) {
    rs_http *http;

    if (conn->api == NULL)
        return;
    http = rs_api_http(conn->api);
    rs_http_set_timeout_ms(http, conn->cfg.timeout_ms);
    rs_http_set_max_attempts(http, conn->cfg.retries + 1);
}

/* Retries and timeout under profile: the profile's when it sets them, else the session's. */
static int profile_retries(const rs_conn *conn, const rs_profile *profile) {
    return profile->retries >= 0 ? profile->retries : conn->cfg.retries;
}

static long profile_timeout_ms(const rs_conn *conn, const rs_profile *profile) {
    return profile->timeout_seconds > 0 ? profile->timeout_seconds * 1000L : conn->cfg.timeout_ms;
}

/* Adopt a freshly opened client and its profile's settings; takes over *profile (minus its key,
 * which is wiped) and leaves it empty. */
static int adopt_connection(rs_conn *conn, rs_api *api, rs_profile *profile, char *description,
                            rs_err *err) {
    char *workspace = strdup(profile->workspace);
    rs_http_stats old;

    if (workspace == NULL) {
        free(description);
        rs_api_close(api);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    if (conn->api != NULL) {
        rs_http_get_stats(rs_api_http(conn->api), &old);
        conn->past.requests += old.requests;
        conn->past.retries += old.retries;
        conn->past.bytes_sent += old.bytes_sent;
        conn->past.bytes_received += old.bytes_received;
        rs_api_close(conn->api);
    }
    conn->api = api;
    free(conn->description);
    conn->description = description;
    free(conn->cfg.workspace);
    conn->cfg.workspace = workspace;
    conn->cfg.threads = profile->threads > 0 ? profile->threads : DEFAULT_THREADS;
    conn->cfg.retries = profile_retries(conn, profile);
    conn->cfg.timeout_ms = profile_timeout_ms(conn, profile);
    rs_profile_free(&conn->profile);
    conn->profile = *profile;
    rs_profile_init(profile);
    if (conn->profile.api_key != NULL) {
        memset(conn->profile.api_key, 0, strlen(conn->profile.api_key));
        free(conn->profile.api_key);
        conn->profile.api_key = NULL;
    }
    apply_client_settings(conn);
    return RS_OK;
}

int rs_conn_connect(rs_conn *conn, const char *path, const char *profile_name, const char *target,
                    rs_err *err) {
    rs_profile profile;
    rs_api *api = NULL;
    rs_buf line = RS_BUF_INIT;
    int rc;

    rs_profile_init(&profile);
    rc = rs_profile_load(path, profile_name, target, &profile, err);
    if (rc != RS_OK)
        goto done;
    rc = rs_api_open_profile(&profile, rs_conn_should_stop, conn, &api, err);
    if (rc != RS_OK)
        goto done;
    /* the ping already follows the retries and timeout the connection will keep
     * (adopt_connection): a session's `rockset_config('retries', n)` before rockset_connect()
     * held only after it, and the ping to a flaky server gave up after the default attempts */
    rs_http_set_max_attempts(rs_api_http(api), profile_retries(conn, &profile) + 1);
    rs_http_set_timeout_ms(rs_api_http(api), profile_timeout_ms(conn, &profile));
    rc = rs_api_ping(api, NULL, err);
    if (rc != RS_OK)
        goto done;
    if (rs_profile_describe(&profile, &line) != RS_OK) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    rc = adopt_connection(conn, api, &profile, rs_buf_detach(&line), err);
    api = NULL; /* adopted or freed */
done:
    rs_api_close(api);
    rs_buf_free(&line);
    rs_profile_free(&profile);
    return rc;
}

int rs_conn_api(rs_conn *conn, rs_api **out, rs_err *err) {
    int rc;

    if (conn->api == NULL) {
        rc = rs_conn_connect(conn, NULL, NULL, NULL, err);
        if (rc != RS_OK)
            return rc;
    }
    *out = conn->api;
    return RS_OK;
}

/* Replace *slot with a copy of text (NULL keeps the old value). */
static int replace_string(char **slot, const char *text, rs_err *err) {
    char *copy;

    if (text == NULL)
        return RS_OK;
    copy = strdup(text);
    if (copy == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    free(*slot);
    *slot = copy;
    return RS_OK;
}

int rs_conn_note_sql(rs_conn *conn, const char *sql, rs_err *err) {
    return replace_string(&conn->last_sql, sql, err);
}

int rs_conn_note_query_id(rs_conn *conn, const char *query_id, rs_err *err) {
    if (query_id != NULL && query_id[0] == '\0')
        return RS_OK;
    return replace_string(&conn->last_query_id, query_id, err);
}

/* Append "key":"text" or "key":null. */
static void put_string_member(rs_buf *out, const char *key, const char *text) {
    rs_buf_printf(out, ",\"%s\":", key);
    if (text == NULL)
        rs_buf_puts(out, "null");
    else
        rs_buf_json_string(out, text, strlen(text));
}

int rs_conn_stats_json(const rs_conn *conn, rs_buf *out) {
    rs_http_stats now = {0, 0, 0, 0};

    if (conn->api != NULL)
        rs_http_get_stats(rs_api_http(conn->api), &now);
    rs_buf_printf(out,
                  "{\"requests\":%llu,\"retries\":%llu,\"bytes_sent\":%llu,"
                  "\"bytes_received\":%llu,\"docs_received\":%llu,\"docs_sent\":%llu",
                  (unsigned long long)(conn->past.requests + now.requests),
                  (unsigned long long)(conn->past.retries + now.retries),
                  (unsigned long long)(conn->past.bytes_sent + now.bytes_sent),
                  (unsigned long long)(conn->past.bytes_received + now.bytes_received),
                  (unsigned long long)conn->docs_received, (unsigned long long)conn->docs_sent);
    put_string_member(out, "last_query_id", conn->last_query_id);
    put_string_member(out, "last_sql", conn->last_sql);
    rs_buf_putc(out, '}');
    return out->oom ? RS_ENOMEM : RS_OK;
}

/* ---------------------------------------------------------------- rockset_config */

const char *const rs_conn_config_keys[] = {"workspace",  "threads", "page_size", "batch_size",
                                           "timeout_ms", "retries", "pushdown",  "quiet",
                                           "async",      NULL};

/* clang-format off */
/* Integer settings: name, where it lives, allowed range. */
typedef struct int_setting {
    const char *name;
    size_t offset;
    int is_long;
    long long min;
    long long max;
} int_setting;

static const int_setting int_settings[] = {
    {"threads",    offsetof(rs_conn_config, threads),    0, 1, 64},
    {"page_size",  offsetof(rs_conn_config, page_size),  0, 1, 100000},
    {"batch_size", offsetof(rs_conn_config, batch_size), 0, 1, 20000},
    {"timeout_ms", offsetof(rs_conn_config, timeout_ms), 1, 1, 86400000},
    {"retries",    offsetof(rs_conn_config, retries),    0, 0, 20},
    {"pushdown",   offsetof(rs_conn_config, pushdown),   0, 0, 1},
    {"quiet",      offsetof(rs_conn_config, quiet),      0, 0, 1},
    {"async",      offsetof(rs_conn_config, async),      0, 0, 1},
};
/* clang-format on */

static const int_setting *find_int_setting(const char *key) {
    size_t i;

    for (i = 0; i < sizeof(int_settings) / sizeof(int_settings[0]); i++) {
        if (strcmp(int_settings[i].name, key) == 0)
            return &int_settings[i];
    }
    return NULL;
}

static long long read_int_setting(const rs_conn *conn, const int_setting *s) {
    const char *base = (const char *)&conn->cfg;

    if (s->is_long)
        return *(const long *)(const void *)(base + s->offset);
    return *(const int *)(const void *)(base + s->offset);
}

static void write_int_setting(rs_conn *conn, const int_setting *s, long long v) {
    char *base = (char *)&conn->cfg;

    if (s->is_long)
        *(long *)(void *)(base + s->offset) = (long)v;
    else
        *(int *)(void *)(base + s->offset) = (int)v;
}

static void unknown_key_error(sqlite3_context *ctx, const char *key) {
    sqlite3_str *msg = sqlite3_str_new(NULL);
    char *text;
    int i;

    sqlite3_str_appendf(msg, "rockset_config: unknown key '%s' (valid keys: ", key);
    for (i = 0; rs_conn_config_keys[i] != NULL; i++)
        sqlite3_str_appendf(msg, "%s%s", i ? ", " : "", rs_conn_config_keys[i]);
    sqlite3_str_appendall(msg, ")");
    text = sqlite3_str_finish(msg);
    if (text == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_error(ctx, text, -1);
    sqlite3_free(text);
}

void rs_conn_config_get(rs_conn *conn, sqlite3_context *ctx, const char *key) {
    const int_setting *s;

    if (strcmp(key, "workspace") == 0) {
        sqlite3_result_text(ctx, conn->cfg.workspace, -1, SQLITE_TRANSIENT);
        return;
    }
    s = find_int_setting(key);
    if (s == NULL) {
        unknown_key_error(ctx, key);
        return;
    }
    sqlite3_result_int64(ctx, read_int_setting(conn, s));
}

/* An integer from an INTEGER value, or from TEXT that is entirely a decimal integer. */
static int value_as_integer(sqlite3_value *value, long long *out) {
    const char *text;
    char *end;

    if (sqlite3_value_type(value) == SQLITE_INTEGER) {
        *out = sqlite3_value_int64(value);
        return 1;
    }
    if (sqlite3_value_type(value) != SQLITE_TEXT)
        return 0;
    text = (const char *)sqlite3_value_text(value);
    if (text == NULL || text[0] == '\0')
        return 0;
    *out = strtoll(text, &end, 10);
    return *end == '\0';
}

static void set_workspace(rs_conn *conn, sqlite3_context *ctx, sqlite3_value *value) {
    const char *text = rs_sqlerr_arg_text(value);
    char *copy;

    if (sqlite3_value_type(value) != SQLITE_TEXT || text == NULL || text[0] == '\0') {
        sqlite3_result_error(ctx, "rockset_config: 'workspace' must be a non-empty text", -1);
        return;
    }
    if (!rs_name_valid(text)) {
        sqlite3_result_error(ctx,
                             "rockset_config: 'workspace' must be 1 to 100 letters, digits, '_' "
                             "or '-' (a workspace name, not ws.collection)",
                             -1);
        return;
    }
    copy = strdup(text);
    if (copy == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    free(conn->cfg.workspace);
    conn->cfg.workspace = copy;
    rs_conn_config_get(conn, ctx, "workspace");
}

void rs_conn_config_set(rs_conn *conn, sqlite3_context *ctx, const char *key,
                        sqlite3_value *value) {
    const int_setting *s;
    long long v;

    if (strcmp(key, "workspace") == 0) {
        set_workspace(conn, ctx, value);
        return;
    }
    s = find_int_setting(key);
    if (s == NULL) {
        unknown_key_error(ctx, key);
        return;
    }
    if (!value_as_integer(value, &v) || v < s->min || v > s->max) {
        if (s->min == 0 && s->max == 1)
            rs_sqlerr_resultf(ctx, "rockset_config: '%s' must be 0 or 1", key);
        else
            rs_sqlerr_resultf(ctx, "rockset_config: '%s' must be an integer from %lld to %lld", key,
                              s->min, s->max);
        return;
    }
    write_int_setting(conn, s, v);
    apply_client_settings(conn);
    sqlite3_result_int64(ctx, v);
}
