/*
 * value.c - the Rockset value model of the SQL runtime (see value.h for the encoding).
 */
#include "value.h"
#include "datetime.h"
#include "jsonscan.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define TYPE_KEY "__rockset_type"

static const unsigned char NULL_BYTES[] = "null";
static const unsigned char TRUE_BYTES[] = "true";
static const unsigned char FALSE_BYTES[] = "false";

/* ---------------- constructors ---------------- */

rv rv_undefined(void) {
    rv v = {RV_UNDEFINED, 0, 0.0, NULL, 0};
    return v;
}

rv rv_null(void) {
    rv v = {RV_NULL, 0, 0.0, NULL, 0};
    return v;
}

rv rv_bool(int b) {
    rv v = {RV_BOOL, b != 0, 0.0, NULL, 0};
    return v;
}

rv rv_int(int64_t i) {
    rv v = {RV_INT, i, 0.0, NULL, 0};
    return v;
}

rv rv_float(double f) {
    rv v = {RV_FLOAT, 0, f, NULL, 0};
    return v;
}

rv rv_string(const char *s, size_t len) {
    rv v = {RV_STRING, 0, 0.0, s, len};
    return v;
}

rv rv_typed(rv_type type, int64_t i) {
    rv v = {type, i, 0.0, NULL, 0};
    return v;
}

rv rv_json(rv_type type, const char *s, size_t len) {
    rv v = {type, 0, 0.0, s, len};
    return v;
}

double rv_as_double(const rv *v) {
    return v->type == RV_INT ? (double)v->i : v->f;
}

static int is_int_typed(rv_type t) {
    return t >= RV_DATE && t <= RV_MICROSECOND_INTERVAL;
}

/* ---------------- blob encoding ---------------- */

static void put_be64(unsigned char *dst, int64_t i) {
    uint64_t u = (uint64_t)i;
    for (int k = 7; k >= 0; k--) {
        dst[k] = (unsigned char)(u & 0xff);
        u >>= 8;
    }
}

static int64_t get_be64(const unsigned char *src) {
    uint64_t u = 0;
    for (int k = 0; k < 8; k++)
        u = (u << 8) | src[k];
    return (int64_t)u;
}

int rv_encode_blob(rs_buf *out, const rv *v) {
    unsigned char head[10];
    head[0] = 0;
    head[1] = (unsigned char)v->type;
    if (is_int_typed(v->type)) {
        put_be64(head + 2, v->i);
        return rs_buf_append(out, head, sizeof head);
    }
    if (v->type == RV_FLOAT) { /* only NaN travels this way: SQLite turns a NaN REAL into NULL */
        int64_t bits;
        memcpy(&bits, &v->f, sizeof bits);
        put_be64(head + 2, bits);
        return rs_buf_append(out, head, sizeof head);
    }
    int rc = rs_buf_append(out, head, 2);
    if (rc == 0 && v->len > 0)
        rc = rs_buf_append(out, v->s, v->len);
    return rc;
}

static void decode_typed_blob(const unsigned char *b, size_t len, rv *out) {
    rv_type t = (rv_type)b[1];
    if ((is_int_typed(t) || t == RV_FLOAT) && len == 10) {
        out->type = t;
        if (t == RV_FLOAT) {
            int64_t bits = get_be64(b + 2);
            memcpy(&out->f, &bits, sizeof bits);
        } else {
            out->i = get_be64(b + 2);
        }
        return;
    }
    if (t == RV_BYTES || t == RV_GEOGRAPHY || t == RV_U256) {
        out->type = t;
        out->s = (const char *)b + 2;
        out->len = len - 2;
        return;
    }
    *out = rv_string((const char *)b, len);
}

void rv_from_sqlite(sqlite3_value *value, rv *out) {
    *out = rv_undefined();
    switch (sqlite3_value_type(value)) {
    case SQLITE_NULL:
        return;
    case SQLITE_INTEGER:
        *out = rv_int(sqlite3_value_int64(value));
        return;
    case SQLITE_FLOAT:
        *out = rv_float(sqlite3_value_double(value));
        return;
    case SQLITE_TEXT: {
        const char *text = (const char *)sqlite3_value_text(value);
        *out = rv_string(text != NULL ? text : "", (size_t)sqlite3_value_bytes(value));
        return;
    }
    default:
        break;
    }
    const unsigned char *b = sqlite3_value_blob(value);
    size_t len = (size_t)sqlite3_value_bytes(value);
    if (b == NULL || len == 0) {
        *out = rv_string("", 0);
    } else if (b[0] == 0 && len >= 2) {
        decode_typed_blob(b, len, out);
    } else if (b[0] == '[') {
        *out = rv_json(RV_ARRAY, (const char *)b, len);
    } else if (b[0] == '{') {
        *out = rv_json(RV_OBJECT, (const char *)b, len);
    } else if (len == 4 && memcmp(b, NULL_BYTES, 4) == 0) {
        *out = rv_null();
    } else if (len == 4 && memcmp(b, TRUE_BYTES, 4) == 0) {
        *out = rv_bool(1);
    } else if (len == 5 && memcmp(b, FALSE_BYTES, 5) == 0) {
        *out = rv_bool(0);
    } else {
        *out = rv_string((const char *)b, len);
    }
}

