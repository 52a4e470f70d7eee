/*
 * schema.h - the columns of a `rockset` virtual table: parsing a declared column list, the
 * column list discovered from DESCRIBE rows, the CREATE TABLE text for sqlite3_declare_vtab, and
 * SQLite's affinity of each declared type (which the planner's exactness rules depend on).
 *
 * A table's columns are, in this order: `_id` (TEXT, the primary key), the declared or
 * discovered fields, then the hidden `_event_time` and `_doc` (the whole document). A column
 * list is text such as `id INTEGER, total REAL, "first name" TEXT` (identifiers bare, "quoted",
 * `quoted` or [quoted]; the type is optional, any words and a parenthesised size); the same
 * text, produced by rs_schema_columns_text, is what the extension persists for xConnect.
 * Affinity follows SQLite's rules for declared types (INT -> INTEGER, CHAR/CLOB/TEXT -> TEXT,
 * BLOB or none -> BLOB, REAL/FLOA/DOUB -> REAL, anything else NUMERIC).
 *
 * Ownership: rs_schema owns its strings (rs_schema_free); rs_describe_acc owns what it gathered
 * (rs_describe_acc_free). Thread-safety: pure functions over caller-owned objects.
 */
#ifndef RS_SCAN_SCHEMA_H
#define RS_SCAN_SCHEMA_H

#include "buf.h"
#include "err.h"

#include <stddef.h>

/* ---------------------------------------------------------------- schema */

typedef enum rs_affinity {
    RS_AFF_BLOB = 0, /* no affinity */
    RS_AFF_TEXT,
    RS_AFF_NUMERIC,
    RS_AFF_INTEGER,
    RS_AFF_REAL
} rs_affinity;

typedef enum rs_col_role {
    RS_COL_FIELD = 0,  /* a top-level document field */
    RS_COL_ID,         /* _id: always a non-null string */
    RS_COL_EVENT_TIME, /* _event_time (hidden) */
    RS_COL_DOC         /* _doc: the whole document (hidden) */
} rs_col_role;

typedef struct rs_column {
    char *name; /* the field name, exactly as in documents; malloc'd */
    char *type; /* declared type, "" when none; malloc'd */
    rs_affinity affinity;
    rs_col_role role;
} rs_column;

typedef struct rs_schema {
    rs_column *cols; /* _id, fields..., _event_time, _doc */
    size_t n;
} rs_schema;

#define RS_SCHEMA_INIT \
    { NULL, 0 }

void rs_schema_free(rs_schema *schema); /* leaves it empty; NULL-safe */

/* SQLite's affinity of a declared type (section 3.1 of SQLite's datatype page). */
rs_affinity rs_schema_affinity(const char *type);

/* Parse a column list (see top) into *out (which must be empty). `_id` may be listed (its type
 * is then ignored); `_event_time`, `_doc` and a repeated name (case-insensitive, as SQLite) are
 * refused; an empty list only when allow_empty (a collection with no fields yet).
 * Errors (RS_EINVAL), all starting "rockset: columns: ":
 *   "expected a column name at offset N"       "unterminated quoted name at offset N"
 *   "unexpected 'c' at offset N"               "empty column list"
 *   "duplicate column 'x'"                     "column '_doc' is reserved" */
int rs_schema_parse_columns(const char *text, int allow_empty, rs_schema *out, rs_err *err);

/* Accumulates DESCRIBE rows into a column list: only top-level fields (a one-element `field`
 * path) other than _id, _event_time and _meta; per field the type with most occurrences wins,
 * null counting only when it is the only type seen (ties: the type met first). Fields keep the
 * order of their first row (DESCRIBE sorts them by name). */
typedef struct rs_describe_acc rs_describe_acc;

rs_describe_acc *rs_describe_acc_new(void); /* NULL when out of memory */
/* One DESCRIBE row: {"field":["age"],"type":"int","occurrences":1,"total":2}. Rows of other
 * shapes are skipped; RS_ENOMEM is the only error. */
int rs_describe_acc_add(rs_describe_acc *acc, const char *row, size_t row_len, rs_err *err);
/* The column list text (rs_schema_columns_text format) of what was seen, appended to out. */
int rs_describe_acc_columns(const rs_describe_acc *acc, rs_buf *out, rs_err *err);
void rs_describe_acc_free(rs_describe_acc *acc);
/* Declared type used for a Rockset type name: int/bool -> INTEGER, float -> REAL, null -> ""
 * (no affinity), anything else (string, object, array, date, ...) -> TEXT. */
const char *rs_schema_type_for(const char *rockset_type);

/* The declared fields of schema (not _id and the hidden columns) as a column list that
 * rs_schema_parse_columns reads back: `"id" INTEGER, "total" REAL`. */
int rs_schema_columns_text(const rs_schema *schema, rs_buf *out);

/* The CREATE TABLE statement for sqlite3_declare_vtab: a WITHOUT ROWID table whose primary
 * key is _id, hidden _event_time and _doc. */
int rs_schema_declare(const rs_schema *schema, rs_buf *out);

/* Column index by name (case-insensitive, like SQLite), -1 when absent. */
int rs_schema_find(const rs_schema *schema, const char *name);

/* Append name as a Rockset identifier: "name" with inner double quotes doubled. */
int rs_schema_quote_ident(rs_buf *out, const char *name);

#endif
