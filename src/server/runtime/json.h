/*
 * json.h - a small scanner over the JSON text of documents, for the SQL runtime: skip a value,
 * find an object member or an array element, decode a string. It never allocates (except into a
 * caller's rs_buf when decoding) and never converts numbers, so a field read costs one pass over
 * the text and 64-bit integers stay exact. It trusts its input to be JSON (documents are
 * validated when they are written); on malformed text every function returns NULL rather than
 * read outside [p, end).
 *
 * Thread-safety: no state; reentrant.
 */
#ifndef RL_RUNTIME_JSON_H
#define RL_RUNTIME_JSON_H

#include "buf.h"

#include <stddef.h>
#include <stdint.h>

/* First non-whitespace byte at or after p (end when none). */
const char *rt_json_ws(const char *p, const char *end);
/* Skip one JSON value starting at p (after whitespace); returns the end, or NULL when invalid. */
const char *rt_json_skip(const char *p, const char *end);
/* Find key (klen bytes, already decoded) in the object text [p,end): the start of its value, or
 * NULL when absent or not an object. With duplicate keys the last one wins. */
const char *rt_json_member(const char *p, const char *end, const char *key, size_t klen);
/* Element idx (0-based) of the array text [p,end): the start of its value, or NULL. */
const char *rt_json_element(const char *p, const char *end, int64_t idx);
/* Decode the JSON string token at p (quotes included) into out (UTF-8; a lone surrogate becomes
 * U+FFFD); returns the end of the token, or NULL when it is not a string or out ran out of
 * memory. */
const char *rt_json_unescape(const char *p, const char *end, rs_buf *out);

#endif
