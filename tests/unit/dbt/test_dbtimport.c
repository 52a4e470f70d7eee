/*
 * test_dbtimport.c - unit tests of the dbt project reader (src/dbtimport*.c): CSV seeds,
 * then a small project written into a temporary folder (models in folders with configs from
 * dbt_project.yml, property files, sources, tests, vars, seeds), then errors with their files,
 * lines and columns. No network, no SQLite.
 */
#include "dbt/dbtimport.h"
#include "projfiles.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmp_root[256];

/* A fresh project folder under tmp_root. */
static const char *project_dir(const char *name) {
    static char dir[400];

    snprintf(dir, sizeof(dir), "%s/%s", tmp_root, name);
    mkdir(dir, 0755);
    return dir;
}

static const rs_dbt_model *model(const rs_dbt_project *p, const char *name) {
    size_t i;

    for (i = 0; i < p->n_models; i++)
        if (strcmp(p->models[i].name, name) == 0)
            return &p->models[i];
    return NULL;
}

/* ---------------------------------------------------------------- CSV */

static void test_csv_basics(void) {
    const char *text = "\xEF\xBB\xBFid,name,score,zip,note,empty\r\n"
                       "1,\"Smith, Ann\",2.5,02134,\"say \"\"hi\"\"\",\r\n"
                       "\r\n"
                       "-7,Bob,3,10001,\"two\nlines\",\r\n"
                       "42,,1e3,99999,x,";
    rs_dbt_seed seed;
    rs_err err;

    memset(&seed, 0, sizeof(seed));
    rs_err_clear(&err);
    CHECK_INT("csv_parse_ok", rs_dbt_csv_parse("seeds/s.csv", text, strlen(text), &seed, &err),
              RS_OK);
    CHECK_INT("csv_columns", seed.n_columns, 6);
    CHECK_INT("csv_rows_blank_line_skipped", seed.n_rows, 3);
    if (seed.n_columns != 6 || seed.n_rows != 3)
        return;
    CHECK_STR("csv_header_bom_stripped", seed.columns[0], "id");
    CHECK_STR("csv_header_last", seed.columns[5], "empty");
    CHECK_STR("csv_type_int", rs_dbt_type_name(seed.types[0]), "INTEGER");
    CHECK_STR("csv_type_text_with_empty", rs_dbt_type_name(seed.types[1]), "TEXT");
    CHECK_STR("csv_type_real", rs_dbt_type_name(seed.types[2]), "REAL");
    CHECK_STR("csv_type_leading_zero_is_text", rs_dbt_type_name(seed.types[3]), "TEXT");
    CHECK_STR("csv_type_all_empty_is_text", rs_dbt_type_name(seed.types[5]), "TEXT");
    CHECK_STR("csv_quoted_comma", seed.cells[1], "Smith, Ann");
    CHECK_STR("csv_doubled_quotes", seed.cells[4], "say \"hi\"");
    CHECK_STR("csv_quoted_newline", seed.cells[6 + 4], "two\nlines");
    CHECK_STR("csv_negative_int", seed.cells[6], "-7");
    CHECK("csv_empty_cell_is_null", seed.cells[12 + 1] == NULL && seed.cells[5] == NULL);
    CHECK_STR("csv_last_line_without_newline", seed.cells[12 + 4], "x");
    rs_dbt_seed_clear(&seed);
    CHECK("csv_clear_empties", seed.cells == NULL && seed.columns == NULL && seed.n_rows == 0);
}

static void csv_error(const char *name, const char *text, const char *want, int line) {
    rs_dbt_seed seed;
    rs_err err;
    char label[128];

    memset(&seed, 0, sizeof(seed));
    rs_err_clear(&err);
    snprintf(label, sizeof(label), "%s_code", name);
    CHECK_INT(label, rs_dbt_csv_parse("seeds/x.csv", text, strlen(text), &seed, &err), RS_EINVAL);
    snprintf(label, sizeof(label), "%s_message", name);
    CHECK_STR(label, err.msg, want);
    snprintf(label, sizeof(label), "%s_line", name);
    CHECK_INT(label, err.line, line);
    snprintf(label, sizeof(label), "%s_left_empty", name);
    CHECK(label, seed.columns == NULL && seed.cells == NULL && seed.types == NULL);
}

