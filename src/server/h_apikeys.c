/* h_apikeys.c - API keys: create (POST /users/self/apikeys), list, get, update (state ACTIVE or
 * SUSPENDED, expiry_time) and delete them under /users/{user}/apikeys, {user} being `self` or an
 * email.
 *
 * A key is 64 random letters and digits, shown whole once, in the create response; the store
 * keeps its HMAC digest (auth.h) and its last 6 characters, which every later answer shows as
 * `key`. GET ?reveal=true is refused for that reason. A key without a role has every role of its
 * user, except that a key made by a key with a role gets that role: no key hands out more than
 * it has. The router has already checked who may manage whose keys. */
#include "handlers.h"
#include "server/runtime/datetime.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* clang-format off */
#define KEY_JSON \
    "json_object('name', k.name, 'key', k.ident, 'role', k.role, 'state', k.state," \
    " 'created_at', rl_iso(k.created_at), 'created_by', k.created_by," \
    " 'created_by_apikey_name', k.created_by_apikey_name," \
    " 'expiry_time', rl_iso(k.expiry_ms / 1000), 'last_access_time', rl_iso(k.last_access_ms / 1000))"
/* clang-format on */

/* The email {user} names; NULL after replying 404 when there is no such user. */
static const char *key_owner(rl_req *rq, sqlite3 *db) {
    const char *user = strcmp(rq->args[0], "self") == 0 ? rq->who->user : rq->args[0];
    int64_t found = 0;
    rs_err err = {0};
    if (rl_sql_int(db, &found, &err, "SELECT count(*) FROM users WHERE email = ?1", "s", user) !=
        RS_OK) {
        rl_reply_err(rq, &err);
        return NULL;
    }
    if (!found) {
        rl_reply_error(rq, 404, "NOTFOUND", "USER_NOT_FOUND", "User \"%s\" does not exist", user);
        return NULL;
    }
    return user;
}

static void reply_key(rl_req *rq, sqlite3 *db, const char *user, const char *name) {
    char *json = NULL;
    rs_err err = {0};
    if (rl_sql(db, &json, &err, "SELECT " KEY_JSON " FROM apikeys k WHERE user = ?1 AND name = ?2",
               "ss", user, name) != RS_OK)
        rl_reply_err(rq, &err);
    else if (json == NULL)
        rl_reply_error(rq, 404, "NOTFOUND", "APIKEY_NOT_FOUND",
                       "API key \"%s\" of user %s does not exist", name, user);
    else
        rl_reply_data(rq, json);
    free(json);
}

/* ISO-8601 UTC ("2030-01-02T03:04:05Z", fractions and "+00:00" allowed) to epoch ms, the
 * fraction dropped; -1 when the text is not one. A date and a time with seconds are required;
 * the date library (runtime/datetime.h) reads them. */
static int64_t parse_time(const char *text) {
    size_t len = text != NULL ? strlen(text) : 0;
    int64_t micros;
    if (len > 1 && text[len - 1] == 'Z')
        len--;
    else if (len > 6 && strcmp(text + len - 6, "+00:00") == 0)
        len -= 6;
    if (len <= 10 || rt_parse_datetime(text, len, &micros) != 0)
        return -1;
    return micros / RT_MICROS_PER_SECOND * 1000 - (micros % RT_MICROS_PER_SECOND < 0) * 1000;
}

/* expiry_time of the body: 0 when absent, -1 after replying 400. */
static int64_t read_expiry(rl_req *rq) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(rq->json, "expiry_time");
    int64_t ms;
    if (item == NULL || cJSON_IsNull(item))
        return 0;
    ms = cJSON_IsString(item) ? parse_time(item->valuestring) : -1;
    if (ms <= 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "expiry_time must be an ISO-8601 UTC time like 2030-01-31T00:00:00Z");
        return -1;
    }
    return ms;
}

