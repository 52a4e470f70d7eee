/* fieldindex_sql.c - see fieldindex.h. The SQL side of the catalog's writing: the flush of one
 * write (catalog rows, new indexes, element rows), index builds asked for by use, ANALYZE,
 * function indexes, a dropped collection. */
#include "fieldindex.h"
#include "kept.h"
#include "store.h"

#include "jsonscan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int exec_sql(sqlite3 *db, char *sql, rs_err *err) {
    char *msg = NULL;
    int rc = RS_OK;
    if (sql == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "field index: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    sqlite3_free(sql);
    return rc;
}

static int db_fail(sqlite3 *db, rs_err *err) {
    return rs_err_set(err, RS_EINTERNAL, "field index: %s", sqlite3_errmsg(db));
}

/* Drop the trigram tables of tbl (their triggers went with its data table, or go now). */
static int drop_trigrams(sqlite3 *db, const char *tbl, rs_err *err) {
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "SELECT id FROM fx_funcs WHERE tbl = ?1 AND fn = ?2", -1, &st,
                           NULL) != SQLITE_OK)
        return db_fail(db, err);
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, SQLX_TRIGRAM_FN, -1, SQLITE_STATIC);
    char *drops = sqlite3_mprintf("%s", ""); /* every one, then run: no statement open meanwhile */
    while (drops != NULL && sqlite3_step(st) == SQLITE_ROW)
        drops = sqlite3_mprintf("%zDROP TABLE IF EXISTS \"%w_tri%lld\";", drops, tbl,
                                (long long)sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    return exec_sql(db, drops, err); /* NULL: out of memory */
}

int rl_fieldindex_drop(sqlite3 *db, const char *tbl, rs_err *err) {
    int rc = drop_trigrams(db, tbl, err);
    if (rc != RS_OK)
        return rc;
    return exec_sql(db,
                    sqlite3_mprintf("DELETE FROM fx_paths WHERE tbl = %Q;"
                                    "DELETE FROM fx_colls WHERE tbl = %Q;"
                                    "DELETE FROM fx_funcs WHERE tbl = %Q;"
                                    "DELETE FROM fx_comps WHERE tbl = %Q;"
                                    "DELETE FROM fx_stats WHERE tbl IN (%Q || '_data',"
                                    " %Q || '_elems');",
                                    tbl, tbl, tbl, tbl, tbl, tbl),
                    err);
}

/* ---- the flush ---- */

/* Run a bound catalog write with RETURNING to its end, its first row's n integer columns into
 * cols (left as they are without a row), and keep it for the next write (kept.h). SQLite's
 * code of the last step: SQLITE_DONE when it ran. */
static int step_returning(sqlite3_stmt *st, int64_t *cols, int n) {
    int rc = sqlite3_step(st);
    for (int i = 0; rc == SQLITE_ROW && i < n; i++)
        cols[i] = sqlite3_column_int64(st, i);
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    rl_kept_done(st);
    return rc;
}

/* The catalog row of p: inserted (id assigned) or its count, types and flags updated. */
static int flush_row(rl_fieldindex *fx, sqlite3 *db, rl_fx_path *p, rs_err *err) {
    sqlite3_stmt *st = NULL;
    const char *sql = p->id == 0 ? "INSERT INTO fx_paths(tbl, args, n_docs, types) VALUES(?1, ?2,"
                                   " ?3, ?4) RETURNING id, n_docs"
                                 : "UPDATE fx_paths SET n_docs = n_docs + ?3, types = types | ?4"
                                   " WHERE id = ?5 RETURNING id, n_docs";
    int64_t row[2] = {p->id, -1}; /* id, n_docs */
    int rc = rl_kept_stmt(db, RL_KEPT_CATALOG, sql, &st);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, fx->tbl, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, p->args, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, p->delta);
        sqlite3_bind_int(st, 4, (int)p->types);
        sqlite3_bind_int64(st, 5, p->id);
        rc = step_returning(st, row, 2);
    }
    if (rc != SQLITE_DONE)
        return db_fail(db, err);
    p->id = row[0];
    int64_t n_docs = row[1];
    /* listed now, a type not seen before, or present in documents then in none (or back) */
    if (n_docs < 0 || n_docs == p->delta || n_docs == 0 || (p->types & ~p->stored) != 0)
        fx->catalog_changed = 1;
    p->stored |= p->types;
    p->types = 0;
    p->delta = 0;
    p->dirty = 0;
    return RS_OK;
}

