/*
 * sqlx_value.c - the value helpers of the SQL layer: a non-allocating JSON scanner (find a member
 * or element of a document without building a tree, so a field read costs one pass over the text
 * and integers keep all 64 bits), JSON text of value-mode SQL values, Rockset extended-JSON typed
 * values, and date/time parsing and formatting (proleptic Gregorian, UTC, microseconds).
 */
#include "sqlx_int.h"
#include "utf8.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JSON_DEPTH 512

const char *sqlx_json_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

static const char *skip_string(const char *p, const char *end) {
    p++; /* opening quote */
    while (p < end) {
        if (*p == '"')
            return p + 1;
        if (*p == '\\') {
            p++;
            if (p >= end)
                return NULL;
        }
        p++;
    }
    return NULL;
}

static const char *skip_number(const char *p, const char *end) {
    const char *start = p;
    if (p < end && *p == '-')
        p++;
    while (p < end && (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' ||
                       *p == '+' || *p == '-'))
        p++;
    return p > start ? p : NULL;
}

static const char *skip_value(const char *p, const char *end, int depth) {
    p = sqlx_json_ws(p, end);
    if (p >= end || depth > MAX_JSON_DEPTH)
        return NULL;
    switch (*p) {
    case '"':
        return skip_string(p, end);
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        int is_obj = *p == '{';
        p = sqlx_json_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (is_obj) {
                if (p >= end || *p != '"' || !(p = skip_string(p, end)))
                    return NULL;
                p = sqlx_json_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            p = skip_value(p, end, depth + 1);
            if (p == NULL)
                return NULL;
            p = sqlx_json_ws(p, end);
            if (p < end && *p == ',') {
                p = sqlx_json_ws(p + 1, end);
                continue;
            }
            return p < end && *p == close ? p + 1 : NULL;
        }
    }
    case 't':
        return end - p >= 4 && memcmp(p, "true", 4) == 0 ? p + 4 : NULL;
    case 'f':
        return end - p >= 5 && memcmp(p, "false", 5) == 0 ? p + 5 : NULL;
    case 'n':
        return end - p >= 4 && memcmp(p, "null", 4) == 0 ? p + 4 : NULL;
    default:
        return skip_number(p, end);
    }
}

const char *sqlx_json_skip(const char *p, const char *end) {
    return skip_value(p, end, 0);
}

/* Compare the JSON string token at p (quotes included, up to tok_end) with key. */
static int key_equals(const char *p, const char *tok_end, const char *key, size_t klen) {
    size_t raw_len = (size_t)(tok_end - p - 2);
    if (!memchr(p + 1, '\\', raw_len))
        return raw_len == klen && memcmp(p + 1, key, klen) == 0;
    rs_buf b = RS_BUF_INIT;
    int eq = sqlx_json_unescape(p, tok_end, &b) && b.len == klen && memcmp(b.data, key, klen) == 0;
    rs_buf_free(&b);
    return eq;
}

const char *sqlx_json_member(const char *p, const char *end, const char *key, size_t klen) {
    const char *found = NULL;
    p = sqlx_json_ws(p, end);
    if (p >= end || *p != '{')
        return NULL;
    p = sqlx_json_ws(p + 1, end);
    if (p < end && *p == '}')
        return NULL;
    while (p < end && *p == '"') {
        const char *key_end = skip_string(p, end);
        if (key_end == NULL)
            return NULL;
        int match = key_equals(p, key_end, key, klen);
        p = sqlx_json_ws(key_end, end);
        if (p >= end || *p != ':')
            return NULL;
        p = sqlx_json_ws(p + 1, end);
        if (match)
            found = p; /* keep scanning: with duplicate keys the last one wins */
        p = sqlx_json_skip(p, end);
        if (p == NULL)
            return NULL;
        p = sqlx_json_ws(p, end);
        if (p < end && *p == ',')
            p = sqlx_json_ws(p + 1, end);
        else
            break;
    }
    return found;
}

