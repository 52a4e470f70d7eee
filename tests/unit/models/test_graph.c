/*
 * test_graph.c - unit tests of src/graph.c.
 *
 * Graphs are written in a small notation so each case reads on one line:
 *   "a; b=table#daily#core: a shop.orders; !c: b"
 * models separated by ';'; "!" = disabled; "=kind"; "#tag" (repeatable); after ':' the refs,
 * where a word with a dot is a source ("shop.orders" = source('shop', 'orders')).
 */
#include "buf.h"
#include "err.h"
#include "models/graph.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#define MAX_MODELS 32
#define MAX_DEPS   16

/* The models of one notation string; every string points into `text`. */
typedef struct spec {
    char *text;
    rs_graph_model models[MAX_MODELS];
    const char *tags[MAX_MODELS][MAX_DEPS];
    const char *refs[MAX_MODELS][MAX_DEPS];
    rs_graph_source sources[MAX_MODELS][MAX_DEPS];
    size_t n;
} spec;

static void parse_head(spec *sp, rs_graph_model *m, char *head, size_t i) {
    char *save = NULL, *part;
    head += strspn(head, " ");
    m->enabled = 1;
    if (*head == '!') {
        m->enabled = 0;
        head++;
    }
    m->tags = sp->tags[i];
    part = strtok_r(head, "#", &save);
    m->name = part ? part : "";
    while ((part = strtok_r(NULL, "#", &save)) != NULL)
        sp->tags[i][m->n_tags++] = part;
    char *eq = strchr(head, '=');
    if (eq != NULL) {
        *eq = '\0';
        m->materialized = eq + 1;
    }
}

static void parse_deps(spec *sp, rs_graph_model *m, char *deps, size_t i) {
    char *save = NULL, *word;
    m->refs = sp->refs[i];
    m->sources = sp->sources[i];
    for (word = strtok_r(deps, " ", &save); word; word = strtok_r(NULL, " ", &save)) {
        char *dot = strchr(word, '.');
        if (dot != NULL) {
            *dot = '\0';
            sp->sources[i][m->n_sources].source = word;
            sp->sources[i][m->n_sources].table = dot + 1;
            m->n_sources++;
        } else {
            sp->refs[i][m->n_refs++] = word;
        }
    }
}

static void spec_parse(spec *sp, const char *notation) {
    char *save = NULL, *item;
    memset(sp, 0, sizeof(*sp));
    sp->text = strdup(notation);
    for (item = strtok_r(sp->text, ";", &save); item; item = strtok_r(NULL, ";", &save)) {
        char *colon = strchr(item, ':');
        if (colon != NULL)
            *colon = '\0';
        parse_head(sp, &sp->models[sp->n], item, sp->n);
        if (colon != NULL)
            parse_deps(sp, &sp->models[sp->n], colon + 1, sp->n);
        sp->n++;
    }
}

/* Build from notation; on failure *g is NULL and err holds the message. */
static int build(const char *notation, rs_graph **g, rs_err *err) {
    spec sp;
    int rc;
    spec_parse(&sp, notation);
    rs_err_clear(err);
    *g = NULL;
    rc = rs_graph_build(sp.models, sp.n, g, err);
    free(sp.text);
    return rc;
}

/* The error message of building `notation` ("OK" when it builds). */
static char last[2048];
static const char *build_error(const char *notation) {
    rs_graph *g;
    rs_err err;
    if (build(notation, &g, &err) == RS_OK) {
        rs_graph_free(g);
        return "OK";
    }
    snprintf(last, sizeof(last), "%s", err.msg);
    return last;
}

static const char *join_models(const rs_graph *g, const size_t *idx, size_t n) {
    last[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(last, i ? " " : "");
        strcat(last, rs_graph_name(g, idx[i]));
    }
    return last;
}

/* Names selected by (select, exclude), ascending, or "ERR <message>". */
static const char *selected(const rs_graph *g, const char *select, const char *exclude) {
    rs_graph_sel *sel = NULL;
    rs_err err;
    rs_err_clear(&err);
    if (rs_graph_select(g, select, exclude, &sel, &err) != RS_OK) {
        snprintf(last, sizeof(last), "ERR %s", err.msg);
        return last;
    }
    last[0] = '\0';
    for (size_t v = 0; v < rs_graph_count(g); v++) {
        if (rs_graph_sel_has(sel, v)) {
            strcat(last, last[0] ? " " : "");
            strcat(last, rs_graph_name(g, v));
        }
    }
    if (rs_graph_sel_count(sel) == 0)
        strcat(last, "(none)");
    rs_graph_sel_free(sel);
    return last;
}

/* Topological order of a selection. */
static const char *order_of(const rs_graph *g, const char *select) {
    rs_graph_sel *sel = NULL;
    size_t *order = NULL, n = 0;
    rs_err err;
    if (rs_graph_select(g, select, NULL, &sel, &err) != RS_OK ||
        rs_graph_order(g, sel, &order, &n, &err) != RS_OK) {
        rs_graph_sel_free(sel);
        return "ERR";
    }
    join_models(g, order, n);
    free(order);
    rs_graph_sel_free(sel);
    return last;
}

