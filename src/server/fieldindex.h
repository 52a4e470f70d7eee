/*
 * fieldindex.h - rockset-local's index on every field path (docs/indexing.md).
 *
 * Rockset indexed every field of every document; rockset-local gives each collection's data
 * table one SQLite expression index per scalar field path its documents have (top-level and
 * nested objects, not through arrays):
 *
 *     CREATE INDEX "<tbl>_fx<N>" ON "<tbl>_data"(rs_skey(rs_get(doc, 'a', 'b')))
 *         WHERE doc IS NOT NULL
 *
 * rs_skey is Rockset's total order as one blob (runtime/fn_core.c), so the index serves
 * equality, IN, ranges, prefixes and IS NULL by byte comparison, and ORDER BY in index order.
 * SQLite keeps the index as documents are added, patched and deleted. The translator writes
 * the same expression next to a predicate it can serve (sqlx_emit.c, "index conjuncts") and
 * reads a collection as two arms, visible documents and pending ones, so that SQLite pushes
 * the predicate into the arm over "<tbl>_data" and picks the index; "<tbl>_pending" indexes
 * the few rows whose new version is not visible yet.
 *
 * Paths are discovered as documents are written: the first document that has a path creates
 * its index (SQLite builds it over the rows already there). At most RL_FX_MAX_PATHS paths per
 * collection, in the order they first appear, are indexed; keys longer than RL_FX_MAX_KEY
 * bytes and paths deeper than RL_FX_MAX_DEPTH are not. The list lives in the table
 * field_indexes(tbl, args) of the store, args being the rs_get arguments as SQL text.
 *
 * Thread-safety: an rl_fieldindex belongs to one write (one thread, one connection).
 */
#ifndef RL_FIELDINDEX_H
#define RL_FIELDINDEX_H

#include "err.h"

#include <sqlite3.h>
#include <stddef.h>

#define RL_FX_MAX_PATHS 64
#define RL_FX_MAX_DEPTH 4
#define RL_FX_MAX_KEY   128

typedef struct rl_fieldindex {
    char tbl[128];
    char *args[RL_FX_MAX_PATHS]; /* rs_get arguments of each indexed path: 'a','b' */
    int n_paths;
    int n_created; /* args[n_created ..] are new: rl_fieldindex_flush creates their indexes */
    int disabled;  /* rockset-local --field-index off: note nothing */
} rl_fieldindex;

/* The store's table of indexed paths (part of the store schema). */
#define RL_FX_SCHEMA_SQL                                                                         \
    "CREATE TABLE IF NOT EXISTS field_indexes(tbl TEXT NOT NULL, args TEXT NOT NULL,"           \
    " PRIMARY KEY(tbl, args));"

/* Load the paths of collection table tbl and make sure its pending-rows index exists. */
int rl_fieldindex_load(rl_fieldindex *fx, sqlite3 *db, const char *tbl, rs_err *err);

/* Note every new scalar path of the document text doc (a JSON object). No SQL runs: the
 * writer's statements may be active. */
int rl_fieldindex_note_doc(rl_fieldindex *fx, const char *doc, rs_err *err);

/* Create the indexes of the paths noted since the last flush, inside the caller's write
 * transaction, with none of the connection's statements running. */
int rl_fieldindex_flush(rl_fieldindex *fx, sqlite3 *db, rs_err *err);

/* Forget the paths of a dropped collection (its indexes go with its table). */
int rl_fieldindex_drop(sqlite3 *db, const char *tbl, rs_err *err);

void rl_fieldindex_free(rl_fieldindex *fx);

#endif
