/*
 * sqlx_emit.c - turns the AST (sqlx_parse.c) into SQLite SQL over the server's document tables.
 *
 * Every relation in FROM - collection table, subquery, CTE, view - is given an SQLite alias r<N>
 * and exposes one column, `doc` (JSON object text). A field reference becomes a call that digs
 * into that column (the table below is kept out of clang-format's reach):
 */
/* clang-format off */
/*
 *   Rockset                  SQLite emitted
 *   SELECT x FROM ws.c       SELECT rs_project(1,r0.doc,'x','["x"]') AS doc FROM "t_c" AS r0
 *   SELECT x, y + 1 AS z     rs_row(1,'x',rs_get(r0.doc,'x'),'z',rs_add(rs_get(r0.doc,'y'),1))
 *   WHERE a.b[2] > 1         (rs_cmp(rs_get(r0.doc,'a','b',1),1) > 0)      typed comparison
 *   WHERE flag               rs_truth(rs_get(r0.doc,'flag'))               bools are values
 *   SELECT a = 1 AS t        CASE (rs_cmp(..) = 0) WHEN 1 THEN X'74727565' ... END (a bool)
 *   a + b + c                rs_add(a,b,c)                                 flat: SQLite's
 *   x AND y AND z            (x AND y AND z)                               parser stack is
 *                                                                          100 deep
 *   SELECT COUNT(*) FROM t   rs_row(1,'?COUNT',count(*))
 *   SELECT * FROM a JOIN b   rs_merge(1,r0.doc,r2.doc)                     later keys win
 *
 * How each value travels inside SQLite is runtime/value.h's to say; the runtime's functions
 * (server/runtime/catalog.h) do the work.
 */
/* clang-format on */
/*
 * The leading 1/0 argument of rs_row/rs_project/rs_merge/rs_except says whether the row is final
 * output (value.h's API form) or feeds a derived relation (its document form). A field whose
 * value is missing reads as undefined (SQL NULL), which rs_row omits.
 */
#include "server/runtime/catalog.h"
#include "server/runtime/datetime.h"
#include "server/runtime/value.h"
#include "sqlx_int.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_VIEW_DEPTH 16
#define NULL_BLOB      "X'6E756C6C'"
#define TRUE_BLOB      "X'74727565'"
#define FALSE_BLOB     "X'66616C7365'"

typedef struct scope scope;

typedef struct binding {
    const char *name; /* Rockset name: alias, collection name, or NULL */
    int rel;          /* SQLite alias r<rel> */
    /* derived: where its SELECT * looks through to name what it supplies (derived_supplies) */
    sqlx_emit_ctx *ectx;
    scope *where;
    /* what it supplies to unqualified fields (name resolution): */
    const sqlx_select *derived; /* CTE, subquery, view: its output names */
    const sqlx_from *unnest;    /* UNNEST: its names */
    const char *table;          /* collection: asked through has_field */
    int collection;             /* stored documents: each has a string _id */
    int (*has_field)(void *ctx, const char *table, const char *field);
    void *has_field_ctx;
    const char *data_table; /* collection: readable through its field indexes (sqlxlate.h) */
    int (*is_indexed)(void *ctx, const char *data_table, const char *args);
    const sqlx_catalog *catalog; /* collection: its estimates, or NULL */
} binding;

typedef struct cte_binding {
    const char *name;
    int id; /* SQLite name cte<id> (collection tables are c_<uuid>) */
    const sqlx_select *sel;
} cte_binding;

typedef struct scope {
    struct scope *parent;
    binding rels[64];
    int n_rels;
    const char *using_names[32];
    int using_left[32], using_right[32];
    int n_using;
    cte_binding ctes[32];
    int n_ctes;
    /* select aliases usable in ORDER BY / GROUP BY / HAVING; NULL when not active */
    const sqlx_select *alias_sel;
    /* resolving GROUP BY keys: an alias of an aggregate or window function is not one */
    int in_group_by;
    int in_aggregate_arg;
    /* WHERE of the SELECT whose FROM is being emitted: comma joins take keys from it */
    const sqlx_node *where_keys;
    /* the SQLite text of the GROUP BY expressions of this SELECT: a value whose text is one of
     * them is written rs_gkey(...), the group's key, so SQLite returns the group's value */
    const char **group_texts;
    int n_group_texts;
    /* under grouping sets, the GROUP BY expressions this set leaves out: they read as null */
    const char **null_texts;
    int n_null_texts;
    /* every GROUP BY expression's text and whether this set keys on it, for GROUPING() */
    int grouped;
    const char **all_group_texts;
    int n_all_group;
    uint64_t key_mask;
} scope;

typedef enum { MODE_DOC, MODE_SCALAR } sel_mode;

static int emit_val(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err);
static int emit_cond(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err);
static int emit_query(sqlx_emit_ctx *ctx, scope *parent, const sqlx_select *s, sel_mode mode,
                      int final, rs_buf *out, rs_err *err);
static int emit_query_impl(sqlx_emit_ctx *ctx, scope *parent, const sqlx_select *s, sel_mode mode,
                           int final, int top, int64_t default_limit, rs_buf *out, rs_err *err);

/* ---------------- small helpers ---------------- */

static void put_sql_string(rs_buf *out, const char *s) {
    rs_buf_quoted(out, s, strlen(s), '\'');
}

static void put_sql_ident(rs_buf *out, const char *s) {
    rs_buf_quoted(out, s, strlen(s), '"');
}

static void put_blob_literal(rs_buf *out, const char *bytes, size_t len) {
    rs_buf_puts(out, "X'");
    for (size_t i = 0; i < len; i++)
        rs_buf_printf(out, "%02X", (unsigned char)bytes[i]);
    rs_buf_putc(out, '\'');
}

static int nomem(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* A typed value (value.h's blob encoding) as an SQL blob literal. */
static int put_value_literal(rs_buf *out, const rv *v, rs_err *err) {
    rs_buf blob = RS_BUF_INIT;
    if (rv_encode_blob(&blob, v) != 0) {
        rs_buf_free(&blob);
        return nomem(err);
    }
    put_blob_literal(out, blob.data, blob.len);
    rs_buf_free(&blob);
    return 0;
}

static int is_bool_node(const sqlx_node *n);

/* Expressions whose Rockset type is bool by construction: emitted as SQLite truth values. */
static int is_bool_node(const sqlx_node *n) {
    switch (n->kind) {
    case N_LIT_BOOL:
    case N_ISNULL:
    case N_BETWEEN:
    case N_INLIST:
    case N_INSUB:
    case N_LIKE:
    case N_EXISTS:
    case N_DISTINCT:
        return 1;
    case N_UNARY:
        return strcasecmp(n->op, "NOT") == 0;
    case N_BINARY:
        return strchr("=<>", n->op[0]) != NULL || strcmp(n->op, "AND") == 0 ||
               strcmp(n->op, "OR") == 0;
    default:
        return 0;
    }
}

/* ---------------- name resolution ---------------- */

static const binding *find_binding(scope *sc, const char *name, scope **found_in) {
    for (scope *s = sc; s; s = s->parent) {
        for (int i = s->n_rels - 1; i >= 0; i--) {
            if (s->rels[i].name != NULL && strcmp(s->rels[i].name, name) == 0) {
                *found_in = s;
                return &s->rels[i];
            }
        }
    }
    return NULL;
}

static int contains_aggregate(const sqlx_node *n);
static const sqlx_node *first_window_call(const sqlx_node *n);

/* The select item a bare name in GROUP BY / HAVING / ORDER BY names by its alias, or NULL. Rows
 * are grouped before aggregates and window functions are computed, so in GROUP BY the alias of
 * one is not a key: there the name is the input's field (`SELECT MAX(x) AS x ... GROUP BY x`). */
static const sqlx_item *find_select_alias(scope *sc, const sqlx_node *n) {
    if (sc->alias_sel == NULL || n->kind != N_PATH || n->n_parts != 1)
        return NULL;
    for (int i = 0; i < sc->alias_sel->n_items; i++) {
        const sqlx_item *it = &sc->alias_sel->items[i];
        if (it->alias == NULL || strcmp(it->alias, n->names[0]) != 0)
            continue;
        if (sc->in_group_by && (contains_aggregate(it->expr) || first_window_call(it->expr)))
            continue;
        return it;
    }
    return NULL;
}

/* Path steps after the relation: 'name' literals and 0-based index expressions. */
static int emit_path_args(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, int from, rs_buf *out,
                          rs_err *err) {
    for (int i = from; i < n->n_parts; i++) {
        rs_buf_putc(out, ',');
        if (n->names[i] != NULL) {
            put_sql_string(out, n->names[i]);
        } else if (n->index[i]->kind == N_LIT_INT) {
            long long k = strtoll(n->index[i]->text, NULL, 10);
            rs_buf_printf(out, "%lld", k == LLONG_MIN ? k : k - 1); /* as rs_idx0 */
        } else {
            rs_buf_puts(out, "rs_idx0(");
            int rc = emit_val(ctx, sc, n->index[i], out, err);
            if (rc)
                return rc;
            rs_buf_putc(out, ')');
        }
    }
    return 0;
}

typedef enum { SUPPLY_NO = 0, SUPPLY_MAY, SUPPLY_YES } supply;

static const sqlx_select *leftmost_core(const sqlx_select *s);

static supply unnest_supplies(const sqlx_from *u, const char *field);
static const cte_binding *find_cte(scope *sc, const char *name);
static supply derived_supplies(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *with,
                               const sqlx_select *sel, const char *field, int depth);

/* The CTE of with's WITH list called name (the last one of that name), or NULL. */
static const sqlx_select *with_cte(const sqlx_select *with, const char *name) {
    for (int i = with != NULL ? with->n_ctes - 1 : -1; i >= 0; i--)
        if (strcmp(with->ctes[i].name, name) == 0)
            return with->ctes[i].sel;
    return NULL;
}

/* What a FROM subtree supplies to a SELECT * over it: a collection as its documents say (a
 * field no live document has is not supplied), a CTE or subquery as its own items, a join as
 * its sides together. Without a way to know: may. */
static supply from_supplies(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *with,
                            const sqlx_from *f, const char *field, int depth) {
    if (ctx == NULL || f == NULL || depth > 8)
        return SUPPLY_MAY;
    if (f->kind == F_SUBQUERY && f->sub != NULL)
        return derived_supplies(ctx, sc, with, f->sub, field, depth + 1);
    if (f->kind == F_UNNEST)
        return unnest_supplies(f, field);
    if (f->kind == F_JOIN) {
        supply l = from_supplies(ctx, sc, with, f->left, field, depth + 1);
        supply r = from_supplies(ctx, sc, with, f->right, field, depth + 1);
        return l == SUPPLY_YES || r == SUPPLY_YES   ? SUPPLY_YES
               : l == SUPPLY_MAY || r == SUPPLY_MAY ? SUPPLY_MAY
                                                    : SUPPLY_NO;
    }
    if (f->kind != F_TABLE || f->name == NULL || f->name_param != NULL)
        return SUPPLY_MAY;
    const sqlx_select *local = f->ws ? NULL : with_cte(with, f->name);
    if (local != NULL)
        return derived_supplies(ctx, sc, with, local, field, depth + 1);
    const cte_binding *cte = f->ws ? NULL : find_cte(sc, f->name);
    if (cte != NULL)
        return derived_supplies(ctx, sc, NULL, cte->sel, field, depth + 1);
    sqlx_relation rel;
    supply answer = SUPPLY_MAY;
    rs_err ignored; /* a name that does not resolve fails later, where it is emitted */
    memset(&rel, 0, sizeof rel);
    rs_err_clear(&ignored);
    if (ctx->resolve(ctx->resolve_ctx, f->ws ? f->ws : "commons", f->name, &rel, &ignored) == 0) {
        sqlx_ast view_ast;
        if (rel.kind == SQLX_REL_COLLECTION && rel.has_field != NULL) {
            int has = rel.has_field(rel.has_field_ctx, rel.table, field);
            answer = has > 0 ? SUPPLY_YES : has == 0 ? SUPPLY_NO : SUPPLY_MAY;
        } else if (rel.kind == SQLX_REL_VIEW && rel.view_sql != NULL &&
                   sqlx_parse(rel.view_sql, ctx->arena, &view_ast, &ignored) == 0 &&
                   view_ast.kind == SQLX_SELECT) {
            /* a view: what its own SELECT supplies (dbt's staging views) */
            answer = derived_supplies(ctx, NULL, NULL, view_ast.sel, field, depth + 1);
        }
    }
    free(rel.view_sql);
    return answer;
}

/* A derived relation supplies exactly its output names; a '*' item what its FROM supplies
 * (from_supplies), except the names it leaves out. */
static supply derived_supplies(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *with,
                               const sqlx_select *sel, const char *field, int depth) {
    const sqlx_select *core = leftmost_core(sel);
    supply answer = SUPPLY_NO;
    if (sel->n_ctes > 0) /* its own WITH list names its FROM's CTEs */
        with = sel;
    for (int i = 0; i < core->n_items; i++) {
        const sqlx_item *it = &core->items[i];
        const sqlx_node *e = it->expr;
        const char *name = it->alias;
        if (e->kind == N_STAR && answer != SUPPLY_YES) {
            int left_out = 0;
            for (int k = 0; k < e->n_except; k++)
                left_out |= strcmp(e->except[k], field) == 0;
            supply star = left_out ? SUPPLY_NO
                          : e->name == NULL && e->a == NULL
                              ? from_supplies(ctx, sc, with, core->from, field, depth)
                              : SUPPLY_MAY;
            if (star == SUPPLY_YES)
                return SUPPLY_YES;
            if (star == SUPPLY_MAY)
                answer = SUPPLY_MAY;
        }
        if (name == NULL && e->kind == N_PATH)
            name = e->names[e->n_parts - 1];
        if (name != NULL && strcmp(name, field) == 0)
            return SUPPLY_YES;
    }
    return answer;
}

static supply unnest_supplies(const sqlx_from *u, const char *field) {
    supply answer = SUPPLY_NO;
    if (u->ordinality != NULL && strcmp(u->ordinality, field) == 0)
        return SUPPLY_YES;
    for (int i = 0; i < u->n_arrays; i++) {
        if (u->names[i] == NULL) /* the elements' own members, or 'unnest' */
            answer = SUPPLY_MAY;
        else if (strcmp(u->names[i], field) == 0)
            return SUPPLY_YES;
    }
    return answer;
}

static supply binding_supplies(const binding *b, const char *field) {
    if (b->derived != NULL)
        return derived_supplies(b->ectx, b->where, NULL, b->derived, field, 0);
    if (b->unnest != NULL)
        return unnest_supplies(b->unnest, field);
    if (b->has_field != NULL) {
        int has = b->has_field(b->has_field_ctx, b->table, field);
        return has > 0 ? SUPPLY_YES : has == 0 ? SUPPLY_NO : SUPPLY_MAY;
    }
    return SUPPLY_MAY;
}

static int any_outer_relation(const scope *s) {
    for (s = s->parent; s != NULL; s = s->parent)
        if (s->n_rels > 0)
            return 1;
    return 0;
}

/* resolve_unqualified's answer when more than one relation may supply the field. */
#define AMBIGUOUS 1

/* The relation an unqualified field reads (docs/sql-subset.md, name resolution): in the
 * innermost scope that has one, the single relation that certainly supplies it, else the single
 * one that may; none anywhere: *rel = -1 (undefined), unless the innermost FROM has only one
 * relation, which then reads it. first is the innermost scope with relations. 0, or AMBIGUOUS
 * when two relations of one scope may supply it (the caller decides what that means). */
static int resolve_unqualified(scope *first, const char *field, int *rel) {
    if (first->n_rels == 1 && !any_outer_relation(first)) {
        *rel = first->rels[0].rel;
        return 0;
    }
    for (scope *s = first; s != NULL; s = s->parent) {
        int yes = 0, may = 0, yes_at = -1, may_at = -1;
        for (int i = 0; i < s->n_rels; i++) {
            supply v = binding_supplies(&s->rels[i], field);
            if (v == SUPPLY_YES)
                yes++, yes_at = i;
            else if (v == SUPPLY_MAY)
                may++, may_at = i;
        }
        if (yes > 1 || (yes == 0 && may > 1))
            return AMBIGUOUS;
        if (yes == 1 || may == 1) {
            *rel = s->rels[yes == 1 ? yes_at : may_at].rel;
            return 0;
        }
    }
    *rel = first->n_rels == 1 ? first->rels[0].rel : -1;
    return 0;
}

/* A bare name that names a relation but is certainly a field of a relation of that relation's
 * query or of a nearer one reads that field, as in Rockset: `WITH strict AS (SELECT strict
 * FROM ...) SELECT strict FROM strict` reads the field; `_id IN (SELECT cust FROM ord)` inside
 * `FROM cust` reads ord.cust. Only when no relation has such a field is it the relation. */
static int field_shadows_relation(scope *sc, const scope *owner, const char *name) {
    for (scope *s = sc; s != NULL; s = s->parent) {
        for (int i = 0; i < s->n_rels; i++)
            if (binding_supplies(&s->rels[i], name) == SUPPLY_YES)
                return 1;
        if (s == owner)
            break;
    }
    return 0;
}

/* The unaliased path item of the active select list (GROUP BY / HAVING / ORDER BY) whose output
 * name, its last step, is name; NULL when there is none or several that differ. A bare item
 * (`SELECT name`) is left out: it is the very field being resolved. */
static const sqlx_item *find_output_name(const scope *sc, const char *name) {
    const sqlx_item *found = NULL;
    for (int i = 0; sc->alias_sel != NULL && i < sc->alias_sel->n_items; i++) {
        const sqlx_item *it = &sc->alias_sel->items[i];
        const sqlx_node *e = it->expr;
        if (it->alias != NULL || e->kind != N_PATH || e->n_parts < 2 ||
            e->names[e->n_parts - 1] == NULL || strcmp(e->names[e->n_parts - 1], name) != 0)
            continue;
        if (found != NULL && !sqlx_same_node(found->expr, e))
            return NULL;
        found = it;
    }
    return found;
}

static int emit_path(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, const char *fn, rs_buf *out,
                     rs_err *err);

/* A bare name that two relations may supply. In GROUP BY / HAVING / ORDER BY a select item
 * named so stands for it, as an alias would (`SELECT a.name ... GROUP BY name`: both a and b
 * have name); anywhere else, or with no such item, it is an error. */
static int emit_ambiguous(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, const char *fn,
                          rs_buf *out, rs_err *err) {
    const sqlx_item *it = n->n_parts == 1 ? find_output_name(sc, n->names[0]) : NULL;
    if (it == NULL)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "field '%s' is ambiguous: qualify it with a relation alias "
                          "(e.g. alias.%s)",
                          n->names[0], n->names[0]);
    const sqlx_select *saved = sc->alias_sel;
    sc->alias_sel = NULL;
    int rc = emit_path(ctx, sc, it->expr, fn, out, err);
    sc->alias_sel = saved;
    return rc;
}

/* A path: relation.field..., field... on the only relation, or a USING field, read with fn
 * (rs_get). */
static int emit_path(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, const char *fn, rs_buf *out,
                     rs_err *err) {
    scope *owner = NULL;
    const binding *b = n->names[0] ? find_binding(sc, n->names[0], &owner) : NULL;
    if (b != NULL && n->n_parts == 1 && field_shadows_relation(sc, owner, n->names[0]))
        b = NULL;
    if (b != NULL) {
        if (n->n_parts == 1) {
            rs_buf_printf(out, "CAST(r%d.doc AS BLOB)", b->rel);
            return 0;
        }
        rs_buf_printf(out, "%s(r%d.doc", fn, b->rel);
        int rc = emit_path_args(ctx, sc, n, 1, out, err);
        rs_buf_putc(out, ')');
        return rc;
    }
    scope *s = sc;
    while (s != NULL && s->n_rels == 0)
        s = s->parent;
    if (s == NULL)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "field '%s' cannot be resolved: the query has no FROM clause",
                          n->names[0]);
    if (s->n_rels > 1) {
        for (int u = 0; u < s->n_using; u++) {
            if (strcmp(s->using_names[u], n->names[0]) != 0)
                continue;
            rs_buf_printf(out, "coalesce(%s(r%d.doc", fn, s->using_left[u]);
            int rc = emit_path_args(ctx, sc, n, 0, out, err);
            rs_buf_printf(out, "),%s(r%d.doc", fn, s->using_right[u]);
            if (!rc)
                rc = emit_path_args(ctx, sc, n, 0, out, err);
            rs_buf_puts(out, "))");
            return rc;
        }
    }
    int rel = -1;
    if (resolve_unqualified(s, n->names[0], &rel) == AMBIGUOUS)
        return emit_ambiguous(ctx, sc, n, fn, out, err);
    if (rel < 0) { /* no relation supplies it: undefined */
        rs_buf_puts(out, "NULL");
        return 0;
    }
    rs_buf_printf(out, "%s(r%d.doc", fn, rel);
    int rc = emit_path_args(ctx, sc, n, 0, out, err);
    rs_buf_putc(out, ')');
    return rc;
}

/* ---------------- functions ---------------- */

/* The catalog entry of a call, NULL when the name is not a Rockset function. "#ONE" is the
 * internal fold of a scalar subquery (no SQL name has '#'). */
static const rt_function one_fn = {NULL, RT_AGGREGATE, 1,    1,    "rs_one", 0,    NULL,
                                   NULL, NULL,         NULL, NULL, NULL,     NULL, NULL};

static const rt_function *find_func(const char *name) {
    if (strcmp(name, "#ONE") == 0)
        return &one_fn;
    return rt_catalog_find(name);
}

