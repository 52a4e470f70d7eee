/*
 * test_duck.c - colidx/duck.c, DuckDB loaded at run time: loading (bad paths, a library that is
 * not DuckDB), opening with settings, DDL, appenders (NULLs, short and long strings, timestamps,
 * negative numbers, lists new and repeated, a wrong column count), reading every kind back
 * exactly (HUGEINT sums, DECIMAL, DATE, the timestamp units), results of several chunks, column
 * names, SQL errors, callbacks that stop, interrupting a running query, statements run from kept
 * plans, the watchdog that interrupts statements past their deadline, a database file that
 * outlives its connection, the length of its row groups (16,384 rows, set at every open) and a
 * file that is not DuckDB's.
 *
 * Without the library (`make deps` fetches it; RL_DUCKDB_LIB points at another) only the loading
 * errors are checked and the rest is skipped, with the reason printed.
 * Small on purpose: valgrind runs it too, and the library is 70 MB of uninstrumented code.
 */
#include "server/colidx/duck.h"
#include "server/colidx/watchdog.h"
#include "server/store.h"
#include "testlib.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXC 10
#define MAXR 8

/* What a query returned: names, the first MAXR rows (texts copied), a row count and a sum. */
typedef struct got {
    int ncols, nrows;
    char names[MAXC][32];
    rl_duck_cell cells[MAXR][MAXC];
    char text[MAXR][MAXC][48];
    int64_t sum;     /* of column 0's integers */
    int stop_after;  /* nonzero: the row callback returns 7 after this many rows */
    int stop_on_col; /* the column callback's answer */
} got;

static int on_cols(void *ctx, const char *const *names, int n) {
    got *g = ctx;
    g->ncols = n;
    for (int i = 0; i < n && i < MAXC; i++)
        snprintf(g->names[i], sizeof g->names[i], "%s", names[i]);
    return g->stop_on_col;
}

static int on_row(void *ctx, const rl_duck_cell *cells, int n) {
    got *g = ctx;
    if (g->nrows < MAXR)
        for (int i = 0; i < n && i < MAXC; i++) {
            rl_duck_cell *c = &g->cells[g->nrows][i];
            *c = cells[i];
            if (c->kind == RL_DK_TEXT) {
                size_t k = c->len < 47 ? c->len : 47;
                memcpy(g->text[g->nrows][i], c->s, k);
                g->text[g->nrows][i][k] = '\0';
                c->s = g->text[g->nrows][i]; /* the library's copy dies with the row */
            }
        }
    if (n > 0 && cells[0].kind == RL_DK_INT)
        g->sum += cells[0].i;
    g->nrows++;
    return g->stop_after && g->nrows >= g->stop_after ? 7 : 0;
}

static int run(rl_duck_conn *c, const char *sql, got *g, rs_err *err) {
    int stop_after = g->stop_after, stop_on_col = g->stop_on_col;
    memset(g, 0, sizeof *g);
    g->stop_after = stop_after;
    g->stop_on_col = stop_on_col;
    rs_err_clear(err);
    return rl_duck_query(c, sql, on_cols, on_row, g, err);
}

/* Loading: errors name the file (and the missing symbol); nothing is loaded after them. */
static void test_load_errors(void) {
    rs_err err = {0};
    const char *bad = "/nonexistent/rl-test/libduckdb.so";
    CHECK("load/none_yet", !rl_duck_loaded());
    CHECK_STR("load/no_version_yet", rl_duck_version(), "");
    CHECK("load/bad_path_fails", rl_duck_load(bad, &err) != 0);
    CHECK("load/bad_path_named", strstr(err.msg, bad) != NULL);
    rs_err_clear(&err);
    CHECK_INT("load/not_duckdb", rl_duck_load("libm.so.6", &err), RS_EUNSUPPORTED);
    CHECK("load/not_duckdb_says_symbol",
          strstr(err.msg, "libm.so.6") && strstr(err.msg, "symbol duckdb_"));
    CHECK("load/still_none", !rl_duck_loaded());
    rs_err_clear(&err);
    CHECK("load/open_before_load", rl_duck_open(NULL, NULL, 0, &err) == NULL);
    CHECK_INT("load/open_before_load_code", err.code, RS_EINTERNAL);
}

