/*
 * vtab_collection_write.c - writing a `rockset` table: INSERT adds documents, UPDATE patches
 * them (or replaces them when _doc is set), DELETE deletes them by _id.
 *
 *   BEGIN;
 *   INSERT INTO orders(_id, total, tags) VALUES ('o1', 9.5, json('["new"]'));
 *   UPDATE orders SET total = 12 WHERE _id = 'o1';        -- PATCH add /total 12
 *   UPDATE orders SET _doc = '{"total": 1}' WHERE _id = 'o2';   -- the whole document
 *   DELETE FROM orders WHERE total < 1;
 *   COMMIT;                                               -- sent here (xSync)
 *
 * HOW IT WORKS. xUpdate appends each change to a list of pending operations (JSON text in one
 * buffer); nothing is sent until xSync, so a ROLLBACK sends nothing, and a failure of any batch
 * fails the COMMIT with a message naming the documents Rockset refused and why. Outside an
 * explicit transaction each statement commits, so it is sent when it ends. Consecutive
 * operations of one kind go in one request of at most batch_size documents
 * (rockset_config('batch_size') or the table's batch_size=), in order. Two things send early:
 * a buffer reaching batch_size documents (memory stays bounded in a big INSERT ... SELECT; a
 * later ROLLBACK cannot take those back), and a read of the same table inside the transaction
 * (so that it sees the transaction's own writes). After sending, the connection remembers the
 * collection's last offset; the next read of any table over that collection waits on the
 * collection's commit fence for it (read-your-writes; commits themselves do not wait).
 * Savepoints (and SQLite's statement journal) truncate the list.
 *
 * FAILURES. A batch that ends the same when applied twice (DELETEs, UPDATEs, INSERTs whose every
 * row has an _id) is sent again after a 5xx or a lost connection, as reads are (api.h); an
 * INSERT batch with rows lacking _id is not, and its error says so. The error of a failed batch
 * also says how many changes of the transaction were already written: they stay.
 *
 * Values: INTEGER and REAL as JSON numbers (a REAL stays a float: 2.0, not 2), TEXT as a string
 * unless it carries SQLite's JSON subtype (json(), json_object(), a JSON column of another
 * table) or the column's declared type says JSON, then as that JSON; NULL leaves the field out
 * of an INSERT and sets it to null in an UPDATE; BLOBs are refused. An INSERT whose _id exists
 * replaces that document, as Rockset's write API does; without _id Rockset makes one.
 */
#include "conn.h"
#include "jsonscan.h"
#include "sqlerr.h"
#include "vtab_collection.h"

#include <sqlite3ext.h>
SQLITE_EXTENSION_INIT3

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define JSON_SUBTYPE       74
#define MAX_NAMED_FAILURES 3 /* documents named in a failed batch's message */

typedef enum op_kind { OP_ADD = 1, OP_PATCH, OP_DELETE } op_kind;

/* One pending change: text[off .. off+len) is the document (ADD), the patch document (PATCH)
 * or the _id followed by a NUL (DELETE). */
typedef struct pending_op {
    op_kind kind;
    size_t off;
    size_t len;
} pending_op;

struct collection_writes {
    rs_buf text;
    pending_op *ops;
    size_t n, cap;
    size_t sent;   /* changes sent by this transaction so far (named when a later batch fails) */
    size_t *marks; /* ops pending when savepoint i began */
    int n_marks, cap_marks;
};

int collection_writes_new(collection_writes **out) {
    *out = calloc(1, sizeof(collection_writes));
    return *out != NULL ? RS_OK : RS_ENOMEM;
}

void collection_writes_free(collection_writes *w) {
    if (w == NULL)
        return;
    rs_buf_free(&w->text);
    free(w->ops);
    free(w->marks);
    free(w);
}

size_t collection_writes_pending(const collection_writes *w) {
    return w->n;
}

void collection_writes_discard(collection_writes *w) {
    int i;

    rs_buf_reset(&w->text);
    w->n = 0;
    for (i = 0; i < w->n_marks; i++)
        w->marks[i] = 0;
}

