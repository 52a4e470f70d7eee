/*
 * jsonscan.c - see jsonscan.h.
 *
 * How it works: one iterative scanner (scan_value) walks a value with an explicit stack of open
 * containers, so hostile nesting cannot overflow the C stack. Every read is guarded by the `end`
 * pointer of the span being scanned; nothing assumes a NUL terminator. Higher-level functions
 * (iteration, lookup) rescan members with scan_value, so they are as safe on malformed input as
 * validation itself.
 */
#include "jsonscan.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512

/* Where and why a scan failed (filled only on failure). */
typedef struct scan_fail {
    const char *at;
    const char *why;
} scan_fail;

/* JSON whitespace, as a table: skip_ws runs between every two tokens of every text. */
static const unsigned char WS[256] = {[' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

static int is_ws(char c) {
    return WS[(unsigned char)c];
}

static const char *skip_ws(const char *p, const char *end) {
    while (p < end && WS[(unsigned char)*p])
        p++;
    return p;
}

static int fail(scan_fail *f, const char *at, const char *why) {
    f->at = at;
    f->why = why;
    return -1;
}

/* The first byte at or after p that may end a run of string text: the quote, the backslash and,
 * with controls, a byte below 0x20; end when none. Every read of every document crosses its
 * strings, so the run is found 16 bytes a round where SSE2 is (every x86-64), a table lookup a
 * byte elsewhere; the 16 bytes read always lie before end. */
#if defined(__SSE2__)
#include <emmintrin.h>

static inline const char *string_stop(const char *p, const char *end, int controls) {
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    const __m128i below = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i hit = _mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash));
        if (controls) /* v <= 0x1f, unsigned: min(v, 0x1f) == v */
            hit = _mm_or_si128(hit, _mm_cmpeq_epi8(_mm_min_epu8(v, below), v));
        int mask = _mm_movemask_epi8(hit);
        if (mask != 0)
            return p + __builtin_ctz((unsigned)mask);
        p += 16;
    }
    while (p < end && !(*p == '"' || *p == '\\' || (controls && (unsigned char)*p < 0x20)))
        p++;
    return p;
}
#else
static inline const char *string_stop(const char *p, const char *end, int controls) {
    while (p < end && !(*p == '"' || *p == '\\' || (controls && (unsigned char)*p < 0x20)))
        p++;
    return p;
}
#endif

/* The rest of a string from p (after the last plain byte seen) to its closing quote: escapes
 * and faults. *pp as for scan_string. */
static int scan_string_rest(const char **pp, const char *p, const char *end, scan_fail *f) {
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *pp = p + 1;
            return 0;
        }
        if (c < 0x20)
            return fail(f, p, "control character in string");
        if (c != '\\') {
            p++;
            continue;
        }
        if (p + 1 >= end)
            break;
        switch (p[1]) {
        case '"':
        case '\\':
        case '/':
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't':
            p += 2;
            break;
        case 'u':
            if (end - p < 6 || rs_hex_digit(p[2]) < 0 || rs_hex_digit(p[3]) < 0 ||
                rs_hex_digit(p[4]) < 0 || rs_hex_digit(p[5]) < 0)
                return fail(f, p, "bad \\u escape");
            p += 6;
            break;
        default:
            return fail(f, p, "bad escape in string");
        }
    }
    return fail(f, end, "unterminated string");
}

/* *pp points at the opening quote; on success it points just past the closing quote. A field
 * lookup scans every member of a document, so the plain run is the server's hot loop. */
static inline int scan_string(const char **pp, const char *end, scan_fail *f) {
    const char *p = string_stop(*pp + 1, end, 1);

    if (p < end && *p == '"') {
        *pp = p + 1;
        return 0;
    }
    return scan_string_rest(pp, p, end, f);
}

static const char *skip_digits(const char *p, const char *end) {
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    return p;
}

