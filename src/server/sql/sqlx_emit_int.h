/*
 * sqlx_emit_int.h - what the emitter's two files share: sqlx_emit.c (queries, FROM, joins, the
 * select list, key tests) and sqlx_emit_expr.c (expressions). Not for other stages: they read
 * sqlx_emit.h.
 */
#ifndef RS_SQLX_EMIT_INT_H
#define RS_SQLX_EMIT_INT_H

#include "sqlx_emit.h"

#define NULL_BLOB  "X'6E756C6C'"
#define TRUE_BLOB  "X'74727565'"
#define FALSE_BLOB "X'66616C7365'"

/* The paths of an UNNEST's rows that its rs_unnest call reads itself, as its columns v<i>
 * (sqlx_emit_unnest.c): each row is a new document, which rs_get would copy and index anew. */
#define UNNEST_MAX_PATHS 8
typedef struct unnest_paths {
    int alias; /* the call's r<alias> */
    int n;
    const char *args[UNNEST_MAX_PATHS]; /* emit_path_args' text: ",'a','b'" */
    const char *spec[UNNEST_MAX_PATHS]; /* the path for the runtime: '["a","b"]' */
    struct unnest_paths *next;
} unnest_paths;

typedef struct emitter {
    sqlx_ctx *ctx;
    rs_err *err;
    int depth;             /* expression nesting (SQLite's own limit is 1000) */
    unnest_paths *unnests; /* the statement's UNNESTs that read paths themselves */
    /* set: relation r<remap_from>'s paths print as rs_get(r<remap_to>.doc, ...), or with
     * remap_to < 0 as rs_get(doc, ...), the form of an index's expression over the collection's
     * table (sqlx_emit_key_text); a hash join's wrapper reads its inner relation so */
    int remap, remap_from, remap_to;
    /* a lookup join into a derived relation (sqlx_join.through): while its block is printed,
     * its select list adds each key's inner value as column k<i> */
    const struct sqlx_join *through;
    const sqlx_block *through_blk;
} emitter;

/* How the expressions of one query block are printed. */
/* A grouped block's paths, each read once per row before SQLite groups them (sqlx_emit.c):
 * column p<i> of the rows is rs_get(r<rel[i]>.doc<args[i]>). */
#define PRE_MAX_PATHS 32
typedef struct pre_paths {
    int rel[PRE_MAX_PATHS];
    const char *args[PRE_MAX_PATHS]; /* emit_path_args' text: ",'a','b'" */
    int n;
    int windows; /* the block calls window functions */
} pre_paths;

typedef struct pscope {
    const sqlx_block *blk;
    const pre_paths *pre; /* set: paths of this block's relations read as these columns */
    int alias;            /* select aliases are seen (GROUP BY, HAVING, ORDER BY) */
    int in_agg;           /* inside an aggregate's arguments: rows, not groups */
    /* a grouped block's select list, HAVING and ORDER BY read the group's keys (rs_gkey), and
     * under grouping sets the keys this set leaves out as null */
    const sqlx_node **keys, **nulls;
    int *keys_alias, *nulls_alias;
    int n_keys, n_nulls;
    int grouped;       /* the query has GROUP BY (GROUPING()) */
    uint64_t key_mask; /* GROUPING(): bit i when the query's GROUP BY entry i is a key here */
} pscope;

/* How a query's output is used: rows of documents, or the one value of its single item. */
typedef enum { MODE_DOC, MODE_SCALAR } sel_mode;

/* sqlx_emit.c */
int emit_block(emitter *em, const sqlx_block *blk, sel_mode mode, int final, int64_t default_limit,
               const sqlx_select *names_of, rs_buf *out);
int emit_scalar_subquery(emitter *em, const sqlx_select *sub, rs_buf *out);
void put_sql_string(rs_buf *out, const char *s);
void put_order_key(rs_buf *out, const char *value, int desc, int nulls);
int nulls_override(int desc, int nulls);
int emit_nomem(rs_err *err);

/* sqlx_emit_expr.c: a value (value.h's encoding), a truth value (1/0/NULL) */
int emit_val(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out);
int emit_cond(emitter *em, pscope *ps, const sqlx_node *n, rs_buf *out);
int emit_order_key(emitter *em, pscope *ps, const sqlx_node *e, const sqlx_order *o, rs_buf *out);
int emit_path_args(emitter *em, pscope *ps, const sqlx_node *n, int from, rs_buf *out);
/* The runtime's form of a path of constant steps from `from` on, '["a","b",0]' (an index
 * 0-based, as in the args), appended to out: rs_project's and rs_unnest's paths. */
void put_path_spec(const sqlx_node *n, int from, rs_buf *out);

/* sqlx_emit_unnest.c: the paths the block's UNNESTs read (before its FROM is printed); the
 * v<i> column reading a path of r<alias> (-1: none); the call's argument listing them */
int emit_unnest_collect(emitter *em, const sqlx_block *blk);
int emit_unnest_column(const emitter *em, int alias, const char *args);
void put_unnest_paths(const emitter *em, int alias, rs_buf *out);

#endif
