/*
 * rowdecode.h - one raw result row (a JSON object exactly as Rockset sent it) -> typed cells for
 * the columns of a `rockset` virtual table, without building a tree.
 *
 * What it is for: xColumn of ext/vtab_collection_scan.c. A decoder knows the table's field
 * names; rs_rowdecode_index walks a row once and remembers where each wanted field's value is;
 * rs_rowdecode_cell then turns one value into a cell. It does not fetch rows (api.h) and does
 * not know SQLite.
 *
 * Value mapping (docs/semantics.md):
 *   JSON int -> INT (exact int64)         JSON float -> REAL    string -> TEXT (unescaped)
 *   true / false -> INT 1 / 0             null, or field absent -> NULL
 *   object / array -> JSON (the raw text, for SQLite's JSON subtype)
 *   {"__rockset_type": "date"|"datetime"|"time"|"timestamp", "value": "<iso>"} -> TEXT <iso>
 *     (Rockset's extended JSON for date/time values; timestamps already arrive as plain
 *     strings); any other __rockset_type wrapper (intervals, geography, ...) stays JSON.
 *   An integer literal beyond int64 arrives as a JSON float and becomes REAL.
 *
 * Ownership: a cell's text points into the row (valid as long as the row text) or, when the
 * string had escapes, into the decoder's scratch buffer (valid until the next rs_rowdecode_cell
 * or rs_rowdecode_value with the same scratch). Field names are copied at creation.
 * Thread-safety: a decoder is used by one thread at a time.
 */
#ifndef RS_ROWDECODE_H
#define RS_ROWDECODE_H

#include "buf.h"
#include "err.h"
#include "jsonscan.h"

#include <stddef.h>

typedef enum rs_cell_kind {
    RS_CELL_NULL = 0,
    RS_CELL_INT,
    RS_CELL_REAL,
    RS_CELL_TEXT,
    RS_CELL_JSON /* text is an object or array in JSON */
} rs_cell_kind;

typedef struct rs_cell {
    rs_cell_kind kind;
    long long i;
    double r;
    const char *text; /* TEXT and JSON: not NUL-terminated in general */
    size_t len;
} rs_cell;

typedef struct rs_rowdecode rs_rowdecode;

/* A decoder for n columns; names[k] is the field read for column k (NULL: none, the column is
 * always NULL). NULL when out of memory. */
rs_rowdecode *rs_rowdecode_new(const char *const *names, size_t n);
void rs_rowdecode_free(rs_rowdecode *d); /* NULL-safe */

/* Walk one row object and remember where each column's field is (the first occurrence of a
 * repeated key). RS_OK, or RS_EPARSE "rockset: malformed result row: <what>" when the row is
 * not a well-formed object. */
int rs_rowdecode_index(rs_rowdecode *d, rs_jsonscan_span row, rs_err *err);

/* rs_rowdecode_index for a row known to be valid JSON (a row of a page whose walk checked it:
 * api.h): not checked again, and found faster (keys matched against the row before's first).
 * RS_EPARSE only when it is not an object. */
int rs_rowdecode_index_valid(rs_rowdecode *d, rs_jsonscan_span row, rs_err *err);

/* The raw JSON value of column col in the indexed row; {NULL, 0} when absent. */
rs_jsonscan_span rs_rowdecode_raw(const rs_rowdecode *d, size_t col);

/* Decode column col of the indexed row. RS_OK, RS_EPARSE (bad string escape) or RS_ENOMEM. */
int rs_rowdecode_cell(rs_rowdecode *d, size_t col, rs_cell *out, rs_err *err);

/* A new decoder for the same columns as d (for another thread); NULL when out of memory. */
rs_rowdecode *rs_rowdecode_copy(const rs_rowdecode *d);
/* Its number of columns. */
size_t rs_rowdecode_columns(const rs_rowdecode *d);

/* Index one row known to be valid JSON (a row of a page whose walk checked it: api.h) and copy
 * each column's raw value into values[0..n) (ptr NULL when absent): a page can be indexed
 * ahead, on another thread, and its cells decoded later with rs_rowdecode_cell_of. The row is
 * not checked again (as rs_rowdecode_index_valid); RS_EPARSE only when it is not an object. */
int rs_rowdecode_index_into(rs_rowdecode *d, rs_jsonscan_span row, rs_jsonscan_span *values,
                            rs_err *err);

/* Check and index the row that starts rest (text that may go on past it, e.g. the rest of a
 * page): the walk that checks it as rs_jsonscan_value would also copies each column's raw value
 * into values[0..n) (as rs_rowdecode_index_into), and *used gets the row's length - a page's
 * rows are then walked once (api.h's rs_row_reader). RS_EINVAL when rest does not start with an
 * object (the caller checks such a value its own way), RS_EPARSE when the object is malformed,
 * RS_ENOMEM. */
int rs_rowdecode_check_index(rs_rowdecode *d, rs_jsonscan_span rest, rs_jsonscan_span *values,
                             size_t *used, rs_err *err);

/* Decode a raw value found by rs_rowdecode_index_into, as rs_rowdecode_cell would ({NULL, 0}:
 * a NULL cell); escaped strings go to d's scratch. */
int rs_rowdecode_cell_of(rs_rowdecode *d, rs_jsonscan_span raw, rs_cell *out, rs_err *err);

/* Decode one JSON value (see the mapping above); scratch receives unescaped strings. */
int rs_rowdecode_value(rs_jsonscan_span value, rs_buf *scratch, rs_cell *out, rs_err *err);

#endif
