/*
 * sqlx_access.c - the access paths of every query block (sqlx_access.h): join strategies,
 * key tests gathered from the WHERE (sqlx_access_keys.c) and given to their collections, the
 * top-N read in index order, and the choice among a collection's key tests by counting.
 */
#include "server/runtime/catalog.h"
#include "server/runtime/value.h"
#include "sqlx_access_int.h"
#include "sqlx_emit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_KEY_TESTS 32 /* more in one block: all are kept, none counted */

/* ---------------- joins ---------------- */

/* CAST(path AS string) (or TRY_CAST): the path, and the function of the index serving it. */
static const sqlx_node *cast_to_string(const sqlx_node *e, const char **fn) {
    rv_type to;
    *fn = NULL;
    if (e->kind != N_CAST || (e->ival != 0 && e->ival != 1) || e->name == NULL ||
        rv_type_from_name(e->name, &to) != 0 || to != RV_STRING)
        return e;
    *fn = SQLX_STR_KEY_FN;
    return e->a;
}

/* Whether e computes a value from paths of right alone, the same path each time (*args), with
 * deterministic functions, casts and arithmetic of literals (no parameter: an index's expression
 * is fixed text). *calls counts the operations. */
static int one_path_expr(access *ac, const sqlx_node *e, const sqlx_rte **right, const char **args,
                         int *calls) {
    static const char *const arithmetic[] = {"+", "-", "*", "/", "||"};
    const char *a;
    const sqlx_rte *r;
    switch (e->kind) {
    case N_LIT_INT:
    case N_LIT_FLOAT:
    case N_LIT_STRING:
    case N_LIT_BOOL:
        return 1;
    case N_PATH:
        r = access_path(ac, e, 1, &a);
        if (r == NULL || (*right != NULL && r != *right) ||
            (*args != NULL && strcmp(*args, a) != 0))
            return 0;
        *right = r;
        *args = a;
        return 1;
    case N_CAST:
        ++*calls;
        return one_path_expr(ac, e->a, right, args, calls);
    case N_UNARY:
        ++*calls;
        return strcmp(e->op, "-") == 0 && one_path_expr(ac, e->a, right, args, calls);
    case N_BINARY:
        for (size_t i = 0; i < sizeof arithmetic / sizeof arithmetic[0]; i++)
            if (strcmp(e->op, arithmetic[i]) == 0) {
                ++*calls;
                return one_path_expr(ac, e->a, right, args, calls) &&
                       one_path_expr(ac, e->b, right, args, calls);
            }
        return 0;
    case N_FUNC:
        if (e->fn == NULL || e->fn->kind != RT_SCALAR ||
            (e->fn->flags & (RT_VOLATILE | RT_CLOCK)) || e->over != NULL || e->star ||
            e->distinct || e->n_list == 0)
            return 0;
        ++*calls;
        for (int i = 0; i < e->n_list; i++)
            if (!one_path_expr(ac, e->list[i], right, args, calls))
                return 0;
        return 1;
    default:
        return 0;
    }
}

/* e as an expression key of the path (*args) of relation *right (given, or when NULL the one
 * its path reads): its text over the table's doc (the catalog's name for its index), or NULL
 * when e is no such expression. */
static const char *expression_key(access *ac, const sqlx_node *e, const sqlx_rte **right,
                                  const char **args) {
    int calls = 0;
    *args = NULL;
    if (e->kind == N_PATH || !one_path_expr(ac, e, right, args, &calls) || *args == NULL ||
        calls == 0)
        return NULL;
    rs_buf b = RS_BUF_INIT;
    rs_err ignored = {0};
    const char *text = NULL;
    if (sqlx_emit_key_text(ac->ctx, e, (*right)->alias, &b, &ignored) == 0 && !b.oom &&
        b.len < SQLX_MAX_EXPR_KEY)
        text = sqlx_strndup(ac->ctx->arena, b.data, b.len);
    rs_buf_free(&b);
    return text;
}

const char *access_expression_key(access *ac, const sqlx_node *e, const sqlx_rte **rte,
                                  const char **args) {
    *rte = NULL;
    return expression_key(ac, e, rte, args);
}

/* The left side of a key: a path of a relation joined before right (or of an enclosing query),
 * every step constant. */
static int left_of_key(const access *ac, const sqlx_node *l, const sqlx_rte *right) {
    const sqlx_ref *lr = l->kind == N_PATH ? l->ref : NULL;
    if (lr == NULL || lr->kind != SQLX_REF_FIELD || lr->rte == right ||
        (lr->rte->owner == ac->blk && lr->rte->order > right->order))
        return 0;
    for (int i = 0; i < l->n_parts; i++)
        if (l->names[i] == NULL && l->index[i]->kind != N_LIT_INT)
            return 0;
    return 1;
}

static int set_key(sqlx_join_key *key, const sqlx_node *right_path, const sqlx_node *expr,
                   const sqlx_node *left, const sqlx_node *c, const char *args, const char *fn) {
    memset(key, 0, sizeof *key);
    key->right_path = right_path;
    key->expr = expr;
    key->left = left;
    key->conjunct = c;
    key->args = args;
    key->fn = fn;
    return 1;
}

/* A key `right.path = left value`: c an equality with one side a path of the right relation
 * (constant steps), CAST(path AS string) or an expression of one path, and the other a path of
 * a relation to its left (or of an enclosing query). */
int access_join_key(access *ac, const sqlx_node *c, const sqlx_rte *right, sqlx_join_key *key) {
    if (c->kind != N_BINARY || strcmp(c->op, "=") != 0)
        return 0;
    for (int flip = 0; flip < 2; flip++) {
        const sqlx_node *side = flip ? c->b : c->a, *l = flip ? c->a : c->b;
        const char *fn, *args;
        const sqlx_node *r = cast_to_string(side, &fn); /* CAST(path AS string): its twin */
        const sqlx_rte *of = right;
        if (!left_of_key(ac, l, right))
            continue;
        if (r->kind == N_PATH && access_path(ac, r, 1, &args) == right)
            return set_key(key, r, NULL, l, c, args, fn);
        if (r->kind != N_PATH && (fn = expression_key(ac, side, &of, &args)) != NULL)
            return set_key(key, side, side, l, c, args, fn);
    }
    return 0;
}

static int using_keys(access *ac, const sqlx_from *f, sqlx_join *j) {
    for (int u = 0; u < f->n_using && j->n_keys < SQLX_MAX_JOIN_KEYS; u++) {
        sqlx_join_key *key = &j->keys[j->n_keys++];
        rs_buf b = RS_BUF_INIT;
        rs_buf_quoted(&b, f->using_names[u], strlen(f->using_names[u]), '\'');
        memset(key, 0, sizeof *key);
        key->using_name = f->using_names[u];
        key->args = b.oom ? NULL : sqlx_strndup(ac->ctx->arena, b.data, b.len);
        rs_buf_free(&b);
        if (key->args == NULL)
            return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    }
    return 0;
}

static int hinted(const sqlx_from *f, const char *strategy) {
    return f->join_strategy != NULL &&
           strncasecmp(f->join_strategy, strategy, strlen(strategy)) == 0;
}

/* The rows SQLite is told a hash join's derived side has (runtime/rowshint.c): it guesses
 * about 100 for a grouped one whatever it holds, and with 100 on either side it finds building
 * its automatic index dearer than reading the whole right side again for each left row. Both
 * sides are told, at least HASH_ROWS_TOLD: an index on a few rows costs next to nothing, and
 * the estimate of a derived relation is a guess too. A collection's rows SQLite knows from its
 * statistics: 0, nothing told. */
#define HASH_ROWS_TOLD 1000

static double derived_rows(const sqlx_op *side) {
    if (side->kind != SQLX_OP_DERIVED)
        return 0;
    double rows = access_estimate(side);
    return rows > HASH_ROWS_TOLD ? rows : HASH_ROWS_TOLD;
}

/* A node whose value could differ between two printings of its expression (SQLite folds a
 * relation read through into the query reading it and copies its items where they are read): a
 * volatile call or the clock, a window, a subquery. */
static int differs_per_use(const sqlx_node *e) {
    return e->sub != NULL || e->over != NULL ||
           (e->kind == N_FUNC && (e->fn == NULL || (e->fn->flags & (RT_VOLATILE | RT_CLOCK))));
}

/* The collection a derived relation reads when its block only projects and filters it (no
 * grouping, DISTINCT, window, ORDER BY, LIMIT, compound, UNNEST or join): its GET, else NULL. */
