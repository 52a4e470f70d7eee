/*
 * fn_string.c - string functions. Strings are UTF-8 and every position, length and count is in
 * code points (Presto's rules where Rockset's documentation is silent; docs/sql-subset.md has
 * the decisions: SUBSTR with start 0 or past the end gives '', REPLACE with an empty search
 * inserts around every character, SPLIT keeps empty parts, LOWER/UPPER map one code point to
 * one, TRIM strips ASCII whitespace).
 */
#include "fn_util.h"
#include "ops.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Byte offset of code point index k (0-based) in s[0..len), or len when beyond. */
static size_t byte_at(const char *s, size_t len, int64_t k) {
    size_t off = 0;
    while (k > 0 && off < len) {
        size_t n;
        rt_utf8_next(s + off, len - off, &n);
        off += n;
        k--;
    }
    return off;
}

static void put_cp(rs_buf *b, unsigned cp) {
    char bytes[4];
    rs_buf_append(b, bytes, rs_utf8_encode(cp, bytes));
}

/* ---------------- CONCAT, LOWER, UPPER, LENGTH ---------------- */

/* CONCAT: null and undefined arguments are ignored (Rockset's documentation); any other value
 * joins in the text form CAST(x AS string) gives it (decision D35: production lambdas call
 * CONCAT(string, int), which Rockset answers). */
