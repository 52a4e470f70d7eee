/*
 * datatest.h - dbt's data tests: a rockset_tests row -> its config, its SQL, its verdict; and
 * running a list of them through a host that does the I/O.
 *
 * What it is for: rockset_test() and rockset_build()'s test step (ext/fn_models_test.c). The
 * host reads the rockset_tests rows out of SQLite into rs_datatest records and calls
 * rs_datatest_run with callbacks that answer "how did model m's latest build end", run a count
 * query on Rockset and record each outcome (its rockset_run_results row and progress line).
 * Everything else - which tests run, what each one compiles to, whether it is skipped, its
 * status and message, the counts - is decided here. Nothing here knows SQLite.
 *
 * Three kinds of test, each counting failing rows with one query:
 *   built-in   unique, not_null, accepted_values, relationships: queries written here (below),
 *              unless the project (package '') has its own macro test_<name>, which wins.
 *   generic    any other name: the macro test_<name> (the project's, as dbt finds it) or, for
 *              pkg.name, test_<name> of package pkg ({% test name(...) %} or an old-style
 *              {% macro test_name(...) %}). It is called with model= (a relation: renders as
 *              the model's ws.alias; .schema, .name, .identifier), column_name= (when the row
 *              has one) and the members of arg (a JSON object) as keyword arguments; a string
 *              argument written ref('m') or source('s', 't') is passed as that call, as dbt
 *              renders it. The SQL it renders selects the failing rows:
 *              SELECT COUNT(*) AS failures FROM (<sql>) AS dbt_internal_test
 *              (or the test's own config(fail_calc=...) instead of COUNT(*)).
 *   singular   test 'singular': sql is a template (ref, source, var, macros) selecting failing
 *              rows, counted the same way. It belongs to every model it refs.
 * A test's model may also be "source:s.t": it reads that source's collection.
 *
 * Built-in queries (t is the model's relation, or its compiled SQL as a subquery for an
 * ephemeral model):
 *   not_null         SELECT COUNT(*) AS failures FROM <t> AS t WHERE t.c IS NULL
 *   unique           ... FROM (SELECT t.c FROM <t> AS t WHERE t.c IS NOT NULL GROUP BY t.c
 *                    HAVING COUNT(*) > 1) AS dups
 *   accepted_values  ... WHERE t.c IS NOT NULL AND t.c NOT IN (<arg's values>)
 *                    arg: a JSON list, or {"values": [...]}
 *   relationships    ... WHERE t.c IS NOT NULL AND t.c NOT IN (SELECT p.f FROM <to> AS p
 *                    WHERE p.f IS NOT NULL); arg: {"to": "model" | "ref('model')" |
 *                    "source('s', 't')", "field": "f"}
 *
 * config (a JSON object, any kind): where (the model is read as (SELECT * FROM t WHERE <where>)
 * AS dbt_subquery, as dbt does; a where holding "{{" is rendered first), limit (the count stops
 * there), severity (error, default, or warn), error_if / warn_if (a comparison with the count:
 * '>10', '!=0' the default, '>=', '<', '<=', '=', '=='; severity error: error_if true -> fail,
 * else warn_if true -> warn; severity warn: warn_if true -> warn), enabled (false: skipped);
 * store_failures is not supported, and the message says it was ignored. Other keys are ignored.
 *
 * A test is skipped, never run, when a model it reads (its model, a relationships test's `to`,
 * every model a generic or singular test's SQL refs) is disabled, cannot be compiled, or its
 * latest build (host->last_build) failed or was skipped: its relation may then be empty, stale
 * or missing, and a test passing on it would prove nothing. Messages:
 *   skipped: model 'm' failed in run 3          skipped: model 'm' was skipped in run 3
 *   skipped: model 'm' line 2 column 6: unclosed '{{'     (the model's own error)
 *   skipped: disabled by its config
 * A test that ran: "<test>(<column>) on <model>: N failing rows" ("<test> on <model>" without a
 * column, the test's name for a singular one), then " (severity warn)" or " (warn: warn_if X
 * holds, error_if Y does not)" for a warning, "; store_failures is not supported and was
 * ignored" when asked. A test that could not be compiled or run has status error and its
 * message ("rockset_test: no model named 'x'", the query's error, ...); that is the test's
 * outcome, not an error of the run.
 *
 * Error texts of the parts, exact (RS_EINVAL): rs_datatest_config_parse:
 *   config must be a JSON object
 *   config 'severity' must be 'warn' or 'error', not 'x'
 *   config 'where' must be a string            (also 'warn_if', 'error_if')
 *   config 'limit' must be a whole number >= 0
 *   config 'warn_if' is too long: '...'        (31 bytes at most)
 * rs_datatest_verdict:
 *   config 'warn_if' must be a comparison with a number such as '>10', not 'x'
 * rs_datatest_compile (each "rockset_test: "-prefixed): "test #N has no column_name",
 *   "unknown test 'x'", "no model named 'x'" (+ "; did you mean 'y'?"), "model 'x' is a query
 *   lambda, which has no rows to test", "source('s', 't') is not in rockset_sources",
 *   "cannot read 'x'", "accepted_values needs arg: a JSON list or {"values": [...]}",
 *   "accepted_values takes strings, numbers and booleans", "relationships needs arg {"to":
 *   "model", "field": "f"}", "arg must be a JSON object", "argument 'x' is not a name", "test
 *   name 'x' is too long", "singular test 'x' has no sql", "no generic test 'x': no macro x in
 *   rockset_macros (...)", and the template's own errors (compile.h).
 *
 * Ownership: rs_datatest strings are the caller's and only read. rs_datatest_config.where,
 * rs_datatest_plan and rs_datatest_summary own what they hold; free them with their _free
 * functions (NULL-safe, zeroing). Strings in an rs_datatest_outcome are borrowed for the
 * duration of the record callback only.
 * Threads: one thread at a time per project (compile.h); the host's callbacks run on the
 * caller's thread.
 */
