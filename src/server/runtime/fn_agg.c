/*
 * fn_agg.c - aggregate functions, every one also a window function (SQLite's xStep, xFinal,
 * xValue, xInverse), so that SUM(x) OVER (ORDER BY t ROWS 6 PRECEDING) works as SUM(x) does.
 *
 * HOW IT WORKS. Each call of an aggregate owns one state (malloc'd, its pointer in SQLite's
 * aggregate context, freed by xFinal). Counting aggregates (COUNT, SUM, AVG, COUNT_IF, BOOL_*,
 * STDDEV/VARIANCE, BITWISE_*) keep running totals that xInverse takes back. The others (MIN,
 * MAX, ARRAY_AGG, ARBITRARY, MAX_BY, MIN_BY, MAP_AGG, APPROX_DISTINCT, percentiles) keep the
 * frame's rows in a queue - SQLite removes rows in the order it added them - and compute from it.
 *
 * Rockset's rules: null and undefined are skipped (ARRAY_AGG keeps nulls, writing undefined as
 * null); SUM of ints is an int (overflow is an error), AVG a float; over no rows COUNT is 0 and
 * the rest are null (ARRAY_AGG too); MIN/MAX use the ORDER BY order of values.
 */
#include "fn_util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WIDTH 40 /* arguments per row kept (ARRAY_AGG with sort keys) */

typedef struct row {
    sqlite3_value *v[MAX_WIDTH];
    int n;
} row;

typedef struct agg_state {
    /* running totals */
    int64_t count;      /* values counted (non-null) */
    __int128 isum;      /* sum of ints */
    double fsum, fsum2; /* sum (and sum of squares) of floats, and of all for variance */
    int64_t n_float;    /* floats among the values */
    int64_t n_true, n_false;
    int64_t bits[64]; /* per-bit count of ones (BITWISE_*) */
    /* the frame's rows, oldest first */
    row *rows;
    size_t head, len, cap;
    int failed;
} agg_state;

static agg_state *state_of(sqlite3_context *ctx, int create) {
    agg_state **slot = sqlite3_aggregate_context(ctx, create ? (int)sizeof *slot : 0);
    if (slot == NULL)
        return NULL;
    if (*slot == NULL && create)
        *slot = calloc(1, sizeof **slot);
    return *slot;
}

static void row_free(row *r) {
    for (int i = 0; i < r->n; i++)
        sqlite3_value_free(r->v[i]);
    r->n = 0;
}

static void state_free(sqlite3_context *ctx) {
    agg_state **slot = sqlite3_aggregate_context(ctx, 0);
    if (slot == NULL || *slot == NULL)
        return;
    agg_state *st = *slot;
    for (size_t i = 0; i < st->len; i++)
        row_free(&st->rows[(st->head + i) % st->cap]);
    free(st->rows);
    free(st);
    *slot = NULL;
}

static int queue_push(agg_state *st, int argc, sqlite3_value **argv) {
    if (st->len == st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 16;
        row *rows = malloc(cap * sizeof *rows);
        if (rows == NULL)
            return -1;
        for (size_t i = 0; i < st->len; i++)
            rows[i] = st->rows[(st->head + i) % st->cap];
        free(st->rows);
        st->rows = rows;
        st->head = 0;
        st->cap = cap;
    }
    row *r = &st->rows[(st->head + st->len) % st->cap];
    r->n = 0;
    for (int i = 0; i < argc && i < MAX_WIDTH; i++) {
        r->v[i] = sqlite3_value_dup(argv[i]);
        if (r->v[i] == NULL) {
            row_free(r);
            return -1;
        }
        r->n++;
    }
    st->len++;
    return 0;
}

static void queue_pop(agg_state *st) {
    if (st->len == 0)
        return;
    row_free(&st->rows[st->head]);
    st->head = (st->head + 1) % st->cap;
    st->len--;
}

static row *queue_at(agg_state *st, size_t i) {
    return &st->rows[(st->head + i) % st->cap];
}

static void step_error(sqlite3_context *ctx, agg_state *st) {
    if (st != NULL)
        st->failed = 1;
    (void)ctx;
}

