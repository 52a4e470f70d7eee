/*
 * duck.c - DuckDB loaded at run time (duck.h): dlopen, a table of function pointers, and thin
 * wrappers that turn DuckDB's handles, chunks and messages into duck.h's interface and rs_err.
 *
 * The declarations come from duckapi.h (ours); when the build defines RL_DUCKDB_H (make
 * DUCKDB_H=...) the types come from DuckDB's own duckdb.h and the compiler checks our prototypes
 * and layout assertions against it. The pointer table is typed with __typeof__ of the
 * prototypes, so both ways yield the same code.
 */
#include "server/colidx/duck.h"

#ifdef RL_DUCKDB_H
/* DuckDB's own header; ours then only adds prototypes and assertions, checked against it */
#include RL_DUCKDB_H
#define RL_DUCKAPI_PROTOTYPES_ONLY
#endif
#include "server/colidx/duckapi.h"

#include "buf.h"

#include <dlfcn.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Where rl_duck_load looks without a path or RL_DUCKDB_LIB; the Makefile passes its DUCKDB_LIB
 * (the file `make deps` fetches). Elsewhere the dynamic loader's search path decides. */
#ifndef RL_DUCKDB_DEFAULT_LIB
#define RL_DUCKDB_DEFAULT_LIB "libduckdb.so"
#endif

/* TIMESTAMP WITH TIME ZONE in nanoseconds (DuckDB v1.5); a literal so that older real headers,
 * which lack the enumerator, still compile. */
#define DK_TYPE_TIMESTAMP_TZ_NS 42

/* ---- the function table ---- */

/* Every DuckDB function we call, by its name without "duckdb_". */
/* clang-format off */
#define DK_FUNCS(X) \
    X(library_version) \
    X(create_config) \
    X(set_config) \
    X(destroy_config) \
    X(open_ext) \
    X(close) \
    X(connect) \
    X(disconnect) \
    X(interrupt) \
    X(free) \
    X(query) \
    X(destroy_result) \
    X(prepare) \
    X(prepare_error) \
    X(destroy_prepare) \
    X(execute_prepared) \
    X(result_error) \
    X(column_count) \
    X(column_name) \
    X(column_type) \
    X(column_logical_type) \
    X(decimal_scale) \
    X(decimal_internal_type) \
    X(destroy_logical_type) \
    X(fetch_chunk) \
    X(data_chunk_get_size) \
    X(data_chunk_get_vector) \
    X(destroy_data_chunk) \
    X(vector_get_data) \
    X(vector_get_validity) \
    X(validity_row_is_valid) \
    X(appender_create) \
    X(append_null) \
    X(append_bool) \
    X(append_int64) \
    X(append_double) \
    X(append_varchar_length) \
    X(append_timestamp) \
    X(appender_end_row) \
    X(appender_close) \
    X(appender_destroy) \
    X(appender_error) \
    X(create_logical_type) \
    X(create_varchar_length) \
    X(create_int64) \
    X(create_double) \
    X(create_bool) \
    X(create_timestamp) \
    X(create_null_value) \
    X(create_list_value) \
    X(destroy_value) \
    X(append_value)
/* clang-format on */

struct dk_api {
#define DK_MEMBER(f) __typeof__(duckdb_##f) *f;
    DK_FUNCS(DK_MEMBER)
#undef DK_MEMBER
};

static const struct dk_sym {
    const char *name;
    size_t off;
} dk_syms[] = {
#define DK_SYM(f) {"duckdb_" #f, offsetof(struct dk_api, f)},
    DK_FUNCS(DK_SYM)
#undef DK_SYM
};

/* dlsym hands out function addresses as void *: POSIX guarantees the sizes agree. */
_Static_assert(sizeof(void *) == sizeof(void (*)(void)), "function pointers fit in void *");

/* Written once under dk_lock before dk_ready is set (release); read freely after it (acquire). */
static pthread_mutex_t dk_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int dk_ready;
static struct dk_api dk;
static char dk_version[64];
static char dk_path[4096];

/* Fill api from the library h (named file in messages); the first missing symbol is an error. */
static int dk_resolve(void *h, const char *file, struct dk_api *api, rs_err *err) {
    for (size_t i = 0; i < sizeof dk_syms / sizeof dk_syms[0]; i++) {
        void *p = dlsym(h, dk_syms[i].name);
        if (p == NULL)
            return rs_err_set(err, RS_EUNSUPPORTED,
                              "%s is not a usable DuckDB library: symbol %s is missing", file,
                              dk_syms[i].name);
        memcpy((char *)api + dk_syms[i].off, &p, sizeof p);
    }
    return RS_OK;
}

/* Open file and publish its functions; called with dk_lock held. A failure leaves nothing
 * loaded, so a later call may try another file. */
static int dk_load_locked(const char *file, rs_err *err) {
    if (strlen(file) >= sizeof dk_path)
        return rs_err_set(err, RS_EINVAL, "DuckDB library path too long: %.100s...", file);
    void *h = dlopen(file, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        const char *why = dlerror();
        if (why && strstr(why, file)) /* glibc's reason already names the file */
            return rs_err_set(err, RS_EIO, "cannot load the DuckDB library: %s", why);
        return rs_err_set(err, RS_EIO, "cannot load the DuckDB library %s: %s", file,
                          why ? why : "unknown error");
    }
    struct dk_api api;
    int rc = dk_resolve(h, file, &api, err);
    if (rc != RS_OK) {
        dlclose(h);
        return rc;
    }
    /* The handle is kept for the life of the process: DuckDB's threads and statics live in it. */
    dk = api;
    const char *v = dk.library_version();
    snprintf(dk_version, sizeof dk_version, "%s", v ? v : "");
    snprintf(dk_path, sizeof dk_path, "%s", file);
    atomic_store_explicit(&dk_ready, 1, memory_order_release);
    return RS_OK;
}

