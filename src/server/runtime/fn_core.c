/*
 * fn_core.c - the plumbing the translator emits (no Rockset name of its own): reading fields out
 * of documents, building result rows, truth values, comparison, arithmetic, LIKE, and the keys
 * that order, group and join values.
 *
 *   rs_get(doc, step...)        the value at a path of a document (TEXT or BLOB JSON object);
 *                               steps are member names (TEXT) or 0-based indexes; missing ->
 *                               undefined; a top-level _event_time string reads as a timestamp
 *   rs_getv(value, step...)     the same on any value (only arrays and objects are entered)
 *   rs_row(final, k, v, ...)    a row object; undefined values left out
 *   rs_project(final, doc, k, path, ...)  rs_row of several rs_get's, the document read once
 *   rs_merge(final, doc...)     members of several objects, later keys win
 *   rs_members(x)               x when it is an object, else nothing (the source of x.*)
 *   rs_idx0(i)                  a 1-based subscript made 0-based
 *   rs_real('1.5')              a float literal, read exactly
 *   rs_except(final, doc, k...) doc without the named top-level members
 *   rs_first(doc)               the value of the first member (a one-field row)
 *   rs_one(v)                   aggregate: the value of a scalar subquery (error on 2 rows)
 *   rs_truth(v)                 bool -> 1/0, null/undefined -> NULL, anything else an error
 *   rs_cmp(a, b)                -1/0/1, NULL when the values do not compare
 *   rs_between(x, lo, hi)       three-valued
 *   rs_add/sub/mul/div/mod(a, b, ...)  ((a op b) op c) ...; numbers and temporal values
 *   rs_neg(x), rs_like(s, p[, esc]), rs_ilike(s, p[, esc])  (|| is CONCAT, fn_string.c)
 *   rs_nullish(x)               1 for null and undefined, else 0 (IS NULL)
 *   rs_rank(x), rs_okey(x)      the two ORDER BY terms of x (value.h's total order)
 *   rs_gkey(x)                  group key: undefined -> null, else x
 *   rs_jkey(x)                  join/IN key: null/undefined -> SQL NULL, else x
 *   rs_raise(msg)               an error with that message
 * "final" = 1 writes values in the API's result form, 0 in the form of stored documents.
 */
#include "datetime.h"
#include "fn_util.h"
#include "json.h"
#include "ops.h"
#include "value.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_STEPS 64

static rv_json_form form_of(sqlite3_value *final) {
    return sqlite3_value_int(final) ? RV_FORM_API : RV_FORM_DOC;
}

/* JSON text of a document argument (TEXT or BLOB); NULL for anything else. */
static const char *doc_text(sqlite3_value *v, size_t *len) {
    int t = sqlite3_value_type(v);
    const char *p;
    if (t == SQLITE_TEXT)
        p = (const char *)sqlite3_value_text(v);
    else if (t == SQLITE_BLOB)
        p = sqlite3_value_blob(v);
    else
        return NULL;
    *len = (size_t)sqlite3_value_bytes(v);
    return p;
}

/* ---------------- paths ---------------- */

/* Walk steps argv[from..argc) from the JSON value at [p, end); NULL when a step is missing. */
static const char *walk(const char *p, const char *end, int argc, sqlite3_value **argv, int from) {
    for (int i = from; i < argc && p != NULL; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_INTEGER)
            p = rt_json_element(p, end, sqlite3_value_int64(argv[i]));
        else if (sqlite3_value_type(argv[i]) == SQLITE_TEXT)
            p = rt_json_member(p, end, (const char *)sqlite3_value_text(argv[i]),
                               (size_t)sqlite3_value_bytes(argv[i]));
        else
            p = NULL;
    }
    return p;
}

/* The store keeps _event_time as an ISO string; Rockset types it as a timestamp. */
static int event_time_value(const rv *v, rv *out) {
    int64_t micros;
    if (v->type != RV_STRING || rt_parse_timestamp(v->s, v->len, &micros) != 0)
        return 0;
    *out = rv_typed(RV_TIMESTAMP, micros);
    return 1;
}

static int is_event_time_name(const char *s, size_t len) {
    return len == 11 && memcmp(s, "_event_time", 11) == 0;
}