static const sqlx_op *plain_derived_get(const sqlx_op *derived) {
    const sqlx_op *q = derived->query;
    if (q == NULL || q->kind != SQLX_OP_PROJECT || q->block == NULL)
        return NULL;
    const sqlx_select *s = q->block->sel;
    if (s->compound_op || s->distinct || s->grouped || s->having || s->n_order || s->limit ||
        s->offset || s->n_ctes || s->n_gsets > 1 || sqlx_selects_aggregate(s))
        return NULL;
    for (int i = 0; i < s->n_items; i++)
        if (sqlx_first_call(s->items[i].expr, differs_per_use) != NULL)
            return NULL;
    for (q = q->input; q != NULL && q->kind == SQLX_OP_FILTER && !q->having; q = q->input)
        ;
    return q != NULL && q->kind == SQLX_OP_GET && q->rte->kind == SQLX_RTE_COLLECTION &&
                   q->rte->data_table != NULL && q->rte->is_indexed != NULL &&
                   q->rte->alias == q->rte->id
               ? q
               : NULL;
}

/* The item of the derived block that the key's right path names whole (`c.pr_num`), or NULL. */
static const sqlx_node *derived_item(sqlx_arena *ac_arena, const sqlx_op *derived,
                                     const sqlx_join_key *key) {
    const sqlx_node *e = key->right_path;
    const sqlx_ref *r = e != NULL && e->kind == N_PATH ? e->ref : NULL;
    const sqlx_select *s = derived->query->block->sel;
    if (r == NULL || r->kind != SQLX_REF_FIELD || r->first != e->n_parts - 1 ||
        e->names[r->first] == NULL)
        return NULL;
    for (int i = 0; i < s->n_items; i++) {
        const char *name =
            s->items[i].expr->kind != N_STAR ? sqlx_item_name(ac_arena, &s->items[i], i) : NULL;
        if (name != NULL && strcmp(name, e->names[r->first]) == 0)
            return s->items[i].expr;
    }
    return NULL;
}

/* Key k of a join into a derived relation read through its collection's index: the inner value
 * (a path, or an expression of one path), and whether an index serves it (asking is a use);
 * *per_key the least documents per key of the keys' indexes (ANALYZE's; 0 while unknown). */
static int through_key(access *ac, const sqlx_op *derived, const sqlx_op *get, sqlx_join_key *k,
                       double *per_key) {
    access inner = {ac->ctx, ac->err, derived->query->block, NULL};
    const sqlx_node *item =
        k->fn == NULL && k->expr == NULL ? derived_item(ac->ctx->arena, derived, k) : NULL;
    const sqlx_rte *of = get->rte;
    sqlx_join_key probe;
    if (item == NULL)
        return 0;
    memset(&probe, 0, sizeof probe);
    if (access_path(&inner, item, 1, &probe.args) != get->rte &&
        (probe.fn = expression_key(&inner, item, &of, &probe.args)) == NULL)
        return 0;
    sqlx_index ix;
    if (access_key_index(get->rte, &probe, &ix) != 1)
        return 0;
    k->inner = item;
    k->inner_args = probe.args;
    k->inner_fn = probe.fn;
    if (ix.rows_per_key > 0 && (*per_key == 0 || ix.rows_per_key < *per_key))
        *per_key = ix.rows_per_key;
    return 1;
}

/* A join into a derived relation whose keys its collection's indexes serve (a WITH query of
 * comments joined on the number its URL ends with): 1 when some key is, and looking up each
 * left row's documents reads at most half what the relation reads to make its rows (a hash
 * join makes them once: 10,000 left rows looking up 100 documents each would read more than a
 * WITH query of 10,000 documents; and a document looked up costs more than one scanned, its
 * key and the relation's filters computed for it alone: 2,000 merges looking up 12,000 of
 * 12,000 comments took 39 ms where the hash join took 31.5). */
#define THROUGH_READ_SHARE 0.5
static int through_derived(access *ac, sqlx_op *op) {
    sqlx_join *j = op->join;
    const sqlx_op *get = op->right->kind == SQLX_OP_DERIVED ? plain_derived_get(op->right) : NULL;
    double per_key = 0;
    int any = 0;
    if (get == NULL || get->rte->catalog == NULL || get->rte->catalog->index_for == NULL)
        return 0;
    for (int k = 0; k < j->n_keys; k++)
        any |= j->keys[k].indexed = through_key(ac, op->right, get, &j->keys[k], &per_key);
    if (per_key == 0)
        per_key = 1;
    if (any && access_estimate(op->left) * per_key > THROUGH_READ_SHARE * access_estimate(get)) {
        for (int k = 0; k < j->n_keys; k++) {
            j->keys[k].indexed = 0;
            j->keys[k].inner = NULL;
        }
        return 0;
    }
    return any;
}

/* Index lookups when some key of the right collection has an index (HINT(join_strategy =
 * hash) or nested_loop keep them out), else a hash join. */
static void choose_strategy(access *ac, sqlx_op *op) {
    sqlx_join *j = op->join;
    const sqlx_rte *right = op->right->rte;
    int any = 0;
    if (hinted(op->from, "nested_loop")) {
        j->strategy = SQLX_JOIN_NESTED;
        j->why = "HINT(join_strategy = nested_loop)";
        return;
    }
    if (!hinted(op->from, "hash") && right->kind == SQLX_RTE_COLLECTION &&
        right->data_table != NULL && right->is_indexed != NULL) {
        for (int k = 0; k < j->n_keys; k++) {
            sqlx_index ix;
            j->keys[k].indexed = access_key_index(right, &j->keys[k], &ix);
            j->keys[k].exact = j->keys[k].indexed == 1 && j->keys[k].fn == NULL && ix.keys_exact;
            any |= j->keys[k].indexed;
        }
    }
    if (!any && !hinted(op->from, "hash") && right->kind != SQLX_RTE_COLLECTION &&
        through_derived(ac, op))
        any = j->through = 1;
    if (any) {
        j->strategy = SQLX_JOIN_LOOKUP;
        j->why = hinted(op->from, "lookup") ? "HINT(join_strategy = lookup)" : "index lookup";
        ac->ctx->index_form = 1;
        return;
    }
    j->strategy = SQLX_JOIN_HASH;
    j->why = hinted(op->from, "hash") ? "HINT(join_strategy = hash)" : "no index on the keys";
    j->wrapper_id = ac->ctx->n_rel++;
    op->right->rte->alias = j->wrapper_id;
    j->right_rows = derived_rows(op->right);
    j->left_rows = derived_rows(op->left);
}

static int plan_join(access *ac, sqlx_op *op, const sqlx_op *where) {
    const sqlx_from *f = op->from;
    sqlx_join *j = op->join = sqlx_alloc(ac->ctx->arena, sizeof *op->join);
    if (j == NULL)
        return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    /* UNNEST reads the relations before it: it cannot move into a keyed wrapper */
    if (op->right->kind == SQLX_OP_JOIN || op->right->kind == SQLX_OP_UNNEST)
        return 0;
    int rc = using_keys(ac, f, j);
    /* inner joins without ON (commas, CROSS JOIN) can take their keys from the WHERE, and so
     * do the joins of the join order, whose conditions all went there */
    const sqlx_conjs *source = &op->conj;
    if (where != NULL &&
        (op->ordered || (f->on == NULL && !f->n_using && strcmp(f->join_type, "CROSS JOIN") == 0)))
        source = &where->conj;
    for (int i = 0; rc == 0 && i < source->n && j->n_keys < SQLX_MAX_JOIN_KEYS; i++)
        if (!source->items[i].gone)
            j->n_keys +=
                access_join_key(ac, source->items[i].expr, op->right->rte, &j->keys[j->n_keys]);
    if (rc == 0 && j->n_keys > 0)
        choose_strategy(ac, op);
    return rc;
}

static int plan_joins(access *ac, sqlx_op *op, const sqlx_op *where) {
    if (op->kind != SQLX_OP_JOIN)
        return 0;
    int rc = plan_joins(ac, op->left, where);
    if (rc == 0)
        rc = plan_joins(ac, op->right, where);
    return rc ? rc : plan_join(ac, op, where);
}

/* An UNNEST whose rows the WHERE tests tells SQLite's planner so (rs_unnest's hidden argument):
 * it is unnested right after its array's collection, and the joins after it look up only the
 * rows that pass. A planning hint: a wrong answer changes the join order, never the rows. */
static void mark_filtered(sqlx_op *op, const sqlx_op *where) {
    if (op->kind == SQLX_OP_JOIN) {
        mark_filtered(op->left, where);
        mark_filtered(op->right, where);
        return;
    }
    for (int i = 0; op->kind == SQLX_OP_UNNEST && where != NULL && i < where->conj.n; i++) {
        const sqlx_conj *c = &where->conj.items[i];
        if (!c->gone && !c->other && c->rels == (uint64_t)1 << op->rte->pos)
            op->filtered = 1;
    }
}

/* ---------------- choosing among a collection's key tests ----------------
 *
 * SQLite reads a collection through one index. Without histograms (Debian's SQLite has no
 * STAT4) it guesses how many documents a range holds, and it cannot compare a time window with
 * an equality on a field of three values. So when a collection has several key tests, the
 * catalog counts the documents in each one's range (tests on one path counted as one range),
 * bounded: under caps rising from ESTIMATE_CAP to ESTIMATE_CAP_WIDE documents, until one range
 * is counted under a cap. Only the smallest range keeps its test (the conjuncts themselves all
 * stay, so nothing else changes); tests the catalog cannot count stay. */
