/*
 * runner.h - runs the selected models of a graph in dependency order on worker threads.
 *
 * What it is for: rockset_run(). The caller prepares everything a model needs beforehand (on
 * its own thread: compiled SQL, jobs), then rs_runner_run starts up to `threads` workers. Each
 * worker owns one client cloned from opts->api (rs_api_clone) and calls opts->build for every
 * model the scheduler (graph.h) hands it: a model starts once every selected model it depends
 * on succeeded. A failure marks its selected descendants skipped (cause = the failed model) and
 * the rest goes on; with fail_fast every model not yet started is skipped instead (cause -1).
 * Models given a skip_cause are skipped before any model starts (their rows come first).
 *
 * Threads: build and on_event run on worker threads (on_event also on the calling thread), so
 * they must not touch SQLite; should_stop runs on the calling thread only, every ~20 ms while
 * it waits. When it returns non-zero the workers' clients are told to stop (their
 * should_stop callback is replaced by the runner's flag), requests in flight end with
 * RS_EINTERRUPT, models not started are skipped, and rs_runner_run returns RS_EINTERRUPT
 * "rockset: interrupted" after every worker has ended.
 * on_event calls are serialised (made under the runner's lock): keep them short.
 *
 * Ownership: outcomes is the caller's array of rs_graph_count(g) entries; rs_runner_run fills
 * every entry (unselected models get RS_RUN_NOT_SELECTED). Nothing else is kept.
 */
#ifndef RS_RUNNER_H
#define RS_RUNNER_H

#include "api/api.h"
#include "buf.h"
#include "err.h"
#include "graph.h"

#include <stddef.h>

typedef enum rs_run_status {
    RS_RUN_NOT_SELECTED = 0,
    RS_RUN_SUCCESS,
    RS_RUN_ERROR,
    RS_RUN_SKIPPED
} rs_run_status;

typedef struct rs_run_outcome {
    rs_run_status status;
    size_t seq;           /* 1-based position in start order ("3 of 12"); skipped models are
                             numbered when skipped; 0 for unselected ones */
    long long started_ms; /* wall clock (ms since the epoch) at start; 0 when never started */
    double elapsed_ms;    /* time spent in build (monotonic clock) */
    long cause;           /* RS_RUN_SKIPPED: index of the failed model, -1 for fail_fast or an
                             interrupt */
    rs_err err;           /* RS_RUN_ERROR: what build reported */
} rs_run_outcome;

typedef enum rs_run_event_kind { RS_RUN_EV_START, RS_RUN_EV_END, RS_RUN_EV_SKIP } rs_run_event_kind;

typedef struct rs_run_event {
    rs_run_event_kind kind;
    size_t model;                  /* graph index */
    size_t total;                  /* selected models */
    const rs_run_outcome *outcome; /* seq, and status/elapsed/err once ended or skipped */
} rs_run_event;

typedef struct rs_runner_opts {
    int threads; /* >= 1 */
    int fail_fast;
    const rs_api *api; /* cloned per worker; NULL = workers get a NULL client (tests) */
    /* Build one model; RS_OK or an error (err filled). Worker thread. */
    int (*build)(void *ctx, rs_api *api, size_t model, rs_err *err);
    void (*on_event)(void *ctx, const rs_run_event *ev); /* may be NULL */
    int (*should_stop)(void *ctx);                       /* may be NULL */
    void *ctx;
    rs_http_stats *stats; /* may be NULL; else the workers' request counters are added to it */
    /* May be NULL; else one entry per model (graph index): -1 builds it as usual, an index
     * >= 0 skips it before it starts, with that model (which need not be selected) as its
     * cause, and its selected descendants with it. For models that cannot be built, such as
     * the descendants of a model whose template failed when that model is not selected.
     * Entries of unselected models are not used. */
    const long *skip_cause;
} rs_runner_opts;

/* Run the selection (sel NULL = every enabled model). RS_OK when every selected model was
 * started or skipped (their own errors are in outcomes); RS_EINTERRUPT as above; RS_ENOMEM or
 * the clone's / pthread's error when workers cannot be set up (nothing ran then). */
int rs_runner_run(const rs_graph *g, const rs_graph_sel *sel, const rs_runner_opts *opts,
                  rs_run_outcome *outcomes, rs_err *err);

/* Append one progress line (docs/reference.md, Models), without a newline:
 *   "12:00:01 | 2 of 5 OK created table model ws.x ....................... [OK in 0.31s]"
 * clock is the time of day, text the middle part, status the text in brackets. Dots pad the
 * text so that the brackets start at column 76 (at least 3 dots). RS_OK or RS_ENOMEM. */
int rs_runner_progress_line(rs_buf *out, const char *clock, size_t seq, size_t total,
                            const char *text, const char *status);

/* Wall-clock milliseconds since the epoch, and "YYYY-MM-DDTHH:MM:SS.mmmZ" of such a time
 * (buf of at least 25 bytes). */
long long rs_runner_now_ms(void);
void rs_runner_format_time(long long epoch_ms, char *buf, size_t size);

#endif