static void result_json_at(sqlite3_context *ctx, const char *p, const char *end, int event_time) {
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    rv v, ts;
    const char *v_end = rt_json_skip(p, end);
    if (v_end == NULL || rv_from_json(p, (size_t)(v_end - p), &v, &scratch, &err) != 0) {
        if (scratch.oom)
            sqlite3_result_error_nomem(ctx);
        rs_buf_free(&scratch);
        return; /* malformed: undefined */
    }
    if (event_time && event_time_value(&v, &ts))
        v = ts;
    rv_result(ctx, &v);
    rs_buf_free(&scratch);
}

static void fn_get(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    size_t len;
    const char *p = argc > 0 ? doc_text(argv[0], &len) : NULL;
    if (p == NULL)
        return;
    const char *end = p + len;
    p = walk(p, end, argc, argv, 1);
    if (p == NULL)
        return;
    int event_time = argc == 2 && sqlite3_value_type(argv[1]) == SQLITE_TEXT &&
                     is_event_time_name((const char *)sqlite3_value_text(argv[1]),
                                        (size_t)sqlite3_value_bytes(argv[1]));
    result_json_at(ctx, p, end, event_time);
}

/* rs_getv: the same steps on a value-mode value; only arrays and objects are entered. */
static void fn_getv(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (argc < 1)
        return;
    rv_from_sqlite(argv[0], &v);
    if (v.type != RV_ARRAY && v.type != RV_OBJECT)
        return;
    const char *end = v.s + v.len;
    const char *p = walk(v.s, end, argc, argv, 1);
    if (p != NULL)
        result_json_at(ctx, p, end, 0);
}

/* ---------------- rows ---------------- */