/* ---------------- running totals ---------------- */

/* sign +1 adds the row, -1 takes it back. 0, or -1 after setting an error. */
static int totals_apply(sqlite3_context *ctx, agg_state *st, const rv *v, int sign) {
    const rt_function *fn = rt_fn_of(ctx);
    char kind = *(const char *)fn->user_data;
    if (rv_is_nullish(v))
        return 0;
    switch (kind) {
    case 'c': /* COUNT */
        break;
    case 'b': /* BOOL_AND, BOOL_OR, COUNT_IF */
        if (v->type != RV_BOOL) {
            rt_type_error(ctx, 0, 1, "a bool", v);
            return -1;
        }
        if (v->i)
            st->n_true += sign;
        else
            st->n_false += sign;
        break;
    case 'w': /* BITWISE_AND_AGG, BITWISE_OR_AGG */
        if (v->type != RV_INT) {
            rt_type_error(ctx, 0, 1, "an int", v);
            return -1;
        }
        for (int b = 0; b < 64; b++)
            if (((uint64_t)v->i >> b) & 1)
                st->bits[b] += sign;
        break;
    default: /* SUM, AVG, variance family */
        if (!rv_is_number(v)) {
            rt_type_error(ctx, 0, 1, "a number", v);
            return -1;
        }
        if (v->type == RV_INT)
            st->isum += sign * (__int128)v->i;
        else
            st->n_float += sign;
        st->fsum += sign * rv_as_double(v);
        st->fsum2 += sign * rv_as_double(v) * rv_as_double(v);
        break;
    }
    st->count += sign;
    return 0;
}

static void totals_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    agg_state *st = state_of(ctx, 1);
    rv v;
    if (st == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (st->failed || argc < 1)
        return;
    rv_from_sqlite(argv[0], &v);
    if (totals_apply(ctx, st, &v, 1) != 0)
        step_error(ctx, st);
}

static void totals_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    agg_state *st = state_of(ctx, 1);
    rv v;
    if (st == NULL || st->failed || argc < 1)
        return;
    rv_from_sqlite(argv[0], &v);
    totals_apply(ctx, st, &v, -1);
}

static void result_sum(sqlite3_context *ctx, const agg_state *st) {
    if (st->n_float > 0) {
        sqlite3_result_double(ctx, st->fsum);
    } else if (st->isum > INT64_MAX || st->isum < INT64_MIN) {
        sqlite3_result_error(ctx, "integer overflow in SUM", -1);
    } else {
        sqlite3_result_int64(ctx, (int64_t)st->isum);
    }
}

static void totals_value(sqlite3_context *ctx) {
    agg_state *st = state_of(ctx, 0);
    const rt_function *fn = rt_fn_of(ctx);
    char kind = *(const char *)fn->user_data;
    const char *name = fn->name;
    if (st != NULL && st->failed)
        return;
    int64_t n = st != NULL ? st->count : 0;
    if (kind == 'c') {
        sqlite3_result_int64(ctx, n);
        return;
    }
    if (strcmp(name, "COUNT_IF") == 0) {
        sqlite3_result_int64(ctx, st != NULL ? st->n_true : 0);
        return;
    }
    if (n == 0) {
        rv_result_null(ctx);
        return;
    }
    if (kind == 'b') {
        rv_result_bool(ctx, strcmp(name, "BOOL_OR") == 0 ? st->n_true > 0 : st->n_false == 0);
    } else if (kind == 'w') {
        uint64_t r = 0;
        int is_and = strcmp(name, "BITWISE_AND_AGG") == 0;
        for (int b = 0; b < 64; b++)
            if (is_and ? st->bits[b] == n : st->bits[b] > 0)
                r |= (uint64_t)1 << b;
        sqlite3_result_int64(ctx, (int64_t)r);
    } else if (strcmp(name, "SUM") == 0) {
        result_sum(ctx, st);
    } else if (strcmp(name, "AVG") == 0) {
        double sum = st->n_float > 0 ? st->fsum : (double)st->isum;
        sqlite3_result_double(ctx, sum / (double)n);
    } else { /* variance family */
        int sample = strstr(name, "POP") == NULL;
        if (sample && n < 2) {
            rv_result_null(ctx);
            return;
        }
        double mean = st->fsum / (double)n;
        double var = (st->fsum2 - (double)n * mean * mean) / (double)(sample ? n - 1 : n);
        if (var < 0)
            var = 0;
        sqlite3_result_double(ctx, strncmp(name, "STDDEV", 6) == 0 ? sqrt(var) : var);
    }
}

