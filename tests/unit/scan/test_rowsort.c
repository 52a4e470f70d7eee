/* test_rowsort.c - unit tests of src/scan/rowsort.c: SQLite's order of decoded cells, rows kept
 * in that order (keys, directions, _id ties, escaped texts), the `keep` bound and comparisons
 * with rows outside the sorter. No network, no SQLite. */
#include "scan/rowsort.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

static rs_cell c_null(void) {
    rs_cell c = {RS_CELL_NULL, 0, 0, NULL, 0};
    return c;
}

static rs_cell c_int(long long i) {
    rs_cell c = {RS_CELL_INT, i, 0, NULL, 0};
    return c;
}

static rs_cell c_real(double r) {
    rs_cell c = {RS_CELL_REAL, 0, r, NULL, 0};
    return c;
}

static rs_cell c_text(const char *s) {
    rs_cell c = {RS_CELL_TEXT, 0, 0, s, strlen(s)};
    return c;
}

static void test_cell_order(void) {
    rs_cell null = c_null(), one = c_int(1), onef = c_real(1.0), half = c_real(1.5);
    rs_cell big = c_int(9007199254740993LL), bigf = c_real(9007199254740992.0);
    rs_cell a = c_text("a"), ab = c_text("ab"), b = c_text("b"), empty = c_text("");
    rs_cell json = {RS_CELL_JSON, 0, 0, "[1]", 3}, nul = {RS_CELL_TEXT, 0, 0, "a\0b", 3};

    CHECK_INT("cell/null_eq_null", rs_cell_order(&null, &null), 0);
    CHECK_INT("cell/null_lt_int", rs_cell_order(&null, &one), -1);
    CHECK_INT("cell/int_lt_text", rs_cell_order(&one, &empty), -1);
    CHECK_INT("cell/int_eq_real", rs_cell_order(&one, &onef), 0);
    CHECK_INT("cell/int_lt_real", rs_cell_order(&one, &half), -1);
    CHECK_INT("cell/real_gt_int", rs_cell_order(&half, &one), 1);
    CHECK_INT("cell/int_exact_vs_real", rs_cell_order(&big, &bigf), 1);
    CHECK_INT("cell/real_exact_vs_int", rs_cell_order(&bigf, &big), -1);
    CHECK_INT("cell/prefix_first", rs_cell_order(&a, &ab), -1);
    CHECK_INT("cell/bytewise", rs_cell_order(&ab, &b), -1);
    CHECK_INT("cell/json_is_text", rs_cell_order(&json, &a), -1); /* '[' < 'a' */
    CHECK_INT("cell/embedded_nul", rs_cell_order(&nul, &a), 1);
    CHECK_INT("cell/empty_first", rs_cell_order(&empty, &a), -1);
}

static const char *const NAMES[] = {"_id", "x", "y"};

static rs_jsonscan_span span(const char *s) {
    rs_jsonscan_span sp = {s, strlen(s)};
    return sp;
}

/* The _ids of the sorted rows, comma-separated (static buffer). */
static const char *ids(const rs_rowsort *r) {
    static char out[512];
    size_t i;

    out[0] = '\0';
    for (i = 0; i < rs_rowsort_count(r); i++) {
        rs_jsonscan_span row = rs_rowsort_row(r, i);
        const char *id = strstr(row.ptr, "\"_id\":\"");
        size_t n = strcspn(id + 7, "\"");
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.*s", i ? "," : "", (int)n,
                 id + 7);
    }
    return out;
}

static const char *const MIXED[] = {
    "{\"_id\":\"t\",\"x\":true}",
    "{\"_id\":\"f\",\"x\":false}",
    "{\"_id\":\"n\",\"x\":null}",
    "{\"_id\":\"m\"}",
    "{\"_id\":\"i\",\"x\":1}",
    "{\"_id\":\"r\",\"x\":0.5}",
    "{\"_id\":\"d\",\"x\":{\"__rockset_type\":\"date\",\"value\":\"2024-01-02\"}}",
    "{\"_id\":\"s\",\"x\":\"2024-01-01T00:00:00.000000Z\"}",
    "{\"_id\":\"a\",\"x\":[1]}",
    "{\"_id\":\"o\",\"x\":{\"k\":1}}",
    "{\"_id\":\"e\",\"x\":\"\\u005b0\"}", /* "[0": escaped, sorts before [1] */
};

static rs_rowsort *fill(const size_t *keys, const int *desc, size_t n_keys, long long keep) {
    rs_rowsort *r = rs_rowsort_new(NAMES, 3, keys, desc, n_keys, 0, keep);
    rs_err err;
    size_t i;

    for (i = 0; r != NULL && i < sizeof(MIXED) / sizeof(MIXED[0]); i++) {
        if (rs_rowsort_add(r, span(MIXED[i]), &err) != RS_OK)
            printf("FAIL rowsort/add %zu: %s\n", i, err.msg);
    }
    if (r != NULL)
        rs_rowsort_finish(r);
    return r;
}