static void fn_row(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_json_form form = form_of(argv[0]);
    rs_buf b = RS_BUF_INIT;
    int n = 0;
    rs_buf_putc(&b, '{');
    for (int i = 1; i + 1 < argc; i += 2) {
        rv v;
        rv_from_sqlite(argv[i + 1], &v);
        if (v.type == RV_UNDEFINED)
            continue;
        if (n++)
            rs_buf_putc(&b, ',');
        rs_buf_json_string(&b, (const char *)sqlite3_value_text(argv[i]),
                           (size_t)sqlite3_value_bytes(argv[i]));
        rs_buf_putc(&b, ':');
        rv_to_json(&b, &v, form);
    }
    rs_buf_putc(&b, '}');
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* Append the JSON value at [v, v_end) in form (typed values rewritten, numbers re-printed). */
static int put_json_value(rs_buf *out, const char *v, const char *v_end, rv_json_form form,
                          int event_time) {
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    rv val, ts;
    int rc = rv_from_json(v, (size_t)(v_end - v), &val, &scratch, &err);
    if (rc == 0) {
        if (event_time && event_time_value(&val, &ts))
            val = ts;
        rc = rv_to_json(out, &val, form);
    } else {
        rc = rs_buf_append(out, v, (size_t)(v_end - v)); /* malformed stays as it was */
    }
    rs_buf_free(&scratch);
    return rc;
}

/* A member of an object text: key token (quotes included) and value span. */
typedef struct member {
    const char *key, *key_end;
    const char *val, *val_end;
} member;

typedef struct members {
    member *items;
    int n, cap;
} members;

static int same_key(const member *a, const char *k, const char *k_end) {
    return a->key_end - a->key == k_end - k && memcmp(a->key, k, (size_t)(k_end - k)) == 0;
}

static int add_member(members *ms, const member *m) {
    int i = 0;
    while (i < ms->n && !same_key(&ms->items[i], m->key, m->key_end))
        i++;
    if (i == ms->n) {
        if (ms->n == ms->cap) {
            int cap = ms->cap ? ms->cap * 2 : 16;
            member *items = realloc(ms->items, (size_t)cap * sizeof *items);
            if (items == NULL)
                return -2;
            ms->items = items;
            ms->cap = cap;
        }
        ms->n++;
    }
    ms->items[i] = *m;
    return 0;
}

/* Add the members of object text [p,end), replacing earlier equal keys in place. */
static int collect_members(members *ms, const char *p, const char *end) {
    p = rt_json_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p = rt_json_ws(p + 1, end);
    while (p < end && *p == '"') {
        member m;
        m.key = p;
        m.key_end = rt_json_skip(p, end);
        if (m.key_end == NULL)
            return -1;
        p = rt_json_ws(m.key_end, end);
        if (p >= end || *p != ':')
            return -1;
        m.val = rt_json_ws(p + 1, end);
        m.val_end = rt_json_skip(m.val, end);
        if (m.val_end == NULL)
            return -1;
        if (add_member(ms, &m) != 0)
            return -2;
        p = rt_json_ws(m.val_end, end);
        if (p < end && *p == ',')
            p = rt_json_ws(p + 1, end);
    }
    return 0;
}

static int key_in_args(const member *m, sqlite3_value **names, int n_names) {
    for (int i = 0; i < n_names; i++) {
        const char *k = (const char *)sqlite3_value_text(names[i]);
        size_t klen = (size_t)sqlite3_value_bytes(names[i]);
        if (k != NULL && (size_t)(m->key_end - m->key - 2) == klen &&
            memcmp(m->key + 1, k, klen) == 0)
            return 1;
    }
    return 0;
}

static void write_members(sqlite3_context *ctx, const members *ms, rv_json_form form,
                          sqlite3_value **skip, int n_skip) {
    rs_buf b = RS_BUF_INIT;
    int n = 0;
    rs_buf_putc(&b, '{');
    for (int i = 0; i < ms->n; i++) {
        const member *m = &ms->items[i];
        if (n_skip && key_in_args(m, skip, n_skip))
            continue;
        if (n++)
            rs_buf_putc(&b, ',');
        rs_buf_append(&b, m->key, (size_t)(m->key_end - m->key));
        rs_buf_putc(&b, ':');
        if (form == RV_FORM_DOC)
            rs_buf_append(&b, m->val, (size_t)(m->val_end - m->val));
        else
            put_json_value(&b, m->val, m->val_end, form, 0);
    }
    rs_buf_putc(&b, '}');
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static int needs_api_rewrite(const char *p, size_t len) {
    return memmem(p, len, "__rockset_type", 14) != NULL;
}

static void fn_merge(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_json_form form = form_of(argv[0]);
    members ms = {NULL, 0, 0};
    int n_docs = 0, last = 0;
    size_t len;
    for (int i = 1; i < argc; i++) {
        if (doc_text(argv[i], &len) != NULL) {
            n_docs++;
            last = i;
        }
    }
    if (n_docs == 0) {
        sqlite3_result_text(ctx, "{}", 2, SQLITE_STATIC);
        return;
    }
    if (n_docs == 1) { /* fast path: SELECT * over one relation */
        const char *p = doc_text(argv[last], &len);
        if (form == RV_FORM_DOC || !needs_api_rewrite(p, len)) {
            sqlite3_result_text(ctx, p, (int)len, SQLITE_TRANSIENT);
            return;
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *p = doc_text(argv[i], &len);
        if (p != NULL && collect_members(&ms, p, p + len) == -2) {
            sqlite3_result_error_nomem(ctx);
            free(ms.items);
            return;
        }
    }
    write_members(ctx, &ms, form, NULL, 0);
    free(ms.items);
}

static void fn_except(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    members ms = {NULL, 0, 0};
    size_t len;
    const char *p = argc > 1 ? doc_text(argv[1], &len) : NULL;
    if (p == NULL)
        return;
    if (collect_members(&ms, p, p + len) == -2)
        sqlite3_result_error_nomem(ctx);
    else
        write_members(ctx, &ms, form_of(argv[0]), argv + 2, argc - 2);
    free(ms.items);
}

/* rs_members(x): x when it is an object (its members are what x.* selects), else nothing. */
static void fn_members(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_BLOB)
        return;
    rv_from_sqlite(argv[0], &v);
    if (v.type == RV_OBJECT)
        sqlite3_result_value(ctx, argv[0]);
}

static void fn_first(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    members ms = {NULL, 0, 0};
    size_t len;
    const char *p = argc > 0 ? doc_text(argv[0], &len) : NULL;
    if (p == NULL)
        return;
    int rc = collect_members(&ms, p, p + len);
    if (rc == -2)
        sqlite3_result_error_nomem(ctx);
    else if (ms.n > 0)
        result_json_at(ctx, ms.items[0].val, p + len, 0);
    free(ms.items);
}

/* ---------------- rs_project: several paths of one document in one pass ---------------- */

typedef struct path_step {
    char *key; /* NULL: index */
    size_t key_len;
    int64_t index;
} path_step;

typedef struct path_spec {
    int n_steps;
    path_step steps[];
} path_spec;

static void path_spec_free(void *p) {
    path_spec *spec = p;
    for (int i = 0; spec != NULL && i < spec->n_steps; i++)
        free(spec->steps[i].key);
    free(spec);
}

/* '["a","b",0]' -> steps; NULL when malformed or out of memory. */
static path_spec *path_spec_parse(const char *text) {
    const char *end = text + strlen(text), *p = rt_json_ws(text, end);
    int n = 0;
    while (rt_json_element(p, end, n) != NULL)
        n++;
    if (n == 0)
        return NULL;
    path_spec *spec = calloc(1, sizeof *spec + (size_t)n * sizeof spec->steps[0]);
    if (spec == NULL)
        return NULL;
    for (int i = 0; i < n; i++) {
        const char *e = rt_json_element(p, end, i);
        path_step *st = &spec->steps[spec->n_steps++];
        if (*e == '"') {
            rs_buf key = RS_BUF_INIT;
            if (rt_json_unescape(e, end, &key) != NULL)
                st->key = rs_buf_detach(&key);
            rs_buf_free(&key);
            if (st->key == NULL) {
                path_spec_free(spec);
                return NULL;
            }
            st->key_len = strlen(st->key);
        } else {
            st->index = strtoll(e, NULL, 10);
        }
    }
    return spec;
}

/* Member key token [k, k_end) (quotes included) equals key? */
static int member_key_is(const char *k, const char *k_end, const char *key, size_t key_len) {
    size_t raw = (size_t)(k_end - k - 2);
    if (memchr(k + 1, '\\', raw) == NULL)
        return raw == key_len && memcmp(k + 1, key, key_len) == 0;
    rs_buf b = RS_BUF_INIT;
    int eq = rt_json_unescape(k, k_end, &b) != NULL && b.len == key_len &&
             memcmp(b.data, key, key_len) == 0;
    rs_buf_free(&b);
    return eq;
}

#define MAX_PROJECT 64

/* The parsed path of argument arg: cached as SQLite auxdata across rows; when SQLite drops the
 * auxdata at once (it may), parsed again into owned[], which the caller frees. NULL after setting
 * an error on ctx. */
static const path_spec *project_spec(sqlite3_context *ctx, sqlite3_value **argv, int arg,
                                     path_spec **owned, int *n_owned) {
    path_spec *spec = sqlite3_get_auxdata(ctx, arg);
    if (spec != NULL)
        return spec;
    const char *text = (const char *)sqlite3_value_text(argv[arg]);
    spec = text != NULL ? path_spec_parse(text) : NULL;
    if (spec == NULL) {
        sqlite3_result_error(ctx, "rs_project: bad path", -1);
        return NULL;
    }
    sqlite3_set_auxdata(ctx, arg, spec, path_spec_free);
    spec = sqlite3_get_auxdata(ctx, arg);
    if (spec != NULL)
        return spec;
    spec = path_spec_parse(text);
    if (spec == NULL) {
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    owned[(*n_owned)++] = spec;
    return spec;
}

/* One pass over the top-level members of the object [p, end): found[i] is set to the value of
 * the member that specs[i] starts with (the last one when a key repeats). */
static void project_scan_members(const char *p, const char *end, const path_spec *const *specs,
                                 int n, const char **found) {
    const char *q = rt_json_ws(p, end);
    if (q >= end || *q != '{')
        return;
    q = rt_json_ws(q + 1, end);
    while (q < end && *q == '"') {
        const char *k = q, *k_end = rt_json_skip(q, end);
        if (k_end == NULL)
            return;
        q = rt_json_ws(k_end, end);
        if (q >= end || *q != ':')
            return;
        const char *v = rt_json_ws(q + 1, end);
        for (int i = 0; i < n; i++)
            if (specs[i]->steps[0].key != NULL &&
                member_key_is(k, k_end, specs[i]->steps[0].key, specs[i]->steps[0].key_len))
                found[i] = v;
        q = rt_json_skip(v, end);
        if (q == NULL)
            return;
        q = rt_json_ws(q, end);
        if (q < end && *q == ',')
            q = rt_json_ws(q + 1, end);
    }
}

/* The row object: for each item whose path leads to a value, "name": value; missing ones are
 * omitted. */
static void project_write_row(rs_buf *b, sqlite3_value **argv, const char *p, const char *end,
                              const path_spec *const *specs, const char **found, int n,
                              rv_json_form form) {
    int written = 0;
    rs_buf_putc(b, '{');
    for (int i = 0; i < n; i++) {
        const char *v = found[i];
        if (v == NULL && p != NULL && specs[i]->steps[0].key == NULL)
            v = rt_json_element(p, end, specs[i]->steps[0].index);
        for (int k = 1; v != NULL && k < specs[i]->n_steps; k++) {
            const path_step *st = &specs[i]->steps[k];
            v = st->key != NULL ? rt_json_member(v, end, st->key, st->key_len)
                                : rt_json_element(v, end, st->index);
        }
        const char *v_end = v != NULL ? rt_json_skip(v, end) : NULL;
        if (v_end == NULL)
            continue; /* missing: omitted */
        if (written++)
            rs_buf_putc(b, ',');
        rs_buf_json_string(b, (const char *)sqlite3_value_text(argv[2 + 2 * i]),
                           (size_t)sqlite3_value_bytes(argv[2 + 2 * i]));
        rs_buf_putc(b, ':');
        int event_time = specs[i]->n_steps == 1 && specs[i]->steps[0].key != NULL &&
                         is_event_time_name(specs[i]->steps[0].key, specs[i]->steps[0].key_len);
        put_json_value(b, v, v_end, form, event_time);
    }
    rs_buf_putc(b, '}');
}

static void fn_project(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int n = (argc - 2) / 2, n_owned = 0;
    const path_spec *specs[MAX_PROJECT];
    const char *found[MAX_PROJECT];
    path_spec *owned[MAX_PROJECT];
    size_t len = 0;
    if (n > MAX_PROJECT || argc < 2 || argc % 2) {
        sqlite3_result_error(ctx, "rs_project: bad arguments", -1);
        return;
    }
    for (int i = 0; i < n; i++) {
        specs[i] = project_spec(ctx, argv, 3 + 2 * i, owned, &n_owned);
        found[i] = NULL;
        if (specs[i] == NULL)
            goto done;
    }
    const char *p = doc_text(argv[1], &len);
    const char *end = p != NULL ? p + len : NULL;
    if (p != NULL)
        project_scan_members(p, end, specs, n, found);
    rs_buf b = RS_BUF_INIT;
    project_write_row(&b, argv, p, end, specs, found, n, form_of(argv[0]));
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
done:
    for (int i = 0; i < n_owned; i++)
        path_spec_free(owned[i]);
}

/* ---------------- rs_one: the value of a scalar subquery ---------------- */

typedef struct one_state {
    int64_t rows;
    sqlite3_value *first;
} one_state;

static void one_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    one_state *st = sqlite3_aggregate_context(ctx, sizeof *st);
    if (st == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (st->rows++ == 0) {
        st->first = sqlite3_value_dup(argv[0]);
        if (st->first == NULL)
            sqlite3_result_error_nomem(ctx);
    }
}

static void one_final(sqlite3_context *ctx) {
    one_state *st = sqlite3_aggregate_context(ctx, 0);
    if (st == NULL || st->rows == 0) {
        rv_result_null(ctx); /* no row: null */
        return;
    }
    if (st->rows > 1)
        sqlite3_result_error(ctx, "a scalar subquery returned more than one row", -1);
    else if (st->first != NULL)
        sqlite3_result_value(ctx, st->first);
    sqlite3_value_free(st->first);
    st->first = NULL;
}

/* ---------------- truth, comparison ---------------- */

static void fn_truth(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    if (rv_is_nullish(&v))
        return;
    if (v.type == RV_BOOL) {
        sqlite3_result_int(ctx, (int)v.i);
        return;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "a condition must be a bool, got %s", rv_type_name(v.type));
    sqlite3_result_error(ctx, msg, -1);
}

static void fn_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv a, b;
    int c;
    (void)argc;
    rv_from_sqlite(argv[0], &a);
    rv_from_sqlite(argv[1], &b);
    if (rv_compare(&a, &b, &c))
        sqlite3_result_int(ctx, c);
}

/* x BETWEEN lo AND hi, three-valued. */
static void fn_between(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv x, lo, hi;
    int c_lo = 0, c_hi = 0;
    (void)argc;
    rv_from_sqlite(argv[0], &x);
    rv_from_sqlite(argv[1], &lo);
    rv_from_sqlite(argv[2], &hi);
    int lo_ok = rv_compare(&x, &lo, &c_lo), hi_ok = rv_compare(&x, &hi, &c_hi);
    if ((lo_ok && c_lo < 0) || (hi_ok && c_hi > 0))
        sqlite3_result_int(ctx, 0);
    else if (lo_ok && hi_ok)
        sqlite3_result_int(ctx, 1);
}

static void fn_nullish(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    sqlite3_result_int(ctx, rv_is_nullish(&v));
}

/* ---------------- order, group and join keys ---------------- */

static void fn_rank(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    /* null and undefined sort as equals */
    sqlite3_result_int(ctx, v.type == RV_UNDEFINED ? rv_rank(RV_NULL) : rv_rank(v.type));
}

static void put_u256_key(sqlite3_context *ctx, const rv *v) {
    char key[96];
    size_t pad = v->len < 80 ? 80 - v->len : 0;
    memset(key, '0', pad);
    memcpy(key + pad, v->s, v->len < 80 ? v->len : 80);
    sqlite3_result_text(ctx, key, 80, SQLITE_TRANSIENT);
}

static void fn_okey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    switch (v.type) {
    case RV_UNDEFINED:
    case RV_NULL:
        return;
    case RV_BOOL:
        sqlite3_result_int64(ctx, v.i);
        return;
    case RV_INT:
        sqlite3_result_int64(ctx, v.i);
        return;
    case RV_FLOAT:
        sqlite3_result_double(ctx, isnan(v.f) ? INFINITY : v.f); /* NaN sorts last */
        return;
    case RV_STRING:
        sqlite3_result_text(ctx, v.s, (int)v.len, SQLITE_TRANSIENT);
        return;
    case RV_BYTES:
    case RV_ARRAY:
    case RV_OBJECT:
    case RV_GEOGRAPHY:
        sqlite3_result_blob(ctx, v.len ? v.s : "", (int)v.len, SQLITE_TRANSIENT);
        return;
    case RV_U256:
        put_u256_key(ctx, &v);
        return;
    default:
        sqlite3_result_int64(ctx, v.i); /* temporal and intervals */
        return;
    }
}

/* 8 bytes that compare (memcmp) as the signed integer does. */
static void put_ordered_i64(unsigned char *out, int64_t i) {
    uint64_t u = (uint64_t)i ^ 0x8000000000000000ULL;
    for (int k = 0; k < 8; k++)
        out[k] = (unsigned char)(u >> (56 - 8 * k));
}

/* 8 bytes that compare as the double does (NaN as +infinity, -0 as 0). */
static void put_ordered_double(unsigned char *out, double d) {
    uint64_t u;
    if (isnan(d))
        d = INFINITY;
    if (d == 0)
        d = 0;
    memcpy(&u, &d, sizeof u);
    u = (u & 0x8000000000000000ULL) ? ~u : u ^ 0x8000000000000000ULL;
    for (int k = 0; k < 8; k++)
        out[k] = (unsigned char)(u >> (56 - 8 * k));
}

/* A number's key: its double, then what the double lost of an int, so ints compare exactly and
 * 1 equals 1.0. The loss is computed in integers (not long double, which valgrind runs with a
 * double's precision): d is within 2^10 of i, and when i rounds up to 2^63, which no int64
 * holds, i - 2^63 is taken modulo 2^64. */
static size_t put_number_key(unsigned char *out, const rv *v) {
    double d = v->type == RV_INT ? (double)v->i : v->f;
    int64_t rest = 0;
    if (v->type == RV_INT && d >= 9223372036854775808.0)
        rest = (int64_t)((uint64_t)v->i - (UINT64_C(1) << 63));
    else if (v->type == RV_INT)
        rest = v->i - (int64_t)d;
    put_ordered_double(out, d);
    put_ordered_i64(out + 8, rest);
    return 16;
}

/* rs_skey of the plain SQL values ORDER BY mostly sees - numbers and short strings - built in
 * one stack buffer, without decoding an rv or growing a heap buffer (top-N queries call it once
 * per row and key). Returns 0 when the value needs the general path. */
static int skey_fast(sqlite3_context *ctx, sqlite3_value *arg) {
    unsigned char key[1 + 16 + 240];
    int type = sqlite3_value_type(arg);
    rv v;
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        v.type = type == SQLITE_INTEGER ? RV_INT : RV_FLOAT;
        if (type == SQLITE_INTEGER)
            v.i = sqlite3_value_int64(arg);
        else
            v.f = sqlite3_value_double(arg);
        key[0] = (unsigned char)rv_rank(v.type);
        sqlite3_result_blob(ctx, key, (int)(1 + put_number_key(key + 1, &v)), SQLITE_TRANSIENT);
        return 1;
    }
    if (type != SQLITE_TEXT)
        return 0;
    const unsigned char *text = sqlite3_value_text(arg);
    int len = sqlite3_value_bytes(arg);
    if (text == NULL || len > 240)
        return 0;
    key[0] = (unsigned char)rv_rank(RV_STRING);
    memcpy(key + 1, text, (size_t)len);
    sqlite3_result_blob(ctx, key, len + 1, SQLITE_TRANSIENT);
    return 1;
}

