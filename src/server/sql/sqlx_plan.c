/*
 * sqlx_plan.c - the logical plan built from the bound statement (sqlx_plan.h), and the walks
 * the other stages share.
 *
 * Blocks are built innermost first (the binder lists them parents first), so a DERIVED
 * operator finds the plan of the query it reads already built, and a WITH query's plan is
 * shared by every reference to it.
 */
#include "sqlx_plan.h"

#include <string.h>

static sqlx_op *new_op(sqlx_ctx *ctx, sqlx_op_kind kind, sqlx_block *blk, sqlx_op *input) {
    sqlx_op *op = sqlx_alloc(ctx->arena, sizeof *op);
    if (op != NULL) {
        op->kind = kind;
        op->block = blk;
        op->input = input;
    }
    return op;
}

/* ---------------- conjuncts ---------------- */

static void mark_path(sqlx_conj *c, const sqlx_block *blk, const sqlx_ref *r) {
    sqlx_rte *rtes[2] = {r->rte, r->rte2};
    for (int i = 0; i < 2; i++) {
        if (rtes[i] == NULL)
            continue;
        if (rtes[i]->owner == blk)
            c->rels |= (uint64_t)1 << rtes[i]->pos;
        else
            c->other = 1;
    }
}

static void walk_rels(sqlx_conj *c, const sqlx_block *blk, const sqlx_node *n) {
    for (; n != NULL; n = n->a) {
        if (n->sub != NULL || n->kind == N_SUBQUERY || n->kind == N_EXISTS || n->kind == N_INSUB)
            c->other = 1;
        if (n->kind == N_PATH) {
            if (n->ref != NULL)
                mark_path(c, blk, n->ref);
            else if (n->alias_ref == NULL)
                c->other = 1;
            for (int i = 0; i < n->n_parts; i++)
                if (n->names[i] == NULL)
                    walk_rels(c, blk, n->index[i]);
        }
        if (n->bound_path != NULL)
            walk_rels(c, blk, n->bound_path);
        walk_rels(c, blk, n->b);
        walk_rels(c, blk, n->c);
        for (int i = 0; i < n->n_list; i++)
            walk_rels(c, blk, n->list[i]);
        if (n->over != NULL)
            c->other = 1;
    }
}

void sqlx_conj_rels(sqlx_conj *c, const sqlx_block *blk) {
    c->rels = 0;
    c->other = 0;
    walk_rels(c, blk, c->expr);
}

int sqlx_conjs_add(sqlx_arena *a, sqlx_conjs *l, const sqlx_node *expr, const sqlx_block *blk) {
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        sqlx_conj *items = sqlx_alloc(a, (size_t)cap * sizeof *items);
        if (items == NULL)
            return RS_ENOMEM;
        if (l->n)
            memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    sqlx_conj *c = &l->items[l->n++];
    memset(c, 0, sizeof *c);
    c->expr = expr;
    sqlx_conj_rels(c, blk);
    return 0;
}

static int is_and(const sqlx_node *n) {
    return n->kind == N_BINARY && strcmp(n->op, "AND") == 0;
}

/* The conjuncts of e (AND chains flattened, their left spines in a loop), in order. */
static int add_conjuncts(sqlx_ctx *ctx, sqlx_conjs *l, const sqlx_node *e, const sqlx_block *blk) {
    int levels = 0, rc = 0;
    for (const sqlx_node *at = e; is_and(at); at = at->a)
        levels++;
    if (levels == 0)
        return sqlx_conjs_add(ctx->arena, l, e, blk);
    const sqlx_node **spine = sqlx_alloc(ctx->arena, (size_t)levels * sizeof *spine);
    if (spine == NULL)
        return RS_ENOMEM;
    int k = 0;
    for (const sqlx_node *at = e; is_and(at); at = at->a)
        spine[k++] = at;
    rc = sqlx_conjs_add(ctx->arena, l, spine[levels - 1]->a, blk);
    for (k = levels - 1; k >= 0 && rc == 0; k--)
        rc = add_conjuncts(ctx, l, spine[k]->b, blk);
    return rc;
}

