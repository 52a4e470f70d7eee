/*
 * tpl_methods.c - methods of values, as Python has them: 'x'.upper(), cols.append(c),
 * d.items(), ...
 *
 * Strings: upper lower title capitalize strip lstrip rstrip split replace startswith endswith
 * format join find count. Lists: append extend insert pop remove index count. Dicts: items keys
 * values get update pop setdefault. items() gives [key, value] lists (there are no tuples).
 *
 * Changing methods (append, extend, insert, pop, remove, update, setdefault) work on the
 * caller's *obj, which tpl_eval.c made the variable's own payload first (copy on write): a list
 * that two variables share is copied on the first change, so only the changed variable sees it.
 * Jinja shares the list instead; a macro that changes a list it was passed therefore changes
 * its own copy here. Use return() to hand a changed value back.
 */
#include "tpl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct mcall {
    tpl_run *run;
    const tpl_node *n; /* the N_METHOD node: position, and n->str the method's name */
    rs_tpl_value *obj;
    const rs_tpl_args *args;
    int max_depth;
    const rs_tpl_value *a[TPL_MAX_PARAMS]; /* bound arguments */
    rs_tpl_value *out;
} mcall;

static int nomem(tpl_run *run) {
    return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
}

static int bind(mcall *m, const char *const *params, size_t n_required) {
    char fname[64];

    snprintf(fname, sizeof(fname), "%.50s()", m->n->str);
    return tpl_bind_args(m->run, m->n, fname, m->args, params, n_required, m->a);
}

/* Argument i as a string, or an error naming the method. */
static int want_string(mcall *m, size_t i, const char **s, size_t *len) {
    *s = rs_tpl_value_str(m->a[i], len);
    if (*s == NULL)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "%s() argument %zu must be a string, not %s",
                             m->n->str, i + 1, rs_tpl_type_name(m->a[i]->type));
    return RS_OK;
}

static int too_big(mcall *m) {
    return tpl_run_error(m->run, m->n, RS_EINVAL, "output too large (more than %zu bytes)",
                         m->run->max_output);
}

static int put_string(mcall *m, const char *s, size_t len) {
    if (len > m->run->max_output)
        return too_big(m);
    return rs_tpl_string(m->out, s, len) == RS_OK ? RS_OK : nomem(m->run);
}

static int put_buf(mcall *m, rs_buf *b) {
    int rc = b->oom ? nomem(m->run) : put_string(m, rs_buf_cstr(b), b->len);
    rs_buf_free(b);
    return rc;
}

/* An item may go into the object when it keeps it within its depth budget. */
static int check_item(mcall *m, const rs_tpl_value *item) {
    if (tpl_value_depth(item) + 1 > m->max_depth)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "value nested more than %d levels deep",
                             RS_TPL_MAX_DEPTH);
    return RS_OK;
}

static int list_error(mcall *m, int rc) {
    if (rc == RS_ENOMEM)
        return nomem(m->run);
    return tpl_run_error(m->run, m->n, RS_EINVAL,
                         "value nested more than %d levels deep or longer than %d items",
                         RS_TPL_MAX_DEPTH, RS_TPL_MAX_ITEMS);
}

/* ---- strings ---- */

