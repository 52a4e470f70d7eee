/* auth.c - see auth.h. */
#include "auth.h"
#include "hash.h"
#include "server/runtime/datetime.h"
#include "store.h"

#include <cJSON.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#define RL_ACT_NAME(name) #name,
static const char *const action_names[] = {NULL, RL_ACTIONS(RL_ACT_NAME)};
#undef RL_ACT_NAME

const char *rl_action_name(rl_action a) {
    return a > RL_ACT_NONE && a < RL_ACT_COUNT ? action_names[a] : NULL;
}

rl_action rl_action_from_name(const char *name) {
    int i;
    for (i = 1; name != NULL && i < RL_ACT_COUNT; i++)
        if (strcmp(action_names[i], name) == 0)
            return (rl_action)i;
    return RL_ACT_NONE;
}

/* The ALL_* action that covers a, or RL_ACT_NONE. Global actions take no resource. */
static rl_action family_of(rl_action a, int *global) {
    const char *n = rl_action_name(a);
    size_t len = n ? strlen(n) : 0;
    *global = 0;
    if (len > 7 && strcmp(n + len - 7, "_GLOBAL") == 0) {
        *global = 1;
        return RL_ACT_ALL_GLOBAL_ACTIONS;
    }
    if (len > 3 && strcmp(n + len - 3, "_WS") == 0)
        return RL_ACT_ALL_WORKSPACE_ACTIONS;
    if (len > 3 && strcmp(n + len - 3, "_VI") == 0)
        return RL_ACT_ALL_VI_ACTIONS;
    if (len > 12 && strcmp(n + len - 12, "_INTEGRATION") == 0)
        return RL_ACT_ALL_INTEGRATION_ACTIONS;
    if (a == RL_ACT_ALL_GLOBAL_ACTIONS)
        *global = 1;
    return RL_ACT_NONE;
}

static int resource_matches(const char *granted, const char *wanted) {
    if (strcasecmp(granted, "*ALL*") == 0)
        return 1;
    return wanted != NULL && strcmp(granted, wanted) == 0;
}

int rl_auth_may(const rl_principal *who, rl_action action, const char *resource) {
    int global = 0, i;
    rl_action family = family_of(action, &global);
    for (i = 0; who != NULL && i < who->n_privs; i++) {
        const rl_priv *p = &who->privs[i];
        if (p->action != action && (family == RL_ACT_NONE || p->action != family))
            continue;
        if (global || resource_matches(p->resource, resource))
            return 1;
    }
    return 0;
}

int rl_auth_covers(const rl_principal *who, const rl_priv *privs, int n) {
    int i;
    for (i = 0; i < n; i++)
        if (!rl_auth_may(who, privs[i].action, privs[i].resource))
            return 0;
    return 1;
}

/* ---- built-in roles ---- */

#define ALL "*ALL*"
static const rl_priv admin_privs[] = {
    {RL_ACT_ALL_GLOBAL_ACTIONS, ALL},
    {RL_ACT_ALL_WORKSPACE_ACTIONS, ALL},
    {RL_ACT_ALL_VI_ACTIONS, ALL},
    {RL_ACT_ALL_INTEGRATION_ACTIONS, ALL},
};
/* member: everything on data and workspaces, its own keys; no users, roles or settings */
static const rl_priv member_privs[] = {
    {RL_ACT_GET_ORG_GLOBAL, ALL},
    {RL_ACT_GET_CURRENT_USER_GLOBAL, ALL},
    {RL_ACT_LIST_USERS_GLOBAL, ALL},
    {RL_ACT_LIST_ROLES_GLOBAL, ALL},
    {RL_ACT_CREATE_WS_GLOBAL, ALL},
    {RL_ACT_LIST_WS_GLOBAL, ALL},
    {RL_ACT_LIST_VI_GLOBAL, ALL},
    {RL_ACT_CREATE_API_KEY_GLOBAL, ALL},
    {RL_ACT_LIST_INTEGRATIONS_GLOBAL, ALL},
    {RL_ACT_ALL_WORKSPACE_ACTIONS, ALL},
    {RL_ACT_QUERY_VI, ALL},
};
/* read-only: read data and metadata, run query lambdas; nothing that changes anything */
static const rl_priv readonly_privs[] = {
    {RL_ACT_GET_ORG_GLOBAL, ALL},          {RL_ACT_GET_CURRENT_USER_GLOBAL, ALL},
    {RL_ACT_LIST_WS_GLOBAL, ALL},          {RL_ACT_LIST_VI_GLOBAL, ALL},
    {RL_ACT_QUERY_DATA_WS, ALL},           {RL_ACT_LIST_RESOURCES_WS, ALL},
    {RL_ACT_EXECUTE_QUERY_LAMBDA_WS, ALL}, {RL_ACT_QUERY_VI, ALL},
};
#undef ALL

