/*
 * sqlx_rules.c - rewrites on the logical plan (sqlx_rules.h): conditions of parameters
 * decided, predicates pushed into derived relations.
 *
 * A conjunct `d.x = :v` on a derived relation d (SELECT ..., a.b AS x, ... FROM c AS a) is
 * rewritten in d's own names (`a.b = :v`, the select item for each output it reads) and moved
 * into d's WHERE, where the access paths give it a key test on c's index; the outer query no
 * longer tests it. The rewritten conjunct shares the item's bound expression, so it reads
 * exactly what d's output held: a field d's row does not have is undefined on both sides.
 *
 * The rule applies until nothing moves (a WITH query's body may be reached after its own
 * relations were looked at), each conjunct moving at most once per level.
 */
#include "sqlx_rules.h"
#include "server/runtime/catalog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_PASSES 8

typedef struct rules {
    sqlx_ctx *ctx;
    rs_err *err;
    int moved;
} rules;

/* ---------------- what a derived query outputs ---------------- */

/* Whether n has a subquery, a window call, an aggregate or a volatile function (the clock,
 * one value for the whole statement, is none). */
static int impure(const sqlx_node *n) {
    for (; n != NULL; n = n->a) {
        if (n->sub != NULL || n->over != NULL || sqlx_is_aggregate_call(n) ||
            (n->kind == N_FUNC && n->fn != NULL &&
             (n->fn->flags & (RT_VOLATILE | RT_CLOCK)) == RT_VOLATILE))
            return 1;
        if (n->kind == N_FUNC && n->fn == NULL && n->bound_path == NULL)
            return 1; /* GROUPING(), or FIELD() not known */
        if (impure(n->b) || impure(n->c))
            return 1;
        for (int i = 0; i < n->n_list; i++)
            if (impure(n->list[i]))
                return 1;
        for (int i = 0; n->kind == N_PATH && i < n->n_parts; i++)
            if (n->names[i] == NULL && impure(n->index[i]))
                return 1;
    }
    return 0;
}

/* The position of the last item of `names` (a SELECT core) whose output name is name, or -1;
 * -1 as well when a '*' stands after it (its documents may bring the name too). */
static int output_position(rules *ru, const sqlx_select *names, const char *name, int *star) {
    int at = -1;
    *star = -1;
    for (int i = 0; i < names->n_items; i++) {
        const sqlx_item *it = &names->items[i];
        if (it->expr->kind == N_STAR) {
            *star = i;
            continue;
        }
        const char *out = sqlx_item_name(ru->ctx->arena, it, i);
        if (out != NULL && strcmp(out, name) == 0)
            at = i;
    }
    return *star > at ? -1 : at;
}

/* A '*' of one relation that leaves name in: that relation. */
static const sqlx_rte *star_relation(const sqlx_select *core, const sqlx_node *star,
                                     const char *name) {
    const sqlx_block *blk = core->block;
    const sqlx_rte *found = NULL;
    if (star->a != NULL || star->bound_path != NULL)
        return NULL;
    for (int k = 0; k < star->n_except; k++)
        if (strcmp(star->except[k], name) == 0)
            return NULL;
    for (int i = 0; i < blk->n_rels; i++) {
        if (star->name != NULL &&
            (blk->rels[i]->name == NULL || strcmp(blk->rels[i]->name, star->name) != 0))
            continue;
        if (found != NULL)
            return NULL; /* two relations: which one's field wins depends on each row */
        found = blk->rels[i];
    }
    return found;
}

/* Whether e is one of core's GROUP BY keys (a filter on a key commutes with grouping). */
static int is_group_key(const sqlx_select *core, const sqlx_node *e) {
    for (int k = 0; k < core->n_group; k++) {
        int alias;
        const sqlx_node *key = sqlx_bound_target(core, core->group[k], &alias);
        if (sqlx_bound_same(e, 0, key, alias))
            return 1;
    }
    return 0;
}

/* Whether a conjunct may move below core's own clauses at all. */
static int core_accepts(const sqlx_select *core) {
    if (core->compound_op != NULL || core->limit != NULL || core->offset != NULL ||
        core->n_gsets > 0 || core->block == NULL || core->block->plan == NULL)
        return 0;
    if (!core->grouped && sqlx_selects_aggregate(core))
        return 0; /* one row of all: a filter below changes it */
    for (int i = 0; i < core->n_items; i++)
        if (core->items[i].expr->kind != N_STAR && sqlx_first_window_call(core->items[i].expr))
            return 0;
    return 1;
}

