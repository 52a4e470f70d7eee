/*
 * sqlx_emit_expr.c - the emitter's expressions (sqlx_emit.h): a bound expression printed as a
 * value (value.h's encoding) or as a truth value (1/0/NULL). Names are printed from the
 * binder's references; in a grouped query a GROUP BY key, wherever it is written again, reads
 * the group's key (rs_gkey), told by bound equality (sqlx_bind.h), not by comparing text.
 */
#include "server/runtime/catalog.h"
#include "server/runtime/datetime.h"
#include "server/runtime/value.h"
#include "sqlx_emit_int.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_EMIT_DEPTH 1000
#define MAX_CHAIN_ARGS 100 /* arguments of one rs_add(...): SQLite's parser stack is 100 deep */

static void upper_copy(char *dst, size_t cap, const char *src) {
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)toupper((unsigned char)src[i]);
    dst[i] = 0;
}

static void put_blob_literal(rs_buf *out, const char *bytes, size_t len) {
    rs_buf_puts(out, "X'");
    for (size_t i = 0; i < len; i++)
        rs_buf_printf(out, "%02X", (unsigned char)bytes[i]);
    rs_buf_putc(out, '\'');
}

/* A typed value (value.h's blob encoding) as an SQL blob literal. */
static int put_value_literal(emitter *em, rs_buf *out, const rv *v) {
    rs_buf blob = RS_BUF_INIT;
    if (rv_encode_blob(&blob, v) != 0) {
        rs_buf_free(&blob);
        return emit_nomem(em->err);
    }
    put_blob_literal(out, blob.data, blob.len);
    rs_buf_free(&blob);
    return 0;
}

/* Expressions whose Rockset type is bool by construction: printed as SQLite truth values. */
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

/* ---------------- names ---------------- */

/* Path steps after the relation: 'name' literals and 0-based index expressions. */
int emit_path_args(emitter *em, pscope *ps, const sqlx_node *n, int from, rs_buf *out) {
    for (int i = from; i < n->n_parts; i++) {
        rs_buf_putc(out, ',');
        if (n->names[i] != NULL) {
            put_sql_string(out, n->names[i]);
        } else if (n->index[i]->kind == N_LIT_INT) {
            long long k = strtoll(n->index[i]->text, NULL, 10);
            rs_buf_printf(out, "%lld", k == LLONG_MIN ? k : k - 1); /* as rs_idx0 */
        } else {
            rs_buf_puts(out, "rs_idx0(");
            int rc = emit_val(em, ps, n->index[i], out);
            if (rc)
                return rc;
            rs_buf_putc(out, ')');
        }
    }
    return 0;
}

void put_path_spec(const sqlx_node *n, int from, rs_buf *out) {
    rs_buf_putc(out, '[');
    for (int k = from; k < n->n_parts; k++) {
        if (k > from)
            rs_buf_putc(out, ',');
        if (n->names[k] != NULL)
            rs_buf_json_string(out, n->names[k], strlen(n->names[k]));
        else
            rs_buf_printf(out, "%lld", strtoll(n->index[k]->text, NULL, 10) - 1);
    }
    rs_buf_putc(out, ']');
}

/* The column of ps->pre that reads this path, or -1. */
static int pre_column(emitter *em, pscope *ps, const sqlx_node *n, const sqlx_rte *r, int from) {
    int k = -1;
    if (ps->pre == NULL)
        return -1;
    for (int i = from; i < n->n_parts; i++)
        if (n->names[i] == NULL && n->index[i]->kind != N_LIT_INT)
            return -1;
    rs_buf args = RS_BUF_INIT;
    if (emit_path_args(em, ps, n, from, &args) == 0 && !args.oom)
        for (int i = 0; i < ps->pre->n && k < 0; i++)
            if (ps->pre->rel[i] == r->alias && strcmp(ps->pre->args[i], rs_buf_cstr(&args)) == 0)
                k = i;
    rs_buf_free(&args);
    return k;
}

/* A path of an UNNEST's rows: the call's column when it reads the path, else rs_get. */
static int emit_unnest_field(emitter *em, pscope *ps, const sqlx_node *n, const sqlx_rte *r,
                             int from, rs_buf *out) {
    rs_buf args = RS_BUF_INIT;
    int rc = emit_path_args(em, ps, n, from, &args);
    int v = rc == 0 && !args.oom ? emit_unnest_column(em, r->alias, rs_buf_cstr(&args)) : -1;
    if (v >= 0)
        rs_buf_printf(out, "r%d.v%d", r->alias, v);
    else
        rs_buf_printf(out, "rs_get(r%d.doc%s)", r->alias, rs_buf_cstr(&args));
    if (rc == 0 && args.oom)
        rc = emit_nomem(em->err);
    rs_buf_free(&args);
    return rc;
}

