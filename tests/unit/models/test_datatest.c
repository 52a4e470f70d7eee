/*
 * test_datatest.c - unit tests of src/models/datatest*.c: a data test row -> its config (and
 * the exact config errors), its verdict under warn_if / error_if / severity, the exact SQL of
 * each built-in test, of generic test macros (kwargs, ref() arguments, packages, fail_calc) and
 * of singular tests, its errors; and rs_datatest_run through a fake host: skips (disabled by
 * config, a model that failed or was skipped, a model that cannot be compiled, a parent
 * model, a model a singular test refs), statuses, messages, limit, counts, the failing
 * relations, selection, and a host error stopping the run. No SQLite, no network.
 */
#include "models/datatest.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define ROW(name_, sql_, kind_, enabled_) \
    { (name_), (sql_), (kind_), NULL, NULL, NULL, NULL, NULL, (enabled_), NULL }

static const rs_source_row sources[] = {
    {"shop", "orders", "raw", "order-lines"},
};

static const rs_var_row vars[] = {
    {"min", "5"},
};

static const rs_macro_row macros[] = {
    {"", "positive", "model, column_name, strict=false",
     "SELECT * FROM {{ model }} WHERE {{ column_name }} {{ '<' if strict else '<=' }} 0", "test"},
    {"", "matches", "model, column_name, other",
     "SELECT * FROM {{ model }} WHERE {{ column_name }} NOT IN (SELECT id FROM {{ other }})",
     "test"},
    {"", "summed", "model", "{{ config(fail_calc='SUM(n)') }}SELECT COUNT(*) AS n FROM {{ model }}",
     "test"},
    {"", "names", "model", "SELECT '{{ model.schema }}' AS s, '{{ model.name }}' AS n", "test"},
    {"mini", "in_range", "model, column_name, min_value=0",
     "SELECT * FROM {{ model }} WHERE {{ column_name }} < {{ min_value }}", "test"},
    {"mini", "only_pkg", "model", "SELECT 1 AS x FROM {{ model }}", "test"},
    {"", "one_of", "model, column_name, values",
     "SELECT * FROM {{ model }} WHERE {{ column_name }} NOT IN ({{ values | join(', ') }})",
     "test"},
};

static const rs_model_row models[] = {
    ROW("orders", "SELECT id, amount, status FROM {{ source('shop', 'orders') }}", "view", 1),
    ROW("customers", "SELECT id FROM {{ ref('orders') }}", "table", 1),
    ROW("eph", "SELECT id FROM {{ ref('orders') }} WHERE amount > 0", "ephemeral", 1),
    ROW("lam", "SELECT 1 AS x", "query_lambda", 1),
    ROW("off", "SELECT 1 AS x", "view", 0),
    ROW("broken", "SELECT {{ nope( }}", "view", 1),
    ROW("after_broken", "SELECT * FROM {{ ref('broken') }}", "view", 1),
};

static rs_project *load(rs_err *err) {
    rs_project_input in;
    rs_project *p = NULL;

    memset(&in, 0, sizeof(in));
    in.models = models;
    in.n_models = sizeof(models) / sizeof(models[0]);
    in.sources = sources;
    in.n_sources = 1;
    in.vars = vars;
    in.n_vars = 1;
    in.macros = macros;
    in.n_macros = sizeof(macros) / sizeof(macros[0]);
    in.workspace = "analytics";
    rs_err_clear(err);
    return rs_project_load(&in, &p, err) == RS_OK ? p : NULL;
}

static rs_datatest row(const char *model, const char *column, const char *test, const char *arg) {
    rs_datatest t;

    memset(&t, 0, sizeof(t));
    t.id = 7;
    t.model = model;
    t.column = column;
    t.test = test;
    t.arg = arg;
    return t;
}

/* The compiled SQL of t (config as t says), or the error text; malloc'd. */
static char *compile(rs_project *p, const rs_datatest *t) {
    rs_datatest_config c;
    rs_datatest_plan plan;
    rs_buf name = RS_BUF_INIT;
    char *out;
    rs_err err;
    int rc;

    memset(&plan, 0, sizeof(plan));
    rs_err_clear(&err);
    rs_datatest_name(t, &name);
    rc = rs_datatest_config_parse(t->config, &c, &err);
    if (rc == RS_OK)
        rc = rs_datatest_compile(p, t, &c, rs_buf_cstr(&name), &plan, &err);
    out = strdup(rc == RS_OK ? rs_buf_cstr(&plan.sql) : err.msg);
    rs_datatest_plan_free(&plan);
    rs_datatest_config_free(&c);
    rs_buf_free(&name);
    return out;
}

static void check_sql(const char *label, rs_project *p, const rs_datatest *t, const char *want) {
    char *got = compile(p, t);

    CHECK_STR(label, got, want);
    free(got);
}

/* ---------------------------------------------------------------- config and verdict */

