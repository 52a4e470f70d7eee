/* test_rowdecode.c - unit tests of src/rowdecode.c: field lookup in raw rows and the value
 * mapping of docs/semantics.md. No network. */
#include "scan/rowdecode.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"_id", "n", "f",       "s",        "b",  "o",
                                    "a",   "d", "missing", "esc\"key", NULL, "big"};
#define N_NAMES (sizeof(names) / sizeof(names[0]))

static const char row_text[] =
    "{\"_id\": \"k1\", \"n\": -9223372036854775808, \"f\": 2.5e1, \"s\": \"a\\\"b\\u00e9\","
    " \"b\": true, \"o\": {\"x\": [1, 2]}, \"a\": [1, \"two\", null], \"d\":"
    " {\"__rockset_type\": \"date\", \"value\": \"2024-01-31\"}, \"esc\\\"key\": false,"
    " \"n\": 99, \"big\": 18446744073709551616, \"z\": null}";

/* Cell of column col as "KIND:value" (static buffer). */
static const char *cell_str(rs_rowdecode *d, size_t col) {
    static char out[256];
    static rs_err err;
    rs_cell c;

    rs_err_clear(&err);
    if (rs_rowdecode_cell(d, col, &c, &err) != RS_OK)
        return err.msg;
    switch (c.kind) {
    case RS_CELL_NULL:
        return "NULL";
    case RS_CELL_INT:
        snprintf(out, sizeof(out), "INT:%lld", c.i);
        break;
    case RS_CELL_REAL:
        snprintf(out, sizeof(out), "REAL:%.17g", c.r);
        break;
    case RS_CELL_TEXT:
        snprintf(out, sizeof(out), "TEXT:%.*s", (int)c.len, c.text);
        break;
    default:
        snprintf(out, sizeof(out), "JSON:%.*s", (int)c.len, c.text);
        break;
    }
    return out;
}

static void test_row(void) {
    rs_rowdecode *d = rs_rowdecode_new(names, N_NAMES);
    rs_jsonscan_span row = rs_jsonscan_cstr(row_text);
    rs_err err;

    CHECK("row/new", d != NULL);
    rs_err_clear(&err);
    CHECK_INT("row/index", rs_rowdecode_index(d, row, &err), RS_OK);
    CHECK_STR("row/id", cell_str(d, 0), "TEXT:k1");
    CHECK_STR("row/int64_min_exact_first_key_wins", cell_str(d, 1), "INT:-9223372036854775808");
    CHECK_STR("row/float", cell_str(d, 2), "REAL:25");
    CHECK_STR("row/escaped_string", cell_str(d, 3), "TEXT:a\"b\xc3\xa9");
    CHECK_STR("row/bool", cell_str(d, 4), "INT:1");
    CHECK_STR("row/object_raw", cell_str(d, 5), "JSON:{\"x\": [1, 2]}");
    CHECK_STR("row/array_raw", cell_str(d, 6), "JSON:[1, \"two\", null]");
    CHECK_STR("row/date_iso", cell_str(d, 7), "TEXT:2024-01-31");
    CHECK_STR("row/absent", cell_str(d, 8), "NULL");
    CHECK_STR("row/escaped_key", cell_str(d, 9), "INT:0");
    CHECK_STR("row/no_field", cell_str(d, 10), "NULL");
    CHECK_STR("row/beyond_int64_real", cell_str(d, 11), "REAL:1.8446744073709552e+19");
    CHECK_STR("row/out_of_range_col", cell_str(d, 99), "NULL");
    CHECK_INT("row/raw_absent", (long long)rs_rowdecode_raw(d, 8).len, 0);
    CHECK_INT("row/raw_len", (long long)rs_rowdecode_raw(d, 0).len, 4);

    /* a second row replaces everything the first one set */
    CHECK_INT("row/reindex", rs_rowdecode_index(d, rs_jsonscan_cstr("{\"s\": null}"), &err), RS_OK);
    CHECK_STR("row/reindex_null", cell_str(d, 3), "NULL");
    CHECK_STR("row/reindex_cleared", cell_str(d, 0), "NULL");

    CHECK_INT("row/not_object", rs_rowdecode_index(d, rs_jsonscan_cstr("[1]"), &err), RS_EPARSE);
    CHECK_STR("row/not_object_msg", err.msg, "rockset: malformed result row: not an object");
    CHECK_INT("row/broken", rs_rowdecode_index(d, rs_jsonscan_cstr("{\"s\": tru}"), &err),
              RS_EPARSE);
    CHECK_STR("row/broken_msg", err.msg, "rockset: malformed result row: invalid JSON");
    rs_rowdecode_free(d);
    rs_rowdecode_free(NULL);
}

