/*
 * runner.c - see runner.h.
 *
 * How it works: one mutex guards the scheduler, the outcomes and the counters; workers wait on
 * `work_ready` for a model to become ready and broadcast it after every model they finish
 * (that may release children, or finish the run); the calling thread waits on `worker_gone`
 * with a short timeout so it can poll should_stop, which must run on its own thread.
 */
#include "runner.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STOP_POLL_MS 20

typedef struct runner {
    const rs_graph *g;
    const rs_runner_opts *opts;
    rs_run_outcome *outcomes;
    rs_graph_sched *sched;
    pthread_mutex_t lock;
    pthread_cond_t work_ready;
    pthread_cond_t worker_gone;
    size_t total;    /* selected models */
    size_t next_seq; /* last seq handed out */
    int workers_alive;
    atomic_int stop; /* set by the calling thread; read by the workers' clients */
} runner;

typedef struct worker {
    runner *r;
    rs_api *api;
    pthread_t thread;
    int started;
} worker;

long long rs_runner_now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void rs_runner_format_time(long long epoch_ms, char *buf, size_t size) {
    time_t secs = (time_t)(epoch_ms / 1000);
    struct tm tm;

    gmtime_r(&secs, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(epoch_ms % 1000));
}

int rs_runner_progress_line(rs_buf *out, const char *clock, size_t seq, size_t total,
                            const char *text, const char *status) {
    size_t start = out->len, head_len, dots, i;

    rs_buf_printf(out, "%s | %zu of %zu %s ", clock, seq, total, text);
    head_len = out->len - start;
    dots = head_len + 3 <= 75 ? 75 - head_len : 3;
    for (i = 0; i < dots; i++)
        rs_buf_putc(out, '.');
    rs_buf_printf(out, " [%s]", status);
    return out->oom ? RS_ENOMEM : RS_OK;
}

static double monotonic_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void emit(runner *r, rs_run_event_kind kind, size_t model) {
    rs_run_event ev;

    if (r->opts->on_event == NULL)
        return;
    ev.kind = kind;
    ev.model = model;
    ev.total = r->total;
    ev.outcome = &r->outcomes[model];
    r->opts->on_event(r->opts->ctx, &ev);
}

/* Record every model the scheduler has skipped since the last call. Lock held. */
static void drain_skipped(runner *r) {
    size_t model, cause;

    while (rs_graph_sched_take_skipped(r->sched, &model, &cause)) {
        rs_run_outcome *o = &r->outcomes[model];
        o->status = RS_RUN_SKIPPED;
        o->cause = cause == (size_t)-1 ? -1 : (long)cause;
        o->seq = ++r->next_seq;
        emit(r, RS_RUN_EV_SKIP, model);
    }
}

/* Build one model with the lock released; record it and tell the scheduler. Lock held on
 * entry and exit. */
static void run_one(runner *r, worker *w, size_t model) {
    rs_run_outcome *o = &r->outcomes[model];
    rs_err err, sched_err;
    double t0;
    int rc;

    o->seq = ++r->next_seq;
    o->started_ms = rs_runner_now_ms();
    emit(r, RS_RUN_EV_START, model);
    pthread_mutex_unlock(&r->lock);

    rs_err_clear(&err);
    t0 = monotonic_ms();
    rc = r->opts->build(r->opts->ctx, w->api, model, &err);
    if (rc != RS_OK && err.code == RS_OK)
        rs_err_set(&err, rc, "model failed (%s)", rs_err_name(rc));

    pthread_mutex_lock(&r->lock);
    o->elapsed_ms = monotonic_ms() - t0;
    o->status = rc == RS_OK ? RS_RUN_SUCCESS : RS_RUN_ERROR;
    o->err = err;
    rs_err_clear(&sched_err);
    rs_graph_sched_done(r->sched, model, rc == RS_OK, &sched_err);
    emit(r, RS_RUN_EV_END, model);
    if (rc != RS_OK && r->opts->fail_fast)
        rs_graph_sched_cancel(r->sched);
    drain_skipped(r);
    pthread_cond_broadcast(&r->work_ready);
}

static void *worker_main(void *arg) {
    worker *w = arg;
    runner *r = w->r;
    size_t model;

    pthread_mutex_lock(&r->lock);
    for (;;) {
        drain_skipped(r);
        if (rs_graph_sched_finished(r->sched))
            break;
        if (rs_graph_sched_next(r->sched, &model))
            run_one(r, w, model);
        else
            pthread_cond_wait(&r->work_ready, &r->lock);
    }
    r->workers_alive--;
    pthread_cond_broadcast(&r->work_ready);
    pthread_cond_signal(&r->worker_gone);
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static int worker_should_stop(void *arg) {
    runner *r = arg;

    return atomic_load(&r->stop);
}

/* Wait for every worker, polling should_stop; returns 1 when a stop was requested. */
static int wait_workers(runner *r) {
    struct timespec deadline;
    int stopped = 0;

    pthread_mutex_lock(&r->lock);
    while (r->workers_alive > 0) {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += STOP_POLL_MS * 1000000L;
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->worker_gone, &r->lock, &deadline);
        if (stopped || r->workers_alive == 0 || r->opts->should_stop == NULL)
            continue;
        pthread_mutex_unlock(&r->lock);
        stopped = r->opts->should_stop(r->opts->ctx) != 0;
        pthread_mutex_lock(&r->lock);
        if (stopped) {
            atomic_store(&r->stop, 1);
            rs_graph_sched_cancel(r->sched);
            pthread_cond_broadcast(&r->work_ready);
        }
    }
    drain_skipped(r);
    pthread_mutex_unlock(&r->lock);
    return stopped;
}

