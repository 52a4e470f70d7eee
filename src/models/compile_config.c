/*
 * compile_config.c - a model's effective settings (compile.h): its row's columns, overridden by
 * its merged config object (the row's `config` JSON plus the template's config() keywords).
 * Values are read with jsonscan from the exact JSON text, so integers stay exact.
 */
#include "api/collopts.h"
#include "compile.h"
#include "compile_int.h"
#include "jsonscan.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* The member key of the merged config when present and not null. */
static int cfg_get(const cmodel *m, const char *key, rs_jsonscan_span *value) {
    if (m->config_merged == NULL ||
        !rs_jsonscan_get(rs_jsonscan_cstr(m->config_merged), key, value))
        return 0;
    return rs_jsonscan_classify(*value) != RS_JSON_NULL;
}

/* A string member: *out malloc'd, NULL when absent. */
static int cfg_string(const cmodel *m, const char *key, char **out, rs_err *err) {
    rs_jsonscan_span v;

    *out = NULL;
    if (!cfg_get(m, key, &v))
        return RS_OK;
    if (rs_jsonscan_classify(v) != RS_JSON_STRING)
        return rs_err_set(err, RS_EINVAL, "model '%s': config '%s' must be a string", m->name, key);
    return rs_jsonscan_string_dup(rs_jsonscan_trim(v), out, err);
}

/* Append the comma-separated names of text (blanks trimmed, empty ones dropped). */
static int push_comma_list(compile_strv *out, const char *text, rs_err *err) {
    const char *p = text, *end;
    char *item;
    int rc = RS_OK;

    while (rc == RS_OK && *p) {
        while (isspace((unsigned char)*p) || *p == ',')
            p++;
        end = p;
        while (*end && *end != ',')
            end++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        if (end > p) {
            item = strndup(p, (size_t)(end - p));
            rc = item ? compile_strv_push(out, item, err) : oom(err);
            free(item);
        }
        p = end;
        while (*p && *p != ',')
            p++;
    }
    return rc;
}

/* Append the strings of a JSON array (RS_EINVAL with msg when it holds anything else). */
static int push_json_strings(compile_strv *out, rs_jsonscan_span array, const char *what,
                             rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span item;
    char *text = NULL;
    int rc = RS_OK, more;

    if (rs_jsonscan_iter_init(&it, array) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "%s", what);
    while (rc == RS_OK && (more = rs_jsonscan_iter_next(&it, NULL, &item)) == 1) {
        if (rs_jsonscan_classify(item) != RS_JSON_STRING)
            return rs_err_set(err, RS_EINVAL, "%s", what);
        rc = rs_jsonscan_string_dup(rs_jsonscan_trim(item), &text, err);
        if (rc == RS_OK)
            rc = compile_strv_push(out, text, err);
        free(text);
        text = NULL;
    }
    if (rc == RS_OK && more < 0)
        rc = rs_err_set(err, RS_EINVAL, "%s", what);
    return rc;
}

/* A member that is a string or a list of strings; a string is split at commas when asked. */
static int cfg_strings(const cmodel *m, const char *key, int split_commas, compile_strv *out,
                       int *found, rs_err *err) {
    rs_jsonscan_span v;
    char what[200], *text = NULL;
    int rc;

    *found = cfg_get(m, key, &v);
    if (!*found)
        return RS_OK;
    snprintf(what, sizeof(what), "model '%s': config '%s' must be a string or a list of strings",
             m->name, key);
    if (rs_jsonscan_classify(v) == RS_JSON_ARRAY)
        return push_json_strings(out, v, what, err);
    if (rs_jsonscan_classify(v) != RS_JSON_STRING)
        return rs_err_set(err, RS_EINVAL, "%s", what);
    rc = rs_jsonscan_string_dup(rs_jsonscan_trim(v), &text, err);
    if (rc == RS_OK)
        rc = split_commas ? push_comma_list(out, text, err) : compile_strv_push(out, text, err);
    free(text);
    return rc;
}

