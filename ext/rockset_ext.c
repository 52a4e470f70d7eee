/*
 * rockset_ext.c - the extension's entry point.
 *
 *   .load ./build/rockset_ext
 *   SELECT rockset_version();
 *
 * sqlite3_rocksetext_init registers every function and module on the connection and checks
 * every registration's return code.
 */
#include "rockset_ext.h"
#include "version.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT1

#include <stddef.h>

static void fn_version(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    (void)argc;
    (void)argv;
    sqlite3_result_text(ctx, RS_VERSION, -1, SQLITE_STATIC);
}

__attribute__((visibility("default"))) int
sqlite3_rocksetext_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi)
{
    int rc;

    SQLITE_EXTENSION_INIT2(pApi);
    rc = sqlite3_create_function(db, "rockset_version", 0,
                                 SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, NULL,
                                 fn_version, NULL, NULL);
    if (rc != SQLITE_OK && pzErrMsg)
        *pzErrMsg = sqlite3_mprintf("rockset_ext: registering rockset_version failed (%d)", rc);
    return rc;
}

int rockset_ext_register(sqlite3 *db, char **pzErrMsg)
{
    return sqlite3_rocksetext_init(db, pzErrMsg, NULL);
}