#define ESTIMATE_CAP      1000
#define ESTIMATE_CAP_WIDE 50000

static sqlx_index_kind index_kind(const sqlx_keytest *t) {
    return t->kind == SQLX_KEY_ELEMS ? SQLX_INDEX_ELEMS
           : t->fn != NULL           ? SQLX_INDEX_FUNCTION
                                     : SQLX_INDEX_SCALAR;
}

static int same_text(const char *a, const char *b) {
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Whether x and y read the same index and are counted alike (a path no document has is
 * counted apart: it reads nothing). */
static int same_group(const sqlx_keytest *x, const sqlx_keytest *y) {
    return index_kind(x) == index_kind(y) &&
           (x->kind == SQLX_KEY_NONE) == (y->kind == SQLX_KEY_NONE) &&
           strcmp(x->args, y->args) == 0 && same_text(x->fn, y->fn);
}

/* The first test of t's group: the same path of the same index, both countable. */
static int group_of(const sqlx_access *a, int t) {
    const sqlx_keytest *x = a->tests[t];
    if (x->est == -1)
        return t;
    for (int i = 0; i < t; i++) {
        if (a->tests[i]->est != -1 && same_group(x, a->tests[i]))
            return i;
    }
    return t;
}

/* Group g's range: its members' bounds together (the first lower and the first upper); *members
 * counts them, *all_keyed says each is a RANGE or IN test (NULLs: not asked). */
static sqlx_range group_range(const sqlx_access *a, int g, int *members, int *all_keyed) {
    sqlx_range range = {NULL, 0, NULL, 0, 1, NULL, 0};
    for (int i = g; i < a->n_tests; i++) {
        const sqlx_keytest *t = a->tests[i];
        if (t->est == -1 || group_of(a, i) != g)
            continue;
        if (members != NULL)
            (*members)++;
        if (all_keyed != NULL && t->kind != SQLX_KEY_RANGE && t->kind != SQLX_KEY_IN)
            *all_keyed = 0;
        if (t->lo != NULL && range.lo == NULL) {
            range.lo = t->lo;
            range.lo_incl = t->lo_incl;
        }
        if (t->hi != NULL && range.hi == NULL) {
            range.hi = t->hi;
            range.hi_incl = t->hi_incl;
        }
    }
    return range;
}

/* Whether an IN list is counted key by key. SQLite reads it so only where it estimates that
 * cheaper than a scan: the index's documents per key (10 before ANALYZE) times the keys (a
 * SPLIT's subquery as 25), under a quarter of the collection (three SHAs' jobs; not two of
 * three conclusions). Elsewhere it scans, unless the emitter writes the list as the range from
 * its least key to its greatest with that range's count as its likelihood (mark_selective):
 * so such a list is counted as that range, which is what a read of it would read. */
#define IN_SUBQUERY_KEYS 25

/* The documents per key of the index t reads (ANALYZE's; 10 before it), or -1 when its path
 * (or function of it) has no field or function index. */
static double docs_per_key(const sqlx_keytest *t) {
    sqlx_join_key key;
    sqlx_index ix;
    memset(&key, 0, sizeof key);
    key.args = t->args;
    key.fn = t->fn;
    if (access_key_index(t->rte, &key, &ix) != 1)
        return -1;
    return ix.rows_per_key > 0 ? ix.rows_per_key : 10;
}

static int reads_key_by_key(const sqlx_keytest *t, int64_t docs) {
    double per_key = docs_per_key(t);
    return per_key >= 0 &&
           per_key * (t->keys_query ? IN_SUBQUERY_KEYS : t->n_keys) * 4 < (double)docs;
}

/* reads_key_by_key, asked of the catalog once per test. */
static int counted_by_keys(sqlx_keytest *t, int64_t docs) {
    if (t->kind != SQLX_KEY_IN || t->n_keys <= 0 || docs <= 0)
        return 0;
    if (t->by_keys < 0)
        t->by_keys = reads_key_by_key(t, docs);
    return t->by_keys;
}

/* Count group g's documents (its members' bounds together), up to cap. */
static int64_t estimate_group(const sqlx_access *a, int g, int64_t cap) {
    const sqlx_rte *r = a->tests[g]->rte;
    sqlx_keytest *t = a->tests[g];
    int members = 0;
    if (t->kind == SQLX_KEY_NONE)
        return 0;
    if (r->catalog == NULL || r->catalog->estimate == NULL)
        return -1;
    sqlx_range range = group_range(a, g, &members, NULL);
    if (members == 1 && counted_by_keys(t, a->docs)) {
        range.in_keys = t->keys;
        range.n_in_keys = t->n_keys;
    }
    return r->catalog->estimate(r->catalog->ctx, r->data_table, index_kind(a->tests[g]),
                                a->tests[g]->args, a->tests[g]->fn, &range, cap);
}

/* The documents one test's range holds, counted up to cap (an IN list by its keys when by_keys);
 * -1 when it cannot be counted. */
static int64_t count_range(const sqlx_keytest *t, int64_t cap, int by_keys) {
    const sqlx_rte *r = t->rte;
    sqlx_range range = {t->lo, t->lo_incl, t->hi, t->hi_incl, 1, NULL, 0};
    if (by_keys && t->kind == SQLX_KEY_IN && t->n_keys > 0) {
        range.in_keys = t->keys;
        range.n_in_keys = t->n_keys;
    }
    if (!t->estimable || t->kind == SQLX_KEY_OR || r->catalog == NULL ||
        r->catalog->estimate == NULL || (t->lo == NULL && t->hi == NULL))
        return -1;
    return r->catalog->estimate(r->catalog->ctx, r->data_table, index_kind(t), t->args, t->fn,
                                &range, cap);
}

/* Count group g's range again under cap; each test of the group takes the count (-1 when it
 * cannot be counted: then nothing changes). */
static int64_t recount_group(sqlx_access *a, int g, int64_t cap) {
    int64_t n = estimate_group(a, g, cap);
    for (int i = 0; n >= 0 && i < a->n_tests; i++)
        if (group_of(a, i) == g) {
            a->tests[i]->est = n;
            a->tests[i]->count = n < cap ? n : -1;
        }
    return n;
}

int64_t access_recount(sqlx_access *a, int64_t cap) {
    for (int g = 0; g < a->n_tests; g++)
        if (!a->tests[g]->dropped && a->tests[g]->est >= 0 && group_of(a, g) == g)
            return recount_group(a, g, cap);
    return -1;
}

int64_t access_count_or(const sqlx_keytest *t, int64_t cap) {
    int64_t sum = 0;
    for (int a = 0; t->kind == SQLX_KEY_OR && a < t->n_arms; a++) {
        int64_t best = -1;
        for (int i = 0; t->arms[a][i] != NULL; i++) {
            /* an arm's IN list is written as its keys (put_or) */
            int64_t n = count_range(t->arms[a][i], cap, 1);
            if (n >= 0 && (best < 0 || n < best))
                best = n;
        }
        if (best < 0)
            return -1;
        sum += best;
    }
    return t->kind == SQLX_KEY_OR ? sum : -1;
}

/* ---------------- counting a collection's tests together ----------------
 *
 * The join order takes a collection's rows from its smallest test, as if the others filtered
 * nothing: HUD's failed jobs of a day (455 by the day, 28 with the failure) drove after ten
 * years of nightly pushes (165). Counting the smallest range's documents that pass the other
 * tests reads that range once more, so it is done only when the range is small. */
#define TOGETHER_CAP 1000

/* Group g as a filter: its range (its members' bounds together), or the keys of an IN list
 * alone in its group; 0 when it is not a scalar or function index's range or list. */
static int group_filter(const sqlx_access *a, int g, sqlx_keyfilter *f) {
    const sqlx_keytest *t = a->tests[g];
    int members = 0, all_keyed = 1;
    if (t->est == -1 || !t->estimable || (t->kind != SQLX_KEY_RANGE && t->kind != SQLX_KEY_IN))
        return 0;
    memset(f, 0, sizeof *f);
    f->kind = index_kind(t);
    f->args = t->args;
    f->fn = t->fn;
    f->range = group_range(a, g, &members, &all_keyed);
    if (!all_keyed)
        return 0;
    if (members == 1 && t->kind == SQLX_KEY_IN && t->n_keys > 0) {
        f->in_keys = t->keys;
        f->n_in_keys = t->n_keys;
    }
    return f->in_keys != NULL || f->range.lo != NULL || f->range.hi != NULL;
}

void access_count_together(sqlx_access *a) {
    sqlx_keyfilter filters[MAX_KEY_TESTS];
    int n = 0, chosen = -1;
    if (a == NULL || a->together_counted || a->composite != NULL)
        return;
    for (int g = 0; g < a->n_tests && chosen < 0; g++)
        if (!a->tests[g]->dropped && a->tests[g]->count > 0 && a->tests[g]->count <= TOGETHER_CAP &&
            group_of(a, g) == g)
            chosen = g;
    if (chosen < 0 || !group_filter(a, chosen, &filters[n++]))
        return;
    for (int g = 0; g < a->n_tests && n < MAX_KEY_TESTS; g++)
        if (g != chosen && group_of(a, g) == g && group_filter(a, g, &filters[n]))
            n++;
    const sqlx_rte *r = a->tests[chosen]->rte;
    if (n < 2 || r->catalog == NULL || r->catalog->estimate_together == NULL)
        return;
    int64_t together = r->catalog->estimate_together(r->catalog->ctx, r->data_table, filters, n,
                                                     a->tests[chosen]->count + 1);
    if (together >= 0) {
        a->together = together;
        a->together_counted = 1;
    }
}

/* Whether group g is worth reading: counted exactly, it holds under 1/share of the collection;
 * else reading it costs more than the scan it replaces. Counted up to the cap it reached, it is
 * counted again up to that share (at most ESTIMATE_CAP_WIDE: beyond that it is not read). A weak
 * range (the smallest group) is read under half (share 2): in its keys' order. */
static int worth_reading(sqlx_access *a, int g, int64_t *est, int64_t *cap_of, int share) {
    if (a->docs <= 0)
        return 0;
    int64_t part = a->docs / share + 1;
    if (est[g] >= cap_of[g] && cap_of[g] < part) {
        cap_of[g] = part < ESTIMATE_CAP_WIDE ? part : ESTIMATE_CAP_WIDE;
        est[g] = recount_group(a, g, cap_of[g]);
    }
    return est[g] >= 0 && est[g] < cap_of[g] && share * est[g] < a->docs;
}

/* A trigram test is read under a quarter of the collection only. FTS5 decodes a posting list for
 * each trigram of the pattern: on HUD's comments (43 bytes on average) a pattern 44 % of them
 * hold read slower through the index than by the scan it spares (17 to 27 against 11 to 16 ms),
 * while a failure's log line held by 15 jobs of 70,000 read in 1 ms instead of 10. */
#define TRIGRAM_SHARE 4

static int has_trigram_arm(const sqlx_keytest *t) {
    for (int arm = 0; t->kind == SQLX_KEY_OR && arm < t->n_arms; arm++)
        for (int k = 0; t->arms[arm][k] != NULL; k++)
            if (t->arms[arm][k]->kind == SQLX_KEY_TRIGRAM)
                return 1;
    return 0;
}

/* An OR with a trigram test in an arm reads at most its arms' least counts summed
 * (access_count_or): dropped when that reaches a quarter of the collection, or an arm cannot be
 * counted (as the arm's LIKE had no test before the trigram index: the scan). */
static void drop_broad_ors(sqlx_access *a) {
    int64_t quarter = a->docs / TRIGRAM_SHARE + 1;
    int64_t cap = quarter < ESTIMATE_CAP_WIDE ? quarter : ESTIMATE_CAP_WIDE;
    for (int i = 0; i < a->n_tests; i++) {
        sqlx_keytest *t = a->tests[i];
        if (t->dropped || !has_trigram_arm(t))
            continue;
        int64_t sum = a->docs > 0 ? access_count_or(t, cap) : -1;
        if (sum < 0 || sum >= cap || TRIGRAM_SHARE * sum >= a->docs)
            t->dropped = 1;
    }
}

static void drop_group(sqlx_access *a, int g) {
    for (int i = g; i < a->n_tests; i++)
        if (group_of(a, i) == g)
            a->tests[i]->dropped = 1;
}

/* ---------------- several tests estimated together ----------------
 *
 * The join order takes a collection's rows from its smallest test, as if the others filtered
 * nothing: the CI dashboard's failed jobs of a week (4,243 failures, 14,546 jobs of the week,
 * 1,009 both, of 62,000) looked larger than the 4,840 runs of two workflows, which then drove,
 * each run's jobs looked up (20 ms, against 6 driven by the jobs). Counting the tests together
 * reads the smallest range's documents (access_count_together), so it is done under 1,000
 * only. Above that, the tests counted exactly are combined, as SQL Server's estimator does
 * ("exponential backoff"): their shares of the collection in ascending order s1 <= s2 <= ...,
 * multiplied as s1 * s2^(1/2) * s3^(1/4) * s4^(1/8). Independence (PostgreSQL's product) says
 * 994 there, the backoff 2,054: between it and the smallest test, because tests of one
 * collection are often correlated (a branch and a repository), and a plan driven by a
 * relation thought smaller than it is reads the most. A count that reached its cap is left
 * out: it bounds its share from below only. Only the join order reads the estimate, so only a
 * collection joined to others is combined (a list counted again costs up to its cap). */
#define COMBINED_TESTS 4
#define COMBINED_KEYS  16 /* an IN list of at most this many keys is counted by its keys */

static int exact_count(const int64_t *est, const int64_t *cap_of, int g) {
    return est[g] >= 0 && est[g] < cap_of[g];
}

/* Group g is an IN list alone, counted as the range from its least key to its greatest (which
 * SQLite reads when its keys hold many documents each): four statuses' range holds the fifth. */
static int list_counted_as_range(sqlx_access *a, int g) {
    sqlx_keytest *t = a->tests[g];
    int members = 0;
    for (int i = g; i < a->n_tests; i++)
        members += group_of(a, i) == g;
    return members == 1 && t->kind == SQLX_KEY_IN && t->n_keys > 0 && t->n_keys <= COMBINED_KEYS &&
           !t->keys_query && !counted_by_keys(t, a->docs);
}

static void combine_counts(sqlx_access *a, const int64_t *est, const int64_t *cap_of) {
    double share[MAX_KEY_TESTS], product = 1, power = 1;
    int64_t listed[MAX_KEY_TESTS], cap = 0;
    int n = 0, exact = 0;
    a->combined = 0;
    if (!a->joined || a->docs <= 0)
        return;
    for (int g = 0; g < a->n_tests; g++) {
        listed[g] = -1;
        if (group_of(a, g) == g && exact_count(est, cap_of, g)) {
            exact++;
            cap = cap_of[g] > cap ? cap_of[g] : cap;
        }
    }
    for (int g = 0; g < a->n_tests && exact > 0; g++) /* such a list's own documents */
        if (group_of(a, g) == g && list_counted_as_range(a, g) &&
            (listed[g] = count_range(a->tests[g], cap, 1)) >= cap)
            listed[g] = -1;
    for (int g = 0; g < a->n_tests; g++) {
        int64_t docs = listed[g] >= 0 ? listed[g] : exact_count(est, cap_of, g) ? est[g] : -1;
        if (group_of(a, g) != g || docs < 0 || a->tests[g]->kind == SQLX_KEY_TRIGRAM)
            continue;
        double s = (double)docs / (double)a->docs;
        int at = n++;
        for (; at > 0 && share[at - 1] > s; at--) /* ascending */
            share[at] = share[at - 1];
        share[at] = s;
    }
    for (int i = 0; n >= 2 && i < n && i < COMBINED_TESTS; i++, power /= 2)
        product *= pow(share[i], power);
    if (n >= 2)
        a->combined = product * (double)a->docs;
}

/* Drop every countable test but those of the smallest group. The groups are counted together
 * under rising caps: once one range is counted under a cap, it is smaller than every range that
 * reached the cap, and the counting stops (about groups x 4 x the smallest range, not a full
 * count of each). */
static void choose_tests(sqlx_access *a) {
    static const int64_t caps[] = {ESTIMATE_CAP, 4 * ESTIMATE_CAP, 16 * ESTIMATE_CAP,
                                   ESTIMATE_CAP_WIDE};
    int64_t est[MAX_KEY_TESTS], cap_of[MAX_KEY_TESTS];
    int best = -1;
    drop_broad_ors(a);
    for (int g = 0; g < a->n_tests; g++)
        est[g] = -2; /* -2: to count; -1: cannot be counted */
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        int saturated = 0, exact = 0;
        for (int g = 0; g < a->n_tests; g++) {
            if (a->tests[g]->est == -1 || group_of(a, g) != g) {
                est[g] = -1;
                continue;
            }
            if (est[g] == -2 || est[g] >= caps[c > 0 ? c - 1 : 0]) {
                est[g] = estimate_group(a, g, caps[c]);
                cap_of[g] = caps[c];
            }
            saturated += est[g] >= caps[c];
            exact += est[g] >= 0 && est[g] < caps[c];
        }
        if (exact > 0 || saturated < 2)
            break;
    }
    for (int g = 0; g < a->n_tests; g++) {
        if (est[g] >= 0 && a->tests[g]->kind == SQLX_KEY_TRIGRAM &&
            !worth_reading(a, g, est, cap_of, TRIGRAM_SHARE)) {
            drop_group(a, g);
            est[g] = -1;
        }
        if (est[g] >= 0)
            a->tests[g]->est = est[g];
        if (est[g] >= 0 && (best < 0 || est[g] < est[best] ||
                            (est[g] == est[best] && a->tests[best]->weak && !a->tests[g]->weak)))
            best = g;
    }
    combine_counts(a, est, cap_of);
    int weak_only = best >= 0 && a->tests[best]->weak && !worth_reading(a, best, est, cap_of, 2);
    for (int i = 0; best >= 0 && i < a->n_tests; i++) {
        int g = group_of(a, i);
        if (a->tests[i]->est != -1 && (g != best || weak_only) && est[g] >= 0)
            a->tests[i]->dropped = 1;
        /* an exact count (under the cap it was asked with) says how selective the test is */
        if (g == best && est[best] < cap_of[best])
            a->tests[i]->count = est[best];
    }
}

