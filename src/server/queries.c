/* queries.c - the query registry, async workers and QueryResponse / QueryInfo bodies (see
 * queries.h). Execution itself is query_exec.c. */
#include "queries.h"
#include "hash.h"
#include "query_exec.h"
#include "server/runtime/datetime.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define KEEP_MS          (3600 * 1000)          /* results are kept an hour */
#define KEEP_BYTES       (256u * 1024u * 1024u) /* ...and at most this much, oldest dropped first */
#define ASYNC_TIMEOUT_MS (30 * 60 * 1000)

enum { Q_QUEUED, Q_RUNNING, Q_COMPLETED, Q_ERROR, Q_CANCELLED };
static const char *const state_names[] = {"QUEUED", "RUNNING", "COMPLETED", "ERROR", "CANCELLED"};

typedef struct rl_query {
    char id[64];
    int state;
    char *sql;
    cJSON *params;
    int64_t default_row_limit;
    int64_t timeout_ms;
    int64_t submitted_ms; /* epoch */
    int64_t started_mono;
    int64_t elapsed_ms;
    int64_t throttled_ms; /* queued behind --max-concurrent-queries before it ran */
    int cancel;           /* read by the progress handler (atomic) */
    int pinned;           /* a request thread still reads it: never evicted */
    /* Who ran it, for the /queries endpoints (its key's user and name). Its privileges are
     * the request's while it runs (run_and_publish), not kept: a principal is 9 KB, and a
     * registry of an hour's queries that held one each grew the heap by that for every query
     * (page faults were 15 % of a SELECT 1's server time). */
    char owner_user[sizeof(((rl_principal *)0)->user)];
    char owner_key[sizeof(((rl_principal *)0)->key_name)];
    qx_result res;
    size_t kept;                  /* bytes it holds, counted in rl_queries.kept_bytes */
    struct rl_query *prev, *next; /* the registry, newest first */
    struct rl_query *id_next;     /* its bucket of rl_queries.by_id */
} rl_query;

/* Buckets of the registry's index by id: a lookup and an eviction cost what they touch, not the
 * queries kept (a dashboard's hour of queries is hundreds of thousands; walking them all on every
 * query was 7 % of a 1 ms query's time after 2,000 queries). */
#define ID_BUCKETS 4096

struct rl_queries {
    rl_server *srv;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    rl_query *head, *tail; /* newest first */
    rl_query *by_id[ID_BUCKETS];
    size_t kept_bytes; /* what the kept queries hold: at most KEEP_BYTES once evicted */
    int running_threads;
    int executing; /* admitted and not yet published: at most --max-concurrent-queries */
    int shutting_down;
};

typedef struct async_arg {
    rl_queries *qs;
    rl_query *q;
    int checked;      /* 0 for a query lambda's execution (EXECUTE_QUERY_LAMBDA_WS suffices) */
    rl_principal who; /* the caller's, copied: the request is answered before the query ends */
} async_arg;

static void query_free(rl_query *q) {
    free(q->sql);
    cJSON_Delete(q->params);
    qx_result_free(&q->res);
    free(q);
}

