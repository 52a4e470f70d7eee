/*
 * test_fieldindex.c - rockset-local's catalog of field paths and their indexes
 * (server/fieldindex.h): which paths are listed and which indexed (scalars at every level down
 * to the depth limit, typed values as scalars, arrays listed but not entered, _id listed but
 * not indexed, _meta not at all), exact document counts as documents enter and leave, the
 * 64-index and key-length limits, indexes off, the catalog's answers (has_field, lookup,
 * doc_count, estimate), and that SQLite keeps an index right through upserts and deletes.
 */
#include "buf.h"
#include "server/colltab.h"
#include "server/fieldindex.h"
#include "server/kept.h"
#include "server/sql/sqlxlate.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static sqlite3 *open_db_at(const char *path) {
    sqlite3 *db = NULL;
    sqlite3_open(path, &db);
    sqlx_register_functions(db);
    char *elems = sqlite3_mprintf(RL_FX_ELEMS_SQL, "t");
    sqlite3_exec(db,
                 RL_FX_SCHEMA_SQL "CREATE TABLE t_data(_id TEXT PRIMARY KEY, doc TEXT NOT NULL,"
                                  " seq INTEGER NOT NULL);",
                 NULL, NULL, NULL);
    sqlite3_exec(db, elems, NULL, NULL, NULL);
    sqlite3_free(elems);
    return db;
}

static sqlite3 *open_db(void) {
    return open_db_at(":memory:");
}

/* Column 0 of each row of sql, joined with " | ". */
static char *rows_of(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    rs_buf b = RS_BUF_INIT;
    sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW)
        rs_buf_printf(&b, "%s%s", b.len ? " | " : "", sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return rs_buf_detach(&b);
}

static int count_of(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    int n = -1;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return n;
}

static void check_rows(sqlite3 *db, const char *name, const char *sql, const char *want) {
    char *got = rows_of(db, sql);
    CHECK_STR(name, got, want);
    free(got);
}

static void note_rid(rl_fieldindex *fx, sqlite3 *db, const char *doc, int sign, int64_t rid) {
    rs_err err = {0};
    CHECK("note_ok", rl_fieldindex_note_doc(fx, doc, sign, rid, &err) == RS_OK);
    CHECK("flush_ok", rl_fieldindex_flush(fx, db, &err) == RS_OK);
}

static void note(rl_fieldindex *fx, sqlite3 *db, const char *doc, int sign) {
    rs_err err = {0};
    CHECK("note_ok", rl_fieldindex_note_doc(fx, doc, sign, 1, &err) == RS_OK);
    CHECK("flush_ok", rl_fieldindex_flush(fx, db, &err) == RS_OK);
}

#define LISTED \
    "SELECT args || ':' || n_docs || ':' || types FROM fx_paths WHERE tbl = 't' ORDER BY id"
#define INDEXED "SELECT args FROM fx_paths WHERE tbl = 't' AND indexed = 1 ORDER BY id"

