/*
 * sqlx_minmax.c - a scalar subquery's MIN or MAX of one path as the first row of its order
 * (sqlx_minmax.h).
 */
#include "sqlx_minmax.h"

#include <string.h>
#include <strings.h>

static int walk_select(sqlx_arena *a, sqlx_select *s);

/* MIN(path) or MAX(path) as the whole item: the path, and whether it is MAX. */
static sqlx_node *extreme_of(const sqlx_node *e, int *max) {
    if (e->kind != N_FUNC || e->name == NULL || e->n_list != 1 || e->distinct || e->star ||
        e->over != NULL || e->n_agg_order > 0 || e->agg_limit != NULL || e->agg_offset != NULL ||
        e->list[0]->kind != N_PATH)
        return NULL;
    if (strcasecmp(e->name, "MAX") == 0)
        *max = 1;
    else if (strcasecmp(e->name, "MIN") == 0)
        *max = 0;
    else
        return NULL;
    return e->list[0];
}

static int applies(const sqlx_select *s) {
    return s->compound_op == NULL && s->n_ctes == 0 && !s->distinct && s->n_items == 1 &&
           !s->grouped && s->having == NULL && s->n_order == 0 && s->limit == NULL &&
           s->offset == NULL && s->from != NULL && s->from->kind == F_TABLE && !s->from->has_sample;
}

/* SELECT path ... WHERE (where) AND path IS NOT NULL ORDER BY path [DESC] LIMIT 1 */
static int rewrite_subquery(sqlx_arena *a, sqlx_select *s) {
    int max = 0;
    sqlx_node *path = applies(s) ? extreme_of(s->items[0].expr, &max) : NULL;
    if (path == NULL)
        return 0;
    sqlx_node *not_null = sqlx_node_new(a, N_ISNULL, path);
    sqlx_node *tested = sqlx_node_copy(a, path), *ordered = sqlx_node_copy(a, path);
    sqlx_node *one = sqlx_node_new(a, N_LIT_INT, path);
    sqlx_order *order = sqlx_alloc(a, sizeof *order);
    if (not_null == NULL || tested == NULL || ordered == NULL || one == NULL || order == NULL)
        return RS_ENOMEM;
    not_null->a = tested;
    not_null->negated = 1;
    sqlx_node *where = s->where != NULL ? sqlx_node_binary(a, "AND", s->where, not_null) : not_null;
    if (where == NULL)
        return RS_ENOMEM;
    one->text = "1";
    one->ival = 1;
    order->expr = ordered;
    order->desc = max;
    s->items[0].expr = path;
    s->where = where;
    s->order = order;
    s->n_order = 1;
    s->limit = one;
    return 0;
}

static int walk_expr(sqlx_arena *a, sqlx_node *n) {
    int rc = 0;
    for (; n != NULL && rc == 0; n = n->a) {
        if (n->sub != NULL && n->kind == N_SUBQUERY)
            rc = rewrite_subquery(a, n->sub);
        if (rc == 0 && n->sub != NULL)
            rc = walk_select(a, n->sub);
        if (rc == 0)
            rc = walk_expr(a, n->b);
        if (rc == 0)
            rc = walk_expr(a, n->c);
        for (int i = 0; rc == 0 && i < n->n_list; i++)
            rc = walk_expr(a, n->list[i]);
        for (int i = 0; rc == 0 && n->kind == N_PATH && i < n->n_parts; i++)
            if (n->names[i] == NULL)
                rc = walk_expr(a, n->index[i]);
    }
    return rc;
}

static int walk_from(sqlx_arena *a, sqlx_from *f) {
    if (f == NULL)
        return 0;
    int rc = f->sub != NULL ? walk_select(a, f->sub) : 0;
    if (rc == 0)
        rc = walk_expr(a, f->on);
    for (int i = 0; rc == 0 && i < f->n_arrays; i++)
        rc = walk_expr(a, f->arrays[i]);
    if (rc == 0)
        rc = walk_from(a, f->left);
    return rc == 0 ? walk_from(a, f->right) : rc;
}

static int walk_select(sqlx_arena *a, sqlx_select *s) {
    int rc = 0;
    if (s == NULL)
        return 0;
    for (int i = 0; rc == 0 && i < s->n_ctes; i++)
        rc = walk_select(a, s->ctes[i].sel);
    if (rc == 0 && s->compound_op != NULL) {
        rc = walk_select(a, s->left);
        if (rc == 0)
            rc = walk_select(a, s->right);
    }
    for (int i = 0; rc == 0 && i < s->n_items; i++)
        rc = walk_expr(a, s->items[i].expr);
    if (rc == 0)
        rc = walk_from(a, s->from);
    if (rc == 0)
        rc = walk_expr(a, s->where);
    if (rc == 0)
        rc = walk_expr(a, s->having);
    for (int i = 0; rc == 0 && i < s->n_group; i++)
        rc = walk_expr(a, s->group[i]);
    for (int i = 0; rc == 0 && i < s->n_order; i++)
        rc = walk_expr(a, s->order[i].expr);
    return rc;
}

int sqlx_minmax_rewrite(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err) {
    return walk_select(ctx->arena, sel) ? rs_err_set(err, RS_ENOMEM, "out of memory") : 0;
}