#ifndef RS_DATATEST_H
#define RS_DATATEST_H

#include "buf.h"
#include "compile.h"
#include "err.h"
#include "graph.h"

#include <stddef.h>

/* One rockset_tests row; NULL for SQL NULL (model and test never are). */
typedef struct rs_datatest {
    long long id;
    const char *model; /* a model's name, or "source:s.t" */
    const char *column;
    const char *test;   /* unique, not_null, accepted_values, relationships, singular, or generic */
    const char *arg;    /* JSON */
    const char *name;   /* the test's name in rockset_run_results, or NULL */
    const char *config; /* JSON object */
    const char *sql;    /* a singular test's template */
} rs_datatest;

/* ---------------------------------------------------------------- the parts */

/* A test's config (see the top). */
typedef struct rs_datatest_config {
    int severity_warn;
    int disabled;
    int store_failures; /* asked for; not supported, noted in the message */
    char *where;        /* malloc'd or NULL */
    long long limit;    /* -1: none */
    char warn_if[32];   /* as written ("!=0" by default); checked by rs_datatest_verdict */
    char error_if[32];
} rs_datatest_config;

/* Read config_json (NULL: the defaults) into c, which is always initialised (free it with
 * rs_datatest_config_free even on failure). Errors above, without a prefix. */
int rs_datatest_config_parse(const char *config_json, rs_datatest_config *c, rs_err *err);
void rs_datatest_config_free(rs_datatest_config *c);

/* The status for this many failing rows under c: "pass", "fail" or "warn" (static strings).
 * RS_EINVAL when a threshold is not a comparison (above). */
int rs_datatest_verdict(const rs_datatest_config *c, long long failures, const char **status,
                        rs_err *err);

/* What a test reads: its model's (or source's) relation, maybe through config's where. */
typedef struct rs_datatest_target {
    rs_buf sql;         /* the relation, or (SELECT * FROM t WHERE <where>) */
    int wrapped;        /* sql is the where subquery */
    const char *schema; /* what model.schema / model.name render as (borrowed) */
    const char *name;
    const char *relation; /* "ws.alias" or a source's relation, or NULL (borrowed) */
} rs_datatest_target;

/* A compiled test. Zero it before rs_datatest_compile; free with rs_datatest_plan_free. */
typedef struct rs_datatest_plan {
    rs_buf sql;  /* the count query: one row, one column `failures` */
    char **refs; /* the models a generic or singular test's SQL ref()s (malloc'd) */
    size_t n_refs;
    rs_datatest_target target; /* not for a singular test */
} rs_datatest_plan;

