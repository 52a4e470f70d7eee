/* h_lambda_tags.c - query lambda tags and execution (by version or by tag).
 * Tag `latest` is virtual: it always names the newest version and cannot be set or deleted.
 * Execution merges the version's default_parameters with the request's parameters (request
 * wins), runs it as a query (queries.h) and records stats.last_executed / last_execution_error. */
#include "h_lambdas.h"
#include "handlers.h"
#include "names.h"
#include "queries.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The version a tag names (malloc'd) or NULL. */
static char *tag_version(sqlite3 *db, const char *ws, const char *name, const char *tag) {
    char *version = NULL;
    if (strcmp(tag, "latest") == 0)
        rl_sql(db, &version, NULL,
               "SELECT version FROM lambda_versions WHERE ws = ?1 AND name = ?2"
               " ORDER BY seq DESC LIMIT 1",
               "ss", ws, name);
    else
        rl_sql(db, &version, NULL,
               "SELECT version FROM lambda_tags WHERE ws = ?1 AND name = ?2 AND tag = ?3", "sss",
               ws, name, tag);
    return version;
}

static int tag_json(sqlite3 *db, rl_req *rq, const char *tag, const char *version, char **out,
                    rs_err *err) {
    return rl_sql(db, out, err,
                  "SELECT json_object('tag_name', ?3, 'version', json(" ONE_VERSION_JSON_SUB "))",
                  "ssss", rq->args[0], rq->args[1], tag, version);
}

static void reply_tag(rl_req *rq, sqlite3 *db, const char *tag, const char *version) {
    char *json = NULL;
    rs_err err = {0};
    if (tag_json(db, rq, tag, version, &json, &err) != RS_OK)
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    free(json);
}

static int lambda_found(rl_req *rq, sqlite3 *db) {
    int64_t found = 0;
    rl_sql_int(db, &found, NULL, "SELECT count(*) FROM lambdas WHERE ws = ?1 AND name = ?2", "ss",
               rq->args[0], rq->args[1]);
    if (!found)
        rl_reply_error(rq, 404, "NOTFOUND", "QUERY_LAMBDA_NOT_FOUND",
                       "Query lambda \"%s\" does not exist in workspace \"%s\"", rq->args[1],
                       rq->args[0]);
    return found != 0;
}

/* h_reply_rows callback: the tag of the row (tag, version); ctx is the request. */
static void tag_row_json(void *ctx, sqlite3_stmt *stmt, char **json, rs_err *err) {
    if (sqlite3_column_type(stmt, 1) == SQLITE_NULL)
        return; /* no version at all: no latest */
    tag_json(sqlite3_db_handle(stmt), ctx, (const char *)sqlite3_column_text(stmt, 0),
             (const char *)sqlite3_column_text(stmt, 1), json, err);
}

void h_ql_tag_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    sqlite3_stmt *stmt = NULL;
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]) || !lambda_found(rq, db))
        return;
    /* A statement that fails to prepare is left NULL and lists nothing. */
    if (sqlite3_prepare_v2(db,
                           "SELECT 'latest', (SELECT version FROM lambda_versions WHERE ws = ?1"
                           " AND name = ?2 ORDER BY seq DESC LIMIT 1)"
                           " UNION ALL SELECT tag, version FROM lambda_tags"
                           " WHERE ws = ?1 AND name = ?2 AND tag <> 'latest'",
                           -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, rq->args[0], -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, rq->args[1], -1, SQLITE_STATIC);
    }
    h_reply_rows(rq, stmt, tag_row_json, rq);
}

void h_ql_tag_create(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    const char *tag, *version;
    int64_t found = 0;
    rs_err err = {0};

    if (db == NULL || !rl_require_object(rq) || !h_ws_check(rq, db, rq->args[0]) ||
        !lambda_found(rq, db))
        return;
    tag = rl_json_str(rq->json, "tag_name");
    version = rl_json_str(rq->json, "version");
    if (tag == NULL || version == NULL || !rs_name_valid(tag)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "tag_name and version are required");
        return;
    }
    if (strcmp(tag, "latest") == 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "tag latest is managed automatically and always names the newest version");
        return;
    }
    rl_sql_int(db, &found, NULL,
               "SELECT count(*) FROM lambda_versions WHERE ws = ?1 AND name = ?2 AND version = ?3",
               "sss", rq->args[0], rq->args[1], version);
    if (!found) {
        rl_reply_error(rq, 404, "NOTFOUND", "QUERY_LAMBDA_VERSION_NOT_FOUND",
                       "Query lambda \"%s\" has no version \"%s\"", rq->args[1], version);
        return;
    }
    if (rl_sql(db, NULL, &err,
               "INSERT INTO lambda_tags(ws, name, tag, version) VALUES(?1, ?2, ?3, ?4)"
               " ON CONFLICT(ws, name, tag) DO UPDATE SET version = excluded.version",
               "ssss", rq->args[0], rq->args[1], tag, version) != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_tag(rq, db, tag, version);
}

