/*
 * test_compuse.c - composite indexes by use (server/compuse.h): a composite gives way to a set
 * of paths asked RL_COMPUSE_ASKS times while it went unread, the least recently read first;
 * one read meanwhile, or first seen meanwhile, keeps it; the asks start again after a victim
 * is given; another collection's asks count apart; without a tracker nothing gives way.
 */
#include "server/compuse.h"
#include "testlib.h"

#include <stdio.h>

static const char *const three[] = {"t_cx1", "t_cx2", "t_cx3"};

/* Ask for paths of t k times; the victim of the last ask, or NULL. */
static const char *ask(rl_compuse *u, const char *tbl, const char *paths, int k) {
    const char *victim = NULL;
    for (int i = 0; i < k; i++) {
        victim = NULL;
        rl_compuse_asked(u, tbl, paths, three, 3, &victim);
    }
    return victim;
}

static void test_the_unread_gives_way(void) {
    rl_compuse *u = rl_compuse_new();
    const char *victim = NULL;
    CHECK("made", u != NULL);
    /* all three first seen at the first ask; cx1 and cx3 read after it, cx2 not */
    CHECK_INT("first_ask", rl_compuse_asked(u, "t", "[\"'a'\",\"'b'\"]", three, 3, &victim), 0);
    rl_compuse_read(u, "t_cx1");
    rl_compuse_read(u, "t_cx3");
    CHECK_INT("second_ask", rl_compuse_asked(u, "t", "[\"'a'\",\"'b'\"]", three, 3, &victim), 0);
    CHECK_INT("third_ask", rl_compuse_asked(u, "t", "[\"'a'\",\"'b'\"]", three, 3, &victim), 1);
    CHECK_STR("the_unread_one", victim, "t_cx2");
    /* the asks start again */
    CHECK("asks_forgotten", ask(u, "t", "[\"'a'\",\"'b'\"]", 2) == NULL);
    rl_compuse_free(u);
}

static void test_a_read_keeps_it(void) {
    rl_compuse *u = rl_compuse_new();
    for (int i = 0; i < 3; i++)
        rl_compuse_read(u, three[i]);
    CHECK("two_asks", ask(u, "t", "p", 2) == NULL);
    rl_compuse_read(u, "t_cx1"); /* every one read since the first ask: none gives way */
    rl_compuse_read(u, "t_cx2");
    rl_compuse_read(u, "t_cx3");
    CHECK("read_meanwhile", ask(u, "t", "p", 2) == NULL);
    /* the least recently read goes first: cx1, read before cx2 and cx3 */
    const char *victim = ask(u, "t", "p", 1);
    CHECK_STR("least_recently_read", victim ? victim : "(none)", "t_cx1");
    rl_compuse_free(u);
}

static void test_collections_apart(void) {
    rl_compuse *u = rl_compuse_new();
    for (int i = 0; i < 3; i++)
        rl_compuse_read(u, three[i]);
    CHECK("t_once", ask(u, "t", "p", 1) == NULL);
    CHECK("other_twice", ask(u, "other", "p", 2) == NULL);
    CHECK("t_twice", ask(u, "t", "p", 1) == NULL);
    const char *victim = ask(u, "t", "p", 1);
    CHECK_STR("t_thrice", victim ? victim : "(none)", "t_cx1");
    rl_compuse_free(u);
}

/* Many sets of paths asked: the table stays bounded and still answers. */
static void test_bounded(void) {
    rl_compuse *u = rl_compuse_new();
    char paths[32];
    int given = 0;
    for (int i = 0; i < 3 * RL_COMPUSE_ENTRIES; i++) {
        snprintf(paths, sizeof paths, "p%d", i);
        rl_compuse_read(u, three[i % 3]);
        given += ask(u, "t", paths, 1) != NULL;
    }
    CHECK_INT("none_given_on_one_ask", given, 0);
    rl_compuse_read(u, "t_cx1");
    rl_compuse_read(u, "t_cx3");
    const char *victim = ask(u, "t", "q", 3);
    CHECK_STR("still_answers", victim ? victim : "(none)", "t_cx2");
    rl_compuse_free(u);
}

static void test_no_tracker(void) {
    const char *victim = NULL;
    rl_compuse_read(NULL, "t_cx1");
    for (int i = 0; i < 5; i++)
        CHECK_INT("none", rl_compuse_asked(NULL, "t", "p", three, 3, &victim), 0);
    CHECK("victim_untouched", victim == NULL);
    rl_compuse_free(NULL);
}

int main(void) {
    test_the_unread_gives_way();
    test_a_read_keeps_it();
    test_collections_apart();
    test_bounded();
    test_no_tracker();
    TEST_DONE();
}
