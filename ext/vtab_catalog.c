/*
 * vtab_catalog.c - Rockset's catalog as read-only table-valued functions.
 *
 *   SELECT * FROM rockset_workspaces;
 *     name, description, created_at, collection_count
 *   SELECT name, status, doc_count FROM rockset_collections('commons');
 *     name, workspace, status, doc_count, bytes, description, created_at,
 *     field_mapping_query (its SQL), retention_secs, event_time_info (JSON)
 *   SELECT * FROM rockset_views('commons');
 *     name, workspace, state, query_sql, entities (JSON array), description
 *   SELECT * FROM rockset_lambdas('commons');
 *     name, workspace, latest_version, version_count, sql, description
 *   SELECT * FROM rockset_aliases('commons');
 *     name, workspace, collections (JSON array of "ws.coll"), description, modified_at
 *
 * A table model's relation is an alias (materialize.h): its rows live in a collection
 * "<name>__rs<ms>" that rockset_collections lists and rockset_aliases names.
 *
 * The workspace argument is optional (hidden column `ws`); without it the session's workspace
 * (rockset_config('workspace')) is listed. `bytes` is the collection's stats.total_size (or
 * bytes_inserted when the server gives no total). Absent numbers are NULL.
 *
 * HOW IT WORKS: one module serves the five tables; a catalog_kind row below gives each its
 * schema and a loader. xFilter calls the list endpoint once and keeps the rows (metadata lists
 * are small); xColumn serves them. Like every function that talks to Rockset, the tables are
 * DIRECTONLY (see fn_session.c).
 */
#include "conn.h"
#include "modules.h"
#include "sqlerr.h"
#include "vtab_util.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdlib.h>
#include <string.h>

#define CELL_NULL 0
#define CELL_INT  1
#define CELL_TEXT 2
#define CELL_JSON 3 /* text with SQLite's JSON subtype */

typedef struct catalog_cell {
    int type;
    long long number;
    char *text; /* malloc'd for CELL_TEXT / CELL_JSON */
} catalog_cell;

typedef struct catalog_rows {
    catalog_cell *cells; /* n_rows * n_cols, row-major; malloc'd */
    size_t n_rows;
    int n_cols;
} catalog_rows;

typedef int (*catalog_loader)(rs_api *api, const char *ws, catalog_rows *rows, rs_err *err);

typedef struct catalog_kind {
    const char *name;
    const char *schema; /* visible columns first; `ws HIDDEN` last when has_ws */
    int n_cols;         /* visible columns */
    int has_ws;
    catalog_loader load;
} catalog_kind;

typedef struct catalog_vtab {
    sqlite3_vtab base; /* Base class. Must be first */
    rs_conn *conn;
    const catalog_kind *kind;
} catalog_vtab;

typedef struct catalog_cursor {
    sqlite3_vtab_cursor base; /* Base class. Must be first */
    catalog_rows rows;
    size_t row;
    char *ws; /* the workspace listed; malloc'd */
} catalog_cursor;

/* ---------------------------------------------------------------- rows */

static void rows_free(catalog_rows *rows) {
    size_t i;

    for (i = 0; i < rows->n_rows * (size_t)rows->n_cols; i++)
        free(rows->cells[i].text);
    free(rows->cells);
    rows->cells = NULL;
    rows->n_rows = 0;
}

