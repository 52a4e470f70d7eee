/*
 * test_like.c - rt_like_match (runtime/ops.c) against a plain recursive reading of LIKE, on
 * every pattern and value of a small alphabet up to a few characters and on random longer ones:
 * '%', '_', the escape character, ASCII and multi-byte letters, the Kelvin sign (which folds to
 * an ASCII 'k'), and bytes that are no UTF-8. ASCII patterns of '%'s and letters take the byte
 * matcher, the others the general one; both must agree with the reference everywhere. And the
 * GLOB a LIKE pattern implies (rs_like_glob, for the trigram index) matches all it matches.
 */
#include "server/runtime/catalog.h"
#include "server/runtime/ops.h"
#include "testlib.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reference: LIKE by its definition, one decoded character at a time. */
static int ref_like(const char *s, size_t sn, const char *p, size_t pn, int esc, int fold) {
    size_t pl, sl;
    if (pn == 0)
        return sn == 0;
    if (p[0] == '%' && esc != '%') {
        for (size_t at = 0;; at += sl) {
            if (ref_like(s + at, sn - at, p + 1, pn - 1, esc, fold))
                return 1;
            if (at == sn)
                return 0;
            rt_utf8_next(s + at, sn - at, &sl);
        }
    }
    int literal = esc >= 0 && (unsigned char)p[0] == (unsigned)esc && pn > 1;
    const char *q = literal ? p + 1 : p;
    unsigned pc = rt_utf8_next(q, pn - (size_t)(q - p), &pl);
    if (sn == 0)
        return 0;
    unsigned sc = rt_utf8_next(s, sn, &sl);
    int same = fold ? rt_to_lower(pc) == rt_to_lower(sc) : pc == sc;
    if (!((!literal && pc == '_') || same))
        return 0;
    return ref_like(s + sl, sn - sl, q + pl, pn - (size_t)(q + pl - p), esc, fold);
}

static const char *const ATOMS[] = {"a", "b", "A", "%", "_", "\\", "\xc3\xa9", "\xe2\x84\xaa",
                                    "k", "\xc3", "\x80"};
#define N_ATOMS (sizeof ATOMS / sizeof ATOMS[0])

/* The text of code (base n_atoms digits, n of them, each an atom of atoms) into out, ended by a
 * NUL; its length. */
static size_t spell_of(const char *const *atoms, unsigned n_atoms, unsigned code, int n,
                       char *out) {
    size_t len = 0;
    for (int i = 0; i < n; i++, code /= n_atoms) {
        const char *atom = atoms[code % n_atoms];
        memcpy(out + len, atom, strlen(atom));
        len += strlen(atom);
    }
    out[len] = '\0';
    return len;
}

static size_t spell(unsigned code, int n, char *out) {
    return spell_of(ATOMS, N_ATOMS, code, n, out);
}

static int mismatches;

static void compare(const char *s, size_t sn, const char *p, size_t pn, int esc, int fold) {
    int want = ref_like(s, sn, p, pn, esc, fold);
    int got = rt_like_match(s, sn, p, pn, esc, fold);
    if (want != got && mismatches++ < 5)
        fprintf(stderr, "LIKE '%.*s' on '%.*s' (escape %d, fold %d): got %d, want %d\n",
                (int)pn, p, (int)sn, s, esc, fold, got, want);
}

static unsigned power(int n) {
    unsigned r = 1;
    while (n-- > 0)
        r *= N_ATOMS;
    return r;
}

/* Every pattern of up to 3 atoms against every value of up to 3 atoms. */
static void test_exhaustive(void) {
    char s[64], p[64];
    mismatches = 0;
    for (int pn = 0; pn <= 3; pn++)
        for (unsigned pc = 0; pc < power(pn); pc++) {
            size_t plen = spell(pc, pn, p);
            for (int sn = 0; sn <= 3; sn++)
                for (unsigned sc = 0; sc < power(sn); sc++) {
                    size_t slen = spell(sc, sn, s);
                    compare(s, slen, p, plen, -1, 0);
                    compare(s, slen, p, plen, '\\', 0);
                    compare(s, slen, p, plen, -1, 1);
                }
        }
    CHECK_INT("exhaustive_agrees", mismatches, 0);
}

/* Longer random values with '%'-and-letter patterns, where the byte matcher's leftmost search
 * must leave room for the runs after it. */