static int s_case(mcall *m, const char *s, size_t len) {
    static const char *const none[] = {NULL};
    const char *name = m->n->str;
    int word_start = 1, rc = bind(m, none, 0);
    rs_buf b = RS_BUF_INIT;
    size_t i;

    if (rc != RS_OK)
        return rc;
    for (i = 0; i < len; i++) {
        char c = s[i];
        int up = strcmp(name, "upper") == 0 || (strcmp(name, "title") == 0 && word_start) ||
                 (strcmp(name, "capitalize") == 0 && i == 0);
        if (up && c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        else if (!up && strcmp(name, "upper") != 0 && c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        word_start = !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
        rs_buf_putc(&b, c);
    }
    return put_buf(m, &b);
}

static int s_strip(mcall *m, const char *s, size_t len) {
    static const char *const params[] = {"chars", NULL};
    const char *chars = " \t\r\n\v\f";
    size_t start = 0, nchars;
    int rc = bind(m, params, 0);

    if (rc == RS_OK && m->a[0] != NULL && m->a[0]->type != RS_TPL_NONE)
        rc = want_string(m, 0, &chars, &nchars);
    if (rc != RS_OK)
        return rc;
    nchars = strlen(chars);
    if (strcmp(m->n->str, "rstrip") != 0) {
        while (start < len && memchr(chars, s[start], nchars) != NULL)
            start++;
    }
    if (strcmp(m->n->str, "lstrip") != 0) {
        while (len > start && memchr(chars, s[len - 1], nchars) != NULL)
            len--;
    }
    return put_string(m, s + start, len - start);
}

static int append_piece(mcall *m, const char *s, size_t len) {
    rs_tpl_value piece;

    if (rs_tpl_string(&piece, s, len) != RS_OK)
        return nomem(m->run);
    return rs_tpl_list_append(m->out, piece) == RS_OK ? RS_OK : list_error(m, RS_EINVAL);
}

static int is_ws(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

/* split() without a separator: runs of white space, none at the ends. */
static int split_ws(mcall *m, const char *s, size_t len, long long max) {
    size_t i = 0, start;
    int rc = RS_OK;

    while (rc == RS_OK) {
        while (i < len && is_ws(s[i]))
            i++;
        if (i >= len)
            break;
        start = i;
        if (max == 0) {
            while (len > i && is_ws(s[len - 1]))
                len--;
            return append_piece(m, s + start, len - start);
        }
        while (i < len && !is_ws(s[i]))
            i++;
        rc = append_piece(m, s + start, i - start);
        max -= max > 0;
    }
    return rc;
}

static int s_split(mcall *m, const char *s, size_t len) {
    static const char *const params[] = {"sep", "maxsplit", NULL};
    const char *sep = NULL, *hit;
    size_t seplen = 0, start = 0;
    long long max = -1;
    int rc = bind(m, params, 0);

    if (rc == RS_OK && m->a[0] != NULL && m->a[0]->type != RS_TPL_NONE)
        rc = want_string(m, 0, &sep, &seplen);
    if (rc == RS_OK && m->a[1] != NULL && m->a[1]->type != RS_TPL_INT)
        rc = tpl_run_error(m->run, m->n, RS_EINVAL, "split() maxsplit must be an int, not %s",
                           rs_tpl_type_name(m->a[1]->type));
    if (rc == RS_OK && sep != NULL && seplen == 0)
        rc = tpl_run_error(m->run, m->n, RS_EINVAL, "split() separator must not be empty");
    if (rc != RS_OK)
        return rc;
    if (m->a[1] != NULL)
        max = m->a[1]->u.i;
    if (rs_tpl_list(m->out) != RS_OK)
        return nomem(m->run);
    if (sep == NULL)
        return split_ws(m, s, len, max);
    while (rc == RS_OK && max != 0 && (hit = memmem(s + start, len - start, sep, seplen)) != NULL) {
        rc = append_piece(m, s + start, (size_t)(hit - (s + start)));
        start = (size_t)(hit - s) + seplen;
        max -= max > 0;
    }
    return rc == RS_OK ? append_piece(m, s + start, len - start) : rc;
}

static int s_replace(mcall *m, const char *s, size_t len) {
    static const char *const params[] = {"old", "new", "count", NULL};
    const char *from, *to;
    size_t flen, tlen, i = 0;
    long long left = -1;
    rs_buf b = RS_BUF_INIT;
    int rc = bind(m, params, 2);

    if (rc == RS_OK)
        rc = want_string(m, 0, &from, &flen);
    if (rc == RS_OK)
        rc = want_string(m, 1, &to, &tlen);
    if (rc == RS_OK && m->a[2] != NULL && m->a[2]->type != RS_TPL_INT)
        rc = tpl_run_error(m->run, m->n, RS_EINVAL, "replace() count must be an int, not %s",
                           rs_tpl_type_name(m->a[2]->type));
    if (rc != RS_OK)
        return rc;
    if (m->a[2] != NULL)
        left = m->a[2]->u.i;
    while (i < len && b.len <= m->run->max_output) {
        if (flen > 0 && left != 0 && len - i >= flen && memcmp(s + i, from, flen) == 0) {
            rs_buf_append(&b, to, tlen);
            i += flen;
            left -= left > 0;
        } else {
            rs_buf_putc(&b, s[i++]);
        }
    }
    return put_buf(m, &b);
}

/* startswith / endswith: a string or a list of strings (Python's tuple). */
static int s_affix(mcall *m, const char *s, size_t len) {
    static const char *const params[] = {"prefix", NULL};
    int at_end = strcmp(m->n->str, "endswith") == 0, found = 0, rc = bind(m, params, 1);
    const rs_tpl_value *want;
    size_t i, n;

    if (rc != RS_OK)
        return rc;
    want = m->a[0];
    n = want->type == RS_TPL_LIST ? rs_tpl_value_len(want) : 1;
    for (i = 0; i < n && !found; i++) {
        const rs_tpl_value *one = want->type == RS_TPL_LIST ? rs_tpl_list_get(want, i) : want;
        size_t alen;
        const char *affix = rs_tpl_value_str(one, &alen);
        if (affix == NULL)
            return tpl_run_error(m->run, m->n, RS_EINVAL,
                                 "%s() argument must be a string or a list of strings, not %s",
                                 m->n->str, rs_tpl_type_name(one->type));
        found = alen <= len && memcmp(at_end ? s + len - alen : s, affix, alen) == 0;
    }
    *m->out = rs_tpl_bool(found);
    return RS_OK;
}

static int s_find_count(mcall *m, const char *s, size_t len) {
    static const char *const params[] = {"sub", NULL};
    const char *sub, *hit;
    size_t slen, pos = 0;
    long long count = 0;
    int rc = bind(m, params, 1);

    if (rc == RS_OK)
        rc = want_string(m, 0, &sub, &slen);
    if (rc != RS_OK)
        return rc;
    if (strcmp(m->n->str, "find") == 0) {
        hit = slen == 0 ? s : memmem(s, len, sub, slen);
        *m->out = rs_tpl_int(hit ? (long long)(hit - s) : -1);
        return RS_OK;
    }
    if (slen == 0) {
        *m->out = rs_tpl_int((long long)len + 1);
        return RS_OK;
    }
    while ((hit = memmem(s + pos, len - pos, sub, slen)) != NULL) {
        count++;
        pos = (size_t)(hit - s) + slen;
    }
    *m->out = rs_tpl_int(count);
    return RS_OK;
}

static int s_join(mcall *m, const char *s, size_t len) {
    static const char *const params[] = {"iterable", NULL};
    rs_buf b = RS_BUF_INIT;
    size_t i;
    int rc = bind(m, params, 1);

    if (rc != RS_OK)
        return rc;
    if (m->a[0]->type != RS_TPL_LIST)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "join() expects a list, not %s",
                             rs_tpl_type_name(m->a[0]->type));
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(m->a[0]); i++) {
        if (i > 0 && rs_buf_append(&b, s, len) != RS_OK)
            rc = RS_ENOMEM;
        if (rc == RS_OK)
            rc = tpl_value_write(rs_tpl_list_get(m->a[0], i), &b, 0, m->run->max_output);
    }
    if (rc != RS_OK) {
        rs_buf_free(&b);
        return rc == RS_ENOMEM ? nomem(m->run) : too_big(m);
    }
    return put_buf(m, &b);
}

/* One {field} of format(): '' or digits (positional), else a keyword's name. */
static int format_field(mcall *m, const char *name, size_t len, size_t *auto_index, rs_buf *b) {
    const rs_tpl_value *v = NULL;
    size_t i, index = 0;
    int numeric = len > 0;

    for (i = 0; i < len; i++)
        numeric = numeric && name[i] >= '0' && name[i] <= '9';
    if (memchr(name, ':', len) != NULL || memchr(name, '!', len) != NULL)
        return tpl_run_error(m->run, m->n, RS_EINVAL,
                             "format() specs and conversions are not supported: '{%.*s}'", (int)len,
                             name);
    if (len == 0 || numeric) {
        index = len == 0 ? (*auto_index)++ : (size_t)strtoul(name, NULL, 10);
        if (index < m->args->n_pos)
            v = &m->args->pos[index];
    } else {
        for (i = 0; i < m->args->n_kw && v == NULL; i++) {
            if (strlen(m->args->kw_names[i]) == len && memcmp(m->args->kw_names[i], name, len) == 0)
                v = &m->args->kw_values[i];
        }
    }
    if (v == NULL)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "format() has no argument for '{%.*s}'",
                             (int)len, name);
    switch (tpl_value_write(v, b, 0, m->run->max_output)) {
    case RS_OK:
        return RS_OK;
    case RS_ENOMEM:
        return nomem(m->run);
    default:
        return too_big(m);
    }
}

