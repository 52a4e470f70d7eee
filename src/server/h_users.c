/* h_users.c - users, as far as API keys and roles need them: a user owns keys and holds roles
 * (a key without a role of its own has all of its user's roles).
 *
 * The bootstrap user (local@rockset-local, admin) always exists and cannot be deleted; the
 * bootstrap keys belong to it. Deleting a user deletes its API keys. Users are ACTIVE at once
 * (there is no invitation mail to accept). GET and POST /users/{user} answer the User object
 * itself and the others wrap it in "data", as the spec has them. */
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define USER_JSON \
    "json_object('email', u.email, 'first_name', u.first_name, 'last_name', u.last_name," \
    " 'roles', json(u.roles), 'state', u.state, 'created_at', rl_iso(u.created_at))"
/* clang-format on */

/* The User object of email (NULL after replying 404 or 500). */
static char *user_json(rl_req *rq, sqlite3 *db, const char *email, int with_org) {
    char *json = NULL;
    rs_err err = {0};
    if (rl_sql(db, &json, &err,
               with_org ? "SELECT json_insert(" USER_JSON ", '$.org', 'rockset-local')"
                          " FROM users u WHERE u.email = ?1"
                        : "SELECT " USER_JSON " FROM users u WHERE u.email = ?1",
               "s", email) != RS_OK)
        rl_reply_err(rq, &err);
    else if (json == NULL)
        rl_reply_error(rq, 404, "NOTFOUND", "USER_NOT_FOUND", "User \"%s\" does not exist", email);
    return json;
}

/* The request's roles as a JSON array text, each role existing and grantable by the caller;
 * NULL after replying. required: the array must be there (create). */
static char *read_roles(rl_req *rq, sqlite3 *db, int required) {
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(rq->json, "roles"), *r;
    char *text;
    if (arr == NULL && !required) {
        text = strdup("");
        if (text == NULL)
            rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        return text;
    }
    if (!cJSON_IsArray(arr)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "roles must be an array of role names");
        return NULL;
    }
    cJSON_ArrayForEach(r, arr) {
        if (!cJSON_IsString(r)) {
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "roles must be an array of role names");
            return NULL;
        }
        if (!h_role_grantable(rq, db, r->valuestring))
            return NULL;
    }
    text = cJSON_PrintUnformatted(arr);
    if (text == NULL)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
    return text;
}

/* An email as rockset-local accepts it: something@something, printable ASCII, no '/'. */
static int email_ok(const char *email) {
    size_t i, n = email ? strlen(email) : 0;
    const char *at = email ? strchr(email, '@') : NULL;
    if (n == 0 || n > 254 || at == NULL || at == email || at[1] == '\0')
        return 0;
    for (i = 0; i < n; i++)
        if (email[i] <= ' ' || email[i] > '~' || email[i] == '/' || email[i] == '"')
            return 0;
    return 1;
}

void h_user_self(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *json = db ? user_json(rq, db, rq->who->user, 1) : NULL;
    if (json != NULL)
        rl_reply_raw(rq, 200, json);
    free(json);
}

void h_user_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *json = NULL;
    rs_err err = {0};
    if (db == NULL)
        return;
    if (rl_sql(db, &json, &err,
               "SELECT json_group_array(json(j)) FROM (SELECT " USER_JSON " AS j FROM users u"
               " ORDER BY u.email)",
               "") != RS_OK)
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    free(json);
}

void h_user_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    char *json = db ? user_json(rq, db, rq->args[0], 0) : NULL;
    if (json != NULL)
        rl_reply_raw(rq, 200, json);
    free(json);
}

void h_user_create(rl_req *rq) {
    const char *email;
    sqlite3 *db;
    char *roles, *json;
    rs_err err = {0};
    int rc;

    if (!rl_require_object(rq))
        return;
    email = rl_json_str(rq->json, "email");
    if (!email_ok(email)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "email is required: an address like name@example.com");
        return;
    }
    db = rl_req_db(rq);
    roles = db ? read_roles(rq, db, 1) : NULL;
    if (roles == NULL)
        return;
    rc = rl_sql(db, NULL, &err,
                "INSERT INTO users(email, first_name, last_name, roles, state, created_at)"
                " VALUES(?1, ?2, ?3, ?4, 'ACTIVE', CAST(strftime('%s','now') AS INT))",
                "ssss", email, rl_json_str(rq->json, "first_name"),
                rl_json_str(rq->json, "last_name"), roles);
    free(roles);
    if (rc == RS_EEXISTS) {
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL, "User \"%s\" already exists", email);
        return;
    }
    if (rc != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    json = user_json(rq, db, email, 0);
    if (json != NULL)
        rl_reply_data(rq, json);
    free(json);
}

void h_user_update(rl_req *rq) {
    sqlite3 *db;
    char *roles = NULL, *json = NULL;
    rs_err err = {0};

    if (!rl_require_object(rq))
        return;
    db = rl_req_db(rq);
    if (db == NULL)
        return;
    json = user_json(rq, db, rq->args[0], 0);
    if (json == NULL)
        return;
    free(json);
    roles = read_roles(rq, db, 0);
    if (roles == NULL)
        return;
    if (rl_sql(db, NULL, &err,
               "UPDATE users SET first_name = coalesce(?2, first_name),"
               " last_name = coalesce(?3, last_name), roles = coalesce(nullif(?4, ''), roles)"
               " WHERE email = ?1",
               "ssss", rq->args[0], rl_json_str(rq->json, "first_name"),
               rl_json_str(rq->json, "last_name"), roles) != RS_OK) {
        free(roles);
        rl_reply_err(rq, &err);
        return;
    }
    free(roles);
    json = user_json(rq, db, rq->args[0], 0);
    if (json != NULL)
        rl_reply_raw(rq, 200, json);
    free(json);
}

void h_user_delete(rl_req *rq) {
    sqlite3 *db;
    char *json;
    rs_err err = {0};
    int ok;

    if (strcmp(rq->args[0], RL_BOOTSTRAP_USER) == 0 || strcmp(rq->args[0], rq->who->user) == 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "user %s cannot be deleted: it is the bootstrap user or the caller's own",
                       rq->args[0]);
        return;
    }
    db = rl_req_db(rq);
    json = db ? user_json(rq, db, rq->args[0], 0) : NULL;
    if (json == NULL)
        return;
    ok = rl_tx_begin(db, &err) == RS_OK &&
         rl_sql(db, NULL, &err, "DELETE FROM apikeys WHERE user = ?1", "s", rq->args[0]) == RS_OK &&
         rl_sql(db, NULL, &err, "DELETE FROM users WHERE email = ?1", "s", rq->args[0]) == RS_OK;
    if (rl_tx_end(db, ok, &err) != RS_OK || !ok)
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    free(json);
}
