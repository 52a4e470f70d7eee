/*
 * tpl_filter.c - filters: x | name(args).
 *
 * Text: lower upper capitalize title trim replace(old, new[, count]) string format(args...)
 * (printf-style %s %d %%). Numbers: int([default]) float([default]) abs round([precision]).
 * Lists: length/count join([d][, attribute]) first last list reverse sort([reverse,
 * case_sensitive, attribute]) unique([case_sensitive, attribute]) sum([attribute, start])
 * min/max([case_sensitive, attribute]) map(filter[, args] | attribute=) select/reject([test[,
 * arg]]) selectattr/rejectattr(attribute[, test[, arg]]). Dicts: items. Any value: tojson
 * default/d([value[, boolean]]). As in Jinja, sort, unique, min and max fold ASCII case
 * unless case_sensitive=true, and attribute= may name a dotted path ('a.b').
 */
#include "tpl_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct fcall {
    tpl_run *run;
    const tpl_node *at; /* position for messages */
    const char *name;
    const rs_tpl_value *in;
    const rs_tpl_args *args;
    const rs_tpl_value *a[TPL_MAX_PARAMS];
    rs_tpl_value *out;
} fcall;

typedef int (*filter_fn)(fcall *f);

static int nomem(tpl_run *run) {
    return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
}

static int too_big(fcall *f) {
    return tpl_run_error(f->run, f->at, RS_EINVAL, "output too large (more than %zu bytes)",
                         f->run->max_output);
}

static int make_undefined(rs_tpl_value *out) {
    *out = rs_tpl_none();
    out->type = RS_TPL_UNDEFINED;
    return RS_OK;
}

static int want_list(fcall *f) {
    if (f->in->type == RS_TPL_LIST)
        return RS_OK;
    return tpl_run_error(f->run, f->at, RS_EINVAL, "%s expects a list, not %s", f->name,
                         rs_tpl_type_name(f->in->type));
}

static int put_text(fcall *f, rs_buf *b) {
    int rc = RS_OK;

    if (b->oom)
        rc = nomem(f->run);
    else if (b->len > f->run->max_output)
        rc = too_big(f);
    else if (rs_tpl_string(f->out, rs_buf_cstr(b), b->len) != RS_OK)
        rc = nomem(f->run);
    rs_buf_free(b);
    return rc;
}

static int list_error(fcall *f, int rc) {
    if (rc == RS_ENOMEM)
        return nomem(f->run);
    return tpl_run_error(f->run, f->at, RS_EINVAL,
                         "value nested more than %d levels deep or longer than %d items",
                         RS_TPL_MAX_DEPTH, RS_TPL_MAX_ITEMS);
}

/* ---- text ---- */