static void check_config_error(const char *label, const char *config, const char *want) {
    rs_datatest_config c;
    rs_err err;

    rs_err_clear(&err);
    CHECK_INT(label, rs_datatest_config_parse(config, &c, &err), RS_EINVAL);
    CHECK_STR(label, err.msg, want);
    rs_datatest_config_free(&c);
}

static void test_config(void) {
    rs_datatest_config c;
    rs_err err;

    rs_err_clear(&err);
    CHECK_INT("config/defaults", rs_datatest_config_parse(NULL, &c, &err), RS_OK);
    CHECK_STR("config/default_warn_if", c.warn_if, "!=0");
    CHECK_STR("config/default_error_if", c.error_if, "!=0");
    CHECK_INT("config/default_limit", c.limit, -1);
    CHECK("config/default_flags", !c.severity_warn && !c.disabled && !c.store_failures);
    CHECK("config/default_where", c.where == NULL);
    rs_datatest_config_free(&c);

    CHECK_INT("config/all_keys",
              rs_datatest_config_parse("{\"severity\": \"WARN\", \"where\": \"x > 1\", \"limit\": "
                                       "3, \"warn_if\": \">2\", \"error_if\": \">= 10\", "
                                       "\"enabled\": false, \"store_failures\": true, \"tags\": "
                                       "[\"ignored\"]}",
                                       &c, &err),
              RS_OK);
    CHECK_INT("config/severity_warn", c.severity_warn, 1);
    CHECK_STR("config/where", c.where, "x > 1");
    CHECK_INT("config/limit", c.limit, 3);
    CHECK_STR("config/warn_if", c.warn_if, ">2");
    CHECK_STR("config/error_if", c.error_if, ">= 10");
    CHECK_INT("config/disabled", c.disabled, 1);
    CHECK_INT("config/store_failures", c.store_failures, 1);
    rs_datatest_config_free(&c);
    CHECK("config/free_zeroes", c.where == NULL);

    CHECK_INT("config/nulls_are_defaults",
              rs_datatest_config_parse("{\"where\": null, \"limit\": null, \"severity\": null}", &c,
                                       &err),
              RS_OK);
    CHECK("config/null_where", c.where == NULL && c.limit == -1 && !c.severity_warn);
    rs_datatest_config_free(&c);

    check_config_error("config/not_json", "{nope", "config must be a JSON object");
    check_config_error("config/not_object", "[1]", "config must be a JSON object");
    check_config_error("config/severity", "{\"severity\": \"loud\"}",
                       "config 'severity' must be 'warn' or 'error', not 'loud'");
    check_config_error("config/severity_type", "{\"severity\": 1}",
                       "config 'severity' must be a string");
    check_config_error("config/where_type", "{\"where\": true}", "config 'where' must be a string");
    check_config_error("config/limit_negative", "{\"limit\": -1}",
                       "config 'limit' must be a whole number >= 0");
    check_config_error("config/limit_text", "{\"limit\": \"3\"}",
                       "config 'limit' must be a whole number >= 0");
    check_config_error("config/warn_if_type", "{\"warn_if\": 3}",
                       "config 'warn_if' must be a string");
    check_config_error("config/error_if_too_long",
                       "{\"error_if\": \">1000000000000000000000000000000\"}",
                       "config 'error_if' is too long: '>1000000000000000000000000000000'");
}

static void check_verdict(const char *label, const char *config, long long failures,
                          const char *want) {
    rs_datatest_config c;
    const char *status = "unset";
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_datatest_config_parse(config, &c, &err);
    if (rc == RS_OK)
        rc = rs_datatest_verdict(&c, failures, &status, &err);
    CHECK_STR(label, rc == RS_OK ? status : err.msg, want);
    rs_datatest_config_free(&c);
}

static void test_verdict(void) {
    check_verdict("verdict/default_pass", NULL, 0, "pass");
    check_verdict("verdict/default_fail", NULL, 1, "fail");
    check_verdict("verdict/severity_warn", "{\"severity\": \"warn\"}", 4, "warn");
    check_verdict("verdict/severity_warn_pass", "{\"severity\": \"warn\"}", 0, "pass");
    /* severity warn: error_if is never read, even when it is not a comparison */
    check_verdict("verdict/severity_warn_ignores_error_if",
                  "{\"severity\": \"warn\", \"error_if\": \"lots\"}", 9, "warn");
    check_verdict("verdict/error_if_gt_below", "{\"error_if\": \">10\"}", 10, "warn");
    check_verdict("verdict/error_if_gt_above", "{\"error_if\": \">10\"}", 11, "fail");
    check_verdict("verdict/warn_if_gt", "{\"warn_if\": \">5\", \"error_if\": \">10\"}", 5, "pass");
    check_verdict("verdict/ge", "{\"error_if\": \">=3\"}", 3, "fail");
    check_verdict("verdict/le", "{\"error_if\": \"<=3\", \"warn_if\": \"<0\"}", 4, "pass");
    check_verdict("verdict/lt", "{\"error_if\": \"<3\"}", 2, "fail");
    check_verdict("verdict/eq", "{\"error_if\": \"=2\"}", 2, "fail");
    check_verdict("verdict/eqeq", "{\"error_if\": \"==2\", \"warn_if\": \"==3\"}", 3, "warn");
    check_verdict("verdict/ne_sql", "{\"error_if\": \"<>0\"}", 0, "pass");
    check_verdict("verdict/spaces", "{\"error_if\": \"  > 2 \"}", 3, "fail");
    check_verdict("verdict/bad_warn_if", "{\"warn_if\": \"many\"}", 1,
                  "config 'warn_if' must be a comparison with a number such as '>10', not 'many'");
    check_verdict("verdict/bad_error_if", "{\"error_if\": \">ten\"}", 1,
                  "config 'error_if' must be a comparison with a number such as '>10', not '>ten'");
    check_verdict("verdict/no_number", "{\"error_if\": \">\"}", 1,
                  "config 'error_if' must be a comparison with a number such as '>10', not '>'");
}

