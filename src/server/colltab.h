/*
 * colltab.h - a collection's SQLite tables, created and dropped with it, and the migration of a
 * store written by an earlier version of rockset-local.
 *
 *   "<tbl>_data"(_id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq)  the documents a query may see
 *       now, and nothing else: queries read it directly, and every field index is on it
 *       (fieldindex.h);
 *   "<tbl>_pending"(pseq, _id, doc, vis_ms, seq)  writes not visible yet (pending.h);
 *   "<tbl>_elems"(pid, key, rid)  the scalar elements of its array fields (fieldindex.h);
 *   "<tbl>_rollup"(gkey, gid, state, et_ms)  a rollup's groups (ingest.h), made on first write;
 *   index "<tbl>_et" on its documents' _event_time when it has a retention (retention.h).
 *
 * Store format 1 (before this layout) kept one table "<tbl>_data"(_id, doc, prev_doc, vis_ms,
 * seq) read through a view "<tbl>" that picked, per row, doc or prev_doc by the clock, and its
 * indexed paths in a table field_indexes(tbl, args). rl_colltab_migrate turns such a store
 * into format 2 when it is opened: the visible version of each document into "<tbl>_data", a
 * version not visible yet into "<tbl>_pending" (due at its vis_ms), the catalog counted from
 * the documents, the same paths indexed. Format 2 (this layout without element and function
 * indexes and statistics) gets the catalog's new columns and the element tables; format 3 (before
 * retention was enforced) gets the collections' purge counts; format 4 (statistics read from
 * sqlite_stat1) gets them copied to fx_stats. The store's meta table records the format.
 *
 * Thread-safety: the caller's connection; create and drop inside the caller's transaction,
 * migrate in a transaction of its own.
 */
#ifndef RL_COLLTAB_H
#define RL_COLLTAB_H

#include "err.h"

#include <sqlite3.h>

#define RL_STORE_FORMAT 8

/* Create the tables of a new collection table tbl. */
int rl_colltab_create(sqlite3 *db, const char *tbl, rs_err *err);
/* Drop the tables of tbl and forget its catalog and pending rows. */
int rl_colltab_drop(sqlite3 *db, const char *tbl, rs_err *err);
/* Bring the store to RL_STORE_FORMAT (nothing to do when it is already there). */
int rl_colltab_migrate(sqlite3 *db, rs_err *err);

#endif
