/*
 * test_value.c - the SQL runtime's value model (runtime/value.h) and temporal text forms
 * (runtime/datetime.h): JSON in and out, the SQLite encoding round trip, comparison and order,
 * and how document JSON is read (the base's jsonscan: repeated names, escapes, malformed text).
 */
#include "server/runtime/catalog.h"
#include "server/runtime/datetime.h"
#include "server/runtime/value.h"
#include "testlib.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* JSON text -> rv -> JSON text in the given form. */
static char *roundtrip(const char *json, rv_json_form form) {
    rs_buf scratch = RS_BUF_INIT, out = RS_BUF_INIT;
    rs_err err;
    rv v;
    char *res = NULL;
    if (rv_from_json(json, strlen(json), &v, &scratch, &err) == 0 &&
        rv_to_json(&out, &v, form) == 0)
        res = strdup(rs_buf_cstr(&out));
    rs_buf_free(&scratch);
    rs_buf_free(&out);
    return res;
}

static rv_type type_of(const char *json) {
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    rv v;
    rv_type t = RV_N_TYPES;
    if (rv_from_json(json, strlen(json), &v, &scratch, &err) == 0)
        t = v.type;
    rs_buf_free(&scratch);
    return t;
}

static void check_roundtrip(const char *name, const char *json, rv_json_form form,
                            const char *want) {
    char *got = roundtrip(json, form);
    CHECK_STR(name, got, want);
    free(got);
}

static void test_json(void) {
    CHECK_INT("json/int", type_of("42"), RV_INT);
    CHECK_INT("json/int_max", type_of("9223372036854775807"), RV_INT);
    CHECK_INT("json/int_min", type_of("-9223372036854775808"), RV_INT);
    CHECK_INT("json/beyond_int64_is_float", type_of("9223372036854775808"), RV_FLOAT);
    CHECK_INT("json/float", type_of("1.5"), RV_FLOAT);
    CHECK_INT("json/null", type_of("null"), RV_NULL);
    CHECK_INT("json/bool", type_of(" true"), RV_BOOL);
    CHECK_INT("json/array", type_of("[1,2]"), RV_ARRAY);
    CHECK_INT("json/object", type_of("{\"a\":1}"), RV_OBJECT);
    CHECK_INT("json/typed_date", type_of("{\"__rockset_type\":\"date\",\"value\":\"2024-01-05\"}"),
              RV_DATE);
    CHECK_INT("json/typed_any_order",
              type_of("{\"value\":\"2024-01-05T10:00:00Z\",\"__rockset_type\":\"TIMESTAMP\"}"),
              RV_TIMESTAMP);
    CHECK_INT("json/typed_bad_value_stays_object",
              type_of("{\"__rockset_type\":\"date\",\"value\":\"2024-13-05\"}"), RV_OBJECT);
    check_roundtrip("json/float_text", "1.50", RV_FORM_API, "1.5");
    check_roundtrip("json/float_whole", "100.0", RV_FORM_API, "100.0");
    check_roundtrip("json/float_exp", "1e20", RV_FORM_API, "1e+20");
    check_roundtrip("json/string_escapes", "\"a\\nb\\u00e9\"", RV_FORM_API, "\"a\\nb\xc3\xa9\"");
    check_roundtrip("json/timestamp_api",
                    "{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-05 10:00:00.5+01:00\"}",
                    RV_FORM_API, "\"2024-01-05T09:00:00.500000Z\"");
    check_roundtrip("json/timestamp_doc",
                    "{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-05T10:00:00Z\"}",
                    RV_FORM_DOC,
                    "{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-05T10:00:00.000000Z\"}");
    check_roundtrip(
        "json/datetime", "{\"__rockset_type\":\"datetime\",\"value\":\"2018-1-1 9:30:45.456\"}",
        RV_FORM_API, "{\"__rockset_type\":\"datetime\",\"value\":\"2018-01-01T09:30:45.456000\"}");
    check_roundtrip("json/time", "{\"__rockset_type\":\"time\",\"value\":\"9:30:45\"}", RV_FORM_API,
                    "{\"__rockset_type\":\"time\",\"value\":\"09:30:45\"}");
    check_roundtrip("json/bytes_api", "{\"__rockset_type\":\"bytes\",\"value\":\"aGVsbG8=\"}",
                    RV_FORM_API, "\"aGVsbG8=\"");
    check_roundtrip("json/bytes_doc", "{\"__rockset_type\":\"bytes\",\"value\":\"aGVsbG8=\"}",
                    RV_FORM_DOC, "{\"__rockset_type\":\"bytes\",\"value\":\"aGVsbG8=\"}");
    check_roundtrip("json/month_interval", "{\"__rockset_type\":\"month_interval\",\"value\":40}",
                    RV_FORM_API, "{\"__rockset_type\":\"month_interval\",\"value\":40}");
    check_roundtrip("json/nested_timestamp_api",
                    "[1,{\"t\":{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-05\"}}]",
                    RV_FORM_API, "[1,{\"t\":\"2024-01-05T00:00:00.000000Z\"}]");
    check_roundtrip("json/nested_kept_doc",
                    "[1, {\"t\":{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-05\"}}]",
                    RV_FORM_DOC,
                    "[1, {\"t\":{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-05\"}}]");
}