static void test_paths(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    CHECK("load", rl_fieldindex_load(&fx, db, "t", 1, &err) == RS_OK);
    note(&fx, db,
         "{\"_id\":\"1\",\"_meta\":{\"x\":1},\"a\":1,\"o\":{\"p\":\"s\",\"q\":{\"r\":{\"s\":{"
         "\"deep\":1}}}},\"arr\":[{\"in\":1}],\"d\":{\"__rockset_type\":\"date\",\"value\":"
         "\"2024-01-01\"},\"it's\":null,\"a\":2}",
         +1);
    check_rows(db, "listed", LISTED,
               "'_id':1:64 | 'a':1:16 | 'o':1:1 | 'o','p':1:64 | 'o','q':1:1 | 'o','q','r':1:1 | "
               "'o','q','r','s':1:1 | 'arr':1:2 | 'd':1:896 | 'it''s':1:4");
    check_rows(db, "indexed", INDEXED, "'a' | 'o','p' | 'd' | 'it''s'");
    note(&fx, db, "{\"_id\":\"2\",\"a\":\"again\",\"o\":{\"p\":2,\"z\":true}}", +1);
    check_rows(db, "only_new_paths_indexed", INDEXED, "'a' | 'o','p' | 'd' | 'it''s' | 'o','z'");
    check_rows(db, "counts_and_types",
               "SELECT args || ':' || n_docs || ':' || types FROM fx_paths WHERE args IN"
               " ('''a''', '''o'',''p''', '''o'',''z''') ORDER BY id",
               "'a':2:80 | 'o','p':2:80 | 'o','z':1:8");
    CHECK_INT("indexes_created",
              count_of(db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND"
                           " name LIKE 't_fx%'"),
              5);
    CHECK_INT("doc_count", (int)rl_fieldindex_doc_count(db, "t"), 2);
    rl_fieldindex_free(&fx);
    /* a later write starts from what is recorded; a document leaving counts down */
    CHECK("reload", rl_fieldindex_load(&fx, db, "t", 1, &err) == RS_OK);
    CHECK_INT("reloaded_paths", fx.n_paths, 11);
    note(&fx, db, "{\"_id\":\"2\",\"a\":\"again\",\"o\":{\"p\":2,\"z\":true}}", -1);
    check_rows(db, "counted_down",
               "SELECT args || ':' || n_docs FROM fx_paths WHERE args IN ('''a''', '''o'',''z''')"
               " ORDER BY id",
               "'a':1 | 'o','z':0");
    CHECK_INT("doc_count_down", (int)rl_fieldindex_doc_count(db, "t"), 1);
    CHECK_INT("bytes_kept", count_of(db, "SELECT bytes > 100 FROM fx_colls WHERE tbl = 't'"), 1);
    rl_fieldindex_free(&fx);
    CHECK("drop", rl_fieldindex_drop(db, "t", &err) == RS_OK);
    CHECK_INT("dropped",
              count_of(db, "SELECT count(*) FROM fx_paths") +
                  count_of(db, "SELECT count(*) FROM fx_colls"),
              0);
    rl_kept_close(db);
}

static void test_limits(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    rs_buf doc = RS_BUF_INIT;
    int n = RL_FX_AUTO_INDEXES + 6;
    rl_fieldindex_load(&fx, db, "t", 1, &err);
    rs_buf_puts(&doc, "{");
    for (int i = 0; i < n; i++)
        rs_buf_printf(&doc, "%s\"f%03d\":%d", i ? "," : "", i, i);
    rs_buf_printf(&doc, ",\"%0200d\":1}", 0);
    note(&fx, db, rs_buf_cstr(&doc), +1);
    CHECK_INT("every_path_listed", count_of(db, "SELECT count(*) FROM fx_paths"), n);
    CHECK_INT("auto_budget_indexed", count_of(db, "SELECT count(*) FROM fx_paths WHERE indexed"),
              RL_FX_AUTO_INDEXES);
    char *last = sqlite3_mprintf("SELECT indexed FROM fx_paths WHERE args = '''f%03d'''",
                                 RL_FX_AUTO_INDEXES - 1);
    char *next = sqlite3_mprintf("SELECT indexed FROM fx_paths WHERE args = '''f%03d'''",
                                 RL_FX_AUTO_INDEXES);
    CHECK_INT("the_first_ones", count_of(db, last) * 10 + count_of(db, next), 10);
    rl_fieldindex_free(&fx);
    /* beyond the budget, by use: the background builds it (rl_fieldindex_build) */
    char *args = sqlite3_mprintf("'f%03d'", RL_FX_AUTO_INDEXES);
    sqlx_index ix;
    int wanted = 0;
    CHECK("unindexed", !rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, args, NULL, &ix, &wanted));
    CHECK_INT("asking_is_a_use", wanted, 1);
    CHECK("build", rl_fieldindex_build(db, "t", SQLX_INDEX_SCALAR, args, &err) == RS_OK);
    CHECK("built", rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, args, NULL, &ix, &wanted));
    CHECK_INT("no_longer_wanted", wanted, 0);
    sqlite3_free(args);
    sqlite3_free(last);
    sqlite3_free(next);
    rs_buf_free(&doc);
    rl_kept_close(db);

    db = open_db();
    rl_fieldindex_load(&fx, db, "t", 0, &err);
    note(&fx, db,
         "{\"k\":1,\"a\":[1],\""
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
         "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":2}",
         +1);
    CHECK_INT("long_key_not_listed", count_of(db, "SELECT count(*) FROM fx_paths"), 2);
    CHECK_INT("indexes_off_listed_not_indexed",
              count_of(db, "SELECT count(*) FROM fx_paths WHERE indexed OR elems"), 0);
    CHECK("request_listed", rl_fieldindex_request(&fx, SQLX_INDEX_SCALAR, "'k'") == 1);
    CHECK("request_unlisted", rl_fieldindex_request(&fx, SQLX_INDEX_SCALAR, "'nope'") == 0);
    CHECK("request_no_scalar_there", rl_fieldindex_request(&fx, SQLX_INDEX_SCALAR, "'a'") == 0);
    CHECK("request_no_array_there", rl_fieldindex_request(&fx, SQLX_INDEX_ELEMS, "'k'") == 0);
    CHECK("flush", rl_fieldindex_flush(&fx, db, &err) == RS_OK);
    check_rows(db, "requested_index", INDEXED, "'k'");
    rl_fieldindex_free(&fx);
    rl_kept_close(db);
}

