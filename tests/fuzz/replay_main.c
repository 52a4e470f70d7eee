/*
 * replay_main.c - replays a fuzz target's corpus without libFuzzer, as part of the normal suite.
 *
 * Built once per target (mk/fuzz.mk) as build/tests/test_fuzz_<name> with FUZZ_NAME defined;
 * run from the repository root by tests/run.sh. Every regular file of
 * tests/fuzz/corpus/<name>/ (or of the directory given as argv[1]) goes through
 * LLVMFuzzerTestOneInput once, in name order; each prints "PASS fuzz/<name>/<file>" after it
 * returned (a crash or a failed invariant aborts the program, which the runner reports). Under
 * valgrind or the sanitizers this proves every seed and every past crash is handled cleanly.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME=\"<target>\""
#endif

static int by_name(const struct dirent **a, const struct dirent **b) {
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_input(const struct dirent *d) {
    return d->d_name[0] != '.';
}

/* Read a whole file into a malloc'd buffer; 0 on success. */
static int read_file(const char *path, uint8_t **data, size_t *size) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, n;
    int rc = -1;

    if (f == NULL)
        return -1;
    for (;;) {
        if (len == cap) {
            size_t new_cap = cap ? cap * 2 : 4096;
            uint8_t *grown = realloc(buf, new_cap);
            if (grown == NULL)
                goto done;
            buf = grown;
            cap = new_cap;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    if (ferror(f))
        goto done;
    *data = buf;
    *size = len;
    buf = NULL;
    rc = 0;
done:
    free(buf);
    fclose(f);
    return rc;
}

int main(int argc, char **argv) {
    const char *dir = argc > 1 ? argv[1] : "tests/fuzz/corpus/" FUZZ_NAME;
    struct dirent **names = NULL;
    int n, i, failed = 0, passed = 0;
    char path[4096];

    LLVMFuzzerInitialize(&argc, &argv);
    n = scandir(dir, &names, is_input, by_name);
    if (n < 0) {
        printf("FAIL fuzz/%s/corpus: cannot read %s: %s\n", FUZZ_NAME, dir, strerror(errno));
        return 1;
    }
    for (i = 0; i < n; i++) {
        uint8_t *data = NULL;
        size_t size = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
        if (read_file(path, &data, &size) != 0) {
            printf("FAIL fuzz/%s/%s: cannot read the file\n", FUZZ_NAME, names[i]->d_name);
            failed++;
        } else {
            LLVMFuzzerTestOneInput(data, size);
            printf("PASS fuzz/%s/%s\n", FUZZ_NAME, names[i]->d_name);
            fflush(stdout);
            passed++;
        }
        free(data);
        free(names[i]);
    }
    free(names);
    if (passed == 0 && failed == 0) {
        printf("FAIL fuzz/%s/corpus: %s holds no inputs\n", FUZZ_NAME, dir);
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
