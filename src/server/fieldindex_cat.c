/* fieldindex_cat.c - the catalog's answers to the translator (fieldindex.h, sqlx_catalog):
 * read from fx_paths and fx_colls, never from the documents. */
#include "fieldindex.h"
#include "kept.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The catalog's statement for sql, kept prepared on the connection (kept.h): a translation asks
 * several of these per collection, and preparing each one cost more than its answer. 1 when
 * *st is ready to bind. */
static int ask(sqlite3 *db, const char *sql, sqlite3_stmt **st) {
    return rl_kept_stmt(db, RL_KEPT_CATALOG, sql, st) == SQLITE_OK;
}

/* Column 0 of the first row as an integer; fallback when there is no row or on an error. */
static int64_t int_answer(sqlite3 *db, const char *sql, const char *a, const char *b,
                          int64_t fallback) {
    sqlite3_stmt *st = NULL;
    int64_t v = fallback;
    if (ask(db, sql, &st)) {
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b != NULL)
            sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
            v = sqlite3_column_int64(st, 0);
    }
    rl_kept_done(st);
    return v;
}

int64_t rl_fieldindex_doc_count(sqlite3 *db, const char *tbl) {
    return int_answer(db, "SELECT n_docs FROM fx_colls WHERE tbl = ?1", tbl, NULL, 0);
}

int64_t rl_fieldindex_generation(sqlite3 *db, const char *tbl) {
    return int_answer(db, "SELECT n_docs * 1000003 + bytes FROM fx_colls WHERE tbl = ?1", tbl, NULL,
                      -1);
}

int rl_fieldindex_has_field(sqlite3 *db, const char *tbl, const char *field) {
    if (rl_fieldindex_doc_count(db, tbl) <= 0)
        return -1;
    char *args = sqlite3_mprintf("%Q", field);
    if (args == NULL)
        return -1;
    int64_t n =
        int_answer(db, "SELECT n_docs FROM fx_paths WHERE tbl = ?1 AND args = ?2", tbl, args, 0);
    sqlite3_free(args);
    return n > 0;
}

/* ANALYZE's average rows per key of index name: number `at` (1-based) of its sqlite_stat1.stat
 * as copied to fx_stats ("rows per-key-of-first-column per-key-of-two-columns ..."), or -1 when
 * not analyzed. */
static double rows_per_key(sqlite3 *db, const char *name, int at) {
    sqlite3_stmt *st = NULL;
    double v = -1;
    if (ask(db, "SELECT stat FROM fx_stats WHERE idx = ?1", &st)) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        const char *stat =
            sqlite3_step(st) == SQLITE_ROW ? (const char *)sqlite3_column_text(st, 0) : NULL;
        for (int i = 0; stat != NULL && i <= at; i++) {
            char *end = NULL;
            long long n = strtoll(stat, &end, 10);
            if (end == stat)
                break;
            if (i == at)
                v = (double)n;
            stat = end;
        }
    }
    rl_kept_done(st);
    return v;
}

/* The fx_paths row of args: 1 with its id, n_docs, types, indexed, elems; 0 when unlisted. */
static int path_row(sqlite3 *db, const char *tbl, const char *args, int64_t row[5]) {
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (!ask(db,
             "SELECT id, n_docs, types, indexed, elems FROM fx_paths WHERE"
             " tbl = ?1 AND args = ?2",
             &st))
        return 0;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, args, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        for (int i = 0; i < 5; i++)
            row[i] = sqlite3_column_int64(st, i);
    }
    rl_kept_done(st);
    return found;
}

/* Whether args ("'a','b'") is a path the catalog lists wherever documents have it: 1 to
 * RL_FX_MAX_DEPTH member names (no array step), each 1 to RL_FX_MAX_KEY bytes, none beginning
 * with '_' (_id, _event_time and _meta are the store's; a typed value's members are not
 * walked). */
