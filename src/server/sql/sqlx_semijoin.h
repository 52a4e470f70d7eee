/*
 * sqlx_semijoin.h - semi-join reduction of grouped derived relations: a rewrite of the parsed
 * query, before the binder (sqlx_bind.h), that never changes an answer.
 *
 * Dashboards join a filtered collection to an aggregate of a whole collection by its GROUP BY
 * key, "the latest event of each issue" being the common case:
 *
 *     FROM issue_comment ic JOIN (SELECT issue_url, MAX(_event_time) AS t
 *                                 FROM issue_comment WHERE ... GROUP BY issue_url) rc
 *          ON ic.issue_url = rc.issue_url
 *     WHERE ic._event_time > :start
 *
 * The aggregate has no filter of its own, so it reads every document however few rows of ic it
 * meets: its cost follows the collection, not the answer. Only groups whose key some row of ic
 * (as filtered) has can join, and a filter on a GROUP BY key keeps or drops whole groups, so
 * the aggregate may be limited to those keys. The rewrite joins the aggregate's FROM to
 *
 *     (SELECT DISTINCT ic.issue_url AS __rs_semijoin_key FROM issue_comment AS ic
 *      WHERE ic._event_time > :start) AS __rs_semijoin
 *
 * on its key, which the access paths then serve as lookups into the key's field index, the few
 * keys first. DISTINCT keeps each row of the aggregate's input once.
 *
 * It applies when, in one SELECT of inner joins only: a conjunct `a.path = d.k` joins a
 * collection a (field indexes on) to a derived relation d (a subquery, or a WITH query used
 * once) whose query is one SELECT over one collection with field indexes, grouped with k a
 * GROUP BY key (or DISTINCT), without LIMIT, window functions, grouping sets or '*'; and a
 * itself has a conjunct an index can serve (a comparison, BETWEEN or IN of its fields with
 * constants). The conjuncts copied are those that read a alone, with no subquery, window,
 * aggregate or volatile call (RAND would draw other values). Before binding, a name is taken as
 * a's when it is qualified by a's name.
 */
#ifndef RS_SQLX_SEMIJOIN_H
#define RS_SQLX_SEMIJOIN_H

#include "sqlx_int.h"

/* Rewrite every SELECT of sel (its WITH queries, FROM subqueries and compound arms). 0, or
 * RS_ENOMEM. */
int sqlx_semijoin_rewrite(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err);

#endif
