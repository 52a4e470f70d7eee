/*
 * fn_models_hooks.c - dbt's on-run-start / on-run-end hooks (rockset_hooks rows): run at the
 * start and at the end of rockset_run, rockset_snapshot, rockset_build and rockset_test, as dbt
 * runs them around run, snapshot, build and test.
 *
 * Each hook is a template rendered with the project (ref, source, var, env_var, target, the
 * macros; compile.h rs_project_render_text) and sent to Rockset as one query; a hook that
 * renders to nothing (only {{ log(...) }}, say) sends nothing. Each gets a rockset_run_results
 * row under the command's run_id: model "on-run-start-1" (the kind and its 1-based position),
 * kind 'hook', status success or error, the query's id, the SQL sent. A hook that fails stops
 * the hooks after it; the command then ends with the SQL error
 *   "<fn>: on-run-start hook 1 failed: <why>"
 * (on-run-start: before any model is built; on-run-end: after every row of the run is written).
 * A database without rockset_hooks (older than hooks) has none.
 */
#include "fn_models_int.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Render and send one hook; its row written. *ok 0 when it failed (err holds why). */
static int run_hook(rs_conn *conn, rs_project *p, const char *kind, int pos, const char *text,
                    long long run_id, int *ok, rs_err *err) {
    rs_render_names names = {NULL, NULL, NULL, NULL, NULL, "hook"};
    char name[64];
    char *sql = NULL;
    rs_query_request req;
    rs_query_result *res = NULL;
    models_result_row row;
    rs_api *api = NULL;
    rs_err why;
    int rc;

    snprintf(name, sizeof(name), "%s-%d", kind, pos);
    rs_err_clear(&why);
    rc = rs_project_render_text(p, name, text, &names, &sql, NULL, NULL, &why);
    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, &why);
    if (rc == RS_OK && sql[strspn(sql, " \t\r\n;")] != '\0') {
        memset(&req, 0, sizeof(req));
        req.sql = sql;
        rs_conn_note_sql(conn, sql, &why);
        rc = rs_api_query(api, &req, &res, &why);
    }
    memset(&row, 0, sizeof(row));
    row.run_id = run_id;
    row.model = name;
    row.kind = "hook";
    row.status = rc == RS_OK ? "success" : "error";
    row.rows_affected = -1;
    row.query_id = res != NULL ? rs_query_result_id(res) : NULL;
    row.message = rc == RS_OK ? (res != NULL ? "ran" : "nothing to run") : why.msg;
    row.compiled_sql = sql;
    models_progress_line(conn->cfg.quiet, 1, 1, name, rc == RS_OK ? "OK" : "ERROR");
    *ok = rc == RS_OK;
    if (!*ok)
        *err = why;
    rc = models_write_result(conn->db, &row, *ok ? err : &why);
    rs_query_result_free(res);
    free(sql);
    return rc;
}

int models_run_hooks(rs_conn *conn, rs_project *p, const char *fn, const char *kind,
                     long long run_id, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    int pos = 0, ok = 1, rc = RS_OK;

    if (sqlite3_prepare_v2(conn->db, "SELECT sql FROM rockset_hooks WHERE kind = ?1 ORDER BY id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return RS_OK; /* no table: no hooks */
    sqlite3_bind_text(stmt, 1, kind, -1, SQLITE_STATIC);
    while (rc == RS_OK && ok && sqlite3_step(stmt) == SQLITE_ROW) {
        char *text = strdup((const char *)sqlite3_column_text(stmt, 0));
        if (text == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            break;
        }
        rc = run_hook(conn, p, kind, ++pos, text, run_id, &ok, err);
        free(text);
    }
    sqlite3_finalize(stmt);
    if (rc == RS_OK && !ok) {
        rs_err_prefix(err, "%s: %s hook %d failed: ", fn, kind, pos);
        rc = err->code ? err->code : RS_EINVAL;
    }
    return rc;
}
