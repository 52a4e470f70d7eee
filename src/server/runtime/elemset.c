/*
 * elemset.c - a set of array elements under Rockset's element equality (elemset.h).
 */
#include "elemset.h"

#include <stdlib.h>
#include <string.h>

#define NO_BYTES ((size_t)-1)

void rt_elemset_init(rt_elemset *set) {
    memset(set, 0, sizeof *set);
}

void rt_elemset_free(rt_elemset *set) {
    free(set->vals);
    free(set->offs);
    free(set->hashes);
    free(set->slots);
    rs_buf_free(&set->store);
    rt_elemset_init(set);
}

void rt_elem_decode(const char *text, size_t len, rv *out, rs_buf *scratch) {
    rs_err err;
    if (rv_from_json(text, len, out, scratch, &err) != 0)
        *out = rv_null();
}

static int is_temporal(rv_type type) {
    return type >= RV_DATE && type <= RV_TIMESTAMP;
}

/* FNV-1a: the bytes of a string member. */
static uint64_t bytes_hash(const char *s, size_t len) {
    uint64_t h = UINT64_C(1469598103934665603);
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * UINT64_C(1099511628211);
    return h;
}

/* Member i with its bytes where they are now. */
static rv member(const rt_elemset *set, size_t i) {
    rv m = set->vals[i];
    if (set->offs[i] != NO_BYTES)
        m.s = set->store.data + set->offs[i];
    return m;
}

int rt_elem_equal(const rv *a, const rv *b) {
    int c;
    if (rv_is_nullish(a) || rv_is_nullish(b))
        return rv_is_nullish(a) && rv_is_nullish(b);
    return rv_compare(a, b, &c) && c == 0;
}

static int string_found(const rt_elemset *set, const rv *v) {
    if (set->n_slots == 0)
        return 0;
    uint64_t h = bytes_hash(v->s, v->len);
    for (size_t at = (size_t)h & (set->n_slots - 1);; at = (at + 1) & (set->n_slots - 1)) {
        size_t slot = set->slots[at];
        if (slot == 0)
            return 0;
        rv m = member(set, slot - 1);
        if (set->hashes[slot - 1] == h && m.len == v->len &&
            (v->len == 0 || memcmp(m.s, v->s, v->len) == 0))
            return 1;
    }
}

int rt_elemset_has(rt_elemset *set, const rv *v) {
    int is_string = v->type == RV_STRING;
    if (is_string && string_found(set, v))
        return 1;
    if (is_string && set->n_temporal == 0)
        return 0; /* a string equals only a string of its bytes, or a date or time */
    for (size_t i = 0; i < set->n; i++) {
        if (set->vals[i].type == RV_STRING && !is_temporal(v->type))
            continue; /* strings were looked up by hash; they equal no other value */
        rv m = member(set, i);
        if (rt_elem_equal(&m, v))
            return 1;
    }
    return 0;
}

/* Place member i (a string) in the hash, growing it to twice the members. */
static int hash_string(rt_elemset *set, size_t i) {
    if (2 * (i + 1) > set->n_slots) {
        size_t n_slots = set->n_slots ? 2 * set->n_slots : 64;
        while (2 * (i + 1) > n_slots)
            n_slots *= 2;
        size_t *slots = calloc(n_slots, sizeof *slots);
        if (slots == NULL)
            return -1;
        free(set->slots);
        set->slots = slots;
        set->n_slots = n_slots;
        for (size_t j = 0; j < i; j++) /* the strings before i again */
            if (set->vals[j].type == RV_STRING && hash_string(set, j) != 0)
                return -1;
    }
    size_t at = (size_t)set->hashes[i] & (set->n_slots - 1);
    while (set->slots[at] != 0)
        at = (at + 1) & (set->n_slots - 1);
    set->slots[at] = i + 1;
    return 0;
}

static int grow(rt_elemset *set) {
    size_t cap = set->cap ? 2 * set->cap : 16;
    rv *vals = realloc(set->vals, cap * sizeof *vals);
    if (vals == NULL)
        return -1;
    set->vals = vals;
    size_t *offs = realloc(set->offs, cap * sizeof *offs);
    if (offs == NULL)
        return -1;
    set->offs = offs;
    uint64_t *hashes = realloc(set->hashes, cap * sizeof *hashes);
    if (hashes == NULL)
        return -1;
    set->hashes = hashes;
    set->cap = cap;
    return 0;
}

int rt_elemset_add(rt_elemset *set, const rv *v) {
    if (set->n == set->cap && grow(set) != 0)
        return -1;
    size_t i = set->n;
    set->vals[i] = *v;
    set->offs[i] = NO_BYTES;
    set->hashes[i] = 0;
    if (v->s != NULL) {
        set->offs[i] = set->store.len;
        if (rs_buf_append(&set->store, v->s, v->len) != 0 || set->store.oom)
            return -1;
    }
    set->n++;
    if (v->type == RV_STRING) {
        set->hashes[i] = bytes_hash(v->s, v->len);
        if (hash_string(set, i) != 0) {
            set->n--;
            return -1;
        }
    }
    set->n_temporal += is_temporal(v->type);
    return 0;
}