int rl_queries_new(rl_server *srv, rl_queries **out, rs_err *err) {
    rl_queries *qs = calloc(1, sizeof(*qs));
    if (qs == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    qs->srv = srv;
    pthread_mutex_init(&qs->lock, NULL);
    pthread_cond_init(&qs->changed, NULL);
    *out = qs;
    return RS_OK;
}

void rl_queries_shutdown(rl_queries *qs) {
    rl_query *q;
    if (qs == NULL)
        return;
    pthread_mutex_lock(&qs->lock);
    qs->shutting_down = 1;
    for (q = qs->head; q; q = q->next)
        __atomic_store_n(&q->cancel, 1, __ATOMIC_RELAXED);
    while (qs->running_threads > 0)
        pthread_cond_wait(&qs->changed, &qs->lock);
    pthread_mutex_unlock(&qs->lock);
}

void rl_queries_free(rl_queries *qs) {
    rl_query *q, *next;
    if (qs == NULL)
        return;
    for (q = qs->head; q; q = next) {
        next = q->next;
        query_free(q);
    }
    pthread_cond_destroy(&qs->changed);
    pthread_mutex_destroy(&qs->lock);
    free(qs);
}

static unsigned id_bucket(const char *id) {
    return rs_fnv1a32(id, strlen(id)) % ID_BUCKETS;
}

/* Locked: q joins the registry as its newest. */
static void link_locked(rl_queries *qs, rl_query *q) {
    unsigned b = id_bucket(q->id);
    q->kept = sizeof(*q) + strlen(q->sql);
    qs->kept_bytes += q->kept;
    q->prev = NULL;
    q->next = qs->head;
    if (qs->head != NULL)
        qs->head->prev = q;
    qs->head = q;
    if (qs->tail == NULL)
        qs->tail = q;
    q->id_next = qs->by_id[b];
    qs->by_id[b] = q;
}

/* Locked: q leaves the registry (the caller frees it). */
static void unlink_locked(rl_queries *qs, rl_query *q) {
    rl_query **link = &qs->by_id[id_bucket(q->id)];
    while (*link != NULL && *link != q)
        link = &(*link)->id_next;
    if (*link == q)
        *link = q->id_next;
    if (q->prev != NULL)
        q->prev->next = q->next;
    else
        qs->head = q->next;
    if (q->next != NULL)
        q->next->prev = q->prev;
    else
        qs->tail = q->prev;
    qs->kept_bytes -= q->kept;
}

/* Drop finished queries past their keep time, and the oldest while over the byte cap, from the
 * oldest on; a query still running or read by a request is passed over (there are few). Locked.
 */
static void evict(rl_queries *qs) {
    int64_t now = rl_mono_ms();
    rl_query *q = qs->tail, *newer;
    for (; q != NULL; q = newer) {
        newer = q->prev;
        if (now - q->started_mono <= KEEP_MS && qs->kept_bytes <= KEEP_BYTES)
            break;
        if (q->state >= Q_COMPLETED && !q->pinned) {
            unlink_locked(qs, q);
            query_free(q);
        }
    }
}

/* Whether who may see q: the queries run with the same key, or every query for an admin
 * (ALL_GLOBAL_ACTIONS). Another user's query id answers 404, as an unknown one. */
static int visible_to(const rl_query *q, const rl_principal *who) {
    if (who == NULL || rl_auth_may(who, RL_ACT_ALL_GLOBAL_ACTIONS, NULL))
        return 1;
    return strcmp(q->owner_user, who->user) == 0 && strcmp(q->owner_key, who->key_name) == 0;
}

static rl_query *find_locked(rl_queries *qs, const char *id, const rl_principal *who) {
    rl_query *q;
    for (q = qs->by_id[id_bucket(id)]; q; q = q->id_next)
        if (strcmp(q->id, id) == 0)
            return visible_to(q, who) ? q : NULL;
    return NULL;
}

static rl_query *query_new(const rl_query_req *qr, int64_t timeout_ms) {
    rl_query *q = calloc(1, sizeof(*q));
    char suffix[8];
    if (q == NULL)
        return NULL;
    rl_uuid(q->id);
    rl_id_alnum(suffix, 7);
    snprintf(q->id + 36, sizeof(q->id) - 36, ":%s:0", suffix);
    q->sql = strdup(qr->sql);
    q->params = qr->params ? cJSON_Duplicate(qr->params, 1) : cJSON_CreateArray();
    if (q->sql == NULL || q->params == NULL) {
        query_free(q);
        return NULL;
    }
    q->default_row_limit = qr->default_row_limit;
    q->timeout_ms = timeout_ms;
    q->submitted_ms = rl_now_ms();
    q->started_mono = rl_mono_ms();
    return q;
}

/* Admission (locked): wait until fewer than --max-concurrent-queries statements execute, as
 * Rockset queued queries beyond a virtual instance's concurrency. Why: on a machine with few
 * cores, every query thread running at once shares the CPU with the writers, and the scheduler's
 * fair share starved a stream of documents (8 clients querying let 1,000 of 5,000 docs/s in);
 * queued, the writers keep their core and each query runs at its idle speed. The wait counts in
 * the query's elapsed time and its timeout, and is reported as stats.throttled_time_micros.
 * 1 when admitted; 0 when the timeout or a cancel came first. */
static int admit_locked(rl_queries *qs, rl_query *q) {
    int64_t limit = qs->srv->cfg.max_concurrent_queries;
    int64_t queued_at = rl_mono_ms();
    struct timespec until = rl_deadline_after_ms(q->timeout_ms);
    while (limit > 0 && qs->executing >= limit && !q->cancel && !qs->shutting_down) {
        if (pthread_cond_timedwait(&qs->changed, &qs->lock, &until) == ETIMEDOUT)
            break;
    }
    q->throttled_ms = rl_mono_ms() - queued_at;
    if (limit > 0 && qs->executing >= limit && !q->cancel && !qs->shutting_down)
        return 0;
    qs->executing++;
    return 1;
}

static void queued_too_long(const rl_query *q, int64_t limit, qx_result *res) {
    memset(res, 0, sizeof(*res));
    res->http_status = 408;
    snprintf(res->err.type, sizeof(res->err.type), "QUERY_TIMEOUT");
    snprintf(res->err.msg, sizeof(res->err.msg),
             "Query timeout reached. The query waited %lld ms for one of the server's "
             "%lld query slots (--max-concurrent-queries) and did not start",
             (long long)q->throttled_ms, (long long)limit);
}

/* Run q on db (any thread) as who (NULL: a query lambda's execution, whose data privileges are
 * not checked) and publish its result under the lock. */
static void run_and_publish(rl_queries *qs, sqlite3 *db, rl_query *q, const rl_principal *who) {
    qx_input in;
    qx_result res;
    int admitted;

    pthread_mutex_lock(&qs->lock);
    admitted = admit_locked(qs, q);
    if (q->state == Q_QUEUED)
        q->state = Q_RUNNING;
    pthread_cond_broadcast(&qs->changed);
    pthread_mutex_unlock(&qs->lock);
    in.sql = q->sql;
    in.params = q->params;
    in.default_row_limit = q->default_row_limit;
    in.timeout_ms = q->timeout_ms > q->throttled_ms ? q->timeout_ms - q->throttled_ms : 1;
    in.cancel = &q->cancel;
    in.who = who;
    if (!admitted) {
        queued_too_long(q, qs->srv->cfg.max_concurrent_queries, &res);
    } else if (db != NULL) {
        qx_run(qs->srv, db, &in, &res);
    } else {
        memset(&res, 0, sizeof(res));
        res.http_status = 500;
        snprintf(res.err.type, sizeof(res.err.type), "INTERNALERROR");
        snprintf(res.err.msg, sizeof(res.err.msg), "no database connection");
    }
    pthread_mutex_lock(&qs->lock);
    if (admitted)
        qs->executing--;
    q->res = res;
    size_t result_bytes = res.rows.len + (size_t)res.n_rows * sizeof(size_t);
    q->kept += result_bytes;
    qs->kept_bytes += result_bytes;
    q->elapsed_ms = rl_mono_ms() - q->started_mono;
    if (q->state != Q_CANCELLED)
        q->state = res.cancelled ? Q_CANCELLED : res.http_status ? Q_ERROR : Q_COMPLETED;
    pthread_cond_broadcast(&qs->changed);
    pthread_mutex_unlock(&qs->lock);
}

static void *async_main(void *arg) {
    async_arg *a = arg;
    rl_queries *qs = a->qs;
    rs_err err = {0};
    sqlite3 *db = rl_store_acquire(qs->srv->store, &err);

    run_and_publish(qs, db, a->q, a->checked ? &a->who : NULL);
    rl_store_release(qs->srv->store, db);
    free(a);
    pthread_mutex_lock(&qs->lock);
    qs->running_threads--;
    pthread_cond_broadcast(&qs->changed);
    pthread_mutex_unlock(&qs->lock);
    return NULL;
}

/* Start q on a worker thread, run as who (NULL: not checked); 0 on success. Locked by the
 * caller. */
static int start_async_locked(rl_queries *qs, rl_query *q, const rl_principal *who) {
    pthread_attr_t attr;
    pthread_t tid;
    async_arg *a = malloc(sizeof(*a));
    int rc;
    if (a == NULL || qs->shutting_down) {
        free(a);
        return -1;
    }
    a->qs = qs;
    a->q = q;
    a->checked = who != NULL;
    if (who != NULL)
        a->who = *who;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    rc = pthread_create(&tid, &attr, async_main, a);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        free(a);
        return -1;
    }
    qs->running_threads++;
    return 0;
}

