/* kept.c - statements kept prepared on a connection between queries (kept.h). */
#include "kept.h"

#include "hash.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    const char *mark;
    int limit;
} kept_class_info;

/* A class's limit is per connection. A dashboard sends the same few dozen queries in turn, and
 * a limit below their number kept none of them: eviction took the oldest prepared, so a cycle
 * of 34 queries through 16 places prepared every query on every run (the dashboard benchmark's
 * 34 queries, every one once a round on 100,000 documents, two servers in ABBA order: client
 * time 0.79x with 64 places, server CPU 931 -> 752 us a query; q10 0.38 -> 0.23 ms). */
/* clang-format off */
static const kept_class_info kept_classes[] = {
    [RL_KEPT_QUERY] = {"/* kept ", 64},
    [RL_KEPT_ESTIMATE] = {"/* est ", 32},
    [RL_KEPT_CATALOG] = {"/* cat ", 32},
    [RL_KEPT_STORE] = {"/* store ", 64},
    [RL_KEPT_CONSTANT] = {"/* const ", 64},
};
/* clang-format on */

/* A kept statement's text is its class's mark (what rl_kept_close finalizes), the comment's end,
 * and the statement: its hash is in its slot, so the text needs none. */
#define MARK_END "*/ "

/* The length of cls's mark and MARK_END, where a kept text's statement begins. */
static size_t prefix_len(int cls) {
    return strlen(kept_classes[cls].mark) + strlen(MARK_END);
}

/* The text's length and 64 of its bytes spread over it: hashing a whole query of kilobytes on
 * every lookup cost more than the compares it saves; two texts that share these compare whole.
 */
static uint32_t text_hash(const char *sql) {
    size_t len = strlen(sql), step = len / 64 + 1;
    unsigned char sample[64 + sizeof len];
    size_t n = 0;
    for (size_t i = 0; i < len && n < 64; i += step)
        sample[n++] = (unsigned char)sql[i];
    memcpy(sample + n, &len, sizeof len);
    return rs_fnv1a32(sample, n + sizeof len);
}

/* ---- each connection's table of its kept statements ----
 *
 * Finding a kept statement by walking the connection's list (sqlite3_next_stmt, sqlite3_sql and
 * a compare of each text's first bytes) cost more than the compares: a connection keeps up to
 * a few hundred statements, and every request looks up four or five (BEGIN, the schema's
 * version, the query, COMMIT): 12 % of a SELECT 1's server time. A table per connection holds
 * each kept statement's class and hash in one array, scanned as integers; the text is compared
 * only where both match. SQLite 3.40 has no per-connection client data, so the tables hang off
 * a registry keyed by the connection's address, under one lock held only to find the table:
 * a connection is used by one thread at a time (store.h), and so is its table. Every close of a
 * connection holding kept statements goes through rl_kept_close, which drops its table before
 * the address can be reused. */

typedef struct kept_slot {
    sqlite3_stmt *stmt;
    uint32_t hash;
    int cls;
    uint64_t used; /* the table's clock at its last use: a full class drops its least recent */
} kept_slot;

typedef struct kept_table {
    sqlite3 *db;
    kept_slot *slot;
    int n, cap;
    uint64_t clock;
    struct kept_table *next; /* in its bucket of the registry */
} kept_table;

#define REGISTRY_BUCKETS 64

static struct {
    pthread_mutex_t lock;
    kept_table *bucket[REGISTRY_BUCKETS];
} registry = {PTHREAD_MUTEX_INITIALIZER, {NULL}};

static unsigned bucket_of(const sqlite3 *db) {
    uintptr_t a = (uintptr_t)db;
    return (unsigned)((a >> 4) ^ (a >> 12)) % REGISTRY_BUCKETS;
}

/* db's table, made when it has none yet (NULL when out of memory). */
static kept_table *table_of(sqlite3 *db) {
    unsigned b = bucket_of(db);
    kept_table *t;
    pthread_mutex_lock(&registry.lock);
    for (t = registry.bucket[b]; t != NULL && t->db != db; t = t->next) {
    }
    if (t == NULL && (t = calloc(1, sizeof(*t))) != NULL) {
        t->db = db;
        t->next = registry.bucket[b];
        registry.bucket[b] = t;
    }
    pthread_mutex_unlock(&registry.lock);
    return t;
}

/* Take db's table out of the registry and free it (the statements stay). */
static void table_drop(sqlite3 *db) {
    kept_table **at, *t;
    pthread_mutex_lock(&registry.lock);
    for (at = &registry.bucket[bucket_of(db)]; *at != NULL && (*at)->db != db; at = &(*at)->next) {
    }
    t = *at;
    if (t != NULL)
        *at = t->next;
    pthread_mutex_unlock(&registry.lock);
    if (t != NULL) {
        free(t->slot);
        free(t);
    }
}