static void test_random(void) {
    char s[256], p[64];
    unsigned seed = 12345;
    mismatches = 0;
    for (int i = 0; i < 200000; i++) {
        seed = seed * 1103515245u + 12345u;
        int sn = (int)(seed >> 16) % 12, pn = (int)(seed >> 8) % 6;
        size_t slen = 0, plen = 0;
        for (int k = 0; k < sn; k++) {
            seed = seed * 1103515245u + 12345u;
            slen += spell((seed >> 16) % 4 == 0 ? (seed >> 20) % N_ATOMS : (seed >> 20) % 2, 1,
                          s + slen);
        }
        for (int k = 0; k < pn; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *atom = (seed >> 16) % 3 == 0 ? "%" : (seed >> 18) % 2 ? "a" : "b";
            memcpy(p + plen, atom, 1);
            plen++;
        }
        compare(s, slen, p, plen, -1, 0);
    }
    CHECK_INT("random_agrees", mismatches, 0);
}

static void test_examples(void) {
    CHECK_INT("infix", rt_like_match("build / generate-matrix", 23, "%generate-matrix%", 17, -1, 0),
              1);
    CHECK_INT("infix_absent", rt_like_match("build / test", 12, "%generate-matrix%", 17, -1, 0), 0);
    CHECK_INT("prefix_suffix_overlap", rt_like_match("ab", 2, "ab%b", 4, -1, 0), 0);
    CHECK_INT("runs_in_order", rt_like_match("xbxax", 5, "%a%b%", 5, -1, 0), 0);
    CHECK_INT("empty_value", rt_like_match(NULL, 0, "%", 1, -1, 0), 1);
    CHECK_INT("empty_value_run", rt_like_match(NULL, 0, "%a%", 3, -1, 0), 0);
    CHECK_INT("empty_pattern", rt_like_match(NULL, 0, NULL, 0, -1, 0), 1);
    CHECK_INT("empty_pattern_value", rt_like_match("a", 1, NULL, 0, -1, 0), 0);
}

/* rs_like_glob (runtime/fn_core.c): every value LIKE a pattern (no escape) matches, GLOBs the
 * pattern's GLOB, through SQLite's GLOB as the trigram index's table evaluates it. Every pattern
 * of up to 3 atoms (GLOB's own '*', '?', '[' and ']' among them) against every value of up to
 * 3; and the GLOB is not wider than needed where LIKE has no '_': it matches exactly the same. */
static const char *const GLOB_ATOMS[] = {"a", "%", "_", "*", "?", "[", "]", "\xc3\xa9"};
#define N_GLOB_ATOMS (sizeof GLOB_ATOMS / sizeof GLOB_ATOMS[0])

/* How many texts of up to 3 glob atoms: n atoms each, n = 0..3. */
static unsigned glob_texts(int n) {
    unsigned r = 1;
    while (n-- > 0)
        r *= N_GLOB_ATOMS;
    return r;
}

static void test_like_glob(void) {
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char s[64], p[64];
    int missed = 0, wider = 0, pairs = 0;
    CHECK("open", sqlite3_open(":memory:", &db) == SQLITE_OK && rt_catalog_register(db) == 0);
    CHECK("prepare", sqlite3_prepare_v2(db, "SELECT rs_like(?1, ?2), ?1 GLOB rs_like_glob(?2)",
                                        -1, &st, NULL) == SQLITE_OK);
    for (int pn = 0; st != NULL && pn <= 3; pn++)
        for (unsigned pc = 0; pc < glob_texts(pn); pc++) {
            spell_of(GLOB_ATOMS, N_GLOB_ATOMS, pc, pn, p);
            for (int sn = 0; sn <= 3; sn++)
                for (unsigned sc = 0; sc < glob_texts(sn); sc++) {
                    spell_of(GLOB_ATOMS, N_GLOB_ATOMS, sc, sn, s);
                    sqlite3_bind_text(st, 1, s, -1, SQLITE_STATIC);
                    sqlite3_bind_text(st, 2, p, -1, SQLITE_STATIC);
                    if (sqlite3_step(st) == SQLITE_ROW) {
                        int like = sqlite3_column_int(st, 0), glob = sqlite3_column_int(st, 1);
                        if (like && !glob && missed++ < 5)
                            fprintf(stderr, "'%s' LIKE '%s' but does not GLOB it\n", s, p);
                        wider += !like && glob && strchr(p, '_') == NULL;
                        pairs++;
                    }
                    sqlite3_reset(st);
                }
        }
    CHECK_INT("glob/superset", missed, 0);
    CHECK_INT("glob/exact_without_underscore", wider, 0);
    CHECK("glob/pairs", pairs > 300000);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

int main(void) {
    test_examples();
    test_exhaustive();
    test_random();
    test_like_glob();
    TEST_DONE();
}
