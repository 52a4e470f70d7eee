/* tpl_value.c - template values: scalars by value, strings/lists/dicts reference counted. */
#include "tpl_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rs_tpl_obj {
    int refs;
    int depth;              /* 0 for strings; 1 + the deepest item for lists and dicts */
    size_t len;             /* STRING: bytes; LIST, DICT: entries */
    size_t cap;             /* allocated entries of items / keys */
    char *str;              /* STRING: the bytes, NUL-terminated; DICT: display text or NULL */
    rs_tpl_value *items;    /* LIST: items; DICT: values */
    char **keys;            /* DICT: keys */
    tpl_callable *callable; /* MACRO: what a call runs; str is the macro's name */
};

rs_tpl_value rs_tpl_none(void) {
    rs_tpl_value v;
    memset(&v, 0, sizeof(v));
    v.type = RS_TPL_NONE;
    return v;
}

rs_tpl_value rs_tpl_bool(int b) {
    rs_tpl_value v = rs_tpl_none();
    v.type = RS_TPL_BOOL;
    v.u.b = b ? 1 : 0;
    return v;
}

rs_tpl_value rs_tpl_int(long long i) {
    rs_tpl_value v = rs_tpl_none();
    v.type = RS_TPL_INT;
    v.u.i = i;
    return v;
}

rs_tpl_value rs_tpl_float(double f) {
    rs_tpl_value v = rs_tpl_none();
    v.type = RS_TPL_FLOAT;
    v.u.f = f;
    return v;
}

static int is_obj(const rs_tpl_value *v) {
    return v->type == RS_TPL_STRING || v->type == RS_TPL_LIST || v->type == RS_TPL_DICT ||
           v->type == RS_TPL_MACRO;
}

static int obj_new(rs_tpl_value *out, rs_tpl_type type) {
    rs_tpl_obj *o = calloc(1, sizeof(*o));
    *out = rs_tpl_none();
    if (o == NULL)
        return RS_ENOMEM;
    o->refs = 1;
    o->depth = type == RS_TPL_STRING ? 0 : 1;
    out->type = type;
    out->u.obj = o;
    return RS_OK;
}

int tpl_string_concat(rs_tpl_value *out, const char *a, size_t alen, const char *b, size_t blen) {
    char *s;
    int rc = obj_new(out, RS_TPL_STRING);
    if (rc != RS_OK)
        return rc;
    s = malloc(alen + blen + 1);
    if (s == NULL) {
        rs_tpl_value_free(out);
        return RS_ENOMEM;
    }
    if (alen)
        memcpy(s, a, alen);
    if (blen)
        memcpy(s + alen, b, blen);
    s[alen + blen] = '\0';
    out->u.obj->str = s;
    out->u.obj->len = alen + blen;
    return RS_OK;
}

int rs_tpl_string(rs_tpl_value *out, const char *s, size_t len) {
    return tpl_string_concat(out, s, len, NULL, 0);
}

int rs_tpl_list(rs_tpl_value *out) {
    return obj_new(out, RS_TPL_LIST);
}

int rs_tpl_dict(rs_tpl_value *out) {
    return obj_new(out, RS_TPL_DICT);
}

int tpl_value_depth(const rs_tpl_value *v) {
    if (v->type == RS_TPL_LIST || v->type == RS_TPL_DICT)
        return v->u.obj->depth;
    return 0;
}

/* Room for one more entry in a list or dict; keys only for dicts. */
static int obj_grow(rs_tpl_obj *o, int with_keys) {
    size_t ncap;
    rs_tpl_value *items;

    if (o->len < o->cap)
        return RS_OK;
    ncap = o->cap ? o->cap * 2 : 4;
    items = realloc(o->items, ncap * sizeof(*items));
    if (items == NULL)
        return RS_ENOMEM;
    o->items = items;
    if (with_keys) {
        char **keys = realloc(o->keys, ncap * sizeof(*keys));
        if (keys == NULL)
            return RS_ENOMEM;
        o->keys = keys;
    }
    o->cap = ncap;
    return RS_OK;
}

/* Refuse an item that would make a container too long or too deep. */
static int obj_can_take(const rs_tpl_obj *o, const rs_tpl_value *item) {
    if (o->len >= RS_TPL_MAX_ITEMS || tpl_value_depth(item) + 1 > RS_TPL_MAX_DEPTH)
        return 0;
    return 1;
}

