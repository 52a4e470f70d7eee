/* colltab.c - see colltab.h. */
#include "colltab.h"
#include "fieldindex.h"
#include "server/sql/sqlxlate.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int exec_sql(sqlite3 *db, char *sql, const char *what, rs_err *err) {
    char *msg = NULL;
    int rc = RS_OK;
    if (sql == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    sqlite3_free(sql);
    return rc;
}

/* The pending table (pending.h) and its lookup of a document's newest version. */
static char *pending_sql(const char *tbl) {
    return sqlite3_mprintf("CREATE TABLE \"%w_pending\"(pseq INTEGER PRIMARY KEY,"
                           " _id TEXT NOT NULL, doc TEXT, vis_ms INTEGER NOT NULL,"
                           " seq INTEGER NOT NULL);"
                           "CREATE INDEX \"%w_pending_id\" ON \"%w_pending\"(_id, pseq);",
                           tbl, tbl, tbl);
}

int rl_colltab_create(sqlite3 *db, const char *tbl, rs_err *err) {
    char *sql = sqlite3_mprintf("CREATE TABLE \"%w_data\"(_id TEXT PRIMARY KEY, doc TEXT NOT NULL,"
                                " seq INTEGER NOT NULL);" RL_FX_ELEMS_SQL,
                                tbl, tbl);
    int rc = exec_sql(db, sql, "cannot create the collection's table", err);
    if (rc == RS_OK)
        rc = exec_sql(db, pending_sql(tbl), "cannot create the collection's table", err);
    return rc;
}

int rl_colltab_drop(sqlite3 *db, const char *tbl, rs_err *err) {
    char *sql = sqlite3_mprintf("DROP VIEW IF EXISTS \"%w\"; DROP TABLE IF EXISTS \"%w_data\";"
                                " DROP TABLE IF EXISTS \"%w_pending\";"
                                " DROP TABLE IF EXISTS \"%w_elems\";"
                                " DROP TABLE IF EXISTS \"%w_rollup\";"
                                " DELETE FROM pending_due WHERE tbl = %Q;",
                                tbl, tbl, tbl, tbl, tbl, tbl);
    int rc = exec_sql(db, sql, "cannot drop the collection's table", err);
    if (rc == RS_OK)
        rc = rl_fieldindex_drop(db, tbl, err);
    return rc;
}

/* ---- format 1 -> 2 ---- */

/* Whether tbl's data table is of format 1 (has column vis_ms). */
static int is_format1(sqlite3 *db, const char *tbl) {
    int64_t n = 0;
    char *name = sqlite3_mprintf("%s_data", tbl);
    if (name != NULL)
        rl_sql_int(db, &n, NULL, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = 'vis_ms'",
                   "s", name);
    sqlite3_free(name);
    return n > 0;
}

