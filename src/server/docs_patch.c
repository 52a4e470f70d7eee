/* docs_patch.c - rl_docs_patch (docs.h): JSON-patch operations applied with SQLite's JSON
 * functions on the document text, so values are never re-encoded.
 *
 * A JSON Pointer ("/a/0/b", RFC 6901) becomes an SQLite path ('$."a"[0]."b"') by walking the
 * document: a segment under an array is an index ('-' = past the end), under an object a key. */
#include "buf.h"
#include "docs.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef struct ptr_path {
    rs_buf parent; /* SQLite path of the parent container */
    rs_buf full;   /* SQLite path of the target */
    int parent_is_array;
    int64_t index; /* array index, -1 for '-' */
} ptr_path;

static void ptr_path_free(ptr_path *p) {
    rs_buf_free(&p->parent);
    rs_buf_free(&p->full);
}

static int json_type_at(sqlite3 *db, const char *doc, const char *path, char **type, rs_err *err) {
    return rl_sql(db, type, err, "SELECT json_type(?1, ?2)", "ss", doc, path);
}

/* Decode one pointer segment (~1 -> '/', ~0 -> '~') into seg. */
static int decode_segment(const char *s, size_t n, rs_buf *seg) {
    size_t i;
    rs_buf_reset(seg);
    for (i = 0; i < n; i++) {
        if (s[i] == '~' && i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
            rs_buf_putc(seg, s[i + 1] == '0' ? '~' : '/');
            i++;
        } else {
            rs_buf_putc(seg, s[i]);
        }
    }
    return seg->oom ? RS_ENOMEM : RS_OK;
}

static int append_step(ptr_path *p, const char *seg, const char *parent_type, rs_err *err) {
    char *end = NULL;
    long long idx;

    rs_buf_reset(&p->parent);
    rs_buf_puts(&p->parent, rs_buf_cstr(&p->full));
    p->parent_is_array = parent_type && strcmp(parent_type, "array") == 0;
    if (p->parent_is_array) {
        if (strcmp(seg, "-") == 0) {
            p->index = -1;
            return rs_buf_puts(&p->full, "[#]");
        }
        idx = strtoll(seg, &end, 10);
        if (seg[0] == '\0' || !isdigit((unsigned char)seg[0]) || *end != '\0')
            return rs_err_set(err, RS_EINVAL, "'%s' is not an array index", seg);
        p->index = idx;
        return rs_buf_printf(&p->full, "[%lld]", idx);
    }
    if (strchr(seg, '"') != NULL)
        return rs_err_set(err, RS_EUNSUPPORTED, "field names containing '\"' cannot be patched");
    p->index = 0;
    return rs_buf_printf(&p->full, ".\"%s\"", seg);
}

/* Translate pointer into SQLite paths, checking that every parent exists. */
static int resolve_pointer(sqlite3 *db, const char *doc, const char *pointer, ptr_path *p,
                           rs_err *err) {
    rs_buf seg = RS_BUF_INIT;
    const char *s = pointer;
    char *type = NULL;
    int rc = RS_OK;

    memset(p, 0, sizeof(*p));
    rs_buf_puts(&p->full, "$");
    if (pointer == NULL || pointer[0] != '/')
        return rs_err_set(err, RS_EINVAL, "path '%s' is not a JSON pointer",
                          pointer ? pointer : "");
    while (rc == RS_OK && *s == '/') {
        size_t n = strcspn(s + 1, "/");
        free(type);
        type = NULL;
        rc = json_type_at(db, doc, rs_buf_cstr(&p->full), &type, err);
        if (rc == RS_OK && (type == NULL || (strcmp(type, "object") && strcmp(type, "array"))))
            rc = rs_err_set(err, RS_EINVAL, "path '%s' does not exist in the document", pointer);
        if (rc == RS_OK)
            rc = decode_segment(s + 1, n, &seg);
        if (rc == RS_OK)
            rc = append_step(p, rs_buf_cstr(&seg), type, err);
        s += n + 1;
    }
    if (rc == RS_OK && (p->full.oom || p->parent.oom))
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    free(type);
    rs_buf_free(&seg);
    return rc;
}

/* Replace *doc with the result of an SQL expression over ?1 = doc, ?2 = path, ?3 = value. */
static int rewrite(sqlite3 *db, char **doc, const char *expr, const char *path, const char *value,
                   rs_err *err) {
    char sql[512];
    char *next = NULL;
    int rc;
    snprintf(sql, sizeof(sql), "SELECT %s", expr);
    rc = rl_sql(db, &next, err, sql, "sss", *doc, path, value);
    if (rc == RS_OK && next == NULL)
        rc = rs_err_set(err, RS_EINVAL, "patch produced no document");
    if (rc == RS_OK) {
        free(*doc);
        *doc = next;
    }
    return rc;
}

