/*
 * fn_core.c - the plumbing the translator emits (no Rockset name of its own): reading fields out
 * of documents, building result rows, truth values, comparison, arithmetic, LIKE, and the keys
 * that order, group and join values.
 *
 *   rs_get(doc, step...)        the value at a path of a document (TEXT or BLOB JSON object);
 *                               steps are member names (TEXT) or 0-based indexes; missing ->
 *                               undefined; a top-level _event_time string reads as a timestamp
 *   rs_getv(value, step...)     the same on any value (only arrays and objects are entered)
 *   rs_row(final, k, v, ...)    a row object; undefined values left out
 *   rs_project(final, doc, k, path, ...)  rs_row of several rs_get's, the document read once
 *   rs_merge(final, doc...)     members of several objects, later keys win
 *   rs_members(x)               x when it is an object, else nothing (the source of x.*)
 *   rs_idx0(i)                  a 1-based subscript made 0-based
 *   rs_real('1.5')              a float literal, read exactly
 *   rs_except(final, doc, k...) doc without the named top-level members
 *   rs_first(doc)               the value of the first member (a one-field row)
 *   rs_one(v)                   aggregate: the value of a scalar subquery (error on 2 rows)
 *   rs_truth(v)                 bool -> 1/0, null/undefined -> NULL, anything else an error
 *   rs_cmp(a, b)                -1/0/1, NULL when the values do not compare
 *   rs_between(x, lo, hi)       three-valued
 *   rs_add/sub/mul/div/mod(a, b, ...)  ((a op b) op c) ...; numbers and temporal values
 *   rs_neg(x), rs_like(s, p[, esc]), rs_ilike(s, p[, esc])  (|| is rs_concat_op, fn_string.c)
 *   rs_like_glob(p)             the GLOB pattern a LIKE pattern p (no escape) implies: every
 *                               string LIKE p matches, GLOB matches (a superset, for the
 *                               trigram index of a path, fieldindex.h); NULL for null
 *   rs_nullish(x)               1 for null and undefined, else 0 (IS NULL)
 *   rs_rank(x), rs_okey(x)      the two ORDER BY terms of x (value.h's total order)
 *   rs_gkey(x)                  group key: undefined -> null, else x
 *   rs_jkey(x)                  join/IN key: null/undefined -> SQL NULL, else x
 *   rs_klo(c, k), rs_khi(c, k)  the lowest / highest index key a comparison with c can need:
 *                               rs_skey of rv_key_bound(c, k) (k: RV_KEYS_*), or,
 *                               when no bound is exact, below / above every key
 *   rs_raise(msg)               an error with that message
 * "final" = 1 writes values in the API's result form, 0 in the form of stored documents.
 */
#include "datetime.h"
#include "docindex.h"
#include "fn_util.h"
#include "jsonscan.h"
#include "ops.h"
#include "paths.h"
#include "value.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rv_json_form form_of(sqlite3_value *final) {
    return sqlite3_value_int(final) ? RV_FORM_API : RV_FORM_DOC;
}

/* JSON text of a document argument (TEXT or BLOB); NULL for anything else. */
static const char *doc_text(sqlite3_value *v, size_t *len) {
    int t = sqlite3_value_type(v);
    const char *p;
    if (t == SQLITE_TEXT)
        p = (const char *)sqlite3_value_text(v);
    else if (t == SQLITE_BLOB)
        p = sqlite3_value_blob(v);
    else
        return NULL;
    *len = (size_t)sqlite3_value_bytes(v);
    return p;
}

/* ---------------- paths ---------------- */

/* The document argument as a span; 0 for anything but TEXT or BLOB. */
static int doc_span(sqlite3_value *v, rs_jsonscan_span *out) {
    out->ptr = doc_text(v, &out->len);
    return out->ptr != NULL;
}

/* Walk steps argv[from..argc) from the JSON value *v (replaced by each step's value); 0 when a
 * step is missing. A repeated member name reads as its last occurrence. */
static int walk(rs_jsonscan_span *v, int argc, sqlite3_value **argv, int from) {
    for (int i = from; i < argc; i++) {
        int found = 0;
        if (sqlite3_value_type(argv[i]) == SQLITE_INTEGER) {
            found = rs_jsonscan_element(*v, sqlite3_value_int64(argv[i]), v);
        } else if (sqlite3_value_type(argv[i]) == SQLITE_TEXT) {
            const char *key = (const char *)sqlite3_value_text(argv[i]);
            found = rs_jsonscan_get_last(*v, key, (size_t)sqlite3_value_bytes(argv[i]), v);
        }
        if (!found)
            return 0;
    }
    return 1;
}

