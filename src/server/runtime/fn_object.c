/*
 * fn_object.c - object and JSON functions: OBJECT, ZIP, KEYS, VALUES, ITEMS, MERGE, ERASE,
 * JSON_PARSE, JSON_FORMAT. Objects keep their key order (as stored, or as built); a key given
 * twice keeps its first position and takes the last value.
 */
#include "fn_util.h"
#include "jsonscan.h"

#include <stdlib.h>
#include <string.h>

/* ---------------- an ordered object under construction ---------------- */

typedef struct entry {
    char *key;
    size_t key_len;
    char *value_json; /* RV_FORM_DOC JSON text */
} entry;

typedef struct obj {
    entry *items;
    size_t n, cap;
    int oom;
} obj;

static void obj_free(obj *o) {
    for (size_t i = 0; i < o->n; i++) {
        free(o->items[i].key);
        free(o->items[i].value_json);
    }
    free(o->items);
    memset(o, 0, sizeof *o);
}

static char *dup_mem(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = 0;
    }
    return s;
}

/* Set key to v (undefined leaves the key out). */
static void obj_set(obj *o, const char *key, size_t key_len, const rv *v) {
    rs_buf json = RS_BUF_INIT;
    size_t i;
    if (v->type == RV_UNDEFINED)
        return;
    rv_to_json(&json, v, RV_FORM_DOC);
    char *text = json.oom ? NULL : rs_buf_detach(&json);
    rs_buf_free(&json);
    if (text == NULL) {
        o->oom = 1;
        return;
    }
    for (i = 0; i < o->n; i++) {
        if (o->items[i].key_len == key_len && memcmp(o->items[i].key, key, key_len) == 0) {
            free(o->items[i].value_json);
            o->items[i].value_json = text;
            return;
        }
    }
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        entry *items = realloc(o->items, cap * sizeof *items);
        if (items == NULL) {
            free(text);
            o->oom = 1;
            return;
        }
        o->items = items;
        o->cap = cap;
    }
    o->items[o->n].key = dup_mem(key, key_len);
    o->items[o->n].key_len = key_len;
    o->items[o->n].value_json = text;
    if (o->items[o->n].key == NULL) {
        free(text);
        o->oom = 1;
        return;
    }
    o->n++;
}

/* Remove key when present. */
static void obj_erase(obj *o, const char *key, size_t key_len) {
    for (size_t i = 0; i < o->n; i++) {
        if (o->items[i].key_len == key_len && memcmp(o->items[i].key, key, key_len) == 0) {
            free(o->items[i].key);
            free(o->items[i].value_json);
            memmove(&o->items[i], &o->items[i + 1], (o->n - i - 1) * sizeof *o->items);
            o->n--;
            return;
        }
    }
}

/* Every member of an object value into o. */
static void obj_add_members(obj *o, const rv *object) {
    rv_iter it;
    rv v;
    rs_buf scratch = RS_BUF_INIT, key = RS_BUF_INIT;
    rs_err err;
    rv_iter_init(&it, object);
    while (rv_iter_next(&it, &v, &scratch, &key, &err) == 1)
        obj_set(o, key.data != NULL ? key.data : "", key.len, &v);
    o->oom |= scratch.oom || key.oom;
    rs_buf_free(&scratch);
    rs_buf_free(&key);
}

static void result_obj(sqlite3_context *ctx, obj *o) {
    rs_buf b = RS_BUF_INIT;
    if (o->oom) {
        sqlite3_result_error_nomem(ctx);
        return;
    }
    rs_buf_putc(&b, '{');
    for (size_t i = 0; i < o->n; i++) {
        if (i)
            rs_buf_putc(&b, ',');
        rs_buf_json_string(&b, o->items[i].key, o->items[i].key_len);
        rs_buf_putc(&b, ':');
        rs_buf_puts(&b, o->items[i].value_json);
    }
    rs_buf_putc(&b, '}');
    rv_result_json_buf(ctx, &b);
    rs_buf_free(&b);
}

/* ---------------- OBJECT, ZIP ---------------- */

static int64_t count_of(const rv *container) {
    rv_iter it;
    rv v;
    rs_buf s = RS_BUF_INIT, k = RS_BUF_INIT;
    rs_err err;
    int64_t n = 0;
    rv_iter_init(&it, container);
    while (rv_iter_next(&it, &v, &s, &k, &err) == 1)
        n++;
    rs_buf_free(&s);
    rs_buf_free(&k);
    return n;
}