static int read_enabled(const cmodel *m, int *enabled, rs_err *err) {
    rs_jsonscan_span v;

    *enabled = m->enabled_row;
    if (!cfg_get(m, "enabled", &v))
        return RS_OK;
    if (rs_jsonscan_bool(v, enabled) != RS_OK)
        return rs_err_set(err, RS_EINVAL, "model '%s': config 'enabled' must be true or false",
                          m->name);
    return RS_OK;
}

int compile_row_enabled(const cmodel *m) {
    rs_jsonscan_span row, v;
    int enabled = m->enabled_row;

    /* Only the row is read here: a model it disables is never parsed, so a template that
     * cannot be read stays out of the way. A config that is not valid JSON or whose
     * "enabled" is not a boolean leaves the column's value; reading the settings reports it. */
    if (m->config_row == NULL)
        return enabled != 0;
    row = rs_jsonscan_cstr(m->config_row);
    if (rs_jsonscan_validate(row.ptr, row.len, NULL) != RS_OK ||
        rs_jsonscan_classify(row) != RS_JSON_OBJECT || !rs_jsonscan_get(row, "enabled", &v) ||
        rs_jsonscan_bool(v, &enabled) != RS_OK)
        return m->enabled_row != 0;
    return enabled != 0;
}

static int read_unique_key(cmodel *m, rs_err *err) {
    rs_jsonscan_span row;
    char what[200];
    int found, rc;

    rc = cfg_strings(m, "unique_key", 1, &m->unique_key, &found, err);
    if (rc != RS_OK || found || m->unique_key_row == NULL)
        return rc;
    row = rs_jsonscan_trim(rs_jsonscan_cstr(m->unique_key_row));
    if (row.len > 0 && row.ptr[0] == '[') {
        snprintf(what, sizeof(what),
                 "model '%s': rockset_models.unique_key must be a column name, 'a, b' or a JSON "
                 "array of names",
                 m->name);
        if (rs_jsonscan_validate(row.ptr, row.len, NULL) != RS_OK)
            return rs_err_set(err, RS_EINVAL, "%s", what);
        return push_json_strings(&m->unique_key, row, what, err);
    }
    return push_comma_list(&m->unique_key, m->unique_key_row, err);
}

static int read_tags(cmodel *m, rs_err *err) {
    compile_strv extra = {NULL, 0, 0};
    rs_jsonscan_span row;
    char what[200];
    size_t i;
    int found, rc = RS_OK;

    if (m->tags_row != NULL) {
        row = rs_jsonscan_cstr(m->tags_row);
        snprintf(what, sizeof(what),
                 "model '%s': rockset_models.tags must be a JSON array of "
                 "strings",
                 m->name);
        if (rs_jsonscan_validate(row.ptr, row.len, NULL) != RS_OK ||
            rs_jsonscan_classify(row) != RS_JSON_ARRAY)
            return rs_err_set(err, RS_EINVAL, "%s", what);
        rc = push_json_strings(&m->tags, row, what, err);
    }
    if (rc == RS_OK)
        rc = cfg_strings(m, "tags", 0, &extra, &found, err);
    for (i = 0; rc == RS_OK && i < extra.n; i++) {
        size_t j;
        int dup = 0;
        for (j = 0; j < m->tags.n; j++)
            dup |= strcmp(m->tags.v[j], extra.v[i]) == 0;
        if (!dup)
            rc = compile_strv_push(&m->tags, extra.v[i], err);
    }
    compile_strv_free(&extra);
    return rc;
}

static int read_hooks(cmodel *m, const char *key, const char *dashed, compile_strv *out,
                      rs_err *err) {
    int found, rc;

    rc = cfg_strings(m, key, 0, out, &found, err);
    if (rc == RS_OK && !found)
        rc = cfg_strings(m, dashed, 0, out, &found, err);
    return rc;
}