/* A statement of class cls with sql's text and hash, not running; NULL when none. */
static kept_slot *find_free(kept_table *t, int cls, uint32_t hash, const char *sql) {
    size_t prefix = prefix_len(cls);
    for (int i = 0; i < t->n; i++) {
        kept_slot *k = &t->slot[i];
        if (k->hash != hash || k->cls != cls || sqlite3_stmt_busy(k->stmt))
            continue;
        if (strcmp(sqlite3_sql(k->stmt) + prefix, sql) == 0)
            return k;
    }
    return NULL;
}

/* Make room for one more statement of cls: past its limit, its least recently used one that
 * is not running is finalized, and its slot given back; otherwise a new slot. NULL when out of
 * memory. */
static kept_slot *room_for(kept_table *t, int cls, int limit) {
    kept_slot *lru = NULL;
    int in_class = 0;
    for (int i = 0; i < t->n; i++) {
        kept_slot *k = &t->slot[i];
        if (k->cls != cls)
            continue;
        in_class++;
        if (!sqlite3_stmt_busy(k->stmt) && (lru == NULL || k->used < lru->used))
            lru = k;
    }
    if (in_class >= limit && lru != NULL) {
        sqlite3_finalize(lru->stmt);
        lru->stmt = NULL;
        return lru;
    }
    if (t->n == t->cap) {
        int cap = t->cap ? t->cap * 2 : 32;
        kept_slot *grown = realloc(t->slot, (size_t)cap * sizeof(*grown));
        if (grown == NULL)
            return NULL;
        t->slot = grown;
        t->cap = cap;
    }
    return &t->slot[t->n++];
}

/* Give a slot room_for made back (its statement could not be prepared). */
static void slot_unused(kept_table *t, kept_slot *k) {
    *k = t->slot[--t->n];
}

int rl_kept_stmt(sqlite3 *db, rl_kept_class cls, const char *sql, sqlite3_stmt **out) {
    const kept_class_info *info = &kept_classes[cls];
    uint32_t hash = text_hash(sql);
    kept_table *t = table_of(db);
    kept_slot *k;
    char *text;
    int rc;
    *out = NULL;
    if (t == NULL)
        return SQLITE_NOMEM;
    t->clock++;
    if ((k = find_free(t, (int)cls, hash, sql)) != NULL) {
        k->used = t->clock;
        *out = k->stmt;
        return SQLITE_OK;
    }
    if ((k = room_for(t, (int)cls, info->limit)) == NULL)
        return SQLITE_NOMEM;
    text = sqlite3_mprintf("%s" MARK_END "%s", info->mark, sql);
    rc = text == NULL ? SQLITE_NOMEM
                      : sqlite3_prepare_v3(db, text, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    sqlite3_free(text);
    if (rc != SQLITE_OK || *out == NULL) {
        /* a text of only comments prepares to no statement: nothing to keep */
        slot_unused(t, k);
        return rc;
    }
    *k = (kept_slot){*out, hash, (int)cls, t->clock};
    return SQLITE_OK;
}

void rl_kept_done(sqlite3_stmt *stmt) {
    if (stmt == NULL)
        return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

/* Whether s is a kept statement (its text starts with a class's mark). */
static int is_kept(sqlite3_stmt *s) {
    const char *t = sqlite3_sql(s);
    for (size_t c = 0; t != NULL && c < sizeof kept_classes / sizeof kept_classes[0]; c++)
        if (strncmp(t, kept_classes[c].mark, strlen(kept_classes[c].mark)) == 0)
            return 1;
    return 0;
}

/* The first kept statement of db's list, or NULL. */
static sqlite3_stmt *first_kept(sqlite3 *db) {
    sqlite3_stmt *s = sqlite3_next_stmt(db, NULL);
    while (s != NULL && !is_kept(s))
        s = sqlite3_next_stmt(db, s);
    return s;
}

/* Only the kept statements are finalized here: a virtual table's module prepares statements of
 * its own on the connection (FTS5, for a trigram index), which it finalizes itself when the
 * close disconnects it; finalizing those first made its disconnect finalize them again (freed
 * memory: a shutdown that hung on a mutex read from it). The walk restarts from the head after
 * each finalize: a kept statement holding the last reference to such a table disconnects it,
 * which frees the module's statements, so the one after it in the list may be gone (a read of
 * freed memory at shutdown, seen under ASan). */
void rl_kept_close(sqlite3 *db) {
    sqlite3_stmt *s;
    if (db == NULL)
        return;
    table_drop(db);
    while ((s = first_kept(db)) != NULL)
        sqlite3_finalize(s);
    sqlite3_close_v2(db);
}
