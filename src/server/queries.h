/*
 * queries.h - running SQL queries: translation (sqlxlate.h) against the store, parameter
 * binding, DESCRIBE and INSERT INTO, timeouts and cancellation (sqlite3_progress_handler),
 * async execution on worker threads, and the registry of queries whose results are kept for
 * GET /queries/{id} and /pages (expired after an hour, oldest first beyond a memory cap).
 *
 * Thread-safety: every function may be called from any connection thread; the registry has one
 * mutex. Responses are built while holding it, so kept results are never freed under a reader.
 */
#ifndef RL_QUERIES_H
#define RL_QUERIES_H

#include "server.h"

/* What a query request asks for, gathered from QueryRequest / ExecuteQueryLambdaRequest. */
typedef struct rl_query_req {
    const char *sql;
    const cJSON *params; /* array of {name,type,value}, may be NULL */
    int64_t default_row_limit;
    int is_async;     /* async:true, or async_options alone (legacy form) */
    int legacy_async; /* async_options without async: answer RUNNING with results [] */
    int64_t client_timeout_ms;
    int64_t timeout_ms;          /* 0 = server default */
    int64_t max_initial_results; /* -1 = all rows */
    const char *lambda_path;     /* set for lambda executions */
} rl_query_req;

int rl_queries_new(rl_server *srv, rl_queries **out, rs_err *err);
/* Cancel running async queries and wait for their threads; new async requests run inline. */
void rl_queries_shutdown(rl_queries *qs);
void rl_queries_free(rl_queries *qs);

/* Fill qr from a request body: top is the request object, sql_obj its "sql" object (or the same
 * object for lambda executions). Replies 400 and returns 0 on a bad field. */
int rl_query_req_parse(rl_req *rq, const cJSON *top, const cJSON *sql_obj, rl_query_req *qr);

/* Run the query and reply with a QueryResponse (or an ErrorModel). */
void rl_query_execute(rl_req *rq, const rl_query_req *qr);

/* Registry views for the /queries endpoints; each replies itself. */
void rl_queries_reply_list(rl_req *rq);
void rl_queries_reply_get(rl_req *rq, const char *id);
void rl_queries_reply_pages(rl_req *rq, const char *id);
void rl_queries_reply_cancel(rl_req *rq, const char *id);

#endif
