/*
 * template.c - the public face of the template compiler (see template.h): parse, render, collect.
 *
 * How it works: tpl_lex.c cuts the text into tokens (whitespace control is done there),
 * tpl_parse.c builds an AST, tpl_eval.c walks it with a tpl_run holding the output buffer, the
 * variable scopes, the limits and the result being filled. Parse mode (collect) is the same walk
 * with ref/source/is_incremental answered by the compiler, plus a static pass below that finds
 * ref()/source() calls with literal arguments in branches the walk did not take.
 */
#include "tpl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tpl_error_at(rs_err *err, int code, const char *label, int line, int column, const char *fmt,
                 ...) {
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    rs_err_set(err, code, "%s line %d column %d: %s", label, line, column, msg);
    if (err != NULL) {
        err->line = line;
        err->column = column;
    }
    return code;
}

/* A new empty template named name, labelled "<kind> 'name'" in messages. */
int tpl_template_new(const char *kind, const char *name, rs_tpl **out, rs_err *err) {
    rs_tpl *t = calloc(1, sizeof(*t));
    size_t size = strlen(kind) + strlen(name) + 4;

    if (t != NULL) {
        t->model = strdup(name);
        t->label = malloc(size);
    }
    if (t == NULL || t->model == NULL || t->label == NULL) {
        rs_tpl_free(t);
        return rs_err_set(err, RS_ENOMEM, "%s '%s': out of memory", kind, name);
    }
    snprintf(t->label, size, "%s '%s'", kind, name);
    *out = t;
    return RS_OK;
}

int tpl_template_parse(const char *kind, const char *name, const char *text, size_t len,
                       rs_tpl **out, rs_err *err) {
    tpl_tokens toks = {NULL, 0, 0};
    rs_tpl *t = NULL;
    int rc;

    if (text == NULL && len > 0)
        return rs_err_set(err, RS_EINVAL, "%s '%s': no template text", kind, name);
    rc = tpl_template_new(kind, name, &t, err);
    if (rc != RS_OK)
        return rc;
    rc = tpl_lex(t->label, text ? text : "", len, &toks, err);
    if (rc == RS_OK)
        rc = tpl_parse(t, text ? text : "", &toks, err);
    free(toks.v);
    if (rc != RS_OK) {
        rs_tpl_free(t);
        return rc;
    }
    *out = t;
    return RS_OK;
}

int rs_tpl_parse(const char *model, const char *text, size_t len, rs_tpl **out, rs_err *err) {
    return tpl_template_parse("model", model ? model : "", text, len, out, err);
}

int rs_tpl_parse_as(const char *kind, const char *name, const char *text, size_t len, rs_tpl **out,
                    rs_err *err) {
    return tpl_template_parse(kind ? kind : "model", name ? name : "", text, len, out, err);
}

void rs_tpl_free(rs_tpl *t) {
    size_t i;

    if (t == NULL)
        return;
    for (i = 0; i < t->n_body; i++)
        tpl_node_free(t->body[i]);
    free(t->body);
    free(t->model);
    free(t->label);
    free(t);
}

const char *rs_tpl_model(const rs_tpl *t) {
    return t->model;
}

void rs_tpl_result_free(rs_tpl_result *res) {
    size_t i;

    if (res == NULL)
        return;
    free(res->text);
    rs_tpl_value_free(&res->config);
    for (i = 0; i < res->n_refs; i++)
        free(res->refs[i]);
    free(res->refs);
    for (i = 0; i < res->n_sources; i++) {
        free(res->sources[i].source);
        free(res->sources[i].table);
    }
    free(res->sources);
    memset(res, 0, sizeof(*res));
}

static int evaluate(const rs_tpl *t, const rs_tpl_env *env, int mode, rs_tpl_result *res,
                    rs_err *err);

int rs_tpl_render(const rs_tpl *t, const rs_tpl_env *env, rs_tpl_result *res, rs_err *err) {
    return evaluate(t, env, TPL_MODE_RENDER, res, err);
}

int rs_tpl_collect(const rs_tpl *t, const rs_tpl_env *env, rs_tpl_result *res, rs_err *err) {
    return evaluate(t, env, TPL_MODE_COLLECT, res, err);
}

/* Literal ref('m') / ref('p', 'm') / source('s', 't') anywhere in the tree, taken or not. */
static int scan_node(tpl_run *run, const tpl_node *n) {
    size_t i;
    int rc = RS_OK;

    if (n == NULL)
        return RS_OK;
    if (n->kind == N_CALL && strcmp(n->str, "ref") == 0 && n->n_kids >= 1 && n->n_kids <= 2 &&
        n->kids[n->n_kids - 1]->kind == N_STR && n->kids[0]->kind == N_STR)
        rc = tpl_record_ref(run, n->kids[n->n_kids - 1]->str);
    if (n->kind == N_CALL && strcmp(n->str, "source") == 0 && n->n_kids == 2 &&
        n->kids[0]->kind == N_STR && n->kids[1]->kind == N_STR)
        rc = tpl_record_source(run, n->kids[0]->str, n->kids[1]->str);
    if (rc == RS_OK)
        rc = scan_node(run, n->a);
    if (rc == RS_OK)
        rc = scan_node(run, n->b);
    if (rc == RS_OK)
        rc = scan_node(run, n->c);
    for (i = 0; rc == RS_OK && i < n->n_kids; i++)
        rc = scan_node(run, n->kids[i]);
    for (i = 0; rc == RS_OK && i < n->n_body; i++)
        rc = scan_node(run, n->body[i]);
    return rc;
}

static int evaluate(const rs_tpl *t, const rs_tpl_env *env, int mode, rs_tpl_result *res,
                    rs_err *err) {
    rs_tpl_result tmp;
    tpl_run run;
    size_t i;
    int rc;

    memset(&tmp, 0, sizeof(tmp));
    memset(res, 0, sizeof(*res));
    rc = tpl_eval_template(t, env, mode, &tmp, err);
    if (rc == RS_OK && mode == TPL_MODE_COLLECT) {
        memset(&run, 0, sizeof(run));
        run.t = t;
        run.res = &tmp;
        run.err = err;
        for (i = 0; rc == RS_OK && i < t->n_body; i++)
            rc = scan_node(&run, t->body[i]);
    }
    if (rc != RS_OK) {
        rs_tpl_result_free(&tmp);
        return rc;
    }
    *res = tmp;
    return RS_OK;
}

int rs_tpl_compile(const char *model, const char *text, const rs_tpl_env *env, char **out,
                   rs_err *err) {
    rs_tpl *t = NULL;
    rs_tpl_result res;
    int rc = rs_tpl_parse(model, text, text ? strlen(text) : 0, &t, err);

    if (rc != RS_OK)
        return rc;
    rc = rs_tpl_render(t, env, &res, err);
    rs_tpl_free(t);
    if (rc != RS_OK)
        return rc;
    *out = res.text;
    res.text = NULL;
    rs_tpl_result_free(&res);
    return RS_OK;
}