const char *sqlx_json_element(const char *p, const char *end, int64_t idx) {
    p = sqlx_json_ws(p, end);
    if (p >= end || *p != '[' || idx < 0)
        return NULL;
    p = sqlx_json_ws(p + 1, end);
    if (p < end && *p == ']')
        return NULL;
    for (int64_t i = 0; p < end; i++) {
        if (i == idx)
            return p;
        p = sqlx_json_skip(p, end);
        if (p == NULL)
            return NULL;
        p = sqlx_json_ws(p, end);
        if (p >= end || *p != ',')
            return NULL;
        p = sqlx_json_ws(p + 1, end);
    }
    return NULL;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int c = (unsigned char)p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

static void put_utf8(rs_buf *out, unsigned cp) {
    char bytes[4];
    rs_buf_append(out, bytes, rs_utf8_encode(cp, bytes));
}

const char *sqlx_json_unescape(const char *p, const char *end, rs_buf *out) {
    if (p >= end || *p != '"')
        return NULL;
    p++;
    while (p < end && *p != '"') {
        const char *run = p;
        while (p < end && *p != '"' && *p != '\\')
            p++;
        rs_buf_append(out, run, (size_t)(p - run));
        if (p >= end || *p == '"')
            break;
        if (++p >= end)
            return NULL;
        char c = *p++;
        unsigned cp, lo;
        switch (c) {
        case 'n':
            rs_buf_putc(out, '\n');
            break;
        case 't':
            rs_buf_putc(out, '\t');
            break;
        case 'r':
            rs_buf_putc(out, '\r');
            break;
        case 'b':
            rs_buf_putc(out, '\b');
            break;
        case 'f':
            rs_buf_putc(out, '\f');
            break;
        case 'u':
            if (end - p < 4 || !hex4(p, &cp))
                return NULL;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u' &&
                hex4(p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                p += 6;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD; /* a lone surrogate has no UTF-8 form */
            }
            put_utf8(out, cp);
            break;
        default:
            rs_buf_putc(out, c);
            break;
        }
    }
    if (p >= end)
        return NULL;
    return out->oom ? NULL : p + 1;
}

void sqlx_format_double(char *dst, size_t cap, double d) {
    if (!isfinite(d)) {
        snprintf(dst, cap, "null");
        return;
    }
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(dst, cap, "%.*g", prec, d);
        if (strtod(dst, NULL) == d)
            break;
    }
    if (!strpbrk(dst, ".eE"))
        strncat(dst, ".0", cap - strlen(dst) - 1);
}

int sqlx_typed_parse(const char *blob, int len, char *type, const char **value, int *value_len) {
    size_t plen = strlen(SQLX_TAG_PREFIX);
    if (len < (int)plen || memcmp(blob, SQLX_TAG_PREFIX, plen) != 0)
        return 0;
    const char *p = blob + plen, *end = blob + len;
    const char *q = memchr(p, '"', (size_t)(end - p));
    if (q == NULL || q - p >= 32)
        return 0;
    memcpy(type, p, (size_t)(q - p));
    type[q - p] = 0;
    static const char mid[] = "\",\"value\":";
    if (end - q < (long)sizeof mid - 1 || memcmp(q, mid, sizeof mid - 1) != 0)
        return 0;
    *value = q + sizeof mid - 1;
    *value_len = (int)(end - *value - 1); /* without the closing brace */
    if (*value_len < 0 || end[-1] != '}')
        return 0;
    return 1;
}

int sqlx_typed_make(rs_buf *out, const char *type, const char *value) {
    rs_buf_printf(out, SQLX_TAG_PREFIX "%s\",\"value\":", type);
    rs_buf_json_string(out, value, strlen(value));
    rs_buf_putc(out, '}');
    return out->oom ? RS_ENOMEM : 0;
}

int sqlx_json_from_value(rs_buf *out, int type, int64_t ival, double dval, const char *text,
                         int len, int plain_timestamps) {
    char num[40];
    char tname[32];
    const char *v;
    int vlen;
    switch (type) {
    case 1: /* SQLITE_INTEGER */
        rs_buf_printf(out, "%lld", (long long)ival);
        break;
    case 2: /* SQLITE_FLOAT */
        sqlx_format_double(num, sizeof num, dval);
        rs_buf_puts(out, num);
        break;
    case 3: /* SQLITE_TEXT */
        rs_buf_json_string(out, text ? text : "", (size_t)len);
        break;
    case 4: /* SQLITE_BLOB: JSON text */
        if (plain_timestamps && sqlx_typed_parse(text, len, tname, &v, &vlen) &&
            strcmp(tname, "timestamp") == 0)
            rs_buf_append(out, v, (size_t)vlen);
        else if (len > 0)
            rs_buf_append(out, text, (size_t)len);
        else
            rs_buf_puts(out, "null");
        break;
    default:
        rs_buf_puts(out, "null");
    }
    return out->oom ? RS_ENOMEM : 0;
}

/* ---------------- dates and times ---------------- */

int64_t sqlx_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void sqlx_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int days_in_month(int y, int m) {
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : dim[m - 1];
}

/* 1..max_digits digits into *v; returns chars used or 0. */
static int read_int(const char *s, int min_digits, int max_digits, int *v) {
    int n = 0, val = 0;
    while (n < max_digits && isdigit((unsigned char)s[n]))
        val = val * 10 + (s[n++] - '0');
    if (n < min_digits)
        return 0;
    *v = val;
    return n;
}

static const char *parse_date_part(const char *s, int *y, int *m, int *d) {
    int n;
    n = read_int(s, 4, 4, y);
    if (!n || s[n] != '-')
        return NULL;
    s += n + 1;
    n = read_int(s, 1, 2, m);
    if (!n || s[n] != '-')
        return NULL;
    s += n + 1;
    n = read_int(s, 1, 2, d);
    if (!n)
        return NULL;
    if (*m < 1 || *m > 12 || *d < 1 || *d > days_in_month(*y, *m))
        return NULL;
    return s + n;
}

