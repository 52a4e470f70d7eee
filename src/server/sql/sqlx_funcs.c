/*
 * sqlx_funcs.c - the SQLite functions that translated SQL calls (all named rs_*), and parameter
 * binding. Values follow the value encoding of sqlx_int.h: SQL NULL, INTEGER, REAL, TEXT, and
 * BLOB = JSON text of bools, objects, arrays and typed values.
 *
 *   rs_get(json, step...)      value of a path; steps are member names (TEXT) or 0-based indexes
 *   rs_getj(json, step...)     same, but JSON null -> BLOB 'null' (output mode)
 *   rs_getv(value, step...)    like rs_get on a value (only BLOBs are navigated)
 *   rs_row(final, k, v, ...)   JSON object text; SQL NULL values omitted
 *   rs_merge(final, doc...)    members of several objects, later keys win; NULL docs skipped
 *   rs_except(final, doc, k...) doc without the named top-level members
 *   rs_first(doc)              value of the first member (subqueries used as values)
 *   rs_truth(v)                bool -> 1/0; anything else but NULL is an error
 *   rs_add/sub/mul/div/mod, rs_concat, rs_like, rs_str, rs_cast, rs_typeof, ... (see table)
 * "final" = 1 prints typed timestamps as plain strings (query results), 0 keeps them typed.
 * Errors (bad operand types, division by zero, bad casts) abort the statement with a message
 * naming the operator or function.
 */
#include "sqlx_int.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#define FLAG_OUTPUT   1
#define FLAG_BLOBONLY 2

/* ---------------- value <-> JSON ---------------- */

/* Set the result from the JSON value text [p,end) (p at the value). */
static void result_json_span(sqlite3_context *ctx, const char *p, const char *end, int output) {
    const char *vend = sqlx_json_skip(p, end);
    if (vend == NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    if (*p == '"') {
        rs_buf b = RS_BUF_INIT;
        if (sqlx_json_unescape(p, vend, &b))
            sqlite3_result_text(ctx, rs_buf_cstr(&b), (int)b.len, SQLITE_TRANSIENT);
        else if (b.oom)
            sqlite3_result_error_nomem(ctx);
        else
            sqlite3_result_null(ctx);
        rs_buf_free(&b);
        return;
    }
    if (*p == 'n') {
        if (output)
            sqlite3_result_blob(ctx, "null", 4, SQLITE_STATIC);
        else
            sqlite3_result_null(ctx);
        return;
    }
    if (*p == '-' || isdigit((unsigned char)*p)) {
        char num[64];
        size_t len = (size_t)(vend - p);
        if (len >= sizeof num) {
            sqlite3_result_double(ctx, strtod(p, NULL));
            return;
        }
        memcpy(num, p, len);
        num[len] = 0;
        if (!strpbrk(num, ".eE")) {
            errno = 0;
            long long v = strtoll(num, NULL, 10);
            if (errno == 0) {
                sqlite3_result_int64(ctx, v);
                return;
            }
        }
        sqlite3_result_double(ctx, strtod(num, NULL));
        return;
    }
    sqlite3_result_blob(ctx, p, (int)(vend - p), SQLITE_TRANSIENT);
}

/* Append the JSON of argument v. */
static int append_value_json(rs_buf *out, sqlite3_value *v, int final) {
    int type = sqlite3_value_type(v);
    const char *text = NULL;
    int len = 0;
    if (type == SQLITE_TEXT) {
        text = (const char *)sqlite3_value_text(v);
        len = sqlite3_value_bytes(v);
    } else if (type == SQLITE_BLOB) {
        text = sqlite3_value_blob(v);
        len = sqlite3_value_bytes(v);
    }
    return sqlx_json_from_value(out, type, type == SQLITE_INTEGER ? sqlite3_value_int64(v) : 0,
                                type == SQLITE_FLOAT ? sqlite3_value_double(v) : 0, text, len,
                                final);
}

static const char *value_json_text(sqlite3_value *v, int *len) {
    const char *p;
    if (sqlite3_value_type(v) == SQLITE_BLOB)
        p = sqlite3_value_blob(v);
    else
        p = (const char *)sqlite3_value_text(v);
    *len = sqlite3_value_bytes(v);
    return p;
}

/* Rockset type name of a value-mode value (NULL -> "null"). */
static void value_type_name(sqlite3_value *v, char *out, size_t cap) {
    const char *name = "null";
    char tname[32];
    const char *tv;
    int tlen, len;
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        name = "int";
        break;
    case SQLITE_FLOAT:
        name = "float";
        break;
    case SQLITE_TEXT:
        name = "string";
        break;
    case SQLITE_BLOB: {
        const char *p = value_json_text(v, &len);
        if (len > 0 && (p[0] == 't' || p[0] == 'f'))
            name = "bool";
        else if (len == 4 && memcmp(p, "null", 4) == 0)
            name = "null";
        else if (len > 0 && p[0] == '[')
            name = "array";
        else if (len > 0 && p[0] == '{')
            name = sqlx_typed_parse(p, len, tname, &tv, &tlen) ? tname : "object";
        break;
    }
    default:
        break;
    }
    snprintf(out, cap, "%s", name);
}

static void type_error(sqlite3_context *ctx, const char *what, sqlite3_value **argv, int argc) {
    char msg[256], t1[32], t2[32];
    value_type_name(argv[0], t1, sizeof t1);
    if (argc > 1) {
        value_type_name(argv[1], t2, sizeof t2);
        snprintf(msg, sizeof msg, "%s: cannot apply to %s and %s", what, t1, t2);
    } else {
        snprintf(msg, sizeof msg, "%s: cannot apply to %s", what, t1);
    }
    sqlite3_result_error(ctx, msg, -1);
}

/* ---------------- paths and documents ---------------- */

static void result_buf(sqlite3_context *ctx, rs_buf *b, int as_blob);

static int is_event_time_step(sqlite3_value *step) {
    return sqlite3_value_type(step) == SQLITE_TEXT && sqlite3_value_bytes(step) == 11 &&
           memcmp(sqlite3_value_text(step), "_event_time", 11) == 0;
}

/* The store keeps _event_time as a plain ISO string; Rockset types it as a timestamp, so a
 * top-level _event_time that parses as one is read as a typed timestamp. */
static int result_event_time(sqlite3_context *ctx, const char *p, const char *end) {
    rs_buf text = RS_BUF_INIT;
    int64_t micros;
    int done = 0;
    const char *vend = sqlx_json_unescape(p, end, &text);
    if (vend && !text.oom && sqlx_parse_timestamp(rs_buf_cstr(&text), &micros) == 0) {
        char norm[64];
        rs_buf blob = RS_BUF_INIT;
        sqlx_format_timestamp(norm, sizeof norm, micros);
        sqlx_typed_make(&blob, "timestamp", norm);
        result_buf(ctx, &blob, 1);
        rs_buf_free(&blob);
        done = 1;
    }
    rs_buf_free(&text);
    return done;
}

static void fn_get(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int flags = (int)(intptr_t)sqlite3_user_data(ctx);
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL || ((flags & FLAG_BLOBONLY) && t != SQLITE_BLOB))
        return;
    int len;
    const char *p = value_json_text(argv[0], &len);
    const char *end = p + len;
    if (p == NULL)
        return;
    for (int i = 1; i < argc && p; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_INTEGER) {
            p = sqlx_json_element(p, end, sqlite3_value_int64(argv[i]));
        } else if (sqlite3_value_type(argv[i]) == SQLITE_TEXT) {
            p = sqlx_json_member(p, end, (const char *)sqlite3_value_text(argv[i]),
                                 (size_t)sqlite3_value_bytes(argv[i]));
        } else {
            p = NULL;
        }
    }
    if (p == NULL)
        return;
    p = sqlx_json_ws(p, end);
    if (argc == 2 && *p == '"' && is_event_time_step(argv[1]) && result_event_time(ctx, p, end))
        return;
    result_json_span(ctx, p, end, flags & FLAG_OUTPUT);
}

static void result_buf(sqlite3_context *ctx, rs_buf *b, int as_blob) {
    if (b->oom) {
        sqlite3_result_error_nomem(ctx);
    } else if (as_blob) {
        sqlite3_result_blob(ctx, rs_buf_cstr(b), (int)b->len, SQLITE_TRANSIENT);
    } else {
        sqlite3_result_text(ctx, rs_buf_cstr(b), (int)b->len, SQLITE_TRANSIENT);
    }
}