/* The rows of test_roundtrip, and the long string: 40 bytes, stored out of line. */
static const char *long40 = "forty bytes of text, not inlined: 0123!!";

static void append_rows(rl_duck_conn *c) {
    rs_err err = {0};
    rl_duck_app *a = rl_duck_appender(c, "t", &err);
    CHECK("append/create", a != NULL);
    if (a == NULL)
        return;
    int rc = rl_duck_app_int(a, 1) | rl_duck_app_double(a, 1.5) |
             rl_duck_app_text(a, "twelve bytes", 12) | rl_duck_app_bool(a, 1) |
             rl_duck_app_timestamp(a, 1709164800123456LL) | rl_duck_app_end_row(a, &err);
    rc |= rl_duck_app_int(a, -42) | rl_duck_app_double(a, -0.25) |
          rl_duck_app_text(a, long40, strlen(long40)) | rl_duck_app_bool(a, 0) |
          rl_duck_app_timestamp(a, -1) | rl_duck_app_end_row(a, &err);
    for (int i = 0; i < 5; i++)
        rc |= rl_duck_app_null(a);
    rc |= rl_duck_app_end_row(a, &err);
    CHECK_INT("append/rows", rc, 0);
    CHECK_INT("append/close", rl_duck_app_close(a, &err), 0);
}

static void test_roundtrip(rl_duck_conn *c) {
    rs_err err = {0};
    got g = {0};
    append_rows(c);
    int rc = run(c, "SELECT a, b, c, d, e FROM t ORDER BY a NULLS LAST", &g, &err);
    CHECK_INT("read/rc", rc, 0);
    CHECK_INT("read/rows", g.nrows, 3);
    CHECK_INT("read/cols", g.ncols, 5);
    CHECK_STR("read/name_a", g.names[0], "a");
    CHECK_STR("read/name_e", g.names[4], "e");
    rl_duck_cell *r0 = g.cells[0], *r1 = g.cells[1], *r2 = g.cells[2];
    CHECK("read/neg_int", r0[0].kind == RL_DK_INT && r0[0].i == -42);
    CHECK("read/neg_double", r0[1].kind == RL_DK_DOUBLE && r0[1].d == -0.25);
    CHECK("read/long_text", r0[2].kind == RL_DK_TEXT && r0[2].len == 40);
    CHECK_STR("read/long_text_value", g.text[0][2], long40);
    CHECK("read/false", r0[3].kind == RL_DK_BOOL && r0[3].i == 0);
    CHECK("read/ts_before_epoch", r0[4].kind == RL_DK_TIMESTAMP && r0[4].i == -1);
    CHECK("read/int", r1[0].kind == RL_DK_INT && r1[0].i == 1);
    CHECK("read/double", r1[1].kind == RL_DK_DOUBLE && r1[1].d == 1.5);
    CHECK("read/short_text", r1[2].kind == RL_DK_TEXT && r1[2].len == 12);
    CHECK_STR("read/short_text_value", g.text[1][2], "twelve bytes");
    CHECK("read/true", r1[3].kind == RL_DK_BOOL && r1[3].i == 1);
    CHECK("read/ts_micros", r1[4].kind == RL_DK_TIMESTAMP && r1[4].i == 1709164800123456LL);
    int nulls = 0;
    for (int i = 0; i < 5; i++)
        nulls += r2[i].kind == RL_DK_NULL;
    CHECK_INT("read/nulls", nulls, 5);
}

