/*
 * sqlx_plan.h - the translator's logical plan: operators built from the bound statement
 * (sqlx_plan.c), rewritten by rules (sqlx_rules.c), given access paths (sqlx_access.c), and
 * printed by an emitter (sqlx_emit.c for SQLite). docs/translator.md draws it.
 *
 * Every query block (sqlx_block) gets a chain of operators, top down:
 *
 *   LIMIT -> SORT -> PROJECT -> FILTER (HAVING) -> AGGREGATE -> FILTER (WHERE) -> FROM tree
 *
 * each present only when the query has that part; a compound is SORT / LIMIT over SETOP, and
 * grouping sets are GROUPING_SETS over the chain of one set. The FROM tree's leaves are GET
 * (a collection's documents), DERIVED (a relation another block computes: a subquery, a view's
 * body, a WITH query), UNNEST and EMPTY, joined by JOIN. Expressions stay the bound AST's
 * (sqlx_bind.h); a filter holds its conjuncts one by one, each with the relations it reads,
 * so that rules can move them and the access paths can serve them.
 *
 * What the later stages add, recorded on the plan so that EXPLAIN prints the choice itself:
 *   - rules: conjuncts pushed into the blocks of derived relations (sqlx_conj.pushed);
 *   - access: per GET, the key tests written for its indexes (field, element, function index,
 *     the primary key, a type guard's key ranges, an OR of those), each with its estimate;
 *     per JOIN, its keys and strategy (index lookup, hash, nested loop); the top-N read in
 *     index order.
 */
#ifndef RS_SQLX_PLAN_H
#define RS_SQLX_PLAN_H

#include "sqlx_bind.h"

#include <stdint.h>

typedef enum {
    SQLX_OP_GET = 1,      /* rte: a collection's documents */
    SQLX_OP_DERIVED,      /* rte: rows another block computes (query) */
    SQLX_OP_UNNEST,       /* rte */
    SQLX_OP_EMPTY,        /* rte: TABLE() while validating */
    SQLX_OP_JOIN,         /* left, right, from (type, USING, hint), conj (ON), join */
    SQLX_OP_FILTER,       /* input, conj; having: after grouping */
    SQLX_OP_AGGREGATE,    /* input; the block's GROUP BY, or its items (DISTINCT as grouping) */
    SQLX_OP_PROJECT,      /* input (NULL: no FROM); the block's select list */
    SQLX_OP_SORT,         /* input; the block's ORDER BY */
    SQLX_OP_LIMIT,        /* input; the block's LIMIT / OFFSET */
    SQLX_OP_SETOP,        /* left, right (NULL for "WRAP": a parenthesised query), op */
    SQLX_OP_GROUPING_SETS /* input: the chain of one set, printed once per set */
} sqlx_op_kind;

/* One conjunct of a WHERE, HAVING or ON. */
typedef struct sqlx_conj {
    const sqlx_node *expr;
    uint64_t rels; /* bit i: it reads relation i of its block (block->rels[i]) */
    int other;     /* it reads an enclosing query's relation, or has a subquery */
    int pushed;    /* rules moved it here from an enclosing query */
    int gone;      /* rules moved it into a derived relation: no longer tested here */
    int decided;   /* gone too: the request's parameters make it true of every row */
} sqlx_conj;

typedef struct sqlx_conjs {
    sqlx_conj *items;
    int n, cap;
} sqlx_conjs;

/* ---- access paths (sqlx_access.c) ---- */

typedef enum {
    SQLX_KEY_RANGE = 1, /* lo <= key <= hi on the path's index (either end may be open) */
    SQLX_KEY_IN,        /* key IN (keys) */
    SQLX_KEY_ID,        /* _id = value, or IN (value): the primary key */
    SQLX_KEY_GUARD,     /* key ranges by type rank (a TYPEOF guard), on one or more paths */
    SQLX_KEY_ELEMS,     /* rowid IN (the element index's documents with a key in [lo, hi]) */
    SQLX_KEY_OR,        /* arms[0] OR arms[1] ...: each arm the AND of its tests */
    SQLX_KEY_TRIGRAM,   /* rowid IN (the trigram index's documents whose string GLOBs the
                           pattern lo's rs_like_glob): a superset of `path LIKE lo` */
    SQLX_KEY_NONE,      /* no document has the path a comparison with a constant reads (the
                           catalog's path_absent): written false, nothing read */
    SQLX_KEY_PROBE      /* keys known only when the statement runs: key = rs_skey(probe), a
                           value of the enclosing query's row (a correlated subquery), or key IN
                           (the keys of sub's rows); never counted */
} sqlx_key_kind;

/* Ranks of the key order (runtime/value.h: null and undefined 1, bool 2, numbers 3, ...). */
#define SQLX_KEY_RANKS 17

/* One rank range of a type guard: keys from rank `from` up to (not) rank `to`; or, for the
 * numbers when only finite floats between lo and hi are excluded, the two ends. */
