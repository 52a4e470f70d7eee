/*
 * fn_admin.c - creating and dropping Rockset relations.
 *
 *   SELECT rockset_create_workspace('analytics' [, 'description']);
 *     -> 'created workspace analytics'
 *   SELECT rockset_create_collection('analytics.events' [, 'description' [, options]]);
 *     -> 'created collection analytics.events (READY)'    (returns once the collection is READY;
 *                                                          the name may be 'events')
 *     options: a JSON object text, json_object('field_mapping_query', 'SELECT ... FROM _input',
 *     'retention_secs', 86400, 'event_time_info', json_object('field', 'ts', ...)); the
 *     description may be NULL. What they are and their errors: src/api/collopts.h (prefixed
 *     "rockset_create_collection: "); the server's refusal of a value comes back as its
 *     message (api.h, other HTTP).
 *   SELECT rockset_drop('analytics.events' [, force]);
 *     -> 'dropped collection analytics.events'
 *
 * What these functions create carries the ownership mark in its description (managed.h), the
 * user's description following it. rockset_drop looks the name up as a collection, then a view,
 * an alias, a query lambda, and drops it only when its description carries the mark, or when
 * force is 1: the extension never drops what it did not create unless told to (docs/semantics.md,
 * ownership). A dropped collection is waited on until it is gone, so the name can be reused at
 * once. Dropping a model's alias (a table model's relation: materialize.h) also drops the
 * collections behind it that carry the mark of the same model and that no other alias points
 * to:
 *     -> 'dropped alias analytics.totals and 1 collection behind it'
 *
 * Waits poll fast then back off (api.h), are bounded by rockset_config('timeout_ms') and stop
 * on Ctrl-C / sqlite3_interrupt. All three functions are DIRECTONLY (see fn_session.c).
 */
#include "conn.h"
#include "managed.h"
#include "modules.h"
#include "sqlerr.h"

