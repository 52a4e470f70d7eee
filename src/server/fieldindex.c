/* fieldindex.c - see fieldindex.h. Noting documents: their paths counted, their array
 * elements' keys kept for the flush (fieldindex_sql.c). */
#include "fieldindex.h"

#include "buf.h"
#include "hash.h"
#include "jsonscan.h"
#include "server/runtime/value.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the paths of one write: an array with an open-addressing hash on args ---- */

static size_t hash_args(const char *s) {
    return (size_t)rs_fnv1a64(s, strlen(s));
}

/* Index of args in fx->paths, or -1. */
static int find_path(const rl_fieldindex *fx, const char *args) {
    if (fx->n_slots == 0)
        return -1;
    for (size_t i = hash_args(args) & (fx->n_slots - 1);; i = (i + 1) & (fx->n_slots - 1)) {
        int at = fx->slots[i];
        if (at == 0)
            return -1;
        if (strcmp(fx->paths[at - 1].args, args) == 0)
            return at - 1;
    }
}

static int rehash(rl_fieldindex *fx, size_t n_slots) {
    int *slots = calloc(n_slots, sizeof(*slots));
    if (slots == NULL)
        return RS_ENOMEM;
    free(fx->slots);
    fx->slots = slots;
    fx->n_slots = n_slots;
    for (int k = 0; k < fx->n_paths; k++) {
        size_t i = hash_args(fx->paths[k].args) & (n_slots - 1);
        while (slots[i] != 0)
            i = (i + 1) & (n_slots - 1);
        slots[i] = k + 1;
    }
    return RS_OK;
}

/* Append a path (args copied); its index, or -1 when out of memory. */
static int add_path(rl_fieldindex *fx, const char *args) {
    if (fx->n_paths == fx->cap_paths) {
        int cap = fx->cap_paths ? fx->cap_paths * 2 : 32;
        rl_fx_path *grown = realloc(fx->paths, (size_t)cap * sizeof(*grown));
        if (grown == NULL)
            return -1;
        fx->paths = grown;
        fx->cap_paths = cap;
    }
    rl_fx_path *p = &fx->paths[fx->n_paths];
    memset(p, 0, sizeof(*p));
    p->args = strdup(args);
    if (p->args == NULL)
        return -1;
    fx->n_paths++;
    if ((size_t)fx->n_paths * 2 > fx->n_slots) { /* the rehash places the new path too */
        if (rehash(fx, fx->n_slots ? fx->n_slots * 2 : 64) != RS_OK) {
            free(p->args);
            fx->n_paths--;
            return -1;
        }
    } else {
        size_t i = hash_args(args) & (fx->n_slots - 1);
        while (fx->slots[i] != 0)
            i = (i + 1) & (fx->n_slots - 1);
        fx->slots[i] = fx->n_paths;
    }
    return fx->n_paths - 1;
}

/* ---- member paths: a member of an array's object elements (fieldindex.h) ---- */

int rl_fieldindex_is_member(const char *args) {
    return args != NULL && strstr(args, RL_FX_MEMBER_SEP) != NULL;
}

char *rl_fieldindex_member_array(const char *args) {
    return strndup(args, (size_t)(strstr(args, RL_FX_MEMBER_SEP) - args));
}

static void free_names(rl_fx_path *p) {
    for (int i = 0; i < p->n_names; i++)
        free(p->names[i]);
    free(p->names);
    p->names = NULL;
    p->n_names = 0;
}

/* The member's names, decoded from the SQL strings after the separator ('a','it''s'). */
static int member_names(rl_fx_path *p) {
    const char *s = strstr(p->args, RL_FX_MEMBER_SEP) + strlen(RL_FX_MEMBER_SEP);
    rs_buf name = RS_BUF_INIT;
    int rc = RS_OK;
    while (rc == RS_OK && *s == '\'') {
        rs_buf_reset(&name);
        for (s++; *s && !(*s == '\'' && s[1] != '\''); s++) {
            if (*s == '\'')
                s++;
            rs_buf_putc(&name, *s);
        }
        s += *s != '\0';
        s += *s == ',';
        char **grown = realloc(p->names, (size_t)(p->n_names + 1) * sizeof(*grown));
        char *copy = grown != NULL && !name.oom ? strdup(rs_buf_cstr(&name)) : NULL;
        if (grown != NULL)
            p->names = grown;
        if (copy == NULL)
            rc = RS_ENOMEM;
        else
            p->names[p->n_names++] = copy;
    }
    rs_buf_free(&name);
    return rc == RS_OK && p->n_names > 0 ? RS_OK : RS_ENOMEM;
}

