/*
 * fn_models.c - models: dbt's workflow inside SQLite (docs/reference.md).
 *
 *   SELECT rockset_init();                                  -- the model tables (idempotent)
 *   INSERT INTO rockset_models (name, sql, materialized) VALUES
 *     ('stg_orders', 'SELECT * FROM {{ source(''shop'', ''orders'') }}', 'view'),
 *     ('totals', 'SELECT customer, SUM(amount) AS total FROM {{ ref(''stg_orders'') }}
 *                 GROUP BY customer', 'table');
 *   SELECT rockset_compile('totals');                       -- the SQL that would be shipped
 *   SELECT rockset_compile('totals', 1);                    -- ... with is_incremental() true
 *   SELECT rockset_materialize('totals' [, 'table']);       -- one model; JSON summary
 *   SELECT rockset_run(['+totals tag:daily' [, '{"full_refresh": true, "threads": 8,
 *                       "fail_fast": false, "exclude": "x", "vars": {"day": "2024-01-01"}}']]);
 *   SELECT rockset_test(['selector']);                      -- data tests (fn_models_test.c)
 *   SELECT rockset_seed('local_table', 'ws.coll' [, '{"batch_size": 500, "replace": true,
 *                       "json_columns": ["payload"]}']);    -- fn_models_seed.c
 *   SELECT * FROM rockset_dag;                              -- (parent, child) (vtab_dag.c)
 *   SELECT rockset_lineage_dot(['selector']);               -- Graphviz DOT
 *
 * How a run works: on the calling thread the model tables are read into a project
 * (compile.h), the selection is made and every selected model is compiled into a job
 * (materialize.h); then runner.h builds them on up to `threads` worker threads, each with its
 * own client, SQLite untouched; back on the calling thread one rockset_run_results row per
 * model is written, in start order, and the JSON summary returned. A model that fails fails its
 * own row and skips its descendants; rockset_run itself raises no error for that. A model whose
 * template cannot be read fails the same way, at its start, without touching Rockset; a
 * selected model downstream of such a model that is not selected is skipped before anything
 * starts, its message naming that model and its error (compile.h, "Failed models").
 * rockset_materialize builds one model on the calling thread and raises the error when it fails
 * (its row is written first).
 *
 * Rationale for DIRECTONLY: these functions send the user's SQL and key to Rockset, read the
 * environment (env_var) or write tables; a trigger or view in an untrusted database must not
 * be able to call them.
 */
#include "conn.h"
#include "fn_models_int.h"
#include "jsonscan.h"
#include "managed.h"
#include "models/compile.h"
#include "models/materialize.h"
#include "models/runner.h"
#include "models/runopts.h"
#include "modules.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double monotonic_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* ---------------------------------------------------------------- rockset_init */

static void fn_init(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    rs_err err;

    (void)argc;
    (void)argv;
    rs_err_clear(&err);
    if (models_schema_ensure(conn->db, &err) != RS_OK) {
        rs_sqlerr_resultf(ctx, "rockset_init: %s", err.msg);
        return;
    }
    sqlite3_result_text(ctx,
                        "rockset_init: rockset_models, rockset_sources, rockset_vars, "
                        "rockset_tests, rockset_unit_tests, rockset_macros, rockset_seeds, "
                        "rockset_hooks, rockset_analyses, rockset_run_results are ready",
                        -1, SQLITE_STATIC);
}

/* ---------------------------------------------------------------- loading */

/* Connect when possible (so the profile's workspace and target apply), then load. */
static int load_project(rs_conn *conn, const char *run_vars, int need_api, rs_api **api,
                        rs_project **p, rs_err *err) {
    rs_api *client = NULL;
    rs_err ignored;
    int rc;

    if (need_api) {
        rc = rs_conn_api(conn, &client, err);
        if (rc != RS_OK)
            return rc;
    } else if (conn->api == NULL) {
        rs_err_clear(&ignored);
        rs_conn_api(conn, &client, &ignored); /* compiling works offline too */
    }
    if (api != NULL)
        *api = client;
    return models_load_project(conn, run_vars, p, err);
}

/* Graph index of the model named by a function's argument, or an error on ctx. */
static long find_model(sqlite3_context *ctx, const char *fn, const rs_project *p,
                       sqlite3_value *arg) {
    const char *name = rs_sqlerr_arg_text(arg);
    long idx = name ? rs_graph_find(rs_project_graph(p), name) : -1;
    const char *close;

    if (idx >= 0 && rs_project_model(p, (size_t)idx)->kind == RS_MAT_SEED) {
        rs_sqlerr_resultf(ctx,
                          "%s: '%s' is a seed (rockset_seeds), not a model: rockset_seed() or "
                          "rockset_build() loads it",
                          fn, name);
        return -1;
    }
    if (idx >= 0)
        return idx;
    close = rs_graph_suggest(rs_project_graph(p), name);
    if (name == NULL)
        rs_sqlerr_resultf(ctx, "%s: the model name must not be NULL", fn);
    else if (close != NULL)
        rs_sqlerr_resultf(ctx, "%s: no model named '%s'; did you mean '%s'?", fn, name, close);
    else
        rs_sqlerr_resultf(ctx, "%s: no model named '%s'", fn, name);
    return -1;
}