/* config.swap: how a table (or a full build of an incremental model) replaces its rows. The
 * default, 'alias' (or true), builds a fresh collection and switches an alias to it, so readers
 * keep the last good rows until the new ones are complete; 'none' (or false) is the opt-out, a
 * plain collection dropped and made again. */
static int read_swap(cmodel *m, rs_err *err) {
    rs_jsonscan_span v;
    rs_jsonscan_kind kind;
    char *swap = NULL;
    int rc = RS_OK;

    m->info.swap_alias = 1;
    if (!cfg_get(m, "swap", &v))
        return RS_OK;
    kind = rs_jsonscan_classify(v);
    if (kind == RS_JSON_TRUE || kind == RS_JSON_FALSE) {
        m->info.swap_alias = kind == RS_JSON_TRUE;
        return RS_OK;
    }
    if (kind == RS_JSON_STRING)
        rc = rs_jsonscan_string_dup(rs_jsonscan_trim(v), &swap, err);
    if (rc == RS_OK && (swap == NULL || (strcmp(swap, "alias") != 0 && strcmp(swap, "none") != 0)))
        rc = rs_err_set(err, RS_EINVAL,
                        "model '%s': config 'swap' must be 'alias' (the default) or 'none'",
                        m->name);
    if (rc == RS_OK)
        m->info.swap_alias = strcmp(swap, "alias") == 0;
    free(swap);
    return rc;
}

/* ---------------------------------------------------------------- parameters */

static const char *inferred_type(rs_jsonscan_kind kind) {
    switch (kind) {
    case RS_JSON_STRING:
        return "string";
    case RS_JSON_INT:
        return "int";
    case RS_JSON_FLOAT:
        return "float";
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        return "bool";
    default:
        return NULL;
    }
}

/* Append {"name":..,"type":..,"value":"<text>"}; value a JSON scalar (strings decoded). */
static int put_param(rs_buf *out, rs_jsonscan_span name, const char *type, rs_jsonscan_span value,
                     rs_err *err) {
    rs_buf text = RS_BUF_INIT;
    int rc = RS_OK;

    if (rs_jsonscan_classify(value) == RS_JSON_STRING)
        rc = rs_jsonscan_string_decode(rs_jsonscan_trim(value), &text, err);
    else
        rs_buf_append(&text, rs_jsonscan_trim(value).ptr, rs_jsonscan_trim(value).len);
    if (out->len > 1)
        rs_buf_putc(out, ',');
    rs_buf_puts(out, "{\"name\":");
    rs_buf_append(out, name.ptr, name.len);
    rs_buf_puts(out, ",\"type\":");
    rs_buf_json_string(out, type, strlen(type));
    rs_buf_puts(out, ",\"value\":");
    rs_buf_json_string(out, rs_buf_cstr(&text), text.len);
    rs_buf_putc(out, '}');
    if (rc == RS_OK && (out->oom || text.oom))
        rc = oom(err);
    rs_buf_free(&text);
    return rc;
}

static int params_from_list(rs_jsonscan_span list, rs_buf *out, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span item, name, type, value;
    char *type_text = NULL;
    const char *t;
    int rc = RS_OK, more;

    rs_jsonscan_iter_init(&it, list);
    while (rc == RS_OK && (more = rs_jsonscan_iter_next(&it, NULL, &item)) == 1) {
        if (!rs_jsonscan_get(item, "name", &name) || rs_jsonscan_classify(name) != RS_JSON_STRING ||
            !rs_jsonscan_get(item, "value", &value) ||
            inferred_type(rs_jsonscan_classify(value)) == NULL)
            return RS_EINVAL;
        t = inferred_type(rs_jsonscan_classify(value));
        if (rs_jsonscan_get(item, "type", &type)) {
            if (rs_jsonscan_classify(type) != RS_JSON_STRING)
                return RS_EINVAL;
            rc = rs_jsonscan_string_dup(rs_jsonscan_trim(type), &type_text, err);
            t = type_text;
        }
        if (rc == RS_OK)
            rc = put_param(out, rs_jsonscan_trim(name), t, value, err);
        free(type_text);
        type_text = NULL;
    }
    return rc;
}

