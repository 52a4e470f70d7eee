/*
 * fn_models_build.c - rockset_build: seeds, models and tests in DAG order, as `dbt build`.
 *
 *   SELECT rockset_build();                                  -- everything enabled
 *   SELECT rockset_build('+customer_orders', '{"exclude": "tag:slow", "full_refresh": true}');
 *     -> {"run_id":4,"seeds":{"success":2,"error":0,"skipped":0},
 *         "models":{"success":3,"error":0,"skipped":1},
 *         "tests":{"pass":5,"fail":1,"error":0,"skipped":0},"incomplete":["stg_orders", ...]}
 *
 * What happens in which order - levels of the dependency order, seeds one by one, a level's
 * models together, then its tests, a failure skipping everything downstream - is decided by
 * src/models/build.h. This file is its host: each step's I/O, through the functions the single
 * commands use, so that a step of a build does what the command does:
 *   skip    a rockset_run_results row "skipped: upstream seed 'x' failed" and its progress line;
 *   seed    models_seed_named (a full reload, typed), as rockset_seed() loads a rockset_seeds row;
 *   models  models_run_for_build: the models built as rockset_run builds them (threads), then
 *           each one's status read back from its row;
 *   tests   models_test_run, as rockset_test runs them on those nodes (a test whose node failed
 *           or was skipped is skipped, never passed).
 * Every row of the build - seeds, models, tests - carries the same run_id. Selectors and
 * options as rockset_run's (exclude, full_refresh, threads, fail_fast, vars; one parser,
 * src/models/runopts.h); the vars reach models, tests and hooks alike. Selectors select seeds like
 * models: rockset_build('raw_orders+') loads raw_orders and builds and tests what reads it. The
 * summary never raises an SQL error for a failed node.
 */
#include "fn_models_int.h"
#include "models/build.h"
#include "models/runopts.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What the callbacks share. */
typedef struct build_host {
    rs_conn *conn;
    rs_project *p;
    long long run_id;
    const rs_runopts *opts;
} build_host;

static const char *node_name(const build_host *h, size_t m) {
    return rs_graph_name(rs_project_graph(h->p), m);
}

/* "a b c": the names of nodes[0..n), a selector naming exactly them. */
static int node_names(const build_host *h, const size_t *nodes, size_t n, rs_buf *out,
                      rs_err *err) {
    size_t i;

    for (i = 0; i < n; i++)
        rs_buf_printf(out, "%s%s", i ? " " : "", node_name(h, nodes[i]));
    return out->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
}

/* ---------------------------------------------------------------- skip, seed */

static int host_skip(void *ctx, size_t m, const char *message, size_t seq, size_t total,
                     rs_err *err) {
    build_host *h = ctx;
    const rs_model_info *mi = rs_project_model(h->p, m);
    models_result_row row;
    char line[400];

    memset(&row, 0, sizeof(row));
    row.run_id = h->run_id;
    row.model = mi->name;
    row.kind = rs_mat_kind_name(mi->kind);
    row.relation = mi->relation;
    row.status = "skipped";
    row.rows_affected = -1;
    row.message = message;
    snprintf(line, sizeof(line), "SKIP %s %s", row.kind, mi->relation);
    models_progress_line(h->conn->cfg.quiet, seq, total, line, "SKIP");
    return models_write_result(h->conn->db, &row, err);
}

static int host_seed(void *ctx, size_t m, size_t seq, size_t total, int *ok, rs_err *err) {
    build_host *h = ctx;
    models_seed_outcome o;
    char line[400];
    rs_api *api = NULL;
    int rc;

    rc = rs_conn_api(h->conn, &api, err);
    if (rc == RS_OK)
        rc = models_seed_named(h->conn, api, h->run_id, node_name(h, m), h->conn->cfg.batch_size,
                               &o, err);
    if (rc != RS_OK)
        return rc;
    *ok = o.ok;
    snprintf(line, sizeof(line), "%s seed %s", o.ok ? "OK loaded" : "ERROR loading", o.relation);
    models_progress_line(h->conn->cfg.quiet, seq, total, line, o.ok ? "INSERT" : "ERROR");
    return RS_OK;
}

/* ---------------------------------------------------------------- models, tests */

