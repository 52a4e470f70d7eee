/*
 * replica.h - the column index: a column replica of every collection in DuckDB (duck.h),
 * kept by a worker thread that follows the writes, read by queries the planner sends to the
 * column engine (docs/column-index.md).
 *
 * SQLite stays the source of truth. Change capture: while the column index is on, the one
 * writer of "<tbl>_data" (docs.c) logs the _id of every inserted, replaced, patched or deleted
 * document to the store table colidx_changes(cseq, tbl, _id, at_ms, op), in the write's own
 * transaction (op 'i' for a new _id, 'u', 'd': only those need the old row deleted). The
 * worker reads the log in cseq order, re-reads each changed document's current version (or its
 * absence) from "<tbl>_data" and writes it to the replica table, then records the last cseq
 * applied in the DuckDB database (same DuckDB transaction) and trims the log. A restart resumes
 * from that cseq; a replica that does not match the store (another store's, or one left while
 * the column index was off, whose writes were not logged: the store's meta key colidx_epoch
 * changes then) is rebuilt from "<tbl>_data".
 *
 * Columns: a document's members, nested objects flattened (a.b.c), each path one typed column
 * (BIGINT, DOUBLE, VARCHAR, BOOLEAN, TIMESTAMP) named c<N>; an object or array is a BOOLEAN
 * presence column, and an array also has its length, c<N>_n. An array's elements are paths of
 * their own (steps[].name: the key steps, ELEM_STEP, name), whose column is a LIST with one
 * entry per element of the document's array (NULL where an element lacks the member or is not
 * an object; the list itself NULL where the document has no array), so that UNNEST reads them
 * zipped beside range(1, c<N>_n + 1) (sqlx_duck.c). Elements' strings are stored as codes
 * (BIGINT[]), given by a dictionary per path (strdict.h) kept in _colidx_dict, which queries
 * decode through (rl_colidx_column.decoder). Objects in elements are flattened; arrays
 * in elements are not replicated. A path whose values have taken two types (int and float
 * included), or another typed value, is "mixed": its column is not read (queries that use it
 * stay on SQLite); so is an element path with more distinct strings than the codes' limit. Per path
 * the replica also knows whether some document held an explicit null and whether some lacked the
 * path (Rockset tells null from undefined; a column's NULL does not), and, for a string path whose
 * values all read as ISO 8601 timestamps, keeps their PARSE_TIMESTAMP_ISO8601 in a second
 * column (c<N>_ts), so a range or a DATE_DIFF on such strings reads a typed column.
 *
 * Queries: rl_colidx_catch_up makes the replica hold at least every change the caller's
 * SQLite snapshot sees (applying a short backlog itself), so a query answered from the
 * columns sees what it would have seen on SQLite (read-your-writes); a longer backlog answers
 * "behind" and the query stays on SQLite.
 *
 * Thread-safety: every function may be called from any thread. Ownership: the server owns the
 * rl_colidx (rl_colidx_start / rl_colidx_stop).
 */
#ifndef RL_COLIDX_REPLICA_H
#define RL_COLIDX_REPLICA_H

#include "err.h"
#include "server/store.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rl_colidx rl_colidx;
typedef struct rl_duck_conn rl_duck_conn;

typedef enum { RL_COLIDX_OFF = 0, RL_COLIDX_AUTO, RL_COLIDX_ON } rl_colidx_mode;

typedef struct rl_colidx_config {
    rl_colidx_mode mode;      /* --column-index off|auto|on */
    const char *lib;          /* --duckdb-lib, or NULL */
    const char *memory_limit; /* --column-memory-limit ("1GB"), or NULL */
    int threads;              /* --column-threads, 0: DuckDB's default */
} rl_colidx_config;

/* Store tables of change capture (part of the store schema). */
#define RL_COLIDX_SCHEMA_SQL                                                            \
    "CREATE TABLE IF NOT EXISTS colidx_changes(cseq INTEGER PRIMARY KEY AUTOINCREMENT," \
    " tbl TEXT NOT NULL, _id TEXT NOT NULL, at_ms INTEGER NOT NULL, op TEXT NOT NULL);"

