/*
 * duck.h - DuckDB, rockset-local's column engine (docs/column-index.md), loaded at run time.
 *
 * rockset-local keeps a column replica of each collection in an embedded DuckDB database
 * (replica.h) and answers wide aggregates from it. DuckDB is optional: the library is opened
 * with dlopen() when the server starts (--column-index), so the server builds and runs
 * without it (SQLite only) and says which mode it runs in. `make deps` fetches the library
 * (libduckdb.so of the npm package @duckdb/node-bindings-linux-x64, pinned); --duckdb-lib or
 * RL_DUCKDB_LIB point at another one.
 *
 * Only this module touches DuckDB's C API: duckapi.h declares the part of it we call (our own
 * declarations, written from DuckDB's documented C API; building with DUCKDB_H=<its duckdb.h>
 * checks them against the real header). Everything else sees the small interface below:
 * a database, connections, statements returning typed cells, and appenders.
 *
 * Thread-safety: rl_duck_load is idempotent and may race with itself (a mutex). A database
 * may be shared by threads; a connection, its results and its appenders belong to one thread
 * at a time. rl_duck_interrupt may be called from any thread.
 * Ownership: the caller frees what it opens (close, disconnect, appender_close).
 */
#ifndef RL_DUCK_H
#define RL_DUCK_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rl_duck_db rl_duck_db;
typedef struct rl_duck_conn rl_duck_conn;
typedef struct rl_duck_app rl_duck_app;

/* Open the library once (path NULL: RL_DUCKDB_LIB, else the build's default). 0, or RS_E*
 * with err saying which file could not be opened or which symbol is missing. */
int rl_duck_load(const char *path, rs_err *err);
/* Whether rl_duck_load succeeded; the library's version ("v1.5.6") and path, or "". */
int rl_duck_loaded(void);
const char *rl_duck_version(void);
const char *rl_duck_path(void);

/* The rows of a row group in the tables rl_duck_open's databases write: RL_DUCK_ROW_GROUP
 * (DuckDB's default: 122,880; why, at DK_CATALOG in duck.c), or ROCKSET_LOCAL_COLUMN_ROW_GROUP
 * when set to a multiple of 2,048 up to 1,048,576 (measurements, tests). */
#define RL_DUCK_ROW_GROUP 16384
int rl_duck_row_group(void);

/* Open (creating) the database file path (NULL: in memory) with DuckDB's memory_limit (e.g.
 * "1GB"; NULL: DuckDB's default) and threads (0: DuckDB's default). Its tables are written in
 * row groups of rl_duck_row_group() rows. NULL and err on failure (a corrupt file says so: the
 * caller may delete it and open again). */
rl_duck_db *rl_duck_open(const char *path, const char *memory_limit, int threads, rs_err *err);
void rl_duck_close(rl_duck_db *db);

rl_duck_conn *rl_duck_connect(rl_duck_db *db, rs_err *err);
void rl_duck_disconnect(rl_duck_conn *c);
/* Ask the statement running on c to stop (it fails with "INTERRUPT" in its error). */
void rl_duck_interrupt(rl_duck_conn *c);

/* Run statements that return nothing (DDL, BEGIN/COMMIT, DELETE ...). DuckDB's message in err. */
int rl_duck_exec(rl_duck_conn *c, const char *sql, rs_err *err);

/* ---- results: cells of a few kinds (the emitter casts to these types) ---- */
typedef enum {
    RL_DK_NULL = 0,
    RL_DK_BOOL,      /* i: 0/1 */
    RL_DK_INT,       /* i: TINYINT..BIGINT, UTINYINT..UINTEGER; HUGEINT and UBIGINT when they fit */
    RL_DK_DOUBLE,    /* d: FLOAT, DOUBLE; DECIMAL converted */
    RL_DK_TEXT,      /* s, len: VARCHAR (not NUL-terminated; valid until the next row) */
    RL_DK_TIMESTAMP, /* i: microseconds since the epoch (TIMESTAMP, TIMESTAMP WITH TIME ZONE) */
    RL_DK_DATE,      /* i: days since 1970-01-01 */
    RL_DK_OTHER      /* a type we do not read: the row callback gets it and may refuse */
} rl_duck_kind;

typedef struct rl_duck_cell {
    rl_duck_kind kind;
    int64_t i;
    double d;
    const char *s;
    size_t len;
} rl_duck_cell;

/* Called once with the result's column names (n of them) before the first row; return nonzero
 * to stop (rl_duck_query returns that value). */
typedef int (*rl_duck_cols_fn)(void *ctx, const char *const *names, int n);
/* Called for every row: cells[0..n-1]. Return nonzero to stop. */
typedef int (*rl_duck_row_fn)(void *ctx, const rl_duck_cell *cells, int n);

/* Run one SELECT and stream its rows (chunk by chunk, never the whole result in memory).
 * Returns 0, the callback's nonzero value, or an RS_E* code with DuckDB's message in err. */
int rl_duck_query(rl_duck_conn *c, const char *sql, rl_duck_cols_fn on_cols, rl_duck_row_fn on_row,
                  void *ctx, rs_err *err);

/* rl_duck_query for statements that come again: c keeps the plans of the last 64 texts it ran
 * and runs the same text from its plan (DuckDB binds it again by itself when a table it reads
 * was altered since). A failed run forgets the plan. */
int rl_duck_query_kept(rl_duck_conn *c, const char *sql, rl_duck_cols_fn on_cols,
                       rl_duck_row_fn on_row, void *ctx, rs_err *err);

/* ---- appenders: bulk rows into one table, column by column in table order ---- */
rl_duck_app *rl_duck_appender(rl_duck_conn *c, const char *table, rs_err *err);
int rl_duck_app_null(rl_duck_app *a);
int rl_duck_app_bool(rl_duck_app *a, int b);
int rl_duck_app_int(rl_duck_app *a, int64_t i);
int rl_duck_app_double(rl_duck_app *a, double d);
int rl_duck_app_text(rl_duck_app *a, const char *s, size_t len);
int rl_duck_app_timestamp(rl_duck_app *a, int64_t micros);
/* A LIST cell: cells[0..n) as elements of kind `kind` (BOOL, INT, DOUBLE, TEXT, TIMESTAMP;
 * an RL_DK_NULL cell is a null element; text cells' s must point at their bytes). */
int rl_duck_app_list(rl_duck_app *a, rl_duck_kind kind, const rl_duck_cell *cells, int n);
/* End the row; 0 or RS_E* (DuckDB's message in err, e.g. a wrong column count). */
int rl_duck_app_end_row(rl_duck_app *a, rs_err *err);
/* Flush and free; returns the first error of the appender's life (its message in err). */
int rl_duck_app_close(rl_duck_app *a, rs_err *err);

#endif
