/* h_documents.c - POST/PATCH/DELETE $W/collections/{c}/docs (the Write API).
 * Bodies are {"data":[...]}; each element gets a DocumentStatus. Per-document failures answer
 * status ERROR with an ErrorModel (HTTP stays 200); the whole request is one transaction and one
 * offset. A replaced document reports ADDED, as Rockset itself does for upserts. */
#include "docs.h"
#include "handlers.h"
#include "jsonscan.h"

#include <stdlib.h>
#include <string.h>

#define MAX_DOCS 20000

enum { DOC_ADD, DOC_PATCH, DOC_DELETE };

static void put_status(rs_buf *b, const char *id, const char *coll, const char *status,
                       const rs_err *err, const char *patch_id) {
    rs_buf_puts(b, "{\"_id\":");
    if (id != NULL)
        rs_buf_json_string(b, id, strlen(id));
    else
        rs_buf_puts(b, "null");
    rs_buf_puts(b, ",\"_collection\":");
    rs_buf_json_string(b, coll, strlen(coll));
    rs_buf_printf(b, ",\"status\":\"%s\",\"error\":", err ? "ERROR" : status);
    if (err != NULL)
        rl_error_json(b, err->code == RS_ENOTFOUND ? "NOTFOUND" : "INVALIDINPUT", NULL, 0, 0, NULL,
                      err->msg);
    else
        rs_buf_puts(b, "null");
    rs_buf_puts(b, ",\"patch_id\":");
    if (patch_id != NULL && err == NULL)
        rs_buf_printf(b, "\"%s\"", patch_id);
    else
        rs_buf_puts(b, "null");
    rs_buf_putc(b, '}');
}

/* One element of data: do the write, append its DocumentStatus. */
static int one_doc(rl_docwrite *w, int kind, const char *item, rs_buf *b, rs_err *fatal) {
    char id[256] = "", patch_id[37], *given_id = NULL, *ops = NULL;
    rs_err err = {0};
    int rc;

    if (kind == DOC_ADD) {
        rc = rl_docs_add(w, item, id, &err);
        put_status(b, id[0] ? id : NULL, w->coll, "ADDED", rc ? &err : NULL, NULL);
        if (rc == RS_ENOMEM || rc == RS_EINTERNAL)
            *fatal = err;
        return rc == RS_ENOMEM || rc == RS_EINTERNAL ? rc : RS_OK;
    }
    rc = rl_sql(w->db, &given_id, &err,
                "SELECT CASE WHEN json_type(?1) = 'object' THEN"
                " CAST(json_extract(?1, '$._id') AS TEXT) END",
                "s", item);
    if (rc == RS_OK && given_id == NULL)
        rc = rs_err_set(&err, RS_EINVAL, "each element needs an _id");
    if (rc == RS_OK && kind == DOC_PATCH) {
        rc = rl_sql(w->db, &ops, &err,
                    "SELECT CASE WHEN json_type(?1, '$.patch') = 'array' THEN ?1 -> '$.patch' END",
                    "s", item);
        if (rc == RS_OK && ops == NULL)
            rc = rs_err_set(&err, RS_EINVAL, "each element needs a patch array");
        if (rc == RS_OK)
            rc = rl_docs_patch(w, given_id, ops, &err);
    } else if (rc == RS_OK) {
        rc = rl_docs_remove(w, given_id, &err);
    }
    rl_uuid(patch_id);
    put_status(b, given_id, w->coll, kind == DOC_PATCH ? "PATCHED" : "DELETED", rc ? &err : NULL,
               kind == DOC_PATCH ? patch_id : NULL);
    free(given_id);
    free(ops);
    if (rc == RS_ENOMEM || rc == RS_EINTERNAL)
        *fatal = err;
    return rc == RS_ENOMEM || rc == RS_EINTERNAL ? rc : RS_OK;
}

/* The body's data array (the route reads its body raw: rl_route_raw_body, checked to be one JSON
 * value). Replies and returns 0 when the shape is wrong. */