static void test_rows(void) {
    size_t x = 1, xy[2] = {2, 1};
    int asc = 0, desc = 1, both[2] = {0, 1};
    rs_rowsort *r;
    rs_err err;
    int cmp = 9;

    /* NULL (m, n by _id), 0 (f), 0.5, 1 (i, t by _id), then TEXT bytewise */
    r = fill(&x, &asc, 1, -1);
    CHECK_STR("rows/asc", ids(r), "m,n,f,r,i,t,s,d,e,a,o");
    CHECK_INT("rows/cmp_before", rs_rowsort_cmp(r, 0, span("{\"_id\":\"z\",\"x\":0}"), &cmp, &err),
              RS_OK);
    CHECK_INT("rows/cmp_before_value", cmp, -1);
    rs_rowsort_cmp(r, 4, span("{\"x\":1,\"_id\":\"j\"}"), &cmp, &err);
    CHECK_INT("rows/cmp_tie_by_id", cmp, -1); /* i < j */
    rs_rowsort_cmp(r, 5, span("{\"x\":1.0,\"_id\":\"j\"}"), &cmp, &err);
    CHECK_INT("rows/cmp_tie_by_id_after", cmp, 1); /* t > j */
    rs_rowsort_cmp(r, 8, span("{\"_id\":\"q\",\"x\":\"\\u005b0\"}"), &cmp, &err);
    CHECK_INT("rows/cmp_escaped_both", cmp, -1); /* "[0" = "[0", then e < q */
    CHECK_INT("rows/cmp_malformed", rs_rowsort_cmp(r, 0, span("[1]"), &cmp, &err), RS_EPARSE);
    CHECK("rows/row_past_end", rs_rowsort_row(r, 99).ptr == NULL);

    /* ties, _id aside: m and n (NULL, NULL), i and t (1 and true, both 1 to SQLite) */
    CHECK_INT("rows/same_keys_nulls", rs_rowsort_same_keys(r, 0, 1), 1);
    CHECK_INT("rows/same_keys_int_bool", rs_rowsort_same_keys(r, 4, 5), 1);
    CHECK_INT("rows/same_keys_differ", rs_rowsort_same_keys(r, 1, 2), 0);
    CHECK_INT("rows/same_keys_past_end", rs_rowsort_same_keys(r, 10, 11), 0);
    rs_rowsort_add(r, span(MIXED[4]), &err); /* i again: one document read twice */
    rs_rowsort_finish(r);
    CHECK_STR("rows/twins_neighbours", ids(r), "m,n,f,r,i,i,t,s,d,e,a,o");
    rs_rowsort_cut(r, 4);
    CHECK_STR("rows/cut", ids(r), "m,n,f,r");
    rs_rowsort_cut(r, 9);
    CHECK_INT("rows/cut_past_end", rs_rowsort_count(r), 4);
    rs_rowsort_free(r);

    /* DESC keeps _id ascending among ties */
    r = fill(&x, &desc, 1, -1);
    CHECK_STR("rows/desc", ids(r), "o,a,e,d,s,i,t,r,f,m,n");
    rs_rowsort_free(r);

    /* keep: only the first rows of the order stay */
    r = fill(&x, &desc, 1, 3);
    CHECK_STR("rows/keep", ids(r), "o,a,e");
    rs_rowsort_free(r);
    r = fill(&x, &asc, 1, 0);
    CHECK_INT("rows/keep_none", rs_rowsort_count(r), 0);
    rs_rowsort_free(r);

    /* two keys: y (missing everywhere: all NULL) ascending, then x descending */
    r = fill(xy, both, 2, -1);
    CHECK_STR("rows/two_keys", ids(r), "o,a,e,d,s,i,t,r,f,m,n");
    rs_rowsort_free(r);
    CHECK("rows/no_keys", rs_rowsort_new(NAMES, 3, &x, &asc, 0, 0, -1) == NULL);
}

/* Many rows through the periodic cut back to `keep`: the kept ones are the smallest. */
static void test_keep_many(void) {
    size_t x = 1;
    int asc = 0;
    rs_rowsort *r = rs_rowsort_new(NAMES, 3, &x, &asc, 1, 0, 5);
    char row[64];
    rs_err err;
    int i, ok = 1;

    for (i = 0; r != NULL && i < 2000; i++) {
        snprintf(row, sizeof(row), "{\"_id\":\"k%04d\",\"x\":%d}", i, (i * 7919) % 2000);
        ok = ok && rs_rowsort_add(r, span(row), &err) == RS_OK;
    }
    CHECK("keep/added", ok && r != NULL);
    if (r == NULL)
        return;
    CHECK("keep/bounded_while_adding", rs_rowsort_count(r) < 600);
    rs_rowsort_finish(r);
    CHECK_INT("keep/count", rs_rowsort_count(r), 5);
    CHECK("keep/smallest", strstr(rs_rowsort_row(r, 0).ptr, "\"x\":0}") != NULL &&
                               strstr(rs_rowsort_row(r, 4).ptr, "\"x\":4}") != NULL);
    rs_rowsort_free(r);
}

int main(void) {
    test_cell_order();
    test_rows();
    test_keep_many();
    TEST_DONE();
}
