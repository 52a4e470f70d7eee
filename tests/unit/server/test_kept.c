/*
 * test_kept.c - statements kept prepared on a connection (server/kept.h): one prepared per
 * text and class, reused once reset, the least recently used dropped past a class's limit, a
 * running one never shared, each connection's kept apart, and a close that finalizes only the
 * kept ones, even when finalizing one disconnects a virtual table whose own statements sit
 * next in the list.
 */
#include "server/kept.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>
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

/* A dashboard's queries in turn: 40 texts asked for again in the same order are all still
 * kept (with 16 places, the oldest went each time and every text was prepared again). */
static void test_cycle_of_queries(void) {
    sqlite3 *db = NULL;
    sqlite3_stmt *first[40], *again = NULL;
    char sql[64];
    int same = 0;
    sqlite3_open(":memory:", &db);
    for (int i = 0; i < 40; i++) {
        snprintf(sql, sizeof sql, "SELECT %d AS n", i);
        CHECK("cycle/prepared", rl_kept_stmt(db, RL_KEPT_QUERY, sql, &first[i]) == SQLITE_OK);
        rl_kept_done(first[i]);
    }
    for (int i = 0; i < 40; i++) {
        snprintf(sql, sizeof sql, "SELECT %d AS n", i);
        if (rl_kept_stmt(db, RL_KEPT_QUERY, sql, &again) == SQLITE_OK && again == first[i])
            same++;
        CHECK_INT("cycle/row", sqlite3_step(again), SQLITE_ROW);
        CHECK_INT("cycle/value", sqlite3_column_int(again, 0), i);
        rl_kept_done(again);
    }
    CHECK_INT("cycle/all_kept", same, 40);
    rl_kept_close(db);
}

/* The lookup compares a hash of 64 bytes spread over the text first: two texts of one length
 * that differ only between those bytes share it, and each still gets its own statement. */
