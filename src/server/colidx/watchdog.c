/*
 * watchdog.c - the column engine's one watchdog thread (watchdog.h).
 *
 * The watched statements are a list under wd_lock, each node the caller's. The thread sleeps
 * without a deadline while the list is empty, else rounds every RL_WATCH_MS. An interrupt is
 * sent under wd_lock, so once rl_watch_remove has taken the lock none can still reach the
 * caller's connection. A stop ends the thread of its generation only: a thread started by a
 * later add is another generation's.
 */
#include "server/colidx/watchdog.h"

#include "err.h"
#include "server/store.h"

#include <pthread.h>
#include <stddef.h>

static pthread_mutex_t wd_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wd_wake = PTHREAD_COND_INITIALIZER;
static rl_watch *wd_head;
static int wd_running;      /* a thread of generation wd_gen runs */
static unsigned wd_gen;     /* moved by each stop */
static pthread_t wd_thread; /* the running thread (wd_running) */

/* Interrupt every watched statement whose deadline passed or that is cancelled. Under wd_lock. */
static void wd_round(void) {
    int64_t now = rl_mono_ms();
    for (rl_watch *w = wd_head; w != NULL; w = w->next) {
        int cancel = w->cancel != NULL && __atomic_load_n(w->cancel, __ATOMIC_RELAXED);
        if (now >= w->deadline_mono || cancel) {
            w->timed_out = !cancel;
            w->fired = 1;
            rl_duck_interrupt(w->conn);
        }
    }
}

static void *wd_main(void *arg) {
    unsigned gen = (unsigned)(uintptr_t)arg;
    pthread_mutex_lock(&wd_lock);
    while (gen == wd_gen) {
        wd_round();
        if (wd_head == NULL) {
            pthread_cond_wait(&wd_wake, &wd_lock);
        } else {
            struct timespec ts = rl_deadline_after_ms(RL_WATCH_MS);
            pthread_cond_timedwait(&wd_wake, &wd_lock, &ts);
        }
    }
    pthread_mutex_unlock(&wd_lock);
    return NULL;
}

int rl_watch_add(rl_watch *w) {
    int rc = RS_OK;
    w->fired = w->timed_out = 0;
    w->prev = NULL;
    pthread_mutex_lock(&wd_lock);
    if (!wd_running) {
        if (pthread_create(&wd_thread, NULL, wd_main, (void *)(uintptr_t)wd_gen) == 0)
            wd_running = 1;
        else
            rc = RS_EINTERNAL;
    }
    if (rc == RS_OK) {
        w->next = wd_head;
        if (wd_head != NULL)
            wd_head->prev = w;
        wd_head = w;
        /* the thread waits without a deadline on an empty list; a deadline already passed is
         * served at once, as the thread started for each statement did */
        if (w->next == NULL || rl_mono_ms() >= w->deadline_mono)
            pthread_cond_signal(&wd_wake);
    }
    pthread_mutex_unlock(&wd_lock);
    return rc;
}

void rl_watch_remove(rl_watch *w) {
    pthread_mutex_lock(&wd_lock);
    if (w->prev != NULL)
        w->prev->next = w->next;
    else if (wd_head == w)
        wd_head = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    w->prev = w->next = NULL;
    pthread_mutex_unlock(&wd_lock);
}

void rl_watchdog_stop(void) {
    pthread_mutex_lock(&wd_lock);
    int running = wd_running;
    pthread_t th = wd_thread;
    wd_running = 0;
    wd_gen++;
    pthread_cond_broadcast(&wd_wake);
    pthread_mutex_unlock(&wd_lock);
    if (running)
        pthread_join(th, NULL);
}