static void test_csv_errors(void) {
    csv_error("csv_field_count", "a,b\n1,2\n1,2,3\n",
              "seeds/x.csv line 3: 3 fields, but the header has 2", 3);
    csv_error("csv_one_field", "a,b\n1,2\n\n7\n",
              "seeds/x.csv line 4: 1 field, but the header has 2", 4);
    csv_error("csv_unclosed_quote", "a,b\n1,\"open\n2\n",
              "seeds/x.csv line 2 column 3: a quoted field is never closed", 2);
    csv_error("csv_after_quote", "a,b\n\"x\"y,2\n",
              "seeds/x.csv line 2 column 4: unexpected character after a closing quote", 2);
    csv_error("csv_empty_file", "",
              "seeds/x.csv line 1: the file is empty: a seed needs a header row", 1);
    csv_error("csv_duplicate_header", "a,b,a\n1,2,3\n",
              "seeds/x.csv line 1: duplicate header column 'a'", 1);
    csv_error("csv_unnamed_header", "a,,c\n", "seeds/x.csv line 1: header column 2 has no name", 1);
}

static void test_csv_types(void) {
    const char *text = "big,huge,real,sign,text\n"
                       "9223372036854775807,9223372036854775808,.5,+3,1.2.3\n"
                       "0,1,-0.25e-3,-0,abc\n";
    rs_dbt_seed seed;
    rs_err err;

    memset(&seed, 0, sizeof(seed));
    rs_err_clear(&err);
    CHECK_INT("csv_types_parse", rs_dbt_csv_parse("s.csv", text, strlen(text), &seed, &err), RS_OK);
    if (seed.n_columns != 5)
        return;
    CHECK_STR("csv_type_int64_max", rs_dbt_type_name(seed.types[0]), "INTEGER");
    CHECK_STR("csv_type_int64_overflow_is_real", rs_dbt_type_name(seed.types[1]), "REAL");
    CHECK_STR("csv_type_fraction_forms", rs_dbt_type_name(seed.types[2]), "REAL");
    CHECK_STR("csv_type_signed_ints", rs_dbt_type_name(seed.types[3]), "INTEGER");
    CHECK_STR("csv_type_not_a_number", rs_dbt_type_name(seed.types[4]), "TEXT");
    rs_dbt_seed_clear(&seed);
}

/* ---------------------------------------------------------------- a project */

static const char project_yml[] = "name: shop\n"
                                  "profile: rockset\n"
                                  "model-paths: [\"models\"]\n"
                                  "vars:\n"
                                  "  start_date: '2024-01-01'\n"
                                  "  limit: 10\n"
                                  "  big: 9007199254740993\n"
                                  "  flags: {on: yes, list: [1, 2.5, ~, \"x\"]}\n"
                                  "  shop:\n"
                                  "    limit: 20\n"
                                  "models:\n"
                                  "  +tags: all\n"
                                  "  shop:\n"
                                  "    +materialized: view\n"
                                  "    staging:\n"
                                  "      +materialized: table\n"
                                  "      +tags: [staging]\n"
                                  "      +schema: raw_ws\n"
                                  "      stg_payments:\n"
                                  "        +enabled: false\n"
                                  "    marts:\n"
                                  "      materialized: incremental\n"
                                  "      +unique_key: [id, day]\n"
                                  "      +pre-hook: \"SELECT 1\"\n"
                                  "      +swap: alias\n"
                                  "      meta: {owner: ann}\n"
                                  "  other_pkg:\n"
                                  "    +materialized: ephemeral\n";

static const char schema_yml[] =
    "version: 2\n"
    "models:\n"
    "  - name: customers\n"
    "    description: One row per customer.\n"
    "    config:\n"
    "      tags: [pii]\n"
    "    columns:\n"
    "      - name: id\n"
    "        tests: [unique, not_null]\n"
    "      - name: status\n"
    "        data_tests:\n"
    "          - accepted_values:\n"
    "              values: ['active', 'gone', 3]\n"
    "      - name: order_id\n"
    "        tests:\n"
    "          - relationships: {to: \"ref('stg_orders')\", field: id}\n"
    "          - relationships:\n"
    "              arguments: {to: \"source('shop', 'orders')\", field: id}\n"
    "          - dbt_utils.expression_is_true: {expression: '> 0'}\n"
    "    tests:\n"
    "      - unique: {column_name: email}\n"
    "  - name: ghost\n"
    "    description: no file\n"
    "sources:\n"
    "  - name: shop\n"
    "    schema: raw\n"
    "    tables:\n"
    "      - name: orders\n"
    "        identifier: orders_2024\n"
    "      - name: customers\n"
    "        columns:\n"
    "          - name: id\n"
    "            tests: [unique]\n"
    "  - name: events\n"
    "    tables: [{name: clicks}]\n"
    "  - name: legacy\n"
    "    database: old_ws\n"
    "    tables: [{name: t}]\n";

