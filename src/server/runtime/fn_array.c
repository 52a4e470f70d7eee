/*
 * fn_array.c - array functions (Presto's semantics where Rockset's page is lost;
 * docs/sql-subset.md lists the decisions). Arrays are 1-based. Element equality is '=' except
 * that null equals null (1 matches 1.0). Arrays built here write an undefined element as null.
 */
#include "elemset.h"
#include "fn_util.h"
#include "jsonscan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- element lists ---------------- */

typedef struct span {
    const char *p;
    size_t len;
} span;

typedef struct elems {
    span *items;
    size_t n, cap;
} elems;

static void elems_free(elems *e) {
    free(e->items);
    e->items = NULL;
    e->n = e->cap = 0;
}

static int elems_push(elems *e, const char *p, size_t len) {
    if (e->n == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        span *items = realloc(e->items, cap * sizeof *items);
        if (items == NULL)
            return -1;
        e->items = items;
        e->cap = cap;
    }
    e->items[e->n].p = p;
    e->items[e->n++].len = len;
    return 0;
}

/* The element spans of an array value (borrowing its text). 0, or -1 on out of memory. */
static int elems_of(const rv *arr, elems *e) {
    rs_jsonscan_span text = {arr->s, arr->len}, elem;
    rs_jsonscan_iter it;
    if (rs_jsonscan_classify(text) != RS_JSON_ARRAY || rs_jsonscan_iter_init(&it, text) != RS_OK)
        return 0;
    while (rs_jsonscan_iter_next(&it, NULL, &elem) == 1)
        if (elems_push(e, elem.ptr, elem.len) != 0)
            return -1;
    return 0;
}

/* Element i as a value, decoding into scratch. */
static rv elem_value(const span *s, rs_buf *scratch) {
    rv v;
    rt_elem_decode(s->p, s->len, &v, scratch);
    return v;
}

static int span_equals(const span *s, const rv *needle) {
    rs_buf scratch = RS_BUF_INIT;
    rv v = elem_value(s, &scratch);
    int eq = rt_elem_equal(&v, needle);
    rs_buf_free(&scratch);
    return eq;
}

/* Result: the spans as a JSON array. */
static void result_spans(sqlite3_context *ctx, const span *items, size_t n) {
    rs_buf b = RS_BUF_INIT;
    rs_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            rs_buf_putc(&b, ',');
        rs_buf_append(&b, items[i].p, items[i].len);
    }
    rs_buf_putc(&b, ']');
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

/* Arguments that must all be arrays (no null rule applied yet). 0 when a result was set. */
static int array_args(sqlite3_context *ctx, int argc, sqlite3_value **argv, rv *v, int n_arrays) {
    if (!rt_args(ctx, argc, argv, v, 1))
        return 0;
    for (int i = 0; i < n_arrays; i++)
        if (!rt_want_array(ctx, v, i, argc))
            return 0;
    return 1;
}

/* ---------------- construction ---------------- */