static int s_format(mcall *m, const char *s, size_t len) {
    rs_buf b = RS_BUF_INIT;
    size_t i = 0, auto_index = 0;
    int rc = RS_OK;

    while (rc == RS_OK && i < len) {
        const char *close;
        if ((s[i] == '{' || s[i] == '}') && i + 1 < len && s[i + 1] == s[i]) {
            rs_buf_putc(&b, s[i]);
            i += 2;
            continue;
        }
        if (s[i] != '{') {
            rs_buf_putc(&b, s[i++]);
            continue;
        }
        close = memchr(s + i, '}', len - i);
        if (close == NULL) {
            rc = tpl_run_error(m->run, m->n, RS_EINVAL, "format() string has an unclosed '{'");
            break;
        }
        rc = format_field(m, s + i + 1, (size_t)(close - s) - i - 1, &auto_index, &b);
        i = (size_t)(close - s) + 1;
    }
    if (rc != RS_OK) {
        rs_buf_free(&b);
        return rc;
    }
    return put_buf(m, &b);
}

static int string_method(mcall *m) {
    size_t len;
    const char *s = rs_tpl_value_str(m->obj, &len), *name = m->n->str;

    if (!strcmp(name, "upper") || !strcmp(name, "lower") || !strcmp(name, "title") ||
        !strcmp(name, "capitalize"))
        return s_case(m, s, len);
    if (!strcmp(name, "strip") || !strcmp(name, "lstrip") || !strcmp(name, "rstrip"))
        return s_strip(m, s, len);
    if (!strcmp(name, "split"))
        return s_split(m, s, len);
    if (!strcmp(name, "replace"))
        return s_replace(m, s, len);
    if (!strcmp(name, "startswith") || !strcmp(name, "endswith"))
        return s_affix(m, s, len);
    if (!strcmp(name, "find") || !strcmp(name, "count"))
        return s_find_count(m, s, len);
    if (!strcmp(name, "join"))
        return s_join(m, s, len);
    if (!strcmp(name, "format"))
        return s_format(m, s, len);
    return RS_ENOTFOUND;
}