#include "api/collopts.h"
#include "jsonscan.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Set ctx's result to a printf-formatted text. */
static void result_printf(sqlite3_context *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void result_printf(sqlite3_context *ctx, const char *fmt, ...) {
    va_list ap;
    char *text;

    va_start(ap, fmt);
    text = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (text == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    sqlite3_result_text(ctx, text, -1, sqlite3_free);
}

/* The name argument: non-NULL, non-empty text, else an error on ctx and NULL. */
static const char *name_arg(sqlite3_context *ctx, const char *fn, sqlite3_value *value) {
    const char *text = rs_sqlerr_arg_text(value);

    if (sqlite3_value_type(value) == SQLITE_TEXT && text != NULL && text[0] != '\0')
        return text;
    rs_sqlerr_resultf(ctx, "%s: the name must be a non-empty text", fn);
    return NULL;
}

static void fn_create_workspace(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *ws = name_arg(ctx, "rockset_create_workspace", argv[0]);
    const char *note = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    rs_buf description = RS_BUF_INIT;
    rs_api *api = NULL;
    rs_err err;
    int rc;

    if (ws == NULL)
        return;
    rs_err_clear(&err);
    rc = rs_managed_description(&description, NULL, note);
    if (rc != RS_OK)
        rs_err_set(&err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, &err);
    if (rc == RS_OK)
        rc = rs_api_workspace_create(api, ws, rs_buf_cstr(&description), NULL, &err);
    rs_buf_free(&description);
    if (rc != RS_OK) {
        rs_sqlerr_result(ctx, &err);
        return;
    }
    result_printf(ctx, "created workspace %s", ws);
}

static void fn_create_collection(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *qualified = name_arg(ctx, "rockset_create_collection", argv[0]);
    const char *note = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    rs_buf description = RS_BUF_INIT;
    char *ws = NULL, *name = NULL;
    rs_collopts options;
    rs_api *api = NULL;
    rs_err err;
    int rc;

    if (qualified == NULL)
        return;
    rs_err_clear(&err);
    /* the options first: a mistake in them is reported before anything is sent */
    rc = rs_collopts_parse(argc > 2 ? rs_sqlerr_arg_text(argv[2]) : NULL, &options, &err);
    if (rc != RS_OK)
        rs_err_prefix(&err, "rockset_create_collection: ");
    if (rc == RS_OK)
        rc = rs_api_split_name(qualified, conn->cfg.workspace, &ws, &name, &err);
    if (rc == RS_OK && rs_managed_description(&description, NULL, note) != RS_OK)
        rc = rs_err_set(&err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, &err);
    if (rc == RS_OK)
        rc = rs_api_collection_create_with(api, ws, name, rs_buf_cstr(&description), &options.opts,
                                           NULL, &err);
    if (rc == RS_OK)
        rc = rs_api_collection_wait_ready(api, ws, name, conn->cfg.timeout_ms, NULL, &err);
    if (rc == RS_OK)
        result_printf(ctx, "created collection %s.%s (READY)", ws, name);
    else
        rs_sqlerr_result(ctx, &err);
    rs_buf_free(&description);
    rs_collopts_free(&options);
    free(ws);
    free(name);
}

/* ---------------------------------------------------------------- rockset_drop */

enum { DROP_COLLECTION, DROP_VIEW, DROP_ALIAS, DROP_LAMBDA, DROP_KINDS };

static const char *const drop_kind_names[DROP_KINDS] = {"collection", "view", "alias",
                                                        "query lambda"};

/* Look ws.name up as each kind in turn: RS_OK with *kind and *description (malloc'd, may be
 * NULL), RS_ENOTFOUND when it is none of them, or another error. For an alias, *targets gets
 * its collections (a JSON array of "ws.coll"; malloc'd). */
static int find_relation(rs_api *api, const char *ws, const char *name, int *kind,
                         char **description, char **targets, rs_err *err) {
    rs_collection coll = {0};
    rs_view view = {0};
    rs_alias alias = {0};
    rs_lambda_version lambda = {0};
    char **found = NULL;
    int rc;

    rc = rs_api_collection_get(api, ws, name, &coll, err);
    if (rc == RS_OK) {
        *kind = DROP_COLLECTION;
        found = &coll.description;
    }
    if (rc == RS_ENOTFOUND)
        rc = rs_api_view_get(api, ws, name, &view, err);
    if (rc == RS_OK && found == NULL) {
        *kind = DROP_VIEW;
        found = &view.description;
    }
    if (rc == RS_ENOTFOUND)
        rc = rs_api_alias_get(api, ws, name, &alias, err);
    if (rc == RS_OK && found == NULL) {
        *kind = DROP_ALIAS;
        found = &alias.description;
        *targets = alias.collections_json;
        alias.collections_json = NULL;
    }
    if (rc == RS_ENOTFOUND)
        rc = rs_api_lambda_get(api, ws, name, &lambda, err);
    if (rc == RS_OK && found == NULL) {
        *kind = DROP_LAMBDA;
        found = &lambda.description;
    }
    if (found != NULL) {
        *description = *found; /* hand the string over before the structs are freed */
        *found = NULL;
    }
    rs_collection_free(&coll);
    rs_view_free(&view);
    rs_alias_free(&alias);
    rs_lambda_version_free(&lambda);
    return rc;
}

static int drop_collection(rs_conn *conn, rs_api *api, const char *ws, const char *name,
                           rs_err *err) {
    int rc = rs_api_collection_delete(api, ws, name, err);

    if (rc == RS_OK)
        rc = rs_api_collection_wait_gone(api, ws, name, conn->cfg.timeout_ms, err);
    return rc;
}

/* Whether some alias of the org points to ws.coll. */
static int alias_points_to(rs_api *api, const char *ws, const char *coll, int *yes, rs_err *err) {
    rs_alias *items = NULL;
    size_t n = 0, i;
    char *quoted = sqlite3_mprintf("\"%s.%s\"", ws, coll);
    int rc = quoted ? rs_api_alias_list(api, NULL, &items, &n, err)
                    : rs_err_set(err, RS_ENOMEM, "out of memory");

    *yes = 0;
    for (i = 0; rc == RS_OK && i < n && !*yes; i++)
        *yes = items[i].collections_json != NULL && strstr(items[i].collections_json, quoted);
    rs_alias_list_free(items, n);
    sqlite3_free(quoted);
    return rc;
}

/* After a model's alias was dropped (its description: owner): drop the collections it pointed
 * to (targets, "ws.coll" strings) that carry the mark of the same model and that no other
 * alias points to; *dropped counts them. */
static int drop_behind_alias(rs_conn *conn, rs_api *api, const char *default_ws, const char *owner,
                             const char *targets, int *dropped, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span item;
    rs_collection coll = {0};
    char *qualified = NULL, *ws = NULL, *name = NULL;
    int rc = RS_OK, in_use = 0;

    if (targets == NULL || !rs_managed_is_marked(owner) ||
        rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(targets)) != RS_OK)
        return RS_OK;
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &item) == 1) {
        rc = rs_jsonscan_string_dup(item, &qualified, err);
        if (rc == RS_OK)
            rc = rs_api_split_name(qualified, default_ws, &ws, &name, err);
        if (rc == RS_OK)
            rc = rs_api_collection_get(api, ws, name, &coll, err);
        if (rc == RS_OK && rs_managed_same_model(owner, coll.description))
            rc = alias_points_to(api, ws, name, &in_use, err);
        if (rc == RS_OK && rs_managed_same_model(owner, coll.description) && !in_use) {
            rc = drop_collection(conn, api, ws, name, err);
            *dropped += rc == RS_OK;
        }
        if (rc == RS_ENOTFOUND) { /* gone already */
            rs_err_clear(err);
            rc = RS_OK;
        }
        rs_collection_free(&coll);
        memset(&coll, 0, sizeof(coll));
        free(qualified);
        free(ws);
        free(name);
        qualified = ws = name = NULL;
    }
    return rc;
}