/* Wait (locked) until q finishes or wait_ms passes. */
static void wait_locked(rl_queries *qs, rl_query *q, int64_t wait_ms) {
    struct timespec until = rl_deadline_after_ms(wait_ms);
    while (q->state < Q_COMPLETED) {
        if (pthread_cond_timedwait(&qs->changed, &qs->lock, &until) == ETIMEDOUT)
            break;
    }
}

/* ---- bodies ---- */

static void put_iso(rs_buf *b, int64_t epoch_ms) {
    char text[48];
    rt_format_timestamp_seconds(text, sizeof(text), rt_micros_of(epoch_ms, 1000));
    rs_buf_printf(b, "\"%s\"", text);
}

static void cursor_text(const rl_query *q, int64_t offset, char out[48]) {
    snprintf(out, 48, "%.7s-%lld", q->id + 37, (long long)offset);
}

/* -1 when cursor does not belong to q. */
static int64_t cursor_offset(const rl_query *q, const char *cursor) {
    char *end = NULL;
    long long off;
    if (strlen(cursor) < 9 || strncmp(cursor, q->id + 37, 7) != 0 || cursor[7] != '-')
        return -1;
    off = strtoll(cursor + 8, &end, 10);
    return (*end != '\0' || off < 0) ? -1 : off;
}