static int insert_key(sqlite3 *db, const char *owner, const char *by_key, const char *name,
                      const char *role, const unsigned char digest[RL_DIGEST_LEN],
                      const char *ident, int64_t expiry, rs_err *err) {
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db,
        "INSERT INTO apikeys(user, name, role, hash, ident, state, expiry_ms, created_at,"
        " created_by, created_by_apikey_name) VALUES(?1, ?2, ?3, ?4, ?5, 'ACTIVE', nullif(?6, 0),"
        " CAST(strftime('%s','now') AS INT), ?1, ?7)",
        -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 1, owner, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = role ? sqlite3_bind_text(st, 3, role, -1, SQLITE_STATIC) : sqlite3_bind_null(st, 3);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 4, digest, RL_DIGEST_LEN, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 5, ident, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 6, expiry);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_text(st, 7, by_key, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_DONE)
        return RS_OK;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return rs_err_set(err, RS_EEXISTS, "API key \"%s\" already exists", name);
    return rs_err_set(err, RS_EINTERNAL, "cannot store the key: %s", sqlite3_errmsg(db));
}

/* The owner of a new key: the caller's user, or created_by's user, which only an admin
 * (ALL_GLOBAL_ACTIONS) may name. NULL after replying 403/404. */
static const char *new_key_owner(rl_req *rq, sqlite3 *db) {
    const char *owner = rl_json_str(rq->json, "created_by");
    int64_t found = 0;
    rs_err err = {0};
    if (owner == NULL || strcmp(owner, rq->who->user) == 0)
        return rq->who->user;
    if (!rl_auth_may(rq->who, RL_ACT_ALL_GLOBAL_ACTIONS, NULL)) {
        rl_reply_error(rq, 403, "FORBIDDEN", NULL,
                       "API key \"%s\" lacks the privilege ALL_GLOBAL_ACTIONS to create a key "
                       "for another user (%s)",
                       rq->who->key_name, owner);
        return NULL;
    }
    if (rl_sql_int(db, &found, &err, "SELECT count(*) FROM users WHERE email = ?1", "s", owner)) {
        rl_reply_err(rq, &err);
        return NULL;
    }
    if (!found)
        rl_reply_error(rq, 404, "NOTFOUND", "USER_NOT_FOUND", "User \"%s\" does not exist", owner);
    return found ? owner : NULL;
}

/* 1 when the caller holds every privilege of key user/name (its role, else its user's roles):
 * a key changes or deletes no key stronger than itself. Else replies 403 (or 404) and 0. */
static int key_within_reach(rl_req *rq, sqlite3 *db, const char *user, const char *name) {
    rl_principal target;
    char *role = NULL, *roles = NULL;
    rs_err err = {0};
    int ok = 1;
    cJSON *arr, *r;

    memset(&target, 0, sizeof(target));
    if (rl_sql(db, &role, &err,
               "SELECT coalesce(role, '') FROM apikeys WHERE user = ?1 AND name = ?2", "ss", user,
               name) != RS_OK ||
        rl_sql(db, &roles, &err, "SELECT roles FROM users WHERE email = ?1", "s", user) != RS_OK) {
        rl_reply_err(rq, &err);
        free(role);
        return 0;
    }
    if (role == NULL) { /* no such key: the handler answers 404 */
        free(roles);
        return 1;
    }
    if (role[0] != '\0') {
        rl_auth_add_role(db, &target, role, &err);
    } else {
        arr = cJSON_Parse(roles ? roles : "[]");
        cJSON_ArrayForEach(r, arr) {
            if (cJSON_IsString(r))
                rl_auth_add_role(db, &target, r->valuestring, &err);
        }
        cJSON_Delete(arr);
    }
    if (!rl_auth_covers(rq->who, target.privs, target.n_privs)) {
        rl_reply_error(rq, 403, "FORBIDDEN", NULL,
                       "API key \"%s\" cannot change API key \"%s\": that key holds privileges "
                       "the caller does not",
                       rq->who->key_name, name);
        ok = 0;
    }
    free(role);
    free(roles);
    return ok;
}

