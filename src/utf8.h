/*
 * utf8.h - strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF. Used wherever bytes from outside become JSON text: request bodies in rockset-local,
 * strings the extension sends, and rs_buf_json_string, which replaces what is invalid. Also the
 * one UTF-8 encoder, for the JSON string decoder (jsonscan.c).
 *
 * Thread-safety: pure functions.
 */
#ifndef RS_UTF8_H
#define RS_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence starting at s (at most n bytes available): 1..4, or 0 when
 * the bytes there are not a valid sequence. */
size_t rs_utf8_seq_len(const unsigned char *s, size_t n);

/* 1 when all n bytes of s are valid UTF-8; otherwise 0 and *bad_at (may be NULL) gets the offset
 * of the first invalid byte. */
int rs_utf8_valid(const char *s, size_t n, size_t *bad_at);

/* 1 when all n bytes of s are ASCII (below 0x80): text on which every engine's case mapping
 * agrees (the column index's LOWER and UPPER). */
int rs_utf8_is_ascii(const char *s, size_t n);

/* Write code point cp (at most U+10FFFF) as UTF-8 into out; returns the byte count, 1..4.
 * cp is not checked: the callers have already turned surrogates into a pair or U+FFFD. */
size_t rs_utf8_encode(unsigned cp, char out[4]);

/* The value of one hexadecimal digit (either case), or -1. */
int rs_hex_digit(int c);

#endif
