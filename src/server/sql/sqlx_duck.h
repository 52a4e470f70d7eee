/*
 * sqlx_duck.h - the column engine's emitter: a Rockset SELECT -> one DuckDB statement over the
 * column replica of its collections (server/colidx/replica.h, docs/column-index.md).
 *
 * The same bound and planned statement the SQLite emitter prints (sqlx_int.h) is printed here
 * for DuckDB when every part of it has the same meaning on both engines; otherwise the statement is
 * "not eligible", with the first reason, and runs on SQLite as before. What is eligible today:
 * collections, WITH queries, views and FROM subqueries, with inner, LEFT and CROSS joins; a
 * collection and an UNNEST of one of its arrays (`FROM c, UNNEST(c.steps AS s) u`: the
 * elements' LIST columns, replica.h); fields of a single type; the comparisons, boolean and
 * arithmetic operators, IN, BETWEEN, LIKE, IS NULL, CASE; DATE_TRUNC, DATE_DIFF,
 * PARSE_TIMESTAMP_ISO8601 of a string field, SPLIT_PART; COUNT, COUNT(DISTINCT), SUM, AVG, MIN,
 * MAX, COUNT_IF, BOOL_OR, BOOL_AND, PERCENTILE, ARRAY_AGG with its ORDER BY as a whole output field
 * (written back as the runtime writes arrays); window SUM, AVG, COUNT, MIN, MAX, ROW_NUMBER, RANK,
 * DENSE_RANK; GROUP BY, HAVING, ORDER BY, LIMIT, OFFSET. Rockset's values keep their meaning: an
 * expression without fields (literals, :parameters, CURRENT_TIMESTAMP() - HOURS(6),
 * PARSE_DATETIME_ISO8601(:t)) is evaluated once by the SQLite runtime and written as a DuckDB
 * literal; null and undefined stay apart (an output or a grouping key whose field holds both is not
 * eligible); undefined and null sort first; an integer division truncates; a division that could
 * divide by zero is not eligible (Rockset raises an error where DuckDB answers null).
 *
 * The choice of engine: HINT(access_path = column_scan) on a collection sends the statement to
 * the columns when it is eligible, HINT(access_path = index_filter) keeps it on SQLite; without
 * a hint, an eligible statement that aggregates (GROUP BY, aggregates, DISTINCT, windows) over
 * a collection of at least min_docs documents goes to the columns, everything else (lookups,
 * selective filters, top-N) stays on the field indexes (--column-min-docs and --column-scan
 * change both rules).
 */
#ifndef RS_SQLX_DUCK_H
#define RS_SQLX_DUCK_H

#include "buf.h"
#include "err.h"
#include "server/runtime/value.h"
#include "sqlxlate.h"

#include <stdint.h>

/* What the replica knows of one path of a collection (copied from the column index). */
typedef struct sqlx_duck_col {
    char table[160];     /* the replica table, quoted for DuckDB */
    char column[48];     /* its column, or "" when the path cannot be read from the columns */
    char ts_column[56];  /* PARSE_TIMESTAMP_ISO8601 of its strings, or "" */
    char len_column[56]; /* an array's length (UNNEST's rows), or "" */
    char decoder[4096];  /* an element path's strings stored as codes: the DuckDB list the codes
                            index (`decoder[code]`), or "" */
    int type;            /* rv_type of every value; RV_UNDEFINED when no document has it */
    int has_null, has_missing;
    int mixed; /* values of several types (no column) */
    int ascii; /* a string field every value of which is ASCII (LOWER and UPPER can run) */
    int64_t n_docs;
    int empty; /* the collection holds no visible document and has no replica table: every
                  field is missing (table and column ""); the emitter reads no rows */
} sqlx_duck_col;

typedef struct sqlx_duck_catalog {
    void *ctx;
    /* 1 and *out when collection table `table` (sqlx_relation.table) is replicated and caught
     * up; names[0..n) a path of it (n 0: the table alone). 0 otherwise. */
    int (*column)(void *ctx, const char *table, const char *const *names, int n,
                  sqlx_duck_col *out);
    /* Evaluate sqlite_sql, the SQLite text of a value without fields (it may name the query's
     * :parameters), into *out (strings in scratch). 0 or RS_E* with err. */
    int (*constant)(void *ctx, const char *sqlite_sql, rv *out, rs_buf *scratch, rs_err *err);
    int64_t min_docs; /* aggregates over fewer documents stay on SQLite */
    int scan_all;     /* every eligible statement goes to the columns (--column-scan all) */
    int ignore_cost;  /* the counts do not refuse it: measured faster there (enginepick.h) */
} sqlx_duck_catalog;

typedef struct sqlx_duck_plan {
    char *sql;    /* malloc'd DuckDB statement */
    char **names; /* output field names (malloc'd) */
    int *undef;   /* per output field: a NULL means undefined (the field is left out) */
    int *json;    /* per output field: a text holding JSON (an ARRAY_AGG's array) */
    int n_cols;
    int forced;     /* HINT(access_path = column_scan) */
    int64_t n_docs; /* documents of the largest collection read */
    int lasting;    /* not eligible for a reason that holds as long as the store's catalog and
                       its counts do (the statement's shape, a selective filter), unlike a
                       replica catching up or a collection under the columns' threshold */
    int cost_only;  /* refused for the counts alone: the columns could answer it */
    char why[256];  /* why the columns (or why not) */
} sqlx_duck_plan;

#define SQLX_DUCK_NOT_ELIGIBLE 1

/* Print a prepared statement (sqlxlate.h) for the column engine. 0: *out holds the
 * statement; SQLX_DUCK_NOT_ELIGIBLE: out->why says why it stays on SQLite; RS_E* on errors
 * (treated as not eligible by callers). Always free with sqlx_duck_plan_free. The statement
 * may still be printed for SQLite afterwards (sqlx_prepared_sqlite). */
int sqlx_prepared_duck(sqlx_prepared *p, const sqlx_duck_catalog *cat, sqlx_duck_plan *out,
                       rs_err *err);
void sqlx_duck_plan_free(sqlx_duck_plan *p);

#endif