static int f_case(fcall *f) {
    rs_tpl_value text = rs_tpl_none();
    size_t len, i;
    const char *s;
    int word_start = 1, rc = tpl_to_text(f->run, f->at, f->in, &text);
    rs_buf b = RS_BUF_INIT;

    if (rc != RS_OK)
        return rc;
    s = rs_tpl_value_str(&text, &len);
    for (i = 0; i < len; i++) {
        char c = s[i];
        int up =
            f->name[0] == 'u' || (f->name[0] == 't' && word_start) || (f->name[0] == 'c' && i == 0);
        if (up && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!up && f->name[0] != 'u' && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        word_start = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
        rs_buf_putc(&b, c);
    }
    rs_tpl_value_free(&text);
    return put_text(f, &b);
}

static int f_trim(fcall *f) {
    rs_tpl_value text = rs_tpl_none();
    size_t len, start = 0;
    const char *s;
    int rc = tpl_to_text(f->run, f->at, f->in, &text);

    if (rc != RS_OK)
        return rc;
    s = rs_tpl_value_str(&text, &len);
    while (start < len && strchr(" \t\r\n\v\f", s[start]) && s[start])
        start++;
    while (len > start && strchr(" \t\r\n\v\f", s[len - 1]) && s[len - 1])
        len--;
    rc = rs_tpl_string(f->out, s + start, len - start);
    rs_tpl_value_free(&text);
    return rc == RS_OK ? RS_OK : nomem(f->run);
}

static int f_replace(fcall *f) {
    rs_tpl_value text = rs_tpl_none(), from = rs_tpl_none(), to = rs_tpl_none();
    rs_buf b = RS_BUF_INIT;
    size_t len, flen, tlen, i = 0;
    const char *s, *fs, *ts;
    long long left = -1;
    int rc = tpl_to_text(f->run, f->at, f->in, &text);

    if (rc == RS_OK)
        rc = tpl_to_text(f->run, f->at, f->a[0], &from);
    if (rc == RS_OK)
        rc = tpl_to_text(f->run, f->at, f->a[1], &to);
    if (rc == RS_OK && f->a[2] != NULL) {
        if (f->a[2]->type != RS_TPL_INT)
            rc = tpl_run_error(f->run, f->at, RS_EINVAL, "replace count must be an int, not %s",
                               rs_tpl_type_name(f->a[2]->type));
        else
            left = f->a[2]->u.i;
    }
    if (rc == RS_OK) {
        s = rs_tpl_value_str(&text, &len);
        fs = rs_tpl_value_str(&from, &flen);
        ts = rs_tpl_value_str(&to, &tlen);
        while (i < len && b.len <= f->run->max_output) {
            if (flen > 0 && left != 0 && len - i >= flen && memcmp(s + i, fs, flen) == 0) {
                rs_buf_append(&b, ts, tlen);
                i += flen;
                left -= left > 0;
            } else {
                rs_buf_putc(&b, s[i++]);
            }
        }
        rc = put_text(f, &b);
    }
    rs_buf_free(&b);
    rs_tpl_value_free(&text);
    rs_tpl_value_free(&from);
    rs_tpl_value_free(&to);
    return rc;
}

static int f_string(fcall *f) {
    return tpl_to_text(f->run, f->at, f->in, f->out);
}

/* printf-style: "%s-%d" | format(a, b); %s and %d take the next argument, %% is '%'. */
static int f_format(fcall *f) {
    rs_tpl_value text = rs_tpl_none();
    rs_buf b = RS_BUF_INIT;
    size_t len, i, next_arg = 0;
    const char *s;
    int rc = tpl_to_text(f->run, f->at, f->in, &text);

    s = rs_tpl_value_str(&text, &len);
    for (i = 0; rc == RS_OK && i < len; i++) {
        if (s[i] != '%') {
            rs_buf_putc(&b, s[i]);
        } else if (i + 1 < len && s[i + 1] == '%') {
            rs_buf_putc(&b, s[i++]);
        } else if (i + 1 < len && (s[i + 1] == 's' || s[i + 1] == 'd') &&
                   next_arg < f->args->n_pos) {
            rc = tpl_value_write(&f->args->pos[next_arg++], &b, 0, f->run->max_output);
            rc = rc == TPL_ETOOBIG ? too_big(f) : rc == RS_OK ? RS_OK : nomem(f->run);
            i++;
        } else {
            rc = tpl_run_error(f->run, f->at, RS_EINVAL,
                               "format supports %%s and %%d with one argument each");
        }
    }
    if (rc == RS_OK)
        rc = put_text(f, &b);
    rs_buf_free(&b);
    rs_tpl_value_free(&text);
    return rc;
}

/* ---- numbers ---- */

/* int / float: numbers convert, strings parse (whole string), anything else gives the default. */
static int f_number(fcall *f) {
    int want_int = strcmp(f->name, "int") == 0;
    const rs_tpl_value *in = f->in;
    const char *s = rs_tpl_value_str(in, NULL);
    char *end = NULL;

    if (in->type == RS_TPL_INT || in->type == RS_TPL_BOOL) {
        long long v = in->type == RS_TPL_INT ? in->u.i : in->u.b;
        *f->out = want_int ? rs_tpl_int(v) : rs_tpl_float((double)v);
        return RS_OK;
    }
    if (in->type == RS_TPL_FLOAT) {
        if (want_int && !(in->u.f > -9.2e18 && in->u.f < 9.2e18))
            return tpl_run_error(f->run, f->at, RS_EINVAL, "integer overflow");
        *f->out = want_int ? rs_tpl_int((long long)in->u.f) : rs_tpl_float(in->u.f);
        return RS_OK;
    }
    if (s != NULL && *s != '\0') {
        errno = 0;
        if (want_int) {
            long long v = strtoll(s, &end, 10);
            if (*end == '\0' && errno == 0) {
                *f->out = rs_tpl_int(v);
                return RS_OK;
            }
        } else {
            double v = strtod(s, &end);
            if (*end == '\0') {
                *f->out = rs_tpl_float(v);
                return RS_OK;
            }
        }
    }
    if (f->a[0] != NULL) {
        *f->out = rs_tpl_value_copy(f->a[0]);
        return RS_OK;
    }
    *f->out = want_int ? rs_tpl_int(0) : rs_tpl_float(0.0);
    return RS_OK;
}

static int f_abs(fcall *f) {
    const rs_tpl_value *in = f->in;

    if (in->type == RS_TPL_FLOAT) {
        *f->out = rs_tpl_float(fabs(in->u.f));
    } else if (in->type == RS_TPL_INT || in->type == RS_TPL_BOOL) {
        long long v = in->type == RS_TPL_INT ? in->u.i : in->u.b;
        if (v == LLONG_MIN)
            return tpl_run_error(f->run, f->at, RS_EINVAL, "integer overflow");
        *f->out = rs_tpl_int(v < 0 ? -v : v);
    } else {
        return tpl_run_error(f->run, f->at, RS_EINVAL, "bad operand type for abs: '%s'",
                             rs_tpl_type_name(in->type));
    }
    return RS_OK;
}

/* round([precision]): half away from zero, a float as in Jinja. */
static int f_round(fcall *f) {
    long long precision = 0;
    double v, scale;

    if (f->a[0] != NULL && f->a[0]->type != RS_TPL_INT)
        return tpl_run_error(f->run, f->at, RS_EINVAL, "round precision must be an int");
    if (f->a[0] != NULL)
        precision = f->a[0]->u.i;
    if (f->in->type != RS_TPL_INT && f->in->type != RS_TPL_FLOAT && f->in->type != RS_TPL_BOOL)
        return tpl_run_error(f->run, f->at, RS_EINVAL, "round expects a number, not %s",
                             rs_tpl_type_name(f->in->type));
    v = f->in->type == RS_TPL_FLOAT ? f->in->u.f
        : f->in->type == RS_TPL_INT ? (double)f->in->u.i
                                    : (double)f->in->u.b;
    if (precision < 0 || precision > 15) {
        *f->out = rs_tpl_float(precision < 0 ? round(v) : v);
        return RS_OK;
    }
    scale = pow(10.0, (double)precision);
    *f->out = rs_tpl_float(round(v * scale) / scale);
    return RS_OK;
}

/* ---- lists ---- */

static int f_length(fcall *f) {
    size_t len = 0, i, chars = 0;
    const char *s = rs_tpl_value_str(f->in, &len);

    if (s != NULL) {
        for (i = 0; i < len; i++)
            chars += ((unsigned char)s[i] & 0xc0) != 0x80;
        *f->out = rs_tpl_int((long long)chars);
    } else if (f->in->type == RS_TPL_LIST || f->in->type == RS_TPL_DICT) {
        *f->out = rs_tpl_int((long long)rs_tpl_value_len(f->in));
    } else if (f->in->type == RS_TPL_UNDEFINED) {
        *f->out = rs_tpl_int(0);
    } else {
        return tpl_run_error(f->run, f->at, RS_EINVAL, "%s has no length",
                             rs_tpl_type_name(f->in->type));
    }
    return RS_OK;
}

/* item's member at a dotted path ('a.b'), or undefined. */
static const rs_tpl_value *attr_path(const rs_tpl_value *item, const char *path) {
    char part[128];
    const char *dot;

    while (item != NULL && path != NULL) {
        dot = strchr(path, '.');
        snprintf(part, sizeof(part), "%.*s", dot ? (int)(dot - path) : (int)strlen(path), path);
        if (item->type == RS_TPL_LIST && part[0] >= '0' && part[0] <= '9')
            item = rs_tpl_list_get(item, (size_t)strtoul(part, NULL, 10));
        else
            item = rs_tpl_dict_get(item, part);
        path = dot ? dot + 1 : NULL;
    }
    return item;
}

/* The attribute= argument as a string, or NULL. */
static int attr_arg(fcall *f, size_t i, const char **attr) {
    *attr = NULL;
    if (f->a[i] == NULL || f->a[i]->type == RS_TPL_NONE)
        return RS_OK;
    *attr = rs_tpl_value_str(f->a[i], NULL);
    if (*attr == NULL)
        return tpl_run_error(f->run, f->at, RS_EINVAL, "%s attribute must be a string, not %s",
                             f->name, rs_tpl_type_name(f->a[i]->type));
    return RS_OK;
}

static int f_join(fcall *f) {
    rs_tpl_value sep = rs_tpl_none();
    rs_buf b = RS_BUF_INIT;
    size_t i, seplen = 0;
    const char *seps = "", *attr = NULL;
    int rc = RS_OK;

    if (f->in->type != RS_TPL_LIST && f->in->type != RS_TPL_UNDEFINED)
        return tpl_run_error(f->run, f->at, RS_EINVAL, "join expects a list, not %s",
                             rs_tpl_type_name(f->in->type));
    rc = attr_arg(f, 1, &attr);
    if (rc == RS_OK && f->a[0] != NULL) {
        rc = tpl_to_text(f->run, f->at, f->a[0], &sep);
        seps = rs_tpl_value_str(&sep, &seplen);
    }
    for (i = 0; i < rs_tpl_value_len(f->in) && rc == RS_OK; i++) {
        const rs_tpl_value *item = rs_tpl_list_get(f->in, i);
        if (attr != NULL && (item = attr_path(item, attr)) == NULL)
            continue; /* Jinja renders a missing attribute as an empty string */
        if (i > 0)
            rc =
                b.len + seplen > f->run->max_output ? TPL_ETOOBIG : rs_buf_append(&b, seps, seplen);
        if (rc == RS_OK)
            rc = tpl_value_write(item, &b, 0, f->run->max_output);
        if (rc != RS_OK)
            rc = rc == TPL_ETOOBIG ? too_big(f) : nomem(f->run);
    }
    if (rc == RS_OK)
        rc = put_text(f, &b);
    rs_buf_free(&b);
    rs_tpl_value_free(&sep);
    return rc;
}

static int f_first_last(fcall *f) {
    size_t len = rs_tpl_value_len(f->in);
    int rc = want_list(f);

    if (rc != RS_OK)
        return rc;
    if (len == 0)
        return make_undefined(f->out);
    *f->out = rs_tpl_value_copy(rs_tpl_list_get(f->in, f->name[0] == 'f' ? 0 : len - 1));
    return RS_OK;
}

/* A new list of the items of a list, the keys of a dict, or the characters of a string. */
static int f_list(fcall *f) {
    size_t i, len, step;
    const char *s = rs_tpl_value_str(f->in, &len);
    int rc;

    if (f->in->type == RS_TPL_LIST) {
        *f->out = rs_tpl_value_copy(f->in);
        return RS_OK;
    }
    if (s == NULL && f->in->type != RS_TPL_DICT)
        return tpl_run_error(f->run, f->at, RS_EINVAL,
                             "list expects a list, dict or string, not %s",
                             rs_tpl_type_name(f->in->type));
    rc = rs_tpl_list(f->out);
    for (i = 0; rc == RS_OK && s == NULL && i < rs_tpl_value_len(f->in); i++) {
        rs_tpl_value key;
        const char *k = rs_tpl_dict_key(f->in, i);
        rc = rs_tpl_string(&key, k, strlen(k));
        if (rc == RS_OK)
            rc = rs_tpl_list_append(f->out, key);
    }
    for (i = 0; rc == RS_OK && s != NULL && i < len; i += step) {
        rs_tpl_value ch;
        unsigned char c = (unsigned char)s[i];
        step = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        step = step > len - i ? len - i : step;
        rc = rs_tpl_string(&ch, s + i, step);
        if (rc == RS_OK)
            rc = rs_tpl_list_append(f->out, ch);
    }
    return rc == RS_OK ? RS_OK : list_error(f, rc);
}

static int f_reverse(fcall *f) {
    size_t len, i;
    const char *s = rs_tpl_value_str(f->in, &len);
    int rc;

    if (s != NULL) {
        rs_buf b = RS_BUF_INIT;
        for (i = len; i > 0; i--)
            rs_buf_putc(&b, s[i - 1]);
        return put_text(f, &b);
    }
    rc = want_list(f);
    if (rc == RS_OK)
        rc = rs_tpl_list(f->out) == RS_OK ? RS_OK : nomem(f->run);
    for (i = rs_tpl_value_len(f->in); rc == RS_OK && i > 0; i--) {
        rc = rs_tpl_list_append(f->out, rs_tpl_value_copy(rs_tpl_list_get(f->in, i - 1)));
        rc = rc == RS_OK ? RS_OK : list_error(f, rc);
    }
    return rc;
}

/* Sort keys: the item itself or its attribute; compared with folding unless case_sensitive. */
typedef struct sort_ctx {
    fcall *f;
    const char *attr;
    int fold, reverse, failed;
} sort_ctx;

static const rs_tpl_value *sort_key(const sort_ctx *c, const rs_tpl_value *item) {
    const rs_tpl_value *k = c->attr ? attr_path(item, c->attr) : item;
    static const rs_tpl_value none = {RS_TPL_NONE, {0}};
    return k ? k : &none;
}

static int compare_items(sort_ctx *c, const rs_tpl_value *x, const rs_tpl_value *y) {
    int r = tpl_values_compare(sort_key(c, x), sort_key(c, y), c->fold);

    if (r == 2) {
        c->failed = 1;
        return 0;
    }
    return c->reverse ? -r : r;
}

/* Stable insertion sort into indexes: lists in templates are short, and no qsort context. */
static int sorted_indexes(sort_ctx *c, const rs_tpl_value *list, size_t **out) {
    size_t n = rs_tpl_value_len(list), i, j, *idx = malloc((n ? n : 1) * sizeof(*idx));

    if (idx == NULL)
        return nomem(c->f->run);
    for (i = 0; i < n; i++) {
        size_t cur = i;
        int rc = tpl_step(c->f->run, c->f->at);
        if (rc != RS_OK) {
            free(idx);
            return rc;
        }
        for (j = i; j > 0 && compare_items(c, rs_tpl_list_get(list, idx[j - 1]),
                                           rs_tpl_list_get(list, cur)) > 0;
             j--)
            idx[j] = idx[j - 1];
        idx[j] = cur;
    }
    if (c->failed) {
        free(idx);
        return tpl_run_error(c->f->run, c->f->at, RS_EINVAL,
                             "%s can only compare numbers with numbers and strings with strings",
                             c->f->name);
    }
    *out = idx;
    return RS_OK;
}

static void sort_init(sort_ctx *c, fcall *f, const rs_tpl_value *case_sensitive) {
    memset(c, 0, sizeof(*c));
    c->f = f;
    c->fold = case_sensitive == NULL || !tpl_truthy(case_sensitive);
}

/* sort(reverse=false, case_sensitive=false, attribute=none) */
static int f_sort(fcall *f) {
    sort_ctx c;
    size_t *idx = NULL, i;
    int rc = want_list(f);

    sort_init(&c, f, f->a[1]);
    c.reverse = f->a[0] != NULL && tpl_truthy(f->a[0]);
    if (rc == RS_OK)
        rc = attr_arg(f, 2, &c.attr);
    if (rc == RS_OK)
        rc = sorted_indexes(&c, f->in, &idx);
    if (rc == RS_OK)
        rc = rs_tpl_list(f->out) == RS_OK ? RS_OK : nomem(f->run);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(f->in); i++) {
        rc = rs_tpl_list_append(f->out, rs_tpl_value_copy(rs_tpl_list_get(f->in, idx[i])));
        rc = rc == RS_OK ? RS_OK : list_error(f, rc);
    }
    free(idx);
    return rc;
}