/* ---------------------------------------------------------------- built-in tests */

static void test_builtin(rs_project *p) {
    rs_datatest t;

    t = row("orders", "id", "not_null", NULL);
    check_sql("builtin/not_null", p, &t,
              "SELECT COUNT(*) AS failures FROM analytics.orders AS t WHERE t.id IS NULL");
    t = row("orders", "id", "unique", NULL);
    check_sql("builtin/unique", p, &t,
              "SELECT COUNT(*) AS failures FROM (SELECT t.id FROM analytics.orders AS t WHERE "
              "t.id IS NOT NULL GROUP BY t.id HAVING COUNT(*) > 1) AS dups");
    t = row("orders", "status", "accepted_values", "[\"placed\", \"it's\", 3, 2.5, true, false]");
    check_sql("builtin/accepted_values_list", p, &t,
              "SELECT COUNT(*) AS failures FROM analytics.orders AS t WHERE t.status IS NOT NULL "
              "AND t.status NOT IN ('placed', 'it''s', 3, 2.5, TRUE, FALSE)");
    t = row("orders", "status", "accepted_values", "{\"values\": [\"a\"], \"quote\": true}");
    check_sql("builtin/accepted_values_object", p, &t,
              "SELECT COUNT(*) AS failures FROM analytics.orders AS t WHERE t.status IS NOT NULL "
              "AND t.status NOT IN ('a')");
    t = row("orders", "id", "relationships", "{\"to\": \"customers\", \"field\": \"id\"}");
    check_sql("builtin/relationships_name", p, &t,
              "SELECT COUNT(*) AS failures FROM analytics.orders AS t WHERE t.id IS NOT NULL AND "
              "t.id NOT IN (SELECT p.id FROM analytics.customers AS p WHERE p.id IS NOT NULL)");
    t = row("orders", "id", "relationships", "{\"to\": \"ref('customers')\", \"field\": \"id\"}");
    check_sql("builtin/relationships_ref", p, &t,
              "SELECT COUNT(*) AS failures FROM analytics.orders AS t WHERE t.id IS NOT NULL AND "
              "t.id NOT IN (SELECT p.id FROM analytics.customers AS p WHERE p.id IS NOT NULL)");
    t = row("customers", "id", "relationships",
            "{\"to\": \"source('shop', 'orders')\", \"field\": \"order id\"}");
    check_sql("builtin/relationships_source_quoted_field", p, &t,
              "SELECT COUNT(*) AS failures FROM analytics.customers AS t WHERE t.id IS NOT NULL "
              "AND t.id NOT IN (SELECT p.\"order id\" FROM raw.\"order-lines\" AS p WHERE "
              "p.\"order id\" IS NOT NULL)");
    t = row("eph", "id", "not_null", NULL);
    check_sql("builtin/ephemeral_inlined", p, &t,
              "SELECT COUNT(*) AS failures FROM (SELECT id FROM analytics.orders WHERE amount > "
              "0) AS t WHERE t.id IS NULL");
    t = row("source:shop.orders", "id", "not_null", NULL);
    check_sql("builtin/source_node", p, &t,
              "SELECT COUNT(*) AS failures FROM raw.\"order-lines\" AS t WHERE t.id IS NULL");
    t = row("orders", "id", "not_null", NULL);
    t.config = "{\"where\": \"amount > 0\"}";
    check_sql("builtin/where", p, &t,
              "SELECT COUNT(*) AS failures FROM (SELECT * FROM analytics.orders WHERE amount > 0) "
              "AS t WHERE t.id IS NULL");
    t.config = "{\"where\": \"amount > {{ var('min') }}\"}";
    check_sql("builtin/where_rendered", p, &t,
              "SELECT COUNT(*) AS failures FROM (SELECT * FROM analytics.orders WHERE amount > 5) "
              "AS t WHERE t.id IS NULL");
}