static int create_index(rl_fieldindex *fx, sqlite3 *db, rl_fx_path *p, rs_err *err) {
    int rc =
        exec_sql(db,
                 sqlite3_mprintf("CREATE INDEX IF NOT EXISTS \"%w_fx%lld\" ON \"%w_data\""
                                 "(rs_skey(rs_get(doc,%s)));"
                                 "UPDATE fx_paths SET indexed = 1 WHERE id = %lld;",
                                 fx->tbl, (long long)p->id, fx->tbl, p->args, (long long)p->id),
                 err);
    if (rc == RS_OK)
        p->indexed = 1;
    fx->catalog_changed = 1;
    return rc;
}

typedef struct fill_ctx {
    sqlite3 *db;
    sqlite3_stmt *ins;
    int64_t id, rid;
} fill_ctx;

static int insert_element(void *arg, const rs_buf *key) {
    fill_ctx *c = arg;
    sqlite3_bind_int64(c->ins, 1, c->id);
    sqlite3_bind_blob(c->ins, 2, key->data, (int)key->len, SQLITE_STATIC);
    sqlite3_bind_int64(c->ins, 3, c->rid);
    int rc = sqlite3_step(c->ins);
    sqlite3_reset(c->ins);
    return rc == SQLITE_DONE ? RS_OK : RS_EINTERNAL;
}

/* A new element index: filled from the rows already in the table (this write's included); a
 * member path's from its array's object elements. */
static int fill_elements(rl_fieldindex *fx, sqlite3 *db, rl_fx_path *p, rs_err *err) {
    sqlite3_stmt *rows = NULL, *ins = NULL;
    rs_buf keys = RS_BUF_INIT, scratch = RS_BUF_INIT;
    const char *array = p->member_of ? fx->paths[p->member_of - 1].args : p->args;
    char *sql = sqlite3_mprintf("SELECT rowid, rs_get(doc,%s) FROM \"%w_data\"", array, fx->tbl);
    char *add = sqlite3_mprintf("INSERT OR IGNORE INTO \"%w_elems\"(pid, key, rid)"
                                " VALUES(?1, ?2, ?3)",
                                fx->tbl);
    int rc = RS_OK;
    if (sql == NULL || add == NULL || sqlite3_prepare_v2(db, sql, -1, &rows, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, add, -1, &ins, NULL) != SQLITE_OK)
        rc = db_fail(db, err);
    fill_ctx c = {db, ins, p->id, 0};
    while (rc == RS_OK && sqlite3_step(rows) == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_blob(rows, 1);
        size_t n = (size_t)sqlite3_column_bytes(rows, 1);
        c.rid = sqlite3_column_int64(rows, 0);
        if (v != NULL && n > 0 && v[0] == '[')
            rc = p->member_of ? rl_fieldindex_each_member(v, n, p->names, p->n_names, &scratch,
                                                          &keys, insert_element, &c)
                              : rl_fieldindex_each_elem(v, n, &scratch, &keys, insert_element, &c);
        if (rc != RS_OK)
            rc = rc == RS_ENOMEM ? rs_err_set(err, RS_ENOMEM, "out of memory") : db_fail(db, err);
    }
    sqlite3_finalize(rows);
    sqlite3_finalize(ins);
    sqlite3_free(sql);
    sqlite3_free(add);
    rs_buf_free(&keys);
    rs_buf_free(&scratch);
    if (rc == RS_OK)
        rc = exec_sql(
            db, sqlite3_mprintf("UPDATE fx_paths SET elems = 1 WHERE id = %lld", (long long)p->id),
            err);
    if (rc == RS_OK)
        p->elems = 1;
    fx->catalog_changed = 1;
    return rc;
}

/* The element rows noted during the write, in order (a document replaced twice in one write
 * leaves its last elements). */