int rl_duck_load(const char *path, rs_err *err) {
    const char *file = path;
    if (file == NULL || *file == '\0')
        file = getenv("RL_DUCKDB_LIB");
    if (file == NULL || *file == '\0')
        file = RL_DUCKDB_DEFAULT_LIB;
    pthread_mutex_lock(&dk_lock);
    int rc = atomic_load(&dk_ready) ? RS_OK : dk_load_locked(file, err);
    pthread_mutex_unlock(&dk_lock);
    return rc;
}

int rl_duck_loaded(void) {
    return atomic_load_explicit(&dk_ready, memory_order_acquire);
}

const char *rl_duck_version(void) {
    return rl_duck_loaded() ? dk_version : "";
}

const char *rl_duck_path(void) {
    return rl_duck_loaded() ? dk_path : "";
}

/* Every entry point but rl_duck_load needs the table: calling one first is a bug. */
static int dk_need(rs_err *err) {
    if (rl_duck_loaded())
        return RS_OK;
    return rs_err_set(err, RS_EINTERNAL, "DuckDB is not loaded (rl_duck_load first)");
}

/* Our code for a DuckDB message, from the error class it starts with ("IO Error: ..."). */
static int dk_code(const char *msg, int fallback) {
    static const struct {
        const char *prefix;
        int code;
    } map[] = {{"INTERRUPT", RS_EINTERRUPT},
               {"Out of Memory", RS_ENOMEM},
               {"IO Error", RS_EIO},
               {"Not implemented", RS_EUNSUPPORTED},
               {"Internal Error", RS_EINTERNAL},
               {"FATAL", RS_EINTERNAL}};
    if (msg == NULL)
        return fallback;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strncmp(msg, map[i].prefix, strlen(map[i].prefix)) == 0)
            return map[i].code;
    return fallback;
}

/* ---- database and connections ---- */

struct rl_duck_db {
    duckdb_database db;
};

/* A connection keeps the plans of the last DK_PLANS statements rl_duck_query_kept ran on it:
 * a dashboard sends the same statements again and again, and DuckDB's parse, bind and
 * optimization of one cost a third of a small aggregate's time (q26 of the dashboard: 0.58 ms
 * to prepare, 1.58 to run). The plans are evicted least recently used first, so a dashboard
 * with more column statements than slots prepares every one of them every time: with 16
 * slots the benchmark's 22 column questions, each run once a round, took 1.34 times as long
 * as with 64 (geometric mean 2.20 against 1.64 ms, interleaved rounds on one server). */
#define DK_PLANS 64

/* The replica's file is attached to an in-memory database under this name, each connection
 * using it, because a row group's length is an option of ATTACH only (not of duckdb_open, and
 * not kept in the file). DuckDB's default, 122,880 rows, is coarse for a dashboard's windows:
 * a scan skips a row group by its min/max, and on the benchmark's million documents a 7-day
 * window of jobs shared its row group with 108,000 older ones appended before it. With 16,384
 * the 17 dashboard statements the columns answer took 0.85 of the time at 1,000,000 documents
 * and 0.92 at 100,000 (geometric means, each statement prepared, on copies of one replica),
 * q23 1.64 -> 1.36 ms, q28 0.86 -> 0.58; scans of every row 0.94 (8,192: 0.82 and 0.96). */
#define DK_CATALOG "rep"

struct dk_plan {
    char *sql; /* NULL: a free slot */
    duckdb_prepared_statement ps;
    uint64_t used; /* the connection's clock at its last use: the least recent goes first */
};

struct rl_duck_conn {
    duckdb_connection con;
    struct dk_plan plans[DK_PLANS];
    uint64_t clock;
};

static void dk_plan_drop(struct dk_plan *p) {
    if (p->sql == NULL)
        return;
    dk.destroy_prepare(&p->ps);
    free(p->sql);
    p->sql = NULL;
}

/* The options of rl_duck_open into cfg. temp_dir: where a statement past memory_limit spills
 * (NULL: DuckDB's default). */
static int dk_configure(duckdb_config cfg, const char *memory_limit, int threads,
                        const char *temp_dir, rs_err *err) {
    if (memory_limit && dk.set_config(cfg, "memory_limit", memory_limit) != DuckDBSuccess)
        return rs_err_set(err, RS_EINVAL, "DuckDB rejected memory_limit '%s'", memory_limit);
    if (threads > 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", threads);
        if (dk.set_config(cfg, "threads", n) != DuckDBSuccess)
            return rs_err_set(err, RS_EINVAL, "DuckDB rejected threads %d", threads);
    }
    if (temp_dir && dk.set_config(cfg, "temp_directory", temp_dir) != DuckDBSuccess)
        return rs_err_set(err, RS_EINVAL, "DuckDB rejected temp_directory '%s'", temp_dir);
    /* Statements run on the HTTP connection's thread, and a connection that closes ends its
     * thread: DuckDB's allocator then gave that thread's memory back to the system as it
     * exited, and the next statement faulted it in again (zeroed pages for each hash table):
     * a column query on a new connection took 5-7 ms against 2-3 on a kept one, on the
     * dashboard's million documents. Its background threads return memory after a delay
     * instead. An older DuckDB without the option runs as before. */
    (void)dk.set_config(cfg, "allocator_background_threads", "true");
    return RS_OK;
}