static void test_builtin_errors(rs_project *p) {
    rs_datatest t;

    t = row("orders", NULL, "not_null", NULL);
    check_sql("builtin_err/no_column", p, &t, "rockset_test: test #7 has no column_name");
    t = row("order", "id", "not_null", NULL);
    check_sql("builtin_err/unknown_model", p, &t,
              "rockset_test: no model named 'order'; did you mean 'orders'?");
    t = row("zzzzzz", "id", "not_null", NULL);
    check_sql("builtin_err/unknown_model_far", p, &t, "rockset_test: no model named 'zzzzzz'");
    t = row("lam", "x", "not_null", NULL);
    check_sql("builtin_err/query_lambda", p, &t,
              "rockset_test: model 'lam' is a query lambda, which has no rows to test");
    t = row("source:shop.nope", "id", "not_null", NULL);
    check_sql("builtin_err/unknown_source", p, &t,
              "rockset_test: source('shop', 'nope') is not in rockset_sources");
    t = row("orders", "status", "accepted_values", NULL);
    check_sql("builtin_err/accepted_no_arg", p, &t,
              "rockset_test: accepted_values needs arg: a JSON list or {\"values\": [...]}");
    t = row("orders", "status", "accepted_values", "[]");
    check_sql("builtin_err/accepted_empty", p, &t,
              "rockset_test: accepted_values needs arg: a JSON list or {\"values\": [...]}");
    t = row("orders", "status", "accepted_values", "{\"vals\": [1]}");
    check_sql("builtin_err/accepted_no_values", p, &t,
              "rockset_test: accepted_values needs arg: a JSON list or {\"values\": [...]}");
    t = row("orders", "status", "accepted_values", "[[1]]");
    check_sql("builtin_err/accepted_nested", p, &t,
              "rockset_test: accepted_values takes strings, numbers and booleans");
    t = row("orders", "id", "relationships", "{\"to\": \"customers\"}");
    check_sql("builtin_err/relationships_no_field", p, &t,
              "rockset_test: relationships needs arg {\"to\": \"model\", \"field\": \"f\"}");
    t = row("orders", "id", "relationships", "{\"to\": \"source('shop')\", \"field\": \"id\"}");
    check_sql("builtin_err/relationships_bad_source", p, &t,
              "rockset_test: cannot read 'source('shop')'");
    t = row("orders", "id", "relationships", "{\"to\": \"source('x', 'y')\", \"field\": \"id\"}");
    check_sql("builtin_err/relationships_unknown_source", p, &t,
              "rockset_test: source('x', 'y') is not in rockset_sources");
    t = row("orders", "id", "relationships", "{\"to\": \"ref(nope)\", \"field\": \"id\"}");
    check_sql("builtin_err/relationships_bad_ref", p, &t, "rockset_test: cannot read 'ref(nope)'");
}

/* ---------------------------------------------------------------- generic, singular */

static void test_generic(rs_project *p) {
    rs_datatest t;

    t = row("orders", "amount", "positive", NULL);
    check_sql("generic/column", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT * FROM analytics.orders WHERE amount <= "
              "0\n) AS dbt_internal_test");
    t = row("orders", "amount", "positive", "{\"strict\": true, \"model\": \"x\", \"name\": 1}");
    check_sql("generic/kwargs_reserved_left_out", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT * FROM analytics.orders WHERE amount < "
              "0\n) AS dbt_internal_test");
    t.config = "{\"where\": \"id > 1\"}";
    check_sql("generic/where_subquery", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT * FROM (SELECT * FROM analytics.orders "
              "WHERE id > 1) AS dbt_subquery WHERE amount < 0\n) AS dbt_internal_test");
    t = row("orders", "id", "matches", "{\"other\": \"ref('customers')\"}");
    check_sql("generic/ref_argument", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT * FROM analytics.orders WHERE id NOT IN "
              "(SELECT id FROM analytics.customers)\n) AS dbt_internal_test");
    t = row("orders", "id", "matches", "{\"other\": \"source('shop', 'orders')\"}");
    check_sql("generic/source_argument", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT * FROM analytics.orders WHERE id NOT IN "
              "(SELECT id FROM raw.\"order-lines\")\n) AS dbt_internal_test");
    t = row("orders", NULL, "summed", NULL);
    check_sql("generic/fail_calc", p, &t,
              "SELECT SUM(n) AS failures FROM (\nSELECT COUNT(*) AS n FROM analytics.orders\n) AS "
              "dbt_internal_test");
    t = row("orders", NULL, "names", NULL);
    t.config = "{\"where\": \"id > 1\"}";
    check_sql("generic/model_parts_and_where", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT 'analytics' AS s, 'orders' AS n\n) AS "
              "dbt_internal_test");
    t = row("orders", "amount", "mini.in_range", "{\"min_value\": 2}");
    check_sql("generic/package", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT * FROM analytics.orders WHERE amount < "
              "2\n) AS dbt_internal_test");
    t = row("orders", NULL, "only_pkg", NULL);
    check_sql("generic/found_in_package", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT 1 AS x FROM analytics.orders\n) AS "
              "dbt_internal_test");
    t = row("orders", "amount", "one_of", "[1, 2]");
    check_sql("generic/list_arg_is_values", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nSELECT * FROM analytics.orders WHERE amount NOT "
              "IN (1, 2)\n) AS dbt_internal_test");
    t = row("orders", "amount", "in_range", "[1, 2]");
    check_sql("generic/list_arg_needs_values", p, &t,
              "test 'in_range_orders_amount' line 1 column 9: macro 'mini.test_in_range' got an "
              "unexpected keyword argument 'values'");
}

