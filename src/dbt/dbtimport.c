/*
 * dbtimport.c - read a dbt project directory (dbtimport.h): dbt_project.yml, the model files
 * and their configs, then the property files (dbtimport_props.c) and the seeds
 * (dbtimport_seeds.c: found first, so that property files can describe them; their CSV files,
 * dbtimport_csv.c, read last with their settings).
 *
 * How a model's settings come together (dbtimport.h has the user's view):
 *   1. the `models:` tree of dbt_project.yml, walked from the root through the project's own
 *      key, one key per folder, then the model's own key (tree_config);
 *   2. `config:` of its entry in a property file (read after every model file is known);
 *   3. the literal arguments of config() in its SQL (apply_sql_config, last, so it wins).
 * Folders are walked in sorted order so that warnings and tests come out the same on every
 * machine.
 */
#include "dbtimport_int.h"
#include "template/template.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int dbt_grow(void **array, size_t n, size_t *cap, size_t size, rs_err *err) {
    size_t new_cap;
    void *grown;

    if (n < *cap)
        return RS_OK;
    new_cap = *cap ? *cap * 2 : 16;
    grown = realloc(*array, new_cap * size);
    if (grown == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    *array = grown;
    *cap = new_cap;
    return RS_OK;
}

long dbt_find_model(const dbt_loader *ld, const char *name) {
    size_t i;

    for (i = 0; i < ld->p->n_models; i++)
        if (strcmp(ld->p->models[i].name, name) == 0)
            return (long)i;
    return -1;
}

int dbt_warn(dbt_loader *ld, const dbt_yaml *y, const yaml_node_t *n, rs_err *err, const char *fmt,
             ...) {
    char text[400], *line;
    va_list ap;
    int len;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (n != NULL)
        len = asprintf(&line, "%s line %zu column %zu: %s", y->path, n->start_mark.line + 1,
                       n->start_mark.column + 1, text);
    else
        len = asprintf(&line, "%s: %s", y->path, text);
    if (len < 0)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return dbt_strv_take(&ld->warnings, line, err);
}

/* A warning about a file, without a YAML document. */
static int warn_file(dbt_loader *ld, const char *path, const char *text, rs_err *err) {
    dbt_yaml y;

    memset(&y, 0, sizeof(y));
    y.path = path;
    return dbt_warn(ld, &y, NULL, err, "%s", text);
}

/* ---------------------------------------------------------------- files */

static int has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);

    return n > k && strcmp(s + n - k, suffix) == 0;
}

static char *join_path(const char *a, const char *b, rs_err *err) {
    char *joined;

    if (asprintf(&joined, "%s/%s", a, b) < 0) {
        rs_err_set(err, RS_ENOMEM, "out of memory");
        return NULL;
    }
    return joined;
}

