/*
 * test_dbtimport_seeds.c - unit tests of dbt seeds (src/dbt/dbtimport_csv.c,
 * dbtimport_seeds.c): the per-cell type tests, the column inference (booleans, dates,
 * timestamps next to numbers and text), dbt's type names, column_types overriding the
 * inference, and a project whose seeds get settings from dbt_project.yml and a property file.
 * No network, no SQLite.
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

static void test_cells(void) {
    CHECK("bool_true", rs_dbt_cell_is("true", RS_DBT_BOOLEAN));
    CHECK("bool_any_case", rs_dbt_cell_is("FaLsE", RS_DBT_BOOLEAN));
    CHECK("bool_not_yes", !rs_dbt_cell_is("yes", RS_DBT_BOOLEAN));
    CHECK("bool_not_1", !rs_dbt_cell_is("1", RS_DBT_BOOLEAN));
    CHECK("date_ok", rs_dbt_cell_is("2018-01-31", RS_DBT_DATE));
    CHECK("date_leap_day", rs_dbt_cell_is("2020-02-29", RS_DBT_DATE));
    CHECK("date_not_leap", !rs_dbt_cell_is("2019-02-29", RS_DBT_DATE));
    CHECK("date_month_13", !rs_dbt_cell_is("2018-13-01", RS_DBT_DATE));
    CHECK("date_short", !rs_dbt_cell_is("2018-1-01", RS_DBT_DATE));
    CHECK("date_not_timestamp", !rs_dbt_cell_is("2018-01-01 10:00:00", RS_DBT_DATE));
    CHECK("ts_blank", rs_dbt_cell_is("2018-01-01 10:30:45", RS_DBT_TIMESTAMP));
    CHECK("ts_t", rs_dbt_cell_is("2018-01-01T10:30:45", RS_DBT_TIMESTAMP));
    CHECK("ts_fraction", rs_dbt_cell_is("2018-01-01 10:30:45.123456", RS_DBT_TIMESTAMP));
    CHECK("ts_date_alone", rs_dbt_cell_is("2018-01-01", RS_DBT_TIMESTAMP));
    CHECK("ts_hour_24", !rs_dbt_cell_is("2018-01-01 24:00:00", RS_DBT_TIMESTAMP));
    CHECK("ts_no_seconds", !rs_dbt_cell_is("2018-01-01 10:30", RS_DBT_TIMESTAMP));
    CHECK("ts_empty_fraction", !rs_dbt_cell_is("2018-01-01 10:30:45.", RS_DBT_TIMESTAMP));
    CHECK("ts_zone_is_text", !rs_dbt_cell_is("2018-01-01 10:30:45Z", RS_DBT_TIMESTAMP));
    CHECK("real_takes_int", rs_dbt_cell_is("3", RS_DBT_REAL));
    CHECK("int_not_real", !rs_dbt_cell_is("3.5", RS_DBT_INTEGER));
}

static void test_inference(void) {
    const char *text = "i,r,b,d,t,mixed_dt,txt,zip,none,ints_and_bools\n"
                       "1,1.5,true,2018-01-01,2018-01-01 10:00:00,2018-01-01,a,02134,,1\n"
                       "2,2,False,2018-01-02,2018-01-02T11:00:00.5,2018-01-02 08:00:00,b,12345,,"
                       "true\n"
                       ",,,,,,,,,\n";
    rs_dbt_seed seed;
    rs_err err;

    memset(&seed, 0, sizeof(seed));
    rs_err_clear(&err);
    CHECK_INT("infer_parse", rs_dbt_csv_parse("s.csv", text, strlen(text), &seed, &err), RS_OK);
    if (seed.n_columns != 10)
        return;
    seed.path = (char *)"s.csv"; /* messages name the file (not freed by rs_dbt_seed_clear) */
    CHECK_STR("infer_integer", rs_dbt_type_name(seed.types[0]), "INTEGER");
    CHECK_STR("infer_real", rs_dbt_type_name(seed.types[1]), "REAL");
    CHECK_STR("infer_boolean", rs_dbt_type_name(seed.types[2]), "BOOLEAN");
    CHECK_STR("infer_date", rs_dbt_type_name(seed.types[3]), "DATE");
    CHECK_STR("infer_timestamp", rs_dbt_type_name(seed.types[4]), "TIMESTAMP");
    CHECK_STR("infer_dates_and_timestamps", rs_dbt_type_name(seed.types[5]), "TIMESTAMP");
    CHECK_STR("infer_text", rs_dbt_type_name(seed.types[6]), "TEXT");
    CHECK_STR("infer_leading_zero_text", rs_dbt_type_name(seed.types[7]), "TEXT");
    CHECK_STR("infer_all_empty_text", rs_dbt_type_name(seed.types[8]), "TEXT");
    CHECK_STR("infer_ints_and_bools_text", rs_dbt_type_name(seed.types[9]), "TEXT");
    CHECK_STR("ts_normalised_t", seed.cells[10 + 4], "2018-01-02 11:00:00.5");
    CHECK_STR("ts_date_gets_midnight", seed.cells[5], "2018-01-01 00:00:00");
    CHECK("empty_row_nulls", seed.cells[20 + 2] == NULL && seed.cells[20 + 4] == NULL);
    rs_err_clear(&err);
    CHECK_INT("override_to_text", rs_dbt_seed_set_type(&seed, 0, RS_DBT_TEXT, &err), RS_OK);
    CHECK_STR("override_to_text_type", rs_dbt_type_name(seed.types[0]), "TEXT");
    CHECK_INT("override_to_real", rs_dbt_seed_set_type(&seed, 0, RS_DBT_REAL, &err), RS_OK);
    CHECK_INT("override_bad_cell", rs_dbt_seed_set_type(&seed, 6, RS_DBT_INTEGER, &err), RS_EINVAL);
    CHECK_STR("override_bad_cell_msg", err.msg,
              "s.csv: column 'txt' row 1: 'a' is not a valid INTEGER (column_types)");
    rs_err_clear(&err);
    CHECK_INT("override_date_to_timestamp", rs_dbt_seed_set_type(&seed, 3, RS_DBT_TIMESTAMP, &err),
              RS_OK);
    CHECK_STR("override_date_to_timestamp_cell", seed.cells[3], "2018-01-01 00:00:00");
    rs_dbt_seed_clear(&seed);
}

