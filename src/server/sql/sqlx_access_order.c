/*
 * sqlx_access_order.c - the order of a block's inner joins, and the estimates of rows it is
 * chosen by (sqlx_access_int.h).
 *
 * SQL names its joins in the order its author thought of them. HUD's lambdas read
 * `workflow_job JOIN (workflow_run JOIN push ON ...) ON ...` with the one selective filter, a
 * time window, on push: joined as written, every job is read, then every run. Inner joins may
 * be done in any order (all their conditions apply to the same rows), so, as PostgreSQL's and
 * DuckDB's join order optimizers do, the inner joins at the top of a block's FROM are taken
 * apart into their relations and conditions, and joined again left-deep:
 *
 *   1. first the relation expected to yield the fewest rows: a collection's smallest counted
 *      key test (sqlx_access.c counts them first), else its documents; a derived relation's
 *      own estimate, from its plan (its blocks are planned before the block reading them);
 *   2. then, one at a time, a relation that a join key connects to those already joined
 *      (`r.path = a path of a joined relation`): one the key can look up through an index
 *      first, else one for a hash join, the smaller first; an unconnected relation last;
 *   3. every ON condition of the joins taken apart goes to the WHERE, where the key tests
 *      find the single-relation ones and each new join finds its keys.
 *
 * Taken apart: the inner joins (JOIN, CROSS JOIN, commas) of collections and derived
 * relations reachable from the top of the FROM, or from the left of a chain of LEFT JOINs
 * (the side they keep, where WHERE and ON mean the same). Not: a join with USING, one hinted
 * `join_strategy = hash` or `nested_loop` (its author chose), a tree with an UNNEST (it reads
 * the relations before it), the side of an outer join that gets nulls.
 */
#include "sqlx_access_int.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------- estimates ---------------- */

#define EST_UNKNOWN 1e9   /* rows of a relation nothing is known of */
#define OR_CAP      16000 /* an OR's arms are counted up to this many documents each */
#define GROUPS      10    /* a GROUP BY or DISTINCT keeps about one row in this many */

/* A collection's rows: its written tests' least count, else its documents (a tenth of them when
 * a test the catalog cannot count is written). *low: that count reached its cap, a lower bound. */
static double get_rows(const sqlx_op *get, int *low) {
    const sqlx_access *a = get->access;
    double docs = a != NULL && a->docs >= 0 ? (double)a->docs : EST_UNKNOWN, best = -1;
    int written = 0;
    *low = 0;
    for (int i = 0; a != NULL && i < a->n_tests; i++) {
        const sqlx_keytest *t = a->tests[i];
        if (t->dropped)
            continue;
        written = 1;
        int64_t n = t->kind == SQLX_KEY_OR      ? access_count_or(t, OR_CAP)
                    : t->kind == SQLX_KEY_PROBE ? (int64_t)t->probe_docs
                                                : t->est;
        if (n >= 0 && (best < 0 || (double)n < best)) {
            best = (double)n;
            *low = t->kind != SQLX_KEY_OR && t->kind != SQLX_KEY_PROBE && t->count < 0;
        }
    }
    if (a != NULL && a->together_counted && best >= 0 && (double)a->together < best)
        best = (double)a->together; /* its tests together (access_count_together) */
    else if (a != NULL && a->combined > 0 && best >= 0 && a->combined < best) {
        best = a->combined; /* its exact counts combined (combine_counts) */
        *low = 0;
    }
    if (best >= 0)
        return best < docs ? best : docs;
    return written ? docs / 10 : docs; /* a test the catalog cannot count still reads less */
}

static double est_get(const sqlx_op *get) {
    int low;
    return get_rows(get, &low);
}

