/*
 * tpl_macro.c - macros: {% macro %} in a template, a library of macros shared by every template
 * of a project (rs_tpl_macros), calls with positional and keyword arguments, return(),
 * {% call %} with caller(), pkg.name(...), adapter.dispatch(...) and a few dbt helpers
 * (exceptions.raise_compiler_error, exceptions.warn, log).
 *
 * A call runs the macro's body in a new frame whose parent is the macro's closure: the
 * template's top frame for a macro written in the template (its top-level variables are
 * visible, as in Jinja), nothing for a library macro (only its arguments and the host's names:
 * this, target, var(), ref() ...), the call site's frame for a {% call %} body. The body's
 * output, captured, is the result, unless the body calls return(x): that unwinds (as
 * TPL_ERETURN) to the call, which gives x instead.
 *
 * Lifetimes: a macro value points into an AST (a template's or the library's) that outlives
 * the render, and at frames that live as long as the render (the top frame) or as long as a
 * {% call %} block; a caller() value is marked dead when its block ends, so one smuggled out
 * (e.g. into a namespace) fails cleanly instead of reaching a freed frame. Macros defined
 * inside another macro's body close over the same root as that macro, never over a loop or
 * macro frame.
 *
 * Thread-safety: an rs_tpl_macros is read-only once built; renders on several threads may share
 * it (macro values made from it belong to the render that made them).
 */
#include "tpl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tpl_lib_macro {
    char *package; /* NULL: the project's own */
    char *name;
    rs_tpl *tpl; /* tpl->body[0] is the N_MACRO, parameters and body */
};

struct rs_tpl_macros {
    tpl_lib_macro *v;
    size_t n, cap;
};

static int nomem(tpl_run *run) {
    return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
}

/* ---------------------------------------------------------------- the library */

static int is_identifier(const char *s) {
    size_t i;

    if (s == NULL || s[0] == '\0' || (s[0] >= '0' && s[0] <= '9'))
        return 0;
    for (i = 0; s[i]; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_'))
            return 0;
    }
    return 1;
}

static int same_package(const char *a, const char *b) {
    if (a == NULL || b == NULL)
        return a == b;
    return strcmp(a, b) == 0;
}

static const tpl_lib_macro *lib_find(const rs_tpl_macros *lib, const char *package,
                                     const char *name) {
    size_t i;

    for (i = 0; lib != NULL && i < lib->n; i++) {
        if (same_package(lib->v[i].package, package) && strcmp(lib->v[i].name, name) == 0)
            return &lib->v[i];
    }
    return NULL;
}

static int lib_has_package(const rs_tpl_macros *lib, const char *package) {
    size_t i;

    for (i = 0; lib != NULL && i < lib->n; i++) {
        if (lib->v[i].package != NULL && strcmp(lib->v[i].package, package) == 0)
            return 1;
    }
    return 0;
}

int rs_tpl_macros_has(const rs_tpl_macros *lib, const char *package, const char *name) {
    if (package != NULL && package[0] == '\0')
        package = NULL;
    return lib_find(lib, package, name) != NULL;
}

const char *rs_tpl_macros_package_of(const rs_tpl_macros *lib, const char *name) {
    size_t i;

    for (i = 0; lib != NULL && i < lib->n; i++) {
        const char *pkg = lib->v[i].package;
        if (pkg != NULL && strcmp(pkg, "dbt") != 0 && strcmp(lib->v[i].name, name) == 0)
            return pkg;
    }
    return NULL;
}