/* Aggregates and literals of the other kinds. */
static void test_kinds(rl_duck_conn *c) {
    rs_err err = {0};
    got g = {0};
    CHECK_INT("kind/sum_rc", run(c, "SELECT SUM(a) FROM t", &g, &err), 0);
    CHECK("kind/hugeint_sum", g.cells[0][0].kind == RL_DK_INT && g.cells[0][0].i == -41);
    run(c, "SELECT SUM(v) FROM (VALUES (9223372036854775807), (9223372036854775807)) x(v)", &g,
        &err);
    CHECK("kind/hugeint_big",
          g.cells[0][0].kind == RL_DK_DOUBLE && g.cells[0][0].d == 18446744073709551614.0);
    run(c,
        "SELECT 1.5::DECIMAL(10,2), 12.5::DECIMAL(4,1), -3.25::DECIMAL(18,3), "
        "123.5::DECIMAL(38,10), DATE '2024-02-29', 1.25::FLOAT, 18446744073709551615::UBIGINT, "
        "4000000000::UINTEGER, -7::TINYINT, INTERVAL 1 DAY",
        &g, &err);
    rl_duck_cell *k = g.cells[0];
    CHECK("kind/decimal", k[0].kind == RL_DK_DOUBLE && k[0].d == 1.5);
    CHECK("kind/decimal_int16", k[1].kind == RL_DK_DOUBLE && k[1].d == 12.5);
    CHECK("kind/decimal_int64", k[2].kind == RL_DK_DOUBLE && k[2].d == -3.25);
    CHECK("kind/decimal_int128", k[3].kind == RL_DK_DOUBLE && k[3].d == 123.5);
    CHECK("kind/date", k[4].kind == RL_DK_DATE && k[4].i == 19782);
    CHECK("kind/float", k[5].kind == RL_DK_DOUBLE && k[5].d == 1.25);
    CHECK("kind/ubigint_big", k[6].kind == RL_DK_DOUBLE && k[6].d == 18446744073709551615.0);
    CHECK("kind/uinteger", k[7].kind == RL_DK_INT && k[7].i == 4000000000LL);
    CHECK("kind/tinyint", k[8].kind == RL_DK_INT && k[8].i == -7);
    CHECK("kind/other", k[9].kind == RL_DK_OTHER);
    run(c,
        "SELECT TIMESTAMP_S '2024-02-29 00:00:01', TIMESTAMP_MS '2024-02-29 00:00:00.250', "
        "TIMESTAMP_NS '1969-12-31 23:59:59.999999999', TIMESTAMPTZ '2024-02-29 00:00:00+00'",
        &g, &err);
    CHECK("kind/ts_s", k[0].kind == RL_DK_TIMESTAMP && k[0].i == 1709164801000000LL);
    CHECK("kind/ts_ms", k[1].kind == RL_DK_TIMESTAMP && k[1].i == 1709164800250000LL);
    CHECK("kind/ts_ns_floor", k[2].kind == RL_DK_TIMESTAMP && k[2].i == -1);
    CHECK("kind/ts_tz", k[3].kind == RL_DK_TIMESTAMP && k[3].i == 1709164800000000LL);
}

/* LIST cells: each row's own elements whether its list repeats an earlier row's (appenders
 * keep recent lists and append them again) or is new, crowding the kept ones out; null
 * elements, empty lists, doubles and booleans. */
static void append_lists(rl_duck_conn *c, int n) {
    rs_err err = {0};
    rl_duck_app *a = rl_duck_appender(c, "l", &err);
    CHECK("list/appender", a != NULL);
    if (a == NULL)
        return;
    int rc = 0;
    for (int k = 0; k < n; k++) {
        rl_duck_cell v[3] = {{.kind = RL_DK_INT, .i = k % 3},
                             {.kind = RL_DK_NULL},
                             {.kind = RL_DK_INT, .i = k % 3 + 1}};
        int nv = 3;
        if (k % 50 == 1) {
            nv = 0;
        } else if (k % 2 == 1) {
            v[0] = (rl_duck_cell){.kind = RL_DK_INT, .i = k};
            v[1] = (rl_duck_cell){.kind = RL_DK_INT, .i = k + 1};
            nv = 2;
        }
        rl_duck_cell d = {.kind = RL_DK_DOUBLE, .d = (k % 4) * 0.5};
        rl_duck_cell b[2] = {{.kind = RL_DK_BOOL, .i = k % 2 == 0}, {.kind = RL_DK_BOOL, .i = 1}};
        /* the replica passes an empty list's cells as NULL */
        rc |= rl_duck_app_int(a, k) | rl_duck_app_list(a, RL_DK_INT, nv ? v : NULL, nv) |
              rl_duck_app_list(a, RL_DK_DOUBLE, &d, 1) | rl_duck_app_list(a, RL_DK_BOOL, b, 2) |
              rl_duck_app_end_row(a, &err);
    }
    CHECK_INT("list/append", rc, 0);
    CHECK_INT("list/close", rl_duck_app_close(a, &err), 0);
}

