/* collopts.c - see collopts.h. */
#include "collopts.h"
#include "buf.h"
#include "utf8.h"

#include <stdlib.h>
#include <string.h>

static const char valid_keys[] = "field_mapping_query, retention_secs, event_time_info";

void rs_collopts_free(rs_collopts *o) {
    if (o == NULL)
        return;
    free(o->field_mapping_sql);
    free(o->event_time_info_json);
    memset(o, 0, sizeof(*o));
}

const char *rs_collopts_kind_name(rs_jsonscan_span value) {
    rs_jsonscan_span v = rs_jsonscan_trim(value);
    size_t i;

    switch (rs_jsonscan_classify(v)) {
    case RS_JSON_OBJECT:
        return "object";
    case RS_JSON_ARRAY:
        return "array";
    case RS_JSON_STRING:
        return "text";
    case RS_JSON_INT:
        return "integer";
    case RS_JSON_FLOAT:
        for (i = 0; i < v.len; i++) {
            if (v.ptr[i] == '.' || v.ptr[i] == 'e' || v.ptr[i] == 'E')
                return "real";
        }
        return "a number beyond 64 bits";
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        return "boolean";
    case RS_JSON_NULL:
        return "null";
    default:
        return "text that is not JSON";
    }
}

/* Whether the string literal span decodes to text holding U+0000 (which C strings cut). */
static int has_nul_escape(rs_jsonscan_span v) {
    rs_buf decoded = RS_BUF_INIT;
    int nul = rs_jsonscan_string_decode(v, &decoded, NULL) == RS_OK &&
              strlen(rs_buf_cstr(&decoded)) != decoded.len;

    rs_buf_free(&decoded);
    return nul;
}

/* One member (key decoded into name) into *out; *seen tracks the keys already given. */
static int parse_member(const char *name, rs_jsonscan_span value, rs_collopts *out, int seen[3],
                        rs_err *err) {
    rs_jsonscan_kind kind = rs_jsonscan_classify(value);
    rs_jsonscan_span v = rs_jsonscan_trim(value);
    int which = strcmp(name, "field_mapping_query") == 0 ? 0
                : strcmp(name, "retention_secs") == 0    ? 1
                : strcmp(name, "event_time_info") == 0   ? 2
                                                         : -1;

    if (which < 0)
        return rs_err_set(err, RS_EINVAL, "options: unknown key '%s' (valid keys: %s)", name,
                          valid_keys);
    if (seen[which])
        return rs_err_set(err, RS_EINVAL, "options: %s is given twice", name);
    seen[which] = 1;
    if (kind == RS_JSON_NULL)
        return RS_OK;
    switch (which) {
    case 0:
        if (kind != RS_JSON_STRING)
            return rs_err_set(err, RS_EINVAL,
                              "options: field_mapping_query must be a text (the transformation's "
                              "SQL), got %s",
                              rs_collopts_kind_name(v));
        if (rs_jsonscan_string_dup(v, &out->field_mapping_sql, err) != RS_OK)
            return err->code;
        out->opts.field_mapping_sql = out->field_mapping_sql;
        if (memchr(v.ptr, '\\', v.len) != NULL && has_nul_escape(v))
            return rs_err_set(err, RS_EINVAL,
                              "options: field_mapping_query holds a NUL character (\\u0000)");
        return RS_OK;
    case 1:
        if (kind != RS_JSON_INT || rs_jsonscan_int64(v, &out->opts.retention_secs) != RS_OK)
            return rs_err_set(err, RS_EINVAL, "options: retention_secs must be an integer, got %s",
                              rs_collopts_kind_name(v));
        out->opts.has_retention_secs = 1;
        return RS_OK;
    default:
        if (kind != RS_JSON_OBJECT)
            return rs_err_set(err, RS_EINVAL,
                              "options: event_time_info must be an object (json_object(...) or "
                              "json('...')), got %s",
                              rs_collopts_kind_name(v));
        out->event_time_info_json = strndup(v.ptr, v.len);
        if (out->event_time_info_json == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        out->opts.event_time_info_json = out->event_time_info_json;
        return RS_OK;
    }
}

int rs_collopts_parse(const char *json, rs_collopts *out, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span all, key, value;
    char *name = NULL;
    size_t bad_at = 0;
    int seen[3] = {0, 0, 0}, rc = RS_OK, more;

    memset(out, 0, sizeof(*out));
    if (json == NULL)
        return RS_OK;
    all = rs_jsonscan_cstr(json);
    if (!rs_utf8_valid(all.ptr, all.len, &bad_at))
        return rs_err_set(err, RS_EINVAL, "options are not valid UTF-8 (at byte %zu)", bad_at);
    if (rs_jsonscan_validate(all.ptr, all.len, NULL) != RS_OK ||
        rs_jsonscan_classify(all) != RS_JSON_OBJECT)
        return rs_err_set(
            err, RS_EINVAL, "options must be a JSON object (use json_object(...)), got %s",
            rs_jsonscan_validate(all.ptr, all.len, NULL) != RS_OK ? "text that is not JSON"
                                                                  : rs_collopts_kind_name(all));
    rs_jsonscan_iter_init(&it, all);
    while (rc == RS_OK && (more = rs_jsonscan_iter_next(&it, &key, &value)) == 1) {
        rc = rs_jsonscan_string_dup(key, &name, err);
        if (rc == RS_OK)
            rc = parse_member(name, value, out, seen, err);
        free(name);
        name = NULL;
    }
    if (rc != RS_OK)
        rs_collopts_free(out);
    return rc;
}