static void fn_concat(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv vals[RT_MAX_ARGS];
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, vals, 1)) /* a null or undefined argument: null */
        return;
    for (int i = 0; i < argc; i++) {
        if (!rt_string_form(&vals[i], &b)) {
            sqlite3_result_error_nomem(ctx);
            rs_buf_free(&b);
            return;
        }
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* a || b || ...: SQL's operator, stricter than CONCAT: strings only, and null when any operand
 * is null or undefined. */
static void fn_concat_op(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv vals[RT_MAX_ARGS];
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, vals, 1))
        return;
    for (int i = 0; i < argc; i++) {
        if (vals[i].type != RV_STRING) {
            char msg[128];
            snprintf(msg, sizeof msg, "||: argument %d must be a string, got %s", i + 1,
                     rv_type_name(vals[i].type));
            sqlite3_result_error(ctx, msg, -1);
            rs_buf_free(&b);
            return;
        }
        rs_buf_append(&b, vals[i].s, vals[i].len);
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static void map_case(sqlite3_context *ctx, int argc, sqlite3_value **argv, int upper) {
    rv v;
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    for (size_t off = 0; off < v.len;) {
        size_t n;
        unsigned cp = rt_utf8_next(v.s + off, v.len - off, &n);
        if (n == 1 && cp >= 0x80)
            rs_buf_putc(&b, v.s[off]); /* an invalid byte stays as it is */
        else
            put_cp(&b, upper ? rt_to_upper(cp) : rt_to_lower(cp));
        off += n;
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static void fn_lower(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    map_case(ctx, argc, argv, 0);
}

static void fn_upper(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    map_case(ctx, argc, argv, 1);
}

static void fn_length(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (!rt_args(ctx, argc, argv, &v, 1))
        return;
    if (v.type == RV_STRING) {
        sqlite3_result_int64(ctx, rt_utf8_count(v.s, v.len));
    } else if (v.type == RV_ARRAY || v.type == RV_OBJECT) {
        rv_iter it;
        rv elem;
        rs_buf scratch = RS_BUF_INIT, key = RS_BUF_INIT;
        rs_err err;
        int64_t n = 0;
        rv_iter_init(&it, &v);
        while (rv_iter_next(&it, &elem, &scratch, &key, &err) == 1)
            n++;
        rs_buf_free(&scratch);
        rs_buf_free(&key);
        sqlite3_result_int64(ctx, n);
    } else {
        rt_type_error(ctx, 0, 1, "a string, array or object", &v);
    }
}

static void fn_char_length(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (rt_args(ctx, argc, argv, &v, 1) && rt_want_string(ctx, &v, 0, 1))
        sqlite3_result_int64(ctx, rt_utf8_count(v.s, v.len));
}

/* ---------------- SUBSTR, STRPOS, STARTS_WITH, REVERSE ---------------- */

static void fn_substr(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, argc) ||
        !rt_want_int(ctx, v, 1, argc) || (argc > 2 && !rt_want_int(ctx, v, 2, argc)))
        return;
    int64_t n = rt_utf8_count(v[0].s, v[0].len), start = v[1].i;
    if (start < 0)
        start = n + start + 1;
    if (start <= 0 || start > n || (argc > 2 && v[2].i <= 0)) {
        sqlite3_result_text(ctx, "", 0, SQLITE_STATIC);
        return;
    }
    size_t from = byte_at(v[0].s, v[0].len, start - 1);
    size_t to = argc > 2 ? from + byte_at(v[0].s + from, v[0].len - from, v[2].i) : v[0].len;
    sqlite3_result_text(ctx, v[0].s + from, (int)(to - from), SQLITE_TRANSIENT);
}

/* 1-based code point position of needle in hay, 0 when absent ('' is at 1). */
static int64_t find_cp(const rv *hay, const rv *needle) {
    const char *at = needle->len == 0 ? hay->s : memmem(hay->s, hay->len, needle->s, needle->len);
    if (at == NULL)
        return 0;
    return rt_utf8_count(hay->s, (size_t)(at - hay->s)) + 1;
}

static void fn_strpos(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    if (rt_args(ctx, argc, argv, v, 1) && rt_want_string(ctx, v, 0, 2) &&
        rt_want_string(ctx, v, 1, 2))
        sqlite3_result_int64(ctx, find_cp(&v[0], &v[1]));
}

static void fn_starts_with(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    if (rt_args(ctx, argc, argv, v, 1) && rt_want_string(ctx, v, 0, 2) &&
        rt_want_string(ctx, v, 1, 2))
        rv_result_bool(ctx, v[1].len <= v[0].len && memcmp(v[0].s, v[1].s, v[1].len) == 0);
}

static void fn_reverse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    if (rs_buf_reserve(&b, v.len + 1) == 0) {
        size_t off = v.len;
        while (off > 0) {
            size_t start = off - 1;
            while (start > 0 && ((unsigned char)v.s[start] & 0xC0) == 0x80)
                start--;
            rs_buf_append(&b, v.s + start, off - start);
            off = start;
        }
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* ---------------- REPLACE, SPLIT, SPLIT_PART ---------------- */

static void fn_replace(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, argc) ||
        !rt_want_string(ctx, v, 1, argc) || (argc > 2 && !rt_want_string(ctx, v, 2, argc)))
        return;
    rv repl = argc > 2 ? v[2] : rv_string("", 0);
    if (v[1].len == 0) { /* the replacement around every character */
        rs_buf_append(&b, repl.s, repl.len);
        for (size_t off = 0; off < v[0].len;) {
            size_t n;
            rt_utf8_next(v[0].s + off, v[0].len - off, &n);
            rs_buf_append(&b, v[0].s + off, n);
            rs_buf_append(&b, repl.s, repl.len);
            off += n;
        }
    } else {
        const char *p = v[0].s, *end = v[0].s + v[0].len, *hit;
        while ((size_t)(end - p) >= v[1].len) {
            hit = memmem(p, (size_t)(end - p), v[1].s, v[1].len);
            if (hit == NULL)
                break;
            rs_buf_append(&b, p, (size_t)(hit - p));
            rs_buf_append(&b, repl.s, repl.len);
            p = hit + v[1].len;
        }
        rs_buf_append(&b, p, (size_t)(end - p));
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* The parts of s split at delim, at most limit (<= 0: all), as a JSON array in out. */
static void split_into(rs_buf *out, const rv *s, const rv *delim, int64_t limit) {
    rv_json_builder jb;
    const char *p = s->s, *end = s->s + s->len;
    int64_t n = 0;
    rv_json_begin(&jb, out, 0);
    for (;;) {
        const char *hit =
            limit > 0 && n + 1 >= limit ? NULL : memmem(p, (size_t)(end - p), delim->s, delim->len);
        rv part = rv_string(p, hit != NULL ? (size_t)(hit - p) : (size_t)(end - p));
        rv_json_add(&jb, NULL, 0, &part);
        n++;
        if (hit == NULL)
            break;
        p = hit + delim->len;
    }
    rv_json_end(&jb);
}

static void fn_split(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, argc) ||
        !rt_want_string(ctx, v, 1, argc) || (argc > 2 && !rt_want_int(ctx, v, 2, argc)))
        return;
    if (v[1].len == 0) {
        rt_error(ctx, "the delimiter must not be empty");
        return;
    }
    if (argc > 2 && v[2].i < 1) {
        rt_error(ctx, "limit must be positive, got %lld", (long long)v[2].i);
        return;
    }
    split_into(&b, &v[0], &v[1], argc > 2 ? v[2].i : 0);
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

static void fn_split_part(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[3];
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, 3) ||
        !rt_want_string(ctx, v, 1, 3) || !rt_want_int(ctx, v, 2, 3))
        return;
    if (v[1].len == 0) {
        rt_error(ctx, "the delimiter must not be empty");
        return;
    }
    if (v[2].i < 1) {
        rt_error(ctx, "index must be positive, got %lld", (long long)v[2].i);
        return;
    }
    const char *p = v[0].s, *end = v[0].s + v[0].len;
    for (int64_t k = 1;; k++) {
        const char *hit = memmem(p, (size_t)(end - p), v[1].s, v[1].len);
        if (k == v[2].i) {
            size_t n = hit != NULL ? (size_t)(hit - p) : (size_t)(end - p);
            sqlite3_result_text(ctx, p, (int)n, SQLITE_TRANSIENT);
            return;
        }
        if (hit == NULL)
            break;
        p = hit + v[1].len;
    }
    rv_result_null(ctx);
}