static void test_lists(rl_duck_conn *c) {
    rs_err err = {0};
    got g = {0};
    CHECK_INT("list/create",
              rl_duck_exec(c, "CREATE TABLE l(k BIGINT, v BIGINT[], d DOUBLE[], b BOOLEAN[])",
                           &err),
              0);
    append_lists(c, 300);
    run(c,
        "SELECT count(*) FILTER (WHERE CASE WHEN k % 50 = 1 THEN len(v) = 0"
        " WHEN k % 2 = 0 THEN len(v) = 3 AND v[1] = k % 3 AND v[2] IS NULL AND v[3] = k % 3 + 1"
        " ELSE len(v) = 2 AND v[1] = k AND v[2] = k + 1 END"
        " AND len(d) = 1 AND d[1] = (k % 4) * 0.5 AND b = [k % 2 = 0, true]), count(*) FROM l",
        &g, &err);
    CHECK_INT("list/rows_as_appended", g.cells[0][0].i, 300);
    CHECK_INT("list/rows", g.cells[0][1].i, 300);
}

/* Several chunks (DuckDB's are 2048 rows), and callbacks that stop. */
static void test_stream(rl_duck_conn *c) {
    rs_err err = {0};
    got g = {0};
    CHECK_INT("stream/rc", run(c, "SELECT range FROM range(5000)", &g, &err), 0);
    CHECK_INT("stream/rows", g.nrows, 5000);
    CHECK_INT("stream/sum", g.sum, 12497500);
    CHECK_STR("stream/name", g.names[0], "range");
    g.stop_after = 10;
    CHECK_INT("stream/row_stop_value", run(c, "SELECT range FROM range(5000)", &g, &err), 7);
    CHECK_INT("stream/row_stop_rows", g.nrows, 10);
    g.stop_after = 0;
    g.stop_on_col = 3;
    CHECK_INT("stream/col_stop_value", run(c, "SELECT range FROM range(5000)", &g, &err), 3);
    CHECK_INT("stream/col_stop_rows", g.nrows, 0);
}

static void test_errors(rl_duck_conn *c) {
    rs_err err = {0};
    got g = {0};
    CHECK_INT("error/sql", run(c, "SELECT * FROM missing_table", &g, &err), RS_EINVAL);
    CHECK("error/sql_names_table", strstr(err.msg, "missing_table") != NULL);
    rs_err_clear(&err);
    CHECK("error/exec", rl_duck_exec(c, "CREATE TABLE t(x INT)", &err) != 0);
    CHECK("error/exec_says_exists", strstr(err.msg, "already exists") != NULL);
    rs_err_clear(&err);
    CHECK("error/appender_table", rl_duck_appender(c, "missing_table", &err) == NULL);
    CHECK("error/appender_table_named", strstr(err.msg, "missing_table") != NULL);
    rl_duck_app *a = rl_duck_appender(c, "t", &err);
    if (a == NULL)
        return;
    rl_duck_app_int(a, 1);
    rl_duck_app_double(a, 2);
    rs_err_clear(&err);
    CHECK("error/appender_short_row", rl_duck_app_end_row(a, &err) != 0);
    CHECK("error/appender_short_row_msg", strstr(err.msg, "DuckDB appender") != NULL);
    CHECK("error/appender_sticky", rl_duck_app_int(a, 3) != 0);
    rs_err err2 = {0};
    CHECK("error/appender_close", rl_duck_app_close(a, &err2) != 0);
    CHECK_STR("error/appender_close_first", err2.msg, err.msg);
    run(c, "SELECT count(*) FROM t", &g, &err);
    CHECK_INT("error/appender_wrote_nothing", g.cells[0][0].i, 3);
}

/* rl_duck_interrupt from another thread stops a long query (repeated: a query only starts
 * listening once it runs). */
static atomic_int query_done;

static void *interrupter(void *arg) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    while (!atomic_load(&query_done)) {
        nanosleep(&ts, NULL);
        rl_duck_interrupt(arg);
    }
    return NULL;
}

