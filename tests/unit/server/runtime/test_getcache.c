/*
 * test_getcache.c - rs_get's per-connection document cache (runtime/fn_core.c, runtime/docindex.h,
 * rt_docindex): with several rs_get calls per row (an index key per field path, several fields
 * read), every answer is the one a walk of the text gives: duplicate keys (the last wins),
 * escaped keys, nesting deeper than the index, array subscripts after member names, missing
 * paths, _event_time, consecutive documents of the same length, and a join reading the rows of
 * two relations in turn, with more documents than the cache holds.
 */
#include "server/runtime/catalog.h"
#include "server/runtime/docindex.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *db;

/* SQL text of one value: quote(), blobs (arrays, objects, typed values) as B:<hex> */
#define SHOW(x) "CASE typeof(" x ") WHEN 'blob' THEN 'B:' || hex(" x ") ELSE quote(" x ") END"

/* The value of rs_get(doc, steps) from a fresh connection, one call: the plain walk. */
static char *reference(const char *doc, const char *steps) {
    sqlite3 *ref = NULL;
    sqlite3_stmt *st = NULL;
    char sql[512], *out = NULL;
    const char *comma = *steps ? "," : "";
    snprintf(sql, sizeof sql, "SELECT " SHOW("rs_get(?1%s%s)"), comma, steps, comma, steps, comma,
             steps);
    sqlite3_open(":memory:", &ref);
    rt_catalog_register(ref);
    if (sqlite3_prepare_v2(ref, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            out = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    sqlite3_close(ref);
    return out;
}

/* quote() of each rs_get(d, <steps>) of the list, for document doc, in one row. */
static char *row_of(const char *doc, const char *const *steps, int n) {
    char sql[2048];
    size_t at = 0;
    at += (size_t)snprintf(sql + at, sizeof sql - at, "SELECT ");
    for (int i = 0; i < n; i++)
        at += (size_t)snprintf(sql + at, sizeof sql - at, "%s" SHOW("rs_get(?1%s%s)"),
                               i ? " || ' | ' || " : "", *steps[i] ? "," : "", steps[i],
                               *steps[i] ? "," : "", steps[i], *steps[i] ? "," : "", steps[i]);
    sqlite3_stmt *st = NULL;
    char *out = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
            out = strdup((const char *)sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
    return out;
}

/* Each value of the row equals want's, and the plain walk's. */
static void check_row(const char *name, const char *doc, const char *const *steps, int n,
                      const char *want) {
    char ref[1024] = "";
    for (int i = 0; i < n; i++) {
        char *one = reference(doc, steps[i]);
        snprintf(ref + strlen(ref), sizeof ref - strlen(ref), "%s%s", i ? " | " : "",
                 one ? one : "?");
        free(one);
    }
    CHECK_STR(name, ref, want);
    /* twice: the first row builds the cache, the second finds it */
    for (int k = 0; k < 2; k++) {
        char *got = row_of(doc, steps, n);
        CHECK_STR(name, got, want);
        free(got);
    }
}

static void test_answers(void) {
    const char *dup[] = {"'a'", "'b'", "'a'"};
    check_row("duplicate_key_last_wins", "{\"a\":1,\"b\":2,\"a\":3}", dup, 3, "3 | 2 | 3");
    const char *esc[] = {"'ab'", "'a\"b'", "'c'"};
    check_row("escaped_keys", "{\"\\u0061b\":1,\"a\\\"b\":2,\"c\":\"x\\ny\"}", esc, 3,
              "1 | 2 | 'x\ny'");
    const char *deep[] = {"'a','b','c','d','e','f','g','h','i','j'", "'a','b'", "'z'"};
    check_row(
        "deeper_than_the_index",
        "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":{\"i\":{\"j\":7}}}}}}}}},"
        "\"z\":0}",
        deep, 3,
        "7 | B:7B2263223A7B2264223A7B2265223A7B2266223A7B2267223A7B2268223A7B2269223A7B226A223A"
        "377D7D7D7D7D7D7D7D | 0");
    const char *arr[] = {"'a',1", "'a',1,'k'", "'a',5", "'a'"};
    check_row("subscripts_after_members", "{\"a\":[0,{\"k\":\"v\"}]}", arr, 4,
              "B:7B226B223A2276227D | 'v' | NULL | B:5B302C7B226B223A2276227D5D");
    const char *missing[] = {"'x'", "'a','x'", "'a','b','x'", "''"};
    check_row("missing", "{\"a\":{\"b\":1},\"\":5}", missing, 4, "NULL | NULL | NULL | 5");
    const char *whole[] = {"", "'a'"};
    check_row("no_steps", "{\"a\":1}", whole, 2, "B:7B2261223A317D | 1");
    /* nested objects are indexed when first entered: whole first, then inside, duplicates
     * inside, an empty one, one entered after a sibling was */
    const char *nest[] = {"'o'", "'o','p'", "'o','q','r'", "'e','x'", "'s','t'", "'o','p'"};
    check_row("nested_entered_later",
              "{\"o\":{\"p\":1,\"q\":{\"r\":\"x\"},\"p\":2},\"e\":{},\"s\":{\"t\":[3]}}",
              nest, 6,
              "B:7B2270223A312C2271223A7B2272223A2278227D2C2270223A327D | 2 | 'x' | NULL | "
              "B:5B335D | 2");
    const char *evt[] = {"'_event_time'", "'o','_event_time'"};
    check_row("event_time_typed",
              "{\"_event_time\":\"2024-01-02T03:04:05Z\",\"o\":{"
              "\"_event_time\":\"2024-01-02T03:04:05Z\"}}",
              evt, 2, "B:000A00060DEDC04DD340 | '2024-01-02T03:04:05Z'");
}

/* The text of the first column of sql's first row into got ("" when none). */
static void first_text(const char *sql, char *got, size_t size) {
    sqlite3_stmt *st = NULL;
    got[0] = '\0';
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0) != NULL)
        snprintf(got, size, "%s", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
}

/* Rows whose documents have the same length follow each other: each row reads its own. */
static void test_same_length_documents(void) {
    char got[256];
    first_text("SELECT group_concat(rs_get(d, 'x') || rs_get(d, 'y') || rs_get(d, 'x'), ' ')"
               " FROM (SELECT column1 AS d FROM (VALUES ('{\"x\":1,\"y\":2}'),"
               " ('{\"x\":3,\"y\":4}'), ('{\"x\":5,\"y\":6}'), ('{\"y\":7,\"x\":8}')))",
               got, sizeof got);
    CHECK_STR("each_row_its_own", got, "121 343 565 878");
}

/* A self-join of 6 documents of one length: each pair reads a.x, b.x, a.y, b.y in turn, so the
 * cache holds both rows at once and evicts the least recently used of its 4 entries. */
static void test_join_rows_in_turn(void) {
    char got[512];
    first_text("WITH v(d) AS (VALUES ('{\"x\":1,\"y\":2}'), ('{\"x\":3,\"y\":4}'),"
               " ('{\"x\":5,\"y\":6}'), ('{\"y\":7,\"x\":8}'),"
               " ('{\"x\":9,\"y\":0}'), ('{\"x\":2,\"y\":1}'))"
               " SELECT group_concat(rs_get(a.d, 'x') || rs_get(b.d, 'x') ||"
               " rs_get(a.d, 'y') || rs_get(b.d, 'y'), ' ')"
               " FROM v AS a, v AS b WHERE rs_get(a.d, 'x') < rs_get(b.d, 'x')"
               " AND rs_get(b.d, 'y') > rs_get(a.d, 'y')",
               got, sizeof got);
    CHECK_STR("pairs_read_in_turn", got, "1324 1526 1827 3546 3847 5867 2314 2516 2817");
}

/* rs_project(form, doc, name, path, ...) over one document, alone and after an rs_get of the
 * same document in the row (then it finds the cache entry that call built). */
static void check_project(const char *name, int form, const char *doc, const char *items,
                          const char *want) {
    for (int after_get = 0; after_get < 2; after_get++) {
        char sql[1024], got[4096] = "";
        snprintf(sql, sizeof sql, "SELECT %s, rs_project(%d, ?1, %s)",
                 after_get ? "rs_get(?1, 'a')" : "0", form, items);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 1) != NULL)
                snprintf(got, sizeof got, "%s", sqlite3_column_text(st, 1));
        }
        sqlite3_finalize(st);
        CHECK_STR(name, got, want);
    }
}

