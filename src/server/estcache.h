/*
 * estcache.h - the planner's range counts kept between queries.
 *
 * Choosing among a collection's key tests counts the documents in each test's range through
 * its index (sqlx_emit.c, choose_for_relation): on a million documents about 240 ns a key, so
 * a 7-day window beside `conclusion = 'failure'` costs 10 ms to plan, every time a dashboard
 * asks again. A count only picks the index to read by (every conjunct stays in the query), so
 * one a few seconds old serves as well: this cache keeps each count under its count statement
 * with its parameters bound, while the collection's generation (its document count and bytes,
 * which every add, replace or delete of a different size moves) is unchanged and for at most
 * RL_ESTCACHE_TTL_MS.
 *
 * Ownership: the server owns one (rl_server.estimates); keys are copied.
 * Thread-safety: every function may be called from any thread (one mutex).
 */
#ifndef RL_ESTCACHE_H
#define RL_ESTCACHE_H

#include <stdint.h>

#define RL_ESTCACHE_TTL_MS 5000

typedef struct rl_estcache rl_estcache;

/* A new, empty cache; NULL when out of memory (then nothing is cached). */
rl_estcache *rl_estcache_new(void);
void rl_estcache_free(rl_estcache *c);

/* 1 and *count when key was counted at generation gen no longer than the TTL before now_ms;
 * 0 otherwise. c may be NULL. */
int rl_estcache_get(rl_estcache *c, const char *key, int64_t gen, int64_t now_ms, int64_t *count);

/* Keep key's count, taken at generation gen at now_ms (replacing whatever shares its slot). */
void rl_estcache_put(rl_estcache *c, const char *key, int64_t gen, int64_t now_ms, int64_t count);

#endif