static void write_project(const char *dir) {
    put_file(dir, "dbt_project.yml", project_yml);
    put_file(dir, "models/top.sql", "SELECT 1 AS one\n");
    put_file(dir, "models/staging/stg_orders.sql",
             "{{ config(tags=['orders'], alias='orders_v') }}\n"
             "SELECT * FROM {{ source('shop', 'orders') }}\n");
    put_file(dir, "models/staging/stg_payments.sql", "SELECT 2 AS two\n");
    put_file(dir, "models/marts/customers.sql",
             "{{ config(materialized='table', unique_key='id') }}\n"
             "SELECT * FROM {{ ref('stg_orders') }}\n");
    put_file(dir, "models/marts/dyn.sql", "{{ config(materialized=var('kind')) }}\nSELECT 3\n");
    put_file(dir, "models/bad.sql", "SELECT {{ oops( }}\n");
    put_file(dir, "models/schema.yml", schema_yml);
    put_file(dir, "models/py_model.py", "def model(dbt, session): pass\n");
    put_file(dir, "models/.hidden/skip.sql", "SELECT 'hidden'\n");
    put_file(dir, "seeds/countries.csv", "code,name,pop\nFR,France,68.1\nDE,Germany,84\n");
    put_file(dir, "seeds/nested/zips.csv", "zip\n02134\n");
    put_file(dir, "seeds/readme.txt", "not a seed\n");
    put_file(dir, "macros/cents.sql", "{% macro cents(x) %}{{ x }} * 100{% endmacro %}\n");
    put_file(dir, "macros/more/money.sql",
             "{# helpers #}\n{% macro to_dollars(col, scale=2) -%}\n  ({{ col }} / 100)\n"
             "{%- endmacro %}\n{% test positive(model, column_name) %}\nselect * from {{ model }}"
             " where {{ column_name }} < 0\n{% endtest %}\n"
             "{% macro cents(y) %}again{% endmacro %}\n");
    put_file(dir, "macros/broken.sql", "{% macro nope( %}\n");
    put_file(dir, "macros/notes.md", "{% macro not_sql() %}{% endmacro %}\n");
    put_file(dir, "dbt_packages/util/dbt_project.yml", "name: util\n");
    put_file(dir, "dbt_packages/util/macros/sql/shout.sql",
             "{% macro shout(s) %}{{ s | upper }}{% endmacro %}\n"
             "{% macro default__cents(x) %}{{ x }}00{% endmacro %}\n");
    put_file(dir, "dbt_packages/util/models/ignored.sql", "{% macro ignored() %}{% endmacro %}\n");
}

static void check_macros(const rs_dbt_project *p) {
    CHECK_INT("macros_count", p->n_macros, 5);
    if (p->n_macros != 5)
        return;
    CHECK_STR("macro0_name", p->macros[0].name, "cents");
    CHECK_STR("macro0_package", p->macros[0].package, "");
    CHECK_STR("macro0_args", p->macros[0].args, "x");
    CHECK_STR("macro0_body", p->macros[0].body, "{{ x }} * 100");
    CHECK_STR("macro0_path", p->macros[0].path, "macros/cents.sql");
    CHECK_STR("macro1_name", p->macros[1].name, "positive");
    CHECK_INT("macro1_is_test", p->macros[1].is_test, 1);
    CHECK_STR("macro1_body", p->macros[1].body,
              "\nselect * from {{ model }} where {{ column_name }} < 0\n");
    CHECK_STR("macro2_name", p->macros[2].name, "to_dollars");
    CHECK_STR("macro2_args", p->macros[2].args, "col, scale=2");
    CHECK_STR("macro2_body_trimmed", p->macros[2].body, "({{ col }} / 100)");
    CHECK_STR("macro3_package", p->macros[3].package, "util");
    CHECK_STR("macro3_name", p->macros[3].name, "default__cents");
    CHECK_STR("macro4_name", p->macros[4].name, "shout");
    CHECK_STR("macro4_path", p->macros[4].path, "dbt_packages/util/macros/sql/shout.sql");
}