/* The status of node m's latest non-test row in this build (RS_RUN_NOT_SELECTED: none). */
static int node_status(build_host *h, size_t m, rs_run_status *status, rs_err *err) {
    static const char *const names[] = {"", "success", "error", "skipped"};
    sqlite3_stmt *stmt = NULL;
    const char *text;
    int k;

    *status = RS_RUN_NOT_SELECTED;
    if (sqlite3_prepare_v2(h->conn->db,
                           "SELECT status FROM rockset_run_results WHERE run_id = ?1 AND model = "
                           "?2 AND kind <> 'test' ORDER BY rowid DESC LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EIO, "rockset_build: reading rockset_run_results failed: %s",
                          sqlite3_errmsg(h->conn->db));
    sqlite3_bind_int64(stmt, 1, h->run_id);
    sqlite3_bind_text(stmt, 2, node_name(h, m), -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL) {
        text = (const char *)sqlite3_column_text(stmt, 0);
        for (k = 1; k < 4; k++) {
            if (strcmp(text, names[k]) == 0)
                *status = (rs_run_status)k;
        }
    }
    sqlite3_finalize(stmt);
    return RS_OK;
}

static int host_models(void *ctx, const size_t *nodes, size_t n, rs_run_status *status,
                       rs_err *err) {
    build_host *h = ctx;
    rs_buf names = RS_BUF_INIT;
    size_t i;
    int rc = node_names(h, nodes, n, &names, err);

    if (rc == RS_OK)
        rc = models_run_for_build(h->conn, rs_buf_cstr(&names), h->opts, h->run_id, err);
    for (i = 0; rc == RS_OK && i < n; i++)
        rc = node_status(h, nodes[i], &status[i], err);
    rs_buf_free(&names);
    return rc;
}

/* The test step used to be the SQL call rockset_test(names) inside rockset_build; its errors
 * keep the text that gave: "rockset_build: " and what SQLite reported for it. */
static void as_build_error(rs_err *err) {
    char msg[sizeof(err->msg)];

    snprintf(msg, sizeof(msg), "%s",
             err->code == RS_ENOMEM       ? "out of memory"
             : err->code == RS_EINTERRUPT ? "interrupted"
             : err->msg[0]                ? err->msg
                                          : "rockset: unknown error");
    rs_err_clear(err);
    rs_err_set(err, RS_EINVAL, "rockset_build: %s", msg);
}

static int host_tests(void *ctx, const size_t *nodes, size_t n, const size_t *later, size_t n_later,
                      rs_datatest_summary *out, rs_err *err) {
    build_host *h = ctx;
    rs_buf names = RS_BUF_INIT, later_names = RS_BUF_INIT;
    long long run_id = h->run_id;
    int rc = node_names(h, nodes, n, &names, err);

    if (rc == RS_OK)
        rc = node_names(h, later, n_later, &later_names, err);
    if (rc == RS_OK) {
        rc = models_test_run(h->conn, rs_buf_cstr(&names), rs_buf_cstr(&later_names),
                             h->opts->vars_json, MODELS_TESTS_DATA, &run_id, out, err);
        if (rc != RS_OK)
            as_build_error(err);
    }
    rs_buf_free(&names);
    rs_buf_free(&later_names);
    return rc;
}

static int host_units(void *ctx, const size_t *nodes, size_t n, unsigned char *failed,
                      rs_datatest_summary *out, rs_err *err) {
    build_host *h = ctx;
    rs_buf names = RS_BUF_INIT;
    rs_graph_sel *sel = NULL;
    unsigned char *by_node = calloc(rs_graph_count(rs_project_graph(h->p)) + 1, 1);
    rs_api *api = NULL;
    int rc = by_node != NULL ? node_names(h, nodes, n, &names, err)
                             : rs_err_set(err, RS_ENOMEM, "out of memory");

    if (rc == RS_OK)
        rc = rs_graph_select(rs_project_graph(h->p), rs_buf_cstr(&names), NULL, &sel, err);
    if (rc == RS_OK)
        rc = rs_conn_api(h->conn, &api, err);
    if (rc == RS_OK)
        rc = models_unit_run(h->conn, api, h->p, sel, NULL, h->run_id, out, by_node, err);
    for (size_t i = 0; rc == RS_OK && i < n; i++)
        failed[i] = by_node[nodes[i]];
    rs_graph_sel_free(sel);
    rs_buf_free(&names);
    free(by_node);
    return rc;
}

/* ---------------------------------------------------------------- the function */

void models_fn_build(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *selector = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    const char *options = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    rs_build_host host = {NULL, host_skip, host_seed, host_models, host_tests, host_units};
    build_host h = {sqlite3_user_data(ctx), NULL, 0, NULL};
    rs_project *p = NULL;
    rs_build *b = NULL;
    rs_buf out = RS_BUF_INIT;
    rs_runopts o;
    rs_api *api = NULL;
    rs_err err;
    int rc;

    host.ctx = &h;
    rs_err_clear(&err);
    rc = rs_runopts_parse_build(options, &o, &err);
    if (rc == RS_OK)
        rc = rs_conn_api(h.conn, &api, &err); /* connects first: the profile's workspace */
    if (rc == RS_OK)
        rc = models_load_project(h.conn, o.vars_json, &p, &err);
    if (rc == RS_OK)
        rc = rs_build_new(p, selector, o.exclude, &b, &err);
    if (rc == RS_OK)
        rs_build_set_fail_fast(b, o.fail_fast);
    if (rc == RS_OK)
        rc = models_next_run_id(h.conn->db, &h.run_id, &err);
    h.p = p;
    h.opts = &o;
    if (rc == RS_OK)
        rc = models_run_hooks(h.conn, p, "rockset_build", "on-run-start", h.run_id, &err);
    if (rc == RS_OK)
        rc = rs_build_run(b, &host, &err);
    if (rc == RS_OK)
        rc = models_run_hooks(h.conn, p, "rockset_build", "on-run-end", h.run_id, &err);
    if (rc == RS_OK)
        rc = rs_build_summary(b, h.run_id, &out, &err);
    if (rc == RS_OK)
        rs_sqlerr_result_json(ctx, &out);
    else
        rs_sqlerr_result(ctx, &err);
    rs_buf_free(&out);
    rs_runopts_free(&o);
    rs_build_free(b);
    rs_project_free(p);
}
