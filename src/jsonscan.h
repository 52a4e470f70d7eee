/*
 * jsonscan.h - a small, exact, allocation-free JSON scanner: the one JSON reader of the tree.
 *
 * What it is for: finding values inside a JSON text without building a tree, and handing out
 * their exact raw text (a span: pointer + length into the caller's buffer). Numbers are never
 * converted through double, so a 64-bit integer in a row comes out byte for byte as the server
 * sent it. api.c uses it to cut a query response into row texts; ext/ uses it to pull fields
 * out of a row; rockset-local's SQL runtime reads every document field through it
 * (rs_jsonscan_get_last, rs_jsonscan_element), so its string scan is the server's hot loop.
 * It is not a JSON writer (see rs_buf_json_string) and not a DOM (use cJSON for small metadata
 * objects).
 *
 * Validation: rs_jsonscan_validate() checks a whole text once (RFC 8259: strict grammar, no
 * trailing commas, no comments, control characters must be escaped, UTF-8 is passed through
 * unchecked except inside \u escapes). The other functions are safe on ANY input: they never
 * read outside the span they are given, and report malformed input by their return value;
 * on text that validated they always succeed.
 *
 * Ownership: spans borrow the caller's text; they are valid as long as that text is.
 * rs_jsonscan_string_decode appends to a caller-owned rs_buf.
 * Thread-safety: no shared state; every function is reentrant.
 */
#ifndef RS_JSONSCAN_H
#define RS_JSONSCAN_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

/* A piece of JSON text: ptr[0 .. len-1], not NUL-terminated in general. */
typedef struct rs_jsonscan_span {
    const char *ptr;
    size_t len;
} rs_jsonscan_span;

typedef enum rs_jsonscan_kind {
    RS_JSON_INVALID = 0, /* empty or not a JSON value start */
    RS_JSON_OBJECT,
    RS_JSON_ARRAY,
    RS_JSON_STRING,
    RS_JSON_INT,   /* an integer literal that fits int64 exactly */
    RS_JSON_FLOAT, /* any other number: fraction, exponent, or an integer beyond int64 */
    RS_JSON_TRUE,
    RS_JSON_FALSE,
    RS_JSON_NULL
} rs_jsonscan_kind;

/* Iterator over the members of an object or the elements of an array. Plain struct so it can
 * live on the stack; fields are private. */
typedef struct rs_jsonscan_iter {
    const char *pos;
    const char *end;
    int is_object;
    int state;   /* 0 before first, 1 inside, 2 done, -1 malformed */
    int trusted; /* rs_jsonscan_iter_init_valid: values skipped, not checked */
} rs_jsonscan_iter;

/* A span over a NUL-terminated string (convenience). */
rs_jsonscan_span rs_jsonscan_cstr(const char *text);

/* Check that text[0..len-1] is exactly one JSON value, optionally surrounded by whitespace.
 * RS_OK, or RS_EPARSE with a message "invalid JSON at offset N: <what>" (N 0-based byte
 * offset). Nesting deeper than 512 levels is rejected (no recursion on the C stack). */
int rs_jsonscan_validate(const char *text, size_t len, rs_err *err);

/* Scan the one value that starts at the first non-whitespace byte of text[0..len-1]; set *value
 * to its span and *consumed to the offset just after it. The value is fully validated. Trailing
 * bytes after the value are not examined. RS_OK or RS_EPARSE (as above). */
int rs_jsonscan_value(const char *text, size_t len, rs_jsonscan_span *value, size_t *consumed,
                      rs_err *err);

/* Strip leading and trailing JSON whitespace from a span. */
rs_jsonscan_span rs_jsonscan_trim(rs_jsonscan_span span);

/* Kind of the value in span (surrounding whitespace allowed). Looks only at the first byte,
 * except for numbers, whose whole text decides INT vs FLOAT: "-0", "123" are INT;
 * "1.0", "1e3", "9223372036854775808" are FLOAT. A malformed number is RS_JSON_INVALID. */
rs_jsonscan_kind rs_jsonscan_classify(rs_jsonscan_span span);

