/*
 * graph.c - see graph.h.
 *
 * How it works: models are copied and sorted by name, so an index doubles as the name order
 * and every "ties by name" rule becomes "smallest index first". Refs become parent/child index
 * arrays. Everything that works on a selection (order, levels, scheduler, critical path) first
 * builds a seldag: for each selected model, its nearest selected ancestors found by walking up
 * through unselected models, stored as compressed parent and child lists. Kahn's algorithm with
 * a min-heap of indices gives the deterministic topological order.
 */
#include "graph.h"
#include "buf.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gnode {
    char *name; /* owned */
    char *kind; /* owned; "view" when the caller gave NULL */
    int enabled;
    size_t input_pos;
    char **tags; /* owned strings */
    size_t n_tags;
    size_t *parents; /* model indices, ascending, no duplicates */
    size_t n_parents;
    size_t *children; /* likewise */
    size_t n_children;
    size_t *sources; /* indices into rs_graph.sources, ascending, no duplicates */
    size_t n_sources;
} gnode;

typedef struct gsource {
    char *source; /* owned */
    char *table;  /* owned */
    char *id;     /* owned, "source:s.t" */
} gsource;

struct rs_graph {
    gnode *nodes; /* sorted by name */
    size_t n;
    gsource *sources; /* sorted by (source, table), only those read by enabled models */
    size_t n_sources;
};

struct rs_graph_sel {
    size_t n;
    unsigned char *member; /* member[i] = 1 when model i is selected */
    size_t count;
};

/* The dependency structure of a selection; see graph.h "nearest selected ancestors". */
typedef struct seldag {
    size_t n;
    unsigned char *member; /* owned copy */
    size_t *par_start;     /* n + 1 offsets into par_list */
    size_t *par_list;
    size_t *kid_start; /* n + 1 offsets into kid_list */
    size_t *kid_list;
} seldag;

#define NO_CAUSE ((size_t)-1)

/* ---- small helpers ---------------------------------------------------------------------- */

static char *dup_str(const char *s) {
    size_t len = strlen(s);
    char *copy = malloc(len + 1);
    if (copy != NULL)
        memcpy(copy, s, len + 1);
    return copy;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Sort and drop duplicates; returns the new length. */
static size_t sort_unique(size_t *v, size_t n) {
    size_t out = 0;
    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_size);
    for (size_t i = 0; i < n; i++) {
        if (out == 0 || v[out - 1] != v[i])
            v[out++] = v[i];
    }
    return out;
}

/* calloc that never returns NULL for a zero count, so NULL always means "out of memory". */
static void *alloc_array(size_t count, size_t size) {
    return calloc(count ? count : 1, size);
}

/* Min-heap of indices: ready models come out smallest name first. */
static void heap_push(size_t *heap, size_t *n_heap, size_t value) {
    size_t pos = (*n_heap)++;
    while (pos > 0 && heap[(pos - 1) / 2] > value) {
        heap[pos] = heap[(pos - 1) / 2];
        pos = (pos - 1) / 2;
    }
    heap[pos] = value;
}

static size_t heap_pop(size_t *heap, size_t *n_heap) {
    size_t top = heap[0], last = heap[--*n_heap], pos = 0;
    for (;;) {
        size_t child = 2 * pos + 1;
        if (child >= *n_heap)
            break;
        if (child + 1 < *n_heap && heap[child + 1] < heap[child])
            child++;
        if (heap[child] >= last)
            break;
        heap[pos] = heap[child];
        pos = child;
    }
    if (*n_heap > 0)
        heap[pos] = last;
    return top;
}

/* ---- did you mean ----------------------------------------------------------------------- */

#define SUGGEST_MAX_LEN  120
#define SUGGEST_MAX_DIST 2

/* Optimal-string-alignment distance (Levenshtein plus adjacent transposition); SIZE_MAX when
 * either word is too long to bother with. Fixed rows: a suggestion never allocates. */
static size_t edit_distance(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    size_t rows[3][SUGGEST_MAX_LEN + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];

    if (la > SUGGEST_MAX_LEN || lb > SUGGEST_MAX_LEN)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t best = prev[j - 1] + cost;
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *spare = prev2;
        prev2 = prev;
        prev = cur;
        cur = spare;
    }
    return prev[lb];
}

typedef struct suggestion {
    const char *word; /* what the user wrote */
    const char *best; /* closest candidate so far, or NULL */
    size_t dist;
} suggestion;

static void suggest_init(suggestion *sg, const char *word) {
    sg->word = word;
    sg->best = NULL;
    sg->dist = SUGGEST_MAX_DIST + 1;
}

static void suggest_consider(suggestion *sg, const char *candidate) {
    size_t d = edit_distance(sg->word, candidate);
    size_t word_len = strlen(sg->word);
    /* short words allow fewer edits, or every 1-3 letter name would suggest every other one */
    size_t limit = (word_len < 3 ? 3 : word_len) / 3;
    if (limit > SUGGEST_MAX_DIST)
        limit = SUGGEST_MAX_DIST;
    if (d == 0 || d > limit)
        return;
    if (d < sg->dist || (d == sg->dist && strcmp(candidate, sg->best) < 0)) {
        sg->best = candidate;
        sg->dist = d;
    }
}

/* Append "; did you mean 'x'?" to err->msg when there is a suggestion. */
static void suggest_append(const suggestion *sg, rs_err *err) {
    size_t used;
    if (err == NULL || sg->best == NULL)
        return;
    used = strlen(err->msg);
    snprintf(err->msg + used, sizeof(err->msg) - used, "; did you mean '%s'?", sg->best);
}

static void suggest_enabled_models(const rs_graph *g, suggestion *sg) {
    for (size_t i = 0; i < g->n; i++) {
        if (g->nodes[i].enabled)
            suggest_consider(sg, g->nodes[i].name);
    }
}

const char *rs_graph_suggest(const rs_graph *g, const char *name) {
    suggestion sg;

    if (g == NULL || name == NULL)
        return NULL;
    suggest_init(&sg, name);
    suggest_enabled_models(g, &sg);
    return sg.best;
}

/* ---- accessors -------------------------------------------------------------------------- */

static int cmp_node_name(const void *key, const void *elem) {
    return strcmp((const char *)key, ((const gnode *)elem)->name);
}

long rs_graph_find(const rs_graph *g, const char *name) {
    const gnode *hit;
    if (g == NULL || name == NULL || g->n == 0)
        return -1;
    hit = bsearch(name, g->nodes, g->n, sizeof(gnode), cmp_node_name);
    return hit ? (long)(hit - g->nodes) : -1;
}

size_t rs_graph_count(const rs_graph *g) {
    return g ? g->n : 0;
}

