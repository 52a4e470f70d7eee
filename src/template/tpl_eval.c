/*
 * tpl_eval.c - walks the AST: statements write to the output buffer, expressions make values.
 *
 * Scopes follow Jinja: the template has one frame; every iteration of a for loop gets a fresh
 * frame holding the loop variable and `loop`, so a {% set %} inside a loop is gone after it.
 * Operators follow Python (True == 1, 7 // 2 == 3, -7 % 3 == 2, '/' always gives a float), with
 * 64-bit integers whose overflow is an error rather than a bignum.
 */
#include "tpl_internal.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int exec_body(tpl_run *run, tpl_node *const *body, size_t n);

int tpl_run_error(tpl_run *run, const tpl_node *at, int code, const char *fmt, ...) {
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return tpl_error_at(run->err, code, run->t->label, at->line, at->column, "%s", msg);
}

int tpl_host_error(tpl_run *run, const tpl_node *at, const rs_err *herr) {
    int code = herr->code ? herr->code : RS_EINTERNAL;
    if (code == RS_ENOMEM)
        return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
    if (herr->msg[0] == '\0')
        return tpl_run_error(run, at, code, "failed with %s", rs_err_name(code));
    return tpl_run_error(run, at, code, "%s", herr->msg);
}

static int nomem(tpl_run *run) {
    return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
}

/* Map a value-layer code to a message at node. */
static int value_error(tpl_run *run, const tpl_node *at, int rc) {
    if (rc == RS_ENOMEM)
        return nomem(run);
    if (rc == TPL_ETOOBIG)
        return tpl_run_error(run, at, RS_EINVAL, "output too large (more than %zu bytes)",
                             run->max_output);
    if (rc == RS_EINVAL)
        return tpl_run_error(run, at, RS_EINVAL,
                             "value nested more than %d levels deep or longer than %d items",
                             RS_TPL_MAX_DEPTH, RS_TPL_MAX_ITEMS);
    return rc;
}

int tpl_step(tpl_run *run, const tpl_node *at) {
    if (++run->steps > run->max_steps)
        return tpl_run_error(run, at, RS_EINVAL,
                             "template too expensive (more than %ld evaluation steps)",
                             run->max_steps);
    return RS_OK;
}

int tpl_to_text(tpl_run *run, const tpl_node *at, const rs_tpl_value *v, rs_tpl_value *out) {
    rs_buf b = RS_BUF_INIT;
    int rc;

    if (v->type == RS_TPL_STRING) {
        *out = rs_tpl_value_copy(v);
        return RS_OK;
    }
    rc = tpl_value_write(v, &b, 0, run->max_output);
    if (rc == RS_OK)
        rc = rs_tpl_string(out, rs_buf_cstr(&b), b.len);
    rs_buf_free(&b);
    return rc == RS_OK ? RS_OK : value_error(run, at, rc);
}

/* ---- variables ---- */

static const rs_tpl_value *frame_find(const tpl_frame *f, const char *name) {
    for (; f != NULL; f = f->parent) {
        size_t i = f->n;
        while (i-- > 0) {
            if (strcmp(f->vars[i].name, name) == 0)
                return &f->vars[i].value;
        }
    }
    return NULL;
}

/* Bind name in frame f (replacing); takes ownership of value. */
int tpl_frame_set(tpl_run *run, tpl_frame *f, const char *name, rs_tpl_value value) {
    size_t i;
    char *copy;

    for (i = 0; i < f->n; i++) {
        if (strcmp(f->vars[i].name, name) == 0) {
            rs_tpl_value_free(&f->vars[i].value);
            f->vars[i].value = value;
            return RS_OK;
        }
    }
    if (f->n == f->cap) {
        size_t ncap = f->cap ? f->cap * 2 : 8;
        tpl_var *vars = realloc(f->vars, ncap * sizeof(*vars));
        if (vars == NULL) {
            rs_tpl_value_free(&value);
            return nomem(run);
        }
        f->vars = vars;
        f->cap = ncap;
    }
    copy = strdup(name);
    if (copy == NULL) {
        rs_tpl_value_free(&value);
        return nomem(run);
    }
    f->vars[f->n].name = copy;
    f->vars[f->n++].value = value;
    return RS_OK;
}

void tpl_frame_free(tpl_frame *f) {
    size_t i;
    for (i = 0; i < f->n; i++) {
        free(f->vars[i].name);
        rs_tpl_value_free(&f->vars[i].value);
    }
    free(f->vars);
    f->vars = NULL;
    f->n = f->cap = 0;
}

/* Whether the tree under n assigns name ({% set name %}, a loop variable): such a name that is
 * not set yet (a {% set %} in a branch not taken) is undefined, as in dbt, rather than unknown. */
static int assigned_in(const tpl_node *n, const char *name) {
    size_t i;

    if (n == NULL)
        return 0;
    if ((n->kind == N_SET || n->kind == N_SETBLOCK || n->kind == N_FOR) && n->str != NULL &&
        strcmp(n->str, name) == 0)
        return 1;
    if (n->kind == N_SET || n->kind == N_FOR) {
        for (i = 0; i < n->n_kids; i++) {
            if (n->kids[i]->kind == N_NAME && strcmp(n->kids[i]->str, name) == 0)
                return 1;
        }
    }
    if (assigned_in(n->a, name) || assigned_in(n->b, name) || assigned_in(n->c, name))
        return 1;
    for (i = 0; i < n->n_body; i++) {
        if (assigned_in(n->body[i], name))
            return 1;
    }
    for (i = 0; i < n->n_kids; i++) {
        if (n->kids[i]->kind != N_NAME && assigned_in(n->kids[i], name))
            return 1;
    }
    return 0;
}

static int assigned_in_template(const rs_tpl *t, const char *name) {
    size_t i;

    for (i = 0; t != NULL && i < t->n_body; i++) {
        if (assigned_in(t->body[i], name))
            return 1;
    }
    return 0;
}

static int lookup_name(tpl_run *run, const tpl_node *n, int tolerant, rs_tpl_value *out) {
    const rs_tpl_value *local = frame_find(run->frame, n->str);
    rs_err herr;
    int rc;

    if (local != NULL) {
        *out = rs_tpl_value_copy(local);
        return RS_OK;
    }
    if (run->env != NULL && run->env->lookup != NULL) {
        rs_err_clear(&herr);
        rc = run->env->lookup(run->env->ctx, n->str, out, &herr);
        if (rc == RS_OK)
            return RS_OK;
        if (rc != RS_ENOTFOUND || herr.msg[0] != '\0')
            return tpl_host_error(run, n, &herr);
    }
    /* dbt's execute: true while rendering for real, false while reading the project. */
    if (strcmp(n->str, "execute") == 0) {
        *out = rs_tpl_bool(run->mode == TPL_MODE_RENDER);
        return RS_OK;
    }
    if (tolerant || run->mode == TPL_MODE_COLLECT || assigned_in_template(run->t, n->str)) {
        *out = rs_tpl_none();
        out->type = RS_TPL_UNDEFINED;
        return RS_OK;
    }
    return tpl_run_error(run, n, RS_EINVAL, "unknown name '%s'", n->str);
}

