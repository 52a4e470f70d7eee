/* query_exec.c - see query_exec.h. */
#include "query_exec.h"
#include "compuse.h"
#include "docs.h"
#include "enginepick.h"
#include "estcache.h"
#include "explain.h"
#include "fieldindex.h"
#include "hash.h"
#include "kept.h"
#include "pending.h"
#include "retention.h"
#include "server/colidx/duck.h"
#include "server/colidx/replica.h"
#include "server/colidx/watchdog.h"
#include "server/runtime/docindex.h"
#include "server/runtime/value.h"
#include "server/sql/sqlx_describe.h"
#include "server/sql/sqlx_duck.h"
#include "server/sql/sqlxlate.h"
#include "xlcache.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- resolver: names in SQL -> collection tables / view SQL, following aliases ---- */

typedef struct resolve_ctx {
    sqlite3 *db;
    rl_server *srv;
    const rl_principal *who; /* NULL: no privilege checks */
    int n_calls;             /* resolutions so far */
    /* The first resolution of DESCRIBE and INSERT INTO is their target, whose privilege is not
     * QUERY_DATA_WS for INSERT: a denial there waits until the statement's kind is known. */
    char first_denied[128];
    const cJSON *params; /* the request's parameters (estimates bind them); NULL validating */
    sqlx_catalog catalog;
    rs_buf seen;       /* JSON array body (no brackets) of every ws.name resolved */
    rs_buf workspaces; /* every workspace resolved, each followed by a NUL (xlcache.h) */
    rs_buf views;      /* same, views only */
    /* the composite indexes the plan reads ("r<name>") and those it asked for and lacks
     * ("a<tbl>\t<paths>"), each followed by a NUL: noted when the statement runs on SQLite
     * (compuse.h), and kept with its translation for later runs */
    rs_buf composites;
    /* a composite asked for is wanted at once, not when a run on SQLite notes it: a saved
     * lambda's save (qx_index_saved_sql), which has no run */
    int composites_now;
    int n_view_steps; /* views expanded so far: a cycle would never end */
} resolve_ctx;

static void note_name(rs_buf *b, const char *ws, const char *name) {
    char quoted[300];
    snprintf(quoted, sizeof(quoted), "\"%s.%s\"", ws, name);
    if (b->data != NULL && strstr(b->data, quoted))
        return;
    if (b->len)
        rs_buf_putc(b, ',');
    rs_buf_puts(b, quoted);
}

static int bind_params(sqlite3_stmt *stmt, const cJSON *params, rs_err *err);

/* ---- the catalog (sqlxlate.h), answered by fieldindex.h; tables are "<tbl>_data" ---- */

/* tbl of "<tbl>_data" into out; 0 when table is not such a name. */
static int coll_of(const char *table, char out[160]) {
    size_t n = strlen(table);
    if (n <= 5 || n - 5 >= 160 || strcmp(table + n - 5, "_data") != 0)
        return 0;
    memcpy(out, table, n - 5);
    out[n - 5] = '\0';
    return 1;
}

static int cat_has_field(void *ctx, const char *table, const char *field) {
    char tbl[160];
    return coll_of(table, tbl) ? rl_fieldindex_has_field(((resolve_ctx *)ctx)->db, tbl, field) : -1;
}

/* Asking for a path's index is a use: a listed path beyond the automatic budget gets its index
 * built in the background (fieldindex.h), for the next queries. */
static int cat_index_for(void *ctx, const char *table, sqlx_index_kind kind, const char *args,
                         const char *fn, sqlx_index *out) {
    resolve_ctx *rctx = ctx;
    char tbl[160];
    int wanted = 0;
    if (!coll_of(table, tbl))
        return 0;
    int found = rl_fieldindex_lookup(rctx->db, tbl, kind, args, fn, out, &wanted);
    if (wanted && rctx->srv != NULL && !rctx->srv->cfg.no_field_index)
        rl_pending_want(rl_store_pending(rctx->srv->store), tbl, kind, args, fn);
    return found;
}

static int64_t cat_doc_count(void *ctx, const char *table) {
    char tbl[160];
    return coll_of(table, tbl) ? rl_fieldindex_doc_count(((resolve_ctx *)ctx)->db, tbl) : -1;
}

/* Count the documents of a key range (up to cap) with the count statement st, its parameters
 * bound; through the server's cache (estcache.h) when the same count, same parameters, was
 * taken on the same generation of the collection a moment ago. */
static int64_t counted(resolve_ctx *rctx, sqlite3_stmt *st, const char *tbl) {
    rl_estcache *cache = rctx->srv != NULL ? rctx->srv->estimates : NULL;
    char *key = cache != NULL ? sqlite3_expanded_sql(st) : NULL;
    int64_t gen = key != NULL ? rl_fieldindex_generation(rctx->db, tbl) : -1;
    int64_t n = -1, now = rl_mono_ms();
    if (gen < 0 || !rl_estcache_get(cache, key, gen, now, &n)) {
        n = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int64(st, 0) : -1;
        if (gen >= 0 && n >= 0)
            rl_estcache_put(cache, key, gen, now, n);
    }
    sqlite3_free(key);
    return n;
}

/* Run the counting statement sql (sqlite3_free'd here; NULL: no count) with the query's
 * parameters bound, through counted(); -1 when it cannot run. */
static int64_t count_by(resolve_ctx *rctx, const char *tbl, char *sql) {
    sqlite3_stmt *st = NULL;
    int64_t n = -1;
    int rc = sql != NULL ? rl_kept_stmt(rctx->db, RL_KEPT_ESTIMATE, sql, &st) : SQLITE_ERROR;
    if (rc == SQLITE_OK && (sqlite3_bind_parameter_count(st) == 0 || rctx->params != NULL) &&
        bind_params(st, rctx->params, NULL) == RS_OK)
        n = counted(rctx, st, tbl);
    rl_kept_done(st);
    sqlite3_free(sql);
    return n;
}

static int64_t cat_estimate(void *ctx, const char *table, sqlx_index_kind kind, const char *args,
                            const char *fn, const sqlx_range *range, int64_t cap) {
    resolve_ctx *rctx = ctx;
    char tbl[160];
    if (!coll_of(table, tbl))
        return -1;
    return count_by(rctx, tbl,
                    rl_fieldindex_estimate_sql(rctx->db, tbl, kind, args, fn, range, cap));
}

/* The documents of one test's range passing the collection's other tests (a join's order is
 * chosen by it); cached as estimate's counts are. */
static int64_t cat_estimate_together(void *ctx, const char *table, const sqlx_keyfilter *filters,
                                     int n, int64_t cap) {
    resolve_ctx *rctx = ctx;
    char tbl[160];
    if (!coll_of(table, tbl))
        return -1;
    return count_by(rctx, tbl, rl_fieldindex_estimate_together_sql(rctx->db, tbl, filters, n, cap));
}

/* sqlx_relation.is_indexed, as the emitter asks it today: a scalar index on the path. */
static int path_is_indexed(void *ctx, const char *data_table, const char *args) {
    sqlx_index ix;
    return cat_index_for(ctx, data_table, SQLX_INDEX_SCALAR, args, NULL, &ix);
}

/* How many of the first k documents in an index's order pass a collection's tests (whether a
 * top-N walking that order meets them soon); cached as estimate's counts are. */
static int64_t cat_order_sample(void *ctx, const char *table, const char *order_args, int desc,
                                int64_t k, const sqlx_keyfilter *filters, int n) {
    resolve_ctx *rctx = ctx;
    char tbl[160];
    if (!coll_of(table, tbl))
        return -1;
    return count_by(rctx, tbl,
                    rl_fieldindex_order_sample_sql(rctx->db, tbl, order_args, desc, k, filters, n));
}

/* Add kind + a + (b ? "\t" b) to the NUL-separated notes unless it is there: the planner may
 * weigh one composite several times for one statement, which is one read or ask. */
static void note_once(rs_buf *notes, const char *kind, const char *a, const char *b) {
    rs_buf note = RS_BUF_INIT;
    rs_buf_printf(&note, "%s%s%s%s", kind, a, *b ? "\t" : "", b);
    int seen = note.oom;
    for (size_t at = 0; !seen && at < notes->len; at += strlen(notes->data + at) + 1)
        seen = strcmp(notes->data + at, note.data) == 0;
    if (!seen)
        rs_buf_append(notes, note.data, note.len + 1);
    rs_buf_free(&note);
}

/* A composite index over several paths: asked for by a query that tests them all, built by use
 * (fieldindex.h) while the collection's budget lasts. The ask is noted, and made when the
 * statement runs on SQLite (note_composites): a statement the column engine answers reads no
 * composite, and one it asked for took a place of the budget that the statements on SQLite
 * needed. On the dashboard benchmark's million jobs, the SQLite translations of two aggregates
 * that run on the columns (q17, q23) asked first and filled the budget; q40, on SQLite, asked
 * after them and read a day's 1,881 jobs for 10 rows on every run. */
static int cat_composite_for(void *ctx, const char *table, const char *const *args, int n, int want,
                             sqlx_index *out) {
    resolve_ctx *rctx = ctx;
    rs_buf paths = RS_BUF_INIT;
    char tbl[160];
    int wanted = 0, found = 0;
    if (!coll_of(table, tbl))
        return 0;
    rs_buf_putc(&paths, '[');
    for (int i = 0; i < n; i++) {
        rs_buf_puts(&paths, i ? "," : "");
        rs_buf_json_string(&paths, args[i], strlen(args[i]));
    }
    rs_buf_putc(&paths, ']');
    if (!paths.oom) {
        found = rl_fieldindex_composite(rctx->db, tbl, paths.data, out, &wanted);
        if (want && wanted && rctx->composites_now && !rctx->srv->cfg.no_field_index)
            rl_pending_want(rl_store_pending(rctx->srv->store), tbl, SQLX_INDEX_COMPOSITE,
                            paths.data, NULL);
        else if (!found && want)
            note_once(&rctx->composites, "a", tbl, paths.data);
    }
    rs_buf_free(&paths);
    return found;
}

