/*
 * http.h - one keep-alive HTTP client for the Rockset REST API (libcurl).
 *
 * What it is for: sending one JSON request to <base_url><path> with the API key, retrying what is
 * safe to retry, and turning every failure into an rs_err whose text reads well in SQL. It knows
 * nothing of Rockset's resources (that is api.h) and never parses a success body.
 *
 * Retries: requests the caller marks idempotent are retried on HTTP 429, 502, 503, 504 and on
 * connection failures (could not resolve/connect, timeout, connection reset, empty reply); any
 * request, writes included, is retried on 429, which refuses a request before doing any of it.
 * Retries wait with exponential backoff plus jitter (backoff_initial_ms doubling up to
 * backoff_max_ms). A
 * Retry-After header (seconds) replaces the computed delay, capped at retry_after_max_ms.
 * max_attempts counts the first try. TLS peer and host verification are always on for https.
 *
 * Interrupts: should_stop(stop_ctx) is polled during transfers (at least every 20 ms) and during
 * backoff and rs_http_sleep_ms sleeps (10 ms slices); when it returns non-zero the call ends
 * with RS_EINTERRUPT "rockset: interrupted" (the connection of an abandoned transfer is closed).
 *
 * Error texts (stable; tests compare them exactly):
 *   connection failure  RS_ENET   "rockset: cannot connect to <base_url> (<curl's text>)"
 *   timeout             RS_ENET   "rockset: request to <base_url> timed out after <N> ms"
 *   other curl failure  RS_ENET   "rockset: request to <base_url> failed (<curl's text>)"
 *   401                 RS_EHTTP  "rockset: authentication failed: the API key was rejected by
 *                                  <base_url> (AUTHEXCEPTION, HTTP 401)"
 *   404                 RS_ENOTFOUND  generic form below (api.c rewords it per resource)
 *   409 ALREADYEXISTS   RS_EEXISTS    generic form below (api.c rewords it per resource)
 *   any other non-2xx   RS_EHTTP  "rockset: <ErrorModel.message> (<ErrorModel.type>, HTTP
 * <status>)" without a type: "rockset: <message> (HTTP <status>)"; when the body has no message:
 * "rockset: <METHOD> <path> failed (HTTP <status>)" err->http_status is set for every HTTP answer
 * (also for 404/409), err->type to ErrorModel.type, err->line/column to ErrorModel.line/column when
 * present (SQL errors). The API key never appears in any message; the Authorization header is never
 * logged.
 *
 * Thread-safety: an rs_http (and its CURL handle) must be used by one thread at a time. Make one
 * per thread with rs_http_clone. curl_global_init runs once per process (pthread_once) and is
 * never undone (libcurl counts its own init; a loadable extension cannot know when the host
 * is done with curl).
 * Ownership: rs_http_open copies every option string; the caller keeps its own.
 */
#ifndef RS_HTTP_H
#define RS_HTTP_H

#include "buf.h"
#include "err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rs_http rs_http;

/* Returns non-zero when the current request or wait should stop. Called from the thread that
 * runs the request; must be cheap and must not call back into this rs_http. */
typedef int (*rs_http_stop_fn)(void *ctx);

typedef struct rs_http_options {
    const char *base_url;        /* "https://api.rs2.usw2.rockset.com" or "http://127.0.0.1:3000";
                                    required; a trailing '/' is removed */
    const char *api_key;         /* required, non-empty; kept private */
    long connect_timeout_ms;     /* 0 = 10000 */
    long timeout_ms;             /* whole-request limit per attempt; 0 = 150000 (above Rockset's
                                    2-minute sync query limit, so its 408 arrives first) */
    int max_attempts;            /* tries for an idempotent request, first included; 0 = 5;
                                    1 = no retries */
    long backoff_initial_ms;     /* 0 = 100 */
    long backoff_max_ms;         /* 0 = 3000 */
    long retry_after_max_ms;     /* cap for a server's Retry-After; 0 = 5000 */
    const char *ca_bundle;       /* CA file for https; NULL = the system's */
    rs_http_stop_fn should_stop; /* may be NULL */
    void *stop_ctx;
} rs_http_options;

