/*
 * ingest.h - a collection's ingest transformation applied as documents are written: the plain
 * form maps each document (rl_ingest_map), a rollup folds documents into their groups
 * (rl_ingest_queue, then rl_ingest_flush before the write commits). The statements come from
 * server/sql/sqlx_ingest.h, compiled once per write (a batch), never per document. The rules are
 * written down in docs/rockset-local.md, "Ingest transformations and rollups".
 *
 * A rollup's state is kept per group in "<tbl>_rollup"(gkey, gid, state, et_ms): gkey the JSON
 * text of the group's key values, gid the group document's _id (made from gkey, so a group has
 * one _id for good), state its partial aggregates, et_ms the time the group was first seen (its
 * _event_time unless the rollup selects one). The state changes in the write's own transaction:
 * a batch counts once or not at all, across crashes and restarts.
 *
 * Documents pass through temporary tables of the write's connection: temp.rl_in (the rows a
 * map, merge or final statement reads) and temp.rl_batch (a rollup's queued raw documents).
 *
 * Thread-safety: an rl_ingest belongs to one write (one thread, one connection).
 */
#ifndef RL_INGEST_H
#define RL_INGEST_H

#include "err.h"
#include "server/sql/sqlx_ingest.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rl_ingest {
    sqlx_ingest q;
    sqlite3 *db;
    char tbl[128];
    sqlite3_stmt *st[10]; /* prepared on first use (ingest.c names them); rl_ingest_free */
    int n_queued;
} rl_ingest;

/* Check a field_mapping_query's SQL (create and update): 0 and *rollup, or RS_EINVAL with the
 * message naming the clause. */
int rl_ingest_check(const char *sql, int *rollup, rs_err *err);

/* Whether sql (NULL: none) is a rollup that compiles (insert_only, a query that cannot change). */
int rl_ingest_is_rollup(const char *sql);

/* The SQL of a stored field_mapping_query ({"sql": ...} JSON text), malloc'd, or NULL. */
char *rl_ingest_sql_of(const char *fmq_json);

/* Compile sql for a write to collection table tbl on db (inside the write's transaction). */
int rl_ingest_load(rl_ingest *ing, sqlite3 *db, const char *tbl, const char *sql, rs_err *err);
void rl_ingest_free(rl_ingest *ing);

/* Plain transformation: *out (malloc'd) the document doc becomes, NULL when WHERE drops it. */
int rl_ingest_map(rl_ingest *ing, const char *doc, char **out, rs_err *err);

/* Rollup: queue one raw document; the caller flushes when rl_ingest_queued says so and before
 * committing. */
int rl_ingest_queue(rl_ingest *ing, const char *doc, rs_err *err);
int rl_ingest_queued(const rl_ingest *ing);

/* Fold the queued documents into their groups: for each group they change, put(ctx, gid, doc,
 * et_ms) with the group's new document (doc NULL: HAVING rejects it now). */
typedef int (*rl_ingest_put_fn)(void *ctx, const char *gid, const char *doc, int64_t et_ms,
                                rs_err *err);
int rl_ingest_flush(rl_ingest *ing, int64_t now_ms, rl_ingest_put_fn put, void *ctx, rs_err *err);

/* ---- special fields (every write, transformed or not) ---- */

/* A document's _event_time value (JSON text span) as Rockset's ingest reads it: a timestamp, an
 * ISO 8601 string, or epoch milliseconds (an integer beyond year 9999 in milliseconds is read
 * as microseconds). 0 and *micros, or RS_EINVAL naming the value's type. */
int rl_ingest_event_time(const char *value, size_t len, int64_t *micros, rs_err *err);

/* The top-level members of upd written over those of old (Rockset's UPDATE / UPSERT _op):
 * malloc'd JSON object text, or NULL when out of memory. */
char *rl_ingest_merge_top(const char *old_doc, const char *upd);

/* doc with its top-level member name set to value_json (NULL: removed): malloc'd, or NULL when
 * out of memory. */
char *rl_ingest_set_member(const char *doc, const char *name, const char *value_json);

#endif
