/*
 * sqlxlate.h - rockset-local's SQL layer: translates the Rockset SQL subset that models and the
 * extension send (docs/sql-subset.md) into SQLite SQL over the server's document tables, and
 * supplies the SQLite functions that translated SQL calls.
 *
 * Contract with the store (src/server/store.c):
 *   - every collection's visible documents live in an SQLite table (named by the resolver) with
 *     a column `doc` TEXT holding the whole document as JSON text, `_id` and `_event_time`
 *     included; its indexes are described by the catalog (sqlx_catalog);
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
#include <string.h> /* SQLX_IS_EXPR_KEY */

/* ---- the catalog: what the translator may ask about a collection ----
 *
 * Answered by the server from a catalog kept current as documents are written
 * (server/fieldindex.h), never by reading the documents at translate time; unit tests give a
 * fake. `table` is always the relation's `table` below. Every callback may be NULL (unknown),
 * and every answer may be "unknown"; the translator then keeps the plain form. */

typedef enum {
    SQLX_INDEX_SCALAR = 1,   /* rs_skey(rs_get(doc, <args>)), an expression index on `table` */
    SQLX_INDEX_ELEMS = 2,    /* the scalar elements of the array at <args>: rows (pid, key, rid) of
                                elems_table with key = rs_skey(element), rid = `table`'s rowid */
    SQLX_INDEX_FUNCTION = 3, /* rs_skey(<fn>(rs_get(doc, <args>))), an expression index */
    SQLX_INDEX_COMPOSITE = 4 /* rs_skey(rs_get(doc, <args 1>)), rs_skey(rs_get(doc, <args 2>)),
                                ...: one expression index over several paths */
} sqlx_index_kind;

typedef struct sqlx_index {
    sqlx_index_kind kind;
    char name[200];        /* SQLite index name (SCALAR, FUNCTION), for EXPLAIN and INDEXED BY */
    char elems_table[160]; /* ELEMS: the side table, unquoted */
    int64_t path_id;       /* ELEMS: the value of its column pid for this path */
    int64_t n_docs;        /* documents having the path (any value, null included); -1 unknown */
    double rows_per_key;   /* ANALYZE: average documents per distinct key; -1 not analyzed */
    int timestamps_only;   /* SCALAR: of the values that compare with a date or time, the path
                              holds TIMESTAMPs only (no string, no other typed value), so a
                              range by an instant is a range of timestamp keys */
    int datetimes_only;    /* SCALAR: the same of DATETIMEs (`DATE_TRUNC('DAY', date) >=
                              DATE_TRUNC('DAY', PARSE_DATETIME_ISO8601(:startDate))` on stored
                              datetimes reads its window) */
    int strings_only;      /* SCALAR: the path holds no typed value (no date or time), so a
                              string that reads as one compares with its strings alone, and
                              a range by such a string is a range of string keys */
    int keys_exact;        /* SCALAR: the path holds no object, array or typed value (only
                              null, booleans, numbers and strings, none of them NaN or infinite
                              in JSON), whose equal sort keys are equal values: a lookup join
                              on it needs no second test of the value it found (sqlx_emit.c) */
} sqlx_index;

/* A key range on one index, its bounds SQL expressions of values (literals, :parameters,
 * function calls of those) exactly as the translator would compare them: the catalog counts
 * documents whose rs_skey(...) lies between rs_skey(lo) and rs_skey(hi). NULL: unbounded.
 * An equality is lo == hi, both inclusive. */
typedef struct sqlx_range {
    const char *lo;
    int lo_incl;
    const char *hi;
    int hi_incl;
    int keys; /* lo and hi are key expressions already (rs_klo(...), rs_skey(...)) */
    /* An IN list's key expressions (NULL: none): counted key by key instead of as the range
     * from its least key to its greatest, which for a list of random keys (a dashboard's
     * `:shas`) spans most of the index */
    const char *const *in_keys;
    int n_in_keys;
} sqlx_range;

/* One collection's key test as estimate_together takes it: the keys of an index (kind SCALAR or
 * FUNCTION, args and fn as index_for's) in a range, or in a list of keys. */
typedef struct sqlx_keyfilter {
    sqlx_index_kind kind;
    const char *args, *fn;
    sqlx_range range;           /* lo and hi: key expressions (range.keys set) */
    const char *const *in_keys; /* an IN list's key expressions, instead of range; NULL */
    int n_in_keys;
} sqlx_keyfilter;