static void fn_row(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int final = sqlite3_value_int(argv[0]);
    rs_buf b = RS_BUF_INIT;
    int n = 0;
    rs_buf_putc(&b, '{');
    for (int i = 1; i + 1 < argc; i += 2) {
        if (sqlite3_value_type(argv[i + 1]) == SQLITE_NULL)
            continue;
        if (n++)
            rs_buf_putc(&b, ',');
        rs_buf_json_string(&b, (const char *)sqlite3_value_text(argv[i]),
                           (size_t)sqlite3_value_bytes(argv[i]));
        rs_buf_putc(&b, ':');
        append_value_json(&b, argv[i + 1], final);
    }
    rs_buf_putc(&b, '}');
    result_buf(ctx, &b, 0);
    rs_buf_free(&b);
}

typedef struct member {
    const char *key, *key_end; /* key token, quotes included */
    const char *val, *val_end;
} member;

typedef struct members {
    member *items;
    int n, cap;
} members;

static int same_key(const member *a, const char *k, const char *k_end) {
    return a->key_end - a->key == k_end - k && memcmp(a->key, k, (size_t)(k_end - k)) == 0;
}

/* Add the members of object text [p,end), replacing earlier equal keys in place. */
static int collect_members(members *ms, const char *p, const char *end) {
    p = sqlx_json_ws(p, end);
    if (p >= end || *p != '{')
        return -1;
    p = sqlx_json_ws(p + 1, end);
    while (p < end && *p == '"') {
        member m;
        m.key = p;
        m.key_end = sqlx_json_skip(p, end);
        if (m.key_end == NULL)
            return -1;
        p = sqlx_json_ws(m.key_end, end);
        if (p >= end || *p != ':')
            return -1;
        m.val = sqlx_json_ws(p + 1, end);
        m.val_end = sqlx_json_skip(m.val, end);
        if (m.val_end == NULL)
            return -1;
        int i = 0;
        while (i < ms->n && !same_key(&ms->items[i], m.key, m.key_end))
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
        ms->items[i] = m;
        p = sqlx_json_ws(m.val_end, end);
        if (p < end && *p == ',')
            p = sqlx_json_ws(p + 1, end);
    }
    return 0;
}

static int key_in_args(const member *m, sqlite3_value **names, int n_names) {
    for (int i = 0; i < n_names; i++) {
        const char *k = (const char *)sqlite3_value_text(names[i]);
        size_t klen = (size_t)sqlite3_value_bytes(names[i]);
        if (k && (size_t)(m->key_end - m->key - 2) == klen && memcmp(m->key + 1, k, klen) == 0)
            return 1;
    }
    return 0;
}

static void write_members(sqlite3_context *ctx, const members *ms, int final, sqlite3_value **skip,
                          int n_skip) {
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
        char tname[32];
        const char *tv;
        int tlen;
        if (final && *m->val == '{' &&
            sqlx_typed_parse(m->val, (int)(m->val_end - m->val), tname, &tv, &tlen) &&
            strcmp(tname, "timestamp") == 0)
            rs_buf_append(&b, tv, (size_t)tlen);
        else
            rs_buf_append(&b, m->val, (size_t)(m->val_end - m->val));
    }
    rs_buf_putc(&b, '}');
    result_buf(ctx, &b, 0);
    rs_buf_free(&b);
}

static int has_typed_timestamp(const char *p, int len) {
    static const char needle[] = "{\"__rockset_type\":\"timestamp\"";
    return memmem(p, (size_t)len, needle, sizeof needle - 1) != NULL;
}