/* ---------------- rewriting ---------------- */

static sqlx_node *copy_node(rules *ru, const sqlx_node *n) {
    sqlx_node *c = sqlx_alloc(ru->ctx->arena, sizeof *c);
    if (c != NULL)
        *c = *n;
    return c;
}

/* path = item expression + the rest of the outer path's steps. */
static sqlx_node *extend_path(rules *ru, const sqlx_node *item, const sqlx_node *outer, int from) {
    int rest = outer->n_parts - from, n = item->n_parts + rest;
    sqlx_node *p = copy_node(ru, item);
    const char **names = sqlx_alloc(ru->ctx->arena, (size_t)n * sizeof *names);
    sqlx_node **index = sqlx_alloc(ru->ctx->arena, (size_t)n * sizeof *index);
    if (p == NULL || names == NULL || index == NULL)
        return NULL;
    for (int i = 0; i < item->n_parts; i++) {
        names[i] = item->names[i];
        index[i] = item->index[i];
    }
    for (int i = 0; i < rest; i++) {
        names[item->n_parts + i] = outer->names[from + i];
        index[item->n_parts + i] = outer->index[from + i];
    }
    p->names = names;
    p->index = index;
    p->n_parts = n;
    return p;
}

/* A path of the star's relation: name and the rest of the outer path. */
static sqlx_node *star_path(rules *ru, const sqlx_rte *r, const sqlx_node *outer, int from) {
    sqlx_node *p = copy_node(ru, outer);
    sqlx_ref *ref = sqlx_alloc(ru->ctx->arena, sizeof *ref);
    if (p == NULL || ref == NULL)
        return NULL;
    ref->kind = SQLX_REF_FIELD;
    ref->rte = (sqlx_rte *)r;
    ref->first = from;
    p->ref = ref;
    p->alias_ref = NULL;
    return p;
}

/* The expression of core (an arm named after `names`) that output field `name` holds, with
 * the outer path's steps after it; NULL when it cannot be said. */
static sqlx_node *output_expr(rules *ru, const sqlx_select *core, const sqlx_select *names,
                              const sqlx_node *outer, int first) {
    const char *name = outer->names[first];
    int star, at = output_position(ru, names, name, &star);
    for (int i = first + 1; i < outer->n_parts; i++)
        if (outer->names[i] == NULL && outer->index[i]->kind != N_LIT_INT)
            return NULL;
    if (at < 0 && star >= 0 && names == core) {
        const sqlx_rte *r = star_relation(core, core->items[star].expr, name);
        return r != NULL && !core->grouped ? star_path(ru, r, outer, first) : NULL;
    }
    if (at < 0 || at >= core->n_items || core->items[at].expr->kind == N_STAR)
        return NULL;
    const sqlx_node *e = core->items[at].expr;
    if (impure(e) || (core->grouped && !is_group_key(core, e)))
        return NULL;
    if (first + 1 == outer->n_parts)
        return (sqlx_node *)e;
    if (e->kind != N_PATH || e->ref == NULL || e->ref->kind != SQLX_REF_FIELD)
        return NULL;
    return extend_path(ru, e, outer, first + 1);
}

/* The conjunct e (reading derived relation d only) in core's names; NULL when it cannot be. */
static sqlx_node *rewrite(rules *ru, const sqlx_node *e, const sqlx_rte *d, const sqlx_select *core,
                          const sqlx_select *names) {
    if (e == NULL)
        return NULL;
    if (e->kind == N_PATH) {
        const sqlx_ref *r = e->ref;
        if (r == NULL)
            return NULL;
        if (r->kind == SQLX_REF_UNDEFINED)
            return (sqlx_node *)e;
        if (r->kind != SQLX_REF_FIELD || r->rte != d || e->names[r->first] == NULL)
            return NULL;
        return output_expr(ru, core, names, e, r->first);
    }
    if (e->sub != NULL || e->over != NULL || (e->kind == N_FUNC && e->fn == NULL) ||
        (e->kind == N_FUNC && (e->fn->flags & (RT_VOLATILE | RT_CLOCK)) == RT_VOLATILE))
        return NULL;
    if (e->a == NULL && e->b == NULL && e->c == NULL && e->n_list == 0)
        return (sqlx_node *)e; /* literals, parameters, calls without arguments */
    sqlx_node *c = copy_node(ru, e);
    if (c == NULL)
        return NULL;
    if ((e->a && !(c->a = rewrite(ru, e->a, d, core, names))) ||
        (e->b && !(c->b = rewrite(ru, e->b, d, core, names))) ||
        (e->c && !(c->c = rewrite(ru, e->c, d, core, names))))
        return NULL;
    if (e->n_list > 0) {
        c->list = sqlx_alloc(ru->ctx->arena, (size_t)e->n_list * sizeof *c->list);
        if (c->list == NULL)
            return NULL;
        for (int i = 0; i < e->n_list; i++)
            if (!(c->list[i] = rewrite(ru, e->list[i], d, core, names)))
                return NULL;
    }
    return c;
}

