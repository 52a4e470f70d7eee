/*
 * submit.h - sending one SQL statement to Rockset for rockset_query() and rockset_exec(): turns
 * the SQL-side params argument into Rockset query parameters, records last_sql/last_query_id in
 * the connection's stats, and runs the query sync or (rockset_config('async', 1)) async with
 * polling, so that the caller gets its first page.
 *
 * params (the optional second SQL argument) is JSON text, either
 *   an object   {"id": 7, "name": "x", "ratio": 0.5, "ok": true, "none": null}
 *               types inferred: int, float, string, bool, null; nested values are refused;
 *   or an array [{"name": "id", "type": "int", "value": "7"}, ...]  passed through as is
 *               (each element must be an object with string name, type and value).
 * Error texts (RS_EINVAL, `fn` is the calling SQL function's name):
 *   "<fn>: params must be a JSON object or array: invalid JSON at offset N: ..."
 *   "<fn>: params must be a JSON object or array, not <kind>"
 *   "<fn>: parameter 'x' is an object; pass [{\"name\",\"type\",\"value\"}] for other types"
 *   "<fn>: params[2] must be an object with string fields name, type and value"
 *
 * Ownership: rs_submit_params_json appends to a caller-owned rs_buf; rs_submit_query hands the
 * result over (rs_query_result_free). Thread-safety: that of the connection (conn.h).
 */
#ifndef RS_EXT_SUBMIT_H
#define RS_EXT_SUBMIT_H

#include "api/api.h"
#include "buf.h"
#include "conn.h"
#include "err.h"

/* Convert params text (may be NULL = no parameters) to a JSON array of {"name","type","value"}
 * objects appended to out. */
int rs_submit_params_json(const char *fn, const char *params, rs_buf *out, rs_err *err);

/* Run sql with params (as above; may be NULL). page_rows > 0 caps the first page (and with
 * async the page loaded after the wait). idempotent marks read-only SQL that may be retried;
 * async submits an async query and polls it (bounded by the session's timeout_ms).
 * Connects first when needed. On success *out holds a COMPLETED result. */
int rs_submit_query(rs_conn *conn, const char *fn, const char *sql, const char *params,
                    long long page_rows, int idempotent, int async, rs_query_result **out,
                    rs_err *err);

/* Execute query lambda ws.name by version (non-NULL) or tag (NULL: latest) with params (as
 * above; may be NULL: the lambda's defaults). Sent once (a lambda's SQL is not known here);
 * pages and async as rs_submit_query. */
int rs_submit_lambda(rs_conn *conn, const char *fn, const char *ws, const char *name,
                     const char *version, const char *tag, const char *params, long long page_rows,
                     rs_query_result **out, rs_err *err);

/* 1 when sql starts (after blanks, comments and '(') with SELECT, WITH, DESCRIBE or EXPLAIN: such
 * a statement only reads, so its submission may be retried. */
int rs_submit_is_read_only(const char *sql);

/* For "INSERT INTO ws.coll ..." (names bare, "quoted" or `quoted`): the target, malloc'd in *ws
 * (default_ws when unqualified) and *name; returns 1. 0 when sql is not an INSERT INTO (nothing
 * allocated); -1 when out of memory. */
int rs_submit_insert_target(const char *sql, const char *default_ws, char **ws, char **name);

/* Fetch the next page of res (page size from the session) and count the rows received. */
int rs_submit_next_page(rs_conn *conn, rs_query_result *res, rs_err *err);

#endif
