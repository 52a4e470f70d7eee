/*
 * fn_models_build.c - rockset_build: seeds, models and tests in DAG order, as `dbt build`.
 *
 *   SELECT rockset_build();                                  -- everything enabled
 *   SELECT rockset_build('+customer_orders', '{"exclude": "tag:slow", "full_refresh": true}');
 *     -> {"run_id":4,"seeds":{"success":2,"error":0,"skipped":0},
 *         "models":{"success":3,"error":0,"skipped":1},
 *         "tests":{"pass":5,"fail":1,"error":0,"skipped":0},"incomplete":["stg_orders", ...]}
 *
 * What it does, by levels of the selection's dependency order (rs_graph_levels: a node's level
 * is one more than that of its deepest selected ancestor; seeds, which ref nothing, are level
 * 0):
 *   1. every node of the level whose upstream failed is skipped (a rockset_run_results row
 *      "skipped: upstream seed 'x' failed" / "... has a failing test"), with no work done;
 *   2. the level's seeds are loaded one by one (models_seed_named: a full reload, typed);
 *   3. the level's models are built together, as rockset_run builds them (threads);
 *   4. the tests of the level's nodes run (rockset_test on those nodes: a test whose node failed
 *      or was skipped is skipped, never passed);
 *   5. a node that failed, or has a test that failed or errored, makes every node downstream
 *      of it skip (step 1 of the later levels), as dbt build does.
 * Levels are barriers: a model waits for the whole level before it, not only for its parents;
 * a model's tests run once its level is built. Every row of the build - seeds, models, tests -
 * carries the same run_id. Selectors and options as rockset_run's (exclude, full_refresh);
 * they select seeds like models: rockset_build('raw_orders+') loads raw_orders and builds and
 * tests what reads it. The summary never raises an SQL error for a failed node.
 */
#include "fn_models_int.h"
#include "jsonscan.h"
#include "models/graph.h"
#include "models/materialize.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What each graph node came to in this build. */
typedef struct build_node {
    int selected;
    int level;  /* -1 when not selected */
    int bad;    /* failed, skipped, or a test of it failed: its descendants skip */
    long cause; /* the node that made this one bad upstream (-1: itself or none) */
    int test_failed;
} build_node;

typedef struct build_state {
    rs_conn *conn;
    rs_project *p;
    build_node *nodes;
    size_t n;
    long long run_id;
    int full_refresh;
    size_t seq, total; /* progress lines of seeds and skips: "3 of 9" over the selection */
} build_state;

static int is_seed(const build_state *b, size_t m) {
    return rs_project_model(b->p, m)->kind == RS_MAT_SEED;
}

/* ---------------------------------------------------------------- options */

static int parse_build_options(const char *text, char **exclude, int *full_refresh, rs_err *err) {
    rs_jsonscan_span span, key, v;
    rs_jsonscan_iter it;

    *exclude = NULL;
    *full_refresh = 0;
    if (text == NULL)
        return RS_OK;
    span = rs_jsonscan_cstr(text);
    if (rs_jsonscan_validate(span.ptr, span.len, NULL) != RS_OK ||
        rs_jsonscan_classify(span) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "rockset_build: options must be a JSON object");
    rs_jsonscan_iter_init(&it, span);
    while (rs_jsonscan_iter_next(&it, &key, &v) == 1) {
        if (rs_jsonscan_key_eq(key, "exclude")) {
            free(*exclude);
            *exclude = NULL;
            if (rs_jsonscan_string_dup(v, exclude, err) != RS_OK) {
                rs_err_clear(err);
                return rs_err_set(err, RS_EINVAL, "rockset_build: option 'exclude' must be text");
            }
        } else if (rs_jsonscan_key_eq(key, "full_refresh")) {
            if (rs_jsonscan_bool(v, full_refresh) != RS_OK)
                return rs_err_set(err, RS_EINVAL,
                                  "rockset_build: option 'full_refresh' must be true or false");
        } else {
            return rs_err_set(err, RS_EINVAL,
                              "rockset_build: unknown option %.*s (valid: exclude, full_refresh)",
                              (int)key.len, key.ptr);
        }
    }
    return RS_OK;
}

