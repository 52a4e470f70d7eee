/* pending.c - see pending.h. */
#include "pending.h"
#include "compuse.h"
#include "docs.h"
#include "fieldindex.h"
#include "jsonscan.h"
#include "retention.h"
#include "store.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NONE_DUE INT64_MAX

typedef struct want {
    char tbl[128];
    int kind; /* sqlx_index_kind, 0: ANALYZE */
    char *args;
    char fn[SQLX_MAX_EXPR_KEY + 1];
} want;

typedef struct queried {
    char name[300]; /* "ws.name" */
    int64_t ms;
} queried;

struct rl_pending {
    rl_store *st;
    want wants[RL_PENDING_MAX_WANTS]; /* under lock */
    int n_wants;
    char running[128];          /* under lock: the table of the request running ("" none) */
    int64_t due_ms;             /* atomic: earliest vis_ms of any pending row, NONE_DUE */
    int applying;               /* atomic: an apply holds apply_lock and has not committed */
    int indexes_on;             /* atomic: as the last delayed write said */
    int64_t indexes_built;      /* atomic: indexes built by use so far (enginepick.h) */
    pthread_mutex_t apply_lock; /* one applier at a time */
    pthread_mutex_t lock;       /* the thread's state below */
    pthread_cond_t wake;
    int started, stop;
    int sweep;             /* under lock: some collection has a retention (retention.h) */
    int64_t next_sweep_ms; /* under lock: when the worker purges next */
    queried *queried;      /* under lock: last_queried_ms not written yet */
    int n_queried;
    int64_t queried_due_ms; /* under lock: when they are written (NONE_DUE: none noted) */
    pthread_t thread;
};

static int64_t due_of(rl_pending *p) {
    return __atomic_load_n(&p->due_ms, __ATOMIC_ACQUIRE);
}

static void set_due(rl_pending *p, int64_t ms) {
    __atomic_store_n(&p->due_ms, ms, __ATOMIC_RELEASE);
}

rl_pending *rl_pending_new(rl_store *st) {
    rl_pending *p = calloc(1, sizeof(*p));
    if (p == NULL)
        return NULL;
    p->st = st;
    p->due_ms = NONE_DUE;
    p->queried_due_ms = NONE_DUE;
    p->indexes_on = 1;
    pthread_mutex_init(&p->apply_lock, NULL);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->wake, NULL);
    return p;
}

void rl_pending_free(rl_pending *p) {
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = 1;
    pthread_cond_broadcast(&p->wake);
    pthread_mutex_unlock(&p->lock);
    if (p->started)
        pthread_join(p->thread, NULL);
    for (int i = 0; i < p->n_wants; i++)
        free(p->wants[i].args);
    free(p->queried);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->lock);
    pthread_mutex_destroy(&p->apply_lock);
    free(p);
}

int rl_pending_load(rl_pending *p, sqlite3 *db, rs_err *err) {
    int64_t due = 0, retention = 0;
    int rc = rl_sql_int(db, &due, err, "SELECT coalesce(min(due_ms), ?1) FROM pending_due", "i",
                        (int64_t)NONE_DUE);
    if (rc == RS_OK)
        set_due(p, due);
    if (rc == RS_OK)
        rc = rl_sql_int(db, &retention, err,
                        "SELECT EXISTS(SELECT 1 FROM collections WHERE retention_secs > 0)", "");
    if (rc == RS_OK && retention)
        rl_pending_sweep(p);
    return rc;
}

