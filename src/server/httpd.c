/* httpd.c - see httpd.h. Structure after libmicrohttpd's largepost.c: per-request state made on
 * the first callback, the body taken chunk by chunk, state freed in NOTIFY_COMPLETED. */
#include "httpd.h"
#include "hash.h"
#include "jsonscan.h"
#include "router.h"
#include "utf8.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define CLIENT_SLOTS 1024

/* Open connections of one client address (the per-client cap). */
typedef struct client_slot {
    char addr[INET6_ADDRSTRLEN];
    int open;
} client_slot;

struct rl_httpd {
    rl_server *srv;
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* guards the knob state and the client table below */
    int64_t *window;      /* ring of the last rate_limit request times (monotonic ms) */
    int window_pos;
    unsigned int rng;
    char *tls_cert, *tls_key; /* PEM texts handed to libmicrohttpd; the key wiped at stop */
    size_t tls_key_len;
    client_slot clients[CLIENT_SLOTS];
};

typedef struct conn_state {
    rl_req rq;
    rl_principal who;
    rs_buf body;
    char client[INET6_ADDRSTRLEN];
    int too_large;
    int replied; /* answered before the body was read: the rest of it is dropped */
    int64_t started_ms;
} conn_state;

static const char *lookup_arg(void *conn, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_GET_ARGUMENT_KIND, name);
}

static const char *lookup_header(void *conn, const char *name) {
    return MHD_lookup_connection_value((struct MHD_Connection *)conn, MHD_HEADER_KIND, name);
}

static void sleep_ms(int64_t ms) {
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    while (nanosleep(&ts, &ts) != 0) {
    }
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

/* Offset of the first \u0000 escape inside a JSON string of text, or -1. */
static long nul_escape_at(const char *text, size_t len) {
    size_t i;
    int in_string = 0;
    for (i = 0; i < len; i++) {
        if (text[i] == '"') {
            in_string = !in_string;
        } else if (in_string && text[i] == '\\' && i + 1 < len) {
            if (text[i + 1] == 'u' && i + 5 < len && strncmp(text + i + 2, "0000", 4) == 0)
                return (long)i;
            i++; /* skip the escaped character, an escaped quote included */
        }
    }
    return -1;
}

/* Everything between the route's authorization and its handler, once the body is read: knobs
 * and body checks. 1 = go on to the handler. */
/* A body its route reads itself (rl_route_raw_body) must still be one JSON value: a tree of a
 * write's documents cost the writer a tenth of its time (parse, free, and the allocator's
 * consolidation after it), for the handler only walks the text. Replies and returns 0 when not. */
static int raw_body_valid(rl_req *rq) {
    rs_err err = {0};
    if (rs_jsonscan_validate(rq->body, rq->body_len, &err) == RS_OK)
        return 1;
    const char *at = strstr(err.msg, "offset "); /* "invalid JSON at offset N: what" */
    rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "request body is not valid JSON (at byte %ld)",
                   at != NULL ? strtol(at + 7, NULL, 10) : 0L);
    return 0;
}

static int admit(rl_httpd *h, conn_state *cs) {
    rl_req *rq = &cs->rq;
    const char *p;
    long nul_at;

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
        /* cJSON ends a string at a NUL: a name would be cut there. Only documents, which are
         * stored from the raw text, may hold one. */
        nul_at = rl_route_allows_nul(rq) ? -1 : nul_escape_at(rq->body, rq->body_len);
        if (nul_at >= 0) {
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                           "request body holds \\u0000 (NUL) at byte %ld: NUL is allowed only "
                           "inside documents, never in names, keys, SQL or parameters",
                           nul_at);
            return 0;
        }
        if (rl_route_raw_body(rq))
            return raw_body_valid(rq);
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

static int addr_text(const struct sockaddr *sa, char *out, size_t cap);
static int h_is_tls(const struct conn_state *cs);

static enum MHD_Result send_reply(struct MHD_Connection *conn, conn_state *cs) {
    rl_req *rq = &cs->rq;
    struct MHD_Response *resp;
    enum MHD_Result ret;
    char retry[16];
    const char *const *hdr;