/* rs_get's per-connection cache of document member indexes (docindex.h). SQLite computes
 * every expression index's key of a row being written in turn, each an rs_get of the same
 * document, and a query reads several fields of each row: the cache copies a document and
 * indexes its members in one pass, and the next calls find it by length and a full compare
 * against the copy, then walk the index instead of the text. It holds a few documents, the
 * least recently used replaced, because a join reads each of its relations' current rows in
 * turn (f.name, s.name, f.sha, ...): with one document the two rows evicted each other and every
 * call walked the text. A document is indexed at its first call: finding a member as Rockset
 * does (the last of duplicate keys wins) walks the whole text anyway, about what indexing it
 * costs, so even a query reading one field per row loses nothing (measured on a million
 * dashboard jobs: one-field scans 1,690 ms indexed vs 1,674 ms walked; joins and filters
 * reading several fields 1.4x to 1.8x faster than a cache built only at a document's second
 * call). */
#define GET_CACHE_DEPTH 8
#define GET_CACHE_MAX   (1 << 20) /* larger documents are walked as text */
#define GET_CACHE_WAYS  4

typedef struct get_entry {
    char *text; /* the cached document, a copy */
    size_t len, cap;
    int valid;
    int unchecked;       /* indexed on a query's trust (docindex.h), neither checked nor vouched */
    unsigned last_use;   /* the cache's clock at its last use */
    uint64_t vouch_seen; /* the vouch (rt_docindex_vouched) whose document this entry copied */
    rt_docindex ix;
} get_entry;

typedef struct get_cache {
    get_entry way[GET_CACHE_WAYS];
    unsigned clock;
} get_cache;

static void get_cache_free(void *arg) {
    get_cache *c = arg;
    if (c == NULL)
        return;
    for (int i = 0; i < GET_CACHE_WAYS; i++) {
        free(c->way[i].text);
        rt_docindex_free(&c->way[i].ix);
    }
    free(c);
}

/* The entry to build into: an empty one, else the least recently used. */
static get_entry *victim(get_cache *c) {
    get_entry *lru = &c->way[0];
    for (int i = 0; i < GET_CACHE_WAYS; i++) {
        if (!c->way[i].valid)
            return &c->way[i];
        if (c->way[i].last_use < lru->last_use)
            lru = &c->way[i];
    }
    return lru;
}

/* Copy doc into e and index it; 0 when e is now valid. */
static int build_entry(get_entry *e, const char *doc, size_t len) {
    /* a document the writer vouches for is indexed without checking it (docindex.h) */
    e->vouch_seen = rt_docindex_vouched(doc, len, 0);
    e->valid = 0;
    if (len + 1 > e->cap) {
        char *grown = realloc(e->text, len + 1);
        if (grown == NULL)
            return -1;
        e->text = grown;
        e->cap = len + 1;
    }
    memcpy(e->text, doc, len);
    e->text[len] = '\0';
    e->len = len;
    e->unchecked = e->vouch_seen == 0 && rt_docindex_trusting();
    e->valid = rt_docindex_build(&e->ix, e->text, len, GET_CACHE_DEPTH,
                                 e->vouch_seen != 0 || e->unchecked) == 0;
    return e->valid ? 0 : -1;
}

/* The entry holding doc, cached now if it was not; NULL when it cannot be (too large, not an
 * object, out of memory): then the text is walked. */
static get_entry *cached_doc(get_cache *c, const char *doc, size_t len) {
    /* the text the writer vouches for is the entry that copied it in this vouch: no compare */
    uint64_t vouch = rt_docindex_vouched(doc, len, 1);
    int trusting = rt_docindex_trusting();
    c->clock++;
    for (int i = 0; i < GET_CACHE_WAYS; i++) {
        get_entry *e = &c->way[i];
        /* an entry a query trusted serves only queries: another caller's answer is the check's */
        if (e->valid && e->len == len && (trusting || !e->unchecked) &&
            ((vouch != 0 && e->vouch_seen == vouch) || memcmp(e->text, doc, len) == 0)) {
            e->last_use = c->clock;
            if (vouch != 0)
                e->vouch_seen = vouch;
            return e;
        }
    }
    if (len > GET_CACHE_MAX || len == 0 || doc[0] != '{') /* stored documents begin with '{' */
        return NULL;
    get_entry *e = victim(c);
    e->last_use = c->clock;
    return build_entry(e, doc, len) == 0 ? e : NULL;
}

/* Walk the steps argv[1..argc) in the cached document into *v, through its index while the
 * steps are member names of indexed objects, then through the text; 0 when a step is missing. */
static int cached_walk(get_entry *e, int argc, sqlite3_value **argv, rs_jsonscan_span *v) {
    int32_t last = e->ix.root, at = -1;
    int i;
    for (i = 1; i < argc; i++) {
        if (sqlite3_value_type(argv[i]) != SQLITE_TEXT)
            break;
        /* a member's object is indexed when a step enters it, not when the member is found */
        if (at >= 0 && (last = rt_docindex_child(&e->ix, at)) == -2)
            break;
        at = rt_docindex_find(&e->ix, last, (const char *)sqlite3_value_text(argv[i]),
                              (size_t)sqlite3_value_bytes(argv[i]));
        if (at < 0)
            return 0;
    }
    *v = at < 0 ? (rs_jsonscan_span){e->text, e->len} : e->ix.m[at].value;
    return walk(v, argc, argv, i);
}

