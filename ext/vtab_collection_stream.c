/*
 * vtab_collection_stream.c - pages of a result, fetched ahead on a thread of their own (see
 * vtab_collection.h).
 *
 * HOW IT WORKS. The reader (SQLite's thread, in xNext) holds the page it walks; the fetcher
 * thread owns the rs_query_result and its own client (rs_api_clone, so it never shares a curl
 * handle) and keeps up to READY_PAGES finished pages ready: it fetches page k+1, k+2 while the
 * reader walks page k. A page is taken over from its response (rs_query_result_take_page), not
 * copied.
 *
 * Handshake (all under mu; cv signals every change):
 *   fetcher: wait while READY_PAGES pages are ready and not `stop`; fetch; append to `ready`,
 *            or set `failed` (+ err) / `done`; exit on stop, failure or the last page.
 *   reader:  wait while no page is ready and not `done`, `failed` (50 ms slices, checking
 *            should_stop); take the oldest ready page.
 * `stop` is also read without the lock (atomically) by the clone's should_stop callback, so a
 * request in flight ends within ~50 ms when the cursor is closed.
 *
 * With a decoder, the fetcher checks each row of a page with it (rs_rowdecode_check_index, the
 * result's row reader: api.h) instead of the page's own walk, and so finds the row's column
 * values in the walk that checks it: the reader then only decodes cells. Ready pages smooth
 * out the two threads' unequal pace: with one, each waited for the other a third of the time.
 */
#include "vtab_collection.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Pages kept ready ahead of the reader (see the top). */
#define READY_PAGES 2
/* A page's values found ahead, at most: 16 bytes each, at most READY_PAGES + 2 pages alive;
 * wider or larger pages are read the way they always were (the reader finds each row's values). */
#define MAX_INDEXED_VALUES (1u << 19)

/* The fetcher's row reader (api.h): each row checked and indexed in one walk. */
typedef struct page_index {
    rs_rowdecode *decoder; /* the fetcher's copy */
    size_t n_cols;
    rs_jsonscan_span *vals; /* n rows of n_cols values, for the page being fetched */
    size_t n, cap;
    int off; /* this page is not indexed: its rows are only checked */
} page_index;

struct collection_stream {
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    rs_api *api;          /* the clone; used by the fetcher only */
    rs_query_result *res; /* owned by the fetcher while it runs */
    long long page_size;
    collection_page ready[READY_PAGES]; /* ready[0] is the oldest */
    int n_ready;
    int done;   /* no page will follow the ready ones */
    int failed; /* err holds why */
    rs_err err;
    atomic_int stop;  /* the reader asks the fetcher to quit */
    page_index index; /* decoder NULL: pages are not indexed ahead */
};

void collection_page_free(collection_page *page) {
    if (page == NULL)
        return;
    free(page->data);
    free(page->rows);
    free(page->vals);
    memset(page, 0, sizeof(*page));
}

void collection_page_take(rs_query_result *res, collection_page *page) {
    memset(page, 0, sizeof(*page));
    rs_query_result_take_page(res, &page->data, &page->rows, &page->n);
}

static int stream_should_stop(void *ctx) {
    collection_stream *s = ctx;

    return atomic_load(&s->stop);
}

/* Room for one more row's values; 0 when the page is past the bound or memory is short. */
static int index_room(page_index *x) {
    size_t need = (x->n + 1) * x->n_cols, cap;
    rs_jsonscan_span *grown;

    if (need > MAX_INDEXED_VALUES)
        return 0;
    if (need <= x->cap)
        return 1;
    cap = x->cap ? x->cap * 2 : 1024 * x->n_cols;
    if (cap > MAX_INDEXED_VALUES)
        cap = MAX_INDEXED_VALUES;
    grown = realloc(x->vals, cap * sizeof(*grown));
    if (grown == NULL)
        return 0;
    x->vals = grown;
    x->cap = cap;
    return 1;
}

/* The result's row reader: check the row that starts rest and find its values. A row that is
 * not an object, or a page past the bound, leaves the page without values (the reader indexes
 * its rows itself and reports such a row as it always did); the row is still checked. */
static int index_row_ahead(void *ctx, rs_jsonscan_span rest, size_t *used) {
    page_index *x = ctx;
    rs_jsonscan_span value;
    rs_err err;
    int rc;

    if (!x->off && (rest.ptr[0] != '{' || !index_room(x)))
        x->off = 1;
    if (x->off)
        return rs_jsonscan_value(rest.ptr, rest.len, &value, used, NULL) == RS_OK ? RS_OK
                                                                                  : RS_EPARSE;
    rs_err_reset(&err);
    rc = rs_rowdecode_check_index(x->decoder, rest, x->vals + x->n * x->n_cols, used, &err);
    if (rc == RS_OK)
        x->n++;
    return rc;
}