/* RFC 8259 number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static int scan_number(const char **pp, const char *end, scan_fail *f) {
    const char *p = *pp;
    const char *digits;

    if (p < end && *p == '-')
        p++;
    if (p >= end || *p < '0' || *p > '9')
        return fail(f, p, "bad number");
    if (*p == '0')
        p++;
    else
        p = skip_digits(p, end);
    if (p < end && *p == '.') {
        digits = ++p;
        p = skip_digits(p, end);
        if (p == digits)
            return fail(f, p, "bad number: no digits after '.'");
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        digits = p;
        p = skip_digits(p, end);
        if (p == digits)
            return fail(f, p, "bad number: no digits in exponent");
    }
    *pp = p;
    return 0;
}

static int scan_literal(const char **pp, const char *end, const char *word, scan_fail *f) {
    const char *p = *pp;

    while (*word != '\0' && p < end && *p == *word) {
        p++;
        word++;
    }
    if (*word != '\0')
        return fail(f, *pp, "unexpected character");
    *pp = p;
    return 0;
}

/* A scalar at *pp (not a container): advance past it. */
static int scan_scalar(const char **pp, const char *end, scan_fail *f) {
    switch (**pp) {
    case '"':
        return scan_string(pp, end, f);
    case 't':
        return scan_literal(pp, end, "true", f);
    case 'f':
        return scan_literal(pp, end, "false", f);
    case 'n':
        return scan_literal(pp, end, "null", f);
    default:
        if (**pp == '-' || (**pp >= '0' && **pp <= '9'))
            return scan_number(pp, end, f);
        return fail(f, *pp, "unexpected character");
    }
}

enum { EXPECT_VALUE, EXPECT_KEY, AFTER_VALUE };

/* After a value inside a container: handle ',' or the closing bracket. Returns the next state,
 * or -1 on error. */
static int after_member(const char **pp, const char *end, char *stack, int *depth, scan_fail *f) {
    const char *p = skip_ws(*pp, end);
    char open = stack[*depth - 1];

    if (p >= end)
        return fail(f, p, "unexpected end of text");
    if (*p == ',') {
        *pp = skip_ws(p + 1, end);
        return open == '{' ? EXPECT_KEY : EXPECT_VALUE;
    }
    if ((open == '{' && *p == '}') || (open == '[' && *p == ']')) {
        (*depth)--;
        *pp = p + 1;
        return AFTER_VALUE;
    }
    return fail(f, p, open == '{' ? "expected ',' or '}'" : "expected ',' or ']'");
}

/* Scan one value starting at p (no leading whitespace skipped); *value_end gets its end. */
static int scan_nested(const char *p, const char *end, const char **value_end, scan_fail *f) {
    char stack[MAX_DEPTH];
    int depth = 0;
    int state = EXPECT_VALUE;

    for (;;) {
        if (state == AFTER_VALUE) {
            if (depth == 0) {
                *value_end = p;
                return 0;
            }
            state = after_member(&p, end, stack, &depth, f);
            if (state < 0)
                return -1;
            continue;
        }
        if (p >= end)
            return fail(f, p, "unexpected end of text");
        if (state == EXPECT_KEY) {
            if (*p != '"')
                return fail(f, p, "expected a string key");
            if (scan_string(&p, end, f) < 0)
                return -1;
            p = skip_ws(p, end);
            if (p >= end || *p != ':')
                return fail(f, p, "expected ':'");
            p = skip_ws(p + 1, end);
            state = EXPECT_VALUE;
            continue;
        }
        if (*p == '{' || *p == '[') {
            char close = *p == '{' ? '}' : ']';
            if (depth == MAX_DEPTH)
                return fail(f, p, "nesting too deep");
            stack[depth++] = *p;
            p = skip_ws(p + 1, end);
            if (p < end && *p == close) {
                depth--;
                p++;
                state = AFTER_VALUE;
            } else {
                state = stack[depth - 1] == '{' ? EXPECT_KEY : EXPECT_VALUE;
            }
            continue;
        }
        if (scan_scalar(&p, end, f) < 0)
            return -1;
        state = AFTER_VALUE;
    }
}

