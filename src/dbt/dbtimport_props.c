/*
 * dbtimport_props.c - dbt property files (the .yml files beside the models): model
 * descriptions, configs and data tests, and sources (see dbtimport.h for what becomes what).
 *
 *   version: 2
 *   models:
 *     - name: stg_orders
 *       description: One row per order.
 *       config: {materialized: table}
 *       columns:
 *         - name: status
 *           tests: [not_null, {accepted_values: {values: [placed, shipped]}}]
 *   sources:
 *     - name: shop
 *       schema: raw
 *       tables: [{name: orders, identifier: orders_v2}]
 *
 * seeds: entries give their tests (node: the seed's name); a source table's tests are on the
 * node "source:s.t". A test is a built-in (unique, not_null, accepted_values, relationships,
 * checked here) or any other name: a generic test, whose arguments are kept as a JSON object
 * for rockset_test (rs_dbt_load drops, with a warning, one whose macro is not in the project or
 * its packages). dbt's test configs (config:, or severity/where/... beside the arguments) go
 * into the test's config JSON.
 * Every other top-level key is named in a warning (unit_tests, exposures, metrics,
 * semantic_models, saved_queries, snapshots, analyses: one per entry; unknown keys), except
 * version, macros and groups, which change nothing here. Keys of an entry that have no column
 * in the model tables (meta, docs, constraints, ...) are ignored.
 */
#include "dbtimport_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A required string field of a mapping entry. */
static int required_string(dbt_yaml *y, yaml_node_t *entry, const char *key, const char *what,
                           const char **out, rs_err *err) {
    yaml_node_t *v = dbt_yaml_get(y, entry, key);

    *out = dbt_yaml_scalar(v);
    if (*out == NULL || dbt_yaml_is_null(v) || **out == '\0')
        return dbt_yaml_fail(y, v ? v : entry, err, RS_EINVAL, "%s needs a '%s' string", what, key);
    return RS_OK;
}

/* An optional string field: NULL when absent or null, an error when not a string. */
static int optional_string(dbt_yaml *y, yaml_node_t *entry, const char *key, const char **out,
                           rs_err *err) {
    yaml_node_t *v = dbt_yaml_get(y, entry, key);

    *out = NULL;
    if (v == NULL || dbt_yaml_is_null(v))
        return RS_OK;
    *out = dbt_yaml_scalar(v);
    if (*out == NULL)
        return dbt_yaml_fail(y, v, err, RS_EINVAL, "'%s' must be a string", key);
    return RS_OK;
}

/* The sequence under key (NULL when absent or null); anything else is an error. */
static int optional_list(dbt_yaml *y, yaml_node_t *entry, const char *key, yaml_node_t **out,
                         rs_err *err) {
    yaml_node_t *v = dbt_yaml_get(y, entry, key);

    *out = NULL;
    if (v == NULL || dbt_yaml_is_null(v))
        return RS_OK;
    if (v->type != YAML_SEQUENCE_NODE)
        return dbt_yaml_fail(y, v, err, RS_EINVAL, "'%s' must be a list", key);
    *out = v;
    return RS_OK;
}

/* ---------------------------------------------------------------- tests */

/* "ref('m')" or ref("m") -> a copy of m; anything else -> a copy of the text. */
static char *relation_target(const char *to, rs_err *err) {
    const char *p = to;
    size_t len;

    while (*p == ' ')
        p++;
    if (strncmp(p, "ref(", 4) == 0) {
        p += 4;
        while (*p == ' ')
            p++;
        if (*p == '\'' || *p == '"') {
            char quote = *p++;
            const char *close = strchr(p, quote);
            if (close != NULL && strspn(close + 1, " )") == strlen(close + 1) &&
                strchr(close + 1, ')') != NULL) {
                char *name;
                len = (size_t)(close - p);
                name = strndup(p, len);
                if (name == NULL)
                    rs_err_set(err, RS_ENOMEM, "out of memory");
                return name;
            }
        }
    }
    return dbt_strdup(to, err);
}