/* SQLite without STAT4 knows a path's average documents per value, not that the values a test
 * asks for are rare (3 queued jobs among a million, with four statuses): it would scan. When
 * the catalog counted the chosen test's range exactly and it holds under 1/SELECTIVE of the
 * collection, its bounds are written likelihood(bound, share): the planner reads a range term's
 * likelihood as its selectivity (an equality or IN on an expression index it would not), and
 * still matches the index. An IN list so written reads the range from its least key to its
 * greatest: only when that range holds few more documents than the keys do (a few statuses),
 * not for a list of random keys (a dashboard's three SHAs, whose range is half the index);
 * those keep the IN, which SQLite reads key by key. */
#define SELECTIVE      20
#define IN_RANGE_SLACK 2
static void mark_selective(sqlx_access *a) {
    for (int i = 0; i < a->n_tests; i++) {
        sqlx_keytest *t = a->tests[i];
        if (t->dropped || t->count < 0 || a->docs <= 0 || t->count * SELECTIVE >= a->docs ||
            (t->lo == NULL && t->hi == NULL) || t->eq)
            continue;
        if (counted_by_keys(t, a->docs)) {
            int64_t cap = IN_RANGE_SLACK * t->count + SELECTIVE;
            int64_t in_range = count_range(t, cap + 1, 0);
            if (in_range < 0 || in_range > cap)
                continue;
        }
        t->likelihood = (double)(t->count > 0 ? t->count : 1) / (double)a->docs;
    }
}

