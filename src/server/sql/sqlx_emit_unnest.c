/*
 * sqlx_emit_unnest.c - the paths an UNNEST's rows are read at, handed to its rs_unnest call.
 *
 * Each row of an UNNEST is a document of its own (an array element, or {"x": element}), read
 * once or twice and never again: rs_get(rN.doc, 'name') copies it into its cache and indexes
 * its members for each new row, and SQLite copies the row's text for each call. A block's paths
 * into such a relation whose steps are constants (u.s.name, u.name, u.label.name) are listed in
 * the call instead, rs_unnest(..., '[["name"],["conclusion"]]', ...), and read as its columns
 * v0, v1...: one walk of the row's members for all of them (runtime/unnest.c). A path the
 * collection missed (more than 8, a subscript that is not a literal, one only a correlated
 * subquery reads) is still rs_get of the row's document, so the list only saves work; it never
 * decides an answer. An UNNEST read through a join's wrapper (its alias is not its own) keeps
 * rs_get too: the wrapper has no such columns.
 */
#include "sqlx_emit_int.h"

#include <stdlib.h>
#include <string.h>

static unnest_paths *find_paths(const emitter *em, int alias) {
    for (unnest_paths *u = em->unnests; u != NULL; u = u->next)
        if (u->alias == alias)
            return u;
    return NULL;
}

/* The runtime's form of n's steps from `from` on, in the statement's arena. */
static const char *path_spec(emitter *em, const sqlx_node *n, int from) {
    rs_buf spec = RS_BUF_INIT;
    put_path_spec(n, from, &spec);
    const char *text = spec.oom ? NULL : sqlx_strndup(em->ctx->arena, rs_buf_cstr(&spec), spec.len);
    rs_buf_free(&spec);
    return text;
}

/* Add the path n reads to its UNNEST's list when it is one the call can read. */
static int add_path(emitter *em, const sqlx_block *blk, const sqlx_node *n) {
    const sqlx_ref *r = n->ref;
    /* only this block's own: an outer block's call was printed before this block's paths */
    if (r == NULL || r->kind != SQLX_REF_FIELD || r->rte->kind != SQLX_RTE_UNNEST ||
        r->rte->owner != blk || r->first >= n->n_parts || n->names[r->first] == NULL)
        return 0;
    unnest_paths *u = find_paths(em, r->rte->alias);
    if (u == NULL)
        return 0; /* not this block's, or read through a wrapper */
    for (int i = r->first; i < n->n_parts; i++)
        if (n->names[i] == NULL && n->index[i]->kind != N_LIT_INT)
            return 0;
    pscope ps;
    memset(&ps, 0, sizeof ps);
    rs_buf args = RS_BUF_INIT;
    int rc = emit_path_args(em, &ps, n, r->first, &args);
    const char *text =
        rc == 0 && !args.oom ? sqlx_strndup(em->ctx->arena, rs_buf_cstr(&args), args.len) : NULL;
    rs_buf_free(&args);
    if (text == NULL)
        return rc ? rc : emit_nomem(em->err);
    for (int i = 0; i < u->n; i++)
        if (strcmp(u->args[i], text) == 0)
            return 0;
    if (u->n == UNNEST_MAX_PATHS)
        return 0;
    if ((u->spec[u->n] = path_spec(em, n, r->first)) == NULL)
        return emit_nomem(em->err);
    u->args[u->n++] = text;
    return 0;
}

static int walk(emitter *em, const sqlx_block *blk, const sqlx_node *n);

static int walk_list(emitter *em, const sqlx_block *blk, sqlx_node *const *list, int n) {
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = walk(em, blk, list[i]);
    return rc;
}

static int walk_orders(emitter *em, const sqlx_block *blk, const sqlx_order *order, int n) {
    int rc = 0;
    for (int i = 0; rc == 0 && i < n; i++)
        rc = walk(em, blk, order[i].expr);
    return rc;
}