static void test_generic_errors(rs_project *p) {
    rs_datatest t;

    t = row("orders", "id", "no_such", NULL);
    check_sql("generic_err/no_macro", p, &t,
              "rockset_test: no generic test 'no_such': no macro test_no_such in rockset_macros "
              "(define {% test no_such(model, ...) %} in macros/)");
    t = row("orders", "id", "pkg.no_such", NULL);
    check_sql("generic_err/no_package_macro", p, &t,
              "rockset_test: no generic test 'pkg.no_such': no macro pkg.test_no_such in "
              "rockset_macros (import the package: dbt_packages/pkg)");
    t = row("orders", "id", "positive", "\"text\"");
    check_sql("generic_err/arg_not_object", p, &t, "rockset_test: arg must be a JSON object");
    t = row("orders", "id", "positive", "{nope");
    check_sql("generic_err/arg_not_json", p, &t, "rockset_test: arg must be a JSON object");
    t = row("orders", "id", "positive", "{\"a-b\": 1}");
    check_sql("generic_err/arg_not_a_name", p, &t, "rockset_test: argument 'a-b' is not a name");
}

static void test_singular(rs_project *p) {
    rs_datatest t;
    rs_datatest_config c;
    rs_datatest_plan plan;
    rs_err err;

    t = row("customers", NULL, "singular", NULL);
    t.name = "no_refunds";
    t.sql = "SELECT * FROM {{ ref('customers') }} JOIN {{ ref('eph') }} USING (id);\n";
    check_sql("singular/sql", p, &t,
              "SELECT COUNT(*) AS failures FROM (\nWITH __dbt__cte__eph AS (\nSELECT id FROM "
              "analytics.orders WHERE amount > 0\n)\nSELECT * FROM analytics.customers JOIN "
              "__dbt__cte__eph USING (id)\n) AS dbt_internal_test");
    memset(&plan, 0, sizeof(plan));
    rs_err_clear(&err);
    rs_datatest_config_parse(NULL, &c, &err);
    CHECK_INT("singular/compiles", rs_datatest_compile(p, &t, &c, "no_refunds", &plan, &err),
              RS_OK);
    CHECK_INT("singular/refs", plan.n_refs, 2);
    if (plan.n_refs == 2) {
        CHECK_STR("singular/ref0", plan.refs[0], "customers");
        CHECK_STR("singular/ref1", plan.refs[1], "eph");
    }
    CHECK("singular/no_target", plan.target.relation == NULL);
    rs_datatest_plan_free(&plan);
    t.sql = NULL;
    check_sql("singular/no_sql", p, &t, "rockset_test: singular test 'no_refunds' has no sql");
    t.sql = "SELECT {{ nope( }}";
    check_sql("singular/template_error", p, &t,
              "test 'no_refunds' line 1 column 17: expected an expression but found '}}'");
}

static void test_names(void) {
    rs_datatest t = row("orders", "id", "unique", NULL);
    rs_buf name = RS_BUF_INIT;
    char parent[64];

    rs_datatest_name(&t, &name);
    CHECK_STR("name/derived", rs_buf_cstr(&name), "unique_orders_id");
    rs_buf_reset(&name);
    t.column = NULL;
    rs_datatest_name(&t, &name);
    CHECK_STR("name/no_column", rs_buf_cstr(&name), "unique_orders_");
    rs_buf_reset(&name);
    t.name = "mine";
    rs_datatest_name(&t, &name);
    CHECK_STR("name/own", rs_buf_cstr(&name), "mine");
    rs_buf_free(&name);

    t = row("orders", "id", "relationships", "{\"to\": \"ref('customers')\", \"field\": \"id\"}");
    CHECK("parent/ref",
          rs_datatest_parent_model(&t, parent, sizeof(parent)) && strcmp(parent, "customers") == 0);
    t.arg = "{\"to\": \"customers\", \"field\": \"id\"}";
    CHECK("parent/name",
          rs_datatest_parent_model(&t, parent, sizeof(parent)) && strcmp(parent, "customers") == 0);
    t.arg = "{\"to\": \"source('shop', 'orders')\", \"field\": \"id\"}";
    CHECK("parent/source_none", !rs_datatest_parent_model(&t, parent, sizeof(parent)));
    t.arg = "{\"to\": \"customers\"}";
    CHECK("parent/bad_arg_none", !rs_datatest_parent_model(&t, parent, sizeof(parent)));
    t = row("orders", "id", "unique", "{\"to\": \"customers\", \"field\": \"id\"}");
    CHECK("parent/other_test_none", !rs_datatest_parent_model(&t, parent, sizeof(parent)));
}

