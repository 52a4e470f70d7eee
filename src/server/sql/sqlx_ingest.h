/*
 * sqlx_ingest.h - a collection's ingest transformation (its field_mapping_query): Rockset's rules
 * for one checked, and the SQLite statements that apply it to incoming documents
 * (docs/rockset-local.md, "Ingest transformations and rollups").
 *
 * A transformation is `SELECT ... FROM _input [WHERE ...] [GROUP BY ...] [HAVING ...]
 * [CLUSTER BY ...]`. Without aggregates or GROUP BY it maps each document to at most one
 * document. With them it is a rollup: one document per group, kept current as documents arrive.
 * A rollup is applied in three steps, each one statement translated here from the query itself,
 * so every function and type rule is the query engine's own:
 *
 *   part   over the batch's raw documents: per group its key values and the partial aggregates
 *          of this batch ({"g": [keys], "k0": .., "p0": .., ...}; WHERE applied);
 *   merge  over two such rows of one group (its stored state first, then a new part): the
 *          combined state, of the same shape (COUNT and SUM add up, MIN keeps the least, AVG
 *          keeps a SUM and a COUNT, ...);
 *   final  over state rows: each group's document (the select list with each aggregate read
 *          from its partials, then its key array as SQLX_INGEST_GROUP_FIELD), or no row for a
 *          group HAVING rejects.
 *
 * Statements read a table named by the caller (`input_table`, `batch_table`) with columns
 * (_id, doc): one row per input document, doc its JSON text. Every statement yields one column,
 * `doc`, in the document form of server/runtime/value.h (typed values tagged).
 *
 * Errors: RS_EINVAL with err->type "QUERY_ERROR" and a message naming the clause or field and
 * its position, e.g. "ORDER BY is not allowed in an ingest transformation (line 1, column 27)".
 *
 * Thread-safety: no shared state; call from any thread.
 */
#ifndef RS_SQLX_INGEST_H
#define RS_SQLX_INGEST_H

#include "err.h"

/* The member of a final row holding its group's key array (the caller takes it out). */
#define SQLX_INGEST_GROUP_FIELD "__rockset_local_group"

typedef struct sqlx_ingest {
    int rollup;
    /* plain: over input_table (one document): its transformed document, or no row (WHERE) */
    char *map_sql;
    /* rollup (above); part reads batch_table, merge and final read input_table, each a whole
     * batch of groups at once (merge groups its input by the keys) */
    char *part_sql;
    char *merge_sql;
    char *final_sql;
    int n_keys;
} sqlx_ingest;

/* Check sql and build its statements. On success fills *out (free with sqlx_ingest_free). */
int sqlx_ingest_compile(const char *sql, const char *input_table, const char *batch_table,
                        sqlx_ingest *out, rs_err *err);
void sqlx_ingest_free(sqlx_ingest *ing);

#endif
