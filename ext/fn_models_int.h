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
#include "models/datatest.h"
#include "models/runopts.h"

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

/* The models selector names, built as rockset_run builds them with opts (full_refresh, threads,
 * fail_fast, vars; exclude is not read), with their rows written under run_id (fn_models.c, for
 * rockset_build). */
int models_run_for_build(rs_conn *conn, const char *selector, const rs_runopts *opts,
                         long long run_id, rs_err *err);
/* The data tests of the models selector names (NULL: every test), run as rockset_test runs
 * them, their rows written under *run_id (0: the next run_id, which *run_id then gets); counts
 * into *out, zeroed by the caller; later (a build's nodes still to come, or NULL): a
 * relationships test waits for both of its models (rs_datatest_run_build); kinds:
 * MODELS_TESTS_DATA and / or MODELS_TESTS_UNIT (rockset_unit_tests, after); run_vars_json: the
 * build's vars, or NULL (fn_models_test.c, for rockset_test and rockset_build). */
enum { MODELS_TESTS_DATA = 1, MODELS_TESTS_UNIT = 2 };
int models_test_run(rs_conn *conn, const char *selector, const char *later,
                    const char *run_vars_json, int kinds, long long *run_id,
                    rs_datatest_summary *out, rs_err *err);
/* The unit tests (rockset_unit_tests) of the models in sel (NULL: every one), or those named in
 * only (space-separated names; NULL: by sel), on project p, their rows written under run_id;
 * counts added to *out (tests, pass, fail, error); failed (one byte per graph node, or NULL)
 * gets 1 for a model a unit test of which failed or errored (fn_models_unit.c). */
int models_unit_run(rs_conn *conn, rs_api *api, rs_project *p, const rs_graph_sel *sel,
                    const char *only, long long run_id, rs_datatest_summary *out,
                    unsigned char *failed, rs_err *err);
/* 1 when rockset_unit_tests has a unit test named word. */
int models_unit_names(sqlite3 *db, const char *word);
/* The hooks of kind ("on-run-start" / "on-run-end") from rockset_hooks, rendered on p and run,
 * their rows under run_id; a failing hook is RS_EINVAL "<fn>: <kind> hook N failed: <why>"
 * (fn_models_hooks.c). */
int models_run_hooks(rs_conn *conn, rs_project *p, const char *fn, const char *kind,
                     long long run_id, rs_err *err);
/* rockset_build (fn_models_build.c). */
void models_fn_build(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* rockset_test (fn_models_test.c) and rockset_seed (fn_models_seed.c). */
void models_fn_test(sqlite3_context *ctx, int argc, sqlite3_value **argv);
void models_fn_seed(sqlite3_context *ctx, int argc, sqlite3_value **argv);

#endif