typedef struct sqlx_catalog {
    void *ctx;
    /* Whether the documents have the top-level field: 1 some do, 0 none does, -1 there are no
     * documents (it may supply anything). */
    int (*has_field)(void *ctx, const char *table, const char *field);
    /* 1 when no document has the path (args: rs_get arguments as SQL text) and the catalog
     * would list it if one did: a comparison of it with a constant then holds for none, and
     * the relation reads nothing (sqlx_keytest SQLX_KEY_NONE); 0 otherwise. NULL: never. */
    int (*path_absent)(void *ctx, const char *table, const char *args);
    /* Whether an index of that kind serves the path (args: rs_get arguments as SQL text,
     * "'a','b'"); fn: the SQLite function name of a FUNCTION index, else NULL. 1 and *out
     * filled, or 0 (none). Asking is a use: a path listed without an index (beyond the
     * server's automatic budget) gets one built for later queries, so ask only for paths the
     * statement filters, joins or orders on. */
    int (*index_for)(void *ctx, const char *table, sqlx_index_kind kind, const char *args,
                     const char *fn, sqlx_index *out);
    /* Documents a query may see now; -1 unknown. */
    int64_t (*doc_count)(void *ctx, const char *table);
    /* Documents whose key on that index (kind, args, fn as index_for) lies in range, counted
     * through the index up to cap (cap: "at least cap"); -1 when unknown (no such index, a
     * parameter without a value, an error). Bounded work: at most cap index entries. */
    int64_t (*estimate)(void *ctx, const char *table, sqlx_index_kind kind, const char *args,
                        const char *fn, const sqlx_range *range, int64_t cap);
    /* Documents of filters[0]'s range, read through its index as estimate reads them, that
     * pass filters[1..n) too (their keys computed from each document), up to cap; -1 when
     * unknown. Bounded work: at most filters[0]'s range, and cap documents counted. */
    int64_t (*estimate_together)(void *ctx, const char *table, const sqlx_keyfilter *filters, int n,
                                 int64_t cap);
    /* Of the first k documents in the order of the path's index (order_args; desc: from its
     * end), how many pass filters[0..n) (their keys computed from each document); -1 when
     * unknown. Bounded work: k documents. NULL: never asked. */
    int64_t (*order_sample)(void *ctx, const char *table, const char *order_args, int desc,
                            int64_t k, const sqlx_keyfilter *filters, int n);
    /* Whether a composite index over the paths args[0..n) (rs_get arguments, in column order)
     * exists: 1 and *out (its name), or 0. With want, asking is a use, as with index_for: one
     * the collection lacks is built for later queries, while its budget lasts. */
    int (*composite_for)(void *ctx, const char *table, const char *const *args, int n, int want,
                         sqlx_index *out);
    /* The plan reads the composite index named index (one composite_for found). NULL: not
     * told. */
    void (*composite_read)(void *ctx, const char *index);
} sqlx_catalog;

typedef enum {
    SQLX_REL_COLLECTION = 1, /* documents are in an SQLite table */
    SQLX_REL_VIEW = 2        /* a Rockset view: translate view_sql in its place */
} sqlx_rel_kind;

