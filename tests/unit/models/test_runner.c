/*
 * test_runner.c - unit tests of src/runner.c: dependency order, concurrency bound, skipping of
 * descendants, fail_fast, interrupts and events, with a fake build function (no network).
 *
 * The graph used throughout (parent -> child):
 *   a -> b -> c -> f,  a -> d,  e alone,  g -> h (g fails when told to)
 */
#include "buf.h"
#include "models/graph.h"
#include "models/runner.h"
#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define N_MODELS 8

typedef struct fake {
    pthread_mutex_t lock;
    int sleep_ms[N_MODELS];
    int fail[N_MODELS];
    double start[N_MODELS];
    double end[N_MODELS];
    int in_flight;
    int max_in_flight;
    int n_built;
    int stop_after; /* should_stop says yes once this many models were built; 0 = never */
    int events[3];
    char order[N_MODELS + 1];
    const rs_graph *g;
} fake;

static double now_ms(void) {
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms) {
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

static int fake_build(void *ctx, rs_api *api, size_t model, rs_err *err) {
    fake *f = ctx;
    int fail;

    (void)api;
    pthread_mutex_lock(&f->lock);
    f->start[model] = now_ms();
    f->in_flight++;
    if (f->in_flight > f->max_in_flight)
        f->max_in_flight = f->in_flight;
    f->order[strlen(f->order)] = rs_graph_name(f->g, model)[0];
    pthread_mutex_unlock(&f->lock);
    sleep_ms(f->sleep_ms[model]);
    pthread_mutex_lock(&f->lock);
    f->in_flight--;
    f->n_built++;
    f->end[model] = now_ms();
    fail = f->fail[model];
    pthread_mutex_unlock(&f->lock);
    if (fail)
        return rs_err_set(err, RS_EHTTP, "rockset: boom in %s", rs_graph_name(f->g, model));
    return RS_OK;
}

static void fake_event(void *ctx, const rs_run_event *ev) {
    fake *f = ctx;

    f->events[ev->kind]++;
}

static int fake_stop(void *ctx) {
    fake *f = ctx;
    int stop;

    pthread_mutex_lock(&f->lock);
    stop = f->stop_after > 0 && f->n_built >= f->stop_after;
    pthread_mutex_unlock(&f->lock);
    return stop;
}

static rs_graph *make_graph(void) {
    static const char *const b_refs[] = {"a"}, *const c_refs[] = {"b"}, *const d_refs[] = {"a"},
                             *const f_refs[] = {"c"}, *const h_refs[] = {"g"};
    rs_graph_model m[N_MODELS];
    rs_graph *g = NULL;
    rs_err err;
    const char *names = "abcdefgh";
    int i;

    memset(m, 0, sizeof(m));
    for (i = 0; i < N_MODELS; i++) {
        static char name_text[N_MODELS][2];
        name_text[i][0] = names[i];
        m[i].name = name_text[i];
        m[i].enabled = 1;
    }
    m[1].refs = b_refs, m[1].n_refs = 1;
    m[2].refs = c_refs, m[2].n_refs = 1;
    m[3].refs = d_refs, m[3].n_refs = 1;
    m[5].refs = f_refs, m[5].n_refs = 1;
    m[7].refs = h_refs, m[7].n_refs = 1;
    rs_err_clear(&err);
    if (rs_graph_build(m, N_MODELS, &g, &err) != RS_OK)
        return NULL;
    return g;
}

static void fake_init(fake *f, const rs_graph *g) {
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    f->g = g;
}

static int run(fake *f, const rs_graph_sel *sel, int threads, int fail_fast, rs_run_outcome *out,
               rs_err *err) {
    rs_runner_opts opts;

    memset(&opts, 0, sizeof(opts));
    opts.threads = threads;
    opts.fail_fast = fail_fast;
    opts.build = fake_build;
    opts.on_event = fake_event;
    opts.should_stop = fake_stop;
    opts.ctx = f;
    rs_err_clear(err);
    return rs_runner_run(f->g, sel, &opts, out, err);
}

/* Every child started after its parents ended. */
static int order_respected(const fake *f, const rs_run_outcome *out) {
    size_t m, i, n;
    const size_t *parents;

    for (m = 0; m < N_MODELS; m++) {
        if (out[m].status != RS_RUN_SUCCESS && out[m].status != RS_RUN_ERROR)
            continue;
        rs_graph_parents(f->g, m, &parents, &n);
        for (i = 0; i < n; i++) {
            if (f->end[parents[i]] > f->start[m])
                return 0;
        }
    }
    return 1;
}

static void test_one_thread(const rs_graph *g) {
    fake f;
    rs_run_outcome out[N_MODELS];
    rs_err err;
    int rc, i, all_ok = 1;

    fake_init(&f, g);
    rc = run(&f, NULL, 1, 0, out, &err);
    CHECK_INT("one_thread/rc", rc, RS_OK);
    CHECK_STR("one_thread/order_is_topological_by_name", f.order, "abcdefgh");
    for (i = 0; i < N_MODELS; i++)
        all_ok &= out[i].status == RS_RUN_SUCCESS && out[i].seq == (size_t)i + 1;
    CHECK("one_thread/all_success_numbered", all_ok);
    CHECK_INT("one_thread/max_in_flight", f.max_in_flight, 1);
    CHECK_INT("one_thread/start_events", f.events[RS_RUN_EV_START], 8);
    CHECK_INT("one_thread/end_events", f.events[RS_RUN_EV_END], 8);
    CHECK("one_thread/started_ms_set", out[0].started_ms > 1700000000000LL);
}

static void test_concurrency(const rs_graph *g) {
    fake f;
    rs_run_outcome out[N_MODELS];
    rs_err err;
    double t0, wall;
    int i, rc;

    fake_init(&f, g);
    for (i = 0; i < N_MODELS; i++)
        f.sleep_ms[i] = 100;
    t0 = now_ms();
    rc = run(&f, NULL, 3, 0, out, &err);
    wall = now_ms() - t0;
    CHECK_INT("threads3/rc", rc, RS_OK);
    CHECK_INT("threads3/max_in_flight", f.max_in_flight, 3);
    CHECK("threads3/parents_before_children", order_respected(&f, out));
    /* levels: {a,e,g} {b,d,h} {c} {f}: 4 waves of 100 ms, far below 8 x 100 serial (the margin
     * leaves room for valgrind) */
    CHECK("threads3/wall_time_is_the_critical_path", wall < 650.0);
    CHECK("threads3/elapsed_measured", out[0].elapsed_ms >= 99.0);

    fake_init(&f, g);
    for (i = 0; i < N_MODELS; i++)
        f.sleep_ms[i] = 30;
    rc = run(&f, NULL, 64, 0, out, &err);
    CHECK_INT("threads64/rc", rc, RS_OK);
    CHECK("threads64/independent_models_overlap", f.max_in_flight >= 2);
    CHECK("threads64/parents_before_children", order_respected(&f, out));
}

static void test_failure_skips_descendants(const rs_graph *g) {
    fake f;
    rs_run_outcome out[N_MODELS];
    rs_err err;
    int rc;

    fake_init(&f, g);
    f.fail[1] = 1; /* b */
    rc = run(&f, NULL, 2, 0, out, &err);
    CHECK_INT("fail_b/rc_is_ok", rc, RS_OK);
    CHECK_INT("fail_b/b_error", out[1].status, RS_RUN_ERROR);
    CHECK_STR("fail_b/b_message", out[1].err.msg, "rockset: boom in b");
    CHECK_INT("fail_b/c_skipped", out[2].status, RS_RUN_SKIPPED);
    CHECK_INT("fail_b/c_cause_b", out[2].cause, 1);
    CHECK_INT("fail_b/f_skipped", out[5].status, RS_RUN_SKIPPED);
    CHECK_INT("fail_b/f_cause_b", out[5].cause, 1);
    CHECK_INT("fail_b/a_ok", out[0].status, RS_RUN_SUCCESS);
    CHECK_INT("fail_b/d_ok", out[3].status, RS_RUN_SUCCESS);
    CHECK_INT("fail_b/e_ok", out[4].status, RS_RUN_SUCCESS);
    CHECK_INT("fail_b/h_ok", out[7].status, RS_RUN_SUCCESS);
    CHECK_INT("fail_b/built", f.n_built, 6);
    CHECK_INT("fail_b/skip_events", f.events[RS_RUN_EV_SKIP], 2);
    CHECK("fail_b/skipped_numbered", out[2].seq > 0 && out[5].seq > 0);
}

/* Models the caller knows cannot be built are skipped first, with the cause it names. */
static void test_pre_skip(const rs_graph *g) {
    fake f;
    rs_run_outcome out[N_MODELS];
    long skip[N_MODELS];
    rs_runner_opts opts;
    rs_err err;
    int i, rc;

    fake_init(&f, g);
    for (i = 0; i < N_MODELS; i++)
        skip[i] = -1;
    skip[2] = 6; /* c, for g (which is built, and fails) */
    f.fail[6] = 1;
    memset(&opts, 0, sizeof(opts));
    opts.threads = 2;
    opts.build = fake_build;
    opts.on_event = fake_event;
    opts.ctx = &f;
    opts.skip_cause = skip;
    rs_err_clear(&err);
    rc = rs_runner_run(g, NULL, &opts, out, &err);
    CHECK_INT("pre_skip/rc", rc, RS_OK);
    CHECK_INT("pre_skip/c_skipped", out[2].status, RS_RUN_SKIPPED);
    CHECK_INT("pre_skip/c_cause", out[2].cause, 6);
    CHECK_INT("pre_skip/c_numbered_first", out[2].seq, 1);
    CHECK_INT("pre_skip/f_skipped_with_c", out[5].status, RS_RUN_SKIPPED);
    CHECK_INT("pre_skip/f_same_cause", out[5].cause, 6);
    CHECK_INT("pre_skip/h_skipped_by_g", out[7].cause, 6);
    CHECK_INT("pre_skip/built", f.n_built, 5);
    CHECK_INT("pre_skip/skip_events", f.events[RS_RUN_EV_SKIP], 3);
}

static void test_fail_fast(const rs_graph *g) {
    fake f;
    rs_run_outcome out[N_MODELS];
    rs_err err;
    int rc, i, skipped = 0;

    fake_init(&f, g);
    f.fail[0] = 1; /* a, the first one a single thread starts */
    rc = run(&f, NULL, 1, 1, out, &err);
    CHECK_INT("fail_fast/rc", rc, RS_OK);
    CHECK_INT("fail_fast/built_only_a", f.n_built, 1);
    for (i = 1; i < N_MODELS; i++)
        skipped += out[i].status == RS_RUN_SKIPPED;
    CHECK_INT("fail_fast/rest_skipped", skipped, 7);
    CHECK_INT("fail_fast/e_cause_none", out[4].cause, -1);
}

static void test_selection(const rs_graph *g) {
    fake f;
    rs_run_outcome out[N_MODELS];
    rs_graph_sel *sel = NULL;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_graph_select(g, "b+", NULL, &sel, &err);
    CHECK_INT("select/ok", rc, RS_OK);
    if (rc != RS_OK)
        return;
    fake_init(&f, g);
    rc = run(&f, sel, 4, 0, out, &err);
    CHECK_INT("select/rc", rc, RS_OK);
    CHECK_STR("select/order", f.order, "bcf");
    CHECK_INT("select/a_not_selected", out[0].status, RS_RUN_NOT_SELECTED);
    CHECK_INT("select/a_seq_zero", out[0].seq, 0);
    CHECK_INT("select/f_seq", out[5].seq, 3);
    rs_graph_sel_free(sel);
}

static void test_interrupt(const rs_graph *g) {
    fake f;
    rs_run_outcome out[N_MODELS];
    rs_err err;
    int rc, i, skipped = 0;

    fake_init(&f, g);
    for (i = 0; i < N_MODELS; i++)
        f.sleep_ms[i] = 60;
    f.stop_after = 1;
    rc = run(&f, NULL, 1, 0, out, &err);
    CHECK_INT("interrupt/rc", rc, RS_EINTERRUPT);
    CHECK_STR("interrupt/message", err.msg, "rockset: interrupted");
    CHECK("interrupt/stopped_early", f.n_built <= 2);
    for (i = 0; i < N_MODELS; i++)
        skipped += out[i].status == RS_RUN_SKIPPED;
    CHECK_INT("interrupt/rest_skipped", skipped, N_MODELS - f.n_built);
}

static void test_empty_selection(void) {
    rs_graph_model m;
    rs_graph *g = NULL;
    rs_graph_sel *sel = NULL;
    rs_run_outcome out[1];
    fake f;
    rs_err err;
    int rc;

    memset(&m, 0, sizeof(m));
    m.name = "off";
    m.enabled = 0;
    rs_err_clear(&err);
    rc = rs_graph_build(&m, 1, &g, &err);
    if (rc == RS_OK)
        rc = rs_graph_select(g, NULL, NULL, &sel, &err);
    CHECK_INT("empty/setup", rc, RS_OK);
    if (rc != RS_OK)
        return;
    fake_init(&f, g);
    rc = run(&f, sel, 8, 0, out, &err);
    CHECK_INT("empty/rc", rc, RS_OK);
    CHECK_INT("empty/nothing_built", f.n_built, 0);
    CHECK_INT("empty/not_selected", out[0].status, RS_RUN_NOT_SELECTED);
    rs_graph_sel_free(sel);
    rs_graph_free(g);
}

static void test_time_format(void) {
    char buf[32];

    rs_runner_format_time(1700000000123LL, buf, sizeof(buf));
    CHECK_STR("time/format", buf, "2023-11-14T22:13:20.123Z");
}

static void test_progress_line(void) {
    rs_buf b = RS_BUF_INIT;

    rs_runner_progress_line(&b, "12:00:01", 2, 5, "OK created table model ws.x", "OK in 0.31s");
    CHECK_STR("progress/padded_to_column_76", rs_buf_cstr(&b),
              "12:00:01 | 2 of 5 OK created table model ws.x "
              "............................. [OK in 0.31s]");
    CHECK_INT("progress/brackets_at_76", strchr(rs_buf_cstr(&b), '[') - rs_buf_cstr(&b), 76);
    rs_buf_reset(&b);
    rs_runner_progress_line(
        &b, "09:05:00", 10, 100,
        "START incremental model a_workspace_with_a_long_name.and_a_long_model_name", "RUN");
    CHECK_STR("progress/long_text_gets_three_dots", rs_buf_cstr(&b),
              "09:05:00 | 10 of 100 START incremental model "
              "a_workspace_with_a_long_name.and_a_long_model_name ... [RUN]");
    rs_buf_free(&b);
}

int main(void) {
    rs_graph *g = make_graph();

    CHECK("setup/graph", g != NULL);
    if (g == NULL)
        TEST_DONE();
    test_one_thread(g);
    test_concurrency(g);
    test_failure_skips_descendants(g);
    test_pre_skip(g);
    test_fail_fast(g);
    test_selection(g);
    test_interrupt(g);
    test_empty_selection();
    test_time_format();
    test_progress_line();
    rs_graph_free(g);
    TEST_DONE();
}