/* Link member path at to its array path (listed: 1), with its names; 0 when the array path is
 * not listed, -1 when out of memory. */
static int link_member(rl_fieldindex *fx, int at) {
    char *array = rl_fieldindex_member_array(fx->paths[at].args);
    if (array == NULL)
        return -1;
    int of = find_path(fx, array);
    free(array);
    if (of < 0)
        return 0;
    if (member_names(&fx->paths[at]) != RS_OK)
        return -1;
    fx->paths[at].member_of = of + 1;
    fx->paths[at].next_member = fx->paths[of].first_member;
    fx->paths[of].first_member = at + 1;
    return 1;
}

void rl_fieldindex_free(rl_fieldindex *fx) {
    for (int i = 0; i < fx->n_paths; i++)
        free_names(&fx->paths[i]);
    for (int i = 0; i < fx->n_paths; i++)
        free(fx->paths[i].args);
    free(fx->paths);
    free(fx->slots);
    rs_buf_free(&fx->prefix);
    rs_buf_free(&fx->scratch);
    rs_buf_free(&fx->keys);
    rs_buf_free(&fx->elem_key);
    free(fx->ops);
    fx->ops = NULL;
    fx->n_ops = fx->cap_ops = 0;
    fx->paths = NULL;
    fx->slots = NULL;
    fx->n_paths = fx->cap_paths = 0;
    fx->n_slots = 0;
}

int rl_fieldindex_load(rl_fieldindex *fx, sqlite3 *db, const char *tbl, int indexes_on,
                       rs_err *err) {
    sqlite3_stmt *st = NULL;
    int rc = RS_OK;
    memset(fx, 0, sizeof(*fx));
    snprintf(fx->tbl, sizeof(fx->tbl), "%s", tbl);
    fx->indexes_on = indexes_on;
    if (sqlite3_prepare_v2(db,
                           "SELECT args, id, types, indexed, elems FROM fx_paths WHERE tbl = ?1"
                           " ORDER BY id",
                           -1, &st, NULL) != SQLITE_OK)
        return rs_err_set(err, RS_EINTERNAL, "field index: %s", sqlite3_errmsg(db));
    sqlite3_bind_text(st, 1, tbl, -1, SQLITE_STATIC);
    while (rc == RS_OK && sqlite3_step(st) == SQLITE_ROW) {
        const char *args = (const char *)sqlite3_column_text(st, 0);
        int at = args != NULL ? add_path(fx, args) : -2;
        if (at == -1) {
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
        } else if (at >= 0) {
            rl_fx_path *p = &fx->paths[at];
            p->id = sqlite3_column_int64(st, 1);
            p->stored = (unsigned)sqlite3_column_int(st, 2);
            p->indexed = sqlite3_column_int(st, 3) ? 1 : 0;
            p->elems = sqlite3_column_int(st, 4) ? 1 : 0;
            fx->n_auto += p->indexed + p->elems;
        }
    }
    sqlite3_finalize(st);
    for (int i = 0; rc == RS_OK && i < fx->n_paths; i++)
        if (rl_fieldindex_is_member(fx->paths[i].args) && link_member(fx, i) < 0)
            rc = rs_err_set(err, RS_ENOMEM, "out of memory");
    if (rc != RS_OK)
        rl_fieldindex_free(fx);
    return rc;
}

/* ---- noting a document ---- */

/* Whether an object is a typed value ({"__rockset_type": ...}): a scalar, not a level. */
static int is_typed_value(rs_jsonscan_span object) {
    rs_jsonscan_span type;
    return rs_jsonscan_get(object, "__rockset_type", &type);
}

/* The type bits of a typed value: RL_FX_T_TYPED, RL_FX_T_TYPED_OTHER unless its type is written
 * "timestamp", RL_FX_T_TYPED_NOT_DATETIME unless it is written "datetime" (one whose value does
 * not read as its type is an object to the runtime, which compares with no instant either). */
