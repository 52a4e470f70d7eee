/*
 * tpl_builtin.c - what a call, a filter or a test does.
 *
 * Functions: config() and range() belong to the compiler; in parse mode (rs_tpl_collect)
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
    return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
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

/* ---- argument binding ---- */

int tpl_bind_args(tpl_run *run, const tpl_node *at, const char *fname, const rs_tpl_args *args,
                  const char *const *params, size_t n_required, const rs_tpl_value **slots) {
    size_t n_params = 0, i, k;

    while (params[n_params] != NULL && n_params < TPL_MAX_PARAMS)
        slots[n_params++] = NULL;
    if (args->n_pos > n_params)
        return tpl_run_error(run, at, RS_EINVAL, "%s takes at most %zu argument%s (%zu given)",
                             fname, n_params, n_params == 1 ? "" : "s", args->n_pos);
    for (i = 0; i < args->n_pos; i++)
        slots[i] = &args->pos[i];
    for (k = 0; k < args->n_kw; k++) {
        for (i = 0; i < n_params && strcmp(params[i], args->kw_names[k]) != 0; i++)
            ;
        if (i == n_params)
            return tpl_run_error(run, at, RS_EINVAL, "%s got an unexpected keyword argument '%s'",
                                 fname, args->kw_names[k]);
        if (slots[i] != NULL)
            return tpl_run_error(run, at, RS_EINVAL, "%s got multiple values for argument '%s'",
                                 fname, params[i]);
        slots[i] = &args->kw_values[k];
    }
    for (i = 0; i < n_required; i++) {
        if (slots[i] == NULL)
            return tpl_run_error(run, at, RS_EINVAL, "%s missing required argument '%s'", fname,
                                 params[i]);
    }
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

/* set(items): the distinct items, as a list; sorted when they are all strings, so that two sets
 * compare equal with == whatever their order (dbt_utils' equality test compares column sets). */
static int fn_set(tpl_run *run, const tpl_node *call, const rs_tpl_args *args, rs_tpl_value *out) {
    const rs_tpl_value *in = args->n_pos == 1 ? &args->pos[0] : NULL;
    size_t i, j, n, all_strings = 1;
    int rc;

    if (in == NULL || args->n_kw != 0 || in->type != RS_TPL_LIST)
        return tpl_run_error(run, call, RS_EINVAL, "set() takes one list");
    rc = rs_tpl_list(out) == RS_OK ? RS_OK : nomem(run);
    for (i = 0; rc == RS_OK && i < rs_tpl_value_len(in); i++) {
        const rs_tpl_value *item = rs_tpl_list_get(in, i);
        int seen = 0;
        for (j = 0; j < rs_tpl_value_len(out) && !seen; j++)
            seen = tpl_values_equal(item, rs_tpl_list_get(out, j));
        all_strings &= item->type == RS_TPL_STRING;
        if (!seen && rs_tpl_list_append(out, rs_tpl_value_copy(item)) != RS_OK)
            rc = nomem(run);
    }
    n = rs_tpl_value_len(out);
    for (i = 1; rc == RS_OK && all_strings && i < n; i++) { /* insertion sort in place */
        for (j = i; j > 0; j--) {
            rs_tpl_value *a = (rs_tpl_value *)rs_tpl_list_get(out, j - 1);
            rs_tpl_value *b = (rs_tpl_value *)rs_tpl_list_get(out, j), tmp;
            if (strcmp(rs_tpl_value_str(a, NULL), rs_tpl_value_str(b, NULL)) <= 0)
                break;
            tmp = *a;
            *a = *b;
            *b = tmp;
        }
    }
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}

/* zip(a, b, ...): lists of the items at the same position, as long as the shortest list. */
static int fn_zip(tpl_run *run, const tpl_node *call, const rs_tpl_args *args, rs_tpl_value *out) {
    size_t i, k, n = (size_t)-1;
    int rc;

    for (k = 0; k < args->n_pos; k++) {
        if (args->pos[k].type != RS_TPL_LIST)
            return tpl_run_error(run, call, RS_EINVAL, "zip() takes lists");
        n = rs_tpl_value_len(&args->pos[k]) < n ? rs_tpl_value_len(&args->pos[k]) : n;
    }
    if (args->n_pos == 0 || args->n_kw != 0)
        return tpl_run_error(run, call, RS_EINVAL, "zip() takes lists");
    rc = rs_tpl_list(out) == RS_OK ? RS_OK : nomem(run);
    for (i = 0; rc == RS_OK && i < n; i++) {
        rs_tpl_value tuple;
        rc = rs_tpl_list(&tuple) == RS_OK ? RS_OK : nomem(run);
        for (k = 0; rc == RS_OK && k < args->n_pos; k++)
            if (rs_tpl_list_append(&tuple, rs_tpl_value_copy(rs_tpl_list_get(&args->pos[k], i))) !=
                RS_OK)
                rc = nomem(run);
        if (rc == RS_OK && rs_tpl_list_append(out, tuple) != RS_OK)
            rc = nomem(run);
        else if (rc != RS_OK)
            rs_tpl_value_free(&tuple);
    }
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
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
static int set_string_member(rs_tpl_value *d, const char *key, const char *text) {
    rs_tpl_value v;
    int rc = rs_tpl_string(&v, text, strlen(text));
    return rc == RS_OK ? rs_tpl_dict_set(d, key, v) : rc;
}

int rs_tpl_relation(rs_tpl_value *out, const char *sql, const char *schema, const char *name,
                    int is_cte) {
    static const char *const keys[] = {"workspace",  "schema", "name",
                                       "identifier", "table",  "database"};
    rs_tpl_value d = rs_tpl_none(), meta = rs_tpl_none();
    size_t i;
    int rc = rs_tpl_dict(&d);

    for (i = 0; rc == RS_OK && i < sizeof(keys) / sizeof(keys[0]); i++)
        rc = set_string_member(&d, keys[i], i < 2 ? schema : i < 5 ? name : "");
    if (rc == RS_OK)
        rc = rs_tpl_dict(&meta);
    if (rc == RS_OK)
        rc = set_string_member(&meta, "type", "RocksetRelation");
    if (rc == RS_OK) {
        rc = rs_tpl_dict_set(&d, "metadata", meta);
        meta = rs_tpl_none();
    }
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(&d, "is_cte", rs_tpl_bool(is_cte));
    if (rc == RS_OK)
        rc = rs_tpl_dict_set_display(&d, sql);
    rs_tpl_value_free(&meta);
    if (rc != RS_OK) {
        rs_tpl_value_free(&d);
        return RS_ENOMEM;
    }
    *out = d;
    return RS_OK;
}

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
        return rc == RS_OK && rs_tpl_relation(out, a, "", a, 0) != RS_OK ? nomem(run) : rc;
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
    rc = rs_tpl_relation(out, joined, a, b, 0);
    free(joined);
    return rc == RS_OK ? RS_OK : nomem(run);
}

/* namespace(dict, k=v, ...): a dict whose members {% set ns.k = v %} may change, also from inside
 * a loop (Jinja's way out of loop scoping). */
static int fn_namespace(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                        rs_tpl_value *out) {
    const rs_tpl_value *init = args->n_pos == 1 ? &args->pos[0] : NULL;
    size_t i, n_init = init ? rs_tpl_value_len(init) : 0;
    int rc;

    if (args->n_pos > 1 || (init != NULL && init->type != RS_TPL_DICT))
        return tpl_run_error(run, call, RS_EINVAL,
                             "namespace() takes one dict and keyword arguments");
    rc = rs_tpl_dict(out) == RS_OK ? RS_OK : nomem(run);
    for (i = 0; rc == RS_OK && i < n_init + args->n_kw; i++) {
        const char *key = i < n_init ? rs_tpl_dict_key(init, i) : args->kw_names[i - n_init];
        const rs_tpl_value *v =
            i < n_init ? rs_tpl_dict_value(init, i) : &args->kw_values[i - n_init];
        if (rs_tpl_dict_set(out, key, rs_tpl_value_copy(v)) != RS_OK)
            rc = tpl_run_error(run, call, RS_EINVAL, "value nested more than %d levels deep",
                               RS_TPL_MAX_DEPTH);
    }
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}

/* What tpl_call tries after the compiler's own functions and the host. */
static int call_library(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                        const rs_tpl_value *caller, rs_tpl_value *out) {
    rs_tpl_value macro;
    int rc = tpl_find_macro(run, call->str, &macro);

    if (rc != RS_OK)
        return rc;
    rc = tpl_call_macro(run, call, &macro, args, caller, out);
    rs_tpl_value_free(&macro);
    return rc;
}

int tpl_call(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
             const rs_tpl_value *caller, rs_tpl_value *out) {
    const char *name = call->str;
    const rs_tpl_value *var = tpl_frame_slot(run->frame, name);
    rs_err herr;
    int rc;

    if (var != NULL && var->type == RS_TPL_MACRO) {
        rs_tpl_value macro = rs_tpl_value_copy(var); /* the call may rebind the variable */
        rc = tpl_call_macro(run, call, &macro, args, caller, out);
        rs_tpl_value_free(&macro);
        return rc;
    }
    rc = tpl_call_db(run, call, args, caller, out);
    if (rc != RS_ENOTFOUND)
        return rc;
    if (caller != NULL) {
        rc = call_library(run, call, args, caller, out);
        if (rc != RS_ENOTFOUND)
            return rc;
        return tpl_run_error(run, call, RS_EINVAL,
                             "{%% call %%} needs a macro, and '%s' is not one", name);
    }
    rc = tpl_call_macro_builtin(run, call, args, out);
    if (rc != RS_ENOTFOUND)
        return rc;
    if (strcmp(name, "config") == 0)
        return fn_config(run, call, args, out);
    if (strcmp(name, "namespace") == 0)
        return fn_namespace(run, call, args, out);
    if (strcmp(name, "range") == 0)
        return fn_range(run, call, args, out);
    if (strcmp(name, "set") == 0)
        return fn_set(run, call, args, out);
    if (strcmp(name, "zip") == 0)
        return fn_zip(run, call, args, out);
    if (strcmp(name, "should_store_failures") == 0) {
        /* dbt's: whether a test keeps its failing rows; tests here never do */
        *out = rs_tpl_bool(0);
        return RS_OK;
    }
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
    rc = call_library(run, call, args, NULL, out);
    if (rc != RS_ENOTFOUND)
        return rc;
    if (run->mode == TPL_MODE_COLLECT)
        return make_undefined(out);
    return tpl_run_error(run, call, RS_EINVAL, "unknown function '%s'", name);
}

/* ---- tests ---- */

static int test_compare(tpl_run *run, const tpl_node *at, const char *name, const rs_tpl_value *v,
                        const rs_tpl_value *arg, int *result) {
    static const char *const names[] = {"eq", "equalto", "ne",          "lt", "lessthan",
                                        "le", "gt",      "greaterthan", "ge", NULL};
    int c, i;

    for (i = 0; names[i] != NULL && strcmp(names[i], name) != 0; i++)
        ;
    if (i < 3) {
        *result = tpl_values_equal(v, arg) == (i < 2);
        return RS_OK;
    }
    c = tpl_values_compare(v, arg, 0);
    if (c == 2)
        return tpl_run_error(run, at, RS_EINVAL, "test '%s' cannot compare %s and %s", name,
                             rs_tpl_type_name(v->type), rs_tpl_type_name(arg->type));
    *result = i <= 4 ? c == -1 : i == 5 ? c <= 0 : i <= 7 ? c == 1 : c >= 0;
    return RS_OK;
}

/* Tests that take one argument: comparisons, sameas, in, divisibleby. */
static int test_with_arg(tpl_run *run, const tpl_node *at, const char *name, const rs_tpl_value *v,
                         const rs_tpl_value *arg, int *result) {
    if (strcmp(name, "sameas") == 0) {
        *result = v->type == arg->type &&
                  (v->type >= RS_TPL_STRING ? v->u.obj == arg->u.obj : tpl_values_equal(v, arg));
        return RS_OK;
    }
    if (strcmp(name, "in") == 0) {
        if (arg->type == RS_TPL_LIST) {
            size_t i;
            for (i = 0, *result = 0; i < rs_tpl_value_len(arg) && !*result; i++)
                *result = tpl_values_equal(v, rs_tpl_list_get(arg, i));
        } else if (arg->type == RS_TPL_DICT && v->type == RS_TPL_STRING) {
            *result = rs_tpl_dict_get(arg, rs_tpl_value_str(v, NULL)) != NULL;
        } else if (arg->type == RS_TPL_STRING && v->type == RS_TPL_STRING) {
            size_t vlen, alen;
            const char *vs = rs_tpl_value_str(v, &vlen), *as = rs_tpl_value_str(arg, &alen);
            *result = vlen == 0 || memmem(as, alen, vs, vlen) != NULL;
        } else {
            return tpl_run_error(run, at, RS_EINVAL, "test 'in' cannot look for %s in %s",
                                 rs_tpl_type_name(v->type), rs_tpl_type_name(arg->type));
        }
        return RS_OK;
    }
    if (strcmp(name, "divisibleby") == 0) {
        if (v->type != RS_TPL_INT || arg->type != RS_TPL_INT || arg->u.i == 0)
            return tpl_run_error(run, at, RS_EINVAL,
                                 "test 'divisibleby' needs two ints and a divisor other than 0");
        *result = arg->u.i == -1 || v->u.i % arg->u.i == 0;
        return RS_OK;
    }
    return test_compare(run, at, name, v, arg, result);
}

static int is_cased(const rs_tpl_value *v, int upper) {
    size_t len, i;
    const char *s = rs_tpl_value_str(v, &len);
    int any = 0;

    for (i = 0; s != NULL && i < len; i++) {
        if ((upper && s[i] >= 'a' && s[i] <= 'z') || (!upper && s[i] >= 'A' && s[i] <= 'Z'))
            return 0;
        any |= (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z');
    }
    return any;
}

/* Tests without an argument; RS_ENOTFOUND for a name that is none of them. */
static int test_plain(const char *name, const rs_tpl_value *v, int *result) {
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
    else if (strcmp(name, "sequence") == 0 || strcmp(name, "iterable") == 0)
        *result = t == RS_TPL_LIST || t == RS_TPL_STRING || t == RS_TPL_DICT;
    else if (strcmp(name, "callable") == 0)
        *result = t == RS_TPL_MACRO;
    else if (strcmp(name, "true") == 0)
        *result = t == RS_TPL_BOOL && v->u.b;
    else if (strcmp(name, "false") == 0)
        *result = t == RS_TPL_BOOL && !v->u.b;
    else if (strcmp(name, "even") == 0 || strcmp(name, "odd") == 0)
        *result = is_int && (v->u.i % 2 == 0) == (name[0] == 'e');
    else if (strcmp(name, "lower") == 0 || strcmp(name, "upper") == 0)
        *result = is_cased(v, name[0] == 'u');
    else
        return RS_ENOTFOUND;
    return RS_OK;
}

static int test_takes_arg(const char *name) {
    static const char *const names[] = {"eq", "equalto",     "ne",          "lt", "lessthan",
                                        "le", "gt",          "greaterthan", "ge", "sameas",
                                        "in", "divisibleby", NULL};
    size_t i;

    for (i = 0; names[i] != NULL; i++) {
        if (strcmp(names[i], name) == 0)
            return 1;
    }
    return 0;
}

int tpl_test_value(tpl_run *run, const tpl_node *at, const char *name, const rs_tpl_value *v,
                   const rs_tpl_args *args, int *result) {
    size_t given = args ? args->n_pos + args->n_kw : 0;
    int wants = test_takes_arg(name), probe;

    if (!wants && test_plain(name, v, &probe) == RS_ENOTFOUND)
        return RS_ENOTFOUND;
    if (given != (size_t)wants || (args && args->n_kw > 0))
        return tpl_run_error(run, at, RS_EINVAL, "test '%s' takes %d argument%s (%zu given)", name,
                             wants, wants ? "" : "s", given);
    if (wants)
        return test_with_arg(run, at, name, v, &args->pos[0], result);
    return test_plain(name, v, result);
}

int tpl_test(tpl_run *run, const tpl_node *n, rs_tpl_value *out) {
    rs_tpl_value v = rs_tpl_none();
    call_args ca;
    int result = 0, rc, probe;

    if (!test_takes_arg(n->str) && test_plain(n->str, &v, &probe) == RS_ENOTFOUND)
        return tpl_run_error(run, n, RS_EINVAL, "unknown test '%s'", n->str);
    rc = tpl_eval_args(run, n, &ca);
    if (rc != RS_OK)
        return rc;
    rc = tpl_eval_tolerant(run, n->a, &v);
    if (rc == RS_OK)
        rc = tpl_test_value(run, n, n->str, &v, &ca.args, &result);
    rs_tpl_value_free(&v);
    tpl_free_args(&ca);
    if (rc == RS_OK)
        *out = rs_tpl_bool(n->ival ? !result : result);
    return rc;
}