void rv_result_null(sqlite3_context *ctx) {
    sqlite3_result_blob(ctx, NULL_BYTES, 4, SQLITE_STATIC);
}

void rv_result_bool(sqlite3_context *ctx, int b) {
    if (b)
        sqlite3_result_blob(ctx, TRUE_BYTES, 4, SQLITE_STATIC);
    else
        sqlite3_result_blob(ctx, FALSE_BYTES, 5, SQLITE_STATIC);
}

void rv_result_json_buf(sqlite3_context *ctx, rs_buf *buf) {
    if (buf->oom) {
        rs_buf_reset(buf);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_blob(ctx, buf->data != NULL ? buf->data : "", (int)buf->len, SQLITE_TRANSIENT);
    rs_buf_reset(buf);
}

static void result_encoded(sqlite3_context *ctx, const rv *v) {
    unsigned char small[10];
    if (is_int_typed(v->type) || v->type == RV_FLOAT) {
        rs_buf b = RS_BUF_INIT;
        rv_encode_blob(&b, v);
        if (b.oom || b.len != sizeof small) {
            rs_buf_free(&b);
            sqlite3_result_error_nomem(ctx);
            return;
        }
        memcpy(small, b.data, sizeof small);
        rs_buf_free(&b);
        sqlite3_result_blob(ctx, small, sizeof small, SQLITE_TRANSIENT);
        return;
    }
    rs_buf b = RS_BUF_INIT;
    if (rv_encode_blob(&b, v) != 0) {
        rs_buf_free(&b);
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_blob(ctx, b.data, (int)b.len, SQLITE_TRANSIENT);
    rs_buf_free(&b);
}

void rv_result(sqlite3_context *ctx, const rv *v) {
    switch (v->type) {
    case RV_UNDEFINED:
        sqlite3_result_null(ctx);
        return;
    case RV_NULL:
        rv_result_null(ctx);
        return;
    case RV_BOOL:
        rv_result_bool(ctx, (int)v->i);
        return;
    case RV_INT:
        sqlite3_result_int64(ctx, v->i);
        return;
    case RV_FLOAT:
        if (isnan(v->f))
            result_encoded(ctx, v);
        else
            sqlite3_result_double(ctx, v->f);
        return;
    case RV_STRING:
        sqlite3_result_text(ctx, v->s != NULL ? v->s : "", (int)v->len, SQLITE_TRANSIENT);
        return;
    case RV_ARRAY:
    case RV_OBJECT:
        sqlite3_result_blob(ctx, v->s, (int)v->len, SQLITE_TRANSIENT);
        return;
    default:
        result_encoded(ctx, v);
        return;
    }
}

/* ---------------- base64 ---------------- */

static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int rv_base64_encode(rs_buf *out, const unsigned char *data, size_t len) {
    for (size_t i = 0; i < len; i += 3) {
        unsigned n = (unsigned)data[i] << 16;
        if (i + 1 < len)
            n |= (unsigned)data[i + 1] << 8;
        if (i + 2 < len)
            n |= data[i + 2];
        char quad[4] = {B64[(n >> 18) & 63], B64[(n >> 12) & 63],
                        i + 1 < len ? B64[(n >> 6) & 63] : '=', i + 2 < len ? B64[n & 63] : '='};
        rs_buf_append(out, quad, 4);
    }
    return out->oom ? RS_ENOMEM : 0;
}

static int b64_index(char c) {
    const char *p = c != 0 ? strchr(B64, c) : NULL;
    return p != NULL ? (int)(p - B64) : -1;
}

int rv_base64_decode(rs_buf *out, const char *text, size_t len) {
    unsigned acc = 0;
    int bits = 0;
    size_t i = 0;
    for (; i < len && text[i] != '='; i++) {
        int k = b64_index(text[i]);
        if (k < 0)
            return RS_EINVAL;
        acc = (acc << 6) | (unsigned)k;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            rs_buf_putc(out, (char)((acc >> bits) & 0xff));
        }
    }
    for (; i < len; i++)
        if (text[i] != '=')
            return RS_EINVAL;
    return out->oom ? RS_ENOMEM : 0;
}

/* ---------------- from JSON ---------------- */

static int parse_number(const char *p, const char *end, rv *out, rs_buf *scratch) {
    char local[64];
    size_t n = (size_t)(end - p);
    int is_int = 1;
    for (size_t k = 0; k < n; k++)
        if (p[k] == '.' || p[k] == 'e' || p[k] == 'E')
            is_int = 0;
    const char *text = local;
    if (n < sizeof local) {
        memcpy(local, p, n);
        local[n] = 0;
    } else {
        rs_buf_reset(scratch);
        if (rs_buf_append(scratch, p, n) != 0)
            return RS_ENOMEM;
        text = rs_buf_cstr(scratch);
    }
    if (is_int) {
        char *stop;
        long long ll = strtoll(text, &stop, 10);
        int overflow = (ll == LLONG_MAX || ll == LLONG_MIN);
        if (*stop == 0 && !overflow) {
            *out = rv_int(ll);
            return 0;
        }
        if (*stop == 0 && overflow) {
            /* LLONG_MAX/MIN themselves are exact; beyond them the text has more digits */
            const char *digits = text[0] == '-' ? text + 1 : text;
            size_t nd = strlen(digits);
            if (nd < 19 ||
                (nd == 19 && strcmp(digits, text[0] == '-' ? "9223372036854775808"
                                                           : "9223372036854775807") <= 0)) {
                *out = rv_int(ll);
                return 0;
            }
        }
    }
    char *stop;
    double d = strtod(text, &stop);
    if (stop == text)
        return RS_EPARSE;
    *out = rv_float(d);
    return 0;
}

/* The string token tok (quotes included) as an rv: borrowed when it has no escape, else
 * decoded into scratch. */
static int read_string(rs_jsonscan_span tok, rv *out, rs_buf *scratch) {
    size_t raw = tok.len - 2;
    if (memchr(tok.ptr + 1, '\\', raw) == NULL) {
        *out = rv_string(tok.ptr + 1, raw);
        return 0;
    }
    rs_buf_reset(scratch);
    int rc = rs_jsonscan_string_decode(tok, scratch, NULL);
    if (rc != RS_OK)
        return rc == RS_ENOMEM ? RS_ENOMEM : RS_EPARSE;
    *out = rv_string(scratch->data != NULL ? scratch->data : "", scratch->len);
    return 0;
}

static int typed_from_name(const char *p, size_t len, rv_type *out) {
    static const struct {
        const char *name;
        rv_type type;
    } names[] = {{"date", RV_DATE},
                 {"datetime", RV_DATETIME},
                 {"time", RV_TIME},
                 {"timestamp", RV_TIMESTAMP},
                 {"month_interval", RV_MONTH_INTERVAL},
                 {"microsecond_interval", RV_MICROSECOND_INTERVAL},
                 {"bytes", RV_BYTES},
                 {"geography", RV_GEOGRAPHY},
                 {"u256", RV_U256}};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        if (strlen(names[k].name) == len && strncasecmp(names[k].name, p, len) == 0) {
            *out = names[k].type;
            return 0;
        }
    }
    return -1;
}

