/*
 * paths.c - paths into JSON documents, read as rs_get reads them (see paths.h).
 */
#include "paths.h"

#include "datetime.h"
#include "value.h"

#include "buf.h"
#include "err.h"

#include <stdlib.h>
#include <string.h>

#define PLAIN_STRING_MAX 256 /* longer strings go through result_json */

void rt_path_free(void *p) {
    rt_path *path = p;
    for (int i = 0; path != NULL && i < path->n_steps; i++)
        free(path->steps[i].key);
    free(path);
}

rt_path *rt_path_parse(rs_jsonscan_span text) {
    rs_jsonscan_span e;
    rs_jsonscan_iter it;
    long n = rs_jsonscan_count(text);
    if (n <= 0 || rs_jsonscan_classify(text) != RS_JSON_ARRAY)
        return NULL;
    rt_path *path = calloc(1, sizeof *path + (size_t)n * sizeof path->steps[0]);
    if (path == NULL)
        return NULL;
    rs_jsonscan_iter_init(&it, text);
    while (rs_jsonscan_iter_next(&it, NULL, &e) == 1 && path->n_steps < n) {
        rt_path_step *st = &path->steps[path->n_steps++];
        if (*e.ptr == '"') {
            if (rs_jsonscan_string_dup(e, &st->key, NULL) != RS_OK) {
                rt_path_free(path);
                return NULL;
            }
            st->key_len = strlen(st->key);
        } else {
            st->index = strtoll(e.ptr, NULL, 10);
        }
    }
    return path;
}

void rt_path_scan_members(rs_jsonscan_span doc, int valid, const rt_path *const *paths, int n,
                          rs_jsonscan_span *found) {
    rs_jsonscan_iter it;
    rs_jsonscan_span k, v;
    if (valid) {
        if (doc.len < 2 || doc.ptr[0] != '{' || rs_jsonscan_iter_init_valid(&it, doc) != RS_OK)
            return;
    } else if (rs_jsonscan_classify(doc) != RS_JSON_OBJECT ||
               rs_jsonscan_iter_init(&it, doc) != RS_OK) {
        return;
    }
    while (rs_jsonscan_iter_next(&it, &k, &v) == 1) {
        /* a key without escapes is its own name: compared as it is, without a call per item */
        const char *raw = k.ptr + 1;
        size_t raw_len = k.len - 2;
        int plain = memchr(raw, '\\', raw_len) == NULL;
        for (int i = 0; i < n; i++) {
            const rt_path_step *st = &paths[i]->steps[0];
            if (st->key != NULL &&
                (plain ? raw_len == st->key_len && memcmp(raw, st->key, raw_len) == 0
                       : rs_jsonscan_key_equals(k, st->key, st->key_len)))
                found[i] = v;
        }
    }
}

int rt_path_follow(const rt_path *path, rs_jsonscan_span *v) {
    for (int k = 1; k < path->n_steps; k++) {
        const rt_path_step *st = &path->steps[k];
        if (!(st->key != NULL ? rs_jsonscan_get_last(*v, st->key, st->key_len, v)
                              : rs_jsonscan_element(*v, st->index, v)))
            return 0;
    }
    return 1;
}

int rt_is_event_time_name(const char *s, size_t len) {
    return len == 11 && memcmp(s, "_event_time", 11) == 0;
}

int rt_path_is_event_time(const rt_path *path) {
    return path->n_steps == 1 && path->steps[0].key != NULL &&
           rt_is_event_time_name(path->steps[0].key, path->steps[0].key_len);
}

int rt_event_time_value(const rv *v, rv *out) {
    int64_t micros;
    if (v->type != RV_STRING || rt_parse_timestamp(v->s, v->len, &micros) != 0)
        return 0;
    *out = rv_typed(RV_TIMESTAMP, micros);
    return 1;
}

/* The result: the JSON value in span decoded (undefined when malformed). */
static void result_json(sqlite3_context *ctx, rs_jsonscan_span span, int event_time) {
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    rv v, ts;
    if (rv_from_json(span.ptr, span.len, &v, &scratch, &err) != 0) {
        if (scratch.oom)
            sqlite3_result_error_nomem(ctx);
        rs_buf_free(&scratch);
        return; /* malformed: undefined */
    }
    if (event_time && rt_event_time_value(&v, &ts))
        v = ts;
    rv_result(ctx, &v);
    rs_buf_free(&scratch);
}

/* The value span (validated by the scan that found it) when it is an array, a string without
 * escape or an integer of at most 18 digits: set as the result the way result_json would
 * (rv_from_json borrows such a string as it is and reads such an integer with strtoll), without its
 * second scan and decoding of the value; 1 when done, 0 for the general path. A string is handed
 * over NUL-terminated (length -1: SQLite marks it terminated), so that sqlite3_value_text on it -
 * rs_skey's, on every index key - need not grow SQLite's copy to add the terminator; a JSON
 * string without escape holds no NUL byte (control characters are escaped). */
static int result_plain(sqlite3_context *ctx, rs_jsonscan_span v) {
    /* rv_from_json keeps an array as its text: an UNNEST's argument goes on unscanned */
    if (v.len >= 2 && v.ptr[0] == '[') {
        sqlite3_result_blob(ctx, v.ptr, (int)v.len, SQLITE_TRANSIENT);
        return 1;
    }
    if (v.len >= 2 && v.ptr[0] == '"' && v.len - 2 < PLAIN_STRING_MAX &&
        memchr(v.ptr + 1, '\\', v.len - 2) == NULL) {
        char text[PLAIN_STRING_MAX + 1];
        memcpy(text, v.ptr + 1, v.len - 2);
        text[v.len - 2] = '\0';
        sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
        return 1;
    }
    size_t neg = v.len > 0 && v.ptr[0] == '-';
    if (v.len <= neg || v.len - neg > 18)
        return 0;
    int64_t n = 0;
    for (size_t k = neg; k < v.len; k++) {
        if (v.ptr[k] < '0' || v.ptr[k] > '9')
            return 0;
        n = n * 10 + (v.ptr[k] - '0');
    }
    sqlite3_result_int64(ctx, neg ? -n : n);
    return 1;
}

void rt_get_result(sqlite3_context *ctx, rs_jsonscan_span v, int event_time) {
    if (event_time || !result_plain(ctx, v))
        result_json(ctx, v, event_time);
}
