/* fn_models.c - placeholder: the model functions land with issue #5. */
#include "modules.h"

int rs_fn_models_register(rs_conn *conn, char **pzErr)
{
    (void)conn;
    (void)pzErr;
    return SQLITE_OK;
}