/* Is name one of the four tests rockset_test runs natively? */
static int is_builtin(const char *name) {
    return strcmp(name, "unique") == 0 || strcmp(name, "not_null") == 0 ||
           strcmp(name, "accepted_values") == 0 || strcmp(name, "relationships") == 0;
}

/* Keys of a test entry that configure it rather than being arguments (dbt's test configs). */
static int is_config_key(const char *key) {
    static const char *const keys[] = {"severity",
                                       "where",
                                       "limit",
                                       "warn_if",
                                       "error_if",
                                       "store_failures",
                                       "store_failures_as",
                                       "enabled",
                                       "tags",
                                       "meta",
                                       "fail_calc",
                                       "alias",
                                       "schema",
                                       "database"};
    size_t i;

    for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (strcmp(key, keys[i]) == 0)
            return 1;
    return 0;
}

/* A name no other test of the project has: base, else base_2, base_3, ... */
static char *unique_test_name(dbt_loader *ld, const char *base, rs_err *err) {
    char *name = NULL;
    size_t i, n = 1;
    int taken = 1;

    while (taken) {
        free(name);
        if ((n == 1 ? asprintf(&name, "%s", base) : asprintf(&name, "%s_%zu", base, n)) < 0)
            return rs_err_set(err, RS_ENOMEM, "out of memory"), NULL;
        taken = 0;
        for (i = 0; i < ld->p->n_tests && !taken; i++)
            taken = ld->p->tests[i].name != NULL && strcmp(ld->p->tests[i].name, name) == 0;
        n++;
    }
    return name;
}

/* dbt's way of naming a test: test_node_column, '.' and ':' as '_' (a source's node
 * "source:s.t" gives source_<test>_s_t_column). */
static char *default_test_name(dbt_loader *ld, const char *node, const char *column,
                               const char *test, rs_err *err) {
    int is_source = strncmp(node, "source:", 7) == 0;
    char *base = NULL, *c, *name;

    if (asprintf(&base, "%s%s_%s%s%s", is_source ? "source_" : "", test,
                 is_source ? node + 7 : node, column ? "_" : "", column ? column : "") < 0)
        return rs_err_set(err, RS_ENOMEM, "out of memory"), NULL;
    for (c = base; *c; c++)
        if (*c == '.' || *c == ':')
            *c = '_';
    name = unique_test_name(ld, base, err);
    free(base);
    return name;
}

