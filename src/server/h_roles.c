/* h_roles.c - roles: the built-in admin, member and read-only, and custom roles made of
 * privileges (action, resource_name, cluster) as Rockset's Role object has them.
 *
 * Built-in roles are listed first and cannot be changed or deleted (400). A role still held by a
 * user or an API key cannot be deleted (409 DEPENDENTRESOURCES). No key may create or grant a
 * role with a privilege it does not hold itself (403), so a role never escalates its maker. */
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define ROLE_JSON \
    "json_object('role_name', r.name, 'description', r.description," \
    " 'owner_email', r.owner_email, 'created_by', r.created_by," \
    " 'created_at', rl_iso(r.created_at), 'privileges', json(r.privileges))"
/* clang-format on */

/* The privileges of a built-in role as the JSON array of Privilege objects. */
static void builtin_privs_json(rs_buf *b, const rl_priv *privs, int n) {
    int i;
    rs_buf_putc(b, '[');
    for (i = 0; i < n; i++)
        rs_buf_printf(b, "%s{\"action\":\"%s\",\"resource_name\":\"%s\",\"cluster\":\"*ALL*\"}",
                      i ? "," : "", rl_action_name(privs[i].action), privs[i].resource);
    rs_buf_putc(b, ']');
}

static void builtin_json(rs_buf *b, const char *name) {
    const rl_priv *privs;
    int n;
    rl_builtin_role(name, &privs, &n);
    rs_buf_printf(b,
                  "{\"role_name\":\"%s\",\"description\":\"built-in role\",\"owner_email\":null,"
                  "\"created_by\":null,\"created_at\":\"2024-01-01T00:00:00Z\",\"privileges\":",
                  name);
    builtin_privs_json(b, privs, n);
    rs_buf_putc(b, '}');
}

int h_role_grantable(rl_req *rq, sqlite3 *db, const char *role) {
    rl_principal wanted;
    rs_err err = {0};
    int rc;

    memset(&wanted, 0, sizeof(wanted));
    rc = rl_auth_add_role(db, &wanted, role, &err);
    if (rc == RS_ENOTFOUND) {
        rl_reply_error(rq, 400, "INVALIDINPUT", "ROLE_NOT_FOUND_NAME", "Role \"%s\" does not exist",
                       role);
        return 0;
    }
    if (rc != RS_OK) {
        rl_reply_err(rq, &err);
        return 0;
    }
    if (!rl_auth_covers(rq->who, wanted.privs, wanted.n_privs)) {
        rl_reply_error(rq, 403, "FORBIDDEN", NULL,
                       "API key \"%s\" cannot grant role \"%s\": it holds privileges the key "
                       "does not have",
                       rq->who->key_name, role);
        return 0;
    }
    return 1;
}

/* The request's privileges, checked and normalized to Rockset's Privilege form (resource_name
 * and cluster default to "*ALL*"); NULL after replying 400/403. */
static char *read_privileges(rl_req *rq) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rq->json, "privileges");
    rl_priv privs[RL_PRIV_MAX];
    rs_buf b = RS_BUF_INIT;
    rs_err err = {0};
    char *text;
    int n, i;

    if (arr == NULL || cJSON_IsNull(arr)) {
        text = strdup("[]");
        if (text == NULL)
            rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        return text;
    }
    text = cJSON_PrintUnformatted(arr);
    n = text ? rl_privs_parse(text, privs, &err) : -1;
    cJSON_free(text);
    if (n < 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "%s",
                       err.msg[0] ? err.msg : "bad privileges");
        return NULL;
    }
    if (!rl_auth_covers(rq->who, privs, n)) {
        rl_reply_error(rq, 403, "FORBIDDEN", NULL,
                       "API key \"%s\" cannot create a role with privileges it does not hold",
                       rq->who->key_name);
        return NULL;
    }
    rs_buf_putc(&b, '[');
    for (i = 0; i < n; i++) {
        const cJSON *item = cJSON_GetArrayItem(arr, i);
        const char *cluster = rl_json_str(item, "cluster");
        rs_buf_printf(&b, "%s{\"action\":\"%s\",\"resource_name\":", i ? "," : "",
                      rl_action_name(privs[i].action));
        rs_buf_json_string(&b, privs[i].resource, strlen(privs[i].resource));
        rs_buf_puts(&b, ",\"cluster\":");
        rs_buf_json_string(&b, cluster ? cluster : "*ALL*", strlen(cluster ? cluster : "*ALL*"));
        rs_buf_putc(&b, '}');
    }
    rs_buf_putc(&b, ']');
    if (b.oom) {
        rs_buf_free(&b);
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        return NULL;
    }
    return rs_buf_detach(&b);
}

static void reply_role(rl_req *rq, sqlite3 *db, const char *name) {
    char *json = NULL;
    rs_err err = {0};
    if (rl_sql(db, &json, &err, "SELECT " ROLE_JSON " FROM roles r WHERE r.name = ?1", "s", name) !=
        RS_OK)
        rl_reply_err(rq, &err);
    else if (json == NULL)
        rl_reply_error(rq, 404, "NOTFOUND", "ROLE_NOT_FOUND_NAME", "Role \"%s\" does not exist",
                       name);
    else
        rl_reply_data(rq, json);
    free(json);
}

