/*
 * fn_util.c - argument reading and error wording shared by the function families (fn_util.h).
 */
#include "fn_util.h"

#include "datetime.h"

#include <stdarg.h>
#include <stdio.h>

const char *rt_name(sqlite3_context *ctx) {
    const rt_function *fn = rt_fn_of(ctx);
    if (fn == NULL)
        return "?";
    return fn->name != NULL ? fn->name : fn->sql_name;
}

int rt_args(sqlite3_context *ctx, int argc, sqlite3_value **argv, rv *vals, int null_in_null_out) {
    if (argc > RT_MAX_ARGS) {
        rt_error(ctx, "too many arguments (%d)", argc);
        return 0;
    }
    for (int i = 0; i < argc; i++) {
        rv_from_sqlite(argv[i], &vals[i]);
        if (null_in_null_out && rv_is_nullish(&vals[i])) {
            rv_result_null(ctx);
            return 0;
        }
    }
    return 1;
}

void rt_error(sqlite3_context *ctx, const char *fmt, ...) {
    char msg[512];
    va_list ap;
    int n = snprintf(msg, sizeof msg, "%s: ", rt_name(ctx));
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    sqlite3_result_error(ctx, msg, -1);
}

void rt_type_error(sqlite3_context *ctx, int argi, int argc, const char *what, const rv *got) {
    const rt_function *fn = rt_fn_of(ctx);
    int several = fn != NULL ? fn->max_args != 1 : argc > 1;
    if (!several)
        rt_error(ctx, "argument must be %s, got %s", what, rv_type_name(got->type));
    else
        rt_error(ctx, "argument %d must be %s, got %s", argi + 1, what, rv_type_name(got->type));
}

static int want(sqlite3_context *ctx, const rv *vals, int argi, int argc, int ok,
                const char *what) {
    if (!ok)
        rt_type_error(ctx, argi, argc, what, &vals[argi]);
    return ok;
}

int rt_want_string(sqlite3_context *ctx, const rv *vals, int argi, int argc) {
    return want(ctx, vals, argi, argc, vals[argi].type == RV_STRING, "a string");
}

int rt_want_number(sqlite3_context *ctx, const rv *vals, int argi, int argc) {
    return want(ctx, vals, argi, argc, rv_is_number(&vals[argi]), "a number");
}

int rt_want_int(sqlite3_context *ctx, const rv *vals, int argi, int argc) {
    return want(ctx, vals, argi, argc, vals[argi].type == RV_INT, "an int");
}

int rt_want_array(sqlite3_context *ctx, const rv *vals, int argi, int argc) {
    return want(ctx, vals, argi, argc, vals[argi].type == RV_ARRAY, "an array");
}

int rt_want_bytes(sqlite3_context *ctx, const rv *vals, int argi, int argc) {
    return want(ctx, vals, argi, argc, vals[argi].type == RV_BYTES, "bytes");
}

int rt_want_object(sqlite3_context *ctx, const rv *vals, int argi, int argc) {
    return want(ctx, vals, argi, argc, vals[argi].type == RV_OBJECT, "an object");
}

void rt_result_text_buf(sqlite3_context *ctx, rs_buf *buf) {
    if (buf->oom)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_text(ctx, buf->data != NULL ? buf->data : "", (int)buf->len,
                            SQLITE_TRANSIENT);
    rs_buf_reset(buf);
}

int64_t rt_utf8_count(const char *s, size_t len) {
    int64_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}

int rt_string_form(const rv *v, rs_buf *buf) {
    char text[48];
    switch (v->type) {
    case RV_STRING:
    case RV_BYTES:
    case RV_U256:
        return rs_buf_append(buf, v->s, v->len) == 0;
    case RV_DATE:
    case RV_TIME:
    case RV_DATETIME:
    case RV_TIMESTAMP:
        rv_temporal_text(v, text, sizeof text);
        break;
    case RV_MONTH_INTERVAL:
    case RV_MICROSECOND_INTERVAL:
        snprintf(text, sizeof text, "%lld", (long long)v->i);
        break;
    default:
        return rv_to_json(buf, v, RV_FORM_API) == 0;
    }
    return rs_buf_puts(buf, text) == 0;
}
