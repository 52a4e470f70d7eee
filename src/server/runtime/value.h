/*
 * value.h - the Rockset value model of rockset-local's SQL runtime: how every Rockset value is
 * carried inside translated SQLite statements, read from stored documents, compared, ordered and
 * written to results. Every SQL function the translator calls (runtime/fn_*.c) works through it.
 *
 * This is the one statement of the encoding: everything else in the tree (the translator, the
 * docs) points here. Encoding inside SQLite (one SQLite value per Rockset value):
 *
 *   Rockset                          SQLite value
 *   undefined (a missing field)      SQL NULL
 *   null                             BLOB "null"
 *   bool                             BLOB "true" / "false"
 *   int                              INTEGER (64-bit, exact)
 *   float                            REAL; NaN (SQLite would turn a NaN REAL into NULL) as the
 *                                    typed BLOB below, type byte RV_FLOAT, the double's 8 bytes
 *   string                           TEXT (UTF-8)
 *   array, object                    BLOB: the JSON text ('[' or '{' first byte); nested typed
 *                                    values are in extended JSON ({"__rockset_type":...})
 *   bytes, date, time, datetime,     BLOB: 0x00, the type byte (enum rv_type), then the payload:
 *   timestamp, month_interval,         8 bytes big-endian int64 for the numeric types (see rv.i),
 *   microsecond_interval,              the raw bytes for bytes, the GeoJSON text for geography,
 *   geography, u256                    the decimal digits for u256
 *
 * Conditions (WHERE, ON, the tests of CASE) are SQLite truth values instead: 1, 0, or NULL for
 * null and undefined (rs_truth, runtime/fn_core.c).
 *
 * Why: undefined and null stay apart (IS UNDEFINED, TYPEOF, results omit undefined fields)
 * while SQL NULL keeps SQLite's own NULL-skipping where it is right (an undefined field is
 * absent); a typed scalar is one small blob instead of an extended-JSON object to re-parse on
 * every row; every value is a plain SQLite value, so it survives subqueries, sorters, GROUP BY
 * and window partitions, which value subtypes do not.
 *
 * Documents (collections, and the rows of derived relations) are JSON text, read with the base's
 * JSON reader (jsonscan.h; a member name that repeats reads as its last occurrence); rv_from_json
 * reads one JSON value into an rv, turning extended-JSON typed objects into typed values.
 * Results are written with rv_to_json: "api" form for the final result of a query (timestamps
 * as plain UTC strings with 6 fraction digits, bytes as plain base64 strings, other typed values
 * as {"__rockset_type":T,"value":V}; the same at every depth), "doc" form for derived relations
 * and INSERT INTO (every typed value tagged, so it reads back typed).
 *
 * Ownership: an rv borrows its text (s) from whoever produced it: SQLite (valid until the
 * sqlite3_value changes), a document text, or a caller-owned scratch rs_buf. Nothing here keeps
 * state between calls; every function is reentrant.
 */
#ifndef RL_RUNTIME_VALUE_H
#define RL_RUNTIME_VALUE_H

#include "buf.h"
#include "err.h"
#include "jsonscan.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The order of the enum is the ORDER BY order of types (int and float share one rank); the
 * values of the typed ones are their type byte in the blob encoding. */
typedef enum rv_type {
    RV_UNDEFINED = 0,
    RV_NULL = 1,
    RV_BOOL = 2,
    RV_INT = 3,
    RV_FLOAT = 4,
    RV_STRING = 5,
    RV_BYTES = 6,
    RV_DATE = 7,
    RV_DATETIME = 8,
    RV_TIME = 9,
    RV_TIMESTAMP = 10,
    RV_MONTH_INTERVAL = 11,
    RV_MICROSECOND_INTERVAL = 12,
    RV_ARRAY = 13,
    RV_OBJECT = 14,
    RV_GEOGRAPHY = 15,
    RV_U256 = 16
} rv_type;

#define RV_N_TYPES 17

typedef struct rv {
    rv_type type;
    /* BOOL 0/1; INT the value; DATE days since 1970-01-01; TIME microseconds since midnight;
     * DATETIME microseconds since 1970-01-01T00:00:00 (a wall time, no zone); TIMESTAMP
     * microseconds since the epoch (UTC); MONTH_INTERVAL months; MICROSECOND_INTERVAL
     * microseconds */
    int64_t i;
    double f;      /* FLOAT */
    const char *s; /* STRING (UTF-8), BYTES (raw), ARRAY/OBJECT/GEOGRAPHY (JSON text), U256
                      (decimal digits); not NUL-terminated in general */
    size_t len;
} rv;