static int params_from_object(rs_jsonscan_span object, rs_buf *out, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    const char *type;
    int rc = RS_OK;

    rs_jsonscan_iter_init(&it, object);
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        type = inferred_type(rs_jsonscan_classify(value));
        if (type == NULL)
            return RS_EINVAL;
        rc = put_param(out, key, type, value, err);
    }
    return rc;
}

static int read_parameters(cmodel *m, rs_err *err) {
    rs_buf out = RS_BUF_INIT;
    rs_jsonscan_span v;
    int rc;

    if (!cfg_get(m, "parameters", &v))
        return RS_OK;
    rs_buf_putc(&out, '[');
    if (rs_jsonscan_classify(v) == RS_JSON_ARRAY)
        rc = params_from_list(v, &out, err);
    else if (rs_jsonscan_classify(v) == RS_JSON_OBJECT)
        rc = params_from_object(v, &out, err);
    else
        rc = RS_EINVAL;
    rs_buf_putc(&out, ']');
    if (rc == RS_EINVAL)
        rs_err_set(err, RS_EINVAL,
                   "model '%s': config 'parameters' must be a list of {name, type, value} or an "
                   "object of name: value",
                   m->name);
    if (rc == RS_OK) {
        m->params_json = rs_buf_detach(&out);
        if (m->params_json == NULL)
            rc = oom(err);
    }
    rs_buf_free(&out);
    return rc;
}

/* ---------------------------------------------------------------- collection options */

/* field_mapping_query, retention_secs, event_time_info: what the collections of a table,
 * incremental or rollup model are created with (materialize.h). *given gets the first key set. */
static int read_collection_keys(cmodel *m, const char **given, rs_err *err) {
    rs_collection_options *o = &m->info.collection;
    rs_jsonscan_span v;
    long long secs = 0;

    if (cfg_get(m, "field_mapping_query", &v)) {
        v = rs_jsonscan_trim(v);
        if (rs_jsonscan_classify(v) != RS_JSON_STRING)
            return rs_err_set(err, RS_EINVAL,
                              "model '%s': config 'field_mapping_query' must be a string (the "
                              "transformation's SQL), got %s",
                              m->name, rs_collopts_kind_name(v));
        if (rs_jsonscan_string_dup(v, &m->field_mapping_sql, err) != RS_OK)
            return err->code;
        o->field_mapping_sql = m->field_mapping_sql;
        *given = "field_mapping_query";
    }
    if (cfg_get(m, "retention_secs", &v)) {
        v = rs_jsonscan_trim(v);
        if (rs_jsonscan_classify(v) != RS_JSON_INT || rs_jsonscan_int64(v, &secs) != RS_OK ||
            secs < 1)
            return rs_err_set(
                err, RS_EINVAL,
                "model '%s': config 'retention_secs' must be a positive integer "
                "(seconds), got %s%.*s",
                m->name, rs_jsonscan_classify(v) == RS_JSON_INT ? "" : rs_collopts_kind_name(v),
                rs_jsonscan_classify(v) == RS_JSON_INT ? (int)v.len : 0, v.ptr);
        o->has_retention_secs = 1;
        o->retention_secs = secs;
        *given = *given ? *given : "retention_secs";
    }
    if (cfg_get(m, "event_time_info", &v)) {
        v = rs_jsonscan_trim(v);
        if (rs_jsonscan_classify(v) != RS_JSON_OBJECT)
            return rs_err_set(err, RS_EINVAL,
                              "model '%s': config 'event_time_info' must be an object, got %s",
                              m->name, rs_collopts_kind_name(v));
        m->event_time_info_json = strndup(v.ptr, v.len);
        if (m->event_time_info_json == NULL)
            return oom(err);
        o->event_time_info_json = m->event_time_info_json;
        *given = *given ? *given : "event_time_info";
    }
    return RS_OK;
}