static void fn_get(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_jsonscan_span v;
    if (argc < 1 || !doc_span(argv[0], &v))
        return;
    get_cache *c = sqlite3_user_data(ctx);
    get_entry *e = c != NULL && argc > 1 ? cached_doc(c, v.ptr, v.len) : NULL;
    int found = e != NULL ? cached_walk(e, argc, argv, &v) : walk(&v, argc, argv, 1);
    if (!found)
        return;
    int event_time = argc == 2 && sqlite3_value_type(argv[1]) == SQLITE_TEXT &&
                     rt_is_event_time_name((const char *)sqlite3_value_text(argv[1]),
                                           (size_t)sqlite3_value_bytes(argv[1]));
    rt_get_result(ctx, v, event_time);
}

static void fn_project(sqlite3_context *ctx, int argc, sqlite3_value **argv);

/* rs_get with a cache of its own on db (freed when db closes). */
int rt_core_register(sqlite3 *db);
int rt_core_register(sqlite3 *db) {
    get_cache *c = calloc(1, sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    /* rs_project reads the rows rs_get reads: it shares the cache, freed with rs_get */
    int rc = sqlite3_create_function_v2(db, "rs_get", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, c,
                                        fn_get, NULL, NULL, get_cache_free);
    if (rc != SQLITE_OK)
        return rc;
    return sqlite3_create_function_v2(db, "rs_project", -1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, c,
                                      fn_project, NULL, NULL, NULL);
}

/* rs_getv: the same steps on a value-mode value; only arrays and objects are entered. */
static void fn_getv(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    if (argc < 1)
        return;
    rv_from_sqlite(argv[0], &v);
    if (v.type != RV_ARRAY && v.type != RV_OBJECT)
        return;
    rs_jsonscan_span span = {v.s, v.len};
    if (walk(&span, argc, argv, 1))
        rt_get_result(ctx, span, 0);
}

/* ---------------- rows ---------------- */

static void fn_row(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_json_form form = form_of(argv[0]);
    rs_buf b = RS_BUF_INIT;
    int n = 0;
    rs_buf_putc(&b, '{');
    for (int i = 1; i + 1 < argc; i += 2) {
        rv v;
        rv_from_sqlite(argv[i + 1], &v);
        if (v.type == RV_UNDEFINED)
            continue;
        if (n++)
            rs_buf_putc(&b, ',');
        rs_buf_json_string(&b, (const char *)sqlite3_value_text(argv[i]),
                           (size_t)sqlite3_value_bytes(argv[i]));
        rs_buf_putc(&b, ':');
        rv_to_json(&b, &v, form);
    }
    rs_buf_putc(&b, '}');
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

/* The value text is what rv_to_json would print for it in any form: a string whose body
 * rs_buf_json_string writes as it is, an integer of at most 18 digits in its shortest form,
 * true, false, null. Most values of a row are these; they are copied instead of decoded and
 * printed. */
static int json_verbatim(rs_jsonscan_span v) {
    if (v.len >= 2 && v.ptr[0] == '"')
        return v.ptr[v.len - 1] == '"' && rs_buf_json_plain(v.ptr + 1, v.len - 2);
    size_t neg = v.len > 0 && v.ptr[0] == '-';
    if (v.len > neg && v.len - neg <= 18 && v.ptr[neg] >= '0' && v.ptr[neg] <= '9') {
        if (v.ptr[neg] == '0') /* "0" alone; "-0" prints as 0 */
            return v.len == 1;
        for (size_t k = neg; k < v.len; k++)
            if (v.ptr[k] < '0' || v.ptr[k] > '9')
                return 0;
        return 1;
    }
    return (v.len == 4 && (memcmp(v.ptr, "true", 4) == 0 || memcmp(v.ptr, "null", 4) == 0)) ||
           (v.len == 5 && memcmp(v.ptr, "false", 5) == 0);
}

/* Append the JSON value in span in form (typed values rewritten, numbers re-printed). */
static int put_json_value(rs_buf *out, rs_jsonscan_span span, rv_json_form form, int event_time) {
    if (!event_time && json_verbatim(span))
        return rs_buf_append(out, span.ptr, span.len);
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    rv val, ts;
    int rc = rv_from_json(span.ptr, span.len, &val, &scratch, &err);
    if (rc == 0) {
        if (event_time && rt_event_time_value(&val, &ts))
            val = ts;
        rc = rv_to_json(out, &val, form);
    } else {
        rc = rs_buf_append(out, span.ptr, span.len); /* malformed stays as it was */
    }
    rs_buf_free(&scratch);
    return rc;
}

/* A member of an object text: key token (quotes included) and value. */
typedef struct member {
    rs_jsonscan_span key, val;
} member;

typedef struct members {
    member *items;
    int n, cap;
} members;

static int same_key(const member *a, const member *b) {
    return a->key.len == b->key.len && memcmp(a->key.ptr, b->key.ptr, b->key.len) == 0;
}

static int add_member(members *ms, const member *m) {
    int i = 0;
    while (i < ms->n && !same_key(&ms->items[i], m))
        i++;
    if (i == ms->n) {
        if (ms->n == ms->cap) {
            int cap = ms->cap ? ms->cap * 2 : 16;
            member *items = realloc(ms->items, (size_t)cap * sizeof *items);
            if (items == NULL)
                return -2;
            ms->items = items;
            ms->cap = cap;
        }
        ms->n++;
    }
    ms->items[i] = *m;
    return 0;
}

/* Add the members of the object text doc, replacing earlier equal keys in place. 0, -1 when
 * doc is not a well-formed object (the members before the fault are kept), -2 out of memory. */
static int collect_members(members *ms, rs_jsonscan_span doc) {
    rs_jsonscan_iter it;
    member m;
    int rc;
    if (rs_jsonscan_classify(doc) != RS_JSON_OBJECT || rs_jsonscan_iter_init(&it, doc) != RS_OK)
        return -1;
    while ((rc = rs_jsonscan_iter_next(&it, &m.key, &m.val)) == 1)
        if (add_member(ms, &m) != 0)
            return -2;
    return rc;
}

static int key_in_args(const member *m, sqlite3_value **names, int n_names) {
    for (int i = 0; i < n_names; i++) {
        const char *k = (const char *)sqlite3_value_text(names[i]);
        size_t klen = (size_t)sqlite3_value_bytes(names[i]);
        if (k != NULL && m->key.len - 2 == klen && memcmp(m->key.ptr + 1, k, klen) == 0)
            return 1;
    }
    return 0;
}

static void write_members(sqlite3_context *ctx, const members *ms, rv_json_form form,
                          sqlite3_value **skip, int n_skip) {
    rs_buf b = RS_BUF_INIT;
    int n = 0;
    rs_buf_putc(&b, '{');
    for (int i = 0; i < ms->n; i++) {
        const member *m = &ms->items[i];
        if (n_skip && key_in_args(m, skip, n_skip))
            continue;
        if (n++)
            rs_buf_putc(&b, ',');
        rs_buf_append(&b, m->key.ptr, m->key.len);
        rs_buf_putc(&b, ':');
        if (form == RV_FORM_DOC)
            rs_buf_append(&b, m->val.ptr, m->val.len);
        else
            put_json_value(&b, m->val, form, 0);
    }
    rs_buf_putc(&b, '}');
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static int needs_api_rewrite(const char *p, size_t len) {
    return memmem(p, len, "__rockset_type", 14) != NULL;
}

static void fn_merge(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv_json_form form = form_of(argv[0]);
    members ms = {NULL, 0, 0};
    int n_docs = 0, last = 0;
    size_t len;
    rs_jsonscan_span doc;
    for (int i = 1; i < argc; i++) {
        if (doc_text(argv[i], &len) != NULL) {
            n_docs++;
            last = i;
        }
    }
    if (n_docs == 0) {
        sqlite3_result_text(ctx, "{}", 2, SQLITE_STATIC);
        return;
    }
    if (n_docs == 1) { /* fast path: SELECT * over one relation */
        const char *p = doc_text(argv[last], &len);
        if (form == RV_FORM_DOC || !needs_api_rewrite(p, len)) {
            sqlite3_result_text(ctx, p, (int)len, SQLITE_TRANSIENT);
            return;
        }
    }
    for (int i = 1; i < argc; i++) {
        if (doc_span(argv[i], &doc) && collect_members(&ms, doc) == -2) {
            sqlite3_result_error_nomem(ctx);
            free(ms.items);
            return;
        }
    }
    write_members(ctx, &ms, form, NULL, 0);
    free(ms.items);
}

static void fn_except(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    members ms = {NULL, 0, 0};
    rs_jsonscan_span doc;
    if (argc < 2 || !doc_span(argv[1], &doc))
        return;
    if (collect_members(&ms, doc) == -2)
        sqlite3_result_error_nomem(ctx);
    else
        write_members(ctx, &ms, form_of(argv[0]), argv + 2, argc - 2);
    free(ms.items);
}

/* rs_members(x): x when it is an object (its members are what x.* selects), else nothing. */
static void fn_members(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    if (sqlite3_value_type(argv[0]) != SQLITE_BLOB)
        return;
    rv_from_sqlite(argv[0], &v);
    if (v.type == RV_OBJECT)
        sqlite3_result_value(ctx, argv[0]);
}

static void fn_first(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    members ms = {NULL, 0, 0};
    rs_jsonscan_span doc;
    if (argc < 1 || !doc_span(argv[0], &doc))
        return;
    int rc = collect_members(&ms, doc);
    if (rc == -2)
        sqlite3_result_error_nomem(ctx);
    else if (ms.n > 0)
        rt_get_result(ctx, ms.items[0].val, 0);
    free(ms.items);
}

/* ---------------- rs_project: several paths of one document in one pass ---------------- */

#define MAX_PROJECT 64

/* The parsed path of argument arg: cached as SQLite auxdata across rows; when SQLite drops the
 * auxdata at once (it may), parsed again into owned[], which the caller frees. NULL after setting
 * an error on ctx. */
static const rt_path *project_spec(sqlite3_context *ctx, sqlite3_value **argv, int arg,
                                   rt_path **owned, int *n_owned) {
    rt_path *spec = sqlite3_get_auxdata(ctx, arg);
    if (spec != NULL)
        return spec;
    const char *text = (const char *)sqlite3_value_text(argv[arg]);
    spec = text != NULL ? rt_path_parse(rs_jsonscan_cstr(text)) : NULL;
    if (spec == NULL) {
        sqlite3_result_error(ctx, "rs_project: bad path", -1);
        return NULL;
    }
    sqlite3_set_auxdata(ctx, arg, spec, rt_path_free);
    spec = sqlite3_get_auxdata(ctx, arg);
    if (spec != NULL)
        return spec;
    spec = rt_path_parse(rs_jsonscan_cstr(text));
    if (spec == NULL) {
        sqlite3_result_error_nomem(ctx);
        return NULL;
    }
    owned[(*n_owned)++] = spec;
    return spec;
}

/* The row object: for each item whose path leads to a value, "name": value; missing ones are
 * omitted. */
static void project_write_row(rs_buf *b, sqlite3_value **argv, const rs_jsonscan_span *doc,
                              const rt_path *const *specs, const rs_jsonscan_span *found, int n,
                              rv_json_form form) {
    int written = 0;
    rs_buf_putc(b, '{');
    for (int i = 0; i < n; i++) {
        rs_jsonscan_span v = found[i];
        int present = v.ptr != NULL;
        if (!present && doc != NULL && specs[i]->steps[0].key == NULL)
            present = rs_jsonscan_element(*doc, specs[i]->steps[0].index, &v);
        if (!present || !rt_path_follow(specs[i], &v))
            continue; /* missing: omitted */
        if (written++)
            rs_buf_putc(b, ',');
        rs_buf_json_string(b, (const char *)sqlite3_value_text(argv[2 + 2 * i]),
                           (size_t)sqlite3_value_bytes(argv[2 + 2 * i]));
        rs_buf_putc(b, ':');
        put_json_value(b, v, form, rt_path_is_event_time(specs[i]));
    }
    rs_buf_putc(b, '}');
}

/* As project_scan_members, from the cached index of the document (the one rs_get's calls on
 * the same row built or will find): each path's first member is looked up instead of the text
 * walked. 0 when the document is not cached (then walk it). */
static int project_cached_members(get_cache *c, rs_jsonscan_span doc, const rt_path *const *specs,
                                  int n, rs_jsonscan_span *found) {
    get_entry *e = c != NULL ? cached_doc(c, doc.ptr, doc.len) : NULL;
    if (e == NULL)
        return 0;
    for (int i = 0; i < n; i++) {
        const rt_path_step *st = &specs[i]->steps[0];
        int32_t at =
            st->key != NULL ? rt_docindex_find(&e->ix, e->ix.root, st->key, st->key_len) : -1;
        if (at >= 0)
            found[i] = e->ix.m[at].value;
    }
    return 1;
}

static void fn_project(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    int n = (argc - 2) / 2, n_owned = 0;
    const rt_path *specs[MAX_PROJECT];
    rs_jsonscan_span found[MAX_PROJECT];
    rt_path *owned[MAX_PROJECT];
    if (n > MAX_PROJECT || argc < 2 || argc % 2) {
        sqlite3_result_error(ctx, "rs_project: bad arguments", -1);
        return;
    }
    for (int i = 0; i < n; i++) {
        specs[i] = project_spec(ctx, argv, 3 + 2 * i, owned, &n_owned);
        found[i].ptr = NULL;
        found[i].len = 0;
        if (specs[i] == NULL)
            goto done;
    }
    rs_jsonscan_span doc;
    int has_doc = doc_span(argv[1], &doc);
    if (has_doc && !project_cached_members(sqlite3_user_data(ctx), doc, specs, n, found))
        rt_path_scan_members(doc, 0, specs, n, found);
    rs_buf b = RS_BUF_INIT;
    project_write_row(&b, argv, has_doc ? &doc : NULL, specs, found, n, form_of(argv[0]));
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
done:
    for (int i = 0; i < n_owned; i++)
        rt_path_free(owned[i]);
}

/* ---------------- rs_one: the value of a scalar subquery ---------------- */

typedef struct one_state {
    int64_t rows;
    sqlite3_value *first;
} one_state;

static void one_step(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    one_state *st = sqlite3_aggregate_context(ctx, sizeof *st);
    if (st == NULL) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    if (st->rows++ == 0) {
        st->first = sqlite3_value_dup(argv[0]);
        if (st->first == NULL)
            sqlite3_result_error_nomem(ctx);
    }
}

static void one_final(sqlite3_context *ctx) {
    one_state *st = sqlite3_aggregate_context(ctx, 0);
    if (st == NULL || st->rows == 0) {
        rv_result_null(ctx); /* no row: null */
        return;
    }
    if (st->rows > 1)
        sqlite3_result_error(ctx, "a scalar subquery returned more than one row", -1);
    else if (st->first != NULL)
        sqlite3_result_value(ctx, st->first);
    sqlite3_value_free(st->first);
    st->first = NULL;
}

/* ---------------- truth, comparison ---------------- */

static void fn_truth(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    if (rv_is_nullish(&v))
        return;
    if (v.type == RV_BOOL) {
        sqlite3_result_int(ctx, (int)v.i);
        return;
    }
    char msg[96];
    snprintf(msg, sizeof msg, "a condition must be a bool, got %s", rv_type_name(v.type));
    sqlite3_result_error(ctx, msg, -1);
}

static void fn_cmp(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv a, b;
    int c;
    (void)argc;
    rv_from_sqlite(argv[0], &a);
    rv_from_sqlite(argv[1], &b);
    if (rv_compare(&a, &b, &c))
        sqlite3_result_int(ctx, c);
}

/* x BETWEEN lo AND hi, three-valued. */
static void fn_between(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv x, lo, hi;
    int c_lo = 0, c_hi = 0;
    (void)argc;
    rv_from_sqlite(argv[0], &x);
    rv_from_sqlite(argv[1], &lo);
    rv_from_sqlite(argv[2], &hi);
    int lo_ok = rv_compare(&x, &lo, &c_lo), hi_ok = rv_compare(&x, &hi, &c_hi);
    if ((lo_ok && c_lo < 0) || (hi_ok && c_hi > 0))
        sqlite3_result_int(ctx, 0);
    else if (lo_ok && hi_ok)
        sqlite3_result_int(ctx, 1);
}

static void fn_nullish(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    sqlite3_result_int(ctx, rv_is_nullish(&v));
}

/* Whether the value is an instant Rockset compares by its moment: a TIMESTAMP, DATETIME or
 * DATE. A test of a constant through one call, not `TYPEOF(c) IN (...)`: SQLite evaluates a
 * deterministic call of constants once per statement, but an IN's left side on every row. */
static void fn_instant(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    sqlite3_result_int(ctx, v.type == RV_TIMESTAMP || v.type == RV_DATETIME || v.type == RV_DATE);
}

/* ---------------- order, group and join keys ---------------- */

static void fn_rank(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    /* null and undefined sort as equals */
    sqlite3_result_int(ctx, v.type == RV_UNDEFINED ? rv_rank(RV_NULL) : rv_rank(v.type));
}

static void put_u256_key(sqlite3_context *ctx, const rv *v) {
    char key[96];
    size_t pad = v->len < 80 ? 80 - v->len : 0;
    memset(key, '0', pad);
    memcpy(key + pad, v->s, v->len < 80 ? v->len : 80);
    sqlite3_result_text(ctx, key, 80, SQLITE_TRANSIENT);
}

static void fn_okey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    switch (v.type) {
    case RV_UNDEFINED:
    case RV_NULL:
        return;
    case RV_BOOL:
        sqlite3_result_int64(ctx, v.i);
        return;
    case RV_INT:
        sqlite3_result_int64(ctx, v.i);
        return;
    case RV_FLOAT:
        sqlite3_result_double(ctx, isnan(v.f) ? INFINITY : v.f); /* NaN sorts last */
        return;
    case RV_STRING:
        sqlite3_result_text(ctx, v.s, (int)v.len, SQLITE_TRANSIENT);
        return;
    case RV_BYTES:
    case RV_ARRAY:
    case RV_OBJECT:
    case RV_GEOGRAPHY:
        sqlite3_result_blob(ctx, v.len ? v.s : "", (int)v.len, SQLITE_TRANSIENT);
        return;
    case RV_U256:
        put_u256_key(ctx, &v);
        return;
    default:
        sqlite3_result_int64(ctx, v.i); /* temporal and intervals */
        return;
    }
}

/* rs_skey of the plain SQL values ORDER BY mostly sees - numbers and short strings - built in
 * one stack buffer, without decoding an rv or growing a heap buffer (top-N queries call it once
 * per row and key). Returns 0 when the value needs the general path. */
static int skey_fast(sqlite3_context *ctx, sqlite3_value *arg) {
    unsigned char key[1 + 16 + 240];
    int type = sqlite3_value_type(arg);
    rv v;
    if (type == SQLITE_INTEGER || type == SQLITE_FLOAT) {
        v.type = type == SQLITE_INTEGER ? RV_INT : RV_FLOAT;
        if (type == SQLITE_INTEGER)
            v.i = sqlite3_value_int64(arg);
        else
            v.f = sqlite3_value_double(arg);
        key[0] = (unsigned char)rv_rank(v.type);
        sqlite3_result_blob(ctx, key, (int)(1 + rv_number_key(key + 1, &v)), SQLITE_TRANSIENT);
        return 1;
    }
    if (type != SQLITE_TEXT)
        return 0;
    const unsigned char *text = sqlite3_value_text(arg);
    int len = sqlite3_value_bytes(arg);
    if (text == NULL || len > 240)
        return 0;
    key[0] = (unsigned char)rv_rank(RV_STRING);
    memcpy(key + 1, text, (size_t)len);
    sqlite3_result_blob(ctx, key, len + 1, SQLITE_TRANSIENT);
    return 1;
}

/* rs_skey(x): one BLOB whose byte order is Rockset's ORDER BY order (rs_rank, then rs_okey),
 * so that ORDER BY evaluates its expression once. */
static int skey_fast(sqlite3_context *ctx, sqlite3_value *arg);

static void fn_skey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rs_buf key = RS_BUF_INIT;
    rv v;
    (void)argc;
    if (skey_fast(ctx, argv[0]))
        return;
    rv_from_sqlite(argv[0], &v);
    if (rv_skey_append(&key, &v) != 0)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_blob(ctx, key.data, (int)key.len, SQLITE_TRANSIENT);
    rs_buf_free(&key);
}

/* rs_klo / rs_khi: see the top. Every key starts with its rank byte, below 0xFF. */
static void key_bound(sqlite3_context *ctx, sqlite3_value **argv, int high) {
    static const unsigned char above_all[] = {0xFF, 0xFF};
    rs_buf key = RS_BUF_INIT;
    rv v, bound;
    rv_from_sqlite(argv[0], &v);
    if (!rv_key_bound(&v, sqlite3_value_int(argv[1]), &bound)) {
        sqlite3_result_blob(ctx, above_all, high ? (int)sizeof above_all : 0, SQLITE_STATIC);
        return;
    }
    if (rv_skey_append(&key, &bound) != 0)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_blob(ctx, key.data, (int)key.len, SQLITE_TRANSIENT);
    rs_buf_free(&key);
}

static void fn_klo(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    key_bound(ctx, argv, 0);
}

static void fn_khi(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    key_bound(ctx, argv, 1);
}

static void fn_gkey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        rv_result_null(ctx);
    else
        sqlite3_result_value(ctx, argv[0]);
}

