/*
 * vtab_util.h - the setup every table-valued function of ours repeats: declare the schema,
 * allocate the zeroed vtab or cursor struct, free the vtab. vtab_query.c, vtab_catalog.c and
 * vtab_dag.c use it; vtab_collection.c, whose tables own more state, does not.
 *
 * Ownership: the structs are allocated with sqlite3_malloc and handed to SQLite through the
 * out-parameter, which is set only on success; each is freed by the module's xDisconnect /
 * xClose (rs_vtab_util_disconnect frees a vtab that holds nothing else).
 * Thread-safety: none needed; every call works on its caller's objects.
 */
#ifndef RS_EXT_VTAB_UTIL_H
#define RS_EXT_VTAB_UTIL_H

#include <sqlite3ext.h>
#include <stddef.h>

/* xConnect's common part: declare schema on db, apply the sqlite3_vtab_config option
 * config_op (SQLITE_VTAB_DIRECTONLY for tables that talk to Rockset with the user's key, so
 * that no trigger or view can reach them; 0 for none), and allocate a zeroed vtab of vtab_size
 * bytes (a struct whose first member is its sqlite3_vtab) into *ppVtab.
 * Returns SQLITE_OK, declare_vtab's error, or SQLITE_NOMEM. */
int rs_vtab_util_connect(sqlite3 *db, const char *schema, int config_op, size_t vtab_size,
                         sqlite3_vtab **ppVtab);

/* xDisconnect for a vtab that owns nothing but its own struct. Always SQLITE_OK. */
int rs_vtab_util_disconnect(sqlite3_vtab *pVtab);

/* xOpen's common part: a zeroed cursor of cursor_size bytes (first member its
 * sqlite3_vtab_cursor) into *ppCursor. SQLITE_OK or SQLITE_NOMEM. */
int rs_vtab_util_open(size_t cursor_size, sqlite3_vtab_cursor **ppCursor);

#endif
