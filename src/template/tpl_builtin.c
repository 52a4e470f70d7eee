/*
 * tpl_builtin.c - what a call, a filter or a test does.
 *
 * Functions: config() and range() belong to the compiler; in parse mode (rs_template_collect)
 * also ref(), source() and is_incremental(); every other name goes to the host's call callback.
 * Filters: lower upper trim length/count join default/d replace string int float abs first last.
 * Tests (x is ...): defined undefined none string number integer float boolean mapping sequence
 * true false even odd.
 */
#include "tpl_internal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nomem(tpl_run *run) {
    return rs_err_set(run->err, RS_ENOMEM, "model '%s': out of memory", run->t->model);
}

static int make_undefined(rs_tpl_value *out) {
    *out = rs_tpl_none();
    out->type = RS_TPL_UNDEFINED;
    return RS_OK;
}

/* ---- refs and sources seen ---- */

int tpl_record_ref(tpl_run *run, const char *name) {
    rs_tpl_result *res = run->res;
    char **grown, *copy;
    size_t i;

    for (i = 0; i < res->n_refs; i++) {
        if (strcmp(res->refs[i], name) == 0)
            return RS_OK;
    }
    grown = realloc(res->refs, (res->n_refs + 1) * sizeof(*grown));
    if (grown == NULL)
        return nomem(run);
    res->refs = grown;
    copy = strdup(name);
    if (copy == NULL)
        return nomem(run);
    res->refs[res->n_refs++] = copy;
    return RS_OK;
}

int tpl_record_source(tpl_run *run, const char *source, const char *table) {
    rs_tpl_result *res = run->res;
    rs_tpl_source *grown;
    size_t i;

    for (i = 0; i < res->n_sources; i++) {
        if (strcmp(res->sources[i].source, source) == 0 &&
            strcmp(res->sources[i].table, table) == 0)
            return RS_OK;
    }
    grown = realloc(res->sources, (res->n_sources + 1) * sizeof(*grown));
    if (grown == NULL)
        return nomem(run);
    res->sources = grown;
    grown[res->n_sources].source = strdup(source);
    grown[res->n_sources].table = strdup(table);
    if (grown[res->n_sources].source == NULL || grown[res->n_sources].table == NULL) {
        free(grown[res->n_sources].source);
        free(grown[res->n_sources].table);
        return nomem(run);
    }
    res->n_sources++;
    return RS_OK;
}

/* After a successful ref()/source() call (host's or ours), note its string arguments. */
static int record_call(tpl_run *run, const char *name, const rs_tpl_args *args) {
    const char *a = args->n_pos > 0 ? rs_tpl_value_str(&args->pos[0], NULL) : NULL;
    const char *b = args->n_pos > 1 ? rs_tpl_value_str(&args->pos[1], NULL) : NULL;

    if (strcmp(name, "ref") == 0 && args->n_pos >= 1 && args->n_pos <= 2) {
        const char *model = args->n_pos == 2 ? b : a;
        return model ? tpl_record_ref(run, model) : RS_OK;
    }
    if (strcmp(name, "source") == 0 && args->n_pos == 2 && a != NULL && b != NULL)
        return tpl_record_source(run, a, b);
    return RS_OK;
}

/* ---- functions ---- */

static int fn_config(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                     rs_tpl_value *out) {
    size_t i;
    int rc;

    if (args->n_pos > 0)
        return tpl_run_error(run, call, RS_EINVAL, "config() takes only keyword arguments");
    for (i = 0; i < args->n_kw; i++) {
        rc = rs_tpl_dict_set(&run->res->config, args->kw_names[i],
                             rs_tpl_value_copy(&args->kw_values[i]));
        if (rc != RS_OK)
            return nomem(run);
    }
    return rs_tpl_string(out, "", 0) == RS_OK ? RS_OK : nomem(run);
}

