/*
 * http.c - see http.h.
 *
 * How it works: one CURL easy handle per rs_http, reused for every request and driven through
 * a private multi handle (which keeps the connection alive between requests). Per request the
 * method, URL and body are set afresh; the fixed headers (Authorization, Content-Type, Accept, an
 * empty Expect to skip 100-continue round trips) are built once at open. The response body is
 * collected by a write callback into an rs_buf; a header callback picks up Retry-After; the
 * progress callback polls should_stop so a long request can be abandoned promptly. Error bodies
 * (Rockset's ErrorModel) are read with jsonscan, not cJSON, whose parse-error pointer is a
 * process-wide global.
 */
#include "http.h"
#include "jsonscan.h"
#include "version.h"

#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 10000L
#define DEFAULT_TIMEOUT_MS         150000L
#define DEFAULT_MAX_ATTEMPTS       5
#define DEFAULT_BACKOFF_INITIAL_MS 100L
#define DEFAULT_BACKOFF_MAX_MS     3000L
#define DEFAULT_RETRY_AFTER_MAX_MS 5000L
#define SLEEP_SLICE_MS             10L
#define POLL_SLICE_MS              20

struct rs_http {
    CURL *curl;
    CURLM *multi; /* drives curl so should_stop is checked every POLL_SLICE_MS; owns the
                     connection cache, so keep-alive survives between requests */
    struct curl_slist *headers; /* holds the key: never logged, freed at close */
    char *base_url;
    char *api_key;
    char *ca_bundle;
    rs_http_options opts; /* strings point at the copies above */
    rs_http_stats stats;
    unsigned int seed; /* jitter state */
    /* per-transfer state for the callbacks */
    rs_buf *sink;
    int sink_oom;
    long retry_after_s;
    char errbuf[CURL_ERROR_SIZE]; /* libcurl's detail, read only for TLS failures */
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc = CURLE_FAILED_INIT;

static void global_init(void) {
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void rs_http_options_init(rs_http_options *opts) {
    memset(opts, 0, sizeof(*opts));
}

void rs_http_response_init(rs_http_response *resp) {
    memset(resp, 0, sizeof(*resp));
    resp->retry_after_s = -1;
}

void rs_http_response_free(rs_http_response *resp) {
    if (resp == NULL)
        return;
    rs_buf_free(&resp->body);
    rs_http_response_init(resp);
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userdata) {
    rs_http *http = userdata;
    size_t n = size * nmemb;

    if (rs_buf_append(http->sink, data, n) != RS_OK) {
        http->sink_oom = 1;
        return 0; /* anything but n aborts the transfer with CURLE_WRITE_ERROR */
    }
    return n;
}

/* Room for a body of the Content-Length announced, up to this much: a page of rows then lands
 * in one allocation instead of being copied by every doubling of the buffer (a full scan's
 * pages are hundreds of KB each); a larger or false announcement only grows the buffer as
 * the bytes arrive, as without one. */
#define RESERVE_MAX_BYTES (64L * 1024 * 1024)

static void reserve_for(rs_http *http, const char *value, size_t len) {
    long bytes = 0;
    size_t i = 0;

    while (i < len && (value[i] == ' ' || value[i] == '\t'))
        i++;
    for (; i < len && value[i] >= '0' && value[i] <= '9' && bytes <= RESERVE_MAX_BYTES; i++)
        bytes = bytes * 10 + (value[i] - '0');
    if (http->sink != NULL && bytes > 0 && bytes <= RESERVE_MAX_BYTES)
        rs_buf_reserve(http->sink, (size_t)bytes); /* a failure shows when the bytes arrive */
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userdata) {
    rs_http *http = userdata;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    static const char length[] = "content-length:";

    if (n > sizeof(name) - 1 && strncasecmp(data, name, sizeof(name) - 1) == 0)
        http->retry_after_s =
            rs_http_parse_retry_after(data + sizeof(name) - 1, n - (sizeof(name) - 1));
    else if (n > sizeof(length) - 1 && strncasecmp(data, length, sizeof(length) - 1) == 0)
        reserve_for(http, data + sizeof(length) - 1, n - (sizeof(length) - 1));
    return n;
}

static int on_progress(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    return rs_http_stopping(userdata) ? 1 : 0;
}

/* The CA file: the profile's ca_bundle, else $ROCKSET_CA_BUNDLE, $SSL_CERT_FILE or
 * $CURL_CA_BUNDLE (which libcurl itself does not read), else NULL for the system's store. */
static const char *ca_bundle_or_env(const char *profile_value) {
    static const char *const vars[] = {"ROCKSET_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE"};
    size_t i;
    if (profile_value != NULL)
        return profile_value;
    for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
        const char *v = getenv(vars[i]);
        if (v != NULL && v[0] != '\0')
            return v;
    }
    return NULL;
}

static char *dup_or_null(const char *s) {
    return s ? strdup(s) : NULL;
}

/* Options that stay the same for every request on this handle. */
static int setup_handle(rs_http *http) {
    CURL *c = http->curl;
    int bad = 0;

    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, RS_USER_AGENT) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, http->headers) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, http) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, http) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_XFERINFODATA, http) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TCP_KEEPALIVE, 1L) != CURLE_OK;
    /* Verification is never switched off: these are libcurl's defaults, set to be explicit. */
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L) != CURLE_OK;
#if LIBCURL_VERSION_NUM >= 0x075500
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
#endif
    if (http->ca_bundle != NULL)
        bad |= curl_easy_setopt(c, CURLOPT_CAINFO, http->ca_bundle) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, http->errbuf) != CURLE_OK;
    return bad ? -1 : 0;
}