static void obj_note_depth(rs_tpl_obj *o, const rs_tpl_value *item) {
    if (tpl_value_depth(item) + 1 > o->depth)
        o->depth = tpl_value_depth(item) + 1;
    if (o->depth == 0)
        o->depth = 1;
}

int rs_tpl_list_append(rs_tpl_value *list, rs_tpl_value item) {
    rs_tpl_obj *o;

    if (list == NULL || list->type != RS_TPL_LIST) {
        rs_tpl_value_free(&item);
        return RS_EINVAL;
    }
    o = list->u.obj;
    if (!obj_can_take(o, &item)) {
        rs_tpl_value_free(&item);
        return RS_EINVAL;
    }
    if (obj_grow(o, 0) != RS_OK) {
        rs_tpl_value_free(&item);
        return RS_ENOMEM;
    }
    obj_note_depth(o, &item);
    o->items[o->len++] = item;
    return RS_OK;
}

int rs_tpl_dict_set(rs_tpl_value *dict, const char *key, rs_tpl_value value) {
    rs_tpl_obj *o;
    size_t i;
    char *kcopy;

    if (dict == NULL || dict->type != RS_TPL_DICT || key == NULL) {
        rs_tpl_value_free(&value);
        return RS_EINVAL;
    }
    o = dict->u.obj;
    if (tpl_value_depth(&value) + 1 > RS_TPL_MAX_DEPTH) {
        rs_tpl_value_free(&value);
        return RS_EINVAL;
    }
    for (i = 0; i < o->len; i++) {
        if (strcmp(o->keys[i], key) == 0) {
            rs_tpl_value_free(&o->items[i]);
            obj_note_depth(o, &value);
            o->items[i] = value;
            return RS_OK;
        }
    }
    kcopy = strdup(key);
    if (kcopy == NULL || !obj_can_take(o, &value) || obj_grow(o, 1) != RS_OK) {
        int rc = kcopy == NULL || obj_can_take(o, &value) ? RS_ENOMEM : RS_EINVAL;
        free(kcopy);
        rs_tpl_value_free(&value);
        return rc;
    }
    obj_note_depth(o, &value);
    o->keys[o->len] = kcopy;
    o->items[o->len++] = value;
    return RS_OK;
}

int rs_tpl_dict_set_display(rs_tpl_value *dict, const char *text) {
    char *copy;

    if (dict == NULL || dict->type != RS_TPL_DICT || text == NULL)
        return RS_EINVAL;
    copy = strdup(text);
    if (copy == NULL)
        return RS_ENOMEM;
    free(dict->u.obj->str);
    dict->u.obj->str = copy;
    return RS_OK;
}

void rs_tpl_value_free(rs_tpl_value *v) {
    rs_tpl_obj *o;
    size_t i;

    if (v == NULL)
        return;
    if (is_obj(v) && v->u.obj != NULL) {
        o = v->u.obj;
        if (--o->refs == 0) {
            /* Recursion is bounded: containers are at most RS_TPL_MAX_DEPTH deep. */
            for (i = 0; v->type != RS_TPL_STRING && i < o->len; i++) {
                rs_tpl_value_free(&o->items[i]);
                if (o->keys != NULL)
                    free(o->keys[i]);
            }
            free(o->items);
            free(o->keys);
            free(o->str);
            free(o->callable);
            free(o);
        }
    }
    *v = rs_tpl_none();
}

rs_tpl_value rs_tpl_value_copy(const rs_tpl_value *v) {
    if (is_obj(v))
        v->u.obj->refs++;
    return *v;
}

const char *rs_tpl_dict_display(const rs_tpl_value *dict) {
    return dict != NULL && dict->type == RS_TPL_DICT ? dict->u.obj->str : NULL;
}

const char *rs_tpl_value_str(const rs_tpl_value *v, size_t *len) {
    if (v == NULL || v->type != RS_TPL_STRING)
        return NULL;
    if (len != NULL)
        *len = v->u.obj->len;
    return v->u.obj->str;
}

size_t rs_tpl_value_len(const rs_tpl_value *v) {
    if (v == NULL || (v->type != RS_TPL_LIST && v->type != RS_TPL_DICT))
        return 0;
    return v->u.obj->len;
}

const rs_tpl_value *rs_tpl_list_get(const rs_tpl_value *list, size_t i) {
    if (list == NULL || list->type != RS_TPL_LIST || i >= list->u.obj->len)
        return NULL;
    return &list->u.obj->items[i];
}