/* ---- expressions ---- */

static int eval_attr(tpl_run *run, const tpl_node *n, int tolerant, rs_tpl_value *out) {
    rs_tpl_value base = rs_tpl_none();
    const rs_tpl_value *found;
    int rc;

    rc = tolerant ? tpl_eval_tolerant(run, n->a, &base) : tpl_eval_expr(run, n->a, &base);
    if (rc != RS_OK)
        return rc;
    found = rs_tpl_dict_get(&base, n->str);
    if (found != NULL) {
        *out = rs_tpl_value_copy(found);
    } else if (base.type == RS_TPL_UNDEFINED || (tolerant && base.type == RS_TPL_DICT)) {
        *out = rs_tpl_none();
        out->type = RS_TPL_UNDEFINED;
    } else if (n->a->kind == N_NAME) {
        rc = tpl_run_error(run, n, RS_EINVAL, "'%s' has no attribute '%s'", n->a->str, n->str);
    } else {
        rc = tpl_run_error(run, n, RS_EINVAL, "%s has no attribute '%s'",
                           rs_tpl_type_name(base.type), n->str);
    }
    rs_tpl_value_free(&base);
    return rc;
}

static size_t *char_offsets(const char *s, size_t len, size_t *count);

/* s[i]: the i-th character (negative from the end), as Python indexes a string. */
static int string_char_at(tpl_run *run, const tpl_node *n, const rs_tpl_value *s, long long i,
                          rs_tpl_value *out) {
    size_t len = 0, count = 0;
    const char *text = rs_tpl_value_str(s, &len);
    size_t *offs = char_offsets(text, len, &count);
    long long at = i < 0 ? i + (long long)count : i;
    int rc;

    if (offs == NULL)
        return nomem(run);
    if (at < 0 || at >= (long long)count)
        rc = tpl_run_error(run, n, RS_EINVAL, "string index %lld out of range", i);
    else
        rc = rs_tpl_string(out, text + offs[at], offs[at + 1] - offs[at]) == RS_OK ? RS_OK
                                                                                   : nomem(run);
    free(offs);
    return rc;
}

static int eval_index(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value base = rs_tpl_none(), key = rs_tpl_none();
    const rs_tpl_value *found = NULL;
    int rc = tpl_eval_expr(run, n->a, &base);

    if (rc == RS_OK)
        rc = tpl_eval_expr(run, n->b, &key);
    if (rc != RS_OK)
        goto done;
    if (base.type == RS_TPL_LIST && key.type == RS_TPL_INT) {
        long long len = (long long)rs_tpl_value_len(&base), i = key.u.i;
        if (i < 0)
            i += len;
        if (i < 0 || i >= len) {
            rc = tpl_run_error(run, n, RS_EINVAL, "list index %lld out of range", key.u.i);
            goto done;
        }
        found = rs_tpl_list_get(&base, (size_t)i);
    } else if (base.type == RS_TPL_STRING && key.type == RS_TPL_INT) {
        rc = string_char_at(run, n, &base, key.u.i, out);
        goto done;
    } else if (base.type == RS_TPL_DICT && key.type == RS_TPL_INT) {
        /* a query result's columns or row, read by position as agate allows: cols[0] */
        long long len = (long long)rs_tpl_value_len(&base),
                  i = key.u.i < 0 ? key.u.i + len : key.u.i;
        if (i < 0 || i >= len) {
            rc = tpl_run_error(run, n, RS_EINVAL, "index %lld out of range", key.u.i);
            goto done;
        }
        found = rs_tpl_dict_value(&base, (size_t)i);
    } else if (base.type == RS_TPL_DICT && key.type == RS_TPL_DICT &&
               rs_tpl_dict_display(&key) != NULL) {
        /* a relation as a key (dbt_utils: columns[relation]) stands for its name */
        found = rs_tpl_dict_get(&base, rs_tpl_dict_display(&key));
        if (found == NULL) {
            rc = tpl_run_error(run, n, RS_EINVAL, "key '%s' not found", rs_tpl_dict_display(&key));
            goto done;
        }
    } else if (base.type == RS_TPL_DICT && key.type == RS_TPL_STRING) {
        found = rs_tpl_dict_get(&base, rs_tpl_value_str(&key, NULL));
        if (found == NULL && run->mode == TPL_MODE_COLLECT) {
            /* reading the project, results of queries are empty (execute is false) */
            *out = rs_tpl_none();
            out->type = RS_TPL_UNDEFINED;
            goto done;
        }
        if (found == NULL) {
            rc = tpl_run_error(run, n, RS_EINVAL, "key '%s' not found",
                               rs_tpl_value_str(&key, NULL));
            goto done;
        }
    } else {
        rc = tpl_run_error(run, n, RS_EINVAL, "cannot index %s with %s",
                           rs_tpl_type_name(base.type), rs_tpl_type_name(key.type));
        goto done;
    }
    *out = rs_tpl_value_copy(found);
done:
    rs_tpl_value_free(&base);
    rs_tpl_value_free(&key);
    return rc;
}

/* ---- slices ---- */

/* A slice bound: NULL gives dflt; a negative index counts from the end; clamped to [lo, hi]. */
static int slice_bound(tpl_run *run, const tpl_node *n, long long len, long long dflt, long long lo,
                       long long hi, long long *out) {
    rs_tpl_value v = rs_tpl_none();
    int rc;

    *out = dflt;
    if (n == NULL)
        return RS_OK;
    rc = tpl_eval_expr(run, n, &v);
    if (rc != RS_OK)
        return rc;
    if (v.type == RS_TPL_NONE)
        return RS_OK;
    if (v.type != RS_TPL_INT && v.type != RS_TPL_BOOL) {
        rc = tpl_run_error(run, n, RS_EINVAL, "slice indices must be integers, not %s",
                           rs_tpl_type_name(v.type));
        rs_tpl_value_free(&v);
        return rc;
    }
    *out = v.type == RS_TPL_BOOL ? v.u.b : v.u.i;
    if (*out < 0)
        *out += len;
    *out = *out < lo ? lo : *out > hi ? hi : *out;
    return RS_OK;
}

/* Byte offsets of a string's UTF-8 characters (slices count characters, as Python does);
 * offs[count] is the length. A byte that starts no valid sequence counts as one character. */
static size_t *char_offsets(const char *s, size_t len, size_t *count) {
    size_t *offs = malloc((len + 1) * sizeof(*offs)), i = 0, n = 0;

    if (offs == NULL)
        return NULL;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t w = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
        offs[n++] = i;
        i += i + w <= len ? w : 1;
    }
    offs[n] = len;
    *count = n;
    return offs;
}