static void fn_jkey(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    int type = sqlite3_value_type(argv[0]);
    (void)argc;
    if (type == SQLITE_NULL)
        return;
    if (type != SQLITE_BLOB) { /* numbers and strings are never nullish: no decoding */
        sqlite3_result_value(ctx, argv[0]);
        return;
    }
    rv_from_sqlite(argv[0], &v);
    if (!rv_is_nullish(&v))
        sqlite3_result_value(ctx, argv[0]);
}

/* rs_real('1e300'): a float literal read by strtod, exactly (SQLite's own reading goes through
 * long double, which valgrind runs with a double's precision). */
static void fn_real(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    const char *text = (const char *)sqlite3_value_text(argv[0]);
    (void)argc;
    if (text != NULL)
        sqlite3_result_double(ctx, strtod(text, NULL));
}

/* rs_idx0(i): a 1-based subscript made 0-based for rs_get/rs_getv. INT64_MIN has no 0-based
 * form and no element either: it stays as it is (no overflow error for a plain subscript). */
static void fn_idx0(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    switch (sqlite3_value_type(argv[0])) {
    case SQLITE_INTEGER: {
        int64_t i = sqlite3_value_int64(argv[0]);
        sqlite3_result_int64(ctx, i == INT64_MIN ? i : i - 1);
        return;
    }
    case SQLITE_FLOAT:
        sqlite3_result_double(ctx, sqlite3_value_double(argv[0]) - 1.0);
        return;
    default: /* null, undefined, or a value that indexes nothing */
        return;
    }
}

