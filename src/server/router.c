/* router.c - see router.h. */
#include "router.h"
#include "auth.h"
#include "handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Who may call a route (the privilege table; docs/security.md lists it for people):
 *   PUBLIC   no key at all (GET /: the ping or the console's page; the console's files, which
 *            hold no data: h_console.c)
 *   KEY      any valid key (its own user and org; queries, whose data privileges are checked
 *            per relation when the query is translated: query_exec.c)
 *   GLOBAL   the global action `act`
 *   WS       `act` on the workspace captured first
 *   VI       `act` on the virtual instance captured first
 *   WSLIST   an org-wide list: any valid key; elements are kept only when the key holds
 *            LIST_RESOURCES_WS on their "workspace"
 *   KEYS     API keys of the user captured first: CREATE_API_KEY_GLOBAL for one's own (`self`
 *            or one's email), ALL_GLOBAL_ACTIONS (admin) for another user's */
typedef enum { PUBLIC, KEY, GLOBAL, WS, VI, WSLIST, KEYS } scope;

typedef struct route {
    const char *method;
    const char *pattern; /* "/"-separated; "*" captures one segment */
    void (*handler)(rl_req *rq);
    scope scope;
    rl_action act;
} route;

#define O       "/v1/orgs/self"
#define W       "/v1/orgs/self/ws/*"
#define A(name) RL_ACT_##name

/* Order matters only where a literal segment and a capture could both match (validations,
 * users/self). */
