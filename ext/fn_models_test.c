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
 * Three kinds of test, each counting failing rows with one query:
 *   built-in   unique, not_null, accepted_values, relationships: queries written here (below),
 *              unless the project (package '') has its own macro test_<name>, which wins.
 *   generic    any other name: the macro test_<name> (the project's, as dbt finds it) or, for
 *              pkg.name, test_<name> of package pkg ({% test name(...) %} or an old-style
 *              {% macro test_name(...) %}). It is called with model= (a relation: renders as
 *              the model's ws.alias; .schema, .name, .identifier), column_name= (when the row
 *              has one) and the members of arg (a JSON object) as keyword arguments; a string
 *              argument written ref('m') or source('s', 't') is passed as that call, as dbt
 *              renders it. The SQL it renders selects the failing rows:
 *              SELECT COUNT(*) AS failures FROM (<sql>) AS dbt_internal_test.
 *   singular   test 'singular': sql is a template (ref, source, var, macros) selecting failing
 *              rows, counted the same way. It belongs to every model it refs.
 * A test's model may also be "source:s.t": it reads that source's collection.
 *
 * Built-in queries (t is the model's relation, or its compiled SQL as a subquery for an
 * ephemeral model):
 *   not_null         SELECT COUNT(*) AS failures FROM t WHERE t.c IS NULL
 *   unique           ... FROM (SELECT t.c FROM t WHERE t.c IS NOT NULL GROUP BY t.c
 *                    HAVING COUNT(*) > 1) AS dups
 *   accepted_values  ... WHERE t.c IS NOT NULL AND t.c NOT IN (<arg's values>)
 *                    arg: a JSON list, or {"values": [...]}
 *   relationships    ... WHERE t.c IS NOT NULL AND t.c NOT IN (SELECT p.f FROM <to> AS p
 *                    WHERE p.f IS NOT NULL); arg: {"to": "model" | "ref('model')" |
 *                    "source('s', 't')", "field": "f"}
 *
 * config (a JSON object, any kind): where (the model is read as (SELECT * FROM t WHERE <where>)
 * AS dbt_subquery, as dbt does), limit (the count stops there), severity (error, default, or
 * warn), error_if / warn_if (a comparison with the count: '>10', '!=0' the default, '>=', '<',
 * '<=', '=', '=='; severity error: error_if true -> fail, else warn_if true -> warn; severity
 * warn: warn_if true -> warn), enabled (false: skipped); store_failures is not supported, and
 * the message says it was ignored. Other keys are ignored.
 *
 * Every test gets a rockset_run_results row: model = the row's name, else
 * "<test>_<model>_<column>", kind 'test', status pass, fail, warn, error or skipped,
 * rows_affected = the failing rows, message, the query as compiled_sql. A failing test is not
 * an SQL error.
 *
 * A test is skipped, never run, when a model it reads (its model, a relationships test's `to`,
 * every model a generic or singular test's SQL refs) is disabled, cannot be compiled, or
 * failed or was skipped in its latest build in rockset_run_results: its relation may then be
 * empty, stale or missing, and a test passing on it would prove nothing. The message says why:
 *   skipped: model 'm' failed in run 3          skipped: model 'm' was skipped in run 3
 *   skipped: model 'm' line 2 column 6: unclosed '{{'     (the model's own error)
 * The summary: {"run_id","tests","pass","fail","warn","error","skipped"}.
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
#include <strings.h>
#include <time.h>

typedef struct test_row {
    long long id;
    char *model;
    char *column;
    char *test;
    char *arg;
    char *name;
    char *config;
    char *sql;
    int selected;
} test_row;

static void test_rows_free(test_row *rows, size_t n) {
    size_t i;

    for (i = 0; i < n; i++) {
        free(rows[i].model);
        free(rows[i].column);
        free(rows[i].test);
        free(rows[i].arg);
        free(rows[i].name);
        free(rows[i].config);
        free(rows[i].sql);
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

static void read_test_row(sqlite3_stmt *stmt, test_row *t, int *oom) {
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

static int read_tests(sqlite3 *db, test_row **out, size_t *n_out, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    test_row *rows = NULL, *grown;
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
        test_rows_free(rows, n);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    *out = rows;
    *n_out = n;
    return RS_OK;
}

/* ---------------------------------------------------------------- a test's config */

typedef struct test_config {
    int severity_warn;
    int disabled;
    int store_failures; /* asked for; not supported, noted in the message */
    char *where;        /* malloc'd or NULL */
    long long limit;    /* -1: none */
    char warn_if[32];
    char error_if[32];
} test_config;

static int config_string(rs_jsonscan_span cfg, const char *key, char **out, rs_err *err) {
    rs_jsonscan_span v;

    *out = NULL;
    if (!rs_jsonscan_get(cfg, key, &v) || rs_jsonscan_classify(v) == RS_JSON_NULL)
        return RS_OK;
    if (rs_jsonscan_classify(v) != RS_JSON_STRING)
        return rs_err_set(err, RS_EINVAL, "config '%s' must be a string", key);
    return rs_jsonscan_string_dup(rs_jsonscan_trim(v), out, err);
}

/* A threshold key into buf (kept as written; checked when evaluated). */
static int config_threshold(rs_jsonscan_span cfg, const char *key, char *buf, size_t size,
                            rs_err *err) {
    char *text = NULL;
    int rc = config_string(cfg, key, &text, err);

    if (rc == RS_OK && text != NULL) {
        if (strlen(text) >= size)
            rc = rs_err_set(err, RS_EINVAL, "config '%s' is too long: '%s'", key, text);
        else
            snprintf(buf, size, "%s", text);
    }
    free(text);
    return rc;
}

static int parse_config(const test_row *t, test_config *c, rs_err *err) {
    rs_jsonscan_span cfg, v;
    char *severity = NULL;
    int found = 0, rc;

    memset(c, 0, sizeof(*c));
    c->limit = -1;
    snprintf(c->warn_if, sizeof(c->warn_if), "!=0");
    snprintf(c->error_if, sizeof(c->error_if), "!=0");
    if (t->config == NULL)
        return RS_OK;
    cfg = rs_jsonscan_cstr(t->config);
    if (rs_jsonscan_validate(cfg.ptr, cfg.len, NULL) != RS_OK ||
        rs_jsonscan_classify(cfg) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "config must be a JSON object");
    rc = config_string(cfg, "severity", &severity, err);
    if (rc == RS_OK && severity != NULL) {
        if (strcasecmp(severity, "warn") == 0)
            c->severity_warn = 1;
        else if (strcasecmp(severity, "error") != 0)
            rc = rs_err_set(err, RS_EINVAL, "config 'severity' must be 'warn' or 'error', not '%s'",
                            severity);
    }
    free(severity);
    if (rc == RS_OK)
        rc = config_string(cfg, "where", &c->where, err);
    if (rc == RS_OK && rs_jsonscan_get(cfg, "limit", &v) &&
        rs_jsonscan_classify(v) != RS_JSON_NULL) {
        rc = rs_jsonscan_get_int64(cfg, "limit", &c->limit, &found, err);
        if (rc != RS_OK || c->limit < 0)
            rc = rs_err_set(err, RS_EINVAL, "config 'limit' must be a whole number >= 0");
    }
    if (rc == RS_OK)
        rc = config_threshold(cfg, "warn_if", c->warn_if, sizeof(c->warn_if), err);
    if (rc == RS_OK)
        rc = config_threshold(cfg, "error_if", c->error_if, sizeof(c->error_if), err);
    if (rc == RS_OK && rs_jsonscan_get(cfg, "enabled", &v))
        c->disabled = rs_jsonscan_classify(v) == RS_JSON_FALSE;
    if (rc == RS_OK && rs_jsonscan_get(cfg, "store_failures", &v))
        c->store_failures = rs_jsonscan_classify(v) == RS_JSON_TRUE;
    return rc;
}

/* Is "failures <cond>" true? cond: an operator and a whole number, as dbt writes them. */
static int threshold_hit(const char *key, const char *cond, long long failures, int *hit,
                         rs_err *err) {
    static const char *const ops[] = {">=", "<=", "!=", "<>", "==", ">", "<", "="};
    const char *p = cond;
    char *end;
    long long n;
    size_t k, len = 0;

    while (*p == ' ')
        p++;
    for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
        len = strlen(ops[k]);
        if (strncmp(p, ops[k], len) == 0)
            break;
    }
    if (k < sizeof(ops) / sizeof(ops[0])) {
        n = strtoll(p + len, &end, 10);
        while (*end == ' ')
            end++;
        if (end != p + len && *end == '\0') {
            *hit = k == 0   ? failures >= n
                   : k == 1 ? failures <= n
                   : k < 4  ? failures != n
                   : k == 5 ? failures > n
                   : k == 6 ? failures < n
                            : failures == n;
            return RS_OK;
        }
    }
    return rs_err_set(err, RS_EINVAL,
                      "config '%s' must be a comparison with a number such as '>10', not '%s'", key,
                      cond);
}

/* pass, fail or warn for this many failing rows under c. */
static int test_verdict(const test_config *c, long long failures, const char **status,
                        rs_err *err) {
    int error_hit = 0, warn_hit = 0;
    int rc = threshold_hit("warn_if", c->warn_if, failures, &warn_hit, err);

    if (rc == RS_OK && !c->severity_warn)
        rc = threshold_hit("error_if", c->error_if, failures, &error_hit, err);
    if (rc == RS_OK)
        *status = error_hit ? "fail" : warn_hit ? "warn" : "pass";
    return rc;
}

/* ---------------------------------------------------------------- what a test reads */

/* The relation a test reads: SQL text, and what model.schema / model.name say. */
typedef struct test_target {
    rs_buf sql;
    int wrapped; /* sql is (SELECT * FROM t WHERE <where>) */
    const char *schema;
    const char *name;
    const char *relation; /* for rockset_run_results: "ws.alias", or NULL */
} test_target;

/* "source:s.t" -> s and t (in a and b), 1; else 0. */
static int source_node(const char *node, char *a, char *b, size_t size) {
    const char *dot;

    if (strncmp(node, "source:", 7) != 0 || (dot = strchr(node + 7, '.')) == NULL)
        return 0;
    if ((size_t)(dot - node - 7) >= size || strlen(dot + 1) >= size)
        return 0;
    memcpy(a, node + 7, (size_t)(dot - node - 7));
    a[dot - node - 7] = '\0';
    snprintf(b, size, "%s", dot + 1);
    return 1;
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

/* The query of a built-in test reading rel (the model's relation, maybe wrapped by where). */
static int compile_builtin(rs_project *p, const test_row *t, const char *rel, rs_buf *q,
                           rs_err *err) {
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
    rc = rs_buf_puts(q, rel);
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

/* Fill tg for node (a model's name, or source:s.t), read through c's where when it has one. */
static int make_target(rs_project *p, const char *node, const test_config *c, test_target *tg,
                       rs_err *err) {
    rs_buf rel = RS_BUF_INIT;
    char a[256], b[256];
    long idx;
    int rc = RS_OK;

    if (source_node(node, a, b, sizeof(a))) {
        tg->relation = rs_project_source_sql(p, a, b);
        if (tg->relation == NULL)
            return rs_err_set(err, RS_EINVAL,
                              "rockset_test: source('%s', '%s') is not in "
                              "rockset_sources",
                              a, b);
        rs_buf_puts(&rel, tg->relation);
        tg->schema = rs_project_source_part(p, a, b, 0);
        tg->name = rs_project_source_part(p, a, b, 1);
    } else {
        rc = put_model_relation(&rel, p, node, err);
        idx = rs_graph_find(rs_project_graph(p), node);
        if (rc == RS_OK) {
            const rs_model_info *mi = rs_project_model(p, (size_t)idx);
            tg->schema = mi->workspace;
            tg->name = mi->alias;
            tg->relation = mi->relation;
        }
    }
    tg->wrapped = c->where != NULL;
    if (rc == RS_OK && c->where != NULL && strstr(c->where, "{{") != NULL) {
        /* dbt renders a test's config when it runs: where: "id > {{ var('min') }}" */
        char *where = NULL;
        rc = rs_project_render_text(p, node, c->where, NULL, &where, NULL, NULL, err);
        if (rc == RS_OK)
            rs_buf_printf(&tg->sql, "(SELECT * FROM %s WHERE %s)", rs_buf_cstr(&rel), where);
        free(where);
    } else if (rc == RS_OK && c->where != NULL)
        rs_buf_printf(&tg->sql, "(SELECT * FROM %s WHERE %s)", rs_buf_cstr(&rel), c->where);
    else if (rc == RS_OK)
        rs_buf_puts(&tg->sql, rs_buf_cstr(&rel));
    if (rc == RS_OK && (rel.oom || tg->sql.oom))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_buf_free(&rel);
    return rc;
}

/* "pkg.name" -> pkg and test_name; "name" -> "" and test_name. 0, or -1 when too long. */
static int generic_macro(const char *test, char *pkg, char *macro, size_t size) {
    const char *dot = strchr(test, '.');
    size_t pkg_len = dot ? (size_t)(dot - test) : 0;

    if (pkg_len >= size)
        return -1;
    memcpy(pkg, test, pkg_len);
    pkg[pkg_len] = '\0';
    return snprintf(macro, size, "test_%s", dot ? dot + 1 : test) < (int)size ? 0 : -1;
}

static int is_ident(const char *s) {
    const char *c;

    if (s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (c = s; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_'))
            return 0;
    return 1;
}

/* One keyword argument: a string spelling ref(...) / source(...) is passed as that call (dbt
 * renders test arguments), anything else as the value of __rs_args[key]. */
static int put_kwarg(rs_buf *call, const char *key, rs_jsonscan_span value, rs_err *err) {
    char *text = NULL;
    int rc = RS_OK;

    rs_buf_printf(call, ", %s=", key);
    if (rs_jsonscan_classify(value) == RS_JSON_STRING)
        rc = rs_jsonscan_string_dup(rs_jsonscan_trim(value), &text, err);
    if (rc == RS_OK && text != NULL &&
        (strncmp(text, "ref(", 4) == 0 || strncmp(text, "source(", 7) == 0) &&
        text[strlen(text) - 1] == ')')
        rs_buf_puts(call, text);
    else if (rc == RS_OK)
        rs_buf_printf(call, "__rs_args['%s']", key);
    free(text);
    return rc;
}

/* ", k=__rs_args['k']" for each member of the arg object (a list is `values`, the arg of an
 * accepted_values row). Names dbt reserves (model, column_name, config, name) are left out. */
static int put_kwargs(rs_buf *call, const test_row *t, rs_err *err) {
    rs_jsonscan_span arg = rs_jsonscan_cstr(t->arg ? t->arg : "null"), key, value;
    rs_jsonscan_iter it;
    char *name = NULL;
    int rc = RS_OK;

    if (rs_jsonscan_validate(arg.ptr, arg.len, NULL) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "rockset_test: arg must be a JSON object");
    if (rs_jsonscan_classify(arg) == RS_JSON_ARRAY)
        return rs_buf_puts(call, ", values=__rs_args");
    if (rs_jsonscan_classify(arg) == RS_JSON_NULL)
        return RS_OK;
    if (rs_jsonscan_classify(arg) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "rockset_test: arg must be a JSON object");
    rs_jsonscan_iter_init(&it, arg);
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        rc = rs_jsonscan_string_dup(key, &name, err);
        if (rc == RS_OK && !is_ident(name))
            rc = rs_err_set(err, RS_EINVAL, "rockset_test: argument '%s' is not a name", name);
        if (rc == RS_OK && strcmp(name, "model") != 0 && strcmp(name, "column_name") != 0 &&
            strcmp(name, "config") != 0 && strcmp(name, "name") != 0)
            rc = put_kwarg(call, name, value, err);
        free(name);
        name = NULL;
    }
    return rc;
}

/* The names a generic test's call reads: column_name and __rs_args. */
static int call_names(const test_row *t, rs_buf *json) {
    rs_buf_puts(json, "{\"__rs_args\":");
    rs_buf_puts(json, t->arg ? t->arg : "null");
    if (t->column != NULL) {
        rs_buf_puts(json, ",\"column_name\":");
        rs_buf_json_string(json, t->column, strlen(t->column));
    }
    return rs_buf_putc(json, '}');
}

/* SELECT COUNT(*) over the failing rows that sql selects, or the test's own fail_calc (dbt's
 * config: dbt_utils.equal_rowcount counts SUM(diff_count), not rows). */
static int put_count_query(rs_buf *q, const char *sql, const char *fail_calc) {
    rs_buf_printf(q, "SELECT %s AS failures FROM (\n", fail_calc ? fail_calc : "COUNT(*)");
    rs_compile_trim_sql(q, sql);
    return rs_buf_puts(q, "\n) AS dbt_internal_test");
}

/* The query of a generic test: its macro called on the target, counted. */
static int compile_generic(rs_project *p, const test_row *t, const char *label,
                           const test_target *tg, rs_buf *q, char ***refs, size_t *n_refs,
                           rs_err *err) {
    rs_buf call = RS_BUF_INIT, names_json = RS_BUF_INIT, model = RS_BUF_INIT;
    rs_render_names names;
    char pkg[128], macro[300], *sql = NULL, *fail_calc = NULL;
    int rc = RS_OK;

    if (generic_macro(t->test, pkg, macro, sizeof(pkg)) != 0)
        return rs_err_set(err, RS_EINVAL, "rockset_test: test name '%s' is too long", t->test);
    if (pkg[0] == '\0' && !rs_project_has_macro(p, "", macro) &&
        rs_project_macro_package(p, macro) != NULL) /* dbt: the project, then packages */
        snprintf(pkg, sizeof(pkg), "%s", rs_project_macro_package(p, macro));
    if (!rs_project_has_macro(p, pkg, macro))
        return rs_err_set(err, RS_EINVAL,
                          "rockset_test: no generic test '%s': no macro %s%s%s in rockset_macros "
                          "(%s%s%s)",
                          t->test, pkg, pkg[0] ? "." : "", macro,
                          pkg[0] ? "import the package: dbt_packages/" : "define {% test ",
                          pkg[0] ? pkg : macro + 5, pkg[0] ? "" : "(model, ...) %} in macros/");
    rs_buf_printf(&call, "{{ %s%s%s(model=model", pkg, pkg[0] ? "." : "", macro);
    if (t->column != NULL)
        rs_buf_puts(&call, ", column_name=column_name");
    rc = put_kwargs(&call, t, err);
    rs_buf_puts(&call, ") }}");
    call_names(t, &names_json);
    rs_buf_printf(&model, "%s%s", rs_buf_cstr(&tg->sql), tg->wrapped ? " AS dbt_subquery" : "");
    if (rc == RS_OK && (call.oom || names_json.oom || model.oom))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    names.model_sql = rs_buf_cstr(&model);
    names.model_schema = tg->schema;
    names.model_name = tg->name;
    names.names_json = rs_buf_cstr(&names_json);
    names.fail_calc = &fail_calc;
    if (rc == RS_OK)
        rc = rs_project_render_text(p, label, rs_buf_cstr(&call), &names, &sql, refs, n_refs, err);
    if (rc == RS_OK)
        put_count_query(q, sql, fail_calc);
    free(sql);
    free(fail_calc);
    rs_buf_free(&call);
    rs_buf_free(&names_json);
    rs_buf_free(&model);
    return rc;
}

/* The query of a singular test: its SQL rendered, counted. */
static int compile_singular(rs_project *p, const test_row *t, const char *label, rs_buf *q,
                            char ***refs, size_t *n_refs, rs_err *err) {
    rs_render_names names = {NULL, NULL, NULL, NULL, NULL};
    char *sql = NULL, *fail_calc = NULL;
    int rc;

    if (t->sql == NULL)
        return rs_err_set(err, RS_EINVAL, "rockset_test: singular test '%s' has no sql", label);
    names.fail_calc = &fail_calc;
    rc = rs_project_render_text(p, label, t->sql, &names, &sql, refs, n_refs, err);
    if (rc == RS_OK)
        put_count_query(q, sql, fail_calc);
    free(sql);
    free(fail_calc);
    return rc;
}

static int is_builtin(rs_project *p, const char *test) {
    char macro[300];

    if (strcmp(test, "unique") != 0 && strcmp(test, "not_null") != 0 &&
        strcmp(test, "accepted_values") != 0 && strcmp(test, "relationships") != 0)
        return 0;
    snprintf(macro, sizeof(macro), "test_%s", test);
    return !rs_project_has_macro(p, "", macro); /* the project's own macro wins */
}

/* A compiled test: its query, the models its SQL refs, what it reads. */
typedef struct test_plan {
    rs_buf q;
    char **refs;
    size_t n_refs;
    test_target tg;
} test_plan;

static void test_plan_free(test_plan *plan) {
    size_t i;

    rs_buf_free(&plan->q);
    rs_buf_free(&plan->tg.sql);
    for (i = 0; i < plan->n_refs; i++)
        free(plan->refs[i]);
    free(plan->refs);
}

static int compile_test(rs_project *p, const test_row *t, const test_config *c, const char *label,
                        test_plan *plan, rs_err *err) {
    int rc;

    if (strcmp(t->test, "singular") == 0)
        rc = compile_singular(p, t, label, &plan->q, &plan->refs, &plan->n_refs, err);
    else
        rc = make_target(p, t->model, c, &plan->tg, err);
    if (rc == RS_OK && strcmp(t->test, "singular") != 0) {
        if (is_builtin(p, t->test))
            rc = compile_builtin(p, t, rs_buf_cstr(&plan->tg.sql), &plan->q, err);
        else
            rc = compile_generic(p, t, label, &plan->tg, &plan->q, &plan->refs, &plan->n_refs, err);
    }
    if (rc == RS_OK && plan->q.oom)
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
    size_t warn;
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

/* Why a test whose SQL refs these models cannot run now (the first such model's reason), or
 * "". */
static int refs_skip_reason(sqlite3 *db, rs_project *p, char *const *refs, size_t n_refs, char *why,
                            size_t size, rs_err *err) {
    size_t i;
    int rc = RS_OK;

    why[0] = '\0';
    for (i = 0; rc == RS_OK && why[0] == '\0' && i < n_refs; i++)
        rc = model_skip_reason(db, p, refs[i], why, size, err);
    return rc;
}

static void test_name(rs_buf *name, const test_row *t) {
    if (t->name != NULL)
        rs_buf_puts(name, t->name);
    else
        rs_buf_printf(name, "%s_%s_%s", t->test, t->model, t->column ? t->column : "");
}

/* What one test came to, for its rockset_run_results row and the summary. */
typedef struct test_outcome {
    const char *status; /* pass, fail, warn, error, skipped */
    char message[900];
    long long failures; /* -1: none */
    long long started_ms;
    long long elapsed_ms;
    const char *query_id;
    const char *sql;      /* the query, or NULL */
    const char *relation; /* or NULL */
} test_outcome;

static int record_outcome(rs_conn *conn, long long run_id, const char *name, const test_outcome *o,
                          size_t seq, size_t total, test_counts *counts, rs_err *werr) {
    models_result_row row;
    char line[400], status_text[64], upper[16];
    size_t i;

    for (i = 0; o->status[i] && i + 1 < sizeof(upper); i++)
        upper[i] = (char)(o->status[i] - ('a' - 'A'));
    upper[i] = '\0';
    counts->pass += strcmp(o->status, "pass") == 0;
    counts->fail += strcmp(o->status, "fail") == 0;
    counts->warn += strcmp(o->status, "warn") == 0;
    counts->error += strcmp(o->status, "error") == 0;
    counts->skipped += strcmp(o->status, "skipped") == 0;
    memset(&row, 0, sizeof(row));
    row.run_id = run_id;
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
    snprintf(line, sizeof(line), "%s %s%s", strcmp(o->status, "skipped") == 0 ? "SKIP" : upper,
             strcmp(o->status, "skipped") == 0 ? "test " : "", name);
    snprintf(status_text, sizeof(status_text), "%s in %.2fs",
             strcmp(o->status, "skipped") == 0 ? "SKIP" : upper, (double)o->elapsed_ms / 1000.0);
    models_progress_line(conn->cfg.quiet, seq, total, line,
                         strcmp(o->status, "skipped") == 0 ? "SKIP" : status_text);
    return models_write_result(conn->db, &row, werr);
}

/* The message of a test that ran: "<what>: N failing rows". */
static void ran_message(const test_row *t, const char *name, const test_config *c,
                        test_outcome *o) {
    char why[160];
    int n;

    if (strcmp(t->test, "singular") == 0)
        n = snprintf(o->message, sizeof(o->message), "%s", name);
    else if (t->column != NULL)
        n = snprintf(o->message, sizeof(o->message), "%s(%s) on %s", t->test, t->column, t->model);
    else
        n = snprintf(o->message, sizeof(o->message), "%s on %s", t->test, t->model);
    if (n < 0 || (size_t)n >= sizeof(o->message))
        n = (int)sizeof(o->message) - 1;
    if (strcmp(o->status, "warn") != 0)
        why[0] = '\0';
    else if (c->severity_warn)
        snprintf(why, sizeof(why), " (severity warn)");
    else
        snprintf(why, sizeof(why), " (warn: warn_if %s holds, error_if %s does not)", c->warn_if,
                 c->error_if);
    snprintf(o->message + n, sizeof(o->message) - (size_t)n, ": %lld failing row%s%s%s",
             o->failures, o->failures == 1 ? "" : "s", why,
             c->store_failures ? "; store_failures is not supported and was ignored" : "");
}

/* A singular test's relation in rockset_run_results: the first model it refs, or NULL. */
static const char *first_ref_relation(rs_project *p, const test_plan *plan) {
    long idx = plan->n_refs > 0 ? rs_graph_find(rs_project_graph(p), plan->refs[0]) : -1;

    return idx >= 0 ? rs_project_model(p, (size_t)idx)->relation : NULL;
}

/* Compile, maybe skip, run: fills o. A test's own problems are its status, not an error. */
static int try_test(rs_conn *conn, rs_api *api, rs_project *p, const test_row *t, const char *name,
                    test_plan *plan, char **query_id, test_outcome *o, rs_err *werr) {
    test_config c;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = parse_config(t, &c, &err);
    if (rc != RS_OK)
        rs_err_prefix(&err, "rockset_test: ");
    if (rc == RS_OK && c.disabled) {
        o->status = "skipped";
        snprintf(o->message, sizeof(o->message), "skipped: disabled by its config");
        free(c.where);
        return RS_OK;
    }
    if (rc == RS_OK)
        rc = test_skip_reason(conn->db, p, t, o->message, sizeof(o->message), werr);
    if (rc == RS_OK && o->message[0] == '\0')
        rc = compile_test(p, t, &c, name, plan, &err);
    if (rc == RS_OK && o->message[0] == '\0')
        rc = refs_skip_reason(conn->db, p, plan->refs, plan->n_refs, o->message, sizeof(o->message),
                              werr);
    if (rc == RS_OK && o->message[0] != '\0') {
        o->status = "skipped";
        free(c.where);
        return RS_OK;
    }
    if (werr->code != RS_OK) { /* reading rockset_run_results failed: stop */
        free(c.where);
        return rc;
    }
    o->relation = plan->tg.relation != NULL ? plan->tg.relation : first_ref_relation(p, plan);
    if (rc == RS_OK) {
        o->sql = rs_buf_cstr(&plan->q);
        rc = run_test_query(conn, api, o->sql, &o->failures, query_id, &err);
    }
    if (rc == RS_OK && c.limit >= 0 && o->failures > c.limit)
        o->failures = c.limit;
    if (rc == RS_OK && (rc = test_verdict(&c, o->failures, &o->status, &err)) != RS_OK)
        rs_err_prefix(&err, "rockset_test: ");
    if (rc == RS_OK) {
        ran_message(t, name, &c, o);
    } else {
        o->status = "error";
        o->failures = -1;
        snprintf(o->message, sizeof(o->message), "%s", err.msg);
    }
    o->query_id = *query_id;
    free(c.where);
    return RS_OK;
}

/* Run test t, or record it skipped when a model it reads cannot be tested now. */
static int do_one_test(rs_conn *conn, rs_api *api, rs_project *p, long long run_id,
                       const test_row *t, size_t seq, size_t total, test_counts *counts,
                       rs_err *err) {
    rs_buf name = RS_BUF_INIT;
    char *query_id = NULL, line[400];
    struct timespec t0, t1;
    test_plan plan;
    test_outcome o;
    int rc;

    memset(&plan, 0, sizeof(plan));
    memset(&o, 0, sizeof(o));
    o.failures = -1;
    o.started_ms = rs_runner_now_ms();
    test_name(&name, t);
    if (name.oom)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    snprintf(line, sizeof(line), "START test %s", rs_buf_cstr(&name));
    models_progress_line(conn->cfg.quiet, seq, total, line, "RUN");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = try_test(conn, api, p, t, rs_buf_cstr(&name), &plan, &query_id, &o, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (strcmp(o.status ? o.status : "", "skipped") != 0)
        o.elapsed_ms =
            (long long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
    else
        o.sql = NULL, o.relation = NULL;
    if (rc == RS_OK)
        rc = record_outcome(conn, run_id, rs_buf_cstr(&name), &o, seq, total, counts, err);
    free(query_id);
    test_plan_free(&plan);
    rs_buf_free(&name);
    return rc;
}

/* Is test t selected: its model (a singular test's: the model its row names), or any model
 * its SQL refs; a test of a source only when nothing is selected. */
static int test_selected(rs_project *p, const rs_graph_sel *sel, const test_row *t) {
    long idx;

    if (sel == NULL)
        return 1;
    idx = rs_graph_find(rs_project_graph(p), t->model);
    return idx >= 0 && rs_graph_sel_has(sel, (size_t)idx);
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
    test_counts counts;
    long long run_id = 0;
    rs_err err;
    int rc;

    memset(&counts, 0, sizeof(counts));
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
        tests[i].selected = test_selected(p, sel, &tests[i]);
        total += (size_t)tests[i].selected;
    }
    for (i = 0; rc == RS_OK && i < n_tests; i++) {
        if (tests[i].selected)
            rc = do_one_test(conn, api, p, run_id, &tests[i], ++seq, total, &counts, &err);
    }
    if (rc == RS_OK) {
        rs_buf_printf(&out,
                      "{\"run_id\":%lld,\"tests\":%zu,\"pass\":%zu,\"fail\":%zu,\"warn\":%zu,"
                      "\"error\":%zu,\"skipped\":%zu}",
                      run_id, total, counts.pass, counts.fail, counts.warn, counts.error,
                      counts.skipped);
        rs_sqlerr_result_json(ctx, &out);
    } else {
        rs_sqlerr_result(ctx, &err);
    }
    rs_buf_free(&out);
    test_rows_free(tests, n_tests);
    rs_graph_sel_free(sel);
    rs_project_free(p);
}
