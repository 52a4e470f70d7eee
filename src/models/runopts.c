/*
 * runopts.c - see runopts.h.
 */
#include "runopts.h"
#include "jsonscan.h"

#include <stdlib.h>
#include <string.h>

/* Start reading text as an options object; fn names the function in the error. */
static int options_begin(const char *fn, const char *text, rs_jsonscan_iter *it, rs_err *err) {
    rs_jsonscan_span span = rs_jsonscan_cstr(text);

    if (rs_jsonscan_validate(span.ptr, span.len, NULL) != RS_OK ||
        rs_jsonscan_classify(span) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "%s: options must be a JSON object", fn);
    return rs_jsonscan_iter_init(it, span);
}

/* ---------------------------------------------------------------- both functions */

static int option_bool(const char *fn, rs_jsonscan_span v, const char *key, int *out, rs_err *err) {
    if (rs_jsonscan_bool(v, out) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "%s: option '%s' must be true or false", fn, key);
    return RS_OK;
}

static int parse_one_option(const char *fn, rs_runopts *o, rs_jsonscan_span key, rs_jsonscan_span v,
                            rs_err *err) {
    long long n;

    if (rs_jsonscan_key_eq(key, "full_refresh"))
        return option_bool(fn, v, "full_refresh", &o->full_refresh, err);
    if (rs_jsonscan_key_eq(key, "fail_fast"))
        return option_bool(fn, v, "fail_fast", &o->fail_fast, err);
    if (rs_jsonscan_key_eq(key, "threads")) {
        if (rs_jsonscan_int64(v, &n) != RS_OK || n < 1 || n > 64)
            return rs_err_set(err, RS_EINVAL,
                              "%s: option 'threads' must be an integer from 1 to 64", fn);
        o->threads = (int)n;
        return RS_OK;
    }
    if (rs_jsonscan_key_eq(key, "exclude")) {
        if (rs_jsonscan_classify(v) != RS_JSON_STRING)
            return rs_err_set(err, RS_EINVAL, "%s: option 'exclude' must be a string", fn);
        free(o->exclude);
        o->exclude = NULL;
        return rs_jsonscan_string_dup(rs_jsonscan_trim(v), &o->exclude, err);
    }
    if (rs_jsonscan_key_eq(key, "vars")) {
        if (rs_jsonscan_classify(v) != RS_JSON_OBJECT)
            return rs_err_set(err, RS_EINVAL, "%s: option 'vars' must be a JSON object", fn);
        free(o->vars_json);
        o->vars_json = strndup(v.ptr, v.len);
        return o->vars_json ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    return rs_err_set(err, RS_EINVAL,
                      "%s: unknown option %.*s (valid: full_refresh, threads, fail_fast, "
                      "exclude, vars)",
                      fn, (int)key.len, key.ptr);
}

static int parse_options(const char *fn, const char *text, rs_runopts *o, rs_err *err) {
    rs_jsonscan_span key, value;
    rs_jsonscan_iter it;
    int rc;

    memset(o, 0, sizeof(*o));
    if (text == NULL)
        return RS_OK;
    rc = options_begin(fn, text, &it, err);
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1)
        rc = parse_one_option(fn, o, key, value, err);
    return rc;
}

int rs_runopts_parse(const char *fn, const char *text, rs_runopts *o, rs_err *err) {
    return parse_options(fn, text, o, err);
}

int rs_runopts_parse_run(const char *text, rs_runopts *o, rs_err *err) {
    return parse_options("rockset_run", text, o, err);
}

int rs_runopts_parse_build(const char *text, rs_runopts *o, rs_err *err) {
    return parse_options("rockset_build", text, o, err);
}

void rs_runopts_free(rs_runopts *o) {
    free(o->exclude);
    free(o->vars_json);
    o->exclude = NULL;
    o->vars_json = NULL;
}
