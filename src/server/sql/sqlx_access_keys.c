/*
 * sqlx_access_keys.c - the key tests a WHERE conjunct allows (sqlx_access.h): read from the
 * bound conjunct (what each path reads is the binder's answer), never from printed text.
 *
 * Why a test's bounds are rs_klo(c) / rs_khi(c) and not c's own key: Rockset's comparison
 * compares some values of different types (a string with the date or time it reads as, a DATE
 * with a TIMESTAMP by their instant), whose keys lie in other ranks of the key order; the two
 * give c's key when every value c compares with has its key in c's rank, else the ends of the
 * key space (runtime/value.h's rv_key_bound): the whole index read rather than a row lost.
 */
#include "server/runtime/catalog.h"
#include "server/runtime/value.h"
#include "sqlx_access_int.h"
#include "sqlx_emit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_OR_ARMS 16

/* ---------------- what a conjunct reads ---------------- */

/* Whether a subquery gives the same rows each time it runs: no call of a volatile function
 * (RAND; the clock is one value for the statement) and no TABLESAMPLE, anywhere in it. A
 * subquery a key test prints again runs twice: two draws would make the test and its conjunct
 * disagree, and rows the conjunct keeps would be lost. */
static int stable_select(const sqlx_select *s);

/* A node that draws: a volatile call, or a subquery that does (sqlx_first_call's test). */
static int draws(const sqlx_node *n) {
    return (n->kind == N_FUNC && n->fn != NULL &&
            (n->fn->flags & (RT_VOLATILE | RT_CLOCK)) == RT_VOLATILE) ||
           (n->sub != NULL && !stable_select(n->sub));
}

static int stable_expr(const sqlx_node *n) {
    return sqlx_first_call(n, draws) == NULL;
}

static int stable_from(const sqlx_from *f) {
    if (f == NULL)
        return 1;
    if (f->has_sample || (f->sub != NULL && !stable_select(f->sub)) || !stable_expr(f->on))
        return 0;
    for (int i = 0; i < f->n_arrays; i++)
        if (!stable_expr(f->arrays[i]))
            return 0;
    return stable_from(f->left) && stable_from(f->right);
}

static int stable_select(const sqlx_select *s) {
    if (s == NULL)
        return 1;
    for (int i = 0; i < s->n_ctes; i++)
        if (!stable_select(s->ctes[i].sel))
            return 0;
    for (int i = 0; i < s->n_items; i++)
        if (!stable_expr(s->items[i].expr))
            return 0;
    for (int i = 0; i < s->n_order; i++)
        if (!stable_expr(s->order[i].expr))
            return 0;
    return stable_select(s->left) && stable_select(s->right) && stable_from(s->from) &&
           stable_expr(s->where) && stable_expr(s->having);
}

/* Whether n has one value while the block runs: a constant (access_is_constant), or, with ac,
 * a value known only when the statement runs as well, counted in *reads: a path of a relation
 * of an enclosing block (a correlated subquery's `r.id`), an uncorrelated scalar subquery
 * (`j.id = (SELECT MAX(id) FROM ...)`, which SQLite computes once). */
typedef struct fixed_reads {
    int paths;      /* paths of enclosing blocks' relations */
    int subqueries; /* uncorrelated scalar subqueries */
} fixed_reads;
static int fixed_value(const access *ac, const sqlx_node *n, fixed_reads *reads);

/* A path of a relation of a block enclosing ac's (not its own), whose steps are names or
 * literal positions. */
static int outer_path(const access *ac, const sqlx_node *n) {
    const sqlx_ref *r = n->ref;
    int above = 0;
    if (ac == NULL || r == NULL || r->kind != SQLX_REF_FIELD || r->rte == NULL)
        return 0;
    for (const sqlx_block *s = ac->blk->parent; s != NULL && !above; s = s->parent)
        above = s == r->rte->owner;
    for (int i = 0; above && i < n->n_parts; i++)
        if (n->names[i] == NULL && n->index[i]->kind != N_LIT_INT)
            return 0;
    return above;
}

static int fixed_value(const access *ac, const sqlx_node *n, fixed_reads *reads) {
    /* and a zone's: `_event_time >= PARSE_DATETIME_ISO8601(:startTime) AT TIME ZONE :timezone`
     * (HUD's queue_times_historical) */
    static const char *const arithmetic[] = {"+", "-", "*", "/", "||", "AT TIME ZONE"};
    switch (n->kind) {
    case N_LIT_INT:
    case N_LIT_FLOAT:
    case N_LIT_STRING:
    case N_LIT_BOOL:
    case N_LIT_TYPED:
    case N_PARAM:
        return 1;
    case N_PATH:
        if (!outer_path(ac, n))
            return 0;
        reads->paths++;
        return 1;
    case N_SUBQUERY: /* uncorrelated: SQLite computes its one value once */
        if (ac == NULL || n->sub == NULL || n->sub->block == NULL || n->sub->block->correlated ||
            !stable_select(n->sub))
            return 0;
        reads->subqueries++;
        return 1;
    case N_UNARY:
        return strcmp(n->op, "-") == 0 && fixed_value(ac, n->a, reads);
    case N_CAST:
        return fixed_value(ac, n->a, reads);
    case N_BINARY:
        for (size_t i = 0; i < sizeof arithmetic / sizeof arithmetic[0]; i++)
            if (strcmp(n->op, arithmetic[i]) == 0)
                return fixed_value(ac, n->a, reads) && fixed_value(ac, n->b, reads);
        return 0;
    case N_FUNC:
        /* the clock is one value for the statement: `completed_at > CURRENT_TIMESTAMP() -
         * MINUTES(:n)` bounds a range as a parameter would */
        if (n->fn != NULL && (n->fn->flags & RT_CLOCK) && n->over == NULL && n->n_list == 0)
            return 1;
        if (n->fn == NULL || n->fn->kind != RT_SCALAR ||
            (n->fn->flags & (RT_VOLATILE | RT_CLOCK)) == RT_VOLATILE || n->over != NULL ||
            n->star || n->distinct || n->n_list == 0)
            return 0;
        for (int i = 0; i < n->n_list; i++)
            if (!fixed_value(ac, n->list[i], reads))
                return 0;
        return 1;
    default:
        return 0;
    }
}

int access_is_constant(const sqlx_node *n) {
    return fixed_value(NULL, n, NULL);
}

/* Whether n is one value for the statement: a constant (access_is_constant), or one that reads
 * an uncorrelated scalar subquery (`(SELECT MAX(_event_time) FROM push) - HOURS(1)`), whose text
 * prints the subquery, so its block is planned first (its own key tests in that text). The
 * catalog's count of a range it bounds runs it once. */
static int statement_constant(access *ac, const sqlx_node *n, int *rc) {
    fixed_reads reads = {0, 0};
    *rc = 0;
    if (!fixed_value(ac, n, &reads) || reads.paths > 0)
        return 0;
    *rc = reads.subqueries > 0 ? access_plan_subqueries(ac, n) : 0;
    return *rc == 0;
}

/* A constant whose value is surely a scalar: a literal other than null, or a parameter the
 * request types as a scalar (untyped: JSON that is no array or object), or, where the values
 * are not typed for us (a caller giving only texts), one with a text. The element index holds
 * scalar elements only, so only such a value bounds it. */
static int is_scalar_constant(access *ac, const sqlx_node *n) {
    static const char *const scalars[] = {"string", "int",      "float", "bool",     "boolean",
                                          "date",   "datetime", "time",  "timestamp"};
    const char *type = NULL, *v;
    if (n->kind == N_PARAM && ac->ctx->param_value != NULL &&
        (v = ac->ctx->param_value(ac->ctx->param_ctx, n->name, &type)) != NULL) {
        if (*type == '\0') /* untyped: its JSON, a scalar unless an array or an object */
            return *v != '[' && *v != '{';
        for (size_t i = 0; i < sizeof scalars / sizeof scalars[0]; i++)
            if (strcasecmp(type, scalars[i]) == 0)
                return 1;
        return 0;
    }
    if (n->kind == N_PARAM)
        return ac->ctx->param_text != NULL &&
               ac->ctx->param_text(ac->ctx->param_ctx, n->name) != NULL;
    return n->kind == N_LIT_INT || n->kind == N_LIT_FLOAT || n->kind == N_LIT_STRING ||
           n->kind == N_LIT_BOOL || n->kind == N_LIT_TYPED;
}

/* A constant whose key is all the range a comparison with it reads (runtime/value.h's
 * rv_key_bound is exact for it), as known while translating: a number, a bool, a string that
 * reads as no date or time (a literal, or a parameter given as a string). */
static int is_exact_constant(access *ac, const sqlx_node *n) {
    const char *text;
    switch (n->kind) {
    case N_LIT_INT:
    case N_LIT_FLOAT:
    case N_LIT_BOOL:
        return 1;
    case N_LIT_STRING:
        return !rv_string_is_temporal(n->text, strlen(n->text));
    case N_PARAM:
        text =
            ac->ctx->param_text != NULL ? ac->ctx->param_text(ac->ctx->param_ctx, n->name) : NULL;
        return text != NULL && !rv_string_is_temporal(text, strlen(text));
    case N_UNARY:
        return strcmp(n->op, "-") == 0 && (n->a->kind == N_LIT_INT || n->a->kind == N_LIT_FLOAT);
    default:
        return 0;
    }
}

