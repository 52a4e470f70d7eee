/*
 * docindex.h - the members of one JSON document indexed in one pass, for rs_get's cache
 * (fn_core.c): SQLite computes every expression index's key of a row being written in turn, each
 * an rs_get of the same document, so the document is read once (with jsonscan, the one JSON
 * reader) and each later step is a walk over this index instead of over the text.
 *
 * The index holds spans into the caller's text; it is valid as long as that text is unchanged.
 * Ownership: an rt_docindex is the caller's (zero it, reuse it, rt_docindex_free it).
 * Thread-safety: one index belongs to one thread.
 */
#ifndef RL_RUNTIME_DOCINDEX_H
#define RL_RUNTIME_DOCINDEX_H

#include "jsonscan.h"

#include <stdint.h>

typedef struct rt_docmember {
    rs_jsonscan_span key;   /* the key token, quotes included */
    rs_jsonscan_span value; /* the value's text */
    int32_t child; /* the value's last member when it is an object indexed too; -1 an empty or
                      non-object value; -2 an object deeper than the index goes (or that could
                      not be indexed); RT_DOCINDEX_LATER an object not indexed yet */
    int32_t depth; /* the level of the object holding it: 0 for the document's own members */
    int32_t prev;  /* the member before it in the same object, -1: a lookup walks an object
                      from its end, so that the first match is the last occurrence (the one
                      that wins) and the walk stops there */
    int plain;     /* the key has no escape: its text between the quotes is its name */
} rt_docmember;

typedef struct rt_docindex {
    rt_docmember *m;
    int32_t n, cap;
    int32_t root;      /* the document's last member, -1 when none */
    int32_t max_depth; /* as built */
    int valid;         /* as built */
} rt_docindex;

/* A member's child not indexed yet: a nested object is indexed when a lookup first enters it
 * (rt_docindex_child), so that reading a document's top-level fields pays nothing for the
 * objects inside it (their text is checked once, by the walk that found their end). */
#define RT_DOCINDEX_LATER (-3)

/* Index the members of the object text [text, text + len), nested objects down to max_depth
 * levels (each when first entered, rt_docindex_child). 0, or -1 when the text is not one
 * well-formed object or memory ran out (then read the text itself). Reuses ix's memory. valid: the
 * caller knows the text is well-formed JSON (a document the writer made): read by brackets and
 * quotes (rs_jsonscan_iter_init_valid) instead of checked byte by byte, with the same spans. */
int rt_docindex_build(rt_docindex *ix, const char *text, size_t len, int max_depth, int valid);

/* The last member of member at's object value, indexed now if it was not: as child, with -1
 * for an empty or non-object value and -2 for one deeper than the index goes or that could not
 * be indexed (read its text instead). */
int32_t rt_docindex_child(rt_docindex *ix, int32_t at);

/* The member key (klen bytes, decoded) among the members of the object whose last member is
 * last (ix->root, or a member's child): its index, or -1 when absent. With duplicate keys the
 * last one wins, as rs_jsonscan_get_last. */
int32_t rt_docindex_find(const rt_docindex *ix, int32_t last, const char *key, size_t klen);

void rt_docindex_free(rt_docindex *ix);

/* The calling thread's writer vouches for text[0..len): well-formed JSON (the writer built it)
 * that stays unchanged until its next call; NULL: nothing vouched for. rs_get's cache
 * (fn_core.c) indexes a document of exactly these bytes with valid set, and finds the text it
 * was handed again by its address instead of comparing it whole. Per thread: set and cleared
 * around the writer's own statement steps, never seen by another thread. */
void rt_docindex_vouch(const char *text, size_t len);

/* The current vouch's serial (unique across threads, never 0) when text[0..len) is the vouched
 * text - by_address: the very same address; else also equal bytes elsewhere - or 0. */
uint64_t rt_docindex_vouched(const char *text, size_t len, int by_address);

/* The calling thread steps a translated query (query_exec.c) while on is set: every document
 * text such a statement hands rs_get is the store's (the writer made it) or the runtime's own
 * output made from those (rs_project, rs_row, rs_merge, UNNEST's slices), well-formed JSON, so
 * rs_get's cache indexes one it has not seen by brackets and quotes alone, as a vouched one (a
 * fifth less to read a dashboard job). A document whose bytes were changed behind the store's
 * back would read wrong where a check finds it malformed, never outside its text. Per thread. */
void rt_docindex_trust_queries(int on);
int rt_docindex_trusting(void);

#endif
