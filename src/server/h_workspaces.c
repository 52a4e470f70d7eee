/* h_workspaces.c - GET /, GET /v1/orgs/self and the workspace endpoints.
 * Deleting a workspace that still holds collections, views, aliases or lambdas is refused with
 * 409 DEPENDENTRESOURCES; `commons` always exists and cannot be deleted (400). */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define WS_JSON \
    "json_object('name', w.name, 'description', w.description," \
    " 'created_at', rl_iso(w.created_at), 'created_by', '" RL_USER "'," \
    " 'collection_count', (SELECT count(*) FROM collections c WHERE c.ws = w.name))"
/* clang-format on */

void h_root(rl_req *rq) {
    rl_reply_raw(rq, 200, "{\"message\":\"GO ROCKSET!\"}");
}

void h_org(rl_req *rq) {
    rl_reply_data(rq,
                  "{\"id\":\"rockset-local\",\"display_name\":\"rockset-local\","
                  "\"company_name\":\"rockset-local\",\"created_at\":\"2024-01-01T00:00:00Z\","
                  "\"rrn\":\"rrn:org:local:rockset-local\",\"deletion_scheduled_at\":null,"
                  "\"sso_only\":false,\"sso_connection\":null,"
                  "\"clusters\":[{\"id\":\"local\",\"cluster_type\":\"PUBLIC\","
                  "\"aws_region\":\"local\",\"domain\":\"local\",\"top_level_domain\":\"local\","
                  "\"apiserver_url\":\"http://127.0.0.1\"}]}");
}

void h_ws_create(rl_req *rq) {
    sqlite3 *db;
    const char *name, *desc;
    rs_err err = {0};
    int rc;

    if (!rl_require_object(rq))
        return;
    name = rl_json_str(rq->json, "name");
    desc = rl_json_str(rq->json, "description");
    if (!h_check_name(rq, name, "workspace"))
        return;
    db = rl_req_db(rq);
    if (db == NULL)
        return;
    rc = rl_sql(db, NULL, &err,
                "INSERT INTO workspaces(name, description, created_at)"
                " VALUES(?1, ?2, CAST(strftime('%s','now') AS INT))",
                "ss", name, desc);
    if (rc == RS_EEXISTS) {
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL, "Workspace \"%s\" already exists", name);
        return;
    }
    if (rc != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    h_reply_one(rq, db, "SELECT " WS_JSON " FROM workspaces w WHERE name = ?2 AND ?1 IS ?1", name,
                name, "Workspace", "WORKSPACE_NOT_FOUND");
}

void h_ws_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *json = NULL;
    rs_err err = {0};
    if (db == NULL)
        return;
    if (rl_sql(db, &json, &err,
               "SELECT json_group_array(json(" WS_JSON "))"
               " FROM (SELECT * FROM workspaces ORDER BY name) w",
               "") != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    rl_reply_data(rq, json);
    free(json);
}

void h_ws_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    h_reply_one(rq, db, "SELECT " WS_JSON " FROM workspaces w WHERE name = ?1 AND ?2 IS ?2",
                rq->args[0], "", "Workspace", "WORKSPACE_NOT_FOUND");
}

void h_ws_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    const char *ws = rq->args[0];
    char *json = NULL;
    int64_t deps = 0;
    rs_err err = {0};

    if (db == NULL || !h_ws_check(rq, db, ws))
        return;
    if (strcmp(ws, "commons") == 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "workspace commons cannot be deleted");
        return;
    }
    if (rl_sql_int(db, &deps, &err,
                   "SELECT (SELECT count(*) FROM collections WHERE ws = ?1)"
                   " + (SELECT count(*) FROM views WHERE ws = ?1)"
                   " + (SELECT count(*) FROM aliases WHERE ws = ?1)"
                   " + (SELECT count(*) FROM lambdas WHERE ws = ?1)",
                   "s", ws) != RS_OK ||
        rl_sql(db, &json, &err, "SELECT " WS_JSON " FROM workspaces w WHERE name = ?1", "s", ws) !=
            RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    if (deps > 0) {
        rl_reply_error(rq, 409, "DEPENDENTRESOURCES", NULL,
                       "workspace %s is not empty: delete its collections, views, aliases and "
                       "query lambdas first",
                       ws);
    } else if (rl_sql(db, NULL, &err, "DELETE FROM workspaces WHERE name = ?1", "s", ws) != RS_OK) {
        rl_reply_err(rq, &err);
    } else {
        rl_reply_data(rq, json);
    }
    free(json);
}
