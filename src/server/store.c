/* store.c - see store.h. */
#include "store.h"
#include "checkpointer.h"
#include "colltab.h"
#include "fieldindex.h"
#include "ingest.h"
#include "kept.h"
#include "pending.h"
#include "server/colidx/replica.h"
#include "server/runtime/datetime.h"
#include "server/sql/sqlxlate.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define POOL_MAX 64

struct rl_store {
    char path[4096];
    char tmp_dir[256]; /* non-empty for the temporary database: removed at close */
    int lock_fd;       /* <path>.lock, flocked while the store is open (lock_store); -1: none */
    pthread_mutex_t lock;
    sqlite3 *idle[POOL_MAX];
    int n_idle;
    rl_pending *pending;           /* writes not visible yet (pending.h) */
    rl_checkpointer *checkpointer; /* passive checkpoints off the committing thread */
    int wal_restart_pages; /* RL_STORE_WAL_RESTART_PAGES, or ROCKSET_LOCAL_WAL_RESTART_PAGES */
    int lock_wait_ms;      /* RL_STORE_BUSY_MS, or ROCKSET_LOCAL_LOCK_WAIT_MS (busy_retry_writer) */
    int wal;               /* the database is in WAL mode: commits are seen by on_wal_commit */
    int64_t generation;    /* atomic: commits but data-only ones (rl_store_generation) */
    int64_t data_generation; /* atomic: commits (rl_store_data_generation) */
};

/* Set by a thread whose commits change nothing a statement's translation reads. */
static _Thread_local int quiet_commits;
/* Set by a thread whose next commit changes documents and counts only (one commit). */
static _Thread_local int data_only_commit;

static const char schema_sql[] =
    "CREATE TABLE IF NOT EXISTS meta(k TEXT PRIMARY KEY, v);"
    "CREATE TABLE IF NOT EXISTS workspaces(name TEXT PRIMARY KEY, description TEXT,"
    " created_at INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO workspaces VALUES('commons', NULL, CAST(strftime('%s','now') AS INT));"
    "CREATE TABLE IF NOT EXISTS collections(ws TEXT NOT NULL, name TEXT NOT NULL,"
    " description TEXT, fmq TEXT, retention_secs INTEGER, event_time_info TEXT,"
    " compression TEXT, created_at INTEGER NOT NULL, ready_at_ms INTEGER NOT NULL,"
    " tbl TEXT NOT NULL UNIQUE, bytes_inserted INTEGER NOT NULL DEFAULT 0,"
    " bytes_overwritten INTEGER NOT NULL DEFAULT 0, last_updated_ms INTEGER,"
    " last_queried_ms INTEGER, rrn TEXT, purged_docs INTEGER NOT NULL DEFAULT 0,"
    " purged_bytes INTEGER NOT NULL DEFAULT 0, PRIMARY KEY(ws, name));"
    "CREATE TABLE IF NOT EXISTS writes(seq INTEGER PRIMARY KEY AUTOINCREMENT,"
    " at_ms INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS views(ws TEXT NOT NULL, name TEXT NOT NULL, description TEXT,"
    " query_sql TEXT NOT NULL, prev_sql TEXT, entities TEXT NOT NULL, created_at INTEGER,"
    " modified_at INTEGER, sync_until_ms INTEGER, PRIMARY KEY(ws, name));"
    "CREATE TABLE IF NOT EXISTS aliases(ws TEXT NOT NULL, name TEXT NOT NULL, description TEXT,"
    " collections TEXT NOT NULL, created_at INTEGER, modified_at INTEGER,"
    " PRIMARY KEY(ws, name));"
    "CREATE TABLE IF NOT EXISTS lambdas(ws TEXT NOT NULL, name TEXT NOT NULL,"
    " created_at INTEGER, PRIMARY KEY(ws, name));"
    "CREATE TABLE IF NOT EXISTS lambda_versions(ws TEXT NOT NULL, name TEXT NOT NULL,"
    " version TEXT NOT NULL, seq INTEGER NOT NULL, description TEXT, query TEXT NOT NULL,"
    " default_params TEXT NOT NULL, collections TEXT NOT NULL, is_public INTEGER,"
    " created_at INTEGER, last_executed INTEGER, last_execution_error INTEGER,"
    " last_execution_error_message TEXT, PRIMARY KEY(ws, name, version));"
    "CREATE TABLE IF NOT EXISTS lambda_tags(ws TEXT NOT NULL, name TEXT NOT NULL,"
    " tag TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY(ws, name, tag));"
    /* the key store (auth.h): users, custom roles, API keys as HMAC digests */
    "CREATE TABLE IF NOT EXISTS users(email TEXT PRIMARY KEY, first_name TEXT, last_name TEXT,"
    " roles TEXT NOT NULL, state TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO users VALUES('local@rockset-local', 'rockset', 'local', '[\"admin\"]',"
    " 'ACTIVE', 1704067200);"
    "CREATE TABLE IF NOT EXISTS roles(name TEXT PRIMARY KEY, description TEXT,"
    " privileges TEXT NOT NULL, created_at INTEGER NOT NULL, created_by TEXT, owner_email TEXT);"
    "CREATE TABLE IF NOT EXISTS apikeys(user TEXT NOT NULL, name TEXT NOT NULL, role TEXT,"
    " hash BLOB NOT NULL UNIQUE, ident TEXT NOT NULL, state TEXT NOT NULL, expiry_ms INTEGER,"
    " created_at INTEGER NOT NULL, created_by TEXT, created_by_apikey_name TEXT,"
    " last_access_ms INTEGER, PRIMARY KEY(user, name));" RL_FX_SCHEMA_SQL RL_PENDING_SCHEMA_SQL
        RL_COLIDX_SCHEMA_SQL;