static int fn_range(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                    rs_tpl_value *out) {
    long long v[3] = {0, 0, 1}, count, i;
    rs_err herr;
    size_t k;
    int rc;

    rs_err_clear(&herr);
    if (rs_tpl_args_check(args, "range", 1, 3, &herr) != RS_OK)
        return tpl_host_error(run, call, &herr);
    for (k = 0; k < args->n_pos; k++) {
        if (args->pos[k].type != RS_TPL_INT)
            return tpl_run_error(run, call, RS_EINVAL,
                                 "range() argument %zu must be an int, not %s", k + 1,
                                 rs_tpl_type_name(args->pos[k].type));
    }
    if (args->n_pos == 1)
        v[1] = args->pos[0].u.i;
    for (k = 0; args->n_pos > 1 && k < args->n_pos; k++)
        v[k] = args->pos[k].u.i;
    if (v[2] == 0)
        return tpl_run_error(run, call, RS_EINVAL, "range() step must not be zero");
    /* Count in double to dodge overflow; anything near the limit is refused anyway. */
    count = (long long)ceil(((double)v[1] - (double)v[0]) / (double)v[2]);
    if (count < 0)
        count = 0;
    if (count > RS_TPL_MAX_ITEMS)
        return tpl_run_error(run, call, RS_EINVAL, "range() too large (more than %d items)",
                             RS_TPL_MAX_ITEMS);
    rc = rs_tpl_list(out);
    for (i = 0; rc == RS_OK && i < count; i++) {
        rc = tpl_step(run, call);
        if (rc == RS_OK && rs_tpl_list_append(out, rs_tpl_int(v[0] + i * v[2])) != RS_OK)
            rc = nomem(run);
    }
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}

/* ref / source / is_incremental while collecting: answered here, the host is not asked. */
static int fn_collect(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                      rs_tpl_value *out) {
    const char *a = NULL, *b = NULL, *name = call->str;
    rs_err herr;
    char *joined;
    int rc;

    rs_err_clear(&herr);
    if (strcmp(name, "is_incremental") == 0) {
        if (rs_tpl_args_check(args, name, 0, 0, &herr) != RS_OK)
            return tpl_host_error(run, call, &herr);
        *out = rs_tpl_bool(0);
        return RS_OK;
    }
    if (strcmp(name, "ref") == 0) {
        if (rs_tpl_args_check(args, name, 1, 2, &herr) != RS_OK ||
            rs_tpl_args_string(args, args->n_pos - 1, name, &a, &herr) != RS_OK)
            return tpl_host_error(run, call, &herr);
        rc = record_call(run, name, args);
        return rc == RS_OK && rs_tpl_string(out, a, strlen(a)) != RS_OK ? nomem(run) : rc;
    }
    if (rs_tpl_args_check(args, name, 2, 2, &herr) != RS_OK ||
        rs_tpl_args_string(args, 0, name, &a, &herr) != RS_OK ||
        rs_tpl_args_string(args, 1, name, &b, &herr) != RS_OK)
        return tpl_host_error(run, call, &herr);
    rc = record_call(run, name, args);
    if (rc != RS_OK)
        return rc;
    joined = malloc(strlen(a) + strlen(b) + 2);
    if (joined == NULL)
        return nomem(run);
    sprintf(joined, "%s.%s", a, b);
    rc = rs_tpl_string(out, joined, strlen(joined));
    free(joined);
    return rc == RS_OK ? RS_OK : nomem(run);
}

int tpl_call(tpl_run *run, const tpl_node *call, const rs_tpl_args *args, rs_tpl_value *out) {
    const char *name = call->str;
    rs_err herr;
    int rc;

    if (strcmp(name, "config") == 0)
        return fn_config(run, call, args, out);
    if (strcmp(name, "range") == 0)
        return fn_range(run, call, args, out);
    if (run->mode == TPL_MODE_COLLECT && (strcmp(name, "ref") == 0 || strcmp(name, "source") == 0 ||
                                          strcmp(name, "is_incremental") == 0))
        return fn_collect(run, call, args, out);
    if (run->env != NULL && run->env->call != NULL) {
        rs_err_clear(&herr);
        rc = run->env->call(run->env->ctx, name, args, out, &herr);
        if (rc == RS_OK) {
            rc = record_call(run, name, args);
            if (rc != RS_OK)
                rs_tpl_value_free(out);
            return rc;
        }
        if (rc != RS_ENOTFOUND || herr.msg[0] != '\0')
            return tpl_host_error(run, call, &herr);
    }
    if (run->mode == TPL_MODE_COLLECT)
        return make_undefined(out);
    return tpl_run_error(run, call, RS_EINVAL, "unknown function '%s'", name);
}