static int emit_field(emitter *em, pscope *ps, const sqlx_node *n, const sqlx_rte *r, int from,
                      rs_buf *out) {
    int k = pre_column(em, ps, n, r, from);
    if (k >= 0) {
        rs_buf_printf(out, "p%d", k);
        return 0;
    }
    if (r->kind == SQLX_RTE_UNNEST && em->unnests != NULL)
        return emit_unnest_field(em, ps, n, r, from, out);
    if (em->remap && r->alias == em->remap_from && em->remap_to < 0)
        rs_buf_puts(out, "rs_get(doc");
    else
        rs_buf_printf(out, "rs_get(r%d.doc",
                      em->remap && r->alias == em->remap_from ? em->remap_to : r->alias);
    int rc = emit_path_args(em, ps, n, from, out);
    rs_buf_putc(out, ')');
    return rc;
}

/* A path, as the binder resolved it. */
static int emit_path(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    const sqlx_ref *r = sqlx_ref_of(n, ps->alias);
    if (r == NULL)
        return rs_err_set(em->err, RS_EINTERNAL, "field '%s' reached the emitter unbound",
                          n->names[0] ? n->names[0] : "?");
    switch (r->kind) {
    case SQLX_REF_DOC:
        rs_buf_printf(out, "CAST(r%d.doc AS BLOB)", r->rte->alias);
        return 0;
    case SQLX_REF_FIELD:
        return emit_field(em, ps, n, r->rte, r->first, out);
    case SQLX_REF_USING: {
        rs_buf_puts(out, "coalesce(");
        int rc = emit_field(em, ps, n, r->rte, 0, out);
        rs_buf_putc(out, ',');
        if (rc == 0)
            rc = emit_field(em, ps, n, r->rte2, 0, out);
        rs_buf_putc(out, ')');
        return rc;
    }
    case SQLX_REF_UNDEFINED:
        rs_buf_puts(out, "NULL");
        return 0;
    default:
        return rs_err_set(em->err, RS_EINTERNAL, "a select item reached the path printer");
    }
}

/* A name standing for a select item (an alias): the item, with the list's names. */
static const sqlx_node *aliased_item(const pscope *ps, const sqlx_node *n) {
    const sqlx_ref *r = n->kind == N_PATH ? sqlx_ref_of(n, ps->alias) : NULL;
    return r != NULL && r->kind == SQLX_REF_ITEM ? r->item : NULL;
}

/* ---------------- functions ---------------- */

static int emit_args(emitter *em, pscope *ps, const sqlx_node *n, int from, rs_buf *out) {
    for (int i = from; i < n->n_list; i++) {
        if (i > from)
            rs_buf_putc(out, ',');
        int rc = emit_val(em, ps, n->list[i], out);
        if (rc)
            return rc;
    }
    return 0;
}

/* Inside an aggregate's arguments a name is a field of the rows, never an alias or a key. */
static int emit_in_aggregate(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    int alias = ps->alias, in_agg = ps->in_agg;
    ps->alias = 0;
    ps->in_agg = 1;
    int rc = emit_val(em, ps, n, out);
    ps->alias = alias;
    ps->in_agg = in_agg;
    return rc;
}

/* ARRAY_AGG([DISTINCT] x ORDER BY k [DESC] [NULLS FIRST|LAST], ... [LIMIT n] [OFFSET m]) as
 * rs_array_agg_sorted(x, n_keys, k, dir, ..., limit, offset, distinct) (runtime/fn_agg.c). */
static int emit_sorted_array_agg(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    rs_buf_puts(out, "rs_array_agg_sorted(");
    int rc = emit_in_aggregate(em, ps, n->list[0], out);
    rs_buf_printf(out, ",%d", n->n_agg_order);
    for (int i = 0; !rc && i < n->n_agg_order; i++) {
        const sqlx_order *o = &n->agg_order[i];
        rs_buf_putc(out, ',');
        rc = emit_in_aggregate(em, ps, o->expr, out);
        rs_buf_printf(out, ",%d", (o->desc ? 1 : 0) | (o->nulls == 1 ? 2 : o->nulls == 2 ? 4 : 0));
    }
    rs_buf_putc(out, ',');
    if (!rc && n->agg_limit != NULL)
        rc = emit_in_aggregate(em, ps, n->agg_limit, out);
    else
        rs_buf_puts(out, "-1");
    rs_buf_putc(out, ',');
    if (!rc && n->agg_offset != NULL)
        rc = emit_in_aggregate(em, ps, n->agg_offset, out);
    else
        rs_buf_puts(out, "0");
    rs_buf_printf(out, ",%d)", n->distinct);
    return rc;
}