static int write_ops(rl_fieldindex *fx, sqlite3 *db, rs_err *err) {
    sqlite3_stmt *st[2] = {NULL, NULL};
    char *add = sqlite3_mprintf("INSERT OR IGNORE INTO \"%w_elems\"(pid, key, rid)"
                                " VALUES(?1, ?2, ?3)",
                                fx->tbl);
    char *del = sqlite3_mprintf("DELETE FROM \"%w_elems\" WHERE pid = ?1 AND key = ?2"
                                " AND rid = ?3",
                                fx->tbl);
    int rc = RS_OK;
    if (add == NULL || del == NULL || sqlite3_prepare_v2(db, add, -1, &st[1], NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, del, -1, &st[0], NULL) != SQLITE_OK)
        rc = db_fail(db, err);
    for (size_t i = 0; rc == RS_OK && i < fx->n_ops; i++) {
        const rl_fx_op *op = &fx->ops[i];
        sqlite3_stmt *s = st[op->sign > 0];
        sqlite3_bind_int64(s, 1, fx->paths[op->path].id);
        sqlite3_bind_blob(s, 2, fx->keys.data + op->key, (int)op->key_len, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, op->rid);
        if (sqlite3_step(s) != SQLITE_DONE)
            rc = db_fail(db, err);
        sqlite3_reset(s);
    }
    sqlite3_finalize(st[0]);
    sqlite3_finalize(st[1]);
    sqlite3_free(add);
    sqlite3_free(del);
    fx->n_ops = 0;
    rs_buf_reset(&fx->keys);
    return rc;
}

/* Add the write's documents and bytes to fx_colls; the collection's first document, or its last
 * gone, changes what the translator may read (has_field: "no documents, may have it"). */
static int count_docs(rl_fieldindex *fx, sqlite3 *db, rs_err *err) {
    sqlite3_stmt *st = NULL;
    int rc = rl_kept_stmt(db, RL_KEPT_CATALOG,
                          "INSERT INTO fx_colls(tbl, n_docs, bytes) VALUES(?1, ?2, ?3)"
                          " ON CONFLICT(tbl) DO UPDATE SET n_docs = n_docs + excluded.n_docs,"
                          " bytes = bytes + excluded.bytes RETURNING n_docs",
                          &st);
    int64_t n_docs = -1;
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(st, 1, fx->tbl, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, fx->doc_delta);
        sqlite3_bind_int64(st, 3, fx->bytes_delta);
        rc = step_returning(st, &n_docs, 1);
    }
    if (rc != SQLITE_DONE)
        return db_fail(db, err);
    if (n_docs <= 0 || n_docs == fx->doc_delta)
        fx->catalog_changed = 1;
    return RS_OK;
}

/* Counts of the collection; fx->grown when it doubled since its last ANALYZE. */
static int flush_counts(rl_fieldindex *fx, sqlite3 *db, rs_err *err) {
    int rc = RS_OK;
    if (fx->doc_delta != 0 || fx->bytes_delta != 0)
        rc = count_docs(fx, db, err);
    fx->grown = 0;
    if (rc == RS_OK && fx->doc_delta > 0 && fx->indexes_on) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db,
                               "SELECT n_docs >= ?2 AND n_docs >= 2 * analyzed_docs FROM"
                               " fx_colls WHERE tbl = ?1",
                               -1, &st, NULL) != SQLITE_OK)
            return db_fail(db, err);
        sqlite3_bind_text(st, 1, fx->tbl, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, RL_FX_ANALYZE_MIN);
        fx->grown = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
    }
    if (rc == RS_OK)
        fx->doc_delta = fx->bytes_delta = 0;
    return rc;
}

int rl_fieldindex_make_new(rl_fieldindex *fx, sqlite3 *db, rs_err *err) {
    int rc = RS_OK;
    for (int i = 0; rc == RS_OK && i < fx->n_paths; i++) {
        rl_fx_path *p = &fx->paths[i];
        if (p->indexed != 2 && p->elems != 2)
            continue;
        if (p->id == 0)
            rc = flush_row(fx, db, p, err);
        if (rc == RS_OK && p->indexed == 2)
            rc = create_index(fx, db, p, err);
        if (rc == RS_OK && p->elems == 2)
            rc = fill_elements(fx, db, p, err);
    }
    if (rc == RS_OK)
        fx->has_new = 0;
    return rc;
}