/* A string literal that rs_cmp compares as text with every string (it reads as no date). */
static int is_plain_string(const sqlx_node *n) {
    return n->kind == N_LIT_STRING && !rv_string_is_temporal(n->text, strlen(n->text));
}

static char *arena_text(access *ac, const rs_buf *b) {
    return b->oom ? NULL : sqlx_strndup(ac->ctx->arena, b->data ? b->data : "", b->len);
}

/* The steps of path e from its relation's on, as rs_get arguments ('a','b'), into b: 1, or 0
 * when a step is an array subscript (a literal position only with allow_positions). */
static int put_path_args(rs_buf *b, const sqlx_node *e, int first, int allow_positions) {
    for (int i = first; i < e->n_parts; i++) {
        rs_buf_puts(b, i > first ? "," : "");
        if (e->names[i] != NULL)
            rs_buf_quoted(b, e->names[i], strlen(e->names[i]), '\'');
        else if (allow_positions && e->index[i]->kind == N_LIT_INT)
            rs_buf_printf(b, "%lld", strtoll(e->index[i]->text, NULL, 10) - 1);
        else /* array subscripts are not indexed */
            return 0;
    }
    return 1;
}

const sqlx_rte *access_path(access *ac, const sqlx_node *e, int allow_positions,
                            const char **args) {
    const sqlx_ref *r = e->kind == N_PATH ? e->ref : NULL;
    if (r == NULL || r->kind != SQLX_REF_FIELD || r->rte->owner != ac->blk ||
        r->first >= e->n_parts)
        return NULL;
    rs_buf b = RS_BUF_INIT;
    *args = put_path_args(&b, e, r->first, allow_positions) ? arena_text(ac, &b) : NULL;
    rs_buf_free(&b);
    return *args != NULL ? r->rte : NULL;
}

/* A collection of this block read through its indexes (not under TABLESAMPLE, not wrapped by a
 * hash join). */
static int indexable(const sqlx_rte *r) {
    return r != NULL && r->kind == SQLX_RTE_COLLECTION && r->data_table != NULL &&
           r->is_indexed != NULL && r->alias == r->id;
}

int access_indexed(const sqlx_rte *r, const char *args) {
    if (r == NULL || r->kind != SQLX_RTE_COLLECTION || r->data_table == NULL ||
        r->is_indexed == NULL)
        return 0;
    if (strcmp(args, "'_id'") == 0)
        return 2; /* the table's primary key */
    return r->is_indexed(r->has_field_ctx, r->data_table, args) > 0;
}

/* Whether r's function index on fn of path args (a named twin, or an expression's text) serves
 * a test or a lookup: 1, or 0; *ix what the catalog found. Asking is a use: without one, the
 * server builds it for the queries after this one. */
static int function_indexed(const sqlx_rte *r, const char *args, const char *fn, sqlx_index *ix) {
    return indexable(r) && r->catalog != NULL && r->catalog->index_for != NULL &&
           r->catalog->index_for(r->catalog->ctx, r->data_table, SQLX_INDEX_FUNCTION, args, fn,
                                 ix) == 1;
}

int access_key_index(const sqlx_rte *r, const sqlx_join_key *key, sqlx_index *ix) {
    memset(ix, 0, sizeof *ix);
    int catalog = r != NULL && r->catalog != NULL && r->catalog->index_for != NULL;
    if (key->fn == NULL && (!catalog || strcmp(key->args, "'_id'") == 0))
        return access_indexed(r, key->args);
    if (key->fn == NULL) /* access_indexed's answer (r->is_indexed asks the same catalog) */
        return r->kind == SQLX_RTE_COLLECTION && r->data_table != NULL && r->is_indexed != NULL &&
               r->catalog->index_for(r->catalog->ctx, r->data_table, SQLX_INDEX_SCALAR, key->args,
                                     NULL, ix) > 0;
    return function_indexed(r, key->args, key->fn, ix);
}

/* The indexed collection path e reads: 1 a field index, 2 _id, 0 none (*rte, *args set). */
static int indexed_path(access *ac, const sqlx_node *e, const sqlx_rte **rte, const char **args) {
    *rte = access_path(ac, e, 0, args);
    return indexable(*rte) ? access_indexed(*rte, *args) : 0;
}

/* The function of the function index serving a range on fn(path): PARSE_TIMESTAMP_ISO8601's
 * and PARSE_DATETIME_ISO8601's twins that never fail; NULL for any other call. */
static const char *index_fn_of(const sqlx_node *e) {
    if (e->kind != N_FUNC || e->name == NULL || e->n_list != 1 || e->over != NULL || e->distinct ||
        e->star)
        return NULL;
    return strcasecmp(e->name, "PARSE_TIMESTAMP_ISO8601") == 0  ? SQLX_TS_ISO_KEY_FN
           : strcasecmp(e->name, "PARSE_DATETIME_ISO8601") == 0 ? SQLX_DT_ISO_KEY_FN
                                                                : NULL;
}

/* PARSE_TIMESTAMP_ISO8601(path) or PARSE_DATETIME_ISO8601(path): 1 when the path's function
 * index on its twin (*fn) serves it. Asking is a use: without one, the server builds it for the
 * queries after this one. */
static int indexed_fn(access *ac, const sqlx_node *e, const sqlx_rte **rte, const char **args,
                      const char **fn) {
    sqlx_index ix;
    if ((*fn = index_fn_of(e)) == NULL)
        return 0;
    *rte = access_path(ac, e->list[0], 0, args);
    return function_indexed(*rte, *args, *fn, &ix);
}

/* e an expression of one path of a collection of this block (`CAST(SUBSTR(url, 53) AS int)`,
 * `LOWER(name)`): 1 when that expression's index serves it, *fn its text over the table's doc
 * (the catalog's name of the index). Asking is a use: without one, the server builds it for the
 * queries after this one (unless a document already there fails the expression). */
static int indexed_expr(access *ac, const sqlx_node *e, const sqlx_rte **rte, const char **args,
                        const char **fn) {
    sqlx_index ix;
    if (e->kind == N_PATH || index_fn_of(e) != NULL || /* its twin's, which never fails */
        (*fn = access_expression_key(ac, e, rte, args)) == NULL ||
        !function_indexed(*rte, *args, *fn, &ix)) {
        *fn = NULL;
        return 0;
    }
    return 1;
}

/* The element index serving args on coll: coll, or NULL (asking is a use). */
static const sqlx_rte *elems_of(const sqlx_rte *coll, const char *args, sqlx_index *ix) {
    if (!indexable(coll) || coll->catalog == NULL || coll->catalog->index_for == NULL || !args)
        return NULL;
    return coll->catalog->index_for(coll->catalog->ctx, coll->data_table, SQLX_INDEX_ELEMS, args,
                                    NULL, ix) == 1
               ? coll
               : NULL;
}

/* array RL_FX_MEMBER_SEP 'name','name' for the steps [from, to) of path e (all names), in the
 * arena; NULL when a step is no name. The member path of an array's object elements
 * (fieldindex.h: `labels[*].name` is 'labels',NULL,'name'). */
static const char *member_args(access *ac, const char *array, const sqlx_node *e, int from,
                               int to) {
    rs_buf b = RS_BUF_INIT;
    rs_buf_printf(&b, "%s,NULL", array);
    for (int i = from; i < to; i++) {
        if (e->names[i] == NULL) {
            rs_buf_free(&b);
            return NULL;
        }
        rs_buf_putc(&b, ',');
        rs_buf_quoted(&b, e->names[i], strlen(e->names[i]), '\'');
    }
    const char *text = from < to ? arena_text(ac, &b) : NULL;
    rs_buf_free(&b);
    return text;
}

/* The array an UNNEST of this block reads, when e is one of its elements (u.tag, with
 * UNNEST(t.tags AS tag) AS u) or a member of its object elements (u.l.name with UNNEST(p.labels
 * AS l); u.name with UNNEST(p.labels)), and that array is a collection's path with an element
 * index (a member's by use): the collection, the path (*args: the array's, or the member
 * path's), the index (*ix). */
static const sqlx_rte *unnested_array(access *ac, const sqlx_node *e, const char **args,
                                      sqlx_index *ix) {
    const sqlx_ref *r = e->kind == N_PATH ? e->ref : NULL;
    if (r == NULL || r->kind != SQLX_REF_FIELD || r->rte->kind != SQLX_RTE_UNNEST ||
        r->rte->owner != ac->blk || r->first >= e->n_parts || e->names[r->first] == NULL)
        return NULL;
    const sqlx_from *u = r->rte->from;
    for (int i = 0; i < u->n_arrays; i++) {
        int named = u->names[i] != NULL && strcmp(u->names[i], e->names[r->first]) == 0;
        /* without AS a scalar element reads as `unnest`, an object's members as themselves */
        if (!named &&
            !(u->names[i] == NULL && u->n_arrays == 1 && strcmp(e->names[r->first], "unnest") != 0))
            continue;
        const sqlx_rte *coll = access_path(ac, u->arrays[i], 0, args);
        if (coll != NULL && (!named || r->first + 1 < e->n_parts))
            *args = member_args(ac, *args, e, r->first + named, e->n_parts);
        return elems_of(coll, *args, ix);
    }
    return NULL;
}

