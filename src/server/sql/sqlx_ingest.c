/* sqlx_ingest.c - see sqlx_ingest.h. The checks walk the parsed query; the statements are new
 * ASTs built from its nodes and printed by the query emitter, so a transformation means exactly
 * what the same expressions mean in a query. */
#include "sqlx_ingest.h"
#include "sqlx_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_KEYS  64
#define MAX_AGGS  128
#define MAX_PARTS (2 * MAX_AGGS)

/* How a rollup keeps one aggregate: its partials (the call itself, or AVG's SUM and COUNT, or
 * a _BY's value and its key's extreme) and the aggregate that combines two partials. */
typedef struct recipe {
    const char *name;
    const char *merge; /* combines partial 0; a _BY merge also reads partial 1 as its key */
    const char *key;   /* MIN_BY/MAX_BY: partial 1 is key(k), merged with the same function */
} recipe;

static const recipe recipes[] = {
    {"COUNT", "SUM", NULL},
    {"COUNT_IF", "SUM", NULL},
    {"SUM", "SUM", NULL},
    {"AVG", "SUM", NULL}, /* partials SUM(x), COUNT(x): built in add_parts */
    {"MIN", "MIN", NULL},
    {"MAX", "MAX", NULL},
    {"MIN_BY", "MIN_BY", "MIN"},
    {"MAX_BY", "MAX_BY", "MAX"},
    {"BOOL_AND", "BOOL_AND", NULL},
    {"EVERY", "BOOL_AND", NULL},
    {"BOOL_OR", "BOOL_OR", NULL},
    {"ARBITRARY", "ARBITRARY", NULL},
    {"ANY_VALUE", "ARBITRARY", NULL},
    {"BITWISE_AND_AGG", "BITWISE_AND_AGG", NULL},
    {"BITWISE_OR_AGG", "BITWISE_OR_AGG", NULL},
};

#define SUPPORTED_LIST                                                                           \
    "COUNT, COUNT_IF, SUM, AVG, MIN, MAX, MIN_BY, MAX_BY, BOOL_AND, EVERY, BOOL_OR, ARBITRARY, " \
    "ANY_VALUE, BITWISE_AND_AGG, BITWISE_OR_AGG"

typedef struct agg_use {
    const sqlx_node *call;
    const recipe *how;
    int first; /* index of its first partial */
} agg_use;

typedef struct ictx {
    sqlx_arena *a;
    const sqlx_select *s;
    const sqlx_node *keys[MAX_KEYS];
    const char *key_alias[MAX_KEYS]; /* the select alias a GROUP BY named, or NULL */
    int n_keys;
    agg_use aggs[MAX_AGGS];
    int n_aggs;
    sqlx_node *parts[MAX_PARTS]; /* partial aggregates over the raw documents */
    int n_parts;
    rs_err *err;
} ictx;