static void test_type_names(void) {
    static const struct {
        const char *name;
        rs_dbt_type want;
    } ok[] = {{"varchar", RS_DBT_TEXT},       {"VARCHAR(20)", RS_DBT_TEXT},
              {"string", RS_DBT_TEXT},        {"text", RS_DBT_TEXT},
              {"bigint", RS_DBT_INTEGER},     {"int", RS_DBT_INTEGER},
              {"numeric(10,2)", RS_DBT_REAL}, {"double", RS_DBT_REAL},
              {"bool", RS_DBT_BOOLEAN},       {"Boolean", RS_DBT_BOOLEAN},
              {"date", RS_DBT_DATE},          {"datetime", RS_DBT_TIMESTAMP},
              {"TIMESTAMP", RS_DBT_TIMESTAMP}};
    rs_dbt_type t;
    size_t i;
    char label[80];

    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        snprintf(label, sizeof(label), "type_name_%s", ok[i].name);
        CHECK(label, rs_dbt_type_parse(ok[i].name, &t) && t == ok[i].want);
    }
    CHECK("type_name_unknown", !rs_dbt_type_parse("money", &t));
    CHECK("type_name_two_words", !rs_dbt_type_parse("double precision", &t));
    CHECK("type_name_empty", !rs_dbt_type_parse("", &t));
    CHECK("type_name_null", !rs_dbt_type_parse(NULL, &t));
}