static int build_headers(rs_http *http) {
    rs_buf auth = RS_BUF_INIT;
    struct curl_slist *list = NULL, *next;
    const char *fixed[] = {"Content-Type: application/json", "Accept: application/json", "Expect:"};
    size_t i;
    int rc = -1;

    if (rs_buf_printf(&auth, "Authorization: ApiKey %s", http->api_key) != RS_OK)
        goto done;
    list = curl_slist_append(NULL, rs_buf_cstr(&auth));
    for (i = 0; list && i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        next = curl_slist_append(list, fixed[i]);
        if (next == NULL) {
            curl_slist_free_all(list);
            list = NULL;
        }
        list = next;
    }
    if (list == NULL)
        goto done;
    http->headers = list;
    rc = 0;
done:
    /* wipe the key's copy before releasing the buffer */
    if (auth.data != NULL)
        memset(auth.data, 0, auth.cap);
    rs_buf_free(&auth);
    return rc;
}

static int valid_base_url(const char *url) {
    return url && (strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0) &&
           strlen(url) > 8;
}

int rs_http_open(const rs_http_options *opts, rs_http **out, rs_err *err) {
    rs_http *http = NULL;
    size_t n;
    int rc;

    if (opts == NULL || !valid_base_url(opts->base_url))
        return rs_err_set(err, RS_EINVAL,
                          "rockset: the server URL must start with http:// or https://");
    if (opts->api_key == NULL || opts->api_key[0] == '\0')
        return rs_err_set(err, RS_EINVAL, "rockset: no API key given");
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK)
        return rs_err_set(err, RS_EINTERNAL, "rockset: libcurl failed to initialise (%s)",
                          curl_easy_strerror(global_rc));
    http = calloc(1, sizeof(*http));
    if (http == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    http->opts = *opts;
    http->base_url = strdup(opts->base_url);
    http->api_key = strdup(opts->api_key);
    http->ca_bundle = dup_or_null(ca_bundle_or_env(opts->ca_bundle));
    if (http->base_url == NULL || http->api_key == NULL ||
        (ca_bundle_or_env(opts->ca_bundle) != NULL && http->ca_bundle == NULL)) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto fail;
    }
    n = strlen(http->base_url);
    while (n > 8 && http->base_url[n - 1] == '/')
        http->base_url[--n] = '\0';
    http->opts.base_url = http->base_url;
    http->opts.api_key = http->api_key;
    http->opts.ca_bundle = http->ca_bundle;
    http->seed = (unsigned int)time(NULL) ^ (unsigned int)(size_t)http;
    if (build_headers(http) < 0) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto fail;
    }
    http->curl = curl_easy_init();
    http->multi = curl_multi_init();
    if (http->curl == NULL || http->multi == NULL || setup_handle(http) < 0) {
        rc = rs_err_set(err, RS_EINTERNAL, "rockset: cannot set up a libcurl handle");
        goto fail;
    }
    *out = http;
    return RS_OK;