/* Clone the clients and start the workers; on failure the ones started are told there is no
 * work (the scheduler is cancelled) and joined by the caller. */
static int start_workers(runner *r, worker *workers, int n, rs_err *err) {
    int i, rc;

    for (i = 0; i < n; i++) {
        workers[i].r = r;
        if (r->opts->api != NULL) {
            rc = rs_api_clone(r->opts->api, &workers[i].api, err);
            if (rc != RS_OK)
                return rc;
            rs_http_set_stop(rs_api_http(workers[i].api), worker_should_stop, r);
        }
    }
    for (i = 0; i < n; i++) {
        pthread_mutex_lock(&r->lock);
        r->workers_alive++;
        pthread_mutex_unlock(&r->lock);
        rc = pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
        if (rc != 0) {
            pthread_mutex_lock(&r->lock);
            r->workers_alive--;
            pthread_mutex_unlock(&r->lock);
            return rs_err_set(err, RS_EINTERNAL, "cannot start a worker thread: %s", strerror(rc));
        }
        workers[i].started = 1;
    }
    return RS_OK;
}

/* Add a worker client's request counters to *total (when both exist). */
static void add_stats(rs_http_stats *total, rs_api *api) {
    rs_http_stats one;

    if (total == NULL || api == NULL)
        return;
    rs_http_get_stats(rs_api_http(api), &one);
    total->requests += one.requests;
    total->retries += one.retries;
    total->bytes_sent += one.bytes_sent;
    total->bytes_received += one.bytes_received;
}

/* Skip the models the caller knows cannot be built (opts->skip_cause), before any starts. */
static void pre_skip(runner *r) {
    size_t m, n = rs_graph_count(r->g);

    for (m = 0; r->opts->skip_cause != NULL && m < n; m++) {
        if (r->opts->skip_cause[m] >= 0)
            rs_graph_sched_skip(r->sched, m, (size_t)r->opts->skip_cause[m]);
    }
}

static void runner_init_outcomes(rs_run_outcome *outcomes, size_t n) {
    size_t i;

    memset(outcomes, 0, n * sizeof(*outcomes));
    for (i = 0; i < n; i++)
        outcomes[i].cause = -1;
}

int rs_runner_run(const rs_graph *g, const rs_graph_sel *sel, const rs_runner_opts *opts,
                  rs_run_outcome *outcomes, rs_err *err) {
    runner r;
    worker *workers = NULL;
    int n_workers, i, rc, stopped = 0;

    memset(&r, 0, sizeof(r));
    r.g = g;
    r.opts = opts;
    r.outcomes = outcomes;
    atomic_init(&r.stop, 0);
    runner_init_outcomes(outcomes, rs_graph_count(g));
    rc = rs_graph_sched_new(g, sel, &r.sched, err);
    if (rc != RS_OK)
        return rc;
    pre_skip(&r);
    r.total = sel ? rs_graph_sel_count(sel) : 0;
    if (sel == NULL) {
        for (size_t m = 0; m < rs_graph_count(g); m++)
            r.total += rs_graph_enabled(g, m) != 0;
    }
    n_workers = opts->threads < 1 ? 1 : opts->threads;
    if ((size_t)n_workers > r.total)
        n_workers = r.total > 0 ? (int)r.total : 1;
    workers = calloc((size_t)n_workers, sizeof(*workers));
    if (workers == NULL) {
        rs_graph_sched_free(r.sched);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    pthread_mutex_init(&r.lock, NULL);
    pthread_cond_init(&r.work_ready, NULL);
    pthread_cond_init(&r.worker_gone, NULL);

    rc = start_workers(&r, workers, n_workers, err);
    if (rc != RS_OK) {
        pthread_mutex_lock(&r.lock);
        atomic_store(&r.stop, 1);
        rs_graph_sched_cancel(r.sched);
        pthread_cond_broadcast(&r.work_ready);
        pthread_mutex_unlock(&r.lock);
    }
    stopped = wait_workers(&r);
    for (i = 0; i < n_workers; i++) {
        if (workers[i].started)
            pthread_join(workers[i].thread, NULL);
        add_stats(opts->stats, workers[i].api);
        rs_api_close(workers[i].api);
    }
    if (rc == RS_OK && stopped)
        rc = rs_err_set(err, RS_EINTERRUPT, "rockset: interrupted");
    pthread_cond_destroy(&r.worker_gone);
    pthread_cond_destroy(&r.work_ready);
    pthread_mutex_destroy(&r.lock);
    rs_graph_sched_free(r.sched);
    free(workers);
    return rc;
}