static void cat_composite_read(void *ctx, const char *index) {
    note_once(&((resolve_ctx *)ctx)->composites, "r", index, "");
}

static int cat_path_absent(void *ctx, const char *table, const char *args) {
    char tbl[160];
    return coll_of(table, tbl) ? rl_fieldindex_path_absent(((resolve_ctx *)ctx)->db, tbl, args) : 0;
}

static void catalog_init(resolve_ctx *rctx) {
    rctx->catalog.ctx = rctx;
    rctx->catalog.has_field = cat_has_field;
    rctx->catalog.path_absent = cat_path_absent;
    rctx->catalog.index_for = cat_index_for;
    rctx->catalog.doc_count = cat_doc_count;
    rctx->catalog.estimate = cat_estimate;
    rctx->catalog.estimate_together = cat_estimate_together;
    rctx->catalog.composite_for = cat_composite_for;
    rctx->catalog.composite_read = cat_composite_read;
    rctx->catalog.order_sample = cat_order_sample;
}

static int resolve_collection(resolve_ctx *rctx, const char *ws, const char *name,
                              sqlx_relation *out, rs_err *err) {
    char *tbl = NULL;
    int rc = rl_sql(rctx->db, &tbl, err, "SELECT tbl FROM collections WHERE ws = ?1 AND name = ?2",
                    "ss", ws, name);
    if (rc != RS_OK)
        return rc;
    if (tbl == NULL)
        return RS_ENOTFOUND;
    out->kind = SQLX_REL_COLLECTION;
    snprintf(out->table, sizeof(out->table), "%s_data", tbl);
    snprintf(out->data_table, sizeof(out->data_table), "%s_data", tbl);
    out->catalog = &rctx->catalog;
    out->has_field = cat_has_field;
    out->has_field_ctx = rctx;
    out->is_indexed = path_is_indexed;
    snprintf(out->canonical, sizeof(out->canonical), "%s.%s", ws, name);
    free(tbl);
    return RS_OK;
}

static int resolve_alias(resolve_ctx *rctx, const char *ws, const char *name, sqlx_relation *out,
                         rs_err *err) {
    char *target_ws = NULL, *target = NULL;
    int rc = rl_sql(rctx->db, &target, err,
                    "SELECT json_extract(collections, '$[0]') FROM aliases WHERE ws = ?1 AND "
                    "name = ?2",
                    "ss", ws, name);
    if (rc == RS_OK && target == NULL)
        rc = RS_ENOTFOUND;
    if (rc == RS_OK) {
        char *dot = strchr(target, '.');
        target_ws = target;
        if (dot == NULL)
            rc = RS_ENOTFOUND;
        else {
            *dot = '\0';
            rc = resolve_collection(rctx, target_ws, dot + 1, out, err);
            if (rc == RS_ENOTFOUND)
                rs_err_set(err, RS_ENOTFOUND,
                           "Alias \"%s.%s\" points to collection \"%s.%s\", which does not exist",
                           ws, name, target_ws, dot + 1);
        }
    }
    if (rc == RS_OK)
        snprintf(out->alias_of, sizeof(out->alias_of), "%s.%s", ws, name);
    free(target);
    return rc;
}

static int resolve_view(resolve_ctx *rc_ctx, const char *ws, const char *name, sqlx_relation *out,
                        rs_err *err) {
    char *sql = NULL;
    int rc;
    if (++rc_ctx->n_view_steps > 64)
        return rs_err_set(err, RS_EINVAL, "view \"%s.%s\" nests too deeply (a cycle?)", ws, name);
    rc = rl_sql(rc_ctx->db, &sql, err,
                "SELECT CASE WHEN sync_until_ms > rl_now_ms() AND prev_sql IS NOT NULL"
                " THEN prev_sql ELSE query_sql END FROM views WHERE ws = ?1 AND name = ?2",
                "ss", ws, name);
    if (rc != RS_OK)
        return rc;
    if (sql == NULL)
        return RS_ENOTFOUND;
    out->kind = SQLX_REL_VIEW;
    out->view_sql = sql;
    snprintf(out->canonical, sizeof(out->canonical), "%s.%s", ws, name);
    note_name(&rc_ctx->views, ws, name);
    return RS_OK;
}

/* err := 403 FORBIDDEN naming the privilege who lacks on workspace ws. */
static int forbidden(rs_err *err, const rl_principal *who, rl_action act, const char *ws) {
    rs_err_set(err, RS_EHTTP,
               "API key \"%s\" (%s%s) lacks the privilege %s on workspace \"%s\", needed by "
               "this query",
               who->key_name, who->role[0] ? "role " : "the roles of ",
               who->role[0] ? who->role : who->user, rl_action_name(act), ws);
    if (err != NULL) {
        err->http_status = 403;
        snprintf(err->type, sizeof(err->type), "FORBIDDEN");
    }
    return RS_EHTTP;
}

static int resolve(void *ctx, const char *ws, const char *name, sqlx_relation *out, rs_err *err) {
    resolve_ctx *rctx = ctx;
    int rc;

    memset(out, 0, sizeof(*out));
    rs_err_clear(err);
    if (rctx->who != NULL && !rl_auth_may(rctx->who, RL_ACT_QUERY_DATA_WS, ws)) {
        if (rctx->n_calls++ > 0)
            return forbidden(err, rctx->who, RL_ACT_QUERY_DATA_WS, ws);
        snprintf(rctx->first_denied, sizeof(rctx->first_denied), "%s", ws);
    } else {
        rctx->n_calls++;
    }
    note_name(&rctx->seen, ws, name);
    rs_buf_append(&rctx->workspaces, ws, strlen(ws) + 1);
    rc = resolve_collection(rctx, ws, name, out, err);
    if (rc == RS_ENOTFOUND)
        rc = resolve_alias(rctx, ws, name, out, err);
    if (rc == RS_ENOTFOUND && err != NULL && err->code == RS_ENOTFOUND)
        return rc; /* alias pointing nowhere: keep its message */
    if (rc == RS_ENOTFOUND)
        rc = resolve_view(rctx, ws, name, out, err);
    if (rc == RS_EINVAL)
        return rc;
    if (rc == RS_ENOTFOUND)
        rs_err_set(err, RS_ENOTFOUND, "Collection \"%s\" does not exist in workspace \"%s\"", name,
                   ws);
    return rc;
}

/* ---- helpers ---- */

static char *names_json(char **names, int n) {
    rs_buf b = RS_BUF_INIT;
    int i;
    rs_buf_putc(&b, '[');
    for (i = 0; i < n; i++) {
        if (i)
            rs_buf_putc(&b, ',');
        rs_buf_json_string(&b, names[i], strlen(names[i]));
    }
    rs_buf_putc(&b, ']');
    if (b.oom) {
        rs_buf_free(&b);
        return NULL;
    }
    return rs_buf_detach(&b);
}

/* [{"name":..,"type":""}]: the translator knows names, not types (type "" as on the wire). */
static char *column_fields_json(const sqlx_stmt *st) {
    rs_buf b = RS_BUF_INIT;
    int i;
    rs_buf_putc(&b, '[');
    for (i = 0; i < st->n_columns; i++) {
        rs_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
        rs_buf_json_string(&b, st->column_names[i], strlen(st->column_names[i]));
        rs_buf_puts(&b, ",\"type\":\"\"}");
    }
    rs_buf_putc(&b, ']');
    if (b.oom) {
        rs_buf_free(&b);
        return NULL;
    }
    return rs_buf_detach(&b);
}

#define RESULT_CAP (-1) /* add_row: the row would pass res->max_bytes */

static int add_row(qx_result *res, const char *text, size_t len) {
    if (res->offs == NULL || (size_t)res->n_rows + 2 > res->cap_offs) {
        size_t cap = res->cap_offs ? res->cap_offs * 2 : 64;
        size_t *grown = realloc(res->offs, cap * sizeof(size_t));
        if (grown == NULL)
            return RS_ENOMEM;
        if (res->offs == NULL)
            grown[0] = 0;
        res->offs = grown;
        res->cap_offs = cap;
    }
    if (res->max_bytes > 0 && (int64_t)(res->rows.len + len) > res->max_bytes)
        return RESULT_CAP;
    if (rs_buf_append(&res->rows, text, len) != RS_OK)
        return RS_ENOMEM;
    res->n_rows++;
    res->offs[res->n_rows] = res->rows.len;
    return RS_OK;
}

void qx_rows_json(const qx_result *res, int64_t from, int64_t count, rs_buf *b) {
    int64_t i;
    rs_buf_putc(b, '[');
    for (i = from; i < from + count && i < res->n_rows; i++) {
        if (i > from)
            rs_buf_putc(b, ',');
        rs_buf_append(b, res->rows.data + res->offs[i], res->offs[i + 1] - res->offs[i]);
    }
    rs_buf_putc(b, ']');
}

void qx_result_free(qx_result *res) {
    rs_buf_free(&res->rows);
    free(res->offs);
    free(res->column_fields);
    free(res->collections);
    free(res->aliases);
    memset(res, 0, sizeof(*res));
}

static void fail(qx_result *res, int status, const char *type, const rs_err *from) {
    res->http_status = status;
    if (from != NULL && from != &res->err)
        res->err = *from;
    snprintf(res->err.type, sizeof(res->err.type), "%s", type);
}

