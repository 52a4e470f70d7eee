/*
 * pending.h - writes that are not visible yet (--ingest-delay-ms), and the store's background
 * worker, which applies them when due and also builds the indexes queries asked for and
 * refreshes statistics (fieldindex.h).
 *
 * A collection's table "<tbl>_data" holds exactly the documents a query may see now. With an
 * ingest delay, a write goes instead to "<tbl>_pending"(pseq, _id, doc, vis_ms, seq) (doc NULL:
 * a delete), and the store table pending_due(tbl, due_ms) says which collections have pending
 * rows and the earliest vis_ms. Rows are applied to "<tbl>_data", in pseq order (the order of
 * the writes), once due: by the first query or DESCRIBE that starts after their vis_ms
 * (rl_pending_apply_due, which costs one atomic read when nothing is due), and by a background
 * thread that sleeps until the earliest due time. While a collection has pending rows, every
 * write to it queues behind them (without a delay: due at once), so that a document's versions
 * become visible in the order they were written; a due row also takes with it the earlier rows
 * of its document that are not due yet (possible only when the delay changed across a
 * restart).
 *
 * Background work other than pending rows comes as requests (rl_pending_want): an index a query
 * asked for (a path beyond the automatic budget), an ANALYZE of a collection that has doubled;
 * each runs in a write transaction of its own, and a request that fails is logged and dropped.
 *
 * Ownership: the store owns its rl_pending (rl_store_pending). The worker thread starts with
 * the first delayed write or request and is stopped by rl_pending_free.
 * Thread-safety: every function may be called from any thread; applying is serialized.
 */
#ifndef RL_PENDING_H
#define RL_PENDING_H

#include "err.h"

#include <sqlite3.h>
#include <stdint.h>

typedef struct rl_store rl_store;
typedef struct rl_pending rl_pending;

/* The store table of collections with pending rows (part of the store schema). */
#define RL_PENDING_SCHEMA_SQL                                                         \
    "CREATE TABLE IF NOT EXISTS pending_due(tbl TEXT PRIMARY KEY, due_ms INTEGER NOT" \
    " NULL);"

/* A new applier for st; NULL when out of memory. */
rl_pending *rl_pending_new(rl_store *st);
/* Stop the applier thread (if it runs) and free p. NULL ok. */
void rl_pending_free(rl_pending *p);

/* Read the earliest due time from pending_due (at open: rows left by an earlier run). */
int rl_pending_load(rl_pending *p, sqlite3 *db, rs_err *err);

/* A delayed write was committed: its rows are due at due_ms. indexes_on: whether applying them
 * creates field indexes for new paths (the writer's --field-index). Starts the applier thread
 * the first time. */
void rl_pending_note(rl_pending *p, int64_t due_ms, int indexes_on);

/* Some collection has a retention: the worker also purges what it has let go, every
 * RL_PENDING_SWEEP_MS (retention.h). Starts the worker thread the first time. */
#define RL_PENDING_SWEEP_MS 5000
void rl_pending_sweep(rl_pending *p);
/* Whether some collection had a retention since the store opened (a query need not look for
 * expired documents otherwise). */
int rl_pending_sweeps(rl_pending *p);

/* A query read the collections of collections_json (a JSON array of "ws.name") at now_ms: the
 * worker writes collections.last_queried_ms, all noted names in one transaction at most every
 * RL_PENDING_QUERIED_MS, so that a query never writes (a write per query took the store's
 * write lock from the writers: 8 clients querying held back a stream of documents). At most
 * RL_PENDING_MAX_QUERIED names wait; more are dropped until the next write. */
#define RL_PENDING_QUERIED_MS  1000
#define RL_PENDING_MAX_QUERIED 256
void rl_pending_queried(rl_pending *p, const char *collections_json, int64_t now_ms);

/* Ask the worker to build an index of collection table tbl: kind SQLX_INDEX_SCALAR or _ELEMS on
 * path args, SQLX_INDEX_FUNCTION on fn(args); or, kind 0 (args, fn NULL), to ANALYZE tbl.
 * Duplicates are merged; at most RL_PENDING_MAX_WANTS requests wait (more are dropped: they
 * come again). */
#define RL_PENDING_MAX_WANTS 64
void rl_pending_want(rl_pending *p, const char *tbl, int kind, const char *args, const char *fn);
/* Requests of table tbl waiting or running: 0 once the indexes queries asked for are built and
 * the statistics refreshed (a collection's stats.field_indexes.background_work). */
int rl_pending_queued(rl_pending *p, const char *tbl);

/* Requests waiting or running, of any table. */
int rl_pending_busy(rl_pending *p);
/* How many indexes the worker has built by use (requests of rl_pending_want) since it
 * started: a statement measured slower on SQLite before one of them is measured again
 * (enginepick.h). 0 for NULL. */
int64_t rl_pending_indexes_built(rl_pending *p);

/* Apply every pending row that is due, in one write transaction on db (which must not be in
 * one). Returns at once when nothing is due. */
int rl_pending_apply_due(rl_pending *p, sqlite3 *db, int indexes_on, rs_err *err);

/* The newest pending version of document id in collection tbl: *found = 1 and *doc (malloc'd;
 * NULL for a pending delete) when tbl has a pending row for it, else *found = 0. */
int rl_pending_newest(sqlite3 *db, const char *tbl, const char *id, int *found, char **doc,
                      rs_err *err);

#endif