/* An in-memory database (the replica's file is attached to it: dk_attach) with a fresh config;
 * DuckDB's own message on failure. Spills go to <path>.tmp, beside the file, as DuckDB puts them
 * for a file it opens itself (for an in-memory database: .tmp in the working directory). */
static int dk_open(const char *path, const char *memory_limit, int threads, duckdb_database *out,
                   rs_err *err) {
    duckdb_config cfg = NULL;
    rs_buf temp_dir = RS_BUF_INIT;
    if (path != NULL && rs_buf_printf(&temp_dir, "%s.tmp", path) != RS_OK) {
        rs_buf_free(&temp_dir);
        return rs_err_set(err, RS_ENOMEM, "out of memory opening DuckDB");
    }
    if (dk.create_config(&cfg) != DuckDBSuccess) {
        rs_buf_free(&temp_dir);
        return rs_err_set(err, RS_ENOMEM, "DuckDB could not create a configuration");
    }
    int rc = dk_configure(cfg, memory_limit, threads, temp_dir.data, err);
    char *msg = NULL;
    if (rc == RS_OK && dk.open_ext(NULL, out, cfg, &msg) != DuckDBSuccess) {
        rc = rs_err_set(err, dk_code(msg, RS_EINVAL), "cannot open DuckDB: %s",
                        msg ? msg : "unknown error");
        dk.free(msg);
    }
    dk.destroy_config(&cfg);
    rs_buf_free(&temp_dir);
    return rc;
}

/* Run sql on a new connection of db, then close it. */
static int dk_exec_once(duckdb_database db, const char *sql, rs_err *err) {
    duckdb_connection con = NULL;
    duckdb_result res;
    int rc = RS_OK;
    if (dk.connect(db, &con) != DuckDBSuccess)
        return rs_err_set(err, RS_EINTERNAL, "cannot connect to the DuckDB database");
    memset(&res, 0, sizeof res);
    if (dk.query(con, sql, &res) != DuckDBSuccess) {
        const char *msg = dk.result_error(&res);
        rc = rs_err_set(err, dk_code(msg, RS_EIO), "%s", msg ? msg : "DuckDB query failed");
    }
    dk.destroy_result(&res);
    dk.disconnect(&con);
    return rc;
}

int rl_duck_row_group(void) {
    const char *env = getenv("ROCKSET_LOCAL_COLUMN_ROW_GROUP");
    long rows = env != NULL ? strtol(env, NULL, 10) : 0;
    return rows >= 2048 && rows <= 1048576 && rows % 2048 == 0 ? (int)rows : RL_DUCK_ROW_GROUP;
}

/* path (NULL: memory) attached to the in-memory database as DK_CATALOG, with its row groups
 * rl_duck_row_group() rows long (an option of ATTACH only, not kept in the file). */
static int dk_attach(duckdb_database db, const char *path, rs_err *err) {
    rs_buf sql = RS_BUF_INIT;
    rs_buf_puts(&sql, "ATTACH ");
    if (path == NULL)
        rs_buf_puts(&sql, "':memory:'");
    else
        rs_buf_quoted(&sql, path, strlen(path), '\'');
    rs_buf_printf(&sql, " AS %s (ROW_GROUP_SIZE %d)", DK_CATALOG, rl_duck_row_group());
    int rc = sql.oom ? rs_err_set(err, RS_ENOMEM, "out of memory opening DuckDB")
                     : dk_exec_once(db, sql.data, err);
    rs_buf_free(&sql);
    if (rc != RS_OK && path != NULL) { /* the file named: the caller rebuilds it */
        char why[sizeof err->msg];
        memcpy(why, err->msg, sizeof why);
        rs_err_set(err, rc, "cannot open DuckDB database %s: %s", path, why);
    }
    return rc;
}

rl_duck_db *rl_duck_open(const char *path, const char *memory_limit, int threads, rs_err *err) {
    if (dk_need(err) != RS_OK)
        return NULL;
    rl_duck_db *db = calloc(1, sizeof *db);
    if (db == NULL) {
        rs_err_set(err, RS_ENOMEM, "out of memory opening DuckDB");
        return NULL;
    }
    if (dk_open(path, memory_limit, threads, &db->db, err) != RS_OK) {
        free(db);
        return NULL;
    }
    if (dk_attach(db->db, path, err) != RS_OK) {
        dk.close(&db->db);
        free(db);
        return NULL;
    }
    return db;
}

void rl_duck_close(rl_duck_db *db) {
    if (db == NULL)
        return;
    dk.close(&db->db);
    free(db);
}