/* clang-format off */
static const route routes[] = {
    {"GET",    "/",                                   h_console_root, PUBLIC, 0},
    {"GET",    "/console/*",                          h_console_file, PUBLIC, 0},
    {"GET",    O,                                     h_org,          KEY,    0},
    {"POST",   O "/ws",                               h_ws_create,    GLOBAL, A(CREATE_WS_GLOBAL)},
    {"GET",    O "/ws",                               h_ws_list,      GLOBAL, A(LIST_WS_GLOBAL)},
    {"GET",    W,                                     h_ws_get,       WS,     A(LIST_RESOURCES_WS)},
    {"DELETE", W,                                     h_ws_delete,    WS,     A(DELETE_WS)},
    {"GET",    O "/collections",                      h_coll_list,    WSLIST, 0},
    {"POST",   W "/collections",                      h_coll_create,  WS,     A(CREATE_COLLECTION_WS)},
    {"GET",    W "/collections",                      h_coll_list,    WS,     A(LIST_RESOURCES_WS)},
    {"GET",    W "/collections/*",                    h_coll_get,     WS,     A(LIST_RESOURCES_WS)},
    {"PUT",    W "/collections/*",                    h_coll_update,  WS,     A(UPDATE_COLLECTION_WS)},
    {"DELETE", W "/collections/*",                    h_coll_delete,  WS,     A(DELETE_COLLECTION_WS)},
    {"GET",    W "/collections/*/offsets/commit",     h_commit,       WS,     A(LIST_RESOURCES_WS)},
    {"POST",   W "/collections/*/offsets/commit",     h_commit,       WS,     A(LIST_RESOURCES_WS)},
    {"POST",   W "/collections/*/docs",               h_docs_add,     WS,     A(WRITE_DATA_WS)},
    {"PATCH",  W "/collections/*/docs",               h_docs_patch,   WS,     A(WRITE_DATA_WS)},
    {"DELETE", W "/collections/*/docs",               h_docs_delete,  WS,     A(WRITE_DATA_WS)},
    {"POST",   O "/queries/validations",              h_query_validate, KEY,  0},
    {"POST",   O "/queries",                          h_query,        KEY,    0},
    {"GET",    O "/queries",                          h_query_list,   KEY,    0},
    {"GET",    O "/users",                            h_user_list,    GLOBAL, A(LIST_USERS_GLOBAL)},
    {"POST",   O "/users",                            h_user_create,  GLOBAL, A(INVITE_USER_GLOBAL)},
    {"GET",    O "/users/self",                       h_user_self,    KEY,    0},
    {"POST",   O "/users/self/apikeys",               h_apikey_create, GLOBAL, A(CREATE_API_KEY_GLOBAL)},
    {"GET",    O "/users/*",                          h_user_get,     GLOBAL, A(LIST_USERS_GLOBAL)},
    {"POST",   O "/users/*",                          h_user_update,  GLOBAL, A(GRANT_REVOKE_ROLE_GLOBAL)},
    {"DELETE", O "/users/*",                          h_user_delete,  GLOBAL, A(DELETE_USER_GLOBAL)},
    {"GET",    O "/users/*/apikeys",                  h_apikey_list,  KEYS,   0},
    {"GET",    O "/users/*/apikeys/*",                h_apikey_get,   KEYS,   0},
    {"POST",   O "/users/*/apikeys/*",                h_apikey_update, KEYS,  0},
    {"DELETE", O "/users/*/apikeys/*",                h_apikey_delete, KEYS,  0},
    {"GET",    O "/roles",                            h_role_list,    GLOBAL, A(LIST_ROLES_GLOBAL)},
    {"POST",   O "/roles",                            h_role_create,  GLOBAL, A(CREATE_ROLE_GLOBAL)},
    {"GET",    O "/roles/*",                          h_role_get,     GLOBAL, A(LIST_ROLES_GLOBAL)},
    {"POST",   O "/roles/*",                          h_role_update,  GLOBAL, A(UPDATE_ROLE_GLOBAL)},
    {"DELETE", O "/roles/*",                          h_role_delete,  GLOBAL, A(DELETE_ROLE_GLOBAL)},
    {"GET",    O "/virtualinstances",                 h_vi_list,      GLOBAL, A(LIST_VI_GLOBAL)},
    {"GET",    O "/virtualinstances/*",               h_vi_get,       GLOBAL, A(LIST_VI_GLOBAL)},
    {"POST",   O "/virtualinstances/*",               h_vi_update,    VI,     A(UPDATE_VI)},
    {"POST",   O "/virtualinstances/*/queries",       h_query,        VI,     A(QUERY_VI)},
    {"GET",    O "/virtualinstances/*/queries",       h_query_list,   VI,     A(QUERY_VI)},
    {"GET",    O "/queries/*",                        h_query_get,    KEY,    0},
    {"DELETE", O "/queries/*",                        h_query_cancel, KEY,    0},
    {"GET",    O "/queries/*/pages",                  h_query_pages,  KEY,    0},
    {"GET",    O "/views",                            h_view_list,    WSLIST, 0},
    {"POST",   W "/views",                            h_view_create,  WS,     A(CREATE_VIEW_WS)},
    {"GET",    W "/views",                            h_view_list,    WS,     A(LIST_RESOURCES_WS)},
    {"GET",    W "/views/*",                          h_view_get,     WS,     A(LIST_RESOURCES_WS)},
    {"POST",   W "/views/*",                          h_view_update,  WS,     A(CREATE_VIEW_WS)},
    {"DELETE", W "/views/*",                          h_view_delete,  WS,     A(DELETE_VIEW_WS)},
    {"GET",    O "/aliases",                          h_alias_list,   WSLIST, 0},
    {"POST",   W "/aliases",                          h_alias_create, WS,     A(CREATE_ALIAS_WS)},
    {"GET",    W "/aliases",                          h_alias_list,   WS,     A(LIST_RESOURCES_WS)},
    {"GET",    W "/aliases/*",                        h_alias_get,    WS,     A(LIST_RESOURCES_WS)},
    {"POST",   W "/aliases/*",                        h_alias_update, WS,     A(CREATE_ALIAS_WS)},
    {"DELETE", W "/aliases/*",                        h_alias_delete, WS,     A(DELETE_ALIAS_WS)},
    {"GET",    O "/lambdas",                          h_ql_list,      WSLIST, 0},
    {"POST",   W "/lambdas",                          h_ql_create,    WS,     A(CREATE_QUERY_LAMBDA_WS)},
    {"GET",    W "/lambdas",                          h_ql_list,      WS,     A(LIST_RESOURCES_WS)},
    {"DELETE", W "/lambdas/*",                        h_ql_delete,    WS,     A(DELETE_QUERY_LAMBDA_WS)},
    {"POST",   W "/lambdas/*/versions",               h_ql_version_create, WS, A(CREATE_QUERY_LAMBDA_WS)},
    {"GET",    W "/lambdas/*/versions",               h_ql_version_list, WS,  A(LIST_RESOURCES_WS)},
    {"GET",    W "/lambdas/*/versions/*",             h_ql_version_get, WS,   A(LIST_RESOURCES_WS)},
    {"POST",   W "/lambdas/*/versions/*",             h_ql_version_execute, WS, A(EXECUTE_QUERY_LAMBDA_WS)},
    {"DELETE", W "/lambdas/*/version/*",              h_ql_version_delete, WS, A(DELETE_QUERY_LAMBDA_WS)},
    {"GET",    W "/lambdas/*/tags",                   h_ql_tag_list,  WS,     A(LIST_RESOURCES_WS)},
    {"POST",   W "/lambdas/*/tags",                   h_ql_tag_create, WS,    A(CREATE_QUERY_LAMBDA_WS)},
    {"GET",    W "/lambdas/*/tags/*",                 h_ql_tag_get,   WS,     A(LIST_RESOURCES_WS)},
    {"DELETE", W "/lambdas/*/tags/*",                 h_ql_tag_delete, WS,    A(DELETE_QUERY_LAMBDA_WS)},
    {"POST",   W "/lambdas/*/tags/*",                 h_ql_tag_execute, WS,   A(EXECUTE_QUERY_LAMBDA_WS)},
};
/* clang-format on */