/* As scan_nested; a scalar (most members of a document) skips the container machinery. */
static inline int scan_value(const char *p, const char *end, const char **value_end, scan_fail *f) {
    if (p < end && *p != '{' && *p != '[') {
        if (scan_scalar(&p, end, f) < 0)
            return -1;
        *value_end = p;
        return 0;
    }
    return scan_nested(p, end, value_end, f);
}

static int set_parse_error(rs_err *err, const char *text, const scan_fail *f) {
    return rs_err_set(err, RS_EPARSE, "invalid JSON at offset %ld: %s", (long)(f->at - text),
                      f->why);
}

rs_jsonscan_span rs_jsonscan_cstr(const char *text) {
    rs_jsonscan_span s;

    s.ptr = text;
    s.len = text ? strlen(text) : 0;
    return s;
}

int rs_jsonscan_value(const char *text, size_t len, rs_jsonscan_span *value, size_t *consumed,
                      rs_err *err) {
    const char *end = text + len;
    const char *start = skip_ws(text, end);
    const char *value_end;
    scan_fail f;

    if (start >= end) {
        f.at = start;
        f.why = "no value";
        return set_parse_error(err, text, &f);
    }
    if (scan_value(start, end, &value_end, &f) < 0)
        return set_parse_error(err, text, &f);
    if (value != NULL) {
        value->ptr = start;
        value->len = (size_t)(value_end - start);
    }
    if (consumed != NULL)
        *consumed = (size_t)(value_end - text);
    return RS_OK;
}

int rs_jsonscan_validate(const char *text, size_t len, rs_err *err) {
    size_t used;
    const char *rest;
    scan_fail f;
    int rc = rs_jsonscan_value(text, len, NULL, &used, err);

    if (rc != RS_OK)
        return rc;
    rest = skip_ws(text + used, text + len);
    if (rest < text + len) {
        f.at = rest;
        f.why = "unexpected text after the value";
        return set_parse_error(err, text, &f);
    }
    return RS_OK;
}

rs_jsonscan_span rs_jsonscan_trim(rs_jsonscan_span span) {
    const char *end = span.ptr + span.len;
    const char *p = skip_ws(span.ptr, end);

    while (end > p && is_ws(end[-1]))
        end--;
    span.ptr = p;
    span.len = (size_t)(end - p);
    return span;
}

/* Parse an integer literal exactly; 0 on overflow or a non-integer text. */
static int parse_int64(const char *p, size_t len, long long *out) {
    const char *end = p + len;
    int negative = 0;
    unsigned long long limit, acc = 0;

    if (p < end && *p == '-') {
        negative = 1;
        p++;
    }
    if (p >= end)
        return 0;
    limit = negative ? (unsigned long long)9223372036854775807LL + 1 : 9223372036854775807ULL;
    for (; p < end; p++) {
        unsigned d;
        if (*p < '0' || *p > '9')
            return 0;
        d = (unsigned)(*p - '0');
        if (acc > (limit - d) / 10)
            return 0;
        acc = acc * 10 + d;
    }
    if (negative)
        *out = acc == limit ? (-9223372036854775807LL - 1) : -(long long)acc;
    else
        *out = (long long)acc;
    return 1;
}

static rs_jsonscan_kind classify_number(rs_jsonscan_span s) {
    const char *p = s.ptr;
    scan_fail f;
    long long ignored;

    if (scan_number(&p, s.ptr + s.len, &f) < 0 || p != s.ptr + s.len)
        return RS_JSON_INVALID;
    return parse_int64(s.ptr, s.len, &ignored) ? RS_JSON_INT : RS_JSON_FLOAT;
}

rs_jsonscan_kind rs_jsonscan_classify(rs_jsonscan_span span) {
    rs_jsonscan_span s = rs_jsonscan_trim(span);

    if (s.len == 0)
        return RS_JSON_INVALID;
    switch (s.ptr[0]) {
    case '{':
        return RS_JSON_OBJECT;
    case '[':
        return RS_JSON_ARRAY;
    case '"':
        return RS_JSON_STRING;
    case 't':
        return RS_JSON_TRUE;
    case 'f':
        return RS_JSON_FALSE;
    case 'n':
        return RS_JSON_NULL;
    default:
        return classify_number(s);
    }
}

