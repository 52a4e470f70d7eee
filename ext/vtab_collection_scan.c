/*
 * vtab_collection_scan.c - reading a `rockset` table: the plan (xBestIndex), the query
 * (xFilter) and the cursor.
 *
 *   SELECT customer, total FROM orders WHERE total > 10 AND _id IN ('a', 'b') LIMIT 5;
 *   -> SELECT "customer", "total", "_id" FROM "commons"."orders"
 *        WHERE ((TYPEOF("total") IN ('int','float') AND "total" > :p1) OR ...)
 *          AND "_id" IN (:p2, :p3)
 *
 *   SELECT * FROM orders WHERE region = 'eu' ORDER BY total DESC LIMIT 10;
 *   -> SELECT * FROM (SELECT ... WHERE <region> ORDER BY "total" DESC NULLS LAST LIMIT :p1) AS m
 *      UNION ALL SELECT * FROM (SELECT 1 AS "rs_other_type" ... WHERE NOT (<total is null, int,
 *      finite float or string>) LIMIT 1) AS p
 *      (11 rows, no probe row, no tie at the 10th: the answer; a tie: MAIN, WHERE <region> AND
 *      <guard> ORDER BY ..., "_id" LIMIT 10; a probe row: MAIN UNION ALL REST)
 *
 * HOW IT WORKS. xBestIndex turns the usable constraints, ORDER BY and LIMIT/OFFSET into an
 * rs_plan (planner.h says which are pushed, which are exact and so omitted, and why), encodes
 * it in idxStr, and prices it from the collection's doc_count: one request costs as much as
 * moving ROUND_TRIP_COST rows, so a 1,000-row local table joined on `_id` reads the collection
 * once instead of probing it 1,000 times, while a handful of probes stays a handful of lookups;
 * `_id = ?` is a unique lookup, and `x IN (...)` is sent as one request (sqlite3_vtab_in).
 * rockset_config('pushdown', 0) plans a plain SELECT * and lets SQLite do everything.
 * xFilter only runs the plan: it collects the values (IN lists in full), builds the SQL with
 * the values as parameters (never in the text), waits on the collection's commit fence when the
 * connection wrote to it, and sends the query asking for one page (or fewer rows when a
 * constant LIMIT says so). An ORDER BY on fields is split by type (planner.h). When the page
 * fits the first response, one request (read_both) asks for MAIN without its type guard and
 * `_id` tie-break (which cost a server walking the key's index about a probe and a sort), for
 * the page and the rows on either side of it, and for one row of the whole collection with a
 * key of another type (the probe); sorted here (rowsort.h), the page's rows are the answer
 * unless a tie crosses an edge of the page (take_window) or the probe's row came. A
 * descending page of numbers goes alone: its keys can rule out every other type (window_keys);
 * when they do not, the probe follows alone. Otherwise
 * the REST part is read whole first (with filters, only after a probe found some row of
 * another type at all: rest_possible) and sorted in SQLite's order, then MAIN is sent, and the
 * cursor merges the two (merge_pick), skipping OFFSET itself when REST had rows
 * (read_rest_first). The first page is read here; the others come from the stream
 * (vtab_collection_stream.c), fetched ahead on another thread, each row's column values found
 * there (cur->ahead). xColumn decodes only the columns asked for (rowdecode.h); a row not
 * indexed ahead is indexed once, on first use.
 * In an UPDATE, columns that do not change are never decoded (sqlite3_vtab_nochange).
 */
#include "conn.h"
#include "progress.h"
#include "scan/rowdecode.h"
#include "scan/rowsort.h"
#include "sqlerr.h"
#include "vtab_collection.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSON_SUBTYPE 74 /* 'J': SQLite's JSON subtype, so json_extract sees objects as JSON */

#if RS_PLAN_MAX_ORDER > RS_ROWSORT_MAX_KEYS
#error "every ORDER BY key of a plan must fit a rowsort"
#endif

typedef struct collection_cursor {
    sqlite3_vtab_cursor base; /* Base class. Must be first */
    rs_rowdecode *decoder;    /* field -> column map, built once per cursor */
    /* The columns the plan reads (its fields and _id), for the stream to find ahead: its pages'
     * vals hold slot_of[col]'s value of each row (-1: not found ahead). NULL: none. */
    rs_rowdecode *ahead;
    int *slot_of;
    collection_page page;      /* the page being read */
    size_t row;                /* index in page */
    int indexed;               /* the current row was indexed by the decoder */
    int at_end;                /* no more pages after this one */
    collection_stream *stream; /* later pages; NULL when the result had one page */
    sqlite3_int64 rowid;       /* position over all pages */
    rs_progress progress;      /* progress lines of a long scan (progress.h) */
    long long n_read;          /* rows received by this scan */
    /* A split ORDER BY (planner.h) whose REST part had rows: they are merged with the rows
     * above (the MAIN part) in SQLite's order. NULL otherwise. */
    rs_rowsort *rest;
    size_t rest_next; /* the next REST row */
    int from_rest;    /* the current row is REST's rest_next, not the page's row */
} collection_cursor;

/* ---------------------------------------------------------------- xBestIndex */

/* SQLite's constraint operator as a plan op; 0 when it cannot be pushed. */
static rs_plan_op plan_op(sqlite3_index_info *info, int i) {
    switch (info->aConstraint[i].op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
        return sqlite3_vtab_in(info, i, -1) ? RS_OP_IN : RS_OP_EQ;
    case SQLITE_INDEX_CONSTRAINT_NE:
        return RS_OP_NE;
    case SQLITE_INDEX_CONSTRAINT_LT:
        return RS_OP_LT;
    case SQLITE_INDEX_CONSTRAINT_LE:
        return RS_OP_LE;
    case SQLITE_INDEX_CONSTRAINT_GT:
        return RS_OP_GT;
    case SQLITE_INDEX_CONSTRAINT_GE:
        return RS_OP_GE;
    case SQLITE_INDEX_CONSTRAINT_ISNULL:
        return RS_OP_ISNULL;
    case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
        return RS_OP_NOTNULL;
    case SQLITE_INDEX_CONSTRAINT_LIKE:
        return RS_OP_LIKE;
    case SQLITE_INDEX_CONSTRAINT_GLOB:
        return RS_OP_GLOB;
    default:
        return (rs_plan_op)0;
    }
}

