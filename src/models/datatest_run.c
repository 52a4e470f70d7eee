/*
 * datatest_run.c - see datatest.h: running a list of data tests through a host (which tests,
 * skip or run, status, message, counts). The parts (config, SQL, verdict) are datatest.c.
 */
#include "datatest.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------------------------------------------------------------- skipping */

/* Why model `name` cannot be tested now, into why (empty when it can): it is disabled, it or
 * an upstream model cannot be compiled, or its latest build failed or was skipped (its
 * relation may be empty, stale or missing: a test would prove nothing). An unknown model is
 * left to the test's own error. An error is the host's, and stops the run. */
static int model_skip_reason(rs_project *p, const rs_datatest_host *host, const char *name,
                             char *why, size_t size, rs_err *err) {
    long idx = rs_graph_find(rs_project_graph(p), name);
    char status[32];
    long long run_id = 0;
    rs_err not_ready;
    int rc;

    why[0] = '\0';
    rs_err_clear(&not_ready);
    if (idx < 0)
        return RS_OK;
    if (rs_project_model_ready(p, (size_t)idx, &not_ready) != RS_OK) {
        snprintf(why, size, "skipped: %s", not_ready.msg);
        return RS_OK;
    }
    status[0] = '\0';
    rc = host->last_build(host->ctx, name, status, sizeof(status), &run_id, err);
    if (rc == RS_OK && (strcmp(status, "error") == 0 || strcmp(status, "skipped") == 0))
        snprintf(why, size, "skipped: model '%s' %s in run %lld", name,
                 status[0] == 'e' ? "failed" : "was skipped", run_id);
    return rc;
}

/* Why test t cannot run now (its model's reason, else its parent model's), or "". */
static int test_skip_reason(rs_project *p, const rs_datatest_host *host, const rs_datatest *t,
                            char *why, size_t size, rs_err *err) {
    char parent[256];
    int rc = model_skip_reason(p, host, t->model, why, size, err);

    if (rc == RS_OK && why[0] == '\0' && rs_datatest_parent_model(t, parent, sizeof(parent)))
        rc = model_skip_reason(p, host, parent, why, size, err);
    return rc;
}

/* Why a test whose SQL refs these models cannot run now (the first such model's reason), or
 * "". */
static int refs_skip_reason(rs_project *p, const rs_datatest_host *host, char *const *refs,
                            size_t n_refs, char *why, size_t size, rs_err *err) {
    size_t i;
    int rc = RS_OK;

    why[0] = '\0';
    for (i = 0; rc == RS_OK && why[0] == '\0' && i < n_refs; i++)
        rc = model_skip_reason(p, host, refs[i], why, size, err);
    return rc;
}

/* ---------------------------------------------------------------- one test */

/* The message of a test that ran: "<what>: N failing rows". */
static void ran_message(const rs_datatest *t, const char *name, const rs_datatest_config *c,
                        rs_datatest_outcome *o) {
    char why[160];
    int n;

    if (strcmp(t->test, "singular") == 0)
        n = snprintf(o->message, sizeof(o->message), "%s", name);
    else if (t->column != NULL)
        n = snprintf(o->message, sizeof(o->message), "%s(%s) on %s", t->test, t->column, t->model);
    else
        n = snprintf(o->message, sizeof(o->message), "%s on %s", t->test, t->model);
    if (n < 0 || (size_t)n >= sizeof(o->message))
        n = (int)sizeof(o->message) - 1;
    if (strcmp(o->status, "warn") != 0)
        why[0] = '\0';
    else if (c->severity_warn)
        snprintf(why, sizeof(why), " (severity warn)");
    else
        snprintf(why, sizeof(why), " (warn: warn_if %s holds, error_if %s does not)", c->warn_if,
                 c->error_if);
    snprintf(o->message + n, sizeof(o->message) - (size_t)n, ": %lld failing row%s%s%s",
             o->failures, o->failures == 1 ? "" : "s", why,
             c->store_failures ? "; store_failures is not supported and was ignored" : "");
}

/* A singular test's relation in rockset_run_results: the first model it refs, or NULL. */
static const char *first_ref_relation(rs_project *p, const rs_datatest_plan *plan) {
    long idx = plan->n_refs > 0 ? rs_graph_find(rs_project_graph(p), plan->refs[0]) : -1;

    return idx >= 0 ? rs_project_model(p, (size_t)idx)->relation : NULL;
}

