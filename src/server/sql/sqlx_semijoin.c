/*
 * sqlx_semijoin.c - semi-join reduction of grouped derived relations (sqlx_semijoin.h).
 *
 * Before binding there are no relations yet, only the parse tree: a name belongs to a FROM item
 * when it is qualified by that item's name, and the resolver tells what a FROM item names. A
 * conjunct whose reading is in any doubt (an unqualified name, a subquery, a window or an
 * aggregate) is not copied; a SELECT in any doubt is left as written.
 */
#include "sqlx_semijoin.h"
#include "server/runtime/catalog.h"
#include "sqlx_bind.h"
#include "sqlxlate.h"

#include <stdlib.h>
#include <string.h>

#define SJ_ALIAS    "__rs_semijoin"
#define SJ_KEY      "__rs_semijoin_key"
#define MAX_CONJ    64
#define MAX_LEAVES  SQLX_MAX_RELS
#define MAX_TOUCHED 32

typedef struct semijoin {
    sqlx_ctx *ctx;
    const sqlx_select *top;                  /* the statement: WITH queries are counted in it */
    const sqlx_select *touched[MAX_TOUCHED]; /* queries made or reduced: never reduced (again) */
    int n_touched;
} semijoin;

/* One SELECT's FROM items joined by inner joins, and its conjuncts (WHERE and ON). */
typedef struct core_parts {
    sqlx_from *leaves[MAX_LEAVES];
    int n_leaves;
    sqlx_node *conj[MAX_CONJ];
    int n_conj;
} core_parts;

/* ---------------- the statement's WITH queries ---------------- */

typedef void (*select_fn)(const sqlx_select *s, const char *name, int *count);

static void each_select(const sqlx_select *s, select_fn fn, const char *name, int *count);

/* The queries inside an expression. */
static void each_expr_select(const sqlx_node *n, select_fn fn, const char *name, int *count) {
    if (n == NULL)
        return;
    each_select(n->sub, fn, name, count);
    each_expr_select(n->a, fn, name, count);
    each_expr_select(n->b, fn, name, count);
    each_expr_select(n->c, fn, name, count);
    for (int i = 0; i < n->n_list; i++)
        each_expr_select(n->list[i], fn, name, count);
    for (int i = 0; n->kind == N_PATH && i < n->n_parts; i++)
        if (n->names[i] == NULL)
            each_expr_select(n->index[i], fn, name, count);
}

static void each_from_select(const sqlx_from *f, select_fn fn, const char *name, int *count) {
    if (f == NULL)
        return;
    if (f->kind == F_JOIN) {
        each_from_select(f->left, fn, name, count);
        each_from_select(f->right, fn, name, count);
        each_expr_select(f->on, fn, name, count);
    } else if (f->kind == F_SUBQUERY) {
        each_select(f->sub, fn, name, count);
    }
}

/* fn on s and on every query inside it. */
static void each_select(const sqlx_select *s, select_fn fn, const char *name, int *count) {
    if (s == NULL)
        return;
    fn(s, name, count);
    for (int i = 0; i < s->n_ctes; i++)
        each_select(s->ctes[i].sel, fn, name, count);
    each_select(s->left, fn, name, count);
    each_select(s->right, fn, name, count);
    each_from_select(s->from, fn, name, count);
    for (int i = 0; i < s->n_items; i++)
        each_expr_select(s->items[i].expr, fn, name, count);
    each_expr_select(s->where, fn, name, count);
    each_expr_select(s->having, fn, name, count);
}

static void defs_in(const sqlx_select *s, const char *name, int *count) {
    for (int i = 0; i < s->n_ctes; i++)
        *count += strcmp(s->ctes[i].name, name) == 0;
}

static void from_refs(const sqlx_from *f, const char *name, int *count) {
    if (f == NULL)
        return;
    if (f->kind == F_JOIN) {
        from_refs(f->left, name, count);
        from_refs(f->right, name, count);
    } else if (f->kind == F_TABLE) {
        *count += f->ws == NULL && f->name != NULL && strcmp(f->name, name) == 0;
    }
}

