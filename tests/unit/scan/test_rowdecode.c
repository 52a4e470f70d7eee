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

/* Numbers: the short-integer path and the general one decide alike at every edge. */
static void test_numbers(void) {
    static const struct {
        const char *text, *want;
    } cases[] = {
        {"0", "INT:0"},
        {"-0", "INT:0"},
        {"7", "INT:7"},
        {"-42", "INT:-42"},
        {"123456789012345678", "INT:123456789012345678"},
        {"-123456789012345678", "INT:-123456789012345678"},
        {"1234567890123456789", "INT:1234567890123456789"},
        {"9223372036854775807", "INT:9223372036854775807"},
        {"-9223372036854775808", "INT:-9223372036854775808"},
        {"9223372036854775808", "REAL:9.2233720368547758e+18"},
        {" 42 ", "INT:42"},
        {"1.5", "REAL:1.5"},
        {"-2e3", "REAL:-2000"},
        {"1E-2", "REAL:0.01"},
        {"007", "rockset: malformed value in result row"},
        {"-", "rockset: malformed value in result row"},
        {"--1", "rockset: malformed value in result row"},
        {"1-", "rockset: malformed value in result row"},
        {"12a", "rockset: malformed value in result row"},
        {"1.", "rockset: malformed value in result row"},
    };
    rs_buf scratch = RS_BUF_INIT;
    char name[64], got[sizeof(((rs_err *)0)->msg)];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        rs_cell c;
        rs_err err;
        rs_err_clear(&err);
        if (rs_rowdecode_value(rs_jsonscan_cstr(cases[i].text), &scratch, &c, &err) != RS_OK)
            snprintf(got, sizeof(got), "%s", err.msg);
        else if (c.kind == RS_CELL_INT)
            snprintf(got, sizeof(got), "INT:%lld", c.i);
        else
            snprintf(got, sizeof(got), "%s:%.17g", c.kind == RS_CELL_REAL ? "REAL" : "?", c.r);
        snprintf(name, sizeof(name), "number/%s", cases[i].text);
        CHECK_STR(name, got, cases[i].want);
    }
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

/* Every cell of d's indexed row as one line, for comparing two indexings. */
static void cells_line(rs_rowdecode *d, char *out, size_t size) {
    size_t i, used = 0;

    out[0] = '\0';
    for (i = 0; i < N_NAMES && used < size; i++)
        used += (size_t)snprintf(out + used, size - used, "%s|", cell_str(d, i));
}

/* rs_rowdecode_index_valid finds what rs_rowdecode_index finds, row after row on one decoder
 * (whose guesses of each member's key come from the row before): keys in another order, fewer
 * or more members, an escaped spelling of a known key, a repeated key, a key longer than a
 * guess holds, more members than it guesses, whitespace everywhere. */
static void test_index_valid(void) {
    static const char *const rows[] = {
        row_text,
        "{\"n\":1,\"s\":\"x\"}",
        "{\"s\":\"y\",\"n\":2}",
        "{\"\\u006e\":3,\"s\":\"z\"}",
        "{\"n\":4,\"n\":5,\"s\":{\"a\":\"}\"},\"a\":[\"]\",{}]}",
        "{\"a_key_much_longer_than_the_forty_eight_bytes_a_guess_holds\":1,\"n\":6}",
        "{\"a_key_much_longer_than_the_forty_eight_bytes_a_guess_holds\":1,\"n\":7}",
        " { \"s\" : \"w\" , \"n\" :\t8 } ",
        "{}",
        "{\"n\":9}",
    };
    rs_rowdecode *in_place = rs_rowdecode_new(names, N_NAMES);
    rs_rowdecode *fast = rs_rowdecode_new(names, N_NAMES);
    char name[64], want[2048], got[2048], wide[4096];
    size_t i, used = 0;
    rs_err err;

    CHECK("valid/new", in_place != NULL && fast != NULL);
    for (i = 0; in_place != NULL && fast != NULL && i < sizeof(rows) / sizeof(rows[0]); i++) {
        rs_err_clear(&err);
        snprintf(name, sizeof(name), "valid/row%zu", i);
        CHECK(name, rs_rowdecode_index(in_place, rs_jsonscan_cstr(rows[i]), &err) == RS_OK &&
                        rs_rowdecode_index_valid(fast, rs_jsonscan_cstr(rows[i]), &err) == RS_OK);
        cells_line(in_place, want, sizeof(want));
        cells_line(fast, got, sizeof(got));
        CHECK_STR(name, got, want);
    }
    /* 70 members: past the guesses, the keys are hashed and still found */
    used += (size_t)snprintf(wide, sizeof(wide), "{");
    for (i = 0; i < 70; i++)
        used += (size_t)snprintf(wide + used, sizeof(wide) - used, "\"m%zu\":%zu,", i, i);
    snprintf(wide + used, sizeof(wide) - used, "\"n\":70}");
    for (i = 0; fast != NULL && i < 2; i++) {
        CHECK_INT("valid/wide", rs_rowdecode_index_valid(fast, rs_jsonscan_cstr(wide), &err),
                  RS_OK);
        CHECK_STR("valid/wide_last_member", cell_str(fast, 1), "INT:70");
    }
    CHECK_INT("valid/not_object",
              fast ? rs_rowdecode_index_valid(fast, rs_jsonscan_cstr("[1]"), &err) : -1, RS_EPARSE);
    rs_rowdecode_free(in_place);
    rs_rowdecode_free(fast);
}

int main(void) {
    test_row();
    test_values();
    test_numbers();
    test_indexed_ahead();
    test_index_valid();
    TEST_DONE();
}