/* add_row said RESULT_CAP: the rows would pass --max-result-bytes. */
static void fail_result_cap(qx_result *res) {
    rs_err_set(&res->err, RS_EINVAL,
               "the query's result exceeds %lld bytes (--max-result-bytes): add a LIMIT or select "
               "fewer fields",
               (long long)res->max_bytes);
    fail(res, 400, "RESOURCEEXCEEDED", NULL);
}

/* ---- progress handler: timeout and cancel ---- */

typedef struct progress {
    int64_t deadline_mono;
    int *cancel;
    int timed_out;
    int64_t try_deadline_us; /* a try on SQLite (enginepick.h) stops at rl_mono_us() past it */
    int tried_out;           /* it did: the rule's engine answers instead */
} progress;

static int on_progress(void *arg) {
    progress *p = arg;
    if (p->cancel != NULL && __atomic_load_n(p->cancel, __ATOMIC_RELAXED))
        return 1;
    if (p->try_deadline_us > 0 && rl_mono_us() > p->try_deadline_us) {
        p->tried_out = 1;
        return 1;
    }
    if (rl_mono_ms() > p->deadline_mono) {
        p->timed_out = 1;
        return 1;
    }
    return 0;
}

/* ---- parameters ---- */

static const cJSON *find_param(const cJSON *params, const char *name) {
    const cJSON *p;
    cJSON_ArrayForEach(p, params) {
        const char *n = rl_json_str(p, "name");
        if (n != NULL && strcmp(n, name) == 0)
            return p;
    }
    return NULL;
}

/* sqlx_param_text_fn over the request's parameters: a string-typed (or untyped) value. */
static const char *param_text(void *ctx, const char *name) {
    const cJSON *p = find_param((const cJSON *)ctx, name);
    const char *type = p != NULL ? rl_json_str(p, "type") : NULL;
    if (p == NULL || (type != NULL && *type != '\0' && strcmp(type, "string") != 0))
        return NULL;
    return rl_json_str(p, "value");
}

/* sqlx_param_value_fn over the request's parameters. */
static const char *param_value(void *ctx, const char *name, const char **type) {
    const cJSON *p = find_param((const cJSON *)ctx, name);
    const char *t = p != NULL ? rl_json_str(p, "type") : NULL;
    *type = t != NULL ? t : "";
    return p != NULL ? rl_json_str(p, "value") : NULL;
}

static int check_params(const sqlx_stmt *st, const cJSON *params, rs_err *err) {
    int i;
    for (i = 0; i < st->n_params; i++) {
        const cJSON *p = find_param(params, st->param_names[i]);
        if (p == NULL || rl_json_str(p, "value") == NULL) {
            rs_err_set(err, RS_EINVAL, "Query parameter '%s' was referenced but not provided",
                       st->param_names[i]);
            return RS_EINVAL;
        }
    }
    return RS_OK;
}

static int bind_params(sqlite3_stmt *stmt, const cJSON *params, rs_err *err) {
    int i, n = sqlite3_bind_parameter_count(stmt);
    for (i = 1; i <= n; i++) {
        const char *pname = sqlite3_bind_parameter_name(stmt, i);
        const cJSON *p;
        const char *type;
        if (pname == NULL)
            continue;
        p = find_param(params, pname + 1);
        if (p == NULL)
            return rs_err_set(err, RS_EINVAL,
                              "Query parameter '%s' was referenced but not provided", pname + 1);
        type = rl_json_str(p, "type");
        if (sqlx_bind_param(stmt, i, pname + 1, type ? type : "", rl_json_str(p, "value"), err))
            return err ? err->code : RS_EINVAL;
    }
    return RS_OK;
}

/* ---- statement kinds ---- */

/* SQLite's own words for its limits. A query that reaches one gets our message, never
 * SQLite's, whose wording names internals ("Expression tree is too large (maximum depth 1000)"). */
static const char *const sqlite_limits[] = {
    "parser stack overflow",
    "Expression tree is too large",
    "too many terms in compound",
    "too many FROM clause terms",
    "at most 64 tables in a join",
    "too many columns",
    "too many arguments on function",
    "too many SQL variables",
    "pattern too complex",
    "string or blob too big",
    "too many levels of trigger recursion",
};

static int is_sqlite_limit(const char *msg) {
    size_t i;
    for (i = 0; i < sizeof(sqlite_limits) / sizeof(sqlite_limits[0]); i++)
        if (strstr(msg, sqlite_limits[i]) != NULL)
            return 1;
    return 0;
}

/* A translated statement that names a table or column SQLite does not know is our bug, and
 * SQLite's message would name the server's internal tables: say so, and keep SQLite's message
 * for the server's log. Other errors (a function's, a cast's) are the user's and pass through. */
static void step_error(sqlite3 *db, int rc, int at_prepare, const progress *prog,
                       const qx_input *in, qx_result *res) {
    rs_err e = {0};
    const char *msg = sqlite3_errmsg(db);
    if (rc == SQLITE_INTERRUPT && prog->timed_out) {
        rs_err_set(&e, RS_ETIMEOUT,
                   "Query timeout reached. The query did not finish within %lld ms",
                   (long long)in->timeout_ms);
        fail(res, 408, "QUERY_TIMEOUT", &e);
    } else if (rc == SQLITE_INTERRUPT) {
        res->cancelled = 1;
        rs_err_set(&e, RS_EINTERRUPT, "Query was cancelled");
        fail(res, 400, "QUERY_CANCELLED", &e);
    } else if (is_sqlite_limit(msg)) {
        rs_err_set(&e, RS_EUNSUPPORTED,
                   "unsupported SQL: the query is too large for rockset-local (too deeply nested, "
                   "or too many terms, UNION arms, joins, columns or arguments)");
        fail(res, 400, "QUERY_ERROR", &e);
    } else if ((at_prepare && (strncmp(msg, "no such table", 13) == 0 ||
                               strncmp(msg, "no such column", 14) == 0)) ||
               (rc & 0xff) == SQLITE_NOMEM || (rc & 0xff) == SQLITE_CORRUPT) {
        fprintf(stderr, "rockset-local: a translated query failed in SQLite: %s\n", msg);
        rs_err_set(&e, RS_EINTERNAL,
                   "rockset-local could not run this query (an internal error; the server's log "
                   "has its cause)");
        fail(res, 500, "INTERNALERROR", &e);
    } else {
        rs_err_set(&e, RS_EINVAL, "%s", msg);
        fail(res, 400, "QUERY_ERROR", &e);
    }
}

/* Whether SQLite's plan for sql reads some collection through a field index (its name ends
 * "_fx<N>", or "_fn<N>" for a function index: fieldindex.c). Asked only of statements the
 * translator wrote for that. */
static int plan_uses_field_index(sqlite3 *db, const char *sql) {
    sqlite3_stmt *st = NULL;
    int used = 0;
    char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sql);
    if (eqp != NULL && sqlite3_prepare_v2(db, eqp, -1, &st, NULL) == SQLITE_OK)
        while (!used && sqlite3_step(st) == SQLITE_ROW) {
            const char *detail = (const char *)sqlite3_column_text(st, 3);
            used = detail != NULL &&
                   ((strstr(detail, " INDEX c_") != NULL &&
                     (strstr(detail, "_fx") != NULL || strstr(detail, "_fn") != NULL ||
                      strstr(detail, "_cx") != NULL)) ||
                    strstr(detail, "_elems USING PRIMARY KEY") != NULL ||
                    (strstr(detail, "SCAN c_") != NULL && strstr(detail, "_tri") != NULL &&
                     strstr(detail, "VIRTUAL TABLE INDEX 0:G") != NULL));
        }
    sqlite3_finalize(st);
    sqlite3_free(eqp);
    return used;
}

/* SQLite's answer for a statement text, kept per schema version: asking means preparing the
 * statement a second time (EXPLAIN QUERY PLAN), 0.1 to 0.15 ms of a 1 ms dashboard query, and a
 * dashboard sends the same texts again and again. A new index (or a collection made or dropped)
 * changes the schema version, and the plan is asked again. Direct-mapped: a collision replaces. */
#define PLAN_CACHE_SLOTS 256

typedef struct plan_seen {
    char *sql;
    uint64_t hash;
    int schema_version;
    int used;
} plan_seen;

static plan_seen plan_cache[PLAN_CACHE_SLOTS];
static pthread_mutex_t plan_cache_lock = PTHREAD_MUTEX_INITIALIZER;