typedef struct sqlx_guard_range {
    int from, to;
    const char *lo, *hi; /* the number ends: keys <= rs_skey(lo) and >= rs_skey(hi) */
} sqlx_guard_range;

typedef struct sqlx_guard_path {
    const char *args;
    sqlx_guard_range *ranges;
    int n_ranges;
} sqlx_guard_path;

typedef struct sqlx_keytest {
    sqlx_key_kind kind;
    struct sqlx_rte *rte;
    const char *args; /* the path as rs_get arguments: 'a','b' */
    const char *fn;   /* a function index's function (SQLX_TS_ISO_KEY_FN), an expression index's
                         text over the table's doc (SQLX_IS_EXPR_KEY), NULL: the path's own */
    const sqlx_node *expr; /* an expression index's expression, its key printed over
                                     the relation when emitted; NULL: a path's (fn, args) */
    const char *lo, *hi;   /* RANGE, ELEMS: key expressions (SQL), NULL where open; IN: the least
                              and the greatest key (min(...), max(...)) */
    int lo_incl, hi_incl;
    int eq;            /* RANGE: written key = lo (IS NULL: one key) */
    int equality;      /* RANGE of `path = c` (c's key exact or not) */
    const char *exact; /* RANGE of `path = c`: rs_skey(c) when c's key is all its range (a number,
                          a bool, a string that reads as no date; known when translating) */
    const char **keys; /* IN: key expressions */
    int n_keys;
    int keys_query;          /* IN: keys[0] is a subquery listing the keys (a SPLIT's elements) */
    int by_keys;             /* IN: counted key by key (sqlx_access.c); -1 not asked yet */
    const char *value;       /* ID: the value's SQL */
    sqlx_guard_path *guards; /* GUARD */
    int n_guards;
    const char *elems_table; /* ELEMS: the side table; TRIGRAM: the FTS5 table */
    int64_t path_id;
    struct sqlx_keytest ***arms; /* OR: arms[i] is a NULL-terminated list of tests */
    int n_arms;
    const sqlx_node *conjunct; /* the conjunct it serves */
    int estimable;             /* the catalog can count its range */
    int weak;    /* a range a conjunct implies of a type alone (the strings a LIKE reads): read only
                    when it counts fewer documents than every other test and under half the
                    collection, and never a composite index's column */
    int64_t est; /* documents counted in its range; -1 unknown */
    int64_t count;       /* the exact count, when under the cap it was counted with; -1 */
    double likelihood;   /* > 0: the bounds are written likelihood(bound, this) */
    int dropped;         /* another test of the relation reads less: not written */
    const char *decides; /* RANGE: when this constant SQL condition holds ("": always), the test
                            is true exactly where its conjunct is, so a written test lets the
                            emitter leave the conjunct out (no document read for it); a test
                            with no lower bound only with one that has (sqlx_emit.c) */
    const sqlx_node *not_null;     /* a conjunct `path IS NOT NULL` on its path that it decides
                                      as well, under the same condition: its keys hold no null */
    const sqlx_node *probe;        /* PROBE: the value compared, of the enclosing query's row
                                      (sqlx_access_keys.c outer_test), printed with the block */
    const char *probe_op;          /* PROBE of a value: =, <, <=, >, >= (the path on the left) */
    const char *probe_keys;        /* PROBE of a value: rs_klo / rs_khi's kind (",0", ...) */
    const struct sqlx_select *sub; /* PROBE: an uncorrelated subquery listing the values */
    int on_id;                     /* PROBE: on the primary key (_id), not a field index */
    double probe_docs; /* PROBE: the documents it is expected to read (the subquery's rows, or
                          one key, times the index's documents per key); -1 unknown */
} sqlx_keytest;

typedef struct sqlx_access {
    sqlx_keytest **tests; /* every test found, in conjunct order; dropped ones stay listed */
    int n_tests, cap_tests;
    int top_n; /* ORDER BY an indexed path ... LIMIT: SQLite walks that index */
    const char *top_args;
    int order_first;       /* the top-N reads the order's index; the filters' tests dropped */
    int64_t docs;          /* documents in the collection; -1 unknown */
    const char *composite; /* a composite index its tests are written for (its name) */
    const char **composite_paths; /* its columns (rs_get arguments), in order */
    int n_composite;
    int chosen;           /* its tests were counted and chosen among (before the join order) */
    int together_counted; /* together holds the documents passing all its countable tests */
    int64_t together;
    int joined;      /* one of several relations whose join order is chosen */
    double combined; /* > 0: the documents its tests counted exactly keep together, estimated
                        from their counts (combine_counts in sqlx_access.c) */
} sqlx_access;

#define SQLX_MAX_JOIN_KEYS 8