/* An aggregate call that folds a group (not one computed over a window). */
int sqlx_is_aggregate_call(const sqlx_node *n) {
    const rt_function *f = n->kind == N_FUNC ? find_func(n->name) : NULL;
    return f != NULL && f->kind == RT_AGGREGATE && n->over == NULL;
}

static void upper_copy(char *dst, size_t cap, const char *src) {
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = 0;
}

static int emit_args(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, int from, rs_buf *out,
                     rs_err *err) {
    for (int i = from; i < n->n_list; i++) {
        if (i > from)
            rs_buf_putc(out, ',');
        int rc = emit_val(ctx, sc, n->list[i], out, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* ARRAY_AGG([DISTINCT] x ORDER BY k [DESC] [NULLS FIRST|LAST], ... [LIMIT n] [OFFSET m]) as
 * rs_array_agg_sorted(x, n_keys, k, dir, ..., limit, offset, distinct) (runtime/fn_agg.c). */
static int emit_sorted_array_agg(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n,
                                 const char *upper, rs_buf *out, rs_err *err) {
    int rc;
    if (strcmp(upper, "ARRAY_AGG") != 0)
        return sqlx_error(err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: ORDER BY, LIMIT and OFFSET inside '%s' are not "
                          "supported by rockset-local (only in ARRAY_AGG)",
                          upper);
    if (n->n_agg_order > 16)
        return sqlx_error(err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: ARRAY_AGG with more than 16 ORDER BY keys");
    sc->in_aggregate_arg = 1;
    rs_buf_puts(out, "rs_array_agg_sorted(");
    rc = emit_val(ctx, sc, n->list[0], out, err);
    rs_buf_printf(out, ",%d", n->n_agg_order);
    for (int i = 0; !rc && i < n->n_agg_order; i++) {
        const sqlx_order *o = &n->agg_order[i];
        rs_buf_putc(out, ',');
        rc = emit_val(ctx, sc, o->expr, out, err);
        rs_buf_printf(out, ",%d", (o->desc ? 1 : 0) | (o->nulls == 1 ? 2 : o->nulls == 2 ? 4 : 0));
    }
    rs_buf_putc(out, ',');
    if (!rc && n->agg_limit != NULL)
        rc = emit_val(ctx, sc, n->agg_limit, out, err);
    else
        rs_buf_puts(out, "-1");
    rs_buf_putc(out, ',');
    if (!rc && n->agg_offset != NULL)
        rc = emit_val(ctx, sc, n->agg_offset, out, err);
    else
        rs_buf_puts(out, "0");
    rs_buf_printf(out, ",%d)", n->distinct);
    sc->in_aggregate_arg = 0;
    return rc;
}

static int emit_aggregate_call(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n,
                               const rt_function *f, const char *upper, rs_buf *out, rs_err *err);

/* An aggregate folds the input rows, so inside its arguments a name is a field of those rows,
 * never a select alias: in `SELECT MAX(d) AS d ... ORDER BY MAX(d)` the alias d would be the
 * aggregate itself. */
static int emit_aggregate(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, const rt_function *f,
                          const char *upper, rs_buf *out, rs_err *err) {
    const sqlx_select *aliases = sc->alias_sel;
    sc->alias_sel = NULL;
    int rc = emit_aggregate_call(ctx, sc, n, f, upper, out, err);
    sc->alias_sel = aliases;
    return rc;
}

static int emit_aggregate_call(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n,
                               const rt_function *f, const char *upper, rs_buf *out, rs_err *err) {
    char sqlname[64];
    if (sc->in_aggregate_arg)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "aggregate function '%s' cannot be nested inside another aggregate",
                          f->name == NULL ? "(scalar subquery)" : upper);
    if (n->star && strcasecmp(n->name, "COUNT") != 0)
        return sqlx_error(err, RS_EINVAL, n->line, n->column, "%s(*) is not valid; only COUNT(*)",
                          upper);
    if (n->star) {
        rs_buf_puts(out, "count(*)");
        return 0;
    }
    if (n->distinct && n->n_list != 1)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "DISTINCT takes exactly one argument in '%s'", upper);
    if (n->n_agg_order || n->agg_limit != NULL || n->agg_offset != NULL)
        return emit_sorted_array_agg(ctx, sc, n, upper, out, err);
    rs_buf_printf(out, "%s(%s", rt_catalog_sql_name(f, sqlname, sizeof sqlname),
                  n->distinct ? "DISTINCT " : "");
    sc->in_aggregate_arg = 1;
    int rc = emit_args(ctx, sc, n, 0, out, err);
    sc->in_aggregate_arg = 0;
    rs_buf_putc(out, ')');
    return rc;
}

/* IF(c, a[, b]): a when c is true, else b (null when omitted). */
static int emit_if(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    rs_buf_puts(out, "CASE WHEN ");
    int rc = emit_cond(ctx, sc, n->list[0], out, err);
    if (rc)
        return rc;
    rs_buf_puts(out, " THEN ");
    rc = emit_val(ctx, sc, n->list[1], out, err);
    if (rc)
        return rc;
    rs_buf_puts(out, " ELSE ");
    if (n->n_list > 2)
        rc = emit_val(ctx, sc, n->list[2], out, err);
    else
        rs_buf_puts(out, NULL_BLOB);
    rs_buf_puts(out, " END");
    return rc;
}

static int is_clock_function(const char *upper) {
    return strcmp(upper, "CURRENT_TIMESTAMP") == 0 || strcmp(upper, "NOW") == 0 ||
           strcmp(upper, "CURRENT_DATE") == 0 || strcmp(upper, "CURRENT_DATETIME") == 0 ||
           strcmp(upper, "CURRENT_TIME") == 0;
}

static int arity_error(const sqlx_node *n, const rt_function *f, const char *upper, rs_err *err) {
    if (f->min_args == f->max_args)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "function '%s' takes %d argument%s, got %d", upper, f->min_args,
                          f->min_args == 1 ? "" : "s", n->n_list);
    if (f->max_args < 0)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "function '%s' takes at least %d argument%s, got %d", upper, f->min_args,
                          f->min_args == 1 ? "" : "s", n->n_list);
    return sqlx_error(err, RS_EINVAL, n->line, n->column,
                      "function '%s' takes %d to %d arguments, got %d", upper, f->min_args,
                      f->max_args, n->n_list);
}

static int emit_order_key(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *e, const sqlx_order *o,
                          rs_buf *out, rs_err *err);
static int refuse_window(const sqlx_node *e, const char *clause, rs_err *err);

/* OVER (PARTITION BY ... ORDER BY ... frame). A RANGE frame with an offset measures distances
 * in the ordering value itself, so that ORDER BY is the plain value, not Rockset's type-ranked
 * key pair. */
static int emit_over(sqlx_emit_ctx *ctx, scope *sc, const sqlx_window *w, rs_buf *out,
                     rs_err *err) {
    int rc = 0;
    rs_buf_puts(out, " OVER (");
    for (int i = 0; !rc && i < w->n_partition; i++) {
        rs_buf_puts(out, i ? "," : "PARTITION BY ");
        rc = emit_val(ctx, sc, w->partition[i], out, err);
    }
    for (int i = 0; !rc && i < w->n_order; i++) {
        rs_buf_puts(out, i ? "," : " ORDER BY ");
        if (w->range_offset) {
            rc = emit_val(ctx, sc, w->order[i].expr, out, err);
            rs_buf_puts(out, w->order[i].desc ? " DESC" : "");
        } else {
            rc = emit_order_key(ctx, sc, w->order[i].expr, &w->order[i], out, err);
        }
    }
    if (!rc && w->range_offset && w->n_order != 1)
        return sqlx_error(err, RS_EINVAL, 0, 0,
                          "a RANGE frame with an offset needs exactly one ORDER BY value");
    if (w->frame != NULL)
        rs_buf_printf(out, " %s", w->frame);
    rs_buf_putc(out, ')');
    return rc;
}

/* f(args) OVER (...): an aggregate over a window or a window-only function. LAG and LEAD give
 * null (not undefined) past the partition's edge unless a default is given. */
/* NTH_VALUE(x, k): SQLite's NULL cannot tell a frame of fewer than k rows (null, printed, D23)
 * from a k-th row whose x is undefined (left out), so the frame's size decides. */
static int emit_nth_value(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                          rs_err *err) {
    rs_buf_puts(out, "CASE WHEN count(*)");
    int rc = emit_over(ctx, sc, n->over, out, err);
    rs_buf_puts(out, " >= ");
    if (!rc)
        rc = emit_val(ctx, sc, n->list[1], out, err);
    rs_buf_puts(out, " THEN nth_value(");
    if (!rc)
        rc = emit_args(ctx, sc, n, 0, out, err);
    rs_buf_putc(out, ')');
    if (!rc)
        rc = emit_over(ctx, sc, n->over, out, err);
    rs_buf_puts(out, " ELSE " NULL_BLOB " END");
    return rc;
}

static int emit_window_call(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, const rt_function *f,
                            const char *upper, rs_buf *out, rs_err *err) {
    char sqlname[64];
    int rc = 0;
    if (f->kind != RT_WINDOW && f->kind != RT_AGGREGATE)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "%s is not an aggregate or window function: OVER is not allowed", upper);
    if (n->distinct)
        return sqlx_error(err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: DISTINCT in window function '%s' is not supported by "
                          "rockset-local",
                          upper);
    if (strcmp(upper, "NTH_VALUE") == 0 && !n->star)
        return emit_nth_value(ctx, sc, n, out, err);
    if (n->star) {
        rs_buf_puts(out, "count(*)");
    } else {
        rs_buf_printf(out, "%s(", rt_catalog_sql_name(f, sqlname, sizeof sqlname));
        rc = emit_args(ctx, sc, n, 0, out, err);
        if (strcmp(upper, "LAG") == 0 || strcmp(upper, "LEAD") == 0) {
            if (n->n_list == 1)
                rs_buf_puts(out, ",1");
            if (n->n_list < 3)
                rs_buf_puts(out, "," NULL_BLOB);
        }
        rs_buf_putc(out, ')');
    }
    return rc ? rc : emit_over(ctx, sc, n->over, out, err);
}

/* The position of an argument of GROUPING() among the GROUP BY expressions, or -1. */
static int grouping_position(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *arg, rs_err *err,
                             int *rc) {
    rs_buf text = RS_BUF_INIT;
    int at = -1, saved = sc->in_aggregate_arg;
    sc->in_aggregate_arg = 1; /* the expression's own text, not its group key */
    *rc = emit_val(ctx, sc, arg, &text, err);
    sc->in_aggregate_arg = saved;
    if (*rc == 0 && text.oom)
        *rc = nomem(err);
    for (int i = 0; *rc == 0 && i < sc->n_all_group && at < 0; i++)
        if (strcmp(sc->all_group_texts[i], rs_buf_cstr(&text)) == 0)
            at = i;
    rs_buf_free(&text);
    return at;
}

/* GROUPING(a, b, ...): a constant of each branch, one bit per argument (the first the highest),
 * set when the grouping set leaves that expression out (its null is a subtotal's). */
static int emit_grouping(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                         rs_err *err) {
    int64_t bits = 0;
    int rc = 0;
    if (sc == NULL || !sc->grouped)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "GROUPING() is only allowed in a query with GROUP BY");
    if (n->n_list < 1 || n->n_list > 62 || n->star || n->distinct)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "GROUPING() takes 1 to 62 GROUP BY expressions");
    for (int i = 0; i < n->n_list; i++) {
        int at = grouping_position(ctx, sc, n->list[i], err, &rc);
        if (rc)
            return rc;
        if (at < 0)
            return sqlx_error(err, RS_EINVAL, n->list[i]->line, n->list[i]->column,
                              "GROUPING() arguments must be GROUP BY expressions");
        bits = bits << 1 | ((sc->key_mask >> at & 1) ? 0 : 1);
    }
    rs_buf_printf(out, "%lld", (long long)bits);
    return 0;
}

/* OBJECT(['a', 'b'], [x, y]) written with two literals is the object literal {'a': x, 'b': y}:
 * an array literal turns an undefined element into null, but OBJECT leaves an undefined
 * member out, so the pairs are built before the values array exists. NULL otherwise. */
static const sqlx_node *object_of_literals(sqlx_emit_ctx *ctx, const sqlx_node *n) {
    const sqlx_node *keys = n->n_list == 2 ? n->list[0] : NULL, *vals = keys ? n->list[1] : NULL;
    if (keys == NULL || keys->kind != N_ARRAY || vals->kind != N_ARRAY ||
        keys->n_list != vals->n_list || n->over != NULL || n->distinct || n->star)
        return NULL;
    for (int i = 0; i < keys->n_list; i++)
        if (keys->list[i]->kind != N_LIT_STRING)
            return NULL;
    sqlx_node *obj = sqlx_alloc(ctx->arena, sizeof *obj);
    sqlx_node **pairs = sqlx_alloc(ctx->arena, (size_t)(2 * keys->n_list + 1) * sizeof *pairs);
    if (obj == NULL || pairs == NULL)
        return NULL;
    for (int i = 0; i < keys->n_list; i++) {
        pairs[2 * i] = keys->list[i];
        pairs[2 * i + 1] = vals->list[i];
    }
    obj->kind = N_OBJECT;
    obj->line = n->line;
    obj->column = n->column;
    obj->list = pairs;
    obj->n_list = 2 * keys->n_list;
    return obj;
}

static const char *param_value(sqlx_emit_ctx *ctx, const char *fn, const char *param, int line,
                               int column, int *unknown, rs_err *err);

/* A FIELD() argument's text: a string literal, or a parameter's value. */
static const char *field_arg(sqlx_emit_ctx *ctx, const sqlx_node *a, int *unknown, rs_err *err) {
    *unknown = 0;
    if (a->kind == N_LIT_STRING)
        return a->text;
    if (a->kind == N_PARAM)
        return param_value(ctx, "FIELD()", a->name, a->line, a->column, unknown, err);
    sqlx_error(err, RS_EINVAL, a->line, a->column,
               "FIELD() takes strings or parameters: the field's name, or a relation and it");
    return NULL;
}

/* FIELD('a.b') / FIELD('rel', 'a.b') / FIELD(:name): the path the text spells, dots separating
 * its parts, read like the path written out. Unknown while validating: undefined. */
static int emit_field_function(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                               rs_err *err) {
    const char *rel = NULL, *text;
    int unknown = 0;
    if (n->n_list < 1 || n->n_list > 2 || n->star || n->distinct || n->over != NULL)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "function 'FIELD' takes 1 to 2 arguments, got %d", n->n_list);
    if (n->n_list == 2 && (rel = field_arg(ctx, n->list[0], &unknown, err)) == NULL)
        return unknown ? (rs_buf_puts(out, "NULL"), 0) : RS_EINVAL;
    if ((text = field_arg(ctx, n->list[n->n_list - 1], &unknown, err)) == NULL)
        return unknown ? (rs_buf_puts(out, "NULL"), 0) : RS_EINVAL;
    int parts = (rel != NULL) + 1;
    for (const char *p = text; *p; p++)
        parts += *p == '.';
    sqlx_node *path = sqlx_alloc(ctx->arena, sizeof *path);
    const char **names = sqlx_alloc(ctx->arena, (size_t)parts * sizeof *names);
    sqlx_node **index = sqlx_alloc(ctx->arena, (size_t)parts * sizeof *index);
    if (path == NULL || names == NULL || index == NULL)
        return nomem(err);
    int k = 0;
    if (rel != NULL)
        names[k++] = rel;
    for (const char *p = text;; p++) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        if ((names[k++] = sqlx_strndup(ctx->arena, p, len)) == NULL)
            return nomem(err);
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
    return emit_val(ctx, sc, path, out, err);
}

static int emit_func(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    char upper[64], sqlname[64];
    const rt_function *f = find_func(n->name);
    upper_copy(upper, sizeof upper, n->name);
    if (f == NULL && strcmp(upper, "FIELD") == 0)
        return emit_field_function(ctx, sc, n, out, err);
    if (strcmp(upper, "OBJECT") == 0) {
        const sqlx_node *literal = object_of_literals(ctx, n);
        if (literal != NULL)
            return emit_val(ctx, sc, literal, out, err);
        if (ctx->arena->oom)
            return nomem(err);
    }
    if (f == NULL && n->over == NULL && strcmp(upper, "GROUPING") == 0)
        return emit_grouping(ctx, sc, n, out, err);
    if (f == NULL || f->kind == RT_EMITTED)
        if (f == NULL || strcmp(upper, "IF") != 0)
            return sqlx_error(err, RS_EINVAL, n->line, n->column, "unknown function '%s'", upper);
    if (!n->star && (n->n_list < f->min_args || (f->max_args >= 0 && n->n_list > f->max_args)))
        return arity_error(n, f, upper, err);
    if (n->over != NULL)
        return emit_window_call(ctx, sc, n, f, upper, out, err);
    if (f->kind == RT_WINDOW)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "window function '%s' requires an OVER clause", upper);
    if (f->kind == RT_AGGREGATE)
        return emit_aggregate(ctx, sc, n, f, upper, out, err);
    if (n->distinct || n->star)
        return sqlx_error(err, RS_EINVAL, n->line, n->column,
                          "%s is not an aggregate: DISTINCT and * are not allowed", upper);
    if (strcmp(upper, "IF") == 0)
        return emit_if(ctx, sc, n, out, err);
    rs_buf_printf(out, "%s(", rt_catalog_sql_name(f, sqlname, sizeof sqlname));
    if (is_clock_function(upper))
        rs_buf_puts(out, n->n_list > 0 ? "julianday('now')," : "julianday('now')");
    int rc = emit_args(ctx, sc, n, 0, out, err);
    rs_buf_putc(out, ')');
    return rc;
}

/* ---------------- expressions ---------------- */

static int emit_typed_literal(const sqlx_node *n, rs_buf *out, rs_err *err) {
    const char *type = n->name, *text = n->text;
    size_t len = strlen(text);
    int64_t x;
    rv v;
    int ok = 0;
    if (strcmp(type, "DATE") == 0 && rt_parse_date(text, len, &x) == 0) {
        v = rv_typed(RV_DATE, x);
        ok = 1;
    } else if (strcmp(type, "TIME") == 0 && rt_parse_time(text, len, &x) == 0) {
        v = rv_typed(RV_TIME, x);
        ok = 1;
    } else if (strcmp(type, "DATETIME") == 0 && rt_parse_datetime(text, len, &x) == 0) {
        v = rv_typed(RV_DATETIME, x);
        ok = 1;
    } else if (strcmp(type, "TIMESTAMP") == 0 && rt_parse_timestamp(text, len, &x) == 0) {
        v = rv_typed(RV_TIMESTAMP, x);
        ok = 1;
    } else if (strcmp(type, "BYTES") == 0) {
        v = rv_json(RV_BYTES, text, len);
        ok = 1;
    }
    if (!ok)
        return sqlx_error(err, RS_EINVAL, n->line, n->column, "'%s' is not a valid %s", n->text,
                          type);
    return put_value_literal(out, &v, err);
}

static int emit_int_literal(const sqlx_node *n, rs_buf *out) {
    /* digits beyond int64 become a float, as JSON parsers do */
    const char *digits = n->text[0] == '-' ? n->text + 1 : n->text;
    size_t len = strlen(digits);
    int fits =
        len < 19 || (len == 19 && strcmp(digits, n->text[0] == '-' ? "9223372036854775808"
                                                                   : "9223372036854775807") <= 0);
    if (fits && n->text[0] == '-' && strcmp(digits, "9223372036854775808") == 0)
        rs_buf_puts(out, "(-9223372036854775807-1)");
    else if (fits)
        rs_buf_printf(out, "%s%s%s", n->text[0] == '-' ? "(" : "", n->text,
                      n->text[0] == '-' ? ")" : "");
    else
        rs_buf_printf(out, "(%s.0)", n->text);
    return 0;
}

/* Chains of one operator (a AND b AND c, a + b + c, a || b || c) are emitted flat: a left-deep
 * tree would nest the SQL, and SQLite's parser stack is only 100 deep. */
#define MAX_CHAIN_ARGS 100

typedef struct chain {
    const sqlx_node **leaves;
    int n, cap;
} chain;

static int push_leaf(sqlx_emit_ctx *ctx, chain *ch, const sqlx_node *leaf, rs_err *err) {
    if (ch->n == ch->cap) {
        int cap = ch->cap ? ch->cap * 2 : 16;
        const sqlx_node **leaves = sqlx_alloc(ctx->arena, (size_t)cap * sizeof *leaves);
        if (leaves == NULL)
            return nomem(err);
        if (ch->n)
            memcpy(leaves, ch->leaves, (size_t)ch->n * sizeof *leaves);
        ch->leaves = leaves;
        ch->cap = cap;
    }
    ch->leaves[ch->n++] = leaf;
    return 0;
}

static int is_op_node(const sqlx_node *n, const char *op) {
    return n->kind == N_BINARY && strcmp(n->op, op) == 0;
}

/* Leaves of the chain in order. The left spine (long chains are left-deep) is walked without
 * recursion; both_sides also flattens parenthesised right operands (AND, OR), whose nesting
 * the parser bounds. */
