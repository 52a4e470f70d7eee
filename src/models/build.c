/*
 * build.c - see build.h.
 *
 * How it works: rs_build_new keeps, per graph node, whether it is selected and its level; the
 * run walks levels 0..max and, per level, the node list in index order (build_level). A node
 * goes `bad` when it fails, is skipped, or a test of it fails; `cause` remembers which node
 * started that (for the skip messages downstream). The counts of the summary are added up from
 * what the host reports, step by step.
 */
#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How a node is built within its level. A new node kind gets its step here (and, if it is
 * counted apart, its group in the summary). */
typedef enum build_step {
    STEP_SEED = 0, /* one by one, as the level's nodes come */
    STEP_MODEL,    /* all of the level's together (the runner) */
    N_STEPS
} build_step;

/* The summary's groups of nodes, by step. */
static const char *const step_label[N_STEPS] = {"seeds", "models"};

/* What each graph node came to in this build. */
typedef struct build_node {
    int selected;
    int level;  /* -1 when not selected */
    int bad;    /* failed, skipped, or a test of it failed: its descendants skip */
    long cause; /* the node that made this one bad upstream (-1: itself or none) */
    int test_failed;
} build_node;

struct rs_build {
    const rs_project *p;
    build_node *nodes;
    size_t n;
    int max_level;
    int fail_fast;             /* a failure skips every node not started yet */
    long first_bad;            /* the first node that failed (fail_fast's cause), -1: none */
    size_t seq, total;         /* progress of seeds and skips: "3 of 9" */
    size_t counts[N_STEPS][4]; /* by rs_run_status */
    rs_datatest_summary tests; /* counts only; failing relations are not kept */
    size_t *batch;             /* a level's node lists, n entries */
    size_t *later;             /* the nodes of later levels, n entries */
    rs_run_status *status;     /* host->models' answer, n entries */
};

static build_step node_step(const rs_build *b, size_t m) {
    return rs_project_model(b->p, m)->kind == RS_MAT_SEED ? STEP_SEED : STEP_MODEL;
}

/* ---------------------------------------------------------------- setup */