rl_duck_conn *rl_duck_connect(rl_duck_db *db, rs_err *err) {
    if (dk_need(err) != RS_OK)
        return NULL;
    rl_duck_conn *c = calloc(1, sizeof *c);
    if (c == NULL) {
        rs_err_set(err, RS_ENOMEM, "out of memory connecting to DuckDB");
        return NULL;
    }
    if (dk.connect(db->db, &c->con) != DuckDBSuccess) {
        /* duckdb_connect gives no reason; its only failures are an invalid database handle
         * and an exception while creating the connection */
        rs_err_set(err, RS_EINTERNAL, "cannot connect to the DuckDB database");
        free(c);
        return NULL;
    }
    /* a connection starts on the in-memory database: names are the attached one's */
    if (rl_duck_exec(c, "USE " DK_CATALOG, err) != RS_OK) {
        rl_duck_disconnect(c);
        return NULL;
    }
    return c;
}

void rl_duck_disconnect(rl_duck_conn *c) {
    if (c == NULL)
        return;
    for (int i = 0; i < DK_PLANS; i++)
        dk_plan_drop(&c->plans[i]);
    dk.disconnect(&c->con);
    free(c);
}

void rl_duck_interrupt(rl_duck_conn *c) {
    if (c != NULL && rl_duck_loaded())
        dk.interrupt(c->con);
}

/* The error of a failed query into err (RS_EINVAL unless the message says otherwise). */
static int dk_result_err(duckdb_result *res, rs_err *err) {
    const char *msg = dk.result_error(res);
    return rs_err_set(err, dk_code(msg, RS_EINVAL), "%s", msg ? msg : "DuckDB query failed");
}

int rl_duck_exec(rl_duck_conn *c, const char *sql, rs_err *err) {
    int rc = dk_need(err);
    if (rc != RS_OK)
        return rc;
    duckdb_result res;
    memset(&res, 0, sizeof res);
    if (dk.query(c->con, sql, &res) != DuckDBSuccess)
        rc = dk_result_err(&res, err);
    dk.destroy_result(&res);
    return rc;
}

/* ---- queries: reading cells out of chunks ---- */

/* One result column: its type, and where the current chunk keeps its values. */
struct dk_col {
    int type;         /* duckdb_type, as int: we also match values newer than the header */
    int dec_type;     /* DECIMAL: the integer type that holds the scaled value */
    double dec_div;   /* DECIMAL: 10^scale */
    const void *data; /* the current chunk's values */
    uint64_t *valid;  /* the current chunk's NULL mask; NULL: no NULLs */
};

struct dk_query {
    duckdb_result res;
    int n;
    struct dk_col *cols;
    const char **names;
    rl_duck_cell *cells;
};

static void cell_int(rl_duck_cell *cell, int64_t i) {
    cell->kind = RL_DK_INT;
    cell->i = i;
}

static void cell_double(rl_duck_cell *cell, double d) {
    cell->kind = RL_DK_DOUBLE;
    cell->d = d;
}

/* A 128-bit value as an integer when it fits in int64, else as the nearest double. */
static void cell_huge(rl_duck_cell *cell, uint64_t lower, int64_t upper) {
    if (upper == 0 && lower <= (uint64_t)INT64_MAX)
        cell_int(cell, (int64_t)lower);
    else if (upper == -1 && lower > (uint64_t)INT64_MAX)
        cell_int(cell, (int64_t)(lower - (uint64_t)INT64_MAX - 1) + INT64_MIN);
    else
        cell_double(cell, (double)upper * 18446744073709551616.0 + (double)lower);
}

static double huge_double(duckdb_hugeint h) {
    return (double)h.upper * 18446744073709551616.0 + (double)h.lower;
}

/* A DECIMAL as a double: its scaled integer divided by 10^scale. */
static void cell_decimal(rl_duck_cell *cell, const struct dk_col *col, idx_t row) {
    double v;
    switch (col->dec_type) {
    case DUCKDB_TYPE_SMALLINT:
        v = ((const int16_t *)col->data)[row];
        break;
    case DUCKDB_TYPE_INTEGER:
        v = ((const int32_t *)col->data)[row];
        break;
    case DUCKDB_TYPE_BIGINT:
        v = (double)((const int64_t *)col->data)[row];
        break;
    case DUCKDB_TYPE_HUGEINT:
        v = huge_double(((const duckdb_hugeint *)col->data)[row]);
        break;
    default:
        cell->kind = RL_DK_OTHER;
        return;
    }
    cell_double(cell, v / col->dec_div);
}

/* DuckDB's timestamp infinities (+-INT64_MAX) stay themselves in every unit. */
static int64_t ts_scale_up(int64_t v, int64_t f) {
    if (v > INT64_MAX / f)
        return INT64_MAX;
    if (v < -INT64_MAX / f)
        return -INT64_MAX;
    return v * f;
}

static int64_t ts_from_nanos(int64_t v) {
    if (v == INT64_MAX || v == -INT64_MAX)
        return v;
    int64_t q = v / 1000; /* floor: 1 ns before the epoch is the microsecond before it */
    return (v % 1000 < 0) ? q - 1 : q;
}

static void cell_ts(rl_duck_cell *cell, int64_t micros) {
    cell->kind = RL_DK_TIMESTAMP;
    cell->i = micros;
}

static void cell_text(rl_duck_cell *cell, const duckdb_string_t *s) {
    cell->kind = RL_DK_TEXT;
    cell->len = s->value.inlined.length;
    cell->s = cell->len <= sizeof s->value.inlined.inlined ? s->value.inlined.inlined
                                                           : s->value.pointer.ptr;
}