/* unique(case_sensitive=false, attribute=none): first of each, in order. */
static int f_unique(fcall *f) {
    sort_ctx c;
    size_t i, j;
    int rc = want_list(f);

    sort_init(&c, f, f->a[0]);
    if (rc == RS_OK)
        rc = attr_arg(f, 1, &c.attr);
    if (rc == RS_OK)
        rc = rs_tpl_list(f->out) == RS_OK ? RS_OK : nomem(f->run);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(f->in); i++) {
        const rs_tpl_value *item = rs_tpl_list_get(f->in, i);
        int seen = 0;
        rc = tpl_step(f->run, f->at);
        for (j = 0; rc == RS_OK && j < rs_tpl_value_len(f->out) && !seen; j++) {
            const rs_tpl_value *x = sort_key(&c, item),
                               *y = sort_key(&c, rs_tpl_list_get(f->out, j));
            seen = c.fold && x->type == RS_TPL_STRING ? tpl_values_compare(x, y, 1) == 0
                                                      : tpl_values_equal(x, y);
        }
        if (rc == RS_OK && !seen && rs_tpl_list_append(f->out, rs_tpl_value_copy(item)) != RS_OK)
            rc = list_error(f, RS_EINVAL);
    }
    return rc;
}

/* min / max (case_sensitive=false, attribute=none); undefined for an empty list. */
static int f_min_max(fcall *f) {
    sort_ctx c;
    const rs_tpl_value *best = NULL;
    size_t i;
    int rc = want_list(f);

    sort_init(&c, f, f->a[0]);
    c.reverse = strcmp(f->name, "max") == 0;
    if (rc == RS_OK)
        rc = attr_arg(f, 1, &c.attr);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(f->in); i++) {
        const rs_tpl_value *item = rs_tpl_list_get(f->in, i);
        if (best == NULL || compare_items(&c, item, best) < 0)
            best = item;
    }
    if (rc == RS_OK && c.failed)
        rc = tpl_run_error(f->run, f->at, RS_EINVAL,
                           "%s can only compare numbers with numbers and strings with strings",
                           f->name);
    if (rc != RS_OK)
        return rc;
    if (best == NULL)
        return make_undefined(f->out);
    *f->out = rs_tpl_value_copy(best);
    return RS_OK;
}

