/* estcache.c - see estcache.h. A direct-mapped table: a key's hash picks its one slot, and a
 * newer count replaces an older one there (a dashboard's few dozen statements fit easily). */
#include "estcache.h"
#include "hash.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SLOTS 512

typedef struct slot {
    char *key;
    uint64_t hash;
    int64_t gen, at_ms, count;
} slot;

struct rl_estcache {
    pthread_mutex_t lock;
    slot slots[SLOTS];
};

rl_estcache *rl_estcache_new(void) {
    rl_estcache *c = calloc(1, sizeof(*c));
    if (c != NULL && pthread_mutex_init(&c->lock, NULL) != 0) {
        free(c);
        return NULL;
    }
    return c;
}

void rl_estcache_free(rl_estcache *c) {
    if (c == NULL)
        return;
    for (int i = 0; i < SLOTS; i++)
        free(c->slots[i].key);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

int rl_estcache_get(rl_estcache *c, const char *key, int64_t gen, int64_t now_ms, int64_t *count) {
    if (c == NULL || key == NULL)
        return 0;
    uint64_t h = rs_fnv1a64(key, strlen(key));
    int found = 0;
    pthread_mutex_lock(&c->lock);
    const slot *s = &c->slots[h % SLOTS];
    if (s->key != NULL && s->hash == h && s->gen == gen && now_ms - s->at_ms >= 0 &&
        now_ms - s->at_ms <= RL_ESTCACHE_TTL_MS && strcmp(s->key, key) == 0) {
        *count = s->count;
        found = 1;
    }
    pthread_mutex_unlock(&c->lock);
    return found;
}

void rl_estcache_put(rl_estcache *c, const char *key, int64_t gen, int64_t now_ms, int64_t count) {
    if (c == NULL || key == NULL)
        return;
    uint64_t h = rs_fnv1a64(key, strlen(key));
    char *copy = strdup(key);
    if (copy == NULL)
        return; /* not cached: counted again next time */
    pthread_mutex_lock(&c->lock);
    slot *s = &c->slots[h % SLOTS];
    char *old = s->key;
    *s = (slot){copy, h, gen, now_ms, count};
    pthread_mutex_unlock(&c->lock);
    free(old);
}
