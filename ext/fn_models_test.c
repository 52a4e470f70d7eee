/*
 * fn_models_test.c - rockset_test: the data tests of rockset_tests, run on Rockset.
 *
 *   INSERT INTO rockset_tests (model, column_name, test, arg) VALUES
 *     ('stg_customers', 'id', 'unique', NULL),
 *     ('stg_customers', 'id', 'not_null', NULL),
 *     ('stg_orders', 'status', 'accepted_values', '["placed", "shipped"]'),
 *     ('stg_orders', 'customer_id', 'relationships', '{"to": "stg_customers", "field": "id"}');
 *   SELECT rockset_test();   -- {"run_id":3,"tests":4,"pass":3,"fail":1,"error":0,"skipped":0}
 *   SELECT rockset_test('tag:daily'); -- only the tests of the selected models
 *
 * Each test becomes one query counting the failing rows (below, t is the model's relation, or
 * its compiled SQL as a subquery for an ephemeral model):
 *   not_null         SELECT COUNT(*) AS failures FROM t WHERE t.c IS NULL
 *   unique           ... FROM (SELECT t.c FROM t WHERE t.c IS NOT NULL GROUP BY t.c
 *                    HAVING COUNT(*) > 1) AS dups
 *   accepted_values  ... WHERE t.c IS NOT NULL AND t.c NOT IN (<arg's values>)
 *                    arg: a JSON list, or {"values": [...]}
 *   relationships    ... WHERE t.c IS NOT NULL AND t.c NOT IN (SELECT p.f FROM <to> AS p
 *                    WHERE p.f IS NOT NULL); arg: {"to": "model" | "ref('model')" |
 *                    "source('s', 't')", "field": "f"}
 * Every test gets a rockset_run_results row: model = "<test>_<model>_<column>", kind 'test',
 * status pass (0 failing rows), fail, error or skipped, rows_affected = the failing rows,
 * message, the query as compiled_sql. A failing test is not an SQL error.
 *
 * A test is skipped, never run, when its model (or a relationships test's `to` model) is
 * disabled, cannot be compiled (its template or an upstream model's failed), or failed or was
 * skipped in its latest build in rockset_run_results: its relation may then be empty, stale or
 * missing, and a test passing on it would prove nothing. The message says why:
 *   skipped: model 'm' failed in run 3          skipped: model 'm' was skipped in run 3
 *   skipped: model 'm' line 2 column 6: unclosed '{{'     (the model's own error)
 * The summary: {"run_id","tests","pass","fail","error","skipped"}.
 */
#include "fn_models_int.h"
#include "jsonscan.h"
#include "models/materialize.h"
#include "models/runner.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct test_row {
    long long id;
    char *model;
    char *column;
    char *test;
    char *arg;
    int selected;
} test_row;

