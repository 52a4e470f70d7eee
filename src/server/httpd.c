/* httpd.c - see httpd.h. Structure after libmicrohttpd's largepost.c: per-request state made on
 * the first callback, the body taken chunk by chunk, state freed in NOTIFY_COMPLETED. */
#include "httpd.h"
#include "router.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

struct rl_httpd {
    rl_server *srv;
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* guards the knob state below */
    int64_t *window;      /* ring of the last rate_limit request times (monotonic ms) */
    int window_pos;
    unsigned int rng;
};

typedef struct conn_state {
    rl_req rq;
    rs_buf body;
    int too_large;
    int64_t started_ms;
} conn_state;

static const char *lookup_arg(void *conn, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_GET_ARGUMENT_KIND, name);
}

static void sleep_ms(int64_t ms) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* 1 when the Authorization header carries a configured key ("ApiKey" matched in any case). */
static int authorized(rl_httpd *h, struct MHD_Connection *conn) {
    const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    const char *key;
    int i;

    if (auth == NULL || strncasecmp(auth, "apikey", 6) != 0 || (auth[6] != ' ' && auth[6] != '\t'))
        return 0;
    key = auth + 6;
    while (*key == ' ' || *key == '\t')
        key++;
    for (i = 0; i < h->srv->cfg.n_api_keys; i++)
        if (strcmp(key, h->srv->cfg.api_keys[i]) == 0)
            return 1;
    return 0;
}

/* Sliding one-second window: 1 when this request is over the limit. */
static int rate_limited(rl_httpd *h) {
    int limit = h->srv->cfg.rate_limit, over = 0;
    int64_t now = rl_mono_ms();
    if (limit <= 0)
        return 0;
    pthread_mutex_lock(&h->lock);
    /* window[pos] is the oldest of the last `limit` admitted requests */
    if (h->window[h->window_pos] != 0 && now - h->window[h->window_pos] < 1000) {
        over = 1;
    } else {
        h->window[h->window_pos] = now;
        h->window_pos = (h->window_pos + 1) % limit;
    }
    pthread_mutex_unlock(&h->lock);
    return over;
}

/* Whether this request draws an injected failure: --fail-rate, limited by --fail-only to the
 * requests whose "METHOD /path" starts with its text (so a test can aim at one kind of call). */
static int injected_failure(rl_httpd *h, const rl_req *rq) {
    const char *only = h->srv->cfg.fail_only;
    double p = h->srv->cfg.fail_rate, draw;
    size_t method_len;

    if (p <= 0)
        return 0;
    if (only != NULL) {
        method_len = strlen(rq->method);
        if (strncmp(only, rq->method, method_len) != 0 || only[method_len] != ' ' ||
            strncmp(only + method_len + 1, rq->path, strlen(only + method_len + 1)) != 0)
            return 0;
    }
    pthread_mutex_lock(&h->lock);
    draw = (double)rand_r(&h->rng) / ((double)RAND_MAX + 1.0);
    pthread_mutex_unlock(&h->lock);
    return draw < p;
}