/* The integer and floating-point types; 0 when col is not one of them. */
static int read_number(rl_duck_cell *cell, const struct dk_col *col, idx_t row) {
    const void *p = col->data;
    switch (col->type) {
    case DUCKDB_TYPE_TINYINT:
        cell_int(cell, ((const int8_t *)p)[row]);
        return 1;
    case DUCKDB_TYPE_SMALLINT:
        cell_int(cell, ((const int16_t *)p)[row]);
        return 1;
    case DUCKDB_TYPE_INTEGER:
        cell_int(cell, ((const int32_t *)p)[row]);
        return 1;
    case DUCKDB_TYPE_BIGINT:
        cell_int(cell, ((const int64_t *)p)[row]);
        return 1;
    case DUCKDB_TYPE_UTINYINT:
        cell_int(cell, ((const uint8_t *)p)[row]);
        return 1;
    case DUCKDB_TYPE_USMALLINT:
        cell_int(cell, ((const uint16_t *)p)[row]);
        return 1;
    case DUCKDB_TYPE_UINTEGER:
        cell_int(cell, ((const uint32_t *)p)[row]);
        return 1;
    case DUCKDB_TYPE_UBIGINT:
        cell_huge(cell, ((const uint64_t *)p)[row], 0);
        return 1;
    case DUCKDB_TYPE_FLOAT:
        cell_double(cell, ((const float *)p)[row]);
        return 1;
    case DUCKDB_TYPE_DOUBLE:
        cell_double(cell, ((const double *)p)[row]);
        return 1;
    case DUCKDB_TYPE_DECIMAL:
        cell_decimal(cell, col, row);
        return 1;
    case DUCKDB_TYPE_HUGEINT: {
        duckdb_hugeint h = ((const duckdb_hugeint *)p)[row];
        cell_huge(cell, h.lower, h.upper);
        return 1;
    }
    case DUCKDB_TYPE_UHUGEINT: {
        duckdb_uhugeint h = ((const duckdb_uhugeint *)p)[row];
        if (h.upper == 0)
            cell_huge(cell, h.lower, 0);
        else
            cell_double(cell, (double)h.upper * 18446744073709551616.0 + (double)h.lower);
        return 1;
    }
    default:
        return 0;
    }
}

/* Cell row of col, by the column's type; NULL per the validity mask. */
static void read_cell(rl_duck_cell *cell, const struct dk_col *col, idx_t row) {
    const void *p = col->data;
    memset(cell, 0, sizeof *cell);
    if (col->valid && !dk.validity_row_is_valid(col->valid, row))
        return; /* RL_DK_NULL */
    if (read_number(cell, col, row))
        return;
    switch (col->type) {
    case DUCKDB_TYPE_BOOLEAN:
        cell->kind = RL_DK_BOOL;
        cell->i = ((const uint8_t *)p)[row] != 0; /* 0/1 bytes; no bool loads of raw data */
        break;
    case DUCKDB_TYPE_VARCHAR:
        cell_text(cell, &((const duckdb_string_t *)p)[row]);
        break;
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_TIMESTAMP_TZ:
        cell_ts(cell, ((const int64_t *)p)[row]);
        break;
    case DUCKDB_TYPE_TIMESTAMP_S:
        cell_ts(cell, ts_scale_up(((const int64_t *)p)[row], 1000000));
        break;
    case DUCKDB_TYPE_TIMESTAMP_MS:
        cell_ts(cell, ts_scale_up(((const int64_t *)p)[row], 1000));
        break;
    case DUCKDB_TYPE_TIMESTAMP_NS:
    case DK_TYPE_TIMESTAMP_TZ_NS:
        cell_ts(cell, ts_from_nanos(((const int64_t *)p)[row]));
        break;
    case DUCKDB_TYPE_DATE:
        cell->kind = RL_DK_DATE;
        cell->i = ((const int32_t *)p)[row];
        break;
    default:
        cell->kind = RL_DK_OTHER;
        break;
    }
}

/* ---- queries: the result's columns and the chunk loop ---- */

/* A DECIMAL column's storage type and divisor (a column we cannot describe reads as OTHER). */
static void dk_decimal_info(struct dk_query *q, idx_t i, struct dk_col *col) {
    duckdb_logical_type lt = dk.column_logical_type(&q->res, i);
    col->dec_type = DUCKDB_TYPE_INVALID;
    col->dec_div = 1;
    if (lt == NULL)
        return;
    col->dec_type = (int)dk.decimal_internal_type(lt);
    for (unsigned s = dk.decimal_scale(lt); s > 0; s--)
        col->dec_div *= 10;
    dk.destroy_logical_type(&lt);
}