static void totals_final(sqlite3_context *ctx) {
    totals_value(ctx);
    state_free(ctx);
}

/* ---------------- queue-based aggregates ---------------- */

static void queue_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    agg_state *st = state_of(ctx, 1);
    if (st == NULL || queue_push(st, argc, argv) != 0)
        sqlite3_result_error_nomem(ctx);
}

static void queue_inverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    agg_state *st = state_of(ctx, 0);
    (void)argc;
    (void)argv;
    if (st != NULL)
        queue_pop(st);
}

static rv arg_of(row *r, int i) {
    rv v = rv_undefined();
    if (i < r->n)
        rv_from_sqlite(r->v[i], &v);
    return v;
}

/* MIN, MAX, ARBITRARY, MAX_BY, MIN_BY: the winning row's value. */
static void pick_value(sqlite3_context *ctx, agg_state *st, const char *name) {
    int is_by = strstr(name, "_BY") != NULL;
    int want_max = strncmp(name, "MAX", 3) == 0;
    int arbitrary = strcmp(name, "ARBITRARY") == 0 || strcmp(name, "ANY_VALUE") == 0;
    row *best = NULL;
    rv best_key = rv_undefined();
    for (size_t i = 0; st != NULL && i < st->len; i++) {
        row *r = queue_at(st, i);
        rv key = arg_of(r, is_by ? 1 : 0), val = arg_of(r, 0);
        if (rv_is_nullish(&key) || (arbitrary && rv_is_nullish(&val)))
            continue;
        if (best == NULL || (!arbitrary && (want_max ? rv_order(&key, &best_key) > 0
                                                     : rv_order(&key, &best_key) < 0))) {
            best = r;
            best_key = key;
            if (arbitrary)
                break;
        }
    }
    if (best == NULL)
        rv_result_null(ctx);
    else
        sqlite3_result_value(ctx, best->v[0]);
}

static void array_agg_value(sqlite3_context *ctx, agg_state *st, row **rows, size_t n) {
    rv_json_builder jb;
    rs_buf b = RS_BUF_INIT;
    (void)st;
    rv_json_begin(&jb, &b, 0);
    for (size_t i = 0; i < n; i++) {
        rv v = arg_of(rows[i], 0);
        rv_json_add(&jb, NULL, 0, &v);
    }
    rv_json_end(&jb);
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

/* ARRAY_AGG with its own ORDER BY / LIMIT / OFFSET:
 * rs_array_agg_sorted(x, n_keys, key1, dir1, ..., limit, offset[, distinct]); dir: 1 DESC,
 * 2 NULLS FIRST, 4 NULLS LAST (bits); limit -1 = all; distinct 1 keeps one row per value. */
typedef struct sort_ctx {
    int n_keys;
} sort_ctx;

static int cmp_keys(row *a, row *b, int n_keys) {
    for (int k = 0; k < n_keys; k++) {
        rv ka = arg_of(a, 2 + 2 * k), kb = arg_of(b, 2 + 2 * k);
        int dir = (int)sqlite3_value_int(a->v[3 + 2 * k]);
        int na = rv_is_nullish(&ka), nb = rv_is_nullish(&kb), c;
        if (na || nb) {
            int nulls_first = (dir & 2) || (!(dir & 4) && !(dir & 1));
            c = na == nb ? 0 : (na ? (nulls_first ? -1 : 1) : (nulls_first ? 1 : -1));
        } else {
            c = rv_order(&ka, &kb);
            if (dir & 1)
                c = -c;
        }
        if (c != 0)
            return c;
    }
    return 0;
}

static void sort_rows(row **rows, size_t n, int n_keys) {
    /* insertion sort keeps equal rows in arrival order (stable) */
    for (size_t i = 1; i < n; i++) {
        row *x = rows[i];
        size_t j = i;
        while (j > 0 && cmp_keys(rows[j - 1], x, n_keys) > 0) {
            rows[j] = rows[j - 1];
            j--;
        }
        rows[j] = x;
    }
}

/* Keep the first row of each value (DISTINCT), in order; returns the rows kept. */
static size_t drop_repeated_values(row **rows, size_t n) {
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        rv v = arg_of(rows[i], 0);
        int seen = 0;
        for (size_t j = 0; j < kept && !seen; j++) {
            rv w = arg_of(rows[j], 0);
            int c;
            seen = (rv_is_nullish(&v) && rv_is_nullish(&w)) || (rv_compare(&v, &w, &c) && c == 0);
        }
        if (!seen)
            rows[kept++] = rows[i];
    }
    return kept;
}