static void fn_merge(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int final = sqlite3_value_int(argv[0]);
    members ms = {NULL, 0, 0};
    int n_docs = 0, last = 0, len;
    for (int i = 1; i < argc; i++)
        if (sqlite3_value_type(argv[i]) != SQLITE_NULL)
            n_docs++, last = i;
    if (n_docs == 0) {
        sqlite3_result_text(ctx, "{}", 2, SQLITE_STATIC);
        return;
    }
    if (n_docs == 1) { /* fast path: SELECT * over one relation */
        const char *p = value_json_text(argv[last], &len);
        if (!final || !has_typed_timestamp(p, len)) {
            sqlite3_result_text(ctx, p, len, SQLITE_TRANSIENT);
            return;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            continue;
        const char *p = value_json_text(argv[i], &len);
        int rc = collect_members(&ms, p, p + len);
        if (rc == -2) {
            sqlite3_result_error_nomem(ctx);
            goto done;
        }
    }
    write_members(ctx, &ms, final, NULL, 0);
done:
    free(ms.items);
}

static void fn_except(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int final = sqlite3_value_int(argv[0]), len;
    members ms = {NULL, 0, 0};
    if (sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    const char *p = value_json_text(argv[1], &len);
    if (collect_members(&ms, p, p + len) == -2)
        sqlite3_result_error_nomem(ctx);
    else
        write_members(ctx, &ms, final, argv + 2, argc - 2);
    free(ms.items);
}

static void fn_first(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int len;
    members ms = {NULL, 0, 0};
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    const char *p = value_json_text(argv[0], &len);
    int rc = collect_members(&ms, p, p + len);
    if (rc == -2)
        sqlite3_result_error_nomem(ctx);
    else if (ms.n > 0)
        result_json_span(ctx, ms.items[0].val, p + len, 0);
    free(ms.items);
}

/* ---------------- rs_project: several bare fields in one pass ---------------- */

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
    for (int i = 0; spec && i < spec->n_steps; i++)
        free(spec->steps[i].key);
    free(spec);
}

/* '["a","b",0]' -> steps; NULL when malformed or out of memory. */
static path_spec *path_spec_parse(const char *text) {
    const char *end = text + strlen(text), *p = sqlx_json_ws(text, end);
    int n = 0;
    while (sqlx_json_element(p, end, n))
        n++;
    path_spec *spec = calloc(1, sizeof *spec + (size_t)n * sizeof spec->steps[0]);
    if (spec == NULL || n == 0) {
        free(spec);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        const char *e = sqlx_json_element(p, end, i);
        path_step *st = &spec->steps[spec->n_steps++];
        if (*e == '"') {
            rs_buf key = RS_BUF_INIT;
            if (!sqlx_json_unescape(e, end, &key) || !(st->key = rs_buf_detach(&key))) {
                rs_buf_free(&key);
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
    if (!memchr(k + 1, '\\', raw))
        return raw == key_len && memcmp(k + 1, key, key_len) == 0;
    rs_buf b = RS_BUF_INIT;
    int eq =
        sqlx_json_unescape(k, k_end, &b) && b.len == key_len && memcmp(b.data, key, key_len) == 0;
    rs_buf_free(&b);
    return eq;
}

/* Append one projected value: its stored text, with typed timestamps printed plain in final
 * output and a top-level _event_time string normalised to a timestamp. */
static void put_projected(rs_buf *out, const path_spec *spec, const char *v, const char *v_end,
                          int final) {
    char tname[32], norm[64];
    const char *tv;
    int tlen;
    int64_t micros;
    if (*v == '"' && spec->n_steps == 1 && spec->steps[0].key != NULL &&
        strcmp(spec->steps[0].key, "_event_time") == 0) {
        rs_buf text = RS_BUF_INIT;
        int ok = sqlx_json_unescape(v, v_end, &text) && !text.oom &&
                 sqlx_parse_timestamp(rs_buf_cstr(&text), &micros) == 0;
        rs_buf_free(&text);
        if (ok) {
            sqlx_format_timestamp(norm, sizeof norm, micros);
            if (final)
                rs_buf_json_string(out, norm, strlen(norm));
            else
                sqlx_typed_make(out, "timestamp", norm);
            return;
        }
    }
    if (*v == '-' || isdigit((unsigned char)*v)) {
        /* numbers are re-printed from their value, as rs_row does (1.50 -> 1.5) */
        char num[64];
        size_t len = (size_t)(v_end - v);
        snprintf(num, sizeof num, "%.*s", (int)(len < sizeof num ? len : sizeof num - 1), v);
        int is_int = len < sizeof num && !strpbrk(num, ".eE");
        long long iv = 0;
        if (is_int) {
            errno = 0;
            iv = strtoll(num, NULL, 10);
            is_int = errno == 0; /* beyond 64 bits: a float, as when read as a value */
        }
        if (is_int) {
            rs_buf_printf(out, "%lld", iv);
        } else {
            char text[40];
            sqlx_format_double(text, sizeof text, strtod(v, NULL));
            rs_buf_puts(out, text);
        }
        return;
    }
    if (final && *v == '{' && sqlx_typed_parse(v, (int)(v_end - v), tname, &tv, &tlen) &&
        strcmp(tname, "timestamp") == 0)
        rs_buf_append(out, tv, (size_t)tlen);
    else
        rs_buf_append(out, v, (size_t)(v_end - v));
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
    spec = path_spec_parse(text);
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
    const char *q = sqlx_json_ws(p, end);
    if (q >= end || *q != '{')
        return;
    q = sqlx_json_ws(q + 1, end);
    while (q < end && *q == '"') {
        const char *k = q, *k_end = sqlx_json_skip(q, end);
        if (k_end == NULL)
            return;
        q = sqlx_json_ws(k_end, end);
        if (q >= end || *q != ':')
            return;
        const char *v = sqlx_json_ws(q + 1, end);
        for (int i = 0; i < n; i++)
            if (specs[i]->steps[0].key != NULL &&
                member_key_is(k, k_end, specs[i]->steps[0].key, specs[i]->steps[0].key_len))
                found[i] = v;
        q = sqlx_json_skip(v, end);
        if (q == NULL)
            return;
        q = sqlx_json_ws(q, end);
        if (q < end && *q == ',')
            q = sqlx_json_ws(q + 1, end);
    }
}

/* The row object: for each item whose path leads to a value, "name": value; missing ones are
 * omitted. */
static void project_write_row(rs_buf *b, sqlite3_value **argv, const char *p, const char *end,
                              const path_spec *const *specs, const char **found, int n, int final) {
    int written = 0;
    rs_buf_putc(b, '{');
    for (int i = 0; i < n; i++) {
        const char *v = found[i];
        if (v == NULL && p != NULL && specs[i]->steps[0].key == NULL)
            v = sqlx_json_element(p, end, specs[i]->steps[0].index);
        for (int k = 1; v != NULL && k < specs[i]->n_steps; k++) {
            const path_step *st = &specs[i]->steps[k];
            v = st->key != NULL ? sqlx_json_member(v, end, st->key, st->key_len)
                                : sqlx_json_element(v, end, st->index);
        }
        const char *v_end = v != NULL ? sqlx_json_skip(v, end) : NULL;
        if (v_end == NULL)
            continue; /* missing: omitted */
        if (written++)
            rs_buf_putc(b, ',');
        rs_buf_json_string(b, (const char *)sqlite3_value_text(argv[2 + 2 * i]),
                           (size_t)sqlite3_value_bytes(argv[2 + 2 * i]));
        rs_buf_putc(b, ':');
        put_projected(b, specs[i], v, v_end, final);
    }
    rs_buf_putc(b, '}');
}

/* rs_project(final, doc, name1, spec1, ...): like rs_row over rs_getj values, but the top level
 * of the document is scanned once for all the fields. */
static void fn_project(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int n = (argc - 2) / 2, final = sqlite3_value_int(argv[0]), len = 0, n_owned = 0;
    const path_spec *specs[MAX_PROJECT];
    const char *found[MAX_PROJECT];
    path_spec *owned[MAX_PROJECT];
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
    const char *p =
        sqlite3_value_type(argv[1]) == SQLITE_NULL ? NULL : value_json_text(argv[1], &len);
    const char *end = p != NULL ? p + len : NULL;
    if (p != NULL)
        project_scan_members(p, end, specs, n, found);
    rs_buf b = RS_BUF_INIT;
    project_write_row(&b, argv, p, end, specs, found, n, final);
    result_buf(ctx, &b, 0);
    rs_buf_free(&b);
done:
    for (int i = 0; i < n_owned; i++)
        path_spec_free(owned[i]);
}

/* ---------------- conditions and operators ---------------- */

static int blob_is(sqlite3_value *v, const char *word) {
    size_t n = strlen(word);
    return sqlite3_value_type(v) == SQLITE_BLOB && (size_t)sqlite3_value_bytes(v) == n &&
           memcmp(sqlite3_value_blob(v), word, n) == 0;
}

static void fn_truth(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    if (blob_is(argv[0], "true") || blob_is(argv[0], "false")) {
        sqlite3_result_int(ctx, blob_is(argv[0], "true"));
        return;
    }
    char t[32], msg[96];
    value_type_name(argv[0], t, sizeof t);
    snprintf(msg, sizeof msg, "a condition must be a bool, got %s", t);
    sqlite3_result_error(ctx, msg, -1);
}

static int is_num(sqlite3_value *v) {
    int t = sqlite3_value_type(v);
    return t == SQLITE_INTEGER || t == SQLITE_FLOAT;
}

static int sign_of(int c) {
    return (c > 0) - (c < 0);
}

static int time_arg(sqlite3_value *v, int64_t *micros, char *type);

/* Microseconds of a text in the format of typed value type (for comparing typed with text). */
static int parse_as(const char *type, const char *text, int64_t *micros) {
    int y, m, d, h, mi, s, us;
    if (strcmp(type, "timestamp") == 0)
        return sqlx_parse_timestamp(text, micros) == 0;
    if (strcmp(type, "datetime") == 0)
        return sqlx_parse_datetime(text, micros) == 0;
    if (strcmp(type, "date") == 0 && sqlx_parse_date(text, &y, &m, &d) == 0) {
        *micros = sqlx_days_from_civil(y, (unsigned)m, (unsigned)d) * INT64_C(86400000000);
        return 1;
    }
    if (strcmp(type, "time") == 0 && sqlx_parse_time(text, &h, &mi, &s, &us) == 0) {
        *micros = ((int64_t)(h * 60 + mi) * 60 + s) * 1000000 + us;
        return 1;
    }
    return 0;
}

/* Compare two values of the same family; 0 with *out set, or -1 when they do not compare:
 * numbers numerically, strings by bytes (code points), bools false < true, typed values in
 * time order (a string compared with one is read in its format), objects/arrays by JSON text. */
static int compare_values(sqlite3_value *a, sqlite3_value *b, int *out) {
    int ta = sqlite3_value_type(a), tb = sqlite3_value_type(b);
    if (is_num(a) && is_num(b)) {
        if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
            int64_t x = sqlite3_value_int64(a), y = sqlite3_value_int64(b);
            *out = (x > y) - (x < y);
        } else {
            double x = sqlite3_value_double(a), y = sqlite3_value_double(b);
            *out = (x > y) - (x < y);
        }
        return 0;
    }
    char type_a[32], type_b[32];
    int64_t ma, mb;
    int la = sqlite3_value_bytes(a), lb = sqlite3_value_bytes(b);
    if (ta == SQLITE_TEXT && tb == SQLITE_TEXT) {
        int c = memcmp(sqlite3_value_text(a), sqlite3_value_text(b), (size_t)(la < lb ? la : lb));
        *out = c ? sign_of(c) : (la > lb) - (la < lb);
        return 0;
    }
    int a_time = time_arg(a, &ma, type_a), b_time = time_arg(b, &mb, type_b);
    if (a_time && b_time && strcmp(type_a, type_b) == 0) {
        *out = (ma > mb) - (ma < mb);
        return 0;
    }
    if (a_time && tb == SQLITE_TEXT && parse_as(type_a, (const char *)sqlite3_value_text(b), &mb)) {
        *out = (ma > mb) - (ma < mb);
        return 0;
    }
    if (b_time && ta == SQLITE_TEXT && parse_as(type_b, (const char *)sqlite3_value_text(a), &ma)) {
        *out = (ma > mb) - (ma < mb);
        return 0;
    }
    if (ta != SQLITE_BLOB || tb != SQLITE_BLOB || a_time || b_time)
        return -1;
    const char *pa = sqlite3_value_blob(a), *pb = sqlite3_value_blob(b);
    int a_bool = pa[0] == 't' || pa[0] == 'f', b_bool = pb[0] == 't' || pb[0] == 'f';
    if (a_bool != b_bool || (!a_bool && pa[0] != pb[0]))
        return -1; /* bool vs object, object vs array */
    if (a_bool) {
        *out = (pa[0] == 't') - (pb[0] == 't');
        return 0;
    }
    int c = memcmp(pa, pb, (size_t)(la < lb ? la : lb));
    *out = c ? sign_of(c) : (la > lb) - (la < lb);
    return 0;
}

static void fn_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int c;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    if (compare_values(argv[0], argv[1], &c) == 0)
        sqlite3_result_int(ctx, c);
}

/* x BETWEEN lo AND hi, three-valued. */
static void fn_between(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int lo, hi, lo_ok, hi_ok;
    (void)argc;
    lo_ok = sqlite3_value_type(argv[0]) != SQLITE_NULL &&
            sqlite3_value_type(argv[1]) != SQLITE_NULL &&
            compare_values(argv[0], argv[1], &lo) == 0;
    hi_ok = sqlite3_value_type(argv[0]) != SQLITE_NULL &&
            sqlite3_value_type(argv[2]) != SQLITE_NULL &&
            compare_values(argv[0], argv[2], &hi) == 0;
    if ((lo_ok && lo < 0) || (hi_ok && hi > 0))
        sqlite3_result_int(ctx, 0);
    else if (lo_ok && hi_ok)
        sqlite3_result_int(ctx, 1);
}

/* A number while folding arithmetic left to right. */
typedef struct num {
    int is_int;
    int64_t i;
    double d;
} num;

static num num_of(sqlite3_value *v) {
    num n = {sqlite3_value_type(v) == SQLITE_INTEGER, 0, 0};
    if (n.is_int)
        n.i = sqlite3_value_int64(v);
    n.d = sqlite3_value_double(v);
    return n;
}

/* a = a op b; returns NULL or an error message. */
static const char *num_apply(char op, num *a, num b) {
    if (a->is_int && b.is_int) {
        int64_t r = 0;
        int overflow = 0;
        if (op == '+')
            overflow = __builtin_add_overflow(a->i, b.i, &r);
        else if (op == '-')
            overflow = __builtin_sub_overflow(a->i, b.i, &r);
        else if (op == '*')
            overflow = __builtin_mul_overflow(a->i, b.i, &r);
        else if (b.i == 0)
            return "division by zero";
        else if (a->i == INT64_MIN && b.i == -1)
            overflow = op == '/', r = 0;
        else
            r = op == '/' ? a->i / b.i : a->i % b.i;
        if (overflow)
            return "integer overflow";
        a->i = r;
        a->d = (double)r;
        return NULL;
    }
    double x = a->is_int ? (double)a->i : a->d, y = b.is_int ? (double)b.i : b.d;
    if ((op == '/' || op == '%') && y == 0)
        return "division by zero";
    a->is_int = 0;
    a->d = op == '+'   ? x + y
           : op == '-' ? x - y
           : op == '*' ? x * y
           : op == '/' ? x / y
                       : fmod(x, y);
    return NULL;
}

/* rs_add(a, b, ...) etc.: ((a op b) op c) ...; user data is the operator character. Chains
 * like a + b + c arrive as one call so the emitted SQL does not nest deeply. */
static void fn_arith(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char op = (char)(intptr_t)sqlite3_user_data(ctx);
    char what[16];
    snprintf(what, sizeof what, "operator %c", op);
    for (int i = 0; i < argc; i++)
        if (sqlite3_value_type(argv[i]) == SQLITE_NULL)
            return;
    for (int i = 0; i < argc; i++) {
        if (!is_num(argv[i])) {
            sqlite3_value *pair[2] = {argv[i > 0 ? i - 1 : 0], argv[i > 0 ? i : 1]};
            type_error(ctx, what, pair, 2);
            return;
        }
    }
    num acc = num_of(argv[0]);
    for (int i = 1; i < argc; i++) {
        const char *problem = num_apply(op, &acc, num_of(argv[i]));
        if (problem != NULL) {
            char msg[64];
            if (strcmp(problem, "integer overflow") == 0)
                snprintf(msg, sizeof msg, "integer overflow in %s", what);
            else
                snprintf(msg, sizeof msg, "%s", problem);
            sqlite3_result_error(ctx, msg, -1);
            return;
        }
    }
    if (acc.is_int)
        sqlite3_result_int64(ctx, acc.i);
    else
        sqlite3_result_double(ctx, acc.d);
}

static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_buf b = RS_BUF_INIT;
    for (int i = 0; i < argc; i++) {
        int t = sqlite3_value_type(argv[i]);
        if (t == SQLITE_NULL) {
            rs_buf_free(&b);
            return;
        }
        if (t != SQLITE_TEXT) {
            char tn[32], msg[96];
            value_type_name(argv[i], tn, sizeof tn);
            snprintf(msg, sizeof msg, "CONCAT/||: argument %d must be a string, got %s", i + 1, tn);
            sqlite3_result_error(ctx, msg, -1);
            rs_buf_free(&b);
            return;
        }
        rs_buf_append(&b, sqlite3_value_text(argv[i]), (size_t)sqlite3_value_bytes(argv[i]));
    }
    result_buf(ctx, &b, 0);
    rs_buf_free(&b);
}

static void fn_str(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL)
        return;
    if (t == SQLITE_TEXT) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    char tn[32], msg[128];
    value_type_name(argv[0], tn, sizeof tn);
    snprintf(msg, sizeof msg, "%s: argument must be a string, got %s",
             (const char *)sqlite3_value_text(argv[1]), tn);
    sqlite3_result_error(ctx, msg, -1);
}