/* The items start, start+step, ... before stop of a list or a string, into out. */
static int slice_take(tpl_run *run, const tpl_node *n, const rs_tpl_value *base, const size_t *offs,
                      long long start, long long stop, long long step, rs_tpl_value *out) {
    rs_buf text = RS_BUF_INIT;
    const char *s = base->type == RS_TPL_STRING ? rs_tpl_value_str(base, NULL) : NULL;
    long long i;
    int rc = base->type == RS_TPL_LIST ? rs_tpl_list(out) : RS_OK;

    for (i = start; rc == RS_OK && (step > 0 ? i < stop : i > stop); i += step) {
        if (s != NULL)
            rc = rs_buf_append(&text, s + offs[i], offs[i + 1] - offs[i]);
        else
            rc = rs_tpl_list_append(out, rs_tpl_value_copy(rs_tpl_list_get(base, (size_t)i)));
    }
    if (rc == RS_OK && s != NULL)
        rc = rs_tpl_string(out, text.len ? rs_buf_cstr(&text) : "", text.len);
    rs_buf_free(&text);
    if (rc != RS_OK && s == NULL)
        rs_tpl_value_free(out);
    return rc == RS_OK ? RS_OK : value_error(run, n, rc);
}

/* x[start:stop:step] of a list or a string, with Python's rules for defaults and negatives. */
static int eval_slice(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value base = rs_tpl_none();
    size_t *offs = NULL, count = 0;
    long long len, start = 0, stop = 0, step = 1;
    int rc = tpl_eval_expr(run, n->a, &base);

    if (rc == RS_OK && base.type != RS_TPL_LIST && base.type != RS_TPL_STRING)
        rc = tpl_run_error(run, n, RS_EINVAL, "cannot slice %s", rs_tpl_type_name(base.type));
    if (rc == RS_OK && base.type == RS_TPL_STRING) {
        size_t blen = 0;
        const char *s = rs_tpl_value_str(&base, &blen);
        offs = char_offsets(s, blen, &count);
        rc = offs == NULL ? nomem(run) : RS_OK;
    } else if (rc == RS_OK) {
        count = rs_tpl_value_len(&base);
    }
    len = (long long)count;
    if (rc == RS_OK && n->n_kids == 1)
        rc = slice_bound(run, n->kids[0], 0, 1, LLONG_MIN, LLONG_MAX, &step);
    if (rc == RS_OK && step == 0)
        rc = tpl_run_error(run, n, RS_EINVAL, "slice step cannot be zero");
    if (rc == RS_OK && step > 0) {
        rc = slice_bound(run, n->b, len, 0, 0, len, &start);
        if (rc == RS_OK)
            rc = slice_bound(run, n->c, len, len, 0, len, &stop);
    } else if (rc == RS_OK) {
        rc = slice_bound(run, n->b, len, len - 1, -1, len - 1, &start);
        if (rc == RS_OK)
            rc = slice_bound(run, n->c, len, -1, -1, len - 1, &stop);
    }
    if (rc == RS_OK)
        rc = slice_take(run, n, &base, offs, start, stop, step, out);
    free(offs);
    rs_tpl_value_free(&base);
    return rc;
}

static int eval_list(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value list, item;
    size_t i;
    int rc = rs_tpl_list(&list);

    if (rc != RS_OK)
        return nomem(run);
    for (i = 0; i < n->n_kids && rc == RS_OK; i++) {
        rc = tpl_eval_expr(run, n->kids[i], &item);
        if (rc == RS_OK) {
            rc = rs_tpl_list_append(&list, item);
            if (rc != RS_OK)
                rc = value_error(run, n->kids[i], rc);
        }
    }
    if (rc != RS_OK) {
        rs_tpl_value_free(&list);
        return rc;
    }
    *out = list;
    return RS_OK;
}

static int eval_dict(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value dict, key = rs_tpl_none(), val;
    size_t i;
    int rc = rs_tpl_dict(&dict);

    if (rc != RS_OK)
        return nomem(run);
    for (i = 0; i + 1 < n->n_kids && rc == RS_OK; i += 2) {
        const char *name = NULL;
        rc = tpl_eval_expr(run, n->kids[i], &key);
        /* a relation as a key ({relation: []} in dbt_utils) stands for its name */
        if (rc == RS_OK)
            name = key.type == RS_TPL_STRING ? rs_tpl_value_str(&key, NULL)
                                             : rs_tpl_dict_display(&key);
        if (rc == RS_OK && name == NULL)
            rc = tpl_run_error(run, n->kids[i], RS_EINVAL, "dict keys must be strings, not %s",
                               rs_tpl_type_name(key.type));
        if (rc == RS_OK)
            rc = tpl_eval_expr(run, n->kids[i + 1], &val);
        if (rc == RS_OK) {
            rc = rs_tpl_dict_set(&dict, name, val);
            if (rc != RS_OK)
                rc = value_error(run, n->kids[i + 1], rc);
        }
        rs_tpl_value_free(&key);
    }
    if (rc != RS_OK) {
        rs_tpl_value_free(&dict);
        return rc;
    }
    *out = dict;
    return RS_OK;
}

void tpl_free_args(call_args *ca) {
    size_t i;

    for (i = 0; i < ca->args.n_pos; i++)
        rs_tpl_value_free(&ca->pos[i]);
    for (i = 0; i < ca->args.n_kw; i++)
        rs_tpl_value_free(&ca->kwv[i]);
    for (i = 0; i < ca->n_held; i++)
        rs_tpl_value_free(&ca->held[i]);
    free(ca->pos);
    free(ca->kwv);
    free(ca->kwn);
    free(ca->held);
    memset(ca, 0, sizeof(*ca));
}

/* Room for extra more positional (kw 0) or keyword (kw 1) arguments. */
static int args_reserve(tpl_run *run, const tpl_node *at, call_args *ca, int kw, size_t extra) {
    size_t have = kw ? ca->args.n_kw : ca->args.n_pos, *cap = kw ? &ca->cap_kw : &ca->cap_pos;
    size_t want = have + extra, grown;

    if (want <= *cap)
        return RS_OK;
    if (want > RS_TPL_MAX_ITEMS)
        return value_error(run, at, RS_EINVAL);
    grown = want < 2 * *cap ? 2 * *cap : want;
    if (!kw) {
        rs_tpl_value *pos = realloc(ca->pos, grown * sizeof(*pos));
        if (pos == NULL)
            return nomem(run);
        ca->pos = pos;
    } else {
        rs_tpl_value *kwv = realloc(ca->kwv, grown * sizeof(*kwv));
        const char **kwn = kwv ? realloc(ca->kwn, grown * sizeof(*kwn)) : NULL;
        if (kwv != NULL)
            ca->kwv = kwv;
        if (kwn == NULL)
            return nomem(run);
        ca->kwn = kwn;
    }
    *cap = grown;
    return RS_OK;
}

