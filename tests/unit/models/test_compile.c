/*
 * test_compile.c - unit tests of src/compile*.c: model settings (row, config JSON, config()),
 * ref/source/this/target/var/env_var rendering, ephemeral CTE inlining and merging, hooks,
 * lambda parameters, and the exact error texts. No network, no SQLite.
 */
#include "models/compile.h"
#include "models/graph.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define ROW(name_, sql_, kind_) \
    { (name_), (sql_), (kind_), NULL, NULL, NULL, NULL, NULL, 1, NULL }

static const rs_source_row sources[] = {
    {"shop", "customers", "raw", "customers"},
    {"shop", "orders", "raw", "order-lines"},
};

static const rs_var_row vars[] = {
    {"min_amount", "10"},
    {"regions", "[\"eu\", \"us\"]"},
    {"label", "not json"},
};

/* Load a project; NULL and err filled on failure. */
static rs_project *load(rs_model_row *rows, size_t n, const char *run_vars, rs_err *err) {
    rs_project_input in;
    rs_project *p = NULL;

    memset(&in, 0, sizeof(in));
    in.models = rows;
    in.n_models = n;
    in.sources = sources;
    in.n_sources = 2;
    in.vars = vars;
    in.n_vars = 3;
    in.run_vars_json = run_vars;
    in.workspace = "analytics";
    in.target_name = "dev";
    rs_err_clear(err);
    if (rs_project_load(&in, &p, err) != RS_OK)
        return NULL;
    return p;
}

/* Compiled SQL of the model `name` (is_incremental as given), or the error text. */
static char *compile_text(rs_project *p, const char *name, int incremental) {
    long idx = rs_graph_find(rs_project_graph(p), name);
    char *sql = NULL;
    rs_err err;

    rs_err_clear(&err);
    if (idx < 0)
        return strdup("no such model");
    if (rs_project_compile_sql(p, (size_t)idx, incremental, &sql, &err) != RS_OK)
        return strdup(err.msg);
    return sql;
}

static void check_sql(const char *name, rs_project *p, const char *model, int incremental,
                      const char *want) {
    char *got = compile_text(p, model, incremental);

    CHECK_STR(name, got, want);
    free(got);
}

static const rs_model_info *info(rs_project *p, const char *name) {
    long idx = rs_graph_find(rs_project_graph(p), name);

    return idx < 0 ? NULL : rs_project_model(p, (size_t)idx);
}