static void fn_object(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2], key, val;
    obj o = {NULL, 0, 0, 0};
    rv_iter ik, iv;
    rs_buf sk = RS_BUF_INIT, sv = RS_BUF_INIT, kk = RS_BUF_INIT, kv = RS_BUF_INIT;
    rs_err err;
    if (argc == 0) {
        sqlite3_result_blob(ctx, "{}", 2, SQLITE_STATIC);
        return;
    }
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_array(ctx, v, 0, 2) ||
        !rt_want_array(ctx, v, 1, 2))
        return;
    int64_t nk = count_of(&v[0]), nv = count_of(&v[1]);
    if (nk != nv) {
        rt_error(ctx, "keys and values must have the same length, got %lld and %lld", (long long)nk,
                 (long long)nv);
        return;
    }
    rv_iter_init(&ik, &v[0]);
    rv_iter_init(&iv, &v[1]);
    while (rv_iter_next(&ik, &key, &sk, &kk, &err) == 1 &&
           rv_iter_next(&iv, &val, &sv, &kv, &err) == 1) {
        if (key.type != RV_STRING) {
            rt_error(ctx, "keys must be strings, got %s", rv_type_name(key.type));
            goto done;
        }
        obj_set(&o, key.s, key.len, &val);
    }
    result_obj(ctx, &o);
done:
    obj_free(&o);
    rs_buf_free(&sk);
    rs_buf_free(&sv);
    rs_buf_free(&kk);
    rs_buf_free(&kv);
}

/* rs_object(k, v, ...): an object literal {'k': v, ...}; undefined members are left out, a
 * repeated key keeps its last value. Keys are SQL text (the translator writes string literals). */
static void fn_object_literal(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    obj o = {NULL, 0, 0, 0};
    for (int i = 0; i + 1 < argc; i += 2) {
        const char *key = (const char *)sqlite3_value_text(argv[i]);
        rv val;
        if (key == NULL)
            continue;
        rv_from_sqlite(argv[i + 1], &val);
        obj_set(&o, key, (size_t)sqlite3_value_bytes(argv[i]), &val);
    }
    result_obj(ctx, &o);
    obj_free(&o);
}

static void fn_zip(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v, pair, key, val;
    obj o = {NULL, 0, 0, 0};
    rv_iter it;
    rs_buf sp = RS_BUF_INIT, kp = RS_BUF_INIT;
    rs_err err;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_array(ctx, &v, 0, 1))
        return;
    rv_iter_init(&it, &v);
    while (rv_iter_next(&it, &pair, &sp, &kp, &err) == 1) {
        rv_iter ip;
        rs_buf s1 = RS_BUF_INIT, s2 = RS_BUF_INIT, k1 = RS_BUF_INIT, k2 = RS_BUF_INIT;
        int ok = pair.type == RV_ARRAY && count_of(&pair) == 2;
        if (ok) {
            rv_iter_init(&ip, &pair);
            ok = rv_iter_next(&ip, &key, &s1, &k1, &err) == 1 &&
                 rv_iter_next(&ip, &val, &s2, &k2, &err) == 1;
        }
        if (!ok)
            rt_error(ctx, "each entry must be an array of 2 elements");
        else if (key.type != RV_STRING)
            rt_error(ctx, "keys must be strings, got %s", rv_type_name(key.type));
        else
            obj_set(&o, key.s, key.len, &val);
        rs_buf_free(&s1);
        rs_buf_free(&s2);
        rs_buf_free(&k1);
        rs_buf_free(&k2);
        if (!ok || key.type != RV_STRING)
            goto done;
    }
    result_obj(ctx, &o);
done:
    obj_free(&o);
    rs_buf_free(&sp);
    rs_buf_free(&kp);
}

/* ---------------- KEYS, VALUES, ITEMS ---------------- */

/* which: 'k' keys, 'v' values, 'i' [key, value] items */
static void fn_parts(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    char which = *(const char *)rt_fn_of(ctx)->user_data;
    rv v, member;
    rv_iter it;
    rv_json_builder jb;
    rs_buf out = RS_BUF_INIT, scratch = RS_BUF_INIT, key = RS_BUF_INIT;
    rs_err err;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_object(ctx, &v, 0, 1))
        return;
    rv_json_begin(&jb, &out, 0);
    rv_iter_init(&it, &v);
    while (rv_iter_next(&it, &member, &scratch, &key, &err) == 1) {
        rv k = rv_string(key.data != NULL ? key.data : "", key.len);
        if (which == 'k') {
            rv_json_add(&jb, NULL, 0, &k);
        } else if (which == 'v') {
            rv_json_add(&jb, NULL, 0, &member);
        } else {
            rs_buf item = RS_BUF_INIT;
            rv_json_builder ib;
            rv_json_begin(&ib, &item, 0);
            rv_json_add(&ib, NULL, 0, &k);
            rv_json_add(&ib, NULL, 0, &member);
            rv_json_end(&ib);
            rv arr = rv_json(RV_ARRAY, item.data, item.len);
            rv_json_add(&jb, NULL, 0, &arr);
            rs_buf_free(&item);
        }
    }
    rv_json_end(&jb);
    rv_result_json_buf(ctx, &out);
    rs_buf_free(&out);
    rs_buf_free(&scratch);
    rs_buf_free(&key);
}

