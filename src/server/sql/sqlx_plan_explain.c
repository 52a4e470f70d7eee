/*
 * sqlx_plan_explain.c - the plan as EXPLAIN shows it (sqlx_plan.h): one line per operator,
 * indented two spaces per level, with what the rules and the access paths decided: conjuncts
 * moved into a derived relation, each collection's key tests (the chosen one, the ones a
 * count dropped, estimates), the top-N's index, each join's strategy and keys.
 *
 *   Project
 *     Filter: 3 conjuncts
 *       Join JOIN: index lookup on run_id
 *         Get ws.workflow_run AS r0: field index on head_branch (key range), 812 documents
 *         Get ws.workflow_job AS r1
 */
#include "sqlx_plan.h"

#include <string.h>

typedef struct explainer {
    rs_buf *out;
    int depth;
} explainer;

static void indent(explainer *x) {
    for (int i = 0; i < x->depth; i++)
        rs_buf_puts(x->out, "  ");
}

/* rs_get arguments ('a','b', 0) as the path a user wrote: a.b[1]. */
static void put_path(rs_buf *out, const char *args) {
    int first = 1;
    for (const char *p = args; p != NULL && *p;) {
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\'') {
            rs_buf_puts(out, first ? "" : ".");
            for (p++; *p && !(*p == '\'' && p[1] != '\''); p++) {
                if (*p == '\'')
                    p++;
                rs_buf_putc(out, *p);
            }
            p += *p != '\0';
        } else {
            const char *end = strchr(p, ',');
            size_t len = end ? (size_t)(end - p) : strlen(p);
            if (len == 4 && strncmp(p, "NULL", 4) == 0) /* every element: a member path */
                rs_buf_puts(out, "[*]");
            else
                rs_buf_printf(out, "[%.*s]", (int)len, p);
            p += len;
            continue;
        }
        first = 0;
    }
}

static const char *test_kind(const sqlx_keytest *t) {
    switch (t->kind) {
    case SQLX_KEY_IN:
        return "key IN list";
    case SQLX_KEY_ID:
        return t->n_keys > 1 ? "_id IN list" : "_id =";
    case SQLX_KEY_PROBE:
        return t->sub != NULL ? "key IN subquery"
               : t->probe_op != NULL && t->probe_op[0] == '='
                   ? "key = a value the statement computes"
                   : "key range by a value the statement computes";
    case SQLX_KEY_GUARD:
        return "key ranges by type";
    case SQLX_KEY_ELEMS:
        return t->n_keys ? "element key IN list" : "element key range";
    case SQLX_KEY_OR:
        return "OR";
    case SQLX_KEY_TRIGRAM:
        return "LIKE by trigrams";
    default:
        return t->eq || (t->lo != NULL && t->hi != NULL && t->lo_incl && t->hi_incl &&
                         strncmp(t->lo, "rs_klo(", 7) == 0 && strncmp(t->hi, "rs_khi(", 7) == 0 &&
                         strcmp(t->lo + 6, t->hi + 6) == 0)
                   ? "key ="
                   : "key range";
    }
}

static void put_test(rs_buf *out, const sqlx_keytest *t);

static void put_index(rs_buf *out, const sqlx_keytest *t) {
    if (t->kind == SQLX_KEY_OR) {
        rs_buf_puts(out, "OR of (");
        for (int a = 0; a < t->n_arms; a++) {
            rs_buf_puts(out, a ? "; " : "");
            for (int i = 0; t->arms[a][i] != NULL; i++) {
                rs_buf_puts(out, i ? " and " : "");
                put_test(out, t->arms[a][i]);
            }
        }
        rs_buf_putc(out, ')');
        return;
    }
    if (t->kind == SQLX_KEY_ID) {
        rs_buf_printf(out, "primary key (%s)", test_kind(t));
        return;
    }
    if (t->kind == SQLX_KEY_PROBE && t->on_id) {
        rs_buf_printf(out, "primary key (%s)",
                      t->sub != NULL ? "_id IN subquery" : "_id = a value the statement computes");
        return;
    }
    if (t->kind == SQLX_KEY_NONE) {
        rs_buf_puts(out, "no document has ");
        put_path(out, t->args);
        rs_buf_puts(out, " (nothing read)");
        return;
    }
    if (t->kind == SQLX_KEY_TRIGRAM) {
        rs_buf_puts(out, "trigram index on ");
        put_path(out, t->args);
        rs_buf_printf(out, " (%s)", test_kind(t));
        return;
    }
    if (t->expr != NULL) { /* the query's own expression, of this path alone */
        rs_buf_puts(out, "expression index on an expression of ");
        put_path(out, t->args);
        rs_buf_printf(out, " (%s)", test_kind(t));
        return;
    }
    rs_buf_puts(out, t->kind == SQLX_KEY_ELEMS ? "element index on "
                     : t->fn                   ? "function index on "
                                               : "field index on ");
    if (t->fn != NULL)
        rs_buf_puts(out, strcmp(t->fn, SQLX_DT_ISO_KEY_FN) == 0 ? "PARSE_DATETIME_ISO8601("
                                                                : "PARSE_TIMESTAMP_ISO8601(");
    put_path(out, t->args);
    if (t->fn != NULL)
        rs_buf_putc(out, ')');
    rs_buf_printf(out, " (%s)", test_kind(t));
}