    if (rq->out.oom || rq->status == 0)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory building the response");
    if (rq->status != 200) { /* an error is the API's JSON, whatever the handler began */
        rq->content_type = NULL;
        rq->extra_headers = NULL;
    }
    resp = MHD_create_response_from_buffer(rq->out.len, rq->out.data ? rq->out.data : (void *)"",
                                           MHD_RESPMEM_MUST_COPY);
    if (resp == NULL)
        return MHD_NO;
    MHD_add_response_header(resp, "Content-Type",
                            rq->content_type ? rq->content_type : "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (h_is_tls(cs))
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=31536000");
    for (hdr = rq->extra_headers; hdr != NULL && hdr[0] != NULL; hdr += 2)
        MHD_add_response_header(resp, hdr[0], hdr[1]);
    if (rq->retry_after > 0) {
        snprintf(retry, sizeof(retry), "%d", rq->retry_after);
        MHD_add_response_header(resp, "Retry-After", retry);
    }
    if (cs->replied) /* the body was not read: the connection cannot carry another request */
        MHD_add_response_header(resp, "Connection", "close");
    ret = MHD_queue_response(conn, (unsigned int)rq->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static conn_state *new_state(rl_httpd *h, struct MHD_Connection *conn, const char *url,
                             const char *method) {
    conn_state *cs = calloc(1, sizeof(*cs));
    const union MHD_ConnectionInfo *ci;
    if (cs == NULL)
        return NULL;
    cs->rq.srv = h->srv;
    cs->rq.method = method;
    cs->rq.path = url;
    cs->rq.query_arg = lookup_arg;
    cs->rq.header = lookup_header;
    cs->rq.conn = conn;
    cs->rq.body = "";
    cs->rq.client = cs->client;
    cs->started_ms = rl_mono_ms();
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || !addr_text(ci->client_addr, cs->client, sizeof(cs->client)))
        snprintf(cs->client, sizeof(cs->client), "?");
    return cs;
}

/* Authenticate from the Authorization header (before any of the body is read). 1 = go on. */
static int authenticate(rl_httpd *h, conn_state *cs, struct MHD_Connection *conn) {
    rl_req *rq = &cs->rq;
    const char *header = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
    static const char *const why[] = {"",
                                      "no API key",
                                      "unknown API key",
                                      "suspended API key",
                                      "expired API key",
                                      "key store error"};
    char msg[300];
    int retry = 0, n;
    rl_login_result res;

    if (rl_auth_blocked(h->srv->auth, cs->client, &retry)) {
        rq->retry_after = retry;
        rl_reply_error(rq, 429, "RATELIMITEXCEEDED", NULL,
                       "too many failed authentications from %s: at most %d a minute; retry "
                       "in %d s",
                       cs->client, h->srv->cfg.auth_failure_limit, retry);
        return 0;
    }
    res = rl_auth_login(h->srv->auth, rl_req_db(rq), header, &cs->who, msg, sizeof(msg));
    rl_store_release(h->srv->store, rq->db); /* not held while the body arrives */
    rq->db = NULL;
    if (res == RL_LOGIN_OK) {
        rq->who = &cs->who;
        return 1;
    }
    if (res == RL_LOGIN_ERROR) {
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "%s", msg);
        return 0;
    }
    n = rl_auth_failed(h->srv->auth, cs->client);
    /* the key never reaches the log: only why it failed, and the key's name when it has one */
    fprintf(stderr,
            "rockset-local: authentication failed from %s for %s %s: %s%s%s (%d in this "
            "minute)\n",
            cs->client, rq->method, rq->path, why[res], cs->who.key_name[0] ? " " : "",
            cs->who.key_name, n);
    rl_reply_error(rq, 401, "AUTHEXCEPTION", NULL, "%s", msg);
    return 0;
}

/* The checks made on the first callback, when the headers are in and the body is not: the
 * per-client connection cap, NUL in the path, the key, the route and its privilege, the
 * announced body size. 1 = read the body; 0 = a reply is ready. */
static int on_headers(rl_httpd *h, conn_state *cs, struct MHD_Connection *conn) {
    rl_req *rq = &cs->rq;
    const union MHD_ConnectionInfo *ci;
    const char *length;
    int found;

    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    if (ci != NULL && ((intptr_t)ci->socket_context & 1)) {
        rl_reply_error(rq, 429, "RESOURCEEXCEEDED", NULL,
                       "too many open connections from %s: at most %d per client", cs->client,
                       h->srv->cfg.max_client_conns);
        return 0;
    }
    if (strstr(rq->path, "%00") != NULL) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "NUL (%%00) is not allowed in a path: names cannot hold it");
        return 0;
    }
    found = rl_route_find(rq); /* a 404/405 is answered only to a valid key */
    if (!(found && rl_route_public(rq)) && !authenticate(h, cs, conn))
        return 0;
    if (!found || !rl_route_authorize(rq))
        return 0;
    /* An authorized body over the limit is still read (and dropped), so that its client, which
     * may not read an answer before it has sent everything, gets the 413. */
    length = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (length != NULL &&
        strtoull(length, NULL, 10) > (unsigned long long)h->srv->cfg.max_body_bytes)
        cs->too_large = 1;
    return 1;
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
        if (on_headers(h, cs, conn))
            return MHD_YES;
        cs->replied = 1;
        return send_reply(conn, cs);
    }
    if (cs->replied) { /* answered already; drop what still arrives */
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        if (rl_mono_ms() - cs->started_ms > (int64_t)h->srv->cfg.request_timeout_s * 1000) {
            fprintf(stderr,
                    "rockset-local: %s %s from %s: body not received within %d s; connection "
                    "closed\n",
                    method, url, cs->client, h->srv->cfg.request_timeout_s);
            return MHD_NO;
        }
        if (cs->too_large || cs->body.len + *upload_data_size > (size_t)h->srv->cfg.max_body_bytes)
            cs->too_large = 1; /* keep reading (and dropping) so the 413 can be sent */
        else if (rs_buf_append(&cs->body, upload_data, *upload_data_size) != RS_OK)
            cs->too_large = 1;
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (h->srv->cfg.latency_ms > 0)
        sleep_ms(h->srv->cfg.latency_ms);
    if (admit(h, cs))
        rl_route_run(&cs->rq);
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

/* ---- the client table: open connections per address ---- */

static int addr_text(const struct sockaddr *sa, char *out, size_t cap) {
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET)
        return inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                         (socklen_t)cap) != NULL;
    if (sa->sa_family == AF_INET6)
        return inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                         (socklen_t)cap) != NULL;
    return 0;
}

