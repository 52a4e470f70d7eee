/*
 * fn_models_test.c - rockset_test: the data tests of rockset_tests, run on Rockset.
 *
 *   INSERT INTO rockset_tests (model, column_name, test, arg) VALUES
 *     ('stg_customers', 'id', 'unique', NULL),
 *     ('stg_orders', 'status', 'accepted_values', '["placed", "shipped"]'),
 *     ('stg_orders', 'amount', 'mini_utils.accepted_range', '{"min_value": 0}'),
 *     ('stg_orders', 'customer_id', 'relationships', '{"to": "stg_customers", "field": "id"}');
 *   INSERT INTO rockset_tests (model, test, name, sql) VALUES
 *     ('stg_orders', 'singular', 'assert_no_refunds',
 *      'SELECT * FROM {{ ref(''stg_orders'') }} WHERE amount < 0');
 *   SELECT rockset_test();   -- {"run_id":3,"tests":5,"pass":3,"fail":1,"warn":0,"error":0,...}
 *   SELECT rockset_test('tag:daily'); -- only the tests of the selected models
 *
 * What each kind of test compiles to, its config (where, limit, severity, warn_if, error_if,
 * enabled), when it is skipped and every message: src/models/datatest.h, which decides all of
 * it. This file is its host: it reads the rockset_tests rows into rs_datatest records, answers
 * "how did model m's latest build end" from rockset_run_results, runs each count query on
 * Rockset, and writes each test's rockset_run_results row (model = the row's name, else
 * "<test>_<model>_<column>", kind 'test', status pass, fail, warn, error or skipped,
 * rows_affected = the failing rows, message, the query as compiled_sql) and progress line.
 * A failing test is not an SQL error.
 * The summary: {"run_id","tests","pass","fail","warn","error","skipped"}.
 */
#include "fn_models_int.h"
#include "jsonscan.h"
#include "models/datatest.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- rockset_tests */

static void tests_free(rs_datatest *rows, size_t n) {
    size_t i;

    for (i = 0; i < n; i++) { /* the strings are this file's (column_dup) */
        free((char *)rows[i].model);
        free((char *)rows[i].column);
        free((char *)rows[i].test);
        free((char *)rows[i].arg);
        free((char *)rows[i].name);
        free((char *)rows[i].config);
        free((char *)rows[i].sql);
    }
    free(rows);
}

static char *column_dup(sqlite3_stmt *stmt, int col, int *oom) {
    char *copy;

    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return NULL;
    copy = strdup((const char *)sqlite3_column_text(stmt, col));
    if (copy == NULL)
        *oom = 1;
    return copy;
}

static void read_test_row(sqlite3_stmt *stmt, rs_datatest *t, int *oom) {
    memset(t, 0, sizeof(*t));
    t->id = sqlite3_column_int64(stmt, 0);
    t->model = column_dup(stmt, 1, oom);
    t->column = column_dup(stmt, 2, oom);
    t->test = column_dup(stmt, 3, oom);
    t->arg = column_dup(stmt, 4, oom);
    t->name = column_dup(stmt, 5, oom);
    t->config = column_dup(stmt, 6, oom);
    t->sql = column_dup(stmt, 7, oom);
    if (!*oom && (t->model == NULL || t->test == NULL)) /* NOT NULL columns */
        *oom = 1;
}

