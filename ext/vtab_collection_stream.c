/*
 * vtab_collection_stream.c - pages of a result, fetched one page ahead on a thread of their own
 * (see vtab_collection.h).
 *
 * HOW IT WORKS. The reader (SQLite's thread, in xNext) holds the page it walks; the fetcher
 * thread owns the rs_query_result and its own client (rs_api_clone, so it never shares a curl
 * handle) and keeps exactly one finished page ready: it fetches page k+1 while the reader walks
 * page k, then waits until the reader takes it. Pages are copied out of the response (one
 * memcpy of the rows' bytes), so the response buffer is reused for the next fetch.
 *
 * Handshake (all under mu; cv signals every change):
 *   fetcher: wait while `has_ready` and not `stop`; fetch; publish into `ready` + `has_ready`,
 *            or set `failed` (+ err) / `done`; exit on stop, failure or the last page.
 *   reader:  wait while not `has_ready`, `done`, `failed` (50 ms slices, checking should_stop);
 *            take `ready`.
 * `stop` is also read without the lock (atomically) by the clone's should_stop callback, so a
 * request in flight ends within ~50 ms when the cursor is closed.
 *
 * With a decoder, the fetcher also finds each row's column values of a page it fetched
 * (index_page), but only while the reader is still busy with the page before (`reader_waiting`
 * clear): then that work is done in time the fetcher would spend waiting, and the reader only
 * decodes cells. A reader already waiting gets the page at once and finds the values itself.
 *
 * A stream made by collection_stream_query sends the query itself first (the fetcher's first "page"
 * is the query's first response), so that the reader can meanwhile wait for another query: the
 * two parts of a split ORDER BY run side by side.
 */
#include "vtab_collection.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The query a collection_stream_query stream sends first: copies, freed once sent. */
typedef struct first_query {
    char *sql;
    char **names, **types, **values;
    size_t n;
    long long first_page;
} first_query;

struct collection_stream {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rs_api *api;          /* the clone; used by the fetcher only */
    rs_query_result *res; /* owned by the fetcher while it runs */
    long long page_size;
    collection_page ready; /* the next page, when has_ready */
    int has_ready;
    int done;   /* no page will follow `ready` */
    int failed; /* err holds why */
    rs_err err;
    atomic_int stop;           /* the reader asks the fetcher to quit */
    first_query *first;        /* not sent yet (collection_stream_query); the fetcher's */
    rs_rowdecode *decoder;     /* the fetcher's copy, or NULL: pages are not indexed ahead */
    atomic_int reader_waiting; /* the reader waits for the next page (index_page's cue) */
    char *query_id;            /* its id once sent; read after the first page was taken */
};

void collection_page_free(collection_page *page) {
    if (page == NULL)
        return;
    free(page->data);
    free(page->off);
    free(page->len);
    free(page->vals);
    memset(page, 0, sizeof(*page));
}

