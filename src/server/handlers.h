/*
 * handlers.h - the HTTP handlers of rockset-local, one per route (router.c holds the table).
 *
 * Each takes the request (body read, path captures in rq->args in pattern order) and fills the
 * reply through the rl_reply_* helpers of server.h. Routes without a workspace capture (org-wide
 * lists) call the same list handler with rq->n_args == 0.
 * Thread-safety: handlers run concurrently on connection threads; they share only rl_server.
 */
#ifndef RL_HANDLERS_H
#define RL_HANDLERS_H

#include "server.h"

/* h_common.c: helpers shared by the handlers */
#define RL_USER     "local@rockset-local"
#define RL_KEY_NAME "local"
/* 1 when workspace ws exists, else replies 404 WORKSPACE_NOT_FOUND and returns 0. */
int h_ws_check(rl_req *rq, sqlite3 *db, const char *ws);
/* 1 when ws.name is free (no collection, view or alias), else replies 409 and returns 0. */
int h_name_free(rl_req *rq, sqlite3 *db, const char *ws, const char *name, const char *kind);
/* Run sql (binding ws, name) and reply {"data": column 0}; when there is no row reply 404 with
 * message_key key and message "<Kind> \"name\" does not exist in workspace \"ws\"". */
void h_reply_one(rl_req *rq, sqlite3 *db, const char *sql, const char *ws, const char *name,
                 const char *kind, const char *key);
/* Validate a name from a request body; replies 400 and returns 0 when missing or invalid. */
int h_check_name(rl_req *rq, const char *name, const char *what);
/* A list route whose workspace capture is optional: run sql (a json_group_array query; NULL when
 * building it ran out of memory) binding ?1 to the workspace, or NULL on org-wide routes, and
 * reply {"data": column 0}. The caller has checked the workspace. */
void h_reply_list(rl_req *rq, sqlite3 *db, const char *sql);
/* Makes one list element from the current row of a list statement: sets *json (malloc'd), or
 * leaves it NULL to skip the row; on failure fills err, which ends the list. */
typedef void (*h_row_json_fn)(void *ctx, sqlite3_stmt *stmt, char **json, rs_err *err);
/* Reply {"data": [one element per row of stmt, made by row_json(ctx, ...)]}, or the first error.
 * Takes stmt over (finalizes it); a NULL stmt (it did not prepare) lists nothing. */
void h_reply_rows(rl_req *rq, sqlite3_stmt *stmt, h_row_json_fn row_json, void *ctx);

/* h_workspaces.c */
void h_root(rl_req *rq);
void h_org(rl_req *rq);
void h_vi_list(rl_req *rq);
void h_vi_get(rl_req *rq);
void h_vi_update(rl_req *rq);
void h_ws_create(rl_req *rq);
void h_ws_list(rl_req *rq);
void h_ws_get(rl_req *rq);
void h_ws_delete(rl_req *rq);

/* h_users.c */
void h_user_self(rl_req *rq);
void h_user_list(rl_req *rq);
void h_user_create(rl_req *rq);
void h_user_get(rl_req *rq);
void h_user_update(rl_req *rq);
void h_user_delete(rl_req *rq);

/* h_roles.c */
void h_role_list(rl_req *rq);
void h_role_create(rl_req *rq);
void h_role_get(rl_req *rq);
void h_role_update(rl_req *rq);
void h_role_delete(rl_req *rq);
/* 1 when role exists and the caller holds every privilege of it, else replies 400 (no such
 * role) or 403 and returns 0. */
int h_role_grantable(rl_req *rq, sqlite3 *db, const char *role);

/* h_apikeys.c */
void h_apikey_create(rl_req *rq);
void h_apikey_list(rl_req *rq);
void h_apikey_get(rl_req *rq);
void h_apikey_update(rl_req *rq);
void h_apikey_delete(rl_req *rq);

/* h_console.c: GET / (the console's page for a browser, else h_root's ping), GET /console/<file> */
void h_console_root(rl_req *rq);
void h_console_file(rl_req *rq);

/* h_collections.c */
void h_coll_create(rl_req *rq);
void h_coll_list(rl_req *rq);
void h_coll_get(rl_req *rq);
void h_coll_update(rl_req *rq);
void h_coll_delete(rl_req *rq);
void h_commit(rl_req *rq);

/* h_documents.c */
void h_docs_add(rl_req *rq);
void h_docs_patch(rl_req *rq);
void h_docs_delete(rl_req *rq);

/* h_queries.c */
void h_query(rl_req *rq);
void h_query_validate(rl_req *rq);
void h_query_list(rl_req *rq);
void h_query_get(rl_req *rq);
void h_query_pages(rl_req *rq);
void h_query_cancel(rl_req *rq);

/* h_views.c */
void h_view_create(rl_req *rq);
void h_view_list(rl_req *rq);
void h_view_get(rl_req *rq);
void h_view_update(rl_req *rq);
void h_view_delete(rl_req *rq);

/* h_aliases.c */
void h_alias_create(rl_req *rq);
void h_alias_list(rl_req *rq);
void h_alias_get(rl_req *rq);
void h_alias_update(rl_req *rq);
void h_alias_delete(rl_req *rq);

/* h_lambdas.c */
void h_ql_create(rl_req *rq);
void h_ql_list(rl_req *rq);
void h_ql_delete(rl_req *rq);
void h_ql_version_create(rl_req *rq);
void h_ql_version_list(rl_req *rq);
void h_ql_version_get(rl_req *rq);
void h_ql_version_delete(rl_req *rq);
void h_ql_version_execute(rl_req *rq);
void h_ql_tag_list(rl_req *rq);
void h_ql_tag_create(rl_req *rq);
void h_ql_tag_get(rl_req *rq);
void h_ql_tag_delete(rl_req *rq);
void h_ql_tag_execute(rl_req *rq);

#endif
