/*
 * test_build.c - unit tests of src/models/build.c: rockset_build's plan through a fake host that
 * logs every call. The order of levels and steps (skips and seeds in node order, the level's
 * models together, then its tests), skip propagation from a failed seed, a failed model and a
 * failing test (also one that fails an upstream node of an earlier level), the progress
 * numbering, the counts and incomplete of the summary, selection with exclude, and a host
 * error stopping the build. No SQLite, no network.
 *
 * The project: seeds s1, s2; a <- s1; b <- a; c <- b; d <- s2; e <- a, d; f <- a, b; and a
 * disabled model off. Levels: s1 s2 | a d | b e | c f.
 */
#include "models/build.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define ROW(name_, sql_, enabled_) \
    { (name_), (sql_), "view", NULL, NULL, NULL, NULL, NULL, (enabled_), NULL }
#define SEED(name_) \
    { (name_), "", NULL, NULL, NULL, NULL, NULL, NULL, 1, NULL }

static const rs_model_row models[] = {
    ROW("a", "SELECT * FROM {{ ref('s1') }}", 1),
    ROW("b", "SELECT * FROM {{ ref('a') }}", 1),
    ROW("c", "SELECT * FROM {{ ref('b') }}", 1),
    ROW("d", "SELECT * FROM {{ ref('s2') }}", 1),
    ROW("e", "SELECT * FROM {{ ref('a') }} JOIN {{ ref('d') }}", 1),
    ROW("f", "SELECT * FROM {{ ref('a') }} JOIN {{ ref('b') }}", 1),
    ROW("off", "SELECT 1", 0),
};

static const rs_model_row seeds[] = {SEED("s1"), SEED("s2")};

static rs_project *load(rs_err *err) {
    rs_project_input in;
    rs_project *p = NULL;

    memset(&in, 0, sizeof(in));
    in.models = models;
    in.n_models = sizeof(models) / sizeof(models[0]);
    in.seeds = seeds;
    in.n_seeds = 2;
    in.workspace = "ws";
    rs_err_clear(err);
    return rs_project_load(&in, &p, err) == RS_OK ? p : NULL;
}

/* ---------------------------------------------------------------- the fake host */

typedef struct fake {
    const rs_project *p;
    rs_buf log;
    const char *seed_fails;    /* this seed's load fails */
    const char *model_fails;   /* this model's build errors */
    const char *model_no_row;  /* this model gets no row (RS_RUN_NOT_SELECTED) */
    const char *test_fails_on; /* tests of this node fail ... */
    const char *failing_rel;   /* ... reading this relation (NULL: the node's own) */
    const char *host_fails;    /* "seed", "models", "tests" or "skip": that callback errors */
} fake;

/* Start over (f must have been zeroed once). */
static void fake_reset(fake *f) {
    rs_buf_free(&f->log);
    memset(f, 0, sizeof(*f));
}

static const char *name_of(const fake *f, size_t m) {
    return rs_graph_name(rs_project_graph(f->p), m);
}

static int host_error(fake *f, const char *step, rs_err *err) {
    if (f->host_fails == NULL || strcmp(f->host_fails, step) != 0)
        return RS_OK;
    rs_buf_printf(&f->log, "%s: host error\n", step);
    return rs_err_set(err, RS_EIO, "%s failed", step);
}

static int fake_skip(void *ctx, size_t m, const char *message, size_t seq, size_t total,
                     rs_err *err) {
    fake *f = ctx;

    rs_buf_printf(&f->log, "skip %s %zu/%zu %s\n", name_of(f, m), seq, total, message);
    return host_error(f, "skip", err);
}

static int fake_seed(void *ctx, size_t m, size_t seq, size_t total, int *ok, rs_err *err) {
    fake *f = ctx;

    *ok = f->seed_fails == NULL || strcmp(f->seed_fails, name_of(f, m)) != 0;
    rs_buf_printf(&f->log, "seed %s %zu/%zu %s\n", name_of(f, m), seq, total, *ok ? "ok" : "ERROR");
    return host_error(f, "seed", err);
}

