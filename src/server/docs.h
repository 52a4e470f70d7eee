/*
 * docs.h - writing documents into a collection (Write API and INSERT INTO): _id generation,
 * _event_time, upsert, JSON-patch operations, delete, offsets and collection stats.
 *
 * Document bodies never pass through cJSON: they are handled as JSON text by SQLite's JSON
 * functions, so 64-bit integers and nesting stay exact.
 *
 * Where a write goes: with --ingest-delay-ms 0 straight into the collection's table of visible
 * documents "<tbl>_data", keeping its catalog (fieldindex.h) as documents enter and leave it;
 * with a delay into "<tbl>_pending", applied later in the same way (pending.h).
 *
 * Usage: rl_docs_begin (opens a write transaction and takes the next offset), any number of
 * rl_docs_add / rl_docs_patch / rl_docs_remove (each may fail alone with RS_EINVAL or
 * RS_ENOTFOUND, leaving the others), then rl_docs_end (commit, or roll back when ok == 0).
 * Thread-safety: a rl_docwrite belongs to one thread and its connection.
 */
#ifndef RL_DOCS_H
#define RL_DOCS_H

#include "fieldindex.h"
#include "ingest.h"
#include "pending.h"
#include "server.h"

typedef struct rl_docwrite {
    sqlite3 *db;
    char ws[128];
    char coll[128];
    char tbl[128];
    char *event_time_path;    /* '$."field"' from event_time_info (sqlite3_malloc'd) or NULL */
    int64_t event_time_scale; /* ms per unit of that field: 1 or 1000 */
    int64_t seq;
    int64_t now_ms;
    int64_t vis_ms;
    int delayed; /* writes go to "<tbl>_pending" (pending.h), not "<tbl>_data" */
    int n_pending;
    rl_pending *pending;
    int64_t bytes_inserted;
    int64_t bytes_overwritten;
    int n_written;
    sqlite3_stmt *cache[7]; /* statements reused across documents; finalized by rl_docs_end */
    rl_fieldindex fields;   /* the collection's catalog, kept as documents come and go */
    rl_ingest *ingest;      /* the collection's ingest transformation (ingest.h), or NULL */
    int64_t retention_ms;   /* > 0: a document older than this by _event_time is not kept */
    int64_t purged_docs;    /* documents the retention dropped at write, and their bytes */
    int64_t purged_bytes;
} rl_docwrite;

/* Start a write to ws.coll. RS_ENOTFOUND when there is no such collection (message names it),
 * RS_EINVAL when ws.coll is an alias. */
int rl_docs_begin(rl_docwrite *w, sqlite3 *db, const rl_server *srv, const char *ws,
                  const char *coll, rs_err *err);
/* Add or replace one document (JSON object text), through the collection's ingest
 * transformation when it has one, its _op (INSERT, UPDATE, UPSERT, DELETE, REPLACE, REPSERT)
 * obeyed. id_out receives its _id (a rollup's raw document: a fresh one, it is not kept). */
int rl_docs_add(rl_docwrite *w, const char *doc_json, char id_out[256], rs_err *err);
/* Apply a JSON array of patch operations to the document with this _id (its newest version,
 * pending or visible). */
int rl_docs_patch(rl_docwrite *w, const char *id, const char *ops_json, rs_err *err);
/* Store a complete document text (already carrying _id and _event_time) under id; used by
 * rl_docs_add and the patch code. */
int rl_docs_put_final(rl_docwrite *w, const char *id, const char *final, rs_err *err);
/* Delete the document with this _id (deleting a missing one is not an error). */
int rl_docs_remove(rl_docwrite *w, const char *id, rs_err *err);
/* The newest version of document id (pending or visible): *doc malloc'd, NULL when there is
 * none (or it is deleted). */
int rl_docs_newest(rl_docwrite *w, const char *id, char **doc, rs_err *err);
/* Whether the collection is a rollup: documents can be added, not patched or deleted. */
int rl_docs_insert_only(const rl_docwrite *w);
/* Finish: commit (ok != 0; a rollup's queued documents are folded first) or roll back; offset
 * receives the write's last_offset. Always frees what begin took. */
int rl_docs_end(rl_docwrite *w, int ok, char offset[48], rs_err *err);

/* The commit offset seq: the newest write whose ingest delay has passed (0 when none). */
int rl_docs_commit_seq(sqlite3 *db, const rl_server *srv, int64_t *seq, rs_err *err);

/* Changes to the visible table of collection table tbl outside a Write API write (the pending
 * applier), inside the caller's transaction: begin, any number of rl_docs_apply (doc NULL
 * deletes id), end (writes the catalog when ok; *grown: the collection doubled since its last
 * statistics; always frees what begin took). */
int rl_docs_apply_begin(rl_docwrite *w, sqlite3 *db, const char *tbl, int indexes_on, rs_err *err);
int rl_docs_apply(rl_docwrite *w, const char *id, const char *doc, int64_t seq, rs_err *err);
int rl_docs_apply_end(rl_docwrite *w, int ok, int *grown, rs_err *err);

#endif