/* ---- lists ---- */

static int list_index_arg(mcall *m, const rs_tpl_value *v, int for_insert, size_t *at) {
    long long len = (long long)rs_tpl_value_len(m->obj), i;

    if (v->type != RS_TPL_INT)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "%s() index must be an int, not %s",
                             m->n->str, rs_tpl_type_name(v->type));
    i = v->u.i < 0 ? v->u.i + len : v->u.i;
    if (for_insert) {
        *at = (size_t)(i < 0 ? 0 : i > len ? len : i);
        return RS_OK;
    }
    if (i < 0 || i >= len)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "%s() index %lld out of range", m->n->str,
                             v->u.i);
    *at = (size_t)i;
    return RS_OK;
}

static long long list_find(const rs_tpl_value *list, const rs_tpl_value *item, long long *count) {
    long long first = -1;
    size_t i;

    *count = 0;
    for (i = 0; i < rs_tpl_value_len(list); i++) {
        if (tpl_values_equal(rs_tpl_list_get(list, i), item)) {
            first = first < 0 ? (long long)i : first;
            (*count)++;
        }
    }
    return first;
}

static int l_add(mcall *m) {
    static const char *const one[] = {"item", NULL}, *const two[] = {"index", "item", NULL};
    int insert = strcmp(m->n->str, "insert") == 0, extend = strcmp(m->n->str, "extend") == 0;
    const rs_tpl_value *item;
    size_t at = 0, i;
    int rc = bind(m, insert ? two : one, insert ? 2 : 1);

    if (rc == RS_OK && insert)
        rc = list_index_arg(m, m->a[0], 1, &at);
    if (rc != RS_OK)
        return rc;
    item = m->a[insert ? 1 : 0];
    if (extend && item->type != RS_TPL_LIST)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "extend() expects a list, not %s",
                             rs_tpl_type_name(item->type));
    for (i = 0; rc == RS_OK && i < (extend ? rs_tpl_value_len(item) : 1); i++) {
        const rs_tpl_value *one_item = extend ? rs_tpl_list_get(item, i) : item;
        int added;
        rc = check_item(m, one_item);
        if (rc != RS_OK)
            break;
        added = insert ? tpl_list_insert(m->obj, at + i, rs_tpl_value_copy(one_item))
                       : rs_tpl_list_append(m->obj, rs_tpl_value_copy(one_item));
        if (added != RS_OK)
            rc = list_error(m, added);
    }
    return rc;
}

