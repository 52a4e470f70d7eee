/*
 * compile.c - see compile.h.
 *
 * How it works: rs_project_load copies the rows, parses each model's template once and runs it
 * in parse mode (rs_tpl_collect) to learn its refs, sources and config() keywords; those
 * are merged with the row into rs_model_info (compile_config.c) and handed to graph.h. Compiling
 * renders the template for real with the host below answering ref/source/this/target/var/
 * env_var/is_incremental; refs to ephemeral models are noted, rendered in turn (cached) and
 * put in front as CTEs. Every call into template.h is in this file.
 */
#include "compile.h"
#include "compile_int.h"
#include "jsonscan.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_JSON_DEPTH 32

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- JSON <-> template values */

static int json_to_value(rs_jsonscan_span span, int depth, rs_tpl_value *out, rs_err *err);

static int json_container_to_value(rs_jsonscan_span span, int is_object, int depth,
                                   rs_tpl_value *out, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, item;
    rs_tpl_value v = rs_tpl_none(), child;
    char *name = NULL;
    int rc, more;

    rc = is_object ? rs_tpl_dict(&v) : rs_tpl_list(&v);
    if (rc == RS_OK)
        rc = rs_jsonscan_iter_init(&it, span) == RS_OK ? RS_OK : RS_EPARSE;
    while (rc == RS_OK && (more = rs_jsonscan_iter_next(&it, &key, &item)) == 1) {
        rc = json_to_value(item, depth + 1, &child, err);
        if (rc == RS_OK && is_object) {
            rc = rs_jsonscan_string_dup(key, &name, err);
            if (rc == RS_OK)
                rc = rs_tpl_dict_set(&v, name, child);
            else
                rs_tpl_value_free(&child);
            free(name);
            name = NULL;
        } else if (rc == RS_OK) {
            rc = rs_tpl_list_append(&v, child);
        }
    }
    if (rc != RS_OK) {
        rs_tpl_value_free(&v);
        return err->code != RS_OK ? rc : rs_err_set(err, rc, "cannot convert a JSON value");
    }
    *out = v;
    return RS_OK;
}

/* A template value from JSON text (ints exact). Containers and strings are converted here rather
 * than by rs_tpl_value_from_json: var() values have their own depth limit and messages. */
int compile_json_value(rs_jsonscan_span span, int depth, rs_tpl_value *out, rs_err *err) {
    return json_to_value(span, depth, out, err);
}

static int json_to_value(rs_jsonscan_span span, int depth, rs_tpl_value *out, rs_err *err) {
    char *s = NULL;
    int rc;

    if (depth > MAX_JSON_DEPTH)
        return rs_err_set(err, RS_EINVAL, "a JSON value is nested too deeply");
    switch (rs_jsonscan_classify(span)) {
    case RS_JSON_OBJECT:
        return json_container_to_value(span, 1, depth, out, err);
    case RS_JSON_ARRAY:
        return json_container_to_value(span, 0, depth, out, err);
    case RS_JSON_STRING:
        rc = rs_jsonscan_string_dup(rs_jsonscan_trim(span), &s, err);
        if (rc == RS_OK && rs_tpl_string(out, s, strlen(s)) != RS_OK)
            rc = oom(err);
        free(s);
        return rc;
    default:
        if (rs_tpl_value_from_json_scalar(span.ptr, span.len, out) == RS_OK)
            return RS_OK;
        return rs_err_set(err, RS_EPARSE, "invalid JSON value");
    }
}

/* The merged config: the row's members not overridden, then the config() keywords. */
static int merge_config(const char *model, const char *row_json, const rs_tpl_value *kw,
                        rs_buf *out, rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    char *name = NULL;
    size_t i;
    int first = 1, rc = RS_OK;

    if (row_json != NULL && (rs_jsonscan_validate(row_json, strlen(row_json), NULL) != RS_OK ||
                             rs_jsonscan_classify(rs_jsonscan_cstr(row_json)) != RS_JSON_OBJECT))
        return rs_err_set(err, RS_EINVAL, "model '%s': rockset_models.config must be a JSON object",
                          model);
    rs_buf_putc(out, '{');
    if (row_json != NULL && rs_jsonscan_iter_init(&it, rs_jsonscan_cstr(row_json)) == RS_OK) {
        while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1) {
            rc = rs_jsonscan_string_dup(key, &name, err);
            if (rc == RS_OK && (kw->type != RS_TPL_DICT || rs_tpl_dict_get(kw, name) == NULL)) {
                rs_buf_puts(out, first ? "" : ",");
                rs_buf_append(out, key.ptr, key.len);
                rs_buf_putc(out, ':');
                rs_buf_append(out, value.ptr, value.len);
                first = 0;
            }
            free(name);
            name = NULL;
        }
    }
    for (i = 0; rc == RS_OK && kw->type == RS_TPL_DICT && i < rs_tpl_value_len(kw); i++) {
        const char *k = rs_tpl_dict_key(kw, i);
        rs_buf_puts(out, first ? "" : ",");
        rs_buf_json_string(out, k, strlen(k));
        rs_buf_putc(out, ':');
        /* Template values are depth-capped by the compiler; NaN and infinities become null. */
        if (rs_tpl_value_to_json(rs_tpl_dict_value(kw, i), out) != RS_OK)
            rc = oom(err);
        first = 0;
    }
    rs_buf_putc(out, '}');
    if (rc == RS_OK && out->oom)
        rc = oom(err);
    return rc;
}