int rl_pending_newest(sqlite3 *db, const char *tbl, const char *id, int *found, char **doc,
                      rs_err *err) {
    char *sql = sqlite3_mprintf("SELECT doc FROM \"%w_pending\" WHERE _id = ?1"
                                " ORDER BY pseq DESC LIMIT 1",
                                tbl);
    sqlite3_stmt *st = NULL;
    int rc = RS_OK;
    *found = 0;
    *doc = NULL;
    if (sql == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        rc = rs_err_set(err, RS_EINTERNAL, "database error: %s", sqlite3_errmsg(db));
    } else {
        sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            const char *text = (const char *)sqlite3_column_text(st, 0);
            *found = 1;
            if (text != NULL && (*doc = strdup(text)) == NULL)
                rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return rc;
}

/* ---- applying ---- */

/* Apply tbl's rows due at now, in pseq order (the order of the writes). A due row supersedes
 * the earlier rows of its document that are not due yet (written under a longer delay before a
 * restart): they go with it, or they would later bring back an older version. */
static int apply_table(sqlite3 *db, const char *tbl, int64_t now, int indexes_on, int *analyze,
                       rs_err *err) {
    char sql[640];
    sqlite3_stmt *st = NULL;
    rl_docwrite w;
    int rc = rl_docs_apply_begin(&w, db, tbl, indexes_on, err);
    if (rc != RS_OK)
        return rc;
    snprintf(sql, sizeof(sql),
             "SELECT _id, doc, seq FROM \"%s_pending\" WHERE vis_ms <= ?1 ORDER BY pseq", tbl);
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "database error: %s", sqlite3_errmsg(db));
    else
        sqlite3_bind_int64(st, 1, now);
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW)
        rc = rl_docs_apply(&w, (const char *)sqlite3_column_text(st, 0),
                           (const char *)sqlite3_column_text(st, 1), sqlite3_column_int64(st, 2),
                           err);
    sqlite3_finalize(st);
    if (rc == RS_OK) {
        snprintf(sql, sizeof(sql),
                 "DELETE FROM \"%s_pending\" AS p WHERE p.vis_ms <= ?1 OR EXISTS (SELECT 1 FROM"
                 " \"%s_pending\" q WHERE q._id = p._id AND q.pseq > p.pseq AND q.vis_ms <= ?1)",
                 tbl, tbl);
        rc = rl_sql(db, NULL, err, sql, "i", now);
    }
    if (rc == RS_OK) { /* the collection's next due time, or none */
        snprintf(sql, sizeof(sql),
                 "DELETE FROM pending_due WHERE tbl = ?1 AND NOT EXISTS (SELECT 1 FROM"
                 " \"%s_pending\")",
                 tbl);
        rc = rl_sql(db, NULL, err, sql, "s", tbl);
    }
    if (rc == RS_OK) {
        snprintf(sql, sizeof(sql),
                 "UPDATE pending_due SET due_ms = (SELECT min(vis_ms) FROM \"%s_pending\")"
                 " WHERE tbl = ?1",
                 tbl);
        rc = rl_sql(db, NULL, err, sql, "s", tbl);
    }
    int grown = 0, end = rl_docs_apply_end(&w, rc == RS_OK, &grown, err);
    *analyze = rc == RS_OK && end == RS_OK && grown;
    return rc != RS_OK ? rc : end;
}