/* rs_project finds each path's first member in the cached index (or walks the text when the
 * document is not cached) and copies plain values as they are: every answer as before. */
static void test_project(void) {
    check_project("project_duplicate_last_wins", 1, "{\"a\":1,\"b\":2,\"a\":3}",
                  "'a','[\"a\"]','b','[\"b\"]'", "{\"a\":3,\"b\":2}");
    check_project("project_escaped_key", 1, "{\"\\u0061b\":1,\"c\":\"x\\ny\"}",
                  "'ab','[\"ab\"]','c','[\"c\"]'", "{\"ab\":1,\"c\":\"x\\ny\"}");
    check_project("project_nested", 1, "{\"o\":{\"p\":[10,{\"q\":\"v\"}]}}",
                  "'q','[\"o\",\"p\",1,\"q\"]','m','[\"m\"]'", "{\"q\":\"v\"}");
    check_project("project_values", 1,
                  "{\"z\":-0,\"i\":123456789012345678,\"j\":1234567890123456789,"
                  "\"f\":1.50,\"u\":\"\\u00e9/\",\"e\":\"\xc3\xa9\",\"t\":true,"
                  "\"n\":null,\"s\":\"a/b c\"}",
                  "'z','[\"z\"]','i','[\"i\"]','j','[\"j\"]','f','[\"f\"]','u','[\"u\"]',"
                  "'e','[\"e\"]','t','[\"t\"]','n','[\"n\"]','s','[\"s\"]'",
                  "{\"z\":0,\"i\":123456789012345678,\"j\":1234567890123456789,\"f\":1.5,"
                  "\"u\":\"\xc3\xa9/\",\"e\":\"\xc3\xa9\",\"t\":true,\"n\":null,\"s\":\"a/b c\"}");
    check_project("project_event_time", 1, "{\"_event_time\":\"2024-01-02T03:04:05Z\"}",
                  "'_event_time','[\"_event_time\"]'", "{\"_event_time\":\"2024-01-02T03:04:05.000000Z\"}");
    check_project("project_leading_space", 1, " {\"a\":1}", "'a','[\"a\"]'",
                  "{\"a\":1}");
    /* larger than the cache takes (GET_CACHE_MAX): the text is walked */
    size_t big = (1 << 20) + 64;
    char *doc = malloc(big + 32);
    if (doc != NULL) {
        int n = snprintf(doc, 32, "{\"a\":7,\"pad\":\"");
        memset(doc + n, 'p', big);
        snprintf(doc + n + big, 32, "\",\"b\":8}");
        check_project("project_uncached_document", 1, doc, "'b','[\"b\"]','a','[\"a\"]'",
                      "{\"b\":8,\"a\":7}");
        free(doc);
    }
}