/* ---------------- top-N ---------------- */

/* LIMIT (plus OFFSET) of s when the statement gives it; else a top-N's usual size. */
#define TOP_N_ASSUMED 100
static int64_t limit_of(access *ac, const sqlx_select *s) {
    int64_t n = TOP_N_ASSUMED, off = 0;
    const char *text = NULL;
    if (s->limit->kind == N_LIT_INT)
        text = s->limit->text;
    else if (s->limit->kind == N_PARAM && ac->ctx->param_value != NULL) {
        const char *type;
        text = ac->ctx->param_value(ac->ctx->param_ctx, s->limit->name, &type);
    } else if (s->limit->kind == N_PARAM && ac->ctx->param_text != NULL) {
        text = ac->ctx->param_text(ac->ctx->param_ctx, s->limit->name);
    }
    if (text != NULL && strtoll(text, NULL, 10) > 0)
        n = strtoll(text, NULL, 10);
    if (s->offset != NULL && s->offset->kind == N_LIT_INT)
        off = strtoll(s->offset->text, NULL, 10);
    return n + (off > 0 ? off : 0);
}

/* NULLS FIRST / LAST other than the default (first ascending, last descending): such a key is
 * two terms, and no index holds their order. */
static int nulls_overridden(int desc, int nulls) {
    return !((nulls == 1 && !desc) || (nulls == 2 && desc)) && nulls != 0;
}

/* Whether ORDER BY ... LIMIT of s walks the first key's index: a plain SELECT (no grouping,
 * DISTINCT, aggregate or window function) over the one collection, whose first key is an
 * indexed path in Rockset's order. *args: that path. */
static int top_n_applies(access *ac, const sqlx_select *s, const sqlx_op *get, const char **args) {
    if (s->grouped || s->distinct || s->limit == NULL || s->n_order == 0 ||
        nulls_overridden(s->order[0].desc, s->order[0].nulls))
        return 0;
    for (int i = 0; i < s->n_items; i++) {
        const sqlx_node *e = s->items[i].expr;
        if (e->kind != N_STAR && (sqlx_contains_aggregate(e) || sqlx_first_window_call(e)))
            return 0;
    }
    for (int i = 0; i < s->n_order; i++)
        if (sqlx_contains_aggregate(s->order[i].expr) || sqlx_first_window_call(s->order[i].expr))
            return 0;
    int alias;
    const sqlx_node *key = sqlx_bound_target(s, s->order[0].expr, &alias);
    if (alias && key->kind == N_PATH && key->alias_ref != NULL)
        key = key->alias_ref->item;
    const sqlx_rte *r = access_path(ac, key, 0, args);
    return r == get->rte && strcmp(*args, "'_id'") != 0 && access_indexed(r, *args) == 1;
}

/* The bound a top-N's filters are counted against (prefer_order_index): sqrt(n * N), n its
 * LIMIT and N the collection. A filter keeping fewer documents is read and sorted rather than
 * the order's index walked (a walk reads about n * N / m). */
static int64_t top_n_cap(access *ac, const sqlx_select *s, const sqlx_access *a) {
    return (int64_t)sqrt((double)limit_of(ac, s) * (double)a->docs) + 1;
}

/* The walk's assumption, checked: the filters' documents lie all along the order. A time window
 * of recent jobs lies at one end of an id's order, where a walk may end instead of start (a
 * million jobs of older history read before the first of the day). Of the first k documents
 * in the order, the filters keep about k * m / N under independence (m >= cap their smallest
 * count, N the collection): fewer than half of k * cap / N, or none, and the walk is not
 * taken. One bounded read at translation (k documents), cached with the counts. */
#define WALK_SAMPLE 1000
static int walk_meets_rows(const sqlx_select *s, sqlx_access *a, const char *order_args,
                           int64_t cap) {
    const sqlx_rte *r = a->tests[0]->rte;
    sqlx_keyfilter filters[MAX_KEY_TESTS];
    int n = 0;
    if (r->catalog == NULL || r->catalog->order_sample == NULL)
        return 1;
    for (int g = 0; g < a->n_tests && n < MAX_KEY_TESTS; g++) {
        const sqlx_keytest *t = a->tests[g];
        if (group_of(a, g) == g && t->args != NULL && strcmp(t->args, order_args) != 0 &&
            group_filter(a, g, &filters[n]))
            n++;
    }
    int64_t k = cap < WALK_SAMPLE ? cap : WALK_SAMPLE;
    int64_t kept = n > 0 ? r->catalog->order_sample(r->catalog->ctx, r->data_table, order_args,
                                                    s->order[0].desc, k, filters, n)
                         : -1;
    if (kept < 0)
        return 1;
    return kept >= 1 && (double)kept * 2 >= (double)k * (double)cap / (double)a->docs;
}

/* A top-N (ORDER BY an indexed path LIMIT n) with filters on other paths: reading the order's
 * index from its end, checking the filters, reads about n * N / m documents (N in the
 * collection, m passing the filters, taken as independent of the order); reading the filters'
 * smallest range reads m and sorts them. The order wins when m * m > n * N: so when every other
 * key test's range counts at least sqrt(n * N) documents (a bounded count). Then those tests
 * are dropped (their conjuncts stay) and SQLite scans the order's index, stopping at n rows. */
static void prefer_order_index(access *ac, const sqlx_select *s, sqlx_access *a,
                               const char *order_args) {
    int others = 0;
    if (a->docs <= 0 || a->n_tests == 0 || a->n_tests > MAX_KEY_TESTS)
        return;
    int64_t cap = top_n_cap(ac, s, a);
    for (int g = 0; g < a->n_tests; g++) {
        const sqlx_keytest *t = a->tests[g];
        if ((t->fn == NULL && t->kind != SQLX_KEY_ELEMS && t->args != NULL &&
             strcmp(t->args, order_args) == 0) ||
            group_of(a, g) != g)
            continue;
        if (t->est == -1 || estimate_group(a, g, cap) < cap)
            return; /* a filter keeps few documents (or cannot be counted): read through it */
        others++;
    }
    if (others > 0 && !walk_meets_rows(s, a, order_args, cap)) {
        ac->blk->order_unindexed = 1;
        a->top_n = 0;
        return;
    }
    for (int i = 0; others > 0 && i < a->n_tests; i++) {
        const sqlx_keytest *t = a->tests[i];
        if (t->fn != NULL || t->kind == SQLX_KEY_ELEMS || strcmp(t->args, order_args) != 0)
            a->tests[i]->dropped = 1;
    }
    a->order_first = others > 0;
}