static void put_test(rs_buf *out, const sqlx_keytest *t) {
    put_index(out, t);
    if (t->est >= 0)
        rs_buf_printf(out, ", %s%lld documents", t->count >= 0 ? "" : "at least ",
                      (long long)t->est);
}

/* A join key's right side: its path, CAST(path AS string), or an expression of its path. */
static void put_key(rs_buf *out, const sqlx_join_key *key) {
    if (key->expr != NULL) { /* the query's own expression, of this path alone */
        rs_buf_puts(out, "an expression of ");
        put_path(out, key->args);
        return;
    }
    if (key->fn != NULL)
        rs_buf_puts(out, "CAST(");
    put_path(out, key->args);
    if (key->fn != NULL)
        rs_buf_puts(out, " AS string)");
}

/* The index a lookup key reads, as EXPLAIN tells it. */
static const char *key_index(const sqlx_join_key *key, int tell_exact) {
    if (key->indexed == 2)
        return " (primary key)";
    if (key->inner != NULL) /* a derived relation's: its collection's index */
        return key->inner_fn != NULL ? " (its collection's expression index)"
                                     : " (its collection's field index)";
    return key->expr != NULL          ? " (expression index)"
           : key->fn != NULL          ? " (function index)"
           : key->exact && tell_exact ? " (field index, exact keys)"
                                      : " (field index)";
}

/* The right side of an index-lookup join: the keys its rows are looked up by. */
static int put_lookup(rs_buf *out, const sqlx_op *join) {
    const sqlx_join *j = join != NULL ? join->join : NULL;
    if (j == NULL || j->n_keys == 0 || j->strategy != SQLX_JOIN_LOOKUP)
        return 0;
    rs_buf_puts(out, ": looked up by ");
    for (int k = 0, n = 0; k < j->n_keys; k++) {
        if (!j->keys[k].indexed)
            continue;
        rs_buf_puts(out, n++ ? ", " : "");
        put_key(out, &j->keys[k]);
        rs_buf_puts(out, key_index(&j->keys[k], 0));
    }
    return 1;
}

/* Whether a test is one a composite index of a serves (one of its columns' ranges or keys). */
static int composite_serves(const sqlx_access *a, const sqlx_keytest *t) {
    for (int i = 0; a->composite != NULL && t->fn == NULL && t->args != NULL && i < a->n_composite;
         i++)
        if (strcmp(a->composite_paths[i], t->args) == 0 &&
            (t->kind == SQLX_KEY_RANGE || t->kind == SQLX_KEY_IN))
            return 1;
    return 0;
}

/* composite index on (a, b): a (key =), b (key range) */
static void put_composite(rs_buf *out, const sqlx_access *a, int used) {
    int n = 0;
    rs_buf_puts(out, used ? "; composite index on (" : ": composite index on (");
    for (int i = 0; i < a->n_composite; i++) {
        rs_buf_puts(out, i ? ", " : "");
        put_path(out, a->composite_paths[i]);
    }
    rs_buf_puts(out, ")");
    for (int i = 0; i < a->n_tests; i++) {
        const sqlx_keytest *t = a->tests[i];
        if (t->dropped || !composite_serves(a, t))
            continue;
        rs_buf_puts(out, n++ ? ", " : ": ");
        put_path(out, t->args);
        rs_buf_printf(out, " (%s)", test_kind(t));
    }
}

