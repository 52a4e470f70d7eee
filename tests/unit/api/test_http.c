/* test_http.c - unit tests for src/http.c: pure helpers, then requests against a scripted
 * server in this process on a loopback port (fake_server.h): headers, keep-alive, retries,
 * Retry-After, interrupts, timeouts, error texts and key redaction. */
#include "api/http.h"
#include "testlib.h"
#include "version.h"

#include "fake_server.h"

#define KEY "test_key_Zq9_secret"

static long long now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* rs_http_error_from_response on a C-string body. */
static int err_from(long status, const char *body, const char *method, const char *path,
                    const char *base, rs_err *err) {
    return rs_http_error_from_response(status, body, body ? strlen(body) : 0, method, path, base,
                                       err);
}

static void test_pure(void) {
    unsigned int seed = 7;
    long d;
    int i, ok = 1;
    rs_err err;

    for (i = 0; i < 200; i++) {
        d = rs_http_backoff_ms(1, 100, 3000, &seed);
        ok &= d >= 75 && d <= 100;
        d = rs_http_backoff_ms(3, 100, 3000, &seed);
        ok &= d >= 300 && d <= 400;
        d = rs_http_backoff_ms(10, 100, 3000, &seed);
        ok &= d >= 2250 && d <= 3000;
    }
    CHECK("backoff/ranges", ok);
    CHECK_INT("retry_after/plain", rs_http_parse_retry_after(" 3\r\n", 4), 3);
    CHECK_INT("retry_after/zero", rs_http_parse_retry_after("0", 1), 0);
    CHECK_INT("retry_after/date", rs_http_parse_retry_after(" Wed, 21 Oct 2015", 17), -1);
    CHECK_INT("retry_after/empty", rs_http_parse_retry_after(" \r\n", 3), -1);
    CHECK_INT("retry_after/huge", rs_http_parse_retry_after("99999999999999", 14), 86400);
    CHECK("retryable/429", rs_http_status_is_retryable(429));
    CHECK("retryable/502", rs_http_status_is_retryable(502));
    CHECK("retryable/503", rs_http_status_is_retryable(503));
    CHECK("retryable/504", rs_http_status_is_retryable(504));
    CHECK("retryable/500_no", !rs_http_status_is_retryable(500));
    CHECK("retryable/400_no", !rs_http_status_is_retryable(400));

    rs_err_clear(&err);
    CHECK_INT(
        "errbody/404",
        err_from(404, "{\"message\":\"Collection \\\"c\\\" does not exist\",\"type\":\"NOTFOUND\"}",
                 "GET", "/p", "http://h", &err),
        RS_ENOTFOUND);
    CHECK_STR("errbody/404_msg", err.msg,
              "rockset: Collection \"c\" does not exist (NOTFOUND, HTTP 404)");
    CHECK_STR("errbody/404_type", err.type, "NOTFOUND");
    CHECK_INT("errbody/404_status", err.http_status, 404);
    rs_err_clear(&err);
    CHECK_INT("errbody/409",
              err_from(409, "{\"message\":\"dup\",\"type\":\"ALREADYEXISTS\"}", "POST", "/p",
                       "http://h", &err),
              RS_EEXISTS);
    CHECK_STR("errbody/409_msg", err.msg, "rockset: dup (ALREADYEXISTS, HTTP 409)");
    rs_err_clear(&err);
    CHECK_INT("errbody/409_conflict",
              err_from(409, "{\"message\":\"busy\",\"type\":\"CONFLICT\"}", "POST", "/p",
                       "http://h", &err),
              RS_EHTTP);
    rs_err_clear(&err);
    CHECK_INT(
        "errbody/400_sql",
        err_from(400,
                 "{\"message\":\"Syntax error\",\"type\":\"QUERY_ERROR\",\"line\":2,\"column\":7}",
                 "POST", "/q", "http://h", &err),
        RS_EHTTP);
    CHECK_STR("errbody/400_msg", err.msg, "rockset: Syntax error (QUERY_ERROR, HTTP 400)");
    CHECK_INT("errbody/400_line", err.line, 2);
    CHECK_INT("errbody/400_column", err.column, 7);
    rs_err_clear(&err);
    err_from(500, "{\"message\":\"boom\"}", "GET", "/p", "http://h", &err);
    CHECK_STR("errbody/no_type", err.msg, "rockset: boom (HTTP 500)");
    CHECK_STR("errbody/no_type_type", err.type, "");
    rs_err_clear(&err);
    err_from(502, "<html>bad gateway</html>", "GET", "/v1/x", "http://h", &err);
    CHECK_STR("errbody/not_json", err.msg, "rockset: GET /v1/x failed (HTTP 502)");
    rs_err_clear(&err);
    err_from(503, NULL, "POST", "/v1/y", "http://h", &err);
    CHECK_STR("errbody/empty", err.msg, "rockset: POST /v1/y failed (HTTP 503)");
    rs_err_clear(&err);
    CHECK_INT("errbody/401",
              err_from(401, "{\"message\":\"bad key\"}", "GET", "/p", "http://127.0.0.1:9", &err),
              RS_EHTTP);
    /* the server's message says why (a suspended or expired key); its generic text is left out */
    CHECK_STR("errbody/401_msg", err.msg,
              "rockset: authentication failed: the API key was rejected by http://127.0.0.1:9: "
              "bad key (AUTHEXCEPTION, HTTP 401)");
    rs_err_clear(&err);
    err_from(401, "{\"message\":\"Authentication failed: provide a valid API key\"}", "GET", "/p",
             "http://127.0.0.1:9", &err);
    CHECK_STR("errbody/401_generic_msg", err.msg,
              "rockset: authentication failed: the API key was rejected by http://127.0.0.1:9 "
              "(AUTHEXCEPTION, HTTP 401)");
    CHECK_STR("errbody/401_type", err.type, "AUTHEXCEPTION");
}