static int collect_chain(sqlx_emit_ctx *ctx, const sqlx_node *n, const char *op, int both_sides,
                         chain *ch, rs_err *err) {
    chain spine = {NULL, 0, 0};
    int rc;
    const sqlx_node *leftmost = n;
    while (is_op_node(leftmost, op)) {
        rc = push_leaf(ctx, &spine, leftmost, err);
        if (rc)
            return rc;
        leftmost = leftmost->a;
    }
    rc = push_leaf(ctx, ch, leftmost, err);
    if (rc)
        return rc;
    /* right operands bottom-up */
    for (int k = spine.n - 1; k >= 0; k--) {
        const sqlx_node *node = spine.leaves[k];
        if (both_sides && is_op_node(node->b, op))
            rc = collect_chain(ctx, node->b, op, both_sides, ch, err);
        else
            rc = push_leaf(ctx, ch, node->b, err);
        if (rc)
            return rc;
    }
    return 0;
}

/* fn(fn(l0, ..., l99), l100, ...) - at most MAX_CHAIN_ARGS arguments per call. */
static int emit_call_chain(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, const char *fn,
                           rs_buf *out, rs_err *err) {
    chain ch = {NULL, 0, 0};
    int rc = collect_chain(ctx, n, n->op, 0, &ch, err);
    int calls = ch.n <= MAX_CHAIN_ARGS ? 1 : 1 + (ch.n - 2) / (MAX_CHAIN_ARGS - 1);
    for (int c = 0; !rc && c < calls; c++)
        rs_buf_printf(out, "%s(", fn);
    for (int i = 0; !rc && i < ch.n; i++) {
        if (i > 0 && (i - MAX_CHAIN_ARGS) % (MAX_CHAIN_ARGS - 1) == 0 && i >= MAX_CHAIN_ARGS)
            rs_buf_putc(out, ')');
        if (i)
            rs_buf_putc(out, ',');
        rc = emit_val(ctx, sc, ch.leaves[i], out, err);
    }
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_cond_chain(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                           rs_err *err) {
    chain ch = {NULL, 0, 0};
    int rc = collect_chain(ctx, n, n->op, 1, &ch, err);
    rs_buf_putc(out, '(');
    for (int i = 0; !rc && i < ch.n; i++) {
        if (i)
            rs_buf_puts(out, strcmp(n->op, "AND") == 0 ? " AND " : " OR ");
        rc = emit_cond(ctx, sc, ch.leaves[i], out, err);
    }
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_call_args(sqlx_emit_ctx *ctx, scope *sc, const char *head, const sqlx_node *a,
                          const sqlx_node *b, const sqlx_node *c, const char *tail, rs_buf *out,
                          rs_err *err);

static int emit_binary_val(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                           rs_err *err) {
    static const struct {
        const char *op, *fn;
    } arith[] = {{"+", "rs_add"}, {"-", "rs_sub"}, {"*", "rs_mul"},
                 {"/", "rs_div"}, {"%", "rs_mod"}, {"||", "rs_concat_op"}};
    for (size_t i = 0; i < sizeof arith / sizeof arith[0]; i++) {
        if (strcmp(n->op, arith[i].op) != 0)
            continue;
        return emit_call_chain(ctx, sc, n, arith[i].fn, out, err);
    }
    if (strcmp(n->op, "AT TIME ZONE") == 0)
        return emit_call_args(ctx, sc, "rs_at_time_zone(", n->a, n->b, NULL, ")", out, err);
    return rs_err_set(err, RS_EINTERNAL, "operator %s reached the value emitter", n->op);
}

/* Whether an expression calls an aggregate outside subqueries. Left-deep operator chains are
 * walked in a loop. */
static int contains_aggregate(const sqlx_node *n) {
    for (; n; n = n->a) {
        if (sqlx_is_aggregate_call(n))
            return 1;
        if ((n->b && contains_aggregate(n->b)) || (n->c && contains_aggregate(n->c)))
            return 1;
        for (int i = 0; i < n->n_list; i++)
            if (contains_aggregate(n->list[i]))
                return 1;
        for (int i = 0; n->kind == N_PATH && i < n->n_parts; i++)
            if (n->index[i] && contains_aggregate(n->index[i]))
                return 1;
        for (int i = 0; n->over != NULL && i < n->over->n_partition; i++)
            if (contains_aggregate(n->over->partition[i]))
                return 1;
        for (int i = 0; n->over != NULL && i < n->over->n_order; i++)
            if (contains_aggregate(n->over->order[i].expr))
                return 1;
    }
    return 0;
}

/* A scalar subquery: more than one row is an error. An ungrouped aggregate yields exactly one
 * row; a plain SELECT ... FROM ... WHERE folds its rows with rs_one (one level of SQL, which
 * matters: SQLite's parser stack is 100 deep); anything else is checked on at most two rows. */
static int emit_subquery_value(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *sub, rs_buf *out,
                               rs_err *err) {
    int simple = !sub->compound_op && !sub->n_ctes && !sub->distinct && !sub->grouped &&
                 !sub->having && !sub->n_order && !sub->limit && !sub->offset &&
                 sub->n_items == 1 && sub->items[0].expr->kind != N_STAR;
    /* an ungrouped aggregate, or a SELECT without FROM (no rows to fold: rs_one over only
     * outer references would make SQLite take it for an aggregate of the outer query) */
    int one_row = simple && (contains_aggregate(sub->items[0].expr) ||
                             (sub->from == NULL && sub->where == NULL));
    if (simple && !one_row) {
        sqlx_select fold = *sub;
        sqlx_item item = sub->items[0];
        sqlx_node call, *arg = sub->items[0].expr;
        memset(&call, 0, sizeof call);
        call.kind = N_FUNC;
        call.name = "#ONE";
        call.list = &arg;
        call.n_list = 1;
        call.line = item.expr->line;
        call.column = item.expr->column;
        item.expr = &call;
        fold.items = &item;
        rs_buf_putc(out, '(');
        int rc = emit_query(ctx, sc, &fold, MODE_SCALAR, 0, out, err);
        rs_buf_putc(out, ')');
        return rc;
    }
    if (one_row) {
        rs_buf_putc(out, '(');
        int rc = emit_query(ctx, sc, sub, MODE_SCALAR, 0, out, err);
        rs_buf_putc(out, ')');
        return rc;
    }
    rs_buf_puts(out, "(SELECT CASE WHEN count(*) > 1 THEN rs_raise('a scalar subquery returned "
                     "more than one row') WHEN count(*) = 0 THEN " NULL_BLOB " ELSE max(v) END "
                     "FROM (SELECT v FROM (");
    int rc = emit_query(ctx, sc, sub, MODE_SCALAR, 0, out, err);
    rs_buf_puts(out, ") LIMIT 2))");
    return rc;
}

/* CASE [x] WHEN ... THEN ... [ELSE ...] END; no match and no ELSE gives null. The simple form
 * compares with rs_cmp (Rockset's =), so x is written once per WHEN. */
static int emit_case(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    int rc = 0;
    rs_buf_puts(out, "CASE");
    for (int i = 0; !rc && i + 1 < n->n_list; i += 2) {
        rs_buf_puts(out, " WHEN ");
        if (n->a != NULL) {
            rs_buf_puts(out, "rs_cmp(");
            rc = emit_val(ctx, sc, n->a, out, err);
            rs_buf_putc(out, ',');
            if (!rc)
                rc = emit_val(ctx, sc, n->list[i], out, err);
            rs_buf_puts(out, ") = 0");
        } else {
            rc = emit_cond(ctx, sc, n->list[i], out, err);
        }
        rs_buf_puts(out, " THEN ");
        if (!rc)
            rc = emit_val(ctx, sc, n->list[i + 1], out, err);
    }
    rs_buf_puts(out, " ELSE ");
    if (!rc && n->b != NULL)
        rc = emit_val(ctx, sc, n->b, out, err);
    else
        rs_buf_puts(out, NULL_BLOB);
    rs_buf_puts(out, " END");
    return rc;
}

/* CAST(x AS t): ival 0 CAST, 1 TRY_CAST, 2 STATIC_CAST, 3 TRY_STATIC_CAST. */
static int emit_cast(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    rv_type to;
    if (rv_type_from_name(n->name, &to) != 0 || to == RV_UNDEFINED || to == RV_NULL)
        return sqlx_error(err, RS_EUNSUPPORTED, n->line, n->column,
                          "unsupported SQL: CAST to type '%s' is not supported by rockset-local",
                          n->name);
    rs_buf_puts(out, "rs_cast(");
    int rc = emit_val(ctx, sc, n->a, out, err);
    rs_buf_putc(out, ',');
    put_sql_string(out, rv_type_name(to));
    rs_buf_printf(out, ",%d)", (int)n->ival);
    return rc;
}

static int emit_val_inner(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                          rs_err *err) {
    int rc = 0;
    switch (n->kind) {
    case N_LIT_INT:
        return emit_int_literal(n, out);
    case N_LIT_FLOAT: /* rs_real: read exactly, not through SQLite's long double */
        rs_buf_puts(out, "rs_real(");
        put_sql_string(out, n->text);
        rs_buf_putc(out, ')');
        return 0;
    case N_LIT_STRING:
        put_sql_string(out, n->text);
        return 0;
    case N_LIT_NULL:
        rs_buf_puts(out, NULL_BLOB);
        return 0;
    case N_LIT_UNDEFINED:
        rs_buf_puts(out, "NULL");
        return 0;
    case N_ARRAY:
        rs_buf_puts(out, "rsf_array_create(");
        rc = emit_args(ctx, sc, n, 0, out, err);
        rs_buf_putc(out, ')');
        return rc;
    case N_OBJECT:
        rs_buf_puts(out, "rs_object(");
        for (int i = 0; !rc && i < n->n_list; i++) {
            rs_buf_puts(out, i ? "," : "");
            if (i % 2 == 0)
                put_sql_string(out, n->list[i]->text);
            else
                rc = emit_val(ctx, sc, n->list[i], out, err);
        }
        rs_buf_putc(out, ')');
        return rc;
    case N_LIT_TYPED:
        return emit_typed_literal(n, out, err);
    case N_PARAM:
        if (sqlx_names_add(&ctx->params, n->name))
            return nomem(err);
        rs_buf_printf(out, ":%s", n->name);
        return 0;
    case N_PATH:
        return emit_path(ctx, sc, n, "rs_get", out, err);
    case N_STAR:
        return sqlx_error(err, RS_EINVAL, n->line, n->column, "'*' is not valid here");
    case N_UNARY: /* "-" or "+"; NOT is bool */
        if (strcmp(n->op, "-") == 0) {
            rs_buf_puts(out, "rs_neg(");
            rc = emit_val(ctx, sc, n->a, out, err);
            rs_buf_putc(out, ')');
            return rc;
        }
        return emit_val(ctx, sc, n->a, out, err);
    case N_BINARY:
        return emit_binary_val(ctx, sc, n, out, err);
    case N_SUBQUERY:
        return emit_subquery_value(ctx, sc, n->sub, out, err);
    case N_CASE:
        return emit_case(ctx, sc, n, out, err);
    case N_CAST:
        return emit_cast(ctx, sc, n, out, err);
    case N_FUNC:
        return emit_func(ctx, sc, n, out, err);
    case N_EXTRACT:
        rs_buf_puts(out, "rs_extract(");
        put_sql_string(out, n->name);
        rs_buf_putc(out, ',');
        rc = emit_val(ctx, sc, n->a, out, err);
        rs_buf_putc(out, ')');
        return rc;
    case N_SUBSCRIPT:
        rs_buf_puts(out, "rs_getv(");
        rc = emit_val(ctx, sc, n->a, out, err);
        rs_buf_putc(out, ',');
        if (n->name != NULL) {
            put_sql_string(out, n->name);
        } else {
            rs_buf_puts(out, "rs_idx0(");
            if (!rc)
                rc = emit_val(ctx, sc, n->b, out, err);
            rs_buf_putc(out, ')');
        }
        rs_buf_putc(out, ')');
        return rc;
    default:
        return rs_err_set(err, RS_EINTERNAL, "node kind %d reached the value emitter", n->kind);
    }
}

/* A value in the encoding of server/runtime/value.h. Static bools become the JSON-bool blobs. */
static int emit_val_body(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                         rs_err *err) {
    const sqlx_item *alias_item = find_select_alias(sc, n);
    if (alias_item != NULL) {
        const sqlx_select *saved = sc->alias_sel;
        sc->alias_sel = NULL;
        int rc = emit_val(ctx, sc, alias_item->expr, out, err);
        sc->alias_sel = saved;
        return rc;
    }
    if (n->kind == N_LIT_BOOL) {
        rs_buf_puts(out, n->ival ? TRUE_BLOB : FALSE_BLOB);
        return 0;
    }
    if (is_bool_node(n)) {
        rs_buf_puts(out, "CASE ");
        int rc = emit_cond(ctx, sc, n, out, err);
        rs_buf_puts(out,
                    " WHEN 1 THEN " TRUE_BLOB " WHEN 0 THEN " FALSE_BLOB " ELSE " NULL_BLOB " END");
        return rc;
    }
    return emit_val_inner(ctx, sc, n, out, err);
}

/* x [NOT] IN (...): equality keys (rs_jkey), so null and undefined never match. */
static int emit_in(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    rs_buf_puts(out, "(rs_jkey(");
    int rc = emit_val(ctx, sc, n->a, out, err);
    rs_buf_puts(out, n->negated ? ") NOT IN (" : ") IN (");
    if (n->kind == N_INSUB) {
        rs_buf_puts(out, "SELECT rs_jkey(v) FROM (");
        if (!rc)
            rc = emit_query(ctx, sc, n->sub, MODE_SCALAR, 0, out, err);
        rs_buf_printf(out, ") AS r%d", ctx->n_rel++);
    } else {
        for (int i = 0; !rc && i < n->n_list; i++) {
            rs_buf_puts(out, i ? ",rs_jkey(" : "rs_jkey(");
            rc = emit_val(ctx, sc, n->list[i], out, err);
            rs_buf_putc(out, ')');
        }
    }
    rs_buf_puts(out, "))");
    return rc;
}

/* fn(a, b[, c]) wrapped as "(fn(...))" or "(NOT fn(...))": rs_between, rs_like, rs_cmp. */
static int emit_call_args(sqlx_emit_ctx *ctx, scope *sc, const char *head, const sqlx_node *a,
                          const sqlx_node *b, const sqlx_node *c, const char *tail, rs_buf *out,
                          rs_err *err) {
    rs_buf_puts(out, head);
    int rc = emit_val(ctx, sc, a, out, err);
    if (b != NULL) {
        rs_buf_putc(out, ',');
        if (!rc)
            rc = emit_val(ctx, sc, b, out, err);
    }
    if (c != NULL) {
        rs_buf_putc(out, ',');
        if (!rc)
            rc = emit_val(ctx, sc, c, out, err);
    }
    rs_buf_puts(out, tail);
    return rc;
}

/* x IS [NOT] NULL, and x IS [NOT] TRUE/FALSE (never null). */
static int emit_is(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    int rc;
    rs_buf_putc(out, '(');
    if (n->name != NULL) {
        rc = emit_cond(ctx, sc, n->a, out, err);
        rs_buf_printf(out, " IS %s%d)", n->negated ? "NOT " : "", strcmp(n->name, "TRUE") == 0);
        return rc;
    }
    if (n->ival) { /* IS [NOT] UNDEFINED: only a missing value */
        rc = emit_val(ctx, sc, n->a, out, err);
        rs_buf_puts(out, n->negated ? " IS NOT NULL)" : " IS NULL)");
        return rc;
    }
    rs_buf_puts(out, "rs_nullish(");
    rc = emit_val(ctx, sc, n->a, out, err);
    rs_buf_puts(out, n->negated ? ") = 0)" : ") = 1)");
    return rc;
}

/* Operators that yield a truth value natively; 1 when n was one of them. */
static int emit_predicate(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                          rs_err *err, int *rc) {
    char tail[16];
    switch (n->kind) {
    case N_LIT_BOOL:
        rs_buf_puts(out, n->ival ? "1" : "0");
        return 1;
    case N_ISNULL:
        *rc = emit_is(ctx, sc, n, out, err);
        return 1;
    case N_BETWEEN:
        *rc = emit_call_args(ctx, sc, n->negated ? "(NOT rs_between(" : "(rs_between(", n->a, n->b,
                             n->c, "))", out, err);
        return 1;
    case N_INLIST:
    case N_INSUB:
        *rc = emit_in(ctx, sc, n, out, err);
        return 1;
    case N_LIKE:
        if (n->name != NULL) /* ILIKE */
            *rc = emit_call_args(ctx, sc, n->negated ? "(NOT rs_ilike(" : "(rs_ilike(", n->a, n->b,
                                 n->c, "))", out, err);
        else
            *rc = emit_call_args(ctx, sc, n->negated ? "(NOT rs_like(" : "(rs_like(", n->a, n->b,
                                 n->c, "))", out, err);
        return 1;
    case N_DISTINCT: /* null and undefined are not distinct from each other */
        *rc = emit_call_args(ctx, sc, "(rs_jkey(", n->a, NULL, NULL, ")", out, err);
        rs_buf_puts(out, n->negated ? " IS " : " IS NOT ");
        if (*rc == 0)
            *rc = emit_call_args(ctx, sc, "rs_jkey(", n->b, NULL, NULL, "))", out, err);
        return 1;
    case N_EXISTS:
        rs_buf_puts(out, "EXISTS (");
        *rc = emit_query(ctx, sc, n->sub, MODE_DOC, 0, out, err);
        rs_buf_putc(out, ')');
        return 1;
    case N_UNARY:
        if (strcasecmp(n->op, "NOT") != 0)
            return 0;
        rs_buf_puts(out, "(NOT ");
        *rc = emit_cond(ctx, sc, n->a, out, err);
        rs_buf_putc(out, ')');
        return 1;
    case N_BINARY:
        if (strcmp(n->op, "AND") == 0 || strcmp(n->op, "OR") == 0) {
            *rc = emit_cond_chain(ctx, sc, n, out, err);
            return 1;
        }
        if (!strchr("=<>", n->op[0]))
            return 0;
        /* rs_cmp: -1/0/1, or NULL for values of types that do not compare */
        snprintf(tail, sizeof tail, ") %s 0)", n->op);
        *rc = emit_call_args(ctx, sc, "(rs_cmp(", n->a, n->b, NULL, tail, out, err);
        return 1;
    default:
        return 0;
    }
}

/* Truth value (1/0/NULL) of a condition; a non-bool value goes through rs_truth. */
static int emit_cond_body(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                          rs_err *err) {
    int rc = 0;
    const sqlx_item *alias_item = find_select_alias(sc, n);
    if (alias_item != NULL) {
        const sqlx_select *saved = sc->alias_sel;
        sc->alias_sel = NULL;
        rc = emit_cond(ctx, sc, alias_item->expr, out, err);
        sc->alias_sel = saved;
        return rc;
    }
    if (emit_predicate(ctx, sc, n, out, err, &rc))
        return rc;
    rs_buf_puts(out, "rs_truth(");
    rc = emit_val_inner(ctx, sc, n, out, err);
    rs_buf_putc(out, ')');
    return rc;
}

/* Depth guards: SQLite refuses expression trees deeper than 1000 anyway, and a bounded
 * recursion cannot exhaust the C stack on hostile input. */
#define MAX_EMIT_DEPTH 1000

static int too_deep(const sqlx_node *n, rs_err *err) {
    return sqlx_error(err, RS_EUNSUPPORTED, n->line, n->column,
                      "unsupported SQL: expressions nested this deeply are not supported by "
                      "rockset-local");
}

static int is_group_text(const scope *sc, const char *text) {
    for (int i = 0; i < sc->n_group_texts; i++)
        if (strcmp(sc->group_texts[i], text) == 0)
            return 1;
    return 0;
}

static int is_null_text(const scope *sc, const char *text) {
    for (int i = 0; i < sc->n_null_texts; i++)
        if (strcmp(sc->null_texts[i], text) == 0)
            return 1;
    return 0;
}

/* In a grouped SELECT, a value that is a GROUP BY expression reads the group's key; under
 * grouping sets, one the set leaves out is null. */
static int emit_grouped_val(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out,
                            rs_err *err) {
    rs_buf tmp = RS_BUF_INIT;
    int rc = emit_val_body(ctx, sc, n, &tmp, err);
    if (rc == 0 && tmp.oom)
        rc = nomem(err);
    if (rc == 0 && is_group_text(sc, rs_buf_cstr(&tmp)))
        rs_buf_printf(out, "rs_gkey(%s)", rs_buf_cstr(&tmp));
    else if (rc == 0 && is_null_text(sc, rs_buf_cstr(&tmp)))
        rs_buf_puts(out, NULL_BLOB);
    else if (rc == 0)
        rs_buf_append(out, tmp.data, tmp.len);
    rs_buf_free(&tmp);
    return rc;
}

static int emit_val(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    if (ctx->emit_depth >= MAX_EMIT_DEPTH)
        return too_deep(n, err);
    ctx->emit_depth++;
    int rc;
    if (sc != NULL && (sc->n_group_texts > 0 || sc->n_null_texts > 0) && !sc->in_aggregate_arg &&
        n->kind != N_LIT_INT && n->kind != N_LIT_STRING && n->kind != N_LIT_FLOAT)
        rc = emit_grouped_val(ctx, sc, n, out, err);
    else
        rc = emit_val_body(ctx, sc, n, out, err);
    ctx->emit_depth--;
    return rc;
}

static int emit_cond(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *n, rs_buf *out, rs_err *err) {
    if (ctx->emit_depth >= MAX_EMIT_DEPTH)
        return too_deep(n, err);
    ctx->emit_depth++;
    int rc = emit_cond_body(ctx, sc, n, out, err);
    ctx->emit_depth--;
    return rc;
}

/* ---------------- FROM ---------------- */

static int add_binding(scope *sc, const char *name, int rel, int line, int column, rs_err *err) {
    if (sc->n_rels == (int)(sizeof sc->rels / sizeof sc->rels[0]))
        return sqlx_error(err, RS_EUNSUPPORTED, line, column,
                          "unsupported SQL: more than 64 relations in one FROM");
    for (int i = 0; name && i < sc->n_rels; i++)
        if (sc->rels[i].name != NULL && strcmp(sc->rels[i].name, name) == 0)
            return sqlx_error(err, RS_EINVAL, line, column,
                              "relation name '%s' is used twice in FROM; give one an alias", name);
    memset(&sc->rels[sc->n_rels], 0, sizeof sc->rels[sc->n_rels]);
    sc->rels[sc->n_rels].name = name;
    sc->rels[sc->n_rels].rel = rel;
    sc->n_rels++;
    return 0;
}

static const cte_binding *find_cte(scope *sc, const char *name) {
    for (scope *s = sc; s; s = s->parent)
        for (int i = s->n_ctes - 1; i >= 0; i--)
            if (strcmp(s->ctes[i].name, name) == 0)
                return &s->ctes[i];
    return NULL;
}

static int emit_view(sqlx_emit_ctx *ctx, const sqlx_from *f, const sqlx_relation *rel,
                     const sqlx_select **view_sel, rs_buf *out, rs_err *err) {
    sqlx_ast view_ast;
    if (ctx->view_depth >= MAX_VIEW_DEPTH)
        return sqlx_error(err, RS_EINVAL, f->line, f->column,
                          "view '%s' nests views more than %d deep (a cycle?)", rel->canonical,
                          MAX_VIEW_DEPTH);
    int rc = sqlx_parse(rel->view_sql ? rel->view_sql : "", ctx->arena, &view_ast, err);
    if (rc) {
        if (rc != RS_ENOMEM)
            rs_err_prefix(err, "view '%s': ", rel->canonical);
        return rc;
    }
    if (view_ast.kind != SQLX_SELECT || view_ast.explain)
        return sqlx_error(err, RS_EINVAL, f->line, f->column, "view '%s' is not a SELECT",
                          rel->canonical);
    *view_sel = view_ast.sel;
    ctx->view_depth++;
    rs_buf_putc(out, '(');
    rc = emit_query(ctx, NULL, view_ast.sel, MODE_DOC, 0, out, err);
    rs_buf_putc(out, ')');
    ctx->view_depth--;
    /* name only the innermost view: positions in the message refer to its text */
    if (rc && rc != RS_ENOMEM && strncmp(err->msg, "view '", 6) != 0)
        rs_err_prefix(err, "view '%s': ", rel->canonical);
    return rc;
}

/* A collection's table, sampled when TABLESAMPLE BERNOULLI asks: each document is kept with the
 * given probability (0 and 100 are exact). */
static void put_sampled_table(rs_buf *out, const char *table, const sqlx_from *f) {
    if (!f->has_sample || f->sample_pct >= 100) {
        put_sql_ident(out, table);
        return;
    }
    rs_buf_puts(out, "(SELECT * FROM ");
    put_sql_ident(out, table);
    if (f->sample_pct <= 0)
        rs_buf_puts(out, " WHERE 0)");
    else
        rs_buf_printf(out, " WHERE (random() & 1048575) < %lld)",
                      (long long)(f->sample_pct / 100.0 * 1048576.0));
}

/* The value of a TABLE() / FIELD() parameter, or NULL with err set. *unknown = 1 (and NULL
 * without an error) while validating, when no parameter values exist. */
static const char *param_value(sqlx_emit_ctx *ctx, const char *fn, const char *param, int line,
                               int column, int *unknown, rs_err *err) {
    const char *v;
    *unknown = ctx->param_text == NULL;
    if (*unknown)
        return NULL;
    v = ctx->param_text(ctx->param_ctx, param);
    if (v == NULL)
        sqlx_error(err, RS_EINVAL, line, column, "%s: parameter '%s' must be a string", fn, param);
    return v;
}

/* TABLE([:ws, :name]) with parameters: the collection their values name. */
static int table_function_names(sqlx_emit_ctx *ctx, const sqlx_from *f, sqlx_from *named,
                                int *unknown, rs_err *err) {
    *named = *f;
    *unknown = 0;
    if (f->ws_param != NULL && (named->ws = param_value(ctx, "TABLE()", f->ws_param, f->line,
                                                        f->column, unknown, err)) == NULL)
        return *unknown ? 0 : RS_EINVAL;
    if (f->name_param != NULL && (named->name = param_value(ctx, "TABLE()", f->name_param, f->line,
                                                            f->column, unknown, err)) == NULL)
        return *unknown ? 0 : RS_EINVAL;
    return 0;
}

static int emit_table(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f, rs_buf *out, rs_err *err) {
    sqlx_from named;
    int unknown = 0;
    if (f->ws_param != NULL || f->name_param != NULL) {
        int rc = table_function_names(ctx, f, &named, &unknown, err);
        if (rc)
            return rc;
        if (unknown) { /* validating a lambda: no rows, any field */
            int rel_id = ctx->n_rel++;
            rs_buf_printf(out, "(SELECT NULL AS doc WHERE 0) AS r%d", rel_id);
            return add_binding(sc, f->alias, rel_id, f->line, f->column, err);
        }
        f = &named;
    }
    int rel_id = ctx->n_rel++, rc;
    const cte_binding *cte = f->ws ? NULL : find_cte(sc, f->name);
    const char *bind_name = f->alias ? f->alias : f->name;
    if (cte != NULL) {
        rs_buf_printf(out, "cte%d AS r%d", cte->id, rel_id);
        rc = add_binding(sc, bind_name, rel_id, f->line, f->column, err);
        if (rc == 0) {
            sc->rels[sc->n_rels - 1].derived = cte->sel;
            sc->rels[sc->n_rels - 1].ectx = ctx;
            sc->rels[sc->n_rels - 1].where = sc;
        }
        return rc;
    }
    sqlx_relation rel;
    const sqlx_select *view_sel = NULL;
    memset(&rel, 0, sizeof rel);
    rc = ctx->resolve(ctx->resolve_ctx, f->ws ? f->ws : "commons", f->name, &rel, err);
    if (rc) {
        free(rel.view_sql);
        if (err != NULL && err->line == 0) {
            err->line = f->line;
            err->column = f->column;
        }
        return rc;
    }
    if (rel.alias_of[0] && sqlx_names_add(&ctx->aliases, rel.alias_of)) {
        free(rel.view_sql);
        return nomem(err);
    }
    if (rel.kind == SQLX_REL_VIEW) {
        rc = emit_view(ctx, f, &rel, &view_sel, out, err);
        rs_buf_printf(out, " AS r%d", rel_id);
    } else {
        if (sqlx_names_add(&ctx->collections, rel.canonical))
            rc = nomem(err);
        put_sampled_table(out, rel.table, f);
        rs_buf_printf(out, " AS r%d", rel_id);
    }
    free(rel.view_sql);
    if (rc == 0)
        rc = add_binding(sc, bind_name, rel_id, f->line, f->column, err);
    if (rc)
        return rc;
    binding *b = &sc->rels[sc->n_rels - 1];
    b->derived = view_sel;
    b->ectx = ctx; /* a view's SELECT * looks through in its own scope, which has no CTEs */
    b->where = NULL;
    b->collection = rel.kind == SQLX_REL_COLLECTION;
    if (b->collection && rel.data_table[0] != '\0' && rel.is_indexed != NULL &&
        f->has_sample == 0) {
        b->data_table = sqlx_strndup(ctx->arena, rel.data_table, strlen(rel.data_table));
        b->is_indexed = b->data_table != NULL ? rel.is_indexed : NULL;
        b->has_field_ctx = rel.has_field_ctx;
        b->catalog = rel.catalog;
    }
    if (rel.kind == SQLX_REL_COLLECTION && rel.has_field != NULL) {
        b->table = sqlx_strndup(ctx->arena, rel.table, strlen(rel.table));
        b->has_field = b->table != NULL ? rel.has_field : NULL;
        b->has_field_ctx = rel.has_field_ctx;
    }
    return 0;
}

/* Relations of a FROM subtree, in order (for USING: the right side's single relation and the
 * left side's bindings). */
static int emit_from(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f, rs_buf *out, rs_err *err);

typedef struct index_plan index_plan;
static int indexed_path_args(sqlx_emit_ctx *ctx, scope *sc, const binding *only, const sqlx_node *e,
                             rs_buf *args, int *rel, rs_err *err);

/* ---------------- joins ----------------
 *
 * Equality conditions between the right relation and the left ones are emitted so that SQLite
 * can build an automatic index (a hash-join-like plan) instead of comparing every pair, which
 * takes minutes for two 10,000-document collections:
 *
 *   a JOIN b ON b.pid = a.id   ->   "ta" AS r0 JOIN (SELECT r2.doc AS doc,
 *                                    rs_get(r2.doc,'pid') AS k0 FROM "tb" AS r2 LIMIT -1) AS r1
 *                                    ON r1.k0 = rs_get(r0.doc,'id')
 *
 * (LIMIT -1 keeps SQLite from flattening the subquery back into expressions.) Such keys match
 * by plain SQL equality: a timestamp key does not match its ISO string, as rs_cmp would. */

#define MAX_JOIN_KEYS 8

typedef struct join_key {
    const sqlx_node *right_path; /* NULL for USING: name below */
    const char *using_name;
    const sqlx_node *left;     /* NULL for USING */
    const sqlx_node *conjunct; /* the ON conjunct it replaces, or NULL */
} join_key;

/* A path with only constant steps, rooted at binding `rel` (when want_rel) or at another
 * binding of the scope (when !want_rel). */
static int path_on(scope *sc, const sqlx_node *n, int rel, int want_rel) {
    scope *owner;
    if (n->kind != N_PATH || n->n_parts < 2 || n->names[0] == NULL)
        return 0;
    for (int i = 1; i < n->n_parts; i++)
        if (n->names[i] == NULL && n->index[i]->kind != N_LIT_INT)
            return 0;
    const binding *b = find_binding(sc, n->names[0], &owner);
    return b && (b->rel == rel) == want_rel;
}

static int find_join_keys(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f, int right_rel,
                          join_key *keys, int *n_keys, rs_err *err) {
    *n_keys = 0;
    for (int u = 0; u < f->n_using && *n_keys < MAX_JOIN_KEYS; u++) {
        keys[*n_keys].right_path = NULL;
        keys[*n_keys].left = NULL;
        keys[*n_keys].conjunct = NULL;
        keys[(*n_keys)++].using_name = f->using_names[u];
    }
    /* inner joins without ON (commas, CROSS JOIN) can take their keys from the WHERE */
    const sqlx_node *source = f->on;
    if (!source && !f->n_using && strcmp(f->join_type, "CROSS JOIN") == 0)
        source = sc->where_keys;
    if (source == NULL)
        return 0;
    chain conj = {NULL, 0, 0};
    int rc = collect_chain(ctx, source, "AND", 1, &conj, err);
    for (int i = 0; !rc && i < conj.n && *n_keys < MAX_JOIN_KEYS; i++) {
        const sqlx_node *c = conj.leaves[i];
        if (c->kind != N_BINARY || strcmp(c->op, "=") != 0)
            continue;
        const sqlx_node *r = NULL, *l = NULL;
        if (path_on(sc, c->a, right_rel, 1) && path_on(sc, c->b, right_rel, 0))
            r = c->a, l = c->b;
        else if (path_on(sc, c->b, right_rel, 1) && path_on(sc, c->a, right_rel, 0))
            r = c->b, l = c->a;
        if (r == NULL)
            continue;
        keys[*n_keys].right_path = r;
        keys[*n_keys].using_name = NULL;
        keys[*n_keys].left = l;
        keys[(*n_keys)++].conjunct = c;
    }
    return rc;
}

/* (SELECT rI.doc AS doc, rs_get(rI.doc, ...) AS k0, ... FROM <inner> LIMIT -1) AS rW */
static int emit_keyed_relation(sqlx_emit_ctx *ctx, scope *sc, const join_key *keys, int n_keys,
                               int inner_rel, int wrapper_rel, const char *inner, rs_buf *out,
                               rs_err *err) {
    rs_buf_printf(out, "(SELECT r%d.doc AS doc", inner_rel);
    for (int k = 0; k < n_keys; k++) {
        rs_buf_printf(out, ", rs_jkey(rs_get(r%d.doc", inner_rel);
        if (keys[k].using_name != NULL) {
            rs_buf_putc(out, ',');
            put_sql_string(out, keys[k].using_name);
        } else {
            int rc = emit_path_args(ctx, sc, keys[k].right_path, 1, out, err);
            if (rc)
                return rc;
        }
        rs_buf_printf(out, ")) AS k%d", k);
    }
    rs_buf_printf(out, " FROM %s LIMIT -1) AS r%d", inner, wrapper_rel);
    return 0;
}

static int is_key_conjunct(const join_key *keys, int n_keys, const sqlx_node *c) {
    for (int k = 0; k < n_keys; k++)
        if (keys[k].conjunct == c)
            return k;
    return -1;
}

/* ---- index lookups: a join key on an indexed path of a collection ----
 *
 * When the right relation is a collection and some key's path on it has a field index, the
 * right side is not wrapped: each key is written on the index's expression, next to the
 * equality the wrapper would have tested,
 *
 *   a JOIN b ON b.pid = a.id  ->  "ta" AS r0 JOIN "tb" AS r1
 *       ON rs_skey(rs_get(r1.doc,'pid')) = rs_skey(rs_get(r0.doc,'id'))
 *          AND rs_jkey(rs_get(r1.doc,'pid')) = rs_jkey(rs_get(r0.doc,'id'))
 *
 * Equal join keys have equal sort keys (rs_skey is a function of the value, and numbers that
 * SQLite calls equal have one key), so the first test drops no row the second keeps; it lets
 * SQLite look rows up through the index of either side, in the order its planner finds
 * cheapest (the join stays a plain JOIN), instead of building an automatic index over the whole
 * right collection for every query. */

typedef struct lookup_key {
    rs_buf args; /* the right path's rs_get arguments */
    int indexed; /* 1: a field index serves it, 2: it is _id (the table's primary key) */
} lookup_key;

/* Whether the right side can be read through its indexes: fills each key's arguments. */
static int plan_lookup(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f, const binding *right,
                       const join_key *keys, int n_keys, lookup_key *lk, rs_err *err) {
    int any = 0, rel = 0;
    if (f->right->kind != F_TABLE || !right->collection || right->data_table == NULL ||
        right->is_indexed == NULL)
        return 0;
    for (int k = 0; k < n_keys; k++) {
        if (keys[k].using_name != NULL) {
            put_sql_string(&lk[k].args, keys[k].using_name);
            lk[k].indexed = strcmp(keys[k].using_name, "_id") == 0
                                ? 2
                                : right->is_indexed(right->has_field_ctx, right->data_table,
                                                    rs_buf_cstr(&lk[k].args)) > 0;
        } else {
            lk[k].indexed =
                indexed_path_args(ctx, sc, right, keys[k].right_path, &lk[k].args, &rel, err);
        }
        if (lk[k].args.oom)
            return 0;
        any |= lk[k].indexed;
    }
    return any;
}

/* <fn>(<left value of key k>) */
static int put_left_key(sqlx_emit_ctx *ctx, scope *sc, const join_key *key, const char *fn,
                        int left_rel, rs_buf *out, rs_err *err) {
    int rc = 0;
    rs_buf_printf(out, "%s(", fn);
    if (key->using_name != NULL) { /* with several relations on the left, USING reads the last */
        rs_buf_printf(out, "rs_get(r%d.doc,", left_rel);
        put_sql_string(out, key->using_name);
        rs_buf_putc(out, ')');
    } else {
        rc = emit_val(ctx, sc, key->left, out, err);
    }
    rs_buf_putc(out, ')');
    return rc;
}

/* The conjuncts of ON that are not join keys, each after " AND " once *n_terms are written. */
static int emit_other_conjuncts(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f,
                                const join_key *keys, int n_keys, int *n_terms, rs_buf *out,
                                rs_err *err) {
    chain conj = {NULL, 0, 0};
    int rc = f->on != NULL ? collect_chain(ctx, f->on, "AND", 1, &conj, err) : 0;
    for (int i = 0; i < conj.n && !rc; i++) {
        if (is_key_conjunct(keys, n_keys, conj.leaves[i]) >= 0)
            continue;
        rs_buf_puts(out, (*n_terms)++ ? " AND " : "");
        rc = emit_cond(ctx, sc, conj.leaves[i], out, err);
    }
    return rc;
}

/* ON of an index lookup: each key on the index's expression (when indexed) and as the join's
 * equality, then the other conjuncts of ON. */
static int emit_lookup_condition(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f,
                                 const join_key *keys, const lookup_key *lk, int n_keys,
                                 int left_rel, int right_rel, rs_buf *out, rs_err *err) {
    int rc = 0;
    rs_buf_puts(out, " ON ");
    for (int k = 0; k < n_keys && !rc; k++) {
        const char *args = rs_buf_cstr(&lk[k].args);
        if (k)
            rs_buf_puts(out, " AND ");
        if (lk[k].indexed) {
            if (lk[k].indexed == 2)
                rs_buf_printf(out, "r%d._id = ", right_rel);
            else
                rs_buf_printf(out, "rs_skey(rs_get(r%d.doc,%s)) = ", right_rel, args);
            rc = put_left_key(ctx, sc, &keys[k], lk[k].indexed == 2 ? "rs_jkey" : "rs_skey",
                              left_rel, out, err);
            rs_buf_puts(out, " AND ");
        }
        rs_buf_printf(out, "rs_jkey(rs_get(r%d.doc,%s)) = ", right_rel, args);
        if (!rc)
            rc = put_left_key(ctx, sc, &keys[k], "rs_jkey", left_rel, out, err);
    }
    int n_terms = n_keys;
    return rc ? rc : emit_other_conjuncts(ctx, sc, f, keys, n_keys, &n_terms, out, err);
}

/* ON: key conjuncts as rW.k<i> = <left value>, the rest as conditions. */
static int emit_join_condition(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f,
                               const join_key *keys, int n_keys, int left_rel, int right_rel,
                               rs_buf *out, rs_err *err) {
    int rc = 0, n_terms = 0;
    rs_buf_puts(out, " ON ");
    for (int k = 0; k < n_keys && !rc; k++) {
        rs_buf_puts(out, n_terms++ ? " AND " : "");
        rs_buf_printf(out, "r%d.k%d = ", right_rel, k);
        rc = put_left_key(ctx, sc, &keys[k], "rs_jkey", left_rel, out, err);
    }
    if (!rc)
        rc = emit_other_conjuncts(ctx, sc, f, keys, n_keys, &n_terms, out, err);
    if (!n_terms)
        rs_buf_puts(out, "1");
    return rc;
}

static int record_using(scope *sc, const sqlx_from *f, int left_rel, int right_rel, rs_err *err) {
    for (int u = 0; u < f->n_using; u++) {
        if (sc->n_using == (int)(sizeof sc->using_names / sizeof sc->using_names[0]))
            return sqlx_error(err, RS_EUNSUPPORTED, f->line, f->column,
                              "unsupported SQL: too many USING fields");
        sc->using_names[sc->n_using] = f->using_names[u];
        sc->using_left[sc->n_using] = left_rel;
        sc->using_right[sc->n_using] = right_rel;
        sc->n_using++;
    }
    return 0;
}

static int emit_join(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f, rs_buf *out, rs_err *err) {
    join_key keys[MAX_JOIN_KEYS];
    lookup_key lk[MAX_JOIN_KEYS];
    int n_keys = 0, rc, lookup = 0;
    rs_buf right = RS_BUF_INIT;
    for (int k = 0; k < MAX_JOIN_KEYS; k++)
        lk[k].args = (rs_buf)RS_BUF_INIT;
    rc = emit_from(ctx, sc, f->left, out, err);
    if (rc)
        return rc;
    int left_rel = sc->rels[sc->n_rels - 1].rel;
    rc = emit_from(ctx, sc, f->right, &right, err);
    if (rc)
        goto done;
    binding *right_binding = &sc->rels[sc->n_rels - 1];
    if (f->n_using > MAX_JOIN_KEYS) {
        rc = sqlx_error(err, RS_EUNSUPPORTED, f->line, f->column,
                        "unsupported SQL: USING with more than %d fields", MAX_JOIN_KEYS);
        goto done;
    }
    /* UNNEST reads the relations before it: it cannot move into a keyed subquery */
    if (f->right->kind != F_UNNEST && f->right->kind != F_JOIN)
        rc = find_join_keys(ctx, sc, f, right_binding->rel, keys, &n_keys, err);
    if (!rc && n_keys)
        lookup = plan_lookup(ctx, sc, f, right_binding, keys, n_keys, lk, err);
    if (rc)
        goto done;
    /* an inner join with keys keeps its order (SQLite's CROSS JOIN), so that the keyed right
     * relation is the inner loop, the one with the automatic index */
    if (n_keys && !lookup && strcmp(f->join_type, "JOIN") == 0)
        rs_buf_puts(out, " CROSS JOIN ");
    else
        rs_buf_printf(out, " %s ", f->join_type);
    if (lookup) {
        rs_buf_puts(out, rs_buf_cstr(&right));
    } else if (n_keys) {
        int inner_rel = right_binding->rel;
        right_binding->rel = ctx->n_rel++;
        right_binding->is_indexed = NULL; /* read through the wrapper: no index serves it */
        rc = emit_keyed_relation(ctx, sc, keys, n_keys, inner_rel, right_binding->rel,
                                 rs_buf_cstr(&right), out, err);
    } else if (f->right->kind == F_JOIN) { /* a parenthesised join stays one operand */
        rs_buf_printf(out, "(%s)", rs_buf_cstr(&right));
    } else {
        rs_buf_puts(out, rs_buf_cstr(&right));
    }
    if (!rc)
        rc = record_using(sc, f, left_rel, right_binding->rel, err);
    if (rc)
        goto done;
    if (!rc && lookup) {
        ctx->index_form = 1;
        rc = emit_lookup_condition(ctx, sc, f, keys, lk, n_keys, left_rel, right_binding->rel, out,
                                   err);
    } else if (!rc && (f->on || n_keys)) {
        rc = emit_join_condition(ctx, sc, f, keys, n_keys, left_rel, right_binding->rel, out, err);
    } else if (!rc && strcmp(f->join_type, "CROSS JOIN") != 0) {
        rs_buf_puts(out, " ON 1");
    }
done:
    if (right.oom && !rc)
        rc = nomem(err);
    rs_buf_free(&right);
    for (int k = 0; k < MAX_JOIN_KEYS; k++)
        rs_buf_free(&lk[k].args);
    return rc;
}

/* Whether n reads a path through alias, and *other whether it reads one through another
 * name (or a bare field, which may belong to any relation). */
static void paths_of(const sqlx_node *n, const char *alias, int *through, int *other) {
    if (n == NULL)
        return;
    if (n->kind == N_PATH && n->n_parts > 0) {
        if (n->n_parts > 1 && n->names[0] != NULL && strcmp(n->names[0], alias) == 0)
            *through = 1;
        else
            *other = 1;
    }
    paths_of(n->a, alias, through, other);
    paths_of(n->b, alias, through, other);
    paths_of(n->c, alias, through, other);
    for (int i = 0; i < n->n_list; i++)
        paths_of(n->list[i], alias, through, other);
    for (int i = 0; n->kind == N_PATH && n->index != NULL && i < n->n_parts; i++)
        paths_of(n->index[i], alias, through, other);
}

/* Whether a top-level conjunct of where reads only the UNNEST alias's rows (a test on them). A
 * planning hint for rs_unnest: a wrong answer changes the join order, never the rows. */
static int filters_alias(const sqlx_node *where, const char *alias) {
    if (where == NULL || alias == NULL)
        return 0;
    if (where->kind == N_BINARY && strcmp(where->op, "AND") == 0)
        return filters_alias(where->a, alias) || filters_alias(where->b, alias);
    int through = 0, other = 0;
    paths_of(where, alias, &through, &other);
    return through && !other && where->sub == NULL;
}

/* rs_unnest(n, ordinality, filtered, name, array, ...): see runtime/unnest.c. '' stands for no
 * name. */
static int emit_unnest(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f, rs_buf *out,
                       rs_err *err) {
    int rel_id = ctx->n_rel++, rc = 0;
    rs_buf_printf(out, "rs_unnest(%d,", f->n_arrays);
    put_sql_string(out, f->ordinality != NULL ? f->ordinality : "");
    rs_buf_printf(out, ",%d", filters_alias(sc->where_keys, f->alias));
    for (int i = 0; !rc && i < f->n_arrays; i++) {
        rs_buf_putc(out, ',');
        put_sql_string(out, f->names[i] != NULL ? f->names[i] : "");
        rs_buf_putc(out, ',');
        rc = emit_val(ctx, sc, f->arrays[i], out, err);
    }
    rs_buf_printf(out, ") AS r%d", rel_id);
    if (rc == 0)
        rc = add_binding(sc, f->alias, rel_id, f->line, f->column, err);
    if (rc == 0)
        sc->rels[sc->n_rels - 1].unnest = f;
    return rc;
}

static int emit_from(sqlx_emit_ctx *ctx, scope *sc, const sqlx_from *f, rs_buf *out, rs_err *err) {
    int rc;
    if (f->kind == F_TABLE)
        return emit_table(ctx, sc, f, out, err);
    if (f->kind == F_UNNEST)
        return emit_unnest(ctx, sc, f, out, err);
    if (f->kind == F_SUBQUERY) {
        int rel_id = ctx->n_rel++;
        rs_buf_putc(out, '(');
        /* a derived table sees no outer relations (no LATERAL), only the CTEs */
        scope isolated;
        memset(&isolated, 0, sizeof isolated);
        for (scope *s = sc; s; s = s->parent)
            for (int i = 0; i < s->n_ctes && isolated.n_ctes < 32; i++)
                isolated.ctes[isolated.n_ctes++] = s->ctes[i];
        rc = emit_query(ctx, &isolated, f->sub, MODE_DOC, 0, out, err);
        rs_buf_printf(out, ") AS r%d", rel_id);
        if (rc == 0)
            rc = add_binding(sc, f->alias, rel_id, f->line, f->column, err);
        if (rc == 0) {
            sc->rels[sc->n_rels - 1].derived = f->sub;
            sc->rels[sc->n_rels - 1].ectx = ctx;
            sc->rels[sc->n_rels - 1].where = sc;
        }
        return rc;
    }
    return emit_join(ctx, sc, f, out, err);
}

/* ---------------- select list ---------------- */

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

static int star_docs(scope *sc, const sqlx_node *star, rs_buf *out, rs_err *err) {
    int found = 0;
    for (int i = 0; i < sc->n_rels; i++) {
        if (star->name != NULL &&
            (sc->rels[i].name == NULL || strcmp(sc->rels[i].name, star->name) != 0))
            continue;
        rs_buf_printf(out, "%sr%d.doc", found ? "," : "", sc->rels[i].rel);
        found++;
    }
    if (!found) {
        if (star->name != NULL)
            return sqlx_error(err, RS_EINVAL, star->line, star->column,
                              "'%s.*': no relation named '%s' in FROM", star->name, star->name);
        return sqlx_error(err, RS_EINVAL, star->line, star->column, "SELECT * needs a FROM clause");
    }
    return 0;
}

/* The path an object star expands: x.y.* (star->a), or name.* where name is no relation but
 * a field; NULL when the star is a relation's (or all of them). */
static const sqlx_node *star_object_path(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *star) {
    scope *owner;
    if (star->a != NULL)
        return star->a;
    if (star->name == NULL || find_binding(sc, star->name, &owner) != NULL)
        return NULL;
    sqlx_node *path = sqlx_alloc(ctx->arena, sizeof *path);
    const char **names = sqlx_alloc(ctx->arena, sizeof *names);
    sqlx_node **index = sqlx_alloc(ctx->arena, sizeof *index);
    if (path == NULL || names == NULL || index == NULL)
        return NULL;
    names[0] = star->name;
    path->kind = N_PATH;
    path->line = star->line;
    path->column = star->column;
    path->names = names;
    path->index = index;
    path->n_parts = 1;
    return path;
}

/* The documents a star merges: its relations' (star_docs), or an object field's members
 * (rs_members: a null, missing or non-object value has none). */
static int star_sources(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *star, rs_buf *out,
                        rs_err *err) {
    const sqlx_node *path = star_object_path(ctx, sc, star);
    if (path == NULL && ctx->arena->oom)
        return nomem(err);
    if (path == NULL)
        return star_docs(sc, star, out, err);
    rs_buf_puts(out, "rs_members(");
    int rc = emit_val(ctx, sc, path, out, err);
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_star_part(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *star, int final,
                          rs_buf *out, rs_err *err) {
    int rc;
    if (star->n_except) {
        rs_buf_printf(out, "rs_except(%d,rs_merge(0,", final);
        rc = star_sources(ctx, sc, star, out, err);
        if (rc)
            return rc;
        rs_buf_putc(out, ')');
        for (int i = 0; i < star->n_except; i++) {
            rs_buf_putc(out, ',');
            put_sql_string(out, star->except[i]);
        }
        rs_buf_putc(out, ')');
        return 0;
    }
    rs_buf_printf(out, "rs_merge(%d,", final);
    rc = star_sources(ctx, sc, star, out, err);
    rs_buf_putc(out, ')');
    return rc;
}

/* One rs_row key/value pair: the value itself (undefined is left out of the row). */
static int emit_row_value(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *e, rs_buf *out,
                          rs_err *err) {
    return emit_val(ctx, sc, e, out, err);
}

/* First path step read from the relation (0 or 1) and the relation of a bare path whose steps
 * are all constant; -1 when the item is anything else. */
static int projection_path(scope *sc, const sqlx_node *e, int *rel) {
    scope *owner;
    if (e->kind != N_PATH)
        return -1;
    for (int i = 0; i < e->n_parts; i++)
        if (e->names[i] == NULL && e->index[i]->kind != N_LIT_INT)
            return -1;
    const binding *b = e->names[0] ? find_binding(sc, e->names[0], &owner) : NULL;
    if (b != NULL) {
        *rel = b->rel;
        return e->n_parts > 1 ? 1 : -1;
    }
    scope *s = sc;
    while (s != NULL && s->n_rels == 0)
        s = s->parent;
    if (s == NULL || s->n_rels != 1)
        return -1;
    *rel = s->rels[0].rel;
    return 0;
}

/* The common SELECT a, b.c, d[1] FROM t - every item a bare path into one relation - becomes
 * one rs_project call that reads the document once instead of once per field:
 *   rs_project(final, r0.doc, 'a', '["a"]', 'c', '["b","c"]', 'd', '["d",0]') */
static int emit_projection(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, const char **names,
                           int final, int top, rs_buf *out, rs_err *err) {
    int rel = -1, item_rel;
    if (sc->grouped)
        return -1; /* a group's key reads rs_gkey (undefined -> null), or null when left out */
    for (int i = 0; i < s->n_items; i++) {
        if (projection_path(sc, s->items[i].expr, &item_rel) < 0 || (rel >= 0 && item_rel != rel))
            return -1;
        rel = item_rel;
    }
    if (rel < 0)
        return -1;
    rs_buf_printf(out, "rs_project(%d,r%d.doc", final, rel);
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_node *e = s->items[i].expr;
        int dup = 0;
        for (int j = i + 1; j < s->n_items; j++)
            dup |= strcmp(names[j], names[i]) == 0;
        if (dup)
            continue;
        if (top && sqlx_names_add(&ctx->columns, names[i]))
            return nomem(err);
        rs_buf spec = RS_BUF_INIT;
        rs_buf_putc(&spec, '[');
        for (int k = projection_path(sc, e, &item_rel); k < e->n_parts; k++) {
            if (spec.len > 1)
                rs_buf_putc(&spec, ',');
            if (e->names[k] != NULL)
                rs_buf_json_string(&spec, e->names[k], strlen(e->names[k]));
            else
                rs_buf_printf(&spec, "%lld", strtoll(e->index[k]->text, NULL, 10) - 1);
        }
        rs_buf_putc(&spec, ']');
        rs_buf_putc(out, ',');
        put_sql_string(out, names[i]);
        rs_buf_putc(out, ',');
        put_sql_string(out, rs_buf_cstr(&spec));
        int oom = spec.oom;
        rs_buf_free(&spec);
        if (oom)
            return nomem(err);
    }
    rs_buf_putc(out, ')');
    return 0;
}

/* Output names of the items (NULL for stars); a later operand of a compound takes the names of
 * the leftmost SELECT (names_of) by position. *has_star tells whether any item is a star. */
static const char **item_names(sqlx_emit_ctx *ctx, const sqlx_select *s,
                               const sqlx_select *names_of, int *has_star) {
    const char **names = sqlx_alloc(ctx->arena, (size_t)s->n_items * sizeof *names);
    *has_star = 0;
    if (names == NULL)
        return NULL;
    for (int i = 0; i < s->n_items; i++) {
        if (s->items[i].expr->kind == N_STAR) {
            *has_star = 1;
            continue;
        }
        names[i] = sqlx_item_name(ctx->arena, &s->items[i], i);
        if (names[i] == NULL)
            return NULL;
    }
    if (names_of == NULL || names_of->n_items != s->n_items)
        return names;
    for (int i = 0; i < s->n_items; i++) {
        if (names_of->items[i].expr->kind == N_STAR || s->items[i].expr->kind == N_STAR)
            continue;
        names[i] = sqlx_item_name(ctx->arena, &names_of->items[i], i);
        if (names[i] == NULL)
            return NULL;
    }
    return names;
}

/* Whether a later item has the same output name as item i (the later one wins). */
static int name_repeats_later(const sqlx_select *s, const char **names, int i) {
    for (int j = i + 1; j < s->n_items; j++)
        if (names[j] != NULL && strcmp(names[j], names[i]) == 0)
            return 1;
    return 0;
}

/* The parts of a row in order - runs of plain items become one rs_row(...), each star its
 * documents - comma-separated into parts; *n_parts counts them. */
static int emit_row_parts(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, const char **names,
                          int has_star, int final, int top, rs_buf *parts, int *n_parts,
                          rs_err *err) {
    int in_row = 0, rc = 0;
    for (int i = 0; i < s->n_items && rc == 0; i++) {
        const sqlx_item *it = &s->items[i];
        if (it->expr->kind == N_STAR) {
            if (in_row)
                rs_buf_putc(parts, ')');
            in_row = 0;
            rs_buf_puts(parts, (*n_parts)++ ? "," : "");
            rc = emit_star_part(ctx, sc, it->expr, final, parts, err);
            continue;
        }
        if (!has_star && name_repeats_later(s, names, i))
            continue;
        if (top && !has_star && sqlx_names_add(&ctx->columns, names[i]))
            return nomem(err);
        if (!in_row) {
            rs_buf_printf(parts, "%srs_row(%d", (*n_parts)++ ? "," : "", final);
            in_row = 1;
        }
        rs_buf_putc(parts, ',');
        put_sql_string(parts, names[i]);
        rs_buf_putc(parts, ',');
        rc = emit_row_value(ctx, sc, it->expr, parts, err);
    }
    if (in_row)
        rs_buf_putc(parts, ')');
    return rc;
}

/* The row document of a SELECT: one rs_project when every item is a plain path into one
 * relation, else its parts merged in order (later keys win). */
static int emit_doc_expr(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, int final, int top,
                         rs_buf *out, rs_err *err) {
    const sqlx_select *names_of = ctx->names_of;
    int has_star = 0, n_parts = 0, rc;
    ctx->names_of = NULL;
    const char **names = item_names(ctx, s, names_of, &has_star);
    if (names == NULL)
        return nomem(err);
    if (!has_star) {
        rc = emit_projection(ctx, sc, s, names, final, top, out, err);
        if (rc >= 0)
            return rc;
    }
    rs_buf parts = RS_BUF_INIT;
    rc = emit_row_parts(ctx, sc, s, names, has_star, final, top, &parts, &n_parts, err);
    if (top && has_star)
        ctx->columns_star = 1;
    if (rc == 0 && n_parts > 1)
        rs_buf_printf(out, "rs_merge(%d,%s)", final, rs_buf_cstr(&parts));
    else if (rc == 0)
        rs_buf_puts(out, rs_buf_cstr(&parts));
    if (parts.oom && rc == 0)
        rc = nomem(err);
    rs_buf_free(&parts);
    return rc;
}

/* ---------------- SELECT ---------------- */

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

/* One ORDER BY key in Rockset's order of types and values: rs_skey, rank and value in one blob
 * (value.h's total order), preceded by a null test when NULLS FIRST/LAST overrides the default
 * (nulls first ascending, last descending). value is the key's SQLite text. */
/* NULLS FIRST/LAST as an override of the default, or 0 when it spells the default (nulls
 * first ascending, last descending), so that such a key stays one index-ordered term. */
static int nulls_override(int desc, int nulls) {
    return (nulls == 1 && !desc) || (nulls == 2 && desc) ? 0 : nulls;
}

static void put_order_key(rs_buf *out, const char *value, int desc, int nulls) {
    const char *dir = desc ? " DESC" : "";
    nulls = nulls_override(desc, nulls);
    if (nulls != 0)
        rs_buf_printf(out, "rs_nullish(%s)%s,", value, nulls == 1 ? " DESC" : "");
    rs_buf_printf(out, "rs_skey(%s)%s", value, dir);
}

/* Whether a key's SQLite text reads a collection's _id: `rs_get(rN.doc,'_id')`. Every stored
 * document has one, a non-empty string (docs.c refuses anything else), so SQLite's own text
 * order is Rockset's order for it and rs_skey can be spared (top-N ties broken by _id). */
static int reads_collection_id(scope *sc, const char *value) {
    int rel, end = 0;
    if (sscanf(value, "rs_get(r%d.doc,'_id')%n", &rel, &end) != 1 || value[end] != '\0')
        return 0;
    for (scope *s = sc; s != NULL; s = s->parent)
        for (int i = 0; i < s->n_rels; i++)
            if (s->rels[i].rel == rel)
                return s->rels[i].collection;
    return 0;
}

static int emit_order_key(sqlx_emit_ctx *ctx, scope *sc, const sqlx_node *e, const sqlx_order *o,
                          rs_buf *out, rs_err *err) {
    rs_buf value = RS_BUF_INIT;
    int rc = emit_val(ctx, sc, e, &value, err);
    if (rc == 0 && value.oom)
        rc = nomem(err);
    if (rc == 0 && reads_collection_id(sc, rs_buf_cstr(&value))) {
        /* SQLite's NULL (an outer join's missing row) is first ascending, last descending,
         * as Rockset's null is: only NULLS FIRST/LAST needs the extra key */
        if (nulls_override(o->desc, o->nulls) != 0)
            rs_buf_printf(out, "rs_nullish(%s)%s,", rs_buf_cstr(&value),
                          o->nulls == 1 ? " DESC" : "");
        rs_buf_printf(out, "%s%s", rs_buf_cstr(&value), o->desc ? " DESC" : "");
    } else if (rc == 0) {
        put_order_key(out, rs_buf_cstr(&value), o->desc, o->nulls);
    }
    rs_buf_free(&value);
    return rc;
}

static int emit_order_terms(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s,
                            const sqlx_select *items_of, rs_buf *out, rs_err *err) {
    int rc = 0;
    if (!s->n_order)
        return 0;
    rs_buf_puts(out, " ORDER BY ");
    for (int i = 0; i < s->n_order && !rc; i++) {
        const sqlx_node *e = s->order[i].expr;
        if (items_of != NULL) {
            e = sqlx_ordinal_item(items_of, e, err, &rc);
            if (e == NULL)
                return rc;
        }
        rs_buf_puts(out, i ? "," : "");
        rc = emit_order_key(ctx, sc, e, &s->order[i], out, err);
    }
    return rc;
}

static int emit_limit(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, int64_t default_limit,
                      rs_buf *out, rs_err *err) {
    int rc = 0;
    if (s->limit != NULL) {
        rs_buf_puts(out, " LIMIT ");
        rc = emit_val(ctx, sc, s->limit, out, err);
    } else if (default_limit > 0 && !s->limit_all) {
        rs_buf_printf(out, " LIMIT %lld", (long long)default_limit);
    } else if (s->offset != NULL) {
        rs_buf_puts(out, " LIMIT -1");
    }
    if (!rc && s->offset) {
        rs_buf_puts(out, " OFFSET ");
        rc = emit_val(ctx, sc, s->offset, out, err);
    }
    return rc;
}

static int emit_ctes(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, rs_buf *out,
                     rs_err *err) {
    if (!s->n_ctes)
        return 0;
    rs_buf_puts(out, "WITH ");
    for (int i = 0; i < s->n_ctes; i++) {
        if (sc->n_ctes == (int)(sizeof sc->ctes / sizeof sc->ctes[0]))
            return sqlx_error(err, RS_EUNSUPPORTED, s->line, s->column,
                              "unsupported SQL: more than 32 CTEs");
        int id = ctx->n_cte++;
        rs_buf_printf(out, "%scte%d AS (", i ? ", " : "", id);
        int rc = emit_query(ctx, sc, s->ctes[i].sel, MODE_DOC, 0, out, err);
        if (rc)
            return rc;
        rs_buf_puts(out, ")");
        /* visible to later CTEs and to the body */
        sc->ctes[sc->n_ctes].name = s->ctes[i].name;
        sc->ctes[sc->n_ctes].id = id;
        sc->ctes[sc->n_ctes].sel = s->ctes[i].sel;
        sc->n_ctes++;
    }
    rs_buf_putc(out, ' ');
    return 0;
}

/* Under grouping sets, split the rendered GROUP BY texts into this set's keys (group_texts)
 * and the ones it leaves out (null_texts); an expression both in and out (`GROUP BY 1, a` with
 * item 1 = a) stays a key. */
static int split_grouping_set(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, rs_err *err) {
    const char **keys = sqlx_alloc(ctx->arena, (size_t)s->n_group * sizeof *keys);
    const char **nulls = sqlx_alloc(ctx->arena, (size_t)s->n_group * sizeof *nulls);
    int n_keys = 0, n_nulls = 0;
    if (keys == NULL || nulls == NULL)
        return nomem(err);
    for (int i = 0; i < s->n_group; i++)
        if (s->gset_mask >> i & 1)
            keys[n_keys++] = sc->all_group_texts[i];
    for (int i = 0; i < s->n_group; i++) {
        const char *text = sc->all_group_texts[i];
        int kept = 0;
        for (int k = 0; k < n_keys; k++)
            kept |= strcmp(keys[k], text) == 0;
        if (!kept)
            nulls[n_nulls++] = text;
        else
            sc->key_mask |= (uint64_t)1 << i;
    }
    sc->group_texts = keys;
    sc->n_group_texts = n_keys;
    sc->null_texts = nulls;
    sc->n_null_texts = n_nulls;
    return 0;
}

/* The SQLite text of each GROUP BY expression (ordinals and select aliases resolved), kept in
 * the scope so that the select list, HAVING and ORDER BY read the group keys. */
static int render_group_texts(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, rs_err *err) {
    int rc = 0;
    sc->grouped = s->grouped;
    if (s->n_group == 0)
        return 0;
    sc->group_texts = sqlx_alloc(ctx->arena, (size_t)s->n_group * sizeof *sc->group_texts);
    if (sc->group_texts == NULL)
        return nomem(err);
    sc->alias_sel = s;
    sc->in_group_by = 1;
    for (int i = 0; i < s->n_group && rc == 0; i++) {
        const sqlx_node *e = sqlx_ordinal_item(s, s->group[i], err, &rc);
        if (e == NULL)
            break;
        if (sqlx_is_aggregate_call(e)) {
            rc = sqlx_error(err, RS_EINVAL, e->line, e->column,
                            "aggregate functions are not allowed in GROUP BY");
            break;
        }
        rc = refuse_window(e, "GROUP BY", err);
        if (rc)
            break;
        rs_buf text = RS_BUF_INIT;
        rc = emit_val(ctx, sc, e, &text, err);
        if (rc == 0 && text.oom)
            rc = nomem(err);
        if (rc == 0)
            sc->group_texts[i] = sqlx_strndup(ctx->arena, text.data, text.len);
        if (rc == 0 && sc->group_texts[i] == NULL)
            rc = nomem(err);
        rs_buf_free(&text);
    }
    sc->alias_sel = NULL;
    sc->in_group_by = 0;
    if (rc)
        return rc;
    sc->all_group_texts = sc->group_texts;
    sc->n_all_group = s->n_group;
    if (s->gset_branch)
        return split_grouping_set(ctx, sc, s, err);
    sc->n_group_texts = s->n_group;
    sc->key_mask = ~(uint64_t)0;
    return 0;
}

/* The first window function call in an expression (outside subqueries), or NULL. */
static const sqlx_node *first_window_call(const sqlx_node *n) {
    for (; n != NULL; n = n->a) {
        const sqlx_node *found = NULL;
        if (n->kind == N_FUNC && n->over != NULL)
            return n;
        if (n->b != NULL)
            found = first_window_call(n->b);
        if (found == NULL && n->c != NULL)
            found = first_window_call(n->c);
        for (int i = 0; found == NULL && i < n->n_list; i++)
            found = first_window_call(n->list[i]);
        for (int i = 0; found == NULL && n->kind == N_PATH && i < n->n_parts; i++)
            found = first_window_call(n->index[i]);
        if (found != NULL)
            return found;
    }
    return NULL;
}

/* The first aggregate call in an expression (outside subqueries), or NULL. */
static const sqlx_node *first_aggregate_call(const sqlx_node *n) {
    for (; n != NULL; n = n->a) {
        const sqlx_node *found = NULL;
        if (sqlx_is_aggregate_call(n))
            return n;
        if (n->b != NULL)
            found = first_aggregate_call(n->b);
        if (found == NULL && n->c != NULL)
            found = first_aggregate_call(n->c);
        for (int i = 0; found == NULL && i < n->n_list; i++)
            found = first_aggregate_call(n->list[i]);
        for (int i = 0; found == NULL && n->kind == N_PATH && i < n->n_parts; i++)
            found = first_aggregate_call(n->index[i]);
        if (found != NULL)
            return found;
    }
    return NULL;
}

/* WHERE filters rows before they are grouped: an aggregate there is an error naming it. */
static int refuse_aggregate_in_where(const sqlx_node *where, rs_err *err) {
    const sqlx_node *agg = first_aggregate_call(where);
    char upper[64];
    if (agg == NULL)
        return 0;
    upper_copy(upper, sizeof upper, agg->name);
    return sqlx_error(err, RS_EINVAL, agg->line, agg->column,
                      "aggregate function '%s' is not allowed in WHERE", upper);
}

/* Window functions are computed after WHERE, GROUP BY and HAVING: refuse them there. */
static int refuse_window(const sqlx_node *e, const char *clause, rs_err *err) {
    const sqlx_node *w = first_window_call(e);
    if (w == NULL)
        return 0;
    char upper[64];
    upper_copy(upper, sizeof upper, w->name);
    return sqlx_error(err, RS_EINVAL, w->line, w->column,
                      "window function '%s' is not allowed in %s", upper, clause);
}

static int selects_aggregate(const sqlx_select *s) {
    if (s->having != NULL && contains_aggregate(s->having))
        return 1;
    for (int i = 0; i < s->n_items; i++)
        if (s->items[i].expr->kind != N_STAR && contains_aggregate(s->items[i].expr))
            return 1;
    return 0;
}

static int emit_group_having(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, rs_buf *out,
                             rs_err *err) {
    int rc = 0;
    for (int i = 0; i < sc->n_group_texts; i++)
        rs_buf_printf(out, "%srs_gkey(%s)", i ? "," : " GROUP BY ", sc->group_texts[i]);
    /* GROUP BY () groups every row into one. With an aggregate selected SQLite does that
     * already (and answers one row on no input, as SQL wants); without one, a constant key
     * makes the one group. */
    if (s->grouped && sc->n_group_texts == 0 && !selects_aggregate(s))
        rs_buf_puts(out, " GROUP BY NULL");
    sc->alias_sel = s;
    if (s->having != NULL) {
        rc = refuse_window(s->having, "HAVING", err);
        if (rc)
            return rc;
        rs_buf_puts(out, " HAVING ");
        rc = emit_cond(ctx, sc, s->having, out, err);
    }
    sc->alias_sel = NULL;
    return rc;
}

/* ---------------- field indexes (server/fieldindex.h) ----------------
 *
 * A SELECT over one collection whose WHERE has a conjunct a field index can serve (path = c,
 * <, <=, >, >=, BETWEEN, IN (...), LIKE 'prefix%', IS NULL, with c a literal or parameter)
 * gets, next to that conjunct, the same test on the index's key: rs_skey(rs_get(r.doc, ...))
 * against rs_skey(c). The original conjunct implies it, so results do not change; SQLite uses
 * the index for it. ORDER BY an indexed path with LIMIT (top-N) is served in index order. */

/* One conjunct's key test, written in index_plan.conj[start, end): the range of keys it reads,
 * for the catalog's estimate (sqlx_catalog.estimate), when it has one. */
#define MAX_KEY_TESTS 32
typedef struct key_test {
    int rel;
    char args[256];
    const char *fn; /* a function index's function (SQLX_TS_ISO_KEY_FN), NULL: the path's own */
    size_t start, end;
    rs_buf lo, hi; /* key expressions, empty when unbounded */
    int lo_incl, hi_incl;
    int64_t est;   /* documents in the range, -1 unknown (kept) */
    int64_t count; /* the chosen test's exact count, -1 unknown or beyond the cap */
    int drop;
} key_test;

struct index_plan {
    binding *rel; /* the one collection, or NULL: any indexed collection of the scope */
    int cur;      /* the relation (r<cur>) of the path a test is being written for */
    rs_buf conj;  /* " AND rs_skey(...) ..." for the WHERE */
    int n_conj;
    const char *fn;  /* the test being written reads a function index (key_test.fn) */
    int top_n;       /* ORDER BY an indexed path ... LIMIT */
    int order_first; /* the top-N reads the order's index; other paths' tests dropped */
    /* the test being written: its range (put_key_bound and the like fill it) */
    rs_buf lo, hi, args;
    int lo_incl, hi_incl, estimable;
    key_test tests[MAX_KEY_TESTS];
    int n_tests;
};

static binding *indexable_relation(scope *sc, const sqlx_select *s) {
    if (s->from == NULL || s->from->kind != F_TABLE || sc->n_rels != 1)
        return NULL;
    binding *b = &sc->rels[0];
    return b->collection && b->data_table != NULL && b->is_indexed != NULL ? b : NULL;
}

/* The collection of this scope read as relation r<rel> through its field indexes, or NULL
 * (outer scopes' relations are not this SELECT's to plan; a keyed join's wrapper is not one). */
static const binding *indexed_binding(scope *sc, int rel) {
    for (int i = 0; i < sc->n_rels; i++)
        if (sc->rels[i].rel == rel)
            return sc->rels[i].collection && sc->rels[i].data_table != NULL &&
                           sc->rels[i].is_indexed != NULL
                       ? &sc->rels[i]
                       : NULL;
    return NULL;
}

/* The rs_get arguments ("'a','b'") of a path of field names, when it reads an indexed path of
 * relation `only` (or, only NULL, of any indexed collection of the scope); *rel: its relation.
 * Returns 1 for a field index, 2 for _id (the primary key of the collection's table, whose
 * column holds the documents' _id strings), 0 when no index serves the path. */
/* The collection a path of field names reads (relation `only`, or any indexed one of the
 * scope), its rs_get arguments appended to args and *rel set; NULL when it reads none. */
static const binding *path_binding(sqlx_emit_ctx *ctx, scope *sc, const binding *only,
                                   const sqlx_node *e, rs_buf *args, int *rel, rs_err *err) {
    rs_buf text = RS_BUF_INIT;
    const binding *b = NULL;
    int n = 0;
    if (e->kind != N_PATH)
        return NULL;
    for (int i = 0; i < e->n_parts; i++)
        if (e->names[i] == NULL)
            return NULL; /* array subscripts are not indexed */
    if (emit_path(ctx, sc, e, "rs_get", &text, err) != 0) {
        rs_err_clear(err);
        rs_buf_free(&text);
        return NULL;
    }
    if (!text.oom && sscanf(text.data, "rs_get(r%d.doc,%n", rel, &n) == 1 && n > 0 &&
        text.len > (size_t)n + 1 && text.data[text.len - 1] == ')')
        b = only != NULL ? (only->rel == *rel ? only : NULL) : indexed_binding(sc, *rel);
    if (b != NULL)
        rs_buf_append(args, text.data + n, text.len - (size_t)n - 1);
    rs_buf_free(&text);
    return b != NULL && !args->oom ? b : NULL;
}

static int indexed_path_args(sqlx_emit_ctx *ctx, scope *sc, const binding *only, const sqlx_node *e,
                             rs_buf *args, int *rel, rs_err *err) {
    const binding *b = path_binding(ctx, sc, only, e, args, rel, err);
    if (b == NULL)
        return 0;
    if (strcmp(rs_buf_cstr(args), "'_id'") == 0)
        return 2; /* the table's primary key */
    return b->is_indexed(b->has_field_ctx, b->data_table, rs_buf_cstr(args)) > 0;
}

/* PARSE_TIMESTAMP_ISO8601(path): 1 (args, *rel set) when the path's function index on
 * SQLX_TS_ISO_KEY_FN serves it. Asking is a use: without one, the server builds it for the
 * queries after this one. */
static int indexed_fn_args(sqlx_emit_ctx *ctx, scope *sc, const binding *only, const sqlx_node *e,
                           rs_buf *args, int *rel, rs_err *err) {
    sqlx_index ix;
    if (e->kind != N_FUNC || e->name == NULL || strcasecmp(e->name, "PARSE_TIMESTAMP_ISO8601") ||
        e->n_list != 1 || e->over != NULL || e->distinct || e->star)
        return 0;
    const binding *b = path_binding(ctx, sc, only, e->list[0], args, rel, err);
    if (b == NULL || b->catalog == NULL || b->catalog->index_for == NULL)
        return 0;
    return b->catalog->index_for(b->catalog->ctx, b->data_table, SQLX_INDEX_FUNCTION,
                                 rs_buf_cstr(args), SQLX_TS_ISO_KEY_FN, &ix) == 1;
}

/* Whether n has one value for the whole statement, so that its key bounds an index read:
 * literals, parameters, and deterministic functions, casts and arithmetic of those
 * (PARSE_TIMESTAMP_ISO8601(:start), :start + INTERVAL 1 DAY). A volatile function
 * (CURRENT_TIMESTAMP, RAND) could answer the key test and the conjunct differently. */
static int is_index_constant(const sqlx_node *n) {
    static const char *const arithmetic[] = {"+", "-", "*", "/", "||"};
    const rt_function *fn;
    switch (n->kind) {
    case N_LIT_INT:
    case N_LIT_FLOAT:
    case N_LIT_STRING:
    case N_LIT_BOOL:
    case N_LIT_TYPED:
    case N_PARAM:
        return 1;
    case N_UNARY:
        return strcmp(n->op, "-") == 0 && is_index_constant(n->a);
    case N_CAST:
        return is_index_constant(n->a);
    case N_BINARY:
        for (size_t i = 0; i < sizeof arithmetic / sizeof arithmetic[0]; i++)
            if (strcmp(n->op, arithmetic[i]) == 0)
                return is_index_constant(n->a) && is_index_constant(n->b);
        return 0;
    case N_FUNC:
        fn = n->name != NULL ? rt_catalog_find(n->name) : NULL;
        if (fn == NULL || fn->kind != RT_SCALAR || (fn->flags & RT_VOLATILE) || n->over != NULL ||
            n->star || n->distinct || n->n_list == 0)
            return 0;
        for (int i = 0; i < n->n_list; i++)
            if (!is_index_constant(n->list[i]))
                return 0;
        return 1;
    default:
        return 0;
    }
}

/* The key of relation rel's index on path args (fn: a function index's function, or NULL), as
 * the index's expression writes it: a key test compares exactly this, or SQLite does not see
 * the index. */
static void put_index_key(rs_buf *out, const char *fn, int rel, const char *args) {
    if (fn != NULL)
        rs_buf_printf(out, "rs_skey(%s(rs_get(r%d.doc,%s)))", fn, rel, args);
    else
        rs_buf_printf(out, "rs_skey(rs_get(r%d.doc,%s))", rel, args);
}

/* " AND rs_skey(rs_get(r.doc,args)) <op> <fn>(<c>,<is _event_time>)" */
static int put_key_bound(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const char *args,
                         const char *op, const char *fn, const sqlx_node *c, rs_err *err) {
    rs_buf_puts(&ip->conj, " AND ");
    put_index_key(&ip->conj, ip->fn, ip->cur, args);
    rs_buf_printf(&ip->conj, " %s ", op);
    rs_buf_reset(&ip->args);
    rs_buf_puts(&ip->args, args);
    size_t from = ip->conj.len;
    rs_buf_printf(&ip->conj, "%s(", fn);
    int rc = emit_val(ctx, sc, c, &ip->conj, err);
    /* a function index on SQLX_TS_ISO_KEY_FN holds only timestamps, as _event_time does */
    rs_buf_printf(&ip->conj, ",%d)", ip->fn != NULL || strcmp(args, "'_event_time'") == 0);
    rs_buf *bound = op[0] == '>' ? &ip->lo : &ip->hi;
    if (!ip->conj.oom) {
        rs_buf_reset(bound);
        rs_buf_append(bound, ip->conj.data + from, ip->conj.len - from);
    }
    *(op[0] == '>' ? &ip->lo_incl : &ip->hi_incl) = op[1] == '=';
    ip->estimable = 1;
    return rc;
}

/* The key test of path <op> c. rs_cmp compares some values of different types (a date and a
 * string it reads as, a DATE and a TIMESTAMP), whose keys lie in other ranks, so the bounds are
 * rs_klo / rs_khi (runtime/value.h's rv_key_bound): c's key when it bounds every value c
 * compares with, else the whole index; = is the range between the two. */
static int put_key_test(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const char *args,
                        const char *op, const sqlx_node *c, rs_err *err) {
    int rc = 0;
    if (op[0] != '<')
        rc = put_key_bound(ctx, sc, ip, args, op[0] == '=' ? ">=" : op, "rs_klo", c, err);
    if (!rc && op[0] != '>')
        rc = put_key_bound(ctx, sc, ip, args, op[0] == '=' ? "<=" : op, "rs_khi", c, err);
    ip->n_conj += rc == 0;
    return rc;
}

/* A string literal that rs_cmp compares as text with every string (it reads as no date). */
static int is_plain_string(const sqlx_node *n) {
    return n->kind == N_LIT_STRING && !rv_string_is_temporal(n->text, strlen(n->text));
}

/* " AND r._id = <c>": the conjunct _id = c implies it (a TEXT column: c is compared as text). */
static int put_id_test(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_node *c,
                       rs_err *err) {
    rs_buf_puts(&ip->args, "'_id'");
    rs_buf_printf(&ip->conj, " AND r%d._id = (", ip->cur);
    int rc = emit_val(ctx, sc, c, &ip->conj, err);
    rs_buf_putc(&ip->conj, ')');
    ip->n_conj += rc == 0;
    return rc;
}

/* path <op> c, or c <op> path (flipped). */
static int comparison_key_test(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_node *n,
                               rs_err *err) {
    /* the operator as written, as the key test writes it, and with its sides swapped */
    static const char *const ops[][3] = {{"=", "=", "="},    {"==", "=", "="}, {"<", "<", ">"},
                                         {"<=", "<=", ">="}, {">", ">", "<"},  {">=", ">=", "<="}};
    rs_buf args = RS_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(n->op, ops[i][0]) != 0)
            continue;
        int side = 0, found = 0;
        if (is_index_constant(n->b) &&
            (found = indexed_path_args(ctx, sc, ip->rel, n->a, &args, &ip->cur, err)) != 0)
            side = 1;
        else if (is_index_constant(n->a) &&
                 (found = indexed_path_args(ctx, sc, ip->rel, n->b, &args, &ip->cur, err)) != 0)
            side = 2;
        if (side == 0 && is_index_constant(n->b) &&
            indexed_fn_args(ctx, sc, ip->rel, n->a, &args, &ip->cur, err))
            side = 1, found = 1, ip->fn = SQLX_TS_ISO_KEY_FN;
        else if (side == 0 && is_index_constant(n->a) &&
                 indexed_fn_args(ctx, sc, ip->rel, n->b, &args, &ip->cur, err))
            side = 2, found = 1, ip->fn = SQLX_TS_ISO_KEY_FN;
        const sqlx_node *c = side == 1 ? n->b : n->a;
        if (found == 2 && i < 2 && is_plain_string(c)) /* _id = 'x': the primary key */
            rc = put_id_test(ctx, sc, ip, c, err);
        else if (found == 1)
            rc = put_key_test(ctx, sc, ip, rs_buf_cstr(&args), ops[i][side], c, err);
        break;
    }
    rs_buf_free(&args);
    return rc;
}