static int read_tests(sqlite3 *db, rs_datatest **out, size_t *n_out, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    rs_datatest *rows = NULL, *grown;
    size_t n = 0, cap = 0;
    int oom = 0, step;

    if (sqlite3_prepare_v2(db,
                           "SELECT id, model, column_name, test, arg, name, config, sql "
                           "FROM rockset_tests ORDER BY id",
                           -1, &stmt, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EINVAL,
                          "rockset: cannot read rockset_tests (%s); run SELECT rockset_init()",
                          sqlite3_errmsg(db));
    while (!oom && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == cap) {
            grown = realloc(rows, (cap ? cap * 2 : 16) * sizeof(*rows));
            if (grown == NULL) {
                oom = 1;
                break;
            }
            rows = grown;
            cap = cap ? cap * 2 : 16;
        }
        read_test_row(stmt, &rows[n++], &oom);
    }
    sqlite3_finalize(stmt);
    if (oom) {
        tests_free(rows, n);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    *out = rows;
    *n_out = n;
    return RS_OK;
}

/* ---------------------------------------------------------------- the host (datatest.h) */

typedef struct test_host {
    rs_conn *conn;
    rs_api *api;
    long long run_id;
} test_host;

/* The status and run_id of model's latest non-test row in rockset_run_results. */
static int host_last_build(void *ctx, const char *model, char *status, size_t size,
                           long long *run_id, rs_err *err) {
    sqlite3 *db = ((test_host *)ctx)->conn->db;
    sqlite3_stmt *stmt = NULL;
    int rc = RS_OK, step;

    status[0] = '\0';
    if (sqlite3_prepare_v2(db,
                           "SELECT status, run_id FROM rockset_run_results WHERE model = ?1 AND "
                           "kind <> 'test' ORDER BY run_id DESC, rowid DESC LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EIO, "rockset_test: reading rockset_run_results failed: %s",
                          sqlite3_errmsg(db));
    sqlite3_bind_text(stmt, 1, model, -1, SQLITE_STATIC);
    step = sqlite3_step(stmt);
    if (step == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_TEXT) {
        snprintf(status, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
        *run_id = sqlite3_column_int64(stmt, 1);
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = rs_err_set(err, RS_EIO, "rockset_test: reading rockset_run_results failed: %s",
                        sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* Run the query; *failures from its one row. */
static int host_query(void *ctx, const char *sql, long long *failures, char **query_id,
                      rs_err *err) {
    test_host *h = ctx;
    rs_query_request req;
    rs_query_result *res = NULL;
    int found = 0, rc;

    memset(&req, 0, sizeof(req));
    req.sql = sql;
    req.idempotent = 1;
    rs_conn_note_sql(h->conn, sql, err);
    rc = rs_api_query(h->api, &req, &res, err);
    if (rc == RS_OK && rs_query_result_row_count(res) > 0)
        rc = rs_jsonscan_get_int64(rs_query_result_row(res, 0), "failures", failures, &found, err);
    if (rc == RS_OK && !found)
        rc = rs_err_set(err, RS_EPARSE, "rockset_test: the test query returned no count");
    if (rc == RS_OK) {
        *query_id = strdup(rs_query_result_id(res));
        rs_conn_note_query_id(h->conn, *query_id, err);
    }
    rs_query_result_free(res);
    return rc;
}

static void host_start(void *ctx, const char *name, size_t seq, size_t total) {
    test_host *h = ctx;
    char line[400];

    snprintf(line, sizeof(line), "START test %s", name);
    models_progress_line(h->conn->cfg.quiet, seq, total, line, "RUN");
}

static int host_record(void *ctx, const char *name, const rs_datatest_outcome *o, size_t seq,
                       size_t total, rs_err *err) {
    test_host *h = ctx;
    models_result_row row;
    char line[400], status[64];

    memset(&row, 0, sizeof(row));
    row.run_id = h->run_id;
    row.model = name;
    row.kind = "test";
    row.relation = o->relation;
    row.status = o->status;
    row.started_ms = o->started_ms;
    row.elapsed_ms = o->elapsed_ms;
    row.rows_affected = o->failures;
    row.query_id = o->query_id;
    row.message = o->message;
    row.compiled_sql = o->sql;
    rs_datatest_progress(o, name, line, sizeof(line), status, sizeof(status));
    models_progress_line(h->conn->cfg.quiet, seq, total, line, status);
    return models_write_result(h->conn->db, &row, err);
}

/* ---------------------------------------------------------------- the functions */

int models_test_run(rs_conn *conn, const char *selector, const char *later,
                    const char *run_vars_json, int kinds, long long *run_id,
                    rs_datatest_summary *out, rs_err *err) {
    rs_datatest_host host = {NULL, host_last_build, host_query, host_start, host_record};
    rs_datatest *tests = NULL;
    size_t n_tests = 0;
    rs_graph_sel *sel = NULL, *later_sel = NULL;
    rs_project *p = NULL;
    test_host h = {conn, NULL, *run_id};
    int rc;

    host.ctx = &h;
    rc = rs_conn_api(conn, &h.api, err);
    if (rc == RS_OK)
        rc = models_load_project(conn, run_vars_json, &p, err);
    if (rc == RS_OK && selector != NULL)
        rc = rs_graph_select(rs_project_graph(p), selector, NULL, &sel, err);
    if (rc == RS_OK && later != NULL && later[0] != '\0')
        rc = rs_graph_select(rs_project_graph(p), later, NULL, &later_sel, err);
    if (rc == RS_OK)
        rc = read_tests(conn->db, &tests, &n_tests, err);
    if (rc == RS_OK && h.run_id == 0)
        rc = models_next_run_id(conn->db, &h.run_id, err);
    if (rc == RS_OK && (kinds & MODELS_TESTS_DATA))
        rc = rs_datatest_run_build(p, tests, n_tests, sel, later_sel, &host, out, err);
    if (rc == RS_OK && (kinds & MODELS_TESTS_UNIT))
        rc = models_unit_run(conn, h.api, p, sel, NULL, h.run_id, out, NULL, err);
    *run_id = h.run_id;
    tests_free(tests, n_tests);
    rs_graph_sel_free(sel);
    rs_graph_sel_free(later_sel);
    rs_project_free(p);
    return rc;
}

/* dbt's test_type:unit / test_type:data in a selector: which kinds of test run; the words are
 * taken out of the selector, and so are the names of unit tests (into units); rest: the other
 * words. */
static int is_unit_name(sqlite3 *db, const char *p, size_t len) {
    char word[256];

    snprintf(word, sizeof(word), "%.*s", (int)len, p);
    return models_unit_names(db, word);
}

static int test_kinds(sqlite3 *db, const char *selector, rs_buf *rest, rs_buf *units) {
    int kinds = 0;
    const char *p = selector;

    while (p != NULL && *p) {
        size_t len;
        p += strspn(p, " \t\n");
        len = strcspn(p, " \t\n");
        if (len == 14 && strncmp(p, "test_type:unit", 14) == 0)
            kinds |= MODELS_TESTS_UNIT;
        else if (len == 14 && strncmp(p, "test_type:data", 14) == 0)
            kinds |= MODELS_TESTS_DATA;
        else if (len > 0 && len < 256 && is_unit_name(db, p, len))
            rs_buf_printf(units, "%s%.*s", units->len ? " " : "", (int)len, p);
        else if (len > 0)
            rs_buf_printf(rest, "%s%.*s", rest->len ? " " : "", (int)len, p);
        p += len;
    }
    return kinds ? kinds : MODELS_TESTS_DATA | MODELS_TESTS_UNIT;
}

/* rockset_test: the hooks around the tests (a project of its own for them); units: unit tests
 * named in the selector, run besides what rest selects (nothing else when rest is empty). */
static int test_with_hooks(rs_conn *conn, const char *rest, const char *units, int kinds,
                           long long *run_id, rs_datatest_summary *out, rs_err *err) {
    rs_project *p = NULL;
    rs_api *api = NULL;
    int rc = models_load_project(conn, NULL, &p, err);

    if (rc == RS_OK)
        rc = models_next_run_id(conn->db, run_id, err);
    if (rc == RS_OK)
        rc = models_run_hooks(conn, p, "rockset_test", "on-run-start", *run_id, err);
    if (rc == RS_OK && (units == NULL || rest != NULL))
        rc = models_test_run(conn, rest, NULL, NULL, kinds, run_id, out, err);
    if (rc == RS_OK && units != NULL)
        rc = rs_conn_api(conn, &api, err);
    if (rc == RS_OK && units != NULL)
        rc = models_unit_run(conn, api, p, NULL, units, *run_id, out, NULL, err);
    if (rc == RS_OK)
        rc = models_run_hooks(conn, p, "rockset_test", "on-run-end", *run_id, err);
    rs_project_free(p);
    return rc;
}

void models_fn_test(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *selector = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    rs_datatest_summary summary;
    rs_buf out = RS_BUF_INIT, rest = RS_BUF_INIT, units = RS_BUF_INIT;
    long long run_id = 0;
    int kinds = test_kinds(conn->db, selector, &rest, &units);
    rs_err err;

    memset(&summary, 0, sizeof(summary));
    rs_err_clear(&err);
    if (selector != NULL && (kinds != (MODELS_TESTS_DATA | MODELS_TESTS_UNIT) || units.len > 0))
        selector = rest.len ? rs_buf_cstr(&rest) : NULL;
    if (test_with_hooks(conn, selector, units.len ? rs_buf_cstr(&units) : NULL, kinds, &run_id,
                        &summary, &err) == RS_OK) {
        rs_datatest_summary_json(run_id, &summary, &out);
        rs_sqlerr_result_json(ctx, &out);
    } else {
        rs_sqlerr_result(ctx, &err);
    }
    rs_buf_free(&out);
    rs_buf_free(&rest);
    rs_buf_free(&units);
    rs_datatest_summary_free(&summary);
}