static int rows_alloc(catalog_rows *rows, size_t n_rows, int n_cols, rs_err *err) {
    rows->n_cols = n_cols;
    rows->n_rows = 0;
    rows->cells = calloc(n_rows ? n_rows * (size_t)n_cols : 1, sizeof(catalog_cell));
    if (rows->cells == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rows->n_rows = n_rows;
    return RS_OK;
}

static catalog_cell *cell_at(catalog_rows *rows, size_t row, int col) {
    return &rows->cells[row * (size_t)rows->n_cols + (size_t)col];
}

/* Set a text cell to a copy of text (NULL text gives a NULL cell). Returns 0 on OOM. */
static int put_text(catalog_rows *rows, size_t row, int col, const char *text, int type) {
    catalog_cell *cell = cell_at(rows, row, col);

    if (text == NULL)
        return 1;
    cell->text = strdup(text);
    if (cell->text == NULL)
        return 0;
    cell->type = type;
    return 1;
}

/* Set an integer cell; negative means absent and gives NULL. */
static void put_int(catalog_rows *rows, size_t row, int col, long long number) {
    catalog_cell *cell = cell_at(rows, row, col);

    if (number < 0)
        return;
    cell->type = CELL_INT;
    cell->number = number;
}

/* ---------------------------------------------------------------- loaders */

static int load_workspaces(rs_api *api, const char *ws, catalog_rows *rows, rs_err *err) {
    rs_workspace *items = NULL;
    size_t n = 0, i;
    int ok = 1, rc;

    (void)ws;
    rc = rs_api_workspace_list(api, &items, &n, err);
    if (rc == RS_OK)
        rc = rows_alloc(rows, n, 4, err);
    for (i = 0; rc == RS_OK && i < n && ok; i++) {
        ok = put_text(rows, i, 0, items[i].name, CELL_TEXT) &&
             put_text(rows, i, 1, items[i].description, CELL_TEXT) &&
             put_text(rows, i, 2, items[i].created_at, CELL_TEXT);
        put_int(rows, i, 3, items[i].collection_count);
    }
    if (rc == RS_OK && !ok)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_workspace_list_free(items, n);
    return rc;
}

static int load_collections(rs_api *api, const char *ws, catalog_rows *rows, rs_err *err) {
    rs_collection *items = NULL;
    size_t n = 0, i;
    int ok = 1, rc;

    rc = rs_api_collection_list(api, ws, &items, &n, err);
    if (rc == RS_OK)
        rc = rows_alloc(rows, n, 10, err);
    for (i = 0; rc == RS_OK && i < n && ok; i++) {
        const rs_collection *c = &items[i];
        ok = put_text(rows, i, 0, c->name, CELL_TEXT) &&
             put_text(rows, i, 1, c->workspace, CELL_TEXT) &&
             put_text(rows, i, 2, c->status, CELL_TEXT) &&
             put_text(rows, i, 5, c->description, CELL_TEXT) &&
             put_text(rows, i, 6, c->created_at, CELL_TEXT) &&
             put_text(rows, i, 7, c->field_mapping_sql, CELL_TEXT) &&
             put_text(rows, i, 9, c->event_time_info_json, CELL_JSON);
        put_int(rows, i, 3, c->doc_count);
        put_int(rows, i, 4, c->total_size >= 0 ? c->total_size : c->bytes_inserted);
        put_int(rows, i, 8, c->retention_secs);
    }
    if (rc == RS_OK && !ok)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_collection_list_free(items, n);
    return rc;
}

static int load_views(rs_api *api, const char *ws, catalog_rows *rows, rs_err *err) {
    rs_view *items = NULL;
    size_t n = 0, i;
    int ok = 1, rc;

    rc = rs_api_view_list(api, ws, &items, &n, err);
    if (rc == RS_OK)
        rc = rows_alloc(rows, n, 6, err);
    for (i = 0; rc == RS_OK && i < n && ok; i++) {
        const rs_view *v = &items[i];
        ok = put_text(rows, i, 0, v->name, CELL_TEXT) &&
             put_text(rows, i, 1, v->workspace, CELL_TEXT) &&
             put_text(rows, i, 2, v->state, CELL_TEXT) &&
             put_text(rows, i, 3, v->query_sql, CELL_TEXT) &&
             put_text(rows, i, 4, v->entities_json, CELL_JSON) &&
             put_text(rows, i, 5, v->description, CELL_TEXT);
    }
    if (rc == RS_OK && !ok)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_view_list_free(items, n);
    return rc;
}

static int load_lambdas(rs_api *api, const char *ws, catalog_rows *rows, rs_err *err) {
    rs_lambda *items = NULL;
    size_t n = 0, i;
    int ok = 1, rc;

    rc = rs_api_lambda_list(api, ws, &items, &n, err);
    if (rc == RS_OK)
        rc = rows_alloc(rows, n, 6, err);
    for (i = 0; rc == RS_OK && i < n && ok; i++) {
        const rs_lambda *l = &items[i];
        ok = put_text(rows, i, 0, l->name, CELL_TEXT) &&
             put_text(rows, i, 1, l->workspace, CELL_TEXT) &&
             put_text(rows, i, 2, l->latest.version, CELL_TEXT) &&
             put_text(rows, i, 4, l->latest.sql, CELL_TEXT) &&
             put_text(rows, i, 5, l->latest.description, CELL_TEXT);
        put_int(rows, i, 3, l->version_count);
    }
    if (rc == RS_OK && !ok)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_lambda_list_free(items, n);
    return rc;
}

static int load_aliases(rs_api *api, const char *ws, catalog_rows *rows, rs_err *err) {
    rs_alias *items = NULL;
    size_t n = 0, i;
    int ok = 1, rc;

    rc = rs_api_alias_list(api, ws, &items, &n, err);
    if (rc == RS_OK)
        rc = rows_alloc(rows, n, 5, err);
    for (i = 0; rc == RS_OK && i < n && ok; i++) {
        const rs_alias *a = &items[i];
        ok = put_text(rows, i, 0, a->name, CELL_TEXT) &&
             put_text(rows, i, 1, a->workspace, CELL_TEXT) &&
             put_text(rows, i, 2, a->collections_json, CELL_JSON) &&
             put_text(rows, i, 3, a->description, CELL_TEXT) &&
             put_text(rows, i, 4, a->modified_at, CELL_TEXT);
    }
    if (rc == RS_OK && !ok)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_alias_list_free(items, n);
    return rc;
}

/* clang-format off */
static const catalog_kind kinds[] = {
    {"rockset_workspaces",
     "CREATE TABLE x(name TEXT, description TEXT, created_at TEXT, collection_count INTEGER)",
     4, 0, load_workspaces},
    {"rockset_collections",
     "CREATE TABLE x(name TEXT, workspace TEXT, status TEXT, doc_count INTEGER, bytes INTEGER, "
     "description TEXT, created_at TEXT, field_mapping_query TEXT, retention_secs INTEGER, "
     "event_time_info TEXT, ws HIDDEN)",
     10, 1, load_collections},
    {"rockset_views",
     "CREATE TABLE x(name TEXT, workspace TEXT, state TEXT, query_sql TEXT, entities TEXT, "
     "description TEXT, ws HIDDEN)",
     6, 1, load_views},
    {"rockset_lambdas",
     "CREATE TABLE x(name TEXT, workspace TEXT, latest_version TEXT, version_count INTEGER, "
     "sql TEXT, description TEXT, ws HIDDEN)",
     6, 1, load_lambdas},
    {"rockset_aliases",
     "CREATE TABLE x(name TEXT, workspace TEXT, collections TEXT, description TEXT, "
     "modified_at TEXT, ws HIDDEN)",
     5, 1, load_aliases},
};
/* clang-format on */

/* ---------------------------------------------------------------- module */

static int catalogConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                          sqlite3_vtab **ppVtab, char **pzErr) {
    const catalog_kind *kind = NULL;
    size_t i;
    int rc;

    (void)argc;
    (void)pzErr;
    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (sqlite3_stricmp(argv[0], kinds[i].name) == 0)
            kind = &kinds[i];
    }
    if (kind == NULL)
        return SQLITE_ERROR;
    rc = rs_vtab_util_connect(db, kind->schema, SQLITE_VTAB_DIRECTONLY, sizeof(catalog_vtab),
                              ppVtab);
    if (rc == SQLITE_OK) {
        ((catalog_vtab *)*ppVtab)->conn = pAux;
        ((catalog_vtab *)*ppVtab)->kind = kind;
    }
    return rc;
}