/* A value through SQLite: rv_result into a function result, read back with rv_from_sqlite. */
static sqlite3 *db;
static rv pending;

static void fn_emit(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    rv_result(ctx, &pending);
}

static int through_sqlite(const rv *in, rv *out, char *text_copy, size_t cap) {
    sqlite3_stmt *st;
    pending = *in;
    if (sqlite3_prepare_v2(db, "SELECT emit()", -1, &st, NULL) != SQLITE_OK)
        return -1;
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : -1;
    if (rc == 0) {
        rv_from_sqlite(sqlite3_column_value(st, 0), out);
        if (out->s != NULL && out->len < cap) {
            memcpy(text_copy, out->s, out->len);
            out->s = text_copy;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

static void test_sqlite_encoding(void) {
    char text[64];
    rv out;
    rv cases[] = {rv_undefined(),
                  rv_null(),
                  rv_bool(1),
                  rv_bool(0),
                  rv_int(-7),
                  rv_float(2.5),
                  rv_float(NAN),
                  rv_string("hé", 3),
                  rv_typed(RV_DATE, -1),
                  rv_typed(RV_TIMESTAMP, INT64_C(1704067200000000)),
                  rv_typed(RV_MICROSECOND_INTERVAL, -5),
                  rv_json(RV_BYTES, "a\0b", 3),
                  rv_json(RV_ARRAY, "[1]", 3)};
    sqlite3_open(":memory:", &db);
    sqlite3_create_function(db, "emit", 0, SQLITE_UTF8, NULL, fn_emit, NULL, NULL);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char name[64];
        snprintf(name, sizeof name, "sqlite/%s_%zu", rv_type_name(cases[k].type), k);
        int ok = through_sqlite(&cases[k], &out, text, sizeof text) == 0 &&
                 out.type == cases[k].type && out.i == cases[k].i && out.len == cases[k].len &&
                 (cases[k].type != RV_FLOAT || isnan(cases[k].f) ? 1 : out.f == cases[k].f) &&
                 (out.len == 0 || memcmp(out.s, cases[k].s, out.len) == 0);
        CHECK(name, ok);
    }
    CHECK("sqlite/nan_stays_nan",
          through_sqlite(&cases[6], &out, text, sizeof text) == 0 && isnan(out.f));
    sqlite3_close(db);
}

static int cmp_of(rv a, rv b) {
    int c = 99;
    return rv_compare(&a, &b, &c) ? c : 99;
}

static void test_compare(void) {
    CHECK_INT("cmp/int_float_equal", cmp_of(rv_int(2), rv_float(2.0)), 0);
    CHECK_INT("cmp/int_float_less", cmp_of(rv_int(2), rv_float(2.5)), -1);
    CHECK_INT("cmp/neg_fraction", cmp_of(rv_int(-1), rv_float(-1.5)), 1);
    CHECK_INT("cmp/big_int_exact",
              cmp_of(rv_int(INT64_C(9007199254740993)), rv_float(9007199254740992.0)), 1);
    CHECK_INT("cmp/null_incomparable", cmp_of(rv_null(), rv_null()), 99);
    CHECK_INT("cmp/undefined_incomparable", cmp_of(rv_undefined(), rv_int(1)), 99);
    CHECK_INT("cmp/types_differ", cmp_of(rv_int(1), rv_string("1", 1)), 99);
    CHECK_INT("cmp/string_bytes", cmp_of(rv_string("ab", 2), rv_string("abc", 3)), -1);
    CHECK_INT("cmp/date_vs_timestamp",
              cmp_of(rv_typed(RV_DATE, 1), rv_typed(RV_TIMESTAMP, RT_MICROS_PER_DAY)), 0);
    CHECK_INT(
        "cmp/string_vs_timestamp",
        cmp_of(rv_string("2024-01-15", 10),
               rv_typed(RV_TIMESTAMP, rt_days_from_civil(2024, 1, 15) * RT_MICROS_PER_DAY + 1)),
        -1);
    CHECK_INT("cmp/arrays", cmp_of(rv_json(RV_ARRAY, "[1,2]", 5), rv_json(RV_ARRAY, "[1,3]", 5)),
              -1);
    rv a = rv_null(), b = rv_bool(0), c = rv_int(5), d = rv_string("a", 1),
       e = rv_json(RV_ARRAY, "[]", 2), u = rv_undefined();
    CHECK("order/undefined_null", rv_order(&u, &a) < 0);
    CHECK("order/null_bool", rv_order(&a, &b) < 0);
    CHECK("order/bool_number", rv_order(&b, &c) < 0);
    CHECK("order/number_string", rv_order(&c, &d) < 0);
    CHECK("order/string_array", rv_order(&d, &e) < 0);
}

/* A nest of `levels` arrays, malloc'd. */
static char *nested_arrays(int levels) {
    char *text = malloc((size_t)levels * 2 + 1);
    memset(text, '[', (size_t)levels);
    memset(text + levels, ']', (size_t)levels);
    text[levels * 2] = 0;
    return text;
}

/* What rv_from_json relies on in the JSON reader: the last of repeated names, escaped names,
 * strict grammar (text that is not one JSON value is an error), the nesting limit. */
static void test_json_reading(void) {
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    rv v;
    CHECK_INT("read/typed_tag_repeated_last_wins",
              type_of("{\"__rockset_type\":\"nope\",\"value\":\"2024-01-05\","
                      "\"__rockset_type\":\"date\"}"),
              RV_DATE);
    CHECK_INT("read/typed_value_repeated_last_wins",
              type_of("{\"__rockset_type\":\"date\",\"value\":\"x\",\"value\":\"2024-01-05\"}"),
              RV_DATE);
    CHECK_INT("read/typed_escaped_key",
              type_of("{\"\\u005f_rockset_type\":\"date\",\"value\":\"2024-01-05\"}"), RV_DATE);
    CHECK("read/escaped_string",
          rv_from_json("\"a\\u00e9\\n\\ud83d\"", 20, &v, &scratch, &err) == 0 &&
              v.type == RV_STRING && v.len == 7 && memcmp(v.s, "a\xc3\xa9\n\xef\xbf\xbd", 7) == 0);
    CHECK("read/plain_string_borrowed", rv_from_json(" \"abc\" ", 7, &v, &scratch, &err) == 0 &&
                                            v.len == 3 && memcmp(v.s, "abc", 3) == 0);
    rs_buf_free(&scratch);
    CHECK_INT("read/trailing_text_ignored", type_of(" 12 x"), RV_INT);
    CHECK_INT("read/bad_fraction", type_of("1."), RV_N_TYPES);
    CHECK_INT("read/bad_exponent", type_of("1e"), RV_N_TYPES);
    CHECK_INT("read/control_in_string", type_of("\"a\tb\""), RV_N_TYPES);
    CHECK_INT("read/bad_escape", type_of("\"a\\qb\""), RV_N_TYPES);
    CHECK_INT("read/trailing_comma", type_of("[1,]"), RV_N_TYPES);
    CHECK_INT("read/unclosed", type_of("{\"a\":1"), RV_N_TYPES);
    CHECK_INT("read/empty", type_of("  "), RV_N_TYPES);
    char *deep = nested_arrays(512);
    CHECK_INT("read/depth_512", type_of(deep), RV_ARRAY);
    free(deep);
    deep = nested_arrays(513);
    CHECK_INT("read/depth_513", type_of(deep), RV_N_TYPES);
    free(deep);
}

/* rv_iter over objects and arrays: keys decoded, members typed, malformed text stops with -1. */
static void test_iter(void) {
    const char *obj =
        "{\"k\\u00e9\":1, \"t\":{\"__rockset_type\":\"date\",\"value\":\"2024-01-05\"}}";
    rs_buf scratch = RS_BUF_INIT, key = RS_BUF_INIT;
    rs_err err;
    rv_iter it;
    rv elem, c = rv_json(RV_OBJECT, obj, strlen(obj));
    CHECK_INT("iter/init", rv_iter_init(&it, &c), 0);
    CHECK("iter/first", rv_iter_next(&it, &elem, &scratch, &key, &err) == 1 &&
                            elem.type == RV_INT && key.len == 3 &&
                            memcmp(key.data, "k\xc3\xa9", 3) == 0);
    CHECK("iter/typed", rv_iter_next(&it, &elem, &scratch, &key, &err) == 1 &&
                            elem.type == RV_DATE && strcmp(rs_buf_cstr(&key), "t") == 0);
    CHECK_INT("iter/end", rv_iter_next(&it, &elem, &scratch, &key, &err), 0);
    c = rv_json(RV_OBJECT, "{\"a\":1,\"b\"}", 12);
    rv_iter_init(&it, &c);
    CHECK_INT("iter/malformed_first_ok", rv_iter_next(&it, &elem, &scratch, &key, &err), 1);
    CHECK_INT("iter/malformed", rv_iter_next(&it, &elem, &scratch, &key, &err), -1);
    CHECK_INT("iter/malformed_stays", rv_iter_next(&it, &elem, &scratch, &key, &err), -1);
    c = rv_json(RV_ARRAY, "[1,\"x\\q\"]", 10);
    rv_iter_init(&it, &c);
    rv_iter_next(&it, &elem, &scratch, &key, &err);
    CHECK_INT("iter/bad_element", rv_iter_next(&it, &elem, &scratch, &key, &err), -1);
    c = rv_int(3);
    CHECK_INT("iter/not_container", rv_iter_init(&it, &c), RS_EINVAL);
    CHECK_INT("iter/not_container_yields", rv_iter_next(&it, &elem, &scratch, &key, &err), 0);
    c = rv_json(RV_OBJECT, "[1]", 3);
    CHECK_INT("iter/wrong_bracket", rv_iter_init(&it, &c), RS_EPARSE);
    CHECK_INT("iter/wrong_bracket_yields", rv_iter_next(&it, &elem, &scratch, &key, &err), 0);
    rs_buf_free(&scratch);
    rs_buf_free(&key);
}

/* The text of `SELECT <expr>` on a connection with the runtime's functions; "" for SQL NULL. */
static const char *select_text(sqlite3 *conn, const char *expr) {
    static char out[256];
    char sql[512];
    sqlite3_stmt *st;
    snprintf(sql, sizeof sql, "SELECT CAST(%s AS TEXT)", expr);
    snprintf(out, sizeof out, "(error)");
    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
        return out;
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(out, sizeof out, "%s",
                 sqlite3_column_type(st, 0) == SQLITE_NULL
                     ? ""
                     : (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* rs_get reads a field the way documents are read: the last of repeated names, escaped names,
 * indexes; a missing step or malformed text is undefined (SQL NULL). */
static void test_rs_get(void) {
    sqlite3 *conn;
    sqlite3_open(":memory:", &conn);
    CHECK_INT("rs_get/register", rt_catalog_register(conn), SQLITE_OK);
    CHECK_STR("rs_get/repeated_last",
              select_text(conn, "rs_get('{\"a\":1,\"a\":{\"b\":[5,6]}}','a','b',1)"), "6");
    CHECK_STR("rs_get/escaped_name", select_text(conn, "rs_get('{\"\\u0061\":7}','a')"), "7");
    CHECK_STR("rs_get/missing", select_text(conn, "rs_get('{\"a\":1}','b')"), "");
    CHECK_STR("rs_get/index_past_end", select_text(conn, "rs_get('{\"a\":[1]}','a',1)"), "");
    CHECK_STR("rs_get/malformed_after", select_text(conn, "rs_get('{\"a\":1,\"b\":}','a')"), "");
    CHECK_STR("rs_get/element_before_fault", select_text(conn, "rs_get('{\"a\":[1,2,}','a')"), "");
    CHECK_STR("rs_get/event_time",
              select_text(conn, "rsf_typeof(rs_get('{\"_event_time\":\"2024-01-05T10:00:00Z\"}',"
                                "'_event_time'))"),
              "timestamp");
    sqlite3_close(conn);
}

/* counted(x): x, counting its calls (deterministic, as the runtime's functions are). */
static int n_counted;
static void fn_counted(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    n_counted++;
    sqlite3_result_value(ctx, argv[0]);
}

/* How many times counted() ran in one execution of sql over 100 rows of t, ?1 bound to ts. */
static int calls_over_100_rows(sqlite3 *conn, const char *sql, const char *ts) {
    sqlite3_stmt *st;
    n_counted = 0;
    if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, ts, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW)
        ;
    sqlite3_finalize(st);
    return n_counted;
}

/* rs_instant: TIMESTAMP, DATETIME and DATE are instants, nothing else is. The translator writes
 * a range's conjunct as `(rs_instant(<constant>) OR <conjunct>)` so that SQLite computes the check
 * once; `rsf_typeof(<constant>) IN (...)`, its form before, ran on every row (an IN's left side
 * is not factored out), parsing a parameter again for each document. */
static void test_rs_instant(void) {
    sqlite3 *conn;
    sqlite3_open(":memory:", &conn);
    CHECK_INT("rs_instant/register", rt_catalog_register(conn), SQLITE_OK);
    CHECK_STR("rs_instant/timestamp",
              select_text(conn, "rs_instant(rsf_parse_timestamp_iso8601('2024-01-05T10:00:00Z'))"),
              "1");
    CHECK_STR("rs_instant/datetime",
              select_text(conn, "rs_instant(rsf_parse_datetime_iso8601('2024-01-05T10:00:00'))"),
              "1");
    CHECK_STR("rs_instant/date", select_text(conn, "rs_instant(rsf_parse_date_iso8601('2024-01-05'))"),
              "1");
    CHECK_STR("rs_instant/string", select_text(conn, "rs_instant('2024-01-05')"), "0");
    CHECK_STR("rs_instant/int", select_text(conn, "rs_instant(5)"), "0");
    CHECK_STR("rs_instant/undefined", select_text(conn, "rs_instant(rs_get('{}','a'))"), "0");
    CHECK_STR("rs_instant/time", select_text(conn, "rs_instant(rsf_time(1,2,3))"), "0");
    sqlite3_create_function(conn, "counted", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            fn_counted, NULL, NULL);
    sqlite3_exec(conn,
                 "CREATE TABLE t(doc); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                 "FROM n WHERE i < 100) INSERT INTO t SELECT '{\"t\":\"x\"}' FROM n",
                 NULL, NULL, NULL);
    CHECK_INT("rs_instant/once",
              calls_over_100_rows(conn,
                                  "SELECT doc FROM t WHERE (rs_instant(rsf_parse_timestamp_iso8601("
                                  "counted(?1))) OR rs_cmp(rs_get(doc,'t'),'a') = 0)",
                                  "2024-01-05T10:00:00Z"),
              1);
    CHECK_INT("rs_instant/in_every_row",
              calls_over_100_rows(conn,
                                  "SELECT doc FROM t WHERE (rsf_typeof(rsf_parse_timestamp_iso8601("
                                  "counted(?1))) IN ('timestamp', 'datetime', 'date') OR "
                                  "rs_cmp(rs_get(doc,'t'),'a') = 0)",
                                  "2024-01-05T10:00:00Z"),
              100);
    sqlite3_close(conn);
}

/* rt_parse_iso8601: whitespace around the text and a day past its month's end (to 31) pass;
 * the strict parsers still refuse both. */
static void test_iso8601_lax(void) {
    int64_t v = 0, want = 0;
    CHECK("lax/tab", rt_parse_iso8601("\t2022-05-01T00:06:32.839Z\n", 26, 0, &v) == 0 &&
                         rt_parse_timestamp("2022-05-01T00:06:32.839Z", 24, &want) == 0 &&
                         v == want);
    CHECK("strict/tab", rt_parse_timestamp("\t2022-05-01T00:06:32.839Z", 25, &v) != 0);
    CHECK("lax/april31", rt_parse_iso8601("2023-04-31T00:00:00.000Z", 24, 0, &v) == 0 &&
                             v == rt_days_from_civil(2023, 5, 1) * 86400 * INT64_C(1000000));
    CHECK("strict/april31", rt_parse_timestamp("2023-04-31T00:00:00.000Z", 24, &v) != 0);
    CHECK("lax/dec31_ok", rt_parse_iso8601("2023-12-31", 10, 1, &v) == 0 &&
                              v == rt_days_from_civil(2023, 12, 31));
    CHECK("lax/feb30_leap", rt_parse_iso8601("2024-02-30", 10, 1, &v) == 0 &&
                                v == rt_days_from_civil(2024, 3, 1));
    CHECK("lax/feb31_common", rt_parse_iso8601("2023-02-31", 10, 1, &v) == 0 &&
                                  v == rt_days_from_civil(2023, 3, 3));
    CHECK("lax/date_of_timestamp", rt_parse_iso8601(" 2024-01-05T23:10:00+02:00", 26, 1, &v) == 0 &&
                                       v == rt_days_from_civil(2024, 1, 5));
    CHECK("lax/day32", rt_parse_iso8601("2023-12-32", 10, 1, &v) != 0);
    CHECK("lax/month13", rt_parse_iso8601("2023-13-01", 10, 0, &v) != 0);
    CHECK("lax/blank", rt_parse_iso8601("  ", 2, 0, &v) != 0);
    CHECK("lax/inner_space", rt_parse_iso8601("2023-01-01 T00:00:00Z", 21, 0, &v) != 0);
}

static void test_datetime(void) {
    int64_t v = 0;
    char text[48];
    CHECK("dt/date_short_fields",
          rt_parse_date("2018-1-1", 8, &v) == 0 && v == rt_days_from_civil(2018, 1, 1));
    CHECK("dt/date_feb30", rt_parse_date("2024-02-30", 10, &v) != 0);
    CHECK("dt/time_needs_seconds", rt_parse_time("10:30", 5, &v) != 0);
    CHECK("dt/timestamp_minutes_only", rt_parse_timestamp("2024-01-05T10:30Z", 17, &v) == 0);
    rt_format_timestamp(text, sizeof text, v);
    CHECK_STR("dt/timestamp_text", text, "2024-01-05T10:30:00.000000Z");
    CHECK("dt/timestamp_nanos_truncated",
          rt_parse_timestamp("2024-01-05T10:30:00.123456789Z", 30, &v) == 0 &&
              v % 1000000 == 123456);
    rt_format_datetime(text, sizeof text, -1);
    CHECK_STR("dt/before_epoch", text, "1969-12-31T23:59:59.999999");
    CHECK_INT("dt/weekday_thursday", rt_iso_weekday(0), 4);
    rt_format_time(text, sizeof text, INT64_C(34245000000));
    CHECK_STR("dt/time_text", text, "09:30:45");
    test_iso8601_lax();
}

/* The digit-by-digit writers against snprintf's spelling of the same civil time, over years
 * 0 to 9999 and past both ends (a sign, a fifth digit: snprintf's path). */
static void test_format_digits(void) {
    static const int64_t anchors[] = {0, -1, INT64_C(253402300799999999),
                                      INT64_C(253402300800000000), INT64_C(-62167219200000000),
                                      INT64_C(-62167219200000001), INT64_MAX, INT64_MIN};
    char got[64], want[64];
    int bad = 0;
    uint64_t seed = 99;
    for (int i = 0; i < 20000; i++) {
        int64_t micros;
        if (i < (int)(sizeof anchors / sizeof anchors[0])) {
            micros = anchors[i];
        } else {
            seed = seed * UINT64_C(6364136223846793005) + 1;
            micros = (int64_t)(seed >> 1) % INT64_C(400000000000000000);
            micros -= i % 2 ? INT64_C(100000000000000000) : 0;
        }
        rt_civil c;
        rt_civil_from_micros(micros, &c);
        rt_format_timestamp(got, sizeof got, micros);
        snprintf(want, sizeof want, "%04lld-%02d-%02dT%02d:%02d:%02d.%06dZ", (long long)c.year,
                 c.month, c.day, c.hour, c.minute, c.second, c.micros);
        bad += strcmp(got, want) != 0;
        rt_format_datetime(got, sizeof got, micros);
        want[strlen(want) - 1] = '\0';
        bad += strcmp(got, want) != 0;
        rt_format_timestamp_seconds(got, sizeof got, micros);
        snprintf(want, sizeof want, "%04lld-%02d-%02dT%02d:%02d:%02dZ", (long long)c.year, c.month,
                 c.day, c.hour, c.minute, c.second);
        bad += strcmp(got, want) != 0;
    }
    CHECK_INT("dt/digits_as_snprintf", bad, 0);
    rt_format_timestamp(got, sizeof got, INT64_C(253402300800000000));
    CHECK_STR("dt/year_10000", got, "10000-01-01T00:00:00.000000Z");
    rt_format_timestamp(got, sizeof got, INT64_C(-62167219200000001));
    CHECK_STR("dt/year_minus_1", got, "-001-12-31T23:59:59.999999Z");
    rt_format_timestamp(got, 8, 0);
    CHECK_STR("dt/short_buffer", got, "1970-01");
}

/* Week and day numbers (EXTRACT and format strings share them), metadata times. */
static void test_weeks(void) {
    char text[48];
    int week = 0;
    int64_t year = 0;
    CHECK_INT("week/doy_jan1", rt_day_of_year(rt_days_from_civil(2024, 1, 1)), 1);
    CHECK_INT("week/doy_leap_dec31", rt_day_of_year(rt_days_from_civil(2024, 12, 31)), 366);
    /* 2023-01-01 is a Sunday: week 1 of %U, still week 0 of %W */
    CHECK_INT("week/sunday_first", rt_week_of_year(rt_days_from_civil(2023, 1, 1), 0), 1);
    CHECK_INT("week/monday_first", rt_week_of_year(rt_days_from_civil(2023, 1, 1), 1), 0);
    CHECK_INT("week/monday_first_jan2", rt_week_of_year(rt_days_from_civil(2023, 1, 2), 1), 1);
    rt_iso_week(rt_days_from_civil(2021, 1, 1), &week, &year);
    CHECK("week/iso_prev_year", week == 53 && year == 2020);
    rt_iso_week(rt_days_from_civil(2024, 12, 30), &week, &year);
    CHECK("week/iso_next_year", week == 1 && year == 2025);
    rt_iso_week(rt_days_from_civil(1969, 12, 31), &week, &year);
    CHECK("week/iso_before_epoch", week == 1 && year == 1970);
    rt_format_timestamp_seconds(text, sizeof text, INT64_C(1704450645999999));
    CHECK_STR("meta/seconds", text, "2024-01-05T10:30:45Z");
    rt_format_timestamp_seconds(text, sizeof text, -1);
    CHECK_STR("meta/before_epoch", text, "1969-12-31T23:59:59Z");
    CHECK("meta/micros_of_ms", rt_micros_of(-1, 1000) == -1000);
    CHECK("meta/micros_clamped_high", rt_micros_of(INT64_MAX / 10, 1000) == INT64_MAX);
    CHECK("meta/micros_clamped_low", rt_micros_of(INT64_MIN / 10, 1000) == INT64_MIN);
}

/* The sign of key(a) - key(b), by their bytes (an index's order). */
static int key_order(const rv *a, const rv *b) {
    rs_buf ka = RS_BUF_INIT, kb = RS_BUF_INIT;
    rv_skey_append(&ka, a);
    rv_skey_append(&kb, b);
    size_t n = ka.len < kb.len ? ka.len : kb.len;
    int c = n ? memcmp(ka.data, kb.data, n) : 0;
    c = c ? c : (ka.len > kb.len) - (ka.len < kb.len);
    rs_buf_free(&ka);
    rs_buf_free(&kb);
    return (c > 0) - (c < 0);
}

/* rv_key_bound: when the indexed values are all TIMESTAMPs or all DATETIMEs, a bound by a DATE,
 * DATETIME, TIMESTAMP or a string reading as one is exact: for every indexed value x, x compares
 * with c as key(x) compares with key(bound(c)). Instants near each other, on both sides. */
static void test_key_bound(void) {
    static const char *const texts[] = {"2024-01-03T00:00:00Z", "2024-01-03T00:00:00",
                                        "2024-01-03", "2024-01-02T23:59:59.999999Z", "soon"};
    const int64_t day = INT64_C(86400000000), base = INT64_C(19725) * day; /* 2024-01-03 */
    int bad = 0, bounded = 0;
    for (int indexed = RV_KEYS_TIMESTAMPS; indexed <= RV_KEYS_DATETIMES; indexed++) {
        rv_type kind = indexed == RV_KEYS_TIMESTAMPS ? RV_TIMESTAMP : RV_DATETIME;
        for (int ci = 0; ci < 3 + (int)(sizeof texts / sizeof texts[0]); ci++) {
            rv c, bound;
            if (ci == 0)
                c = rv_typed(RV_DATE, base / day);
            else if (ci == 1)
                c = rv_typed(RV_DATETIME, base + 1);
            else if (ci == 2)
                c = rv_typed(RV_TIMESTAMP, base - 1);
            else
                c = rv_string(texts[ci - 3], strlen(texts[ci - 3]));
            if (!rv_key_bound(&c, indexed, &bound))
                continue;
            bounded++;
            for (int64_t d = -3; d <= 3; d++) {
                rv x = rv_typed(kind, base + d);
                int cmp = 0;
                if (!rv_compare(&x, &c, &cmp))
                    bad++;
                else
                    bad += (cmp > 0) - (cmp < 0) != key_order(&x, &bound);
            }
        }
    }
    CHECK_INT("key_bound/exact", bad, 0);
    /* the instants both ways; as a TIMESTAMP every string but "soon", as a DATETIME only those
     * without a zone */
    CHECK_INT("key_bound/bounded", bounded, 12);
    rv c = rv_typed(RV_DATE, 1), bound;
    CHECK("key_bound/any_keys_not_exact", !rv_key_bound(&c, RV_KEYS_ANY, &bound));
}

/* rs_trunc_next(unit, x): the boundary after DATE_TRUNC(unit, x), of x's type, across a
 * year's end, a leap day and the week's Monday; errors as DATE_TRUNC's. */
static void test_trunc_next(void) {
    static const char *const cases[][3] = {
        {"'DAY'", "rsf_parse_datetime_iso8601('2024-02-28T13:00:00')", "2024-02-29T00:00:00.000000"},
        {"'MONTH'", "rsf_parse_datetime_iso8601('2024-12-15T10:00:00')", "2025-01-01T00:00:00.000000"},
        {"'QUARTER'", "rsf_parse_timestamp_iso8601('2024-11-02T00:00:00Z')", "2025-01-01T00:00:00.000000Z"},
        {"'YEAR'", "rsf_parse_date_iso8601('2024-01-01')", "2025-01-01"},
        {"'WEEK'", "rsf_parse_datetime_iso8601('2024-01-03T08:00:00')", "2024-01-08T00:00:00.000000"},
        {"'HOUR'", "rsf_parse_timestamp_iso8601('2024-01-03T08:59:59.5Z')", "2024-01-03T09:00:00.000000Z"},
        {"'DAY'", "rsf_parse_datetime_iso8601('2024-01-03T00:00:00')", "2024-01-04T00:00:00.000000"},
    };
    sqlite3 *conn = NULL;
    CHECK("trunc_next/open", sqlite3_open(":memory:", &conn) == SQLITE_OK && rt_catalog_register(conn) == 0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *sql = sqlite3_mprintf("SELECT rsf_format_iso8601(rs_trunc_next(%s, %s))", cases[i][0],
                                    cases[i][1]);
        sqlite3_stmt *st = NULL;
        const char *got = NULL;
        if (sqlite3_prepare_v2(conn, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            got = (const char *)sqlite3_column_text(st, 0);
        CHECK_STR(cases[i][0], got != NULL ? got : sqlite3_errmsg(conn), cases[i][2]);
        sqlite3_finalize(st);
        sqlite3_free(sql);
    }
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(conn, "SELECT rs_trunc_next('HOUR', rsf_parse_date_iso8601('2024-01-01'))", -1,
                       &st, NULL);
    CHECK("trunc_next/date_by_hour_fails", st != NULL && sqlite3_step(st) == SQLITE_ERROR);
    CHECK_STR("trunc_next/date_by_hour_message", sqlite3_errmsg(conn),
              "rs_trunc_next: cannot truncate a date to HOUR");
    sqlite3_finalize(st);
    sqlite3_close(conn);
}

int main(void) {
    test_json();
    test_sqlite_encoding();
    test_compare();
    test_datetime();
    test_format_digits();
    test_json_reading();
    test_iter();
    test_rs_get();
    test_rs_instant();
    test_weeks();
    test_key_bound();
    test_trunc_next();
    TEST_DONE();
}
