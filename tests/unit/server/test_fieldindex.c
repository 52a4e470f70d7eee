/*
 * test_fieldindex.c - which paths rockset-local indexes (server/fieldindex.h): scalars at every
 * level down to the depth limit, typed values as scalars, nothing through arrays, not _id or
 * _meta, the 64-path and key-length limits, the recorded list, disabled mode; and that SQLite
 * keeps an index right through upserts and deletes (the key read back through the index).
 */
#include "buf.h"
#include "server/fieldindex.h"
#include "server/sql/sqlxlate.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sqlite3 *open_db(void) {
    sqlite3 *db = NULL;
    sqlite3_open(":memory:", &db);
    sqlx_register_functions(db);
    sqlite3_exec(db,
                 RL_FX_SCHEMA_SQL "CREATE TABLE t_data(_id TEXT PRIMARY KEY, doc TEXT,"
                                  " prev_doc TEXT, vis_ms INTEGER NOT NULL, seq INTEGER NOT NULL);",
                 NULL, NULL, NULL);
    return db;
}

/* The recorded paths of t, joined with " | ". */
static char *recorded(sqlite3 *db) {
    sqlite3_stmt *st = NULL;
    rs_buf b = RS_BUF_INIT;
    sqlite3_prepare_v2(db, "SELECT args FROM field_indexes WHERE tbl = 't' ORDER BY rowid", -1,
                       &st, NULL);
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

static void note(rl_fieldindex *fx, sqlite3 *db, const char *doc) {
    rs_err err = {0};
    CHECK("note_ok", rl_fieldindex_note_doc(fx, doc, &err) == RS_OK);
    CHECK("flush_ok", rl_fieldindex_flush(fx, db, &err) == RS_OK);
}

static void test_paths(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    CHECK("load", rl_fieldindex_load(&fx, db, "t", &err) == RS_OK);
    note(&fx, db,
         "{\"_id\":\"1\",\"_meta\":{\"x\":1},\"a\":1,\"o\":{\"p\":\"s\",\"q\":{\"r\":{\"s\":{\"deep\":"
         "1}}}},\"arr\":[{\"in\":1}],\"d\":{\"__rockset_type\":\"date\",\"value\":\"2024-01-01\"},"
         "\"it's\":null}");
    char *got = recorded(db);
    CHECK_STR("paths", got,
              "'a' | 'o','p' | 'd' | 'it''s'");
    free(got);
    note(&fx, db, "{\"_id\":\"2\",\"a\":\"again\",\"o\":{\"p\":2,\"z\":true}}");
    got = recorded(db);
    CHECK_STR("only_new_paths_added", got, "'a' | 'o','p' | 'd' | 'it''s' | 'o','z'");
    free(got);
    CHECK_INT("indexes_created", count_of(db, "SELECT count(*) FROM sqlite_master WHERE "
                                              "type = 'index' AND name LIKE 't_fx%'"),
              5);
    CHECK_INT("pending_index", count_of(db, "SELECT count(*) FROM sqlite_master WHERE "
                                            "name = 't_pending'"),
              1);
    rl_fieldindex_free(&fx);
    /* a later write starts from what is recorded */
    CHECK("reload", rl_fieldindex_load(&fx, db, "t", &err) == RS_OK);
    CHECK_INT("reloaded_paths", fx.n_paths, 5);
    note(&fx, db, "{\"a\":3,\"o\":{\"z\":false}}");
    CHECK_INT("nothing_new", count_of(db, "SELECT count(*) FROM field_indexes"), 5);
    rl_fieldindex_free(&fx);
    CHECK("drop", rl_fieldindex_drop(db, "t", &err) == RS_OK);
    CHECK_INT("dropped", count_of(db, "SELECT count(*) FROM field_indexes"), 0);
    sqlite3_close(db);
}

static void test_limits(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    rs_buf doc = RS_BUF_INIT;
    rl_fieldindex_load(&fx, db, "t", &err);
    rs_buf_puts(&doc, "{");
    for (int i = 0; i < 70; i++)
        rs_buf_printf(&doc, "%s\"f%02d\":%d", i ? "," : "", i, i);
    rs_buf_printf(&doc, ",\"%0200d\":1}", 0);
    note(&fx, db, rs_buf_cstr(&doc));
    CHECK_INT("at_most_64_paths", count_of(db, "SELECT count(*) FROM field_indexes"), 64);
    CHECK_INT("the_first_64", count_of(db, "SELECT count(*) FROM field_indexes WHERE args = "
                                           "'''f63'''"),
              1);
    rl_fieldindex_free(&fx);
    rs_buf_free(&doc);
    sqlite3_close(db);

    db = open_db();
    rl_fieldindex_load(&fx, db, "t", &err);
    note(&fx, db, "{\"k\":1,\"" "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
                  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\":2}");
    CHECK_INT("long_key_not_indexed", count_of(db, "SELECT count(*) FROM field_indexes"), 1);
    rl_fieldindex_free(&fx);
    fx.disabled = 1;
    fx.n_paths = fx.n_created = 0;
    note(&fx, db, "{\"new\":1}");
    CHECK_INT("disabled_notes_nothing", count_of(db, "SELECT count(*) FROM field_indexes"), 1);
    sqlite3_close(db);
}

/* SQLite keeps the index through writes: a lookup by key that must use it sees every change. */
static void test_maintained(void) {
    sqlite3 *db = open_db();
    rl_fieldindex fx;
    rs_err err = {0};
    rl_fieldindex_load(&fx, db, "t", &err);
    note(&fx, db, "{\"v\":1}");
    sqlite3_exec(db,
                 "INSERT INTO t_data VALUES('a', '{\"v\":1}', NULL, 0, 1),"
                 " ('b', '{\"v\":1.0}', NULL, 0, 1), ('c', '{\"v\":\"1\"}', NULL, 0, 1);"
                 "INSERT INTO t_data VALUES('a', '{\"v\":2}', NULL, 0, 2) ON CONFLICT(_id) DO"
                 " UPDATE SET doc = excluded.doc; UPDATE t_data SET doc = NULL WHERE _id = 'c';",
                 NULL, NULL, NULL);
    const char *by_key = "SELECT group_concat(_id) FROM t_data INDEXED BY t_fx0 WHERE"
                         " doc IS NOT NULL AND rs_skey(rs_get(doc,'v')) = rs_skey(1)";
    sqlite3_stmt *st = NULL;
    CHECK("prepared_with_index", sqlite3_prepare_v2(db, by_key, -1, &st, NULL) == SQLITE_OK);
    CHECK("row", st != NULL && sqlite3_step(st) == SQLITE_ROW);
    CHECK_STR("int_and_float_one_key_after_writes",
              st ? (const char *)sqlite3_column_text(st, 0) : NULL, "b");
    sqlite3_finalize(st);
    rl_fieldindex_free(&fx);
    sqlite3_close(db);
}

int main(void) {
    test_paths();
    test_limits();
    test_maintained();
    TEST_DONE();
}