/* A query's trust (docindex.h): the same answers on well-formed documents; an entry indexed on
 * trust is not what a later unchecked caller gets (a malformed text stays malformed to it). */
static void test_trusted_queries(void) {
    rt_docindex_trust_queries(1);
    test_answers();
    const char *a[] = {"'a'"};
    /* brackets balanced, a comma missing: a trusted reading finds a, a check finds no object */
    const char *bad = "{\"a\":1,\"b\":[1,2 3],\"c\":\"}\"}";
    char *trusted = row_of(bad, a, 1);
    CHECK("trusted_malformed_read_within_its_text", trusted != NULL);
    free(trusted);
    /* a nested object a trusted reading cannot index is read as text, checked */
    const char *inner[] = {"'o','p'", "'q'"};
    char *got = row_of("{\"o\":{\"p\":1 2},\"q\":3}", inner, 2);
    CHECK_STR("trusted_malformed_nested_read_as_text", got, "NULL | 3");
    free(got);
    rt_docindex_trust_queries(0);
    char *checked = row_of(bad, a, 1);
    char *walked = reference(bad, "'a'");
    CHECK_STR("trusted_entry_not_served_to_a_checked_call", checked, walked);
    free(checked);
    free(walked);
}

int main(void) {
    sqlite3_open(":memory:", &db);
    CHECK_INT("register", rt_catalog_register(db), SQLITE_OK);
    test_answers();
    test_same_length_documents();
    test_join_rows_in_turn();
    test_project();
    test_trusted_queries();
    sqlite3_close(db);
    TEST_DONE();
}
