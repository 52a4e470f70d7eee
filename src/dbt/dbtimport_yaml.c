/*
 * dbtimport_yaml.c - YAML for the dbt importer: loading a file with positions for messages,
 * values as JSON text, and the config keys a model accumulates (dbtimport_int.h).
 *
 * libyaml's document API resolves anchors and aliases for us; a node's start_mark gives the
 * 0-based line and column that messages print 1-based. Scalars are typed the way dbt's YAML
 * loader (PyYAML, YAML 1.1) reads them where it matters to a config: yes/no/on/off are
 * booleans, ~ and null are null.
 */
#include "dbtimport_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- string lists */

char *dbt_strdup(const char *s, rs_err *err) {
    char *copy;

    if (s == NULL)
        return NULL;
    copy = strdup(s);
    if (copy == NULL)
        rs_err_set(err, RS_ENOMEM, "out of memory");
    return copy;
}

int dbt_strv_take(dbt_strv *sv, char *s, rs_err *err) {
    if (sv->n == sv->cap) {
        size_t cap = sv->cap ? sv->cap * 2 : 8;
        char **grown = realloc(sv->v, cap * sizeof(*grown));
        if (grown == NULL) {
            free(s);
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        }
        sv->v = grown;
        sv->cap = cap;
    }
    sv->v[sv->n++] = s;
    return RS_OK;
}

int dbt_strv_push(dbt_strv *sv, const char *s, size_t len, rs_err *err) {
    char *copy;

    if (len == (size_t)-1)
        len = strlen(s);
    copy = strndup(s, len);
    if (copy == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return dbt_strv_take(sv, copy, err);
}

int dbt_strv_has(const dbt_strv *sv, const char *s) {
    size_t i;

    for (i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return 1;
    return 0;
}

void dbt_strv_free(dbt_strv *sv) {
    size_t i;

    for (i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

/* ---------------------------------------------------------------- documents */

int dbt_yaml_load(dbt_yaml *y, const char *path, const char *text, size_t len, rs_err *err) {
    yaml_parser_t parser;
    int rc = RS_OK;

    memset(y, 0, sizeof(*y));
    y->path = path;
    if (!yaml_parser_initialize(&parser))
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &y->doc)) {
        if (parser.error == YAML_MEMORY_ERROR) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        } else {
            rc = rs_err_set(err, RS_EINVAL, "%s line %zu column %zu: %s%s%s", path,
                            parser.problem_mark.line + 1, parser.problem_mark.column + 1,
                            parser.problem ? parser.problem : "invalid YAML",
                            parser.context ? " " : "", parser.context ? parser.context : "");
            err->line = (int)parser.problem_mark.line + 1;
            err->column = (int)parser.problem_mark.column + 1;
        }
    } else {
        y->loaded = 1;
    }
    yaml_parser_delete(&parser);
    return rc;
}

void dbt_yaml_free(dbt_yaml *y) {
    if (y->loaded)
        yaml_document_delete(&y->doc);
    y->loaded = 0;
}

yaml_node_t *dbt_yaml_root(dbt_yaml *y) {
    return y->loaded ? yaml_document_get_root_node(&y->doc) : NULL;
}

yaml_node_t *dbt_yaml_node(dbt_yaml *y, int index) {
    return yaml_document_get_node(&y->doc, index);
}

const char *dbt_yaml_scalar(const yaml_node_t *n) {
    return n != NULL && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

yaml_node_t *dbt_yaml_get(dbt_yaml *y, yaml_node_t *map, const char *key) {
    yaml_node_pair_t *pair;

    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top; pair++) {
        const char *k = dbt_yaml_scalar(dbt_yaml_node(y, pair->key));
        if (k != NULL && strcmp(k, key) == 0)
            return dbt_yaml_node(y, pair->value);
    }
    return NULL;
}

static int is_plain(const yaml_node_t *n) {
    return n != NULL && n->type == YAML_SCALAR_NODE &&
           n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

int dbt_yaml_is_null(const yaml_node_t *n) {
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    size_t i;

    if (!is_plain(n))
        return 0;
    for (i = 0; i < sizeof(nulls) / sizeof(nulls[0]); i++)
        if (strcmp((const char *)n->data.scalar.value, nulls[i]) == 0)
            return 1;
    return 0;
}

int dbt_yaml_bool(const yaml_node_t *n, int *value) {
    static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
                                      "YES",  "on",   "On",   "ON"};
    static const char *const no[] = {"false", "False", "FALSE", "no", "No",
                                     "NO",    "off",   "Off",   "OFF"};
    const char *s = is_plain(n) ? (const char *)n->data.scalar.value : NULL;
    size_t i;

    if (s == NULL)
        return 0;
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcmp(s, yes[i]) == 0) {
            *value = 1;
            return 1;
        }
        if (strcmp(s, no[i]) == 0) {
            *value = 0;
            return 1;
        }
    }
    return 0;
}