static void put_pagination(rs_buf *b, const rl_query *q, const char *start_cursor, int64_t start,
                           int64_t count, int64_t page_size) {
    char next[48];
    int64_t after = start + count;
    rs_buf_puts(b, "\"pagination\":{\"start_cursor\":");
    if (start_cursor != NULL)
        rs_buf_json_string(b, start_cursor, strlen(start_cursor));
    else
        rs_buf_puts(b, "null");
    if (after < q->res.n_rows) {
        cursor_text(q, after, next);
        rs_buf_printf(b, ",\"next_cursor\":\"%s\"", next);
    } else {
        rs_buf_puts(b, ",\"next_cursor\":null");
    }
    rs_buf_printf(b, ",\"next_cursor_offset\":%lld,\"current_page_doc_count\":%lld",
                  (long long)after, (long long)count);
    if (after < q->res.n_rows)
        rs_buf_printf(b,
                      ",\"next_page_link\":\"/v1/orgs/self/queries/%s/pages?cursor=%s&docs=%lld\"}",
                      q->id, next, (long long)page_size);
    else
        rs_buf_puts(b, ",\"next_page_link\":null}");
}

static void put_stats(rs_buf *b, const rl_query *q) {
    int64_t elapsed = q->state >= Q_COMPLETED ? q->elapsed_ms : rl_mono_ms() - q->started_mono;
    rs_buf_printf(b,
                  "\"stats\":{\"elapsed_time_ms\":%lld,\"throttled_time_micros\":%lld,"
                  "\"index_used\":%s,\"engine\":\"%s\"",
                  (long long)elapsed, (long long)q->throttled_ms * 1000,
                  q->res.index_used ? "true" : "false", q->res.engine_columns ? "columns" : "rows");
    if (q->res.engine_columns) /* docs/column-index.md */
        rs_buf_printf(b, ",\"column_lag_ms\":%lld", (long long)q->res.column_lag_ms);
    rs_buf_putc(b, '}');
}

/* QueryResponse of a completed query (locked). max_initial < 0: all rows, no pagination. */
static void query_response(rs_buf *b, const rl_query *q, int64_t max_initial,
                           const char *lambda_path) {
    int64_t n = q->res.n_rows;
    int64_t count = max_initial < 0 || max_initial > n ? n : max_initial;
    char start[48];

    rs_buf_printf(b, "{\"query_id\":\"%s\",\"status\":\"COMPLETED\",\"results\":", q->id);
    qx_rows_json(&q->res, 0, count, b);
    if (q->res.column_fields != NULL)
        rs_buf_printf(b, ",\"column_fields\":%s", q->res.column_fields);
    rs_buf_printf(b, ",\"collections\":%s,\"aliases\":%s,",
                  q->res.collections ? q->res.collections : "[]",
                  q->res.aliases ? q->res.aliases : "[]");
    put_stats(b, q);
    if (max_initial >= 0) {
        rs_buf_putc(b, ',');
        cursor_text(q, 0, start);
        put_pagination(b, q, start, 0, count, max_initial > 0 ? max_initial : 10000);
        rs_buf_printf(b, ",\"results_total_doc_count\":%lld", (long long)n);
    }
    if (q->res.last_offset[0])
        rs_buf_printf(b, ",\"last_offset\":\"%s\"", q->res.last_offset);
    if (lambda_path != NULL) {
        rs_buf_puts(b, ",\"query_lambda_path\":");
        rs_buf_json_string(b, lambda_path, strlen(lambda_path));
    }
    rs_buf_putc(b, '}');
}

