/*
 * fuzz.h - what every fuzz target in tests/fuzz/ shares.
 *
 * A target is one file fuzz_<name>.c defining LLVMFuzzerTestOneInput. It is built twice:
 *   - by `make fuzz` / `make fuzz-smoke` with clang -fsanitize=fuzzer,address,undefined
 *     (mk/fuzz.mk), to search for crashes, hangs and leaks;
 *   - by the normal build with cc and replay_main.c, as build/tests/test_fuzz_<name>, which the
 *     suite runs like any unit test: it feeds every file of tests/fuzz/corpus/<name>/ (the seeds
 *     and every crash ever found, kept as regression cases) through the target once.
 * A target never prints; an invariant it checks on the code under test calls FUZZ_ASSERT, which
 * aborts (libFuzzer then saves the input; the replay run exits non-zero).
 *
 * Inputs are bytes, not C strings: targets copy them into a NUL-terminated buffer when the code
 * under test wants one (fuzz_cstr).
 */
#ifndef RS_FUZZ_H
#define RS_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

#define FUZZ_ASSERT(cond)                                                                      \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            abort();                                                                           \
        }                                                                                      \
    } while (0)

/* A malloc'd NUL-terminated copy of data[0..size) (NULL when out of memory). */
static inline char *fuzz_cstr(const uint8_t *data, size_t size) {
    char *s = malloc(size + 1);
    if (s == NULL)
        return NULL;
    if (size > 0)
        memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

#endif