/* ---------------- building ---------------- */

static sqlx_op *build_from(sqlx_ctx *ctx, sqlx_block *blk, const sqlx_from *f) {
    if (f->kind == F_JOIN) {
        sqlx_op *op = new_op(ctx, SQLX_OP_JOIN, blk, NULL);
        if (op == NULL || (op->left = build_from(ctx, blk, f->left)) == NULL ||
            (op->right = build_from(ctx, blk, f->right)) == NULL)
            return NULL;
        op->from = f;
        if (f->on != NULL && add_conjuncts(ctx, &op->conj, f->on, blk))
            return NULL;
        return op;
    }
    sqlx_rte *r = f->rte;
    sqlx_op_kind kind = r->kind == SQLX_RTE_COLLECTION ? SQLX_OP_GET
                        : r->kind == SQLX_RTE_UNNEST   ? SQLX_OP_UNNEST
                        : r->kind == SQLX_RTE_EMPTY    ? SQLX_OP_EMPTY
                                                       : SQLX_OP_DERIVED;
    sqlx_op *op = new_op(ctx, kind, blk, NULL);
    if (op == NULL)
        return NULL;
    op->rte = r;
    if (kind == SQLX_OP_DERIVED)
        op->query = r->cte != NULL ? r->cte->sel->block->plan : r->body->block->plan;
    if (kind == SQLX_OP_GET && (op->access = sqlx_alloc(ctx->arena, sizeof *op->access)) == NULL)
        return NULL;
    return op;
}

/* SELECT DISTINCT a, b is grouped by a, b, so that its rows are told apart by Rockset's
 * equality as groups are (null and undefined one key, 1 and 1.0 one key), not by the text of
 * the row document. Not with stars, aggregates or window functions (DISTINCT applies after
 * them). */
static int distinct_as_grouping(const sqlx_select *s) {
    if (!s->distinct || s->grouped || s->n_items > 64)
        return 0;
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_node *e = s->items[i].expr;
        if (e->kind == N_STAR || sqlx_contains_aggregate(e) || sqlx_first_window_call(e) != NULL)
            return 0;
    }
    return 1;
}

int sqlx_selects_aggregate(const sqlx_select *s) {
    if (s->having != NULL && sqlx_contains_aggregate(s->having))
        return 1;
    for (int i = 0; i < s->n_items; i++)
        if (s->items[i].expr->kind != N_STAR && sqlx_contains_aggregate(s->items[i].expr))
            return 1;
    return 0;
}

/* FROM, WHERE, grouping, HAVING, the select list of a SELECT core. */
static sqlx_op *build_core(sqlx_ctx *ctx, sqlx_block *blk, const sqlx_select *s) {
    sqlx_op *cur = s->from != NULL ? build_from(ctx, blk, s->from) : NULL;
    if (s->from != NULL && cur == NULL)
        return NULL;
    if (s->where != NULL) {
        if ((cur = new_op(ctx, SQLX_OP_FILTER, blk, cur)) == NULL ||
            add_conjuncts(ctx, &cur->conj, s->where, blk))
            return NULL;
    }
    int distinct_keys = distinct_as_grouping(s);
    if (s->grouped || distinct_keys || sqlx_selects_aggregate(s)) {
        if ((cur = new_op(ctx, SQLX_OP_AGGREGATE, blk, cur)) == NULL)
            return NULL;
        cur->distinct_keys = distinct_keys;
    }
    if (s->having != NULL) {
        if ((cur = new_op(ctx, SQLX_OP_FILTER, blk, cur)) == NULL ||
            add_conjuncts(ctx, &cur->conj, s->having, blk))
            return NULL;
        cur->having = 1;
    }
    return new_op(ctx, SQLX_OP_PROJECT, blk, cur);
}