/* Element rows: kept as documents come and go, a new element index filled from the table. */
static void test_elements(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    const char *d1 =
        "{\"_id\":\"1\",\"tags\":[\"a\",\"b\",1,1.0,true,null,{\"x\":1},[2],"
        "{\"__rockset_type\":\"date\",\"value\":\"2024-01-02\"}],\"o\":{\"t\":[\"z\"]}}";
    const char *d2 = "{\"_id\":\"2\",\"tags\":[\"b\",\"c\"]}";
    char *ins = sqlite3_mprintf("INSERT INTO t_data VALUES('1', %Q, 1), ('2', %Q, 1)", d1, d2);
    sqlite3_exec(db, ins, NULL, NULL, NULL);
    sqlite3_free(ins);
    rl_fieldindex_load(&fx, db, "t", 1, &err);
    note_rid(&fx, db, d1, +1, 1); /* the array path appears: its index is filled from the table */
    /* null, true, 1 (= 1.0: one key), "a", "b" (twice), "c", the date; objects, arrays left out */
    check_rows(db, "filled_from_table",
               "SELECT p.args || ':' || e.rid FROM t_elems e JOIN fx_paths p ON p.id = e.pid"
               " ORDER BY p.args, e.rid, e.key",
               "'o','t':1 | 'tags':1 | 'tags':1 | 'tags':1 | 'tags':1 | 'tags':1 | 'tags':1 | "
               "'tags':2 | 'tags':2");
    CHECK_INT("one_key_for_1_and_1.0",
              count_of(db, "SELECT count(*) FROM t_elems WHERE rid = 1 AND key = rs_skey(1.0)"), 1);
    CHECK_INT("string_keys",
              count_of(db, "SELECT count(*) FROM t_elems WHERE key IN (rs_skey('a'), rs_skey('b'),"
                           " rs_skey('c'), rs_skey('z'))"),
              5);
    CHECK_INT("typed_value_element",
              count_of(db, "SELECT count(*) FROM t_elems WHERE key = rs_skey(rsf_date("
                           "'2024-01-02'))"),
              1);
    note_rid(&fx, db, d2, +1, 2); /* already in the table: filled above; a row never twice */
    CHECK_INT("still_nine", count_of(db, "SELECT count(*) FROM t_elems"), 9);
    /* replace 2, delete 1 */
    note_rid(&fx, db, d2, -1, 2);
    note_rid(&fx, db, "{\"_id\":\"2\",\"tags\":[\"d\"]}", +1, 2);
    note_rid(&fx, db, d1, -1, 1);
    check_rows(db, "after_writes", "SELECT (key = rs_skey('d')) || ':' || rid FROM t_elems", "1:2");
    sqlx_index ix;
    CHECK("lookup_elems",
          rl_fieldindex_lookup(db, "t", SQLX_INDEX_ELEMS, "'tags'", NULL, &ix, NULL) &&
              strcmp(ix.elems_table, "t_elems") == 0 && ix.path_id > 0);
    sqlx_range eq = {"'d'", 1, "'d'", 1, 0, NULL, 0};
    char *sql = rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_ELEMS, "'tags'", NULL, &eq, 10);
    CHECK_INT("estimate_elems", count_of(db, sql), 1);
    sqlite3_free(sql);
    rl_fieldindex_free(&fx);
    rl_kept_close(db);
}

/* Drop t's function index (it sorts after its first part, the _id key's autoindex). */
static int drop_function_index(sqlite3 *db) {
    char *name = rows_of(db, "SELECT name FROM sqlite_schema WHERE name LIKE 't_fn%'");
    char *sql = sqlite3_mprintf("DROP INDEX \"%w\"", name);
    int ok = name[0] != '\0' && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
    sqlite3_free(sql);
    free(name);
    return ok;
}