/* The literal prefix of a LIKE pattern (before any %, _ or backslash), or NULL. */
static char *like_prefix(sqlx_emit_ctx *ctx, const sqlx_node *pattern) {
    if (pattern->kind != N_LIT_STRING)
        return NULL;
    size_t n = strcspn(pattern->text, "%_\\");
    if (n == 0 || pattern->text[n] == '\0')
        return NULL; /* no prefix, or no wildcard: = serves it */
    return sqlx_strndup(ctx->arena, pattern->text, n);
}

/* LIKE 'abc%': abc <= key < abd (the last byte raised; none when it is 0xFF). */
static int like_key_test(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_node *n,
                         rs_err *err) {
    rs_buf args = RS_BUF_INIT;
    char *prefix = like_prefix(ctx, n->b);
    int rc = 0;
    if (prefix != NULL && !n->negated && n->name == NULL && n->c == NULL &&
        indexed_path_args(ctx, sc, ip->rel, n->a, &args, &ip->cur, err) == 1) {
        size_t len = strlen(prefix);
        rs_buf_puts(&ip->lo, "rs_skey(");
        put_sql_string(&ip->lo, prefix);
        rs_buf_putc(&ip->lo, ')');
        ip->lo_incl = 1;
        rs_buf_reset(&ip->args);
        rs_buf_puts(&ip->args, rs_buf_cstr(&args));
        rs_buf_printf(&ip->conj, " AND rs_skey(rs_get(r%d.doc,%s)) >= %s", ip->cur,
                      rs_buf_cstr(&args), rs_buf_cstr(&ip->lo));
        if ((unsigned char)prefix[len - 1] != 0xFF) {
            prefix[len - 1]++;
            rs_buf_puts(&ip->hi, "rs_skey(");
            put_sql_string(&ip->hi, prefix);
            rs_buf_putc(&ip->hi, ')');
            rs_buf_printf(&ip->conj, " AND rs_skey(rs_get(r%d.doc,%s)) < %s", ip->cur,
                          rs_buf_cstr(&args), rs_buf_cstr(&ip->hi));
        }
        ip->estimable = 1;
        ip->n_conj++;
    }
    rs_buf_free(&args);
    return rc;
}