/* Every path of the expression n, subqueries left out (their blocks are emitted on their own). */
static int walk(emitter *em, const sqlx_block *blk, const sqlx_node *n) {
    if (n == NULL)
        return 0;
    int rc = n->kind == N_PATH ? add_path(em, blk, n) : 0;
    for (int i = 0; rc == 0 && n->kind == N_PATH && i < n->n_parts; i++)
        if (n->names[i] == NULL)
            rc = walk(em, blk, n->index[i]);
    if (rc == 0 && n->over != NULL)
        rc = walk_list(em, blk, n->over->partition, n->over->n_partition);
    if (rc == 0 && n->over != NULL)
        rc = walk_orders(em, blk, n->over->order, n->over->n_order);
    if (rc == 0)
        rc = walk_orders(em, blk, n->agg_order, n->n_agg_order);
    if (rc == 0)
        rc = walk_list(em, blk, n->list, n->n_list);
    if (rc == 0)
        rc = walk(em, blk, n->a);
    if (rc == 0)
        rc = walk(em, blk, n->b);
    if (rc == 0)
        rc = walk(em, blk, n->c);
    return rc;
}

/* The ON conditions of a FROM tree. */
static int walk_from(emitter *em, const sqlx_block *blk, const sqlx_from *f) {
    if (f == NULL || f->kind != F_JOIN)
        return 0;
    int rc = walk(em, blk, f->on);
    if (rc == 0)
        rc = walk_from(em, blk, f->left);
    if (rc == 0)
        rc = walk_from(em, blk, f->right);
    return rc;
}

int emit_unnest_collect(emitter *em, const sqlx_block *blk) {
    const sqlx_select *s = blk->sel;
    int any = 0;
    for (int i = 0; i < blk->n_rels; i++) {
        const sqlx_rte *r = blk->rels[i];
        if (r->kind != SQLX_RTE_UNNEST || r->alias != r->id)
            continue;
        unnest_paths *u = find_paths(em, r->alias);
        if (u == NULL) {
            if ((u = sqlx_alloc(em->ctx->arena, sizeof *u)) == NULL)
                return emit_nomem(em->err);
            u->alias = r->alias;
            u->next = em->unnests;
            em->unnests = u;
        }
        u->n = 0; /* a block printed again (a grouping set's copy) lists its paths again */
        any = 1;
    }
    if (!any)
        return 0;
    int rc = 0;
    for (int i = 0; rc == 0 && i < s->n_items; i++)
        rc = walk(em, blk, s->items[i].expr);
    if (rc == 0)
        rc = walk(em, blk, s->where);
    if (rc == 0)
        rc = walk_list(em, blk, s->group, s->n_group);
    if (rc == 0)
        rc = walk(em, blk, s->having);
    if (rc == 0)
        rc = walk_orders(em, blk, s->order, s->n_order);
    if (rc == 0)
        rc = walk_from(em, blk, s->from);
    return rc;
}

int emit_unnest_column(const emitter *em, int alias, const char *args) {
    const unnest_paths *u = find_paths(em, alias);
    for (int i = 0; u != NULL && i < u->n; i++)
        if (strcmp(u->args[i], args) == 0)
            return i;
    return -1;
}

void put_unnest_paths(const emitter *em, int alias, rs_buf *out) {
    const unnest_paths *u = find_paths(em, alias);
    if (u == NULL || u->n == 0) {
        rs_buf_puts(out, "''");
        return;
    }
    rs_buf list = RS_BUF_INIT;
    rs_buf_putc(&list, '[');
    for (int i = 0; i < u->n; i++) {
        if (i)
            rs_buf_putc(&list, ',');
        rs_buf_puts(&list, u->spec[i]);
    }
    rs_buf_putc(&list, ']');
    put_sql_string(out, rs_buf_cstr(&list));
    if (list.oom)
        out->oom = 1; /* the caller's check of out reports it */
    rs_buf_free(&list);
}