/* Length of the segment starting at s (up to '/' or end). */
static size_t seg_len(const char *s) {
    return strcspn(s, "/");
}

/* Does path match pattern? Fills caps with (start, length) pairs of '*' segments. */
static int match(const char *pattern, const char *path, const char *cap_at[], size_t cap_len[],
                 int *n_caps) {
    const char *p = pattern, *s = path;
    int n = 0;
    size_t plen, slen;

    if (strcmp(pattern, "/") == 0)
        return strcmp(path, "/") == 0 || path[0] == '\0';
    while (*p == '/' && *s == '/') {
        p++;
        s++;
        plen = seg_len(p);
        slen = seg_len(s);
        if (plen == 1 && *p == '*') {
            if (slen == 0 || n >= RL_MAX_ARGS)
                return 0;
            cap_at[n] = s;
            cap_len[n++] = slen;
        } else if (plen != slen || strncmp(p, s, plen) != 0) {
            return 0;
        }
        p += plen;
        s += slen;
    }
    if (*s == '/' && s[1] == '\0')
        s++; /* tolerate one trailing slash */
    *n_caps = n;
    return *p == '\0' && *s == '\0';
}

int rl_route_find(rl_req *rq) {
    const char *cap_at[RL_MAX_ARGS];
    size_t cap_len[RL_MAX_ARGS];
    int n_caps = 0, path_known = 0, i;
    size_t r;

    for (r = 0; r < sizeof(routes) / sizeof(routes[0]); r++) {
        if (!match(routes[r].pattern, rq->path, cap_at, cap_len, &n_caps))
            continue;
        path_known = 1;
        if (strcmp(routes[r].method, rq->method) != 0)
            continue;
        for (i = 0; i < n_caps; i++) {
            rq->args[i] = strndup(cap_at[i], cap_len[i]);
            if (rq->args[i] == NULL) {
                rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
                return 0;
            }
            rq->n_args = i + 1;
        }
        rq->route = (int)r + 1;
        return 1;
    }
    if (path_known)
        rl_reply_error(rq, 405, "METHODNOTALLOWED", NULL, "method %s is not allowed on %s",
                       rq->method, rq->path);
    else
        rl_reply_error(rq, 404, "NOTFOUND", NULL, "no such endpoint: %s %s", rq->method, rq->path);
    return 0;
}

int rl_route_allows_nul(const rl_req *rq) {
    const route *rt = rq->route > 0 ? &routes[rq->route - 1] : NULL;
    return rt != NULL && (rt->handler == h_docs_add || rt->handler == h_docs_patch ||
                          rt->handler == h_docs_delete);
}

int rl_route_raw_body(const rl_req *rq) {
    return rl_route_allows_nul(rq);
}

int rl_route_public(const rl_req *rq) {
    return rq->route > 0 && routes[rq->route - 1].scope == PUBLIC;
}