static int leaf_key_tests(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_node *n,
                          rs_err *err);

/* The key tests one top-level conjunct of WHERE allows, each recorded with its range. */
static int conjunct_key_tests(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_node *n,
                              rs_err *err) {
    int rc = 0;
    if (n->kind == N_BINARY && strcmp(n->op, "AND") == 0) {
        rc = conjunct_key_tests(ctx, sc, ip, n->a, err);
        return rc ? rc : conjunct_key_tests(ctx, sc, ip, n->b, err);
    }
    size_t start = ip->conj.len;
    int before = ip->n_conj;
    rs_buf_reset(&ip->lo);
    rs_buf_reset(&ip->hi);
    rs_buf_reset(&ip->args);
    ip->lo_incl = ip->hi_incl = ip->estimable = 0;
    ip->fn = NULL;
    rc = leaf_key_tests(ctx, sc, ip, n, err);
    const char *args = rs_buf_cstr(&ip->args);
    if (!rc && ip->n_conj > before && ip->n_tests < MAX_KEY_TESTS) {
        key_test *t = &ip->tests[ip->n_tests++];
        memset(t, 0, sizeof *t);
        t->rel = ip->cur;
        t->fn = ip->fn;
        t->count = -1;
        snprintf(t->args, sizeof t->args, "%s", args);
        t->start = start;
        t->end = ip->conj.len;
        t->est = -1;
        if (ip->estimable && strlen(args) < sizeof t->args) {
            rs_buf_append(&t->lo, ip->lo.data ? ip->lo.data : "", ip->lo.len);
            rs_buf_append(&t->hi, ip->hi.data ? ip->hi.data : "", ip->hi.len);
            t->lo_incl = ip->lo_incl;
            t->hi_incl = ip->hi_incl;
            t->est = -2; /* to be asked */
        }
    } else if (!rc && ip->n_conj > before) {
        ip->n_tests = MAX_KEY_TESTS + 1; /* too many to choose among: keep them all */
    }
    return rc;
}

