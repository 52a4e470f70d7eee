/*
 * sqlx_emit.c - the SQLite emitter's queries (sqlx_emit.h): WITH lists, compounds and grouping
 * sets, a SELECT core from its operators (FROM tree, WHERE conjuncts and the key tests the
 * access paths chose, grouping, HAVING, select list, ORDER BY, LIMIT), joins as the access
 * paths planned them. Expressions are sqlx_emit_expr.c's.
 */
#include "server/runtime/catalog.h"
#include "sqlx_emit_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Each type guard bound is likely(...) small: whatever the guard keeps must be read in full
 * anyway, so reading just its ranges beats any plan that reads the rest of the collection as
 * well (SQLite would otherwise walk an ORDER BY's index through every document). */
#define GUARD_LIKELIHOOD "0.001"

int emit_nomem(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

void put_sql_string(rs_buf *out, const char *s) {
    rs_buf_quoted(out, s, strlen(s), '\'');
}

static void put_sql_ident(rs_buf *out, const char *s) {
    rs_buf_quoted(out, s, strlen(s), '"');
}

/* NULLS FIRST/LAST as an override of the default, or 0 when it spells the default (nulls
 * first ascending, last descending), so that such a key stays one index-ordered term. */
int nulls_override(int desc, int nulls) {
    return (nulls == 1 && !desc) || (nulls == 2 && desc) ? 0 : nulls;
}

void put_order_key(rs_buf *out, const char *value, int desc, int nulls) {
    const char *dir = desc ? " DESC" : "";
    nulls = nulls_override(desc, nulls);
    if (nulls != 0)
        rs_buf_printf(out, "rs_nullish(%s)%s,", value, nulls == 1 ? " DESC" : "");
    rs_buf_printf(out, "rs_skey(%s)%s", value, dir);
}

void sqlx_emit_index_key(rs_buf *out, const char *fn, int alias, const char *args) {
    if (fn != NULL)
        rs_buf_printf(out, "rs_skey(%s(rs_get(r%d.doc,%s)))", fn, alias, args);
    else
        rs_buf_printf(out, "rs_skey(rs_get(r%d.doc,%s))", alias, args);
}

static int check_buf(emitter *em, const rs_buf *b, int rc) {
    return rc == 0 && b->oom ? emit_nomem(em->err) : rc;
}

/* ---------------- a query block's scope ---------------- */

static int add_key(emitter *em, const sqlx_node ***list, int **alias, int *n, int cap,
                   const sqlx_node *e, int e_alias) {
    if (*list == NULL) {
        *list = sqlx_alloc(em->ctx->arena, (size_t)cap * sizeof **list);
        *alias = sqlx_alloc(em->ctx->arena, (size_t)cap * sizeof **alias);
        if (*list == NULL || *alias == NULL)
            return emit_nomem(em->err);
    }
    (*list)[*n] = e;
    (*alias)[(*n)++] = e_alias;
    return 0;
}

/* The keys of a grouped block under the grouping set `mask` (every key when the query has no
 * grouping sets): the select list, HAVING and ORDER BY read them as keys, and an expression
 * the set leaves out (and no kept key equals) as null. */
static int set_group_keys(emitter *em, pscope *ps, const sqlx_op *agg, uint64_t mask) {
    const sqlx_select *s = ps->blk->sel;
    int rc = 0, n = agg == NULL ? 0 : agg->distinct_keys ? s->n_items : s->n_group;
    ps->grouped = s->grouped;
    ps->key_mask = 0;
    for (int i = 0; rc == 0 && i < n; i++) {
        int a = 0;
        const sqlx_node *e =
            agg->distinct_keys ? s->items[i].expr : sqlx_bound_target(s, s->group[i], &a);
        if (agg->distinct_keys || (mask >> i & 1))
            rc = add_key(em, &ps->keys, &ps->keys_alias, &ps->n_keys, n, e, a);
    }
    for (int i = 0; rc == 0 && agg != NULL && !agg->distinct_keys && i < s->n_group; i++) {
        int a, kept = 0;
        const sqlx_node *e = sqlx_bound_target(s, s->group[i], &a);
        for (int k = 0; k < ps->n_keys && !kept; k++)
            kept = sqlx_bound_same(e, a, ps->keys[k], ps->keys_alias[k]);
        if (kept)
            ps->key_mask |= (uint64_t)1 << i;
        else
            rc = add_key(em, &ps->nulls, &ps->nulls_alias, &ps->n_nulls, s->n_group, e, a);
    }
    return rc;
}

static uint64_t all_sets(const sqlx_select *s) {
    return s->n_gsets == 1 ? s->gsets[0] : ~(uint64_t)0;
}

/* ---------------- FROM ---------------- */

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

/* rs_unnest(n, ordinality, filtered, paths, name, array, ...): see runtime/unnest.c. '' stands
 * for no name; paths are those the call reads itself (sqlx_emit_unnest.c). */
static int emit_unnest(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out) {
    const sqlx_from *f = op->rte->from;
    int rc = 0;
    rs_buf_printf(out, "rs_unnest(%d,", f->n_arrays);
    put_sql_string(out, f->ordinality != NULL ? f->ordinality : "");
    rs_buf_printf(out, ",%d,", op->filtered);
    put_unnest_paths(em, op->rte->alias, out);
    for (int i = 0; !rc && i < f->n_arrays; i++) {
        rs_buf_putc(out, ',');
        put_sql_string(out, f->names[i] != NULL ? f->names[i] : "");
        rs_buf_putc(out, ',');
        rc = emit_val(em, ps, f->arrays[i], out);
    }
    rs_buf_printf(out, ") AS r%d", op->rte->id);
    return rc;
}

/* A derived relation's rows (a subquery, a view, a WITH query) behind a fence SQLite does not
 * flatten, an OFFSET: flattened into the query reading it, every rs_get(rN.doc, ...) there
 * would be replaced by the body's whole row expression and evaluate it again, and a chain of
 * WITH queries multiplies that per level (three levels of a real dashboard's benchmark query,
 * 1,000 documents: 9.6 s, and 130 ms to prepare; fenced, 75 ms and 2 ms). Behind the fence the
 * rows are made once each, as a co-routine or a materialized table; the rules have already
 * pushed the conjuncts that can go inside, and the access paths chose its joins. */
static int emit_block_unordered(emitter *em, const sqlx_block *blk, rs_buf *out);
static int order_read(const emitter *em, const sqlx_block *blk);

static int emit_fenced_block(emitter *em, const sqlx_block *blk, rs_buf *out) {
    rs_buf_puts(out, "SELECT doc FROM (");
    int rc = order_read(em, blk) ? emit_block(em, blk, MODE_DOC, 0, 0, NULL, out)
                                 : emit_block_unordered(em, blk, out);
    rs_buf_printf(out, ") AS r%d LIMIT -1 OFFSET 0", em->ctx->n_rel++);
    return rc;
}

/* The right side of a lookup join into a derived relation (sqlx_join.through): its block inline
 * and unfenced, with the keys' columns, so that SQLite folds it into the join and reads its
 * collection through the index whose expression a column is. */
static int emit_through(emitter *em, const sqlx_op *join, rs_buf *out) {
    const sqlx_op *op = join->right;
    const sqlx_block *blk = op->query->block;
    em->through = join->join;
    em->through_blk = blk;
    rs_buf_putc(out, '(');
    int rc = emit_block(em, blk, MODE_DOC, 0, 0, NULL, out);
    rs_buf_printf(out, ") AS r%d", op->rte->id);
    em->through = NULL;
    em->through_blk = NULL;
    return rc;
}

static int emit_derived(emitter *em, const sqlx_op *op, rs_buf *out) {
    const sqlx_rte *r = op->rte;
    if (r->cte != NULL) {
        rs_buf_printf(out, "cte%d AS r%d", r->cte->id, r->id);
        return 0;
    }
    rs_buf_putc(out, '(');
    int rc = emit_fenced_block(em, r->body->block, out);
    rs_buf_printf(out, ") AS r%d", r->id);
    if (rc && rc != RS_ENOMEM && r->kind == SQLX_RTE_VIEW && strncmp(em->err->msg, "view '", 6))
        rs_err_prefix(em->err, "view '%s': ", r->view_name);
    return rc;
}

static int emit_join(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out);

static int emit_from(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out) {
    switch (op->kind) {
    case SQLX_OP_GET:
        put_sampled_table(out, op->rte->table, op->rte->from);
        rs_buf_printf(out, " AS r%d", op->rte->id);
        return 0;
    case SQLX_OP_EMPTY: /* validating a lambda: no rows, any field */
        rs_buf_printf(out, "(SELECT NULL AS doc WHERE 0) AS r%d", op->rte->id);
        return 0;
    case SQLX_OP_DERIVED:
        return emit_derived(em, op, out);
    case SQLX_OP_UNNEST:
        return emit_unnest(em, ps, op, out);
    case SQLX_OP_JOIN:
        return emit_join(em, ps, op, out);
    default:
        return rs_err_set(em->err, RS_EINTERNAL, "operator %d in a FROM", op->kind);
    }
}

/* ---------------- joins ----------------
 *
 * As the access paths planned them (sqlx_plan.h, sqlx_join):
 *
 *   lookup   "ta" AS r0 JOIN "tb" AS r1
 *              ON rs_skey(rs_get(r1.doc,'pid')) = rs_skey(rs_get(r0.doc,'id'))
 *                 AND rs_jkey(rs_get(r1.doc,'pid')) = rs_jkey(rs_get(r0.doc,'id'))
 *   hash     "ta" AS r0 CROSS JOIN (SELECT r2.doc AS doc, rs_jkey(rs_get(r2.doc,'pid')) AS k0
 *              FROM "tb" AS r2 LIMIT -1) AS r1 ON r1.k0 = rs_jkey(rs_get(r0.doc,'id'))
 *   nested   "ta" AS r0 JOIN "tb" AS r1 ON <the condition>
 *
 * Equal join keys have equal sort keys, so the lookup's index term drops no row the equality
 * keeps. Where the right path holds only null, booleans, numbers and strings (its catalog,
 * sqlx_join_key.exact), equal sort keys are also equal values, and the lookup writes
 *   ON rs_skey(rs_get(r1.doc,'pid')) = rs_skey(rs_get(r0.doc,'id'))
 *      AND rs_jkey(rs_get(r0.doc,'id')) IS NOT NULL
 * which SQLite tests once per left row, instead of reading each right document found again for
 * its value (a copy of the document and its lookup in rs_get's cache: q06 and q08 took 0.79 of
 * their time on the dashboard benchmark, docs/indexing.md "Exact keys"). The hash form's LIMIT -1
 * keeps SQLite from flattening the wrapper back; its CROSS JOIN keeps the wrapped side the inner
 * loop, the one given the automatic index. */

/* The rightmost relation of a FROM subtree (USING reads the left side's last relation). */
static const sqlx_rte *last_rte(const sqlx_op *op) {
    while (op->kind == SQLX_OP_JOIN)
        op = op->right;
    return op->rte;
}

/* <fn>(<left value of key k>) */
static int put_left_key(emitter *em, pscope *ps, const sqlx_join_key *key, const char *fn,
                        const sqlx_rte *left, rs_buf *out) {
    int rc = 0;
    rs_buf_printf(out, "%s(", fn);
    if (key->using_name != NULL) {
        rs_buf_printf(out, "rs_get(r%d.doc,", left->alias);
        put_sql_string(out, key->using_name);
        rs_buf_putc(out, ')');
    } else {
        rc = emit_val(em, ps, key->left, out);
    }
    rs_buf_putc(out, ')');
    return rc;
}

static int is_key_conjunct(const sqlx_join *j, const sqlx_node *c) {
    for (int k = 0; j != NULL && k < j->n_keys; k++)
        if (j->keys[k].conjunct == c)
            return 1;
    return 0;
}

/* The conjuncts of ON that are not join keys (nor moved into the right side), each after
 * " AND " once *n_terms are written. */
static int emit_other_conjuncts(emitter *em, pscope *ps, const sqlx_op *op, int *n_terms,
                                rs_buf *out) {
    int rc = 0;
    for (int i = 0; i < op->conj.n && !rc; i++) {
        const sqlx_conj *c = &op->conj.items[i];
        if (c->gone || is_key_conjunct(op->join, c->expr))
            continue;
        rs_buf_puts(out, (*n_terms)++ ? " AND " : "");
        rc = emit_cond(em, ps, c->expr, out);
    }
    return rc;
}

/* fn(rs_get(r<alias>.doc, <args>)): the right side's value of a key (fn: a CAST's function
 * index, sqlx_join_key.fn), wrapped in wrap when given: rs_skey(...) is the index's expression. */
static int put_right_key(emitter *em, pscope *ps, rs_buf *out, const char *wrap,
                         const sqlx_join_key *key, int alias) {
    if (key->expr != NULL) { /* as the expression index's text has it, over r<alias> */
        rs_buf_printf(out, "%s(", wrap);
        int rc = emit_val(em, ps, key->expr, out);
        rs_buf_putc(out, ')');
        return rc;
    }
    rs_buf_printf(out, "%s(%s%srs_get(r%d.doc,%s)%s)", wrap, key->fn ? key->fn : "",
                  key->fn ? "(" : "", alias, key->args, key->fn ? ")" : "");
    return 0;
}

/* ON of an index lookup: each key on the index's expression (when indexed) and as the join's
 * equality, then the other conjuncts of ON. */
static int emit_lookup_condition(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out) {
    const sqlx_join *j = op->join;
    const sqlx_rte *left = last_rte(op->left), *right = op->right->rte;
    int rc = 0, n_terms = j->n_keys;
    rs_buf_puts(out, " ON ");
    for (int k = 0; k < j->n_keys && !rc; k++) {
        const sqlx_join_key *key = &j->keys[k];
        rs_buf_puts(out, k ? " AND " : "");
        if (key->indexed == 2) {
            rs_buf_printf(out, "r%d._id = ", right->alias);
            rc = put_left_key(em, ps, key, "rs_jkey", left, out);
            rs_buf_puts(out, " AND ");
        } else if (key->indexed && j->through) { /* the column of the index's expression */
            rs_buf_printf(out, "r%d.k%d = ", right->alias, k);
            rc = put_left_key(em, ps, key, "rs_skey", left, out);
            rs_buf_puts(out, " AND ");
        } else if (key->indexed) {
            rc = put_right_key(em, ps, out, "rs_skey", key, right->alias);
            rs_buf_puts(out, " = ");
            if (!rc)
                rc = put_left_key(em, ps, key, "rs_skey", left, out);
            rs_buf_puts(out, " AND ");
        }
        if (key->exact) { /* equal keys are equal values here: left null and undefined stay out */
            if (!rc)
                rc = put_left_key(em, ps, key, "rs_jkey", left, out);
            rs_buf_puts(out, " IS NOT NULL");
            continue;
        }
        if (!rc)
            rc = put_right_key(em, ps, out, "rs_jkey", key, right->alias);
        rs_buf_puts(out, " = ");
        if (!rc)
            rc = put_left_key(em, ps, key, "rs_jkey", left, out);
    }
    return rc ? rc : emit_other_conjuncts(em, ps, op, &n_terms, out);
}

/* ON of a hash join: each key as rW.k<i> = <left value>, then the other conjuncts. */
static int emit_hash_condition(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out) {
    const sqlx_join *j = op->join;
    const sqlx_rte *left = last_rte(op->left);
    int rc = 0, n_terms = 0;
    rs_buf_puts(out, " ON ");
    for (int k = 0; k < j->n_keys && !rc; k++) {
        rs_buf_puts(out, n_terms++ ? " AND " : "");
        rs_buf_printf(out, "r%d.k%d = ", j->wrapper_id, k);
        rc = put_left_key(em, ps, &j->keys[k], "rs_jkey", left, out);
    }
    if (!rc)
        rc = emit_other_conjuncts(em, ps, op, &n_terms, out);
    if (!n_terms)
        rs_buf_puts(out, "1");
    return rc;
}

/* ON of a nested loop: its keys as equalities (USING, or keys a hint kept out of the
 * indexes), then the other conjuncts; a join without a condition matches every pair. */
static int emit_nested_condition(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out) {
    const sqlx_join *j = op->join;
    const sqlx_rte *left = last_rte(op->left);
    int rc = 0, n_terms = 0, keys = j != NULL ? j->n_keys : 0;
    if (keys == 0 && op->conj.n == 0) {
        if (strcmp(op->from->join_type, "CROSS JOIN") != 0)
            rs_buf_puts(out, " ON 1");
        return 0;
    }
    rs_buf_puts(out, " ON ");
    for (int k = 0; k < keys && !rc; k++) {
        rs_buf_puts(out, n_terms++ ? " AND " : "");
        rc = put_right_key(em, ps, out, "rs_jkey", &j->keys[k], op->right->rte->alias);
        rs_buf_puts(out, " = ");
        if (!rc)
            rc = put_left_key(em, ps, &j->keys[k], "rs_jkey", left, out);
    }
    if (!rc)
        rc = emit_other_conjuncts(em, ps, op, &n_terms, out);
    if (!n_terms)
        rs_buf_puts(out, "1");
    return rc;
}

/* (SELECT rI.doc AS doc[, rI._id AS _id][, rI.rowid AS rowid], rs_jkey(rs_get(rI.doc, ...)) AS
 * k0, ... FROM <inner> LIMIT -1) AS rW, a collection's _id and rowid kept where its key tests
 * on the primary key and the element and trigram indexes read them;
 * with the rows told (a derived side), <inner> CROSS JOIN rs_rows(<rows>): one row per row of
 * <inner>, which SQLite counts as <rows> (runtime/rowshint.c) */
#define KEEP_ID    1
#define KEEP_ROWID 2
/* The columns of the table that written key tests read besides doc: _id (the primary key's),
 * rowid (the element and trigram indexes'). tests: n of them, or an OR arm's NULL-terminated
 * list (n < 0). */
static int keeps_columns(sqlx_keytest *const *tests, int n, int kept) {
    for (int i = 0; n < 0 ? tests[i] != NULL : i < n; i++) {
        const sqlx_keytest *t = tests[i];
        if (t->dropped)
            continue;
        if (t->kind == SQLX_KEY_ID || (t->kind == SQLX_KEY_PROBE && t->on_id))
            kept |= KEEP_ID;
        if (t->kind == SQLX_KEY_ELEMS || t->kind == SQLX_KEY_TRIGRAM)
            kept |= KEEP_ROWID;
        for (int a = 0; t->kind == SQLX_KEY_OR && a < t->n_arms; a++)
            kept = keeps_columns(t->arms[a], -1, kept);
    }
    return kept;
}

static int emit_hash_wrapper(emitter *em, pscope *ps, const sqlx_op *op, const char *inner,
                             rs_buf *out) {
    const sqlx_join *j = op->join;
    int inner_id = op->right->rte->id, rc = 0;
    int kept = op->right->kind == SQLX_OP_GET && op->right->access != NULL
                   ? keeps_columns(op->right->access->tests, op->right->access->n_tests, 0)
                   : 0;
    rs_buf_printf(out, "(SELECT r%d.doc AS doc", inner_id);
    if (kept & KEEP_ID) /* its key tests, written outside, read these */
        rs_buf_printf(out, ", r%d._id AS _id", inner_id);
    if (kept & KEEP_ROWID)
        rs_buf_printf(out, ", r%d.rowid AS rowid", inner_id);
    /* the right relation is the wrapper outside (its alias); inside, its own id */
    em->remap = 1;
    em->remap_from = op->right->rte->alias;
    em->remap_to = inner_id;
    for (int k = 0; k < j->n_keys && !rc; k++) {
        rs_buf_puts(out, ", ");
        rc = put_right_key(em, ps, out, "rs_jkey", &j->keys[k], inner_id);
        rs_buf_printf(out, " AS k%d", k);
    }
    em->remap = 0;
    rs_buf_printf(out, " FROM %s", inner);
    if (j->right_rows > 0)
        rs_buf_printf(out, " CROSS JOIN rs_rows(%.0f)", j->right_rows);
    rs_buf_printf(out, " LIMIT -1) AS r%d", j->wrapper_id);
    return rc;
}

static int emit_join(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out) {
    const sqlx_join *j = op->join;
    sqlx_join_strategy strategy = j != NULL && j->n_keys ? j->strategy : SQLX_JOIN_NESTED;
    rs_buf right = RS_BUF_INIT;
    int rc = emit_from(em, ps, op->left, out);
    if (rc == 0 && strategy == SQLX_JOIN_HASH && j->left_rows > 0) /* see emit_hash_wrapper */
        rs_buf_printf(out, " CROSS JOIN rs_rows(%.0f)", j->left_rows);
    if (rc == 0)
        rc = check_buf(em, &right,
                       strategy == SQLX_JOIN_LOOKUP && j->through
                           ? emit_through(em, op, &right)
                           : emit_from(em, ps, op->right, &right));
    if (rc == 0) {
        /* CROSS JOIN: SQLite keeps its left side the outer loop. A hash join's wrapper must be
         * the inner loop; the join order's joins stay in the order chosen from the catalog's
         * counts, which SQLite lacks (it read 1,000s of jobs by a time window first, where the
         * order looked 248 annotations up) */
        if ((strategy == SQLX_JOIN_HASH || op->ordered) && strcmp(op->from->join_type, "JOIN") == 0)
            rs_buf_puts(out, " CROSS JOIN ");
        else
            rs_buf_printf(out, " %s ", op->from->join_type);
        if (strategy == SQLX_JOIN_HASH)
            rc = emit_hash_wrapper(em, ps, op, rs_buf_cstr(&right), out);
        else if (op->right->kind == SQLX_OP_JOIN) /* a parenthesised join stays one operand */
            rs_buf_printf(out, "(%s)", rs_buf_cstr(&right));
        else
            rs_buf_puts(out, rs_buf_cstr(&right));
        if (rc == 0)
            rc = strategy == SQLX_JOIN_LOOKUP ? emit_lookup_condition(em, ps, op, out)
                 : strategy == SQLX_JOIN_HASH ? emit_hash_condition(em, ps, op, out)
                                              : emit_nested_condition(em, ps, op, out);
    }
    rs_buf_free(&right);
    return rc;
}

/* ---------------- key tests (sqlx_access.c chose them) ---------------- */

static void put_bound(rs_buf *out, const char *key, const char *op, const char *bound,
                      double likelihood) {
    if (likelihood > 0)
        rs_buf_printf(out, "likelihood(%s %s %s,%.9f)", key, op, bound, likelihood);
    else
        rs_buf_printf(out, "%s %s %s", key, op, bound);
}

/* lo <= key <= hi, each end that is given; a test the catalog counted as selective says so
 * with likelihood(), which SQLite reads as the term's selectivity and still matches the
 * index. */
static void put_range(rs_buf *out, const char *key, const sqlx_keytest *t) {
    if (t->eq) {
        rs_buf_printf(out, "%s = %s", key, t->lo);
        return;
    }
    if (t->lo != NULL)
        put_bound(out, key, t->lo_incl ? ">=" : ">", t->lo, t->likelihood);
    if (t->lo != NULL && t->hi != NULL)
        rs_buf_puts(out, " AND ");
    if (t->hi != NULL)
        put_bound(out, key, t->hi_incl ? "<=" : "<", t->hi, t->likelihood);
}

static void put_guard_range(rs_buf *out, const char *key, const sqlx_guard_range *g, int *n) {
    rs_buf_puts(out, (*n)++ ? " OR " : "");
    if (g->lo != NULL) { /* the numbers at or beyond both ends of the excluded floats */
        rs_buf_printf(out,
                      "(likelihood(%s >= X'%02X'," GUARD_LIKELIHOOD ") AND likelihood(%s <= "
                      "rs_skey(%s)," GUARD_LIKELIHOOD ")) OR (likelihood(%s >= rs_skey(%s),"
                      "" GUARD_LIKELIHOOD ") AND likelihood(%s < X'%02X'," GUARD_LIKELIHOOD "))",
                      key, g->from, key, g->lo, key, g->hi, key, g->to);
        return;
    }
    rs_buf_printf(out, "(likelihood(%s >= X'%02X'," GUARD_LIKELIHOOD ")", key, g->from);
    if (g->to < SQLX_KEY_RANKS)
        rs_buf_printf(out, " AND likelihood(%s < X'%02X'," GUARD_LIKELIHOOD ")", key, g->to);
    rs_buf_putc(out, ')');
}

static void put_guard(rs_buf *out, const sqlx_keytest *t) {
    int n = 0;
    rs_buf_putc(out, '(');
    for (int i = 0; i < t->n_guards; i++) {
        rs_buf key = RS_BUF_INIT;
        sqlx_emit_index_key(&key, NULL, t->rte->alias, t->guards[i].args);
        for (int r = 0; r < t->guards[i].n_ranges; r++)
            put_guard_range(out, rs_buf_cstr(&key), &t->guards[i].ranges[r], &n);
        if (key.oom)
            out->oom = 1;
        rs_buf_free(&key);
    }
    rs_buf_puts(out, n ? ")" : "0)");
}

static int put_keytest(emitter *em, pscope *ps, rs_buf *out, const sqlx_keytest *t);

static int put_or(emitter *em, pscope *ps, rs_buf *out, const sqlx_keytest *t) {
    int rc = 0;
    rs_buf_putc(out, '(');
    for (int a = 0; a < t->n_arms && !rc; a++) {
        rs_buf_puts(out, a ? " OR (" : "(");
        for (int i = 0; t->arms[a][i] != NULL && !rc; i++) {
            rs_buf_puts(out, i ? " AND " : "");
            rc = put_keytest(em, ps, out, t->arms[a][i]);
        }
        rs_buf_putc(out, ')');
    }
    rs_buf_putc(out, ')');
    return rc;
}

/* The index key a test compares: of the path (or its function), or of an expression index's
 * expression as sqlx_emit_key_text prints it for the query, with the relation's alias as it is
 * now (a hash join may have wrapped the relation since the test was planned). */
static int put_test_key(emitter *em, rs_buf *key, const sqlx_keytest *t) {
    if (t->expr == NULL) {
        sqlx_emit_index_key(key, t->fn, t->rte->alias, t->args ? t->args : "");
        return 0;
    }
    rs_buf_puts(key, "rs_skey(");
    int rc = sqlx_emit_key_text(em->ctx, t->expr, -1, key, em->err);
    rs_buf_putc(key, ')');
    return rc;
}

/* One bound of a probe's key: key <op> fn(v, kind). A range (not an equality's bound) is
 * written likelihood(..., PROBE_RANGE_SHARE): the access stage chose to read it (weigh_probes);
 * SQLite, taking a range of unknown bounds for a quarter of the collection, would walk an ORDER
 * BY's index instead, and that walk is bounded by nothing. */
#define PROBE_RANGE_SHARE "0.05"
static int put_probe_bound(emitter *em, pscope *ps, rs_buf *out, const char *key, const char *op,
                           const char *fn, const sqlx_keytest *t) {
    int range = t->probe_op[0] != '=';
    rs_buf_printf(out, "%s%s %s %s(", range ? "likelihood(" : "", key, op, fn);
    int rc = emit_val(em, ps, t->probe, out);
    rs_buf_printf(out, "%s)%s", t->probe_keys, range ? "," PROBE_RANGE_SHARE ")" : "");
    return rc;
}

/* A key known when the statement runs (SQLX_KEY_PROBE): the key's bounds rs_klo / rs_khi of the
 * enclosing row's value, as a constant's are; `key IN (SELECT
 * rs_skey(v) FROM (<the subquery>))`, which SQLite runs once; on the primary key, _id and
 * rs_jkey. Each implies its conjunct, which stays. */
static int put_probe(emitter *em, pscope *ps, rs_buf *out, const char *key, const sqlx_keytest *t) {
    int rc;
    if (t->sub != NULL) {
        if (t->on_id)
            rs_buf_printf(out, "r%d._id IN (SELECT rs_jkey(v) FROM (", t->rte->alias);
        else
            rs_buf_printf(out, "%s IN (SELECT rs_skey(v) FROM (", key);
        rc = emit_block(em, t->sub->block, MODE_SCALAR, 0, 0, NULL, out);
        rs_buf_printf(out, ") AS r%d)", em->ctx->n_rel++);
        return rc;
    }
    if (t->on_id) {
        rs_buf_printf(out, "r%d._id = rs_jkey(", t->rte->alias);
        rc = emit_val(em, ps, t->probe, out);
        rs_buf_putc(out, ')');
        return rc;
    }
    const char *op = t->probe_op;
    if (op[0] == '=') {
        rc = put_probe_bound(em, ps, out, key, ">=", "rs_klo", t);
        rs_buf_puts(out, " AND ");
        return rc ? rc : put_probe_bound(em, ps, out, key, "<=", "rs_khi", t);
    }
    return put_probe_bound(em, ps, out, key, op, op[0] == '>' ? "rs_klo" : "rs_khi", t);
}

static int put_keytest(emitter *em, pscope *ps, rs_buf *out, const sqlx_keytest *t) {
    rs_buf key = RS_BUF_INIT;
    int rc = put_test_key(em, &key, t);
    switch (t->kind) {
    case SQLX_KEY_IN:
        if (t->likelihood > 0) {
            put_range(out, rs_buf_cstr(&key), t);
            break;
        }
        rs_buf_printf(out, "%s IN (", rs_buf_cstr(&key));
        for (int i = 0; i < t->n_keys; i++)
            rs_buf_printf(out, "%s%s", i ? "," : "", t->keys[i]);
        rs_buf_putc(out, ')');
        break;
    case SQLX_KEY_ID:
        rs_buf_printf(out, "r%d._id IN (%s)", t->rte->alias, t->value);
        break;
    case SQLX_KEY_PROBE:
        rc = rc ? rc : put_probe(em, ps, out, rs_buf_cstr(&key), t);
        break;
    case SQLX_KEY_GUARD:
        put_guard(out, t);
        break;
    case SQLX_KEY_ELEMS:
        rs_buf_printf(out, "r%d.rowid IN (SELECT rid FROM ", t->rte->alias);
        put_sql_ident(out, t->elems_table);
        rs_buf_printf(out, " WHERE pid = %lld AND ", (long long)t->path_id);
        if (t->n_keys > 0 && t->likelihood <= 0) { /* an IN list: its keys */
            rs_buf_puts(out, "key IN (");
            for (int i = 0; i < t->n_keys; i++)
                rs_buf_printf(out, "%s%s", i ? "," : "", t->keys[i]);
            rs_buf_putc(out, ')');
        } else {
            put_range(out, "key", t);
        }
        rs_buf_putc(out, ')');
        break;
    case SQLX_KEY_OR:
        rc = rc ? rc : put_or(em, ps, out, t);
        break;
    case SQLX_KEY_NONE: /* a constant SQLite tests once, before reading anything */
        rs_buf_puts(out, "0");
        break;
    case SQLX_KEY_TRIGRAM:
        rs_buf_printf(out, "r%d.rowid IN (SELECT rowid FROM ", t->rte->alias);
        put_sql_ident(out, t->elems_table);
        rs_buf_printf(out, " WHERE v GLOB rs_like_glob(%s))", t->lo);
        break;
    default:
        put_range(out, rs_buf_cstr(&key), t);
    }
    if (key.oom)
        out->oom = 1;
    rs_buf_free(&key);
    return rc;
}

/* The key tests of every collection of a FROM tree, each after " AND " once *n are written. */
static int put_keytests(emitter *em, pscope *ps, const sqlx_op *op, rs_buf *out, int *n) {
    int rc = 0;
    if (op == NULL)
        return 0;
    if (op->kind == SQLX_OP_JOIN) {
        rc = put_keytests(em, ps, op->left, out, n);
        return rc ? rc : put_keytests(em, ps, op->right, out, n);
    }
    for (int i = 0; op->access != NULL && i < op->access->n_tests && !rc; i++) {
        if (op->access->tests[i]->dropped)
            continue;
        rs_buf_puts(out, (*n)++ ? " AND " : "");
        rc = put_keytest(em, ps, out, op->access->tests[i]);
    }
    return rc;
}

/* ---------------- the select list ---------------- */

static int star_docs(const sqlx_block *blk, const sqlx_node *star, rs_buf *out) {
    int found = 0;
    for (int i = 0; i < blk->n_rels; i++) {
        if (star->name != NULL &&
            (blk->rels[i]->name == NULL || strcmp(blk->rels[i]->name, star->name) != 0))
            continue;
        rs_buf_printf(out, "%sr%d.doc", found ? "," : "", blk->rels[i]->alias);
        found++;
    }
    return found;
}

/* The documents a star merges: its relations', or an object field's members (rs_members: a
 * null, missing or non-object value has none). */
static int star_sources(emitter *em, pscope *ps, const sqlx_node *star, rs_buf *out) {
    const sqlx_node *path = star->a != NULL ? star->a : star->bound_path;
    if (path == NULL)
        return star_docs(ps->blk, star, out)
                   ? 0
                   : rs_err_set(em->err, RS_EINTERNAL, "a star without relations");
    rs_buf_puts(out, "rs_members(");
    int rc = emit_val(em, ps, path, out);
    rs_buf_putc(out, ')');
    return rc;
}

static int emit_star_part(emitter *em, pscope *ps, const sqlx_node *star, int final, rs_buf *out) {
    if (star->n_except == 0) {
        rs_buf_printf(out, "rs_merge(%d,", final);
        int rc = star_sources(em, ps, star, out);
        rs_buf_putc(out, ')');
        return rc;
    }
    rs_buf_printf(out, "rs_except(%d,rs_merge(0,", final);
    int rc = star_sources(em, ps, star, out);
    rs_buf_putc(out, ')');
    for (int i = 0; i < star->n_except; i++) {
        rs_buf_putc(out, ',');
        put_sql_string(out, star->except[i]);
    }
    rs_buf_putc(out, ')');
    return rc;
}

/* The relation and first step of an item that is a bare path of constant steps; NULL when it
 * is anything else. */
static const sqlx_ref *projection_ref(const sqlx_node *e) {
    if (e->kind != N_PATH || e->ref == NULL || e->ref->kind != SQLX_REF_FIELD)
        return NULL;
    for (int i = 0; i < e->n_parts; i++)
        if (e->names[i] == NULL && e->index[i]->kind != N_LIT_INT)
            return NULL;
    return e->ref;
}

static int put_projection_spec(emitter *em, const sqlx_node *e, const sqlx_ref *r, rs_buf *out) {
    rs_buf spec = RS_BUF_INIT;
    put_path_spec(e, r->first, &spec);
    rs_buf_putc(out, ',');
    put_sql_string(out, rs_buf_cstr(&spec));
    int oom = spec.oom;
    rs_buf_free(&spec);
    return oom ? emit_nomem(em->err) : 0;
}

/* The common SELECT a, b.c, d[1] FROM t - every item a bare path into one relation - becomes
 * one rs_project call that reads the document once instead of once per field:
 *   rs_project(final, r0.doc, 'a', '["a"]', 'c', '["b","c"]', 'd', '["d",0]')
 * -1 when the items are not all such paths. */
static int emit_projection(emitter *em, pscope *ps, const sqlx_select *s, const char **names,
                           int final, rs_buf *out) {
    const sqlx_rte *rte = NULL;
    if (ps->n_keys > 0 || ps->grouped)
        return -1; /* a group's key reads rs_gkey (undefined -> null), or null when left out */
    if (ps->pre != NULL)
        return -1; /* the paths were read first: no document here */
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_ref *r = projection_ref(s->items[i].expr);
        if (r == NULL || (rte != NULL && r->rte != rte))
            return -1;
        rte = r->rte;
    }
    rs_buf_printf(out, "rs_project(%d,r%d.doc", final, rte->alias);
    for (int i = 0; i < s->n_items; i++) {
        int dup = 0;
        for (int j = i + 1; j < s->n_items; j++)
            dup |= strcmp(names[j], names[i]) == 0;
        if (dup)
            continue;
        rs_buf_putc(out, ',');
        put_sql_string(out, names[i]);
        int rc = put_projection_spec(em, s->items[i].expr, s->items[i].expr->ref, out);
        if (rc)
            return rc;
    }
    rs_buf_putc(out, ')');
    return 0;
}

/* Output names of the items (NULL for stars); a later operand of a compound takes the names of
 * the leftmost SELECT (names_of) by position. *has_star tells whether any item is a star. */
static const char **item_names(emitter *em, const sqlx_select *s, const sqlx_select *names_of,
                               int *has_star) {
    sqlx_arena *a = em->ctx->arena;
    const char **names = sqlx_alloc(a, (size_t)(s->n_items ? s->n_items : 1) * sizeof *names);
    *has_star = 0;
    if (names == NULL)
        return NULL;
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_select *from = names_of != NULL && names_of->n_items == s->n_items &&
                                          names_of->items[i].expr->kind != N_STAR
                                      ? names_of
                                      : s;
        if (s->items[i].expr->kind == N_STAR) {
            *has_star = 1;
            continue;
        }
        if ((names[i] = sqlx_item_name(a, &from->items[i], i)) == NULL)
            return NULL;
    }
    return names;
}

