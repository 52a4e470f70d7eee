/*
 * build.h - rockset_build, as `dbt build`: seeds, models and tests in dependency order, level by
 * level, a failure skipping everything downstream of it.
 *
 * What it is for: ext/fn_models_build.c. This module decides WHAT happens in which order; the
 * host (a struct of callbacks, rs_build_host) does each step's I/O: loading a seed, building a
 * set of models (the runner, runner.h), running data tests (datatest.h), writing a skipped
 * node's rockset_run_results row. Nothing here knows SQLite or talks to Rockset.
 *
 * The plan, by levels of the selection's dependency order (rs_graph_levels: a node's level is
 * one more than that of its deepest selected ancestor; seeds, which ref nothing, are level 0).
 * For each level, nodes in graph index (name) order:
 *   1. a node with a bad parent (one that failed, was skipped, or has a failing test) is
 *      skipped: host->skip with "skipped: upstream seed 'x' failed" / "skipped: upstream model
 *      'x' has a failing test" (x: the node that first went bad up the chain), no work done;
 *   2. a seed is loaded as it comes (host->seed, one by one);
 *   3. the unit tests of the level's models run (host->units); a model whose unit test failed
 *      is skipped ("skipped: a unit test of model 'x' failed"), and its descendants with it;
 *      the others are built together (host->models, once);
 *   4. the tests of every node of the level run (host->tests, once; a test of a skipped node
 *      is recorded skipped by the test step itself). A test that failed or errored makes bad
 *      every selected node whose relation it read that is not bad yet - in any level, so a
 *      singular test can fail the upstream model it refs.
 * Levels are barriers: a model waits for the whole level before it, not only for its parents.
 * Node kinds map to steps in build.c (node_step): a new kind (a snapshot, a unit test run
 * before its model) gets its step there.
 *
 * The summary (rs_build_summary), exact:
 *   {"run_id":4,"seeds":{"success":2,"error":0,"skipped":0},
 *    "models":{"success":3,"error":0,"skipped":1},
 *    "tests":{"pass":5,"fail":1,"error":0,"skipped":0},"incomplete":["stg_orders", ...]}
 * counting what the steps reported (a warning test counts in none of the four); incomplete
 * lists the selected nodes that went bad, by name.
 *
 * Ownership: rs_build_new borrows the project (it must outlive the build) and copies nothing
 * else; rs_build_free frees what the build holds. Node arrays handed to callbacks are borrowed
 * for the call. Threads: one thread; every callback runs on the caller's thread, in order.
 * Errors: a callback's error stops the build at once and rs_build_run returns it (nothing is
 * rolled back: rows written stay); a node's own failure is not an error (the callback reports
 * it through its out-parameter).
 */
#ifndef RS_BUILD_H
#define RS_BUILD_H

#include "buf.h"
#include "compile.h"
#include "datatest.h"
#include "err.h"
#include "runner.h"

#include <stddef.h>

typedef struct rs_build_host {
    void *ctx;
    /* Record node skipped (its rockset_run_results row, message as given) and print its
     * progress line, numbered seq of total (seeds and skips share that count). */
    int (*skip)(void *ctx, size_t node, const char *message, size_t seq, size_t total, rs_err *err);
    /* Load seed node (its row, its progress line, seq of total); *ok = 0 when the seed
     * failed. */
    int (*seed)(void *ctx, size_t node, size_t seq, size_t total, int *ok, rs_err *err);
    /* Build models nodes[0..n) together, writing their rows; status[i] for nodes[i]:
     * RS_RUN_SUCCESS, _ERROR, _SKIPPED, or RS_RUN_NOT_SELECTED when it has no row. */
    int (*models)(void *ctx, const size_t *nodes, size_t n, rs_run_status *status, rs_err *err);
    /* Run the data tests of nodes[0..n), writing their rows; *out (zeroed) gets the counts
     * and the relations of failing tests (rs_build frees it). later[0..n_later): the selected
     * nodes of later levels (a test that also reads one of them waits for it). */
    int (*tests)(void *ctx, const size_t *nodes, size_t n, const size_t *later, size_t n_later,
                 rs_datatest_summary *out, rs_err *err);
    /* Run the unit tests of models nodes[0..n) (before they are built, as dbt build does),
     * writing their rows; failed[i] = 1 when a unit test of nodes[i] failed or errored; counts
     * added to *out. May be NULL (no unit tests). */
    int (*units)(void *ctx, const size_t *nodes, size_t n, unsigned char *failed,
                 rs_datatest_summary *out, rs_err *err);
} rs_build_host;

typedef struct rs_build rs_build;

/* Select the nodes of p (select / exclude as rs_graph_select; NULL select: every enabled node)
 * and lay out their levels. Errors: the selector's (graph.h), RS_ENOMEM. */
int rs_build_new(const rs_project *p, const char *select, const char *exclude, rs_build **out,
                 rs_err *err);
void rs_build_free(rs_build *b);
/* fail_fast (rockset_build's option): once a level has a node that failed (or whose test
 * failed), every node of the later levels is skipped with "skipped: fail_fast, after 'x'
 * failed" (x: the first such node, by index). */
void rs_build_set_fail_fast(rs_build *b, int on);

/* Run the plan (above) through host. */
int rs_build_run(rs_build *b, const rs_build_host *host, rs_err *err);

/* Append the summary JSON (above) with this run_id. RS_OK or RS_ENOMEM. */
int rs_build_summary(const rs_build *b, long long run_id, rs_buf *out, rs_err *err);

#endif