typedef struct sqlx_join_key {
    const sqlx_node *right_path; /* a path of the right relation; NULL for USING */
    const char *using_name;
    const sqlx_node *left;     /* its value on the left; NULL for USING */
    const sqlx_node *conjunct; /* the ON (or WHERE) conjunct it is */
    const char *args;          /* the right path as rs_get arguments */
    const char *fn;            /* the key is fn(right path) (SQLX_STR_KEY_FN for CAST(path AS
                                  string)), read through a function index; NULL: the path */
    const sqlx_node *expr;     /* the key is this expression of the right path (CAST(SUBSTR(
                                  c.url, 53) AS int)); fn is then its text over the table's doc,
                                  the identity of the expression index serving it (by use) */
    const sqlx_node *inner;    /* a join into a derived relation (sqlx_join.through): the
                                  derived block's item the key reads, a path of its collection
                                  or an expression of one (inner_args, inner_fn as args, fn) */
    const char *inner_args, *inner_fn;
    int indexed; /* 0 none, 1 a field (or function) index, 2 _id (the primary key) */
    int exact;   /* indexed 1 on the path (no fn), whose catalog says its equal keys are equal
                    values (sqlx_index.keys_exact): the right side's value is not read again */
} sqlx_join_key;

typedef enum {
    SQLX_JOIN_NESTED = 0, /* no keys: each pair tested (or HINT(join_strategy = nested_loop)) */
    SQLX_JOIN_LOOKUP,     /* keys on the right's indexes: SQLite looks rows up */
    SQLX_JOIN_HASH        /* the right side wrapped with its keys: SQLite's automatic index */
} sqlx_join_strategy;

typedef struct sqlx_join {
    sqlx_join_key keys[SQLX_MAX_JOIN_KEYS];
    int n_keys;
    sqlx_join_strategy strategy;
    int wrapper_id;    /* HASH: the wrapper's alias r<wrapper_id> */
    double right_rows; /* HASH of a derived relation: the rows SQLite is told it has (rs_rows,
                        * runtime/rowshint.c), 0 when not told */
    double left_rows;  /* HASH: the same of its left side, when that is a derived relation */
    const char *why;   /* the hint or the reason, for EXPLAIN */
    /* LOOKUP into a derived relation that reads one collection without grouping (a WITH query
     * projecting and filtering comments): printed inline, unfenced, each key's inner value as
     * a column k<i> with its index's expression, so that SQLite folds the relation into the
     * join and looks the collection up (sqlx_emit.c) */
    int through;
} sqlx_join;

typedef struct sqlx_op {
    sqlx_op_kind kind;
    sqlx_block *block;
    struct sqlx_op *input, *left, *right;
    sqlx_rte *rte;         /* GET, DERIVED, UNNEST, EMPTY */
    struct sqlx_op *query; /* DERIVED: the plan of the query it reads */
    sqlx_access *access;   /* GET */
    const sqlx_from *from; /* JOIN */
    sqlx_join *join;       /* JOIN */
    sqlx_conjs conj;       /* FILTER, JOIN */
    int having;            /* FILTER */
    const char *op;        /* SETOP: "UNION ALL", ..., "WRAP" */
    int distinct_keys;     /* AGGREGATE: DISTINCT as grouping (the items are the keys) */
    int filtered;          /* UNNEST: the WHERE tests its rows (a hint for SQLite's planner) */
    int ordered;           /* JOIN: made by the join order (sqlx_access_order.c); its keys are
                              the WHERE's, where every condition of the joins it replaced went */
    int estimated;         /* est is set */
    double est;            /* the access stage's estimate of the rows it yields (a FROM leaf,
                              a join, a block's top operator) */
} sqlx_op;

/* Whether the select list or HAVING of s aggregates (SQLite then folds the rows into one). */
int sqlx_selects_aggregate(const sqlx_select *s);

/* Build the plan of every block of the bound statement (block->plan, cte->plan). */
int sqlx_plan_build(sqlx_ctx *ctx, rs_err *err);

/* The relations a conjunct reads (sqlx_conj.rels, .other), for blk. */
void sqlx_conj_rels(sqlx_conj *c, const sqlx_block *blk);

/* Add a conjunct to a list. */
int sqlx_conjs_add(sqlx_arena *a, sqlx_conjs *l, const sqlx_node *expr, const sqlx_block *blk);

/* The block's operators by kind (NULL when it has none): its WHERE filter, its FROM tree, ... */
sqlx_op *sqlx_plan_find(const sqlx_block *blk, sqlx_op_kind kind, int having);
sqlx_op *sqlx_plan_from(const sqlx_block *blk);

/* The GET (or DERIVED, ...) operator of rte in its block's FROM tree. */
sqlx_op *sqlx_plan_leaf(const sqlx_rte *rte);

/* The plan as text, one line per operator, indented by depth (EXPLAIN). */
int sqlx_plan_explain(sqlx_ctx *ctx, const sqlx_block *top, rs_buf *out);

#endif