static int name_repeats_later(const sqlx_select *s, const char **names, int i) {
    for (int j = i + 1; j < s->n_items; j++)
        if (names[j] != NULL && strcmp(names[j], names[i]) == 0)
            return 1;
    return 0;
}

/* The parts of a row in order - runs of plain items become one rs_row(...), each star its
 * documents - comma-separated into parts; *n_parts counts them. */
static int emit_row_parts(emitter *em, pscope *ps, const sqlx_select *s, const char **names,
                          int has_star, int final, rs_buf *parts, int *n_parts) {
    int in_row = 0, rc = 0;
    for (int i = 0; i < s->n_items && rc == 0; i++) {
        const sqlx_item *it = &s->items[i];
        if (it->expr->kind == N_STAR) {
            if (in_row)
                rs_buf_putc(parts, ')');
            in_row = 0;
            rs_buf_puts(parts, (*n_parts)++ ? "," : "");
            rc = emit_star_part(em, ps, it->expr, final, parts);
            continue;
        }
        if (!has_star && name_repeats_later(s, names, i))
            continue;
        if (!in_row) {
            rs_buf_printf(parts, "%srs_row(%d", (*n_parts)++ ? "," : "", final);
            in_row = 1;
        }
        rs_buf_putc(parts, ',');
        put_sql_string(parts, names[i]);
        rs_buf_putc(parts, ',');
        rc = emit_val(em, ps, it->expr, parts);
    }
    if (in_row)
        rs_buf_putc(parts, ')');
    return rc;
}