/* Record text[start ..] (what the caller just appended) as an operation. */
static int push_op(collection_writes *w, op_kind kind, size_t start) {
    if (w->text.oom)
        return RS_ENOMEM;
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 64;
        pending_op *grown = realloc(w->ops, cap * sizeof(*grown));
        if (grown == NULL)
            return RS_ENOMEM;
        w->ops = grown;
        w->cap = cap;
    }
    w->ops[w->n].kind = kind;
    w->ops[w->n].off = start;
    w->ops[w->n].len = w->text.len - start;
    w->n++;
    return RS_OK;
}

/* ---------------------------------------------------------------- values -> JSON */

static int is_json_type(const char *type) {
    size_t i;

    for (i = 0; type[i] != '\0'; i++) {
        if (strncasecmp(type + i, "JSON", 4) == 0)
            return 1;
    }
    return 0;
}

/* Append the JSON for an SQL value stored in column col. */
static int value_json(rs_buf *out, const rs_column *col, sqlite3_value *v, rs_err *err) {
    const char *text;
    size_t len;

    switch (sqlite3_value_type(v)) {
    case SQLITE_NULL:
        rs_buf_puts(out, "null");
        break;
    case SQLITE_INTEGER:
        rs_buf_printf(out, "%lld", (long long)sqlite3_value_int64(v));
        break;
    case SQLITE_FLOAT: {
        double d = sqlite3_value_double(v);
        char num[40];
        if (!isfinite(d))
            return rs_err_set(err, RS_EINVAL, "rockset: column '%s': %s cannot be stored in JSON",
                              col->name, isnan(d) ? "NaN" : "an infinite number");
        rs_planner_format_double(d, num, sizeof(num));
        rs_buf_puts(out, num);
        if (strcspn(num, ".eE") == strlen(num))
            rs_buf_puts(out, ".0"); /* keep it a float: 2.0, not 2 */
        break;
    }
    case SQLITE_TEXT:
        text = (const char *)sqlite3_value_text(v);
        len = (size_t)sqlite3_value_bytes(v);
        if ((sqlite3_value_subtype(v) == JSON_SUBTYPE || is_json_type(col->type)) &&
            rs_jsonscan_validate(text, len, NULL) == RS_OK)
            rs_buf_append(out, text, len);
        else
            rs_buf_json_string(out, text, len);
        break;
    default:
        return rs_err_set(err, RS_EINVAL, "rockset: column '%s': BLOB values cannot be stored",
                          col->name);
    }
    return out->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
}

/* The text of an _id value (numbers as SQLite shows them); NULL for NULL. */
static int id_text(sqlite3_value *v, const char **out, rs_err *err) {
    *out = NULL;
    if (sqlite3_value_type(v) == SQLITE_NULL)
        return RS_OK;
    if (sqlite3_value_type(v) == SQLITE_BLOB)
        return rs_err_set(err, RS_EINVAL, "rockset: _id must be text, not a BLOB");
    *out = (const char *)sqlite3_value_text(v);
    return *out != NULL ? RS_OK : rs_err_set(err, RS_ENOMEM, "out of memory");
}

/* ---------------------------------------------------------------- documents */

static int column_of_role(const rs_schema *schema, rs_col_role role) {
    size_t i;

    for (i = 0; i < schema->n; i++) {
        if (schema->cols[i].role == role)
            return (int)i;
    }
    return -1;
}

/* Is the raw key one of the fields already written (written[i] for column i)? */
static int key_written(const rs_schema *schema, const unsigned char *written,
                       rs_jsonscan_span key) {
    size_t i;

    for (i = 0; i < schema->n; i++) {
        if (written[i] && rs_jsonscan_key_eq(key, schema->cols[i].name))
            return 1;
    }
    return 0;
}

