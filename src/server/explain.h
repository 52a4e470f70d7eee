/*
 * explain.h - EXPLAIN SELECT ...: how rockset-local would read each collection of a query.
 *
 * The translated statement's plan comes from SQLite (EXPLAIN QUERY PLAN) and is told in the
 * query's own names: a collection read r<N> becomes "ws.coll AS r<N>", a field index becomes
 * the path it holds ("field index on a.b"), a function index the expression ("function index
 * on fn(a)"), the array element index "element index". One line per step of the plan, indented
 * by its depth (a subquery's steps under it), in the order SQLite runs them: the first SCAN or
 * SEARCH of a join is its outer loop. A SEARCH reads only the matching index entries; a SCAN
 * reads every document of the collection.
 *
 * Thread-safety: as the connection db.
 */
#ifndef RL_EXPLAIN_H
#define RL_EXPLAIN_H

#include "err.h"

#include <sqlite3.h>

/* Called with each line of the plan, in order; a non-zero return stops and is returned. */
typedef int (*rl_explain_line_fn)(void *ctx, const char *line);

/* The plan of sqlite_sql (a statement the translator wrote) on db, line by line. */
int rl_explain(sqlite3 *db, const char *sqlite_sql, rl_explain_line_fn line, void *ctx,
               rs_err *err);

#endif
