/*
 * sqlx_emit.h - the SQLite emitter: the last stage of the translator, which prints a planned
 * statement (sqlx_plan.h) as one SQLite statement over the server's document tables and
 * decides nothing: names are the binder's, conjuncts and their places the plan's and the
 * rules', key tests, join strategies and wrappers the access paths'.
 *
 * Every relation is an SQLite alias r<N> exposing one column, `doc` (JSON object text); a
 * field reference becomes a call that digs into that column:
 */
/* clang-format off */
/*
 *   Rockset                  SQLite printed
 *   SELECT x FROM ws.c       SELECT rs_project(1,r0.doc,'x','["x"]') AS doc FROM "t_c" AS r0
 *   SELECT x, y + 1 AS z     rs_row(1,'x',rs_get(r0.doc,'x'),'z',rs_add(rs_get(r0.doc,'y'),1))
 *   WHERE a.b[2] > 1         (rs_cmp(rs_get(r0.doc,'a','b',1),1) > 0)      typed comparison
 *   WHERE flag               rs_truth(rs_get(r0.doc,'flag'))               bools are values
 *   SELECT a = 1 AS t        CASE (rs_cmp(..) = 0) WHEN 1 THEN X'74727565' ... END (a bool)
 *   a + b + c                rs_add(a,b,c)                                 flat: SQLite's
 *   x AND y AND z            x AND y AND z                                 parser stack is
 *                                                                          100 deep
 *   SELECT COUNT(*) FROM t   rs_row(1,'?COUNT',count(*))
 *   SELECT * FROM a JOIN b   rs_merge(1,r0.doc,r2.doc)                     later keys win
 */
/* clang-format on */
/*
 * How each value travels inside SQLite is runtime/value.h's to say; the runtime's functions
 * (server/runtime/catalog.h) do the work. The leading 1/0 argument of rs_row / rs_project /
 * rs_merge / rs_except says whether the row is final output (value.h's API form) or feeds a
 * derived relation (its document form). A field whose value is missing reads as undefined
 * (SQL NULL), which rs_row omits.
 */
#ifndef RS_SQLX_EMIT_H
#define RS_SQLX_EMIT_H

#include "sqlx_plan.h"

/* Print the planned statement whose top query is sel. default_limit > 0 applies when it has no
 * LIMIT; -1 keeps typed values (the rows of an INSERT). */
int sqlx_emit_sqlite(sqlx_ctx *ctx, const sqlx_select *sel, int64_t default_limit, rs_buf *out,
                     rs_err *err);

/* Print a bound expression that reads no relation as a value. */
int sqlx_emit_value(sqlx_ctx *ctx, const sqlx_node *n, rs_buf *out, rs_err *err);

/* Print expression n (a key of one collection's path) as a value; bare_alias >= 0: the paths of
 * relation r<bare_alias> as rs_get(doc, ...), the text of an index's expression over the
 * collection's table (an expression key's identity in the catalog); -1: as the query reads them.
 * The two texts differ only there, so that SQLite matches the query's key to the index. */
int sqlx_emit_key_text(sqlx_ctx *ctx, const sqlx_node *n, int bare_alias, rs_buf *out, rs_err *err);

/* The key of an index on path args of the relation aliased r<alias> (fn: a function index's
 * function, or NULL), exactly as the index's expression writes it: a key test compares this,
 * or SQLite does not see the index. */
void sqlx_emit_index_key(rs_buf *out, const char *fn, int alias, const char *args);

#endif
