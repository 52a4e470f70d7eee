/*
 * sqlx_minmax.h - a scalar subquery's MIN or MAX of one path read as the first row of that
 * path's order: a rewrite of the parsed query, before the binder (sqlx_bind.h), that never
 * changes an answer.
 *
 * Dashboards bound a window by the latest event:
 *
 *     WHERE j._event_time > (SELECT MAX(p._event_time) FROM push p) - HOURS(1)
 *
 * MAX is an aggregate over every document of push, which SQLite folds one by one: the
 * subquery's cost follows the collection. The largest value is the first in descending order
 * once null and undefined (which MAX skips) are left out, and MIN and MAX compare values in
 * ORDER BY's order (runtime/fn_agg.c). So the subquery becomes
 *
 *     (SELECT p._event_time FROM push p WHERE p._event_time IS NOT NULL
 *      ORDER BY p._event_time DESC LIMIT 1)
 *
 * which the access paths serve as a top-N walking the path's index: one entry. With no row it
 * is null, as MAX of none is. It applies to a scalar subquery whose one item is MIN(path) or
 * MAX(path) (no DISTINCT, window or aggregate ORDER BY) over one FROM table (no TABLESAMPLE),
 * with no GROUP BY, HAVING, DISTINCT, ORDER BY, LIMIT, WITH or set operation. Elsewhere an
 * aggregate of no rows is one row, not none, so only scalar subqueries are rewritten.
 */
#ifndef RS_SQLX_MINMAX_H
#define RS_SQLX_MINMAX_H

#include "sqlx_int.h"

/* Rewrite every scalar subquery of sel (in its expressions, FROM subqueries, WITH queries and
 * compound arms, at any depth). 0, or RS_ENOMEM. */
int sqlx_minmax_rewrite(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err);

#endif
