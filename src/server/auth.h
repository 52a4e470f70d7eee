/*
 * auth.h - who is asking and what they may do: Rockset's privileges (actions on resources),
 * the built-in roles (admin, member, read-only), the principal a request runs as, the route
 * privilege check, the bootstrap admin keys, how keys are hashed, and the limiter of failed
 * authentications (docs/security.md explains every choice).
 *
 *   rl_principal who;                      filled by rl_auth_login from the Authorization header
 *   rl_auth_may(&who, RL_ACT_QUERY_DATA_WS, "analytics")  -> 1 or 0
 *
 * A principal is a plain value (no pointers): it is copied into async queries and outlives the
 * request. Keys are never kept in memory or on disk in clear: a key is hashed as
 * HMAC-SHA256(server secret, key) and digests are compared with CRYPTO_memcmp.
 *
 * Thread-safety: rl_auth is shared by every connection thread; its failure table has a mutex,
 * everything else is read-only after rl_auth_new. Principals belong to their request.
 */
#ifndef RL_AUTH_H
#define RL_AUTH_H

#include "err.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* Every action of the spec's Privilege.action enum, in the spec's order. */
#define RL_ACTIONS(X)                       \
    X(ALL_GLOBAL_ACTIONS)                   \
    X(GET_ORG_GLOBAL)                       \
    X(GET_CURRENT_USER_GLOBAL)              \
    X(INVITE_USER_GLOBAL)                   \
    X(DELETE_USER_GLOBAL)                   \
    X(LIST_USERS_GLOBAL)                    \
    X(GET_BILLING_GLOBAL)                   \
    X(UPDATE_BILLING_GLOBAL)                \
    X(UPDATE_SETTINGS_GLOBAL)               \
    X(GET_METRICS_GLOBAL)                   \
    X(CREATE_VI_GLOBAL)                     \
    X(UPDATE_VI_GLOBAL)                     \
    X(LIST_VI_GLOBAL)                       \
    X(CREATE_WS_GLOBAL)                     \
    X(LIST_WS_GLOBAL)                       \
    X(CREATE_INTEGRATION_GLOBAL)            \
    X(DELETE_INTEGRATION_GLOBAL)            \
    X(LIST_INTEGRATIONS_GLOBAL)             \
    X(EXPORT_DATA_GLOBAL)                   \
    X(UPDATE_RESOURCE_OWNER_GLOBAL)         \
    X(CREATE_API_KEY_GLOBAL)                \
    X(CREATE_ROLE_GLOBAL)                   \
    X(UPDATE_ROLE_GLOBAL)                   \
    X(DELETE_ROLE_GLOBAL)                   \
    X(LIST_ROLES_GLOBAL)                    \
    X(GRANT_REVOKE_ROLE_GLOBAL)             \
    X(CREATE_QUERY_LOGS_COLLECTION_GLOBAL)  \
    X(CREATE_INGEST_LOGS_COLLECTION_GLOBAL) \
    X(ALL_INTEGRATION_ACTIONS)              \
    X(CREATE_COLLECTION_INTEGRATION)        \
    X(ALL_WORKSPACE_ACTIONS)                \
    X(DELETE_WS)                            \
    X(QUERY_DATA_WS)                        \
    X(WRITE_DATA_WS)                        \
    X(CREATE_COLLECTION_WS)                 \
    X(DELETE_COLLECTION_WS)                 \
    X(UPDATE_COLLECTION_WS)                 \
    X(CREATE_ALIAS_WS)                      \
    X(DELETE_ALIAS_WS)                      \
    X(CREATE_SNAPSHOT_WS)                   \
    X(LIST_RESOURCES_WS)                    \
    X(CREATE_QUERY_LAMBDA_WS)               \
    X(DELETE_QUERY_LAMBDA_WS)               \
    X(EXECUTE_QUERY_LAMBDA_WS)              \
    X(CREATE_SCHEDULED_LAMBDA_WS)           \
    X(DELETE_SCHEDULED_LAMBDA_WS)           \
    X(CREATE_VIEW_WS)                       \
    X(DELETE_VIEW_WS)                       \
    X(ALL_VI_ACTIONS)                       \
    X(QUERY_VI)                             \
    X(UPDATE_VI)                            \
    X(SUSPEND_RESUME_VI)                    \
    X(DELETE_VI)                            \
    X(CREATE_SIMILARITY_INDEX_WS)           \
    X(DELETE_SIMILARITY_INDEX_WS)           \
    X(CREATE_NETWORK_CONFIGURATION_GLOBAL)  \
    X(DELETE_NETWORK_CONFIGURATION_GLOBAL)  \
    X(LIST_NETWORK_CONFIGURATIONS_GLOBAL)   \
    X(UPDATE_DEPLOYMENT_DEFAULT_QUERY_VI)