void h_apikey_create(rl_req *rq) {
    const char *name, *role, *owner;
    char key[65], ident[7], *json = NULL;
    unsigned char digest[RL_DIGEST_LEN];
    sqlite3 *db;
    rs_err err = {0};
    int64_t expiry;
    int rc;

    if (!rl_require_object(rq))
        return;
    name = rl_json_str(rq->json, "name");
    if (!h_check_name(rq, name, "API key"))
        return;
    if (rl_json_has(rq->json, "role") && rl_json_str(rq->json, "role") == NULL) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "role must be a role name");
        return;
    }
    expiry = read_expiry(rq);
    db = expiry >= 0 ? rl_req_db(rq) : NULL;
    if (db == NULL)
        return;
    owner = new_key_owner(rq, db);
    if (owner == NULL)
        return;
    role = rl_json_str(rq->json, "role");
    if (role == NULL && owner == rq->who->user && rq->who->role[0] &&
        strcmp(rq->who->key_name, "bootstrap") != 0)
        role = rq->who->role;
    if (role != NULL && !h_role_grantable(rq, db, role))
        return;
    rl_random_alnum(key, 64);
    memcpy(ident, key + 58, 7);
    if (rl_auth_digest(rq->srv->auth, key, 64, digest) != 0) {
        OPENSSL_cleanse(key, sizeof(key));
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "cannot hash the new key");
        return;
    }
    rc = insert_key(db, owner, rq->who->key_name, name, role, digest, ident, expiry, &err);
    OPENSSL_cleanse(digest, sizeof(digest));
    if (rc == RS_OK) /* the one answer that carries the whole key */
        rc = rl_sql(db, &json, &err,
                    "SELECT json_set(" KEY_JSON ", '$.key', ?3) FROM apikeys k"
                    " WHERE user = ?1 AND name = ?2",
                    "sss", owner, name, key);
    if (rc == RS_EEXISTS)
        rl_reply_error(rq, 409, "ALREADYEXISTS", NULL, "API key \"%s\" already exists", name);
    else if (rc != RS_OK)
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    if (json != NULL)
        OPENSSL_cleanse(json, strlen(json));
    free(json);
    OPENSSL_cleanse(key, sizeof(key));
}

void h_apikey_list(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    const char *user = db ? key_owner(rq, db) : NULL;
    char *json = NULL;
    rs_err err = {0};
    if (user == NULL)
        return;
    if (rl_sql(db, &json, &err,
               "SELECT json_group_array(json(j)) FROM (SELECT " KEY_JSON " AS j FROM apikeys k"
               " WHERE k.user = ?1 ORDER BY k.name)",
               "s", user) != RS_OK)
        rl_reply_err(rq, &err);
    else
        rl_reply_data(rq, json);
    free(json);
}

void h_apikey_get(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    const char *user = db ? key_owner(rq, db) : NULL;
    const char *reveal = rl_req_arg(rq, "reveal");
    if (user == NULL)
        return;
    if (reveal != NULL && strcmp(reveal, "false") != 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "reveal: rockset-local stores only a digest of each key, so a key is shown "
                       "whole only when it is created");
        return;
    }
    reply_key(rq, db, user, rq->args[1]);
}

void h_apikey_update(rl_req *rq) {
    sqlite3 *db;
    const char *user, *state;
    const cJSON *clear;
    rs_err err = {0};
    int64_t expiry;

    if (!rl_require_object(rq))
        return;
    state = rl_json_str(rq->json, "state");
    if (rl_json_has(rq->json, "state") &&
        (state == NULL || (strcmp(state, "ACTIVE") != 0 && strcmp(state, "SUSPENDED") != 0))) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "state must be ACTIVE or SUSPENDED");
        return;
    }
    clear = cJSON_GetObjectItemCaseSensitive(rq->json, "clear_expiry_time");
    expiry = read_expiry(rq);
    db = expiry >= 0 ? rl_req_db(rq) : NULL;
    user = db ? key_owner(rq, db) : NULL;
    if (user == NULL || !key_within_reach(rq, db, user, rq->args[1]))
        return;
    if (rl_sql(db, NULL, &err,
               "UPDATE apikeys SET state = coalesce(?3, state),"
               " expiry_ms = CASE WHEN ?5 THEN NULL WHEN ?4 > 0 THEN ?4 ELSE expiry_ms END"
               " WHERE user = ?1 AND name = ?2",
               "sssii", user, rq->args[1], state, expiry, (int64_t)cJSON_IsTrue(clear)) != RS_OK)
        rl_reply_err(rq, &err);
    else
        reply_key(rq, db, user, rq->args[1]);
}

void h_apikey_delete(rl_req *rq) {
    sqlite3 *db = rl_req_db(rq);
    const char *user = db ? key_owner(rq, db) : NULL;
    rs_err err = {0};
    if (user == NULL || !key_within_reach(rq, db, user, rq->args[1]))
        return;
    reply_key(rq, db, user, rq->args[1]);
    if (rq->status == 200 &&
        rl_sql(db, NULL, &err, "DELETE FROM apikeys WHERE user = ?1 AND name = ?2", "ss", user,
               rq->args[1]) != RS_OK)
        rl_reply_err(rq, &err);
}