/* rs_skey(x): one BLOB whose byte order is Rockset's ORDER BY order (rs_rank, then rs_okey),
 * so that ORDER BY evaluates its expression once. */
static int skey_fast(sqlite3_context *ctx, sqlite3_value *arg);

static void fn_skey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    unsigned char head[1 + 16];
    rs_buf key = RS_BUF_INIT;
    size_t n = 1;
    rv v;
    (void)argc;
    if (skey_fast(ctx, argv[0]))
        return;
    rv_from_sqlite(argv[0], &v);
    head[0] = (unsigned char)(v.type == RV_UNDEFINED ? rv_rank(RV_NULL) : rv_rank(v.type));
    if (v.type == RV_INT || v.type == RV_FLOAT) {
        n += put_number_key(head + 1, &v);
    } else if (v.type != RV_UNDEFINED && v.type != RV_NULL && v.type != RV_STRING &&
               v.type != RV_BYTES && v.type != RV_ARRAY && v.type != RV_OBJECT &&
               v.type != RV_GEOGRAPHY && v.type != RV_U256) {
        put_ordered_i64(head + 1, v.i); /* bool, temporal, intervals */
        n += 8;
    }
    rs_buf_append(&key, (const char *)head, n);
    if (v.type == RV_STRING || v.type == RV_BYTES || v.type == RV_ARRAY || v.type == RV_OBJECT ||
        v.type == RV_GEOGRAPHY) {
        rs_buf_append(&key, v.s, v.len);
    } else if (v.type == RV_U256) {
        size_t pad = v.len < 80 ? 80 - v.len : 0;
        for (size_t i = 0; i < pad; i++)
            rs_buf_putc(&key, '0');
        rs_buf_append(&key, v.s, v.len < 80 ? v.len : 80);
    }
    if (key.oom)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_blob(ctx, key.data, (int)key.len, SQLITE_TRANSIENT);
    rs_buf_free(&key);
}