static void put_access(rs_buf *out, const sqlx_op *op, const sqlx_op *join) {
    const sqlx_access *a = op->access;
    int used = put_lookup(out, join), dropped = 0;
    if (a != NULL && a->composite != NULL)
        put_composite(out, a, used++);
    for (int i = 0; a != NULL && i < a->n_tests; i++)
        dropped += a->tests[i]->dropped;
    if (a != NULL && a->top_n) {
        rs_buf_puts(out, ": index order of ");
        put_path(out, a->top_args);
        rs_buf_puts(out, " (top-N)");
        used++;
    }
    for (int i = 0; a != NULL && i < a->n_tests; i++) {
        if (a->tests[i]->dropped || composite_serves(a, a->tests[i]))
            continue;
        rs_buf_puts(out, used++ ? "; " : ": ");
        put_test(out, a->tests[i]);
    }
    if (used == 0)
        rs_buf_puts(out, ": every document");
    if (dropped > 0) {
        rs_buf_puts(out, "; not read by (another reads less): ");
        for (int i = 0, k = 0; i < a->n_tests; i++) {
            if (!a->tests[i]->dropped)
                continue;
            rs_buf_puts(out, k++ ? ", " : "");
            put_test(out, a->tests[i]);
        }
    }
    if (a != NULL && a->together_counted)
        rs_buf_printf(out, "; %lld documents pass its tests together", (long long)a->together);
    else if (a != NULL && a->combined > 0)
        rs_buf_printf(out, "; about %.0f documents pass its tests together (their counts combined)",
                      a->combined);
    if (a != NULL && a->docs >= 0)
        rs_buf_printf(out, " [%lld in the collection]", (long long)a->docs);
}

static void put_join(rs_buf *out, const sqlx_op *op) {
    const sqlx_join *j = op->join;
    rs_buf_printf(out, "Join %s", op->from->join_type);
    if (j == NULL || j->n_keys == 0) {
        rs_buf_puts(out, op->conj.n ? ": nested loop" : "");
        return;
    }
    rs_buf_printf(out, ": %s",
                  j->strategy == SQLX_JOIN_LOOKUP ? "index lookup"
                  : j->strategy == SQLX_JOIN_HASH ? "hash join"
                                                  : "nested loop");
    rs_buf_puts(out, " on ");
    for (int k = 0; k < j->n_keys; k++) {
        rs_buf_puts(out, k ? ", " : "");
        put_key(out, &j->keys[k]);
        /* exact keys: the value found is not read again (sqlx_join_key.exact) */
        if (j->strategy == SQLX_JOIN_LOOKUP)
            rs_buf_puts(out, j->keys[k].indexed == 0 ? "" : key_index(&j->keys[k], 1));
    }
    if (j->why != NULL && strncmp(j->why, "HINT", 4) == 0)
        rs_buf_printf(out, " (%s)", j->why);
    if (j->strategy == SQLX_JOIN_HASH && j->left_rows > 0)
        rs_buf_printf(out, ", SQLite told of %.0f rows on the left", j->left_rows);
    if (j->strategy == SQLX_JOIN_HASH && j->right_rows > 0)
        rs_buf_printf(out, ", SQLite told of %.0f rows on the right", j->right_rows);
}

static void put_leaf(rs_buf *out, const sqlx_op *op, const sqlx_op *join) {
    const sqlx_rte *r = op->rte;
    switch (op->kind) {
    case SQLX_OP_GET:
        rs_buf_printf(out, "Get %s AS r%d", r->canonical, r->id);
        put_access(out, op, join);
        return;
    case SQLX_OP_UNNEST:
        rs_buf_printf(out, "Unnest AS r%d%s", r->id, op->filtered ? " (its rows filtered)" : "");
        return;
    case SQLX_OP_EMPTY:
        rs_buf_printf(out, "Empty AS r%d", r->id);
        return;
    default:
        if (r->kind == SQLX_RTE_CTE)
            rs_buf_printf(out, "Derived AS r%d: WITH query %s", r->id, r->cte->name);
        else if (r->kind == SQLX_RTE_VIEW)
            rs_buf_printf(out, "Derived AS r%d: view %s", r->id, r->view_name);
        else
            rs_buf_printf(out, "Derived AS r%d: subquery", r->id);
        if (join != NULL && join->join != NULL && join->join->through)
            put_lookup(out, join); /* inline: its collection looked up (sqlx_join.through) */
    }
}