double access_top_n_walk(access *ac, const sqlx_op *get, double rows) {
    const char *args;
    const sqlx_access *a = get->kind == SQLX_OP_GET ? get->access : NULL;
    if (a == NULL || a->docs <= 0 || ac->blk->sel == NULL ||
        !top_n_applies(ac, ac->blk->sel, get, &args))
        return -1;
    double n = (double)limit_of(ac, ac->blk->sel), docs = (double)a->docs;
    double kept = rows < 1 ? 1 : rows;
    if (kept * kept < n * docs) /* a test keeps few: read through it (prefer_order_index) */
        return -1;
    return n * docs / kept;
}

/* ---------------- composite indexes ----------------
 *
 * SQLite reads a collection through one index: with `conclusion = 'failure' AND head_branch =
 * :b AND status = 'completed'` and a time window it reads the window's documents and tests the
 * rest on each; a self-join looked up by head_sha reads every job of the sha to keep those of
 * one name. A composite index over the equality paths (and, last, the range's or the ORDER BY's
 * path) reads only the documents that pass them all, in order. It is asked for by use, as
 * PostgreSQL users create one for the queries they run: the query that asks reads as before and
 * the server builds it for the next ones (within each collection's budget). */
#define COMPOSITE_COLUMNS 4   /* columns of one composite (the server's RL_FX_COMPOSITE_COLUMNS) */
#define COMPOSITE_WORTH   100 /* the best single test reads this many documents or more */

typedef struct column {
    const char *args;
    sqlx_keytest *test; /* the WHERE's test it is written from, or NULL: a join key */
} column;

static int by_args(const void *a, const void *b) {
    return strcmp(((const column *)a)->args, ((const column *)b)->args);
}

static int has_column(const column *cols, int n, const char *args) {
    for (int i = 0; i < n; i++)
        if (strcmp(cols[i].args, args) == 0)
            return 1;
    return 0;
}

/* A test a composite may serve as an equality: `path = c`, or IN. It is written as one only
 * when c's key is known exact (a saved lambda's parameters are not: its composite is asked for
 * when it is saved, and used when a call's values are). */
static int equality_test(const sqlx_keytest *t) {
    return t->fn == NULL && t->args != NULL && strcmp(t->args, "'_id'") != 0 &&
           ((t->kind == SQLX_KEY_RANGE && t->equality) || t->kind == SQLX_KEY_IN);
}

static int written_as_equality(const column *c) {
    return c->test == NULL || c->test->kind == SQLX_KEY_IN || c->test->exact != NULL;
}

/* The equality columns: the WHERE's equality tests, the join's indexed keys when get is the
 * right side of an index lookup; the least counted first, at most COMPOSITE_COLUMNS - 1. */
static int equality_columns(const sqlx_access *a, const sqlx_op *join, column *cols) {
    int n = 0;
    for (int k = 0; join != NULL && k < join->join->n_keys; k++)
        if (join->join->strategy == SQLX_JOIN_LOOKUP && join->join->keys[k].indexed == 1 &&
            join->join->keys[k].fn == NULL && n < COMPOSITE_COLUMNS - 1 &&
            !has_column(cols, n, join->join->keys[k].args))
            cols[n++] = (column){join->join->keys[k].args, NULL};
    for (int pass = 0; pass < 2; pass++) /* counted tests first, the least counted first */
        for (int i = 0; i < a->n_tests && n < COMPOSITE_COLUMNS - 1; i++) {
            sqlx_keytest *t = a->tests[i];
            if (!equality_test(t) || has_column(cols, n, t->args) || (pass == 0) != (t->est >= 0))
                continue;
            cols[n++] = (column){t->args, t};
        }
    qsort(cols, (size_t)n, sizeof *cols, by_args); /* one composite for one set of paths */
    return n;
}

/* An equality with a value of the enclosing query's row (a correlated subquery's `j.run_id =
 * w.id`), written as its key's range, read once per enclosing row: a composite's last column.
 * The dashboard benchmark's q37 (the runs of the last hours with a failed job: `EXISTS (SELECT
 * 1 FROM jobs j WHERE j.run_id = w.id AND j.conclusion = 'failure')`) read every job of each
 * run through run_id to keep the failed ones; through (conclusion, run_id) it reads those. */
static const sqlx_keytest *correlated_key(const sqlx_access *a, const column *cols, int n) {
    for (int i = 0; i < a->n_tests; i++) {
        const sqlx_keytest *t = a->tests[i];
        if (t->kind == SQLX_KEY_PROBE && t->sub == NULL && !t->on_id && t->fn == NULL &&
            !t->dropped && t->args != NULL && t->probe_op != NULL && t->probe_op[0] == '=' &&
            !has_column(cols, n, t->args))
            return t;
    }
    return NULL;
}

/* The last column: the top-N's order path, else the smallest counted range on a plain path.
 * A range counted under top_cap (prefer_order_index's bound: the documents a top-N would walk)
 * comes before the order: walking (name, id) from the first id reads every job of the name
 * older than a day's window (a million jobs with the history: 716 ms) where the day's jobs of
 * the name, sorted, are a few hundred. */
static int last_column(const sqlx_access *a, column *cols, int n, int64_t top_cap) {
    sqlx_keytest *best = NULL;
    const sqlx_keytest *outer = correlated_key(a, cols, n);
    if (outer != NULL) {
        cols[n] = (column){outer->args, NULL};
        return 1;
    }
    for (int i = 0; i < a->n_tests; i++) {
        sqlx_keytest *t = a->tests[i];
        if (t->kind == SQLX_KEY_RANGE && t->fn == NULL && !t->equality && !t->eq && !t->weak &&
            t->args != NULL && !has_column(cols, n, t->args) && strcmp(t->args, "'_id'") != 0 &&
            (best == NULL || (t->est >= 0 && (best->est < 0 || t->est < best->est))))
            best = t;
    }
    if (a->top_n && !has_column(cols, n, a->top_args) &&
        (best == NULL || best->est < 0 || best->est >= top_cap)) {
        cols[n] = (column){a->top_args, NULL};
        return 1;
    }
    if (best != NULL)
        cols[n] = (column){best->args, best};
    return best != NULL;
}

/* Whether reading through a composite would read less than the best single test does. */
static int worth_a_composite(const sqlx_access *a, const sqlx_op *join, int n_eq) {
    int64_t best = -1;
    if (join != NULL && join->join->strategy == SQLX_JOIN_LOOKUP && n_eq >= 1)
        return 1; /* looked up once per row of the left side */
    for (int i = 0; i < a->n_tests; i++)
        if (a->tests[i]->est >= 0 && (best < 0 || a->tests[i]->est < best))
            best = a->tests[i]->est;
    return a->top_n || best < 0 || best >= COMPOSITE_WORTH;
}

/* Write get's tests for the composite: its columns' tests as equalities and the range, without
 * likelihoods (its key is more selective than any one of them); the other countable tests
 * dropped, so that SQLite has the one index to choose. */
static void use_composite(access *ac, sqlx_access *a, const column *cols, int n,
                          const sqlx_index *ix) {
    a->composite = sqlx_strndup(ac->ctx->arena, ix->name, strlen(ix->name));
    a->composite_paths = sqlx_alloc(ac->ctx->arena, (size_t)n * sizeof *a->composite_paths);
    if (a->composite == NULL || a->composite_paths == NULL)
        return;
    for (int i = 0; i < n; i++)
        a->composite_paths[i] = cols[i].args;
    a->n_composite = n;
    for (int i = 0; i < a->n_tests; i++) {
        sqlx_keytest *t = a->tests[i];
        int served = t->fn == NULL && t->args != NULL && has_column(cols, n, t->args) &&
                     (t->kind == SQLX_KEY_RANGE || t->kind == SQLX_KEY_IN);
        if (t->est != -1)
            t->dropped = !served; /* both ends of a range are written, as every equality */
        if (!served)
            continue;
        t->likelihood = 0;
        if (t->kind == SQLX_KEY_RANGE && t->exact != NULL) {
            t->eq = 1;
            t->lo = t->hi = t->exact;
        }
    }
    ac->ctx->index_form = 1;
}

/* Whether the right side of join is looked up by a key no composite column holds: a function
 * of a field (`CAST(id AS string)`), which has an index of its own. A composite of the side's
 * WHERE equalities alone leaves the lookup key out, and SQLite, reading by it, would walk every
 * document passing them once per left row: HUD's test_insights_overview looked up workflow
 * runs by their id's string through (head_branch, name), 'main' and 'pull' thousands of runs,
 * and took 264 ms where the lookup takes 3. */
static int looked_up_by_a_function(const sqlx_op *join) {
    if (join == NULL || join->join->strategy != SQLX_JOIN_LOOKUP)
        return 0;
    for (int k = 0; k < join->join->n_keys; k++)
        if (join->join->keys[k].indexed == 1 && join->join->keys[k].fn != NULL)
            return 1;
    return 0;
}

/* A written test reads no document (its path is in none) or was counted under
 * COMPOSITE_WORTH: a composite would save nothing worth its keys. Such a composite, asked for
 * by another query, was read whenever it existed: HUD's validation_jobs_red read a month of
 * main-branch jobs through (head_branch, _event_time), 51 ms on a million jobs, where the
 * trigram index of its LIKE had counted no job at all. Not for the right side of an index
 * lookup, where the composite is read once per left row and the count is the collection's. */