/* An SQL value as the planner sees it (text borrowed from SQLite). */
static void to_rs_value(sqlite3_value *v, rs_value *out) {
    memset(out, 0, sizeof(*out));
    switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
        out->kind = RS_VAL_INT;
        out->i = sqlite3_value_int64(v);
        break;
    case SQLITE_FLOAT:
        out->kind = RS_VAL_REAL;
        out->r = sqlite3_value_double(v);
        break;
    case SQLITE_TEXT:
        out->kind = RS_VAL_TEXT;
        out->text = (const char *)sqlite3_value_text(v);
        out->len = (size_t)sqlite3_value_bytes(v);
        break;
    case SQLITE_BLOB:
        out->kind = RS_VAL_BLOB;
        break;
    default:
        out->kind = RS_VAL_NULL;
        break;
    }
}

/* Add constraint i to the plan when it can be pushed; returns whether it was, and exactly. */
static int plan_constraint(const collection_vtab *vt, sqlite3_index_info *info, int i,
                           rs_plan *plan, int *exact) {
    const struct sqlite3_index_constraint *c = &info->aConstraint[i];
    rs_plan_op op = plan_op(info, i);
    const rs_column *col;
    sqlite3_value *rhs = NULL;
    rs_value value;
    rs_plan_term *t;

    *exact = 0;
    if (op == 0 || c->iColumn < 0 || (size_t)c->iColumn >= vt->schema.n ||
        plan->n_terms >= RS_PLAN_MAX_TERMS)
        return 0;
    col = &vt->schema.cols[c->iColumn];
    if (!rs_planner_can_push(col, op))
        return 0;
    /* text comparisons only mirror SQLite's under BINARY (LIKE/GLOB ignore collations) */
    if (op != RS_OP_LIKE && op != RS_OP_GLOB && op != RS_OP_ISNULL && op != RS_OP_NOTNULL &&
        strcasecmp(sqlite3_vtab_collation(info, i), "BINARY") != 0)
        return 0;
    if (sqlite3_vtab_rhs_value(info, i, &rhs) != SQLITE_OK)
        rhs = NULL;
    if (rhs != NULL)
        to_rs_value(rhs, &value);
    t = &plan->terms[plan->n_terms++];
    t->column = c->iColumn;
    t->op = op;
    t->constant = rhs != NULL;
    t->exact = rs_planner_term_exact(col, op, rhs != NULL ? &value : NULL);
    t->argv = plan->n_terms; /* argv numbers follow the terms; LIMIT/OFFSET come after */
    info->aConstraintUsage[i].argvIndex = t->argv;
    info->aConstraintUsage[i].omit = (unsigned char)t->exact;
    if (op == RS_OP_IN)
        sqlite3_vtab_in(info, i, 1);
    *exact = t->exact;
    return 1;
}

/* ORDER BY is consumed only when every term can be (planner.h: `_id` always, a field when LIMIT
 * is pushed too). Terms after an `_id` never decide anything: they are not planned. SQLite
 * hands over no term with a COLLATE other than the column's, nor with NULLS FIRST/LAST. */
static void plan_order(const collection_vtab *vt, sqlite3_index_info *info, rs_plan *plan,
                       int limit_pushed) {
    int i, n = 0;

    if (info->nOrderBy <= 0 || info->nOrderBy > RS_PLAN_MAX_ORDER)
        return;
    for (i = 0; i < info->nOrderBy; i++) {
        int col = info->aOrderBy[i].iColumn;
        if (col < 0 || (size_t)col >= vt->schema.n ||
            !rs_planner_can_order(&vt->schema.cols[col], limit_pushed))
            return;
        if (vt->schema.cols[col].role == RS_COL_ID)
            break;
    }
    for (i = 0; i < info->nOrderBy; i++) {
        int col = info->aOrderBy[i].iColumn;
        plan->order[n].column = col;
        plan->order[n++].desc = info->aOrderBy[i].desc;
        /* the keys are read from every row (REST is sorted by them), used elsewhere or not */
        plan->columns |= (uint64_t)1 << (col < 63 ? col : 63);
        if (vt->schema.cols[col].role == RS_COL_ID)
            break;
    }
    plan->n_order = n;
    info->orderByConsumed = 1;
}

/* The index of the constraint with this operator (LIMIT, OFFSET), or -1. */
static int find_op(const sqlite3_index_info *info, int op) {
    int i;

    for (i = 0; i < info->nConstraint; i++) {
        if (info->aConstraint[i].op == op)
            return i;
    }
    return -1;
}

/* LIMIT/OFFSET: pushed only when every other constraint is pushed exactly and the order is
 * Rockset's; a constant LIMIT also sizes the first page. */
static void plan_limit(sqlite3_index_info *info, rs_plan *plan, int all_exact) {
    sqlite3_value *v;
    long long hint = 0;
    int limit_at = find_op(info, SQLITE_INDEX_CONSTRAINT_LIMIT);
    int offset_at = find_op(info, SQLITE_INDEX_CONSTRAINT_OFFSET);

    if (limit_at < 0 || (info->nOrderBy > 0 && !info->orderByConsumed))
        return;
    if (sqlite3_vtab_rhs_value(info, limit_at, &v) == SQLITE_OK)
        hint = sqlite3_value_int64(v);
    if (hint > 0 && offset_at >= 0 && sqlite3_vtab_rhs_value(info, offset_at, &v) == SQLITE_OK)
        hint += sqlite3_value_int64(v) > 0 ? sqlite3_value_int64(v) : 0;
    else if (offset_at >= 0)
        hint = 0;
    plan->page_hint = hint > 0 ? hint : 0;
    if (!all_exact)
        return;
    plan->limit_argv = plan->n_terms + 1;
    info->aConstraintUsage[limit_at].argvIndex = plan->limit_argv;
    if (offset_at >= 0) {
        plan->offset_argv = plan->limit_argv + 1;
        info->aConstraintUsage[offset_at].argvIndex = plan->offset_argv;
        info->aConstraintUsage[offset_at].omit = 1; /* Rockset skips the rows, not SQLite */
    }
}

