/*
 * graph.h - the model dependency graph: validation, selectors, ordering, a ready-queue for a
 * concurrent runner, lineage (edge list and Graphviz DOT) and the critical path.
 *
 * The caller (ext/fn_models.c) reads model rows, lets the template compiler extract each model's
 * ref() and source() calls, and hands plain rs_graph_model records to rs_graph_build. Nothing
 * here knows SQL, templates or Rockset.
 *
 *   rs_graph *g;  rs_graph_sel *sel;  rs_graph_sched *s;
 *   rs_graph_build(models, n, &g, &err);                  validates, orders
 *   rs_graph_select(g, "+orders tag:daily", "stg_x", &sel, &err);
 *   rs_graph_sched_new(g, sel, &s, &err);
 *   while (!rs_graph_sched_finished(s)) {
 *       while (running < threads && rs_graph_sched_next(s, &m)) start(m);
 *       wait for one model m; rs_graph_sched_done(s, m, ok, &err);
 *       while (rs_graph_sched_take_skipped(s, &m, &cause)) record "skipped" for m;
 *   }
 *
 * Models are identified by index, 0 .. rs_graph_count()-1, in strcmp order of their names (so
 * every "ties broken by name" rule is "smallest index first"). rs_graph_input_pos maps an index
 * back to the caller's array. Edges run parent -> child: if b refs a, a is b's parent.
 *
 * Disabled models are kept (rs_graph_find sees them) but take no part in anything: their refs
 * and sources are ignored, they have no edges, and no selector ever selects them. An enabled
 * model may not ref a disabled one.
 *
 * Error messages (RS_EINVAL unless said otherwise), exact texts:
 *   model #3 has no name                                     (1-based position in the input)
 *   duplicate model name 'a'
 *   model 'b' has an empty ref                               / an empty source
 *   model 'b' refers to unknown model 'x' (ref('x'))         + "; did you mean 'y'?"
 *   model 'b' refers to disabled model 'a'
 *   dependency cycle: a -> b -> c -> a     (starts at the smallest name on any cycle; shortest
 *                                           such cycle, ties by name; arrows run parent -> child)
 *   selector '+foo': no model named 'foo'                    + "; did you mean 'fob'?"
 *   selector 'tag:x': no model has tag 'x'                   + "; did you mean 'y'?"
 *   selector 'source:s': no source named 's'                 + "; did you mean 't'?"
 *   selector 'foo:x': unknown method 'foo' (use tag: or source:)
 *   selector '+': missing model name                          ("tag:" -> ": missing value")
 * "did you mean" names the closest enabled model (tag, source) within edit distance 2
 * (Levenshtein plus adjacent transposition), ties by name. Short words allow fewer edits:
 * the limit is max(len, 3) / 3 capped at 2, so 'x' may suggest 'y' but 'foo' never 'f'.
 * Names longer than 120 bytes get no suggestion.
 *
 * Ownership: rs_graph_build copies everything it is given; the caller's arrays may go away
 * afterwards. Strings returned by accessors are borrowed from the graph and live until
 * rs_graph_free. Arrays and strings handed out through `**out` parameters belong to the caller
 * (release with free()). Out-parameters are set only on success. *_free(NULL) is a no-op.
 *
 * Thread-safety: a built rs_graph and an rs_graph_sel are immutable and may be read by any
 * number of threads. An rs_graph_sched is mutable and not locked: a concurrent runner calls it
 * under its own mutex. The graph must outlive every selection and scheduler made from it.
 */
#ifndef RS_GRAPH_H
#define RS_GRAPH_H

#include "err.h"

#include <stddef.h>

/* One source('s', 't') call. */
typedef struct rs_graph_source {
    const char *source; /* the source name, "s" */
    const char *table;  /* the table name in it, "t" */
} rs_graph_source;