/* ---- type tests: TYPEOF(path) as ranges of the path's keys ----
 *
 * A key begins with its value's rank (runtime/value.h: null and undefined 1, bool 2, numbers 3,
 * string 5, bytes 6, ... u256 16), so a set of types is a set of key ranges. The shape served is
 * what the virtual table sends for the rows Rockset orders unlike SQLite (src/scan/planner.c):
 * NOT (TYPEOF(p) IN ('int', 'string', 'null', 'undefined') OR (TYPEOF(p) = 'float' AND p > A AND
 * p < B)): every rank but the excluded ones, and of the numbers those at or beyond A and B. */
#define N_RANKS 17

typedef struct type_guard {
    const sqlx_node *path;
    int excluded[N_RANKS]; /* per rank: 2 every type of it excluded, 1 some, 0 none */
    int types[RV_N_TYPES];
    const sqlx_node *float_lo, *float_hi; /* finite floats (lo, hi) excluded */
} type_guard;

/* The path of TYPEOF(path), or NULL. */
static const sqlx_node *typeof_path(const sqlx_node *n) {
    return n->kind == N_FUNC && n->name != NULL && strcasecmp(n->name, "TYPEOF") == 0 &&
                   n->n_list == 1 && n->list[0]->kind == N_PATH && n->over == NULL
               ? n->list[0]
               : NULL;
}

