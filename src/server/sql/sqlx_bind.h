/*
 * sqlx_bind.h - the translator's binder: what every name of a parsed statement means, decided
 * once, before anything is planned or printed (PostgreSQL's parse analysis, DuckDB's binder).
 *
 * Input: the AST (sqlx_int.h) and the resolver (workspaces, collections, views, aliases).
 * Output: the AST annotated in place, and the blocks and relations below:
 *   - every SELECT (a core or a compound) gets its block (sqlx_select.block): the relations of
 *     its FROM in order (sqlx_rte, PostgreSQL's range-table entries), its WITH queries, its
 *     USING fields;
 *   - every FROM item gets its relation (sqlx_from.rte); a view's text is parsed and bound
 *     here, once per reference;
 *   - every field reference (N_PATH) gets its meaning (sqlx_node.ref): a field of one relation,
 *     a whole relation, a USING field of two, undefined (no relation supplies it), or, in GROUP
 *     BY / HAVING / ORDER BY, the select item an alias names (sqlx_node.alias_ref);
 *   - every function call its catalog entry (sqlx_node.fn); FIELD('a.b') its path.
 * The rules of docs/sql-subset.md ("name resolution") live here and nowhere else: which
 * relation an unqualified field reads, when a field shadows a relation of the same name, how
 * select aliases are seen, ambiguity. So do the query's rules (aggregates in WHERE, window
 * functions in GROUP BY, arity, nesting): every error a statement can have is raised by the
 * parser or here, with its position, before any later stage runs.
 *
 * Later stages read only this: the plan (sqlx_plan.h) takes a block's relations and
 * conjuncts; the access paths ask what a path reads (relation, steps); the emitters print a
 * reference from its sqlx_ref. Nothing after binding looks a name up again.
 *
 * Ownership: blocks, relations and references live in the translation's arena.
 */
#ifndef RS_SQLX_BIND_H
#define RS_SQLX_BIND_H

#include "sqlx_int.h"

#define SQLX_MAX_RELS  64 /* relations in one FROM */
#define SQLX_MAX_CTES  32 /* WITH queries of one query */
#define SQLX_MAX_USING 32 /* USING fields of one FROM */

typedef struct sqlx_block sqlx_block;

typedef enum {
    SQLX_RTE_COLLECTION = 1, /* stored documents: table */
    SQLX_RTE_VIEW,           /* a view: its text, parsed and bound as body */
    SQLX_RTE_CTE,            /* a reference to a WITH query: cte */
    SQLX_RTE_SUBQUERY,       /* (SELECT ...) AS x: body */
    SQLX_RTE_UNNEST,         /* UNNEST(arrays): from */
    SQLX_RTE_EMPTY,          /* TABLE(:ws, :name) while validating (no parameter values) */
    SQLX_RTE_OUTPUT          /* the rows of a compound or of grouping sets, for its ORDER BY */
} sqlx_rte_kind;

/* A WITH query. */
typedef struct sqlx_cte_def {
    const char *name;
    const sqlx_select *sel;
    int id;               /* printed as cte<id> */
    int n_refs;           /* FROM references to it in the statement */
    struct sqlx_op *plan; /* its plan (sqlx_plan.h) */
} sqlx_cte_def;

/* A relation of a FROM (a range-table entry). */
typedef struct sqlx_rte {
    sqlx_rte_kind kind;
    int id;           /* its SQLite alias is r<id>; unique in the statement */
    int alias;        /* the alias its fields are read through: id, or a join's wrapper
                         around it (sqlx_access.c) */
    const char *name; /* the name FROM binds (its alias, else the collection's name), or NULL */
    const sqlx_from *from;
    sqlx_block *owner; /* the block whose FROM holds it */
    int pos;           /* its position in owner->rels */
    int order;         /* its place in the FROM's join order: pos, or where the access
                          stage's join order put it (sqlx_access_order.c) */
    /* SQLX_RTE_COLLECTION */
    const char *table;           /* the SQLite table of its visible documents (unquoted) */
    const char *canonical;       /* "ws.name" */
    const sqlx_catalog *catalog; /* estimates, index_for; NULL when none */
    int (*has_field)(void *ctx, const char *table, const char *field);
    void *has_field_ctx;
    /* readable through its field indexes: the table again, and whether a path is indexed;
     * NULL when not (no indexes, or TABLESAMPLE) */
    const char *data_table;
    int (*is_indexed)(void *ctx, const char *data_table, const char *args);
    /* SQLX_RTE_VIEW, SQLX_RTE_SUBQUERY: the query, bound; SQLX_RTE_CTE: the WITH query */
    const sqlx_select *body;
    sqlx_cte_def *cte;
    const char *view_name; /* SQLX_RTE_VIEW: "ws.name", for messages */
    /* SQLX_RTE_OUTPUT: the SELECT whose output names it has */
    const sqlx_select *output_of;
} sqlx_rte;

