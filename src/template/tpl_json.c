/*
 * tpl_json.c - template values to and from JSON text, for hosts: rockset_vars.value and the
 * config column are JSON, and config() results go back to the model row as JSON.
 *
 * Integers travel exactly (jsonscan hands out the raw digits; we print with %lld), never through
 * a double. A float prints as Python's repr, which is valid JSON except NaN and infinities: those
 * become null.
 */
#include "jsonscan.h"
#include "tpl_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int from_span(rs_jsonscan_span span, int depth, rs_tpl_value *out, rs_err *err);

static int from_container(rs_jsonscan_span span, int is_object, int depth, rs_tpl_value *out,
                          rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, val;
    rs_tpl_value item;
    char *name = NULL;
    int rc = is_object ? rs_tpl_dict(out) : rs_tpl_list(out), more;

    if (rc != RS_OK)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (depth >= RS_TPL_MAX_DEPTH) {
        rs_tpl_value_free(out);
        return rs_err_set(err, RS_EINVAL, "JSON nested more than %d levels deep", RS_TPL_MAX_DEPTH);
    }
    rs_jsonscan_iter_init(&it, span);
    while (rc == RS_OK && (more = rs_jsonscan_iter_next(&it, &key, &val)) != 0) {
        if (more < 0) {
            rc = rs_err_set(err, RS_EPARSE, "invalid JSON");
            break;
        }
        rc = from_span(val, depth + 1, &item, err);
        if (rc == RS_OK && is_object)
            rc = rs_jsonscan_string_dup(key, &name, err);
        if (rc == RS_OK) {
            rc = is_object ? rs_tpl_dict_set(out, name, item) : rs_tpl_list_append(out, item);
            if (rc == RS_EINVAL)
                rs_err_set(err, rc, "JSON array or object longer than %d items", RS_TPL_MAX_ITEMS);
            else if (rc != RS_OK)
                rs_err_set(err, rc, "out of memory");
        } else {
            rs_tpl_value_free(&item);
        }
        free(name);
        name = NULL;
    }
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}

static int from_span(rs_jsonscan_span span, int depth, rs_tpl_value *out, rs_err *err) {
    rs_buf text = RS_BUF_INIT;
    int rc;

    *out = rs_tpl_none();
    switch (rs_jsonscan_classify(span)) {
    case RS_JSON_OBJECT:
    case RS_JSON_ARRAY:
        return from_container(span, rs_jsonscan_classify(span) == RS_JSON_OBJECT, depth, out, err);
    case RS_JSON_STRING:
        rc = rs_jsonscan_string_decode(span, &text, err);
        if (rc == RS_OK && rs_tpl_string(out, rs_buf_cstr(&text), text.len) != RS_OK)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        rs_buf_free(&text);
        return rc;
    default:
        if (rs_tpl_value_from_json_scalar(span.ptr, span.len, out) == RS_OK)
            return RS_OK;
        return rs_err_set(err, RS_EPARSE, "invalid JSON");
    }
}

int rs_tpl_value_from_json_scalar(const char *text, size_t len, rs_tpl_value *out) {
    rs_jsonscan_span span = {text, len};
    long long i;
    double f;

    switch (rs_jsonscan_classify(span)) {
    case RS_JSON_INT:
        rs_jsonscan_int64(span, &i);
        *out = rs_tpl_int(i);
        return RS_OK;
    case RS_JSON_FLOAT:
        rs_jsonscan_double(span, &f);
        *out = rs_tpl_float(f);
        return RS_OK;
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        *out = rs_tpl_bool(rs_jsonscan_classify(span) == RS_JSON_TRUE);
        return RS_OK;
    case RS_JSON_NULL:
        *out = rs_tpl_none();
        return RS_OK;
    default:
        return RS_EINVAL;
    }
}

int rs_tpl_value_from_json(const char *text, size_t len, rs_tpl_value *out, rs_err *err) {
    rs_jsonscan_span span;
    rs_tpl_value v;
    int rc = rs_jsonscan_validate(text, len, err);

    if (rc != RS_OK)
        return rc;
    span.ptr = text;
    span.len = len;
    rc = from_span(rs_jsonscan_trim(span), 0, &v, err);
    if (rc == RS_OK)
        *out = v;
    return rc;
}

int rs_tpl_value_to_json(const rs_tpl_value *v, rs_buf *out) {
    size_t i, len;
    const char *s;
    int rc;

    switch (v->type) {
    case RS_TPL_BOOL:
        return rs_buf_puts(out, v->u.b ? "true" : "false");
    case RS_TPL_INT:
        return rs_buf_printf(out, "%lld", v->u.i);
    case RS_TPL_FLOAT:
        if (isnan(v->u.f) || isinf(v->u.f))
            return rs_buf_puts(out, "null");
        return tpl_value_write(v, out, 0, (size_t)-1);
    case RS_TPL_STRING:
        s = rs_tpl_value_str(v, &len);
        return rs_buf_json_string(out, s, len);
    case RS_TPL_LIST:
    case RS_TPL_DICT:
        rc = rs_buf_putc(out, v->type == RS_TPL_LIST ? '[' : '{');
        for (i = 0; rc == RS_OK && i < rs_tpl_value_len(v); i++) {
            if (i > 0)
                rc = rs_buf_putc(out, ',');
            if (rc == RS_OK && v->type == RS_TPL_DICT) {
                s = rs_tpl_dict_key(v, i);
                rc = rs_buf_json_string(out, s, strlen(s));
                if (rc == RS_OK)
                    rc = rs_buf_putc(out, ':');
            }
            if (rc == RS_OK)
                rc = rs_tpl_value_to_json(
                    v->type == RS_TPL_LIST ? rs_tpl_list_get(v, i) : rs_tpl_dict_value(v, i), out);
        }
        return rc == RS_OK ? rs_buf_putc(out, v->type == RS_TPL_LIST ? ']' : '}') : rc;
    default: /* none, undefined */
        return rs_buf_puts(out, "null");
    }
}