/* Compile test t (config c) against project p into plan; label names it in template errors
 * (its rs_datatest_name). Errors above; plan may be partly filled on failure. */
int rs_datatest_compile(rs_project *p, const rs_datatest *t, const rs_datatest_config *c,
                        const char *label, rs_datatest_plan *plan, rs_err *err);
void rs_datatest_plan_free(rs_datatest_plan *plan);

/* The model a relationships test reads as its parent (its arg's "to": "m" or "ref('m')"), into
 * name: 1, or 0 when there is none (another test, a source, an arg the test will refuse, a
 * name that does not fit). */
int rs_datatest_parent_model(const rs_datatest *t, char *name, size_t size);

/* The test's name: its row's name, else "<test>_<model>_<column>". */
int rs_datatest_name(const rs_datatest *t, rs_buf *out);

/* ---------------------------------------------------------------- running */

/* What one test came to: its rockset_run_results row. */
typedef struct rs_datatest_outcome {
    const char *status; /* pass, fail, warn, error, skipped */
    char message[900];
    long long failures; /* rows_affected; -1: none */
    long long started_ms;
    long long elapsed_ms; /* 0 for a skipped test */
    const char *query_id; /* or NULL */
    const char *sql;      /* the query, or NULL (skipped) */
    const char *relation; /* what it read, or NULL (skipped) */
} rs_datatest_outcome;

/* What the caller provides. Every callback runs on the caller's thread, in the order of the
 * tests; an error returned by last_build or record stops the run (rs_datatest_run returns it),
 * an error of query is the test's own (status error, its message). */
typedef struct rs_datatest_host {
    void *ctx;
    /* The latest build of model (not a test) in rockset_run_results: its status into status
     * ("" when there is none) and its run_id. */
    int (*last_build)(void *ctx, const char *model, char *status, size_t size, long long *run_id,
                      rs_err *err);
    /* Run the count query sql: *failures from its row, *query_id (malloc'd; freed by
     * rs_datatest_run after record). */
    int (*query)(void *ctx, const char *sql, long long *failures, char **query_id, rs_err *err);
    /* Test `name` (seq of total) starts: a progress line. May be NULL. */
    void (*start)(void *ctx, const char *name, size_t seq, size_t total);
    /* Test `name` came to o: write its row, print its progress line (rs_datatest_progress). */
    int (*record)(void *ctx, const char *name, const rs_datatest_outcome *o, size_t seq,
                  size_t total, rs_err *err);
} rs_datatest_host;

/* What a run came to. Zero it before rs_datatest_run; free with rs_datatest_summary_free. */
typedef struct rs_datatest_summary {
    size_t tests; /* selected */
    size_t pass;
    size_t fail;
    size_t warn;
    size_t error;
    size_t skipped;
    char **failing; /* the relation of every test that failed or errored (malloc'd; repeats) */
    size_t n_failing;
} rs_datatest_summary;

/* Run tests[0..n) whose model is in sel (sel NULL: every test; a test of a source runs only
 * then), in the given order, each through host. Counts go to *out. RS_OK unless a callback
 * stopped the run or memory ran out. */
int rs_datatest_run(rs_project *p, const rs_datatest *tests, size_t n, const rs_graph_sel *sel,
                    const rs_datatest_host *host, rs_datatest_summary *out, rs_err *err);
/* The same for one level of a build: `later` holds the build's nodes not built yet; a test
 * runs with the later of its model and its relationships parent (the level where both are
 * built), as dbt build waits for every parent of a test. */
int rs_datatest_run_build(rs_project *p, const rs_datatest *tests, size_t n,
                          const rs_graph_sel *sel, const rs_graph_sel *later,
                          const rs_datatest_host *host, rs_datatest_summary *out, rs_err *err);
void rs_datatest_summary_free(rs_datatest_summary *s);

/* rockset_test()'s result:
 * {"run_id":N,"tests":N,"pass":N,"fail":N,"warn":N,"error":N,"skipped":N}. */
int rs_datatest_summary_json(long long run_id, const rs_datatest_summary *s, rs_buf *out);

/* A recorded test's progress line parts: text "PASS name" ("SKIP test name" when skipped) and
 * status "PASS in 0.12s" ("SKIP"). */
void rs_datatest_progress(const rs_datatest_outcome *o, const char *name, char *text,
                          size_t text_size, char *status, size_t status_size);

#endif