/* ---------------- moving ---------------- */

/* The WHERE filter of core's block, made when it has none. */
static sqlx_op *where_of(rules *ru, sqlx_block *blk) {
    sqlx_op *f = sqlx_plan_find(blk, SQLX_OP_FILTER, 0);
    if (f != NULL)
        return f;
    sqlx_op *from = sqlx_plan_from(blk), *above = blk->plan;
    while (above != NULL && above->input != from)
        above = above->input;
    if (above == NULL || (f = sqlx_alloc(ru->ctx->arena, sizeof *f)) == NULL)
        return NULL;
    f->kind = SQLX_OP_FILTER;
    f->block = blk;
    f->input = from;
    above->input = f;
    return f;
}

static int add_to(rules *ru, const sqlx_select *core, sqlx_node *e) {
    sqlx_op *f = where_of(ru, core->block);
    if (f == NULL || sqlx_conjs_add(ru->ctx->arena, &f->conj, e, core->block))
        return rs_err_set(ru->err, RS_ENOMEM, "out of memory");
    f->conj.items[f->conj.n - 1].pushed = 1;
    return 0;
}

#define MAX_ARMS 64

/* The SELECT cores of a UNION [ALL] (every arm), or of a plain query; 0 when a conjunct cannot
 * go below it. */
static int arms_of(const sqlx_select *s, const sqlx_select **arms, int *n) {
    if (s->compound_op == NULL) {
        if (*n == MAX_ARMS || !core_accepts(s))
            return 0;
        arms[(*n)++] = s;
        return 1;
    }
    if (s->n_ctes || s->limit != NULL || s->offset != NULL ||
        (strcmp(s->compound_op, "UNION ALL") != 0 && strcmp(s->compound_op, "UNION") != 0))
        return 0;
    return arms_of(s->left, arms, n) && arms_of(s->right, arms, n);
}

/* Move e (reading only derived relation d) into d's query; 1 when moved. */
static int push_into(rules *ru, const sqlx_node *e, const sqlx_rte *d, int *rc) {
    const sqlx_select *q = d->kind == SQLX_RTE_CTE ? (d->cte->n_refs == 1 ? d->cte->sel : NULL)
                           : d->kind == SQLX_RTE_VIEW || d->kind == SQLX_RTE_SUBQUERY ? d->body
                                                                                      : NULL;
    const sqlx_select *arms[MAX_ARMS];
    sqlx_node *moved[MAX_ARMS];
    int n = 0;
    if (q == NULL || !arms_of(q, arms, &n))
        return 0;
    const sqlx_select *names = sqlx_leftmost_core(q);
    for (int i = 0; i < n; i++)
        if ((moved[i] = rewrite(ru, e, d, arms[i], i == 0 ? arms[i] : names)) == NULL)
            return ru->ctx->arena->oom ? (*rc = rs_err_set(ru->err, RS_ENOMEM, "out of memory"), 0)
                                       : 0;
    for (int i = 0; i < n && *rc == 0; i++)
        *rc = add_to(ru, arms[i], moved[i]);
    return *rc == 0;
}

/* The relations of a FROM tree an outer join may fill with nulls: a WHERE conjunct on them
 * cannot move below the join. */
static void nullable(const sqlx_op *op, int below_null, uint64_t *mask) {
    if (op->kind != SQLX_OP_JOIN) {
        if (below_null && op->rte != NULL)
            *mask |= (uint64_t)1 << op->rte->pos;
        return;
    }
    const char *t = op->from->join_type;
    int left_null = strncmp(t, "RIGHT", 5) == 0 || strncmp(t, "FULL", 4) == 0;
    int right_null = strncmp(t, "LEFT", 4) == 0 || strncmp(t, "FULL", 4) == 0;
    nullable(op->left, below_null || left_null, mask);
    nullable(op->right, below_null || right_null, mask);
}