static int l_take(mcall *m) {
    static const char *const pop[] = {"index", NULL}, *const rem[] = {"item", NULL};
    int is_pop = strcmp(m->n->str, "pop") == 0, rc = bind(m, is_pop ? pop : rem, is_pop ? 0 : 1);
    long long count, found;
    size_t at = rs_tpl_value_len(m->obj);
    rs_tpl_value taken;

    if (rc != RS_OK)
        return rc;
    if (is_pop && at == 0)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "pop() from an empty list");
    if (is_pop && m->a[0] != NULL) {
        rc = list_index_arg(m, m->a[0], 0, &at);
        if (rc != RS_OK)
            return rc;
    } else if (is_pop) {
        at--;
    } else {
        found = list_find(m->obj, m->a[0], &count);
        if (found < 0)
            return tpl_run_error(m->run, m->n, RS_EINVAL, "remove(): item not in list");
        at = (size_t)found;
    }
    tpl_list_take(m->obj, at, &taken);
    if (is_pop)
        *m->out = taken;
    else
        rs_tpl_value_free(&taken);
    return RS_OK;
}

static int l_find(mcall *m) {
    static const char *const params[] = {"item", NULL};
    long long count, first;
    int rc = bind(m, params, 1);

    if (rc != RS_OK)
        return rc;
    first = list_find(m->obj, m->a[0], &count);
    if (strcmp(m->n->str, "count") == 0) {
        *m->out = rs_tpl_int(count);
        return RS_OK;
    }
    if (first < 0)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "index(): item not in list");
    *m->out = rs_tpl_int(first);
    return RS_OK;
}

static int list_method(mcall *m) {
    const char *name = m->n->str;

    if (!strcmp(name, "append") || !strcmp(name, "extend") || !strcmp(name, "insert"))
        return l_add(m);
    if (!strcmp(name, "pop") || !strcmp(name, "remove"))
        return l_take(m);
    if (!strcmp(name, "index") || !strcmp(name, "count"))
        return l_find(m);
    return RS_ENOTFOUND;
}

/* ---- dicts ---- */

/* *first becomes [first, second]; takes both, frees both on failure. */
static int pair_of(rs_tpl_value *first, rs_tpl_value second) {
    rs_tpl_value pair;
    int rc = rs_tpl_list(&pair);

    if (rc == RS_OK)
        rc = rs_tpl_list_append(&pair, *first);
    else
        rs_tpl_value_free(first);
    if (rc == RS_OK)
        rc = rs_tpl_list_append(&pair, second);
    else
        rs_tpl_value_free(&second);
    *first = rc == RS_OK ? pair : rs_tpl_none();
    if (rc != RS_OK)
        rs_tpl_value_free(&pair);
    return rc;
}

/* items() / keys() / values() as a new list. */
static int d_view(mcall *m) {
    static const char *const none[] = {NULL};
    const char *name = m->n->str;
    size_t i;
    int rc = bind(m, none, 0);

    if (rc == RS_OK && rs_tpl_list(m->out) != RS_OK)
        rc = nomem(m->run);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(m->obj); i++) {
        const char *key = rs_tpl_dict_key(m->obj, i);
        rs_tpl_value item = rs_tpl_value_copy(rs_tpl_dict_value(m->obj, i)), k;
        if (name[0] != 'v') {
            rs_tpl_value value = item;
            rc = rs_tpl_string(&k, key, strlen(key));
            item = k;
            if (rc == RS_OK && name[0] == 'i')
                rc = pair_of(&item, value);
            else
                rs_tpl_value_free(&value);
        }
        if (rc == RS_OK)
            rc = rs_tpl_list_append(m->out, item);
    }
    return rc == RS_OK ? RS_OK : list_error(m, rc);
}