/* A collection's path through one array position into its element's member
 * (`r.pull_requests[1].number`): the collection, with the member path of every element (*args),
 * whose element index holds the keys of any element's member (a superset of the position's;
 * by use). */
static const sqlx_rte *element_member(access *ac, const sqlx_node *e, const char **args,
                                      sqlx_index *ix) {
    const sqlx_ref *r = e->kind == N_PATH ? e->ref : NULL;
    int pos = -1;
    if (r == NULL || r->kind != SQLX_REF_FIELD || r->rte->owner != ac->blk)
        return NULL;
    for (int i = r->first; i < e->n_parts; i++) {
        if (e->names[i] != NULL)
            continue;
        if (pos >= 0 || e->index[i]->kind != N_LIT_INT)
            return NULL;
        pos = i;
    }
    if (pos <= r->first || pos + 1 >= e->n_parts)
        return NULL;
    rs_buf b = RS_BUF_INIT;
    for (int i = r->first; i < pos; i++) {
        rs_buf_puts(&b, i > r->first ? "," : "");
        rs_buf_quoted(&b, e->names[i], strlen(e->names[i]), '\'');
    }
    const char *array = arena_text(ac, &b);
    rs_buf_free(&b);
    *args = array != NULL ? member_args(ac, array, e, pos + 1, e->n_parts) : NULL;
    return elems_of(r->rte, *args, ix);
}

/* ---------------- building tests ---------------- */