/* ---- filters ---- */

typedef int (*filter_fn)(tpl_run *run, const tpl_node *n, const rs_tpl_value *in,
                         const rs_tpl_value *args, size_t n_args, rs_tpl_value *out);

static int text_arg(tpl_run *run, const tpl_node *n, const rs_tpl_value *v, rs_tpl_value *out) {
    return tpl_to_text(run, n, v, out);
}

static int f_case(tpl_run *run, const tpl_node *n, const rs_tpl_value *in, const rs_tpl_value *args,
                  size_t n_args, rs_tpl_value *out) {
    rs_tpl_value text = rs_tpl_none();
    size_t len, i;
    const char *s;
    int upper = strcmp(n->str, "upper") == 0, rc = text_arg(run, n, in, &text);

    (void)args;
    (void)n_args;
    if (rc != RS_OK)
        return rc;
    s = rs_tpl_value_str(&text, &len);
    rc = rs_tpl_string(out, s, len);
    rs_tpl_value_free(&text);
    if (rc != RS_OK)
        return nomem(run);
    /* The copy is ours alone (refcount 1), so it may be changed in place. */
    for (i = 0; i < len; i++) {
        char *c = (char *)rs_tpl_value_str(out, NULL) + i;
        if (upper && *c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
        else if (!upper && *c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    }
    return RS_OK;
}

static int f_trim(tpl_run *run, const tpl_node *n, const rs_tpl_value *in, const rs_tpl_value *args,
                  size_t n_args, rs_tpl_value *out) {
    rs_tpl_value text = rs_tpl_none();
    size_t len, start = 0;
    const char *s;
    int rc = text_arg(run, n, in, &text);

    (void)args;
    (void)n_args;
    if (rc != RS_OK)
        return rc;
    s = rs_tpl_value_str(&text, &len);
    while (start < len && strchr(" \t\r\n\v\f", s[start]) && s[start])
        start++;
    while (len > start && strchr(" \t\r\n\v\f", s[len - 1]) && s[len - 1])
        len--;
    rc = rs_tpl_string(out, s + start, len - start);
    rs_tpl_value_free(&text);
    return rc == RS_OK ? RS_OK : nomem(run);
}

static int f_length(tpl_run *run, const tpl_node *n, const rs_tpl_value *in,
                    const rs_tpl_value *args, size_t n_args, rs_tpl_value *out) {
    size_t len = 0, i, chars = 0;
    const char *s = rs_tpl_value_str(in, &len);

    (void)args;
    (void)n_args;
    if (s != NULL) {
        for (i = 0; i < len; i++)
            chars += ((unsigned char)s[i] & 0xc0) != 0x80;
        *out = rs_tpl_int((long long)chars);
    } else if (in->type == RS_TPL_LIST || in->type == RS_TPL_DICT) {
        *out = rs_tpl_int((long long)rs_tpl_value_len(in));
    } else if (in->type == RS_TPL_UNDEFINED) {
        *out = rs_tpl_int(0);
    } else {
        return tpl_run_error(run, n, RS_EINVAL, "%s has no length", rs_tpl_type_name(in->type));
    }
    return RS_OK;
}

static int f_join(tpl_run *run, const tpl_node *n, const rs_tpl_value *in, const rs_tpl_value *args,
                  size_t n_args, rs_tpl_value *out) {
    rs_tpl_value sep = rs_tpl_none();
    rs_buf b = RS_BUF_INIT;
    size_t i, seplen = 0;
    const char *seps = "";
    int rc = RS_OK;

    if (in->type != RS_TPL_LIST && in->type != RS_TPL_UNDEFINED)
        return tpl_run_error(run, n, RS_EINVAL, "join expects a list, not %s",
                             rs_tpl_type_name(in->type));
    if (n_args > 0) {
        rc = text_arg(run, n, &args[0], &sep);
        if (rc != RS_OK)
            return rc;
        seps = rs_tpl_value_str(&sep, &seplen);
    }
    for (i = 0; i < rs_tpl_value_len(in) && rc == RS_OK; i++) {
        if (i > 0)
            rc = b.len + seplen > run->max_output ? TPL_ETOOBIG : rs_buf_append(&b, seps, seplen);
        if (rc == RS_OK)
            rc = tpl_value_write(rs_tpl_list_get(in, i), &b, 0, run->max_output);
    }
    if (rc == RS_OK)
        rc = rs_tpl_string(out, rs_buf_cstr(&b), b.len);
    rs_buf_free(&b);
    rs_tpl_value_free(&sep);
    if (rc == TPL_ETOOBIG)
        return tpl_run_error(run, n, RS_EINVAL, "output too large (more than %zu bytes)",
                             run->max_output);
    return rc == RS_OK ? RS_OK : nomem(run);
}

static int f_replace(tpl_run *run, const tpl_node *n, const rs_tpl_value *in,
                     const rs_tpl_value *args, size_t n_args, rs_tpl_value *out) {
    rs_tpl_value text = rs_tpl_none(), from = rs_tpl_none(), to = rs_tpl_none();
    rs_buf b = RS_BUF_INIT;
    size_t len, flen, tlen, i = 0;
    const char *s, *f, *t;
    long long left = -1;
    int rc = text_arg(run, n, in, &text);

    if (rc == RS_OK)
        rc = text_arg(run, n, &args[0], &from);
    if (rc == RS_OK)
        rc = text_arg(run, n, &args[1], &to);
    if (rc == RS_OK && n_args > 2) {
        if (args[2].type != RS_TPL_INT)
            rc = tpl_run_error(run, n, RS_EINVAL, "replace count must be an int, not %s",
                               rs_tpl_type_name(args[2].type));
        else
            left = args[2].u.i;
    }
    if (rc != RS_OK)
        goto done;
    s = rs_tpl_value_str(&text, &len);
    f = rs_tpl_value_str(&from, &flen);
    t = rs_tpl_value_str(&to, &tlen);
    while (i < len && rc == RS_OK) {
        if (flen > 0 && left != 0 && len - i >= flen && memcmp(s + i, f, flen) == 0) {
            rc = b.len + tlen > run->max_output ? TPL_ETOOBIG : rs_buf_append(&b, t, tlen);
            i += flen;
            left -= left > 0;
        } else {
            rc = rs_buf_append(&b, s + i, 1);
            i++;
        }
    }
    if (rc == TPL_ETOOBIG)
        rc = tpl_run_error(run, n, RS_EINVAL, "output too large (more than %zu bytes)",
                           run->max_output);
    else if (rc != RS_OK || rs_tpl_string(out, rs_buf_cstr(&b), b.len) != RS_OK)
        rc = nomem(run);
done:
    rs_buf_free(&b);
    rs_tpl_value_free(&text);
    rs_tpl_value_free(&from);
    rs_tpl_value_free(&to);
    return rc;
}

static int f_string(tpl_run *run, const tpl_node *n, const rs_tpl_value *in,
                    const rs_tpl_value *args, size_t n_args, rs_tpl_value *out) {
    (void)args;
    (void)n_args;
    return text_arg(run, n, in, out);
}

/* int / float: numbers convert, strings parse (whole string), anything else gives the default. */
static int f_number(tpl_run *run, const tpl_node *n, const rs_tpl_value *in,
                    const rs_tpl_value *args, size_t n_args, rs_tpl_value *out) {
    int want_int = strcmp(n->str, "int") == 0;
    const char *s = rs_tpl_value_str(in, NULL);
    char *end = NULL;

    if (in->type == RS_TPL_INT || in->type == RS_TPL_BOOL) {
        long long v = in->type == RS_TPL_INT ? in->u.i : in->u.b;
        *out = want_int ? rs_tpl_int(v) : rs_tpl_float((double)v);
        return RS_OK;
    }
    if (in->type == RS_TPL_FLOAT) {
        if (want_int && !(in->u.f > -9.2e18 && in->u.f < 9.2e18))
            return tpl_run_error(run, n, RS_EINVAL, "integer overflow");
        *out = want_int ? rs_tpl_int((long long)in->u.f) : rs_tpl_float(in->u.f);
        return RS_OK;
    }
    if (s != NULL && *s != '\0') {
        errno = 0;
        if (want_int) {
            long long v = strtoll(s, &end, 10);
            if (*end == '\0' && errno == 0) {
                *out = rs_tpl_int(v);
                return RS_OK;
            }
        } else {
            double v = strtod(s, &end);
            if (*end == '\0') {
                *out = rs_tpl_float(v);
                return RS_OK;
            }
        }
    }
    if (n_args > 0) {
        *out = rs_tpl_value_copy(&args[0]);
        return RS_OK;
    }
    *out = want_int ? rs_tpl_int(0) : rs_tpl_float(0.0);
    return RS_OK;
}

static int f_abs(tpl_run *run, const tpl_node *n, const rs_tpl_value *in, const rs_tpl_value *args,
                 size_t n_args, rs_tpl_value *out) {
    (void)args;
    (void)n_args;
    if (in->type == RS_TPL_FLOAT) {
        *out = rs_tpl_float(fabs(in->u.f));
    } else if (in->type == RS_TPL_INT || in->type == RS_TPL_BOOL) {
        long long v = in->type == RS_TPL_INT ? in->u.i : in->u.b;
        if (v == LLONG_MIN)
            return tpl_run_error(run, n, RS_EINVAL, "integer overflow");
        *out = rs_tpl_int(v < 0 ? -v : v);
    } else {
        return tpl_run_error(run, n, RS_EINVAL, "bad operand type for abs: '%s'",
                             rs_tpl_type_name(in->type));
    }
    return RS_OK;
}

static int f_first_last(tpl_run *run, const tpl_node *n, const rs_tpl_value *in,
                        const rs_tpl_value *args, size_t n_args, rs_tpl_value *out) {
    size_t len = rs_tpl_value_len(in);

    (void)args;
    (void)n_args;
    if (in->type != RS_TPL_LIST)
        return tpl_run_error(run, n, RS_EINVAL, "%s expects a list, not %s", n->str,
                             rs_tpl_type_name(in->type));
    if (len == 0)
        return make_undefined(out);
    *out = rs_tpl_value_copy(rs_tpl_list_get(in, strcmp(n->str, "first") == 0 ? 0 : len - 1));
    return RS_OK;
}

/* clang-format off */
static const struct {
    const char *name;
    size_t min_args, max_args;
    filter_fn fn;
} filters[] = {
    {"lower",   0, 0, f_case},   {"upper",   0, 0, f_case},   {"trim",  0, 0, f_trim},
    {"length",  0, 0, f_length}, {"count",   0, 0, f_length}, {"join",  0, 1, f_join},
    {"replace", 2, 3, f_replace}, {"string", 0, 0, f_string}, {"int",   0, 1, f_number},
    {"float",   0, 1, f_number}, {"abs",     0, 0, f_abs},    {"first", 0, 0, f_first_last},
    {"last",    0, 0, f_first_last},
};
/* clang-format on */

/* x | default(v, boolean=false): v when x is undefined (or, with a true second argument, falsy). */
static int f_default(tpl_run *run, const tpl_node *n, rs_tpl_value *args, size_t n_args,
                     rs_tpl_value *out) {
    rs_tpl_value in = rs_tpl_none();
    int rc = tpl_eval_tolerant(run, n->a, &in), use_default;

    if (rc != RS_OK)
        return rc;
    use_default =
        in.type == RS_TPL_UNDEFINED || (n_args > 1 && tpl_truthy(&args[1]) && !tpl_truthy(&in));
    if (!use_default) {
        *out = in;
        return RS_OK;
    }
    rs_tpl_value_free(&in);
    if (n_args > 0) {
        *out = rs_tpl_value_copy(&args[0]);
        return RS_OK;
    }
    return rs_tpl_string(out, "", 0) == RS_OK ? RS_OK : nomem(run);
}

static int filter_arity(tpl_run *run, const tpl_node *n, size_t n_args, size_t lo, size_t hi) {
    if (n_args >= lo && n_args <= hi)
        return RS_OK;
    if (lo == hi)
        return tpl_run_error(run, n, RS_EINVAL, "filter '%s' takes %zu argument%s (%zu given)",
                             n->str, lo, lo == 1 ? "" : "s", n_args);
    if (lo == 0)
        return tpl_run_error(run, n, RS_EINVAL,
                             "filter '%s' takes at most %zu argument%s (%zu given)", n->str, hi,
                             hi == 1 ? "" : "s", n_args);
    return tpl_run_error(run, n, RS_EINVAL, "filter '%s' takes %zu to %zu arguments (%zu given)",
                         n->str, lo, hi, n_args);
}

int tpl_filter(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value args[3], in = rs_tpl_none();
    size_t i, n_args = 0, f = sizeof(filters) / sizeof(filters[0]);
    int is_default = strcmp(n->str, "default") == 0 || strcmp(n->str, "d") == 0;
    int rc = RS_OK;

    for (i = 0; !is_default && i < sizeof(filters) / sizeof(filters[0]); i++) {
        if (strcmp(filters[i].name, n->str) == 0)
            f = i;
    }
    if (!is_default && f == sizeof(filters) / sizeof(filters[0]))
        return tpl_run_error(run, n, RS_EINVAL, "unknown filter '%s'", n->str);
    rc = is_default ? filter_arity(run, n, n->n_kids, 0, 2)
                    : filter_arity(run, n, n->n_kids, filters[f].min_args, filters[f].max_args);
    for (i = 0; rc == RS_OK && i < n->n_kids; i++) {
        if (n->kids[i]->kind == N_KWARG)
            rc = tpl_run_error(run, n->kids[i], RS_EINVAL, "filter '%s' takes no keyword arguments",
                               n->str);
        else {
            rc = tpl_eval_expr(run, n->kids[i], &args[n_args]);
            if (rc == RS_OK)
                n_args++;
        }
    }
    if (rc == RS_OK && is_default) {
        rc = f_default(run, n, args, n_args, out);
    } else if (rc == RS_OK) {
        rc = tpl_eval_expr(run, n->a, &in);
        if (rc == RS_OK)
            rc = filters[f].fn(run, n, &in, args, n_args, out);
    }
    for (i = 0; i < n_args; i++)
        rs_tpl_value_free(&args[i]);
    rs_tpl_value_free(&in);
    return rc;
}

/* ---- tests ---- */

static int test_result(const char *name, const rs_tpl_value *v, int *result) {
    rs_tpl_type t = v->type;
    int is_int = t == RS_TPL_INT;

    if (strcmp(name, "defined") == 0)
        *result = t != RS_TPL_UNDEFINED;
    else if (strcmp(name, "undefined") == 0)
        *result = t == RS_TPL_UNDEFINED;
    else if (strcmp(name, "none") == 0)
        *result = t == RS_TPL_NONE;
    else if (strcmp(name, "string") == 0)
        *result = t == RS_TPL_STRING;
    else if (strcmp(name, "number") == 0)
        *result = is_int || t == RS_TPL_FLOAT || t == RS_TPL_BOOL;
    else if (strcmp(name, "integer") == 0)
        *result = is_int;
    else if (strcmp(name, "float") == 0)
        *result = t == RS_TPL_FLOAT;
    else if (strcmp(name, "boolean") == 0)
        *result = t == RS_TPL_BOOL;
    else if (strcmp(name, "mapping") == 0)
        *result = t == RS_TPL_DICT;
    else if (strcmp(name, "sequence") == 0)
        *result = t == RS_TPL_LIST || t == RS_TPL_STRING || t == RS_TPL_DICT;
    else if (strcmp(name, "true") == 0)
        *result = t == RS_TPL_BOOL && v->u.b;
    else if (strcmp(name, "false") == 0)
        *result = t == RS_TPL_BOOL && !v->u.b;
    else if (strcmp(name, "even") == 0 || strcmp(name, "odd") == 0)
        *result = is_int && (v->u.i % 2 == 0) == (name[0] == 'e');
    else
        return RS_ENOTFOUND;
    return RS_OK;
}

int tpl_test(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value v = rs_tpl_none();
    int result = 0, rc, probe;

    if (test_result(n->str, &v, &probe) != RS_OK)
        return tpl_run_error(run, n, RS_EINVAL, "unknown test '%s'", n->str);
    rc = tpl_eval_tolerant(run, n->a, &v);
    if (rc != RS_OK)
        return rc;
    test_result(n->str, &v, &result);
    rs_tpl_value_free(&v);
    *out = rs_tpl_bool(n->ival ? !result : result);
    return RS_OK;
}