/* 403 naming the privilege that is missing, and on what. */
static void forbid(rl_req *rq, rl_action act, const char *kind, const char *resource) {
    const rl_principal *who = rq->who;
    char role[300];
    snprintf(role, sizeof(role), "%s%s", who->role[0] ? "role " : "the roles of ",
             who->role[0] ? who->role : who->user);
    if (resource != NULL)
        rl_reply_error(rq, 403, "FORBIDDEN", NULL,
                       "API key \"%s\" (%s) lacks the privilege %s on %s \"%s\", needed for "
                       "%s %s",
                       who->key_name, role, rl_action_name(act), kind, resource, rq->method,
                       rq->path);
    else
        rl_reply_error(rq, 403, "FORBIDDEN", NULL,
                       "API key \"%s\" (%s) lacks the privilege %s, needed for %s %s",
                       who->key_name, role, rl_action_name(act), rq->method, rq->path);
}

int rl_route_authorize(rl_req *rq) {
    const route *rt = rq->route > 0 ? &routes[rq->route - 1] : NULL;
    const rl_principal *who = rq->who;
    const char *user;

    if (rt == NULL)
        return 0;
    if (rt->scope == PUBLIC)
        return 1;
    if (who == NULL) {
        rl_reply_error(rq, 401, "AUTHEXCEPTION", NULL, "Authentication failed: no API key");
        return 0;
    }
    switch (rt->scope) {
    case GLOBAL:
        if (rl_auth_may(who, rt->act, NULL))
            return 1;
        forbid(rq, rt->act, NULL, NULL);
        return 0;
    case WS:
    case VI:
        if (rl_auth_may(who, rt->act, rq->args[0]))
            return 1;
        forbid(rq, rt->act, rt->scope == WS ? "workspace" : "virtual instance", rq->args[0]);
        return 0;
    case KEYS:
        user = rq->args[0];
        if (strcmp(user, "self") == 0 || strcmp(user, who->user) == 0) {
            if (rl_auth_may(who, RL_ACT_CREATE_API_KEY_GLOBAL, NULL))
                return 1;
            forbid(rq, RL_ACT_CREATE_API_KEY_GLOBAL, NULL, NULL);
        } else if (rl_auth_may(who, RL_ACT_ALL_GLOBAL_ACTIONS, NULL)) {
            return 1;
        } else {
            rl_reply_error(rq, 403, "FORBIDDEN", NULL,
                           "API key \"%s\" of %s lacks the privilege ALL_GLOBAL_ACTIONS to "
                           "manage the API keys of another user (%s)",
                           who->key_name, who->user, user);
        }
        return 0;
    default: /* KEY, WSLIST */
        return 1;
    }
}

/* WSLIST: drop the elements of {"data": [...]} whose workspace the key may not list. A key that
 * may list every workspace gets the handler's reply untouched. */
static void filter_by_workspace(rl_req *rq) {
    cJSON *root, *data, *item, *next;
    char *text;

    if (rq->status != 200 || rl_auth_may(rq->who, RL_ACT_LIST_RESOURCES_WS, "*ALL*"))
        return;
    root = cJSON_ParseWithLength(rs_buf_cstr(&rq->out), rq->out.len);
    data = cJSON_GetObjectItemCaseSensitive(root, "data");
    for (item = cJSON_IsArray(data) ? data->child : NULL; item != NULL; item = next) {
        const char *ws = rl_json_str(item, "workspace");
        next = item->next;
        if (ws == NULL || !rl_auth_may(rq->who, RL_ACT_LIST_RESOURCES_WS, ws))
            cJSON_Delete(cJSON_DetachItemViaPointer(data, item));
    }
    text = cJSON_IsArray(data) ? cJSON_PrintUnformatted(root) : NULL;
    if (text == NULL)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "cannot filter the list");
    else
        rl_reply_raw(rq, 200, text);
    cJSON_free(text);
    cJSON_Delete(root);
}

void rl_route_run(rl_req *rq) {
    const route *rt = rq->route > 0 ? &routes[rq->route - 1] : NULL;
    if (rt == NULL)
        return;
    rt->handler(rq);
    if (rt->scope == WSLIST)
        filter_by_workspace(rq);
}

void rl_route_dispatch(rl_req *rq) {
    if (rl_route_find(rq) && rl_route_authorize(rq))
        rl_route_run(rq);
}
