/* docindex.c - see docindex.h. */
#include "docindex.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

void rt_docindex_free(rt_docindex *ix) {
    free(ix->m);
    memset(ix, 0, sizeof(*ix));
}

static int32_t add_member(rt_docindex *ix) {
    if (ix->n == ix->cap) {
        int32_t cap = ix->cap ? ix->cap * 2 : 64;
        rt_docmember *grown = realloc(ix->m, (size_t)cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        ix->m = grown;
        ix->cap = cap;
    }
    return ix->n++;
}

/* Index the members of object, at level depth; *last receives the last one's index (-1 when
 * empty). Nested objects are left for rt_docindex_child. */
static int index_object(rt_docindex *ix, rs_jsonscan_span object, int depth, int32_t *last) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    int32_t prev = -1;
    int more;

    *last = -1;
    if ((ix->valid ? rs_jsonscan_iter_init_valid(&it, object)
                   : rs_jsonscan_iter_init(&it, object)) != RS_OK)
        return -1;
    while ((more = rs_jsonscan_iter_next(&it, &key, &value)) == 1) {
        int32_t at = add_member(ix);
        if (at < 0)
            return -1;
        int32_t child = -1;
        if (value.len > 0 && value.ptr[0] == '{')
            child = depth + 1 < ix->max_depth ? RT_DOCINDEX_LATER : -2;
        ix->m[at] =
            (rt_docmember){key, value, child, depth, prev, memchr(key.ptr, '\\', key.len) == NULL};
        prev = at;
    }
    *last = prev;
    return more == 0 ? 0 : -1;
}

int rt_docindex_build(rt_docindex *ix, const char *text, size_t len, int max_depth, int valid) {
    rs_jsonscan_span doc = rs_jsonscan_trim((rs_jsonscan_span){text, len});
    ix->n = 0;
    ix->root = -1;
    ix->max_depth = max_depth;
    ix->valid = valid;
    if (doc.len == 0 || doc.ptr[0] != '{' || len > INT32_MAX)
        return -1;
    return index_object(ix, doc, 0, &ix->root);
}

int32_t rt_docindex_child(rt_docindex *ix, int32_t at) {
    if (ix->m[at].child != RT_DOCINDEX_LATER)
        return ix->m[at].child;
    int32_t child;
    /* the members are added after every other; ix->m may move meanwhile */
    if (index_object(ix, ix->m[at].value, ix->m[at].depth + 1, &child) != 0)
        child = -2; /* what was added stays unreachable; the text is read instead */
    ix->m[at].child = child;
    return child;
}

int32_t rt_docindex_find(const rt_docindex *ix, int32_t last, const char *key, size_t klen) {
    for (int32_t i = last; i >= 0; i = ix->m[i].prev) {
        const rt_docmember *m = &ix->m[i];
        /* most keys have no escape: compared as they are, without decoding; the first byte
         * before a call of memcmp (many names of a document share a length) */
        if (m->plain ? m->key.len == klen + 2 && (klen == 0 || m->key.ptr[1] == key[0]) &&
                           memcmp(m->key.ptr + 1, key, klen) == 0
                     : rs_jsonscan_key_equals(m->key, key, klen))
            return i;
    }
    return -1;
}

/* The vouched text of this thread. The serial tells vouches apart for rs_get's cache, which
 * keeps the serial of the document an entry copied: a connection may serve several threads in
 * turn, and an address may come back holding other bytes in a later vouch. */
static _Thread_local struct {
    const char *text;
    size_t len;
    uint64_t serial;
} vouch;
static _Atomic uint64_t vouch_serials;

void rt_docindex_vouch(const char *text, size_t len) {
    vouch.text = text;
    vouch.len = len;
    vouch.serial = text != NULL ? ++vouch_serials : 0;
}

uint64_t rt_docindex_vouched(const char *text, size_t len, int by_address) {
    if (vouch.text == NULL || len != vouch.len)
        return 0;
    if (text == vouch.text || (!by_address && memcmp(text, vouch.text, len) == 0))
        return vouch.serial;
    return 0;
}

static _Thread_local int trust_queries;

void rt_docindex_trust_queries(int on) {
    trust_queries = on;
}

int rt_docindex_trusting(void) {
    return trust_queries;
}
