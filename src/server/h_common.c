/* h_common.c - helpers shared by the handlers (see handlers.h). */
#include "handlers.h"
#include "names.h"

#include <stdlib.h>
#include <string.h>

int h_ws_check(rl_req *rq, sqlite3 *db, const char *ws) {
    int64_t found = 0;
    rs_err err = {0};
    if (rl_sql_int(db, &found, &err, "SELECT count(*) FROM workspaces WHERE name = ?1", "s", ws)) {
        rl_reply_err(rq, &err);
        return 0;
    }
    if (!found)
        rl_reply_error(rq, 404, "NOTFOUND", "WORKSPACE_NOT_FOUND",
                       "Workspace \"%s\" does not exist", ws);
    return found != 0;
}

int h_name_free(rl_req *rq, sqlite3 *db, const char *ws, const char *name, const char *kind) {
    char *taken = NULL;
    rs_err err = {0};
    if (rl_sql(db, &taken, &err,
               "SELECT 'collection' FROM collections WHERE ws = ?1 AND name = ?2"
               " UNION ALL SELECT 'view' FROM views WHERE ws = ?1 AND name = ?2"
               " UNION ALL SELECT 'alias' FROM aliases WHERE ws = ?1 AND name = ?2",
               "ss", ws, name)) {
        rl_reply_err(rq, &err);
        return 0;
    }
    if (taken == NULL)
        return 1;
    if (strcmp(taken, kind) == 0)
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL,
                       "%c%s \"%s\" already exists in workspace \"%s\"", kind[0] - 32, kind + 1,
                       name, ws);
    else
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL,
                       "a %s named \"%s\" already exists in workspace \"%s\"", taken, name, ws);
    free(taken);
    return 0;
}

void h_reply_one(rl_req *rq, sqlite3 *db, const char *sql, const char *ws, const char *name,
                 const char *kind, const char *key) {
    char *json = NULL;
    rs_err err = {0};
    if (rl_sql(db, &json, &err, sql, "ss", ws, name) != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    if (json == NULL) {
        rl_reply_error(rq, 404, "NOTFOUND", key, "%s \"%s\" does not exist in workspace \"%s\"",
                       kind, name, ws);
        return;
    }
    rl_reply_data(rq, json);
    free(json);
}

void h_reply_list(rl_req *rq, sqlite3 *db, const char *sql) {
    char *json = NULL;
    rs_err err = {0};
    if (sql == NULL || rl_sql(db, &json, &err, sql, "s", rq->n_args ? rq->args[0] : NULL))
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    free(json);
}

void h_reply_rows(rl_req *rq, sqlite3_stmt *stmt, h_row_json_fn row_json, void *ctx) {
    rs_buf b = RS_BUF_INIT;
    rs_err err = {0};
    int n = 0;

    rs_buf_putc(&b, '[');
    while (stmt != NULL && err.code == 0 && sqlite3_step(stmt) == SQLITE_ROW) {
        char *json = NULL;
        row_json(ctx, stmt, &json, &err);
        if (json != NULL) {
            rs_buf_puts(&b, n++ ? "," : "");
            rs_buf_puts(&b, json);
        }
        free(json);
    }
    sqlite3_finalize(stmt);
    rs_buf_putc(&b, ']');
    if (err.code)
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, b.oom ? NULL : rs_buf_cstr(&b));
    rs_buf_free(&b);
}

int h_check_name(rl_req *rq, const char *name, const char *what) {
    if (name == NULL) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "%s name is required", what);
        return 0;
    }
    if (!rs_name_valid(name)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "%s name \"%s\" is invalid: use 1 to 100 letters, digits, dashes or "
                       "underscores",
                       what, name);
        return 0;
    }
    return 1;
}
