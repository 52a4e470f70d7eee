/*
 * fake_server.h - a scripted HTTP/1.1 server on a loopback port, for unit tests of http.c and
 * api.c (no real network: it listens on 127.0.0.1 in a thread of the test itself).
 *
 *   fake_server fs;
 *   fake_start(&fs);
 *   fake_push(&fs, 200, NULL, "{\"data\":{}}");      // replies are served in order
 *   ... point rs_http at fake_url(&fs) ...
 *   CHECK_STR("..", fake_log(&fs), "GET /v1/orgs/self \n");   // "METHOD PATH BODY\n" per request
 *   fake_stop(&fs);
 *
 * A reply with status 0 closes the connection without answering; delay_ms holds the answer back
 * (in 10 ms slices, so fake_stop stays prompt). When the script runs out, the server answers
 * 599 "no scripted reply". Each connection gets its own thread (keep-alive honoured).
 * Header-only with static functions: each test program includes it once.
 */
#ifndef RS_FAKE_SERVER_H
#define RS_FAKE_SERVER_H

#include "buf.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define FAKE_MAX_REPLIES 64
#define FAKE_MAX_CONNS   64

typedef struct fake_reply {
    int status;
    const char *headers; /* extra header lines, each ending "\r\n"; may be NULL */
    const char *body;
    int delay_ms;
} fake_reply;

typedef struct fake_server {
    int listen_fd;
    int port;
    pthread_t thread;
    pthread_mutex_t mu;
    fake_reply replies[FAKE_MAX_REPLIES];
    int n_replies;
    int next;
    int stop;
    int n_connections;
    pthread_t conn_threads[FAKE_MAX_CONNS];
    int n_threads;
    rs_buf log;      /* "METHOD PATH BODY\n" per request */
    char auth[256];  /* Authorization header of the last request */
    char agent[128]; /* User-Agent of the last request */
    char url[64];
} fake_server;

static void fake_sleep_ms(long ms) {
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void fake_push_delayed(fake_server *fs, int status, const char *headers, const char *body,
                              int delay_ms) {
    pthread_mutex_lock(&fs->mu);
    if (fs->n_replies < FAKE_MAX_REPLIES) {
        fake_reply *r = &fs->replies[fs->n_replies++];
        r->status = status;
        r->headers = headers;
        r->body = body;
        r->delay_ms = delay_ms;
    }
    pthread_mutex_unlock(&fs->mu);
}

static void fake_push(fake_server *fs, int status, const char *headers, const char *body) {
    fake_push_delayed(fs, status, headers, body, 0);
}

/* Forget the script and the log. */
static void fake_reset(fake_server *fs) {
    pthread_mutex_lock(&fs->mu);
    fs->n_replies = 0;
    fs->next = 0;
    rs_buf_reset(&fs->log);
    fs->auth[0] = '\0';
    pthread_mutex_unlock(&fs->mu);
}

/* Copy of the log (static buffer, valid until the next call). */
static const char *fake_log(fake_server *fs) {
    static char copy[65536];

    pthread_mutex_lock(&fs->mu);
    snprintf(copy, sizeof(copy), "%s", rs_buf_cstr(&fs->log));
    pthread_mutex_unlock(&fs->mu);
    return copy;
}

static const char *fake_url(fake_server *fs) {
    return fs->url;
}

/* Wait until fd is readable; 0 on stop/timeout slices exhausted never: loops while not stopped. */
static int fake_wait_readable(fake_server *fs, int fd) {
    struct pollfd p = {fd, POLLIN, 0};

    for (;;) {
        int stop, r;
        pthread_mutex_lock(&fs->mu);
        stop = fs->stop;
        pthread_mutex_unlock(&fs->mu);
        if (stop)
            return 0;
        r = poll(&p, 1, 20);
        if (r > 0)
            return 1;
        if (r < 0)
            return 0;
    }
}

/* Copy header `name` ("Authorization:") from the header block into out. */
static void fake_header(const char *headers, const char *name, char *out, size_t n) {
    const char *p = headers;
    size_t len = strlen(name);

    out[0] = '\0';
    while ((p = strstr(p, "\r\n")) != NULL) {
        p += 2;
        if (strncasecmp(p, name, len) == 0) {
            const char *v = p + len, *e;
            while (*v == ' ')
                v++;
            e = strstr(v, "\r\n");
            snprintf(out, n, "%.*s", (int)(e ? e - v : (long)strlen(v)), v);
            return;
        }
    }
}

/* Serve one request on fd. Returns 0 to keep the connection, -1 to close it. */
static int fake_serve_one(fake_server *fs, int fd, rs_buf *in) {
    char *end, method[16], path[2048], len_text[32], head[512];
    size_t header_len, body_len;
    fake_reply reply = {599, NULL, "{\"message\":\"no scripted reply\"}", 0};
    rs_buf out = RS_BUF_INIT;
    long waited;

    while ((end = strstr(rs_buf_cstr(in), "\r\n\r\n")) == NULL) {
        char chunk[4096];
        ssize_t n;
        if (!fake_wait_readable(fs, fd))
            return -1;
        n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0)
            return -1;
        rs_buf_append(in, chunk, (size_t)n);
    }
    header_len = (size_t)(end - in->data) + 4;
    fake_header(in->data, "Content-Length:", len_text, sizeof(len_text));
    body_len = (size_t)atol(len_text);
    while (in->len < header_len + body_len) {
        char chunk[4096];
        ssize_t n;
        if (!fake_wait_readable(fs, fd))
            return -1;
        n = recv(fd, chunk, sizeof(chunk), 0);
        if (n <= 0)
            return -1;
        rs_buf_append(in, chunk, (size_t)n);
    }
    if (sscanf(in->data, "%15s %2047s", method, path) != 2)
        return -1;
    pthread_mutex_lock(&fs->mu);
    rs_buf_printf(&fs->log, "%s %s %.*s\n", method, path, (int)body_len, in->data + header_len);
    fake_header(in->data, "Authorization:", fs->auth, sizeof(fs->auth));
    fake_header(in->data, "User-Agent:", fs->agent, sizeof(fs->agent));
    if (fs->next < fs->n_replies)
        reply = fs->replies[fs->next++];
    pthread_mutex_unlock(&fs->mu);
    /* drop the request just served from the input buffer */
    memmove(in->data, in->data + header_len + body_len, in->len - header_len - body_len);
    in->len -= header_len + body_len;
    in->data[in->len] = '\0';
    for (waited = 0; waited < reply.delay_ms; waited += 10) {
        int stop;
        pthread_mutex_lock(&fs->mu);
        stop = fs->stop;
        pthread_mutex_unlock(&fs->mu);
        if (stop)
            return -1;
        fake_sleep_ms(10);
    }
    if (reply.status == 0)
        return -1;
    snprintf(head, sizeof(head),
             "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n",
             reply.status, strlen(reply.body));
    rs_buf_puts(&out, head);
    if (reply.headers)
        rs_buf_puts(&out, reply.headers);
    rs_buf_puts(&out, "\r\n");
    rs_buf_puts(&out, reply.body);
    send(fd, out.data, out.len, MSG_NOSIGNAL);
    rs_buf_free(&out);
    return 0;
}

