/* fn_import.c - placeholder: rockset_import_dbt lands with issue #7. */
#include "modules.h"

int rs_fn_import_register(rs_conn *conn, char **pzErr)
{
    (void)conn;
    (void)pzErr;
    return SQLITE_OK;
}
