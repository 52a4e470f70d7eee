/*
 * compile_isolate.c - failure isolation (compile.h, "Failed models"): one model whose template,
 * config or refs cannot be read fails alone, with its own error, instead of failing the load
 * of the whole project; every model downstream of it is blocked by it.
 *
 * How it works: compile_load_model keeps a model's error in the model rather than returning
 * it (only running out of memory stops the load). When the template itself could not be read
 * its refs are unknown, so the graph gets no edges to its parents; the edges to its children
 * are known, since they come from the children's own templates. compile_check_refs drops refs
 * naming an unknown or disabled model before the graph is built (graph.h would refuse the whole
 * project for them) and compile_mark_failures turns them into the model's error once the graph
 * can suggest a name, then walks the graph in dependency order to mark the blocked models.
 * Cycles, duplicate names and nameless rows still fail the load: they belong to no one model.
 */
#include "compile.h"
#include "compile_int.h"

#include <stdlib.h>
#include <string.h>

static int oom(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* Record why m failed; the first error is the one reported. */
static void note_failure(cmodel *m, const rs_err *why) {
    if (m->failed)
        return;
    m->failed = 1;
    m->load_err = *why;
    if (m->load_err.code == RS_OK)
        m->load_err.code = RS_EINVAL;
}

int compile_load_model(rs_project *p, cmodel *m, rs_err *err) {
    rs_err own;
    int rc;

    rs_err_clear(&own);
    rc = compile_parse_model(p, m, &own);
    if (rc != RS_OK && rc != RS_ENOMEM)
        note_failure(m, &own);
    if (rc != RS_OK && rc != RS_ENOMEM && m->config_merged == NULL && m->refs_unknown) {
        /* The row's own settings still apply, so that tag: selectors find the model. */
        rs_err_clear(&own);
        rc = compile_row_config(m, &own);
    }
    if (rc != RS_ENOMEM) {
        rs_err_clear(&own);
        rc = compile_apply_settings(p, m, &own);
        if (rc != RS_OK && rc != RS_ENOMEM)
            note_failure(m, &own);
    }
    if (rc == RS_ENOMEM) {
        *err = own;
        return RS_ENOMEM;
    }
    return RS_OK;
}

/* ---------------------------------------------------------------- refs */

/* A model's name and input position, for finding refs by name. */
typedef struct named {
    const char *name;
    const cmodel *model;
} named;

static int cmp_named(const void *a, const void *b) {
    return strcmp(((const named *)a)->name, ((const named *)b)->name);
}

/* The model called name, or NULL (index: every model, sorted by name). */
static const cmodel *find_model(const named *index, size_t n, const char *name) {
    named key = {name, NULL};
    const named *hit = bsearch(&key, index, n, sizeof(*index), cmp_named);

    return hit ? hit->model : NULL;
}

/* Keep the refs of m that name an enabled model; note the first other one. */
static int filter_refs(const named *index, size_t n, cmodel *m, rs_err *err) {
    size_t i, keep = 0;
    int rc = RS_OK;

    for (i = 0; i < m->refs.n; i++) {
        const cmodel *target = find_model(index, n, m->refs.v[i]);
        if (target != NULL && target->info.enabled) {
            m->refs.v[keep++] = m->refs.v[i];
            continue;
        }
        if (m->bad_ref == NULL && rc == RS_OK) {
            m->bad_ref = strdup(m->refs.v[i]);
            m->bad_ref_disabled = target != NULL;
            if (m->bad_ref == NULL)
                rc = oom(err);
        }
        free(m->refs.v[i]);
    }
    m->refs.n = keep;
    return rc;
}

int compile_check_refs(rs_project *p, rs_err *err) {
    named *index = calloc(p->n_models ? p->n_models : 1, sizeof(*index));
    size_t i;
    int rc = RS_OK;

    if (index == NULL)
        return oom(err);
    for (i = 0; i < p->n_models; i++) {
        index[i].name = p->models[i].name;
        index[i].model = &p->models[i];
    }
    qsort(index, p->n_models, sizeof(*index), cmp_named);
    for (i = 0; rc == RS_OK && i < p->n_models; i++) {
        /* A disabled model's refs are ignored, as the graph ignores them. */
        if (p->models[i].info.enabled)
            rc = filter_refs(index, p->n_models, &p->models[i], err);
    }
    free(index);
    return rc;
}

/* ---------------------------------------------------------------- failures after the graph */

/* The graph's own wording for a ref it would have refused. */
static void ref_error(const rs_project *p, const cmodel *m, rs_err *why) {
    const char *close;

    if (m->bad_ref[0] == '\0') {
        rs_err_set(why, RS_EINVAL, "model '%s' has an empty ref", m->name);
    } else if (m->bad_ref_disabled) {
        rs_err_set(why, RS_EINVAL, "model '%s' refers to disabled model '%s'", m->name, m->bad_ref);
    } else {
        close = rs_graph_suggest(p->graph, m->bad_ref);
        rs_err_set(why, RS_EINVAL, "model '%s' refers to unknown model '%s' (ref('%s'))%s%s%s",
                   m->name, m->bad_ref, m->bad_ref, close ? "; did you mean '" : "",
                   close ? close : "", close ? "'?" : "");
    }
}

/* blocked_by of the model at graph index v, from its parents (already done: v comes later in
 * dependency order): the smallest of its failed parents and of its parents' blocked_by. */
static void mark_blocked(rs_project *p, size_t v) {
    cmodel *m = compile_model_at(p, v);
    const size_t *parents;
    size_t n_parents, i;
    long best = -1;

    rs_graph_parents(p->graph, v, &parents, &n_parents);
    for (i = 0; i < n_parents; i++) {
        const cmodel *up = compile_model_at(p, parents[i]);
        long cand = up->failed ? (long)parents[i] : up->blocked_by;
        if (cand >= 0 && (best < 0 || cand < best))
            best = cand;
    }
    m->blocked_by = m->failed ? -1 : best;
}

int compile_mark_failures(rs_project *p, rs_err *err) {
    size_t n = rs_graph_count(p->graph), *order = NULL, n_order = 0, i;
    rs_err why;
    int rc;

    for (i = 0; i < n; i++) {
        cmodel *m = compile_model_at(p, i);
        m->blocked_by = -1;
        if (m->bad_ref != NULL && m->info.enabled) {
            ref_error(p, m, &why);
            note_failure(m, &why);
        }
    }
    rc = rs_graph_order(p->graph, NULL, &order, &n_order, err);
    for (i = 0; rc == RS_OK && i < n_order; i++)
        mark_blocked(p, order[i]);
    free(order);
    return rc;
}

/* ---------------------------------------------------------------- asking */

int compile_model_ready(const rs_project *p, size_t graph_index, rs_err *err) {
    const cmodel *m, *b;

    if (p->graph == NULL || graph_index >= rs_graph_count(p->graph))
        return rs_err_set(err, RS_EINVAL, "no model #%zu", graph_index);
    m = &p->models[rs_graph_input_pos(p->graph, graph_index)];
    if (!m->info.enabled)
        return rs_err_set(err, RS_EINVAL, "model '%s' is disabled", m->name);
    if (m->failed) {
        if (err != NULL)
            *err = m->load_err;
        return m->load_err.code;
    }
    if (m->blocked_by < 0)
        return RS_OK;
    b = &p->models[rs_graph_input_pos(p->graph, (size_t)m->blocked_by)];
    return rs_err_set(err, RS_EINVAL, "model '%s' depends on model '%s', which has an error: %s",
                      m->name, b->name, b->load_err.msg);
}

const rs_err *rs_project_model_error(const rs_project *p, size_t model) {
    const cmodel *m;

    if (p->graph == NULL || model >= rs_graph_count(p->graph))
        return NULL;
    m = &p->models[rs_graph_input_pos(p->graph, model)];
    return m->failed && m->info.enabled ? &m->load_err : NULL;
}

long rs_project_blocked_by(const rs_project *p, size_t model) {
    if (p->graph == NULL || model >= rs_graph_count(p->graph))
        return -1;
    return p->models[rs_graph_input_pos(p->graph, model)].blocked_by;
}

int rs_project_model_ready(const rs_project *p, size_t model, rs_err *err) {
    return compile_model_ready(p, model, err);
}