const char *const rl_builtin_role_names[3] = {"admin", "member", "read-only"};

int rl_builtin_role(const char *name, const rl_priv **privs, int *n) {
    if (name == NULL)
        return 0;
    if (strcmp(name, "admin") == 0) {
        *privs = admin_privs;
        *n = (int)(sizeof(admin_privs) / sizeof(admin_privs[0]));
    } else if (strcmp(name, "member") == 0) {
        *privs = member_privs;
        *n = (int)(sizeof(member_privs) / sizeof(member_privs[0]));
    } else if (strcmp(name, "read-only") == 0) {
        *privs = readonly_privs;
        *n = (int)(sizeof(readonly_privs) / sizeof(readonly_privs[0]));
    } else {
        return 0;
    }
    return 1;
}

/* Privileges past RL_PRIV_MAX are dropped: a principal only ever loses access that way. */
static void add_privs(rl_principal *who, const rl_priv *privs, int n) {
    int i;
    for (i = 0; i < n && who->n_privs < RL_PRIV_MAX; i++)
        who->privs[who->n_privs++] = privs[i];
}

int rl_privs_parse(const char *json, rl_priv *privs, rs_err *err) {
    cJSON *arr = cJSON_Parse(json), *item;
    int n = 0;
    if (!cJSON_IsArray(arr)) {
        cJSON_Delete(arr);
        rs_err_set(err, RS_EINVAL, "privileges must be an array of Privilege objects");
        return -1;
    }
    cJSON_ArrayForEach(item, arr) {
        const cJSON *act = cJSON_GetObjectItemCaseSensitive(item, "action");
        const cJSON *res = cJSON_GetObjectItemCaseSensitive(item, "resource_name");
        rl_action a = cJSON_IsString(act) ? rl_action_from_name(act->valuestring) : RL_ACT_NONE;
        if (n >= RL_PRIV_MAX) {
            rs_err_set(err, RS_EINVAL, "a role holds at most %d privileges", RL_PRIV_MAX);
            n = -1;
        } else if (a == RL_ACT_NONE) {
            rs_err_set(err, RS_EINVAL, "privileges[%d].action %s is not one of Rockset's actions",
                       n, cJSON_IsString(act) ? act->valuestring : "is missing:");
            n = -1;
        } else if (res != NULL && !cJSON_IsNull(res) &&
                   (!cJSON_IsString(res) || res->valuestring[0] == '\0' ||
                    strlen(res->valuestring) >= RL_RESOURCE_MAX)) {
            rs_err_set(err, RS_EINVAL, "privileges[%d].resource_name must be a non-empty string",
                       n);
            n = -1;
        }
        if (n < 0)
            break;
        privs[n].action = a;
        snprintf(privs[n].resource, sizeof(privs[n].resource), "%s",
                 cJSON_IsString(res) ? res->valuestring : "*ALL*");
        n++;
    }
    cJSON_Delete(arr);
    return n;
}

