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
 */
#include "fn_models_int.h"
#include "jsonscan.h"
#include "managed.h"
#include "progress.h"
#include "sqlerr.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct seed_options {
    int batch_size;
    int replace;
    rs_jsonscan_span json_columns; /* array of names, or {NULL, 0} */
} seed_options;

static int parse_seed_options(const char *text, seed_options *o, rs_err *err) {
    rs_jsonscan_span span, key, v;
    rs_jsonscan_iter it;
    long long n;

    if (text == NULL)
        return RS_OK;
    span = rs_jsonscan_cstr(text);
    if (rs_jsonscan_validate(span.ptr, span.len, NULL) != RS_OK ||
        rs_jsonscan_classify(span) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "rockset_seed: options must be a JSON object");
    rs_jsonscan_iter_init(&it, span);
    while (rs_jsonscan_iter_next(&it, &key, &v) == 1) {
        if (rs_jsonscan_key_eq(key, "batch_size")) {
            if (rs_jsonscan_int64(v, &n) != RS_OK || n < 1 || n > 20000)
                return rs_err_set(err, RS_EINVAL,
                                  "rockset_seed: option 'batch_size' must be an "
                                  "integer from 1 to 20000");
            o->batch_size = (int)n;
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

/* Append column col of the current row as a JSON value. */
static int put_value(rs_buf *out, sqlite3_stmt *stmt, int col, int as_json, const char *name,
                     long long row, rs_err *err) {
    const char *text;
    int len;

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
            rc = put_value(&b.docs, stmt, col, is_json_column(o, name), name, row, err);
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

void models_fn_seed(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_conn *conn = sqlite3_user_data(ctx);
    const char *table = rs_sqlerr_arg_text(argv[0]);
    const char *target = rs_sqlerr_arg_text(argv[1]);
    seed_options o = {conn->cfg.batch_size, 0, {NULL, 0}};
    sqlite3_stmt *stmt = NULL;
    char *ws = NULL, *coll = NULL, *select = NULL;
    long long count = 0;
    rs_api *api = NULL;
    rs_err err;
    int rc;

    rs_err_clear(&err);
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