const char *rs_jsonscan_kind_name(rs_jsonscan_kind kind) {
    static const char *const names[] = {"invalid", "object", "array", "string", "int",
                                        "float",   "true",   "false", "null"};

    if ((int)kind < 0 || (size_t)kind >= sizeof(names) / sizeof(names[0]))
        return "invalid";
    return names[kind];
}

int rs_jsonscan_iter_init(rs_jsonscan_iter *it, rs_jsonscan_span span) {
    rs_jsonscan_span s = rs_jsonscan_trim(span);

    memset(it, 0, sizeof(*it));
    it->state = 2;
    if (s.len == 0 || (s.ptr[0] != '{' && s.ptr[0] != '['))
        return RS_EPARSE;
    it->is_object = s.ptr[0] == '{';
    it->pos = s.ptr + 1;
    it->end = s.ptr + s.len;
    it->state = 0;
    return RS_OK;
}

int rs_jsonscan_iter_init_valid(rs_jsonscan_iter *it, rs_jsonscan_span span) {
    int rc = rs_jsonscan_iter_init(it, span);

    it->trusted = 1;
    return rc;
}

/* In valid text, the bytes that end a scalar (its delimiters and whitespace): a table lookup a
 * byte instead of a chain of comparisons. */
static const unsigned char SCALAR_STOP[256] = {
    [','] = 1, ['}'] = 1, [']'] = 1, [' '] = 1, ['\t'] = 1, ['\n'] = 1, ['\r'] = 1};

/* The end of the string literal at p (p[0] == '"') of valid text; end when unterminated. */
static const char *skip_valid_string(const char *p, const char *end) {
    for (p++;;) {
        p = string_stop(p, end, 0);
        if (p >= end)
            return end;
        if (*p == '"')
            return p + 1;
        /* a backslash: the escaped character cannot end the string */
        if (end - p < 2)
            return end;
        p += 2;
    }
}

/* The end of the value at p of valid text: strings by their quotes, objects and arrays by
 * their brackets (strings inside skipped whole), scalars up to the next delimiter. */
const char *rs_jsonscan_skip_valid(const char *p, const char *end) {
    int depth = 0;

    if (p < end && *p == '"')
        return skip_valid_string(p, end);
    if (p < end && *p != '{' && *p != '[') {
        while (p < end && !SCALAR_STOP[(unsigned char)*p])
            p++;
        return p;
    }
    while (p < end) {
        char c = *p;
        if (c == '"') {
            p = skip_valid_string(p, end);
            continue;
        }
        if (c == '{' || c == '[')
            depth++;
        else if ((c == '}' || c == ']') && --depth == 0)
            return p + 1;
        p++;
    }
    return end;
}

static int iter_fail(rs_jsonscan_iter *it) {
    it->state = -1;
    return -1;
}

/* Read "key": at it->pos (whitespace allowed before) into *key; leave pos after the ':'. */
static int iter_read_key(rs_jsonscan_iter *it, rs_jsonscan_span *key) {
    const char *p = skip_ws(it->pos, it->end);
    const char *start = p;
    scan_fail f;

    if (p >= it->end || *p != '"')
        return -1;
    if (it->trusted)
        p = skip_valid_string(p, it->end);
    else if (scan_string(&p, it->end, &f) < 0)
        return -1;
    if (key != NULL) {
        key->ptr = start;
        key->len = (size_t)(p - start);
    }
    p = skip_ws(p, it->end);
    if (p >= it->end || *p != ':')
        return -1;
    it->pos = p + 1;
    return 0;
}

/* The next member up to its value: 1 with it->pos at the value's first byte (whitespace
 * skipped), 0 at the end, -1 on malformed text. */