const char *rs_tpl_dict_key(const rs_tpl_value *dict, size_t i) {
    if (dict == NULL || dict->type != RS_TPL_DICT || i >= dict->u.obj->len)
        return NULL;
    return dict->u.obj->keys[i];
}

const rs_tpl_value *rs_tpl_dict_value(const rs_tpl_value *dict, size_t i) {
    if (dict == NULL || dict->type != RS_TPL_DICT || i >= dict->u.obj->len)
        return NULL;
    return &dict->u.obj->items[i];
}

const rs_tpl_value *rs_tpl_dict_get(const rs_tpl_value *dict, const char *key) {
    size_t i;

    if (dict == NULL || dict->type != RS_TPL_DICT || key == NULL)
        return NULL;
    for (i = 0; i < dict->u.obj->len; i++) {
        if (strcmp(dict->u.obj->keys[i], key) == 0)
            return &dict->u.obj->items[i];
    }
    return NULL;
}

const char *rs_tpl_type_name(rs_tpl_type t) {
    switch (t) {
    case RS_TPL_NONE:
        return "none";
    case RS_TPL_UNDEFINED:
        return "undefined";
    case RS_TPL_BOOL:
        return "bool";
    case RS_TPL_INT:
        return "int";
    case RS_TPL_FLOAT:
        return "float";
    case RS_TPL_STRING:
        return "string";
    case RS_TPL_LIST:
        return "list";
    case RS_TPL_DICT:
        return "dict";
    case RS_TPL_MACRO:
        return "macro";
    }
    return "?";
}

int tpl_truthy(const rs_tpl_value *v) {
    switch (v->type) {
    case RS_TPL_BOOL:
        return v->u.b;
    case RS_TPL_INT:
        return v->u.i != 0;
    case RS_TPL_FLOAT:
        return v->u.f != 0.0;
    case RS_TPL_STRING:
    case RS_TPL_LIST:
    case RS_TPL_DICT:
        return v->u.obj->len != 0;
    case RS_TPL_MACRO:
        return 1;
    default:
        return 0;
    }
}

static int is_number(const rs_tpl_value *v) {
    return v->type == RS_TPL_BOOL || v->type == RS_TPL_INT || v->type == RS_TPL_FLOAT;
}

static double as_double(const rs_tpl_value *v) {
    if (v->type == RS_TPL_FLOAT)
        return v->u.f;
    return v->type == RS_TPL_BOOL ? (double)v->u.b : (double)v->u.i;
}

static long long as_ll(const rs_tpl_value *v) {
    return v->type == RS_TPL_BOOL ? v->u.b : v->u.i;
}

/* Python equality: numbers by value (True == 1), containers item by item, dicts ignore order. */
int tpl_values_equal(const rs_tpl_value *a, const rs_tpl_value *b) {
    size_t i;

    if (is_number(a) && is_number(b)) {
        if (a->type == RS_TPL_FLOAT || b->type == RS_TPL_FLOAT)
            return as_double(a) == as_double(b);
        return as_ll(a) == as_ll(b);
    }
    if (a->type != b->type)
        return 0;
    switch (a->type) {
    case RS_TPL_NONE:
    case RS_TPL_UNDEFINED:
        return 1;
    case RS_TPL_STRING:
        return a->u.obj->len == b->u.obj->len &&
               memcmp(a->u.obj->str, b->u.obj->str, a->u.obj->len) == 0;
    case RS_TPL_LIST:
        if (a->u.obj->len != b->u.obj->len)
            return 0;
        for (i = 0; i < a->u.obj->len; i++) {
            if (!tpl_values_equal(&a->u.obj->items[i], &b->u.obj->items[i]))
                return 0;
        }
        return 1;
    case RS_TPL_DICT:
        if (a->u.obj->len != b->u.obj->len)
            return 0;
        for (i = 0; i < a->u.obj->len; i++) {
            const rs_tpl_value *other = rs_tpl_dict_get(b, a->u.obj->keys[i]);
            if (other == NULL || !tpl_values_equal(&a->u.obj->items[i], other))
                return 0;
        }
        return 1;
    case RS_TPL_MACRO:
        return a->u.obj == b->u.obj;
    default:
        return 0;
    }
}

/* Python's repr() of a float: the shortest digits that read back exactly, positional notation for
 * exponents -4..15, else scientific with a signed two-digit-minimum exponent. */