/* idxNum: 1 when the workspace argument is bound (argv[0]); 0 = the session's workspace. */
static int catalogBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *info) {
    const catalog_kind *kind = ((catalog_vtab *)pVtab)->kind;
    int i;

    info->idxNum = 0;
    for (i = 0; kind->has_ws && i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn != kind->n_cols || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            return SQLITE_CONSTRAINT;
        info->aConstraintUsage[i].argvIndex = 1;
        info->aConstraintUsage[i].omit = 1;
        info->idxNum = 1;
    }
    info->estimatedCost = 1e5;
    info->estimatedRows = 100;
    return SQLITE_OK;
}

static int catalogOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
    (void)pVtab;
    return rs_vtab_util_open(sizeof(catalog_cursor), ppCursor);
}

static void catalog_reset(catalog_cursor *cur) {
    rows_free(&cur->rows);
    free(cur->ws);
    cur->ws = NULL;
    cur->row = 0;
}

static int catalogClose(sqlite3_vtab_cursor *pCursor) {
    catalog_cursor *cur = (catalog_cursor *)pCursor;

    catalog_reset(cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int catalogFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr, int argc,
                         sqlite3_value **argv) {
    catalog_cursor *cur = (catalog_cursor *)pCursor;
    catalog_vtab *vtab = (catalog_vtab *)pCursor->pVtab;
    const char *ws = NULL;
    rs_api *api = NULL;
    rs_err err;

    (void)idxStr;
    catalog_reset(cur);
    if (idxNum == 1 && argc > 0)
        ws = rs_sqlerr_arg_text(argv[0]);
    if (ws == NULL)
        ws = vtab->conn->cfg.workspace;
    cur->ws = strdup(ws);
    if (cur->ws == NULL)
        return SQLITE_NOMEM;
    rs_err_clear(&err);
    if (rs_conn_api(vtab->conn, &api, &err) != RS_OK ||
        vtab->kind->load(api, cur->ws, &cur->rows, &err) != RS_OK)
        return rs_sqlerr_vtab(&vtab->base, &err);
    return SQLITE_OK;
}

static int catalogNext(sqlite3_vtab_cursor *pCursor) {
    ((catalog_cursor *)pCursor)->row++;
    return SQLITE_OK;
}

static int catalogEof(sqlite3_vtab_cursor *pCursor) {
    catalog_cursor *cur = (catalog_cursor *)pCursor;

    return cur->row >= cur->rows.n_rows;
}

static int catalogColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i) {
    catalog_cursor *cur = (catalog_cursor *)pCursor;
    const catalog_cell *cell;

    if (i >= cur->rows.n_cols) {
        sqlite3_result_text(ctx, cur->ws, -1, SQLITE_TRANSIENT); /* the hidden ws column */
        return SQLITE_OK;
    }
    cell = cell_at(&cur->rows, cur->row, i);
    if (cell->type == CELL_INT)
        sqlite3_result_int64(ctx, cell->number);
    else if (cell->type == CELL_TEXT || cell->type == CELL_JSON)
        sqlite3_result_text(ctx, cell->text, -1, SQLITE_TRANSIENT);
    if (cell->type == CELL_JSON)
        sqlite3_result_subtype(ctx, 74); /* 'J': SQLite's JSON subtype */
    return SQLITE_OK;
}

static int catalogRowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
    *pRowid = (sqlite_int64)((catalog_cursor *)pCursor)->row + 1;
    return SQLITE_OK;
}

/* Slots left out stay NULL: no xCreate makes the module eponymous-only, no xUpdate read-only. */
static const sqlite3_module catalog_module = {
    .xConnect = catalogConnect,
    .xBestIndex = catalogBestIndex,
    .xDisconnect = rs_vtab_util_disconnect,
    .xOpen = catalogOpen,
    .xClose = catalogClose,
    .xFilter = catalogFilter,
    .xNext = catalogNext,
    .xEof = catalogEof,
    .xColumn = catalogColumn,
    .xRowid = catalogRowid,
};

int rs_vtab_catalog_register(rs_conn *conn, char **pzErr) {
    size_t i;
    int rc = SQLITE_OK;

    for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && rc == SQLITE_OK; i++)
        rc = rs_conn_create_module(conn, kinds[i].name, &catalog_module, pzErr);
    return rc;
}