int access_keylist_add(access *ac, keylist *l, sqlx_keytest *t) {
    if (t == NULL)
        return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 8;
        sqlx_keytest **items = sqlx_alloc(ac->ctx->arena, (size_t)cap * sizeof *items);
        if (items == NULL)
            return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
        if (l->n)
            memcpy(items, l->items, (size_t)l->n * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = t;
    return 0;
}

static sqlx_keytest *new_test(access *ac, sqlx_key_kind kind, const sqlx_rte *rte, const char *args,
                              const sqlx_node *conjunct) {
    sqlx_keytest *t = sqlx_alloc(ac->ctx->arena, sizeof *t);
    if (t != NULL) {
        t->kind = kind;
        t->rte = (sqlx_rte *)rte;
        t->args = args;
        t->conjunct = conjunct;
        t->est = t->count = t->by_keys = -1;
    }
    return t;
}

/* t reads an index of fn over x (fn NULL: the path's own index, whose key is printed from
 * (fn, args), so the expression is not kept). */
static void test_on_fn(sqlx_keytest *t, const char *fn, const sqlx_node *x) {
    t->fn = fn;
    t->expr = fn != NULL ? x : NULL;
}

/* fn(<c>[,extra]) as SQL text (arena), or NULL with the error set. */
static const char *call_text(access *ac, const char *fn, const sqlx_node *c, const char *extra) {
    rs_buf b = RS_BUF_INIT;
    rs_buf_printf(&b, "%s(", fn);
    int rc = sqlx_emit_value(ac->ctx, c, &b, ac->err);
    rs_buf_printf(&b, "%s)", extra != NULL ? extra : "");
    const char *text = rc == 0 ? arena_text(ac, &b) : NULL;
    if (rc == 0 && text == NULL)
        rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    rs_buf_free(&b);
    return text;
}

/* When t decides its conjunct (sqlx_keytest.decides), for its constant c: an equality with an
 * exact constant always (equal keys, equal values); a bound on timestamps (keys_of: ",1")
 * when c is a TIMESTAMP, DATETIME or DATE, which rs_klo / rs_khi then give as the key of its
 * instant: keys of timestamps order as their instants, and Rockset compares those three types
 * by instant. A test with two constants (BETWEEN) needs both. */
static int set_decides(access *ac, sqlx_keytest *t, const sqlx_node *c, int ts) {
    if (t->kind != SQLX_KEY_RANGE || (!ts && t->exact == NULL))
        return 0;
    if (!ts) {
        t->decides = "";
        return 0;
    }
    const char *check = call_text(ac, "rs_instant", c, NULL);
    if (check == NULL)
        return ac->err->code;
    rs_buf b = RS_BUF_INIT;
    if (t->decides != NULL && t->decides[0] != '\0')
        rs_buf_printf(&b, "%s AND ", t->decides);
    rs_buf_puts(&b, check);
    t->decides = arena_text(ac, &b);
    rs_buf_free(&b);
    return t->decides != NULL ? 0 : rs_err_set(ac->err, RS_ENOMEM, "out of memory");
}

/* What t's keys are, of the values that compare with an instant (rs_klo's second argument,
 * runtime/value.h's RV_KEYS_*): ",1" TIMESTAMPs only, for a function index on
 * SQLX_TS_ISO_KEY_FN, _event_time, and a field whose catalog has seen no string and no other
 * typed value there (`created >= PARSE_DATETIME_ISO8601(:start)` on stored timestamps then reads
 * its range, not the whole index); ",2" DATETIMEs only, for a function index on
 * SQLX_DT_ISO_KEY_FN and a field the catalog has seen hold no string and no typed value but
 * DATETIMEs; ",3" no date or time at all (no typed value: ISO strings), where a string that
 * reads as a date is bounded by its own key; ",0" anything. The catalog is read in the snapshot the
 * statement runs in, and a type a write adds to the path moves the store's generation, so a kept
 * translation is not reused past it (xlcache.h). */
static const char *keys_of(const sqlx_keytest *t) {
    sqlx_index ix;
    if (t->fn != NULL)
        return strcmp(t->fn, SQLX_TS_ISO_KEY_FN) == 0   ? ",1"
               : strcmp(t->fn, SQLX_DT_ISO_KEY_FN) == 0 ? ",2"
                                                        : ",0";
    if (t->args == NULL)
        return ",0";
    if (strcmp(t->args, "'_event_time'") == 0)
        return ",1";
    const sqlx_rte *r = t->rte;
    if (t->kind != SQLX_KEY_RANGE || r == NULL || r->catalog == NULL ||
        r->catalog->index_for == NULL ||
        r->catalog->index_for(r->catalog->ctx, r->data_table, SQLX_INDEX_SCALAR, t->args, NULL,
                              &ix) != 1)
        return ",0";
    return ix.timestamps_only ? ",1" : ix.datetimes_only ? ",2" : ix.strings_only ? ",3" : ",0";
}

/* Set one bound of t from `path <op> c`: > and >= bound it below, < and <= above, = both. The
 * function index of PARSE_DATETIME_ISO8601 keeps its conjunct (its keys bound it, decide
 * nothing). */
static int set_bounds(access *ac, sqlx_keytest *t, const char *op, const sqlx_node *c) {
    const char *ts = keys_of(t);
    if (op[0] != '<') {
        if ((t->lo = call_text(ac, "rs_klo", c, ts)) == NULL)
            return ac->err->code;
        t->lo_incl = op[0] == '=' || op[1] == '=';
    }
    if (op[0] != '>') {
        if ((t->hi = call_text(ac, "rs_khi", c, ts)) == NULL)
            return ac->err->code;
        t->hi_incl = op[0] == '=' || op[1] == '=';
    }
    t->equality = op[0] == '=' && (ts[1] == '0' || ts[1] == '3') && t->kind == SQLX_KEY_RANGE;
    if (t->equality && is_exact_constant(ac, c) &&
        (t->exact = call_text(ac, "rs_skey", c, NULL)) == NULL)
        return ac->err->code;
    t->estimable = 1;
    return set_decides(ac, t, c, ts[1] == '1');
}

/* Add the test "an element of the array path args (element index ix) compares by op with c",
 * for conjunct n. */
static int add_elems_test(access *ac, const sqlx_rte *rte, const char *args, const sqlx_index *ix,
                          const sqlx_node *n, const char *op, const sqlx_node *c, keylist *out) {
    sqlx_keytest *t = new_test(ac, SQLX_KEY_ELEMS, rte, args, n);
    if (t == NULL)
        return access_keylist_add(ac, out, t);
    t->elems_table = sqlx_strndup(ac->ctx->arena, ix->elems_table, strlen(ix->elems_table));
    t->path_id = ix->path_id;
    int rc = set_bounds(ac, t, op, c);
    return rc ? rc : access_keylist_add(ac, out, t);
}

/* The path x of DATE_TRUNC(unit, x), or NULL. */
static const sqlx_node *truncated_path(const sqlx_node *e) {
    if (e->kind != N_FUNC || e->name == NULL || strcasecmp(e->name, "DATE_TRUNC") != 0 ||
        e->n_list != 2 || e->over != NULL || e->list[1]->kind != N_PATH)
        return NULL;
    return e->list[1];
}

/* Whether c is DATE_TRUNC by the same unit as trunc (one literal, or one parameter): a bound on
 * that unit's boundaries. */
static int same_truncation(const sqlx_node *trunc, const sqlx_node *c) {
    const sqlx_node *u = trunc->list[0], *v;
    if (c->kind != N_FUNC || c->name == NULL || strcasecmp(c->name, "DATE_TRUNC") != 0 ||
        c->n_list != 2)
        return 0;
    v = c->list[0];
    if (u->kind == N_LIT_STRING && v->kind == N_LIT_STRING)
        return strcasecmp(u->text, v->text) == 0;
    return u->kind == N_PARAM && v->kind == N_PARAM && strcmp(u->name, v->name) == 0;
}

/* The upper bound x < rs_trunc_next(unit, c) of `DATE_TRUNC(unit, x) <= c`: a truncation is
 * at most c exactly when it is at most DATE_TRUNC(unit, c), so when x lies before the boundary
 * after that one. */
static int set_next_bound(access *ac, sqlx_keytest *t, const sqlx_node *trunc, const sqlx_node *c) {
    rs_buf b = RS_BUF_INIT;
    rs_buf_puts(&b, "rs_khi(" SQLX_TRUNC_NEXT_FN "(");
    int rc = sqlx_emit_value(ac->ctx, trunc->list[0], &b, ac->err);
    rs_buf_puts(&b, ",");
    if (rc == 0)
        rc = sqlx_emit_value(ac->ctx, c, &b, ac->err);
    rs_buf_printf(&b, ")%s)", keys_of(t));
    if (rc == 0 && (t->hi = arena_text(ac, &b)) == NULL)
        rc = rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    t->hi_incl = 0;
    rs_buf_free(&b);
    return rc;
}

/* DATE_TRUNC(unit, x) <op> c (`DATE_TRUNC('DAY', date) >= DATE_TRUNC('DAY',
 * PARSE_DATETIME_ISO8601(:startDate))`): a truncation never exceeds its value, so >= and > (and
 * = as >=) bound x below by c itself; below a bound that lies on the unit's boundaries (DATE_TRUNC
 * by the same unit) < bounds x above by it; <= (and =) bound x above by the boundary after c's
 * truncation. The test is a superset of the conjunct's rows, which it decides nothing of. */
static int truncated_test(access *ac, const sqlx_node *n, const sqlx_node *trunc, const char *op,
                          const sqlx_node *c, keylist *out) {
    const sqlx_rte *rte;
    const char *args;
    int next = strcmp(op, "=") == 0 || strcmp(op, "<=") == 0;
    if (indexed_path(ac, truncated_path(trunc), &rte, &args) != 1)
        return 0;
    if (strcmp(op, "<=") == 0)
        op = "<"; /* its bound replaced below */
    else if (strcmp(op, "=") == 0)
        op = ">=";
    else if (strcmp(op, "<") == 0 && !same_truncation(trunc, c))
        return 0;
    else if (strcmp(op, "<") != 0 && op[0] != '>')
        return 0;
    sqlx_keytest *t = new_test(ac, SQLX_KEY_RANGE, rte, args, n);
    if (t == NULL)
        return access_keylist_add(ac, out, t);
    int rc = set_bounds(ac, t, op, c);
    if (rc == 0 && next)
        rc = set_next_bound(ac, t, trunc, c);
    t->decides = NULL;
    t->equality = t->eq = 0;
    t->exact = NULL;
    return rc ? rc : access_keylist_add(ac, out, t);
}

/* The range test of `x <op> c` on rte's index of path args (fn: a function or expression index;
 * expr: the expression of an expression index), for conjunct n. */
static int range_test(access *ac, const sqlx_node *n, const sqlx_rte *rte, const char *args,
                      const char *fn, const sqlx_node *expr, const char *op, const sqlx_node *c,
                      keylist *out) {
    sqlx_keytest *t = new_test(ac, SQLX_KEY_RANGE, rte, args, n);
    if (t == NULL)
        return access_keylist_add(ac, out, t);
    t->fn = fn;
    t->expr = expr;
    int rc = set_bounds(ac, t, op, c);
    return rc ? rc : access_keylist_add(ac, out, t);
}

/* A test of rte's path args that reads nothing, serving conjunct n (written `0`). */
static sqlx_keytest *none_test(access *ac, const sqlx_rte *rte, const char *args,
                               const sqlx_node *n) {
    sqlx_keytest *t = new_test(ac, SQLX_KEY_NONE, rte, args, n);
    if (t != NULL)
        t->estimable = 1;
    return t;
}

/* `path op c`, `path IN (...)`: when no document of the collection has the path (the
 * catalog's path_absent), the comparison holds for none of them (a missing value compares as
 * undefined, which no WHERE keeps), and the relation reads nothing. As Rockset, whose index
 * of every field answers a lookup on a field no document has at once: HUD's filters on
 * push.repository.owner.name read every push to main, on data without that field. */
static int absent_test(access *ac, const sqlx_node *n, const sqlx_node *path, keylist *out) {
    const char *args = NULL;
    const sqlx_rte *rte = access_path(ac, path, 0, &args);
    if (!indexable(rte) || args == NULL || rte->catalog == NULL ||
        rte->catalog->path_absent == NULL ||
        rte->catalog->path_absent(rte->catalog->ctx, rte->data_table, args) != 1)
        return -1;
    return access_keylist_add(ac, out, none_test(ac, rte, args, n));
}

/* absent_test where nothing else serves a conjunct: 0 when the path is there too. */
static int absent_else_none(access *ac, const sqlx_node *n, const sqlx_node *path, keylist *out) {
    int rc = absent_test(ac, n, path, out);
    return rc >= 0 ? rc : 0;
}

/* ---------------- keys known when the statement runs ---------------- */

/* Whether v, a value of the enclosing row, is never a date or time: a path of a collection whose
 * catalog has seen no typed value there. Only such a value compares with a string _id as SQLite
 * compares them (a TIMESTAMP equals the strings that read as its instant). */
static int never_temporal(const sqlx_node *v) {
    sqlx_index ix;
    const sqlx_ref *r = v->kind == N_PATH ? v->ref : NULL;
    if (r == NULL || r->kind != SQLX_REF_FIELD || r->rte == NULL || r->first >= v->n_parts)
        return 0;
    const sqlx_rte *rte = r->rte;
    rs_buf b = RS_BUF_INIT;
    int found = put_path_args(&b, v, r->first, 0) && !b.oom && rte->kind == SQLX_RTE_COLLECTION &&
                rte->data_table != NULL && rte->catalog != NULL &&
                rte->catalog->index_for != NULL &&
                rte->catalog->index_for(rte->catalog->ctx, rte->data_table, SQLX_INDEX_SCALAR,
                                        b.data, NULL, &ix) == 1 &&
                ix.strings_only;
    rs_buf_free(&b);
    return found;
}

/* path <op> v, v a value of the enclosing query's row (fixed_value with paths of enclosing
 * blocks). The test compares
 * the path's key with rs_klo / rs_khi of v (keys_of's kind), printed with the block
 * (sqlx_emit.c); `_id = v` reads the primary key, where v is never a date or time. A
 * correlated subquery (EXISTS (SELECT 1 FROM jobs j WHERE j.run_id = r.id AND ...), a scalar
 * COUNT per run) then reads each enclosing row's few documents through the index where it read
 * the collection once per row. Not counted: its key changes from row to row. -1 when n is no such
 * test. op_left: the operator with the path on the left; op_right: with it on the right. */
static int outer_test(access *ac, const sqlx_node *n, const char *op_left, const char *op_right,
                      keylist *out) {
    for (int side = 0; side < 2; side++) {
        const sqlx_node *path = side ? n->b : n->a, *v = side ? n->a : n->b;
        const char *op = side ? op_right : op_left;
        const sqlx_rte *rte;
        const char *args;
        fixed_reads reads = {0, 0};
        if (!fixed_value(ac, v, &reads) || reads.paths == 0)
            continue;
        int found = indexed_path(ac, path, &rte, &args);
        if (found == 0 || (found == 2 && (op[0] != '=' || !never_temporal(v))))
            continue;
        sqlx_keytest *t = new_test(ac, SQLX_KEY_PROBE, rte, args, n);
        if (t != NULL) {
            t->probe = v;
            t->probe_op = op;
            t->on_id = found == 2;
            t->probe_keys = keys_of(t);
        }
        return access_keylist_add(ac, out, t);
    }
    return -1;
}

/* path IN (SELECT ...), the subquery uncorrelated (SQLite runs it once): the test `key IN (the
 * keys of its rows)` on the path's index (or an expression's), `_id IN (its values)` on the
 * primary key, so that the collection is read by the subquery's few values instead of whole
 * (the jobs of the runs of one SHA). Not counted: the values are known only when it runs. */
static int subquery_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_rte *rte;
    const char *args, *fn = NULL;
    if (n->sub == NULL || n->sub->block == NULL || n->sub->block->correlated ||
        !stable_select(n->sub))
        return 0;
    int found = indexed_path(ac, n->a, &rte, &args);
    if (found == 0 && !indexed_expr(ac, n->a, &rte, &args, &fn))
        return 0;
    sqlx_keytest *t = new_test(ac, SQLX_KEY_PROBE, rte, args, n);
    if (t != NULL) {
        t->sub = n->sub;
        t->on_id = found == 2;
        test_on_fn(t, fn, n->a);
    }
    return access_keylist_add(ac, out, t);
}

