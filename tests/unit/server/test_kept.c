/*
 * test_kept.c - statements kept prepared on a connection (server/kept.h): one prepared per
 * text and class, reused once reset, and a close that finalizes only the kept ones, even when
 * finalizing one disconnects a virtual table whose own statements sit next in the list.
 */
#include "server/kept.h"
#include "testlib.h"

#include <stdio.h>
#include <unistd.h>

static int step_all(sqlite3_stmt *s) {
    int rc, rows = 0;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        rows++;
    return rc == SQLITE_DONE ? rows : -1;
}

static void test_reused(void) {
    sqlite3 *db = NULL;
    sqlite3_stmt *a = NULL, *b = NULL;
    sqlite3_open(":memory:", &db);
    CHECK("reused/prepared", rl_kept_stmt(db, RL_KEPT_QUERY, "SELECT 1", &a) == SQLITE_OK);
    CHECK_INT("reused/rows", step_all(a), 1);
    rl_kept_done(a);
    CHECK("reused/again", rl_kept_stmt(db, RL_KEPT_QUERY, "SELECT 1", &b) == SQLITE_OK);
    CHECK("reused/same_statement", a == b);
    rl_kept_done(b);
    CHECK("reused/other_class", rl_kept_stmt(db, RL_KEPT_CATALOG, "SELECT 1", &b) == SQLITE_OK);
    CHECK("reused/not_shared_across_classes", a != b);
    rl_kept_done(b);
    rl_kept_close(db);
}

/* The shutdown of the CI run that failed: an FTS5 table's own statements, prepared on the
 * connection before a kept query read the table, sit right after that query in the list
 * (newest first). Another connection changes the schema, so the query holds the table's last
 * reference: finalizing it disconnects the table, which finalizes those statements. A close
 * that had taken the next statement before finalizing read freed memory (ASan) or hung. */
static void test_close_after_schema_change(void) {
    char path[64];
    sqlite3 *db = NULL, *other = NULL;
    sqlite3_stmt *q = NULL;
    snprintf(path, sizeof path, "/tmp/test_kept_%d.db", (int)getpid());
    unlink(path);
    sqlite3_open(path, &db);
    CHECK("close/fts5", sqlite3_exec(db,
                                     "CREATE VIRTUAL TABLE t USING fts5(x, tokenize='trigram');"
                                     "INSERT INTO t VALUES ('hello world'), ('other words');",
                                     NULL, NULL, NULL) == SQLITE_OK);
    CHECK("close/kept", rl_kept_stmt(db, RL_KEPT_QUERY, "SELECT rowid FROM t WHERE t MATCH 'llo'",
                                     &q) == SQLITE_OK);
    CHECK_INT("close/rows", step_all(q), 1);
    rl_kept_done(q);
    sqlite3_open(path, &other);
    CHECK("close/schema_changed",
          sqlite3_exec(other, "CREATE TABLE z(a)", NULL, NULL, NULL) == SQLITE_OK);
    sqlite3_close(other);
    CHECK("close/schema_reloaded",
          sqlite3_exec(db, "SELECT count(*) FROM z", NULL, NULL, NULL) == SQLITE_OK);
    rl_kept_close(db); /* under ASan, the old walk read a freed statement here */
    CHECK("close/closed", 1);
    unlink(path);
}

int main(void) {
    test_reused();
    test_close_after_schema_change();
    TEST_DONE();
}