/* Start the column index of store st. mode OFF, or AUTO without a loadable library: *out is
 * NULL, change capture is removed from every collection, and 0 is returned (*why says why, for
 * the startup line). ON without a library, or any other failure: RS_E* and err. */
int rl_colidx_start(rl_store *st, const rl_colidx_config *cfg, rl_colidx **out, char *why,
                    size_t why_cap, rs_err *err);
void rl_colidx_stop(rl_colidx *cx); /* NULL ok */

/* Whether this process logs changes (a column index runs). */
int rl_colidx_capturing(void);
/* The change log's insert: ?1 tbl, ?2 _id, ?3 at_ms, ?4 op. */
#define RL_COLIDX_NOTE_SQL "INSERT INTO colidx_changes(tbl, _id, at_ms, op) VALUES(?1, ?2, ?3, ?4)"
/* A collection's table was dropped: drop its replica (after the drop committed). NULL ok. */
void rl_colidx_forget(rl_colidx *cx, const char *tbl);

/* Make the replica of collection table tbl hold every change of it that db's snapshot (an open
 * read transaction) sees: nothing to do when the changes not applied yet are all of other
 * collections (a stream into one collection does not hold back queries of the others);
 * otherwise the query applies up to max_backlog changes itself (all of them, in order). 0:
 * caught up; 1: behind (or still building), the query should stay on SQLite; RS_E* on error.
 * *lag_ms (may be NULL): how old the oldest change the worker had not applied yet was (0 when
 * none or none of tbl's): the replica's lag as this query found it. */
int rl_colidx_catch_up(rl_colidx *cx, sqlite3 *db, const char *tbl, int64_t max_backlog,
                       int64_t *lag_ms, rs_err *err);

/* What the replica knows of a path of collection table tbl (names: its field names). */
typedef struct rl_colidx_column {
    char table[160];     /* the replica table, quoted for DuckDB ("r_c_..."); "" when none */
    char column[48];     /* c<N>, or "" when the path has no usable column */
    char ts_column[56];  /* c<N>_ts when every string value reads as a timestamp, else "" */
    char len_column[56]; /* an array's length, c<N>_n (NULL where it is not an array) */
    /* the strings of an array's elements are stored as codes: the DuckDB list of the strings,
     * which the codes index (`decoder[code]`), a literal of the codes given when looked up
     * (see rl_colidx_codes_gen); "" for a column of values */
    char decoder[4096];
    int type;        /* rv_type of every value (RV_INT ...), RV_UNDEFINED when none */
    int has_null;    /* some document held null here */
    int has_missing; /* some document lacked the path */
    int mixed;       /* its values have taken several types: no column */
    int ascii;       /* a string path every value of which is ASCII (DuckDB's LOWER agrees) */
    int64_t n_docs;  /* documents in the replica */
} rl_colidx_column;

/* 1 and *out filled when tbl is replicated (n_names 0: only table and n_docs), else 0. */
int rl_colidx_lookup(rl_colidx *cx, const char *tbl, const char *const *names, int n_names,
                     rl_colidx_column *out);

/* Moves whenever an element string is given a new code. A statement printed with the
 * decoders of one value and run while it moved may have read codes its literal lacks: run it
 * again. */
int64_t rl_colidx_codes_gen(rl_colidx *cx);

/* A connection for one query, with the plans it keeps of earlier statements (run them with
 * rl_duck_query_kept); *gen to hand back with it. NULL and err on failure. */
rl_duck_conn *rl_colidx_acquire(rl_colidx *cx, unsigned *gen, rs_err *err);
/* Give c back (NULL ok): kept for a later query when reusable (not after an interrupt, whose
 * flag could reach the connection's next statement) and no renewal came since it was taken. */
void rl_colidx_release(rl_colidx *cx, rl_duck_conn *c, unsigned gen, int reusable);

#endif