/* path <op> c, or c <op> path (flipped), on a field, function, expression or element index,
 * or _id. */
static int comparison_tests(access *ac, const sqlx_node *n, keylist *out) {
    /* the operator as written, as the key test reads it, and with its sides swapped */
    static const char *const ops[][3] = {{"=", "=", "="},    {"==", "=", "="}, {"<", "<", ">"},
                                         {"<=", "<=", ">="}, {">", ">", "<"},  {">=", ">=", "<="}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        if (strcmp(n->op, ops[i][0]) != 0)
            continue;
        const sqlx_rte *rte = NULL;
        const char *args = NULL, *fn = NULL;
        sqlx_index ix;
        int side = 0, found = 0, rc_a = 0, rc_b = 0;
        int const_a = statement_constant(ac, n->a, &rc_a);
        int const_b = statement_constant(ac, n->b, &rc_b);
        if (rc_a || rc_b)
            return rc_a ? rc_a : rc_b;
        if (const_b && (found = indexed_path(ac, n->a, &rte, &args)) != 0)
            side = 1;
        else if (const_a && (found = indexed_path(ac, n->b, &rte, &args)) != 0)
            side = 2;
        if (side == 0 && const_b && indexed_fn(ac, n->a, &rte, &args, &fn))
            side = 1, found = 1;
        else if (side == 0 && const_a && indexed_fn(ac, n->b, &rte, &args, &fn))
            side = 2, found = 1;
        const sqlx_node *c = side == 2 ? n->a : n->b;
        if (found == 2 && i < 2 && is_plain_string(c)) { /* _id = 'x': the primary key */
            sqlx_keytest *t = new_test(ac, SQLX_KEY_ID, rte, "'_id'", n);
            if (t != NULL && (t->value = call_text(ac, "", c, NULL)) == NULL)
                return ac->err->code;
            return access_keylist_add(ac, out, t);
        }
        if (found == 1)
            return range_test(ac, n, rte, args, fn, NULL, ops[i][side], c, out);
        if (found)
            return 0;
        int rc_outer = outer_test(ac, n, ops[i][1], ops[i][2], out);
        if (rc_outer >= 0)
            return rc_outer;
        if (const_b && truncated_path(n->a) != NULL)
            return truncated_test(ac, n, n->a, ops[i][1], n->b, out);
        if (const_a && truncated_path(n->b) != NULL)
            return truncated_test(ac, n, n->b, ops[i][2], n->a, out);
        /* an expression of one path, with its index */
        if (const_b && indexed_expr(ac, n->a, &rte, &args, &fn))
            return range_test(ac, n, rte, args, fn, n->a, ops[i][1], n->b, out);
        if (const_a && indexed_expr(ac, n->b, &rte, &args, &fn))
            return range_test(ac, n, rte, args, fn, n->b, ops[i][2], n->a, out);
        /* a path no document has */
        int rc = -1;
        if ((const_b && (rc = absent_test(ac, n, n->a, out)) >= 0) ||
            (const_a && (rc = absent_test(ac, n, n->b, out)) >= 0))
            return rc;
        /* an UNNESTed element compared with a scalar: the documents whose array holds such an
         * element, from the element index */
        side = 0;
        if (is_scalar_constant(ac, n->b) && ((rte = unnested_array(ac, n->a, &args, &ix)) != NULL ||
                                             (rte = element_member(ac, n->a, &args, &ix)) != NULL))
            side = 1;
        else if (is_scalar_constant(ac, n->a) &&
                 ((rte = unnested_array(ac, n->b, &args, &ix)) != NULL ||
                  (rte = element_member(ac, n->b, &args, &ix)) != NULL))
            side = 2;
        if (side == 0)
            return 0;
        return add_elems_test(ac, rte, args, &ix, n, ops[i][side], side == 1 ? n->b : n->a, out);
    }
    return 0;
}

/* ARRAY_CONTAINS(path, c) with c a scalar: the documents whose array holds c. */
static int contains_test(access *ac, const sqlx_node *n, keylist *out) {
    sqlx_index ix;
    const char *args;
    if (n->fn == NULL || strcasecmp(n->name, "ARRAY_CONTAINS") != 0 || n->n_list != 2 ||
        n->over != NULL || !is_scalar_constant(ac, n->list[1]))
        return 0;
    const sqlx_rte *rte = access_path(ac, n->list[0], 0, &args);
    if (!indexable(rte) || rte->catalog == NULL || rte->catalog->index_for == NULL ||
        rte->catalog->index_for(rte->catalog->ctx, rte->data_table, SQLX_INDEX_ELEMS, args, NULL,
                                &ix) != 1)
        return absent_else_none(ac, n, n->list[0], out); /* of no array: null */
    return add_elems_test(ac, rte, args, &ix, n, "=", n->list[1], out);
}

/* The literal prefix of a LIKE pattern (before any %, _ or backslash), or NULL. */
static char *like_prefix(access *ac, const sqlx_node *pattern) {
    if (pattern->kind != N_LIT_STRING)
        return NULL;
    size_t n = strcspn(pattern->text, "%_\\");
    if (n == 0 || pattern->text[n] == '\0')
        return NULL; /* no prefix, or no wildcard: = serves it */
    return sqlx_strndup(ac->ctx->arena, pattern->text, n);
}

static const char *skey_of_string(access *ac, const char *s) {
    rs_buf b = RS_BUF_INIT;
    rs_buf_puts(&b, "rs_skey(");
    rs_buf_quoted(&b, s, strlen(s), '\'');
    rs_buf_putc(&b, ')');
    const char *text = arena_text(ac, &b);
    rs_buf_free(&b);
    return text;
}

/* LIKE with a constant pattern and no ESCAPE, on a path with a trigram index (asking for it is a
 * use: the server builds it for the next queries when the path holds strings): the documents
 * whose string GLOBs the pattern's rs_like_glob, from the index; the conjunct stays to decide.
 * *added: 1 when the test was added, 0 when the path has no such index (yet). */
static int trigram_test(access *ac, const sqlx_node *n, const sqlx_rte *rte, const char *args,
                        keylist *out, int *added) {
    sqlx_index ix;
    *added = 0;
    if (n->name != NULL || n->c != NULL || !access_is_constant(n->b) || rte->catalog == NULL ||
        rte->catalog->index_for == NULL ||
        rte->catalog->index_for(rte->catalog->ctx, rte->data_table, SQLX_INDEX_FUNCTION, args,
                                SQLX_TRIGRAM_FN, &ix) != 1)
        return 0;
    sqlx_keytest *t = new_test(ac, SQLX_KEY_TRIGRAM, rte, args, n);
    if (t == NULL ||
        (t->elems_table = sqlx_strndup(ac->ctx->arena, ix.name, strlen(ix.name))) == NULL)
        return access_keylist_add(ac, out, NULL);
    if ((t->lo = call_text(ac, "", n->b, NULL)) == NULL)
        return ac->err->code;
    t->fn = SQLX_TRIGRAM_FN;
    t->estimable = 1;
    *added = 1;
    return access_keylist_add(ac, out, t);
}

/* LIKE, ILIKE of a path no document has: of a missing value null (before the pattern is
 * looked at), so true of no document. */
static int like_of_absent(access *ac, const sqlx_node *n, keylist *out) {
    if (!access_is_constant(n->b) || (n->c != NULL && !access_is_constant(n->c)))
        return 0;
    return absent_else_none(ac, n, n->a, out);
}

/* Any other LIKE or ILIKE ('%abc%', a parameter, an expression): the path's trigram index, else
 * the keys of strings. LIKE is true of strings only (of another value it is null, or an error
 * where a scan would reach it, as a range of another key skips a value of another type): on a
 * path that few documents hold as a string (a failure's log line) the range counts those and no
 * others. */
static int like_strings_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_rte *rte;
    const char *args;
    if (n->negated)
        return 0;
    if (indexed_path(ac, n->a, &rte, &args) != 1)
        return like_of_absent(ac, n, out);
    int added = 0, rc = trigram_test(ac, n, rte, args, out, &added);
    if (rc != 0 || added)
        return rc;
    char lo[8], hi[8];
    snprintf(lo, sizeof lo, "X'%02X'", rv_rank(RV_STRING)); /* a key begins with its rank */
    snprintf(hi, sizeof hi, "X'%02X'", rv_rank(RV_STRING) + 1);
    sqlx_keytest *t = new_test(ac, SQLX_KEY_RANGE, rte, args, n);
    if (t == NULL || (t->lo = sqlx_strndup(ac->ctx->arena, lo, strlen(lo))) == NULL ||
        (t->hi = sqlx_strndup(ac->ctx->arena, hi, strlen(hi))) == NULL)
        return access_keylist_add(ac, out, NULL);
    t->lo_incl = 1;
    t->estimable = t->weak = 1;
    return access_keylist_add(ac, out, t);
}