static int iter_to_value(rs_jsonscan_iter *it, rs_jsonscan_span *key) {
    const char *p;
    char close = it->is_object ? '}' : ']';

    if (it->state == 2 || it->state == -1)
        return it->state == 2 ? 0 : -1;
    p = skip_ws(it->pos, it->end);
    if (p >= it->end)
        return iter_fail(it);
    if (it->state == 0 && *p == close) {
        it->state = 2;
        it->pos = p + 1;
        return 0;
    }
    if (it->state == 1) {
        if (*p == close) {
            it->state = 2;
            it->pos = p + 1;
            return 0;
        }
        if (*p != ',')
            return iter_fail(it);
        p++;
    }
    it->pos = p;
    if (key != NULL) {
        key->ptr = NULL;
        key->len = 0;
    }
    if (it->is_object && iter_read_key(it, key) < 0)
        return iter_fail(it);
    it->pos = skip_ws(it->pos, it->end);
    if (it->pos >= it->end)
        return iter_fail(it);
    it->state = 1;
    return 1;
}

int rs_jsonscan_iter_next(rs_jsonscan_iter *it, rs_jsonscan_span *key, rs_jsonscan_span *value) {
    const char *p, *value_end;
    scan_fail f;
    int rc = iter_to_value(it, key);

    if (rc != 1)
        return rc;
    p = it->pos;
    if (it->trusted)
        value_end = rs_jsonscan_skip_valid(p, it->end);
    else if (scan_value(p, it->end, &value_end, &f) < 0)
        return iter_fail(it);
    value->ptr = p;
    value->len = (size_t)(value_end - p);
    it->pos = value_end;
    return 1;
}

int rs_jsonscan_iter_next_key(rs_jsonscan_iter *it, rs_jsonscan_span *key, rs_jsonscan_span *rest) {
    int rc = iter_to_value(it, key);

    if (rc == 1) {
        rest->ptr = it->pos;
        rest->len = (size_t)(it->end - it->pos);
    }
    return rc;
}

void rs_jsonscan_iter_resume(rs_jsonscan_iter *it, size_t used) {
    size_t left = (size_t)(it->end - it->pos);

    it->pos += used < left ? used : left;
}

int rs_jsonscan_walk_object(rs_jsonscan_span rest, rs_jsonscan_member_fn fn, void *ctx,
                            size_t *used) {
    const char *p = rest.ptr, *end = rest.ptr + rest.len;
    rs_jsonscan_span key, value;
    size_t k = 0;
    scan_fail f;
    int rc;

    if (p >= end || *p != '{')
        return RS_EPARSE;
    p = skip_ws(p + 1, end);
    if (p < end && *p == '}') {
        *used = (size_t)(p + 1 - rest.ptr);
        return RS_OK;
    }
    for (;;) {
        key.ptr = p;
        if (p >= end || *p != '"' || scan_string(&p, end, &f) < 0)
            return RS_EPARSE;
        key.len = (size_t)(p - key.ptr);
        p = skip_ws(p, end);
        if (p >= end || *p != ':')
            return RS_EPARSE;
        value.ptr = p = skip_ws(p + 1, end);
        if (p >= end || scan_value(p, end, &p, &f) < 0)
            return RS_EPARSE;
        value.len = (size_t)(p - value.ptr);
        if ((rc = fn(ctx, k++, key, value)) != RS_OK)
            return rc;
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}') {
            *used = (size_t)(p + 1 - rest.ptr);
            return RS_OK;
        }
        return RS_EPARSE;
    }
}

int rs_jsonscan_iter_complete(const rs_jsonscan_iter *it) {
    return it->state == 2 && it->pos != NULL && skip_ws(it->pos, it->end) == it->end;
}

/* Decode one \uXXXX (p at the backslash, 6 bytes available) to a code unit. */
static unsigned read_u16(const char *p) {
    return (unsigned)(rs_hex_digit(p[2]) << 12 | rs_hex_digit(p[3]) << 8 | rs_hex_digit(p[4]) << 4 |
                      rs_hex_digit(p[5]));
}

