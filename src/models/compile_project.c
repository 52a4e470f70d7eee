/*
 * compile_project.c - the project side of compile.h: copying rows, reading each model's
 * effective settings from its row and merged config, building the graph, merging CTEs.
 */
#include "api/api.h"
#include "compile.h"
#include "compile_int.h"
#include "jsonscan.h"
#include "template/template.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define EPH_PREFIX "__dbt__cte__"

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- string vectors */

int compile_strv_reserve(compile_strv *s, size_t extra, rs_err *err) {
    size_t cap = s->cap ? s->cap : 4;
    char **grown;

    if (s->n + extra <= s->cap)
        return RS_OK;
    while (cap < s->n + extra)
        cap *= 2;
    grown = realloc(s->v, cap * sizeof(*grown));
    if (grown == NULL)
        return oom(err);
    s->v = grown;
    s->cap = cap;
    return RS_OK;
}

int compile_strv_push(compile_strv *s, const char *text, rs_err *err) {
    char *copy;

    if (compile_strv_reserve(s, 1, err) != RS_OK)
        return RS_ENOMEM;
    copy = strdup(text);
    if (copy == NULL)
        return oom(err);
    s->v[s->n++] = copy;
    return RS_OK;
}

void compile_strv_free(compile_strv *s) {
    size_t i;

    for (i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* ---------------------------------------------------------------- SQL text helpers */

int rs_compile_trim_sql(rs_buf *out, const char *text) {
    size_t len = strlen(text);

    while (len > 0 && (isspace((unsigned char)text[len - 1]) || text[len - 1] == ';'))
        len--;
    return rs_buf_append(out, text, len);
}

/* Offset of the first token of sql after blanks and comments. */
static size_t skip_blanks_and_comments(const char *sql) {
    size_t i = 0;

    for (;;) {
        while (isspace((unsigned char)sql[i]))
            i++;
        if (sql[i] == '-' && sql[i + 1] == '-') {
            while (sql[i] != '\0' && sql[i] != '\n')
                i++;
        } else if (sql[i] == '/' && sql[i + 1] == '*') {
            const char *end = strstr(sql + i + 2, "*/");
            i = end ? (size_t)(end - sql) + 2 : strlen(sql);
        } else {
            return i;
        }
    }
}

static int starts_with_keyword(const char *p, const char *word) {
    size_t n = strlen(word);

    return strncasecmp(p, word, n) == 0 && !(isalnum((unsigned char)p[n]) || p[n] == '_');
}

int rs_compile_merge_ctes(rs_buf *out, const char *body, const char *const *cte_names,
                          const char *const *cte_bodies, size_t n) {
    size_t start, i;
    int has_with;

    if (n == 0)
        return rs_compile_trim_sql(out, body);
    start = skip_blanks_and_comments(body);
    has_with = starts_with_keyword(body + start, "with");
    if (has_with)
        rs_buf_append(out, body, start);
    rs_buf_puts(out, "WITH ");
    for (i = 0; i < n; i++) {
        rs_buf_printf(out, "%s%s AS (\n", i > 0 ? ",\n" : "", cte_names[i]);
        rs_compile_trim_sql(out, cte_bodies[i]);
        rs_buf_puts(out, "\n)");
    }
    if (has_with) {
        start += 4;
        while (isspace((unsigned char)body[start]))
            start++;
        rs_buf_puts(out, ",\n");
        rs_compile_trim_sql(out, body + start);
    } else {
        rs_buf_putc(out, '\n');
        rs_compile_trim_sql(out, body);
    }
    return out->oom ? RS_ENOMEM : RS_OK;
}

/* ---------------------------------------------------------------- lookups */

const csource *compile_find_source(const rs_project *p, const char *source, const char *table) {
    size_t i;

    for (i = 0; i < p->n_sources; i++) {
        if (strcmp(p->sources[i].source, source) == 0 && strcmp(p->sources[i].name, table) == 0)
            return &p->sources[i];
    }
    return NULL;
}

const char *compile_find_var(const rs_project *p, const char *name) {
    size_t i;

    for (i = 0; i < p->n_vars; i++) {
        if (strcmp(p->vars[i].name, name) == 0)
            return p->vars[i].value_json;
    }
    return NULL;
}

cmodel *compile_model_at(rs_project *p, size_t graph_index) {
    if (p->graph == NULL || graph_index >= rs_graph_count(p->graph))
        return NULL;
    return &p->models[rs_graph_input_pos(p->graph, graph_index)];
}

const rs_graph *rs_project_graph(const rs_project *p) {
    return p->graph;
}

const rs_model_info *rs_project_model(const rs_project *p, size_t model) {
    if (p->graph == NULL || model >= rs_graph_count(p->graph))
        return NULL;
    return &p->models[rs_graph_input_pos(p->graph, model)].info;
}

/* ---------------------------------------------------------------- copying the input */

/* *slot = copy of text (NULL stays NULL). */
static int dup_opt(char **slot, const char *text, rs_err *err) {
    *slot = NULL;
    if (text == NULL)
        return RS_OK;
    *slot = strdup(text);
    return *slot ? RS_OK : oom(err);
}

static int copy_sources(rs_project *p, const rs_project_input *in, rs_err *err) {
    rs_buf rel = RS_BUF_INIT;
    size_t i;
    int rc = RS_OK;

    p->sources = calloc(in->n_sources ? in->n_sources : 1, sizeof(*p->sources));
    if (p->sources == NULL)
        return oom(err);
    for (i = 0; rc == RS_OK && i < in->n_sources; i++) {
        const rs_source_row *r = &in->sources[i];
        csource *s = &p->sources[i];
        p->n_sources++;
        rc = dup_opt(&s->source, r->source ? r->source : "", err);
        if (rc == RS_OK)
            rc = dup_opt(&s->name, r->name ? r->name : "", err);
        if (rc == RS_OK)
            rc = dup_opt(&s->workspace, r->workspace ? r->workspace : "", err);
        if (rc == RS_OK)
            rc = dup_opt(&s->collection, r->collection ? r->collection : "", err);
        rs_buf_reset(&rel);
        if (rc == RS_OK && rs_mat_relation_sql(&rel, s->workspace, s->collection) != RS_OK)
            rc = oom(err);
        if (rc == RS_OK) {
            s->relation_sql = strdup(rs_buf_cstr(&rel));
            if (s->relation_sql == NULL)
                rc = oom(err);
        }
    }
    rs_buf_free(&rel);
    return rc;
}

static int push_var(rs_project *p, size_t cap, const char *name, const char *json, size_t json_len,
                    rs_err *err) {
    cvar *v;

    if (p->n_vars >= cap)
        return RS_OK;
    v = &p->vars[p->n_vars];
    v->name = strdup(name);
    v->value_json = strndup(json, json_len);
    p->n_vars++;
    if (v->name == NULL || v->value_json == NULL)
        return oom(err);
    return RS_OK;
}

static int copy_vars(rs_project *p, const rs_project_input *in, rs_err *err) {
    rs_jsonscan_span run = {NULL, 0}, key, value;
    rs_jsonscan_iter it;
    size_t cap = in->n_vars;
    char *name = NULL;
    int rc = RS_OK;

    if (in->run_vars_json != NULL) {
        run = rs_jsonscan_cstr(in->run_vars_json);
        if (rs_jsonscan_validate(run.ptr, run.len, NULL) != RS_OK ||
            rs_jsonscan_classify(run) != RS_JSON_OBJECT)
            return rs_err_set(err, RS_EINVAL, "the run's vars must be a JSON object");
        cap += (size_t)rs_jsonscan_count(run);
    }
    p->vars = calloc(cap ? cap : 1, sizeof(*p->vars));
    if (p->vars == NULL)
        return oom(err);
    if (run.ptr != NULL && rs_jsonscan_iter_init(&it, run) == RS_OK) {
        while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1) {
            rc = rs_jsonscan_string_dup(key, &name, err);
            if (rc == RS_OK)
                rc = push_var(p, cap, name, value.ptr, value.len, err);
            free(name);
            name = NULL;
        }
    }
    for (size_t i = 0; rc == RS_OK && i < in->n_vars; i++) {
        const rs_var_row *r = &in->vars[i];
        if (r->name != NULL)
            rc = push_var(p, cap, r->name, r->value_json ? r->value_json : "null",
                          strlen(r->value_json ? r->value_json : "null"), err);
    }
    return rc;
}

static int copy_model_row(cmodel *m, const rs_model_row *r, rs_err *err) {
    int rc = dup_opt(&m->name, r->name, err);

    if (rc == RS_OK)
        rc = dup_opt(&m->sql, r->sql ? r->sql : "", err);
    if (rc == RS_OK)
        rc = dup_opt(&m->materialized_row, r->materialized, err);
    if (rc == RS_OK)
        rc = dup_opt(&m->workspace_row, r->workspace, err);
    if (rc == RS_OK)
        rc = dup_opt(&m->alias_row, r->alias, err);
    if (rc == RS_OK)
        rc = dup_opt(&m->unique_key_row, r->unique_key, err);
    if (rc == RS_OK)
        rc = dup_opt(&m->tags_row, r->tags_json, err);
    if (rc == RS_OK)
        rc = dup_opt(&m->config_row, r->config_json, err);
    if (rc == RS_OK)
        rc = dup_opt(&m->description, r->description, err);
    m->enabled_row = r->enabled;
    m->info.name = m->name;
    m->info.description = m->description;
    return rc;
}

/* ---------------------------------------------------------------- names of a model */

/* *slot = a new copy of the text in b (b is reset). */
static int take_text(char **slot, rs_buf *b, rs_err *err) {
    free(*slot);
    *slot = b->oom ? NULL : strdup(rs_buf_cstr(b));
    rs_buf_reset(b);
    return *slot ? RS_OK : oom(err);
}

/* Set workspace/alias and the names derived from them (relation, this_sql, cte_name). */
int compile_set_names(cmodel *m, const char *ws, const char *alias, rs_err *err) {
    rs_buf b = RS_BUF_INIT, plain = RS_BUF_INIT;
    int rc;

    rs_buf_puts(&b, ws);
    rc = take_text(&m->workspace, &b, err);
    rs_buf_puts(&b, alias);
    if (rc == RS_OK)
        rc = take_text(&m->alias, &b, err);
    rs_buf_printf(&b, "%s.%s", ws, alias);
    if (rc == RS_OK)
        rc = take_text(&m->relation, &b, err);
    rs_buf_printf(&plain, EPH_PREFIX "%s", m->name);
    rs_mat_quote_ident(&b, rs_buf_cstr(&plain));
    if (rc == RS_OK)
        rc = take_text(&m->cte_name, &b, err);
    if (rc == RS_OK && m->info.kind == RS_MAT_EPHEMERAL)
        rs_buf_puts(&b, m->cte_name);
    else if (rc == RS_OK)
        rs_mat_relation_sql(&b, ws, alias);
    if (rc == RS_OK)
        rc = take_text(&m->this_sql, &b, err);
    rs_buf_free(&b);
    rs_buf_free(&plain);
    m->info.workspace = m->workspace;
    m->info.alias = m->alias;
    m->info.relation = m->relation;
    return rc;
}

/* ---------------------------------------------------------------- load and free */

static int build_graph(rs_project *p, rs_err *err) {
    rs_graph_model *gm = calloc(p->n_models ? p->n_models : 1, sizeof(*gm));
    rs_graph_source **sources = calloc(p->n_models ? p->n_models : 1, sizeof(*sources));
    size_t i, j;
    int rc = RS_OK;

    if (gm == NULL || sources == NULL)
        rc = oom(err);
    for (i = 0; rc == RS_OK && i < p->n_models; i++) {
        cmodel *m = &p->models[i];
        sources[i] = calloc(m->source_names.n ? m->source_names.n : 1, sizeof(**sources));
        if (sources[i] == NULL) {
            rc = oom(err);
            break;
        }
        for (j = 0; j < m->source_names.n; j++) {
            sources[i][j].source = m->source_names.v[j];
            sources[i][j].table = m->source_tables.v[j];
        }
        gm[i].name = m->name;
        gm[i].enabled = m->info.enabled;
        gm[i].materialized = rs_mat_kind_name(m->info.kind);
        gm[i].tags = (const char *const *)m->tags.v;
        gm[i].n_tags = m->tags.n;
        gm[i].refs = (const char *const *)m->refs.v;
        gm[i].n_refs = m->refs.n;
        gm[i].sources = sources[i];
        gm[i].n_sources = m->source_names.n;
    }
    if (rc == RS_OK)
        rc = rs_graph_build(gm, p->n_models, &p->graph, err);
    for (i = 0; sources != NULL && i < p->n_models; i++)
        free(sources[i]);
    free(sources);
    free(gm);
    return rc;
}

/* A seed and a model may not share a name: ref() could not tell them apart. */
static int check_seed_names(const rs_project_input *in, rs_err *err) {
    size_t i, j;

    for (i = 0; i < in->n_seeds; i++) {
        if (in->seeds[i].name == NULL)
            continue;
        for (j = 0; j < in->n_models; j++) {
            if (in->models[j].name != NULL && strcmp(in->seeds[i].name, in->models[j].name) == 0)
                return rs_err_set(err, RS_EINVAL,
                                  "'%s' is both a model (rockset_models) and a seed "
                                  "(rockset_seeds): ref('%s') cannot tell them apart; rename one "
                                  "of them",
                                  in->seeds[i].name, in->seeds[i].name);
        }
    }
    return RS_OK;
}

/* Copy the rows and give each model its row-level names (what {{ this }} means while its
 * template is read in parse mode). */
static int copy_models(rs_project *p, const rs_project_input *in, rs_err *err) {
    size_t i;
    int rc = RS_OK;
    rs_err ignored;

    p->models = calloc(in->n_models + in->n_seeds + 1, sizeof(*p->models));
    if (p->models == NULL)
        return oom(err);
    for (i = 0; rc == RS_OK && i < in->n_models + in->n_seeds; i++) {
        cmodel *m = &p->models[i];
        const rs_model_row *row = i < in->n_models ? &in->models[i] : &in->seeds[i - in->n_models];
        p->n_models++;
        m->is_seed = i >= in->n_models;
        if (row->name == NULL || row->name[0] == '\0')
            return m->is_seed
                       ? rs_err_set(err, RS_EINVAL, "seed #%zu has no name", i - in->n_models + 1)
                       : rs_err_set(err, RS_EINVAL, "model #%zu has no name", i + 1);
        rc = copy_model_row(m, row, err);
        if (rc == RS_OK && rs_mat_kind_parse(m->materialized_row ? m->materialized_row : "view",
                                             &m->info.kind, &ignored) != RS_OK)
            m->info.kind = RS_MAT_VIEW;
        if (rc == RS_OK)
            rc = compile_set_names(m, m->workspace_row ? m->workspace_row : p->workspace,
                                   m->alias_row ? m->alias_row : m->name, err);
        m->info.enabled = compile_row_enabled(m);
        m->blocked_by = -1;
    }
    return rc;
}

/* The macro library: dbt's macros, then the rows (a row may replace a dbt macro). */
static int load_macros(rs_project *p, const rs_project_input *in, rs_err *err) {
    char name[300];
    size_t i;
    int rc = rs_tpl_macros_new(&p->macros, err);

    for (i = 0; rc == RS_OK && i < in->n_macros; i++) {
        const rs_macro_row *r = &in->macros[i];
        int is_test = r->kind != NULL && strcmp(r->kind, "test") == 0;
        snprintf(name, sizeof(name), "%s%s", is_test ? "test_" : "", r->name ? r->name : "");
        rc = rs_tpl_macros_add(p->macros, r->package, name, r->args, r->body, err);
        if (rc != RS_OK)
            rs_err_prefix(err, "rockset_macros: ");
    }
    return rc;
}

int rs_project_load(const rs_project_input *in, rs_project **out, rs_err *err) {
    rs_project *p = calloc(1, sizeof(*p));
    size_t i;
    int rc = RS_OK;

    if (p == NULL)
        return oom(err);
    if (pthread_mutex_init(&p->db_lock, NULL) != 0) {
        free(p);
        return oom(err);
    }
    p->workspace = strdup(in->workspace ? in->workspace : "commons");
    p->target_name = strdup(in->target_name ? in->target_name : "default");
    if (p->workspace == NULL || p->target_name == NULL)
        rc = oom(err);
    if (rc == RS_OK)
        rc = copy_sources(p, in, err);
    if (rc == RS_OK)
        rc = copy_vars(p, in, err);
    if (rc == RS_OK)
        rc = load_macros(p, in, err);
    if (rc == RS_OK)
        rc = check_seed_names(in, err);
    if (rc == RS_OK)
        rc = copy_models(p, in, err);
    /* A model its row disables is not read at all, so a broken template there harms nothing;
     * an enabled model that cannot be read fails alone (compile_isolate.c). */
    for (i = 0; rc == RS_OK && i < p->n_models; i++) {
        if (p->models[i].info.enabled)
            rc = compile_load_model(p, &p->models[i], err);
        if (p->models[i].is_seed)
            p->models[i].info.kind = RS_MAT_SEED; /* its (empty) template set no kind */
    }
    if (rc == RS_OK)
        rc = compile_check_refs(p, err);
    if (rc == RS_OK)
        rc = build_graph(p, err);
    if (rc == RS_OK)
        rc = compile_mark_failures(p, err);
    if (rc != RS_OK) {
        rs_project_free(p);
        return rc;
    }
    *out = p;
    return RS_OK;
}

static void free_model(cmodel *m) {
    compile_template_free(m);
    free(m->name);
    free(m->sql);
    free(m->materialized_row);
    free(m->workspace_row);
    free(m->alias_row);
    free(m->unique_key_row);
    free(m->tags_row);
    free(m->config_row);
    free(m->description);
    free(m->config_merged);
    free(m->workspace);
    free(m->alias);
    free(m->relation);
    free(m->this_sql);
    free(m->cte_name);
    free(m->params_json);
    free(m->field_mapping_sql);
    free(m->event_time_info_json);
    compile_strv_free(&m->unique_key);
    compile_strv_free(&m->tags);
    compile_strv_free(&m->pre_hooks);
    compile_strv_free(&m->post_hooks);
    compile_strv_free(&m->refs);
    compile_strv_free(&m->source_names);
    compile_strv_free(&m->source_tables);
    free(m->eph_sql);
    free(m->eph_refs);
    free(m->bad_ref);
}

void rs_project_free(rs_project *p) {
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
        free(p->sources[i].relation_sql);
    }
    for (i = 0; i < p->n_vars; i++) {
        free(p->vars[i].name);
        free(p->vars[i].value_json);
    }
    rs_graph_free(p->graph);
    rs_tpl_macros_free(p->macros);
    rs_api_close(p->db);
    pthread_mutex_destroy(&p->db_lock);
    free(p->models);
    free(p->sources);
    free(p->vars);
    free(p->workspace);
    free(p->target_name);
    free(p);
}

void rs_compiled_free(rs_compiled *c) {
    size_t i;

    if (c == NULL)
        return;
    free(c->sql);
    free(c->sql_incremental);
    free(c->input_sql);
    for (i = 0; i < c->n_pre_hooks; i++)
        free(c->pre_hooks[i]);
    for (i = 0; i < c->n_post_hooks; i++)
        free(c->post_hooks[i]);
    free(c->pre_hooks);
    free(c->post_hooks);
    memset(c, 0, sizeof(*c));
}

const char *rs_project_source_sql(const rs_project *p, const char *source, const char *table) {
    const csource *s = compile_find_source(p, source, table);

    return s ? s->relation_sql : NULL;
}

int rs_project_has_macro(const rs_project *p, const char *package, const char *name) {
    return rs_tpl_macros_has(p->macros, package, name);
}

const char *rs_project_source_part(const rs_project *p, const char *source, const char *table,
                                   int collection) {
    const csource *s = compile_find_source(p, source, table);

    if (s == NULL)
        return NULL;
    return collection ? s->collection : s->workspace;
}

const char *rs_project_macro_package(const rs_project *p, const char *name) {
    return rs_tpl_macros_package_of(p->macros, name);
}
