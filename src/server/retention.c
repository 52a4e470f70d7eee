/* retention.c - see retention.h. */
#include "retention.h"
#include "docs.h"
#include "server/runtime/datetime.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ET_EXPR "json_extract(doc, '$._event_time')"

int rl_retention_index(sqlite3 *db, const char *tbl, rs_err *err) {
    char *sql = sqlite3_mprintf("CREATE INDEX IF NOT EXISTS \"%w_et\" ON \"%w_data\"(" ET_EXPR ")",
                                tbl, tbl);
    int rc =
        sql && sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK
            ? RS_OK
            : rs_err_set(err, RS_EINTERNAL, "retention index of %s: %s", tbl, sqlite3_errmsg(db));
    sqlite3_free(sql);
    return rc;
}

/* Whether tbl holds a document older than cutoff (one probe of "<tbl>_et"). */
static int has_expired(sqlite3 *db, const char *tbl, const char *cutoff) {
    char *sql =
        sqlite3_mprintf("SELECT EXISTS(SELECT 1 FROM \"%w_data\" WHERE " ET_EXPR " < ?1)", tbl);
    int64_t found = 0;
    if (sql != NULL)
        rl_sql_int(db, &found, NULL, sql, "s", cutoff);
    sqlite3_free(sql);
    return found != 0;
}

static int table_exists(sqlite3 *db, const char *name) {
    int64_t n = 0;
    rl_sql_int(db, &n, NULL, "SELECT count(*) FROM sqlite_master WHERE name = ?1", "s", name);
    return n > 0;
}

/* stats.purged_doc_count and purged_doc_size: n documents of bytes in all. */
static int count_purged(sqlite3 *db, const char *tbl, int64_t n, int64_t bytes, rs_err *err) {
    return rl_sql(db, NULL, err,
                  "UPDATE collections SET purged_docs = purged_docs + ?2,"
                  " purged_bytes = purged_bytes + ?3 WHERE tbl = ?1",
                  "sii", tbl, n, bytes);
}

/* A rollup's state of the purged group gid goes with its document. */
static int forget_group(sqlite3 *db, sqlite3_stmt **st, const char *tbl, const char *gid,
                        rs_err *err) {
    if (*st == NULL) {
        char *sql = sqlite3_mprintf("DELETE FROM \"%w_rollup\" WHERE gid = ?1", tbl);
        int rc = sql ? sqlite3_prepare_v2(db, sql, -1, st, NULL) : SQLITE_NOMEM;
        sqlite3_free(sql);
        if (rc != SQLITE_OK)
            return rs_err_set(err, RS_EINTERNAL, "purging %s: %s", tbl, sqlite3_errmsg(db));
    }
    sqlite3_reset(*st);
    sqlite3_bind_text(*st, 1, gid, -1, SQLITE_STATIC);
    return sqlite3_step(*st) == SQLITE_DONE
               ? RS_OK
               : rs_err_set(err, RS_EINTERNAL, "purging %s: %s", tbl, sqlite3_errmsg(db));
}

/* Delete the expired documents of tbl (and a rollup's expired groups) in the open transaction. */
static int purge_table(sqlite3 *db, const char *tbl, const char *cutoff, int indexes_on,
                       rs_err *err) {
    char name[160], *sql;
    sqlite3_stmt *ids = NULL, *forget = NULL;
    rl_docwrite w;
    int64_t bytes = 0;
    int rc, grown = 0, rollup;
    snprintf(name, sizeof name, "%s_rollup", tbl);
    rollup = table_exists(db, name);
    rc = rl_docs_apply_begin(&w, db, tbl, indexes_on, err);
    sql = sqlite3_mprintf("SELECT _id, length(doc) FROM \"%w_data\" WHERE " ET_EXPR " < ?1", tbl);
    if (rc == RS_OK && (sql == NULL || sqlite3_prepare_v2(db, sql, -1, &ids, NULL) != SQLITE_OK))
        rc = rs_err_set(err, RS_EINTERNAL, "purging %s: %s", tbl, sqlite3_errmsg(db));
    sqlite3_free(sql);
    if (ids != NULL)
        sqlite3_bind_text(ids, 1, cutoff, -1, SQLITE_STATIC);
    /* ids are read first: the deletes below change the table the statement reads */
    char **list = NULL;
    size_t n = 0, cap = 0;
    while (rc == RS_OK && ids != NULL && sqlite3_step(ids) == SQLITE_ROW) {
        if (n == cap) {
            char **grown_list = realloc(list, (cap = cap ? cap * 2 : 64) * sizeof *list);
            if (grown_list == NULL) {
                rc = rs_err_set(err, RS_ENOMEM, "out of memory");
                break;
            }
            list = grown_list;
        }
        if ((list[n] = strdup((const char *)sqlite3_column_text(ids, 0))) == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        else
            n++;
        bytes += sqlite3_column_int64(ids, 1);
    }
    sqlite3_finalize(ids);
    if (rc == RS_OK && n > 0)
        rc = count_purged(db, tbl, (int64_t)n, bytes, err);
    for (size_t i = 0; rc == RS_OK && i < n; i++) {
        rc = rl_docs_apply(&w, list[i], NULL, 0, err);
        if (rc == RS_OK && rollup)
            rc = forget_group(db, &forget, tbl, list[i], err);
    }
    sqlite3_finalize(forget);
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
    int end = rl_docs_apply_end(&w, rc == RS_OK, &grown, rc == RS_OK ? err : NULL);
    return rc != RS_OK ? rc : end;
}

/* Purge one collection when it has something to purge. */
static int purge_one(sqlite3 *db, const char *tbl, int64_t retention_secs, int indexes_on,
                     rs_err *err) {
    char cutoff[48];
    rt_format_timestamp(cutoff, sizeof cutoff,
                        rt_micros_of(rl_now_ms() - retention_secs * 1000, 1000));
    char index[160];
    snprintf(index, sizeof index, "%s_et", tbl);
    if (table_exists(db, index) && !has_expired(db, tbl, cutoff))
        return RS_OK;
    int rc = rl_tx_begin(db, err);
    if (rc != RS_OK)
        return rc;
    rc = rl_retention_index(db, tbl, err);
    if (rc == RS_OK)
        rc = purge_table(db, tbl, cutoff, indexes_on, err);
    int end = rl_tx_end(db, rc == RS_OK, rc == RS_OK ? err : NULL);
    return rc != RS_OK ? rc : end;
}

/* The next collection with a retention after table name last: 1 and its table and seconds. */
static int next_with_retention(sqlite3 *db, char tbl[128], int64_t *secs) {
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT tbl, retention_secs FROM collections WHERE retention_secs > 0"
                           " AND tbl > ?1 ORDER BY tbl LIMIT 1",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(tbl, 128, "%s", (const char *)sqlite3_column_text(st, 0));
        *secs = sqlite3_column_int64(st, 1);
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

int rl_retention_purge(sqlite3 *db, int indexes_on, rs_err *err) {
    char tbl[128] = "";
    int64_t secs = 0;
    int rc = RS_OK;
    /* one at a time: each purge is a transaction of its own */
    while (rc == RS_OK && next_with_retention(db, tbl, &secs))
        rc = purge_one(db, tbl, secs, indexes_on, err);
    return rc;
}