/* The documents of tbl in the catalog, and the paths format 1 indexed indexed again. */
static int rebuild_catalog(sqlite3 *db, const char *tbl, int had_list, rs_err *err) {
    rl_fieldindex fx;
    sqlite3_stmt *st = NULL;
    int rc = rl_fieldindex_load(&fx, db, tbl, 0, err);
    char *sql = sqlite3_mprintf("SELECT rowid, doc FROM \"%w_data\"", tbl);
    if (rc == RS_OK && (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK))
        rc = rs_err_set(err, RS_EINTERNAL, "migrating %s: %s", tbl, sqlite3_errmsg(db));
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW)
        rc = rl_fieldindex_note_doc(&fx, (const char *)sqlite3_column_text(st, 1), +1,
                                    sqlite3_column_int64(st, 0), err);
    sqlite3_finalize(st);
    st = NULL;
    if (rc == RS_OK && had_list &&
        sqlite3_prepare_v2(db, "SELECT args FROM field_indexes WHERE tbl = ?1 ORDER BY rowid", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
        while (sqlite3_step(st) == SQLITE_ROW)
            rl_fieldindex_request(&fx, SQLX_INDEX_SCALAR, (const char *)sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    if (rc == RS_OK)
        rc = rl_fieldindex_flush(&fx, db, err);
    rl_fieldindex_free(&fx);
    sqlite3_free(sql);
    return rc;
}

/* One collection: the visible version of each row into the new data table, the version not
 * visible yet into the pending table, the view and old indexes gone. */
static int migrate_one(sqlite3 *db, const char *tbl, int64_t now, int had_list, rs_err *err) {
    char *sql = sqlite3_mprintf(
        "DROP VIEW IF EXISTS \"%w\"; DROP INDEX IF EXISTS \"%w_pending\";"
        "CREATE TABLE \"%w_mig\"(_id TEXT PRIMARY KEY, doc TEXT NOT NULL, seq INTEGER NOT NULL);"
        "INSERT INTO \"%w_mig\"(_id, doc, seq) SELECT _id, v, seq FROM (SELECT _id, seq, rowid"
        " AS r, CASE WHEN vis_ms <= %lld THEN doc ELSE prev_doc END AS v FROM \"%w_data\")"
        " WHERE v IS NOT NULL ORDER BY r;",
        tbl, tbl, tbl, tbl, (long long)now, tbl);
    int rc = exec_sql(db, sql, "migrating a collection", err);
    if (rc == RS_OK)
        rc = exec_sql(db, pending_sql(tbl), "migrating a collection", err);
    if (rc == RS_OK)
        rc = exec_sql(db, sqlite3_mprintf(RL_FX_ELEMS_SQL, tbl), "migrating a collection", err);
    if (rc == RS_OK)
        rc = exec_sql(
            db,
            sqlite3_mprintf("INSERT INTO \"%w_pending\"(_id, doc, vis_ms, seq) SELECT _id, doc,"
                            " vis_ms, seq FROM \"%w_data\" WHERE vis_ms > %lld ORDER BY seq, rowid;"
                            "DROP TABLE \"%w_data\";"
                            "ALTER TABLE \"%w_mig\" RENAME TO \"%w_data\";"
                            "INSERT INTO pending_due(tbl, due_ms) SELECT %Q, min(vis_ms)"
                            " FROM \"%w_pending\" HAVING count(*) > 0;",
                            tbl, tbl, (long long)now, tbl, tbl, tbl, tbl, tbl),
            "migrating a collection", err);
    if (rc == RS_OK)
        rc = rebuild_catalog(db, tbl, had_list, err);
    return rc;
}

static int migrate_all(sqlite3 *db, rs_err *err) {
    sqlite3_stmt *st = NULL;
    int64_t had_list = 0;
    int rc = rl_sql_int(db, &had_list, err,
                        "SELECT count(*) FROM sqlite_master WHERE name = 'field_indexes'", "");
    char **names = NULL;
    size_t n = 0;
    if (rc == RS_OK &&
        sqlite3_prepare_v2(db, "SELECT tbl FROM collections", -1, &st, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "migrating: %s", sqlite3_errmsg(db));
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW) {
        char **grown = realloc(names, (n + 1) * sizeof(*names));
        if (grown == NULL || (grown[n] = strdup((const char *)sqlite3_column_text(st, 0))) == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        if (grown != NULL)
            names = grown;
        if (rc == RS_OK)
            n++;
    }
    sqlite3_finalize(st);
    int64_t now = rl_now_ms();
    for (size_t i = 0; rc == RS_OK && i < n; i++)
        if (is_format1(db, names[i]))
            rc = migrate_one(db, names[i], now, had_list > 0, err);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc == RS_OK)
        rc = exec_sql(
            db,
            sqlite3_mprintf("DROP TABLE IF EXISTS field_indexes;"
                            "INSERT OR REPLACE INTO meta(k, v) VALUES('store_format', %d);",
                            RL_STORE_FORMAT),
            "migrating", err);
    return rc;
}

/* Format 2 (this layout, before element and function indexes and statistics): the catalog's
 * new columns, each collection's element table. */
static int has_column(sqlite3 *db, const char *table, const char *column) {
    int64_t n = 0;
    rl_sql_int(db, &n, NULL, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", "ss",
               table, column);
    return n > 0;
}

static int migrate_format2(sqlite3 *db, rs_err *err) {
    sqlite3_stmt *st = NULL;
    int rc = RS_OK;
    if (!has_column(db, "fx_paths", "elems"))
        rc = exec_sql(db,
                      sqlite3_mprintf("ALTER TABLE fx_paths ADD COLUMN elems INTEGER NOT NULL"
                                      " DEFAULT 0"),
                      "migrating", err);
    if (rc == RS_OK && !has_column(db, "fx_colls", "analyzed_docs"))
        rc = exec_sql(db,
                      sqlite3_mprintf("ALTER TABLE fx_colls ADD COLUMN analyzed_docs INTEGER"
                                      " NOT NULL DEFAULT 0"),
                      "migrating", err);
    if (rc == RS_OK &&
        sqlite3_prepare_v2(db, "SELECT tbl FROM collections", -1, &st, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "migrating: %s", sqlite3_errmsg(db));
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW)
        rc = exec_sql(db, sqlite3_mprintf(RL_FX_ELEMS_SQL, sqlite3_column_text(st, 0)),
                      "migrating a collection", err);
    sqlite3_finalize(st);
    return rc;
}

/* Format 3: the collections' counts of documents retention purged (stats.purged_doc_*). */
static int migrate_format3(sqlite3 *db, rs_err *err) {
    int rc = RS_OK;
    if (!has_column(db, "collections", "purged_docs"))
        rc = exec_sql(db,
                      sqlite3_mprintf("ALTER TABLE collections ADD COLUMN purged_docs INTEGER NOT"
                                      " NULL DEFAULT 0;"
                                      "ALTER TABLE collections ADD COLUMN purged_bytes INTEGER NOT"
                                      " NULL DEFAULT 0;"),
                      "migrating", err);
    return rc;
}

/* Format 4: ANALYZE's statistics copied where the translator reads them (fx_stats, keyed). */
static int migrate_format4(sqlite3 *db, rs_err *err) {
    int64_t has_stat1 = 0;
    int rc = rl_sql_int(db, &has_stat1, err,
                        "SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'", "");
    if (rc == RS_OK && has_stat1)
        rc = exec_sql(db,
                      sqlite3_mprintf("INSERT OR REPLACE INTO fx_stats(idx, tbl, stat) SELECT idx,"
                                      " tbl, stat FROM sqlite_stat1 WHERE idx IS NOT NULL;"),
                      "migrating", err);
    return rc;
}

/* Format 6: a path's typed values tell timestamps from other types (RL_FX_T_TYPED_OTHER). What
 * older stores recorded as typed may be any type: such a path keeps every typed type. */
static int migrate_format5(sqlite3 *db, rs_err *err) {
    return exec_sql(db,
                    sqlite3_mprintf("UPDATE fx_paths SET types = types | %d WHERE types & %d",
                                    RL_FX_T_TYPED_OTHER, RL_FX_T_TYPED),
                    "migrating", err);
}

/* Format 7: PARSE_*_ISO8601 became lax (whitespace around the text, a day past its month's end),
 * so the key functions of their function indexes give a key where they gave none: every such
 * index is computed again. */
static int migrate_format6(sqlite3 *db, rs_err *err) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "SELECT name FROM sqlite_master WHERE type = 'index' AND (sql LIKE"
                           " '%" SQLX_TS_ISO_KEY_FN "(%' OR sql LIKE '%" SQLX_DT_ISO_KEY_FN "(%')",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EINTERNAL, "migrating: %s", sqlite3_errmsg(db));
    char *reindex = sqlite3_mprintf("%s", ""); /* every one, then run: no statement open then */
    while (reindex != NULL && sqlite3_step(st) == SQLITE_ROW)
        reindex =
            sqlite3_mprintf("%zREINDEX \"%w\";", reindex, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return exec_sql(db, reindex, "migrating", err); /* NULL: out of memory */
}

/* Format 8: a path's typed values tell DATETIMEs from other types (RL_FX_T_TYPED_NOT_DATETIME);
 * an older store's typed paths keep every type. */
static int migrate_format7(sqlite3 *db, rs_err *err) {
    return exec_sql(db,
                    sqlite3_mprintf("UPDATE fx_paths SET types = types | %d WHERE types & %d",
                                    RL_FX_T_TYPED_NOT_DATETIME, RL_FX_T_TYPED),
                    "migrating", err);
}

int rl_colltab_migrate(sqlite3 *db, rs_err *err) {
    int64_t format = 0;
    int rc = rl_sql_int(db, &format, err,
                        "SELECT coalesce((SELECT v FROM meta WHERE k = 'store_format'), 1)", "");
    if (rc != RS_OK || format >= RL_STORE_FORMAT)
        return rc;
    rc = rl_tx_begin(db, err);
    if (rc != RS_OK)
        return rc;
    rc = format < 2 ? migrate_all(db, err) : format < 3 ? migrate_format2(db, err) : RS_OK;
    if (rc == RS_OK && format < 4)
        rc = migrate_format3(db, err);
    if (rc == RS_OK && format < 5)
        rc = migrate_format4(db, err);
    if (rc == RS_OK && format < 6)
        rc = migrate_format5(db, err);
    if (rc == RS_OK && format < 7)
        rc = migrate_format6(db, err);
    if (rc == RS_OK && format < 8)
        rc = migrate_format7(db, err);
    if (rc == RS_OK)
        rc = exec_sql(db,
                      sqlite3_mprintf("INSERT OR REPLACE INTO meta(k, v) VALUES('store_format',"
                                      " %d);",
                                      RL_STORE_FORMAT),
                      "migrating", err);
    int end = rl_tx_end(db, rc == RS_OK, rc == RS_OK ? err : NULL);
    return rc != RS_OK ? rc : end;
}
