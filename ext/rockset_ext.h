/*
 * rockset_ext.h - public header for applications that link SQLite themselves and embed the
 * extension statically (build/librockset_ext.a).
 *
 *   #include "rockset_ext.h"
 *   sqlite3_open(":memory:", &db);
 *   rockset_ext_register(db, &errmsg);   // every rockset_* function and the rockset module
 *
 * Returns an SQLite result code; on failure *pzErrMsg (if not NULL) gets a message to be freed
 * with sqlite3_free().
 */
#ifndef ROCKSET_EXT_H
#define ROCKSET_EXT_H

#include <sqlite3.h>

#ifdef __cplusplus
extern "C" {
#endif

int rockset_ext_register(sqlite3 *db, char **pzErrMsg);

/* The loadable-extension entry point (what `.load` calls); exported from the .so. */
struct sqlite3_api_routines;
int sqlite3_rocksetext_init(sqlite3 *db, char **pzErrMsg, const struct sqlite3_api_routines *pApi);

#ifdef __cplusplus
}
#endif

#endif