static int data_of(rl_req *rq, rs_jsonscan_span *data) {
    rs_jsonscan_span body = rs_jsonscan_trim((rs_jsonscan_span){rq->body, rq->body_len});
    if (rs_jsonscan_classify(body) != RS_JSON_OBJECT) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "request body must be a JSON object");
        return 0;
    }
    if (!rs_jsonscan_get(body, "data", data) || rs_jsonscan_classify(*data) != RS_JSON_ARRAY) {
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "body must be {\"data\": [...]}");
        return 0;
    }
    long n = rs_jsonscan_count(*data);
    if (n > MAX_DOCS) {
        rl_reply_error(rq, 413, "CONTENTTOOLARGE", NULL,
                       "too many documents in one request: %ld (the limit is %d)", n, MAX_DOCS);
        return 0;
    }
    return 1;
}

static void write_docs(rl_req *rq, int kind) {
    sqlite3 *db;
    rs_jsonscan_span data;
    rl_docwrite w;
    rs_buf b = RS_BUF_INIT, item = RS_BUF_INIT;
    char offset[48];
    rs_err err = {0};
    int rc, n = 0;

    if (!data_of(rq, &data))
        return;
    db = rl_req_db(rq);
    if (db == NULL || !h_ws_check(rq, db, rq->args[0]))
        return;
    rc = rl_docs_begin(&w, db, rq->srv, rq->args[0], rq->args[1], &err);
    if (rc == RS_ENOTFOUND) {
        rl_reply_error(rq, 404, "NOTFOUND", "COLLECTION_DOES_NOT_EXIST", "%s", err.msg);
        return;
    }
    if (rc != RS_OK) {
        rl_reply_err(rq, &err);
        return;
    }
    if (kind != DOC_ADD && rl_docs_insert_only(&w)) {
        rl_docs_end(&w, 0, NULL, NULL);
        rl_reply_error(rq, 400, "INVALIDINPUT", NULL,
                       "collection \"%s.%s\" is a rollup: its documents can be added, not %s",
                       rq->args[0], rq->args[1], kind == DOC_PATCH ? "patched" : "deleted");
        return;
    }
    rs_buf_puts(&b, "{\"data\":[");
    rs_jsonscan_iter it;
    rs_jsonscan_span doc;
    /* the checking iterator: a caller without HTTP (the router's tests) skips admit's check */
    int more = rs_jsonscan_iter_init(&it, data) == RS_OK;
    while (rc == RS_OK && more && (more = rs_jsonscan_iter_next(&it, NULL, &doc)) == 1) {
        if (n++)
            rs_buf_putc(&b, ',');
        /* a NUL-terminated copy; the text stored is rebuilt from it by SQLite's JSON functions
         * (docs.c final_sql), so the whitespace between its tokens never reaches the store */
        rs_buf_reset(&item);
        rs_buf_append(&item, doc.ptr, doc.len);
        rc = item.oom ? rs_err_set(&err, RS_ENOMEM, "out of memory")
                      : one_doc(&w, kind, rs_buf_cstr(&item), &b, &err);
    }
    if (rc == RS_OK && more < 0)
        rc = rs_err_set(&err, RS_EINVAL, "the data array is not valid JSON");
    rs_buf_free(&item);
    if (rl_docs_end(&w, rc == RS_OK, offset, &err) != RS_OK || rc != RS_OK) {
        if (err.code == RS_EINVAL) /* a rollup's documents, folded at the end, were refused */
            rl_reply_error(rq, 400, "INVALIDINPUT", NULL, "%s", err.msg);
        else
            rl_reply_error(rq, 500, "INTERNALERROR", NULL, "write failed: %s", err.msg);
    } else {
        rs_buf_printf(&b, "],\"last_offset\":\"%s\"}", offset);
        if (b.oom)
            rl_reply_error(rq, 500, "INTERNALERROR", NULL, "out of memory");
        else
            rl_reply_raw(rq, 200, rs_buf_cstr(&b));
    }
    rs_buf_free(&b);
}

void h_docs_add(rl_req *rq) {
    write_docs(rq, DOC_ADD);
}

void h_docs_patch(rl_req *rq) {
    write_docs(rq, DOC_PATCH);
}

void h_docs_delete(rl_req *rq) {
    write_docs(rq, DOC_DELETE);
}