/* The row document of a SELECT: one rs_project when every item is a plain path into one
 * relation, else its parts merged in order (later keys win). */
static int emit_doc_expr(emitter *em, pscope *ps, const sqlx_select *s, int final,
                         const sqlx_select *names_of, rs_buf *out) {
    int has_star = 0, n_parts = 0, rc;
    const char **names = item_names(em, s, names_of, &has_star);
    if (names == NULL)
        return emit_nomem(em->err);
    if (!has_star && (rc = emit_projection(em, ps, s, names, final, out)) >= 0)
        return rc;
    rs_buf parts = RS_BUF_INIT;
    rc = emit_row_parts(em, ps, s, names, has_star, final, &parts, &n_parts);
    if (rc == 0 && n_parts > 1)
        rs_buf_printf(out, "rs_merge(%d,%s)", final, rs_buf_cstr(&parts));
    else if (rc == 0)
        rs_buf_puts(out, rs_buf_cstr(&parts));
    rc = check_buf(em, &parts, rc);
    rs_buf_free(&parts);
    return rc;
}

/* ---------------- a SELECT core ---------------- */

static int emit_limit(emitter *em, pscope *ps, const sqlx_select *s, int64_t default_limit,
                      rs_buf *out) {
    int rc = 0;
    if (s->limit != NULL) {
        rs_buf_puts(out, " LIMIT ");
        rc = emit_val(em, ps, s->limit, out);
    } else if (default_limit > 0 && !s->limit_all) {
        rs_buf_printf(out, " LIMIT %lld", (long long)default_limit);
    } else if (s->offset != NULL) {
        rs_buf_puts(out, " LIMIT -1");
    }
    if (!rc && s->offset) {
        rs_buf_puts(out, " OFFSET ");
        rc = emit_val(em, ps, s->offset, out);
    }
    return rc;
}