int dbt_yaml_fail(const dbt_yaml *y, const yaml_node_t *n, rs_err *err, int code, const char *fmt,
                  ...) {
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n == NULL)
        return rs_err_set(err, code, "%s: %s", y->path, msg);
    rs_err_set(err, code, "%s line %zu column %zu: %s", y->path, n->start_mark.line + 1,
               n->start_mark.column + 1, msg);
    err->line = (int)n->start_mark.line + 1;
    err->column = (int)n->start_mark.column + 1;
    return code;
}

/* ---------------------------------------------------------------- values as JSON */

const char *dbt_skip_exponent(const char *p) {
    if (*p != 'e' && *p != 'E')
        return p;
    p++;
    if (*p == '+' || *p == '-')
        p++;
    if (!(*p >= '0' && *p <= '9'))
        return NULL;
    while (*p >= '0' && *p <= '9')
        p++;
    return p;
}

/* Does s spell a number exactly as JSON writes one? */
static int is_json_number(const char *s) {
    const char *p = s;

    if (*p == '-')
        p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (*p >= '0' && *p <= '9')
            p++;
    else
        return 0;
    if (*p == '.') {
        if (!(p[1] >= '0' && p[1] <= '9'))
            return 0;
        for (p++; *p >= '0' && *p <= '9'; p++)
            ;
    }
    p = dbt_skip_exponent(p);
    return p != NULL && *p == '\0';
}

static int scalar_to_json(const yaml_node_t *n, rs_buf *out) {
    const char *s = (const char *)n->data.scalar.value;
    int b;

    if (dbt_yaml_is_null(n))
        return rs_buf_puts(out, "null");
    if (dbt_yaml_bool(n, &b))
        return rs_buf_puts(out, b ? "true" : "false");
    /* Numbers keep their text: no round trip through a double. */
    if (is_plain(n) && is_json_number(s))
        return rs_buf_puts(out, s);
    return rs_buf_json_string(out, s, n->data.scalar.length);
}

static int to_json(dbt_yaml *y, yaml_node_t *n, rs_buf *out, int depth, rs_err *err) {
    yaml_node_item_t *item;
    yaml_node_pair_t *pair;
    int rc = RS_OK;

    if (depth > RS_DBT_MAX_DEPTH)
        return dbt_yaml_fail(y, n, err, RS_EINVAL, "nested deeper than %d levels",
                             RS_DBT_MAX_DEPTH);
    if (n == NULL || n->type == YAML_NO_NODE)
        return rs_buf_puts(out, "null");
    if (n->type == YAML_SCALAR_NODE)
        return scalar_to_json(n, out);
    if (n->type == YAML_SEQUENCE_NODE) {
        rs_buf_putc(out, '[');
        for (item = n->data.sequence.items.start; item < n->data.sequence.items.top && rc == RS_OK;
             item++) {
            if (item != n->data.sequence.items.start)
                rs_buf_putc(out, ',');
            rc = to_json(y, dbt_yaml_node(y, *item), out, depth + 1, err);
        }
        return rc != RS_OK ? rc : rs_buf_putc(out, ']');
    }
    rs_buf_putc(out, '{');
    for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top && rc == RS_OK;
         pair++) {
        yaml_node_t *key = dbt_yaml_node(y, pair->key);
        const char *k = dbt_yaml_scalar(key);
        if (k == NULL)
            return dbt_yaml_fail(y, key, err, RS_EINVAL, "a mapping key must be a scalar");
        if (pair != n->data.mapping.pairs.start)
            rs_buf_putc(out, ',');
        rs_buf_json_string(out, k, key->data.scalar.length);
        rs_buf_putc(out, ':');
        rc = to_json(y, dbt_yaml_node(y, pair->value), out, depth + 1, err);
    }
    return rc != RS_OK ? rc : rs_buf_putc(out, '}');
}