static int drop_relation(rs_conn *conn, rs_api *api, int kind, const char *ws, const char *name,
                         const char *owner, const char *targets, int *dropped_behind, rs_err *err) {
    int rc;

    switch (kind) {
    case DROP_COLLECTION:
        return drop_collection(conn, api, ws, name, err);
    case DROP_VIEW:
        return rs_api_view_delete(api, ws, name, err);
    case DROP_ALIAS:
        rc = rs_api_alias_delete(api, ws, name, err);
        if (rc == RS_OK)
            rc = drop_behind_alias(conn, api, ws, owner, targets, dropped_behind, err);
        return rc;
    default:
        return rs_api_lambda_delete(api, ws, name, err);
    }
}

static void fn_drop(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *qualified = name_arg(ctx, "rockset_drop", argv[0]);
    int force = argc > 1 && sqlite3_value_int(argv[1]) != 0;
    char *ws = NULL, *name = NULL, *description = NULL, *targets = NULL;
    rs_api *api = NULL;
    int kind = DROP_COLLECTION, dropped_behind = 0, rc;
    rs_err err;

    if (qualified == NULL)
        return;
    rs_err_clear(&err);
    rc = rs_api_split_name(qualified, conn->cfg.workspace, &ws, &name, &err);
    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, &err);
    if (rc == RS_OK)
        rc = find_relation(api, ws, name, &kind, &description, &targets, &err);
    if (rc == RS_ENOTFOUND)
        rs_err_set(&err, RS_ENOTFOUND,
                   "rockset: nothing named %s.%s to drop (no collection, view, alias or query "
                   "lambda)",
                   ws, name);
    if (rc == RS_OK && !force && !rs_managed_is_marked(description))
        rc = rs_err_set(&err, RS_EINVAL,
                        "rockset: refusing to drop %s.%s: it was not created by rockset_ext (its "
                        "description has no '" RS_MANAGED_MARK "' mark); use "
                        "rockset_drop('%s.%s', 1) to drop it anyway",
                        ws, name, ws, name);
    if (rc == RS_OK)
        rc = drop_relation(conn, api, kind, ws, name, description, targets, &dropped_behind, &err);
    if (rc == RS_OK && dropped_behind > 0)
        result_printf(ctx, "dropped %s %s.%s and %d collection%s behind it", drop_kind_names[kind],
                      ws, name, dropped_behind, dropped_behind == 1 ? "" : "s");
    else if (rc == RS_OK)
        result_printf(ctx, "dropped %s %s.%s", drop_kind_names[kind], ws, name);
    else
        rs_sqlerr_result(ctx, &err);
    free(description);
    free(targets);
    free(ws);
    free(name);
}

/* clang-format off */
static const struct {
    const char *name;
    int n_arg;
    void (*fn)(sqlite3_context *, int, sqlite3_value **);
} functions[] = {
    {"rockset_create_workspace",  1, fn_create_workspace},
    {"rockset_create_workspace",  2, fn_create_workspace},
    {"rockset_create_collection", 1, fn_create_collection},
    {"rockset_create_collection", 2, fn_create_collection},
    {"rockset_create_collection", 3, fn_create_collection},
    {"rockset_drop",              1, fn_drop},
    {"rockset_drop",              2, fn_drop},
};
/* clang-format on */

int rs_fn_admin_register(rs_conn *conn, char **pzErr) {
    size_t i;
    int rc = SQLITE_OK;

    for (i = 0; i < sizeof(functions) / sizeof(functions[0]) && rc == SQLITE_OK; i++)
        rc = rs_conn_create_function(conn, functions[i].name, functions[i].n_arg, SQLITE_DIRECTONLY,
                                     functions[i].fn, pzErr);
    return rc;
}