static int nomem(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

static int refuse(rs_err *err, int line, int column, const char *what) {
    return sqlx_error(err, RS_EINVAL, line, column, "%s is not allowed in an ingest transformation",
                      what);
}

static const char *part_name(sqlx_arena *a, char prefix, int i) {
    char tmp[16];
    snprintf(tmp, sizeof tmp, "%c%d", prefix, i);
    return sqlx_strndup(a, tmp, strlen(tmp));
}

/* ---------------- the checks every transformation passes ---------------- */

/* Subqueries, parameters and window functions, anywhere in e; *has_agg set by an aggregate. */
static int check_expr(const sqlx_node *e, int *has_agg, rs_err *err) {
    int rc = 0;
    if (e == NULL)
        return 0;
    if (e->kind == N_SUBQUERY || e->kind == N_EXISTS || e->kind == N_INSUB || e->sub != NULL)
        return refuse(err, e->line, e->column, "a subquery");
    if (e->kind == N_PARAM)
        return sqlx_error(err, RS_EINVAL, e->line, e->column,
                          "an ingest transformation has no parameters: ':%s'", e->name);
    if (e->over != NULL)
        return refuse(err, e->line, e->column, "a window function");
    if (sqlx_is_aggregate_call(e))
        *has_agg = 1;
    rc = check_expr(e->a, has_agg, err);
    if (!rc)
        rc = check_expr(e->b, has_agg, err);
    if (!rc)
        rc = check_expr(e->c, has_agg, err);
    for (int i = 0; !rc && i < e->n_list; i++)
        rc = check_expr(e->list[i], has_agg, err);
    for (int i = 0; !rc && e->kind == N_PATH && i < e->n_parts; i++)
        rc = check_expr(e->index[i], has_agg, err);
    return rc;
}

static int check_from(const sqlx_from *f, const sqlx_select *s, rs_err *err) {
    if (f == NULL)
        return sqlx_error(err, RS_EINVAL, s->line, s->column,
                          "an ingest transformation reads FROM _input");
    if (f->kind == F_JOIN)
        return refuse(err, f->line, f->column, f->join_type ? f->join_type : "JOIN");
    if (f->kind == F_SUBQUERY)
        return refuse(err, f->line, f->column, "a subquery");
    if (f->kind == F_UNNEST)
        return refuse(err, f->line, f->column, "UNNEST");
    if (f->has_sample)
        return refuse(err, f->line, f->column, "TABLESAMPLE");
    if (f->ws != NULL || f->ws_param != NULL || f->name == NULL || strcmp(f->name, "_input") != 0)
        return sqlx_error(err, RS_EINVAL, f->line, f->column,
                          "an ingest transformation reads FROM _input, not '%s%s%s'",
                          f->ws ? f->ws : "", f->ws ? "." : "", f->name ? f->name : "TABLE()");
    return 0;
}

static int check_clauses(const sqlx_select *s, rs_err *err) {
    if (s->n_ctes > 0)
        return refuse(err, s->line, s->column, "WITH");
    if (s->compound_op != NULL)
        return refuse(err, s->line, s->column, s->compound_op);
    if (s->n_order > 0)
        return refuse(err, s->order[0].expr->line, s->order[0].expr->column, "ORDER BY");
    if (s->limit != NULL || s->limit_all)
        return refuse(err, s->limit ? s->limit->line : s->line,
                      s->limit ? s->limit->column : s->column, "LIMIT");
    if (s->offset != NULL)
        return refuse(err, s->offset->line, s->offset->column, "OFFSET");
    if (s->distinct)
        return refuse(err, s->line, s->column, "SELECT DISTINCT");
    if (s->n_gsets > 0)
        return sqlx_error(err, RS_EINVAL, s->line, s->column,
                          "GROUPING SETS, ROLLUP and CUBE are not allowed in an ingest "
                          "transformation: a rollup keeps one grouping set");
    return check_from(s->from, s, err);
}

/* Every check that does not depend on whether it is a rollup; *rollup: it is one. */
static int check_query(const sqlx_select *s, int *rollup, rs_err *err) {
    int has_agg = 0, dummy = 0;
    int rc = check_clauses(s, err);
    for (int i = 0; !rc && i < s->n_items; i++)
        rc = check_expr(s->items[i].expr, &has_agg, err);
    if (!rc)
        rc = check_expr(s->where, &dummy, err);
    for (int i = 0; !rc && i < s->n_group; i++)
        rc = check_expr(s->group[i], &dummy, err);
    if (!rc)
        rc = check_expr(s->having, &has_agg, err);
    for (int i = 0; !rc && i < s->n_cluster; i++)
        rc = check_expr(s->cluster[i], &dummy, err);
    *rollup = s->grouped || has_agg;
    if (!rc && s->having != NULL && !*rollup)
        rc = sqlx_error(err, RS_EINVAL, s->having->line, s->having->column,
                        "HAVING needs GROUP BY or an aggregate (a rollup)");
    return rc;
}

/* ---------------- a rollup's keys and aggregates ---------------- */

/* GROUP BY's expression: ordinals and select aliases name the item. */
static int add_key(ictx *c, const sqlx_node *g) {
    const sqlx_select *s = c->s;
    const char *alias = NULL;
    if (c->n_keys == MAX_KEYS)
        return sqlx_error(c->err, RS_EINVAL, g->line, g->column,
                          "a rollup groups by at most %d expressions", MAX_KEYS);
    if (g->kind == N_LIT_INT) {
        int rc = 0;
        const sqlx_node *item = sqlx_ordinal_item(s, g, c->err, &rc);
        if (item == NULL)
            return rc;
        for (int i = 0; i < s->n_items; i++)
            if (s->items[i].expr == item)
                alias = s->items[i].alias;
        g = item;
    } else if (g->kind == N_PATH && g->n_parts == 1 && g->names[0] != NULL) {
        for (int i = 0; i < s->n_items; i++)
            if (s->items[i].alias != NULL && strcmp(s->items[i].alias, g->names[0]) == 0) {
                alias = s->items[i].alias;
                g = s->items[i].expr;
                break;
            }
    }
    if (sqlx_is_aggregate_call(g))
        return sqlx_error(c->err, RS_EINVAL, g->line, g->column,
                          "aggregate functions are not allowed in GROUP BY");
    c->key_alias[c->n_keys] = alias;
    c->keys[c->n_keys++] = g;
    return 0;
}

static const recipe *recipe_of(const char *name) {
    for (size_t i = 0; i < sizeof recipes / sizeof recipes[0]; i++)
        if (strcasecmp(recipes[i].name, name) == 0)
            return &recipes[i];
    return NULL;
}

/* The partial aggregates of one aggregate call over the raw documents. */
static int add_parts(ictx *c, agg_use *u) {
    sqlx_node *call = (sqlx_node *)u->call;
    sqlx_node *first = call, *second = NULL;
    if (c->n_parts + 2 > MAX_PARTS)
        return sqlx_error(c->err, RS_EINVAL, call->line, call->column,
                          "a rollup keeps at most %d aggregates", MAX_AGGS);
    if (strcasecmp(u->how->name, "AVG") == 0) {
        first = sqlx_node_call(c->a, "SUM", call->list[0], NULL, call);
        second = sqlx_node_call(c->a, "COUNT", call->list[0], NULL, call);
    } else if (u->how->key != NULL) {
        second = sqlx_node_call(c->a, u->how->key, call->list[1], NULL, call);
    }
    if (first == NULL || (second == NULL && (u->how->key || first != call)))
        return nomem(c->err);
    u->first = c->n_parts;
    c->parts[c->n_parts++] = first;
    if (second != NULL)
        c->parts[c->n_parts++] = second;
    return 0;
}

static int check_aggregate(ictx *c, const sqlx_node *call, const recipe **how) {
    int nested = 0;
    *how = recipe_of(call->name);
    if (*how == NULL)
        return sqlx_error(c->err, RS_EINVAL, call->line, call->column,
                          "%s is not supported in a rollup (supported: " SUPPORTED_LIST ")",
                          call->name);
    if (call->distinct)
        return sqlx_error(c->err, RS_EINVAL, call->line, call->column,
                          "%s(DISTINCT ...) is not supported in a rollup", call->name);
    if (call->n_agg_order > 0 || call->agg_limit != NULL)
        return sqlx_error(c->err, RS_EINVAL, call->line, call->column,
                          "ORDER BY inside %s is not supported in a rollup", call->name);
    for (int i = 0; i < call->n_list; i++)
        check_expr(call->list[i], &nested, NULL);
    if (nested)
        return sqlx_error(c->err, RS_EINVAL, call->line, call->column,
                          "aggregate calls cannot be nested: %s(...) has an aggregate inside",
                          call->name);
    return 0;
}

/* The index of call in c->aggs, registering it (and its partials) when new; -1 on error. */
static int agg_index(ictx *c, const sqlx_node *call) {
    const recipe *how;
    for (int i = 0; i < c->n_aggs; i++)
        if (sqlx_same_node(c->aggs[i].call, call))
            return i;
    if (check_aggregate(c, call, &how))
        return -1;
    if (c->n_aggs == MAX_AGGS) {
        sqlx_error(c->err, RS_EINVAL, call->line, call->column,
                   "a rollup keeps at most %d aggregates", MAX_AGGS);
        return -1;
    }
    agg_use *u = &c->aggs[c->n_aggs];
    u->call = call;
    u->how = how;
    if (add_parts(c, u))
        return -1;
    return c->n_aggs++;
}

/* An aggregate's value read from the partials of a state row. */
static sqlx_node *agg_final(ictx *c, const agg_use *u) {
    sqlx_arena *a = c->a;
    const sqlx_node *at = u->call;
    sqlx_node *p = sqlx_node_path(a, part_name(a, 'p', u->first), NULL, at);
    if (p == NULL || strcasecmp(u->how->name, "AVG") != 0)
        return p;
    /* AVG = SUM / COUNT as a float; no values: null */
    sqlx_node *cast = sqlx_node_new(a, N_CAST, at), *div = sqlx_node_new(a, N_BINARY, at);
    sqlx_node *count = sqlx_node_path(a, part_name(a, 'p', u->first + 1), NULL, at);
    sqlx_node *zero = sqlx_node_new(a, N_LIT_INT, at);
    if (cast == NULL || div == NULL || count == NULL || zero == NULL)
        return NULL;
    cast->name = "float";
    cast->a = p;
    zero->text = "0";
    div->op = "/";
    div->a = cast;
    div->b = sqlx_node_call(a, "NULLIF", count, zero, at);
    return div->b ? div : NULL;
}

static int key_index(const ictx *c, const sqlx_node *e) {
    for (int i = 0; i < c->n_keys; i++)
        if (sqlx_same_node(c->keys[i], e))
            return i;
    return -1;
}

static int ungrouped(ictx *c, const sqlx_node *e) {
    return sqlx_error(c->err, RS_EINVAL, e->line, e->column,
                      "field '%s' is neither grouped nor aggregated: a rollup's select list "
                      "holds GROUP BY expressions and aggregates",
                      e->names[0] ? e->names[0] : "?");
}

/* e over a state row: keys read as k<i>, aggregates from their partials. NULL on error. */
static sqlx_node *rewrite(ictx *c, const sqlx_node *e) {
    int k;
    if (e == NULL)
        return NULL;
    if ((k = key_index(c, e)) >= 0)
        return sqlx_node_path(c->a, part_name(c->a, 'k', k), NULL, e);
    if (sqlx_is_aggregate_call(e)) {
        int i = agg_index(c, e);
        return i < 0 ? NULL : agg_final(c, &c->aggs[i]);
    }
    if (e->kind == N_PATH) {
        ungrouped(c, e);
        return NULL;
    }
    if (e->kind == N_STAR) {
        sqlx_error(c->err, RS_EINVAL, e->line, e->column,
                   "SELECT * is not allowed in a rollup: every field must be grouped or "
                   "aggregated");
        return NULL;
    }
    sqlx_node *n = sqlx_node_new(c->a, e->kind, e);
    if (n == NULL) {
        nomem(c->err);
        return NULL;
    }
    *n = *e;
    if ((e->a && !(n->a = rewrite(c, e->a))) || (e->b && !(n->b = rewrite(c, e->b))) ||
        (e->c && !(n->c = rewrite(c, e->c))))
        return NULL;
    if (e->n_list > 0) {
        n->list = sqlx_alloc(c->a, (size_t)e->n_list * sizeof *n->list);
        if (n->list == NULL) {
            nomem(c->err);
            return NULL;
        }
        for (int i = 0; i < e->n_list; i++)
            if (e->list[i] && !(n->list[i] = rewrite(c, e->list[i])))
                return NULL;
    }
    return n;
}

/* ---------------- emitting ---------------- */

typedef struct input_rel {
    const char *table;
} input_rel;

static int resolve_input(void *ctx, const char *ws, const char *name, sqlx_relation *out,
                         rs_err *err) {
    const input_rel *in = ctx;
    memset(out, 0, sizeof *out);
    if (strcmp(name, "_input") != 0 || strcmp(ws, "commons") != 0)
        return rs_err_set(err, RS_EINVAL, "an ingest transformation reads FROM _input, not '%s'",
                          name);
    out->kind = SQLX_REL_COLLECTION;
    snprintf(out->table, sizeof out->table, "%s", in->table);
    snprintf(out->canonical, sizeof out->canonical, "commons._input");
    return 0;
}

static int emit(sqlx_arena *a, sqlx_select *s, const char *table, char **out, rs_err *err) {
    input_rel in = {table};
    sqlx_ctx ctx;
    rs_buf b = RS_BUF_INIT;
    sqlx_ctx_init(&ctx, resolve_input, &in, NULL, a);
    int rc = sqlx_translate_select(&ctx, s, -1, &b, err);
    if (rc == 0 && (*out = rs_buf_detach(&b)) == NULL)
        rc = nomem(err);
    rs_buf_free(&b);
    sqlx_ctx_free(&ctx);
    return rc;
}

static sqlx_from *input_from(sqlx_arena *a, const sqlx_from *like) {
    sqlx_from *f = sqlx_alloc(a, sizeof *f);
    if (f != NULL) {
        *f = *like;
        f->alias = NULL;
    }
    return f;
}

/* A select of n items over the same FROM as s. */
static sqlx_select *new_select(sqlx_arena *a, const sqlx_select *s, int n) {
    sqlx_select *t = sqlx_alloc(a, sizeof *t);
    if (t == NULL)
        return NULL;
    t->line = s->line;
    t->column = s->column;
    t->items = sqlx_alloc(a, (size_t)(n > 0 ? n : 1) * sizeof *t->items);
    t->from = input_from(a, s->from);
    return t->items && t->from ? t : NULL;
}

static int set_item(sqlx_select *t, sqlx_node *e, const char *alias) {
    if (e == NULL || alias == NULL)
        return 0;
    t->items[t->n_items].expr = e;
    t->items[t->n_items++].alias = alias;
    return 1;
}

/* part: g, k<i>, p<j> per group of raw documents, WHERE as written, groups with a document. */
static sqlx_select *part_select(ictx *c) {
    sqlx_arena *a = c->a;
    const sqlx_select *s = c->s;
    sqlx_select *t = new_select(a, s, 1 + c->n_keys + c->n_parts);
    sqlx_node *g = sqlx_node_new(a, N_ARRAY, NULL), *count = sqlx_node_new(a, N_FUNC, NULL);
    sqlx_node *gt = sqlx_node_new(a, N_BINARY, NULL), *zero = sqlx_node_new(a, N_LIT_INT, NULL);
    if (t == NULL || g == NULL || count == NULL || gt == NULL || zero == NULL)
        return NULL;
    g->list = (sqlx_node **)c->keys;
    g->n_list = c->n_keys;
    t->where = s->where;
    t->group = (sqlx_node **)c->keys;
    t->n_group = c->n_keys;
    t->grouped = 1;
    count->name = "COUNT";
    count->star = 1;
    zero->text = "0";
    gt->op = ">";
    gt->a = count;
    gt->b = zero;
    t->having = gt; /* no row for an ungrouped rollup whose batch passed no document */
    if (!set_item(t, g, "g"))
        return NULL;
    for (int i = 0; i < c->n_keys; i++)
        if (!set_item(t, (sqlx_node *)c->keys[i], part_name(a, 'k', i)))
            return NULL;
    for (int i = 0; i < c->n_parts; i++)
        if (!set_item(t, c->parts[i], part_name(a, 'p', i)))
            return NULL;
    return t;
}

/* merge: two state rows of one group into one (grouped by its keys, kept as they are). */
static sqlx_select *merge_select(ictx *c) {
    sqlx_arena *a = c->a;
    sqlx_select *t = new_select(a, c->s, 1 + c->n_keys + c->n_parts);
    sqlx_node **group = sqlx_alloc(a, (size_t)(1 + c->n_keys) * sizeof *group);
    if (t == NULL || group == NULL)
        return NULL;
    t->group = group;
    t->grouped = 1;
    for (int i = 0; i <= c->n_keys; i++) {
        const char *name = i == 0 ? "g" : part_name(a, 'k', i - 1);
        sqlx_node *path = sqlx_node_path(a, name ? name : "", NULL, NULL);
        group[t->n_group++] = path;
        if (!set_item(t, path, name))
            return NULL;
    }
    for (int u = 0; u < c->n_aggs; u++) {
        const agg_use *use = &c->aggs[u];
        int p = use->first;
        sqlx_node *x = sqlx_node_path(a, part_name(a, 'p', p), NULL, NULL);
        sqlx_node *y = sqlx_node_path(a, part_name(a, 'p', p + 1), NULL, NULL);
        int by = use->how->key != NULL, avg = strcasecmp(use->how->name, "AVG") == 0;
        if (!set_item(t, sqlx_node_call(a, use->how->merge, x, by ? y : NULL, NULL),
                      part_name(a, 'p', p)))
            return NULL;
        if ((by || avg) &&
            !set_item(t, sqlx_node_call(a, by ? use->how->key : "SUM", y, NULL, NULL),
                      part_name(a, 'p', p + 1)))
            return NULL;
    }
    return t;
}

/* final: the group's document from its state; HAVING as its WHERE. */
static sqlx_select *final_select(ictx *c) {
    const sqlx_select *s = c->s;
    sqlx_select *t = new_select(c->a, s, s->n_items + 1);
    if (t == NULL) {
        nomem(c->err);
        return NULL;
    }
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_item *it = &s->items[i];
        const char *name = sqlx_item_name(c->a, it, i);
        if (name != NULL && strcmp(name, "_id") == 0) {
            sqlx_error(c->err, RS_EINVAL, it->expr->line, it->expr->column,
                       "a rollup's _id is made by Rockset from its group: it cannot be selected");
            return NULL;
        }
        int k = -1;
        for (int j = 0; j < c->n_keys && k < 0 && it->alias; j++)
            if (c->key_alias[j] != NULL && strcmp(c->key_alias[j], it->alias) == 0)
                k = j;
        sqlx_node *e = k >= 0 ? sqlx_node_path(c->a, part_name(c->a, 'k', k), NULL, it->expr)
                              : rewrite(c, it->expr);
        if (e == NULL || !set_item(t, e, name)) {
            if (c->err == NULL || c->err->code == 0)
                nomem(c->err);
            return NULL;
        }
    }
    if (s->having != NULL && (t->where = rewrite(c, s->having)) == NULL)
        return NULL;
    /* last: the group's key array, so that a batch of groups finalized at once is told apart */
    if (!set_item(t, sqlx_node_path(c->a, "g", NULL, NULL), SQLX_INGEST_GROUP_FIELD)) {
        nomem(c->err);
        return NULL;
    }
    return t;
}