/* *list: its items as positional arguments; **dict: its entries as keyword arguments. */
static int spread_arg(tpl_run *run, const tpl_node *arg, call_args *ca) {
    rs_tpl_value v = rs_tpl_none(), *held;
    size_t i, len;
    int rc = tpl_eval_expr(run, arg->a, &v);

    if (rc != RS_OK)
        return rc;
    if (v.type != (arg->ival == 1 ? RS_TPL_LIST : RS_TPL_DICT)) {
        rc = tpl_run_error(run, arg, RS_EINVAL, "'%s' needs a %s, not %s",
                           arg->ival == 1 ? "*" : "**", arg->ival == 1 ? "list" : "dict",
                           rs_tpl_type_name(v.type));
        rs_tpl_value_free(&v);
        return rc;
    }
    len = rs_tpl_value_len(&v);
    rc = args_reserve(run, arg, ca, arg->ival == 2, len);
    for (i = 0; rc == RS_OK && i < len; i++) {
        if (arg->ival == 1) {
            ca->pos[ca->args.n_pos++] = rs_tpl_value_copy(rs_tpl_list_get(&v, i));
        } else {
            ca->kwn[ca->args.n_kw] = rs_tpl_dict_key(&v, i);
            ca->kwv[ca->args.n_kw++] = rs_tpl_value_copy(rs_tpl_dict_value(&v, i));
        }
    }
    held = rc == RS_OK ? realloc(ca->held, (ca->n_held + 1) * sizeof(*held)) : NULL;
    if (held == NULL) {
        rs_tpl_value_free(&v);
        return rc == RS_OK ? nomem(run) : rc;
    }
    ca->held = held;
    ca->held[ca->n_held++] = v; /* keeps the keys alive */
    return RS_OK;
}

int tpl_eval_args(tpl_run *run, const tpl_node *n, call_args *ca) {
    size_t i;
    int rc;

    memset(ca, 0, sizeof(*ca));
    rc = args_reserve(run, n, ca, 0, n->n_kids ? n->n_kids : 1);
    if (rc == RS_OK)
        rc = args_reserve(run, n, ca, 1, n->n_kids ? n->n_kids : 1);
    for (i = 0; i < n->n_kids && rc == RS_OK; i++) {
        const tpl_node *arg = n->kids[i];
        if (arg->kind == N_SPLAT) {
            rc = spread_arg(run, arg, ca);
        } else if (arg->kind == N_KWARG) {
            rc = args_reserve(run, arg, ca, 1, 1);
            ca->kwn[ca->args.n_kw] = arg->str;
            if (rc == RS_OK)
                rc = tpl_eval_expr(run, arg->a, &ca->kwv[ca->args.n_kw]);
            ca->args.n_kw += rc == RS_OK;
        } else {
            rc = args_reserve(run, arg, ca, 0, 1);
            if (rc == RS_OK)
                rc = tpl_eval_expr(run, arg, &ca->pos[ca->args.n_pos]);
            ca->args.n_pos += rc == RS_OK;
        }
    }
    ca->args.pos = ca->pos;
    ca->args.kw_names = ca->kwn;
    ca->args.kw_values = ca->kwv;
    if (rc != RS_OK)
        tpl_free_args(ca);
    return rc;
}

/* Evaluate a call's arguments, then hand them to tpl_call. */
static int eval_call(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    call_args ca;
    int rc = tpl_eval_args(run, n, &ca);

    if (rc != RS_OK)
        return rc;
    rc = tpl_call(run, n, &ca.args, NULL, out);
    tpl_free_args(&ca);
    return rc;
}

/* ---- methods ---- */

rs_tpl_value *tpl_frame_slot(tpl_frame *f, const char *name) {
    for (; f != NULL; f = f->parent) {
        size_t i = f->n;
        while (i-- > 0) {
            if (strcmp(f->vars[i].name, name) == 0)
                return &f->vars[i].value;
        }
    }
    return NULL;
}

/* The member x.k / x['k'] / x[i] of the value in *base, or NULL. */
static rs_tpl_value *member_slot(rs_tpl_value *base, const tpl_node *n, const rs_tpl_value *kv) {
    const tpl_node *key = n->kind == N_ATTR ? NULL : n->b;
    const char *name = key == NULL ? n->str : key->kind == N_STR ? key->str : NULL;
    long long at = key != NULL && key->kind == N_INT ? key->ival : -1;
    size_t i;

    if (kv != NULL && kv->type == RS_TPL_INT)
        at = kv->u.i;
    else if (kv != NULL) /* a name, or a relation standing for its name */
        name = kv->type == RS_TPL_STRING ? rs_tpl_value_str(kv, NULL) : rs_tpl_dict_display(kv);
    if (base->type == RS_TPL_DICT && name != NULL) {
        for (i = 0; i < rs_tpl_value_len(base); i++) {
            if (strcmp(rs_tpl_dict_key(base, i), name) == 0)
                return (rs_tpl_value *)rs_tpl_dict_value(base, i);
        }
    }
    if (base->type == RS_TPL_LIST && key != NULL && (key->kind == N_INT || kv != NULL)) {
        long long len = (long long)rs_tpl_value_len(base);
        at = at < 0 ? at + len : at;
        if (at >= 0 && at < len)
            return (rs_tpl_value *)rs_tpl_list_get(base, (size_t)at);
    }
    return NULL;
}

/* A changing method on a variable (x.append) or on one member of it (ns.cols.append,
 * d['k'].update): the variable's payload is made its own first (copy on write). *done = 0 when
 * n->a is no such place or the method does not change anything; the caller then evaluates. */
static int method_in_place(tpl_run *run, const tpl_node *n, const rs_tpl_args *args,
                           rs_tpl_value *out, int *done) {
    const tpl_node *target = n->a;
    int nested = target->kind == N_ATTR || target->kind == N_INDEX, rc;
    rs_tpl_value *base, *slot, key = rs_tpl_none();
    const rs_tpl_value *kv = NULL;

    *done = 0;
    if (!nested && target->kind != N_NAME)
        return RS_OK;
    if (nested && target->a->kind != N_NAME)
        return RS_OK;
    if (target->kind == N_INDEX && target->b->kind != N_STR && target->b->kind != N_INT) {
        /* d[k].append(x) with k a variable: the key first, then the place */
        rc = tpl_eval_expr(run, target->b, &key);
        if (rc != RS_OK)
            return rc;
        kv = &key;
    }
    base = tpl_frame_slot(run->frame, nested ? target->a->str : target->str);
    slot = base && nested ? member_slot(base, target, kv) : base;
    if (slot == NULL || !tpl_method_mutates(slot->type, n->str)) {
        rs_tpl_value_free(&key);
        return RS_OK;
    }
    *done = 1;
    rc = tpl_value_make_unique(base) == RS_OK ? RS_OK : nomem(run);
    slot = rc == RS_OK && nested ? member_slot(base, target, kv) : base;
    if (rc == RS_OK && tpl_value_make_unique(slot) != RS_OK)
        rc = nomem(run);
    if (rc == RS_OK)
        rc = tpl_call_method(run, n, slot, args, RS_TPL_MAX_DEPTH - nested, out);
    if (nested)
        tpl_value_recompute_depth(base);
    rs_tpl_value_free(&key);
    return rc;
}

