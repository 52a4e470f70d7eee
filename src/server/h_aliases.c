/* h_aliases.c - alias endpoints. An alias names one or more collections ("ws.coll"); queries
 * read the first. Updates switch at once. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define ALIAS_JSON \
    "json_object('name', a.name, 'workspace', a.ws, 'description', a.description," \
    " 'collections', json(a.collections), 'state', %s, 'creator_email', '" RL_USER "'," \
    " 'created_by_apikey_name', '" RL_KEY_NAME "', 'created_at', rl_iso(a.created_at)," \
    " 'modified_at', rl_iso(a.modified_at))"
/* clang-format on */

static void reply_alias(rl_req *rq, sqlite3 *db, const char *name, const char *state) {
    char *sql =
        sqlite3_mprintf("SELECT " ALIAS_JSON " FROM aliases a WHERE ws = ?1 AND name = ?2", state);
    if (sql == NULL) {
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        return;
    }
    h_reply_one(rq, db, sql, rq->args[0], name, "Alias", "ALIAS_NOT_FOUND");
    sqlite3_free(sql);
}

/* Check "collections": a non-empty array of existing "ws.coll"; *out is its JSON text. */
static int check_collections(rl_req *rq, sqlite3 *db, char **out) {
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(rq->json, "collections"), *item;
    int64_t found = 0;
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) == 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "collections must be a non-empty array of \"workspace.collection\"");
        return 0;
    }
    cJSON_ArrayForEach(item, list) {
        const char *full = cJSON_IsString(item) ? item->valuestring : "";
        if (rl_sql_int(db, &found, NULL,
                       "SELECT count(*) FROM collections WHERE ws || '.' || name = ?1", "s",
                       full) != RS_OK ||
            !found) {
            rl_reply_error(rq, 404, "NOTFOUND", "COLLECTION_DOES_NOT_EXIST",
                           "Collection \"%s\" does not exist", full);
            return 0;
        }
    }
    *out = cJSON_PrintUnformatted(list);
    if (*out == NULL)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
    return *out != NULL;
}

void h_alias_create(rl_req *rq) {
    sqlite3 *db;
    const char *name;
    char *colls = NULL;
    rs_err err = {0};

    if (!rl_require_object(rq))
        return;
    name = rl_json_str(rq->json, "name");
    if (!h_check_name(rq, name, "alias"))
        return;
    db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]) ||
        !h_name_free(rq, db, rq->args[0], name, "alias") || !check_collections(rq, db, &colls))
        return;
    if (rl_sql(db, NULL, &err,
               "INSERT INTO aliases(ws, name, description, collections, created_at, modified_at)"
               " VALUES(?1, ?2, ?3, ?4, CAST(strftime('%s','now') AS INT),"
               " CAST(strftime('%s','now') AS INT))",
               "ssss", rq->args[0], name, rl_json_str(rq->json, "description"), colls) != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_alias(rq, db, name, "'CREATED'");
    cJSON_free(colls);
}

void h_alias_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *sql;
    if (db == NULL || (rq->n_args > 0 && !h_ws_check(rq, db, rq->args[0])))
        return;
    sql = sqlite3_mprintf("SELECT json_group_array(json(" ALIAS_JSON "))"
                          " FROM (SELECT * FROM aliases WHERE ?1 IS NULL OR ws = ?1"
                          " ORDER BY ws, name) a",
                          "'CREATED'");
    h_reply_list(rq, db, sql);
    sqlite3_free(sql);
}

void h_alias_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    reply_alias(rq, db, rq->args[1], "'CREATED'");
}

void h_alias_update(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *colls = NULL;
    rs_err err = {0};
    if (db == NULL || !rl_require_object(rq) || !h_ws_check(rq, db, rq->args[0]) ||
        !check_collections(rq, db, &colls))
        return;
    if (rl_sql(db, NULL, &err,
               "UPDATE aliases SET collections = ?3, description = coalesce(?4, description),"
               " modified_at = CAST(strftime('%s','now') AS INT) WHERE ws = ?1 AND name = ?2",
               "ssss", rq->args[0], rq->args[1], colls, rl_json_str(rq->json, "description")))
        rl_reply_err(rq, &err);
    else
        reply_alias(rq, db, rq->args[1], "'CREATED'");
    cJSON_free(colls);
}

void h_alias_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    rs_err err = {0};
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    reply_alias(rq, db, rq->args[1], "'DELETED'");
    if (rq->status == 200 &&
        rl_sql(db, NULL, &err, "DELETE FROM aliases WHERE ws = ?1 AND name = ?2", "ss", rq->args[0],
               rq->args[1]) != RS_OK)
        rl_reply_err(rq, &err);
}
