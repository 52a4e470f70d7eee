/*
 * main.c - rockset-local: a Rockset-API-compatible HTTP server on SQLite (docs/rockset-local.md).
 *
 *   build/rockset-local --port 0 --port-file /tmp/port --api-key secret
 *   curl -H 'Authorization: ApiKey secret' http://127.0.0.1:$(cat /tmp/port)/v1/orgs/self
 *
 * Parses flags, opens the store, starts the HTTP daemon, writes the port file (atomically, once
 * the socket listens), then waits for SIGINT/SIGTERM and shuts everything down cleanly.
 */
#include "compuse.h"
#include "enginepick.h"
#include "estcache.h"
#include "httpd.h"
#include "queries.h"
#include "query_exec.h"
#include "server.h"
#include "server/colidx/replica.h"
#include "server/colidx/watchdog.h"
#include "xlcache.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_KEYS 16

static const char usage[] =
    "usage: rockset-local [--host 127.0.0.1] [--port 3000 | 0] [--port-file FILE]\n"
    "                     [--data FILE | :memory:] [--api-key-file FILE] [--api-key KEY]...\n"
    "                     [--tls-cert FILE --tls-key FILE] [--insecure-http]\n"
    "                     [--auth-failure-limit N] [--max-connections N]\n"
    "                     [--max-connections-per-client N] [--idle-timeout-s N]\n"
    "                     [--request-timeout-s N] [--max-result-bytes N]\n"
    "                     [--provision-delay-ms N] [--view-sync-delay-ms N] [--ingest-delay-ms N]\n"
    "                     [--latency-ms N] [--fail-rate P] [--fail-status CODE] [--rate-limit N]\n"
    "                     [--fail-only 'METHOD /path-prefix'] [--query-timeout-ms N]\n"
    "                     [--max-concurrent-queries N]\n"
    "                     [--max-body-bytes N] [--field-index on|off] [--no-console]\n"
    "                     [--column-index auto|on|off] [--duckdb-lib FILE]\n"
    "                     [--column-memory-limit SIZE] [--column-threads N]\n"
    "                     [--column-min-docs N] [--column-scan aggregates|all]\n"
    "                     [--column-run-delay-ms N]\n"
    "                     [--engine-choice measured|rule] [--help]\n"
    "The bootstrap admin key comes from --api-key-file (one key a line, mode 0600), else from\n"
    "ROCKSET_LOCAL_API_KEY; --api-key also works, but `ps` shows a command line to every local\n"
    "user. Plain HTTP is served only on a loopback address unless --insecure-http is given.\n";

/* Query slots by default: one per core, at least 2 (a long query must not hold up every other). */
static int64_t default_query_slots(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 2 ? cores : 2;
}

/* DuckDB's threads: one less than the cores, at least one. With a thread per core, a statement's
 * calling thread spins while DuckDB's workers run its tasks (and while one commits the replica's
 * batch to disk): on 2 cores, with one thread 8 clients answered 3.5 % more queries on 5 % less
 * CPU, a write cost 7 % less server CPU, and the dashboard's column questions took the same time
 * alone (docs/column-index.md, "Threads"). */