/* Function indexes, ANALYZE's numbers, estimates through a function index. */
static void test_functions_and_stats(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    sqlx_index ix;
    rl_fieldindex_load(&fx, db, "t", 1, &err);
    for (int i = 0; i < 50; i++) {
        char *doc = sqlite3_mprintf("{\"_id\":\"%d\",\"ts\":\"2024-01-%02dT00:00:00Z\",\"k\":%d}",
                                    i, i % 28 + 1, i % 5);
        char *ins = sqlite3_mprintf("INSERT INTO t_data VALUES('%d', %Q, 1)", i, doc);
        sqlite3_exec(db, ins, NULL, NULL, NULL);
        note_rid(&fx, db, doc, +1, i + 1);
        sqlite3_free(ins);
        sqlite3_free(doc);
    }
    rl_fieldindex_free(&fx);
    CHECK("function_index", rl_fieldindex_ensure_function(db, "t", "rsf_parse_timestamp_iso8601",
                                                          "'ts'", &err) == RS_OK);
    CHECK("function_index_again",
          rl_fieldindex_ensure_function(db, "t", "RSF_PARSE_TIMESTAMP_ISO8601", "'ts'", &err) ==
              RS_OK);
    CHECK_INT("one_function_index", count_of(db, "SELECT count(*) FROM fx_funcs"), 1);
    CHECK("not_a_function",
          rl_fieldindex_ensure_function(db, "t", "nope", "'ts'", &err) == RS_EINVAL);
    CHECK("not_deterministic",
          rl_fieldindex_ensure_function(db, "t", "random", "'ts'", &err) == RS_EINVAL);
    CHECK("not_a_path",
          rl_fieldindex_ensure_function(db, "t", "rsf_parse_timestamp_iso8601",
                                        "'ts'); DROP TABLE t_data; --", &err) == RS_EINVAL);
    CHECK("lookup_function", rl_fieldindex_lookup(db, "t", SQLX_INDEX_FUNCTION, "'ts'",
                                                  "rsf_parse_timestamp_iso8601", &ix, NULL) &&
                                 strncmp(ix.name, "t_fn", 4) == 0 && ix.n_docs == 50);
    /* days 10..28 of the first round through the month (19), 10..22 of the second (13) */
    sqlx_range r = {"rsf_parse_timestamp_iso8601('2024-01-10T00:00:00Z')", 1, NULL, 0, 0, NULL, 0};
    char *sql = rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_FUNCTION, "'ts'",
                                           "rsf_parse_timestamp_iso8601", &r, 1000);
    CHECK_INT("estimate_function", count_of(db, sql), 32);
    sqlite3_free(sql);
    sql = rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_FUNCTION, "'ts'",
                                     "rsf_parse_timestamp_iso8601", &r, 10);
    CHECK_INT("estimate_capped", count_of(db, sql), 10);
    sqlite3_free(sql);
    CHECK("not_analyzed",
          rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, "'k'", NULL, &ix, NULL) &&
              ix.rows_per_key == -1);
    /* every index of t_data (its _id key among them) and the element table, in name order;
     * an index dropped between two steps is not found */
    char *part = strdup(""), *next = NULL;
    int n_parts = 0, has_elems = 0, ok = part != NULL, dropped = 0;
    while (ok && rl_fieldindex_analyze_next(db, "t", part, &next, &err) == RS_OK && next) {
        ok &= strcmp(next, part) > 0;
        has_elems |= strcmp(next, "t_elems") == 0;
        if (n_parts++ == 0)
            dropped = drop_function_index(db);
        free(part);
        part = next;
    }
    free(part);
    CHECK("analyze_drop_midway", dropped);
    CHECK_INT("analyze_parts_listed", n_parts,
              count_of(db, "SELECT count(*) + 1 FROM sqlite_schema WHERE type = 'index'"
                           " AND tbl_name = 't_data'"));
    CHECK("analyze_parts_elems", has_elems && ok);
    CHECK("analyze_done", rl_fieldindex_analyze_done(db, "t", &err) == RS_OK);
    CHECK("rows_per_key",
          rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, "'k'", NULL, &ix, NULL) &&
              ix.rows_per_key == 10);
    CHECK_INT("analyzed_count", count_of(db, "SELECT analyzed_docs FROM fx_colls"), 50);
    CHECK("drop", rl_fieldindex_drop(db, "t", &err) == RS_OK);
    CHECK_INT("functions_forgotten", count_of(db, "SELECT count(*) FROM fx_funcs"), 0);
    rl_kept_close(db);
}

