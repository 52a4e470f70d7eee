/*
 * modules.h - what each ext/ file registers on a connection. sqlite3_rocksetext_init calls these
 * in turn; each returns an SQLite result code and on failure sets *pzErr (sqlite3_free).
 * Every registration holds a reference to conn (see conn.h).
 */
#ifndef RS_EXT_MODULES_H
#define RS_EXT_MODULES_H

#include "conn.h"

/* fn_session.c: rockset_version, rockset_connect, rockset_config, rockset_stats, rockset_exec. */
int rs_fn_session_register(rs_conn *conn, char **pzErr);
/* fn_admin.c: rockset_create_workspace, rockset_create_collection, rockset_drop. */
int rs_fn_admin_register(rs_conn *conn, char **pzErr);
/* vtab_query.c: the rockset_query table-valued function. */
int rs_vtab_query_register(rs_conn *conn, char **pzErr);
/* vtab_catalog.c: rockset_workspaces, _collections, _views, _lambdas, _aliases. */
int rs_vtab_catalog_register(rs_conn *conn, char **pzErr);
/* vtab_collection.c: the `rockset` module (CREATE VIRTUAL TABLE x USING rockset(...)). */
int rs_vtab_collection_register(rs_conn *conn, char **pzErr);
/* fn_models.c: rockset_init, rockset_compile, rockset_materialize, rockset_run, rockset_test,
 * rockset_seed, rockset_build, rockset_lineage_dot. */
int rs_fn_models_register(rs_conn *conn, char **pzErr);
/* vtab_dag.c: the rockset_dag table (the model graph's edges). */
int rs_vtab_dag_register(rs_conn *conn, char **pzErr);
/* fn_import.c: rockset_import_dbt (an existing dbt project into the model tables). */
int rs_fn_import_register(rs_conn *conn, char **pzErr);

#endif