fail:
    rs_http_close(http);
    return rc;
}

int rs_http_clone(const rs_http *http, rs_http **out, rs_err *err) {
    return rs_http_open(&http->opts, out, err);
}

void rs_http_close(rs_http *http) {
    if (http == NULL)
        return;
    if (http->curl != NULL)
        curl_easy_cleanup(http->curl);
    if (http->multi != NULL)
        curl_multi_cleanup(http->multi);
    curl_slist_free_all(http->headers);
    if (http->api_key != NULL)
        memset(http->api_key, 0, strlen(http->api_key));
    free(http->api_key);
    free(http->base_url);
    free(http->ca_bundle);
    free(http);
}

int rs_http_stopping(rs_http *http) {
    return http->opts.should_stop && http->opts.should_stop(http->opts.stop_ctx);
}

int rs_http_sleep_ms(rs_http *http, long ms, rs_err *err) {
    struct timespec slice;

    while (ms > 0) {
        long step = ms < SLEEP_SLICE_MS ? ms : SLEEP_SLICE_MS;
        if (rs_http_stopping(http))
            return rs_err_set(err, RS_EINTERRUPT, "rockset: interrupted");
        slice.tv_sec = 0;
        slice.tv_nsec = step * 1000000L;
        nanosleep(&slice, NULL);
        ms -= step;
    }
    if (rs_http_stopping(http))
        return rs_err_set(err, RS_EINTERRUPT, "rockset: interrupted");
    return RS_OK;
}

void rs_http_set_timeout_ms(rs_http *http, long timeout_ms) {
    http->opts.timeout_ms = timeout_ms > 0 ? timeout_ms : 0;
}

void rs_http_set_max_attempts(rs_http *http, int max_attempts) {
    http->opts.max_attempts = max_attempts > 0 ? max_attempts : 0;
}

void rs_http_set_stop(rs_http *http, rs_http_stop_fn should_stop, void *stop_ctx) {
    http->opts.should_stop = should_stop;
    http->opts.stop_ctx = stop_ctx;
}

const char *rs_http_base_url(const rs_http *http) {
    return http->base_url;
}

void rs_http_get_stats(const rs_http *http, rs_http_stats *out) {
    *out = http->stats;
}

void rs_http_reset_stats(rs_http *http) {
    memset(&http->stats, 0, sizeof(http->stats));
}

static long opt_or(long value, long fallback) {
    return value > 0 ? value : fallback;
}

/* Set method, URL and body for one request. */
static int prepare_request(rs_http *http, const char *method, const char *url, const char *body,
                           size_t body_len) {
    CURL *c = http->curl;
    int bad = 0;

    bad |= curl_easy_setopt(c, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPGET, 1L) != CURLE_OK; /* resets any earlier POST */
    bad |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOBODY, 0L) != CURLE_OK;
    if (body != NULL) {
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, body) != CURLE_OK;
    } else if (strcmp(method, "POST") == 0) {
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_POSTFIELDS, "") != CURLE_OK;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "POST") != 0)
        bad |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                            opt_or(http->opts.connect_timeout_ms, DEFAULT_CONNECT_TIMEOUT_MS)) !=
           CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                            opt_or(http->opts.timeout_ms, DEFAULT_TIMEOUT_MS)) != CURLE_OK;
    return bad ? -1 : 0;
}

static int is_connect_failure(CURLcode cc) {
    return cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST ||
           cc == CURLE_COULDNT_RESOLVE_PROXY;
}

