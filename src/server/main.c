/*
 * main.c - rockset-local: a Rockset-API-compatible HTTP server on SQLite (docs/rockset-local.md).
 *
 *   build/rockset-local --port 0 --port-file /tmp/port --api-key secret
 *   curl -H 'Authorization: ApiKey secret' http://127.0.0.1:$(cat /tmp/port)/v1/orgs/self
 *
 * Parses flags, opens the store, starts the HTTP daemon, writes the port file (atomically, once
 * the socket listens), then waits for SIGINT/SIGTERM and shuts everything down cleanly.
 */
#include "httpd.h"
#include "queries.h"
#include "server.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_KEYS 16

static const char usage[] =
    "usage: rockset-local [--host 127.0.0.1] [--port 3000 | 0] [--port-file FILE]\n"
    "                     [--data FILE | :memory:] [--api-key KEY]...\n"
    "                     [--provision-delay-ms N] [--view-sync-delay-ms N] [--ingest-delay-ms N]\n"
    "                     [--latency-ms N] [--fail-rate P] [--fail-status CODE] [--rate-limit N]\n"
    "                     [--fail-only 'METHOD /path-prefix'] [--query-timeout-ms N]\n"
    "                     [--max-body-bytes N] [--field-index on|off] [--help]\n"
    "API keys come from --api-key (repeatable), else from ROCKSET_LOCAL_API_KEY.\n";

static int parse_int(const char *flag, const char *text, int64_t min, int64_t *out) {
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || v < min) {
        fprintf(stderr, "rockset-local: %s wants an integer >= %lld, got '%s'\n", flag,
                (long long)min, text);
        return -1;
    }
    *out = v;
    return 0;
}

/* One flag with its value; returns 0, 1 for --help, -1 on error. */
static int parse_flag(rl_config *cfg, const char *flag, const char *val, const char **keys) {
    int64_t n = 0;
    int rc = 0;
    if (strcmp(flag, "--host") == 0)
        cfg->host = val;
    else if (strcmp(flag, "--port") == 0) {
        rc = parse_int(flag, val, 0, &n);
        if (n > 65535)
            rc = -1;
        cfg->port = (int)n;
    } else if (strcmp(flag, "--port-file") == 0)
        cfg->port_file = val;
    else if (strcmp(flag, "--data") == 0)
        cfg->data_path = val;
    else if (strcmp(flag, "--api-key") == 0) {
        if (cfg->n_api_keys >= MAX_KEYS)
            return -1;
        keys[cfg->n_api_keys++] = val;
    } else if (strcmp(flag, "--provision-delay-ms") == 0)
        rc = parse_int(flag, val, 0, &cfg->provision_delay_ms);
    else if (strcmp(flag, "--view-sync-delay-ms") == 0)
        rc = parse_int(flag, val, 0, &cfg->view_sync_delay_ms);
    else if (strcmp(flag, "--ingest-delay-ms") == 0)
        rc = parse_int(flag, val, 0, &cfg->ingest_delay_ms);
    else if (strcmp(flag, "--latency-ms") == 0)
        rc = parse_int(flag, val, 0, &cfg->latency_ms);
    else if (strcmp(flag, "--fail-rate") == 0) {
        char *end = NULL;
        cfg->fail_rate = strtod(val, &end);
        if (end == val || *end || cfg->fail_rate < 0 || cfg->fail_rate > 1)
            rc = -1;
    } else if (strcmp(flag, "--fail-status") == 0) {
        rc = parse_int(flag, val, 100, &n);
        cfg->fail_status = (int)n;
    } else if (strcmp(flag, "--fail-only") == 0) {
        cfg->fail_only = val;
    } else if (strcmp(flag, "--rate-limit") == 0) {
        rc = parse_int(flag, val, 0, &n);
        cfg->rate_limit = (int)n;
    } else if (strcmp(flag, "--query-timeout-ms") == 0)
        rc = parse_int(flag, val, 1, &cfg->query_timeout_ms);
    else if (strcmp(flag, "--max-body-bytes") == 0)
        rc = parse_int(flag, val, 1, &cfg->max_body_bytes);
    else if (strcmp(flag, "--field-index") == 0) {
        rc = strcmp(val, "on") == 0 || strcmp(val, "off") == 0 ? 0 : -1;
        cfg->no_field_index = strcmp(val, "off") == 0;
    } else
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "rockset-local: bad flag or value: %s\n", flag);
    return rc;
}

static int parse_args(int argc, char **argv, rl_config *cfg, const char **keys) {
    int i;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "rockset-local: %s needs a value\n%s", argv[i], usage);
            return -1;
        }
        if (parse_flag(cfg, argv[i], argv[i + 1], keys) != 0)
            return -1;
        i++;
    }
    if (cfg->n_api_keys == 0) {
        const char *env = getenv("ROCKSET_LOCAL_API_KEY");
        if (env == NULL || env[0] == '\0') {
            fprintf(stderr, "rockset-local: no API key: pass --api-key KEY or set "
                            "ROCKSET_LOCAL_API_KEY\n");
            return -1;
        }
        keys[cfg->n_api_keys++] = env;
    }
    cfg->api_keys = keys;
    return 0;
}

static int write_port_file(const char *path, int port) {
    char tmp[4200];
    FILE *f;
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    f = fopen(tmp, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "%d\n", port);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *keys[MAX_KEYS];
    rl_server srv;
    rl_httpd *httpd = NULL;
    rs_err err = {0};
    sigset_t sigs;
    int port = 0, sig = 0, rc = 1;

    memset(&srv, 0, sizeof(srv));
    srv.cfg.host = "127.0.0.1";
    srv.cfg.port = 3000;
    srv.cfg.fail_status = 503;
    srv.cfg.query_timeout_ms = 120000;
    srv.cfg.max_body_bytes = 10 * 1024 * 1024;
    rc = parse_args(argc, argv, &srv.cfg, keys);
    if (rc != 0)
        return rc > 0 ? 0 : 2;
    rc = 1;
    /* block the stop signals in every thread; main collects them with sigwait */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (rl_store_open(srv.cfg.data_path, &srv.store, &err) != RS_OK ||
        rl_queries_new(&srv, &srv.queries, &err) != RS_OK ||
        rl_httpd_start(&srv, &httpd, &port, &err) != RS_OK) {
        fprintf(stderr, "rockset-local: %s\n", err.msg);
        goto done;
    }
    if (srv.cfg.port_file != NULL && write_port_file(srv.cfg.port_file, port) != 0) {
        fprintf(stderr, "rockset-local: cannot write --port-file %s\n", srv.cfg.port_file);
        goto done;
    }
    fprintf(stderr, "rockset-local: listening on http://%s:%d (data: %s)\n", srv.cfg.host, port,
            srv.cfg.data_path ? srv.cfg.data_path : ":memory:");
    sigwait(&sigs, &sig);
    fprintf(stderr, "rockset-local: signal %d, shutting down\n", sig);
    rc = 0;
done:
    rl_queries_shutdown(srv.queries);
    rl_httpd_stop(httpd);
    rl_queries_free(srv.queries);
    rl_store_close(srv.store);
    return rc;
}