/* One model as the caller knows it. Only name is required; NULL arrays with n_* = 0 are fine. */
typedef struct rs_graph_model {
    const char *name;
    int enabled;              /* 0 = disabled */
    const char *materialized; /* "view", "table", "incremental", "ephemeral", ...; NULL = "view" */
    const char *const *tags;
    size_t n_tags;
    const char *const *refs; /* ref()'d model names, in any order, duplicates allowed */
    size_t n_refs;
    const rs_graph_source *sources;
    size_t n_sources;
} rs_graph_model;

typedef struct rs_graph rs_graph;
typedef struct rs_graph_sel rs_graph_sel;
typedef struct rs_graph_sched rs_graph_sched;

/* Validate the models and build the graph (messages above). RS_ENOMEM on allocation failure. */
int rs_graph_build(const rs_graph_model *models, size_t n_models, rs_graph **out, rs_err *err);
void rs_graph_free(rs_graph *g);

/* Number of models, disabled ones included. */
size_t rs_graph_count(const rs_graph *g);
/* Index of the model named `name`, or -1. */
long rs_graph_find(const rs_graph *g, const char *name);

/* The enabled model whose name is closest to `name` (the same "did you mean" rule as the graph's
 * own errors: a few edits, fewer for short names), or NULL when none is close. Borrowed from g. */
const char *rs_graph_suggest(const rs_graph *g, const char *name);
/* Accessors by index (index < rs_graph_count, else NULL / 0). */
const char *rs_graph_name(const rs_graph *g, size_t model);
const char *rs_graph_kind(const rs_graph *g, size_t model);
int rs_graph_enabled(const rs_graph *g, size_t model);
/* Position of the model in the array given to rs_graph_build. */
size_t rs_graph_input_pos(const rs_graph *g, size_t model);
/* The model's direct parents / children (model indices, ascending), borrowed. Empty for a
 * disabled model. */
void rs_graph_parents(const rs_graph *g, size_t model, const size_t **list, size_t *n);
void rs_graph_children(const rs_graph *g, size_t model, const size_t **list, size_t *n);

/*
 * Selection, as in dbt. `select` and `exclude` are lists of selectors separated by white space;
 * the result is the union of `select` (NULL, "" or blanks = every enabled model) minus the union
 * of `exclude` (NULL or "" = nothing), never a disabled model. One selector is
 *   [N]+ or @ (optional)   name | name-with-*?[] wildcards | tag:x | source:s | source:s.t
 *   +[N] (optional)
 * "+x" adds all ancestors of what x matches, "2+x" ancestors up to 2 levels up; "x+" / "x+1"
 * likewise adds descendants; "@x" adds x's descendants and all their ancestors. "source:s"
 * matches the models that read any table of source s directly ("source:s+" then adds
 * everything downstream, as in dbt). A name that is not a model is an error; a disabled model,
 * or a wildcard matching nothing, selects nothing.
 */
int rs_graph_select(const rs_graph *g, const char *select, const char *exclude, rs_graph_sel **out,
                    rs_err *err);
void rs_graph_sel_free(rs_graph_sel *sel);
size_t rs_graph_sel_count(const rs_graph_sel *sel);
int rs_graph_sel_has(const rs_graph_sel *sel, size_t model);

/*
 * The dependency structure inside a selection: a selected model depends on its nearest
 * selected ancestors, looking through unselected models (a -> b -> c with {a, c} selected:
 * c still waits for a, as dbt does). sel NULL = every enabled model (plain edges).
 *
 * rs_graph_order: the selected models in topological order, ties broken by name (smallest
 * ready name first, i.e. the order a one-thread scheduler produces). *order is malloc'd.
 * rs_graph_levels: levels[i] for every model index: 0 for a selected model with no selected
 * ancestor, 1 + the largest level of those it depends on otherwise, -1 when not selected.
 */
int rs_graph_order(const rs_graph *g, const rs_graph_sel *sel, size_t **order, size_t *n_order,
                   rs_err *err);
int rs_graph_levels(const rs_graph *g, const rs_graph_sel *sel, int **levels, rs_err *err);