/* Zero everything: all defaults, no callback. base_url and api_key must still be set. */
void rs_http_options_init(rs_http_options *opts);

typedef struct rs_http_stats {
    uint64_t requests;       /* attempts sent, retries included */
    uint64_t retries;        /* attempts after the first, over all requests */
    uint64_t bytes_sent;     /* request body bytes */
    uint64_t bytes_received; /* response body bytes */
} rs_http_stats;

typedef struct rs_http_response {
    long status;        /* HTTP status of the last attempt; 0 when no answer arrived */
    rs_buf body;        /* body of the last attempt (also for non-2xx answers) */
    long retry_after_s; /* Retry-After of the last answer in seconds, -1 when absent */
} rs_http_response;

void rs_http_response_init(rs_http_response *resp);
/* Frees the body; the struct can be reused after rs_http_response_init. NULL-safe. */
void rs_http_response_free(rs_http_response *resp);

/* Create a client. RS_EINVAL for a missing base_url/api_key or a base_url that is not http(s)://,
 * RS_ENOMEM, RS_EINTERNAL if libcurl cannot initialise. *out is set only on success. */
int rs_http_open(const rs_http_options *opts, rs_http **out, rs_err *err);

/* A new client with the same options (and stop callback) but its own handle and zeroed
 * counters: for another thread. */
int rs_http_clone(const rs_http *http, rs_http **out, rs_err *err);

/* Close the connection and free everything. NULL-safe. */
void rs_http_close(rs_http *http);

/* Send METHOD base_url+path (path starts with '/', already percent-encoded) with an optional JSON
 * body (NULL = none; DELETE with a body is allowed). idempotent != 0 allows retries (see top).
 * On return resp holds the last answer, whatever the result; the caller frees it.
 * RS_OK for 2xx; otherwise the errors listed at the top of this file. */
int rs_http_request(rs_http *http, const char *method, const char *path, const char *body,
                    size_t body_len, int idempotent, rs_http_response *resp, rs_err *err);

/* Sleep ms milliseconds in small slices, checking should_stop: RS_OK or RS_EINTERRUPT. */
int rs_http_sleep_ms(rs_http *http, long ms, rs_err *err);

/* Whether should_stop currently asks to stop (0 when there is no callback). */
int rs_http_stopping(rs_http *http);

/* Runtime settings (rockset_config): values <= 0 restore the defaults listed above. */
void rs_http_set_timeout_ms(rs_http *http, long timeout_ms);
void rs_http_set_max_attempts(rs_http *http, int max_attempts);
void rs_http_set_stop(rs_http *http, rs_http_stop_fn should_stop, void *stop_ctx);

/* The base URL in use (no trailing '/'). Borrowed; valid until rs_http_close. */
const char *rs_http_base_url(const rs_http *http);

/* Counters since open or the last reset. */
void rs_http_get_stats(const rs_http *http, rs_http_stats *out);
void rs_http_reset_stats(rs_http *http);

/* --- pure helpers, exposed for api.c and unit tests --- */

/* Fill err from a non-2xx answer as described at the top (code, http_status, type, line,
 * column, message). Returns the code it set. body may be NULL/empty or not JSON. */
int rs_http_error_from_response(long status, const char *body, size_t body_len, const char *method,
                                const char *path, const char *base_url, rs_err *err);

/* Delay before retry number `retry` (1 = first retry): min(max_ms, initial_ms * 2^(retry-1))
 * scaled by a jitter factor in [0.75, 1.0] drawn from *seed (rand_r state). */
long rs_http_backoff_ms(int retry, long initial_ms, long max_ms, unsigned int *seed);

/* Retry-After header value (delta-seconds only; HTTP dates are ignored) -> seconds, or -1. */
long rs_http_parse_retry_after(const char *value, size_t len);

/* Whether an HTTP status is retried for idempotent requests (429, 502, 503, 504). */
int rs_http_status_is_retryable(long status);

/* Whether a failed call's error is one a repeat may cure: a connection failure or timeout
 * (RS_ENET) or a retryable status. Callers that know a whole operation can be redone safely
 * use it to redo it (materialize.c); others to say why they did not. */
int rs_http_err_is_transient(const rs_err *err);

#endif