static int eval_method(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value obj = rs_tpl_none();
    call_args ca;
    int rc = tpl_eval_args(run, n, &ca), done = 0;

    if (rc == RS_OK)
        rc = tpl_call_namespace(run, n, &ca.args, NULL, out, &done);
    if (rc == RS_OK && !done)
        rc = tpl_call_module(run, n, &ca.args, out, &done);
    if (rc == RS_OK && !done)
        rc = method_in_place(run, n, &ca.args, out, &done);
    if (rc == RS_OK && !done)
        rc = tpl_eval_expr(run, n->a, &obj);
    /* A change to a temporary would be lost without a word; only deeper paths get here. */
    if (rc == RS_OK && !done && tpl_method_mutates(obj.type, n->str) &&
        (n->a->kind == N_ATTR || n->a->kind == N_INDEX))
        rc = tpl_run_error(run, n, RS_EINVAL,
                           "%s() can change a variable or one member of it, not a value nested "
                           "deeper: {%% set %%} it into a variable first",
                           n->str);
    if (rc == RS_OK && !done)
        rc = tpl_call_method(run, n, &obj, &ca.args, RS_TPL_MAX_DEPTH, out);
    rs_tpl_value_free(&obj);
    tpl_free_args(&ca);
    return rc;
}

/* f(x)(y): call what f(x) gave, which must be a macro (adapter.dispatch('m')(args)). */
static int eval_callval(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value callee = rs_tpl_none();
    call_args ca;
    int rc = tpl_eval_expr(run, n->a, &callee);

    if (rc == RS_OK && callee.type != RS_TPL_MACRO)
        rc = tpl_run_error(run, n, RS_EINVAL, "%s is not callable", rs_tpl_type_name(callee.type));
    if (rc == RS_OK && (rc = tpl_eval_args(run, n, &ca)) == RS_OK) {
        rc = tpl_call_macro(run, n, &callee, &ca.args, NULL, out);
        tpl_free_args(&ca);
    }
    rs_tpl_value_free(&callee);
    return rc;
}

static int is_num(const rs_tpl_value *v) {
    return v->type == RS_TPL_BOOL || v->type == RS_TPL_INT || v->type == RS_TPL_FLOAT;
}

static long long as_ll(const rs_tpl_value *v) {
    return v->type == RS_TPL_BOOL ? v->u.b : v->u.i;
}

static double as_double(const rs_tpl_value *v) {
    return v->type == RS_TPL_FLOAT ? v->u.f : (double)as_ll(v);
}

static int unsupported(tpl_run *run, const tpl_node *n, const rs_tpl_value *a,
                       const rs_tpl_value *b) {
    return tpl_run_error(run, n, RS_EINVAL, "unsupported operand types for %s: '%s' and '%s'",
                         tpl_op_text(n->op), rs_tpl_type_name(a->type), rs_tpl_type_name(b->type));
}

/* + - * // % on two integers, checked for overflow. */
static int int_arith(tpl_run *run, const tpl_node *n, long long x, long long y, rs_tpl_value *out) {
    long long r = 0;
    int overflow = 0;

    switch (n->op) {
    case OP_ADD:
        overflow = __builtin_add_overflow(x, y, &r);
        break;
    case OP_SUB:
        overflow = __builtin_sub_overflow(x, y, &r);
        break;
    case OP_MUL:
        overflow = __builtin_mul_overflow(x, y, &r);
        break;
    default: /* OP_FLOORDIV, OP_MOD: y != 0 checked by the caller */
        if (x == LLONG_MIN && y == -1) {
            overflow = n->op == OP_FLOORDIV;
            r = 0;
            break;
        }
        r = n->op == OP_FLOORDIV ? x / y : x % y;
        if ((x % y != 0) && ((x < 0) != (y < 0)))
            r = n->op == OP_FLOORDIV ? r - 1 : r + y;
    }
    if (overflow)
        return tpl_run_error(run, n, RS_EINVAL, "integer overflow");
    *out = rs_tpl_int(r);
    return RS_OK;
}

static int float_arith(tpl_run *run, const tpl_node *n, double x, double y, rs_tpl_value *out) {
    double r;

    switch (n->op) {
    case OP_ADD:
        r = x + y;
        break;
    case OP_SUB:
        r = x - y;
        break;
    case OP_MUL:
        r = x * y;
        break;
    case OP_DIV:
        r = x / y;
        break;
    case OP_FLOORDIV:
        r = floor(x / y);
        break;
    default:
        r = fmod(x, y);
        if (r != 0 && ((r < 0) != (y < 0)))
            r += y;
    }
    (void)run;
    *out = rs_tpl_float(r);
    return RS_OK;
}

static int repeat_string(tpl_run *run, const tpl_node *n, const rs_tpl_value *s, long long times,
                         rs_tpl_value *out) {
    size_t len = 0, i;
    const char *text = rs_tpl_value_str(s, &len);
    rs_buf b = RS_BUF_INIT;
    int rc = RS_OK;

    if (times > 0 && len > 0 && (unsigned long long)times > run->max_output / len)
        return value_error(run, n, TPL_ETOOBIG);
    for (i = 0; len > 0 && times > 0 && i < (size_t)times && rc == RS_OK; i++)
        rc = rs_buf_append(&b, text, len);
    if (rc == RS_OK)
        rc = rs_tpl_string(out, rs_buf_cstr(&b), b.len);
    rs_buf_free(&b);
    return rc == RS_OK ? RS_OK : nomem(run);
}

static int concat_values(tpl_run *run, const tpl_node *n, const rs_tpl_value *a,
                         const rs_tpl_value *b, rs_tpl_value *out) {
    size_t alen = 0, blen = 0, i;
    const char *as, *bs;
    int rc;

    if (a->type == RS_TPL_LIST) {
        rc = rs_tpl_list(out);
        for (i = 0; rc == RS_OK && i < rs_tpl_value_len(a) + rs_tpl_value_len(b); i++) {
            const rs_tpl_value *item = i < rs_tpl_value_len(a)
                                           ? rs_tpl_list_get(a, i)
                                           : rs_tpl_list_get(b, i - rs_tpl_value_len(a));
            rc = rs_tpl_list_append(out, rs_tpl_value_copy(item));
        }
        if (rc != RS_OK) {
            rs_tpl_value_free(out);
            return value_error(run, n, rc);
        }
        return RS_OK;
    }
    as = rs_tpl_value_str(a, &alen);
    bs = rs_tpl_value_str(b, &blen);
    if (alen + blen > run->max_output)
        return value_error(run, n, TPL_ETOOBIG);
    rc = tpl_string_concat(out, as, alen, bs, blen);
    return rc == RS_OK ? RS_OK : nomem(run);
}

/* a ** b: an integer for integers and a non-negative exponent (checked for overflow), else a
 * float, as in Python. */
static int power(tpl_run *run, const tpl_node *n, const rs_tpl_value *a, const rs_tpl_value *b,
                 rs_tpl_value *out) {
    long long base, exp, r = 1;

    if (a->type != RS_TPL_FLOAT && b->type != RS_TPL_FLOAT && as_ll(b) >= 0) {
        base = as_ll(a);
        exp = as_ll(b);
        if (base == 0 || base == 1 || base == -1) /* no need to walk a huge exponent */
            r = exp == 0 ? 1 : base == -1 ? ((exp & 1) ? -1 : 1) : base;
        for (; (base < -1 || base > 1) && exp > 0; exp--) {
            if (__builtin_mul_overflow(r, base, &r)) /* |base| >= 2: at most 63 steps */
                return tpl_run_error(run, n, RS_EINVAL, "integer overflow");
        }
        *out = rs_tpl_int(r);
        return RS_OK;
    }
    if (as_double(a) == 0.0 && as_double(b) < 0)
        return tpl_run_error(run, n, RS_EINVAL, "zero to a negative power");
    *out = rs_tpl_float(pow(as_double(a), as_double(b)));
    return RS_OK;
}