static void fn_raise(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    sqlite3_result_error(ctx, (const char *)sqlite3_value_text(argv[0]), -1);
}

/* rs_num(v, 'SUM'): v when it is a number or NULL, else an error naming the function. */
static void fn_num(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL)
        return;
    if (t == SQLITE_INTEGER || t == SQLITE_FLOAT) {
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    char tn[32], msg[128];
    value_type_name(argv[0], tn, sizeof tn);
    snprintf(msg, sizeof msg, "%s: argument must be a number, got %s",
             (const char *)sqlite3_value_text(argv[1]), tn);
    sqlite3_result_error(ctx, msg, -1);
}

/* Case-sensitive LIKE with % and _ (one UTF-8 character). */
static int like_match(const char *s, const char *p) {
    while (*p) {
        if (*p == '%') {
            while (*p == '%')
                p++;
            if (!*p)
                return 1;
            for (; *s; s++)
                if (like_match(s, p))
                    return 1;
            return 0;
        }
        if (!*s)
            return 0;
        if (*p == '_') {
            s++;
            while (((unsigned char)*s & 0xC0) == 0x80)
                s++;
            p++;
        } else if (*p++ != *s++) {
            return 0;
        }
    }
    return *s == 0;
}

static void fn_like(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
        type_error(ctx, "LIKE", argv, argc);
        return;
    }
    sqlite3_result_int(ctx, like_match((const char *)sqlite3_value_text(argv[0]),
                                       (const char *)sqlite3_value_text(argv[1])));
}

/* ---------------- scalar functions ---------------- */

static int64_t count_elements(const char *p, const char *end) {
    int64_t n = 0;
    p = sqlx_json_ws(p, end);
    if (p >= end || *p != '[')
        return -1;
    while (sqlx_json_element(p, end, n))
        n++;
    return n;
}

static void fn_length(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int t = sqlite3_value_type(argv[0]), len;
    if (t == SQLITE_NULL)
        return;
    if (t == SQLITE_TEXT) {
        const unsigned char *s = sqlite3_value_text(argv[0]);
        int64_t n = 0;
        for (; *s; s++)
            n += (*s & 0xC0) != 0x80;
        sqlite3_result_int64(ctx, n);
        return;
    }
    const char *p = t == SQLITE_BLOB ? value_json_text(argv[0], &len) : NULL;
    int64_t n = p ? count_elements(p, p + len) : -1;
    if (n < 0)
        type_error(ctx, "LENGTH", argv, argc);
    else
        sqlite3_result_int64(ctx, n);
}