/* sum(attribute=none, start=0), in ints while they do not overflow, else floats. */
static int f_sum(fcall *f) {
    const char *attr = NULL;
    long long total = 0;
    double ftotal = 0;
    int is_float = 0, rc = want_list(f);
    size_t i;

    if (rc == RS_OK)
        rc = attr_arg(f, 0, &attr);
    if (rc == RS_OK && f->a[1] != NULL) {
        is_float = f->a[1]->type == RS_TPL_FLOAT;
        total = f->a[1]->type == RS_TPL_INT ? f->a[1]->u.i : 0;
        ftotal = is_float ? f->a[1]->u.f : (double)total;
    }
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(f->in); i++) {
        const rs_tpl_value *v =
            attr ? attr_path(rs_tpl_list_get(f->in, i), attr) : rs_tpl_list_get(f->in, i);
        if (v == NULL ||
            (v->type != RS_TPL_INT && v->type != RS_TPL_FLOAT && v->type != RS_TPL_BOOL))
            return tpl_run_error(f->run, f->at, RS_EINVAL, "sum expects numbers, not %s",
                                 v ? rs_tpl_type_name(v->type) : "a missing attribute");
        if (v->type == RS_TPL_FLOAT)
            is_float = 1;
        ftotal += v->type == RS_TPL_FLOAT ? v->u.f
                  : v->type == RS_TPL_INT ? (double)v->u.i
                                          : v->u.b;
        if (!is_float &&
            __builtin_add_overflow(total, v->type == RS_TPL_INT ? v->u.i : v->u.b, &total))
            return tpl_run_error(f->run, f->at, RS_EINVAL, "integer overflow");
    }
    if (rc == RS_OK)
        *f->out = is_float ? rs_tpl_float(ftotal) : rs_tpl_int(total);
    return rc;
}