static int word_in(const char *word, const char *list) {
    size_t len = strlen(word);
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += len) {
        if ((p == list || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
            return 1;
    }
    return 0;
}

/* Run the scheduler with `threads` slots; the oldest running model finishes first, and models
 * named in `failing` fail. Trace: "+x" started, "-x" ok, "!x" failed, "~x(y)" skipped for y. */
static const char *sched_trace(const rs_graph *g, const char *select, size_t threads,
                               const char *failing) {
    rs_graph_sel *sel = NULL;
    rs_graph_sched *s = NULL;
    rs_buf out = RS_BUF_INIT;
    size_t running[MAX_MODELS], n_running = 0, m, cause;
    rs_err err;
    int guard = 0;

    if (rs_graph_select(g, select, NULL, &sel, &err) != RS_OK ||
        rs_graph_sched_new(g, sel, &s, &err) != RS_OK) {
        rs_graph_sel_free(sel);
        return "ERR";
    }
    while (!rs_graph_sched_finished(s) && guard++ < 100) {
        while (n_running < threads && rs_graph_sched_next(s, &m)) {
            running[n_running++] = m;
            rs_buf_printf(&out, "%s+%s", out.len ? " " : "", rs_graph_name(g, m));
        }
        if (n_running == 0)
            break;
        m = running[0];
        memmove(running, running + 1, --n_running * sizeof(size_t));
        int ok = !word_in(rs_graph_name(g, m), failing);
        rs_graph_sched_done(s, m, ok, &err);
        rs_buf_printf(&out, " %s%s", ok ? "-" : "!", rs_graph_name(g, m));
        while (rs_graph_sched_take_skipped(s, &m, &cause))
            rs_buf_printf(&out, " ~%s(%s)", rs_graph_name(g, m), rs_graph_name(g, cause));
    }
    snprintf(last, sizeof(last), "%s", rs_buf_cstr(&out));
    rs_buf_free(&out);
    rs_graph_sched_free(s);
    rs_graph_sel_free(sel);
    return last;
}

static const char *edges_of(const rs_graph *g, const char *select) {
    rs_graph_sel *sel = NULL;
    rs_graph_edge *edges = NULL;
    size_t n = 0;
    rs_err err;
    if ((select && rs_graph_select(g, select, NULL, &sel, &err) != RS_OK) ||
        rs_graph_edges(g, sel, &edges, &n, &err) != RS_OK) {
        rs_graph_sel_free(sel);
        return "ERR";
    }
    last[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        strcat(last, i ? " " : "");
        strcat(last, edges[i].parent);
        strcat(last, edges[i].parent_is_source ? "=>" : "->");
        strcat(last, edges[i].child);
    }
    free(edges);
    rs_graph_sel_free(sel);
    return last;
}

static const char *levels_of(const rs_graph *g, const char *select) {
    rs_graph_sel *sel = NULL;
    int *levels = NULL;
    rs_err err;
    if (rs_graph_select(g, select, NULL, &sel, &err) != RS_OK ||
        rs_graph_levels(g, sel, &levels, &err) != RS_OK) {
        rs_graph_sel_free(sel);
        return "ERR";
    }
    last[0] = '\0';
    for (size_t v = 0; v < rs_graph_count(g); v++) {
        char item[64];
        snprintf(item, sizeof(item), "%s%s=%d", v ? " " : "", rs_graph_name(g, v), levels[v]);
        strcat(last, item);
    }
    free(levels);
    rs_graph_sel_free(sel);
    return last;
}

static void test_build_basics(void) {
    rs_graph *g;
    rs_err err;
    const size_t *list;
    size_t n;

    CHECK_INT("build_ok", build("d: b c; b=table#daily: a; c: a; a: shop.orders", &g, &err), RS_OK);
    CHECK_INT("build_count", rs_graph_count(g), 4);
    CHECK_STR("build_sorted_names", rs_graph_name(g, 0), "a");
    CHECK_INT("build_find", rs_graph_find(g, "c"), 2);
    CHECK_INT("build_find_missing", rs_graph_find(g, "zz"), -1);
    CHECK_INT("build_input_pos", rs_graph_input_pos(g, 3), 0);
    CHECK_STR("build_kind_default_view", rs_graph_kind(g, 0), "view");
    CHECK_STR("build_kind_given", rs_graph_kind(g, 1), "table");
    rs_graph_parents(g, 3, &list, &n);
    CHECK_STR("build_parents", join_models(g, list, n), "b c");
    rs_graph_children(g, 0, &list, &n);
    CHECK_STR("build_children", join_models(g, list, n), "b c");
    CHECK_STR("build_name_out_of_range", rs_graph_name(g, 4), NULL);
    rs_graph_free(g);
    rs_graph_free(NULL);

    CHECK_INT("build_empty_ok", build("", &g, &err), RS_OK);
    CHECK_INT("build_empty_count", rs_graph_count(g), 0);
    CHECK_STR("build_empty_selects_none", selected(g, NULL, NULL), "(none)");
    rs_graph_free(g);

    CHECK_INT("build_duplicate_refs_ok", build("a; b: a a", &g, &err), RS_OK);
    rs_graph_parents(g, 1, &list, &n);
    CHECK_INT("build_duplicate_refs_one_edge", n, 1);
    rs_graph_free(g);
}

static void test_build_errors(void) {
    rs_graph *g;
    rs_err err;

    CHECK_INT("dup_code", build("a; b; a", &g, &err), RS_EINVAL);
    CHECK_STR("dup_msg", err.msg, "duplicate model name 'a'");
    CHECK_STR("no_name", build_error("a;  ; b"), "model #2 has no name");
    CHECK_STR("unknown_ref_plain", build_error("a; b: zzz"),
              "model 'b' refers to unknown model 'zzz' (ref('zzz'))");
    CHECK_STR("unknown_ref_suggest", build_error("customers; totals: customer"),
              "model 'totals' refers to unknown model 'customer' (ref('customer')); "
              "did you mean 'customers'?");
    CHECK_STR("unknown_ref_suggest_transposed", build_error("customers; totals: cusotmers"),
              "model 'totals' refers to unknown model 'cusotmers' (ref('cusotmers')); "
              "did you mean 'customers'?");
    CHECK_STR("unknown_ref_suggest_tie_by_name", build_error("ac; ab; x: aa"),
              "model 'x' refers to unknown model 'aa' (ref('aa')); did you mean 'ab'?");
    CHECK_STR("unknown_ref_suggest_closest", build_error("orders_x; order; x: orders"),
              "model 'x' refers to unknown model 'orders' (ref('orders')); did you mean 'order'?");
    CHECK_STR("unknown_ref_one_letter_suggest", build_error("y; zz: x"),
              "model 'zz' refers to unknown model 'x' (ref('x')); did you mean 'y'?");
    CHECK_STR("unknown_ref_short_word_limit", build_error("f; b: foo"),
              "model 'b' refers to unknown model 'foo' (ref('foo'))");
    CHECK_STR("unknown_ref_distance_3_no_suggestion", build_error("abcdef; x: abcxyz"),
              "model 'x' refers to unknown model 'abcxyz' (ref('abcxyz'))");
    CHECK_STR("unknown_ref_no_disabled_suggestion", build_error("!orders; x: order"),
              "model 'x' refers to unknown model 'order' (ref('order'))");
    CHECK_STR("disabled_ref", build_error("!a; b: a"), "model 'b' refers to disabled model 'a'");
    CHECK_STR("disabled_model_refs_ignored", build_error("!b: nothing_here; a"), "OK");
    CHECK_STR("disabled_to_disabled_ok", build_error("!a; !b: a"), "OK");
}

/* Inputs the notation cannot write: empty refs and sources, NULL tags. */
static void test_build_raw(void) {
    const char *empty_ref[] = {""};
    const char *tags[] = {NULL, "t"};
    rs_graph_source bad_source[] = {{"s", ""}};
    rs_graph_model models[2] = {{"a", 1, NULL, tags, 2, NULL, 0, NULL, 0},
                                {"b", 1, "table", NULL, 0, empty_ref, 1, NULL, 0}};
    rs_graph *g = NULL;
    rs_err err;

    rs_err_clear(&err);
    CHECK_INT("raw_empty_ref", rs_graph_build(models, 2, &g, &err), RS_EINVAL);
    CHECK_STR("raw_empty_ref_msg", err.msg, "model 'b' has an empty ref");
    CHECK("raw_out_untouched_on_error", g == NULL);
    models[1].n_refs = 0;
    models[1].sources = bad_source;
    models[1].n_sources = 1;
    CHECK_INT("raw_empty_source", rs_graph_build(models, 2, &g, &err), RS_EINVAL);
    CHECK_STR("raw_empty_source_msg", err.msg, "model 'b' has an empty source");
    models[1].n_sources = 0;
    CHECK_INT("raw_null_tag_skipped", rs_graph_build(models, 2, &g, &err), RS_OK);
    CHECK_STR("raw_tag_kept", selected(g, "tag:t", NULL), "a");
    rs_graph_free(g);
}

static void test_cycles(void) {
    rs_graph *g;
    rs_err err;

    CHECK_INT("cycle_self_code", build("a: a", &g, &err), RS_EINVAL);
    CHECK_STR("cycle_self_msg", err.msg, "dependency cycle: a -> a");
    CHECK_STR("cycle_two", build_error("b: a; a: b"), "dependency cycle: a -> b -> a");
    CHECK_STR("cycle_long", build_error("b: a; c: b; d: c; a: d"),
              "dependency cycle: a -> b -> c -> d -> a");
    /* data flows m -> z -> b -> m; the message starts at the smallest name */
    CHECK_STR("cycle_starts_at_smallest", build_error("z: m; b: z; m: b"),
              "dependency cycle: b -> m -> z -> b");
    /* 'a' is downstream of the cycle (not on it); 'aa' is unrelated */
    CHECK_STR("cycle_with_unrelated", build_error("aa; a: x; x: y; y: x; q: aa"),
              "dependency cycle: x -> y -> x");
    CHECK_STR("cycle_two_cycles_smallest_wins", build_error("p: q; q: p; c: d; d: c; e: c"),
              "dependency cycle: c -> d -> c");
    /* two cycles through a: a->b->a and a->c->d->a; the shorter is named */
    CHECK_STR("cycle_shortest_through_smallest", build_error("c: a; d: c; b: a; a: b d"),
              "dependency cycle: a -> b -> a");
    CHECK_STR("cycle_disabled_ignored", build_error("!a: b; !b: a; c"), "OK");
}

static void test_order(void) {
    rs_graph *g;
    rs_err err;

    build("d: b c; c: a; b: a; a", &g, &err);
    CHECK_STR("order_diamond", order_of(g, NULL), "a b c d");
    CHECK_STR("levels_diamond", levels_of(g, NULL), "a=0 b=1 c=1 d=2");
    CHECK_STR("levels_selection", levels_of(g, "b d"), "a=-1 b=0 c=-1 d=1");
    rs_graph_free(g);

    build("z; y: z; a; x: a y", &g, &err);
    CHECK_STR("order_ties_by_name", order_of(g, NULL), "a z y x");
    rs_graph_free(g);

    /* through an unselected model: c still comes after a; b (unselected) is looked through */
    build("z: y; y: c; c: b; b: a; a; d", &g, &err);
    CHECK_STR("order_selection_through_unselected", order_of(g, "a c d z"), "a c d z");
    CHECK_STR("order_full_chain", order_of(g, NULL), "a b c d y z");
    rs_graph_free(g);

    /* same models, other input order: same answers */
    build("x: a y; a; y: z; z", &g, &err);
    CHECK_STR("order_deterministic_input_order", order_of(g, NULL), "a z y x");
    rs_graph_free(g);
}

static void test_selectors(void) {
    rs_graph *g;
    rs_err err;

    CHECK_INT("sel_build",
              build("a: shop.orders; b#daily: a; c#daily#core: a shop.users; d: b c; e: d; "
                    "f: crm.accounts; stg_one; stg_two; !old#daily: a",
                    &g, &err),
              RS_OK);
    CHECK_STR("sel_null_all_enabled", selected(g, NULL, NULL), "a b c d e f stg_one stg_two");
    CHECK_STR("sel_empty_all", selected(g, "", NULL), "a b c d e f stg_one stg_two");
    CHECK_STR("sel_blank_all", selected(g, " \t ", ""), "a b c d e f stg_one stg_two");
    CHECK_STR("sel_name", selected(g, "d", NULL), "d");
    CHECK_STR("sel_ancestors", selected(g, "+d", NULL), "a b c d");
    CHECK_STR("sel_descendants", selected(g, "b+", NULL), "b d e");
    CHECK_STR("sel_both", selected(g, "+b+", NULL), "a b d e");
    CHECK_STR("sel_ancestors_depth", selected(g, "1+e", NULL), "d e");
    CHECK_STR("sel_descendants_depth", selected(g, "a+1", NULL), "a b c");
    CHECK_STR("sel_depth_zero", selected(g, "0+e", NULL), "e");
    CHECK_STR("sel_at", selected(g, "@b", NULL), "a b c d e");
    CHECK_STR("sel_tag", selected(g, "tag:daily", NULL), "b c");
    CHECK_STR("sel_tag_plus", selected(g, "tag:core+", NULL), "c d e");
    CHECK_STR("sel_source", selected(g, "source:shop", NULL), "a c");
    CHECK_STR("sel_source_table", selected(g, "source:shop.users", NULL), "c");
    CHECK_STR("sel_source_downstream", selected(g, "source:shop.users+", NULL), "c d e");
    CHECK_STR("sel_union", selected(g, "b  f\tstg_one", NULL), "b f stg_one");
    CHECK_STR("sel_union_overlap", selected(g, "+b b+", NULL), "a b d e");
    CHECK_STR("sel_wildcard", selected(g, "stg_*", NULL), "stg_one stg_two");
    CHECK_STR("sel_wildcard_none", selected(g, "zz*", NULL), "(none)");
    CHECK_STR("sel_exclude", selected(g, "+d", "b"), "a c d");
    CHECK_STR("sel_exclude_graph_op", selected(g, NULL, "a+"), "f stg_one stg_two");
    CHECK_STR("sel_exclude_union", selected(g, "+e", "a tag:daily"), "d e");
    CHECK_STR("sel_exclude_all", selected(g, "d", "d"), "(none)");
    CHECK_STR("sel_disabled_by_name", selected(g, "old", NULL), "(none)");
    CHECK_STR("sel_disabled_by_descendants", selected(g, "a+1", NULL), "a b c");
    CHECK_STR("sel_unknown", selected(g, "+foo", NULL),
              "ERR selector '+foo': no model named 'foo'");
    CHECK_STR("sel_unknown_suggest", selected(g, "stg_on+", NULL),
              "ERR selector 'stg_on+': no model named 'stg_on'; did you mean 'stg_one'?");
    CHECK_STR("sel_unknown_in_exclude", selected(g, NULL, "a bb"),
              "ERR selector 'bb': no model named 'bb'; did you mean 'b'?");
    CHECK_STR("sel_unknown_tag", selected(g, "tag:dialy", NULL),
              "ERR selector 'tag:dialy': no model has tag 'dialy'; did you mean 'daily'?");
    CHECK_STR("sel_unknown_source", selected(g, "source:shp", NULL),
              "ERR selector 'source:shp': no source named 'shp'; did you mean 'shop'?");
    CHECK_STR("sel_unknown_method", selected(g, "path:x", NULL),
              "ERR selector 'path:x': unknown method 'path' (use tag: or source:)");
    CHECK_STR("sel_missing_name", selected(g, "a +", NULL), "ERR selector '+': missing model name");
    CHECK_STR("sel_missing_value", selected(g, "tag:", NULL), "ERR selector 'tag:': missing value");
    rs_graph_free(g);
}

static void test_scheduler(void) {
    rs_graph *g;
    rs_graph_sched *s;
    rs_err err;
    size_t m, cause;

    build("a; b: a; c: a; d: b; e: d; f: c; g", &g, &err);
    CHECK_STR("sched_one_thread_is_order", sched_trace(g, NULL, 1, ""),
              "+a -a +b -b +c -c +d -d +e -e +f -f +g -g");
    CHECK_STR("sched_two_threads", sched_trace(g, NULL, 2, ""),
              "+a +g -a +b -g +c -b +d -c +f -d +e -f -e");
    CHECK_STR("sched_failure_skips_descendants", sched_trace(g, NULL, 2, "b"),
              "+a +g -a +b -g +c !b ~d(b) ~e(b) -c +f -f");
    CHECK_STR("sched_failure_root", sched_trace(g, NULL, 4, "a"),
              "+a +g !a ~b(a) ~c(a) ~d(a) ~e(a) ~f(a) -g");
    CHECK_STR("sched_failure_leaf", sched_trace(g, NULL, 8, "e"),
              "+a +g -a +b +c -g -b +d -c +f -d +e -f !e");
    CHECK_STR("sched_selection", sched_trace(g, "+d", 3, "a"), "+a !a ~b(a) ~d(a)");
    rs_graph_free(g);

    /* diamond with both middle models failing: d skipped once, for the first failure */
    build("a; b: a; c: a; d: b c", &g, &err);
    CHECK_STR("sched_diamond_waits_for_both", sched_trace(g, NULL, 2, ""),
              "+a -a +b +c -b -c +d -d");
    CHECK_STR("sched_diamond_double_failure", sched_trace(g, NULL, 2, "b c"),
              "+a -a +b +c !b ~d(b) !c");
    rs_graph_free(g);

    /* a -> b -> c with b unselected: c waits for a, and is skipped when a fails */
    build("a; b: a; c: b", &g, &err);
    CHECK_STR("sched_through_unselected", sched_trace(g, "a c", 4, ""), "+a -a +c -c");
    CHECK_STR("sched_through_unselected_fail", sched_trace(g, "a c", 4, "a"), "+a !a ~c(a)");
    CHECK_STR("sched_single", sched_trace(g, "a", 4, ""), "+a -a");
    CHECK_STR("sched_empty_selection", sched_trace(g, "zz*", 4, ""), "");

    rs_graph_sched_new(g, NULL, &s, &err);
    CHECK_INT("sched_done_not_running", rs_graph_sched_done(s, 1, 1, &err), RS_EINVAL);
    CHECK_STR("sched_done_not_running_msg", err.msg, "model 'b' is not running");
    CHECK_INT("sched_next_a", rs_graph_sched_next(s, &m) && m == 0, 1);
    CHECK_INT("sched_next_none_ready", rs_graph_sched_next(s, &m), 0);
    CHECK_INT("sched_running", rs_graph_sched_running(s), 1);
    CHECK_INT("sched_not_finished", rs_graph_sched_finished(s), 0);
    rs_graph_sched_cancel(s);
    CHECK_INT("sched_cancel_skips_b", rs_graph_sched_take_skipped(s, &m, &cause) && m == 1, 1);
    CHECK_INT("sched_cancel_no_cause", cause == (size_t)-1, 1);
    CHECK_INT("sched_cancel_skips_c", rs_graph_sched_take_skipped(s, &m, &cause) && m == 2, 1);
    CHECK_INT("sched_cancel_queue_empty", rs_graph_sched_take_skipped(s, &m, &cause), 0);
    CHECK_INT("sched_cancel_running_still_counts", rs_graph_sched_finished(s), 0);
    CHECK_INT("sched_done_after_cancel", rs_graph_sched_done(s, 0, 1, &err), RS_OK);
    CHECK_INT("sched_done_twice", rs_graph_sched_done(s, 0, 1, &err), RS_EINVAL);
    CHECK_INT("sched_finished", rs_graph_sched_finished(s), 1);
    CHECK_INT("sched_nothing_after_finish", rs_graph_sched_next(s, &m), 0);
    rs_graph_sched_free(s);
    rs_graph_sched_free(NULL);
    rs_graph_free(g);

    /* A model skipped before it starts (the runner's pre-skip): it and its descendants are
     * skipped with the given cause, even a ready one; the rest runs. */
    build("a; b: a; c: b; d: a; e", &g, &err);
    rs_graph_sched_new(g, NULL, &s, &err);
    CHECK_INT("sched_skip_waiting", rs_graph_sched_skip(s, 1, 4), 1);
    CHECK_INT("sched_skip_again_refused", rs_graph_sched_skip(s, 1, 4), 0);
    CHECK_INT("sched_skip_b_first", rs_graph_sched_take_skipped(s, &m, &cause) && m == 1, 1);
    CHECK_INT("sched_skip_b_cause", cause, 4);
    CHECK_INT("sched_skip_c_with_it", rs_graph_sched_take_skipped(s, &m, &cause) && m == 2, 1);
    CHECK_INT("sched_skip_c_same_cause", cause, 4);
    CHECK_INT("sched_skip_ready_e", rs_graph_sched_skip(s, 4, 0), 1);
    rs_graph_sched_take_skipped(s, &m, &cause);
    CHECK_INT("sched_skip_next_is_a", rs_graph_sched_next(s, &m) && m == 0, 1);
    CHECK_INT("sched_skip_ready_not_handed_out", rs_graph_sched_next(s, &m), 0);
    CHECK_INT("sched_skip_running_refused", rs_graph_sched_skip(s, 0, 4), 0);
    rs_graph_sched_done(s, 0, 1, &err);
    CHECK_INT("sched_skip_d_runs", rs_graph_sched_next(s, &m) && m == 3, 1);
    rs_graph_sched_done(s, 3, 1, &err);
    CHECK_INT("sched_skip_finished", rs_graph_sched_finished(s), 1);
    rs_graph_sched_free(s);
    rs_graph_free(g);
}

static void test_ephemeral_and_kinds(void) {
    rs_graph *g;
    rs_err err;
    build("stg=ephemeral: shop.orders; fct=table: stg", &g, &err);
    /* ephemeral models are ordinary nodes for the scheduler */
    CHECK_STR("sched_ephemeral_is_node", sched_trace(g, NULL, 2, ""), "+stg -stg +fct -fct");
    rs_graph_free(g);
}

static void test_lineage(void) {
    rs_graph *g;
    rs_graph_sel *sel = NULL;
    rs_err err;
    char *dot = NULL;

    build("fct=table: stg dim; stg=ephemeral: shop.orders; dim: shop.users shop.orders; "
          "!off: shop.secret",
          &g, &err);
    CHECK_STR("edges_all", edges_of(g, NULL),
              "source:shop.orders=>dim source:shop.orders=>stg source:shop.users=>dim "
              "dim->fct stg->fct");
    CHECK_STR("edges_selection", edges_of(g, "stg+"), "source:shop.orders=>stg stg->fct");
    CHECK_INT("dot_ok", rs_graph_dot(g, NULL, &dot, &err), RS_OK);
    CHECK_STR("dot_text", dot,
              "digraph rockset {\n"
              "  rankdir=LR;\n"
              "  \"source:shop.orders\" [shape=ellipse, label=\"shop.orders\"];\n"
              "  \"source:shop.users\" [shape=ellipse, label=\"shop.users\"];\n"
              "  \"dim\" [shape=box, label=\"dim\\n(view)\"];\n"
              "  \"fct\" [shape=box, label=\"fct\\n(table)\"];\n"
              "  \"stg\" [shape=box, style=dashed, label=\"stg\\n(ephemeral)\"];\n"
              "  \"source:shop.orders\" -> \"dim\";\n"
              "  \"source:shop.orders\" -> \"stg\";\n"
              "  \"source:shop.users\" -> \"dim\";\n"
              "  \"dim\" -> \"fct\";\n"
              "  \"stg\" -> \"fct\";\n"
              "}\n");
    free(dot);
    rs_graph_select(g, "dim", NULL, &sel, &err);
    rs_graph_dot(g, sel, &dot, &err);
    CHECK_STR("dot_selection", dot,
              "digraph rockset {\n"
              "  rankdir=LR;\n"
              "  \"source:shop.orders\" [shape=ellipse, label=\"shop.orders\"];\n"
              "  \"source:shop.users\" [shape=ellipse, label=\"shop.users\"];\n"
              "  \"dim\" [shape=box, label=\"dim\\n(view)\"];\n"
              "  \"source:shop.orders\" -> \"dim\";\n"
              "  \"source:shop.users\" -> \"dim\";\n"
              "}\n");
    free(dot);
    rs_graph_sel_free(sel);
    rs_graph_free(g);

    build("we\"ird\\x", &g, &err);
    rs_graph_dot(g, NULL, &dot, &err);
    CHECK_STR("dot_quoting", dot,
              "digraph rockset {\n"
              "  rankdir=LR;\n"
              "  \"we\\\"ird\\\\x\" [shape=box, label=\"we\\\"ird\\\\x\\n(view)\"];\n"
              "}\n");
    free(dot);
    rs_graph_free(g);

    build("", &g, &err);
    rs_graph_dot(g, NULL, &dot, &err);
    CHECK_STR("dot_empty", dot, "digraph rockset {\n  rankdir=LR;\n}\n");
    free(dot);
    rs_graph_free(g);
}

static void test_determinism(void) {
    rs_graph *g1, *g2;
    rs_err err;
    char *dot1 = NULL, *dot2 = NULL;
    char order1[512];

    build("e: c d; d: b; c: a b; b: s.t; a: s.u; f", &g1, &err);
    build("f; a: s.u; b: s.t; c: b a; d: b; e: d c", &g2, &err);
    snprintf(order1, sizeof(order1), "%s", order_of(g1, NULL));
    CHECK_STR("determinism_order", order_of(g2, NULL), order1);
    CHECK_STR("determinism_order_value", order1, "a b c d e f");
    rs_graph_dot(g1, NULL, &dot1, &err);
    rs_graph_dot(g2, NULL, &dot2, &err);
    CHECK("determinism_dot", dot1 && dot2 && strcmp(dot1, dot2) == 0);
    free(dot1);
    free(dot2);
    rs_graph_free(g1);
    rs_graph_free(g2);
}

static void test_critical_path(void) {
    rs_graph *g;
    rs_graph_sel *sel = NULL;
    rs_err err;
    double total = -1;
    size_t *path = NULL, n_path = 0;

    /* a=1, b=5, c=2, d=1, e=1 ; chains a-b-d-e = 8, a-c-d-e = 5, f alone = 7 */
    build("a; b: a; c: a; d: b c; e: d; f", &g, &err);
    double durations[] = {1, 5, 2, 1, 1, 7};
    CHECK_INT("crit_ok", rs_graph_critical_path(g, NULL, durations, &total, &path, &n_path, &err),
              RS_OK);
    CHECK("crit_total", total == 8.0);
    CHECK_STR("crit_path", join_models(g, path, n_path), "a b d e");
    free(path);
    path = NULL;
    rs_graph_select(g, "c+ f", NULL, &sel, &err);
    rs_graph_critical_path(g, sel, durations, &total, &path, &n_path, &err);
    CHECK("crit_selection_total", total == 7.0);
    CHECK_STR("crit_selection_path", join_models(g, path, n_path), "f");
    free(path);
    rs_graph_sel_free(sel);
    durations[5] = 3; /* c+: c d e = 4, f = 3 */
    rs_graph_select(g, "c+ f", NULL, &sel, &err);
    rs_graph_critical_path(g, sel, durations, &total, NULL, &n_path, &err);
    CHECK("crit_no_path_wanted_total", total == 4.0);
    CHECK_INT("crit_no_path_wanted_len", n_path, 3);
    rs_graph_sel_free(sel);
    /* ties: b and c equal, path goes through the smaller name */
    double even[] = {1, 2, 2, 1, 1, 0};
    rs_graph_critical_path(g, NULL, even, &total, &path, &n_path, &err);
    CHECK_STR("crit_tie_by_name", join_models(g, path, n_path), "a b d e");
    free(path);
    rs_graph_select(g, "x*", NULL, &sel, &err);
    rs_graph_critical_path(g, sel, durations, &total, &path, &n_path, &err);
    CHECK("crit_empty", total == 0.0 && n_path == 0);
    free(path);
    rs_graph_sel_free(sel);
    rs_graph_free(g);
}

/* ---- randomized consistency: scheduler and order against brute-force ancestry ---------- */

static unsigned long rng_state = 12345;
static unsigned rng(unsigned bound) {
    rng_state = rng_state * 6364136223846793005UL + 1442695040888963407UL;
    return (unsigned)((rng_state >> 33) % bound);
}

/* anc[u][v] = 1 when u is a (transitive) ancestor of v. */
static void ancestry(const rs_graph *g, unsigned char anc[MAX_MODELS][MAX_MODELS]) {
    size_t n = rs_graph_count(g);
    memset(anc, 0, MAX_MODELS * MAX_MODELS);
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t v = 0; v < n; v++) {
            const size_t *par;
            size_t n_par;
            rs_graph_parents(g, v, &par, &n_par);
            for (size_t i = 0; i < n_par; i++) {
                for (size_t u = 0; u < n; u++) {
                    unsigned char want = (unsigned char)(u == par[i] || anc[u][par[i]]);
                    if (want && !anc[u][v]) {
                        anc[u][v] = 1;
                        changed = 1;
                    }
                }
            }
        }
    }
}