static void fn_gkey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        rv_result_null(ctx);
    else
        sqlite3_result_value(ctx, argv[0]);
}

static void fn_jkey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    int type = sqlite3_value_type(argv[0]);
    (void)argc;
    if (type == SQLITE_NULL)
        return;
    if (type != SQLITE_BLOB) { /* numbers and strings are never nullish: no decoding */
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    rv_from_sqlite(argv[0], &v);
    if (!rv_is_nullish(&v))
        sqlite3_result_value(ctx, argv[0]);
}

/* rs_real('1e300'): a float literal read by strtod, exactly (SQLite's own reading goes through
 * long double, which valgrind runs with a double's precision). */
static void fn_real(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    (void)argc;
    if (text != NULL)
        sqlite3_result_double(ctx, strtod(text, NULL));
}

/* rs_idx0(i): a 1-based subscript made 0-based for rs_get/rs_getv. INT64_MIN has no 0-based
 * form and no element either: it stays as it is (no overflow error for a plain subscript). */
static void fn_idx0(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    switch (sqlite3_value_type(argv[0])) {
    case SQLITE_INTEGER: {
        int64_t i = sqlite3_value_int64(argv[0]);
        sqlite3_result_int64(ctx, i == INT64_MIN ? i : i - 1);
        return;
    }
    case SQLITE_FLOAT:
        sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) - 1.0);
        return;
    default: /* null, undefined, or a value that indexes nothing */
        return;
    }
}

