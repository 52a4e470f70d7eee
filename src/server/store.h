/*
 * store.h - rockset-local's storage: one SQLite database (a file with --data, else a temporary
 * file removed at shutdown) holding all metadata (workspaces, collections, views, aliases,
 * lambdas, write offsets) and one document table per collection.
 *
 * Documents of a collection live in table "<tbl>_data" (colltab.h): exactly the documents a
 * query may see now; the translator (sqlxlate.h) reads it directly. A write becomes visible
 * vis_ms = write time + --ingest-delay-ms; until then it waits in "<tbl>_pending" and the
 * previous version is served (pending.h, which rl_store_pending hands out).
 *
 * Connections come from a pool: rl_store_acquire hands one to the calling thread (WAL mode,
 * busy_timeout, translator functions and rl_* SQL functions registered), rl_store_release puts
 * it back. A connection is used by one thread at a time; the pool itself is thread-safe.
 *
 * SQL functions registered on every connection: rl_now_ms() (epoch ms), rl_iso(epoch_s)
 * ("2023-08-23T18:56:42Z"), rl_iso_us(epoch_ms) ("2023-08-23T18:56:42.123000Z"), rl_uuid().
 */
#ifndef RL_STORE_H
#define RL_STORE_H

#include "err.h"

#include <sqlite3.h>
#include <stdint.h>
#include <time.h>

typedef struct rl_store rl_store;
typedef struct rl_pending rl_pending;

/* Open (creating when needed) the database at path, or a temporary one for NULL/":memory:".
 * On success *out owns the store; free with rl_store_close. */
int rl_store_open(const char *path, rl_store **out, rs_err *err);
/* Close every pooled connection and, for a temporary database, remove its files. NULL ok. */
void rl_store_close(rl_store *st);

/* The database file's path, and whether it is the temporary one (removed at close). */
const char *rl_store_path(const rl_store *st);
int rl_store_is_temp(const rl_store *st);

/* The store's writes not visible yet (pending.h). */
rl_pending *rl_store_pending(rl_store *st);
/* The store's WAL checkpointer (checkpointer.h). */
typedef struct rl_checkpointer rl_checkpointer;
rl_checkpointer *rl_store_checkpointer(rl_store *st);

/* How long a pooled connection waits for the store's write lock (the environment's
 * ROCKSET_LOCAL_LOCK_WAIT_MS sets another), and how long at most while a long transaction holds
 * it (rl_store_long_tx_begin). */
#define RL_STORE_BUSY_MS         10000
#define RL_STORE_LONG_TX_WAIT_MS 600000
/* Make db wait up to limit_ms for a lock another connection holds, trying again every
 * millisecond at first (SQLite's sqlite3_busy_timeout sleeps up to 100 ms at a time). */
void rl_store_busy_wait(sqlite3 *db, int limit_ms);
/* Give db back the pool's wait: the store's limit, longer while a long transaction is under way. */
void rl_store_busy_default(rl_store *st, sqlite3 *db);
/* Around a write transaction whose length grows with a collection's documents (an index build
 * over them, a part of an ANALYZE): while one is under way in this process, a pooled connection
 * waiting for the write lock waits for it to end (up to RL_STORE_LONG_TX_WAIT_MS) and then for
 * its own limit, instead of failing after its limit. Process-wide, not per store: a server opens
 * one store, and the writer's own path (docs.c) has no store at hand. */
void rl_store_long_tx_begin(void);
void rl_store_long_tx_end(void);
/* WAL pages (4 KiB) after which a commit asks for a passive checkpoint (SQLite's default), and
 * after which the checkpointer restarts the WAL (store.c on_wal_commit, checkpointer.h). */
#define RL_STORE_WAL_PAGES         1000
#define RL_STORE_WAL_RESTART_PAGES 16384

/* The store's generation: it moves after every commit (of any connection) but the quiet and the
 * data-only ones, so equal values read at two moments mean nothing a statement's translation
 * reads changed in between but documents and their counts (xlcache.h). The data generation
 * moves after every commit but the quiet ones. -1 when commits cannot be seen (the database is
 * not in WAL mode). */
int64_t rl_store_generation(rl_store *st);
int64_t rl_store_data_generation(rl_store *st);
/* The calling thread's next commit adds, replaces or removes documents and changes nothing else
 * a translation reads (on: 1): no path listed or unlisted, no type or index new, no collection
 * emptied or first filled (rl_fieldindex.catalog_changed). One commit only; 0 takes it back
 * (after a commit that failed). */
void rl_store_data_only_commit(int on);
/* The calling thread's commits from now on change nothing a translation reads (on: 1) or may
 * (0, the default): collections.last_queried_ms, for one. */
void rl_store_quiet_commits(int on);

/* Borrow a connection for the calling thread; NULL (err set) when none can be opened. */
sqlite3 *rl_store_acquire(rl_store *st, rs_err *err);
void rl_store_release(rl_store *st, sqlite3 *db);

/* Run one statement with bound arguments. types has one letter per argument: 's' const char *
 * (NULL binds NULL), 'i' int64_t, 'd' double. When out is not NULL it receives a malloc'd copy
 * of column 0 of the first row (NULL when there is no row or the value is NULL). Returns 0, or
 * RS_EEXISTS on a constraint violation, RS_EINTERRUPT when interrupted, else RS_EINTERNAL. */
int rl_sql(sqlite3 *db, char **out, rs_err *err, const char *sql, const char *types, ...);
/* Same, returning column 0 of the first row as an integer in *out (0 when no row). */
int rl_sql_int(sqlite3 *db, int64_t *out, rs_err *err, const char *sql, const char *types, ...);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. rl_tx_end commits when ok is non-zero, else rolls back. */
int rl_tx_begin(sqlite3 *db, rs_err *err);
int rl_tx_end(sqlite3 *db, int ok, rs_err *err);

/* Clock helpers. */
int64_t rl_now_ms(void);
int64_t rl_mono_ms(void);
int64_t rl_mono_us(void); /* the same clock in microseconds */
/* The CLOCK_REALTIME instant ms from now, as pthread_cond_timedwait takes a deadline. */
struct timespec rl_deadline_after_ms(int64_t ms);
/* Fill out (37 bytes) with a random RFC 4122 version-4 uuid. Its bytes come from the kernel's
 * generator read ahead into a per-thread pool: ids, not secrets. */
void rl_uuid(char out[37]);
/* Fill out with n random characters from [A-Za-z0-9] and a NUL, read from the kernel's
 * generator for this call alone (API keys). */
void rl_random_alnum(char *out, int n);
/* The same from the per-thread pool, for ids (a query's id suffix). */
void rl_id_alnum(char *out, int n);

/* Offsets: "f1:0:<seq, 12 digits>:0:---0"; rl_offset_parse returns the seq or -1. */
void rl_offset_format(int64_t seq, char out[48]);
int64_t rl_offset_parse(const char *text);

#endif
