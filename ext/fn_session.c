/*
 * fn_session.c - the session functions.
 *
 *   SELECT rockset_version();                                   -- '0.1.0'
 *   SELECT rockset_connect();                                   -- default lookup (profile.h)
 *   SELECT rockset_connect('profiles.yml');                     -- chosen as with no path
 *   SELECT rockset_connect('profiles.yml', 'rockset', 'dev');   -- file, profile, target
 *     -> 'connected: server https://..., workspace analytics, profile rockset, target dev'
 *   SELECT rockset_config('page_size');  SELECT rockset_config('page_size', 100);
 *   SELECT rockset_stats();          -- {"requests":3,"retries":0,...,"last_sql":"SELECT 1"}
 *   SELECT rockset_exec('INSERT INTO ws.c SELECT ...' [, params]);
 *     -> {"query_id":"...","status":"COMPLETED","rows":1,"num_docs_inserted":3,"last_offset":"..."}
 *
 * rockset_exec waits, after an INSERT INTO that inserted documents, until the target's commit
 * fence passes its last_offset, so the next read sees the rows (an alias target, which has no
 * fence of its own, is not waited on). It runs the statement as an async query, polled until
 * done, when rockset_config('async') is 1, or for INSERT INTO when the profile sets
 * run_async_iis.
 *
 * Rationale for DIRECTONLY: every function here but rockset_version talks to Rockset with the
 * user's API key or changes the session. A trigger or view planted in an untrusted database file
 * must not be able to send queries, writes or the key's requests to wherever the session points,
 * so these functions may only be called from top-level SQL.
 */
#include "conn.h"
#include "jsonscan.h"
#include "modules.h"
#include "sqlerr.h"
#include "submit.h"
#include "version.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdlib.h>
#include <string.h>

static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_text(ctx, RS_VERSION, -1, SQLITE_STATIC);
}

static void fn_connect(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *path = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    const char *profile = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    const char *target = argc > 2 ? rs_sqlerr_arg_text(argv[2]) : NULL;
    rs_err err;
    char *line;

    rs_err_clear(&err);
    if (rs_conn_connect(conn, path, profile, target, &err) != RS_OK) {
        rs_sqlerr_result(ctx, &err);
        return;
    }
    line = sqlite3_mprintf("connected: %s", conn->description);
    if (line == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, line, -1, sqlite3_free);
}

static void fn_config(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *key = rs_sqlerr_arg_text(argv[0]);

    if (key == NULL) {
        sqlite3_result_error(ctx, "rockset_config: the key must not be NULL", -1);
        return;
    }
    if (argc == 1)
        rs_conn_config_get(conn, ctx, key);
    else
        rs_conn_config_set(conn, ctx, key, argv[1]);
}

static void fn_stats(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    rs_buf out = RS_BUF_INIT;

    (void)argc;
    (void)argv;
    rs_conn_stats_json(conn, &out);
    rs_sqlerr_result_json(ctx, &out);
}

/* After an INSERT INTO that inserted something: wait for the target's commit fence. */
static int wait_for_insert(rs_conn *conn, const char *sql, const rs_query_result *res,
                           long long inserted, rs_err *err) {
    const char *offset = rs_query_result_last_offset(res);
    char *ws = NULL, *name = NULL;
    rs_api *api = NULL;
    int found, rc;

    if (offset == NULL || inserted == 0)
        return RS_OK;
    /* In Rockset SQL an unqualified collection name means commons, whatever the session says. */
    found = rs_submit_insert_target(sql, "commons", &ws, &name);
    if (found < 0)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (found == 0)
        return RS_OK;
    rc = rs_conn_api(conn, &api, err);
    if (rc == RS_OK)
        rc = rs_api_fence_wait(api, ws, name, offset, conn->cfg.timeout_ms, err);
    if (rc == RS_ENOTFOUND) {
        /* An alias target has no fence endpoint; the insert itself succeeded. */
        rs_err_clear(err);
        rc = RS_OK;
    }
    free(ws);
    free(name);
    return rc;
}

/* Is sql an INSERT INTO? (rs_submit_insert_target without keeping the names) */
static int is_insert(const char *sql) {
    char *ws = NULL, *name = NULL;
    int found = rs_submit_insert_target(sql, "commons", &ws, &name);

    free(ws);
    free(name);
    return found == 1;
}