/* [H]H:[M]M[:[S]S[.f{1,6}]]; seconds optional only when allow_no_seconds. */
static const char *parse_time_part(const char *s, int allow_no_seconds, int *h, int *mi, int *sec,
                                   int *micros) {
    int n;
    *sec = 0;
    *micros = 0;
    n = read_int(s, 1, 2, h);
    if (!n || s[n] != ':')
        return NULL;
    s += n + 1;
    n = read_int(s, 1, 2, mi);
    if (!n)
        return NULL;
    s += n;
    if (*s == ':') {
        n = read_int(s + 1, 1, 2, sec);
        if (!n)
            return NULL;
        s += n + 1;
        if (*s == '.') {
            int digits = 0, frac = 0;
            s++;
            while (isdigit((unsigned char)*s)) {
                if (digits < 6) {
                    frac = frac * 10 + (*s - '0');
                    digits++;
                }
                s++;
            }
            if (digits == 0)
                return NULL;
            while (digits++ < 6)
                frac *= 10;
            *micros = frac;
        }
    } else if (!allow_no_seconds) {
        return NULL;
    }
    if (*h > 23 || *mi > 59 || *sec > 59)
        return NULL;
    return s;
}

int sqlx_parse_date(const char *s, int *y, int *m, int *d) {
    const char *e = parse_date_part(s, y, m, d);
    return e && *e == 0 ? 0 : -1;
}

int sqlx_parse_time(const char *s, int *h, int *mi, int *sec, int *micros) {
    const char *e = parse_time_part(s, 0, h, mi, sec, micros);
    return e && *e == 0 ? 0 : -1;
}

static int64_t to_micros(int y, int m, int d, int h, int mi, int sec, int us) {
    int64_t days = sqlx_days_from_civil(y, (unsigned)m, (unsigned)d);
    return ((days * 24 + h) * 60 + mi) * 60 * INT64_C(1000000) + (int64_t)sec * 1000000 + us;
}

int sqlx_parse_datetime(const char *s, int64_t *micros) {
    int y, m, d, h = 0, mi = 0, sec = 0, us = 0;
    const char *e = parse_date_part(s, &y, &m, &d);
    if (e == NULL)
        return -1;
    if (*e == ' ' || *e == 'T') {
        e = parse_time_part(e + 1, 0, &h, &mi, &sec, &us);
        if (e == NULL)
            return -1;
    }
    if (*e)
        return -1;
    *micros = to_micros(y, m, d, h, mi, sec, us);
    return 0;
}

int sqlx_parse_timestamp(const char *s, int64_t *micros) {
    int y, m, d, h = 0, mi = 0, sec = 0, us = 0, zone_min = 0;
    const char *e = parse_date_part(s, &y, &m, &d);
    if (e == NULL)
        return -1;
    if (*e == ' ' || *e == 'T') {
        e = parse_time_part(e + 1, 1, &h, &mi, &sec, &us);
        if (e == NULL)
            return -1;
    }
    if (*e == 'Z' || *e == 'z') {
        e++;
    } else if (*e == '+' || *e == '-') {
        int sign = *e == '-' ? -1 : 1, zh, zm = 0, n;
        e++;
        n = read_int(e, 2, 2, &zh);
        if (!n)
            return -1;
        e += n;
        if (*e == ':')
            e++;
        n = read_int(e, 2, 2, &zm);
        if (n)
            e += n;
        if (zh > 23 || zm > 59)
            return -1;
        zone_min = sign * (zh * 60 + zm);
    }
    if (*e)
        return -1;
    *micros = to_micros(y, m, d, h, mi, sec, us) - (int64_t)zone_min * 60 * 1000000;
    return 0;
}

static void split_micros(int64_t micros, int64_t *y, unsigned *mo, unsigned *d, int *h, int *mi,
                         int *s, int *us) {
    int64_t day = micros / INT64_C(86400000000);
    int64_t rem = micros % INT64_C(86400000000);
    if (rem < 0) {
        rem += INT64_C(86400000000);
        day--;
    }
    sqlx_civil_from_days(day, y, mo, d);
    *us = (int)(rem % 1000000);
    rem /= 1000000;
    *s = (int)(rem % 60);
    *mi = (int)(rem / 60 % 60);
    *h = (int)(rem / 3600);
}

void sqlx_format_timestamp(char *dst, size_t cap, int64_t micros) {
    int64_t y;
    unsigned mo, d;
    int h, mi, s, us;
    split_micros(micros, &y, &mo, &d, &h, &mi, &s, &us);
    snprintf(dst, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%06dZ", (long long)y, mo, d, h, mi, s, us);
}

void sqlx_format_datetime(char *dst, size_t cap, int64_t micros) {
    int64_t y;
    unsigned mo, d;
    int h, mi, s, us;
    split_micros(micros, &y, &mo, &d, &h, &mi, &s, &us);
    snprintf(dst, cap, "%04lld-%02u-%02uT%02d:%02d:%02d.%06d", (long long)y, mo, d, h, mi, s, us);
}