static int want_key(mcall *m, const char **key) {
    *key = rs_tpl_value_str(m->a[0], NULL);
    if (*key == NULL)
        return tpl_run_error(m->run, m->n, RS_EINVAL, "%s() key must be a string, not %s",
                             m->n->str, rs_tpl_type_name(m->a[0]->type));
    return RS_OK;
}

/* get(k[, d]), pop(k[, d]), setdefault(k[, d]) */
static int d_get(mcall *m) {
    static const char *const params[] = {"key", "default", NULL};
    const char *key = NULL, *name = m->n->str;
    const rs_tpl_value *found;
    int rc = bind(m, params, 1);

    if (rc == RS_OK)
        rc = want_key(m, &key);
    if (rc != RS_OK)
        return rc;
    if (strcmp(name, "pop") == 0) {
        if (tpl_dict_take(m->obj, key, m->out) == RS_OK)
            return RS_OK;
        if (m->a[1] == NULL)
            return tpl_run_error(m->run, m->n, RS_EINVAL, "key '%s' not found", key);
    }
    found = rs_tpl_dict_get(m->obj, key);
    if (found != NULL) {
        *m->out = rs_tpl_value_copy(found);
        return RS_OK;
    }
    *m->out = m->a[1] ? rs_tpl_value_copy(m->a[1]) : rs_tpl_none();
    if (strcmp(name, "setdefault") != 0)
        return RS_OK;
    rc = check_item(m, m->out);
    if (rc == RS_OK && rs_tpl_dict_set(m->obj, key, rs_tpl_value_copy(m->out)) != RS_OK)
        rc = nomem(m->run);
    return rc;
}

/* update(other_dict, k=v, ...) */
static int d_update(mcall *m) {
    const rs_tpl_value *other = m->args->n_pos == 1 ? &m->args->pos[0] : NULL;
    size_t i, n_other = other ? rs_tpl_value_len(other) : 0;
    int rc = RS_OK;

    if (m->args->n_pos > 1 || (other != NULL && other->type != RS_TPL_DICT))
        return tpl_run_error(m->run, m->n, RS_EINVAL,
                             "update() takes one dict and keyword arguments");
    for (i = 0; rc == RS_OK && i < n_other + m->args->n_kw; i++) {
        const char *key = i < n_other ? rs_tpl_dict_key(other, i) : m->args->kw_names[i - n_other];
        const rs_tpl_value *v =
            i < n_other ? rs_tpl_dict_value(other, i) : &m->args->kw_values[i - n_other];
        rc = check_item(m, v);
        if (rc == RS_OK && rs_tpl_dict_set(m->obj, key, rs_tpl_value_copy(v)) != RS_OK)
            rc = list_error(m, RS_EINVAL);
    }
    return rc;
}

/* Methods of a column from adapter.get_columns_in_relation (a dict with column and data_type):
 * the questions dbt's Column answers. Rockset strings have no declared size: 0. */
static int column_method(mcall *m) {
    static const char *const none[] = {NULL};
    const char *name = m->n->str;
    const char *type = rs_tpl_value_str(rs_tpl_dict_get(m->obj, "data_type"), NULL);
    int is_string = strcmp(type, "string") == 0, is_int = strcmp(type, "int") == 0;
    int is_float = strcmp(type, "float") == 0, rc;

    if (strcmp(name, "is_string") != 0 && strcmp(name, "is_number") != 0 &&
        strcmp(name, "is_numeric") != 0 && strcmp(name, "is_integer") != 0 &&
        strcmp(name, "is_float") != 0 && strcmp(name, "string_size") != 0)
        return RS_ENOTFOUND;
    rc = bind(m, none, 0);
    if (rc != RS_OK)
        return rc;
    if (strcmp(name, "string_size") == 0)
        *m->out = rs_tpl_int(0);
    else if (strcmp(name, "is_string") == 0)
        *m->out = rs_tpl_bool(is_string);
    else if (strcmp(name, "is_integer") == 0)
        *m->out = rs_tpl_bool(is_int);
    else if (strcmp(name, "is_float") == 0)
        *m->out = rs_tpl_bool(is_float);
    else /* is_number, is_numeric */
        *m->out = rs_tpl_bool(is_int || is_float);
    return RS_OK;
}

