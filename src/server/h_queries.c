/* h_queries.c - the /queries endpoints: run (sync/async), validate, list, get, pages, cancel. */
#include "handlers.h"
#include "queries.h"
#include "query_exec.h"

#include <stdlib.h>

/* The request's "sql" object, or NULL after answering 400 when it or its "query" is missing. */
static const cJSON *require_sql(rl_req *rq) {
    const cJSON *sql;

    if (!rl_require_object(rq))
        return NULL;
    sql = cJSON_GetObjectItemCaseSensitive(rq->json, "sql");
    if (!cJSON_IsObject(sql) || rl_json_str(sql, "query") == NULL) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "sql.query is required");
        return NULL;
    }
    return sql;
}

void h_query(rl_req *rq) {
    const cJSON *sql = require_sql(rq);
    rl_query_req qr;
    if (sql == NULL)
        return;
    if (!rl_query_req_parse(rq, rq->json, sql, &qr))
        return;
    qr.sql = rl_json_str(sql, "query");
    if (rl_req_db(rq) == NULL)
        return;
    rl_query_execute(rq, &qr);
}

void h_query_validate(rl_req *rq) {
    const cJSON *sql = require_sql(rq);
    sqlite3 *db;
    char *out = NULL;
    rs_err err = {0};
    if (sql == NULL)
        return;
    db = rl_req_db(rq);
    if (db == NULL)
        return;
    if (qx_validate(rq->srv, db, rq->who, rl_json_str(sql, "query"), &out, NULL, &err) != RS_OK)
        rl_reply_query_err(rq, &err);
    else
        rl_reply_raw(rq, 200, out);
    free(out);
}

void h_query_list(rl_req *rq) {
    rl_queries_reply_list(rq);
}

void h_query_get(rl_req *rq) {
    rl_queries_reply_get(rq, rq->args[0]);
}

void h_query_pages(rl_req *rq) {
    rl_queries_reply_pages(rq, rq->args[0]);
}

void h_query_cancel(rl_req *rq) {
    rl_queries_reply_cancel(rq, rq->args[0]);
}
