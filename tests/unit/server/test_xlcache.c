/*
 * test_xlcache.c - SELECT translations kept while the store is unchanged (server/xlcache.h): a
 * translation is found under its key while the generation and schema version it was made at
 * last, as a copy the caller owns, with the workspaces it read; a data generation moved serves
 * for RL_XLCACHE_DATA_TTL_MS only; another key finds nothing; a newer translation replaces an
 * older one; many keys never find another's; without a cache nothing.
 */
#include "server/xlcache.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A translation as the translator leaves it, its texts malloc'd. */
static sqlx_stmt made(const char *sql) {
    sqlx_stmt st;
    memset(&st, 0, sizeof st);
    st.kind = SQLX_SELECT;
    st.sqlite_sql = strdup(sql);
    st.collections = calloc(2, sizeof(char *));
    st.collections[0] = strdup("ws1.c");
    st.n_collections = 1;
    st.param_names = calloc(1, sizeof(char *));
    st.index_form = 1;
    return st;
}

static const char workspaces[] = "ws1\0ws2\0"; /* each name ended by a NUL, then an empty one */

static rl_xl_stamp at(int64_t gen, int64_t data_gen, int schema, int64_t ms) {
    rl_xl_stamp s = {gen, data_gen, schema, ms};
    return s;
}

static void test_hits_and_misses(void) {
    rl_xlcache *c = rl_xlcache_new();
    sqlx_stmt kept = made("SELECT doc FROM t_data"), got;
    char *ws = NULL;
    rl_xl_stamp t0 = at(3, 10, 7, 1000);
    CHECK("made", c != NULL);
    CHECK_INT("empty", rl_xlcache_get(c, "k1", &t0, &got, &ws), 0);
    rl_xlcache_put(c, "k1", &t0, &kept, workspaces, sizeof workspaces);
    sqlx_stmt_free(&kept); /* the cache holds its own copy */
    rl_xl_stamp later = at(3, 10, 7, 999999);
    CHECK_INT("found", rl_xlcache_get(c, "k1", &later, &got, &ws), 1);
    CHECK_STR("its_sql", got.sqlite_sql, "SELECT doc FROM t_data");
    CHECK_INT("its_collections", got.n_collections, 1);
    CHECK_STR("its_collection", got.collections[0], "ws1.c");
    CHECK_INT("its_index_form", got.index_form, 1);
    CHECK("its_workspaces", ws != NULL && memcmp(ws, workspaces, sizeof workspaces) == 0);
    sqlx_stmt_free(&got);
    free(ws);
    rl_xl_stamp s = at(4, 11, 7, 1000);
    CHECK_INT("another_generation", rl_xlcache_get(c, "k1", &s, &got, &ws), 0);
    s = at(3, 10, 8, 1000);
    CHECK_INT("another_schema", rl_xlcache_get(c, "k1", &s, &got, &ws), 0);
    s = at(3, 11, 7, 1000 + RL_XLCACHE_DATA_TTL_MS);
    CHECK_INT("documents_changed_within_ttl", rl_xlcache_get(c, "k1", &s, &got, &ws), 1);
    sqlx_stmt_free(&got);
    free(ws);
    s = at(3, 11, 7, 1001 + RL_XLCACHE_DATA_TTL_MS);
    CHECK_INT("documents_changed_past_ttl", rl_xlcache_get(c, "k1", &s, &got, &ws), 0);
    s = at(3, 11, 7, 999);
    CHECK_INT("documents_changed_clock_before", rl_xlcache_get(c, "k1", &s, &got, &ws), 0);
    CHECK_INT("another_key", rl_xlcache_get(c, "k2", &t0, &got, &ws), 0);
    s = at(-1, 10, 7, 1000);
    CHECK_INT("no_generation", rl_xlcache_get(c, "k1", &s, &got, &ws), 0);
    kept = made("SELECT 2");
    s = at(4, 12, 7, 2000);
    rl_xlcache_put(c, "k1", &s, &kept, workspaces, sizeof workspaces);
    sqlx_stmt_free(&kept);
    CHECK_INT("replaced", rl_xlcache_get(c, "k1", &s, &got, &ws), 1);
    CHECK_STR("the_newer_sql", got.sqlite_sql, "SELECT 2");
    sqlx_stmt_free(&got);
    free(ws);
    CHECK_INT("old_generation_gone", rl_xlcache_get(c, "k1", &t0, &got, &ws), 0);
    rl_xlcache_free(c);
}

/* Many keys: each finds its own translation or nothing (slots are shared), never another's. */
static void test_many_keys(void) {
    rl_xlcache *c = rl_xlcache_new();
    rl_xl_stamp one = at(1, 1, 1, 0);
    char key[64];
    int wrong = 0, found = 0;
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "SELECT %d", i);
        sqlx_stmt st = made(key);
        rl_xlcache_put(c, key, &one, &st, workspaces, sizeof workspaces);
        sqlx_stmt_free(&st);
    }
    for (int i = 0; i < 1000; i++) {
        sqlx_stmt got;
        char *ws = NULL;
        snprintf(key, sizeof key, "SELECT %d", i);
        if (rl_xlcache_get(c, key, &one, &got, &ws)) {
            found++;
            wrong += strcmp(got.sqlite_sql, key) != 0;
            sqlx_stmt_free(&got);
            free(ws);
        }
    }
    CHECK_INT("never_another_keys_translation", wrong, 0);
    CHECK("the_last_keys_found", found > 0 && found <= 1000);
    rl_xlcache_free(c);
}

static void test_no_cache(void) {
    sqlx_stmt st = made("SELECT 1"), got;
    char *ws = NULL;
    rl_xl_stamp one = at(1, 1, 1, 0);
    rl_xlcache_put(NULL, "k", &one, &st, workspaces, sizeof workspaces);
    CHECK_INT("none_found", rl_xlcache_get(NULL, "k", &one, &got, &ws), 0);
    CHECK("workspaces_untouched", ws == NULL);
    sqlx_stmt_free(&st);
    rl_xlcache_free(NULL);
}

int main(void) {
    test_hits_and_misses();
    test_many_keys();
    test_no_cache();
    TEST_DONE();
}