/* The slot of addr (locked), claiming a free one; NULL when the table is full. */
static client_slot *client_for(rl_httpd *h, const char *addr) {
    unsigned int hash = rs_fnv1a32(addr, strlen(addr)), i;
    client_slot *free_slot = NULL;
    for (i = 0; i < CLIENT_SLOTS; i++) {
        client_slot *s = &h->clients[(hash + i) % CLIENT_SLOTS];
        if (s->open > 0 && strcmp(s->addr, addr) == 0)
            return s;
        if (s->open == 0 && free_slot == NULL)
            free_slot = s;
    }
    if (free_slot != NULL)
        snprintf(free_slot->addr, sizeof(free_slot->addr), "%s", addr);
    return free_slot;
}

/* MHD_OPTION_NOTIFY_CONNECTION: count connections per address. The socket context holds the
 * slot index + 1, shifted left, and bit 0 set when the connection is over the per-client cap
 * (its requests are answered 429, and it is closed). */
static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe) {
    rl_httpd *h = cls;
    const union MHD_ConnectionInfo *ci;
    char addr[INET6_ADDRSTRLEN];
    client_slot *slot;
    intptr_t ctx;

    if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
        ctx = (intptr_t)*socket_context;
        if (ctx >= 2) {
            pthread_mutex_lock(&h->lock);
            h->clients[(ctx >> 1) - 1].open--;
            pthread_mutex_unlock(&h->lock);
        }
        *socket_context = NULL;
        return;
    }
    ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci == NULL || !addr_text(ci->client_addr, addr, sizeof(addr)))
        return;
    pthread_mutex_lock(&h->lock);
    slot = client_for(h, addr);
    if (slot != NULL) {
        slot->open++;
        ctx = ((intptr_t)(slot - h->clients) + 1) << 1;
        if (h->srv->cfg.max_client_conns > 0 && slot->open > h->srv->cfg.max_client_conns)
            ctx |= 1;
        *socket_context = (void *)ctx;
    }
    pthread_mutex_unlock(&h->lock);
}

/* MHD_OPTION_UNESCAPE_CALLBACK: %XX decoding, except that %00 stays as it is, so that a NUL can
 * never cut a path or an argument (on_headers refuses a path that holds it). */