/* LIKE 'abc%': abc <= key < abd (the last byte raised; no upper bound when it is 0xFF). */
static int like_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_rte *rte;
    const char *args;
    char *prefix = n->name == NULL && n->c == NULL ? like_prefix(ac, n->b) : NULL;
    if (prefix == NULL)
        return like_strings_test(ac, n, out);
    if (n->negated)
        return 0;
    if (indexed_path(ac, n->a, &rte, &args) != 1)
        return like_of_absent(ac, n, out);
    size_t len = strlen(prefix);
    sqlx_keytest *t = new_test(ac, SQLX_KEY_RANGE, rte, args, n);
    if (t == NULL || (t->lo = skey_of_string(ac, prefix)) == NULL)
        return access_keylist_add(ac, out, NULL);
    t->lo_incl = 1;
    if ((unsigned char)prefix[len - 1] != 0xFF) {
        prefix[len - 1]++;
        if ((t->hi = skey_of_string(ac, prefix)) == NULL)
            return access_keylist_add(ac, out, NULL);
    }
    t->estimable = 1;
    return access_keylist_add(ac, out, t);
}

/* _id IN ('a', 'b', ...), every value a plain string: the primary key's IN, as _id = 'a' is
 * its equality (the values' text, comma-separated, in value; n_keys of them). */
static int id_list_test(access *ac, const sqlx_node *n, const sqlx_rte *rte, keylist *out) {
    rs_buf all = RS_BUF_INIT;
    for (int i = 0; i < n->n_list; i++)
        if (!is_plain_string(n->list[i]))
            return 0;
    sqlx_keytest *t = new_test(ac, SQLX_KEY_ID, rte, "'_id'", n);
    for (int i = 0; t != NULL && i < n->n_list; i++) {
        const char *v = call_text(ac, "", n->list[i], NULL);
        if (v == NULL) {
            rs_buf_free(&all);
            return ac->err->code;
        }
        rs_buf_printf(&all, "%s%s", i ? "," : "", v);
    }
    if (t != NULL) {
        t->value = arena_text(ac, &all);
        t->n_keys = n->n_list;
    }
    rs_buf_free(&all);
    return access_keylist_add(ac, out, t != NULL && t->value != NULL ? t : NULL);
}

/* x IN (c1, ...): one key each (IN compares as SQL equality of the values); counted key by
 * key (lo and hi, the least key and the greatest, bound it where it is opened or grouped with
 * another test of its path). On an UNNESTed element, the element index; on _id, the primary
 * key. */
static int in_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_rte *rte;
    const char *args, *fn = NULL;
    sqlx_index ix;
    int elems = 0;
    if (n->n_list == 0)
        return 0;
    for (int i = 0; i < n->n_list; i++)
        if (!access_is_constant(n->list[i]))
            return 0;
    int found = indexed_path(ac, n->a, &rte, &args);
    if (found == 2)
        return id_list_test(ac, n, rte, out);
    if (found != 1 && !indexed_expr(ac, n->a, &rte, &args, &fn)) {
        for (int i = 0; i < n->n_list; i++)
            if (!is_scalar_constant(ac, n->list[i]))
                return 0;
        if ((rte = unnested_array(ac, n->a, &args, &ix)) == NULL &&
            (rte = element_member(ac, n->a, &args, &ix)) == NULL)
            return absent_else_none(ac, n, n->a, out);
        elems = 1;
    }
    sqlx_keytest *t = new_test(ac, elems ? SQLX_KEY_ELEMS : SQLX_KEY_IN, rte, args, n);
    const char **keys = sqlx_alloc(ac->ctx->arena, (size_t)n->n_list * sizeof *keys);
    if (t == NULL || keys == NULL)
        return access_keylist_add(ac, out, NULL);
    rs_buf all = RS_BUF_INIT;
    for (int i = 0; i < n->n_list; i++) {
        if ((keys[i] = call_text(ac, "rs_skey", n->list[i], NULL)) == NULL) {
            rs_buf_free(&all);
            return ac->err->code;
        }
        rs_buf_printf(&all, "%s%s", i ? "," : "", keys[i]);
    }
    t->keys = keys;
    t->n_keys = n->n_list;
    test_on_fn(t, fn, n->a);
    if (elems) {
        t->elems_table = sqlx_strndup(ac->ctx->arena, ix.elems_table, strlen(ix.elems_table));
        t->path_id = ix.path_id;
    }
    rs_buf lo = RS_BUF_INIT, hi = RS_BUF_INIT;
    rs_buf_printf(&lo, n->n_list > 1 ? "min(%s)" : "(%s)", rs_buf_cstr(&all));
    rs_buf_printf(&hi, n->n_list > 1 ? "max(%s)" : "(%s)", rs_buf_cstr(&all));
    t->lo = arena_text(ac, &lo);
    t->hi = arena_text(ac, &hi);
    t->lo_incl = t->hi_incl = t->estimable = 1;
    rs_buf_free(&all);
    rs_buf_free(&lo);
    rs_buf_free(&hi);
    return access_keylist_add(ac, out, t->lo && t->hi ? t : NULL);
}

static int between_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_rte *rte;
    const char *args, *fn = NULL;
    if (n->negated || !access_is_constant(n->b) || !access_is_constant(n->c))
        return 0;
    if (indexed_path(ac, n->a, &rte, &args) != 1 && !indexed_expr(ac, n->a, &rte, &args, &fn))
        return absent_else_none(ac, n, n->a, out);
    sqlx_keytest *t = new_test(ac, SQLX_KEY_RANGE, rte, args, n);
    if (t != NULL)
        test_on_fn(t, fn, n->a);
    int rc = t != NULL ? set_bounds(ac, t, ">=", n->b) : 0;
    if (rc == 0 && t != NULL) {
        const char *lo = t->lo;
        rc = set_bounds(ac, t, "<=", n->c);
        t->lo = lo;
        t->lo_incl = 1;
    }
    return rc ? rc : access_keylist_add(ac, out, t);
}

/* x IS NULL, x IS NOT NULL: null and missing share one key, below every other; IS NOT NULL of a
 * path no document has reads nothing. */
static int null_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_rte *rte;
    const char *args;
    if (n->ival != 0 || n->name != NULL)
        return 0;
    if (indexed_path(ac, n->a, &rte, &args) != 1)
        return n->negated ? absent_else_none(ac, n, n->a, out) : 0;
    sqlx_keytest *t = new_test(ac, SQLX_KEY_RANGE, rte, args, n);
    if (t != NULL && n->negated) { /* IS NOT NULL: every key above it (a MIN's first value) */
        t->lo = "rs_skey(NULL)";
        t->estimable = t->weak = 1; /* read only where few documents have the path */
        t->decides = "";
    } else if (t != NULL) {
        t->lo = t->hi = "rs_skey(NULL)";
        t->lo_incl = t->hi_incl = t->eq = t->estimable = 1;
        t->decides = ""; /* the key of null and missing, and of nothing else */
    }
    return access_keylist_add(ac, out, t);
}

/* ---------------- type guards: TYPEOF(path) as ranges of the path's keys ----------------
 *
 * A key begins with its value's rank (runtime/value.h: null and undefined 1, bool 2, numbers 3,
 * string 5, bytes 6, ... u256 16), so a set of types is a set of key ranges. The shape served is
 * what the virtual table sends for the rows Rockset orders unlike SQLite (src/scan/planner.c):
 * NOT (TYPEOF(p) IN ('int', 'string', 'null', 'undefined') OR (TYPEOF(p) = 'float' AND p > A AND
 * p < B)): every rank but the excluded ones, and of the numbers those at or beyond A and B. With
 * several ORDER BY keys, NOT (guard AND guard ...): the ranges of each key's index, ORed. */

#define MAX_GUARDS 8

typedef struct type_guard {
    const sqlx_node *path;
    int types[RV_N_TYPES];
    const sqlx_node *float_lo, *float_hi; /* finite floats (lo, hi) excluded */
} type_guard;

static const sqlx_node *typeof_path(const sqlx_node *n) {
    return n->kind == N_FUNC && n->name != NULL && strcasecmp(n->name, "TYPEOF") == 0 &&
                   n->n_list == 1 && n->list[0]->kind == N_PATH && n->over == NULL
               ? n->list[0]
               : NULL;
}

static int guard_path(type_guard *g, const sqlx_node *p) {
    if (p == NULL || (g->path != NULL && !sqlx_same_node(g->path, p)))
        return 0;
    g->path = p;
    return 1;
}

static int guard_type(type_guard *g, const char *name) {
    rv_type t;
    if (strcmp(name, "undefined") == 0)
        t = RV_UNDEFINED;
    else if (rv_type_from_name(name, &t) != 0)
        return 0;
    g->types[t] = 1;
    return 1;
}