int rl_fieldindex_flush(rl_fieldindex *fx, sqlite3 *db, rs_err *err) {
    int rc = RS_OK;
    for (int i = 0; rc == RS_OK && i < fx->n_paths; i++) {
        rl_fx_path *p = &fx->paths[i];
        if (p->dirty || p->id == 0)
            rc = flush_row(fx, db, p, err);
        if (rc == RS_OK && p->indexed == 2)
            rc = create_index(fx, db, p, err);
    }
    if (rc == RS_OK && fx->n_ops > 0)
        rc = write_ops(fx, db, err);
    for (int i = 0; rc == RS_OK && i < fx->n_paths; i++)
        if (fx->paths[i].elems == 2)
            rc = fill_elements(fx, db, &fx->paths[i], err);
    if (rc == RS_OK)
        rc = flush_counts(fx, db, err);
    if (rc == RS_OK)
        fx->has_new = 0;
    return rc;
}

/* ---- background work ---- */

int rl_fieldindex_build(sqlite3 *db, const char *tbl, sqlx_index_kind kind, const char *args,
                        rs_err *err) {
    rl_fieldindex fx;
    int rc = rl_fieldindex_load(&fx, db, tbl, 1, err);
    if (rc != RS_OK)
        return rc;
    if (rl_fieldindex_request(&fx, kind, args))
        rc = rl_fieldindex_flush(&fx, db, err);
    rl_fieldindex_free(&fx);
    return rc;
}

/* ANALYZE, in full, the part that `find` (a SELECT of one name, ?1 tbl, ?2 after) names:
 * *analyzed its name (free()), NULL when it names none. Full (analysis_limit 0): a limited one
 * reads only the first entries of each index. */
static int analyze_found(sqlite3 *db, const char *find, const char *tbl, const char *after,
                         char **analyzed, rs_err *err) {
    sqlite3_stmt *st = NULL;
    *analyzed = NULL;
    if (sqlite3_prepare_v2(db, find, -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err);
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, after, -1, SQLITE_STATIC);
    char *name = NULL;
    int found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        name = strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (name == NULL)
        return found ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
    int rc = exec_sql(db, sqlite3_mprintf("PRAGMA analysis_limit = 0; ANALYZE \"%w\";", name), err);
    if (rc != RS_OK)
        free(name);
    else
        *analyzed = name;
    return rc;
}

/* The parts of tbl an ANALYZE reads, one write transaction each (pending.c): every index of its
 * data table, then its element table. A full ANALYZE of the whole table held the write lock for
 * as long as it read every index: 1.4 s for 300,000 dashboard jobs, long enough at a million
 * for a stream's write to give up waiting (RL_STORE_BUSY_MS). One index at a time, a write
 * waits for one index's read at most.
 *
 * The next part is the first one named after `after` ("" to start), looked up in the same
 * transaction as its ANALYZE, so a part a drop took meanwhile is simply not found. A full
 * ANALYZE (analysis_limit 0): a limited one reads only the first entries of each index, so its
 * keys-per-value describe the low end of the key space (with 1,000: 334 documents per
 * conclusion where there are 12,413). *analyzed: the part's name (free()), NULL when none is
 * left. */
int rl_fieldindex_analyze_next(sqlite3 *db, const char *tbl, const char *after, char **analyzed,
                               rs_err *err) {
    return analyze_found(db,
                         "SELECT name FROM sqlite_schema WHERE name > ?2 AND (type = 'index'"
                         " AND tbl_name = ?1 || '_data' OR type = 'table' AND name = ?1 ||"
                         " '_elems') ORDER BY name LIMIT 1",
                         tbl, after, analyzed, err);
}

/* Every connection of the pool reads sqlite_stat1 when it loads the schema, and only then: an
 * ANALYZE leaves the schema cookie as it was, so the other connections kept planning with the
 * statistics they loaded before it, until some index was next made (measured: a connection
 * opened before an ANALYZE chose by the old averages after it). One more schema version makes
 * each reload its schema, statistics with it, at its next statement, and re-prepares the
 * statements kept on it (the translations cached by schema version go too). The version only
 * grows, as SQLite's own schema changes make it. */