/* The remaining arguments of a filter call from index `from` on, as their own rs_tpl_args. */
static rs_tpl_args rest_args(const rs_tpl_args *args, size_t from) {
    rs_tpl_args rest = {0, NULL, 0, NULL, NULL};

    if (args->n_pos > from) {
        rest.n_pos = args->n_pos - from;
        rest.pos = args->pos + from;
    }
    return rest;
}

static int apply_filter(tpl_run *run, const tpl_node *at, const char *name, const rs_tpl_value *in,
                        const rs_tpl_args *args, rs_tpl_value *out);

/* map('filter', args...) or map(attribute='a.b'[, default=v]) */
static int f_map(fcall *f) {
    const char *attr = NULL, *filter = NULL;
    const rs_tpl_value *dflt = NULL;
    rs_tpl_args rest = rest_args(f->args, 1);
    char index[24];
    size_t i, k;
    int rc = want_list(f);

    for (k = 0; k < f->args->n_kw; k++) {
        const rs_tpl_value *v = &f->args->kw_values[k];
        if (strcmp(f->args->kw_names[k], "attribute") == 0 && v->type == RS_TPL_INT &&
            v->u.i >= 0) {
            /* map(attribute=0): the first item of each row (dbt_utils reads query results so) */
            snprintf(index, sizeof(index), "%lld", v->u.i);
            attr = index;
        } else if (strcmp(f->args->kw_names[k], "attribute") == 0)
            attr = rs_tpl_value_str(v, NULL);
        else if (strcmp(f->args->kw_names[k], "default") == 0)
            dflt = &f->args->kw_values[k];
        else if (rc == RS_OK)
            rc = tpl_run_error(f->run, f->at, RS_EINVAL,
                               "filter 'map' got an unexpected keyword argument '%s'",
                               f->args->kw_names[k]);
    }
    filter = f->args->n_pos > 0 ? rs_tpl_value_str(&f->args->pos[0], NULL) : NULL;
    if (rc == RS_OK && (attr == NULL) == (filter == NULL))
        rc = tpl_run_error(f->run, f->at, RS_EINVAL,
                           "map needs a filter name or attribute='...' (a string)");
    if (rc == RS_OK)
        rc = rs_tpl_list(f->out) == RS_OK ? RS_OK : nomem(f->run);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(f->in); i++) {
        const rs_tpl_value *item = rs_tpl_list_get(f->in, i), *found;
        rs_tpl_value mapped = rs_tpl_none();
        if (attr != NULL) {
            found = attr_path(item, attr);
            if (found == NULL && dflt == NULL)
                rc = tpl_run_error(f->run, f->at, RS_EINVAL, "map: an item has no attribute '%s'",
                                   attr);
            else
                mapped = rs_tpl_value_copy(found ? found : dflt);
        } else {
            rc = apply_filter(f->run, f->at, filter, item, &rest, &mapped);
        }
        if (rc == RS_OK && rs_tpl_list_append(f->out, mapped) != RS_OK)
            rc = list_error(f, RS_EINVAL);
    }
    return rc;
}