/*
 * The ready-queue for a runner with up to `threads` models in flight. Every selected model is
 * handed out once by rs_graph_sched_next (smallest ready name first) once all the selected
 * models it depends on finished OK. rs_graph_sched_done(ok = 0) marks every selected model
 * downstream of it skipped, with it as the cause; rs_graph_sched_take_skipped returns those
 * (ascending per failure). Ephemeral models are ordinary nodes here: the runner, which knows
 * they build nothing, reports them done (ok) at once. rs_graph_sched_cancel (fail_fast)
 * skips every model not yet handed out, with no cause (*cause_model = (size_t)-1).
 */
int rs_graph_sched_new(const rs_graph *g, const rs_graph_sel *sel, rs_graph_sched **out,
                       rs_err *err);
void rs_graph_sched_free(rs_graph_sched *s);
/* 1 and *model when a model is ready to start, 0 when none is ready right now. */
int rs_graph_sched_next(rs_graph_sched *s, size_t *model);
/* Report a started model finished. RS_EINVAL "model 'x' is not running" if it was not
 * handed out or was already reported. */
int rs_graph_sched_done(rs_graph_sched *s, size_t model, int ok, rs_err *err);
/* Skip a selected model that has not been handed out (a runner knows beforehand that it
 * cannot be built), naming cause_model (any index, selected or not) as the cause; every
 * selected model downstream of it is skipped with the same cause. 1 when it was skipped now,
 * 0 when it was not waiting (not selected, handed out, done or skipped already). */
int rs_graph_sched_skip(rs_graph_sched *s, size_t model, size_t cause_model);
/* 1 and the next skipped model with the failed model that caused it, 0 when none is queued. */
int rs_graph_sched_take_skipped(rs_graph_sched *s, size_t *model, size_t *cause_model);
void rs_graph_sched_cancel(rs_graph_sched *s);
/* Models handed out and not yet reported done. */
size_t rs_graph_sched_running(const rs_graph_sched *s);
/* 1 when every selected model is done or skipped (skipped ones may still be queued). */
int rs_graph_sched_finished(const rs_graph_sched *s);

/*
 * Lineage: the direct edges between enabled models of the selection (sel NULL = all), plus an
 * edge from "source:s.t" to every selected model reading it. Sorted: source edges first, then
 * by parent name, then child name. The strings are borrowed from the graph; *edges is malloc'd.
 */
typedef struct rs_graph_edge {
    const char *parent; /* a model name, or "source:s.t" */
    const char *child;  /* a model name */
    int parent_is_source;
} rs_graph_edge;
int rs_graph_edges(const rs_graph *g, const rs_graph_sel *sel, rs_graph_edge **edges,
                   size_t *n_edges, rs_err *err);

/*
 * Graphviz DOT text of the same nodes and edges (*dot malloc'd, NUL-terminated):
 *   digraph rockset {
 *     rankdir=LR;
 *     "source:s.t" [shape=ellipse, label="s.t"];
 *     "a" [shape=box, label="a\n(view)"];
 *     "e" [shape=box, style=dashed, label="e\n(ephemeral)"];
 *     "source:s.t" -> "e";
 *     "e" -> "a";
 *   }
 * Sources (by name) then models (by name), then edges in rs_graph_edges order. Names are
 * quoted with '"' and '\' escaped and control characters as \n or a space.
 */
int rs_graph_dot(const rs_graph *g, const rs_graph_sel *sel, char **dot, rs_err *err);

/*
 * The critical path of the selection (sel NULL = all): the chain, along the dependency
 * structure of rs_graph_order, with the largest sum of durations[model] (indexed by model,
 * array of rs_graph_count() entries; entries of unselected models are not read). Ties go to the
 * chain ending at, then coming from, the smallest name. The chain goes to *path (malloc'd,
 * first model first) and its length to *n_path; path and n_path may each be NULL when not
 * wanted. An empty selection gives *total 0 and *n_path 0.
 */
int rs_graph_critical_path(const rs_graph *g, const rs_graph_sel *sel, const double *durations,
                           double *total, size_t **path, size_t *n_path, rs_err *err);

#endif