/* user data: 'a' abs, 'f' floor, 'c' ceil, 's' sqrt */
static void fn_math1(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char op = (char)(intptr_t)sqlite3_user_data(ctx);
    static const char ops[] = "afcslegn";
    static const char *const names[] = {"ABS", "FLOOR", "CEIL",  "SQRT",
                                        "LN",  "EXP",   "LOG10", "SIGN"};
    const char *name = names[strchr(ops, op) - ops];
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    if (!is_num(argv[0])) {
        type_error(ctx, name, argv, argc);
        return;
    }
    /* ABS, FLOOR, CEIL and SIGN keep ints ints */
    if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER && strchr("afcn", op)) {
        int64_t v = sqlite3_value_int64(argv[0]);
        if (op == 'a' && v == INT64_MIN)
            sqlite3_result_error(ctx, "integer overflow in ABS", -1);
        else if (op == 'n')
            sqlite3_result_int64(ctx, (v > 0) - (v < 0));
        else
            sqlite3_result_int64(ctx, op == 'a' && v < 0 ? -v : v);
        return;
    }
    double d = sqlite3_value_double(argv[0]), r;
    switch (op) {
    case 'a':
        r = fabs(d);
        break;
    case 'f':
        r = floor(d);
        break;
    case 'c':
        r = ceil(d);
        break;
    case 's':
        r = sqrt(d);
        break;
    case 'l':
        r = d > 0 ? log(d) : NAN;
        break;
    case 'e':
        r = exp(d);
        break;
    case 'g':
        r = d > 0 ? log10(d) : NAN;
        break;
    default:
        r = (d > 0) - (d < 0);
    }
    if (isnan(r))
        return; /* outside the domain: null */
    sqlite3_result_double(ctx, r);
}

static void fn_starts_with(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT || sqlite3_value_type(argv[1]) != SQLITE_TEXT) {
        type_error(ctx, "STARTS_WITH", argv, argc);
        return;
    }
    int len = sqlite3_value_bytes(argv[0]), plen = sqlite3_value_bytes(argv[1]);
    sqlite3_result_int(ctx, plen <= len && memcmp(sqlite3_value_text(argv[0]),
                                                  sqlite3_value_text(argv[1]), (size_t)plen) == 0);
}

static void fn_round(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int64_t digits = 0;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
        (argc > 1 && sqlite3_value_type(argv[1]) == SQLITE_NULL))
        return;
    if (!is_num(argv[0]) || (argc > 1 && sqlite3_value_type(argv[1]) != SQLITE_INTEGER)) {
        type_error(ctx, "ROUND", argv, argc);
        return;
    }
    if (argc > 1)
        digits = sqlite3_value_int64(argv[1]);
    if (sqlite3_value_type(argv[0]) == SQLITE_INTEGER && digits >= 0) {
        sqlite3_result_int64(ctx, sqlite3_value_int64(argv[0]));
        return;
    }
    double d = sqlite3_value_double(argv[0]);
    if (digits < -300 || digits > 300) {
        sqlite3_result_double(ctx, d);
        return;
    }
    double scale = pow(10.0, (double)digits);
    sqlite3_result_double(ctx, round(d * scale) / scale);
}

static void fn_power(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    if (!is_num(argv[0]) || !is_num(argv[1])) {
        type_error(ctx, "POWER", argv, argc);
        return;
    }
    double r = pow(sqlite3_value_double(argv[0]), sqlite3_value_double(argv[1]));
    if (!isnan(r))
        sqlite3_result_double(ctx, r);
}

static void fn_typeof(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char t[32];
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL && sqlite3_value_int(argv[1])) {
        sqlite3_result_text(ctx, "undefined", -1, SQLITE_STATIC);
        return;
    }
    value_type_name(argv[0], t, sizeof t);
    sqlite3_result_text(ctx, t, -1, SQLITE_TRANSIENT);
}

static void fn_json_format(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_buf b = RS_BUF_INIT;
    (void)argc;
    append_value_json(&b, argv[0], 0);
    result_buf(ctx, &b, 0);
    rs_buf_free(&b);
}

static void fn_json_parse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    int t = sqlite3_value_type(argv[0]);
    if (t == SQLITE_NULL)
        return;
    if (t != SQLITE_TEXT) {
        type_error(ctx, "JSON_PARSE", argv, 1);
        return;
    }
    const char *p = (const char *)sqlite3_value_text(argv[0]);
    const char *end = p + sqlite3_value_bytes(argv[0]);
    const char *start = sqlx_json_ws(p, end);
    const char *vend = sqlx_json_skip(start, end);
    if (vend == NULL || sqlx_json_ws(vend, end) != end) {
        sqlite3_result_error(ctx, "JSON_PARSE: the argument is not valid JSON", -1);
        return;
    }
    result_json_span(ctx, start, vend, 0);
}

/* The needle is encoded to JSON and compared with each element's text; numbers numerically. */
static void fn_array_contains(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int len;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    const char *p =
        sqlite3_value_type(argv[0]) == SQLITE_BLOB ? value_json_text(argv[0], &len) : NULL;
    if (p == NULL || count_elements(p, p + len) < 0) {
        type_error(ctx, "ARRAY_CONTAINS", argv, 2);
        return;
    }
    rs_buf needle = RS_BUF_INIT;
    append_value_json(&needle, argv[1], 0);
    const char *end = p + len;
    int found = 0;
    for (int64_t i = 0; !found; i++) {
        const char *e = sqlx_json_element(p, end, i);
        if (e == NULL)
            break;
        const char *e_end = sqlx_json_skip(e, end);
        if (e_end == NULL)
            break;
        size_t elen = (size_t)(e_end - e);
        if (elen == needle.len && memcmp(e, needle.data, elen) == 0)
            found = 1;
        else if (is_num(argv[1]) && (*e == '-' || isdigit((unsigned char)*e)))
            found = strtod(e, NULL) == sqlite3_value_double(argv[1]);
    }
    if (needle.oom)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_int(ctx, found);
    rs_buf_free(&needle);
}

/* ---------------- ARRAY_AGG ---------------- */

typedef struct agg_state {
    rs_buf buf;
    int64_t n;
} agg_state;

static void array_agg_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    agg_state **slot = sqlite3_aggregate_context(ctx, sizeof *slot);
    if (slot == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (!*slot && !(*slot = calloc(1, sizeof **slot))) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    agg_state *st = *slot;
    rs_buf_putc(&st->buf, st->n++ ? ',' : '[');
    append_value_json(&st->buf, argv[0], 0);
}

static void array_agg_final(sqlite3_context *ctx) {
    agg_state **slot = sqlite3_aggregate_context(ctx, 0);
    if (slot == NULL || !*slot)
        return;
    agg_state *st = *slot;
    rs_buf_putc(&st->buf, ']');
    result_buf(ctx, &st->buf, 1);
    rs_buf_free(&st->buf);
    free(st);
    *slot = NULL;
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
    if (st->rows++ == 0 && !(st->first = sqlite3_value_dup(argv[0])))
        sqlite3_result_error_nomem(ctx);
}

static void one_final(sqlite3_context *ctx) {
    one_state *st = sqlite3_aggregate_context(ctx, 0);
    if (st == NULL)
        return;
    if (st->rows > 1)
        sqlite3_result_error(ctx, "a scalar subquery returned more than one row", -1);
    else if (st->first != NULL)
        sqlite3_result_value(ctx, st->first);
    sqlite3_value_free(st->first);
    st->first = NULL;
}

/* ---------------- casts ---------------- */

static void cast_fail(sqlite3_context *ctx, int is_try, sqlite3_value *v, const char *type) {
    char tn[32], msg[200];
    if (is_try)
        return;
    value_type_name(v, tn, sizeof tn);
    if (sqlite3_value_type(v) == SQLITE_TEXT)
        snprintf(msg, sizeof msg, "CAST: cannot convert string '%.60s' to %s",
                 (const char *)sqlite3_value_text(v), type);
    else
        snprintf(msg, sizeof msg, "CAST: cannot convert %s to %s", tn, type);
    sqlite3_result_error(ctx, msg, -1);
}

static void result_typed(sqlite3_context *ctx, const char *type, const char *value) {
    rs_buf b = RS_BUF_INIT;
    sqlx_typed_make(&b, type, value);
    result_buf(ctx, &b, 1);
    rs_buf_free(&b);
}