int collection_page_from_result(const rs_query_result *res, collection_page *page, rs_err *err) {
    size_t n = rs_query_result_row_count(res), i, total;
    rs_jsonscan_span first, last;

    memset(page, 0, sizeof(*page));
    if (n == 0)
        return RS_OK;
    first = rs_query_result_row(res, 0);
    last = rs_query_result_row(res, n - 1);
    total = (size_t)(last.ptr + last.len - first.ptr);
    page->data = malloc(total + 1);
    page->off = malloc(n * sizeof(size_t));
    page->len = malloc(n * sizeof(size_t));
    if (page->data == NULL || page->off == NULL || page->len == NULL) {
        collection_page_free(page);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    /* the rows are consecutive in the response: one copy keeps them all */
    memcpy(page->data, first.ptr, total);
    page->data[total] = '\0';
    for (i = 0; i < n; i++) {
        rs_jsonscan_span row = rs_query_result_row(res, i);
        page->off[i] = (size_t)(row.ptr - first.ptr);
        page->len[i] = row.len;
    }
    page->n = n;
    return RS_OK;
}

static int stream_should_stop(void *ctx) {
    collection_stream *s = ctx;

    return atomic_load(&s->stop);
}

#define MAX_INDEXED_VALUES (1u << 20)

/* Find every row's column values (page->vals). A row that cannot be indexed leaves the page
 * without them: the reader indexes its rows itself and reports that row as it always did. */
static void index_page(collection_stream *s, collection_page *page) {
    size_t n_cols = s->decoder != NULL ? rs_rowdecode_columns(s->decoder) : 0, i;
    rs_err err;

    /* bounded: 16 bytes a value, at most three pages alive; wider or larger pages are read the
     * way they always were (the reader finds each row's values) */
    if (n_cols == 0 || page->n == 0 || page->n > MAX_INDEXED_VALUES / n_cols)
        return;
    page->vals = malloc(page->n * n_cols * sizeof(rs_jsonscan_span));
    for (i = 0; page->vals != NULL && i < page->n; i++) {
        rs_jsonscan_span row = {page->data + page->off[i], page->len[i]};
        rs_err_reset(&err);
        if (rs_rowdecode_index_into(s->decoder, row, page->vals + i * n_cols, &err) != RS_OK) {
            free(page->vals);
            page->vals = NULL;
        }
    }
    page->n_cols = page->vals != NULL ? n_cols : 0;
}

/* Fetch the next page into *page (n == 0 and *last set at the end). */
static int fetch_one(collection_stream *s, collection_page *page, int *last, rs_err *err) {
    int rc = rs_api_query_next_page(s->api, s->res, s->page_size, err);

    if (rc == RS_OK)
        rc = collection_page_from_result(s->res, page, err);
    *last = rc != RS_OK || !rs_query_result_has_more(s->res);
    return rc;
}

static void first_query_free(first_query *f) {
    size_t i;

    if (f == NULL)
        return;
    for (i = 0; i < f->n; i++) {
        free(f->names[i]);
        free(f->types[i]);
        free(f->values[i]);
    }
    free(f->names);
    free(f->types);
    free(f->values);
    free(f->sql);
    free(f);
}

static first_query *first_query_copy(const rs_query_text *q, long long first_page) {
    first_query *f = calloc(1, sizeof(*f));
    size_t i, n = q->n_params;
    int ok;

    if (f == NULL)
        return NULL;
    f->first_page = first_page;
    f->sql = strdup(rs_buf_cstr(&q->sql));
    f->names = calloc(n + 1, sizeof(char *));
    f->types = calloc(n + 1, sizeof(char *));
    f->values = calloc(n + 1, sizeof(char *));
    ok = f->sql != NULL && f->names != NULL && f->types != NULL && f->values != NULL;
    for (i = 0; ok && i < n; i++) {
        f->n = i + 1; /* counted first: a failure frees what this entry got */
        f->names[i] = strdup(q->names[i]);
        f->types[i] = strdup(q->types[i]);
        f->values[i] = strdup(q->values[i]);
        ok = f->names[i] != NULL && f->types[i] != NULL && f->values[i] != NULL;
    }
    if (!ok) {
        first_query_free(f);
        return NULL;
    }
    return f;
}

/* Send the stream's query; its first response is the first page (*last: the only one). */
static int fetch_first(collection_stream *s, collection_page *page, int *last, rs_err *err) {
    first_query *f = s->first;
    rs_query_param *params = calloc(f->n + 1, sizeof(*params));
    rs_query_request req;
    const char *id;
    size_t i;
    int rc;

    *last = 1;
    if (params == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (i = 0; i < f->n; i++) {
        params[i].name = f->names[i];
        params[i].type = f->types[i];
        params[i].value = f->values[i];
    }
    memset(&req, 0, sizeof(req));
    req.sql = f->sql;
    req.params = params;
    req.n_params = f->n;
    req.max_initial_results = f->first_page;
    req.idempotent = 1;
    rc = rs_api_query(s->api, &req, &s->res, err);
    free(params);
    if (rc == RS_OK)
        rc = collection_page_from_result(s->res, page, err);
    id = rc == RS_OK ? rs_query_result_id(s->res) : NULL;
    if (rc == RS_OK && (s->query_id = strdup(id != NULL ? id : "")) == NULL) {
        collection_page_free(page);
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    *last = rc != RS_OK || !rs_query_result_has_more(s->res);
    first_query_free(s->first);
    s->first = NULL;
    return rc;
}

static void *fetcher_main(void *arg) {
    collection_stream *s = arg;
    collection_page page;
    rs_err err;
    int rc, last = 0;

    pthread_mutex_lock(&s->mu);
    while (!atomic_load(&s->stop) && !last) {
        while (s->has_ready && !atomic_load(&s->stop))
            pthread_cond_wait(&s->cv, &s->mu);
        if (atomic_load(&s->stop))
            break;
        pthread_mutex_unlock(&s->mu);
        rs_err_clear(&err);
        rc = s->first != NULL ? fetch_first(s, &page, &last, &err)
                              : fetch_one(s, &page, &last, &err);
        /* finding the rows' values is work either thread can do: this one does it while the
         * reader is still busy with the page before (time it would spend waiting), never while
         * the reader waits for this page */
        if (rc == RS_OK && !atomic_load(&s->reader_waiting))
            index_page(s, &page);
        pthread_mutex_lock(&s->mu);
        if (rc != RS_OK) {
            s->failed = 1;
            s->err = err;
        } else {
            s->ready = page;
            s->has_ready = 1;
        }
        s->done = last;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Give s its own client and start its fetcher; on failure s is freed (with res and first). */
static int stream_launch(const rs_api *api, collection_stream *s, collection_stream **out,
                         rs_err *err) {
    int rc;

    atomic_init(&s->stop, 0);
    atomic_init(&s->reader_waiting, 0);
    rc = rs_api_clone(api, &s->api, err);
    if (rc != RS_OK) {
        rs_query_result_free(s->res);
        first_query_free(s->first);
        rs_rowdecode_free(s->decoder);
        free(s);
        return rc;
    }
    /* the clone must not call back into SQLite from another thread: it watches the stop flag */
    rs_http_set_stop(rs_api_http(s->api), stream_should_stop, s);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, fetcher_main, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        rs_api_close(s->api);
        rs_query_result_free(s->res);
        first_query_free(s->first);
        rs_rowdecode_free(s->decoder);
        free(s);
        return rs_err_set(err, RS_EINTERNAL, "rockset: cannot start the page fetcher thread");
    }
    *out = s;
    return RS_OK;
}

int collection_stream_start(const rs_api *api, rs_query_result *res, long long page_size,
                            const rs_rowdecode *decoder, collection_stream **out, rs_err *err) {
    collection_stream *s = calloc(1, sizeof(*s));

    if (s != NULL && decoder != NULL && (s->decoder = rs_rowdecode_copy(decoder)) == NULL) {
        free(s);
        s = NULL;
    }
    if (s == NULL) {
        rs_query_result_free(res);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    s->res = res;
    s->page_size = page_size;
    return stream_launch(api, s, out, err);
}

int collection_stream_query(const rs_api *api, const rs_query_text *q, long long first_page,
                            long long page_size, const rs_rowdecode *decoder,
                            collection_stream **out, rs_err *err) {
    collection_stream *s = calloc(1, sizeof(*s));

    if (s != NULL)
        s->first = first_query_copy(q, first_page);
    if (s != NULL && decoder != NULL)
        s->decoder = rs_rowdecode_copy(decoder);
    if (s == NULL || s->first == NULL || (decoder != NULL && s->decoder == NULL)) {
        if (s != NULL) {
            first_query_free(s->first);
            rs_rowdecode_free(s->decoder);
        }
        free(s);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    s->page_size = page_size;
    return stream_launch(api, s, out, err);
}

const char *collection_stream_query_id(const collection_stream *s) {
    return s->query_id != NULL ? s->query_id : "";
}

/* Wait on cv for at most 50 ms. */
static void wait_slice(collection_stream *s) {
    struct timespec until;

    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 50 * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&s->cv, &s->mu, &until);
}

int collection_stream_next(collection_stream *s, int (*should_stop)(void *), void *stop_ctx,
                           collection_page *page, rs_err *err) {
    int rc = RS_OK;

    memset(page, 0, sizeof(*page));
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->reader_waiting, 1);
    while (!s->has_ready && !s->done && !s->failed) {
        wait_slice(s);
        if (!s->has_ready && should_stop != NULL && should_stop(stop_ctx)) {
            atomic_store(&s->stop, 1);
            pthread_cond_broadcast(&s->cv);
            rc = rs_err_set(err, RS_EINTERRUPT, "rockset: interrupted");
            break;
        }
    }
    atomic_store(&s->reader_waiting, 0);
    if (rc == RS_OK && s->has_ready) {
        *page = s->ready;
        memset(&s->ready, 0, sizeof(s->ready));
        s->has_ready = 0;
        pthread_cond_broadcast(&s->cv);
    } else if (rc == RS_OK && s->failed) {
        *err = s->err;
        rc = err->code != RS_OK ? err->code : RS_EINTERNAL;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

void collection_stream_close(collection_stream *s, rs_http_stats *stats) {
    rs_http_stats mine;

    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    atomic_store(&s->stop, 1);
    pthread_cond_broadcast(&s->cv);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->thread, NULL);
    rs_http_get_stats(rs_api_http(s->api), &mine);
    if (stats != NULL) {
        stats->requests += mine.requests;
        stats->retries += mine.retries;
        stats->bytes_sent += mine.bytes_sent;
        stats->bytes_received += mine.bytes_received;
    }
    collection_page_free(&s->ready);
    rs_api_close(s->api);
    rs_query_result_free(s->res);
    first_query_free(s->first);
    rs_rowdecode_free(s->decoder);
    free(s->query_id);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s);
}
