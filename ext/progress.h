/*
 * progress.h - progress lines for long scans and seeds, for a person watching a terminal.
 *
 *   rockset_seed: analytics.orders: 12000 of 50000 rows sent (8120 rows/s)
 *   rockset: analytics.orders: 30000 rows read (25310 rows/s)
 *
 * A line goes to stderr at most once a second, and only when stderr is a terminal and
 * rockset_config('quiet') is 0 (RS_PROGRESS=1 in the environment forces it on, for tests); a scan
 * or seed that finishes within its first second prints nothing. A final line with the totals
 * follows when anything was printed.
 *
 * Ownership: an rs_progress is a plain value on its owner's stack or struct; nothing to free.
 * Thread-safety: used by the thread that owns it (the connection's), like the connection.
 */
#ifndef RS_EXT_PROGRESS_H
#define RS_EXT_PROGRESS_H

#include "conn.h"

typedef struct rs_progress {
    int enabled;    /* decided once at start */
    int printed;    /* some line was printed: print the final one too */
    double started; /* seconds, monotonic */
    double last;    /* when the last line was printed */
    char what[200]; /* "rockset_seed: ws.coll" / "rockset: ws.coll" */
} rs_progress;

/* Start tracking a job named `what` for conn (quiet and terminal checks happen here). */
void rs_progress_start(rs_progress *p, const rs_conn *conn, const char *what);

/* Report `done` rows so far (`total` < 0 when unknown) with verb "sent" or "read"; prints only
 * when a second has passed since the start or the last line. */
void rs_progress_tick(rs_progress *p, long long done, long long total, const char *verb);

/* The final line (only when a progress line was printed before). */
void rs_progress_end(rs_progress *p, long long done, const char *verb);

#endif
