/*
 * fn_models_seed.c - rockset_seed: a local SQLite table -> a Rockset collection.
 *
 *   SELECT rockset_seed('local_customers', 'analytics.customers');          -- -> 3 (rows sent)
 *   SELECT rockset_seed('events', 'raw_events', '{"batch_size": 500, "replace": true,
 *                                                 "json_columns": ["payload"]}');
 *
 * The collection is created (managed: its description carries the ownership mark and
 * "seeded from <table>") when missing, its workspace too; with "replace": true an existing
 * managed collection is dropped and made again first (an unmanaged one is refused). Rows are
 * read with SELECT * and sent through the documents API in batches of batch_size (default
 * rockset_config('batch_size')); the function returns once the collection's commit fence has
 * passed the last batch, so the rows can be queried at once.
 *
 * Values: INTEGER -> JSON int (exact), REAL -> JSON float (shortest text that reads back the
 * same; NaN/Inf -> null), TEXT -> string (or, for a column listed in json_columns, the JSON it
 * holds), BLOB -> base64 string, NULL -> null. An `_id` column becomes the document id (as a
 * string, Rockset's type for _id), so seeding the same rows again replaces them; with one,
 * a batch whose answer is lost (5xx, dropped connection) is sent again, without one it is not
 * (it would add its rows twice) and the error says so and how many rows went before it.
 *
 * The seeds of a dbt project (rockset_seeds rows, written by rockset_import_dbt):
 *   SELECT rockset_seed();                                      -- every enabled seed
 *   SELECT rockset_seed(NULL, NULL, '{"select": "raw_orders raw_customers", "batch_size": 500}');
 *     -> {"run_id":3,"seeds":2,"success":2,"error":0,"rows":7,"results":[{"seed":"raw_customers",
 *         "relation":"analytics.raw_customers","status":"success","rows":3}, ...]}
 * Each seed's local table goes to <workspace>.<alias> (the connection's workspace and the
 * seed's name by default) as a full reload (replace: a managed collection is made again; an
 * unmanaged one fails that seed, the others go on), typed: a column whose column_types entry,
 * else whose declared type, is BOOLEAN goes as JSON true/false, DATE as Rockset's
 * {"__rockset_type":"date"}, TIMESTAMP/DATETIME as {"__rockset_type":"datetime"} (the 'T' form;
 * a CSV timestamp has no zone, and datetime is Rockset's time without a zone). Every seed gets
 * a rockset_run_results row (kind 'seed'); rockset_build loads seeds through models_seed_named.
 */
#include "dbt/dbtimport.h"
#include "fn_models_int.h"
#include "jsonscan.h"
#include "managed.h"
#include "models/runner.h"
#include "progress.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* How a column's values travel in typed mode (rockset_seed() of rockset_seeds rows). */
typedef enum send_type { SEND_PLAIN = 0, SEND_BOOLEAN, SEND_DATE, SEND_DATETIME } send_type;

typedef struct seed_options {
    int batch_size;
    int replace;
    rs_jsonscan_span json_columns; /* array of names, or {NULL, 0} */
    const send_type *types;        /* typed mode: one per column of the SELECT, else NULL */
} seed_options;

/* Start reading options text as a JSON object: *present = 0 when text is NULL (no options),
 * else *it walks its members. */
static int options_begin(const char *text, rs_jsonscan_iter *it, int *present, rs_err *err) {
    rs_jsonscan_span span;

    *present = text != NULL;
    if (text == NULL)
        return RS_OK;
    span = rs_jsonscan_cstr(text);
    if (rs_jsonscan_validate(span.ptr, span.len, NULL) != RS_OK ||
        rs_jsonscan_classify(span) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "rockset_seed: options must be a JSON object");
    return rs_jsonscan_iter_init(it, span);
}

static int batch_size_option(rs_jsonscan_span v, int *batch_size, rs_err *err) {
    long long n;

    if (rs_jsonscan_int64(v, &n) != RS_OK || n < 1 || n > 20000)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_seed: option 'batch_size' must be an integer from 1 to 20000");
    *batch_size = (int)n;
    return RS_OK;
}