static int default_column_threads(void) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    return cores > 2 ? (int)(cores > 257 ? 256 : cores - 1) : 1;
}

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
static int parse_flag(rl_config *cfg, const char *flag, const char *val) {
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
    else if (strcmp(flag, "--provision-delay-ms") == 0)
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
    else if (strcmp(flag, "--max-concurrent-queries") == 0)
        rc = parse_int(flag, val, 0, &cfg->max_concurrent_queries);
    else if (strcmp(flag, "--max-body-bytes") == 0)
        rc = parse_int(flag, val, 1, &cfg->max_body_bytes);
    else if (strcmp(flag, "--api-key-file") == 0)
        cfg->api_key_file = val;
    else if (strcmp(flag, "--tls-cert") == 0)
        cfg->tls_cert = val;
    else if (strcmp(flag, "--tls-key") == 0)
        cfg->tls_key = val;
    else if (strcmp(flag, "--auth-failure-limit") == 0) {
        rc = parse_int(flag, val, 0, &n);
        cfg->auth_failure_limit = (int)(n > 1000000 ? 1000000 : n);
    } else if (strcmp(flag, "--max-connections") == 0) {
        rc = parse_int(flag, val, 1, &n);
        cfg->max_connections = (int)(n > 100000 ? 100000 : n);
    } else if (strcmp(flag, "--max-connections-per-client") == 0) {
        rc = parse_int(flag, val, 0, &n);
        cfg->max_client_conns = (int)(n > 100000 ? 100000 : n);
    } else if (strcmp(flag, "--idle-timeout-s") == 0) {
        rc = parse_int(flag, val, 1, &n);
        cfg->idle_timeout_s = (int)(n > 86400 ? 86400 : n);
    } else if (strcmp(flag, "--request-timeout-s") == 0) {
        rc = parse_int(flag, val, 1, &n);
        cfg->request_timeout_s = (int)(n > 86400 ? 86400 : n);
    } else if (strcmp(flag, "--max-result-bytes") == 0)
        rc = parse_int(flag, val, 1024, &cfg->max_result_bytes);
    else if (strcmp(flag, "--field-index") == 0) {
        rc = strcmp(val, "on") == 0 || strcmp(val, "off") == 0 ? 0 : -1;
        cfg->no_field_index = strcmp(val, "off") == 0;
    } else if (strcmp(flag, "--column-index") == 0) {
        cfg->column_index = strcmp(val, "off") == 0    ? RL_COLIDX_OFF
                            : strcmp(val, "auto") == 0 ? RL_COLIDX_AUTO
                            : strcmp(val, "on") == 0   ? RL_COLIDX_ON
                                                       : -1;
        rc = cfg->column_index < 0 ? -1 : 0;
    } else if (strcmp(flag, "--duckdb-lib") == 0)
        cfg->duckdb_lib = val;
    else if (strcmp(flag, "--column-memory-limit") == 0)
        cfg->column_memory_limit = val;
    else if (strcmp(flag, "--column-min-docs") == 0)
        rc = parse_int(flag, val, 0, &cfg->column_min_docs);
    else if (strcmp(flag, "--column-run-delay-ms") == 0)
        rc = parse_int(flag, val, 0, &cfg->column_run_delay_ms);
    else if (strcmp(flag, "--column-scan") == 0) {
        rc = strcmp(val, "all") == 0 || strcmp(val, "aggregates") == 0 ? 0 : -1;
        cfg->column_scan_all = strcmp(val, "all") == 0;
    } else if (strcmp(flag, "--engine-choice") == 0) {
        rc = strcmp(val, "measured") == 0 || strcmp(val, "rule") == 0 ? 0 : -1;
        cfg->engine_measured = strcmp(val, "measured") == 0;
    } else if (strcmp(flag, "--column-threads") == 0) {
        rc = parse_int(flag, val, 0, &n);
        cfg->column_threads = (int)(n > 256 ? 256 : n);
    } else
        rc = -1;
    if (rc != 0)
        fprintf(stderr, "rockset-local: bad flag or value: %s\n", flag);
    return rc;
}

/* The keys of --api-key-file: one a line, blank lines and '#' comments skipped. The file must
 * be the caller's and no one else's to read or write. Keys are strdup'd into keys[]. */