static size_t unescape(void *cls, struct MHD_Connection *conn, char *s) {
    char *r = s, *w = s;
    (void)cls;
    (void)conn;
    while (*r) {
        unsigned int v;
        if (r[0] == '%' && isxdigit((unsigned char)r[1]) && isxdigit((unsigned char)r[2]) &&
            sscanf(r + 1, "%2x", &v) == 1 && v != 0) {
            *w++ = (char)v;
            r += 3;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
    return (size_t)(w - s);
}

/* ---- TLS ---- */

static char *read_pem(const char *path, size_t *len, rs_err *err) {
    FILE *f = fopen(path, "rb");
    rs_buf b = RS_BUF_INIT;
    char chunk[4096];
    size_t n;
    if (f == NULL) {
        rs_err_set(err, RS_EIO, "cannot read %s: %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && b.len < 1024 * 1024)
        rs_buf_append(&b, chunk, n);
    fclose(f);
    if (b.oom || b.len == 0 || strstr(rs_buf_cstr(&b), "-----BEGIN ") == NULL) {
        rs_err_set(err, RS_EINVAL, "%s is not a PEM file", path);
        OPENSSL_cleanse(b.data, b.cap);
        rs_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return rs_buf_detach(&b);
}

static int load_tls(rl_httpd *h, rs_err *err) {
    size_t n = 0;
    if (!MHD_is_feature_supported(MHD_FEATURE_TLS))
        return rs_err_set(err, RS_EUNSUPPORTED,
                          "--tls-cert: this libmicrohttpd was built without TLS (GnuTLS)");
    h->tls_cert = read_pem(h->srv->cfg.tls_cert, &n, err);
    if (h->tls_cert != NULL)
        h->tls_key = read_pem(h->srv->cfg.tls_key, &h->tls_key_len, err);
    return h->tls_cert != NULL && h->tls_key != NULL ? RS_OK : (err ? err->code : RS_EINVAL);
}

static int h_is_tls(const struct conn_state *cs) {
    return cs->rq.srv->cfg.tls_cert != NULL;
}

/* ---- start and stop ---- */

int rl_httpd_start(rl_server *srv, rl_httpd **out, int *bound_port, rs_err *err) {
    rl_httpd *h = calloc(1, sizeof(*h));
    struct sockaddr_in addr;
    const char *host = srv->cfg.host;
    const union MHD_DaemonInfo *info;
    struct MHD_OptionItem tls[4];
    unsigned int flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ITC;

    if (h == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    h->srv = srv;
    h->rng = (unsigned int)rl_now_ms();
    pthread_mutex_init(&h->lock, NULL);
    memset(tls, 0, sizeof(tls));
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
    if (srv->cfg.tls_cert == NULL && !srv->cfg.insecure_http &&
        (ntohl(addr.sin_addr.s_addr) >> 24) != 127) {
        rl_httpd_stop(h);
        return rs_err_set(err, RS_EINVAL,
                          "--host %s is not a loopback address: serve HTTPS with --tls-cert and "
                          "--tls-key, or ask for plain HTTP with --insecure-http",
                          srv->cfg.host);
    }
    if (srv->cfg.tls_cert != NULL) {
        if (load_tls(h, err) != RS_OK) {
            rl_httpd_stop(h);
            return err ? err->code : RS_EINVAL;
        }
        flags |= MHD_USE_TLS;
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, h->tls_cert};
        tls[1] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, h->tls_key};
        tls[2] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0,
                                         (void *)"NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"};
        tls[3] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    } else {
        tls[0] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    }
    h->daemon = MHD_start_daemon(
        flags, (uint16_t)srv->cfg.port, NULL, NULL, on_request, h, MHD_OPTION_SOCK_ADDR, &addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, h, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        h, MHD_OPTION_UNESCAPE_CALLBACK, unescape, h, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)srv->cfg.idle_timeout_s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned int)srv->cfg.max_connections, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (h->daemon == NULL) {
        rl_httpd_stop(h);
        return rs_err_set(err, RS_EIO, "cannot listen on %s:%d%s", srv->cfg.host, srv->cfg.port,
                          srv->cfg.tls_cert ? " (or the TLS certificate and key do not load or "
                                              "do not match)"
                                            : "");
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
    free(h->tls_cert);
    if (h->tls_key != NULL)
        OPENSSL_cleanse(h->tls_key, h->tls_key_len);
    free(h->tls_key);
    free(h);
}
