/*
 * sqlx_bind_expr.c - the binder's expressions (sqlx_bind.h): field references, function calls
 * looked up in the catalog, and the query's rules checked where they stand: arity, aggregates
 * in WHERE or GROUP BY or inside another aggregate, window functions in WHERE / GROUP BY /
 * HAVING, OVER on a function that has no window form, GROUPING() of a non-key.
 *
 * Also the select-list rules every stage shares (sqlx_int.h): output names, positions, what is
 * an aggregate; and bound equality, which the plan and the emitter use to tell a GROUP BY key
 * wherever it is written again.
 */
#include "server/runtime/catalog.h"
#include "server/runtime/datetime.h"
#include "server/runtime/value.h"
#include "sqlx_bind_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* SQLite refuses expression trees deeper than 1000 anyway, and a bounded recursion cannot
 * exhaust the C stack on hostile input. */
#define MAX_BIND_DEPTH 1000

static void upper_copy(char *dst, size_t cap, const char *src) {
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = 0;
}

/* ---------------- what an expression calls ---------------- */

int sqlx_is_aggregate_call(const sqlx_node *n) {
    const rt_function *f = n->kind == N_FUNC ? rt_catalog_find(n->name) : NULL;
    return f != NULL && f->kind == RT_AGGREGATE && n->over == NULL;
}

/* Whether an expression calls an aggregate outside subqueries. Left-deep operator chains are
 * walked in a loop. */
int sqlx_contains_aggregate(const sqlx_node *n) {
    for (; n; n = n->a) {
        if (sqlx_is_aggregate_call(n))
            return 1;
        if ((n->b && sqlx_contains_aggregate(n->b)) || (n->c && sqlx_contains_aggregate(n->c)))
            return 1;
        for (int i = 0; i < n->n_list; i++)
            if (sqlx_contains_aggregate(n->list[i]))
                return 1;
        for (int i = 0; n->kind == N_PATH && i < n->n_parts; i++)
            if (n->index[i] && sqlx_contains_aggregate(n->index[i]))
                return 1;
        for (int i = 0; n->over != NULL && i < n->over->n_partition; i++)
            if (sqlx_contains_aggregate(n->over->partition[i]))
                return 1;
        for (int i = 0; n->over != NULL && i < n->over->n_order; i++)
            if (sqlx_contains_aggregate(n->over->order[i].expr))
                return 1;
    }
    return 0;
}

const sqlx_node *sqlx_first_call(const sqlx_node *n, int (*is_call)(const sqlx_node *)) {
    for (; n != NULL; n = n->a) {
        const sqlx_node *found = NULL;
        if (is_call(n))
            return n;
        if (n->b != NULL)
            found = sqlx_first_call(n->b, is_call);
        if (found == NULL && n->c != NULL)
            found = sqlx_first_call(n->c, is_call);
        for (int i = 0; found == NULL && i < n->n_list; i++)
            found = sqlx_first_call(n->list[i], is_call);
        for (int i = 0; found == NULL && n->kind == N_PATH && i < n->n_parts; i++)
            if (n->index[i] != NULL)
                found = sqlx_first_call(n->index[i], is_call);
        if (found != NULL)
            return found;
    }
    return NULL;
}

static int is_window_call(const sqlx_node *n) {
    return n->kind == N_FUNC && n->over != NULL;
}

const sqlx_node *sqlx_first_window_call(const sqlx_node *n) {
    return sqlx_first_call(n, is_window_call);
}

/* WHERE filters rows before they are grouped: an aggregate there is an error naming it. */
int refuse_aggregate_in_where(const sqlx_node *where, rs_err *err) {
    const sqlx_node *agg = sqlx_first_call(where, sqlx_is_aggregate_call);
    char upper[64];
    if (agg == NULL)
        return 0;
    upper_copy(upper, sizeof upper, agg->name);
    return sqlx_error(err, RS_EINVAL, agg->line, agg->column,
                      "aggregate function '%s' is not allowed in WHERE", upper);
}

/* Window functions are computed after WHERE, GROUP BY and HAVING: refuse them there. */
int refuse_window(const sqlx_node *e, const char *clause, rs_err *err) {
    const sqlx_node *w = sqlx_first_window_call(e);
    if (w == NULL)
        return 0;
    char upper[64];
    upper_copy(upper, sizeof upper, w->name);
    return sqlx_error(err, RS_EINVAL, w->line, w->column,
                      "window function '%s' is not allowed in %s", upper, clause);
}

