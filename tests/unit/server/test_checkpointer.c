/*
 * test_checkpointer.c - the store's WAL checkpoints, run by the checkpointer's thread.
 *
 * A commit that leaves the WAL past RL_STORE_WAL_PAGES gets its pages copied into the database
 * file without the writer doing it; a reader's older snapshot holds the copy back, and once the
 * reader is gone the thread copies the rest with no further commit asking; past the restart
 * limit the WAL starts again from its beginning, so that its file stops growing.
 */
#include "server/checkpointer.h"
#include "server/store.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char dir[64];

static long long file_size(const char *path) {
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static void pause_ms(int ms) {
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&t, NULL);
}

/* The WAL's frames and how many of them are in the database file, read from the wal-index
 * (https://sqlite.org/walformat.html: the header's mxFrame at byte 16, the checkpoint info's
 * nBackfill at byte 96, native byte order). The database file's size says nothing: a checkpoint
 * sizes it for every page at once, even when it copies a few. 0 when the file reads. */
static int wal_frames(const char *db_path, uint32_t *frames, uint32_t *copied) {
    char shm[300];
    unsigned char head[100];
    snprintf(shm, sizeof(shm), "%s-shm", db_path);
    FILE *f = fopen(shm, "rb");
    size_t got = f != NULL ? fread(head, 1, sizeof(head), f) : 0;
    if (f != NULL)
        fclose(f);
    if (got != sizeof(head))
        return -1;
    memcpy(frames, head + 16, 4);
    memcpy(copied, head + 96, 4);
    return 0;
}

/* Wait up to 10 s for every frame of the WAL to be copied; whether they were. */
static int wait_copied_all(const char *db_path) {
    uint32_t frames = 0, copied = 0;
    for (int i = 0; i < 1000; i++) {
        if (wal_frames(db_path, &frames, &copied) == 0 && frames > 0 && copied == frames)
            return 1;
        pause_ms(10);
    }
    return 0;
}

/* n rows of a 3,000-byte blob each, in one commit: about n pages of the WAL. */
static int write_rows(sqlite3 *db, int n) {
    char sql[200];
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < %d)"
             " INSERT INTO t SELECT randomblob(3000) FROM k",
             n);
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

static rl_store *open_store(const char *name, char path[256]) {
    rl_store *st = NULL;
    rs_err err = {0};
    snprintf(path, 256, "%s/%s", dir, name);
    if (rl_store_open(path, &st, &err) != RS_OK) {
        printf("FAIL open %s: %s\n", path, err.msg);
        return NULL;
    }
    return st;
}

/* The copy leaves the writer, waits for a reader's snapshot, then finishes by itself. */
static void test_copy_after_reader(void) {
    char path[256];
    rs_err err = {0};
    rl_store *st = open_store("copy.db", path);
    if (st == NULL)
        return;
    sqlite3 *w = rl_store_acquire(st, &err), *r = rl_store_acquire(st, &err);
    CHECK("copy: two connections", w != NULL && r != NULL);
    if (w == NULL || r == NULL)
        goto out;
    CHECK("copy: table", sqlite3_exec(w, "CREATE TABLE t(b BLOB)", NULL, NULL, NULL) == SQLITE_OK);
    /* the reader's snapshot predates the rows: no frame of theirs may be copied meanwhile */
    CHECK("copy: reader begins",
          sqlite3_exec(r, "BEGIN; SELECT count(*) FROM t", NULL, NULL, NULL) == SQLITE_OK);
    CHECK("copy: commit", write_rows(w, 1500) == SQLITE_OK);
    rl_checkpointer_stats s = rl_checkpointer_stats_of(rl_store_checkpointer(st));
    for (int i = 0; i < 1000 && s.passive == 0; i++) {
        pause_ms(10);
        s = rl_checkpointer_stats_of(rl_store_checkpointer(st));
    }
    CHECK("copy: the commit asked the thread", s.passive >= 1);
    uint32_t frames = 0, copied = 0;
    CHECK("copy: the wal-index reads", wal_frames(path, &frames, &copied) == 0);
    CHECK("copy: the reader's snapshot holds the rows back", frames >= 1500 && copied < 1000);
    CHECK("copy: reader ends", sqlite3_exec(r, "COMMIT", NULL, NULL, NULL) == SQLITE_OK);
    /* no commit asks again: the thread's retries copy the rest */
    CHECK("copy: copied whole once the reader is gone", wait_copied_all(path));
out:
    rl_store_release(st, r);
    rl_store_release(st, w);
    rl_store_close(st);
}

/* Past the restart limit the WAL is reused from its beginning: its file stops growing. */
static void test_restart(void) {
    char path[256], wal[300];
    rs_err err = {0};
    setenv("ROCKSET_LOCAL_WAL_RESTART_PAGES", "1000", 1);
    rl_store *st = open_store("restart.db", path);
    unsetenv("ROCKSET_LOCAL_WAL_RESTART_PAGES");
    if (st == NULL)
        return;
    snprintf(wal, sizeof(wal), "%s-wal", path);
    sqlite3 *w = rl_store_acquire(st, &err);
    CHECK("restart: connection", w != NULL);
    if (w == NULL)
        goto out;
    CHECK("restart: table",
          sqlite3_exec(w, "CREATE TABLE t(b BLOB)", NULL, NULL, NULL) == SQLITE_OK);
    long long first = 0, peak = 0;
    for (int round = 0; round < 6; round++) {
        CHECK("restart: commit", write_rows(w, 1200) == SQLITE_OK);
        rl_checkpointer_stats s = rl_checkpointer_stats_of(rl_store_checkpointer(st));
        for (int i = 0; i < 1000 && s.restarts <= round; i++) {
            pause_ms(10);
            s = rl_checkpointer_stats_of(rl_store_checkpointer(st));
        }
        long long size = file_size(wal);
        if (round == 0)
            first = size;
        peak = size > peak ? size : peak;
    }
    rl_checkpointer_stats s = rl_checkpointer_stats_of(rl_store_checkpointer(st));
    CHECK("restart: every round restarted the WAL", s.restarts >= 6);
    /* six commits of ~1,200 pages each: without restarts the file would hold all of them */
    CHECK("restart: the WAL's file stopped growing", first > 0 && peak < first * 2);
out:
    rl_store_release(st, w);
    rl_store_close(st);
}

int main(void) {
    snprintf(dir, sizeof(dir), "/tmp/rl-ckpt-XXXXXX");
    if (mkdtemp(dir) == NULL) {
        printf("FAIL mkdtemp\n");
        return 1;
    }
    test_copy_after_reader();
    test_restart();
    const char *files[] = {"copy.db",    "copy.db-wal",    "copy.db-shm",    "copy.db.lock",
                           "restart.db", "restart.db-wal", "restart.db-shm", "restart.db.lock"};
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
        char f[128];
        snprintf(f, sizeof(f), "%s/%s", dir, files[i]);
        unlink(f);
    }
    rmdir(dir);
    TEST_DONE();
}