/* ---------------------------------------------------------------- the host */

typedef struct host {
    rs_project *p;
    cmodel *self;                /* NULL for a template of no model (a test's) */
    const rs_render_names *more; /* names given by the caller of rs_project_render_text */
    int is_incremental;
    int collecting; /* parse mode: unknown vars are undefined, not errors */
    size_t *ephs;   /* ephemeral models ref()'d (input positions), no duplicates */
    size_t n_ephs;
    size_t cap_ephs;
    int rollup;            /* a rollup's transformation: its one relation renders as _input */
    char *input_sql;       /* rollup: that relation as it would render (malloc'd), once read */
    char input_shown[300]; /* how the template named it: ref('a'), source('s', 't') */
} host;

static int string_value(rs_tpl_value *out, const char *s, rs_err *err) {
    if (rs_tpl_string(out, s, strlen(s)) != RS_OK)
        return oom(err);
    return RS_OK;
}

/* A dict of string members (NULL-terminated name/value pairs) rendering as display. */
static int string_dict(rs_tpl_value *out, const char *display, const char *const *pairs,
                       rs_err *err) {
    rs_tpl_value d = rs_tpl_none(), s;
    int rc = rs_tpl_dict(&d);

    for (; rc == RS_OK && pairs[0] != NULL; pairs += 2) {
        rc = rs_tpl_string(&s, pairs[1], strlen(pairs[1]));
        if (rc == RS_OK)
            rc = rs_tpl_dict_set(&d, pairs[0], s);
    }
    if (rc == RS_OK && display != NULL)
        rc = rs_tpl_dict_set_display(&d, display);
    if (rc != RS_OK) {
        rs_tpl_value_free(&d);
        return oom(err);
    }
    *out = d;
    return RS_OK;
}

/* ref(), source() and this: relations, as dbt's macros expect them. */
static int relation_value(rs_tpl_value *out, const char *sql, const char *ws, const char *name,
                          int is_cte, rs_err *err) {
    return rs_tpl_relation(out, sql, ws, name, is_cte) == RS_OK ? RS_OK : oom(err);
}

/* A name the caller of rs_project_render_text gave: model, or a member of names_json. */
static int more_lookup(const rs_render_names *more, const char *name, rs_tpl_value *out,
                       rs_err *err) {
    rs_jsonscan_span all, v;

    if (more->model_sql != NULL && strcmp(name, "model") == 0)
        return relation_value(out, more->model_sql, more->model_schema, more->model_name, 0, err);
    if (more->names_json == NULL)
        return RS_ENOTFOUND;
    all = rs_jsonscan_cstr(more->names_json);
    if (rs_jsonscan_validate(all.ptr, all.len, NULL) != RS_OK || !rs_jsonscan_get(all, name, &v))
        return RS_ENOTFOUND;
    return json_to_value(v, 0, out, err);
}

/* The CTE name of unit input i. */
static void unit_cte_name(const rs_unit_input *in, char *buf, size_t size) {
    if (in->kind == RS_UNIT_REF)
        snprintf(buf, size, "__dbt__unit__%s", in->name);
    else if (in->kind == RS_UNIT_SOURCE)
        snprintf(buf, size, "__dbt__unit__%s__%s", in->name, in->table);
    else
        snprintf(buf, size, "__dbt__unit__this");
}

/* While a unit test compiles: the fixture CTE standing for ref(name) / source(name, table) /
 * this, when an input names it; RS_ENOTFOUND otherwise. */
