/*
 * elemset.h - a set of array elements under Rockset's element equality, for ARRAY_DISTINCT,
 * ARRAY_UNION, ARRAY_INTERSECT and ARRAY_EXCEPT (fn_array.c).
 *
 * Element equality is '=' with null equal to null (1 matches 1.0, a string matches the date it
 * reads as). Asking each member in turn, as those functions did, decoded both elements of every
 * pair: quadratic in the array, and HUD's contributor counts take the distinct users of 28
 * days of arrays on each of ~300 rows. Here each element is decoded once, and a string, which
 * equals only a string of the same bytes or a date or time, is found by a hash of its bytes;
 * the other values (and strings against the set's dates and times) are compared one by one,
 * as before.
 */
#ifndef RL_RUNTIME_ELEMSET_H
#define RL_RUNTIME_ELEMSET_H

#include "buf.h"
#include "value.h"

#include <stddef.h>
#include <stdint.h>

typedef struct rt_elemset {
    rv *vals;         /* the members, decoded; s of a member points into store once resolved */
    size_t *offs;     /* where each member's bytes start in store ((size_t)-1: none) */
    uint64_t *hashes; /* of a string member's bytes */
    size_t n, cap;
    rs_buf store;      /* every member's bytes: offsets, since the buffer moves as it grows */
    size_t *slots;     /* open addressing over the string members: index + 1, 0 empty */
    size_t n_slots;    /* a power of two, at least twice the members */
    size_t n_temporal; /* members of a date or time type, which a string may equal */
} rt_elemset;

void rt_elemset_init(rt_elemset *set);
void rt_elemset_free(rt_elemset *set);

/* Decode the JSON element text[0..len) into *out, its bytes (when decoding made any) appended
 * to scratch. A text that does not decode is null, as the array functions read it. */
void rt_elem_decode(const char *text, size_t len, rv *out, rs_buf *scratch);

/* Element equality: '=' with null equal to null. */
int rt_elem_equal(const rv *a, const rv *b);

/* 1 when the set holds an element equal to v (v decoded by rt_elem_decode). */
int rt_elemset_has(rt_elemset *set, const rv *v);

/* Add v (a copy of its bytes is kept). 0, or -1 out of memory. */
int rt_elemset_add(rt_elemset *set, const rv *v);

#endif
