/*
 * sqlx_access_int.h - what the access stage's two files share: sqlx_access.c (blocks, joins,
 * top-N, choosing among key tests) and sqlx_access_keys.c (the key tests a conjunct allows).
 * Not for other stages: they read sqlx_access.h.
 */
#ifndef RS_SQLX_ACCESS_INT_H
#define RS_SQLX_ACCESS_INT_H

#include "sqlx_access.h"

/* The inner joins at the top of a block's FROM, taken apart into their relations (the
 * leaves) to be joined again in another order (sqlx_access_order.c). */
#define ACCESS_MAX_LEAVES SQLX_MAX_RELS
typedef struct access_region {
    sqlx_op **slot; /* where the tree of those joins hangs */
    sqlx_op *leaves[ACCESS_MAX_LEAVES];
    const char *hint[ACCESS_MAX_LEAVES]; /* join_strategy of the join it was the right side of */
    int n;
    sqlx_op *joins[ACCESS_MAX_LEAVES]; /* the joins taken apart */
    int n_joins;
} access_region;

typedef struct access {
    sqlx_ctx *ctx;
    rs_err *err;
    sqlx_block *blk;       /* the block being planned */
    access_region *region; /* its inner joins taken apart, or NULL */
} access;

/* A list of key tests being gathered (arena). */
typedef struct keylist {
    sqlx_keytest **items;
    int n, cap;
} keylist;

/* sqlx_access_keys.c */

/* The key tests conjunct c of the block's WHERE allows, appended to out (each names its
 * collection). */
int access_conjunct_tests(access *ac, const sqlx_node *c, keylist *out);

/* The collection of this block a path reads, with the path as rs_get arguments (*args, arena);
 * NULL when it is no plain path of one: an array subscript (allowed only with
 * allow_positions, as the constant position a join key may have), a USING field, another
 * block's relation, a relation that is not a collection read through its indexes. */
const sqlx_rte *access_path(access *ac, const sqlx_node *e, int allow_positions, const char **args);

/* Whether the collection's path has a field index: 1, 2 for _id (the primary key), 0 none.
 * Asking is a use (sqlx_catalog.index_for): ask only for paths the statement tests. */
int access_indexed(const sqlx_rte *r, const char *args);

/* Whether a join key's right side on r has an index: a field index (1), _id (2), or, for
 * fn(path), the path's function index on fn (1; asking builds one for later queries); 0 none.
 * *ix describes the index the catalog found (zeroed when none, or for _id): its documents per
 * key, and for a path whether equal sort keys are equal values there (keys_exact, in the
 * catalog's snapshot: types are only ever added to a path, and a new one moves the store's
 * generation, so a kept translation is made again). One catalog question per key. */
int access_key_index(const sqlx_rte *r, const sqlx_join_key *key, sqlx_index *ix);

/* Whether n has one value for the whole statement (literals, parameters, deterministic
 * functions, casts and arithmetic of those), so that its key bounds an index read. */
int access_is_constant(const sqlx_node *n);

int access_keylist_add(access *ac, keylist *l, sqlx_keytest *t);

/* sqlx_access.c */

/* Plan the blocks of the uncorrelated subqueries in n (before n's text is printed as a
 * constant's, with their key tests). 0, or RS_ENOMEM. */
int access_plan_subqueries(access *ac, const sqlx_node *n);

/* Whether conjunct c is a join key `right.path = a path of a relation joined before right`
 * (rte->order), filled into *key. */
int access_join_key(access *ac, const sqlx_node *c, const sqlx_rte *right, sqlx_join_key *key);

/* e as an expression key of one path of a collection of this block (as a join key's right
 * side may be: literals, casts, arithmetic and deterministic functions of that path alone): its
 * text over the table's doc, the catalog's name for its index (arena), with the collection
 * (*rte) and the path (*args); NULL when e is no such expression. */
const char *access_expression_key(access *ac, const sqlx_node *e, const sqlx_rte **rte,
                                  const char **args);

/* Count the collection's chosen test (its written group) again, up to cap: a count that reached
 * its cap is only a lower bound, which the join order cannot compare. The new count (exact when
 * under cap; the tests' est and count updated), or -1. */
int64_t access_recount(sqlx_access *a, int64_t cap);

/* The documents an OR test reads: over its arms, the sum of each arm's smallest counted test
 * (an arm is read through one index), each counted up to cap; -1 when an arm has none. */
int64_t access_count_or(const sqlx_keytest *t, int64_t cap);
/* Count the documents of a's chosen test that pass its other countable tests too (a->together),
 * when the chosen test was counted exactly and holds at most a thousand: the join order's
 * estimate of what the collection yields. */
void access_count_together(sqlx_access *a);

/* sqlx_access_order.c */

/* Take the block's top inner joins apart (ac->region, which the caller provides): their ON
 * conditions go to the WHERE (made when missing). 0, or RS_ENOMEM; ac->region is set to NULL
 * when there is nothing to reorder. */
int access_take_apart(access *ac);

/* Join the region's relations again, left-deep, the fewest rows first, then by index lookups
 * (the key tests of its collections counted already), and hang the tree in its slot. */
int access_order_joins(access *ac);
/* When the block is a top-N on get's order (ORDER BY an indexed path of get ... LIMIT n) whose
 * tests keep rows of get's N documents too many to read through (rows * rows >= n * N): the
 * documents walking the order's index reads before n pass those tests, n * N / rows. Else -1. */
double access_top_n_walk(access *ac, const sqlx_op *get, double rows);

/* The rows an operator of a planned block is expected to yield (memoized on the op). */
double access_estimate(const sqlx_op *op);

#endif
