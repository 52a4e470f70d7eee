/*
 * vtab_query.c - rockset_query(), a table-valued function over a Rockset query.
 *
 *   SELECT json_extract(doc, '$.total')
 *     FROM rockset_query('SELECT total FROM commons.orders WHERE id = :id', '{"id": 7}');
 *   SELECT doc FROM rockset_query('SELECT * FROM analytics.events');
 *
 * One column, `doc`: the JSON text of each result row exactly as Rockset sent it (64-bit integers
 * intact), with SQLite's JSON subtype so that json_object('d', doc) nests it as JSON. The hidden
 * columns `sql` and `params` receive the arguments; params is described in submit.h.
 *
 * HOW IT WORKS: xFilter submits the query asking for at most page_size rows in the first
 * response (rockset_config('page_size')); xNext walks the page and, when it is used up, fetches
 * the next one with the result's cursor. Only one page is ever held, so memory stays flat
 * however many rows the query returns. A query that only reads (SELECT, WITH, DESCRIBE) may be
 * retried by the client on 429/5xx; anything else is sent once. Ctrl-C / sqlite3_interrupt stops
 * a request or a wait within ~50 ms (see conn.h).
 *
 * The module is eponymous-only (no xCreate) and DIRECTONLY: it sends arbitrary SQL with the
 * user's key, so it must not be reachable from triggers or views of an untrusted database.
 *
 * rockset_lambda('ws.name' [, params [, version_or_tag]]) is the same over a query lambda's
 * execution: params as above (NULL: the lambda's defaults), a 16-hex-digit version id or a tag
 * (default: latest). Hidden columns `name`, `params`, `version`. A lambda may write, so its
 * execution is sent once.
 */
#include "conn.h"
#include "modules.h"
#include "sqlerr.h"
#include "submit.h"
#include "vtab_util.h"

#include <sqlite3ext.h>
#include <string.h>
SQLITE_EXTENSION_INIT3

#define QUERY_SCHEMA     "CREATE TABLE x(doc TEXT, sql HIDDEN, params HIDDEN)"
#define QUERY_COL_DOC    0
#define QUERY_COL_SQL    1
#define QUERY_COL_PARAMS 2

typedef struct query_vtab {
    sqlite3_vtab base; /* Base class. Must be first */
    rs_conn *conn;     /* borrowed: the module's client data outlives every table */
} query_vtab;

typedef struct query_cursor {
    sqlite3_vtab_cursor base; /* Base class. Must be first */
    rs_query_result *res;     /* current page; owned (rs_query_result_free) */
    size_t row;               /* index in the current page */
    sqlite3_int64 rowid;      /* 1-based over all pages */
    char *sql;                /* the arguments, for the hidden columns; sqlite3_malloc'd */
    char *params;             /* (rockset_lambda: sql holds 'ws.name', version its third) */
    char *version;
} query_cursor;

static int queryConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                        sqlite3_vtab **ppVtab, char **pzErr) {
    int rc;

    (void)argc;
    (void)argv;
    (void)pzErr;
    rc = rs_vtab_util_connect(db, QUERY_SCHEMA, SQLITE_VTAB_DIRECTONLY, sizeof(query_vtab), ppVtab);
    if (rc == SQLITE_OK)
        ((query_vtab *)*ppVtab)->conn = pAux;
    return rc;
}

/*
 * idxNum bits (xBestIndex -> xFilter):
 *   1  the sql argument is bound (always: a plan without it is refused)
 *   2  the params argument is bound (argv[1])
 */
static int queryBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *info) {
    int sql_at = -1, params_at = -1, i;

    for (i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn != QUERY_COL_SQL && c->iColumn != QUERY_COL_PARAMS)
            continue;
        if (c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            return SQLITE_CONSTRAINT; /* try another join order */
        if (c->iColumn == QUERY_COL_SQL)
            sql_at = i;
        else
            params_at = i;
    }
    if (sql_at < 0)
        return rs_sqlerr_vtab_printf(pVtab, "rockset_query: the SQL text is required: "
                                            "rockset_query('SELECT ...' [, params])");
    info->aConstraintUsage[sql_at].argvIndex = 1;
    info->aConstraintUsage[sql_at].omit = 1;
    info->idxNum = 1;
    if (params_at >= 0) {
        info->aConstraintUsage[params_at].argvIndex = 2;
        info->aConstraintUsage[params_at].omit = 1;
        info->idxNum |= 2;
    }
    info->estimatedCost = 1e6; /* a network round trip per page */
    info->estimatedRows = 1000;
    return SQLITE_OK;
}

static int queryOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
    (void)pVtab;
    return rs_vtab_util_open(sizeof(query_cursor), ppCursor);
}

