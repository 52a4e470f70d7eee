/*
 * rowsort.h - result rows kept in SQLite's order: the REST part of a split ORDER BY
 * (planner.h), i.e. the rows whose sort keys are of a type Rockset orders differently from
 * SQLite (bool, date, timestamp, bytes, object, array, non-finite float).
 *
 * What it is for: ext/vtab_collection_scan.c adds every REST row here, then merges the sorted
 * rows with the MAIN part that Rockset ordered, comparing with rs_rowsort_cmp. Keys are compared
 * as SQLite compares what the row shows once decoded (rowdecode.h): NULL < INTEGER/REAL
 * (numerically, an integer and a real exactly) < TEXT (bytewise: BINARY); JSON cells are TEXT.
 * Ties are broken by `_id` (bytewise, ascending), the tie-breaker the MAIN query ends with.
 * At most `keep` rows are kept (those first in the order: what LIMIT + OFFSET can reach), so
 * memory is bounded by the query's LIMIT, not by the collection.
 *
 * Ownership: rows and key texts are copied in; a row span returned by rs_rowsort_row lives as
 * long as the rowsort. Thread-safety: one thread at a time.
 */
#ifndef RS_SCAN_ROWSORT_H
#define RS_SCAN_ROWSORT_H

#include "err.h"
#include "jsonscan.h"
#include "rowdecode.h"

#include <stddef.h>

#define RS_ROWSORT_MAX_KEYS 8

typedef struct rs_rowsort rs_rowsort;

/* SQLite's order of two cells: <0, 0, >0. */
int rs_cell_order(const rs_cell *a, const rs_cell *b);

/* Rows of a table whose column k reads field names[k] (NULL: none), ordered by the columns
 * key_cols[0..n_keys) (desc[i]: descending), then by column id_col ascending; keep < 0 keeps
 * every row. NULL when out of memory or n_keys is 0 or above RS_ROWSORT_MAX_KEYS. */
rs_rowsort *rs_rowsort_new(const char *const *names, size_t n_cols, const size_t *key_cols,
                           const int *desc, size_t n_keys, size_t id_col, long long keep);
void rs_rowsort_free(rs_rowsort *r); /* NULL-safe */

/* Add a copy of one result row. RS_EPARSE for a malformed row, RS_ENOMEM. */
int rs_rowsort_add(rs_rowsort *r, rs_jsonscan_span row, rs_err *err);
/* Sort what was added and drop what is past `keep`; then rows are read by index. */
void rs_rowsort_finish(rs_rowsort *r);

size_t rs_rowsort_count(const rs_rowsort *r);
rs_jsonscan_span rs_rowsort_row(const rs_rowsort *r, size_t i);

/* Whether rows i and j (after finish) have equal keys, their _id aside: a tie in SQLite's order,
 * which Rockset may break either way when it is not asked to break it by _id. */
int rs_rowsort_same_keys(const rs_rowsort *r, size_t i, size_t j);
/* Drop the rows from n on (after finish). */
void rs_rowsort_cut(rs_rowsort *r, size_t n);

/* *cmp < 0 when row i (after finish) comes before `row` in the order, > 0 after, 0 when their
 * keys and _id are equal. RS_EPARSE for a malformed row, RS_ENOMEM. */
int rs_rowsort_cmp(rs_rowsort *r, size_t i, rs_jsonscan_span row, int *cmp, rs_err *err);

#endif
