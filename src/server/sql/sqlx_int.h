/*
 * sqlx_int.h - internals shared by the pieces of rockset-local's SQL translator (not for the rest
 * of the server: it uses sqlxlate.h).
 *
 * The translator is a pipeline of stages, each in its own files, none reading text a later one
 * printed (docs/translator.md):
 *
 *   sqlx_lex.c     tokenizer: Rockset SQL text -> tokens with line/column
 *   sqlx_parse.c   recursive-descent parser: tokens -> AST (sqlx_node trees, this header)
 *   sqlx_bind.c    binder (sqlx_bind.h): every name resolved once (relation and path, select
 *                  alias, USING), functions looked up, the query's rules checked
 *   sqlx_plan.c    logical plan (sqlx_plan.h): operators built from the bound query
 *   sqlx_rules.c   rewrites on the plan: predicates pushed into derived relations
 *   sqlx_access.c  access paths: key tests on field, element and function indexes, join
 *                  strategies, top-N; the choice recorded on the plan
 *   sqlx_emit.c    emitter (sqlx_emit.h): the plan printed as SQLite SQL over document tables
 *                  (one `doc` column), calling the runtime's functions (server/runtime/catalog.h)
 *   sqlx_duck.c    a second emitter: DuckDB SQL over the column replica
 *   sqlx_describe.c  DESCRIBE rows
 *   sqlxlate.c     the entry (sqlxlate.h): runs the stages
 *
 * Values inside translated SQL, and in the documents it reads and writes, are encoded as
 * server/runtime/value.h says.
 *
 * Thread-safety: nothing here keeps global mutable state. Ownership: an AST belongs to its arena
 * (sqlx_arena); freeing the arena frees every node and string in it.
 */
#ifndef RS_SQLX_INT_H
#define RS_SQLX_INT_H

#include "buf.h"
#include "err.h"
#include "sqlxlate.h"

#include <stddef.h>
#include <stdint.h>

/* ---- arena: every AST node and string of one translation ---- */
typedef struct sqlx_arena {
    struct sqlx_chunk *head;
    int oom;
} sqlx_arena;

void *sqlx_alloc(sqlx_arena *a, size_t size); /* zeroed; NULL (and a->oom) on failure */
char *sqlx_strndup(sqlx_arena *a, const char *s, size_t len);
void sqlx_arena_free(sqlx_arena *a);

/* ---- tokens ---- */
typedef enum {
    TK_EOF = 0,
    TK_IDENT,  /* bare identifier or keyword; text as written */
    TK_QIDENT, /* "quoted" or `quoted` identifier; text unescaped */
    TK_INT,    /* digits only */
    TK_FLOAT,  /* with '.' or exponent */
    TK_STRING, /* 'text', unescaped */
    TK_PARAM,  /* :name; text = name */
    TK_OP      /* punctuation/operator; text = the operator ("<=", "(", ...) */
} sqlx_tok_kind;

typedef struct sqlx_token {
    sqlx_tok_kind kind;
    const char *text; /* arena string */
    int line, column;
} sqlx_token;

/* Tokenize sql; on success *out is an arena array ending with TK_EOF. */
int sqlx_lex(const char *sql, sqlx_arena *a, sqlx_token **out, int *n_out, rs_err *err);

