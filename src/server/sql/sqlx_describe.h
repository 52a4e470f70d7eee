/*
 * sqlx_describe.h - the rows of `DESCRIBE ws.collection`: every field path of the collection's
 * documents with its type, how many documents have it with that type, and how many there are.
 * Fed one document text at a time, so the caller streams the collection (query_exec.c).
 *
 * Ownership: an sqlx_describe is the caller's (sqlx_describe_free); the rows text is malloc'd.
 * Thread-safety: one sqlx_describe belongs to one thread.
 */
#ifndef RS_SQLX_DESCRIBE_H
#define RS_SQLX_DESCRIBE_H

#include "err.h"

typedef struct sqlx_describe sqlx_describe;

/* A new, empty description; NULL when out of memory. */
sqlx_describe *sqlx_describe_new(void);
/* Count the field paths of one document (a JSON object text). RS_ENOMEM, or RS_EPARSE when the
 * text is not an object. */
int sqlx_describe_add(sqlx_describe *d, const char *doc_json, rs_err *err);
/* JSON array text of the rows, sorted by field path then type; malloc'd, NULL on error. */
char *sqlx_describe_rows(sqlx_describe *d, rs_err *err);
void sqlx_describe_free(sqlx_describe *d);

#endif