static void test_rows_free(test_row *rows, size_t n) {
    size_t i;

    for (i = 0; i < n; i++) {
        free(rows[i].model);
        free(rows[i].column);
        free(rows[i].test);
        free(rows[i].arg);
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

static int read_tests(sqlite3 *db, test_row **out, size_t *n_out, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    test_row *rows = NULL, *grown;
    size_t n = 0, cap = 0;
    int oom = 0, step;

    if (sqlite3_prepare_v2(db,
                           "SELECT id, model, column_name, test, arg FROM rockset_tests "
                           "ORDER BY id",
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
        memset(&rows[n], 0, sizeof(rows[n]));
        rows[n].id = sqlite3_column_int64(stmt, 0);
        rows[n].model = column_dup(stmt, 1, &oom);
        rows[n].column = column_dup(stmt, 2, &oom);
        rows[n].test = column_dup(stmt, 3, &oom);
        rows[n].arg = column_dup(stmt, 4, &oom);
        n++;
    }
    sqlite3_finalize(stmt);
    if (oom) {
        test_rows_free(rows, n);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    *out = rows;
    *n_out = n;
    return RS_OK;
}

/* ---------------------------------------------------------------- compiling a test */

/* Append the relation a test reads for model name: its relation, or (SQL) for an ephemeral. */
static int put_model_relation(rs_buf *q, rs_project *p, const char *name, rs_err *err) {
    long idx = rs_graph_find(rs_project_graph(p), name);
    const rs_model_info *mi;
    char *sql = NULL;
    int rc;

    if (idx < 0) {
        const char *close = rs_graph_suggest(rs_project_graph(p), name);
        if (close != NULL)
            return rs_err_set(err, RS_EINVAL,
                              "rockset_test: no model named '%s'; did you mean '%s'?", name, close);
        return rs_err_set(err, RS_EINVAL, "rockset_test: no model named '%s'", name);
    }
    mi = rs_project_model(p, (size_t)idx);
    if (mi->kind == RS_MAT_QUERY_LAMBDA)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: model '%s' is a query lambda, which has no rows to test",
                          name);
    if (mi->kind != RS_MAT_EPHEMERAL)
        return rs_mat_relation_sql(q, mi->workspace, mi->alias);
    rc = rs_project_compile_sql(p, (size_t)idx, 0, &sql, err);
    if (rc == RS_OK) {
        rs_buf_putc(q, '(');
        rs_buf_puts(q, sql);
        rs_buf_putc(q, ')');
    }
    free(sql);
    return rc;
}

/* Two quoted names inside "f('a', 'b')" / "f('a')": fills a and b (b may stay empty). */
static int call_args(const char *text, char *a, char *b, size_t size) {
    const char *p = strchr(text, '(');
    char *outs[2] = {a, b};
    int k;

    a[0] = b[0] = '\0';
    for (k = 0; p != NULL && k < 2; k++) {
        const char *open = strpbrk(p, "'\""), *close;
        if (open == NULL)
            break;
        close = strchr(open + 1, *open);
        if (close == NULL || (size_t)(close - open - 1) >= size)
            return -1;
        memcpy(outs[k], open + 1, (size_t)(close - open - 1));
        outs[k][close - open - 1] = '\0';
        p = close + 1;
    }
    return a[0] ? 0 : -1;
}

/* The relation `to` of a relationships test. */
static int put_to_relation(rs_buf *q, rs_project *p, const char *to, rs_err *err) {
    char a[256], b[256];
    const char *src;

    if (strncmp(to, "source(", 7) == 0) {
        if (call_args(to, a, b, sizeof(a)) != 0 || b[0] == '\0')
            return rs_err_set(err, RS_EINVAL, "rockset_test: cannot read '%s'", to);
        src = rs_project_source_sql(p, a, b);
        if (src == NULL)
            return rs_err_set(err, RS_EINVAL,
                              "rockset_test: source('%s', '%s') is not in "
                              "rockset_sources",
                              a, b);
        return rs_buf_puts(q, src);
    }
    if (strncmp(to, "ref(", 4) == 0) {
        if (call_args(to, a, b, sizeof(a)) != 0)
            return rs_err_set(err, RS_EINVAL, "rockset_test: cannot read '%s'", to);
        return put_model_relation(q, p, b[0] ? b : a, err);
    }
    return put_model_relation(q, p, to, err);
}

/* Append a JSON scalar as an SQL literal. */
static int put_literal(rs_buf *q, rs_jsonscan_span v, rs_err *err) {
    char *text = NULL;
    const char *c;
    int rc;

    v = rs_jsonscan_trim(v);
    switch (rs_jsonscan_classify(v)) {
    case RS_JSON_STRING:
        rc = rs_jsonscan_string_dup(v, &text, err);
        if (rc != RS_OK)
            return rc;
        rs_buf_putc(q, '\'');
        for (c = text; *c; c++) {
            if (*c == '\'')
                rs_buf_putc(q, '\'');
            rs_buf_putc(q, *c);
        }
        rs_buf_putc(q, '\'');
        free(text);
        return RS_OK;
    case RS_JSON_INT:
    case RS_JSON_FLOAT:
        return rs_buf_append(q, v.ptr, v.len);
    case RS_JSON_TRUE:
        return rs_buf_puts(q, "TRUE");
    case RS_JSON_FALSE:
        return rs_buf_puts(q, "FALSE");
    default:
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: accepted_values takes strings, numbers and booleans");
    }
}

static int put_accepted(rs_buf *q, const test_row *t, rs_err *err) {
    rs_jsonscan_span arg, values, item;
    rs_jsonscan_iter it;
    int first = 1, rc = RS_OK;

    arg = rs_jsonscan_cstr(t->arg ? t->arg : "");
    if (rs_jsonscan_validate(arg.ptr, arg.len, NULL) != RS_OK)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: accepted_values needs arg: a JSON list "
                          "or {\"values\": [...]}");
    values = arg;
    if (rs_jsonscan_classify(arg) == RS_JSON_OBJECT && !rs_jsonscan_get(arg, "values", &values))
        values = rs_jsonscan_cstr("");
    if (rs_jsonscan_classify(values) != RS_JSON_ARRAY || rs_jsonscan_count(values) < 1)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: accepted_values needs arg: a JSON list "
                          "or {\"values\": [...]}");
    rs_jsonscan_iter_init(&it, values);
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &item) == 1) {
        rs_buf_puts(q, first ? "" : ", ");
        rc = put_literal(q, item, err);
        first = 0;
    }
    return rc;
}