static int parse_seed_options(const char *text, seed_options *o, rs_err *err) {
    rs_jsonscan_span key, v;
    rs_jsonscan_iter it;
    int present, rc = options_begin(text, &it, &present, err);

    if (rc != RS_OK || !present)
        return rc;
    while (rs_jsonscan_iter_next(&it, &key, &v) == 1) {
        if (rs_jsonscan_key_eq(key, "batch_size")) {
            if (batch_size_option(v, &o->batch_size, err) != RS_OK)
                return err->code;
        } else if (rs_jsonscan_key_eq(key, "replace")) {
            if (rs_jsonscan_classify(v) != RS_JSON_TRUE && rs_jsonscan_classify(v) != RS_JSON_FALSE)
                return rs_err_set(err, RS_EINVAL,
                                  "rockset_seed: option 'replace' must be true or false");
            o->replace = rs_jsonscan_classify(v) == RS_JSON_TRUE;
        } else if (rs_jsonscan_key_eq(key, "json_columns")) {
            if (rs_jsonscan_classify(v) != RS_JSON_ARRAY)
                return rs_err_set(err, RS_EINVAL,
                                  "rockset_seed: option 'json_columns' must be a list of names");
            o->json_columns = v;
        } else {
            return rs_err_set(err, RS_EINVAL,
                              "rockset_seed: unknown option %.*s (valid: batch_size, replace, "
                              "json_columns)",
                              (int)key.len, key.ptr);
        }
    }
    return RS_OK;
}