/* Documents per key of the index a lookup join reads (ANALYZE's), 1 when unknown. */
static double fanout(const sqlx_op *join) {
    const sqlx_join *j = join->join;
    const sqlx_rte *r = join->right->rte;
    for (int k = 0; r != NULL && k < j->n_keys; k++) {
        sqlx_index ix;
        if (j->keys[k].indexed == 2)
            return 1;
        memset(&ix, 0, sizeof ix);
        if (j->keys[k].indexed == 1 && r->catalog != NULL && r->catalog->index_for != NULL &&
            r->catalog->index_for(r->catalog->ctx, r->data_table,
                                  j->keys[k].fn != NULL ? SQLX_INDEX_FUNCTION : SQLX_INDEX_SCALAR,
                                  j->keys[k].args, j->keys[k].fn, &ix) == 1 &&
            ix.rows_per_key >= 1)
            return ix.rows_per_key;
    }
    return 1;
}

static double est_join(const sqlx_op *op) {
    double left = access_estimate(op->left), right = access_estimate(op->right), rows;
    const sqlx_join *j = op->join;
    if (j != NULL && j->n_keys > 0 && j->strategy == SQLX_JOIN_LOOKUP)
        rows = left * fanout(op);
    else if (j != NULL && j->n_keys > 0)
        rows = left > right ? left : right; /* a hash join: keys mostly match once */
    else
        rows = op->conj.n > 0 ? left * right / 10 : left * right;
    if (strncmp(op->from->join_type, "LEFT", 4) == 0 && rows < left)
        rows = left;
    return rows;
}

static double limit_rows(const sqlx_select *s) {
    if (s->limit != NULL && s->limit->kind == N_LIT_INT && s->offset == NULL)
        return (double)strtoll(s->limit->text, NULL, 10);
    return -1;
}

static double est_setop(const sqlx_op *op) {
    double left = access_estimate(op->left);
    if (op->right == NULL || strncmp(op->op, "EXCEPT", 6) == 0)
        return left;
    double right = access_estimate(op->right);
    if (strncmp(op->op, "INTERSECT", 9) == 0)
        return left < right ? left : right;
    return left + right;
}

static double est_of(const sqlx_op *op) {
    switch (op->kind) {
    case SQLX_OP_GET:
        return est_get(op);
    case SQLX_OP_DERIVED:
        return op->query != NULL ? access_estimate(op->query) : EST_UNKNOWN;
    case SQLX_OP_EMPTY:
        return 0;
    case SQLX_OP_UNNEST:
        return 10;
    case SQLX_OP_JOIN:
        return est_join(op);
    case SQLX_OP_AGGREGATE: {
        if (!op->block->sel->grouped && !op->distinct_keys)
            return 1;
        double in = op->input != NULL ? access_estimate(op->input) : 1;
        return in / GROUPS > 1 ? in / GROUPS : 1;
    }
    case SQLX_OP_LIMIT: {
        double in = op->input != NULL ? access_estimate(op->input) : 1;
        double n = limit_rows(op->block->sel);
        return n >= 0 && n < in ? n : in;
    }
    case SQLX_OP_GROUPING_SETS:
        return access_estimate(op->input) * op->block->sel->n_gsets;
    case SQLX_OP_SETOP:
        return est_setop(op);
    default: /* FILTER, PROJECT, SORT */
        return op->input != NULL ? access_estimate(op->input) : 1;
    }
}

double access_estimate(const sqlx_op *op) {
    if (op == NULL)
        return 1;
    if (!op->estimated) {
        sqlx_op *w = (sqlx_op *)op; /* a memo on the plan: the estimate of a planned op */
        w->est = est_of(op);
        w->estimated = 1;
    }
    return op->est;
}

/* ---------------- the relations of the inner joins ---------------- */

static int is_inner(const sqlx_from *f) {
    return strcmp(f->join_type, "JOIN") == 0 || strcmp(f->join_type, "CROSS JOIN") == 0;
}

static int author_chose(const sqlx_from *f) {
    return f->join_strategy != NULL && (strncasecmp(f->join_strategy, "hash", 4) == 0 ||
                                        strncasecmp(f->join_strategy, "nested_loop", 11) == 0);
}