/* What a field reference reads. */
typedef enum {
    SQLX_REF_FIELD = 1, /* rte's document, path steps from `first` on (rs_get) */
    SQLX_REF_DOC,       /* the whole document of rte (a bare relation name) */
    SQLX_REF_USING,     /* a USING field: rte's or, when missing there, rte2's (steps from 0) */
    SQLX_REF_UNDEFINED, /* no relation supplies the field: undefined */
    SQLX_REF_ITEM       /* the select item `item` stands here (an alias, or an ambiguous name's
                           unaliased output item); print item, with names as in the list */
} sqlx_ref_kind;

typedef struct sqlx_ref {
    sqlx_ref_kind kind;
    sqlx_rte *rte, *rte2;
    int first;
    const sqlx_node *item;
} sqlx_ref;

struct sqlx_block {
    const sqlx_select *sel;
    int id;                /* position in the statement's list of blocks */
    sqlx_block *parent;    /* the block its expressions sit in (correlated names), or NULL: the
                              statement, a FROM subquery, a view's or a WITH query's body */
    sqlx_block *cte_scope; /* where its FROM looks WITH names up after its own */
    sqlx_rte *rels[SQLX_MAX_RELS];
    int n_rels;
    sqlx_cte_def *ctes[SQLX_MAX_CTES];
    int n_ctes;
    const char *using_names[SQLX_MAX_USING];
    sqlx_rte *using_left[SQLX_MAX_USING], *using_right[SQLX_MAX_USING];
    int n_using;
    sqlx_rte *output;        /* a compound's (or grouping sets') ORDER BY reads this */
    sqlx_block *order_block; /* ... in this block of its own */
    int in_view;             /* a view's body (directly or inside one): printed per reference */
    struct sqlx_op *plan;    /* its plan (sqlx_plan.h) */
    int accessed;            /* its access paths are chosen (sqlx_access.c) */
    int order_unindexed;     /* the access stage found that walking its ORDER BY's index would read
                                far more than its filters' ranges (sqlx_access.c walk_meets_rows) */
    int correlated; /* a name in it, or in a block inside it, reads a relation of an enclosing
                       block: its rows depend on the enclosing row (a correlated subquery) */
    /* binding state (while the binder walks it) */
    const sqlx_select *alias_sel; /* select aliases seen (GROUP BY / HAVING / ORDER BY) */
    int in_group_by, in_aggregate_arg;
};

/* The statement's binding: its blocks, parents before the blocks inside them. */
typedef struct sqlx_bound {
    sqlx_block **blocks;
    int n_blocks, cap_blocks;
    sqlx_cte_def **ctes; /* every WITH query of the statement */
    int n_ctes, cap_ctes;
} sqlx_bound;

/* Bind a full SELECT (sel->block and below; ctx->bound set). 0 or an RS_E* code with err set
 * at the position of the first problem. */
int sqlx_bind_select(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err);

/* The reference a path reads in a clause where select aliases are seen (alias set) or not. */
static inline const sqlx_ref *sqlx_ref_of(const sqlx_node *n, int alias) {
    return alias && n->alias_ref != NULL ? n->alias_ref : n->ref;
}

/* Whether a and b are the same expression once bound: equal structure, and paths that read the
 * same steps of the same relation (`name` and `t.name` alike). alias: select aliases are seen
 * (a name that is an alias stands for its item). Subqueries and window calls equal only
 * themselves. */
int sqlx_bound_same(const sqlx_node *a, int a_alias, const sqlx_node *b, int b_alias);

/* The expression a GROUP BY / ORDER BY entry stands for: a position's item, an alias's item,
 * else e itself; *alias tells whether select aliases are seen in the result. */
const sqlx_node *sqlx_bound_target(const sqlx_select *s, const sqlx_node *e, int *alias);

/* The first node of an expression (outside subqueries) that is_call accepts, or NULL. */
const sqlx_node *sqlx_first_call(const sqlx_node *n, int (*is_call)(const sqlx_node *));

/* Whether n (outside subqueries) calls an aggregate / a window function; the first such call. */
int sqlx_contains_aggregate(const sqlx_node *n);
const sqlx_node *sqlx_first_window_call(const sqlx_node *n);

/* The leftmost SELECT core of a compound (whose items name the compound's fields). */
const sqlx_select *sqlx_leftmost_core(const sqlx_select *s);

#endif