/* Append the JSON summary of an rockset_exec result. */
static void put_exec_summary(const rs_query_result *res, rs_buf *out, int have_inserted,
                             long long inserted) {
    const char *id = rs_query_result_id(res);
    const char *status = rs_query_result_status(res);
    const char *offset = rs_query_result_last_offset(res);
    long long rows = rs_query_result_total(res);

    if (rows < 0)
        rows = (long long)rs_query_result_row_count(res);
    rs_buf_puts(out, "{\"query_id\":");
    rs_buf_json_string(out, id, strlen(id));
    rs_buf_puts(out, ",\"status\":");
    rs_buf_json_string(out, status, strlen(status));
    rs_buf_printf(out, ",\"rows\":%lld,\"num_docs_inserted\":", rows);
    if (have_inserted)
        rs_buf_printf(out, "%lld", inserted);
    else
        rs_buf_puts(out, "null");
    rs_buf_puts(out, ",\"last_offset\":");
    if (offset != NULL)
        rs_buf_json_string(out, offset, strlen(offset));
    else
        rs_buf_puts(out, "null");
    rs_buf_putc(out, '}');
}

static void fn_exec(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *sql = rs_sqlerr_arg_text(argv[0]);
    const char *params = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    rs_query_result *res = NULL;
    rs_jsonscan_span first, count;
    rs_buf out = RS_BUF_INIT;
    long long inserted = 0;
    int have_inserted = 0, async;
    rs_err err;

    rs_err_clear(&err);
    if (sql == NULL) {
        sqlite3_result_error(ctx, "rockset_exec: the SQL text must not be NULL", -1);
        return;
    }
    /* INSERT INTO runs async when the profile says run_async_iis (dbt's option), so that a long
     * insert never meets the 2-minute limit of a synchronous query. */
    async = conn->cfg.async || (conn->profile.run_async_iis && is_insert(sql));
    if (rs_submit_query(conn, "rockset_exec", sql, params, conn->cfg.page_size,
                        rs_submit_is_read_only(sql), async, &res, &err) != RS_OK) {
        rs_sqlerr_result(ctx, &err);
        return;
    }
    if (rs_query_result_row_count(res) > 0) {
        first = rs_query_result_row(res, 0);
        if (rs_jsonscan_get(first, "num_docs_inserted", &count) &&
            rs_jsonscan_int64(count, &inserted) == RS_OK)
            have_inserted = 1;
    }
    if (wait_for_insert(conn, sql, res, have_inserted ? inserted : -1, &err) != RS_OK) {
        rs_query_result_free(res);
        rs_sqlerr_result(ctx, &err);
        return;
    }
    put_exec_summary(res, &out, have_inserted, inserted);
    rs_query_result_free(res);
    rs_sqlerr_result_json(ctx, &out);
}

/* clang-format off */
static const struct {
    const char *name;
    int n_arg;
    int flags;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
} functions[] = {
    {"rockset_version", 0, SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, fn_version},
    {"rockset_connect", 0, SQLITE_DIRECTONLY, fn_connect},
    {"rockset_connect", 1, SQLITE_DIRECTONLY, fn_connect},
    {"rockset_connect", 2, SQLITE_DIRECTONLY, fn_connect},
    {"rockset_connect", 3, SQLITE_DIRECTONLY, fn_connect},
    {"rockset_config",  1, SQLITE_DIRECTONLY, fn_config},
    {"rockset_config",  2, SQLITE_DIRECTONLY, fn_config},
    {"rockset_stats",   0, SQLITE_DIRECTONLY, fn_stats},
    {"rockset_exec",    1, SQLITE_DIRECTONLY, fn_exec},
    {"rockset_exec",    2, SQLITE_DIRECTONLY, fn_exec},
};
/* clang-format on */

int rs_fn_session_register(rs_conn *conn, char **pzErr) {
    size_t i;
    int rc = SQLITE_OK;

    for (i = 0; i < sizeof(functions) / sizeof(functions[0]) && rc == SQLITE_OK; i++)
        rc = rs_conn_create_function(conn, functions[i].name, functions[i].n_arg,
                                     functions[i].flags, functions[i].fn, pzErr);
    return rc;
}