const char *rs_graph_name(const rs_graph *g, size_t model) {
    return g && model < g->n ? g->nodes[model].name : NULL;
}

const char *rs_graph_kind(const rs_graph *g, size_t model) {
    return g && model < g->n ? g->nodes[model].kind : NULL;
}

int rs_graph_enabled(const rs_graph *g, size_t model) {
    return g && model < g->n ? g->nodes[model].enabled : 0;
}

size_t rs_graph_input_pos(const rs_graph *g, size_t model) {
    return g && model < g->n ? g->nodes[model].input_pos : 0;
}

void rs_graph_parents(const rs_graph *g, size_t model, const size_t **list, size_t *n) {
    *list = g && model < g->n ? g->nodes[model].parents : NULL;
    *n = g && model < g->n ? g->nodes[model].n_parents : 0;
}

void rs_graph_children(const rs_graph *g, size_t model, const size_t **list, size_t *n) {
    *list = g && model < g->n ? g->nodes[model].children : NULL;
    *n = g && model < g->n ? g->nodes[model].n_children : 0;
}

/* ---- freeing ---------------------------------------------------------------------------- */

void rs_graph_free(rs_graph *g) {
    if (g == NULL)
        return;
    for (size_t i = 0; i < g->n; i++) {
        gnode *node = &g->nodes[i];
        free(node->name);
        free(node->kind);
        for (size_t t = 0; t < node->n_tags; t++)
            free(node->tags[t]);
        free(node->tags);
        free(node->parents);
        free(node->children);
        free(node->sources);
    }
    for (size_t i = 0; i < g->n_sources; i++) {
        free(g->sources[i].source);
        free(g->sources[i].table);
        free(g->sources[i].id);
    }
    free(g->sources);
    free(g->nodes);
    free(g);
}

void rs_graph_sel_free(rs_graph_sel *sel) {
    if (sel == NULL)
        return;
    free(sel->member);
    free(sel);
}

size_t rs_graph_sel_count(const rs_graph_sel *sel) {
    return sel ? sel->count : 0;
}

int rs_graph_sel_has(const rs_graph_sel *sel, size_t model) {
    return sel && model < sel->n ? sel->member[model] : 0;
}

static void seldag_free(seldag *d) {
    free(d->member);
    free(d->par_start);
    free(d->par_list);
    free(d->kid_start);
    free(d->kid_list);
    memset(d, 0, sizeof(*d));
}

/* ---- building --------------------------------------------------------------------------- */

static int cmp_node(const void *a, const void *b) {
    return strcmp(((const gnode *)a)->name, ((const gnode *)b)->name);
}