static void reset_cursor(query_cursor *cur) {
    rs_query_result_free(cur->res);
    cur->res = NULL;
    sqlite3_free(cur->sql);
    sqlite3_free(cur->params);
    sqlite3_free(cur->version);
    cur->sql = NULL;
    cur->params = NULL;
    cur->version = NULL;
    cur->row = 0;
    cur->rowid = 0;
}

static int queryClose(sqlite3_vtab_cursor *pCursor) {
    query_cursor *cur = (query_cursor *)pCursor;

    reset_cursor(cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

/* Skip empty pages: make cur->row index a row, or leave the cursor at EOF. */
static int settle(query_cursor *cur) {
    query_vtab *vtab = (query_vtab *)cur->base.pVtab;
    rs_err err;

    rs_err_clear(&err);
    while (cur->row >= rs_query_result_row_count(cur->res) && rs_query_result_has_more(cur->res)) {
        if (rs_submit_next_page(vtab->conn, cur->res, &err) != RS_OK)
            return rs_sqlerr_vtab(&vtab->base, &err);
        cur->row = 0;
    }
    return SQLITE_OK;
}

/* Copy an SQL argument's text (NULL stays NULL). */
static int copy_arg(sqlite3_value *value, char **out) {
    const char *text = rs_sqlerr_arg_text(value);

    *out = NULL;
    if (text == NULL)
        return SQLITE_OK;
    *out = sqlite3_mprintf("%s", text);
    return *out != NULL ? SQLITE_OK : SQLITE_NOMEM;
}

static int queryFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr, int argc,
                       sqlite3_value **argv) {
    query_cursor *cur = (query_cursor *)pCursor;
    query_vtab *vtab = (query_vtab *)pCursor->pVtab;
    rs_err err;
    int rc;

    (void)idxStr;
    reset_cursor(cur);
    rc = copy_arg(argv[0], &cur->sql);
    if (rc == SQLITE_OK && (idxNum & 2) && argc > 1)
        rc = copy_arg(argv[1], &cur->params);
    if (rc != SQLITE_OK)
        return rc;
    if (cur->sql == NULL)
        return rs_sqlerr_vtab_printf(&vtab->base, "rockset_query: the SQL text must not be NULL");
    rs_err_clear(&err);
    if (rs_submit_query(vtab->conn, "rockset_query", cur->sql, cur->params,
                        vtab->conn->cfg.page_size, rs_submit_is_read_only(cur->sql),
                        vtab->conn->cfg.async, &cur->res, &err) != RS_OK)
        return rs_sqlerr_vtab(&vtab->base, &err);
    cur->rowid = 1;
    return settle(cur);
}

static int queryNext(sqlite3_vtab_cursor *pCursor) {
    query_cursor *cur = (query_cursor *)pCursor;

    cur->row++;
    cur->rowid++;
    return settle(cur);
}

static int queryEof(sqlite3_vtab_cursor *pCursor) {
    query_cursor *cur = (query_cursor *)pCursor;

    return cur->res == NULL || cur->row >= rs_query_result_row_count(cur->res);
}

static int queryColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i) {
    query_cursor *cur = (query_cursor *)pCursor;
    rs_jsonscan_span doc;

    switch (i) {
    case QUERY_COL_DOC:
        doc = rs_query_result_row(cur->res, cur->row);
        sqlite3_result_text64(ctx, doc.ptr, doc.len, SQLITE_TRANSIENT, SQLITE_UTF8);
        sqlite3_result_subtype(ctx, 74); /* 'J': SQLite's JSON subtype */
        break;
    case QUERY_COL_SQL:
        sqlite3_result_text(ctx, cur->sql, -1, SQLITE_TRANSIENT);
        break;
    default:
        if (cur->params != NULL)
            sqlite3_result_text(ctx, cur->params, -1, SQLITE_TRANSIENT);
        break;
    }
    return SQLITE_OK;
}

static int queryRowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
    *pRowid = ((query_cursor *)pCursor)->rowid;
    return SQLITE_OK;
}

/* Slots left out stay NULL: no xCreate makes the module eponymous-only, no xUpdate read-only. */
static const sqlite3_module query_module = {
    .xConnect = queryConnect,
    .xBestIndex = queryBestIndex,
    .xDisconnect = rs_vtab_util_disconnect,
    .xOpen = queryOpen,
    .xClose = queryClose,
    .xFilter = queryFilter,
    .xNext = queryNext,
    .xEof = queryEof,
    .xColumn = queryColumn,
    .xRowid = queryRowid,
};

/* ---------------------------------------------------------------- rockset_lambda */

#define LAMBDA_SCHEMA      "CREATE TABLE x(doc TEXT, name HIDDEN, params HIDDEN, version HIDDEN)"
#define LAMBDA_COL_NAME    1
#define LAMBDA_COL_VERSION 3