static int unit_relation(host *h, int kind, const char *name, const char *table, rs_tpl_value *out,
                         rs_err *err) {
    const rs_unit_overrides *u = h->p->unit;
    char cte[300];

    for (size_t i = 0; u != NULL && i < u->n_inputs; i++) {
        const rs_unit_input *in = &u->inputs[i];
        if (in->kind != kind || (name != NULL && strcmp(in->name, name) != 0) ||
            (table != NULL && strcmp(in->table, table) != 0))
            continue;
        h->p->unit_used[i] = 1;
        unit_cte_name(in, cte, sizeof(cte));
        return relation_value(out, cte, "", cte, 1, err);
    }
    return RS_ENOTFOUND;
}

/* A member of an overrides object (vars, env_vars, macros) as a value; RS_ENOTFOUND. */
static int unit_override(const char *json, const char *name, rs_tpl_value *out, rs_err *err) {
    rs_jsonscan_span v;

    if (json == NULL || !rs_jsonscan_get(rs_jsonscan_cstr(json), name, &v))
        return RS_ENOTFOUND;
    return json_to_value(v, 0, out, err);
}

static int host_lookup(void *ctx, const char *name, rs_tpl_value *out, rs_err *err) {
    host *h = ctx;
    const char *target_name = h->p->target_name, *target_ws = h->p->workspace;
    const char *ws, *alias;
    int rc;

    if (h->more != NULL && (rc = more_lookup(h->more, name, out, err)) != RS_ENOTFOUND)
        return rc;
    if (strcmp(name, "this") == 0 && h->self != NULL &&
        (rc = unit_relation(h, RS_UNIT_THIS, NULL, NULL, out, err)) != RS_ENOTFOUND)
        return rc;
    if (strcmp(name, "this") == 0 && h->self != NULL) {
        ws = h->self->info.workspace;
        alias = h->self->info.alias;
        return relation_value(out, h->self->this_sql, ws, alias, 0, err);
    }
    if (strcmp(name, "flags") == 0) {
        /* dbt's flags as macros read them: this is a run (dbt_utils words its output so) */
        const char *pairs[] = {"WHICH", "run", NULL};
        return string_dict(out, NULL, pairs, err);
    }
    if (strcmp(name, "target") == 0) {
        const char *pairs[] = {"name", target_name, "workspace",    target_ws, "schema", target_ws,
                               "type", "rockset",   "profile_name", "rockset", NULL};
        return string_dict(out, target_name, pairs, err);
    }
    return RS_ENOTFOUND;
}

static int note_ephemeral(host *h, size_t pos, rs_err *err) {
    size_t i, *grown;

    for (i = 0; i < h->n_ephs; i++) {
        if (h->ephs[i] == pos)
            return RS_OK;
    }
    if (h->n_ephs == h->cap_ephs) {
        grown = realloc(h->ephs, (h->cap_ephs ? h->cap_ephs * 2 : 4) * sizeof(*grown));
        if (grown == NULL)
            return oom(err);
        h->ephs = grown;
        h->cap_ephs = h->cap_ephs ? h->cap_ephs * 2 : 4;
    }
    h->ephs[h->n_ephs++] = pos;
    return RS_OK;
}

/* In a rollup: the relation sql (named shown in the template) read as _input. A second relation
 * is an error: the transformation reads nothing but _input. */
static int rollup_relation(host *h, const char *sql, const char *shown, const char *ws,
                           const char *name, rs_tpl_value *out, rs_err *err) {
    if (h->input_sql != NULL && strcmp(h->input_sql, sql) != 0)
        return rs_err_set(err, RS_EINVAL,
                          "a rollup reads exactly one relation (one ref() or source()), this one "
                          "reads %s and %s",
                          h->input_shown, shown);
    if (h->input_sql == NULL) {
        h->input_sql = strdup(sql);
        if (h->input_sql == NULL)
            return oom(err);
        snprintf(h->input_shown, sizeof(h->input_shown), "%s", shown);
    }
    return relation_value(out, "_input", ws, name, 0, err);
}

