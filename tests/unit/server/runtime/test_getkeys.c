/*
 * test_getkeys.c - the fast paths of the index key functions (runtime/fn_core.c): rs_get's
 * direct results for plain strings and small integers, and rs_skey of them, give exactly what
 * the general path gives. The reference is rs_getv over rs_get's whole document (rs_getv reads
 * every value through rv_from_json), so each key is compared byte for byte with the one a stored
 * index holds: ints, floats, big ints, strings with escapes and unicode, strings around the
 * fast path's length limit, nested paths, arrays, missing fields, null and booleans, duplicate
 * keys (the last wins), _event_time, and documents changing from row to row (the cache).
 */
#include "server/runtime/catalog.h"
#include "server/runtime/docindex.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *db;

/* One value as text: its type, its SQL quote (blobs in hex), its length and its sort key. */
#define SHOW(x)                                                                            \
    "typeof(" x ") || ':' || CASE typeof(" x ") WHEN 'blob' THEN hex(" x ") ELSE quote(" x \
    ") END || ':' || ifnull(length(" x "), '-') || ':' || ifnull(hex(rs_skey(" x ")), '-')"

/* Every row's value at steps, '|'-joined in row order, by the fast path (fast) or the
 * reference (rs_getv of the whole document). */
static char *values_at(const char *steps, int fast) {
    char expr[256], sql[2048];
    if (fast)
        snprintf(expr, sizeof expr, "rs_get(d, %s)", steps);
    else
        snprintf(expr, sizeof expr, "rs_getv(rs_get(d), %s)", steps);
    snprintf(sql, sizeof sql,
             "SELECT group_concat(v, '|') FROM (SELECT " SHOW("%s") " AS v FROM t ORDER BY n)",
             expr, expr, expr, expr, expr, expr);
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0) != NULL)
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

static void check_path(const char *name, const char *steps) {
    char *fast = values_at(steps, 1), *ref = values_at(steps, 0);
    CHECK(name, fast != NULL && ref != NULL);
    if (fast != NULL && ref != NULL)
        CHECK_STR(name, fast, ref);
    free(fast);
    free(ref);
}

/* The first column of sql's first row ("" when none), in a static buffer. */
static const char *first_text(const char *sql) {
    static char got[512];
    sqlite3_stmt *st = NULL;
    got[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0) != NULL)
        snprintf(got, sizeof got, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return got;
}

static void add_doc(int n, const char *doc) {
    sqlite3_stmt *st = NULL;
    sqlite3_prepare_v2(db, "INSERT INTO t VALUES (?1, ?2)", -1, &st, NULL);
    sqlite3_bind_int(st, 1, n);
    sqlite3_bind_text(st, 2, doc, -1, SQLITE_TRANSIENT);
    CHECK_INT("insert", sqlite3_step(st), SQLITE_DONE);
    sqlite3_finalize(st);
}

/* A document {"s": "<n x's>"}: strings around the fast path's length limit. */
static void add_long(int n, size_t len) {
    char *doc = malloc(len + 16);
    CHECK("alloc", doc != NULL);
    if (doc == NULL)
        return;
    memcpy(doc, "{\"s\":\"", 6);
    memset(doc + 6, 'x', len);
    memcpy(doc + 6 + len, "\"}", 3);
    add_doc(n, doc);
    free(doc);
}

static const char *const DOCS[] = {
    "{\"a\":0,\"s\":\"\",\"o\":{\"b\":{\"c\":\"deep\"}},\"l\":[1,\"x\",[2]]}",
    "{\"a\":-0,\"s\":\"abc\",\"o\":{\"b\":{\"c\":7}},\"l\":[]}",
    "{\"a\":7,\"s\":\"a\\\"b\\\\c\\n\"}",
    "{\"a\":-42,\"s\":\"\\u00e9t\\u00e9 \\ud83d\\ude00\"}",
    "{\"a\":123456789012345678,\"s\":\"\xc3\xa9t\xc3\xa9 \xf0\x9f\x98\x80\"}",
    "{\"a\":-123456789012345678,\"s\":\"x\\u0000y\"}",
    "{\"a\":1234567890123456789,\"s\":\"/\\/\"}",
    "{\"a\":9223372036854775807,\"s\":null}",
    "{\"a\":-9223372036854775808,\"s\":true}",
    "{\"a\":9223372036854775808,\"s\":false}",
    "{\"a\":-9223372036854775809,\"s\":[\"x\"]}",
    "{\"a\":1.5,\"s\":{\"k\":\"v\"}}",
    "{\"a\":1e3,\"s\":\"1\"}",
    "{\"a\":-0.0,\"s\":\"-1\"}",
    "{\"a\":2.0,\"s\":\"12\"}",
    "{\"a\":1E-2}",
    "{\"a\":1,\"a\":\"last\",\"s\":\"first\",\"s\":2}",
    "{\"a\":\"1\",\"s\":\"12\"}",
    "{\"a\":\"2\",\"s\":\"12\"}",
    "{ \"a\" : 12 , \"s\" : \"sp\" }",
    "{\"a\":{\"__rockset_type\":\"date\",\"value\":\"2024-01-05\"},\"s\":\"x\"}",
    "{\"_event_time\":\"2024-01-02T03:04:05Z\",\"a\":3,\"o\":{\"_event_time\":\"2024-01-02Z\"}}",
    "[1,\"x\",{\"a\":5}]",
    "\"just a string\"",
    "{\"a\":1,\"b\":}",
    "{\"s\":\"raw\x01control\",\"a\":1}",
    "[\"raw\x01control\",5]",
    "{\"a\":12x,\"s\":\"unterminated}",
    "{\"a\":-,\"s\":\"x\"",
};