int dbt_yaml_to_json(dbt_yaml *y, yaml_node_t *n, rs_buf *out, rs_err *err) {
    int rc = to_json(y, n, out, 0, err);

    if (rc == RS_OK && out->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

int dbt_yaml_strings(dbt_yaml *y, yaml_node_t *n, const char *what, dbt_strv *sv, rs_err *err) {
    yaml_node_item_t *item;
    const char *s = dbt_yaml_scalar(n);
    int rc = RS_OK;

    if (s != NULL && !dbt_yaml_is_null(n))
        return dbt_strv_push(sv, s, (size_t)-1, err);
    if (n == NULL || n->type != YAML_SEQUENCE_NODE)
        return dbt_yaml_fail(y, n, err, RS_EINVAL, "'%s' must be a string or a list of strings",
                             what);
    for (item = n->data.sequence.items.start; item < n->data.sequence.items.top && rc == RS_OK;
         item++) {
        yaml_node_t *e = dbt_yaml_node(y, *item);
        s = dbt_yaml_scalar(e);
        if (s == NULL || dbt_yaml_is_null(e))
            return dbt_yaml_fail(y, e, err, RS_EINVAL, "'%s' must be a string or a list of strings",
                                 what);
        rc = dbt_strv_push(sv, s, (size_t)-1, err);
    }
    return rc;
}

/* ---------------------------------------------------------------- configs */

void dbt_config_init(dbt_config *c) {
    memset(c, 0, sizeof(*c));
    c->enabled = -1;
}

void dbt_config_free(dbt_config *c) {
    free(c->materialized);
    free(c->workspace);
    free(c->alias);
    free(c->unique_key);
    dbt_strv_free(&c->tags);
    dbt_strv_free(&c->keys);
    dbt_strv_free(&c->jsons);
    dbt_config_init(c);
}

static int copy_strv(dbt_strv *dst, const dbt_strv *src, rs_err *err) {
    size_t i;
    int rc = RS_OK;

    for (i = 0; i < src->n && rc == RS_OK; i++)
        rc = dbt_strv_push(dst, src->v[i], (size_t)-1, err);
    return rc;
}

int dbt_config_copy(dbt_config *dst, const dbt_config *src, rs_err *err) {
    int rc;

    dbt_config_free(dst);
    dst->enabled = src->enabled;
    dst->materialized = src->materialized ? strdup(src->materialized) : NULL;
    dst->workspace = src->workspace ? strdup(src->workspace) : NULL;
    dst->alias = src->alias ? strdup(src->alias) : NULL;
    dst->unique_key = src->unique_key ? strdup(src->unique_key) : NULL;
    if ((src->materialized != NULL && dst->materialized == NULL) ||
        (src->workspace != NULL && dst->workspace == NULL) ||
        (src->alias != NULL && dst->alias == NULL) ||
        (src->unique_key != NULL && dst->unique_key == NULL))
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = copy_strv(&dst->tags, &src->tags, err);
    if (rc == RS_OK)
        rc = copy_strv(&dst->keys, &src->keys, err);
    if (rc == RS_OK)
        rc = copy_strv(&dst->jsons, &src->jsons, err);
    return rc;
}

int dbt_config_is_dict_key(const char *key) {
    static const char *const dict_keys[] = {"meta",     "persist_docs", "docs",
                                            "grants",   "quoting",      "column_types",
                                            "contract", "labels",       "parameters"};
    size_t i;

    if (*key == '+')
        key++;
    for (i = 0; i < sizeof(dict_keys) / sizeof(dict_keys[0]); i++)
        if (strcmp(key, dict_keys[i]) == 0)
            return 1;
    return 0;
}

/* Replace *slot with a copy of the string value of n, or fail naming the key as written. */
static int set_string(char **slot, dbt_yaml *y, const char *shown, yaml_node_t *n, rs_err *err) {
    const char *s = dbt_yaml_scalar(n);
    char *copy;

    if (s == NULL || dbt_yaml_is_null(n))
        return dbt_yaml_fail(y, n, err, RS_EINVAL, "'%s' must be a string", shown);
    copy = dbt_strdup(s, err);
    if (copy == NULL)
        return RS_ENOMEM;
    free(*slot);
    *slot = copy;
    return RS_OK;
}

static int set_materialized(dbt_config *c, dbt_yaml *y, const char *shown, yaml_node_t *n,
                            rs_err *err) {
    static const char *const kinds[] = {"view",      "table",        "incremental",
                                        "ephemeral", "query_lambda", "rollup"};
    const char *s = dbt_yaml_scalar(n);
    size_t i;

    for (i = 0; s != NULL && i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strcmp(s, kinds[i]) == 0)
            return set_string(&c->materialized, y, shown, n, err);
    if (s == NULL)
        return dbt_yaml_fail(y, n, err, RS_EINVAL, "'%s' must be a string", shown);
    return dbt_yaml_fail(y, n, err, RS_EINVAL,
                         "'%s' must be one of view, table, incremental, ephemeral, query_lambda, "
                         "rollup (not '%s')",
                         shown, s);
}

/* unique_key: "id", "a, b" or [a, b] -> "a, b". */
static int set_unique_key(dbt_config *c, dbt_yaml *y, const char *shown, yaml_node_t *n,
                          rs_err *err) {
    dbt_strv parts = {0};
    rs_buf joined = RS_BUF_INIT;
    size_t i;
    int rc = dbt_yaml_strings(y, n, shown, &parts, err);

    for (i = 0; rc == RS_OK && i < parts.n; i++) {
        if (i > 0)
            rs_buf_puts(&joined, ", ");
        rs_buf_puts(&joined, parts.v[i]);
    }
    if (rc == RS_OK) {
        char *text = rs_buf_detach(&joined);
        if (text == NULL || joined.oom) {
            free(text);
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        } else {
            free(c->unique_key);
            c->unique_key = text;
        }
    }
    rs_buf_free(&joined);
    dbt_strv_free(&parts);
    return rc;
}

static int add_tags(dbt_config *c, dbt_yaml *y, const char *shown, yaml_node_t *n, rs_err *err) {
    dbt_strv tags = {0};
    size_t i;
    int rc = dbt_yaml_strings(y, n, shown, &tags, err);

    for (i = 0; rc == RS_OK && i < tags.n; i++)
        if (!dbt_strv_has(&c->tags, tags.v[i]))
            rc = dbt_strv_push(&c->tags, tags.v[i], (size_t)-1, err);
    dbt_strv_free(&tags);
    return rc;
}

/* Any other key: its value as JSON, replacing an earlier value of the same key. */
static int set_other(dbt_config *c, dbt_yaml *y, const char *key, yaml_node_t *n, rs_err *err) {
    rs_buf json = RS_BUF_INIT;
    char *text;
    size_t i;
    int rc = dbt_yaml_to_json(y, n, &json, err);

    if (rc != RS_OK) {
        rs_buf_free(&json);
        return rc;
    }
    text = rs_buf_detach(&json);
    if (text == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (i = 0; i < c->keys.n; i++) {
        if (strcmp(c->keys.v[i], key) == 0) {
            free(c->jsons.v[i]);
            c->jsons.v[i] = text;
            return RS_OK;
        }
    }
    rc = dbt_strv_push(&c->keys, key, (size_t)-1, err);
    if (rc != RS_OK) {
        free(text);
        return rc;
    }
    rc = dbt_strv_take(&c->jsons, text, err);
    if (rc != RS_OK) {
        free(c->keys.v[--c->keys.n]);
        return rc;
    }
    return RS_OK;
}

int dbt_config_apply_yaml(dbt_config *c, dbt_yaml *y, const char *key, yaml_node_t *value,
                          rs_err *err) {
    const char *shown = key;
    int b;

    if (*key == '+')
        key++;
    if (strcmp(key, "materialized") == 0)
        return set_materialized(c, y, shown, value, err);
    if (strcmp(key, "schema") == 0 || strcmp(key, "workspace") == 0)
        return set_string(&c->workspace, y, shown, value, err);
    if (strcmp(key, "alias") == 0)
        return set_string(&c->alias, y, shown, value, err);
    if (strcmp(key, "unique_key") == 0)
        return set_unique_key(c, y, shown, value, err);
    if (strcmp(key, "tags") == 0)
        return add_tags(c, y, shown, value, err);
    if (strcmp(key, "enabled") == 0) {
        if (!dbt_yaml_bool(value, &b))
            return dbt_yaml_fail(y, value, err, RS_EINVAL, "'%s' must be true or false", shown);
        c->enabled = b;
        return RS_OK;
    }
    if (strcmp(key, "pre-hook") == 0)
        key = "pre_hook";
    else if (strcmp(key, "post-hook") == 0)
        key = "post_hook";
    return set_other(c, y, key, value, err);
}

int dbt_config_apply_map(dbt_config *c, dbt_yaml *y, yaml_node_t *map, rs_err *err) {
    yaml_node_pair_t *pair;
    int rc = RS_OK;

    if (map == NULL || dbt_yaml_is_null(map))
        return RS_OK;
    if (map->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, map, err, RS_EINVAL, "'config' must be a mapping");
    for (pair = map->data.mapping.pairs.start; pair < map->data.mapping.pairs.top && rc == RS_OK;
         pair++) {
        yaml_node_t *k = dbt_yaml_node(y, pair->key);
        if (dbt_yaml_scalar(k) == NULL)
            return dbt_yaml_fail(y, k, err, RS_EINVAL, "a config key must be a string");
        rc = dbt_config_apply_yaml(c, y, dbt_yaml_scalar(k), dbt_yaml_node(y, pair->value), err);
    }
    return rc;
}

/* JSON array of the tags, or NULL when there are none. */
static int tags_json(const dbt_strv *tags, char **out, rs_err *err) {
    rs_buf json = RS_BUF_INIT;
    size_t i;

    *out = NULL;
    if (tags->n == 0)
        return RS_OK;
    rs_buf_putc(&json, '[');
    for (i = 0; i < tags->n; i++) {
        if (i > 0)
            rs_buf_putc(&json, ',');
        rs_buf_json_string(&json, tags->v[i], strlen(tags->v[i]));
    }
    rs_buf_putc(&json, ']');
    if (!json.oom)
        *out = rs_buf_detach(&json);
    rs_buf_free(&json);
    return *out != NULL ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
}

static int config_json(const dbt_config *c, char **out, rs_err *err) {
    rs_buf json = RS_BUF_INIT;
    size_t i;

    *out = NULL;
    if (c->keys.n == 0)
        return RS_OK;
    rs_buf_putc(&json, '{');
    for (i = 0; i < c->keys.n; i++) {
        if (i > 0)
            rs_buf_putc(&json, ',');
        rs_buf_json_string(&json, c->keys.v[i], strlen(c->keys.v[i]));
        rs_buf_putc(&json, ':');
        rs_buf_puts(&json, c->jsons.v[i]);
    }
    rs_buf_putc(&json, '}');
    if (!json.oom)
        *out = rs_buf_detach(&json);
    rs_buf_free(&json);
    return *out != NULL ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
}

int dbt_config_to_model(const dbt_config *c, rs_dbt_model *m, rs_err *err) {
    int rc;

    m->enabled = c->enabled != 0;
    m->materialized = dbt_strdup(c->materialized, err);
    m->workspace = dbt_strdup(c->workspace, err);
    m->alias = dbt_strdup(c->alias, err);
    m->unique_key = dbt_strdup(c->unique_key, err);
    if ((c->materialized != NULL && m->materialized == NULL) ||
        (c->workspace != NULL && m->workspace == NULL) || (c->alias != NULL && m->alias == NULL) ||
        (c->unique_key != NULL && m->unique_key == NULL))
        return RS_ENOMEM;
    rc = tags_json(&c->tags, &m->tags_json, err);
    if (rc == RS_OK)
        rc = config_json(c, &m->config_json, err);
    return rc;
}
