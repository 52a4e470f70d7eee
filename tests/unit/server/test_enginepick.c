/*
 * test_enginepick.c - the engine a repeated statement runs on, by its measured times
 * (server/enginepick.h): the rule's engine for its first runs, then the other engine's runs to
 * measure it (each engine's first run not counted), then the faster by the margin; the other
 * engine is never tried where the columns were refused for more than counts; a columns run
 * refused after all stops the tries; the rule choosing otherwise (seen on its runs) starts
 * again; the slower
 * engine is measured again after PICK_REPROBE runs, and SQLite once an index its runs asked for
 * may have been built after it was measured slower; EXPLAIN shows the choice without asking
 * for a run; without a table every run follows the rule.
 */
#include "server/enginepick.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

#define KEY "10\n\nSELECT count(*) FROM c"

/* The store's generation the runs see (rl_enginepick_next's indexes). */
static int64_t g_indexes;

/* One run of KEY as the table asks, the rule choosing rule_cols (cost_only for its refusals),
 * the rows engine taking rows_us and the columns cols_us; returns the engine that ran. */
static rl_pick run(rl_enginepick *p, int rule_cols, int cost_only, int64_t rows_us,
                   int64_t cols_us) {
    int seen;
    rl_pick pick = rl_enginepick_next(p, KEY, g_indexes, 0, &seen);
    int cols = pick == RL_PICK_RULE ? rule_cols : pick == RL_PICK_COLUMNS;
    rl_enginepick_done(p, KEY, pick, cols, cols ? -1 : cost_only, cols ? cols_us : rows_us);
    return cols ? RL_PICK_COLUMNS : RL_PICK_ROWS;
}

/* The engines of n runs as a string: c for the columns, r for SQLite. */
static void runs(rl_enginepick *p, int n, int rule_cols, int cost_only, int64_t rows_us,
                 int64_t cols_us, char *out) {
    for (int i = 0; i < n; i++)
        out[i] = run(p, rule_cols, cost_only, rows_us, cols_us) == RL_PICK_COLUMNS ? 'c' : 'r';
    out[n] = '\0';
}

static void test_rows_faster(void) {
    rl_enginepick *p = rl_enginepick_new();
    char seq[64];
    double r, c;
    CHECK("made", p != NULL);
    /* 1 + PICK_WARM as the rule says, 1 + PICK_SAMPLES on SQLite, then SQLite */
    runs(p, 12, 1, -1, 1000, 3000, seq);
    CHECK_STR("rule_then_sqlite_measured_then_sqlite", seq, "ccccrrrrrrrr");
    CHECK_INT("medians_known", rl_enginepick_medians(p, KEY, &r, &c), 1);
    CHECK("rows_median", r == 1.0);
    CHECK("columns_median", c == 3.0);
    int seen;
    CHECK_INT("explain_shows_sqlite", rl_enginepick_next(p, KEY, 0, 1, &seen), RL_PICK_ROWS);
    CHECK_INT("explain_rule_was_columns", seen, 1);
    rl_enginepick_free(p);
}

static void test_within_margin_keeps_rule(void) {
    rl_enginepick *p = rl_enginepick_new();
    char seq[64];
    /* SQLite 15 % faster: not enough to leave the rule's engine */
    runs(p, 12, 1, -1, 850, 1000, seq);
    CHECK_STR("rule_kept", seq, "ccccrrrrcccc");
    int seen;
    CHECK_INT("explain_rule", rl_enginepick_next(p, KEY, 0, 1, &seen), RL_PICK_RULE);
    rl_enginepick_free(p);
}

static void test_columns_when_cost_only(void) {
    rl_enginepick *p = rl_enginepick_new();
    char seq[64];
    runs(p, 12, 0, 1, 3000, 1000, seq);
    CHECK_STR("columns_measured_then_chosen", seq, "rrrrcccccccc");
    rl_enginepick_free(p);
    p = rl_enginepick_new();
    runs(p, 12, 0, 0, 3000, 1000, seq);
    CHECK_STR("refused_for_its_shape_never_tried", seq, "rrrrrrrrrrrr");
    rl_enginepick_free(p);
    p = rl_enginepick_new();
    runs(p, 12, 0, -1, 3000, 1000, seq);
    CHECK_STR("not_asked_never_tried", seq, "rrrrrrrrrrrr");
    rl_enginepick_free(p);
}

