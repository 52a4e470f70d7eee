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
 * Other top-level keys (seeds, macros, exposures, ...) are ignored, as are keys of an entry
 * that have no column in the model tables (meta, docs, constraints, ...).
 */
#include "dbtimport_int.h"

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

static int add_test_row(dbt_loader *ld, const char *model, const char *column, const char *test,
                        char *arg_json, rs_err *err) {
    rs_dbt_test *t;

    if (dbt_grow((void **)&ld->p->tests, ld->p->n_tests, &ld->cap_tests, sizeof(*t), err) !=
        RS_OK) {
        free(arg_json);
        return RS_ENOMEM;
    }
    t = &ld->p->tests[ld->p->n_tests];
    memset(t, 0, sizeof(*t));
    t->arg_json = arg_json;
    t->model = dbt_strdup(model, err);
    t->column = dbt_strdup(column, err);
    t->test = dbt_strdup(test, err);
    ld->p->n_tests++;
    if (t->model == NULL || (column != NULL && t->column == NULL) || t->test == NULL)
        return RS_ENOMEM;
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

/* One entry of a tests: / data_tests: list, on column (NULL for a model-level test). */
static int read_test(dbt_loader *ld, dbt_yaml *y, const char *model, const char *column,
                     yaml_node_t *t, rs_err *err) {
    const char *name = dbt_yaml_scalar(t);
    yaml_node_t *args = NULL, *inner;
    const char *column_name;
    char *arg_json = NULL;
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
    /* dbt >= 1.10 nests a generic test's arguments under `arguments:`. */
    inner = dbt_yaml_get(y, args, "arguments");
    if (inner != NULL && inner->type == YAML_MAPPING_NODE)
        args = inner;
    column_name = dbt_yaml_scalar(dbt_yaml_get(y, args, "column_name"));
    if (column_name != NULL)
        column = column_name;
    if (strcmp(name, "unique") != 0 && strcmp(name, "not_null") != 0 &&
        strcmp(name, "accepted_values") != 0 && strcmp(name, "relationships") != 0)
        return dbt_warn(ld, y, t, err,
                        "test '%s' on model '%s' is not supported by rockset_test; skipped", name,
                        model);
    if (column == NULL)
        return dbt_warn(ld, y, t, err,
                        "test '%s' on model '%s' names no column (column_name); skipped",
                        name, model);
    if (strcmp(name, "accepted_values") == 0 || strcmp(name, "relationships") == 0) {
        rc = test_arg(y, t, name, args, &arg_json, err);
        if (rc != RS_OK)
            return rc;
    }
    return add_test_row(ld, model, column, name, arg_json, err);
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

static int has_tests(dbt_yaml *y, yaml_node_t *table) {
    yaml_node_t *columns = dbt_yaml_get(y, table, "columns");
    yaml_node_item_t *item;

    if (dbt_yaml_get(y, table, "tests") != NULL || dbt_yaml_get(y, table, "data_tests") != NULL)
        return 1;
    if (columns == NULL || columns->type != YAML_SEQUENCE_NODE)
        return 0;
    for (item = columns->data.sequence.items.start; item < columns->data.sequence.items.top;
         item++) {
        yaml_node_t *col = dbt_yaml_node(y, *item);
        if (dbt_yaml_get(y, col, "tests") != NULL || dbt_yaml_get(y, col, "data_tests") != NULL)
            return 1;
    }
    return 0;
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
    if (has_tests(y, table))
        rc = dbt_warn(ld, y, table, err,
                      "tests on source('%s', '%s') are not imported (rockset_tests holds tests "
                      "of models)",
                      source, name);
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

/* ---------------------------------------------------------------- the file */

int dbt_read_properties(dbt_loader *ld, const char *path, const char *text, size_t len,
                        rs_err *err) {
    static const char *const sections[] = {"models", "sources"};
    yaml_node_t *root, *list;
    yaml_node_item_t *item;
    dbt_yaml y;
    size_t s;
    int rc = dbt_yaml_load(&y, path, text, len, err);

    if (rc != RS_OK)
        return rc;
    root = dbt_yaml_root(&y);
    if (root != NULL && !dbt_yaml_is_null(root) && root->type != YAML_MAPPING_NODE)
        rc = dbt_yaml_fail(&y, root, err, RS_EINVAL, "a property file must be a mapping");
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
