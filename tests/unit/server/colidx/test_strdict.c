/*
 * test_strdict.c - colidx/strdict.c: codes given in the order first seen and never changed,
 * lookups without adding, strings holding NUL bytes and the empty string, growth past many
 * table doublings (every code still found and decoded), and a freed dictionary reused.
 */
#include "server/colidx/strdict.h"
#include "testlib.h"

#include <stdio.h>
#include <string.h>

static void test_codes_in_order(void) {
    rl_strdict d = {0};
    CHECK_INT("absent_before_any", rl_strdict_code(&d, "Build", 5, 0), 0);
    CHECK_INT("first_code", rl_strdict_code(&d, "Build", 5, 1), 1);
    CHECK_INT("second_code", rl_strdict_code(&d, "Test", 4, 1), 2);
    CHECK_INT("same_string_same_code", rl_strdict_code(&d, "Build", 5, 1), 1);
    CHECK_INT("lookup_only", rl_strdict_code(&d, "Test", 4, 0), 2);
    CHECK_INT("lookup_absent", rl_strdict_code(&d, "Upload", 6, 0), 0);
    CHECK_INT("lookup_added_nothing", d.n, 2);
    CHECK_INT("prefix_is_another", rl_strdict_code(&d, "Buil", 4, 1), 3);
    CHECK_INT("empty_string", rl_strdict_code(&d, "", 0, 1), 4);
    CHECK_INT("nul_inside", rl_strdict_code(&d, "a\0b", 3, 1), 5);
    CHECK_INT("nul_inside_again", rl_strdict_code(&d, "a\0b", 3, 0), 5);
    CHECK_INT("nul_prefix_differs", rl_strdict_code(&d, "a\0c", 3, 0), 0);
    size_t len = 99;
    const char *s = rl_strdict_str(&d, 5, &len);
    CHECK("decode_nul_inside", s != NULL && len == 3 && memcmp(s, "a\0b", 3) == 0);
    CHECK_STR("decode_first", rl_strdict_str(&d, 1, NULL), "Build");
    CHECK("decode_zero", rl_strdict_str(&d, 0, NULL) == NULL);
    CHECK("decode_past_end", rl_strdict_str(&d, 6, NULL) == NULL);
    rl_strdict_free(&d);
    CHECK_INT("freed_empty", d.n, 0);
    CHECK_INT("reused_after_free", rl_strdict_code(&d, "Test", 4, 1), 1);
    rl_strdict_free(&d);
}

static void test_growth(void) {
    rl_strdict d = {0};
    char s[32];
    int wrong = 0;
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(s, sizeof s, "step-%d", i);
        if (rl_strdict_code(&d, s, (size_t)n, 1) != i + 1)
            wrong++;
    }
    CHECK_INT("every_new_string_the_next_code", wrong, 0);
    for (int i = 4999; i >= 0; i--) {
        int n = snprintf(s, sizeof s, "step-%d", i);
        size_t len;
        const char *got = rl_strdict_str(&d, i + 1, &len);
        if (rl_strdict_code(&d, s, (size_t)n, 0) != i + 1 || got == NULL ||
            len != (size_t)n || memcmp(got, s, len) != 0)
            wrong++;
    }
    CHECK_INT("every_code_found_and_decoded_after_growth", wrong, 0);
    CHECK_INT("count", d.n, 5000);
    CHECK("slots_kept_at_most_half_full", d.n_slots >= 2 * d.n);
    rl_strdict_free(&d);
}

int main(void) {
    test_codes_in_order();
    test_growth();
    TEST_DONE();
}
