/*
 * sqlx_bind_int.h - what the binder's two files share: sqlx_bind.c (queries, FROM, names) and
 * sqlx_bind_expr.c (expressions, functions, the query's rules). Not for other stages: they
 * read sqlx_bind.h.
 */
#ifndef RS_SQLX_BIND_INT_H
#define RS_SQLX_BIND_INT_H

#include "sqlx_bind.h"

typedef struct binder {
    sqlx_ctx *ctx;
    rs_err *err;
    int depth;      /* expression nesting (MAX_BIND_DEPTH) */
    int view_depth; /* views inside views */
} binder;

/* How a query's single output is used: rows of documents, or one value per row. */
typedef enum { BIND_DOCS = 0, BIND_VALUE = 1 } bind_mode;

/* sqlx_bind.c */
int bind_query(binder *b, const sqlx_select *s, sqlx_block *parent, sqlx_block *cte_scope,
               bind_mode mode);
int bind_path(binder *b, sqlx_block *blk, sqlx_node *n);
sqlx_rte *find_rte(sqlx_block *blk, const char *name, sqlx_block **owner);
int nomem(rs_err *err);
/* The text of a TABLE() / FIELD() parameter, or NULL: with err set, or with *unknown = 1 while
 * validating (no parameter values). */
const char *bind_param_text(binder *b, const char *fn, const char *param, int line, int column,
                            int *unknown);

/* sqlx_bind_expr.c: an expression in blk, select aliases seen when blk->alias_sel is set */
int bind_expr(binder *b, sqlx_block *blk, sqlx_node *n);
int bind_items(binder *b, sqlx_block *blk, const sqlx_select *s, bind_mode mode);
int refuse_window(const sqlx_node *e, const char *clause, rs_err *err);
int refuse_aggregate_in_where(const sqlx_node *where, rs_err *err);

#endif
