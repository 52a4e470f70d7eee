/*
 * query_exec.h - one query's execution on one connection: translate (with a resolver over the
 * store), bind parameters, run SELECT / DESCRIBE / INSERT INTO, collect result rows as JSON text.
 * Used by queries.c (sync and async) and by the view/lambda handlers for validation.
 *
 * Thread-safety: a qx_result and the connection belong to the calling thread; *cancel may be
 * set by another thread (read atomically by the progress handler).
 */
#ifndef RL_QUERY_EXEC_H
#define RL_QUERY_EXEC_H

#include "buf.h"
#include "server.h"

typedef struct qx_result {
    rs_buf rows;  /* row JSON texts back to back */
    size_t *offs; /* n_rows + 1 offsets into rows */
    int64_t n_rows;
    size_t cap_offs;
    char *column_fields;  /* JSON array text or NULL (SELECT *) */
    char *collections;    /* JSON array text */
    char *aliases;        /* JSON array text */
    char last_offset[48]; /* "" unless the query wrote */
    int http_status;      /* 0 = success, else the error reply status */
    int cancelled;
    int index_used; /* a field index served a collection read (stats.index_used) */
    rs_err err; /* type/line/column/message when http_status != 0 */
} qx_result;

typedef struct qx_input {
    const char *sql;
    const cJSON *params;
    int64_t default_row_limit;
    int64_t timeout_ms;
    int *cancel; /* may be NULL */
} qx_input;

/* Run in on db; always fills res (free with qx_result_free). */
void qx_run(rl_server *srv, sqlite3 *db, const qx_input *in, qx_result *res);
void qx_result_free(qx_result *res);
/* Append rows [from, from + count) as a JSON array to b. */
void qx_rows_json(const qx_result *res, int64_t from, int64_t count, rs_buf *b);

#endif