static void check_models(const rs_dbt_project *p) {
    const rs_dbt_model *m;

    CHECK_INT("project_models_count", p->n_models, 6);
    CHECK_STR("models_sorted_first", p->n_models ? p->models[0].name : NULL, "bad");
    m = model(p, "top");
    CHECK("top_found", m != NULL);
    if (m == NULL)
        return;
    CHECK_STR("top_path", m->path, "models/top.sql");
    CHECK_STR("top_sql", m->sql, "SELECT 1 AS one\n");
    CHECK_STR("top_materialized_from_project", m->materialized, "view");
    CHECK_STR("top_tags_root", m->tags_json, "[\"all\"]");
    CHECK("top_no_config", m->config_json == NULL && m->workspace == NULL && m->enabled == 1);
    m = model(p, "stg_orders");
    CHECK_STR("stg_orders_folder_materialized", m ? m->materialized : NULL, "table");
    CHECK_STR("stg_orders_schema_is_workspace", m ? m->workspace : NULL, "raw_ws");
    CHECK_STR("stg_orders_tags_add_up", m ? m->tags_json : NULL,
              "[\"all\",\"staging\",\"orders\"]");
    CHECK_STR("stg_orders_sql_config_alias", m ? m->alias : NULL, "orders_v");
    CHECK("stg_orders_sql_kept", m && strncmp(m->sql, "{{ config(", 10) == 0);
    m = model(p, "stg_payments");
    CHECK_INT("stg_payments_disabled_by_model_key", m ? m->enabled : -1, 0);
    m = model(p, "customers");
    CHECK_STR("customers_sql_config_wins", m ? m->materialized : NULL, "table");
    CHECK_STR("customers_sql_unique_key_wins", m ? m->unique_key : NULL, "id");
    CHECK_STR("customers_tags_from_yml_config", m ? m->tags_json : NULL, "[\"all\",\"pii\"]");
    CHECK_STR("customers_description", m ? m->description : NULL, "One row per customer.");
    CHECK_STR("customers_other_config", m ? m->config_json : NULL,
              "{\"pre_hook\":\"SELECT 1\",\"swap\":\"alias\",\"meta\":{\"owner\":\"ann\"}}");
    m = model(p, "dyn");
    CHECK_STR("dyn_non_literal_config_left_to_compiler", m ? m->materialized : NULL, "incremental");
    CHECK_STR("dyn_unique_key_list_joined", m ? m->unique_key : NULL, "id, day");
    m = model(p, "bad");
    CHECK_STR("bad_template_still_imported", m ? m->sql : NULL, "SELECT {{ oops( }}\n");
}

static void check_rest(const rs_dbt_project *p) {
    size_t i;

    CHECK_STR("project_name", p->name, "shop");
    CHECK_STR("project_profile", p->profile, "rockset");
    CHECK_INT("vars_count", p->n_vars, 4);
    if (p->n_vars == 4) {
        CHECK_STR("var_big_name", p->vars[0].name, "big");
        CHECK_STR("var_big_exact", p->vars[0].value_json, "9007199254740993");
        CHECK_STR("var_dict", p->vars[1].value_json, "{\"on\":true,\"list\":[1,2.5,null,\"x\"]}");
        CHECK_STR("var_scoped_wins", p->vars[2].value_json, "20");
        CHECK_STR("var_quoted_string", p->vars[3].value_json, "\"2024-01-01\"");
    }
    CHECK_INT("sources_count", p->n_sources, 4);
    if (p->n_sources == 4) {
        CHECK_STR("source_default_workspace_is_name", p->sources[0].workspace, "events");
        CHECK_STR("source_default_collection_is_name", p->sources[0].collection, "clicks");
        CHECK_STR("source_database_as_workspace", p->sources[1].workspace, "old_ws");
        CHECK_STR("source_sorted", p->sources[2].name, "customers");
        CHECK_STR("source_schema", p->sources[3].workspace, "raw");
        CHECK_STR("source_identifier", p->sources[3].collection, "orders_2024");
    }
    CHECK_INT("tests_count", p->n_tests, 7);
    if (p->n_tests == 7) {
        CHECK_STR("test_model_level_column_name", p->tests[0].column, "email");
        CHECK_STR("test_unique", p->tests[1].test, "unique");
        CHECK_STR("test_not_null_column", p->tests[2].column, "id");
        CHECK_STR("test_accepted_values_arg", p->tests[3].arg_json, "[\"active\",\"gone\",3]");
        CHECK_STR("test_relationships_ref", p->tests[4].arg_json,
                  "{\"to\":\"stg_orders\",\"field\":\"id\"}");
        CHECK_STR("test_relationships_arguments_source", p->tests[5].arg_json,
                  "{\"to\":\"source('shop', 'orders')\",\"field\":\"id\"}");
        CHECK_STR("test_model", p->tests[5].model, "customers");
        CHECK_STR("test_default_name", p->tests[1].name, "unique_customers_id");
        CHECK_STR("test_on_source_node", p->tests[6].model, "source:shop.customers");
        CHECK_STR("test_on_source_name", p->tests[6].name, "source_unique_shop_customers_id");
    }
    CHECK_INT("seeds_count", p->n_seeds, 2);
    if (p->n_seeds == 2) {
        CHECK_STR("seed_name", p->seeds[0].name, "countries");
        CHECK_STR("seed_nested_path", p->seeds[1].path, "seeds/nested/zips.csv");
        CHECK_INT("seed_rows", p->seeds[0].n_rows, 2);
        CHECK_STR("seed_real_column", rs_dbt_type_name(p->seeds[0].types[2]), "REAL");
    }
    for (i = 0; i < p->n_warnings; i++)
        printf("  warning: %s\n", p->warnings[i]);
    CHECK_INT("warnings_count", p->n_warnings, 6);
    if (p->n_warnings == 6) {
        CHECK_STR("warn_python", p->warnings[0],
                  "models/py_model.py: Python models are not supported; skipped");
        CHECK_STR("warn_no_sql_file", p->warnings[1],
                  "models/schema.yml line 22 column 5: model 'ghost' has no .sql file; its "
                  "properties are skipped");
        CHECK_STR(
            "warn_bad_template", p->warnings[2],
            "models/bad.sql: model 'bad' line 1 column 17: expected an expression but found '}}'; "
            "its config() was not read");
        CHECK_STR("warn_macro_file", p->warnings[3],
                  "macros/broken.sql: not imported: file 'macros/broken.sql' line 1 column 16: "
                  "expected a parameter name but found '%}'");
        CHECK_STR("warn_macro_twice", p->warnings[4],
                  "macros/more/money.sql: line 8: macro 'cents' is already defined in "
                  "macros/cents.sql; skipped");
        CHECK_STR("warn_package_test_not_installed", p->warnings[5],
                  "models/schema.yml line 19 column 13: test 'dbt_utils.expression_is_true' on "
                  "'customers': package 'dbt_utils' has no test 'expression_is_true' (is it "
                  "installed under dbt_packages/?); skipped");
    }
    check_macros(p);
}