static int put_utf8(rs_buf *out, unsigned cp) {
    char bytes[4];

    return rs_buf_append(out, bytes, rs_utf8_encode(cp, bytes));
}

/* Decode the \u escape at *pp (surrogate pairs included) and advance past it. A lone or
 * mismatched surrogate is valid JSON syntax (rs_jsonscan_validate accepts it) but no character:
 * it becomes U+FFFD, as in the server, so one odd string cannot make a whole result unreadable.
 * In "\ud83d\ud83d" the second escape is left to be decoded on its own. */
static int decode_unicode(const char **pp, const char *end, rs_buf *out, rs_err *err) {
    const char *p = *pp;
    unsigned cp = read_u16(p);

    p += 6;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
        cp = 0xFFFD;
    } else if (cp >= 0xD800 && cp <= 0xDBFF) {
        unsigned low = 0;
        if (end - p >= 6 && p[0] == '\\' && p[1] == 'u' && rs_hex_digit(p[2]) >= 0 &&
            rs_hex_digit(p[3]) >= 0 && rs_hex_digit(p[4]) >= 0 && rs_hex_digit(p[5]) >= 0)
            low = read_u16(p);
        if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            p += 6;
        } else {
            cp = 0xFFFD;
        }
    }
    *pp = p;
    if (put_utf8(out, cp) != RS_OK)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return RS_OK;
}

static char simple_escape(char c) {
    switch (c) {
    case '"':
        return '"';
    case '\\':
        return '\\';
    case '/':
        return '/';
    case 'b':
        return '\b';
    case 'f':
        return '\f';
    case 'n':
        return '\n';
    case 'r':
        return '\r';
    case 't':
        return '\t';
    default:
        return 0;
    }
}

int rs_jsonscan_string_decode(rs_jsonscan_span span, rs_buf *out, rs_err *err) {
    rs_jsonscan_span s = rs_jsonscan_trim(span);
    const char *p, *end, *run;
    int rc;

    if (s.len < 2 || s.ptr[0] != '"' || s.ptr[s.len - 1] != '"')
        return rs_err_set(err, RS_EPARSE, "invalid JSON string: not a string literal");
    p = s.ptr + 1;
    end = s.ptr + s.len - 1;
    while (p < end) {
        run = p;
        while (p < end && *p != '\\' && *p != '"' && (unsigned char)*p >= 0x20)
            p++;
        if (p > run && rs_buf_append(out, run, (size_t)(p - run)) != RS_OK)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        if (p >= end)
            break;
        if (*p != '\\')
            return rs_err_set(err, RS_EPARSE, "invalid JSON string: unescaped %s",
                              *p == '"' ? "quote" : "control character");
        if (p + 1 >= end)
            return rs_err_set(err, RS_EPARSE, "invalid JSON string: dangling backslash");
        if (p[1] == 'u') {
            if (end - p < 6 || rs_hex_digit(p[2]) < 0 || rs_hex_digit(p[3]) < 0 ||
                rs_hex_digit(p[4]) < 0 || rs_hex_digit(p[5]) < 0)
                return rs_err_set(err, RS_EPARSE, "invalid JSON string: bad \\u escape");
            rc = decode_unicode(&p, end, out, err);
            if (rc != RS_OK)
                return rc;
            continue;
        }
        if (simple_escape(p[1]) == 0)
            return rs_err_set(err, RS_EPARSE, "invalid JSON string: bad escape '\\%c'", p[1]);
        if (rs_buf_putc(out, simple_escape(p[1])) != RS_OK)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        p += 2;
    }
    return RS_OK;
}