static int single_rel(const sqlx_conj *c) {
    if (c->gone || c->other || c->rels == 0 || (c->rels & (c->rels - 1)) != 0)
        return -1;
    for (int i = 0; i < 64; i++)
        if (c->rels == (uint64_t)1 << i)
            return i;
    return -1;
}

static int push_list(rules *ru, sqlx_block *blk, sqlx_conjs *l, uint64_t allowed) {
    int rc = 0;
    for (int i = 0; i < l->n && rc == 0; i++) {
        int at = single_rel(&l->items[i]);
        if (at < 0 || !(allowed >> at & 1))
            continue;
        if (push_into(ru, l->items[i].expr, blk->rels[at], &rc)) {
            l->items[i].gone = 1;
            ru->moved++;
        }
    }
    return rc;
}

/* The leaves of op's subtree reached through inner joins only. */
static uint64_t inner_leaves(const sqlx_op *op) {
    if (op->kind != SQLX_OP_JOIN)
        return op->rte != NULL ? (uint64_t)1 << op->rte->pos : 0;
    if (strcmp(op->from->join_type, "JOIN") != 0 && strcmp(op->from->join_type, "CROSS JOIN"))
        return 0;
    return inner_leaves(op->left) | inner_leaves(op->right);
}

/* ON conjuncts: of an inner join, onto its sides' relations; of a LEFT JOIN, onto its right
 * relation (filtering the side that gets nulls before the join is what ON means). */
static int push_on(rules *ru, sqlx_block *blk, sqlx_op *op) {
    if (op->kind != SQLX_OP_JOIN)
        return 0;
    int rc = push_on(ru, blk, op->left);
    if (rc == 0)
        rc = push_on(ru, blk, op->right);
    const char *t = op->from->join_type;
    uint64_t allowed = strcmp(t, "JOIN") == 0 ? inner_leaves(op)
                       : strncmp(t, "LEFT", 4) == 0 && op->right->kind != SQLX_OP_JOIN
                           ? (uint64_t)1 << op->right->rte->pos
                           : 0;
    return rc == 0 && allowed ? push_list(ru, blk, &op->conj, allowed) : rc;
}

static int push_block(rules *ru, sqlx_block *blk) {
    sqlx_op *from = sqlx_plan_from(blk), *where = sqlx_plan_find(blk, SQLX_OP_FILTER, 0);
    uint64_t nulls = 0;
    if (from == NULL)
        return 0;
    nullable(from, 0, &nulls);
    int rc = where != NULL ? push_list(ru, blk, &where->conj, ~nulls) : 0;
    return rc ? rc : push_on(ru, blk, from);
}

/* ---------------- conditions of parameters, decided ----------------
 *
 * Dashboards write an optional filter as `(j.conclusion = :conclusion OR :conclusion = '')`,
 * the empty value meaning "any". SQLite tests such an OR on every row, reading the document for
 * its first arm, and no index serves it (its other arm has no key test). A request's parameters
 * are known when its statement is translated (a translation is kept per parameter values), so a
 * comparison of parameters and literals whose answer is plain, two strings or two integers
 * equal or not, is decided here: an OR with a true arm holds for every row and leaves the WHERE,
 * a false arm leaves its OR, and the rest is tested as written, through an index where it has
 * one (an AND the same way round). Anything else keeps its conjunct as written; so does a saved
 * lambda's translation at save time, which has no values. */

typedef struct known {
    int is_int;
    const char *text; /* a string's bytes */
    long long ival;
} known;

static int parse_int(const char *text, long long *out) {
    char *end;
    errno = 0;
    *out = text != NULL ? strtoll(text, &end, 10) : 0;
    return text != NULL && errno == 0 && end != text && *end == '\0';
}

/* A literal string or integer, or a parameter given as one, in *k; 0 otherwise. */
static int known_value(const rules *ru, const sqlx_node *n, known *k) {
    const char *type = NULL, *text;
    memset(k, 0, sizeof *k);
    switch (n->kind) {
    case N_LIT_STRING:
        k->text = n->text;
        return k->text != NULL;
    case N_LIT_INT:
        return (k->is_int = parse_int(n->text, &k->ival));
    case N_PARAM:
        if (ru->ctx->param_value == NULL || n->name == NULL ||
            (text = ru->ctx->param_value(ru->ctx->param_ctx, n->name, &type)) == NULL)
            return 0;
        if (type != NULL && strcasecmp(type, "string") == 0) {
            k->text = text;
            return 1;
        }
        return type != NULL && strcasecmp(type, "int") == 0 &&
               (k->is_int = parse_int(text, &k->ival));
    default:
        return 0;
    }
}