static void fn_array_create(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_json_builder jb;
    rs_buf b = RS_BUF_INIT;
    rv_json_begin(&jb, &b, 0);
    for (int i = 0; i < argc; i++) {
        rv v;
        rv_from_sqlite(argv[i], &v);
        rv_json_add(&jb, NULL, 0, &v);
    }
    rv_json_end(&jb);
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

/* ---------------- positions, membership ---------------- */

static void position_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, int last) {
    rv v[2];
    elems e = {NULL, 0, 0};
    (void)argc;
    rv_from_sqlite(argv[0], &v[0]);
    rv_from_sqlite(argv[1], &v[1]);
    if (rv_is_nullish(&v[0])) {
        rv_result_null(ctx);
        return;
    }
    if (!rt_want_array(ctx, v, 0, 2))
        return;
    if (elems_of(&v[0], &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int64_t found = 0;
    for (size_t i = 0; i < e.n; i++) {
        if (span_equals(&e.items[i], &v[1])) {
            found = (int64_t)i + 1;
            if (!last)
                break;
        }
    }
    elems_free(&e);
    sqlite3_result_int64(ctx, found);
}

static void fn_array_position(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    position_common(ctx, argc, argv, 0);
}

static void fn_array_last_position(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    position_common(ctx, argc, argv, 1);
}

static void fn_array_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    elems e = {NULL, 0, 0};
    (void)argc;
    rv_from_sqlite(argv[0], &v[0]);
    rv_from_sqlite(argv[1], &v[1]);
    if (rv_is_nullish(&v[0])) {
        rv_result_null(ctx);
        return;
    }
    if (!rt_want_array(ctx, v, 0, 2))
        return;
    if (elems_of(&v[0], &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int found = 0;
    for (size_t i = 0; i < e.n && !found; i++)
        found = span_equals(&e.items[i], &v[1]);
    elems_free(&e);
    rv_result_bool(ctx, found);
}

static void fn_array_remove(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    elems e = {NULL, 0, 0}, keep = {NULL, 0, 0};
    (void)argc;
    rv_from_sqlite(argv[0], &v[0]);
    rv_from_sqlite(argv[1], &v[1]);
    if (rv_is_nullish(&v[0])) {
        rv_result_null(ctx);
        return;
    }
    if (!rt_want_array(ctx, v, 0, 2))
        return;
    int rc = elems_of(&v[0], &e);
    for (size_t i = 0; rc == 0 && i < e.n; i++)
        if (!span_equals(&e.items[i], &v[1]))
            rc = elems_push(&keep, e.items[i].p, e.items[i].len);
    if (rc != 0)
        sqlite3_result_error_nomem(ctx);
    else
        result_spans(ctx, keep.items, keep.n);
    elems_free(&e);
    elems_free(&keep);
}

/* ---------------- SLICE, ELEMENT_AT ---------------- */

static void fn_slice(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    elems e = {NULL, 0, 0};
    if (!array_args(ctx, argc, argv, v, 1) || !rt_want_int(ctx, v, 1, argc) ||
        (argc > 2 && !rt_want_int(ctx, v, 2, argc)))
        return;
    if (v[1].i == 0) {
        rt_error(ctx, "start must not be 0");
        return;
    }
    if (argc > 2 && v[2].i < 0) {
        rt_error(ctx, "length must not be negative, got %lld", (long long)v[2].i);
        return;
    }
    if (elems_of(&v[0], &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int64_t n = (int64_t)e.n, start = v[1].i > 0 ? v[1].i - 1 : n + v[1].i;
    int64_t count = argc > 2 ? v[2].i : n;
    if (start < 0 || start >= n)
        count = 0;
    if (count > n - start)
        count = n - start;
    result_spans(ctx, count > 0 ? e.items + start : NULL, count > 0 ? (size_t)count : 0);
    elems_free(&e);
}

/* ELEMENT_AT(array, i) or ELEMENT_AT(object, key): out of range or absent -> null. */
static void fn_element_at(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    if (v[0].type == RV_OBJECT) {
        if (v[1].type != RV_STRING) {
            rt_error(ctx, "an object key must be a string, got %s", rv_type_name(v[1].type));
            return;
        }
        rs_jsonscan_span object = {v[0].s, v[0].len}, m;
        rv out;
        if (rs_jsonscan_get_last(object, v[1].s, v[1].len, &m) &&
            rv_from_json(m.ptr, m.len, &out, &scratch, &err) == 0)
            rv_result(ctx, &out);
        else
            rv_result_null(ctx);
        rs_buf_free(&scratch);
        return;
    }
    if (v[0].type != RV_ARRAY) {
        rt_type_error(ctx, 0, argc, "an array or object", &v[0]);
        return;
    }
    if (v[1].type != RV_INT) {
        rt_error(ctx, "an array index must be an int, got %s", rv_type_name(v[1].type));
        return;
    }
    elems e = {NULL, 0, 0};
    if (elems_of(&v[0], &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    int64_t n = (int64_t)e.n, i = v[1].i > 0 ? v[1].i - 1 : n + v[1].i;
    if (v[1].i == 0 || i < 0 || i >= n) {
        rv_result_null(ctx);
    } else {
        rv out = elem_value(&e.items[i], &scratch);
        rv_result(ctx, &out);
    }
    rs_buf_free(&scratch);
    elems_free(&e);
}

/* ---------------- DISTINCT, FLATTEN, CONCAT, set operations ---------------- */

/* Every element of arr as a set (decoded once). 0, or -1 out of memory. */
static int set_of(const elems *arr, rt_elemset *set) {
    rs_buf scratch = RS_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < arr->n; i++) {
        scratch.len = 0; /* the set keeps its own copy of each element's bytes */
        rv v = elem_value(&arr->items[i], &scratch);
        rc = rt_elemset_add(set, &v);
    }
    rs_buf_free(&scratch);
    return rc;
}

/* Append the elements of arr not yet in out (first appearance kept); seen holds out's. */
static int add_distinct(elems *out, rt_elemset *seen, const elems *arr, rt_elemset *only_if_in,
                        rt_elemset *unless_in) {
    rs_buf scratch = RS_BUF_INIT;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < arr->n; i++) {
        const span *s = &arr->items[i];
        scratch.len = 0; /* seen keeps its own copy of each element's bytes */
        rv v = elem_value(s, &scratch);
        if ((only_if_in != NULL && !rt_elemset_has(only_if_in, &v)) ||
            (unless_in != NULL && rt_elemset_has(unless_in, &v)) || rt_elemset_has(seen, &v))
            continue;
        rc = rt_elemset_add(seen, &v) != 0 || elems_push(out, s->p, s->len) != 0 ? -1 : 0;
    }
    rs_buf_free(&scratch);
    return rc;
}

static void fn_array_distinct(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    elems e = {NULL, 0, 0}, out = {NULL, 0, 0};
    rt_elemset seen;
    if (!array_args(ctx, argc, argv, &v, 1))
        return;
    rt_elemset_init(&seen);
    if (elems_of(&v, &e) != 0 || add_distinct(&out, &seen, &e, NULL, NULL) != 0)
        sqlite3_result_error_nomem(ctx);
    else
        result_spans(ctx, out.items, out.n);
    rt_elemset_free(&seen);
    elems_free(&e);
    elems_free(&out);
}

/* user_data: 'u' union, 'i' intersect, 'e' except */
static void fn_set_op(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char op = *(const char *)rt_fn_of(ctx)->user_data;
    rv v[2];
    elems a = {NULL, 0, 0}, b = {NULL, 0, 0}, out = {NULL, 0, 0};
    rt_elemset seen, of_b;
    if (!array_args(ctx, argc, argv, v, 2))
        return;
    rt_elemset_init(&seen);
    rt_elemset_init(&of_b);
    int rc = elems_of(&v[0], &a);
    if (rc == 0)
        rc = elems_of(&v[1], &b);
    if (rc == 0 && op == 'u') {
        rc = add_distinct(&out, &seen, &a, NULL, NULL);
        if (rc == 0)
            rc = add_distinct(&out, &seen, &b, NULL, NULL);
    } else if (rc == 0 && (rc = set_of(&b, &of_b)) == 0) {
        rc = add_distinct(&out, &seen, &a, op == 'i' ? &of_b : NULL, op == 'e' ? &of_b : NULL);
    }
    if (rc != 0)
        sqlite3_result_error_nomem(ctx);
    else
        result_spans(ctx, out.items, out.n);
    rt_elemset_free(&seen);
    rt_elemset_free(&of_b);
    elems_free(&a);
    elems_free(&b);
    elems_free(&out);
}

static void fn_array_flatten(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    elems e = {NULL, 0, 0}, out = {NULL, 0, 0};
    if (!array_args(ctx, argc, argv, &v, 1))
        return;
    int rc = elems_of(&v, &e);
    for (size_t i = 0; rc == 0 && i < e.n; i++) {
        const span *s = &e.items[i];
        if (*s->p == '[') {
            rv inner = rv_json(RV_ARRAY, s->p, s->len);
            rc = elems_of(&inner, &out);
        } else if (*s->p != 'n') { /* nulls are skipped */
            rc = elems_push(&out, s->p, s->len);
        }
    }
    if (rc != 0)
        sqlite3_result_error_nomem(ctx);
    else
        result_spans(ctx, out.items, out.n);
    elems_free(&e);
    elems_free(&out);
}

static void fn_array_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv vals[RT_MAX_ARGS];
    elems out = {NULL, 0, 0};
    if (!array_args(ctx, argc, argv, vals, argc))
        return;
    int rc = 0;
    for (int i = 0; rc == 0 && i < argc; i++)
        rc = elems_of(&vals[i], &out);
    if (rc != 0)
        sqlite3_result_error_nomem(ctx);
    else
        result_spans(ctx, out.items, out.n);
    elems_free(&out);
}

/* ---------------- JOIN, SORT, MAX/MIN ---------------- */

static void fn_array_join(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    elems e = {NULL, 0, 0};
    rs_buf b = RS_BUF_INIT, scratch = RS_BUF_INIT;
    int n = 0;
    if (!array_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 1, argc) ||
        (argc > 2 && !rt_want_string(ctx, v, 2, argc)))
        return;
    if (elems_of(&v[0], &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (size_t i = 0; i < e.n; i++) {
        rv el = elem_value(&e.items[i], &scratch);
        if (rv_is_nullish(&el) && argc < 3)
            continue;
        if (el.type == RV_ARRAY || el.type == RV_OBJECT) {
            rt_error(ctx, "cannot join an element of type %s", rv_type_name(el.type));
            goto done;
        }
        if (n++)
            rs_buf_append(&b, v[1].s, v[1].len);
        if (rv_is_nullish(&el))
            rs_buf_append(&b, v[2].s, v[2].len);
        else if (el.type == RV_STRING)
            rs_buf_append(&b, el.s, el.len);
        else
            rv_to_json(&b, &el, RV_FORM_API);
    }
    rt_result_text_buf(ctx, &b);
done:
    elems_free(&e);
    rs_buf_free(&b);
    rs_buf_free(&scratch);
}

static int order_spans(const span *a, const span *b) {
    rs_buf sa = RS_BUF_INIT, sb = RS_BUF_INIT;
    rv va = elem_value(a, &sa), vb = elem_value(b, &sb);
    int na = rv_is_nullish(&va), nb = rv_is_nullish(&vb), r;
    if (na || nb)
        r = na - nb; /* nulls last */
    else
        r = rv_order(&va, &vb);
    rs_buf_free(&sa);
    rs_buf_free(&sb);
    return r;
}

static int cmp_spans(const void *a, const void *b) {
    return order_spans(a, b);
}

static void fn_array_sort(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    elems e = {NULL, 0, 0};
    if (!array_args(ctx, argc, argv, &v, 1))
        return;
    if (elems_of(&v, &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (e.n > 1)
        qsort(e.items, e.n, sizeof *e.items, cmp_spans);
    result_spans(ctx, e.items, e.n);
    elems_free(&e);
}

static void extreme(sqlite3_context *ctx, int argc, sqlite3_value **argv, int want_max) {
    rv v;
    elems e = {NULL, 0, 0};
    rs_buf scratch = RS_BUF_INIT;
    if (!array_args(ctx, argc, argv, &v, 1))
        return;
    if (elems_of(&v, &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    size_t best = 0;
    int has_null = 0;
    for (size_t i = 0; i < e.n; i++) {
        has_null |= *e.items[i].p == 'n';
        int c = order_spans(&e.items[i], &e.items[best]);
        if (want_max ? c > 0 : c < 0)
            best = i;
    }
    if (e.n == 0 || has_null) {
        rv_result_null(ctx);
    } else {
        rv out = elem_value(&e.items[best], &scratch);
        rv_result(ctx, &out);
    }
    rs_buf_free(&scratch);
    elems_free(&e);
}

static void fn_array_max(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme(ctx, argc, argv, 1);
}

static void fn_array_min(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme(ctx, argc, argv, 0);
}

/* ---------------- SEQUENCE, ARRAY_SHUFFLE ---------------- */

#define MAX_SEQUENCE 10000

static void fn_sequence(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, v, 1))
        return;
    for (int i = 0; i < argc; i++)
        if (!rt_want_int(ctx, v, i, argc))
            return;
    int64_t from = v[0].i, to = v[1].i, step = argc > 2 ? v[2].i : (from <= to ? 1 : -1);
    if (step == 0) {
        rt_error(ctx, "step must not be 0");
        return;
    }
    if ((step > 0 && from > to) || (step < 0 && from < to)) {
        rt_error(ctx, "step %lld does not lead from %lld to %lld", (long long)step, (long long)from,
                 (long long)to);
        return;
    }
    /* the distance and the step as magnitudes, in unsigned arithmetic: exact at the int64 limits,
     * where doubles round both ends to the same value */
    uint64_t distance = step > 0 ? (uint64_t)to - (uint64_t)from : (uint64_t)from - (uint64_t)to;
    uint64_t stride = step > 0 ? (uint64_t)step : (uint64_t)0 - (uint64_t)step;
    uint64_t count = distance / stride + 1;
    if (distance / stride >= MAX_SEQUENCE) {
        rt_error(ctx, "the result would have more than %d elements", MAX_SEQUENCE);
        return;
    }
    rs_buf_putc(&b, '[');
    for (uint64_t k = 0; k < count; k++)
        rs_buf_printf(&b, "%s%lld", k ? "," : "",
                      (long long)(int64_t)((uint64_t)from + k * (uint64_t)step));
    rs_buf_putc(&b, ']');
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

static void fn_array_shuffle(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    elems e = {NULL, 0, 0};
    if (!array_args(ctx, argc, argv, &v, 1))
        return;
    if (elems_of(&v, &e) != 0) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    for (size_t i = e.n; i > 1; i--) {
        uint32_t r;
        sqlite3_randomness(sizeof r, &r);
        size_t j = r % i;
        span t = e.items[i - 1];
        e.items[i - 1] = e.items[j];
        e.items[j] = t;
    }
    result_spans(ctx, e.items, e.n);
    elems_free(&e);
}

static const char OP_UNION = 'u', OP_INTERSECT = 'i', OP_EXCEPT = 'e';

/* ---------------- vector functions ---------------- */

typedef enum { VEC_DOT, VEC_COSINE, VEC_EUCLIDEAN } vec_op;

/* The sums two numeric arrays of one length give: a.b, a.a, b.b, and sum((a-b)^2). */
typedef struct vec_sums {
    double dot, aa, bb, diff2;
} vec_sums;

static int vec_number(sqlite3_context *ctx, const span *s, rs_buf *scratch, double *out) {
    rv v = elem_value(s, scratch);
    if (v.type != RV_INT && v.type != RV_FLOAT) {
        rt_error(ctx, "elements must be numbers, got %s", rv_type_name(v.type));
        return 0;
    }
    *out = v.type == RV_INT ? (double)v.i : v.f;
    return 1;
}

static int vec_sum(sqlite3_context *ctx, const elems *a, const elems *b, vec_sums *out) {
    rs_buf scratch = RS_BUF_INIT;
    int ok = 1;
    memset(out, 0, sizeof *out);
    for (size_t i = 0; ok && i < a->n; i++) {
        double x, y;
        ok = vec_number(ctx, &a->items[i], &scratch, &x) &&
             vec_number(ctx, &b->items[i], &scratch, &y);
        if (ok) {
            out->dot += x * y;
            out->aa += x * x;
            out->bb += y * y;
            out->diff2 += (x - y) * (x - y);
        }
    }
    rs_buf_free(&scratch);
    return ok;
}

/* DOT_PRODUCT / COSINE_SIM / EUCLIDEAN_DIST(array, array): floats over two numeric arrays of
 * the same length; null when either is null (or, for COSINE_SIM, a zero vector). */
static void fn_vector(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    vec_op op = *(const vec_op *)rt_fn_of(ctx)->user_data;
    elems a = {NULL, 0, 0}, b = {NULL, 0, 0};
    vec_sums sums;
    rv v[2];
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_array(ctx, v, 0, argc) ||
        !rt_want_array(ctx, v, 1, argc))
        return;
    if (elems_of(&v[0], &a) != 0 || elems_of(&v[1], &b) != 0) {
        sqlite3_result_error_nomem(ctx);
    } else if (a.n != b.n) {
        rt_error(ctx, "arrays must have the same length, got %zu and %zu", a.n, b.n);
    } else if (vec_sum(ctx, &a, &b, &sums)) {
        if (op == VEC_DOT)
            sqlite3_result_double(ctx, sums.dot);
        else if (op == VEC_EUCLIDEAN)
            sqlite3_result_double(ctx, sqrt(sums.diff2));
        else if (sums.aa > 0 && sums.bb > 0)
            sqlite3_result_double(ctx, sums.dot / (sqrt(sums.aa) * sqrt(sums.bb)));
        else
            rv_result_null(ctx);
    }
    elems_free(&a);
    elems_free(&b);
}

static const vec_op vec_dot = VEC_DOT, vec_cosine = VEC_COSINE, vec_euclidean = VEC_EUCLIDEAN;

#define A(name, min, max, fn, sig) \
    { name, RT_SCALAR, min, max, NULL, 0, NULL, fn, NULL, NULL, NULL, NULL, "array", sig }
#define ASET(name, op, sig) \
    { name, RT_SCALAR, 2, 2, NULL, 0, &op, fn_set_op, NULL, NULL, NULL, NULL, "array", sig }

/* clang-format off */
#define VEC(name, op, sig)                                                                        \
    {name, RT_SCALAR, 2, 2, NULL, 0, &op, fn_vector, NULL, NULL, NULL, NULL, "special", sig}

const rt_function rt_fn_array[] = {
    VEC("DOT_PRODUCT", vec_dot, "DOT_PRODUCT(array, array) -> float (numbers, same length)"),
    VEC("COSINE_SIM", vec_cosine, "COSINE_SIM(array, array) -> float (null for a zero vector)"),
    VEC("EUCLIDEAN_DIST", vec_euclidean, "EUCLIDEAN_DIST(array, array) -> float"),
    A("ARRAY_CREATE", 0, -1, fn_array_create, "ARRAY_CREATE(value, ...) -> array"),
    A("ARRAY_POSITION", 2, 2, fn_array_position, "ARRAY_POSITION(array, value) -> int (1-based; 0 when absent)"),
    A("ARRAY_LAST_POSITION", 2, 2, fn_array_last_position, "ARRAY_LAST_POSITION(array, value) -> int"),
    A("ARRAY_CONTAINS", 2, 2, fn_array_contains, "ARRAY_CONTAINS(array, value) -> bool"),
    A("ARRAY_REMOVE", 2, 2, fn_array_remove, "ARRAY_REMOVE(array, value) -> array without the equal elements"),
    A("SLICE", 2, 3, fn_slice, "SLICE(array, start[, length]) -> array"),
    A("ELEMENT_AT", 2, 2, fn_element_at, "ELEMENT_AT(array, index | object, key) -> value, null when absent"),
    A("ARRAY_DISTINCT", 1, 1, fn_array_distinct, "ARRAY_DISTINCT(array) -> array"),
    A("ARRAY_FLATTEN", 1, 1, fn_array_flatten, "ARRAY_FLATTEN(array) -> array (one level)"),
    A("ARRAY_CONCAT", 1, -1, fn_array_concat, "ARRAY_CONCAT(array, ...) -> array"),
    A("ARRAY_JOIN", 2, 3, fn_array_join, "ARRAY_JOIN(array, separator[, null_replacement]) -> string"),
    A("ARRAY_SORT", 1, 1, fn_array_sort, "ARRAY_SORT(array) -> array (nulls last)"),
    A("ARRAY_MAX", 1, 1, fn_array_max, "ARRAY_MAX(array) -> value"),
    A("ARRAY_MIN", 1, 1, fn_array_min, "ARRAY_MIN(array) -> value"),
    ASET("ARRAY_UNION", OP_UNION, "ARRAY_UNION(array, array) -> array"),
    ASET("ARRAY_INTERSECT", OP_INTERSECT, "ARRAY_INTERSECT(array, array) -> array"),
    ASET("ARRAY_EXCEPT", OP_EXCEPT, "ARRAY_EXCEPT(array, array) -> array"),
    A("SEQUENCE", 2, 3, fn_sequence, "SEQUENCE(start, stop[, step]) -> array of ints"),
    {"ARRAY_SHUFFLE", RT_SCALAR, 1, 1, NULL, RT_VOLATILE, NULL, fn_array_shuffle, NULL, NULL,
     NULL, NULL, "array", "ARRAY_SHUFFLE(array) -> array"},
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
