/*
 * fn_models_unit.c - dbt's unit tests (rockset_unit_tests rows): run by rockset_test and by
 * rockset_build before the model they test, as dbt build does.
 *
 * One unit test: each given input's fixture becomes a SELECT of literal rows, its values cast
 * to the input relation's column types when that relation exists (a query of TYPEOF per
 * column; src/models/unittest.h); the model is compiled with those inputs as CTEs and the
 * overrides (compile.h, rs_project_compile_unit), run on Rockset - nothing is materialized -
 * and its rows compared with expect's on the columns expect names. Its rockset_run_results row:
 * model = the unit test's name, kind 'unit_test', relation = the model's, status pass / fail /
 * error, rows_affected = the rows the model gave, message (a failure: dbt's diff, "actual
 * differs from expected:" then daff's lines), compiled_sql = the SQL that ran.
 * A table rockset_unit_tests that does not exist (a database from before them) holds none.
 */
#include "fn_models_int.h"
#include "jsonscan.h"
#include "models/runner.h"
#include "models/unittest.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define UNIT_MAX_ROWS 10000

typedef struct unit_row {
    char *name, *model, *given, *expect, *overrides;
} unit_row;

static void units_free(unit_row *u, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(u[i].name);
        free(u[i].model);
        free(u[i].given);
        free(u[i].expect);
        free(u[i].overrides);
    }
    free(u);
}

static char *col_dup(sqlite3_stmt *st, int i) {
    const char *t = (const char *)sqlite3_column_text(st, i);
    return t != NULL ? strdup(t) : NULL;
}

static int read_units(sqlite3 *db, unit_row **out, size_t *n_out, rs_err *err) {
    sqlite3_stmt *st = NULL;
    unit_row *rows = NULL, *grown;
    size_t n = 0;
    int oom = 0;

    *out = NULL;
    *n_out = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT name, model, given, expect, overrides FROM rockset_unit_tests "
                           "ORDER BY name",
                           -1, &st, NULL) != SQLITE_OK)
        return RS_OK; /* no table: no unit tests */
    while (!oom && sqlite3_step(st) == SQLITE_ROW) {
        grown = realloc(rows, (n + 1) * sizeof(*rows));
        if (grown == NULL) {
            oom = 1;
            break;
        }
        rows = grown;
        rows[n] = (unit_row){col_dup(st, 0), col_dup(st, 1), col_dup(st, 2), col_dup(st, 3),
                             col_dup(st, 4)};
        oom = rows[n].name == NULL || rows[n].model == NULL || rows[n].given == NULL ||
              rows[n].expect == NULL;
        n++;
    }
    sqlite3_finalize(st);
    if (oom) {
        units_free(rows, n);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    *out = rows;
    *n_out = n;
    return RS_OK;
}

/* ---------------------------------------------------------------- one test */

typedef struct unit_run {
    rs_conn *conn;
    rs_api *api;
    rs_project *p;
    long long run_id;
} unit_run;

/* Run sql; the rows of its first page (up to UNIT_MAX_ROWS) as spans into *res. */
static int run_rows(unit_run *u, const char *sql, rs_query_result **res, rs_err *err) {
    rs_query_request req;

    memset(&req, 0, sizeof(req));
    req.sql = sql;
    req.idempotent = 1;
    req.max_initial_results = UNIT_MAX_ROWS;
    rs_conn_note_sql(u->conn, sql, err);
    return rs_api_query(u->api, &req, res, err);
}

/* "ref('m')", "source('s', 't')", "this" -> an input (its strings into a and b). */
static int parse_input(const char *text, rs_unit_input *in, char *a, char *b) {
    char q1, q2;
    int n = 0;

    memset(in, 0, sizeof(*in));
    a[0] = b[0] = '\0';
    while (*text == ' ')
        text++;
    if (strcmp(text, "this") == 0) {
        in->kind = RS_UNIT_THIS;
        return 0;
    }
    if (sscanf(text, "ref ( %c%255[^'\"]%c )%n", &q1, a, &q2, &n) == 3 && n > 0) {
        in->kind = RS_UNIT_REF;
        in->name = a;
        return 0;
    }
    n = 0;
    if (sscanf(text, "source ( %c%255[^'\"]%c , %c%255[^'\"]%c )%n", &q1, a, &q2, &q1, b, &q2,
               &n) == 6 &&
        n > 0) {
        in->kind = RS_UNIT_SOURCE;
        in->name = a;
        in->table = b;
        return 0;
    }
    return -1;
}