int rl_auth_add_role(sqlite3 *db, rl_principal *who, const char *role, rs_err *err) {
    const rl_priv *builtin;
    rl_priv privs[RL_PRIV_MAX];
    char *json = NULL;
    int n, rc;

    if (rl_builtin_role(role, &builtin, &n)) {
        add_privs(who, builtin, n);
        return RS_OK;
    }
    rc = rl_sql(db, &json, err, "SELECT privileges FROM roles WHERE name = ?1", "s", role);
    if (rc != RS_OK)
        return rc;
    if (json == NULL)
        return rs_err_set(err, RS_ENOTFOUND, "role \"%s\" does not exist", role);
    n = rl_privs_parse(json, privs, err);
    free(json);
    if (n < 0)
        return err ? err->code : RS_EINTERNAL;
    add_privs(who, privs, n);
    return RS_OK;
}

/* ---- the server's state ---- */

#define FAIL_SLOTS  1024
#define FAIL_PROBE  16
#define FAIL_WINDOW 60000

typedef struct fail_slot {
    char addr[64];
    int64_t since_ms; /* start of the current minute for this address */
    int count;
} fail_slot;

struct rl_auth {
    unsigned char secret[32];
    /* HMAC-SHA256 keyed with secret, duplicated for each digest: HMAC() fetched the algorithm
     * and set the key on every call (5 us, 8 % of a SELECT 1's server time; 0.5 us now). */
    EVP_MAC_CTX *keyed;
    uint64_t serial; /* unique in the process, from 1: names it in a thread's digest memo */
    unsigned char (*bootstrap)[RL_DIGEST_LEN];
    int n_bootstrap;
    int failure_limit;
    pthread_mutex_t lock;
    fail_slot fails[FAIL_SLOTS];
};

static int load_secret(sqlite3 *db, unsigned char secret[32], rs_err *err) {
    unsigned char fresh[32];
    sqlite3_stmt *st = NULL;
    int rc, got = 0;

    if (getrandom(fresh, sizeof(fresh), 0) != (ssize_t)sizeof(fresh))
        return rs_err_set(err, RS_EIO, "cannot read random bytes for the key store's secret");
    rc = sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO meta(k, v) VALUES('auth.secret', ?1)", -1,
                            &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_STATIC);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT v FROM meta WHERE k = 'auth.secret'", -1, &st, NULL);
    if (rc == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_bytes(st, 0) == (int)sizeof(fresh)) {
        memcpy(secret, sqlite3_column_blob(st, 0), 32);
        got = 1;
    }
    sqlite3_finalize(st);
    OPENSSL_cleanse(fresh, sizeof(fresh));
    if (!got)
        return rs_err_set(err, RS_EIO, "cannot read the key store's secret: %s",
                          sqlite3_errmsg(db));
    return RS_OK;
}

/* The serial of the last rl_auth made (rl_auth.serial). */
static uint64_t auth_serials;

/* a->keyed: HMAC-SHA256 with a->secret set. 0 on success. */
static int key_the_mac(rl_auth *a) {
    EVP_MAC *mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    OSSL_PARAM params[2];
    int ok;
    if (mac == NULL)
        return -1;
    a->keyed = EVP_MAC_CTX_new(mac);
    EVP_MAC_free(mac); /* the context holds its own reference */
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
    params[1] = OSSL_PARAM_construct_end();
    ok = a->keyed != NULL && EVP_MAC_init(a->keyed, a->secret, sizeof(a->secret), params) == 1;
    return ok ? 0 : -1;
}