/* Typed value of a BLOB argument: type name and value text (NUL-terminated copy). */
static int typed_arg(sqlite3_value *v, char *type, char *value, size_t cap) {
    int len, vlen;
    const char *tv;
    if (sqlite3_value_type(v) != SQLITE_BLOB)
        return 0;
    const char *p = value_json_text(v, &len);
    if (!sqlx_typed_parse(p, len, type, &tv, &vlen) || vlen < 2 || (size_t)vlen - 2 >= cap)
        return 0;
    memcpy(value, tv + 1, (size_t)vlen - 2); /* strip the quotes */
    value[vlen - 2] = 0;
    return 1;
}

static int cast_to_string(sqlite3_context *ctx, sqlite3_value *v) {
    char type[32], value[128];
    rs_buf b = RS_BUF_INIT;
    switch (sqlite3_value_type(v)) {
    case SQLITE_TEXT:
        sqlite3_result_value(ctx, v);
        return 1;
    case SQLITE_BLOB:
        if (typed_arg(v, type, value, sizeof value)) {
            sqlite3_result_text(ctx, value, -1, SQLITE_TRANSIENT);
            return 1;
        }
        break;
    default:
        break;
    }
    append_value_json(&b, v, 0);
    result_buf(ctx, &b, 0);
    rs_buf_free(&b);
    return 1;
}

static int cast_to_int(sqlite3_context *ctx, sqlite3_value *v) {
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        sqlite3_result_value(ctx, v);
        return 1;
    case SQLITE_FLOAT: {
        double d = sqlite3_value_double(v);
        if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
            return 0;
        sqlite3_result_int64(ctx, (int64_t)d);
        return 1;
    }
    case SQLITE_TEXT: {
        const char *s = (const char *)sqlite3_value_text(v);
        char *end;
        errno = 0;
        long long n = strtoll(s, &end, 10);
        if (errno || end == s || *end)
            return 0;
        sqlite3_result_int64(ctx, n);
        return 1;
    }
    default:
        if (blob_is(v, "true") || blob_is(v, "false")) {
            sqlite3_result_int(ctx, blob_is(v, "true"));
            return 1;
        }
        return 0;
    }
}

static int cast_to_float(sqlite3_context *ctx, sqlite3_value *v) {
    if (is_num(v)) {
        sqlite3_result_double(ctx, sqlite3_value_double(v));
        return 1;
    }
    if (sqlite3_value_type(v) == SQLITE_TEXT) {
        const char *s = (const char *)sqlite3_value_text(v);
        char *end;
        double d = strtod(s, &end);
        if (end == s || *end)
            return 0;
        sqlite3_result_double(ctx, d);
        return 1;
    }
    if (blob_is(v, "true") || blob_is(v, "false")) {
        sqlite3_result_double(ctx, blob_is(v, "true"));
        return 1;
    }
    return 0;
}

static int cast_to_bool(sqlite3_context *ctx, sqlite3_value *v) {
    int truth = -1;
    if (blob_is(v, "true") || blob_is(v, "false"))
        truth = blob_is(v, "true");
    else if (is_num(v))
        truth = sqlite3_value_double(v) != 0;
    else if (sqlite3_value_type(v) == SQLITE_TEXT) {
        const char *s = (const char *)sqlite3_value_text(v);
        truth = strcasecmp(s, "true") == 0 ? 1 : strcasecmp(s, "false") == 0 ? 0 : -1;
    }
    if (truth < 0)
        return 0;
    sqlite3_result_blob(ctx, truth ? "true" : "false", truth ? 4 : 5, SQLITE_STATIC);
    return 1;
}

static int64_t now_micros(void) {
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
}

/* Microseconds of a timestamp, datetime or date value (dates at midnight UTC). */
static int time_arg(sqlite3_value *v, int64_t *micros, char *type) {
    char value[96];
    int y, m, d;
    if (!typed_arg(v, type, value, sizeof value))
        return 0;
    if (strcmp(type, "timestamp") == 0)
        return sqlx_parse_timestamp(value, micros) == 0;
    if (strcmp(type, "datetime") == 0)
        return sqlx_parse_datetime(value, micros) == 0;
    if (strcmp(type, "date") == 0 && sqlx_parse_date(value, &y, &m, &d) == 0) {
        *micros = sqlx_days_from_civil(y, (unsigned)m, (unsigned)d) * INT64_C(86400000000);
        return 1;
    }
    return 0;
}

static void result_timestamp(sqlite3_context *ctx, int64_t micros) {
    char text[64];
    sqlx_format_timestamp(text, sizeof text, micros);
    result_typed(ctx, "timestamp", text);
}

static void result_date(sqlite3_context *ctx, int64_t micros) {
    char text[64];
    sqlx_format_timestamp(text, sizeof text, micros);
    text[10] = 0;
    result_typed(ctx, "date", text);
}

static int cast_to_time_type(sqlite3_context *ctx, sqlite3_value *v, const char *type) {
    int64_t micros;
    char have[32], text[64];
    int y, m, d, h, mi, s, us;
    if (sqlite3_value_type(v) == SQLITE_TEXT) {
        const char *str = (const char *)sqlite3_value_text(v);
        if (strcmp(type, "timestamp") == 0 && sqlx_parse_timestamp(str, &micros) == 0) {
            result_timestamp(ctx, micros);
            return 1;
        }
        if (strcmp(type, "datetime") == 0 && sqlx_parse_datetime(str, &micros) == 0) {
            sqlx_format_datetime(text, sizeof text, micros);
            result_typed(ctx, "datetime", text);
            return 1;
        }
        if (strcmp(type, "date") == 0 && sqlx_parse_date(str, &y, &m, &d) == 0) {
            snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
            result_typed(ctx, "date", text);
            return 1;
        }
        if (strcmp(type, "time") == 0 && sqlx_parse_time(str, &h, &mi, &s, &us) == 0) {
            snprintf(text, sizeof text, "%02d:%02d:%02d.%06d", h, mi, s, us);
            result_typed(ctx, "time", text);
            return 1;
        }
        return 0;
    }
    if (!time_arg(v, &micros, have))
        return 0;
    if (strcmp(type, have) == 0) {
        sqlite3_result_value(ctx, v);
    } else if (strcmp(type, "date") == 0) {
        result_date(ctx, micros);
    } else if (strcmp(type, "timestamp") == 0) {
        result_timestamp(ctx, micros);
    } else if (strcmp(type, "datetime") == 0) {
        sqlx_format_datetime(text, sizeof text, micros);
        result_typed(ctx, "datetime", text);
    } else {
        return 0;
    }
    return 1;
}

static void fn_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char type[16];
    const char *t = (const char *)sqlite3_value_text(argv[1]);
    int is_try = sqlite3_value_int(argv[2]), ok;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    size_t i = 0;
    for (; t[i] && i + 1 < sizeof type; i++)
        type[i] = (char)tolower((unsigned char)t[i]);
    type[i] = 0;
    if (!strcmp(type, "int") || !strcmp(type, "integer") || !strcmp(type, "bigint"))
        ok = cast_to_int(ctx, argv[0]);
    else if (!strcmp(type, "float") || !strcmp(type, "double") || !strcmp(type, "real"))
        ok = cast_to_float(ctx, argv[0]);
    else if (!strcmp(type, "string") || !strcmp(type, "varchar") || !strcmp(type, "text"))
        ok = cast_to_string(ctx, argv[0]);
    else if (!strcmp(type, "bool") || !strcmp(type, "boolean"))
        ok = cast_to_bool(ctx, argv[0]);
    else
        ok = cast_to_time_type(ctx, argv[0], type);
    if (!ok)
        cast_fail(ctx, is_try, argv[0], type);
}

/* ---------------- date/time functions ---------------- */

static void fn_now(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    if (sqlite3_user_data(ctx))
        result_date(ctx, now_micros());
    else
        result_timestamp(ctx, now_micros());
}

