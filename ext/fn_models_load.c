/*
 * fn_models_load.c - the SQLite side of the model functions: reading the model tables into a
 * project, writing rockset_run_results rows, progress lines (see fn_models_int.h).
 */
#include "fn_models_int.h"
#include "managed.h"
#include "models/runner.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* Copies of the column texts of every row read, freed after the project is loaded. */
typedef struct text_pool {
    char **v;
    size_t n;
    size_t cap;
    int oom;
} text_pool;

static const char *pool_column(text_pool *pool, sqlite3_stmt *stmt, int col) {
    const unsigned char *text;
    char *copy, **grown;

    if (sqlite3_column_type(stmt, col) == SQLITE_NULL)
        return NULL;
    text = sqlite3_column_text(stmt, col);
    copy = strdup(text ? (const char *)text : "");
    if (copy != NULL && pool->n == pool->cap) {
        grown = realloc(pool->v, (pool->cap ? pool->cap * 2 : 64) * sizeof(*grown));
        if (grown == NULL) {
            free(copy);
            copy = NULL;
        } else {
            pool->v = grown;
            pool->cap = pool->cap ? pool->cap * 2 : 64;
        }
    }
    if (copy == NULL) {
        pool->oom = 1;
        return NULL;
    }
    pool->v[pool->n++] = copy;
    return copy;
}

static void pool_free(text_pool *pool) {
    size_t i;

    for (i = 0; i < pool->n; i++)
        free(pool->v[i]);
    free(pool->v);
}

/* Prepare sql; a missing model table becomes the rockset_init hint. */
static int prepare(sqlite3 *db, const char *sql, sqlite3_stmt **stmt, rs_err *err) {
    const char *msg;

    if (sqlite3_prepare_v2(db, sql, -1, stmt, NULL) == SQLITE_OK)
        return RS_OK;
    msg = sqlite3_errmsg(db);
    if (strncmp(msg, "no such table", 13) == 0 || strncmp(msg, "no such column", 14) == 0)
        return rs_err_set(err, RS_EINVAL,
                          "rockset: the model tables do not exist or are outdated (%s); run "
                          "SELECT rockset_init()",
                          msg);
    return rs_err_set(err, RS_EIO, "rockset: reading the model tables failed: %s", msg);
}

/* Grow *arr (of elem_size items) to hold n + 1. */
static int grow(void **arr, size_t n, size_t *cap, size_t elem_size) {
    void *grown;

    if (n < *cap)
        return 0;
    grown = realloc(*arr, (*cap ? *cap * 2 : 16) * elem_size);
    if (grown == NULL)
        return -1;
    *arr = grown;
    *cap = *cap ? *cap * 2 : 16;
    return 0;
}