/* TYPEOF(p) = 'float' AND p > A AND p < B (A, B constants), in any order. */
static int guard_finite_floats(type_guard *g, const sqlx_node *n) {
    const sqlx_node *parts[3];
    int is_float = 0;
    if (n->kind != N_BINARY || strcmp(n->op, "AND") != 0 || n->a->kind != N_BINARY ||
        strcmp(n->a->op, "AND") != 0)
        return 0;
    parts[0] = n->a->a;
    parts[1] = n->a->b;
    parts[2] = n->b;
    for (int i = 0; i < 3; i++) {
        const sqlx_node *c = parts[i];
        if (c->kind != N_BINARY)
            return 0;
        if (strcmp(c->op, "=") == 0 && guard_path(g, typeof_path(c->a)) &&
            c->b->kind == N_LIT_STRING && strcmp(c->b->text, "float") == 0)
            is_float = 1;
        else if (strcmp(c->op, ">") == 0 && guard_path(g, c->a) && access_is_constant(c->b))
            g->float_lo = c->b;
        else if (strcmp(c->op, "<") == 0 && guard_path(g, c->a) && access_is_constant(c->b))
            g->float_hi = c->b;
        else
            return 0;
    }
    return is_float && g->float_lo != NULL && g->float_hi != NULL;
}

static int guard_disjunct(type_guard *g, const sqlx_node *n) {
    if (n->kind == N_BINARY && strcmp(n->op, "OR") == 0)
        return guard_disjunct(g, n->a) && guard_disjunct(g, n->b);
    if (n->kind == N_INLIST && !n->negated && guard_path(g, typeof_path(n->a))) {
        for (int i = 0; i < n->n_list; i++)
            if (n->list[i]->kind != N_LIT_STRING || !guard_type(g, n->list[i]->text))
                return 0;
        return 1;
    }
    if (n->kind == N_BINARY && strcmp(n->op, "=") == 0 && guard_path(g, typeof_path(n->a)) &&
        n->b->kind == N_LIT_STRING)
        return guard_type(g, n->b->text);
    return guard_finite_floats(g, n);
}

/* A rank is excluded when every type of it is (null with undefined, int with float). */
static int rank_excluded(const type_guard *g, int rank) {
    if (rank == RV_NULL)
        return g->types[RV_NULL] && g->types[RV_UNDEFINED];
    if (rank == RV_INT)
        return g->types[RV_INT] && g->types[RV_FLOAT];
    return rank < RV_N_TYPES && rank != RV_UNDEFINED && g->types[rank];
}

/* The key ranges one guard leaves: every rank it does not exclude, runs of ranks merged; the
 * numbers' two ends when only finite floats between two bounds are excluded. */
static int guard_ranges(access *ac, const type_guard *g, sqlx_guard_path *gp) {
    gp->ranges = sqlx_alloc(ac->ctx->arena, SQLX_KEY_RANKS * sizeof *gp->ranges);
    if (gp->ranges == NULL)
        return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    int split = g->types[RV_INT] && !g->types[RV_FLOAT] && g->float_lo != NULL;
    for (int r = 1; r < SQLX_KEY_RANKS; r++) {
        sqlx_guard_range *gr = &gp->ranges[gp->n_ranges];
        if (r == RV_INT + 1) /* floats share the numbers' rank */
            continue;
        if (r == RV_INT && split) {
            gr->from = RV_INT;
            gr->to = RV_INT + 1;
            if ((gr->lo = call_text(ac, "", g->float_lo, NULL)) == NULL ||
                (gr->hi = call_text(ac, "", g->float_hi, NULL)) == NULL)
                return ac->err->code;
            gp->n_ranges++;
            continue;
        }
        if (rank_excluded(g, r))
            continue;
        int to = r + 1;
        while (to < SQLX_KEY_RANKS && (to == RV_INT + 1 || !rank_excluded(g, to)) &&
               !(to == RV_INT && split))
            to++;
        gr->from = r;
        gr->to = to;
        gp->n_ranges++;
        r = to - 1;
    }
    return 0;
}

static int guard_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_node *each[MAX_GUARDS];
    type_guard g[MAX_GUARDS];
    int n_guards = 0;
    const sqlx_node *e = n->a;
    const sqlx_rte *rte = NULL;
    while (e->kind == N_BINARY && strcmp(e->op, "AND") == 0 && n_guards < MAX_GUARDS - 1) {
        each[n_guards++] = e->b; /* (A AND B) AND C: C first, then down the left */
        e = e->a;
    }
    each[n_guards++] = e;
    sqlx_guard_path *paths = sqlx_alloc(ac->ctx->arena, (size_t)n_guards * sizeof *paths);
    if (paths == NULL)
        return rs_err_set(ac->err, RS_ENOMEM, "out of memory");
    for (int i = 0; i < n_guards; i++) {
        const sqlx_rte *r = NULL;
        memset(&g[i], 0, sizeof g[i]);
        if (!guard_disjunct(&g[i], each[i]) || g[i].path == NULL ||
            indexed_path(ac, g[i].path, &r, &paths[i].args) != 1 || (rte != NULL && r != rte))
            return 0;
        rte = r;
    }
    sqlx_keytest *t = new_test(ac, SQLX_KEY_GUARD, rte, paths[0].args, n);
    if (t == NULL)
        return access_keylist_add(ac, out, t);
    for (int i = 0; i < n_guards; i++) {
        int rc = guard_ranges(ac, &g[i], &paths[i]);
        if (rc)
            return rc;
    }
    t->guards = paths;
    t->n_guards = n_guards;
    return access_keylist_add(ac, out, t);
}

/* ---------------- OR ---------------- */

static int is_op(const sqlx_node *n, const char *op) {
    return n->kind == N_BINARY && strcmp(n->op, op) == 0;
}

/* The leaves of an AND (or OR) chain, in order. */
static int chain_leaves(access *ac, const sqlx_node *n, const char *op, const sqlx_node **leaves,
                        int *count, int cap) {
    if (is_op(n, op)) {
        int rc = chain_leaves(ac, n->a, op, leaves, count, cap);
        return rc ? rc : chain_leaves(ac, n->b, op, leaves, count, cap);
    }
    if (*count == cap)
        return -1;
    leaves[(*count)++] = n;
    return 0;
}

static int leaf_tests(access *ac, const sqlx_node *n, keylist *out);

/* Whether n is a condition of constants alone (literals, parameters, deterministic functions,
 * the clock): `:numHours = 0`, `:workflowId = 0`. */
static int constant_condition(const sqlx_node *n) {
    for (; n != NULL; n = n->a) {
        if (n->kind == N_PATH || n->kind == N_STAR || n->kind == N_SUBQUERY ||
            n->kind == N_EXISTS || n->kind == N_INSUB || n->sub != NULL || n->over != NULL)
            return 0;
        if (n->kind == N_FUNC && (n->fn == NULL || n->fn->kind != RT_SCALAR ||
                                  (n->fn->flags & (RT_VOLATILE | RT_CLOCK)) == RT_VOLATILE))
            return 0;
        if (!constant_condition(n->b) || !constant_condition(n->c))
            return 0;
        for (int i = 0; i < n->n_list; i++)
            if (!constant_condition(n->list[i]))
                return 0;
    }
    return 1;
}

/* A bound of t that the constant condition `when` opens: (CASE WHEN when THEN <all> ELSE
 * bound END). Every key is above X'' and below X'FFFF' (its first byte, its type's rank, is
 * below 0xFF). */
static const char *opened(access *ac, const char *when, const char *bound, const char *all) {
    rs_buf b = RS_BUF_INIT;
    rs_buf_printf(&b, "(CASE WHEN %s THEN %s ELSE %s END)", when, all, bound);
    const char *text = arena_text(ac, &b);
    rs_buf_free(&b);
    return text;
}

/* An OR reads the union of its arms' tests: a weak test (the strings a LIKE reads) in an arm
 * would make that union as broad, so it takes no part in one. */
static void drop_weak(keylist *l) {
    int k = 0;
    for (int i = 0; i < l->n; i++)
        if (!l->items[i]->weak)
            l->items[k++] = l->items[i];
    l->n = k;
}

/* `x >= :since OR :hours = 0`, how dashboards make a filter optional: the range tests of the
 * one arm that reads documents, each bound opened when the other arms' constant condition
 * holds (then every key is in range, and the index reads everything, as a scan would); an IN
 * list (`ARRAY_CONTAINS(SPLIT(:states, ','), state) OR :states = ''`) as the range from its
 * least key to its greatest. The test decides nothing: the conjunct stays. */
