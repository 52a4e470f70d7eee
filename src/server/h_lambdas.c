/* h_lambdas.c - query lambda endpoints: create, versions, tags (with the automatic `latest`
 * following the newest version), execute by version or tag, delete.
 * Versions are 16 random hex digits; `seq` orders them. Deleting the last version deletes the
 * lambda. query_lambda_path in execution responses is "ws.lambda". */
#include "h_lambdas.h"
#include "handlers.h"
#include "queries.h"
#include "query_exec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int lambda_exists(rl_req *rq, sqlite3 *db, int reply_missing) {
    int64_t found = 0;
    rl_sql_int(db, &found, NULL, "SELECT count(*) FROM lambdas WHERE ws = ?1 AND name = ?2", "ss",
               rq->args[0], rq->args[1]);
    if (!found && reply_missing)
        rl_reply_error(rq, 404, "NOTFOUND", "QUERY_LAMBDA_NOT_FOUND",
                       "Query lambda \"%s\" does not exist in workspace \"%s\"", rq->args[1],
                       rq->args[0]);
    return found != 0;
}

static void reply_version(rl_req *rq, sqlite3 *db, const char *ws, const char *name,
                          const char *version) {
    char *json = NULL;
    rs_err err = {0};
    if (rl_sql(db, &json, &err, ONE_VERSION_SQL, "sss", ws, name, version) != RS_OK)
        rl_reply_err(rq, &err);
    else if (json == NULL)
        rl_reply_error(rq, 404, "NOTFOUND", "QUERY_LAMBDA_VERSION_NOT_FOUND",
                       "Query lambda \"%s\" has no version \"%s\"", name, version);
    else
        rl_reply_data(rq, json);
    free(json);
}

/* default_parameters as JSON text (malloc'd) or NULL after replying 400. */
static char *default_params_json(rl_req *rq, const cJSON *sql_obj) {
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(sql_obj, "default_parameters"), *p;
    char *text;
    if (list == NULL || cJSON_IsNull(list))
        return strdup("[]");
    if (!cJSON_IsArray(list)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "default_parameters must be an array");
        return NULL;
    }
    cJSON_ArrayForEach(p, list) {
        if (!rl_json_str(p, "name") || !rl_json_str(p, "value")) {
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                           "each default parameter needs string name, type and value");
            return NULL;
        }
    }
    text = cJSON_PrintUnformatted(list);
    if (text == NULL)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
    return text;
}

/* Insert a new version of rq->args[1] (or name) from sql_obj; reply with it. */
static void add_version(rl_req *rq, sqlite3 *db, const char *name, const cJSON *sql_obj) {
    const char *query = rl_json_str(sql_obj, "query");
    char *params = NULL, *validated = NULL, *colls = NULL, version[17], hex[17];
    rs_err err = {0};
    int i;

    if (query == NULL) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "sql.query is required");
        return;
    }
    params = default_params_json(rq, sql_obj);
    if (params == NULL)
        return;
    if (qx_validate(rq->srv, db, rq->who, query, &validated, NULL, &err) != RS_OK) {
        rl_reply_query_err(rq, &err);
        goto done;
    }
    qx_index_saved_sql(rq->srv, db, query);
    rl_random_alnum(hex, 16);
    for (i = 0; i < 16; i++)
        version[i] = "0123456789abcdef"[(unsigned char)hex[i] % 16];
    version[16] = '\0';
    if (rl_sql(db, &colls, &err, "SELECT json_extract(?1, '$.collections')", "s", validated) ||
        rl_sql(db, NULL, &err,
               "INSERT INTO lambda_versions(ws, name, version, seq, description, query,"
               " default_params, collections, is_public, created_at) VALUES(?1, ?2, ?3,"
               " (SELECT coalesce(max(seq), 0) + 1 FROM lambda_versions WHERE ws = ?1 AND"
               " name = ?2), ?4, ?5, ?6, ?7, ?8, CAST(strftime('%s','now') AS INT))",
               "sssssssi", rq->args[0], name, version, rl_json_str(rq->json, "description"), query,
               params, colls ? colls : "[]",
               (int64_t)cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(rq->json, "is_public"))))
        rl_reply_err(rq, &err);
    else
        reply_version(rq, db, rq->args[0], name, version);
done:
    free(params);
    free(validated);
    free(colls);
}

void h_ql_create(rl_req *rq) {
    sqlite3 *db;
    const char *name;
    rs_err err = {0};
    int rc;

    if (!rl_require_object(rq))
        return;
    name = rl_json_str(rq->json, "name");
    if (!h_check_name(rq, name, "query lambda"))
        return;
    db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    rc = rl_tx_begin(db, &err);
    if (rc == RS_OK)
        rc = rl_sql(db, NULL, &err,
                    "INSERT INTO lambdas(ws, name, created_at)"
                    " VALUES(?1, ?2, CAST(strftime('%s','now') AS INT))",
                    "ss", rq->args[0], name);
    if (rc == RS_EEXISTS)
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL,
                       "Query lambda \"%s\" already exists in workspace \"%s\"", name, rq->args[0]);
    else if (rc != RS_OK)
        rl_reply_err(rq, &err);
    else
        add_version(rq, db, name, cJSON_GetObjectItemCaseSensitive(rq->json, "sql"));
    if (rl_tx_end(db, rc == RS_OK && rq->status == 200, &err) != RS_OK)
        rl_reply_err(rq, &err);
    else if (rq->status == 200)
        qx_await_saved_indexes(rq->srv);
}