static int call_ref(host *h, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    char shown[300];
    const char *name = NULL;
    long idx;
    cmodel *m;
    int rc;

    rc = rs_tpl_args_check(args, "ref", 1, 2, err);
    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, args->n_pos - 1, "ref", &name, err);
    if (rc != RS_OK)
        return rc;
    idx = rs_graph_find(h->p->graph, name);
    if ((rc = unit_relation(h, RS_UNIT_REF, name, NULL, out, err)) != RS_ENOTFOUND)
        return rc;
    if (idx < 0)
        return rs_err_set(err, RS_EINVAL, "ref('%s'): no model named '%s'", name, name);
    m = &h->p->models[rs_graph_input_pos(h->p->graph, (size_t)idx)];
    if (h->p->unit != NULL && !h->collecting && m->info.kind != RS_MAT_EPHEMERAL)
        return rs_err_set(err, RS_EINVAL,
                          "the model reads ref('%s') and the unit test gives no input for it "
                          "(given: needs every ref and source the model reads)",
                          name);
    if (!m->info.enabled)
        return rs_err_set(err, RS_EINVAL, "ref('%s'): model '%s' is disabled", name, name);
    if (h->rollup && m->info.kind == RS_MAT_EPHEMERAL)
        return rs_err_set(err, RS_EINVAL,
                          "ref('%s') is an ephemeral model: a rollup reads a relation that "
                          "exists on Rockset (a source, or a model that is not ephemeral)",
                          name);
    if (h->rollup) {
        snprintf(shown, sizeof(shown), "ref('%s')", name);
        return rollup_relation(h, m->this_sql, shown, m->info.workspace, m->info.alias, out, err);
    }
    if (m->info.kind == RS_MAT_EPHEMERAL) {
        rc = note_ephemeral(h, (size_t)(m - h->p->models), err);
        if (rc != RS_OK)
            return rc;
    }
    return relation_value(out, m->this_sql, m->info.workspace, m->info.alias,
                          m->info.kind == RS_MAT_EPHEMERAL, err);
}

static int call_source(host *h, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    char shown[300];
    const char *source = NULL, *table = NULL;
    const csource *s;
    int rc;

    rc = rs_tpl_args_check(args, "source", 2, 2, err);
    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, 0, "source", &source, err);
    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, 1, "source", &table, err);
    if (rc != RS_OK)
        return rc;
    if ((rc = unit_relation(h, RS_UNIT_SOURCE, source, table, out, err)) != RS_ENOTFOUND)
        return rc;
    if (h->p->unit != NULL && !h->collecting)
        return rs_err_set(err, RS_EINVAL,
                          "the model reads source('%s', '%s') and the unit test gives no input "
                          "for it (given: needs every ref and source the model reads)",
                          source, table);
    s = compile_find_source(h->p, source, table);
    if (s == NULL)
        return rs_err_set(err, RS_EINVAL, "source('%s', '%s') is not in rockset_sources", source,
                          table);
    if (h->rollup) {
        snprintf(shown, sizeof(shown), "source('%s', '%s')", source, table);
        return rollup_relation(h, s->relation_sql, shown, s->workspace, s->collection, out, err);
    }
    return relation_value(out, s->relation_sql, s->workspace, s->collection, 0, err);
}

static int call_var(host *h, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    const char *name = NULL, *json;
    int rc;

    rc = rs_tpl_args_check(args, "var", 1, 2, err);
    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, 0, "var", &name, err);
    if (rc != RS_OK)
        return rc;
    if (h->p->unit != NULL &&
        (rc = unit_override(h->p->unit->vars_json, name, out, err)) != RS_ENOTFOUND)
        return rc;
    json = compile_find_var(h->p, name);
    if (json != NULL) {
        rs_jsonscan_span span = rs_jsonscan_cstr(json);
        if (rs_jsonscan_validate(span.ptr, span.len, NULL) != RS_OK)
            return string_value(out, json, err); /* not JSON: the text itself */
        return json_to_value(span, 0, out, err);
    }
    if (args->n_pos == 2) {
        *out = rs_tpl_value_copy(&args->pos[1]);
        return RS_OK;
    }
    if (h->collecting)
        return RS_ENOTFOUND;
    return rs_err_set(err, RS_EINVAL,
                      "var('%s') is not set (add it to rockset_vars or the run's vars, or give a "
                      "default)",
                      name);
}

static int call_env_var(host *h, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    const char *name = NULL, *value;
    int rc;

    rc = rs_tpl_args_check(args, "env_var", 1, 2, err);
    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, 0, "env_var", &name, err);
    if (rc != RS_OK)
        return rc;
    if (strcmp(name, "ROCKSET_APIKEY") == 0 || strcmp(name, "ROCKSET_API_KEY") == 0)
        return rs_err_set(err, RS_EINVAL,
                          "env_var('%s') is not available to models: it holds the API key", name);
    if (h->p->unit != NULL &&
        (rc = unit_override(h->p->unit->env_json, name, out, err)) != RS_ENOTFOUND)
        return rc;
    value = getenv(name);
    if (value != NULL)
        return string_value(out, value, err);
    if (args->n_pos == 2) {
        *out = rs_tpl_value_copy(&args->pos[1]);
        return RS_OK;
    }
    if (h->collecting)
        return RS_ENOTFOUND;
    return rs_err_set(err, RS_EINVAL, "env_var('%s') is not set and has no default", name);
}