static void fn_raise(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    (void)argc;
    sqlite3_result_error(ctx, (const char *)sqlite3_value_text(argv[0]), -1);
}

/* ---------------- arithmetic ---------------- */

static void fn_arith(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char op = *(const char *)rt_fn_of(ctx)->user_data;
    char msg[160];
    rv acc, next;
    for (int i = 0; i < argc; i++) {
        rv v;
        rv_from_sqlite(argv[i], &v);
        if (rv_is_nullish(&v)) {
            rv_result_null(ctx);
            return;
        }
    }
    rv_from_sqlite(argv[0], &acc);
    for (int i = 1; i < argc; i++) {
        rv_from_sqlite(argv[i], &next);
        if (rt_arith(op, &acc, &next, &acc, msg, sizeof msg) != 0) {
            sqlite3_result_error(ctx, msg, -1);
            return;
        }
    }
    rv_result(ctx, &acc);
}

static void fn_neg(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    char msg[96];
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    if (rv_is_nullish(&v)) {
        rv_result_null(ctx);
        return;
    }
    if (v.type == RV_INT && v.i != INT64_MIN) {
        sqlite3_result_int64(ctx, -v.i);
    } else if (v.type == RV_INT) {
        sqlite3_result_error(ctx, "integer overflow in operator -", -1);
    } else if (v.type == RV_FLOAT) {
        v.f = -v.f;
        rv_result(ctx, &v);
    } else if (v.type == RV_MONTH_INTERVAL || v.type == RV_MICROSECOND_INTERVAL) {
        v.i = -v.i;
        rv_result(ctx, &v);
    } else {
        snprintf(msg, sizeof msg, "operator -: cannot apply to %s", rv_type_name(v.type));
        sqlite3_result_error(ctx, msg, -1);
    }
}

