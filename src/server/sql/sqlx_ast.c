/*
 * sqlx_ast.c - building parse-tree nodes outside the parser (declared in sqlx_int.h).
 *
 * The stages that rewrite the parse tree before binding (semi-join reduction, ingest
 * transformations) make new nodes and copy old ones. A new node takes its line and column from
 * the node it stands in for, so an error the binder raises on it points at the user's text.
 */
#include "sqlx_int.h"

#include <string.h>

sqlx_node *sqlx_node_new(sqlx_arena *a, sqlx_node_kind kind, const sqlx_node *at) {
    sqlx_node *n = sqlx_alloc(a, sizeof *n);
    if (n != NULL) {
        n->kind = kind;
        n->line = at ? at->line : 0;
        n->column = at ? at->column : 0;
    }
    return n;
}

sqlx_node *sqlx_node_path(sqlx_arena *a, const char *first, const char *second,
                          const sqlx_node *at) {
    int n_parts = second != NULL ? 2 : 1;
    sqlx_node *n = sqlx_node_new(a, N_PATH, at);
    const char **names = sqlx_alloc(a, (size_t)n_parts * sizeof *names);
    sqlx_node **index = sqlx_alloc(a, (size_t)n_parts * sizeof *index);
    if (n == NULL || names == NULL || index == NULL || first == NULL)
        return NULL;
    names[0] = first;
    if (second != NULL)
        names[1] = second;
    n->names = names;
    n->index = index;
    n->n_parts = n_parts;
    return n;
}

sqlx_node *sqlx_node_call(sqlx_arena *a, const char *fn, sqlx_node *x, sqlx_node *y,
                          const sqlx_node *at) {
    sqlx_node *n = sqlx_node_new(a, N_FUNC, at);
    sqlx_node **list = sqlx_alloc(a, 2 * sizeof *list);
    if (n == NULL || list == NULL || x == NULL)
        return NULL;
    n->name = fn;
    list[0] = x;
    list[1] = y;
    n->list = list;
    n->n_list = y ? 2 : 1;
    return n;
}

sqlx_node *sqlx_node_binary(sqlx_arena *a, const char *op, sqlx_node *l, sqlx_node *r) {
    sqlx_node *n = l && r ? sqlx_node_new(a, N_BINARY, l) : NULL;
    if (n == NULL)
        return NULL;
    n->op = op;
    n->a = l;
    n->b = r;
    return n;
}

static int copy_list(sqlx_arena *a, sqlx_node ***to, sqlx_node *const *from, int n, int skip_null) {
    if ((*to = sqlx_alloc(a, (size_t)n * sizeof **to)) == NULL)
        return -1;
    for (int i = 0; i < n; i++)
        if (!(skip_null && from[i] == NULL) && !((*to)[i] = sqlx_node_copy(a, from[i])))
            return -1;
    return 0;
}

sqlx_node *sqlx_node_copy(sqlx_arena *a, const sqlx_node *e) {
    if (e == NULL)
        return NULL;
    sqlx_node *c = sqlx_alloc(a, sizeof *c);
    if (c == NULL)
        return NULL;
    *c = *e;
    c->ref = c->alias_ref = NULL;
    c->bound_path = NULL;
    c->fn = NULL;
    if ((e->a && !(c->a = sqlx_node_copy(a, e->a))) ||
        (e->b && !(c->b = sqlx_node_copy(a, e->b))) || (e->c && !(c->c = sqlx_node_copy(a, e->c))))
        return NULL;
    if (e->n_list > 0 && copy_list(a, &c->list, e->list, e->n_list, 0) != 0)
        return NULL;
    if (e->kind == N_PATH && e->index != NULL &&
        copy_list(a, &c->index, e->index, e->n_parts, 1) != 0)
        return NULL;
    return c;
}