/* Name of a kind: "object", "array", "string", "int", "float", "true", "false", "null",
 * "invalid". */
const char *rs_jsonscan_kind_name(rs_jsonscan_kind kind);

/* Start iterating the object or array in span. RS_OK, or RS_EPARSE when span is not an
 * object or array (the iterator then yields nothing). */
int rs_jsonscan_iter_init(rs_jsonscan_iter *it, rs_jsonscan_span span);

/* Next member. For objects *key gets the member name's raw string literal (quotes included;
 * compare with rs_jsonscan_key_eq, decode with rs_jsonscan_string_decode); for arrays *key is
 * set to {NULL, 0} (key may be NULL). *value gets the member's value span.
 * Returns 1 when a member was produced, 0 at the end, -1 on malformed text (and stays -1). */
int rs_jsonscan_iter_next(rs_jsonscan_iter *it, rs_jsonscan_span *key, rs_jsonscan_span *value);

/* rs_jsonscan_iter_next without reading the value: 1 with *rest spanning from the value's first
 * byte to the end of the iterated text, 0 at the end, -1 on malformed text (as
 * rs_jsonscan_iter_next). The caller reads the value itself - e.g. an array member element by
 * element with an iterator of its own, so that a large member is walked once - and then MUST
 * call rs_jsonscan_iter_resume with the number of bytes of *rest it used (the value's length)
 * before the next call on it. A reader that walks a whole text this way, checking each value
 * it reads, has checked the whole text when rs_jsonscan_iter_complete says so. */
int rs_jsonscan_iter_next_key(rs_jsonscan_iter *it, rs_jsonscan_span *key, rs_jsonscan_span *rest);
void rs_jsonscan_iter_resume(rs_jsonscan_iter *it, size_t used);

/* Called for member k (0-based) of an object walked by rs_jsonscan_walk_object, with its raw key
 * literal (quotes included) and its value; anything but RS_OK stops the walk with that code. */
typedef int (*rs_jsonscan_member_fn)(void *ctx, size_t k, rs_jsonscan_span key,
                                     rs_jsonscan_span value);

/* Check the object that starts rest (at its '{'; rest may go on past it) as rs_jsonscan_value
 * would, calling fn for each member as the walk meets it: one tight loop for readers that
 * visit every member of many small objects (a page's rows), where an iterator's bookkeeping
 * costs as much as the checking. RS_OK and *used (the object's length), RS_EPARSE when no
 * well-formed object starts rest (members before the fault were already handed to fn), or
 * fn's code. */
int rs_jsonscan_walk_object(rs_jsonscan_span rest, rs_jsonscan_member_fn fn, void *ctx,
                            size_t *used);

/* rs_jsonscan_iter_init for a span already known to be valid JSON (validated, or a member value
 * an iteration of a validated text or a complete walk handed out): the iteration then skips
 * each key and value by its brackets and quotes without checking the grammar, several times
 * faster. It never reads outside the span; on text that is not valid JSON its spans are
 * unspecified. */
int rs_jsonscan_iter_init_valid(rs_jsonscan_iter *it, rs_jsonscan_span span);

/* The end of the value that starts at p (no whitespace first) in text already known to be valid
 * JSON, found by its brackets and quotes alone, as rs_jsonscan_iter_init_valid's iteration skips
 * values: for readers that walk validated text with their own loop. Never reads at or past end;
 * on text that is not valid JSON the position returned is unspecified (but within [p, end]). */
const char *rs_jsonscan_skip_valid(const char *p, const char *end);

/* After rs_jsonscan_iter_next returned 0: 1 when only whitespace follows the closing bracket in
 * the span given to rs_jsonscan_iter_init, else 0 (also before the end or after an error). An
 * iteration that ends this way has scanned the whole span as rs_jsonscan_validate would: a
 * reader that walks a large text once anyway (a page of rows) validates it by walking it. */
int rs_jsonscan_iter_complete(const rs_jsonscan_iter *it);

/* Does the raw string literal key (quotes included) decode to the NUL-terminated name?
 * Handles escapes ("\u0061" equals "a"). 0 for a non-string span. */