static int parse_temporal(rv_type t, const char *s, size_t len, int64_t *i) {
    switch (t) {
    case RV_DATE:
        return rt_parse_date(s, len, i);
    case RV_TIME:
        return rt_parse_time(s, len, i);
    case RV_DATETIME:
        return rt_parse_datetime(s, len, i);
    case RV_TIMESTAMP:
        return rt_parse_timestamp(s, len, i);
    default:
        return -1;
    }
}

/* The typed value of the object {"__rockset_type": T, "value": V}, or 0 (not typed: stays an
 * object). T is matched as written (no escapes decoded). */
static int read_typed(rs_jsonscan_span object, rv *out, rs_buf *scratch) {
    rs_jsonscan_span tspan, vspan;
    if (!rs_jsonscan_get_last(object, TYPE_KEY, strlen(TYPE_KEY), &tspan) ||
        !rs_jsonscan_get_last(object, "value", 5, &vspan) || *tspan.ptr != '"')
        return 0;
    const char *vv = vspan.ptr, *vv_end = vspan.ptr + vspan.len;
    rv_type t;
    if (typed_from_name(tspan.ptr + 1, tspan.len - 2, &t))
        return 0;
    int64_t i = 0;
    if (t == RV_GEOGRAPHY) {
        if (*vv != '{')
            return 0;
        *out = rv_json(RV_GEOGRAPHY, vv, (size_t)(vv_end - vv));
        return 1;
    }
    if (t == RV_MONTH_INTERVAL || t == RV_MICROSECOND_INTERVAL) {
        rv n;
        const char *num = *vv == '"' ? vv + 1 : vv;
        const char *num_end = *vv == '"' ? vv_end - 1 : vv_end;
        if (num_end <= num || parse_number(num, num_end, &n, scratch) != 0 || n.type != RV_INT)
            return 0;
        *out = rv_typed(t, n.i);
        return 1;
    }
    if (*vv != '"')
        return 0;
    rv str;
    if (read_string(vspan, &str, scratch) != 0)
        return 0;
    if (t == RV_BYTES) {
        rs_buf decoded = RS_BUF_INIT;
        if (rv_base64_decode(&decoded, str.s, str.len) != 0) {
            rs_buf_free(&decoded);
            return 0;
        }
        rs_buf_reset(scratch);
        rs_buf_append(scratch, decoded.data != NULL ? decoded.data : "", decoded.len);
        rs_buf_free(&decoded);
        *out = rv_json(RV_BYTES, scratch->data != NULL ? scratch->data : "", scratch->len);
        return scratch->oom ? 0 : 1;
    }
    if (t == RV_U256) {
        for (size_t k = 0; k < str.len; k++)
            if (!isdigit((unsigned char)str.s[k]))
                return 0;
        *out = rv_json(RV_U256, str.s, str.len);
        return str.len > 0;
    }
    if (parse_temporal(t, str.s, str.len, &i) != 0)
        return 0;
    *out = rv_typed(t, i);
    return 1;
}