/* select / reject (test[, arg]) and selectattr / rejectattr (attribute[, test[, arg]]). */
static int f_select(fcall *f) {
    int by_attr = strstr(f->name, "attr") != NULL, keep_true = f->name[0] == 's';
    size_t first = by_attr ? 1 : 0, i;
    const char *attr = NULL, *test = NULL;
    rs_tpl_args rest = rest_args(f->args, first + 1);
    int rc = want_list(f);

    if (rc == RS_OK && f->args->n_kw > 0)
        rc = tpl_run_error(f->run, f->at, RS_EINVAL, "filter '%s' takes no keyword arguments",
                           f->name);
    if (rc == RS_OK && by_attr &&
        (f->args->n_pos == 0 || (attr = rs_tpl_value_str(&f->args->pos[0], NULL)) == NULL))
        rc = tpl_run_error(f->run, f->at, RS_EINVAL, "%s needs an attribute name", f->name);
    if (rc == RS_OK && f->args->n_pos > first &&
        (test = rs_tpl_value_str(&f->args->pos[first], NULL)) == NULL)
        rc = tpl_run_error(f->run, f->at, RS_EINVAL, "%s needs a test name", f->name);
    if (rc == RS_OK)
        rc = rs_tpl_list(f->out) == RS_OK ? RS_OK : nomem(f->run);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(f->in); i++) {
        const rs_tpl_value *item = rs_tpl_list_get(f->in, i);
        const rs_tpl_value *v = attr ? attr_path(item, attr) : item;
        rs_tpl_value undefined;
        int result = 0;
        make_undefined(&undefined);
        if (v == NULL)
            v = &undefined;
        if (test == NULL)
            result = tpl_truthy(v);
        else if ((rc = tpl_test_value(f->run, f->at, test, v, &rest, &result)) == RS_ENOTFOUND)
            rc = tpl_run_error(f->run, f->at, RS_EINVAL, "unknown test '%s'", test);
        if (rc == RS_OK && result == keep_true &&
            rs_tpl_list_append(f->out, rs_tpl_value_copy(item)) != RS_OK)
            rc = list_error(f, RS_EINVAL);
    }
    return rc;
}

