/*
 * dbtimport_tests.c - the parts of a dbt project around its tests, and what is left out:
 *   - singular tests: every .sql file under the test paths (dbt_project.yml `test-paths`,
 *     default [tests]) is one test: name = the file stem, sql = its text, test "singular",
 *     model = the first model it ref()s (read in the template compiler's parse mode; "" when
 *     it refs none or cannot be read, and rockset_test then reports the template's error).
 *     Files under <test path>/generic/ hold {% test %} macros, as in dbt: they are read as
 *     macro files instead (rs_dbt_load adds that folder to the macro paths).
 *   - generic tests whose macro is not imported (a package test of a package that is not
 *     under dbt_packages/, a typo): dropped, each with a warning naming where it was written.
 *   - analyses (analysis-paths): each .sql file one analysis (name = the file stem, sql = its
 *     text), which rockset_compile compiles and nothing runs.
 *   - on-run-start / on-run-end of dbt_project.yml: a string or a list, each one hook (its SQL
 *     kept as written, a template rendered when it runs).
 *   - dbt_project.yml keys that are not read: the config trees of other resources (seeds:,
 *     snapshots:, tests:, data_tests:, sources:, ...) are named in a warning; keys that change
 *     nothing here (version, clean-targets, ...) are not.
 */
#include "dbtimport_int.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix) {
    size_t n = strlen(s), k = strlen(suffix);

    return n > k && strcmp(s + n - k, suffix) == 0;
}

/* The stem of path: "tests/x/assert_a.sql" -> "assert_a" (malloc'd). */
static char *file_stem(const char *path, rs_err *err) {
    const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
    const char *dot = strrchr(base, '.');
    char *stem = strndup(base, dot ? (size_t)(dot - base) : strlen(base));

    if (stem == NULL)
        rs_err_set(err, RS_ENOMEM, "out of memory");
    return stem;
}

/* The first model text ref()s, or "" (parse mode: no host needed). */
static char *first_ref(const char *path, const char *text, size_t len, rs_err *err) {
    rs_tpl *tpl = NULL;
    rs_tpl_result res;
    rs_err ignored;
    char *model;

    memset(&res, 0, sizeof(res));
    rs_err_clear(&ignored);
    if (rs_tpl_parse_as("test", path, text, len, &tpl, &ignored) == RS_OK)
        rs_tpl_collect(tpl, NULL, &res, &ignored);
    model = dbt_strdup(res.n_refs > 0 ? res.refs[0] : "", err);
    rs_tpl_result_free(&res);
    rs_tpl_free(tpl);
    return model;
}

