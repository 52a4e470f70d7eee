/*
 * testlib.h - the tiny harness every C unit test uses.
 *
 * Each check prints one line, "PASS <name>" or "FAIL <name>: <why> (file:line)", so the runner
 * (tests/run.sh) can count them; main() ends with TEST_DONE(), which prints
 * "N passed, N failed" and returns non-zero when anything failed.
 */
#ifndef RS_TESTLIB_H
#define RS_TESTLIB_H

#include <stdio.h>
#include <string.h>

static int tl_passed, tl_failed;

#define CHECK(name, cond)                                                       \
    do {                                                                        \
        if (cond) {                                                             \
            tl_passed++;                                                        \
            printf("PASS %s\n", (name));                                        \
        } else {                                                                \
            tl_failed++;                                                        \
            printf("FAIL %s: %s (%s:%d)\n", (name), #cond, __FILE__, __LINE__); \
        }                                                                       \
    } while (0)

/* Compare two C strings exactly (NULL-safe) and show both on failure. */
#define CHECK_STR(name, got, want)                                                          \
    do {                                                                                    \
        const char *tl_g = (got), *tl_w = (want);                                           \
        if ((tl_g == NULL && tl_w == NULL) || (tl_g && tl_w && strcmp(tl_g, tl_w) == 0)) {  \
            tl_passed++;                                                                    \
            printf("PASS %s\n", (name));                                                    \
        } else {                                                                            \
            tl_failed++;                                                                    \
            printf("FAIL %s: got [%s] want [%s] (%s:%d)\n", (name), tl_g ? tl_g : "(null)", \
                   tl_w ? tl_w : "(null)", __FILE__, __LINE__);                             \
        }                                                                                   \
    } while (0)

#define CHECK_INT(name, got, want)                                                        \
    do {                                                                                  \
        long long tl_g = (long long)(got), tl_w = (long long)(want);                      \
        if (tl_g == tl_w) {                                                               \
            tl_passed++;                                                                  \
            printf("PASS %s\n", (name));                                                  \
        } else {                                                                          \
            tl_failed++;                                                                  \
            printf("FAIL %s: got %lld want %lld (%s:%d)\n", (name), tl_g, tl_w, __FILE__, \
                   __LINE__);                                                             \
        }                                                                                 \
    } while (0)

#define TEST_DONE()                                             \
    do {                                                        \
        printf("%d passed, %d failed\n", tl_passed, tl_failed); \
        return tl_failed ? 1 : 0;                               \
    } while (0)

#endif