/* Skipped by its config, by a model it reads (known before compiling), or by a model its SQL
 * refs (known after): 1 with o->message filled; 0 to run it; -1 when the host failed (herr).
 * *rc gets the test's own error (config, compile), which makes it an error, not a skip. */
static int skipped(rs_project *p, const rs_datatest_host *host, const rs_datatest *t,
                   const char *name, const rs_datatest_config *c, rs_datatest_plan *plan,
                   rs_datatest_outcome *o, int *rc, rs_err *err, rs_err *herr) {
    if (*rc == RS_OK && c->disabled) {
        snprintf(o->message, sizeof(o->message), "skipped: disabled by its config");
        return 1;
    }
    if (*rc == RS_OK && test_skip_reason(p, host, t, o->message, sizeof(o->message), herr) != RS_OK)
        return -1;
    if (*rc == RS_OK && o->message[0] == '\0')
        *rc = rs_datatest_compile(p, t, c, name, plan, err);
    if (*rc == RS_OK && o->message[0] == '\0' &&
        refs_skip_reason(p, host, plan->refs, plan->n_refs, o->message, sizeof(o->message), herr) !=
            RS_OK)
        return -1;
    return *rc == RS_OK && o->message[0] != '\0';
}

/* Compile, maybe skip, run: fills o. A test's own problems are its status, not an error; an
 * error returned is the host's (herr) and stops the run. */
static int try_test(rs_project *p, const rs_datatest_host *host, const rs_datatest *t,
                    const char *name, rs_datatest_plan *plan, char **query_id,
                    rs_datatest_outcome *o, rs_err *herr) {
    rs_datatest_config c;
    rs_err err;
    int rc, skip;

    rs_err_clear(&err);
    rc = rs_datatest_config_parse(t->config, &c, &err);
    if (rc != RS_OK)
        rs_err_prefix(&err, "rockset_test: ");
    skip = skipped(p, host, t, name, &c, plan, o, &rc, &err, herr);
    if (skip != 0) {
        o->status = "skipped";
        rs_datatest_config_free(&c);
        return skip < 0 ? herr->code : RS_OK;
    }
    o->relation =
        plan->target.relation != NULL ? plan->target.relation : first_ref_relation(p, plan);
    if (rc == RS_OK) {
        o->sql = rs_buf_cstr(&plan->sql);
        rc = host->query(host->ctx, o->sql, &o->failures, query_id, &err);
    }
    if (rc == RS_OK && c.limit >= 0 && o->failures > c.limit)
        o->failures = c.limit;
    if (rc == RS_OK && (rc = rs_datatest_verdict(&c, o->failures, &o->status, &err)) != RS_OK)
        rs_err_prefix(&err, "rockset_test: ");
    if (rc == RS_OK) {
        ran_message(t, name, &c, o);
    } else {
        o->status = "error";
        o->failures = -1;
        snprintf(o->message, sizeof(o->message), "%s", err.msg);
    }
    o->query_id = *query_id;
    rs_datatest_config_free(&c);
    return RS_OK;
}