static int read_key_file(const char *path, rl_config *cfg, const char **keys) {
    struct stat sb;
    char line[1024];
    FILE *f = fopen(path, "r");
    int rc = 0;

    if (f == NULL) {
        fprintf(stderr, "rockset-local: cannot read --api-key-file %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    if (fstat(fileno(f), &sb) != 0 || (sb.st_mode & 077) != 0 || sb.st_uid != geteuid()) {
        fprintf(stderr,
                "rockset-local: --api-key-file %s must belong to this user and be readable by it "
                "alone (mode %04o): chmod 600 %s\n",
                path, (unsigned)(sb.st_mode & 07777), path);
        fclose(f);
        return -1;
    }
    while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
        size_t n = strcspn(line, "\r\n");
        line[n] = '\0';
        while (n > 0 && (line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        if (cfg->n_api_keys >= MAX_KEYS || (keys[cfg->n_api_keys] = strdup(line)) == NULL)
            rc = -1;
        else
            cfg->n_api_keys++;
    }
    explicit_bzero(line, sizeof(line));
    fclose(f);
    if (rc == 0 && cfg->n_api_keys == 0) {
        fprintf(stderr, "rockset-local: --api-key-file %s holds no key\n", path);
        rc = -1;
    }
    return rc;
}

/* Where the bootstrap keys come from, in this order: --api-key (warned about), --api-key-file,
 * else ROCKSET_LOCAL_API_KEY. Every key is copied; the originals are wiped by hide_keys. */
static int gather_keys(rl_config *cfg, const char **keys, const char **flag_keys, int n_flag) {
    const char *env = getenv("ROCKSET_LOCAL_API_KEY");
    int i;
    if (n_flag > 0 && getenv("ROCKSET_LOCAL_NO_ARGV_KEY_WARNING") == NULL)
        fprintf(stderr, "rockset-local: warning: --api-key puts the key on the command line, "
                        "where `ps` shows it to every local user until it is wiped at start; "
                        "use --api-key-file FILE or ROCKSET_LOCAL_API_KEY\n");
    for (i = 0; i < n_flag; i++) {
        if ((keys[cfg->n_api_keys] = strdup(flag_keys[i])) == NULL)
            return -1;
        cfg->n_api_keys++;
    }
    if (cfg->api_key_file != NULL && read_key_file(cfg->api_key_file, cfg, keys) != 0)
        return -1;
    if (cfg->n_api_keys == 0 && env != NULL && env[0] != '\0') {
        if ((keys[cfg->n_api_keys] = strdup(env)) == NULL)
            return -1;
        cfg->n_api_keys++;
    }
    if (cfg->n_api_keys == 0) {
        fprintf(stderr, "rockset-local: no API key: set ROCKSET_LOCAL_API_KEY, or pass "
                        "--api-key-file FILE (or --api-key KEY)\n");
        return -1;
    }
    cfg->api_keys = keys;
    return 0;
}

static int parse_args(int argc, char **argv, rl_config *cfg, const char **keys) {
    const char *flag_keys[MAX_KEYS];
    int i, n_flag = 0;
    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(usage, stdout);
            return 1;
        }
        if (strcmp(argv[i], "--insecure-http") == 0) { /* the flags without a value */
            cfg->insecure_http = 1;
            continue;
        }
        if (strcmp(argv[i], "--no-console") == 0) {
            cfg->no_console = 1;
            continue;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "rockset-local: %s needs a value\n%s", argv[i], usage);
            return -1;
        }
        if (strcmp(argv[i], "--api-key") == 0) {
            if (n_flag >= MAX_KEYS) {
                fprintf(stderr, "rockset-local: at most %d keys\n", MAX_KEYS);
                return -1;
            }
            flag_keys[n_flag++] = argv[++i];
            continue;
        }
        if (parse_flag(cfg, argv[i], argv[i + 1]) != 0)
            return -1;
        i++;
    }
    if ((cfg->tls_cert == NULL) != (cfg->tls_key == NULL)) {
        fprintf(stderr, "rockset-local: --tls-cert and --tls-key go together\n");
        return -1;
    }
    return gather_keys(cfg, keys, flag_keys, n_flag);
}

/* Wipe the keys' clear text: every --api-key value in argv (so /proc/PID/cmdline no longer
 * shows it), ROCKSET_LOCAL_API_KEY's value in this process's environment, and our copies. */