typedef struct fake_conn {
    fake_server *fs;
    int fd;
} fake_conn;

static void *fake_conn_main(void *arg) {
    fake_conn *c = arg;
    rs_buf in = RS_BUF_INIT;

    rs_buf_reserve(&in, 4096);
    while (fake_serve_one(c->fs, c->fd, &in) == 0)
        ;
    rs_buf_free(&in);
    close(c->fd);
    free(c);
    return NULL;
}

/* Accept loop: one thread per connection, so a kept-alive connection never blocks another
 * client (rs_http_clone opens a second one). */
static void *fake_main(void *arg) {
    fake_server *fs = arg;

    while (fake_wait_readable(fs, fs->listen_fd)) {
        fake_conn *c;
        int fd = accept(fs->listen_fd, NULL, NULL);
        if (fd < 0)
            continue;
        c = malloc(sizeof(*c));
        c->fs = fs;
        c->fd = fd;
        pthread_mutex_lock(&fs->mu);
        if (fs->n_threads < FAKE_MAX_CONNS &&
            pthread_create(&fs->conn_threads[fs->n_threads], NULL, fake_conn_main, c) == 0) {
            fs->n_threads++;
            fs->n_connections++;
        } else {
            close(fd);
            free(c);
        }
        pthread_mutex_unlock(&fs->mu);
    }
    return NULL;
}

static int fake_start(fake_server *fs) {
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int one = 1;

    memset(fs, 0, sizeof(*fs));
    pthread_mutex_init(&fs->mu, NULL);
    fs->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fs->listen_fd < 0)
        return -1;
    setsockopt(fs->listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fs->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(fs->listen_fd, 8) < 0 ||
        getsockname(fs->listen_fd, (struct sockaddr *)&addr, &len) < 0)
        return -1;
    fs->port = ntohs(addr.sin_port);
    snprintf(fs->url, sizeof(fs->url), "http://127.0.0.1:%d", fs->port);
    return pthread_create(&fs->thread, NULL, fake_main, fs) == 0 ? 0 : -1;
}

static void fake_stop(fake_server *fs) {
    pthread_mutex_lock(&fs->mu);
    fs->stop = 1;
    pthread_mutex_unlock(&fs->mu);
    pthread_join(fs->thread, NULL);
    for (int i = 0; i < fs->n_threads; i++)
        pthread_join(fs->conn_threads[i], NULL);
    close(fs->listen_fd);
    rs_buf_free(&fs->log);
    pthread_mutex_destroy(&fs->mu);
}

/* A loopback port with nothing listening (bound, then closed). */
/* The request lines of the log ("METHOD PATH"), bodies cut, one per line. */
__attribute__((unused)) static const char *fake_request_lines(fake_server *fs) {
    static char out[4096];
    const char *log = fake_log(fs), *line, *end, *sp;
    size_t used = 0;

    out[0] = '\0';
    for (line = log; *line; line = end + 1) {
        end = strchr(line, '\n');
        if (end == NULL)
            break;
        sp = memchr(line, ' ', (size_t)(end - line));
        sp = sp ? memchr(sp + 1, ' ', (size_t)(end - sp - 1)) : NULL;
        if (sp == NULL)
            sp = end;
        used += (size_t)snprintf(out + used, sizeof(out) - used, "%.*s\n", (int)(sp - line), line);
        if (used >= sizeof(out))
            break;
    }
    return out;
}

__attribute__((unused)) static int fake_closed_port(void) {
    struct sockaddr_in addr;
    socklen_t len = sizeof(addr);
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = 0;

    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0 &&
        getsockname(fd, (struct sockaddr *)&addr, &len) == 0)
        port = ntohs(addr.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

#endif
