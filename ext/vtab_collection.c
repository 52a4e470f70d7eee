/* vtab_collection.c - placeholder: the `rockset` virtual-table module lands with issue #4. */
#include "modules.h"

int rs_vtab_collection_register(rs_conn *conn, char **pzErr)
{
    (void)conn;
    (void)pzErr;
    return SQLITE_OK;
}