static void test_interrupt(rl_duck_conn *c) {
    rs_err err = {0};
    got g = {0};
    pthread_t th;
    atomic_store(&query_done, 0);
    if (pthread_create(&th, NULL, interrupter, c) != 0)
        return;
    int rc = run(c, "SELECT sum(range * 2) FROM range(1000000000000)", &g, &err);
    atomic_store(&query_done, 1);
    pthread_join(th, NULL);
    CHECK_INT("interrupt/code", rc, RS_EINTERRUPT);
    CHECK("interrupt/message", strstr(err.msg, "INTERRUPT") != NULL);
    CHECK_INT("interrupt/usable_after", run(c, "SELECT 1", &g, &err), 0);
}

static int run_kept(rl_duck_conn *c, const char *sql, got *g, rs_err *err) {
    memset(g, 0, sizeof *g);
    rs_err_clear(err);
    return rl_duck_query_kept(c, sql, on_cols, on_row, g, err);
}

/* rl_duck_query_kept: a kept plan sees rows written since by another connection, follows an
 * ALTER TABLE (DuckDB binds it again), fails when its table is gone and is made afresh when
 * the table comes back; more texts than the connection keeps all answer right; a text DuckDB
 * refuses keeps nothing; an interrupted kept statement leaves the connection usable. */
static void test_kept(rl_duck_db *db, rl_duck_conn *other) {
    rs_err err = {0};
    got g = {0};
    rl_duck_conn *c = rl_duck_connect(db, &err);
    CHECK("kept/connect", c != NULL);
    if (c == NULL)
        return;
    const char *q = "SELECT * FROM k ORDER BY x";
    rl_duck_exec(other, "CREATE TABLE k(x BIGINT); INSERT INTO k VALUES (1), (2)", &err);
    CHECK_INT("kept/first", run_kept(c, q, &g, &err), 0);
    CHECK("kept/first_rows", g.nrows == 2 && g.sum == 3 && g.ncols == 1);
    rl_duck_exec(other, "INSERT INTO k VALUES (4)", &err);
    CHECK_INT("kept/again", run_kept(c, q, &g, &err), 0);
    CHECK("kept/sees_new_rows", g.nrows == 3 && g.sum == 7);
    rl_duck_exec(other, "ALTER TABLE k ADD COLUMN y VARCHAR DEFAULT 'z'", &err);
    CHECK_INT("kept/after_alter", run_kept(c, q, &g, &err), 0);
    CHECK("kept/after_alter_columns", g.ncols == 2 && g.nrows == 3 &&
                                          strcmp(g.names[1], "y") == 0 &&
                                          strcmp(g.text[2][1], "z") == 0);
    rl_duck_exec(other, "DROP TABLE k", &err);
    CHECK_INT("kept/table_gone", run_kept(c, q, &g, &err), RS_EINVAL);
    CHECK("kept/table_gone_named", strstr(err.msg, "k") != NULL);
    rl_duck_exec(other, "CREATE TABLE k AS SELECT 5 AS x", &err);
    CHECK_INT("kept/table_back", run_kept(c, q, &g, &err), 0);
    CHECK("kept/table_back_rows", g.nrows == 1 && g.sum == 5 && g.ncols == 1);
    int right = 0;
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 70; i++) { /* more than the 64 kept (duck.c DK_PLANS) */
            char sql[64];
            snprintf(sql, sizeof sql, "SELECT %d AS v", i);
            right += run_kept(c, sql, &g, &err) == 0 && g.nrows == 1 && g.sum == i;
        }
    CHECK_INT("kept/more_texts_than_kept", right, 140);
    CHECK_INT("kept/refused", run_kept(c, "SELEC 1", &g, &err), RS_EINVAL);
    CHECK("kept/refused_says", strstr(err.msg, "syntax") != NULL);
    CHECK_INT("kept/refused_again", run_kept(c, "SELEC 1", &g, &err), RS_EINVAL);
    pthread_t th;
    atomic_store(&query_done, 0);
    if (pthread_create(&th, NULL, interrupter, c) == 0) {
        int rc = run_kept(c, "SELECT sum(range * 3) FROM range(1000000000000)", &g, &err);
        atomic_store(&query_done, 1);
        pthread_join(th, NULL);
        CHECK_INT("kept/interrupted", rc, RS_EINTERRUPT);
        CHECK_INT("kept/usable_after_interrupt", run_kept(c, "SELECT 3 AS v", &g, &err), 0);
        CHECK("kept/usable_after_interrupt_rows", g.nrows == 1 && g.sum == 3);
    }
    rl_duck_disconnect(c);
}