/* The first written test of op's collections (a join's left side first) that accepts takes,
 * or NULL. */
static const sqlx_keytest *
find_test(const sqlx_op *op, int (*accepts)(const sqlx_keytest *, const void *), const void *arg) {
    if (op == NULL)
        return NULL;
    if (op->kind == SQLX_OP_JOIN) {
        const sqlx_keytest *t = find_test(op->left, accepts, arg);
        return t != NULL ? t : find_test(op->right, accepts, arg);
    }
    for (int i = 0; op->access != NULL && i < op->access->n_tests; i++)
        if (accepts(op->access->tests[i], arg))
            return op->access->tests[i];
    return NULL;
}

/* Whether t serves conjunct e (a sqlx_node) and decides it (sqlx_keytest.decides). */
static int decides_conjunct(const sqlx_keytest *t, const void *e) {
    return (t->conjunct == e || t->not_null == e) && !t->dropped && t->decides != NULL;
}

static int same_text(const char *a, const char *b) {
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether u is a written test with a lower bound on the same key as test t, that decides its
 * own conjunct: below every timestamp lie the keys of null and missing (a null-extended row's,
 * a function index's document whose field reads as no timestamp), which a test with only an
 * upper bound lets in. */
static int lower_partner(const sqlx_keytest *u, const void *arg) {
    const sqlx_keytest *t = arg;
    return u != t && u->rte == t->rte && u->lo != NULL && !u->dropped && u->decides != NULL &&
           same_text(u->args, t->args) && same_text(u->fn, t->fn);
}

/* Conjunct e, or nothing when a written key test decides it (the key test, in the index or as
 * a filter, is then all its test, and SQLite reads no document for it), or when that holds
 * only for some constants `(<their check> OR e)`: SQLite evaluates the check once. */
static int emit_conjunct(emitter *em, pscope *ps, const sqlx_op *from, const sqlx_node *e,
                         rs_buf *out, int *n) {
    const sqlx_keytest *t = find_test(from, decides_conjunct, e), *u = NULL;
    if (t != NULL && t->conjunct == e && t->lo == NULL &&
        (u = find_test(from, lower_partner, t)) == NULL)
        t = NULL;
    if (t != NULL && t->decides[0] == '\0' && (u == NULL || u->decides[0] == '\0'))
        return 0;
    rs_buf_puts(out, (*n)++ ? " AND " : "");
    if (t == NULL)
        return emit_cond(em, ps, e, out);
    rs_buf_printf(out, "(%s", t->decides);
    if (u != NULL && u->decides[0] != '\0')
        rs_buf_printf(out, "%s%s", t->decides[0] ? " AND " : "", u->decides);
    rs_buf_puts(out, " OR ");
    int rc = emit_cond(em, ps, e, out);
    rs_buf_putc(out, ')');
    return rc;
}

/* Whether e is a key of a join of the FROM tree, which its ON tests (a key the join took from
 * the WHERE: commas, and the joins of the join order). */
static int join_key_of(const sqlx_op *op, const sqlx_node *e) {
    if (op == NULL || op->kind != SQLX_OP_JOIN)
        return 0;
    return is_key_conjunct(op->join, e) || join_key_of(op->left, e) || join_key_of(op->right, e);
}

/* WHERE: the conjuncts still tested here, then the key tests of the FROM's collections. */
static int emit_where(emitter *em, pscope *ps, const sqlx_op *filter, const sqlx_op *from,
                      rs_buf *out) {
    int rc = 0, n = 0, any = 0;
    for (int i = 0; filter != NULL && i < filter->conj.n && !rc; i++) {
        if (filter->conj.items[i].gone)
            continue;
        any = 1;
        if (join_key_of(from, filter->conj.items[i].expr))
            continue;
        rc = emit_conjunct(em, ps, from, filter->conj.items[i].expr, out, &n);
    }
    if (rc == 0 && any)
        rc = put_keytests(em, ps, from, out, &n);
    return rc;
}

static int emit_order_terms(emitter *em, pscope *ps, const sqlx_select *s, rs_buf *out) {
    int rc = 0;
    if (!s->n_order)
        return 0;
    rs_buf_puts(out, " ORDER BY ");
    for (int i = 0; i < s->n_order && !rc; i++) {
        const sqlx_node *e = sqlx_ordinal_item(s, s->order[i].expr, em->err, &rc);
        if (e == NULL)
            return rc;
        rs_buf_puts(out, i ? "," : "");
        /* unary + (a no-op on any value) keeps SQLite from matching the key to its index, when
         * the access stage found that walking that index would read far more */
        rs_buf_puts(out, i == 0 && ps->blk != NULL && ps->blk->order_unindexed ? "+" : "");
        ps->alias = e == s->order[i].expr; /* a position's item reads as the list does */
        rc = emit_order_key(em, ps, e, &s->order[i], out);
        ps->alias = 0;
    }
    return rc;
}

/* GROUP BY the keys of this set (each as rs_gkey, so that null and undefined group together);
 * GROUP BY () of a query without aggregates groups every row into one. */
static int emit_group_by(emitter *em, pscope *ps, const sqlx_select *s, rs_buf *out) {
    int rc = 0, n_keys = ps->n_keys, n_nulls = ps->n_nulls;
    ps->n_keys = ps->n_nulls = 0; /* a key's own text, not its group's */
    for (int i = 0; i < n_keys && !rc; i++) {
        rs_buf_puts(out, i ? ",rs_gkey(" : " GROUP BY rs_gkey(");
        ps->alias = ps->keys_alias[i];
        rc = emit_val(em, ps, ps->keys[i], out);
        rs_buf_putc(out, ')');
    }
    ps->alias = 0;
    ps->n_keys = n_keys;
    ps->n_nulls = n_nulls;
    if (s->grouped && n_keys == 0 && !sqlx_selects_aggregate(s))
        rs_buf_puts(out, " GROUP BY NULL");
    return rc;
}

static int emit_having(emitter *em, pscope *ps, const sqlx_op *having, rs_buf *out) {
    int rc = 0;
    if (having == NULL)
        return 0;
    rs_buf_puts(out, " HAVING ");
    ps->alias = 1;
    for (int i = 0; i < having->conj.n && !rc; i++) {
        rs_buf_puts(out, i ? " AND " : "");
        rc = emit_cond(em, ps, having->conj.items[i].expr, out);
    }
    ps->alias = 0;
    return rc;
}

/* How emit_simple prints one SELECT core. */
typedef struct core_form {
    uint64_t mask;   /* the grouping set (every GROUP BY entry without grouping sets) */
    int order_limit; /* its own ORDER BY and LIMIT (not a grouping set's branch) */
    sel_mode mode;
    int final;
    int64_t default_limit;
    const sqlx_select *names_of;
    int fold; /* MODE_SCALAR: the one value folded over the rows with rs_one */
} core_form;

/* The key columns of a lookup join into this block (emit_through): rs_skey(<inner value>) AS
 * k<i>, the expression of the index that serves it. */
static int emit_through_keys(emitter *em, pscope *ps, const sqlx_select *s, rs_buf *out) {
    const sqlx_join *j = em->through;
    int rc = 0;
    if (j == NULL || em->through_blk != s->block)
        return 0;
    em->through = NULL; /* not the blocks inside it */
    for (int k = 0; k < j->n_keys && !rc; k++) {
        if (j->keys[k].inner == NULL)
            continue;
        rs_buf_puts(out, ", rs_skey(");
        rc = emit_val(em, ps, j->keys[k].inner, out);
        rs_buf_printf(out, ") AS k%d", k);
    }
    return rc;
}

static int emit_select_list(emitter *em, pscope *ps, const sqlx_select *s, const core_form *cf,
                            rs_buf *out) {
    int rc;
    if (cf->mode != MODE_SCALAR) {
        rc = emit_doc_expr(em, ps, s, cf->final, cf->names_of, out);
        rs_buf_puts(out, " AS doc");
        return rc ? rc : emit_through_keys(em, ps, s, out);
    }
    if (cf->fold) { /* rs_one: more than one row is an error */
        int in_agg = ps->in_agg;
        ps->in_agg = 1;
        rs_buf_puts(out, "rs_one(");
        rc = emit_val(em, ps, s->items[0].expr, out);
        rs_buf_putc(out, ')');
        ps->in_agg = in_agg;
    } else {
        rc = emit_val(em, ps, s->items[0].expr, out);
    }
    rs_buf_puts(out, " AS v");
    return rc;
}

/* ---------------- a grouped block's paths, read once per row ----------------
 *
 * SQLite groups rows with a sorter that carries every column its aggregates and keys read:
 * for rs_get(r0.doc, 'a') that is the whole document, copied into the sorter and read again
 * there, where rs_get's cache (one document's members) no longer holds it. Reading the
 * block's paths in a subquery first (LIMIT -1: SQLite must not fold it back into the
 * grouping) sorts only their values, and reads each document where its paths are read
 * together: on the dashboard's million documents, distinct failing SHAs per repository over
 * a week (814 jobs) 3.3 -> 2.0 ms of CPU in SQLite. Only expressions whose every path is a
 * constant path of this block's relations or of enclosing ones, with no subquery, window or
 * whole-document reference. */

static int pre_add(emitter *em, pscope *ps, pre_paths *pp, const sqlx_node *n, const sqlx_ref *r) {
    for (int i = r->first; i < n->n_parts; i++)
        if (n->names[i] == NULL && n->index[i]->kind != N_LIT_INT)
            return 1;
    rs_buf args = RS_BUF_INIT;
    int rc = emit_path_args(em, ps, n, r->first, &args);
    const char *text =
        rc == 0 && !args.oom ? sqlx_strndup(em->ctx->arena, rs_buf_cstr(&args), args.len) : NULL;
    rs_buf_free(&args);
    if (text == NULL)
        return 1;
    for (int i = 0; i < pp->n; i++)
        if (pp->rel[i] == r->rte->alias && strcmp(pp->args[i], text) == 0)
            return 0;
    if (pp->n == PRE_MAX_PATHS)
        return 1;
    pp->rel[pp->n] = r->rte->alias;
    pp->args[pp->n++] = text;
    return 0;
}

/* A path, as a field (alias 0) and as an alias where aliases are seen (1). 1: not served. */
static int pre_path(emitter *em, pscope *ps, pre_paths *pp, const sqlx_node *n) {
    for (int alias = 0; alias < 2; alias++) {
        const sqlx_ref *r = sqlx_ref_of(n, alias);
        if (r == NULL || r->kind == SQLX_REF_ITEM || r->kind == SQLX_REF_UNDEFINED)
            continue;
        if (r->kind != SQLX_REF_FIELD)
            return 1;
        if (r->rte->owner == ps->blk && pre_add(em, ps, pp, n, r))
            return 1;
    }
    return 0;
}

static int pre_walk(emitter *em, pscope *ps, pre_paths *pp, const sqlx_node *n);

/* A window call's PARTITION BY and ORDER BY: rows SQLite sorts, as a GROUP BY's. */
static int pre_window(emitter *em, pscope *ps, pre_paths *pp, const sqlx_window *w) {
    pp->windows = 1;
    for (int i = 0; i < w->n_partition; i++)
        if (pre_walk(em, ps, pp, w->partition[i]))
            return 1;
    for (int i = 0; i < w->n_order; i++)
        if (pre_walk(em, ps, pp, w->order[i].expr))
            return 1;
    return 0;
}

static int pre_walk(emitter *em, pscope *ps, pre_paths *pp, const sqlx_node *n) {
    if (n == NULL)
        return 0;
    if (n->over != NULL && pre_window(em, ps, pp, n->over))
        return 1;
    if (n->sub != NULL || n->n_agg_order > 0 || n->agg_limit != NULL || n->agg_offset != NULL ||
        n->kind == N_STAR || n->kind == N_SUBQUERY || n->kind == N_EXISTS || n->kind == N_INSUB ||
        (n->kind == N_FUNC && n->fn == NULL))
        return 1;
    if (n->kind == N_PATH && pre_path(em, ps, pp, n))
        return 1;
    for (int i = 0; n->kind == N_PATH && i < n->n_parts; i++)
        if (n->names[i] == NULL && pre_walk(em, ps, pp, n->index[i]))
            return 1;
    for (int i = 0; i < n->n_list; i++)
        if (pre_walk(em, ps, pp, n->list[i]))
            return 1;
    return pre_walk(em, ps, pp, n->a) || pre_walk(em, ps, pp, n->b) || pre_walk(em, ps, pp, n->c);
}

/* Whether the block's paths are read first (pp filled): a GROUP BY of one grouping set, or,
 * in a block that does not aggregate, window functions (their sorter carries documents
 * alike). */
static int pre_applies(emitter *em, pscope *ps, const sqlx_op *agg, const core_form *cf,
                       pre_paths *pp) {
    const sqlx_select *s = ps->blk->sel;
    int grouped = agg != NULL && !agg->distinct_keys && s->n_group > 0;
    if ((agg != NULL && !grouped) || s->n_gsets > 1 || s->gset_branch || s->distinct ||
        cf->mode != MODE_DOC)
        return 0;
    pp->n = pp->windows = 0;
    for (int i = 0; i < s->n_items; i++)
        if (pre_walk(em, ps, pp, s->items[i].expr))
            return 0;
    for (int i = 0; i < s->n_group; i++)
        if (pre_walk(em, ps, pp, s->group[i]))
            return 0;
    for (int i = 0; i < s->n_order; i++)
        if (pre_walk(em, ps, pp, s->order[i].expr))
            return 0;
    if (pre_walk(em, ps, pp, s->having) || pp->n == 0)
        return 0;
    return grouped ? !pp->windows : pp->windows;
}

/* FROM (SELECT rs_get(..) AS p0, ... FROM <from> WHERE <where> LIMIT -1), as *from. */
static int pre_from(emitter *em, const pre_paths *pp, rs_buf *from, rs_buf *where) {
    rs_buf b = RS_BUF_INIT;
    rs_buf_puts(&b, "(SELECT ");
    for (int i = 0; i < pp->n; i++) {
        int v = emit_unnest_column(em, pp->rel[i], pp->args[i]);
        if (v >= 0)
            rs_buf_printf(&b, "%sr%d.v%d AS p%d", i ? "," : "", pp->rel[i], v, i);
        else
            rs_buf_printf(&b, "%srs_get(r%d.doc%s) AS p%d", i ? "," : "", pp->rel[i], pp->args[i],
                          i);
    }
    rs_buf_printf(&b, " FROM %s", rs_buf_cstr(from));
    if (where->len > 0)
        rs_buf_printf(&b, " WHERE %s", rs_buf_cstr(where));
    rs_buf_puts(&b, " LIMIT -1)");
    int oom = b.oom;
    rs_buf_free(from);
    rs_buf_free(where);
    *from = b;
    return oom ? emit_nomem(em->err) : 0;
}

static int emit_simple(emitter *em, const sqlx_block *blk, const core_form *cf, rs_buf *out) {
    const sqlx_select *s = blk->sel;
    const sqlx_op *from = sqlx_plan_from(blk), *where = sqlx_plan_find(blk, SQLX_OP_FILTER, 0),
                  *agg = sqlx_plan_find(blk, SQLX_OP_AGGREGATE, 0),
                  *having = sqlx_plan_find(blk, SQLX_OP_FILTER, 1);
    pscope ps;
    rs_buf ftext = RS_BUF_INIT, wtext = RS_BUF_INIT, otext = RS_BUF_INIT;
    memset(&ps, 0, sizeof ps);
    ps.blk = blk;
    pre_paths pp;
    int rc = emit_unnest_collect(em, blk);
    if (rc == 0 && from != NULL)
        rc = emit_from(em, &ps, from, &ftext);
    if (rc == 0)
        rc = emit_where(em, &ps, where, from, &wtext);
    if (rc == 0 && from != NULL && pre_applies(em, &ps, agg, cf, &pp)) {
        rc = pre_from(em, &pp, &ftext, &wtext);
        ps.pre = &pp;
    }
    if (rc == 0)
        rc = set_group_keys(em, &ps, agg, cf->mask);
    if (rc == 0 && cf->order_limit)
        rc = emit_order_terms(em, &ps, s, &otext);
    if (rc == 0) {
        rs_buf_puts(out, s->distinct && (agg == NULL || !agg->distinct_keys) ? "SELECT DISTINCT "
                                                                             : "SELECT ");
        rc = emit_select_list(em, &ps, s, cf, out);
    }
    if (rc == 0 && from != NULL)
        rs_buf_printf(out, " FROM %s", rs_buf_cstr(&ftext));
    if (rc == 0 && wtext.len > 0)
        rs_buf_printf(out, " WHERE %s", rs_buf_cstr(&wtext));
    if (rc == 0 && agg != NULL)
        rc = emit_group_by(em, &ps, s, out);
    if (rc == 0)
        rc = emit_having(em, &ps, having, out);
    if (rc == 0 && cf->order_limit) {
        rs_buf_append(out, otext.data, otext.len);
        rc = emit_limit(em, &ps, s, cf->default_limit, out);
    }
    if (rc == 0 && (ftext.oom || wtext.oom || otext.oom))
        rc = emit_nomem(em->err);
    rs_buf_free(&ftext);
    rs_buf_free(&wtext);
    rs_buf_free(&otext);
    return rc;
}

/* ---------------- compounds ---------------- */

static int emit_operand(emitter *em, const sqlx_select *s, int final, int right,
                        const sqlx_select *names_of, rs_buf *out);

/* "left OP right" of a compound; the right operand's fields take names' names. SQLite has no
 * INTERSECT ALL / EXCEPT ALL: numbering the copies of each row (row_number over its equal
 * rows) makes them distinct, so the plain operator keeps min(m, n) / m - n copies. */
static int emit_set_operands(emitter *em, const sqlx_select *s, const sqlx_select *names, int final,
                             const sqlx_select *names_of, rs_buf *out) {
    static const char numbered[] = "SELECT doc, row_number() OVER (PARTITION BY doc) AS n FROM (";
    int counted =
        strcmp(s->compound_op, "INTERSECT ALL") == 0 || strcmp(s->compound_op, "EXCEPT ALL") == 0;
    if (counted)
        rs_buf_printf(out, "SELECT doc FROM (%s", numbered);
    int rc = emit_operand(em, s->left, final, 0, names_of, out);
    if (rc)
        return rc;
    if (counted)
        rs_buf_printf(out, ") AS r%d %.*s %s", em->ctx->n_rel++, (int)(strlen(s->compound_op) - 4),
                      s->compound_op, numbered);
    else
        rs_buf_printf(out, " %s ", s->compound_op);
    rc = emit_operand(em, s->right, final, 1, names, out);
    if (counted) {
        rs_buf_printf(out, ") AS r%d) AS r%d", em->ctx->n_rel, em->ctx->n_rel + 1);
        em->ctx->n_rel += 2;
    }
    return rc;
}

static int emit_operand(emitter *em, const sqlx_select *s, int final, int right,
                        const sqlx_select *names_of, rs_buf *out) {
    int bare = !s->n_ctes && !s->n_order && !s->limit && !s->offset;
    if (bare && !s->compound_op && s->n_gsets <= 1) {
        core_form cf = {all_sets(s), 1, MODE_DOC, final, 0, names_of, 0};
        return emit_simple(em, s->block, &cf, out);
    }
    /* SQLite reads a compound left to right, all operators alike: only a left operand may be
     * written inline (a right one, `1 UNION ALL (2 INTERSECT 2)`, is wrapped below) */
    if (bare && s->compound_op && strcmp(s->compound_op, "WRAP") != 0 && !right)
        return emit_set_operands(em, s, names_of ? names_of : sqlx_leftmost_core(s), final,
                                 names_of, out);
    rs_buf_puts(out, "SELECT doc FROM (");
    int rc = emit_block(em, s->block, MODE_DOC, final, 0, names_of, out);
    rs_buf_printf(out, ") AS r%d", em->ctx->n_rel++);
    return rc;
}

/* ORDER BY over a compound's (or grouping sets') output documents, then LIMIT: a position, or
 * (grouping sets) an expression of the select list, reads that output field; anything else
 * is an expression of the output's fields. */
static int emit_output_order(emitter *em, const sqlx_block *blk, int outer, int sets,
                             int64_t default_limit, rs_buf *out) {
    const sqlx_select *s = blk->sel, *core = sqlx_leftmost_core(s);
    pscope ops;
    int rc = 0;
    memset(&ops, 0, sizeof ops);
    ops.blk = blk->order_block;
    for (int i = 0; i < s->n_order && !rc; i++) {
        const sqlx_node *e = s->order[i].expr;
        int k = -1;
        for (int j = 0; sets && j < s->n_items && k < 0; j++)
            if (s->items[j].expr->kind != N_STAR && sqlx_same_node(s->items[j].expr, e))
                k = j;
        if (k < 0 && e->kind == N_LIT_INT)
            k = (int)strtoll(e->text, NULL, 10) - 1;
        rs_buf_puts(out, i ? "," : " ORDER BY ");
        if (k < 0) {
            rc = emit_order_key(em, &ops, e, &s->order[i], out);
            continue;
        }
        const char *name = sqlx_item_name(em->ctx->arena, &core->items[k], k);
        rs_buf key = RS_BUF_INIT;
        if (name == NULL)
            return emit_nomem(em->err);
        rs_buf_printf(&key, "rs_get(r%d.doc,", outer);
        put_sql_string(&key, name);
        rs_buf_putc(&key, ')');
        put_order_key(out, rs_buf_cstr(&key), s->order[i].desc, s->order[i].nulls);
        rc = check_buf(em, &key, 0);
        rs_buf_free(&key);
    }
    return rc ? rc : emit_limit(em, &ops, s, default_limit, out);
}

static int output_alias(emitter *em, const sqlx_block *blk) {
    return blk->output != NULL ? blk->output->alias : em->ctx->n_rel++;
}

/* A compound (or a wrapped parenthesised query) with ORDER BY / LIMIT over its output docs. */
static int emit_compound(emitter *em, const sqlx_block *blk, int final, int64_t default_limit,
                         const sqlx_select *names_of, rs_buf *out) {
    const sqlx_select *s = blk->sel;
    int outer = output_alias(em, blk), rc;
    int wrapped = s->n_order || s->limit != NULL || s->offset != NULL || default_limit > 0;
    const sqlx_select *names = names_of ? names_of : sqlx_leftmost_core(s);
    if (wrapped)
        rs_buf_puts(out, "SELECT doc FROM (");
    if (strcmp(s->compound_op, "WRAP") == 0)
        rc = emit_operand(em, s->left, final, 0, names_of, out);
    else
        rc = emit_set_operands(em, s, names, final, names_of, out);
    if (rc || !wrapped)
        return rc;
    rs_buf_printf(out, ") AS r%d", outer);
    return emit_output_order(em, blk, outer, 0, default_limit, out);
}

/* GROUP BY GROUPING SETS / ROLLUP / CUBE: one SELECT per set, glued by UNION ALL (UNION under
 * SELECT DISTINCT) and ordered and limited outside, like a compound. */
static int emit_grouping_sets(emitter *em, const sqlx_block *blk, int final, int64_t default_limit,
                              const sqlx_select *names_of, rs_buf *out) {
    const sqlx_select *s = blk->sel;
    int outer = output_alias(em, blk), rc = 0;
    int wrapped = s->n_order || s->limit != NULL || s->offset != NULL || default_limit > 0;
    if (wrapped)
        rs_buf_puts(out, "SELECT doc FROM (");
    for (int i = 0; i < s->n_gsets && !rc; i++) {
        core_form cf = {
            s->gsets[i], 0, MODE_DOC, final, 0, i == 0 || names_of != NULL ? names_of : s, 0};
        if (i > 0)
            rs_buf_puts(out, s->distinct ? " UNION " : " UNION ALL ");
        rc = emit_simple(em, blk, &cf, out);
    }
    if (rc || !wrapped)
        return rc;
    rs_buf_printf(out, ") AS r%d", outer);
    return emit_output_order(em, blk, outer, 1, default_limit, out);
}

/* ---------------- the order of a derived relation's rows ----------------
 *
 * A WITH query or subquery ordered without LIMIT or OFFSET (`... ORDER BY job._event_time
 * DESC` in a dashboard's WITH query that a GROUP BY reads) gives rows whose order no answer
 * reads when every query reading them aggregates them with functions of the values alone:
 * its ORDER BY is left out. SQLite would otherwise read it through the index that gives that
 * order (every successful job of 70,000, not the 30 of two names), and sort what it reads. An
 * answer that can show the order keeps it: rows passed on, a window function, ARRAY_AGG
 * without an order of its own, ARBITRARY / ANY_VALUE, MIN_BY / MAX_BY or MAP_AGG (which
 * value wins a tie). */

static int order_sensitive(const sqlx_node *n) {
    static const char *const names[] = {"ARBITRARY", "ANY_VALUE", "MAP_AGG", "MAX_BY", "MIN_BY"};
    for (; n != NULL; n = n->a) {
        if (n->over != NULL)
            return 1;
        if (n->kind == N_FUNC && n->fn != NULL && n->fn->kind == RT_AGGREGATE && n->name != NULL) {
            if (strcasecmp(n->name, "ARRAY_AGG") == 0 && n->n_agg_order == 0)
                return 1;
            for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
                if (strcasecmp(n->name, names[i]) == 0)
                    return 1;
        }
        if (order_sensitive(n->b) || order_sensitive(n->c))
            return 1;
        for (int i = 0; i < n->n_list; i++)
            if (order_sensitive(n->list[i]))
                return 1;
    }
    return 0;
}

/* Whether the answer of block b may depend on the order of the rows it reads. */
static int reads_order(const sqlx_block *b) {
    const sqlx_select *s = b->sel;
    if (s == NULL || s->compound_op != NULL || (!s->grouped && !sqlx_selects_aggregate(s)))
        return 1;
    for (int i = 0; i < s->n_items; i++)
        if (s->items[i].expr->kind != N_STAR && order_sensitive(s->items[i].expr))
            return 1;
    for (int i = 0; i < s->n_order; i++)
        if (order_sensitive(s->order[i].expr))
            return 1;
    return s->having != NULL && order_sensitive(s->having);
}

/* Whether some block reading blk's rows (a derived relation of it) may read their order. */
static int order_read(const emitter *em, const sqlx_block *blk) {
    const sqlx_bound *bd = em->ctx->bound;
    int readers = 0;
    if (blk->sel == NULL || blk->sel->n_order == 0 || bd == NULL)
        return 1;
    for (int i = 0; i < bd->n_blocks; i++)
        for (int r = 0; r < bd->blocks[i]->n_rels; r++) {
            const sqlx_rte *rte = bd->blocks[i]->rels[r];
            const sqlx_select *q = rte->cte != NULL ? rte->cte->sel : rte->body;
            if (q == NULL || q->block != blk)
                continue;
            if (rte->kind == SQLX_RTE_OUTPUT || reads_order(bd->blocks[i]))
                return 1;
            readers++;
        }
    return readers == 0;
}

static int emit_ctes(emitter *em, const sqlx_block *blk, rs_buf *out);

/* A derived relation's query whose order no one reads: printed without its ORDER BY (kept
 * with LIMIT or OFFSET, which the order decides). */
static int emit_block_unordered(emitter *em, const sqlx_block *blk, rs_buf *out) {
    const sqlx_select *s = blk->sel;
    if (s->compound_op != NULL || s->n_gsets > 1 || s->limit != NULL || s->offset != NULL)
        return emit_block(em, blk, MODE_DOC, 0, 0, NULL, out);
    int rc = emit_ctes(em, blk, out);
    core_form cf = {all_sets(s), 0, MODE_DOC, 0, 0, NULL, 0};
    return rc ? rc : emit_simple(em, blk, &cf, out);
}

/* The rows of a compound or grouping sets as one value: the first field of the first row. */
static int emit_first_value(emitter *em, const sqlx_block *blk, rs_buf *out) {
    rs_buf_puts(out, "SELECT rs_first(doc) AS v FROM (");
    int rc = blk->sel->compound_op != NULL ? emit_compound(em, blk, 0, 0, NULL, out)
                                           : emit_grouping_sets(em, blk, 0, 0, NULL, out);
    rs_buf_printf(out, ") AS r%d", em->ctx->n_rel++);
    return rc;
}

static int emit_ctes(emitter *em, const sqlx_block *blk, rs_buf *out) {
    if (blk->n_ctes == 0)
        return 0;
    rs_buf_puts(out, "WITH ");
    for (int i = 0; i < blk->n_ctes; i++) {
        rs_buf_printf(out, "%scte%d AS (", i ? ", " : "", blk->ctes[i]->id);
        int rc = emit_fenced_block(em, blk->ctes[i]->sel->block, out);
        if (rc)
            return rc;
        rs_buf_putc(out, ')');
    }
    rs_buf_putc(out, ' ');
    return 0;
}

int emit_block(emitter *em, const sqlx_block *blk, sel_mode mode, int final, int64_t default_limit,
               const sqlx_select *names_of, rs_buf *out) {
    const sqlx_select *s = blk->sel;
    int rc = emit_ctes(em, blk, out);
    if (rc)
        return rc;
    if (s->compound_op == NULL && s->n_gsets <= 1) {
        core_form cf = {all_sets(s), 1, mode, final, default_limit, names_of, 0};
        return emit_simple(em, blk, &cf, out);
    }
    if (mode == MODE_SCALAR)
        return emit_first_value(em, blk, out);
    if (s->compound_op == NULL)
        return emit_grouping_sets(em, blk, final, default_limit, names_of, out);
    return emit_compound(em, blk, final, default_limit, names_of, out);
}

/* A scalar subquery: more than one row is an error. An ungrouped aggregate yields exactly one
 * row; a plain SELECT ... FROM ... WHERE folds its rows with rs_one (one level of SQL, which
 * matters: SQLite's parser stack is 100 deep); anything else is checked on at most two rows. */
int emit_scalar_subquery(emitter *em, const sqlx_select *sub, rs_buf *out) {
    int simple = !sub->compound_op && !sub->n_ctes && !sub->distinct && !sub->grouped &&
                 !sub->having && !sub->n_order && !sub->limit && !sub->offset &&
                 sub->n_items == 1 && sub->items[0].expr->kind != N_STAR;
    /* an ungrouped aggregate, or a SELECT without FROM (no rows to fold: rs_one over only
     * outer references would make SQLite take it for an aggregate of the outer query) */
    int one_row = simple && (sqlx_contains_aggregate(sub->items[0].expr) ||
                             (sub->from == NULL && sub->where == NULL));
    int rc;
    if (simple && !one_row) {
        core_form cf = {all_sets(sub), 1, MODE_SCALAR, 0, 0, NULL, 1};
        rs_buf_putc(out, '(');
        rc = emit_simple(em, sub->block, &cf, out);
        rs_buf_putc(out, ')');
        return rc;
    }
    if (one_row) {
        rs_buf_putc(out, '(');
        rc = emit_block(em, sub->block, MODE_SCALAR, 0, 0, NULL, out);
        rs_buf_putc(out, ')');
        return rc;
    }
    rs_buf_puts(out, "(SELECT CASE WHEN count(*) > 1 THEN rs_raise('a scalar subquery returned "
                     "more than one row') WHEN count(*) = 0 THEN " NULL_BLOB " ELSE max(v) END "
                     "FROM (SELECT v FROM (");
    rc = emit_block(em, sub->block, MODE_SCALAR, 0, 0, NULL, out);
    rs_buf_puts(out, ") LIMIT 2))");
    return rc;
}

/* ---------------- entries ---------------- */

int sqlx_emit_sqlite(sqlx_ctx *ctx, const sqlx_select *sel, int64_t default_limit, rs_buf *out,
                     rs_err *err) {
    emitter em = {ctx, err, 0, NULL, 0, 0, 0, NULL, NULL};
    int final = default_limit >= 0; /* INSERT passes -1: keep typed values for ingest */
    int rc = emit_block(&em, sel->block, MODE_DOC, final, default_limit > 0 ? default_limit : 0,
                        NULL, out);
    return check_buf(&em, out, rc);
}

int sqlx_emit_key_text(sqlx_ctx *ctx, const sqlx_node *n, int bare_alias, rs_buf *out,
                       rs_err *err) {
    emitter em = {ctx, err, 0, NULL, bare_alias >= 0, bare_alias, -1, NULL, NULL};
    pscope ps;
    memset(&ps, 0, sizeof ps);
    return check_buf(&em, out, emit_val(&em, &ps, n, out));
}

int sqlx_emit_value(sqlx_ctx *ctx, const sqlx_node *n, rs_buf *out, rs_err *err) {
    emitter em = {ctx, err, 0, NULL, 0, 0, 0, NULL, NULL};
    pscope ps;
    memset(&ps, 0, sizeof ps);
    return check_buf(&em, out, emit_val(&em, &ps, n, out));
}