static void float_repr(double f, char *out, size_t size) {
    char tmp[48], digits[24];
    int prec, exp10, n = 0, point;
    const char *p;
    size_t o = 0;

    if (isnan(f)) {
        snprintf(out, size, "nan");
        return;
    }
    if (isinf(f)) {
        snprintf(out, size, "%s", f < 0 ? "-inf" : "inf");
        return;
    }
    for (prec = 1; prec < 17; prec++) {
        snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
        if (strtod(tmp, NULL) == f)
            break;
    }
    snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, f);
    p = tmp;
    if (*p == '-')
        out[o++] = *p++;
    for (; *p && *p != 'e'; p++) {
        if (*p >= '0' && *p <= '9' && n < (int)sizeof(digits) - 1)
            digits[n++] = *p;
    }
    digits[n] = '\0';
    exp10 = *p == 'e' ? atoi(p + 1) : 0;
    while (n > 1 && digits[n - 1] == '0')
        digits[--n] = '\0';
    if (exp10 >= -4 && exp10 < 16) {
        point = exp10 + 1;
        if (point <= 0) {
            o += (size_t)snprintf(out + o, size - o, "0.%.*s%s", -point, "0000", digits);
        } else if (point >= n) {
            o += (size_t)snprintf(out + o, size - o, "%s%.*s.0", digits, point - n,
                                  "0000000000000000");
        } else {
            snprintf(out + o, size - o, "%.*s.%s", point, digits, digits + point);
        }
        return;
    }
    snprintf(out + o, size - o, "%c%s%se%c%02d", digits[0], n > 1 ? "." : "", digits + 1,
             exp10 < 0 ? '-' : '+', exp10 < 0 ? -exp10 : exp10);
}

static int put_limited(rs_buf *b, const char *s, size_t len, size_t limit) {
    if (len > limit || b->len > limit - len)
        return TPL_ETOOBIG;
    return rs_buf_append(b, s, len);
}

/* Python's repr() of a string: single quotes unless it holds ' but no ". */
static int repr_string(rs_buf *b, const char *s, size_t len, size_t limit) {
    char quote = '\'', esc[8];
    size_t i;
    int rc = RS_OK;

    if (memchr(s, '\'', len) && !memchr(s, '"', len))
        quote = '"';
    rc = put_limited(b, &quote, 1, limit);
    for (i = 0; i < len && rc == RS_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\\' || c == (unsigned char)quote) {
            esc[0] = '\\';
            esc[1] = (char)c;
            rc = put_limited(b, esc, 2, limit);
        } else if (c == '\n' || c == '\r' || c == '\t') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
            rc = put_limited(b, esc, 2, limit);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof(esc), "\\x%02x", c);
            rc = put_limited(b, esc, 4, limit);
        } else {
            rc = put_limited(b, s + i, 1, limit);
        }
    }
    if (rc == RS_OK)
        rc = put_limited(b, &quote, 1, limit);
    return rc;
}

static int write_container(const rs_tpl_value *v, rs_buf *b, size_t limit) {
    const rs_tpl_obj *o = v->u.obj;
    int is_list = v->type == RS_TPL_LIST;
    size_t i;
    int rc = put_limited(b, is_list ? "[" : "{", 1, limit);

    for (i = 0; i < o->len && rc == RS_OK; i++) {
        if (i > 0)
            rc = put_limited(b, ", ", 2, limit);
        if (rc == RS_OK && !is_list) {
            rc = repr_string(b, o->keys[i], strlen(o->keys[i]), limit);
            if (rc == RS_OK)
                rc = put_limited(b, ": ", 2, limit);
        }
        if (rc == RS_OK)
            rc = tpl_value_write(&o->items[i], b, 1, limit);
    }
    if (rc == RS_OK)
        rc = put_limited(b, is_list ? "]" : "}", 1, limit);
    return rc;
}

int tpl_value_write(const rs_tpl_value *v, rs_buf *b, int repr, size_t limit) {
    char num[64];

    switch (v->type) {
    case RS_TPL_NONE:
        return put_limited(b, "None", 4, limit);
    case RS_TPL_UNDEFINED:
        return RS_OK;
    case RS_TPL_BOOL:
        return put_limited(b, v->u.b ? "True" : "False", v->u.b ? 4 : 5, limit);
    case RS_TPL_INT:
        snprintf(num, sizeof(num), "%lld", v->u.i);
        return put_limited(b, num, strlen(num), limit);
    case RS_TPL_FLOAT:
        float_repr(v->u.f, num, sizeof(num));
        return put_limited(b, num, strlen(num), limit);
    case RS_TPL_STRING:
        if (repr)
            return repr_string(b, v->u.obj->str, v->u.obj->len, limit);
        return put_limited(b, v->u.obj->str, v->u.obj->len, limit);
    case RS_TPL_LIST:
        return write_container(v, b, limit);
    case RS_TPL_DICT:
        if (v->u.obj->str != NULL)
            return put_limited(b, v->u.obj->str, strlen(v->u.obj->str), limit);
        return write_container(v, b, limit);
    case RS_TPL_MACRO: {
        int rc = put_limited(b, "<macro ", 7, limit);
        if (rc == RS_OK)
            rc = repr_string(b, v->u.obj->str, strlen(v->u.obj->str), limit);
        return rc == RS_OK ? put_limited(b, ">", 1, limit) : rc;
    }
    }
    return RS_EINTERNAL;
}