/* ---------------------------------------------------------------- compile, lineage */

/* rockset_compile of an analysis (a rockset_analyses row named name, when no model has that
 * name): its template rendered as a test's is, with the project's ref, source, vars and
 * macros; nothing is run. 1 when name is an analysis (ctx has the result), else 0. */
static int compile_analysis(sqlite3_context *ctx, rs_conn *conn, rs_project *p, const char *name) {
    rs_render_names names = {NULL, NULL, NULL, NULL, NULL, "analysis"};
    sqlite3_stmt *stmt = NULL;
    char *sql = NULL;
    rs_err err;
    int found = 0;

    if (name == NULL || rs_graph_find(rs_project_graph(p), name) >= 0 ||
        sqlite3_prepare_v2(conn->db, "SELECT sql FROM rockset_analyses WHERE name = ?1", -1, &stmt,
                           NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != NULL) {
        found = 1;
        rs_err_clear(&err);
        if (rs_project_render_text(p, name, (const char *)sqlite3_column_text(stmt, 0), &names,
                                   &sql, NULL, NULL, &err) == RS_OK)
            sqlite3_result_text(ctx, sql, -1, free);
        else
            rs_sqlerr_result(ctx, &err);
    }
    sqlite3_finalize(stmt);
    return found;
}

static void fn_compile(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    int incremental = argc > 1 && sqlite3_value_int(argv[1]) != 0;
    rs_project *p = NULL;
    char *sql = NULL, *input = NULL;
    long idx;
    rs_err err;
    int rc = RS_OK;

    rs_err_clear(&err);
    if (load_project(conn, NULL, 0, NULL, &p, &err) != RS_OK) {
        rs_sqlerr_result(ctx, &err);
        return;
    }
    if (compile_analysis(ctx, conn, p, rs_sqlerr_arg_text(argv[0]))) {
        rs_project_free(p);
        return;
    }
    idx = find_model(ctx, "rockset_compile", p, argv[0]);
    if (idx >= 0 && rs_project_model(p, (size_t)idx)->kind == RS_MAT_ROLLUP)
        rc = rs_project_compile_rollup(p, (size_t)idx, &sql, &input, &err); /* what is shipped */
    else if (idx >= 0)
        rc = rs_project_compile_sql(p, (size_t)idx, incremental, &sql, &err);
    if (idx >= 0 && rc != RS_OK)
        rs_sqlerr_result(ctx, &err);
    else if (idx >= 0)
        sqlite3_result_text(ctx, sql, -1, free);
    free(input);
    rs_project_free(p);
}

static void fn_lineage_dot(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *selector = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    rs_graph_sel *sel = NULL;
    rs_project *p = NULL;
    char *dot = NULL;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = models_load_project(conn, NULL, &p, &err);
    if (rc == RS_OK && selector != NULL)
        rc = rs_graph_select(rs_project_graph(p), selector, NULL, &sel, &err);
    if (rc == RS_OK)
        rc = rs_graph_dot(rs_project_graph(p), sel, &dot, &err);
    if (rc == RS_OK)
        sqlite3_result_text(ctx, dot, -1, free);
    else
        rs_sqlerr_result(ctx, &err);
    rs_graph_sel_free(sel);
    rs_project_free(p);
}

/* ---------------------------------------------------------------- jobs */

/* One model of a run or materialize, prepared on the calling thread. */
typedef struct prepared {
    size_t index; /* graph index */
    const rs_model_info *mi;
    rs_mat_kind kind;
    rs_project *project;
    rs_compiled compiled;
    int compile_rc; /* a compile error fails the model when it would start */
    rs_err compile_err;
    rs_buf description;
    rs_mat_job job;
    rs_mat_result result; /* written by the worker that builds it */
} prepared;

/* Compile the model into pm (its error kept for when it would start). */
static void compile_prepared(prepared *pm) {
    rs_project *p = pm->project;

    rs_compiled_free(&pm->compiled);
    rs_err_clear(&pm->compile_err);
    pm->compile_rc = rs_project_compile(p, pm->index, &pm->compiled, &pm->compile_err);
    if (pm->compile_rc == RS_OK && pm->kind == RS_MAT_INCREMENTAL &&
        pm->compiled.sql_incremental == NULL)
        pm->compile_rc = rs_project_compile_sql(p, pm->index, 1, &pm->compiled.sql_incremental,
                                                &pm->compile_err);
    /* rockset_materialize(m, kind) with another kind than the model's: a rollup's SQL reads
     * _input, any other kind's reads the relations themselves */
    if (pm->compile_rc == RS_OK &&
        (pm->kind == RS_MAT_ROLLUP) != (pm->compiled.input_sql != NULL)) {
        free(pm->compiled.sql);
        free(pm->compiled.input_sql);
        pm->compiled.sql = pm->compiled.input_sql = NULL;
        pm->compile_rc =
            pm->kind == RS_MAT_ROLLUP
                ? rs_project_compile_rollup(p, pm->index, &pm->compiled.sql,
                                            &pm->compiled.input_sql, &pm->compile_err)
                : rs_project_compile_sql(p, pm->index, 0, &pm->compiled.sql, &pm->compile_err);
    }
}

static void point_job_at_compiled(prepared *pm) {
    pm->job.sql = pm->compiled.sql;
    pm->job.sql_incremental = pm->compiled.sql_incremental;
    pm->job.input_sql = pm->compiled.input_sql;
    pm->job.pre_hooks = (const char *const *)pm->compiled.pre_hooks;
    pm->job.n_pre_hooks = pm->compiled.n_pre_hooks;
    pm->job.post_hooks = (const char *const *)pm->compiled.post_hooks;
    pm->job.n_post_hooks = pm->compiled.n_post_hooks;
}

/* A model whose macros read the database (dbt_utils.star) is compiled again right before it is
 * built, as dbt does, so that it sees the models built before it in this run. Compiles touch
 * the project, so one at a time. */
static pthread_mutex_t recompile_lock = PTHREAD_MUTEX_INITIALIZER;

static void recompile_if_it_reads(prepared *pm) {
    pthread_mutex_lock(&recompile_lock);
    if (rs_project_model_used_db(pm->project, pm->index)) {
        compile_prepared(pm);
        point_job_at_compiled(pm);
    }
    pthread_mutex_unlock(&recompile_lock);
}

static int prepare_model(rs_conn *conn, rs_project *p, size_t index, rs_mat_kind kind,
                         int full_refresh, prepared *pm) {
    rs_mat_job *job = &pm->job;
    const rs_model_info *mi = rs_project_model(p, index);

    memset(pm, 0, sizeof(*pm));
    pm->index = index;
    pm->mi = mi;
    pm->kind = kind;
    rs_mat_result_init(&pm->result);
    rs_err_clear(&pm->compile_err);
    pm->project = p;
    compile_prepared(pm);
    if (models_description(mi, &pm->description) != RS_OK)
        return RS_ENOMEM;
    job->model = mi->name;
    job->kind = kind;
    job->workspace = mi->workspace;
    job->name = mi->alias;
    point_job_at_compiled(pm);
    job->unique_key = mi->unique_key;
    job->n_unique_key = mi->n_unique_key;
    job->description = rs_buf_cstr(&pm->description);
    job->swap_alias = mi->swap_alias;
    job->config_json = mi->config_json;
    job->collection = mi->collection;
    job->default_params_json = mi->params_json;
    job->tags = mi->tags;
    job->n_tags = mi->n_tags;
    job->full_refresh = full_refresh;
    job->timeout_ms = conn->cfg.timeout_ms;
    job->retries = conn->cfg.retries;
    job->is_managed = rs_managed_is_marked;
    return RS_OK;
}

static void prepared_free(prepared *pm) {
    rs_compiled_free(&pm->compiled);
    rs_buf_free(&pm->description);
    rs_mat_result_free(&pm->result);
}

/* Build one prepared model with api (any thread: no SQLite). */
static int build_prepared(prepared *pm, rs_api *api, rs_err *err) {
    recompile_if_it_reads(pm);
    if (pm->compile_rc != RS_OK) {
        *err = pm->compile_err;
        return pm->compile_rc;
    }
    return rs_materialize(api, &pm->job, &pm->result, err);
}

/* The SQL that was (or would be) shipped: the incremental variant after an insert. */
static const char *shipped_sql(const prepared *pm) {
    if (pm->result.action != NULL && strcmp(pm->result.action, "inserted into table") == 0)
        return pm->compiled.sql_incremental;
    return pm->compiled.sql;
}

static void progress_start(int quiet, const prepared *pm, size_t seq, size_t total) {
    char text[512];

    snprintf(text, sizeof(text), "START %s model %s", rs_mat_kind_name(pm->kind), pm->mi->relation);
    models_progress_line(quiet, seq, total, text, "RUN");
}

static void progress_end(int quiet, const prepared *pm, size_t seq, size_t total, int ok,
                         double elapsed_ms) {
    char text[512], status[64];

    if (ok)
        snprintf(text, sizeof(text), "OK %s model %s", pm->result.action, pm->mi->relation);
    else
        snprintf(text, sizeof(text), "ERROR creating %s model %s", rs_mat_kind_name(pm->kind),
                 pm->mi->relation);
    snprintf(status, sizeof(status), "%s in %.2fs", ok ? "OK" : "ERROR", elapsed_ms / 1000.0);
    models_progress_line(quiet, seq, total, text, status);
}

/* Write the result row of a built (or failed, or skipped) model. */
static int write_row(rs_conn *conn, long long run_id, const prepared *pm, const char *status,
                     long long started_ms, double elapsed_ms, const char *message, rs_err *err) {
    models_result_row row;

    memset(&row, 0, sizeof(row));
    row.run_id = run_id;
    row.model = pm->mi->name;
    row.kind = rs_mat_kind_name(pm->kind);
    row.relation = pm->mi->relation;
    row.status = status;
    row.started_ms = started_ms;
    row.elapsed_ms = (long long)(elapsed_ms + 0.5);
    row.rows_affected = pm->result.rows_affected;
    row.query_id = pm->result.query_id;
    row.message = message;
    row.compiled_sql = shipped_sql(pm);
    return models_write_result(conn->db, &row, err);
}

/* ---------------------------------------------------------------- rockset_materialize */

static void put_json_member(rs_buf *out, const char *key, const char *text) {
    rs_buf_printf(out, ",\"%s\":", key);
    if (text == NULL)
        rs_buf_puts(out, "null");
    else
        rs_buf_json_string(out, text, strlen(text));
}

static void materialize_summary(rs_buf *out, long long run_id, const prepared *pm,
                                double elapsed_ms) {
    rs_buf_printf(out, "{\"run_id\":%lld", run_id);
    put_json_member(out, "model", pm->mi->name);
    put_json_member(out, "kind", rs_mat_kind_name(pm->kind));
    put_json_member(out, "relation", pm->mi->relation);
    put_json_member(out, "status", "success");
    put_json_member(out, "action", pm->result.action);
    if (pm->result.rows_affected >= 0)
        rs_buf_printf(out, ",\"rows_affected\":%lld", pm->result.rows_affected);
    else
        rs_buf_puts(out, ",\"rows_affected\":null");
    put_json_member(out, "query_id", pm->result.query_id);
    put_json_member(out, "version", pm->result.version);
    rs_buf_printf(out, ",\"retries\":%d", pm->result.attempts > 1 ? pm->result.attempts - 1 : 0);
    rs_buf_printf(out, ",\"elapsed_ms\":%lld}", (long long)(elapsed_ms + 0.5));
}

static void fn_materialize(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *kind_text = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    rs_project *p = NULL;
    rs_api *api = NULL;
    rs_buf out = RS_BUF_INIT;
    prepared pm;
    rs_mat_kind kind;
    long long run_id = 0, started;
    double t0, elapsed;
    long idx;
    rs_err err, werr;
    int rc;

    memset(&pm, 0, sizeof(pm));
    rs_err_clear(&err);
    rc = load_project(conn, NULL, 1, &api, &p, &err);
    if (rc != RS_OK) {
        rs_sqlerr_result(ctx, &err);
        return;
    }
    idx = find_model(ctx, "rockset_materialize", p, argv[0]);
    if (idx < 0)
        goto done;
    kind = rs_project_model(p, (size_t)idx)->kind;
    if (kind_text != NULL)
        rc = rs_mat_kind_parse(kind_text, &kind, &err);
    if (rc != RS_OK) {
        rs_err_prefix(&err, "rockset_materialize: ");
        rs_sqlerr_result(ctx, &err);
        goto done;
    }
    rc = models_next_run_id(conn->db, &run_id, &err);
    if (rc == RS_OK && prepare_model(conn, p, (size_t)idx, kind, 0, &pm) != RS_OK)
        rc = rs_err_set(&err, RS_ENOMEM, "out of memory");
    if (rc != RS_OK) {
        rs_sqlerr_result(ctx, &err);
        goto done;
    }
    progress_start(conn->cfg.quiet, &pm, 1, 1);
    started = rs_runner_now_ms();
    t0 = monotonic_ms();
    rc = build_prepared(&pm, api, &err);
    elapsed = monotonic_ms() - t0;
    progress_end(conn->cfg.quiet, &pm, 1, 1, rc == RS_OK, elapsed);
    rs_err_clear(&werr);
    if (write_row(conn, run_id, &pm, rc == RS_OK ? "success" : "error", started, elapsed,
                  rc == RS_OK ? pm.result.action : err.msg, &werr) != RS_OK &&
        rc == RS_OK) {
        rc = werr.code;
        err = werr;
    }
    if (rc != RS_OK) {
        rs_sqlerr_result(ctx, &err);
        goto done;
    }
    materialize_summary(&out, run_id, &pm, elapsed);
    rs_sqlerr_result_json(ctx, &out);
done:
    prepared_free(&pm);
    rs_buf_free(&out);
    rs_project_free(p);
}

/* ---------------------------------------------------------------- rockset_run */

/* Shared by the run's callbacks; the prepared models are indexed by graph index. */
typedef struct run_ctx {
    rs_conn *conn;
    prepared **by_index;
    int quiet;
    const rs_graph *g;
} run_ctx;

static int run_build(void *ctx, rs_api *api, size_t model, rs_err *err) {
    run_ctx *run = ctx;

    return build_prepared(run->by_index[model], api, err);
}

static void run_event(void *ctx, const rs_run_event *ev) {
    run_ctx *run = ctx;
    const prepared *pm = run->by_index[ev->model];
    char text[512];

    if (ev->kind == RS_RUN_EV_START) {
        progress_start(run->quiet, pm, ev->outcome->seq, ev->total);
    } else if (ev->kind == RS_RUN_EV_END) {
        progress_end(run->quiet, pm, ev->outcome->seq, ev->total,
                     ev->outcome->status == RS_RUN_SUCCESS, ev->outcome->elapsed_ms);
    } else {
        snprintf(text, sizeof(text), "SKIP %s model %s", rs_mat_kind_name(pm->kind),
                 pm->mi->relation);
        models_progress_line(run->quiet, ev->outcome->seq, ev->total, text, "SKIP");
    }
}

static int run_should_stop(void *ctx) {
    run_ctx *run = ctx;

    return rs_conn_should_stop(run->conn);
}

/* Prepare every selected model, in dependency order. */
static int prepare_selection(rs_conn *conn, rs_project *p, const rs_graph_sel *sel,
                             const rs_runopts *o, prepared **by_index, prepared *all,
                             size_t *n_prepared, rs_err *err) {
    size_t *order = NULL, n_order = 0, i;
    int rc;

    rc = rs_graph_order(rs_project_graph(p), sel, &order, &n_order, err);
    for (i = 0; rc == RS_OK && i < n_order; i++) {
        const rs_model_info *mi = rs_project_model(p, order[i]);
        if (prepare_model(conn, p, order[i], mi->kind, o->full_refresh, &all[i]) != RS_OK)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        by_index[order[i]] = &all[i];
        *n_prepared = i + 1;
    }
    free(order);
    return rc;
}

/* The message of a model's rockset_run_results row. */
static void run_row_message(const rs_project *p, const prepared *pm, const rs_run_outcome *outcomes,
                            size_t m, char *message, size_t size) {
    const rs_run_outcome *o = &outcomes[m];
    const rs_graph *g = rs_project_graph(p);
    const rs_err *cause_err = NULL;

    /* A failed model outside the selection did not run: say what is wrong with it. */
    if (o->status == RS_RUN_SKIPPED && o->cause >= 0 &&
        outcomes[o->cause].status == RS_RUN_NOT_SELECTED)
        cause_err = rs_project_model_error(p, (size_t)o->cause);
    if (o->status == RS_RUN_SUCCESS && pm->result.attempts > 1)
        snprintf(message, size, "%s (after %d %s of a transient failure)", pm->result.action,
                 pm->result.attempts - 1, pm->result.attempts == 2 ? "retry" : "retries");
    else if (o->status == RS_RUN_SUCCESS)
        snprintf(message, size, "%s", pm->result.action);
    else if (o->status == RS_RUN_ERROR)
        snprintf(message, size, "%s", o->err.msg);
    else if (o->cause < 0)
        snprintf(message, size, "skipped: the run was stopped");
    else if (cause_err != NULL)
        snprintf(message, size, "skipped: upstream model '%s' has an error: %s",
                 rs_graph_name(g, (size_t)o->cause), cause_err->msg);
    else
        snprintf(message, size, "skipped: upstream model '%s' failed",
                 rs_graph_name(g, (size_t)o->cause));
}

/* Write the rows (in start order) and count statuses. */
static int write_run_rows(rs_conn *conn, long long run_id, const rs_project *p, prepared **by_index,
                          const rs_run_outcome *outcomes, size_t counts[4], rs_buf *incomplete,
                          rs_err *err) {
    static const char *const status_names[] = {"", "success", "error", "skipped"};
    size_t n = rs_graph_count(rs_project_graph(p)), seq, m;
    char message[800];
    int rc = RS_OK;

    for (seq = 1; rc == RS_OK && seq <= n; seq++) {
        for (m = 0; m < n; m++) {
            const rs_run_outcome *o = &outcomes[m];
            const prepared *pm = by_index[m];
            if (pm == NULL || o->seq != seq || o->status == RS_RUN_NOT_SELECTED)
                continue;
            counts[o->status]++;
            if (o->status != RS_RUN_SUCCESS) {
                rs_buf_putc(incomplete, incomplete->len > 0 ? ',' : '[');
                rs_buf_json_string(incomplete, pm->mi->name, strlen(pm->mi->name));
            }
            run_row_message(p, pm, outcomes, m, message, sizeof(message));
            rc = write_row(conn, run_id, pm, status_names[o->status], o->started_ms, o->elapsed_ms,
                           message, err);
            break;
        }
    }
    return rc;
}

/* incomplete: "[\"a\",\"b\"" (unclosed) or "" when every model succeeded. */
static void run_summary(rs_buf *out, long long run_id, size_t selected, const size_t counts[4],
                        const rs_buf *incomplete, double wall_ms, double critical_ms, int threads) {
    rs_buf_printf(out,
                  "{\"run_id\":%lld,\"selected\":%zu,\"success\":%zu,\"error\":%zu,"
                  "\"skipped\":%zu,\"incomplete\":%s%s,\"threads\":%d,\"elapsed_ms\":%lld,"
                  "\"critical_path_ms\":%lld}",
                  run_id, selected, counts[RS_RUN_SUCCESS], counts[RS_RUN_ERROR],
                  counts[RS_RUN_SKIPPED], incomplete->len ? rs_buf_cstr(incomplete) : "[", "]",
                  threads, (long long)(wall_ms + 0.5), (long long)(critical_ms + 0.5));
}

/* The measured critical path of the run (ms). */
static double critical_path(const rs_graph *g, const rs_graph_sel *sel,
                            const rs_run_outcome *outcomes) {
    size_t n = rs_graph_count(g), i;
    double *durations = calloc(n ? n : 1, sizeof(*durations)), total = 0;
    rs_err err;

    if (durations == NULL)
        return 0;
    for (i = 0; i < n; i++)
        durations[i] = outcomes[i].elapsed_ms;
    rs_err_clear(&err);
    if (rs_graph_critical_path(g, sel, durations, &total, NULL, NULL, &err) != RS_OK)
        total = 0;
    free(durations);
    return total;
}

typedef struct run_work {
    rs_project *p;
    rs_graph_sel *sel;
    prepared *all;
    size_t n_prepared;
    prepared **by_index;
    rs_run_outcome *outcomes;
    long *skip_cause; /* per model: the failed model outside the selection it depends on */
} run_work;

static void run_work_free(run_work *w) {
    size_t i;

    for (i = 0; i < w->n_prepared; i++)
        prepared_free(&w->all[i]);
    free(w->all);
    free(w->by_index);
    free(w->outcomes);
    free(w->skip_cause);
    rs_graph_sel_free(w->sel);
    rs_project_free(w->p);
}

/* A selected model downstream of a failed model that is not selected cannot be built (its
 * relation and SQL are unknown): the runner skips it, naming that model. A failed model that is
 * selected fails when it starts, and the scheduler skips its descendants as for any failure. */
static void note_blocked(run_work *w) {
    size_t n = rs_graph_count(rs_project_graph(w->p)), m;

    for (m = 0; m < n; m++) {
        long b = rs_project_blocked_by(w->p, m);
        w->skip_cause[m] =
            b >= 0 && rs_graph_sel_has(w->sel, m) && !rs_graph_sel_has(w->sel, (size_t)b) ? b : -1;
    }
}

/* The exclude list of a model run: the user's, plus every seed (rockset_run builds models;
 * seeds are loaded by rockset_seed() and rockset_build(), and a model reading a seed reads
 * whatever its collection holds). */
static int models_only_exclude(const rs_project *p, const char *exclude, int snapshots, char **out,
                               rs_err *err) {
    const rs_graph *g = rs_project_graph(p);
    rs_buf b = RS_BUF_INIT;
    size_t m;

    rs_buf_puts(&b, exclude ? exclude : "");
    for (m = 0; m < rs_graph_count(g); m++) {
        rs_mat_kind kind = rs_project_model(p, m)->kind;
        int out_of_it = kind == RS_MAT_SEED || (snapshots == 0 && kind == RS_MAT_SNAPSHOT) ||
                        (snapshots == 1 && kind != RS_MAT_SNAPSHOT);
        if (rs_graph_enabled(g, m) && out_of_it) {
            rs_buf_putc(&b, ' ');
            rs_buf_puts(&b, rs_graph_name(g, m));
        }
    }
    *out = b.oom ? NULL : rs_buf_detach(&b);
    rs_buf_free(&b);
    return *out == NULL ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
}

/* Load, select, prepare. */
static int run_setup(rs_conn *conn, const char *selector, const rs_runopts *o, rs_api **api,
                     run_work *w, rs_err *err) {
    char *exclude = NULL;
    size_t n;
    int rc;

    rc = load_project(conn, o->vars_json, 1, api, &w->p, err);
    if (rc == RS_OK)
        rc = models_only_exclude(w->p, o->exclude, o->snapshots, &exclude, err);
    if (rc == RS_OK)
        rc = rs_graph_select(rs_project_graph(w->p), selector, exclude, &w->sel, err);
    free(exclude);
    if (rc != RS_OK)
        return rc;
    n = rs_graph_count(rs_project_graph(w->p));
    w->all = calloc(n ? n : 1, sizeof(*w->all));
    w->by_index = calloc(n ? n : 1, sizeof(*w->by_index));
    w->outcomes = calloc(n ? n : 1, sizeof(*w->outcomes));
    w->skip_cause = calloc(n ? n : 1, sizeof(*w->skip_cause));
    if (w->all == NULL || w->by_index == NULL || w->outcomes == NULL || w->skip_cause == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    note_blocked(w);
    return prepare_selection(conn, w->p, w->sel, o, w->by_index, w->all, &w->n_prepared, err);
}

/* Run the selected models on the runner's threads; *wall_ms gets the elapsed time. */
static int run_selected(rs_conn *conn, rs_api *api, run_work *w, const rs_runopts *o,
                        double *wall_ms, rs_err *err) {
    rs_runner_opts ro;
    run_ctx rctx;
    double t0;
    int rc;

    rctx.conn = conn;
    rctx.by_index = w->by_index;
    rctx.quiet = conn->cfg.quiet;
    rctx.g = rs_project_graph(w->p);
    memset(&ro, 0, sizeof(ro));
    ro.threads = o->threads;
    ro.fail_fast = o->fail_fast;
    ro.api = api;
    ro.build = run_build;
    ro.on_event = run_event;
    ro.should_stop = run_should_stop;
    ro.ctx = &rctx;
    ro.stats = &conn->past; /* rockset_stats counts the workers' requests too */
    ro.skip_cause = w->skip_cause;
    t0 = monotonic_ms();
    rs_project_set_db_stop(w->p, NULL, NULL); /* recompiles run on the workers */
    rc = rs_runner_run(rctx.g, w->sel, &ro, w->outcomes, err);
    rs_project_set_db_stop(w->p, rs_conn_should_stop, conn);
    *wall_ms = monotonic_ms() - t0;
    return rc;
}

/* Record every selected model's row in rockset_run_results and build the summary JSON. A
 * runner failure (run_rc, run_err) is reported after the rows are written. */
static int run_report(rs_conn *conn, long long run_id, run_work *w, const rs_runopts *o, int run_rc,
                      const rs_err *run_err, double wall_ms, rs_buf *out, rs_err *err) {
    const rs_graph *g = rs_project_graph(w->p);
    rs_buf incomplete = RS_BUF_INIT;
    size_t counts[4] = {0, 0, 0, 0};
    int rc;

    rc = write_run_rows(conn, run_id, w->p, w->by_index, w->outcomes, counts, &incomplete, err);
    if (rc == RS_OK && incomplete.oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK && run_rc != RS_OK) {
        rc = run_rc;
        *err = *run_err;
    }
    if (rc == RS_OK)
        run_summary(out, run_id, rs_graph_sel_count(w->sel), counts, &incomplete, wall_ms,
                    critical_path(g, w->sel, w->outcomes), o->threads);
    rs_buf_free(&incomplete);
    return rc;
}

/* rockset_run (snapshots 0) and rockset_snapshot (snapshots 1): one body. */
static void run_command(sqlite3_context *ctx, int argc, sqlite3_value **argv, const char *fn,
                        int snapshots) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *selector = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    const char *options = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    rs_runopts o;
    run_work w;
    rs_api *api = NULL;
    rs_buf out = RS_BUF_INIT;
    long long run_id = 0;
    double wall_ms = 0;
    rs_err err, run_err;
    int rc, run_rc;

    memset(&w, 0, sizeof(w));
    rs_err_clear(&err);
    rs_err_clear(&run_err);
    rc = rs_runopts_parse(fn, options, &o, &err);
    o.snapshots = snapshots;
    if (rc == RS_OK)
        rc = run_setup(conn, selector, &o, &api, &w, &err);
    /* Only now: run_setup connects when rockset_connect was not called, and that connection
     * sets the session's threads from the profile, which must count for this run already. */
    o.threads = o.threads ? o.threads : conn->cfg.threads;
    if (rc == RS_OK)
        rc = models_next_run_id(conn->db, &run_id, &err);
    if (rc == RS_OK)
        rc = models_run_hooks(conn, w.p, fn, "on-run-start", run_id, &err);
    if (rc == RS_OK) {
        run_rc = run_selected(conn, api, &w, &o, &wall_ms, &run_err);
        rc = run_report(conn, run_id, &w, &o, run_rc, &run_err, wall_ms, &out, &err);
    }
    if (rc == RS_OK)
        rc = models_run_hooks(conn, w.p, fn, "on-run-end", run_id, &err);
    if (rc == RS_OK)
        rs_sqlerr_result_json(ctx, &out);
    else
        rs_sqlerr_result(ctx, &err);
    run_work_free(&w);
    rs_buf_free(&out);
    rs_runopts_free(&o);
}

static void fn_run(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    run_command(ctx, argc, argv, "rockset_run", 0);
}

/* rockset_snapshot([selector[, options]]): dbt snapshot - the snapshots selected, as
 * rockset_run builds models (the same options and summary). */
static void fn_snapshot(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    run_command(ctx, argc, argv, "rockset_snapshot", 1);
}

/* rockset_build's model stage (fn_models_build.c): the models `selector` names, built as
 * rockset_run builds them, their rows written under run_id. */
int models_run_for_build(rs_conn *conn, const char *selector, const rs_runopts *opts,
                         long long run_id, rs_err *err) {
    rs_runopts o = {opts->full_refresh, opts->threads, opts->fail_fast, NULL, opts->vars_json, 2};
    size_t counts[4] = {0, 0, 0, 0};
    rs_buf incomplete = RS_BUF_INIT;
    rs_api *api = NULL;
    double wall_ms = 0;
    rs_err run_err;
    run_work w;
    int rc, run_rc;

    memset(&w, 0, sizeof(w));
    rs_err_clear(&run_err);
    rc = run_setup(conn, selector, &o, &api, &w, err);
    if (o.threads == 0)
        o.threads = conn->cfg.threads;
    if (rc == RS_OK) {
        run_rc = run_selected(conn, api, &w, &o, &wall_ms, &run_err);
        rc = write_run_rows(conn, run_id, w.p, w.by_index, w.outcomes, counts, &incomplete, err);
        if (rc == RS_OK && run_rc != RS_OK) {
            rc = run_rc;
            *err = run_err;
        }
    }
    rs_buf_free(&incomplete);
    run_work_free(&w);
    return rc;
}

/* ---------------------------------------------------------------- registration */

/* clang-format off */
static const struct {
    const char *name;
    int n_arg;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
} functions[] = {
    {"rockset_init",        0, fn_init},
    {"rockset_compile",     1, fn_compile},
    {"rockset_compile",     2, fn_compile},
    {"rockset_lineage_dot", 0, fn_lineage_dot},
    {"rockset_lineage_dot", 1, fn_lineage_dot},
    {"rockset_materialize", 1, fn_materialize},
    {"rockset_materialize", 2, fn_materialize},
    {"rockset_run",         0, fn_run},
    {"rockset_run",         1, fn_run},
    {"rockset_run",         2, fn_run},
    {"rockset_snapshot",    0, fn_snapshot},
    {"rockset_snapshot",    1, fn_snapshot},
    {"rockset_snapshot",    2, fn_snapshot},
    {"rockset_build",       0, models_fn_build},
    {"rockset_build",       1, models_fn_build},
    {"rockset_build",       2, models_fn_build},
    {"rockset_test",        0, models_fn_test},
    {"rockset_test",        1, models_fn_test},
    {"rockset_seed",        0, models_fn_seed},
    {"rockset_seed",        2, models_fn_seed},
    {"rockset_seed",        3, models_fn_seed},
};
/* clang-format on */

int rs_fn_models_register(rs_conn *conn, char **pzErr) {
    size_t i;
    int rc = SQLITE_OK;

    for (i = 0; i < sizeof(functions) / sizeof(functions[0]) && rc == SQLITE_OK; i++)
        rc = rs_conn_create_function(conn, functions[i].name, functions[i].n_arg, SQLITE_DIRECTONLY,
                                     functions[i].fn, pzErr);
    return rc;
}
