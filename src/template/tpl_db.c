/* tpl_db.c - what dbt's macros use to read the database while a model compiles:
 * {% call statement('name', fetch_result=True) %}SQL{% endcall %} with load_result('name'),
 * run_query(sql), and adapter methods other than dispatch and quote (get_columns_in_relation).
 *
 * The compiler knows no database: run_query and adapter.<method> go to the host (env->call with
 * the names "run_query" and "adapter.<method>"), which answers with a query's rows as a table
 * (see rs_tpl_env in template.h). dbt_utils reads those results three ways, all supported:
 * load_result(n)['data'] (rows as lists), .table.columns[0].values() and .table.rows.
 *
 * In parse mode (reading a project: execute is false) nothing is sent: a statement records
 * nothing, load_result gives none, run_query and adapter methods give undefined, as dbt's
 * macros expect when they guard with "if execute". */
#include "template/tpl_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int nomem(tpl_run *run) {
    return rs_err_set(run->err, RS_ENOMEM, "%s: out of memory", run->t->label);
}

static int undefined(rs_tpl_value *out) {
    *out = rs_tpl_none();
    out->type = RS_TPL_UNDEFINED;
    return RS_OK;
}

/* Send name(args) to the host; its error, or "what is missing", becomes the template's. */
static int host_call(tpl_run *run, const tpl_node *at, const char *name, const rs_tpl_args *args,
                     rs_tpl_value *out) {
    rs_err herr;
    int rc;

    rs_err_clear(&herr);
    if (run->env == NULL || run->env->call == NULL)
        return tpl_run_error(run, at, RS_EINVAL, "%s() needs a database, and there is none here",
                             name);
    rc = run->env->call(run->env->ctx, name, args, out, &herr);
    if (rc == RS_OK)
        return RS_OK;
    if (rc == RS_ENOTFOUND && herr.msg[0] == '\0')
        return tpl_run_error(run, at, RS_EINVAL, "%s() is not supported", name);
    return tpl_host_error(run, at, &herr);
}

/* A table's rows (dicts) as lists of their values: load_result(n)['data']. */
static int rows_as_lists(const rs_tpl_value *table, rs_tpl_value *out) {
    const rs_tpl_value *rows = rs_tpl_dict_get(table, "rows");
    size_t i, j;
    int rc = rs_tpl_list(out);

    for (i = 0; rc == RS_OK && rows != NULL && i < rs_tpl_value_len(rows); i++) {
        const rs_tpl_value *row = rs_tpl_list_get(rows, i);
        rs_tpl_value list;
        rc = rs_tpl_list(&list);
        for (j = 0; rc == RS_OK && j < rs_tpl_value_len(row); j++)
            rc = rs_tpl_list_append(&list, rs_tpl_value_copy(rs_tpl_dict_value(row, j)));
        if (rc == RS_OK)
            rc = rs_tpl_list_append(out, list);
        else
            rs_tpl_value_free(&list);
    }
    if (rc != RS_OK)
        rs_tpl_value_free(out);
    return rc;
}

/* {'data': rows as lists, 'table': table, 'response': {'rows_affected': n}}, into the run's
 * statements under name. Takes table. */
static int keep_result(tpl_run *run, const tpl_node *at, const char *name, rs_tpl_value table) {
    rs_tpl_value result = rs_tpl_none(), data = rs_tpl_none(), response = rs_tpl_none();
    const rs_tpl_value *rows = rs_tpl_dict_get(&table, "rows");
    int rc = rows_as_lists(&table, &data);

    if (rc == RS_OK)
        rc = rs_tpl_dict(&response);
    if (rc == RS_OK)
        rc = rs_tpl_dict_set(&response, "rows_affected",
                             rs_tpl_int((long long)rs_tpl_value_len(rows)));
    if (rc == RS_OK)
        rc = rs_tpl_dict(&result);
    if (rc == RS_OK) {
        rc = rs_tpl_dict_set(&result, "data", data);
        data = rs_tpl_none();
    }
    if (rc == RS_OK) {
        rc = rs_tpl_dict_set(&result, "response", response);
        response = rs_tpl_none();
    }
    if (rc == RS_OK) {
        rc = rs_tpl_dict_set(&result, "table", table);
        table = rs_tpl_none();
    }
    if (rc == RS_OK && run->statements.type != RS_TPL_DICT)
        rc = rs_tpl_dict(&run->statements);
    if (rc == RS_OK) {
        rc = rs_tpl_dict_set(&run->statements, name, result);
        result = rs_tpl_none();
    }
    rs_tpl_value_free(&table);
    rs_tpl_value_free(&data);
    rs_tpl_value_free(&response);
    rs_tpl_value_free(&result);
    if (rc == RS_ENOMEM)
        return nomem(run);
    return rc == RS_OK ? RS_OK : tpl_run_error(run, at, RS_EINVAL, "statement result too large");
}

