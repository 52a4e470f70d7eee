/*
 * watchdog.h - one thread that interrupts the column engine's statements past their deadline
 * or cancelled (docs/column-index.md).
 *
 * DuckDB has no statement timeout: a statement stops when duckdb_interrupt is called on its
 * connection from another thread. A thread started for each statement cost 0.05 to 0.09 ms of
 * a 1 ms aggregate; this one is started at the first statement watched and serves all of them.
 * It looks at every watched statement each RL_WATCH_MS and interrupts, again each round, one
 * whose deadline passed or whose cancel flag is set: an interrupt that comes before the
 * statement starts running is forgotten by DuckDB.
 *
 * Thread-safety: every function may be called from any thread. Ownership: a watch is the
 * caller's (on its stack): rl_watch_add it before the statement, rl_watch_remove it after; once
 * remove returns, no interrupt reaches its connection.
 */
#ifndef RL_COLIDX_WATCHDOG_H
#define RL_COLIDX_WATCHDOG_H

#include "server/colidx/duck.h"

#include <stdint.h>

#define RL_WATCH_MS 50

typedef struct rl_watch {
    rl_duck_conn *conn;
    int64_t deadline_mono; /* rl_mono_ms() after which the statement is interrupted */
    const int *cancel;     /* read atomically; nonzero: interrupt now (NULL: none) */
    int fired;             /* set by the watchdog: it interrupted the statement */
    int timed_out;         /* set with fired: for the deadline (else for cancel) */
    struct rl_watch *prev, *next;
} rl_watch;

/* Watch w (conn, deadline_mono and cancel set; fired and timed_out are cleared). 0, or RS_E*
 * when the watchdog's thread cannot start (the statement then runs unwatched). */
int rl_watch_add(rl_watch *w);
void rl_watch_remove(rl_watch *w);

/* Stop the thread (at exit; nothing may be watched). Idempotent; a later add starts it again. */
void rl_watchdog_stop(void);

#endif