static int arith(tpl_run *run, const tpl_node *n, const rs_tpl_value *a, const rs_tpl_value *b,
                 rs_tpl_value *out) {
    if (n->op == OP_ADD && a->type == b->type &&
        (a->type == RS_TPL_STRING || a->type == RS_TPL_LIST))
        return concat_values(run, n, a, b, out);
    if (n->op == OP_MUL && a->type == RS_TPL_STRING && b->type == RS_TPL_INT)
        return repeat_string(run, n, a, b->u.i, out);
    if (n->op == OP_MUL && b->type == RS_TPL_STRING && a->type == RS_TPL_INT)
        return repeat_string(run, n, b, a->u.i, out);
    if (!is_num(a) || !is_num(b))
        return unsupported(run, n, a, b);
    if (n->op == OP_POW)
        return power(run, n, a, b, out);
    if ((n->op == OP_DIV || n->op == OP_FLOORDIV || n->op == OP_MOD) && as_double(b) == 0.0)
        return tpl_run_error(run, n, RS_EINVAL, "division by zero");
    if (a->type != RS_TPL_FLOAT && b->type != RS_TPL_FLOAT && n->op != OP_DIV)
        return int_arith(run, n, as_ll(a), as_ll(b), out);
    return float_arith(run, n, as_double(a), as_double(b), out);
}

static int compare(tpl_run *run, const tpl_node *n, const rs_tpl_value *a, const rs_tpl_value *b,
                   rs_tpl_value *out) {
    int c;

    if (n->op == OP_EQ || n->op == OP_NE) {
        *out = rs_tpl_bool(tpl_values_equal(a, b) == (n->op == OP_EQ));
        return RS_OK;
    }
    if (is_num(a) && is_num(b)) {
        double x = as_double(a), y = as_double(b);
        if (a->type != RS_TPL_FLOAT && b->type != RS_TPL_FLOAT)
            c = as_ll(a) < as_ll(b) ? -1 : as_ll(a) > as_ll(b);
        else
            c = x < y ? -1 : x > y ? 1 : x == y ? 0 : 2; /* 2: NaN, every test false */
    } else if (a->type == RS_TPL_STRING && b->type == RS_TPL_STRING) {
        size_t alen, blen;
        const char *as = rs_tpl_value_str(a, &alen), *bs = rs_tpl_value_str(b, &blen);
        c = memcmp(as, bs, alen < blen ? alen : blen);
        if (c == 0)
            c = alen < blen ? -1 : alen > blen;
        c = c < 0 ? -1 : c > 0;
    } else {
        return tpl_run_error(run, n, RS_EINVAL, "'%s' not supported between %s and %s",
                             tpl_op_text(n->op), rs_tpl_type_name(a->type),
                             rs_tpl_type_name(b->type));
    }
    switch (n->op) {
    case OP_LT:
        *out = rs_tpl_bool(c == -1);
        break;
    case OP_LE:
        *out = rs_tpl_bool(c == -1 || c == 0);
        break;
    case OP_GT:
        *out = rs_tpl_bool(c == 1);
        break;
    default:
        *out = rs_tpl_bool(c == 1 || c == 0);
    }
    return RS_OK;
}

static int contains(tpl_run *run, const tpl_node *n, const rs_tpl_value *a, const rs_tpl_value *b,
                    rs_tpl_value *out) {
    int found = 0;
    size_t i;

    if (b->type == RS_TPL_STRING && a->type == RS_TPL_STRING) {
        size_t alen, blen;
        const char *as = rs_tpl_value_str(a, &alen), *bs = rs_tpl_value_str(b, &blen);
        found = alen == 0 || memmem(bs, blen, as, alen) != NULL;
    } else if (b->type == RS_TPL_LIST) {
        for (i = 0; i < rs_tpl_value_len(b) && !found; i++)
            found = tpl_values_equal(a, rs_tpl_list_get(b, i));
    } else if (b->type == RS_TPL_DICT && a->type == RS_TPL_STRING) {
        found = rs_tpl_dict_get(b, rs_tpl_value_str(a, NULL)) != NULL;
    } else if (b->type != RS_TPL_UNDEFINED) {
        return tpl_run_error(run, n, RS_EINVAL, "'%s' not supported between %s and %s",
                             tpl_op_text(n->op), rs_tpl_type_name(a->type),
                             rs_tpl_type_name(b->type));
    }
    *out = rs_tpl_bool(n->op == OP_IN ? found : !found);
    return RS_OK;
}

static int eval_binary(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value a = rs_tpl_none(), b = rs_tpl_none(), ta = rs_tpl_none(), tb = rs_tpl_none();
    int rc = tpl_eval_expr(run, n->a, &a);

    if (rc != RS_OK)
        return rc;
    /* and / or short-circuit and give back an operand, as in Python. */
    if ((n->op == OP_AND && !tpl_truthy(&a)) || (n->op == OP_OR && tpl_truthy(&a))) {
        *out = a;
        return RS_OK;
    }
    if (n->op == OP_AND || n->op == OP_OR) {
        rs_tpl_value_free(&a);
        return tpl_eval_expr(run, n->b, out);
    }
    rc = tpl_eval_expr(run, n->b, &b);
    if (rc != RS_OK)
        goto done;
    if (n->op == OP_CONCAT) {
        rc = tpl_to_text(run, n, &a, &ta);
        if (rc == RS_OK)
            rc = tpl_to_text(run, n, &b, &tb);
        if (rc == RS_OK)
            rc = concat_values(run, n, &ta, &tb, out);
    } else if (n->op >= OP_EQ && n->op <= OP_GE) {
        rc = compare(run, n, &a, &b, out);
    } else if (n->op == OP_IN || n->op == OP_NOT_IN) {
        rc = contains(run, n, &a, &b, out);
    } else {
        rc = arith(run, n, &a, &b, out);
    }
done:
    rs_tpl_value_free(&a);
    rs_tpl_value_free(&b);
    rs_tpl_value_free(&ta);
    rs_tpl_value_free(&tb);
    return rc;
}

static int eval_unary(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value a = rs_tpl_none();
    int rc = tpl_eval_expr(run, n->a, &a);

    if (rc != RS_OK)
        return rc;
    if (n->op == OP_NOT) {
        *out = rs_tpl_bool(!tpl_truthy(&a));
    } else if (!is_num(&a)) {
        rc = tpl_run_error(run, n, RS_EINVAL, "bad operand type for unary %s: '%s'",
                           tpl_op_text(n->op), rs_tpl_type_name(a.type));
    } else if (a.type == RS_TPL_FLOAT) {
        *out = rs_tpl_float(n->op == OP_NEG ? -a.u.f : a.u.f);
    } else if (n->op == OP_NEG && as_ll(&a) == LLONG_MIN) {
        rc = tpl_run_error(run, n, RS_EINVAL, "integer overflow");
    } else {
        *out = rs_tpl_int(n->op == OP_NEG ? -as_ll(&a) : as_ll(&a));
    }
    rs_tpl_value_free(&a);
    return rc;
}