static void fn_raise(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    sqlite3_result_error(ctx, (const char *)sqlite3_value_text(argv[0]), -1);
}

/* ---------------- arithmetic ---------------- */

static void fn_arith(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char op = *(const char *)rt_fn_of(ctx)->user_data;
    char msg[160];
    rv acc, next;
    for (int i = 0; i < argc; i++) {
        rv v;
        rv_from_sqlite(argv[i], &v);
        if (rv_is_nullish(&v)) {
            rv_result_null(ctx);
            return;
        }
    }
    rv_from_sqlite(argv[0], &acc);
    for (int i = 1; i < argc; i++) {
        rv_from_sqlite(argv[i], &next);
        if (rt_arith(op, &acc, &next, &acc, msg, sizeof msg) != 0) {
            sqlite3_result_error(ctx, msg, -1);
            return;
        }
    }
    rv_result(ctx, &acc);
}

static void fn_neg(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    char msg[96];
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    if (rv_is_nullish(&v)) {
        rv_result_null(ctx);
        return;
    }
    if (v.type == RV_INT && v.i != INT64_MIN) {
        sqlite3_result_int64(ctx, -v.i);
    } else if (v.type == RV_INT) {
        sqlite3_result_error(ctx, "integer overflow in operator -", -1);
    } else if (v.type == RV_FLOAT) {
        v.f = -v.f;
        rv_result(ctx, &v);
    } else if (v.type == RV_MONTH_INTERVAL || v.type == RV_MICROSECOND_INTERVAL) {
        v.i = -v.i;
        rv_result(ctx, &v);
    } else {
        snprintf(msg, sizeof msg, "operator -: cannot apply to %s", rv_type_name(v.type));
        sqlite3_result_error(ctx, msg, -1);
    }
}