/* The whole file rel (relative to the project) into *text (NUL-terminated, malloc'd). */
static int read_file(dbt_loader *ld, const char *rel, char **text, size_t *len, rs_err *err) {
    char *path = join_path(ld->dir, rel, err);
    char *data = NULL;
    struct stat st;
    FILE *f = NULL;
    int rc = RS_OK;

    if (path == NULL)
        return RS_ENOMEM;
    f = fopen(path, "rb");
    if (f == NULL || fstat(fileno(f), &st) != 0) {
        rc = rs_err_set(err, RS_EIO, "%s: cannot read: %s", rel, strerror(errno));
        goto done;
    }
    if ((unsigned long long)st.st_size > RS_DBT_MAX_FILE) {
        rc = rs_err_set(err, RS_EINVAL, "%s: the file is larger than %u MiB", rel,
                        RS_DBT_MAX_FILE / (1024u * 1024u));
        goto done;
    }
    data = malloc((size_t)st.st_size + 1);
    if (data == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    *len = fread(data, 1, (size_t)st.st_size, f);
    if (ferror(f)) {
        rc = rs_err_set(err, RS_EIO, "%s: cannot read: %s", rel, strerror(errno));
        goto done;
    }
    data[*len] = '\0';
    *text = data;
    data = NULL;
done:
    if (f != NULL)
        fclose(f);
    free(data);
    free(path);
    return rc;
}

static int compare_names(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every regular file under rel (relative to the project), sorted, into files. Hidden entries
 * are skipped; a missing top folder is no error (dbt's default paths need not exist). */
static int walk(dbt_loader *ld, const char *rel, int depth, dbt_strv *files, rs_err *err) {
    char *path = join_path(ld->dir, rel, err);
    dbt_strv names = {0};
    struct dirent *entry;
    struct stat st;
    DIR *d = NULL;
    size_t i;
    int rc = RS_OK;

    if (path == NULL)
        return RS_ENOMEM;
    d = opendir(path);
    if (d == NULL) {
        if (!(depth == 0 && errno == ENOENT))
            rc = rs_err_set(err, RS_EIO, "%s: cannot read the folder: %s", rel, strerror(errno));
        goto done;
    }
    while (rc == RS_OK && (entry = readdir(d)) != NULL)
        if (entry->d_name[0] != '.')
            rc = dbt_strv_push(&names, entry->d_name, (size_t)-1, err);
    if (names.n > 1)
        qsort(names.v, names.n, sizeof(char *), compare_names);
    for (i = 0; i < names.n && rc == RS_OK; i++) {
        char *child = join_path(rel, names.v[i], err), *child_path;
        if (child == NULL) {
            rc = RS_ENOMEM;
            break;
        }
        child_path = join_path(ld->dir, child, err);
        if (child_path == NULL)
            rc = RS_ENOMEM;
        else if (stat(child_path, &st) == 0 && S_ISDIR(st.st_mode)) {
            if (depth + 1 >= RS_DBT_MAX_DEPTH)
                rc = rs_err_set(err, RS_EINVAL, "%s: folders nested deeper than %d levels", child,
                                RS_DBT_MAX_DEPTH);
            else
                rc = walk(ld, child, depth + 1, files, err);
        } else if (stat(child_path, &st) == 0 && S_ISREG(st.st_mode)) {
            rc = dbt_strv_take(files, child, err);
            child = NULL;
        }
        free(child_path);
        free(child);
    }
done:
    if (d != NULL)
        closedir(d);
    dbt_strv_free(&names);
    free(path);
    return rc;
}

/* ---------------------------------------------------------------- dbt_project.yml */

/* A list of paths under key (or its older name alt), else the one default. */
static int read_paths(dbt_yaml *y, yaml_node_t *root, const char *key, const char *alt,
                      const char *dflt, dbt_strv *out, rs_err *err) {
    yaml_node_t *v = dbt_yaml_get(y, root, key);
    yaml_node_item_t *item;
    int rc = RS_OK;

    if (v == NULL)
        v = dbt_yaml_get(y, root, alt);
    if (v == NULL || dbt_yaml_is_null(v))
        return dbt_strv_push(out, dflt, (size_t)-1, err);
    if (v->type != YAML_SEQUENCE_NODE)
        return dbt_yaml_fail(y, v, err, RS_EINVAL, "'%s' must be a list of strings", key);
    for (item = v->data.sequence.items.start; item < v->data.sequence.items.top && rc == RS_OK;
         item++) {
        const char *s = dbt_yaml_scalar(dbt_yaml_node(y, *item));
        size_t len;
        if (s == NULL || *s == '\0')
            return dbt_yaml_fail(y, dbt_yaml_node(y, *item), err, RS_EINVAL,
                                 "'%s' must be a list of strings", key);
        len = strlen(s);
        while (len > 1 && s[len - 1] == '/')
            len--;
        rc = dbt_strv_push(out, s, len, err);
    }
    return rc;
}

static int set_var(dbt_loader *ld, dbt_yaml *y, yaml_node_t *key, yaml_node_t *value, rs_err *err) {
    const char *name = dbt_yaml_scalar(key);
    rs_buf json = RS_BUF_INIT;
    rs_dbt_var *v = NULL;
    char *text;
    size_t i;
    int rc;

    if (name == NULL || *name == '\0')
        return dbt_yaml_fail(y, key, err, RS_EINVAL, "a var's name must be a string");
    rc = dbt_yaml_to_json(y, value, &json, err);
    text = rc == RS_OK ? rs_buf_detach(&json) : NULL;
    rs_buf_free(&json);
    if (rc != RS_OK)
        return rc;
    if (text == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (i = 0; i < ld->p->n_vars && v == NULL; i++)
        if (strcmp(ld->p->vars[i].name, name) == 0)
            v = &ld->p->vars[i];
    if (v == NULL) {
        if (dbt_grow((void **)&ld->p->vars, ld->p->n_vars, &ld->cap_vars, sizeof(*v), err)) {
            free(text);
            return RS_ENOMEM;
        }
        v = &ld->p->vars[ld->p->n_vars++];
        v->value_json = NULL;
        v->name = dbt_strdup(name, err);
        if (v->name == NULL) {
            ld->p->n_vars--;
            free(text);
            return RS_ENOMEM;
        }
    }
    free(v->value_json);
    v->value_json = text;
    return RS_OK;
}

/* vars: global ones first, then those scoped under the project's own name (they win). */
static int read_vars(dbt_loader *ld, dbt_yaml *y, yaml_node_t *vars, rs_err *err) {
    yaml_node_pair_t *pair;
    yaml_node_t *scoped = NULL;
    int rc = RS_OK;

    if (vars == NULL || dbt_yaml_is_null(vars))
        return RS_OK;
    if (vars->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, vars, err, RS_EINVAL, "'vars' must be a mapping");
    for (pair = vars->data.mapping.pairs.start; pair < vars->data.mapping.pairs.top && rc == RS_OK;
         pair++) {
        yaml_node_t *k = dbt_yaml_node(y, pair->key), *v = dbt_yaml_node(y, pair->value);
        const char *name = dbt_yaml_scalar(k);
        if (name != NULL && strcmp(name, ld->name) == 0 && v->type == YAML_MAPPING_NODE)
            scoped = v;
        else
            rc = set_var(ld, y, k, v, err);
    }
    for (pair = scoped ? scoped->data.mapping.pairs.start : NULL;
         scoped != NULL && pair < scoped->data.mapping.pairs.top && rc == RS_OK; pair++)
        rc = set_var(ld, y, dbt_yaml_node(y, pair->key), dbt_yaml_node(y, pair->value), err);
    return rc;
}

/* ---------------------------------------------------------------- model configs */

/* The configs of one level of the models: tree: '+key's, and plain keys whose value is not a
 * folder (a mapping that is not one of dbt's dict-valued configs). */
static int apply_level(dbt_config *c, dbt_yaml *y, yaml_node_t *node, rs_err *err) {
    yaml_node_pair_t *pair;
    int rc = RS_OK;

    if (node == NULL || node->type != YAML_MAPPING_NODE)
        return RS_OK;
    for (pair = node->data.mapping.pairs.start; pair < node->data.mapping.pairs.top && rc == RS_OK;
         pair++) {
        yaml_node_t *k = dbt_yaml_node(y, pair->key), *v = dbt_yaml_node(y, pair->value);
        const char *key = dbt_yaml_scalar(k);
        if (key == NULL)
            return dbt_yaml_fail(y, k, err, RS_EINVAL, "a key of 'models' must be a string");
        if (key[0] == '+' || v->type != YAML_MAPPING_NODE || dbt_config_is_dict_key(key))
            rc = dbt_config_apply_yaml(c, y, key, v, err);
    }
    return rc;
}

/* The child folder (or model) `name` of a level, when it is one. */
static yaml_node_t *child_level(dbt_yaml *y, yaml_node_t *node, const char *name) {
    yaml_node_t *v = dbt_yaml_get(y, node, name);

    return v != NULL && v->type == YAML_MAPPING_NODE ? v : NULL;
}

/* Settings from the models: tree for the model `model` in folder sub ("staging/core", or ""). */
static int tree_config(dbt_loader *ld, dbt_yaml *y, yaml_node_t *tree, const char *sub,
                       const char *model, dbt_config *c, rs_err *err) {
    yaml_node_t *node;
    char folder[256];
    int rc = apply_level(c, y, tree, err);

    node = rc == RS_OK ? child_level(y, tree, ld->name) : NULL;
    if (node != NULL)
        rc = apply_level(c, y, node, err);
    while (rc == RS_OK && node != NULL && *sub != '\0') {
        size_t len = strcspn(sub, "/");
        if (len >= sizeof(folder))
            return RS_OK; /* no YAML key is that long in practice; nothing deeper applies */
        memcpy(folder, sub, len);
        folder[len] = '\0';
        sub += len + (sub[len] == '/');
        node = child_level(y, node, folder);
        if (node != NULL)
            rc = apply_level(c, y, node, err);
    }
    if (rc == RS_OK && node != NULL) {
        node = child_level(y, node, model);
        if (node != NULL)
            rc = apply_level(c, y, node, err);
    }
    return rc;
}

/* One .sql file: its model with the models: tree's settings. */
static int add_model(dbt_loader *ld, dbt_yaml *proj, yaml_node_t *tree, const char *model_path,
                     const char *rel, rs_err *err) {
    const char *file = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
    const char *sub = rel + strlen(model_path) + 1;
    char *name = strndup(file, strlen(file) - 4), *folders = NULL;
    rs_dbt_model *m;
    long other;
    int rc = RS_OK;
    size_t n = ld->p->n_models;

    if (name == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    other = dbt_find_model(ld, name);
    if (other >= 0) {
        rc = rs_err_set(err, RS_EINVAL,
                        "%s: model name '%s' is already used by %s (a model's name is its file "
                        "name, unique in the project)",
                        rel, name, ld->p->models[other].path);
        free(name);
        return rc;
    }
    if (dbt_grow((void **)&ld->p->models, n, &ld->cap_models, sizeof(*m), err) ||
        dbt_grow((void **)&ld->configs, n, &ld->cap_configs, sizeof(*ld->configs), err)) {
        free(name);
        return RS_ENOMEM;
    }
    m = &ld->p->models[n];
    memset(m, 0, sizeof(*m));
    dbt_config_init(&ld->configs[n]);
    ld->p->n_models++;
    m->name = name;
    m->path = dbt_strdup(rel, err);
    if (m->path == NULL)
        return RS_ENOMEM;
    rc = read_file(ld, rel, &m->sql, &(size_t){0}, err);
    folders = rc == RS_OK ? strndup(sub, (size_t)(file - sub > 0 ? file - sub - 1 : 0)) : NULL;
    if (rc == RS_OK && folders == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc == RS_OK)
        rc = tree_config(ld, proj, tree, folders, name, &ld->configs[n], err);
    free(folders);
    return rc;
}

int dbt_add_snapshot(dbt_loader *ld, const char *rel, const char *name, char *sql, rs_err *err) {
    size_t n = ld->p->n_models;
    long other = dbt_find_model(ld, name);
    rs_dbt_model *m;

    if (other >= 0) {
        free(sql);
        return rs_err_set(err, RS_EINVAL,
                          "%s: snapshot name '%s' is already used by %s (models and snapshots "
                          "share one namespace)",
                          rel, name, ld->p->models[other].path);
    }
    if (dbt_grow((void **)&ld->p->models, n, &ld->cap_models, sizeof(*m), err) ||
        dbt_grow((void **)&ld->configs, n, &ld->cap_configs, sizeof(*ld->configs), err)) {
        free(sql);
        return RS_ENOMEM;
    }
    m = &ld->p->models[n];
    memset(m, 0, sizeof(*m));
    dbt_config_init(&ld->configs[n]);
    ld->p->n_models++;
    m->sql = sql;
    m->name = dbt_strdup(name, err);
    m->path = dbt_strdup(rel, err);
    ld->configs[n].materialized = dbt_strdup("snapshot", err);
    if (m->name == NULL || m->path == NULL || ld->configs[n].materialized == NULL)
        return RS_ENOMEM;
    return RS_OK;
}

/* A template list of strings joined by ", " into *slot (left alone when an item is not a
 * string). */
static int join_tpl_strings(const rs_tpl_value *list, char **slot, rs_err *err) {
    rs_buf joined = RS_BUF_INIT;
    char *text;
    size_t k;

    for (k = 0; k < rs_tpl_value_len(list); k++) {
        const char *s = rs_tpl_value_str(rs_tpl_list_get(list, k), NULL);
        if (s == NULL) {
            rs_buf_free(&joined);
            return RS_OK;
        }
        if (k > 0)
            rs_buf_puts(&joined, ", ");
        rs_buf_puts(&joined, s);
    }
    text = joined.oom ? NULL : rs_buf_detach(&joined);
    rs_buf_free(&joined);
    if (text == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    free(*slot);
    *slot = text;
    return RS_OK;
}

/* dbt_config from the literal arguments of {{ config(...) }}: strings, string lists, bools. */
static int apply_tpl_config(dbt_config *c, const rs_tpl_value *cfg, rs_err *err) {
    static const char *const kinds[] = {"view",      "table",        "incremental",
                                        "ephemeral", "query_lambda", "rollup"};
    size_t i, k;
    int rc = RS_OK;

    for (i = 0; cfg->type == RS_TPL_DICT && i < rs_tpl_value_len(cfg) && rc == RS_OK; i++) {
        const char *key = rs_tpl_dict_key(cfg, i);
        const rs_tpl_value *v = rs_tpl_dict_value(cfg, i);
        const char *s = rs_tpl_value_str(v, NULL);
        char **slot = NULL;
        if (strcmp(key, "materialized") == 0) {
            for (k = 0; s != NULL && k < sizeof(kinds) / sizeof(kinds[0]); k++)
                if (strcmp(s, kinds[k]) == 0)
                    slot = &c->materialized;
        } else if (strcmp(key, "schema") == 0 || strcmp(key, "workspace") == 0) {
            slot = &c->workspace;
        } else if (strcmp(key, "alias") == 0) {
            slot = &c->alias;
        } else if (strcmp(key, "unique_key") == 0) {
            slot = &c->unique_key;
            if (v->type == RS_TPL_LIST)
                rc = join_tpl_strings(v, &c->unique_key, err);
        } else if (strcmp(key, "enabled") == 0 && v->type == RS_TPL_BOOL) {
            c->enabled = v->u.b != 0;
        } else if (strcmp(key, "tags") == 0) {
            for (k = 0; v->type == RS_TPL_LIST && k < rs_tpl_value_len(v) && rc == RS_OK; k++) {
                const char *tag = rs_tpl_value_str(rs_tpl_list_get(v, k), NULL);
                if (tag != NULL && !dbt_strv_has(&c->tags, tag))
                    rc = dbt_strv_push(&c->tags, tag, (size_t)-1, err);
            }
            if (s != NULL && !dbt_strv_has(&c->tags, s))
                rc = dbt_strv_push(&c->tags, s, (size_t)-1, err);
        }
        if (slot != NULL && s != NULL) {
            char *copy = dbt_strdup(s, err);
            if (copy == NULL)
                return RS_ENOMEM;
            free(*slot);
            *slot = copy;
        }
    }
    return rc;
}

/* Read config() out of model idx's SQL in the compiler's parse mode. A template the compiler
 * rejects is still imported (rockset_compile will report it); it only gets a warning. */
static int apply_sql_config(dbt_loader *ld, size_t idx, rs_err *err) {
    rs_dbt_model *m = &ld->p->models[idx];
    rs_tpl *t = NULL;
    rs_tpl_result res;
    rs_err terr;
    char *line;
    int rc = RS_OK;

    memset(&res, 0, sizeof(res));
    rs_err_clear(&terr);
    if (rs_tpl_parse(m->name, m->sql, strlen(m->sql), &t, &terr) == RS_OK &&
        dbt_collect_config(ld, t, &res, &terr) == RS_OK) {
        rc = apply_tpl_config(&ld->configs[idx], &res.config, err);
    } else if (terr.code == RS_ENOMEM) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    } else {
        if (asprintf(&line, "%s: %s; its config() was not read", m->path, terr.msg) < 0)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        else
            rc = dbt_strv_take(&ld->warnings, line, err);
    }
    rs_tpl_result_free(&res);
    rs_tpl_free(t);
    return rc;
}

/* ---------------------------------------------------------------- the project */

static int read_project_file(dbt_loader *ld, dbt_yaml *y, char **text, rs_err *err) {
    yaml_node_t *root;
    const char *name, *profile;
    size_t len;
    int rc = read_file(ld, "dbt_project.yml", text, &len, err);

    if (rc == RS_EIO) {
        rs_err_clear(err);
        return rs_err_set(err, RS_EINVAL,
                          "'%s' is not a dbt project: %s/dbt_project.yml does "
                          "not exist or cannot be read",
                          ld->dir, ld->dir);
    }
    if (rc == RS_OK)
        rc = dbt_yaml_load(y, "dbt_project.yml", *text, len, err);
    if (rc != RS_OK)
        return rc;
    root = dbt_yaml_root(y);
    if (root == NULL || root->type != YAML_MAPPING_NODE)
        return dbt_yaml_fail(y, root, err, RS_EINVAL, "the file must be a mapping with a name");
    name = dbt_yaml_scalar(dbt_yaml_get(y, root, "name"));
    if (name == NULL || *name == '\0')
        return dbt_yaml_fail(y, root, err, RS_EINVAL, "the project needs a 'name'");
    profile = dbt_yaml_scalar(dbt_yaml_get(y, root, "profile"));
    ld->name = dbt_strdup(name, err);
    ld->p->name = dbt_strdup(name, err);
    ld->p->profile = dbt_strdup(profile, err);
    if (ld->name == NULL || ld->p->name == NULL || (profile != NULL && ld->p->profile == NULL))
        return RS_ENOMEM;
    rc = read_vars(ld, y, dbt_yaml_get(y, root, "vars"), err);
    if (rc == RS_OK)
        rc = dbt_yaml_render(ld, y, err);
    return rc;
}

/* Models, then property files, of every model path; then each model's SQL config(). */
static int read_models(dbt_loader *ld, dbt_yaml *proj, const dbt_strv *paths, rs_err *err) {
    yaml_node_t *tree = dbt_yaml_get(proj, dbt_yaml_root(proj), "models");
    dbt_strv files = {0};
    char *text = NULL;
    size_t i, j, len;
    int rc = RS_OK;

    for (i = 0; i < paths->n && rc == RS_OK; i++) {
        rc = walk(ld, paths->v[i], 0, &files, err);
        for (j = 0; j < files.n && rc == RS_OK; j++) {
            if (has_suffix(files.v[j], ".sql"))
                rc = add_model(ld, proj, tree, paths->v[i], files.v[j], err);
            else if (has_suffix(files.v[j], ".py"))
                rc = warn_file(ld, files.v[j], "Python models are not supported; skipped", err);
        }
        for (j = 0; j < files.n && rc == RS_OK; j++) {
            if (!has_suffix(files.v[j], ".yml") && !has_suffix(files.v[j], ".yaml"))
                continue;
            rc = read_file(ld, files.v[j], &text, &len, err);
            if (rc == RS_OK)
                rc = dbt_read_properties(ld, files.v[j], text, len, err);
            free(text);
            text = NULL;
        }
        dbt_strv_free(&files);
    }
    if (rc == RS_OK)
        rc = dbt_read_snapshot_files(ld, err);
    for (i = 0; i < ld->p->n_models && rc == RS_OK; i++)
        rc = apply_sql_config(ld, i, err);
    for (i = 0; i < ld->p->n_models && rc == RS_OK; i++)
        rc = dbt_config_to_model(&ld->configs[i], &ld->p->models[i], err);
    return rc;
}

/* Every .csv file under the seed paths becomes a seed with the seeds: tree's settings
 * (the CSV itself is read later, by read_seed_files, once its property entry is known). */
static int find_seeds(dbt_loader *ld, dbt_yaml *proj, const dbt_strv *paths, rs_err *err) {
    yaml_node_t *tree = dbt_yaml_get(proj, dbt_yaml_root(proj), "seeds");
    dbt_strv files = {0};
    size_t i, j;
    int rc = RS_OK;

    for (i = 0; i < paths->n && rc == RS_OK; i++) {
        rc = walk(ld, paths->v[i], 0, &files, err);
        for (j = 0; j < files.n && rc == RS_OK; j++) {
            const char *rel = files.v[j], *file = strrchr(rel, '/') + 1;
            const char *sub = rel + strlen(paths->v[i]) + 1;
            char *folders;
            if (!has_suffix(rel, ".csv"))
                continue;
            rc = dbt_seed_add(ld, rel, err);
            folders =
                rc == RS_OK ? strndup(sub, (size_t)(file - sub > 0 ? file - sub - 1 : 0)) : NULL;
            if (rc == RS_OK && folders == NULL)
                rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            if (rc == RS_OK)
                rc = tree_config(ld, proj, tree, folders, ld->p->seeds[ld->p->n_seeds - 1].name,
                                 &ld->seed_configs[ld->p->n_seeds - 1], err);
            free(folders);
        }
        dbt_strv_free(&files);
    }
    return rc;
}

/* The property files under the seed paths (seeds: entries), then every seed's CSV. */
static int read_seed_files(dbt_loader *ld, const dbt_strv *paths, const dbt_strv *model_paths,
                           rs_err *err) {
    dbt_strv files = {0};
    char *text = NULL;
    size_t i, j, len;
    int rc = RS_OK;

    for (i = 0; i < paths->n && rc == RS_OK; i++) {
        if (dbt_strv_has(model_paths, paths->v[i]))
            continue; /* already read with the models */
        rc = walk(ld, paths->v[i], 0, &files, err);
        for (j = 0; j < files.n && rc == RS_OK; j++) {
            if (!has_suffix(files.v[j], ".yml") && !has_suffix(files.v[j], ".yaml"))
                continue;
            rc = read_file(ld, files.v[j], &text, &len, err);
            if (rc == RS_OK)
                rc = dbt_read_properties(ld, files.v[j], text, len, err);
            free(text);
            text = NULL;
        }
        dbt_strv_free(&files);
    }
    for (i = 0; i < ld->p->n_seeds && rc == RS_OK; i++) {
        long model = dbt_find_model(ld, ld->p->seeds[i].name);
        if (model >= 0)
            return rs_err_set(err, RS_EINVAL,
                              "%s: seed '%s' has the name of model %s: ref('%s') could not tell "
                              "them apart; rename one of them",
                              ld->p->seeds[i].path, ld->p->seeds[i].name, ld->p->models[model].path,
                              ld->p->seeds[i].name);
        rc = dbt_seed_finish(ld, i, err);
    }
    return rc;
}

int dbt_walk(dbt_loader *ld, const char *rel, dbt_strv *files, rs_err *err) {
    return walk(ld, rel, 0, files, err);
}

int dbt_read_file(dbt_loader *ld, const char *rel, char **text, size_t *len, rs_err *err) {
    return read_file(ld, rel, text, len, err);
}

int dbt_warn_file(dbt_loader *ld, const char *path, const char *text, rs_err *err) {
    return warn_file(ld, path, text, err);
}

static int compare_models(const void *a, const void *b) {
    return strcmp(((const rs_dbt_model *)a)->name, ((const rs_dbt_model *)b)->name);
}

static int compare_sources(const void *a, const void *b) {
    const rs_dbt_source *x = a, *y = b;
    int c = strcmp(x->source, y->source);

    return c != 0 ? c : strcmp(x->name, y->name);
}

static int compare_vars(const void *a, const void *b) {
    return strcmp(((const rs_dbt_var *)a)->name, ((const rs_dbt_var *)b)->name);
}

static int compare_seeds(const void *a, const void *b) {
    return strcmp(((const rs_dbt_seed *)a)->name, ((const rs_dbt_seed *)b)->name);
}

static void sort_project(rs_dbt_project *p) {
    if (p->n_models > 1)
        qsort(p->models, p->n_models, sizeof(*p->models), compare_models);
    if (p->n_sources > 1)
        qsort(p->sources, p->n_sources, sizeof(*p->sources), compare_sources);
    if (p->n_vars > 1)
        qsort(p->vars, p->n_vars, sizeof(*p->vars), compare_vars);
    if (p->n_seeds > 1)
        qsort(p->seeds, p->n_seeds, sizeof(*p->seeds), compare_seeds);
}

/* The test paths' singular tests, their generic/ folders as macro paths, and warnings for
 * snapshots and analyses. */
static int read_test_paths(dbt_loader *ld, dbt_yaml *proj, dbt_strv *macro_paths, rs_err *err) {
    dbt_strv test_paths = {0}, analysis_paths = {0};
    yaml_node_t *root = dbt_yaml_root(proj);
    char *generic;
    size_t i;
    int rc = read_paths(proj, root, "test-paths", "test-paths", "tests", &test_paths, err);

    if (rc == RS_OK)
        rc = read_paths(proj, root, "analysis-paths", "analysis-paths", "analyses", &analysis_paths,
                        err);
    for (i = 0; rc == RS_OK && i < test_paths.n; i++) {
        generic = join_path(test_paths.v[i], "generic", err);
        rc = generic ? dbt_strv_take(macro_paths, generic, err) : RS_ENOMEM;
    }
    if (rc == RS_OK)
        rc = dbt_read_singular_tests(ld, &test_paths, err);
    if (rc == RS_OK)
        rc = dbt_read_analyses(ld, &analysis_paths, err);
    dbt_strv_free(&test_paths);
    dbt_strv_free(&analysis_paths);
    return rc;
}

int rs_dbt_load(const char *dir, const rs_dbt_options *opts, rs_dbt_project **out, rs_err *err) {
    dbt_strv model_paths = {0}, seed_paths = {0}, macro_paths = {0};
    dbt_loader ld;
    dbt_yaml proj;
    yaml_node_t *root;
    char *text = NULL;
    size_t i;
    int rc;

    memset(&ld, 0, sizeof(ld));
    memset(&proj, 0, sizeof(proj));
    ld.dir = dir;
    ld.opts = opts;
    ld.p = calloc(1, sizeof(*ld.p));
    if (ld.p == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = read_project_file(&ld, &proj, &text, err);
    root = dbt_yaml_root(&proj);
    if (rc == RS_OK)
        rc = read_paths(&proj, root, "model-paths", "source-paths", "models", &model_paths, err);
    if (rc == RS_OK)
        rc = read_paths(&proj, root, "seed-paths", "data-paths", "seeds", &seed_paths, err);
    if (rc == RS_OK)
        rc = read_paths(&proj, root, "macro-paths", "macro-paths", "macros", &macro_paths, err);
    ld.seeds_on = opts == NULL || opts->seeds;
    if (rc == RS_OK && ld.seeds_on)
        rc = find_seeds(&ld, &proj, &seed_paths, err);
    if (rc == RS_OK)
        rc = dbt_warn_project_keys(&ld, &proj, err);
    if (rc == RS_OK) /* unit tests read their fixtures there */
        rc = read_paths(&proj, root, "test-paths", "test-paths", "tests", &ld.test_paths, err);
    if (rc == RS_OK)
        rc = read_paths(&proj, root, "snapshot-paths", "snapshot-paths", "snapshots",
                        &ld.snapshot_paths, err);
    if (rc == RS_OK)
        rc = read_models(&ld, &proj, &model_paths, err);
    if (rc == RS_OK && ld.seeds_on)
        rc = read_seed_files(&ld, &seed_paths, &model_paths, err);
    if (rc == RS_OK)
        rc = read_test_paths(&ld, &proj, &macro_paths, err);
    if (rc == RS_OK)
        rc = dbt_read_macros(&ld, &macro_paths, err);
    if (rc == RS_OK)
        rc = dbt_check_generic_tests(&ld, err);
    for (i = 0; i < ld.p->n_models; i++)
        dbt_config_free(&ld.configs[i]);
    free(ld.configs);
    for (i = 0; i < ld.p->n_seeds; i++)
        dbt_config_free(&ld.seed_configs[i]);
    free(ld.seed_configs);
    ld.p->warnings = ld.warnings.v;
    ld.p->n_warnings = ld.warnings.n;
    dbt_yaml_free(&proj);
    dbt_strv_free(&model_paths);
    dbt_strv_free(&seed_paths);
    dbt_strv_free(&macro_paths);
    dbt_strv_free(&ld.test_paths);
    dbt_strv_free(&ld.snapshot_paths);
    free(ld.name);
    free(text);
    if (rc != RS_OK) {
        rs_dbt_free(ld.p);
        return rc;
    }
    sort_project(ld.p);
    *out = ld.p;
    return RS_OK;
}

static void free_model(rs_dbt_model *m) {
    free(m->name);
    free(m->path);
    free(m->sql);
    free(m->materialized);
    free(m->workspace);
    free(m->alias);
    free(m->unique_key);
    free(m->tags_json);
    free(m->config_json);
    free(m->description);
}

void rs_dbt_free(rs_dbt_project *p) {
    size_t i;

    if (p == NULL)
        return;
    for (i = 0; i < p->n_models; i++)
        free_model(&p->models[i]);
    for (i = 0; i < p->n_sources; i++) {
        free(p->sources[i].source);
        free(p->sources[i].name);
        free(p->sources[i].workspace);
        free(p->sources[i].collection);
    }
    for (i = 0; i < p->n_vars; i++) {
        free(p->vars[i].name);
        free(p->vars[i].value_json);
    }
    for (i = 0; i < p->n_tests; i++) {
        free(p->tests[i].model);
        free(p->tests[i].column);
        free(p->tests[i].test);
        free(p->tests[i].arg_json);
        free(p->tests[i].name);
        free(p->tests[i].config_json);
        free(p->tests[i].sql);
        free(p->tests[i].pos);
    }
    for (i = 0; i < p->n_seeds; i++) {
        rs_dbt_seed_clear(&p->seeds[i]);
        dbt_seed_free_settings(&p->seeds[i]);
        free(p->seeds[i].name);
        free(p->seeds[i].path);
    }
    for (i = 0; i < p->n_unit_tests; i++)
        dbt_unit_test_clear(&p->unit_tests[i]);
    free(p->unit_tests);
    for (i = 0; i < p->n_hooks; i++) {
        free(p->hooks[i].kind);
        free(p->hooks[i].sql);
    }
    free(p->hooks);
    for (i = 0; i < p->n_analyses; i++) {
        free(p->analyses[i].name);
        free(p->analyses[i].path);
        free(p->analyses[i].sql);
    }
    free(p->analyses);
    for (i = 0; i < p->n_warnings; i++)
        free(p->warnings[i]);
    free(p->models);
    free(p->sources);
    free(p->vars);
    free(p->tests);
    free(p->seeds);
    dbt_macros_free(p);
    free(p->warnings);
    free(p->name);
    free(p->profile);
    free(p);
}