static void test_texts_sharing_a_hash(void) {
    sqlite3 *db = NULL;
    sqlite3_stmt *a = NULL, *b = NULL, *a2 = NULL;
    char sql_a[700], sql_b[700];
    /* 650 bytes: the hash samples every 11th byte, from the first; byte 1 is never sampled */
    memset(sql_a, ' ', sizeof sql_a);
    memcpy(sql_a, "SELECT 'x' AS v", 15);
    sql_a[650] = '\0';
    memcpy(sql_b, sql_a, sizeof sql_b);
    sql_a[8] = 'a'; /* inside the string literal: 'a' and 'b', both unsampled */
    sql_b[8] = 'b';
    sqlite3_open(":memory:", &db);
    CHECK("hash/a", rl_kept_stmt(db, RL_KEPT_QUERY, sql_a, &a) == SQLITE_OK);
    CHECK_INT("hash/a_rows", step_all(a), 1);
    rl_kept_done(a);
    CHECK("hash/b", rl_kept_stmt(db, RL_KEPT_QUERY, sql_b, &b) == SQLITE_OK);
    CHECK("hash/b_is_another_statement", a != b);
    CHECK_INT("hash/b_row", sqlite3_step(b), SQLITE_ROW);
    CHECK_STR("hash/b_value", (const char *)sqlite3_column_text(b, 0), "b");
    rl_kept_done(b);
    CHECK("hash/a_again", rl_kept_stmt(db, RL_KEPT_QUERY, sql_a, &a2) == SQLITE_OK && a2 == a);
    CHECK_INT("hash/a_row", sqlite3_step(a2), SQLITE_ROW);
    CHECK_STR("hash/a_value_again", (const char *)sqlite3_column_text(a2, 0), "a");
    rl_kept_done(a2);
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

/* Statements of class RL_KEPT_QUERY on db whose text ends with sql. */
static int kept_with_text(sqlite3 *db, const char *sql) {
    int n = 0;
    size_t len = strlen(sql);
    for (sqlite3_stmt *s = sqlite3_next_stmt(db, NULL); s != NULL; s = sqlite3_next_stmt(db, s)) {
        const char *t = sqlite3_sql(s);
        size_t tl = t != NULL ? strlen(t) : 0;
        if (tl >= len && strncmp(t, "/* kept ", 8) == 0 && strcmp(t + tl - len, sql) == 0)
            n++;
    }
    return n;
}

/* Past the class's limit the least recently used statement goes, not the oldest prepared: a
 * text a dashboard sends at every refresh stays while one-off texts come and go. */
static void test_least_recently_used_goes(void) {
    sqlite3 *db = NULL;
    sqlite3_stmt *first = NULL, *s = NULL;
    char sql[64];
    sqlite3_open(":memory:", &db);
    for (int i = 0; i < 64; i++) {
        snprintf(sql, sizeof sql, "SELECT %d AS n", i);
        CHECK("lru/prepared", rl_kept_stmt(db, RL_KEPT_QUERY, sql, &s) == SQLITE_OK);
        if (i == 0)
            first = s;
        rl_kept_done(s);
    }
    CHECK("lru/first_used_again",
          rl_kept_stmt(db, RL_KEPT_QUERY, "SELECT 0 AS n", &s) == SQLITE_OK && s == first);
    rl_kept_done(s);
    CHECK("lru/one_more", rl_kept_stmt(db, RL_KEPT_QUERY, "SELECT 64 AS n", &s) == SQLITE_OK);
    rl_kept_done(s);
    CHECK_INT("lru/recent_kept", kept_with_text(db, "SELECT 0 AS n"), 1);
    CHECK_INT("lru/least_recent_gone", kept_with_text(db, "SELECT 1 AS n"), 0);
    CHECK_INT("lru/next_kept", kept_with_text(db, "SELECT 2 AS n"), 1);
    CHECK_INT("lru/newest_kept", kept_with_text(db, "SELECT 64 AS n"), 1);
    CHECK("lru/first_still_same",
          rl_kept_stmt(db, RL_KEPT_QUERY, "SELECT 0 AS n", &s) == SQLITE_OK && s == first);
    CHECK_INT("lru/first_row", sqlite3_step(s), SQLITE_ROW);
    CHECK_INT("lru/first_value", sqlite3_column_int(s, 0), 0);
    rl_kept_done(s);
    rl_kept_close(db);
}

/* A text asked for while its statement is still running (a question inside its own answer)
 * gets a statement of its own; once both are done, either serves. */
static void test_running_not_shared(void) {
    sqlite3 *db = NULL;
    sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
    const char *sql = "SELECT value FROM json_each('[1,2,3]')";
    sqlite3_open(":memory:", &db);
    CHECK("running/a", rl_kept_stmt(db, RL_KEPT_QUERY, sql, &a) == SQLITE_OK);
    CHECK_INT("running/a_row", sqlite3_step(a), SQLITE_ROW);
    CHECK("running/b", rl_kept_stmt(db, RL_KEPT_QUERY, sql, &b) == SQLITE_OK);
    CHECK("running/b_is_another", a != b);
    CHECK_INT("running/b_rows", step_all(b), 3);
    CHECK_INT("running/a_rest", step_all(a), 2);
    rl_kept_done(a);
    rl_kept_done(b);
    CHECK_INT("running/both_kept", kept_with_text(db, sql), 2);
    CHECK("running/again", rl_kept_stmt(db, RL_KEPT_QUERY, sql, &c) == SQLITE_OK);
    CHECK("running/one_of_them", c == a || c == b);
    rl_kept_done(c);
    rl_kept_close(db);
}

/* Each connection keeps its own: the same text on two connections is two statements, and
 * closing one leaves the other's working; a connection opened after a close (which may get
 * the closed one's address) starts with none. */
static void test_connections_apart(void) {
    sqlite3 *db1 = NULL, *db2 = NULL, *db3 = NULL;
    sqlite3_stmt *a = NULL, *b = NULL, *c = NULL;
    sqlite3_open(":memory:", &db1);
    sqlite3_open(":memory:", &db2);
    CHECK("apart/one", rl_kept_stmt(db1, RL_KEPT_QUERY, "SELECT 7", &a) == SQLITE_OK);
    rl_kept_done(a);
    CHECK("apart/two", rl_kept_stmt(db2, RL_KEPT_QUERY, "SELECT 7", &b) == SQLITE_OK);
    CHECK("apart/own_statements", a != b && sqlite3_db_handle(b) == db2);
    rl_kept_done(b);
    rl_kept_close(db1);
    CHECK("apart/two_again",
          rl_kept_stmt(db2, RL_KEPT_QUERY, "SELECT 7", &c) == SQLITE_OK && c == b);
    CHECK_INT("apart/two_row", sqlite3_step(c), SQLITE_ROW);
    rl_kept_done(c);
    sqlite3_open(":memory:", &db3);
    CHECK("apart/three", rl_kept_stmt(db3, RL_KEPT_QUERY, "SELECT 7", &c) == SQLITE_OK);
    CHECK("apart/three_own", sqlite3_db_handle(c) == db3);
    CHECK_INT("apart/three_row", sqlite3_step(c), SQLITE_ROW);
    rl_kept_done(c);
    rl_kept_close(db3);
    rl_kept_close(db2);
}

int main(void) {
    test_reused();
    test_cycle_of_queries();
    test_texts_sharing_a_hash();
    test_close_after_schema_change();
    test_least_recently_used_goes();
    test_running_not_shared();
    test_connections_apart();
    TEST_DONE();
}