static void test_answers(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    sqlx_index ix;
    CHECK_INT("no_docs_may_supply", rl_fieldindex_has_field(db, "t", "a"), -1);
    rl_fieldindex_load(&fx, db, "t", 1, &err);
    note(&fx, db, "{\"_id\":\"1\",\"a\":null,\"o\":{\"k\":1},\"arr\":[1]}", +1);
    CHECK_INT("has_null_field", rl_fieldindex_has_field(db, "t", "a"), 1);
    CHECK_INT("has_object_field", rl_fieldindex_has_field(db, "t", "o"), 1);
    CHECK_INT("nested_is_not_top_level", rl_fieldindex_has_field(db, "t", "k"), 0);
    CHECK_INT("has_id", rl_fieldindex_has_field(db, "t", "_id"), 1);
    CHECK("lookup_scalar",
          rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, "'o','k'", NULL, &ix, NULL));
    CHECK("lookup_name",
          strncmp(ix.name, "t_fx", 4) == 0 && ix.n_docs == 1 && ix.rows_per_key == -1);
    CHECK("no_index_on_object",
          !rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, "'o'", NULL, &ix, NULL));
    CHECK("no_index_on_id",
          !rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, "'_id'", NULL, &ix, NULL));
    note(&fx, db, "{\"_id\":\"1\",\"a\":null,\"o\":{\"k\":1},\"arr\":[1]}", -1);
    CHECK_INT("all_gone_may_supply", rl_fieldindex_has_field(db, "t", "a"), -1);
    note(&fx, db, "{\"_id\":\"2\",\"b\":1}", +1);
    CHECK_INT("gone_field", rl_fieldindex_has_field(db, "t", "a"), 0);
    /* a path no document has: listed with none left, or never listed; only names the catalog
     * would list count */
    CHECK_INT("absent_gone", rl_fieldindex_path_absent(db, "t", "'a'"), 1);
    CHECK_INT("absent_never", rl_fieldindex_path_absent(db, "t", "'zz'"), 1);
    CHECK_INT("absent_nested", rl_fieldindex_path_absent(db, "t", "'b','it''s'"), 1);
    CHECK_INT("present", rl_fieldindex_path_absent(db, "t", "'b'"), 0);
    CHECK_INT("absent_nested_gone", rl_fieldindex_path_absent(db, "t", "'o','k'"), 1);
    CHECK_INT("absent_not_store_fields", rl_fieldindex_path_absent(db, "t", "'_zz'"), 0);
    CHECK_INT("absent_not_array_steps", rl_fieldindex_path_absent(db, "t", "'o',0"), 0);
    CHECK_INT("absent_not_too_deep", rl_fieldindex_path_absent(db, "t", "'a','b','c','d','e'"), 0);
    CHECK_INT("absent_not_unknown_table", rl_fieldindex_path_absent(db, "nope", "'zz'"), 0);
    sqlite3_exec(db, "INSERT INTO t_data VALUES('2', '{\"_id\":\"2\",\"b\":1}', 1)", NULL, NULL,
                 NULL);
    sqlx_range r = {"0", 1, "5", 0, 0, NULL, 0};
    char *sql = rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_SCALAR, "'b'", NULL, &r, 100);
    CHECK_INT("estimate_in_range", count_of(db, sql), 1);
    sqlite3_free(sql);
    /* bounds given as keys (the translator's rs_klo / rs_khi): the same count */
    sqlx_range keys = {"rs_klo(0,0)", 1, "rs_khi(5,0)", 0, 1, NULL, 0};
    sql = rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_SCALAR, "'b'", NULL, &keys, 100);
    CHECK_INT("estimate_key_bounds", count_of(db, sql), 1);
    sqlite3_free(sql);
    sqlx_range above = {"1", 0, NULL, 0, 0, NULL, 0};
    sql = rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_SCALAR, "'b'", NULL, &above, 100);
    CHECK_INT("estimate_open_above", count_of(db, sql), 0);
    sqlite3_free(sql);
    /* an IN list is counted by its keys, not as the range they span */
    const char *listed[] = {"rs_skey(0)", "rs_skey(5)"};
    sqlx_range wide = {"0", 1, "5", 1, 0, listed, 2};
    sql = rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_SCALAR, "'b'", NULL, &wide, 100);
    CHECK_INT("estimate_in_keys", count_of(db, sql), 0);
    sqlite3_free(sql);
    CHECK("estimate_needs_index",
          rl_fieldindex_estimate_sql(db, "t", SQLX_INDEX_SCALAR, "'zz'", NULL, &r, 100) == NULL);
    rl_fieldindex_free(&fx);
    rl_kept_close(db);
}