static unsigned typed_bits(rs_jsonscan_span object) {
    rs_jsonscan_span type;
    int found = rs_jsonscan_get_last(object, "__rockset_type", 14, &type);
    if (found && type.len == 11 && memcmp(type.ptr, "\"timestamp\"", 11) == 0)
        return RL_FX_T_TYPED | RL_FX_T_TYPED_NOT_DATETIME;
    if (found && type.len == 10 && memcmp(type.ptr, "\"datetime\"", 10) == 0)
        return RL_FX_T_TYPED | RL_FX_T_TYPED_OTHER;
    return RL_FX_T_TYPED | RL_FX_T_TYPED_OTHER | RL_FX_T_TYPED_NOT_DATETIME;
}

static unsigned type_bit(rs_jsonscan_kind kind, rs_jsonscan_span value) {
    switch (kind) {
    case RS_JSON_OBJECT:
        return is_typed_value(value) ? typed_bits(value) : RL_FX_T_OBJECT;
    case RS_JSON_ARRAY:
        return RL_FX_T_ARRAY;
    case RS_JSON_STRING:
        return RL_FX_T_STRING;
    case RS_JSON_INT:
        return RL_FX_T_INT;
    case RS_JSON_FLOAT:
        return RL_FX_T_FLOAT;
    case RS_JSON_TRUE:
    case RS_JSON_FALSE:
        return RL_FX_T_BOOL;
    default:
        return RL_FX_T_NULL;
    }
}

/* Append ",'key'" (the key as an SQL string) to args; 0 when the key cannot be listed (empty,
 * too long, or with a NUL). A key without escapes is its own bytes: no decoding. */
static int append_key(rs_buf *args, rs_jsonscan_span key, rs_buf *scratch) {
    const char *name = key.ptr + 1;
    size_t len = key.len >= 2 ? key.len - 2 : 0;
    if (key.len < 2 || memchr(name, '\\', len) != NULL) {
        rs_buf_reset(scratch);
        if (rs_jsonscan_string_decode(key, scratch, NULL) != RS_OK ||
            strlen(rs_buf_cstr(scratch)) != scratch->len)
            return 0;
        name = scratch->data;
        len = scratch->len;
    }
    if (len == 0 || len > RL_FX_MAX_KEY)
        return 0;
    if (args->len)
        rs_buf_putc(args, ',');
    rs_buf_putc(args, '\'');
    for (size_t i = 0; i < len; i++) {
        const char *q = memchr(name + i, '\'', len - i);
        size_t run = q ? (size_t)(q - name) - i : len - i;
        rs_buf_append(args, name + i, run);
        i += run;
        if (q != NULL)
            rs_buf_puts(args, "''");
    }
    rs_buf_putc(args, '\'');
    return !args->oom;
}

typedef struct walk_state {
    rl_fieldindex *fx;
    rs_buf *prefix;  /* the path so far, as rs_get arguments */
    rs_buf *scratch; /* a decoded key */
    int sign;
    int64_t rid;
} walk_state;

/* Count the path in prefix for this document: its index in fx->paths, or -1 (no memory). A
 * scalar or array entering may get its index while the automatic budget lasts. */
static int count_path(walk_state *ws, unsigned bit, int depth_zero_id) {
    rl_fieldindex *fx = ws->fx;
    int at = find_path(fx, rs_buf_cstr(ws->prefix));
    if (at < 0 && (at = add_path(fx, rs_buf_cstr(ws->prefix))) < 0)
        return -1;
    rl_fx_path *p = &fx->paths[at];
    if (p->stamp != fx->stamp) {
        p->stamp = fx->stamp;
        p->delta += ws->sign;
        p->dirty = 1;
    }
    if (ws->sign > 0 && (bit & ~(p->stored | p->types)) != 0) {
        p->types |= bit;
        p->dirty = 1;
    }
    if (ws->sign < 0 || !fx->indexes_on || fx->n_auto >= RL_FX_AUTO_INDEXES || depth_zero_id)
        return at;
    if ((bit & RL_FX_T_SCALAR) && p->indexed == 0) {
        p->indexed = 2;
        fx->n_auto++;
        fx->has_new = 1;
    } else if (bit == RL_FX_T_ARRAY && p->elems == 0) {
        p->elems = 2;
        fx->n_auto++;
        fx->has_new = 1;
    }
    return at;
}

/* The element key (rs_skey) of one array element [v, v + len), appended to out: 1, or 0 when
 * the element is not a scalar (an object that is not a typed value, an array). Elements are
 * scanned without validation: documents were validated when written. */