/* 1 when op's subtree is inner joins of collections and derived relations (collected). */
static int collect(sqlx_op *op, const char *hint, access_region *rg) {
    if (op->kind == SQLX_OP_GET || op->kind == SQLX_OP_DERIVED) {
        if (rg->n == ACCESS_MAX_LEAVES)
            return 0;
        rg->hint[rg->n] = hint;
        rg->leaves[rg->n++] = op;
        return 1;
    }
    if (op->kind != SQLX_OP_JOIN || !is_inner(op->from) || op->from->n_using > 0 ||
        author_chose(op->from) || rg->n_joins == ACCESS_MAX_LEAVES)
        return 0;
    rg->joins[rg->n_joins++] = op;
    return collect(op->left, NULL, rg) && collect(op->right, op->from->join_strategy, rg);
}

/* Where the block's FROM tree hangs (the operator above it), then down the left of a chain of
 * LEFT JOINs, then `below` more steps down the left of the joins there: the slot of the tree
 * whose inner joins may be reordered. */
static sqlx_op **top_slot(sqlx_block *blk, int below) {
    sqlx_op *from = sqlx_plan_from(blk), **slot = NULL;
    for (sqlx_op *op = blk->plan; from != NULL && op != NULL && slot == NULL; op = op->input)
        if (op->input == from)
            slot = &op->input;
    while (slot != NULL && (*slot)->kind == SQLX_OP_JOIN &&
           strcmp((*slot)->from->join_type, "LEFT JOIN") == 0)
        slot = &(*slot)->left;
    for (; slot != NULL && below > 0; below--)
        slot = (*slot)->kind == SQLX_OP_JOIN ? &(*slot)->left : NULL;
    return slot;
}

/* Whether the left side of the join at slot is a tree whose rows it keeps, one by one, so that
 * its inner joins may be taken apart below it and their ON conditions tested in the WHERE: an
 * inner join (`j JOIN s ON .. CROSS JOIN UNNEST(j.steps)`: an UNNEST reads the relations
 * before it, which stay before it) or a LEFT JOIN; not one with USING or a hint that chose its
 * strategy. */
static int keeps_left(const sqlx_op *op) {
    return op->kind == SQLX_OP_JOIN && op->from->n_using == 0 && !author_chose(op->from) &&
           (is_inner(op->from) || strcmp(op->from->join_type, "LEFT JOIN") == 0);
}

/* The block's WHERE filter, made when it has none (just above the FROM tree). */
static sqlx_op *where_filter(access *ac) {
    sqlx_op *w = sqlx_plan_find(ac->blk, SQLX_OP_FILTER, 0), *from = sqlx_plan_from(ac->blk);
    for (sqlx_op *op = ac->blk->plan; w == NULL && op != NULL; op = op->input) {
        if (op->input != from)
            continue;
        if ((w = sqlx_alloc(ac->ctx->arena, sizeof *w)) == NULL)
            return NULL;
        w->kind = SQLX_OP_FILTER;
        w->block = ac->blk;
        w->input = from;
        op->input = w;
    }
    return w;
}

int access_take_apart(access *ac) {
    access_region *rg = ac->region;
    int below = 0;
    for (;;) { /* the topmost tree of inner joins down the left of the FROM */
        memset(rg, 0, sizeof *rg);
        rg->slot = top_slot(ac->blk, below);
        if (rg->slot == NULL || (*rg->slot)->kind != SQLX_OP_JOIN) {
            ac->region = NULL;
            return 0;
        }
        if (collect(*rg->slot, NULL, rg) && rg->n >= 2)
            break;
        if (!keeps_left(*rg->slot)) {
            ac->region = NULL;
            return 0;
        }
        below++;
    }
    sqlx_op *where = where_filter(ac);
    if (where == NULL)
        return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    rg->slot = top_slot(ac->blk, below); /* below the WHERE, when it was just made */
    for (int j = 0; j < rg->n_joins; j++) {
        const sqlx_conjs *on = &rg->joins[j]->conj;
        for (int i = 0; i < on->n; i++)
            if (!on->items[i].gone &&
                sqlx_conjs_add(ac->ctx->arena, &where->conj, on->items[i].expr, ac->blk))
                return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    }
    return 0;
}