/* ---------------- TRIM ---------------- */

static int in_set(unsigned cp, const rv *chars) {
    if (chars == NULL)
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\f' || cp == '\v';
    for (size_t off = 0; off < chars->len;) {
        size_t n;
        if (rt_utf8_next(chars->s + off, chars->len - off, &n) == cp)
            return 1;
        off += n;
    }
    return 0;
}

static void trim_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, int left, int right) {
    rv v[2];
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, argc) ||
        (argc > 1 && !rt_want_string(ctx, v, 1, argc)))
        return;
    const rv *chars = argc > 1 ? &v[1] : NULL;
    size_t from = 0, to = v[0].len, n;
    while (left && from < to && in_set(rt_utf8_next(v[0].s + from, to - from, &n), chars))
        from += n;
    while (right && to > from) {
        size_t start = to - 1;
        while (start > from && ((unsigned char)v[0].s[start] & 0xC0) == 0x80)
            start--;
        if (!in_set(rt_utf8_next(v[0].s + start, to - start, &n), chars))
            break;
        to = start;
    }
    sqlite3_result_text(ctx, v[0].s + from, (int)(to - from), SQLITE_TRANSIENT);
}

static void fn_trim(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    trim_common(ctx, argc, argv, 1, 1);
}

static void fn_ltrim(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    trim_common(ctx, argc, argv, 1, 0);
}

static void fn_rtrim(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    trim_common(ctx, argc, argv, 0, 1);
}

/* ---------------- CHR, CODEPOINT, FORMAT ---------------- */

static void fn_chr(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    char bytes[4];
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_int(ctx, &v, 0, 1))
        return;
    if (v.i < 0 || v.i > 0x10FFFF || (v.i >= 0xD800 && v.i < 0xE000)) {
        rt_error(ctx, "%lld is not a valid code point", (long long)v.i);
        return;
    }
    size_t n = rs_utf8_encode((unsigned)v.i, bytes);
    sqlite3_result_text(ctx, bytes, (int)n, SQLITE_TRANSIENT);
}

static void fn_codepoint(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    size_t n;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    int64_t count = rt_utf8_count(v.s, v.len);
    if (count != 1) {
        rt_error(ctx, "the string must be exactly one character long, got %lld", (long long)count);
        return;
    }
    sqlite3_result_int64(ctx, rt_utf8_next(v.s, v.len, &n));
}

/* A FORMAT argument as text: strings as they are, numbers and bools as CAST writes them. */
static int format_arg(rs_buf *b, const rv *v) {
    if (v->type == RV_STRING)
        return rs_buf_append(b, v->s, v->len);
    if (v->type == RV_INT || v->type == RV_FLOAT || v->type == RV_BOOL)
        return rv_to_json(b, v, RV_FORM_API);
    return -1;
}

