/*
 * api_int.h - helpers shared by api.c and api_query.c; not for use outside the api module.
 *
 * Paths are built in an rs_buf with every name percent-encoded; api_call sends a request and, on
 * failure, rewords the error for the resource it was about (see api.h for the texts).
 * Ownership and thread-safety as in api.h.
 */
#ifndef RS_API_INT_H
#define RS_API_INT_H

#include "api.h"
#include "buf.h"
#include "http.h"
#include "jsonscan.h"

struct rs_api {
    rs_http *http;
    char *vi_rrn; /* NULL = the org's default route */
};

/* What a request is about, for error messages ("collection 'ws.name' not found"). */
typedef struct api_target {
    const char *kind; /* "workspace", "collection", ...; NULL = no rewording */
    const char *ws;   /* may be NULL */
    const char *name; /* may be NULL */
} api_target;

/* Append name percent-encoded (RFC 3986 unreserved bytes kept). */
int api_escape(rs_buf *b, const char *name);

/* "/v1/orgs/self/ws/<ws>" then, when `section` is non-NULL, "/<section>/<name>" (name may be
 * NULL: just "/<section>"). */
int api_ws_path(rs_buf *b, const char *ws, const char *section, const char *name);

/* Send a request; on success resp->body holds a validated JSON text (RS_EPARSE otherwise). */
int api_call(rs_api *api, const char *method, const char *path, const char *body, size_t body_len,
             int idempotent, const api_target *target, rs_http_response *resp, rs_err *err);
/* The same without the validation: for a caller that walks the whole body anyway and reports
 * malformed text itself with api_check_body (a query's pages, megabytes each). */
int api_call_unchecked(rs_api *api, const char *method, const char *path, const char *body,
                       size_t body_len, int idempotent, const api_target *target,
                       rs_http_response *resp, rs_err *err);
/* RS_OK when resp's body is JSON, else api_bad_response with where the text goes wrong. */
int api_check_body(const rs_http_response *resp, const char *method, const char *path, rs_err *err);

/* RS_EPARSE "rockset: malformed response to <method> <path>: <detail>". */
int api_bad_response(rs_err *err, const char *method, const char *path, const char *detail);

/* The body as a span. */
rs_jsonscan_span api_body(const rs_http_response *resp);

/* Decoded copies of members; NULL when absent, null or of another kind. *oom set on ENOMEM. */
char *api_get_str(rs_jsonscan_span obj, const char *key, int *oom);
/* Integer member (float text truncated), or `absent` when missing, null or not a number. */
long long api_get_int(rs_jsonscan_span obj, const char *path, long long absent);
/* Raw text copy of a member, or a copy of `absent` (may be NULL) when missing or null. */
char *api_get_raw(rs_jsonscan_span obj, const char *key, const char *absent, int *oom);

/* Poll delays: 10 ms growing x1.5 up to 1000 ms. */
long api_next_delay(long delay_ms);
/* Milliseconds on a monotonic clock. */
long long api_now_ms(void);

#endif