typedef struct sqlx_relation {
    sqlx_rel_kind kind;
    /* COLLECTION: the SQLite table holding exactly the documents a query may see now, in
     * column `doc` (rowid = the document's row id), unquoted: read it as `"<table>" AS rN` in
     * any position of any query; every index of the collection is on it. */
    char table[128];
    char *view_sql;      /* Rockset SQL of the view (VIEW); malloc'd by the resolver, freed by
                            the translator */
    char canonical[300]; /* "ws.name" of the collection or view reached (after aliases) */
    char alias_of[300];  /* "ws.alias" when the name was an alias, else "" */
    /* COLLECTION, optional: the catalog (above); NULL when none. */
    const sqlx_catalog *catalog;
    /* COLLECTION, optional, the catalog's has_field as the emitter asks it today: name
     * resolution asks it only for an unqualified field that several relations could supply.
     * NULL: unknown (may supply it). */
    int (*has_field)(void *ctx, const char *table, const char *field);
    void *has_field_ctx;
    /* COLLECTION, optional: `table` again when it has field indexes ("" when none), and whether
     * rs_skey(rs_get(doc, <args>)) is indexed there (the catalog's index_for, SCALAR), asked
     * with has_field_ctx. */
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

/* The text of query parameter `name` whatever its type, its type in *type ("" when untyped), or
 * NULL when the request has none: what the planner may know of a value before the statement
 * runs (a LIMIT's, whether a value is a scalar an element index can hold). */
typedef const char *(*sqlx_param_value_fn)(void *ctx, const char *name, const char **type);

typedef struct sqlx_options {
    int64_t default_row_limit;       /* > 0: applied when the statement has no LIMIT of its own */
    sqlx_param_text_fn param_text;   /* NULL: parameter values unknown (validation only) */
    sqlx_param_value_fn param_value; /* NULL: unknown; with param_ctx as param_text's */
    void *param_ctx;
} sqlx_options;

/* The function of the function index serving PARSE_TIMESTAMP_ISO8601(path) <op> constant: that
 * parse where it has a value, else undefined, never an error (server/runtime/fn_time.c), so the
 * server may build it by use; the query keeps its own conjunct. */
#define SQLX_TS_ISO_KEY_FN "rs_ts_iso_key"

/* The same for PARSE_DATETIME_ISO8601(path): its datetime, or undefined. */
#define SQLX_DT_ISO_KEY_FN "rs_dt_iso_key"

/* The function of the function index serving a join key CAST(path AS string): that cast where it
 * has a value, else undefined, never an error (server/runtime/fn_cond.c); built by use. */
#define SQLX_STR_KEY_FN "rs_str_key"

/* An expression key (a join on CAST(SUBSTR(c.url, 53) AS int)): the function index serving it
 * is named by the expression's SQLite text over the table's doc, which holds a '(' where a
 * function's name does not; built by use, at most this long. */
#define SQLX_MAX_EXPR_KEY    400
#define SQLX_IS_EXPR_KEY(fn) (strchr((fn), '(') != NULL)

/* The boundary after DATE_TRUNC(unit, c) (server/runtime/fn_time.c): the upper bound of a range
 * `DATE_TRUNC(unit, field) <= c` reads on field's index. */
#define SQLX_TRUNC_NEXT_FN "rs_trunc_next"

/* Not a function: the name under which a path's trigram index is listed with the function
 * indexes (index_for kind SQLX_INDEX_FUNCTION; sqlx_index.name is its FTS5 table, rowid = the
 * document's row, column v = the path's string), serving an infix LIKE; built by use. */
#define SQLX_TRIGRAM_FN "rs_trigram"

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
    int explain;         /* EXPLAIN: sqlite_sql is the query whose plan is asked for */
    char *plan;          /* EXPLAIN: the translator's plan, one operator per line (malloc'd) */
    int index_form;      /* some collection is read so that a field index can serve it */
    char target_ws[128]; /* DESCRIBE / INSERT target, resolved to the collection (not alias) */
    char target_name[128];
    char target_table[128]; /* SQLite table of the target collection */
} sqlx_stmt;

/* Translate one statement for SQLite. On success fills *out (free with sqlx_stmt_free) and
 * returns 0. */
int sqlx_translate(const char *sql, const sqlx_options *opts, sqlx_resolve_fn resolve,
                   void *resolve_ctx, sqlx_stmt *out, rs_err *err);
void sqlx_stmt_free(sqlx_stmt *st);
/* A deep copy of from into *to (free with sqlx_stmt_free). 0, or RS_ENOMEM with *to empty. */
int sqlx_stmt_copy(const sqlx_stmt *from, sqlx_stmt *to);

/* A statement translated up to the choice of engine: parsed, bound, planned, rewritten.
 * Then one emitter prints it: the column engine's (sqlx_prepared_duck, sqlx_duck.h) when it
 * can answer it, else SQLite's, once (sqlx_prepared_sqlite). One translation serves both. */
typedef struct sqlx_prepared sqlx_prepared;

/* Prepare one statement. On success *out (free with sqlx_prepared_free) and *meta: all of
 * sqlx_stmt but sqlite_sql, index_form and plan (its kind, what it reads, its parameters,
 * output fields and target). On failure *meta holds what was found before it (collections
 * read), for the caller's privilege check. */
int sqlx_prepare(const char *sql, const sqlx_options *opts, sqlx_resolve_fn resolve,
                 void *resolve_ctx, sqlx_prepared **out, sqlx_stmt *meta, rs_err *err);

/* The SQLite text (access paths chosen, printed) into st: sqlite_sql, index_form, plan. */
int sqlx_prepared_sqlite(sqlx_prepared *p, sqlx_stmt *st, rs_err *err);
void sqlx_prepared_free(sqlx_prepared *p);

/* Register the SQL functions translated statements call, on one connection. Call once per
 * connection before preparing translated SQL. Returns an SQLite result code. */
int sqlx_register_functions(sqlite3 *db);

/* Bind one Rockset query parameter (type as in the API: int, float, bool, string, null, date,
 * datetime, time, timestamp, or "" = infer from value parsed as JSON) to parameter index idx.
 * Returns 0, or RS_EINVAL with err naming the parameter when the value does not parse. */
int sqlx_bind_param(sqlite3_stmt *stmt, int idx, const char *name, const char *type,
                    const char *value, rs_err *err);

#endif