int rv_from_json(const char *text, size_t len, rv *out, rs_buf *scratch, rs_err *err) {
    rs_jsonscan_span span;
    if (rs_jsonscan_value(text, len, &span, NULL, NULL) != RS_OK)
        return rs_err_set(err, RS_EPARSE, "invalid JSON value");
    const char *p = span.ptr, *v_end = span.ptr + span.len;
    int rc = 0;
    switch (*p) {
    case '"':
        rc = read_string(span, out, scratch);
        break;
    case '{':
        if (read_typed(span, out, scratch))
            return 0;
        *out = rv_json(RV_OBJECT, p, (size_t)(v_end - p));
        return 0;
    case '[':
        *out = rv_json(RV_ARRAY, p, (size_t)(v_end - p));
        return 0;
    case 't':
        *out = rv_bool(1);
        return 0;
    case 'f':
        *out = rv_bool(0);
        return 0;
    case 'n':
        *out = rv_null();
        return 0;
    default:
        rc = parse_number(p, v_end, out, scratch);
        break;
    }
    if (rc == RS_ENOMEM)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc != 0)
        return rs_err_set(err, RS_EPARSE, "invalid JSON value");
    return 0;
}

/* ---------------- to JSON ---------------- */

void rv_format_double(char *dst, size_t cap, double d) {
    if (!isfinite(d)) {
        snprintf(dst, cap, "null");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(dst, cap, "%.*g", prec, d);
        if (strtod(dst, NULL) == d)
            break;
    }
    if (strpbrk(dst, ".eE") == NULL)
        strncat(dst, ".0", cap - strlen(dst) - 1);
}

static int put_tagged(rs_buf *out, const char *type, const char *value_json) {
    rs_buf_puts(out, "{\"" TYPE_KEY "\":\"");
    rs_buf_puts(out, type);
    rs_buf_puts(out, "\",\"value\":");
    rs_buf_puts(out, value_json);
    return rs_buf_putc(out, '}');
}

static int put_tagged_string(rs_buf *out, const char *type, const char *text) {
    rs_buf_puts(out, "{\"" TYPE_KEY "\":\"");
    rs_buf_puts(out, type);
    rs_buf_puts(out, "\",\"value\":");
    rs_buf_json_string(out, text, strlen(text));
    return rs_buf_putc(out, '}');
}

