/*
 * fn_models_int.h - what the model functions (fn_models.c, fn_models_test.c, fn_models_seed.c,
 * vtab_dag.c) share: reading the model tables into a project (compile.h), writing
 * rockset_run_results rows, progress lines and JSON/SQL result helpers.
 *
 * Everything here runs on the SQL function's own thread (the one holding the connection);
 * only models_progress_line may also be called from worker threads (it touches no SQLite).
 * Ownership: as each function says; strings handed to SQLite are sqlite3_malloc'd or copied.
 */
#ifndef RS_EXT_FN_MODELS_INT_H
#define RS_EXT_FN_MODELS_INT_H

#include "buf.h"
#include "conn.h"
#include "err.h"
#include "models/compile.h"

#include <sqlite3ext.h>

/* Read rockset_models, rockset_sources, rockset_vars, rockset_macros and rockset_seeds (its
 * rows become seed nodes; a database without that table has none) and load the project, with the
 * session's workspace and target. run_vars_json (may be NULL) overrides rockset_vars. A
 * missing table gives "rockset: the model tables do not exist; run SELECT rockset_init()". */
int models_load_project(rs_conn *conn, const char *run_vars_json, rs_project **out, rs_err *err);

/* The target name of the connection's profile ("default" when connected from the
 * environment or not connected). Borrowed from conn or static. */
const char *models_target_name(const rs_conn *conn);

/* 1 + the largest run_id in rockset_run_results (1 when empty). */
int models_next_run_id(sqlite3 *db, long long *run_id, rs_err *err);

/* One rockset_run_results row; NULL strings and rows_affected < 0 are stored as NULL. */
typedef struct models_result_row {
    long long run_id;
    const char *model;
    const char *kind;
    const char *relation;
    const char *status;
    long long started_ms; /* 0 = NULL */
    long long elapsed_ms;
    long long rows_affected;
    const char *query_id;
    const char *message;
    const char *compiled_sql;
} models_result_row;

int models_write_result(sqlite3 *db, const models_result_row *row, rs_err *err);

/* The description of a relation the model creates: the ownership mark naming it. */
int models_description(const rs_model_info *mi, rs_buf *out);

/* Print one progress line to stderr unless quiet:
 *   "12:00:01 | 2 of 5 OK created table model ws.x ........ [OK in 0.31s]"
 * text is the middle part ("OK created table model ws.x"), status the bracket text. */
void models_progress_line(int quiet, size_t seq, size_t total, const char *text,
                          const char *status);

/* Create the model tables (sql/rockset_schema.sql) and update those an older version made
 * (fn_models_schema.c); idempotent. */
int models_schema_ensure(sqlite3 *db, rs_err *err);

/* What seeding one rockset_seeds row came to (fn_models_seed.c). */
typedef struct models_seed_outcome {
    int ok;
    long long rows; /* rows sent, -1 on failure */
    char relation[300];
    char message[700];
} models_seed_outcome;

/* Load the seed `name` (a rockset_seeds row: its local table, typed as its declared column
 * types and column_types say) into its collection - a full reload of a managed collection,
 * created when missing - and write its rockset_run_results row (kind 'seed', run_id). The
 * seed's own failure is in out (ok 0, message); the return is RS_OK unless there is no such
 * seed or the row cannot be written. */
int models_seed_named(rs_conn *conn, rs_api *api, long long run_id, const char *name,
                      int batch_size, models_seed_outcome *out, rs_err *err);

/* The models selector names, built as rockset_run builds them, with their rows written under
 * run_id; counts[] by rs_run_status (fn_models.c, for rockset_build). */
int models_run_for_build(rs_conn *conn, const char *selector, int full_refresh, long long run_id,
                         size_t counts[4], rs_err *err);
/* rockset_build (fn_models_build.c). */
void models_fn_build(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* rockset_dag (vtab_dag.c). */
int models_dag_register(rs_conn *conn, char **pzErr);
/* rockset_test (fn_models_test.c) and rockset_seed (fn_models_seed.c). */
void models_fn_test(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void models_fn_seed(sqlite3_context *ctx, int argc, sqlite3_value **argv);

#endif