int64_t rl_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct timespec rl_deadline_after_ms(int64_t ms) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += (time_t)(ms / 1000);
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

int64_t rl_mono_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int64_t rl_mono_ms(void) {
    return rl_mono_us() / 1000;
}

static void random_bytes(unsigned char *out, size_t n) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = getrandom(out + got, n - got, 0);
        if (r <= 0) {
            /* getrandom cannot fail for small requests after boot; keep a fallback anyway */
            for (; got < n; got++)
                out[got] = (unsigned char)(rand() & 0xff);
            return;
        }
        got += (size_t)r;
    }
}

/* Random bytes for ids, read from the kernel 256 at a time: a query took two getrandom calls
 * for its id, and a document without an _id one. */
static void id_bytes(unsigned char *out, size_t n) {
    static __thread unsigned char pool[256];
    static __thread size_t left;
    while (n > 0) {
        size_t take;
        if (left == 0) {
            random_bytes(pool, sizeof(pool));
            left = sizeof(pool);
        }
        take = n < left ? n : left;
        memcpy(out, pool + sizeof(pool) - left, take);
        memset(pool + sizeof(pool) - left, 0, take); /* handed out once */
        left -= take;
        out += take;
        n -= take;
    }
}

void rl_uuid(char out[37]) {
    static const char hex[] = "0123456789abcdef";
    unsigned char b[16];
    int i, o = 0;
    id_bytes(b, sizeof(b));
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    for (i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[b[i] >> 4];
        out[o++] = hex[b[i] & 15];
    }
    out[o] = '\0';
}

/* n characters of [A-Za-z0-9] (at most 64) from the bytes fill gives, and a NUL. */
static void alnum_from(char *out, int n, void (*fill)(unsigned char *, size_t)) {
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char b[64];
    int i;
    if (n > 64)
        n = 64;
    fill(b, (size_t)n);
    for (i = 0; i < n; i++)
        out[i] = set[b[i] % 62];
    out[n] = '\0';
}

void rl_random_alnum(char *out, int n) {
    alnum_from(out, n, random_bytes);
}

void rl_id_alnum(char *out, int n) {
    alnum_from(out, n, id_bytes);
}

void rl_offset_format(int64_t seq, char out[48]) {
    snprintf(out, 48, "f1:0:%012lld:0:---0", (long long)seq);
}

int64_t rl_offset_parse(const char *text) {
    long long seq;
    int used = 0;
    if (text == NULL || sscanf(text, "f1:0:%lld:0:---0%n", &seq, &used) != 1 || used == 0 ||
        text[used] != '\0' || seq < 0)
        return -1;
    return seq;
}

/* ---- SQL functions ---- */

static void fn_now_ms(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    (void)argv;
    sqlite3_result_int64(ctx, rl_now_ms());
}