static void test_project_seeds(void) {
    rs_dbt_project *p = NULL;
    rs_err err;

    put_file(tmp_root, "dbt_project.yml",
             "name: shop\n"
             "seeds:\n"
             "  shop:\n"
             "    +tags: raw\n"
             "    geo:\n"
             "      +schema: lookups\n"
             "      zips:\n"
             "        +alias: zip_codes\n"
             "        +delimiter: ';'\n"
             "    old:\n"
             "      +enabled: false\n");
    put_file(tmp_root, "seeds/geo/zips.csv", "zip;city\n02134;Boston\n");
    put_file(tmp_root, "seeds/old.csv", "a\n1\n");
    put_file(tmp_root, "seeds/orders.csv", "id,amount\n1,3\n");
    put_file(tmp_root, "seeds/props.yml",
             "version: 2\n"
             "seeds:\n"
             "  - name: orders\n"
             "    description: the orders\n"
             "    config:\n"
             "      column_types: {amount: float}\n"
             "    columns:\n"
             "      - name: id\n"
             "        tests: [unique]\n");
    rs_err_clear(&err);
    CHECK_INT("project_loads", rs_dbt_load(tmp_root, NULL, &p, &err), RS_OK);
    if (p == NULL) {
        printf("# %s\n", err.msg);
        return;
    }
    CHECK_INT("project_seeds", p->n_seeds, 3);
    if (p->n_seeds == 3) {
        CHECK_STR("seed_sorted_first", p->seeds[0].name, "old");
        CHECK_INT("seed_disabled", p->seeds[0].enabled, 0);
        CHECK_STR("seed_folder_schema", p->seeds[2].workspace, "lookups");
        CHECK_STR("seed_alias", p->seeds[2].alias, "zip_codes");
        CHECK_STR("seed_delimiter_split", p->seeds[2].columns[1], "city");
        CHECK_STR("seed_zip_text", rs_dbt_type_name(p->seeds[2].types[0]), "TEXT");
        CHECK_STR("seed_config_json", p->seeds[2].config_json, "{\"delimiter\":\";\"}");
        CHECK_STR("seed_tags", p->seeds[1].tags_json, "[\"raw\"]");
        CHECK_STR("seed_column_types", p->seeds[1].column_types_json, "{\"amount\":\"float\"}");
        CHECK_STR("seed_column_types_applied", rs_dbt_type_name(p->seeds[1].types[1]), "REAL");
        CHECK_STR("seed_description", p->seeds[1].description, "the orders");
        CHECK("seed_no_workspace", p->seeds[1].workspace == NULL);
    }
    CHECK_INT("seed_test", p->n_tests, 1);
    if (p->n_tests == 1)
        CHECK_STR("seed_test_model", p->tests[0].model, "orders");
    rs_dbt_free(p);
    put_file(tmp_root, "seeds/props.yml",
             "seeds:\n  - name: orders\n    config:\n      column_types: "
             "{amount: money}\n");
    p = NULL;
    rs_err_clear(&err);
    CHECK_INT("unknown_type_fails", rs_dbt_load(tmp_root, NULL, &p, &err), RS_EINVAL);
    CHECK_STR("unknown_type_msg", err.msg,
              "seed 'orders': column_types: column 'amount' has unknown type 'money' (use "
              "varchar, integer, float, numeric, boolean, date or timestamp)");
    rs_dbt_free(p);
    put_file(tmp_root, "seeds/props.yml", "seeds: []\n");
    put_file(tmp_root, "models/orders.sql", "SELECT 1 AS id\n");
    p = NULL;
    rs_err_clear(&err);
    CHECK_INT("model_clash_fails", rs_dbt_load(tmp_root, NULL, &p, &err), RS_EINVAL);
    CHECK_STR("model_clash_msg", err.msg,
              "seeds/orders.csv: seed 'orders' has the name of model models/orders.sql: "
              "ref('orders') could not tell them apart; rename one of them");
    rs_dbt_free(p);
}

int main(void) {
    char cmd[300];
    int rc;

    snprintf(tmp_root, sizeof(tmp_root), "/tmp/rs_test_dbtseeds_%d", (int)getpid());
    mkdir(tmp_root, 0755);
    test_cells();
    test_inference();
    test_type_names();
    test_project_seeds();
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_root);
    rc = system(cmd);
    (void)rc;
    TEST_DONE();
}