/* Count o in s (keeping the relation of a failing test). */
static int count_outcome(rs_datatest_summary *s, const rs_datatest_outcome *o, rs_err *err) {
    char **grown;

    s->pass += strcmp(o->status, "pass") == 0;
    s->fail += strcmp(o->status, "fail") == 0;
    s->warn += strcmp(o->status, "warn") == 0;
    s->error += strcmp(o->status, "error") == 0;
    s->skipped += strcmp(o->status, "skipped") == 0;
    if (o->relation == NULL || (strcmp(o->status, "fail") != 0 && strcmp(o->status, "error") != 0))
        return RS_OK;
    grown = realloc(s->failing, (s->n_failing + 1) * sizeof(*grown));
    if (grown == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    s->failing = grown;
    s->failing[s->n_failing] = strdup(o->relation);
    if (s->failing[s->n_failing] == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    s->n_failing++;
    return RS_OK;
}

static long long elapsed_ms(const struct timespec *t0, const struct timespec *t1) {
    return (long long)((t1->tv_sec - t0->tv_sec) * 1000 + (t1->tv_nsec - t0->tv_nsec) / 1000000);
}

/* Run test t (seq of total), or record it skipped when a model it reads cannot be tested. */
static int one_test(rs_project *p, const rs_datatest_host *host, const rs_datatest *t, size_t seq,
                    size_t total, rs_datatest_summary *s, rs_err *err) {
    rs_buf name = RS_BUF_INIT;
    char *query_id = NULL;
    struct timespec t0, t1;
    rs_datatest_plan plan;
    rs_datatest_outcome o;
    int rc;

    memset(&plan, 0, sizeof(plan));
    memset(&o, 0, sizeof(o));
    o.failures = -1;
    o.started_ms = rs_runner_now_ms();
    rs_datatest_name(t, &name);
    if (name.oom)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (host->start != NULL)
        host->start(host->ctx, rs_buf_cstr(&name), seq, total);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = try_test(p, host, t, rs_buf_cstr(&name), &plan, &query_id, &o, err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc == RS_OK && strcmp(o.status, "skipped") != 0) {
        o.elapsed_ms = elapsed_ms(&t0, &t1);
    } else {
        o.sql = NULL;
        o.relation = NULL;
    }
    if (rc == RS_OK)
        rc = count_outcome(s, &o, err);
    if (rc == RS_OK)
        rc = host->record(host->ctx, rs_buf_cstr(&name), &o, seq, total, err);
    free(query_id);
    rs_datatest_plan_free(&plan);
    rs_buf_free(&name);
    return rc;
}

/* ---------------------------------------------------------------- every test */

/* Is node `name` (a model's name) in sel? */
static int name_in(rs_project *p, const rs_graph_sel *sel, const char *name) {
    long idx = rs_graph_find(rs_project_graph(p), name);
    return sel != NULL && idx >= 0 && rs_graph_sel_has(sel, (size_t)idx);
}

/* Is test t selected: its model (a singular test's: the model its row names) is; a test of a
 * source only when nothing is selected. With `later` (a build's nodes still to come), a
 * relationships test goes with the later of its two models: it runs once both are built. */
static int test_selected(rs_project *p, const rs_graph_sel *sel, const rs_graph_sel *later,
                         const rs_datatest *t) {
    char parent[256];
    int has_parent;

    if (sel == NULL)
        return 1;
    if (later == NULL)
        return name_in(p, sel, t->model);
    has_parent = rs_datatest_parent_model(t, parent, sizeof(parent));
    if (name_in(p, later, t->model) || (has_parent && name_in(p, later, parent)))
        return 0;
    return name_in(p, sel, t->model) || (has_parent && name_in(p, sel, parent));
}

int rs_datatest_run_build(rs_project *p, const rs_datatest *tests, size_t n,
                          const rs_graph_sel *sel, const rs_graph_sel *later,
                          const rs_datatest_host *host, rs_datatest_summary *out, rs_err *err) {
    size_t i, seq = 0;
    int rc = RS_OK;

    for (i = 0; i < n; i++)
        out->tests += (size_t)test_selected(p, sel, later, &tests[i]);
    for (i = 0; rc == RS_OK && i < n; i++) {
        if (test_selected(p, sel, later, &tests[i]))
            rc = one_test(p, host, &tests[i], ++seq, out->tests, out, err);
    }
    return rc;
}

int rs_datatest_run(rs_project *p, const rs_datatest *tests, size_t n, const rs_graph_sel *sel,
                    const rs_datatest_host *host, rs_datatest_summary *out, rs_err *err) {
    return rs_datatest_run_build(p, tests, n, sel, NULL, host, out, err);
}

void rs_datatest_summary_free(rs_datatest_summary *s) {
    size_t i;

    for (i = 0; i < s->n_failing; i++)
        free(s->failing[i]);
    free(s->failing);
    memset(s, 0, sizeof(*s));
}

int rs_datatest_summary_json(long long run_id, const rs_datatest_summary *s, rs_buf *out) {
    return rs_buf_printf(out,
                         "{\"run_id\":%lld,\"tests\":%zu,\"pass\":%zu,\"fail\":%zu,\"warn\":%zu,"
                         "\"error\":%zu,\"skipped\":%zu}",
                         run_id, s->tests, s->pass, s->fail, s->warn, s->error, s->skipped);
}

void rs_datatest_progress(const rs_datatest_outcome *o, const char *name, char *text,
                          size_t text_size, char *status, size_t status_size) {
    int skip = strcmp(o->status, "skipped") == 0;
    char upper[16];
    size_t i;

    for (i = 0; o->status[i] && i + 1 < sizeof(upper); i++)
        upper[i] = (char)(o->status[i] - ('a' - 'A'));
    upper[i] = '\0';
    snprintf(text, text_size, "%s %s%s", skip ? "SKIP" : upper, skip ? "test " : "", name);
    if (skip)
        snprintf(status, status_size, "SKIP");
    else
        snprintf(status, status_size, "%s in %.2fs", upper, (double)o->elapsed_ms / 1000.0);
}