static int fake_models(void *ctx, const size_t *nodes, size_t n, rs_run_status *status,
                       rs_err *err) {
    fake *f = ctx;
    size_t i;

    rs_buf_puts(&f->log, "models");
    for (i = 0; i < n; i++) {
        const char *name = name_of(f, nodes[i]);
        status[i] = RS_RUN_SUCCESS;
        if (f->model_fails != NULL && strcmp(name, f->model_fails) == 0)
            status[i] = RS_RUN_ERROR;
        if (f->model_no_row != NULL && strcmp(name, f->model_no_row) == 0)
            status[i] = RS_RUN_NOT_SELECTED;
        rs_buf_printf(&f->log, " %s", name);
    }
    rs_buf_putc(&f->log, '\n');
    return host_error(f, "models", err);
}

/* Each node has two tests: one passes, one warns; test_fails_on adds a failing one. */
static int fake_tests(void *ctx, const size_t *nodes, size_t n, const size_t *later, size_t n_later,
                      rs_datatest_summary *out, rs_err *err) {
    fake *f = ctx;
    size_t i;

    (void)later;
    (void)n_later;

    rs_buf_puts(&f->log, "tests");
    for (i = 0; i < n; i++) {
        const char *name = name_of(f, nodes[i]);
        rs_buf_printf(&f->log, " %s", name);
        out->tests += 2;
        out->pass++;
        out->warn++;
        if (f->test_fails_on != NULL && strcmp(name, f->test_fails_on) == 0) {
            const char *rel =
                f->failing_rel ? f->failing_rel : rs_project_model(f->p, nodes[i])->relation;
            out->tests++;
            out->fail++;
            out->failing = realloc(out->failing, (out->n_failing + 1) * sizeof(char *));
            out->failing[out->n_failing++] = strdup(rel);
        }
    }
    rs_buf_putc(&f->log, '\n');
    return host_error(f, "tests", err);
}

/* The log of one build, then "summary: <json>" or "error: <msg>"; malloc'd. */
static char *build_log(const rs_project *p, fake *f, const char *select, const char *exclude) {
    rs_build_host host = {f, fake_skip, fake_seed, fake_models, fake_tests, NULL};
    rs_buf json = RS_BUF_INIT;
    rs_build *b = NULL;
    char *out;
    rs_err err;
    int rc;

    f->p = p;
    rs_buf_reset(&f->log);
    rs_err_clear(&err);
    rc = rs_build_new(p, select, exclude, &b, &err);
    if (rc == RS_OK)
        rc = rs_build_run(b, &host, &err);
    if (rc == RS_OK)
        rc = rs_build_summary(b, 4, &json, &err);
    if (rc == RS_OK)
        rs_buf_printf(&f->log, "summary: %s", rs_buf_cstr(&json));
    else
        rs_buf_printf(&f->log, "error: %s", err.msg);
    out = strdup(rs_buf_cstr(&f->log));
    rs_buf_free(&json);
    rs_build_free(b);
    return out;
}

static void check_build(const char *label, const rs_project *p, fake *f, const char *select,
                        const char *exclude, const char *want) {
    char *got = build_log(p, f, select, exclude);

    CHECK_STR(label, got, want);
    free(got);
}

/* ---------------------------------------------------------------- cases */

static void test_all_good(const rs_project *p) {
    fake f;

    memset(&f, 0, sizeof(f));
    check_build("build/levels_in_order", p, &f, NULL, NULL,
                "seed s1 1/8 ok\n"
                "seed s2 2/8 ok\n"
                "tests s1 s2\n"
                "models a d\n"
                "tests a d\n"
                "models b e\n"
                "tests b e\n"
                "models c f\n"
                "tests c f\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":2,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":6,\"error\":0,\"skipped\":0},"
                "\"tests\":{\"pass\":8,\"fail\":0,\"error\":0,\"skipped\":0},\"incomplete\":[]}");
    rs_buf_free(&f.log);
}

