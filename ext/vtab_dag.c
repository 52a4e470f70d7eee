/*
 * vtab_dag.c - the model graph's edges as a table.
 *
 *   SELECT * FROM rockset_dag;                      -- parent, child
 *   SELECT child FROM rockset_dag WHERE parent = 'stg_orders';
 *
 * One row per direct edge between enabled models, plus one from "source:s.t" to each model that
 * reads that source (graph.h rs_graph_edges: source edges first, then by parent, then child).
 * A seed (rockset_seeds) that models ref() is a parent named "seed:<name>".
 * The rows are computed when a scan starts, from the current rockset_models / rockset_sources
 * rows (templates are read in parse mode; nothing is sent to Rockset). An eponymous-only table:
 * it exists on every connection that loaded the extension and cannot be CREATEd.
 */
#include "fn_models_int.h"
#include "models/graph.h"
#include "modules.h"
#include "sqlerr.h"
#include "vtab_util.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdlib.h>

#define DAG_COLUMN_PARENT 0
#define DAG_COLUMN_CHILD  1

typedef struct dag_vtab {
    sqlite3_vtab base; /* Base class. Must be first */
    rs_conn *conn;     /* borrowed: the module's client data */
} dag_vtab;

typedef struct dag_cursor {
    sqlite3_vtab_cursor base; /* Base class. Must be first */
    rs_project *project;      /* owns the strings the edges point to */
    rs_graph_edge *edges;     /* malloc'd */
    size_t n_edges;
    size_t row;
} dag_cursor;

static int dagConnect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                      sqlite3_vtab **ppVtab, char **pzErr) {
    int rc;

    (void)argc;
    (void)argv;
    (void)pzErr;
    /* Not DIRECTONLY: the table only reads this database's model rows, nothing goes out. */
    rc = rs_vtab_util_connect(db, "CREATE TABLE x(parent TEXT, child TEXT)", 0, sizeof(dag_vtab),
                              ppVtab);
    if (rc == SQLITE_OK)
        ((dag_vtab *)*ppVtab)->conn = pAux;
    return rc;
}

static int dagBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *info) {
    (void)pVtab;
    /* No constraint is pushed: the edge list is small and built whole. */
    info->estimatedCost = 1000.0;
    info->estimatedRows = 100;
    return SQLITE_OK;
}

static void dag_reset(dag_cursor *cur) {
    free(cur->edges);
    rs_project_free(cur->project);
    cur->edges = NULL;
    cur->project = NULL;
    cur->n_edges = 0;
    cur->row = 0;
}

static int dagOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
    (void)pVtab;
    return rs_vtab_util_open(sizeof(dag_cursor), ppCursor);
}

static int dagClose(sqlite3_vtab_cursor *pCursor) {
    dag_cursor *cur = (dag_cursor *)pCursor;

    dag_reset(cur);
    sqlite3_free(cur);
    return SQLITE_OK;
}

static int dagFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv) {
    dag_cursor *cur = (dag_cursor *)pCursor;
    dag_vtab *vtab = (dag_vtab *)pCursor->pVtab;
    rs_err err;
    int rc;

    (void)idxNum;
    (void)idxStr;
    (void)argc;
    (void)argv;
    dag_reset(cur);
    rs_err_clear(&err);
    rc = models_load_project(vtab->conn, NULL, &cur->project, &err);
    if (rc == RS_OK)
        rc = rs_graph_edges(rs_project_graph(cur->project), NULL, &cur->edges, &cur->n_edges, &err);
    if (rc != RS_OK)
        return rs_sqlerr_vtab(pCursor->pVtab, &err);
    return SQLITE_OK;
}

static int dagNext(sqlite3_vtab_cursor *pCursor) {
    ((dag_cursor *)pCursor)->row++;
    return SQLITE_OK;
}

static int dagEof(sqlite3_vtab_cursor *pCursor) {
    dag_cursor *cur = (dag_cursor *)pCursor;

    return cur->row >= cur->n_edges;
}

static int dagColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int col) {
    dag_cursor *cur = (dag_cursor *)pCursor;
    const rs_graph_edge *e = &cur->edges[cur->row];
    long parent =
        e->parent_is_source ? -1 : rs_graph_find(rs_project_graph(cur->project), e->parent);

    if (col == DAG_COLUMN_PARENT && parent >= 0 &&
        rs_project_model(cur->project, (size_t)parent)->kind == RS_MAT_SEED) {
        char *text = sqlite3_mprintf("seed:%s", e->parent);
        if (text == NULL)
            return SQLITE_NOMEM;
        sqlite3_result_text(ctx, text, -1, sqlite3_free);
        return SQLITE_OK;
    }
    sqlite3_result_text(ctx, col == DAG_COLUMN_PARENT ? e->parent : e->child, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

static int dagRowid(sqlite3_vtab_cursor *pCursor, sqlite_int64 *pRowid) {
    *pRowid = (sqlite_int64)((dag_cursor *)pCursor)->row + 1;
    return SQLITE_OK;
}

/* Slots left out stay NULL: no xCreate makes the table eponymous-only, no xUpdate read-only. */
static const sqlite3_module dag_module = {
    .xConnect = dagConnect,
    .xBestIndex = dagBestIndex,
    .xDisconnect = rs_vtab_util_disconnect,
    .xOpen = dagOpen,
    .xClose = dagClose,
    .xFilter = dagFilter,
    .xNext = dagNext,
    .xEof = dagEof,
    .xColumn = dagColumn,
    .xRowid = dagRowid,
};

int rs_vtab_dag_register(rs_conn *conn, char **pzErr) {
    return rs_conn_create_module(conn, "rockset_dag", &dag_module, pzErr);
}