/* ---------------- strings: || and LIKE ---------------- */

static void like_common(sqlite3_context *ctx, int argc, sqlite3_value **argv, int fold,
                        const char *what) {
    rv s, p, e;
    int escape = -1;
    char msg[128];
    rv_from_sqlite(argv[0], &s);
    rv_from_sqlite(argv[1], &p);
    if (argc > 2)
        rv_from_sqlite(argv[2], &e);
    if (rv_is_nullish(&s) || rv_is_nullish(&p) || (argc > 2 && rv_is_nullish(&e)))
        return;
    if (s.type != RV_STRING || p.type != RV_STRING || (argc > 2 && e.type != RV_STRING)) {
        snprintf(msg, sizeof msg, "%s: cannot apply to %s and %s", what, rv_type_name(s.type),
                 rv_type_name(p.type));
        sqlite3_result_error(ctx, msg, -1);
        return;
    }
    if (argc > 2) {
        if (e.len != 1) {
            snprintf(msg, sizeof msg, "%s: ESCAPE must be a single character", what);
            sqlite3_result_error(ctx, msg, -1);
            return;
        }
        escape = (unsigned char)e.s[0];
    }
    sqlite3_result_int(ctx, rt_like_match(s.s, s.len, p.s, p.len, escape, fold));
}

