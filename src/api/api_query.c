/*
 * api_query.c - queries, result pages, async polling and lambda execution (see api.h).
 *
 * How a result is held: the body of the latest response (first answer or a /pages answer) is
 * kept whole in `page`, and `rows` holds one span per element of its `results` array, pointing
 * into that body. Fetching the next page replaces the body and the spans, so memory is bounded
 * by one page. Rows are never re-printed: what the server sent is what the caller gets.
 *
 * Request body of POST /queries (and of lambda execution, without "sql"):
 *   {"sql":{"query":..,"parameters":[..],"default_row_limit":N},
 *    "async":true,"async_options":{"client_timeout_ms":N},"max_initial_results":N,"timeout_ms":N}
 */
#include "api.h"
#include "api_int.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rs_query_result {
    char *query_id;
    char *status;
    rs_http_response page;  /* the body rows point into */
    rs_jsonscan_span *rows; /* n_rows spans into page.body */
    size_t n_rows;
    size_t cap_rows;
    long long total;   /* results_total_doc_count, -1 when unknown */
    char *next_cursor; /* NULL on the last page */
    char *last_offset;
    char **col_names;
    char **col_types;
    size_t n_cols;
    long long rows_seen;
    rs_row_reader row_reader; /* NULL: rows are checked by the page's walk */
    void *row_ctx;
};