static int schema_version(sqlite3 *db) {
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (rl_kept_stmt(db, RL_KEPT_CATALOG, "PRAGMA schema_version", &st) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    rl_kept_done(st);
    return v;
}

/* 1/0 when sql was seen at this schema version, else -1. */
static int plan_cached(const char *sql, uint64_t hash, int version) {
    plan_seen *e = &plan_cache[hash % PLAN_CACHE_SLOTS];
    int used = -1;
    pthread_mutex_lock(&plan_cache_lock);
    if (e->sql != NULL && e->hash == hash && e->schema_version == version &&
        strcmp(e->sql, sql) == 0)
        used = e->used;
    pthread_mutex_unlock(&plan_cache_lock);
    return used;
}

static void plan_remember(const char *sql, uint64_t hash, int version, int used) {
    plan_seen *e = &plan_cache[hash % PLAN_CACHE_SLOTS];
    char *copy = strdup(sql);
    if (copy == NULL)
        return; /* asked again next time */
    pthread_mutex_lock(&plan_cache_lock);
    free(e->sql);
    e->sql = copy;
    e->hash = hash;
    e->schema_version = version;
    e->used = used;
    pthread_mutex_unlock(&plan_cache_lock);
}

void qx_cache_free(void) {
    pthread_mutex_lock(&plan_cache_lock);
    for (int i = 0; i < PLAN_CACHE_SLOTS; i++) {
        free(plan_cache[i].sql);
        plan_cache[i].sql = NULL;
    }
    pthread_mutex_unlock(&plan_cache_lock);
}

static int index_used_by(sqlite3 *db, const char *sql) {
    uint64_t hash = rs_fnv1a64(sql, strlen(sql));
    int version = schema_version(db);
    int used = version < 0 ? -1 : plan_cached(sql, hash, version);
    if (used >= 0)
        return used;
    used = plan_uses_field_index(db, sql);
    if (version >= 0)
        plan_remember(sql, hash, version, used);
    return used;
}

/* Run the SELECT text, appending each row's doc to res. */
static void select_rows(sqlite3 *db, const char *sql, const qx_input *in, progress *prog,
                        qx_result *res) {
    sqlite3_stmt *stmt = NULL;
    int rc = rl_kept_stmt(db, RL_KEPT_QUERY, sql, &stmt);
    if (rc != SQLITE_OK) {
        step_error(db, rc, 1, prog, in, res);
        return;
    }
    if (bind_params(stmt, in->params, &res->err) != RS_OK) {
        fail(res, 400, "QUERY_ERROR", NULL);
        rl_kept_done(stmt);
        return;
    }
    rt_docindex_trust_queries(1); /* the documents it reads are the store's (docindex.h) */
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *text = (const char *)sqlite3_column_text(stmt, 0);
        int len = sqlite3_column_bytes(stmt, 0);
        int added = add_row(res, text ? text : "{}", text ? (size_t)len : 2);
        if (added == RESULT_CAP) {
            fail_result_cap(res);
            break;
        }
        if (added != RS_OK) {
            rs_err_set(&res->err, RS_ENOMEM, "out of memory holding the results");
            fail(res, 500, "INTERNALERROR", NULL);
            break;
        }
    }
    rt_docindex_trust_queries(0);
    if (rc != SQLITE_DONE && res->http_status == 0 && !(prog->tried_out && prog->try_deadline_us))
        step_error(db, rc, 0, prog, in, res);
    rl_kept_done(stmt);
}

static void describe_rows(sqlite3 *db, const sqlx_stmt *st, qx_result *res) {
    sqlx_describe *d = sqlx_describe_new();
    sqlite3_stmt *stmt = NULL;
    char sql[256];
    char *rows = NULL;
    int rc = RS_OK;

    snprintf(sql, sizeof(sql), "SELECT doc FROM \"%s\"", st->target_table);
    if (d == NULL || sqlite3_prepare_v2(db, sql, -1, &stmt, NULL) != SQLITE_OK)
        rc = rs_err_set(&res->err, RS_EINTERNAL, "cannot read %s.%s", st->target_ws,
                        st->target_name);
    while (rc == RS_OK && sqlite3_step(stmt) == SQLITE_ROW)
        rc = sqlx_describe_add(d, (const char *)sqlite3_column_text(stmt, 0), &res->err);
    sqlite3_finalize(stmt);
    stmt = NULL;
    if (rc == RS_OK) {
        rows = sqlx_describe_rows(d, &res->err);
        if (rows == NULL)
            rc = RS_EINTERNAL;
    }
    if (rc == RS_OK &&
        sqlite3_prepare_v2(db, "SELECT value FROM json_each(?1)", -1, &stmt, NULL) == SQLITE_OK) {
        sqlite3_bind_text(stmt, 1, rows, -1, SQLITE_STATIC);
        while (rc == RS_OK && sqlite3_step(stmt) == SQLITE_ROW)
            rc = add_row(res, (const char *)sqlite3_column_text(stmt, 0),
                         (size_t)sqlite3_column_bytes(stmt, 0));
    }
    sqlite3_finalize(stmt);
    if (rc != RS_OK)
        fail(res, rc == RS_EINVAL ? 400 : 500, rc == RS_EINVAL ? "QUERY_ERROR" : "INTERNALERROR",
             NULL);
    free(rows);
    sqlx_describe_free(d);
}

/* EXPLAIN: one row {"EXPLAIN": line} per line of the plan (explain.h). */
static int explain_line(void *ctx, const char *line) {
    qx_result *res = ctx;
    rs_buf row = RS_BUF_INIT;
    rs_buf_puts(&row, "{\"EXPLAIN\":");
    rs_buf_json_string(&row, line, strlen(line));
    rs_buf_putc(&row, '}');
    int rc = row.oom ? RS_ENOMEM : add_row(res, row.data, row.len);
    rs_buf_free(&row);
    return rc == RS_OK ? RS_OK : RS_ENOMEM;
}

static void explain_rows(sqlite3 *db, const sqlx_stmt *st, qx_result *res) {
    int rc = rl_explain(db, st->sqlite_sql, explain_line, res, &res->err);
    free(res->column_fields);
    res->column_fields = strdup("[{\"name\":\"EXPLAIN\",\"type\":\"\"}]");
    if (rc == RS_ENOMEM && res->err.msg[0] == '\0')
        rs_err_set(&res->err, RS_ENOMEM, "out of memory holding the plan");
    if (rc != RS_OK)
        fail(res, rc == RS_EINVAL ? 400 : 500, rc == RS_EINVAL ? "QUERY_ERROR" : "INTERNALERROR",
             NULL);
}

/* The translator's plan after SQLite's steps: one row "plan: <operator>" per line, so that
 * a user sees the paths chosen (key tests, their counts, join strategies, pushed conjuncts). */
static void explain_plan(const sqlx_stmt *st, qx_result *res) {
    rs_buf line = RS_BUF_INIT;
    for (const char *p = st->plan; p != NULL && *p && res->http_status == 0;) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        rs_buf_reset(&line);
        rs_buf_printf(&line, "plan: %.*s", (int)len, p);
        if (line.oom || explain_line(res, line.data) != RS_OK)
            break;
        p += len + (end != NULL);
    }
    rs_buf_free(&line);
}

/* INSERT INTO: run the SELECT, then write its rows as documents in one transaction. */
static void insert_rows(rl_server *srv, sqlite3 *db, const sqlx_stmt *st, const qx_input *in,
                        progress *prog, qx_result *res) {
    qx_result docs;
    rl_docwrite w;
    char id[256], row[64];
    int64_t i;
    int rc;

    memset(&docs, 0, sizeof(docs));
    select_rows(db, st->sqlite_sql, in, prog, &docs);
    if (docs.http_status != 0) {
        fail(res, docs.http_status, docs.err.type, &docs.err);
        res->cancelled = docs.cancelled;
        qx_result_free(&docs);
        return;
    }
    rc = rl_docs_begin(&w, db, srv, st->target_ws, st->target_name, &res->err);
    if (rc == RS_OK) {
        for (i = 0; rc == RS_OK && i < docs.n_rows; i++) {
            char *doc = strndup(docs.rows.data + docs.offs[i], docs.offs[i + 1] - docs.offs[i]);
            rc = doc ? rl_docs_add(&w, doc, id, &res->err) : RS_ENOMEM;
            free(doc);
        }
        if (rc == RS_OK)
            rc = rl_docs_end(&w, 1, res->last_offset, &res->err);
        else
            rl_docs_end(&w, 0, NULL, NULL);
    }
    if (rc != RS_OK) {
        res->last_offset[0] = '\0';
        fail(res, 400, "QUERY_ERROR", NULL);
    } else {
        snprintf(row, sizeof(row), "{\"num_docs_inserted\":%lld}", (long long)docs.n_rows);
        add_row(res, row, strlen(row));
    }
    qx_result_free(&docs);
}

static void translate_error(const rs_err *e, qx_result *res) {
    if (e->code == RS_EHTTP && e->http_status == 403)
        fail(res, 403, "FORBIDDEN", e);
    else
        fail(res, 400, "QUERY_ERROR", e);
}

/* After translation (ok: it succeeded): the deferred denial of the first name, unless it was an
 * INSERT's target, and WRITE_DATA_WS on that target. 0 = allowed; else err is the 403. */
static int check_privileges(const resolve_ctx *rctx, const sqlx_stmt *st, int ok, rs_err *err) {
    if (rctx->who == NULL)
        return RS_OK;
    if (rctx->first_denied[0] && !(ok && st->kind == SQLX_INSERT))
        return forbidden(err, rctx->who, RL_ACT_QUERY_DATA_WS, rctx->first_denied);
    if (ok && st->kind == SQLX_INSERT &&
        !rl_auth_may(rctx->who, RL_ACT_WRITE_DATA_WS, st->target_ws))
        return forbidden(err, rctx->who, RL_ACT_WRITE_DATA_WS, st->target_ws);
    return RS_OK;
}

/* ---- the column engine (docs/column-index.md) ---- */

/* A backlog of changes the query itself applies before reading the columns; longer ones send
 * the query to SQLite while the worker catches up. */
#define COLS_MAX_BACKLOG 50000

#define COLS_CHECKED_MAX 8

typedef struct cols_ctx {
    resolve_ctx *rctx;
    const qx_input *in;
    int behind;     /* a collection's replica is behind the snapshot: the query stays on SQLite */
    int64_t lag_ms; /* the replica's lag as the query found it */
    int decoded;    /* a path looked up decodes element strings (rl_colidx_column.decoder) */
    char checked[COLS_CHECKED_MAX][160]; /* the collections found current in the replica */
    int n_checked;
} cols_ctx;

/* Whether the replica holds every change of collection table tbl that the query's snapshot
 * sees, asked once per collection of the statement: only statements that may go to the
 * columns pay for catching up, and only for the collections they read. */
