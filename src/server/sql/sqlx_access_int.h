/*
 * sqlx_access_int.h - what the access stage's two files share: sqlx_access.c (blocks, joins,
 * top-N, choosing among key tests) and sqlx_access_keys.c (the key tests a conjunct allows).
 * Not for other stages: they read sqlx_access.h.
 */
#ifndef RS_SQLX_ACCESS_INT_H
#define RS_SQLX_ACCESS_INT_H

#include "sqlx_access.h"

typedef struct access {
    sqlx_ctx *ctx;
    rs_err *err;
    sqlx_block *blk; /* the block being planned */
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

/* Whether n has one value for the whole statement (literals, parameters, deterministic
 * functions, casts and arithmetic of those), so that its key bounds an index read. */
int access_is_constant(const sqlx_node *n);

int access_keylist_add(access *ac, keylist *l, sqlx_keytest *t);

#endif
