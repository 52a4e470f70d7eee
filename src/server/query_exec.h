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
    int index_used;        /* a field index served a collection read (stats.index_used) */
    int engine_columns;    /* the column index answered (stats.engine "columns") */
    int64_t column_lag_ms; /* then: the replica's lag it found (stats.column_lag_ms) */
    int64_t max_bytes;     /* rows may not pass this (--max-result-bytes); 0 = no cap */
    rs_err err;            /* type/line/column/message when http_status != 0 */
} qx_result;

typedef struct qx_input {
    const char *sql;
    const cJSON *params;
    int64_t default_row_limit;
    int64_t timeout_ms;
    int *cancel; /* may be NULL */
    /* the caller, whose QUERY_DATA_WS (and WRITE_DATA_WS for INSERT INTO) is checked on every
     * workspace the statement reaches, views' included; NULL checks nothing (a query lambda's
     * execution, allowed by EXECUTE_QUERY_LAMBDA_WS alone) */
    const rl_principal *who;
} qx_input;

/* Run in on db; always fills res (free with qx_result_free). */
void qx_run(rl_server *srv, sqlite3 *db, const qx_input *in, qx_result *res);
void qx_result_free(qx_result *res);
/* Append rows [from, from + count) as a JSON array to b. */
void qx_rows_json(const qx_result *res, int64_t from, int64_t count, rs_buf *b);

/* Translate only: collections, aliases, views and parameter names, or a 400. On success *out is
 * a JSON object text (malloc'd) {"collections":[..],"aliases":[..],"views":[..],"parameters":[..]}
 * and entities (may be NULL) receives the JSON array of every ws.name referenced. who (may be
 * NULL) must hold QUERY_DATA_WS on every workspace the SQL reads, else RS_EHTTP with
 * err->http_status 403 and type FORBIDDEN. */
int qx_validate(rl_server *srv, sqlite3 *db, const rl_principal *who, const char *sql, char **out,
                char **entities, rs_err *err);

/* sql is being saved as a view or query lambda: translating it asks the catalog for the
 * indexes its filters, joins and orders would read, and asking is a use, so those it lacks
 * (a path beyond the automatic budget, a PARSE_TIMESTAMP_ISO8601 range's function index) are
 * built in the background before the first execution needs them (fieldindex.h). */
void qx_index_saved_sql(rl_server *srv, sqlite3 *db, const char *sql);
/* Wait, up to QX_SAVED_INDEX_WAIT_MS, until the background work has built the indexes the
 * saved statements asked for (every request of the store's worker done), outside any
 * transaction of the caller's: the first call of a query lambda then finds them. */
#define QX_SAVED_INDEX_WAIT_MS 5000
void qx_await_saved_indexes(rl_server *srv);

/* At exit: free what qx_run keeps between queries (whether each statement text's plan reads a
 * field index, per schema version). */
void qx_cache_free(void);

#endif