static int need_time(sqlite3_context *ctx, sqlite3_value *v, const char *fname, int64_t *micros) {
    char type[32];
    if (time_arg(v, micros, type))
        return 1;
    char tn[32], msg[128];
    value_type_name(v, tn, sizeof tn);
    snprintf(msg, sizeof msg, "%s: expected a timestamp, got %s", fname, tn);
    sqlite3_result_error(ctx, msg, -1);
    return 0;
}

static void fn_date_trunc(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    static const struct {
        const char *unit;
        int64_t micros;
    } fixed[] = {{"microsecond", 1},
                 {"millisecond", 1000},
                 {"second", 1000000},
                 {"minute", INT64_C(60000000)},
                 {"hour", INT64_C(3600000000)},
                 {"day", INT64_C(86400000000)}};
    int64_t t;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || sqlite3_value_type(argv[1]) == SQLITE_NULL)
        return;
    if (!need_time(ctx, argv[1], "DATE_TRUNC", &t))
        return;
    const char *unit = (const char *)sqlite3_value_text(argv[0]);
    for (size_t i = 0; unit && i < sizeof fixed / sizeof fixed[0]; i++) {
        if (strcasecmp(unit, fixed[i].unit) == 0) {
            int64_t r = t % fixed[i].micros;
            result_timestamp(ctx, t - (r < 0 ? r + fixed[i].micros : r));
            return;
        }
    }
    int64_t day = t / INT64_C(86400000000) - (t % INT64_C(86400000000) < 0), y;
    unsigned m, d;
    sqlx_civil_from_days(day, &y, &m, &d);
    if (unit != NULL && strcasecmp(unit, "week") == 0) { /* weeks start on Monday */
        int64_t dow = ((day % 7) + 7 + 3) % 7;           /* 1970-01-01 was a Thursday */
        result_timestamp(ctx, (day - dow) * INT64_C(86400000000));
        return;
    }
    if (unit != NULL && strcasecmp(unit, "month") == 0)
        d = 1;
    else if (unit != NULL && strcasecmp(unit, "quarter") == 0)
        d = 1, m = (m - 1) / 3 * 3 + 1;
    else if (unit != NULL && strcasecmp(unit, "year") == 0)
        d = 1, m = 1;
    else {
        sqlite3_result_error(ctx, "DATE_TRUNC: unknown unit", -1);
        return;
    }
    result_timestamp(ctx, sqlx_days_from_civil(y, m, d) * INT64_C(86400000000));
}

static void fn_format_iso8601(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int64_t t;
    char text[64];
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL ||
        !need_time(ctx, argv[0], "FORMAT_ISO8601", &t))
        return;
    sqlx_format_timestamp(text, sizeof text, t);
    sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
}

static void fn_parse_ts(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int64_t t;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    if (sqlite3_value_type(argv[0]) != SQLITE_TEXT ||
        sqlx_parse_timestamp((const char *)sqlite3_value_text(argv[0]), &t) != 0) {
        sqlite3_result_error(ctx, "PARSE_TIMESTAMP_ISO8601: not an ISO 8601 timestamp", -1);
        return;
    }
    result_timestamp(ctx, t);
}

static void fn_unix_millis(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int64_t t;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL || !need_time(ctx, argv[0], "UNIX_MILLIS", &t))
        return;
    sqlite3_result_int64(ctx, t / 1000 - (t % 1000 < 0));
}

static void fn_timestamp_millis(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER) {
        type_error(ctx, "TIMESTAMP_MILLIS", argv, 1);
        return;
    }
    int64_t ms = sqlite3_value_int64(argv[0]);
    if (ms > INT64_MAX / 1000 || ms < INT64_MIN / 1000) {
        sqlite3_result_error(ctx, "TIMESTAMP_MILLIS: out of range", -1);
        return;
    }
    result_timestamp(ctx, ms * 1000);
}

static void fn_date(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        return;
    if (!cast_to_time_type(ctx, argv[0], "date"))
        cast_fail(ctx, 0, argv[0], "date");
}