static void test_basic_project(void) {
    rs_model_row rows[] = {
        ROW("stg_customers", "SELECT id, name FROM {{ source('shop', 'customers') }};\n", "view"),
        ROW("eph_orders",
            "SELECT * FROM {{ source('shop', 'orders') }} WHERE amount > {{ var('min_amount') }}",
            "ephemeral"),
        ROW("eph_big", "SELECT customer_id, amount FROM {{ ref('eph_orders') }} WHERE amount > 100",
            "ephemeral"),
        ROW("totals",
            "{{ config(materialized='table', unique_key='customer_id') }}"
            "SELECT c.id AS customer_id, SUM(o.amount) AS total FROM {{ ref('stg_customers') }} c "
            "JOIN {{ ref('eph_big') }} o ON o.customer_id = c.id "
            "JOIN {{ ref('eph_orders') }} a ON a.customer_id = c.id GROUP BY c.id",
            "view"),
        ROW("with_own",
            "-- leading comment\nWITH t AS (SELECT 1 AS x) SELECT * FROM t, {{ ref('eph_orders') "
            "}}",
            "view"),
        ROW("incr",
            "SELECT * FROM {{ ref('stg_customers') }}"
            "{% if is_incremental() %} WHERE id > (SELECT MAX(id) FROM {{ this }}){% endif %}",
            "incremental"),
    };
    const rs_model_info *mi;
    rs_project *p;
    rs_compiled c;
    rs_err err;
    long idx;

    p = load(rows, 6, NULL, &err);
    CHECK_STR("basic/load", p ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    CHECK_INT("basic/count", rs_graph_count(rs_project_graph(p)), 6);
    check_sql("basic/source_and_trailing_semicolon", p, "stg_customers", 0,
              "SELECT id, name FROM raw.customers");
    check_sql("basic/ephemeral_alone_quoted_source", p, "eph_orders", 0,
              "SELECT * FROM raw.\"order-lines\" WHERE amount > 10");
    check_sql("basic/ephemeral_inlined_transitively", p, "totals", 0,
              "WITH __dbt__cte__eph_orders AS (\n"
              "SELECT * FROM raw.\"order-lines\" WHERE amount > 10\n),\n"
              "__dbt__cte__eph_big AS (\n"
              "SELECT customer_id, amount FROM __dbt__cte__eph_orders WHERE amount > 100\n)\n"
              "SELECT c.id AS customer_id, SUM(o.amount) AS total FROM analytics.stg_customers c "
              "JOIN __dbt__cte__eph_big o ON o.customer_id = c.id "
              "JOIN __dbt__cte__eph_orders a ON a.customer_id = c.id GROUP BY c.id");
    check_sql("basic/merged_with_own_with", p, "with_own", 0,
              "-- leading comment\nWITH __dbt__cte__eph_orders AS (\n"
              "SELECT * FROM raw.\"order-lines\" WHERE amount > 10\n),\n"
              "t AS (SELECT 1 AS x) SELECT * FROM t, __dbt__cte__eph_orders");
    check_sql("basic/incremental_off", p, "incr", 0, "SELECT * FROM analytics.stg_customers");
    check_sql("basic/incremental_on", p, "incr", 1,
              "SELECT * FROM analytics.stg_customers WHERE id > (SELECT MAX(id) FROM "
              "analytics.incr)");
    mi = info(p, "totals");
    CHECK("basic/config_overrides_kind", mi && mi->kind == RS_MAT_TABLE);
    CHECK("basic/unique_key",
          mi && mi->n_unique_key == 1 && strcmp(mi->unique_key[0], "customer_id") == 0);
    CHECK_STR("basic/relation", mi ? mi->relation : NULL, "analytics.totals");
    CHECK_STR("basic/merged_config", mi ? mi->config_json : NULL,
              "{\"materialized\":\"table\",\"unique_key\":\"customer_id\"}");

    idx = rs_graph_find(rs_project_graph(p), "incr");
    memset(&c, 0, sizeof(c));
    rs_err_clear(&err);
    CHECK_INT("basic/compile_incremental_rc", rs_project_compile(p, (size_t)idx, &c, &err), RS_OK);
    CHECK("basic/compile_both_variants",
          c.sql && c.sql_incremental && strcmp(c.sql, c.sql_incremental) != 0);
    rs_compiled_free(&c);
    rs_project_free(p);
}

static void test_settings(void) {
    rs_model_row rows[] = {
        {"m1", "SELECT 1", "table", "ops", "m_one", "a, b", "[\"nightly\"]",
         "{\"tags\": [\"core\", \"nightly\"], \"swap\": \"alias\", \"pre_hook\": \"SELECT 'pre {{ "
         "this }}'\","
         " \"post-hook\": [\"SELECT 1\", \"SELECT 2\"]}",
         1, "the first"},
        {"m2", "{{ config(workspace='other', alias='two', enabled=false) }}SELECT 2", NULL, NULL,
         NULL, "[\"x\"]", NULL, NULL, 1, NULL},
        {"lam", "SELECT * FROM t WHERE n > :limit", "query_lambda", NULL, NULL, NULL, NULL,
         "{\"parameters\": {\"limit\": 10, \"name\": \"x\", \"big\": 9007199254740993}}", 1, NULL},
        {"lam2", "{{ config(parameters=[{'name': 'n', 'type': 'int', 'value': '5'}]) }}SELECT :n",
         "query_lambda", NULL, NULL, NULL, NULL, NULL, 1, NULL},
        {"m3", "{{ config(ratio=0.1, huge=1e400, nested={'a': [1.5, none]}) }}SELECT 3", NULL, NULL,
         NULL, NULL, NULL, NULL, 1, NULL},
        {"m4", "SELECT 4", "table", NULL, NULL, NULL, NULL, "{\"swap\": \"none\"}", 1, NULL},
        {"m5", "SELECT 5", "table", NULL, NULL, NULL, NULL, "{\"swap\": false}", 1, NULL},
    };
    const rs_model_info *mi;
    rs_project *p;
    rs_compiled c;
    rs_err err;

    p = load(rows, 7, NULL, &err);
    CHECK_STR("settings/load", p ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    mi = info(p, "m1");
    CHECK_STR("settings/row_workspace_alias", mi ? mi->relation : NULL, "ops.m_one");
    CHECK("settings/comma_unique_key",
          mi && mi->n_unique_key == 2 && strcmp(mi->unique_key[1], "b") == 0);
    CHECK("settings/tags_merged_once", mi && mi->n_tags == 2 &&
                                           strcmp(mi->tags[0], "nightly") == 0 &&
                                           strcmp(mi->tags[1], "core") == 0);
    CHECK_INT("settings/swap", mi ? mi->swap_alias : -1, 1);
    CHECK_STR("settings/description", mi ? mi->description : NULL, "the first");
    memset(&c, 0, sizeof(c));
    rs_err_clear(&err);
    CHECK_INT("settings/compile_hooks",
              rs_project_compile(p, (size_t)rs_graph_find(rs_project_graph(p), "m1"), &c, &err),
              RS_OK);
    CHECK_INT("settings/n_pre", c.n_pre_hooks, 1);
    CHECK_STR("settings/pre_rendered", c.n_pre_hooks ? c.pre_hooks[0] : NULL,
              "SELECT 'pre ops.m_one'");
    CHECK_INT("settings/n_post_dashed_key", c.n_post_hooks, 2);
    rs_compiled_free(&c);

    mi = info(p, "m2");
    CHECK_STR("settings/config_names", mi ? mi->relation : NULL, "other.two");
    CHECK_INT("settings/config_disabled", mi ? mi->enabled : -1, 0);
    CHECK("settings/json_unique_key", mi && mi->n_unique_key == 1);
    CHECK_INT("settings/default_kind", mi ? (int)mi->kind : -1, RS_MAT_VIEW);
    CHECK_INT("settings/swap_alias_by_default", mi ? mi->swap_alias : -1, 1);
    mi = info(p, "m4");
    CHECK_INT("settings/swap_none", mi ? mi->swap_alias : -1, 0);
    mi = info(p, "m5");
    CHECK_INT("settings/swap_false", mi ? mi->swap_alias : -1, 0);

    mi = info(p, "lam");
    CHECK_STR("settings/params_object", mi ? mi->params_json : NULL,
              "[{\"name\":\"limit\",\"type\":\"int\",\"value\":\"10\"},"
              "{\"name\":\"name\",\"type\":\"string\",\"value\":\"x\"},"
              "{\"name\":\"big\",\"type\":\"int\",\"value\":\"9007199254740993\"}]");
    mi = info(p, "lam2");
    CHECK_STR("settings/params_list_from_config_call", mi ? mi->params_json : NULL,
              "[{\"name\":\"n\",\"type\":\"int\",\"value\":\"5\"}]");
    /* config() values reach the merged config as valid JSON: shortest floats, null for inf. */
    mi = info(p, "m3");
    CHECK_STR("settings/config_floats_are_json", mi ? mi->config_json : NULL,
              "{\"ratio\":0.1,\"huge\":null,\"nested\":{\"a\":[1.5,null]}}");
    rs_project_free(p);
}

static void test_render_values(void) {
    rs_model_row rows[] = {
        ROW("t", "{{ target.name }} {{ target.workspace }} {{ this.name }} {{ this.workspace }}",
            "view"),
        ROW("v",
            "{% for r in var('regions') %}{{ r }}{% if not loop.last %},{% endif %}{% endfor %}"
            " {{ var('label') }} {{ var('missing', 'dflt') }} {{ var('run_only') }}",
            "view"),
        ROW("e", "{{ env_var('RS_TEST_COMPILE_ENV') }}-{{ env_var('RS_NOPE_NOT_SET', 'd') }}",
            "view"),
        ROW("order", "SELECT 1", "table"),
        ROW("q", "SELECT * FROM {{ ref('order') }}", "view"),
    };
    rs_project *p;
    rs_err err;

    setenv("RS_TEST_COMPILE_ENV", "from-env", 1);
    p = load(rows, 5, "{\"run_only\": 42, \"min_amount\": 1}", &err);
    CHECK_STR("render/load", p ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    check_sql("render/target_and_this", p, "t", 0, "dev analytics t analytics");
    check_sql("render/vars", p, "v", 0, "eu,us not json dflt 42");
    check_sql("render/env_var", p, "e", 0, "from-env-d");
    check_sql("render/ref_reserved_word_quoted", p, "q", 0, "SELECT * FROM analytics.\"order\"");
    rs_project_free(p);
}

static void check_load_error(const char *name, rs_model_row *rows, size_t n, const char *want) {
    rs_project *p;
    rs_err err;

    p = load(rows, n, NULL, &err);
    CHECK_STR(name, p ? "loaded" : err.msg, want);
    rs_project_free(p);
}

/* The project loads, model `model` fails alone: its load error and its compile error are want. */
static void check_model_error(const char *name, rs_model_row *rows, size_t n, const char *model,
                              const char *want) {
    char label[200];
    const rs_err *e;
    rs_project *p;
    rs_err err;
    long idx;

    p = load(rows, n, NULL, &err);
    if (p == NULL) {
        CHECK_STR(name, err.msg, "(loaded)");
        return;
    }
    idx = rs_graph_find(rs_project_graph(p), model);
    e = idx >= 0 ? rs_project_model_error(p, (size_t)idx) : NULL;
    snprintf(label, sizeof(label), "%s/load_error", name);
    CHECK_STR(label, e ? e->msg : "(no error)", want);
    snprintf(label, sizeof(label), "%s/compile_error", name);
    check_sql(label, p, model, 0, want);
    rs_project_free(p);
}

static void check_compile_error(const char *name, rs_model_row *rows, size_t n, const char *model,
                                const char *want) {
    rs_project *p;
    rs_err err;

    p = load(rows, n, NULL, &err);
    if (p == NULL) {
        CHECK_STR(name, err.msg, "(loaded)");
        return;
    }
    check_sql(name, p, model, 0, want);
    rs_project_free(p);
}

static void test_errors(void) {
    rs_model_row unknown_ref[] = {ROW("a", "SELECT 1", "view"),
                                  ROW("b", "SELECT * FROM {{ ref('aa') }}", "view")};
    rs_model_row cycle[] = {ROW("a", "SELECT * FROM {{ ref('b') }}", "view"),
                            ROW("b", "SELECT * FROM {{ ref('a') }}", "view")};
    rs_model_row bad_kind[] = {ROW("a", "{{ config(materialized='archive') }}SELECT 1", "view")};
    rs_model_row bad_type[] = {ROW("a", "{{ config(alias=3) }}SELECT 1", "view")};
    rs_model_row config_array[] = {
        {"a", "SELECT 1", "view", NULL, NULL, NULL, NULL, "[1]", 1, NULL}};
    rs_model_row config_bad_json[] = {
        {"a", "SELECT 1", "view", NULL, NULL, NULL, NULL, "{\"x\":", 1, NULL}};
    rs_model_row bad_tags[] = {
        {"a", "SELECT 1", "view", NULL, NULL, NULL, "{\"x\": 1}", NULL, 1, NULL}};
    rs_model_row bad_params[] = {
        {"a", "SELECT 1", "query_lambda", NULL, NULL, NULL, NULL, "{\"parameters\": 3}", 1, NULL}};
    rs_model_row bad_swap[] = {
        {"a", "SELECT 1", "table", NULL, NULL, NULL, NULL, "{\"swap\": \"yes\"}", 1, NULL}};
    rs_model_row syntax[] = {ROW("a", "SELECT {{ 1 +", "view")};
    rs_model_row no_name[] = {ROW("a", "SELECT 1", "view"), ROW(NULL, "SELECT 1", "view")};
    rs_model_row bad_source[] = {ROW("a", "SELECT * FROM {{ source('shop', 'nope') }}", "view")};
    rs_model_row bad_var[] = {ROW("a", "SELECT {{ var('nope') }}", "view")};
    rs_model_row key_var[] = {ROW("a", "SELECT '{{ env_var('ROCKSET_APIKEY') }}'", "view")};
    rs_model_row unset_env[] = {ROW("a", "SELECT '{{ env_var('RS_NOPE_NOT_SET') }}'", "view")};
    rs_model_row unknown_fn[] = {ROW("a", "SELECT {{ reff('x') }}", "view")};

    check_model_error("errors/unknown_ref", unknown_ref, 2, "b",
                      "model 'b' refers to unknown model 'aa' (ref('aa')); did you mean 'a'?");
    check_load_error("errors/cycle", cycle, 2, "dependency cycle: a -> b -> a");
    check_model_error("errors/bad_kind", bad_kind, 1, "a",
                      "model 'a': unknown materialization 'archive' (use view, table, "
                      "incremental, ephemeral, query_lambda, snapshot or rollup)");
    check_model_error("errors/bad_config_type", bad_type, 1, "a",
                      "model 'a': config 'alias' must be a string");
    check_model_error("errors/config_column_not_object", config_array, 1, "a",
                      "model 'a': rockset_models.config must be a JSON object");
    check_model_error("errors/config_column_not_json", config_bad_json, 1, "a",
                      "model 'a': rockset_models.config must be a JSON object");
    check_model_error("errors/bad_tags", bad_tags, 1, "a",
                      "model 'a': rockset_models.tags must be a JSON array of strings");
    check_model_error("errors/bad_params", bad_params, 1, "a",
                      "model 'a': config 'parameters' must be a list of {name, type, value} or "
                      "an object of name: value");
    check_model_error("errors/bad_swap", bad_swap, 1, "a",
                      "model 'a': config 'swap' must be 'alias' (the default) or 'none'");
    check_load_error("errors/no_name", no_name, 2, "model #2 has no name");
    check_compile_error("errors/unknown_source", bad_source, 1, "a",
                        "model 'a' line 1 column 18: source('shop', 'nope') is not in "
                        "rockset_sources");
    check_compile_error("errors/unset_var", bad_var, 1, "a",
                        "model 'a' line 1 column 11: var('nope') is not set (add it to "
                        "rockset_vars or the run's vars, or give a default)");
    check_model_error("errors/api_key_env_var_refused_at_load", key_var, 1, "a",
                      "model 'a' line 1 column 12: env_var('ROCKSET_APIKEY') is not available "
                      "to models: it holds the API key");
    check_compile_error("errors/unset_env_var", unset_env, 1, "a",
                        "model 'a' line 1 column 12: env_var('RS_NOPE_NOT_SET') is not set and "
                        "has no default");
    check_compile_error("errors/unknown_function", unknown_fn, 1, "a",
                        "model 'a' line 1 column 11: unknown function 'reff'");
    check_model_error("errors/syntax_names_model_and_line", syntax, 1, "a",
                      "model 'a' line 1 column 8: unclosed '{{'");
    {
        rs_project *p;
        rs_err err;
        p = load(unknown_ref, 1, "[1]", &err);
        CHECK_STR("errors/run_vars_not_object", p ? "loaded" : err.msg,
                  "the run's vars must be a JSON object");
        rs_project_free(p);
    }
}

/* rs_project_compile of model: its sql and input_sql joined by " | ", or the error. */
static char *compiled_text(rs_project *p, const char *model) {
    long idx = rs_graph_find(rs_project_graph(p), model);
    rs_buf b = RS_BUF_INIT;
    rs_compiled c;
    rs_err err;

    memset(&c, 0, sizeof(c));
    rs_err_clear(&err);
    if (idx < 0)
        return strdup("no such model");
    if (rs_project_compile(p, (size_t)idx, &c, &err) != RS_OK)
        return strdup(err.msg);
    rs_buf_printf(&b, "%s | %s", c.sql, c.input_sql ? c.input_sql : "(no input)");
    rs_compiled_free(&c);
    return rs_buf_detach(&b);
}

static void check_compiled(const char *name, rs_project *p, const char *model, const char *want) {
    char *got = compiled_text(p, model);

    CHECK_STR(name, got, want);
    free(got);
}

/* Rollups: the one relation read becomes _input, and is handed over for the fill. */
static void test_rollup(void) {
    rs_model_row rows[] = {
        ROW("stg", "SELECT * FROM {{ source('shop', 'customers') }}", "view"),
        ROW("eph", "SELECT * FROM {{ source('shop', 'customers') }}", "ephemeral"),
        ROW("by_region",
            "{{ config(materialized='rollup', retention_secs=86400) }}"
            "SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM {{ source('shop', 'orders') }}"
            " WHERE amount > {{ var('min_amount') }} GROUP BY region;\n",
            "view"),
        ROW("twice",
            "SELECT k, COUNT(*) AS n FROM {{ ref('stg') }} WHERE k IN ('{{ ref('stg').identifier "
            "}}') GROUP BY k",
            "rollup"),
        ROW("two", "SELECT k FROM {{ ref('stg') }} JOIN {{ source('shop', 'orders') }} USING (k)",
            "rollup"),
        ROW("none", "SELECT 1 AS one", "rollup"),
        ROW("of_eph", "SELECT k, COUNT(*) AS n FROM {{ ref('eph') }} GROUP BY k", "rollup"),
        ROW("hooked",
            "{{ config(post_hook='SELECT COUNT(*) FROM {{ ref(\"stg\") }}') }}"
            "SELECT k, COUNT(*) AS n FROM {{ ref('stg') }} GROUP BY k",
            "rollup"),
    };
    const rs_model_info *mi;
    char *sql = NULL, *input = NULL;
    rs_project *p;
    rs_compiled c;
    rs_err err;

    p = load(rows, 8, NULL, &err);
    CHECK_STR("rollup/load", p ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    mi = info(p, "by_region");
    CHECK_INT("rollup/kind_from_config", mi ? (int)mi->kind : -1, RS_MAT_ROLLUP);
    CHECK("rollup/retention",
          mi && mi->collection.has_retention_secs && mi->collection.retention_secs == 86400);
    CHECK("rollup/no_config_transformation", mi && mi->collection.field_mapping_sql == NULL);
    check_compiled("rollup/source_becomes_input", p, "by_region",
                   "SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM _input WHERE amount "
                   "> 10 GROUP BY region | raw.\"order-lines\"");
    check_sql("rollup/compile_sql_is_a_query_of_its_rows", p, "by_region", 0,
              "SELECT region, COUNT(*) AS n, SUM(amount) AS total FROM raw.\"order-lines\" WHERE "
              "amount > 10 GROUP BY region");
    check_compiled("rollup/one_relation_named_twice", p, "twice",
                   "SELECT k, COUNT(*) AS n FROM _input WHERE k IN ('stg') GROUP BY k | "
                   "analytics.stg");
    check_compiled("rollup/two_relations", p, "two",
                   "model 'two' line 1 column 40: a rollup reads exactly one relation (one ref() "
                   "or source()), this one reads ref('stg') and source('shop', 'orders')");
    check_compiled("rollup/none", p, "none",
                   "model 'none': a rollup reads exactly one relation (one ref() or source()), "
                   "this one reads none");
    check_compiled("rollup/ephemeral", p, "of_eph",
                   "model 'of_eph' line 1 column 33: ref('eph') is an ephemeral model: a rollup "
                   "reads a relation that exists on Rockset (a source, or a model that is not "
                   "ephemeral)");
    memset(&c, 0, sizeof(c));
    rs_err_clear(&err);
    CHECK_INT("rollup/hooks_rc",
              rs_project_compile(p, (size_t)rs_graph_find(rs_project_graph(p), "hooked"), &c, &err),
              RS_OK);
    CHECK_STR("rollup/hooks_read_the_relation", c.n_post_hooks ? c.post_hooks[0] : NULL,
              "SELECT COUNT(*) FROM analytics.stg");
    CHECK_STR("rollup/hooked_sql", c.sql, "SELECT k, COUNT(*) AS n FROM _input GROUP BY k");
    rs_compiled_free(&c);
    /* any model compiled as a rollup (rockset_materialize(m, 'rollup')) */
    rs_err_clear(&err);
    CHECK_INT("rollup/any_kind_rc",
              rs_project_compile_rollup(p, (size_t)rs_graph_find(rs_project_graph(p), "stg"), &sql,
                                        &input, &err),
              RS_OK);
    CHECK_STR("rollup/any_kind_sql", sql, "SELECT * FROM _input");
    CHECK_STR("rollup/any_kind_input", input, "raw.customers");
    free(sql);
    free(input);
    check_compiled("rollup/table_has_no_input", p, "stg",
                   "SELECT * FROM raw.customers | (no input)");
    rs_project_free(p);
}

/* field_mapping_query, retention_secs, event_time_info in a model's config. */
static void test_collection_config(void) {
    rs_model_row rows[] = {
        {"t", "SELECT 1 AS x", "table", NULL, NULL, NULL, NULL,
         "{\"field_mapping_query\": \"SELECT *, 1 AS seen FROM _input\", \"retention_secs\": "
         "3600, \"event_time_info\": {\"field\": \"ts\", \"format\": "
         "\"seconds_since_epoch\"}}",
         1, NULL},
        ROW("inc", "{{ config(materialized='incremental', retention_secs=7200) }}SELECT 1 AS x",
            "view"),
        ROW("plain", "SELECT 1 AS x", "table"),
    };
    rs_model_row text_secs[] = {ROW("a", "{{ config(retention_secs='3600') }}SELECT 1", "table")};
    rs_model_row zero_secs[] = {ROW("a", "{{ config(retention_secs=0) }}SELECT 1", "table")};
    rs_model_row real_secs[] = {ROW("a", "{{ config(retention_secs=1.5) }}SELECT 1", "table")};
    rs_model_row fmq_object[] = {{"a", "SELECT 1", "table", NULL, NULL, NULL, NULL,
                                  "{\"field_mapping_query\": {\"sql\": \"SELECT * FROM _input\"}}",
                                  1, NULL}};
    rs_model_row eti_text[] = {
        ROW("a", "{{ config(event_time_info='ts') }}SELECT 1", "incremental")};
    rs_model_row on_view[] = {ROW("a", "{{ config(retention_secs=3600) }}SELECT 1", "view")};
    rs_model_row on_snapshot[] = {
        ROW("a", "{{ config(event_time_info={'field': 'ts'}) }}SELECT 1", "snapshot")};
    rs_model_row fmq_on_rollup[] = {
        ROW("a",
            "{{ config(field_mapping_query='SELECT * FROM _input') }}SELECT * FROM {{ "
            "source('shop', 'orders') }}",
            "rollup")};
    const rs_model_info *mi;
    rs_project *p;
    rs_err err;

    p = load(rows, 3, NULL, &err);
    CHECK_STR("collcfg/load", p ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    mi = info(p, "t");
    CHECK_STR("collcfg/sql", mi ? mi->collection.field_mapping_sql : NULL,
              "SELECT *, 1 AS seen FROM _input");
    CHECK("collcfg/retention",
          mi && mi->collection.has_retention_secs && mi->collection.retention_secs == 3600);
    CHECK_STR("collcfg/event_time_info", mi ? mi->collection.event_time_info_json : NULL,
              "{\"field\": \"ts\", \"format\": \"seconds_since_epoch\"}");
    mi = info(p, "inc");
    CHECK("collcfg/from_config_call", mi && mi->collection.has_retention_secs &&
                                          mi->collection.retention_secs == 7200 &&
                                          mi->collection.field_mapping_sql == NULL);
    mi = info(p, "plain");
    CHECK("collcfg/none", mi && !mi->collection.has_retention_secs &&
                              mi->collection.field_mapping_sql == NULL &&
                              mi->collection.event_time_info_json == NULL);
    rs_project_free(p);

    check_model_error("collcfg/retention_text", text_secs, 1, "a",
                      "model 'a': config 'retention_secs' must be a positive integer (seconds), "
                      "got text");
    check_model_error("collcfg/retention_zero", zero_secs, 1, "a",
                      "model 'a': config 'retention_secs' must be a positive integer (seconds), "
                      "got 0");
    check_model_error("collcfg/retention_real", real_secs, 1, "a",
                      "model 'a': config 'retention_secs' must be a positive integer (seconds), "
                      "got real");
    check_model_error("collcfg/fmq_object", fmq_object, 1, "a",
                      "model 'a': config 'field_mapping_query' must be a string (the "
                      "transformation's SQL), got object");
    check_model_error("collcfg/event_time_info_text", eti_text, 1, "a",
                      "model 'a': config 'event_time_info' must be an object, got text");
    check_model_error("collcfg/on_a_view", on_view, 1, "a",
                      "model 'a': config 'retention_secs' applies to models that make a "
                      "collection (table, incremental, rollup), not to materialized = 'view'");
    check_model_error("collcfg/on_a_snapshot", on_snapshot, 1, "a",
                      "model 'a': config 'event_time_info' applies to models that make a "
                      "collection (table, incremental, rollup), not to materialized = "
                      "'snapshot'");
    check_model_error("collcfg/transformation_of_a_rollup", fmq_on_rollup, 1, "a",
                      "model 'a': config 'field_mapping_query' does not apply to a rollup: the "
                      "model's SQL is its transformation");
}

/* Names of the models a selector picks, space-separated, or the error. */
static char *selected_names(rs_project *p, const char *select, const char *exclude) {
    const rs_graph *g = rs_project_graph(p);
    rs_graph_sel *sel = NULL;
    rs_buf b = RS_BUF_INIT;
    char *text;
    rs_err err;
    size_t i;

    rs_err_clear(&err);
    if (rs_graph_select(g, select, exclude, &sel, &err) != RS_OK)
        return strdup(err.msg);
    for (i = 0; i < rs_graph_count(g); i++) {
        if (rs_graph_sel_has(sel, i))
            rs_buf_printf(&b, "%s%s", b.len ? " " : "", rs_graph_name(g, i));
    }
    rs_graph_sel_free(sel);
    text = rs_buf_detach(&b);
    return text ? text : strdup("");
}

static void check_selected(const char *name, rs_project *p, const char *select, const char *exclude,
                           const char *want) {
    char *got = selected_names(p, select, exclude);

    CHECK_STR(name, got, want);
    free(got);
}

static long blocked_by(rs_project *p, const char *name) {
    long idx = rs_graph_find(rs_project_graph(p), name);

    return idx < 0 ? -2 : rs_project_blocked_by(p, (size_t)idx);
}

/* One model that cannot be read fails alone; its descendants are blocked; the rest compiles. */
static void test_isolation(void) {
    rs_model_row rows[] = {
        ROW("a", "SELECT 1 AS x", "view"),
        {"b", "SELECT * FROM {{ ref('a') }", "table", NULL, NULL, NULL, "[\"daily\"]", NULL, 1,
         NULL},
        ROW("c", "SELECT * FROM {{ ref('b') }}", "view"),
        ROW("d", "SELECT * FROM {{ ref('c') }} JOIN {{ ref('a') }}", "view"),
        ROW("e", "SELECT * FROM {{ ref('a') }}", "view"),
        ROW("f", "SELECT d FROM {{ dbt.date_spine('day' '2024-01-01', '2024-02-01') }}", "view"),
        {"g", "SELECT {{ broken", "view", NULL, NULL, NULL, NULL, NULL, 0, NULL},
        {"h", "{% if %}", "view", NULL, NULL, NULL, NULL, "{\"enabled\": false}", 1, NULL},
        ROW("i", "SELECT * FROM {{ ref('g') }}", "view"),
        ROW("j", "SELECT * FROM {{ ref('ee') }}", "view"),
        ROW("k", "SELECT * FROM {{ ref('j') }}", "view"),
        {"l", "SELECT * FROM {{ ref('a') }}", "view", NULL, NULL, NULL, NULL, "[1]", 1, NULL},
        ROW("m", "SELECT {{ reff('x') }} FROM {{ ref('a') }}", "view"),
        ROW("n", "SELECT * FROM {{ ref('m') }}", "view"),
        {"o", "SELECT 1", "view", NULL, NULL, NULL, NULL, "{\"enabled\": true}", 0, NULL},
    };
    const rs_graph *g;
    const size_t *list;
    size_t n_list;
    rs_project *p;
    rs_err err;

    p = load(rows, sizeof(rows) / sizeof(rows[0]), NULL, &err);
    CHECK_STR("isolate/load_goes_on", p ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    g = rs_project_graph(p);
    check_sql("isolate/good_model_compiles", p, "a", 0, "SELECT 1 AS x");
    check_sql("isolate/sibling_compiles", p, "e", 0, "SELECT * FROM analytics.a");
    check_sql("isolate/syntax_error_names_model_line_column", p, "b", 0,
              "model 'b' line 1 column 15: unclosed '{{'");
    check_sql("isolate/child_blocked", p, "c", 0,
              "model 'c' depends on model 'b', which has an error: model 'b' line 1 column 15: "
              "unclosed '{{'");
    check_sql("isolate/grandchild_blocked", p, "d", 0,
              "model 'd' depends on model 'b', which has an error: model 'b' line 1 column 15: "
              "unclosed '{{'");
    check_sql("isolate/dbt_namespace_call", p, "f", 0,
              "model 'f' line 1 column 39: expected ',' or ')' but found a string");
    check_sql("isolate/disabled_row_not_parsed", p, "g", 0, "model 'g' is disabled");
    check_sql("isolate/disabled_by_config_json_not_parsed", p, "h", 0, "model 'h' is disabled");
    CHECK("isolate/disabled_has_no_error",
          rs_project_model_error(p, (size_t)rs_graph_find(g, "g")) == NULL &&
              rs_project_model_error(p, (size_t)rs_graph_find(g, "h")) == NULL);
    check_sql("isolate/enabled_by_config_json_over_column", p, "o", 0, "SELECT 1");
    check_sql("isolate/ref_to_disabled_fails_alone", p, "i", 0,
              "model 'i' refers to disabled model 'g'");
    check_sql("isolate/unknown_ref_fails_alone", p, "j", 0,
              "model 'j' refers to unknown model 'ee' (ref('ee')); did you mean 'e'?");
    check_sql("isolate/child_of_bad_ref_blocked", p, "k", 0,
              "model 'k' depends on model 'j', which has an error: model 'j' refers to unknown "
              "model 'ee' (ref('ee')); did you mean 'e'?");
    check_sql("isolate/config_error", p, "l", 0,
              "model 'l': rockset_models.config must be a JSON object");
    /* A render error is not a load error: the model fails when compiled, its child compiles. */
    CHECK("isolate/render_error_not_at_load",
          rs_project_model_error(p, (size_t)rs_graph_find(g, "m")) == NULL);
    check_sql("isolate/render_error", p, "m", 0,
              "model 'm' line 1 column 11: unknown function 'reff'");
    check_sql("isolate/child_of_render_error_compiles", p, "n", 0, "SELECT * FROM analytics.m");
    CHECK_INT("isolate/blocked_by_b", blocked_by(p, "d"), rs_graph_find(g, "b"));
    CHECK_INT("isolate/failed_not_blocked", blocked_by(p, "b"), -1);
    CHECK_INT("isolate/good_not_blocked", blocked_by(p, "e"), -1);

    /* Edges: none to the parents of an unreadable template, the children's are known; a
     * config error keeps the refs. */
    rs_graph_parents(g, (size_t)rs_graph_find(g, "b"), &list, &n_list);
    CHECK_INT("isolate/unreadable_has_no_parents", n_list, 0);
    rs_graph_children(g, (size_t)rs_graph_find(g, "b"), &list, &n_list);
    CHECK("isolate/unreadable_has_children",
          n_list == 1 && list[0] == (size_t)rs_graph_find(g, "c"));
    rs_graph_parents(g, (size_t)rs_graph_find(g, "l"), &list, &n_list);
    CHECK("isolate/config_error_keeps_refs",
          n_list == 1 && list[0] == (size_t)rs_graph_find(g, "a"));
    check_selected("isolate/select_ancestors_of_unreadable", p, "+b", NULL, "b");
    check_selected("isolate/select_descendants", p, "b+", NULL, "b c d");
    check_selected("isolate/tag_from_row", p, "tag:daily", NULL, "b");
    check_selected("isolate/disabled_never_selected", p, "g h", NULL, "");
    check_selected("isolate/exclude", p, "a+", "c+", "a e l m n");
    rs_project_free(p);
}

static void test_merge_helpers(void) {
    static const char *const names[] = {"__dbt__cte__a"};
    static const char *const bodies[] = {"SELECT 1;  \n"};
    rs_buf b = RS_BUF_INIT;

    rs_compile_merge_ctes(&b, "SELECT 2 ;", NULL, NULL, 0);
    CHECK_STR("merge/none_trims", rs_buf_cstr(&b), "SELECT 2");
    rs_buf_reset(&b);
    rs_compile_merge_ctes(&b, "/* c */ with x AS (SELECT 3) SELECT * FROM x", names, bodies, 1);
    CHECK_STR("merge/lowercase_with_after_comment", rs_buf_cstr(&b),
              "/* c */ WITH __dbt__cte__a AS (\nSELECT 1\n),\nx AS (SELECT 3) SELECT * FROM x");
    rs_buf_reset(&b);
    rs_compile_merge_ctes(&b, "SELECT * FROM withdrawals", names, bodies, 1);
    CHECK_STR("merge/with_prefix_of_word_is_not_with", rs_buf_cstr(&b),
              "WITH __dbt__cte__a AS (\nSELECT 1\n)\nSELECT * FROM withdrawals");
    rs_buf_free(&b);
}

/* rs_project_render_text: a test's template with the project's names and its own. */
static void test_render_text(void) {
    rs_model_row rows[] = {
        ROW("a", "SELECT 1 AS id", "table"),
        ROW("e", "SELECT id FROM {{ ref('a') }}", "ephemeral"),
    };
    rs_render_names names = {
        "(SELECT * FROM analytics.a WHERE id > 0) AS dbt_subquery", "analytics", "a",
        "{\"column_name\": \"id\", \"__rs_args\": {\"n\": 3}}",     NULL,        NULL};
    char *sql = NULL, **refs = NULL;
    size_t n_refs = 0, i;
    rs_project *p;
    rs_err err;

    p = load(rows, sizeof(rows) / sizeof(rows[0]), NULL, &err);
    if (p == NULL) {
        CHECK_STR("render_text/load", err.msg, "ok");
        return;
    }
    CHECK_INT("render_text/names",
              rs_project_render_text(p, "t1",
                                     "select {{ column_name }} from {{ model }} where "
                                     "{{ model.schema }}.{{ model.name }} > {{ __rs_args['n'] }} "
                                     "and {{ target.name }} = '{{ var('min_amount') }}'",
                                     &names, &sql, &refs, &n_refs, &err),
              RS_OK);
    CHECK_STR("render_text/names_sql", sql,
              "select id from (SELECT * FROM analytics.a WHERE id > 0) AS dbt_subquery where "
              "analytics.a > 3 and dev = '10'");
    CHECK_INT("render_text/no_refs", n_refs, 0);
    free(sql);
    sql = NULL;
    CHECK_INT("render_text/refs",
              rs_project_render_text(p, "t2", "select * from {{ ref('e') }} join {{ ref('a') }}",
                                     NULL, &sql, &refs, &n_refs, &err),
              RS_OK);
    CHECK_STR("render_text/ephemeral_as_cte", sql,
              "WITH __dbt__cte__e AS (\nSELECT id FROM analytics.a\n)\nselect * from "
              "__dbt__cte__e join analytics.a");
    CHECK_INT("render_text/refs_count", n_refs, 2);
    CHECK_STR("render_text/refs_first", n_refs > 0 ? refs[0] : NULL, "e");
    for (i = 0; i < n_refs; i++)
        free(refs[i]);
    free(refs);
    free(sql);
    sql = NULL;
    rs_err_clear(&err);
    CHECK_INT("render_text/error",
              rs_project_render_text(p, "t3", "select {{ this }}", NULL, &sql, NULL, NULL, &err),
              RS_EINVAL);
    CHECK_STR("render_text/error_names_test", err.msg,
              "test 't3' line 1 column 11: unknown name 'this'");
    CHECK_INT("render_text/has_macro", rs_project_has_macro(p, "", "test_nope"), 0);
    rs_project_free(p);
}

int main(void) {
    test_basic_project();
    test_settings();
    test_render_values();
    test_errors();
    test_rollup();
    test_collection_config();
    test_isolation();
    test_merge_helpers();
    test_render_text();
    TEST_DONE();
}
