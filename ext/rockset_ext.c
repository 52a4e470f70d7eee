/*
 * rockset_ext.c - the extension's entry point.
 *
 *   .load ./build/rockset_ext
 *   SELECT rockset_connect();
 *   SELECT json_extract(doc, '$.n') FROM rockset_query('SELECT 1 AS n');
 *
 * sqlite3_rocksetext_init makes the connection's state (conn.h) and registers every function
 * and module on the connection, checking every registration's return code: the first failure
 * stops the load with a message naming what failed.
 */
#include "rockset_ext.h"
#include "conn.h"
#include "modules.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stddef.h>

typedef int (*register_fn)(rs_conn *conn, char **pzErr);

static const register_fn registrations[] = {
    rs_fn_session_register,   rs_fn_admin_register,        rs_vtab_query_register,
    rs_vtab_catalog_register, rs_vtab_collection_register, rs_fn_models_register,
    rs_vtab_dag_register,     rs_fn_import_register,
};

__attribute__((visibility("default"))) int
sqlite3_rocksetext_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi) {
    rs_conn *conn;
    size_t i;
    int rc = SQLITE_OK;

    SQLITE_EXTENSION_INIT2(pApi);
    conn = rs_conn_new(db);
    if (conn == NULL)
        return SQLITE_NOMEM;
    for (i = 0; i < sizeof(registrations) / sizeof(registrations[0]) && rc == SQLITE_OK; i++)
        rc = registrations[i](conn, pzErrMsg);
    /* Each registration holds its own reference; drop the one rs_conn_new gave us. */
    rs_conn_release(conn);
    return rc;
}

int rockset_ext_register(sqlite3 *db, char **pzErrMsg) {
#ifdef SQLITE_CORE
    return sqlite3_rocksetext_init(db, pzErrMsg, NULL);
#else
    /* Inside the loadable .so the API table comes from sqlite3_load_extension. */
    (void)db;
    if (pzErrMsg != NULL)
        *pzErrMsg = NULL;
    return SQLITE_MISUSE;
#endif
}