static void fn_format(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv vals[RT_MAX_ARGS];
    rs_buf b = RS_BUF_INIT;
    int next = 1;
    if (!rt_args(ctx, argc, argv, vals, 1) || !rt_want_string(ctx, vals, 0, argc))
        return;
    for (int i = 1; i < argc; i++) {
        if (vals[i].type != RV_STRING && vals[i].type != RV_INT && vals[i].type != RV_FLOAT &&
            vals[i].type != RV_BOOL) {
            rt_type_error(ctx, i, argc, "a string, number or bool", &vals[i]);
            return;
        }
    }
    const char *f = vals[0].s, *end = f + vals[0].len;
    while (f < end) {
        if (f + 1 < end && ((f[0] == '{' && f[1] == '{') || (f[0] == '}' && f[1] == '}'))) {
            rs_buf_putc(&b, f[0]);
            f += 2;
        } else if (f + 1 < end && f[0] == '{' && f[1] == '}') {
            if (next >= argc) {
                rs_buf_free(&b);
                rt_error(ctx, "not enough arguments for the format string");
                return;
            }
            format_arg(&b, &vals[next++]);
            f += 2;
        } else {
            rs_buf_putc(&b, *f++);
        }
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* ---------------- LPAD, RPAD ---------------- */

static void pad_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, int left) {
    rv v[3];
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, 3) ||
        !rt_want_int(ctx, v, 1, 3) || !rt_want_string(ctx, v, 2, 3))
        return;
    if (v[1].i < 0) {
        rt_error(ctx, "size must not be negative, got %lld", (long long)v[1].i);
        return;
    }
    if (v[2].len == 0) {
        rt_error(ctx, "the padding string must not be empty");
        return;
    }
    int64_t n = rt_utf8_count(v[0].s, v[0].len), size = v[1].i;
    if (size <= n) {
        size_t to = byte_at(v[0].s, v[0].len, size);
        sqlite3_result_text(ctx, v[0].s, (int)to, SQLITE_TRANSIENT);
        return;
    }
    if (!left)
        rs_buf_append(&b, v[0].s, v[0].len);
    int64_t pad_cps = rt_utf8_count(v[2].s, v[2].len);
    for (int64_t need = size - n; need > 0 && !b.oom; need -= pad_cps) {
        size_t take = need >= pad_cps ? v[2].len : byte_at(v[2].s, v[2].len, need);
        rs_buf_append(&b, v[2].s, take);
    }
    if (left)
        rs_buf_append(&b, v[0].s, v[0].len);
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static void fn_lpad(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pad_common(ctx, argc, argv, 1);
}

static void fn_rpad(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    pad_common(ctx, argc, argv, 0);
}

/* ---------------- distances ---------------- */

/* The code points of a string (malloc'd; NULL on out of memory). */
static unsigned *code_points(const rv *v, int64_t *n) {
    unsigned *cps = malloc((v->len + 1) * sizeof *cps);
    *n = 0;
    if (cps == NULL)
        return NULL;
    for (size_t off = 0; off < v->len;) {
        size_t k;
        cps[(*n)++] = rt_utf8_next(v->s + off, v->len - off, &k);
        off += k;
    }
    return cps;
}

static void fn_levenshtein(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    int64_t na, nb;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, 2) ||
        !rt_want_string(ctx, v, 1, 2))
        return;
    unsigned *a = code_points(&v[0], &na), *b = code_points(&v[1], &nb);
    int64_t *row = malloc((size_t)(nb + 1) * sizeof *row);
    if (a == NULL || b == NULL || row == NULL) {
        sqlite3_result_error_nomem(ctx);
    } else {
        for (int64_t j = 0; j <= nb; j++)
            row[j] = j;
        for (int64_t i = 1; i <= na; i++) {
            int64_t diag = row[0];
            row[0] = i;
            for (int64_t j = 1; j <= nb; j++) {
                int64_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);
                if (up + 1 < best)
                    best = up + 1;
                if (row[j - 1] + 1 < best)
                    best = row[j - 1] + 1;
                diag = up;
                row[j] = best;
            }
        }
        sqlite3_result_int64(ctx, row[nb]);
    }
    free(a);
    free(b);
    free(row);
}

static void fn_hamming(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    int64_t na, nb, d = 0;
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_string(ctx, v, 0, 2) ||
        !rt_want_string(ctx, v, 1, 2))
        return;
    unsigned *a = code_points(&v[0], &na), *b = code_points(&v[1], &nb);
    if (a == NULL || b == NULL)
        sqlite3_result_error_nomem(ctx);
    else if (na != nb)
        rt_error(ctx, "the strings must have the same length");
    else {
        for (int64_t i = 0; i < na; i++)
            d += a[i] != b[i];
        sqlite3_result_int64(ctx, d);
    }
    free(a);
    free(b);
}

/* ---------------- UTF-8 and URLs ---------------- */

static void fn_to_utf8(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (rt_args(ctx, argc, argv, &v, 1) && rt_want_string(ctx, &v, 0, 1)) {
        rv bytes = rv_json(RV_BYTES, v.s, v.len);
        rv_result(ctx, &bytes);
    }
}