static int reads_few(const sqlx_access *a, const sqlx_op *join) {
    int looked_up = join != NULL && join->join->strategy == SQLX_JOIN_LOOKUP;
    for (int i = 0; i < a->n_tests; i++) {
        const sqlx_keytest *t = a->tests[i];
        if (!t->dropped && (t->kind == SQLX_KEY_NONE ||
                            (!looked_up && t->count >= 0 && t->count < COMPOSITE_WORTH)))
            return 1;
    }
    return 0;
}

static void plan_composite(access *ac, sqlx_op *get, const sqlx_op *join) {
    sqlx_access *a = get->access;
    const sqlx_rte *r = get->rte;
    column cols[COMPOSITE_COLUMNS];
    const char *args[COMPOSITE_COLUMNS];
    sqlx_index ix;
    if (r->catalog == NULL || r->catalog->composite_for == NULL || a->n_tests > MAX_KEY_TESTS ||
        r->alias != r->id || looked_up_by_a_function(join) || reads_few(a, join))
        return;
    int64_t top_cap = a->top_n && a->docs > 0 ? top_n_cap(ac, ac->blk->sel, a) : 0;
    int n_eq = equality_columns(a, join, cols);
    int n = n_eq > 0 ? n_eq + last_column(a, cols, n_eq, top_cap) : 0;
    if (n < 2)
        return;
    for (int i = 0; i < n; i++)
        args[i] = cols[i].args;
    memset(&ix, 0, sizeof ix);
    /* asked for when it would read much less; used whenever it exists */
    if (r->catalog->composite_for(r->catalog->ctx, r->data_table, args, n,
                                  worth_a_composite(a, join, n_eq), &ix) != 1)
        return;
    for (int i = 0; i < n_eq; i++)
        if (!written_as_equality(&cols[i]))
            return;
    use_composite(ac, a, cols, n, &ix);
    if (a->composite != NULL && r->catalog->composite_read != NULL)
        r->catalog->composite_read(r->catalog->ctx, ix.name);
}

/* ---------------- a block ---------------- */

/* ---------------- keys known when the statement runs ----------------
 *
 * A probe test (SQLX_KEY_PROBE: `path IN (SELECT ...)`, `path = r.id` of the enclosing row) is
 * not counted, its keys being unknown until the statement runs: its documents are estimated,
 * the subquery's rows (from its plan) or one key, times the index's documents per key (a range
 * by a computed value: a quarter of the collection, as SQLite guesses a range). Given a
 * counted test and a probe, SQLite reads the one whose index it thinks cheaper without knowing
 * the subquery's size (a failure's 1,300 jobs, not the jobs of one SHA's runs): so the
 * collection keeps only the one expected to read less. */

static int plan_block(access *ac, sqlx_block *blk);

/* plan_block from inside another block's planning, which keeps its region */
static int plan_inner_block(access *ac, sqlx_block *blk) {
    access_region *region = ac->region;
    int rc = plan_block(ac, blk);
    ac->region = region;
    return rc;
}

int access_plan_subqueries(access *ac, const sqlx_node *n) {
    int rc = 0;
    for (; n != NULL && rc == 0; n = n->a) {
        if (n->kind == N_SUBQUERY && n->sub != NULL && n->sub->block != NULL)
            rc = plan_inner_block(ac, n->sub->block);
        if (rc == 0)
            rc = access_plan_subqueries(ac, n->b);
        if (rc == 0)
            rc = access_plan_subqueries(ac, n->c);
        for (int i = 0; rc == 0 && i < n->n_list; i++)
            rc = access_plan_subqueries(ac, n->list[i]);
    }
    return rc;
}

static int estimate_probe(access *ac, sqlx_keytest *t) {
    double keys = 1;
    t->probe_docs = -1;
    if (t->sub != NULL && t->sub->block != NULL) {
        int rc = plan_inner_block(ac, t->sub->block);
        if (rc)
            return rc;
        keys = t->sub->block->plan != NULL ? access_estimate(t->sub->block->plan) : -1;
    }
    if (keys < 0)
        return 0;
    if (t->sub == NULL && t->probe_op != NULL && t->probe_op[0] != '=') {
        const sqlx_catalog *c = t->rte->catalog; /* a range of unknown bounds: SQLite's guess */
        int64_t docs = c != NULL && c->doc_count ? c->doc_count(c->ctx, t->rte->data_table) : -1;
        t->probe_docs = docs >= 0 ? (double)docs / 4 : -1;
        return 0;
    }
    if (t->on_id) {
        t->probe_docs = keys;
        return 0;
    }
    double per_key = docs_per_key(t);
    if (per_key < 0)
        per_key = 10;
    t->probe_docs = keys * (per_key < 1 ? 1 : per_key);
    return 0;
}

/* Keep either the probe expected to read least or the counted tests, whichever reads less (a
 * count that reached its cap is at least that many). */
static void weigh_probes(sqlx_access *a) {
    sqlx_keytest *probe = NULL;
    int64_t counted = -1;
    for (int i = 0; i < a->n_tests; i++) {
        sqlx_keytest *t = a->tests[i];
        if (t->dropped)
            continue;
        if (t->kind == SQLX_KEY_PROBE && t->probe_docs >= 0 &&
            (probe == NULL || t->probe_docs < probe->probe_docs))
            probe = t;
        else if (t->kind != SQLX_KEY_PROBE && t->est >= 0 && (counted < 0 || t->est < counted))
            counted = t->est;
    }
    if (probe == NULL || counted < 0)
        return;
    int probe_wins = probe->probe_docs < (double)counted;
    for (int i = 0; i < a->n_tests; i++) {
        sqlx_keytest *t = a->tests[i];
        if (t == probe || t->dropped)
            continue;
        if (t->kind == SQLX_KEY_PROBE ? !probe_wins : probe_wins && t->est >= 0)
            t->dropped = 1;
    }
    if (!probe_wins)
        probe->dropped = 1;
}

static int add_test(access *ac, sqlx_keytest *t) {
    sqlx_op *get = sqlx_plan_leaf(t->rte);
    sqlx_access *a = get != NULL ? get->access : NULL;
    if (a == NULL)
        return 0;
    if (a->n_tests == a->cap_tests) {
        int cap = a->cap_tests ? a->cap_tests * 2 : 8;
        sqlx_keytest **tests = sqlx_alloc(ac->ctx->arena, (size_t)cap * sizeof *tests);
        if (tests == NULL)
            return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
        if (a->n_tests)
            memcpy(tests, a->tests, (size_t)a->n_tests * sizeof *tests);
        a->tests = tests;
        a->cap_tests = cap;
    }
    if (t->estimable && t->kind != SQLX_KEY_OR)
        t->est = -2; /* to be counted */
    a->tests[a->n_tests++] = t;
    return t->kind == SQLX_KEY_PROBE ? estimate_probe(ac, t) : 0;
}

static int64_t docs_of(const sqlx_rte *r) {
    return r->catalog && r->catalog->doc_count
               ? r->catalog->doc_count(r->catalog->ctx, r->data_table)
               : -1;
}

/* A range on the path a top-N walks narrows the walk at no cost, its keys read in the order's
 * order: `IS NOT NULL` of a MIN's path (sqlx_minmax.h) skips the documents without it, which
 * the walk would read first. Written whatever its count. */
static void keep_walked_range(sqlx_access *a) {
    for (int i = 0; a->top_n && i < a->n_tests; i++) {
        sqlx_keytest *t = a->tests[i];
        if (t->kind == SQLX_KEY_RANGE && t->fn == NULL && t->args != NULL &&
            strcmp(t->args, a->top_args) == 0)
            t->dropped = 0;
    }
}

/* Choose among each collection's tests; the top-N of a one-collection block first; then a
 * composite index, when one serves them together. join: the join op is the right side of. */
static void choose(access *ac, sqlx_op *op, const sqlx_op *only, int total, const sqlx_op *join) {
    if (op->kind == SQLX_OP_JOIN) {
        choose(ac, op->left, only, total, NULL);
        choose(ac, op->right, only, total, op);
        return;
    }
    sqlx_access *a = op->access;
    if (op->kind != SQLX_OP_GET || a == NULL)
        return;
    a->docs = docs_of(op->rte);
    const char *order_args = NULL;
    if (op == only && (a->top_n = top_n_applies(ac, ac->blk->sel, op, &order_args)) != 0) {
        a->top_args = order_args;
        ac->ctx->index_form = 1;
        prefer_order_index(ac, ac->blk->sel, a, order_args);
    }
    if (total <= MAX_KEY_TESTS && !a->order_first && a->n_tests > 0 && !a->chosen) {
        choose_tests(a);
        weigh_probes(a);
        keep_walked_range(a);
    }
    if (total <= MAX_KEY_TESTS)
        plan_composite(ac, op, join);
    if (total <= MAX_KEY_TESTS && a->composite == NULL)
        mark_selective(a);
    for (int i = 0; i < a->n_tests; i++)
        if (!a->tests[i]->dropped)
            ac->ctx->index_form = 1;
}