static int guard_path(type_guard *g, const sqlx_node *p) {
    if (p == NULL || (g->path != NULL && !sqlx_same_node(g->path, p)))
        return 0;
    g->path = p;
    return 1;
}

static int guard_type(type_guard *g, const char *name) {
    rv_type t;
    if (strcmp(name, "undefined") == 0)
        t = RV_UNDEFINED;
    else if (rv_type_from_name(name, &t) != 0)
        return 0;
    g->types[t] = 1;
    return 1;
}

/* TYPEOF(p) = 'float' AND p > A AND p < B (A, B constants), in any order. */
static int guard_finite_floats(type_guard *g, const sqlx_node *n) {
    const sqlx_node *parts[3];
    int k = 0, is_float = 0;
    if (n->kind != N_BINARY || strcmp(n->op, "AND") != 0 || n->a->kind != N_BINARY ||
        strcmp(n->a->op, "AND") != 0)
        return 0;
    parts[k++] = n->a->a;
    parts[k++] = n->a->b;
    parts[k++] = n->b;
    for (int i = 0; i < 3; i++) {
        const sqlx_node *c = parts[i];
        if (c->kind != N_BINARY)
            return 0;
        if (strcmp(c->op, "=") == 0 && guard_path(g, typeof_path(c->a)) &&
            c->b->kind == N_LIT_STRING && strcmp(c->b->text, "float") == 0)
            is_float = 1;
        else if (strcmp(c->op, ">") == 0 && guard_path(g, c->a) && is_index_constant(c->b))
            g->float_lo = c->b;
        else if (strcmp(c->op, "<") == 0 && guard_path(g, c->a) && is_index_constant(c->b))
            g->float_hi = c->b;
        else
            return 0;
    }
    return is_float && g->float_lo != NULL && g->float_hi != NULL;
}

static int guard_disjunct(type_guard *g, const sqlx_node *n) {
    if (n->kind == N_BINARY && strcmp(n->op, "OR") == 0)
        return guard_disjunct(g, n->a) && guard_disjunct(g, n->b);
    if (n->kind == N_INLIST && !n->negated && guard_path(g, typeof_path(n->a))) {
        for (int i = 0; i < n->n_list; i++)
            if (n->list[i]->kind != N_LIT_STRING || !guard_type(g, n->list[i]->text))
                return 0;
        return 1;
    }
    if (n->kind == N_BINARY && strcmp(n->op, "=") == 0 && guard_path(g, typeof_path(n->a)) &&
        n->b->kind == N_LIT_STRING)
        return guard_type(g, n->b->text);
    return guard_finite_floats(g, n);
}

/* A rank is excluded when every type of it is (null with undefined, int with float). */
static int rank_excluded(const type_guard *g, int rank) {
    if (rank == RV_NULL)
        return g->types[RV_NULL] && g->types[RV_UNDEFINED];
    if (rank == RV_INT)
        return g->types[RV_INT] && g->types[RV_FLOAT];
    return rank < RV_N_TYPES && rank != RV_UNDEFINED && g->types[rank];
}

/* Each bound is likely(...) small: whatever the guard keeps must be read in full anyway, so
 * reading just its ranges beats any plan that reads the rest of the collection as well (SQLite
 * would otherwise walk an ORDER BY's index through every document). */
#define GUARD_LIKELIHOOD "0.001"
static void put_rank_range(rs_buf *out, const char *key, int from, int to, int *n) {
    rs_buf_printf(out, "%s(likelihood(%s >= X'%02X'," GUARD_LIKELIHOOD ")", (*n)++ ? " OR " : "",
                  key, from);
    if (to < N_RANKS)
        rs_buf_printf(out, " AND likelihood(%s < X'%02X'," GUARD_LIKELIHOOD ")", key, to);
    rs_buf_putc(out, ')');
}

/* The numbers rank when ints are excluded and floats only between A and B: keys up to A's and
 * from B's. */
static int put_number_ends(sqlx_emit_ctx *ctx, scope *sc, const type_guard *g, rs_buf *out,
                           const char *key, int *n, rs_err *err) {
    rs_buf_printf(out,
                  "%s(likelihood(%s >= X'%02X'," GUARD_LIKELIHOOD ") AND likelihood(%s <= rs_skey(",
                  (*n)++ ? " OR " : "", key, RV_INT, key);
    int rc = emit_val(ctx, sc, g->float_lo, out, err);
    rs_buf_printf(out, ")," GUARD_LIKELIHOOD ")) OR (likelihood(%s >= rs_skey(", key);
    if (!rc)
        rc = emit_val(ctx, sc, g->float_hi, out, err);
    rs_buf_printf(out, ")," GUARD_LIKELIHOOD ") AND likelihood(%s < X'%02X'," GUARD_LIKELIHOOD "))",
                  key, RV_INT + 1);
    return rc;
}

/* The key ranges of one guard's path (every rank its tests leave), ORed into out. */
static int put_guard_ranges(sqlx_emit_ctx *ctx, scope *sc, const type_guard *g, const char *key,
                            rs_buf *out, int *parts, rs_err *err) {
    int rc = 0;
    for (int r = 1; !rc && r < N_RANKS; r++) {
        int split = g->types[RV_INT] && !g->types[RV_FLOAT] && g->float_lo != NULL;
        if (r == RV_INT + 1) /* floats share the numbers' rank */
            continue;
        if (r == RV_INT && split) {
            rc = put_number_ends(ctx, sc, g, out, key, parts, err);
            continue;
        }
        if (rank_excluded(g, r))
            continue;
        int to = r + 1;
        while (to < N_RANKS && (to == RV_INT + 1 || !rank_excluded(g, to)) &&
               !(to == RV_INT && split))
            to++;
        put_rank_range(out, key, r, to, parts);
        r = to - 1;
    }
    return rc;
}

/* NOT (type tests of one indexed path), or NOT (such tests AND such tests ...) on several (the
 * virtual table's guard of a split ORDER BY on several keys: a row is REST when any key is): the
 * key ranges of each, one conjunct of ORs. */
#define MAX_GUARDS 8
static int type_guard_key_test(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_node *n,
                               rs_err *err) {
    const sqlx_node *each[MAX_GUARDS];
    type_guard g[MAX_GUARDS];
    rs_buf args[MAX_GUARDS], key = RS_BUF_INIT;
    int n_guards = 0, rc = 0, parts = 0, ok = 1, rel = -1;
    const sqlx_node *e = n->a;
    while (e->kind == N_BINARY && strcmp(e->op, "AND") == 0 && n_guards < MAX_GUARDS - 1) {
        each[n_guards++] = e->b; /* (A AND B) AND C: C first, then down the left */
        e = e->a;
    }
    each[n_guards++] = e;
    for (int i = 0; i < n_guards; i++) {
        memset(&g[i], 0, sizeof g[i]);
        rs_buf_init(&args[i]);
        ok = ok && guard_disjunct(&g[i], each[i]) && g[i].path != NULL &&
             indexed_path_args(ctx, sc, ip->rel, g[i].path, &args[i], &ip->cur, err) == 1 &&
             (rel < 0 || rel == ip->cur);
        rel = ok ? ip->cur : rel;
    }
    if (ok) {
        rs_buf_puts(&ip->conj, " AND (");
        for (int i = 0; !rc && i < n_guards; i++) {
            rs_buf_reset(&key);
            put_index_key(&key, NULL, ip->cur, rs_buf_cstr(&args[i]));
            rc = put_guard_ranges(ctx, sc, &g[i], rs_buf_cstr(&key), &ip->conj, &parts, err);
        }
        if (parts == 0)
            rs_buf_puts(&ip->conj, "0");
        rs_buf_putc(&ip->conj, ')');
        rs_buf_puts(&ip->args, rs_buf_cstr(&args[0]));
        ip->n_conj += rc == 0;
    }
    for (int i = 0; i < n_guards; i++)
        rs_buf_free(&args[i]);
    rs_buf_free(&key);
    return rc;
}

static int leaf_key_tests(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_node *n,
                          rs_err *err) {
    rs_buf args = RS_BUF_INIT;
    int rc = 0;
    if (n->kind == N_BINARY)
        return comparison_key_test(ctx, sc, ip, n, err);
    if (n->kind == N_UNARY && strcmp(n->op, "NOT") == 0)
        return type_guard_key_test(ctx, sc, ip, n, err);
    if (n->kind == N_LIKE)
        return like_key_test(ctx, sc, ip, n, err);
    if ((n->kind != N_ISNULL && n->kind != N_BETWEEN && n->kind != N_INLIST) || n->negated ||
        indexed_path_args(ctx, sc, ip->rel, n->a, &args, &ip->cur, err) != 1) {
        rs_buf_free(&args);
        return 0;
    }
    if (n->kind == N_ISNULL && n->ival == 0 && n->name == NULL) {
        rs_buf_printf(&ip->conj, " AND rs_skey(rs_get(r%d.doc,%s)) = rs_skey(NULL)", ip->cur,
                      rs_buf_cstr(&args));
        rs_buf_puts(&ip->args, rs_buf_cstr(&args));
        rs_buf_puts(&ip->lo, "rs_skey(NULL)");
        rs_buf_puts(&ip->hi, "rs_skey(NULL)");
        ip->lo_incl = ip->hi_incl = ip->estimable = 1;
        ip->n_conj++;
    } else if (n->kind == N_BETWEEN && is_index_constant(n->b) && is_index_constant(n->c)) {
        rc = put_key_test(ctx, sc, ip, rs_buf_cstr(&args), ">=", n->b, err);
        if (!rc)
            rc = put_key_test(ctx, sc, ip, rs_buf_cstr(&args), "<=", n->c, err);
    } else if (n->kind == N_INLIST) {
        int all_constant = n->n_list > 0;
        for (int i = 0; i < n->n_list; i++)
            all_constant &= is_index_constant(n->list[i]);
        if (all_constant)
            rs_buf_printf(&ip->conj, " AND rs_skey(rs_get(r%d.doc,%s)) IN (", ip->cur,
                          rs_buf_cstr(&args));
        size_t from = ip->conj.len;
        for (int i = 0; all_constant && !rc && i < n->n_list; i++) {
            rs_buf_puts(&ip->conj, i ? ",rs_skey(" : "rs_skey(");
            rc = emit_val(ctx, sc, n->list[i], &ip->conj, err);
            rs_buf_putc(&ip->conj, ')');
        }
        if (all_constant && !rc && !ip->conj.oom) {
            /* counted as the range from the least key to the greatest: at least the list */
            size_t len = ip->conj.len - from;
            rs_buf_puts(&ip->lo, n->n_list > 1 ? "min(" : "(");
            rs_buf_append(&ip->lo, ip->conj.data + from, len);
            rs_buf_putc(&ip->lo, ')');
            rs_buf_puts(&ip->hi, n->n_list > 1 ? "max(" : "(");
            rs_buf_append(&ip->hi, ip->conj.data + from, len);
            rs_buf_putc(&ip->hi, ')');
            rs_buf_puts(&ip->args, rs_buf_cstr(&args));
            ip->lo_incl = ip->hi_incl = ip->estimable = 1;
            rs_buf_putc(&ip->conj, ')');
            ip->n_conj++;
        }
    }
    rs_buf_free(&args);
    return rc;
}

/* Whether ORDER BY ... LIMIT of s can go into the arms: a plain SELECT (no grouping, DISTINCT,
 * aggregate or window function) whose first key is an indexed path in Rockset's order. */
static int top_n_applies(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, binding *b,
                         rs_buf *args, rs_err *err) {
    if (s->grouped || s->distinct || s->limit == NULL || s->n_order == 0 ||
        nulls_override(s->order[0].desc, s->order[0].nulls) != 0)
        return 0;
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_node *e = s->items[i].expr;
        if (e->kind != N_STAR && (contains_aggregate(e) || first_window_call(e) != NULL))
            return 0;
    }
    for (int i = 0; i < s->n_order; i++)
        if (contains_aggregate(s->order[i].expr) || first_window_call(s->order[i].expr) != NULL)
            return 0;
    int rel = 0;
    return indexed_path_args(ctx, sc, b, s->order[0].expr, args, &rel, err) == 1;
}

/* ---- choosing among a collection's key tests ----
 *
 * SQLite reads a collection through one index. Without histograms (Debian's SQLite has no
 * STAT4) it guesses how many documents a range holds, and it cannot compare a time window with
 * an equality on a field of three values. So when a collection has several key tests, the
 * catalog counts the documents in each one's range (tests on one path counted as one range),
 * bounded: under caps rising from ESTIMATE_CAP to ESTIMATE_CAP_WIDE documents, until one range
 * is counted under a cap (choose_for_relation). Only the smallest range keeps its test (the
 * conjuncts themselves all stay, so nothing else changes); tests the catalog cannot count stay. */
#define ESTIMATE_CAP      1000
#define ESTIMATE_CAP_WIDE 50000

/* The first test of t's group: same relation and path, both countable. */
static int group_of(const index_plan *ip, int t) {
    for (int i = 0; i < t; i++)
        if (ip->tests[i].est != -1 && ip->tests[i].rel == ip->tests[t].rel &&
            strcmp(ip->tests[i].args, ip->tests[t].args) == 0 && ip->tests[i].fn == ip->tests[t].fn)
            return i;
    return t;
}

/* Count group g's documents (its members' bounds together), up to cap. */
static int64_t estimate_group(scope *sc, const index_plan *ip, int g, int64_t cap) {
    const binding *b = indexed_binding(sc, ip->tests[g].rel);
    sqlx_range range = {NULL, 0, NULL, 0, 1};
    if (b == NULL || b->catalog == NULL || b->catalog->estimate == NULL)
        return -1;
    for (int i = g; i < ip->n_tests; i++) {
        const key_test *t = &ip->tests[i];
        if (t->est == -1 || group_of(ip, i) != g)
            continue;
        if (t->lo.len > 0 && range.lo == NULL) {
            range.lo = rs_buf_cstr(&t->lo);
            range.lo_incl = t->lo_incl;
        }
        if (t->hi.len > 0 && range.hi == NULL) {
            range.hi = rs_buf_cstr(&t->hi);
            range.hi_incl = t->hi_incl;
        }
    }
    return b->catalog->estimate(b->catalog->ctx, b->data_table,
                                ip->tests[g].fn ? SQLX_INDEX_FUNCTION : SQLX_INDEX_SCALAR,
                                ip->tests[g].args, ip->tests[g].fn, &range, cap);
}

/* Mark every countable test of relation rel but those of its smallest group as dropped.
 * The groups are counted together under rising caps: once one range is counted under a cap, it
 * is smaller than every range that reached the cap, and the counting stops. So the work is
 * about (groups x 4 x the smallest range), not a full count of each (a 24-hour window beside
 * `conclusion = 'failure'` in a million jobs: 2 x 50,000 keys, 8 ms, before). */
static void choose_for_relation(scope *sc, index_plan *ip, int rel) {
    static const int64_t caps[] = {ESTIMATE_CAP, 4 * ESTIMATE_CAP, 16 * ESTIMATE_CAP,
                                   ESTIMATE_CAP_WIDE};
    int64_t est[MAX_KEY_TESTS], cap_of[MAX_KEY_TESTS];
    int best = -1;
    for (int g = 0; g < ip->n_tests; g++)
        est[g] = -2; /* -2: to count; -1: cannot be counted */
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        int saturated = 0, exact = 0;
        for (int g = 0; g < ip->n_tests; g++) {
            if (ip->tests[g].rel != rel || ip->tests[g].est == -1 || group_of(ip, g) != g) {
                est[g] = -1;
                continue;
            }
            if (est[g] == -2 || est[g] >= caps[c > 0 ? c - 1 : 0]) {
                est[g] = estimate_group(sc, ip, g, caps[c]);
                cap_of[g] = caps[c];
            }
            saturated += est[g] >= caps[c];
            exact += est[g] >= 0 && est[g] < caps[c];
        }
        if (exact > 0 || saturated < 2)
            break;
    }
    for (int g = 0; g < ip->n_tests; g++)
        if (est[g] >= 0 && (best < 0 || est[g] < est[best]))
            best = g;
    for (int i = 0; best >= 0 && i < ip->n_tests; i++) {
        if (ip->tests[i].rel == rel && ip->tests[i].est != -1 && group_of(ip, i) != best &&
            est[group_of(ip, i)] >= 0)
            ip->tests[i].drop = 1;
        /* an exact count (under the cap it was asked with) says how selective the test is */
        if (ip->tests[i].rel == rel && group_of(ip, i) == best && est[best] < cap_of[best])
            ip->tests[i].count = est[best];
    }
}

/* SQLite without STAT4 knows a path's average documents per value, not that the values a test
 * asks for are rare (3 queued jobs among a million, with four statuses): it would scan. When
 * the catalog counted the chosen test's range exactly and it holds under 1/SELECTIVE of the
 * collection, the test is written as that range, each bound as likelihood(bound, share): the
 * planner reads a range term's likelihood as its selectivity (an equality or IN on an
 * expression index it would not), and still matches the index. */
#define SELECTIVE 20
static void put_selective_test(const binding *b, const key_test *t, const char *text, size_t len,
                               rs_buf *where) {
    int64_t docs = b && b->catalog && b->catalog->doc_count
                       ? b->catalog->doc_count(b->catalog->ctx, b->data_table)
                       : -1;
    if (t->count < 0 || docs <= 0 || t->count * SELECTIVE >= docs ||
        (t->lo.len == 0 && t->hi.len == 0)) {
        rs_buf_append(where, text, len);
        return;
    }
    double share = (double)(t->count > 0 ? t->count : 1) / (double)docs;
    rs_buf key = RS_BUF_INIT;
    put_index_key(&key, t->fn, t->rel, t->args);
    if (t->lo.len > 0)
        rs_buf_printf(where, " AND likelihood(%s >%s %s,%.9f)", rs_buf_cstr(&key),
                      t->lo_incl ? "=" : "", rs_buf_cstr(&t->lo), share);
    if (t->hi.len > 0)
        rs_buf_printf(where, " AND likelihood(%s <%s %s,%.9f)", rs_buf_cstr(&key),
                      t->hi_incl ? "=" : "", rs_buf_cstr(&t->hi), share);
    if (key.oom)
        where->oom = 1;
    rs_buf_free(&key);
}

/* LIMIT (plus OFFSET) of s when the statement gives it; else a top-N's usual size. */
#define TOP_N_ASSUMED 100
static int64_t limit_of(sqlx_emit_ctx *ctx, const sqlx_select *s) {
    int64_t n = TOP_N_ASSUMED, off = 0;
    const char *text = NULL;
    if (s->limit->kind == N_LIT_INT)
        text = s->limit->text;
    else if (s->limit->kind == N_PARAM && ctx->param_text != NULL)
        text = ctx->param_text(ctx->param_ctx, s->limit->name);
    if (text != NULL && strtoll(text, NULL, 10) > 0)
        n = strtoll(text, NULL, 10);
    if (s->offset != NULL && s->offset->kind == N_LIT_INT)
        off = strtoll(s->offset->text, NULL, 10);
    return n + (off > 0 ? off : 0);
}

/* A top-N (ORDER BY an indexed path LIMIT n) with filters on other paths: reading the order's
 * index from its end, checking the filters, reads about n * N / m documents (N in the
 * collection, m passing the filters, taken as independent of the order); reading the filters'
 * smallest range reads m and sorts them. The order wins when m * m > n * N: so when every other
 * key test's range counts at least sqrt(n * N) documents (a bounded count). Then those tests
 * are dropped (their conjuncts stay) and SQLite scans the order's index, stopping at n rows. */