void rv_temporal_text(const rv *v, char *dst, size_t cap) {
    switch (v->type) {
    case RV_DATE:
        rt_format_date(dst, cap, v->i);
        break;
    case RV_TIME:
        rt_format_time(dst, cap, v->i);
        break;
    case RV_DATETIME:
        rt_format_datetime(dst, cap, v->i);
        break;
    default:
        rt_format_timestamp(dst, cap, v->i);
        break;
    }
}

static int put_temporal(rs_buf *out, const rv *v, rv_json_form form) {
    char text[48];
    rv_temporal_text(v, text, sizeof text);
    if (v->type == RV_TIMESTAMP && form == RV_FORM_API)
        return rs_buf_json_string(out, text, strlen(text));
    return put_tagged_string(out, rv_type_name(v->type), text);
}

static int put_bytes(rs_buf *out, const rv *v, rv_json_form form) {
    rs_buf b64 = RS_BUF_INIT;
    rv_base64_encode(&b64, (const unsigned char *)v->s, v->len);
    if (b64.oom) {
        rs_buf_free(&b64);
        return RS_ENOMEM;
    }
    if (form == RV_FORM_API)
        rs_buf_json_string(out, b64.data != NULL ? b64.data : "", b64.len);
    else
        put_tagged_string(out, "bytes", b64.data != NULL ? b64.data : "");
    rs_buf_free(&b64);
    return out->oom ? RS_ENOMEM : 0;
}

static int put_container_api(rs_buf *out, const rv *v);

static int put_container(rs_buf *out, const rv *v, rv_json_form form) {
    /* only API output rewrites nested typed values; the tag's key is the cheap test */
    if (form == RV_FORM_DOC || memmem(v->s, v->len, TYPE_KEY, strlen(TYPE_KEY)) == NULL)
        return rs_buf_append(out, v->s, v->len);
    return put_container_api(out, v);
}

static int put_container_api(rs_buf *out, const rv *v) {
    rv_iter it;
    rv elem;
    rs_buf scratch = RS_BUF_INIT, key = RS_BUF_INIT;
    rs_err err;
    int rc = 0, got, n = 0;
    rv_iter_init(&it, v);
    rs_buf_putc(out, v->type == RV_OBJECT ? '{' : '[');
    while (rc == 0 && (got = rv_iter_next(&it, &elem, &scratch, &key, &err)) == 1) {
        if (n++ > 0)
            rs_buf_putc(out, ',');
        if (v->type == RV_OBJECT) {
            rs_buf_json_string(out, key.data != NULL ? key.data : "", key.len);
            rs_buf_putc(out, ':');
        }
        rc = rv_to_json(out, &elem, RV_FORM_API);
    }
    if (rc == 0 && got < 0)
        rc = RS_EPARSE;
    rs_buf_putc(out, v->type == RV_OBJECT ? '}' : ']');
    rs_buf_free(&scratch);
    rs_buf_free(&key);
    if (rc == 0 && out->oom)
        rc = RS_ENOMEM;
    return rc;
}

int rv_to_json(rs_buf *out, const rv *v, rv_json_form form) {
    char num[48];
    switch (v->type) {
    case RV_UNDEFINED:
    case RV_NULL:
        rs_buf_puts(out, "null");
        break;
    case RV_BOOL:
        rs_buf_puts(out, v->i ? "true" : "false");
        break;
    case RV_INT:
        rs_buf_printf(out, "%lld", (long long)v->i);
        break;
    case RV_FLOAT:
        rv_format_double(num, sizeof num, v->f);
        rs_buf_puts(out, num);
        break;
    case RV_STRING:
        rs_buf_json_string(out, v->s != NULL ? v->s : "", v->len);
        break;
    case RV_BYTES:
        return put_bytes(out, v, form);
    case RV_DATE:
    case RV_DATETIME:
    case RV_TIME:
    case RV_TIMESTAMP:
        return put_temporal(out, v, form) != 0 || out->oom ? RS_ENOMEM : 0;
    case RV_MONTH_INTERVAL:
    case RV_MICROSECOND_INTERVAL:
        snprintf(num, sizeof num, "%lld", (long long)v->i);
        put_tagged(out, rv_type_name(v->type), num);
        break;
    case RV_ARRAY:
    case RV_OBJECT:
        return put_container(out, v, form);
    case RV_GEOGRAPHY:
        rs_buf_puts(out, "{\"" TYPE_KEY "\":\"geography\",\"value\":");
        rs_buf_append(out, v->s, v->len);
        rs_buf_putc(out, '}');
        break;
    case RV_U256:
        rs_buf_puts(out, "{\"" TYPE_KEY "\":\"u256\",\"value\":\"");
        rs_buf_append(out, v->s, v->len);
        rs_buf_puts(out, "\"}");
        break;
    }
    return out->oom ? RS_ENOMEM : 0;
}

