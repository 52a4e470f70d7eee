/*
 * fn_models_schema.c - the model tables: create them (sql/rockset_schema.sql) and bring a
 * database made by an older version up to date, for rockset_init and rockset_import_dbt.
 *
 * CREATE TABLE IF NOT EXISTS leaves an existing table as it is, so what changed since a table
 * was first created is done here, once, idempotently:
 *   rockset_tests   older versions had CHECK (test IN ('unique', ...)) and no name, config,
 *                   sql columns. The table is rebuilt (SQLite cannot drop a CHECK): rows and
 *                   ids are copied into the new shape, inside a savepoint.
 *   rockset_models  older versions' CHECK on materialized lacks 'snapshot' or 'rollup': the
 *                   table is rebuilt the same way.
 */
#include "fn_models_int.h"
#include "schema_sql.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdio.h>
#include <string.h>

static int exec_or_fail(sqlite3 *db, const char *sql, const char *what, rs_err *err) {
    char *msg = NULL;
    int rc;

    if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return RS_OK;
    rc = rs_err_set(err, RS_EIO, "%s: %s", what, msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

/* 1 when rockset_tests has the shape of an older version (no `sql` column, or the CHECK). */
static int tests_table_is_old(sqlite3 *db) {
    sqlite3_stmt *stmt = NULL;
    int old = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'rockset_tests'",
                           -1, &stmt, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_TEXT) {
        const char *ddl = (const char *)sqlite3_column_text(stmt, 0);
        old = strstr(ddl, "CHECK (test IN") != NULL || strstr(ddl, "config") == NULL;
    }
    sqlite3_finalize(stmt);
    return old;
}

static const char migrate_tests_sql[] =
    "SAVEPOINT rockset_migrate_tests;"
    "ALTER TABLE rockset_tests RENAME TO rockset_tests_old_shape;"
    "CREATE TABLE rockset_tests ("
    "    id          INTEGER PRIMARY KEY,"
    "    model       TEXT NOT NULL,"
    "    column_name TEXT,"
    "    test        TEXT NOT NULL,"
    "    arg         TEXT,"
    "    name        TEXT,"
    "    config      TEXT CHECK (config IS NULL OR json_valid(config)),"
    "    sql         TEXT);"
    "INSERT INTO rockset_tests (id, model, column_name, test, arg)"
    "    SELECT id, model, column_name, test, arg FROM rockset_tests_old_shape;"
    "DROP TABLE rockset_tests_old_shape;"
    "RELEASE rockset_migrate_tests;";

/* 1 when rockset_models' CHECK predates materialized = 'rollup' (or 'snapshot', older). */
static int models_table_is_old(sqlite3 *db) {
    sqlite3_stmt *stmt = NULL;
    int old = 0;

    if (sqlite3_prepare_v2(db,
                           "SELECT sql FROM sqlite_master WHERE type = 'table' AND "
                           "name = 'rockset_models'",
                           -1, &stmt, NULL) != SQLITE_OK)
        return 0;
    if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_type(stmt, 0) == SQLITE_TEXT)
        old = strstr((const char *)sqlite3_column_text(stmt, 0), "'rollup'") == NULL;
    sqlite3_finalize(stmt);
    return old;
}

static const char models_columns[] =
    "name, sql, materialized, workspace, alias, unique_key, tags, config, enabled, description";

/* Rebuild rockset_models with the CHECK that allows every kind, keeping its rows. */
static int migrate_models(sqlite3 *db, rs_err *err) {
    char copy[400];
    int rc = exec_or_fail(db,
                          "SAVEPOINT rockset_migrate_models;"
                          "ALTER TABLE rockset_models RENAME TO rockset_models_old_shape;",
                          "updating rockset_models", err);

    snprintf(copy, sizeof(copy),
             "INSERT INTO rockset_models (%s) SELECT %s FROM rockset_models_old_shape;"
             "DROP TABLE rockset_models_old_shape; RELEASE rockset_migrate_models;",
             models_columns, models_columns);
    if (rc == RS_OK)
        rc = exec_or_fail(db, rs_schema_sql, "updating rockset_models", err);
    if (rc == RS_OK)
        rc = exec_or_fail(db, copy, "updating rockset_models", err);
    if (rc != RS_OK)
        sqlite3_exec(db, "ROLLBACK TO rockset_migrate_models; RELEASE rockset_migrate_models", NULL,
                     NULL, NULL);
    return rc;
}

int models_schema_ensure(sqlite3 *db, rs_err *err) {
    int rc = exec_or_fail(db, rs_schema_sql, "creating the model tables", err);

    if (rc == RS_OK && models_table_is_old(db))
        rc = migrate_models(db, err);

    if (rc == RS_OK && tests_table_is_old(db)) {
        rc = exec_or_fail(db, migrate_tests_sql, "updating rockset_tests to the new columns", err);
        if (rc != RS_OK)
            sqlite3_exec(db, "ROLLBACK TO rockset_migrate_tests; RELEASE rockset_migrate_tests",
                         NULL, NULL, NULL);
    }
    return rc;
}