static void array_agg_sorted_value(sqlite3_context *ctx, agg_state *st, row **rows, size_t n) {
    row *first = rows[0];
    int n_keys = (int)sqlite3_value_int(first->v[1]);
    int64_t limit = sqlite3_value_int64(first->v[2 + 2 * n_keys]);
    int64_t offset = sqlite3_value_int64(first->v[3 + 2 * n_keys]);
    int distinct = 4 + 2 * n_keys < first->n && sqlite3_value_int(first->v[4 + 2 * n_keys]);
    sort_rows(rows, n, n_keys);
    if (distinct)
        n = drop_repeated_values(rows, n);
    if (offset < 0)
        offset = 0;
    size_t from = (size_t)offset < n ? (size_t)offset : n;
    size_t count = n - from;
    if (limit >= 0 && (size_t)limit < count)
        count = (size_t)limit;
    array_agg_value(ctx, st, rows + from, count);
}

static void map_agg_value(sqlite3_context *ctx, row **rows, size_t n) {
    rv_json_builder jb;
    rs_buf b = RS_BUF_INIT;
    rv_json_begin(&jb, &b, 1);
    for (size_t i = 0; i < n; i++) {
        rv k = arg_of(rows[i], 0), v = arg_of(rows[i], 1);
        if (rv_is_nullish(&k))
            continue;
        if (k.type != RV_STRING) {
            rs_buf_free(&b);
            rt_error(ctx, "key must be a string, got %s", rv_type_name(k.type));
            return;
        }
        rv_json_add(&jb, k.s, k.len, &v);
    }
    rv_json_end(&jb);
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

static int cmp_first(const void *a, const void *b) {
    row *ra = *(row *const *)a, *rb = *(row *const *)b;
    rv va = arg_of(ra, 0), vb = arg_of(rb, 0);
    return rv_order(&va, &vb);
}

/* the non-null rows, sorted by value */
static size_t sorted_values(row **rows, size_t n) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        rv v = arg_of(rows[i], 0);
        if (!rv_is_nullish(&v))
            rows[m++] = rows[i];
    }
    qsort(rows, m, sizeof *rows, cmp_first);
    return m;
}

static void distinct_value(sqlite3_context *ctx, row **rows, size_t n) {
    size_t m = sorted_values(rows, n), distinct = 0;
    for (size_t i = 0; i < m; i++) {
        rv a = arg_of(rows[i], 0), b;
        int c;
        if (i > 0) {
            b = arg_of(rows[i - 1], 0);
            if (rv_compare(&a, &b, &c) && c == 0)
                continue;
        }
        distinct++;
    }
    sqlite3_result_int64(ctx, (int64_t)distinct);
}