static void fn_extract(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int64_t t, y;
    unsigned m, d;
    (void)argc;
    if (sqlite3_value_type(argv[1]) == SQLITE_NULL || !need_time(ctx, argv[1], "EXTRACT", &t))
        return;
    const char *part = (const char *)sqlite3_value_text(argv[0]);
    int64_t day = t / INT64_C(86400000000) - (t % INT64_C(86400000000) < 0);
    int64_t in_day = t - day * INT64_C(86400000000);
    sqlx_civil_from_days(day, &y, &m, &d);
    int64_t v;
    if (!strcasecmp(part, "YEAR"))
        v = y;
    else if (!strcasecmp(part, "QUARTER"))
        v = (m - 1) / 3 + 1;
    else if (!strcasecmp(part, "MONTH"))
        v = m;
    else if (!strcasecmp(part, "DAY"))
        v = d;
    else if (!strcasecmp(part, "HOUR"))
        v = in_day / INT64_C(3600000000);
    else if (!strcasecmp(part, "MINUTE"))
        v = in_day / 60000000 % 60;
    else if (!strcasecmp(part, "SECOND"))
        v = in_day / 1000000 % 60;
    else if (!strcasecmp(part, "MILLISECOND"))
        v = in_day / 1000 % 1000;
    else if (!strcasecmp(part, "MICROSECOND"))
        v = in_day % 1000000;
    else if (!strcasecmp(part, "DAYOFWEEK")) /* 1 = Sunday */
        v = ((day % 7) + 7 + 4) % 7 + 1;
    else if (!strcasecmp(part, "DAYOFYEAR"))
        v = day - sqlx_days_from_civil(y, 1, 1) + 1;
    else {
        char msg[96];
        snprintf(msg, sizeof msg, "EXTRACT: unknown part '%s'", part);
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    sqlite3_result_int64(ctx, v);
}

/* ---------------- registration ---------------- */

typedef struct fn_reg {
    const char *name;
    int n_args; /* -1 = any */
    intptr_t user;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
    int deterministic;
} fn_reg;

/* clang-format off */
static const fn_reg registry[] = {
    {"rs_get", -1, 0, fn_get, 1},          {"rs_getj", -1, FLAG_OUTPUT, fn_get, 1},
    {"rs_getv", -1, FLAG_BLOBONLY, fn_get, 1},
    {"rs_row", -1, 0, fn_row, 1},
    {"rs_project", -1, 0, fn_project, 1},          {"rs_merge", -1, 0, fn_merge, 1},
    {"rs_except", -1, 0, fn_except, 1},    {"rs_first", 1, 0, fn_first, 1},
    {"rs_truth", 1, 0, fn_truth, 1},
    {"rs_cmp", 2, 0, fn_cmp, 1},
    {"rs_between", 3, 0, fn_between, 1},
    {"rs_add", -1, '+', fn_arith, 1},       {"rs_sub", -1, '-', fn_arith, 1},
    {"rs_mul", -1, '*', fn_arith, 1},       {"rs_div", -1, '/', fn_arith, 1},
    {"rs_mod", -1, '%', fn_arith, 1},       {"rs_concat", -1, 0, fn_concat, 1},
    {"rs_str", 2, 0, fn_str, 1},
    {"rs_num", 2, 0, fn_num, 1},
    {"rs_raise", 1, 0, fn_raise, 0},           {"rs_like", 2, 0, fn_like, 1},
    {"rs_length", 1, 0, fn_length, 1},     {"rs_abs", 1, 'a', fn_math1, 1},
    {"rs_floor", 1, 'f', fn_math1, 1},     {"rs_ceil", 1, 'c', fn_math1, 1},
    {"rs_sqrt", 1, 's', fn_math1, 1},
    {"rs_ln", 1, 'l', fn_math1, 1},
    {"rs_exp", 1, 'e', fn_math1, 1},
    {"rs_log10", 1, 'g', fn_math1, 1},
    {"rs_sign", 1, 'n', fn_math1, 1},
    {"rs_starts_with", 2, 0, fn_starts_with, 1},      {"rs_round", -1, 0, fn_round, 1},
    {"rs_power", 2, 0, fn_power, 1},       {"rs_typeof", 2, 0, fn_typeof, 1},
    {"rs_json_format", 1, 0, fn_json_format, 1}, {"rs_json_parse", 1, 0, fn_json_parse, 1},
    {"rs_array_contains", 2, 0, fn_array_contains, 1},
    {"rs_cast", 3, 0, fn_cast, 1},
    {"rs_now", 0, 0, fn_now, 0},           {"rs_today", 0, 1, fn_now, 0},
    {"rs_date_trunc", 2, 0, fn_date_trunc, 1},
    {"rs_format_iso8601", 1, 0, fn_format_iso8601, 1},
    {"rs_parse_timestamp_iso8601", 1, 0, fn_parse_ts, 1},
    {"rs_unix_millis", 1, 0, fn_unix_millis, 1},
    {"rs_timestamp_millis", 1, 0, fn_timestamp_millis, 1},
    {"rs_date", 1, 0, fn_date, 1},         {"rs_extract", 2, 0, fn_extract, 1},
    {NULL, 0, 0, NULL, 0}};
/* clang-format on */

int sqlx_register_functions(sqlite3 *db) {
    for (int i = 0; registry[i].name; i++) {
        int flags = SQLITE_UTF8 | (registry[i].deterministic ? SQLITE_DETERMINISTIC : 0);
        int rc =
            sqlite3_create_function_v2(db, registry[i].name, registry[i].n_args, flags,
                                       (void *)registry[i].user, registry[i].fn, NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            return rc;
    }
    int rc = sqlite3_create_function_v2(db, "rs_array_agg", 1, SQLITE_UTF8, NULL, NULL,
                                        array_agg_step, array_agg_final, NULL);
    if (rc != SQLITE_OK)
        return rc;
    return sqlite3_create_function_v2(db, "rs_one", 1, SQLITE_UTF8, NULL, NULL, one_step, one_final,
                                      NULL);
}

/* ---------------- parameters ---------------- */

static int bind_rc(int rc, const char *name, rs_err *err) {
    if (rc == SQLITE_OK)
        return 0;
    if (rc == SQLITE_NOMEM)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return rs_err_set(err, RS_EINVAL, "parameter '%s': cannot bind (sqlite code %d)", name, rc);
}

static int bind_typed(sqlite3_stmt *stmt, int idx, const char *type, const char *text) {
    rs_buf b = RS_BUF_INIT;
    sqlx_typed_make(&b, type, text);
    int rc =
        b.oom ? SQLITE_NOMEM : sqlite3_bind_blob(stmt, idx, b.data, (int)b.len, SQLITE_TRANSIENT);
    rs_buf_free(&b);
    return rc;
}

static int bind_time_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                           const char *value, rs_err *err) {
    char text[64];
    int64_t micros;
    int y, m, d, h, mi, s, us, ok = 0;
    if (strcmp(type, "date") == 0 && sqlx_parse_date(value, &y, &m, &d) == 0) {
        snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
        ok = 1;
    } else if (strcmp(type, "time") == 0 && sqlx_parse_time(value, &h, &mi, &s, &us) == 0) {
        snprintf(text, sizeof text, "%02d:%02d:%02d.%06d", h, mi, s, us);
        ok = 1;
    } else if (strcmp(type, "datetime") == 0 && sqlx_parse_datetime(value, &micros) == 0) {
        sqlx_format_datetime(text, sizeof text, micros);
        ok = 1;
    } else if (strcmp(type, "timestamp") == 0 && sqlx_parse_timestamp(value, &micros) == 0) {
        sqlx_format_timestamp(text, sizeof text, micros);
        ok = 1;
    }
    if (!ok)
        return rs_err_set(err, RS_EINVAL, "parameter '%s': '%s' is not a valid %s", name, value,
                          type);
    return bind_rc(bind_typed(stmt, idx, type, text), name, err);
}

/* type "" (or missing): the value is JSON / Rockset extended JSON. */
static int bind_json_param(sqlite3_stmt *stmt, int idx, const char *name, const char *value,
                           rs_err *err) {
    const char *end = value + strlen(value);
    const char *p = sqlx_json_ws(value, end);
    const char *vend = sqlx_json_skip(p, end);
    if (vend == NULL || sqlx_json_ws(vend, end) != end)
        return rs_err_set(err, RS_EINVAL, "parameter '%s': '%s' is not valid JSON", name, value);
    if (*p == '{') {
        const char *t = sqlx_json_member(p, vend, "__rockset_type", 14);
        const char *v = sqlx_json_member(p, vend, "value", 5);
        if (t != NULL && v != NULL && *t == '"' && *v == '"') {
            rs_buf tb = RS_BUF_INIT, vb = RS_BUF_INIT;
            int rc;
            if (!sqlx_json_unescape(t, vend, &tb) || !sqlx_json_unescape(v, vend, &vb)) {
                rc = rs_err_set(err, RS_EINVAL, "parameter '%s': bad extended JSON", name);
            } else {
                for (size_t i = 0; i < tb.len; i++)
                    tb.data[i] = (char)tolower((unsigned char)tb.data[i]);
                rc = sqlx_bind_param(stmt, idx, name, rs_buf_cstr(&tb), rs_buf_cstr(&vb), err);
            }
            rs_buf_free(&tb);
            rs_buf_free(&vb);
            return rc;
        }
    }
    if (*p == 'n')
        return bind_rc(sqlite3_bind_null(stmt, idx), name, err);
    if (*p == '"') {
        rs_buf b = RS_BUF_INIT;
        sqlx_json_unescape(p, vend, &b);
        int rc = b.oom
                     ? SQLITE_NOMEM
                     : sqlite3_bind_text(stmt, idx, rs_buf_cstr(&b), (int)b.len, SQLITE_TRANSIENT);
        rs_buf_free(&b);
        return bind_rc(rc, name, err);
    }
    if (*p == '-' || isdigit((unsigned char)*p)) {
        char numtext[64];
        snprintf(numtext, sizeof numtext, "%.*s", (int)(vend - p), p);
        return sqlx_bind_param(stmt, idx, name, strpbrk(numtext, ".eE") ? "float" : "int", numtext,
                               err);
    }
    return bind_rc(sqlite3_bind_blob(stmt, idx, p, (int)(vend - p), SQLITE_TRANSIENT), name, err);
}

int sqlx_bind_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                    const char *value, rs_err *err) {
    char *end;
    if (value == NULL)
        value = "";
    if (type == NULL || !*type)
        return bind_json_param(stmt, idx, name, value, err);
    if (strcasecmp(type, "int") == 0) {
        errno = 0;
        long long n = strtoll(value, &end, 10);
        if (errno || end == value || *end)
            return rs_err_set(err, RS_EINVAL, "parameter '%s': '%s' is not a valid int", name,
                              value);
        return bind_rc(sqlite3_bind_int64(stmt, idx, n), name, err);
    }
    if (strcasecmp(type, "float") == 0) {
        double d = strtod(value, &end);
        if (end == value || *end)
            return rs_err_set(err, RS_EINVAL, "parameter '%s': '%s' is not a valid float", name,
                              value);
        return bind_rc(sqlite3_bind_double(stmt, idx, d), name, err);
    }
    if (strcasecmp(type, "bool") == 0 || strcasecmp(type, "boolean") == 0) {
        int t = strcasecmp(value, "true") == 0, f = strcasecmp(value, "false") == 0;
        if (!t && !f)
            return rs_err_set(err, RS_EINVAL, "parameter '%s': '%s' is not a valid bool", name,
                              value);
        return bind_rc(sqlite3_bind_blob(stmt, idx, t ? "true" : "false", t ? 4 : 5, SQLITE_STATIC),
                       name, err);
    }
    if (strcasecmp(type, "string") == 0)
        return bind_rc(sqlite3_bind_text(stmt, idx, value, -1, SQLITE_TRANSIENT), name, err);
    if (strcasecmp(type, "null") == 0)
        return bind_rc(sqlite3_bind_null(stmt, idx), name, err);
    if (strcasecmp(type, "object") == 0 || strcasecmp(type, "array") == 0)
        return bind_json_param(stmt, idx, name, value, err);
    char lower[16];
    snprintf(lower, sizeof lower, "%s", type);
    for (char *c = lower; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if (!strcmp(lower, "date") || !strcmp(lower, "time") || !strcmp(lower, "datetime") ||
        !strcmp(lower, "timestamp"))
        return bind_time_param(stmt, idx, name, lower, value, err);
    return rs_err_set(err, RS_EINVAL, "parameter '%s': unknown type '%s'", name, type);
}