/* The members of the JSON object doc that no column overrides. */
static int merge_doc(rs_buf *out, const rs_schema *schema, const unsigned char *written,
                     sqlite3_value *doc, int *n_members, rs_err *err) {
    const char *text = (const char *)sqlite3_value_text(doc);
    rs_jsonscan_span span = {text, (size_t)sqlite3_value_bytes(doc)}, key, value;
    rs_jsonscan_iter it;

    if (text == NULL || rs_jsonscan_validate(text, span.len, NULL) != RS_OK ||
        rs_jsonscan_classify(rs_jsonscan_trim(span)) != RS_JSON_OBJECT)
        return rs_err_set(err, RS_EINVAL, "rockset: _doc must be a JSON object");
    rs_jsonscan_iter_init(&it, rs_jsonscan_trim(span));
    while (rs_jsonscan_iter_next(&it, &key, &value) == 1) {
        if (key_written(schema, written, key))
            continue;
        if ((*n_members)++ > 0)
            rs_buf_putc(out, ',');
        rs_buf_append(out, key.ptr, key.len);
        rs_buf_putc(out, ':');
        rs_buf_append(out, value.ptr, value.len);
    }
    return out->oom ? rs_err_set(err, RS_ENOMEM, "out of memory") : RS_OK;
}

/* A whole document: _id (id, or argv's when id is NULL), the columns given (all of them, or in
 * an UPDATE only the changed ones), then _doc's other members. */