#define DOC_COUNT_TTL_S 30.0 /* collection stats older than this are asked for again */

/* The collection's size for estimates (errors: unknown). Asked when the table has not asked
 * yet, when its answer is older than DOC_COUNT_TTL_S, or after the table wrote: a table created
 * on an empty collection and then filled must not keep planning for an empty one. */
static long long doc_count(collection_vtab *vt) {
    rs_collection info;
    rs_api *api;
    rs_err err;

    if (vt->doc_count != -2 && collection_now() - vt->doc_count_at < DOC_COUNT_TTL_S)
        return vt->doc_count;
    vt->doc_count = -1;
    vt->doc_count_at = collection_now();
    memset(&info, 0, sizeof(info));
    rs_err_clear(&err);
    if (rs_conn_api(vt->conn, &api, &err) == RS_OK &&
        collection_info_get(api, vt->ws, vt->coll, &info, &err) == RS_OK)
        vt->doc_count = info.doc_count;
    rs_collection_free(&info);
    return vt->doc_count;
}

int collectionBestIndex(sqlite3_vtab *pVtab, sqlite3_index_info *info) {
    collection_vtab *vt = (collection_vtab *)pVtab;
    rs_plan plan;
    rs_buf idx = RS_BUF_INIT;
    int i, exact, all_exact = 1, unique = 0;
    long long rows;

    rs_plan_init(&plan);
    plan.columns = (uint64_t)info->colUsed;
    if (!vt->conn->cfg.pushdown) {
        plan.project = 0;
    } else {
        for (i = 0; i < info->nConstraint; i++) {
            int op = info->aConstraint[i].op;
            if (op == SQLITE_INDEX_CONSTRAINT_LIMIT || op == SQLITE_INDEX_CONSTRAINT_OFFSET)
                continue;
            if (!info->aConstraint[i].usable || !plan_constraint(vt, info, i, &plan, &exact) ||
                !exact)
                all_exact = 0;
        }
        plan_order(vt, info, &plan, all_exact && find_op(info, SQLITE_INDEX_CONSTRAINT_LIMIT) >= 0);
        plan_limit(info, &plan, all_exact);
    }
    rs_planner_estimate(&vt->schema, &plan, doc_count(vt), collection_page_size(vt),
                        &info->estimatedCost, &rows, &unique);
    info->estimatedRows = rows;
    if (unique)
        info->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
    if (rs_plan_encode(&plan, &idx) != RS_OK) {
        rs_buf_free(&idx);
        return SQLITE_NOMEM;
    }
    info->idxStr = sqlite3_mprintf("%s", rs_buf_cstr(&idx));
    rs_buf_free(&idx);
    if (info->idxStr == NULL)
        return SQLITE_NOMEM;
    info->needToFreeIdxStr = 1;
    return SQLITE_OK;
}

/* ---------------------------------------------------------------- xFilter */

/* The values xFilter received, per term; texts are copies (IN values die with the iterator). */
typedef struct filter_values {
    rs_value *vals;
    size_t n, cap;
    size_t start[RS_PLAN_MAX_TERMS];
    size_t count[RS_PLAN_MAX_TERMS];
    char **texts;
    size_t n_texts;
    rs_term_values tv[RS_PLAN_MAX_TERMS];
} filter_values;

static void filter_values_free(filter_values *fv) {
    size_t i;

    for (i = 0; i < fv->n_texts; i++)
        free(fv->texts[i]);
    free(fv->texts);
    free(fv->vals);
}

/* Append a copy of v. */
static int push_value(filter_values *fv, sqlite3_value *v) {
    rs_value *val;

    if (fv->n == fv->cap) {
        size_t cap = fv->cap ? fv->cap * 2 : 16;
        rs_value *grown = realloc(fv->vals, cap * sizeof(*grown));
        char **texts = realloc(fv->texts, cap * sizeof(char *));
        if (grown != NULL)
            fv->vals = grown;
        if (texts != NULL)
            fv->texts = texts;
        if (grown == NULL || texts == NULL)
            return RS_ENOMEM;
        fv->cap = cap;
    }
    val = &fv->vals[fv->n];
    to_rs_value(v, val);
    if (val->kind == RS_VAL_TEXT) {
        char *copy = malloc(val->len + 1);
        if (copy == NULL)
            return RS_ENOMEM;
        memcpy(copy, val->text, val->len);
        copy[val->len] = '\0';
        val->text = copy;
        fv->texts[fv->n_texts++] = copy;
    }
    fv->n++;
    return RS_OK;
}

static int collect_values(const rs_plan *plan, sqlite3_value **argv, int argc, filter_values *fv) {
    sqlite3_value *v;
    int i, rc = RS_OK, src;

    for (i = 0; i < plan->n_terms && rc == RS_OK; i++) {
        const rs_plan_term *t = &plan->terms[i];
        fv->start[i] = fv->n;
        if (t->op == RS_OP_ISNULL || t->op == RS_OP_NOTNULL || t->argv < 1 || t->argv > argc)
            continue;
        if (t->op != RS_OP_IN) {
            rc = push_value(fv, argv[t->argv - 1]);
            continue;
        }
        for (src = sqlite3_vtab_in_first(argv[t->argv - 1], &v); src == SQLITE_OK && v != NULL;
             src = sqlite3_vtab_in_next(argv[t->argv - 1], &v)) {
            rc = push_value(fv, v);
            if (rc != RS_OK)
                break;
        }
        if (rc == RS_OK && src != SQLITE_DONE && src != SQLITE_OK)
            rc = RS_ENOMEM;
    }
    for (i = 0; i < plan->n_terms; i++) {
        size_t end = i + 1 < plan->n_terms ? fv->start[i + 1] : fv->n;
        fv->tv[i].values = fv->vals + fv->start[i];
        fv->tv[i].n = end - fv->start[i];
    }
    return rc;
}