/* Connection-level failures worth another try for an idempotent request. A timeout is not one:
 * the server may still be working, and the caller's time is already spent. */
static int is_retryable_curl(CURLcode cc) {
    return is_connect_failure(cc) || cc == CURLE_GOT_NOTHING || cc == CURLE_SEND_ERROR ||
           cc == CURLE_RECV_ERROR || cc == CURLE_PARTIAL_FILE;
}

/* curl_easy_strerror's fixed texts, not the error buffer's (which adds timings and addresses),
 * keep messages stable for tests and readable in SQL. */
static int curl_failure(rs_http *http, CURLcode cc, rs_err *err) {
    if (cc == CURLE_ABORTED_BY_CALLBACK)
        return rs_err_set(err, RS_EINTERRUPT, "rockset: interrupted");
    if (cc == CURLE_WRITE_ERROR && http->sink_oom)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (is_connect_failure(cc))
        return rs_err_set(err, RS_ENET, "rockset: cannot connect to %s (%s)", http->base_url,
                          curl_easy_strerror(cc));
    if (cc == CURLE_PEER_FAILED_VERIFICATION)
        return rs_err_set(err, RS_ENET,
                          "rockset: the TLS certificate of %s is not trusted or does not match "
                          "its host (%s): give the CA that signed it as the profile's ca_bundle "
                          "or $ROCKSET_CA_BUNDLE",
                          http->base_url, http->errbuf[0] ? http->errbuf : curl_easy_strerror(cc));
    if (cc == CURLE_SSL_CACERT_BADFILE)
        return rs_err_set(err, RS_ENET, "rockset: cannot use the CA bundle %s (%s)",
                          http->ca_bundle ? http->ca_bundle : "of the system",
                          http->errbuf[0] ? http->errbuf : curl_easy_strerror(cc));
    if (cc == CURLE_SSL_CONNECT_ERROR)
        return rs_err_set(err, RS_ENET, "rockset: TLS handshake with %s failed (%s)",
                          http->base_url, http->errbuf[0] ? http->errbuf : curl_easy_strerror(cc));
    if (cc == CURLE_OPERATION_TIMEDOUT)
        return rs_err_set(err, RS_ENET, "rockset: request to %s timed out after %ld ms",
                          http->base_url, opt_or(http->opts.timeout_ms, DEFAULT_TIMEOUT_MS));
    return rs_err_set(err, RS_ENET, "rockset: request to %s failed (%s)", http->base_url,
                      curl_easy_strerror(cc));
}

/* Run the prepared transfer on the multi handle, waking at least every POLL_SLICE_MS to ask
 * should_stop: the easy interface's progress callback alone can stay silent for a second. */
static CURLcode run_transfer(rs_http *http) {
    CURLcode cc = CURLE_OK;
    CURLMcode mc;
    CURLMsg *msg;
    int running = 1, queued;

    if (curl_multi_add_handle(http->multi, http->curl) != CURLM_OK)
        return CURLE_FAILED_INIT;
    for (;;) {
        mc = curl_multi_perform(http->multi, &running);
        if (mc != CURLM_OK) {
            cc = CURLE_FAILED_INIT;
            break;
        }
        if (!running)
            break;
        if (rs_http_stopping(http)) {
            cc = CURLE_ABORTED_BY_CALLBACK;
            break;
        }
        if (curl_multi_poll(http->multi, NULL, 0, POLL_SLICE_MS, NULL) != CURLM_OK) {
            cc = CURLE_FAILED_INIT;
            break;
        }
    }
    while ((msg = curl_multi_info_read(http->multi, &queued)) != NULL) {
        if (msg->msg == CURLMSG_DONE && msg->easy_handle == http->curl && cc == CURLE_OK)
            cc = msg->data.result;
    }
    curl_multi_remove_handle(http->multi, http->curl);
    return cc;
}

