/*
 * strdict.h - an append-only dictionary of strings to small integer codes (1, 2, 3, ... in the
 * order first seen): the column replica stores the strings of an array's elements as codes.
 *
 * Why: DuckDB reads a VARCHAR[] list at about 20 ns an element, an integer list at a fraction
 * of it; q26 of the dashboard (UNNEST of the steps' names and conclusions over a week of a
 * million jobs) took 5.6 ms on strings and 3.2 ms on codes decoded by the query
 * (docs/column-index.md, "Element strings as codes"). Codes never change once given, so rows
 * written earlier stay valid and the dictionary is saved by appending its new entries.
 *
 * Ownership: the dictionary owns copies of its strings; free with rl_strdict_free.
 * Thread-safety: none (the replica's catalog lock guards each one).
 */
#ifndef RL_STRDICT_H
#define RL_STRDICT_H

#include <stddef.h>

typedef struct rl_strdict {
    char **strs;  /* strs[code - 1], NUL-terminated copies (a string may hold NULs: lens) */
    size_t *lens; /* their lengths */
    int n, cap;   /* codes given: 1..n */
    int *slots;   /* open addressing: a code, 0 for empty */
    int n_slots;  /* a power of two, at least twice n */
    int n_saved;  /* codes 1..n_saved are written out (the caller's bookkeeping) */
} rl_strdict;

/* The code of s[0..len): 0 when absent (add 0), or a new one (add 1); -1 when out of memory. */
int rl_strdict_code(rl_strdict *d, const char *s, size_t len, int add);

/* The string of code (1..n), or NULL. */
const char *rl_strdict_str(const rl_strdict *d, int code, size_t *len);

void rl_strdict_free(rl_strdict *d);

#endif
