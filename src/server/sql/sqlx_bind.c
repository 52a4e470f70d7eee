/*
 * sqlx_bind.c - the binder's queries, FROM items and names (sqlx_bind.h). Expressions and the
 * query's rules are sqlx_bind_expr.c's.
 *
 * A query is walked in the order its parts are evaluated: WITH queries, FROM (each relation,
 * then a join's condition, which sees the relations bound so far), GROUP BY, WHERE, ORDER BY,
 * the select list, HAVING. A name is resolved against the relations bound at the point where
 * it stands, so a join's ON cannot see relations to its right, as in SQL.
 */
#include "sqlx_bind_int.h"
#include "sqlx_semijoin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_VIEW_DEPTH   16
#define MAX_JOIN_USING   8 /* USING fields of one join */
#define MAX_SUPPLY_DEPTH 8 /* derived relations looked through to learn what they supply */

int nomem(rs_err *err) {
    return rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------- the statement's lists ---------------- */

/* Append item to an arena array of pointers that doubles when full. */
static int append(sqlx_arena *a, void ***items, int *n, int *cap, void *item) {
    if (*n == *cap) {
        int grown = *cap ? *cap * 2 : 16;
        void **bigger = sqlx_alloc(a, (size_t)grown * sizeof *bigger);
        if (bigger == NULL)
            return RS_ENOMEM;
        if (*n)
            memcpy(bigger, *items, (size_t)*n * sizeof *bigger);
        *items = bigger;
        *cap = grown;
    }
    (*items)[(*n)++] = item;
    return 0;
}

/* A block for s (s->block set unless s is NULL), registered after its parents. */
static sqlx_block *new_block(binder *b, const sqlx_select *s, sqlx_block *parent,
                             sqlx_block *cte_scope) {
    sqlx_bound *bd = b->ctx->bound;
    sqlx_block *blk = sqlx_alloc(b->ctx->arena, sizeof *blk);
    if (blk == NULL ||
        append(b->ctx->arena, (void ***)&bd->blocks, &bd->n_blocks, &bd->cap_blocks, blk)) {
        nomem(b->err);
        return NULL;
    }
    blk->sel = s;
    blk->id = bd->n_blocks - 1;
    blk->parent = parent;
    blk->cte_scope = cte_scope;
    blk->in_view = b->view_depth > 0;
    if (s != NULL)
        ((sqlx_select *)s)->block = blk;
    return blk;
}

static char *arena_copy(binder *b, const char *s) {
    return sqlx_strndup(b->ctx->arena, s, strlen(s));
}

/* ---------------- what a relation supplies ----------------
 *
 * An unqualified field belongs to the relation that has it. A collection answers from its
 * catalog (some document has the field, none does, or it has no documents and may supply
 * anything); a derived relation supplies exactly its output names, and through a '*' what its
 * own FROM supplies; an UNNEST its names. */

typedef enum { SUPPLY_NO = 0, SUPPLY_MAY, SUPPLY_YES } supply;

static supply rte_supplies(const sqlx_rte *r, const char *field, int depth);

/* Every relation of a FROM together: yes when one does, may when one may. */
static supply from_supplies(const sqlx_block *blk, const char *field, int depth) {
    supply answer = SUPPLY_NO;
    if (blk == NULL || blk->n_rels == 0 || depth > MAX_SUPPLY_DEPTH)
        return SUPPLY_MAY;
    for (int i = 0; i < blk->n_rels; i++) {
        supply s = rte_supplies(blk->rels[i], field, depth);
        if (s == SUPPLY_YES)
            return SUPPLY_YES;
        if (s == SUPPLY_MAY)
            answer = SUPPLY_MAY;
    }
    return answer;
}

/* A derived relation supplies exactly its output names; a '*' item what its FROM supplies,
 * except the names it leaves out. */
static supply derived_supplies(const sqlx_select *sel, const char *field, int depth) {
    const sqlx_select *core = sqlx_leftmost_core(sel);
    supply answer = SUPPLY_NO;
    if (depth > MAX_SUPPLY_DEPTH)
        return SUPPLY_MAY;
    for (int i = 0; i < core->n_items; i++) {
        const sqlx_item *it = &core->items[i];
        const sqlx_node *e = it->expr;
        const char *name = it->alias;
        if (e->kind == N_STAR && answer != SUPPLY_YES) {
            int left_out = 0;
            for (int k = 0; k < e->n_except; k++)
                left_out |= strcmp(e->except[k], field) == 0;
            supply star = left_out ? SUPPLY_NO
                          : e->name == NULL && e->a == NULL
                              ? from_supplies(core->block, field, depth + 1)
                              : SUPPLY_MAY;
            if (star == SUPPLY_YES)
                return SUPPLY_YES;
            if (star == SUPPLY_MAY)
                answer = SUPPLY_MAY;
        }
        if (name == NULL && e->kind == N_PATH)
            name = e->names[e->n_parts - 1];
        if (name != NULL && strcmp(name, field) == 0)
            return SUPPLY_YES;
    }
    return answer;
}

static supply unnest_supplies(const sqlx_from *u, const char *field) {
    supply answer = SUPPLY_NO;
    if (u->ordinality != NULL && strcmp(u->ordinality, field) == 0)
        return SUPPLY_YES;
    for (int i = 0; i < u->n_arrays; i++) {
        if (u->names[i] == NULL) /* the elements' own members, or 'unnest' */
            answer = SUPPLY_MAY;
        else if (strcmp(u->names[i], field) == 0)
            return SUPPLY_YES;
    }
    return answer;
}

static supply rte_supplies(const sqlx_rte *r, const char *field, int depth) {
    int has;
    switch (r->kind) {
    case SQLX_RTE_COLLECTION:
        if (r->has_field == NULL)
            return SUPPLY_MAY;
        has = r->has_field(r->has_field_ctx, r->table, field);
        return has > 0 ? SUPPLY_YES : has == 0 ? SUPPLY_NO : SUPPLY_MAY;
    case SQLX_RTE_VIEW:
    case SQLX_RTE_SUBQUERY:
        return derived_supplies(r->body, field, depth + 1);
    case SQLX_RTE_CTE:
        return derived_supplies(r->cte->sel, field, depth + 1);
    case SQLX_RTE_UNNEST:
        return unnest_supplies(r->from, field);
    default:
        return SUPPLY_MAY;
    }
}

/* ---------------- finding names ---------------- */

/* The relation FROM binds as name, in blk or an enclosing block (the innermost, the last
 * bound there first), and the block holding it; NULL when none. */
sqlx_rte *find_rte(sqlx_block *blk, const char *name, sqlx_block **owner) {
    for (sqlx_block *s = blk; s != NULL; s = s->parent) {
        for (int i = s->n_rels - 1; i >= 0; i--) {
            if (s->rels[i]->name != NULL && strcmp(s->rels[i]->name, name) == 0) {
                *owner = s;
                return s->rels[i];
            }
        }
    }
    return NULL;
}

static sqlx_cte_def *find_cte(sqlx_block *blk, const char *name) {
    for (sqlx_block *s = blk; s != NULL; s = s->cte_scope)
        for (int i = s->n_ctes - 1; i >= 0; i--)
            if (strcmp(s->ctes[i]->name, name) == 0)
                return s->ctes[i];
    return NULL;
}

static int any_outer_relation(const sqlx_block *s) {
    for (s = s->parent; s != NULL; s = s->parent)
        if (s->n_rels > 0)
            return 1;
    return 0;
}

#define AMBIGUOUS 1

/* The relation an unqualified field reads (docs/sql-subset.md, name resolution): in the
 * innermost block that has one, the single relation that certainly supplies it, else the
 * single one that may; none anywhere: NULL (undefined), unless the innermost FROM has only one
 * relation, which then reads it. first is the innermost block with relations. 0, or AMBIGUOUS
 * when two relations of one block may supply it. */
static int resolve_unqualified(sqlx_block *first, const char *field, sqlx_rte **rte) {
    if (first->n_rels == 1 && !any_outer_relation(first)) {
        *rte = first->rels[0];
        return 0;
    }
    for (sqlx_block *s = first; s != NULL; s = s->parent) {
        int yes = 0, may = 0, yes_at = -1, may_at = -1;
        for (int i = 0; i < s->n_rels; i++) {
            supply v = rte_supplies(s->rels[i], field, 0);
            if (v == SUPPLY_YES)
                yes++, yes_at = i;
            else if (v == SUPPLY_MAY)
                may++, may_at = i;
        }
        if (yes > 1 || (yes == 0 && may > 1))
            return AMBIGUOUS;
        if (yes == 1 || may == 1) {
            *rte = s->rels[yes == 1 ? yes_at : may_at];
            return 0;
        }
    }
    *rte = first->n_rels == 1 ? first->rels[0] : NULL;
    return 0;
}

/* A bare name that names a relation but is certainly a field of a relation of that relation's
 * query or of a nearer one reads that field, as in Rockset: `WITH strict AS (SELECT strict
 * FROM ...) SELECT strict FROM strict` reads the field. Only when no relation has such a field
 * is it the relation. */
static int field_shadows_relation(sqlx_block *blk, const sqlx_block *owner, const char *name) {
    for (sqlx_block *s = blk; s != NULL; s = s->parent) {
        for (int i = 0; i < s->n_rels; i++)
            if (rte_supplies(s->rels[i], name, 0) == SUPPLY_YES)
                return 1;
        if (s == owner)
            break;
    }
    return 0;
}

/* The select item a bare name in GROUP BY / HAVING / ORDER BY names by its alias, or NULL. Rows
 * are grouped before aggregates and window functions are computed, so in GROUP BY the alias of
 * one is not a key: there the name is the input's field (`SELECT MAX(x) AS x ... GROUP BY x`). */
static const sqlx_item *find_select_alias(const sqlx_block *blk, const sqlx_node *n) {
    if (blk->alias_sel == NULL || n->kind != N_PATH || n->n_parts != 1 || n->names[0] == NULL)
        return NULL;
    for (int i = 0; i < blk->alias_sel->n_items; i++) {
        const sqlx_item *it = &blk->alias_sel->items[i];
        if (it->alias == NULL || strcmp(it->alias, n->names[0]) != 0)
            continue;
        if (blk->in_group_by &&
            (sqlx_contains_aggregate(it->expr) || sqlx_first_window_call(it->expr)))
            continue;
        return it;
    }
    return NULL;
}

/* The unaliased path item of the active select list (GROUP BY / HAVING / ORDER BY) whose output
 * name, its last step, is name; NULL when there is none or several that differ. A bare item
 * (`SELECT name`) is left out: it is the very field being resolved. */
static const sqlx_item *find_output_name(const sqlx_block *blk, const char *name) {
    const sqlx_item *found = NULL;
    for (int i = 0; blk->alias_sel != NULL && i < blk->alias_sel->n_items; i++) {
        const sqlx_item *it = &blk->alias_sel->items[i];
        const sqlx_node *e = it->expr;
        if (it->alias != NULL || e->kind != N_PATH || e->n_parts < 2 ||
            e->names[e->n_parts - 1] == NULL || strcmp(e->names[e->n_parts - 1], name) != 0)
            continue;
        if (found != NULL && !sqlx_same_node(found->expr, e))
            return NULL;
        found = it;
    }
    return found;
}

static sqlx_ref *new_ref(binder *b, sqlx_ref_kind kind, sqlx_rte *rte, int first) {
    sqlx_ref *r = sqlx_alloc(b->ctx->arena, sizeof *r);
    if (r == NULL) {
        nomem(b->err);
        return NULL;
    }
    r->kind = kind;
    r->rte = rte;
    r->first = first;
    return r;
}

static int item_ref(binder *b, sqlx_node *n, const sqlx_node *item) {
    sqlx_ref *r = new_ref(b, SQLX_REF_ITEM, NULL, 0);
    if (r == NULL)
        return RS_ENOMEM;
    r->item = item;
    n->alias_ref = r;
    return 0;
}

/* The path's subscript expressions from step `from` on. */
static int bind_steps(binder *b, sqlx_block *blk, sqlx_node *n, int from) {
    for (int i = from; i < n->n_parts; i++) {
        if (n->names[i] != NULL || n->index[i]->kind == N_LIT_INT)
            continue;
        int rc = bind_expr(b, blk, n->index[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* A name of blk reads a relation of owner, an enclosing block: blk and every block between
 * them depend on the enclosing row (sqlx_block.correlated). */
static void mark_correlated(sqlx_block *blk, const sqlx_block *owner) {
    for (sqlx_block *s = blk; s != NULL && s != owner; s = s->parent)
        s->correlated = 1;
}

static int field_ref(binder *b, sqlx_block *blk, sqlx_node *n, sqlx_ref_kind kind, sqlx_rte *rte,
                     int first) {
    sqlx_ref *r = new_ref(b, kind, rte, first);
    if (r == NULL)
        return RS_ENOMEM;
    n->ref = r;
    if (rte != NULL)
        mark_correlated(blk, rte->owner);
    return kind == SQLX_REF_FIELD ? bind_steps(b, blk, n, first) : 0;
}

/* A USING field of the innermost block with relations, or NULL. */
static int using_ref(binder *b, sqlx_block *blk, sqlx_block *s, sqlx_node *n, int *found) {
    *found = 0;
    for (int u = 0; s->n_rels > 1 && u < s->n_using; u++) {
        if (strcmp(s->using_names[u], n->names[0]) != 0)
            continue;
        sqlx_ref *r = new_ref(b, SQLX_REF_USING, s->using_left[u], 0);
        if (r == NULL)
            return RS_ENOMEM;
        r->rte2 = s->using_right[u];
        n->ref = r;
        mark_correlated(blk, s);
        *found = 1;
        return bind_steps(b, blk, n, 0);
    }
    return 0;
}

/* A path: relation.field..., field... of the relation that supplies it, a USING field, or a
 * select alias where those are seen. */
int bind_path(binder *b, sqlx_block *blk, sqlx_node *n) {
    sqlx_block *owner = NULL;
    const sqlx_item *alias = find_select_alias(blk, n);
    if (alias != NULL)
        return item_ref(b, n, alias->expr);
    sqlx_rte *rte = n->names[0] ? find_rte(blk, n->names[0], &owner) : NULL;
    if (rte != NULL && n->n_parts == 1 && field_shadows_relation(blk, owner, n->names[0]))
        rte = NULL;
    if (rte != NULL)
        return field_ref(b, blk, n, n->n_parts == 1 ? SQLX_REF_DOC : SQLX_REF_FIELD, rte, 1);
    sqlx_block *s = blk;
    while (s != NULL && s->n_rels == 0)
        s = s->parent;
    if (s == NULL)
        return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                          "field '%s' cannot be resolved: the query has no FROM clause",
                          n->names[0] ? n->names[0] : "?");
    int found, rc = using_ref(b, blk, s, n, &found);
    if (rc || found)
        return rc;
    if (resolve_unqualified(s, n->names[0], &rte) == AMBIGUOUS) {
        const sqlx_item *it = n->n_parts == 1 ? find_output_name(blk, n->names[0]) : NULL;
        if (it == NULL)
            return sqlx_error(b->err, RS_EINVAL, n->line, n->column,
                              "field '%s' is ambiguous: qualify it with a relation alias "
                              "(e.g. alias.%s)",
                              n->names[0], n->names[0]);
        return item_ref(b, n, it->expr);
    }
    if (rte == NULL)
        return field_ref(b, blk, n, SQLX_REF_UNDEFINED, NULL, 0);
    return field_ref(b, blk, n, SQLX_REF_FIELD, rte, 0);
}

/* ---------------- FROM ---------------- */

static sqlx_rte *add_rte(binder *b, sqlx_block *blk, sqlx_rte_kind kind, const char *name,
                         const sqlx_from *f) {
    if (blk->n_rels == SQLX_MAX_RELS) {
        sqlx_error(b->err, RS_EUNSUPPORTED, f->line, f->column,
                   "unsupported SQL: more than 64 relations in one FROM");
        return NULL;
    }
    for (int i = 0; name && i < blk->n_rels; i++) {
        if (blk->rels[i]->name != NULL && strcmp(blk->rels[i]->name, name) == 0) {
            sqlx_error(b->err, RS_EINVAL, f->line, f->column,
                       "relation name '%s' is used twice in FROM; give one an alias", name);
            return NULL;
        }
    }
    sqlx_rte *r = sqlx_alloc(b->ctx->arena, sizeof *r);
    if (r == NULL) {
        nomem(b->err);
        return NULL;
    }
    r->kind = kind;
    r->id = r->alias = b->ctx->n_rel++;
    r->name = name;
    r->from = f;
    r->owner = blk;
    r->pos = r->order = blk->n_rels;
    blk->rels[blk->n_rels++] = r;
    ((sqlx_from *)f)->rte = r;
    return r;
}

const char *bind_param_text(binder *b, const char *fn, const char *param, int line, int column,
                            int *unknown) {
    sqlx_ctx *ctx = b->ctx;
    *unknown = ctx->param_text == NULL;
    if (*unknown)
        return NULL;
    const char *v = ctx->param_text(ctx->param_ctx, param);
    if (v == NULL)
        sqlx_error(b->err, RS_EINVAL, line, column, "%s: parameter '%s' must be a string", fn,
                   param);
    return v;
}

/* TABLE([:ws, :name]) with parameters: the collection their values name. */
static int table_function_names(binder *b, const sqlx_from *f, sqlx_from *named, int *unknown) {
    *named = *f;
    *unknown = 0;
    if (f->ws_param != NULL && (named->ws = bind_param_text(b, "TABLE()", f->ws_param, f->line,
                                                            f->column, unknown)) == NULL)
        return *unknown ? 0 : RS_EINVAL;
    if (f->name_param != NULL &&
        (named->name = bind_param_text(b, "TABLE()", f->name_param, f->line, f->column, unknown)) ==
            NULL)
        return *unknown ? 0 : RS_EINVAL;
    return 0;
}

/* A view's text, parsed and bound in its own scope (no outer names, no outer WITH queries);
 * errors name the innermost view, whose text their positions refer to. */
static int bind_view(binder *b, const sqlx_from *f, const sqlx_relation *rel,
                     const sqlx_select **body) {
    sqlx_ast view_ast;
    rs_err *err = b->err;
    if (b->view_depth >= MAX_VIEW_DEPTH)
        return sqlx_error(err, RS_EINVAL, f->line, f->column,
                          "view '%s' nests views more than %d deep (a cycle?)", rel->canonical,
                          MAX_VIEW_DEPTH);
    int rc = sqlx_parse(rel->view_sql ? rel->view_sql : "", b->ctx->arena, &view_ast, err);
    if (rc) {
        if (rc != RS_ENOMEM)
            rs_err_prefix(err, "view '%s': ", rel->canonical);
        return rc;
    }
    if (view_ast.kind != SQLX_SELECT || view_ast.explain)
        return sqlx_error(err, RS_EINVAL, f->line, f->column, "view '%s' is not a SELECT",
                          rel->canonical);
    *body = view_ast.sel;
    if ((rc = sqlx_semijoin_rewrite(b->ctx, view_ast.sel, err)) != 0)
        return rc;
    b->view_depth++;
    rc = bind_query(b, view_ast.sel, NULL, NULL, BIND_DOCS);
    b->view_depth--;
    if (rc && rc != RS_ENOMEM && strncmp(err->msg, "view '", 6) != 0)
        rs_err_prefix(err, "view '%s': ", rel->canonical);
    return rc;
}

/* A collection's relation: its table, catalog and indexes (none under TABLESAMPLE). */
static int fill_collection(binder *b, sqlx_rte *r, const sqlx_relation *rel, const sqlx_from *f) {
    r->table = arena_copy(b, rel->table);
    r->canonical = arena_copy(b, rel->canonical);
    if (r->table == NULL || r->canonical == NULL)
        return nomem(b->err);
    r->has_field_ctx = rel->has_field_ctx;
    r->has_field = rel->has_field;
    if (rel->data_table[0] != '\0' && rel->is_indexed != NULL && f->has_sample == 0) {
        if ((r->data_table = arena_copy(b, rel->data_table)) == NULL)
            return nomem(b->err);
        r->is_indexed = rel->is_indexed;
        r->catalog = rel->catalog;
    }
    return 0;
}

static int bind_named(binder *b, sqlx_block *blk, const sqlx_from *f, const sqlx_from *named) {
    const char *bind_name = f->alias ? f->alias : named->name;
    sqlx_cte_def *cte = named->ws ? NULL : find_cte(blk, named->name);
    if (cte != NULL) {
        sqlx_rte *r = add_rte(b, blk, SQLX_RTE_CTE, bind_name, f);
        if (r == NULL)
            return b->err->code ? b->err->code : RS_ENOMEM;
        r->cte = cte;
        cte->n_refs++;
        return 0;
    }
    sqlx_relation rel;
    const sqlx_select *body = NULL;
    memset(&rel, 0, sizeof rel);
    int rc = b->ctx->resolve(b->ctx->resolve_ctx, named->ws ? named->ws : "commons", named->name,
                             &rel, b->err);
    if (rc) {
        if (b->err->line == 0) {
            b->err->line = f->line;
            b->err->column = f->column;
        }
    } else if (rel.alias_of[0] && sqlx_names_add(&b->ctx->aliases, rel.alias_of)) {
        rc = nomem(b->err);
    } else if (rel.kind == SQLX_REL_VIEW) {
        rc = bind_view(b, f, &rel, &body);
    } else if (sqlx_names_add(&b->ctx->collections, rel.canonical)) {
        rc = nomem(b->err);
    }
    sqlx_rte *r =
        rc == 0 ? add_rte(b, blk, rel.kind == SQLX_REL_VIEW ? SQLX_RTE_VIEW : SQLX_RTE_COLLECTION,
                          bind_name, f)
                : NULL;
    if (rc == 0 && r == NULL)
        rc = b->err->code ? b->err->code : RS_ENOMEM;
    if (r != NULL && rel.kind == SQLX_REL_VIEW) {
        r->body = body;
        if ((r->view_name = arena_copy(b, rel.canonical)) == NULL)
            rc = nomem(b->err);
    } else if (r != NULL) {
        rc = fill_collection(b, r, &rel, f);
    }
    free(rel.view_sql);
    return rc;
}

static int bind_table(binder *b, sqlx_block *blk, const sqlx_from *f) {
    sqlx_from named;
    int unknown = 0;
    if (f->ws_param != NULL || f->name_param != NULL) {
        int rc = table_function_names(b, f, &named, &unknown);
        if (rc)
            return rc;
        if (unknown) /* validating a lambda: no rows, any field */
            return add_rte(b, blk, SQLX_RTE_EMPTY, f->alias, f) ? 0 : b->err->code;
        return bind_named(b, blk, f, &named);
    }
    return bind_named(b, blk, f, f);
}

static int bind_from(binder *b, sqlx_block *blk, const sqlx_from *f);

static int record_using(binder *b, sqlx_block *blk, const sqlx_from *f, sqlx_rte *left,
                        sqlx_rte *right) {
    for (int u = 0; u < f->n_using; u++) {
        if (blk->n_using == SQLX_MAX_USING)
            return sqlx_error(b->err, RS_EUNSUPPORTED, f->line, f->column,
                              "unsupported SQL: too many USING fields");
        blk->using_names[blk->n_using] = f->using_names[u];
        blk->using_left[blk->n_using] = left;
        blk->using_right[blk->n_using] = right;
        blk->n_using++;
    }
    return 0;
}

static int bind_join(binder *b, sqlx_block *blk, const sqlx_from *f) {
    int rc = bind_from(b, blk, f->left);
    if (rc)
        return rc;
    sqlx_rte *left = blk->rels[blk->n_rels - 1];
    if ((rc = bind_from(b, blk, f->right)) != 0)
        return rc;
    sqlx_rte *right = blk->rels[blk->n_rels - 1];
    if (f->n_using > MAX_JOIN_USING)
        return sqlx_error(b->err, RS_EUNSUPPORTED, f->line, f->column,
                          "unsupported SQL: USING with more than %d fields", MAX_JOIN_USING);
    rc = record_using(b, blk, f, left, right);
    return rc == 0 && f->on != NULL ? bind_expr(b, blk, f->on) : rc;
}

static int bind_from(binder *b, sqlx_block *blk, const sqlx_from *f) {
    int rc = 0;
    switch (f->kind) {
    case F_TABLE:
        return bind_table(b, blk, f);
    case F_UNNEST: /* its arrays read the relations before it */
        for (int i = 0; !rc && i < f->n_arrays; i++)
            rc = bind_expr(b, blk, f->arrays[i]);
        if (rc == 0 && add_rte(b, blk, SQLX_RTE_UNNEST, f->alias, f) == NULL)
            rc = b->err->code ? b->err->code : RS_ENOMEM;
        return rc;
    case F_SUBQUERY: { /* sees no outer relations (no LATERAL), only the WITH queries */
        rc = bind_query(b, f->sub, NULL, blk, BIND_DOCS);
        sqlx_rte *r = rc == 0 ? add_rte(b, blk, SQLX_RTE_SUBQUERY, f->alias, f) : NULL;
        if (r != NULL)
            r->body = f->sub;
        return rc ? rc : r != NULL ? 0 : b->err->code ? b->err->code : RS_ENOMEM;
    }
    default:
        return bind_join(b, blk, f);
    }
}

/* ---------------- queries ---------------- */

static int bind_ctes(binder *b, sqlx_block *blk, const sqlx_select *s) {
    sqlx_bound *bd = b->ctx->bound;
    for (int i = 0; i < s->n_ctes; i++) {
        if (blk->n_ctes == SQLX_MAX_CTES)
            return sqlx_error(b->err, RS_EUNSUPPORTED, s->line, s->column,
                              "unsupported SQL: more than 32 CTEs");
        sqlx_cte_def *def = sqlx_alloc(b->ctx->arena, sizeof *def);
        if (def == NULL ||
            append(b->ctx->arena, (void ***)&bd->ctes, &bd->n_ctes, &bd->cap_ctes, def))
            return nomem(b->err);
        def->name = s->ctes[i].name;
        def->sel = s->ctes[i].sel;
        def->id = b->ctx->n_cte++;
        int rc = bind_query(b, def->sel, blk, blk, BIND_DOCS);
        if (rc)
            return rc;
        blk->ctes[blk->n_ctes++] = def; /* visible to later WITH queries and to the body */
    }
    return 0;
}

/* GROUP BY: each entry an item's position, an alias of a non-aggregate item, or an expression
 * of the rows (never an aggregate or a window function). A position's item is bound with the
 * select list. */
static int bind_group_by(binder *b, sqlx_block *blk, const sqlx_select *s) {
    int rc = 0;
    blk->alias_sel = s;
    blk->in_group_by = 1;
    for (int i = 0; i < s->n_group && rc == 0; i++) {
        const sqlx_node *e = sqlx_ordinal_item(s, s->group[i], b->err, &rc);
        if (e == NULL)
            break;
        if (sqlx_is_aggregate_call(e)) {
            rc = sqlx_error(b->err, RS_EINVAL, e->line, e->column,
                            "aggregate functions are not allowed in GROUP BY");
            break;
        }
        rc = refuse_window(e, "GROUP BY", b->err);
        if (rc == 0 && e == s->group[i])
            rc = bind_expr(b, blk, s->group[i]);
    }
    blk->alias_sel = NULL;
    blk->in_group_by = 0;
    return rc;
}

/* ORDER BY of a SELECT core: positions, select aliases, expressions of the rows. */
static int bind_order_by(binder *b, sqlx_block *blk, const sqlx_select *s) {
    int rc = 0;
    blk->alias_sel = s;
    for (int i = 0; i < s->n_order && rc == 0; i++) {
        const sqlx_node *e = sqlx_ordinal_item(s, s->order[i].expr, b->err, &rc);
        if (e != NULL && e == s->order[i].expr)
            rc = bind_expr(b, blk, s->order[i].expr);
    }
    blk->alias_sel = NULL;
    return rc;
}

static int bind_limit(binder *b, sqlx_block *blk, const sqlx_select *s) {
    int rc = s->limit != NULL ? bind_expr(b, blk, s->limit) : 0;
    return rc == 0 && s->offset != NULL ? bind_expr(b, blk, s->offset) : rc;
}

/* A SELECT core. skip_order: its ORDER BY reads the output of grouping sets (bound apart). */
static int bind_simple(binder *b, sqlx_block *blk, const sqlx_select *s, bind_mode mode,
                       int skip_order) {
    int rc = 0;
    if (s->n_cluster > 0)
        return sqlx_error(b->err, RS_EINVAL, s->cluster_line, s->cluster_column,
                          "CLUSTER BY belongs to a collection's ingest transformation, not to "
                          "a query");
    rc = refuse_window(s->where, "WHERE", b->err);
    if (rc == 0)
        rc = refuse_aggregate_in_where(s->where, b->err);
    if (rc == 0 && s->from != NULL)
        rc = bind_from(b, blk, s->from);
    if (rc == 0)
        rc = bind_group_by(b, blk, s);
    if (rc == 0 && s->where != NULL)
        rc = bind_expr(b, blk, s->where);
    if (rc == 0 && !skip_order)
        rc = bind_order_by(b, blk, s);
    if (rc == 0 && mode == BIND_VALUE && (s->n_items != 1 || s->items[0].expr->kind == N_STAR))
        rc = sqlx_error(b->err, RS_EINVAL, s->line, s->column,
                        "a subquery used as a value must select exactly one field");
    if (rc == 0)
        rc = bind_items(b, blk, s, mode);
    if (rc == 0 && s->having != NULL) {
        blk->alias_sel = s;
        rc = refuse_window(s->having, "HAVING", b->err);
        if (rc == 0)
            rc = bind_expr(b, blk, s->having);
        blk->alias_sel = NULL;
    }
    return rc == 0 && !skip_order ? bind_limit(b, blk, s) : rc;
}

/* The block a compound's (or grouping sets') ORDER BY and LIMIT read: one relation, the rows
 * the query outputs, named by its first SELECT's items. */
static sqlx_block *output_block(binder *b, sqlx_block *blk, const sqlx_select *s) {
    sqlx_block *ob = new_block(b, NULL, blk, blk);
    sqlx_rte *r = ob != NULL ? sqlx_alloc(b->ctx->arena, sizeof *r) : NULL;
    if (r == NULL) {
        nomem(b->err);
        return NULL;
    }
    r->kind = SQLX_RTE_OUTPUT;
    r->id = r->alias = b->ctx->n_rel++;
    r->owner = ob;
    r->output_of = sqlx_leftmost_core(s);
    ob->rels[ob->n_rels++] = r;
    blk->output = r;
    blk->order_block = ob;
    return ob;
}

static int check_position(const sqlx_select *core, const sqlx_node *e, rs_err *err) {
    long long k = strtoll(e->text, NULL, 10);
    if (k < 1 || k > core->n_items || core->items[k - 1].expr->kind == N_STAR)
        return sqlx_error(err, RS_EINVAL, e->line, e->column,
                          "position %lld is not in the select list", k);
    return 0;
}

/* ORDER BY over the union of grouping sets sees output fields only: a key written as one of
 * the select list's expressions (SUM(x), GROUPING(a)) is that output. */
static int bind_output_order(binder *b, sqlx_block *blk, const sqlx_select *s, int sets) {
    int rc = 0;
    sqlx_block *ob = output_block(b, blk, s);
    if (ob == NULL)
        return RS_ENOMEM;
    for (int i = 0; i < s->n_order && rc == 0; i++) {
        sqlx_node *e = s->order[i].expr;
        int item = -1;
        for (int k = 0; sets && k < s->n_items && item < 0; k++)
            if (s->items[k].expr->kind != N_STAR && sqlx_same_node(s->items[k].expr, e))
                item = k;
        if (item >= 0)
            continue;
        if (e->kind == N_LIT_INT)
            rc = check_position(sqlx_leftmost_core(s), e, b->err);
        else if (sets && sqlx_contains_aggregate(e))
            rc = sqlx_error(b->err, RS_EUNSUPPORTED, e->line, e->column,
                            "unsupported SQL: ORDER BY an aggregate that is not in the select "
                            "list, with grouping sets, is not supported by rockset-local");
        else
            rc = bind_expr(b, ob, e);
    }
    return rc == 0 ? bind_limit(b, ob, s) : rc;
}

static int bind_compound(binder *b, sqlx_block *blk, const sqlx_select *s) {
    int rc = bind_query(b, s->left, blk, blk, BIND_DOCS);
    if (rc == 0 && strcmp(s->compound_op, "WRAP") != 0)
        rc = bind_query(b, s->right, blk, blk, BIND_DOCS);
    if (rc == 0 && (s->n_order || s->limit != NULL || s->offset != NULL))
        rc = bind_output_order(b, blk, s, 0);
    return rc;
}

int bind_query(binder *b, const sqlx_select *s, sqlx_block *parent, sqlx_block *cte_scope,
               bind_mode mode) {
    sqlx_block *blk = new_block(b, s, parent, cte_scope);
    if (blk == NULL)
        return RS_ENOMEM;
    int rc = bind_ctes(b, blk, s);
    if (rc)
        return rc;
    if (s->compound_op != NULL)
        return bind_compound(b, blk, s);
    if (s->n_gsets <= 1)
        return bind_simple(b, blk, s, mode, 0);
    rc = bind_simple(b, blk, s, BIND_DOCS, 1);
    return rc == 0 ? bind_output_order(b, blk, s, 1) : rc;
}

/* ---------------- entries ---------------- */

static int start(sqlx_ctx *ctx, binder *b, rs_err *err) {
    memset(b, 0, sizeof *b);
    b->ctx = ctx;
    b->err = err;
    if (ctx->bound == NULL && (ctx->bound = sqlx_alloc(ctx->arena, sizeof *ctx->bound)) == NULL)
        return nomem(err);
    return 0;
}

int sqlx_bind_select(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err) {
    binder b;
    int rc = start(ctx, &b, err);
    return rc ? rc : bind_query(&b, sel, NULL, NULL, BIND_DOCS);
}
