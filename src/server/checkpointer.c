/* checkpointer.c - WAL checkpoints off the committing thread (checkpointer.h). */
#include "checkpointer.h"
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <time.h>

struct rl_checkpointer {
    rl_store *st;
    int restart_pages;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    int started;                 /* under lock: the thread runs */
    int asked;                   /* under lock: a commit asked since the last checkpoint began */
    int stop;                    /* under lock */
    rl_checkpointer_stats stats; /* under lock */
};

rl_checkpointer *rl_checkpointer_new(rl_store *st, int restart_pages) {
    rl_checkpointer *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return NULL;
    c->st = st;
    c->restart_pages = restart_pages;
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->wake, NULL);
    return c;
}

/* One checkpoint of the main database on a pooled connection. *copied_all: every frame of the
 * WAL is in the database file; *wal_pages: the frames the WAL holds (-1: unknown). */
static int checkpoint_once(rl_checkpointer *c, int mode, int *wal_pages, int *copied_all) {
    rs_err err = {0};
    int log = -1, done = -1, rc;
    sqlite3 *db = rl_store_acquire(c->st, &err);
    *wal_pages = -1;
    *copied_all = 1; /* unknown: do not retry; the next commit asks again */
    if (db == NULL)
        return SQLITE_NOMEM;
    if (mode == SQLITE_CHECKPOINT_RESTART)
        rl_store_busy_wait(db, RL_CHECKPOINTER_RESTART_WAIT_MS);
    rc = sqlite3_wal_checkpoint_v2(db, "main", mode, &log, &done);
    if (mode == SQLITE_CHECKPOINT_RESTART)
        rl_store_busy_default(c->st, db);
    rl_store_release(c->st, db);
    if (rc == SQLITE_OK || rc == SQLITE_BUSY) {
        *wal_pages = log;
        *copied_all = log >= 0 && done >= log;
    }
    return rc;
}

/* Under lock: wait for an ask, or until ms have passed (ms < 0: no limit). */
static void wait_for_ask(rl_checkpointer *c, int ms) {
    if (ms < 0) {
        pthread_cond_wait(&c->wake, &c->lock);
        return;
    }
    struct timespec until = rl_deadline_after_ms(ms);
    while (!c->asked && !c->stop &&
           pthread_cond_timedwait(&c->wake, &c->lock, &until) != ETIMEDOUT) {
    }
}

/* Under lock (released meanwhile): a passive checkpoint, then, for a commit's ask (may_restart),
 * a restart when the WAL is past its limit. Never for a retry: a restart holds the write lock
 * while it waits for the readers, and a query longer than its wait would make every retry hold
 * the writers back again. 1 when some frames could not be copied yet. */
static int checkpoint_step(rl_checkpointer *c, int may_restart) {
    int wal_pages, copied_all, restarted = 0;
    pthread_mutex_unlock(&c->lock);
    checkpoint_once(c, SQLITE_CHECKPOINT_PASSIVE, &wal_pages, &copied_all);
    if (may_restart && wal_pages >= c->restart_pages) {
        restarted =
            checkpoint_once(c, SQLITE_CHECKPOINT_RESTART, &wal_pages, &copied_all) == SQLITE_OK;
    }
    pthread_mutex_lock(&c->lock);
    c->stats.passive++;
    c->stats.restarts += restarted;
    return !copied_all;
}

static void *checkpointer_main(void *arg) {
    rl_checkpointer *c = arg;
    int64_t retry_until = 0; /* retry an incomplete copy until then (rl_mono_ms) */
    pthread_mutex_lock(&c->lock);
    while (!c->stop) {
        int retry = retry_until > rl_mono_ms();
        if (!c->asked) {
            wait_for_ask(c, retry ? RL_CHECKPOINTER_RETRY_MS : -1);
            if (c->stop || (!c->asked && !retry))
                continue;
        }
        int asked = c->asked;
        if (asked)
            retry_until = rl_mono_ms() + RL_CHECKPOINTER_RETRY_FOR_MS;
        c->asked = 0;
        if (!checkpoint_step(c, asked))
            retry_until = 0;
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

void rl_checkpointer_ask(rl_checkpointer *c) {
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    if (!c->stop) {
        if (!c->started)
            c->started = pthread_create(&c->thread, NULL, checkpointer_main, c) == 0;
        c->asked = 1;
        pthread_cond_signal(&c->wake);
    }
    pthread_mutex_unlock(&c->lock);
}

rl_checkpointer_stats rl_checkpointer_stats_of(rl_checkpointer *c) {
    rl_checkpointer_stats out = {0, 0};
    if (c == NULL)
        return out;
    pthread_mutex_lock(&c->lock);
    out = c->stats;
    pthread_mutex_unlock(&c->lock);
    return out;
}

void rl_checkpointer_free(rl_checkpointer *c) {
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    c->stop = 1;
    int started = c->started;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    if (started)
        pthread_join(c->thread, NULL);
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
    free(c);
}