/* The relation an input stands for (NULL: none to read types from, e.g. an ephemeral). */
static const char *input_relation(unit_run *u, const rs_unit_input *in, size_t model) {
    long idx;

    if (in->kind == RS_UNIT_SOURCE)
        return rs_project_source_sql(u->p, in->name, in->table);
    idx = in->kind == RS_UNIT_THIS ? (long)model : rs_graph_find(rs_project_graph(u->p), in->name);
    if (idx < 0 || rs_project_model(u->p, (size_t)idx)->kind == RS_MAT_EPHEMERAL)
        return NULL;
    return rs_project_model(u->p, (size_t)idx)->relation;
}

/* Column types of relation for the columns rows name, as a JSON object (or NULL). */
static char *input_types(unit_run *u, rs_jsonscan_span rows, const char *relation) {
    rs_buf sql = RS_BUF_INIT;
    rs_query_result *res = NULL;
    char *types = NULL;
    size_t n = 0;
    rs_err ignored;

    rs_err_clear(&ignored);
    if (relation != NULL && rs_unit_types_sql(rows, relation, &sql, &n, &ignored) == RS_OK &&
        n > 0 && run_rows(u, rs_buf_cstr(&sql), &res, &ignored) == RS_OK &&
        rs_query_result_row_count(res) > 0) {
        rs_jsonscan_span r = rs_query_result_row(res, 0);
        types = strndup(r.ptr, r.len);
    }
    rs_query_result_free(res);
    rs_buf_free(&sql);
    return types; /* a relation that does not exist yet: no types, values as written */
}

/* The rows of a given / expect entry as JSON text ({"format", "rows"}), into json. */
static int entry_rows(rs_jsonscan_span entry, rs_buf *json, char **sql_text, rs_err *err) {
    rs_jsonscan_span fmt, rows;
    char *text = NULL;
    int rc = RS_OK;

    *sql_text = NULL;
    if (!rs_jsonscan_get(entry, "rows", &rows))
        rows = rs_jsonscan_cstr("[]");
    if (!rs_jsonscan_get(entry, "format", &fmt) || rs_jsonscan_key_eq(fmt, "dict"))
        return rs_buf_append(json, rows.ptr, rows.len) == RS_OK ? RS_OK : RS_ENOMEM;
    if (rs_jsonscan_string_dup(rows, &text, err) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "rows of format csv or sql must be text");
    if (rs_jsonscan_key_eq(fmt, "sql"))
        *sql_text = text;
    else {
        rc = rs_unit_csv_to_json(text, json, err);
        free(text);
    }
    return rc;
}

/* One given input -> its rs_unit_input with a fixture SELECT (malloc'd into *sql). */
static int given_input(unit_run *u, rs_jsonscan_span g, size_t model, rs_unit_input *in, char *a,
                       char *b, char **sql, rs_err *err) {
    rs_jsonscan_span input, fmt;
    rs_buf rows = RS_BUF_INIT, out = RS_BUF_INIT;
    char *text = NULL, *types = NULL, *sql_text = NULL;
    int rc, csv = rs_jsonscan_get(g, "format", &fmt) && rs_jsonscan_key_eq(fmt, "csv");

    if (!rs_jsonscan_get(g, "input", &input) || rs_jsonscan_string_dup(input, &text, err) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "a given input needs input:");
    rc = parse_input(text, in, a, b) == 0
             ? RS_OK
             : rs_err_set(err, RS_EINVAL,
                          "given input '%s' is not ref('m'), source('s', 't') or this", text);
    free(text);
    if (rc == RS_OK)
        rc = entry_rows(g, &rows, &sql_text, err);
    if (rc == RS_OK && sql_text != NULL) {
        *sql = sql_text;
        rs_buf_free(&rows);
        return RS_OK;
    }
    if (rc == RS_OK) {
        types = input_types(u, rs_jsonscan_cstr(rs_buf_cstr(&rows)), input_relation(u, in, model));
        rc = rs_unit_rows_sql(rs_jsonscan_cstr(rs_buf_cstr(&rows)), types, csv, &out, err);
    }
    if (rc == RS_OK && (*sql = rs_buf_detach(&out)) == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    free(types);
    rs_buf_free(&rows);
    rs_buf_free(&out);
    return rc;
}

/* A member of the overrides object as JSON text (malloc'd), or NULL. */
static char *override_part(const char *overrides, const char *key) {
    rs_jsonscan_span v;

    if (overrides == NULL || !rs_jsonscan_get(rs_jsonscan_cstr(overrides), key, &v) ||
        rs_jsonscan_classify(v) != RS_JSON_OBJECT)
        return NULL;
    return strndup(v.ptr, v.len);
}

#define UNIT_MAX_INPUTS 64

typedef struct unit_inputs {
    rs_unit_input in[UNIT_MAX_INPUTS];
    char a[UNIT_MAX_INPUTS][256], b[UNIT_MAX_INPUTS][256];
    char *sql[UNIT_MAX_INPUTS];
    size_t n;
    rs_unit_overrides ov;
} unit_inputs;

static void inputs_free(unit_inputs *x) {
    for (size_t i = 0; i < x->n; i++)
        free(x->sql[i]);
    free((char *)x->ov.macros_json);
    free((char *)x->ov.vars_json);
    free((char *)x->ov.env_json);
}

static int read_inputs(unit_run *u, const unit_row *t, size_t model, unit_inputs *x, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span g;
    int rc = RS_OK;

    rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(t->given));
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &g) == 1) {
        if (x->n == UNIT_MAX_INPUTS)
            return rs_err_set(err, RS_EINVAL, "more than %d given inputs", UNIT_MAX_INPUTS);
        rc = given_input(u, g, model, &x->in[x->n], x->a[x->n], x->b[x->n], &x->sql[x->n], err);
        if (rc == RS_OK)
            x->in[x->n].sql = x->sql[x->n];
        x->n += rc == RS_OK;
    }
    x->ov.inputs = x->in;
    x->ov.n_inputs = x->n;
    x->ov.macros_json = override_part(t->overrides, "macros");
    x->ov.vars_json = override_part(t->overrides, "vars");
    x->ov.env_json = override_part(t->overrides, "env_vars");
    return rc;
}