int rs_tpl_value_render(const rs_tpl_value *v, rs_buf *out) {
    int rc = tpl_value_write(v, out, 0, RS_TPL_DEFAULT_MAX_OUTPUT);
    return rc == TPL_ETOOBIG ? RS_EINVAL : rc;
}

static void plural_args(char *out, size_t size, size_t min_pos, size_t max_pos) {
    if (min_pos == max_pos)
        snprintf(out, size, "exactly %zu argument%s", min_pos, min_pos == 1 ? "" : "s");
    else if (max_pos == min_pos + 1)
        snprintf(out, size, "%zu or %zu arguments", min_pos, max_pos);
    else
        snprintf(out, size, "from %zu to %zu arguments", min_pos, max_pos);
}

int rs_tpl_args_check(const rs_tpl_args *args, const char *fname, size_t min_pos, size_t max_pos,
                      rs_err *err) {
    char want[64];

    if (args->n_kw > 0)
        return rs_err_set(err, RS_EINVAL, "%s() got an unexpected keyword argument '%s'", fname,
                          args->kw_names[0]);
    if (args->n_pos < min_pos || args->n_pos > max_pos) {
        plural_args(want, sizeof(want), min_pos, max_pos);
        return rs_err_set(err, RS_EINVAL, "%s() takes %s (%zu given)", fname, want, args->n_pos);
    }
    return RS_OK;
}

int rs_tpl_args_string(const rs_tpl_args *args, size_t i, const char *fname, const char **s,
                       rs_err *err) {
    if (i >= args->n_pos)
        return rs_err_set(err, RS_EINVAL, "%s() is missing argument %zu", fname, i + 1);
    if (args->pos[i].type != RS_TPL_STRING)
        return rs_err_set(err, RS_EINVAL, "%s() argument %zu must be a string, not %s", fname,
                          i + 1, rs_tpl_type_name(args->pos[i].type));
    *s = args->pos[i].u.obj->str;
    return RS_OK;
}

/* ---- changing values in place (tpl_methods.c, {% set ns.x %}) ---- */

/* A shallow copy of a list or dict: new payload, the same items with one more reference each. */
static int obj_clone(const rs_tpl_value *v, rs_tpl_value *out) {
    const rs_tpl_obj *o = v->u.obj;
    rs_tpl_obj *c;
    size_t i;
    int rc = obj_new(out, v->type);

    if (rc != RS_OK)
        return rc;
    c = out->u.obj;
    c->items = o->len ? malloc(o->len * sizeof(*c->items)) : NULL;
    c->keys = o->keys && o->len ? malloc(o->len * sizeof(*c->keys)) : NULL;
    c->str = o->str ? strdup(o->str) : NULL;
    if ((o->len && c->items == NULL) || (o->keys && o->len && c->keys == NULL) ||
        (o->str && c->str == NULL)) {
        rs_tpl_value_free(out);
        return RS_ENOMEM;
    }
    c->cap = o->len;
    c->depth = o->depth;
    for (i = 0; i < o->len; i++) {
        if (c->keys != NULL && (c->keys[i] = strdup(o->keys[i])) == NULL) {
            rs_tpl_value_free(out); /* frees the i items and keys copied so far */
            return RS_ENOMEM;
        }
        c->items[i] = rs_tpl_value_copy(&o->items[i]);
        c->len = i + 1;
    }
    return RS_OK;
}

int tpl_value_make_unique(rs_tpl_value *slot) {
    rs_tpl_value copy;
    int rc;

    if ((slot->type != RS_TPL_LIST && slot->type != RS_TPL_DICT) || slot->u.obj->refs == 1)
        return RS_OK;
    rc = obj_clone(slot, &copy);
    if (rc != RS_OK)
        return rc;
    rs_tpl_value_free(slot);
    *slot = copy;
    return RS_OK;
}