static void query_errors(rs_buf *b, const rl_query *q) {
    rs_buf_puts(b, "\"query_errors\":[");
    if (q->state == Q_ERROR || q->state == Q_CANCELLED) {
        const char *type = q->state == Q_CANCELLED ? "QUERY_CANCELLED" : q->res.err.type;
        const char *msg =
            q->state == Q_CANCELLED && !q->res.err.msg[0] ? "Query was cancelled" : q->res.err.msg;
        rs_buf_puts(b, "{\"type\":");
        rs_buf_json_string(b, type, strlen(type));
        rs_buf_puts(b, ",\"message\":");
        rs_buf_json_string(b, msg, strlen(msg));
        rs_buf_printf(b, ",\"status_code\":%d}", q->res.http_status ? q->res.http_status : 400);
    }
    rs_buf_putc(b, ']');
}

/* QueryInfo (locked). */
static void query_info(rs_buf *b, const rl_query *q) {
    char start[48];
    int done = q->state == Q_COMPLETED;
    rs_buf_printf(b, "{\"query_id\":\"%s\",\"status\":\"%s\",\"sql\":", q->id,
                  state_names[q->state]);
    rs_buf_json_string(b, q->sql, strlen(q->sql));
    rs_buf_puts(b, ",\"executed_by\":\"local@rockset-local\",\"submitted_at\":");
    put_iso(b, q->submitted_ms);
    rs_buf_puts(b, ",\"expires_at\":");
    if (done)
        put_iso(b, q->submitted_ms + KEEP_MS);
    else
        rs_buf_puts(b, "null");
    rs_buf_printf(
        b, ",\"stats\":{\"elapsed_time_ms\":%lld,\"throttled_time_ms\":%lld",
        (long long)(q->state >= Q_COMPLETED ? q->elapsed_ms : rl_mono_ms() - q->started_mono),
        (long long)q->throttled_ms);
    if (done)
        rs_buf_printf(b,
                      ",\"result_set_document_count\":%lld,\"result_set_bytes_size\":%lld,"
                      "\"result_set_file_count\":0",
                      (long long)q->res.n_rows, (long long)q->res.rows.len);
    rs_buf_puts(b, "},\"pagination\":");
    if (done) {
        cursor_text(q, 0, start);
        rs_buf_printf(b, "{\"start_cursor\":\"%s\"}", start);
    } else {
        rs_buf_puts(b, "null");
    }
    if (q->res.last_offset[0])
        rs_buf_printf(b, ",\"last_offset\":\"%s\",", q->res.last_offset);
    else
        rs_buf_puts(b, ",\"last_offset\":null,");
    query_errors(b, q);
    rs_buf_puts(b, ",\"destination_uri\":null}");
}

/* ---- request parsing ---- */

static int get_int(const cJSON *obj, const char *key, int64_t *out) {
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!cJSON_IsNumber(item))
        return 0;
    *out = (int64_t)item->valuedouble;
    return 1;
}

static int get_true(const cJSON *obj, const char *key) {
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, key));
}

/* The optional fields of a query request and the type each must have when present and not
 * null: a wrong type is a 400, as Rockset's input validation answers, rather than the field
 * silently ignored. */
typedef enum field_kind { FIELD_BOOL, FIELD_OBJECT, FIELD_COUNT } field_kind;

typedef struct field_type {
    const char *key;
    field_kind kind;
} field_type;