static void fn_like(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    like_common(ctx, argc, argv, 0, "LIKE");
}

static void fn_ilike(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    like_common(ctx, argc, argv, 1, "ILIKE");
}

/* rs_like_glob(p): see the top. '_' becomes '*' too, not '?': one character is counted the same
 * way by LIKE and GLOB only in valid UTF-8, and a wider GLOB is still a superset. */
static void fn_like_glob(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv p;
    (void)argc;
    rv_from_sqlite(argv[0], &p);
    if (rv_is_nullish(&p))
        return;
    if (p.type != RV_STRING) {
        sqlite3_result_text(ctx, "*", 1, SQLITE_STATIC); /* every row: the LIKE raises the error */
        return;
    }
    rs_buf glob = RS_BUF_INIT;
    for (size_t i = 0; i < p.len; i++) {
        char c = p.s[i];
        if (c == '%' || c == '_')
            rs_buf_putc(&glob, '*');
        else if (c == '*' || c == '?' || c == '[')
            rs_buf_printf(&glob, "[%c]", c);
        else
            rs_buf_putc(&glob, c);
    }
    if (glob.oom)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_text(ctx, glob.data != NULL ? glob.data : "", (int)glob.len,
                            SQLITE_TRANSIENT);
    rs_buf_free(&glob);
}