/* Everything before the handler: auth, knobs, body checks. 1 = go on to the router. */
static int admit(rl_httpd *h, conn_state *cs, struct MHD_Connection *conn) {
    rl_req *rq = &cs->rq;
    const char *p;

    if (!(strcmp(rq->method, "GET") == 0 && strcmp(rq->path, "/") == 0) && !authorized(h, conn)) {
        rl_reply_error(rq, 401, "AUTHEXCEPTION", NULL,
                       "Authentication failed: provide a valid API key in the Authorization "
                       "header as 'ApiKey <key>'");
        return 0;
    }
    if (rate_limited(h)) {
        rq->retry_after = 1;
        rl_reply_error(rq, 429, "RATELIMITEXCEEDED", NULL,
                       "Rate limit exceeded: more than %d requests per second",
                       h->srv->cfg.rate_limit);
        return 0;
    }
    if (injected_failure(h, rq)) {
        int status = h->srv->cfg.fail_status;
        const char *type = status == 503   ? "SERVICEUNAVAILABLE"
                           : status == 429 ? "RATELIMITEXCEEDED"
                           : status < 500  ? "BADREQUEST"
                                           : "INTERNALERROR";
        if (status == 429 || status == 503)
            rq->retry_after = 1;
        rl_reply_error(rq, status, type, NULL, "injected failure (--fail-rate)");
        return 0;
    }
    if (cs->too_large) {
        rl_reply_error(rq, 413, "CONTENTTOOLARGE", NULL,
                       "request body exceeds the limit of %lld bytes",
                       (long long)h->srv->cfg.max_body_bytes);
        return 0;
    }
    rq->body = rs_buf_cstr(&cs->body);
    rq->body_len = cs->body.len;
    for (p = rq->body; *p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'; p++) {
    }
    if (*p != '\0') {
        const char *end = NULL;
        size_t bad_at = 0;
        /* cJSON passes any byte through inside strings; Rockset answers invalid UTF-8 with 400,
         * and storing it would make later responses invalid JSON. */
        if (!rs_utf8_valid(rq->body, rq->body_len, &bad_at)) {
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                           "request body is not valid UTF-8 (at byte %zu)", bad_at);
            return 0;
        }
        rq->json = cJSON_ParseWithLengthOpts(rq->body, rq->body_len, &end, 0);
        if (rq->json == NULL) {
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                           "request body is not valid JSON (at byte %ld)",
                           end ? (long)(end - rq->body) : 0L);
            return 0;
        }
    }
    return 1;
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, conn_state *cs) {
    rl_req *rq = &cs->rq;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char retry[16];

    if (rq->out.oom || rq->status == 0)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory building the response");
    resp = MHD_create_response_from_buffer(rq->out.len, rq->out.data ? rq->out.data : (void *)"",
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (rq->retry_after > 0) {
        snprintf(retry, sizeof(retry), "%d", rq->retry_after);
        MHD_add_response_header(resp, "Retry-After", retry);
    }
    ret = MHD_queue_response(conn, (unsigned int)rq->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static conn_state *new_state(rl_httpd *h, struct MHD_Connection *conn, const char *url,
                             const char *method) {
    conn_state *cs = calloc(1, sizeof(*cs));
    if (cs == NULL)
        return NULL;
    cs->rq.srv = h->srv;
    cs->rq.method = method;
    cs->rq.path = url;
    cs->rq.query_arg = lookup_arg;
    cs->rq.conn = conn;
    cs->rq.body = "";
    cs->started_ms = rl_mono_ms();
    return cs;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls) {
    rl_httpd *h = cls;
    conn_state *cs = *con_cls;
    (void)version;

    if (cs == NULL) {
        cs = new_state(h, conn, url, method);
        if (cs == NULL)
            return MHD_NO;
        *con_cls = cs;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (cs->body.len + *upload_data_size > (size_t)h->srv->cfg.max_body_bytes)
            cs->too_large = 1; /* keep reading (and dropping) so the 413 can be sent */
        else if (rs_buf_append(&cs->body, upload_data, *upload_data_size) != RS_OK)
            cs->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (h->srv->cfg.latency_ms > 0)
        sleep_ms(h->srv->cfg.latency_ms);
    if (admit(h, cs, conn))
        rl_route_dispatch(&cs->rq);
    if (cs->rq.db != NULL) {
        rl_store_release(h->srv->store, cs->rq.db);
        cs->rq.db = NULL;
    }
    return send_reply(conn, cs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    conn_state *cs = *con_cls;
    int i;
    (void)cls;
    (void)conn;
    (void)toe;
    if (cs == NULL)
        return;
    fprintf(stderr, "rockset-local: %s %s %d %lldms\n", cs->rq.method, cs->rq.path, cs->rq.status,
            (long long)(rl_mono_ms() - cs->started_ms));
    for (i = 0; i < cs->rq.n_args; i++)
        free(cs->rq.args[i]);
    cJSON_Delete(cs->rq.json);
    rs_buf_free(&cs->rq.out);
    rs_buf_free(&cs->body);
    free(cs);
    *con_cls = NULL;
}

int rl_httpd_start(rl_server *srv, rl_httpd **out, int *bound_port, rs_err *err) {
    rl_httpd *h = calloc(1, sizeof(*h));
    struct sockaddr_in addr;
    const char *host = srv->cfg.host;
    const union MHD_DaemonInfo *info;

    if (h == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    h->srv = srv;
    h->rng = (unsigned int)rl_now_ms();
    pthread_mutex_init(&h->lock, NULL);
    if (srv->cfg.rate_limit > 0) {
        h->window = calloc((size_t)srv->cfg.rate_limit, sizeof(int64_t));
        if (h->window == NULL) {
            rl_httpd_stop(h);
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        }
    }
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons((uint16_t)srv->cfg.port);
    if (strcmp(host, "localhost") == 0)
        host = "127.0.0.1";
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        rl_httpd_stop(h);
        return rs_err_set(err, RS_EINVAL, "--host %s is not an IPv4 address", srv->cfg.host);
    }
    h->daemon =
        MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC,
                         (uint16_t)srv->cfg.port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR,
                         &addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)300, MHD_OPTION_END);
    if (h->daemon == NULL) {
        rl_httpd_stop(h);
        return rs_err_set(err, RS_EIO, "cannot listen on %s:%d", srv->cfg.host, srv->cfg.port);
    }
    info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    *bound_port = info ? info->port : srv->cfg.port;
    *out = h;
    return RS_OK;
}

void rl_httpd_stop(rl_httpd *h) {
    if (h == NULL)
        return;
    if (h->daemon != NULL)
        MHD_stop_daemon(h->daemon);
    pthread_mutex_destroy(&h->lock);
    free(h->window);
    free(h);
}