static void fn_iso(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char text[48];
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    rt_format_timestamp_seconds(text, sizeof(text),
                                rt_micros_of(sqlite3_value_int64(argv[0]), RT_MICROS_PER_SECOND));
    sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
}

static void fn_iso_us(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char text[48];
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    rt_format_timestamp(text, sizeof(text), rt_micros_of(sqlite3_value_int64(argv[0]), 1000));
    sqlite3_result_text(ctx, text, -1, SQLITE_TRANSIENT);
}

/* rl_is_rollup(fmq): whether a stored field_mapping_query is a rollup (insert_only). */
static void fn_is_rollup(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char *sql = rl_ingest_sql_of((const char *)sqlite3_value_text(argv[0]));
    (void)argc;
    sqlite3_result_int(ctx, rl_ingest_is_rollup(sql));
    free(sql);
}

static void fn_uuid(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char id[37];
    (void)argc;
    (void)argv;
    rl_uuid(id);
    sqlite3_result_text(ctx, id, -1, SQLITE_TRANSIENT);
}

static int register_functions(sqlite3 *db) {
    int rc = sqlite3_create_function(db, "rl_now_ms", 0, SQLITE_UTF8, NULL, fn_now_ms, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "rl_iso", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     fn_iso, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "rl_iso_us", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     fn_iso_us, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "rl_uuid", 0, SQLITE_UTF8, NULL, fn_uuid, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "rl_is_rollup", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC,
                                     NULL, fn_is_rollup, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlx_register_functions(db);
    return rc;
}

/* ---- connections ---- */

/* The environment's integer name if it lies in [lo, hi], else fallback: the store's settings a
 * test makes small (ROCKSET_LOCAL_WAL_RESTART_PAGES, ROCKSET_LOCAL_LOCK_WAIT_MS). */
static int env_int(const char *name, long lo, long hi, int fallback) {
    const char *env = getenv(name);
    long v = env != NULL ? strtol(env, NULL, 10) : 0;
    return v >= lo && v <= hi ? (int)v : fallback;
}

/* After each commit of a connection (sqlite3_wal_hook; it replaces SQLite's autocheckpoint,
 * which does the first part): a passive checkpoint once the WAL holds RL_STORE_WAL_PAGES, run by
 * the checkpointer's thread (checkpointer.h) so that the writer does not wait for it. It
 * copies only frames no reader still needs, and the WAL restarts from its beginning only when a
 * checkpoint copied everything with no reader on it. Under a stream of documents with queries or
 * the column replica reading between the commits, that never happened: the WAL grew without
 * bound (1.3 GB in 15 s at 5,000 docs/s on 1,000,000 documents) and every read searched it.
 * The checkpointer tries again until its copy is whole, and past RL_STORE_WAL_RESTART_PAGES it
 * runs a RESTART checkpoint, which waits for the readers of the moment (a query's length) and
 * leaves the WAL to be reused. SQLite calls it once the commit is done and the write lock
 * released, so a reader that sees the new generation sees the commit's data too. */
static int on_wal_commit(void *arg, sqlite3 *db, const char *schema, int pages) {
    rl_store *st = arg;
    (void)db;
    (void)schema; /* the store has one database: the checkpointer names "main" */
    if (!quiet_commits)
        __atomic_add_fetch(&st->data_generation, 1, __ATOMIC_ACQ_REL);
    if (!quiet_commits && !data_only_commit)
        __atomic_add_fetch(&st->generation, 1, __ATOMIC_ACQ_REL);
    data_only_commit = 0;
    if (pages >= RL_STORE_WAL_PAGES)
        rl_checkpointer_ask(st->checkpointer);
    return SQLITE_OK;
}

/* How a connection waits for a lock another holds (rl_store_busy_default for the pool's,
 * rl_store_busy_wait for a plain limit). SQLite's own handler, set by
 * sqlite3_busy_timeout, sleeps 1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50 and then 100 ms between
 * tries: a writer that met the WAL's restart (the write lock held while the readers of the moment
 * finish, a few ms) slept on for up to 100 ms after the lock was free, and under a stream of
 * documents with 8 clients querying one write in ten took 300 ms instead of 75. These try again
 * every millisecond for the first RETRY_FAST_MS, then every 5 ms, until the limit has passed
 * since busy_since_ms. */
#define RETRY_FAST_MS 100
static _Thread_local int64_t busy_since_ms; /* a connection is used by one thread at a time */
static _Thread_local int64_t busy_first_ms; /* the first try of this wait, for the build cap */

/* Long write transactions (rl_store_long_tx_begin) under way in this process: atomic. */
static int long_txs_under_way;

void rl_store_long_tx_begin(void) {
    __atomic_add_fetch(&long_txs_under_way, 1, __ATOMIC_ACQ_REL);
}

void rl_store_long_tx_end(void) {
    __atomic_sub_fetch(&long_txs_under_way, 1, __ATOMIC_ACQ_REL);
}

/* Sleep before the next try, or 0 to give up: limit_ms has passed since busy_since_ms. */
static int pause_or_give_up(int64_t now, int64_t limit_ms) {
    int64_t waited = now - busy_since_ms;
    if (waited >= limit_ms)
        return 0;
    struct timespec pause = {0, (waited < RETRY_FAST_MS ? 1 : 5) * 1000000L};
    nanosleep(&pause, NULL);
    return 1;
}

/* A plain limit (arg, in ms): rl_store_busy_wait. */
static int busy_retry(void *arg, int tries) {
    int64_t now = rl_mono_ms();
    if (tries == 0)
        busy_since_ms = now;
    return pause_or_give_up(now, (int64_t)(intptr_t)arg);
}

/* A pooled connection's wait (arg: the store's lock_wait_ms). An index build over a large
 * collection holds the write lock for its whole length (one CREATE INDEX: 7.7 s for a composite
 * index on 1,000,000 dashboard jobs), and a document write that gave up after the limit failed
 * with "database is locked" although nothing was wrong but the wait. While such a transaction is
 * under way the limit starts again at each try, so a write waits for it (at most
 * RL_STORE_LONG_TX_WAIT_MS in all) and then for the limit as usual. */
static int busy_retry_writer(void *arg, int tries) {
    int64_t now = rl_mono_ms();
    if (tries == 0)
        busy_since_ms = busy_first_ms = now;
    if (__atomic_load_n(&long_txs_under_way, __ATOMIC_ACQUIRE) > 0 &&
        now - busy_first_ms < RL_STORE_LONG_TX_WAIT_MS)
        busy_since_ms = now;
    return pause_or_give_up(now, *(const int *)arg);
}

void rl_store_busy_wait(sqlite3 *db, int limit_ms) {
    sqlite3_busy_handler(db, busy_retry, (void *)(intptr_t)limit_ms);
}

void rl_store_busy_default(rl_store *st, sqlite3 *db) {
    sqlite3_busy_handler(db, busy_retry_writer, &st->lock_wait_ms);
}

/* SQLite 3.38.0 to 3.41.1 can fill the Bloom filter of a join's lookup through an index on an
 * expression with the wrong values (fixed 2023-03-14, released in 3.41.2), and then skips rows
 * of the inner side that match: every field index is an index on an expression, and Debian 12
 * ships 3.40.1 (248 annotations looked up among 70,000 jobs found none of the 17). With those
 * libraries the filter, an optimization only, is turned off; sqlite3_test_control is how the
 * library's own shell does it. The two bits are SQLite's (sqliteInt.h: SQLITE_BloomFilter,
 * SQLITE_BloomPulldown). */
#define BLOOM_FILTER_FIXED 3041002
#define SQLITE_BLOOM_BITS  (0x00080000 | 0x00100000)
static void avoid_broken_bloom_filters(sqlite3 *db) {
    if (sqlite3_libversion_number() < BLOOM_FILTER_FIXED)
        sqlite3_test_control(SQLITE_TESTCTRL_OPTIMIZATIONS, db, SQLITE_BLOOM_BITS);
}

static sqlite3 *open_connection(rl_store *st, const char *path, rs_err *err) {
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    rl_store_busy_default(st, db);
    avoid_broken_bloom_filters(db);
    /* a write updates one B-tree per indexed field path (fieldindex.h), at random places: a 64 MiB
     * page cache, and the file mapped so that a page the cache lacks costs no read call (ingest
     * of 100,000 dashboard documents: 10,000 docs/s with 32 MiB and no map, 14,000). The map asks
     * for 2 GiB less 64 KiB, the most SQLite's usual build allows (SQLITE_MAX_MMAP_SIZE; it
     * lowers a larger ask to its own maximum): a 1,000,000-document store is 2.4 GB, and with
     * 1 GiB mapped a stream of jobs into it spent a ninth of its writer's time in read calls
     * (500-document batches: 1,389-1,546 docs/s with 1 GiB, 1,466-1,719 with this). */
    rc = sqlite3_exec(db,
                      "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      " PRAGMA cache_size=-65536; PRAGMA mmap_size=2147418112;",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    rc = register_functions(db);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_wal_hook(db, on_wal_commit, st);
    return db;
fail:
    rs_err_set(err, RS_EIO, "cannot open database %s: %s", path,
               db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return NULL;
}

/* The database, its WAL and shared-memory file hold documents and the key store: owner-only
 * (0600) whatever the umask, and an existing file readable by others is narrowed (SQLite gives
 * the WAL and -shm files the mode of the database file). */
static int make_owner_only(const char *path, rs_err *err) {
    const char *suffix[] = {"", "-wal", "-shm"};
    char file[4200];
    struct stat sb;
    int i, fd;

    for (i = 0; i < 3; i++) {
        snprintf(file, sizeof(file), "%s%s", path, suffix[i]);
        fd = open(file, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (i == 0 ? O_CREAT : 0), 0600);
        if (fd < 0 && i == 0)
            return rs_err_set(err, RS_EIO, "cannot open database %s: %s", path, strerror(errno));
        if (fd < 0)
            continue;
        if (fstat(fd, &sb) == 0 && (sb.st_mode & 077) != 0) {
            if (fchmod(fd, sb.st_mode & 0700) != 0) {
                close(fd);
                return rs_err_set(err, RS_EIO,
                                  "%s is readable by other users and cannot be "
                                  "made owner-only: %s",
                                  file, strerror(errno));
            }
            fprintf(stderr, "rockset-local: %s was readable by other users; now mode 0600\n", file);
        }
        close(fd);
    }
    return RS_OK;
}

/* One server per store file. A second one would keep its own pending writes, caches and
 * column replica over the same file, and its replica's rebuild would remove the first's. An
 * flock on <path>.lock is held while the store is open (the kernel drops it however the process
 * ends); the holder's pid is written in it for the second one's message. */
static int lock_store(rl_store *st, rs_err *err) {
    char file[4200], pid[32];
    snprintf(file, sizeof(file), "%s.lock", st->path);
    st->lock_fd = open(file, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (st->lock_fd < 0)
        return rs_err_set(err, RS_EIO, "cannot open %s: %s", file, strerror(errno));
    if (flock(st->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        ssize_t n = busy ? pread(st->lock_fd, pid, sizeof(pid) - 1, 0) : -1;
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        if (!busy)
            return rs_err_set(err, RS_EIO, "cannot lock %s: %s", file, strerror(errno));
        return rs_err_set(err, RS_EIO,
                          "%s is in use by another rockset-local (pid %s): stop it, or give"
                          " this one another --data",
                          st->path, pid[0] ? pid : "unknown");
    }
    int len = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(st->lock_fd, 0) != 0 || pwrite(st->lock_fd, pid, (size_t)len, 0) != len)
        fprintf(stderr, "rockset-local: cannot write the pid into %s: %s\n", file, strerror(errno));
    return RS_OK;
}

int rl_store_open(const char *path, rl_store **out, rs_err *err) {
    rl_store *st = calloc(1, sizeof(*st));
    sqlite3 *db = NULL;
    char *msg = NULL;

    if (st == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    /* no memory statistics: they take a global mutex on every allocation, and a write computes
     * many index keys (SQLITE_MISUSE when SQLite is already initialized: then it stays on) */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    pthread_mutex_init(&st->lock, NULL);
    st->lock_fd = -1;
    /* the WAL's restart point (at least RL_STORE_WAL_PAGES) and a write's wait for the lock
     * (1 ms to 1 hour) */
    st->wal_restart_pages = env_int("ROCKSET_LOCAL_WAL_RESTART_PAGES", RL_STORE_WAL_PAGES, 1L << 30,
                                    RL_STORE_WAL_RESTART_PAGES);
    st->lock_wait_ms = env_int("ROCKSET_LOCAL_LOCK_WAIT_MS", 1, 3600000, RL_STORE_BUSY_MS);
    if ((st->checkpointer = rl_checkpointer_new(st, st->wal_restart_pages)) == NULL) {
        rs_err_set(err, RS_ENOMEM, "out of memory");
        goto fail;
    }
    if (path == NULL || strcmp(path, ":memory:") == 0) {
        snprintf(st->tmp_dir, sizeof(st->tmp_dir), "/tmp/rockset-local-XXXXXX");
        if (mkdtemp(st->tmp_dir) == NULL) {
            st->tmp_dir[0] = '\0';
            rs_err_set(err, RS_EIO, "cannot create a temporary directory");
            goto fail;
        }
        snprintf(st->path, sizeof(st->path), "%s/db.sqlite", st->tmp_dir);
    } else {
        snprintf(st->path, sizeof(st->path), "%s", path);
    }
    if ((st->tmp_dir[0] == '\0' && lock_store(st, err) != RS_OK) ||
        make_owner_only(st->path, err) != RS_OK)
        goto fail;
    db = open_connection(st, st->path, err);
    if (db == NULL)
        goto fail;
    if (sqlite3_exec(db, schema_sql, NULL, NULL, &msg) != SQLITE_OK) {
        rs_err_set(err, RS_EIO, "cannot create the schema in %s: %s", st->path, msg ? msg : "?");
        sqlite3_free(msg);
        rl_kept_close(db);
        goto fail;
    }
    /* collections of a store written by an earlier version get today's tables */
    if (rl_colltab_migrate(db, err) != RS_OK || (st->pending = rl_pending_new(st)) == NULL ||
        rl_pending_load(st->pending, db, err) != RS_OK) {
        if (st->pending == NULL)
            rs_err_set(err, RS_ENOMEM, "out of memory");
        rl_kept_close(db); /* the catalog's questions of the migration are kept on it */
        goto fail;
    }
    char *mode = NULL;
    rl_sql(db, &mode, NULL, "PRAGMA journal_mode", "");
    st->wal = mode != NULL && strcmp(mode, "wal") == 0;
    free(mode);
    st->idle[st->n_idle++] = db;
    *out = st;
    return RS_OK;
fail:
    rl_store_close(st);
    return err ? err->code : RS_EIO;
}

void rl_store_close(rl_store *st) {
    int i;
    if (st == NULL)
        return;
    rl_pending_free(st->pending);           /* its thread borrows connections: stop it first */
    rl_checkpointer_free(st->checkpointer); /* so does this one's */
    for (i = 0; i < st->n_idle; i++)
        rl_kept_close(st->idle[i]);
    if (st->tmp_dir[0]) {
        const char *suffix[] = {"", "-wal", "-shm"};
        char file[4200];
        for (i = 0; i < 3; i++) {
            snprintf(file, sizeof(file), "%s%s", st->path, suffix[i]);
            unlink(file);
        }
        rmdir(st->tmp_dir);
    }
    if (st->lock_fd >= 0)
        close(st->lock_fd); /* the file stays: removing it would race with the next opener */
    pthread_mutex_destroy(&st->lock);
    free(st);
}

const char *rl_store_path(const rl_store *st) {
    return st->path;
}

int rl_store_is_temp(const rl_store *st) {
    return st->tmp_dir[0] != '\0';
}

rl_checkpointer *rl_store_checkpointer(rl_store *st) {
    return st->checkpointer;
}

rl_pending *rl_store_pending(rl_store *st) {
    return st->pending;
}

sqlite3 *rl_store_acquire(rl_store *st, rs_err *err) {
    sqlite3 *db = NULL;
    pthread_mutex_lock(&st->lock);
    if (st->n_idle > 0)
        db = st->idle[--st->n_idle];
    pthread_mutex_unlock(&st->lock);
    if (db == NULL)
        db = open_connection(st, st->path, err);
    return db;
}

void rl_store_release(rl_store *st, sqlite3 *db) {
    if (db == NULL)
        return;
    /* a handler that failed half-way may leave a transaction open: never pool one */
    if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_progress_handler(db, 0, NULL, NULL);
    pthread_mutex_lock(&st->lock);
    if (st->n_idle < POOL_MAX) {
        st->idle[st->n_idle++] = db;
        db = NULL;
    }
    pthread_mutex_unlock(&st->lock);
    rl_kept_close(db);
}

/* ---- statement helpers ---- */

static int sql_fail(sqlite3 *db, int rc, rs_err *err) {
    int code = RS_EINTERNAL;
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        code = RS_EEXISTS;
    else if (rc == SQLITE_INTERRUPT)
        code = RS_EINTERRUPT;
    return rs_err_set(err, code, "database error: %s", sqlite3_errmsg(db));
}

/* Arguments beyond the statement's parameters are consumed and ignored, so one argument list
 * can serve SQL texts that use only some of them. */
static int bind_args(sqlite3_stmt *stmt, const char *types, va_list ap) {
    int i, rc = SQLITE_OK, n = sqlite3_bind_parameter_count(stmt);
    for (i = 0; types[i] && rc == SQLITE_OK; i++) {
        if (types[i] == 's') {
            const char *s = va_arg(ap, const char *);
            if (i < n)
                rc = s ? sqlite3_bind_text(stmt, i + 1, s, -1, SQLITE_TRANSIENT)
                       : sqlite3_bind_null(stmt, i + 1);
        } else if (types[i] == 'i') {
            int64_t v = va_arg(ap, int64_t);
            if (i < n)
                rc = sqlite3_bind_int64(stmt, i + 1, v);
        } else {
            double d = va_arg(ap, double);
            if (i < n)
                rc = sqlite3_bind_double(stmt, i + 1, d);
        }
    }
    return rc;
}

/* Bind and step once the connection's kept statement for sql (kept.h: resolving a collection's
 * name, for one, was a prepare per query); leaves *stmt_out stepped, for rl_kept_done. */
static int run_va(sqlite3 *db, sqlite3_stmt **stmt_out, int *step_rc, rs_err *err, const char *sql,
                  const char *types, va_list ap) {
    sqlite3_stmt *stmt = NULL;
    int rc = rl_kept_stmt(db, RL_KEPT_STORE, sql, &stmt);
    if (rc == SQLITE_OK)
        rc = bind_args(stmt, types, ap);
    if (rc != SQLITE_OK) {
        sql_fail(db, rc, err);
        rl_kept_done(stmt);
        return err ? err->code : RS_EINTERNAL;
    }
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        sql_fail(db, rc, err);
        rl_kept_done(stmt);
        return err ? err->code : RS_EINTERNAL;
    }
    *stmt_out = stmt;
    *step_rc = rc;
    return RS_OK;
}

int64_t rl_store_generation(rl_store *st) {
    return st->wal ? __atomic_load_n(&st->generation, __ATOMIC_ACQUIRE) : -1;
}

int64_t rl_store_data_generation(rl_store *st) {
    return st->wal ? __atomic_load_n(&st->data_generation, __ATOMIC_ACQUIRE) : -1;
}

void rl_store_quiet_commits(int on) {
    quiet_commits = on;
}

void rl_store_data_only_commit(int on) {
    data_only_commit = on;
}

int rl_sql(sqlite3 *db, char **out, rs_err *err, const char *sql, const char *types, ...) {
    sqlite3_stmt *stmt = NULL;
    int step_rc = 0, rc;
    va_list ap;

    va_start(ap, types);
    rc = run_va(db, &stmt, &step_rc, err, sql, types, ap);
    va_end(ap);
    if (rc != RS_OK)
        return rc;
    if (out != NULL) {
        const unsigned char *text = NULL;
        *out = NULL;
        if (step_rc == SQLITE_ROW)
            text = sqlite3_column_text(stmt, 0);
        if (text != NULL) {
            *out = strdup((const char *)text);
            if (*out == NULL)
                rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        }
    }
    rl_kept_done(stmt);
    return rc;
}

int rl_sql_int(sqlite3 *db, int64_t *out, rs_err *err, const char *sql, const char *types, ...) {
    sqlite3_stmt *stmt = NULL;
    int step_rc = 0, rc;
    va_list ap;

    va_start(ap, types);
    rc = run_va(db, &stmt, &step_rc, err, sql, types, ap);
    va_end(ap);
    if (rc != RS_OK)
        return rc;
    *out = step_rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
    rl_kept_done(stmt);
    return RS_OK;
}

int rl_tx_begin(sqlite3 *db, rs_err *err) {
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? RS_OK : sql_fail(db, rc, err);
}

int rl_tx_end(sqlite3 *db, int ok, rs_err *err) {
    int rc;
    if (!ok) {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return RS_OK;
    }
    rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sql_fail(db, rc, err);
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        return err ? err->code : RS_EINTERNAL;
    }
    return RS_OK;
}