int rs_jsonscan_key_eq(rs_jsonscan_span key, const char *name);

/* As rs_jsonscan_key_eq, for a name of name_len bytes (not NUL-terminated, or holding NUL). */
int rs_jsonscan_key_equals(rs_jsonscan_span key, const char *name, size_t name_len);

/* Find the member `name` of the object in span: 1 and *value set when found (the first one if
 * the name repeats), 0 when absent or when span is not a (well-formed) object. */
int rs_jsonscan_get(rs_jsonscan_span object, const char *name, rs_jsonscan_span *value);

/* Find the member name[0..name_len-1] (decoded form) of the object in span, the LAST one when the
 * name repeats: a later member overrides an earlier one, which is how rockset-local's SQL runtime
 * reads documents (rs_jsonscan_get keeps the first). Every member is scanned, so 1 and *value
 * set only when the whole object is well-formed; 0 when absent, not an object, or malformed. */
int rs_jsonscan_get_last(rs_jsonscan_span object, const char *name, size_t name_len,
                         rs_jsonscan_span *value);

/* Element idx (0-based) of the array in span: 1 and *value set; 0 when idx is out of range or
 * negative, span is not an array, or the text up to and including that element is malformed
 * (what follows it is not examined). */
int rs_jsonscan_element(rs_jsonscan_span array, long long idx, rs_jsonscan_span *value);

/* Follow a dotted path of member names ("pagination.next_cursor") from span. Array indexes
 * are not supported. Same results as rs_jsonscan_get. */
int rs_jsonscan_get_path(rs_jsonscan_span span, const char *dotted_path, rs_jsonscan_span *value);

/* Number of elements of an array (or members of an object); -1 when span is neither or is
 * malformed. */
long rs_jsonscan_count(rs_jsonscan_span span);

/* Decode the JSON string literal in span (quotes included) and append its UTF-8 bytes to out
 * (no NUL is counted in out->len, but out stays NUL-terminated). \uXXXX escapes including
 * surrogate pairs become UTF-8, a lone or mismatched surrogate becomes U+FFFD; a bad escape or
 * a raw control character is RS_EPARSE ("invalid JSON string: ..."), which rs_jsonscan_validate
 * also refuses, so a validated string always decodes. Embedded U+0000 is decoded as a 0 byte
 * (callers that need C strings should check strlen against out->len). RS_ENOMEM on allocation
 * failure. */
int rs_jsonscan_string_decode(rs_jsonscan_span span, rs_buf *out, rs_err *err);

/* Decode a string literal into a new malloc'd NUL-terminated string (*out, free with free()).
 * Same errors as rs_jsonscan_string_decode. */
int rs_jsonscan_string_dup(rs_jsonscan_span span, char **out, rs_err *err);

/* Exact int64 value of an INT span: RS_OK, or RS_EINVAL when the span is not RS_JSON_INT
 * (including integers beyond int64, which classify as FLOAT). */
int rs_jsonscan_int64(rs_jsonscan_span span, long long *out);

/* Value of an INT or FLOAT span as a double (strtod on the exact text): RS_OK or RS_EINVAL. */
int rs_jsonscan_double(rs_jsonscan_span span, double *out);

/* A flag given as JSON: true / false, or an integer (non-zero is true), into *out.
 * RS_OK, or RS_EINVAL for any other kind (*out untouched). */
int rs_jsonscan_bool(rs_jsonscan_span span, int *out);

/* Convenience lookups on an object: the member's decoded string (malloc'd; *out = NULL and
 * RS_OK when the member is absent or null; RS_EPARSE when present with another kind), and the
 * member's int64 (RS_OK and *found = 1 when present and INT; *found = 0 when absent or null;
 * RS_EPARSE for another kind). */
int rs_jsonscan_get_string(rs_jsonscan_span object, const char *name, char **out, rs_err *err);
int rs_jsonscan_get_int64(rs_jsonscan_span object, const char *name, long long *out, int *found,
                          rs_err *err);

#endif
