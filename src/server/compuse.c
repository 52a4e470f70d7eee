/* compuse.c - composite indexes by use (compuse.h). A small table searched in full: a store has
 * at most RL_FX_MAX_COMPOSITES composites a collection, and a few sets of paths asked past it. */
#include "compuse.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct entry {
    char *key;                     /* an index name, or "tbl\tpaths" for a set of paths asked */
    int64_t last;                  /* when it was last read (names) */
    int64_t asks[RL_COMPUSE_ASKS]; /* when it was last asked for, a ring (paths) */
    int n_asks;
} entry;

struct rl_compuse {
    pthread_mutex_t lock;
    int64_t idle_ms;
    entry entries[RL_COMPUSE_ENTRIES];
    int n;
};

rl_compuse *rl_compuse_new(int64_t idle_ms) {
    rl_compuse *u = calloc(1, sizeof *u);
    if (u != NULL && pthread_mutex_init(&u->lock, NULL) != 0) {
        free(u);
        return NULL;
    }
    if (u != NULL)
        u->idle_ms = idle_ms;
    return u;
}

void rl_compuse_free(rl_compuse *u) {
    if (u == NULL)
        return;
    for (int i = 0; i < u->n; i++)
        free(u->entries[i].key);
    pthread_mutex_destroy(&u->lock);
    free(u);
}

static int64_t newest(const entry *e) {
    int64_t at = e->last;
    for (int i = 0; i < e->n_asks && i < RL_COMPUSE_ASKS; i++)
        at = e->asks[i] > at ? e->asks[i] : at;
    return at;
}

static void drop_at(rl_compuse *u, int at) {
    free(u->entries[at].key);
    u->entries[at] = u->entries[--u->n];
}

/* The entry of key, made when missing (the stalest entry dropped for it when full); NULL when
 * out of memory. */
static entry *entry_of(rl_compuse *u, const char *key, int *made) {
    *made = 0;
    for (int i = 0; i < u->n; i++)
        if (strcmp(u->entries[i].key, key) == 0)
            return &u->entries[i];
    char *copy = strdup(key);
    if (copy == NULL)
        return NULL;
    if (u->n == RL_COMPUSE_ENTRIES) {
        int stalest = 0;
        for (int i = 1; i < u->n; i++)
            stalest = newest(&u->entries[i]) < newest(&u->entries[stalest]) ? i : stalest;
        drop_at(u, stalest);
    }
    entry *e = &u->entries[u->n++];
    memset(e, 0, sizeof *e);
    e->key = copy;
    *made = 1;
    return e;
}

static void forget(rl_compuse *u, const char *key) {
    for (int i = 0; i < u->n; i++)
        if (strcmp(u->entries[i].key, key) == 0) {
            drop_at(u, i);
            return;
        }
}

int64_t rl_compuse_idle_ms(void) {
    const char *v = getenv("ROCKSET_LOCAL_COMPOSITE_IDLE_MS");
    char *end = NULL;
    long long ms = v != NULL ? strtoll(v, &end, 10) : 0;
    return v != NULL && end != v && *end == '\0' && ms >= 1 && ms <= 86400000LL
               ? (int64_t)ms
               : RL_COMPUSE_IDLE_MS;
}

void rl_compuse_read(rl_compuse *u, const char *index, int64_t now_ms) {
    int made;
    if (u == NULL || index == NULL)
        return;
    pthread_mutex_lock(&u->lock);
    entry *e = entry_of(u, index, &made);
    if (e != NULL)
        e->last = now_ms;
    pthread_mutex_unlock(&u->lock);
}

/* Under lock: when the oldest of paths' last RL_COMPUSE_ASKS asks was, this one recorded, or
 * -1 while it has fewer. */
static int64_t record_ask(rl_compuse *u, const char *key, int64_t now_ms) {
    int made;
    entry *e = entry_of(u, key, &made);
    if (e == NULL)
        return -1;
    e->asks[e->n_asks % RL_COMPUSE_ASKS] = now_ms;
    e->n_asks++;
    return e->n_asks >= RL_COMPUSE_ASKS ? e->asks[e->n_asks % RL_COMPUSE_ASKS] : -1;
}

int rl_compuse_asked(rl_compuse *u, const char *tbl, const char *paths, const char *const *existing,
                     int n, int64_t now_ms, const char **victim) {
    int made, given = 0;
    if (u == NULL || tbl == NULL || paths == NULL || n <= 0)
        return 0;
    size_t len = strlen(tbl) + strlen(paths) + 2;
    char *key = malloc(len);
    if (key == NULL)
        return 0;
    strcpy(key, tbl);
    strcat(key, "\t");
    strcat(key, paths);
    pthread_mutex_lock(&u->lock);
    int64_t last[RL_COMPUSE_ENTRIES];
    int least = -1;
    for (int i = 0; i < n && i < RL_COMPUSE_ENTRIES; i++) {
        entry *e = entry_of(u, existing[i], &made);
        if (e != NULL && made) /* first seen: read now, as far as this knows */
            e->last = now_ms;
        last[i] = e != NULL ? e->last : INT64_MAX;
        least = least < 0 || last[i] < last[least] ? i : least;
    }
    int64_t oldest_ask = record_ask(u, key, now_ms);
    if (least >= 0 && oldest_ask >= last[least] && now_ms - last[least] >= u->idle_ms) {
        *victim = existing[least];
        forget(u, key);
        forget(u, existing[least]);
        given = 1;
    }
    pthread_mutex_unlock(&u->lock);
    free(key);
    return given;
}
