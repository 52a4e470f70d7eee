/*
 * test_auth.c - key digests and generated ids of rockset-local.
 *
 * rl_auth_digest must be HMAC-SHA256(server secret, key) whichever path answers it: the keyed
 * MAC duplicated per call, or the thread's memo of the key it hashed last. The memo must never
 * answer for another server's secret (two stores in one process, one freed and another made at
 * the same address) or for another key. Ids (rl_uuid, rl_id_alnum) come from a per-thread pool
 * of random bytes: their form, and that they do not repeat.
 */
#include "server/auth.h"
#include "server/store.h"
#include "testlib.h"

#include <openssl/hmac.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* A key store's database: the meta table rl_auth_new keeps its secret in. */
static sqlite3 *meta_db(void) {
    sqlite3 *db = NULL;
    if (sqlite3_open(":memory:", &db) != SQLITE_OK ||
        sqlite3_exec(db, "CREATE TABLE meta(k TEXT PRIMARY KEY, v)", NULL, NULL, NULL) != SQLITE_OK)
        return NULL;
    return db;
}

static rl_auth *auth_on(sqlite3 *db) {
    rl_auth_config cfg = {NULL, 0, 0};
    rl_auth *a = NULL;
    rs_err err = {0};
    return rl_auth_new(db, &cfg, &a, &err) == RS_OK ? a : NULL;
}

/* HMAC-SHA256 of key under the secret db holds, computed by libcrypto's one-shot HMAC(). */
static void expected_digest(sqlite3 *db, const char *key, size_t len, unsigned char out[32]) {
    sqlite3_stmt *st = NULL;
    unsigned int out_len = 32;
    memset(out, 0, 32);
    if (sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = 'auth.secret'", -1, &st, NULL) ==
            SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
        HMAC(EVP_sha256(), sqlite3_column_blob(st, 0), 32, (const unsigned char *)key, len, out,
             &out_len);
    sqlite3_finalize(st);
}

/* 1 when a's digest of key is the HMAC of db's secret. */
static int digest_right(rl_auth *a, sqlite3 *db, const char *key, size_t len) {
    unsigned char got[32], want[32];
    expected_digest(db, key, len, want);
    return rl_auth_digest(a, key, len, got) == 0 && memcmp(got, want, 32) == 0;
}

typedef struct {
    rl_auth *a;
    sqlite3 *db;
    int right;
} thread_arg;

static void *digest_elsewhere(void *p) {
    thread_arg *t = p;
    t->right = digest_right(t->a, t->db, "k-one", 5) && digest_right(t->a, t->db, "k-one", 5);
    return NULL;
}

static void test_digests(void) {
    sqlite3 *db1 = meta_db(), *db2 = meta_db();
    rl_auth *a1 = db1 ? auth_on(db1) : NULL, *a2 = db2 ? auth_on(db2) : NULL;
    char long_key[300];
    thread_arg t;
    pthread_t tid;
    CHECK("auth: two key stores made", a1 != NULL && a2 != NULL);
    if (a1 == NULL || a2 == NULL)
        goto done;
    CHECK("auth: a digest is HMAC-SHA256 of the secret", digest_right(a1, db1, "k-one", 5));
    CHECK("auth: the same key again (the memo)", digest_right(a1, db1, "k-one", 5));
    CHECK("auth: another key after it", digest_right(a1, db1, "k-two", 5));
    CHECK("auth: a prefix of the last key", digest_right(a1, db1, "k-tw", 4));
    CHECK("auth: the same key under another secret", digest_right(a2, db2, "k-tw", 4));
    CHECK("auth: back to the first secret", digest_right(a1, db1, "k-tw", 4));
    memset(long_key, 'x', sizeof(long_key));
    CHECK("auth: a key longer than the memo holds", digest_right(a1, db1, long_key, 300));
    CHECK("auth: ...and again", digest_right(a1, db1, long_key, 300));
    long_key[299] = 'y';
    CHECK("auth: a long key differing in its last byte", digest_right(a1, db1, long_key, 300));
    t.a = a2;
    t.db = db2;
    t.right = 0;
    CHECK("auth: another thread", pthread_create(&tid, NULL, digest_elsewhere, &t) == 0 &&
                                      pthread_join(tid, NULL) == 0 && t.right);
    /* a store freed and another made (perhaps at the same address): its own secret answers */
    rl_auth_free(a1);
    a1 = auth_on(db2);
    CHECK("auth: a new key store after one freed", a1 != NULL && digest_right(a1, db2, "k-tw", 4));
done:
    rl_auth_free(a1);
    rl_auth_free(a2);
    sqlite3_close(db1);
    sqlite3_close(db2);
}

static int uuid_form(const char *u) {
    int i;
    if (strlen(u) != 36 || u[14] != '4' || strchr("89ab", u[19]) == NULL)
        return 0;
    for (i = 0; i < 36; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? u[i] != '-' : strchr("0123456789abcdef", u[i]) == NULL)
            return 0;
    }
    return 1;
}

static int cmp_text(const void *x, const void *y) {
    return strcmp((const char *)x, (const char *)y);
}

static void test_ids(void) {
    enum { N = 2000 };
    static char ids[N][37];
    char alnum[65];
    int i, formed = 1, distinct = 1, charset = 1;
    for (i = 0; i < N; i++) {
        rl_uuid(ids[i]);
        formed &= uuid_form(ids[i]);
    }
    qsort(ids, N, sizeof(ids[0]), cmp_text);
    for (i = 1; i < N; i++)
        distinct &= strcmp(ids[i - 1], ids[i]) != 0;
    CHECK("ids: version-4 uuids, lower-case hex", formed);
    CHECK("ids: 2,000 uuids, none repeated", distinct);
    rl_id_alnum(alnum, 64);
    for (i = 0; i < 64; i++)
        charset &= strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                          alnum[i]) != NULL;
    CHECK("ids: 64 alphanumerics, then the end", charset && alnum[64] == '\0');
    rl_id_alnum(alnum, 100);
    CHECK("ids: at most 64", strlen(alnum) == 64);
}

int main(void) {
    test_digests();
    test_ids();
    TEST_DONE();
}