/* ---------------- the order ---------------- */

#define UNPLACED 1000 /* order of a relation not joined yet: after every placed one */

/* How leaf i joins those placed: 0 an index lookup, 1 a hash join, 2 not connected; *per_key
 * (when not NULL) the documents per key of the lookup's index (ANALYZE's; 1 when unknown or
 * unique). */
static int connection(access *ac, const access_region *rg, int i, const sqlx_op *where,
                      double *per_key) {
    sqlx_rte *right = rg->leaves[i]->rte;
    int best = 2, saved = right->order;
    right->order = UNPLACED - 1; /* after the placed ones, before the others */
    for (int c = 0; where != NULL && c < where->conj.n && best > 0; c++) {
        sqlx_join_key key;
        sqlx_index ix;
        if (where->conj.items[c].gone ||
            !access_join_key(ac, where->conj.items[c].expr, right, &key))
            continue;
        int lookup = rg->leaves[i]->kind == SQLX_OP_GET && right->data_table != NULL &&
                     right->is_indexed != NULL && access_key_index(right, &key, &ix) > 0;
        best = lookup ? 0 : 1;
        if (lookup && per_key != NULL)
            *per_key = ix.rows_per_key >= 1 ? ix.rows_per_key : 1;
    }
    right->order = saved;
    return best;
}

/* Counts of the region's collections that reached their caps are lower bounds: one below the
 * least count known exactly (or when none is) might still be the smallest, and is counted again
 * under a higher cap (a self-join's `conclusion = 'success'` counted past 1,000 looked smaller
 * than the failures of a day, 3,000, and drove the join: 550,000 jobs read). */
static void settle_estimates(const access_region *rg, double *est) {
    static const int64_t caps[] = {4000, 16000, 50000};
    for (size_t c = 0; c < sizeof caps / sizeof caps[0]; c++) {
        double least = -1;
        int low[ACCESS_MAX_LEAVES], again = 0;
        for (int i = 0; i < rg->n; i++) {
            low[i] = 0;
            if (rg->leaves[i]->kind == SQLX_OP_GET)
                get_rows(rg->leaves[i], &low[i]);
            if (!low[i] && (least < 0 || est[i] < least))
                least = est[i];
        }
        for (int i = 0; i < rg->n; i++) {
            if (!low[i] || (least >= 0 && est[i] >= least) || est[i] >= (double)caps[c])
                continue;
            access_recount(rg->leaves[i]->access, caps[c]);
            rg->leaves[i]->estimated = 0;
            est[i] = access_estimate(rg->leaves[i]);
            again = 1;
        }
        if (!again)
            break;
    }
}

/* The next leaf: the best connection, then the fewest rows, then the written order; *cls its
 * connection and *per_key its lookup's documents per key. */
static int next_leaf(access *ac, const access_region *rg, const int *placed, const double *est,
                     const sqlx_op *where, int *cls, double *per_key) {
    int best = -1;
    *cls = 3;
    for (int i = 0; i < rg->n; i++) {
        double keyed = 1;
        if (placed[i])
            continue;
        int c = connection(ac, rg, i, where, &keyed);
        if (best < 0 || c < *cls || (c == *cls && est[i] < est[best])) {
            best = i;
            *cls = c;
            *per_key = keyed;
        }
    }
    return best;
}

/* The share of a leaf's documents its tests keep (1 for a derived relation). */
static double kept_share(const sqlx_op *leaf, double est) {
    const sqlx_access *a = leaf->kind == SQLX_OP_GET ? leaf->access : NULL;
    if (a == NULL || a->docs <= 0 || est >= (double)a->docs)
        return 1;
    return est > 0 ? est / (double)a->docs : 1.0 / (double)a->docs;
}