static int listable(const char *args) {
    int steps = 0;
    for (const char *p = args; *p != '\0'; steps++) {
        size_t len = 0;
        if (steps > 0 && *p++ != ',')
            return 0;
        if (*p++ != '\'' || *p == '_')
            return 0;
        while (*p != '\0' && (*p != '\'' || p[1] == '\'')) {
            p += *p == '\'' ? 2 : 1;
            len++;
        }
        if (*p++ != '\'' || len == 0 || len > RL_FX_MAX_KEY)
            return 0;
    }
    return steps >= 1 && steps <= RL_FX_MAX_DEPTH;
}

int rl_fieldindex_path_absent(sqlite3 *db, const char *tbl, const char *args) {
    int64_t row[5];
    /* a collection the catalog has no row for (not counted yet) says nothing */
    if (!listable(args) ||
        int_answer(db, "SELECT n_docs FROM fx_colls WHERE tbl = ?1", tbl, NULL, -1) < 0)
        return 0;
    return !path_row(db, tbl, args, row) || row[1] == 0;
}

static int function_index(sqlite3 *db, const char *tbl, const char *args, const char *fn,
                          sqlx_index *out) {
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (!ask(db, "SELECT id FROM fx_funcs WHERE tbl = ?1 AND args = ?3 AND fn = " RL_FX_FN_AT_2,
             &st))
        return 0;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, fn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, args, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        out->kind = SQLX_INDEX_FUNCTION;
        snprintf(out->name, sizeof(out->name),
                 strcmp(fn, SQLX_TRIGRAM_FN) == 0 ? "%s_tri%lld" : "%s_fn%lld", tbl,
                 (long long)sqlite3_column_int64(st, 0));
        out->rows_per_key = rows_per_key(db, out->name, 1);
    }
    rl_kept_done(st);
    if (found) {
        int64_t row[5];
        out->n_docs = path_row(db, tbl, args, row) ? row[1] : -1;
    }
    return found;
}

static int64_t composites_of(sqlite3 *db, const char *tbl) {
    sqlite3_stmt *st = NULL;
    int64_t n = RL_FX_MAX_COMPOSITES;
    if (ask(db, "SELECT count(*) FROM fx_comps WHERE tbl = ?1", &st)) {
        sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            n = sqlite3_column_int64(st, 0);
    }
    rl_kept_done(st);
    return n;
}

int rl_fieldindex_composite(sqlite3 *db, const char *tbl, const char *paths, sqlx_index *out,
                            int *wanted) {
    sqlite3_stmt *st = NULL;
    int found = 0, columns = 1;
    memset(out, 0, sizeof(*out));
    *wanted = 0;
    for (const char *p = paths; *p; p++)
        columns += *p == '"' && p[1] == ',' ? 1 : 0;
    if (!ask(db, "SELECT id FROM fx_comps WHERE tbl = ?1 AND paths = ?2", &st))
        return 0;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, paths, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        found = 1;
        out->kind = SQLX_INDEX_COMPOSITE;
        snprintf(out->name, sizeof(out->name), "%s_cx%lld", tbl,
                 (long long)sqlite3_column_int64(st, 0));
        out->n_docs = -1;
    }
    rl_kept_done(st);
    if (found)
        out->rows_per_key = rows_per_key(db, out->name, columns);
    else
        *wanted = composites_of(db, tbl) < RL_FX_MAX_COMPOSITES;
    return found;
}

int rl_fieldindex_composite_names(sqlite3 *db, const char *tbl, char (*names)[RL_FX_INDEX_NAME],
                                  int max) {
    sqlite3_stmt *st = NULL;
    int n = 0;
    if (!ask(db, "SELECT id FROM fx_comps WHERE tbl = ?1 ORDER BY id", &st))
        return 0;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    while (n < max && sqlite3_step(st) == SQLITE_ROW)
        snprintf(names[n++], RL_FX_INDEX_NAME, "%s_cx%lld", tbl,
                 (long long)sqlite3_column_int64(st, 0));
    rl_kept_done(st);
    return n;
}