/* rs_get(doc, 'a') etc. of doc, bound as it is (SQLITE_STATIC), in one row */
static char *row_of(const char *doc) {
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    sqlite3_prepare_v2(db,
                       "SELECT " SHOW("rs_get(?1, 'a')") " || '|' || " SHOW(
                           "rs_get(?1, 's')") " || '|' || " SHOW("rs_get(?1, 'o', 'b')"),
                       -1, &st, NULL);
    sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        out = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* A document the writer vouches for (rt_docindex_vouch) reads as the same document unvouched, also
 * when the next vouched document has the same length at the same address (the cache must not
 * take it for the previous one), and when rows of other documents come in between. */
static void test_vouched(void) {
    static const char *const docs[] = {
        "{\"a\":1,\"s\":\"x\",\"o\":{\"b\":[1]}}",
        "{\"a\":2,\"s\":\"y\",\"o\":{\"b\":[2]}}",
        "{\"s\":\"z\",\"a\":3,\"o\":{\"b\":[3]}}",
        "{\"a\":4,\"a\":5,\"o\":{\"b\":6}}",
        "{\"a\":\"\\u0041\",\"o\":{\"b\":{}}}",
        "{ \"a\" : -1.5e2 ,\"s\":\"q\\\"}\" , \"o\" : { \"b\" : [ {\"k\":\"]\"} ] } }"};
    char buf[128];
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
            char *copy = strdup(docs[i]);
            /* unvouched, from another address: before (the vouched rows find its entry) or
             * after (the vouched rows index the document themselves) */
            char *want = round == 0 ? row_of(copy) : NULL;
            snprintf(buf, sizeof buf, "%s", docs[i]);
            rt_docindex_vouch(buf, strlen(buf));
            char *got = row_of(buf), *again = row_of(buf);
            rt_docindex_vouch(NULL, 0);
            if (round == 1)
                want = row_of(copy);
            CHECK(docs[i], want != NULL && got != NULL && again != NULL);
            if (want != NULL && got != NULL && again != NULL) {
                CHECK_STR(docs[i], got, want);
                CHECK_STR(docs[i], again, want);
            }
            free(copy);
            free(want);
            free(got);
            free(again);
        }
    }
}

int main(void) {
    int n = 0;
    sqlite3_open(":memory:", &db);
    CHECK_INT("register", rt_catalog_register(db), SQLITE_OK);
    CHECK_INT("table", sqlite3_exec(db, "CREATE TABLE t(n INTEGER, d TEXT)", NULL, NULL, NULL),
              SQLITE_OK);
    for (size_t i = 0; i < sizeof DOCS / sizeof DOCS[0]; i++)
        add_doc(n++, DOCS[i]);
    for (size_t len = 250; len <= 262; len++)
        add_long(n++, len);
    add_long(n++, 5000);
    check_path("int_and_float", "'a'");
    check_path("strings", "'s'");
    check_path("nested", "'o','b','c'");
    check_path("nested_object", "'o','b'");
    check_path("event_time_nested", "'o','_event_time'");
    check_path("array", "'l'");
    check_path("array_element", "'l',1");
    check_path("array_nested", "'l',2,0");
    check_path("missing", "'zz'");
    check_path("missing_nested", "'o','zz'");
    check_path("subscript_of_array_doc", "2,'a'");
    check_path("element_of_array_doc", "1");
    check_path("element_0_of_array_doc", "0");
    check_path("string_member", "'s','k'");
    /* rs_get types a top-level _event_time (rs_getv does not): compared with its known key */
    CHECK_STR(
        "event_time",
        first_text("SELECT " SHOW("rs_get(d, '_event_time')") " FROM t"
                                                              " WHERE d LIKE '{\"_event_time%'"),
        "blob:000A00060DEDC04DD340:10:0A80060DEDC04DD340");
    /* exact keys, as stored indexes hold them, and as SQL's own values give them */
    CHECK_STR("exact_keys",
              first_text("SELECT hex(rs_skey(rs_get('{\"i\":5,\"s\":\"ab\"}','i'))) || ' ' ||"
                         " hex(rs_skey(rs_get('{\"i\":5,\"s\":\"ab\"}','s')))"),
              "03C0140000000000008000000000000000 056162");
    CHECK_STR("keys_of_sql_values",
              first_text("SELECT hex(rs_skey(5)) || ' ' || hex(rs_skey('ab'))"),
              "03C0140000000000008000000000000000 056162");
    test_vouched();
    sqlite3_close(db);
    TEST_DONE();
}