/* ---------------------------------------------------------------- running (a fake host) */

typedef struct fake {
    rs_buf log;         /* one line per call */
    const char *failed; /* model whose latest build failed (run 3) */
    const char *skipped_model;
    long long failures; /* what every query counts */
    int query_fails;    /* the query's error */
    int build_io_fails; /* last_build fails */
} fake;

static int fake_last_build(void *ctx, const char *model, char *status, size_t size,
                           long long *run_id, rs_err *err) {
    fake *f = ctx;

    rs_buf_printf(&f->log, "last_build %s\n", model);
    if (f->build_io_fails)
        return rs_err_set(err, RS_EIO, "rockset_test: reading rockset_run_results failed: gone");
    *run_id = 3;
    if (f->failed != NULL && strcmp(model, f->failed) == 0)
        snprintf(status, size, "error");
    else if (f->skipped_model != NULL && strcmp(model, f->skipped_model) == 0)
        snprintf(status, size, "skipped");
    else
        snprintf(status, size, "success");
    return RS_OK;
}

static int fake_query(void *ctx, const char *sql, long long *failures, char **query_id,
                      rs_err *err) {
    fake *f = ctx;

    (void)sql;
    rs_buf_printf(&f->log, "query\n");
    if (f->query_fails)
        return rs_err_set(err, RS_EHTTP, "rockset: query failed: boom");
    *failures = f->failures;
    *query_id = strdup("q1");
    return RS_OK;
}

static void fake_start(void *ctx, const char *name, size_t seq, size_t total) {
    fake *f = ctx;

    rs_buf_printf(&f->log, "start %s %zu/%zu\n", name, seq, total);
}

static int fake_record(void *ctx, const char *name, const rs_datatest_outcome *o, size_t seq,
                       size_t total, rs_err *err) {
    fake *f = ctx;
    char text[200], status[64];

    (void)err;
    rs_datatest_progress(o, name, text, sizeof(text), status, sizeof(status));
    rs_buf_printf(&f->log, "record %zu/%zu %s|%s|%lld|%s|%s|%s|%s|%s\n", seq, total, name,
                  o->status, o->failures, o->message, o->relation ? o->relation : "NULL",
                  o->query_id ? o->query_id : "NULL", text,
                  strcmp(o->status, "skipped") == 0 ? status : "(timed)");
    return RS_OK;
}

/* Run tests through a fake host; the log, then a summary line. */
static char *run_log(rs_project *p, fake *f, const rs_datatest *tests, size_t n, const char *select,
                     int *rc_out) {
    rs_datatest_host host = {f, fake_last_build, fake_query, fake_start, fake_record};
    rs_datatest_summary s;
    rs_graph_sel *sel = NULL;
    rs_buf json = RS_BUF_INIT;
    rs_err err;
    size_t i;
    int rc;

    memset(&s, 0, sizeof(s));
    rs_err_clear(&err);
    rs_buf_reset(&f->log);
    rc = select ? rs_graph_select(rs_project_graph(p), select, NULL, &sel, &err) : RS_OK;
    if (rc == RS_OK)
        rc = rs_datatest_run(p, tests, n, sel, &host, &s, &err);
    rs_datatest_summary_json(9, &s, &json);
    rs_buf_printf(&f->log, "%s %s failing:", rc == RS_OK ? "ok" : err.msg, rs_buf_cstr(&json));
    for (i = 0; i < s.n_failing; i++)
        rs_buf_printf(&f->log, " %s", s.failing[i]);
    *rc_out = rc;
    rs_datatest_summary_free(&s);
    rs_graph_sel_free(sel);
    rs_buf_free(&json);
    return strdup(rs_buf_cstr(&f->log));
}

