/* fieldindex.c - see fieldindex.h. */
#include "fieldindex.h"

#include "buf.h"
#include "jsonscan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int exec_sql(sqlite3 *db, const char *sql, rs_err *err) {
    char *msg = NULL;
    int rc = RS_OK;
    if (sql == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
        rc = rs_err_set(err, RS_EINTERNAL, "field index: %s", msg ? msg : sqlite3_errmsg(db));
    sqlite3_free(msg);
    return rc;
}

int rl_fieldindex_load(rl_fieldindex *fx, sqlite3 *db, const char *tbl, rs_err *err) {
    sqlite3_stmt *st = NULL;
    int rc;
    memset(fx, 0, sizeof(*fx));
    snprintf(fx->tbl, sizeof(fx->tbl), "%s", tbl);
    /* the pending arm of a read (vis_ms > now) walks this instead of the table */
    char *sql = sqlite3_mprintf("CREATE INDEX IF NOT EXISTS \"%w_pending\" ON \"%w_data\"(vis_ms)"
                                " WHERE prev_doc IS NOT NULL",
                                tbl, tbl);
    rc = exec_sql(db, sql, err);
    sqlite3_free(sql);
    if (rc != RS_OK)
        return rc;
    if (sqlite3_prepare_v2(db, "SELECT args FROM field_indexes WHERE tbl = ?1 ORDER BY rowid", -1,
                           &st, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EINTERNAL, "field index: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    while (rc == RS_OK && fx->n_paths < RL_FX_MAX_PATHS && sqlite3_step(st) == SQLITE_ROW) {
        const char *args = (const char *)sqlite3_column_text(st, 0);
        if (args != NULL && (fx->args[fx->n_paths] = strdup(args)) == NULL)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        else if (args != NULL)
            fx->n_paths++;
    }
    sqlite3_finalize(st);
    fx->n_created = fx->n_paths;
    return rc;
}

void rl_fieldindex_free(rl_fieldindex *fx) {
    for (int i = 0; i < fx->n_paths; i++)
        free(fx->args[i]);
    fx->n_paths = 0;
}

int rl_fieldindex_drop(sqlite3 *db, const char *tbl, rs_err *err) {
    char *sql = sqlite3_mprintf("DELETE FROM field_indexes WHERE tbl = %Q", tbl);
    int rc = exec_sql(db, sql, err);
    sqlite3_free(sql);
    return rc;
}

static int known_path(const rl_fieldindex *fx, const char *args) {
    for (int i = 0; i < fx->n_paths; i++)
        if (strcmp(fx->args[i], args) == 0)
            return 1;
    return 0;
}

/* Note one path (args: the rs_get arguments after doc) for the next flush. */
static int add_path(rl_fieldindex *fx, const char *args, rs_err *err) {
    char *copy = strdup(args);
    if (copy == NULL)
        return rs_err_set(err, RS_ENOMEM, "out of memory");
    fx->args[fx->n_paths++] = copy;
    return RS_OK;
}

int rl_fieldindex_flush(rl_fieldindex *fx, sqlite3 *db, rs_err *err) {
    int rc = RS_OK;
    for (; rc == RS_OK && fx->n_created < fx->n_paths; fx->n_created++) {
        const char *args = fx->args[fx->n_created];
        char *sql =
            sqlite3_mprintf("CREATE INDEX IF NOT EXISTS \"%w_fx%d\" ON \"%w_data\""
                            "(rs_skey(rs_get(doc,%s))) WHERE doc IS NOT NULL;"
                            "INSERT OR IGNORE INTO field_indexes(tbl, args) VALUES(%Q, %Q);",
                            fx->tbl, fx->n_created, fx->tbl, args, fx->tbl, args);
        rc = exec_sql(db, sql, err);
        sqlite3_free(sql);
    }
    return rc;
}

/* Whether an object is a typed value ({"__rockset_type": ...}): a scalar, not a level. */
static int is_typed_value(rs_jsonscan_span object) {
    rs_jsonscan_span type;
    return rs_jsonscan_get(object, "__rockset_type", &type);
}

/* Append ",'key'" (the key as an SQL string) to args; 0 when the key is not indexed. */
static int append_key(rs_buf *args, rs_jsonscan_span key) {
    rs_buf name = RS_BUF_INIT;
    int ok = rs_jsonscan_string_decode(key, &name, NULL) == RS_OK && name.len > 0 &&
             name.len <= RL_FX_MAX_KEY && strlen(rs_buf_cstr(&name)) == name.len;
    if (ok) {
        char *quoted = sqlite3_mprintf("%s%Q", args->len ? "," : "", rs_buf_cstr(&name));
        ok = quoted != NULL;
        if (ok)
            rs_buf_puts(args, quoted);
        sqlite3_free(quoted);
    }
    rs_buf_free(&name);
    return ok && !args->oom;
}

static int walk_object(rl_fieldindex *fx, rs_jsonscan_span object, rs_buf *prefix, int depth,
                       rs_err *err);

/* One member: a scalar (or typed value) is a path; an object is walked; arrays are not. */
static int note_member(rl_fieldindex *fx, rs_jsonscan_span key, rs_jsonscan_span value,
                       rs_buf *prefix, int depth, rs_err *err) {
    rs_jsonscan_kind kind = rs_jsonscan_classify(value);
    size_t mark = prefix->len;
    int rc = RS_OK;
    if (kind == RS_JSON_ARRAY || kind == RS_JSON_INVALID)
        return RS_OK;
    if (depth == 0 && (rs_jsonscan_key_eq(key, "_id") || rs_jsonscan_key_eq(key, "_meta")))
        return RS_OK; /* _id is the table's primary key; _meta is not a field */
    if (!append_key(prefix, key)) {
        prefix->len = mark;
        return RS_OK;
    }
    if (kind == RS_JSON_OBJECT && !is_typed_value(value)) {
        if (depth + 1 < RL_FX_MAX_DEPTH)
            rc = walk_object(fx, value, prefix, depth + 1, err);
    } else if (!known_path(fx, rs_buf_cstr(prefix))) {
        rc = add_path(fx, rs_buf_cstr(prefix), err);
    }
    prefix->len = mark;
    if (prefix->data != NULL)
        prefix->data[mark] = '\0';
    return rc;
}

static int walk_object(rl_fieldindex *fx, rs_jsonscan_span object, rs_buf *prefix, int depth,
                       rs_err *err) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    int rc = RS_OK;
    if (rs_jsonscan_iter_init(&it, object) != RS_OK)
        return RS_OK;
    while (rc == RS_OK && fx->n_paths < RL_FX_MAX_PATHS &&
           rs_jsonscan_iter_next(&it, &key, &value) == 1)
        rc = note_member(fx, key, value, prefix, depth, err);
    return rc;
}

int rl_fieldindex_note_doc(rl_fieldindex *fx, const char *doc, rs_err *err) {
    rs_buf prefix = RS_BUF_INIT;
    if (fx->disabled || fx->n_paths >= RL_FX_MAX_PATHS || doc == NULL)
        return RS_OK;
    int rc = walk_object(fx, rs_jsonscan_cstr(doc), &prefix, 0, err);
    if (rc == RS_OK && prefix.oom)
        rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    rs_buf_free(&prefix);
    return rc;
}