static int relationships_args(const test_row *t, char **to, char **field, rs_err *err) {
    rs_jsonscan_span arg = rs_jsonscan_cstr(t->arg ? t->arg : ""), v;
    int rc = RS_EINVAL;

    if (rs_jsonscan_validate(arg.ptr, arg.len, NULL) == RS_OK && rs_jsonscan_get(arg, "to", &v) &&
        rs_jsonscan_classify(v) == RS_JSON_STRING) {
        rc = rs_jsonscan_string_dup(rs_jsonscan_trim(v), to, err);
        if (rc == RS_OK && rs_jsonscan_get(arg, "field", &v) &&
            rs_jsonscan_classify(v) == RS_JSON_STRING)
            rc = rs_jsonscan_string_dup(rs_jsonscan_trim(v), field, err);
        else if (rc == RS_OK)
            rc = RS_EINVAL;
    }
    if (rc == RS_EINVAL)
        rs_err_set(err, RS_EINVAL,
                   "rockset_test: relationships needs arg {\"to\": \"model\", \"field\": \"f\"}");
    return rc;
}

/* The query of one test. */
static int compile_test(rs_project *p, const test_row *t, rs_buf *q, rs_err *err) {
    char *to = NULL, *field = NULL;
    int rc;

    if (t->column == NULL)
        return rs_err_set(err, RS_EINVAL, "rockset_test: test #%lld has no column_name", t->id);
    rs_buf_puts(q, "SELECT COUNT(*) AS failures FROM ");
    if (strcmp(t->test, "unique") == 0) {
        rs_buf_puts(q, "(SELECT t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " FROM ");
    }
    rc = put_model_relation(q, p, t->model, err);
    rs_buf_puts(q, " AS t WHERE t.");
    rs_mat_quote_ident(q, t->column);
    if (rc == RS_OK && strcmp(t->test, "not_null") == 0) {
        rs_buf_puts(q, " IS NULL");
    } else if (rc == RS_OK && strcmp(t->test, "unique") == 0) {
        rs_buf_puts(q, " IS NOT NULL GROUP BY t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " HAVING COUNT(*) > 1) AS dups");
    } else if (rc == RS_OK && strcmp(t->test, "accepted_values") == 0) {
        rs_buf_puts(q, " IS NOT NULL AND t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " NOT IN (");
        rc = put_accepted(q, t, err);
        rs_buf_putc(q, ')');
    } else if (rc == RS_OK && strcmp(t->test, "relationships") == 0) {
        rc = relationships_args(t, &to, &field, err);
        rs_buf_puts(q, " IS NOT NULL AND t.");
        rs_mat_quote_ident(q, t->column);
        rs_buf_puts(q, " NOT IN (SELECT p.");
        rs_mat_quote_ident(q, field ? field : "");
        rs_buf_puts(q, " FROM ");
        if (rc == RS_OK)
            rc = put_to_relation(q, p, to, err);
        rs_buf_puts(q, " AS p WHERE p.");
        rs_mat_quote_ident(q, field ? field : "");
        rs_buf_puts(q, " IS NOT NULL)");
    } else if (rc == RS_OK) {
        rc = rs_err_set(err, RS_EINVAL, "rockset_test: unknown test '%s'", t->test);
    }
    free(to);
    free(field);
    if (rc == RS_OK && q->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

/* ---------------------------------------------------------------- running */

/* Run the query; *failures from its one row. */
static int run_test_query(rs_conn *conn, rs_api *api, const char *sql, long long *failures,
                          char **query_id, rs_err *err) {
    rs_query_request req;
    rs_query_result *res = NULL;
    int found = 0, rc;

    memset(&req, 0, sizeof(req));
    req.sql = sql;
    req.idempotent = 1;
    rs_conn_note_sql(conn, sql, err);
    rc = rs_api_query(api, &req, &res, err);
    if (rc == RS_OK && rs_query_result_row_count(res) > 0)
        rc = rs_jsonscan_get_int64(rs_query_result_row(res, 0), "failures", failures, &found, err);
    if (rc == RS_OK && !found)
        rc = rs_err_set(err, RS_EPARSE, "rockset_test: the test query returned no count");
    if (rc == RS_OK) {
        *query_id = strdup(rs_query_result_id(res));
        rs_conn_note_query_id(conn, *query_id, err);
    }
    rs_query_result_free(res);
    return rc;
}

typedef struct test_counts {
    size_t pass;
    size_t fail;
    size_t error;
    size_t skipped;
} test_counts;

/* ---------------------------------------------------------------- skipping */

/* Why model `name` cannot be tested now, into why (empty when it can): it is disabled, it or
 * an upstream model cannot be compiled, or its latest build in rockset_run_results failed or
 * was skipped (its relation may be empty, stale or missing: a test would prove nothing). An
 * unknown model is left to the test's own error. */
static int model_skip_reason(sqlite3 *db, rs_project *p, const char *name, char *why, size_t size,
                             rs_err *err) {
    long idx = rs_graph_find(rs_project_graph(p), name);
    sqlite3_stmt *stmt = NULL;
    rs_err not_ready;
    int rc = RS_OK, step;

    why[0] = '\0';
    rs_err_clear(&not_ready);
    if (idx < 0)
        return RS_OK;
    if (rs_project_model_ready(p, (size_t)idx, &not_ready) != RS_OK) {
        snprintf(why, size, "skipped: %s", not_ready.msg);
        return RS_OK;
    }
    if (sqlite3_prepare_v2(db,
                           "SELECT status, run_id FROM rockset_run_results WHERE model = ?1 AND "
                           "kind <> 'test' ORDER BY run_id DESC, rowid DESC LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EIO, "rockset_test: reading rockset_run_results failed: %s",
                          sqlite3_errmsg(db));
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    step = sqlite3_step(stmt);
    if (step == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_TEXT) {
        const char *status = (const char *)sqlite3_column_text(stmt, 0);
        if (strcmp(status, "error") == 0 || strcmp(status, "skipped") == 0)
            snprintf(why, size, "skipped: model '%s' %s in run %lld", name,
                     status[0] == 'e' ? "failed" : "was skipped", sqlite3_column_int64(stmt, 1));
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = rs_err_set(err, RS_EIO, "rockset_test: reading rockset_run_results failed: %s",
                        sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
    return rc;
}

/* The model a relationships test reads as its parent ("to"), into name; 0 when there is none
 * (a source, or an arg the test itself will refuse). */
static int parent_model(const test_row *t, char *name, size_t size) {
    char *to = NULL, *field = NULL, a[256], b[256];
    int found = 0;
    rs_err ignored;

    if (strcmp(t->test, "relationships") != 0 || relationships_args(t, &to, &field, &ignored))
        goto done;
    if (strncmp(to, "ref(", 4) == 0 && call_args(to, a, b, sizeof(a)) == 0)
        found = snprintf(name, size, "%s", b[0] ? b : a) < (int)size;
    else if (strncmp(to, "source(", 7) != 0)
        found = snprintf(name, size, "%s", to) < (int)size;
done:
    free(to);
    free(field);
    return found;
}

/* Why test t cannot run now (its model's reason, else its parent model's), or "". */
static int test_skip_reason(sqlite3 *db, rs_project *p, const test_row *t, char *why, size_t size,
                            rs_err *err) {
    char parent[256];
    int rc = model_skip_reason(db, p, t->model, why, size, err);

    if (rc == RS_OK && why[0] == '\0' && parent_model(t, parent, sizeof(parent)))
        rc = model_skip_reason(db, p, parent, why, size, err);
    return rc;
}

static void test_name(rs_buf *name, const test_row *t) {
    rs_buf_printf(name, "%s_%s_%s", t->test, t->model, t->column ? t->column : "");
}

/* Record test t as skipped, with why. */
static int skip_one_test(rs_conn *conn, rs_project *p, long long run_id, const test_row *t,
                         const char *why, size_t seq, size_t total, rs_err *werr) {
    rs_buf name = RS_BUF_INIT;
    models_result_row row;
    char line[400];
    long idx = rs_graph_find(rs_project_graph(p), t->model);
    int rc;

    test_name(&name, t);
    memset(&row, 0, sizeof(row));
    row.run_id = run_id;
    row.model = rs_buf_cstr(&name);
    row.kind = "test";
    row.relation = idx >= 0 ? rs_project_model(p, (size_t)idx)->relation : NULL;
    row.status = "skipped";
    row.started_ms = rs_runner_now_ms();
    row.rows_affected = -1;
    row.message = why;
    snprintf(line, sizeof(line), "SKIP test %s", rs_buf_cstr(&name));
    models_progress_line(conn->cfg.quiet, seq, total, line, "SKIP");
    rc = name.oom ? rs_err_set(werr, RS_ENOMEM, "out of memory")
                  : models_write_result(conn->db, &row, werr);
    rs_buf_free(&name);
    return rc;
}

static int run_one_test(rs_conn *conn, rs_api *api, rs_project *p, long long run_id,
                        const test_row *t, size_t seq, size_t total, test_counts *counts,
                        rs_err *werr) {
    rs_buf q = RS_BUF_INIT, name = RS_BUF_INIT;
    char message[700], status_text[64], line[400], *query_id = NULL;
    long long failures = -1, started = rs_runner_now_ms();
    struct timespec t0, t1;
    models_result_row row;
    const char *status;
    long idx;
    rs_err err;
    int rc;

    test_name(&name, t);
    snprintf(line, sizeof(line), "START test %s", rs_buf_cstr(&name));
    models_progress_line(conn->cfg.quiet, seq, total, line, "RUN");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rs_err_clear(&err);
    rc = compile_test(p, t, &q, &err);
    if (rc != RS_OK)
        rs_buf_reset(&q); /* no query to record */
    if (rc == RS_OK)
        rc = run_test_query(conn, api, rs_buf_cstr(&q), &failures, &query_id, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    status = rc != RS_OK ? "error" : failures == 0 ? "pass" : "fail";
    if (rc != RS_OK)
        snprintf(message, sizeof(message), "%s", err.msg);
    else
        snprintf(message, sizeof(message), "%s(%s) on %s: %lld failing row%s", t->test, t->column,
                 t->model, failures, failures == 1 ? "" : "s");
    counts->error += rc != RS_OK;
    counts->pass += rc == RS_OK && failures == 0;
    counts->fail += rc == RS_OK && failures != 0;
    memset(&row, 0, sizeof(row));
    idx = rs_graph_find(rs_project_graph(p), t->model);
    row.run_id = run_id;
    row.model = rs_buf_cstr(&name);
    row.kind = "test";
    row.relation = idx >= 0 ? rs_project_model(p, (size_t)idx)->relation : NULL;
    row.status = status;
    row.started_ms = started;
    row.elapsed_ms =
        (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    row.rows_affected = failures;
    row.query_id = query_id;
    row.message = message;
    row.compiled_sql = q.len ? rs_buf_cstr(&q) : NULL;
    snprintf(line, sizeof(line), "%s %s",
             rc != RS_OK     ? "ERROR"
             : failures == 0 ? "PASS"
                             : "FAIL",
             rs_buf_cstr(&name));
    snprintf(status_text, sizeof(status_text), "%s in %.2fs",
             rc != RS_OK     ? "ERROR"
             : failures == 0 ? "PASS"
                             : "FAIL",
             (double)row.elapsed_ms / 1000.0);
    models_progress_line(conn->cfg.quiet, seq, total, line, status_text);
    rc = models_write_result(conn->db, &row, werr);
    free(query_id);
    rs_buf_free(&q);
    rs_buf_free(&name);
    return rc;
}

/* Run test t, or record it skipped when its model cannot be tested now. */
static int do_one_test(rs_conn *conn, rs_api *api, rs_project *p, long long run_id,
                       const test_row *t, size_t seq, size_t total, test_counts *counts,
                       rs_err *err) {
    char why[800];
    int rc = test_skip_reason(conn->db, p, t, why, sizeof(why), err);

    if (rc != RS_OK)
        return rc;
    if (why[0] == '\0')
        return run_one_test(conn, api, p, run_id, t, seq, total, counts, err);
    counts->skipped++;
    return skip_one_test(conn, p, run_id, t, why, seq, total, err);
}

void models_fn_test(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *selector = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    test_row *tests = NULL;
    size_t n_tests = 0, i, total = 0, seq = 0;
    rs_graph_sel *sel = NULL;
    rs_project *p = NULL;
    rs_api *api = NULL;
    rs_buf out = RS_BUF_INIT;
    test_counts counts = {0, 0, 0, 0};
    long long run_id = 0;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_conn_api(conn, &api, &err);
    if (rc == RS_OK)
        rc = models_load_project(conn, NULL, &p, &err);
    if (rc == RS_OK && selector != NULL)
        rc = rs_graph_select(rs_project_graph(p), selector, NULL, &sel, &err);
    if (rc == RS_OK)
        rc = read_tests(conn->db, &tests, &n_tests, &err);
    if (rc == RS_OK)
        rc = models_next_run_id(conn->db, &run_id, &err);
    for (i = 0; rc == RS_OK && i < n_tests; i++) {
        long idx = rs_graph_find(rs_project_graph(p), tests[i].model);
        tests[i].selected = sel == NULL || (idx >= 0 && rs_graph_sel_has(sel, (size_t)idx));
        total += (size_t)tests[i].selected;
    }
    for (i = 0; rc == RS_OK && i < n_tests; i++) {
        if (tests[i].selected)
            rc = do_one_test(conn, api, p, run_id, &tests[i], ++seq, total, &counts, &err);
    }
    if (rc == RS_OK) {
        rs_buf_printf(&out,
                      "{\"run_id\":%lld,\"tests\":%zu,\"pass\":%zu,\"fail\":%zu,"
                      "\"error\":%zu,\"skipped\":%zu}",
                      run_id, total, counts.pass, counts.fail, counts.error, counts.skipped);
        rs_sqlerr_result_json(ctx, &out);
    } else {
        rs_sqlerr_result(ctx, &err);
    }
    rs_buf_free(&out);
    test_rows_free(tests, n_tests);
    rs_graph_sel_free(sel);
    rs_project_free(p);
}