#define RL_ACT_ENUM(name) RL_ACT_##name,
typedef enum rl_action { RL_ACT_NONE = 0, RL_ACTIONS(RL_ACT_ENUM) RL_ACT_COUNT } rl_action;
#undef RL_ACT_ENUM

/* The spec's name of an action ("QUERY_DATA_WS"); NULL for RL_ACT_NONE or out of range. */
const char *rl_action_name(rl_action a);
/* The action named (exact, upper case), or RL_ACT_NONE. */
rl_action rl_action_from_name(const char *name);

/* The user every bootstrap key belongs to (and rockset-local's only user until others are
 * created). */
#define RL_BOOTSTRAP_USER "local@rockset-local"

#define RL_PRIV_MAX     64  /* privileges one principal (or one role) may hold */
#define RL_RESOURCE_MAX 128 /* resource names: a workspace, a VI id, or "*ALL*" */

typedef struct rl_priv {
    rl_action action;
    char resource[RL_RESOURCE_MAX]; /* "*ALL*" (any case) matches every resource */
} rl_priv;

typedef struct rl_principal {
    char user[256];     /* the key owner's email */
    char key_name[128]; /* the key's name; "bootstrap" for --api-key / key file / env keys */
    char role[128];     /* the key's role; "" when it has the user's roles */
    int n_privs;
    rl_priv privs[RL_PRIV_MAX];
} rl_principal;

/* 1 when who holds action on resource (NULL resource for global actions). ALL_GLOBAL_ACTIONS,
 * ALL_WORKSPACE_ACTIONS, ALL_VI_ACTIONS and ALL_INTEGRATION_ACTIONS cover their family. */
int rl_auth_may(const rl_principal *who, rl_action action, const char *resource);
/* 1 when who holds every privilege of privs (a key may not hand out more than it has). */
int rl_auth_covers(const rl_principal *who, const rl_priv *privs, int n);

/* Fill who as a bootstrap key: the bootstrap user with the admin role (for embedders and
 * tests that call the router directly). */
void rl_principal_admin(rl_principal *who);

/* Built-in roles: 1 and the privileges of "admin", "member" or "read-only", else 0. */
int rl_builtin_role(const char *name, const rl_priv **privs, int *n);
extern const char *const rl_builtin_role_names[3];
/* Append the privileges of role (built-in, or a row of the roles table) to who. Returns 0, or
 * RS_ENOTFOUND / RS_EINTERNAL with err filled. */
int rl_auth_add_role(sqlite3 *db, rl_principal *who, const char *role, rs_err *err);
/* Parse a JSON array of Privilege objects into privs (at most RL_PRIV_MAX). Returns the count,
 * or -1 with err (RS_EINVAL) naming the bad element. */
int rl_privs_parse(const char *json, rl_priv *privs, rs_err *err);

/* ---- the server's authentication state ---- */

typedef struct rl_auth rl_auth;

typedef struct rl_auth_config {
    const char **bootstrap_keys; /* copied as digests; callers may wipe them afterwards */
    int n_bootstrap;
    int failure_limit; /* failed authentications per client address per minute; 0 = no limit */
} rl_auth_config;

/* Load (or create) the server secret in db's meta table and hash the bootstrap keys. */
int rl_auth_new(sqlite3 *db, const rl_auth_config *cfg, rl_auth **out, rs_err *err);
void rl_auth_free(rl_auth *a);

#define RL_DIGEST_LEN 32
/* HMAC-SHA256(server secret, key): the only form in which keys are stored or compared.
 * Returns 0, or -1 when libcrypto failed (out is then unusable). */
int rl_auth_digest(const rl_auth *a, const char *key, size_t len, unsigned char out[RL_DIGEST_LEN]);

typedef enum rl_login_result {
    RL_LOGIN_OK = 0,
    RL_LOGIN_NO_KEY,    /* no Authorization header, or not "ApiKey <key>" */
    RL_LOGIN_BAD_KEY,   /* no such key (or deleted) */
    RL_LOGIN_SUSPENDED, /* a key in state SUSPENDED */
    RL_LOGIN_EXPIRED,   /* a key past its expiry_time */
    RL_LOGIN_ERROR      /* the key store could not be read */
} rl_login_result;

/* Authenticate the value of an Authorization header. On RL_LOGIN_OK fills who. For refusals,
 * msg (cap bytes) gets the message for the 401 body: never the key itself. */
rl_login_result rl_auth_login(rl_auth *a, sqlite3 *db, const char *authorization, rl_principal *who,
                              char *msg, size_t cap);

/* The failure limiter, per client address (text form). rl_auth_blocked says whether addr has
 * used up its failures for this minute (retry_after_s set); rl_auth_failed counts one more and
 * returns how many addr has had in the current minute. */
int rl_auth_blocked(rl_auth *a, const char *addr, int *retry_after_s);
int rl_auth_failed(rl_auth *a, const char *addr);

#endif
