/*
 * retention.h - a collection's retention_secs enforced: a document whose _event_time is older
 * than that is gone. A write drops such a document at once (docs.c); one that ages past it
 * later is purged before the next query reads the store (rl_retention_purge, called where
 * pending writes are applied) and by the store's background worker every few seconds, so that
 * it disappears from queries at once and its space is reclaimed without them. A purge removes
 * the document through the same path as a delete (the catalog and indexes follow) and, for a
 * rollup, its group's state.
 *
 * Each collection with a retention has an index "<tbl>_et" on its documents' _event_time (the
 * stored ISO text, which orders as time): finding nothing to purge is one index probe.
 *
 * Thread-safety: the caller's connection, outside a transaction (each purge is one of its own).
 */
#ifndef RL_RETENTION_H
#define RL_RETENTION_H

#include "err.h"

#include <sqlite3.h>

/* Create the _event_time index of collection table tbl (inside the caller's transaction). */
int rl_retention_index(sqlite3 *db, const char *tbl, rs_err *err);

/* Purge every collection's documents past its retention. indexes_on: the server's
 * --field-index (the catalog kept as on any write). */
int rl_retention_purge(sqlite3 *db, int indexes_on, rs_err *err);

#endif