static int cols_current(cols_ctx *cc, const char *tbl) {
    rs_err err = {0};
    int64_t lag_ms = 0;
    for (int i = 0; i < cc->n_checked; i++)
        if (strcmp(cc->checked[i], tbl) == 0)
            return 1;
    int rc = rl_colidx_catch_up(cc->rctx->srv->colidx, cc->rctx->db, tbl, COLS_MAX_BACKLOG, &lag_ms,
                                &err);
    cc->lag_ms = lag_ms > cc->lag_ms ? lag_ms : cc->lag_ms;
    if (rc != 0) {
        cc->behind = 1;
        return 0;
    }
    if (cc->n_checked < COLS_CHECKED_MAX)
        snprintf(cc->checked[cc->n_checked++], sizeof cc->checked[0], "%s", tbl);
    return 1;
}

/* A collection the replica has no table for, caught up to the query's snapshot, in which
 * SQLite's catalog counts no visible document: empty on both engines (HUD's UNION ALL arm over
 * a CircleCI collection that never received a job). */
static int cols_empty(cols_ctx *cc, const char *tbl, sqlx_duck_col *out /* zeroed */) {
    if (rl_fieldindex_doc_count(cc->rctx->db, tbl) != 0)
        return 0;
    out->type = RV_UNDEFINED;
    out->has_missing = 1;
    out->empty = 1;
    return 1;
}

static int cols_column(void *ctx, const char *table, const char *const *names, int n,
                       sqlx_duck_col *out) {
    cols_ctx *cc = ctx;
    rl_colidx_column col;
    char tbl[160]; /* the translator names a collection by its data table, "<tbl>_data" */
    if (cc->behind || !coll_of(table, tbl) || !cols_current(cc, tbl))
        return 0;
    memset(out, 0, sizeof *out);
    if (!rl_colidx_lookup(cc->rctx->srv->colidx, tbl, names, n, &col))
        return cols_empty(cc, tbl, out);
    snprintf(out->table, sizeof out->table, "%s", col.table);
    snprintf(out->column, sizeof out->column, "%s", col.column);
    snprintf(out->ts_column, sizeof out->ts_column, "%s", col.ts_column);
    snprintf(out->len_column, sizeof out->len_column, "%s", col.len_column);
    snprintf(out->decoder, sizeof out->decoder, "%s", col.decoder);
    cc->decoded |= col.decoder[0] != '\0';
    out->type = col.type;
    out->has_null = col.has_null;
    out->has_missing = col.has_missing;
    out->mixed = col.mixed;
    out->ascii = col.ascii;
    out->n_docs = col.n_docs;
    return 1;
}

/* A constant's value, computed by the SQLite runtime on the query's own connection (prepared
 * once per connection and text: a dashboard's statements bring the same constants again). */
static int cols_constant(void *ctx, const char *sqlite_sql, rv *out, rs_buf *scratch, rs_err *err) {
    cols_ctx *cc = ctx;
    sqlite3_stmt *stmt = NULL;
    char *sql = sqlite3_mprintf("SELECT %s", sqlite_sql);
    int rc = sql == NULL ? RS_ENOMEM : RS_OK;
    if (rc == RS_OK && rl_kept_stmt(cc->rctx->db, RL_KEPT_CONSTANT, sql, &stmt) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINVAL, "%s", sqlite3_errmsg(cc->rctx->db));
    if (rc == RS_OK)
        rc = bind_params(stmt, cc->in->params, err);
    if (rc == RS_OK && sqlite3_step(stmt) != SQLITE_ROW)
        rc = rs_err_set(err, RS_EINVAL, "%s", sqlite3_errmsg(cc->rctx->db));
    if (rc == RS_OK) {
        rv v;
        rv_from_sqlite(sqlite3_column_value(stmt, 0), &v);
        if (v.type == RV_STRING || v.type == RV_BYTES || v.type >= RV_ARRAY) {
            rs_buf_reset(scratch);
            rs_buf_append(scratch, v.s, v.len);
            v.s = scratch->data;
            if (scratch->oom)
                rc = RS_ENOMEM;
        }
        *out = v;
    }
    rl_kept_done(stmt);
    sqlite3_free(sql);
    return rc;
}

typedef struct cols_rows {
    const sqlx_duck_plan *plan;
    qx_result *res;
    rs_buf row;
    rs_buf scratch; /* an array's elements read back (json_cell) */
    int failed;     /* RS_E* or RESULT_CAP */
    rs_err err;
} cols_rows;

static int cell_value(const rl_duck_cell *c, rv *v) {
    switch (c->kind) {
    case RL_DK_NULL:
        *v = rv_null();
        return 1;
    case RL_DK_BOOL:
        *v = rv_bool((int)c->i);
        return 1;
    case RL_DK_INT:
        *v = rv_int(c->i);
        return 1;
    case RL_DK_DOUBLE:
        *v = rv_float(c->d);
        return 1;
    case RL_DK_TEXT:
        *v = rv_string(c->s, c->len);
        return 1;
    case RL_DK_TIMESTAMP:
        *v = rv_typed(RV_TIMESTAMP, c->i);
        return 1;
    case RL_DK_DATE:
        *v = rv_typed(RV_DATE, c->i);
        return 1;
    default:
        return 0;
    }
}

/* An output field that DuckDB wrote as JSON text (an ARRAY_AGG's to_json, sqlx_duck.h) written
 * into the row as the runtime writes the array: each element again in its own forms (DuckDB
 * prints 1e-7 and 123456789012345680000.0 where the runtime writes 1e-07 and
 * 1.2345678901234568e+20), NULL (no rows) as null. 0, or RS_EUNSUPPORTED for text that is not
 * such an array (NaN, which JSON cannot hold) or RS_ENOMEM. The array borrows the cell's text,
 * so its elements are decoded into cr->scratch one at a time. */
static int json_cell(cols_rows *cr, const rl_duck_cell *c) {
    rv v, elem;
    rv_iter it;
    rv_json_builder jb;
    if (c->kind == RL_DK_NULL) { /* a list of no rows */
        rs_buf_puts(&cr->row, "null");
        return 0;
    }
    rs_buf_reset(&cr->scratch);
    if (c->kind != RL_DK_TEXT || rv_from_json(c->s, c->len, &v, &cr->scratch, &cr->err) != 0 ||
        v.type != RV_ARRAY || rv_iter_init(&it, &v) != 0)
        return rs_err_set(&cr->err, RS_EUNSUPPORTED, "an array the columns wrote unreadably");
    rs_buf key = RS_BUF_INIT; /* objects' member names: none in an array */
    int got;
    rv_json_begin(&jb, &cr->row, 0);
    while ((got = rv_iter_next(&it, &elem, &cr->scratch, &key, &cr->err)) == 1)
        rv_json_add(&jb, NULL, 0, &elem);
    rv_json_end(&jb);
    rs_buf_free(&key);
    if (got < 0)
        return rs_err_set(&cr->err, RS_EUNSUPPORTED, "an array the columns wrote unreadably");
    return cr->row.oom ? RS_ENOMEM : 0;
}

/* One DuckDB row as the JSON object a query's row is (undefined fields left out). */
static int cols_row(void *ctx, const rl_duck_cell *cells, int n) {
    cols_rows *cr = ctx;
    int first = 1;
    rs_buf_reset(&cr->row);
    rs_buf_putc(&cr->row, '{');
    for (int i = 0; i < n && i < cr->plan->n_cols; i++) {
        rv v;
        if (cells[i].kind == RL_DK_NULL && cr->plan->undef[i])
            continue;
        if (!first)
            rs_buf_putc(&cr->row, ',');
        first = 0;
        rs_buf_json_string(&cr->row, cr->plan->names[i], strlen(cr->plan->names[i]));
        rs_buf_putc(&cr->row, ':');
        if (cr->plan->json[i]) {
            int rc = json_cell(cr, &cells[i]);
            if (rc) {
                cr->failed = rc;
                return 1;
            }
        } else if (cell_value(&cells[i], &v)) {
            rv_to_json(&cr->row, &v, RV_FORM_API);
        } else {
            cr->failed = rs_err_set(&cr->err, RS_EUNSUPPORTED, "a result of a type not read");
            return 1;
        }
    }
    rs_buf_putc(&cr->row, '}');
    if (cr->row.oom) {
        cr->failed = RS_ENOMEM;
        return 1;
    }
    int added = add_row(cr->res, cr->row.data, cr->row.len);
    if (added != RS_OK) {
        cr->failed = added;
        return 1;
    }
    return 0;
}

static void reset_rows(qx_result *res) {
    rs_buf_reset(&res->rows);
    res->n_rows = 0;
    if (res->offs != NULL)
        res->offs[0] = 0;
}

/* The timeout and cancel of a statement on the columns: DuckDB has no progress handler, so the
 * column engine's watchdog thread interrupts it (watchdog.h); *fired: it did. */
static int cols_watched_query(rl_duck_conn *c, const char *sql, progress *prog, cols_rows *cr,
                              int *fired, rs_err *err) {
    rl_watch w = {.conn = c, .deadline_mono = prog->deadline_mono, .cancel = prog->cancel};
    int watching = rl_watch_add(&w) == RS_OK;
    int rc = rl_duck_query_kept(c, sql, NULL, cols_row, cr, err);
    if (watching)
        rl_watch_remove(&w);
    if (w.fired)
        prog->timed_out = w.timed_out;
    *fired = w.fired;
    return rc;
}

/* Run plan on the columns into res. 1: answered (rows, the result-size error, a timeout or a
 * cancel); 0: DuckDB failed, res is as it was, the query should run on SQLite. */
