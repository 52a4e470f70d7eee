/*
 * dbtimport_seeds.c - a dbt project's seeds: their settings (the `seeds:` tree of
 * dbt_project.yml, then a property file's `seeds:` entry) and their CSV files read with those
 * settings (delimiter, column_types). dbtimport.c finds the files and calls in here.
 *
 * Why seeds are done in two steps: property files (read with the models) may describe a seed
 * before its CSV is read, and the CSV cannot be read before its settings are known (its
 * delimiter, its column types). So the files are found first (dbt_seed_add), the settings
 * gathered, and the CSV parsed last (dbt_seed_finish).
 */
#include "dbtimport_int.h"
#include "jsonscan.h"

#include <stdlib.h>
#include <string.h>

/* Index of the seed called name, or -1. */
static long find_seed(const dbt_loader *ld, const char *name) {
    size_t i;

    for (i = 0; i < ld->p->n_seeds; i++)
        if (strcmp(ld->p->seeds[i].name, name) == 0)
            return (long)i;
    return -1;
}

int dbt_seed_add(dbt_loader *ld, const char *rel, rs_err *err) {
    const char *file = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    size_t n = ld->p->n_seeds;
    rs_dbt_seed *seed;
    long other;

    if (dbt_grow((void **)&ld->p->seeds, n, &ld->cap_seeds, sizeof(*seed), err) ||
        dbt_grow((void **)&ld->seed_configs, n, &ld->cap_seed_configs, sizeof(dbt_config), err))
        return RS_ENOMEM;
    seed = &ld->p->seeds[n];
    memset(seed, 0, sizeof(*seed));
    dbt_config_init(&ld->seed_configs[n]);
    ld->p->n_seeds++;
    seed->name = strndup(file, strlen(file) - 4);
    seed->path = dbt_strdup(rel, err);
    if (seed->name == NULL || seed->path == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (strncmp(seed->name, "rockset_", 8) == 0 || strncmp(seed->name, "sqlite_", 7) == 0)
        return rs_err_set(err, RS_EINVAL,
                          "%s: a seed may not be called '%s' (rockset_* and sqlite_* tables "
                          "belong to the extension and SQLite)",
                          rel, seed->name);
    ld->p->n_seeds--; /* not its own duplicate */
    other = find_seed(ld, seed->name);
    ld->p->n_seeds++;
    if (other >= 0)
        return rs_err_set(err, RS_EINVAL, "%s: seed name '%s' is already used by %s", rel,
                          seed->name, ld->p->seeds[other].path);
    return RS_OK;
}

/* ---------------------------------------------------------------- property files */

/* One entry of a property file's seeds: list. */
static int read_seed_entry(dbt_loader *ld, dbt_yaml *y, yaml_node_t *entry, rs_err *err) {
    const char *name, *description;
    yaml_node_t *n;
    rs_dbt_seed *seed;
    long idx;
    int rc;

    if (entry->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, entry, err, RS_EINVAL, "a seeds: entry must be a mapping");
    name = dbt_yaml_scalar(dbt_yaml_get(y, entry, "name"));
    if (name == NULL || *name == '\0')
        return dbt_yaml_fail(y, entry, err, RS_EINVAL, "a seeds: entry needs a 'name'");
    idx = find_seed(ld, name);
    if (idx < 0)
        return dbt_warn(ld, y, entry, err, "seed '%s' has no .csv file; its properties are skipped",
                        name);
    seed = &ld->p->seeds[idx];
    n = dbt_yaml_get(y, entry, "description");
    description = n != NULL && !dbt_yaml_is_null(n) ? dbt_yaml_scalar(n) : NULL;
    if (description != NULL) {
        free(seed->description);
        seed->description = dbt_strdup(description, err);
        if (seed->description == NULL)
            return RS_ENOMEM;
    }
    rc = dbt_config_apply_map(&ld->seed_configs[idx], y, dbt_yaml_get(y, entry, "config"), err);
    if (rc == RS_OK)
        rc = dbt_read_entry_tests(ld, y, name, entry, err);
    return rc;
}

int dbt_seed_properties(dbt_loader *ld, dbt_yaml *y, yaml_node_t *root, rs_err *err) {
    yaml_node_t *list = dbt_yaml_get(y, root, "seeds");
    yaml_node_item_t *item;
    int rc = RS_OK;

    if (!ld->seeds_on || list == NULL || dbt_yaml_is_null(list))
        return RS_OK;
    if (list->type != YAML_SEQUENCE_NODE)
        return dbt_yaml_fail(y, list, err, RS_EINVAL, "'seeds' must be a list");
    for (item = list->data.sequence.items.start;
         rc == RS_OK && item < list->data.sequence.items.top; item++)
        rc = read_seed_entry(ld, y, dbt_yaml_node(y, *item), err);
    return rc;
}

/* ---------------------------------------------------------------- settings into the seed */

/* Take config key `key` out of c (its JSON value into *json, NULL when absent). */
static void take_key(dbt_config *c, const char *key, char **json) {
    size_t i;

    *json = NULL;
    for (i = 0; i < c->keys.n; i++) {
        if (strcmp(c->keys.v[i], key) != 0)
            continue;
        *json = c->jsons.v[i];
        free(c->keys.v[i]);
        memmove(&c->keys.v[i], &c->keys.v[i + 1], (c->keys.n - i - 1) * sizeof(char *));
        memmove(&c->jsons.v[i], &c->jsons.v[i + 1], (c->jsons.n - i - 1) * sizeof(char *));
        c->keys.n--;
        c->jsons.n--;
        return;
    }
}

/* The delimiter config: one character (the JSON string "x"; "\t" for tabs). */
static int delimiter_of(const rs_dbt_seed *seed, const dbt_config *c, char *delim, rs_err *err) {
    char *text = NULL;
    size_t i;
    int rc = RS_OK;

    *delim = ',';
    for (i = 0; i < c->keys.n; i++) {
        if (strcmp(c->keys.v[i], "delimiter") != 0)
            continue;
        if (rs_jsonscan_string_dup(rs_jsonscan_cstr(c->jsons.v[i]), &text, err) != RS_OK ||
            strlen(text) != 1 || text[0] == '"' || text[0] == '\n' || text[0] == '\r') {
            rs_err_clear(err);
            rc = rs_err_set(err, RS_EINVAL,
                            "seed '%s': 'delimiter' must be one character (not a quote or a "
                            "line end)",
                            seed->name);
        } else {
            *delim = text[0];
        }
        free(text);
    }
    return rc;
}

static long find_column(const rs_dbt_seed *seed, const char *name, size_t len) {
    size_t c;

    for (c = 0; c < seed->n_columns; c++)
        if (strlen(seed->columns[c]) == len && memcmp(seed->columns[c], name, len) == 0)
            return (long)c;
    return -1;
}

/* Apply column_types (a JSON object: column -> type name) to the parsed seed. */
static int apply_column_types(dbt_loader *ld, rs_dbt_seed *seed, const char *json, rs_err *err) {
    rs_jsonscan_span key, value;
    rs_jsonscan_iter it;
    char *type_name = NULL;
    rs_dbt_type type;
    long col;
    int rc = RS_OK;

    if (rs_jsonscan_classify(rs_jsonscan_cstr(json)) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL,
                          "seed '%s': 'column_types' must be a mapping of column to type",
                          seed->name);
    rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(json));
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        const char *k = key.ptr + 1; /* the key's text between its quotes, unescaped enough */
        size_t klen = key.len >= 2 ? key.len - 2 : 0;
        if (rs_jsonscan_string_dup(value, &type_name, err) != RS_OK) {
            rs_err_clear(err);
            return rs_err_set(err, RS_EINVAL,
                              "seed '%s': column_types: column '%.*s' needs a "
                              "type name",
                              seed->name, (int)klen, k);
        }
        col = find_column(seed, k, klen);
        if (!rs_dbt_type_parse(type_name, &type))
            rc = rs_err_set(err, RS_EINVAL,
                            "seed '%s': column_types: column '%.*s' has unknown type '%s' (use "
                            "varchar, integer, float, numeric, boolean, date or timestamp)",
                            seed->name, (int)klen, k, type_name);
        else if (col < 0)
            rc = dbt_warn_file(ld, seed->path,
                               "column_types names a column the file does not have; "
                               "ignored",
                               err);
        else
            rc = rs_dbt_seed_set_type(seed, (size_t)col, type, err);
        free(type_name);
        type_name = NULL;
    }
    return rc;
}

