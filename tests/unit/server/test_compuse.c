/*
 * test_compuse.c - composite indexes by use (server/compuse.h): a composite gives way to a set
 * of paths asked RL_COMPUSE_ASKS times since it was last read, once unread for the idle time,
 * the least recently read first; a burst of asks within the idle time, a read meanwhile, or a
 * first sight meanwhile keeps it; the asks start again after a victim is given; another
 * collection's asks count apart; the table stays bounded; without a tracker nothing gives way.
 */
#include "server/compuse.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>

#define IDLE 1000

static const char *const three[] = {"t_cx1", "t_cx2", "t_cx3"};

/* Ask for paths of tbl k times at now; the victim of the last ask, or NULL. */
static const char *ask(rl_compuse *u, const char *tbl, const char *paths, int k, int64_t now) {
    const char *victim = NULL;
    for (int i = 0; i < k; i++) {
        victim = NULL;
        rl_compuse_asked(u, tbl, paths, three, 3, now, &victim);
    }
    return victim;
}

static void read_all(rl_compuse *u, int64_t now) {
    for (int i = 0; i < 3; i++)
        rl_compuse_read(u, three[i], now);
}

static void test_the_idle_gives_way(void) {
    rl_compuse *u = rl_compuse_new(IDLE);
    CHECK("made", u != NULL);
    /* all three first seen at the first ask (t=0); cx1 and cx3 read after it, cx2 not */
    CHECK("first_ask", ask(u, "t", "p", 1, 0) == NULL);
    rl_compuse_read(u, "t_cx1", 500);
    rl_compuse_read(u, "t_cx3", 500);
    CHECK("three_asks_within_the_idle_time", ask(u, "t", "p", 2, IDLE - 1) == NULL);
    rl_compuse_read(u, "t_cx1", IDLE + 400);
    rl_compuse_read(u, "t_cx3", IDLE + 400);
    const char *victim = ask(u, "t", "p", 1, IDLE);
    CHECK_STR("unread_for_the_idle_time", victim ? victim : "(none)", "t_cx2");
    CHECK("asks_forgotten", ask(u, "t", "p", 2, 3 * IDLE) == NULL);
    rl_compuse_free(u);
}

/* A burst: the asks all come after the others' last reads, but those were recent. */
static void test_a_burst_takes_nothing(void) {
    rl_compuse *u = rl_compuse_new(IDLE);
    read_all(u, 0);
    CHECK("burst", ask(u, "t", "p", 50, IDLE / 2) == NULL);
    rl_compuse_free(u);
}

static void test_a_read_keeps_it(void) {
    rl_compuse *u = rl_compuse_new(IDLE);
    read_all(u, 0);
    CHECK("two_asks", ask(u, "t", "p", 2, 10) == NULL);
    read_all(u, 20); /* every one read since the first asks: none gives way */
    CHECK("read_meanwhile", ask(u, "t", "p", 1, 2 * IDLE) == NULL);
    /* unread for the idle time now, asked 3 times since: the least recently read */
    rl_compuse_read(u, "t_cx2", 30);
    rl_compuse_read(u, "t_cx3", 30);
    CHECK("one_more", ask(u, "t", "p", 1, 2 * IDLE) == NULL);
    const char *victim = ask(u, "t", "p", 1, 2 * IDLE);
    CHECK_STR("least_recently_read", victim ? victim : "(none)", "t_cx1");
    rl_compuse_free(u);
}

static void test_collections_apart(void) {
    rl_compuse *u = rl_compuse_new(IDLE);
    read_all(u, 0);
    CHECK("t_once", ask(u, "t", "p", 1, IDLE) == NULL);
    CHECK("other_twice", ask(u, "other", "p", 2, IDLE) == NULL);
    CHECK("t_twice", ask(u, "t", "p", 1, IDLE) == NULL);
    const char *victim = ask(u, "t", "p", 1, IDLE);
    CHECK_STR("t_thrice", victim ? victim : "(none)", "t_cx1");
    rl_compuse_free(u);
}

/* Many sets of paths asked: the table stays bounded and still answers. */
static void test_bounded(void) {
    rl_compuse *u = rl_compuse_new(IDLE);
    char paths[32];
    int given = 0;
    for (int i = 0; i < 3 * RL_COMPUSE_ENTRIES; i++) {
        snprintf(paths, sizeof paths, "p%d", i);
        rl_compuse_read(u, three[i % 3], i);
        given += ask(u, "t", paths, 1, i + IDLE) != NULL;
    }
    CHECK_INT("none_given_on_one_ask", given, 0);
    int64_t now = 3 * RL_COMPUSE_ENTRIES + 2 * IDLE;
    rl_compuse_read(u, "t_cx1", now);
    rl_compuse_read(u, "t_cx3", now);
    const char *victim = ask(u, "t", "q", 3, now);
    CHECK_STR("still_answers", victim ? victim : "(none)", "t_cx2");
    rl_compuse_free(u);
}

static void test_idle_from_the_environment(void) {
    unsetenv("ROCKSET_LOCAL_COMPOSITE_IDLE_MS");
    CHECK_INT("default", rl_compuse_idle_ms(), RL_COMPUSE_IDLE_MS);
    setenv("ROCKSET_LOCAL_COMPOSITE_IDLE_MS", "250", 1);
    CHECK_INT("set", rl_compuse_idle_ms(), 250);
    setenv("ROCKSET_LOCAL_COMPOSITE_IDLE_MS", "0", 1);
    CHECK_INT("zero_refused", rl_compuse_idle_ms(), RL_COMPUSE_IDLE_MS);
    setenv("ROCKSET_LOCAL_COMPOSITE_IDLE_MS", "5s", 1);
    CHECK_INT("text_refused", rl_compuse_idle_ms(), RL_COMPUSE_IDLE_MS);
    unsetenv("ROCKSET_LOCAL_COMPOSITE_IDLE_MS");
}

static void test_no_tracker(void) {
    const char *victim = NULL;
    rl_compuse_read(NULL, "t_cx1", 0);
    for (int i = 0; i < 5; i++)
        CHECK_INT("none", rl_compuse_asked(NULL, "t", "p", three, 3, 10 * IDLE, &victim), 0);
    CHECK("victim_untouched", victim == NULL);
    rl_compuse_free(NULL);
}

int main(void) {
    test_the_idle_gives_way();
    test_a_burst_takes_nothing();
    test_a_read_keeps_it();
    test_collections_apart();
    test_bounded();
    test_idle_from_the_environment();
    test_no_tracker();
    TEST_DONE();
}