static void prefer_order_index(sqlx_emit_ctx *ctx, scope *sc, index_plan *ip, const sqlx_select *s,
                               const char *order_args) {
    const binding *b = ip->rel;
    int64_t docs = b->catalog && b->catalog->doc_count
                       ? b->catalog->doc_count(b->catalog->ctx, b->data_table)
                       : -1;
    int others = 0;
    if (docs <= 0 || ip->n_tests > MAX_KEY_TESTS)
        return;
    double product = (double)limit_of(ctx, s) * (double)docs;
    int64_t cap = (int64_t)sqrt(product) + 1;
    for (int g = 0; g < ip->n_tests; g++) {
        if (ip->tests[g].rel != b->rel ||
            (ip->tests[g].fn == NULL && strcmp(ip->tests[g].args, order_args) == 0) ||
            group_of(ip, g) != g)
            continue;
        if (ip->tests[g].est == -1 || estimate_group(sc, ip, g, cap) < cap)
            return; /* a filter keeps few documents (or cannot be counted): read through it */
        others++;
    }
    for (int i = 0; others > 0 && i < ip->n_tests; i++)
        if (ip->tests[i].rel == b->rel &&
            (ip->tests[i].fn != NULL || strcmp(ip->tests[i].args, order_args) != 0))
            ip->tests[i].drop = 1;
    ip->order_first = others > 0;
}

/* Append to where the key tests chosen (every one when there are too many to choose among). */
static void put_chosen_tests(scope *sc, index_plan *ip, rs_buf *where) {
    if (ip->n_tests > MAX_KEY_TESTS) {
        rs_buf_append(where, ip->conj.data, ip->conj.len);
        return;
    }
    for (int i = 0; !ip->order_first && i < ip->n_tests; i++) {
        int seen = 0;
        for (int j = 0; j < i; j++)
            seen |= ip->tests[j].rel == ip->tests[i].rel;
        if (!seen)
            choose_for_relation(sc, ip, ip->tests[i].rel);
    }
    for (int i = 0; i < ip->n_tests; i++)
        if (!ip->tests[i].drop)
            put_selective_test(indexed_binding(sc, ip->tests[i].rel), &ip->tests[i],
                               ip->conj.data + ip->tests[i].start,
                               ip->tests[i].end - ip->tests[i].start, where);
}

/* Add the key tests of s's WHERE to where (the WHERE text, without " WHERE "): the collection's
 * table holds exactly the visible documents and carries the indexes, so SQLite serves the tests
 * (and an ORDER BY on an indexed path with LIMIT) from them. In a join each conjunct's test is
 * on the collection its path reads (a test the conjunct implies filters nothing more, even on
 * the null side of an outer join), and SQLite picks which index drives the join. */
static int plan_index_read(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, rs_buf *where,
                           rs_err *err) {
    index_plan ip;
    memset(&ip, 0, sizeof ip);
    ip.rel = indexable_relation(sc, s);
    if (ip.rel == NULL && (s->from == NULL || s->from->kind != F_JOIN))
        return 0;
    rs_buf order_args = RS_BUF_INIT;
    int rc = s->where != NULL ? conjunct_key_tests(ctx, sc, &ip, s->where, err) : 0;
    if (!rc && ip.rel != NULL)
        ip.top_n = top_n_applies(ctx, sc, s, ip.rel, &order_args, err);
    if (!rc && ip.top_n && ip.n_conj > 0 && !order_args.oom)
        prefer_order_index(ctx, sc, &ip, s, rs_buf_cstr(&order_args));
    if (!rc && ip.n_conj > 0)
        put_chosen_tests(sc, &ip, where);
    rs_buf_free(&order_args);
    if (!rc && (ip.n_conj > 0 || ip.top_n))
        ctx->index_form = 1;
    if (!rc && (ip.conj.oom || where->oom))
        rc = nomem(err);
    rs_buf_free(&ip.conj);
    rs_buf_free(&ip.lo);
    rs_buf_free(&ip.hi);
    rs_buf_free(&ip.args);
    for (int i = 0; i < ip.n_tests && i < MAX_KEY_TESTS; i++) {
        rs_buf_free(&ip.tests[i].lo);
        rs_buf_free(&ip.tests[i].hi);
    }
    return rc;
}

/* SELECT DISTINCT a, b is GROUP BY a, b, so that its rows are told apart by Rockset's
 * equality as groups are (null and undefined one key, 1 and 1.0 one key), not by the text of
 * the row document. Not with stars, aggregates or window functions (DISTINCT applies after
 * them); NULL when the SELECT stays as written. */
static const sqlx_select *distinct_as_group_by(sqlx_emit_ctx *ctx, const sqlx_select *s) {
    if (!s->distinct || s->grouped || s->n_items > 64)
        return NULL;
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_node *e = s->items[i].expr;
        if (e->kind == N_STAR || contains_aggregate(e) || first_window_call(e) != NULL)
            return NULL;
    }
    sqlx_select *g = sqlx_alloc(ctx->arena, sizeof *g);
    sqlx_node **keys = sqlx_alloc(ctx->arena, (size_t)s->n_items * sizeof *keys);
    if (g == NULL || keys == NULL)
        return NULL;
    for (int i = 0; i < s->n_items; i++)
        keys[i] = s->items[i].expr;
    *g = *s;
    g->distinct = 0;
    g->grouped = 1;
    g->group = keys;
    g->n_group = s->n_items;
    return g;
}

/* A plain SELECT core with its own ORDER BY / LIMIT. */
static int emit_simple(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, sel_mode mode,
                       int final, int top, int64_t default_limit, rs_buf *out, rs_err *err) {
    int rc = 0;
    const sqlx_select *grouped = distinct_as_group_by(ctx, s);
    if (grouped != NULL)
        s = grouped;
    else if (ctx->arena->oom)
        return nomem(err);
    rs_buf from = RS_BUF_INIT, where = RS_BUF_INIT, order = RS_BUF_INIT;
    const sqlx_select *names_of = ctx->names_of; /* for this SELECT's items, not FROM's */
    ctx->names_of = NULL;
    sc->where_keys = s->where;
    if (s->n_cluster > 0)
        return sqlx_error(err, RS_EINVAL, s->cluster_line, s->cluster_column,
                          "CLUSTER BY belongs to a collection's ingest transformation, not to "
                          "a query");
    rc = refuse_window(s->where, "WHERE", err);
    if (rc == 0)
        rc = refuse_aggregate_in_where(s->where, err);
    if (rc == 0 && s->from != NULL)
        rc = emit_from(ctx, sc, s->from, &from, err);
    ctx->names_of = names_of;
    if (rc == 0)
        rc = render_group_texts(ctx, sc, s, err);
    if (rc)
        goto done;
    sc->where_keys = NULL;
    if (s->where != NULL) {
        int n_null_texts = sc->n_null_texts;
        sc->n_null_texts = 0; /* WHERE reads the rows, before any grouping set nulls a key */
        rc = emit_cond(ctx, sc, s->where, &where, err);
        sc->n_null_texts = n_null_texts;
    }
    sc->alias_sel = s;
    if (!rc)
        rc = emit_order_terms(ctx, sc, s, s, &order, err);
    sc->alias_sel = NULL;
    if (!rc && s->from != NULL)
        rc = plan_index_read(ctx, sc, s, &where, err);
    if (rc)
        goto done;
    rs_buf_puts(out, s->distinct ? "SELECT DISTINCT " : "SELECT ");
    if (mode == MODE_SCALAR) {
        if (s->n_items != 1 || s->items[0].expr->kind == N_STAR) {
            rc = sqlx_error(err, RS_EINVAL, s->line, s->column,
                            "a subquery used as a value must select exactly one field");
            goto done;
        }
        rc = emit_val(ctx, sc, s->items[0].expr, out, err);
        rs_buf_puts(out, " AS v");
    } else {
        rc = emit_doc_expr(ctx, sc, s, final, top, out, err);
        rs_buf_puts(out, " AS doc");
    }
    if (rc)
        goto done;
    if (s->from != NULL)
        rs_buf_printf(out, " FROM %s", rs_buf_cstr(&from));
    if (s->where != NULL)
        rs_buf_printf(out, " WHERE %s", rs_buf_cstr(&where));
    rc = emit_group_having(ctx, sc, s, out, err);
    if (rc)
        goto done;
    rs_buf_append(out, order.data, order.len);
    rc = emit_limit(ctx, sc, s, default_limit, out, err);
done:
    if ((from.oom || where.oom || order.oom) && !rc)
        rc = nomem(err);
    rs_buf_free(&from);
    rs_buf_free(&where);
    rs_buf_free(&order);
    return rc;
}

/* Output names of a query (for ORDER BY over a compound). */
static const sqlx_select *leftmost_core(const sqlx_select *s) {
    while (s->compound_op != NULL)
        s = s->left;
    return s;
}

static int emit_operand(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, int final, int top,
                        int right, rs_buf *out, rs_err *err);

/* "left OP right" of a compound; the right operand's fields take names' names. SQLite has no
 * INTERSECT ALL / EXCEPT ALL: numbering the copies of each row (row_number over its equal
 * rows) makes them distinct, so the plain operator keeps min(m, n) / m - n copies. */
static int emit_set_operands(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s,
                             const sqlx_select *names, int final, int top, rs_buf *out,
                             rs_err *err) {
    static const char numbered[] = "SELECT doc, row_number() OVER (PARTITION BY doc) AS n FROM (";
    int counted =
        strcmp(s->compound_op, "INTERSECT ALL") == 0 || strcmp(s->compound_op, "EXCEPT ALL") == 0;
    if (counted)
        rs_buf_printf(out, "SELECT doc FROM (%s", numbered);
    int rc = emit_operand(ctx, sc, s->left, final, top, 0, out, err);
    if (rc)
        return rc;
    if (counted)
        rs_buf_printf(out, ") AS r%d %.*s %s", ctx->n_rel++, (int)(strlen(s->compound_op) - 4),
                      s->compound_op, numbered);
    else
        rs_buf_printf(out, " %s ", s->compound_op);
    ctx->names_of = names;
    rc = emit_operand(ctx, sc, s->right, final, 0, 1, out, err);
    if (counted) {
        rs_buf_printf(out, ") AS r%d) AS r%d", ctx->n_rel, ctx->n_rel + 1);
        ctx->n_rel += 2;
    }
    return rc;
}

static int emit_operand(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, int final, int top,
                        int right, rs_buf *out, rs_err *err) {
    if (!s->compound_op && !s->n_ctes && !s->n_order && !s->limit && !s->offset) {
        scope inner;
        memset(&inner, 0, sizeof inner);
        inner.parent = sc;
        return emit_simple(ctx, &inner, s, MODE_DOC, final, top, 0, out, err);
    }
    /* SQLite reads a compound left to right, all operators alike: only a left operand may be
     * written inline (a right one, `1 UNION ALL (2 INTERSECT 2)`, is wrapped below) */
    if (s->compound_op && strcmp(s->compound_op, "WRAP") != 0 && !s->n_ctes && !s->n_order &&
        !s->limit && s->offset == NULL && !right) {
        const sqlx_select *names = ctx->names_of ? ctx->names_of : leftmost_core(s);
        return emit_set_operands(ctx, sc, s, names, final, top, out, err);
    }
    rs_buf_puts(out, "SELECT doc FROM (");
    int rc = emit_query_impl(ctx, sc, s, MODE_DOC, final, top, 0, out, err);
    rs_buf_printf(out, ") AS r%d", ctx->n_rel++);
    return rc;
}

/* A compound (or a wrapped parenthesised query) with ORDER BY/LIMIT over its output docs. */
static int emit_compound(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, int final, int top,
                         int64_t default_limit, rs_buf *out, rs_err *err) {
    int rc;
    int outer = ctx->n_rel++;
    int wrapped = s->n_order || s->limit != NULL || s->offset != NULL || default_limit > 0;
    /* a wrapped right operand names its fields after the enclosing compound's first SELECT */
    const sqlx_select *names = ctx->names_of ? ctx->names_of : leftmost_core(s);
    if (wrapped)
        rs_buf_puts(out, "SELECT doc FROM (");
    if (strcmp(s->compound_op, "WRAP") == 0) {
        rc = emit_operand(ctx, sc, s->left, final, top, 0, out, err);
    } else {
        rc = emit_set_operands(ctx, sc, s, names, final, top, out, err);
    }
    if (rc || !wrapped)
        return rc;
    rs_buf_printf(out, ") AS r%d", outer);
    /* ORDER BY sees the output fields as the fields of one relation */
    scope osc;
    memset(&osc, 0, sizeof osc);
    osc.parent = sc;
    osc.rels[0].rel = outer;
    osc.n_rels = 1;
    const sqlx_select *core = leftmost_core(s);
    if (s->n_order) {
        rs_buf_puts(out, " ORDER BY ");
        for (int i = 0; i < s->n_order && !rc; i++) {
            const sqlx_node *e = s->order[i].expr;
            rs_buf_puts(out, i ? "," : "");
            if (e->kind == N_LIT_INT) {
                long long k = strtoll(e->text, NULL, 10);
                if (k < 1 || k > core->n_items || core->items[k - 1].expr->kind == N_STAR)
                    return sqlx_error(err, RS_EINVAL, e->line, e->column,
                                      "position %lld is not in the select list", k);
                const char *name = sqlx_item_name(ctx->arena, &core->items[k - 1], (int)k - 1);
                if (name == NULL)
                    return nomem(err);
                rs_buf key = RS_BUF_INIT;
                rs_buf_printf(&key, "rs_get(r%d.doc,", outer);
                put_sql_string(&key, name);
                rs_buf_putc(&key, ')');
                if (key.oom)
                    rc = nomem(err);
                else
                    put_order_key(out, rs_buf_cstr(&key), s->order[i].desc, s->order[i].nulls);
                rs_buf_free(&key);
            } else {
                rc = emit_order_key(ctx, &osc, e, &s->order[i], out, err);
            }
        }
    }
    if (!rc)
        rc = emit_limit(ctx, &osc, s, default_limit, out, err);
    return rc;
}

/* ORDER BY over the union of grouping sets sees output fields only: a key written as one of
 * the select list's expressions (SUM(x), GROUPING(a)) becomes its position. */
static int order_by_outputs(sqlx_emit_ctx *ctx, const sqlx_select *s, sqlx_order **order,
                            rs_err *err) {
    *order = sqlx_alloc(ctx->arena, (size_t)s->n_order * sizeof **order);
    if (*order == NULL)
        return nomem(err);
    for (int i = 0; i < s->n_order; i++) {
        (*order)[i] = s->order[i];
        for (int k = 0; k < s->n_items; k++) {
            if (s->items[k].expr->kind == N_STAR ||
                !sqlx_same_node(s->items[k].expr, s->order[i].expr))
                continue;
            sqlx_node *pos = sqlx_alloc(ctx->arena, sizeof *pos);
            char digits[24];
            snprintf(digits, sizeof digits, "%d", k + 1);
            if (pos == NULL ||
                (pos->text = sqlx_strndup(ctx->arena, digits, strlen(digits))) == NULL)
                return nomem(err);
            pos->kind = N_LIT_INT;
            pos->line = s->order[i].expr->line;
            pos->column = s->order[i].expr->column;
            (*order)[i].expr = pos;
            break;
        }
        if ((*order)[i].expr->kind != N_LIT_INT && contains_aggregate((*order)[i].expr))
            return sqlx_error(err, RS_EUNSUPPORTED, (*order)[i].expr->line,
                              (*order)[i].expr->column,
                              "unsupported SQL: ORDER BY an aggregate that is not in the select "
                              "list, with grouping sets, is not supported by rockset-local");
    }
    return 0;
}

/* One grouping set's SELECT: the statement's core, grouped by that set alone. */
static sqlx_select *gset_branch(sqlx_emit_ctx *ctx, const sqlx_select *s, uint64_t mask) {
    sqlx_select *b = sqlx_alloc(ctx->arena, sizeof *b);
    if (b == NULL)
        return NULL;
    *b = *s;
    b->ctes = NULL;
    b->n_ctes = 0;
    b->order = NULL;
    b->n_order = 0;
    b->limit = b->offset = NULL;
    b->limit_all = 0;
    b->gsets = NULL;
    b->n_gsets = 0;
    b->gset_branch = 1;
    b->gset_mask = mask;
    return b;
}

/* GROUP BY GROUPING SETS / ROLLUP / CUBE: one SELECT per set, glued by UNION ALL (UNION under
 * SELECT DISTINCT) and ordered and limited outside, like any compound. */
static int emit_grouping_sets(sqlx_emit_ctx *ctx, scope *sc, const sqlx_select *s, sel_mode mode,
                              int final, int top, int64_t default_limit, rs_buf *out, rs_err *err) {
    if (s->n_gsets == 1) {
        sqlx_select *one = gset_branch(ctx, s, s->gsets[0]);
        if (one == NULL)
            return nomem(err);
        one->order = s->order;
        one->n_order = s->n_order;
        one->limit = s->limit;
        one->offset = s->offset;
        one->limit_all = s->limit_all;
        return emit_simple(ctx, sc, one, mode, final, top, default_limit, out, err);
    }
    sqlx_select *all_sets = gset_branch(ctx, s, s->gsets[0]);
    for (int i = 1; all_sets != NULL && i < s->n_gsets; i++) {
        sqlx_select *next = sqlx_alloc(ctx->arena, sizeof *next);
        sqlx_select *branch = gset_branch(ctx, s, s->gsets[i]);
        if (next == NULL || branch == NULL)
            return nomem(err);
        next->compound_op = s->distinct ? "UNION" : "UNION ALL";
        next->left = all_sets;
        next->right = branch;
        next->line = s->line;
        next->column = s->column;
        all_sets = next;
    }
    if (all_sets == NULL)
        return nomem(err);
    int rc = order_by_outputs(ctx, s, &all_sets->order, err);
    if (rc)
        return rc;
    all_sets->n_order = s->n_order;
    all_sets->limit = s->limit;
    all_sets->offset = s->offset;
    all_sets->limit_all = s->limit_all;
    if (mode != MODE_SCALAR)
        return emit_compound(ctx, sc, all_sets, final, top, default_limit, out, err);
    rs_buf_puts(out, "SELECT rs_first(doc) AS v FROM (");
    rc = emit_compound(ctx, sc, all_sets, 0, 0, 0, out, err);
    rs_buf_printf(out, ") AS r%d", ctx->n_rel++);
    return rc;
}

/* Any query; in MODE_SCALAR the one column is the value of the single selected field. */
static int emit_query_impl(sqlx_emit_ctx *ctx, scope *parent, const sqlx_select *s, sel_mode mode,
                           int final, int top, int64_t default_limit, rs_buf *out, rs_err *err) {
    scope sc;
    memset(&sc, 0, sizeof sc);
    sc.parent = parent;
    int rc = emit_ctes(ctx, &sc, s, out, err);
    if (rc)
        return rc;
    if (s->compound_op == NULL && s->n_gsets > 0)
        return emit_grouping_sets(ctx, &sc, s, mode, final, top, default_limit, out, err);
    if (s->compound_op == NULL)
        return emit_simple(ctx, &sc, s, mode, final, top, default_limit, out, err);
    if (mode == MODE_SCALAR) {
        rs_buf_puts(out, "SELECT rs_first(doc) AS v FROM (");
        rc = emit_compound(ctx, &sc, s, 0, 0, 0, out, err);
        rs_buf_printf(out, ") AS r%d", ctx->n_rel++);
        return rc;
    }
    return emit_compound(ctx, &sc, s, final, top, default_limit, out, err);
}

static int emit_query(sqlx_emit_ctx *ctx, scope *parent, const sqlx_select *s, sel_mode mode,
                      int final, rs_buf *out, rs_err *err) {
    return emit_query_impl(ctx, parent, s, mode, final, 0, 0, out, err);
}

void sqlx_emit_ctx_init(sqlx_emit_ctx *ctx, sqlx_resolve_fn resolve, void *resolve_ctx,
                        const sqlx_options *opts, sqlx_arena *arena) {
    memset(ctx, 0, sizeof *ctx);
    ctx->resolve = resolve;
    ctx->resolve_ctx = resolve_ctx;
    ctx->param_text = opts ? opts->param_text : NULL;
    ctx->param_ctx = opts ? opts->param_ctx : NULL;
    ctx->arena = arena;
}

void sqlx_emit_ctx_free(sqlx_emit_ctx *ctx) {
    sqlx_names_free(&ctx->params);
    sqlx_names_free(&ctx->collections);
    sqlx_names_free(&ctx->aliases);
    sqlx_names_free(&ctx->columns);
}

int sqlx_emit_statement(sqlx_emit_ctx *ctx, sqlx_select *sel, int64_t default_limit, rs_buf *out,
                        rs_err *err) {
    int final = default_limit >= 0; /* INSERT passes -1: keep typed values for ingest */
    int rc = emit_query_impl(ctx, NULL, sel, MODE_DOC, final, 1,
                             default_limit > 0 ? default_limit : 0, out, err);
    if (!rc && out->oom)
        rc = nomem(err);
    return rc;
}

int sqlx_emit_constant(sqlx_emit_ctx *ctx, const sqlx_node *n, rs_buf *out, rs_err *err) {
    scope sc;
    memset(&sc, 0, sizeof sc);
    int rc = emit_val(ctx, &sc, n, out, err);
    if (!rc && out->oom)
        rc = nomem(err);
    return rc;
}
