/* ingest.c - see ingest.h. */
#include "ingest.h"
#include "jsonscan.h"
#include "server/runtime/datetime.h"
#include "server/runtime/value.h"
#include "store.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define IN_TABLE    "rl_in"
#define BATCH_TABLE "rl_batch"

/* Statements of one write, in ing->st. */
enum {
    ST_CLEAR_IN,
    ST_PUT_IN,
    ST_MAP,
    ST_PUT_BATCH,
    ST_CLEAR_BATCH,
    ST_PART,
    ST_MERGE,
    ST_FINAL,
    ST_STATE_GET,
    ST_STATE_PUT,
    ST_COUNT
};
_Static_assert(ST_COUNT == sizeof(((rl_ingest *)0)->st) / sizeof(sqlite3_stmt *),
               "rl_ingest.st holds one statement per slot");

int rl_ingest_check(const char *sql, int *rollup, rs_err *err) {
    sqlx_ingest q;
    int rc = sqlx_ingest_compile(sql, IN_TABLE, BATCH_TABLE, &q, err);
    if (rc == RS_OK)
        *rollup = q.rollup;
    sqlx_ingest_free(&q);
    return rc;
}

int rl_ingest_is_rollup(const char *sql) {
    int rollup = 0;
    return sql != NULL && rl_ingest_check(sql, &rollup, NULL) == RS_OK && rollup;
}

char *rl_ingest_sql_of(const char *fmq_json) {
    char *sql = NULL;
    if (fmq_json == NULL ||
        rs_jsonscan_get_string(rs_jsonscan_cstr(fmq_json), "sql", &sql, NULL) != RS_OK)
        return NULL;
    return sql;
}

static int db_error(rl_ingest *ing, rs_err *err) {
    return rs_err_set(err, RS_EINTERNAL, "database error: %s", sqlite3_errmsg(ing->db));
}

#define TEMP_TABLES_SQL                                                    \
    "CREATE TEMP TABLE IF NOT EXISTS " IN_TABLE "(_id TEXT, doc TEXT);"    \
    "CREATE TEMP TABLE IF NOT EXISTS " BATCH_TABLE "(_id TEXT, doc TEXT);" \
    "DELETE FROM temp." IN_TABLE ";DELETE FROM temp." BATCH_TABLE ";"