static int read_models(sqlite3 *db, text_pool *pool, rs_model_row **rows, size_t *n, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    int rc, step;

    rc = prepare(db,
                 "SELECT name, sql, materialized, workspace, alias, unique_key, tags, config, "
                 "enabled, description FROM rockset_models ORDER BY name",
                 &stmt, err);
    while (rc == RS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        rs_model_row *r;
        if (grow((void **)rows, *n, &cap, sizeof(**rows)) != 0) {
            rc = oom(err);
            break;
        }
        r = &(*rows)[(*n)++];
        r->name = pool_column(pool, stmt, 0);
        r->sql = pool_column(pool, stmt, 1);
        r->materialized = pool_column(pool, stmt, 2);
        r->workspace = pool_column(pool, stmt, 3);
        r->alias = pool_column(pool, stmt, 4);
        r->unique_key = pool_column(pool, stmt, 5);
        r->tags_json = pool_column(pool, stmt, 6);
        r->config_json = pool_column(pool, stmt, 7);
        r->enabled = sqlite3_column_type(stmt, 8) == SQLITE_NULL || sqlite3_column_int(stmt, 8);
        r->description = pool_column(pool, stmt, 9);
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc = rs_err_set(err, RS_EIO, "rockset: reading rockset_models failed: %s",
                        sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

static int read_sources(sqlite3 *db, text_pool *pool, rs_source_row **rows, size_t *n,
                        rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    int rc, step;

    rc = prepare(db,
                 "SELECT source, name, workspace, collection FROM rockset_sources "
                 "ORDER BY source, name",
                 &stmt, err);
    while (rc == RS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        rs_source_row *r;
        if (grow((void **)rows, *n, &cap, sizeof(**rows)) != 0) {
            rc = oom(err);
            break;
        }
        r = &(*rows)[(*n)++];
        r->source = pool_column(pool, stmt, 0);
        r->name = pool_column(pool, stmt, 1);
        r->workspace = pool_column(pool, stmt, 2);
        r->collection = pool_column(pool, stmt, 3);
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc = rs_err_set(err, RS_EIO, "rockset: reading rockset_sources failed: %s",
                        sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

static int read_vars(sqlite3 *db, text_pool *pool, rs_var_row **rows, size_t *n, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    int rc, step;

    rc = prepare(db, "SELECT name, value FROM rockset_vars ORDER BY name", &stmt, err);
    while (rc == RS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        rs_var_row *r;
        if (grow((void **)rows, *n, &cap, sizeof(**rows)) != 0) {
            rc = oom(err);
            break;
        }
        r = &(*rows)[(*n)++];
        r->name = pool_column(pool, stmt, 0);
        r->value_json = pool_column(pool, stmt, 1);
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc =
            rs_err_set(err, RS_EIO, "rockset: reading rockset_vars failed: %s", sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

/* rockset_macros rows. A database made before the table existed has none: that is no error (the
 * next rockset_init() creates it). */
static int read_macros(sqlite3 *db, text_pool *pool, rs_macro_row **rows, size_t *n, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    int rc = RS_OK, step = SQLITE_DONE;

    if (sqlite3_prepare_v2(db,
                           "SELECT package, name, args, body, kind FROM rockset_macros "
                           "ORDER BY package, name, kind",
                           -1, &stmt, NULL) != SQLITE_OK) {
        if (strncmp(sqlite3_errmsg(db), "no such table", 13) == 0)
            return RS_OK;
        return rs_err_set(err, RS_EIO, "rockset: reading rockset_macros failed: %s",
                          sqlite3_errmsg(db));
    }
    while ((step = sqlite3_step(stmt)) == SQLITE_ROW) {
        rs_macro_row *r;
        if (grow((void **)rows, *n, &cap, sizeof(**rows)) != 0) {
            rc = oom(err);
            break;
        }
        r = &(*rows)[(*n)++];
        r->package = pool_column(pool, stmt, 0);
        r->name = pool_column(pool, stmt, 1);
        r->args = pool_column(pool, stmt, 2);
        r->body = pool_column(pool, stmt, 3);
        r->kind = pool_column(pool, stmt, 4);
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc = rs_err_set(err, RS_EIO, "rockset: reading rockset_macros failed: %s",
                        sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

/* rockset_seeds rows, for the project's seed nodes (compile.h). A database made before the
 * table existed has none. */
static int read_seed_nodes(sqlite3 *db, text_pool *pool, rs_model_row **rows, size_t *n,
                           rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    size_t cap = 0;
    int rc = RS_OK, step;

    if (sqlite3_prepare_v2(db,
                           "SELECT name, workspace, alias, tags, enabled, description FROM "
                           "rockset_seeds ORDER BY name",
                           -1, &stmt, NULL) != SQLITE_OK) {
        sqlite3_finalize(stmt);
        return RS_OK; /* no rockset_seeds table: no seeds */
    }
    while (rc == RS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        rs_model_row *r;
        if (grow((void **)rows, *n, &cap, sizeof(**rows)) != 0) {
            rc = oom(err);
            break;
        }
        r = &(*rows)[(*n)++];
        memset(r, 0, sizeof(*r));
        r->name = pool_column(pool, stmt, 0);
        r->sql = "";
        r->workspace = pool_column(pool, stmt, 1);
        r->alias = pool_column(pool, stmt, 2);
        r->tags_json = pool_column(pool, stmt, 3);
        r->enabled = sqlite3_column_type(stmt, 4) == SQLITE_NULL || sqlite3_column_int(stmt, 4);
        r->description = pool_column(pool, stmt, 5);
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc = rs_err_set(err, RS_EIO, "rockset: reading rockset_seeds failed: %s",
                        sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

const char *models_target_name(const rs_conn *conn) {
    /* Settings taken from the environment have no target; dbt calls that one "default". */
    if (conn->profile.target_name == NULL || conn->profile.target_name[0] == '\0')
        return "default";
    return conn->profile.target_name;
}

int models_load_project(rs_conn *conn, const char *run_vars_json, rs_project **out, rs_err *err) {
    text_pool pool = {NULL, 0, 0, 0};
    rs_model_row *models = NULL, *seeds = NULL;
    rs_source_row *sources = NULL;
    rs_var_row *vars = NULL;
    rs_macro_row *macros = NULL;
    rs_project_input in;
    int rc;

    memset(&in, 0, sizeof(in));
    rc = read_models(conn->db, &pool, &models, &in.n_models, err);
    if (rc == RS_OK)
        rc = read_seed_nodes(conn->db, &pool, &seeds, &in.n_seeds, err);
    if (rc == RS_OK)
        rc = read_sources(conn->db, &pool, &sources, &in.n_sources, err);
    if (rc == RS_OK)
        rc = read_vars(conn->db, &pool, &vars, &in.n_vars, err);
    if (rc == RS_OK)
        rc = read_macros(conn->db, &pool, &macros, &in.n_macros, err);
    if (rc == RS_OK && pool.oom)
        rc = oom(err);
    if (rc == RS_OK) {
        in.models = models;
        in.seeds = seeds;
        in.sources = sources;
        in.vars = vars;
        in.macros = macros;
        in.run_vars_json = run_vars_json;
        in.workspace = conn->cfg.workspace;
        in.target_name = models_target_name(conn);
        rc = rs_project_load(&in, out, err);
        /* macros that read the database (dbt_utils.star, run_query) use the connection, when
         * there is one; compiling never connects by itself */
        if (rc == RS_OK && conn->api != NULL &&
            (rc = rs_project_set_db(*out, conn->api, err)) != RS_OK) {
            rs_project_free(*out);
            *out = NULL;
        }
    }
    free(models);
    free(seeds);
    free(sources);
    free(vars);
    free(macros);
    pool_free(&pool);
    return rc;
}

int models_next_run_id(sqlite3 *db, long long *run_id, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    int rc;

    rc = prepare(db, "SELECT COALESCE(MAX(run_id), 0) + 1 FROM rockset_run_results", &stmt, err);
    if (rc == RS_OK && sqlite3_step(stmt) == SQLITE_ROW)
        *run_id = sqlite3_column_int64(stmt, 0);
    else if (rc == RS_OK)
        rc = rs_err_set(err, RS_EIO, "rockset: reading rockset_run_results failed: %s",
                        sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

static void bind_text(sqlite3_stmt *stmt, int idx, const char *text) {
    if (text == NULL)
        sqlite3_bind_null(stmt, idx);
    else
        sqlite3_bind_text(stmt, idx, text, -1, SQLITE_TRANSIENT);
}

int models_write_result(sqlite3 *db, const models_result_row *row, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    char started[40];
    int rc;

    rc = prepare(db,
                 "INSERT INTO rockset_run_results (run_id, model, kind, relation, status, "
                 "started_at, elapsed_ms, rows_affected, query_id, message, compiled_sql) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                 &stmt, err);
    if (rc != RS_OK)
        return rc;
    sqlite3_bind_int64(stmt, 1, row->run_id);
    bind_text(stmt, 2, row->model);
    bind_text(stmt, 3, row->kind);
    bind_text(stmt, 4, row->relation);
    bind_text(stmt, 5, row->status);
    if (row->started_ms > 0) {
        rs_runner_format_time(row->started_ms, started, sizeof(started));
        bind_text(stmt, 6, started);
    }
    sqlite3_bind_int64(stmt, 7, row->elapsed_ms);
    if (row->rows_affected >= 0)
        sqlite3_bind_int64(stmt, 8, row->rows_affected);
    bind_text(stmt, 9, row->query_id);
    bind_text(stmt, 10, row->message);
    bind_text(stmt, 11, row->compiled_sql);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        rc = rs_err_set(err, RS_EIO, "rockset: writing rockset_run_results failed: %s",
                        sqlite3_errmsg(db));
    sqlite3_finalize(stmt);
    return rc;
}

int models_description(const rs_model_info *mi, rs_buf *out) {
    return rs_managed_description(out, mi->name, mi->description);
}

void models_progress_line(int quiet, size_t seq, size_t total, const char *text,
                          const char *status) {
    rs_buf line = RS_BUF_INIT;
    char clock[16];
    time_t now;
    struct tm tm;

    if (quiet)
        return;
    now = time(NULL);
    localtime_r(&now, &tm);
    strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
    if (rs_runner_progress_line(&line, clock, seq, total, text, status) == RS_OK)
        fprintf(stderr, "%s\n", rs_buf_cstr(&line)); /* the documented progress output */
    rs_buf_free(&line);
}
