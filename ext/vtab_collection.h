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
 * collection_stream (see below).
 */
#ifndef RS_EXT_VTAB_COLLECTION_H
#define RS_EXT_VTAB_COLLECTION_H

#include "api/api.h"
#include "conn.h"
#include "scan/planner.h"
#include "scan/rowdecode.h"

#include <sqlite3ext.h>

typedef struct collection_writes collection_writes;

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
    double doc_count_at; /* when it was asked (collection_now), so that it is asked again later */
    int page_size;       /* this table's page size; 0 = the session's */
    int batch_size;      /* this table's batch size; 0 = the session's */
    collection_writes *writes; /* pending writes (vtab_collection_write.c) */
} collection_vtab;

/* Seconds on a monotonic clock. */
double collection_now(void);
/* The collection ws.coll, or - when the name is an alias (a table model's relation) - the first
 * collection the alias points to: reads go through the alias, which Rockset resolves. */
int collection_info_get(rs_api *api, const char *ws, const char *coll, rs_collection *info,
                        rs_err *err);

/* Page and batch sizes in effect. */
long long collection_page_size(const collection_vtab *vt);
int collection_batch_size(const collection_vtab *vt);

/* Before a read: send what this table has buffered and wait on the collection's commit fence
 * for the last write this connection made to it, so the read sees it. */
int collection_read_barrier(collection_vtab *vt, rs_err *err);

/* ---------------------------------------------------------------- pages and the stream */

/* One page of rows, taken over from its response without a copy: row i is rows[i], pointing
 * into data (the response's text). A page the stream's thread fetched also has each row's
 * values of the stream decoder's columns, found in the walk that checked the row
 * (vals[i * n_cols + c], pointing into data; vals NULL when the page could not be indexed so):
 * the reader then only decodes. */
typedef struct collection_page {
    char *data;
    rs_jsonscan_span *rows;
    size_t n;
    rs_jsonscan_span *vals;
    size_t n_cols;
} collection_page;

void collection_page_free(collection_page *page); /* leaves it empty; NULL-safe */
/* Take the rows of res's current page into *page (which must be empty): res keeps no rows. */
void collection_page_take(rs_query_result *res, collection_page *page);

/* Fetches the remaining pages of a result on its own thread, up to READY_PAGES pages ahead of
 * the reader (vtab_collection_stream.c), with its own client (rs_api_clone): at most
 * READY_PAGES + 2 pages exist at once (being read, ready, being fetched), however large the
 * result. The thread touches only the stream. */
typedef struct collection_stream collection_stream;

/* Start fetching the pages after res's current one (res is taken over, also on failure). With
 * a decoder (may be NULL), the thread also finds each row's values for the decoder's columns
 * in the walk that checks the row (a copy of the decoder works there), so that the reader,
 * SQLite's thread, only decodes cells. */
int collection_stream_start(const rs_api *api, rs_query_result *res, long long page_size,
                            const rs_rowdecode *decoder, collection_stream **out, rs_err *err);
/* The next page (n == 0: the result is exhausted). Waits for the thread; polls should_stop
 * (may be NULL) every 50 ms while waiting and then stops the stream (RS_EINTERRUPT). */
int collection_stream_next(collection_stream *s, int (*should_stop)(void *), void *stop_ctx,
                           collection_page *page, rs_err *err);
/* Stop the thread (it aborts a request in flight), add its client's counters to *stats, free
 * everything. NULL-safe. */
void collection_stream_close(collection_stream *s, rs_http_stats *stats);

/* ---------------------------------------------------------------- writes */

int collection_writes_new(collection_writes **out);
void collection_writes_free(collection_writes *w);
/* Documents buffered and not sent. */
size_t collection_writes_pending(const collection_writes *w);
/* Send everything buffered, in order, batch_size documents per request; remember the last
 * offset for collection_read_barrier. A document the server refused fails the call with a message
 * naming it. */
int collection_writes_flush(collection_vtab *vt, rs_err *err);
/* Forget everything buffered (ROLLBACK). */
void collection_writes_discard(collection_writes *w);

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
