/* test_schema.c - unit tests of src/scan/schema.c: declared-type affinity, column lists and the
 * columns discovered from DESCRIBE rows. No network, no SQLite. */
#include "scan/schema.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static rs_schema test_schema(void) {
    rs_schema s = RS_SCHEMA_INIT;
    rs_err err;

    rs_err_clear(&err);
    if (rs_schema_parse_columns("n INTEGER, r REAL, t TEXT, u, \"we\"\"ird\" NUMERIC", 0, &s,
                                &err) != RS_OK) {
        printf("FAIL setup: %s\n", err.msg);
        exit(1);
    }
    return s;
}

static void test_affinity(void) {
    CHECK_INT("affinity/empty", rs_schema_affinity(""), RS_AFF_BLOB);
    CHECK_INT("affinity/int", rs_schema_affinity("BIGINT"), RS_AFF_INTEGER);
    CHECK_INT("affinity/point_int_first", rs_schema_affinity("POINT"), RS_AFF_INTEGER);
    CHECK_INT("affinity/varchar", rs_schema_affinity("varchar(10)"), RS_AFF_TEXT);
    CHECK_INT("affinity/blob", rs_schema_affinity("BLOB"), RS_AFF_BLOB);
    CHECK_INT("affinity/double", rs_schema_affinity("DOUBLE PRECISION"), RS_AFF_REAL);
    CHECK_INT("affinity/float", rs_schema_affinity("float"), RS_AFF_REAL);
    CHECK_INT("affinity/json_numeric", rs_schema_affinity("JSON"), RS_AFF_NUMERIC);
}

static void check_parse_error(const char *name, const char *text, const char *want) {
    rs_schema s = RS_SCHEMA_INIT;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_schema_parse_columns(text, 0, &s, &err);
    CHECK_INT(name, rc, RS_EINVAL);
    CHECK_STR(name, err.msg, want);
    CHECK_INT(name, (long long)s.n, 0);
}

static void test_parse_columns(void) {
    rs_schema s = test_schema();
    rs_buf b = RS_BUF_INIT;
    rs_schema again = RS_SCHEMA_INIT;
    rs_err err;

    CHECK_INT("columns/count", (long long)s.n, 8);
    CHECK_STR("columns/first_is_id", s.cols[0].name, "_id");
    CHECK_INT("columns/id_role", s.cols[0].role, RS_COL_ID);
    CHECK_STR("columns/quoted_name", s.cols[5].name, "we\"ird");
    CHECK_INT("columns/untyped_blob", s.cols[4].affinity, RS_AFF_BLOB);
    CHECK_STR("columns/hidden_event_time", s.cols[6].name, "_event_time");
    CHECK_INT("columns/doc_role", s.cols[7].role, RS_COL_DOC);
    CHECK_INT("columns/find_case_insensitive", rs_schema_find(&s, "T"), 3);
    CHECK_INT("columns/find_absent", rs_schema_find(&s, "zz"), -1);
    rs_schema_columns_text(&s, &b);
    CHECK_STR("columns/text", rs_buf_cstr(&b),
              "\"n\" INTEGER, \"r\" REAL, \"t\" TEXT, \"u\", \"we\"\"ird\" NUMERIC");
    CHECK_INT("columns/text_reparses", rs_schema_parse_columns(rs_buf_cstr(&b), 0, &again, &err),
              RS_OK);
    CHECK_INT("columns/text_reparses_same", (long long)again.n, 8);
    rs_buf_reset(&b);
    rs_schema_declare(&s, &b);
    CHECK_STR("columns/declare", rs_buf_cstr(&b),
              "CREATE TABLE x(\"_id\" TEXT PRIMARY KEY, \"n\" INTEGER, \"r\" REAL, \"t\" TEXT, "
              "\"u\", \"we\"\"ird\" NUMERIC, \"_event_time\" TEXT HIDDEN, \"_doc\" TEXT HIDDEN) "
              "WITHOUT ROWID");
    rs_schema_free(&again);
    rs_schema_free(&s);
    rs_buf_free(&b);

    CHECK_INT(
        "columns/types_with_size",
        rs_schema_parse_columns(
            " a varchar(10) , `b c` DECIMAL(10, 2), [d] double precision, _id TEXT", 0, &s, &err),
        RS_OK);
    CHECK_STR("columns/types_with_size_type", s.cols[1].type, "varchar(10)");
    CHECK_STR("columns/backtick_name", s.cols[2].name, "b c");
    CHECK_STR("columns/two_word_type", s.cols[3].type, "double precision");
    CHECK_INT("columns/id_listed_ignored", (long long)s.n, 6);
    rs_schema_free(&s);

    check_parse_error("columns/err_empty", "  ", "rockset: columns: empty column list");
    CHECK_INT("columns/empty_allowed", rs_schema_parse_columns(" ", 1, &s, &err), RS_OK);
    CHECK_INT("columns/empty_allowed_count", (long long)s.n, 3);
    rs_schema_free(&s);
    check_parse_error("columns/err_no_name", "a INTEGER, , b",
                      "rockset: columns: expected a column name at offset 11");
    check_parse_error("columns/err_unterminated", "a, \"b",
                      "rockset: columns: unterminated quoted name at offset 3");
    check_parse_error("columns/err_unexpected", "a INTEGER; b",
                      "rockset: columns: unexpected ';' at offset 9");
    check_parse_error("columns/err_bad_size", "a VARCHAR(x)",
                      "rockset: columns: unexpected 'x' at offset 10");
    check_parse_error("columns/err_duplicate", "a, b, A", "rockset: columns: duplicate column 'A'");
    check_parse_error("columns/err_reserved", "a, _doc",
                      "rockset: columns: column '_doc' is reserved");
    check_parse_error("columns/err_trailing_comma", "a,",
                      "rockset: columns: expected a column name at offset 2");
}