static int elem_key(const char *v, size_t len, rs_buf *scratch, rs_buf *out) {
    rv value;
    if (len == 0 || *v == '[' ||
        (*v == '{' && memmem(v, len, "__rockset_type", 14) == NULL)) /* not a typed value */
        return 0;
    rs_buf_reset(scratch);
    if (rv_from_json(v, len, &value, scratch, NULL) != 0 || value.type == RV_OBJECT ||
        value.type == RV_ARRAY)
        return 0;
    return rv_skey_append(out, &value) == 0;
}

int rl_fieldindex_each_member(const char *array, size_t len, char *const *names, int n_names,
                              rs_buf *scratch, rs_buf *key, int (*fn)(void *ctx, const rs_buf *key),
                              void *ctx) {
    rs_jsonscan_span span = rs_jsonscan_trim((rs_jsonscan_span){array, len}), value;
    rs_jsonscan_iter it;
    int rc = RS_OK;
    if (span.len == 0 || span.ptr[0] != '[' || rs_jsonscan_iter_init(&it, span) != RS_OK)
        return RS_OK;
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, NULL, &value) == 1) {
        int found = 1;
        for (int i = 0; found && i < n_names; i++)
            found = value.len > 0 && value.ptr[0] == '{' && !is_typed_value(value) &&
                    rs_jsonscan_get_last(value, names[i], strlen(names[i]), &value);
        rs_buf_reset(key);
        if (found && elem_key(value.ptr, value.len, scratch, key))
            rc = key->oom ? RS_ENOMEM : fn(ctx, key);
    }
    return rc;
}

int rl_fieldindex_each_elem(const char *array, size_t len, rs_buf *scratch, rs_buf *key,
                            int (*fn)(void *ctx, const rs_buf *key), void *ctx) {
    return rl_fieldindex_each_member(array, len, NULL, 0, scratch, key, fn, ctx);
}

typedef struct op_ctx {
    walk_state *ws;
    int path;
    int pushed; /* keys kept for this document */
} op_ctx;

/* Keep one element row for the flush. */
static int push_op(void *arg, const rs_buf *key) {
    op_ctx *c = arg;
    rl_fieldindex *fx = c->ws->fx;
    if (fx->n_ops == fx->cap_ops) {
        size_t cap = fx->cap_ops ? fx->cap_ops * 2 : 256;
        rl_fx_op *grown = realloc(fx->ops, cap * sizeof(*grown));
        if (grown == NULL)
            return RS_ENOMEM;
        fx->ops = grown;
        fx->cap_ops = cap;
    }
    rl_fx_op op = {c->path, c->ws->sign, c->ws->rid, fx->keys.len, key->len};
    rs_buf_append(&fx->keys, key->data, key->len);
    fx->ops[fx->n_ops++] = op;
    c->pushed++;
    return fx->keys.oom ? RS_ENOMEM : RS_OK;
}

/* The element rows of an indexed array path entering or leaving, for the flush. */
static int note_elements(walk_state *ws, int path, rs_jsonscan_span array) {
    op_ctx c = {ws, path, 0};
    return rl_fieldindex_each_elem(array.ptr, array.len, ws->scratch, &ws->fx->elem_key, push_op,
                                   &c);
}

/* The element rows of the array's indexed member paths (by use), for the flush; a member path
 * counts the documents whose array has it. */
static int note_members(walk_state *ws, int array, rs_jsonscan_span value) {
    rl_fieldindex *fx = ws->fx;
    int rc = RS_OK;
    for (int m = fx->paths[array].first_member; rc == RS_OK && m != 0;
         m = fx->paths[m - 1].next_member) {
        rl_fx_path *p = &fx->paths[m - 1];
        op_ctx c = {ws, m - 1, 0};
        if (p->elems != 1)
            continue;
        rc = rl_fieldindex_each_member(value.ptr, value.len, p->names, p->n_names, ws->scratch,
                                       &fx->elem_key, push_op, &c);
        p = &fx->paths[m - 1];
        if (rc == RS_OK && c.pushed > 0 && p->stamp != fx->stamp) {
            p->stamp = fx->stamp;
            p->delta += ws->sign;
            p->dirty = 1;
        }
    }
    return rc;
}

static int walk_object(walk_state *ws, rs_jsonscan_span object, int depth);

