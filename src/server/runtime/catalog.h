/*
 * catalog.h - every SQL function rockset-local knows, in one table: what the translator may
 * call (and how), what the server registers on each SQLite connection, and what
 * docs/sql-subset.md must list (tests/e2e/test_docs_coverage.py compares the two).
 *
 * Each function family (runtime/fn_*.c) exports a table of rt_function entries ending with an
 * entry whose name and sql_name are both NULL; catalog.c lists the tables. An entry with a name
 * is a Rockset function (one entry per spelling: CEIL and CEILING are two entries); an entry
 * without one is internal plumbing the translator emits (rs_get, rs_row, ...).
 *
 * Kinds:
 *   RT_SCALAR     sql_name(args...) with value-mode arguments (runtime/value.h)
 *   RT_AGGREGATE  an aggregate that is also a window function (step/final/value/inverse); the
 *                 translator adds DISTINCT and OVER (...) around it
 *   RT_WINDOW     a window-only function (ROW_NUMBER, LAG, ...): only valid with OVER; sql_name is
 *                 SQLite's own when RT_BUILTIN is set
 *   RT_EMITTED    written out by the translator itself (CAST, IF, EXTRACT, ...): nothing is
 *                 registered for the name, though its helpers may be registered separately
 *
 * SQL names: a Rockset function's SQLite name is "rsf_" + its name in lower case (apart from the
 * translator's plumbing, all named rs_*) unless sql_name
 * says otherwise; it is registered variadic (the translator checks the arity first), with the
 * entry itself as user data (rt_fn_of(ctx) gives it back, so messages name the function as the
 * user spelled it: POW vs POWER).
 *
 * Thread-safety: the tables are constant; rt_catalog_register may run on many connections at once.
 */
#ifndef RL_RUNTIME_CATALOG_H
#define RL_RUNTIME_CATALOG_H

#include <sqlite3.h>
#include <stddef.h>

typedef enum rt_fn_kind { RT_SCALAR = 1, RT_AGGREGATE, RT_WINDOW, RT_EMITTED } rt_fn_kind;

/* flags */
#define RT_VOLATILE 0x1 /* not deterministic (CURRENT_TIMESTAMP, RAND) */
#define RT_BUILTIN  0x2 /* sql_name is SQLite's own function: nothing to register */
#define RT_CLOCK                                                             \
    0x4 /* volatile, but one value for the whole statement: the time it runs \
           (CURRENT_TIMESTAMP, NOW, CURRENT_DATE, ...); a bound of an index  \
           range, and a conjunct that may move into a subquery */

typedef struct rt_function {
    const char *name; /* Rockset name, upper case; NULL for internal plumbing */
    rt_fn_kind kind;
    int min_args, max_args; /* max_args -1: any number */
    const char *sql_name;   /* NULL: "rsf_" + lower(name) */
    int flags;
    const void *user_data; /* for the implementation (rt_fn_of(ctx)->user_data) */
    void (*scalar)(sqlite3_context *, int, sqlite3_value **);
    void (*step)(sqlite3_context *, int, sqlite3_value **);
    void (*final)(sqlite3_context *);
    void (*value)(sqlite3_context *);
    void (*inverse)(sqlite3_context *, int, sqlite3_value **);
    const char *section;   /* docs/sql-subset.md section: "string", "array", "date/time", ... */
    const char *signature; /* one line for the docs: "LOWER(string) -> string" */
} rt_function;

/* The entry for a Rockset function name (case-insensitive), or NULL. */
const rt_function *rt_catalog_find(const char *name);

/* The SQLite name the translator calls for fn, into buf (64 bytes is always enough). */
const char *rt_catalog_sql_name(const rt_function *fn, char *buf, size_t cap);

/* Visit every Rockset function in catalog order (for the docs check and listings). */
void rt_catalog_each(void (*visit)(const rt_function *fn, void *ctx), void *ctx);

/* Register every entry's SQLite function (and the runtime's table-valued functions) on one
 * connection. Returns an SQLite result code. */
int rt_catalog_register(sqlite3 *db);

/* The entry a registered function was called through. */
static inline const rt_function *rt_fn_of(sqlite3_context *ctx) {
    return (const rt_function *)sqlite3_user_data(ctx);
}

/* The family tables (catalog.c lists them). */
extern const rt_function rt_fn_core[];
extern const rt_function rt_fn_cond[];
extern const rt_function rt_fn_string[];
extern const rt_function rt_fn_regex[];
extern const rt_function rt_fn_hash[];
extern const rt_function rt_fn_geo[];
extern const rt_function rt_fn_math[];
extern const rt_function rt_fn_array[];
extern const rt_function rt_fn_object[];
extern const rt_function rt_fn_time[];
extern const rt_function rt_fn_agg[];

#endif
