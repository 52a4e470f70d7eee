/*
 * vtab_collection.h - what the files of the `rockset` virtual-table module share:
 *
 *   vtab_collection.c         the module: arguments, schema, create/connect/destroy
 *   vtab_collection_scan.c    reading: xBestIndex, xFilter, the cursor
 *   vtab_collection_stream.c  the prefetch thread that fetches the next page of a result
 *   vtab_collection_write.c   writing: xUpdate, batches, transactions, savepoints
 *
 * Ownership: a collection_vtab owns its strings, schema and pending writes; it borrows the
 * rs_conn (the module's client data outlives every table). Thread-safety: everything here runs
 * under the connection's mutex, except the stream's own thread, which touches nothing but its
 * coll_stream (see below).
 */
#ifndef RS_EXT_VTAB_COLLECTION_H
#define RS_EXT_VTAB_COLLECTION_H

#include "api/api.h"
#include "conn.h"
#include "scan/planner.h"

#include <sqlite3ext.h>

typedef struct coll_writes coll_writes;

typedef struct collection_vtab {
    sqlite3_vtab base; /* Base class. Must be first */
    rs_conn *conn;     /* borrowed */
    sqlite3 *db;       /* borrowed: the connection the table lives in */
    char *db_name;     /* schema ("main", "temp", ...) and table name, for the shadow table */
    char *table;
    char *ws; /* workspace and collection names; malloc'd */
    char *coll;
    rs_schema schema;    /* _id, fields, _event_time, _doc */
    long long doc_count; /* collection stats, for estimates; -1 unknown, -2 not asked yet */
    double doc_count_at; /* when it was asked (coll_now), so that it is asked again later */
    int page_size;       /* this table's page size; 0 = the session's */
    int batch_size;      /* this table's batch size; 0 = the session's */
    coll_writes *writes; /* pending writes (vtab_collection_write.c) */
} collection_vtab;

/* Seconds on a monotonic clock. */
double coll_now(void);
/* The collection ws.coll, or - when the name is an alias (a table model's relation) - the first
 * collection the alias points to: reads go through the alias, which Rockset resolves. */
int coll_info_get(rs_api *api, const char *ws, const char *coll, rs_collection *info, rs_err *err);

/* Page and batch sizes in effect. */
long long coll_page_size(const collection_vtab *vt);
int coll_batch_size(const collection_vtab *vt);

/* Before a read: send what this table has buffered and wait on the collection's commit fence
 * for the last write this connection made to it, so the read sees it. */
int coll_read_barrier(collection_vtab *vt, rs_err *err);

/* ---------------------------------------------------------------- pages and the stream */

/* One page of rows, copied out of a response: row i is data[off[i] .. off[i] + len[i]). */
typedef struct coll_page {
    char *data;
    size_t *off;
    size_t *len;
    size_t n;
} coll_page;

void coll_page_free(coll_page *page); /* leaves it empty; NULL-safe */
/* Copy the rows of res's current page into *page (which must be empty). */
int coll_page_from_result(const rs_query_result *res, coll_page *page, rs_err *err);

/* Fetches the remaining pages of a result on its own thread, one page ahead of the reader,
 * with its own client (rs_api_clone): at most three pages exist at once (being read, ready,
 * being fetched), however large the result. The thread touches only the stream. */
typedef struct coll_stream coll_stream;

/* Start fetching the pages after res's current one (res is taken over, also on failure). */
int coll_stream_start(const rs_api *api, rs_query_result *res, long long page_size,
                      coll_stream **out, rs_err *err);
/* Send the query q (copied) on the stream's own thread, asking for first_page rows in its first
 * response, which becomes the stream's first page: the caller may do other work meanwhile. */
int coll_stream_query(const rs_api *api, const rs_query_text *q, long long first_page,
                      long long page_size, coll_stream **out, rs_err *err);
/* The query id of a coll_stream_query stream, once its first page was taken ("" before). */
const char *coll_stream_query_id(const coll_stream *s);
/* The next page (n == 0: the result is exhausted). Waits for the thread; polls should_stop
 * (may be NULL) every 50 ms while waiting and then stops the stream (RS_EINTERRUPT). */
int coll_stream_next(coll_stream *s, int (*should_stop)(void *), void *stop_ctx, coll_page *page,
                     rs_err *err);
/* Stop the thread (it aborts a request in flight), add its client's counters to *stats, free
 * everything. NULL-safe. */
void coll_stream_close(coll_stream *s, rs_http_stats *stats);

/* ---------------------------------------------------------------- writes */

int coll_writes_new(coll_writes **out);
void coll_writes_free(coll_writes *w);
/* Documents buffered and not sent. */
size_t coll_writes_pending(const coll_writes *w);
/* Send everything buffered, in order, batch_size documents per request; remember the last
 * offset for coll_read_barrier. A document the server refused fails the call with a message
 * naming it. */
int coll_writes_flush(collection_vtab *vt, rs_err *err);
/* Forget everything buffered (ROLLBACK). */
void coll_writes_discard(coll_writes *w);

/* The module's xUpdate and transaction methods. */
int collectionUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid);
int collectionBegin(sqlite3_vtab *pVtab);
int collectionSync(sqlite3_vtab *pVtab);
int collectionCommit(sqlite3_vtab *pVtab);
int collectionRollback(sqlite3_vtab *pVtab);
int collectionSavepoint(sqlite3_vtab *pVtab, int iSavepoint);
int collectionRelease(sqlite3_vtab *pVtab, int iSavepoint);
int collectionRollbackTo(sqlite3_vtab *pVtab, int iSavepoint);

/* The module's read methods (vtab_collection_scan.c). */
int collectionBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *info);
int collectionOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor);
int collectionClose(sqlite3_vtab_cursor *pCursor);
int collectionFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv);
int collectionNext(sqlite3_vtab_cursor *pCursor);
int collectionEof(sqlite3_vtab_cursor *pCursor);
int collectionColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i);
int collectionRowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid);

#endif
