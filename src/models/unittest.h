/*
 * unittest.h - dbt's unit tests (dbt 1.8+), the parts that need no I/O: a fixture's rows as a
 * SELECT of literal rows, the query that reads an input's column types, and the comparison of
 * the model's rows with the expected ones, with a diff as dbt prints it.
 *
 * What it is for: ext/fn_models_unit.c runs a rockset_unit_tests row: for each given input it
 * reads the input relation's column types (rs_unit_types_sql), makes the fixture's SELECT
 * (rs_unit_rows_sql; csv text first through rs_unit_csv_to_json), compiles the model with its
 * inputs replaced by those SELECTs (compile.h, rs_project_compile_unit), runs it and compares
 * (rs_unit_compare). Nothing here knows SQLite or talks to Rockset.
 *
 * Fixture values, as dbt casts them to the input's column types: a string whose column is of a
 * non-string type (date, datetime, timestamp, time, int, float, bool) is CAST('...' AS type);
 * numbers, booleans and null are literals; a column a row lacks is NULL. A csv cell is a string
 * ("" is NULL); when the input's type of its column is unknown (the relation does not exist
 * yet), a cell that reads as an integer, a number or true/false is that literal.
 *
 * Comparison: only the columns the expected rows name; rows as a multiset (order ignored, each
 * actual row matches one expected row). Values match when they are equal as JSON, or after the
 * cast dbt would make: numbers numerically (relative 1e-9: a float sum against 8.50), a string
 * against a date / datetime / timestamp by the instant it spells ("2016-09-01" =
 * 2016-09-01T00:00:00), a number against a string holding it, null against an absent field.
 * The diff (daff's format, as dbt shows it): a header "@@,<col>,...", then one line per
 * expected row nothing matched ("---,<values>") and per actual row nothing expected
 * ("+++,<values>"), values as JSON.
 *
 * Errors (RS_EINVAL): "rows must be a list of mappings", "a fixture value cannot be an object
 * or a list (column 'c')", "csv fixture line N: an unclosed quote". Ownership: out buffers are
 * the caller's. Threads: no shared state.
 */
#ifndef RS_UNITTEST_H
#define RS_UNITTEST_H

#include "buf.h"
#include "err.h"
#include "jsonscan.h"

#include <stddef.h>

/* CSV text (a header line, then rows; RFC 4180 quotes) -> a JSON list of objects of strings
 * (an empty cell is null). */
int rs_unit_csv_to_json(const char *csv, rs_buf *out, rs_err *err);

/* rows (a JSON list of objects) -> "SELECT v AS c, ... UNION ALL SELECT ...". types_json: a
 * JSON object column -> Rockset type name (TYPEOF's), or NULL; infer: csv cells (above). No
 * rows: a SELECT of the columns that has no rows (WHERE false), or of one NULL column when
 * there are no columns either. */
int rs_unit_rows_sql(rs_jsonscan_span rows, const char *types_json, int infer, rs_buf *out,
                     rs_err *err);

/* "SELECT MAX(CASE WHEN c IS NOT NULL THEN TYPEOF(c) END) AS c, ... FROM <relation_sql>" over
 * the columns rows name; nothing is appended (and *n_columns is 0) when they name none. */
int rs_unit_types_sql(rs_jsonscan_span rows, const char *relation_sql, rs_buf *out,
                      size_t *n_columns, rs_err *err);

/* Compare (above): *equal 1 or 0, and when 0 the diff into diff. */
int rs_unit_compare(rs_jsonscan_span expected, const rs_jsonscan_span *actual, size_t n_actual,
                    int *equal, rs_buf *diff, rs_err *err);

#endif
