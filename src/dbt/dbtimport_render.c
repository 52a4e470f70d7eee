/*
 * dbtimport_render.c - Jinja inside the YAML of a dbt project: every string scalar of
 * dbt_project.yml and of the property files that holds "{{" or "{%" is rendered by the template
 * compiler before it is read, as dbt renders them at parse time:
 *
 *   sources: [{name: raw, schema: "{{ target.schema }}", tables: [{name: t,
 *              identifier: "{{ var('t', 'base') }}"}]}]
 *   models: {my_project: {+enabled: "{{ var('flag', true) }}"}}
 *
 * Names: var('x'[, default]) (the project's vars: dbt_project.yml's `vars:`), env_var('X'[,
 * default]) (not the API key's variables), target (name, schema, workspace, type 'rockset',
 * threads; from rs_dbt_options). The rendered text replaces the scalar and is read again as a
 * plain YAML scalar, so "True" becomes a boolean and "3" a number where a key wants one.
 * Left as written, because dbt renders them later or never: the values under vars:, pre-hook,
 * post-hook (with or without '+', or '_'), and description (which may call doc()).
 * A failure names the file and the scalar's line and column:
 *   "models/schema.yml line 7 column 17: cannot render \"{{ var('nope') }}\": var('nope') is
 *    not set (give a default or add it to vars: in dbt_project.yml)"
 */
#include "dbtimport_int.h"
#include "jsonscan.h"
#include "template/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct render_host {
    const dbt_loader *ld;
    int lenient; /* reading a model's config(): a var set only at run time is undefined */
} render_host;

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

static int set_string(rs_tpl_value *d, const char *key, const char *text) {
    rs_tpl_value s;

    if (rs_tpl_string(&s, text, strlen(text)) != RS_OK)
        return RS_ENOMEM;
    return rs_tpl_dict_set(d, key, s);
}

static int target_value(const rs_dbt_options *o, rs_tpl_value *out, rs_err *err) {
    const char *name = o && o->target_name ? o->target_name : "default";
    const char *schema = o && o->target_schema ? o->target_schema : "commons";
    rs_tpl_value d = rs_tpl_none();
    int rc = rs_tpl_dict(&d);

    if (rc == RS_OK)
        rc = set_string(&d, "name", name);
    if (rc == RS_OK)
        rc = set_string(&d, "schema", schema);
    if (rc == RS_OK)
        rc = set_string(&d, "workspace", schema);
    if (rc == RS_OK)
        rc = set_string(&d, "type", "rockset");
    if (rc == RS_OK)
        rc = set_string(&d, "profile_name", "rockset");
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(&d, "threads", rs_tpl_int(o && o->threads > 0 ? o->threads : 4));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set_display(&d, name);
    if (rc != RS_OK) {
        rs_tpl_value_free(&d);
        return oom(err);
    }
    *out = d;
    return RS_OK;
}

static int host_lookup(void *ctx, const char *name, rs_tpl_value *out, rs_err *err) {
    render_host *h = ctx;

    if (strcmp(name, "target") == 0)
        return target_value(h->ld->opts, out, err);
    return RS_ENOTFOUND;
}

static int call_var(render_host *h, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    const char *name = NULL, *json;
    size_t i;
    int rc = rs_tpl_args_check(args, "var", 1, 2, err);

    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, 0, "var", &name, err);
    if (rc == RS_OK && h->ld->opts != NULL && h->ld->opts->vars_json != NULL) {
        /* the import's own vars (dbt's --vars) win over the project's */
        rs_jsonscan_span all = rs_jsonscan_cstr(h->ld->opts->vars_json), v;
        if (rs_jsonscan_get(all, name, &v) == 1)
            return rs_tpl_value_from_json(v.ptr, v.len, out, err);
    }
    for (i = 0; rc == RS_OK && i < h->ld->p->n_vars; i++) {
        if (strcmp(h->ld->p->vars[i].name, name) == 0) {
            json = h->ld->p->vars[i].value_json;
            return rs_tpl_value_from_json(json, strlen(json), out, err);
        }
    }
    if (rc == RS_OK && args->n_pos == 2) {
        *out = rs_tpl_value_copy(&args->pos[1]);
        return RS_OK;
    }
    if (rc == RS_OK && h->lenient)
        return RS_ENOTFOUND;
    if (rc == RS_OK)
        rc = rs_err_set(err, RS_EINVAL,
                        "var('%s') is not set (give a default or add it to vars: in "
                        "dbt_project.yml)",
                        name);
    return rc;
}

static int call_env_var(const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    const char *name = NULL, *value;
    int rc = rs_tpl_args_check(args, "env_var", 1, 2, err);

    if (rc == RS_OK)
        rc = rs_tpl_args_string(args, 0, "env_var", &name, err);
    if (rc != RS_OK)
        return rc;
    if (strcmp(name, "ROCKSET_APIKEY") == 0 || strcmp(name, "ROCKSET_API_KEY") == 0)
        return rs_err_set(err, RS_EINVAL,
                          "env_var('%s') is not available here: it holds the "
                          "API key",
                          name);
    value = getenv(name);
    if (value != NULL)
        return rs_tpl_string(out, value, strlen(value)) == RS_OK ? RS_OK : oom(err);
    if (args->n_pos == 2) {
        *out = rs_tpl_value_copy(&args->pos[1]);
        return RS_OK;
    }
    return rs_err_set(err, RS_EINVAL, "env_var('%s') is not set and has no default", name);
}

static int host_call(void *ctx, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                     rs_err *err) {
    if (strcmp(name, "var") == 0)
        return call_var(ctx, args, out, err);
    if (strcmp(name, "env_var") == 0)
        return call_env_var(args, out, err);
    return RS_ENOTFOUND;
}