/* SQLite keeps the index through writes: a lookup by key that must use it sees every change. */
static void test_maintained(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    rl_fieldindex_load(&fx, db, "t", 1, &err);
    note(&fx, db, "{\"v\":1}", +1);
    char *name = rows_of(db, "SELECT 't_fx' || id FROM fx_paths WHERE args = '''v'''");
    sqlite3_exec(db,
                 "INSERT INTO t_data VALUES('a', '{\"v\":1}', 1),"
                 " ('b', '{\"v\":1.0}', 1), ('c', '{\"v\":\"1\"}', 1);"
                 "INSERT INTO t_data VALUES('a', '{\"v\":2}', 2) ON CONFLICT(_id) DO"
                 " UPDATE SET doc = excluded.doc; DELETE FROM t_data WHERE _id = 'c';",
                 NULL, NULL, NULL);
    char *by_key = sqlite3_mprintf("SELECT group_concat(_id) FROM t_data INDEXED BY \"%w\" WHERE"
                                   " rs_skey(rs_get(doc,'v')) = rs_skey(1)",
                                   name);
    sqlite3_stmt *st = NULL;
    CHECK("prepared_with_index", sqlite3_prepare_v2(db, by_key, -1, &st, NULL) == SQLITE_OK);
    CHECK("row", st != NULL && sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR("int_and_float_one_key_after_writes",
              st ? (const char *)sqlite3_column_text(st, 0) : NULL, "b");
    sqlite3_finalize(st);
    sqlite3_free(by_key);
    free(name);
    rl_fieldindex_free(&fx);
    rl_kept_close(db);
}

/* The expression index name is on, as its CREATE INDEX wrote it (NULL when none; free()). */
static char *index_expr(sqlite3 *db, const char *name) {
    char *q = sqlite3_mprintf("SELECT sql FROM sqlite_schema WHERE name = %Q", name);
    char *sql = rows_of(db, q);
    sqlite3_free(q);
    const char *at = strstr(sql, "\"t_data\"(");
    char *expr = NULL;
    if (at != NULL && strlen(at) > 10)
        expr = strndup(at + 9, strlen(at) - 10);
    free(sql);
    return expr;
}

/* The index SQLite reads t_data by for an equality on each of two index expressions, planned
 * on db (after a statement that reads the file, so that a changed schema is loaded). */
static char *plan_of(sqlite3 *db, const char *expr1, const char *expr2) {
    sqlite3_exec(db, "SELECT count(*) FROM t_data", NULL, NULL, NULL);
    char *q = sqlite3_mprintf("EXPLAIN QUERY PLAN SELECT _id FROM t_data WHERE %s = X'01' AND"
                              " %s = X'02'",
                              expr1, expr2);
    sqlite3_stmt *st = NULL;
    rs_buf b = RS_BUF_INIT;
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW)
            rs_buf_printf(&b, "%s", sqlite3_column_text(st, 3));
    sqlite3_finalize(st);
    sqlite3_free(q);
    return rs_buf_detach(&b);
}