/* Size the per-column arrays of q from its (successful) result. */
static int dk_query_setup(struct dk_query *q, rs_err *err) {
    idx_t n = dk.column_count(&q->res);
    if (n > INT_MAX / 2)
        return rs_err_set(err, RS_EUNSUPPORTED, "DuckDB result has too many columns");
    q->n = (int)n;
    size_t alloc = n ? (size_t)n : 1;
    q->cols = calloc(alloc, sizeof *q->cols);
    q->names = calloc(alloc, sizeof *q->names);
    q->cells = calloc(alloc, sizeof *q->cells);
    if (q->cols == NULL || q->names == NULL || q->cells == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory reading a DuckDB result");
    for (idx_t i = 0; i < n; i++) {
        struct dk_col *col = &q->cols[i];
        col->type = (int)dk.column_type(&q->res, i);
        const char *name = dk.column_name(&q->res, i);
        q->names[i] = name ? name : "";
        if (col->type == DUCKDB_TYPE_DECIMAL)
            dk_decimal_info(q, i, col);
    }
    return RS_OK;
}

static void dk_query_free(struct dk_query *q) {
    free(q->cols);
    free(q->names);
    free(q->cells);
    dk.destroy_result(&q->res);
}

/* Hand every row of chunk to on_row; its first nonzero answer stops and is returned. */
static int dk_emit_chunk(struct dk_query *q, duckdb_data_chunk chunk, rl_duck_row_fn on_row,
                         void *ctx) {
    idx_t rows = dk.data_chunk_get_size(chunk);
    for (int j = 0; j < q->n; j++) {
        duckdb_vector v = dk.data_chunk_get_vector(chunk, (idx_t)j);
        q->cols[j].data = dk.vector_get_data(v);
        q->cols[j].valid = dk.vector_get_validity(v);
    }
    for (idx_t r = 0; r < rows; r++) {
        for (int j = 0; j < q->n; j++)
            read_cell(&q->cells[j], &q->cols[j], r);
        int stop = on_row ? on_row(ctx, q->cells, q->n) : 0;
        if (stop)
            return stop;
    }
    return 0;
}

/* The chunk loop. A NULL chunk ends it: the end of the rows, or an error the result holds. */
static int dk_stream(struct dk_query *q, rl_duck_row_fn on_row, void *ctx, rs_err *err) {
    for (;;) {
        duckdb_data_chunk chunk = dk.fetch_chunk(q->res);
        if (chunk == NULL)
            return dk.result_error(&q->res) ? dk_result_err(&q->res, err) : 0;
        int rc = dk_emit_chunk(q, chunk, on_row, ctx);
        dk.destroy_data_chunk(&chunk);
        if (rc)
            return rc;
    }
}

/* The rows of q, whose statement ran (ran: DuckDBSuccess or not), to the callbacks. */
static int dk_deliver(struct dk_query *q, duckdb_state ran, rl_duck_cols_fn on_cols,
                      rl_duck_row_fn on_row, void *ctx, rs_err *err) {
    int rc = ran != DuckDBSuccess ? dk_result_err(&q->res, err) : dk_query_setup(q, err);
    if (rc == RS_OK && on_cols)
        rc = on_cols(ctx, q->names, q->n);
    if (rc == RS_OK)
        rc = dk_stream(q, on_row, ctx, err);
    dk_query_free(q);
    return rc;
}

int rl_duck_query(rl_duck_conn *c, const char *sql, rl_duck_cols_fn on_cols, rl_duck_row_fn on_row,
                  void *ctx, rs_err *err) {
    int rc = dk_need(err);
    if (rc != RS_OK)
        return rc;
    struct dk_query q;
    memset(&q, 0, sizeof q);
    return dk_deliver(&q, dk.query(c->con, sql, &q.res), on_cols, on_row, ctx, err);
}

/* The plan of sql on c: the kept one, else prepared now in a free or the least recently used
 * slot. NULL and err when DuckDB refuses the statement (nothing is kept then). */
static struct dk_plan *dk_plan_for(rl_duck_conn *c, const char *sql, rs_err *err) {
    struct dk_plan *slot = &c->plans[0];
    for (int i = 0; i < DK_PLANS; i++) {
        struct dk_plan *p = &c->plans[i];
        if (p->sql != NULL && strcmp(p->sql, sql) == 0) {
            p->used = ++c->clock;
            return p;
        }
        if (slot->sql != NULL && (p->sql == NULL || p->used < slot->used))
            slot = p;
    }
    char *copy = strdup(sql);
    if (copy == NULL) {
        rs_err_set(err, RS_ENOMEM, "out of memory preparing a DuckDB statement");
        return NULL;
    }
    duckdb_prepared_statement ps = NULL;
    if (dk.prepare(c->con, sql, &ps) != DuckDBSuccess) {
        const char *msg = ps ? dk.prepare_error(ps) : NULL;
        rs_err_set(err, dk_code(msg, RS_EINVAL), "%s",
                   msg ? msg : "DuckDB could not prepare the statement");
        if (ps)
            dk.destroy_prepare(&ps);
        free(copy);
        return NULL;
    }
    dk_plan_drop(slot);
    slot->sql = copy;
    slot->ps = ps;
    slot->used = ++c->clock;
    return slot;
}

int rl_duck_query_kept(rl_duck_conn *c, const char *sql, rl_duck_cols_fn on_cols,
                       rl_duck_row_fn on_row, void *ctx, rs_err *err) {
    int rc = dk_need(err);
    if (rc != RS_OK)
        return rc;
    struct dk_plan *plan = dk_plan_for(c, sql, err);
    if (plan == NULL)
        return err && err->code ? err->code : RS_EINTERNAL;
    struct dk_query q;
    memset(&q, 0, sizeof q);
    duckdb_state ran = dk.execute_prepared(plan->ps, &q.res);
    rc = dk_deliver(&q, ran, on_cols, on_row, ctx, err);
    if (ran != DuckDBSuccess) /* an interrupt, a table gone: the next run prepares afresh */
        dk_plan_drop(plan);
    return rc;
}

/* ---- appenders ---- */

/* Lists recently appended, by a hash of their elements (direct-mapped): building a LIST value,
 * one value per element and then the list, was a sixth of the column replica's CPU on a load
 * of the dashboard benchmark's jobs, and most documents repeat lists another one had (runner
 * labels, step numbers, names and conclusions, as codes). A list of text is not kept. */
#define LIST_MEMO 64

typedef struct list_memo {
    duckdb_value list; /* NULL: the slot is free */
    uint64_t hash;
    rl_duck_kind kind;
    rl_duck_cell *cells; /* a copy of the elements, to compare (no text) */
    int n;
} list_memo;

struct rl_duck_app {
    duckdb_appender app;
    rs_err first; /* the first error: once set, the appender refuses everything but close */
    duckdb_logical_type elem_type[RL_DK_OTHER]; /* a list's element type by kind, made once */
    duckdb_value *elems;                        /* the elements of the list being appended */
    int cap_elems;
    list_memo memo[LIST_MEMO];
};

/* Record the appender's current DuckDB error as its first (if none yet); returns the code. */
static int app_fail(rl_duck_app *a) {
    if (a->first.code == RS_OK) {
        const char *msg = dk.appender_error(a->app);
        rs_err_set(&a->first, dk_code(msg, RS_EINVAL), "DuckDB appender: %s",
                   msg ? msg : "unknown error");
    }
    return a->first.code;
}

static int app_give(const rl_duck_app *a, rs_err *err) {
    if (err)
        *err = a->first;
    return a->first.code;
}

rl_duck_app *rl_duck_appender(rl_duck_conn *c, const char *table, rs_err *err) {
    if (dk_need(err) != RS_OK)
        return NULL;
    rl_duck_app *a = calloc(1, sizeof *a);
    if (a == NULL) {
        rs_err_set(err, RS_ENOMEM, "out of memory creating a DuckDB appender");
        return NULL;
    }
    if (dk.appender_create(c->con, NULL, table, &a->app) != DuckDBSuccess) {
        /* the failed appender carries the reason and must still be destroyed */
        const char *msg = a->app ? dk.appender_error(a->app) : NULL;
        rs_err_set(err, dk_code(msg, RS_EINVAL), "DuckDB appender on %s: %s", table,
                   msg ? msg : "unknown error");
        if (a->app)
            dk.appender_destroy(&a->app);
        free(a);
        return NULL;
    }
    return a;
}

/* The per-value appends: refused after an error, which they record. */
#define APP_CALL(a, call) \
    ((a)->first.code != RS_OK ? (a)->first.code : ((call) == DuckDBSuccess ? RS_OK : app_fail(a)))

int rl_duck_app_null(rl_duck_app *a) {
    return APP_CALL(a, dk.append_null(a->app));
}

int rl_duck_app_bool(rl_duck_app *a, int b) {
    return APP_CALL(a, dk.append_bool(a->app, b != 0));
}

int rl_duck_app_int(rl_duck_app *a, int64_t i) {
    return APP_CALL(a, dk.append_int64(a->app, i));
}

int rl_duck_app_double(rl_duck_app *a, double d) {
    return APP_CALL(a, dk.append_double(a->app, d));
}

int rl_duck_app_text(rl_duck_app *a, const char *s, size_t len) {
    return APP_CALL(a, dk.append_varchar_length(a->app, s, (idx_t)len));
}

int rl_duck_app_timestamp(rl_duck_app *a, int64_t micros) {
    duckdb_timestamp ts = {micros};
    return APP_CALL(a, dk.append_timestamp(a->app, ts));
}

int rl_duck_app_end_row(rl_duck_app *a, rs_err *err) {
    if (APP_CALL(a, dk.appender_end_row(a->app)) != RS_OK)
        return app_give(a, err);
    return RS_OK;
}

static void memo_clear(list_memo *m) {
    if (m->list != NULL)
        dk.destroy_value(&m->list);
    free(m->cells);
    memset(m, 0, sizeof *m);
}

int rl_duck_app_close(rl_duck_app *a, rs_err *err) {
    if (a == NULL)
        return RS_OK;
    /* Close flushes; after an earlier error we skip it (destroy still tries once, and DuckDB
     * refuses to flush a half-built row, so a failed row is never written). */
    APP_CALL(a, dk.appender_close(a->app));
    dk.appender_destroy(&a->app);
    int rc = app_give(a, err);
    for (int k = 0; k < RL_DK_OTHER; k++)
        if (a->elem_type[k] != NULL)
            dk.destroy_logical_type(&a->elem_type[k]);
    for (int m = 0; m < LIST_MEMO; m++)
        memo_clear(&a->memo[m]);
    free(a->elems);
    free(a);
    return rc;
}

/* The DuckDB type of a list's elements of kind k (made once per appender), or NULL. */
static duckdb_logical_type elem_type(rl_duck_app *a, rl_duck_kind k) {
    static const duckdb_type ids[RL_DK_OTHER] = {[RL_DK_BOOL] = DUCKDB_TYPE_BOOLEAN,
                                                 [RL_DK_INT] = DUCKDB_TYPE_BIGINT,
                                                 [RL_DK_DOUBLE] = DUCKDB_TYPE_DOUBLE,
                                                 [RL_DK_TEXT] = DUCKDB_TYPE_VARCHAR,
                                                 [RL_DK_TIMESTAMP] = DUCKDB_TYPE_TIMESTAMP};
    if (k <= RL_DK_NULL || k >= RL_DK_OTHER || ids[k] == DUCKDB_TYPE_INVALID)
        return NULL;
    if (a->elem_type[k] == NULL)
        a->elem_type[k] = dk.create_logical_type(ids[k]);
    return a->elem_type[k];
}

/* One cell as a DuckDB value (NULL when out of memory). */
static duckdb_value cell_value(const rl_duck_cell *c) {
    switch (c->kind) {
    case RL_DK_BOOL:
        return dk.create_bool(c->i != 0);
    case RL_DK_INT:
        return dk.create_int64(c->i);
    case RL_DK_DOUBLE:
        return dk.create_double(c->d);
    case RL_DK_TEXT:
        return dk.create_varchar_length(c->s, (idx_t)c->len);
    case RL_DK_TIMESTAMP: {
        duckdb_timestamp ts = {c->i};
        return dk.create_timestamp(ts);
    }
    default:
        return dk.create_null_value();
    }
}

static int app_oom(rl_duck_app *a) {
    if (a->first.code == RS_OK)
        rs_err_set(&a->first, RS_ENOMEM, "out of memory appending a list to the column replica");
    return a->first.code;
}

/* The hash of a list of kind kind; 0 for one that is not kept (it holds text). */
static uint64_t list_hash(rl_duck_kind kind, const rl_duck_cell *cells, int n) {
    uint64_t h = 1469598103934665603ULL ^ (uint64_t)kind ^ ((uint64_t)n << 8);
    for (int i = 0; i < n; i++) {
        if (cells[i].kind == RL_DK_TEXT)
            return 0;
        uint64_t bits = (uint64_t)cells[i].i;
        if (cells[i].kind == RL_DK_DOUBLE)
            memcpy(&bits, &cells[i].d, sizeof bits);
        h = (h ^ (uint64_t)cells[i].kind) * 1099511628211ULL;
        h = (h ^ bits) * 1099511628211ULL;
    }
    return h | 1;
}

static int same_cell(const rl_duck_cell *x, const rl_duck_cell *y) {
    if (x->kind != y->kind)
        return 0;
    switch (x->kind) {
    case RL_DK_DOUBLE:
        return memcmp(&x->d, &y->d, sizeof x->d) == 0;
    case RL_DK_BOOL:
    case RL_DK_INT:
    case RL_DK_TIMESTAMP:
        return x->i == y->i;
    default:
        return 1; /* nulls */
    }
}

/* The list kept in m, if it is kind with cells[0..n) (hash h). */
static duckdb_value memo_find(const list_memo *m, uint64_t h, rl_duck_kind kind,
                              const rl_duck_cell *cells, int n) {
    if (m->list == NULL || m->hash != h || m->kind != kind || m->n != n)
        return NULL;
    for (int i = 0; i < n; i++)
        if (!same_cell(&m->cells[i], &cells[i]))
            return NULL;
    return m->list;
}

/* Keep list (taken) in m; 0 when out of memory (the caller still owns list). */
static int memo_keep(list_memo *m, uint64_t h, rl_duck_kind kind, const rl_duck_cell *cells, int n,
                     duckdb_value list) {
    rl_duck_cell *copy = malloc((size_t)(n > 0 ? n : 1) * sizeof *copy);
    if (copy == NULL)
        return 0;
    if (n > 0) /* an empty list's cells may be NULL */
        memcpy(copy, cells, (size_t)n * sizeof *copy);
    memo_clear(m);
    *m = (list_memo){list, h, kind, copy, n};
    return 1;
}

/* A LIST value of cells[0..n) (NULL when out of memory). */
static duckdb_value make_list(rl_duck_app *a, duckdb_logical_type type, const rl_duck_cell *cells,
                              int n) {
    if (n > a->cap_elems || a->elems == NULL) { /* DuckDB refuses a NULL array, even empty */
        int cap = n > 8 ? n : 8;
        duckdb_value *v = realloc(a->elems, (size_t)cap * sizeof *v);
        if (v == NULL)
            return NULL;
        a->elems = v;
        a->cap_elems = cap;
    }
    int made = 0;
    while (made < n && (a->elems[made] = cell_value(&cells[made])) != NULL)
        made++;
    duckdb_value list = made == n ? dk.create_list_value(type, a->elems, (idx_t)n) : NULL;
    for (int i = 0; i < made; i++)
        dk.destroy_value(&a->elems[i]);
    return list;
}

int rl_duck_app_list(rl_duck_app *a, rl_duck_kind kind, const rl_duck_cell *cells, int n) {
    if (a->first.code != RS_OK)
        return a->first.code;
    duckdb_logical_type type = elem_type(a, kind);
    if (type == NULL)
        return app_oom(a);
    uint64_t h = list_hash(kind, cells, n);
    list_memo *m = h != 0 ? &a->memo[h % LIST_MEMO] : NULL;
    duckdb_value kept = m != NULL ? memo_find(m, h, kind, cells, n) : NULL;
    if (kept != NULL)
        return APP_CALL(a, dk.append_value(a->app, kept));
    duckdb_value list = make_list(a, type, cells, n);
    if (list == NULL)
        return app_oom(a);
    int rc = APP_CALL(a, dk.append_value(a->app, list));
    if (m == NULL || !memo_keep(m, h, kind, cells, n, list))
        dk.destroy_value(&list);
    return rc;
}