int rl_auth_new(sqlite3 *db, const rl_auth_config *cfg, rl_auth **out, rs_err *err) {
    rl_auth *a = calloc(1, sizeof(*a));
    int i;
    if (a == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    pthread_mutex_init(&a->lock, NULL);
    a->serial = __atomic_add_fetch(&auth_serials, 1, __ATOMIC_RELAXED);
    a->failure_limit = cfg->failure_limit;
    if (load_secret(db, a->secret, err) != RS_OK) {
        rl_auth_free(a);
        return err ? err->code : RS_EIO;
    }
    if (key_the_mac(a) != 0) {
        rl_auth_free(a);
        return rs_err_set(err, RS_EINTERNAL, "cannot set up HMAC-SHA256 (libcrypto)");
    }
    if (cfg->n_bootstrap > 0) {
        a->bootstrap = calloc((size_t)cfg->n_bootstrap, RL_DIGEST_LEN);
        if (a->bootstrap == NULL) {
            rl_auth_free(a);
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        }
    }
    for (i = 0; i < cfg->n_bootstrap; i++) {
        if (rl_auth_digest(a, cfg->bootstrap_keys[i], strlen(cfg->bootstrap_keys[i]),
                           a->bootstrap[i]) != 0) {
            rl_auth_free(a);
            return rs_err_set(err, RS_EINTERNAL, "cannot hash the bootstrap keys (libcrypto)");
        }
    }
    a->n_bootstrap = cfg->n_bootstrap;
    *out = a;
    return RS_OK;
}

void rl_auth_free(rl_auth *a) {
    if (a == NULL)
        return;
    pthread_mutex_destroy(&a->lock);
    EVP_MAC_CTX_free(a->keyed);
    free(a->bootstrap);
    OPENSSL_cleanse(a, sizeof(*a));
    free(a);
}

/* The key this thread hashed last and its digest. A keep-alive connection has a thread of its
 * own (httpd.c) and sends the same key with every request; hashing it again cost 4 to 5 us of a
 * request in the server (the MAC's code and state cold after the rest of the request), where
 * the comparison below costs nanoseconds. The entry names its rl_auth by serial, not address:
 * another server's secret, at the same address, must not match. */
#define DIGEST_MEMO_KEY_MAX 128
typedef struct {
    uint64_t auth_serial; /* 0: empty */
    size_t len;
    char key[DIGEST_MEMO_KEY_MAX];
    unsigned char digest[RL_DIGEST_LEN];
} digest_memo;
static __thread digest_memo memo;

static int digest_compute(const rl_auth *a, const char *key, size_t len,
                          unsigned char out[RL_DIGEST_LEN]) {
    /* a duplicate per call: a->keyed is only read, so threads may share it */
    EVP_MAC_CTX *mac = EVP_MAC_CTX_dup(a->keyed);
    size_t out_len = 0;
    int ok = mac != NULL && EVP_MAC_update(mac, (const unsigned char *)key, len) == 1 &&
             EVP_MAC_final(mac, out, &out_len, RL_DIGEST_LEN) == 1 && out_len == RL_DIGEST_LEN;
    EVP_MAC_CTX_free(mac);
    return ok ? 0 : -1;
}

int rl_auth_digest(const rl_auth *a, const char *key, size_t len,
                   unsigned char out[RL_DIGEST_LEN]) {
    int memoable = len <= DIGEST_MEMO_KEY_MAX;
    if (memoable && memo.auth_serial == a->serial && memo.len == len &&
        CRYPTO_memcmp(memo.key, key, len) == 0) {
        memcpy(out, memo.digest, RL_DIGEST_LEN);
        return 0;
    }
    if (digest_compute(a, key, len, out) != 0)
        return -1;
    if (memoable) {
        memo.auth_serial = a->serial;
        memo.len = len;
        memcpy(memo.key, key, len);
        memcpy(memo.digest, out, RL_DIGEST_LEN);
    }
    return 0;
}

/* ---- login ---- */

/* The key of an "ApiKey <key>" header ("ApiKey" in any case), or NULL. */
static const char *header_key(const char *authorization) {
    const char *key;
    if (authorization == NULL || strncasecmp(authorization, "apikey", 6) != 0 ||
        (authorization[6] != ' ' && authorization[6] != '\t'))
        return NULL;
    key = authorization + 6;
    while (*key == ' ' || *key == '\t')
        key++;
    return *key ? key : NULL;
}

/* 1 when digest is a bootstrap key's; every digest is compared, whichever matches. */
static int is_bootstrap(const rl_auth *a, const unsigned char digest[RL_DIGEST_LEN]) {
    int i, found = 0;
    for (i = 0; i < a->n_bootstrap; i++)
        found |= CRYPTO_memcmp(a->bootstrap[i], digest, RL_DIGEST_LEN) == 0;
    return found;
}

static void format_utc(int64_t ms, char out[32]) {
    rt_format_timestamp_seconds(out, 32, rt_micros_of(ms, 1000));
}

/* The stored key whose digest this is, checked for state and expiry, then its privileges. */
static rl_login_result login_stored(sqlite3 *db, const unsigned char digest[RL_DIGEST_LEN],
                                    rl_principal *who, char *msg, size_t cap) {
    sqlite3_stmt *st = NULL;
    rl_login_result res = RL_LOGIN_BAD_KEY;
    char *roles = NULL;
    rs_err err = {0};
    int64_t expiry = 0, now = rl_now_ms();

    if (sqlite3_prepare_v2(db,
                           "SELECT k.hash, k.user, k.name, k.role, k.state, k.expiry_ms, u.roles"
                           " FROM apikeys k JOIN users u ON u.email = k.user WHERE k.hash = ?1",
                           -1, &st, NULL) != SQLITE_OK ||
        sqlite3_bind_blob(st, 1, digest, RL_DIGEST_LEN, SQLITE_STATIC) != SQLITE_OK) {
        sqlite3_finalize(st);
        snprintf(msg, cap, "the key store cannot be read");
        return RL_LOGIN_ERROR;
    }
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == RL_DIGEST_LEN &&
        CRYPTO_memcmp(sqlite3_column_blob(st, 0), digest, RL_DIGEST_LEN) == 0) {
        snprintf(who->user, sizeof(who->user), "%s", (const char *)sqlite3_column_text(st, 1));
        snprintf(who->key_name, sizeof(who->key_name), "%s",
                 (const char *)sqlite3_column_text(st, 2));
        if (sqlite3_column_type(st, 3) != SQLITE_NULL)
            snprintf(who->role, sizeof(who->role), "%s", (const char *)sqlite3_column_text(st, 3));
        expiry = sqlite3_column_int64(st, 5);
        roles = strdup((const char *)sqlite3_column_text(st, 6));
        if (strcmp((const char *)sqlite3_column_text(st, 4), "SUSPENDED") == 0) {
            res = RL_LOGIN_SUSPENDED;
            snprintf(msg, cap, "API key \"%s\" is suspended", who->key_name);
        } else if (expiry > 0 && expiry <= now) {
            char when[32];
            format_utc(expiry, when);
            res = RL_LOGIN_EXPIRED;
            snprintf(msg, cap, "API key \"%s\" expired at %s", who->key_name, when);
        } else {
            res = RL_LOGIN_OK;
        }
    }
    sqlite3_finalize(st);
    if (res == RL_LOGIN_OK && roles == NULL)
        res = RL_LOGIN_ERROR;
    if (res == RL_LOGIN_OK && who->role[0]) {
        if (rl_auth_add_role(db, who, who->role, &err) != RS_OK)
            res = RL_LOGIN_ERROR;
    } else if (res == RL_LOGIN_OK) {
        /* no role of its own: every role of its user (ListUsers' roles array) */
        cJSON *arr = cJSON_Parse(roles), *r;
        cJSON_ArrayForEach(r, arr) {
            if (cJSON_IsString(r) && rl_auth_add_role(db, who, r->valuestring, &err) != RS_OK &&
                err.code != RS_ENOTFOUND)
                res = RL_LOGIN_ERROR;
        }
        cJSON_Delete(arr);
    }
    if (res == RL_LOGIN_ERROR)
        snprintf(msg, cap, "the key store cannot be read");
    if (res == RL_LOGIN_OK) /* last_access_time, written at most once a minute per key */
        rl_sql(db, NULL, NULL,
               "UPDATE apikeys SET last_access_ms = ?3 WHERE user = ?1 AND name = ?2"
               " AND (last_access_ms IS NULL OR last_access_ms < ?3 - 60000)",
               "ssi", who->user, who->key_name, now);
    free(roles);
    return res;
}