/* ---------------- select-list rules ---------------- */

const sqlx_select *sqlx_leftmost_core(const sqlx_select *s) {
    while (s->compound_op != NULL)
        s = s->left;
    return s;
}

/* Output name of the item at 0-based position: its alias, the last field of a path, ?FUNC as the
 * call was spelled (count(*) is ?count, COUNT(*) is ?COUNT), or ?field<position>. */
const char *sqlx_item_name(sqlx_arena *arena, const sqlx_item *it, int position) {
    char tmp[80];
    if (it->alias != NULL)
        return it->alias;
    const sqlx_node *e = it->expr;
    if (e->kind == N_PATH && e->names[e->n_parts - 1] != NULL)
        return e->names[e->n_parts - 1];
    if (e->kind == N_FUNC && e->text == NULL && e->name[0] != '#')
        snprintf(tmp, sizeof tmp, "?%s", e->name);
    else if (e->kind == N_CAST && e->text != NULL) /* CAST(...), not x::type */
        snprintf(tmp, sizeof tmp, "?%s", e->text);
    else
        snprintf(tmp, sizeof tmp, "?field%d", position);
    return sqlx_strndup(arena, tmp, strlen(tmp));
}

const sqlx_node *sqlx_ordinal_item(const sqlx_select *s, const sqlx_node *e, rs_err *err, int *rc) {
    if (e->kind != N_LIT_INT)
        return e;
    long long k = strtoll(e->text, NULL, 10);
    if (k < 1 || k > s->n_items || s->items[k - 1].expr->kind == N_STAR) {
        *rc = sqlx_error(err, RS_EINVAL, e->line, e->column,
                         "position %lld is not in the select list", k);
        return NULL;
    }
    return s->items[k - 1].expr;
}

/* ---------------- bound equality ---------------- */

/* A name that stands for a select item (where aliases are seen) is that item's expression, read
 * with the list's names. */
static const sqlx_node *deref(const sqlx_node *n, int *alias) {
    while (n != NULL && n->kind == N_PATH && *alias && n->alias_ref != NULL &&
           n->alias_ref->kind == SQLX_REF_ITEM) {
        n = n->alias_ref->item;
        *alias = 0;
    }
    return n;
}

