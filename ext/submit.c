/* submit.c - see submit.h. */
#include "submit.h"
#include "jsonscan.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Append {"name":<key literal>,"type":"<type>","value":<value literal>} for one member of the
 * params object; key is the raw JSON string literal, so it needs no re-encoding. */
static int put_inferred_param(const char *fn, rs_jsonscan_span key, rs_jsonscan_span value,
                              rs_buf *out, rs_err *err) {
    rs_jsonscan_kind kind = rs_jsonscan_classify(value);
    char *name = NULL;
    int rc;

    rs_buf_puts(out, "{\"name\":");
    rs_buf_append(out, key.ptr, key.len);
    switch (kind) {
    case RS_JSON_STRING:
        rs_buf_puts(out, ",\"type\":\"string\",\"value\":");
        rs_buf_append(out, value.ptr, value.len);
        break;
    case RS_JSON_INT:
    case RS_JSON_FLOAT:
        rs_buf_printf(out, ",\"type\":\"%s\",\"value\":\"", kind == RS_JSON_INT ? "int" : "float");
        rs_buf_append(out, value.ptr, value.len); /* a number literal needs no escaping */
        rs_buf_putc(out, '"');
        break;
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        rs_buf_printf(out, ",\"type\":\"bool\",\"value\":\"%s\"",
                      kind == RS_JSON_TRUE ? "true" : "false");
        break;
    case RS_JSON_NULL:
        rs_buf_puts(out, ",\"type\":\"null\",\"value\":\"null\"");
        break;
    default:
        rc = rs_jsonscan_string_dup(key, &name, err);
        if (rc != RS_OK)
            return rc;
        rs_err_set(err, RS_EINVAL,
                   "%s: parameter '%s' is an %s; pass [{\"name\",\"type\",\"value\"}] for other "
                   "types",
                   fn, name, rs_jsonscan_kind_name(kind));
        free(name);
        return RS_EINVAL;
    }
    rs_buf_putc(out, '}');
    return RS_OK;
}

/* Is span an object whose name, type and value members are all strings? */
static int is_param_object(rs_jsonscan_span span) {
    static const char *const fields[] = {"name", "type", "value"};
    rs_jsonscan_span member;
    size_t i;

    if (rs_jsonscan_classify(span) != RS_JSON_OBJECT)
        return 0;
    for (i = 0; i < 3; i++) {
        if (!rs_jsonscan_get(span, fields[i], &member) ||
            rs_jsonscan_classify(member) != RS_JSON_STRING)
            return 0;
    }
    return 1;
}

static int convert_object(const char *fn, rs_jsonscan_span params, rs_buf *out, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    int n = 0, rc;

    rs_jsonscan_iter_init(&it, params);
    rs_buf_putc(out, '[');
    while (rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        if (n++ > 0)
            rs_buf_putc(out, ',');
        rc = put_inferred_param(fn, key, value, out, err);
        if (rc != RS_OK)
            return rc;
    }
    rs_buf_putc(out, ']');
    return RS_OK;
}

static int check_array(const char *fn, rs_jsonscan_span params, rs_buf *out, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span value;
    int i = 0;

    rs_jsonscan_iter_init(&it, params);
    while (rs_jsonscan_iter_next(&it, NULL, &value) == 1) {
        if (!is_param_object(value))
            return rs_err_set(err, RS_EINVAL,
                              "%s: params[%d] must be an object with string fields name, type "
                              "and value",
                              fn, i);
        i++;
    }
    rs_buf_append(out, params.ptr, params.len);
    return RS_OK;
}