static void percentile_value(sqlite3_context *ctx, row **rows, size_t n) {
    if (n == 0) {
        rv_result_null(ctx);
        return;
    }
    rv p = arg_of(rows[0], 1);
    if (!rv_is_number(&p) || rv_as_double(&p) < 0 || rv_as_double(&p) > 1) {
        rt_error(ctx, "the percentile must be a number between 0 and 1");
        return;
    }
    size_t m = sorted_values(rows, n);
    if (m == 0) {
        rv_result_null(ctx);
        return;
    }
    double rank = ceil(rv_as_double(&p) * (double)m);
    size_t k = rank < 1 ? 0 : (size_t)rank - 1;
    sqlite3_result_value(ctx, rows[k < m ? k : m - 1]->v[0]);
}

static void queue_value(sqlite3_context *ctx) {
    agg_state *st = state_of(ctx, 0);
    const char *name = rt_fn_of(ctx)->name;
    const char *sql = rt_fn_of(ctx)->sql_name;
    size_t n = st != NULL ? st->len : 0;
    if (name == NULL && sql != NULL && strcmp(sql, "rs_array_agg_sorted") == 0)
        name = "ARRAY_AGG_SORTED";
    if (n == 0 && strcmp(name, "APPROX_DISTINCT") != 0 &&
        strcmp(name, "APPROX_COUNT_DISTINCT") != 0) {
        rv_result_null(ctx);
        return;
    }
    row **rows = malloc((n + 1) * sizeof *rows);
    if (rows == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (size_t i = 0; i < n; i++)
        rows[i] = queue_at(st, i);
    if (strcmp(name, "ARRAY_AGG") == 0)
        array_agg_value(ctx, st, rows, n);
    else if (strcmp(name, "ARRAY_AGG_SORTED") == 0)
        array_agg_sorted_value(ctx, st, rows, n);
    else if (strcmp(name, "MAP_AGG") == 0)
        map_agg_value(ctx, rows, n);
    else if (strncmp(name, "APPROX_", 7) == 0 && strstr(name, "DISTINCT") != NULL)
        distinct_value(ctx, rows, n);
    else if (strstr(name, "PERCENTILE") != NULL)
        percentile_value(ctx, rows, n);
    else
        pick_value(ctx, st, name);
    free(rows);
}

static void queue_final(sqlite3_context *ctx) {
    queue_value(ctx);
    state_free(ctx);
}

static const char K_COUNT = 'c', K_NUM = 'n', K_BOOL = 'b', K_BITS = 'w', K_QUEUE = 'q';

#define TOT(name, min, max, kind, sig)                                                 \
    {                                                                                  \
        name, RT_AGGREGATE, min, max, NULL, 0, &kind, NULL, totals_step, totals_final, \
            totals_value, totals_inverse, "aggregate", sig                             \
    }
#define QUE(name, min, max, sig)                                                        \
    {                                                                                   \
        name, RT_AGGREGATE, min, max, NULL, 0, &K_QUEUE, NULL, queue_step, queue_final, \
            queue_value, queue_inverse, "aggregate", sig                                \
    }

/* clang-format off */
/* Window-only functions are SQLite's own: values pass through them unchanged. */
#define WIN(name, min, max, sql_name, sig)                                                         \
    {name, RT_WINDOW, min, max, sql_name, RT_BUILTIN, NULL, NULL, NULL, NULL, NULL, NULL, "window", sig}

const rt_function rt_fn_agg[] = {
    TOT("COUNT", 1, 1, K_COUNT, "COUNT(*) | COUNT([DISTINCT] value) -> int (null and undefined skipped)"),
    TOT("SUM", 1, 1, K_NUM, "SUM(number) -> int or float (int overflow is an error)"),
    TOT("AVG", 1, 1, K_NUM, "AVG(number) -> float"),
    QUE("MIN", 1, 1, "MIN(value) -> the smallest, in ORDER BY order"),
    QUE("MAX", 1, 1, "MAX(value) -> the largest, in ORDER BY order"),
    QUE("ARRAY_AGG", 1, 1, "ARRAY_AGG(value [ORDER BY ...] [LIMIT n] [OFFSET m]) -> array (nulls kept)"),
    TOT("COUNT_IF", 1, 1, K_BOOL, "COUNT_IF(condition) -> int"),
    TOT("BOOL_AND", 1, 1, K_BOOL, "BOOL_AND(bool) -> bool"),
    TOT("EVERY", 1, 1, K_BOOL, "EVERY(bool) -> bool (BOOL_AND)"),
    TOT("BOOL_OR", 1, 1, K_BOOL, "BOOL_OR(bool) -> bool"),
    QUE("ARBITRARY", 1, 1, "ARBITRARY(value) -> some non-null value of the group"),
    QUE("ANY_VALUE", 1, 1, "ANY_VALUE(value) -> as ARBITRARY"),
    QUE("MAX_BY", 2, 2, "MAX_BY(value, key) -> value at the largest key"),
    QUE("MIN_BY", 2, 2, "MIN_BY(value, key) -> value at the smallest key"),
    QUE("MAP_AGG", 2, 2, "MAP_AGG(key, value) -> object"),
    QUE("APPROX_DISTINCT", 1, 2, "APPROX_DISTINCT(value) -> int (exact here)"),
    QUE("APPROX_COUNT_DISTINCT", 1, 1, "APPROX_COUNT_DISTINCT(value) -> int (exact here)"),
    QUE("APPROX_PERCENTILE", 2, 3, "APPROX_PERCENTILE(value, p) -> value at the nearest rank (exact here)"),
    QUE("PERCENTILE", 2, 2, "PERCENTILE(value, p) -> value at the nearest rank"),
    TOT("STDDEV", 1, 1, K_NUM, "STDDEV(number) -> float (sample)"),
    TOT("STDDEV_SAMP", 1, 1, K_NUM, "STDDEV_SAMP(number) -> float"),
    TOT("STDDEV_POP", 1, 1, K_NUM, "STDDEV_POP(number) -> float"),
    TOT("VARIANCE", 1, 1, K_NUM, "VARIANCE(number) -> float (sample)"),
    TOT("VAR_SAMP", 1, 1, K_NUM, "VAR_SAMP(number) -> float"),
    TOT("VAR_POP", 1, 1, K_NUM, "VAR_POP(number) -> float"),
    TOT("BITWISE_AND_AGG", 1, 1, K_BITS, "BITWISE_AND_AGG(int) -> int"),
    TOT("BITWISE_OR_AGG", 1, 1, K_BITS, "BITWISE_OR_AGG(int) -> int"),
    WIN("ROW_NUMBER", 0, 0, "row_number", "ROW_NUMBER() OVER (...) -> int"),
    WIN("RANK", 0, 0, "rank", "RANK() OVER (... ORDER BY ...) -> int (gaps after ties)"),
    WIN("DENSE_RANK", 0, 0, "dense_rank", "DENSE_RANK() OVER (... ORDER BY ...) -> int"),
    WIN("PERCENT_RANK", 0, 0, "percent_rank", "PERCENT_RANK() OVER (...) -> float, (rank - 1) / (rows - 1)"),
    WIN("CUME_DIST", 0, 0, "cume_dist", "CUME_DIST() OVER (...) -> float"),
    WIN("NTILE", 1, 1, "ntile", "NTILE(n) OVER (...) -> int, the bucket 1..n"),
    WIN("LAG", 1, 3, "lag", "LAG(value[, offset[, default]]) OVER (...) -> value of an earlier row (default null)"),
    WIN("LEAD", 1, 3, "lead", "LEAD(value[, offset[, default]]) OVER (...) -> value of a later row (default null)"),
    WIN("FIRST_VALUE", 1, 1, "first_value", "FIRST_VALUE(value) OVER (...) -> value of the frame's first row"),
    WIN("LAST_VALUE", 1, 1, "last_value", "LAST_VALUE(value) OVER (...) -> value of the frame's last row"),
    WIN("NTH_VALUE", 2, 2, "nth_value", "NTH_VALUE(value, n) OVER (...) -> value of the frame's n-th row"),
    {NULL, RT_AGGREGATE, 1, -1, "rs_array_agg_sorted", 0, &K_QUEUE, NULL, queue_step, queue_final,
     queue_value, queue_inverse, NULL, NULL},
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