/* Whether the array path a member path is of (its args before RL_FX_MEMBER_SEP) held arrays. */
static int member_array_listed(sqlite3 *db, const char *tbl, const char *args) {
    int64_t row[5];
    char *array = rl_fieldindex_member_array(args);
    int holds = array != NULL && path_row(db, tbl, array, row) && (row[2] & RL_FX_T_ARRAY) != 0;
    free(array);
    return holds;
}

/* An expression index refused (rl_fieldindex_refuse_expressions): never asked for again. */
static int refused_expression(sqlite3 *db, const char *tbl, const char *args, const char *fn) {
    sqlite3_stmt *st = NULL;
    int found = 0;
    if (!ask(db, "SELECT 1 FROM fx_funcs WHERE tbl = ?1 AND fn = '!' || ?2 AND args = ?3", &st))
        return 1;
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, fn, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, args, -1, SQLITE_STATIC);
    found = sqlite3_step(st) == SQLITE_ROW;
    rl_kept_done(st);
    return found;
}

int rl_fieldindex_lookup(sqlite3 *db, const char *tbl, sqlx_index_kind kind, const char *args,
                         const char *fn, sqlx_index *out, int *wanted) {
    int64_t row[5];
    memset(out, 0, sizeof(*out));
    if (wanted != NULL)
        *wanted = 0;
    if (kind == SQLX_INDEX_FUNCTION) {
        if (fn != NULL && function_index(db, tbl, args, fn, out))
            return 1;
        /* a twin that never fails is built by use: the timestamp parse's (and the trigram
         * index, for an infix LIKE) when the path holds strings, the string cast's (a join
         * key) when it holds scalars */
        if (wanted != NULL && fn != NULL &&
            (strcmp(fn, SQLX_TS_ISO_KEY_FN) == 0 || strcmp(fn, SQLX_DT_ISO_KEY_FN) == 0 ||
             strcmp(fn, SQLX_TRIGRAM_FN) == 0) &&
            path_row(db, tbl, args, row))
            *wanted = (row[2] & RL_FX_T_STRING) != 0;
        if (wanted != NULL && fn != NULL &&
            (strcmp(fn, SQLX_STR_KEY_FN) == 0 || SQLX_IS_EXPR_KEY(fn)) &&
            path_row(db, tbl, args, row))
            *wanted = (row[2] & RL_FX_T_SCALAR) != 0 &&
                      !(SQLX_IS_EXPR_KEY(fn) && refused_expression(db, tbl, args, fn));
        return 0;
    }
    int member = rl_fieldindex_is_member(args);
    if (fn != NULL || !path_row(db, tbl, args, row)) {
        /* a member path of an array's elements is listed when first asked for (by use) */
        if (wanted != NULL && fn == NULL && member && kind == SQLX_INDEX_ELEMS)
            *wanted = member_array_listed(db, tbl, args);
        return 0;
    }
    if (member && kind != SQLX_INDEX_ELEMS)
        return 0;
    int has = kind == SQLX_INDEX_SCALAR ? row[3] != 0 : kind == SQLX_INDEX_ELEMS && row[4] != 0;
    int holds = kind == SQLX_INDEX_SCALAR
                    ? (row[2] & RL_FX_T_SCALAR) != 0 && strcmp(args, "'_id'") != 0
                    : member || (row[2] & RL_FX_T_ARRAY) != 0;
    if (!has) {
        if (wanted != NULL)
            *wanted = holds && kind != SQLX_INDEX_FUNCTION;
        return 0;
    }
    out->kind = kind;
    out->n_docs = row[1];
    if (kind == SQLX_INDEX_SCALAR) {
        snprintf(out->name, sizeof(out->name), "%s_fx%lld", tbl, (long long)row[0]);
        out->rows_per_key = rows_per_key(db, out->name, 1);
        out->timestamps_only =
            (row[2] & RL_FX_T_TYPED) != 0 && (row[2] & (RL_FX_T_STRING | RL_FX_T_TYPED_OTHER)) == 0;
        out->datetimes_only = (row[2] & RL_FX_T_TYPED) != 0 &&
                              (row[2] & (RL_FX_T_STRING | RL_FX_T_TYPED_NOT_DATETIME)) == 0;
        out->strings_only = (row[2] & RL_FX_T_TYPED) == 0;
        out->keys_exact = (row[2] & (RL_FX_T_OBJECT | RL_FX_T_ARRAY | RL_FX_T_TYPED)) == 0;
    } else {
        char pk[200];
        snprintf(out->elems_table, sizeof(out->elems_table), "%s_elems", tbl);
        snprintf(pk, sizeof(pk), "%s_elems", tbl); /* a WITHOUT ROWID table's key: its name */
        out->path_id = row[0];
        out->rows_per_key = rows_per_key(db, pk, 2);
    }
    return 1;
}