static int open_client(const char *url, rs_http_options *opts, rs_http **http) {
    rs_err err;

    opts->base_url = url;
    opts->api_key = KEY;
    if (opts->backoff_initial_ms == 0)
        opts->backoff_initial_ms = 5;
    if (opts->backoff_max_ms == 0)
        opts->backoff_max_ms = 20;
    return rs_http_open(opts, http, &err);
}

static void test_open_errors(void) {
    rs_http_options opts;
    rs_http *http = NULL;
    rs_err err;

    rs_http_options_init(&opts);
    opts.base_url = "ftp://x";
    opts.api_key = KEY;
    rs_err_clear(&err);
    CHECK_INT("open/bad_url", rs_http_open(&opts, &http, &err), RS_EINVAL);
    CHECK_STR("open/bad_url_msg", err.msg,
              "rockset: the server URL must start with http:// or https://");
    opts.base_url = "http://127.0.0.1:1";
    opts.api_key = "";
    CHECK_INT("open/no_key", rs_http_open(&opts, &http, &err), RS_EINVAL);
    CHECK_STR("open/no_key_msg", err.msg, "rockset: no API key given");
    CHECK("open/out_untouched", http == NULL);
}

static void test_basic(fake_server *fs) {
    rs_http_options opts;
    rs_http *http = NULL, *clone = NULL;
    rs_http_response resp;
    rs_http_stats stats;
    rs_err err;
    char want_url[80];

    rs_http_options_init(&opts);
    snprintf(want_url, sizeof(want_url), "%s///", fake_url(fs));
    CHECK_INT("basic/open", open_client(want_url, &opts, &http), RS_OK);
    CHECK_STR("basic/base_url", rs_http_base_url(http), fake_url(fs));
    fake_reset(fs);
    fake_push(fs, 200, NULL, "{\"data\":{\"id\":\"org\"}}");
    fake_push(fs, 200, NULL, "{\"ok\":1}");
    fake_push(fs, 200, NULL, "{}");
    fake_push(fs, 200, NULL, "{}");
    rs_http_response_init(&resp);
    CHECK_INT("basic/get", rs_http_request(http, "GET", "/v1/orgs/self", NULL, 0, 1, &resp, &err),
              RS_OK);
    CHECK_INT("basic/status", resp.status, 200);
    CHECK_STR("basic/body", rs_buf_cstr(&resp.body), "{\"data\":{\"id\":\"org\"}}");
    CHECK_STR("basic/auth_header", fs->auth, "ApiKey " KEY);
    CHECK_STR("basic/user_agent", fs->agent, RS_USER_AGENT);
    CHECK_INT(
        "basic/post",
        rs_http_request(http, "POST", "/v1/orgs/self/ws", "{\"name\":\"w\"}", 12, 0, &resp, &err),
        RS_OK);
    CHECK_INT("basic/delete_body", rs_http_request(http, "DELETE", "/d", "[1]", 3, 1, &resp, &err),
              RS_OK);
    CHECK_INT("basic/patch_then_get",
              rs_http_request(http, "GET", "/again", NULL, 0, 1, &resp, &err), RS_OK);
    CHECK_STR("basic/log", fake_log(fs),
              "GET /v1/orgs/self \nPOST /v1/orgs/self/ws {\"name\":\"w\"}\nDELETE /d [1]\n"
              "GET /again \n");
    CHECK_INT("basic/keep_alive", fs->n_connections, 1);
    rs_http_get_stats(http, &stats);
    CHECK_INT("basic/requests", stats.requests, 4);
    CHECK_INT("basic/retries", stats.retries, 0);
    CHECK_INT("basic/bytes_sent", stats.bytes_sent, 15);
    CHECK_INT("basic/bytes_received", stats.bytes_received, 21 + 8 + 2 + 2);
    rs_http_reset_stats(http);
    rs_http_get_stats(http, &stats);
    CHECK_INT("basic/reset", stats.requests, 0);
    CHECK_INT("basic/clone", rs_http_clone(http, &clone, &err), RS_OK);
    fake_push(fs, 200, NULL, "{\"c\":1}");
    CHECK_INT("basic/clone_get", rs_http_request(clone, "GET", "/c", NULL, 0, 1, &resp, &err),
              RS_OK);
    CHECK_STR("basic/clone_auth", fs->auth, "ApiKey " KEY);
    rs_http_response_free(&resp);
    rs_http_close(clone);
    rs_http_close(http);
}