/* ---- dicts and any value ---- */

static int f_items(fcall *f) {
    size_t i;
    int rc;

    if (f->in->type != RS_TPL_DICT)
        return tpl_run_error(f->run, f->at, RS_EINVAL, "items expects a dict, not %s",
                             rs_tpl_type_name(f->in->type));
    rc = rs_tpl_list(f->out) == RS_OK ? RS_OK : nomem(f->run);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(f->in); i++) {
        const char *k = rs_tpl_dict_key(f->in, i);
        rs_tpl_value pair = rs_tpl_none(), key = rs_tpl_none();
        int step = rs_tpl_list(&pair);
        if (step == RS_OK && (step = rs_tpl_string(&key, k, strlen(k))) == RS_OK)
            step = rs_tpl_list_append(&pair, key);
        if (step == RS_OK)
            step = rs_tpl_list_append(&pair, rs_tpl_value_copy(rs_tpl_dict_value(f->in, i)));
        if (step == RS_OK)
            step = rs_tpl_list_append(f->out, pair);
        else
            rs_tpl_value_free(&pair);
        rc = step == RS_OK ? RS_OK : list_error(f, step);
    }
    return rc;
}

static int f_tojson(fcall *f) {
    rs_buf b = RS_BUF_INIT;

    if (rs_tpl_value_to_json(f->in, &b) != RS_OK) {
        rs_buf_free(&b);
        return nomem(f->run);
    }
    return put_text(f, &b);
}

/* default(value='', boolean=false): value when the input is undefined (or, with boolean, falsy). */
static int f_default(fcall *f) {
    int use_default = f->in->type == RS_TPL_UNDEFINED ||
                      (f->a[1] != NULL && tpl_truthy(f->a[1]) && !tpl_truthy(f->in));

    if (!use_default) {
        *f->out = rs_tpl_value_copy(f->in);
        return RS_OK;
    }
    if (f->a[0] != NULL) {
        *f->out = rs_tpl_value_copy(f->a[0]);
        return RS_OK;
    }
    return rs_tpl_string(f->out, "", 0) == RS_OK ? RS_OK : nomem(f->run);
}

/* clang-format off */
static const char *const p_none[] = {NULL};
static const char *const p_default[] = {"default_value", "boolean", NULL};
static const char *const p_join[] = {"d", "attribute", NULL};
static const char *const p_replace[] = {"old", "new", "count", NULL};
static const char *const p_number[] = {"default", NULL};
static const char *const p_round[] = {"precision", NULL};
static const char *const p_sort[] = {"reverse", "case_sensitive", "attribute", NULL};
static const char *const p_unique[] = {"case_sensitive", "attribute", NULL};
static const char *const p_sum[] = {"attribute", "start", NULL};