/* Add a test row; takes over arg_json and config_json (freed on failure too). */
static int add_test_row(dbt_loader *ld, dbt_yaml *y, yaml_node_t *at, const char *model,
                        const char *column, const char *test, const char *name, char *arg_json,
                        char *config_json, rs_err *err) {
    rs_dbt_test *t;

    if (dbt_grow((void **)&ld->p->tests, ld->p->n_tests, &ld->cap_tests, sizeof(*t), err) !=
        RS_OK) {
        free(arg_json);
        free(config_json);
        return RS_ENOMEM;
    }
    t = &ld->p->tests[ld->p->n_tests];
    memset(t, 0, sizeof(*t));
    t->arg_json = arg_json;
    t->config_json = config_json;
    t->model = dbt_strdup(model, err);
    t->column = dbt_strdup(column, err);
    t->test = dbt_strdup(test, err);
    t->name =
        name ? unique_test_name(ld, name, err) : default_test_name(ld, model, column, test, err);
    if (asprintf(&t->pos, "%s line %zu column %zu", y->path, at->start_mark.line + 1,
                 at->start_mark.column + 1) < 0)
        t->pos = NULL;
    ld->p->n_tests++;
    if (t->model == NULL || (column != NULL && t->column == NULL) || t->test == NULL ||
        t->name == NULL || t->pos == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return RS_OK;
}

/* The arg of an accepted_values or relationships test, as JSON (see dbtimport.h). */
static int test_arg(dbt_yaml *y, yaml_node_t *where, const char *name, yaml_node_t *args,
                    char **arg_json, rs_err *err) {
    rs_buf json = RS_BUF_INIT;
    const char *to, *field;
    char *target;
    int rc;

    *arg_json = NULL;
    if (strcmp(name, "accepted_values") == 0) {
        yaml_node_t *values = dbt_yaml_get(y, args, "values");
        if (values == NULL || values->type != YAML_SEQUENCE_NODE)
            return dbt_yaml_fail(y, values ? values : where, err, RS_EINVAL,
                                 "test 'accepted_values' needs values: [...]");
        rc = dbt_yaml_to_json(y, values, &json, err);
    } else {
        to = dbt_yaml_scalar(dbt_yaml_get(y, args, "to"));
        field = dbt_yaml_scalar(dbt_yaml_get(y, args, "field"));
        if (to == NULL || field == NULL)
            return dbt_yaml_fail(y, where, err, RS_EINVAL,
                                 "test 'relationships' needs to: ref('model') and field: name");
        target = relation_target(to, err);
        if (target == NULL)
            return RS_ENOMEM;
        rs_buf_puts(&json, "{\"to\":");
        rs_buf_json_string(&json, target, strlen(target));
        rs_buf_puts(&json, ",\"field\":");
        rs_buf_json_string(&json, field, strlen(field));
        rs_buf_putc(&json, '}');
        free(target);
        rc = json.oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
    }
    if (rc == RS_OK) {
        *arg_json = rs_buf_detach(&json);
        if (*arg_json == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    rs_buf_free(&json);
    return rc;
}

/* Append "key":<value as JSON> to an object being written. */
static int put_member(dbt_yaml *y, rs_buf *json, int *first, const char *key, yaml_node_t *value,
                      rs_err *err) {
    rs_buf_puts(json, *first ? "{" : ",");
    *first = 0;
    rs_buf_json_string(json, key, strlen(key));
    rs_buf_putc(json, ':');
    return dbt_yaml_to_json(y, value, json, err);
}

/* Close an object (or give NULL when it got no member) into *out. */
static int finish_object(rs_buf *json, int first, int rc, char **out, rs_err *err) {
    *out = NULL;
    if (rc == RS_OK && !first) {
        rs_buf_putc(json, '}');
        *out = rs_buf_detach(json);
        if (*out == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    rs_buf_free(json);
    return rc;
}

/* A test's config as JSON: the members of its config: mapping, then dbt's config keys written
 * beside the arguments (older projects: `severity: warn` next to `values:`). */
static int test_config(dbt_yaml *y, yaml_node_t *outer, yaml_node_t *args, char **out,
                       rs_err *err) {
    yaml_node_t *config = dbt_yaml_get(y, outer, "config");
    rs_buf json = RS_BUF_INIT;
    yaml_node_pair_t *pair;
    int first = 1, rc = RS_OK;
    yaml_node_t *maps[2] = {config, args};
    size_t m;

    if (config != NULL && !dbt_yaml_is_null(config) && config->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, config, err, RS_EINVAL, "a test's config: must be a mapping");
    for (m = 0; m < 2; m++) {
        if (maps[m] == NULL || maps[m]->type != YAML_MAPPING_NODE)
            continue;
        for (pair = maps[m]->data.mapping.pairs.start;
             rc == RS_OK && pair < maps[m]->data.mapping.pairs.top; pair++) {
            const char *key = dbt_yaml_scalar(dbt_yaml_node(y, pair->key));
            if (key != NULL && (m == 0 || is_config_key(key)))
                rc = put_member(y, &json, &first, key, dbt_yaml_node(y, pair->value), err);
        }
    }
    return finish_object(&json, first, rc, out, err);
}

/* A generic test's keyword arguments as a JSON object (NULL when none): the members of args
 * but name, column_name, config and dbt's config keys. */
static int generic_args(dbt_yaml *y, yaml_node_t *args, int nested, char **out, rs_err *err) {
    rs_buf json = RS_BUF_INIT;
    yaml_node_pair_t *pair;
    int first = 1, rc = RS_OK;

    for (pair = args && args->type == YAML_MAPPING_NODE ? args->data.mapping.pairs.start : NULL;
         pair != NULL && rc == RS_OK && pair < args->data.mapping.pairs.top; pair++) {
        const char *key = dbt_yaml_scalar(dbt_yaml_node(y, pair->key));
        if (key == NULL || strcmp(key, "name") == 0 || strcmp(key, "column_name") == 0 ||
            strcmp(key, "config") == 0 || strcmp(key, "arguments") == 0 ||
            (!nested && is_config_key(key)))
            continue;
        rc = put_member(y, &json, &first, key, dbt_yaml_node(y, pair->value), err);
    }
    return finish_object(&json, first, rc, out, err);
}

/* One entry of a tests: / data_tests: list on node (a model, a seed, or "source:s.t"), on
 * column (NULL for a test of the whole node). */
static int read_test(dbt_loader *ld, dbt_yaml *y, const char *node, const char *column,
                     yaml_node_t *t, rs_err *err) {
    const char *name = dbt_yaml_scalar(t), *column_name, *test_name;
    yaml_node_t *args = NULL, *outer, *inner;
    char *arg_json = NULL, *config_json = NULL;
    int rc;

    if (name == NULL) {
        if (t->type != YAML_MAPPING_NODE ||
            t->data.mapping.pairs.top - t->data.mapping.pairs.start != 1)
            return dbt_yaml_fail(y, t, err, RS_EINVAL,
                                 "a test must be a name or a mapping of one name to its "
                                 "arguments");
        name = dbt_yaml_scalar(dbt_yaml_node(y, t->data.mapping.pairs.start->key));
        args = dbt_yaml_node(y, t->data.mapping.pairs.start->value);
        if (name == NULL)
            return dbt_yaml_fail(y, t, err, RS_EINVAL, "a test's name must be a string");
    }
    outer = args;
    test_name = dbt_yaml_scalar(dbt_yaml_get(y, outer, "name"));
    /* dbt >= 1.10 nests a generic test's arguments under `arguments:`. */
    inner = dbt_yaml_get(y, args, "arguments");
    if (inner != NULL && inner->type == YAML_MAPPING_NODE)
        args = inner;
    column_name = dbt_yaml_scalar(dbt_yaml_get(y, args, "column_name"));
    if (column_name == NULL)
        column_name = dbt_yaml_scalar(dbt_yaml_get(y, outer, "column_name"));
    if (column_name != NULL)
        column = column_name;
    if (is_builtin(name) && column == NULL)
        return dbt_warn(ld, y, t, err, "test '%s' on '%s' names no column (column_name); skipped",
                        name, node);
    rc = test_config(y, outer, outer, &config_json, err);
    if (rc == RS_OK && (strcmp(name, "accepted_values") == 0 || strcmp(name, "relationships") == 0))
        rc = test_arg(y, t, name, args, &arg_json, err);
    else if (rc == RS_OK && !is_builtin(name))
        rc = generic_args(y, args, args != outer, &arg_json, err);
    if (rc != RS_OK) {
        free(config_json);
        return rc;
    }
    return add_test_row(ld, y, t, node, column, name, test_name, arg_json, config_json, err);
}

/* Every test under tests: and data_tests: of an entry. */
static int read_tests(dbt_loader *ld, dbt_yaml *y, const char *model, const char *column,
                      yaml_node_t *entry, rs_err *err) {
    static const char *const keys[] = {"tests", "data_tests"};
    yaml_node_item_t *item;
    yaml_node_t *list;
    size_t k;
    int rc = RS_OK;

    for (k = 0; k < 2 && rc == RS_OK; k++) {
        rc = optional_list(y, entry, keys[k], &list, err);
        for (item = list ? list->data.sequence.items.start : NULL;
             rc == RS_OK && list != NULL && item < list->data.sequence.items.top; item++)
            rc = read_test(ld, y, model, column, dbt_yaml_node(y, *item), err);
    }
    return rc;
}

/* ---------------------------------------------------------------- models: */

static int read_model_entry(dbt_loader *ld, dbt_yaml *y, yaml_node_t *entry, rs_err *err) {
    const char *name, *description, *column;
    yaml_node_t *columns = NULL; /* stays NULL when an earlier step failed */
    yaml_node_item_t *item;
    rs_dbt_model *m;
    long idx;
    int rc;

    if (entry->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, entry, err, RS_EINVAL, "a models: entry must be a mapping");
    rc = required_string(y, entry, "name", "a models: entry", &name, err);
    if (rc != RS_OK)
        return rc;
    idx = dbt_find_model(ld, name);
    if (idx < 0)
        return dbt_warn(ld, y, entry, err,
                        "model '%s' has no .sql file; its properties are skipped", name);
    m = &ld->p->models[idx];
    rc = optional_string(y, entry, "description", &description, err);
    if (rc == RS_OK && description != NULL) {
        free(m->description);
        m->description = dbt_strdup(description, err);
        if (m->description == NULL)
            return RS_ENOMEM;
    }
    if (rc == RS_OK)
        rc = dbt_config_apply_map(&ld->configs[idx], y, dbt_yaml_get(y, entry, "config"), err);
    if (rc == RS_OK)
        rc = read_tests(ld, y, name, NULL, entry, err);
    if (rc == RS_OK)
        rc = optional_list(y, entry, "columns", &columns, err);
    for (item = columns ? columns->data.sequence.items.start : NULL;
         rc == RS_OK && columns != NULL && item < columns->data.sequence.items.top; item++) {
        yaml_node_t *col = dbt_yaml_node(y, *item);
        if (col->type != YAML_MAPPING_NODE)
            return dbt_yaml_fail(y, col, err, RS_EINVAL, "a columns: entry must be a mapping");
        rc = required_string(y, col, "name", "a columns: entry", &column, err);
        if (rc == RS_OK)
            rc = read_tests(ld, y, name, column, col, err);
    }
    return rc;
}

/* ---------------------------------------------------------------- sources: */

/* The tests of a source table and of its columns, on node "source:s.t". */
static int read_source_tests(dbt_loader *ld, dbt_yaml *y, const char *source, const char *name,
                             yaml_node_t *table, rs_err *err) {
    yaml_node_t *columns = NULL;
    yaml_node_item_t *item;
    const char *column;
    char *node = NULL;
    int rc;

    if (asprintf(&node, "source:%s.%s", source, name) < 0)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = read_tests(ld, y, node, NULL, table, err);
    if (rc == RS_OK)
        rc = optional_list(y, table, "columns", &columns, err);
    for (item = columns ? columns->data.sequence.items.start : NULL;
         rc == RS_OK && columns != NULL && item < columns->data.sequence.items.top; item++) {
        yaml_node_t *col = dbt_yaml_node(y, *item);
        if (col->type != YAML_MAPPING_NODE)
            rc = dbt_yaml_fail(y, col, err, RS_EINVAL, "a columns: entry must be a mapping");
        if (rc == RS_OK)
            rc = required_string(y, col, "name", "a columns: entry", &column, err);
        if (rc == RS_OK)
            rc = read_tests(ld, y, node, column, col, err);
    }
    free(node);
    return rc;
}

static int add_source(dbt_loader *ld, dbt_yaml *y, const char *source, const char *workspace,
                      yaml_node_t *table, rs_err *err) {
    const char *name, *identifier;
    rs_dbt_source *s;
    size_t i;
    int rc;

    if (table->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, table, err, RS_EINVAL, "a tables: entry must be a mapping");
    rc = required_string(y, table, "name", "a tables: entry", &name, err);
    if (rc == RS_OK)
        rc = optional_string(y, table, "identifier", &identifier, err);
    if (rc != RS_OK)
        return rc;
    for (i = 0; i < ld->p->n_sources; i++)
        if (strcmp(ld->p->sources[i].source, source) == 0 &&
            strcmp(ld->p->sources[i].name, name) == 0)
            return dbt_yaml_fail(y, table, err, RS_EINVAL, "source('%s', '%s') is defined twice",
                                 source, name);
    rc = read_source_tests(ld, y, source, name, table, err);
    if (rc != RS_OK ||
        dbt_grow((void **)&ld->p->sources, ld->p->n_sources, &ld->cap_sources, sizeof(*s), err))
        return RS_ENOMEM;
    s = &ld->p->sources[ld->p->n_sources++];
    s->source = dbt_strdup(source, err);
    s->name = dbt_strdup(name, err);
    s->workspace = dbt_strdup(workspace, err);
    s->collection = dbt_strdup(identifier ? identifier : name, err);
    if (s->source == NULL || s->name == NULL || s->workspace == NULL || s->collection == NULL)
        return RS_ENOMEM;
    return RS_OK;
}

static int read_source_entry(dbt_loader *ld, dbt_yaml *y, yaml_node_t *entry, rs_err *err) {
    const char *name, *schema, *database;
    yaml_node_t *tables;
    yaml_node_item_t *item;
    int rc;

    if (entry->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, entry, err, RS_EINVAL, "a sources: entry must be a mapping");
    rc = required_string(y, entry, "name", "a sources: entry", &name, err);
    if (rc == RS_OK)
        rc = optional_string(y, entry, "schema", &schema, err);
    if (rc == RS_OK)
        rc = optional_string(y, entry, "database", &database, err);
    if (rc == RS_OK)
        rc = optional_list(y, entry, "tables", &tables, err);
    if (rc != RS_OK)
        return rc;
    /* dbt's default schema of a source is its name. */
    if (schema == NULL)
        schema = database != NULL ? database : name;
    for (item = tables ? tables->data.sequence.items.start : NULL;
         rc == RS_OK && tables != NULL && item < tables->data.sequence.items.top; item++)
        rc = add_source(ld, y, name, schema, dbt_yaml_node(y, *item), err);
    return rc;
}

/* ---------------------------------------------------------------- what is not imported */

/* Top-level keys of a property file that are read, or left alone on purpose because they
 * change nothing rockset_ext does (version; macros: and groups: document macros and owners). */
static const char *const read_sections[] = {"models", "sources", "seeds",      "version",
                                            "macros", "groups",  "unit_tests", "snapshots"};

/* Sections whose every entry is named in a warning: what it is called there. */
static const struct {
    const char *key;
    const char *what;
} skipped_sections[] = {
    {"exposures", "exposure"},
    {"metrics", "metric"},
    {"semantic_models", "semantic model"},
    {"saved_queries", "saved query"},
    {"analyses", "analysis"},
};

/* One warning per entry of a skipped section ("unit test 'x' is not supported; skipped"). */
static int warn_section(dbt_loader *ld, dbt_yaml *y, const char *what, yaml_node_t *list,
                        rs_err *err) {
    yaml_node_item_t *item;
    int rc = RS_OK;

    if (list->type != YAML_SEQUENCE_NODE)
        return dbt_warn(ld, y, list, err, "%s entries are not supported; skipped", what);
    for (item = list->data.sequence.items.start;
         rc == RS_OK && item < list->data.sequence.items.top; item++) {
        yaml_node_t *entry = dbt_yaml_node(y, *item);
        const char *name = dbt_yaml_scalar(dbt_yaml_get(y, entry, "name"));
        rc = dbt_warn(ld, y, entry, err, "%s '%s' is not supported by rockset_ext; skipped", what,
                      name ? name : "?");
    }
    return rc;
}

/* Warn about every top-level key that is not read. */
static int warn_unread(dbt_loader *ld, dbt_yaml *y, yaml_node_t *root, rs_err *err) {
    yaml_node_pair_t *pair;
    size_t i;
    int rc = RS_OK, known;

    for (pair = root->data.mapping.pairs.start; rc == RS_OK && pair < root->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *k = dbt_yaml_node(y, pair->key), *v = dbt_yaml_node(y, pair->value);
        const char *key = dbt_yaml_scalar(k);
        if (key == NULL || dbt_yaml_is_null(v))
            continue;
        known = 0;
        for (i = 0; i < sizeof(read_sections) / sizeof(read_sections[0]); i++)
            known |= strcmp(key, read_sections[i]) == 0;
        for (i = 0; !known && i < sizeof(skipped_sections) / sizeof(skipped_sections[0]); i++) {
            if (strcmp(key, skipped_sections[i].key) == 0) {
                known = 1;
                rc = warn_section(ld, y, skipped_sections[i].what, v, err);
            }
        }
        if (!known)
            rc = dbt_warn(ld, y, k, err, "unknown top-level key '%s'; skipped", key);
    }
    return rc;
}

/* ---------------------------------------------------------------- the file */

int dbt_read_properties(dbt_loader *ld, const char *path, const char *text, size_t len,
                        rs_err *err) {
    /* seeds: entries are read by dbt_seed_properties (dbtimport_seeds.c), with their tests */
    static const char *const sections[] = {"models", "sources"};
    yaml_node_t *root, *list;
    yaml_node_item_t *item;
    dbt_yaml y;
    size_t s;
    int rc = dbt_yaml_load(&y, path, text, len, err);

    if (rc == RS_OK)
        rc = dbt_yaml_render(ld, &y, err);
    if (rc != RS_OK) {
        dbt_yaml_free(&y);
        return rc;
    }
    root = dbt_yaml_root(&y);
    if (root != NULL && !dbt_yaml_is_null(root) && root->type != YAML_MAPPING_NODE)
        rc = dbt_yaml_fail(&y, root, err, RS_EINVAL, "a property file must be a mapping");
    if (rc == RS_OK && root != NULL && root->type == YAML_MAPPING_NODE)
        rc = warn_unread(ld, &y, root, err);
    for (s = 0; s < 2 && rc == RS_OK && root != NULL; s++) {
        rc = optional_list(&y, root, sections[s], &list, err);
        for (item = list ? list->data.sequence.items.start : NULL;
             rc == RS_OK && list != NULL && item < list->data.sequence.items.top; item++) {
            yaml_node_t *entry = dbt_yaml_node(&y, *item);
            rc = s == 0 ? read_model_entry(ld, &y, entry, err)
                        : read_source_entry(ld, &y, entry, err);
        }
    }
    if (rc == RS_OK && root != NULL && !dbt_yaml_is_null(root))
        rc = dbt_seed_properties(ld, &y, root, err);
    list = root != NULL && root->type == YAML_MAPPING_NODE ? dbt_yaml_get(&y, root, "unit_tests")
                                                           : NULL;
    if (rc == RS_OK && list != NULL && !dbt_yaml_is_null(list))
        rc = dbt_read_unit_tests(ld, &y, list, err);
    list = root != NULL && root->type == YAML_MAPPING_NODE ? dbt_yaml_get(&y, root, "snapshots")
                                                           : NULL;
    if (rc == RS_OK && list != NULL && !dbt_yaml_is_null(list))
        rc = dbt_read_snapshot_entries(ld, &y, list, err);
    dbt_yaml_free(&y);
    return rc;
}

int dbt_read_entry_tests(dbt_loader *ld, dbt_yaml *y, const char *name, yaml_node_t *entry,
                         rs_err *err) {
    yaml_node_t *columns = NULL;
    yaml_node_item_t *item;
    const char *column;
    int rc = read_tests(ld, y, name, NULL, entry, err);

    if (rc == RS_OK)
        rc = optional_list(y, entry, "columns", &columns, err);
    for (item = columns ? columns->data.sequence.items.start : NULL;
         rc == RS_OK && columns != NULL && item < columns->data.sequence.items.top; item++) {
        yaml_node_t *col = dbt_yaml_node(y, *item);
        if (col->type != YAML_MAPPING_NODE)
            return dbt_yaml_fail(y, col, err, RS_EINVAL, "a columns: entry must be a mapping");
        rc = required_string(y, col, "name", "a columns: entry", &column, err);
        if (rc == RS_OK)
            rc = read_tests(ld, y, name, column, col, err);
    }
    return rc;
}
