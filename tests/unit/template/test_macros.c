/* test_macros.c - macros (src/template): {% macro %} in templates, the macro library
 * (rs_tpl_macros), return(), {% call %} / caller(), pkg.name(), adapter.dispatch, macro files
 * (rs_tpl_macro_defs), refs collected through macros. Exact output and messages. */
#include "template/template.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int host_lookup(void *ctx, const char *name, rs_tpl_value *out, rs_err *err) {
    (void)ctx;
    (void)err;
    if (strcmp(name, "this") != 0)
        return RS_ENOTFOUND;
    return rs_tpl_string(out, "ws.me", 5);
}

static int host_call(void *ctx, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                     rs_err *err) {
    const char *m;
    char buf[128];

    (void)ctx;
    if (strcmp(name, "ref") != 0)
        return RS_ENOTFOUND;
    if (rs_tpl_args_check(args, "ref", 1, 1, err) || rs_tpl_args_string(args, 0, "ref", &m, err))
        return RS_EINVAL;
    snprintf(buf, sizeof(buf), "ws.%s", m);
    return rs_tpl_string(out, buf, strlen(buf));
}

static rs_tpl_macros *g_lib;
static rs_tpl_env g_env = {NULL, host_lookup, host_call, 0, 0, NULL};

static char *result_text(int rc, rs_tpl_result *res, const rs_err *err) {
    char *out;

    if (rc != RS_OK) {
        out = malloc(strlen(err->msg) + 6);
        if (out)
            sprintf(out, "ERR: %s", err->msg);
        return out;
    }
    out = res->text;
    res->text = NULL;
    rs_tpl_result_free(res);
    return out;
}

static char *render(const char *text) {
    rs_tpl *t = NULL;
    rs_tpl_result res;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_tpl_parse("m", text, strlen(text), &t, &err);
    if (rc == RS_OK) {
        rc = rs_tpl_render(t, &g_env, &res, &err);
        rs_tpl_free(t);
    }
    return result_text(rc, &res, &err);
}

#define T(name, text, want)            \
    do {                               \
        char *tl_out = render(text);   \
        CHECK_STR(name, tl_out, want); \
        free(tl_out);                  \
    } while (0)

static void add(const char *pkg, const char *name, const char *args, const char *body) {
    rs_err err;
    int rc = rs_tpl_macros_add(g_lib, pkg, name, args, body, &err);
    if (rc != RS_OK)
        fprintf(stderr, "add %s: %s\n", name, err.msg);
    CHECK(name, rc == RS_OK);
}