/* statement(name=None, fetch_result=False, auto_begin=True, language='sql') with the SQL as its
 * {% call %} body: run it, keep the result for load_result(name). Outputs nothing. */
static int fn_statement(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                        const rs_tpl_value *caller, rs_tpl_value *out) {
    static const char *const params[] = {"name", "fetch_result", "auto_begin", "language", NULL};
    const rs_tpl_value *a[TPL_MAX_PARAMS];
    rs_tpl_value sql = rs_tpl_none(), table = rs_tpl_none();
    rs_tpl_args sql_args = {1, NULL, 0, NULL, NULL};
    const rs_tpl_args none = {0, NULL, 0, NULL, NULL};
    const char *name;
    int rc = tpl_bind_args(run, call, "statement()", args, params, 0, a);

    if (rc == RS_OK && caller == NULL)
        rc = tpl_run_error(
            run, call, RS_EINVAL,
            "statement() is used as {%% call statement('name') %%}SQL{%% endcall %%}");
    if (rc == RS_OK)
        rc = tpl_call_macro(run, call, caller, &none, NULL, &sql);
    if (rc == RS_OK && run->mode == TPL_MODE_RENDER) {
        sql_args.pos = &sql;
        rc = host_call(run, call, "run_query", &sql_args, &table);
        name = a[0] != NULL ? rs_tpl_value_str(a[0], NULL) : NULL;
        if (rc == RS_OK && name != NULL)
            rc = keep_result(run, call, name, table);
        else if (rc == RS_OK)
            rs_tpl_value_free(&table);
    }
    rs_tpl_value_free(&sql);
    if (rc == RS_OK)
        rc = rs_tpl_string(out, "", 0) == RS_OK ? RS_OK : nomem(run);
    return rc;
}

/* load_result(name): what statement(name) kept, or none. */
static int fn_load_result(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                          rs_tpl_value *out) {
    const rs_tpl_value *found = NULL;
    const char *name;

    if (args->n_pos != 1 || args->n_kw != 0 ||
        (name = rs_tpl_value_str(&args->pos[0], NULL)) == NULL)
        return tpl_run_error(run, call, RS_EINVAL, "load_result() takes one statement name");
    if (run->statements.type == RS_TPL_DICT)
        found = rs_tpl_dict_get(&run->statements, name);
    *out = found != NULL ? rs_tpl_value_copy(found) : rs_tpl_none();
    return RS_OK;
}

int tpl_call_db(tpl_run *run, const tpl_node *call, const rs_tpl_args *args,
                const rs_tpl_value *caller, rs_tpl_value *out) {
    const char *name = call->str;

    if (strcmp(name, "statement") == 0)
        return fn_statement(run, call, args, caller, out);
    if (caller != NULL)
        return RS_ENOTFOUND;
    if (strcmp(name, "load_result") == 0)
        return fn_load_result(run, call, args, out);
    if (strcmp(name, "run_query") == 0)
        return run->mode == TPL_MODE_RENDER ? host_call(run, call, name, args, out)
                                            : undefined(out);
    return RS_ENOTFOUND;
}

int tpl_call_adapter(tpl_run *run, const tpl_node *n, const rs_tpl_args *args, rs_tpl_value *out) {
    char name[96];

    if (run->mode != TPL_MODE_RENDER)
        return undefined(out);
    snprintf(name, sizeof(name), "adapter.%.80s", n->str);
    return host_call(run, n, name, args, out);
}