int rl_ingest_load(rl_ingest *ing, sqlite3 *db, const char *tbl, const char *sql, rs_err *err) {
    char *ddl;
    int rc;
    memset(ing, 0, sizeof *ing);
    ing->db = db;
    snprintf(ing->tbl, sizeof ing->tbl, "%s", tbl);
    rc = sqlx_ingest_compile(sql, IN_TABLE, BATCH_TABLE, &ing->q, err);
    if (rc != RS_OK) /* stored, so it compiled once: say where it fails now */
        return rs_err_set(err, RS_EINVAL, "the collection's ingest transformation: %s",
                          err ? err->msg : "invalid");
    ddl = ing->q.rollup ? sqlite3_mprintf(TEMP_TABLES_SQL
                                          "CREATE TABLE IF NOT EXISTS \"%w_rollup\"(gkey TEXT"
                                          " PRIMARY KEY, gid TEXT NOT NULL, state TEXT NOT NULL,"
                                          " et_ms INTEGER NOT NULL);",
                                          tbl)
                        : sqlite3_mprintf(TEMP_TABLES_SQL);
    if (ddl == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = sqlite3_exec(db, ddl, NULL, NULL, NULL) == SQLITE_OK ? RS_OK : db_error(ing, err);
    sqlite3_free(ddl);
    return rc;
}

void rl_ingest_free(rl_ingest *ing) {
    if (ing == NULL)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(ing->st[i]);
    sqlx_ingest_free(&ing->q);
    memset(ing, 0, sizeof *ing);
}

static char *statement_sql(rl_ingest *ing, int slot) {
    switch (slot) {
    case ST_CLEAR_IN:
        return sqlite3_mprintf("DELETE FROM temp." IN_TABLE);
    case ST_PUT_IN:
        return sqlite3_mprintf("INSERT INTO temp." IN_TABLE "(_id, doc)"
                               " VALUES(json_extract(?1, '$._id'), ?1)");
    case ST_MAP:
        return sqlite3_mprintf("%s", ing->q.map_sql);
    case ST_PUT_BATCH:
        return sqlite3_mprintf("INSERT INTO temp." BATCH_TABLE "(_id, doc)"
                               " VALUES(json_extract(?1, '$._id'), ?1)");
    case ST_CLEAR_BATCH:
        return sqlite3_mprintf("DELETE FROM temp." BATCH_TABLE);
    case ST_PART: /* the group's key array as JSON text: the state's key */
        return sqlite3_mprintf("SELECT doc, doc -> '$.g' FROM (%s)", ing->q.part_sql);
    case ST_MERGE:
        return sqlite3_mprintf("SELECT doc, doc -> '$.g' FROM (%s)", ing->q.merge_sql);
    case ST_FINAL:
        return sqlite3_mprintf("SELECT doc, doc -> '$.%s' FROM (%s)", SQLX_INGEST_GROUP_FIELD,
                               ing->q.final_sql);
    case ST_STATE_GET:
        return sqlite3_mprintf("SELECT gid, state, et_ms FROM \"%w_rollup\" WHERE gkey = ?1",
                               ing->tbl);
    default:
        return sqlite3_mprintf("INSERT OR REPLACE INTO \"%w_rollup\"(gkey, gid, state, et_ms)"
                               " VALUES(?1, ?2, ?3, ?4)",
                               ing->tbl);
    }
}

static sqlite3_stmt *stmt(rl_ingest *ing, int slot, rs_err *err) {
    sqlite3_stmt **st = &ing->st[slot];
    if (*st == NULL) {
        char *sql = statement_sql(ing, slot);
        int rc = sql ? sqlite3_prepare_v3(ing->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL)
                     : SQLITE_NOMEM;
        sqlite3_free(sql);
        if (rc != SQLITE_OK) {
            db_error(ing, err);
            return NULL;
        }
    }
    sqlite3_reset(*st);
    sqlite3_clear_bindings(*st);
    return *st;
}

/* Run a statement of no rows with up to one text argument. */
static int run(rl_ingest *ing, int slot, const char *text, rs_err *err) {
    sqlite3_stmt *st = stmt(ing, slot, err);
    if (st == NULL)
        return RS_EINTERNAL;
    if (text != NULL)
        sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? RS_OK : db_error(ing, err);
}

/* The one document a map, merge or final statement yields (*out malloc'd, NULL: no row). */
static int one_doc(rl_ingest *ing, int slot, char **out, rs_err *err) {
    sqlite3_stmt *st = stmt(ing, slot, err);
    int rc;
    *out = NULL;
    if (st == NULL)
        return RS_EINTERNAL;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const char *doc = (const char *)sqlite3_column_text(st, 0);
        *out = strdup(doc ? doc : "{}");
        rc = *out ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
    } else if (rc == SQLITE_DONE) {
        rc = RS_OK;
    } else {
        rc = rs_err_set(err, RS_EINVAL, "ingest transformation: %s", sqlite3_errmsg(ing->db));
    }
    sqlite3_reset(st);
    return rc;
}

/* Make rl_in hold docs[0..n) in that order. */
static int set_input(rl_ingest *ing, const char *const *docs, int n, rs_err *err) {
    int rc = run(ing, ST_CLEAR_IN, NULL, err);
    for (int i = 0; rc == RS_OK && i < n; i++)
        rc = run(ing, ST_PUT_IN, docs[i], err);
    return rc;
}

int rl_ingest_map(rl_ingest *ing, const char *doc, char **out, rs_err *err) {
    int rc = set_input(ing, &doc, 1, err);
    *out = NULL;
    return rc == RS_OK ? one_doc(ing, ST_MAP, out, err) : rc;
}

int rl_ingest_queue(rl_ingest *ing, const char *doc, rs_err *err) {
    int rc = run(ing, ST_PUT_BATCH, doc, err);
    if (rc == RS_OK)
        ing->n_queued++;
    return rc;
}

int rl_ingest_queued(const rl_ingest *ing) {
    return ing->n_queued;
}