/* ---- AST ---- */
typedef enum {
    N_LIT_INT = 1, /* text = digits (maybe with leading '-') */
    N_LIT_FLOAT,   /* text */
    N_LIT_STRING,  /* text */
    N_LIT_BOOL,    /* ival 0/1 */
    N_LIT_NULL,
    N_LIT_TYPED, /* DATE/TIME/DATETIME/TIMESTAMP 'x': text = literal, name = type */
    N_PARAM,     /* name */
    N_PATH,      /* a.b[1].c: parts = sequence of N_FIELDPART/N_INDEXPART; see below */
    N_STAR,      /* * or name.* in a select list (name = qualifier or NULL); path.* (a = the
                    path): the members of an object field */
    N_UNARY,     /* op "-", "+", "NOT"; a */
    N_BINARY,    /* op; a, b */
    N_ISNULL,    /* a IS [NOT] NULL; negated */
    N_BETWEEN,   /* a [NOT] BETWEEN b AND c */
    N_INLIST,    /* a [NOT] IN (list) */
    N_INSUB,     /* a [NOT] IN (sub) */
    N_LIKE,      /* a [NOT] LIKE b */
    N_EXISTS,    /* EXISTS (sub) */
    N_SUBQUERY,  /* (sub) as a scalar */
    N_CASE,      /* CASE [a] WHEN list[2i] THEN list[2i+1] ... ELSE b END */
    N_CAST,      /* CAST/TRY_CAST(a AS name); ival 1 = TRY */
    N_FUNC,      /* name(list); distinct; star (COUNT(*)) */
    N_EXTRACT,   /* EXTRACT(name FROM a) */
    N_SUBSCRIPT, /* a[b] on a non-path expression, or a.name (name) on one */
    N_LIT_UNDEFINED,
    N_ARRAY,   /* [list] */
    N_OBJECT,  /* {list[2i]: list[2i+1], ...}: keys are N_LIT_STRING */
    N_DISTINCT /* a IS [NOT] DISTINCT FROM b; negated = NOT */
} sqlx_node_kind;

typedef struct sqlx_order sqlx_order;

/* OVER (PARTITION BY ... ORDER BY ... [frame]) of a window function call. */
typedef struct sqlx_window {
    struct sqlx_node **partition;
    int n_partition;
    sqlx_order *order;
    int n_order;
    const char *frame; /* "ROWS BETWEEN 1 PRECEDING AND CURRENT ROW" as SQLite reads it, or NULL */
    int range_offset;  /* a RANGE frame with a numeric offset: ORDER BY must be one plain value */
} sqlx_window;

typedef struct sqlx_select sqlx_select;
struct sqlx_ref;
struct sqlx_rte;
struct sqlx_block;
struct rt_function;

typedef struct sqlx_node {
    sqlx_node_kind kind;
    int line, column;
    const char *text;
    const char *name;
    const char *op;
    int64_t ival;
    int negated, distinct, star;
    struct sqlx_node *a, *b, *c;
    struct sqlx_node **list;
    int n_list;
    /* N_PATH: names[i] is a field name, or NULL when index[i] is the array subscript expr */
    const char **names;
    struct sqlx_node **index;
    int n_parts;
    sqlx_select *sub;
    const char **except; /* N_STAR: SELECT * EXCEPT (names) */
    int n_except;
    sqlx_window *over;     /* N_FUNC called as a window function */
    sqlx_order *agg_order; /* ARRAY_AGG(x ORDER BY ... [LIMIT n] [OFFSET m]) */
    int n_agg_order;
    struct sqlx_node *agg_limit, *agg_offset;
    /* set by the binder (sqlx_bind.h), NULL before it ran: */
    const struct sqlx_ref *ref;         /* N_PATH: what the name reads */
    const struct sqlx_ref *alias_ref;   /* N_PATH in GROUP BY, HAVING, ORDER BY: the select item
                                           it names there (an alias), when it names one */
    const struct sqlx_node *bound_path; /* FIELD(): the path its text spells (NULL: unknown
                                           while validating); name.* of a field: that path */
    const struct rt_function *fn;       /* N_FUNC: the catalog entry (NULL: FIELD, GROUPING) */
} sqlx_node;

/* Nodes made by the stages that rewrite the parse tree before binding (sqlx_ast.c); each takes
 * at's line and column (0 without it) and is NULL when out of memory or given a NULL operand.
 * A path is first[.second] (the names are kept, not copied). A call has one argument, or two
 * when y is set. A binary node takes l's position. A copy has no binding, so the binder binds
 * it afresh; its subqueries and window clauses are the original's. */
sqlx_node *sqlx_node_new(sqlx_arena *a, sqlx_node_kind kind, const sqlx_node *at);
sqlx_node *sqlx_node_path(sqlx_arena *a, const char *first, const char *second,
                          const sqlx_node *at);
sqlx_node *sqlx_node_call(sqlx_arena *a, const char *fn, sqlx_node *x, sqlx_node *y,
                          const sqlx_node *at);
sqlx_node *sqlx_node_binary(sqlx_arena *a, const char *op, sqlx_node *l, sqlx_node *r);
sqlx_node *sqlx_node_copy(sqlx_arena *a, const sqlx_node *e);

typedef struct sqlx_item {
    sqlx_node *expr;
    const char *alias; /* NULL when none */
} sqlx_item;