/* " AND <key> <op> rs_skey(<bound>)", or the bound as it is when it is a key already */
static void put_bound(char **sql, const char *key, const char *op, const char *bound, int is_key) {
    char *next = *sql ? sqlite3_mprintf(is_key ? "%z AND %s %s (%s)" : "%z AND %s %s rs_skey(%s)",
                                        *sql, key, op, bound)
                      : NULL;
    *sql = next;
}

/* " AND <key> IN (k1, ...)" after *sql: an IN list's key expressions (a SPLIT's is one
 * subquery listing them). */
static void put_keys(char **sql, const char *key, const char *const *keys, int n_keys) {
    if (*sql != NULL)
        *sql = sqlite3_mprintf("%z AND %s IN (", *sql, key);
    for (int i = 0; i < n_keys && *sql != NULL; i++)
        *sql = sqlite3_mprintf(i ? "%z, %s" : "%z%s", *sql, keys[i]);
    if (*sql != NULL)
        *sql = sqlite3_mprintf("%z)", *sql);
}

/* The key expression of a SCALAR or FUNCTION index over doc (sqlite3_free it). */
static char *key_sql(sqlx_index_kind kind, const char *args, const char *fn) {
    if (kind == SQLX_INDEX_FUNCTION && SQLX_IS_EXPR_KEY(fn))
        return sqlite3_mprintf("rs_skey(%s)", fn);
    return kind == SQLX_INDEX_FUNCTION ? sqlite3_mprintf("rs_skey(%s(rs_get(doc,%s)))", fn, args)
                                       : sqlite3_mprintf("rs_skey(rs_get(doc,%s))", args);
}

/* " AND <key> IN (k1, ...)", or the filter's range, after *sql. */
static void put_filter(char **sql, const sqlx_keyfilter *f) {
    char *key = *sql != NULL ? key_sql(f->kind, f->args, f->fn) : NULL;
    if (key == NULL) {
        sqlite3_free(*sql);
        *sql = NULL;
        return;
    }
    if (f->in_keys != NULL)
        put_keys(sql, key, f->in_keys, f->n_in_keys);
    if (f->in_keys == NULL && f->range.lo != NULL)
        put_bound(sql, key, f->range.lo_incl ? ">=" : ">", f->range.lo, f->range.keys);
    if (f->in_keys == NULL && f->range.hi != NULL)
        put_bound(sql, key, f->range.hi_incl ? "<=" : "<", f->range.hi, f->range.keys);
    sqlite3_free(key);
}

/* Whether every filter is one the counting statements can write: a SCALAR or FUNCTION index's
 * keys (not the trigram index's), a range or a list of at least one key. */
static int filters_countable(const sqlx_keyfilter *filters, int n) {
    for (int i = 0; i < n; i++)
        if ((filters[i].kind != SQLX_INDEX_SCALAR && filters[i].kind != SQLX_INDEX_FUNCTION) ||
            (filters[i].fn != NULL && strcmp(filters[i].fn, SQLX_TRIGRAM_FN) == 0) ||
            (filters[i].in_keys != NULL && filters[i].n_in_keys <= 0))
            return 0;
    return 1;
}

