/* kept.c - statements kept prepared on a connection between queries (kept.h). */
#include "kept.h"

#include "hash.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    const char *mark;
    int limit;
} kept_class_info;

/* A class's limit is per connection. A dashboard sends the same few dozen queries in turn, and
 * a limit below their number kept none of them: eviction takes the oldest prepared, so a cycle
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

/* A kept statement's text starts with its class's mark, 8 hex digits of a hash of the rest, and
 * the comment's end: looking one up compares each kept statement's first bytes, not texts of
 * kilobytes that share long prefixes (the walk goes over every statement of the connection, a
 * few hundred). */
#define TAG_MAX 32

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

static int tag_of(const kept_class_info *info, const char *sql, char tag[TAG_MAX]) {
    return snprintf(tag, TAG_MAX, "%s%08x */ ", info->mark, (unsigned)text_hash(sql));
}

int rl_kept_stmt(sqlite3 *db, rl_kept_class cls, const char *sql, sqlite3_stmt **out) {
    const kept_class_info *info = &kept_classes[cls];
    size_t mark = strlen(info->mark);
    char tag[TAG_MAX];
    size_t tag_len = (size_t)tag_of(info, sql, tag);
    sqlite3_stmt *s, *oldest = NULL;
    char *text;
    int rc, n = 0;
    *out = NULL;
    for (s = sqlite3_next_stmt(db, NULL); s != NULL; s = sqlite3_next_stmt(db, s)) {
        const char *t = sqlite3_sql(s);
        if (t == NULL || strncmp(t, info->mark, mark) != 0)
            continue;
        if (!sqlite3_stmt_busy(s) && memcmp(t, tag, tag_len) == 0 &&
            strcmp(t + tag_len, sql) == 0) {
            *out = s;
            return SQLITE_OK;
        }
        n++;
        if (!sqlite3_stmt_busy(s))
            oldest = s; /* the list runs newest first */
    }
    if (n >= info->limit && oldest != NULL)
        sqlite3_finalize(oldest);
    text = sqlite3_mprintf("%s%s", tag, sql);
    if (text == NULL)
        return SQLITE_NOMEM;
    rc = sqlite3_prepare_v3(db, text, -1, SQLITE_PREPARE_PERSISTENT, out, NULL);
    sqlite3_free(text);
    return rc;
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
    while ((s = first_kept(db)) != NULL)
        sqlite3_finalize(s);
    sqlite3_close_v2(db);
}
