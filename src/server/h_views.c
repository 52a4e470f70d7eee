/* h_views.c - view endpoints. A view's SQL is validated (translated) at create and update;
 * `entities` lists every ws.name it references. State is SYNCING for --view-sync-delay-ms after
 * a create or update, then CREATED; during an update's sync the previous SQL is still served. */
#include "handlers.h"
#include "queries.h"
#include "query_exec.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define VIEW_JSON \
    "json_object('path', v.ws || '.' || v.name, 'name', v.name, 'description', v.description," \
    " 'workspace', v.ws, 'creator_email', '" RL_USER "', 'created_by_apikey_name', '" RL_KEY_NAME "'," \
    " 'owner_email', NULL, 'query_sql', v.query_sql, 'entities', json(v.entities)," \
    " 'state', %s, 'created_at', rl_iso(v.created_at), 'modified_at', rl_iso(v.modified_at))"
/* clang-format on */
#define VIEW_STATE "CASE WHEN v.sync_until_ms > rl_now_ms() THEN 'SYNCING' ELSE 'CREATED' END"

static void reply_view(rl_req *rq, sqlite3 *db, const char *state) {
    char *sql =
        sqlite3_mprintf("SELECT " VIEW_JSON " FROM views v WHERE ws = ?1 AND name = ?2", state);
    if (sql == NULL) {
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        return;
    }
    h_reply_one(rq, db, sql, rq->args[0],
                rq->n_args > 1 ? rq->args[1] : rl_json_str(rq->json, "name"), "View",
                "VIEW_NOT_FOUND");
    sqlite3_free(sql);
}

/* Validate SQL; on success *entities is the JSON array. Replies 400 and returns 0 if bad. */
static int check_sql(rl_req *rq, sqlite3 *db, const char *sql, char **entities) {
    char *out = NULL;
    rs_err err = {0};
    if (sql == NULL) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "query is required");
        return 0;
    }
    if (qx_validate(rq->srv, db, rq->who, sql, &out, entities, &err) != RS_OK) {
        rl_reply_query_err(rq, &err);
        return 0;
    }
    free(out);
    qx_index_saved_sql(rq->srv, db, sql);
    return 1;
}

void h_view_create(rl_req *rq) {
    sqlite3 *db;
    const char *name, *query;
    char *entities = NULL;
    rs_err err = {0};

    if (!rl_require_object(rq))
        return;
    name = rl_json_str(rq->json, "name");
    query = rl_json_str(rq->json, "query");
    if (!h_check_name(rq, name, "view"))
        return;
    db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]) ||
        !h_name_free(rq, db, rq->args[0], name, "view") || !check_sql(rq, db, query, &entities))
        return;
    if (rl_sql(db, NULL, &err,
               "INSERT INTO views(ws, name, description, query_sql, entities, created_at,"
               " modified_at, sync_until_ms) VALUES(?1, ?2, ?3, ?4, ?5,"
               " CAST(strftime('%s','now') AS INT), CAST(strftime('%s','now') AS INT),"
               " rl_now_ms() + ?6)",
               "sssssi", rq->args[0], name, rl_json_str(rq->json, "description"), query, entities,
               rq->srv->cfg.view_sync_delay_ms) != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_view(rq, db, "'SYNCING'");
    free(entities);
}

void h_view_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *sql;
    if (db == NULL || (rq->n_args > 0 && !h_ws_check(rq, db, rq->args[0])))
        return;
    sql = sqlite3_mprintf("SELECT json_group_array(json(" VIEW_JSON "))"
                          " FROM (SELECT * FROM views WHERE ?1 IS NULL OR ws = ?1"
                          " ORDER BY ws, name) v",
                          VIEW_STATE);
    h_reply_list(rq, db, sql);
    sqlite3_free(sql);
}

void h_view_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    reply_view(rq, db, VIEW_STATE);
}

void h_view_update(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    const char *query;
    char *entities = NULL;
    int64_t changed = 0;
    rs_err err = {0};

    if (db == NULL || !rl_require_object(rq) || !h_ws_check(rq, db, rq->args[0]))
        return;
    query = rl_json_str(rq->json, "query");
    if (!check_sql(rq, db, query, &entities))
        return;
    /* the old SQL keeps being served until the sync delay has passed */
    if (rl_sql_int(db, &changed, &err,
                   "UPDATE views SET prev_sql = CASE WHEN sync_until_ms > rl_now_ms()"
                   " AND prev_sql IS NOT NULL THEN prev_sql ELSE query_sql END,"
                   " query_sql = ?3, entities = ?4, description = coalesce(?5, description),"
                   " modified_at = CAST(strftime('%s','now') AS INT),"
                   " sync_until_ms = rl_now_ms() + ?6 WHERE ws = ?1 AND name = ?2 RETURNING 1",
                   "sssssi", rq->args[0], rq->args[1], query, entities,
                   rl_json_str(rq->json, "description"), rq->srv->cfg.view_sync_delay_ms) != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_view(rq, db, "'SYNCING'");
    free(entities);
}

void h_view_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    rs_err err = {0};
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    reply_view(rq, db, "'DELETED'");
    if (rq->status == 200 && rl_sql(db, NULL, &err, "DELETE FROM views WHERE ws = ?1 AND name = ?2",
                                    "ss", rq->args[0], rq->args[1]) != RS_OK)
        rl_reply_err(rq, &err);
}
