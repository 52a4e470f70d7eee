/* xlcache.c - translations of SELECT statements kept while the store is unchanged
 * (xlcache.h). Direct-mapped by the key's hash: a collision replaces. */
#include "xlcache.h"
#include "hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define XL_SLOTS 256

typedef struct {
    char *key; /* NULL: empty */
    uint64_t hash;
    rl_xl_stamp made;
    sqlx_stmt st;
    char *workspaces;
    size_t workspaces_len;
} xl_entry;

struct rl_xlcache {
    pthread_mutex_t lock;
    xl_entry slots[XL_SLOTS];
};

rl_xlcache *rl_xlcache_new(void) {
    rl_xlcache *c = calloc(1, sizeof *c);
    if (c != NULL)
        pthread_mutex_init(&c->lock, NULL);
    return c;
}

static void entry_clear(xl_entry *e) {
    free(e->key);
    free(e->workspaces);
    sqlx_stmt_free(&e->st);
    memset(e, 0, sizeof *e);
}

void rl_xlcache_free(rl_xlcache *c) {
    if (c == NULL)
        return;
    for (int i = 0; i < XL_SLOTS; i++)
        entry_clear(&c->slots[i]);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

/* Whether a translation made at made still serves at now. */
static int still_serves(const rl_xl_stamp *made, const rl_xl_stamp *now) {
    return made->gen == now->gen && made->schema_version == now->schema_version &&
           (made->data_gen == now->data_gen ||
            (now->mono_ms >= made->mono_ms &&
             now->mono_ms - made->mono_ms <= RL_XLCACHE_DATA_TTL_MS));
}

int rl_xlcache_get(rl_xlcache *c, const char *key, const rl_xl_stamp *now, sqlx_stmt *st,
                   char **workspaces) {
    uint64_t hash = rs_fnv1a64(key, strlen(key));
    int found = 0;
    if (c == NULL || now->gen < 0)
        return 0;
    pthread_mutex_lock(&c->lock);
    xl_entry *e = &c->slots[hash % XL_SLOTS];
    if (e->key != NULL && e->hash == hash && still_serves(&e->made, now) &&
        strcmp(e->key, key) == 0) {
        *workspaces = malloc(e->workspaces_len);
        if (*workspaces != NULL && sqlx_stmt_copy(&e->st, st) == 0) {
            memcpy(*workspaces, e->workspaces, e->workspaces_len);
            found = 1;
        } else {
            free(*workspaces);
            *workspaces = NULL;
        }
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

void rl_xlcache_put(rl_xlcache *c, const char *key, const rl_xl_stamp *made, const sqlx_stmt *st,
                    const char *workspaces, size_t workspaces_len) {
    xl_entry fresh = {0};
    if (c == NULL || made->gen < 0)
        return;
    fresh.hash = rs_fnv1a64(key, strlen(key));
    fresh.made = *made;
    fresh.key = strdup(key);
    fresh.workspaces = malloc(workspaces_len);
    fresh.workspaces_len = workspaces_len;
    if (fresh.key == NULL || fresh.workspaces == NULL || sqlx_stmt_copy(st, &fresh.st) != 0) {
        free(fresh.key);
        free(fresh.workspaces);
        return;
    }
    memcpy(fresh.workspaces, workspaces, workspaces_len);
    pthread_mutex_lock(&c->lock);
    xl_entry *e = &c->slots[fresh.hash % XL_SLOTS];
    xl_entry old = *e;
    *e = fresh;
    pthread_mutex_unlock(&c->lock);
    entry_clear(&old);
}