static int host_call(void *ctx, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                     rs_err *err) {
    host *h = ctx;
    int rc;

    if (h->p->unit != NULL && !h->collecting &&
        (rc = unit_override(h->p->unit->macros_json, name, out, err)) != RS_ENOTFOUND)
        return rc;
    if (strcmp(name, "ref") == 0)
        return call_ref(h, args, out, err);
    if (strcmp(name, "source") == 0)
        return call_source(h, args, out, err);
    if (strcmp(name, "var") == 0)
        return call_var(h, args, out, err);
    if (strcmp(name, "env_var") == 0)
        return call_env_var(h, args, out, err);
    if (strcmp(name, "run_query") == 0 || strncmp(name, "adapter.", 8) == 0 ||
        strcmp(name, "load_relation") == 0) {
        if (h->collecting) /* reading the project: nothing is sent (execute is false) */
            return RS_ENOTFOUND;
        if (h->self != NULL)
            h->self->used_db = 1;
        return compile_db_call(h->p, name, args, out, err);
    }
    if (strcmp(name, "is_incremental") == 0) {
        rc = rs_tpl_args_check(args, "is_incremental", 0, 0, err);
        if (rc == RS_OK)
            *out = rs_tpl_bool(h->is_incremental);
        return rc;
    }
    return RS_ENOTFOUND;
}

static void host_init(host *h, rs_project *p, cmodel *self, int is_incremental, int collecting,
                      rs_tpl_env *env) {
    memset(h, 0, sizeof(*h));
    h->p = p;
    h->self = self;
    h->is_incremental = is_incremental;
    h->collecting = collecting;
    memset(env, 0, sizeof(*env));
    env->ctx = h;
    env->lookup = host_lookup;
    env->call = host_call;
    env->macros = p->macros;
}

/* ---------------------------------------------------------------- parse mode */

/* Keep what parse mode found: the refs and the source pairs. */
static int keep_refs(cmodel *m, const rs_tpl_result *res, rs_err *err) {
    size_t i;
    int rc = compile_strv_reserve(&m->refs, res->n_refs, err);

    for (i = 0; rc == RS_OK && i < res->n_refs; i++)
        rc = compile_strv_push(&m->refs, res->refs[i], err);
    for (i = 0; rc == RS_OK && i < res->n_sources; i++) {
        rc = compile_strv_push(&m->source_names, res->sources[i].source, err);
        if (rc == RS_OK)
            rc = compile_strv_push(&m->source_tables, res->sources[i].table, err);
    }
    return rc;
}

/* m->config_merged from the row's config and the config() keywords kw. */
static int set_merged_config(cmodel *m, const rs_tpl_value *kw, rs_err *err) {
    rs_buf config = RS_BUF_INIT;
    int rc = merge_config(m->info.name, m->config_row, kw, &config, err);

    if (rc == RS_OK) {
        m->info.config_json = m->config_merged = rs_buf_detach(&config);
        if (m->config_merged == NULL)
            rc = oom(err);
    }
    rs_buf_free(&config);
    return rc;
}

int compile_row_config(cmodel *m, rs_err *err) {
    rs_tpl_value none = rs_tpl_none();

    return set_merged_config(m, &none, err);
}

/* Forget whatever a failed parse left: the model's refs and sources are unknown. */
static void forget_template(cmodel *m) {
    compile_template_free(m);
    compile_strv_free(&m->refs);
    compile_strv_free(&m->source_names);
    compile_strv_free(&m->source_tables);
    m->refs_unknown = 1;
}

int compile_parse_model(rs_project *p, cmodel *m, rs_err *err) {
    rs_tpl_result res;
    rs_tpl_env env;
    host h;
    int rc;

    memset(&res, 0, sizeof(res));
    rc = rs_tpl_parse(m->info.name, m->sql, strlen(m->sql), &m->tpl, err);
    if (rc == RS_OK) {
        host_init(&h, p, m, 0, 1, &env);
        rc = rs_tpl_collect(m->tpl, &env, &res, err);
        free(h.ephs);
    }
    if (rc == RS_OK)
        rc = keep_refs(m, &res, err);
    if (rc != RS_OK) {
        forget_template(m);
        rs_tpl_result_free(&res);
        return rc;
    }
    /* The refs are known from here on, even when the config below is wrong. */
    rc = set_merged_config(m, &res.config, err);
    rs_tpl_result_free(&res);
    return rc;
}