typedef enum {
    F_TABLE = 1, /* ws.name or name (ws NULL) */
    F_SUBQUERY,
    F_JOIN,
    F_UNNEST /* UNNEST(arrays[i] [AS names[i]], ... [WITH ORDINALITY [AS ordinality]]) */
} sqlx_from_kind;

typedef struct sqlx_from {
    sqlx_from_kind kind;
    int line, column;
    const char *ws, *name; /* F_TABLE */
    sqlx_select *sub;      /* F_SUBQUERY */
    const char *alias;
    const char
        *join_type; /* F_JOIN: "JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "CROSS JOIN" */
    struct sqlx_from *left, *right;
    sqlx_node *on;
    struct sqlx_node **arrays; /* F_UNNEST */
    const char **names;        /* F_UNNEST: NULL where no AS */
    int n_arrays;
    const char *ordinality;            /* F_UNNEST: WITH ORDINALITY's field name, or NULL */
    const char *ws_param, *name_param; /* F_TABLE from TABLE([:ws, :name]): parameter names */
    double sample_pct;                 /* TABLESAMPLE BERNOULLI (pct) when has_sample */
    int has_sample;
    const char **using_names;
    int n_using;
    const char *access_path;   /* F_TABLE: HINT(access_path = <this>), as written, or NULL */
    const char *join_strategy; /* F_JOIN: HINT(join_strategy = <this>) after ON, or NULL */
    struct sqlx_rte *rte;      /* set by the binder: the relation this item binds */
} sqlx_from;

struct sqlx_order {
    sqlx_node *expr;
    int desc;
    int nulls; /* 0 default, 1 FIRST, 2 LAST */
};

typedef struct sqlx_cte {
    const char *name;
    sqlx_select *sel;
} sqlx_cte;

struct sqlx_select {
    sqlx_cte *ctes;
    int n_ctes;
    /* simple SELECT (when compound_op == NULL) */
    int distinct;
    sqlx_item *items;
    int n_items;
    sqlx_from *from; /* NULL: no FROM; comma joins are CROSS JOIN trees */
    sqlx_node *where, *having;
    sqlx_node **group; /* distinct GROUP BY expressions (every grouping set's, in order) */
    int n_group;
    int grouped; /* has a GROUP BY clause, even `GROUP BY ()` (one group of all rows) */
    /* GROUPING SETS / ROLLUP / CUBE: each set a bitmask over group[] (n_gsets == 0: one set,
     * all of group[]); the emitter answers them as a UNION ALL of one GROUP BY per set */
    uint64_t *gsets;
    int n_gsets;
    /* set on the emitter's copy for one grouping set: group[] bits not in gset_mask are null */
    int gset_branch;
    uint64_t gset_mask;
    /* compound: left compound_op right ("UNION", "UNION ALL", "INTERSECT", "EXCEPT") */
    const char *compound_op;
    sqlx_select *left, *right;
    /* applies to the whole (compound) statement */
    sqlx_order *order;
    int n_order;
    sqlx_node *limit, *offset;
    int limit_all; /* LIMIT ALL: no limit, not even the default row limit */
    /* CLUSTER BY e, ...: parsed for ingest transformations (sqlx_ingest.c), which alone may
     * have it; the emitter refuses it in a query */
    sqlx_node **cluster;
    int n_cluster;
    int cluster_line, cluster_column;
    int line, column;
    struct sqlx_block *block; /* set by the binder: this query's names */
};

typedef struct sqlx_ast {
    sqlx_kind kind;
    int explain;                         /* EXPLAIN SELECT ...: the plan, not the rows */
    sqlx_select *sel;                    /* SELECT / INSERT source */
    const char *target_ws, *target_name; /* DESCRIBE / INSERT */
    const char **params;                 /* :names in textual order (may repeat) */
    int n_params;
    int target_line, target_column;
} sqlx_ast;

/* Parse one statement (an optional trailing ';' allowed). */
int sqlx_parse(const char *sql, sqlx_arena *a, sqlx_ast *out, rs_err *err);

/* Structural equality of two expressions (subqueries and window calls equal only themselves). */
int sqlx_same_node(const sqlx_node *a, const sqlx_node *b);