void h_role_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    rs_buf b = RS_BUF_INIT;
    char *custom = NULL;
    rs_err err = {0};
    size_t i;

    if (db == NULL)
        return;
    if (rl_sql(db, &custom, &err,
               "SELECT group_concat(j, ',') FROM (SELECT " ROLE_JSON " AS j FROM roles r"
               " ORDER BY r.name)",
               "") != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    rs_buf_putc(&b, '[');
    for (i = 0; i < 3; i++) {
        if (i)
            rs_buf_putc(&b, ',');
        builtin_json(&b, rl_builtin_role_names[i]);
    }
    if (custom != NULL)
        rs_buf_printf(&b, ",%s", custom);
    rs_buf_putc(&b, ']');
    rl_reply_data(rq, b.oom ? NULL : rs_buf_cstr(&b));
    rs_buf_free(&b);
    free(custom);
}

void h_role_get(rl_req *rq) {
    sqlite3 *db;
    const rl_priv *privs;
    int n;
    if (rl_builtin_role(rq->args[0], &privs, &n)) {
        rs_buf b = RS_BUF_INIT;
        builtin_json(&b, rq->args[0]);
        rl_reply_data(rq, b.oom ? NULL : rs_buf_cstr(&b));
        rs_buf_free(&b);
        return;
    }
    db = rl_req_db(rq);
    if (db != NULL)
        reply_role(rq, db, rq->args[0]);
}

void h_role_create(rl_req *rq) {
    const char *name, *desc;
    const rl_priv *privs_b;
    char *privs;
    sqlite3 *db;
    rs_err err = {0};
    int n, rc;

    if (!rl_require_object(rq))
        return;
    name = rl_json_str(rq->json, "role_name");
    desc = rl_json_str(rq->json, "description");
    if (!h_check_name(rq, name, "role"))
        return;
    if (rl_builtin_role(name, &privs_b, &n)) {
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL, "Role \"%s\" already exists (built-in)",
                       name);
        return;
    }
    db = rl_req_db(rq);
    privs = db ? read_privileges(rq) : NULL;
    if (privs == NULL)
        return;
    rc = rl_sql(db, NULL, &err,
                "INSERT INTO roles(name, description, privileges, created_at, created_by,"
                " owner_email) VALUES(?1, ?2, ?3, CAST(strftime('%s','now') AS INT), ?4, ?4)",
                "ssss", name, desc, privs, rq->who->user);
    free(privs);
    if (rc == RS_EEXISTS)
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL, "Role \"%s\" already exists", name);
    else if (rc != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_role(rq, db, name);
}

void h_role_update(rl_req *rq) {
    const rl_priv *privs_b;
    char *privs;
    sqlite3 *db;
    rs_err err = {0};
    int64_t found = 0;
    int n;

    if (rl_builtin_role(rq->args[0], &privs_b, &n)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "built-in role \"%s\" cannot be changed",
                       rq->args[0]);
        return;
    }
    if (!rl_require_object(rq))
        return;
    db = rl_req_db(rq);
    if (db == NULL)
        return;
    if (rl_sql_int(db, &found, &err, "SELECT count(*) FROM roles WHERE name = ?1", "s",
                   rq->args[0]) != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    if (!found) {
        rl_reply_error(rq, 404, "NOTFOUND", "ROLE_NOT_FOUND_NAME", "Role \"%s\" does not exist",
                       rq->args[0]);
        return;
    }
    privs = read_privileges(rq);
    if (privs == NULL)
        return;
    if (rl_sql(db, NULL, &err,
               "UPDATE roles SET privileges = ?2, description = coalesce(?3, description)"
               " WHERE name = ?1",
               "sss", rq->args[0], privs, rl_json_str(rq->json, "description")) != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_role(rq, db, rq->args[0]);
    free(privs);
}

void h_role_delete(rl_req *rq) {
    const rl_priv *privs_b;
    sqlite3 *db;
    char *json = NULL;
    rs_err err = {0};
    int64_t users = 0;
    int n;

    if (rl_builtin_role(rq->args[0], &privs_b, &n)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "built-in role \"%s\" cannot be deleted",
                       rq->args[0]);
        return;
    }
    db = rl_req_db(rq);
    if (db == NULL)
        return;
    if (rl_sql(db, &json, &err, "SELECT " ROLE_JSON " FROM roles r WHERE r.name = ?1", "s",
               rq->args[0]) != RS_OK ||
        rl_sql_int(db, &users, &err,
                   "SELECT (SELECT count(*) FROM users u, json_each(u.roles) j WHERE j.value = ?1)"
                   " + (SELECT count(*) FROM apikeys WHERE role = ?1)",
                   "s", rq->args[0]) != RS_OK) {
        rl_reply_err(rq, &err);
    } else if (json == NULL) {
        rl_reply_error(rq, 404, "NOTFOUND", "ROLE_NOT_FOUND_NAME", "Role \"%s\" does not exist",
                       rq->args[0]);
    } else if (users > 0) {
        rl_reply_error(rq, 409, "DEPENDENTRESOURCES", NULL,
                       "role \"%s\" is held by %lld users or API keys: take it from them first",
                       rq->args[0], (long long)users);
    } else if (rl_sql(db, NULL, &err, "DELETE FROM roles WHERE name = ?1", "s", rq->args[0]) !=
               RS_OK) {
        rl_reply_err(rq, &err);
    } else {
        rl_reply_data(rq, json);
    }
    free(json);
}