/* The documents the region's joins read when leaf first drives: its rows, then for each leaf
 * in next_leaf's order what its lookups read (the rows so far times its index's documents per
 * key, of which its own tests keep kept_share), or its own rows for a hash join. */
static double chain_reads(access *ac, const access_region *rg, const double *est, int first,
                          const sqlx_op *where) {
    int placed[ACCESS_MAX_LEAVES] = {0};
    double rows = est[first], reads = est[first];
    placed[first] = 1;
    rg->leaves[first]->rte->order = 0;
    for (int k = 1; k < rg->n; k++) {
        double per_key = 1;
        int cls, i = next_leaf(ac, rg, placed, est, where, &cls, &per_key);
        if (cls == 0) {
            reads += rows * per_key;
            rows *= per_key * kept_share(rg->leaves[i], est[i]);
        } else {
            reads += est[i];
            rows = cls == 1 ? (rows > est[i] ? rows : est[i]) : rows * est[i];
        }
        placed[i] = 1;
        rg->leaves[i]->rte->order = k;
    }
    for (int i = 0; i < rg->n; i++)
        rg->leaves[i]->rte->order = UNPLACED + i;
    return reads;
}

/* The driver reading least along the whole chain (chain_reads), when it reads under
 * 1/CHAIN_MARGIN of what the fewest rows' driver reads: HUD's master_jobs_red joins a month's
 * jobs to their runs and pushes, with a filter on the pushes that keeps every push to main in
 * the history; the pushes are the fewer rows (13,600 of them at a million documents, against
 * 62,000 jobs) but three runs per push and six jobs per run make them read 280,000 documents
 * to the jobs' 190,000, and ten times that at ten times the history, where the jobs' stay.
 * A count that reached its cap is a lower bound: such a driver is counted again, up to the rows
 * with which it would still win (at most CHAIN_RECOUNT_MAX), before it is taken. */
#define CHAIN_MARGIN      1.25
#define CHAIN_RECOUNT_MAX 100000
static int cheapest_chain(access *ac, const access_region *rg, double *est, int fewest,
                          const sqlx_op *where) {
    int best = fewest;
    double best_reads = chain_reads(ac, rg, est, fewest, where);
    for (int i = 0; i < rg->n; i++) {
        int low = 0;
        double reads = i == fewest ? best_reads : chain_reads(ac, rg, est, i, where);
        if (i == fewest || reads * CHAIN_MARGIN >= best_reads)
            continue;
        if (rg->leaves[i]->kind == SQLX_OP_GET)
            get_rows(rg->leaves[i], &low);
        if (low) {
            double wins_under = best_reads / CHAIN_MARGIN / (reads / (est[i] > 1 ? est[i] : 1));
            int64_t cap = wins_under < CHAIN_RECOUNT_MAX ? (int64_t)wins_under : CHAIN_RECOUNT_MAX;
            access_recount(rg->leaves[i]->access, cap);
            rg->leaves[i]->estimated = 0;
            est[i] = access_estimate(rg->leaves[i]);
            get_rows(rg->leaves[i], &low);
            if (low)
                continue;
            reads = chain_reads(ac, rg, est, i, where);
            if (reads * CHAIN_MARGIN >= best_reads)
                continue;
        }
        best = i;
        best_reads = reads;
    }
    return best;
}

/* The first leaf: the fewest rows, or the one reading least along the chain (cheapest_chain);
 * or the relation of a top-N's order (ORDER BY its indexed
 * path ... LIMIT n), when walking that index reads fewer of its documents than half the
 * fewest rows: its rows then come in the order's order, and SQLite stops at LIMIT. A row the
 * joins drop costs another read: each other relation is taken to keep the share of its
 * documents its tests keep (a row of the walk finds its partner there, as a job its run), so
 * the walk reads n * N / M divided by those shares. HUD's periodic jobs, 2.6 % of runs, keep a
 * walk of all jobs for 10 rows from beating the 355 runs read first. */