static int add_singular(dbt_loader *ld, const char *path, rs_err *err) {
    rs_dbt_test *t;
    char *text = NULL;
    size_t len;
    int rc = dbt_read_file(ld, path, &text, &len, err);

    if (rc == RS_OK)
        rc = dbt_grow((void **)&ld->p->tests, ld->p->n_tests, &ld->cap_tests, sizeof(*t), err);
    if (rc != RS_OK) {
        free(text);
        return rc;
    }
    t = &ld->p->tests[ld->p->n_tests++];
    memset(t, 0, sizeof(*t));
    t->sql = text;
    t->test = dbt_strdup("singular", err);
    t->name = file_stem(path, err);
    t->pos = dbt_strdup(path, err);
    t->model = first_ref(path, text, len, err);
    if (t->test == NULL || t->name == NULL || t->pos == NULL || t->model == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return RS_OK;
}

/* Is path under <test path>/generic/ or <test path>/fixtures/ (unit tests' fixtures)? */
static int in_generic(const char *test_path, const char *path) {
    size_t n = strlen(test_path);

    return strncmp(path, test_path, n) == 0 &&
           (strncmp(path + n, "/generic/", 9) == 0 || strncmp(path + n, "/fixtures/", 10) == 0);
}

int dbt_read_singular_tests(dbt_loader *ld, const dbt_strv *paths, rs_err *err) {
    dbt_strv files = {0};
    size_t i, j;
    int rc = RS_OK;

    for (i = 0; i < paths->n && rc == RS_OK; i++) {
        rc = dbt_walk(ld, paths->v[i], &files, err);
        for (j = 0; j < files.n && rc == RS_OK; j++)
            if (ends_with(files.v[j], ".sql") && !in_generic(paths->v[i], files.v[j]))
                rc = add_singular(ld, files.v[j], err);
        dbt_strv_free(&files);
    }
    return rc;
}

int dbt_read_analyses(dbt_loader *ld, const dbt_strv *paths, rs_err *err) {
    dbt_strv files = {0};
    size_t i, j, len;
    int rc = RS_OK;

    for (i = 0; i < paths->n && rc == RS_OK; i++) {
        rc = dbt_walk(ld, paths->v[i], &files, err);
        for (j = 0; j < files.n && rc == RS_OK; j++) {
            const char *file = strrchr(files.v[j], '/') ? strrchr(files.v[j], '/') + 1 : files.v[j];
            rs_dbt_analysis a = {NULL, NULL, NULL};
            if (!ends_with(files.v[j], ".sql"))
                continue;
            a.name = strndup(file, strlen(file) - 4);
            a.path = dbt_strdup(files.v[j], err);
            rc = a.name && a.path ? dbt_read_file(ld, files.v[j], &a.sql, &len, err) : RS_ENOMEM;
            if (rc == RS_OK && dbt_grow((void **)&ld->p->analyses, ld->p->n_analyses,
                                        &ld->cap_analyses, sizeof(a), err) != RS_OK)
                rc = RS_ENOMEM;
            if (rc == RS_OK) {
                ld->p->analyses[ld->p->n_analyses++] = a;
            } else {
                free(a.name);
                free(a.path);
                free(a.sql);
            }
        }
        dbt_strv_free(&files);
    }
    return rc;
}

/* ---------------------------------------------------------------- generic tests */

static int builtin(const char *test) {
    return strcmp(test, "unique") == 0 || strcmp(test, "not_null") == 0 ||
           strcmp(test, "accepted_values") == 0 || strcmp(test, "relationships") == 0 ||
           strcmp(test, "singular") == 0;
}

/* Is the macro of generic test `test` ("name" or "pkg.name") imported: {% test name %} or
 * {% macro test_name %} in that package (for a bare name: the project's, else any installed
 * package's, as dbt looks)? */
static int has_test_macro(const rs_dbt_project *p, const char *test) {
    const char *dot = strchr(test, '.'), *name = dot ? dot + 1 : test;
    size_t pkg_len = dot ? (size_t)(dot - test) : 0, i;

    for (i = 0; i < p->n_macros; i++) {
        const rs_dbt_macro *m = &p->macros[i];
        if (dot != NULL &&
            (strlen(m->package) != pkg_len || strncmp(m->package, test, pkg_len) != 0))
            continue;
        if ((m->is_test && strcmp(m->name, name) == 0) ||
            (!m->is_test && strncmp(m->name, "test_", 5) == 0 && strcmp(m->name + 5, name) == 0))
            return 1;
    }
    return 0;
}

static void free_test(rs_dbt_test *t) {
    free(t->model);
    free(t->column);
    free(t->test);
    free(t->arg_json);
    free(t->name);
    free(t->config_json);
    free(t->sql);
    free(t->pos);
}

/* The warning about test t, dropped for want of its macro. */
static int warn_no_macro(dbt_loader *ld, const rs_dbt_test *t, rs_err *err) {
    const char *dot = strchr(t->test, '.');
    char text[600];

    if (dot != NULL)
        snprintf(text, sizeof(text),
                 "test '%s' on '%s': package '%.*s' has no test '%s' (is it installed under "
                 "dbt_packages/?); skipped",
                 t->test, t->model, (int)(dot - t->test), t->test, dot + 1);
    else
        snprintf(text, sizeof(text),
                 "test '%s' on '%s': no {%% test %s %%} in the project's macros or its "
                 "packages; skipped",
                 t->test, t->model, t->test);
    return dbt_warn_file(ld, t->pos, text, err);
}

int dbt_check_generic_tests(dbt_loader *ld, rs_err *err) {
    size_t i, kept = 0;
    int rc = RS_OK;

    for (i = 0; i < ld->p->n_tests; i++) {
        rs_dbt_test *t = &ld->p->tests[i];
        if (builtin(t->test) || has_test_macro(ld->p, t->test)) {
            ld->p->tests[kept++] = *t;
            continue;
        }
        if (rc == RS_OK)
            rc = warn_no_macro(ld, t, err);
        free_test(t);
    }
    ld->p->n_tests = kept;
    return rc;
}

/* ---------------------------------------------------------------- dbt_project.yml keys */

static int add_hook(dbt_loader *ld, const char *kind, const char *sql, rs_err *err) {
    rs_dbt_hook h = {dbt_strdup(kind, err), dbt_strdup(sql, err)};

    if (h.kind == NULL || h.sql == NULL ||
        dbt_grow((void **)&ld->p->hooks, ld->p->n_hooks, &ld->cap_hooks, sizeof(h), err)) {
        free(h.kind);
        free(h.sql);
        return RS_ENOMEM;
    }
    ld->p->hooks[ld->p->n_hooks++] = h;
    return RS_OK;
}

/* on-run-start / on-run-end: a string or a list of strings, each one hook. */
static int read_hooks(dbt_loader *ld, dbt_yaml *y, const char *kind, yaml_node_t *v, rs_err *err) {
    dbt_strv sqls = {0};
    int rc = dbt_yaml_strings(y, v, kind, &sqls, err);

    for (size_t i = 0; rc == RS_OK && i < sqls.n; i++)
        rc = add_hook(ld, kind, sqls.v[i], err);
    dbt_strv_free(&sqls);
    return rc;
}

int dbt_warn_project_keys(dbt_loader *ld, dbt_yaml *y, rs_err *err) {
    static const char *const read[] = {
        "name", "profile", "model-paths", "source-paths", "seed-paths", "data-paths", "macro-paths",
        "test-paths", "snapshot-paths", "analysis-paths", "vars", "models", "seeds",
        /* no effect on what rockset_ext does */
        "version", "config-version", "docs-paths", "asset-paths", "target-path", "log-path",
        "packages-install-path", "clean-targets", "require-dbt-version", "quoting", "query-comment",
        "dispatch", "flags"};
    yaml_node_t *root = dbt_yaml_root(y);
    yaml_node_pair_t *pair;
    size_t i;
    int rc = RS_OK, known;

    for (pair = root->data.mapping.pairs.start; rc == RS_OK && pair < root->data.mapping.pairs.top;
         pair++) {
        yaml_node_t *k = dbt_yaml_node(y, pair->key), *v = dbt_yaml_node(y, pair->value);
        const char *key = dbt_yaml_scalar(k);
        if (key == NULL || dbt_yaml_is_null(v) ||
            (v->type == YAML_MAPPING_NODE &&
             v->data.mapping.pairs.top == v->data.mapping.pairs.start) ||
            (v->type == YAML_SEQUENCE_NODE &&
             v->data.sequence.items.top == v->data.sequence.items.start))
            continue; /* empty: nothing is lost */
        for (i = 0, known = 0; i < sizeof(read) / sizeof(read[0]) && !known; i++)
            known = strcmp(key, read[i]) == 0;
        if (!known && (strcmp(key, "on-run-start") == 0 || strcmp(key, "on-run-end") == 0))
            rc = read_hooks(ld, y, key, v, err);
        else if (!known)
            rc = dbt_warn(ld, y, k, err, "'%s' is not read by rockset_import_dbt; skipped", key);
    }
    return rc;
}
