/*
 * test_catalog.c - the function catalog against its documentation.
 *
 * docs/sql-subset.md carries the function reference between the markers
 * "<!-- catalog:begin -->" and "<!-- catalog:end -->", generated from the catalog
 * (`make sql-reference` rewrites it). This test fails when the two disagree, so a function
 * cannot be added, renamed or re-signed without its documentation following, and checks the
 * catalog's own invariants (unique names, arities, a signature and a section for each).
 *
 *   test_catalog                 check (run from the repository root, as tests/run.sh does)
 *   test_catalog --write FILE    rewrite FILE's generated block
 */
#include "server/runtime/catalog.h"
#include "testlib.h"

#include "buf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BEGIN_MARK "<!-- catalog:begin -->\n"
#define END_MARK   "<!-- catalog:end -->"
#define DOC_PATH   "docs/sql-subset.md"

typedef struct md_state {
    rs_buf *out;
    const char *section; /* of the previous row */
    int count;
} md_state;

static void put_row(const rt_function *fn, void *ctx) {
    md_state *st = ctx;
    const char *section = fn->section != NULL ? fn->section : "other";
    if (st->section == NULL || strcmp(st->section, section) != 0) {
        rs_buf_printf(st->out, "%s| %s | signature |\n|---|---|\n", st->section != NULL ? "\n" : "",
                      section);
        st->section = section;
    }
    rs_buf_printf(st->out, "| `%s` | %s |\n", fn->name, fn->signature != NULL ? fn->signature : "");
    st->count++;
}

/* The generated block: one table per section, in catalog order. */
static int generate(rs_buf *out) {
    md_state st = {out, NULL, 0};
    rt_catalog_each(put_row, &st);
    return st.count;
}

static char *read_file(const char *path) {
    FILE *f = fopen(path, "rb");
    rs_buf b = RS_BUF_INIT;
    char chunk[4096];
    size_t n;
    if (f == NULL)
        return NULL;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        rs_buf_append(&b, chunk, n);
    fclose(f);
    char *text = b.oom ? NULL : rs_buf_detach(&b);
    rs_buf_free(&b);
    return text;
}

/* The generated block inside text: [*start, *end). 0 when the markers are missing. */
static int find_block(const char *text, const char **start, const char **end) {
    const char *b = strstr(text, BEGIN_MARK);
    const char *e = b != NULL ? strstr(b, END_MARK) : NULL;
    if (e == NULL)
        return 0;
    *start = b + strlen(BEGIN_MARK);
    *end = e;
    return 1;
}

static int write_block(const char *path) {
    char *text = read_file(path);
    const char *start, *end;
    rs_buf gen = RS_BUF_INIT;
    int rc = 1;
    if (text == NULL || !find_block(text, &start, &end)) {
        fprintf(stderr, "%s: no %s ... %s block\n", path, "<!-- catalog:begin -->", END_MARK);
        free(text);
        return 1;
    }
    generate(&gen);
    FILE *f = fopen(path, "wb");
    if (f != NULL && !gen.oom) {
        fwrite(text, 1, (size_t)(start - text), f);
        fwrite(gen.data, 1, gen.len, f);
        fputs(end, f);
        rc = fclose(f) != 0;
    } else if (f != NULL) {
        fclose(f);
    }
    rs_buf_free(&gen);
    free(text);
    return rc;
}

typedef struct inv_state {
    const rt_function *seen[1024];
    int n;
    int duplicates, bad_arity, undocumented;
} inv_state;

static void check_entry(const rt_function *fn, void *ctx) {
    inv_state *st = ctx;
    for (int i = 0; i < st->n; i++)
        if (strcasecmp(st->seen[i]->name, fn->name) == 0)
            st->duplicates++;
    if (st->n < (int)(sizeof st->seen / sizeof st->seen[0]))
        st->seen[st->n++] = fn;
    if (fn->min_args < 0 || (fn->max_args >= 0 && fn->max_args < fn->min_args))
        st->bad_arity++;
    if (fn->signature == NULL || fn->section == NULL)
        st->undocumented++;
}

static void test_invariants(void) {
    static inv_state st;
    rt_catalog_each(check_entry, &st);
    CHECK("catalog lists many functions", st.n > 150);
    CHECK("no function is listed twice", st.duplicates == 0);
    CHECK("arities are ranges", st.bad_arity == 0);
    CHECK("every function has a signature and a section", st.undocumented == 0);
    CHECK("lookup ignores case", rt_catalog_find("date_trunc") == rt_catalog_find("DATE_TRUNC"));
    CHECK("unknown names are not found", rt_catalog_find("NO_SUCH_FUNCTION") == NULL);
}

static void test_docs_agree(void) {
    char *text = read_file(DOC_PATH);
    const char *start = NULL, *end = NULL;
    rs_buf gen = RS_BUF_INIT;
    CHECK("docs/sql-subset.md is readable", text != NULL);
    if (text == NULL)
        return;
    CHECK("docs/sql-subset.md has the generated block", find_block(text, &start, &end));
    generate(&gen);
    int same = start != NULL && !gen.oom && (size_t)(end - start) == gen.len &&
               memcmp(start, gen.data, gen.len) == 0;
    CHECK("the function reference matches the catalog (make sql-reference)", same);
    if (!same && start != NULL) {
        /* name the first line that differs */
        const char *g = gen.data, *d = start;
        while (g < gen.data + gen.len && d < end && *g == *d)
            g++, d++;
        while (g > gen.data && g[-1] != '\n')
            g--;
        const char *nl = memchr(g, '\n', (size_t)(gen.data + gen.len - g));
        printf("  first differing line should read: %.*s\n",
               (int)(nl != NULL ? nl - g : gen.data + gen.len - g), g);
    }
    rs_buf_free(&gen);
    free(text);
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "--write") == 0)
        return write_block(argv[2]);
    test_invariants();
    test_docs_agree();
    TEST_DONE();
}
