/*
 * compuse.h - composite indexes by use: which were read, which were asked for past the budget,
 * and which one gives way.
 *
 * Composite indexes are built when queries ask for them (fieldindex.h), at most
 * RL_FX_MAX_COMPOSITES a collection, since each is written on every write. Built first come,
 * first served, the budget went to whatever asked first and kept it for good: on the dashboard
 * benchmark's million jobs, two composites asked for by aggregates that then moved to the
 * column engine sat unread while a top-N that asked after them read 1,881 documents for 10
 * rows on every run. This keeps, for the server's lifetime, when each composite was last read
 * and when each set of paths the budget refused was last asked for (its last RL_COMPUSE_ASKS
 * asks). A composite gives way to paths asked for RL_COMPUSE_ASKS times since it was last
 * read, once it has gone unread for the idle time: a dashboard refreshing less often than
 * that keeps its composites however often another statement is sent meanwhile (a burst of one
 * statement is no sign that the others are gone). A composite first seen here (built since
 * the start, or before it) counts as read when first seen.
 *
 * Ownership: the server owns one (rl_server.composites); names are copied.
 * Thread-safety: every function may be called from any thread (one mutex).
 */
#ifndef RL_COMPUSE_H
#define RL_COMPUSE_H

#include <stddef.h>
#include <stdint.h>

#define RL_COMPUSE_ASKS    3   /* asks that outweigh a composite unread meanwhile */
#define RL_COMPUSE_ENTRIES 512 /* names and path sets remembered; the stalest go first */
/* How long a composite goes unread before it may give way; ROCKSET_LOCAL_COMPOSITE_IDLE_MS
 * sets another (rl_compuse_idle_ms). */
#define RL_COMPUSE_IDLE_MS (15 * 60 * 1000)

typedef struct rl_compuse rl_compuse;

/* A new tracker whose composites give way after idle_ms unread (rl_compuse_idle_ms); NULL
 * when out of memory (then nothing is given up). */
rl_compuse *rl_compuse_new(int64_t idle_ms);
void rl_compuse_free(rl_compuse *u);

/* The idle time: RL_COMPUSE_IDLE_MS, or the environment's ROCKSET_LOCAL_COMPOSITE_IDLE_MS
 * (1 ms to a day). */
int64_t rl_compuse_idle_ms(void);

/* A statement read (ran on SQLite through) the composite index named index at now_ms (a
 * monotonic clock). u may be NULL. */
void rl_compuse_read(rl_compuse *u, const char *index, int64_t now_ms);

/* A statement asked at now_ms for the composite over paths of collection table tbl, which the
 * budget refused; existing: the names of tbl's n composites. 1 and *victim (one of existing)
 * when the least recently read of them has gone unread for the idle time and paths were asked for
 * RL_COMPUSE_ASKS times since its last read: the asks are then forgotten, and so is the victim
 * (its name may be the new one's). 0 when none gives way (or u is NULL). */
int rl_compuse_asked(rl_compuse *u, const char *tbl, const char *paths, const char *const *existing,
                     int n, int64_t now_ms, const char **victim);

#endif