char *rl_fieldindex_estimate_together_sql(sqlite3 *db, const char *tbl,
                                          const sqlx_keyfilter *filters, int n, int64_t cap) {
    sqlx_index ix;
    if (!filters_countable(filters, n))
        return NULL;
    if (n < 2 ||
        !rl_fieldindex_lookup(db, tbl, filters[0].kind, filters[0].args, filters[0].fn, &ix, NULL))
        return NULL;
    char *sql =
        sqlite3_mprintf("SELECT 1 FROM \"%w_data\" INDEXED BY \"%w\" WHERE 1", tbl, ix.name);
    for (int i = 0; i < n && sql != NULL; i++)
        put_filter(&sql, &filters[i]);
    return sql != NULL
               ? sqlite3_mprintf("SELECT count(*) FROM (%z LIMIT %lld)", sql, (long long)cap)
               : NULL;
}

char *rl_fieldindex_order_sample_sql(sqlite3 *db, const char *tbl, const char *order_args, int desc,
                                     int64_t k, const sqlx_keyfilter *filters, int n) {
    sqlx_index ix;
    if (!filters_countable(filters, n))
        return NULL;
    if (n < 1 || !rl_fieldindex_lookup(db, tbl, SQLX_INDEX_SCALAR, order_args, NULL, &ix, NULL))
        return NULL;
    char *key = key_sql(SQLX_INDEX_SCALAR, order_args, NULL);
    char *sql = key != NULL ? sqlite3_mprintf("SELECT 1 FROM (SELECT doc FROM \"%w_data\" INDEXED"
                                              " BY \"%w\" ORDER BY %s%s LIMIT %lld) WHERE 1",
                                              tbl, ix.name, key, desc ? " DESC" : "", (long long)k)
                            : NULL;
    sqlite3_free(key);
    for (int i = 0; i < n && sql != NULL; i++)
        put_filter(&sql, &filters[i]);
    return sql != NULL ? sqlite3_mprintf("SELECT count(*) FROM (%z)", sql) : NULL;
}

char *rl_fieldindex_estimate_sql(sqlite3 *db, const char *tbl, sqlx_index_kind kind,
                                 const char *args, const char *fn, const sqlx_range *range,
                                 int64_t cap) {
    sqlx_index ix;
    if (!rl_fieldindex_lookup(db, tbl, kind, args, fn, &ix, NULL))
        return NULL;
    if (fn != NULL && strcmp(fn, SQLX_TRIGRAM_FN) == 0) /* lo: the LIKE pattern */
        return range->lo != NULL ? sqlite3_mprintf("SELECT count(*) FROM (SELECT 1 FROM \"%w\""
                                                   " WHERE v GLOB rs_like_glob(%s) LIMIT %lld)",
                                                   ix.name, range->lo, (long long)cap)
                                 : NULL;
    if (range->lo == NULL && range->hi == NULL && kind != SQLX_INDEX_ELEMS)
        /* every document has a key (null: missing) */
        return sqlite3_mprintf("SELECT min(n_docs, %lld) FROM fx_colls WHERE tbl = %Q",
                               (long long)cap, tbl);
    char *key = kind == SQLX_INDEX_ELEMS ? sqlite3_mprintf("key") : key_sql(kind, args, fn);
    char *sql =
        kind == SQLX_INDEX_ELEMS
            ? sqlite3_mprintf("SELECT 1 FROM \"%w\" WHERE pid = %lld", ix.elems_table,
                              (long long)ix.path_id)
            : sqlite3_mprintf("SELECT 1 FROM \"%w_data\" INDEXED BY \"%w\" WHERE 1", tbl, ix.name);
    if (key != NULL && range->in_keys != NULL && kind != SQLX_INDEX_ELEMS)
        put_keys(&sql, key, range->in_keys, range->n_in_keys);
    else if (key != NULL) {
        if (range->lo != NULL)
            put_bound(&sql, key, range->lo_incl ? ">=" : ">", range->lo, range->keys);
        if (range->hi != NULL)
            put_bound(&sql, key, range->hi_incl ? "<=" : "<", range->hi, range->keys);
    }
    char *count = sql && key
                      ? sqlite3_mprintf("SELECT count(*) FROM (%s LIMIT %lld)", sql, (long long)cap)
                      : NULL;
    sqlite3_free(key);
    sqlite3_free(sql);
    return count;
}