int rs_tpl_macros_new(rs_tpl_macros **out, rs_err *err) {
    int rc;

    *out = calloc(1, sizeof(**out));
    if (*out == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = tpl_add_dbt_macros(*out, err);
    if (rc != RS_OK) {
        rs_tpl_macros_free(*out);
        *out = NULL;
    }
    return rc;
}

void rs_tpl_macros_free(rs_tpl_macros *lib) {
    size_t i;

    if (lib == NULL)
        return;
    for (i = 0; i < lib->n; i++) {
        free(lib->v[i].package);
        free(lib->v[i].name);
        rs_tpl_free(lib->v[i].tpl);
    }
    free(lib->v);
    free(lib);
}

size_t rs_tpl_macros_count(const rs_tpl_macros *lib) {
    return lib ? lib->n : 0;
}

/* The signature "{% macro name(args) %}{% endmacro %}" parsed, then the body parsed on its own
 * (so that positions in it are the body text's own) and moved under the macro node. */
static int parse_library_macro(const char *full, const char *name, const char *args,
                               const char *body, rs_tpl **out, rs_err *err) {
    rs_tpl *sig = NULL, *bt = NULL;
    rs_buf text = RS_BUF_INIT;
    tpl_node *m;
    int rc;

    rs_buf_printf(&text, "{%% macro %s(%s) %%}{%% endmacro %%}", name, args ? args : "");
    if (text.oom) {
        rs_buf_free(&text);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    rc = tpl_template_parse("macro", full, rs_buf_cstr(&text), text.len, &sig, err);
    rs_buf_free(&text);
    if (rc == RS_OK && (sig->n_body != 1 || sig->body[0]->kind != N_MACRO))
        rc = rs_err_set(err, RS_EINVAL, "macro '%s': bad argument list '%s'", full, args);
    if (rc == RS_OK)
        rc = tpl_template_parse("macro", full, body ? body : "", body ? strlen(body) : 0, &bt, err);
    if (rc != RS_OK) {
        rs_tpl_free(sig);
        return rc;
    }
    m = sig->body[0];
    m->body = bt->body;
    m->n_body = bt->n_body;
    bt->body = NULL;
    bt->n_body = 0;
    rs_tpl_free(bt);
    m->ival |= tpl_macro_flags(m);
    *out = sig;
    return RS_OK;
}

int rs_tpl_macros_add(rs_tpl_macros *lib, const char *package, const char *name, const char *args,
                      const char *body, rs_err *err) {
    char full[300];
    tpl_lib_macro e, *grown;
    const tpl_lib_macro *old;
    int rc;

    if (package != NULL && package[0] == '\0')
        package = NULL;
    snprintf(full, sizeof(full), "%s%s%s", package ? package : "", package ? "." : "",
             name ? name : "");
    if (!is_identifier(name) || (package != NULL && !is_identifier(package)))
        return rs_err_set(err, RS_EINVAL, "macro '%s': names must be identifiers", full);
    memset(&e, 0, sizeof(e));
    rc = parse_library_macro(full, name, args, body, &e.tpl, err);
    if (rc != RS_OK)
        return rc;
    e.name = strdup(name);
    e.package = package ? strdup(package) : NULL;
    if (e.name == NULL || (package && e.package == NULL)) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    } else if ((old = lib_find(lib, package, name)) != NULL) {
        /* A later definition replaces an earlier one: a project may redefine dbt.x. */
        tpl_lib_macro *slot = &lib->v[old - lib->v];
        free(slot->package);
        free(slot->name);
        rs_tpl_free(slot->tpl);
        *slot = e;
        return RS_OK;
    } else if (lib->n == lib->cap) {
        grown = realloc(lib->v, (lib->cap ? lib->cap * 2 : 16) * sizeof(*grown));
        if (grown == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        else {
            lib->v = grown;
            lib->cap = lib->cap ? lib->cap * 2 : 16;
        }
    }
    if (rc != RS_OK) {
        free(e.name);
        free(e.package);
        rs_tpl_free(e.tpl);
        return rc;
    }
    lib->v[lib->n++] = e;
    return RS_OK;
}

/* ---------------------------------------------------------------- macro files */

void rs_tpl_macro_defs_free(rs_tpl_macro_def *defs, size_t n) {
    size_t i;

    for (i = 0; defs != NULL && i < n; i++) {
        free(defs[i].name);
        free(defs[i].args);
        free(defs[i].body);
    }
    free(defs);
}

int rs_tpl_macro_defs(const char *file, const char *text, size_t len, rs_tpl_macro_def **out,
                      size_t *n_out, rs_err *err) {
    rs_tpl *t = NULL;
    rs_tpl_macro_def *defs;
    size_t i, n = 0;
    int rc = tpl_template_parse("file", file ? file : "", text, len, &t, err);

    if (rc != RS_OK)
        return rc;
    defs = calloc(t->n_body ? t->n_body : 1, sizeof(*defs));
    if (defs == NULL)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    for (i = 0; rc == RS_OK && i < t->n_body; i++) {
        const tpl_node *m = t->body[i];
        if (m->kind != N_MACRO)
            continue; /* text between macros, {% set %}s at the top of a file: not kept */
        defs[n].name = strdup(m->str);
        defs[n].args = strndup(text + m->args_begin, m->args_end - m->args_begin);
        defs[n].body = strndup(text + m->body_begin, m->body_end - m->body_begin);
        defs[n].is_test = (m->ival & TPL_MACRO_TEST) != 0;
        defs[n].line = m->line;
        if (defs[n].name == NULL || defs[n].args == NULL || defs[n].body == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        n++;
    }
    rs_tpl_free(t);
    if (rc != RS_OK) {
        rs_tpl_macro_defs_free(defs, n);
        return rc;
    }
    *out = defs;
    *n_out = n;
    return RS_OK;
}

/* ---------------------------------------------------------------- macro values */

static int make_macro(tpl_run *run, const char *name, const tpl_callable *c, rs_tpl_value *out) {
    return tpl_macro_value(out, name, c) == RS_OK ? RS_OK : nomem(run);
}

static int library_value(tpl_run *run, const tpl_lib_macro *e, rs_tpl_value *out) {
    tpl_callable c;
    char full[300];

    memset(&c, 0, sizeof(c));
    c.def = e->tpl->body[0];
    c.tpl = e->tpl;
    c.package = e->package;
    c.live = 1;
    snprintf(full, sizeof(full), "%s%s%s", e->package ? e->package : "", e->package ? "." : "",
             e->name);
    return make_macro(run, full, &c, out);
}

int tpl_exec_macro_def(tpl_run *run, const tpl_node *n) {
    tpl_callable c;
    rs_tpl_value v;
    char name[300];
    int rc;

    memset(&c, 0, sizeof(c));
    c.def = n;
    c.tpl = run->t;
    c.closure = run->def_root;
    c.def_root = run->def_root;
    c.package = run->package;
    c.live = 1;
    snprintf(name, sizeof(name), "%s%s", (n->ival & TPL_MACRO_TEST) ? "test_" : "", n->str);
    rc = make_macro(run, name, &c, &v);
    return rc == RS_OK ? tpl_frame_set(run, run->frame, name, v) : rc;
}

int tpl_find_macro(tpl_run *run, const char *name, rs_tpl_value *out) {
    const rs_tpl_macros *lib = run->env ? run->env->macros : NULL;
    const tpl_lib_macro *e = NULL;

    if (run->package != NULL)
        e = lib_find(lib, run->package, name);
    if (e == NULL)
        e = lib_find(lib, NULL, name);
    if (e == NULL)
        e = lib_find(lib, "dbt", name);
    if (e == NULL)
        return RS_ENOTFOUND;
    return library_value(run, e, out);
}

/* ---------------------------------------------------------------- calling */

/* Parameters from positional and keyword arguments (a mismatch is reported at the call site, in
 * the calling template site); defaults are evaluated in the new frame
 * (so a default may use an earlier parameter). Extra arguments go to varargs / kwargs when the
 * body reads them. */
static int bind_params(tpl_run *run, const rs_tpl *site, const tpl_node *at, const char *name,
                       const tpl_node *def, const rs_tpl_args *args, tpl_frame *f) {
    int flags = def->kind == N_MACRO ? (int)def->ival : 0;
    rs_tpl_value extra_pos = rs_tpl_none(), extra_kw = rs_tpl_none(), v;
    size_t i, k, n = def->n_kids;
    int rc = RS_OK;

    if (args->n_pos > n && !(flags & TPL_MACRO_VARARGS))
        return tpl_error_at(run->err, RS_EINVAL, site->label, at->line, at->column,
                            "macro '%s' takes at most %zu argument%s (%zu given)", name, n,
                            n == 1 ? "" : "s", args->n_pos);
    for (k = 0; k < args->n_kw; k++) {
        for (i = 0; i < n && strcmp(def->kids[i]->str, args->kw_names[k]) != 0; i++)
            ;
        if (i < n && i < args->n_pos)
            return tpl_error_at(run->err, RS_EINVAL, site->label, at->line, at->column,
                                "macro '%s' got multiple values for argument '%s'", name,
                                args->kw_names[k]);
        if (i == n && !(flags & TPL_MACRO_KWARGS))
            return tpl_error_at(run->err, RS_EINVAL, site->label, at->line, at->column,
                                "macro '%s' got an unexpected keyword argument '%s'", name,
                                args->kw_names[k]);
    }
    for (i = 0; rc == RS_OK && i < n; i++) {
        const tpl_node *param = def->kids[i];
        const rs_tpl_value *given = i < args->n_pos ? &args->pos[i] : NULL;
        for (k = 0; given == NULL && k < args->n_kw; k++) {
            if (strcmp(args->kw_names[k], param->str) == 0)
                given = &args->kw_values[k];
        }
        if (given != NULL)
            v = rs_tpl_value_copy(given);
        else if (param->a != NULL)
            rc = tpl_eval_expr(run, param->a, &v);
        else
            rc = tpl_error_at(run->err, RS_EINVAL, site->label, at->line, at->column,
                              "macro '%s' is missing argument '%s'", name, param->str);
        if (rc == RS_OK)
            rc = tpl_frame_set(run, f, param->str, v);
    }
    if (rc == RS_OK && (flags & TPL_MACRO_VARARGS)) {
        rc = rs_tpl_list(&extra_pos) == RS_OK ? RS_OK : nomem(run);
        for (i = n; rc == RS_OK && i < args->n_pos; i++)
            rc = rs_tpl_list_append(&extra_pos, rs_tpl_value_copy(&args->pos[i])) == RS_OK
                     ? RS_OK
                     : nomem(run);
        rc = rc == RS_OK ? tpl_frame_set(run, f, "varargs", extra_pos) : rc;
        if (rc != RS_OK)
            rs_tpl_value_free(&extra_pos);
    }
    if (rc == RS_OK && (flags & TPL_MACRO_KWARGS)) {
        rc = rs_tpl_dict(&extra_kw) == RS_OK ? RS_OK : nomem(run);
        for (k = 0; rc == RS_OK && k < args->n_kw; k++) {
            for (i = 0; i < n && strcmp(def->kids[i]->str, args->kw_names[k]) != 0; i++)
                ;
            if (i == n && rs_tpl_dict_set(&extra_kw, args->kw_names[k],
                                          rs_tpl_value_copy(&args->kw_values[k])) != RS_OK)
                rc = nomem(run);
        }
        rc = rc == RS_OK ? tpl_frame_set(run, f, "kwargs", extra_kw) : rc;
        if (rc != RS_OK)
            rs_tpl_value_free(&extra_kw);
    }
    return rc;
}

/* Name the call site when an error comes out of a macro: the message keeps the innermost
 * position (where it went wrong), this adds where the macro was called from. */
static void note_call_site(tpl_run *run, const rs_tpl *caller_tpl, const tpl_node *at, int rc) {
    char site[300];
    size_t len, slen;

    if (rc == RS_OK || rc == RS_ENOMEM || rc == TPL_ERETURN)
        return;
    snprintf(site, sizeof(site), " (called from %s line %d column %d)", caller_tpl->label, at->line,
             at->column);
    len = strlen(run->err->msg);
    slen = strlen(site);
    if (len >= slen && strcmp(run->err->msg + len - slen, site) == 0)
        return; /* a recursive call: once is enough */
    rs_err_append(run->err, "%s", site);
}

int tpl_call_macro(tpl_run *run, const tpl_node *at, const rs_tpl_value *macro,
                   const rs_tpl_args *args, const rs_tpl_value *caller, rs_tpl_value *out) {
    const tpl_callable *c = tpl_macro_of(macro);
    const char *name = tpl_macro_name(macro);
    const rs_tpl *saved_t = run->t;
    tpl_frame *saved_frame = run->frame, *saved_root = run->def_root;
    const char *saved_package = run->package;
    tpl_frame frame = {NULL, 0, 0, NULL};
    int rc, in_body = 0;

    if (c == NULL)
        return tpl_run_error(run, at, RS_EINVAL, "%s is not callable",
                             rs_tpl_type_name(macro->type));
    if (!c->live)
        return tpl_run_error(run, at, RS_EINVAL,
                             "caller() of a {%% call %%} block that has ended cannot be called");
    if (run->call_depth >= RS_TPL_MAX_CALLS)
        return tpl_run_error(run, at, RS_EINVAL, "macro calls nested more than %d deep",
                             RS_TPL_MAX_CALLS);
    frame.parent = c->closure;
    run->t = c->tpl;
    run->frame = &frame;
    run->def_root = c->def_root;
    run->package = c->package;
    run->call_depth++;
    rc = bind_params(run, saved_t, at, name, c->def, args, &frame);
    if (rc == RS_OK && caller != NULL)
        rc = tpl_frame_set(run, &frame, "caller", rs_tpl_value_copy(caller));
    if (rc == RS_OK) {
        rc = tpl_capture(run, c->def->body, c->def->n_body, out);
        in_body = 1;
    }
    if (rc == TPL_ERETURN) {
        *out = run->returned;
        run->returned = rs_tpl_none();
        rc = RS_OK;
    }
    run->call_depth--;
    run->t = saved_t;
    run->frame = saved_frame;
    run->def_root = saved_root;
    run->package = saved_package;
    tpl_frame_free(&frame);
    if (in_body)
        note_call_site(run, saved_t, at, rc);
    return rc;
}

int tpl_exec_callblock(tpl_run *run, const tpl_node *n) {
    const tpl_node *call = n->a;
    rs_tpl_value caller = rs_tpl_none(), result = rs_tpl_none(), callee = rs_tpl_none();
    call_args ca;
    tpl_callable c;
    int rc, done = 0;

    memset(&c, 0, sizeof(c));
    c.def = n;
    c.tpl = run->t;
    c.closure = run->frame;
    c.def_root = run->def_root;
    c.package = run->package;
    c.live = 1;
    rc = make_macro(run, "caller", &c, &caller);
    if (rc == RS_OK && call->kind == N_CALLVAL)
        rc = tpl_eval_expr(run, call->a, &callee);
    if (rc == RS_OK && (rc = tpl_eval_args(run, call, &ca)) == RS_OK) {
        if (call->kind == N_CALL)
            rc = tpl_call(run, call, &ca.args, &caller, &result);
        else if (call->kind == N_CALLVAL)
            rc = tpl_call_macro(run, call, &callee, &ca.args, &caller, &result);
        else if ((rc = tpl_call_namespace(run, call, &ca.args, &caller, &result, &done)) == RS_OK &&
                 !done)
            rc = tpl_run_error(run, call, RS_EINVAL, "{%% call %%} needs a macro, not a method");
        tpl_free_args(&ca);
    }
    if (caller.type == RS_TPL_MACRO)
        tpl_macro_of(&caller)->live = 0; /* its frame (this one's) ends with this block */
    if (rc == RS_OK) {
        rc = tpl_value_write(&result, &run->out, 0, run->max_output);
        if (rc != RS_OK)
            rc = rc == RS_ENOMEM
                     ? nomem(run)
                     : tpl_run_error(run, n, RS_EINVAL, "output too large (more than %zu bytes)",
                                     run->max_output);
    }
    rs_tpl_value_free(&caller);
    rs_tpl_value_free(&callee);
    rs_tpl_value_free(&result);
    return rc;
}

/* ---------------------------------------------------------------- namespaces */

/* adapter.dispatch('name', macro_namespace='pkg'): rockset__name, then default__name, each
 * looked for in the project, then in pkg (or, without one, the calling macro's package and
 * dbt). The result is the macro, to be called: adapter.dispatch('x', 'p')(args). */
static int adapter_dispatch(tpl_run *run, const tpl_node *n, const rs_tpl_args *args,
                            rs_tpl_value *out) {
    static const char *const prefixes[] = {"rockset__", "default__"};
    static const char *const params[] = {"macro_name", "macro_namespace", NULL};
    const rs_tpl_macros *lib = run->env ? run->env->macros : NULL;
    const rs_tpl_value *a[TPL_MAX_PARAMS];
    const char *name, *pkg = NULL, *where[3];
    char want[256];
    size_t p, w;
    int rc = tpl_bind_args(run, n, "adapter.dispatch()", args, params, 1, a);

    if (rc != RS_OK)
        return rc;
    name = rs_tpl_value_str(a[0], NULL);
    if (a[1] != NULL && a[1]->type != RS_TPL_NONE)
        pkg = rs_tpl_value_str(a[1], NULL);
    if (name == NULL || (a[1] != NULL && a[1]->type != RS_TPL_NONE && pkg == NULL))
        return tpl_run_error(run, n, RS_EINVAL,
                             "adapter.dispatch() takes a macro name and a package name (strings)");
    where[0] = NULL;
    where[1] = pkg ? pkg : run->package;
    where[2] = pkg ? NULL : "dbt";
    for (p = 0; p < 2; p++) {
        for (w = 0; w < 3; w++) {
            const tpl_lib_macro *e;
            if (w > 0 && where[w] == NULL)
                continue;
            snprintf(want, sizeof(want), "%s%s", prefixes[p], name);
            if ((e = lib_find(lib, where[w], want)) != NULL)
                return library_value(run, e, out);
        }
    }
    return tpl_run_error(run, n, RS_EINVAL,
                         "adapter.dispatch('%s'): no macro rockset__%s or default__%s in the "
                         "project%s%s%s",
                         name, name, name, pkg ? " or package '" : " or dbt", pkg ? pkg : "",
                         pkg ? "'" : "");
}

/* exceptions.raise_compiler_error(msg) fails the render with msg; exceptions.warn(msg) and
 * exceptions.warn_deprecation... do nothing (there is no log to write to). */
static int exceptions_call(tpl_run *run, const tpl_node *n, const rs_tpl_args *args,
                           rs_tpl_value *out) {
    rs_tpl_value text = rs_tpl_none();
    int rc;

    if (strcmp(n->str, "raise_compiler_error") == 0) {
        if (args->n_pos != 1)
            return tpl_run_error(run, n, RS_EINVAL,
                                 "raise_compiler_error() takes exactly 1 argument (%zu given)",
                                 args->n_pos);
        rc = tpl_to_text(run, n, &args->pos[0], &text);
        if (rc == RS_OK)
            rc = tpl_run_error(run, n, RS_EINVAL, "%s", rs_tpl_value_str(&text, NULL));
        rs_tpl_value_free(&text);
        return rc;
    }
    if (strcmp(n->str, "warn") == 0)
        return rs_tpl_string(out, "", 0) == RS_OK ? RS_OK : nomem(run);
    return tpl_run_error(run, n, RS_EINVAL, "exceptions has no method '%s'", n->str);
}

/* adapter.quote('x'): the identifier quoted as Rockset SQL quotes one, "x" with " doubled. */
static int adapter_quote(tpl_run *run, const tpl_node *n, const rs_tpl_args *args,
                         rs_tpl_value *out) {
    rs_buf quoted = RS_BUF_INIT;
    const char *name;
    size_t len = 0, i;
    int rc;

    if (args->n_pos != 1 || args->n_kw != 0 ||
        (name = rs_tpl_value_str(&args->pos[0], &len)) == NULL)
        return tpl_run_error(run, n, RS_EINVAL, "adapter.quote() takes one string");
    rc = rs_buf_append(&quoted, "\"", 1);
    for (i = 0; rc == RS_OK && i < len; i++)
        rc = rs_buf_append(&quoted, name[i] == '"' ? "\"\"" : &name[i], name[i] == '"' ? 2 : 1);
    if (rc == RS_OK)
        rc = rs_buf_append(&quoted, "\"", 1);
    if (rc == RS_OK)
        rc = rs_tpl_string(out, rs_buf_cstr(&quoted), quoted.len);
    rs_buf_free(&quoted);
    return rc == RS_OK ? RS_OK : rs_err_set(run->err, RS_ENOMEM, "out of memory");
}

/* space.name(...) where space is no package and no name the host knows (the host's lookup
 * says RS_ENOTFOUND): a package the project calls but that is not installed - say so, and where
 * it goes, rather than "unknown name". Anything else is left to the caller (RS_OK, *done 0). */
static int not_installed(tpl_run *run, const tpl_node *n, const char *space, int *done) {
    rs_tpl_value probe = rs_tpl_none();
    rs_err herr;
    int rc = RS_ENOTFOUND;

    if (strcmp(space, "execute") == 0 || run->mode == TPL_MODE_COLLECT)
        return RS_OK;
    if (run->env != NULL && run->env->lookup != NULL) {
        rs_err_clear(&herr);
        rc = run->env->lookup(run->env->ctx, space, &probe, &herr);
        rs_tpl_value_free(&probe);
        if (rc != RS_ENOTFOUND || herr.msg[0] != '\0')
            return RS_OK;
    }
    *done = 1;
    return tpl_run_error(run, n->a, RS_EINVAL,
                         "package '%s' is not installed: '%s.%s' names a macro of it, and "
                         "rockset_macros has none (put the package under dbt_packages/%s, as dbt "
                         "deps does, and import the project again)",
                         space, space, n->str, space);
}

int tpl_call_namespace(tpl_run *run, const tpl_node *n, const rs_tpl_args *args,
                       const rs_tpl_value *caller, rs_tpl_value *out, int *done) {
    const rs_tpl_macros *lib = run->env ? run->env->macros : NULL;
    const char *space = n->a->kind == N_NAME ? n->a->str : NULL;
    const tpl_lib_macro *e;
    rs_tpl_value macro;
    int rc;

    *done = 0;
    if (space == NULL || tpl_frame_slot(run->frame, space) != NULL)
        return RS_OK;
    if (caller == NULL && strcmp(space, "adapter") == 0) {
        *done = 1;
        if (strcmp(n->str, "dispatch") == 0)
            return adapter_dispatch(run, n, args, out);
        if (strcmp(n->str, "quote") == 0)
            return adapter_quote(run, n, args, out);
        return tpl_call_adapter(run, n, args, out);
    }
    if (caller == NULL && strcmp(space, "exceptions") == 0) {
        *done = 1;
        return exceptions_call(run, n, args, out);
    }
    if (!lib_has_package(lib, space))
        return not_installed(run, n, space, done);
    *done = 1;
    e = lib_find(lib, space, n->str);
    if (e == NULL)
        return tpl_run_error(run, n, RS_EINVAL, "package '%s' has no macro '%s'", space, n->str);
    rc = library_value(run, e, &macro);
    if (rc == RS_OK)
        rc = tpl_call_macro(run, n, &macro, args, caller, out);
    rs_tpl_value_free(&macro);
    return rc;
}

/* ---------------------------------------------------------------- return() and log() */

int tpl_call_macro_builtin(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                           rs_tpl_value *out) {
    rs_err herr;

    if (strcmp(call->str, "log") == 0) {
        /* dbt's log(msg, info=false) writes to its log; there is none here. */
        return rs_tpl_string(out, "", 0) == RS_OK ? RS_OK : nomem(run);
    }
    if (strcmp(call->str, "return") != 0)
        return RS_ENOTFOUND;
    rs_err_clear(&herr);
    if (rs_tpl_args_check(args, "return", 1, 1, &herr) != RS_OK)
        return tpl_host_error(run, call, &herr);
    if (run->call_depth == 0)
        return tpl_run_error(run, call, RS_EINVAL, "return() outside a macro");
    rs_tpl_value_free(&run->returned);
    run->returned = rs_tpl_value_copy(&args->pos[0]);
    return TPL_ERETURN;
}