static int same_text(const char *a, const char *b) {
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static int same_path(const sqlx_node *a, int a_alias, const sqlx_node *b, int b_alias) {
    const sqlx_ref *ra = a->ref, *rb = b->ref;
    if (ra == NULL || rb == NULL)
        return ra == rb && sqlx_same_node(a, b);
    if (ra->kind != rb->kind || ra->rte != rb->rte || ra->rte2 != rb->rte2)
        return 0;
    if (ra->kind == SQLX_REF_UNDEFINED || ra->kind == SQLX_REF_DOC)
        return 1;
    if (a->n_parts - ra->first != b->n_parts - rb->first)
        return 0;
    for (int i = 0; i < a->n_parts - ra->first; i++) {
        int ia = ra->first + i, ib = rb->first + i;
        if (!same_text(a->names[ia], b->names[ib]))
            return 0;
        if (a->names[ia] == NULL && !sqlx_bound_same(a->index[ia], a_alias, b->index[ib], b_alias))
            return 0;
    }
    return 1;
}

int sqlx_bound_same(const sqlx_node *a, int a_alias, const sqlx_node *b, int b_alias) {
    a = deref(a, &a_alias);
    b = deref(b, &b_alias);
    if (a == b)
        return 1;
    if (a == NULL || b == NULL || a->kind != b->kind || a->sub != NULL || b->sub != NULL ||
        a->over != NULL || b->over != NULL || a->n_agg_order || b->n_agg_order)
        return 0;
    if (a->kind == N_PATH)
        return same_path(a, a_alias, b, b_alias);
    if (!same_text(a->text, b->text) || !same_text(a->op, b->op) || a->ival != b->ival ||
        a->negated != b->negated || a->distinct != b->distinct || a->star != b->star ||
        a->n_list != b->n_list)
        return 0;
    if (a->kind == N_FUNC || a->kind == N_EXTRACT || a->kind == N_CAST) {
        if (a->name == NULL || b->name == NULL || strcasecmp(a->name, b->name) != 0)
            return 0;
    } else if (!same_text(a->name, b->name)) {
        return 0;
    }
    if (a->kind == N_FUNC && (a->bound_path != NULL || b->bound_path != NULL))
        return sqlx_bound_same(a->bound_path, a_alias, b->bound_path, b_alias);
    if (!sqlx_bound_same(a->a, a_alias, b->a, b_alias) ||
        !sqlx_bound_same(a->b, a_alias, b->b, b_alias) ||
        !sqlx_bound_same(a->c, a_alias, b->c, b_alias))
        return 0;
    for (int i = 0; i < a->n_list; i++)
        if (!sqlx_bound_same(a->list[i], a_alias, b->list[i], b_alias))
            return 0;
    return 1;
}

const sqlx_node *sqlx_bound_target(const sqlx_select *s, const sqlx_node *e, int *alias) {
    int rc = 0;
    const sqlx_node *item = sqlx_ordinal_item(s, e, NULL, &rc);
    *alias = item == e;
    return item != NULL ? item : e;
}

/* ---------------- expressions ---------------- */

static int too_deep(const sqlx_node *n, rs_err *err) {
    return sqlx_error(err, RS_EUNSUPPORTED, n->line, n->column,
                      "unsupported SQL: expressions nested this deeply are not supported by "
                      "rockset-local");
}

static int bind_list(binder *b, sqlx_block *blk, sqlx_node **list, int n) {
    for (int i = 0; i < n; i++) {
        int rc = list[i] != NULL ? bind_expr(b, blk, list[i]) : 0;
        if (rc)
            return rc;
    }
    return 0;
}

static int is_op_node(const sqlx_node *n, const char *op) {
    return n->kind == N_BINARY && strcmp(n->op, op) == 0;
}

static int is_chain_op(const char *op) {
    static const char *const ops[] = {"+", "-", "*", "/", "%", "||", "AND", "OR"};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        if (strcmp(op, ops[i]) == 0)
            return 1;
    return 0;
}

/* A chain of one operator (a + b + c, x AND y AND z): its left spine walked in a loop, as the
 * emitter prints it flat (long chains are left-deep, and would otherwise recurse as deep as
 * they are long); AND and OR also take their parenthesised right operands into the chain. */
static int bind_chain(binder *b, sqlx_block *blk, sqlx_node *n) {
    const char *op = n->op;
    int both = strcmp(op, "AND") == 0 || strcmp(op, "OR") == 0, levels = 0;
    for (sqlx_node *at = n; is_op_node(at, op); at = at->a)
        levels++;
    sqlx_node **spine = sqlx_alloc(b->ctx->arena, (size_t)levels * sizeof *spine);
    if (spine == NULL)
        return nomem(b->err);
    int k = 0;
    for (sqlx_node *at = n; is_op_node(at, op); at = at->a)
        spine[k++] = at;
    int rc = bind_expr(b, blk, spine[levels - 1]->a);
    for (k = levels - 1; k >= 0 && rc == 0; k--) /* right operands bottom-up */
        rc = both && is_op_node(spine[k]->b, op) ? bind_chain(b, blk, spine[k]->b)
                                                 : bind_expr(b, blk, spine[k]->b);
    return rc;
}

static int bind_typed_literal(binder *b, const sqlx_node *n) {
    const char *type = n->name, *text = n->text;
    size_t len = strlen(text);
    int64_t x;
    int ok = (strcmp(type, "DATE") == 0 && rt_parse_date(text, len, &x) == 0) ||
             (strcmp(type, "TIME") == 0 && rt_parse_time(text, len, &x) == 0) ||
             (strcmp(type, "DATETIME") == 0 && rt_parse_datetime(text, len, &x) == 0) ||
             (strcmp(type, "TIMESTAMP") == 0 && rt_parse_timestamp(text, len, &x) == 0) ||
             strcmp(type, "BYTES") == 0;
    return ok ? 0
              : sqlx_error(b->err, RS_EINVAL, n->line, n->column, "'%s' is not a valid %s", n->text,
                           type);
}

static int bind_cast(binder *b, sqlx_block *blk, sqlx_node *n) {
    rv_type to;
    if (rv_type_from_name(n->name, &to) != 0 || to == RV_UNDEFINED || to == RV_NULL)
        return sqlx_error(b->err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: CAST to type '%s' is not supported by rockset-local",
                          n->name);
    return bind_expr(b, blk, n->a);
}

static int bind_func(binder *b, sqlx_block *blk, sqlx_node *n);

static int bind_expr_body(binder *b, sqlx_block *blk, sqlx_node *n) {
    int rc = 0;
    switch (n->kind) {
    case N_LIT_TYPED:
        return bind_typed_literal(b, n);
    case N_PATH:
        return bind_path(b, blk, n);
    case N_STAR:
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column, "'*' is not valid here");
    case N_BINARY:
        if (is_chain_op(n->op))
            return bind_chain(b, blk, n);
        rc = bind_expr(b, blk, n->a);
        return rc ? rc : bind_expr(b, blk, n->b);
    case N_INSUB:
        rc = bind_expr(b, blk, n->a);
        return rc ? rc : bind_query(b, n->sub, blk, blk, BIND_VALUE);
    case N_SUBQUERY:
        return bind_query(b, n->sub, blk, blk, BIND_VALUE);
    case N_EXISTS:
        return bind_query(b, n->sub, blk, blk, BIND_DOCS);
    case N_CAST:
        return bind_cast(b, blk, n);
    case N_FUNC:
        return bind_func(b, blk, n);
    case N_OBJECT: /* keys are string literals */
        for (int i = 1; !rc && i < n->n_list; i += 2)
            rc = bind_expr(b, blk, n->list[i]);
        return rc;
    case N_SUBSCRIPT:
        rc = bind_expr(b, blk, n->a);
        return rc == 0 && n->name == NULL ? bind_expr(b, blk, n->b) : rc;
    case N_PARAM: /* a view's parameters are the statement's too */
        return sqlx_names_add(&b->ctx->params, n->name) ? nomem(b->err) : 0;
    default: /* literals, and operators of their operands in a, b, c, list */
        if (n->a != NULL)
            rc = bind_expr(b, blk, n->a);
        if (rc == 0 && n->b != NULL)
            rc = bind_expr(b, blk, n->b);
        if (rc == 0 && n->c != NULL)
            rc = bind_expr(b, blk, n->c);
        return rc ? rc : bind_list(b, blk, n->list, n->n_list);
    }
}

