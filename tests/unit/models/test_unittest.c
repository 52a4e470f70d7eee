/*
 * test_unittest.c - unit tests of src/models/unittest.c (dbt unit tests without I/O): CSV
 * fixtures to rows, literal rows as a SELECT (typed, inferred, empty), the types query, and the
 * comparison with its diff (order ignored, only expect's columns, the casts dbt makes). No
 * network.
 */
#include "models/unittest.h"
#include "testlib.h"

#include <string.h>

static rs_err err; /* the helpers' errors, read by the checks */

static const char *csv(const char *text, rs_buf *out) {

    rs_err_clear(&err);
    rs_buf_reset(out);
    return rs_unit_csv_to_json(text, out, &err) == RS_OK ? rs_buf_cstr(out) : err.msg;
}

static const char *rows_sql(const char *rows, const char *types, int infer, rs_buf *out) {
    rs_err_clear(&err);
    rs_buf_reset(out);
    return rs_unit_rows_sql(rs_jsonscan_cstr(rows), types, infer, out, &err) == RS_OK
               ? rs_buf_cstr(out)
               : err.msg;
}

static void test_csv(void) {
    rs_buf b = RS_BUF_INIT;

    CHECK_STR("csv/basic", csv("a,b\n1,x\n2,\n", &b),
              "[{\"a\":\"1\",\"b\":\"x\"},{\"a\":\"2\",\"b\":null}]");
    CHECK_STR("csv/quotes_crlf", csv("a,b\r\n\"x, \"\"y\"\"\",\"\"\r\n", &b),
              "[{\"a\":\"x, \\\"y\\\"\",\"b\":\"\"}]");
    CHECK_STR("csv/header_only", csv("a,b\n", &b), "[]");
    CHECK_STR("csv/unclosed", csv("a\n\"x\n", &b), "csv fixture line 2: an unclosed quote");
    rs_buf_free(&b);
}

static void test_rows(void) {
    rs_buf b = RS_BUF_INIT;

    CHECK_STR(
        "rows/literals",
        rows_sql("[{\"id\":1,\"name\":\"O'Neil\",\"ok\":true},{\"id\":2,\"x\":null}]", NULL, 0, &b),
        "SELECT 1 AS id, 'O''Neil' AS name, true AS ok, NULL AS x\nUNION ALL\n"
        "SELECT 2 AS id, NULL AS name, NULL AS ok, null AS x");
    CHECK_STR("rows/typed",
              rows_sql("[{\"d\":\"2024-01-05\",\"s\":\"a\"}]", "{\"d\":\"date\",\"s\":\"string\"}",
                       0, &b),
              "SELECT CAST('2024-01-05' AS date) AS d, 'a' AS s");
    CHECK_STR("rows/inferred_csv",
              rows_sql("[{\"n\":\"12\",\"f\":\"1.5\",\"t\":\"true\"}]", NULL, 1, &b),
              "SELECT 12 AS n, 1.5 AS f, true AS t");
    CHECK_STR("rows/quoted_name", rows_sql("[{\"a b\":1}]", NULL, 0, &b), "SELECT 1 AS \"a b\"");
    CHECK_STR("rows/empty_with_columns", rows_sql("[]", NULL, 0, &b),
              "SELECT NULL AS dbt_empty WHERE false");
    CHECK_STR("rows/not_a_list", rows_sql("{}", NULL, 0, &b), "rows must be a list of mappings");
    CHECK_STR("rows/object_value", rows_sql("[{\"o\":{\"a\":1}}]", NULL, 0, &b),
              "a fixture value cannot be an object or a list (column 'o')");
    CHECK_STR("rows/type_word_only", rows_sql("[{\"d\":\"x\"}]", "{\"d\":\"date) --\"}", 0, &b),
              "SELECT 'x' AS d");
    rs_buf_free(&b);
}

static void test_types(void) {
    rs_buf b = RS_BUF_INIT;
    size_t n = 9;

    rs_err_clear(&err);
    CHECK_INT("types/rc",
              rs_unit_types_sql(rs_jsonscan_cstr("[{\"a\":1},{\"b\":2}]"), "ws.t", &b, &n, &err),
              RS_OK);
    CHECK_STR("types/sql", rs_buf_cstr(&b),
              "SELECT MAX(CASE WHEN a IS NOT NULL THEN TYPEOF(a) END) AS a, MAX(CASE WHEN b IS "
              "NOT NULL THEN TYPEOF(b) END) AS b FROM ws.t");
    CHECK_INT("types/n", (long long)n, 2);
    rs_buf_free(&b);
}

/* compare expected with the actual rows (a JSON list); "equal" or the diff. */
static const char *compare(const char *expected, const char *actual, rs_buf *diff) {
    rs_jsonscan_span rows[16], all = rs_jsonscan_cstr(actual), r;
    rs_jsonscan_iter it;
    size_t n = 0;
    int equal = -1;

    rs_err_clear(&err);
    rs_buf_reset(diff);
    rs_jsonscan_iter_init(&it, all);
    while (n < 16 && rs_jsonscan_iter_next(&it, NULL, &r) == 1)
        rows[n++] = r;
    if (rs_unit_compare(rs_jsonscan_cstr(expected), rows, n, &equal, diff, &err) != RS_OK)
        return err.msg;
    return equal ? "equal" : rs_buf_cstr(diff);
}

static void test_compare(void) {
    rs_buf d = RS_BUF_INIT;

    CHECK_STR("cmp/order_and_extra_columns",
              compare("[{\"id\":2},{\"id\":1}]", "[{\"id\":1,\"x\":9},{\"id\":2,\"x\":8}]", &d),
              "equal");
    CHECK_STR("cmp/numbers", compare("[{\"v\":8.50,\"n\":1}]", "[{\"v\":8.5,\"n\":1.0}]", &d),
              "equal");
    CHECK_STR("cmp/float_sum", compare("[{\"v\":0.3}]", "[{\"v\":0.30000000000000004}]", &d),
              "equal");
    CHECK_STR("cmp/date_vs_datetime",
              compare("[{\"d\":\"2016-09-01\"}]",
                      "[{\"d\":{\"__rockset_type\":\"datetime\",\"value\":"
                      "\"2016-09-01T00:00:00.000000\"}}]",
                      &d),
              "equal");
    CHECK_STR("cmp/number_as_string", compare("[{\"id\":\"1\"}]", "[{\"id\":1}]", &d), "equal");
    CHECK_STR("cmp/null_vs_absent", compare("[{\"a\":1,\"b\":null}]", "[{\"a\":1}]", &d), "equal");
    CHECK_STR("cmp/bool_strict", compare("[{\"b\":true}]", "[{\"b\":1}]", &d),
              "@@,b\n---,true\n+++,1");
    CHECK_STR("cmp/multiset", compare("[{\"a\":1},{\"a\":1}]", "[{\"a\":1}]", &d), "@@,a\n---,1");
    CHECK_STR("cmp/diff", compare("[{\"id\":1,\"t\":21}]", "[{\"id\":1,\"t\":20.5,\"x\":0}]", &d),
              "@@,id,t\n---,1,21\n+++,1,20.5");
    CHECK_STR("cmp/empty", compare("[]", "[]", &d), "equal");
    CHECK_STR("cmp/unexpected_rows", compare("[]", "[{\"a\":1}]", &d), "@@\n+++");
    rs_buf_free(&d);
}

int main(void) {
    test_csv();
    test_rows();
    test_types();
    test_compare();
    TEST_DONE();
}