/* The column engine's watchdog (watchdog.h): a statement past its deadline is interrupted and
 * said timed out, a cancelled one interrupted and not, one that ends in time untouched; after a
 * stop the next watch starts the thread again. */
static void test_watchdog(rl_duck_db *db) {
    static const char *forever = "SELECT sum(range * 5) FROM range(1000000000000)";
    rs_err err = {0};
    got g = {0};
    rl_duck_conn *c = rl_duck_connect(db, &err);
    if (c == NULL)
        return;
    rl_watch w = {.conn = c, .deadline_mono = rl_mono_ms() + 100};
    CHECK_INT("watch/add", rl_watch_add(&w), 0);
    int rc = run_kept(c, forever, &g, &err);
    rl_watch_remove(&w);
    CHECK_INT("watch/deadline_interrupts", rc, RS_EINTERRUPT);
    CHECK("watch/deadline_said", w.fired && w.timed_out);
    rl_duck_disconnect(c); /* the interrupt is a flag on the connection: a new one */
    c = rl_duck_connect(db, &err);
    int cancel = 1;
    rl_watch w2 = {.conn = c, .deadline_mono = rl_mono_ms() + 600000, .cancel = &cancel};
    rl_watch_add(&w2);
    rc = run_kept(c, forever, &g, &err);
    rl_watch_remove(&w2);
    CHECK_INT("watch/cancel_interrupts", rc, RS_EINTERRUPT);
    CHECK("watch/cancel_said", w2.fired && !w2.timed_out);
    rl_duck_disconnect(c);
    c = rl_duck_connect(db, &err);
    rl_watch w3 = {.conn = c, .deadline_mono = rl_mono_ms() + 600000};
    rl_watch_add(&w3);
    rc = run_kept(c, "SELECT 42 AS v", &g, &err);
    rl_watch_remove(&w3);
    CHECK("watch/in_time_untouched", rc == 0 && g.sum == 42 && !w3.fired);
    rl_watchdog_stop();
    rl_watch w4 = {.conn = c, .deadline_mono = rl_mono_ms() + 100};
    CHECK_INT("watch/after_stop_add", rl_watch_add(&w4), 0);
    rc = run_kept(c, forever, &g, &err);
    rl_watch_remove(&w4);
    CHECK("watch/after_stop_interrupts", rc == RS_EINTERRUPT && w4.fired);
    rl_watchdog_stop();
    rl_watchdog_stop(); /* idempotent */
    rl_duck_disconnect(c);
}

