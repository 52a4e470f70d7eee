/*
 * fn_cond.c - conditional functions (COALESCE, NULLIF, IFNULL, GREATEST, LEAST), type functions
 * (TYPEOF, IS_SCALAR) and conversions: rs_cast(value, 'type', mode) behind CAST, TRY_CAST,
 * STATIC_CAST, TRY_STATIC_CAST and x::type (the translator checks the type name).
 *
 * CAST follows Rockset's conversion table (docs/sql-subset.md, "Casts"): numbers, bools and
 * strings convert among each other lexically ('2' -> 2, 2.5 -> '2.5', 0 -> false, 'true' ->
 * true), floats truncate toward zero to ints and intervals, strings parse as dates, times,
 * datetimes and timestamps in their literal forms, temporal values become their text forms
 * (timestamps with 6 fraction digits and Z). A conversion that is not in the table, or a value
 * that does not convert, fails the query ("CAST: cannot convert string 'x' to int"); the TRY_
 * forms give null instead. STATIC_CAST converts only between int and float.
 */
#include "datetime.h"
#include "fn_util.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---------------- COALESCE, IFNULL, NULLIF ---------------- */

static void fn_coalesce(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    for (int i = 0; i < argc; i++) {
        rv v;
        rv_from_sqlite(argv[i], &v);
        if (!rv_is_nullish(&v)) {
            sqlite3_result_value(ctx, argv[i]);
            return;
        }
    }
    rv_result_null(ctx);
}

static void fn_nullif(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv a, b;
    int c;
    (void)argc;
    rv_from_sqlite(argv[0], &a);
    rv_from_sqlite(argv[1], &b);
    if (rv_compare(&a, &b, &c) && c == 0)
        rv_result_null(ctx);
    else
        sqlite3_result_value(ctx, argv[0]);
}

/* GREATEST / LEAST: any null or undefined argument gives null; values must compare. */
static void extreme(sqlite3_context *ctx, int argc, sqlite3_value **argv, int want_max) {
    rv vals[RT_MAX_ARGS];
    int best = 0;
    if (!rt_args(ctx, argc, argv, vals, 1))
        return;
    for (int i = 1; i < argc; i++) {
        int c;
        if (!rv_compare(&vals[i], &vals[best], &c)) {
            rt_error(ctx, "cannot compare %s and %s", rv_type_name(vals[best].type),
                     rv_type_name(vals[i].type));
            return;
        }
        if (want_max ? c > 0 : c < 0)
            best = i;
    }
    sqlite3_result_value(ctx, argv[best]);
}

static void fn_greatest(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme(ctx, argc, argv, 1);
}

static void fn_least(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    extreme(ctx, argc, argv, 0);
}

/* ---------------- TYPEOF, IS_SCALAR ---------------- */

static void fn_typeof(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    sqlite3_result_text(ctx, rv_type_name(v.type), -1, SQLITE_STATIC);
}

static void fn_is_scalar(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (rt_args(ctx, argc, argv, &v, 1))
        rv_result_bool(ctx, v.type != RV_ARRAY && v.type != RV_OBJECT);
}

/* ---------------- CAST ---------------- */

enum { CAST_PLAIN = 0, CAST_TRY = 1, CAST_STATIC = 2, CAST_TRY_STATIC = 3 };

static const char *cast_name(int mode) {
    return mode >= CAST_STATIC ? "STATIC_CAST" : "CAST";
}

static void cast_fail(sqlite3_context *ctx, int mode, const rv *v, rv_type to) {
    char msg[256];
    rs_buf text = RS_BUF_INIT;
    if (mode == CAST_TRY || mode == CAST_TRY_STATIC) {
        rv_result_null(ctx);
        return;
    }
    if (v->type == RV_STRING) {
        rs_buf_putc(&text, '\'');
        rs_buf_append(&text, v->s, v->len < 60 ? v->len : 60);
        rs_buf_putc(&text, '\'');
    } else {
        rv_to_json(&text, v, RV_FORM_API);
    }
    snprintf(msg, sizeof msg, "%s: cannot convert %s %.100s to %s", cast_name(mode),
             rv_type_name(v->type), text.oom ? "?" : rs_buf_cstr(&text), rv_type_name(to));
    rs_buf_free(&text);
    sqlite3_result_error(ctx, msg, -1);
}

/* The whole string as an int64 (leading/trailing blanks not allowed). */
static int parse_int(const rv *v, int64_t *out) {
    char tmp[32];
    char *end;
    if (v->len == 0 || v->len >= sizeof tmp)
        return 0;
    memcpy(tmp, v->s, v->len);
    tmp[v->len] = 0;
    errno = 0;
    long long n = strtoll(tmp, &end, 10);
    if (errno != 0 || *end != 0)
        return 0;
    *out = n;
    return 1;
}

static int parse_float(const rv *v, double *out) {
    char tmp[64];
    char *end;
    if (v->len == 0 || v->len >= sizeof tmp)
        return 0;
    memcpy(tmp, v->s, v->len);
    tmp[v->len] = 0;
    *out = strtod(tmp, &end);
    return *end == 0;
}

