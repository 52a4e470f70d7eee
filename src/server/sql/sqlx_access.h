/*
 * sqlx_access.h - the translator's access paths: for every query block of a planned statement
 * (sqlx_plan.h), how each collection is read and each join is done, recorded on the plan.
 *
 *   - key tests: a WHERE conjunct on an indexed path of a collection (path = c, <, <=, >, >=,
 *     BETWEEN, IN (...), LIKE 'prefix%', IS NULL; c a constant: literals, parameters, and
 *     deterministic functions of them) gets, next to it, the same test on the index's key,
 *     which the conjunct implies, so that SQLite reads the index; also _id = c on the primary
 *     key, PARSE_TIMESTAMP_ISO8601(path) ranges on a function index, ARRAY_CONTAINS(path, c)
 *     and tests of UNNESTed elements on the element index, a TYPEOF guard as key ranges by
 *     type, and an OR whose every arm has a key test as the OR of those (SQLite's multi-index
 *     OR). When a collection has several, the catalog counts each range (bounded) and only
 *     the smallest keeps its test; a test counted as selective carries its likelihood.
 *   - top-N: ORDER BY an indexed path LIMIT n on one collection walks that index, and drops
 *     the filters' tests when they keep too many documents to be worth reading first.
 *   - joins: equality keys (ON, USING, a comma join's WHERE) on an indexed path of the right
 *     collection are looked up through the index; other keys get a hash join (the right side
 *     wrapped with its keys, SQLite's automatic index); HINT(join_strategy = lookup | hash |
 *     nested_loop) chooses.
 * docs/indexing.md is the design and its measurements.
 */
#ifndef RS_SQLX_ACCESS_H
#define RS_SQLX_ACCESS_H

#include "sqlx_plan.h"

/* Choose the access paths of every block (key tests, joins, top-N); sets ctx->index_form when
 * some collection is read through an index. It runs once per statement: a second call returns
 * the first one's result, so the column engine's choice may ask first (sqlx_access_rows_read)
 * and SQLite's emitter after it. */
int sqlx_access_plan(sqlx_ctx *ctx, rs_err *err);

/* How many documents the field indexes would read for a statement that reads one collection
 * once: the exact count of its written key test (counted under the catalog's cap), else -1
 * (no test, a range too wide to count, several collections or readings). Plans the access
 * paths first. 0 or RS_ENOMEM. */
int sqlx_access_rows_read(sqlx_ctx *ctx, int64_t *docs, rs_err *err);

/* The most documents one join of the statement is expected to read through index lookups: the
 * estimated rows of its largest lookup join (its left side's rows times the documents per key
 * of the index it looks up; 0 when it has none). Plans the access paths first. 0 or
 * RS_ENOMEM. */
int sqlx_access_lookups(sqlx_ctx *ctx, double *lookups, rs_err *err);

#endif