static void test_columns_refused_after_all(void) {
    rl_enginepick *p = rl_enginepick_new();
    int seen;
    for (int i = 0; i < 1 + PICK_WARM; i++)
        run(p, 0, 1, 3000, 1000);
    CHECK_INT("asks_columns", rl_enginepick_next(p, KEY, 0, 0, &seen), RL_PICK_COLUMNS);
    rl_enginepick_done(p, KEY, RL_PICK_COLUMNS, 0, 0, 3000); /* a replica catching up */
    CHECK_INT("back_to_the_rule", rl_enginepick_next(p, KEY, 0, 0, &seen), RL_PICK_RULE);
    run(p, 0, 1, 3000, 1000); /* the rule's run finds them possible again */
    CHECK_INT("tried_again", rl_enginepick_next(p, KEY, 0, 0, &seen), RL_PICK_COLUMNS);
    rl_enginepick_free(p);
}

static void test_rule_changes(void) {
    rl_enginepick *p = rl_enginepick_new();
    char seq[64];
    runs(p, 12, 1, -1, 850, 1000, seq); /* the rule's columns kept */
    /* the rule now says SQLite (fewer documents): measured from the start, the columns tried;
     * their second try, over SQLite's median, has lost at once (the budget) */
    runs(p, 10, 0, 1, 1000, 3000, seq);
    CHECK_STR("measured_again", seq, "rrrrccrrrr");
    rl_enginepick_free(p);
}

static void test_reprobe(void) {
    rl_enginepick *p = rl_enginepick_new();
    char seq[PICK_REPROBE + 16], want[PICK_REPROBE + 16];
    runs(p, 12, 1, -1, 1000, 3000, seq); /* 4 of them chosen by the times */
    /* the columns got faster (data grew); noticed only when they are measured again, on the
     * PICK_REPROBE-th run chosen by the times */
    runs(p, PICK_REPROBE - 4, 1, -1, 1000, 500, seq);
    memset(want, 'r', PICK_REPROBE - 4);
    want[PICK_REPROBE - 4] = '\0';
    CHECK_STR("sqlite_until_the_reprobe", seq, want);
    runs(p, 1 + PICK_WARM + 1, 1, -1, 1000, 500, seq);
    CHECK_STR("columns_measured_again_then_chosen", seq, "ccccc");
    rl_enginepick_free(p);
}

static void test_index_built(void) {
    rl_enginepick *p = rl_enginepick_new();
    char seq[64];
    g_indexes = 7;
    runs(p, 12, 1, -1, 3000, 1000, seq);            /* SQLite slower: the columns kept */
    CHECK_STR("columns_kept", seq, "ccccrrcccccc"); /* the second try lost */
    /* a try on SQLite asked for a composite; until one is built, nothing changes */
    rl_enginepick_asked(p, KEY, 7);
    runs(p, 3, 1, -1, 400, 1000, seq);
    CHECK_STR("nothing_built_yet", seq, "ccc");
    /* it is built: SQLite measured again, its first run a try that is not counted, then
     * chosen */
    g_indexes = 8;
    runs(p, 6, 1, -1, 400, 1000, seq);
    CHECK_STR("sqlite_measured_again_then_chosen", seq, "rrrrrr");
    double r, c;
    CHECK_INT("medians", rl_enginepick_medians(p, KEY, &r, &c), 1);
    CHECK("new_rows_median", r == 0.4 && c == 1.0);
    /* measured faster on SQLite: a later index does not send it back to the columns */
    rl_enginepick_asked(p, KEY, 8);
    g_indexes = 9;
    runs(p, 6, 1, -1, 400, 1000, seq);
    CHECK_STR("sqlite_stays", seq, "rrrrrr");
    rl_enginepick_free(p);
    /* an index built that its runs did not ask for: the columns stay until the reprobe */
    p = rl_enginepick_new();
    g_indexes = 7;
    runs(p, 12, 1, -1, 3000, 1000, seq);
    g_indexes = 8;
    runs(p, 6, 1, -1, 400, 1000, seq);
    CHECK_STR("not_asked_no_new_measure", seq, "cccccc");
    rl_enginepick_free(p);
    g_indexes = 0;
}