static const field_type top_fields[] = {
    {"async", FIELD_BOOL},
    {"timeout_ms", FIELD_COUNT},
    {"max_initial_results", FIELD_COUNT},
    {"default_row_limit", FIELD_COUNT},
    {"paginate", FIELD_BOOL},
    {"initial_paginate_response_doc_count", FIELD_COUNT},
    {"async_options", FIELD_OBJECT},
    {NULL, FIELD_BOOL},
};
static const field_type sql_fields[] = {
    {"default_row_limit", FIELD_COUNT},
    {"paginate", FIELD_BOOL},
    {"initial_paginate_response_doc_count", FIELD_COUNT},
    {"generate_warnings", FIELD_BOOL},
    {NULL, FIELD_BOOL},
};
static const field_type async_fields[] = {
    {"client_timeout_ms", FIELD_COUNT},
    {"timeout_ms", FIELD_COUNT},
    {"max_initial_results", FIELD_COUNT},
    {NULL, FIELD_BOOL},
};

static int has_type(const cJSON *item, field_kind kind) {
    switch (kind) {
    case FIELD_BOOL:
        return cJSON_IsBool(item);
    case FIELD_OBJECT:
        return cJSON_IsObject(item);
    default: /* a non-negative integer that a double holds exactly */
        return cJSON_IsNumber(item) && item->valuedouble >= 0 && item->valuedouble <= 9.0e15 &&
               item->valuedouble == (double)(int64_t)item->valuedouble;
    }
}

/* Replies 400 and returns 0 at the first field of obj with a wrong type. where: "" or "sql.". */
static int check_types(rl_req *rq, const cJSON *obj, const field_type *fields, const char *where) {
    static const char *const wanted[] = {"a boolean", "an object", "a non-negative integer"};
    const cJSON *item;

    for (; obj != NULL && fields->key != NULL; fields++) {
        item = cJSON_GetObjectItemCaseSensitive(obj, fields->key);
        if (item == NULL || cJSON_IsNull(item) || has_type(item, fields->kind))
            continue;
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "%s%s must be %s", where, fields->key,
                       wanted[fields->kind]);
        return 0;
    }
    return 1;
}

int rl_query_req_parse(rl_req *rq, const cJSON *top, const cJSON *sql_obj, rl_query_req *qr) {
    const cJSON *async_opts = cJSON_GetObjectItemCaseSensitive(top, "async_options");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(sql_obj, "parameters");
    int64_t n = 0;

    memset(qr, 0, sizeof(*qr));
    qr->max_initial_results = -1;
    if (!check_types(rq, top, top_fields, "") ||
        (sql_obj != top && !check_types(rq, sql_obj, sql_fields, "sql.")) ||
        !check_types(rq, cJSON_IsObject(async_opts) ? async_opts : NULL, async_fields,
                     "async_options."))
        return 0;
    if (params != NULL && !cJSON_IsNull(params) && !cJSON_IsArray(params)) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "parameters must be an array");
        return 0;
    }
    qr->params = cJSON_IsArray(params) ? params : NULL;
    if (!get_int(sql_obj, "default_row_limit", &qr->default_row_limit))
        get_int(top, "default_row_limit", &qr->default_row_limit);
    if (get_true(sql_obj, "paginate") || get_true(top, "paginate")) {
        qr->max_initial_results = 10000;
        if (get_int(sql_obj, "initial_paginate_response_doc_count", &n) ||
            get_int(top, "initial_paginate_response_doc_count", &n))
            qr->max_initial_results = n;
    }
    if (cJSON_IsObject(async_opts)) {
        get_int(async_opts, "client_timeout_ms", &qr->client_timeout_ms);
        get_int(async_opts, "timeout_ms", &qr->timeout_ms);
        if (get_int(async_opts, "max_initial_results", &n))
            qr->max_initial_results = n;
        if (cJSON_GetObjectItemCaseSensitive(top, "async") == NULL)
            qr->legacy_async = 1;
    }
    qr->is_async = get_true(top, "async") || qr->legacy_async;
    get_int(top, "timeout_ms", &qr->timeout_ms);
    if (get_int(top, "max_initial_results", &n))
        qr->max_initial_results = n;
    if (qr->max_initial_results > 100000) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "max_initial_results must be <= 100000");
        return 0;
    }
    return 1;
}