static int is_json_column(const seed_options *o, const char *name) {
    rs_jsonscan_iter it;
    rs_jsonscan_span item;

    if (o->json_columns.ptr == NULL || rs_jsonscan_iter_init(&it, o->json_columns) != RS_OK)
        return 0;
    while (rs_jsonscan_iter_next(&it, NULL, &item) == 1) {
        if (rs_jsonscan_key_eq(rs_jsonscan_trim(item), name))
            return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- values */

static void put_base64(rs_buf *out, const unsigned char *data, size_t len) {
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i;

    rs_buf_putc(out, '"');
    for (i = 0; i + 2 < len; i += 3) {
        unsigned v = (unsigned)data[i] << 16 | (unsigned)data[i + 1] << 8 | data[i + 2];
        rs_buf_putc(out, alphabet[v >> 18 & 63]);
        rs_buf_putc(out, alphabet[v >> 12 & 63]);
        rs_buf_putc(out, alphabet[v >> 6 & 63]);
        rs_buf_putc(out, alphabet[v & 63]);
    }
    if (i < len) {
        unsigned v = (unsigned)data[i] << 16 | (i + 1 < len ? (unsigned)data[i + 1] << 8 : 0);
        rs_buf_putc(out, alphabet[v >> 18 & 63]);
        rs_buf_putc(out, alphabet[v >> 12 & 63]);
        rs_buf_putc(out, i + 1 < len ? alphabet[v >> 6 & 63] : '=');
        rs_buf_putc(out, '=');
    }
    rs_buf_putc(out, '"');
}

/* The shortest %g text that reads back as d, always looking like a float. */
static void put_real(rs_buf *out, double d) {
    char text[40];
    int prec;

    if (isnan(d) || isinf(d)) {
        rs_buf_puts(out, "null");
        return;
    }
    for (prec = 1; prec <= 17; prec++) {
        snprintf(text, sizeof(text), "%.*g", prec, d);
        if (strtod(text, NULL) == d)
            break;
    }
    rs_buf_puts(out, text);
    if (strpbrk(text, ".eE") == NULL)
        rs_buf_puts(out, ".0");
}

/* A typed value: booleans as JSON true/false, dates and timestamps as Rockset's extended
 * JSON (date; datetime, a time of day without a zone, the 'T' form). 1 when written. */
static int put_typed(rs_buf *out, sqlite3_stmt *stmt, int col, send_type t) {
    int kind = sqlite3_column_type(stmt, col);
    const char *text = kind == SQLITE_TEXT ? (const char *)sqlite3_column_text(stmt, col) : NULL;
    size_t i, len = text ? (size_t)sqlite3_column_bytes(stmt, col) : 0;

    if (t == SEND_BOOLEAN && kind == SQLITE_INTEGER) {
        rs_buf_puts(out, sqlite3_column_int64(stmt, col) ? "true" : "false");
        return 1;
    }
    if (t == SEND_BOOLEAN && text != NULL &&
        (strcasecmp(text, "true") == 0 || strcasecmp(text, "false") == 0)) {
        rs_buf_puts(out, (text[0] == 't' || text[0] == 'T') ? "true" : "false");
        return 1;
    }
    if ((t != SEND_DATE && t != SEND_DATETIME) || text == NULL || len < 10 || len > 40)
        return 0;
    rs_buf_printf(out, "{\"__rockset_type\":\"%s\",\"value\":\"",
                  t == SEND_DATE ? "date" : "datetime");
    for (i = 0; i < len; i++) {
        char ch = text[i] == ' ' ? 'T' : text[i];
        if (ch == '"' || ch == '\\' || (unsigned char)ch < 0x20)
            ch = '?'; /* not a date: Rockset refuses the value and names the column */
        rs_buf_putc(out, ch);
    }
    if (t == SEND_DATETIME && len == 10)
        rs_buf_puts(out, "T00:00:00");
    rs_buf_puts(out, "\"}");
    return 1;
}

/* Append column col of the current row as a JSON value. */
static int put_value(rs_buf *out, sqlite3_stmt *stmt, int col, int as_json, const char *name,
                     long long row, send_type typed, rs_err *err) {
    const char *text;
    int len;

    if (typed != SEND_PLAIN && put_typed(out, stmt, col, typed))
        return RS_OK;
    switch (sqlite3_column_type(stmt, col)) {
    case SQLITE_INTEGER:
        if (strcmp(name, "_id") == 0)
            rs_buf_printf(out, "\"%lld\"", (long long)sqlite3_column_int64(stmt, col));
        else
            rs_buf_printf(out, "%lld", (long long)sqlite3_column_int64(stmt, col));
        break;
    case SQLITE_FLOAT:
        put_real(out, sqlite3_column_double(stmt, col));
        break;
    case SQLITE_TEXT:
        text = (const char *)sqlite3_column_text(stmt, col);
        len = sqlite3_column_bytes(stmt, col);
        if (as_json && rs_jsonscan_validate(text, (size_t)len, NULL) != RS_OK)
            return rs_err_set(err, RS_EINVAL,
                              "rockset_seed: column '%s' of row %lld is not valid JSON", name, row);
        if (as_json)
            rs_buf_append(out, text, (size_t)len);
        else
            rs_buf_json_string(out, text, (size_t)len);
        break;
    case SQLITE_BLOB:
        put_base64(out, sqlite3_column_blob(stmt, col), (size_t)sqlite3_column_bytes(stmt, col));
        break;
    default:
        rs_buf_puts(out, "null");
        break;
    }
    return RS_OK;
}

/* ---------------------------------------------------------------- the collection */

static int create_seed_collection(rs_api *api, const char *ws, const char *coll,
                                  const char *description, long timeout_ms, rs_err *err) {
    rs_err ws_err;
    int rc;

    rc = rs_api_collection_create(api, ws, coll, description, NULL, err);
    if (rc == RS_ENOTFOUND) { /* the workspace is missing */
        rs_err_clear(&ws_err);
        if (rs_api_workspace_create(api, ws, description, NULL, &ws_err) == RS_OK) {
            rs_err_clear(err);
            rc = rs_api_collection_create(api, ws, coll, description, NULL, err);
        }
    }
    if (rc == RS_OK)
        rc = rs_api_collection_wait_ready(api, ws, coll, timeout_ms, NULL, err);
    return rc;
}

static int prepare_collection(rs_conn *conn, rs_api *api, const char *table, const char *ws,
                              const char *coll, int replace, rs_err *err) {
    rs_collection existing = {0};
    rs_buf description = RS_BUF_INIT;
    rs_buf note = RS_BUF_INIT;
    int rc;

    rs_buf_printf(&note, "seeded from %s", table);
    if (note.oom || rs_managed_description(&description, NULL, rs_buf_cstr(&note)) != RS_OK) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    rc = rs_api_collection_get(api, ws, coll, &existing, err);
    if (rc == RS_OK && !replace)
        goto done;
    if (rc == RS_OK && !rs_managed_is_marked(existing.description)) {
        rc = rs_err_set(err, RS_EINVAL,
                        "rockset_seed: refusing to replace collection %s.%s: it was not created "
                        "by rockset_ext (its description has no '" RS_MANAGED_MARK "' mark); use "
                        "rockset_drop('%s.%s', 1) to drop it anyway",
                        ws, coll, ws, coll);
        goto done;
    }
    if (rc == RS_OK) {
        rc = rs_api_collection_delete(api, ws, coll, err);
        if (rc == RS_OK)
            rc = rs_api_collection_wait_gone(api, ws, coll, conn->cfg.timeout_ms, err);
    } else if (rc == RS_ENOTFOUND) {
        rs_err_clear(err);
        rc = RS_OK;
    }
    if (rc == RS_OK)
        rc = create_seed_collection(api, ws, coll, rs_buf_cstr(&description), conn->cfg.timeout_ms,
                                    err);
done:
    rs_collection_free(&existing);
    rs_buf_free(&description);
    rs_buf_free(&note);
    return rc;
}

/* ---------------------------------------------------------------- sending */

typedef struct seed_batch {
    rs_buf docs; /* "[doc,doc,..." while filling */
    int n_docs;
    char *last_offset;
    long long sent; /* rows of earlier batches, all written */
} seed_batch;

static int send_batch(rs_conn *conn, rs_api *api, const char *ws, const char *coll, seed_batch *b,
                      rs_err *err) {
    rs_write_result wr = {0};
    int rc;

    if (b->n_docs == 0)
        return RS_OK;
    rs_buf_putc(&b->docs, ']');
    if (b->docs.oom)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = rs_api_docs_add(api, ws, coll, b->docs.data, b->docs.len, &wr, err);
    if (rc != RS_OK && rs_http_err_is_transient(err) &&
        !rs_api_docs_add_retryable(b->docs.data, b->docs.len))
        rs_err_append(err, "; not retried: rows without an _id column would be added twice by a "
                           "repeat");
    if (rc != RS_OK && b->sent > 0)
        rs_err_append(err,
                      "; %lld rows were sent before this failure (seed again with "
                      "{\"replace\": true} to start over)",
                      b->sent);
    if (rc == RS_OK && wr.n_errors > 0) {
        size_t i = 0;
        while (i < wr.count && wr.docs[i].error_message == NULL)
            i++;
        rc = rs_err_set(
            err, RS_EINVAL, "rockset_seed: %zu of %d documents were rejected; the first: %s",
            wr.n_errors, b->n_docs, i < wr.count ? wr.docs[i].error_message : "no message");
    }
    if (rc == RS_OK && wr.last_offset != NULL) {
        free(b->last_offset);
        b->last_offset = wr.last_offset;
        wr.last_offset = NULL;
    }
    if (rc == RS_OK) {
        conn->docs_sent += (uint64_t)b->n_docs;
        b->sent += b->n_docs;
    }
    rs_write_result_free(&wr);
    rs_buf_reset(&b->docs);
    b->n_docs = 0;
    return rc;
}

/* Stream every row of stmt into ws.coll; *count gets the number sent. */
static int stream_rows(rs_conn *conn, rs_api *api, sqlite3_stmt *stmt, const char *ws,
                       const char *coll, const seed_options *o, long long *count, rs_err *err) {
    int n_cols = sqlite3_column_count(stmt), col, step, rc = RS_OK;
    seed_batch b = {RS_BUF_INIT, 0, NULL, 0};
    long long row = 0;
    rs_progress progress;
    char what[300];

    snprintf(what, sizeof(what), "rockset_seed: %s.%s", ws, coll);
    rs_progress_start(&progress, conn, what);
    while (rc == RS_OK && (step = sqlite3_step(stmt)) == SQLITE_ROW) {
        row++;
        rs_buf_puts(&b.docs, b.n_docs == 0 ? "[{" : ",{");
        for (col = 0; rc == RS_OK && col < n_cols; col++) {
            const char *name = sqlite3_column_name(stmt, col);
            if (col > 0)
                rs_buf_putc(&b.docs, ',');
            rs_buf_json_string(&b.docs, name, strlen(name));
            rs_buf_putc(&b.docs, ':');
            rc = put_value(&b.docs, stmt, col, is_json_column(o, name), name, row,
                           o->types ? o->types[col] : SEND_PLAIN, err);
        }
        rs_buf_putc(&b.docs, '}');
        b.n_docs++;
        if (rc == RS_OK && b.n_docs >= o->batch_size) {
            rc = send_batch(conn, api, ws, coll, &b, err);
            rs_progress_tick(&progress, row, -1, "sent");
        }
    }
    if (rc == RS_OK && step != SQLITE_DONE)
        rc = rs_err_set(err, RS_EIO, "rockset_seed: reading the table failed: %s",
                        sqlite3_errmsg(conn->db));
    if (rc == RS_OK)
        rc = send_batch(conn, api, ws, coll, &b, err);
    if (rc == RS_OK && b.last_offset != NULL)
        rc = rs_api_fence_wait(api, ws, coll, b.last_offset, conn->cfg.timeout_ms, err);
    if (rc == RS_OK) {
        rs_progress_end(&progress, row, "sent");
        *count = row;
    }
    rs_buf_free(&b.docs);
    free(b.last_offset);
    return rc;
}

static void seed_all(sqlite3_context *ctx, rs_conn *conn, const char *options);

void models_fn_seed(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *table = argc > 0 ? rs_sqlerr_arg_text(argv[0]) : NULL;
    const char *target = argc > 1 ? rs_sqlerr_arg_text(argv[1]) : NULL;
    seed_options o = {conn->cfg.batch_size, 0, {NULL, 0}, NULL};
    sqlite3_stmt *stmt = NULL;
    char *ws = NULL, *coll = NULL, *select = NULL;
    long long count = 0;
    rs_api *api = NULL;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    if (argc == 0 || (sqlite3_value_type(argv[0]) == SQLITE_NULL &&
                      sqlite3_value_type(argv[1]) == SQLITE_NULL)) {
        seed_all(ctx, conn, argc > 2 ? rs_sqlerr_arg_text(argv[2]) : NULL);
        return;
    }
    if (table == NULL || table[0] == '\0' || target == NULL || target[0] == '\0') {
        sqlite3_result_error(ctx,
                             "rockset_seed: the table and the collection must be non-empty "
                             "texts",
                             -1);
        return;
    }
    rc = parse_seed_options(argc > 2 ? rs_sqlerr_arg_text(argv[2]) : NULL, &o, &err);
    if (rc == RS_OK)
        rc = rs_api_split_name(target, conn->cfg.workspace, &ws, &coll, &err);
    select = sqlite3_mprintf("SELECT * FROM \"%w\"", table);
    if (rc == RS_OK && select == NULL)
        rc = rs_err_set(&err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK && sqlite3_prepare_v2(conn->db, select, -1, &stmt, NULL) != SQLITE_OK)
        rc = rs_err_set(&err, RS_EINVAL, "rockset_seed: %s", sqlite3_errmsg(conn->db));
    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, &err);
    if (rc == RS_OK)
        rc = prepare_collection(conn, api, table, ws, coll, o.replace, &err);
    if (rc == RS_OK)
        rc = stream_rows(conn, api, stmt, ws, coll, &o, &count, &err);
    if (rc == RS_OK)
        sqlite3_result_int64(ctx, count);
    else
        rs_sqlerr_result(ctx, &err);
    sqlite3_finalize(stmt);
    sqlite3_free(select);
    free(ws);
    free(coll);
}

/* ---------------------------------------------------------------- the seeds of rockset_seeds */

static double monotonic_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* One rockset_seeds row, as far as seeding needs it. */
typedef struct seed_def {
    char *name;
    char *workspace;    /* NULL = the connection's */
    char *alias;        /* NULL = name */
    char *column_types; /* JSON object, or NULL */
    int enabled;
} seed_def;

static void seed_def_free(seed_def *d) {
    sqlite3_free(d->name);
    sqlite3_free(d->workspace);
    sqlite3_free(d->alias);
    sqlite3_free(d->column_types);
    memset(d, 0, sizeof(*d));
}

static char *column_copy(sqlite3_stmt *stmt, int col, int *oom) {
    const unsigned char *text = sqlite3_column_text(stmt, col);
    char *copy;

    if (text == NULL)
        return NULL;
    copy = sqlite3_mprintf("%s", text);
    *oom = *oom || copy == NULL;
    return copy;
}

/* The rockset_seeds row called name; *found 0 when there is none. */
static int read_seed_def(sqlite3 *db, const char *name, seed_def *d, int *found, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    int oom = 0, rc = RS_OK;

    *found = 0;
    memset(d, 0, sizeof(*d));
    if (sqlite3_prepare_v2(db,
                           "SELECT name, workspace, alias, column_types, enabled FROM "
                           "rockset_seeds WHERE name = ?1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_seed: reading rockset_seeds failed: %s (run "
                          "SELECT rockset_init())",
                          sqlite3_errmsg(db));
    sqlite3_bind_text(stmt, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        *found = 1;
        d->name = column_copy(stmt, 0, &oom);
        d->workspace = column_copy(stmt, 1, &oom);
        d->alias = column_copy(stmt, 2, &oom);
        d->column_types = column_copy(stmt, 3, &oom);
        d->enabled = sqlite3_column_type(stmt, 4) == SQLITE_NULL || sqlite3_column_int(stmt, 4);
        if (oom || d->name == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    sqlite3_finalize(stmt);
    return rc;
}

static send_type send_type_of(rs_dbt_type t) {
    return t == RS_DBT_BOOLEAN     ? SEND_BOOLEAN
           : t == RS_DBT_DATE      ? SEND_DATE
           : t == RS_DBT_TIMESTAMP ? SEND_DATETIME
                                   : SEND_PLAIN;
}

/* How each column of stmt travels: its column_types entry, else its declared type. */
static int column_send_types(sqlite3_stmt *stmt, const seed_def *d, send_type **out, rs_err *err) {
    int n = sqlite3_column_count(stmt), c;
    send_type *types = calloc((size_t)(n > 0 ? n : 1), sizeof(*types));
    rs_jsonscan_span want;
    char *type_name = NULL;
    rs_dbt_type t;
    int rc = RS_OK;

    if (types == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (c = 0; c < n && rc == RS_OK; c++) {
        const char *decl = sqlite3_column_decltype(stmt, c);
        const char *name = sqlite3_column_name(stmt, c);
        if (decl != NULL && rs_dbt_type_parse(decl, &t))
            types[c] = send_type_of(t);
        if (d->column_types == NULL ||
            rs_jsonscan_get(rs_jsonscan_cstr(d->column_types), name, &want) != 1)
            continue;
        if (rs_jsonscan_string_dup(want, &type_name, err) != RS_OK ||
            !rs_dbt_type_parse(type_name, &t)) {
            rs_err_clear(err);
            rc = rs_err_set(err, RS_EINVAL,
                            "rockset_seed: seed '%s': column_types: column '%s' has unknown type "
                            "'%s' (use varchar, integer, float, numeric, boolean, date or "
                            "timestamp)",
                            d->name, name, type_name ? type_name : "(not a string)");
        } else {
            types[c] = send_type_of(t);
        }
        free(type_name);
        type_name = NULL;
    }
    if (rc != RS_OK) {
        free(types);
        return rc;
    }
    *out = types;
    return RS_OK;
}

/* Load seed d into ws.coll (a full reload of a managed collection); *rows the rows sent. */
static int load_seed(rs_conn *conn, rs_api *api, const seed_def *d, const char *ws,
                     const char *coll, int batch_size, long long *rows, rs_err *err) {
    seed_options o = {batch_size, 1, {NULL, 0}, NULL};
    send_type *types = NULL;
    sqlite3_stmt *stmt = NULL;
    char *select = sqlite3_mprintf("SELECT * FROM \"%w\"", d->name);
    int rc = RS_OK;

    if (select == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(conn->db, select, -1, &stmt, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINVAL,
                        "rockset_seed: seed '%s' has no local table (%s); import the project "
                        "again with rockset_import_dbt",
                        d->name, sqlite3_errmsg(conn->db));
    if (rc == RS_OK)
        rc = column_send_types(stmt, d, &types, err);
    o.types = types;
    if (rc == RS_OK)
        rc = prepare_collection(conn, api, d->name, ws, coll, 1, err);
    if (rc == RS_OK)
        rc = stream_rows(conn, api, stmt, ws, coll, &o, rows, err);
    sqlite3_finalize(stmt);
    sqlite3_free(select);
    free(types);
    return rc;
}

int models_seed_named(rs_conn *conn, rs_api *api, long long run_id, const char *name,
                      int batch_size, models_seed_outcome *out, rs_err *err) {
    seed_def d;
    models_result_row row;
    char message[700], *relation = NULL;
    long long started = rs_runner_now_ms(), rows = -1;
    double t0 = monotonic_ms();
    int found, rc = read_seed_def(conn->db, name, &d, &found, err);
    rs_err own;

    memset(out, 0, sizeof(*out));
    if (rc == RS_OK && !found)
        rc = rs_err_set(err, RS_EINVAL, "rockset_seed: no seed named '%s' in rockset_seeds", name);
    if (rc != RS_OK) {
        seed_def_free(&d);
        return rc;
    }
    relation = sqlite3_mprintf("%s.%s", d.workspace ? d.workspace : conn->cfg.workspace,
                               d.alias ? d.alias : d.name);
    if (relation == NULL) {
        seed_def_free(&d);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    rs_err_clear(&own);
    out->ok = load_seed(conn, api, &d, d.workspace ? d.workspace : conn->cfg.workspace,
                        d.alias ? d.alias : d.name, batch_size, &rows, &own) == RS_OK;
    out->rows = out->ok ? rows : -1;
    if (out->ok)
        snprintf(message, sizeof(message), "seeded %lld row%s", rows, rows == 1 ? "" : "s");
    else
        snprintf(message, sizeof(message), "%s", own.msg);
    snprintf(out->relation, sizeof(out->relation), "%s", relation);
    snprintf(out->message, sizeof(out->message), "%s", message);
    memset(&row, 0, sizeof(row));
    row.run_id = run_id;
    row.model = d.name;
    row.kind = "seed";
    row.relation = relation;
    row.status = out->ok ? "success" : "error";
    row.started_ms = started;
    row.elapsed_ms = (long long)(monotonic_ms() - t0 + 0.5);
    row.rows_affected = out->ok ? rows : -1;
    row.message = message;
    rc = models_write_result(conn->db, &row, err);
    sqlite3_free(relation);
    seed_def_free(&d);
    return rc;
}

/* The names of the enabled rockset_seeds rows, or of those `select` names (separated by
 * blanks; each must be a seed). */
static int selected_seeds(sqlite3 *db, const char *select, rs_buf *names, size_t *n, rs_err *err) {
    sqlite3_stmt *stmt = NULL;
    const char *p = select;
    int rc = RS_OK;

    *n = 0;
    if (sqlite3_prepare_v2(db, "SELECT name, enabled FROM rockset_seeds ORDER BY name", -1, &stmt,
                           NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EINVAL,
                          "rockset_seed: reading rockset_seeds failed: %s (run SELECT "
                          "rockset_init(), then rockset_import_dbt)",
                          sqlite3_errmsg(db));
    while (rc == RS_OK && sqlite3_step(stmt) == SQLITE_ROW) {
        const char *name = (const char *)sqlite3_column_text(stmt, 0);
        int enabled = sqlite3_column_type(stmt, 1) == SQLITE_NULL || sqlite3_column_int(stmt, 1);
        int wanted = select == NULL;
        for (p = select; p != NULL && *p != '\0' && !wanted;) {
            size_t len;
            p += strspn(p, " \t\n");
            len = strcspn(p, " \t\n");
            wanted = len > 0 && len == strlen(name) && strncmp(p, name, len) == 0;
            p += len;
        }
        if (wanted && enabled) {
            rs_buf_append(names, name, strlen(name) + 1); /* NUL-separated */
            (*n)++;
        }
    }
    sqlite3_finalize(stmt);
    return names->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : rc;
}

/* Every name in select must be a rockset_seeds row. */
static int check_selected(sqlite3 *db, const char *select, rs_err *err) {
    const char *p = select;
    char name[300];
    seed_def d;
    int found, rc = RS_OK;

    while (p != NULL && *p != '\0' && rc == RS_OK) {
        size_t len;
        p += strspn(p, " \t\n");
        len = strcspn(p, " \t\n");
        if (len == 0)
            break;
        snprintf(name, sizeof(name), "%.*s", (int)(len < 299 ? len : 299), p);
        p += len;
        rc = read_seed_def(db, name, &d, &found, err);
        seed_def_free(&d);
        if (rc == RS_OK && !found)
            rc = rs_err_set(err, RS_EINVAL, "rockset_seed: select: no seed named '%s'", name);
    }
    return rc;
}

/* Options of the every-seed form: {"select": "a b", "batch_size": n}. */
static int parse_all_options(const char *text, char **select, int *batch_size, rs_err *err) {
    rs_jsonscan_span key, v;
    rs_jsonscan_iter it;
    int present, rc;

    *select = NULL;
    rc = options_begin(text, &it, &present, err);
    if (rc != RS_OK || !present)
        return rc;
    while (rs_jsonscan_iter_next(&it, &key, &v) == 1) {
        if (rs_jsonscan_key_eq(key, "select")) {
            free(*select);
            *select = NULL;
            if (rs_jsonscan_string_dup(v, select, err) != RS_OK) {
                rs_err_clear(err);
                return rs_err_set(err, RS_EINVAL,
                                  "rockset_seed: option 'select' must be a text of seed names");
            }
        } else if (rs_jsonscan_key_eq(key, "batch_size")) {
            if (batch_size_option(v, batch_size, err) != RS_OK)
                return err->code;
        } else {
            return rs_err_set(err, RS_EINVAL,
                              "rockset_seed: unknown option %.*s (valid with every seed: "
                              "select, batch_size)",
                              (int)key.len, key.ptr);
        }
    }
    return RS_OK;
}

static void put_outcome(rs_buf *out, const char *name, const models_seed_outcome *o) {
    rs_buf_puts(out, "{\"seed\":");
    rs_buf_json_string(out, name, strlen(name));
    rs_buf_puts(out, ",\"relation\":");
    rs_buf_json_string(out, o->relation, strlen(o->relation));
    rs_buf_printf(out, ",\"status\":\"%s\",\"rows\":", o->ok ? "success" : "error");
    if (o->ok)
        rs_buf_printf(out, "%lld}", o->rows);
    else {
        rs_buf_puts(out, "null,\"message\":");
        rs_buf_json_string(out, o->message, strlen(o->message));
        rs_buf_putc(out, '}');
    }
}

/* rockset_seed() and rockset_seed(NULL, NULL, options): every enabled seed. */
static void seed_all(sqlite3_context *ctx, rs_conn *conn, const char *options) {
    rs_buf names = RS_BUF_INIT, results = RS_BUF_INIT, out = RS_BUF_INIT;
    int batch_size = conn->cfg.batch_size;
    size_t n = 0, i, ok = 0;
    long long run_id = 0, rows = 0;
    char *select = NULL, line[400];
    const char *name;
    rs_api *api = NULL;
    models_seed_outcome o;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = parse_all_options(options, &select, &batch_size, &err);
    if (rc == RS_OK)
        rc = check_selected(conn->db, select, &err);
    if (rc == RS_OK)
        rc = selected_seeds(conn->db, select, &names, &n, &err);
    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, &err);
    if (rc == RS_OK)
        rc = models_next_run_id(conn->db, &run_id, &err);
    for (i = 0, name = names.data; rc == RS_OK && i < n; i++, name += strlen(name) + 1) {
        rc = models_seed_named(conn, api, run_id, name, batch_size, &o, &err);
        if (rc != RS_OK)
            break;
        snprintf(line, sizeof(line), "%s seed %s", o.ok ? "OK loaded" : "ERROR loading",
                 o.relation);
        models_progress_line(conn->cfg.quiet, i + 1, n, line, o.ok ? "INSERT" : "ERROR");
        ok += (size_t)o.ok;
        rows += o.ok ? o.rows : 0;
        rs_buf_puts(&results, i > 0 ? "," : "");
        put_outcome(&results, name, &o);
    }
    if (rc == RS_OK) {
        rs_buf_printf(&out,
                      "{\"run_id\":%lld,\"seeds\":%zu,\"success\":%zu,\"error\":%zu,"
                      "\"rows\":%lld,\"results\":[%s]}",
                      run_id, n, ok, n - ok, rows, rs_buf_cstr(&results));
        rs_sqlerr_result_json(ctx, &out);
    } else {
        rs_sqlerr_result(ctx, &err);
    }
    free(select);
    rs_buf_free(&names);
    rs_buf_free(&results);
    rs_buf_free(&out);
}