static void put_filter(rs_buf *out, const sqlx_op *op) {
    int kept = 0, pushed = 0, moved = 0, decided = 0;
    for (int i = 0; i < op->conj.n; i++) {
        kept += !op->conj.items[i].gone;
        decided += op->conj.items[i].decided;
        moved += op->conj.items[i].gone && !op->conj.items[i].decided;
        pushed += op->conj.items[i].pushed && !op->conj.items[i].gone;
    }
    rs_buf_printf(out, "%s: %d conjunct%s", op->having ? "Having" : "Filter", kept,
                  kept == 1 ? "" : "s");
    if (pushed)
        rs_buf_printf(out, ", %d pushed down from the query above", pushed);
    if (moved)
        rs_buf_printf(out, ", %d moved into a derived relation", moved);
    if (decided)
        rs_buf_printf(out, ", %d true of every row by the parameters", decided);
}

static void explain_op(explainer *x, const sqlx_op *op, const sqlx_op *join);

static void line_end(explainer *x) {
    rs_buf_putc(x->out, '\n');
}

static void explain_children(explainer *x, const sqlx_op *op) {
    x->depth++;
    if (op->kind == SQLX_OP_JOIN || op->kind == SQLX_OP_SETOP) {
        if (op->left != NULL)
            explain_op(x, op->left, NULL);
        if (op->right != NULL)
            explain_op(x, op->right, op->kind == SQLX_OP_JOIN ? op : NULL);
    } else if (op->kind == SQLX_OP_DERIVED && op->rte->cte == NULL && op->query != NULL) {
        explain_op(x, op->query, NULL);
    } else if (op->input != NULL) {
        explain_op(x, op->input, NULL);
    }
    x->depth--;
}

/* join: the join whose right side op is (its lookups are op's reads). */
static void explain_op(explainer *x, const sqlx_op *op, const sqlx_op *join) {
    indent(x);
    switch (op->kind) {
    case SQLX_OP_JOIN:
        put_join(x->out, op);
        break;
    case SQLX_OP_FILTER:
        put_filter(x->out, op);
        break;
    case SQLX_OP_AGGREGATE:
        rs_buf_puts(x->out, op->distinct_keys ? "Aggregate: DISTINCT as grouping" : "Aggregate");
        break;
    case SQLX_OP_PROJECT:
        rs_buf_puts(x->out, "Project");
        break;
    case SQLX_OP_SORT:
        rs_buf_puts(x->out, "Sort");
        break;
    case SQLX_OP_LIMIT:
        rs_buf_puts(x->out, "Limit");
        break;
    case SQLX_OP_SETOP:
        rs_buf_printf(x->out, "%s", strcmp(op->op, "WRAP") == 0 ? "Query" : op->op);
        break;
    case SQLX_OP_GROUPING_SETS:
        rs_buf_puts(x->out, "Grouping sets: one aggregate per set, united");
        break;
    default:
        put_leaf(x->out, op, join);
    }
    line_end(x);
    explain_children(x, op);
}

/* WITH queries first, each with its plan, then the query. */
static void explain_block(explainer *x, const sqlx_block *blk) {
    for (int i = 0; i < blk->n_ctes; i++) {
        indent(x);
        rs_buf_printf(x->out, "With %s (cte%d, %d reference%s)\n", blk->ctes[i]->name,
                      blk->ctes[i]->id, blk->ctes[i]->n_refs, blk->ctes[i]->n_refs == 1 ? "" : "s");
        x->depth++;
        if (blk->ctes[i]->plan != NULL)
            explain_op(x, blk->ctes[i]->plan, NULL);
        x->depth--;
    }
    if (blk->plan != NULL)
        explain_op(x, blk->plan, NULL);
}

int sqlx_plan_explain(sqlx_ctx *ctx, const sqlx_block *top, rs_buf *out) {
    explainer x = {out, 0};
    explain_block(&x, top);
    return out->oom || ctx->arena->oom ? RS_ENOMEM : 0;
}