/* ---------------- type names ---------------- */

static const char *const TYPE_NAMES[RV_N_TYPES] = {"undefined",
                                                   "null",
                                                   "bool",
                                                   "int",
                                                   "float",
                                                   "string",
                                                   "bytes",
                                                   "date",
                                                   "datetime",
                                                   "time",
                                                   "timestamp",
                                                   "month_interval",
                                                   "microsecond_interval",
                                                   "array",
                                                   "object",
                                                   "geography",
                                                   "u256"};

const char *rv_type_name(rv_type type) {
    return (int)type >= 0 && (int)type < RV_N_TYPES ? TYPE_NAMES[type] : "unknown";
}

int rv_type_from_name(const char *name, rv_type *out) {
    static const struct {
        const char *alias;
        rv_type type;
    } aliases[] = {{"integer", RV_INT},
                   {"int64", RV_INT},
                   {"bigint", RV_INT},
                   {"double", RV_FLOAT},
                   {"double precision", RV_FLOAT},
                   {"real", RV_FLOAT},
                   {"decimal", RV_FLOAT},
                   {"numeric", RV_FLOAT},
                   {"boolean", RV_BOOL},
                   {"varchar", RV_STRING},
                   {"text", RV_STRING},
                   {"char", RV_STRING},
                   {"binary", RV_BYTES},
                   {"varbinary", RV_BYTES},
                   {"null_type", RV_NULL}};
    for (int t = 0; t < RV_N_TYPES; t++) {
        if (strcasecmp(TYPE_NAMES[t], name) == 0) {
            *out = (rv_type)t;
            return 0;
        }
    }
    for (size_t k = 0; k < sizeof aliases / sizeof aliases[0]; k++) {
        if (strcasecmp(aliases[k].alias, name) == 0) {
            *out = aliases[k].type;
            return 0;
        }
    }
    return -1;
}

/* ---------------- comparison and order ---------------- */

static int sign_of(int64_t a, int64_t b) {
    return a < b ? -1 : a > b;
}

/* Exact comparison of two numbers; NaN is greater than every number and equal to itself. */
static int compare_numbers(const rv *a, const rv *b) {
    if (a->type == RV_INT && b->type == RV_INT)
        return sign_of(a->i, b->i);
    if (a->type == RV_FLOAT && b->type == RV_FLOAT) {
        if (isnan(a->f) || isnan(b->f))
            return isnan(a->f) - isnan(b->f);
        return a->f < b->f ? -1 : a->f > b->f;
    }
    int flip = a->type == RV_FLOAT;
    int64_t i = flip ? b->i : a->i;
    double f = flip ? a->f : b->f;
    int r; /* sign of (i - f) */
    if (isnan(f) || f >= 9223372036854775808.0)
        r = -1;
    else if (f < -9223372036854775808.0)
        r = 1;
    else {
        double t = trunc(f);
        int64_t fi = (int64_t)t;
        if (i != fi)
            r = sign_of(i, fi);
        else
            r = f > t ? -1 : f < t ? 1 : 0;
    }
    return flip ? -r : r;
}

static int compare_bytes(const char *a, size_t alen, const char *b, size_t blen) {
    size_t n = alen < blen ? alen : blen;
    int c = n > 0 ? memcmp(a, b, n) : 0;
    if (c != 0)
        return c < 0 ? -1 : 1;
    return alen < blen ? -1 : alen > blen;
}

static int is_instant(rv_type t) {
    return t == RV_DATE || t == RV_DATETIME || t == RV_TIMESTAMP;
}

static int64_t instant_micros(const rv *v) {
    return v->type == RV_DATE ? v->i * RT_MICROS_PER_DAY : v->i;
}

/* A string compared with a temporal value is read in that value's format. */
static int string_as_temporal(const rv *s, rv_type t, rv *out) {
    int64_t i;
    if (parse_temporal(t, s->s, s->len, &i) != 0)
        return 0;
    *out = rv_typed(t, i);
    return 1;
}

