/*
 * buf.h - a growable byte buffer (always NUL-terminated) for building request bodies, SQL text
 * and responses.
 *
 * Ownership: the buffer owns data; rs_buf_free releases it; rs_buf_detach hands it to the caller
 * (free with free()). On allocation failure an append returns RS_ENOMEM, leaves the content as it
 * was, and sets the sticky `oom` flag so a long chain of appends can be checked once at the end.
 *
 * Thread-safety: none; a buffer belongs to one thread at a time.
 */
#ifndef RS_BUF_H
#define RS_BUF_H

#include <stddef.h>

typedef struct rs_buf {
    char *data; /* NUL-terminated content, or NULL while empty and unallocated */
    size_t len; /* bytes used, not counting the NUL */
    size_t cap; /* bytes allocated */
    int oom;    /* set once any append failed for lack of memory */
} rs_buf;

#define RS_BUF_INIT \
    { NULL, 0, 0, 0 }

void rs_buf_init(rs_buf *b);
void rs_buf_free(rs_buf *b);
/* Empty the buffer, keeping its allocation. */
void rs_buf_reset(rs_buf *b);
/* Make room for at least `extra` more bytes. */
int rs_buf_reserve(rs_buf *b, size_t extra);
int rs_buf_append(rs_buf *b, const void *data, size_t len);
int rs_buf_puts(rs_buf *b, const char *s);
int rs_buf_putc(rs_buf *b, char c);
int rs_buf_printf(rs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Append s as a JSON string literal, quotes included, escaping as RFC 8259 requires. */
int rs_buf_json_string(rs_buf *b, const char *s, size_t len);
/* 1 when rs_buf_json_string writes s[0..len) between its quotes as it is (printable ASCII, no
 * quote, no backslash): text that is already its own JSON string body. */
int rs_buf_json_plain(const char *s, size_t len);
/* Append s between two quote characters, each quote inside doubled: an SQL string literal
 * (quote '\'') or identifier (quote '"'), as SQLite and DuckDB read them. */
int rs_buf_quoted(rs_buf *b, const char *s, size_t len, char quote);
/* Hand the content to the caller (never NULL on success: an empty buffer yields ""); the buffer
 * is left empty. Returns NULL only on allocation failure. */
char *rs_buf_detach(rs_buf *b);
/* Content as a C string; "" when nothing was appended. Borrowed. */
const char *rs_buf_cstr(const rs_buf *b);

#endif