static int read_collection(cmodel *m, rs_err *err) {
    rs_mat_kind kind = m->info.kind;
    const char *given = NULL;
    int rc = read_collection_keys(m, &given, err);

    if (rc == RS_OK && given != NULL && kind != RS_MAT_TABLE && kind != RS_MAT_INCREMENTAL &&
        kind != RS_MAT_ROLLUP)
        rc = rs_err_set(err, RS_EINVAL,
                        "model '%s': config '%s' applies to models that make a collection (table, "
                        "incremental, rollup), not to materialized = '%s'",
                        m->name, given, rs_mat_kind_name(kind));
    if (rc == RS_OK && kind == RS_MAT_ROLLUP && m->field_mapping_sql != NULL)
        rc = rs_err_set(err, RS_EINVAL,
                        "model '%s': config 'field_mapping_query' does not apply to a rollup: the "
                        "model's SQL is its transformation",
                        m->name);
    return rc;
}

/* ---------------------------------------------------------------- all of it */

static int read_kind(cmodel *m, rs_err *err) {
    char *kind = NULL;
    int rc = cfg_string(m, "materialized", &kind, err);

    if (rc == RS_OK) {
        const char *text = kind ? kind : m->materialized_row ? m->materialized_row : "view";
        rc = rs_mat_kind_parse(text, &m->info.kind, err);
        if (rc != RS_OK)
            rs_err_prefix(err, "model '%s': ", m->name);
    }
    free(kind);
    return rc;
}

static int read_names(rs_project *p, cmodel *m, rs_err *err) {
    char *ws = NULL, *schema = NULL, *alias = NULL;
    int rc;

    rc = cfg_string(m, "workspace", &ws, err);
    if (rc == RS_OK)
        rc = cfg_string(m, "schema", &schema, err);
    if (rc == RS_OK && schema == NULL) /* a snapshot's, before dbt 1.9 */
        rc = cfg_string(m, "target_schema", &schema, err);
    if (rc == RS_OK)
        rc = cfg_string(m, "alias", &alias, err);
    if (rc == RS_OK) {
        const char *w = ws                 ? ws
                        : schema           ? schema
                        : m->workspace_row ? m->workspace_row
                                           : p->workspace;
        const char *a = alias ? alias : m->alias_row ? m->alias_row : m->name;
        rc = compile_set_names(m, w, a, err);
    }
    free(ws);
    free(schema);
    free(alias);
    return rc;
}

int compile_apply_settings(rs_project *p, cmodel *m, rs_err *err) {
    int rc = read_kind(m, err);

    if (rc == RS_OK)
        rc = read_enabled(m, &m->info.enabled, err);
    if (rc == RS_OK)
        rc = read_names(p, m, err);
    if (rc == RS_OK)
        rc = read_unique_key(m, err);
    if (rc == RS_OK)
        rc = read_tags(m, err);
    if (rc == RS_OK)
        rc = read_swap(m, err);
    if (rc == RS_OK)
        rc = read_hooks(m, "pre_hook", "pre-hook", &m->pre_hooks, err);
    if (rc == RS_OK)
        rc = read_hooks(m, "post_hook", "post-hook", &m->post_hooks, err);
    if (rc == RS_OK)
        rc = read_parameters(m, err);
    if (rc == RS_OK)
        rc = read_collection(m, err);
    m->info.unique_key = (const char *const *)m->unique_key.v;
    m->info.n_unique_key = m->unique_key.n;
    m->info.tags = (const char *const *)m->tags.v;
    m->info.n_tags = m->tags.n;
    m->info.params_json = m->params_json;
    return rc;
}
