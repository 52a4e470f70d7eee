/*
 * catalog.h - every SQL function rockset-local knows, in one table: what the translator may
 * call (and how), what the server registers on each SQLite connection, and what
 * docs/sql-subset.md must list (a test compares the two).
 *
 * Each function family (runtime/fn_*.c) exports a table of rt_function entries ending with an
 * entry whose name is NULL; catalog.c lists the tables. One Rockset name has one entry; aliases
 * (CEIL/CEILING) are separate entries that may share a SQLite function.
 *
 * Kinds:
 *   RT_SCALAR     sql_name(args...) with value-mode arguments (runtime/value.h)
 *   RT_AGGREGATE  an aggregate that is also a window function (xStep/xFinal/xValue/xInverse);
 *                 the translator adds DISTINCT, FILTER-like rewrites and OVER (...) around it
 *   RT_WINDOW     a window-only function (ROW_NUMBER, LAG, ...): SQLite's own or ours; only valid
 *                 with OVER
 *   RT_EMITTED    emitted by the translator itself (CAST, IF, COALESCE, EXTRACT, ...); sql_name
 *                 may still name a helper the emitter calls
 *
 * Thread-safety: the tables are constant; rt_catalog_register may run on many connections at once.
 */
#ifndef RL_RUNTIME_CATALOG_H
#define RL_RUNTIME_CATALOG_H

#include <sqlite3.h>

typedef enum rt_fn_kind { RT_SCALAR = 1, RT_AGGREGATE, RT_WINDOW, RT_EMITTED } rt_fn_kind;

/* flags */
#define RT_DETERMINISTIC 0x1 /* same arguments, same result (not CURRENT_TIMESTAMP, RAND) */
#define RT_BUILTIN       0x2 /* sql_name is a SQLite built-in: nothing to register */

typedef struct rt_function {
    const char *name; /* Rockset name, upper case */
    rt_fn_kind kind;
    int min_args, max_args; /* max_args -1: any number */
    const char *sql_name;   /* the SQLite function the translator calls (NULL for some EMITTED) */
    int sql_n_args;         /* arity registered with SQLite (-1: variadic) */
    int flags;
    void *user_data; /* passed to sqlite3_create_function's pApp */
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

/* Visit every entry in catalog order (for the docs check and listings). */
void rt_catalog_each(void (*visit)(const rt_function *fn, void *ctx), void *ctx);

/* Register every entry's SQLite function (and the runtime's table-valued functions and
 * collations) on one connection. Returns an SQLite result code. */
int rt_catalog_register(sqlite3 *db);

#endif