static int stats_reload_everywhere(sqlite3 *db, rs_err *err) {
    int64_t version = 0;
    int rc = rl_sql_int(db, &version, err, "PRAGMA schema_version", "");
    if (rc != RS_OK)
        return rc;
    return exec_sql(db, sqlite3_mprintf("PRAGMA schema_version = %lld", (long long)version + 1),
                    err);
}

int rl_fieldindex_stats_publish(sqlite3 *db, const char *tbl, rs_err *err) {
    char data[200], elems[200];
    snprintf(data, sizeof data, "%s_data", tbl);
    snprintf(elems, sizeof elems, "%s_elems", tbl);
    int rc = exec_sql(
        db, sqlite3_mprintf(RL_FX_COPY_STATS_SQL RL_FX_COPY_STATS_SQL, data, data, elems, elems),
        err);
    return rc == RS_OK ? stats_reload_everywhere(db, err) : rc;
}

/* After the parts: the collection counted as analyzed, its statistics published. */
int rl_fieldindex_analyze_done(sqlite3 *db, const char *tbl, rs_err *err) {
    int rc = exec_sql(
        db, sqlite3_mprintf("UPDATE fx_colls SET analyzed_docs = n_docs WHERE tbl = %Q;", tbl),
        err);
    return rc == RS_OK ? rl_fieldindex_stats_publish(db, tbl, err) : rc;
}

int rl_fieldindex_analyze_unmeasured(sqlite3 *db, const char *tbl, const char *after,
                                     char **analyzed, rs_err *err) {
    int64_t has_stat1 = 0;
    *analyzed = NULL;
    int rc = rl_sql_int(db, &has_stat1, err,
                        "SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'", "");
    if (rc != RS_OK || !has_stat1) /* no ANALYZE yet: every index on SQLite's guesses alike */
        return rc;
    return analyze_found(db,
                         "SELECT i.name FROM sqlite_schema AS i JOIN fx_colls AS c ON c.tbl = ?1"
                         " AND c.analyzed_docs > 0 WHERE i.type = 'index' AND i.tbl_name = ?1 ||"
                         " '_data' AND i.name > ?2 AND NOT EXISTS (SELECT 1 FROM sqlite_stat1"
                         " AS s WHERE s.idx = i.name) ORDER BY i.name LIMIT 1",
                         tbl, after, analyzed, err);
}

/* args is a list of SQL string literals or integers: text safe to put in DDL. */
static int is_path_args(const char *s) {
    if (*s == '\0')
        return 0;
    for (;;) {
        if (*s == '\'') {
            for (s++; *s != '\0' && !(s[0] == '\'' && s[1] != '\''); s += s[0] == '\'' ? 2 : 1)
                ;
            if (*s++ != '\'')
                return 0;
        } else if (isdigit((unsigned char)*s)) {
            while (isdigit((unsigned char)*s))
                s++;
        } else {
            return 0;
        }
        if (*s == '\0')
            return 1;
        if (*s++ != ',')
            return 0;
    }
}

/* fn is a deterministic function of the connection that takes one argument. */
static int is_deterministic_fn(sqlite3 *db, const char *fn) {
    sqlite3_stmt *st = NULL;
    int ok = 0;
    for (const char *c = fn; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_')
            return 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT 1 FROM pragma_function_list WHERE name = lower(?1) AND"
                           " narg IN (1, -1) AND (flags & ?2) != 0",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, fn, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, SQLITE_DETERMINISTIC);
        ok = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return ok;
}

/* The trigram index of path args on collection table tbl, listed as fx_funcs row id: an FTS5
 * table of the path's strings under their documents' rowids, filled from the documents and kept
 * by triggers on every later write of "<tbl>_data" (SQLite runs them on each insert, upsert and
 * delete, whatever wrote it: a request, a pending version applied, retention). An upsert keeps
 * its row's rowid; INSERT OR REPLACE covers a rowid left behind all the same. The tokenizer keeps
 * case: Rockset's LIKE is case-sensitive, and GLOB (case-sensitive) is what the table then
 * answers from its index. */