/* RFC 6902 "add": set a member, or insert into an array shifting later elements right. */
static int op_add(sqlite3 *db, char **doc, const ptr_path *p, const char *value, rs_err *err) {
    int64_t len = 0, k;
    char from[1100], to[1100];
    int rc;
    if (!p->parent_is_array || p->index < 0)
        return rewrite(db, doc, "json_set(?1, ?2, json(?3))", rs_buf_cstr(&p->full), value, err);
    rc = rl_sql_int(db, &len, err, "SELECT json_array_length(?1, ?2)", "ss", *doc,
                    rs_buf_cstr(&p->parent));
    if (rc == RS_OK && p->index > len)
        rc = rs_err_set(err, RS_EINVAL, "array index %lld is out of range", (long long)p->index);
    for (k = len - 1; rc == RS_OK && k >= p->index; k--) {
        snprintf(from, sizeof(from), "%s[%lld]", rs_buf_cstr(&p->parent), (long long)k);
        snprintf(to, sizeof(to), "%s[%lld]", rs_buf_cstr(&p->parent), (long long)k + 1);
        rc = rewrite(db, doc, "json_set(?1, ?2, json(?1 -> ?3))", to, from, err);
    }
    if (rc == RS_OK)
        rc = rewrite(db, doc, "json_set(?1, ?2, json(?3))", rs_buf_cstr(&p->full), value, err);
    return rc;
}

static int require_exists(sqlite3 *db, const char *doc, const ptr_path *p, const char *pointer,
                          rs_err *err) {
    char *type = NULL;
    int rc = json_type_at(db, doc, rs_buf_cstr(&p->full), &type, err);
    if (rc == RS_OK && (type == NULL || p->index < 0))
        rc = rs_err_set(err, RS_EINVAL, "path '%s' does not exist in the document", pointer);
    free(type);
    return rc;
}

typedef struct patch_op {
    char *op, *path, *value, *from, *value_type;
} patch_op;

static void patch_op_free(patch_op *o) {
    free(o->op);
    free(o->path);
    free(o->value);
    free(o->from);
    free(o->value_type);
}

static int read_op(sqlite3 *db, const char *op_json, patch_op *o, rs_err *err) {
    int rc;
    memset(o, 0, sizeof(*o));
    rc = rl_sql(db, &o->op, err, "SELECT upper(json_extract(?1, '$.op'))", "s", op_json);
    if (rc == RS_OK)
        rc = rl_sql(db, &o->path, err, "SELECT json_extract(?1, '$.path')", "s", op_json);
    if (rc == RS_OK)
        rc = rl_sql(db, &o->value, err, "SELECT ?1 -> '$.value'", "s", op_json);
    if (rc == RS_OK)
        rc = rl_sql(db, &o->value_type, err, "SELECT json_type(?1, '$.value')", "s", op_json);
    if (rc == RS_OK)
        rc = rl_sql(db, &o->from, err, "SELECT json_extract(?1, '$.from')", "s", op_json);
    if (rc == RS_OK && (o->op == NULL || o->path == NULL))
        rc = rs_err_set(err, RS_EINVAL, "a patch operation needs 'op' and 'path'");
    if (rc == RS_OK && o->value == NULL && strcmp(o->op, "REMOVE") && strcmp(o->op, "COPY") &&
        strcmp(o->op, "MOVE"))
        rc = rs_err_set(err, RS_EINVAL, "patch operation %s needs a 'value'", o->op);
    if (rc == RS_OK && o->from == NULL && (!strcmp(o->op, "COPY") || !strcmp(o->op, "MOVE")))
        rc = rs_err_set(err, RS_EINVAL, "patch operation %s needs 'from'", o->op);
    return rc;
}

static int op_increment(sqlite3 *db, char **doc, const ptr_path *p, const patch_op *o,
                        rs_err *err) {
    char *type = NULL;
    int rc = RS_OK;
    if (strcmp(o->value_type, "integer") && strcmp(o->value_type, "real"))
        return rs_err_set(err, RS_EINVAL, "INCREMENT needs a numeric value");
    rc = json_type_at(db, *doc, rs_buf_cstr(&p->full), &type, err);
    if (rc == RS_OK && type == NULL)
        rc = op_add(db, doc, p, o->value, err);
    else if (rc == RS_OK && strcmp(type, "integer") && strcmp(type, "real"))
        rc = rs_err_set(err, RS_EINVAL, "INCREMENT target '%s' is not a number", o->path);
    else if (rc == RS_OK)
        rc = rewrite(db, doc, "json_set(?1, ?2, json_extract(?1, ?2) + json_extract(?3, '$'))",
                     rs_buf_cstr(&p->full), o->value, err);
    free(type);
    return rc;
}