static void test_failed_seed(const rs_project *p) {
    fake f;

    memset(&f, 0, sizeof(f));
    f.seed_fails = "s2";
    check_build("build/failed_seed_skips_downstream", p, &f, NULL, NULL,
                "seed s1 1/8 ok\n"
                "seed s2 2/8 ERROR\n"
                "tests s1 s2\n"
                "skip d 3/8 skipped: upstream seed 's2' failed\n"
                "models a\n"
                "tests a d\n"
                "skip e 4/8 skipped: upstream seed 's2' failed\n"
                "models b\n"
                "tests b e\n"
                "models c f\n"
                "tests c f\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":1,\"error\":1,\"skipped\":0},"
                "\"models\":{\"success\":4,\"error\":0,\"skipped\":2},"
                "\"tests\":{\"pass\":8,\"fail\":0,\"error\":0,\"skipped\":0},"
                "\"incomplete\":[\"d\",\"e\",\"s2\"]}");
    rs_buf_free(&f.log);
}

static void test_failed_model(const rs_project *p) {
    fake f;

    memset(&f, 0, sizeof(f));
    f.model_fails = "a";
    check_build("build/failed_model_skips_downstream", p, &f, NULL, NULL,
                "seed s1 1/8 ok\n"
                "seed s2 2/8 ok\n"
                "tests s1 s2\n"
                "models a d\n"
                "tests a d\n"
                "skip b 3/8 skipped: upstream model 'a' failed\n"
                "skip e 4/8 skipped: upstream model 'a' failed\n"
                "tests b e\n"
                "skip c 5/8 skipped: upstream model 'a' failed\n"
                "skip f 6/8 skipped: upstream model 'a' failed\n"
                "tests c f\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":2,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":1,\"error\":1,\"skipped\":4},"
                "\"tests\":{\"pass\":8,\"fail\":0,\"error\":0,\"skipped\":0},"
                "\"incomplete\":[\"a\",\"b\",\"c\",\"e\",\"f\"]}");

    /* a model the models step wrote no row for is not counted, but its descendants skip */
    fake_reset(&f);
    f.model_no_row = "b";
    check_build("build/model_without_row", p, &f, "a+", NULL,
                "models a\n"
                "tests a\n"
                "models b e\n"
                "tests b e\n"
                "skip c 1/5 skipped: upstream model 'b' failed\n"
                "skip f 2/5 skipped: upstream model 'b' failed\n"
                "tests c f\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":0,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":2,\"error\":0,\"skipped\":2},"
                "\"tests\":{\"pass\":5,\"fail\":0,\"error\":0,\"skipped\":0},"
                "\"incomplete\":[\"b\",\"c\",\"f\"]}");
    rs_buf_free(&f.log);
}