static void test_project(void) {
    const char *dir = project_dir("shop");
    rs_dbt_project *p = NULL;
    rs_dbt_options no_seeds = {0};
    rs_err err;

    write_project(dir);
    rs_err_clear(&err);
    CHECK_INT("project_load_ok", rs_dbt_load(dir, NULL, &p, &err), RS_OK);
    if (p == NULL) {
        printf("  error: %s\n", err.msg);
        return;
    }
    check_models(p);
    check_rest(p);
    rs_dbt_free(p);
    p = NULL;
    CHECK_INT("project_load_without_seeds", rs_dbt_load(dir, &no_seeds, &p, &err), RS_OK);
    CHECK_INT("no_seeds_read", p ? p->n_seeds : 99, 0);
    rs_dbt_free(p);
    rs_dbt_free(NULL);
}

/* ---------------------------------------------------------------- errors */

static void load_error(const char *name, const char *file, const char *text, const char *want,
                       int line, int column) {
    char label[128], dir_name[64];
    const char *dir;
    rs_dbt_project *p = NULL;
    rs_err err;

    snprintf(dir_name, sizeof(dir_name), "err_%s", name);
    dir = project_dir(dir_name);
    if (strcmp(file, "dbt_project.yml") != 0)
        put_file(dir, "dbt_project.yml", "name: e\n");
    put_file(dir, "models/m.sql", "SELECT 1\n");
    put_file(dir, file, text);
    rs_err_clear(&err);
    snprintf(label, sizeof(label), "%s_fails", name);
    CHECK(label, rs_dbt_load(dir, NULL, &p, &err) != RS_OK && p == NULL);
    snprintf(label, sizeof(label), "%s_message", name);
    CHECK_STR(label, err.msg, want);
    snprintf(label, sizeof(label), "%s_position", name);
    CHECK(label, err.line == line && err.column == column);
}

