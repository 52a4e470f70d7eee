/*
 * json.c - a non-allocating scanner over document JSON text (see json.h): find a member or an
 * element without building a tree, so a field read costs one pass over the text and integers
 * keep all 64 bits.
 */
#include "json.h"
#include "utf8.h"

#include <ctype.h>
#include <string.h>

#define MAX_JSON_DEPTH 512

const char *rt_json_ws(const char *p, const char *end) {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
        p++;
    return p;
}

/* memchr finds the closing quote; it closes the string unless an odd run of backslashes
 * precedes it. Field lookups skip every member before theirs, so this is the hot loop. */
static const char *skip_string(const char *p, const char *end) {
    p++; /* opening quote */
    while (p < end) {
        const char *q = memchr(p, '"', (size_t)(end - p));
        if (q == NULL)
            return NULL;
        const char *b = q;
        while (b > p && b[-1] == '\\')
            b--;
        if ((q - b) % 2 == 0)
            return q + 1;
        p = q + 1;
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
    p = rt_json_ws(p, end);
    if (p >= end || depth > MAX_JSON_DEPTH)
        return NULL;
    switch (*p) {
    case '"':
        return skip_string(p, end);
    case '{':
    case '[': {
        char close = *p == '{' ? '}' : ']';
        int is_obj = *p == '{';
        p = rt_json_ws(p + 1, end);
        if (p < end && *p == close)
            return p + 1;
        for (;;) {
            if (is_obj) {
                if (p >= end || *p != '"')
                    return NULL;
                p = skip_string(p, end);
                if (p == NULL)
                    return NULL;
                p = rt_json_ws(p, end);
                if (p >= end || *p != ':')
                    return NULL;
                p++;
            }
            p = skip_value(p, end, depth + 1);
            if (p == NULL)
                return NULL;
            p = rt_json_ws(p, end);
            if (p < end && *p == ',') {
                p = rt_json_ws(p + 1, end);
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

const char *rt_json_skip(const char *p, const char *end) {
    return skip_value(p, end, 0);
}

/* Compare the JSON string token at p (quotes included, up to tok_end) with key. */
static int key_equals(const char *p, const char *tok_end, const char *key, size_t klen) {
    size_t raw_len = (size_t)(tok_end - p - 2);
    /* an escape only makes a key longer than what it spells */
    if (raw_len < klen)
        return 0;
    if (raw_len == klen && memcmp(p + 1, key, klen) != 0)
        return 0;
    if (memchr(p + 1, '\\', raw_len) == NULL)
        return raw_len == klen;
    rs_buf b = RS_BUF_INIT;
    int eq = rt_json_unescape(p, tok_end, &b) && b.len == klen && memcmp(b.data, key, klen) == 0;
    rs_buf_free(&b);
    return eq;
}

const char *rt_json_member(const char *p, const char *end, const char *key, size_t klen) {
    const char *found = NULL;
    p = rt_json_ws(p, end);
    if (p >= end || *p != '{')
        return NULL;
    p = rt_json_ws(p + 1, end);
    if (p < end && *p == '}')
        return NULL;
    while (p < end && *p == '"') {
        const char *key_end = skip_string(p, end);
        if (key_end == NULL)
            return NULL;
        int match = key_equals(p, key_end, key, klen);
        p = rt_json_ws(key_end, end);
        if (p >= end || *p != ':')
            return NULL;
        p = rt_json_ws(p + 1, end);
        if (match)
            found = p; /* keep scanning: with duplicate keys the last one wins */
        p = rt_json_skip(p, end);
        if (p == NULL)
            return NULL;
        p = rt_json_ws(p, end);
        if (p < end && *p == ',')
            p = rt_json_ws(p + 1, end);
        else
            break;
    }
    return found;
}

const char *rt_json_element(const char *p, const char *end, int64_t idx) {
    p = rt_json_ws(p, end);
    if (p >= end || *p != '[' || idx < 0)
        return NULL;
    p = rt_json_ws(p + 1, end);
    if (p < end && *p == ']')
        return NULL;
    for (int64_t i = 0; p < end; i++) {
        if (i == idx)
            return p;
        p = rt_json_skip(p, end);
        if (p == NULL)
            return NULL;
        p = rt_json_ws(p, end);
        if (p >= end || *p != ',')
            return NULL;
        p = rt_json_ws(p + 1, end);
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

const char *rt_json_unescape(const char *p, const char *end, rs_buf *out) {
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