/* The temporary directory and what DuckDB put in it. */
static void remove_dir(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* Row groups of RL_DUCK_ROW_GROUP (16,384) rows, DuckDB's default being 122,880: 40,000 rows fill
 * 3, and after the file is opened again 40,000 more go into row groups of the same length
 * (the length is an option of each ATTACH, not kept in the file). */
static int64_t row_groups(rl_duck_conn *c, rs_err *err) {
    got g = {0};
    run(c, "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info('rg')", &g, err);
    return g.nrows == 1 && g.cells[0][0].kind == RL_DK_INT ? g.cells[0][0].i : -1;
}

static void test_row_groups(const char *path) {
    rs_err err = {0};
    for (int pass = 0; pass < 2; pass++) {
        rl_duck_db *db = rl_duck_open(path, "256MB", 1, &err);
        rl_duck_conn *c = db ? rl_duck_connect(db, &err) : NULL;
        CHECK(pass ? "rowgroups/reopen" : "rowgroups/open", c != NULL);
        if (c != NULL) {
            CHECK_INT(pass ? "rowgroups/fill_after_reopen" : "rowgroups/fill",
                      rl_duck_exec(c,
                                   pass ? "INSERT INTO rg SELECT range FROM range(40000)"
                                        : "CREATE TABLE rg AS SELECT range AS r FROM range(40000)",
                                   &err),
                      0);
            CHECK_INT(pass ? "rowgroups/checkpoint_after_reopen" : "rowgroups/checkpoint",
                      rl_duck_exec(c, "CHECKPOINT", &err), 0);
            int64_t n = row_groups(c, &err);
            if (pass == 0)
                CHECK_INT("rowgroups/16384_rows_each", n, 3);
            else
                CHECK("rowgroups/16384_rows_each_after_reopen", n >= 5 && n <= 6);
            rl_duck_disconnect(c);
        }
        rl_duck_close(db);
    }
}

static void test_file(void) {
    rs_err err = {0};
    got g = {0};
    char dir[] = "/tmp/rl_test_duck_XXXXXX", path[128];
    if (mkdtemp(dir) == NULL)
        return;
    snprintf(path, sizeof path, "%s/col.duckdb", dir);
    rl_duck_db *db = rl_duck_open(path, "256MB", 1, &err);
    rl_duck_conn *c = db ? rl_duck_connect(db, &err) : NULL;
    CHECK("file/open", c != NULL);
    if (c) {
        /* spills go beside the file, as DuckDB puts them for a file it opens itself, not into
         * the working directory as for the in-memory database the file is attached to */
        char want[160];
        snprintf(want, sizeof want, "%s.tmp", path);
        run(c, "SELECT current_setting('temp_directory')", &g, &err);
        CHECK("file/temp_directory_beside_it", g.nrows == 1 && g.cells[0][0].kind == RL_DK_TEXT &&
                                                   strcmp(g.text[0][0], want) == 0);
        CHECK_INT("file/write", rl_duck_exec(c, "CREATE TABLE f AS SELECT 7 AS v", &err), 0);
        rl_duck_disconnect(c);
    }
    rl_duck_close(db);
    db = rl_duck_open(path, "256MB", 1, &err);
    c = db ? rl_duck_connect(db, &err) : NULL;
    CHECK("file/reopen", c != NULL);
    if (c) {
        run(c, "SELECT v FROM f", &g, &err);
        CHECK("file/rows_kept", g.nrows == 1 && g.cells[0][0].i == 7);
        rl_duck_disconnect(c);
    }
    rl_duck_close(db);
    test_row_groups(path);
    /* a file that is not DuckDB's: the error names it (the replica then rebuilds it) */
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fputs("not a database\n", f);
        fclose(f);
    }
    rs_err_clear(&err);
    db = rl_duck_open(path, "256MB", 1, &err);
    CHECK("file/corrupt_fails", db == NULL && strstr(err.msg, path) != NULL);
    rl_duck_close(db);
    remove_dir(dir);
}

int main(void) {
    rs_err err = {0};
    test_load_errors();
    if (rl_duck_load(NULL, &err) != 0) {
        printf("column engine tests skipped: DuckDB could not be loaded: %s\n", err.msg);
        TEST_DONE();
    }
    CHECK("load/ok", rl_duck_loaded());
    CHECK("load/version", rl_duck_version()[0] == 'v');
    CHECK("load/path", rl_duck_path()[0] != '\0');
    CHECK_INT("load/again_is_noop", rl_duck_load("/nonexistent/x.so", &err), 0);
    CHECK("open/bad_setting", rl_duck_open(NULL, "lots", 1, &err) == NULL && err.msg[0]);
    rl_duck_db *db = rl_duck_open(NULL, "256MB", 1, &err);
    rl_duck_conn *c = db ? rl_duck_connect(db, &err) : NULL;
    CHECK("open/memory", c != NULL);
    if (c == NULL) {
        printf("open failed: %s\n", err.msg);
        rl_duck_close(db);
        TEST_DONE();
    }
    CHECK_INT("exec/create",
              rl_duck_exec(
                  c, "CREATE TABLE t(a BIGINT, b DOUBLE, c VARCHAR, d BOOLEAN, e TIMESTAMP)", &err),
              0);
    test_roundtrip(c);
    test_kinds(c);
    test_stream(c);
    test_lists(c);
    test_errors(c);
    test_interrupt(c);
    test_kept(db, c);
    test_watchdog(db);
    rl_duck_disconnect(c);
    rl_duck_close(db);
    test_file();
    TEST_DONE();
}