/* 1 or 0 when n is `a = b` or `a <> b` of two known values of one type; -1 otherwise. */
static int decided(const rules *ru, const sqlx_node *n) {
    known a, b;
    if (n->kind == N_UNARY && n->op != NULL && strcasecmp(n->op, "NOT") == 0) {
        int t = decided(ru, n->a);
        return t < 0 ? t : !t;
    }
    if (n->kind != N_BINARY || (strcmp(n->op, "=") != 0 && strcmp(n->op, "<>") != 0) ||
        !known_value(ru, n->a, &a) || !known_value(ru, n->b, &b) || a.is_int != b.is_int)
        return -1;
    int equal = a.is_int ? a.ival == b.ival : strcmp(a.text, b.text) == 0;
    return strcmp(n->op, "=") == 0 ? equal : !equal;
}

/* n with its decided parts taken out; *truth 1 or 0 when all of n is decided (the result is then
 * NULL), -1 otherwise. NULL with *truth -1: out of memory. */
static const sqlx_node *fold(rules *ru, const sqlx_node *n, int *truth) {
    int is_or = n->kind == N_BINARY && strcmp(n->op, "OR") == 0;
    if (!is_or && (n->kind != N_BINARY || strcmp(n->op, "AND") != 0)) {
        *truth = decided(ru, n);
        return *truth < 0 ? n : NULL;
    }
    int ta, tb;
    const sqlx_node *a = fold(ru, n->a, &ta), *b = fold(ru, n->b, &tb);
    if ((a == NULL && ta < 0) || (b == NULL && tb < 0))
        return *truth = -1, NULL;
    *truth = -1;
    if (ta == is_or || tb == is_or) /* an OR's true arm, an AND's false one */
        return *truth = is_or, NULL;
    if (ta >= 0) /* the other value of the two: the rest is the other side */
        return *truth = tb, b;
    if (tb >= 0)
        return a;
    if (a == n->a && b == n->b)
        return n;
    sqlx_node *copy = sqlx_alloc(ru->ctx->arena, sizeof *copy);
    if (copy == NULL)
        return NULL;
    *copy = *n;
    copy->a = (sqlx_node *)a;
    copy->b = (sqlx_node *)b;
    return copy;
}

static int fold_block(rules *ru, sqlx_block *blk) {
    sqlx_op *where = sqlx_plan_find(blk, SQLX_OP_FILTER, 0);
    for (int i = 0; where != NULL && i < where->conj.n; i++) {
        sqlx_conj *c = &where->conj.items[i];
        int truth;
        if (c->gone)
            continue;
        const sqlx_node *rest = fold(ru, c->expr, &truth);
        if (rest == NULL && truth < 0)
            return rs_err_set(ru->err, RS_ENOMEM, "out of memory");
        if (truth == 1) {
            c->gone = c->decided = 1; /* true of every row */
        } else if (truth == 0) {
            sqlx_node *no = sqlx_node_new(ru->ctx->arena, N_LIT_BOOL, c->expr);
            if (no == NULL)
                return rs_err_set(ru->err, RS_ENOMEM, "out of memory");
            c->expr = no; /* ival 0: false */
        } else {
            c->expr = rest;
        }
    }
    return 0;
}

int sqlx_rules_apply(sqlx_ctx *ctx, rs_err *err) {
    rules ru = {ctx, err, 0};
    sqlx_bound *bd = ctx->bound;
    for (int i = 0; ctx->param_value != NULL && i < bd->n_blocks; i++) {
        if (bd->blocks[i]->sel == NULL || bd->blocks[i]->plan == NULL)
            continue;
        int rc = fold_block(&ru, bd->blocks[i]);
        if (rc)
            return rc;
    }
    for (int pass = 0; pass < MAX_PASSES; pass++) {
        ru.moved = 0;
        for (int i = 0; i < bd->n_blocks; i++) {
            if (bd->blocks[i]->sel == NULL || bd->blocks[i]->plan == NULL)
                continue;
            int rc = push_block(&ru, bd->blocks[i]);
            if (rc)
                return rc;
        }
        if (ru.moved == 0)
            break;
    }
    return 0;
}