static int build_trigram(sqlite3 *db, const char *tbl, int64_t id, const char *args, rs_err *err) {
    char name[200];
    snprintf(name, sizeof name, "%s_tri%lld", tbl, (long long)id);
    return exec_sql(
        db,
        sqlite3_mprintf(
            "CREATE VIRTUAL TABLE IF NOT EXISTS \"%w\" USING fts5(v, tokenize = 'trigram"
            " case_sensitive 1');"
            "DELETE FROM \"%w\";"
            "INSERT INTO \"%w\"(rowid, v) SELECT rowid, v FROM (SELECT rowid, rs_get(doc,%s) AS v"
            " FROM \"%w_data\") WHERE typeof(v) = 'text';"
            "CREATE TRIGGER IF NOT EXISTS \"%w_i\" AFTER INSERT ON \"%w_data\" BEGIN"
            " INSERT OR REPLACE INTO \"%w\"(rowid, v) SELECT new.rowid, v FROM (SELECT"
            " rs_get(new.doc,%s) AS v) WHERE typeof(v) = 'text'; END;"
            "CREATE TRIGGER IF NOT EXISTS \"%w_u\" AFTER UPDATE ON \"%w_data\" BEGIN"
            " DELETE FROM \"%w\" WHERE rowid = old.rowid;"
            " INSERT OR REPLACE INTO \"%w\"(rowid, v) SELECT new.rowid, v FROM (SELECT"
            " rs_get(new.doc,%s) AS v) WHERE typeof(v) = 'text'; END;"
            "CREATE TRIGGER IF NOT EXISTS \"%w_d\" AFTER DELETE ON \"%w_data\" BEGIN"
            " DELETE FROM \"%w\" WHERE rowid = old.rowid; END;",
            name, name, name, args, tbl, name, tbl, name, args, name, tbl, name, name, args, name,
            tbl, name),
        err);
}

/* An expression key's text (SQLX_IS_EXPR_KEY) is one expression over the table's doc: it
 * compiles alone as a query's value (nothing after it), so that it is nothing else inside an
 * index's definition. SQLite refuses it there if a function it calls is not deterministic. */
static int is_one_expression(sqlite3 *db, const char *tbl, const char *expr) {
    sqlite3_stmt *st = NULL;
    const char *tail = NULL;
    char *sql = sqlite3_mprintf("SELECT rs_skey(%s) FROM \"%w_data\"", expr, tbl);
    int ok = sql != NULL && strlen(expr) <= SQLX_MAX_EXPR_KEY &&
             sqlite3_prepare_v2(db, sql, -1, &st, &tail) == SQLITE_OK && st != NULL &&
             (tail == NULL || *tail == '\0') && sqlite3_column_count(st) == 1;
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return ok;
}

/* Mark fx_funcs row id refused: its index is never asked for again. */
static int refuse(sqlite3 *db, int64_t id, rs_err *err) {
    return exec_sql(
        db, sqlite3_mprintf("UPDATE fx_funcs SET fn = '!' || fn WHERE id = %lld", (long long)id),
        err);
}

/* The index of expression key expr, fx_funcs row id. Its expression failing on a document there
 * (a cast of a string that is no number: an SQL error, not a full disk or a busy lock) refuses
 * it for good, so that the next query does not ask again. */
static int build_expression(sqlite3 *db, const char *tbl, int64_t id, const char *expr,
                            rs_err *err) {
    rs_err failed = {0};
    int rc = exec_sql(db,
                      sqlite3_mprintf("CREATE INDEX IF NOT EXISTS \"%w_fn%lld\" ON \"%w_data\""
                                      "(rs_skey(%s))",
                                      tbl, (long long)id, tbl, expr),
                      &failed);
    if (rc == RS_OK)
        return RS_OK;
    if (sqlite3_errcode(db) == SQLITE_ERROR)
        return refuse(db, id, err);
    if (err != NULL)
        *err = failed;
    return rc;
}