/* materialized 'rollup' (this project's, not dbt-rockset's) and the collection keys come over. */
static void test_rollup(void) {
    const char *dir = project_dir("rollup");
    const rs_dbt_model *m;
    rs_dbt_project *p = NULL;
    rs_err err;

    put_file(dir, "dbt_project.yml",
             "name: r\nmodels:\n  r:\n    rollups:\n      +materialized: rollup\n"
             "      +retention_secs: 86400\n");
    put_file(dir, "models/rollups/by_kind.sql",
             "SELECT kind, COUNT(*) AS n FROM {{ source('raw', 'events') }} GROUP BY kind\n");
    put_file(dir, "models/lit.sql",
             "{{ config(materialized='rollup') }}\nSELECT k FROM {{ ref('by_kind') }}\n");
    rs_err_clear(&err);
    CHECK_STR("rollup/load", rs_dbt_load(dir, NULL, &p, &err) == RS_OK ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    m = model(p, "by_kind");
    CHECK_STR("rollup/folder_materialized", m ? m->materialized : NULL, "rollup");
    CHECK_STR("rollup/retention_in_config", m ? m->config_json : NULL,
              "{\"retention_secs\":86400}");
    m = model(p, "lit");
    CHECK_STR("rollup/sql_config_materialized", m ? m->materialized : NULL, "rollup");
    rs_dbt_free(p);
}

static void test_errors(void) {
    char want[600];
    const char *dir = project_dir("empty");
    rs_dbt_project *p = NULL;
    rs_err err;

    rs_err_clear(&err);
    snprintf(want, sizeof(want),
             "'%s' is not a dbt project: %s/dbt_project.yml does not exist or cannot be read", dir,
             dir);
    CHECK_INT("no_project_file", rs_dbt_load(dir, NULL, &p, &err), RS_EINVAL);
    CHECK_STR("no_project_file_message", err.msg, want);
    load_error("yaml_syntax", "dbt_project.yml", "name: x\nmodels:\n  a: [1, 2\n",
               "dbt_project.yml line 4 column 1: did not find expected ',' or ']' while parsing a "
               "flow sequence",
               4, 1);
    load_error("no_name", "dbt_project.yml", "version: 2\n",
               "dbt_project.yml line 1 column 1: the project needs a 'name'", 1, 1);
    load_error("bad_materialized", "dbt_project.yml",
               "name: e\nmodels:\n  e:\n    +materialized: snapshot\n",
               "dbt_project.yml line 4 column 20: '+materialized' must be one of view, table, "
               "incremental, ephemeral, query_lambda, rollup (not 'snapshot')",
               4, 20);
    load_error("bad_paths", "dbt_project.yml", "name: e\nmodel-paths: models\n",
               "dbt_project.yml line 2 column 14: 'model-paths' must be a list of strings", 2, 14);
    load_error("bad_enabled", "models/s.yml",
               "models:\n  - name: m\n    config: {enabled: maybe}\n",
               "models/s.yml line 3 column 23: 'enabled' must be true or false", 3, 23);
    load_error("accepted_values_without_values", "models/s.yml",
               "models:\n  - name: m\n    columns:\n      - name: c\n        tests:\n"
               "          - accepted_values: {quote: false}\n",
               "models/s.yml line 6 column 13: test 'accepted_values' needs values: [...]", 6, 13);
    load_error("entry_without_name", "models/s.yml", "sources:\n  - schema: raw\n",
               "models/s.yml line 2 column 5: a sources: entry needs a 'name' string", 2, 5);
    load_error("bad_seed", "seeds/s.csv", "a,b\n1\n",
               "seeds/s.csv line 2: 1 field, but the header has 2", 2, 0);
    load_error("reserved_seed_name", "seeds/rockset_models.csv", "a\n1\n",
               "seeds/rockset_models.csv: a seed may not be called 'rockset_models' (rockset_* and "
               "sqlite_* tables belong to the extension and SQLite)",
               0, 0);
    dir = project_dir("dup");
    put_file(dir, "dbt_project.yml", "name: d\n");
    put_file(dir, "models/a/x.sql", "SELECT 1\n");
    put_file(dir, "models/b/x.sql", "SELECT 2\n");
    p = NULL;
    CHECK_INT("duplicate_model", rs_dbt_load(dir, NULL, &p, &err), RS_EINVAL);
    CHECK_STR("duplicate_model_message", err.msg,
              "models/b/x.sql: model name 'x' is already used by models/a/x.sql (a model's name "
              "is its file name, unique in the project)");
}

/* ---------------------------------------------------------------- Jinja in YAML */

static const char render_project_yml[] = "name: rend\n"
                                         "vars:\n"
                                         "  flag: false\n"
                                         "  t: orders_v2\n"
                                         "models:\n"
                                         "  rend:\n"
                                         "    +schema: \"{{ target.schema }}_{{ target.name }}\"\n"
                                         "    +post-hook: \"{{ log('kept as written') }}\"\n"
                                         "    off:\n"
                                         "      +enabled: \"{{ var('flag') }}\"\n"
                                         "    on:\n"
                                         "      +enabled: \"{{ var('missing', true) }}\"\n"
                                         "      +tags: [\"{{ 'from_' ~ target.type }}\", \"{{ "
                                         "env_var('RS_TEST_RENDER_TAG', 'x') }}\"]\n";

static const char render_props_yml[] = "version: 2\n"
                                       "models:\n"
                                       "  - name: a\n"
                                       "    description: \"{{ doc('not_rendered') }}\"\n"
                                       "    columns:\n"
                                       "      - name: id\n"
                                       "        tests:\n"
                                       "          - my_range: {max_value: \"{{ 2 * 21 }}\"}\n"
                                       "sources:\n"
                                       "  - name: raw\n"
                                       "    schema: \"{{ target.schema }}\"\n"
                                       "    tables:\n"
                                       "      - name: base\n"
                                       "        identifier: \"{{ var('t', 'base') }}\"\n";

static void test_yaml_render(void) {
    const char *dir = project_dir("render");
    rs_dbt_options opts;
    rs_dbt_project *p = NULL;
    const rs_dbt_model *m;
    rs_err err;

    put_file(dir, "dbt_project.yml", render_project_yml);
    put_file(dir, "models/off/a.sql", "SELECT 1 AS id\n");
    put_file(dir, "models/on/b.sql", "SELECT 2 AS id\n");
    put_file(dir, "models/props.yml", render_props_yml);
    put_file(dir, "macros/t.sql",
             "{% test my_range(model, column_name, max_value) %}"
             "select 1{% endtest %}\n");
    memset(&opts, 0, sizeof(opts));
    opts.target_name = "prod";
    opts.target_schema = "analytics";
    rs_err_clear(&err);
    setenv("RS_TEST_RENDER_TAG", "env_tag", 1);
    CHECK_INT("render_load", rs_dbt_load(dir, &opts, &p, &err), RS_OK);
    if (p == NULL) {
        printf("  error: %s\n", err.msg);
        return;
    }
    m = model(p, "a");
    CHECK_STR("render_target_in_schema", m ? m->workspace : NULL, "analytics_prod");
    CHECK_INT("render_false_string_is_boolean", m ? m->enabled : -1, 0);
    CHECK_STR("render_hook_kept", m ? m->config_json : NULL,
              "{\"post_hook\":\"{{ log('kept as written') }}\"}");
    CHECK_STR("render_description_kept", m ? m->description : NULL, "{{ doc('not_rendered') }}");
    m = model(p, "b");
    CHECK_INT("render_default_true", m ? m->enabled : -1, 1);
    CHECK_STR("render_list_items", m ? m->tags_json : NULL, "[\"from_rockset\",\"env_tag\"]");
    CHECK_STR("render_source_schema", p->n_sources ? p->sources[0].workspace : NULL, "analytics");
    CHECK_STR("render_source_identifier", p->n_sources ? p->sources[0].collection : NULL,
              "orders_v2");
    CHECK_STR("render_test_argument_number", p->n_tests ? p->tests[0].arg_json : NULL,
              "{\"max_value\":42}");
    rs_dbt_free(p);
    p = NULL;
    /* without options: target "default", workspace "commons" */
    CHECK_INT("render_no_options", rs_dbt_load(dir, NULL, &p, &err), RS_OK);
    m = p ? model(p, "a") : NULL;
    CHECK_STR("render_default_target", m ? m->workspace : NULL, "commons_default");
    rs_dbt_free(p);
    p = NULL;
    put_file(dir, "models/props.yml",
             "version: 2\nsources:\n  - name: raw\n    schema: \"{{ var('nope') }}\"\n");
    CHECK_INT("render_error", rs_dbt_load(dir, &opts, &p, &err), RS_EINVAL);
    CHECK_STR("render_error_names_file_line_column", err.msg,
              "models/props.yml line 4 column 13: cannot render \"{{ var('nope') }}\": var('nope') "
              "is not set (give a default or add it to vars: in dbt_project.yml)");
    put_file(
        dir, "models/props.yml",
        "version: 2\nsources:\n  - name: raw\n    schema: \"{{ env_var('ROCKSET_APIKEY') }}\"\n");
    rs_err_clear(&err);
    CHECK_INT("render_api_key_refused", rs_dbt_load(dir, &opts, &p, &err), RS_EINVAL);
    CHECK_STR(
        "render_api_key_message", err.msg,
        "models/props.yml line 4 column 13: cannot render \"{{ env_var('ROCKSET_APIKEY') }}\": "
        "env_var('ROCKSET_APIKEY') is not available here: it holds the API key");
    /* MetricFlow's Jinja in skipped sections is another tool's; a test argument that needs
     * ref() is left for the test to render */
    put_file(dir, "models/props.yml",
             "version: 2\nmodels:\n  - name: a\n    columns:\n      - name: id\n        tests:\n"
             "          - not_null:\n              config:\n"
             "                where: \"id > (select 0 from {{ ref('a') }})\"\n"
             "metrics:\n  - name: m\n    filter: \"{{ Dimension('x') }} = 1\"\n");
    rs_err_clear(&err);
    CHECK_INT("render_skipped_sections_and_late_args", rs_dbt_load(dir, &opts, &p, &err), RS_OK);
    CHECK_STR("render_late_arg_as_written", p && p->n_tests ? p->tests[0].config_json : NULL,
              "{\"where\":\"id > (select 0 from {{ ref('a') }})\"}");
    rs_dbt_free(p);
    p = NULL;
}

/* Singular tests, generic tests of the project and of packages, what is not imported. */
static void test_tests_and_skipped(void) {
    const char *dir = project_dir("tests_skipped");
    rs_dbt_project *p = NULL;
    rs_err err;
    size_t i;

    put_file(dir, "dbt_project.yml",
             "name: ts\non-run-end: [\"select 1\"]\nsnapshots: {}\n"
             "tests:\n  ts: {+severity: warn}\n");
    put_file(dir, "models/m.sql", "SELECT 1 AS id\n");
    put_file(dir, "models/p.yml",
             "version: 2\nmodels:\n  - name: m\n    tests:\n"
             "      - pkg.rule: {x: 1, severity: warn}\n"
             "      - rule:\n          name: named\n          arguments: {x: 2}\n"
             "          config: {where: \"id > 0\"}\n"
             "      - nope\n"
             "unit_tests:\n  - name: u1\n");
    put_file(dir, "tests/a_check.sql", "select * from {{ ref('m') }} where id < 0\n");
    put_file(dir, "tests/generic/rule.sql",
             "{% test rule(model, x) %}select {{ x }}{% endtest %}\n");
    put_file(dir, "dbt_packages/pkg/macros/r.sql",
             "{% macro test_rule(model, x) %}select {{ x }}{% endmacro %}\n");
    put_file(dir, "analyses/an.sql", "select 1\n");
    rs_err_clear(&err);
    CHECK_INT("ts_load", rs_dbt_load(dir, NULL, &p, &err), RS_OK);
    if (p == NULL) {
        printf("  error: %s\n", err.msg);
        return;
    }
    CHECK_INT("ts_tests", p->n_tests, 3);
    if (p->n_tests == 3) {
        CHECK_STR("ts_package_test", p->tests[0].test, "pkg.rule");
        CHECK_STR("ts_package_args", p->tests[0].arg_json, "{\"x\":1}");
        CHECK_STR("ts_config_beside_args", p->tests[0].config_json, "{\"severity\":\"warn\"}");
        CHECK_STR("ts_package_name", p->tests[0].name, "pkg_rule_m");
        CHECK_STR("ts_named", p->tests[1].name, "named");
        CHECK_STR("ts_arguments", p->tests[1].arg_json, "{\"x\":2}");
        CHECK_STR("ts_config", p->tests[1].config_json, "{\"where\":\"id > 0\"}");
        CHECK_STR("ts_singular", p->tests[2].test, "singular");
        CHECK_STR("ts_singular_name", p->tests[2].name, "a_check");
        CHECK_STR("ts_singular_model_first_ref", p->tests[2].model, "m");
        CHECK_STR("ts_singular_sql", p->tests[2].sql,
                  "select * from {{ ref('m') }} where id < 0\n");
    }
    for (i = 0; i < p->n_warnings; i++)
        printf("  warning: %s\n", p->warnings[i]);
    CHECK_INT("ts_warnings", p->n_warnings, 3);
    if (p->n_warnings == 3) {
        CHECK_STR("ts_warn_project_key", p->warnings[0],
                  "dbt_project.yml line 4 column 1: 'tests' is not read by rockset_import_dbt; "
                  "skipped");
        CHECK_STR("ts_warn_unit_test", p->warnings[1],
                  "models/p.yml line 12 column 5: unit test 'u1' needs model: and expect:; "
                  "skipped");
        CHECK_STR("ts_warn_missing_macro", p->warnings[2],
                  "models/p.yml line 10 column 9: test 'nope' on 'm': no {% test nope %} in the "
                  "project's macros or its packages; skipped");
    }
    CHECK_INT("ts_hooks", p->n_hooks, 1);
    if (p->n_hooks == 1) {
        CHECK_STR("ts_hook_kind", p->hooks[0].kind, "on-run-end");
        CHECK_STR("ts_hook_sql", p->hooks[0].sql, "select 1");
    }
    CHECK_INT("ts_analyses", p->n_analyses, 1);
    if (p->n_analyses == 1) {
        CHECK_STR("ts_analysis_name", p->analyses[0].name, "an");
        CHECK_STR("ts_analysis_path", p->analyses[0].path, "analyses/an.sql");
        CHECK_STR("ts_analysis_sql", p->analyses[0].sql, "select 1\n");
    }
    rs_dbt_free(p);
}

int main(void) {
    char cmd[300];
    int rc;

    snprintf(tmp_root, sizeof(tmp_root), "/tmp/rs_test_dbtimport_%d", (int)getpid());
    mkdir(tmp_root, 0755);
    test_csv_basics();
    test_csv_errors();
    test_csv_types();
    test_project();
    test_errors();
    test_rollup();
    test_yaml_render();
    test_tests_and_skipped();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
    rc = system(cmd);
    (void)rc;
    TEST_DONE();
}