void h_ql_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db == NULL || (rq->n_args > 0 && !h_ws_check(rq, db, rq->args[0])))
        return;
    h_reply_list(rq, db,
                 "SELECT json_group_array(json(" LAMBDA_JSON "))"
                 " FROM (SELECT * FROM lambdas WHERE ?1 IS NULL OR ws = ?1 ORDER BY ws, name) l");
}

void h_ql_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    rs_err err = {0};
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    h_reply_one(rq, db, "SELECT " LAMBDA_JSON " FROM lambdas l WHERE ws = ?1 AND name = ?2",
                rq->args[0], rq->args[1], "Query lambda", "QUERY_LAMBDA_NOT_FOUND");
    if (rq->status == 200 &&
        (rl_sql(db, NULL, &err, "DELETE FROM lambda_tags WHERE ws = ?1 AND name = ?2", "ss",
                rq->args[0], rq->args[1]) ||
         rl_sql(db, NULL, &err, "DELETE FROM lambda_versions WHERE ws = ?1 AND name = ?2", "ss",
                rq->args[0], rq->args[1]) ||
         rl_sql(db, NULL, &err, "DELETE FROM lambdas WHERE ws = ?1 AND name = ?2", "ss",
                rq->args[0], rq->args[1])))
        rl_reply_err(rq, &err);
}

/* POST .../versions: a new version; ?create=true makes the lambda when missing. Without sql the
 * newest version's SQL is reused. */
void h_ql_version_create(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    const char *create = rl_req_arg(rq, "create");
    const cJSON *sql_obj;
    cJSON *latest = NULL;
    char *latest_text = NULL;
    rs_err err = {0};

    if (db == NULL || !rl_require_object(rq) || !h_ws_check(rq, db, rq->args[0]))
        return;
    if (!lambda_exists(rq, db, !(create != NULL && strcmp(create, "true") == 0))) {
        if (!(create != NULL && strcmp(create, "true") == 0))
            return;
        if (!h_check_name(rq, rq->args[1], "query lambda") ||
            rl_sql(db, NULL, &err,
                   "INSERT INTO lambdas(ws, name, created_at)"
                   " VALUES(?1, ?2, CAST(strftime('%s','now') AS INT))",
                   "ss", rq->args[0], rq->args[1]) != RS_OK) {
            if (rq->status == 0)
                rl_reply_err(rq, &err);
            return;
        }
    }
    sql_obj = cJSON_GetObjectItemCaseSensitive(rq->json, "sql");
    if (!cJSON_IsObject(sql_obj)) {
        rl_sql(db, &latest_text, NULL,
               "SELECT json_object('query', query, 'default_parameters', json(default_params))"
               " FROM lambda_versions WHERE ws = ?1 AND name = ?2 ORDER BY seq DESC LIMIT 1",
               "ss", rq->args[0], rq->args[1]);
        latest = latest_text ? cJSON_Parse(latest_text) : NULL;
        sql_obj = latest;
    }
    add_version(rq, db, rq->args[1], sql_obj);
    cJSON_Delete(latest);
    free(latest_text);
    if (rq->status == 200 && sqlite3_get_autocommit(db))
        qx_await_saved_indexes(rq->srv);
}

void h_ql_version_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *json = NULL;
    rs_err err = {0};
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]) || !lambda_exists(rq, db, 1))
        return;
    if (rl_sql(db, &json, &err,
               "SELECT json_group_array(json(" VERSION_JSON ")) FROM (SELECT * FROM"
               " lambda_versions WHERE ws = ?1 AND name = ?2 ORDER BY seq DESC) v",
               "ss", rq->args[0], rq->args[1]))
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    free(json);
}

void h_ql_version_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]) || !lambda_exists(rq, db, 1))
        return;
    reply_version(rq, db, rq->args[0], rq->args[1], rq->args[2]);
}

void h_ql_version_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    int64_t left = 0;
    rs_err err = {0};
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]) || !lambda_exists(rq, db, 1))
        return;
    reply_version(rq, db, rq->args[0], rq->args[1], rq->args[2]);
    if (rq->status != 200)
        return;
    if (rl_sql(db, NULL, &err,
               "DELETE FROM lambda_tags WHERE ws = ?1 AND name = ?2 AND version = ?3", "sss",
               rq->args[0], rq->args[1], rq->args[2]) ||
        rl_sql(db, NULL, &err,
               "DELETE FROM lambda_versions WHERE ws = ?1 AND name = ?2 AND version = ?3", "sss",
               rq->args[0], rq->args[1], rq->args[2]) ||
        rl_sql_int(db, &left, &err,
                   "SELECT count(*) FROM lambda_versions WHERE ws = ?1 AND name = ?2", "ss",
                   rq->args[0], rq->args[1]) ||
        (left == 0 && rl_sql(db, NULL, &err, "DELETE FROM lambdas WHERE ws = ?1 AND name = ?2",
                             "ss", rq->args[0], rq->args[1])))
        rl_reply_err(rq, &err);
}