static void test_run(rs_project *p) {
    rs_datatest tests[6];
    fake f;
    char *log;
    int rc;

    memset(&f, 0, sizeof(f));
    tests[0] = row("orders", "id", "unique", NULL);
    tests[1] = row("customers", "id", "relationships", "{\"to\": \"orders\", \"field\": \"id\"}");
    tests[2] = row("customers", "id", "not_null", NULL);
    tests[2].config = "{\"severity\": \"warn\", \"store_failures\": true}";
    tests[2].name = "warned";
    tests[3] = row("customers", "id", "not_null", NULL);
    tests[3].config = "{\"enabled\": false}";
    tests[3].name = "off_by_config";
    tests[4] = row("customers", NULL, "singular", NULL);
    tests[4].name = "reads_eph";
    tests[4].sql = "SELECT * FROM {{ ref('eph') }}";
    tests[5] = row("customers", "id", "not_null", NULL);
    tests[5].config = "{\"error_if\": \">1\", \"warn_if\": \">0\", \"limit\": 1}";
    tests[5].name = "limited";
    f.failures = 2;
    log = run_log(p, &f, tests, 6, NULL, &rc);
    CHECK_STR(
        "run/all", log,
        "start unique_orders_id 1/6\n"
        "last_build orders\n"
        "query\n"
        "record 1/6 unique_orders_id|fail|2|unique(id) on orders: 2 failing "
        "rows|analytics.orders|q1|FAIL unique_orders_id|(timed)\n"
        "start relationships_customers_id 2/6\n"
        "last_build customers\n"
        "last_build orders\n"
        "query\n"
        "record 2/6 relationships_customers_id|fail|2|relationships(id) on customers: 2 "
        "failing rows|analytics.customers|q1|FAIL relationships_customers_id|(timed)\n"
        "start warned 3/6\n"
        "last_build customers\n"
        "query\n"
        "record 3/6 warned|warn|2|not_null(id) on customers: 2 failing rows (severity "
        "warn); store_failures is not supported and was ignored|analytics.customers|q1|WARN "
        "warned|(timed)\n"
        "start off_by_config 4/6\n"
        "record 4/6 off_by_config|skipped|-1|skipped: disabled by its "
        "config|NULL|NULL|SKIP test off_by_config|SKIP\n"
        "start reads_eph 5/6\n"
        "last_build customers\n"
        "last_build eph\n"
        "query\n"
        "record 5/6 reads_eph|fail|2|reads_eph: 2 failing rows|analytics.eph|q1|FAIL "
        "reads_eph|(timed)\n"
        "start limited 6/6\n"
        "last_build customers\n"
        "query\n"
        "record 6/6 limited|warn|1|not_null(id) on customers: 1 failing row (warn: warn_if "
        ">0 holds, error_if >1 does not)|analytics.customers|q1|WARN limited|(timed)\n"
        "ok "
        "{\"run_id\":9,\"tests\":6,\"pass\":0,\"fail\":3,\"warn\":2,\"error\":0,\"skipped\":1}"
        " failing: analytics.orders analytics.customers analytics.eph");
    free(log);

    /* skips: a failed model, a failed parent, a skipped model a singular test refs */
    f.failed = "orders";
    f.skipped_model = "eph";
    f.failures = 0;
    log = run_log(p, &f, tests, 2, NULL, &rc);
    CHECK_STR(
        "run/skips", log,
        "start unique_orders_id 1/2\n"
        "last_build orders\n"
        "record 1/2 unique_orders_id|skipped|-1|skipped: model 'orders' failed in run "
        "3|NULL|NULL|SKIP test unique_orders_id|SKIP\n"
        "start relationships_customers_id 2/2\n"
        "last_build customers\n"
        "last_build orders\n"
        "record 2/2 relationships_customers_id|skipped|-1|skipped: model 'orders' failed in "
        "run 3|NULL|NULL|SKIP test relationships_customers_id|SKIP\n"
        "ok "
        "{\"run_id\":9,\"tests\":2,\"pass\":0,\"fail\":0,\"warn\":0,\"error\":0,\"skipped\":2}"
        " failing:");
    free(log);
    log = run_log(p, &f, &tests[4], 1, NULL, &rc);
    CHECK_STR(
        "run/singular_ref_skipped", log,
        "start reads_eph 1/1\n"
        "last_build customers\n"
        "last_build eph\n"
        "record 1/1 reads_eph|skipped|-1|skipped: model 'eph' was skipped in run "
        "3|NULL|NULL|SKIP test reads_eph|SKIP\n"
        "ok "
        "{\"run_id\":9,\"tests\":1,\"pass\":0,\"fail\":0,\"warn\":0,\"error\":0,\"skipped\":1}"
        " failing:");
    free(log);
    rs_buf_free(&f.log);
}