static void hide_keys(int argc, char **argv, rl_config *cfg, const char **keys) {
    char *env = getenv("ROCKSET_LOCAL_API_KEY");
    int i;
    for (i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--api-key") == 0)
            explicit_bzero(argv[i + 1], strlen(argv[i + 1]));
    if (env != NULL)
        explicit_bzero(env, strlen(env));
    for (i = 0; i < cfg->n_api_keys; i++) {
        explicit_bzero((char *)keys[i], strlen(keys[i]));
        free((char *)keys[i]);
        keys[i] = NULL;
    }
    cfg->n_api_keys = 0;
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

/* The key store's secret and the bootstrap keys' digests (auth.h), on a connection of the store. */
static int start_auth(rl_server *srv, const char **keys, rs_err *err) {
    rl_auth_config ac;
    sqlite3 *db = rl_store_acquire(srv->store, err);
    int rc;
    if (db == NULL)
        return err->code;
    ac.bootstrap_keys = keys;
    ac.n_bootstrap = srv->cfg.n_api_keys;
    ac.failure_limit = srv->cfg.auth_failure_limit;
    rc = rl_auth_new(db, &ac, &srv->auth, err);
    rl_store_release(srv->store, db);
    return rc;
}

/* The column index (docs/column-index.md), and the line saying which mode the server runs in. */
static int start_columns(rl_server *srv, rs_err *err) {
    rl_colidx_config cc = {(rl_colidx_mode)srv->cfg.column_index, srv->cfg.duckdb_lib,
                           srv->cfg.column_memory_limit, srv->cfg.column_threads};
    char why[600];
    int rc = rl_colidx_start(srv->store, &cc, &srv->colidx, why, sizeof why, err);
    if (rc == RS_OK && srv->colidx != NULL)
        fprintf(stderr, "rockset-local: column index on: %s\n", why);
    else if (rc == RS_OK)
        fprintf(stderr, "rockset-local: column index off (SQLite only): %s\n", why);
    return rc;
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
    srv.cfg.max_concurrent_queries = default_query_slots();
    srv.cfg.max_body_bytes = 10 * 1024 * 1024;
    srv.cfg.auth_failure_limit = 60;
    srv.cfg.max_connections = 512;
    srv.cfg.max_client_conns = 64;
    srv.cfg.idle_timeout_s = 60;
    srv.cfg.request_timeout_s = 60;
    srv.cfg.max_result_bytes = 256 * 1024 * 1024;
    srv.cfg.column_index = RL_COLIDX_AUTO;
    srv.cfg.column_memory_limit = "1GB";
    srv.cfg.column_threads = default_column_threads();
    srv.cfg.column_min_docs = 12000;
    srv.cfg.engine_measured = 1; /* --engine-choice rule: the rule alone */
    umask(077); /* the database, its WAL, the port file: owner-only whatever the caller's umask */
    memset(keys, 0, sizeof(keys));
    rc = parse_args(argc, argv, &srv.cfg, keys);
    if (rc != 0) {
        hide_keys(argc, argv, &srv.cfg, keys);
        return rc > 0 ? 0 : 2;
    }
    rc = 1;
    /* block the stop signals in every thread; main collects them with sigwait */
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGINT);
    sigaddset(&sigs, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    if (rl_store_open(srv.cfg.data_path, &srv.store, &err) != RS_OK ||
        start_auth(&srv, keys, &err) != RS_OK) {
        hide_keys(argc, argv, &srv.cfg, keys);
        fprintf(stderr, "rockset-local: %s\n", err.msg);
        goto done;
    }
    hide_keys(argc, argv, &srv.cfg, keys);
    if (start_columns(&srv, &err) != RS_OK) {
        fprintf(stderr, "rockset-local: %s\n", err.msg);
        goto done;
    }
    srv.estimates = rl_estcache_new();                     /* NULL: every estimate is counted */
    srv.composites = rl_compuse_new(rl_compuse_idle_ms()); /* NULL: no composite gives way */
    srv.translations = rl_xlcache_new();                   /* NULL: every statement is translated */
    srv.picks = srv.cfg.engine_measured ? rl_enginepick_new() : NULL; /* NULL: the rule */
    if (rl_queries_new(&srv, &srv.queries, &err) != RS_OK ||
        rl_httpd_start(&srv, &httpd, &port, &err) != RS_OK) {
        fprintf(stderr, "rockset-local: %s\n", err.msg);
        goto done;
    }
    if (srv.cfg.port_file != NULL && write_port_file(srv.cfg.port_file, port) != 0) {
        fprintf(stderr, "rockset-local: cannot write --port-file %s\n", srv.cfg.port_file);
        goto done;
    }
    fprintf(stderr, "rockset-local: listening on %s://%s:%d (data: %s)\n",
            srv.cfg.tls_cert ? "https" : "http", srv.cfg.host, port,
            srv.cfg.data_path ? srv.cfg.data_path : ":memory:");
    sigwait(&sigs, &sig);
    fprintf(stderr, "rockset-local: signal %d, shutting down\n", sig);
    rc = 0;
done:
    rl_queries_shutdown(srv.queries);
    rl_httpd_stop(httpd);
    rl_watchdog_stop(); /* no statement runs any more */
    rl_queries_free(srv.queries);
    qx_cache_free();
    rl_colidx_stop(srv.colidx); /* its worker borrows the store's connections */
    rl_auth_free(srv.auth);
    rl_store_close(srv.store);
    rl_estcache_free(srv.estimates);
    rl_compuse_free(srv.composites);
    rl_xlcache_free(srv.translations);
    rl_enginepick_free(srv.picks);
    return rc;
}