int bind_expr(binder *b, sqlx_block *blk, sqlx_node *n) {
    if (b->depth >= MAX_BIND_DEPTH)
        return too_deep(n, b->err);
    b->depth++;
    int rc = bind_expr_body(b, blk, n);
    b->depth--;
    return rc;
}

/* ---------------- function calls ---------------- */

/* A FIELD() argument's text: a string literal, or a parameter's value. */
static const char *field_arg(binder *b, const sqlx_node *a, int *unknown) {
    *unknown = 0;
    if (a->kind == N_LIT_STRING)
        return a->text;
    if (a->kind == N_PARAM)
        return bind_param_text(b, "FIELD()", a->name, a->line, a->column, unknown);
    sqlx_error(b->err, RS_EINVAL, a->line, a->column,
               "FIELD() takes strings or parameters: the field's name, or a relation and it");
    return NULL;
}

/* FIELD('a.b') / FIELD('rel', 'a.b') / FIELD(:name): the path the text spells, dots separating
 * its parts, bound like the path written out. Unknown while validating: no path (undefined). */
static int bind_field_function(binder *b, sqlx_block *blk, sqlx_node *n) {
    const char *rel = NULL, *text;
    int unknown = 0;
    if (n->n_list < 1 || n->n_list > 2 || n->star || n->distinct || n->over != NULL)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "function 'FIELD' takes 1 to 2 arguments, got %d", n->n_list);
    if (n->n_list == 2 && (rel = field_arg(b, n->list[0], &unknown)) == NULL)
        return unknown ? 0 : RS_EINVAL;
    if ((text = field_arg(b, n->list[n->n_list - 1], &unknown)) == NULL)
        return unknown ? 0 : RS_EINVAL;
    int parts = (rel != NULL) + 1;
    for (const char *p = text; *p; p++)
        parts += *p == '.';
    sqlx_node *path = sqlx_alloc(b->ctx->arena, sizeof *path);
    const char **names = sqlx_alloc(b->ctx->arena, (size_t)parts * sizeof *names);
    sqlx_node **index = sqlx_alloc(b->ctx->arena, (size_t)parts * sizeof *index);
    if (path == NULL || names == NULL || index == NULL)
        return nomem(b->err);
    int k = 0;
    if (rel != NULL)
        names[k++] = rel;
    for (const char *p = text;; p++) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if ((names[k++] = sqlx_strndup(b->ctx->arena, p, len)) == NULL)
            return nomem(b->err);
        if (dot == NULL)
            break;
        p = dot;
    }
    path->kind = N_PATH;
    path->line = n->line;
    path->column = n->column;
    path->names = names;
    path->index = index;
    path->n_parts = k;
    n->bound_path = path;
    return bind_expr(b, blk, path);
}