/* ---------------- MERGE, ERASE ---------------- */

static void fn_merge(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2];
    obj o = {NULL, 0, 0, 0};
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_object(ctx, v, 0, 2) ||
        !rt_want_object(ctx, v, 1, 2))
        return;
    obj_add_members(&o, &v[0]);
    obj_add_members(&o, &v[1]);
    result_obj(ctx, &o);
    obj_free(&o);
}

static void fn_erase(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v[2], k;
    obj o = {NULL, 0, 0, 0};
    if (!rt_args(ctx, argc, argv, v, 1) || !rt_want_object(ctx, v, 0, 2))
        return;
    if (v[1].type != RV_STRING && v[1].type != RV_ARRAY) {
        rt_type_error(ctx, 1, 2, "a string or an array of strings", &v[1]);
        return;
    }
    obj_add_members(&o, &v[0]);
    if (v[1].type == RV_STRING) {
        obj_erase(&o, v[1].s, v[1].len);
    } else {
        rv_iter it;
        rs_buf s = RS_BUF_INIT, kb = RS_BUF_INIT;
        rs_err err;
        int bad = 0;
        rv_iter_init(&it, &v[1]);
        while (!bad && rv_iter_next(&it, &k, &s, &kb, &err) == 1) {
            if (k.type != RV_STRING)
                bad = 1;
            else
                obj_erase(&o, k.s, k.len);
        }
        rs_buf_free(&s);
        rs_buf_free(&kb);
        if (bad) {
            rt_type_error(ctx, 1, 2, "a string or an array of strings", &v[1]);
            obj_free(&o);
            return;
        }
    }
    result_obj(ctx, &o);
    obj_free(&o);
}

/* ---------------- JSON ---------------- */

static void fn_json_parse(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v, out;
    rs_buf scratch = RS_BUF_INIT;
    rs_err err;
    if (!rt_args(ctx, argc, argv, &v, 1) || !rt_want_string(ctx, &v, 0, 1))
        return;
    if (rs_jsonscan_validate(v.s, v.len, &err) != RS_OK ||
        rv_from_json(v.s, v.len, &out, &scratch, &err) != 0) {
        rs_buf_free(&scratch);
        rt_error(ctx, "the argument is not valid JSON");
        return;
    }
    rv_result(ctx, &out);
    rs_buf_free(&scratch);
}

static void fn_json_format(sqlite3_context *ctx, int argc, sqlite3_value **argv) {
    rv v;
    rs_buf b = RS_BUF_INIT;
    (void)argc;
    rv_from_sqlite(argv[0], &v);
    if (v.type == RV_UNDEFINED) {
        sqlite3_result_text(ctx, "undefined", -1, SQLITE_STATIC);
        return;
    }
    rv_to_json(&b, &v, RV_FORM_DOC);
    rt_result_text_buf(ctx, &b);
    rs_buf_free(&b);
}

static const char PART_KEYS = 'k', PART_VALUES = 'v', PART_ITEMS = 'i';

#define O(name, min, max, fn, sig) \
    { name, RT_SCALAR, min, max, NULL, 0, NULL, fn, NULL, NULL, NULL, NULL, "object", sig }
#define OP(name, which, sig) \
    { name, RT_SCALAR, 1, 1, NULL, 0, &which, fn_parts, NULL, NULL, NULL, NULL, "object", sig }

/* clang-format off */
const rt_function rt_fn_object[] = {
    O("OBJECT", 0, 2, fn_object, "OBJECT(keys, values) -> object"),
    {NULL, RT_SCALAR, 0, -1, "rs_object", 0, NULL, fn_object_literal, NULL, NULL, NULL, NULL, NULL, NULL},
    O("ZIP", 1, 1, fn_zip, "ZIP(array of [key, value]) -> object"),
    OP("KEYS", PART_KEYS, "KEYS(object) -> array of strings"),
    OP("VALUES", PART_VALUES, "VALUES(object) -> array"),
    OP("ITEMS", PART_ITEMS, "ITEMS(object) -> array of [key, value]"),
    O("MERGE", 2, 2, fn_merge, "MERGE(object, object) -> object (the second wins)"),
    O("ERASE", 2, 2, fn_erase, "ERASE(object, key | array of keys) -> object"),
    {"JSON_PARSE", RT_SCALAR, 1, 1, NULL, 0, NULL, fn_json_parse, NULL, NULL, NULL, NULL, "json",
     "JSON_PARSE(string) -> value"},
    {"JSON_FORMAT", RT_SCALAR, 1, 1, NULL, 0, NULL, fn_json_format, NULL, NULL, NULL, NULL, "json",
     "JSON_FORMAT(value) -> string ('undefined' for undefined)"},
    {NULL, 0, 0, 0, NULL, 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL}};
/* clang-format on */