int rs_jsonscan_string_dup(rs_jsonscan_span span, char **out, rs_err *err) {
    rs_buf b = RS_BUF_INIT;
    char *s;
    int rc = rs_jsonscan_string_decode(span, &b, err);

    if (rc != RS_OK) {
        rs_buf_free(&b);
        return rc;
    }
    s = rs_buf_detach(&b);
    if (s == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    *out = s;
    return RS_OK;
}

/* The slow half of key_matches: the key has an escape; decode it and compare. */
static int escaped_key_matches(rs_jsonscan_span key, const char *name, size_t name_len) {
    rs_buf decoded = RS_BUF_INIT;
    int equal = rs_jsonscan_string_decode(key, &decoded, NULL) == RS_OK &&
                decoded.len == name_len && memcmp(rs_buf_cstr(&decoded), name, name_len) == 0;

    rs_buf_free(&decoded);
    return equal;
}

/* Whether text[0..len-1] holds a backslash; keys are short, so a loop beats a call to memchr. */
static inline int has_backslash(const char *text, size_t len) {
    if (len > 32)
        return memchr(text, '\\', len) != NULL;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\\')
            return 1;
    return 0;
}

/* rs_jsonscan_key_equals, inlined into the lookups. An escape never decodes to more bytes than
 * it is spelled with, so a raw text shorter than the name cannot equal it, and the common miss
 * costs no scan for backslashes. */
static inline int key_matches(rs_jsonscan_span key, const char *name, size_t name_len) {
    size_t raw_len;

    if (key.len < 2 || key.ptr[0] != '"')
        return 0;
    raw_len = key.len - 2;
    if (raw_len < name_len)
        return 0;
    if (raw_len == name_len && name_len > 0 &&
        (key.ptr[1] != name[0] || memcmp(key.ptr + 1, name, name_len) != 0))
        return 0;
    if (!has_backslash(key.ptr + 1, raw_len))
        return raw_len == name_len;
    return escaped_key_matches(key, name, name_len);
}

int rs_jsonscan_key_equals(rs_jsonscan_span key, const char *name, size_t name_len) {
    return key_matches(key, name, name_len);
}

int rs_jsonscan_key_eq(rs_jsonscan_span key, const char *name) {
    return rs_jsonscan_key_equals(key, name, strlen(name));
}

int rs_jsonscan_get(rs_jsonscan_span object, const char *name, rs_jsonscan_span *value) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, member;
    size_t name_len = strlen(name);

    if (rs_jsonscan_classify(object) != RS_JSON_OBJECT)
        return 0;
    if (rs_jsonscan_iter_init(&it, object) != RS_OK)
        return 0;
    while (rs_jsonscan_iter_next(&it, &key, &member) == 1) {
        if (key_matches(key, name, name_len)) {
            *value = member;
            return 1;
        }
    }
    return 0;
}

int rs_jsonscan_get_last(rs_jsonscan_span object, const char *name, size_t name_len,
                         rs_jsonscan_span *value) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, member, found = {NULL, 0};
    int rc;

    if (rs_jsonscan_iter_init(&it, object) != RS_OK || !it.is_object)
        return 0;
    while ((rc = rs_jsonscan_iter_next(&it, &key, &member)) == 1)
        if (key_matches(key, name, name_len))
            found = member;
    if (rc != 0 || found.ptr == NULL)
        return 0;
    *value = found;
    return 1;
}

int rs_jsonscan_element(rs_jsonscan_span array, long long idx, rs_jsonscan_span *value) {
    rs_jsonscan_iter it;
    rs_jsonscan_span element;

    if (idx < 0 || rs_jsonscan_iter_init(&it, array) != RS_OK || it.is_object)
        return 0;
    while (rs_jsonscan_iter_next(&it, NULL, &element) == 1) {
        if (idx-- == 0) {
            *value = element;
            return 1;
        }
    }
    return 0;
}

int rs_jsonscan_get_path(rs_jsonscan_span span, const char *dotted_path, rs_jsonscan_span *value) {
    char part[256];
    const char *p = dotted_path;
    rs_jsonscan_span current = span;

    while (*p) {
        const char *dot = strchr(p, '.');
        size_t n = dot ? (size_t)(dot - p) : strlen(p);
        if (n >= sizeof(part))
            return 0;
        memcpy(part, p, n);
        part[n] = '\0';
        if (!rs_jsonscan_get(current, part, &current))
            return 0;
        p += n;
        if (*p == '.')
            p++;
    }
    *value = current;
    return 1;
}