#define TOP_N_MARGIN 2
static int first_leaf(access *ac, const access_region *rg, double *est, const sqlx_op *where) {
    int best = 0;
    for (int i = 1; i < rg->n; i++)
        if (est[i] < est[best])
            best = i;
    best = cheapest_chain(ac, rg, est, best, where);
    for (int i = 0; i < rg->n; i++) {
        double walk = access_top_n_walk(ac, rg->leaves[i], est[i]);
        for (int j = 0; walk >= 0 && j < rg->n; j++)
            if (j != i)
                walk /= kept_share(rg->leaves[j], est[j]);
        if (walk >= 0 && walk * TOP_N_MARGIN < est[best])
            return i;
    }
    return best;
}

static sqlx_from *ordered_from(access *ac, const sqlx_from *like, const char *hint) {
    sqlx_from *f = sqlx_alloc(ac->ctx->arena, sizeof *f);
    if (f == NULL)
        return NULL;
    f->kind = F_JOIN;
    f->line = like->line;
    f->column = like->column;
    f->join_type = "JOIN";
    f->join_strategy = hint;
    return f;
}

/* The leaves joined left-deep in their new order, hung in the region's slot. */
static int rebuild(access *ac, const access_region *rg, const int *order) {
    sqlx_op *cur = rg->leaves[order[0]];
    for (int k = 1; k < rg->n; k++) {
        sqlx_op *j = sqlx_alloc(ac->ctx->arena, sizeof *j);
        if (j == NULL ||
            (j->from = ordered_from(ac, rg->joins[0]->from, rg->hint[order[k]])) == NULL)
            return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
        j->kind = SQLX_OP_JOIN;
        j->block = ac->blk;
        j->left = cur;
        j->right = rg->leaves[order[k]];
        j->ordered = 1;
        cur = j;
    }
    *rg->slot = cur;
    return 0;
}

/* Orders: the region's leaves 0..n-1 as placed; the block's other relations (the sides of
 * LEFT JOINs after it) keep their written order after them. While placing, those not placed
 * yet and the others are after every placed one, so no key reads them. */
static int in_region(const access_region *rg, const sqlx_rte *r) {
    for (int i = 0; i < rg->n; i++)
        if (rg->leaves[i]->rte == r)
            return 1;
    return 0;
}

int access_order_joins(access *ac) {
    access_region *rg = ac->region;
    double est[ACCESS_MAX_LEAVES];
    int placed[ACCESS_MAX_LEAVES] = {0}, order[ACCESS_MAX_LEAVES] = {0};
    sqlx_op *where = sqlx_plan_find(ac->blk, SQLX_OP_FILTER, 0);
    for (int r = 0; r < ac->blk->n_rels; r++)
        if (!in_region(rg, ac->blk->rels[r]))
            ac->blk->rels[r]->order = 2 * UNPLACED + r;
    for (int i = 0; i < rg->n; i++) {
        sqlx_access *acc = rg->leaves[i]->kind == SQLX_OP_GET ? rg->leaves[i]->access : NULL;
        if (rg->n > 1 && acc != NULL && !acc->together_counted) {
            access_count_together(acc);
            if (acc->together_counted)
                rg->leaves[i]->estimated = 0; /* a memo taken before the count */
        }
        est[i] = access_estimate(rg->leaves[i]);
        rg->leaves[i]->rte->order = UNPLACED + i;
    }
    settle_estimates(rg, est);
    for (int k = 0; k < rg->n; k++) {
        int cls;
        double per_key;
        order[k] = k == 0 ? first_leaf(ac, rg, est, where)
                          : next_leaf(ac, rg, placed, est, where, &cls, &per_key);
        placed[order[k]] = 1;
        rg->leaves[order[k]]->rte->order = k;
    }
    for (int r = 0; r < ac->blk->n_rels; r++)
        if (!in_region(rg, ac->blk->rels[r]))
            ac->blk->rels[r]->order = rg->n + r;
    return rebuild(ac, rg, order);
}