static void test_values(void) {
    rs_buf scratch = RS_BUF_INIT;
    rs_cell c;
    rs_err err;

    rs_err_clear(&err);
    CHECK_INT("value/timestamp_wrapper",
              rs_rowdecode_value(rs_jsonscan_cstr("{\"value\":\"2024-01-01T10:00:00.000000Z\","
                                                  "\"__rockset_type\":\"timestamp\"}"),
                                 &scratch, &c, &err),
              RS_OK);
    CHECK_INT("value/timestamp_kind", c.kind, RS_CELL_TEXT);
    CHECK_INT("value/timestamp_len", (long long)c.len, 27);
    CHECK_INT("value/interval_stays_json",
              rs_rowdecode_value(rs_jsonscan_cstr("{\"__rockset_type\":\"month_interval\","
                                                  "\"value\":40}"),
                                 &scratch, &c, &err),
              RS_OK);
    CHECK_INT("value/interval_kind", c.kind, RS_CELL_JSON);
    CHECK_INT("value/false", rs_rowdecode_value(rs_jsonscan_cstr(" false "), &scratch, &c, &err),
              RS_OK);
    CHECK("value/false_is_int_0", c.kind == RS_CELL_INT && c.i == 0);
    CHECK_INT("value/null", rs_rowdecode_value(rs_jsonscan_cstr("null"), &scratch, &c, &err),
              RS_OK);
    CHECK_INT("value/null_kind", c.kind, RS_CELL_NULL);
    CHECK_INT("value/lone_surrogate",
              rs_rowdecode_value(rs_jsonscan_cstr("\"\\ud800\""), &scratch, &c, &err), RS_OK);
    CHECK("value/lone_surrogate_is_replacement_char",
          c.kind == RS_CELL_TEXT && c.len == 3 && memcmp(c.text, "\xef\xbf\xbd", 3) == 0);
    CHECK_INT("value/bad_escape",
              rs_rowdecode_value(rs_jsonscan_cstr("\"\\q\""), &scratch, &c, &err), RS_EPARSE);
    CHECK_INT("value/garbage", rs_rowdecode_value(rs_jsonscan_cstr("@"), &scratch, &c, &err),
              RS_EPARSE);
    CHECK_STR("value/garbage_msg", err.msg, "rockset: malformed value in result row");
    rs_buf_free(&scratch);
}

/* A row indexed ahead (rs_rowdecode_index_into, on a copy of the decoder) decodes to the same
 * cells as the row indexed in place: every kind, escapes, the first of a repeated key, a
 * missing field, a column with no field. */
static void test_indexed_ahead(void) {
    rs_rowdecode *d = rs_rowdecode_new(names, N_NAMES);
    rs_rowdecode *ahead = d != NULL ? rs_rowdecode_copy(d) : NULL;
    rs_jsonscan_span row = rs_jsonscan_cstr(row_text), vals[N_NAMES];
    rs_err err;
    char name[64], want[256];
    size_t i;

    CHECK("ahead/copy", ahead != NULL && rs_rowdecode_columns(ahead) == N_NAMES);
    if (ahead == NULL) {
        rs_rowdecode_free(d);
        return;
    }
    rs_err_clear(&err);
    CHECK_INT("ahead/index_into", rs_rowdecode_index_into(ahead, row, vals, &err), RS_OK);
    CHECK_INT("ahead/index", rs_rowdecode_index(d, row, &err), RS_OK);
    for (i = 0; i < N_NAMES; i++) {
        rs_cell c, in_place;
        char got[256];
        snprintf(name, sizeof(name), "ahead/same_cell/%zu", i);
        CHECK(name, rs_rowdecode_cell_of(d, vals[i], &c, &err) == RS_OK);
        /* copied out first: both decode escaped strings into d's scratch */
        snprintf(got, sizeof(got), "%d:%lld:%.17g:%.*s", (int)c.kind, c.i, c.r, (int)c.len,
                 c.text ? c.text : "");
        rs_rowdecode_cell(d, i, &in_place, &err);
        snprintf(want, sizeof(want), "%d:%lld:%.17g:%.*s", (int)in_place.kind, in_place.i,
                 in_place.r, (int)in_place.len, in_place.text ? in_place.text : "");
        CHECK_STR(name, got, want);
    }
    CHECK("ahead/missing_is_null", vals[8].ptr == NULL);
    CHECK("ahead/no_field_is_null", vals[10].ptr == NULL);
    CHECK_INT("ahead/not_an_object",
              rs_rowdecode_index_into(ahead, rs_jsonscan_cstr("[1]"), vals, &err), RS_EPARSE);
    rs_rowdecode_free(ahead);
    rs_rowdecode_free(d);
}

int main(void) {
    test_row();
    test_values();
    test_indexed_ahead();
    TEST_DONE();
}