/* Copy one input model's own fields (not refs or sources) into node. */
static int copy_model(const rs_graph_model *m, size_t pos, gnode *node, rs_err *err) {
    if (m->name == NULL || m->name[0] == '\0')
        return rs_err_set(err, RS_EINVAL, "model #%zu has no name", pos + 1);
    node->input_pos = pos;
    node->enabled = m->enabled != 0;
    node->name = dup_str(m->name);
    node->kind = dup_str(m->materialized ? m->materialized : "view");
    node->tags = alloc_array(m->n_tags, sizeof(char *));
    if (node->name == NULL || node->kind == NULL || node->tags == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (size_t t = 0; t < m->n_tags; t++) {
        if (m->tags[t] == NULL)
            continue;
        node->tags[node->n_tags] = dup_str(m->tags[t]);
        if (node->tags[node->n_tags] == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        node->n_tags++;
    }
    return RS_OK;
}

/* Resolve the refs of one enabled model into its parents array. */
static int resolve_refs(rs_graph *g, const rs_graph_model *m, gnode *node, rs_err *err) {
    node->parents = alloc_array(m->n_refs, sizeof(size_t));
    if (node->parents == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (size_t r = 0; r < m->n_refs; r++) {
        const char *ref = m->refs[r];
        long parent;
        if (ref == NULL || ref[0] == '\0')
            return rs_err_set(err, RS_EINVAL, "model '%s' has an empty ref", node->name);
        parent = rs_graph_find(g, ref);
        if (parent < 0) {
            suggestion sg;
            suggest_init(&sg, ref);
            suggest_enabled_models(g, &sg);
            rs_err_set(err, RS_EINVAL, "model '%s' refers to unknown model '%s' (ref('%s'))",
                       node->name, ref, ref);
            suggest_append(&sg, err);
            return RS_EINVAL;
        }
        if (!g->nodes[parent].enabled)
            return rs_err_set(err, RS_EINVAL, "model '%s' refers to disabled model '%s'",
                              node->name, ref);
        node->parents[node->n_parents++] = (size_t)parent;
    }
    node->n_parents = sort_unique(node->parents, node->n_parents);
    return RS_OK;
}

/* Fill every node's children from the parents arrays (ascending, as children are visited in
 * index order). */
static int link_children(rs_graph *g, rs_err *err) {
    for (size_t v = 0; v < g->n; v++) {
        for (size_t p = 0; p < g->nodes[v].n_parents; p++)
            g->nodes[g->nodes[v].parents[p]].n_children++;
    }
    for (size_t u = 0; u < g->n; u++) {
        g->nodes[u].children = alloc_array(g->nodes[u].n_children, sizeof(size_t));
        if (g->nodes[u].children == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        g->nodes[u].n_children = 0;
    }
    for (size_t v = 0; v < g->n; v++) {
        for (size_t p = 0; p < g->nodes[v].n_parents; p++) {
            gnode *parent = &g->nodes[g->nodes[v].parents[p]];
            parent->children[parent->n_children++] = v;
        }
    }
    return RS_OK;
}

static int cmp_source_pair(const void *a, const void *b) {
    const rs_graph_source *x = a, *y = b;
    int c = strcmp(x->source, y->source);
    return c ? c : strcmp(x->table, y->table);
}

static int cmp_source_key(const void *key, const void *elem) {
    const rs_graph_source *k = key;
    const gsource *s = elem;
    int c = strcmp(k->source, s->source);
    return c ? c : strcmp(k->table, s->table);
}

/* Gather the distinct (source, table) pairs read by enabled models into g->sources. */
static int collect_sources(rs_graph *g, const rs_graph_model *models, rs_err *err) {
    size_t total = 0, n_pairs = 0;
    rs_graph_source *pairs = NULL;
    int rc = RS_OK;

    for (size_t v = 0; v < g->n; v++) {
        const rs_graph_model *m = &models[g->nodes[v].input_pos];
        if (!g->nodes[v].enabled)
            continue;
        for (size_t s = 0; s < m->n_sources; s++) {
            const rs_graph_source *src = &m->sources[s];
            if (src->source == NULL || src->source[0] == '\0' || src->table == NULL ||
                src->table[0] == '\0')
                return rs_err_set(err, RS_EINVAL, "model '%s' has an empty source",
                                  g->nodes[v].name);
        }
        total += m->n_sources;
    }
    pairs = alloc_array(total, sizeof(*pairs));
    if (pairs == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (size_t v = 0; v < g->n; v++) {
        const rs_graph_model *m = &models[g->nodes[v].input_pos];
        for (size_t s = 0; g->nodes[v].enabled && s < m->n_sources; s++)
            pairs[n_pairs++] = m->sources[s];
    }
    qsort(pairs, n_pairs, sizeof(*pairs), cmp_source_pair);
    g->sources = alloc_array(n_pairs, sizeof(gsource));
    if (g->sources == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_pairs; i++) {
        gsource *out;
        if (i > 0 && cmp_source_pair(&pairs[i - 1], &pairs[i]) == 0)
            continue;
        out = &g->sources[g->n_sources++];
        out->source = dup_str(pairs[i].source);
        out->table = dup_str(pairs[i].table);
        if (asprintf(&out->id, "source:%s.%s", pairs[i].source, pairs[i].table) < 0)
            out->id = NULL;
        if (out->source == NULL || out->table == NULL || out->id == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
    }
done:
    free(pairs);
    return rc;
}

/* Point every enabled node at the g->sources entries it reads. */
static int link_sources(rs_graph *g, const rs_graph_model *models, rs_err *err) {
    for (size_t v = 0; v < g->n; v++) {
        const rs_graph_model *m = &models[g->nodes[v].input_pos];
        gnode *node = &g->nodes[v];
        size_t n_read = node->enabled ? m->n_sources : 0;
        node->sources = alloc_array(n_read, sizeof(size_t));
        if (node->sources == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        for (size_t s = 0; s < n_read; s++) {
            const gsource *hit =
                bsearch(&m->sources[s], g->sources, g->n_sources, sizeof(gsource), cmp_source_key);
            /* collect_sources put every pair of an enabled model there */
            if (hit == NULL)
                return rs_err_set(err, RS_EINTERNAL, "source lookup failed");
            node->sources[node->n_sources++] = (size_t)(hit - g->sources);
        }
        node->n_sources = sort_unique(node->sources, node->n_sources);
    }
    return RS_OK;
}

/* ---- the dependency structure of a selection -------------------------------------------- */

/* Walk up from model v through unselected models; store (or, with out NULL, only count) the
 * nearest selected ancestors. stamp[u] == v + 1 marks u as seen in this walk. */
static size_t walk_up(const rs_graph *g, const unsigned char *member, size_t v, size_t *stamp,
                      size_t *stack, size_t *out) {
    size_t n_stack = 0, found = 0;
    stack[n_stack++] = v;
    while (n_stack > 0) {
        const gnode *node = &g->nodes[stack[--n_stack]];
        for (size_t p = 0; p < node->n_parents; p++) {
            size_t u = node->parents[p];
            if (stamp[u] == v + 1)
                continue;
            stamp[u] = v + 1;
            if (member[u]) {
                if (out != NULL)
                    out[found] = u;
                found++;
            } else {
                stack[n_stack++] = u;
            }
        }
    }
    return found;
}

/* Fill d->kid_start / kid_list from the parent lists. */
static int seldag_invert(seldag *d) {
    size_t n = d->n, n_edges = d->par_start[n];
    size_t *fill = alloc_array(n, sizeof(size_t));
    d->kid_start = alloc_array(n + 1, sizeof(size_t));
    d->kid_list = alloc_array(n_edges, sizeof(size_t));
    if (fill == NULL || d->kid_start == NULL || d->kid_list == NULL) {
        free(fill);
        return RS_ENOMEM;
    }
    for (size_t e = 0; e < n_edges; e++)
        d->kid_start[d->par_list[e] + 1]++;
    for (size_t u = 0; u < n; u++)
        d->kid_start[u + 1] += d->kid_start[u];
    for (size_t v = 0; v < n; v++) {
        for (size_t e = d->par_start[v]; e < d->par_start[v + 1]; e++) {
            size_t u = d->par_list[e];
            d->kid_list[d->kid_start[u] + fill[u]++] = v;
        }
    }
    free(fill);
    return RS_OK;
}

/* Build the seldag of `member` (NULL = every enabled model). RS_ENOMEM is the only failure. */
static int seldag_build(const rs_graph *g, const unsigned char *member, seldag *d) {
    size_t n = g->n;
    size_t *stamp = alloc_array(n, sizeof(size_t)), *stack = alloc_array(n, sizeof(size_t));
    int rc = RS_ENOMEM;

    memset(d, 0, sizeof(*d));
    d->n = n;
    d->member = alloc_array(n, 1);
    d->par_start = alloc_array(n + 1, sizeof(size_t));
    if (stamp == NULL || stack == NULL || d->member == NULL || d->par_start == NULL)
        goto done;
    for (size_t v = 0; v < n; v++)
        d->member[v] =
            member ? (member[v] && g->nodes[v].enabled) : (unsigned char)g->nodes[v].enabled;
    for (size_t v = 0; v < n; v++) {
        size_t count = d->member[v] ? walk_up(g, d->member, v, stamp, stack, NULL) : 0;
        d->par_start[v + 1] = d->par_start[v] + count;
    }
    d->par_list = alloc_array(d->par_start[n], sizeof(size_t));
    if (d->par_list == NULL)
        goto done;
    memset(stamp, 0, n * sizeof(size_t));
    for (size_t v = 0; v < n; v++) {
        size_t *out = d->par_list + d->par_start[v];
        size_t count = d->par_start[v + 1] - d->par_start[v];
        if (count == 0)
            continue;
        walk_up(g, d->member, v, stamp, stack, out);
        qsort(out, count, sizeof(size_t), cmp_size);
    }
    rc = seldag_invert(d);
done:
    free(stamp);
    free(stack);
    if (rc != RS_OK)
        seldag_free(d);
    return rc;
}

/* Kahn's algorithm, smallest ready index first. order must hold d->n entries; *n_order gets
 * how many members were placed (fewer than the members when there is a cycle). */
static int seldag_kahn(const seldag *d, size_t *order, size_t *n_order) {
    size_t *indeg = alloc_array(d->n, sizeof(size_t)), *heap = alloc_array(d->n, sizeof(size_t));
    size_t n_heap = 0, placed = 0;

    if (indeg == NULL || heap == NULL) {
        free(indeg);
        free(heap);
        return RS_ENOMEM;
    }
    for (size_t v = 0; v < d->n; v++) {
        indeg[v] = d->par_start[v + 1] - d->par_start[v];
        if (d->member[v] && indeg[v] == 0)
            heap_push(heap, &n_heap, v);
    }
    while (n_heap > 0) {
        size_t u = heap_pop(heap, &n_heap);
        order[placed++] = u;
        for (size_t e = d->kid_start[u]; e < d->kid_start[u + 1]; e++) {
            if (--indeg[d->kid_list[e]] == 0)
                heap_push(heap, &n_heap, d->kid_list[e]);
        }
    }
    *n_order = placed;
    free(indeg);
    free(heap);
    return RS_OK;
}

/* ---- cycles ----------------------------------------------------------------------------- */

/* Breadth-first from s over children inside `left`; when s is reached again, write the cycle
 * message and return 1. prev and queue hold g->n entries. */
static int cycle_through(const rs_graph *g, const unsigned char *left, size_t s, size_t *prev,
                         size_t *queue, rs_buf *msg) {
    size_t head = 0, tail = 0, last = NO_CAUSE;
    for (size_t i = 0; i < g->n; i++)
        prev[i] = NO_CAUSE;
    queue[tail++] = s;
    while (head < tail && last == NO_CAUSE) {
        size_t u = queue[head++];
        const gnode *node = &g->nodes[u];
        for (size_t c = 0; c < node->n_children && last == NO_CAUSE; c++) {
            size_t w = node->children[c];
            if (w == s)
                last = u;
            else if (left[w] && prev[w] == NO_CAUSE) {
                prev[w] = u;
                queue[tail++] = w;
            }
        }
    }
    if (last == NO_CAUSE)
        return 0;
    /* prev links run backwards from last to s: lay them out in queue, then print forwards */
    tail = 0;
    for (size_t u = last; u != s; u = prev[u])
        queue[tail++] = u;
    rs_buf_printf(msg, "dependency cycle: %s", g->nodes[s].name);
    while (tail > 0)
        rs_buf_printf(msg, " -> %s", g->nodes[queue[--tail]].name);
    rs_buf_printf(msg, " -> %s", g->nodes[s].name);
    return 1;
}

/* Called when Kahn could not place every enabled model: name the cycle through the smallest
 * model that lies on one. */
static int report_cycle(const rs_graph *g, const size_t *order, size_t n_order, rs_err *err) {
    unsigned char *left = alloc_array(g->n, 1);
    size_t *prev = alloc_array(g->n, sizeof(size_t)), *queue = alloc_array(g->n, sizeof(size_t));
    rs_buf msg = RS_BUF_INIT;
    int rc = rs_err_set(err, RS_ENOMEM, "out of memory");

    if (left == NULL || prev == NULL || queue == NULL)
        goto done;
    for (size_t v = 0; v < g->n; v++)
        left[v] = (unsigned char)g->nodes[v].enabled;
    for (size_t i = 0; i < n_order; i++)
        left[order[i]] = 0;
    rc = rs_err_set(err, RS_EINTERNAL, "dependency cycle not found");
    for (size_t s = 0; s < g->n; s++) {
        if (left[s] && cycle_through(g, left, s, prev, queue, &msg)) {
            rc = msg.oom ? rs_err_set(err, RS_ENOMEM, "out of memory")
                         : rs_err_set(err, RS_EINVAL, "%s", rs_buf_cstr(&msg));
            break;
        }
    }
done:
    rs_buf_free(&msg);
    free(left);
    free(prev);
    free(queue);
    return rc;
}

static int check_acyclic(const rs_graph *g, rs_err *err) {
    seldag d;
    size_t *order = alloc_array(g->n, sizeof(size_t)), n_order = 0, n_enabled = 0;
    int rc;

    if (order == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = seldag_build(g, NULL, &d);
    if (rc == RS_OK)
        rc = seldag_kahn(&d, order, &n_order);
    if (rc != RS_OK) {
        rc = rs_err_set(err, rc, "out of memory");
        goto done;
    }
    for (size_t v = 0; v < g->n; v++)
        n_enabled += g->nodes[v].enabled ? 1 : 0;
    if (n_order < n_enabled)
        rc = report_cycle(g, order, n_order, err);
done:
    seldag_free(&d);
    free(order);
    return rc;
}

int rs_graph_build(const rs_graph_model *models, size_t n_models, rs_graph **out, rs_err *err) {
    rs_graph *g = calloc(1, sizeof(*g));
    int rc;

    if (g == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    g->nodes = alloc_array(n_models, sizeof(gnode));
    if (g->nodes == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n_models; i++) {
        g->n = i + 1; /* so rs_graph_free releases what was copied so far */
        rc = copy_model(&models[i], i, &g->nodes[i], err);
        if (rc != RS_OK)
            goto done;
    }
    qsort(g->nodes, g->n, sizeof(gnode), cmp_node);
    for (size_t i = 1; i < g->n; i++) {
        if (strcmp(g->nodes[i - 1].name, g->nodes[i].name) == 0) {
            rc = rs_err_set(err, RS_EINVAL, "duplicate model name '%s'", g->nodes[i].name);
            goto done;
        }
    }
    for (size_t v = 0; v < g->n; v++) {
        if (!g->nodes[v].enabled)
            continue;
        rc = resolve_refs(g, &models[g->nodes[v].input_pos], &g->nodes[v], err);
        if (rc != RS_OK)
            goto done;
    }
    rc = link_children(g, err);
    if (rc == RS_OK)
        rc = collect_sources(g, models, err);
    if (rc == RS_OK)
        rc = link_sources(g, models, err);
    if (rc == RS_OK)
        rc = check_acyclic(g, err);
done:
    if (rc != RS_OK) {
        rs_graph_free(g);
        return rc;
    }
    *out = g;
    return RS_OK;
}

/* ---- selectors -------------------------------------------------------------------------- */

#define DEPTH_NONE (-1L)

/* One selector, cut into its parts. */
typedef struct sel_token {
    const char *text; /* the whole selector as written, for messages */
    int text_len;
    int at;        /* "@x" */
    long up, down; /* DEPTH_NONE, a depth, or LONG_MAX for "all" */
    char *core;    /* owned: "name", "tag:x", "source:s.t" */
} sel_token;

/* Parse a run of digits ending just before `end`; "" means LONG_MAX (unlimited). */
static long parse_depth(const char *p, const char *end) {
    long depth = 0;
    if (p == end)
        return LONG_MAX;
    for (; p < end; p++) {
        if (depth > 100000000L)
            return LONG_MAX;
        depth = depth * 10 + (*p - '0');
    }
    return depth;
}

static int is_digits(const char *p, const char *end) {
    for (; p < end; p++) {
        if (*p < '0' || *p > '9')
            return 0;
    }
    return 1;
}

static int parse_token(const char *start, size_t len, sel_token *tok, rs_err *err) {
    const char *p = start, *end = start + len, *q;

    memset(tok, 0, sizeof(*tok));
    tok->text = start;
    tok->text_len = len > INT_MAX ? INT_MAX : (int)len;
    tok->up = tok->down = DEPTH_NONE;
    if (*p == '@') {
        tok->at = 1;
        p++;
    } else {
        for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
            ;
        if (q < end && *q == '+') {
            tok->up = parse_depth(p, q);
            p = q + 1;
        }
    }
    for (q = end; q > p && q[-1] != '+'; q--)
        ;
    if (q > p && is_digits(q, end)) {
        tok->down = parse_depth(q, end);
        end = q - 1;
    }
    if (p == end)
        return rs_err_set(err, RS_EINVAL, "selector '%.*s': missing model name", tok->text_len,
                          tok->text);
    tok->core = strndup(p, (size_t)(end - p));
    if (tok->core == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return RS_OK;
}

static int node_has_tag(const gnode *node, const char *tag) {
    for (size_t t = 0; t < node->n_tags; t++) {
        if (strcmp(node->tags[t], tag) == 0)
            return 1;
    }
    return 0;
}

/* "tag:x": the enabled models carrying tag x. A tag no model (enabled or not) has is an error. */
static int match_tag(const rs_graph *g, const sel_token *tok, const char *tag, unsigned char *base,
                     rs_err *err) {
    int known = 0;
    suggestion sg;

    for (size_t v = 0; v < g->n; v++) {
        if (node_has_tag(&g->nodes[v], tag)) {
            known = 1;
            base[v] = (unsigned char)g->nodes[v].enabled;
        }
    }
    if (known)
        return RS_OK;
    suggest_init(&sg, tag);
    for (size_t v = 0; v < g->n; v++) {
        for (size_t t = 0; t < g->nodes[v].n_tags; t++)
            suggest_consider(&sg, g->nodes[v].tags[t]);
    }
    rs_err_set(err, RS_EINVAL, "selector '%.*s': no model has tag '%s'", tok->text_len, tok->text,
               tag);
    suggest_append(&sg, err);
    return RS_EINVAL;
}

/* "source:s" or "source:s.t": the enabled models reading it directly. */
static int match_source(const rs_graph *g, const sel_token *tok, const char *want,
                        unsigned char *base, rs_err *err) {
    const size_t prefix = strlen("source:");
    int known = 0;
    suggestion sg;

    for (size_t v = 0; v < g->n; v++) {
        const gnode *node = &g->nodes[v];
        for (size_t s = 0; s < node->n_sources; s++) {
            const gsource *src = &g->sources[node->sources[s]];
            if (strcmp(src->source, want) == 0 || strcmp(src->id + prefix, want) == 0) {
                known = 1;
                base[v] = 1;
            }
        }
    }
    if (known)
        return RS_OK;
    suggest_init(&sg, want);
    for (size_t s = 0; s < g->n_sources; s++) {
        suggest_consider(&sg, g->sources[s].source);
        suggest_consider(&sg, g->sources[s].id + prefix);
    }
    rs_err_set(err, RS_EINVAL, "selector '%.*s': no source named '%s'", tok->text_len, tok->text,
               want);
    suggest_append(&sg, err);
    return RS_EINVAL;
}

/* A model name, or a pattern with * ? [ ] (fnmatch). */
static int match_name(const rs_graph *g, const sel_token *tok, unsigned char *base, rs_err *err) {
    long hit;
    suggestion sg;

    if (strpbrk(tok->core, "*?[") != NULL) {
        for (size_t v = 0; v < g->n; v++) {
            if (g->nodes[v].enabled && fnmatch(tok->core, g->nodes[v].name, 0) == 0)
                base[v] = 1;
        }
        return RS_OK;
    }
    hit = rs_graph_find(g, tok->core);
    if (hit >= 0) {
        base[hit] = (unsigned char)g->nodes[hit].enabled;
        return RS_OK;
    }
    suggest_init(&sg, tok->core);
    suggest_enabled_models(g, &sg);
    rs_err_set(err, RS_EINVAL, "selector '%.*s': no model named '%s'", tok->text_len, tok->text,
               tok->core);
    suggest_append(&sg, err);
    return RS_EINVAL;
}

static int match_core(const rs_graph *g, const sel_token *tok, unsigned char *base, rs_err *err) {
    const char *colon = strchr(tok->core, ':');
    size_t method_len;

    if (colon == NULL)
        return match_name(g, tok, base, err);
    method_len = (size_t)(colon - tok->core);
    if (colon[1] == '\0')
        return rs_err_set(err, RS_EINVAL, "selector '%.*s': missing value", tok->text_len,
                          tok->text);
    if (method_len == 3 && strncmp(tok->core, "tag", 3) == 0)
        return match_tag(g, tok, colon + 1, base, err);
    if (method_len == 6 && strncmp(tok->core, "source", 6) == 0)
        return match_source(g, tok, colon + 1, base, err);
    return rs_err_set(err, RS_EINVAL,
                      "selector '%.*s': unknown method '%.*s' (use tag: or source:)", tok->text_len,
                      tok->text, (int)method_len, tok->core);
}

/* Add to `set` everything within `depth` steps of it, upwards (parents) or downwards.
 * depth_of and queue hold g->n entries. */
static void expand(const rs_graph *g, unsigned char *set, int upwards, long depth, long *depth_of,
                   size_t *queue) {
    size_t head = 0, tail = 0;
    for (size_t v = 0; v < g->n; v++) {
        depth_of[v] = set[v] ? 0 : -1;
        if (set[v])
            queue[tail++] = v;
    }
    while (head < tail) {
        size_t u = queue[head++];
        const gnode *node = &g->nodes[u];
        const size_t *next = upwards ? node->parents : node->children;
        size_t n_next = upwards ? node->n_parents : node->n_children;
        if (depth_of[u] >= depth)
            continue;
        for (size_t i = 0; i < n_next; i++) {
            if (depth_of[next[i]] >= 0)
                continue;
            depth_of[next[i]] = depth_of[u] + 1;
            set[next[i]] = 1;
            queue[tail++] = next[i];
        }
    }
}

/* Scratch space shared by every selector of one rs_graph_select call. */
typedef struct sel_scratch {
    unsigned char *base, *up, *down;
    long *depth_of;
    size_t *queue;
} sel_scratch;

/* Apply the graph operators of tok to scratch->base, OR-ing the result into result. */
static void apply_operators(const rs_graph *g, const sel_token *tok, sel_scratch *sc,
                            unsigned char *result) {
    memcpy(sc->up, sc->base, g->n);
    memcpy(sc->down, sc->base, g->n);
    if (tok->at) {
        expand(g, sc->down, 0, LONG_MAX, sc->depth_of, sc->queue);
        memcpy(sc->up, sc->down, g->n);
        expand(g, sc->up, 1, LONG_MAX, sc->depth_of, sc->queue);
    } else {
        if (tok->up != DEPTH_NONE)
            expand(g, sc->up, 1, tok->up, sc->depth_of, sc->queue);
        if (tok->down != DEPTH_NONE)
            expand(g, sc->down, 0, tok->down, sc->depth_of, sc->queue);
    }
    for (size_t v = 0; v < g->n; v++)
        result[v] |= (unsigned char)(sc->up[v] | sc->down[v]);
}

/* OR into result every model the white-space separated selectors in `text` select. */
static int select_union(const rs_graph *g, const char *text, sel_scratch *sc, unsigned char *result,
                        rs_err *err) {
    const char *p = text;
    const char *blanks = " \t\r\n\f\v";

    while (*p != '\0') {
        size_t len;
        sel_token tok;
        int rc;

        p += strspn(p, blanks);
        len = strcspn(p, blanks);
        if (len == 0)
            break;
        rc = parse_token(p, len, &tok, err);
        if (rc != RS_OK)
            return rc;
        memset(sc->base, 0, g->n);
        rc = match_core(g, &tok, sc->base, err);
        if (rc == RS_OK)
            apply_operators(g, &tok, sc, result);
        free(tok.core);
        if (rc != RS_OK)
            return rc;
        p += len;
    }
    return RS_OK;
}

static int is_blank(const char *s) {
    return s == NULL || s[strspn(s, " \t\r\n\f\v")] == '\0';
}

int rs_graph_select(const rs_graph *g, const char *select, const char *exclude, rs_graph_sel **out,
                    rs_err *err) {
    rs_graph_sel *sel = calloc(1, sizeof(*sel));
    unsigned char *excluded = alloc_array(g->n, 1);
    sel_scratch sc = {alloc_array(g->n, 1), alloc_array(g->n, 1), alloc_array(g->n, 1),
                      alloc_array(g->n, sizeof(long)), alloc_array(g->n, sizeof(size_t))};
    int rc = RS_OK;

    if (sel != NULL) {
        sel->n = g->n;
        sel->member = alloc_array(g->n, 1);
    }
    if (sel == NULL || sel->member == NULL || excluded == NULL || sc.base == NULL ||
        sc.up == NULL || sc.down == NULL || sc.depth_of == NULL || sc.queue == NULL) {
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        goto done;
    }
    if (is_blank(select)) {
        for (size_t v = 0; v < g->n; v++)
            sel->member[v] = (unsigned char)g->nodes[v].enabled;
    } else {
        rc = select_union(g, select, &sc, sel->member, err);
    }
    if (rc == RS_OK && !is_blank(exclude))
        rc = select_union(g, exclude, &sc, excluded, err);
    if (rc != RS_OK)
        goto done;
    for (size_t v = 0; v < g->n; v++) {
        sel->member[v] = sel->member[v] && !excluded[v] && g->nodes[v].enabled;
        sel->count += sel->member[v];
    }
done:
    free(excluded);
    free(sc.base);
    free(sc.up);
    free(sc.down);
    free(sc.depth_of);
    free(sc.queue);
    if (rc != RS_OK) {
        rs_graph_sel_free(sel);
        return rc;
    }
    *out = sel;
    return RS_OK;
}

/* ---- order and levels ------------------------------------------------------------------- */

/* seldag of a selection (NULL = every enabled model), with RS_ENOMEM reported in err. */
static int seldag_of(const rs_graph *g, const rs_graph_sel *sel, seldag *d, rs_err *err) {
    if (sel != NULL && sel->n != g->n)
        return rs_err_set(err, RS_EINVAL, "selection belongs to another graph");
    if (seldag_build(g, sel ? sel->member : NULL, d) != RS_OK)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    return RS_OK;
}

/* Topological order of a seldag into a fresh array of d->n entries. */
static int seldag_order(const seldag *d, size_t **order, size_t *n_order, rs_err *err) {
    size_t *list = alloc_array(d->n, sizeof(size_t));
    if (list == NULL || seldag_kahn(d, list, n_order) != RS_OK) {
        free(list);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    *order = list;
    return RS_OK;
}

int rs_graph_order(const rs_graph *g, const rs_graph_sel *sel, size_t **order, size_t *n_order,
                   rs_err *err) {
    seldag d;
    int rc = seldag_of(g, sel, &d, err);
    if (rc != RS_OK)
        return rc;
    rc = seldag_order(&d, order, n_order, err);
    seldag_free(&d);
    return rc;
}

int rs_graph_levels(const rs_graph *g, const rs_graph_sel *sel, int **levels, rs_err *err) {
    seldag d;
    size_t *order = NULL, n_order = 0;
    int *level = alloc_array(g->n, sizeof(int));
    int rc;

    if (level == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rc = seldag_of(g, sel, &d, err);
    if (rc != RS_OK) {
        free(level);
        return rc;
    }
    rc = seldag_order(&d, &order, &n_order, err);
    for (size_t v = 0; v < g->n; v++)
        level[v] = -1;
    for (size_t i = 0; rc == RS_OK && i < n_order; i++) {
        size_t v = order[i];
        level[v] = 0;
        for (size_t e = d.par_start[v]; e < d.par_start[v + 1]; e++) {
            if (level[d.par_list[e]] + 1 > level[v])
                level[v] = level[d.par_list[e]] + 1;
        }
    }
    free(order);
    seldag_free(&d);
    if (rc != RS_OK) {
        free(level);
        return rc;
    }
    *levels = level;
    return RS_OK;
}

/* ---- the scheduler ---------------------------------------------------------------------- */

enum { ST_OUT, ST_WAIT, ST_READY, ST_RUN, ST_OK, ST_FAIL, ST_SKIP };

struct rs_graph_sched {
    const rs_graph *g;
    seldag dag;
    unsigned char *state; /* ST_* per model */
    size_t *pending;      /* per model: dag parents not yet finished OK */
    size_t *heap;         /* ready models, min-heap */
    size_t n_heap;
    size_t *stack;      /* scratch for skip_descendants */
    size_t *skip_model; /* queue of skipped models (each model enters at most once) */
    size_t *skip_cause;
    size_t n_skip, skip_head;
    size_t n_left; /* selected models not yet OK, failed or skipped */
    size_t n_running;
};

void rs_graph_sched_free(rs_graph_sched *s) {
    if (s == NULL)
        return;
    seldag_free(&s->dag);
    free(s->state);
    free(s->pending);
    free(s->heap);
    free(s->stack);
    free(s->skip_model);
    free(s->skip_cause);
    free(s);
}

int rs_graph_sched_new(const rs_graph *g, const rs_graph_sel *sel, rs_graph_sched **out,
                       rs_err *err) {
    rs_graph_sched *s = calloc(1, sizeof(*s));
    int rc;

    if (s == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    s->g = g;
    rc = seldag_of(g, sel, &s->dag, err);
    if (rc != RS_OK) {
        free(s);
        return rc;
    }
    s->state = alloc_array(g->n, 1);
    s->pending = alloc_array(g->n, sizeof(size_t));
    s->heap = alloc_array(g->n, sizeof(size_t));
    s->stack = alloc_array(g->n, sizeof(size_t));
    s->skip_model = alloc_array(g->n, sizeof(size_t));
    s->skip_cause = alloc_array(g->n, sizeof(size_t));
    if (s->state == NULL || s->pending == NULL || s->heap == NULL || s->stack == NULL ||
        s->skip_model == NULL || s->skip_cause == NULL) {
        rs_graph_sched_free(s);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    for (size_t v = 0; v < g->n; v++) {
        if (!s->dag.member[v])
            continue;
        s->n_left++;
        s->pending[v] = s->dag.par_start[v + 1] - s->dag.par_start[v];
        s->state[v] = s->pending[v] ? ST_WAIT : ST_READY;
        if (s->state[v] == ST_READY)
            heap_push(s->heap, &s->n_heap, v);
    }
    *out = s;
    return RS_OK;
}

int rs_graph_sched_next(rs_graph_sched *s, size_t *model) {
    size_t v;

    do { /* a ready model skipped by rs_graph_sched_skip stays in the heap: drop it here */
        if (s->n_heap == 0)
            return 0;
        v = heap_pop(s->heap, &s->n_heap);
    } while (s->state[v] != ST_READY);
    s->state[v] = ST_RUN;
    s->n_running++;
    *model = v;
    return 1;
}

/* Mark every waiting model downstream of `from` skipped with `cause` as the cause; queue them
 * in ascending order. */
static void skip_descendants(rs_graph_sched *s, size_t from, size_t cause) {
    size_t first = s->n_skip, n_stack = 0;

    s->stack[n_stack++] = from;
    while (n_stack > 0) {
        size_t u = s->stack[--n_stack];
        for (size_t e = s->dag.kid_start[u]; e < s->dag.kid_start[u + 1]; e++) {
            size_t w = s->dag.kid_list[e];
            if (s->state[w] != ST_WAIT)
                continue;
            s->state[w] = ST_SKIP;
            s->n_left--;
            s->skip_model[s->n_skip] = w;
            s->skip_cause[s->n_skip] = cause;
            s->n_skip++;
            s->stack[n_stack++] = w;
        }
    }
    qsort(s->skip_model + first, s->n_skip - first, sizeof(size_t), cmp_size);
}

int rs_graph_sched_done(rs_graph_sched *s, size_t model, int ok, rs_err *err) {
    if (model >= s->g->n || s->state[model] != ST_RUN)
        return rs_err_set(err, RS_EINVAL, "model '%s' is not running",
                          model < s->g->n ? s->g->nodes[model].name : "?");
    s->n_running--;
    s->n_left--;
    if (!ok) {
        s->state[model] = ST_FAIL;
        skip_descendants(s, model, model);
        return RS_OK;
    }
    s->state[model] = ST_OK;
    for (size_t e = s->dag.kid_start[model]; e < s->dag.kid_start[model + 1]; e++) {
        size_t w = s->dag.kid_list[e];
        if (--s->pending[w] == 0 && s->state[w] == ST_WAIT) {
            s->state[w] = ST_READY;
            heap_push(s->heap, &s->n_heap, w);
        }
    }
    return RS_OK;
}

int rs_graph_sched_skip(rs_graph_sched *s, size_t model, size_t cause_model) {
    if (model >= s->g->n || (s->state[model] != ST_WAIT && s->state[model] != ST_READY))
        return 0;
    s->state[model] = ST_SKIP;
    s->n_left--;
    s->skip_model[s->n_skip] = model;
    s->skip_cause[s->n_skip] = cause_model;
    s->n_skip++;
    skip_descendants(s, model, cause_model);
    return 1;
}

int rs_graph_sched_take_skipped(rs_graph_sched *s, size_t *model, size_t *cause_model) {
    if (s->skip_head == s->n_skip)
        return 0;
    *model = s->skip_model[s->skip_head];
    *cause_model = s->skip_cause[s->skip_head];
    s->skip_head++;
    return 1;
}

void rs_graph_sched_cancel(rs_graph_sched *s) {
    for (size_t v = 0; v < s->g->n; v++) {
        if (s->state[v] != ST_WAIT && s->state[v] != ST_READY)
            continue;
        s->state[v] = ST_SKIP;
        s->n_left--;
        s->skip_model[s->n_skip] = v;
        s->skip_cause[s->n_skip] = NO_CAUSE;
        s->n_skip++;
    }
    s->n_heap = 0;
}

size_t rs_graph_sched_running(const rs_graph_sched *s) {
    return s->n_running;
}

int rs_graph_sched_finished(const rs_graph_sched *s) {
    return s->n_left == 0;
}

/* ---- lineage ---------------------------------------------------------------------------- */

static int cmp_edge(const void *a, const void *b) {
    const rs_graph_edge *x = a, *y = b;
    int c;
    if (x->parent_is_source != y->parent_is_source)
        return x->parent_is_source ? -1 : 1;
    c = strcmp(x->parent, y->parent);
    return c ? c : strcmp(x->child, y->child);
}

/* Is model v part of the lineage of sel (NULL = every enabled model)? */
static int in_lineage(const rs_graph *g, const rs_graph_sel *sel, size_t v) {
    return g->nodes[v].enabled && (sel == NULL || rs_graph_sel_has(sel, v));
}

int rs_graph_edges(const rs_graph *g, const rs_graph_sel *sel, rs_graph_edge **edges,
                   size_t *n_edges, rs_err *err) {
    size_t total = 0, n = 0;
    rs_graph_edge *list;

    for (size_t v = 0; v < g->n; v++) {
        if (in_lineage(g, sel, v))
            total += g->nodes[v].n_sources + g->nodes[v].n_parents;
    }
    list = alloc_array(total, sizeof(*list));
    if (list == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    for (size_t v = 0; v < g->n; v++) {
        const gnode *node = &g->nodes[v];
        if (!in_lineage(g, sel, v))
            continue;
        for (size_t s = 0; s < node->n_sources; s++) {
            rs_graph_edge edge = {g->sources[node->sources[s]].id, node->name, 1};
            list[n++] = edge;
        }
        for (size_t p = 0; p < node->n_parents; p++) {
            rs_graph_edge edge = {g->nodes[node->parents[p]].name, node->name, 0};
            if (in_lineage(g, sel, node->parents[p]))
                list[n++] = edge;
        }
    }
    qsort(list, n, sizeof(*list), cmp_edge);
    *edges = list;
    *n_edges = n;
    return RS_OK;
}

/* Append s escaped for the inside of a DOT quoted string. */
static void dot_escape(rs_buf *b, const char *s) {
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            rs_buf_putc(b, '\\');
            rs_buf_putc(b, (char)c);
        } else if (c == '\n') {
            rs_buf_puts(b, "\\n");
        } else if (c < 0x20 || c == 0x7f) {
            rs_buf_putc(b, ' ');
        } else {
            rs_buf_putc(b, (char)c);
        }
    }
}

static void dot_quote(rs_buf *b, const char *s) {
    rs_buf_putc(b, '"');
    dot_escape(b, s);
    rs_buf_putc(b, '"');
}

/* The node lines: sources read by the lineage's models, then the models. */
static int dot_nodes(const rs_graph *g, const rs_graph_sel *sel, rs_buf *b) {
    unsigned char *used = alloc_array(g->n_sources, 1);
    if (used == NULL)
        return RS_ENOMEM;
    for (size_t v = 0; v < g->n; v++) {
        for (size_t s = 0; in_lineage(g, sel, v) && s < g->nodes[v].n_sources; s++)
            used[g->nodes[v].sources[s]] = 1;
    }
    for (size_t s = 0; s < g->n_sources; s++) {
        if (!used[s])
            continue;
        rs_buf_puts(b, "  ");
        dot_quote(b, g->sources[s].id);
        rs_buf_puts(b, " [shape=ellipse, label=");
        dot_quote(b, g->sources[s].id + strlen("source:"));
        rs_buf_puts(b, "];\n");
    }
    free(used);
    for (size_t v = 0; v < g->n; v++) {
        const gnode *node = &g->nodes[v];
        if (!in_lineage(g, sel, v))
            continue;
        rs_buf_puts(b, "  ");
        dot_quote(b, node->name);
        rs_buf_puts(b, strcmp(node->kind, "ephemeral") == 0 ? " [shape=box, style=dashed, label="
                                                            : " [shape=box, label=");
        /* the label is "name\n(kind)", \n being DOT's line break */
        rs_buf_putc(b, '"');
        dot_escape(b, node->name);
        rs_buf_puts(b, "\\n(");
        dot_escape(b, node->kind);
        rs_buf_puts(b, ")\"];\n");
    }
    return b->oom ? RS_ENOMEM : RS_OK;
}

int rs_graph_dot(const rs_graph *g, const rs_graph_sel *sel, char **dot, rs_err *err) {
    rs_buf b = RS_BUF_INIT;
    rs_graph_edge *edges = NULL;
    size_t n_edges = 0;
    char *text = NULL;
    int rc = rs_graph_edges(g, sel, &edges, &n_edges, err);

    if (rc != RS_OK)
        return rc;
    rs_buf_puts(&b, "digraph rockset {\n  rankdir=LR;\n");
    rc = dot_nodes(g, sel, &b);
    for (size_t e = 0; rc == RS_OK && e < n_edges; e++) {
        rs_buf_puts(&b, "  ");
        dot_quote(&b, edges[e].parent);
        rs_buf_puts(&b, " -> ");
        dot_quote(&b, edges[e].child);
        rs_buf_puts(&b, ";\n");
    }
    rs_buf_puts(&b, "}\n");
    if (rc == RS_OK && !b.oom)
        text = rs_buf_detach(&b);
    rs_buf_free(&b);
    free(edges);
    if (text == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    *dot = text;
    return RS_OK;
}

/* ---- critical path ---------------------------------------------------------------------- */

/* finish[v] = durations[v] + the largest finish among what v depends on; via[v] = that
 * model (the smallest index among equals) or NO_CAUSE. Returns the chain's last model. */
static size_t longest_chains(const seldag *d, const size_t *order, size_t n_order,
                             const double *durations, double *finish, size_t *via) {
    size_t last = NO_CAUSE;
    for (size_t i = 0; i < n_order; i++) {
        size_t v = order[i];
        via[v] = NO_CAUSE;
        finish[v] = 0;
        for (size_t e = d->par_start[v]; e < d->par_start[v + 1]; e++) {
            size_t u = d->par_list[e];
            if (via[v] == NO_CAUSE || finish[u] > finish[v]) {
                finish[v] = finish[u];
                via[v] = u;
            }
        }
        finish[v] += durations[v];
        if (last == NO_CAUSE || finish[v] > finish[last] || (finish[v] == finish[last] && v < last))
            last = v;
    }
    return last;
}

int rs_graph_critical_path(const rs_graph *g, const rs_graph_sel *sel, const double *durations,
                           double *total, size_t **path, size_t *n_path, rs_err *err) {
    seldag d;
    size_t *order = NULL, n_order = 0, *via = alloc_array(g->n, sizeof(size_t));
    double *finish = alloc_array(g->n, sizeof(double));
    size_t last, length = 0, *chain = NULL;
    int rc = RS_OK;

    if (via == NULL || finish == NULL) {
        free(via);
        free(finish);
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    rc = seldag_of(g, sel, &d, err);
    if (rc != RS_OK)
        goto done_nodag;
    rc = seldag_order(&d, &order, &n_order, err);
    if (rc != RS_OK)
        goto done;
    last = longest_chains(&d, order, n_order, durations, finish, via);
    for (size_t v = last; v != NO_CAUSE; v = via[v])
        length++;
    if (path != NULL) {
        chain = alloc_array(length, sizeof(size_t));
        if (chain == NULL) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
            goto done;
        }
        /* via links run from the end backwards: fill the array from its end */
        size_t pos = length;
        for (size_t v = last; v != NO_CAUSE; v = via[v])
            chain[--pos] = v;
        *path = chain;
    }
    *total = last == NO_CAUSE ? 0 : finish[last];
    if (n_path != NULL)
        *n_path = length;
done:
    seldag_free(&d);
done_nodag:
    free(order);
    free(via);
    free(finish);
    return rc;
}