int rs_build_new(const rs_project *p, const char *select, const char *exclude, rs_build **out,
                 rs_err *err) {
    const rs_graph *g = rs_project_graph(p);
    rs_graph_sel *sel = NULL;
    int *levels = NULL, rc;
    rs_build *b = calloc(1, sizeof(*b));
    size_t m, n = rs_graph_count(g);

    if (b == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    b->p = p;
    b->n = n;
    b->max_level = -1;
    b->first_bad = -1;
    rc = rs_graph_select(g, select, exclude, &sel, err);
    if (rc == RS_OK)
        rc = rs_graph_levels(g, sel, &levels, err);
    if (rc == RS_OK) {
        b->nodes = calloc(n ? n : 1, sizeof(*b->nodes));
        b->batch = calloc(n ? n : 1, sizeof(*b->batch));
        b->later = calloc(n ? n : 1, sizeof(*b->later));
        b->status = calloc(n ? n : 1, sizeof(*b->status));
        if (b->nodes == NULL || b->batch == NULL || b->status == NULL || b->later == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    for (m = 0; rc == RS_OK && m < n; m++) {
        b->nodes[m].selected = rs_graph_sel_has(sel, m);
        b->nodes[m].level = levels[m];
        b->nodes[m].cause = -1;
        b->total += (size_t)b->nodes[m].selected;
        b->max_level = levels[m] > b->max_level ? levels[m] : b->max_level;
    }
    free(levels);
    rs_graph_sel_free(sel);
    if (rc != RS_OK) {
        rs_build_free(b);
        return rc;
    }
    *out = b;
    return RS_OK;
}

void rs_build_set_fail_fast(rs_build *b, int on) {
    b->fail_fast = on;
}

void rs_build_free(rs_build *b) {
    if (b == NULL)
        return;
    rs_datatest_summary_free(&b->tests);
    free(b->nodes);
    free(b->batch);
    free(b->later);
    free(b->status);
    free(b);
}

/* ---------------------------------------------------------------- one level */

/* The cause of node m's skip: a bad parent (the parent itself, or what made it bad). */
static void inherit_cause(rs_build *b, size_t m) {
    const size_t *parents;
    size_t n_parents, i;

    rs_graph_parents(rs_project_graph(b->p), m, &parents, &n_parents);
    for (i = 0; i < n_parents && !b->nodes[m].bad; i++) {
        const build_node *up = &b->nodes[parents[i]];
        if (up->bad) {
            b->nodes[m].bad = 1;
            b->nodes[m].cause = up->cause >= 0 ? up->cause : (long)parents[i];
        }
    }
}

/* Node m is bad upstream: record it skipped, naming the cause. */
static int skip_node(rs_build *b, size_t m, const rs_build_host *host, rs_err *err) {
    size_t cause = (size_t)b->nodes[m].cause;
    char message[600];

    if (!b->nodes[m].bad) { /* fail_fast: nothing upstream of m went bad */
        cause = (size_t)b->first_bad;
        snprintf(message, sizeof(message), "skipped: fail_fast, after '%s' failed",
                 rs_graph_name(rs_project_graph(b->p), cause));
        b->counts[node_step(b, m)][RS_RUN_SKIPPED]++;
        return host->skip(host->ctx, m, message, ++b->seq, b->total, err);
    }
    snprintf(message, sizeof(message), "skipped: upstream %s '%s' %s",
             node_step(b, cause) == STEP_SEED ? "seed" : "model",
             rs_graph_name(rs_project_graph(b->p), cause),
             b->nodes[cause].test_failed ? "has a failing test" : "failed");
    b->counts[node_step(b, m)][RS_RUN_SKIPPED]++;
    return host->skip(host->ctx, m, message, ++b->seq, b->total, err);
}

static int load_seed(rs_build *b, size_t m, const rs_build_host *host, rs_err *err) {
    int ok = 0, rc = host->seed(host->ctx, m, b->seq + 1, b->total, &ok, err);

    if (rc != RS_OK)
        return rc;
    b->seq++;
    b->nodes[m].bad = !ok;
    b->counts[STEP_SEED][ok ? RS_RUN_SUCCESS : RS_RUN_ERROR]++;
    return RS_OK;
}

/* Steps 1 and 2: skips and seeds in node order; the level's models to build into b->batch. */
static int level_nodes(rs_build *b, int level, const rs_build_host *host, size_t *n_models,
                       rs_err *err) {
    size_t m;
    int rc = RS_OK;

    *n_models = 0;
    for (m = 0; rc == RS_OK && m < b->n; m++) {
        if (b->nodes[m].level != level)
            continue;
        inherit_cause(b, m);
        if (b->nodes[m].bad || (b->fail_fast && b->first_bad >= 0))
            rc = skip_node(b, m, host, err);
        else if (node_step(b, m) == STEP_SEED)
            rc = load_seed(b, m, host, err);
        else
            b->batch[(*n_models)++] = m;
    }
    return rc;
}

/* Step 3a: the unit tests of the level's models; a model one of which failed is skipped and
 * taken out of b->batch. */
static int unit_tests(rs_build *b, size_t *n_models, const rs_build_host *host, rs_err *err) {
    unsigned char *failed;
    rs_datatest_summary s;
    char message[600];
    size_t i, kept = 0;
    int rc;

    if (host->units == NULL || *n_models == 0)
        return RS_OK;
    failed = calloc(*n_models, 1);
    if (failed == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    memset(&s, 0, sizeof(s));
    rc = host->units(host->ctx, b->batch, *n_models, failed, &s, err);
    for (i = 0; rc == RS_OK && i < *n_models; i++) {
        size_t m = b->batch[i];
        if (!failed[i]) {
            b->batch[kept++] = m;
            continue;
        }
        b->nodes[m].bad = b->nodes[m].test_failed = 1;
        snprintf(message, sizeof(message), "skipped: a unit test of model '%s' failed",
                 rs_graph_name(rs_project_graph(b->p), m));
        b->counts[STEP_MODEL][RS_RUN_SKIPPED]++;
        rc = host->skip(host->ctx, m, message, ++b->seq, b->total, err);
    }
    if (rc == RS_OK)
        *n_models = kept;
    b->tests.tests += s.tests;
    b->tests.pass += s.pass;
    b->tests.fail += s.fail;
    b->tests.error += s.error;
    rs_datatest_summary_free(&s);
    free(failed);
    return rc;
}

/* Step 3b: build the level's models together; a model that did not succeed is bad. */
static int build_models(rs_build *b, size_t n_models, const rs_build_host *host, rs_err *err) {
    size_t i;
    int rc;

    if (n_models == 0)
        return RS_OK;
    for (i = 0; i < n_models; i++)
        b->status[i] = RS_RUN_NOT_SELECTED;
    rc = host->models(host->ctx, b->batch, n_models, b->status, err);
    for (i = 0; rc == RS_OK && i < n_models; i++) {
        b->nodes[b->batch[i]].bad = b->status[i] != RS_RUN_SUCCESS;
        if (b->status[i] != RS_RUN_NOT_SELECTED)
            b->counts[STEP_MODEL][b->status[i]]++;
    }
    return rc;
}

/* Is relation among the relations of failing tests? */
static int relation_failed(const rs_datatest_summary *s, const char *relation) {
    size_t i;

    for (i = 0; relation != NULL && i < s->n_failing; i++) {
        if (strcmp(s->failing[i], relation) == 0)
            return 1;
    }
    return 0;
}

/* Step 4: the tests of every node of the level; a failing test makes the node it read bad. */
static int run_tests(rs_build *b, int level, const rs_build_host *host, rs_err *err) {
    rs_datatest_summary s;
    size_t m, n = 0, n_later = 0;
    int rc;

    for (m = 0; m < b->n; m++) {
        if (b->nodes[m].level == level)
            b->batch[n++] = m;
        else if (b->nodes[m].level > level)
            b->later[n_later++] = m;
    }
    if (n == 0)
        return RS_OK;
    memset(&s, 0, sizeof(s));
    rc = host->tests(host->ctx, b->batch, n, b->later, n_later, &s, err);
    for (m = 0; rc == RS_OK && m < b->n; m++) {
        if (!b->nodes[m].selected || b->nodes[m].bad || b->nodes[m].level < 0)
            continue;
        if (relation_failed(&s, rs_project_model(b->p, m)->relation))
            b->nodes[m].bad = b->nodes[m].test_failed = 1;
    }
    b->tests.tests += s.tests;
    b->tests.pass += s.pass;
    b->tests.fail += s.fail;
    b->tests.warn += s.warn;
    b->tests.error += s.error;
    b->tests.skipped += s.skipped;
    rs_datatest_summary_free(&s);
    return rc;
}

/* fail_fast's cause: the first node (in index order) that went bad by itself. */
static void note_first_bad(rs_build *b) {
    size_t m;

    for (m = 0; b->first_bad < 0 && m < b->n; m++) {
        if (b->nodes[m].bad && b->nodes[m].cause < 0)
            b->first_bad = (long)m;
    }
}

int rs_build_run(rs_build *b, const rs_build_host *host, rs_err *err) {
    size_t n_models = 0;
    int level, rc = RS_OK;

    for (level = 0; rc == RS_OK && level <= b->max_level; level++) {
        rc = level_nodes(b, level, host, &n_models, err);
        if (rc == RS_OK)
            rc = unit_tests(b, &n_models, host, err);
        if (rc == RS_OK)
            rc = build_models(b, n_models, host, err);
        if (rc == RS_OK)
            rc = run_tests(b, level, host, err);
        note_first_bad(b);
    }
    return rc;
}

/* ---------------------------------------------------------------- summary */

int rs_build_summary(const rs_build *b, long long run_id, rs_buf *out, rs_err *err) {
    const rs_graph *g = rs_project_graph(b->p);
    size_t m, k = 0;
    int step;

    rs_buf_printf(out, "{\"run_id\":%lld", run_id);
    for (step = 0; step < N_STEPS; step++) {
        const size_t *c = b->counts[step];
        rs_buf_printf(out, ",\"%s\":{\"success\":%zu,\"error\":%zu,\"skipped\":%zu}",
                      step_label[step], c[RS_RUN_SUCCESS], c[RS_RUN_ERROR], c[RS_RUN_SKIPPED]);
    }
    rs_buf_printf(out, ",\"tests\":{\"pass\":%zu,\"fail\":%zu,\"error\":%zu,\"skipped\":%zu}",
                  b->tests.pass, b->tests.fail, b->tests.error, b->tests.skipped);
    rs_buf_puts(out, ",\"incomplete\":[");
    for (m = 0; m < b->n; m++) {
        if (b->nodes[m].level < 0 || !b->nodes[m].bad)
            continue;
        rs_buf_puts(out, k++ ? "," : "");
        rs_buf_json_string(out, rs_graph_name(g, m), strlen(rs_graph_name(g, m)));
    }
    rs_buf_puts(out, "]}");
    return out->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
}