/* 400 documents: k 100 per value, ts 200 per value. */
static void fill_stats_table(sqlite3 *db) {
    rl_fieldindex fx;
    rs_err err = {0};
    rl_fieldindex_load(&fx, db, "t", 1, &err);
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (int i = 0; i < 400; i++) {
        char *doc = sqlite3_mprintf("{\"_id\":\"%d\",\"k\":%d,\"ts\":\"2024-01-0%dT00:00:00Z\"}", i,
                                    i % 4, i % 2 + 1);
        char *ins = sqlite3_mprintf("INSERT INTO t_data VALUES('%d', %Q, 1)", i, doc);
        sqlite3_exec(db, ins, NULL, NULL, NULL);
        note_rid(&fx, db, doc, +1, i + 1);
        sqlite3_free(ins);
        sqlite3_free(doc);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    rl_fieldindex_free(&fx);
}

static void analyze_all(sqlite3 *db) {
    rs_err err = {0};
    char *part = strdup(""), *next = NULL;
    while (part != NULL && rl_fieldindex_analyze_next(db, "t", part, &next, &err) == RS_OK) {
        free(part);
        part = next;
    }
    free(part);
    CHECK("analyzed", rl_fieldindex_analyze_done(db, "t", &err) == RS_OK);
}

/* The new index's statistics made and published; then how another connection plans. */
static void measure_new_index(sqlite3 *db, const char *fn) {
    rs_err err = {0};
    char *next = NULL;
    CHECK("new_one_unmeasured",
          rl_fieldindex_analyze_unmeasured(db, "t", "", &next, &err) == RS_OK && next != NULL &&
              strcmp(next, fn) == 0);
    char *after = next;
    CHECK("then_none",
          rl_fieldindex_analyze_unmeasured(db, "t", after ? after : "", &next, &err) == RS_OK &&
              next == NULL);
    free(after);
    CHECK("published", rl_fieldindex_stats_publish(db, "t", &err) == RS_OK);
    sqlx_index ix;
    CHECK("translator_reads_it", rl_fieldindex_lookup(db, "t", SQLX_INDEX_FUNCTION, "'ts'",
                                                      "rsf_parse_timestamp_iso8601", &ix, NULL) &&
                                     ix.rows_per_key == 200);
}

/* An index made by use after an ANALYZE gets its statistics, and every connection, one opened
 * before among them, plans by them: without, SQLite guesses 10 documents per key of the new
 * index against the measured 100 of k's, and reads 200 documents per timestamp. */
static void test_stats_of_new_indexes(void) {
    char path[] = "/tmp/test_fieldindex_XXXXXX";
    int fd = mkstemp(path);
    CHECK("temp_file", fd >= 0);
    if (fd < 0)
        return;
    close(fd);
    sqlite3 *db = open_db_at(path), *other = NULL;
    rs_err err = {0};
    char *next = NULL;
    fill_stats_table(db);
    CHECK("never_analyzed_none",
          rl_fieldindex_analyze_unmeasured(db, "t", "", &next, &err) == RS_OK && next == NULL);
    analyze_all(db);
    CHECK("all_measured",
          rl_fieldindex_analyze_unmeasured(db, "t", "", &next, &err) == RS_OK && next == NULL);
    sqlite3_open(path, &other);
    sqlx_register_functions(other);
    CHECK("function_index", rl_fieldindex_ensure_function(db, "t", "rsf_parse_timestamp_iso8601",
                                                          "'ts'", &err) == RS_OK);
    char *fn = rows_of(db, "SELECT name FROM sqlite_schema WHERE name LIKE 't_fn%'");
    char *kx = rows_of(db, "SELECT 't_fx' || id FROM fx_paths WHERE args = '''k'''");
    char *fn_expr = index_expr(db, fn), *k_expr = index_expr(db, kx);
    CHECK("exprs", fn_expr != NULL && k_expr != NULL);
    if (fn_expr != NULL && k_expr != NULL) {
        char *plan = plan_of(other, k_expr, fn_expr);
        CHECK("guessed_before", strstr(plan, fn) != NULL);
        free(plan);
        measure_new_index(db, fn);
        plan = plan_of(other, k_expr, fn_expr);
        CHECK("other_connection_measured", strstr(plan, kx) != NULL && strstr(plan, fn) == NULL);
        free(plan);
    }
    free(fn_expr);
    free(k_expr);
    free(fn);
    free(kx);
    rl_kept_close(other);
    rl_kept_close(db);
    unlink(path);
}

/* Typed values: a path of timestamps only is told from one that also held a date, a typed value
 * of another type, a string or a "timestamp" spelled otherwise (sqlx_index.timestamps_only),
 * and a path of datetimes only likewise (datetimes_only); a store of format 5 cannot tell, and
 * its typed paths keep every type when migrated. */
static void test_typed_kinds(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    sqlx_index ix;
    CHECK("load", rl_fieldindex_load(&fx, db, "t", 1, &err) == RS_OK);
    note(&fx, db,
         "{\"_id\":\"1\",\"ts\":{\"__rockset_type\":\"timestamp\",\"value\":"
         "\"2024-01-01T00:00:00Z\"},\"both\":{\"__rockset_type\":\"timestamp\",\"value\":"
         "\"2024-01-01T00:00:00Z\"},\"up\":{\"__rockset_type\":\"TIMESTAMP\",\"value\":"
         "\"2024-01-01T00:00:00Z\"},\"n\":{\"__rockset_type\":\"timestamp\",\"value\":"
         "\"2024-01-01T00:00:00Z\"},\"dt\":{\"__rockset_type\":\"datetime\",\"value\":"
         "\"2024-01-01T00:00:00\"}}",
         +1);
    note(&fx, db,
         "{\"_id\":\"2\",\"ts\":null,\"both\":{\"__rockset_type\":\"date\",\"value\":"
         "\"2024-01-01\"},\"n\":5}",
         +1);
    check_rows(db, "typed_bits", LISTED,
               "'_id':2:64 | 'ts':2:644 | 'both':2:896 | 'up':1:896 | 'n':2:656 | 'dt':1:384");
    static const char *const paths[] = {"'ts'", "'both'", "'up'", "'n'", "'dt'"};
    static const int only[] = {1, 0, 0, 1, 0}, dt_only[] = {0, 0, 0, 0, 1};
    for (size_t i = 0; i < sizeof only / sizeof only[0]; i++) {
        CHECK("typed_indexed",
              rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, paths[i], NULL, &ix, NULL) == 1);
        CHECK_INT(paths[i], ix.timestamps_only, only[i]);
        CHECK_INT(paths[i], ix.datetimes_only, dt_only[i]);
    }
    note(&fx, db, "{\"_id\":\"3\",\"ts\":\"2024-01-02\"}", +1);
    CHECK("string_indexed",
          rl_fieldindex_lookup(db, "t", SQLX_INDEX_SCALAR, "'ts'", NULL, &ix, NULL) == 1);
    CHECK_INT("string_ends_it", ix.timestamps_only, 0);
    rl_fieldindex_free(&fx);
    /* format 5 recorded a typed path as 128 whatever its types */
    sqlite3_exec(db,
                 "CREATE TABLE meta(k TEXT PRIMARY KEY, v);"
                 "INSERT INTO meta VALUES('store_format', 5);"
                 "UPDATE fx_paths SET types = 128 WHERE args = '''both''';"
                 "UPDATE fx_paths SET types = 132 WHERE args = '''ts''';",
                 NULL, NULL, NULL);
    CHECK("migrated", rl_colltab_migrate(db, &err) == RS_OK);
    check_rows(db, "migrated_typed", LISTED,
               "'_id':3:64 | 'ts':3:900 | 'both':2:896 | 'up':1:896 | 'n':2:912 | 'dt':1:896");
    check_rows(db, "migrated_format", "SELECT v FROM meta WHERE k = 'store_format'", "8");
    rl_kept_close(db);
}