static void refs_in(const sqlx_select *s, const char *name, int *count) {
    from_refs(s->from, name, count);
}

static int count_in_statement(const semijoin *sj, select_fn fn, const char *name) {
    int count = 0;
    each_select(sj->top, fn, name, &count);
    return count;
}

/* The query of the WITH query `name` when the statement defines it once and reads it once. */
static sqlx_select *cte_used_once(const semijoin *sj, const char *name) {
    if (count_in_statement(sj, defs_in, name) != 1 || count_in_statement(sj, refs_in, name) != 1)
        return NULL;
    for (const sqlx_select *s = sj->top; s != NULL; s = s->left)
        for (int i = 0; i < s->n_ctes; i++)
            if (strcmp(s->ctes[i].name, name) == 0)
                return s->ctes[i].sel;
    return NULL; /* defined deeper: left alone */
}

/* ---------------- what the parse tree says ---------------- */

static int touched(const semijoin *sj, const sqlx_select *s) {
    for (int i = 0; i < sj->n_touched; i++)
        if (sj->touched[i] == s)
            return 1;
    return 0;
}

static const char *leaf_name(const sqlx_from *f) {
    return f->alias != NULL ? f->alias : f->kind == F_TABLE ? f->name : NULL;
}

static int split_and(sqlx_node *n, core_parts *cp) {
    if (n == NULL)
        return 1;
    if (n->kind == N_BINARY && strcmp(n->op, "AND") == 0)
        return split_and(n->a, cp) && split_and(n->b, cp);
    if (cp->n_conj == MAX_CONJ)
        return 0;
    cp->conj[cp->n_conj++] = n;
    return 1;
}

/* The FROM tree's items and ON conjuncts; 0 when a join is not an inner one. */
static int inner_tree(sqlx_from *f, core_parts *cp) {
    if (f->kind != F_JOIN) {
        if (cp->n_leaves == MAX_LEAVES)
            return 0;
        cp->leaves[cp->n_leaves++] = f;
        return 1;
    }
    if ((strcmp(f->join_type, "JOIN") != 0 && strcmp(f->join_type, "CROSS JOIN") != 0) ||
        f->n_using > 0)
        return 0;
    return inner_tree(f->left, cp) && inner_tree(f->right, cp) && split_and(f->on, cp);
}

static sqlx_from *find_leaf(const core_parts *cp, const char *name) {
    sqlx_from *found = NULL;
    for (int i = 0; i < cp->n_leaves; i++) {
        const char *ln = leaf_name(cp->leaves[i]);
        if (ln != NULL && strcmp(ln, name) == 0) {
            if (found != NULL)
                return NULL;
            found = cp->leaves[i];
        }
    }
    return found;
}

/* Whether n calls a function whose every call may answer differently (RAND: a copy would
 * draw other values; the clock is one value for the whole statement). */
static int volatile_call(const sqlx_node *n) {
    const rt_function *f = n->kind == N_FUNC && n->name != NULL ? rt_catalog_find(n->name) : NULL;
    return f != NULL && (f->flags & (RT_VOLATILE | RT_CLOCK)) == RT_VOLATILE;
}

/* Paths of n qualified by `name` (*mine) and any other (*others); 0 when n has what a copy
 * cannot keep the meaning of: a subquery, a window, an aggregate, a '*', a volatile call. */
