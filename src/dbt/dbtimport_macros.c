/*
 * dbtimport_macros.c - the macros of a dbt project (dbtimport.h): every .sql file under the
 * macro paths (package "") and under dbt_packages/<pkg>/macros/ (package <pkg>), split into
 * macros by the template compiler (rs_tpl_macro_defs), so that what is imported is what
 * the compiler will later accept.
 *
 * A file that does not parse is skipped with a warning naming the error (one bad file of an
 * installed package should not stop an import); so is a second macro of the same package and
 * name (dbt refuses those too).
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

static const rs_dbt_macro *find_macro(const rs_dbt_project *p, const char *package,
                                      const char *name, int is_test) {
    size_t i;

    for (i = 0; i < p->n_macros; i++) {
        const rs_dbt_macro *m = &p->macros[i];
        if (m->is_test == is_test && strcmp(m->package, package) == 0 && strcmp(m->name, name) == 0)
            return m;
    }
    return NULL;
}

static int add_macro(dbt_loader *ld, const char *package, const char *path,
                     const rs_tpl_macro_def *def, rs_err *err) {
    const rs_dbt_macro *old = find_macro(ld->p, package, def->name, def->is_test);
    rs_dbt_macro *m;
    char text[600];

    if (old != NULL) {
        snprintf(text, sizeof(text), "line %d: %s '%s%s%s' is already defined in %s; skipped",
                 def->line, def->is_test ? "test" : "macro", package, *package ? "." : "",
                 def->name, old->path);
        return dbt_warn_file(ld, path, text, err);
    }
    if (dbt_grow((void **)&ld->p->macros, ld->p->n_macros, &ld->cap_macros, sizeof(*m), err))
        return RS_ENOMEM;
    m = &ld->p->macros[ld->p->n_macros];
    memset(m, 0, sizeof(*m));
    m->package = dbt_strdup(package, err);
    m->name = dbt_strdup(def->name, err);
    m->args = dbt_strdup(def->args, err);
    m->body = dbt_strdup(def->body, err);
    m->path = dbt_strdup(path, err);
    m->is_test = def->is_test;
    ld->p->n_macros++; /* counted even when a copy failed, so dbt_macros_free frees the rest */
    if (!m->package || !m->name || !m->args || !m->body || !m->path)
        return RS_ENOMEM;
    return RS_OK;
}

/* One macro file. */
static int read_macro_file(dbt_loader *ld, const char *package, const char *path, rs_err *err) {
    rs_tpl_macro_def *defs = NULL;
    size_t len = 0, n = 0, i;
    char *text = NULL;
    rs_err perr;
    int rc = dbt_read_file(ld, path, &text, &len, err);

    if (rc != RS_OK)
        return rc;
    rs_err_clear(&perr);
    rc = rs_tpl_macro_defs(path, text, len, &defs, &n, &perr);
    if (rc == RS_ENOMEM) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    } else if (rc != RS_OK) {
        char msg[600];
        snprintf(msg, sizeof(msg), "not imported: %s", perr.msg);
        rc = dbt_warn_file(ld, path, msg, err);
    }
    for (i = 0; rc == RS_OK && i < n; i++)
        rc = add_macro(ld, package, path, &defs[i], err);
    rs_tpl_macro_defs_free(defs, n);
    free(text);
    return rc;
}

/* dbt_packages/<pkg>/macros/...: the package's name is its folder's. */
static int package_of(const char *path, char *pkg, size_t size) {
    const char *start = path + strlen("dbt_packages/"), *slash = strchr(start, '/');

    if (slash == NULL || strncmp(slash, "/macros/", 8) != 0 || (size_t)(slash - start) >= size)
        return 0;
    snprintf(pkg, size, "%.*s", (int)(slash - start), start);
    return 1;
}

static int compare_macros(const void *a, const void *b) {
    const rs_dbt_macro *x = a, *y = b;
    int c = strcmp(x->package, y->package);

    if (c == 0)
        c = strcmp(x->name, y->name);
    return c != 0 ? c : x->is_test - y->is_test;
}

int dbt_read_macros(dbt_loader *ld, const dbt_strv *paths, rs_err *err) {
    dbt_strv files = {0};
    char pkg[128];
    size_t i, j;
    int rc = RS_OK;

    for (i = 0; i < paths->n && rc == RS_OK; i++) {
        rc = dbt_walk(ld, paths->v[i], &files, err);
        for (j = 0; j < files.n && rc == RS_OK; j++)
            if (ends_with(files.v[j], ".sql"))
                rc = read_macro_file(ld, "", files.v[j], err);
        dbt_strv_free(&files);
    }
    if (rc == RS_OK)
        rc = dbt_walk(ld, "dbt_packages", &files, err);
    for (j = 0; j < files.n && rc == RS_OK; j++)
        if (ends_with(files.v[j], ".sql") && package_of(files.v[j], pkg, sizeof(pkg)))
            rc = read_macro_file(ld, pkg, files.v[j], err);
    dbt_strv_free(&files);
    if (rc == RS_OK && ld->p->n_macros > 1)
        qsort(ld->p->macros, ld->p->n_macros, sizeof(*ld->p->macros), compare_macros);
    return rc;
}

void dbt_macros_free(rs_dbt_project *p) {
    size_t i;

    for (i = 0; i < p->n_macros; i++) {
        free(p->macros[i].package);
        free(p->macros[i].name);
        free(p->macros[i].args);
        free(p->macros[i].body);
        free(p->macros[i].path);
    }
    free(p->macros);
    p->macros = NULL;
    p->n_macros = 0;
}
