/*
 * compuse.h - composite indexes by use: which were read, which were asked for past the budget,
 * and which one gives way.
 *
 * Composite indexes are built when queries ask for them (fieldindex.h), at most
 * RL_FX_MAX_COMPOSITES a collection, since each is written on every write. Built first come,
 * first served, the budget went to whatever asked first: on the dashboard benchmark's million
 * jobs, two composites asked for by aggregates that then moved to the column engine sat unread
 * while a top-N that asked after them read 1,881 documents for 10 rows on every run. This
 * keeps, for the server's lifetime, a sequence number of the last read of each composite and
 * of the last RL_COMPUSE_ASKS asks of each set of paths refused for the budget; a composite is
 * given up for the paths asked when it has gone unread while they were asked RL_COMPUSE_ASKS
 * times. A composite first seen here (built since the start, or before it) counts as read when
 * first seen, so a new one is never given up before its own queries come back.
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

typedef struct rl_compuse rl_compuse;

/* A new tracker; NULL when out of memory (then nothing is given up). */
rl_compuse *rl_compuse_new(void);
void rl_compuse_free(rl_compuse *u);

/* A statement read (ran on SQLite through) the composite index named index. u may be NULL. */
void rl_compuse_read(rl_compuse *u, const char *index);

/* A statement asked for the composite over paths of collection table tbl, which the budget
 * refused; existing: the names of tbl's n composites. 1 and *victim (one of existing) when the
 * least recently read of them went unread over the last RL_COMPUSE_ASKS asks of paths: the
 * asks are then forgotten, and so is the victim (its name may be the new one's). 0 when none
 * gives way (or u is NULL). */
int rl_compuse_asked(rl_compuse *u, const char *tbl, const char *paths, const char *const *existing,
                     int n, const char **victim);

#endif