static void fn_from_utf8(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_bytes(ctx, &v, 0, 1))
        return;
    for (size_t off = 0; off < v.len;) {
        size_t n = rs_utf8_seq_len((const unsigned char *)v.s + off, v.len - off);
        if (n == 0) {
            put_cp(&b, 0xFFFD);
            off++;
        } else {
            rs_buf_append(&b, v.s + off, n);
            off += n;
        }
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static void fn_url_encode(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '-' || c == '*' || c == '_')
            rs_buf_putc(&b, (char)c);
        else if (c == ' ')
            rs_buf_putc(&b, '+');
        else
            rs_buf_printf(&b, "%%%02X", c);
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static void fn_url_decode(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    rs_buf b = RS_BUF_INIT;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    for (size_t i = 0; i < v.len; i++) {
        if (v.s[i] == '+') {
            rs_buf_putc(&b, ' ');
        } else if (v.s[i] == '%') {
            int hi = i + 2 < v.len ? rs_hex_digit(v.s[i + 1]) : -1;
            int lo = hi >= 0 ? rs_hex_digit(v.s[i + 2]) : -1;
            if (lo < 0) {
                rs_buf_free(&b);
                rt_error(ctx, "invalid percent-encoding");
                return;
            }
            rs_buf_putc(&b, (char)(hi * 16 + lo));
            i += 2;
        } else {
            rs_buf_putc(&b, v.s[i]);
        }
    }
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* ---------------- the table ---------------- */

#define S(name, min, max, fn, sig) \
    { name, RT_SCALAR, min, max, NULL, 0, NULL, fn, NULL, NULL, NULL, NULL, "string", sig }

/* clang-format off */
const rt_function rt_fn_string[] = {
    S("CONCAT", 1, -1, fn_concat, "CONCAT(value, ...) -> string (null if any is null; non-strings as CAST(x AS string))"),
    {NULL, RT_SCALAR, 0, -1, "rs_concat_op", 0, NULL, fn_concat_op, NULL, NULL, NULL, NULL, NULL, NULL},
    S("LOWER", 1, 1, fn_lower, "LOWER(string) -> string"),
    S("UPPER", 1, 1, fn_upper, "UPPER(string) -> string"),
    S("LENGTH", 1, 1, fn_length, "LENGTH(string | array | object) -> int"),
    S("CARDINALITY", 1, 1, fn_length, "CARDINALITY(array | object | string) -> int"),
    S("CHAR_LENGTH", 1, 1, fn_char_length, "CHAR_LENGTH(string) -> int"),
    S("SUBSTR", 2, 3, fn_substr, "SUBSTR(string, start[, length]) -> string"),
    S("SUBSTRING", 2, 3, fn_substr, "SUBSTRING(string, start[, length]), SUBSTRING(s FROM a [FOR b]) -> string"),
    S("STRPOS", 2, 2, fn_strpos, "STRPOS(string, substring) -> int"),
    S("STARTS_WITH", 2, 2, fn_starts_with, "STARTS_WITH(string, prefix) -> bool"),
    S("REVERSE", 1, 1, fn_reverse, "REVERSE(string) -> string"),
    S("REPLACE", 2, 3, fn_replace, "REPLACE(string, search[, replacement]) -> string"),
    S("SPLIT", 2, 3, fn_split, "SPLIT(string, delimiter[, limit]) -> array"),
    S("SPLIT_PART", 3, 3, fn_split_part, "SPLIT_PART(string, delimiter, index) -> string"),
    S("TRIM", 1, 2, fn_trim, "TRIM(string[, characters]) -> string"),
    S("LTRIM", 1, 2, fn_ltrim, "LTRIM(string[, characters]) -> string"),
    S("RTRIM", 1, 2, fn_rtrim, "RTRIM(string[, characters]) -> string"),
    S("CHR", 1, 1, fn_chr, "CHR(int) -> string"),
    S("CODEPOINT", 1, 1, fn_codepoint, "CODEPOINT(string) -> int"),
    S("FORMAT", 1, -1, fn_format, "FORMAT(format, value, ...) -> string"),
    S("LPAD", 3, 3, fn_lpad, "LPAD(string, size, padding) -> string"),
    S("RPAD", 3, 3, fn_rpad, "RPAD(string, size, padding) -> string"),
    S("LEVENSHTEIN_DISTANCE", 2, 2, fn_levenshtein, "LEVENSHTEIN_DISTANCE(string, string) -> int"),
    S("HAMMING_DISTANCE", 2, 2, fn_hamming, "HAMMING_DISTANCE(string, string) -> int"),
    S("TO_UTF8", 1, 1, fn_to_utf8, "TO_UTF8(string) -> bytes"),
    S("FROM_UTF8", 1, 1, fn_from_utf8, "FROM_UTF8(bytes) -> string"),
    S("URL_ENCODE", 1, 1, fn_url_encode, "URL_ENCODE(string) -> string"),
    S("URL_DECODE", 1, 1, fn_url_decode, "URL_DECODE(string) -> string"),
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
