/*
 * sqlx_rules.h - the translator's rewrite rules on the logical plan (sqlx_plan.h): each a small
 * function that matches operators and never changes an answer (the index on/off and rows vs
 * columns differential suites are what proves it).
 *
 *   - predicate pushdown: a WHERE conjunct that reads one derived relation only (a subquery,
 *     a view, a WITH query used once, each arm of a UNION) is rewritten in that query's own
 *     names and moved into its WHERE, where the access paths can serve it with an index; so
 *     is an ON conjunct of an inner join, and a LEFT JOIN's ON conjunct on its right side.
 *     Not through LIMIT, window functions, grouping sets, or an aggregate unless the conjunct
 *     reads only GROUP BY keys; never a conjunct with a subquery or a volatile function, or
 *     one reading an output that is.
 *   - conditions of parameters decided, before the pushdown: `=` and `<>` of the request's
 *     parameters and literals (two strings or two integers) are true or false for the whole
 *     statement, so an optional filter `(x = :p OR :p = '')` leaves the WHERE or becomes
 *     `x = :p` (sqlx_conj.decided when it leaves).
 */
#ifndef RS_SQLX_RULES_H
#define RS_SQLX_RULES_H

#include "sqlx_plan.h"

int sqlx_rules_apply(sqlx_ctx *ctx, rs_err *err);

#endif