static int compile_rollup(ictx *c, const char *input_table, const char *batch_table,
                          sqlx_ingest *out) {
    int rc = 0;
    for (int i = 0; !rc && i < c->s->n_group; i++)
        rc = add_key(c, c->s->group[i]);
    if (rc)
        return rc;
    sqlx_select *fin = final_select(c); /* first: it registers the aggregates */
    if (fin == NULL)
        return c->err && c->err->code ? c->err->code : nomem(c->err);
    sqlx_select *part = part_select(c), *merge = merge_select(c);
    if (part == NULL || merge == NULL)
        return nomem(c->err);
    rc = emit(c->a, fin, input_table, &out->final_sql, c->err);
    if (!rc)
        rc = emit(c->a, part, batch_table, &out->part_sql, c->err);
    if (!rc)
        rc = emit(c->a, merge, input_table, &out->merge_sql, c->err);
    out->n_keys = c->n_keys;
    return rc;
}

int sqlx_ingest_compile(const char *sql, const char *input_table, const char *batch_table,
                        sqlx_ingest *out, rs_err *err) {
    sqlx_arena arena = {NULL, 0};
    sqlx_ast ast;
    sqlx_ingest ing;
    rs_err local;
    int rc;
    if (err == NULL)
        err = &local;
    rs_err_clear(err);
    memset(&ing, 0, sizeof ing);
    memset(out, 0, sizeof *out);
    rc = sqlx_parse(sql ? sql : "", &arena, &ast, err);
    if (!rc && (ast.kind != SQLX_SELECT || ast.explain))
        rc = sqlx_error(err, RS_EINVAL, 1, 1, "an ingest transformation is one SELECT");
    if (!rc)
        rc = check_query(ast.sel, &ing.rollup, err);
    if (!rc && ing.rollup) {
        ictx *c = calloc(1, sizeof *c);
        if (c == NULL)
            rc = nomem(err);
        else {
            c->a = &arena;
            c->s = ast.sel;
            c->err = err;
            rc = compile_rollup(c, input_table, batch_table, &ing);
            free(c);
        }
    } else if (!rc) {
        ast.sel->n_cluster = 0; /* storage order: nothing to apply here */
        rc = emit(&arena, ast.sel, input_table, &ing.map_sql, err);
    }
    if (!rc && arena.oom)
        rc = nomem(err);
    if (!rc) {
        *out = ing;
        memset(&ing, 0, sizeof ing);
    }
    sqlx_ingest_free(&ing);
    sqlx_arena_free(&arena);
    return rc;
}

void sqlx_ingest_free(sqlx_ingest *ing) {
    if (ing == NULL)
        return;
    free(ing->map_sql);
    free(ing->part_sql);
    free(ing->merge_sql);
    free(ing->final_sql);
    memset(ing, 0, sizeof *ing);
}