static int dict_method(mcall *m) {
    const char *name = m->n->str;

    if (!strcmp(name, "items") || !strcmp(name, "keys") || !strcmp(name, "values"))
        return d_view(m);
    if (!strcmp(name, "get") || !strcmp(name, "pop") || !strcmp(name, "setdefault"))
        return d_get(m);
    if (!strcmp(name, "update"))
        return d_update(m);
    if (rs_tpl_value_str(rs_tpl_dict_get(m->obj, "data_type"), NULL) != NULL &&
        rs_tpl_dict_get(m->obj, "column") != NULL) {
        int rc = column_method(m);
        if (rc != RS_ENOTFOUND)
            return rc;
    }
    if ((!strcmp(name, "strftime") || !strcmp(name, "isoformat")) &&
        rs_tpl_dict_get(m->obj, "_epoch_us") != NULL) {
        /* a datetime from modules.datetime */
        static const char *const fmt_param[] = {"format", NULL};
        int rc = bind(m, fmt_param, !strcmp(name, "strftime"));
        const char *fmt = m->a[0] ? rs_tpl_value_str(m->a[0], NULL) : NULL;
        if (rc == RS_OK && fmt == NULL)
            fmt = rs_tpl_dict_get(m->obj, "hour") ? "%Y-%m-%dT%H:%M:%S.%f" : "%Y-%m-%d";
        return rc == RS_OK ? tpl_datetime_strftime(m->run, m->n, m->obj, fmt, m->out) : rc;
    }
    if (!strcmp(name, "render") && rs_tpl_dict_display(m->obj) != NULL) {
        /* a relation (ref(), this): relation.render() is its SQL name */
        const char *text = rs_tpl_dict_display(m->obj);
        static const char *const none[] = {NULL};
        int rc = bind(m, none, 0);
        return rc == RS_OK ? put_string(m, text, strlen(text)) : rc;
    }
    return RS_ENOTFOUND;
}

int tpl_method_mutates(rs_tpl_type t, const char *name) {
    static const char *const list_changes[] = {"append", "extend", "insert", "pop", "remove", NULL};
    static const char *const dict_changes[] = {"update", "pop", "setdefault", NULL};
    const char *const *names = t == RS_TPL_LIST   ? list_changes
                               : t == RS_TPL_DICT ? dict_changes
                                                  : NULL;
    size_t i;

    for (i = 0; names != NULL && names[i] != NULL; i++) {
        if (strcmp(names[i], name) == 0)
            return 1;
    }
    return 0;
}

int tpl_call_method(tpl_run *run, const tpl_node *n, rs_tpl_value *obj, const rs_tpl_args *args,
                    int max_depth, rs_tpl_value *out) {
    mcall m;
    int rc = RS_ENOTFOUND;

    memset(&m, 0, sizeof(m));
    m.run = run;
    m.n = n;
    m.obj = obj;
    m.args = args;
    m.max_depth = max_depth;
    m.out = out;
    *out = rs_tpl_none();
    /* Reading a project (no env, no macros): dbt.x(...) or pkg.macro(...) cannot be known
     * yet and only config() matters, so it is undefined rather than an error. */
    if (obj->type == RS_TPL_UNDEFINED && run->mode == TPL_MODE_COLLECT) {
        out->type = RS_TPL_UNDEFINED;
        return RS_OK;
    }
    if (obj->type == RS_TPL_STRING)
        rc = string_method(&m);
    else if (obj->type == RS_TPL_LIST)
        rc = list_method(&m);
    else if (obj->type == RS_TPL_DICT)
        rc = dict_method(&m);
    if (rc == RS_ENOTFOUND)
        return tpl_run_error(run, n, RS_EINVAL, "%s has no method '%s'",
                             rs_tpl_type_name(obj->type), n->str);
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}