long rs_jsonscan_count(rs_jsonscan_span span) {
    rs_jsonscan_iter it;
    rs_jsonscan_span value;
    long n = 0;
    int rc;

    if (rs_jsonscan_iter_init(&it, span) != RS_OK)
        return -1;
    while ((rc = rs_jsonscan_iter_next(&it, NULL, &value)) == 1)
        n++;
    return rc < 0 ? -1 : n;
}

int rs_jsonscan_int64(rs_jsonscan_span span, long long *out) {
    rs_jsonscan_span s = rs_jsonscan_trim(span);

    if (rs_jsonscan_classify(s) != RS_JSON_INT)
        return RS_EINVAL;
    return parse_int64(s.ptr, s.len, out) ? RS_OK : RS_EINVAL;
}

int rs_jsonscan_double(rs_jsonscan_span span, double *out) {
    rs_jsonscan_span s = rs_jsonscan_trim(span);
    rs_jsonscan_kind kind = rs_jsonscan_classify(s);
    char small[64];
    char *copy = small;

    if (kind != RS_JSON_INT && kind != RS_JSON_FLOAT)
        return RS_EINVAL;
    /* strtod needs a NUL-terminated copy: the span usually sits inside a larger text. */
    if (s.len >= sizeof(small)) {
        copy = malloc(s.len + 1);
        if (copy == NULL)
            return RS_ENOMEM;
    }
    memcpy(copy, s.ptr, s.len);
    copy[s.len] = '\0';
    *out = strtod(copy, NULL);
    if (copy != small)
        free(copy);
    return RS_OK;
}

/* The member `name` of object when it holds a value of kind `want`: RS_OK with *found = 1 and
 * *value set; RS_OK with *found = 0 when absent or null; RS_EPARSE ("'name' is <kind>, expected
 * <want_text>") for another kind. The one lookup behind the rs_jsonscan_get_* conveniences. */
static int get_member_of_kind(rs_jsonscan_span object, const char *name, rs_jsonscan_kind want,
                              const char *want_text, rs_jsonscan_span *value, int *found,
                              rs_err *err) {
    rs_jsonscan_kind kind;

    *found = 0;
    if (!rs_jsonscan_get(object, name, value))
        return RS_OK;
    kind = rs_jsonscan_classify(*value);
    if (kind == RS_JSON_NULL)
        return RS_OK;
    if (kind != want)
        return rs_err_set(err, RS_EPARSE, "'%s' is %s, expected %s", name,
                          rs_jsonscan_kind_name(kind), want_text);
    *found = 1;
    return RS_OK;
}

int rs_jsonscan_get_string(rs_jsonscan_span object, const char *name, char **out, rs_err *err) {
    rs_jsonscan_span value;
    int found, rc;

    *out = NULL;
    rc = get_member_of_kind(object, name, RS_JSON_STRING, "a string", &value, &found, err);
    if (rc != RS_OK || !found)
        return rc;
    return rs_jsonscan_string_dup(value, out, err);
}

int rs_jsonscan_get_int64(rs_jsonscan_span object, const char *name, long long *out, int *found,
                          rs_err *err) {
    rs_jsonscan_span value;
    int rc = get_member_of_kind(object, name, RS_JSON_INT, "an integer", &value, found, err);

    if (rc == RS_OK && *found)
        rs_jsonscan_int64(value, out);
    return rc;
}

int rs_jsonscan_bool(rs_jsonscan_span span, int *out) {
    long long number;

    switch (rs_jsonscan_classify(span)) {
    case RS_JSON_TRUE:
        *out = 1;
        return RS_OK;
    case RS_JSON_FALSE:
        *out = 0;
        return RS_OK;
    case RS_JSON_INT:
        rs_jsonscan_int64(span, &number);
        *out = number != 0;
        return RS_OK;
    default:
        return RS_EINVAL;
    }
}