int dbt_seed_finish(dbt_loader *ld, size_t idx, rs_err *err) {
    rs_dbt_seed *seed = &ld->p->seeds[idx];
    dbt_config *c = &ld->seed_configs[idx];
    rs_dbt_model settings;
    char *text = NULL, *types = NULL, delim;
    size_t len = 0;
    int rc = delimiter_of(seed, c, &delim, err);

    memset(&settings, 0, sizeof(settings));
    if (rc == RS_OK)
        rc = dbt_read_file(ld, seed->path, &text, &len, err);
    if (rc == RS_OK)
        rc = rs_dbt_csv_parse_with(seed->path, text, len, delim, seed, err);
    free(text);
    take_key(c, "column_types", &types);
    if (rc == RS_OK && types != NULL) {
        rc = apply_column_types(ld, seed, types, err);
        seed->column_types_json = types;
        types = NULL;
    }
    free(types);
    if (rc == RS_OK)
        rc = dbt_config_to_model(c, &settings, err);
    seed->enabled = c->enabled != 0;
    seed->workspace = settings.workspace;
    seed->alias = settings.alias;
    seed->tags_json = settings.tags_json;
    seed->config_json = settings.config_json;
    free(settings.materialized);
    free(settings.unique_key);
    return rc;
}

void dbt_seed_free_settings(rs_dbt_seed *seed) {
    free(seed->workspace);
    free(seed->alias);
    free(seed->column_types_json);
    free(seed->tags_json);
    free(seed->config_json);
    free(seed->description);
}