static int opened_tests(access *ac, const sqlx_node *n, const sqlx_node *const *arms, int n_arms,
                        int reads, keylist *out) {
    const sqlx_node *leaves[MAX_OR_ARMS];
    keylist tests = {NULL, 0, 0};
    rs_buf when = RS_BUF_INIT;
    int n_leaves = 0, rc = 0;
    if (chain_leaves(ac, arms[reads], "AND", leaves, &n_leaves, MAX_OR_ARMS) != 0)
        return 0;
    for (int i = 0; i < n_leaves && rc == 0; i++)
        rc = leaf_tests(ac, leaves[i], &tests);
    for (int a = 0; a < n_arms && rc == 0; a++) {
        const char *c = a == reads ? NULL : call_text(ac, "rs_truth", arms[a], NULL);
        if (a != reads && c == NULL)
            rc = ac->err->code;
        else if (c != NULL)
            rs_buf_printf(&when, "%s%s", when.len ? " OR " : "", c);
    }
    const char *w = rc == 0 ? arena_text(ac, &when) : NULL;
    rs_buf_free(&when);
    drop_weak(&tests);
    for (int i = 0; rc == 0 && w != NULL && i < tests.n; i++) {
        const sqlx_keytest *t = tests.items[i];
        int range =
            t->kind == SQLX_KEY_RANGE || (t->kind == SQLX_KEY_IN && t->lo != NULL && t->hi != NULL);
        sqlx_keytest *u = range ? sqlx_alloc(ac->ctx->arena, sizeof *u) : NULL;
        if (!range)
            continue;
        if (u == NULL)
            return access_keylist_add(ac, out, NULL);
        *u = *t;
        u->kind = SQLX_KEY_RANGE;
        u->keys = NULL;
        u->n_keys = 0;
        u->conjunct = n;
        u->eq = u->equality = 0;
        u->exact = u->decides = NULL;
        u->not_null = NULL;
        u->likelihood = 0;
        if ((t->lo != NULL && (u->lo = opened(ac, w, t->lo, "X''")) == NULL) ||
            (t->hi != NULL && (u->hi = opened(ac, w, t->hi, "X'FFFF'")) == NULL))
            return access_keylist_add(ac, out, NULL);
        rc = access_keylist_add(ac, out, u);
    }
    return rc ? rc : (w == NULL ? rs_err_set(ac->err, RS_ENOMEM, "out of memory") : 0);
}

/* A test of l that reads nothing (a path no document has), or NULL. */
static const sqlx_keytest *reads_none(const keylist *l) {
    for (int i = 0; i < l->n; i++)
        if (l->items[i]->kind == SQLX_KEY_NONE)
            return l->items[i];
    return NULL;
}

/* A OR B OR ...: when every arm has a key test on one collection, the OR of those tests (each
 * arm the AND of its tests there), which SQLite reads as a multi-index OR; when every arm but
 * one is a constant condition, that arm's range tests, opened by it (opened_tests). */
static int or_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_node *arms[MAX_OR_ARMS], *leaves[MAX_OR_ARMS];
    keylist per_arm[MAX_OR_ARMS];
    int n_arms = 0, rc, reads = -1, constants = 0;
    if (chain_leaves(ac, n, "OR", arms, &n_arms, MAX_OR_ARMS) != 0)
        return 0;
    for (int a = 0; a < n_arms; a++) {
        if (constant_condition(arms[a]))
            constants++;
        else
            reads = reads == -1 ? a : -2;
    }
    if (constants > 0)
        return reads >= 0 ? opened_tests(ac, n, arms, n_arms, reads, out) : 0;
    memset(per_arm, 0, sizeof per_arm);
    const sqlx_keytest *none = NULL;
    int live = 0; /* per_arm[0..live): the arms that may hold for some document */
    for (int a = 0; a < n_arms; a++) {
        int n_leaves = 0;
        if (chain_leaves(ac, arms[a], "AND", leaves, &n_leaves, MAX_OR_ARMS) != 0)
            return 0;
        for (int i = 0; i < n_leaves; i++)
            if ((rc = leaf_tests(ac, leaves[i], &per_arm[live])) != 0)
                return rc;
        drop_weak(&per_arm[live]);
        const sqlx_keytest *arm_none = reads_none(&per_arm[live]);
        if (arm_none != NULL) { /* an arm true of no document adds none to the union */
            none = arm_none;
            memset(&per_arm[live], 0, sizeof per_arm[live]);
            continue;
        }
        if (per_arm[live++].n == 0)
            return 0;
    }
    if (live == 0) /* true of no document */
        return access_keylist_add(ac, out, none_test(ac, none->rte, none->args, n));
    n_arms = live;
    for (int c = 0; c < per_arm[0].n; c++) { /* a collection every arm has a test on */
        const sqlx_rte *rte = per_arm[0].items[c]->rte;
        int everywhere = 1;
        for (int a = 1; a < n_arms && everywhere; a++) {
            everywhere = 0;
            for (int i = 0; i < per_arm[a].n; i++)
                everywhere |= per_arm[a].items[i]->rte == rte;
        }
        if (!everywhere)
            continue;
        sqlx_keytest *t = new_test(ac, SQLX_KEY_OR, rte, NULL, n);
        sqlx_keytest ***lists = sqlx_alloc(ac->ctx->arena, (size_t)n_arms * sizeof *lists);
        if (t == NULL || lists == NULL)
            return access_keylist_add(ac, out, NULL);
        for (int a = 0; a < n_arms; a++) {
            int k = 0;
            lists[a] = sqlx_alloc(ac->ctx->arena, (size_t)(per_arm[a].n + 1) * sizeof **lists);
            if (lists[a] == NULL)
                return access_keylist_add(ac, out, NULL);
            for (int i = 0; i < per_arm[a].n; i++)
                if (per_arm[a].items[i]->rte == rte)
                    lists[a][k++] = per_arm[a].items[i];
        }
        t->arms = lists;
        t->n_arms = n_arms;
        return access_keylist_add(ac, out, t);
    }
    return 0;
}

/* ARRAY_CONTAINS(SPLIT(c, sep), path), how dashboards pass a list (`:shas` of commas): path (or
 * an expression of one path, on its expression index) is one of the list's strings. Every element
 * of a SPLIT is a string, whose key is equal exactly where the strings are, so the test is `key IN
 * (the elements' keys)` on the path's index, the elements read from the list's JSON text (rsf_split
 * writes them escaped; json_each reads them back as text); counted key by key, as in_test's. The
 * conjunct stays. */
static int split_membership_test(access *ac, const sqlx_node *n, keylist *out) {
    const sqlx_rte *rte;
    const char *args, *fn = NULL;
    const sqlx_node *list = n->list[0];
    if (list->kind != N_FUNC || list->fn == NULL || strcasecmp(list->name, "SPLIT") != 0 ||
        list->n_list != 2 || !access_is_constant(list))
        return 0;
    if (indexed_path(ac, n->list[1], &rte, &args) != 1 &&
        !indexed_expr(ac, n->list[1], &rte, &args, &fn)) /* a SPLIT holds strings, no missing */
        return absent_else_none(ac, n, n->list[1], out);
    const char *json = call_text(ac, "CAST", list, " AS TEXT");
    if (json == NULL)
        return ac->err->code;
    rs_buf b = RS_BUF_INIT;
    const char **keys = sqlx_alloc(ac->ctx->arena, sizeof *keys);
    sqlx_keytest *t = new_test(ac, SQLX_KEY_IN, rte, args, n);
    rs_buf_printf(&b, "SELECT rs_skey(value) FROM json_each(%s)", json);
    if (keys != NULL && t != NULL && (keys[0] = arena_text(ac, &b)) != NULL) {
        rs_buf_reset(&b);
        rs_buf_printf(&b, "(SELECT min(rs_skey(value)) FROM json_each(%s))", json);
        t->lo = arena_text(ac, &b);
        rs_buf_reset(&b);
        rs_buf_printf(&b, "(SELECT max(rs_skey(value)) FROM json_each(%s))", json);
        t->hi = arena_text(ac, &b);
        t->keys = keys;
        t->n_keys = 1;
        t->keys_query = 1;
        test_on_fn(t, fn, n->list[1]);
        t->lo_incl = t->hi_incl = t->estimable = 1;
    }
    rs_buf_free(&b);
    return access_keylist_add(ac, out, t != NULL && t->lo != NULL && t->hi != NULL ? t : NULL);
}

/* ARRAY_CONTAINS: an array path holding a constant (the element index), or a path (or an
 * expression of one) one of a constant list's strings. */
static int membership_tests(access *ac, const sqlx_node *n, keylist *out) {
    if (n->fn == NULL || strcasecmp(n->name, "ARRAY_CONTAINS") != 0 || n->n_list != 2 ||
        n->over != NULL)
        return 0;
    return n->list[0]->kind == N_FUNC ? split_membership_test(ac, n, out)
                                      : contains_test(ac, n, out);
}

static int leaf_tests(access *ac, const sqlx_node *n, keylist *out) {
    switch (n->kind) {
    case N_BINARY:
        if (strcmp(n->op, "OR") == 0)
            return or_test(ac, n, out);
        return comparison_tests(ac, n, out);
    case N_UNARY:
        return strcmp(n->op, "NOT") == 0 ? guard_test(ac, n, out) : 0;
    case N_LIKE:
        return like_test(ac, n, out);
    case N_ISNULL:
        return null_test(ac, n, out);
    case N_BETWEEN:
        return between_test(ac, n, out);
    case N_INLIST:
        return n->negated ? 0 : in_test(ac, n, out);
    case N_INSUB:
        return n->negated ? 0 : subquery_test(ac, n, out);
    case N_FUNC:
        return membership_tests(ac, n, out);
    default:
        return 0;
    }
}

int access_conjunct_tests(access *ac, const sqlx_node *c, keylist *out) {
    return leaf_tests(ac, c, out);
}