int tpl_list_insert(rs_tpl_value *list, size_t at, rs_tpl_value item) {
    rs_tpl_obj *o = list->u.obj;
    int rc = rs_tpl_list_append(list, item);

    if (rc != RS_OK || at >= o->len - 1)
        return rc;
    item = o->items[o->len - 1];
    memmove(&o->items[at + 1], &o->items[at], (o->len - 1 - at) * sizeof(*o->items));
    o->items[at] = item;
    return RS_OK;
}

void tpl_list_take(rs_tpl_value *list, size_t at, rs_tpl_value *out) {
    rs_tpl_obj *o = list->u.obj;

    *out = o->items[at];
    memmove(&o->items[at], &o->items[at + 1], (o->len - at - 1) * sizeof(*o->items));
    o->len--;
}

int tpl_dict_take(rs_tpl_value *dict, const char *key, rs_tpl_value *out) {
    rs_tpl_obj *o = dict->u.obj;
    size_t i;

    for (i = 0; i < o->len; i++) {
        if (strcmp(o->keys[i], key) == 0) {
            *out = o->items[i];
            free(o->keys[i]);
            memmove(&o->items[i], &o->items[i + 1], (o->len - i - 1) * sizeof(*o->items));
            memmove(&o->keys[i], &o->keys[i + 1], (o->len - i - 1) * sizeof(*o->keys));
            o->len--;
            return RS_OK;
        }
    }
    return RS_ENOTFOUND;
}

/* ASCII case folding for sort(case_sensitive=false), as Jinja lowers both sides. */
static int casecmp_bytes(const char *a, size_t alen, const char *b, size_t blen) {
    size_t i, n = alen < blen ? alen : blen;

    for (i = 0; i < n; i++) {
        int x = (unsigned char)a[i], y = (unsigned char)b[i];
        x = x >= 'A' && x <= 'Z' ? x - 'A' + 'a' : x;
        y = y >= 'A' && y <= 'Z' ? y - 'A' + 'a' : y;
        if (x != y)
            return x < y ? -1 : 1;
    }
    return alen < blen ? -1 : alen > blen;
}

int tpl_values_compare(const rs_tpl_value *a, const rs_tpl_value *b, int fold_case) {
    if (is_number(a) && is_number(b)) {
        if (a->type != RS_TPL_FLOAT && b->type != RS_TPL_FLOAT)
            return as_ll(a) < as_ll(b) ? -1 : as_ll(a) > as_ll(b);
        return as_double(a) < as_double(b)    ? -1
               : as_double(a) > as_double(b)  ? 1
               : as_double(a) == as_double(b) ? 0
                                              : 2;
    }
    if (a->type == RS_TPL_STRING && b->type == RS_TPL_STRING) {
        const rs_tpl_obj *x = a->u.obj, *y = b->u.obj;
        int c;
        if (fold_case)
            return casecmp_bytes(x->str, x->len, y->str, y->len);
        c = memcmp(x->str, y->str, x->len < y->len ? x->len : y->len);
        if (c == 0)
            return x->len < y->len ? -1 : x->len > y->len;
        return c < 0 ? -1 : 1;
    }
    return 2;
}

void tpl_value_recompute_depth(rs_tpl_value *v) {
    rs_tpl_obj *o;
    size_t i;

    if (v->type != RS_TPL_LIST && v->type != RS_TPL_DICT)
        return;
    o = v->u.obj;
    o->depth = 1;
    for (i = 0; i < o->len; i++)
        obj_note_depth(o, &o->items[i]);
}

int tpl_macro_value(rs_tpl_value *out, const char *name, const tpl_callable *c) {
    int rc = obj_new(out, RS_TPL_MACRO);

    if (rc != RS_OK)
        return rc;
    out->u.obj->depth = 0;
    out->u.obj->str = strdup(name);
    out->u.obj->callable = malloc(sizeof(*c));
    if (out->u.obj->str == NULL || out->u.obj->callable == NULL) {
        rs_tpl_value_free(out);
        return RS_ENOMEM;
    }
    *out->u.obj->callable = *c;
    return RS_OK;
}

tpl_callable *tpl_macro_of(const rs_tpl_value *v) {
    return v->type == RS_TPL_MACRO ? v->u.obj->callable : NULL;
}

const char *tpl_macro_name(const rs_tpl_value *v) {
    return v->type == RS_TPL_MACRO ? v->u.obj->str : NULL;
}