static void test_run_not_ready_and_errors(rs_project *p) {
    rs_datatest tests[4];
    fake f;
    char *log;
    int rc;

    memset(&f, 0, sizeof(f));
    tests[0] = row("after_broken", "id", "not_null", NULL);
    tests[1] = row("off", "x", "not_null", NULL);
    tests[2] = row("orders", "id", "not_null", NULL);
    tests[2].config = "{\"limit\": \"x\"}";
    tests[3] = row("orders", "id", "not_null", NULL);
    f.query_fails = 1;
    log = run_log(p, &f, tests, 4, NULL, &rc);
    CHECK_STR(
        "run/not_ready_and_errors", log,
        "start not_null_after_broken_id 1/4\n"
        "record 1/4 not_null_after_broken_id|skipped|-1|skipped: model 'after_broken' "
        "depends on model 'broken', which has an error: model 'broken' line 1 column 17: "
        "expected an expression but found '}}'|NULL|NULL|SKIP test "
        "not_null_after_broken_id|SKIP\n"
        "start not_null_off_x 2/4\n"
        "record 2/4 not_null_off_x|skipped|-1|skipped: model 'off' is "
        "disabled|NULL|NULL|SKIP test not_null_off_x|SKIP\n"
        "start not_null_orders_id 3/4\n"
        "record 3/4 not_null_orders_id|error|-1|rockset_test: config 'limit' must be a "
        "whole number >= 0|NULL|NULL|ERROR not_null_orders_id|(timed)\n"
        "start not_null_orders_id 4/4\n"
        "last_build orders\n"
        "query\n"
        "record 4/4 not_null_orders_id|error|-1|rockset: query failed: "
        "boom|analytics.orders|NULL|ERROR not_null_orders_id|(timed)\n"
        "ok "
        "{\"run_id\":9,\"tests\":4,\"pass\":0,\"fail\":0,\"warn\":0,\"error\":2,\"skipped\":2}"
        " failing: analytics.orders");
    free(log);

    /* the host cannot read rockset_run_results: the run stops at the first test */
    f.query_fails = 0;
    f.build_io_fails = 1;
    log = run_log(p, &f, &tests[2], 2, NULL, &rc);
    CHECK_INT("run/host_error_rc", rc, RS_EIO);
    CHECK_STR(
        "run/host_error_stops", log,
        "start not_null_orders_id 1/2\n"
        "record 1/2 not_null_orders_id|error|-1|rockset_test: config 'limit' must be a "
        "whole number >= 0|NULL|NULL|ERROR not_null_orders_id|(timed)\n"
        "start not_null_orders_id 2/2\n"
        "last_build orders\n"
        "rockset_test: reading rockset_run_results failed: gone "
        "{\"run_id\":9,\"tests\":2,\"pass\":0,\"fail\":0,\"warn\":0,\"error\":1,\"skipped\":0}"
        " failing:"); /* the config error read nothing: no relation */
    free(log);
    rs_buf_free(&f.log);
}

static void test_run_selection(rs_project *p) {
    rs_datatest tests[3];
    fake f;
    char *log;
    int rc;

    memset(&f, 0, sizeof(f));
    tests[0] = row("orders", "id", "not_null", NULL);
    tests[1] = row("source:shop.orders", "id", "not_null", NULL);
    tests[2] = row("customers", "id", "not_null", NULL);
    log = run_log(p, &f, tests, 3, "customers", &rc);
    CHECK_STR(
        "run/selection", log,
        "start not_null_customers_id 1/1\n"
        "last_build customers\n"
        "query\n"
        "record 1/1 not_null_customers_id|pass|0|not_null(id) on customers: 0 failing "
        "rows|analytics.customers|q1|PASS not_null_customers_id|(timed)\n"
        "ok "
        "{\"run_id\":9,\"tests\":1,\"pass\":1,\"fail\":0,\"warn\":0,\"error\":0,\"skipped\":0}"
        " failing:");
    free(log);
    log = run_log(p, &f, &tests[1], 1, NULL, &rc);
    CHECK_STR(
        "run/source_test_unselected", log,
        "start not_null_source:shop.orders_id 1/1\n" /* a source has no builds */
        "query\n"
        "record 1/1 not_null_source:shop.orders_id|pass|0|not_null(id) on "
        "source:shop.orders: 0 failing rows|raw.\"order-lines\"|q1|PASS "
        "not_null_source:shop.orders_id|(timed)\n"
        "ok "
        "{\"run_id\":9,\"tests\":1,\"pass\":1,\"fail\":0,\"warn\":0,\"error\":0,\"skipped\":0}"
        " failing:");
    free(log);
    rs_buf_free(&f.log);
}

static void test_progress(void) {
    rs_datatest_outcome o;
    char text[64], status[32];

    memset(&o, 0, sizeof(o));
    o.status = "pass";
    o.elapsed_ms = 1234;
    rs_datatest_progress(&o, "t1", text, sizeof(text), status, sizeof(status));
    CHECK_STR("progress/pass_text", text, "PASS t1");
    CHECK_STR("progress/pass_status", status, "PASS in 1.23s");
    o.status = "skipped";
    rs_datatest_progress(&o, "t1", text, sizeof(text), status, sizeof(status));
    CHECK_STR("progress/skip_text", text, "SKIP test t1");
    CHECK_STR("progress/skip_status", status, "SKIP");
}

int main(void) {
    rs_project *p;
    rs_err err;

    test_config();
    test_verdict();
    test_names();
    test_progress();
    p = load(&err);
    CHECK_STR("load", p ? "ok" : err.msg, "ok");
    if (p != NULL) {
        test_builtin(p);
        test_builtin_errors(p);
        test_generic(p);
        test_generic_errors(p);
        test_singular(p);
        test_run(p);
        test_run_not_ready_and_errors(p);
        test_run_selection(p);
    }
    rs_project_free(p);
    TEST_DONE();
}
