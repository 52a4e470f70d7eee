/* buf.c - see buf.h. */
#include "buf.h"
#include "err.h"
#include "utf8.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rs_buf_init(rs_buf *b) {
    memset(b, 0, sizeof(*b));
}

void rs_buf_free(rs_buf *b) {
    if (b == NULL)
        return;
    free(b->data);
    memset(b, 0, sizeof(*b));
}

void rs_buf_reset(rs_buf *b) {
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}

int rs_buf_reserve(rs_buf *b, size_t extra) {
    size_t need = b->len + extra + 1;
    size_t cap;
    char *grown;

    if (need <= b->cap)
        return RS_OK;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    grown = realloc(b->data, cap);
    if (grown == NULL) {
        b->oom = 1;
        return RS_ENOMEM;
    }
    if (b->data == NULL)
        grown[0] = '\0'; /* a fresh buffer reads as "" even before the first append */
    b->data = grown;
    b->cap = cap;
    return RS_OK;
}

int rs_buf_append(rs_buf *b, const void *data, size_t len) {
    if (rs_buf_reserve(b, len) != RS_OK)
        return RS_ENOMEM;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return RS_OK;
}

int rs_buf_puts(rs_buf *b, const char *s) {
    return rs_buf_append(b, s, strlen(s));
}

int rs_buf_putc(rs_buf *b, char c) {
    return rs_buf_append(b, &c, 1);
}

int rs_buf_printf(rs_buf *b, const char *fmt, ...) {
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return RS_EINVAL;
    if (rs_buf_reserve(b, (size_t)n) != RS_OK)
        return RS_ENOMEM;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return RS_OK;
}

int rs_buf_quoted(rs_buf *b, const char *s, size_t len, char quote) {
    rs_buf_putc(b, quote);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == quote)
            rs_buf_putc(b, quote);
        rs_buf_putc(b, s[i]);
    }
    return rs_buf_putc(b, quote);
}

/* Bytes a JSON string holds as they are: printable ASCII but the quote and the backslash. */
static int json_plain_byte(unsigned char c) {
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

int rs_buf_json_plain(const char *s, size_t len) {
    for (size_t i = 0; i < len; i++)
        if (!json_plain_byte((unsigned char)s[i]))
            return 0;
    return 1;
}

/* The letter after the backslash of the characters JSON escapes in two bytes; 0 for others. */
static const char SHORT_ESCAPE[256] = {
    ['"'] = '"', ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r', ['\t'] = 't'};

/* Append the escape of the byte (or UTF-8 sequence) at s[i], s[0..len); the bytes it took. */
static size_t json_escape_at(rs_buf *b, const char *s, size_t i, size_t len) {
    static const char hex[] = "0123456789abcdef";
    unsigned char c = (unsigned char)s[i];
    char esc[7];

    if (SHORT_ESCAPE[c] != 0) {
        esc[0] = '\\';
        esc[1] = SHORT_ESCAPE[c];
        rs_buf_append(b, esc, 2);
        return 1;
    }
    if (c >= 0x80) {
        /* Pass valid UTF-8 through; a byte that starts no valid sequence becomes U+FFFD, so
         * whatever we write is always valid JSON. */
        size_t seq = rs_utf8_seq_len((const unsigned char *)s + i, len - i);
        if (seq == 0) {
            rs_buf_append(b, "\\ufffd", 6);
            return 1;
        }
        rs_buf_append(b, s + i, seq);
        return seq;
    }
    esc[0] = '\\';
    esc[1] = 'u';
    esc[2] = '0';
    esc[3] = '0';
    esc[4] = hex[c >> 4];
    esc[5] = hex[c & 15];
    rs_buf_append(b, esc, 6);
    return 1;
}

int rs_buf_json_string(rs_buf *b, const char *s, size_t len) {
    size_t i = 0;

    if (rs_buf_reserve(b, len + 2) != RS_OK)
        return RS_ENOMEM;
    rs_buf_putc(b, '"');
    while (i < len) {
        /* most strings are plain ASCII: copied a run at a time, not a call per byte */
        size_t run = i;
        while (run < len && json_plain_byte((unsigned char)s[run]))
            run++;
        if (run > i)
            rs_buf_append(b, s + i, run - i);
        i = run;
        if (i < len)
            i += json_escape_at(b, s, i, len);
    }
    rs_buf_putc(b, '"');
    return b->oom ? RS_ENOMEM : RS_OK;
}

char *rs_buf_detach(rs_buf *b) {
    char *out;

    if (b->data == NULL && rs_buf_reserve(b, 0) != RS_OK)
        return NULL;
    out = b->data;
    memset(b, 0, sizeof(*b));
    return out;
}

const char *rs_buf_cstr(const rs_buf *b) {
    return b->data ? b->data : "";
}