static int float_to_int(double d, int64_t *out) {
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0))
        return 0;
    *out = (int64_t)d;
    return 1;
}

static int to_int(const rv *v, rv *out) {
    int64_t i;
    switch (v->type) {
    case RV_INT:
    case RV_BOOL:
    case RV_MONTH_INTERVAL:
    case RV_MICROSECOND_INTERVAL:
        *out = rv_int(v->i);
        return 1;
    case RV_FLOAT:
        if (!float_to_int(v->f, &i))
            return 0;
        *out = rv_int(i);
        return 1;
    case RV_STRING:
        if (!parse_int(v, &i))
            return 0;
        *out = rv_int(i);
        return 1;
    default:
        return 0;
    }
}

static int to_float(const rv *v, rv *out) {
    double d;
    if (v->type == RV_INT || v->type == RV_BOOL) {
        *out = rv_float((double)v->i);
        return 1;
    }
    if (v->type == RV_FLOAT) {
        *out = *v;
        return 1;
    }
    if (v->type == RV_STRING && parse_float(v, &d)) {
        *out = rv_float(d);
        return 1;
    }
    return 0;
}

static int to_bool(const rv *v, rv *out) {
    if (v->type == RV_BOOL || v->type == RV_INT) {
        *out = rv_bool(v->i != 0);
        return 1;
    }
    if (v->type == RV_FLOAT) {
        *out = rv_bool(v->f != 0);
        return 1;
    }
    if (v->type == RV_STRING && v->len == 4 && strncasecmp(v->s, "true", 4) == 0) {
        *out = rv_bool(1);
        return 1;
    }
    if (v->type == RV_STRING && v->len == 5 && strncasecmp(v->s, "false", 5) == 0) {
        *out = rv_bool(0);
        return 1;
    }
    return 0;
}

static int to_temporal(const rv *v, rv_type to, rv *out) {
    int64_t x, days, rest;
    if (v->type == to) {
        *out = *v;
        return 1;
    }
    if (v->type == RV_STRING) {
        int rc = to == RV_DATE       ? rt_parse_date(v->s, v->len, &x)
                 : to == RV_TIME     ? rt_parse_time(v->s, v->len, &x)
                 : to == RV_DATETIME ? rt_parse_datetime(v->s, v->len, &x)
                                     : rt_parse_timestamp(v->s, v->len, &x);
        if (rc != 0)
            return 0;
        *out = rv_typed(to, x);
        return 1;
    }
    if (v->type == RV_DATE && (to == RV_DATETIME || to == RV_TIMESTAMP)) {
        *out = rv_typed(to, v->i * RT_MICROS_PER_DAY);
        return 1;
    }
    if (v->type != RV_DATETIME && v->type != RV_TIMESTAMP)
        return 0;
    rt_split_micros(v->i, &days, &rest);
    if (to == RV_DATE)
        *out = rv_typed(RV_DATE, days);
    else if (to == RV_TIME)
        *out = rv_typed(RV_TIME, rest);
    else
        *out = rv_typed(to, v->i); /* datetime <-> timestamp: the wall time read as UTC */
    return 1;
}

static int to_interval(const rv *v, rv_type to, rv *out) {
    int64_t i;
    if (v->type == to || v->type == RV_INT) {
        *out = rv_typed(to, v->i);
        return 1;
    }
    if (v->type == RV_FLOAT && float_to_int(v->f, &i)) {
        *out = rv_typed(to, i);
        return 1;
    }
    return 0;
}

static int to_u256(const rv *v, rv *out, rs_buf *buf) {
    if (v->type == RV_U256) {
        *out = *v;
        return 1;
    }
    if (v->type == RV_INT && v->i >= 0) {
        rs_buf_printf(buf, "%lld", (long long)v->i);
    } else if (v->type == RV_STRING && v->len > 0 && v->len <= 78) {
        for (size_t k = 0; k < v->len; k++)
            if (v->s[k] < '0' || v->s[k] > '9')
                return 0;
        rs_buf_append(buf, v->s, v->len);
    } else {
        return 0;
    }
    *out = rv_json(RV_U256, buf->data, buf->len);
    return !buf->oom;
}

/* Convert v to type `to` into *out (text in buf). 1 when it converts. */
static int convert(const rv *v, rv_type to, rv *out, rs_buf *buf) {
    switch (to) {
    case RV_INT:
        return to_int(v, out);
    case RV_FLOAT:
        return to_float(v, out);
    case RV_BOOL:
        return to_bool(v, out);
    case RV_STRING:
        if (!rt_string_form(v, buf))
            return 0;
        *out = rv_string(buf->data != NULL ? buf->data : "", buf->len);
        return 1;
    case RV_BYTES:
        if (v->type != RV_STRING && v->type != RV_BYTES)
            return 0;
        *out = rv_json(RV_BYTES, v->s, v->len);
        return 1;
    case RV_DATE:
    case RV_TIME:
    case RV_DATETIME:
    case RV_TIMESTAMP:
        return to_temporal(v, to, out);
    case RV_MONTH_INTERVAL:
    case RV_MICROSECOND_INTERVAL:
        return to_interval(v, to, out);
    case RV_U256:
        return to_u256(v, out, buf);
    default: /* array, object, geography: only themselves */
        if (v->type != to)
            return 0;
        *out = *v;
        return 1;
    }
}