static void no_key(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_null(ctx);
}

/* Format 7: PARSE_*_ISO8601 read ' 2024-01-01T00:00:00Z' and '2023-04-31' since, so a function
 * index computed before holds no key for them; the migration computes every such index again
 * (a key function that gave none stands in for the old one here). */
static void test_lax_keys_reindexed(void) {
    sqlite3 *db = open_db();
    rs_err err = {0};
    const char *count =
        "SELECT count(*) FROM x INDEXED BY x_key WHERE " SQLX_TS_ISO_KEY_FN "(s) IS NOT NULL";
    sqlite3_create_function(db, SQLX_TS_ISO_KEY_FN, -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                            no_key, NULL, NULL);
    sqlite3_exec(db,
                 "CREATE TABLE x(s TEXT);"
                 "CREATE INDEX x_key ON x(" SQLX_TS_ISO_KEY_FN "(s));"
                 "CREATE INDEX x_plain ON x(s);"
                 "INSERT INTO x VALUES(' 2024-01-01T00:00:00Z'), ('2023-04-31'), ('bad');"
                 "CREATE TABLE meta(k TEXT PRIMARY KEY, v);"
                 "INSERT INTO meta VALUES('store_format', 6);",
                 NULL, NULL, NULL);
    sqlx_register_functions(db);
    CHECK_INT("stale_before", count_of(db, count), 0);
    CHECK("migrated", rl_colltab_migrate(db, &err) == RS_OK);
    CHECK_INT("keys_after", count_of(db, count), 2);
    check_rows(db, "format", "SELECT v FROM meta WHERE k = 'store_format'", "8");
    rl_kept_close(db);
}

int main(void) {
    test_paths();
    test_limits();
    test_elements();
    test_functions_and_stats();
    test_answers();
    test_maintained();
    test_stats_of_new_indexes();
    test_typed_kinds();
    test_lax_keys_reindexed();
    TEST_DONE();
}