/* ---------------------------------------------------------------- rendering */

/* Render m for real; *ephs gets the ephemeral models it ref()'d (input positions, malloc'd).
 * input_sql not NULL: as a rollup's transformation (host.rollup), *input_sql getting the
 * relation read as _input (malloc'd; NULL when it read none). */
static int render(rs_project *p, cmodel *m, const char *text, int is_incremental, char **out,
                  size_t **ephs, size_t *n_ephs, char **input_sql, rs_err *err) {
    rs_tpl *tpl = m->tpl;
    rs_tpl_result res;
    rs_tpl_env env;
    host h;
    int rc = RS_OK;

    memset(&res, 0, sizeof(res));
    host_init(&h, p, m, is_incremental, 0, &env);
    h.rollup = input_sql != NULL;
    if (text != NULL) /* a hook: its own template, same host */
        rc = rs_tpl_parse(m->info.name, text, strlen(text), &tpl, err);
    if (rc == RS_OK)
        rc = rs_tpl_render(tpl, &env, &res, err);
    if (text != NULL && tpl != m->tpl)
        rs_tpl_free(tpl);
    if (rc != RS_OK) {
        free(h.ephs);
        free(h.input_sql);
        return rc;
    }
    *out = res.text;
    res.text = NULL;
    rs_tpl_result_free(&res);
    if (input_sql != NULL)
        *input_sql = h.input_sql;
    else
        free(h.input_sql);
    if (ephs != NULL) {
        *ephs = h.ephs;
        *n_ephs = h.n_ephs;
    } else {
        free(h.ephs);
    }
    return RS_OK;
}

/* Make sure the ephemeral model at input position pos is rendered (cached in the model). */
static int render_ephemeral(rs_project *p, size_t pos, rs_err *err) {
    cmodel *e = &p->models[pos];
    char *text = NULL;
    int rc;

    if (e->eph_sql != NULL)
        return RS_OK;
    rc = render(p, e, NULL, 0, &text, &e->eph_refs, &e->n_eph_refs, NULL, err);
    if (rc != RS_OK)
        return rc;
    e->eph_sql = text;
    return RS_OK;
}

/* Depth-first: every ephemeral model pos needs comes before it in *order. */
static int order_ephemerals(rs_project *p, size_t pos, size_t *order, size_t *n_order,
                            unsigned char *seen, rs_err *err) {
    cmodel *e = &p->models[pos];
    size_t i;
    int rc;

    if (seen[pos])
        return RS_OK;
    seen[pos] = 1;
    rc = render_ephemeral(p, pos, err);
    for (i = 0; rc == RS_OK && i < e->n_eph_refs; i++)
        rc = order_ephemerals(p, e->eph_refs[i], order, n_order, seen, err);
    if (rc == RS_OK)
        order[(*n_order)++] = pos;
    return rc;
}

/* body (rendered for m, or for no model when m is NULL) with the ephemeral models it ref()'d
 * (ephs) and theirs put in front as CTEs, into *out. */
static int put_ctes(rs_project *p, cmodel *m, const char *body, const size_t *ephs, size_t n_ephs,
                    char **out, rs_err *err) {
    size_t *order = NULL, n_order = 0, i;
    unsigned char *seen = NULL;
    const char **names = NULL, **bodies = NULL;
    rs_buf sql = RS_BUF_INIT;
    int rc = RS_OK;

    if (n_ephs > 0) {
        order = calloc(p->n_models, sizeof(*order));
        seen = calloc(p->n_models, 1);
        names = calloc(p->n_models, sizeof(*names));
        bodies = calloc(p->n_models, sizeof(*bodies));
        if (order == NULL || seen == NULL || names == NULL || bodies == NULL)
            rc = oom(err);
        if (rc == RS_OK && m != NULL)
            seen[m - p->models] = 1; /* an ephemeral model compiled on its own */
        for (i = 0; rc == RS_OK && i < n_ephs; i++)
            rc = order_ephemerals(p, ephs[i], order, &n_order, seen, err);
        for (i = 0; rc == RS_OK && i < n_order; i++) {
            names[i] = p->models[order[i]].cte_name;
            bodies[i] = p->models[order[i]].eph_sql;
        }
    }
    if (rc == RS_OK && rs_compile_merge_ctes(&sql, body, names, bodies, n_order) != RS_OK)
        rc = oom(err);
    if (rc == RS_OK) {
        *out = rs_buf_detach(&sql);
        if (*out == NULL)
            rc = oom(err);
    }
    rs_buf_free(&sql);
    free(order);
    free(seen);
    free(names);
    free(bodies);
    return rc;
}