int rl_fieldindex_ensure_function(sqlite3 *db, const char *tbl, const char *fn, const char *args,
                                  rs_err *err) {
    int64_t id = 0;
    int trigram = fn != NULL && strcmp(fn, SQLX_TRIGRAM_FN) == 0;
    int expr = fn != NULL && SQLX_IS_EXPR_KEY(fn);
    if (expr && !is_one_expression(db, tbl, fn))
        return rs_err_set(err, RS_EINVAL, "function index: '%s' is not one expression", fn);
    if (fn == NULL || *fn == '\0' || (!trigram && !expr && !is_deterministic_fn(db, fn)))
        return rs_err_set(err, RS_EINVAL, "function index: '%s' is not a deterministic function",
                          fn ? fn : "");
    if (args == NULL || !is_path_args(args))
        return rs_err_set(err, RS_EINVAL, "function index: '%s' is not a path", args ? args : "");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO fx_funcs(tbl, args, fn) VALUES(?1, ?3, " RL_FX_FN_AT_2
                           ") ON CONFLICT DO UPDATE SET fn = excluded.fn RETURNING id",
                           -1, &st, NULL) != SQLITE_OK)
        return db_fail(db, err);
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, fn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, args, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (id == 0)
        return db_fail(db, err);
    if (trigram)
        return build_trigram(db, tbl, id, args, err);
    if (expr)
        return build_expression(db, tbl, id, fn, err);
    return exec_sql(db,
                    sqlite3_mprintf("CREATE INDEX IF NOT EXISTS \"%w_fn%lld\" ON \"%w_data\""
                                    "(rs_skey(%s(rs_get(doc,%s))))",
                                    tbl, (long long)id, tbl, fn, args),
                    err);
}

/* The column paths of a composite index: a JSON array of 2 to RL_FX_COMPOSITE_COLUMNS path
 * texts, each a path (is_path_args), as columns of the index's expression list into out:
 * "rs_skey(rs_get(doc,'a')),rs_skey(rs_get(doc,'b'))". 0, or -1 when malformed. */
static int composite_columns(const char *paths, rs_buf *out) {
    rs_jsonscan_iter it;
    rs_jsonscan_span value;
    rs_buf path = RS_BUF_INIT;
    int n = 0, more, bad = 0;
    if (rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(paths)) != RS_OK)
        return -1;
    while (!bad && (more = rs_jsonscan_iter_next(&it, NULL, &value)) == 1) {
        rs_buf_reset(&path);
        bad = rs_jsonscan_classify(value) != RS_JSON_STRING ||
              rs_jsonscan_string_decode(value, &path, NULL) != RS_OK || path.oom ||
              !is_path_args(rs_buf_cstr(&path)) || ++n > RL_FX_COMPOSITE_COLUMNS;
        if (!bad)
            rs_buf_printf(out, "%srs_skey(rs_get(doc,%s))", n > 1 ? "," : "", rs_buf_cstr(&path));
    }
    rs_buf_free(&path);
    return bad || more != 0 || n < 2 || out->oom ? -1 : 0;
}