/* Take the value at o->from (MOVE also removes it), then add it at p. */
static int op_copy_move(sqlite3 *db, char **doc, const patch_op *o, int is_move, rs_err *err) {
    ptr_path src, dst;
    char *value = NULL;
    int rc = resolve_pointer(db, *doc, o->from, &src, err);
    if (rc == RS_OK)
        rc = require_exists(db, *doc, &src, o->from, err);
    if (rc == RS_OK)
        rc = rl_sql(db, &value, err, "SELECT ?1 -> ?2", "ss", *doc, rs_buf_cstr(&src.full));
    if (rc == RS_OK && is_move)
        rc = rewrite(db, doc, "json_remove(?1, ?2)", rs_buf_cstr(&src.full), NULL, err);
    if (rc == RS_OK) {
        rc = resolve_pointer(db, *doc, o->path, &dst, err);
        if (rc == RS_OK)
            rc = op_add(db, doc, &dst, value, err);
        ptr_path_free(&dst);
    }
    ptr_path_free(&src);
    free(value);
    return rc;
}

static int op_test(sqlite3 *db, const char *doc, const ptr_path *p, const patch_op *o,
                   rs_err *err) {
    int64_t same = 0;
    int rc = rl_sql_int(db, &same, err, "SELECT (?1 -> ?2) IS json(?3)", "sss", doc,
                        rs_buf_cstr(&p->full), o->value);
    if (rc == RS_OK && !same)
        rc = rs_err_set(err, RS_EINVAL, "TEST failed: value at '%s' differs", o->path);
    return rc;
}

static int apply_op(sqlite3 *db, char **doc, const char *op_json, rs_err *err) {
    patch_op o;
    ptr_path p;
    int rc = read_op(db, op_json, &o, err);
    memset(&p, 0, sizeof(p));
    if (rc == RS_OK &&
        (strncmp(o.path, "/_id", 4) == 0 || strncmp(o.path, "/_event_time", 12) == 0))
        rc = rs_err_set(err, RS_EINVAL, "special field %s cannot be patched", o.path);
    if (rc == RS_OK && (!strcmp(o.op, "COPY") || !strcmp(o.op, "MOVE"))) {
        rc = op_copy_move(db, doc, &o, !strcmp(o.op, "MOVE"), err);
        patch_op_free(&o);
        return rc;
    }
    if (rc == RS_OK)
        rc = resolve_pointer(db, *doc, o.path, &p, err);
    if (rc != RS_OK) {
    } else if (!strcmp(o.op, "ADD")) {
        rc = op_add(db, doc, &p, o.value, err);
    } else if (!strcmp(o.op, "REPLACE")) {
        rc = require_exists(db, *doc, &p, o.path, err);
        if (rc == RS_OK)
            rc = rewrite(db, doc, "json_replace(?1, ?2, json(?3))", rs_buf_cstr(&p.full), o.value,
                         err);
    } else if (!strcmp(o.op, "REMOVE")) {
        rc = require_exists(db, *doc, &p, o.path, err);
        if (rc == RS_OK)
            rc = rewrite(db, doc, "json_remove(?1, ?2)", rs_buf_cstr(&p.full), NULL, err);
    } else if (!strcmp(o.op, "TEST")) {
        rc = require_exists(db, *doc, &p, o.path, err);
        if (rc == RS_OK)
            rc = op_test(db, *doc, &p, &o, err);
    } else if (!strcmp(o.op, "INCREMENT")) {
        rc = op_increment(db, doc, &p, &o, err);
    } else {
        rc = rs_err_set(err, RS_EINVAL, "unknown patch operation '%s'", o.op);
    }
    ptr_path_free(&p);
    patch_op_free(&o);
    return rc;
}

int rl_docs_patch(rl_docwrite *w, const char *id, const char *ops_json, rs_err *err) {
    char *doc = NULL;
    sqlite3_stmt *ops = NULL;
    int rc = rl_docs_newest(w, id, &doc, err);

    if (rc == RS_OK && doc == NULL)
        return rs_err_set(err, RS_ENOTFOUND, "Document with _id \"%s\" does not exist in %s.%s", id,
                          w->ws, w->coll);
    if (rc == RS_OK &&
        sqlite3_prepare_v2(w->db, "SELECT value FROM json_each(?1)", -1, &ops, NULL) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "%s", sqlite3_errmsg(w->db));
    if (rc == RS_OK)
        sqlite3_bind_text(ops, 1, ops_json, -1, SQLITE_STATIC);
    while (rc == RS_OK && sqlite3_step(ops) == SQLITE_ROW)
        rc = apply_op(w->db, &doc, (const char *)sqlite3_column_text(ops, 0), err);
    sqlite3_finalize(ops);
    if (rc == RS_OK)
        rc = rl_docs_put_final(w, id, doc, err);
    free(doc);
    return rc;
}