static void test_retries(fake_server *fs) {
    rs_http_options opts;
    rs_http *http = NULL;
    rs_http_response resp;
    rs_http_stats stats;
    rs_err err;
    long long t0;

    rs_http_options_init(&opts);
    opts.max_attempts = 3;
    opts.retry_after_max_ms = 300;
    open_client(fake_url(fs), &opts, &http);
    rs_http_response_init(&resp);

    fake_reset(fs);
    fake_push(fs, 503, NULL, "{\"message\":\"not ready\",\"type\":\"NOT_READY\"}");
    fake_push(fs, 200, NULL, "{\"fine\":true}");
    CHECK_INT("retry/503_then_ok", rs_http_request(http, "GET", "/r", NULL, 0, 1, &resp, &err),
              RS_OK);
    CHECK_STR("retry/503_then_ok_body", rs_buf_cstr(&resp.body), "{\"fine\":true}");
    rs_http_get_stats(http, &stats);
    CHECK_INT("retry/503_requests", stats.requests, 2);
    CHECK_INT("retry/503_retries", stats.retries, 1);

    fake_reset(fs);
    fake_push(fs, 503, NULL, "{\"message\":\"not ready\",\"type\":\"NOT_READY\"}");
    rs_err_clear(&err);
    CHECK_INT("retry/not_idempotent", rs_http_request(http, "POST", "/w", "{}", 2, 0, &resp, &err),
              RS_EHTTP);
    CHECK_STR("retry/not_idempotent_msg", err.msg, "rockset: not ready (NOT_READY, HTTP 503)");
    CHECK_INT("retry/not_idempotent_status", resp.status, 503);
    CHECK_STR("retry/not_idempotent_log", fake_log(fs), "POST /w {}\n");

    /* a 429 refused the write before doing it: sending it again cannot apply it twice */
    fake_reset(fs);
    fake_push(fs, 429, NULL, "{\"message\":\"slow down\",\"type\":\"RATELIMITEXCEEDED\"}");
    fake_push(fs, 200, NULL, "{\"written\":1}");
    rs_err_clear(&err);
    CHECK_INT("retry/write_after_429", rs_http_request(http, "POST", "/w", "{}", 2, 0, &resp, &err),
              RS_OK);
    CHECK_STR("retry/write_after_429_log", fake_log(fs), "POST /w {}\nPOST /w {}\n");

    fake_reset(fs);
    fake_push(fs, 502, NULL, "");
    fake_push(fs, 504, NULL, "");
    fake_push(fs, 429, NULL, "{\"message\":\"slow down\",\"type\":\"RATELIMITEXCEEDED\"}");
    fake_push(fs, 200, NULL, "{}");
    rs_err_clear(&err);
    CHECK_INT("retry/gives_up", rs_http_request(http, "GET", "/g", NULL, 0, 1, &resp, &err),
              RS_EHTTP);
    CHECK_STR("retry/gives_up_msg", err.msg, "rockset: slow down (RATELIMITEXCEEDED, HTTP 429)");
    CHECK_INT("retry/gives_up_http_status", err.http_status, 429);
    CHECK_STR("retry/gives_up_log", fake_log(fs), "GET /g \nGET /g \nGET /g \n");

    fake_reset(fs);
    fake_push(fs, 500, NULL, "{\"message\":\"internal\",\"type\":\"INTERNALERROR\"}");
    CHECK_INT("retry/500_not_retried", rs_http_request(http, "GET", "/i", NULL, 0, 1, &resp, &err),
              RS_EHTTP);
    CHECK_STR("retry/500_log", fake_log(fs), "GET /i \n");

    fake_reset(fs);
    fake_push(fs, 429, "Retry-After: 1\r\n", "{}");
    fake_push(fs, 200, NULL, "{}");
    t0 = now_ms();
    CHECK_INT("retry/retry_after", rs_http_request(http, "GET", "/ra", NULL, 0, 1, &resp, &err),
              RS_OK);
    /* 1 s asked, capped at retry_after_max_ms = 300 */
    CHECK("retry/retry_after_capped", now_ms() - t0 >= 280 && now_ms() - t0 < 900);

    fake_reset(fs);
    fake_push(fs, 0, NULL, "");
    fake_push(fs, 200, NULL, "{\"after\":\"drop\"}");
    CHECK_INT("retry/dropped_connection",
              rs_http_request(http, "GET", "/drop", NULL, 0, 1, &resp, &err), RS_OK);
    CHECK_STR("retry/dropped_connection_body", rs_buf_cstr(&resp.body), "{\"after\":\"drop\"}");
    rs_http_response_free(&resp);
    rs_http_close(http);
}