static int oom_error(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* Replace *slot with a copy of the string value v (null or any other kind clears it). */
static int set_str(char **slot, rs_jsonscan_span v) {
    char *s = NULL;

    /* a string that does not decode reads as absent, like a non-string */
    if (rs_jsonscan_classify(v) == RS_JSON_STRING &&
        rs_jsonscan_string_dup(v, &s, NULL) == RS_ENOMEM)
        return RS_ENOMEM;
    free(*slot);
    *slot = s;
    return RS_OK;
}

/* Replace *slot with a copy of the string member `key` of obj, when present (null clears it). */
static int update_str(char **slot, rs_jsonscan_span obj, const char *key) {
    rs_jsonscan_span v;

    if (!rs_jsonscan_get(obj, key, &v))
        return RS_OK;
    return set_str(slot, v);
}

/* Append one row span. */
static int add_row(rs_query_result *res, rs_jsonscan_span row) {
    if (res->n_rows == res->cap_rows) {
        size_t cap = res->cap_rows ? res->cap_rows * 2 : 64;
        rs_jsonscan_span *grown = realloc(res->rows, cap * sizeof(*grown));
        if (grown == NULL)
            return RS_ENOMEM;
        res->rows = grown;
        res->cap_rows = cap;
    }
    res->rows[res->n_rows++] = row;
    return RS_OK;
}

/* The value at the start of rest, checked: *value and *used (its length), or RS_EPARSE. */
static int member_value(rs_jsonscan_span rest, rs_jsonscan_span *value, size_t *used) {
    return rs_jsonscan_value(rest.ptr, rest.len, value, used, NULL) == RS_OK ? RS_OK : RS_EPARSE;
}

/* Check and cut the `results` member, which starts *rest: each element is checked as it is cut
 * (one walk of the page's rows, not a check and then a cut), by the caller's row reader when
 * it gave one. *used: the member's length. RS_EPARSE when it is malformed; a value that is no
 * array or object holds no rows. */
static int cut_rows(rs_query_result *res, rs_jsonscan_span rest, size_t *used) {
    rs_jsonscan_iter it;
    rs_jsonscan_span row, value;
    int more, rc = RS_OK;
    size_t len = 0;

    res->n_rows = 0;
    if (rest.ptr[0] != '[' && rest.ptr[0] != '{')
        return member_value(rest, &value, used);
    rs_jsonscan_iter_init(&it, rest);
    while (rc == RS_OK && (more = rs_jsonscan_iter_next_key(&it, NULL, &row)) == 1) {
        rc = res->row_reader != NULL ? res->row_reader(res->row_ctx, row, &len)
                                     : member_value(row, &value, &len);
        rs_jsonscan_iter_resume(&it, len);
        row.len = len;
        if (rc == RS_OK)
            rc = add_row(res, row);
    }
    if (rc != RS_OK)
        return rc;
    if (more != 0)
        return RS_EPARSE;
    *used = (size_t)(it.pos - rest.ptr);
    res->rows_seen += (long long)res->n_rows;
    return RS_OK;
}

static void free_columns(rs_query_result *res) {
    size_t i;

    for (i = 0; i < res->n_cols; i++) {
        free(res->col_names[i]);
        free(res->col_types[i]);
    }
    free(res->col_names);
    free(res->col_types);
    res->col_names = res->col_types = NULL;
    res->n_cols = 0;
}

static int read_columns(rs_query_result *res, rs_jsonscan_span fields) {
    long n = rs_jsonscan_count(fields);
    rs_jsonscan_iter it;
    rs_jsonscan_span field;
    int oom = 0;

    free_columns(res);
    if (n <= 0)
        return RS_OK;
    res->col_names = calloc((size_t)n, sizeof(char *));
    res->col_types = calloc((size_t)n, sizeof(char *));
    if (res->col_names == NULL || res->col_types == NULL)
        return RS_ENOMEM;
    rs_jsonscan_iter_init(&it, fields);
    while (res->n_cols < (size_t)n && rs_jsonscan_iter_next(&it, NULL, &field) == 1) {
        char *name = api_get_str(field, "name", &oom);
        char *type = api_get_str(field, "type", &oom);
        res->col_names[res->n_cols] = name ? name : strdup("");
        res->col_types[res->n_cols] = type ? type : strdup("");
        res->n_cols++;
        if (oom || res->col_names[res->n_cols - 1] == NULL ||
            res->col_types[res->n_cols - 1] == NULL)
            return RS_ENOMEM;
    }
    return RS_OK;
}

/* Take resp's body as the current page: one pass over the top-level members, which walks the
 * whole text, each value checked as it is read, the rows of `results` cut in the same walk.
 * The body was not validated first (api_call_unchecked: a page of rows is megabytes, and
 * validating it was a whole extra pass): RS_EPARSE when the walk does not reach the end of the
 * text well-formed, and the caller asks api_check_body where it goes wrong (a valid body of
 * another shape, a scalar, reads as no members, as it always did). */
static int take_page(rs_query_result *res, rs_http_response *resp) {
    rs_jsonscan_span body, key, value, cursor, rest;
    rs_jsonscan_iter it;
    int rc = RS_OK, saw_pagination = 0, more = 0;
    size_t used = 0;

    rs_http_response_free(&res->page);
    res->page = *resp;
    rs_http_response_init(resp);
    body = api_body(&res->page);
    res->n_rows = 0;
    rs_jsonscan_iter_init(&it, body);
    while (rc == RS_OK && (more = rs_jsonscan_iter_next_key(&it, &key, &rest)) == 1) {
        if (rs_jsonscan_key_eq(key, "results")) {
            rc = cut_rows(res, rest, &used);
            rs_jsonscan_iter_resume(&it, used);
            continue;
        }
        rc = member_value(rest, &value, &used);
        rs_jsonscan_iter_resume(&it, used);
        if (rc != RS_OK)
            break;
        if (rs_jsonscan_key_eq(key, "results_total_doc_count"))
            rs_jsonscan_int64(value, &res->total); /* left as it was when not an integer */
        else if (rs_jsonscan_key_eq(key, "column_fields"))
            rc = read_columns(res, value);
        /* query_id, status and last_offset keep their value when a page omits them; read here,
         * in the one pass, because a page is large and every extra lookup walks all its rows */
        else if (rs_jsonscan_key_eq(key, "query_id"))
            rc = set_str(&res->query_id, value);
        else if (rs_jsonscan_key_eq(key, "status"))
            rc = set_str(&res->status, value);
        else if (rs_jsonscan_key_eq(key, "last_offset"))
            rc = set_str(&res->last_offset, value);
        else if (rs_jsonscan_key_eq(key, "pagination")) {
            saw_pagination = 1;
            free(res->next_cursor);
            res->next_cursor = NULL;
            if (rs_jsonscan_get(value, "next_cursor", &cursor) &&
                rs_jsonscan_classify(cursor) == RS_JSON_STRING &&
                rs_jsonscan_string_dup(cursor, &res->next_cursor, NULL) == RS_ENOMEM)
                rc = RS_ENOMEM;
        }
    }
    if (!saw_pagination) {
        free(res->next_cursor);
        res->next_cursor = NULL;
    }
    if (rc == RS_OK && (more != 0 || !rs_jsonscan_iter_complete(&it)))
        rc = RS_EPARSE;
    return rc;
}

/* take_page, with its errors told: where a malformed body goes wrong, or out of memory. */
static int take_checked_page(rs_query_result *res, rs_http_response *resp, const char *method,
                             const char *path, rs_err *err) {
    int rc = take_page(res, resp);

    if (rc == RS_EPARSE) {
        /* where the text goes wrong; a caller's row reader that refused a row of valid text
         * broke its contract (api.h), but the page still must not pass for whole */
        rc = api_check_body(&res->page, method, path, err);
        return rc != RS_OK ? rc : api_bad_response(err, method, path, "a row was refused");
    }
    return rc == RS_OK ? RS_OK : oom_error(err);
}

static rs_query_result *result_new(void) {
    rs_query_result *res = calloc(1, sizeof(*res));

    if (res == NULL)
        return NULL;
    rs_http_response_init(&res->page);
    res->total = -1;
    return res;
}

void rs_query_result_free(rs_query_result *res) {
    if (res == NULL)
        return;
    free(res->query_id);
    free(res->status);
    rs_http_response_free(&res->page);
    free(res->rows);
    free(res->next_cursor);
    free(res->last_offset);
    free_columns(res);
    free(res);
}

/* The members shared by a query and a lambda execution (sql excluded). */
static void append_options(rs_buf *b, const rs_query_request *req) {
    if (req->async)
        rs_buf_puts(b, ",\"async\":true");
    if (req->async && req->client_timeout_ms > 0)
        rs_buf_printf(b, ",\"async_options\":{\"client_timeout_ms\":%lld}", req->client_timeout_ms);
    if (req->max_initial_results > 0)
        rs_buf_printf(b, ",\"max_initial_results\":%lld", req->max_initial_results);
    if (req->timeout_ms > 0)
        rs_buf_printf(b, ",\"timeout_ms\":%lld", req->timeout_ms);
}

static void append_params(rs_buf *b, const rs_query_request *req) {
    size_t i;

    if (req->params_json != NULL) {
        rs_buf_puts(b, req->params_json);
        return;
    }
    rs_buf_putc(b, '[');
    for (i = 0; i < req->n_params; i++) {
        const rs_query_param *p = &req->params[i];
        const char *type = p->type ? p->type : "";
        const char *value = p->value ? p->value : "";
        rs_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        rs_buf_json_string(b, p->name, strlen(p->name));
        rs_buf_puts(b, ",\"type\":");
        rs_buf_json_string(b, type, strlen(type));
        rs_buf_puts(b, ",\"value\":");
        rs_buf_json_string(b, value, strlen(value));
        rs_buf_putc(b, '}');
    }
    rs_buf_putc(b, ']');
}

/* POST body to path and take the answer as the first page of a new result. */
static int submit(rs_api *api, const char *path, const rs_buf *body, const rs_query_request *req,
                  const api_target *t, rs_query_result **out, rs_err *err) {
    rs_http_response resp;
    rs_query_result *res = NULL;
    int rc;

    if (body->oom)
        return oom_error(err);
    rs_http_response_init(&resp);
    rc = api_call_unchecked(api, "POST", path, rs_buf_cstr(body), body->len, req->idempotent, t,
                            &resp, err);
    if (rc != RS_OK)
        goto done;
    res = result_new();
    if (res != NULL)
        rs_query_result_set_row_reader(res, req->row_reader, req->row_ctx);
    rc = res != NULL ? take_checked_page(res, &resp, "POST", path, err) : oom_error(err);
    if (rc != RS_OK)
        goto done;
    if (res->status == NULL)
        res->status = strdup("COMPLETED");
    if (res->status == NULL) {
        rc = oom_error(err);
        goto done;
    }
    *out = res;
    res = NULL;
done:
    rs_query_result_free(res);
    rs_http_response_free(&resp);
    return rc;
}

int rs_api_query(rs_api *api, const rs_query_request *req, rs_query_result **out, rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT;
    size_t bad_at = 0;
    int rc;

    if (req->sql == NULL)
        return rs_err_set(err, RS_EINVAL, "rockset: no SQL text given");
    /* the JSON encoder would send each bad byte as U+FFFD: a different statement than given */
    if (!rs_utf8_valid(req->sql, strlen(req->sql), &bad_at))
        return rs_err_set(err, RS_EINVAL, "rockset: the SQL text is not valid UTF-8 (at byte %zu)",
                          bad_at);
    if (api->vi_rrn != NULL) {
        rs_buf_puts(&path, "/v1/orgs/self/virtualinstances/");
        api_escape(&path, api->vi_rrn);
        rs_buf_puts(&path, "/queries");
    } else {
        rs_buf_puts(&path, "/v1/orgs/self/queries");
    }
    rs_buf_puts(&body, "{\"sql\":{\"query\":");
    rs_buf_json_string(&body, req->sql, strlen(req->sql));
    rs_buf_puts(&body, ",\"parameters\":");
    append_params(&body, req);
    if (req->default_row_limit > 0)
        rs_buf_printf(&body, ",\"default_row_limit\":%lld", req->default_row_limit);
    rs_buf_putc(&body, '}');
    append_options(&body, req);
    rs_buf_putc(&body, '}');
    if (path.oom)
        rc = oom_error(err);
    else /* only read-only SQL may be retried; the caller says which it is */
        rc = submit(api, rs_buf_cstr(&path), &body, req, NULL, out, err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    return rc;
}

/* GET a /pages answer into res. cursor NULL = the first page. */
static int fetch_page(rs_api *api, rs_query_result *res, const char *cursor, long long docs,
                      rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    rs_http_response resp;
    api_target t = {"query", NULL, res->query_id};
    int rc;

    rs_http_response_init(&resp);
    rs_buf_puts(&path, "/v1/orgs/self/queries/");
    api_escape(&path, res->query_id ? res->query_id : "");
    rs_buf_printf(&path, "/pages?docs=%lld", docs > 0 ? docs : 1000);
    if (cursor != NULL) {
        rs_buf_puts(&path, "&cursor=");
        api_escape(&path, cursor);
    }
    if (path.oom) {
        rc = oom_error(err);
        goto done;
    }
    /* reading a page is a read: safe to retry */
    rc = api_call_unchecked(api, "GET", rs_buf_cstr(&path), NULL, 0, 1, &t, &resp, err);
    if (rc == RS_OK)
        rc = take_checked_page(res, &resp, "GET", rs_buf_cstr(&path), err);
done:
    rs_http_response_free(&resp);
    rs_buf_free(&path);
    return rc;
}

int rs_api_query_next_page(rs_api *api, rs_query_result *res, long long docs, rs_err *err) {
    char *cursor;
    int rc;

    if (res->next_cursor == NULL) {
        res->n_rows = 0;
        return RS_OK;
    }
    cursor = res->next_cursor; /* take_page replaces it: keep this one alive until then */
    res->next_cursor = NULL;
    rc = fetch_page(api, res, cursor, docs, err);
    if (rc != RS_OK && res->next_cursor == NULL) {
        res->next_cursor = cursor; /* a failed fetch can be tried again */
        return rc;
    }
    free(cursor);
    return rc;
}

/* GET /queries/{id}: update status and last_offset; on ERROR/CANCELLED fill err. */
static int poll_info(rs_api *api, rs_query_result *res, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    rs_http_response resp;
    rs_jsonscan_span body, data, errors, first;
    api_target t = {"query", NULL, res->query_id};
    rs_jsonscan_iter it;
    int rc, oom = 0;

    rs_http_response_init(&resp);
    rs_buf_puts(&path, "/v1/orgs/self/queries/");
    api_escape(&path, res->query_id ? res->query_id : "");
    if (path.oom) {
        rc = oom_error(err);
        goto done;
    }
    rc = api_call(api, "GET", rs_buf_cstr(&path), NULL, 0, 1, &t, &resp, err); /* a read */
    if (rc != RS_OK)
        goto done;
    body = api_body(&resp);
    if (!rs_jsonscan_get(body, "data", &data))
        data = body;
    if (update_str(&res->status, data, "status") != RS_OK ||
        update_str(&res->last_offset, data, "last_offset") != RS_OK ||
        update_str(&res->last_offset, body, "last_offset") != RS_OK) {
        rc = oom_error(err);
        goto done;
    }
    if (res->status != NULL && strcmp(res->status, "CANCELLED") == 0) {
        rc = rs_err_set(err, RS_EHTTP, "rockset: query %s was cancelled (QUERY_CANCELLED)",
                        res->query_id);
        if (err != NULL)
            snprintf(err->type, sizeof(err->type), "QUERY_CANCELLED");
    } else if (res->status != NULL && strcmp(res->status, "ERROR") == 0) {
        char *message = NULL, *type = NULL;
        if (rs_jsonscan_get(data, "query_errors", &errors) &&
            rs_jsonscan_iter_init(&it, errors) == RS_OK &&
            rs_jsonscan_iter_next(&it, NULL, &first) == 1) {
            message = api_get_str(first, "message", &oom);
            type = api_get_str(first, "type", &oom);
        }
        rc = rs_err_set(err, RS_EHTTP, "rockset: query %s failed: %s (%s)", res->query_id,
                        message ? message : "no error message", type ? type : "QUERY_ERROR");
        if (err != NULL)
            snprintf(err->type, sizeof(err->type), "%s", type ? type : "QUERY_ERROR");
        free(message);
        free(type);
    }
done:
    rs_http_response_free(&resp);
    rs_buf_free(&path);
    return rc;
}

static int is_status(const rs_query_result *res, const char *status) {
    return res->status && strcmp(res->status, status) == 0;
}

int rs_api_query_wait(rs_api *api, rs_query_result *res, long long docs, long timeout_ms,
                      rs_err *err) {
    long long deadline = api_now_ms() + timeout_ms;
    long delay = 10;
    int rc;

    if (is_status(res, "COMPLETED"))
        return RS_OK;
    for (;;) {
        rc = poll_info(api, res, err);
        if (rc != RS_OK)
            return rc;
        if (is_status(res, "COMPLETED"))
            return fetch_page(api, res, NULL, docs, err);
        if (api_now_ms() + delay > deadline)
            return rs_err_set(err, RS_ETIMEOUT, "rockset: query %s still %s after %ld ms",
                              res->query_id, res->status ? res->status : "RUNNING", timeout_ms);
        rc = rs_http_sleep_ms(rs_api_http(api), delay, err);
        if (rc != RS_OK)
            return rc;
        delay = api_next_delay(delay);
    }
}

int rs_api_query_attach(rs_api *api, const char *query_id, rs_query_result **out, rs_err *err) {
    rs_query_result *res = result_new();
    int rc;

    if (res != NULL)
        res->query_id = strdup(query_id);
    if (res == NULL || res->query_id == NULL) {
        rs_query_result_free(res);
        return oom_error(err);
    }
    rc = poll_info(api, res, err);
    /* a failed query is still attached: the caller learns why from err and the status */
    if (rc != RS_OK && !is_status(res, "ERROR") && !is_status(res, "CANCELLED")) {
        rs_query_result_free(res);
        return rc;
    }
    *out = res;
    return rc;
}

int rs_api_query_cancel(rs_api *api, const char *query_id, rs_err *err) {
    rs_buf path = RS_BUF_INIT;
    rs_http_response resp;
    api_target t = {"query", NULL, query_id};
    int rc;

    rs_http_response_init(&resp);
    rs_buf_puts(&path, "/v1/orgs/self/queries/");
    api_escape(&path, query_id);
    if (path.oom)
        rc = oom_error(err);
    else /* cancelling twice is harmless: safe to retry */
        rc = api_call(api, "DELETE", rs_buf_cstr(&path), NULL, 0, 1, &t, &resp, err);
    rs_http_response_free(&resp);
    rs_buf_free(&path);
    return rc;
}

int rs_api_lambda_execute(rs_api *api, const char *ws, const char *name, const char *version,
                          const char *tag, const rs_query_request *req, rs_query_result **out,
                          rs_err *err) {
    rs_buf path = RS_BUF_INIT, body = RS_BUF_INIT, label = RS_BUF_INIT;
    api_target t = {"query lambda", ws, name};
    int rc;

    api_ws_path(&path, ws, "lambdas", name);
    rs_buf_puts(&path, version ? "/versions/" : "/tags/");
    api_escape(&path, version ? version : tag ? tag : "latest");
    if (version == NULL) {
        rs_buf_printf(&label, "%s:%s", name, tag ? tag : "latest");
        t.kind = "query lambda tag";
        t.name = rs_buf_cstr(&label);
    }
    rs_buf_puts(&body, "{\"parameters\":");
    append_params(&body, req);
    if (req->default_row_limit > 0)
        rs_buf_printf(&body, ",\"default_row_limit\":%lld", req->default_row_limit);
    append_options(&body, req);
    rs_buf_putc(&body, '}');
    if (path.oom || label.oom)
        rc = oom_error(err);
    else /* a lambda may write (INSERT INTO): retried only when the caller says it reads */
        rc = submit(api, rs_buf_cstr(&path), &body, req, &t, out, err);
    rs_buf_free(&path);
    rs_buf_free(&body);
    rs_buf_free(&label);
    return rc;
}

void rs_query_result_set_row_reader(rs_query_result *res, rs_row_reader reader, void *ctx) {
    res->row_reader = reader;
    res->row_ctx = ctx;
}

void rs_query_result_take_page(rs_query_result *res, char **body, rs_jsonscan_span **rows,
                               size_t *n) {
    *body = NULL;
    *rows = NULL;
    *n = res->n_rows;
    if (res->n_rows == 0)
        return;
    /* the spans point into the body: both go, and the result starts its next page afresh */
    *body = res->page.body.data;
    *rows = res->rows;
    rs_http_response_init(&res->page);
    res->rows = NULL;
    res->n_rows = res->cap_rows = 0;
}

/* ------------------------------------------------------------------ accessors */

const char *rs_query_result_id(const rs_query_result *res) {
    return res->query_id ? res->query_id : "";
}

const char *rs_query_result_status(const rs_query_result *res) {
    return res->status ? res->status : "";
}

size_t rs_query_result_row_count(const rs_query_result *res) {
    return res->n_rows;
}

rs_jsonscan_span rs_query_result_row(const rs_query_result *res, size_t i) {
    rs_jsonscan_span none = {"", 0};

    return i < res->n_rows ? res->rows[i] : none;
}

long long rs_query_result_total(const rs_query_result *res) {
    return res->total;
}

const char *rs_query_result_next_cursor(const rs_query_result *res) {
    return res->next_cursor;
}

int rs_query_result_has_more(const rs_query_result *res) {
    return res->next_cursor != NULL;
}

const char *rs_query_result_last_offset(const rs_query_result *res) {
    return res->last_offset;
}

size_t rs_query_result_column_count(const rs_query_result *res) {
    return res->n_cols;
}

const char *rs_query_result_column_name(const rs_query_result *res, size_t i) {
    return i < res->n_cols ? res->col_names[i] : NULL;
}

const char *rs_query_result_column_type(const rs_query_result *res, size_t i) {
    return i < res->n_cols ? res->col_types[i] : NULL;
}

long long rs_query_result_rows_seen(const rs_query_result *res) {
    return res->rows_seen;
}