static int reads(const sqlx_node *n, const char *name, int *mine, int *others) {
    if (n == NULL)
        return 1;
    if (n->sub != NULL || n->over != NULL || n->n_agg_order > 0 || n->kind == N_STAR ||
        sqlx_is_aggregate_call(n) || volatile_call(n))
        return 0;
    if (n->kind == N_PATH) {
        if (n->n_parts >= 2 && n->names[0] != NULL && n->names[1] != NULL &&
            strcmp(n->names[0], name) == 0)
            (*mine)++;
        else
            (*others)++;
        for (int i = 0; i < n->n_parts; i++)
            if (n->names[i] == NULL && !reads(n->index[i], name, mine, others))
                return 0;
    }
    if (!reads(n->a, name, mine, others) || !reads(n->b, name, mine, others) ||
        !reads(n->c, name, mine, others))
        return 0;
    for (int i = 0; i < n->n_list; i++)
        if (!reads(n->list[i], name, mine, others))
            return 0;
    return 1;
}

static int reads_only(const sqlx_node *n, const char *name) {
    int mine = 0, others = 0;
    return reads(n, name, &mine, &others) && mine > 0 && others == 0;
}

static int constant(const sqlx_node *n) {
    int mine = 0, others = 0;
    return reads(n, "", &mine, &others) && mine == 0 && others == 0;
}

/* A conjunct an index of `name` can serve: its fields compared with, BETWEEN or IN constants. */
static int indexable(const sqlx_node *c, const char *name) {
    if (c->kind == N_BINARY && c->op != NULL &&
        (strcmp(c->op, "=") == 0 || strcmp(c->op, "<") == 0 || strcmp(c->op, "<=") == 0 ||
         strcmp(c->op, ">") == 0 || strcmp(c->op, ">=") == 0))
        return (reads_only(c->a, name) && constant(c->b)) ||
               (reads_only(c->b, name) && constant(c->a));
    if (c->kind == N_BETWEEN && !c->negated)
        return reads_only(c->a, name) && constant(c->b) && constant(c->c);
    if (c->kind == N_INLIST && !c->negated && reads_only(c->a, name)) {
        for (int i = 0; i < c->n_list; i++)
            if (!constant(c->list[i]))
                return 0;
        return c->n_list > 0;
    }
    return 0;
}

/* A collection with field indexes, named by a FROM item (no WITH query, view or parameter). */
static int indexed_collection(const semijoin *sj, const sqlx_from *f) {
    if (f->kind != F_TABLE || f->ws_param != NULL || f->name_param != NULL || f->has_sample ||
        f->name == NULL || sj->ctx->resolve == NULL ||
        (f->ws == NULL && count_in_statement(sj, defs_in, f->name) > 0))
        return 0;
    sqlx_relation rel;
    rs_err err = {0};
    memset(&rel, 0, sizeof rel);
    int rc = sj->ctx->resolve(sj->ctx->resolve_ctx, f->ws ? f->ws : "commons", f->name, &rel, &err);
    free(rel.view_sql);
    return rc == 0 && rel.kind == SQLX_REL_COLLECTION && rel.data_table[0] != '\0';
}

static int has_window(const sqlx_select *q) {
    for (int i = 0; i < q->n_items; i++)
        if (q->items[i].expr->kind == N_STAR || sqlx_first_window_call(q->items[i].expr))
            return 1;
    for (int i = 0; i < q->n_order; i++)
        if (sqlx_first_window_call(q->order[i].expr))
            return 1;
    return 0;
}

/* The expression of q's output k when k is a GROUP BY key of q (or q is DISTINCT); NULL when
 * it is not, or q is not one plain SELECT over one collection with field indexes. */