static void test_connect_failure(void) {
    rs_http_options opts;
    rs_http *http = NULL;
    rs_http_response resp;
    rs_http_stats stats;
    rs_err err;
    char url[64], want[160];
    int port = fake_closed_port();

    snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
    rs_http_options_init(&opts);
    opts.max_attempts = 2;
    open_client(url, &opts, &http);
    rs_http_response_init(&resp);
    rs_err_clear(&err);
    CHECK_INT("net/refused", rs_http_request(http, "GET", "/x", NULL, 0, 1, &resp, &err), RS_ENET);
    snprintf(want, sizeof(want), "rockset: cannot connect to %s (Couldn't connect to server)", url);
    CHECK_STR("net/refused_msg", err.msg, want);
    CHECK_INT("net/refused_status", resp.status, 0);
    rs_http_get_stats(http, &stats);
    CHECK_INT("net/refused_retried", stats.retries, 1);
    rs_http_response_free(&resp);
    rs_http_close(http);
}

static long long stop_at;

static int stop_after_deadline(void *ctx) {
    (void)ctx;
    return now_ms() >= stop_at;
}

static void test_interrupt_and_timeout(fake_server *fs) {
    rs_http_options opts;
    rs_http *http = NULL;
    rs_http_response resp;
    rs_err err;
    long long t0;
    char want[160];

    rs_http_options_init(&opts);
    opts.should_stop = stop_after_deadline;
    opts.retry_after_max_ms = 5000;
    open_client(fake_url(fs), &opts, &http);
    rs_http_response_init(&resp);

    fake_reset(fs);
    fake_push_delayed(fs, 200, NULL, "{}", 3000);
    stop_at = now_ms() + 150;
    t0 = now_ms();
    rs_err_clear(&err);
    CHECK_INT("interrupt/in_transfer",
              rs_http_request(http, "GET", "/slow", NULL, 0, 1, &resp, &err), RS_EINTERRUPT);
    CHECK_STR("interrupt/msg", err.msg, "rockset: interrupted");
    /* polled every 20 ms: well under the 3 s the server would take */
    CHECK("interrupt/prompt", now_ms() - t0 >= 150 && now_ms() - t0 < 500);

    fake_reset(fs);
    fake_push(fs, 503, "Retry-After: 5\r\n", "{}");
    fake_push(fs, 200, NULL, "{}");
    stop_at = now_ms() + 150;
    t0 = now_ms();
    CHECK_INT("interrupt/in_backoff",
              rs_http_request(http, "GET", "/busy", NULL, 0, 1, &resp, &err), RS_EINTERRUPT);
    CHECK("interrupt/backoff_prompt", now_ms() - t0 < 1000);

    stop_at = now_ms();
    CHECK_INT("interrupt/sleep", rs_http_sleep_ms(http, 5000, &err), RS_EINTERRUPT);
    CHECK_INT("interrupt/before_send",
              rs_http_request(http, "GET", "/never", NULL, 0, 1, &resp, &err), RS_EINTERRUPT);
    CHECK("interrupt/stopping", rs_http_stopping(http));

    rs_http_set_stop(http, NULL, NULL);
    CHECK("interrupt/cleared", !rs_http_stopping(http));
    CHECK_INT("sleep/ok", rs_http_sleep_ms(http, 20, &err), RS_OK);
    rs_http_set_timeout_ms(http, 200);
    fake_reset(fs);
    fake_push_delayed(fs, 200, NULL, "{}", 2000);
    rs_err_clear(&err);
    CHECK_INT("timeout/rc", rs_http_request(http, "GET", "/t", NULL, 0, 1, &resp, &err), RS_ENET);
    snprintf(want, sizeof(want), "rockset: request to %s timed out after 200 ms", fake_url(fs));
    CHECK_STR("timeout/msg", err.msg, want);
    rs_http_response_free(&resp);
    rs_http_close(http);
    /* let the fake server finish its delayed reply before the next test */
    fake_sleep_ms(50);
}