/* One member: counted as a path; an object (not a typed value) is walked; arrays are not. */
static int note_member(walk_state *ws, rs_jsonscan_span key, rs_jsonscan_span value, int depth) {
    rs_jsonscan_kind kind = rs_jsonscan_classify(value);
    size_t mark = ws->prefix->len;
    int rc = RS_OK;
    if (kind == RS_JSON_INVALID)
        return RS_OK;
    if (depth == 0 && rs_jsonscan_key_eq(key, "_meta"))
        return RS_OK; /* _meta is not a field */
    if (!append_key(ws->prefix, key, ws->scratch)) {
        ws->prefix->len = mark;
        if (ws->prefix->data != NULL)
            ws->prefix->data[mark] = '\0';
        return ws->prefix->oom ? RS_ENOMEM : RS_OK;
    }
    unsigned bit = type_bit(kind, value);
    /* _id is the table's primary key: listed, never indexed */
    int at = count_path(ws, bit, depth == 0 && rs_jsonscan_key_eq(key, "_id"));
    if (at < 0)
        rc = RS_ENOMEM;
    else if (bit == RL_FX_T_OBJECT && depth + 1 < RL_FX_MAX_DEPTH)
        rc = walk_object(ws, value, depth + 1);
    else if (bit == RL_FX_T_ARRAY && ws->fx->indexes_on) { /* a new one is filled at the flush */
        if (ws->fx->paths[at].elems == 1)
            rc = note_elements(ws, at, value);
        if (rc == RS_OK && ws->fx->paths[at].first_member != 0)
            rc = note_members(ws, at, value);
    }
    ws->prefix->len = mark;
    if (ws->prefix->data != NULL)
        ws->prefix->data[mark] = '\0';
    return rc;
}

static int walk_object(walk_state *ws, rs_jsonscan_span object, int depth) {
    rs_jsonscan_iter it;
    rs_jsonscan_span key, value;
    int rc = RS_OK;
    if (rs_jsonscan_iter_init(&it, object) != RS_OK)
        return RS_OK;
    while (rc == RS_OK && rs_jsonscan_iter_next(&it, &key, &value) == 1)
        rc = note_member(ws, key, value, depth);
    return rc;
}

int rl_fieldindex_note_doc(rl_fieldindex *fx, const char *doc, int sign, int64_t rid, rs_err *err) {
    walk_state ws = {fx, &fx->prefix, &fx->scratch, sign, rid};
    if (doc == NULL)
        return RS_OK;
    fx->stamp++;
    fx->doc_delta += sign;
    fx->bytes_delta += sign * (int64_t)strlen(doc);
    int rc = walk_object(&ws, rs_jsonscan_cstr(doc), 0);
    if (rc == RS_OK && (fx->prefix.oom || fx->scratch.oom))
        rc = RS_ENOMEM;
    rs_buf_reset(&fx->prefix);
    return rc == RS_ENOMEM ? rs_err_set(err, RS_ENOMEM, "out of memory") : rc;
}

/* A member path asked for: listed now, its element rows to be filled at the flush, when its
 * array path is listed and held arrays. */
static int request_member(rl_fieldindex *fx, const char *args) {
    int at = find_path(fx, args);
    if (at < 0) {
        char *array = rl_fieldindex_member_array(args);
        int of = array != NULL ? find_path(fx, array) : -1;
        free(array);
        if (of < 0 || ((fx->paths[of].stored | fx->paths[of].types) & RL_FX_T_ARRAY) == 0 ||
            (at = add_path(fx, args)) < 0 || link_member(fx, at) != 1)
            return 0;
        fx->paths[at].dirty = 1;
    }
    if (fx->paths[at].elems == 0)
        fx->paths[at].elems = 2;
    return 1;
}

int rl_fieldindex_request(rl_fieldindex *fx, sqlx_index_kind kind, const char *args) {
    if (kind == SQLX_INDEX_ELEMS && rl_fieldindex_is_member(args))
        return request_member(fx, args);
    int at = find_path(fx, args);
    if (at < 0)
        return 0;
    rl_fx_path *p = &fx->paths[at];
    unsigned seen = p->stored | p->types;
    if (kind == SQLX_INDEX_SCALAR && (seen & RL_FX_T_SCALAR) && strcmp(args, "'_id'") != 0) {
        if (p->indexed == 0)
            p->indexed = 2;
        return 1;
    }
    if (kind == SQLX_INDEX_ELEMS && (seen & RL_FX_T_ARRAY)) {
        if (p->elems == 0)
            p->elems = 2;
        return 1;
    }
    return 0;
}