/* GROUPING(a, b, ...): each argument one of the GROUP BY expressions. */
static int bind_grouping(binder *b, sqlx_block *blk, sqlx_node *n) {
    const sqlx_select *s = blk->sel;
    if (s == NULL || !s->grouped)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "GROUPING() is only allowed in a query with GROUP BY");
    if (n->n_list < 1 || n->n_list > 62 || n->star || n->distinct)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "GROUPING() takes 1 to 62 GROUP BY expressions");
    int alias = blk->alias_sel != NULL;
    for (int i = 0; i < n->n_list; i++) {
        int rc = bind_expr(b, blk, n->list[i]), found = 0;
        if (rc)
            return rc;
        for (int k = 0; k < s->n_group && !found; k++) {
            int key_alias;
            const sqlx_node *key = sqlx_bound_target(s, s->group[k], &key_alias);
            found = sqlx_bound_same(n->list[i], alias, key, key_alias);
        }
        if (!found)
            return sqlx_error(b->err, RS_EINVAL, n->list[i]->line, n->list[i]->column,
                              "GROUPING() arguments must be GROUP BY expressions");
    }
    return 0;
}

static int arity_error(binder *b, const sqlx_node *n, const rt_function *f, const char *upper) {
    if (f->min_args == f->max_args)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "function '%s' takes %d argument%s, got %d", upper, f->min_args,
                          f->min_args == 1 ? "" : "s", n->n_list);
    if (f->max_args < 0)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "function '%s' takes at least %d argument%s, got %d", upper, f->min_args,
                          f->min_args == 1 ? "" : "s", n->n_list);
    return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                      "function '%s' takes %d to %d arguments, got %d", upper, f->min_args,
                      f->max_args, n->n_list);
}

/* OVER (PARTITION BY ... ORDER BY ... frame): its keys read the rows as the call does. */
static int bind_over(binder *b, sqlx_block *blk, sqlx_window *w) {
    int rc = bind_list(b, blk, w->partition, w->n_partition);
    for (int i = 0; !rc && i < w->n_order; i++)
        rc = bind_expr(b, blk, w->order[i].expr);
    if (!rc && w->range_offset && w->n_order != 1)
        return sqlx_error(b->err, RS_EINVAL, 0, 0,
                          "a RANGE frame with an offset needs exactly one ORDER BY value");
    return rc;
}

static int bind_window_call(binder *b, sqlx_block *blk, sqlx_node *n, const rt_function *f,
                            const char *upper) {
    if (f->kind != RT_WINDOW && f->kind != RT_AGGREGATE)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "%s is not an aggregate or window function: OVER is not allowed", upper);
    if (n->distinct)
        return sqlx_error(b->err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: DISTINCT in window function '%s' is not supported by "
                          "rockset-local",
                          upper);
    int rc = n->star ? 0 : bind_list(b, blk, n->list, n->n_list);
    return rc ? rc : bind_over(b, blk, n->over);
}