static sqlx_node *group_key(const semijoin *sj, const sqlx_select *q, const char *k) {
    if (q == NULL || touched(sj, q) || q->compound_op != NULL || q->limit != NULL ||
        q->offset != NULL || q->n_gsets > 0 || q->from == NULL || has_window(q) ||
        (!q->distinct && q->n_group == 0) || !indexed_collection(sj, q->from))
        return NULL;
    int at = -1;
    for (int i = 0; i < q->n_items; i++) {
        const char *out = sqlx_item_name(sj->ctx->arena, &q->items[i], i);
        if (out != NULL && strcmp(out, k) == 0) {
            if (at >= 0)
                return NULL;
            at = i;
        }
    }
    sqlx_node *e = at >= 0 ? q->items[at].expr : NULL;
    int mine = 0, others = 0;
    if (e == NULL || !reads(e, "", &mine, &others) || others == 0)
        return NULL;       /* a constant key: nothing to look up */
    if (q->n_group == 0) { /* DISTINCT: every item a plain value, none folding the rows */
        for (int i = 0; i < q->n_items; i++)
            if (!reads(q->items[i].expr, "", &mine, &others))
                return NULL;
        return q->having == NULL ? e : NULL;
    }
    for (int g = 0; g < q->n_group; g++) {
        const sqlx_node *key = q->group[g];
        if (sqlx_same_node(key, e) ||
            (key->kind == N_PATH && key->n_parts == 1 && key->names[0] != NULL &&
             q->items[at].alias != NULL && strcmp(key->names[0], q->items[at].alias) == 0) ||
            (key->kind == N_LIT_INT && key->text != NULL && atoi(key->text) == at + 1))
            return e;
    }
    return NULL;
}

/* ---------------- building ---------------- */

/* SELECT DISTINCT <a_key> AS SJ_KEY FROM <a> WHERE <a's conjuncts> */
static sqlx_select *key_query(sqlx_arena *a, const sqlx_from *leaf, const sqlx_node *a_key,
                              const core_parts *cp, const char *name) {
    sqlx_select *q = sqlx_alloc(a, sizeof *q);
    sqlx_from *from = sqlx_alloc(a, sizeof *from);
    sqlx_item *item = sqlx_alloc(a, sizeof *item);
    if (q == NULL || from == NULL || item == NULL || !(item->expr = sqlx_node_copy(a, a_key)))
        return NULL;
    *from = *leaf;
    from->rte = NULL;
    from->access_path = from->join_strategy = NULL;
    item->alias = SJ_KEY;
    q->distinct = 1;
    q->items = item;
    q->n_items = 1;
    q->from = from;
    q->line = leaf->line;
    q->column = leaf->column;
    for (int i = 0; i < cp->n_conj; i++) {
        if (!reads_only(cp->conj[i], name))
            continue;
        sqlx_node *c = sqlx_node_copy(a, cp->conj[i]);
        if (c == NULL || (q->where != NULL && !(c = sqlx_node_binary(a, "AND", q->where, c))))
            return NULL;
        q->where = c;
    }
    return q;
}

/* q's FROM becomes `<its FROM> JOIN (key query) AS SJ_ALIAS ON <key> = SJ_ALIAS.SJ_KEY`. */
static int reduce(semijoin *sj, sqlx_select *q, sqlx_node *key, sqlx_select *keys) {
    sqlx_arena *a = sj->ctx->arena;
    sqlx_from *sub = sqlx_alloc(a, sizeof *sub), *join = sqlx_alloc(a, sizeof *join);
    if (sub == NULL || join == NULL ||
        !(join->on = sqlx_node_binary(a, "=", sqlx_node_copy(a, key),
                                      sqlx_node_path(a, SJ_ALIAS, SJ_KEY, key))))
        return RS_ENOMEM;
    sub->kind = F_SUBQUERY;
    sub->sub = keys;
    sub->alias = SJ_ALIAS;
    sub->line = join->line = q->from->line;
    sub->column = join->column = q->from->column;
    join->kind = F_JOIN;
    join->join_type = "JOIN";
    join->left = q->from;
    join->right = sub;
    q->from = join;
    sj->touched[sj->n_touched++] = q;
    sj->touched[sj->n_touched++] = keys;
    return 0;
}

/* ---------------- matching ---------------- */

/* The derived relation's query a FROM item names: a subquery, or a WITH query read once. */
static sqlx_select *derived_query(const semijoin *sj, const sqlx_from *f) {
    if (f->kind == F_SUBQUERY)
        return f->sub;
    if (f->kind == F_TABLE && f->ws == NULL && f->ws_param == NULL && f->name_param == NULL &&
        f->name != NULL)
        return cte_used_once(sj, f->name);
    return NULL;
}