/* One attempt. Returns the CURLcode; status and body land in resp. */
static CURLcode perform_once(rs_http *http, const char *method, const char *url, const char *body,
                             size_t body_len, rs_http_response *resp) {
    CURLcode cc;
    long status = 0;

    rs_buf_reset(&resp->body);
    resp->status = 0;
    http->sink = &resp->body;
    http->sink_oom = 0;
    http->retry_after_s = -1;
    http->errbuf[0] = '\0';
    if (prepare_request(http, method, url, body, body_len) < 0)
        return CURLE_FAILED_INIT;
    http->stats.requests++;
    http->stats.bytes_sent += body ? body_len : 0;
    cc = run_transfer(http);
    http->stats.bytes_received += resp->body.len;
    http->sink = NULL;
    if (cc == CURLE_OK &&
        curl_easy_getinfo(http->curl, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK)
        resp->status = status;
    resp->retry_after_s = http->retry_after_s;
    return cc;
}

/* Replace any occurrence of the key in a message (defence in depth: a server could echo it). */
static void scrub_key(const rs_http *http, rs_err *err) {
    size_t klen = strlen(http->api_key);
    char *hit;

    if (err == NULL || klen == 0)
        return;
    while ((hit = strstr(err->msg, http->api_key)) != NULL) {
        static const char mask[] = "[redacted]";
        size_t tail = strlen(hit + klen);
        if (klen >= sizeof(mask) - 1) {
            memcpy(hit, mask, sizeof(mask) - 1);
            memmove(hit + sizeof(mask) - 1, hit + klen, tail + 1);
        } else {
            memset(hit, '*', klen);
        }
    }
}

static long retry_delay_ms(rs_http *http, int retry, long retry_after_s) {
    long cap = opt_or(http->opts.retry_after_max_ms, DEFAULT_RETRY_AFTER_MAX_MS);

    if (retry_after_s >= 0)
        return retry_after_s * 1000 < cap ? retry_after_s * 1000 : cap;
    return rs_http_backoff_ms(
        retry, opt_or(http->opts.backoff_initial_ms, DEFAULT_BACKOFF_INITIAL_MS),
        opt_or(http->opts.backoff_max_ms, DEFAULT_BACKOFF_MAX_MS), &http->seed);
}

int rs_http_request(rs_http *http, const char *method, const char *path, const char *body,
                    size_t body_len, int idempotent, rs_http_response *resp, rs_err *err) {
    rs_buf url = RS_BUF_INIT;
    int max_attempts = (int)opt_or(http->opts.max_attempts, DEFAULT_MAX_ATTEMPTS);
    int attempt, rc = RS_OK;
    CURLcode cc;

    if (rs_buf_printf(&url, "%s%s", http->base_url, path) != RS_OK)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (attempt = 1;; attempt++) {
        int retryable;
        if (rs_http_stopping(http)) {
            rc = rs_err_set(err, RS_EINTERRUPT, "rockset: interrupted");
            break;
        }
        cc = perform_once(http, method, rs_buf_cstr(&url), body, body_len, resp);
        if (cc == CURLE_OK && resp->status >= 200 && resp->status < 300) {
            rc = RS_OK;
            break;
        }
        retryable =
            cc == CURLE_OK ? rs_http_status_is_retryable(resp->status) : is_retryable_curl(cc);
        if (cc != CURLE_OK)
            rc = curl_failure(http, cc, err);
        else
            rc = rs_http_error_from_response(resp->status, resp->body.data, resp->body.len, method,
                                             path, http->base_url, err);
        /* A 429 is a refusal before any work (rate limiting), so even a write that must not
         * apply twice can be sent again; other failures may come after the server acted. */
        if (!retryable || attempt >= max_attempts ||
            (!idempotent && !(cc == CURLE_OK && resp->status == 429)))
            break;
        http->stats.retries++;
        rc = rs_http_sleep_ms(http, retry_delay_ms(http, attempt, resp->retry_after_s), err);
        if (rc != RS_OK)
            break;
    }
    rs_buf_free(&url);
    if (rc != RS_OK)
        scrub_key(http, err);
    return rc;
}

/* Read ErrorModel fields from a body that may not be JSON at all. */
static void read_error_model(const char *body, size_t len, char **message, char **type, int *line,
                             int *column) {
    rs_jsonscan_span root;
    long long v;
    int found;

    if (body == NULL || len == 0 || rs_jsonscan_validate(body, len, NULL) != RS_OK)
        return;
    root.ptr = body;
    root.len = len;
    if (rs_jsonscan_classify(root) != RS_JSON_OBJECT)
        return;
    rs_jsonscan_get_string(root, "message", message, NULL);
    rs_jsonscan_get_string(root, "type", type, NULL);
    if (rs_jsonscan_get_int64(root, "line", &v, &found, NULL) == RS_OK && found)
        *line = (int)v;
    if (rs_jsonscan_get_int64(root, "column", &v, &found, NULL) == RS_OK && found)
        *column = (int)v;
}

static int code_for_status(long status, const char *type) {
    if (status == 404)
        return RS_ENOTFOUND;
    if (status == 409 && type != NULL && strcmp(type, "ALREADYEXISTS") == 0)
        return RS_EEXISTS;
    return RS_EHTTP;
}

int rs_http_error_from_response(long status, const char *body, size_t body_len, const char *method,
                                const char *path, const char *base_url, rs_err *err) {
    char *message = NULL, *type = NULL;
    int line = 0, column = 0;
    int code;

    read_error_model(body, body_len, &message, &type, &line, &column);
    code = code_for_status(status, type);
    if (status == 401 && message && message[0] && strncmp(message, "Authentication failed", 21))
        rs_err_set(err, code,
                   "rockset: authentication failed: the API key was rejected by %s: %s (%s, "
                   "HTTP 401)",
                   base_url, message, type && type[0] ? type : "AUTHEXCEPTION");
    else if (status == 401)
        rs_err_set(err, code,
                   "rockset: authentication failed: the API key was rejected by %s (%s, HTTP 401)",
                   base_url, type && type[0] ? type : "AUTHEXCEPTION");
    else if (message && message[0] && type && type[0])
        rs_err_set(err, code, "rockset: %s (%s, HTTP %ld)", message, type, status);
    else if (message && message[0])
        rs_err_set(err, code, "rockset: %s (HTTP %ld)", message, status);
    else
        rs_err_set(err, code, "rockset: %s %s failed (HTTP %ld)", method, path, status);
    if (err != NULL) {
        err->http_status = (int)status;
        snprintf(err->type, sizeof(err->type), "%s",
                 type && type[0] ? type : (status == 401 ? "AUTHEXCEPTION" : ""));
        err->line = line;
        err->column = column;
    }
    free(message);
    free(type);
    return code;
}

long rs_http_backoff_ms(int retry, long initial_ms, long max_ms, unsigned int *seed) {
    long delay = initial_ms;
    int i;
    double jitter;

    for (i = 1; i < retry && delay < max_ms; i++)
        delay *= 2;
    if (delay > max_ms)
        delay = max_ms;
    /* Full-range jitter would sometimes retry at once; keep 75..100 % of the delay. */
    jitter = 0.75 + 0.25 * ((double)rand_r(seed) / (double)RAND_MAX);
    return (long)((double)delay * jitter);
}

long rs_http_parse_retry_after(const char *value, size_t len) {
    size_t i = 0;
    long seconds = 0;
    int digits = 0;

    while (i < len && (value[i] == ' ' || value[i] == '\t'))
        i++;
    for (; i < len && value[i] >= '0' && value[i] <= '9'; i++, digits++) {
        if (seconds > 86400)
            return 86400;
        seconds = seconds * 10 + (value[i] - '0');
    }
    while (i < len && (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' || value[i] == '\n'))
        i++;
    if (digits == 0 || i != len)
        return -1;
    return seconds;
}

int rs_http_status_is_retryable(long status) {
    return status == 429 || status == 502 || status == 503 || status == 504;
}

int rs_http_err_is_transient(const rs_err *err) {
    return err != NULL && (err->code == RS_ENET || (err->code == RS_EHTTP &&
                                                    rs_http_status_is_retryable(err->http_status)));
}