/* ---- constructors (no allocation) ---- */
rv rv_undefined(void);
rv rv_null(void);
rv rv_bool(int b);
rv rv_int(int64_t i);
rv rv_float(double f);
rv rv_string(const char *s, size_t len);
rv rv_typed(rv_type type, int64_t i);                /* DATE ... MICROSECOND_INTERVAL */
rv rv_json(rv_type type, const char *s, size_t len); /* ARRAY, OBJECT, GEOGRAPHY; BYTES; U256 */

static inline int rv_is_nullish(const rv *v) {
    return v->type == RV_UNDEFINED || v->type == RV_NULL;
}
static inline int rv_is_number(const rv *v) {
    return v->type == RV_INT || v->type == RV_FLOAT;
}
/* number as a double (INT converted) */
double rv_as_double(const rv *v);

/* ---- SQLite side ---- */

/* Decode a value-mode SQLite value. Never fails: a BLOB that is not one of the encodings above
 * reads as a string of its bytes (should not happen). Text is borrowed from SQLite. */
void rv_from_sqlite(sqlite3_value *value, rv *out);

/* Set a function's result to v (text and blobs copied). Undefined sets SQL NULL. */
void rv_result(sqlite3_context *ctx, const rv *v);
void rv_result_null(sqlite3_context *ctx); /* Rockset null: BLOB "null" */
void rv_result_bool(sqlite3_context *ctx, int b);
/* JSON text of an array/object built in buf: handed to SQLite as a BLOB; SQLITE_NOMEM when
 * buf->oom. buf is reset. */
void rv_result_json_buf(sqlite3_context *ctx, rs_buf *buf);

/* Rockset's sort key of v appended to key: what rs_skey returns, one blob whose byte order is
 * the ORDER BY order (the type's rank, then the value). 0 or RS_ENOMEM. */
int rv_skey_append(rs_buf *key, const rv *v);
/* The 16 key bytes of a number (RV_INT or RV_FLOAT): int and float compare as numbers, 1 equals
 * 1.0; returns 16. */
size_t rv_number_key(unsigned char out[16], const rv *v);

/* The blob bytes of a typed value (bytes ... u256, see the table above) appended to out. */
int rv_encode_blob(rs_buf *out, const rv *v);

/* Standard base64 (with '=' padding) of data, appended to out; 0 or RS_ENOMEM. Decoding accepts
 * the same alphabet, padding optional: 0, RS_EINVAL for a character outside it, RS_ENOMEM. */
int rv_base64_encode(rs_buf *out, const unsigned char *data, size_t len);
int rv_base64_decode(rs_buf *out, const char *text, size_t len);

/* ---- JSON side ---- */

/* Read the JSON value at text[0..len) (leading whitespace allowed) into out. Strings with
 * escapes are decoded into scratch (out->s then points into scratch, valid until scratch
 * changes); plain strings, arrays and objects borrow text. An object of the form
 * {"__rockset_type": T, "value": V} (any key order, any spelling of T's case) becomes the typed
 * value when V parses for T (timestamp: the API's parameter formats; bytes: base64; intervals:
 * an integer count); otherwise it stays an object. Integers beyond int64 read as float.
 * Returns 0, RS_EPARSE for text that is not one JSON value, RS_ENOMEM. */
int rv_from_json(const char *text, size_t len, rv *out, rs_buf *scratch, rs_err *err);

typedef enum rv_json_form {
    RV_FORM_API = 1, /* final results: timestamps and bytes as plain strings */
    RV_FORM_DOC = 2  /* stored or derived documents: every typed value tagged */
} rv_json_form;

/* Append the JSON text of v. Undefined writes null (callers that must omit it check first).
 * Arrays and objects are copied as they are, except that in RV_FORM_API their nested typed
 * values are rewritten to the API form too. Floats print in the shortest form that reads back
 * to the same double, always with a '.' or an exponent ("2.0", "1e+20"); NaN and infinities
 * print as null (JSON has no spelling for them). Returns 0 or RS_ENOMEM. */
int rv_to_json(rs_buf *out, const rv *v, rv_json_form form);

/* The text of a DATE, TIME, DATETIME or TIMESTAMP (any other type: as a TIMESTAMP) as results
 * and CAST(x AS string) write it ("2024-01-05", "2024-01-05T10:00:00.000000Z"); cap >= 48. */
void rv_temporal_text(const rv *v, char *dst, size_t cap);

/* The text of a float as rv_to_json writes it. */
void rv_format_double(char *dst, size_t cap, double d);

/* ---- types, comparison, order ---- */