/* The model's SQL with its ephemeral ancestors as CTEs. */
static int compile_one(rs_project *p, cmodel *m, int is_incremental, char **out, rs_err *err) {
    char *body = NULL;
    size_t *ephs = NULL, n_ephs = 0;
    int rc = render(p, m, NULL, is_incremental, &body, &ephs, &n_ephs, NULL, err);

    if (rc == RS_OK)
        rc = put_ctes(p, m, body, ephs, n_ephs, out, err);
    free(body);
    free(ephs);
    return rc;
}

/* Hand the render's refs over to the caller. */
static void take_refs(rs_tpl_result *res, char ***refs, size_t *n_refs) {
    if (refs == NULL)
        return;
    *refs = res->refs;
    *n_refs = res->n_refs;
    res->refs = NULL;
    res->n_refs = 0;
}

int rs_project_render_text(rs_project *p, const char *label, const char *text,
                           const rs_render_names *names, char **sql, char ***refs, size_t *n_refs,
                           rs_err *err) {
    rs_tpl *tpl = NULL;
    rs_tpl_result res;
    rs_tpl_env env;
    host h;
    int rc;

    memset(&res, 0, sizeof(res));
    if (refs != NULL) {
        *refs = NULL;
        *n_refs = 0;
    }
    host_init(&h, p, NULL, 0, 0, &env);
    h.more = names;
    rc = rs_tpl_parse_as(names != NULL && names->kind != NULL ? names->kind : "test", label, text,
                         strlen(text), &tpl, err);
    if (rc == RS_OK)
        rc = rs_tpl_render(tpl, &env, &res, err);
    if (rc == RS_OK)
        rc = put_ctes(p, NULL, res.text, h.ephs, h.n_ephs, sql, err);
    if (rc == RS_OK)
        take_refs(&res, refs, n_refs);
    if (rc == RS_OK && names != NULL && names->fail_calc != NULL) {
        const char *calc = rs_tpl_value_str(rs_tpl_dict_get(&res.config, "fail_calc"), NULL);
        *names->fail_calc = calc != NULL ? strdup(calc) : NULL;
        if (calc != NULL && *names->fail_calc == NULL)
            rc = oom(err);
    }
    rs_tpl_result_free(&res);
    rs_tpl_free(tpl);
    free(h.ephs);
    return rc;
}

static int render_hooks(rs_project *p, cmodel *m, const compile_strv *hooks, char ***out,
                        size_t *n_out, rs_err *err) {
    char **list;
    size_t i;
    int rc = RS_OK;

    *out = NULL;
    *n_out = 0;
    if (hooks->n == 0)
        return RS_OK;
    list = calloc(hooks->n, sizeof(*list));
    if (list == NULL)
        return oom(err);
    for (i = 0; rc == RS_OK && i < hooks->n; i++)
        rc = render(p, m, hooks->v[i], 0, &list[i], NULL, NULL, NULL, err);
    *out = list; /* a failed slot stays NULL, which rs_compiled_free skips */
    *n_out = i;
    return rc;
}

int rs_project_compile_sql(rs_project *p, size_t model, int is_incremental, char **sql,
                           rs_err *err) {
    cmodel *m = compile_model_at(p, model);
    int rc = compile_model_ready(p, model, err);

    if (rc != RS_OK)
        return rc;
    return compile_one(p, m, is_incremental, sql, err);
}

/* Forget every ephemeral model's cached render (a unit test renders them with its fixtures). */
static void drop_ephemeral_cache(rs_project *p) {
    for (size_t i = 0; i < p->n_models; i++) {
        free(p->models[i].eph_sql);
        free(p->models[i].eph_refs);
        p->models[i].eph_sql = NULL;
        p->models[i].eph_refs = NULL;
        p->models[i].n_eph_refs = 0;
    }
}