static void fn_cast(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v, out;
    rv_type to;
    rs_buf buf = RS_BUF_INIT;
    int mode = argc > 2 ? sqlite3_value_int(argv[2]) : CAST_PLAIN;
    const char *type = (const char *)sqlite3_value_text(argv[1]);
    rv_from_sqlite(argv[0], &v);
    if (rv_is_nullish(&v)) {
        rv_result_null(ctx);
        return;
    }
    if (type == NULL || rv_type_from_name(type, &to) != 0) {
        rt_error(ctx, "unknown type '%s'", type != NULL ? type : "");
        return;
    }
    int ok;
    if (mode >= CAST_STATIC)
        ok = (v.type == to) ||
             ((to == RV_INT || to == RV_FLOAT) && rv_is_number(&v) && convert(&v, to, &out, &buf));
    else
        ok = convert(&v, to, &out, &buf);
    if (ok && v.type == to && mode >= CAST_STATIC)
        out = v;
    if (!ok)
        cast_fail(ctx, mode, &v, to);
    else if (buf.oom)
        sqlite3_result_error_nomem(ctx);
    else
        rv_result(ctx, &out);
    rs_buf_free(&buf);
}

/* rs_str_key(x): CAST(x AS string) where the cast has a value, else undefined; never an error.
 * The function of the index serving a join on CAST(path AS string) (`summary.workflow_id =
 * CAST(run.id AS string)`): an index's key is computed on every write, which must not fail. */
static void fn_str_key(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v, out;
    rs_buf buf = RS_BUF_INIT;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    if (rv_is_nullish(&v))
        rv_result_null(ctx);
    else if (convert(&v, RV_STRING, &out, &buf) && !buf.oom)
        rv_result(ctx, &out);
    else if (buf.oom)
        sqlite3_result_error_nomem(ctx);
    rs_buf_free(&buf);
}

#define C(name, min, max, fn, sig) \
    { name, RT_SCALAR, min, max, NULL, 0, NULL, fn, NULL, NULL, NULL, NULL, "conditional", sig }
#define T(name, min, max, fn, sig) \
    { name, RT_SCALAR, min, max, NULL, 0, NULL, fn, NULL, NULL, NULL, NULL, "type", sig }
#define E(name, min, max, section, sig) \
    { name, RT_EMITTED, min, max, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, section, sig }

/* clang-format off */
/* CURRENT_USER(): the one user rockset-local has (GET /users/self, a query's executed_by). */
static void fn_current_user(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_text(ctx, "local@rockset-local", -1, SQLITE_STATIC);
}

const rt_function rt_fn_cond[] = {
    {"CURRENT_USER", RT_SCALAR, 0, 0, NULL, 0, NULL, fn_current_user, NULL, NULL, NULL, NULL,
     "special", "CURRENT_USER() -> string (local@rockset-local)"},
    C("COALESCE", 1, 100, fn_coalesce, "COALESCE(value, ...) -> the first that is neither null nor undefined"),
    C("IFNULL", 2, 2, fn_coalesce, "IFNULL(value, default) -> value unless null or undefined"),
    C("NULLIF", 2, 2, fn_nullif, "NULLIF(a, b) -> null when a = b, else a"),
    C("GREATEST", 1, -1, fn_greatest, "GREATEST(value, ...) -> the largest (null if any is null)"),
    C("LEAST", 1, -1, fn_least, "LEAST(value, ...) -> the smallest (null if any is null)"),
    E("IF", 2, 3, "conditional", "IF(condition, then[, else]) -> then when true, else else (null)"),
    T("TYPEOF", 1, 1, fn_typeof, "TYPEOF(value) -> string ('undefined' for a missing field)"),
    T("IS_SCALAR", 1, 1, fn_is_scalar, "IS_SCALAR(value) -> bool (false for arrays and objects)"),
    E("CAST", 1, 1, "type", "CAST(value AS type) -> type; fails the query when it does not convert"),
    E("TRY_CAST", 1, 1, "type", "TRY_CAST(value AS type) -> type, or null"),
    E("STATIC_CAST", 1, 1, "type", "STATIC_CAST(value AS type) -> int <-> float only"),
    E("TRY_STATIC_CAST", 1, 1, "type", "TRY_STATIC_CAST(value AS type) -> as STATIC_CAST, or null"),
    {NULL, RT_SCALAR, 3, 3, "rs_cast", 0, NULL, fn_cast, NULL, NULL, NULL, NULL, NULL, NULL},
    {NULL, RT_SCALAR, 1, 1, "rs_str_key", 0, NULL, fn_str_key, NULL, NULL, NULL, NULL, NULL, NULL},
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