/* The collections with due rows (a NULL-terminated array of malloc'd names). */
static int due_tables(sqlite3 *db, int64_t now, char ***out, rs_err *err) {
    sqlite3_stmt *st = NULL;
    char **names = NULL;
    size_t n = 0;
    int rc = RS_OK;
    if (sqlite3_prepare_v2(db, "SELECT tbl FROM pending_due WHERE due_ms <= ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return rs_err_set(err, RS_EINTERNAL, "database error: %s", sqlite3_errmsg(db));
    sqlite3_bind_int64(st, 1, now);
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW) {
        char **grown = realloc(names, (n + 2) * sizeof(*names));
        if (grown == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            break;
        }
        names = grown;
        names[n + 1] = NULL;
        names[n] = strdup((const char *)sqlite3_column_text(st, 0));
        if (names[n++] == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    *out = names;
    return rc;
}

static int apply_locked(rl_pending *p, sqlite3 *db, int64_t now, int indexes_on, rs_err *err) {
    char **names = NULL;
    int64_t next = NONE_DUE;
    size_t n = 0;
    int rc = rl_tx_begin(db, err);
    if (rc != RS_OK)
        return rc;
    rc = due_tables(db, now, &names, err);
    while (names != NULL && names[n] != NULL)
        n++;
    int *analyze = calloc(n + 1, sizeof(*analyze));
    if (rc == RS_OK && analyze == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    for (size_t i = 0; rc == RS_OK && i < n; i++)
        rc = apply_table(db, names[i], now, indexes_on, &analyze[i], err);
    if (rc == RS_OK)
        rc = rl_sql_int(db, &next, err, "SELECT coalesce(min(due_ms), ?1) FROM pending_due", "i",
                        (int64_t)NONE_DUE);
    /* set before COMMIT: a write committed after ours notes its due time after this store */
    if (rc == RS_OK)
        set_due(p, next);
    if (rl_tx_end(db, rc == RS_OK, rc == RS_OK ? err : NULL) != RS_OK || rc != RS_OK) {
        set_due(p, now); /* try again */
        rc = rc != RS_OK ? rc : (err ? err->code : RS_EINTERNAL);
    }
    for (size_t i = 0; i < n; i++) {
        if (rc == RS_OK && analyze[i]) /* grown past its statistics */
            rl_pending_want(p, names[i], 0, NULL, NULL);
        free(names[i]);
    }
    free(analyze);
    free(names);
    return rc;
}

/* An applier stores the next due time before its COMMIT (see apply_locked), so a caller that
 * reads a due time in the future may be looking at an apply not committed yet: it then waits
 * for that apply by taking apply_lock, or it would read the data table without rows that were
 * due when it started. `applying` is set before that store and cleared after the COMMIT. */
int rl_pending_apply_due(rl_pending *p, sqlite3 *db, int indexes_on, rs_err *err) {
    int64_t now = rl_now_ms();
    int rc = RS_OK;
    if (p == NULL || (due_of(p) > now && __atomic_load_n(&p->applying, __ATOMIC_ACQUIRE) == 0))
        return RS_OK;
    pthread_mutex_lock(&p->apply_lock);
    if (due_of(p) <= now) {
        __atomic_store_n(&p->applying, 1, __ATOMIC_RELEASE);
        rc = apply_locked(p, db, now, indexes_on, err);
        __atomic_store_n(&p->applying, 0, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&p->apply_lock);
    return rc;
}

/* ---- the background worker ---- */

static void wait_until(rl_pending *p, int64_t ms) {
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    pthread_cond_timedwait(&p->wake, &p->lock, &ts);
}

/* Whether an index build is queued. */
static int build_queued(rl_pending *p) {
    int any = 0;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->n_wants && !any; i++)
        any = p->wants[i].kind != 0;
    pthread_mutex_unlock(&p->lock);
    return any;
}

/* A write transaction whose length grows with a collection (an index build, a part of an
 * ANALYZE): document writes meanwhile wait for it instead of failing past their lock wait
 * (store.h rl_store_long_tx_begin). */
static int long_tx_begin(sqlite3 *db, rs_err *err) {
    rl_store_long_tx_begin();
    int rc = rl_tx_begin(db, err);
    if (rc != RS_OK)
        rl_store_long_tx_end();
    return rc;
}

static int long_tx_end(sqlite3 *db, int ok, rs_err *err) {
    int rc = rl_tx_end(db, ok, err);
    rl_store_long_tx_end();
    return rc;
}

/* ANALYZE one part of a collection at a time, each in a write transaction of its own, so that
 * a stream of writes waits for one index's read at most (fieldindex.h); from the part after
 * `after` ("" to start). When a query has asked for an index meanwhile, the rest goes back on
 * the queue (after the last part done) behind it: until its index exists the query reads every
 * document, while statistics only refine a choice among indexes. */
static int analyze_in_parts(rl_pending *p, sqlite3 *db, const char *tbl, const char *after,
                            rs_err *err) {
    char *part = strdup(after);
    int rc = part != NULL ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
    while (rc == RS_OK && part != NULL && (rc = long_tx_begin(db, err)) == RS_OK) {
        char *next = NULL;
        rc = rl_fieldindex_analyze_next(db, tbl, part, &next, err);
        if (rc == RS_OK && next == NULL)
            rc = rl_fieldindex_analyze_done(db, tbl, err);
        int end = long_tx_end(db, rc == RS_OK, rc == RS_OK ? err : NULL);
        rc = rc != RS_OK ? rc : end;
        free(part);
        part = next;
        if (rc == RS_OK && part != NULL && build_queued(p)) {
            rl_pending_want(p, tbl, 0, part, NULL);
            break;
        }
    }
    free(part);
    return rc;
}

/* After an index build: the statistics of the indexes of tbl that have none (the one just
 * made), one write transaction each, then published once (fieldindex.h says why). Nothing
 * when tbl was never analyzed. */
static int analyze_unmeasured(sqlite3 *db, const char *tbl, rs_err *err) {
    char *part = strdup("");
    int rc = part != NULL ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
    int measured = 0;
    while (rc == RS_OK && part != NULL && (rc = long_tx_begin(db, err)) == RS_OK) {
        char *next = NULL;
        rc = rl_fieldindex_analyze_unmeasured(db, tbl, part, &next, err);
        if (rc == RS_OK && next == NULL && measured)
            rc = rl_fieldindex_stats_publish(db, tbl, err);
        int end = long_tx_end(db, rc == RS_OK, rc == RS_OK ? err : NULL);
        rc = rc != RS_OK ? rc : end;
        measured += next != NULL;
        free(part);
        part = next;
    }
    free(part);
    return rc;
}

/* Run one request in a write transaction of its own (an ANALYZE in several). *built: 0 when a
 * composite index was not made (it existed, or the budget is full), else 1. */
static int run_want(rl_pending *p, sqlite3 *db, const want *w, int *built, rs_err *err) {
    if (w->kind == 0)
        return analyze_in_parts(p, db, w->tbl, w->args != NULL ? w->args : "", err);
    int rc = long_tx_begin(db, err);
    if (rc != RS_OK)
        return rc;
    if (w->kind == SQLX_INDEX_FUNCTION)
        rc = rl_fieldindex_ensure_function(db, w->tbl, w->fn, w->args, err);
    else if (w->kind == SQLX_INDEX_COMPOSITE && *w->fn) /* fn: the composite giving way */
        rc = rl_fieldindex_replace_composite(db, w->tbl, w->fn, w->args, built, err);
    else if (w->kind == SQLX_INDEX_COMPOSITE)
        rc = rl_fieldindex_build_composite(db, w->tbl, w->args, built, err);
    else
        rc = rl_fieldindex_build(db, w->tbl, (sqlx_index_kind)w->kind, w->args, err);
    int end = long_tx_end(db, rc == RS_OK, rc == RS_OK ? err : NULL);
    rc = rc != RS_OK ? rc : end;
    return rc == RS_OK ? analyze_unmeasured(db, w->tbl, err) : rc;
}

static const char *want_what(const want *w) {
    return w->kind == 0                      ? "ANALYZE"
           : w->kind == SQLX_INDEX_FUNCTION  ? "function index"
           : w->kind == SQLX_INDEX_COMPOSITE ? "composite index"
                                             : "index";
}

/* Take a request off the queue (the caller frees its args): the first index build, else the
 * first ANALYZE (analyze_in_parts says why); 0 when none. Under lock. */
static int next_want(rl_pending *p, want *out) {
    int at = 0;
    if (p->n_wants == 0)
        return 0;
    while (at < p->n_wants && p->wants[at].kind == 0)
        at++;
    if (at == p->n_wants)
        at = 0;
    *out = p->wants[at];
    memmove(&p->wants[at], &p->wants[at + 1], (size_t)(p->n_wants - at - 1) * sizeof(p->wants[0]));
    p->n_wants--;
    return 1;
}

/* A request done, to the log. */
static void log_done(const want *w, int built, int64_t ms) {
    if (w->kind == SQLX_INDEX_COMPOSITE && !built)
        fprintf(stderr,
                "rockset-local: composite index of %s %s: not made (it exists, or the"
                " collection has %d and none gave way)\n",
                w->tbl, w->args ? w->args : "", RL_FX_MAX_COMPOSITES);
    else if (w->kind == SQLX_INDEX_COMPOSITE && *w->fn)
        fprintf(
            stderr,
            "rockset-local: composite index of %s %s, in place of %s (unread for %lld s or more,"
            " while this was asked for %d times): %lld ms\n",
            w->tbl, w->args ? w->args : "", w->fn, (long long)(rl_compuse_idle_ms() / 1000),
            RL_COMPUSE_ASKS, (long long)ms);
    else
        fprintf(stderr, "rockset-local: %s of %s%s%s%s%s%s: %lld ms\n", want_what(w), w->tbl,
                w->args ? " " : "", w->fn, *w->fn ? "(" : "", w->args ? w->args : "",
                *w->fn ? ")" : "", (long long)ms);
}

/* Outside the lock: apply what is due, run one request. */
static void work_once(rl_pending *p, int has_want, const want *w) {
    rs_err err = {0};
    sqlite3 *db = rl_store_acquire(p->st, &err);
    int rc = db == NULL ? RS_EIO : RS_OK;
    if (rc == RS_OK && due_of(p) <= rl_now_ms())
        rc = rl_pending_apply_due(p, db, __atomic_load_n(&p->indexes_on, __ATOMIC_RELAXED), &err);
    if (rc != RS_OK)
        fprintf(stderr, "rockset-local: applying pending writes: %s\n", err.msg);
    if (db != NULL && has_want) { /* logged: these take seconds on a large collection */
        int64_t t0 = rl_mono_ms();
        int built = 1;
        if (run_want(p, db, w, &built, &err) != RS_OK) {
            fprintf(stderr, "rockset-local: %s of %s: %s\n", want_what(w), w->tbl, err.msg);
        } else {
            log_done(w, built, rl_mono_ms() - t0);
            if (w->kind != 0 && built)
                __atomic_add_fetch(&p->indexes_built, 1, __ATOMIC_RELEASE);
        }
    }
    rl_store_release(p->st, db);
    if (rc != RS_OK) { /* pending rows that cannot be applied: try again later, not at once */
        pthread_mutex_lock(&p->lock);
        if (!p->stop)
            wait_until(p, rl_now_ms() + 200);
        pthread_mutex_unlock(&p->lock);
    }
}

/* Under lock, at or after next_sweep_ms: purge what retention says is gone (outside the lock). */
static void sweep_retention(rl_pending *p) {
    rs_err err = {0};
    p->next_sweep_ms = rl_now_ms() + RL_PENDING_SWEEP_MS;
    pthread_mutex_unlock(&p->lock);
    sqlite3 *db = rl_store_acquire(p->st, &err);
    if (db != NULL &&
        rl_retention_purge(db, __atomic_load_n(&p->indexes_on, __ATOMIC_RELAXED), &err) != RS_OK)
        fprintf(stderr, "rockset-local: retention: %s\n", err.msg);
    rl_store_release(p->st, db);
    pthread_mutex_lock(&p->lock);
}

/* Under lock, once due: write the noted last_queried_ms values (outside the lock). */
static void write_queried(rl_pending *p) {
    queried *q = p->queried;
    int n = p->n_queried;
    rs_err err = {0};
    p->queried = NULL;
    p->n_queried = 0;
    p->queried_due_ms = NONE_DUE;
    pthread_mutex_unlock(&p->lock);
    sqlite3 *db = rl_store_acquire(p->st, &err);
    if (db != NULL && rl_tx_begin(db, &err) == RS_OK) {
        int rc = RS_OK;
        for (int i = 0; i < n && rc == RS_OK; i++)
            rc = rl_sql(db, NULL, &err,
                        "UPDATE collections SET last_queried_ms = max(coalesce(last_queried_ms,"
                        " 0), ?1) WHERE ws || '.' || name = ?2",
                        "is", q[i].ms, q[i].name);
        rl_store_quiet_commits(1); /* no translation reads last_queried_ms (xlcache.h) */
        rl_tx_end(db, rc == RS_OK, NULL);
        rl_store_quiet_commits(0);
    }
    rl_store_release(p->st, db);
    free(q);
    pthread_mutex_lock(&p->lock);
}

static void *worker_main(void *arg) {
    rl_pending *p = arg;
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        int64_t due = due_of(p), now = rl_now_ms();
        if (p->sweep && now >= p->next_sweep_ms) {
            sweep_retention(p);
            continue;
        }
        if (now >= p->queried_due_ms) {
            write_queried(p);
            continue;
        }
        want w;
        int has_want = next_want(p, &w);
        if (!has_want && due > now) {
            int64_t wake = p->sweep && p->next_sweep_ms < due ? p->next_sweep_ms : due;
            if (p->queried_due_ms < wake)
                wake = p->queried_due_ms;
            if (wake == NONE_DUE)
                pthread_cond_wait(&p->wake, &p->lock);
            else
                wait_until(p, wake);
            continue;
        }
        if (has_want)
            memcpy(p->running, w.tbl, sizeof p->running);
        pthread_mutex_unlock(&p->lock);
        work_once(p, has_want, &w);
        if (has_want)
            free(w.args);
        pthread_mutex_lock(&p->lock);
        p->running[0] = '\0';
    }
    if (p->n_queried > 0) /* a clean stop keeps what was noted */
        write_queried(p);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Under lock: start the worker the first time, wake it. */
static void kick(rl_pending *p) {
    if (!p->started && !p->stop)
        p->started = pthread_create(&p->thread, NULL, worker_main, p) == 0;
    pthread_cond_broadcast(&p->wake);
}

void rl_pending_sweep(rl_pending *p) {
    if (p == NULL)
        return;
    pthread_mutex_lock(&p->lock);
    if (!p->sweep)
        p->next_sweep_ms = rl_now_ms() + RL_PENDING_SWEEP_MS;
    p->sweep = 1;
    kick(p);
    pthread_mutex_unlock(&p->lock);
}

int rl_pending_sweeps(rl_pending *p) {
    if (p == NULL)
        return 0;
    pthread_mutex_lock(&p->lock);
    int sweep = p->sweep;
    pthread_mutex_unlock(&p->lock);
    return sweep;
}

void rl_pending_note(rl_pending *p, int64_t due_ms, int indexes_on) {
    int64_t seen = due_of(p);
    __atomic_store_n(&p->indexes_on, indexes_on, __ATOMIC_RELAXED);
    while (due_ms < seen && !__atomic_compare_exchange_n(&p->due_ms, &seen, due_ms, 0,
                                                         __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
        ;
    pthread_mutex_lock(&p->lock);
    kick(p);
    pthread_mutex_unlock(&p->lock);
}

void rl_pending_want(rl_pending *p, const char *tbl, int kind, const char *args, const char *fn) {
    if (p == NULL)
        return;
    if (fn == NULL)
        fn = "";
    pthread_mutex_lock(&p->lock);
    int dup = 0;
    for (int i = 0; i < p->n_wants && !dup; i++)
        dup = p->wants[i].kind == kind && strcmp(p->wants[i].tbl, tbl) == 0 &&
              strcmp(p->wants[i].fn, fn) == 0 &&
              (args == NULL ? p->wants[i].args == NULL
                            : p->wants[i].args != NULL && strcmp(p->wants[i].args, args) == 0);
    if (!dup && p->n_wants < RL_PENDING_MAX_WANTS && !p->stop) {
        want *w = &p->wants[p->n_wants];
        snprintf(w->tbl, sizeof(w->tbl), "%s", tbl);
        snprintf(w->fn, sizeof(w->fn), "%s", fn);
        w->kind = kind;
        w->args = args != NULL ? strdup(args) : NULL;
        if (args == NULL || w->args != NULL)
            p->n_wants++;
    }
    kick(p);
    pthread_mutex_unlock(&p->lock);
}

int64_t rl_pending_indexes_built(rl_pending *p) {
    return p != NULL ? __atomic_load_n(&p->indexes_built, __ATOMIC_ACQUIRE) : 0;
}

int rl_pending_busy(rl_pending *p) {
    int n = 0;
    if (p == NULL)
        return 0;
    pthread_mutex_lock(&p->lock);
    n = p->n_wants + (p->running[0] != '\0');
    pthread_mutex_unlock(&p->lock);
    return n;
}

int rl_pending_queued(rl_pending *p, const char *tbl) {
    int n = 0;
    if (p == NULL)
        return 0;
    pthread_mutex_lock(&p->lock);
    for (int i = 0; i < p->n_wants; i++)
        n += strcmp(p->wants[i].tbl, tbl) == 0;
    n += strcmp(p->running, tbl) == 0;
    pthread_mutex_unlock(&p->lock);
    return n;
}

/* Under lock: note collection name ("ws.name") as queried at now_ms. */
static void note_name(rl_pending *p, const char *name, int64_t now_ms) {
    for (int i = 0; i < p->n_queried; i++) {
        if (strcmp(p->queried[i].name, name) == 0) {
            p->queried[i].ms = now_ms;
            return;
        }
    }
    if (p->n_queried == RL_PENDING_MAX_QUERIED || strlen(name) >= sizeof(p->queried[0].name))
        return;
    if (p->queried == NULL &&
        (p->queried = calloc(RL_PENDING_MAX_QUERIED, sizeof(*p->queried))) == NULL)
        return;
    snprintf(p->queried[p->n_queried].name, sizeof(p->queried[0].name), "%s", name);
    p->queried[p->n_queried++].ms = now_ms;
}

void rl_pending_queried(rl_pending *p, const char *collections_json, int64_t now_ms) {
    rs_jsonscan_iter it;
    rs_jsonscan_span value;
    rs_buf name = RS_BUF_INIT;
    if (p == NULL || collections_json == NULL ||
        rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(collections_json)) != RS_OK)
        return;
    pthread_mutex_lock(&p->lock);
    while (rs_jsonscan_iter_next(&it, NULL, &value) == 1) {
        rs_buf_reset(&name);
        if (rs_jsonscan_string_decode(value, &name, NULL) == RS_OK && !name.oom)
            note_name(p, rs_buf_cstr(&name), now_ms);
    }
    if (p->n_queried > 0 && p->queried_due_ms == NONE_DUE) {
        p->queried_due_ms = now_ms + RL_PENDING_QUERIED_MS;
        kick(p);
    }
    pthread_mutex_unlock(&p->lock);
    rs_buf_free(&name);
}