void rl_principal_admin(rl_principal *who) {
    const rl_priv *privs;
    int n;
    memset(who, 0, sizeof(*who));
    snprintf(who->user, sizeof(who->user), "%s", RL_BOOTSTRAP_USER);
    snprintf(who->key_name, sizeof(who->key_name), "bootstrap");
    snprintf(who->role, sizeof(who->role), "admin");
    rl_builtin_role("admin", &privs, &n);
    add_privs(who, privs, n);
}

rl_login_result rl_auth_login(rl_auth *a, sqlite3 *db, const char *authorization, rl_principal *who,
                              char *msg, size_t cap) {
    const char *key = header_key(authorization);
    unsigned char digest[RL_DIGEST_LEN];
    rl_login_result res;

    memset(who, 0, sizeof(*who));
    snprintf(msg, cap,
             "Authentication failed: provide a valid API key in the Authorization "
             "header as 'ApiKey <key>'");
    if (key == NULL)
        return RL_LOGIN_NO_KEY;
    if (rl_auth_digest(a, key, strlen(key), digest) != 0)
        return RL_LOGIN_ERROR;
    if (is_bootstrap(a, digest)) {
        rl_principal_admin(who);
        return RL_LOGIN_OK;
    }
    if (db == NULL)
        return RL_LOGIN_ERROR;
    res = login_stored(db, digest, who, msg, cap);
    OPENSSL_cleanse(digest, sizeof(digest));
    if (res != RL_LOGIN_OK)
        memset(who, 0, sizeof(*who));
    return res;
}