/* ---------------- strings: || and LIKE ---------------- */

static void like_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, int fold,
                        const char *what) {
    rv s, p, e;
    int escape = -1;
    char msg[128];
    rv_from_sqlite(argv[0], &s);
    rv_from_sqlite(argv[1], &p);
    if (argc > 2)
        rv_from_sqlite(argv[2], &e);
    if (rv_is_nullish(&s) || rv_is_nullish(&p) || (argc > 2 && rv_is_nullish(&e)))
        return;
    if (s.type != RV_STRING || p.type != RV_STRING || (argc > 2 && e.type != RV_STRING)) {
        snprintf(msg, sizeof msg, "%s: cannot apply to %s and %s", what, rv_type_name(s.type),
                 rv_type_name(p.type));
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    if (argc > 2) {
        if (e.len != 1) {
            snprintf(msg, sizeof msg, "%s: ESCAPE must be a single character", what);
            sqlite3_result_error(ctx, msg, -1);
            return;
        }
        escape = (unsigned char)e.s[0];
    }
    sqlite3_result_int(ctx, rt_like_match(s.s, s.len, p.s, p.len, escape, fold));
}

static void fn_like(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    like_common(ctx, argc, argv, 0, "LIKE");
}

static void fn_ilike(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    like_common(ctx, argc, argv, 1, "ILIKE");
}

/* ---------------- registration ---------------- */

static const char OP_ADD = '+', OP_SUB = '-', OP_MUL = '*', OP_DIV = '/', OP_MOD = '%';

#define PLUMB(sql, fn) \
    { NULL, RT_SCALAR, 0, -1, sql, 0, NULL, fn, NULL, NULL, NULL, NULL, NULL, NULL }
#define PLUMB_OP(sql, opchar) \
    { NULL, RT_SCALAR, 0, -1, sql, 0, &opchar, fn_arith, NULL, NULL, NULL, NULL, NULL, NULL }

/* clang-format off */
const rt_function rt_fn_core[] = {
    PLUMB("rs_get", fn_get),
    PLUMB("rs_getv", fn_getv),
    PLUMB("rs_row", fn_row),
    PLUMB("rs_project", fn_project),
    PLUMB("rs_merge", fn_merge),
    PLUMB("rs_except", fn_except),
    PLUMB("rs_first", fn_first),
    PLUMB("rs_members", fn_members),
    {NULL, RT_AGGREGATE, 1, 1, "rs_one", 0, NULL, NULL, one_step, one_final, NULL, NULL, NULL,
     NULL},
    PLUMB("rs_truth", fn_truth),
    PLUMB("rs_cmp", fn_cmp),
    PLUMB("rs_between", fn_between),
    PLUMB("rs_nullish", fn_nullish),
    PLUMB("rs_rank", fn_rank),
    PLUMB("rs_okey", fn_okey),
    PLUMB("rs_skey", fn_skey),
    PLUMB("rs_gkey", fn_gkey),
    PLUMB("rs_jkey", fn_jkey),
    PLUMB("rs_raise", fn_raise),
    PLUMB("rs_idx0", fn_idx0),
    PLUMB("rs_real", fn_real),
    PLUMB_OP("rs_add", OP_ADD),
    PLUMB_OP("rs_sub", OP_SUB),
    PLUMB_OP("rs_mul", OP_MUL),
    PLUMB_OP("rs_div", OP_DIV),
    PLUMB_OP("rs_mod", OP_MOD),
    PLUMB("rs_neg", fn_neg),
    PLUMB("rs_like", fn_like),
    PLUMB("rs_ilike", fn_ilike),
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