static int cols_execute(rl_server *srv, const sqlx_duck_plan *plan, const qx_input *in,
                        progress *prog, qx_result *res) {
    rs_err err = {0};
    cols_rows cr = {.plan = plan, .res = res};
    int fired = 0;
    unsigned gen = 0;
    rl_duck_conn *c = rl_colidx_acquire(srv->colidx, &gen, &err);
    int rc = c == NULL ? RS_EINTERNAL : cols_watched_query(c, plan->sql, prog, &cr, &fired, &err);
    rl_colidx_release(srv->colidx, c, gen, !fired);
    rs_buf_free(&cr.row);
    rs_buf_free(&cr.scratch);
    if (rc != RS_OK && fired) {
        reset_rows(res);
        step_error(NULL, SQLITE_INTERRUPT, 0, prog, in, res);
        return 1;
    }
    if (cr.failed == RESULT_CAP) {
        fail_result_cap(res);
        return 1;
    }
    if (rc == RS_OK && cr.failed == 0)
        return 1;
    fprintf(stderr, "rockset-local: column engine: %s; answering on SQLite\n",
            cr.failed ? cr.err.msg : err.msg);
    reset_rows(res);
    return 0;
}

/* EXPLAIN of a statement the columns answer: the engine and why, then the DuckDB statement. */
static void explain_columns(const sqlx_duck_plan *plan, qx_result *res) {
    rs_buf line = RS_BUF_INIT;
    rs_buf_printf(&line, "COLUMN SCAN on the column index (DuckDB): %s", plan->why);
    if (!line.oom)
        explain_line(res, line.data);
    explain_line(res, plan->sql);
    rs_buf_free(&line);
    free(res->column_fields);
    res->column_fields = strdup("[{\"name\":\"EXPLAIN\",\"type\":\"\"}]");
}

/* What decides a SELECT's engine and what the try found. */
typedef struct cols_choice {
    rl_pick pick;       /* the rule's choice, or the engine measured faster (enginepick.h) */
    int rule_columns;   /* the rule's engine as its runs saw it: 1 the columns, 0 SQLite, -1 */
    char measured[160]; /* EXPLAIN: the measured times behind a pick, or "" */
    int lasting;        /* why holds while the store's catalog and counts do */
    int cost_only;      /* the columns were refused for the counts alone */
    int forced;         /* HINT(access_path = column_scan) sent it there */
    char why[300];      /* why not the columns (sqlx_duck_plan.why), for EXPLAIN */
} cols_choice;

/* The columns' plan of a SELECT into *plan (1), else 0 with choice->why filled,
 * choice->lasting when that reason holds while the store's catalog and counts do
 * (sqlx_duck_plan.lasting; always without a column index) and choice->cost_only when it is the
 * counts' alone. */
static int cols_plan(rl_server *srv, cols_ctx *cc, sqlx_prepared *prep, cols_choice *choice,
                     sqlx_duck_plan *plan) {
    sqlx_duck_catalog cat = {cc,
                             cols_column,
                             cols_constant,
                             srv->cfg.column_min_docs,
                             srv->cfg.column_scan_all,
                             choice->pick == RL_PICK_COLUMNS};
    rs_err err = {0};
    snprintf(choice->why, sizeof choice->why, "the column index is off");
    choice->lasting = 1;
    choice->cost_only = 0;
    choice->forced = 0;
    if (srv->colidx == NULL)
        return 0;
    if (sqlx_prepared_duck(prep, &cat, plan, &err) != 0) {
        snprintf(choice->why, sizeof choice->why, "%s",
                 cc->behind ? "the column replica is catching up" : plan->why);
        choice->lasting = plan->lasting && !cc->behind;
        choice->cost_only = plan->cost_only && !cc->behind;
        sqlx_duck_plan_free(plan);
        return 0;
    }
    choice->forced = plan->forced;
    return 1;
}

/* Run (or, explain, show) a plan the columns made: 1 when they answered it. */
static int cols_run(rl_server *srv, const cols_ctx *cc, sqlx_duck_plan *plan, progress *prog,
                    qx_result *res, int explain, cols_choice *choice) {
    if (explain) {
        if (choice->measured[0] != '\0')
            snprintf(plan->why, sizeof plan->why, "%s", choice->measured);
        explain_columns(plan, res);
        return 1;
    }
    if (srv->cfg.column_run_delay_ms > 0)
        usleep((useconds_t)(srv->cfg.column_run_delay_ms * 1000));
    int done = cols_execute(srv, plan, cc->in, prog, res);
    res->engine_columns = done;
    res->column_lag_ms = cc->lag_ms;
    snprintf(choice->why, sizeof choice->why, "the column engine failed");
    choice->lasting = 0;
    return done;
}

/* The engine of a SELECT: 1 when the columns answered it (or, explain, would: its lines are
 * written), else 0 with choice filled as cols_plan says. */
static int cols_try(rl_server *srv, resolve_ctx *rctx, sqlx_prepared *prep, const qx_input *in,
                    progress *prog, qx_result *res, int explain, cols_choice *choice) {
    /* a statement decodes element strings through literals of the codes given when it was
     * printed: one that ran while new codes were given is printed and run again (replica.h) */
    for (int attempt = 1;; attempt++) {
        cols_ctx cc = {.rctx = rctx, .in = in};
        sqlx_duck_plan plan;
        int64_t codes = rl_colidx_codes_gen(srv->colidx);
        if (!cols_plan(srv, &cc, prep, choice, &plan))
            return 0;
        int done = cols_run(srv, &cc, &plan, prog, res, explain, choice);
        sqlx_duck_plan_free(&plan);
        if (!done || explain || res->http_status != 0 || !cc.decoded ||
            rl_colidx_codes_gen(srv->colidx) == codes)
            return done;
        reset_rows(res);
        res->engine_columns = 0;
        if (attempt == 3) {
            snprintf(choice->why, sizeof choice->why,
                     "new element strings were coded while it ran, three times");
            return 0;
        }
    }
}

/* The statement printed for SQLite (its access paths chosen now: only SQLite's plans pay
 * for the catalog's counts). 0 (res failed) when that fails. */
static int print_for_sqlite(sqlx_prepared *prep, sqlx_stmt *st, qx_result *res) {
    rs_err err = {0};
    if (sqlx_prepared_sqlite(prep, st, &err) == RS_OK)
        return 1;
    translate_error(&err, res);
    return 0;
}

/* SQLite answers a SELECT (its plan for EXPLAIN, ending with why the columns were not chosen
 * when the statement aggregates). */
static void sqlite_select(rl_server *srv, sqlite3 *db, const sqlx_stmt *st, const qx_input *in,
                          progress *prog, qx_result *res, const char *why) {
    char line[1200];
    if (st->index_form)
        res->index_used = index_used_by(db, st->sqlite_sql);
    if (!st->explain) {
        select_rows(db, st->sqlite_sql, in, prog, res);
        return;
    }
    explain_rows(db, st, res);
    explain_plan(st, res);
    if (srv->colidx != NULL && res->http_status == 0 && strncmp(why, "no aggregate", 12) != 0) {
        snprintf(line, sizeof line, "not on the column index: %s", why);
        explain_line(res, line);
    }
}

/* A read of a relation sees one snapshot from the name's resolution to its last row: an alias
 * switched, or the collection behind it dropped, meanwhile (a model's rebuild) changes nothing
 * for it, as on Rockset. An INSERT INTO ends the snapshot: its write is a transaction of its own.
 * BEGIN and COMMIT go through rl_sql, whose statements the connection keeps prepared:
 * sqlite3_exec parsed them on every query (8 % of a SELECT 1's server time). */
static int snapshot_begin(sqlite3 *db) {
    return sqlite3_get_autocommit(db) && rl_sql(db, NULL, NULL, "BEGIN", "") == RS_OK;
}

static void snapshot_end(sqlite3 *db, int *open) {
    if (*open)
        rl_sql(db, NULL, NULL, "COMMIT", "");
    *open = 0;
}

/* ---- translations kept between runs (xlcache.h) ---- */

/* The store's generations, then the schema version (the snapshot's first read). 0: none. */
static int read_stamp(rl_server *srv, sqlite3 *db, rl_xl_stamp *out) {
    out->gen = rl_store_generation(srv->store);
    out->data_gen = rl_store_data_generation(srv->store);
    out->mono_ms = rl_mono_ms();
    out->schema_version = out->gen >= 0 ? schema_version(db) : -1;
    return out->gen >= 0 && out->schema_version >= 0;
}

/* The text sql (the statement's, or a part of it) with the statement's parameters and default
 * row limit: what makes one run the same question as another. NULL when out of memory. */
static char *statement_key(const qx_input *in, const char *sql) {
    rs_buf key = RS_BUF_INIT;
    char *params = in->params != NULL ? cJSON_PrintUnformatted(in->params) : NULL;
    if (in->params != NULL && params == NULL)
        return NULL;
    rs_buf_printf(&key, "%lld\n%s\n", (long long)in->default_row_limit, params ? params : "");
    rs_buf_puts(&key, sql);
    free(params);
    return rs_buf_detach(&key);
}

/* What a SELECT's translation depends on beyond the store: its text, its parameters (the
 * planner counts their ranges) and its default row limit. NULL: not kept (out of memory). */
static char *translation_key(const qx_input *in) {
    return statement_key(in, in->sql != NULL ? in->sql : "");
}

/* The engine choice's key (enginepick.h): the statement without a leading EXPLAIN, so that
 * EXPLAIN shows the choice its runs made, nor leading blanks; *explain tells whether there
 * was one. Without either it is the translation's key (key, NULL when none was made), copied
 * rather than printed again. NULL when the choice is the rule's alone (--engine-choice rule,
 * --column-scan all, no column index). */