/* ---- execution ---- */

static void reply_query_error(rl_req *rq, const rl_query *q) {
    rl_reply_error_at(rq, q->res.http_status ? q->res.http_status : 400,
                      q->state == Q_CANCELLED ? "QUERY_CANCELLED" : q->res.err.type,
                      q->res.err.line, q->res.err.column, q->id,
                      q->state == Q_CANCELLED ? "Query was cancelled" : q->res.err.msg);
}

/* Locked: the reply for q as it stands. */
static void reply_for(rl_req *rq, const rl_query *q, const rl_query_req *qr) {
    rs_buf b = RS_BUF_INIT;
    if (q->state == Q_COMPLETED) {
        query_response(&b, q, qr->max_initial_results, qr->lambda_path);
    } else if (q->state == Q_ERROR || q->state == Q_CANCELLED) {
        reply_query_error(rq, q);
        return;
    } else {
        rs_buf_printf(&b, "{\"query_id\":\"%s\",\"status\":\"%s\",", q->id, state_names[q->state]);
        if (qr->legacy_async)
            rs_buf_puts(&b, "\"results\":[],");
        put_stats(&b, q);
        rs_buf_putc(&b, '}');
    }
    rl_reply_raw(rq, 200, rs_buf_cstr(&b));
    if (b.oom)
        rq->out.oom = 1;
    rs_buf_free(&b);
}

void rl_query_execute(rl_req *rq, const rl_query_req *qr) {
    rl_queries *qs = rq->srv->queries;
    int64_t limit = qr->is_async ? ASYNC_TIMEOUT_MS : rq->srv->cfg.query_timeout_ms;
    int64_t timeout = qr->timeout_ms > 0 && qr->timeout_ms < limit ? qr->timeout_ms : limit;
    rl_query *q = query_new(qr, timeout);
    static const rl_principal no_one; /* no request principal: no privilege */
    const rl_principal *who = rq->who != NULL ? rq->who : &no_one;
    int async_started = 0;
    sqlite3 *db;

    if (q == NULL) {
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        return;
    }
    q->pinned = 1;
    snprintf(q->owner_user, sizeof(q->owner_user), "%s", who->user);
    snprintf(q->owner_key, sizeof(q->owner_key), "%s", who->key_name);
    if (qr->lambda_path != NULL)
        who = NULL;
    pthread_mutex_lock(&qs->lock);
    evict(qs);
    link_locked(qs, q);
    if (qs->shutting_down)
        q->cancel = 1; /* a query arriving during shutdown must not hold it up */
    if (qr->is_async && start_async_locked(qs, q, who) == 0) {
        async_started = 1;
        if (qr->client_timeout_ms > 0)
            wait_locked(qs, q, qr->client_timeout_ms);
        /* Answer with the state as of now, still under the lock: with client_timeout_ms 0 an
         * async query is always answered QUEUED/RUNNING, however fast the worker is. */
        reply_for(rq, q, qr);
    }
    pthread_mutex_unlock(&qs->lock);
    if (!async_started) {
        db = rl_req_db(rq);
        run_and_publish(qs, db, q, who);
    }
    pthread_mutex_lock(&qs->lock);
    if (!async_started)
        reply_for(rq, q, qr);
    q->pinned = 0;
    pthread_mutex_unlock(&qs->lock);
}

/* ---- /queries endpoints ---- */

void rl_queries_reply_list(rl_req *rq) {
    rl_queries *qs = rq->srv->queries;
    rs_buf b = RS_BUF_INIT;
    rl_query *q;
    int first = 1;
    rs_buf_putc(&b, '[');
    pthread_mutex_lock(&qs->lock);
    for (q = qs->head; q; q = q->next) {
        if (q->state >= Q_COMPLETED || !visible_to(q, rq->who))
            continue;
        if (!first)
            rs_buf_putc(&b, ',');
        first = 0;
        query_info(&b, q);
    }
    pthread_mutex_unlock(&qs->lock);
    rs_buf_putc(&b, ']');
    rl_reply_data(rq, b.oom ? NULL : rs_buf_cstr(&b));
    rs_buf_free(&b);
}

static void reply_missing(rl_req *rq, const char *id) {
    rl_reply_error(rq, 404, "NOTFOUND", "QUERY_NOT_FOUND", "Query \"%s\" not found", id);
}

