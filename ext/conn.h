/*
 * conn.h - the extension's per-connection state: the Rockset client, the loaded profile's
 * public settings, the session configuration (rockset_config) and the counters
 * (rockset_stats).
 *
 * One rs_conn exists per sqlite3* connection. sqlite3_rocksetext_init makes it and hands it as
 * user data to every function and module it registers; each registration holds one reference
 * (rs_conn_create_function / rs_conn_create_module take it and give SQLite rs_conn_release as
 * the destructor), so the state is freed when the connection closes and the last registration
 * goes away - also when a registration fails, since SQLite then calls the destructor at once.
 *
 * Connecting: rockset_connect() calls rs_conn_connect; any function that needs Rockset before
 * that calls rs_conn_api, which connects with the default lookup (profile.h) first. The API key
 * lives only inside the rs_api/rs_http objects and is never copied here.
 *
 * Interrupts: SQLite 3.40 has no sqlite3_is_interrupted(). The client's should_stop callback
 * (rs_conn_should_stop) therefore prepares and steps a trivial "SELECT 1" on the same
 * connection: while any statement is running, sqlite3_interrupt() leaves the connection's
 * interrupt flag set, and preparing or stepping a statement then fails at once with
 * SQLITE_INTERRUPT (the flag is only cleared when no statement is active). So
 * Ctrl-C in the shell, or conn.interrupt() in Python, stops a request in flight (libcurl's
 * progress callback polls it) or a polling wait (sleeps are sliced) within ~50 ms. The probe is
 * prepared per check and finalized at once, so it never keeps the connection from closing.
 *
 * Thread-safety: an rs_conn is used only while its sqlite3 connection's mutex is held, i.e.
 * by one thread at a time, like the connection itself.
 */
#ifndef RS_EXT_CONN_H
#define RS_EXT_CONN_H

#include "api/api.h"
#include "api/fences.h"
#include "api/profile.h"
#include "buf.h"
#include "err.h"

#include <sqlite3ext.h>

#include <stdint.h>

/* Session settings. Strings are malloc'd and owned by the rs_conn. */
typedef struct rs_conn_config {
    char *workspace; /* default workspace for unqualified names; never NULL */
    int threads;     /* models run up to this many at once */
    int page_size;   /* rows per page fetched by rockset_query and reads */
    int batch_size;  /* documents per write request */
    long timeout_ms; /* per HTTP request, and the bound of every wait */
    int retries;     /* retries of an idempotent request (attempts - 1) */
    int pushdown;    /* 0/1: push WHERE/ORDER BY/LIMIT to Rockset (collection vtab) */
    int quiet;       /* 0/1: no progress lines on stderr */
    int async;       /* 0/1: rockset_query/rockset_exec submit async queries and poll */
} rs_conn_config;

typedef struct rs_conn {
    int refcount;
    sqlite3 *db;        /* borrowed: the connection this state belongs to */
    rs_api *api;        /* NULL until connected */
    char *description;  /* rs_profile_describe's line of the current connection, or NULL */
    rs_profile profile; /* the connection's profile (target, threads, vi_rrn, ...) with its
                           api_key wiped and NULL: the key lives only inside api */
    rs_conn_config cfg;
    rs_http_stats past; /* counters of clients closed by a reconnect */
    uint64_t docs_received;
    uint64_t docs_sent;
    rs_fences fences;    /* read-your-writes offsets not waited on yet (api/fences.h) */
    char *last_query_id; /* NULL until a query ran */
    char *last_sql;      /* NULL until SQL was sent */
} rs_conn;

/* New state for db with default settings (refcount 1). NULL on allocation failure. */
rs_conn *rs_conn_new(sqlite3 *db);
/* Take / drop one reference; the last release frees everything. NULL-safe. */
void rs_conn_retain(rs_conn *conn);
void rs_conn_release(void *conn);

/* Register a scalar function (rs_conn as user data) holding one reference. Returns the SQLite
 * result code; on failure *pzErr gets a message (sqlite3_free). */
int rs_conn_create_function(rs_conn *conn, const char *name, int n_arg, int flags,
                            void (*fn)(sqlite3_context *, int, sqlite3_value **), char **pzErr);
/* Register a module (rs_conn as client data) holding one reference. */
int rs_conn_create_module(rs_conn *conn, const char *name, const sqlite3_module *module,
                          char **pzErr);

/* Load a profile (path/profile/target may be NULL, see profile.h), open a client, check the key
 * with GET /v1/orgs/self, and on success replace the current client and adopt the profile's
 * workspace and threads, and its retries and timeout_seconds when it sets them. The previous
 * connection stays in place on failure. */
int rs_conn_connect(rs_conn *conn, const char *path, const char *profile, const char *target,
                    rs_err *err);

/* The client, connecting with the default lookup first when needed. Borrowed. */
int rs_conn_api(rs_conn *conn, rs_api **out, rs_err *err);

/* The should_stop callback given to the client (see the top of this file). */
int rs_conn_should_stop(void *conn);

/* Remember the SQL text about to be sent and the query id that came back (either may be NULL
 * to keep the old value). RS_OK or RS_ENOMEM. */
int rs_conn_note_sql(rs_conn *conn, const char *sql, rs_err *err);
int rs_conn_note_query_id(rs_conn *conn, const char *query_id, rs_err *err);

/* rockset_stats()'s JSON object, appended to out. */
int rs_conn_stats_json(const rs_conn *conn, rs_buf *out);

/* Read-your-writes: conn->fences (api/fences.h) holds the offsets this connection wrote and has
 * not waited on; every write notes its offset there, every read of a collection calls
 * rs_fences_barrier first. */

/* Names of the settings in rockset_config order, NULL-terminated. */
extern const char *const rs_conn_config_keys[];

/* Read a setting as an SQL value (sets ctx's result), or set it from value then read it back.
 * Unknown keys and bad values set an SQL error on ctx. */
void rs_conn_config_get(rs_conn *conn, sqlite3_context *ctx, const char *key);
void rs_conn_config_set(rs_conn *conn, sqlite3_context *ctx, const char *key, sqlite3_value *value);

#endif