static void add_row(rs_describe_acc *acc, const char *row) {
    rs_err err;

    rs_err_clear(&err);
    if (rs_describe_acc_add(acc, row, strlen(row), &err) != RS_OK)
        printf("FAIL describe/add: %s\n", err.msg);
}

static void test_describe(void) {
    rs_describe_acc *acc = rs_describe_acc_new();
    rs_buf b = RS_BUF_INIT;
    rs_err err;

    add_row(acc, "{\"field\":[\"_id\"],\"type\":\"string\",\"occurrences\":5,\"total\":5}");
    add_row(acc,
            "{\"field\":[\"_event_time\"],\"type\":\"timestamp\",\"occurrences\":5,\"total\":5}");
    add_row(acc, "{\"field\":[\"age\"],\"type\":\"int\",\"occurrences\":3,\"total\":5}");
    add_row(acc, "{\"field\":[\"age\"],\"type\":\"string\",\"occurrences\":2,\"total\":5}");
    add_row(acc, "{\"field\":[\"Age\"],\"type\":\"float\",\"occurrences\":9,\"total\":5}");
    add_row(acc, "{\"field\":[\"flag\"],\"type\":\"bool\",\"occurrences\":1,\"total\":5}");
    add_row(acc, "{\"field\":[\"maybe\"],\"type\":\"null\",\"occurrences\":4,\"total\":5}");
    add_row(acc, "{\"field\":[\"maybe\"],\"type\":\"float\",\"occurrences\":1,\"total\":5}");
    add_row(acc, "{\"field\":[\"nothing\"],\"type\":\"null\",\"occurrences\":4,\"total\":5}");
    add_row(acc, "{\"field\":[\"obj\"],\"type\":\"object\",\"occurrences\":2,\"total\":5}");
    add_row(acc, "{\"field\":[\"obj\",\"x\"],\"type\":\"int\",\"occurrences\":2,\"total\":2}");
    add_row(acc, "{\"field\":[\"tie\"],\"type\":\"string\",\"occurrences\":2,\"total\":5}");
    add_row(acc, "{\"field\":[\"tie\"],\"type\":\"int\",\"occurrences\":2,\"total\":5}");
    add_row(acc, "{\"not\":\"a describe row\"}");
    rs_err_clear(&err);
    CHECK_INT("describe/columns_rc", rs_describe_acc_columns(acc, &b, &err), RS_OK);
    CHECK_STR("describe/columns", rs_buf_cstr(&b),
              "\"age\" INTEGER, \"flag\" INTEGER, \"maybe\" REAL, \"nothing\", \"obj\" TEXT, "
              "\"tie\" TEXT");
    CHECK_STR("describe/type_for_date", rs_schema_type_for("date"), "TEXT");
    rs_describe_acc_free(acc);
    rs_buf_free(&b);
}

int main(void) {
    test_affinity();
    test_parse_columns();
    test_describe();
    TEST_DONE();
}