static int compare_arrays(const rv *a, const rv *b) {
    rv_iter ia, ib;
    rv ea, eb;
    rs_buf sa = RS_BUF_INIT, sb = RS_BUF_INIT, ka = RS_BUF_INIT, kb = RS_BUF_INIT;
    rs_err err;
    int r = 0;
    rv_iter_init(&ia, a);
    rv_iter_init(&ib, b);
    for (;;) {
        int ga = rv_iter_next(&ia, &ea, &sa, &ka, &err);
        int gb = rv_iter_next(&ib, &eb, &sb, &kb, &err);
        if (ga != 1 || gb != 1) {
            r = (ga == 1) - (gb == 1);
            break;
        }
        r = rv_order(&ea, &eb);
        if (r != 0)
            break;
    }
    rs_buf_free(&sa);
    rs_buf_free(&sb);
    rs_buf_free(&ka);
    rs_buf_free(&kb);
    return r;
}

static int compare_u256(const rv *a, const rv *b) {
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return compare_bytes(a->s, a->len, b->s, b->len);
}

/* Same-rank comparison (types already known to compare). rv_compare (=, <) compares arrays
 * element by element; rv_order (ORDER BY, MIN/MAX) by their JSON text, as rs_okey does, so that
 * every ordering in a query agrees with the one an index would keep. */
static int compare_same(const rv *a, const rv *b, int arrays_by_text) {
    switch (a->type) {
    case RV_BOOL:
        return sign_of(a->i, b->i);
    case RV_INT:
    case RV_FLOAT:
        return compare_numbers(a, b);
    case RV_STRING:
    case RV_BYTES:
    case RV_OBJECT:
    case RV_GEOGRAPHY:
        return compare_bytes(a->s, a->len, b->s, b->len);
    case RV_ARRAY:
        if (arrays_by_text)
            return compare_bytes(a->s, a->len, b->s, b->len);
        return compare_arrays(a, b);
    case RV_U256:
        return compare_u256(a, b);
    default:
        return sign_of(a->i, b->i);
    }
}

int rv_compare(const rv *a, const rv *b, int *cmp) {
    rv conv;
    if (rv_is_nullish(a) || rv_is_nullish(b))
        return 0;
    if (rv_is_number(a) && rv_is_number(b)) {
        *cmp = compare_numbers(a, b);
        return 1;
    }
    if (is_instant(a->type) && is_instant(b->type)) {
        *cmp = sign_of(instant_micros(a), instant_micros(b));
        return 1;
    }
    if (a->type == RV_STRING && b->type >= RV_DATE && b->type <= RV_TIMESTAMP) {
        if (!string_as_temporal(a, b->type, &conv))
            return 0;
        return rv_compare(&conv, b, cmp);
    }
    if (b->type == RV_STRING && a->type >= RV_DATE && a->type <= RV_TIMESTAMP) {
        if (!string_as_temporal(b, a->type, &conv))
            return 0;
        return rv_compare(a, &conv, cmp);
    }
    if (a->type != b->type)
        return 0;
    *cmp = compare_same(a, b, 0);
    return 1;
}

int rv_rank(rv_type type) {
    return type == RV_FLOAT ? (int)RV_INT : (int)type;
}

int rv_order(const rv *a, const rv *b) {
    int ra = rv_rank(a->type), rb = rv_rank(b->type);
    if (ra != rb)
        return ra < rb ? -1 : 1;
    if (a->type == RV_UNDEFINED || a->type == RV_NULL)
        return 0;
    return compare_same(a, b, 1);
}

/* ---------------- iteration and building ---------------- */

int rv_iter_init(rv_iter *it, const rv *container) {
    rs_jsonscan_span span = {"", 0};
    int rc = RS_EINVAL;
    it->failed = 0;
    it->is_object = container->type == RV_OBJECT;
    if (container->type == RV_ARRAY || container->type == RV_OBJECT) {
        span.ptr = container->s;
        span.len = container->len;
        rc = rs_jsonscan_classify(span) == (it->is_object ? RS_JSON_OBJECT : RS_JSON_ARRAY)
                 ? 0
                 : RS_EPARSE;
    }
    if (rc != 0)
        span.len = 0; /* the iterator yields nothing */
    rs_jsonscan_iter_init(&it->scan, span);
    return rc;
}

int rv_iter_next(rv_iter *it, rv *elem, rs_buf *scratch, rs_buf *key_buf, rs_err *err) {
    rs_jsonscan_span key, value;
    if (it->failed)
        return -1;
    int rc = rs_jsonscan_iter_next(&it->scan, &key, &value);
    if (rc <= 0)
        return rc;
    if (it->is_object) {
        rs_buf_reset(key_buf);
        if (rs_jsonscan_string_decode(key, key_buf, NULL) != RS_OK)
            goto bad;
    }
    if (rv_from_json(value.ptr, value.len, elem, scratch, err) != 0)
        goto bad;
    return 1;
bad:
    it->failed = 1;
    return -1;
}

