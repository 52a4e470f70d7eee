/*
 * test_compile_seeds.c - seeds as nodes of a project (compile.h rs_project_input.seeds): ref()
 * to a seed renders its relation (the seed's workspace or the session's, its alias or name),
 * the graph has the seed -> model edge and kind "seed", a disabled seed cannot be ref()'d, and
 * a seed and a model with one name fail the load. No network.
 */
#include "models/compile.h"
#include "models/materialize.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define ROW(name_, sql_, ws_, alias_, enabled_) \
    { (name_), (sql_), NULL, (ws_), (alias_), NULL, NULL, NULL, (enabled_), NULL }

static rs_project *load(const rs_model_row *models, size_t n_models, const rs_model_row *seeds,
                        size_t n_seeds, rs_err *err) {
    rs_project_input in;
    rs_project *p = NULL;

    memset(&in, 0, sizeof(in));
    in.models = models;
    in.n_models = n_models;
    in.seeds = seeds;
    in.n_seeds = n_seeds;
    in.workspace = "analytics";
    rs_err_clear(err);
    return rs_project_load(&in, &p, err) == RS_OK ? p : NULL;
}

static char *compile_text(rs_project *p, const char *name) {
    long idx = rs_graph_find(rs_project_graph(p), name);
    char *sql = NULL;
    rs_err err;

    rs_err_clear(&err);
    if (idx < 0)
        return strdup("no such model");
    if (rs_project_compile_sql(p, (size_t)idx, 0, &sql, &err) != RS_OK)
        return strdup(err.msg);
    return sql;
}

static void test_ref_to_seed(void) {
    const rs_model_row models[] = {
        ROW("stg", "SELECT * FROM {{ ref('raw_orders') }} JOIN {{ ref('codes') }}", NULL, NULL, 1),
        ROW("old", "SELECT * FROM {{ ref('gone') }}", NULL, NULL, 1),
    };
    const rs_model_row seeds[] = {
        ROW("raw_orders", "", NULL, NULL, 1),
        ROW("codes", "", "lookups", "country_codes", 1),
        ROW("gone", "", NULL, NULL, 0),
    };
    const rs_graph_edge *edges = NULL;
    rs_graph_edge *all = NULL;
    size_t n_edges = 0;
    rs_project *p;
    char *sql;
    long idx;
    rs_err err;

    p = load(models, 2, seeds, 3, &err);
    CHECK_STR("seeds/load", p ? "ok" : err.msg, "ok");
    if (p == NULL)
        return;
    sql = compile_text(p, "stg");
    CHECK_STR("seeds/ref_renders_relation", sql,
              "SELECT * FROM analytics.raw_orders JOIN lookups.country_codes");
    free(sql);
    idx = rs_graph_find(rs_project_graph(p), "raw_orders");
    CHECK("seeds/seed_is_a_node", idx >= 0);
    if (idx >= 0) {
        CHECK_INT("seeds/kind", rs_project_model(p, (size_t)idx)->kind, RS_MAT_SEED);
        CHECK_STR("seeds/kind_name", rs_graph_kind(rs_project_graph(p), (size_t)idx), "seed");
    }
    rs_err_clear(&err);
    CHECK_INT("seeds/edges", rs_graph_edges(rs_project_graph(p), NULL, &all, &n_edges, &err),
              RS_OK);
    edges = all;
    CHECK_INT("seeds/edge_count", n_edges, 2);
    if (n_edges == 2) {
        CHECK_STR("seeds/edge_parent", edges[0].parent, "codes");
        CHECK_STR("seeds/edge_child", edges[0].child, "stg");
    }
    free(all);
    sql = compile_text(p, "old");
    CHECK_STR("seeds/disabled_seed", sql, "model 'old' refers to disabled model 'gone'");
    free(sql);
    rs_project_free(p);
}

static void test_name_clash(void) {
    const rs_model_row models[] = {ROW("customers", "SELECT 1 AS id", NULL, NULL, 1)};
    const rs_model_row seeds[] = {ROW("customers", "", NULL, NULL, 1)};
    rs_err err;

    CHECK("clash/fails", load(models, 1, seeds, 1, &err) == NULL);
    CHECK_STR("clash/message", err.msg,
              "'customers' is both a model (rockset_models) and a seed (rockset_seeds): "
              "ref('customers') cannot tell them apart; rename one of them");
}

static void test_kind_not_parsed(void) {
    rs_mat_kind kind;
    rs_err err;

    rs_err_clear(&err);
    CHECK_INT("kind/seed_not_parsed", rs_mat_kind_parse("seed", &kind, &err), RS_EINVAL);
    CHECK_STR("kind/seed_name", rs_mat_kind_name(RS_MAT_SEED), "seed");
}

int main(void) {
    test_ref_to_seed();
    test_name_clash();
    test_kind_not_parsed();
    TEST_DONE();
}
