/*
 * server.h - rockset-local's shared types: the configuration from the command line, the server
 * (store + query registry + knobs), and one HTTP request being answered (rl_req), plus the
 * reply helpers every handler uses (reply.c).
 *
 * A handler gets an rl_req whose body is fully read (and parsed as JSON into rq->json when it
 * was not empty), fills rq->status and rq->out through the rl_reply_* functions, and returns.
 * It may borrow the request's SQLite connection with rl_req_db (released after the reply).
 *
 * Ownership: rl_req belongs to the connection thread answering it (httpd.c); handlers never keep
 * pointers into it. rl_server is shared by all threads; its parts are individually thread-safe.
 */
#ifndef RL_SERVER_H
#define RL_SERVER_H

#include "auth.h"
#include "buf.h"
#include "err.h"
#include "store.h"

#include <cJSON.h>
#include <sqlite3.h>
#include <stdint.h>

typedef struct rl_config {
    const char *host;
    int port;
    const char *port_file;
    const char *data_path;
    const char **api_keys; /* bootstrap admin keys (--api-key, --api-key-file, the environment) */
    int n_api_keys;
    const char *api_key_file;
    const char *tls_cert; /* --tls-cert / --tls-key: PEM files; HTTPS when both are set */
    const char *tls_key;
    int insecure_http;        /* --insecure-http: plain HTTP on a non-loopback address */
    int auth_failure_limit;   /* failed authentications per client address per minute */
    int max_connections;      /* open connections in all */
    int max_client_conns;     /* open connections per client address */
    int idle_timeout_s;       /* a connection silent this long is closed */
    int request_timeout_s;    /* headers and body must arrive within this */
    int64_t max_result_bytes; /* result rows one query may hold */
    int64_t provision_delay_ms;
    int64_t view_sync_delay_ms;
    int64_t ingest_delay_ms;
    int64_t latency_ms;
    double fail_rate;
    int fail_status;
    const char *fail_only; /* --fail-only: "METHOD /path" prefix the failures are limited to */
    int rate_limit;
    int64_t query_timeout_ms;
    int64_t max_concurrent_queries; /* --max-concurrent-queries: more wait (0: no limit) */
    int64_t max_body_bytes;
    int no_field_index;     /* --field-index off: documents are written without field indexes */
    int no_console;         /* --no-console: GET / is the API's ping only (h_console.c) */
    int column_index;       /* --column-index: rl_colidx_mode (off 0, auto 1, on 2) */
    const char *duckdb_lib; /* --duckdb-lib, or NULL */
    const char *column_memory_limit; /* --column-memory-limit, or NULL */
    int column_threads;              /* --column-threads, 0: DuckDB's default */
    int64_t column_min_docs;         /* --column-min-docs: smaller aggregates stay on SQLite */
    int64_t column_run_delay_ms;     /* --column-run-delay-ms: a fault knob, a wait between
                                        printing a DuckDB statement and running it */
    int column_scan_all; /* --column-scan all: every eligible statement, not only aggregates */
    int engine_measured; /* --engine-choice measured: runs' times choose (enginepick.h) */
} rl_config;

typedef struct rl_queries rl_queries;       /* queries.h */
typedef struct rl_colidx rl_colidx;         /* server/colidx/replica.h */
typedef struct rl_estcache rl_estcache;     /* estcache.h */
typedef struct rl_enginepick rl_enginepick; /* enginepick.h */
typedef struct rl_xlcache rl_xlcache;       /* xlcache.h */
typedef struct rl_compuse rl_compuse;       /* compuse.h */

typedef struct rl_server {
    rl_config cfg;
    rl_store *store;
    rl_queries *queries;
    rl_auth *auth;
    rl_colidx *colidx;        /* the column index, or NULL when off */
    rl_estcache *estimates;   /* the planner's range counts (estcache.h), or NULL */
    rl_xlcache *translations; /* SELECT translations kept (xlcache.h), or NULL: none kept */
    rl_enginepick *picks;     /* engines measured per statement (enginepick.h), or NULL: the rule */
    rl_compuse *composites;   /* composite indexes read and asked for (compuse.h), or NULL */
} rl_server;

#define RL_MAX_ARGS 6

typedef struct rl_req {
    rl_server *srv;
    const char *method;
    const char *path;
    int route;               /* router.c's index + 1, 0 before rl_route_find */
    const rl_principal *who; /* the caller (auth.h); NULL before authentication */
    const char *client;      /* the client's address, for logs */
    char *args[RL_MAX_ARGS]; /* path captures, decoded; owned by the request */
    int n_args;
    const char *body; /* NUL-terminated; "" when none */
    size_t body_len;
    cJSON *json; /* parsed body, NULL when the body was empty */
    /* query-string and header lookups supplied by httpd.c (either may be NULL) */
    const char *(*query_arg)(void *conn, const char *name);
    const char *(*header)(void *conn, const char *name);
    void *conn;
    sqlite3 *db; /* lazily acquired, released by httpd.c */
    int status;
    int retry_after; /* > 0: send Retry-After */
    /* A reply that is not JSON (the console's files, h_console.c): its Content-Type and extra
     * headers (name, value, ..., NULL); static strings, NULL for the API's JSON. */
    const char *content_type;
    const char *const *extra_headers;
    rs_buf out;
} rl_req;

/* The request's connection (acquired on first use); NULL after replying 500 when none. */
sqlite3 *rl_req_db(rl_req *rq);
const char *rl_req_arg(rl_req *rq, const char *name);

/* reply.c ---------------------------------------------------------------------------------- */

/* Replace any reply with status and the given JSON text as body. */
void rl_reply_raw(rl_req *rq, int status, const char *json);
/* {"data": <json>} with status 200; json NULL means 500 (caller failed to build it). */
void rl_reply_data(rl_req *rq, const char *json);
/* An ErrorModel body. key may be NULL (message_key null). */
void rl_reply_error(rl_req *rq, int status, const char *type, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* ErrorModel with SQL position and query id (line/column 0 = null, query_id NULL = null). */
void rl_reply_error_at(rl_req *rq, int status, const char *type, int line, int column,
                       const char *query_id, const char *message);
/* Map an rs_err from the store to a reply: ENOMEM/INTERNAL -> 500, etc. */
void rl_reply_err(rl_req *rq, const rs_err *err);
/* A failed translation (rl_query_validate): 403 FORBIDDEN when a privilege is missing, else
 * 400 QUERY_ERROR at the error's line and column (500 when out of memory). */
void rl_reply_query_err(rl_req *rq, const rs_err *err);
/* Append an ErrorModel object (no status change) to b; used inside DocumentStatus. */
int rl_error_json(rs_buf *b, const char *type, const char *key, int line, int column,
                  const char *query_id, const char *message);

/* Request body field helpers (NULL / default when absent or of another type). */
const char *rl_json_str(const cJSON *obj, const char *key);
int rl_json_has(const cJSON *obj, const char *key);
/* 1 when the body is a JSON object, else replies 400 and returns 0. */
int rl_require_object(rl_req *rq);

#endif
