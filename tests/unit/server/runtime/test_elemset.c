/*
 * test_elemset.c - the element set of the array functions (runtime/elemset.c) against the
 * plain reading it replaced: an element is in a list when some member is equal to it by
 * rt_elem_equal, asked of each member in turn. Random lists drawn from elements whose equality
 * crosses their text: a string and its escaped spelling, 1 and 1.0, null, a string and the
 * date or timestamp it reads as, typed dates and timestamps of one instant, arrays with nulls,
 * empty strings, bytes that are no JSON.
 */
#include "server/runtime/elemset.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const POOL[] = {
    "\"a\"", "\"\\u0061\"", "\"b\"", "\"\"", "1", "1.0", "2", "-0.0", "0", "null", "true",
    "\"2024-01-01\"", "{\"__rockset_type\":\"date\",\"value\":\"2024-01-01\"}",
    "{\"__rockset_type\":\"timestamp\",\"value\":\"2024-01-01T00:00:00Z\"}",
    "{\"__rockset_type\":\"datetime\",\"value\":\"2024-01-01T00:00:00\"}",
    "\"2024-01-01T00:00:00Z\"", "[1]", "[1.0]", "[null]", "{\"x\":1}", "{\"x\": 1}",
    "\"\\u00e9\"", "\"\xc3\xa9\"", "nope", "\"12:00:00\"",
    "{\"__rockset_type\":\"time\",\"value\":\"12:00:00\"}"};
#define N_POOL (sizeof POOL / sizeof POOL[0])

static unsigned seed = 7;

static unsigned draw(unsigned n) {
    seed = seed * 1103515245u + 12345u;
    return (seed >> 16) % n;
}

/* The reference: some of list[0..n) equal to v, each decoded and compared. */
static int ref_has(const char *const *list, int n, const rv *v) {
    rs_buf scratch = RS_BUF_INIT;
    int found = 0;
    for (int i = 0; i < n && !found; i++) {
        rv m;
        rt_elem_decode(list[i], strlen(list[i]), &m, &scratch);
        found = rt_elem_equal(&m, v);
    }
    rs_buf_free(&scratch);
    return found;
}

static int mismatches;

/* One random list: membership of every pool element, and the distinct members kept in order. */
static void one_list(void) {
    const char *list[40], *distinct_ref[40];
    int n = (int)draw(40), n_ref = 0, n_set = 0;
    rt_elemset set, seen;
    rs_buf scratch = RS_BUF_INIT;
    rt_elemset_init(&set);
    rt_elemset_init(&seen);
    for (int i = 0; i < n; i++) {
        rv v;
        list[i] = POOL[draw(N_POOL)];
        rt_elem_decode(list[i], strlen(list[i]), &v, &scratch);
        if (rt_elemset_add(&set, &v) != 0)
            mismatches += 1000;
        if (!ref_has(distinct_ref, n_ref, &v))
            distinct_ref[n_ref++] = list[i];
        if (!rt_elemset_has(&seen, &v)) {
            n_set++;
            if (rt_elemset_add(&seen, &v) != 0)
                mismatches += 1000;
        }
    }
    for (size_t k = 0; k < N_POOL; k++) {
        rv v;
        rt_elem_decode(POOL[k], strlen(POOL[k]), &v, &scratch);
        int want = ref_has(list, n, &v), got = rt_elemset_has(&set, &v);
        if (want != got && mismatches++ < 5)
            fprintf(stderr, "%s in a list of %d: got %d, want %d\n", POOL[k], n, got, want);
    }
    if (n_set != n_ref && mismatches++ < 5)
        fprintf(stderr, "distinct of %d: got %d, want %d\n", n, n_set, n_ref);
    rs_buf_free(&scratch);
    rt_elemset_free(&set);
    rt_elemset_free(&seen);
}

static void test_against_reference(void) {
    mismatches = 0;
    for (int i = 0; i < 3000; i++)
        one_list();
    CHECK_INT("agrees_with_pairwise", mismatches, 0);
}

/* A long list of strings: the hash grows past its first size and keeps every member. */
static void test_many_strings(void) {
    rt_elemset set;
    char text[32];
    rs_buf scratch = RS_BUF_INIT;
    int missing = 0, extra = 0;
    rt_elemset_init(&set);
    for (int i = 0; i < 5000; i++) {
        rv v;
        snprintf(text, sizeof text, "\"user%d\"", i);
        rt_elem_decode(text, strlen(text), &v, &scratch);
        if (!rt_elemset_has(&set, &v))
            rt_elemset_add(&set, &v);
    }
    for (int i = 0; i < 10000; i++) {
        rv v;
        snprintf(text, sizeof text, "\"user%d\"", i);
        rt_elem_decode(text, strlen(text), &v, &scratch);
        int has = rt_elemset_has(&set, &v);
        missing += i < 5000 && !has;
        extra += i >= 5000 && has;
    }
    CHECK_INT("many_members", (int)set.n, 5000);
    CHECK_INT("many_none_missing", missing, 0);
    CHECK_INT("many_none_extra", extra, 0);
    rs_buf_free(&scratch);
    rt_elemset_free(&set);
}

int main(void) {
    test_against_reference();
    test_many_strings();
    TEST_DONE();
}