/* Set a translation error: RS_EINVAL (syntax/semantic) or RS_EUNSUPPORTED, type QUERY_ERROR,
 * message suffixed with the position. Returns code. */
int sqlx_error(rs_err *err, int code, int line, int column, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* ---- string lists for sqlx_stmt ---- */
typedef struct sqlx_names {
    char **items;
    int n, cap;
} sqlx_names;
int sqlx_names_add(sqlx_names *l, const char *s); /* distinct; 0 or RS_ENOMEM */
void sqlx_names_free(sqlx_names *l);

/* ---- one translation: what every stage shares ----
 *
 * The resolver and parameter texts come from the caller; the name lists are filled as the
 * stages find collections (binder), parameters and output fields (emitter). Relation numbers
 * r<N> are handed out by the binder (one per relation of the statement) and then by the
 * emitter (its own wrappers), so every alias is unique in the statement. */
typedef struct sqlx_ctx {
    sqlx_resolve_fn resolve;
    void *resolve_ctx;
    sqlx_param_text_fn param_text;   /* TABLE() / FIELD() parameters; NULL when unknown */
    sqlx_param_value_fn param_value; /* any parameter's text and type; NULL when unknown */
    void *param_ctx;
    sqlx_arena *arena;
    sqlx_names params, collections, aliases, columns;
    int columns_star;         /* top-level select list has '*' */
    int index_form;           /* a collection is read through its field indexes (sqlx_stmt) */
    int access_done;          /* sqlx_access_plan ran (1: done, -1: failed); it runs once */
    int n_rel;                /* SQLite relation aliases r0, r1, ... handed out so far */
    int n_cte;                /* WITH queries cte0, cte1, ... */
    struct sqlx_bound *bound; /* the statement's binding (sqlx_bind.h), once bound */
    rs_buf *explain;          /* when set, the plan's lines are written here (EXPLAIN) */
} sqlx_ctx;

/* A context for one translation: the resolver, the parameters' texts (opts may be NULL) and
 * the arena; sqlx_ctx_free frees the lists the stages filled. */
void sqlx_ctx_init(sqlx_ctx *ctx, sqlx_resolve_fn resolve, void *resolve_ctx,
                   const sqlx_options *opts, sqlx_arena *arena);
void sqlx_ctx_free(sqlx_ctx *ctx);

/* Select-list rules every stage applies, for other readers of the AST (sqlx_ingest.c,
 * sqlx_duck.c): the output name of the item at 0-based position (its alias, a path's last
 * field, ?FUNC, ?CAST, else ?field<position>; arena string); whether n calls an aggregate that
 * folds a group (not a window call); and the item expression a GROUP BY / ORDER BY position
 * names (e itself when it is no position; NULL with *rc set when the position is not in s's
 * select list). */
const char *sqlx_item_name(sqlx_arena *arena, const sqlx_item *it, int position);
int sqlx_is_aggregate_call(const sqlx_node *n);
const sqlx_node *sqlx_ordinal_item(const sqlx_select *s, const sqlx_node *e, rs_err *err, int *rc);

/* The stages for one SELECT (sqlx_pipeline.c). Up to the choice of engine: bind, plan,
 * rewrite. Then for SQLite: choose access paths and print the SQLite text into out (and, with
 * ctx->explain set, the plan's text there). default_limit > 0 applies when the statement has
 * no LIMIT; -1 keeps typed values for ingest (INSERT). sqlx_translate_select does both. */
int sqlx_prepare_select(sqlx_ctx *ctx, sqlx_select *sel, rs_err *err);
int sqlx_finish_sqlite(sqlx_ctx *ctx, sqlx_select *sel, int64_t default_limit, rs_buf *out,
                       rs_err *err);
int sqlx_translate_select(sqlx_ctx *ctx, sqlx_select *sel, int64_t default_limit, rs_buf *out,
                          rs_err *err);

/* A statement prepared up to the choice of engine (sqlxlate.h's sqlx_prepared): its arena,
 * context and AST, kept for the emitter that prints it. */
struct sqlx_prepared {
    sqlx_arena arena;
    sqlx_ctx ctx;
    sqlx_ast ast;
    int64_t default_limit; /* the SELECT's; -1 for an INSERT's rows */
    int printed;           /* an emitter of SQLite ran (it may run once) */
};

#endif