static void test_template_macros(void) {
    T("macro_basic", "{% macro hi(name) %}hi {{ name }}{% endmacro %}[{{ hi('x') }}]", "[hi x]");
    T("macro_defaults_kw",
      "{% macro f(a, b=2, c='z') %}{{ a }}{{ b }}{{ c }}{% endmacro %}"
      "{{ f(1) }} {{ f(1, c='y') }} {{ f(b=5, a=0) }}",
      "12z 12y 05z");
    T("macro_default_uses_param", "{% macro f(a, b=a * 2) %}{{ b }}{% endmacro %}{{ f(4) }}", "8");
    T("macro_sees_globals", "{% set g = 'G' %}{% macro f() %}{{ g }}{% endmacro %}{{ f() }}", "G");
    T("macro_own_scope", "{% macro f() %}{% set g = 1 %}{% endmacro %}{{ f() }}{{ g is defined }}",
      "False");
    T("macro_return",
      "{% macro cols() %}ignored{{ return(['a', 'b']) }}{% endmacro %}"
      "{{ cols() | join(',') }}",
      "a,b");
    T("macro_return_in_loop",
      "{% macro first_even(xs) %}{% for x in xs %}{% if x is even %}"
      "{% do return(x) %}{% endif %}{% endfor %}{{ return(none) }}"
      "{% endmacro %}{{ first_even([1, 4, 6]) }} {{ first_even([1]) }}",
      "4 None");
    T("macro_recursion",
      "{% macro fact(n) %}{{ return(1 if n <= 1 else n * fact(n - 1)) }}"
      "{% endmacro %}{{ fact(5) }}",
      "120");
    T("macro_varargs_kwargs",
      "{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}"
      "{{ f(1, 2, 3, k='v') }}",
      "1[2, 3]{'k': 'v'}");
    T("macro_as_value",
      "{% macro f() %}x{% endmacro %}{% set g = f %}{{ g() }}{{ f is callable }}"
      "{{ f }}",
      "xTrue<macro 'f'>");
    T("call_block",
      "{% macro wrap(t) %}<{{ t }}>{{ caller() }}</{{ t }}>{% endmacro %}"
      "{% call wrap('b') %}in {{ 1 + 1 }}{% endcall %}",
      "<b>in 2</b>");
    T("call_block_args",
      "{% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}"
      "{% endmacro %}{% set p = '-' %}{% call(item) each([1, 2]) %}"
      "{{ p }}{{ item }}{% endcall %}",
      "-1-2");
    T("test_block",
      "{% test positive(model, column_name) %}select * from {{ model }} where "
      "{{ column_name }} <= 0{% endtest %}{{ test_positive('t', 'c') }}",
      "select * from t where c <= 0");
    T("execute_true", "{{ execute }}", "True");
    T("exceptions_warn_log", "{{ exceptions.warn('w') }}{{ log('x', info=true) }}.", ".");
    T("err_macro_missing_arg", "{% macro f(a, b) %}{% endmacro %}{{ f(1) }}",
      "ERR: model 'm' line 1 column 37: macro 'f' is missing argument 'b'");
    T("err_macro_too_many", "{% macro f(a) %}{% endmacro %}{{ f(1, 2) }}",
      "ERR: model 'm' line 1 column 34: macro 'f' takes at most 1 argument (2 given)");
    T("err_macro_kw", "{% macro f(a) %}{% endmacro %}{{ f(b=1) }}",
      "ERR: model 'm' line 1 column 34: macro 'f' got an unexpected keyword argument 'b'");
    T("err_macro_kw_twice", "{% macro f(a) %}{% endmacro %}{{ f(1, a=1) }}",
      "ERR: model 'm' line 1 column 34: macro 'f' got multiple values for argument 'a'");
    T("err_in_macro_body", "{% macro f() %}\n  {{ nope }}{% endmacro %}{{ f() }}",
      "ERR: model 'm' line 2 column 6: unknown name 'nope' (called from model 'm' line 2 column "
      "30)");
    T("err_return_outside", "{{ return(1) }}",
      "ERR: model 'm' line 1 column 4: return() outside a macro");
    T("err_recursion_limit", "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
      "ERR: model 'm' line 1 column 19: macro calls nested more than 48 deep (called from model "
      "'m' line 1 column 19) (called from model 'm' line 1 column 42)");
    T("err_raise", "{{ exceptions.raise_compiler_error('bad ' ~ 1) }}",
      "ERR: model 'm' line 1 column 15: bad 1");
    T("err_call_not_macro", "{% call nothing() %}x{% endcall %}",
      "ERR: model 'm' line 1 column 9: {% call %} needs a macro, and 'nothing' is not one");
    T("err_call_not_call", "{% call x %}{% endcall %}",
      "ERR: model 'm' line 1 column 9: {% call %} needs a macro call, such as {% call m(x) %}");
    T("err_caller_escaped",
      "{% set ns = namespace() %}{% macro keep() %}{% set ns.c = caller %}"
      "{% endmacro %}{% call keep() %}x{% endcall %}{% set c = ns.c %}"
      "{{ c() }}",
      "ERR: model 'm' line 1 column 134: caller() of a {% call %} block that has ended cannot be "
      "called");
    T("err_macro_unclosed", "{% macro f() %}x",
      "ERR: model 'm' line 1 column 17: unexpected end of template: missing {% endmacro %} for "
      "{% macro %} opened at line 1 column 1");
    T("err_param_order", "{% macro f(a=1, b) %}{% endmacro %}",
      "ERR: model 'm' line 1 column 17: parameter without a default follows one with a default");
    T("err_param_dup", "{% macro f(a, a) %}{% endmacro %}",
      "ERR: model 'm' line 1 column 15: duplicate parameter 'a'");
}

