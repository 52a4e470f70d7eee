/* progress.c - see progress.h. */
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_seconds(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void rs_progress_start(rs_progress *p, const rs_conn *conn, const char *what) {
    const char *force = getenv("RS_PROGRESS");

    memset(p, 0, sizeof(*p));
    /* Progress is for a person: never into a file or pipe a script reads, unless asked. */
    p->enabled = !conn->cfg.quiet && ((force && strcmp(force, "1") == 0) || isatty(2));
    p->started = now_seconds();
    p->last = p->started;
    snprintf(p->what, sizeof(p->what), "%s", what);
}

static long long rate(const rs_progress *p, long long done, double at) {
    double elapsed = at - p->started;
    return elapsed > 0 ? (long long)((double)done / elapsed) : 0;
}

void rs_progress_tick(rs_progress *p, long long done, long long total, const char *verb) {
    double at;

    if (!p->enabled)
        return;
    at = now_seconds();
    if (at - p->last < 1.0)
        return;
    p->last = at;
    p->printed = 1;
    if (total >= 0)
        fprintf(stderr, "%s: %lld of %lld rows %s (%lld rows/s)\n", p->what, done, total, verb,
                rate(p, done, at));
    else
        fprintf(stderr, "%s: %lld rows %s (%lld rows/s)\n", p->what, done, verb, rate(p, done, at));
}

void rs_progress_end(rs_progress *p, long long done, const char *verb) {
    double at;

    if (!p->enabled || !p->printed)
        return;
    at = now_seconds();
    fprintf(stderr, "%s: %lld rows %s in %.1fs (%lld rows/s)\n", p->what, done, verb,
            at - p->started, rate(p, done, at));
}