/* sql with the fixture CTEs of the inputs the render used in front. */
static int put_fixtures(rs_project *p, const char *sql, char **out, rs_err *err) {
    const rs_unit_overrides *u = p->unit;
    const char **names = calloc(u->n_inputs + 1, sizeof(*names));
    const char **bodies = calloc(u->n_inputs + 1, sizeof(*bodies));
    char(*cte)[300] = calloc(u->n_inputs + 1, sizeof(*cte));
    rs_buf b = RS_BUF_INIT;
    size_t i, n = 0;
    int rc = names && bodies && cte ? RS_OK : oom(err);

    for (i = 0; rc == RS_OK && i < u->n_inputs; i++) {
        if (!p->unit_used[i])
            continue;
        unit_cte_name(&u->inputs[i], cte[n], sizeof(cte[n]));
        names[n] = cte[n];
        bodies[n++] = u->inputs[i].sql;
    }
    if (rc == RS_OK && rs_compile_merge_ctes(&b, sql, names, bodies, n) != RS_OK)
        rc = oom(err);
    if (rc == RS_OK && (*out = rs_buf_detach(&b)) == NULL)
        rc = oom(err);
    rs_buf_free(&b);
    free(names);
    free(bodies);
    free(cte);
    return rc;
}

int rs_project_compile_unit(rs_project *p, size_t model, const rs_unit_overrides *u, char **sql,
                            rs_err *err) {
    cmodel *m = compile_model_at(p, model);
    rs_tpl_value inc = rs_tpl_none();
    char *body = NULL;
    int rc = compile_model_ready(p, model, err), is_inc = 0;

    if (rc != RS_OK)
        return rc;
    if (unit_override(u->macros_json, "is_incremental", &inc, err) == RS_OK)
        is_inc = inc.type == RS_TPL_BOOL && inc.u.b;
    rs_tpl_value_free(&inc);
    rs_err_clear(err);
    p->unit_used = calloc(u->n_inputs + 1, 1);
    if (p->unit_used == NULL)
        return oom(err);
    p->unit = u;
    drop_ephemeral_cache(p);
    rc = compile_one(p, m, is_inc, &body, err);
    if (rc == RS_OK)
        rc = put_fixtures(p, body, sql, err);
    drop_ephemeral_cache(p);
    p->unit = NULL;
    free(p->unit_used);
    p->unit_used = NULL;
    free(body);
    return rc;
}

int rs_project_compile_rollup(rs_project *p, size_t model, char **sql, char **input_sql,
                              rs_err *err) {
    cmodel *m = compile_model_at(p, model);
    char *body = NULL, *input = NULL;
    int rc = compile_model_ready(p, model, err);

    if (rc != RS_OK)
        return rc;
    rc = render(p, m, NULL, 0, &body, NULL, NULL, &input, err);
    if (rc == RS_OK && input == NULL)
        rc = rs_err_set(err, RS_EINVAL,
                        "model '%s': a rollup reads exactly one relation (one ref() or source()), "
                        "this one reads none",
                        m->info.name);
    if (rc == RS_OK) /* no ephemeral model: only the trimming */
        rc = put_ctes(p, m, body, NULL, 0, sql, err);
    if (rc == RS_OK) {
        *input_sql = input;
        input = NULL;
    }
    free(body);
    free(input);
    return rc;
}

int rs_project_model_used_db(const rs_project *p, size_t model) {
    return compile_model_at((rs_project *)p, model)->used_db;
}

int rs_project_compile(rs_project *p, size_t model, rs_compiled *out, rs_err *err) {
    cmodel *m = compile_model_at(p, model);
    rs_compiled c;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = compile_model_ready(p, model, err);
    if (rc != RS_OK)
        return rc;
    m->used_db = 0;
    if (m->info.kind == RS_MAT_ROLLUP)
        rc = rs_project_compile_rollup(p, model, &c.sql, &c.input_sql, err);
    else
        rc = compile_one(p, m, 0, &c.sql, err);
    if (rc == RS_OK && m->info.kind == RS_MAT_INCREMENTAL)
        rc = compile_one(p, m, 1, &c.sql_incremental, err);
    if (rc == RS_OK)
        rc = render_hooks(p, m, &m->pre_hooks, &c.pre_hooks, &c.n_pre_hooks, err);
    if (rc == RS_OK)
        rc = render_hooks(p, m, &m->post_hooks, &c.post_hooks, &c.n_post_hooks, err);
    if (rc != RS_OK) {
        rs_compiled_free(&c);
        return rc;
    }
    *out = c;
    return RS_OK;
}

void compile_template_free(cmodel *m) {
    rs_tpl_free(m->tpl);
    m->tpl = NULL;
}