/* The expected rows as JSON text into want (an sql expect is run). */
static int expected_rows(unit_run *u, const unit_row *t, rs_buf *want, rs_err *err) {
    rs_query_result *res = NULL;
    char *sql = NULL;
    int rc = entry_rows(rs_jsonscan_cstr(t->expect), want, &sql, err);

    if (rc == RS_OK && sql != NULL) {
        rc = run_rows(u, sql, &res, err);
        rs_buf_putc(want, '[');
        for (size_t i = 0; rc == RS_OK && i < rs_query_result_row_count(res); i++) {
            rs_jsonscan_span r = rs_query_result_row(res, i);
            rs_buf_puts(want, i ? "," : "");
            rs_buf_append(want, r.ptr, r.len);
        }
        rs_buf_putc(want, ']');
    }
    free(sql);
    rs_query_result_free(res);
    return rc;
}

/* What one test came to. */
typedef struct unit_outcome {
    const char *status;
    rs_buf message;
    char *sql;
    long long rows;
} unit_outcome;

/* Compile, run and compare test t; its own failures go into o (status error), not err. */
static void run_one(unit_run *u, const unit_row *t, unit_outcome *o) {
    const rs_graph *g = rs_project_graph(u->p);
    long model = rs_graph_find(g, t->model);
    rs_query_result *res = NULL;
    rs_jsonscan_span *actual = NULL;
    rs_buf want = RS_BUF_INIT, diff = RS_BUF_INIT;
    unit_inputs *x = calloc(1, sizeof(*x));
    int rc, equal = 0;
    rs_err err;

    rs_err_clear(&err);
    rc = x != NULL ? RS_OK : rs_err_set(&err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK && model < 0)
        rc = rs_err_set(&err, RS_EINVAL, "no model named '%s'", t->model);
    if (rc == RS_OK)
        rc = read_inputs(u, t, (size_t)model, x, &err);
    if (rc == RS_OK)
        rc = rs_project_compile_unit(u->p, (size_t)model, &x->ov, &o->sql, &err);
    if (rc == RS_OK)
        rc = run_rows(u, o->sql, &res, &err);
    if (rc == RS_OK)
        rc = expected_rows(u, t, &want, &err);
    if (rc == RS_OK) {
        o->rows = (long long)rs_query_result_row_count(res);
        actual = calloc((size_t)o->rows + 1, sizeof(*actual));
        for (size_t i = 0; actual != NULL && i < (size_t)o->rows; i++)
            actual[i] = rs_query_result_row(res, i);
        rc = actual != NULL ? rs_unit_compare(rs_jsonscan_cstr(rs_buf_cstr(&want)), actual,
                                              (size_t)o->rows, &equal, &diff, &err)
                            : rs_err_set(&err, RS_ENOMEM, "out of memory");
    }
    if (rc != RS_OK) {
        o->status = "error";
        rs_buf_printf(&o->message, "unit test '%s' on '%s': %s", t->name, t->model, err.msg);
    } else if (equal) {
        o->status = "pass";
        rs_buf_printf(&o->message, "unit test '%s' on '%s': %lld rows as expected", t->name,
                      t->model, o->rows);
    } else {
        o->status = "fail";
        rs_buf_printf(&o->message, "unit test '%s' on '%s': actual differs from expected:\n\n%s",
                      t->name, t->model, rs_buf_cstr(&diff));
    }
    if (x != NULL)
        inputs_free(x);
    free(x);
    free(actual);
    rs_query_result_free(res);
    rs_buf_free(&want);
    rs_buf_free(&diff);
}

