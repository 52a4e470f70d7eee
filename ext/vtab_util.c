/* vtab_util.c - see vtab_util.h. */
#include "vtab_util.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <string.h>

int rs_vtab_util_connect(sqlite3 *db, const char *schema, int config_op, size_t vtab_size,
                         sqlite3_vtab **ppVtab) {
    sqlite3_vtab *vtab;
    int rc = sqlite3_declare_vtab(db, schema);

    if (rc != SQLITE_OK)
        return rc;
    if (config_op != 0)
        sqlite3_vtab_config(db, config_op);
    vtab = sqlite3_malloc64(vtab_size);
    if (vtab == NULL)
        return SQLITE_NOMEM;
    memset(vtab, 0, vtab_size);
    *ppVtab = vtab;
    return SQLITE_OK;
}

int rs_vtab_util_disconnect(sqlite3_vtab *pVtab) {
    sqlite3_free(pVtab);
    return SQLITE_OK;
}

int rs_vtab_util_open(size_t cursor_size, sqlite3_vtab_cursor **ppCursor) {
    sqlite3_vtab_cursor *cur = sqlite3_malloc64(cursor_size);

    if (cur == NULL)
        return SQLITE_NOMEM;
    memset(cur, 0, cursor_size);
    *ppCursor = cur;
    return SQLITE_OK;
}