static char *pick_key(const rl_server *srv, const qx_input *in, const char *key, int *explain) {
    const char *sql = in->sql != NULL ? in->sql : "";
    *explain = 0;
    if (srv->picks == NULL || srv->colidx == NULL || srv->cfg.column_scan_all)
        return NULL;
    while (isspace((unsigned char)*sql))
        sql++;
    if (strncasecmp(sql, "EXPLAIN", 7) == 0 && isspace((unsigned char)sql[7])) {
        *explain = 1;
        return statement_key(in, sql + 8);
    }
    return key != NULL && in->sql != NULL && sql == in->sql ? strdup(key) : statement_key(in, sql);
}

/* Whether who may still read every workspace of a kept translation (NUL-separated, ended by an
 * empty name): a role changed since is checked as if translating anew. */
static int may_read_all(const rl_principal *who, const char *workspaces) {
    for (const char *ws = workspaces; who != NULL && *ws != '\0'; ws += strlen(ws) + 1)
        if (!rl_auth_may(who, RL_ACT_QUERY_DATA_WS, ws))
            return 0;
    return 1;
}

/* The end of a list of names each followed by a NUL, ended by an empty one: past that one. */
static const char *past_list(const char *names) {
    while (*names != '\0')
        names += strlen(names) + 1;
    return names + 1;
}

/* The kept translation of key serving at stamp now into *st, when who may run it; the
 * composite indexes its plan reads and asks for into rctx->composites. */
static int translation_kept(rl_server *srv, resolve_ctx *rctx, const qx_input *in, const char *key,
                            const rl_xl_stamp *now, sqlx_stmt *st) {
    char *workspaces = NULL;
    if (key == NULL || !rl_xlcache_get(srv->translations, key, now, st, &workspaces))
        return 0;
    int ok = may_read_all(in->who, workspaces);
    if (ok) /* kept after the workspaces (keep_translation) */
        for (const char *note = past_list(workspaces); *note != '\0'; note += strlen(note) + 1)
            rs_buf_append(&rctx->composites, note, strlen(note) + 1);
    free(workspaces);
    if (!ok)
        sqlx_stmt_free(st);
    return ok;
}

/* Keep a SELECT's translation made at stamp made. Not kept: EXPLAIN, a translation with a
 * denied name, and one the column engine refused for a reason that may pass sooner than the
 * stamp moves (its replica catching up, too few documents, a failure): columns_lasting. */
static void keep_translation(rl_server *srv, const char *key, const rl_xl_stamp *made,
                             const sqlx_stmt *st, resolve_ctx *rctx, int columns_lasting) {
    if (key == NULL || st->kind != SQLX_SELECT || st->explain || rctx->first_denied[0] ||
        !columns_lasting)
        return;
    rs_buf kept = RS_BUF_INIT; /* the workspaces, then the composites: two lists */
    rs_buf_append(&kept, rctx->workspaces.data, rctx->workspaces.len);
    rs_buf_putc(&kept, '\0');
    rs_buf_append(&kept, rctx->composites.data, rctx->composites.len);
    rs_buf_putc(&kept, '\0');
    if (!kept.oom && !rctx->workspaces.oom && !rctx->composites.oom)
        rl_xlcache_put(srv->translations, key, made, st, kept.data, kept.len);
    rs_buf_free(&kept);
}

/* A SELECT's kept translation: its key, the stamp it is kept under, and whether this run
 * found it. */
typedef struct select_kept {
    const char *key;
    const rl_xl_stamp *stamp;
    int kept;
} select_kept;

/* EXPLAIN of a statement whose engine was measured: the times behind the choice, the rule's
 * engine kept when the other did not beat it by enginepick's margin. */
static void explain_measured(rl_server *srv, const char *pkey, cols_choice *choice) {
    double ms[2];                    /* [0] SQLite, [1] the columns */
    int rule = choice->rule_columns; /* known whenever the times chose (enginepick.h) */
    if (rule < 0 || !rl_enginepick_medians(srv->picks, pkey, &ms[0], &ms[1]))
        return;
    static const char *const engines[2] = {"SQLite", "the columns"};
    int won = choice->pick == RL_PICK_RULE ? rule : choice->pick == RL_PICK_COLUMNS;
    snprintf(choice->measured, sizeof choice->measured,
             "%s %s: %.2f ms against %.2f ms on %s (medians of its last runs)",
             choice->pick == RL_PICK_RULE ? "kept on" : "measured faster on", engines[won], ms[won],
             ms[!won], engines[!won]);
}

/* A try on SQLite of a statement the rule sends to the columns, stopped at budget_us
 * (enginepick.h): the columns' plan is made first, since SQLite's printing changes the
 * translation, and it answers when the try is stopped. 1: answered (*columns 1 when the
 * columns did); 0: the columns refuse it now, nothing was run. */
static int sqlite_try(rl_server *srv, resolve_ctx *rctx, sqlx_prepared *prep, sqlx_stmt *st,
                      const qx_input *in, progress *prog, qx_result *res, int64_t budget_us,
                      cols_choice *choice, int *columns) {
    cols_ctx cc = {.rctx = rctx, .in = in};
    sqlx_duck_plan plan;
    rl_pick asked = choice->pick;
    choice->pick = RL_PICK_RULE; /* the plan the rule would make */
    int planned = cols_plan(srv, &cc, prep, choice, &plan);
    choice->pick = asked;
    if (!planned)
        return 0;
    if (print_for_sqlite(prep, st, res)) {
        prog->try_deadline_us = rl_mono_us() + budget_us;
        sqlite_select(srv, rctx->db, st, in, prog, res, choice->why);
        prog->try_deadline_us = 0;
    }
    if (prog->tried_out) { /* the answer is the columns' */
        reset_rows(res);
        *columns = cols_run(srv, &cc, &plan, prog, res, 0, choice);
        if (!*columns) /* DuckDB failed after all: SQLite answers, without a budget */
            sqlite_select(srv, rctx->db, st, in, prog, res, choice->why);
    }
    sqlx_duck_plan_free(&plan);
    return 1;
}

/* A statement that ran on SQLite asked for the composite index of note ("<tbl>\t<paths>"):
 * the worker builds it while the collection's budget has room, else when one of the
 * collection's composites gives way (compuse.h). */
static void asked_for(rl_server *srv, sqlite3 *db, const char *note) {
    const char *tab = strchr(note, '\t');
    char tbl[RL_FX_INDEX_NAME], names[RL_FX_MAX_COMPOSITES][RL_FX_INDEX_NAME];
    const char *existing[RL_FX_MAX_COMPOSITES], *victim = NULL;
    if (tab == NULL || (size_t)(tab - note) >= sizeof tbl)
        return;
    memcpy(tbl, note, (size_t)(tab - note));
    tbl[tab - note] = '\0';
    int n = rl_fieldindex_composite_names(db, tbl, names, RL_FX_MAX_COMPOSITES);
    for (int i = 0; i < n; i++)
        existing[i] = names[i];
    if (n < RL_FX_MAX_COMPOSITES ||
        rl_compuse_asked(srv->composites, tbl, tab + 1, existing, n, rl_mono_ms(), &victim))
        rl_pending_want(rl_store_pending(srv->store), tbl, SQLX_INDEX_COMPOSITE, tab + 1, victim);
}

/* A statement (pkey, enginepick.h) ran on SQLite: the composite indexes its plan read, and those
 * it asked for, are noted (resolve_ctx.composites). */
static void note_composites(rl_server *srv, sqlite3 *db, const rs_buf *notes, const char *pkey) {
    if (srv->composites == NULL || srv->cfg.no_field_index || notes->oom)
        return;
    /* read before the asks: a build they start moves it */
    int64_t built = rl_pending_indexes_built(rl_store_pending(srv->store));
    int asked = 0;
    for (size_t at = 0; at < notes->len; at += strlen(notes->data + at) + 1) {
        const char *note = notes->data + at;
        if (note[0] == 'r')
            rl_compuse_read(srv->composites, note + 1, rl_mono_ms());
        else if (note[0] == 'a') {
            asked_for(srv, db, note + 1);
            asked = 1;
        }
    }
    if (asked)
        rl_enginepick_asked(srv->picks, pkey, built);
}

/* Answer a SELECT on the engine choice->pick names (the rule's, or the one measured faster),
 * and tell enginepick how long it took. A SQLite translation is kept for the rule's lasting
 * refusals and for runs measured faster on SQLite; one for a statement the rule sends to the
 * columns is used only by runs that pick SQLite (see where the translation is looked up).
 * budget_us: this run is a try of the other engine, lost past it (enginepick.h). */
static void answer_select(rl_server *srv, sqlite3 *db, resolve_ctx *rctx, sqlx_prepared *prep,
                          sqlx_stmt *st, const qx_input *in, progress *prog, qx_result *res,
                          const select_kept *sk, const char *pkey, cols_choice *choice,
                          int64_t budget_us) {
    int64_t started = rl_mono_us();
    int columns = 0, cost_only = -1;
    if (st->explain)
        explain_measured(srv, pkey, choice);
    if (sk->kept) {
        sqlite_select(srv, db, st, in, prog, res, choice->why);
    } else if (choice->pick == RL_PICK_ROWS && budget_us > 0 && !st->explain &&
               sqlite_try(srv, rctx, prep, st, in, prog, res, budget_us, choice, &columns)) {
        /* answered: by SQLite within the budget, else by the columns */
    } else {
        if (choice->pick != RL_PICK_ROWS) {
            columns = cols_try(srv, rctx, prep, in, prog, res, st->explain, choice);
            cost_only = columns ? -1 : choice->cost_only;
        } else {
            snprintf(choice->why, sizeof choice->why, "%s",
                     choice->measured[0] ? choice->measured : "measured faster on SQLite");
        }
        int keep =
            choice->pick == RL_PICK_ROWS || (choice->pick == RL_PICK_RULE && choice->lasting);
        if (!columns && print_for_sqlite(prep, st, res)) {
            keep_translation(srv, sk->key, sk->stamp, st, rctx, keep);
            sqlite_select(srv, db, st, in, prog, res, choice->why);
        }
    }
    if (!st->explain && !columns && res->http_status == 0)
        note_composites(srv, db, &rctx->composites, pkey);
    if (st->explain || res->http_status != 0 || choice->forced)
        return;
    if (prog->tried_out) /* lost: its time is the budget's and more */
        rl_enginepick_done(srv->picks, pkey, RL_PICK_ROWS, 0, -1, rl_mono_us() - started);
    else
        rl_enginepick_done(srv->picks, pkey, choice->pick, columns, cost_only,
                           rl_mono_us() - started);
}