static void test_library(void) {
    add(NULL, "cents_to_dollars", "column_name, scale=2",
        "({{ column_name }} / 100)::numeric(16, {{ scale }})");
    add(NULL, "with_ref", "m", "{{ ref(m) }}");
    add(NULL, "calls_pkg", "", "{{ util.shout('a') }}");
    add("util", "shout", "s", "{{ s | upper }}{{ helper() }}");
    add("util", "helper", "", "!");
    add(NULL, "helper", "", "?");
    add("util", "greet", "x", "{{ return(adapter.dispatch('greet', 'util')(x)) }}");
    add("util", "default__greet", "x", "hello {{ x }}");
    add(NULL, "rockset__greet", "x", "hi {{ x }} from rockset");
    add("util", "only_default", "", "{{ return(adapter.dispatch('od', 'util')()) }}");
    add("util", "default__od", "", "default od");
    add(NULL, "broken", "", "line one\n  {{ missing_name }}");
    add(NULL, "wrapper", "", "{{ broken() }}");
    add(NULL, "boxed", "", "[{{ caller() }}]");
    add(NULL, "this_name", "", "{{ this }}");
    g_env.macros = g_lib;
    T("lib_call", "select {{ cents_to_dollars('amount') }} as a, {{ cents_to_dollars('b', 4) }}",
      "select (amount / 100)::numeric(16, 2) as a, (b / 100)::numeric(16, 4)");
    T("lib_host_names", "{{ with_ref('orders') }} {{ this_name() }}", "ws.orders ws.me");
    T("lib_package_call", "{{ util.shout('x') }}", "X!");
    T("lib_package_from_project", "{{ calls_pkg() }}", "A!");
    T("lib_project_helper", "{{ helper() }}", "?");
    T("lib_dispatch_project_first", "{{ util.greet('bo') }}", "hi bo from rockset");
    T("lib_dispatch_default", "{{ util.only_default() }}", "default od");
    T("lib_dispatch_direct", "{{ adapter.dispatch('greet', macro_namespace='util')('al') }}",
      "hi al from rockset");
    T("lib_call_block", "{% call boxed() %}in{% endcall %}", "[in]");
    T("template_shadows_library", "{% macro helper() %}T{% endmacro %}{{ helper() }}", "T");
    T("err_lib_unknown", "{{ cents_to_dolars('a') }}",
      "ERR: model 'm' line 1 column 4: unknown function 'cents_to_dolars'");
    T("err_lib_package_unknown_macro", "{{ util.nope() }}",
      "ERR: model 'm' line 1 column 9: package 'util' has no macro 'nope'");
    T("err_lib_body_position", "{{ wrapper() }}",
      "ERR: macro 'broken' line 2 column 6: unknown name 'missing_name' (called from macro "
      "'wrapper' line 1 column 4) (called from model 'm' line 1 column 4)");
    T("err_dispatch_none", "{{ adapter.dispatch('zz', 'util')() }}",
      "ERR: model 'm' line 1 column 12: adapter.dispatch('zz'): no macro rockset__zz or "
      "default__zz in the project or package 'util'");
    T("err_adapter_method", "{{ adapter.drop_relation('x') }}",
      "ERR: model 'm' line 1 column 12: adapter.drop_relation() is not supported");
    T("err_not_callable_result", "{{ util.shout('a')() }}",
      "ERR: model 'm' line 1 column 19: string is not callable");
}

static void test_library_errors(void) {
    rs_err err;
    int rc;

    rc = rs_tpl_macros_add(g_lib, NULL, "bad name", "", "", &err);
    CHECK_STR("add_bad_name", err.msg, "macro 'bad name': names must be identifiers");
    CHECK("add_bad_name_rc", rc == RS_EINVAL);
    rc = rs_tpl_macros_add(g_lib, "p", "bad_args", "a,,", "", &err);
    CHECK("add_bad_args_rc", rc == RS_EINVAL);
    CHECK_STR("add_bad_args", err.msg,
              "macro 'p.bad_args' line 1 column 21: expected a parameter name but found ','");
    rc = rs_tpl_macros_add(g_lib, NULL, "bad_body", "", "{% if %}", &err);
    CHECK_STR("add_bad_body", err.msg,
              "macro 'bad_body' line 1 column 7: expected an expression but found '%}'");
}

/* A model that calls a macro that calls ref(): parse mode sees the ref. */
static void test_collect_through_macros(void) {
    const char *text = "select * from {{ with_ref('orders') }}";
    rs_tpl *t = NULL;
    rs_tpl_result res;
    rs_err err;
    int rc = rs_tpl_parse("m", text, strlen(text), &t, &err);

    if (rc == RS_OK)
        rc = rs_tpl_collect(t, &g_env, &res, &err);
    CHECK("collect_ok", rc == RS_OK);
    if (rc == RS_OK) {
        CHECK_INT("collect_n_refs", (long long)res.n_refs, 1);
        CHECK_STR("collect_ref", res.n_refs ? res.refs[0] : "", "orders");
        rs_tpl_result_free(&res);
    }
    rs_tpl_free(t);
}

static void test_macro_defs(void) {
    const char *file = "{# money #}\n{% macro cents_to_dollars(col, scale=2) -%}\n"
                       "  ({{ col }} / 100)\n{%- endmacro %}\n\n"
                       "{% test is_positive(model, column_name) %}select 1{% endtest %}\n"
                       "{% macro   spaced ( a ) %} x {% endmacro %}";
    rs_tpl_macro_def *defs = NULL;
    size_t n = 0;
    rs_err err;
    int rc = rs_tpl_macro_defs("macros/money.sql", file, strlen(file), &defs, &n, &err);

    CHECK("defs_ok", rc == RS_OK);
    CHECK_INT("defs_n", (long long)n, 3);
    if (rc == RS_OK && n == 3) {
        CHECK_STR("def0_name", defs[0].name, "cents_to_dollars");
        CHECK_STR("def0_args", defs[0].args, "col, scale=2");
        CHECK_STR("def0_body", defs[0].body, "({{ col }} / 100)");
        CHECK_INT("def0_line", defs[0].line, 2);
        CHECK_INT("def0_test", defs[0].is_test, 0);
        CHECK_STR("def1_name", defs[1].name, "is_positive");
        CHECK_INT("def1_test", defs[1].is_test, 1);
        CHECK_STR("def1_body", defs[1].body, "select 1");
        CHECK_STR("def2_args", defs[2].args, " a ");
        CHECK_STR("def2_body", defs[2].body, " x ");
    }
    rs_tpl_macro_defs_free(defs, n);
    rc = rs_tpl_macro_defs("macros/bad.sql", "{% macro x( %}", 14, &defs, &n, &err);
    CHECK_STR("defs_error", err.msg,
              "file 'macros/bad.sql' line 1 column 13: expected a parameter name but found '%}'");
}