/* ---- the failure limiter ---- */

static unsigned int addr_hash(const char *addr) {
    return rs_fnv1a32(addr, strlen(addr));
}

/* The slot of addr (locked): its own, else a free or expired one, else the stalest probed. */
static fail_slot *slot_for(rl_auth *a, const char *addr, int64_t now, int create) {
    unsigned int h = addr_hash(addr);
    fail_slot *best = NULL;
    int i;
    for (i = 0; i < FAIL_PROBE; i++) {
        fail_slot *s = &a->fails[(h + (unsigned int)i) % FAIL_SLOTS];
        if (strcmp(s->addr, addr) == 0)
            return s;
        if (best == NULL || s->since_ms < best->since_ms)
            best = s;
    }
    if (!create)
        return NULL;
    if (best->addr[0] && now - best->since_ms < FAIL_WINDOW)
        fprintf(stderr, "rockset-local: failed-authentication table full: forgetting %s\n",
                best->addr);
    snprintf(best->addr, sizeof(best->addr), "%s", addr);
    best->since_ms = now;
    best->count = 0;
    return best;
}

int rl_auth_blocked(rl_auth *a, const char *addr, int *retry_after_s) {
    int64_t now = rl_mono_ms();
    fail_slot *s;
    int blocked = 0;
    if (a->failure_limit <= 0)
        return 0;
    pthread_mutex_lock(&a->lock);
    s = slot_for(a, addr, now, 0);
    if (s != NULL && now - s->since_ms < FAIL_WINDOW && s->count >= a->failure_limit) {
        blocked = 1;
        *retry_after_s = (int)((FAIL_WINDOW - (now - s->since_ms)) / 1000) + 1;
    }
    pthread_mutex_unlock(&a->lock);
    return blocked;
}

int rl_auth_failed(rl_auth *a, const char *addr) {
    int64_t now = rl_mono_ms();
    fail_slot *s;
    int count;
    pthread_mutex_lock(&a->lock);
    s = slot_for(a, addr, now, 1);
    if (now - s->since_ms >= FAIL_WINDOW) {
        s->since_ms = now;
        s->count = 0;
    }
    count = ++s->count;
    pthread_mutex_unlock(&a->lock);
    return count;
}