static void test_try_budget(void) {
    rl_enginepick *p = rl_enginepick_new();
    int seen;
    CHECK("no_budget_unknown", rl_enginepick_try_budget(p, KEY, RL_PICK_ROWS) == 0);
    for (int i = 0; i < 1 + PICK_WARM; i++)
        run(p, 1, -1, 900, 1000);
    CHECK_INT("asks_sqlite", rl_enginepick_next(p, KEY, 0, 0, &seen), RL_PICK_ROWS);
    /* the first try: the rule's median and twice as much again */
    CHECK("first_try_budget", rl_enginepick_try_budget(p, KEY, RL_PICK_ROWS) == 3000);
    CHECK("no_budget_rule_run", rl_enginepick_try_budget(p, KEY, RL_PICK_RULE) == 0);
    CHECK("no_budget_rules_engine", rl_enginepick_try_budget(p, KEY, RL_PICK_COLUMNS) == 0);
    rl_enginepick_done(p, KEY, RL_PICK_ROWS, 0, -1, 2900); /* cold, within its budget */
    CHECK("later_tries_the_rules_median", rl_enginepick_try_budget(p, KEY, RL_PICK_ROWS) == 1000);
    rl_enginepick_done(p, KEY, RL_PICK_ROWS, 0, -1, 1200); /* over it: lost */
    CHECK_INT("lost_back_to_the_rule", rl_enginepick_next(p, KEY, 0, 0, &seen), RL_PICK_RULE);
    CHECK("decided_no_budget", rl_enginepick_try_budget(p, KEY, RL_PICK_ROWS) == 0);
    double r, c;
    CHECK_INT("lost_medians", rl_enginepick_medians(p, KEY, &r, &c), 1);
    CHECK("lost_time_kept", r == 1.2 && c == 1.0);
    rl_enginepick_free(p);
    /* a slow statement: its first try may take 5 ms more, not twice its time */
    p = rl_enginepick_new();
    for (int i = 0; i < 1 + PICK_WARM; i++)
        run(p, 1, -1, 900, 40000);
    CHECK("slow_first_try_budget", rl_enginepick_try_budget(p, KEY, RL_PICK_ROWS) == 45000);
    rl_enginepick_free(p);
}

static void test_lost_first_try(void) {
    rl_enginepick *p = rl_enginepick_new();
    char seq[64];
    /* SQLite 50x slower: its first try stopped (and the statement answered by the columns, as
     * query_exec does) loses at once; every later run is the rule's */
    runs(p, 1 + PICK_WARM, 1, -1, 50000, 1000, seq);
    int seen;
    CHECK_INT("tries_sqlite", rl_enginepick_next(p, KEY, 0, 0, &seen), RL_PICK_ROWS);
    int64_t budget = rl_enginepick_try_budget(p, KEY, RL_PICK_ROWS);
    rl_enginepick_done(p, KEY, RL_PICK_ROWS, 0, -1, budget + 1000);
    runs(p, 12, 1, -1, 50000, 1000, seq);
    CHECK_STR("columns_after_one_try", seq, "cccccccccccc");
    rl_enginepick_free(p);
}

static void test_others_and_none(void) {
    rl_enginepick *p = rl_enginepick_new();
    int seen;
    runs(p, 12, 1, -1, 1000, 3000, (char[16]){0});
    CHECK_INT("another_statement_follows_the_rule",
              rl_enginepick_next(p, "10\n\nSELECT 2", 0, 0, &seen), RL_PICK_RULE);
    CHECK_INT("unknown_rule", seen, -1);
    rl_enginepick_free(p);
    CHECK_INT("no_table", rl_enginepick_next(NULL, KEY, 0, 0, &seen), RL_PICK_RULE);
    rl_enginepick_done(NULL, KEY, RL_PICK_RULE, 1, -1, 5); /* nothing to note: no crash */
    double r, c;
    CHECK_INT("no_table_no_medians", rl_enginepick_medians(NULL, KEY, &r, &c), 0);
}

int main(void) {
    test_rows_faster();
    test_within_margin_keeps_rule();
    test_columns_when_cost_only();
    test_columns_refused_after_all();
    test_rule_changes();
    test_reprobe();
    test_index_built();
    test_try_budget();
    test_lost_first_try();
    test_others_and_none();
    TEST_DONE();
}