int rl_fieldindex_build_composite(sqlite3 *db, const char *tbl, const char *paths, int *built,
                                  rs_err *err) {
    rs_buf columns = RS_BUF_INIT;
    sqlx_index ix;
    int wanted = 0;
    if (built != NULL)
        *built = 0;
    if (paths == NULL || composite_columns(paths, &columns) != 0) {
        rs_buf_free(&columns);
        return rs_err_set(err, RS_EINVAL, "composite index: '%s' is not a list of 2 to %d paths",
                          paths ? paths : "", RL_FX_COMPOSITE_COLUMNS);
    }
    if (rl_fieldindex_composite(db, tbl, paths, &ix, &wanted) || !wanted) {
        rs_buf_free(&columns); /* made meanwhile, or the collection has its budget's worth */
        return RS_OK;
    }
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    if (sqlite3_prepare_v2(db, "INSERT INTO fx_comps(tbl, paths) VALUES(?1, ?2) RETURNING id", -1,
                           &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, paths, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    int rc = id == 0 ? db_fail(db, err)
                     : exec_sql(db,
                                sqlite3_mprintf("CREATE INDEX IF NOT EXISTS \"%w_cx%lld\" ON"
                                                " \"%w_data\"(%s)",
                                                tbl, (long long)id, tbl, rs_buf_cstr(&columns)),
                                err);
    rs_buf_free(&columns);
    if (rc == RS_OK && built != NULL)
        *built = 1;
    return rc;
}

/* The id of composite index name when it is one of tbl's ("<tbl>_cx<id>"), else 0. */
static int64_t composite_id(const char *tbl, const char *name) {
    size_t n = strlen(tbl);
    char *end = NULL;
    if (strncmp(name, tbl, n) != 0 || strncmp(name + n, "_cx", 3) != 0 || name[n + 3] == '\0')
        return 0;
    long long id = strtoll(name + n + 3, &end, 10);
    return end != NULL && *end == '\0' && id > 0 ? (int64_t)id : 0;
}

int rl_fieldindex_replace_composite(sqlite3 *db, const char *tbl, const char *victim,
                                    const char *paths, int *built, rs_err *err) {
    sqlx_index ix;
    int wanted = 0;
    int64_t id = composite_id(tbl, victim);
    *built = 0;
    if (id == 0)
        return rs_err_set(err, RS_EINVAL, "composite index: '%s' is not one of %s's", victim, tbl);
    if (rl_fieldindex_composite(db, tbl, paths, &ix, &wanted))
        return RS_OK; /* made meanwhile: the victim stays */
    int rc = exec_sql(
        db,
        sqlite3_mprintf("DELETE FROM fx_comps WHERE tbl = %Q AND id = %lld", tbl, (long long)id),
        err);
    if (rc != RS_OK || sqlite3_changes(db) == 0)
        return rc; /* dropped meanwhile (its collection's indexes went): nothing to replace */
    rc = exec_sql(db,
                  sqlite3_mprintf("DROP INDEX IF EXISTS \"%w\"; DELETE FROM fx_stats WHERE"
                                  " idx = %Q;",
                                  victim, victim),
                  err);
    return rc == RS_OK ? rl_fieldindex_build_composite(db, tbl, paths, built, err) : rc;
}

/* Whether expression key expr fails on document doc. */
static int fails_on(sqlite3 *db, const char *expr, const char *doc) {
    sqlite3_stmt *st = NULL;
    char *sql = sqlite3_mprintf("SELECT rs_skey(%s) FROM (SELECT ?1 AS doc)", expr);
    int failed = 0;
    if (sql != NULL && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, doc, -1, SQLITE_STATIC);
        failed = sqlite3_step(st) == SQLITE_ERROR;
    }
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return failed;
}

/* Up to 64 live expression indexes of tbl after id `after`, in id order: ids and texts
 * (sqlite3_free them); how many, or -1. */
#define REFUSE_PAGE 64
static int expression_page(sqlite3 *db, const char *tbl, int64_t after, int64_t *ids, char **exprs,
                           rs_err *err) {
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, fn FROM fx_funcs WHERE tbl = ?1 AND id > ?2 AND"
                           " instr(fn, '(') > 0 AND substr(fn, 1, 1) != '!' ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK) {
        db_fail(db, err);
        return -1;
    }
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, after);
    while (n < REFUSE_PAGE && sqlite3_step(st) == SQLITE_ROW) {
        ids[n] = sqlite3_column_int64(st, 0);
        exprs[n] = sqlite3_mprintf("%s", (const char *)sqlite3_column_text(st, 1));
        n++;
    }
    sqlite3_finalize(st); /* no statement open while the indexes are dropped */
    return n;
}

int rl_fieldindex_refuse_expressions(sqlite3 *db, const char *tbl, const char *doc, rs_err *err) {
    int64_t ids[REFUSE_PAGE], after = 0;
    char *exprs[REFUSE_PAGE];
    int n, dropped = 0, rc = RS_OK;
    do {
        if ((n = expression_page(db, tbl, after, ids, exprs, err)) < 0)
            return -1;
        for (int i = 0; i < n; i++) {
            if (rc == RS_OK && exprs[i] != NULL && fails_on(db, exprs[i], doc)) {
                rc = exec_sql(
                    db,
                    sqlite3_mprintf("DROP INDEX IF EXISTS \"%w_fn%lld\"", tbl, (long long)ids[i]),
                    err);
                if (rc == RS_OK)
                    rc = refuse(db, ids[i], err);
                dropped += rc == RS_OK;
            }
            sqlite3_free(exprs[i]);
            after = ids[i];
        }
    } while (rc == RS_OK && n == REFUSE_PAGE);
    return rc == RS_OK ? dropped : -1;
}