static sqlx_op *build_order_limit(sqlx_ctx *ctx, sqlx_block *blk, const sqlx_select *s,
                                  sqlx_op *cur) {
    if (cur != NULL && s->n_order > 0)
        cur = new_op(ctx, SQLX_OP_SORT, blk, cur);
    if (cur != NULL && (s->limit != NULL || s->offset != NULL))
        cur = new_op(ctx, SQLX_OP_LIMIT, blk, cur);
    return cur;
}

static sqlx_op *build_block(sqlx_ctx *ctx, sqlx_block *blk) {
    const sqlx_select *s = blk->sel;
    sqlx_op *root;
    if (s->compound_op != NULL) {
        if ((root = new_op(ctx, SQLX_OP_SETOP, blk, NULL)) == NULL)
            return NULL;
        root->op = s->compound_op;
        root->left = s->left->block->plan;
        root->right = strcmp(s->compound_op, "WRAP") == 0 ? NULL : s->right->block->plan;
    } else {
        root = build_core(ctx, blk, s);
        if (root != NULL && s->n_gsets > 1)
            root = new_op(ctx, SQLX_OP_GROUPING_SETS, blk, root);
    }
    return root != NULL ? build_order_limit(ctx, blk, s, root) : NULL;
}

/* A DERIVED operator built before the plan of the query it reads (a WITH query reading a
 * later one's sibling: blocks are built in reverse order of binding, not of reading) gets it
 * once every block is built. */
static void link_derived(sqlx_op *op) {
    if (op == NULL)
        return;
    if (op->kind == SQLX_OP_JOIN) {
        link_derived(op->left);
        link_derived(op->right);
    } else if (op->kind == SQLX_OP_DERIVED && op->query == NULL) {
        op->query =
            op->rte->cte != NULL ? op->rte->cte->sel->block->plan : op->rte->body->block->plan;
    }
}

int sqlx_plan_build(sqlx_ctx *ctx, rs_err *err) {
    sqlx_bound *bd = ctx->bound;
    for (int i = bd->n_blocks - 1; i >= 0; i--) {
        sqlx_block *blk = bd->blocks[i];
        if (blk->sel == NULL) /* an output block: its relation is the query's rows */
            continue;
        if ((blk->plan = build_block(ctx, blk)) == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    for (int i = 0; i < bd->n_blocks; i++)
        if (bd->blocks[i]->sel != NULL)
            link_derived(sqlx_plan_from(bd->blocks[i]));
    for (int i = 0; i < bd->n_ctes; i++)
        bd->ctes[i]->plan = bd->ctes[i]->sel->block->plan;
    return 0;
}

/* ---------------- walks ---------------- */

static int is_from_kind(sqlx_op_kind k) {
    return k == SQLX_OP_GET || k == SQLX_OP_DERIVED || k == SQLX_OP_UNNEST || k == SQLX_OP_EMPTY ||
           k == SQLX_OP_JOIN;
}

sqlx_op *sqlx_plan_find(const sqlx_block *blk, sqlx_op_kind kind, int having) {
    for (sqlx_op *op = blk->plan; op != NULL && !is_from_kind(op->kind); op = op->input)
        if (op->kind == kind && (kind != SQLX_OP_FILTER || op->having == having))
            return op;
    return NULL;
}

sqlx_op *sqlx_plan_from(const sqlx_block *blk) {
    sqlx_op *op = blk->plan;
    while (op != NULL && !is_from_kind(op->kind) && op->kind != SQLX_OP_SETOP)
        op = op->input;
    return op != NULL && is_from_kind(op->kind) ? op : NULL;
}

static sqlx_op *find_leaf(sqlx_op *op, const sqlx_rte *rte) {
    if (op == NULL)
        return NULL;
    if (op->kind == SQLX_OP_JOIN) {
        sqlx_op *found = find_leaf(op->left, rte);
        return found != NULL ? found : find_leaf(op->right, rte);
    }
    return op->rte == rte ? op : NULL;
}

sqlx_op *sqlx_plan_leaf(const sqlx_rte *rte) {
    return find_leaf(sqlx_plan_from(rte->owner), rte);
}