/* The built-in dbt package, exact Rockset SQL; a project's rockset__x replaces dbt's. */
static void test_dbt_package(void) {
    T("dbt_date_trunc", "{{ dbt.date_trunc('month', 'created_at') }}",
      "DATE_TRUNC('month', created_at)");
    T("dbt_dateadd", "{{ dbt.dateadd(datepart='day', interval=7, from_date_or_timestamp='d') }}",
      "DATE_ADD('day', 7, d)");
    T("dbt_datediff", "{{ dbt.datediff('a', 'b', 'hour') }}", "DATE_DIFF('hour', a, b)");
    T("dbt_current_timestamp", "{{ dbt.current_timestamp() }}", "CURRENT_TIMESTAMP()");
    T("dbt_types",
      "{{ dbt.type_string() }} {{ dbt.type_int() }} {{ dbt.type_bigint() }} "
      "{{ dbt.type_float() }} {{ dbt.type_numeric() }} {{ dbt.type_timestamp() }} "
      "{{ dbt.type_boolean() }}",
      "string int int float float timestamp bool");
    T("dbt_casts", "{{ dbt.safe_cast('x', dbt.type_int()) }} {{ dbt.cast_bool_to_text('b') }}",
      "TRY_CAST(x AS int) CAST(b AS string)");
    T("dbt_concat_hash", "{{ dbt.concat(['a', \"'-'\", 'b']) }} {{ dbt.hash('id') }}",
      "CONCAT(a, '-', b) TO_HEX(MD5(CAST(id AS string)))");
    T("dbt_split_part", "{{ dbt.split_part('path', \"'/'\", -1) }}",
      "ELEMENT_AT(SPLIT(path, '/'), -1)");
    T("dbt_strings",
      "{{ dbt.replace('s', \"'a'\", \"'b'\") }} {{ dbt.length('s') }} "
      "{{ dbt.position(\"'x'\", 's') }} {{ dbt.string_literal(\"it's\") }}",
      "REPLACE(s, 'a', 'b') LENGTH(s) STRPOS(s, 'x') 'it''s'");
    T("dbt_aggregates",
      "{{ dbt.any_value('x') }} {{ dbt.bool_or('ok') }} {{ dbt.listagg('name') }}"
      " {{ dbt.listagg('name', \"', '\", 'ORDER BY name', 3) }}",
      "ARBITRARY(x) BOOL_OR(ok) ARRAY_JOIN(ARRAY_AGG(name), ',') "
      "ARRAY_JOIN(ARRAY_AGG(name ORDER BY name LIMIT 3), ', ')");
    T("dbt_date_spine", "{{ dbt.date_spine('day', \"DATE '2024-01-01'\", \"DATE '2024-01-04'\") }}",
      "SELECT DATE_ADD('day', spine.n, DATE '2024-01-01') AS date_day\n"
      "FROM UNNEST(SEQUENCE(0, DATE_DIFF('day', DATE '2024-01-01', DATE '2024-01-04') - 1, 1) AS "
      "n) "
      "AS spine");
    T("dbt_bare_name", "{{ date_trunc('day', 't') }} {{ except() }}",
      "DATE_TRUNC('day', t) EXCEPT");
    add(NULL, "rockset__hash", "field", "XXHASH64({{ field }})");
    T("dbt_project_override", "{{ dbt.hash('id') }}", "XXHASH64(id)");
    T("err_dbt_unknown", "{{ dbt.nope() }}",
      "ERR: model 'm' line 1 column 8: package 'dbt' has no macro 'nope'");
    T("err_dbt_missing_arg", "{{ dbt.date_trunc('day') }}",
      "ERR: model 'm' line 1 column 8: macro 'dbt.date_trunc' is missing argument 'date'");
}

int main(void) {
    rs_err err;

    test_template_macros();
    if (rs_tpl_macros_new(&g_lib, &err) != RS_OK)
        return 1;
    test_library();
    test_library_errors();
    test_collect_through_macros();
    test_macro_defs();
    test_dbt_package();
    rs_tpl_macros_free(g_lib);
    TEST_DONE();
}