static int lambdaConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                         sqlite3_vtab **ppVtab, char **pzErr) {
    (void)argc;
    (void)argv;
    (void)pzErr;
    int rc =
        rs_vtab_util_connect(db, LAMBDA_SCHEMA, SQLITE_VTAB_DIRECTONLY, sizeof(query_vtab), ppVtab);
    if (rc == SQLITE_OK)
        ((query_vtab *)*ppVtab)->conn = pAux;
    return rc;
}

/* idxNum: bit 0 name (always), bit 1 params, bit 2 version; argv in that order. */
static int lambdaBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *info) {
    int at[4] = {-1, -1, -1, -1}, argv_index = 0;
    for (int i = 0; i < info->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &info->aConstraint[i];
        if (c->iColumn < LAMBDA_COL_NAME || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            return SQLITE_CONSTRAINT;
        at[c->iColumn] = i;
    }
    if (at[LAMBDA_COL_NAME] < 0)
        return rs_sqlerr_vtab_printf(pVtab, "rockset_lambda: the lambda is required: "
                                            "rockset_lambda('ws.name' [, params [, version]])");
    info->idxNum = 0;
    for (int col = LAMBDA_COL_NAME; col <= LAMBDA_COL_VERSION; col++) {
        if (at[col] < 0)
            continue;
        info->aConstraintUsage[at[col]].argvIndex = ++argv_index;
        info->aConstraintUsage[at[col]].omit = 1;
        info->idxNum |= 1 << (col - LAMBDA_COL_NAME);
    }
    info->estimatedCost = 1e6;
    info->estimatedRows = 1000;
    return SQLITE_OK;
}

/* A version id is 16 hex digits (rs_lambda_version.version); anything else names a tag. */
static int is_version_id(const char *s) {
    size_t n = strspn(s, "0123456789abcdef");
    return n == 16 && s[n] == '\0';
}

static int lambdaFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr, int argc,
                        sqlite3_value **argv) {
    query_cursor *cur = (query_cursor *)pCursor;
    query_vtab *vtab = (query_vtab *)pCursor->pVtab;
    int next = 0, rc;
    rs_err err;
    (void)idxStr;
    reset_cursor(cur);
    rc = copy_arg(argv[next++], &cur->sql);
    if (rc == SQLITE_OK && (idxNum & 2) && next < argc)
        rc = copy_arg(argv[next++], &cur->params);
    if (rc == SQLITE_OK && (idxNum & 4) && next < argc)
        rc = copy_arg(argv[next++], &cur->version);
    if (rc != SQLITE_OK)
        return rc;
    const char *dot = cur->sql != NULL ? strchr(cur->sql, '.') : NULL;
    if (dot == NULL || dot == cur->sql || dot[1] == '\0' || strchr(dot + 1, '.') != NULL)
        return rs_sqlerr_vtab_printf(&vtab->base,
                                     "rockset_lambda: name the lambda as "
                                     "'workspace.lambda', got %s%s%s",
                                     cur->sql ? "'" : "", cur->sql ? cur->sql : "NULL",
                                     cur->sql ? "'" : "");
    char *ws = sqlite3_mprintf("%.*s", (int)(dot - cur->sql), cur->sql);
    if (ws == NULL)
        return SQLITE_NOMEM;
    int by_version = cur->version != NULL && is_version_id(cur->version);
    rs_err_clear(&err);
    rc = rs_submit_lambda(vtab->conn, "rockset_lambda", ws, dot + 1,
                          by_version ? cur->version : NULL, by_version ? NULL : cur->version,
                          cur->params, vtab->conn->cfg.page_size, &cur->res, &err);
    sqlite3_free(ws);
    if (rc != RS_OK)
        return rs_sqlerr_vtab(&vtab->base, &err);
    cur->rowid = 1;
    return settle(cur);
}

static int lambdaColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i) {
    query_cursor *cur = (query_cursor *)pCursor;
    if (i == LAMBDA_COL_VERSION) {
        if (cur->version != NULL)
            sqlite3_result_text(ctx, cur->version, -1, SQLITE_TRANSIENT);
        return SQLITE_OK;
    }
    return queryColumn(pCursor, ctx, i); /* doc, name (in sql), params: as rockset_query's */
}

static const sqlite3_module lambda_module = {
    .xConnect = lambdaConnect,
    .xBestIndex = lambdaBestIndex,
    .xDisconnect = rs_vtab_util_disconnect,
    .xOpen = queryOpen,
    .xClose = queryClose,
    .xFilter = lambdaFilter,
    .xNext = queryNext,
    .xEof = queryEof,
    .xColumn = lambdaColumn,
    .xRowid = queryRowid,
};

int rs_vtab_query_register(rs_conn *conn, char **pzErr) {
    int rc = rs_conn_create_module(conn, "rockset_query", &query_module, pzErr);
    if (rc == SQLITE_OK)
        rc = rs_conn_create_module(conn, "rockset_lambda", &lambda_module, pzErr);
    return rc;
}
