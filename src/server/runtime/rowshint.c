/*
 * rowshint.c - rs_rows(n): one row, which SQLite's planner counts as n rows. Registered with
 * the catalog.
 *
 * A hash join is written as its right side wrapped with its keys, for SQLite to build an
 * automatic index on (sqlx_emit.c). SQLite builds one when it guesses that looking rows up
 * costs less than reading them all for each left row, and it guesses a grouped subquery's rows
 * at about 100 whatever it reads: so it read every row of a grouped WITH query again for each
 * row of the other side (HUD's disabled_test_historical: two LEFT JOINs of daily buckets, 80 ms
 * at 13,000 documents and 2 s at 130,000). The translator knows better (its estimate from the
 * derived relation's plan) and writes it into the wrapper as `CROSS JOIN rs_rows(<rows>)`: the
 * one row changes nothing in the wrapper's rows, and SQLite multiplies its guess by <rows>.
 *
 * Thread-safety: one cursor per statement, nothing shared.
 */
#include "catalog.h"

#include <string.h>

#define RR_COL_ONE 0 /* the one row's value, 1 */
#define RR_COL_N   1 /* hidden: the rows to count */

int rt_rowshint_register(sqlite3 *db);

typedef struct rr_cursor {
    sqlite3_vtab_cursor base;
    int done;
} rr_cursor;

static int rr_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out,
                      char **err) {
    (void)aux;
    (void)argc;
    (void)argv;
    (void)err;
    int rc = sqlite3_declare_vtab(db, "CREATE TABLE x(one, n HIDDEN)");
    if (rc != SQLITE_OK)
        return rc;
    *out = sqlite3_malloc(sizeof **out);
    if (*out == NULL)
        return SQLITE_NOMEM;
    memset(*out, 0, sizeof **out);
    return SQLITE_OK;
}

static int rr_disconnect(sqlite3_vtab *vtab) {
    sqlite3_free(vtab);
    return SQLITE_OK;
}

/* The count is the equality on n, known when the statement is prepared (a literal); without
 * one, a thousand. */
static int rr_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
    (void)vtab;
    double rows = 1000;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn != RR_COL_N || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            return SQLITE_CONSTRAINT;
        info->aConstraintUsage[i].argvIndex = 1;
        info->aConstraintUsage[i].omit = 1;
        sqlite3_value *n = NULL;
        if (sqlite3_vtab_rhs_value(info, i, &n) == SQLITE_OK && sqlite3_value_double(n) >= 1)
            rows = sqlite3_value_double(n);
    }
    info->estimatedCost = 1;
    info->estimatedRows = (sqlite3_int64)rows;
    return SQLITE_OK;
}

static int rr_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
    (void)vtab;
    rr_cursor *cur = sqlite3_malloc(sizeof *cur);
    if (cur == NULL)
        return SQLITE_NOMEM;
    memset(cur, 0, sizeof *cur);
    *out = &cur->base;
    return SQLITE_OK;
}

static int rr_close(sqlite3_vtab_cursor *base) {
    sqlite3_free(base);
    return SQLITE_OK;
}

static int rr_filter(sqlite3_vtab_cursor *base, int idx_num, const char *idx_str, int argc,
                     sqlite3_value **argv) {
    (void)idx_num;
    (void)idx_str;
    (void)argc;
    (void)argv;
    ((rr_cursor *)base)->done = 0;
    return SQLITE_OK;
}

static int rr_next(sqlite3_vtab_cursor *base) {
    ((rr_cursor *)base)->done = 1;
    return SQLITE_OK;
}

static int rr_eof(sqlite3_vtab_cursor *base) {
    return ((rr_cursor *)base)->done;
}

static int rr_column(sqlite3_vtab_cursor *base, sqlite3_context *ctx, int col) {
    (void)base;
    if (col == RR_COL_ONE)
        sqlite3_result_int(ctx, 1);
    else
        sqlite3_result_null(ctx);
    return SQLITE_OK;
}

static int rr_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
    (void)base;
    *rowid = 1;
    return SQLITE_OK;
}

static const sqlite3_module rr_module = {
    .iVersion = 0,
    .xConnect = rr_connect,
    .xBestIndex = rr_best_index,
    .xDisconnect = rr_disconnect,
    .xOpen = rr_open,
    .xClose = rr_close,
    .xFilter = rr_filter,
    .xNext = rr_next,
    .xEof = rr_eof,
    .xColumn = rr_column,
    .xRowid = rr_rowid,
};

int rt_rowshint_register(sqlite3 *db) {
    return sqlite3_create_module(db, "rs_rows", &rr_module, NULL);
}