void rl_queries_reply_get(rl_req *rq, const char *id) {
    rl_queries *qs = rq->srv->queries;
    rs_buf b = RS_BUF_INIT;
    rl_query *q;
    pthread_mutex_lock(&qs->lock);
    q = find_locked(qs, id, rq->who);
    if (q != NULL) {
        rs_buf_puts(&b, "{\"data\":");
        query_info(&b, q);
        if (q->res.last_offset[0])
            rs_buf_printf(&b, ",\"last_offset\":\"%s\"}", q->res.last_offset);
        else
            rs_buf_puts(&b, ",\"last_offset\":null}");
    }
    pthread_mutex_unlock(&qs->lock);
    if (q == NULL)
        reply_missing(rq, id);
    else if (b.oom)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
    else
        rl_reply_raw(rq, 200, rs_buf_cstr(&b));
    rs_buf_free(&b);
}

static int64_t arg_int(rl_req *rq, const char *name, int64_t dflt, int64_t max) {
    const char *text = rl_req_arg(rq, name);
    char *end = NULL;
    long long v;
    if (text == NULL || *text == '\0')
        return dflt;
    v = strtoll(text, &end, 10);
    if (*end != '\0' || v < 0 || v > max)
        return -1;
    return v;
}

/* Locked: the page body for q. */
static void page_locked(rl_req *rq, const rl_query *q) {
    const char *cursor = rl_req_arg(rq, "cursor");
    int64_t docs = arg_int(rq, "docs", 10000, 100000);
    int64_t skip = arg_int(rq, "offset", 0, 1000000000);
    int64_t start = cursor && *cursor ? cursor_offset(q, cursor) : 0, count;
    rs_buf b = RS_BUF_INIT;

    if (q->state != Q_COMPLETED) {
        if (q->state == Q_ERROR || q->state == Q_CANCELLED)
            reply_query_error(rq, q);
        else
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                           "Query \"%s\" has not completed yet (status %s)", q->id,
                           state_names[q->state]);
        return;
    }
    if (docs < 0 || skip < 0 || start < 0) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "invalid cursor, docs or offset");
        return;
    }
    start += skip;
    if (start > q->res.n_rows)
        start = q->res.n_rows;
    count = q->res.n_rows - start < docs ? q->res.n_rows - start : docs;
    rs_buf_puts(&b, "{\"results\":");
    qx_rows_json(&q->res, start, count, &b);
    rs_buf_printf(&b, ",\"results_total_doc_count\":%lld,", (long long)q->res.n_rows);
    put_pagination(&b, q, cursor && *cursor ? cursor : NULL, start, count, docs);
    rs_buf_putc(&b, '}');
    if (b.oom)
        rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
    else
        rl_reply_raw(rq, 200, rs_buf_cstr(&b));
    rs_buf_free(&b);
}

void rl_queries_reply_pages(rl_req *rq, const char *id) {
    rl_queries *qs = rq->srv->queries;
    rl_query *q;
    pthread_mutex_lock(&qs->lock);
    q = find_locked(qs, id, rq->who);
    if (q != NULL)
        page_locked(rq, q);
    pthread_mutex_unlock(&qs->lock);
    if (q == NULL)
        reply_missing(rq, id);
}

void rl_queries_reply_cancel(rl_req *rq, const char *id) {
    rl_queries *qs = rq->srv->queries;
    rs_buf b = RS_BUF_INIT;
    rl_query *q;
    pthread_mutex_lock(&qs->lock);
    q = find_locked(qs, id, rq->who);
    if (q != NULL) {
        if (q->state < Q_COMPLETED) {
            __atomic_store_n(&q->cancel, 1, __ATOMIC_RELAXED);
            q->state = Q_CANCELLED;
            q->elapsed_ms = rl_mono_ms() - q->started_mono;
            pthread_cond_broadcast(&qs->changed);
        }
        query_info(&b, q);
    }
    pthread_mutex_unlock(&qs->lock);
    if (q == NULL)
        reply_missing(rq, id);
    else
        rl_reply_data(rq, b.oom ? NULL : rs_buf_cstr(&b));
    rs_buf_free(&b);
}