static long long int_arg(sqlite3_value **argv, int argc, int at, long long none) {
    if (at < 1 || at > argc || sqlite3_value_type(argv[at - 1]) == SQLITE_NULL)
        return none;
    return sqlite3_value_int64(argv[at - 1]);
}

static void cursor_reset(collection_cursor *cur) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;

    collection_stream_close(cur->stream, &vt->conn->past);
    cur->stream = NULL;
    collection_page_free(&cur->page);
    cur->row = 0;
    cur->indexed = 0;
    cur->at_end = 1;
    cur->rowid = 0;
    rs_rowsort_free(cur->rest);
    cur->rest = NULL;
    cur->rest_next = 0;
    cur->from_rest = 0;
    rs_rowdecode_free(cur->ahead);
    cur->ahead = NULL;
}

/* cur->ahead for the plan's columns: the stream finds only what xColumn may ask for, so that a
 * wide table's pages do not carry a value for every column. RS_ENOMEM. */
static int ahead_new(collection_cursor *cur, const rs_plan *plan) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    const char **names = calloc(vt->schema.n + 1, sizeof(char *));
    size_t i, n = 0;

    if (names == NULL)
        return RS_ENOMEM;
    for (i = 0; i < vt->schema.n; i++) {
        int used = (plan->columns >> (i < 63 ? i : 63)) & 1u;
        cur->slot_of[i] = -1;
        if (vt->schema.cols[i].role == RS_COL_DOC || (!used && plan->project))
            continue;
        cur->slot_of[i] = (int)n;
        names[n++] = vt->schema.cols[i].name;
    }
    cur->ahead = rs_rowdecode_new(names, n);
    free(names);
    return cur->ahead != NULL ? RS_OK : RS_ENOMEM;
}

/* Send the query; the first page goes to *page, the others to *stream (NULL: there are none). */
static int run_query(collection_vtab *vt, const rs_query_text *q, long long first_page,
                     const rs_rowdecode *decoder, collection_page *page, collection_stream **stream,
                     rs_err *err) {
    rs_query_param params[2 * RS_PLAN_MAX_TERMS + 2];
    rs_query_param *many = NULL, *list;
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_api *api;
    size_t i;
    int rc = rs_conn_api(vt->conn, &api, err);

    if (rc == RS_OK && q->n_params > sizeof(params) / sizeof(params[0]) &&
        (many = calloc(q->n_params, sizeof(*many))) == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK)
        rc = rs_conn_note_sql(vt->conn, rs_buf_cstr(&q->sql), err);
    if (rc != RS_OK)
        goto done;
    list = many != NULL ? many : params;
    for (i = 0; i < q->n_params; i++) {
        list[i].name = q->names[i];
        list[i].type = q->types[i];
        list[i].value = q->values[i];
    }
    memset(&req, 0, sizeof(req));
    req.sql = rs_buf_cstr(&q->sql);
    req.params = list;
    req.n_params = q->n_params;
    req.max_initial_results = first_page;
    req.idempotent = 1;
    rc = rs_api_query(api, &req, &res, err);
    if (rc == RS_OK)
        rc = rs_conn_note_query_id(vt->conn, rs_query_result_id(res), err);
    if (rc == RS_OK)
        collection_page_take(res, page);
    if (rc == RS_OK && rs_query_result_has_more(res)) {
        rc = collection_stream_start(api, res, collection_page_size(vt), decoder, stream, err);
        res = NULL; /* the stream owns it now */
    }
done:
    rs_query_result_free(res);
    free(many);
    return rc;
}

/* Take the next page from the stream when the current one is used up (skipping empty pages). */
static int settle(collection_cursor *cur, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    int rc;

    while (cur->row >= cur->page.n && !cur->at_end) {
        collection_page_free(&cur->page);
        cur->row = 0;
        rc = collection_stream_next(cur->stream, rs_conn_should_stop, vt->conn, &cur->page, err);
        if (rc != RS_OK)
            return rc;
        if (cur->page.n == 0)
            cur->at_end = 1;
        vt->conn->docs_received += cur->page.n;
        cur->n_read += (long long)cur->page.n;
        rs_progress_tick(&cur->progress, cur->n_read, -1, "read");
    }
    if (cur->at_end && cur->stream != NULL) {
        rs_progress_end(&cur->progress, cur->n_read, "read");
        collection_stream_close(cur->stream, &vt->conn->past);
        cur->stream = NULL;
    }
    cur->indexed = 0;
    return RS_OK;
}

/* Rows asked for in the first response: a page, or fewer when a LIMIT says so. A pushed LIMIT
 * is the part's own (a split part may ask for more rows than the query's LIMIT, or for all). */
static long long first_page_for(const collection_vtab *vt, const rs_plan *plan, long long limit) {
    long long first_page = collection_page_size(vt);

    if (plan->limit_argv == 0 && plan->page_hint > 0 && plan->page_hint < first_page)
        first_page = plan->page_hint;
    if (limit > 0 && limit < first_page)
        first_page = limit;
    return first_page;
}

/* The cursor holds its first page: count it and start the progress lines. */
static void scan_started(collection_cursor *cur) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    char what[300];

    snprintf(what, sizeof(what), "rockset: %s.%s", vt->ws, vt->coll);
    rs_progress_start(&cur->progress, vt->conn, what);
    cur->n_read = (long long)cur->page.n;
    vt->conn->docs_received += cur->page.n;
}

/* Send one part of the plan (nothing is sent when it cannot match a row); its first page and
 * stream become the cursor's. */
