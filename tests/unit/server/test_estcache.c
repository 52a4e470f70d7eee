/*
 * test_estcache.c - the planner's range counts kept between queries (server/estcache.h): a count
 * is found under its key while the collection's generation is the one it was taken at and for at
 * most the TTL; another generation, an older count or another key finds nothing; a newer count
 * replaces an older one; without a cache nothing is found.
 */
#include "server/estcache.h"
#include "testlib.h"

#include <stdio.h>

static void test_hits_and_misses(void) {
    rl_estcache *c = rl_estcache_new();
    int64_t n = -1;
    CHECK("made", c != NULL);
    CHECK_INT("empty", rl_estcache_get(c, "SELECT 1", 7, 1000, &n), 0);
    rl_estcache_put(c, "SELECT 1", 7, 1000, 42);
    CHECK_INT("found", rl_estcache_get(c, "SELECT 1", 7, 1000, &n), 1);
    CHECK_INT("its_count", n, 42);
    CHECK_INT("at_the_ttl", rl_estcache_get(c, "SELECT 1", 7, 1000 + RL_ESTCACHE_TTL_MS, &n), 1);
    CHECK_INT("past_the_ttl", rl_estcache_get(c, "SELECT 1", 7, 1001 + RL_ESTCACHE_TTL_MS, &n), 0);
    CHECK_INT("before_it_was_taken", rl_estcache_get(c, "SELECT 1", 7, 999, &n), 0);
    CHECK_INT("another_generation", rl_estcache_get(c, "SELECT 1", 8, 1000, &n), 0);
    CHECK_INT("another_key", rl_estcache_get(c, "SELECT 2", 7, 1000, &n), 0);
    rl_estcache_put(c, "SELECT 1", 8, 2000, 43);
    CHECK_INT("replaced", rl_estcache_get(c, "SELECT 1", 8, 2000, &n), 1);
    CHECK_INT("the_newer_count", n, 43);
    CHECK_INT("old_generation_gone", rl_estcache_get(c, "SELECT 1", 7, 2000, &n), 0);
    rl_estcache_free(c);
}

/* Many keys: each finds its own count or nothing (slots are shared), never another's. */
static void test_many_keys(void) {
    rl_estcache *c = rl_estcache_new();
    char key[64];
    int wrong = 0, found = 0;
    for (int i = 0; i < 2000; i++) {
        snprintf(key, sizeof key, "SELECT count(*) -- %d", i);
        rl_estcache_put(c, key, 1, 0, i);
    }
    for (int i = 0; i < 2000; i++) {
        int64_t n = -1;
        snprintf(key, sizeof key, "SELECT count(*) -- %d", i);
        if (rl_estcache_get(c, key, 1, 0, &n)) {
            found++;
            wrong += n != i;
        }
    }
    CHECK_INT("never_another_keys_count", wrong, 0);
    CHECK("the_last_keys_found", found > 0 && found <= 2000);
    rl_estcache_free(c);
}

static void test_no_cache(void) {
    int64_t n = 5;
    rl_estcache_put(NULL, "SELECT 1", 1, 0, 1);
    CHECK_INT("none_found", rl_estcache_get(NULL, "SELECT 1", 1, 0, &n), 0);
    CHECK_INT("count_untouched", n, 5);
    rl_estcache_free(NULL);
}

int main(void) {
    test_hits_and_misses();
    test_many_keys();
    test_no_cache();
    TEST_DONE();
}