static int eval_cond(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value cond = rs_tpl_none();
    int rc = tpl_eval_expr(run, n->b, &cond), truth;

    if (rc != RS_OK)
        return rc;
    truth = tpl_truthy(&cond);
    rs_tpl_value_free(&cond);
    if (truth)
        return tpl_eval_expr(run, n->a, out);
    if (n->c != NULL)
        return tpl_eval_expr(run, n->c, out);
    /* Jinja gives undefined, which renders as nothing. */
    return rs_tpl_string(out, "", 0) == RS_OK ? RS_OK : nomem(run);
}

static int eval_any(tpl_run *run, const tpl_node *n, int tolerant, rs_tpl_value *out) {
    int rc = tpl_step(run, n);

    if (rc != RS_OK)
        return rc;
    *out = rs_tpl_none();
    switch (n->kind) {
    case N_NONE:
        return RS_OK;
    case N_BOOL:
        *out = rs_tpl_bool((int)n->ival);
        return RS_OK;
    case N_INT:
        *out = rs_tpl_int(n->ival);
        return RS_OK;
    case N_FLOAT:
        *out = rs_tpl_float(n->fval);
        return RS_OK;
    case N_STR:
        return rs_tpl_string(out, n->str, n->len) == RS_OK ? RS_OK : nomem(run);
    case N_LIST:
        return eval_list(run, n, out);
    case N_DICT:
        return eval_dict(run, n, out);
    case N_NAME:
        return lookup_name(run, n, tolerant, out);
    case N_ATTR:
        return eval_attr(run, n, tolerant, out);
    case N_INDEX:
        return eval_index(run, n, out);
    case N_SLICE:
        return eval_slice(run, n, out);
    case N_SPLAT:
        return tpl_run_error(run, n, RS_EINVAL, "'%s' can only stand before a call's argument",
                             n->ival == 1 ? "*" : "**");
    case N_CALL:
        return eval_call(run, n, out);
    case N_METHOD:
        return eval_method(run, n, out);
    case N_CALLVAL:
        return eval_callval(run, n, out);
    case N_FILTER:
        return tpl_filter(run, n, out);
    case N_TEST:
        return tpl_test(run, n, out);
    case N_UNARY:
        return eval_unary(run, n, out);
    case N_BINARY:
        return eval_binary(run, n, out);
    case N_COND:
        return eval_cond(run, n, out);
    }
    return tpl_run_error(run, n, RS_EINTERNAL, "bad expression node %d", n->kind);
}

int tpl_eval_expr(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    return eval_any(run, n, 0, out);
}

int tpl_eval_tolerant(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    return eval_any(run, n, 1, out);
}

/* ---- statements ---- */

static int emit(tpl_run *run, const tpl_node *at, const rs_tpl_value *v) {
    int rc = tpl_value_write(v, &run->out, 0, run->max_output);
    return rc == RS_OK ? RS_OK : value_error(run, at, rc);
}

/* What a for loop walks: a list as is, a dict's keys, a string's UTF-8 characters. */
static int loop_items(tpl_run *run, const tpl_node *at, rs_tpl_value *seq, rs_tpl_value *items) {
    size_t i, len, step;
    const char *s;
    int rc;

    if (seq->type == RS_TPL_LIST) {
        *items = rs_tpl_value_copy(seq);
        return RS_OK;
    }
    if (seq->type != RS_TPL_DICT && seq->type != RS_TPL_STRING && seq->type != RS_TPL_UNDEFINED)
        return tpl_run_error(run, at, RS_EINVAL, "cannot iterate over %s",
                             rs_tpl_type_name(seq->type));
    rc = rs_tpl_list(items);
    s = rs_tpl_value_str(seq, &len);
    for (i = 0; rc == RS_OK && seq->type == RS_TPL_DICT && i < rs_tpl_value_len(seq); i++) {
        rs_tpl_value key;
        const char *k = rs_tpl_dict_key(seq, i);
        rc = rs_tpl_string(&key, k, strlen(k));
        if (rc == RS_OK)
            rc = rs_tpl_list_append(items, key);
    }
    for (i = 0; rc == RS_OK && s != NULL && i < len; i += step) {
        rs_tpl_value ch;
        unsigned char c = (unsigned char)s[i];
        step = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
        if (step > len - i)
            step = len - i;
        rc = rs_tpl_string(&ch, s + i, step);
        if (rc == RS_OK)
            rc = rs_tpl_list_append(items, ch);
    }
    if (rc != RS_OK) {
        rs_tpl_value_free(items);
        return value_error(run, at, rc);
    }
    return RS_OK;
}

static int loop_object(const rs_tpl_value *items, size_t i, size_t len, rs_tpl_value *out) {
    int rc = rs_tpl_dict(out);
    long long n = (long long)len, k = (long long)i;

    if (rc == RS_OK)
        rc = rs_tpl_dict_set(out, "index", rs_tpl_int(k + 1));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(out, "index0", rs_tpl_int(k));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(out, "revindex", rs_tpl_int(n - k));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(out, "revindex0", rs_tpl_int(n - k - 1));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(out, "first", rs_tpl_bool(i == 0));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(out, "last", rs_tpl_bool(i + 1 == len));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(out, "length", rs_tpl_int(n));
    if (rc == RS_OK && i > 0)
        rc = rs_tpl_dict_set(out, "previtem", rs_tpl_value_copy(rs_tpl_list_get(items, i - 1)));
    if (rc == RS_OK && i + 1 < len)
        rc = rs_tpl_dict_set(out, "nextitem", rs_tpl_value_copy(rs_tpl_list_get(items, i + 1)));
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}

/* Bind a for loop's or a set's names: one takes the value, several unpack a list of as many. */
static int bind_targets(tpl_run *run, tpl_frame *f, const tpl_node *n, const rs_tpl_value *v) {
    size_t i;
    int rc = RS_OK;

    if (n->n_kids == 0)
        return tpl_frame_set(run, f, n->str, rs_tpl_value_copy(v));
    if (v->type != RS_TPL_LIST || rs_tpl_value_len(v) != n->n_kids)
        return tpl_run_error(run, n, RS_EINVAL, "cannot unpack %s into %zu names",
                             v->type == RS_TPL_LIST ? "a list of another length"
                                                    : rs_tpl_type_name(v->type),
                             n->n_kids);
    for (i = 0; rc == RS_OK && i < n->n_kids; i++)
        rc = tpl_frame_set(run, f, n->kids[i]->str, rs_tpl_value_copy(rs_tpl_list_get(v, i)));
    return rc;
}