static int scan_part(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                     long long limit, long long offset, rs_scan_part part, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    rs_query_text q;
    int rc;

    rs_query_text_init(&q);
    rc = rs_planner_build_part(&vt->schema, vt->ws, vt->coll, plan, fv->tv, limit, offset, part, &q,
                               err);
    if (rc == RS_OK && !q.empty) {
        /* MAIN and REST in one: REST's rows are not limited, a whole page is asked for */
        long long rows = part == RS_PART_BOTH || part == RS_PART_BOTH_TIED ? -1 : limit;
        rc = run_query(vt, &q, first_page_for(vt, plan, rows), cur->ahead, &cur->page, &cur->stream,
                       err);
        cur->at_end = cur->stream == NULL;
        if (rc == RS_OK)
            scan_started(cur);
    }
    rs_query_text_free(&q);
    return rc;
}

/* The REST part's sorter: the plan's keys, the table's fields, rows past keep dropped. */
static int rest_new(const collection_vtab *vt, const rs_plan *plan, long long keep,
                    rs_rowsort **out, rs_err *err) {
    const char **names = calloc(vt->schema.n, sizeof(char *));
    size_t cols[RS_PLAN_MAX_ORDER], i, id_col = 0;
    int desc[RS_PLAN_MAX_ORDER];

    if (names == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (i = 0; i < vt->schema.n; i++) {
        names[i] = vt->schema.cols[i].role == RS_COL_DOC ? NULL : vt->schema.cols[i].name;
        if (vt->schema.cols[i].role == RS_COL_ID)
            id_col = i;
    }
    for (i = 0; i < (size_t)plan->n_order; i++) {
        cols[i] = (size_t)plan->order[i].column;
        desc[i] = plan->order[i].desc;
    }
    *out = rs_rowsort_new(names, vt->schema.n, cols, desc, (size_t)plan->n_order, id_col, keep);
    free(names);
    return *out != NULL ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* Forget the part the cursor read last (its page and stream). */
static void part_done(collection_cursor *cur) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;

    collection_stream_close(cur->stream, &vt->conn->past);
    cur->stream = NULL;
    collection_page_free(&cur->page);
    cur->row = 0;
    cur->at_end = 1;
}

/* RS_PART_PROBE alone: *found when some document holds a key of another type. */
static int send_probe(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                      int *found, rs_err *err) {
    int rc = scan_part(cur, plan, fv, -1, 0, RS_PART_PROBE, err);

    *found = rc == RS_OK && cur->page.n > 0;
    part_done(cur);
    return rc;
}

/* Whether REST can have a row. With filters, a probe for any row of another type whatever the
 * filters (RS_PART_PROBE) answers it first, unless one did already (probed: RS_PART_BOTH's arm
 * found such a row): usually there is none, and REST - whose filter on another field the server
 * may answer by walking that field's rows - is not sent. Without filters REST is that same
 * question: it is sent as it is. */
static int rest_possible(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                         long long keep, int probed, int *possible, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    rs_query_text q;
    int rc;

    /* a REST that can match nothing (LIMIT 0, a NULL right-hand side) is sent by nobody */
    rs_query_text_init(&q);
    rc = rs_planner_build_part(&vt->schema, vt->ws, vt->coll, plan, fv->tv, keep, 0, RS_PART_REST,
                               &q, err);
    *possible = rc == RS_OK && !q.empty;
    rs_query_text_free(&q);
    if (rc != RS_OK || !*possible || plan->n_terms == 0 || probed)
        return rc;
    return send_probe(cur, plan, fv, possible, err);
}

/* Every row of the part just sent (all its pages) into the sorter, sorted; the part is done.
 * With probe non-NULL (RS_PART_BOTH), the probe's row is not kept but counted in *probe. */
static int take_rows(collection_cursor *cur, rs_rowsort *into, int *probe, rs_err *err) {
    size_t i;
    int rc = RS_OK;

    while (rc == RS_OK && cur->row < cur->page.n) {
        for (i = cur->row; i < cur->page.n && rc == RS_OK; i++) {
            if (probe != NULL && rs_planner_probe_row(cur->page.rows[i]))
                (*probe)++;
            else
                rc = rs_rowsort_add(into, cur->page.rows[i], err);
        }
        cur->row = cur->page.n;
        if (rc == RS_OK)
            rc = settle(cur, err); /* the next page, if any */
    }
    if (rc == RS_OK)
        rs_rowsort_finish(into);
    part_done(cur);
    return rc;
}

/* Send the REST part (after a probe, unless probed) and keep its rows, sorted, in cur->rest. */
static int read_rest(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                     long long keep, int probed, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    int possible = 0, rc = rest_new(vt, plan, keep, &cur->rest, err);

    if (rc == RS_OK)
        rc = rest_possible(cur, plan, fv, keep, probed, &possible, err);
    if (rc == RS_OK && possible)
        rc = scan_part(cur, plan, fv, -1, 0, RS_PART_REST, err);
    return rc == RS_OK ? take_rows(cur, cur->rest, NULL, err) : rc;
}

/* Whether a page of limit rows and the two around it fit the first response: the rows an
 * untied query brings are sorted here, so they are few (the tied MAIN streams instead). A
 * LIMIT 0 is left to MAIN, which sends nothing for it. */
static int window_fits(const collection_vtab *vt, long long limit) {
    return limit > 0 && limit <= collection_page_size(vt) - 2;
}

/* Whether a tie in SQLite's order crosses an edge of the page rows [lo, lo + limit) of the
 * sorted rows: Rockset, not asked to break ties by _id, may have cut a group of equal keys
 * anywhere, so which of them the page holds is then unknown. Otherwise every row with a key
 * inside the page is in it, and the sort put them in SQLite's order (ties by _id). */
static int window_tied(const rs_rowsort *rows, long long lo, long long limit) {
    size_t n = rs_rowsort_count(rows), first = (size_t)lo, end = (size_t)(lo + limit);

    if (lo > 0 && n > first && rs_rowsort_same_keys(rows, first - 1, first))
        return 1;
    return limit > 0 && n > end && rs_rowsort_same_keys(rows, end - 1, end);
}

/* What an untied part's rows are worth (take_window). */
typedef enum window_verdict {
    WINDOW_OK = 0, /* the answer: every row with a key inside the page is in it */
    WINDOW_TIED,   /* a tie crosses an edge of the page */
    WINDOW_OTHER   /* some document holds a key of another type: REST may have rows */
} window_verdict;

/* The rows an untied part asks for besides the page: the one before it (offset > 0) ... */
static long long window_before(long long offset) {
    return offset > 0 ? 1 : 0;
}

/* ... and in all, with the one after it. */
static long long window_asked(long long limit, long long offset) {
    return window_before(offset) + limit + 1;
}

/* Send an untied part (RS_PART_WINDOW, or RS_PART_BOTH: the same with the probe as an arm) for
 * the page of limit rows after offset rows, with the row before the page (offset > 0) and the
 * one after it; sort them into *rows. *probe counts the probe's rows (RS_PART_BOTH). */
static int fetch_window(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                        rs_scan_part part, long long limit, long long offset, rs_rowsort **rows,
                        int *probe, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    long long asked = window_asked(limit, offset);
    int rc = rest_new(vt, plan, asked, rows, err);

    *probe = 0;
    if (rc == RS_OK)
        rc = scan_part(cur, plan, fv, asked, offset - window_before(offset), part, err);
    if (rc == RS_OK)
        rc = take_rows(cur, *rows, part == RS_PART_BOTH ? probe : NULL, err);
    part_done(cur);
    return rc;
}

/* Judge the sorted rows of fetch_window (other: REST may have rows). When they are the answer
 * (WINDOW_OK), they become cur->rest, the cursor's rows, with *skip the one before the page:
 * sorted here, they are what MAIN with its tie-break would have brought. Otherwise they are
 * freed. */
static window_verdict take_window(collection_cursor *cur, rs_rowsort *rows, int other,
                                  long long offset, long long limit, long long *skip) {
    long long before = window_before(offset);
    window_verdict verdict = WINDOW_OK;

    if (other)
        verdict = WINDOW_OTHER;
    else if (window_tied(rows, before, limit))
        verdict = WINDOW_TIED;
    if (verdict != WINDOW_OK) {
        rs_rowsort_free(rows);
        return verdict;
    }
    rs_rowsort_cut(rows, (size_t)(before + limit));
    cur->rest = rows;
    *skip = before;
    return WINDOW_OK;
}

/* RS_PART_WINDOW once REST is known empty: fetch_window, then take_window. */
static int read_window(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                       long long limit, long long offset, long long *skip, window_verdict *verdict,
                       rs_err *err) {
    rs_rowsort *rows = NULL;
    int probe, rc = fetch_window(cur, plan, fv, RS_PART_WINDOW, limit, offset, &rows, &probe, err);

    if (rc != RS_OK) {
        rs_rowsort_free(rows);
        return rc;
    }
    *verdict = take_window(cur, rows, 0, offset, limit, skip);
    return RS_OK;
}

/* What the keys of RS_PART_WINDOW's rows, sent alone, say of REST (rs_planner_window_alone):
 * *said is RS_KEY_OTHER_TYPE when one is of another type, RS_KEY_NUMBER when they settle the
 * page (all plain numbers, and fewer rows than asked or the last above 1), else
 * RS_KEY_UNSURE. */
static int window_keys(collection_cursor *cur, const rs_plan *plan, const rs_rowsort *rows,
                       long long asked, rs_window_key *said, rs_err *err) {
    size_t i, n = rs_rowsort_count(rows), col = (size_t)plan->order[0].column;
    rs_window_key k = RS_KEY_ABOVE_BOOLS;
    int rc = RS_OK, numbers = 1;

    for (i = 0; i < n && rc == RS_OK; i++) {
        rc = rs_rowdecode_index(cur->decoder, rs_rowsort_row(rows, i), err);
        if (rc != RS_OK)
            break;
        k = rs_planner_window_key(rs_rowdecode_raw(cur->decoder, col));
        if (k == RS_KEY_OTHER_TYPE) {
            *said = k;
            return RS_OK;
        }
        numbers = numbers && k != RS_KEY_UNSURE;
    }
    /* sorted, all numbers: the last is the smallest, Rockset's last too */
    *said = numbers && ((long long)n < asked || k == RS_KEY_ABOVE_BOOLS) ? RS_KEY_NUMBER
                                                                         : RS_KEY_UNSURE;
    return rc;
}

/* After RS_PART_WINDOW sent alone: *other when REST may have rows that matter, from the keys,
 * or else from the probe sent alone. */
static int window_rest(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                       const rs_rowsort *rows, long long asked, int *other, rs_err *err) {
    rs_window_key k = RS_KEY_UNSURE;
    int rc = window_keys(cur, plan, rows, asked, &k, err);

    *other = k == RS_KEY_OTHER_TYPE;
    if (rc != RS_OK || k != RS_KEY_UNSURE)
        return rc;
    return send_probe(cur, plan, fv, other, err);
}

/* LIMIT + OFFSET, the rows of each part a merge may need; -1 (all) without a LIMIT. */
static long long reach(long long limit, long long offset) {
    if (limit < 0)
        return -1;
    if (offset <= 0)
        return limit;
    return limit > LLONG_MAX - offset ? LLONG_MAX : limit + offset;
}

/* REST first; when it has no row, MAIN is the whole answer and takes LIMIT and OFFSET as they
 * are, asked first without its guard and tie-break (read_window) when the page fits the first
 * response, with them when a tie crosses an edge of the page or it does not fit; when REST has
 * rows, MAIN brings LIMIT + OFFSET rows, the merge skips OFFSET of the merged rows (*skip) and
 * SQLite stops at LIMIT. probed: a probe found a key of another type already. */
static int read_rest_first(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                           long long limit, long long offset, int probed, long long *skip,
                           rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    window_verdict verdict = WINDOW_TIED;
    int rc = read_rest(cur, plan, fv, reach(limit, offset), probed, err);

    if (rc != RS_OK)
        return rc;
    if (rs_rowsort_count(cur->rest) == 0) {
        rs_rowsort_free(cur->rest);
        cur->rest = NULL;
        if (window_fits(vt, limit))
            rc = read_window(cur, plan, fv, limit, offset, skip, &verdict, err);
        if (rc != RS_OK || verdict == WINDOW_OK)
            return rc;
        return scan_part(cur, plan, fv, limit, offset, RS_PART_MAIN, err);
    }
    *skip = offset > 0 ? offset : 0;
    return scan_part(cur, plan, fv, reach(limit, offset), 0, RS_PART_MAIN, err);
}

/* After the page's request: MAIN with its tie-break when a tie crosses an edge of the page (REST
 * does not matter); when some document holds a key of another type, MAIN (LIMIT + OFFSET rows)
 * and REST in one request (RS_PART_BOTH_TIED), exact whatever REST, all of it sorted here and
 * OFFSET skipped by the merge; or, when that is more than a page, REST first
 * (read_rest_first), so that MAIN streams instead of being kept. */
static int read_after_window(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                             window_verdict verdict, long long limit, long long offset,
                             long long *skip, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    long long rows = reach(limit, offset);
    int rc;

    if (verdict == WINDOW_TIED)
        return scan_part(cur, plan, fv, limit, offset, RS_PART_MAIN, err);
    if (rows > collection_page_size(vt))
        return read_rest_first(cur, plan, fv, limit, offset, 1, skip, err);
    *skip = offset > 0 ? offset : 0;
    rc = rest_new(vt, plan, rows, &cur->rest, err);
    if (rc == RS_OK)
        rc = scan_part(cur, plan, fv, rows, 0, RS_PART_BOTH_TIED, err);
    return rc == RS_OK ? take_rows(cur, cur->rest, NULL, err) : rc;
}

/* A page that fits the first response: one request for the page and its edge rows, sorted
 * here; the server's fixed cost of a query is paid once. With the probe as an arm
 * (RS_PART_BOTH), or alone (RS_PART_WINDOW) when its keys may settle the page
 * (rs_planner_window_alone): a descending top-N of numbers needs no probe, which costs the
 * server about what the page does; when they do not, the probe follows alone. */
static int read_both(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                     long long limit, long long offset, long long *skip, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    int alone = rs_planner_window_alone(&vt->schema, plan, offset), other = 0;
    rs_rowsort *rows = NULL;
    window_verdict verdict;
    int rc = fetch_window(cur, plan, fv, alone ? RS_PART_WINDOW : RS_PART_BOTH, limit, offset,
                          &rows, &other, err);

    if (rc == RS_OK && alone)
        rc = window_rest(cur, plan, fv, rows, window_asked(limit, offset), &other, err);
    if (rc != RS_OK) {
        rs_rowsort_free(rows);
        return rc;
    }
    verdict = take_window(cur, rows, other, offset, limit, skip);
    if (verdict == WINDOW_OK)
        return RS_OK;
    return read_after_window(cur, plan, fv, verdict, limit, offset, skip, err);
}

/* A split ORDER BY (planner.h): one request when the page fits the first response (read_both),
 * else REST first (read_rest_first). One part after the other, on the connection's own client:
 * sent side by side, MAIN needed a thread and a connection of its own each time, which cost
 * more than the round trip it saved (the latest 10 of 1,000,000 documents: 1.64 ms side by
 * side, 1.39 ms in turn, median of 200; the server's time the same). */
static int start_split_scan(collection_cursor *cur, const rs_plan *plan, const filter_values *fv,
                            long long limit, long long offset, long long *skip, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;

    if (window_fits(vt, limit))
        return read_both(cur, plan, fv, limit, offset, skip, err);
    return read_rest_first(cur, plan, fv, limit, offset, 0, skip, err);
}

/* Build and send the plan's queries. */
static int start_scan(collection_cursor *cur, const rs_plan *plan, sqlite3_value **argv, int argc,
                      long long *skip, rs_err *err) {
    collection_vtab *vt = (collection_vtab *)cur->base.pVtab;
    filter_values fv;
    long long limit, offset;
    int rc;

    memset(&fv, 0, sizeof(fv));
    rc = collect_values(plan, argv, argc, &fv);
    if (rc == RS_OK)
        rc = ahead_new(cur, plan);
    if (rc != RS_OK) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    limit = int_arg(argv, argc, plan->limit_argv, -1);
    offset = int_arg(argv, argc, plan->offset_argv, 0);
    if (rs_planner_order_split(&vt->schema, plan))
        rc = start_split_scan(cur, plan, &fv, limit, offset, skip, err);
    else
        rc = scan_part(cur, plan, &fv, limit, offset, RS_PART_ALL, err);
done:
    filter_values_free(&fv);
    return rc;
}

/* ---------------------------------------------------------------- merging REST */

static rs_jsonscan_span page_row(const collection_cursor *cur) {
    return cur->page.rows[cur->row];
}

/* The row xColumn reads. */
static rs_jsonscan_span current_row(const collection_cursor *cur) {
    return cur->from_rest ? rs_rowsort_row(cur->rest, cur->rest_next) : page_row(cur);
}

/* Make current whichever comes first in SQLite's order: the page's row (MAIN) or REST's next. */
static int merge_pick(collection_cursor *cur, rs_err *err) {
    int has_main = cur->row < cur->page.n, cmp = 0, rc = RS_OK;

    cur->from_rest = 0;
    if (cur->rest == NULL || cur->rest_next >= rs_rowsort_count(cur->rest))
        return RS_OK;
    if (has_main)
        rc = rs_rowsort_cmp(cur->rest, cur->rest_next, page_row(cur), &cmp, err);
    cur->from_rest = rc == RS_OK && (!has_main || cmp <= 0);
    return rc;
}

/* Move past the current row. */
static int advance(collection_cursor *cur, rs_err *err) {
    int rc = RS_OK;

    cur->rowid++;
    cur->indexed = 0;
    if (cur->from_rest)
        cur->rest_next++;
    else {
        cur->row++;
        rc = settle(cur, err);
    }
    return rc == RS_OK ? merge_pick(cur, err) : rc;
}

int collectionFilter(sqlite3_vtab_cursor *pCursor, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv) {
    collection_cursor *cur = (collection_cursor *)pCursor;
    collection_vtab *vt = (collection_vtab *)pCursor->pVtab;
    rs_plan plan;
    rs_err err;
    long long skip = 0;
    int rc;

    (void)idxNum;
    cursor_reset(cur);
    rs_err_clear(&err);
    rc = rs_plan_decode(idxStr, &plan, &err);
    if (rc == RS_OK)
        rc = collection_read_barrier(vt, &err);
    if (rc == RS_OK)
        rc = start_scan(cur, &plan, argv, argc, &skip, &err);
    if (rc == RS_OK)
        rc = settle(cur, &err);
    if (rc == RS_OK)
        rc = merge_pick(cur, &err);
    for (; rc == RS_OK && skip > 0 && !collectionEof(pCursor); skip--)
        rc = advance(cur, &err); /* OFFSET, when a merge took it over from Rockset */
    if (rc != RS_OK) {
        cursor_reset(cur);
        return rs_sqlerr_vtab(pCursor->pVtab, &err);
    }
    cur->rowid = 1;
    return SQLITE_OK;
}

/* ---------------------------------------------------------------- cursor */

int collectionOpen(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor) {
    collection_vtab *vt = (collection_vtab *)pVtab;
    collection_cursor *cur = calloc(1, sizeof(*cur));
    const char **names;
    size_t i;

    if (cur == NULL)
        return SQLITE_NOMEM;
    names = calloc(vt->schema.n, sizeof(char *));
    if (names == NULL) {
        free(cur);
        return SQLITE_NOMEM;
    }
    for (i = 0; i < vt->schema.n; i++)
        names[i] = vt->schema.cols[i].role == RS_COL_DOC ? NULL : vt->schema.cols[i].name;
    cur->decoder = rs_rowdecode_new(names, vt->schema.n);
    free(names);
    cur->slot_of = calloc(vt->schema.n + 1, sizeof(int));
    if (cur->decoder == NULL || cur->slot_of == NULL) {
        rs_rowdecode_free(cur->decoder);
        free(cur->slot_of);
        free(cur);
        return SQLITE_NOMEM;
    }
    cur->at_end = 1;
    *ppCursor = &cur->base;
    return SQLITE_OK;
}

int collectionClose(sqlite3_vtab_cursor *pCursor) {
    collection_cursor *cur = (collection_cursor *)pCursor;

    cursor_reset(cur);
    rs_rowdecode_free(cur->decoder);
    free(cur->slot_of);
    free(cur);
    return SQLITE_OK;
}

int collectionNext(sqlite3_vtab_cursor *pCursor) {
    collection_cursor *cur = (collection_cursor *)pCursor;
    rs_err err;

    rs_err_reset(&err); /* per row: not the whole 560-byte record */
    if (advance(cur, &err) != RS_OK)
        return rs_sqlerr_vtab(pCursor->pVtab, &err);
    return SQLITE_OK;
}

int collectionEof(sqlite3_vtab_cursor *pCursor) {
    collection_cursor *cur = (collection_cursor *)pCursor;

    return !cur->from_rest && cur->row >= cur->page.n;
}

static void result_cell(sqlite3_context *ctx, const rs_cell *cell) {
    switch (cell->kind) {
    case RS_CELL_INT:
        sqlite3_result_int64(ctx, cell->i);
        break;
    case RS_CELL_REAL:
        sqlite3_result_double(ctx, cell->r);
        break;
    case RS_CELL_TEXT:
        sqlite3_result_text64(ctx, cell->text, cell->len, SQLITE_TRANSIENT, SQLITE_UTF8);
        break;
    case RS_CELL_JSON:
        sqlite3_result_text64(ctx, cell->text, cell->len, SQLITE_TRANSIENT, SQLITE_UTF8);
        sqlite3_result_subtype(ctx, JSON_SUBTYPE);
        break;
    default:
        sqlite3_result_null(ctx);
        break;
    }
}

int collectionColumn(sqlite3_vtab_cursor *pCursor, sqlite3_context *ctx, int i) {
    collection_cursor *cur = (collection_cursor *)pCursor;
    collection_vtab *vt = (collection_vtab *)pCursor->pVtab;
    rs_jsonscan_span row;
    rs_cell cell;
    rs_err err;

    if (sqlite3_vtab_nochange(ctx))
        return SQLITE_OK; /* an UPDATE that leaves this column alone */
    row = current_row(cur);
    if (vt->schema.cols[i].role == RS_COL_DOC) {
        sqlite3_result_text64(ctx, row.ptr, row.len, SQLITE_TRANSIENT, SQLITE_UTF8);
        sqlite3_result_subtype(ctx, JSON_SUBTYPE);
        return SQLITE_OK;
    }
    /* Called once per column per row: not the whole 560-byte record (rs_err_clear here cost a
     * tenth of a full scan's client CPU). */
    rs_err_reset(&err);
    if (!cur->from_rest && cur->page.vals != NULL && cur->slot_of[i] >= 0) {
        /* found by the stream's thread */
        size_t at = cur->row * cur->page.n_cols + (size_t)cur->slot_of[i];
        if (rs_rowdecode_cell_of(cur->decoder, cur->page.vals[at], &cell, &err) != RS_OK)
            return rs_sqlerr_vtab(pCursor->pVtab, &err);
        result_cell(ctx, &cell);
        return SQLITE_OK;
    }
    /* every row here came in a page that take_page's walk checked whole (api.h) */
    if (!cur->indexed && rs_rowdecode_index_valid(cur->decoder, row, &err) != RS_OK)
        return rs_sqlerr_vtab(pCursor->pVtab, &err);
    cur->indexed = 1;
    if (rs_rowdecode_cell(cur->decoder, (size_t)i, &cell, &err) != RS_OK)
        return rs_sqlerr_vtab(pCursor->pVtab, &err);
    result_cell(ctx, &cell);
    return SQLITE_OK;
}

int collectionRowid(sqlite3_vtab_cursor *pCursor, sqlite3_int64 *pRowid) {
    *pRowid = ((collection_cursor *)pCursor)->rowid;
    return SQLITE_OK;
}
