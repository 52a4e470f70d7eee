/*
 * test_materialize.c - unit tests of the pure parts of src/materialize.c: kind names,
 * identifier quoting, the unique_key wrapper and swap collection names. (The Rockset side is
 * covered by tests/sql/models*.sql against rockset-local.)
 */
#include "buf.h"
#include "err.h"
#include "models/materialize.h"
#include "testlib.h"

#include <string.h>

static void check_quote(const char *name, const char *ident, const char *want) {
    rs_buf b = RS_BUF_INIT;

    rs_mat_quote_ident(&b, ident);
    CHECK_STR(name, rs_buf_cstr(&b), want);
    rs_buf_free(&b);
}

static void test_quote(void) {
    rs_buf b = RS_BUF_INIT;

    check_quote("quote/plain", "customers", "customers");
    check_quote("quote/underscore_digits", "_stg_2", "_stg_2");
    check_quote("quote/mixed_case_kept_bare", "Orders", "Orders");
    check_quote("quote/dash", "my-ws", "\"my-ws\"");
    check_quote("quote/leading_digit", "2024_sales", "\"2024_sales\"");
    check_quote("quote/reserved_lower", "order", "\"order\"");
    check_quote("quote/reserved_upper", "SELECT", "\"SELECT\"");
    check_quote("quote/embedded_quote", "a\"b", "\"a\"\"b\"");
    check_quote("quote/space", "a b", "\"a b\"");
    check_quote("quote/empty", "", "\"\"");
    rs_mat_relation_sql(&b, "analytics", "group");
    CHECK_STR("relation/quoted_part", rs_buf_cstr(&b), "analytics.\"group\"");
    rs_buf_free(&b);
}

static void test_keyed(void) {
    static const char *const one[] = {"customer_id"};
    static const char *const two[] = {"day", "region"};
    static const char *const natural[] = {"_id"};
    static const char *const odd[] = {"order"};
    rs_buf b = RS_BUF_INIT;

    rs_mat_keyed_sql(&b, "SELECT 1 AS x", NULL, 0);
    CHECK_STR("keyed/no_key_unchanged", rs_buf_cstr(&b), "SELECT 1 AS x");
    rs_buf_reset(&b);
    rs_mat_keyed_sql(&b, "SELECT _id, x FROM t", natural, 1);
    CHECK_STR("keyed/_id_is_natural", rs_buf_cstr(&b), "SELECT _id, x FROM t");
    rs_buf_reset(&b);
    rs_mat_keyed_sql(&b, "SELECT customer_id, n FROM t", one, 1);
    CHECK_STR("keyed/one_column", rs_buf_cstr(&b),
              "SELECT * EXCEPT (_id), CAST(customer_id AS string) AS _id FROM (SELECT "
              "customer_id, n FROM t) AS __rs_keyed");
    rs_buf_reset(&b);
    rs_mat_keyed_sql(&b, "SELECT day, region FROM t", two, 2);
    CHECK_STR("keyed/two_columns", rs_buf_cstr(&b),
              "SELECT * EXCEPT (_id), CONCAT(CAST(day AS string), '|', CAST(region AS string)) "
              "AS _id FROM (SELECT day, region FROM t) AS __rs_keyed");
    rs_buf_reset(&b);
    rs_mat_keyed_sql(&b, "SELECT 1", odd, 1);
    CHECK_STR("keyed/quoted_column", rs_buf_cstr(&b),
              "SELECT * EXCEPT (_id), CAST(\"order\" AS string) AS _id FROM (SELECT 1) AS "
              "__rs_keyed");
    rs_buf_free(&b);
}

static void test_kinds(void) {
    static const char *const names[] = {"view", "table", "incremental", "ephemeral",
                                        "query_lambda"};
    rs_mat_kind kind = RS_MAT_VIEW;
    rs_err err;
    size_t i;
    int ok = 1;

    for (i = 0; i < 5; i++) {
        rs_err_clear(&err);
        ok &= rs_mat_kind_parse(names[i], &kind, &err) == RS_OK && kind == (rs_mat_kind)i &&
              strcmp(rs_mat_kind_name(kind), names[i]) == 0;
    }
    CHECK("kind/round_trip", ok);
    rs_err_clear(&err);
    CHECK_INT("kind/snapshot", rs_mat_kind_parse("snapshot", &kind, &err), RS_OK);
    CHECK_INT("kind/snapshot_kind", kind, RS_MAT_SNAPSHOT);
    CHECK_INT("kind/rollup", rs_mat_kind_parse("rollup", &kind, &err), RS_OK);
    CHECK_INT("kind/rollup_kind", kind, RS_MAT_ROLLUP);
    CHECK_STR("kind/rollup_name", rs_mat_kind_name(RS_MAT_ROLLUP), "rollup");
    CHECK_INT("kind/seed_is_not_parsed", rs_mat_kind_parse("seed", &kind, &err), RS_EINVAL);
    rs_err_clear(&err);
    CHECK_INT("kind/unknown_rc", rs_mat_kind_parse("archive", &kind, &err), RS_EINVAL);
    CHECK_STR("kind/unknown_message", err.msg,
              "unknown materialization 'archive' (use view, table, incremental, ephemeral, "
              "query_lambda, snapshot or rollup)");
    CHECK_STR("kind/out_of_range_name", rs_mat_kind_name((rs_mat_kind)42), "unknown");
}

static void test_swap_name(void) {
    rs_buf b = RS_BUF_INIT;

    rs_mat_swap_name(&b, "orders", 1700000000123LL);
    CHECK_STR("swap/name", rs_buf_cstr(&b), "orders__rs1700000000123");
    rs_buf_free(&b);
}

static void test_result(void) {
    rs_mat_result r;

    rs_mat_result_init(&r);
    CHECK_INT("result/rows_unknown", r.rows_affected, -1);
    CHECK("result/empty", r.action == NULL && r.relation == NULL && r.query_id == NULL);
    rs_mat_result_free(&r);
    rs_mat_result_free(NULL);
    CHECK("result/free_null_ok", 1);
}

int main(void) {
    test_quote();
    test_keyed();
    test_kinds();
    test_swap_name();
    test_result();
    TEST_DONE();
}