/* params NULL: the filter reads f->args itself (any number of arguments). */
static const struct {
    const char *name;
    const char *const *params;
    size_t min_args;
    filter_fn fn;
} filters[] = {
    {"lower", p_none, 0, f_case},          {"upper", p_none, 0, f_case},
    {"capitalize", p_none, 0, f_case},     {"title", p_none, 0, f_case},
    {"trim", p_none, 0, f_trim},           {"replace", p_replace, 2, f_replace},
    {"string", p_none, 0, f_string},       {"format", NULL, 0, f_format},
    {"int", p_number, 0, f_number},        {"float", p_number, 0, f_number},
    {"abs", p_none, 0, f_abs},             {"round", p_round, 0, f_round},
    {"length", p_none, 0, f_length},       {"count", p_none, 0, f_length},
    {"join", p_join, 0, f_join},           {"first", p_none, 0, f_first_last},
    {"last", p_none, 0, f_first_last},     {"list", p_none, 0, f_list},
    {"reverse", p_none, 0, f_reverse},     {"sort", p_sort, 0, f_sort},
    {"unique", p_unique, 0, f_unique},     {"min", p_unique, 0, f_min_max},
    {"max", p_unique, 0, f_min_max},       {"sum", p_sum, 0, f_sum},
    {"map", NULL, 0, f_map},               {"select", NULL, 0, f_select},
    {"reject", NULL, 0, f_select},         {"selectattr", NULL, 0, f_select},
    {"rejectattr", NULL, 0, f_select},     {"items", p_none, 0, f_items},
    {"tojson", p_none, 0, f_tojson},       {"default", p_default, 0, f_default},
    {"d", p_default, 0, f_default},
};
/* clang-format on */

static int filter_index(const char *name) {
    int i;

    for (i = 0; i < (int)(sizeof(filters) / sizeof(filters[0])); i++) {
        if (strcmp(filters[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* Positional count against the filter's parameters, with the messages of old. */
static int filter_arity(tpl_run *run, const tpl_node *at, const char *name, size_t n_args,
                        size_t lo, size_t hi) {
    if (n_args >= lo && n_args <= hi)
        return RS_OK;
    if (lo == hi)
        return tpl_run_error(run, at, RS_EINVAL, "filter '%s' takes %zu argument%s (%zu given)",
                             name, lo, lo == 1 ? "" : "s", n_args);
    if (lo == 0)
        return tpl_run_error(run, at, RS_EINVAL,
                             "filter '%s' takes at most %zu argument%s (%zu given)", name, hi,
                             hi == 1 ? "" : "s", n_args);
    return tpl_run_error(run, at, RS_EINVAL, "filter '%s' takes %zu to %zu arguments (%zu given)",
                         name, lo, hi, n_args);
}

static int apply_filter(tpl_run *run, const tpl_node *at, const char *name, const rs_tpl_value *in,
                        const rs_tpl_args *args, rs_tpl_value *out) {
    int i = filter_index(name), rc = RS_OK;
    char what[80];
    fcall f;

    if (i < 0)
        return tpl_run_error(run, at, RS_EINVAL, "unknown filter '%s'", name);
    memset(&f, 0, sizeof(f));
    f.run = run;
    f.at = at;
    f.name = filters[i].name;
    f.in = in;
    f.args = args;
    f.out = out;
    *out = rs_tpl_none();
    if (filters[i].params != NULL) {
        size_t n_params = 0;
        while (filters[i].params[n_params] != NULL)
            n_params++;
        snprintf(what, sizeof(what), "filter '%s'", name);
        rc = filter_arity(run, at, name, args->n_pos, filters[i].min_args, n_params);
        if (rc == RS_OK)
            rc = tpl_bind_args(run, at, what, args, filters[i].params, filters[i].min_args, f.a);
    }
    if (rc == RS_OK)
        rc = filters[i].fn(&f);
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}

int tpl_filter(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value in = rs_tpl_none();
    int is_default = strcmp(n->str, "default") == 0 || strcmp(n->str, "d") == 0;
    call_args ca;
    int rc;

    if (filter_index(n->str) < 0)
        return tpl_run_error(run, n, RS_EINVAL, "unknown filter '%s'", n->str);
    rc = tpl_eval_args(run, n, &ca);
    if (rc != RS_OK)
        return rc;
    /* default() is the one filter whose input may be an unknown name or attribute. */
    rc = is_default ? tpl_eval_tolerant(run, n->a, &in) : tpl_eval_expr(run, n->a, &in);
    if (rc == RS_OK)
        rc = apply_filter(run, n, n->str, &in, &ca.args, out);
    rs_tpl_value_free(&in);
    tpl_free_args(&ca);
    return rc;
}