int rs_submit_params_json(const char *fn, const char *params, rs_buf *out, rs_err *err) {
    rs_jsonscan_span span;
    rs_jsonscan_kind kind;
    rs_err parse_err;
    int rc;

    if (params == NULL)
        return RS_OK;
    rs_err_clear(&parse_err);
    if (rs_jsonscan_validate(params, strlen(params), &parse_err) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "%s: params must be a JSON object or array: %s", fn,
                          parse_err.msg);
    span = rs_jsonscan_trim(rs_jsonscan_cstr(params));
    kind = rs_jsonscan_classify(span);
    if (kind == RS_JSON_OBJECT)
        rc = convert_object(fn, span, out, err);
    else if (kind == RS_JSON_ARRAY)
        rc = check_array(fn, span, out, err);
    else
        return rs_err_set(err, RS_EINVAL, "%s: params must be a JSON object or array, not %s", fn,
                          rs_jsonscan_kind_name(kind));
    if (rc == RS_OK && out->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

static void count_rows(rs_conn *conn, const rs_query_result *res) {
    conn->docs_received += rs_query_result_row_count(res);
}

/* After a query or lambda execution was accepted: note its id, wait until it completes, count
 * its first page and hand it over (*res is taken either way). */
static int finish_submit(rs_conn *conn, rs_api *api, rs_query_result **res, long long page_rows,
                         rs_query_result **out, rs_err *err) {
    int rc = rs_conn_note_query_id(conn, rs_query_result_id(*res), err);
    if (rc == RS_OK && strcmp(rs_query_result_status(*res), "COMPLETED") != 0)
        rc = rs_api_query_wait(api, *res, page_rows, conn->cfg.timeout_ms, err);
    if (rc == RS_OK) {
        count_rows(conn, *res);
        *out = *res;
    } else {
        rs_query_result_free(*res);
    }
    *res = NULL;
    return rc;
}

/* The request both submissions share: params (converted), first-page size, async. */
static void base_request(rs_query_request *req, const char *params, const rs_buf *params_json,
                         long long page_rows, int async) {
    memset(req, 0, sizeof(*req));
    req->params_json = params != NULL ? rs_buf_cstr(params_json) : NULL;
    req->max_initial_results = page_rows;
    req->async = async;
}

int rs_submit_query(rs_conn *conn, const char *fn, const char *sql, const char *params,
                    long long page_rows, int idempotent, int async, rs_query_result **out,
                    rs_err *err) {
    rs_buf params_json = RS_BUF_INIT;
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_api *api = NULL;
    int rc = rs_submit_params_json(fn, params, &params_json, err);

    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, err);
    if (rc == RS_OK)
        rc = rs_conn_note_sql(conn, sql, err);
    if (rc == RS_OK) {
        base_request(&req, params, &params_json, page_rows, async);
        req.sql = sql;
        req.idempotent = idempotent;
        rc = rs_api_query(api, &req, &res, err);
    }
    if (rc == RS_OK)
        rc = finish_submit(conn, api, &res, page_rows, out, err);
    rs_buf_free(&params_json);
    return rc;
}

int rs_submit_lambda(rs_conn *conn, const char *fn, const char *ws, const char *name,
                     const char *version, const char *tag, const char *params, long long page_rows,
                     rs_query_result **out, rs_err *err) {
    rs_buf params_json = RS_BUF_INIT;
    rs_query_request req;
    rs_query_result *res = NULL;
    rs_api *api = NULL;
    int rc = rs_submit_params_json(fn, params, &params_json, err);

    if (rc == RS_OK)
        rc = rs_conn_api(conn, &api, err);
    if (rc == RS_OK) {
        base_request(&req, params, &params_json, page_rows, conn->cfg.async);
        rc = rs_api_lambda_execute(api, ws, name, version, tag, &req, &res, err);
    }
    if (rc == RS_OK)
        rc = finish_submit(conn, api, &res, page_rows, out, err);
    rs_buf_free(&params_json);
    return rc;
}

int rs_submit_next_page(rs_conn *conn, rs_query_result *res, rs_err *err) {
    rs_api *api = NULL;
    int rc = rs_conn_api(conn, &api, err);

    if (rc != RS_OK)
        return rc;
    rc = rs_api_query_next_page(api, res, conn->cfg.page_size, err);
    if (rc == RS_OK)
        count_rows(conn, res);
    return rc;
}

/* Skip blanks, "-- ..." and block comments. */
static const char *skip_blanks(const char *p) {
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '(')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p != '\0' && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *end = strstr(p + 2, "*/");
            p = end != NULL ? end + 2 : p + strlen(p);
        } else {
            return p;
        }
    }
}

/* Does p start with keyword kw (case-insensitive) followed by a non-identifier byte? */
static int starts_with_keyword(const char *p, const char *kw) {
    size_t n = strlen(kw);
    char next;

    if (strncasecmp(p, kw, n) != 0)
        return 0;
    next = p[n];
    return !((next >= 'a' && next <= 'z') || (next >= 'A' && next <= 'Z') ||
             (next >= '0' && next <= '9') || next == '_');
}

int rs_submit_is_read_only(const char *sql) {
    static const char *const readers[] = {"SELECT", "WITH", "DESCRIBE", "EXPLAIN"};
    const char *p = skip_blanks(sql);
    size_t i;

    for (i = 0; i < sizeof(readers) / sizeof(readers[0]); i++) {
        if (starts_with_keyword(p, readers[i]))
            return 1;
    }
    return 0;
}

/* Read one identifier at *pp (bare, "quoted" or `quoted`; doubled quotes not supported) into a
 * malloc'd string; NULL when there is none or out of memory (*oom set). */
static char *read_identifier(const char **pp, int *oom) {
    const char *p = *pp, *start;
    char *out;
    size_t n;

    if (*p == '"' || *p == '`') {
        char quote = *p++;
        start = p;
        while (*p != '\0' && *p != quote)
            p++;
        if (*p != quote)
            return NULL;
        n = (size_t)(p - start);
        p++;
    } else {
        start = p;
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '_' || *p == '-')
            p++;
        n = (size_t)(p - start);
    }
    if (n == 0)
        return NULL;
    out = strndup(start, n);
    if (out == NULL)
        *oom = 1;
    *pp = p;
    return out;
}

int rs_submit_insert_target(const char *sql, const char *default_ws, char **ws, char **name) {
    const char *p = skip_blanks(sql);
    char *first = NULL, *second = NULL;
    int oom = 0;

    if (!starts_with_keyword(p, "INSERT"))
        return 0;
    p = skip_blanks(p + 6);
    if (!starts_with_keyword(p, "INTO"))
        return 0;
    p = skip_blanks(p + 4);
    first = read_identifier(&p, &oom);
    if (first != NULL && *p == '.') {
        p++;
        second = read_identifier(&p, &oom);
        if (second == NULL) {
            free(first);
            return oom ? -1 : 0;
        }
    }
    if (first == NULL)
        return oom ? -1 : 0;
    if (second == NULL) {
        second = first;
        first = strdup(default_ws);
        if (first == NULL) {
            free(second);
            return -1;
        }
    }
    *ws = first;
    *name = second;
    return 1;
}
