/*
 * strdict.c - an append-only dictionary of strings to codes (strdict.h).
 */
#include "strdict.h"

#include "hash.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int same(const rl_strdict *d, int code, const char *s, size_t len) {
    return d->lens[code - 1] == len && memcmp(d->strs[code - 1], s, len) == 0;
}

/* The slot holding s's code, or the empty slot where it would go. */
static int find_slot(const rl_strdict *d, const char *s, size_t len) {
    unsigned mask = (unsigned)d->n_slots - 1;
    unsigned i = rs_fnv1a32(s, len) & mask;
    while (d->slots[i] != 0 && !same(d, d->slots[i], s, len))
        i = (i + 1) & mask;
    return (int)i;
}

/* Double the slots (or make the first 16) and place every code again. */
static int grow_slots(rl_strdict *d) {
    int n_slots = d->n_slots ? d->n_slots * 2 : 16;
    int *slots = calloc((size_t)n_slots, sizeof(*slots));
    if (slots == NULL)
        return -1;
    free(d->slots);
    d->slots = slots;
    d->n_slots = n_slots;
    for (int code = 1; code <= d->n; code++)
        d->slots[find_slot(d, d->strs[code - 1], d->lens[code - 1])] = code;
    return 0;
}

static int grow_strs(rl_strdict *d) {
    int cap = d->cap ? d->cap * 2 : 16;
    char **strs = realloc(d->strs, (size_t)cap * sizeof(*strs));
    if (strs == NULL)
        return -1;
    d->strs = strs;
    size_t *lens = realloc(d->lens, (size_t)cap * sizeof(*lens));
    if (lens == NULL)
        return -1;
    d->lens = lens;
    d->cap = cap;
    return 0;
}

int rl_strdict_code(rl_strdict *d, const char *s, size_t len, int add) {
    if (d->n_slots == 0 && (!add || grow_slots(d) != 0))
        return add ? -1 : 0;
    int at = find_slot(d, s, len);
    if (d->slots[at] != 0 || !add)
        return d->slots[at];
    if ((d->n + 1) * 2 > d->n_slots) {
        if (grow_slots(d) != 0)
            return -1;
        at = find_slot(d, s, len);
    }
    if (d->n == d->cap && grow_strs(d) != 0)
        return -1;
    char *copy = malloc(len + 1);
    if (copy == NULL)
        return -1;
    memcpy(copy, s, len);
    copy[len] = '\0';
    d->strs[d->n] = copy;
    d->lens[d->n] = len;
    d->n++;
    d->slots[at] = d->n;
    return d->n;
}

const char *rl_strdict_str(const rl_strdict *d, int code, size_t *len) {
    if (code < 1 || code > d->n)
        return NULL;
    if (len != NULL)
        *len = d->lens[code - 1];
    return d->strs[code - 1];
}

void rl_strdict_free(rl_strdict *d) {
    for (int i = 0; i < d->n; i++)
        free(d->strs[i]);
    free(d->strs);
    free(d->lens);
    free(d->slots);
    memset(d, 0, sizeof(*d));
}
