/*
 * sqlxlate.h - rockset-local's SQL layer: translates the Rockset SQL subset that models and the
 * extension send (docs/sql-subset.md) into SQLite SQL over the server's document tables, and
 * supplies the SQLite functions that translated SQL calls.
 *
 * Contract with the store (src/server/store.c):
 *   - every collection's documents live in an SQLite table (named by the resolver) with a column
 *     `doc` TEXT holding the whole document as JSON text, `_id` and `_event_time` included;
 *   - the resolver maps a (workspace, name) pair seen in the SQL to a collection table, or to a
 *     view's Rockset SQL (translated recursively), following aliases;
 *   - the translated statement always yields exactly one column, `doc`: the JSON object text of
 *     one result row, keys in select-list order, fields whose value is undefined (missing)
 *     omitted, nested objects/arrays/bools/null reproduced exactly;
 *   - parameters appear in the translated text as SQLite named parameters `:name`; the server
 *     binds them with sqlx_bind_param, which knows the value encoding the SQL functions expect.
 *
 * Errors: a statement we cannot translate yields RS_EINVAL with err->type "QUERY_ERROR" (or
 * RS_EUNSUPPORTED for a known-but-unimplemented construct, message naming it), err->line and
 * err->column set where known. An unknown collection gives RS_ENOTFOUND from the resolver.
 *
 * Thread-safety: sqlx_translate keeps no global state; call it from any thread.
 */
#ifndef RS_SQLXLATE_H
#define RS_SQLXLATE_H

#include "err.h"

#include <sqlite3.h>
#include <stdint.h>

typedef enum {
    SQLX_REL_COLLECTION = 1, /* documents are in an SQLite table */
    SQLX_REL_VIEW = 2        /* a Rockset view: translate view_sql in its place */
} sqlx_rel_kind;

typedef struct sqlx_relation {
    sqlx_rel_kind kind;
    char table[128];     /* SQLITE table name holding column doc (COLLECTION), unquoted */
    char *view_sql;      /* Rockset SQL of the view (VIEW); malloc'd by the resolver, freed by
                            the translator */
    char canonical[300]; /* "ws.name" of the collection or view reached (after aliases) */
    char alias_of[300];  /* "ws.alias" when the name was an alias, else "" */
    /* COLLECTION, optional: whether its documents have a top-level field (1), none has (0), or
     * it has no documents (-1: it may supply anything). Name resolution asks it only for an
     * unqualified field that several relations could supply. NULL: unknown (may supply it). */
    int (*has_field)(void *ctx, const char *table, const char *field);
    void *has_field_ctx;
    /* COLLECTION, optional (server/fieldindex.h): the table under `table` with columns doc,
     * prev_doc and vis_ms, read as visible rows (vis_ms <= rl_stmt_now_ms(): doc) and pending
     * ones (prev_doc), so that predicates reach its field indexes; "" to read `table` only.
     * is_indexed says whether rs_skey(rs_get(doc, <args>)) is indexed there (args: the
     * rs_get arguments as SQL text, "'a','b'"); it is asked with has_field_ctx. */
    char data_table[140];
    int (*is_indexed)(void *ctx, const char *data_table, const char *args);
} sqlx_relation;

/* Resolve `ws.name` (ws is "commons" when the SQL named no workspace). Returns 0 and fills *out,
 * or an RS_E* code with err filled (RS_ENOTFOUND with the API's message for a missing name). */
typedef int (*sqlx_resolve_fn)(void *ctx, const char *ws, const char *name, sqlx_relation *out,
                               rs_err *err);

typedef enum {
    SQLX_SELECT = 1,   /* sqlite_sql yields result rows */
    SQLX_DESCRIBE = 2, /* target_* names the collection to describe; sqlite_sql is NULL */
    SQLX_INSERT = 3    /* INSERT INTO target SELECT ...: sqlite_sql yields the docs to write */
} sqlx_kind;

/* The text of query parameter `name` when the request gave it as a string, else NULL. TABLE()
 * and FIELD() name collections and fields, which must be known while translating. */
typedef const char *(*sqlx_param_text_fn)(void *ctx, const char *name);

typedef struct sqlx_options {
    int64_t default_row_limit; /* > 0: applied when the statement has no LIMIT of its own */
    sqlx_param_text_fn param_text; /* NULL: parameter values unknown (validation only) */
    void *param_ctx;
} sqlx_options;

typedef struct sqlx_stmt {
    sqlx_kind kind;
    char *sqlite_sql;   /* malloc'd; one column `doc` per row */
    char **param_names; /* distinct :names used, without the colon, in first-use order */
    int n_params;
    char **collections; /* distinct "ws.coll" read (after resolving views and aliases) */
    int n_collections;
    char **aliases; /* distinct "ws.alias" referenced */
    int n_aliases;
    char **column_names; /* output field names in order, for column_fields; NULL when the
                            select list has a '*' */
    int n_columns;
    int has_limit;       /* the statement had its own LIMIT */
    int index_form;      /* some collection is read so that a field index can serve it */
    char target_ws[128]; /* DESCRIBE / INSERT target, resolved to the collection (not alias) */
    char target_name[128];
    char target_table[128]; /* SQLite table of the target collection */
} sqlx_stmt;

/* Translate one statement. On success fills *out (free with sqlx_stmt_free) and returns 0. */
int sqlx_translate(const char *sql, const sqlx_options *opts, sqlx_resolve_fn resolve,
                   void *resolve_ctx, sqlx_stmt *out, rs_err *err);
void sqlx_stmt_free(sqlx_stmt *st);

/* Register the SQL functions translated statements call, on one connection. Call once per
 * connection before preparing translated SQL. Returns an SQLite result code. */
int sqlx_register_functions(sqlite3 *db);

/* Bind one Rockset query parameter (type as in the API: int, float, bool, string, null, date,
 * datetime, time, timestamp, or "" = infer from value parsed as JSON) to parameter index idx.
 * Returns 0, or RS_EINVAL with err naming the parameter when the value does not parse. */
int sqlx_bind_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                    const char *value, rs_err *err);

/* Fill the result row text for DESCRIBE: given every document of a collection (JSON texts fed
 * one by one), compute the (field path, type, occurrences, total) rows. */
typedef struct sqlx_describe sqlx_describe;
sqlx_describe *sqlx_describe_new(void);
int sqlx_describe_add(sqlx_describe *d, const char *doc_json, rs_err *err);
/* JSON array text of the rows, sorted by field path then type; malloc'd. */
char *sqlx_describe_rows(sqlx_describe *d, rs_err *err);
void sqlx_describe_free(sqlx_describe *d);

#endif