static int record(unit_run *u, const unit_row *t, const unit_outcome *o, long long started,
                  long long elapsed, size_t seq, size_t total, rs_err *err) {
    long model = rs_graph_find(rs_project_graph(u->p), t->model);
    models_result_row row;
    char line[400], status[64], upper[8];
    size_t i;

    for (i = 0; o->status[i] && i + 1 < sizeof(upper); i++)
        upper[i] = (char)(o->status[i] - ('a' - 'A'));
    upper[i] = '\0';
    memset(&row, 0, sizeof(row));
    row.run_id = u->run_id;
    row.model = t->name;
    row.kind = "unit_test";
    row.relation = model >= 0 ? rs_project_model(u->p, (size_t)model)->relation : NULL;
    row.status = o->status;
    row.started_ms = started;
    row.elapsed_ms = elapsed;
    row.rows_affected = o->rows;
    row.message = rs_buf_cstr(&o->message);
    row.compiled_sql = o->sql;
    snprintf(line, sizeof(line), "%s unit_test %s", upper, t->name);
    snprintf(status, sizeof(status), "%s in %.2fs", upper, (double)elapsed / 1000.0);
    models_progress_line(u->conn->cfg.quiet, seq, total, line, status);
    return models_write_result(u->conn->db, &row, err);
}

/* ---------------------------------------------------------------- the list */

/* Is word one of the space-separated words of list? */
static int word_in(const char *list, const char *word) {
    size_t n = strlen(word);

    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    }
    return 0;
}

static int unit_selected(const rs_project *p, const rs_graph_sel *sel, const char *only,
                         const unit_row *t) {
    long idx = rs_graph_find(rs_project_graph(p), t->model);

    if (only != NULL)
        return word_in(only, t->name);
    return sel == NULL || (idx >= 0 && rs_graph_sel_has(sel, (size_t)idx));
}

int models_unit_names(sqlite3 *db, const char *word) {
    sqlite3_stmt *st = NULL;
    int found = 0;

    if (sqlite3_prepare_v2(db, "SELECT 1 FROM rockset_unit_tests WHERE name = ?1", -1, &st, NULL) !=
        SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, word, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return found;
}

int models_unit_run(rs_conn *conn, rs_api *api, rs_project *p, const rs_graph_sel *sel,
                    const char *only, long long run_id, rs_datatest_summary *out,
                    unsigned char *failed, rs_err *err) {
    unit_run u = {conn, api, p, run_id};
    unit_row *rows = NULL;
    size_t n = 0, i, total = 0, seq = 0;
    int rc = read_units(conn->db, &rows, &n, err);

    for (i = 0; rc == RS_OK && i < n; i++)
        total += (size_t)unit_selected(p, sel, only, &rows[i]);
    for (i = 0; rc == RS_OK && i < n; i++) {
        unit_outcome o = {NULL, RS_BUF_INIT, NULL, -1};
        long long t0;
        if (!unit_selected(p, sel, only, &rows[i]))
            continue;
        t0 = rs_runner_now_ms();
        run_one(&u, &rows[i], &o);
        rc = record(&u, &rows[i], &o, t0, rs_runner_now_ms() - t0, ++seq, total, err);
        out->tests++;
        if (strcmp(o.status, "pass") == 0)
            out->pass++;
        else {
            long idx = rs_graph_find(rs_project_graph(p), rows[i].model);
            *(strcmp(o.status, "fail") == 0 ? &out->fail : &out->error) += 1;
            if (failed != NULL && idx >= 0)
                failed[idx] = 1;
        }
        rs_buf_free(&o.message);
        free(o.sql);
    }
    units_free(rows, n);
    return rc;
}