static void test_redaction(fake_server *fs) {
    rs_http_options opts;
    rs_http *http = NULL;
    rs_http_response resp;
    rs_err err;

    rs_http_options_init(&opts);
    open_client(fake_url(fs), &opts, &http);
    rs_http_response_init(&resp);
    fake_reset(fs);
    fake_push(fs, 400, NULL, "{\"message\":\"bad key " KEY " here\",\"type\":\"INVALIDINPUT\"}");
    rs_err_clear(&err);
    CHECK_INT("redact/rc", rs_http_request(http, "GET", "/k", NULL, 0, 1, &resp, &err), RS_EHTTP);
    CHECK_STR("redact/msg", err.msg, "rockset: bad key [redacted] here (INVALIDINPUT, HTTP 400)");
    fake_push(fs, 401, NULL, "{\"message\":\"no\",\"type\":\"AUTHEXCEPTION\"}");
    rs_http_request(http, "GET", "/k", NULL, 0, 1, &resp, &err);
    CHECK("redact/401_no_key", strstr(err.msg, KEY) == NULL && strstr(err.msg, "rejected") != NULL);
    rs_http_response_free(&resp);
    rs_http_close(http);
}

int main(void) {
    fake_server fs;

    test_pure();
    test_open_errors();
    if (fake_start(&fs) != 0) {
        printf("FAIL http/fake_server: cannot listen on loopback\n");
        return 1;
    }
    test_basic(&fs);
    test_retries(&fs);
    test_connect_failure();
    test_interrupt_and_timeout(&fs);
    test_redaction(&fs);
    fake_stop(&fs);
    TEST_DONE();
}