/* Conjunct `a.path = d.k` read as (a_path, d_path) in this order; 1 when it reduces d. */
static int try_pair(semijoin *sj, const core_parts *cp, const sqlx_node *a_path,
                    const sqlx_node *d_path, int *rc) {
    if (a_path->kind != N_PATH || d_path->kind != N_PATH || d_path->n_parts != 2 ||
        d_path->names[0] == NULL || d_path->names[1] == NULL || a_path->n_parts < 2 ||
        a_path->names[0] == NULL || !reads_only(a_path, a_path->names[0]))
        return 0;
    const char *a_name = a_path->names[0], *d_name = d_path->names[0];
    sqlx_from *a_leaf = find_leaf(cp, a_name), *d_leaf = find_leaf(cp, d_name);
    if (a_leaf == NULL || d_leaf == NULL || a_leaf == d_leaf || strcmp(a_name, SJ_ALIAS) == 0)
        return 0;
    int served = 0;
    for (int i = 0; i < cp->n_conj && !served; i++)
        served = indexable(cp->conj[i], a_name);
    sqlx_select *q = served ? derived_query(sj, d_leaf) : NULL;
    sqlx_node *key = q != NULL ? group_key(sj, q, d_path->names[1]) : NULL;
    /* Past MAX_TOUCHED / 2 reductions in one statement the rest is left as written: each
     * must be recorded, or a query made here could be reduced again. */
    if (key == NULL || !indexed_collection(sj, a_leaf) || sj->n_touched + 2 > MAX_TOUCHED)
        return 0;
    sqlx_select *keys = key_query(sj->ctx->arena, a_leaf, a_path, cp, a_name);
    *rc = keys != NULL ? reduce(sj, q, key, keys) : RS_ENOMEM;
    return *rc == 0;
}

static int try_core(semijoin *sj, sqlx_select *s) {
    core_parts cp;
    int rc = 0;
    memset(&cp, 0, sizeof cp);
    if (s->compound_op != NULL || s->from == NULL || touched(sj, s) || !inner_tree(s->from, &cp) ||
        !split_and(s->where, &cp))
        return 0;
    for (int i = 0; i < cp.n_conj && rc == 0; i++) {
        const sqlx_node *c = cp.conj[i];
        if (c->kind != N_BINARY || strcmp(c->op, "=") != 0)
            continue;
        if (!try_pair(sj, &cp, c->a, c->b, &rc) && rc == 0)
            try_pair(sj, &cp, c->b, c->a, &rc);
    }
    return rc;
}

static int rewrite_from(semijoin *sj, sqlx_from *f);

static int rewrite(semijoin *sj, sqlx_select *s) {
    int rc = 0;
    for (int i = 0; s != NULL && i < s->n_ctes && rc == 0; i++)
        rc = rewrite(sj, s->ctes[i].sel);
    if (s == NULL || rc)
        return rc;
    if (s->compound_op != NULL)
        return (rc = rewrite(sj, s->left)) ? rc : rewrite(sj, s->right);
    rc = rewrite_from(sj, s->from);
    return rc ? rc : try_core(sj, s);
}

static int rewrite_from(semijoin *sj, sqlx_from *f) {
    if (f == NULL)
        return 0;
    if (f->kind == F_JOIN) {
        int rc = rewrite_from(sj, f->left);
        return rc ? rc : rewrite_from(sj, f->right);
    }
    return f->kind == F_SUBQUERY ? rewrite(sj, f->sub) : 0;
}

int sqlx_semijoin_rewrite(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err) {
    semijoin sj;
    memset(&sj, 0, sizeof sj);
    sj.ctx = ctx;
    sj.top = sel;
    int rc = rewrite(&sj, sel);
    return rc ? rs_err_set(err, RS_ENOMEM, "out of memory") : 0;
}