/* ARRAY_AGG(x ORDER BY k ... LIMIT n OFFSET m): the only aggregate with an order. */
static int bind_sorted_aggregate(binder *b, sqlx_block *blk, sqlx_node *n, const char *upper) {
    if (strcmp(upper, "ARRAY_AGG") != 0)
        return sqlx_error(b->err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: ORDER BY, LIMIT and OFFSET inside '%s' are not "
                          "supported by rockset-local (only in ARRAY_AGG)",
                          upper);
    if (n->n_agg_order > 16)
        return sqlx_error(b->err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: ARRAY_AGG with more than 16 ORDER BY keys");
    int rc = bind_expr(b, blk, n->list[0]);
    for (int i = 0; !rc && i < n->n_agg_order; i++)
        rc = bind_expr(b, blk, n->agg_order[i].expr);
    if (!rc && n->agg_limit != NULL)
        rc = bind_expr(b, blk, n->agg_limit);
    if (!rc && n->agg_offset != NULL)
        rc = bind_expr(b, blk, n->agg_offset);
    return rc;
}

/* An aggregate folds the input rows, so inside its arguments a name is a field of those rows,
 * never a select alias (`SELECT MAX(d) AS d ... ORDER BY MAX(d)`), and no aggregate nests. */
static int bind_aggregate(binder *b, sqlx_block *blk, sqlx_node *n, const char *upper) {
    if (blk->in_aggregate_arg)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "aggregate function '%s' cannot be nested inside another aggregate",
                          upper);
    if (n->star && strcasecmp(n->name, "COUNT") != 0)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "%s(*) is not valid; only COUNT(*)", upper);
    if (n->star)
        return 0;
    if (n->distinct && n->n_list != 1)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "DISTINCT takes exactly one argument in '%s'", upper);
    const sqlx_select *aliases = blk->alias_sel;
    blk->alias_sel = NULL;
    blk->in_aggregate_arg = 1;
    int rc = n->n_agg_order || n->agg_limit != NULL || n->agg_offset != NULL
                 ? bind_sorted_aggregate(b, blk, n, upper)
                 : bind_list(b, blk, n->list, n->n_list);
    blk->in_aggregate_arg = 0;
    blk->alias_sel = aliases;
    return rc;
}

static int bind_func(binder *b, sqlx_block *blk, sqlx_node *n) {
    char upper[64];
    const rt_function *f = rt_catalog_find(n->name);
    upper_copy(upper, sizeof upper, n->name);
    if (f == NULL && strcmp(upper, "FIELD") == 0)
        return bind_field_function(b, blk, n);
    if (f == NULL && n->over == NULL && strcmp(upper, "GROUPING") == 0)
        return bind_grouping(b, blk, n);
    if ((f == NULL || f->kind == RT_EMITTED) && (f == NULL || strcmp(upper, "IF") != 0))
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column, "unknown function '%s'", upper);
    if (!n->star && (n->n_list < f->min_args || (f->max_args >= 0 && n->n_list > f->max_args)))
        return arity_error(b, n, f, upper);
    n->fn = f;
    if (n->over != NULL)
        return bind_window_call(b, blk, n, f, upper);
    if (f->kind == RT_WINDOW)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "window function '%s' requires an OVER clause", upper);
    if (f->kind == RT_AGGREGATE)
        return bind_aggregate(b, blk, n, upper);
    if (n->distinct || n->star)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "%s is not an aggregate: DISTINCT and * are not allowed", upper);
    return bind_list(b, blk, n->list, n->n_list);
}

/* ---------------- the select list ---------------- */

/* A '*' item: every relation of this FROM, one named relation's document, or (name.* where
 * name is no relation, x.y.*) the members of an object field. */
static int bind_star(binder *b, sqlx_block *blk, sqlx_node *star) {
    sqlx_block *owner;
    if (star->a != NULL)
        return bind_expr(b, blk, star->a);
    if (star->name != NULL && find_rte(blk, star->name, &owner) == NULL) {
        sqlx_node *path = sqlx_alloc(b->ctx->arena, sizeof *path);
        const char **names = sqlx_alloc(b->ctx->arena, sizeof *names);
        sqlx_node **index = sqlx_alloc(b->ctx->arena, sizeof *index);
        if (path == NULL || names == NULL || index == NULL)
            return nomem(b->err);
        names[0] = star->name;
        path->kind = N_PATH;
        path->line = star->line;
        path->column = star->column;
        path->names = names;
        path->index = index;
        path->n_parts = 1;
        star->bound_path = path;
        return bind_expr(b, blk, path);
    }
    for (int i = 0; i < blk->n_rels; i++)
        if (star->name == NULL ||
            (blk->rels[i]->name != NULL && strcmp(blk->rels[i]->name, star->name) == 0))
            return 0;
    if (star->name != NULL)
        return sqlx_error(b->err, RS_EINVAL, star->line, star->column,
                          "'%s.*': no relation named '%s' in FROM", star->name, star->name);
    return sqlx_error(b->err, RS_EINVAL, star->line, star->column, "SELECT * needs a FROM clause");
}

int bind_items(binder *b, sqlx_block *blk, const sqlx_select *s, bind_mode mode) {
    (void)mode;
    for (int i = 0; i < s->n_items; i++) {
        sqlx_node *e = s->items[i].expr;
        int rc = e->kind == N_STAR ? bind_star(b, blk, e) : bind_expr(b, blk, e);
        if (rc)
            return rc;
    }
    return 0;
}