static int build_doc(rs_buf *out, const rs_schema *schema, sqlite3_value **cols, const char *id,
                     int changed_only, rs_err *err) {
    unsigned char *written = calloc(schema->n, 1);
    int n = 0, rc = RS_OK, doc_col = column_of_role(schema, RS_COL_DOC);
    size_t i;

    if (written == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_buf_putc(out, '{');
    for (i = 0; i < schema->n && rc == RS_OK; i++) {
        const rs_column *col = &schema->cols[i];
        const char *text = NULL;
        if (col->role == RS_COL_DOC ||
            (changed_only && col->role != RS_COL_ID && sqlite3_value_nochange(cols[i])))
            continue;
        if (col->role == RS_COL_ID && id != NULL)
            text = id;
        else if (col->role == RS_COL_ID)
            rc = id_text(cols[i], &text, err);
        if (rc != RS_OK)
            break;
        if (col->role == RS_COL_ID ? text == NULL : sqlite3_value_type(cols[i]) == SQLITE_NULL)
            continue;
        if (n++ > 0)
            rs_buf_putc(out, ',');
        rs_buf_json_string(out, col->name, strlen(col->name));
        rs_buf_putc(out, ':');
        if (text != NULL)
            rs_buf_json_string(out, text, strlen(text));
        else
            rc = value_json(out, col, cols[i], err);
        written[i] = 1;
    }
    if (rc == RS_OK && doc_col >= 0 && sqlite3_value_type(cols[doc_col]) != SQLITE_NULL &&
        !sqlite3_value_nochange(cols[doc_col]))
        rc = merge_doc(out, schema, written, cols[doc_col], &n, err);
    rs_buf_putc(out, '}');
    free(written);
    if (rc == RS_OK && out->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

/* Append "/<name>" as a JSON Pointer ('~' -> "~0", '/' -> "~1") inside a JSON string. */
static void json_pointer(rs_buf *out, const char *name) {
    rs_buf ptr = RS_BUF_INIT;
    const char *p;

    rs_buf_putc(&ptr, '/');
    for (p = name; *p != '\0'; p++) {
        if (*p == '~')
            rs_buf_puts(&ptr, "~0");
        else if (*p == '/')
            rs_buf_puts(&ptr, "~1");
        else
            rs_buf_putc(&ptr, *p);
    }
    if (ptr.oom)
        out->oom = 1;
    else
        rs_buf_json_string(out, ptr.data, ptr.len);
    rs_buf_free(&ptr);
}

/* {"_id": id, "patch": [{"op": "add", "path": "/col", "value": v}, ...]} for the changed
 * fields; *n_ops = 0 when nothing changed. */
static int build_patch(rs_buf *out, const rs_schema *schema, sqlite3_value **cols, const char *id,
                       int *n_ops, rs_err *err) {
    size_t i;
    int rc = RS_OK;

    *n_ops = 0;
    rs_buf_puts(out, "{\"_id\":");
    rs_buf_json_string(out, id, strlen(id));
    rs_buf_puts(out, ",\"patch\":[");
    for (i = 0; i < schema->n && rc == RS_OK; i++) {
        if (schema->cols[i].role != RS_COL_FIELD || sqlite3_value_nochange(cols[i]))
            continue;
        rs_buf_puts(out,
                    (*n_ops)++ > 0 ? ",{\"op\":\"add\",\"path\":" : "{\"op\":\"add\",\"path\":");
        json_pointer(out, schema->cols[i].name);
        rs_buf_puts(out, ",\"value\":");
        rc = value_json(out, &schema->cols[i], cols[i], err);
        rs_buf_putc(out, '}');
    }
    rs_buf_puts(out, "]}");
    if (rc == RS_OK && out->oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    return rc;
}

/* ---------------------------------------------------------------- xUpdate */

static int queue_insert(collection_vtab *vt, sqlite3_value **cols, rs_err *err) {
    collection_writes *w = vt->writes;
    size_t start = w->text.len;
    int rc = build_doc(&w->text, &vt->schema, cols, NULL, 0, err);

    if (rc == RS_OK && push_op(w, OP_ADD, start) != RS_OK)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc != RS_OK)
        w->text.len = start;
    return rc;
}

static int queue_delete(collection_vtab *vt, sqlite3_value *key, rs_err *err) {
    collection_writes *w = vt->writes;
    size_t start = w->text.len;
    const char *id;
    int rc = id_text(key, &id, err);

    if (rc != RS_OK)
        return rc;
    if (id == NULL)
        return rs_err_set(err, RS_EINTERNAL, "rockset: the row to delete has no _id");
    /* with its NUL: rs_api_docs_delete wants C strings */
    rs_buf_append(&w->text, id, strlen(id) + 1);
    if (push_op(w, OP_DELETE, start) != RS_OK) {
        w->text.len = start;
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    }
    return RS_OK;
}

/* UPDATE: refuse what cannot change, then patch the changed fields or, when _doc is set,
 * replace the whole document. */
static int queue_update(collection_vtab *vt, sqlite3_value *old_key, sqlite3_value **cols,
                        rs_err *err) {
    collection_writes *w = vt->writes;
    int et = column_of_role(&vt->schema, RS_COL_EVENT_TIME);
    int doc = column_of_role(&vt->schema, RS_COL_DOC), n_ops = 0, rc;
    const char *old_id, *new_id;
    size_t start = w->text.len;

    rc = id_text(old_key, &old_id, err);
    if (rc == RS_OK && !sqlite3_value_nochange(cols[0]))
        rc = id_text(cols[0], &new_id, err);
    else
        new_id = old_id;
    if (rc != RS_OK)
        return rc;
    if (old_id == NULL)
        return rs_err_set(err, RS_EINTERNAL, "rockset: the row to update has no _id");
    if (new_id == NULL || strcmp(old_id, new_id) != 0)
        return rs_err_set(err, RS_EINVAL,
                          "rockset: _id cannot be changed (%s -> %s); DELETE and INSERT instead",
                          old_id, new_id ? new_id : "NULL");
    if (!sqlite3_value_nochange(cols[et]))
        return rs_err_set(err, RS_EINVAL, "rockset: _event_time cannot be changed");
    if (!sqlite3_value_nochange(cols[doc]) && sqlite3_value_type(cols[doc]) == SQLITE_NULL)
        return rs_err_set(err, RS_EINVAL,
                          "rockset: _doc cannot be set to NULL; DELETE the row instead");
    if (!sqlite3_value_nochange(cols[doc])) {
        rc = build_doc(&w->text, &vt->schema, cols, old_id, 1, err);
        if (rc == RS_OK && push_op(w, OP_ADD, start) != RS_OK)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    } else {
        rc = build_patch(&w->text, &vt->schema, cols, old_id, &n_ops, err);
        if (rc == RS_OK && n_ops > 0 && push_op(w, OP_PATCH, start) != RS_OK)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        if (n_ops == 0)
            w->text.len = start;
    }
    if (rc != RS_OK)
        w->text.len = start;
    return rc;
}

int collectionUpdate(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid) {
    collection_vtab *vt = (collection_vtab *)pVtab;
    rs_err err;
    int rc;

    (void)pRowid; /* WITHOUT ROWID: rows are named by _id */
    rs_err_clear(&err);
    if (argc == 1)
        rc = queue_delete(vt, argv[0], &err);
    else if (sqlite3_value_type(argv[0]) == SQLITE_NULL)
        rc = queue_insert(vt, argv + 2, &err);
    else
        rc = queue_update(vt, argv[0], argv + 2, &err);
    /* a full buffer goes now, so a big INSERT ... SELECT never holds more than a batch */
    if (rc == RS_OK && collection_writes_pending(vt->writes) >= (size_t)collection_batch_size(vt))
        rc = collection_writes_flush(vt, &err);
    if (rc != RS_OK)
        return rs_sqlerr_vtab(pVtab, &err); /* SQLite rolls the statement back (xRollbackTo) */
    return SQLITE_OK;
}

/* ---------------------------------------------------------------- sending */

/* The error for a batch with refused documents: how many, and the first few by _id. */
static int batch_error(const rs_write_result *res, rs_err *err) {
    char detail[400] = "";
    size_t i, named = 0, used = 0;

    for (i = 0; i < res->count && named < MAX_NAMED_FAILURES; i++) {
        const rs_doc_status *d = &res->docs[i];
        int n;
        if (d->status == NULL || strcmp(d->status, "ERROR") != 0)
            continue;
        n = snprintf(detail + used, sizeof(detail) - used, "%s'%s': %s", named ? "; " : "",
                     d->id ? d->id : "?", d->error_message ? d->error_message : "refused");
        if (n < 0 || (size_t)n >= sizeof(detail) - used)
            break;
        used += (size_t)n;
        named++;
    }
    return rs_err_set(err, RS_EHTTP, "rockset: %zu of %zu documents were not written: %s%s",
                      res->n_errors, res->count, detail, res->n_errors > named ? "; ..." : "");
}

/* Send ops[from, to) (all of one kind) as one request. */
static int send_batch(collection_vtab *vt, rs_api *api, size_t from, size_t to, rs_err *err) {
    collection_writes *w = vt->writes;
    rs_write_result res;
    rs_buf body = RS_BUF_INIT;
    const char **ids = NULL;
    size_t i;
    int rc;

    memset(&res, 0, sizeof(res));
    if (w->ops[from].kind == OP_DELETE) {
        ids = malloc((to - from) * sizeof(char *));
        if (ids == NULL)
            return rs_err_set(err, RS_ENOMEM, "out of memory");
        for (i = from; i < to; i++)
            ids[i - from] = w->text.data + w->ops[i].off;
        rc = rs_api_docs_delete(api, vt->ws, vt->coll, ids, to - from, &res, err);
    } else {
        rs_buf_putc(&body, '[');
        for (i = from; i < to; i++) {
            if (i > from)
                rs_buf_putc(&body, ',');
            rs_buf_append(&body, w->text.data + w->ops[i].off, w->ops[i].len);
        }
        rs_buf_putc(&body, ']');
        if (body.oom)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        else if (w->ops[from].kind == OP_ADD)
            rc = rs_api_docs_add(api, vt->ws, vt->coll, body.data, body.len, &res, err);
        else
            rc = rs_api_docs_patch(api, vt->ws, vt->coll, body.data, body.len, &res, err);
    }
    if (rc != RS_OK && w->ops[from].kind == OP_ADD && rs_http_err_is_transient(err) &&
        !rs_api_docs_add_retryable(body.data, body.len))
        rs_err_append(err, "; not retried: rows without _id would be added twice by a repeat");
    if (rc == RS_OK) {
        vt->conn->docs_sent += to - from;
        vt->doc_count = -2; /* the planner's statistics are stale now */
        if (res.last_offset != NULL) {
            rc = rs_fences_note(&vt->conn->fences, vt->ws, vt->coll, res.last_offset, err);
            res.last_offset = NULL;
        }
        if (rc == RS_OK && res.n_errors > 0)
            rc = batch_error(&res, err);
    }
    rs_write_result_free(&res);
    rs_buf_free(&body);
    free(ids);
    return rc;
}

int collection_writes_flush(collection_vtab *vt, rs_err *err) {
    collection_writes *w = vt->writes;
    size_t from = 0, to, batch = (size_t)collection_batch_size(vt);
    rs_api *api;
    int rc = RS_OK;

    if (w->n == 0)
        return RS_OK;
    rc = rs_conn_api(vt->conn, &api, err);
    while (rc == RS_OK && from < w->n) {
        to = from + 1;
        while (to < w->n && to - from < batch && w->ops[to].kind == w->ops[from].kind)
            to++;
        rc = send_batch(vt, api, from, to, err);
        if (rc == RS_OK)
            w->sent += to - from;
        else if (w->sent > 0)
            rs_err_append(err,
                          "; %zu earlier changes of this transaction were written and stay "
                          "written (Rockset has no transactions)",
                          w->sent);
        from = to;
    }
    /* sent or failed, the buffer is done with: a failed COMMIT is rolled back */
    collection_writes_discard(w);
    return rc;
}

int collection_read_barrier(collection_vtab *vt, rs_err *err) {
    rs_api *api;
    int rc = collection_writes_flush(vt, err);

    if (rc != RS_OK || rs_fences_pending(&vt->conn->fences, vt->ws, vt->coll) == NULL)
        return rc;
    rc = rs_conn_api(vt->conn, &api, err);
    if (rc == RS_OK)
        rc = rs_fences_barrier(&vt->conn->fences, api, vt->ws, vt->coll, vt->conn->cfg.timeout_ms,
                               err);
    return rc;
}

/* ---------------------------------------------------------------- transactions */

int collectionBegin(sqlite3_vtab *pVtab) {
    (void)pVtab;
    return SQLITE_OK;
}

int collectionSync(sqlite3_vtab *pVtab) {
    collection_vtab *vt = (collection_vtab *)pVtab;
    rs_err err;

    rs_err_clear(&err);
    if (collection_writes_flush(vt, &err) != RS_OK)
        return rs_sqlerr_vtab(pVtab, &err);
    return SQLITE_OK;
}

int collectionCommit(sqlite3_vtab *pVtab) {
    collection_vtab *vt = (collection_vtab *)pVtab;

    collection_writes_discard(vt->writes);
    vt->writes->n_marks = 0;
    vt->writes->sent = 0;
    return SQLITE_OK;
}

int collectionRollback(sqlite3_vtab *pVtab) {
    collection_vtab *vt = (collection_vtab *)pVtab;

    collection_writes_discard(vt->writes);
    vt->writes->n_marks = 0;
    vt->writes->sent = 0;
    return SQLITE_OK;
}

int collectionSavepoint(sqlite3_vtab *pVtab, int iSavepoint) {
    collection_writes *w = ((collection_vtab *)pVtab)->writes;
    int i;

    if (iSavepoint < 0)
        return SQLITE_OK;
    if (iSavepoint >= w->cap_marks) {
        int cap = iSavepoint + 8;
        size_t *grown = realloc(w->marks, (size_t)cap * sizeof(size_t));
        if (grown == NULL)
            return SQLITE_NOMEM;
        w->marks = grown;
        w->cap_marks = cap;
    }
    for (i = w->n_marks; i < iSavepoint; i++)
        w->marks[i] = w->n; /* levels SQLite skipped start here too */
    w->marks[iSavepoint] = w->n;
    w->n_marks = iSavepoint + 1;
    return SQLITE_OK;
}

int collectionRelease(sqlite3_vtab *pVtab, int iSavepoint) {
    collection_writes *w = ((collection_vtab *)pVtab)->writes;

    if (iSavepoint >= 0 && iSavepoint < w->n_marks)
        w->n_marks = iSavepoint;
    return SQLITE_OK;
}

int collectionRollbackTo(sqlite3_vtab *pVtab, int iSavepoint) {
    collection_writes *w = ((collection_vtab *)pVtab)->writes;
    size_t keep;

    if (iSavepoint < 0 || iSavepoint >= w->n_marks)
        return SQLITE_OK;
    keep = w->marks[iSavepoint] < w->n ? w->marks[iSavepoint] : w->n;
    if (keep < w->n) {
        w->text.len = w->ops[keep].off;
        if (w->text.data != NULL)
            w->text.data[w->text.len] = '\0';
        w->n = keep;
    }
    w->n_marks = iSavepoint + 1;
    return SQLITE_OK;
}