/* TYPEOF / DESCRIBE name: "undefined", "null", "bool", "int", "float", "string", "bytes",
 * "date", "datetime", "time", "timestamp", "month_interval", "microsecond_interval", "array",
 * "object", "geography", "u256". */
const char *rv_type_name(rv_type type);

/* Look a type name up, with CAST's aliases (integer, int64, bigint, double, real, boolean,
 * varchar, text, char, binary, varbinary, ...), case-insensitively. 0 and *out set, or -1. */
int rv_type_from_name(const char *name, rv_type *out);

/* The comparison of = < > etc.: 1 with *cmp = -1/0/1 when a and b compare; 0 when they do not
 * (either is null or undefined, or the types do not compare). Numbers compare exactly across int
 * and float; date, datetime and timestamp compare with each other (a datetime is read as UTC, a
 * date as its midnight); a string compared with a temporal value is read in that value's
 * format; arrays compare element by element, objects by their JSON text; bools false < true. */
int rv_compare(const rv *a, const rv *b, int *cmp);

/* The value whose sort key (rv_skey_append) bounds an index read for a comparison of indexed
 * values with v. rv_compare compares some values across types, whose keys lie in other ranks:
 * a string with a date or time it parses as, a DATE, DATETIME and TIMESTAMP by their instant.
 * A key range on v's own rank would miss those, so: returns 1 and *out when every value that
 * compares with v has its key in *out's rank (numbers, booleans, strings that read as no date
 * or time, arrays, objects, null); when the indexed values that compare with an instant are
 * all TIMESTAMPs (indexed RV_KEYS_TIMESTAMPS: _event_time, a field of stored timestamps) or all
 * DATETIMEs (RV_KEYS_DATETIMES: PARSE_DATETIME_ISO8601's function index), also for DATEs,
 * DATETIMEs, TIMESTAMPs and strings, *out being v as that type (an instant: a DATETIME read as
 * UTC, a DATE as its midnight; a string read as that type, as rv_compare reads it); 0 when no
 * bound is exact (the whole index must be read). indexed RV_KEYS_ANY: no such knowledge;
 * RV_KEYS_STRINGS: the indexed values hold no date or time (no typed value), so a string that
 * reads as one compares only with strings there, and its own key bounds the read (`started_at
 * >= '2024-05-31T00:00:00Z'` on ISO strings). */
#define RV_KEYS_ANY        0
#define RV_KEYS_TIMESTAMPS 1
#define RV_KEYS_DATETIMES  2
#define RV_KEYS_STRINGS    3
int rv_key_bound(const rv *v, int indexed, rv *out);

/* Whether text s reads as a DATE, TIME, DATETIME or TIMESTAMP (rv_compare would compare it with
 * one). */
int rv_string_is_temporal(const char *s, size_t len);

/* A total order for ORDER BY, MIN/MAX, ARRAY_SORT...: by rank of type (enum order, int and
 * float together), then within the type as rv_compare, except that arrays order by their JSON
 * text (the order an index keeps). Returns <0, 0, >0. */
int rv_order(const rv *a, const rv *b);
/* The rank used above (undefined 0, null 1, bool 2, numbers 3, string 5, ...). */
int rv_rank(rv_type type);

/* ---- arrays and objects ---- */

/* Iterate the elements of an array (or the members of an object) value: each element as an
 * rv (via rv_from_json, decoding into scratch) and, for objects, the decoded key in key_buf.
 * Both buffers are reset by each call, so an element (and its key) is valid until the next
 * call. rv_iter_init returns 0, or RS_EINVAL / RS_EPARSE for a value that is not an array or
 * object (the iterator then yields nothing). rv_iter_next returns 1 with *elem set, 0 at the
 * end, -1 on malformed text. */
typedef struct rv_iter {
    rs_jsonscan_iter scan;
    int is_object;
    int failed;
} rv_iter;
int rv_iter_init(rv_iter *it, const rv *container);
int rv_iter_next(rv_iter *it, rv *elem, rs_buf *scratch, rs_buf *key_buf, rs_err *err);

/* Append "[" / "{", elements and "]" / "}" with rv_json_begin/add/end: add writes the separator
 * and, for objects, the key. Elements are written in RV_FORM_DOC. An undefined element of an
 * array is written as null; an undefined member of an object is left out. */
typedef struct rv_json_builder {
    rs_buf *out;
    int n;
    int is_object;
} rv_json_builder;
void rv_json_begin(rv_json_builder *b, rs_buf *out, int is_object);
int rv_json_add(rv_json_builder *b, const char *key, size_t key_len, const rv *v);
int rv_json_end(rv_json_builder *b);

#endif