static void test_failing_test(const rs_project *p) {
    fake f;

    memset(&f, 0, sizeof(f));
    f.test_fails_on = "s1";
    check_build("build/failing_test_of_seed", p, &f, NULL, NULL,
                "seed s1 1/8 ok\n"
                "seed s2 2/8 ok\n"
                "tests s1 s2\n"
                "skip a 3/8 skipped: upstream seed 's1' has a failing test\n"
                "models d\n"
                "tests a d\n"
                "skip b 4/8 skipped: upstream seed 's1' has a failing test\n"
                "skip e 5/8 skipped: upstream seed 's1' has a failing test\n"
                "tests b e\n"
                "skip c 6/8 skipped: upstream seed 's1' has a failing test\n"
                "skip f 7/8 skipped: upstream seed 's1' has a failing test\n"
                "tests c f\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":2,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":1,\"error\":0,\"skipped\":5},"
                "\"tests\":{\"pass\":8,\"fail\":1,\"error\":0,\"skipped\":0},"
                "\"incomplete\":[\"a\",\"b\",\"c\",\"e\",\"f\",\"s1\"]}");

    /* a test of b (level 2) that reads a (level 1), as a singular test refs it: a goes bad
     * after its level was built; f (level 3, reading a) skips, c (reading only b) builds */
    fake_reset(&f);
    f.test_fails_on = "b";
    f.failing_rel = "ws.a";
    check_build("build/failing_test_upstream", p, &f, NULL, NULL,
                "seed s1 1/8 ok\n"
                "seed s2 2/8 ok\n"
                "tests s1 s2\n"
                "models a d\n"
                "tests a d\n"
                "models b e\n"
                "tests b e\n"
                "skip f 3/8 skipped: upstream model 'a' has a failing test\n"
                "models c\n"
                "tests c f\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":2,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":5,\"error\":0,\"skipped\":1},"
                "\"tests\":{\"pass\":8,\"fail\":1,\"error\":0,\"skipped\":0},"
                "\"incomplete\":[\"a\",\"f\"]}");

    /* a node already bad keeps its cause: its failing test does not make it "has a failing
     * test" */
    fake_reset(&f);
    f.model_fails = "a";
    f.test_fails_on = "a";
    check_build("build/failed_model_with_failing_test", p, &f, "a+", "c e f",
                "models a\n"
                "tests a\n"
                "skip b 1/2 skipped: upstream model 'a' failed\n"
                "tests b\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":0,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":0,\"error\":1,\"skipped\":1},"
                "\"tests\":{\"pass\":2,\"fail\":1,\"error\":0,\"skipped\":0},"
                "\"incomplete\":[\"a\",\"b\"]}");
    rs_buf_free(&f.log);
}

static void test_selection_and_errors(const rs_project *p) {
    fake f;

    memset(&f, 0, sizeof(f));
    check_build("build/selection", p, &f, "s2+", "e", /* s2, d */
                "seed s2 1/2 ok\n"
                "tests s2\n"
                "models d\n"
                "tests d\n"
                "summary: {\"run_id\":4,\"seeds\":{\"success\":1,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":1,\"error\":0,\"skipped\":0},"
                "\"tests\":{\"pass\":2,\"fail\":0,\"error\":0,\"skipped\":0},\"incomplete\":[]}");
    check_build("build/unknown_selector", p, &f, "nope", NULL,
                "error: selector 'nope': no model named 'nope'");
    check_build("build/disabled_selects_nothing", p, &f, "off", NULL,
                "summary: {\"run_id\":4,\"seeds\":{\"success\":0,\"error\":0,\"skipped\":0},"
                "\"models\":{\"success\":0,\"error\":0,\"skipped\":0},"
                "\"tests\":{\"pass\":0,\"fail\":0,\"error\":0,\"skipped\":0},\"incomplete\":[]}");

    f.host_fails = "seed";
    check_build("build/host_error_in_seed_stops", p, &f, NULL, NULL,
                "seed s1 1/8 ok\n"
                "seed: host error\n"
                "error: seed failed");
    f.host_fails = "models";
    check_build("build/host_error_in_models_stops", p, &f, "a+", NULL,
                "models a\n"
                "models: host error\n"
                "error: models failed");
    f.host_fails = "tests";
    check_build("build/host_error_in_tests_stops", p, &f, "a+", NULL,
                "models a\n"
                "tests a\n"
                "tests: host error\n"
                "error: tests failed");
    f.host_fails = "skip";
    f.model_fails = "a";
    check_build("build/host_error_in_skip_stops", p, &f, "a+", NULL,
                "models a\n"
                "tests a\n"
                "skip b 1/5 skipped: upstream model 'a' failed\n"
                "skip: host error\n"
                "error: skip failed");
    rs_buf_free(&f.log);
}

int main(void) {
    rs_project *p;
    rs_err err;

    p = load(&err);
    CHECK_STR("load", p ? "ok" : err.msg, "ok");
    if (p != NULL) {
        test_all_good(p);
        test_failed_seed(p);
        test_failed_model(p);
        test_failing_test(p);
        test_selection_and_errors(p);
    }
    rs_project_free(p);
    TEST_DONE();
}