static int emit_aggregate(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    char sqlname[64];
    if (n->star) {
        rs_buf_puts(out, "count(*)");
        return 0;
    }
    if (n->n_agg_order || n->agg_limit != NULL || n->agg_offset != NULL)
        return emit_sorted_array_agg(em, ps, n, out);
    rs_buf_printf(out, "%s(%s", rt_catalog_sql_name(n->fn, sqlname, sizeof sqlname),
                  n->distinct ? "DISTINCT " : "");
    int rc = 0;
    for (int i = 0; !rc && i < n->n_list; i++) {
        rs_buf_puts(out, i ? "," : "");
        rc = emit_in_aggregate(em, ps, n->list[i], out);
    }
    rs_buf_putc(out, ')');
    return rc;
}

/* IF(c, a[, b]): a when c is true, else b (null when omitted). */
static int emit_if(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    rs_buf_puts(out, "CASE WHEN ");
    int rc = emit_cond(em, ps, n->list[0], out);
    rs_buf_puts(out, " THEN ");
    if (rc == 0)
        rc = emit_val(em, ps, n->list[1], out);
    rs_buf_puts(out, " ELSE ");
    if (rc == 0 && n->n_list > 2)
        rc = emit_val(em, ps, n->list[2], out);
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

/* OVER (PARTITION BY ... ORDER BY ... frame). A RANGE frame with an offset measures distances
 * in the ordering value itself, so that ORDER BY is the plain value, not Rockset's type-ranked
 * key. */
static int emit_over(emitter *em, pscope *ps, const sqlx_window *w, rs_buf *out) {
    int rc = 0;
    rs_buf_puts(out, " OVER (");
    for (int i = 0; !rc && i < w->n_partition; i++) {
        rs_buf_puts(out, i ? "," : "PARTITION BY ");
        rc = emit_val(em, ps, w->partition[i], out);
    }
    for (int i = 0; !rc && i < w->n_order; i++) {
        rs_buf_puts(out, i ? "," : " ORDER BY ");
        if (w->range_offset) {
            rc = emit_val(em, ps, w->order[i].expr, out);
            rs_buf_puts(out, w->order[i].desc ? " DESC" : "");
        } else {
            rc = emit_order_key(em, ps, w->order[i].expr, &w->order[i], out);
        }
    }
    if (w->frame != NULL)
        rs_buf_printf(out, " %s", w->frame);
    rs_buf_putc(out, ')');
    return rc;
}

/* NTH_VALUE(x, k): SQLite's NULL cannot tell a frame of fewer than k rows (null, printed, D23)
 * from a k-th row whose x is undefined (left out), so the frame's size decides. */
static int emit_nth_value(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    rs_buf_puts(out, "CASE WHEN count(*)");
    int rc = emit_over(em, ps, n->over, out);
    rs_buf_puts(out, " >= ");
    if (!rc)
        rc = emit_val(em, ps, n->list[1], out);
    rs_buf_puts(out, " THEN nth_value(");
    if (!rc)
        rc = emit_args(em, ps, n, 0, out);
    rs_buf_putc(out, ')');
    if (!rc)
        rc = emit_over(em, ps, n->over, out);
    rs_buf_puts(out, " ELSE " NULL_BLOB " END");
    return rc;
}

/* f(args) OVER (...): an aggregate over a window or a window-only function. LAG and LEAD give
 * null (not undefined) past the partition's edge unless a default is given. */
static int emit_window_call(emitter *em, pscope *ps, const sqlx_node *n, const char *upper,
                            rs_buf *out) {
    char sqlname[64];
    int rc = 0;
    if (strcmp(upper, "NTH_VALUE") == 0 && !n->star)
        return emit_nth_value(em, ps, n, out);
    if (n->star) {
        rs_buf_puts(out, "count(*)");
    } else {
        rs_buf_printf(out, "%s(", rt_catalog_sql_name(n->fn, sqlname, sizeof sqlname));
        rc = emit_args(em, ps, n, 0, out);
        if (strcmp(upper, "LAG") == 0 || strcmp(upper, "LEAD") == 0) {
            if (n->n_list == 1)
                rs_buf_puts(out, ",1");
            if (n->n_list < 3)
                rs_buf_puts(out, "," NULL_BLOB);
        }
        rs_buf_putc(out, ')');
    }
    return rc ? rc : emit_over(em, ps, n->over, out);
}

/* GROUPING(a, b, ...): a constant of each grouping set, one bit per argument (the first the
 * highest), set when the set leaves that expression out (its null is a subtotal's). */
static int emit_grouping(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    const sqlx_select *s = ps->blk->sel;
    int64_t bits = 0;
    for (int i = 0; i < n->n_list; i++) {
        int at = -1;
        for (int k = 0; k < s->n_group && at < 0; k++) {
            int key_alias;
            const sqlx_node *key = sqlx_bound_target(s, s->group[k], &key_alias);
            if (sqlx_bound_same(n->list[i], ps->alias, key, key_alias))
                at = k;
        }
        if (at < 0)
            return rs_err_set(em->err, RS_EINTERNAL, "GROUPING() of a non-key reached the emitter");
        bits = bits << 1 | ((ps->key_mask >> at & 1) ? 0 : 1);
    }
    rs_buf_printf(out, "%lld", (long long)bits);
    return 0;
}

/* OBJECT(['a', 'b'], [x, y]) written with two literals is the object literal {'a': x, 'b': y}:
 * an array literal turns an undefined element into null, but OBJECT leaves an undefined
 * member out, so the pairs are built before the values array exists. */
static int emit_object_of_literals(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out,
                                   int *done) {
    const sqlx_node *keys = n->n_list == 2 ? n->list[0] : NULL, *vals = keys ? n->list[1] : NULL;
    *done = 0;
    if (keys == NULL || keys->kind != N_ARRAY || vals->kind != N_ARRAY ||
        keys->n_list != vals->n_list || n->over != NULL || n->distinct || n->star)
        return 0;
    for (int i = 0; i < keys->n_list; i++)
        if (keys->list[i]->kind != N_LIT_STRING)
            return 0;
    *done = 1;
    int rc = 0;
    rs_buf_puts(out, "rs_object(");
    for (int i = 0; !rc && i < keys->n_list; i++) {
        rs_buf_puts(out, i ? "," : "");
        put_sql_string(out, keys->list[i]->text);
        rs_buf_putc(out, ',');
        rc = emit_val(em, ps, vals->list[i], out);
    }
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_func(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    char upper[64], sqlname[64];
    int done, rc;
    upper_copy(upper, sizeof upper, n->name);
    if (n->fn == NULL && strcmp(upper, "FIELD") == 0) {
        if (n->bound_path == NULL) { /* validating: the field is not known */
            rs_buf_puts(out, "NULL");
            return 0;
        }
        return emit_val(em, ps, n->bound_path, out);
    }
    if (n->fn == NULL && strcmp(upper, "GROUPING") == 0)
        return emit_grouping(em, ps, n, out);
    if (strcmp(upper, "OBJECT") == 0 &&
        ((rc = emit_object_of_literals(em, ps, n, out, &done)) || done))
        return rc;
    if (n->fn == NULL)
        return rs_err_set(em->err, RS_EINTERNAL, "function '%s' reached the emitter unbound",
                          upper);
    if (n->over != NULL)
        return emit_window_call(em, ps, n, upper, out);
    if (n->fn->kind == RT_AGGREGATE)
        return emit_aggregate(em, ps, n, out);
    if (strcmp(upper, "IF") == 0)
        return emit_if(em, ps, n, out);
    rs_buf_printf(out, "%s(", rt_catalog_sql_name(n->fn, sqlname, sizeof sqlname));
    if (is_clock_function(upper))
        rs_buf_puts(out, n->n_list > 0 ? "julianday('now')," : "julianday('now')");
    rc = emit_args(em, ps, n, 0, out);
    rs_buf_putc(out, ')');
    return rc;
}

/* ---------------- literals ---------------- */

static int emit_typed_literal(emitter *em, const sqlx_node *n, rs_buf *out) {
    const char *type = n->name, *text = n->text;
    size_t len = strlen(text);
    int64_t x = 0;
    rv v;
    if (strcmp(type, "DATE") == 0 && rt_parse_date(text, len, &x) == 0)
        v = rv_typed(RV_DATE, x);
    else if (strcmp(type, "TIME") == 0 && rt_parse_time(text, len, &x) == 0)
        v = rv_typed(RV_TIME, x);
    else if (strcmp(type, "DATETIME") == 0 && rt_parse_datetime(text, len, &x) == 0)
        v = rv_typed(RV_DATETIME, x);
    else if (strcmp(type, "TIMESTAMP") == 0 && rt_parse_timestamp(text, len, &x) == 0)
        v = rv_typed(RV_TIMESTAMP, x);
    else if (strcmp(type, "BYTES") == 0)
        v = rv_json(RV_BYTES, text, len);
    else /* the binder refused it */
        return rs_err_set(em->err, RS_EINTERNAL, "'%s' is not a valid %s", text, type);
    return put_value_literal(em, out, &v);
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

/* ---------------- operator chains ---------------- */

static int is_op_node(const sqlx_node *n, const char *op) {
    return n->kind == N_BINARY && strcmp(n->op, op) == 0;
}

typedef struct chain {
    const sqlx_node **leaves;
    int n, cap;
} chain;

static int push_leaf(emitter *em, chain *ch, const sqlx_node *leaf) {
    if (ch->n == ch->cap) {
        int cap = ch->cap ? ch->cap * 2 : 16;
        const sqlx_node **leaves = sqlx_alloc(em->ctx->arena, (size_t)cap * sizeof *leaves);
        if (leaves == NULL)
            return emit_nomem(em->err);
        if (ch->n)
            memcpy(leaves, ch->leaves, (size_t)ch->n * sizeof *leaves);
        ch->leaves = leaves;
        ch->cap = cap;
    }
    ch->leaves[ch->n++] = leaf;
    return 0;
}

/* Leaves of the chain in order. The left spine (long chains are left-deep) is walked without
 * recursion; both_sides also flattens parenthesised right operands (AND, OR), whose nesting
 * the parser bounds. */
static int collect_chain(emitter *em, const sqlx_node *n, const char *op, int both_sides,
                         chain *ch) {
    chain spine = {NULL, 0, 0};
    int rc;
    const sqlx_node *leftmost = n;
    while (is_op_node(leftmost, op)) {
        if ((rc = push_leaf(em, &spine, leftmost)) != 0)
            return rc;
        leftmost = leftmost->a;
    }
    if ((rc = push_leaf(em, ch, leftmost)) != 0)
        return rc;
    for (int k = spine.n - 1; k >= 0; k--) { /* right operands bottom-up */
        const sqlx_node *node = spine.leaves[k];
        rc = both_sides && is_op_node(node->b, op) ? collect_chain(em, node->b, op, both_sides, ch)
                                                   : push_leaf(em, ch, node->b);
        if (rc)
            return rc;
    }
    return 0;
}

/* fn(fn(l0, ..., l99), l100, ...) - at most MAX_CHAIN_ARGS arguments per call. */
static int emit_call_chain(emitter *em, pscope *ps, const sqlx_node *n, const char *fn,
                           rs_buf *out) {
    chain ch = {NULL, 0, 0};
    int rc = collect_chain(em, n, n->op, 0, &ch);
    int calls = ch.n <= MAX_CHAIN_ARGS ? 1 : 1 + (ch.n - 2) / (MAX_CHAIN_ARGS - 1);
    for (int c = 0; !rc && c < calls; c++)
        rs_buf_printf(out, "%s(", fn);
    for (int i = 0; !rc && i < ch.n; i++) {
        if (i > 0 && (i - MAX_CHAIN_ARGS) % (MAX_CHAIN_ARGS - 1) == 0 && i >= MAX_CHAIN_ARGS)
            rs_buf_putc(out, ')');
        if (i)
            rs_buf_putc(out, ',');
        rc = emit_val(em, ps, ch.leaves[i], out);
    }
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_cond_chain(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    chain ch = {NULL, 0, 0};
    int rc = collect_chain(em, n, n->op, 1, &ch);
    rs_buf_putc(out, '(');
    for (int i = 0; !rc && i < ch.n; i++) {
        if (i)
            rs_buf_puts(out, strcmp(n->op, "AND") == 0 ? " AND " : " OR ");
        rc = emit_cond(em, ps, ch.leaves[i], out);
    }
    rs_buf_putc(out, ')');
    return rc;
}

/* head a[,b[,c]] tail: rs_between, rs_like, rs_cmp and the like. */
static int emit_call_args(emitter *em, pscope *ps, const char *head, const sqlx_node *a,
                          const sqlx_node *b, const sqlx_node *c, const char *tail, rs_buf *out) {
    rs_buf_puts(out, head);
    int rc = emit_val(em, ps, a, out);
    if (b != NULL) {
        rs_buf_putc(out, ',');
        if (!rc)
            rc = emit_val(em, ps, b, out);
    }
    if (c != NULL) {
        rs_buf_putc(out, ',');
        if (!rc)
            rc = emit_val(em, ps, c, out);
    }
    rs_buf_puts(out, tail);
    return rc;
}

static int emit_binary_val(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    static const struct {
        const char *op, *fn;
    } arith[] = {{"+", "rs_add"}, {"-", "rs_sub"}, {"*", "rs_mul"},
                 {"/", "rs_div"}, {"%", "rs_mod"}, {"||", "rs_concat_op"}};
    for (size_t i = 0; i < sizeof arith / sizeof arith[0]; i++)
        if (strcmp(n->op, arith[i].op) == 0)
            return emit_call_chain(em, ps, n, arith[i].fn, out);
    if (strcmp(n->op, "AT TIME ZONE") == 0)
        return emit_call_args(em, ps, "rs_at_time_zone(", n->a, n->b, NULL, ")", out);
    return rs_err_set(em->err, RS_EINTERNAL, "operator %s reached the value emitter", n->op);
}

/* ---------------- values ---------------- */

/* CASE [x] WHEN ... THEN ... [ELSE ...] END; no match and no ELSE gives null. The simple form
 * compares with rs_cmp (Rockset's =), so x is written once per WHEN. */
static int emit_case(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    int rc = 0;
    rs_buf_puts(out, "CASE");
    for (int i = 0; !rc && i + 1 < n->n_list; i += 2) {
        rs_buf_puts(out, " WHEN ");
        if (n->a != NULL)
            rc = emit_call_args(em, ps, "rs_cmp(", n->a, n->list[i], NULL, ") = 0", out);
        else
            rc = emit_cond(em, ps, n->list[i], out);
        rs_buf_puts(out, " THEN ");
        if (!rc)
            rc = emit_val(em, ps, n->list[i + 1], out);
    }
    rs_buf_puts(out, " ELSE ");
    if (!rc && n->b != NULL)
        rc = emit_val(em, ps, n->b, out);
    else
        rs_buf_puts(out, NULL_BLOB);
    rs_buf_puts(out, " END");
    return rc;
}

/* CAST(x AS t): ival 0 CAST, 1 TRY_CAST, 2 STATIC_CAST, 3 TRY_STATIC_CAST. */
static int emit_cast(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    rv_type to;
    if (rv_type_from_name(n->name, &to) != 0)
        return rs_err_set(em->err, RS_EINTERNAL, "CAST to '%s' reached the emitter", n->name);
    rs_buf_puts(out, "rs_cast(");
    int rc = emit_val(em, ps, n->a, out);
    rs_buf_putc(out, ',');
    put_sql_string(out, rv_type_name(to));
    rs_buf_printf(out, ",%d)", (int)n->ival);
    return rc;
}

static int emit_object(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    int rc = 0;
    rs_buf_puts(out, "rs_object(");
    for (int i = 0; !rc && i < n->n_list; i++) {
        rs_buf_puts(out, i ? "," : "");
        if (i % 2 == 0)
            put_sql_string(out, n->list[i]->text);
        else
            rc = emit_val(em, ps, n->list[i], out);
    }
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_subscript(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    rs_buf_puts(out, "rs_getv(");
    int rc = emit_val(em, ps, n->a, out);
    rs_buf_putc(out, ',');
    if (n->name != NULL) {
        put_sql_string(out, n->name);
    } else {
        rs_buf_puts(out, "rs_idx0(");
        if (!rc)
            rc = emit_val(em, ps, n->b, out);
        rs_buf_putc(out, ')');
    }
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_val_inner(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
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
        rc = emit_args(em, ps, n, 0, out);
        rs_buf_putc(out, ')');
        return rc;
    case N_OBJECT:
        return emit_object(em, ps, n, out);
    case N_LIT_TYPED:
        return emit_typed_literal(em, n, out);
    case N_PARAM:
        if (sqlx_names_add(&em->ctx->params, n->name))
            return emit_nomem(em->err);
        rs_buf_printf(out, ":%s", n->name);
        return 0;
    case N_PATH:
        return emit_path(em, ps, n, out);
    case N_UNARY: /* "-" or "+"; NOT is bool */
        if (strcmp(n->op, "-") == 0)
            return emit_call_args(em, ps, "rs_neg(", n->a, NULL, NULL, ")", out);
        return emit_val(em, ps, n->a, out);
    case N_BINARY:
        return emit_binary_val(em, ps, n, out);
    case N_SUBQUERY:
        return emit_scalar_subquery(em, n->sub, out);
    case N_CASE:
        return emit_case(em, ps, n, out);
    case N_CAST:
        return emit_cast(em, ps, n, out);
    case N_FUNC:
        return emit_func(em, ps, n, out);
    case N_EXTRACT:
        rs_buf_puts(out, "rs_extract(");
        put_sql_string(out, n->name);
        rs_buf_putc(out, ',');
        rc = emit_val(em, ps, n->a, out);
        rs_buf_putc(out, ')');
        return rc;
    case N_SUBSCRIPT:
        return emit_subscript(em, ps, n, out);
    default:
        return rs_err_set(em->err, RS_EINTERNAL, "node kind %d reached the value emitter", n->kind);
    }
}

/* A value in the encoding of server/runtime/value.h. Static bools become the JSON-bool blobs. */
static int emit_val_body(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    const sqlx_node *item = aliased_item(ps, n);
    if (item != NULL) {
        int alias = ps->alias;
        ps->alias = 0;
        int rc = emit_val(em, ps, item, out);
        ps->alias = alias;
        return rc;
    }
    if (n->kind == N_LIT_BOOL) {
        rs_buf_puts(out, n->ival ? TRUE_BLOB : FALSE_BLOB);
        return 0;
    }
    if (is_bool_node(n)) {
        rs_buf_puts(out, "CASE ");
        int rc = emit_cond(em, ps, n, out);
        rs_buf_puts(out,
                    " WHEN 1 THEN " TRUE_BLOB " WHEN 0 THEN " FALSE_BLOB " ELSE " NULL_BLOB " END");
        return rc;
    }
    return emit_val_inner(em, ps, n, out);
}

/* ---------------- truth values ---------------- */

/* x [NOT] IN (...): equality keys (rs_jkey), so null and undefined never match. */
static int emit_in(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    rs_buf_puts(out, "(rs_jkey(");
    int rc = emit_val(em, ps, n->a, out);
    rs_buf_puts(out, n->negated ? ") NOT IN (" : ") IN (");
    if (n->kind == N_INSUB) {
        rs_buf_puts(out, "SELECT rs_jkey(v) FROM (");
        if (!rc)
            rc = emit_block(em, n->sub->block, MODE_SCALAR, 0, 0, NULL, out);
        rs_buf_printf(out, ") AS r%d", em->ctx->n_rel++);
    } else {
        for (int i = 0; !rc && i < n->n_list; i++)
            rc = emit_call_args(em, ps, i ? ",rs_jkey(" : "rs_jkey(", n->list[i], NULL, NULL, ")",
                                out);
    }
    rs_buf_puts(out, "))");
    return rc;
}

/* x IS [NOT] NULL, and x IS [NOT] TRUE/FALSE (never null). */
static int emit_is(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    int rc;
    rs_buf_putc(out, '(');
    if (n->name != NULL) {
        rc = emit_cond(em, ps, n->a, out);
        rs_buf_printf(out, " IS %s%d)", n->negated ? "NOT " : "", strcmp(n->name, "TRUE") == 0);
        return rc;
    }
    if (n->ival) { /* IS [NOT] UNDEFINED: only a missing value */
        rc = emit_val(em, ps, n->a, out);
        rs_buf_puts(out, n->negated ? " IS NOT NULL)" : " IS NULL)");
        return rc;
    }
    rc = emit_call_args(em, ps, "rs_nullish(", n->a, NULL, NULL, n->negated ? ") = 0)" : ") = 1)",
                        out);
    return rc;
}

/* Operators that yield a truth value natively; 1 when n was one of them. */
static int emit_predicate(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out, int *rc) {
    char tail[16];
    switch (n->kind) {
    case N_LIT_BOOL:
        rs_buf_puts(out, n->ival ? "1" : "0");
        return 1;
    case N_ISNULL:
        *rc = emit_is(em, ps, n, out);
        return 1;
    case N_BETWEEN:
        *rc = emit_call_args(em, ps, n->negated ? "(NOT rs_between(" : "(rs_between(", n->a, n->b,
                             n->c, "))", out);
        return 1;
    case N_INLIST:
    case N_INSUB:
        *rc = emit_in(em, ps, n, out);
        return 1;
    case N_LIKE:
        if (n->name != NULL) /* ILIKE */
            *rc = emit_call_args(em, ps, n->negated ? "(NOT rs_ilike(" : "(rs_ilike(", n->a, n->b,
                                 n->c, "))", out);
        else
            *rc = emit_call_args(em, ps, n->negated ? "(NOT rs_like(" : "(rs_like(", n->a, n->b,
                                 n->c, "))", out);
        return 1;
    case N_DISTINCT: /* null and undefined are not distinct from each other */
        *rc = emit_call_args(em, ps, "(rs_jkey(", n->a, NULL, NULL, ")", out);
        rs_buf_puts(out, n->negated ? " IS " : " IS NOT ");
        if (*rc == 0)
            *rc = emit_call_args(em, ps, "rs_jkey(", n->b, NULL, NULL, "))", out);
        return 1;
    case N_EXISTS:
        rs_buf_puts(out, "EXISTS (");
        *rc = emit_block(em, n->sub->block, MODE_DOC, 0, 0, NULL, out);
        rs_buf_putc(out, ')');
        return 1;
    case N_UNARY:
        if (strcasecmp(n->op, "NOT") != 0)
            return 0;
        rs_buf_puts(out, "(NOT ");
        *rc = emit_cond(em, ps, n->a, out);
        rs_buf_putc(out, ')');
        return 1;
    case N_BINARY:
        if (strcmp(n->op, "AND") == 0 || strcmp(n->op, "OR") == 0) {
            *rc = emit_cond_chain(em, ps, n, out);
            return 1;
        }
        if (!strchr("=<>", n->op[0]))
            return 0;
        /* rs_cmp: -1/0/1, or NULL for values of types that do not compare */
        snprintf(tail, sizeof tail, ") %s 0)", n->op);
        *rc = emit_call_args(em, ps, "(rs_cmp(", n->a, n->b, NULL, tail, out);
        return 1;
    default:
        return 0;
    }
}

/* Truth value (1/0/NULL) of a condition; a non-bool value goes through rs_truth. */
static int emit_cond_body(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    int rc = 0;
    const sqlx_node *item = aliased_item(ps, n);
    if (item != NULL) {
        int alias = ps->alias;
        ps->alias = 0;
        rc = emit_cond(em, ps, item, out);
        ps->alias = alias;
        return rc;
    }
    if (emit_predicate(em, ps, n, out, &rc))
        return rc;
    rs_buf_puts(out, "rs_truth(");
    rc = emit_val_inner(em, ps, n, out);
    rs_buf_putc(out, ')');
    return rc;
}

/* ---------------- group keys ---------------- */

static int matches_any(const pscope *ps, const sqlx_node *n, const sqlx_node **list,
                       const int *alias, int count) {
    for (int i = 0; i < count; i++)
        if (sqlx_bound_same(n, ps->alias, list[i], alias[i]))
            return 1;
    return 0;
}

/* In a grouped query, a value that is a GROUP BY key reads the group's key (rs_gkey: the
 * group's value, undefined read as null); under grouping sets, one the set leaves out is
 * null. */
static int emit_grouped_val(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    if (matches_any(ps, n, ps->keys, ps->keys_alias, ps->n_keys)) {
        rs_buf_puts(out, "rs_gkey(");
        int rc = emit_val_body(em, ps, n, out);
        rs_buf_putc(out, ')');
        return rc;
    }
    if (matches_any(ps, n, ps->nulls, ps->nulls_alias, ps->n_nulls)) {
        rs_buf_puts(out, NULL_BLOB);
        return 0;
    }
    return emit_val_body(em, ps, n, out);
}

static int too_deep(emitter *em, const sqlx_node *n) {
    return sqlx_error(em->err, RS_EUNSUPPORTED, n->line, n->column,
                      "unsupported SQL: expressions nested this deeply are not supported by "
                      "rockset-local");
}

int emit_val(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    if (em->depth >= MAX_EMIT_DEPTH)
        return too_deep(em, n);
    em->depth++;
    int rc;
    if (ps != NULL && (ps->n_keys > 0 || ps->n_nulls > 0) && !ps->in_agg && n->kind != N_LIT_INT &&
        n->kind != N_LIT_STRING && n->kind != N_LIT_FLOAT)
        rc = emit_grouped_val(em, ps, n, out);
    else
        rc = emit_val_body(em, ps, n, out);
    em->depth--;
    return rc;
}

int emit_cond(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out) {
    if (em->depth >= MAX_EMIT_DEPTH)
        return too_deep(em, n);
    em->depth++;
    int rc = emit_cond_body(em, ps, n, out);
    em->depth--;
    return rc;
}

/* ---------------- ORDER BY keys ---------------- */

/* Whether e reads a collection's _id (and is not a group key, printed otherwise): every stored
 * document has one, a non-empty string (docs.c refuses anything else), so SQLite's own text
 * order is Rockset's order for it and rs_skey can be spared (top-N ties broken by _id). */
static int reads_collection_id(const pscope *ps, const sqlx_node *e) {
    int alias = ps->alias;
    const sqlx_node *item = aliased_item(ps, e);
    if (item != NULL) {
        e = item;
        alias = 0;
    }
    const sqlx_ref *r = e->kind == N_PATH ? sqlx_ref_of(e, alias) : NULL;
    if (r == NULL || r->kind != SQLX_REF_FIELD || r->rte->kind != SQLX_RTE_COLLECTION ||
        e->n_parts != r->first + 1 || e->names[r->first] == NULL ||
        strcmp(e->names[r->first], "_id") != 0)
        return 0;
    return ps->in_agg || !(matches_any(ps, e, ps->keys, ps->keys_alias, ps->n_keys) ||
                           matches_any(ps, e, ps->nulls, ps->nulls_alias, ps->n_nulls));
}

/* One ORDER BY key in Rockset's order of types and values: rs_skey, rank and value in one blob
 * (value.h's total order), preceded by a null test when NULLS FIRST/LAST overrides the
 * default (nulls first ascending, last descending). */
int emit_order_key(emitter *em, pscope *ps, const sqlx_node *e, const sqlx_order *o, rs_buf *out) {
    rs_buf value = RS_BUF_INIT;
    int rc = emit_val(em, ps, e, &value);
    if (rc == 0 && value.oom)
        rc = emit_nomem(em->err);
    if (rc == 0 && reads_collection_id(ps, e)) {
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