/* A written test of rte's path args whose keys exclude null and missing, and that decides
 * its conjunct (sqlx_keytest.decides): an equality on an exact constant, or a lower bound on
 * timestamps (a function index's key is one only where the field parses). */
static sqlx_keytest *non_null_test(const sqlx_rte *rte, const char *args) {
    sqlx_op *get = sqlx_plan_leaf(rte);
    for (int i = 0; get != NULL && get->access != NULL && i < get->access->n_tests; i++) {
        sqlx_keytest *t = get->access->tests[i];
        if (!t->dropped && t->kind == SQLX_KEY_RANGE && t->args != NULL &&
            strcmp(t->args, args) == 0 && t->decides != NULL &&
            (t->exact != NULL || (t->lo != NULL && t->decides[0] != '\0')))
            return t;
    }
    return NULL;
}

/* `path IS NOT NULL` beside such a test says nothing more: the test decides it too, and the
 * emitter need not read the document for it (merged_at IS NOT NULL AND
 * PARSE_TIMESTAMP_ISO8601(merged_at) >= :since). */
static void mark_not_null(access *ac, const sqlx_op *where) {
    for (int i = 0; where != NULL && i < where->conj.n; i++) {
        const sqlx_node *n = where->conj.items[i].expr;
        const char *args;
        if (where->conj.items[i].gone || n->kind != N_ISNULL || !n->negated || n->ival != 0 ||
            n->name != NULL)
            continue;
        const sqlx_rte *rte = access_path(ac, n->a, 0, &args);
        sqlx_keytest *t = rte != NULL ? non_null_test(rte, args) : NULL;
        if (t != NULL && t->not_null == NULL)
            t->not_null = n;
    }
}

/* The region's collections' tests counted and chosen among before the join order, which
 * reads their counts. */
static void count_region_tests(access *ac, int total) {
    for (int i = 0; ac->region != NULL && i < ac->region->n; i++) {
        sqlx_op *leaf = ac->region->leaves[i];
        sqlx_access *a = leaf->access;
        if (leaf->kind != SQLX_OP_GET || a == NULL)
            continue;
        a->docs = docs_of(leaf->rte);
        a->joined = ac->region->n > 1;
        if (total <= MAX_KEY_TESTS && a->n_tests > 0) {
            choose_tests(a);
            weigh_probes(a);
        }
        a->chosen = 1;
    }
}

/* The collection whose ORDER BY ... LIMIT may walk its index: the FROM's one collection, or the
 * first of a join order (sqlx_access_order.c), which CROSS JOINs keep the outer loop: walking
 * its index in the order's order, SQLite stops once LIMIT rows have passed the joins (HUD's
 * last_successful_workflow, the latest run of a name whose push is on main, read all 211 runs
 * of the name and sorted them). */
static const sqlx_op *top_n_candidate(const sqlx_block *blk, const sqlx_op *from) {
    if (from->kind == SQLX_OP_GET)
        return blk->n_rels == 1 ? from : NULL;
    const sqlx_op *op = from;
    while (op->kind == SQLX_OP_JOIN && op->ordered)
        op = op->left;
    return op != from && op->kind == SQLX_OP_GET ? op : NULL;
}

static int access_block(access *ac) {
    access_region region;
    keylist tests = {NULL, 0, 0};
    ac->region = sqlx_plan_from(ac->blk) != NULL ? &region : NULL;
    int rc = ac->region != NULL ? access_take_apart(ac) : 0;
    sqlx_op *where = sqlx_plan_find(ac->blk, SQLX_OP_FILTER, 0);
    for (int i = 0; rc == 0 && where != NULL && i < where->conj.n; i++)
        if (!where->conj.items[i].gone)
            rc = access_conjunct_tests(ac, where->conj.items[i].expr, &tests);
    for (int i = 0; i < tests.n && rc == 0; i++)
        rc = add_test(ac, tests.items[i]);
    if (rc == 0 && ac->region != NULL) {
        count_region_tests(ac, tests.n);
        rc = access_order_joins(ac);
    }
    sqlx_op *from = sqlx_plan_from(ac->blk);
    ac->region = NULL;
    if (rc || from == NULL)
        return rc;
    if ((rc = plan_joins(ac, from, where)) != 0)
        return rc;
    mark_filtered(from, where);
    choose(ac, from, top_n_candidate(ac->blk, from), tests.n, NULL);
    mark_not_null(ac, where);
    return 0;
}

/* The blocks a plan's operators read: a derived relation's query, a compound's operands. */
static int plan_reads(access *ac, const sqlx_op *op) {
    int rc = 0;
    for (; op != NULL && rc == 0; op = op->input) {
        if (op->kind == SQLX_OP_DERIVED && op->query != NULL)
            rc = plan_block(ac, op->query->block);
        if (rc == 0 && op->left != NULL)
            rc = op->kind == SQLX_OP_SETOP ? plan_block(ac, op->left->block)
                                           : plan_reads(ac, op->left);
        if (rc == 0 && op->right != NULL)
            rc = op->kind == SQLX_OP_SETOP ? plan_block(ac, op->right->block)
                                           : plan_reads(ac, op->right);
    }
    return rc;
}

/* A block after the blocks it reads: its join order estimates the rows of its derived
 * relations from their plans. (The binder lists blocks parents first, and a WITH query may
 * read an earlier one.) */
static int plan_block(access *ac, sqlx_block *blk) {
    if (blk == NULL || blk->accessed || blk->sel == NULL || blk->plan == NULL)
        return 0;
    blk->accessed = 1;
    int rc = plan_reads(ac, blk->plan);
    if (rc)
        return rc;
    sqlx_block *outer = ac->blk;
    ac->blk = blk;
    rc = access_block(ac);
    ac->blk = outer;
    return rc;
}

static int plan_blocks(sqlx_ctx *ctx, rs_err *err) {
    sqlx_bound *bd = ctx->bound;
    access ac = {ctx, err, NULL, NULL};
    for (int i = 0; i < bd->n_blocks; i++) {
        int rc = plan_block(&ac, bd->blocks[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* Once: a second run would add every key test again. Its only failure is memory. */
int sqlx_access_plan(sqlx_ctx *ctx, rs_err *err) {
    if (ctx->access_done)
        return ctx->access_done > 0 ? 0 : rs_err_set(err, RS_ENOMEM, "out of memory");
    int rc = plan_blocks(ctx, err);
    ctx->access_done = rc ? -1 : 1;
    return rc;
}

/* The access of the statement's one collection reading; NULL when it reads none, several, or
 * one through no GET. */
static const sqlx_access *single_reading(const sqlx_bound *bd) {
    const sqlx_access *only = NULL;
    int readings = 0;
    for (int i = 0; i < bd->n_blocks; i++)
        for (int r = 0; r < bd->blocks[i]->n_rels; r++) {
            const sqlx_rte *rte = bd->blocks[i]->rels[r];
            if (rte->kind != SQLX_RTE_COLLECTION)
                continue;
            const sqlx_op *get = sqlx_plan_leaf(rte);
            readings++; /* a view is bound once per reference: each one is a reading */
            only = get != NULL && get->kind == SQLX_OP_GET ? get->access : NULL;
        }
    return readings == 1 ? only : NULL;
}

static double most_lookups(const sqlx_op *op) {
    if (op == NULL)
        return 0;
    if (op->kind != SQLX_OP_JOIN)
        return most_lookups(op->input);
    double left = most_lookups(op->left), right = most_lookups(op->right);
    double here = op->join != NULL && op->join->strategy == SQLX_JOIN_LOOKUP
                      ? access_estimate(op) /* the documents its lookups read */
                      : 0;
    double most = left > right ? left : right;
    return here > most ? here : most;
}

int sqlx_access_lookups(sqlx_ctx *ctx, double *lookups, rs_err *err) {
    *lookups = 0;
    int rc = sqlx_access_plan(ctx, err);
    for (int i = 0; rc == 0 && i < ctx->bound->n_blocks; i++) {
        double n = most_lookups(ctx->bound->blocks[i]->plan);
        *lookups = n > *lookups ? n : *lookups;
    }
    return rc;
}

int sqlx_access_rows_read(sqlx_ctx *ctx, int64_t *docs, rs_err *err) {
    *docs = -1;
    int rc = sqlx_access_plan(ctx, err);
    const sqlx_access *a = rc == 0 ? single_reading(ctx->bound) : NULL;
    for (int i = 0; a != NULL && i < a->n_tests; i++) {
        const sqlx_keytest *t = a->tests[i];
        if (!t->dropped && t->count >= 0 && (*docs < 0 || t->count < *docs))
            *docs = t->count;
    }
    return rc;
}