/* Before a page is fetched: its values start afresh. */
static void index_reset(page_index *x) {
    x->n = 0;
    x->off = 0;
}

/* After a page was fetched: its values go with it when every row got them. */
static void index_attach(page_index *x, collection_page *page) {
    if (x->decoder == NULL || x->off || x->n != page->n || page->n == 0)
        return;
    page->vals = x->vals;
    page->n_cols = x->n_cols;
    x->vals = NULL;
    x->cap = 0;
}

/* Fetch the next page into *page (n == 0 and *last set at the end). */
static int fetch_one(collection_stream *s, collection_page *page, int *last, rs_err *err) {
    int rc = rs_api_query_next_page(s->api, s->res, s->page_size, err);

    if (rc == RS_OK)
        collection_page_take(s->res, page);
    *last = rc != RS_OK || !rs_query_result_has_more(s->res);
    return rc;
}

static void *fetcher_main(void *arg) {
    collection_stream *s = arg;
    collection_page page;
    rs_err err;
    int rc, last = 0;

    pthread_mutex_lock(&s->mu);
    while (!atomic_load(&s->stop) && !last) {
        while (s->n_ready == READY_PAGES && !atomic_load(&s->stop))
            pthread_cond_wait(&s->cv, &s->mu);
        if (atomic_load(&s->stop))
            break;
        pthread_mutex_unlock(&s->mu);
        rs_err_clear(&err);
        index_reset(&s->index);
        rc = fetch_one(s, &page, &last, &err);
        if (rc == RS_OK)
            index_attach(&s->index, &page);
        pthread_mutex_lock(&s->mu);
        if (rc != RS_OK) {
            s->failed = 1;
            s->err = err;
        } else {
            s->ready[s->n_ready++] = page;
        }
        s->done = last;
        pthread_cond_broadcast(&s->cv);
    }
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Free what a stream holds besides its thread and lock. */
static void stream_free(collection_stream *s) {
    int i;

    for (i = 0; i < s->n_ready; i++)
        collection_page_free(&s->ready[i]);
    rs_api_close(s->api);
    rs_query_result_free(s->res);
    rs_rowdecode_free(s->index.decoder);
    free(s->index.vals);
    free(s);
}

/* Give s its own client and start its fetcher; on failure s is freed (with res). */
static int stream_launch(const rs_api *api, collection_stream *s, collection_stream **out,
                         rs_err *err) {
    int rc;

    atomic_init(&s->stop, 0);
    rc = rs_api_clone(api, &s->api, err);
    if (rc != RS_OK) {
        stream_free(s);
        return rc;
    }
    /* the clone must not call back into SQLite from another thread: it watches the stop flag */
    rs_http_set_stop(rs_api_http(s->api), stream_should_stop, s);
    if (s->index.decoder != NULL)
        rs_query_result_set_row_reader(s->res, index_row_ahead, &s->index);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    if (pthread_create(&s->thread, NULL, fetcher_main, s) != 0) {
        pthread_mutex_destroy(&s->mu);
        pthread_cond_destroy(&s->cv);
        stream_free(s);
        return rs_err_set(err, RS_EINTERNAL, "rockset: cannot start the page fetcher thread");
    }
    *out = s;
    return RS_OK;
}

/* A stream with its own copy of decoder (may be NULL, or have no columns: pages are then not
 * indexed ahead); NULL when out of memory. */
static collection_stream *stream_new(const rs_rowdecode *decoder, long long page_size) {
    collection_stream *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->page_size = page_size;
    if (decoder != NULL && rs_rowdecode_columns(decoder) > 0) {
        s->index.n_cols = rs_rowdecode_columns(decoder);
        s->index.decoder = rs_rowdecode_copy(decoder);
        if (s->index.decoder == NULL) {
            free(s);
            return NULL;
        }
    }
    return s;
}

int collection_stream_start(const rs_api *api, rs_query_result *res, long long page_size,
                            const rs_rowdecode *decoder, collection_stream **out, rs_err *err) {
    collection_stream *s = stream_new(decoder, page_size);

    if (s == NULL) {
        rs_query_result_free(res);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    s->res = res;
    return stream_launch(api, s, out, err);
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
    while (s->n_ready == 0 && !s->done && !s->failed) {
        wait_slice(s);
        if (s->n_ready == 0 && should_stop != NULL && should_stop(stop_ctx)) {
            atomic_store(&s->stop, 1);
            pthread_cond_broadcast(&s->cv);
            rc = rs_err_set(err, RS_EINTERRUPT, "rockset: interrupted");
            break;
        }
    }
    if (rc == RS_OK && s->n_ready > 0) {
        *page = s->ready[0];
        memmove(&s->ready[0], &s->ready[1], (size_t)(s->n_ready - 1) * sizeof(s->ready[0]));
        memset(&s->ready[--s->n_ready], 0, sizeof(s->ready[0]));
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
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    stream_free(s);
}