/* Keys whose values stay as written (see the top of this file); also the sections that are not
 * imported, whose Jinja is another tool's (MetricFlow's {{ Dimension('x') }}). */
static int kept_key(const char *key) {
    static const char *const kept[] = {
        "vars",      "pre-hook",        "post-hook",     "pre_hook",   "post_hook",
        "+pre-hook", "+post-hook",      "+pre_hook",     "+post_hook", "description",
        "metrics",   "semantic_models", "saved_queries", "exposures",  "unit_tests",
        "snapshots", "analyses",        "macros",        "groups",     "on-run-start",
        "on-run-end"};
    size_t i;

    for (i = 0; key != NULL && i < sizeof(kept) / sizeof(kept[0]); i++)
        if (strcmp(key, kept[i]) == 0)
            return 1;
    return 0;
}

/* Tests' arguments and configs: dbt renders them when the test runs, with ref() and the rest, so
 * here a template that cannot be rendered yet stays as written instead of failing the import. */
static int late_key(const char *key) {
    return key != NULL && (strcmp(key, "tests") == 0 || strcmp(key, "data_tests") == 0);
}

#define KEPT 1 /* left as written */
#define SOFT 2 /* rendered when it can be, else left as written */

/* Mark node (an index into the document) and everything under it as how (KEPT, SOFT); nodes
 * already marked keep their mark. */
static void mark_kept(dbt_yaml *y, int index, unsigned char *kept, unsigned char how, int depth) {
    yaml_node_t *n = dbt_yaml_node(y, index);
    yaml_node_item_t *item;
    yaml_node_pair_t *pair;
    size_t count = (size_t)(y->doc.nodes.top - y->doc.nodes.start);

    if (n == NULL || index < 1 || (size_t)index > count || kept[index - 1] || depth > 64)
        return;
    kept[index - 1] = how;
    if (n->type == YAML_SEQUENCE_NODE)
        for (item = n->data.sequence.items.start; item < n->data.sequence.items.top; item++)
            mark_kept(y, *item, kept, how, depth + 1);
    if (n->type == YAML_MAPPING_NODE)
        for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++) {
            mark_kept(y, pair->key, kept, how, depth + 1);
            mark_kept(y, pair->value, kept, how, depth + 1);
        }
}

/* The template's message without its own "<label> line L column C: " prefix. */
static const char *bare_message(const char *msg) {
    const char *col = strstr(msg, " column "), *sep = col ? strstr(col, ": ") : NULL;

    return sep ? sep + 2 : msg;
}

/* Render one scalar in place (soft: a failure leaves it as written). */
static int render_scalar(dbt_loader *ld, dbt_yaml *y, yaml_node_t *n, int soft, rs_err *err) {
    const char *text = (const char *)n->data.scalar.value;
    render_host h = {ld, 0};
    rs_tpl_env env;
    rs_err terr;
    char *out = NULL;
    int rc;

    memset(&env, 0, sizeof(env));
    env.ctx = &h;
    env.lookup = host_lookup;
    env.call = host_call;
    rs_err_clear(&terr);
    rc = rs_tpl_compile("yaml", text, &env, &out, &terr);
    if (rc == RS_ENOMEM)
        return oom(err);
    if (rc != RS_OK && soft)
        return RS_OK;
    if (rc != RS_OK)
        return dbt_yaml_fail(y, n, err, RS_EINVAL, "cannot render \"%.120s\": %s", text,
                             bare_message(terr.msg));
    free(n->data.scalar.value);
    n->data.scalar.value = (yaml_char_t *)out;
    n->data.scalar.length = strlen(out);
    n->data.scalar.style = YAML_PLAIN_SCALAR_STYLE; /* read again: "True" is a boolean */
    return RS_OK;
}

int dbt_yaml_render(dbt_loader *ld, dbt_yaml *y, rs_err *err) {
    size_t count = y->loaded ? (size_t)(y->doc.nodes.top - y->doc.nodes.start) : 0, i;
    unsigned char *kept;
    yaml_node_pair_t *pair;
    int rc = RS_OK;

    if (count == 0)
        return RS_OK;
    kept = calloc(count, 1);
    if (kept == NULL)
        return oom(err);
    for (i = 0; i < count; i++) {
        yaml_node_t *n = &y->doc.nodes.start[i];
        if (n->type != YAML_MAPPING_NODE)
            continue;
        for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
            if (kept_key(dbt_yaml_scalar(dbt_yaml_node(y, pair->key))))
                mark_kept(y, pair->value, kept, KEPT, 0);
    }
    for (i = 0; i < count; i++) {
        yaml_node_t *n = &y->doc.nodes.start[i];
        if (n->type != YAML_MAPPING_NODE)
            continue;
        for (pair = n->data.mapping.pairs.start; pair < n->data.mapping.pairs.top; pair++)
            if (late_key(dbt_yaml_scalar(dbt_yaml_node(y, pair->key))))
                mark_kept(y, pair->value, kept, SOFT, 0);
    }
    for (i = 0; i < count && rc == RS_OK; i++) {
        yaml_node_t *n = &y->doc.nodes.start[i];
        const char *text = dbt_yaml_scalar(n);
        if (kept[i] != KEPT && text != NULL &&
            (strstr(text, "{{") != NULL || strstr(text, "{%") != NULL))
            rc = render_scalar(ld, y, n, kept[i] == SOFT, err);
    }
    free(kept);
    return rc;
}

int dbt_collect_config(const dbt_loader *ld, const rs_tpl *t, rs_tpl_result *res, rs_err *err) {
    render_host h = {ld, 1};
    rs_tpl_env env;

    memset(&env, 0, sizeof(env));
    env.ctx = &h;
    env.lookup = host_lookup;
    env.call = host_call;
    return rs_tpl_collect(t, &env, res, err);
}