/* A random DAG over names m00..m11: each model refs up to 3 of those before it in a random
 * permutation, so the name order and the dependency order differ. */
static void random_notation(char *out, size_t n) {
    unsigned perm[MAX_MODELS];
    out[0] = '\0';
    for (unsigned i = 0; i < n; i++)
        perm[i] = i;
    for (unsigned i = (unsigned)n - 1; i > 0; i--) {
        unsigned j = rng(i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (unsigned i = 0; i < n; i++) {
        char item[64];
        snprintf(item, sizeof(item), "%sm%02u:", i ? "; " : "", perm[i]);
        strcat(out, item);
        for (unsigned k = 0, n_refs = i ? rng(4) : 0; k < n_refs; k++) {
            snprintf(item, sizeof(item), " m%02u", perm[rng(i)]);
            strcat(out, item);
        }
    }
}

typedef struct fuzz_run {
    unsigned char sel[MAX_MODELS], fail[MAX_MODELS];
    int state[MAX_MODELS]; /* 0 untouched, 1 running, 2 ok, 3 failed, 4 skipped */
} fuzz_run;

/* A start of v is wrong unless v is selected, untouched, and every selected ancestor is OK. */
static int fuzz_check_start(const fuzz_run *r, unsigned char anc[MAX_MODELS][MAX_MODELS], size_t n,
                            size_t v) {
    int bad = r->state[v] != 0 || !r->sel[v];
    for (size_t u = 0; u < n; u++)
        bad += r->sel[u] && anc[u][v] && r->state[u] != 2;
    return bad;
}

/* A skip of v is wrong unless v is selected, untouched, and its cause a failed ancestor. */
static int fuzz_check_skip(const fuzz_run *r, unsigned char anc[MAX_MODELS][MAX_MODELS], size_t v,
                           size_t cause) {
    return r->state[v] != 0 || !r->sel[v] || cause >= MAX_MODELS || !anc[cause][v] ||
           r->state[cause] != 3;
}

/* One scheduler run over a random selection, random failures, random finishing order. */
static int fuzz_one(const rs_graph *g, unsigned char anc[MAX_MODELS][MAX_MODELS], size_t threads) {
    size_t n = rs_graph_count(g), running[MAX_MODELS], n_running = 0, m, cause;
    char select[512] = "";
    fuzz_run r;
    rs_graph_sel *sel = NULL;
    rs_graph_sched *s = NULL;
    rs_err err;
    int bad = 0;

    memset(&r, 0, sizeof(r));
    for (size_t v = 0; v < n; v++) {
        r.sel[v] = rng(3) != 0;
        r.fail[v] = rng(6) == 0;
        if (r.sel[v]) {
            strcat(select, " ");
            strcat(select, rs_graph_name(g, v));
        }
    }
    if (select[0] == '\0')
        return 0; /* an empty selector means "all": not what this run wants */
    if (rs_graph_select(g, select, NULL, &sel, &err) != RS_OK ||
        rs_graph_sched_new(g, sel, &s, &err) != RS_OK) {
        rs_graph_sel_free(sel);
        return 1;
    }
    for (int guard = 0; !rs_graph_sched_finished(s) && guard < 100; guard++) {
        while (n_running < threads && rs_graph_sched_next(s, &m)) {
            bad += fuzz_check_start(&r, anc, n, m);
            r.state[m] = 1;
            running[n_running++] = m;
        }
        if (n_running == 0) {
            bad++; /* not finished, nothing running, nothing ready: a stall */
            break;
        }
        m = running[rng((unsigned)n_running)];
        for (size_t i = 0, j = 0; i < n_running; i++) {
            if (running[i] != m)
                running[j++] = running[i];
        }
        n_running--;
        r.state[m] = r.fail[m] ? 3 : 2;
        bad += rs_graph_sched_done(s, m, !r.fail[m], &err) != RS_OK;
        while (rs_graph_sched_take_skipped(s, &m, &cause)) {
            bad += fuzz_check_skip(&r, anc, m, cause);
            r.state[m] = 4;
        }
    }
    for (size_t v = 0; v < n; v++)
        bad += r.sel[v] ? (r.state[v] < 2) : (r.state[v] != 0);
    rs_graph_sched_free(s);
    rs_graph_sel_free(sel);
    return bad;
}

/* The order of a random "+x+" selection respects ancestry and lists each model once. */
static int fuzz_order(const rs_graph *g, unsigned char anc[MAX_MODELS][MAX_MODELS]) {
    size_t n = rs_graph_count(g), *order = NULL, n_order = 0, pos[MAX_MODELS];
    char select[64];
    rs_graph_sel *sel = NULL;
    rs_err err;
    int bad = 0;

    snprintf(select, sizeof(select), "+%s+", rs_graph_name(g, rng((unsigned)n)));
    if (rs_graph_select(g, select, NULL, &sel, &err) != RS_OK ||
        rs_graph_order(g, sel, &order, &n_order, &err) != RS_OK) {
        rs_graph_sel_free(sel);
        return 1;
    }
    bad += n_order != rs_graph_sel_count(sel);
    for (size_t i = 0; i < n_order; i++)
        pos[order[i]] = i;
    for (size_t i = 0; i < n_order; i++) {
        for (size_t j = 0; j < n_order; j++)
            bad += anc[order[i]][order[j]] && pos[order[i]] > pos[order[j]];
    }
    free(order);
    rs_graph_sel_free(sel);
    return bad;
}

static void test_randomized(void) {
    static unsigned char anc[MAX_MODELS][MAX_MODELS];
    char notation[1024];
    int sched_bad = 0, order_bad = 0, build_bad = 0;

    for (int trial = 0; trial < 300; trial++) {
        rs_graph *g;
        rs_err err;
        random_notation(notation, 12);
        if (build(notation, &g, &err) != RS_OK) {
            build_bad++;
            continue;
        }
        ancestry(g, anc);
        sched_bad += fuzz_one(g, anc, 1 + rng(4));
        order_bad += fuzz_order(g, anc);
        rs_graph_free(g);
    }
    CHECK_INT("random_dags_build", build_bad, 0);
    CHECK_INT("random_sched_respects_ancestry_and_skips", sched_bad, 0);
    CHECK_INT("random_order_respects_ancestry", order_bad, 0);
}

int main(void) {
    test_build_basics();
    test_build_errors();
    test_build_raw();
    test_cycles();
    test_order();
    test_selectors();
    test_scheduler();
    test_ephemeral_and_kinds();
    test_lineage();
    test_determinism();
    test_critical_path();
    test_randomized();
    TEST_DONE();
}