/* ---------------------------------------------------------------- rows */

/* Record node m skipped because of its upstream node cause. */
static int write_skip(build_state *b, size_t m, rs_err *err) {
    const rs_graph *g = rs_project_graph(b->p);
    const rs_model_info *mi = rs_project_model(b->p, m);
    long cause = b->nodes[m].cause;
    models_result_row row;
    char message[600], line[400];

    snprintf(message, sizeof(message), "skipped: upstream %s '%s' %s",
             is_seed(b, (size_t)cause) ? "seed" : "model", rs_graph_name(g, (size_t)cause),
             b->nodes[cause].test_failed ? "has a failing test" : "failed");
    memset(&row, 0, sizeof(row));
    row.run_id = b->run_id;
    row.model = mi->name;
    row.kind = rs_mat_kind_name(mi->kind);
    row.relation = mi->relation;
    row.status = "skipped";
    row.rows_affected = -1;
    row.message = message;
    snprintf(line, sizeof(line), "SKIP %s %s", row.kind, mi->relation);
    models_progress_line(b->conn->cfg.quiet, ++b->seq, b->total, line, "SKIP");
    return models_write_result(b->conn->db, &row, err);
}

/* The status of node m's latest non-test row in this build, into status (empty: none). */
static int node_status(build_state *b, size_t m, char *status, size_t size, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    int rc = RS_OK;

    status[0] = '\0';
    if (sqlite3_prepare_v2(b->conn->db,
                           "SELECT status FROM rockset_run_results WHERE run_id = ?1 AND model = "
                           "?2 AND kind <> 'test' ORDER BY rowid DESC LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EIO, "rockset_build: reading rockset_run_results failed: %s",
                          sqlite3_errmsg(b->conn->db));
    sqlite3_bind_int64(stmt, 1, b->run_id);
    sqlite3_bind_text(stmt, 2, rs_graph_name(rs_project_graph(b->p), m), -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL)
        snprintf(status, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    sqlite3_finalize(stmt);
    return rc;
}

/* ---------------------------------------------------------------- tests */

/* Run the tests of the nodes in `names` (rockset_test), then give their rows this build's
 * run_id and mark the nodes with a failing or erroring test. */
static int run_level_tests(build_state *b, const char *names, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    sqlite3 *db = b->conn->db;
    long long test_run = 0;
    int rc = RS_OK;
    size_t m;

    if (sqlite3_prepare_v2(db, "SELECT json_extract(rockset_test(?1), '$.run_id')", -1, &stmt,
                           NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EIO, "rockset_build: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(stmt, 1, names, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW)
        test_run = sqlite3_column_int64(stmt, 0);
    else
        rc = rs_err_set(err, RS_EINVAL, "rockset_build: %s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (rc == RS_OK &&
        sqlite3_prepare_v2(db,
                           "SELECT 1 FROM rockset_run_results WHERE run_id = ?1 AND kind = 'test' "
                           "AND relation = ?2 AND status IN ('fail', 'error') LIMIT 1",
                           -1, &stmt, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EIO, "rockset_build: %s", sqlite3_errmsg(db));
    for (m = 0; rc == RS_OK && m < b->n; m++) {
        if (!b->nodes[m].selected || b->nodes[m].bad || b->nodes[m].level < 0)
            continue;
        sqlite3_bind_int64(stmt, 1, test_run);
        sqlite3_bind_text(stmt, 2, rs_project_model(b->p, m)->relation, -1, SQLITE_STATIC);
        if (sqlite3_step(stmt) == SQLITE_ROW)
            b->nodes[m].bad = b->nodes[m].test_failed = 1;
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    if (rc == RS_OK && test_run != b->run_id) {
        char *sql = sqlite3_mprintf("UPDATE rockset_run_results SET run_id = %lld WHERE run_id = "
                                    "%lld",
                                    b->run_id, test_run);
        if (sql == NULL || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
            rc = rs_err_set(err, RS_EIO, "rockset_build: %s", sqlite3_errmsg(db));
        sqlite3_free(sql);
    }
    return rc;
}

/* ---------------------------------------------------------------- one level */

/* The cause of node m's skip: a bad parent (the parent itself, or what made it bad). */
static void inherit_cause(build_state *b, size_t m) {
    const size_t *parents;
    size_t n_parents, i;

    rs_graph_parents(rs_project_graph(b->p), m, &parents, &n_parents);
    for (i = 0; i < n_parents && !b->nodes[m].bad; i++) {
        const build_node *up = &b->nodes[parents[i]];
        if (up->bad) {
            b->nodes[m].bad = 1;
            b->nodes[m].cause = up->cause >= 0 ? up->cause : (long)parents[i];
        }
    }
}

static int build_level(build_state *b, int level, rs_err *err) {
    rs_buf models = RS_BUF_INIT, nodes = RS_BUF_INIT;
    size_t counts[4] = {0, 0, 0, 0}, m;
    models_seed_outcome o;
    char status[32], line[400];
    rs_api *api = NULL;
    int rc = RS_OK;

    for (m = 0; rc == RS_OK && m < b->n; m++) {
        build_node *node = &b->nodes[m];
        if (node->level != level)
            continue;
        inherit_cause(b, m);
        /* a skipped node's tests are recorded skipped too */
        rs_buf_printf(&nodes, "%s%s", nodes.len ? " " : "",
                      rs_graph_name(rs_project_graph(b->p), m));
        if (node->bad) {
            rc = write_skip(b, m, err);
            continue;
        }
        if (!is_seed(b, m)) {
            rs_buf_printf(&models, "%s%s", models.len ? " " : "",
                          rs_graph_name(rs_project_graph(b->p), m));
            continue;
        }
        rc = rs_conn_api(b->conn, &api, err);
        if (rc == RS_OK)
            rc =
                models_seed_named(b->conn, api, b->run_id, rs_graph_name(rs_project_graph(b->p), m),
                                  b->conn->cfg.batch_size, &o, err);
        node->bad = rc == RS_OK && !o.ok;
        if (rc == RS_OK) {
            snprintf(line, sizeof(line), "%s seed %s", o.ok ? "OK loaded" : "ERROR loading",
                     o.relation);
            models_progress_line(b->conn->cfg.quiet, ++b->seq, b->total, line,
                                 o.ok ? "INSERT" : "ERROR");
        }
    }
    if (rc == RS_OK && (models.oom || nodes.oom))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK && models.len > 0)
        rc = models_run_for_build(b->conn, rs_buf_cstr(&models), b->full_refresh, b->run_id, counts,
                                  err);
    for (m = 0; rc == RS_OK && m < b->n; m++) {
        if (b->nodes[m].level != level || b->nodes[m].bad || is_seed(b, m))
            continue;
        rc = node_status(b, m, status, sizeof(status), err);
        b->nodes[m].bad = strcmp(status, "success") != 0;
    }
    if (rc == RS_OK && nodes.len > 0)
        rc = run_level_tests(b, rs_buf_cstr(&nodes), err);
    rs_buf_free(&models);
    rs_buf_free(&nodes);
    return rc;
}

/* ---------------------------------------------------------------- summary */

static int put_counts(sqlite3 *db, long long run_id, const char *label, const char *where,
                      const char *const *statuses, rs_buf *out, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    char *sql = sqlite3_mprintf("SELECT COUNT(*) FROM rockset_run_results WHERE run_id = %lld "
                                "AND %s AND status = ?1",
                                run_id, where);
    size_t i;
    int rc = RS_OK;

    if (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EIO, "rockset_build: %s", sqlite3_errmsg(db));
    rs_buf_printf(out, "\"%s\":{", label);
    for (i = 0; rc == RS_OK && statuses[i] != NULL; i++) {
        sqlite3_bind_text(stmt, 1, statuses[i], -1, SQLITE_STATIC);
        sqlite3_step(stmt);
        rs_buf_printf(out, "%s\"%s\":%lld", i ? "," : "", statuses[i],
                      (long long)sqlite3_column_int64(stmt, 0));
        sqlite3_reset(stmt);
    }
    rs_buf_putc(out, '}');
    sqlite3_finalize(stmt);
    sqlite3_free(sql);
    return rc;
}

static int build_summary(build_state *b, rs_buf *out, rs_err *err) {
    static const char *const node_statuses[] = {"success", "error", "skipped", NULL};
    static const char *const test_statuses[] = {"pass", "fail", "error", "skipped", NULL};
    const rs_graph *g = rs_project_graph(b->p);
    size_t m, k = 0;
    int rc;

    rs_buf_printf(out, "{\"run_id\":%lld,", b->run_id);
    rc = put_counts(b->conn->db, b->run_id, "seeds", "kind = 'seed'", node_statuses, out, err);
    rs_buf_putc(out, ',');
    if (rc == RS_OK)
        rc = put_counts(b->conn->db, b->run_id, "models", "kind NOT IN ('seed', 'test')",
                        node_statuses, out, err);
    rs_buf_putc(out, ',');
    if (rc == RS_OK)
        rc = put_counts(b->conn->db, b->run_id, "tests", "kind = 'test'", test_statuses, out, err);
    rs_buf_puts(out, ",\"incomplete\":[");
    for (m = 0; m < b->n; m++) {
        if (b->nodes[m].level < 0 || !b->nodes[m].bad)
            continue;
        rs_buf_puts(out, k++ ? "," : "");
        rs_buf_json_string(out, rs_graph_name(g, m), strlen(rs_graph_name(g, m)));
    }
    rs_buf_puts(out, "]}");
    return rc == RS_OK && out->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : rc;
}

/* ---------------------------------------------------------------- the function */

/* Load the project and select the nodes; levels[] of the selection. */
static int build_setup(build_state *b, const char *selector, const char *exclude, rs_err *err) {
    rs_graph_sel *sel = NULL;
    int *levels = NULL, rc;
    size_t m;

    rc = models_load_project(b->conn, NULL, &b->p, err);
    if (rc == RS_OK)
        rc = rs_graph_select(rs_project_graph(b->p), selector, exclude, &sel, err);
    if (rc == RS_OK)
        rc = rs_graph_levels(rs_project_graph(b->p), sel, &levels, err);
    if (rc == RS_OK) {
        b->n = rs_graph_count(rs_project_graph(b->p));
        b->nodes = calloc(b->n ? b->n : 1, sizeof(*b->nodes));
        if (b->nodes == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    for (m = 0; rc == RS_OK && m < b->n; m++) {
        b->nodes[m].selected = rs_graph_sel_has(sel, m);
        b->nodes[m].level = levels[m];
        b->nodes[m].cause = -1;
        b->total += (size_t)b->nodes[m].selected;
    }
    free(levels);
    rs_graph_sel_free(sel);
    return rc;
}

void models_fn_build(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *selector = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    const char *options = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    build_state b;
    rs_buf out = RS_BUF_INIT;
    char *exclude = NULL;
    rs_api *api = NULL;
    int level, max_level = -1, rc;
    size_t m;
    rs_err err;

    memset(&b, 0, sizeof(b));
    b.conn = sqlite3_user_data(ctx);
    rs_err_clear(&err);
    rc = parse_build_options(options, &exclude, &b.full_refresh, &err);
    if (rc == RS_OK)
        rc = rs_conn_api(b.conn, &api, &err); /* connects first: the profile's workspace */
    if (rc == RS_OK)
        rc = build_setup(&b, selector, exclude, &err);
    if (rc == RS_OK)
        rc = models_next_run_id(b.conn->db, &b.run_id, &err);
    for (m = 0; rc == RS_OK && m < b.n; m++)
        max_level = b.nodes[m].level > max_level ? b.nodes[m].level : max_level;
    for (level = 0; rc == RS_OK && level <= max_level; level++)
        rc = build_level(&b, level, &err);
    if (rc == RS_OK)
        rc = build_summary(&b, &out, &err);
    if (rc == RS_OK)
        rs_sqlerr_result_json(ctx, &out);
    else
        rs_sqlerr_result(ctx, &err);
    rs_buf_free(&out);
    free(exclude);
    free(b.nodes);
    rs_project_free(b.p);
}