static int exec_for(tpl_run *run, const tpl_node *n) {
    rs_tpl_value seq = rs_tpl_none(), items = rs_tpl_none(), loop;
    size_t i, len;
    int rc = tpl_eval_expr(run, n->a, &seq);

    if (rc == RS_OK)
        rc = loop_items(run, n->a, &seq, &items);
    len = rs_tpl_value_len(&items);
    for (i = 0; rc == RS_OK && i < len; i++) {
        tpl_frame frame = {NULL, 0, 0, run->frame};
        rc = tpl_step(run, n);
        if (rc == RS_OK)
            rc = bind_targets(run, &frame, n, rs_tpl_list_get(&items, i));
        if (rc == RS_OK)
            rc = loop_object(&items, i, len, &loop) == RS_OK ? RS_OK : nomem(run);
        if (rc == RS_OK)
            rc = tpl_frame_set(run, &frame, "loop", loop);
        run->frame = &frame;
        if (rc == RS_OK)
            rc = exec_body(run, n->body, n->n_body);
        run->frame = frame.parent;
        tpl_frame_free(&frame);
    }
    if (rc == RS_OK && len == 0 && n->b != NULL)
        rc = exec_body(run, n->b->body, n->b->n_body);
    rs_tpl_value_free(&seq);
    rs_tpl_value_free(&items);
    return rc;
}

static int exec_if(tpl_run *run, const tpl_node *n) {
    size_t i;

    for (i = 0; i < n->n_kids; i++) {
        const tpl_node *br = n->kids[i];
        int truth = 1;
        if (br->a != NULL) {
            rs_tpl_value cond = rs_tpl_none();
            int rc = tpl_eval_expr(run, br->a, &cond);
            if (rc != RS_OK)
                return rc;
            truth = tpl_truthy(&cond);
            rs_tpl_value_free(&cond);
        }
        if (truth)
            return exec_body(run, br->body, br->n_body);
    }
    return RS_OK;
}

int tpl_capture(tpl_run *run, tpl_node *const *body, size_t n, rs_tpl_value *out) {
    rs_buf saved = run->out;
    int rc;

    rs_buf_init(&run->out);
    rc = exec_body(run, body, n);
    if (rc == RS_OK &&
        (run->out.oom || rs_tpl_string(out, rs_buf_cstr(&run->out), run->out.len) != RS_OK))
        rc = nomem(run);
    rs_buf_free(&run->out);
    run->out = saved;
    return rc;
}

/* {% set ns.x = v %}: a member of a dict variable (a namespace()), changed in place. */
static int exec_setattr(tpl_run *run, const tpl_node *n) {
    rs_tpl_value *slot = tpl_frame_slot(run->frame, n->a->str), v = rs_tpl_none();
    int rc;

    if (slot == NULL)
        return tpl_run_error(run, n->a, RS_EINVAL, "unknown name '%s'", n->a->str);
    if (slot->type != RS_TPL_DICT)
        return tpl_run_error(run, n->a, RS_EINVAL,
                             "cannot set attribute '%s' on %s '%s': use namespace()", n->str,
                             rs_tpl_type_name(slot->type), n->a->str);
    rc = tpl_eval_expr(run, n->b, &v);
    if (rc != RS_OK)
        return rc;
    slot = tpl_frame_slot(run->frame, n->a->str); /* evaluating v may have moved it */
    if (slot == NULL || slot->type != RS_TPL_DICT) {
        rs_tpl_value_free(&v);
        return tpl_run_error(run, n->a, RS_EINVAL, "'%s' changed while its attribute was set",
                             n->a->str);
    }
    if (tpl_value_make_unique(slot) != RS_OK) {
        rs_tpl_value_free(&v);
        return nomem(run);
    }
    rc = rs_tpl_dict_set(slot, n->str, v);
    return rc == RS_OK ? RS_OK : value_error(run, n, rc);
}

static int exec_stmt(tpl_run *run, const tpl_node *n) {
    rs_tpl_value v = rs_tpl_none();
    int rc = tpl_step(run, n);

    if (rc != RS_OK)
        return rc;
    switch (n->kind) {
    case N_TEXT:
        if (n->len > run->max_output || run->out.len > run->max_output - n->len)
            return value_error(run, n, TPL_ETOOBIG);
        return rs_buf_append(&run->out, n->str, n->len) == RS_OK ? RS_OK : nomem(run);
    case N_OUTPUT:
        rc = tpl_eval_expr(run, n->a, &v);
        if (rc == RS_OK)
            rc = emit(run, n->a, &v);
        rs_tpl_value_free(&v);
        return rc;
    case N_IF:
        return exec_if(run, n);
    case N_FOR:
        return exec_for(run, n);
    case N_SET:
        rc = tpl_eval_expr(run, n->a, &v);
        if (rc == RS_OK)
            rc = bind_targets(run, run->frame, n, &v);
        rs_tpl_value_free(&v);
        return rc;
    case N_SETATTR:
        return exec_setattr(run, n);
    case N_SETBLOCK:
        rc = tpl_capture(run, n->body, n->n_body, &v);
        return rc == RS_OK ? tpl_frame_set(run, run->frame, n->str, v) : rc;
    case N_DO:
        rc = tpl_eval_expr(run, n->a, &v);
        rs_tpl_value_free(&v);
        return rc;
    case N_MACRO:
        return tpl_exec_macro_def(run, n);
    case N_CALLBLOCK:
        return tpl_exec_callblock(run, n);
    }
    return tpl_run_error(run, n, RS_EINTERNAL, "bad statement node %d", n->kind);
}

static int exec_body(tpl_run *run, tpl_node *const *body, size_t n) {
    size_t i;
    int rc = RS_OK;

    for (i = 0; i < n && rc == RS_OK; i++)
        rc = exec_stmt(run, body[i]);
    return rc;
}

int tpl_eval_template(const rs_tpl *t, const rs_tpl_env *env, int mode, rs_tpl_result *res,
                      rs_err *err) {
    tpl_frame globals = {NULL, 0, 0, NULL};
    tpl_run run;
    int rc;

    memset(&run, 0, sizeof(run));
    run.t = t;
    run.env = env;
    run.mode = mode;
    rs_buf_init(&run.out);
    run.max_output = env && env->max_output ? env->max_output : RS_TPL_DEFAULT_MAX_OUTPUT;
    run.max_steps = env && env->max_steps > 0 ? env->max_steps : RS_TPL_DEFAULT_MAX_STEPS;
    run.frame = &globals;
    run.def_root = &globals;
    run.returned = rs_tpl_none();
    run.statements = rs_tpl_none();
    run.res = res;
    run.err = err;
    rc = rs_tpl_dict(&res->config) == RS_OK ? RS_OK : nomem(&run);
    if (rc == RS_OK)
        rc = exec_body(&run, t->body, t->n_body);
    if (rc == RS_OK) {
        res->text = rs_buf_detach(&run.out);
        if (res->text == NULL)
            rc = nomem(&run);
    }
    rs_buf_free(&run.out);
    tpl_frame_free(&globals);
    rs_tpl_value_free(&run.returned);
    rs_tpl_value_free(&run.statements);
    return rc;
}
