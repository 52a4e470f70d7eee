/*
 * test_rowshint.c - rs_rows(n) (runtime/rowshint.c) through a real SQLite connection: one row
 * whatever n is (so a join with it keeps every row as it was), and the planner counting it as
 * n: a LEFT JOIN of two grouped subqueries is read through an automatic index when both sides
 * are told, and by reading the right side again per left row when they are not.
 */
#include "buf.h"
#include "server/runtime/catalog.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *db;

/* Column col of every row of sql, joined with sep (the error message when it does not prepare). */
static char *column_of(const char *sql, int col, const char *sep) {
    sqlite3_stmt *st = NULL;
    rs_buf out = RS_BUF_INIT;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return strdup(sqlite3_errmsg(db));
    while (sqlite3_step(st) == SQLITE_ROW)
        rs_buf_printf(&out, "%s%s", out.len ? sep : "", (const char *)sqlite3_column_text(st, col));
    sqlite3_finalize(st);
    return rs_buf_detach(&out);
}

static void check_rows(const char *name, const char *sql, const char *want) {
    char *got = column_of(sql, 0, ",");
    CHECK_STR(name, got, want);
    free(got);
}

/* The steps of sql's plan, joined with " | ". */
static char *plan_of(const char *sql) {
    char eqp[2048];
    snprintf(eqp, sizeof eqp, "EXPLAIN QUERY PLAN %s", sql);
    return column_of(eqp, 3, " | ");
}

static void test_one_row(void) {
    check_rows("one_row", "SELECT one FROM rs_rows(5000)", "1");
    check_rows("no_count", "SELECT count(*) FROM rs_rows", "1");
    check_rows("join_keeps_rows", "SELECT count(*), sum(x) FROM t CROSS JOIN rs_rows(100)",
               "5000");
    check_rows("join_keeps_values",
               "SELECT sum(x) FROM t CROSS JOIN rs_rows(100)", "1247500");
}

/* As the translator writes a hash join of two grouped WITH queries (sqlx_emit.c): each behind
 * its fence, the right side wrapped with its key, the keys functions of the documents. */
#define WITH_GROUPED                                                                          \
    "WITH c0 AS (SELECT doc FROM (SELECT x AS doc FROM t GROUP BY x) LIMIT -1 OFFSET 0), c1 AS" \
    " (SELECT doc FROM (SELECT x AS doc FROM t GROUP BY x) LIMIT -1 OFFSET 0) "

static void test_planner_counts(void) {
    const char *told = WITH_GROUPED "SELECT count(*) FROM c0 AS a CROSS JOIN rs_rows(1000) LEFT"
                                    " JOIN (SELECT s.doc AS doc, abs(s.doc) AS k FROM c1 AS s"
                                    " CROSS JOIN rs_rows(1000) LIMIT -1) AS b ON b.k = abs(a.doc)";
    const char *untold = WITH_GROUPED "SELECT count(*) FROM c0 AS a LEFT JOIN (SELECT s.doc AS"
                                      " doc, abs(s.doc) AS k FROM c1 AS s LIMIT -1) AS b ON b.k ="
                                      " abs(a.doc)";
    char *plan = plan_of(told);
    CHECK("told_automatic_index", strstr(plan, "AUTOMATIC COVERING INDEX (k=?)") != NULL);
    free(plan);
    plan = plan_of(untold);
    CHECK("untold_scan", strstr(plan, "SCAN b LEFT-JOIN") != NULL);
    free(plan);
    check_rows("told_same_rows", told, "500");
    check_rows("untold_same_rows", untold, "500");
}

int main(void) {
    sqlite3_open(":memory:", &db);
    CHECK_INT("register", rt_catalog_register(db), SQLITE_OK);
    sqlite3_exec(db,
                 "CREATE TABLE t(x); WITH RECURSIVE c(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM c"
                 " WHERE i < 4999) INSERT INTO t SELECT i % 500 FROM c;",
                 NULL, NULL, NULL);
    test_one_row();
    test_planner_counts();
    sqlite3_close(db);
    TEST_DONE();
}