void rv_json_begin(rv_json_builder *b, rs_buf *out, int is_object) {
    b->out = out;
    b->n = 0;
    b->is_object = is_object;
    rs_buf_putc(out, is_object ? '{' : '[');
}

int rv_json_add(rv_json_builder *b, const char *key, size_t key_len, const rv *v) {
    if (b->is_object && v->type == RV_UNDEFINED)
        return 0;
    if (b->n++ > 0)
        rs_buf_putc(b->out, ',');
    if (b->is_object) {
        rs_buf_json_string(b->out, key, key_len);
        rs_buf_putc(b->out, ':');
    }
    return rv_to_json(b->out, v, RV_FORM_DOC);
}

int rv_json_end(rv_json_builder *b) {
    rs_buf_putc(b->out, b->is_object ? '}' : ']');
    return b->out->oom ? RS_ENOMEM : 0;
}

/* ---- sort keys ---- */

/* 8 bytes that compare (memcmp) as the signed integer does. */
static void put_ordered_i64(unsigned char *out, int64_t i) {
    uint64_t u = (uint64_t)i ^ 0x8000000000000000ULL;
    for (int k = 0; k < 8; k++)
        out[k] = (unsigned char)(u >> (56 - 8 * k));
}

/* 8 bytes that compare as the double does (NaN as +infinity, -0 as 0). */
int rv_string_is_temporal(const char *s, size_t len) {
    int64_t i;
    for (rv_type t = RV_DATE; t <= RV_TIMESTAMP; t++)
        if (parse_temporal(t, s, len, &i) == 0)
            return 1;
    return 0;
}

int rv_key_bound(const rv *v, int indexed, rv *out) {
    rv_type as = indexed == RV_KEYS_TIMESTAMPS  ? RV_TIMESTAMP
                 : indexed == RV_KEYS_DATETIMES ? RV_DATETIME
                                                : RV_UNDEFINED;
    if (as != RV_UNDEFINED && is_instant(v->type)) {
        *out = rv_typed(as, instant_micros(v));
        return 1;
    }
    if (as != RV_UNDEFINED && v->type == RV_STRING)
        return string_as_temporal(v, as, out);
    if (indexed == RV_KEYS_STRINGS && v->type == RV_STRING) {
        *out = *v;
        return 1;
    }
    switch (v->type) {
    case RV_UNDEFINED:
    case RV_NULL:
    case RV_BOOL:
    case RV_INT:
    case RV_FLOAT:
    case RV_ARRAY:
    case RV_OBJECT:
        *out = *v;
        return 1;
    case RV_STRING:
        *out = *v;
        return !rv_string_is_temporal(v->s, v->len);
    default:
        return 0;
    }
}

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
size_t rv_number_key(unsigned char out[16], const rv *v) {
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

int rv_skey_append(rs_buf *key, const rv *v) {
    unsigned char head[1 + 16];
    size_t n = 1;
    head[0] = (unsigned char)(v->type == RV_UNDEFINED ? rv_rank(RV_NULL) : rv_rank(v->type));
    if (v->type == RV_INT || v->type == RV_FLOAT) {
        n += rv_number_key(head + 1, v);
    } else if (v->type != RV_UNDEFINED && v->type != RV_NULL && v->type != RV_STRING &&
               v->type != RV_BYTES && v->type != RV_ARRAY && v->type != RV_OBJECT &&
               v->type != RV_GEOGRAPHY && v->type != RV_U256) {
        put_ordered_i64(head + 1, v->i); /* bool, temporal, intervals */
        n += 8;
    }
    rs_buf_append(key, (const char *)head, n);
    if (v->type == RV_STRING || v->type == RV_BYTES || v->type == RV_ARRAY ||
        v->type == RV_OBJECT || v->type == RV_GEOGRAPHY) {
        rs_buf_append(key, v->s, v->len);
    } else if (v->type == RV_U256) {
        size_t pad = v->len < 80 ? 80 - v->len : 0;
        for (size_t i = 0; i < pad; i++)
            rs_buf_putc(key, '0');
        rs_buf_append(key, v->s, v->len < 80 ? v->len : 80);
    }
    return key->oom ? RS_ENOMEM : 0;
}