/* The group's _id: the first 16 bytes of SHA-256 of its key text, in hex. */
static void group_id(const char *gkey, char out[33]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    memset(md, 0, sizeof md);
    EVP_Digest(gkey, strlen(gkey), md, &n, EVP_sha256(), NULL);
    for (int i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The groups one flush touches, sorted by key text for lookups. */
typedef struct group {
    char *gkey; /* malloc'd: the JSON text of its key values */
    char gid[40];
    int64_t et_ms;
    int finalized;
} group;

typedef struct groups {
    group *g;
    size_t n, cap;
} groups;

static void groups_free(groups *gs) {
    for (size_t i = 0; i < gs->n; i++)
        free(gs->g[i].gkey);
    free(gs->g);
    memset(gs, 0, sizeof *gs);
}

static int group_cmp(const void *a, const void *b) {
    return strcmp(((const group *)a)->gkey, ((const group *)b)->gkey);
}

static group *group_find(groups *gs, const char *gkey) {
    group key = {(char *)gkey, "", 0, 0};
    if (gkey == NULL || gs->n == 0)
        return NULL;
    return bsearch(&key, gs->g, gs->n, sizeof *gs->g, group_cmp);
}

/* A new group of this flush: its stored state (if any) and its part go into rl_in. */
static int add_group(rl_ingest *ing, groups *gs, const char *part, const char *gkey, int64_t now_ms,
                     rs_err *err) {
    sqlite3_stmt *st;
    int rc;
    if (gs->n == gs->cap) {
        size_t cap = gs->cap ? gs->cap * 2 : 256;
        group *g = realloc(gs->g, cap * sizeof *g);
        if (g == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        gs->g = g;
        gs->cap = cap;
    }
    group *g = &gs->g[gs->n];
    memset(g, 0, sizeof *g);
    if ((g->gkey = strdup(gkey)) == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    gs->n++;
    if ((st = stmt(ing, ST_STATE_GET, err)) == NULL)
        return RS_EINTERNAL;
    sqlite3_bind_text(st, 1, gkey, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(g->gid, sizeof g->gid, "%s", (const char *)sqlite3_column_text(st, 0));
        g->et_ms = sqlite3_column_int64(st, 2);
        rc = run(ing, ST_PUT_IN, (const char *)sqlite3_column_text(st, 1), err);
    } else if (rc == SQLITE_DONE) {
        group_id(gkey, g->gid);
        g->et_ms = now_ms;
        rc = RS_OK;
    } else {
        rc = db_error(ing, err);
    }
    sqlite3_reset(st);
    return rc == RS_OK ? run(ing, ST_PUT_IN, part, err) : rc;
}

/* part: the batch's groups, each with its stored state, into rl_in. */
static int collect_parts(rl_ingest *ing, groups *gs, int64_t now_ms, rs_err *err) {
    sqlite3_stmt *st = stmt(ing, ST_PART, err);
    int rc = st ? RS_OK : RS_EINTERNAL, step = SQLITE_DONE;
    while (rc == RS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *part = (const char *)sqlite3_column_text(st, 0);
        const char *gkey = (const char *)sqlite3_column_text(st, 1);
        rc = add_group(ing, gs, part ? part : "{}", gkey ? gkey : "[]", now_ms, err);
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc = rs_err_set(err, RS_EINVAL, "ingest transformation: %s", sqlite3_errmsg(ing->db));
    if (st != NULL)
        sqlite3_reset(st);
    if (rc == RS_OK && gs->n > 1) /* (qsort of no array is undefined, even of 0 items) */
        qsort(gs->g, gs->n, sizeof *gs->g, group_cmp);
    return rc;
}

static int state_put(rl_ingest *ing, const group *g, const char *state, rs_err *err) {
    sqlite3_stmt *st = stmt(ing, ST_STATE_PUT, err);
    if (st == NULL)
        return RS_EINTERNAL;
    sqlite3_bind_text(st, 1, g->gkey, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, g->gid, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, g->et_ms);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? RS_OK : db_error(ing, err);
}

/* merge: every group's state and part into its new state, stored, and left alone in rl_in. */
static int merge_states(rl_ingest *ing, groups *gs, rs_err *err) {
    sqlite3_stmt *st = stmt(ing, ST_MERGE, err);
    char **merged = calloc(gs->n ? gs->n : 1, sizeof *merged);
    size_t n = 0;
    int rc = st && merged ? RS_OK : st ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_EINTERNAL;
    int step = SQLITE_DONE;
    while (rc == RS_OK && n < gs->n && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *doc = (const char *)sqlite3_column_text(st, 0);
        const group *g = group_find(gs, (const char *)sqlite3_column_text(st, 1));
        if (g == NULL || doc == NULL)
            rc = rs_err_set(err, RS_EINTERNAL, "a rollup's merge gave an unknown group");
        else if ((merged[n] = strdup(doc)) == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        else
            rc = state_put(ing, g, merged[n++], err);
    }
    if (rc == RS_OK && step != SQLITE_DONE && step != SQLITE_ROW)
        rc = rs_err_set(err, RS_EINVAL, "ingest transformation: %s", sqlite3_errmsg(ing->db));
    if (st != NULL)
        sqlite3_reset(st);
    /* the merge's rows read rl_in: it is refilled only after them */
    if (rc == RS_OK)
        rc = set_input(ing, (const char *const *)merged, (int)n, err);
    for (size_t i = 0; i < n; i++)
        free(merged[i]);
    free(merged);
    return rc;
}

/* final: each group's document put; a group with no row (HAVING) is taken away. */
static int finalize_groups(rl_ingest *ing, groups *gs, rl_ingest_put_fn put, void *ctx,
                           rs_err *err) {
    sqlite3_stmt *st = stmt(ing, ST_FINAL, err);
    int rc = st ? RS_OK : RS_EINTERNAL, step = SQLITE_DONE;
    while (rc == RS_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        group *g = group_find(gs, (const char *)sqlite3_column_text(st, 1));
        char *doc = rl_ingest_set_member((const char *)sqlite3_column_text(st, 0),
                                         SQLX_INGEST_GROUP_FIELD, NULL);
        if (g == NULL || doc == NULL)
            rc = rs_err_set(err, g ? RS_ENOMEM : RS_EINTERNAL, "a rollup's final select failed");
        else {
            g->finalized = 1;
            rc = put(ctx, g->gid, doc, g->et_ms, err);
        }
        free(doc);
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc = rs_err_set(err, RS_EINVAL, "ingest transformation: %s", sqlite3_errmsg(ing->db));
    if (st != NULL)
        sqlite3_reset(st);
    for (size_t i = 0; rc == RS_OK && i < gs->n; i++)
        if (!gs->g[i].finalized)
            rc = put(ctx, gs->g[i].gid, NULL, gs->g[i].et_ms, err);
    return rc;
}

int rl_ingest_flush(rl_ingest *ing, int64_t now_ms, rl_ingest_put_fn put, void *ctx, rs_err *err) {
    groups gs = {0};
    int rc;
    if (ing->n_queued == 0)
        return RS_OK;
    rc = run(ing, ST_CLEAR_IN, NULL, err);
    if (rc == RS_OK)
        rc = collect_parts(ing, &gs, now_ms, err);
    if (rc == RS_OK)
        rc = merge_states(ing, &gs, err);
    if (rc == RS_OK)
        rc = finalize_groups(ing, &gs, put, ctx, err);
    groups_free(&gs);
    ing->n_queued = 0;
    return rc == RS_OK ? run(ing, ST_CLEAR_BATCH, NULL, err) : rc;
}

/* ---- special fields ---- */

/* What an _event_time may be, the start of every message refusing one. */
#define EVENT_TIME_FORMS "_event_time must be a timestamp, an ISO 8601 string or epoch milliseconds"

/* Milliseconds since the epoch beyond year 9999 can only be microseconds. */
#define MAX_EPOCH_MS 253402300799999LL

static int event_time_of_string(rs_jsonscan_span v, int64_t *micros, rs_err *err) {
    rs_buf s = RS_BUF_INIT;
    int rc = rs_jsonscan_string_decode(v, &s, err);
    if (rc == RS_OK && rt_parse_timestamp(s.data ? s.data : "", s.len, micros) != 0)
        rc = rs_err_set(err, RS_EINVAL, EVENT_TIME_FORMS ": '%.60s' is not an ISO 8601 time",
                        s.data ? s.data : "");
    rs_buf_free(&s);
    return rc;
}

static int event_time_of_typed(const char *text, size_t len, int64_t *micros, rs_err *err) {
    rs_buf scratch = RS_BUF_INIT;
    rv v;
    int rc = rv_from_json(text, len, &v, &scratch, err);
    rs_buf_free(&scratch);
    if (rc != RS_OK)
        return rc;
    if (v.type == RV_TIMESTAMP || v.type == RV_DATETIME)
        *micros = v.i;
    else if (v.type == RV_DATE)
        *micros = v.i * 86400000000LL;
    else
        return rs_err_set(err, RS_EINVAL, EVENT_TIME_FORMS ", not %s", rv_type_name(v.type));
    return RS_OK;
}

int rl_ingest_event_time(const char *value, size_t len, int64_t *micros, rs_err *err) {
    rs_jsonscan_span v = rs_jsonscan_trim((rs_jsonscan_span){value, len});
    rs_jsonscan_kind kind = rs_jsonscan_classify(v);
    if (kind == RS_JSON_STRING)
        return event_time_of_string(v, micros, err);
    if (kind == RS_JSON_INT || kind == RS_JSON_FLOAT) {
        double ms = strtod(v.ptr, NULL);
        long long whole = (long long)ms;
        *micros = whole > MAX_EPOCH_MS || whole < -MAX_EPOCH_MS ? whole : rt_micros_of(whole, 1000);
        return RS_OK;
    }
    if (kind == RS_JSON_OBJECT)
        return event_time_of_typed(v.ptr, v.len, micros, err);
    return rs_err_set(err, RS_EINVAL, EVENT_TIME_FORMS ", not %s", rs_jsonscan_kind_name(kind));
}

/* One "key":value member of an object being written; *n members so far. */
static void put_member(rs_buf *out, int *n, rs_jsonscan_span key, rs_jsonscan_span val) {
    if ((*n)++)
        rs_buf_putc(out, ',');
    rs_buf_append(out, key.ptr, key.len); /* appended, not printed: every write passes here */
    rs_buf_putc(out, ':');
    rs_buf_append(out, val.ptr, val.len);
}

char *rl_ingest_merge_top(const char *old_doc, const char *upd) {
    rs_jsonscan_span o = rs_jsonscan_cstr(old_doc), u = rs_jsonscan_cstr(upd), key, val, got;
    rs_jsonscan_iter it;
    rs_buf out = RS_BUF_INIT, name = RS_BUF_INIT;
    int n = 0;
    rs_buf_putc(&out, '{');
    rs_jsonscan_iter_init(&it, o);
    while (rs_jsonscan_iter_next(&it, &key, &val) == 1) {
        rs_buf_reset(&name);
        if (rs_jsonscan_string_decode(key, &name, NULL) == RS_OK &&
            rs_jsonscan_get_last(u, name.data ? name.data : "", name.len, &got))
            continue; /* the update's value wins */
        put_member(&out, &n, key, val);
    }
    rs_jsonscan_iter_init(&it, u);
    while (rs_jsonscan_iter_next(&it, &key, &val) == 1)
        put_member(&out, &n, key, val);
    rs_buf_putc(&out, '}');
    rs_buf_free(&name);
    return rs_buf_detach(&out);
}

char *rl_ingest_set_member(const char *doc, const char *name, const char *value_json) {
    rs_jsonscan_span d = rs_jsonscan_cstr(doc), key, val;
    rs_jsonscan_iter it;
    rs_buf out = RS_BUF_INIT;
    int n = 0;
    rs_buf_putc(&out, '{');
    rs_jsonscan_iter_init(&it, d);
    while (rs_jsonscan_iter_next(&it, &key, &val) == 1) {
        if (!rs_jsonscan_key_eq(key, name))
            put_member(&out, &n, key, val);
    }
    if (value_json != NULL) {
        rs_buf_puts(&out, n++ ? "," : "");
        rs_buf_json_string(&out, name, strlen(name));
        rs_buf_printf(&out, ":%s", value_json);
    }
    rs_buf_putc(&out, '}');
    return rs_buf_detach(&out);
}