static char *found_tag(rl_req *rq, sqlite3 *db) {
    char *version;
    if (!h_ws_check(rq, db, rq->args[0]) || !lambda_found(rq, db))
        return NULL;
    version = tag_version(db, rq->args[0], rq->args[1], rq->args[2]);
    if (version == NULL)
        rl_reply_error(rq, 404, "NOTFOUND", "QUERY_LAMBDA_TAG_NOT_FOUND",
                       "Query lambda \"%s\" has no tag \"%s\"", rq->args[1], rq->args[2]);
    return version;
}

void h_ql_tag_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *version = db ? found_tag(rq, db) : NULL;
    if (version != NULL)
        reply_tag(rq, db, rq->args[2], version);
    free(version);
}

void h_ql_tag_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *version;
    rs_err err = {0};
    if (db == NULL)
        return;
    if (strcmp(rq->args[2], "latest") == 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "tag latest cannot be deleted");
        return;
    }
    version = found_tag(rq, db);
    if (version != NULL) {
        reply_tag(rq, db, rq->args[2], version);
        if (rl_sql(db, NULL, &err,
                   "DELETE FROM lambda_tags WHERE ws = ?1 AND name = ?2 AND tag = ?3", "sss",
                   rq->args[0], rq->args[1], rq->args[2]) != RS_OK)
            rl_reply_err(rq, &err);
    }
    free(version);
}

/* Defaults overridden by the request's parameters, as a new array (caller deletes). */
static cJSON *merge_params(const char *defaults_text, const cJSON *given) {
    cJSON *merged = cJSON_Parse(defaults_text ? defaults_text : "[]");
    const cJSON *p;
    if (!cJSON_IsArray(merged)) {
        cJSON_Delete(merged);
        merged = cJSON_CreateArray();
    }
    cJSON_ArrayForEach(p, given) {
        const char *name = rl_json_str(p, "name");
        cJSON *old, *copy;
        int i = 0;
        if (name == NULL)
            continue;
        cJSON_ArrayForEach(old, merged) {
            if (rl_json_str(old, "name") && strcmp(rl_json_str(old, "name"), name) == 0)
                break;
            i++;
        }
        copy = cJSON_Duplicate(p, 1);
        if (copy == NULL)
            continue;
        if (old != NULL)
            cJSON_ReplaceItemInArray(merged, i, copy);
        else
            cJSON_AddItemToArray(merged, copy);
    }
    return merged;
}

static void record_execution(rl_req *rq, sqlite3 *db, const char *version) {
    cJSON *body = NULL;
    const char *msg = NULL;
    if (rq->status != 200) {
        body = cJSON_Parse(rs_buf_cstr(&rq->out));
        msg = rl_json_str(body, "message");
    }
    rl_sql(db, NULL, NULL,
           "UPDATE lambda_versions SET last_executed = CAST(strftime('%s','now') AS INT),"
           " last_execution_error = CASE WHEN ?4 THEN CAST(strftime('%s','now') AS INT)"
           "   ELSE last_execution_error END,"
           " last_execution_error_message = CASE WHEN ?4 THEN ?5"
           "   ELSE last_execution_error_message END"
           " WHERE ws = ?1 AND name = ?2 AND version = ?3",
           "sssis", rq->args[0], rq->args[1], version, (int64_t)(rq->status != 200), msg);
    cJSON_Delete(body);
}

static void execute_version(rl_req *rq, sqlite3 *db, const char *version) {
    char *query = NULL, *defaults = NULL, path[300];
    cJSON *empty = NULL, *params = NULL;
    const cJSON *top = rq->json;
    rl_query_req qr;

    rl_sql(db, &query, NULL,
           "SELECT query FROM lambda_versions WHERE ws = ?1 AND name = ?2 AND version = ?3", "sss",
           rq->args[0], rq->args[1], version);
    rl_sql(db, &defaults, NULL,
           "SELECT default_params FROM lambda_versions WHERE ws = ?1 AND name = ?2 AND"
           " version = ?3",
           "sss", rq->args[0], rq->args[1], version);
    if (query == NULL) {
        rl_reply_error(rq, 404, "NOTFOUND", "QUERY_LAMBDA_VERSION_NOT_FOUND",
                       "Query lambda \"%s\" has no version \"%s\"", rq->args[1], version);
        goto done;
    }
    if (!cJSON_IsObject(top))
        top = empty = cJSON_CreateObject();
    params = merge_params(defaults, cJSON_GetObjectItemCaseSensitive(top, "parameters"));
    if (top == NULL || params == NULL || !rl_query_req_parse(rq, top, top, &qr)) {
        if (rq->status == 0)
            rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        goto done;
    }
    snprintf(path, sizeof(path), "%s.%s", rq->args[0], rq->args[1]);
    qr.sql = query;
    qr.params = params;
    qr.lambda_path = path;
    rl_query_execute(rq, &qr);
    record_execution(rq, db, version);
done:
    cJSON_Delete(empty);
    cJSON_Delete(params);
    free(query);
    free(defaults);
}

void h_ql_version_execute(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]) || !lambda_found(rq, db))
        return;
    execute_version(rq, db, rq->args[2]);
}

void h_ql_tag_execute(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *version = db ? found_tag(rq, db) : NULL;
    if (version != NULL)
        execute_version(rq, db, version);
    free(version);
}
