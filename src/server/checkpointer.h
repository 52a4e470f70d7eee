/*
 * checkpointer.h - the store's WAL checkpoints, run by a thread of their own.
 *
 * SQLite checkpoints after a commit on the committing connection. On a large collection a batch
 * of 500 documents dirties some 3,000 index pages at random places, and copying them into the
 * database file with its fdatasync took a quarter of the writer's time (1,000,000 dashboard
 * documents): the next batch waited for it. Here a commit only asks (rl_checkpointer_ask, from
 * the store's WAL hook) and this thread checkpoints while the writer goes on.
 *
 * Passive checkpoints: one per ask, or one for several asks that came while one ran (it copies
 * the newest frame of each page, so a page that several batches touched is written once). A
 * passive checkpoint cannot copy frames a reader's snapshot still needs; until it has copied
 * all, it tries again every RL_CHECKPOINTER_RETRY_MS for RL_CHECKPOINTER_RETRY_FOR_MS after the
 * last ask, for the readers of a commit ago finish within milliseconds (a try that finds nothing
 * to copy costs microseconds). A WAL copied whole lets the next writer start it again from its
 * beginning once no reader still reads it: the WAL then stays short by itself.
 *
 * Restart: past restart_pages (a stream of documents with queries reading between the commits
 * can keep every copy incomplete) it runs a RESTART checkpoint, which holds the write lock while
 * it waits, at most RL_CHECKPOINTER_RESTART_WAIT_MS, for the readers of the moment: once per
 * commit that asks, never on a retry, so that a long query cannot hold the writers back again
 * and again. Both kinds run on this one thread: a second checkpointer would find the first's
 * lock and give up.
 *
 * Ownership: the store owns its checkpointer; the thread starts with the first ask and stops in
 * rl_checkpointer_free, after the checkpoint it is running.
 * Thread-safety: rl_checkpointer_ask and rl_checkpointer_stats_of may be called from any
 * thread.
 */
#ifndef RL_CHECKPOINTER_H
#define RL_CHECKPOINTER_H

#include <stdint.h>

typedef struct rl_store rl_store;
typedef struct rl_checkpointer rl_checkpointer;

#define RL_CHECKPOINTER_RETRY_MS        2
#define RL_CHECKPOINTER_RETRY_FOR_MS    1000
#define RL_CHECKPOINTER_RESTART_WAIT_MS 200

/* A checkpointer borrowing connections of st, restarting the WAL past restart_pages; NULL when
 * out of memory. */
rl_checkpointer *rl_checkpointer_new(rl_store *st, int restart_pages);
/* Stop the thread (if it runs) and free c. NULL ok. */
void rl_checkpointer_free(rl_checkpointer *c);

/* A commit left the WAL long: checkpoint it soon. Never waits for a checkpoint. NULL ok. */
void rl_checkpointer_ask(rl_checkpointer *c);

/* What it did so far: passive checkpoints run, and restarts that succeeded. */
typedef struct rl_checkpointer_stats {
    int64_t passive;
    int64_t restarts;
} rl_checkpointer_stats;
rl_checkpointer_stats rl_checkpointer_stats_of(rl_checkpointer *c);

#endif