/* ---------------- registration ---------------- */

static const char OP_ADD = '+', OP_SUB = '-', OP_MUL = '*', OP_DIV = '/', OP_MOD = '%';

#define PLUMB(sql, fn) \
    { NULL, RT_SCALAR, 0, -1, sql, 0, NULL, fn, NULL, NULL, NULL, NULL, NULL, NULL }
#define PLUMB_OP(sql, opchar) \
    { NULL, RT_SCALAR, 0, -1, sql, 0, &opchar, fn_arith, NULL, NULL, NULL, NULL, NULL, NULL }

/* clang-format off */
const rt_function rt_fn_core[] = {
    PLUMB("rs_getv", fn_getv),
    PLUMB("rs_row", fn_row),
    PLUMB("rs_merge", fn_merge),
    PLUMB("rs_except", fn_except),
    PLUMB("rs_first", fn_first),
    PLUMB("rs_members", fn_members),
    {NULL, RT_AGGREGATE, 1, 1, "rs_one", 0, NULL, NULL, one_step, one_final, NULL, NULL, NULL,
     NULL},
    PLUMB("rs_truth", fn_truth),
    PLUMB("rs_cmp", fn_cmp),
    PLUMB("rs_between", fn_between),
    PLUMB("rs_nullish", fn_nullish),
    PLUMB("rs_instant", fn_instant),
    PLUMB("rs_rank", fn_rank),
    PLUMB("rs_okey", fn_okey),
    PLUMB("rs_skey", fn_skey),
    PLUMB("rs_gkey", fn_gkey),
    PLUMB("rs_jkey", fn_jkey),
    PLUMB("rs_klo", fn_klo),
    PLUMB("rs_khi", fn_khi),
    PLUMB("rs_raise", fn_raise),
    PLUMB("rs_idx0", fn_idx0),
    PLUMB("rs_real", fn_real),
    PLUMB_OP("rs_add", OP_ADD),
    PLUMB_OP("rs_sub", OP_SUB),
    PLUMB_OP("rs_mul", OP_MUL),
    PLUMB_OP("rs_div", OP_DIV),
    PLUMB_OP("rs_mod", OP_MOD),
    PLUMB("rs_neg", fn_neg),
    PLUMB("rs_like", fn_like),
    PLUMB("rs_ilike", fn_ilike),
    PLUMB("rs_like_glob", fn_like_glob),
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