void qx_run(rl_server *srv, sqlite3 *db, const qx_input *in, qx_result *res) {
    resolve_ctx rctx;
    sqlx_options opts;
    sqlx_stmt st;
    sqlx_prepared *prep = NULL;
    progress prog;
    rs_err err = {0};
    int snapshot;
    cols_choice choice = {0};
    char *key = NULL, *pkey = NULL;
    rl_xl_stamp stamp = {-1, -1, -1, 0};
    int kept = 0, explain = 0, rule_columns = -1;
    int64_t budget_us = 0;

    memset(res, 0, sizeof(*res));
    /* writes whose ingest delay has passed become visible before the query's snapshot */
    if (rl_pending_apply_due(rl_store_pending(srv->store), db, !srv->cfg.no_field_index, &err) !=
        RS_OK) {
        fail(res, 500, "INTERNALERROR", &err);
        return;
    }
    /* and documents past their collection's retention are gone */
    if (rl_pending_sweeps(rl_store_pending(srv->store)) &&
        rl_retention_purge(db, !srv->cfg.no_field_index, &err) != RS_OK) {
        fail(res, 500, "INTERNALERROR", &err);
        return;
    }
    snapshot = snapshot_begin(db);
    memset(&rctx, 0, sizeof(rctx));
    memset(&st, 0, sizeof(st));
    rctx.db = db;
    rctx.srv = srv;
    rctx.who = in->who;
    rctx.params = in->params;
    catalog_init(&rctx);
    opts.default_row_limit = in->default_row_limit;
    opts.param_text = param_text;
    opts.param_value = param_value;
    opts.param_ctx = (void *)in->params;
    prog.deadline_mono = rl_mono_ms() + in->timeout_ms;
    prog.cancel = in->cancel;
    prog.timed_out = 0;
    prog.try_deadline_us = 0;
    prog.tried_out = 0;
    res->max_bytes = srv->cfg.max_result_bytes;
    /* read before the snapshot's first read: a translation kept under them saw no less */
    if (srv->translations != NULL && read_stamp(srv, db, &stamp))
        key = translation_key(in);
    pkey = pick_key(srv, in, key, &explain);
    choice.pick =
        rl_enginepick_next(srv->picks, pkey, rl_pending_indexes_built(rl_store_pending(srv->store)),
                           explain, &rule_columns);
    choice.rule_columns = rule_columns;
    budget_us = explain ? 0 : rl_enginepick_try_budget(srv->picks, pkey, choice.pick);
    /* translated once up to the choice of engine; then printed by the engine that answers (a
     * SQLite translation kept for its runs is not for a run the columns answer, nor for a try
     * on SQLite, which needs the columns' plan in case it is stopped) */
    int may_keep = (choice.pick == RL_PICK_ROWS && budget_us == 0) ||
                   (choice.pick == RL_PICK_RULE && rule_columns != 1);
    if (may_keep && (kept = translation_kept(srv, &rctx, in, key, &stamp, &st)) != 0) {
        /* privileges checked on its workspaces */
    } else if (sqlx_prepare(in->sql, &opts, resolve, &rctx, &prep, &st, &err) != RS_OK) {
        rs_err denied = {0};
        translate_error(check_privileges(&rctx, &st, 0, &denied) ? &denied : &err, res);
        goto done;
    }
    if (!kept && check_privileges(&rctx, &st, 1, &err) != RS_OK) {
        translate_error(&err, res);
        goto done;
    }
    if (check_params(&st, in->params, &err) != RS_OK) {
        translate_error(&err, res);
        goto done;
    }
    if (st.kind == SQLX_INSERT)
        snapshot_end(db, &snapshot);
    res->collections = names_json(st.collections, st.n_collections);
    res->aliases = names_json(st.aliases, st.n_aliases);
    if (st.column_names != NULL)
        res->column_fields = column_fields_json(&st);
    sqlite3_progress_handler(db, 1000, on_progress, &prog);
    if (st.kind == SQLX_SELECT) {
        select_kept skept = {key, &stamp, kept};
        answer_select(srv, db, &rctx, prep, &st, in, &prog, res, &skept, pkey, &choice, budget_us);
    } else if (st.kind == SQLX_DESCRIBE) {
        describe_rows(db, &st, res);
    } else if (print_for_sqlite(prep, &st, res)) {
        insert_rows(srv, db, &st, in, &prog, res);
    }
    sqlite3_progress_handler(db, 0, NULL, NULL);
    snapshot_end(db, &snapshot);
    if (res->http_status == 0 && st.n_collections > 0) /* written by the worker, in a batch */
        rl_pending_queried(rl_store_pending(srv->store), res->collections, rl_now_ms());
done:
    snapshot_end(db, &snapshot);
    sqlx_prepared_free(prep);
    sqlx_stmt_free(&st);
    free(key);
    free(pkey);
    rs_buf_free(&rctx.seen);
    rs_buf_free(&rctx.views);
    rs_buf_free(&rctx.workspaces);
    rs_buf_free(&rctx.composites);
}

int qx_validate(rl_server *srv, sqlite3 *db, const rl_principal *who, const char *sql, char **out,
                char **entities, rs_err *err) {
    resolve_ctx rctx;
    sqlx_options opts = {0};
    sqlx_stmt st;
    rs_buf b = RS_BUF_INIT;
    char *cols = NULL, *aliases = NULL, *params = NULL;
    int rc;

    memset(&rctx, 0, sizeof(rctx));
    rctx.db = db;
    rctx.srv = srv;
    rctx.who = who;
    catalog_init(&rctx);
    rc = sqlx_translate(sql, &opts, resolve, &rctx, &st, err);
    if (rc != RS_OK) {
        if (check_privileges(&rctx, &st, 0, err) != RS_OK)
            rc = RS_EHTTP;
        else if (err != NULL && !(err->code == RS_EHTTP && err->http_status == 403))
            snprintf(err->type, sizeof(err->type), "QUERY_ERROR");
        goto done;
    }
    rc = check_privileges(&rctx, &st, 1, err);
    if (rc == RS_OK && st.explain && entities != NULL) /* a view reads rows, not a plan */
        rc = rs_err_set(err, RS_EINVAL, "a view's query must be a SELECT, not EXPLAIN");
    if (rc != RS_OK) {
        sqlx_stmt_free(&st);
        goto done;
    }
    cols = names_json(st.collections, st.n_collections);
    aliases = names_json(st.aliases, st.n_aliases);
    params = names_json(st.param_names, st.n_params);
    rs_buf_printf(&b, "{\"collections\":%s,\"aliases\":%s,\"views\":[%s],\"parameters\":%s}",
                  cols ? cols : "[]", aliases ? aliases : "[]", rs_buf_cstr(&rctx.views),
                  params ? params : "[]");
    if (entities != NULL) {
        rs_buf e = RS_BUF_INIT;
        rs_buf_printf(&e, "[%s]", rs_buf_cstr(&rctx.seen));
        *entities = rs_buf_detach(&e);
    }
    *out = rs_buf_detach(&b);
    if (*out == NULL || (entities != NULL && *entities == NULL))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    sqlx_stmt_free(&st);
done:
    free(cols);
    free(aliases);
    free(params);
    rs_buf_free(&b);
    rs_buf_free(&rctx.seen);
    rs_buf_free(&rctx.views);
    rs_buf_free(&rctx.workspaces);
    rs_buf_free(&rctx.composites);
    return rc;
}

void qx_await_saved_indexes(rl_server *srv) {
    rl_pending *p = srv->cfg.no_field_index ? NULL : rl_store_pending(srv->store);
    for (int waited = 0; p != NULL && waited < QX_SAVED_INDEX_WAIT_MS && rl_pending_busy(p);
         waited += 10) {
        struct timespec pause = {0, 10 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
}

void qx_index_saved_sql(rl_server *srv, sqlite3 *db, const char *sql) {
    resolve_ctx rctx;
    sqlx_options opts = {0};
    sqlx_stmt st;
    rs_err err = {0};

    if (srv->cfg.no_field_index)
        return;
    memset(&rctx, 0, sizeof(rctx));
    rctx.db = db;
    rctx.srv = srv; /* the catalog's answers are uses: indexes it lacks are built now */
    rctx.composites_now = 1;
    catalog_init(&rctx);
    /* translating asks the catalog for every index the statement's tests could use; with
     * rctx.srv set each ask is a use, so an index it lacks is built now, before any run */
    if (sqlx_translate(sql, &opts, resolve, &rctx, &st, &err) == RS_OK)
        sqlx_stmt_free(&st);
    rs_buf_free(&rctx.seen);
    rs_buf_free(&rctx.views);
    rs_buf_free(&rctx.workspaces);
    rs_buf_free(&rctx.composites);
}
