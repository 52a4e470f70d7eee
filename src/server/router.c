/* router.c - see router.h. */
#include "router.h"
#include "handlers.h"

#include <stdlib.h>
#include <string.h>

typedef struct route {
    const char *method;
    const char *pattern; /* "/"-separated; "*" captures one segment */
    void (*handler)(rl_req *rq);
} route;

#define O "/v1/orgs/self"
#define W "/v1/orgs/self/ws/*"

/* Order matters only where a literal segment and a capture could both match (validations). */
/* clang-format off */
static const route routes[] = {
    {"GET",    "/",                                   h_root},
    {"GET",    O,                                     h_org},
    {"POST",   O "/ws",                               h_ws_create},
    {"GET",    O "/ws",                               h_ws_list},
    {"GET",    W,                                     h_ws_get},
    {"DELETE", W,                                     h_ws_delete},
    {"GET",    O "/collections",                      h_coll_list},
    {"POST",   W "/collections",                      h_coll_create},
    {"GET",    W "/collections",                      h_coll_list},
    {"GET",    W "/collections/*",                    h_coll_get},
    {"PUT",    W "/collections/*",                    h_coll_update},
    {"DELETE", W "/collections/*",                    h_coll_delete},
    {"GET",    W "/collections/*/offsets/commit",     h_commit},
    {"POST",   W "/collections/*/offsets/commit",     h_commit},
    {"POST",   W "/collections/*/docs",               h_docs_add},
    {"PATCH",  W "/collections/*/docs",               h_docs_patch},
    {"DELETE", W "/collections/*/docs",               h_docs_delete},
    {"POST",   O "/queries/validations",              h_query_validate},
    {"POST",   O "/queries",                          h_query},
    {"GET",    O "/queries",                          h_query_list},
    {"GET",    O "/users/self",                       h_user_self},
    {"GET",    O "/virtualinstances",                 h_vi_list},
    {"GET",    O "/virtualinstances/*",               h_vi_get},
    {"POST",   O "/virtualinstances/*",               h_vi_update},
    {"POST",   O "/virtualinstances/*/queries",       h_query},
    {"GET",    O "/virtualinstances/*/queries",       h_query_list},
    {"GET",    O "/queries/*",                        h_query_get},
    {"DELETE", O "/queries/*",                        h_query_cancel},
    {"GET",    O "/queries/*/pages",                  h_query_pages},
    {"GET",    O "/views",                            h_view_list},
    {"POST",   W "/views",                            h_view_create},
    {"GET",    W "/views",                            h_view_list},
    {"GET",    W "/views/*",                          h_view_get},
    {"POST",   W "/views/*",                          h_view_update},
    {"DELETE", W "/views/*",                          h_view_delete},
    {"GET",    O "/aliases",                          h_alias_list},
    {"POST",   W "/aliases",                          h_alias_create},
    {"GET",    W "/aliases",                          h_alias_list},
    {"GET",    W "/aliases/*",                        h_alias_get},
    {"POST",   W "/aliases/*",                        h_alias_update},
    {"DELETE", W "/aliases/*",                        h_alias_delete},
    {"GET",    O "/lambdas",                          h_ql_list},
    {"POST",   W "/lambdas",                          h_ql_create},
    {"GET",    W "/lambdas",                          h_ql_list},
    {"DELETE", W "/lambdas/*",                        h_ql_delete},
    {"POST",   W "/lambdas/*/versions",               h_ql_version_create},
    {"GET",    W "/lambdas/*/versions",               h_ql_version_list},
    {"GET",    W "/lambdas/*/versions/*",             h_ql_version_get},
    {"POST",   W "/lambdas/*/versions/*",             h_ql_version_execute},
    {"DELETE", W "/lambdas/*/version/*",              h_ql_version_delete},
    {"GET",    W "/lambdas/*/tags",                   h_ql_tag_list},
    {"POST",   W "/lambdas/*/tags",                   h_ql_tag_create},
    {"GET",    W "/lambdas/*/tags/*",                 h_ql_tag_get},
    {"DELETE", W "/lambdas/*/tags/*",                 h_ql_tag_delete},
    {"POST",   W "/lambdas/*/tags/*",                 h_ql_tag_execute},
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

void rl_route_dispatch(rl_req *rq) {
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
                return;
            }
            rq->n_args = i + 1;
        }
        routes[r].handler(rq);
        return;
    }
    if (path_known)
        rl_reply_error(rq, 405, "METHODNOTALLOWED", NULL, "method %s is not allowed on %s",
                       rq->method, rq->path);
    else
        rl_reply_error(rq, 404, "NOTFOUND", NULL, "no such endpoint: %s %s", rq->method, rq->path);
}
