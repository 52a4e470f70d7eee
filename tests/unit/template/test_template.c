/* test_template.c - unit tests of the model template compiler (src/template.h). */
#include "template/template.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

/* ---- a host like the extension's: target, this, ref, source, var, env_var, is_incremental ---- */

typedef struct test_host {
    int incremental;
    int n_ref_calls;
} test_host;

static int make_str(rs_tpl_value *out, const char *s) {
    return rs_tpl_string(out, s, strlen(s));
}

static int dict_str(rs_tpl_value *d, const char *key, const char *s) {
    rs_tpl_value v;
    int rc = make_str(&v, s);
    return rc ? rc : rs_tpl_dict_set(d, key, v);
}

static int host_lookup(void *ctx, const char *name, rs_tpl_value *out, rs_err *err) {
    rs_tpl_value d;
    int rc;

    (void)ctx;
    if (strcmp(name, "target") == 0) {
        rc = rs_tpl_dict(&d);
        rc = rc ? rc : dict_str(&d, "name", "dev");
        rc = rc ? rc : dict_str(&d, "workspace", "analytics");
        rc = rc ? rc : rs_tpl_dict_set(&d, "threads", rs_tpl_int(4));
    } else if (strcmp(name, "this") == 0) {
        rc = rs_tpl_dict(&d);
        rc = rc ? rc : dict_str(&d, "name", "customer_totals");
        rc = rc ? rc : dict_str(&d, "workspace", "analytics");
        rc = rc ? rc : rs_tpl_dict_set_display(&d, "analytics.customer_totals");
    } else if (strcmp(name, "broken") == 0) {
        return rs_err_set(err, RS_EIO, "lookup of broken failed");
    } else {
        return RS_ENOTFOUND;
    }
    if (rc) {
        rs_tpl_value_free(&d);
        return rc;
    }
    *out = d;
    return RS_OK;
}

static int call_ref(test_host *h, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    const char *m;
    char buf[128];

    if (rs_tpl_args_check(args, "ref", 1, 2, err) ||
        rs_tpl_args_string(args, args->n_pos - 1, "ref", &m, err))
        return RS_EINVAL;
    if (strcmp(m, "missing") == 0)
        return rs_err_set(err, RS_ENOTFOUND, "ref() names model 'missing', which does not exist");
    h->n_ref_calls++;
    snprintf(buf, sizeof(buf), "analytics.%s", m);
    return make_str(out, buf);
}

static int call_var(const char *fname, const rs_tpl_args *args, rs_tpl_value *out, rs_err *err) {
    const char *name;

    if (rs_tpl_args_check(args, fname, 1, 2, err) || rs_tpl_args_string(args, 0, fname, &name, err))
        return RS_EINVAL;
    if (strcmp(fname, "var") == 0 && strcmp(name, "days") == 0) {
        *out = rs_tpl_int(7);
        return RS_OK;
    }
    if (strcmp(fname, "var") == 0 && strcmp(name, "regions") == 0) {
        rs_tpl_value list, s;
        int rc = rs_tpl_list(&list);
        rc = rc ? rc : make_str(&s, "eu");
        rc = rc ? rc : rs_tpl_list_append(&list, s);
        rc = rc ? rc : make_str(&s, "us");
        rc = rc ? rc : rs_tpl_list_append(&list, s);
        *out = list;
        return rc;
    }
    if (strcmp(fname, "env_var") == 0 && strcmp(name, "RS_HOME") == 0)
        return make_str(out, "/home/rs");
    if (args->n_pos == 2) {
        *out = rs_tpl_value_copy(&args->pos[1]);
        return RS_OK;
    }
    return rs_err_set(err, RS_EINVAL, "%s '%s' is not set and has no default",
                      strcmp(fname, "var") == 0 ? "var" : "environment variable", name);
}

static int host_call(void *ctx, const char *name, const rs_tpl_args *args, rs_tpl_value *out,
                     rs_err *err) {
    test_host *h = ctx;

    if (strcmp(name, "ref") == 0)
        return call_ref(h, args, out, err);
    if (strcmp(name, "source") == 0) {
        const char *s, *t;
        char buf[128];
        if (rs_tpl_args_check(args, "source", 2, 2, err) ||
            rs_tpl_args_string(args, 0, "source", &s, err) ||
            rs_tpl_args_string(args, 1, "source", &t, err))
            return RS_EINVAL;
        snprintf(buf, sizeof(buf), "raw_%s.%s", s, t);
        return make_str(out, buf);
    }
    if (strcmp(name, "var") == 0 || strcmp(name, "env_var") == 0)
        return call_var(name, args, out, err);
    if (strcmp(name, "is_incremental") == 0) {
        if (rs_tpl_args_check(args, name, 0, 0, err))
            return RS_EINVAL;
        *out = rs_tpl_bool(h->incremental);
        return RS_OK;
    }
    if (strcmp(name, "boom") == 0)
        return rs_err_set(err, RS_EIO, "disk on fire");
    return RS_ENOTFOUND;
}

static test_host g_host;
static rs_tpl_env g_env = {&g_host, host_lookup, host_call, 0, 0, NULL};

/* Render with the test host: the text, or "ERR: <message>"; the caller frees. */
static char *render_env(const char *model, const char *text, const rs_tpl_env *env) {
    rs_tpl *t = NULL;
    rs_tpl_result res;
    rs_err err;
    char *out;
    int rc;

    rs_err_clear(&err);
    rc = rs_tpl_parse(model, text, strlen(text), &t, &err);
    if (rc == RS_OK) {
        rc = rs_tpl_render(t, env, &res, &err);
        rs_tpl_free(t);
    }
    if (rc != RS_OK) {
        out = malloc(strlen(err.msg) + 6);
        if (out)
            sprintf(out, "ERR: %s", err.msg);
        return out;
    }
    out = res.text;
    res.text = NULL;
    rs_tpl_result_free(&res);
    return out;
}

#define T(name, text, want)                             \
    do {                                                \
        char *tl_out = render_env("m", (text), &g_env); \
        CHECK_STR(name, tl_out, want);                  \
        free(tl_out);                                   \
    } while (0)

#define TM(name, model, text, want)                         \
    do {                                                    \
        char *tl_out = render_env((model), (text), &g_env); \
        CHECK_STR(name, tl_out, want);                      \
        free(tl_out);                                       \
    } while (0)

static void test_text_and_output(void) {
    T("plain_text", "select 1 from t", "select 1 from t");
    T("empty_template", "", "");
    T("output_int", "a {{ 42 }} b", "a 42 b");
    T("output_string_single", "{{ 'x' }}", "x");
    T("output_string_double", "{{ \"y\" }}", "y");
    T("output_none", "{{ none }}|{{ None }}", "None|None");
    T("output_bools", "{{ true }} {{ False }} {{ True }} {{ false }}", "True False True False");
    T("output_negative", "{{ -5 }} {{ +3 }} {{ - -2 }}", "-5 3 2");
    T("string_escapes", "{{ 'it\\'s' }}|{{ \"a\\\"b\" }}|{{ 'x\\ny' }}|{{ 'c:\\\\d' }}",
      "it's|a\"b|x\ny|c:\\d");
    T("string_unknown_escape_kept", "{{ '\\d+' }}", "\\d+");
    T("lone_brace_is_text", "a { b } {x} }}", "a { b } {x} }}");
    T("trailing_newline_kept", "x\n", "x\n");
    T("multiline_string_literal", "{{ 'a\nb' }}", "a\nb");
}

static void test_numbers(void) {
    T("float_simple", "{{ 2.5 }} {{ 1.0 }} {{ 0.1 }} {{ 100.0 }}", "2.5 1.0 0.1 100.0");
    T("float_third", "{{ 1 / 3 }}", "0.3333333333333333");
    T("float_big_and_small", "{{ 1e16 }} {{ 1e15 }} {{ 1e-5 }} {{ 0.0001 }} {{ 1.5e300 }}",
      "1e+16 1000000000000000.0 1e-05 0.0001 1.5e+300");
    T("float_negative_zero", "{{ -0.0 }} {{ -2.75 }}", "-0.0 -2.75");
    T("int_division_is_float", "{{ 6 / 3 }} {{ 7 / 2 }}", "2.0 3.5");
    T("floor_division", "{{ 7 // 2 }} {{ -7 // 2 }} {{ 7.5 // 2 }}", "3 -4 3.0");
    T("modulo_python", "{{ 7 % 3 }} {{ -7 % 3 }} {{ 7 % -3 }} {{ 5.5 % 2 }}", "1 2 -2 1.5");
    T("arith_precedence", "{{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 10 - 2 - 3 }}", "7 9 5");
    T("int_float_mix", "{{ 1 + 0.5 }} {{ 2 * 1.5 }}", "1.5 3.0");
    T("bool_arith", "{{ true + 1 }}", "2");
    T("int_max", "{{ 9223372036854775807 }}", "9223372036854775807");
    T("err_int_overflow", "{{ 9223372036854775807 + 1 }}",
      "ERR: model 'm' line 1 column 24: integer overflow");
    T("err_int_literal_too_large", "{{ 9223372036854775808 }}",
      "ERR: model 'm' line 1 column 4: integer literal too large");
    T("err_division_by_zero", "{{ 1 / 0 }}", "ERR: model 'm' line 1 column 6: division by zero");
    T("err_modulo_by_zero", "{{ 1 % 0 }}", "ERR: model 'm' line 1 column 6: division by zero");
    T("string_repeat", "{{ 'ab' * 3 }}|{{ 2 * 'x' }}|{{ 'q' * 0 }}", "ababab|xx|");
}

static void test_operators(void) {
    T("concat_tilde", "{{ 'a' ~ 1 ~ none ~ true }}", "a1NoneTrue");
    T("concat_binds_tighter_than_plus", "{{ 'n=' ~ 1 + 2 }}",
      "ERR: model 'm' line 1 column 13: unsupported operand types for +: 'string' and 'int'");
    T("string_plus", "{{ 'a' + 'b' }}", "ab");
    T("list_plus", "{{ [1] + [2, 'x'] }}", "[1, 2, 'x']");
    T("comparisons", "{{ 1 < 2 }}{{ 2 <= 2 }}{{ 3 > 4 }}{{ 3 >= 4 }}{{ 1 == 1.0 }}{{ 'a' != 'b' }}",
      "TrueTrueFalseFalseTrueTrue");
    T("string_compare", "{{ 'abc' < 'abd' }}{{ 'ab' < 'abc' }}{{ 'b' > 'abc' }}", "TrueTrueTrue");
    T("eq_mixed_types", "{{ 1 == '1' }}{{ none == none }}{{ [1, 2] == [1, 2] }}{{ true == 1 }}",
      "FalseTrueTrueTrue");
    T("in_list", "{{ 2 in [1, 2] }}{{ 3 in [1, 2] }}{{ 3 not in [1, 2] }}", "TrueFalseTrue");
    T("in_string", "{{ 'ell' in 'hello' }}{{ 'z' not in 'hello' }}", "TrueTrue");
    T("in_dict", "{{ 'name' in target }}{{ 'nope' in target }}", "TrueFalse");
    T("and_or_values", "{{ 0 or 'x' }}|{{ 1 and 'y' }}|{{ '' and 'z' }}|{{ none or none }}",
      "x|y||None");
    T("not_precedence", "{{ not 1 == 2 }}{{ not true and false }}{{ not (true and false) }}",
      "TrueFalseTrue");
    T("or_short_circuit", "{{ true or undefined_name }}", "True");
    T("and_short_circuit", "{{ false and undefined_name }}", "False");
    T("cond_expr", "{{ 'yes' if 1 else 'no' }}|{{ 'yes' if 0 else 'no' }}|{{ 'y' if 0 }}|",
      "yes|no||");
    T("truthiness",
      "{% if '' %}a{% endif %}{% if [] %}b{% endif %}{% if 0.0 %}c{% endif %}"
      "{% if none %}d{% endif %}{% if 'x' %}e{% endif %}{% if [0] %}f{% endif %}",
      "ef");
    T("err_chained_comparison", "{{ 1 < 2 < 3 }}",
      "ERR: model 'm' line 1 column 10: chained comparisons are not supported; combine them with "
      "'and'");
    T("err_compare_types", "{{ 'a' < 1 }}",
      "ERR: model 'm' line 1 column 8: '<' not supported between string and int");
    T("err_unary_minus_string", "{{ -'a' }}",
      "ERR: model 'm' line 1 column 4: bad operand type for unary -: 'string'");
    T("err_in_int", "{{ 1 in 2 }}",
      "ERR: model 'm' line 1 column 6: 'in' not supported between int and int");
}

static void test_lists_dicts(void) {
    T("list_repr", "{{ ['a', \"b'\", 1, none, 2.5, true] }}", "['a', \"b'\", 1, None, 2.5, True]");
    T("dict_repr", "{{ {'k': 'v', 'n': [1]} }}", "{'k': 'v', 'n': [1]}");
    T("index_list", "{{ [10, 20, 30][1] }} {{ [10, 20, 30][-1] }}", "20 30");
    T("index_dict", "{{ {'a': 1}['a'] }}", "1");
    T("trailing_comma", "{{ [1, 2,] }}", "[1, 2]");
    T("err_index_range", "{{ [1][5] }}",
      "ERR: model 'm' line 1 column 7: list index 5 out of range");
    T("err_key_missing", "{{ {'a': 1}['z'] }}",
      "ERR: model 'm' line 1 column 12: key 'z' not found");
    T("err_dict_key_type", "{{ {1: 2} }}",
      "ERR: model 'm' line 1 column 5: dict keys must be strings, not int");
}

static void test_if(void) {
    T("if_true", "{% if true %}yes{% endif %}", "yes");
    T("if_false", "{% if false %}yes{% endif %}", "");
    T("if_else", "{% if 0 %}a{% else %}b{% endif %}", "b");
    T("elif_chain",
      "{% for n in [1, 2, 3] %}{% if n == 1 %}one{% elif n == 2 %}two{% else %}many{% endif %} "
      "{% endfor %}",
      "one two many ");
    T("nested_if",
      "{% if true %}a{% if false %}b{% elif true %}c{% if 1 %}d{% endif %}{% endif %}e{% endif %}",
      "acde");
    T("if_incremental_false", "x{% if is_incremental() %} where t > 0{% endif %}", "x");
    g_host.incremental = 1;
    T("if_incremental_true", "x{% if is_incremental() %} where t > 0{% endif %}", "x where t > 0");
    g_host.incremental = 0;
}

static void test_for(void) {
    T("for_list", "{% for x in ['a', 'b', 'c'] %}{{ x }}{% endfor %}", "abc");
    T("for_loop_vars",
      "{% for x in [5, 6, 7] %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}"
      "{{ loop.length }};{% endfor %}",
      "10TrueFalse3;21FalseFalse3;32FalseTrue3;");
    T("for_revindex", "{% for x in [1, 2] %}{{ loop.revindex }}{{ loop.revindex0 }} {% endfor %}",
      "21 10 ");
    T("for_commas",
      "{% for c in ['a', 'b'] %}{{ c }}{% if not loop.last %}, {% endif %}{% endfor %}", "a, b");
    T("for_over_var",
      "{% for r in var('regions') %}'{{ r }}'{{ ',' if not loop.last }}{% endfor %}", "'eu','us'");
    T("for_over_set_list", "{% set cols = ['id', 'name'] %}{% for c in cols %}{{ c }} {% endfor %}",
      "id name ");
    T("for_over_dict_keys", "{% for k in {'a': 1, 'b': 2} %}{{ k }}{% endfor %}", "ab");
    T("for_over_string", "{% for ch in 'héj' %}[{{ ch }}]{% endfor %}", "[h][é][j]");
    T("for_range",
      "{% for i in range(3) %}{{ i }}{% endfor %}|{% for i in range(2, 8, 3) %}{{ i }}"
      "{% endfor %}|{% for i in range(3, 0, -1) %}{{ i }}{% endfor %}",
      "012|25|321");
    T("for_else_empty", "{% for x in [] %}{{ x }}{% else %}none{% endfor %}", "none");
    T("for_else_not_empty", "{% for x in [1] %}{{ x }}{% else %}none{% endfor %}", "1");
    T("nested_for_loop_shadow",
      "{% for a in [1, 2] %}{% for b in ['x', 'y'] %}{{ a }}{{ b }}{{ loop.index }} {% endfor %}"
      "{{ loop.index }}|{% endfor %}",
      "1x1 1y2 1|2x1 2y2 2|");
    T("set_inside_for_scoped",
      "{% set total = 'outer' %}{% for i in [1, 2] %}{% set total = i * 10 %}{{ total }} "
      "{% endfor %}{{ total }}",
      "10 20 outer");
    T("set_inside_for_visible_in_if",
      "{% for i in [1, 2] %}{% set sq = i * i %}{% if sq > 1 %}{{ sq }}{% endif %}{% endfor %}",
      "4");
    /* after the loop its variable is undefined, as in Jinja (it renders as nothing) */
    T("loop_var_gone_after_loop", "{% for i in [1] %}{% endfor %}[{{ i }}]", "[]");
    T("err_iterate_int", "{% for x in 5 %}{% endfor %}",
      "ERR: model 'm' line 1 column 13: cannot iterate over int");
    T("err_range_step", "{{ range(1, 2, 0) }}",
      "ERR: model 'm' line 1 column 4: range() step must not be zero");
    T("err_range_type", "{{ range('a') }}",
      "ERR: model 'm' line 1 column 4: range() argument 1 must be an int, not string");
    T("err_range_large", "{{ range(2000000) }}",
      "ERR: model 'm' line 1 column 4: range() too large (more than 1000000 items)");
}

static void test_set(void) {
    T("set_and_use", "{% set x = 1 + 1 %}{{ x }}", "2");
    T("set_reassign", "{% set x = 'a' %}{% set x = x ~ 'b' %}{{ x }}", "ab");
    T("set_shadows_host", "{% set target = 'mine' %}{{ target }}", "mine");
    T("set_in_if_leaks", "{% if true %}{% set y = 3 %}{% endif %}{{ y }}", "3");
}

static void test_whitespace(void) {
    T("ws_strip_before_block", "a\n  {%- if true %}b{% endif %}", "ab");
    T("ws_strip_after_block", "{% if true -%}\n  b\n{%- endif %}", "b");
    T("ws_strip_var_both", "a  {{- 'x' -}}  \n b", "axb");
    T("ws_comment_plain", "a {# note #} b", "a  b");
    T("ws_comment_strip", "a {#- note -#} b", "ab");
    T("ws_comment_multiline", "a{# line1\nline2 #}b", "ab");
    T("ws_for_no_control", "{% for x in [1, 2] %}\n{{ x }}\n{% endfor %}", "\n1\n\n2\n");
    T("ws_for_strip", "{% for x in [1, 2] -%}\n{{ x }}\n{%- endfor %}", "12");
    T("ws_select_list",
      "SELECT\n  {%- for c in ['a', 'b'] %}\n  {{ c }}{{ ',' if not loop.last }}\n  {%- endfor %}"
      "\nFROM t",
      "SELECT\n  a,\n  b\nFROM t");
    T("ws_strip_only_up_to_text", "x \t\n{{- ' y ' }}", "x y ");
    T("ws_plus_is_noop", "a {%+ if true +%} b{% endif %}", "a  b");
    T("ws_strip_to_nothing", "   {{- 1 -}}   ", "1");
    T("ws_else_both_sides", "{% if false %}a{%- else -%}\n  b  \n{%- endif %}", "b");
    T("ws_strip_at_start", "  \n {{- 1 }}", "1");
    T("ws_dict_literal_in_output", "{{ {'a': {'b': 1}} }}", "{'a': {'b': 1}}");
    T("ws_set_strip", "a\n{%- set x = 1 -%}\nb", "ab");
}

static void test_filters(void) {
    T("filter_lower_upper", "{{ 'AbC' | lower }}{{ 'aBc' | upper }}{{ 5 | upper }}", "abcABC5");
    T("filter_trim", "[{{ '  a b \n' | trim }}]", "[a b]");
    T("filter_length", "{{ [1, 2, 3] | length }} {{ 'héj' | length }} {{ target | count }}",
      "3 3 3");
    T("filter_join", "{{ ['a', 'b', 1] | join(', ') }}|{{ [1, 2] | join }}", "a, b, 1|12");
    T("filter_default_unknown", "{{ nothing | default('dflt') }}", "dflt");
    T("filter_default_known", "{{ target.name | d('x') }}", "dev");
    T("filter_default_attr", "{{ target.schema | default(target.workspace) }}", "analytics");
    T("filter_default_boolean", "{{ '' | default('e', true) }}|{{ '' | default('e') }}|", "e||");
    T("filter_replace", "{{ 'a-b-c' | replace('-', '_') }} {{ 'aaa' | replace('a', 'b', 2) }}",
      "a_b_c bba");
    T("filter_chain", "{{ ' X ' | trim | lower ~ '!' }}", "x!");
    T("filter_int_float",
      "{{ '42' | int + 1 }} {{ 'x' | int }} {{ 'x' | int(-1) }} {{ '2.5' | float }}",
      "43 0 -1 2.5");
    T("filter_string_abs", "{{ (1 | string) ~ 2 }} {{ -3 | abs }} {{ (-3) | abs }}", "12 -3 3");
    T("filter_first_last", "{{ [1, 2, 3] | first }}{{ [1, 2, 3] | last }}", "13");
    T("err_filter_unknown", "{{ 'a' | lowr }}",
      "ERR: model 'm' line 1 column 10: unknown filter 'lowr'");
    T("err_filter_arity", "{{ [1] | join(',', 'a', 2) }}",
      "ERR: model 'm' line 1 column 10: filter 'join' takes at most 2 arguments (3 given)");
    T("err_filter_arity_range", "{{ 'a' | replace('a') }}",
      "ERR: model 'm' line 1 column 10: filter 'replace' takes 2 to 3 arguments (1 given)");
    T("err_filter_kwargs", "{{ [1] | join(x=',') }}",
      "ERR: model 'm' line 1 column 10: filter 'join' got an unexpected keyword argument 'x'");
    T("err_filter_join_type", "{{ 5 | join }}",
      "ERR: model 'm' line 1 column 8: join expects a list, not int");
}

static void test_tests(void) {
    T("test_defined", "{{ target is defined }}{{ nothing is defined }}{{ nothing is not defined }}",
      "TrueFalseTrue");
    T("test_none", "{{ none is none }}{{ 1 is none }}{{ 1 is not none }}", "TrueFalseTrue");
    T("test_types",
      "{{ 'a' is string }}{{ 1 is number }}{{ 1.5 is float }}{{ [] is sequence }}"
      "{{ target is mapping }}{{ 4 is even }}{{ 4 is odd }}",
      "TrueTrueTrueTrueTrueTrueFalse");
    T("err_test_unknown", "{{ 1 is fancy }}",
      "ERR: model 'm' line 1 column 9: unknown test 'fancy'");
}

static void test_host_functions(void) {
    T("ref_and_source", "select * from {{ ref('orders') }} join {{ source('shop', 'items') }}",
      "select * from analytics.orders join raw_shop.items");
    T("ref_two_args", "{{ ref('pkg', 'orders') }}", "analytics.orders");
    T("this_display_and_attrs", "{{ this }} {{ this.name }} {{ this.workspace }}",
      "analytics.customer_totals customer_totals analytics");
    T("target_attrs", "{{ target.name }}/{{ target.workspace }}/{{ target.threads }}",
      "dev/analytics/4");
    T("target_compare", "{% if target.name == 'dev' %}limit 10{% endif %}", "limit 10");
    T("var_and_default", "{{ var('days') }} {{ var('nope', 30) }} {{ var('nope', 'x') ~ 1 }}",
      "7 30 x1");
    T("var_arithmetic", "{{ var('days') * 24 }}", "168");
    T("env_var", "{{ env_var('RS_HOME') }} {{ env_var('NOPE', 'd') }}", "/home/rs d");
    T("config_renders_empty", "{{ config(materialized='table', unique_key='id') }}select 1",
      "select 1");
    T("function_in_expression", "{{ ref('a') ~ '_x' }}", "analytics.a_x");
    TM("err_unknown_function", "customer_totals", "select 1\nfrom y\njoin z on {{ reff('m') }}",
       "ERR: model 'customer_totals' line 3 column 14: unknown function 'reff'");
    T("err_unknown_name", "select {{ colums }}",
      "ERR: model 'm' line 1 column 11: unknown name 'colums'");
    T("err_unknown_attr", "{{ target.nam }}",
      "ERR: model 'm' line 1 column 11: 'target' has no attribute 'nam'");
    T("err_attr_of_string", "{{ 'a'.b }}",
      "ERR: model 'm' line 1 column 8: string has no attribute 'b'");
    T("err_ref_arg_count", "{{ ref() }}",
      "ERR: model 'm' line 1 column 4: ref() takes 1 or 2 arguments (0 given)");
    T("err_ref_arg_type", "{{ ref(1) }}",
      "ERR: model 'm' line 1 column 4: ref() argument 1 must be a string, not int");
    T("err_source_arg_count", "{{ source('a') }}",
      "ERR: model 'm' line 1 column 4: source() takes exactly 2 arguments (1 given)");
    T("err_var_kwarg", "{{ var('x', default=1) }}",
      "ERR: model 'm' line 1 column 4: var() got an unexpected keyword argument 'default'");
    T("err_var_missing", "\n  {{ var('nope') }}",
      "ERR: model 'm' line 2 column 6: var 'nope' is not set and has no default");
    T("err_host_error", "{{ boom() }}", "ERR: model 'm' line 1 column 4: disk on fire");
    T("err_host_lookup_error", "{{ broken }}",
      "ERR: model 'm' line 1 column 4: lookup of broken failed");
    T("err_ref_missing_model", "{{ ref('missing') }}",
      "ERR: model 'm' line 1 column 4: ref() names model 'missing', which does not exist");
    T("err_config_positional", "{{ config('table') }}",
      "ERR: model 'm' line 1 column 4: config() takes only keyword arguments");
    T("err_is_incremental_args", "{{ is_incremental(1) }}",
      "ERR: model 'm' line 1 column 4: is_incremental() takes exactly 0 arguments (1 given)");
    {
        char *out = render_env("m", "{{ ref('a') }}", NULL);
        CHECK_STR("err_no_env_unknown_function", out,
                  "ERR: model 'm' line 1 column 4: unknown function 'ref'");
        free(out);
        out = render_env("m", "{{ target }}", NULL);
        CHECK_STR("err_no_env_unknown_name", out,
                  "ERR: model 'm' line 1 column 4: unknown name 'target'");
        free(out);
    }
}

static void test_syntax_errors(void) {
    TM("err_missing_endif", "x", "select\n{% if true %}\nx",
       "ERR: model 'x' line 3 column 2: unexpected end of template: missing {% endif %} for "
       "{% if %} opened at line 2 column 1");
    T("err_missing_endfor", "{% for a in [1] %}{% if 1 %}{% endif %}",
      "ERR: model 'm' line 1 column 40: unexpected end of template: missing {% endfor %} for "
      "{% for %} opened at line 1 column 1");
    T("err_unclosed_var", "a {{ b", "ERR: model 'm' line 1 column 3: unclosed '{{'");
    T("err_unclosed_block", "a\n {% if", "ERR: model 'm' line 2 column 2: unclosed '{%'");
    T("err_unclosed_comment", "{# c", "ERR: model 'm' line 1 column 1: unclosed comment '{#'");
    T("err_unknown_tag", "{% for x in [1] %}{% endfo %}",
      "ERR: model 'm' line 1 column 22: unknown tag 'endfo'");
    T("err_stray_endif", "a{% endif %}", "ERR: model 'm' line 1 column 5: unexpected {% endif %}");
    T("err_endif_in_for", "{% for x in [1] %}{% endif %}",
      "ERR: model 'm' line 1 column 22: unexpected {% endif %} inside {% for %} opened at line 1 "
      "column 1");
    T("err_elif_after_else", "{% if 1 %}{% else %}{% elif 2 %}{% endif %}",
      "ERR: model 'm' line 1 column 24: unexpected {% elif %} inside {% if %} opened at line 1 "
      "column 1");
    T("err_expected_paren", "{{ (1 + 2 }}",
      "ERR: model 'm' line 1 column 11: expected ',' or ')' but found '}}'");
    T("err_expected_arg_sep", "{{ ref('a' 'b') }}",
      "ERR: model 'm' line 1 column 12: expected ',' or ')' but found a string");
    T("err_expected_var_end", "{{ a b }}",
      "ERR: model 'm' line 1 column 6: expected '}}' but found 'b'");
    T("err_expected_block_end", "{% if a b %}{% endif %}",
      "ERR: model 'm' line 1 column 9: expected '%}' but found 'b'");
    T("err_empty_output", "{{ }}",
      "ERR: model 'm' line 1 column 4: expected an expression but found '}}'");
    T("err_empty_tag", "{% %}",
      "ERR: model 'm' line 1 column 4: expected a tag name but found '%}'");
    T("err_for_in", "{% for x of y %}",
      "ERR: model 'm' line 1 column 10: expected 'in' but found 'of'");
    T("err_for_var", "{% for 1 in y %}",
      "ERR: model 'm' line 1 column 8: expected a loop variable name but found '1'");
    T("err_set_eq", "{% set x y %}", "ERR: model 'm' line 1 column 10: expected '=' but found 'y'");
    T("err_set_block_unclosed", "{% set x %}abc",
      "ERR: model 'm' line 1 column 15: unexpected end of template: missing {% endset %} for "
      "{% set %} opened at line 1 column 1");
    T("err_set_name", "{% set = 1 %}",
      "ERR: model 'm' line 1 column 8: expected a variable name but found '='");
    T("err_bad_char", "{{ a $ b }}", "ERR: model 'm' line 1 column 6: unexpected character '$'");
    T("err_bad_byte", "{{ \x01 }}", "ERR: model 'm' line 1 column 4: unexpected character '\\x01'");
    T("err_unterminated_string", "{{ 'abc }}",
      "ERR: model 'm' line 1 column 4: unterminated string literal");
    T("err_list_sep", "{{ [1 2] }}",
      "ERR: model 'm' line 1 column 7: expected ',' or ']' but found '2'");
    /* a.b(): a names no variable, so it is taken for a package that is not installed */
    T("err_call_unknown_base", "{{ a.b() }}",
      "ERR: model 'm' line 1 column 4: package 'a' is not installed: 'a.b' names a macro of it, "
      "and rockset_macros has none (put the package under dbt_packages/a, as dbt deps does, and "
      "import the project again)");
    T("err_attr_unknown_base", "{{ a.b }}", "ERR: model 'm' line 1 column 4: unknown name 'a'");
    T("err_call_value", "{{ (1)() }}", "ERR: model 'm' line 1 column 7: int is not callable");
    T("err_kwarg_order", "{{ config(a=1, 2) }}",
      "ERR: model 'm' line 1 column 16: positional argument follows keyword argument");
    T("err_attr_name", "{{ a.1 }}",
      "ERR: model 'm' line 1 column 6: expected an attribute name but found '1'");
    T("err_position_after_newlines", "line1\nline2\n   {{ 1 +* 2 }}",
      "ERR: model 'm' line 3 column 10: expected an expression but found '*'");
}

static void test_limits(void) {
    rs_tpl_env small = g_env;
    char deep[2000];
    char *out;
    size_t i;

    small.max_output = 10;
    out = render_env("m", "{{ 'x' * 5 }}{{ 'y' * 6 }}", &small);
    CHECK_STR("limit_output_exact", out,
              "ERR: model 'm' line 1 column 21: output too large (more than 10 bytes)");
    free(out);
    out = render_env("m", "0123456789{{ '' }}", &small);
    CHECK_STR("limit_output_at_edge_ok", out, "0123456789");
    free(out);
    out = render_env("m", "{% set s = 'abcdef' %}{{ s ~ s }}", &small);
    CHECK_STR("limit_string_concat", out,
              "ERR: model 'm' line 1 column 28: output too large (more than 10 bytes)");
    free(out);
    small.max_output = 0;
    small.max_steps = 100;
    out = render_env("m", "{% for i in range(50) %}{{ i }}{% endfor %}", &small);
    CHECK_STR(
        "limit_steps", out,
        "ERR: model 'm' line 1 column 28: template too expensive (more than 100 evaluation steps)");
    free(out);

    memset(deep, 0, sizeof(deep));
    strcpy(deep, "{{ ");
    for (i = 0; i < 200; i++)
        strcat(deep, "(");
    strcat(deep, " }}");
    out = render_env("m", deep, &g_env);
    CHECK_STR(
        "limit_nesting_parens", out,
        "ERR: model 'm' line 1 column 132: template nested too deeply (more than 128 levels)");
    free(out);
    deep[0] = '\0';
    for (i = 0; i < 130; i++)
        strcat(deep, "{% if 1 %}");
    out = render_env("m", deep, &g_env);
    CHECK("limit_nesting_blocks",
          out && strstr(out, "template nested too deeply (more than 128 levels)"));
    free(out);
    strcpy(deep, "{{ 1");
    for (i = 0; i < 150; i++)
        strcat(deep, "+1");
    strcat(deep, " }}");
    out = render_env("m", deep, &g_env);
    CHECK("limit_operator_chain", out && strstr(out, "template nested too deeply"));
    free(out);
    strcpy(deep, "{{ ");
    for (i = 0; i < 65; i++)
        strcat(deep, "[");
    for (i = 0; i < 65; i++)
        strcat(deep, "]");
    strcat(deep, " }}");
    out = render_env("m", deep, &g_env);
    CHECK_STR("limit_value_depth", out,
              "ERR: model 'm' line 1 column 5: value nested more than 64 levels deep or longer "
              "than 1000000 items");
    free(out);
    out = render_env("m", "{% set a = 'x' * 16000000 %}{% set b = a ~ a %}", &g_env);
    CHECK_STR("limit_default_string_size", out,
              "ERR: model 'm' line 1 column 42: output too large (more than 16777216 bytes)");
    free(out);
}

static void test_collect(void) {
    const char *model =
        "{{ config(materialized='incremental', unique_key='id', tags=['daily', 'core']) }}\n"
        "select * from {{ ref('orders') }} o join {{ source('shop', 'items') }} i\n"
        "{% if is_incremental() %} where o.ts > (select max(ts) from {{ this }})\n"
        "  and o.id in (select id from {{ ref('recent') }}){% endif %}\n"
        "{% for m in ['a', 'b'] %} union all select * from {{ ref(m) }}{% endfor %}"
        "{{ ref('orders') }}";
    rs_tpl *t = NULL;
    rs_tpl_result res;
    const rs_tpl_value *v;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_tpl_parse("inc", model, strlen(model), &t, &err);
    CHECK_INT("collect_parse_ok", rc, RS_OK);
    rc = rs_tpl_collect(t, NULL, &res, &err);
    CHECK_INT("collect_ok", rc, RS_OK);
    if (rc == RS_OK) {
        CHECK_STR("collect_text", res.text,
                  "\nselect * from orders o join shop.items i\n\n union all select * from a union "
                  "all select * from borders");
        CHECK_INT("collect_n_refs", res.n_refs, 4);
        CHECK("collect_refs_order", res.n_refs == 4 && strcmp(res.refs[0], "orders") == 0 &&
                                        strcmp(res.refs[1], "a") == 0 &&
                                        strcmp(res.refs[2], "b") == 0 &&
                                        strcmp(res.refs[3], "recent") == 0);
        CHECK("collect_sources", res.n_sources == 1 && strcmp(res.sources[0].source, "shop") == 0 &&
                                     strcmp(res.sources[0].table, "items") == 0);
        v = rs_tpl_dict_get(&res.config, "materialized");
        CHECK_STR("collect_config_materialized", rs_tpl_value_str(v, NULL), "incremental");
        v = rs_tpl_dict_get(&res.config, "unique_key");
        CHECK_STR("collect_config_unique_key", rs_tpl_value_str(v, NULL), "id");
        v = rs_tpl_dict_get(&res.config, "tags");
        CHECK("collect_config_tags",
              v && rs_tpl_value_len(v) == 2 &&
                  strcmp(rs_tpl_value_str(rs_tpl_list_get(v, 1), NULL), "core") == 0);
        CHECK_INT("collect_config_len", rs_tpl_value_len(&res.config), 3);
        rs_tpl_result_free(&res);
    }
    /* The real render: refs recorded too, incremental branch taken. */
    g_host.incremental = 1;
    rc = rs_tpl_render(t, &g_env, &res, &err);
    CHECK_INT("render_records_ok", rc, RS_OK);
    if (rc == RS_OK) {
        CHECK("render_records_refs", res.n_refs == 4 && strcmp(res.refs[1], "recent") == 0);
        CHECK("render_text_has_this",
              strstr(res.text, "max(ts) from analytics.customer_totals)") != NULL);
        CHECK_STR("render_config_too",
                  rs_tpl_value_str(rs_tpl_dict_get(&res.config, "unique_key"), NULL), "id");
        rs_tpl_result_free(&res);
    }
    g_host.incremental = 0;
    rs_tpl_free(t);
}

static void collect_text(const char *name, const char *text, const rs_tpl_env *env,
                         const char *want) {
    rs_tpl *t = NULL;
    rs_tpl_result res;
    rs_err err;
    int rc;

    rs_err_clear(&err);
    rc = rs_tpl_parse("c", text, strlen(text), &t, &err);
    if (rc == RS_OK)
        rc = rs_tpl_collect(t, env, &res, &err);
    rs_tpl_free(t);
    if (rc != RS_OK) {
        CHECK_STR(name, err.msg, want);
        return;
    }
    CHECK_STR(name, res.text, want);
    rs_tpl_result_free(&res);
}

/* Refs and sources of a collect, as "r1,r2;s.t,..." */
static void collect_deps(const char *name, const char *text, const char *want) {
    rs_tpl *t = NULL;
    rs_tpl_result res;
    rs_buf b = RS_BUF_INIT;
    rs_err err;
    size_t i;
    int rc;

    rs_err_clear(&err);
    rc = rs_tpl_parse("c", text, strlen(text), &t, &err);
    if (rc == RS_OK)
        rc = rs_tpl_collect(t, NULL, &res, &err);
    rs_tpl_free(t);
    if (rc != RS_OK) {
        CHECK_STR(name, err.msg, want);
        return;
    }
    for (i = 0; i < res.n_refs; i++)
        rs_buf_printf(&b, "%s%s", i ? "," : "", res.refs[i]);
    rs_buf_putc(&b, ';');
    for (i = 0; i < res.n_sources; i++)
        rs_buf_printf(&b, "%s%s.%s", i ? "," : "", res.sources[i].source, res.sources[i].table);
    CHECK_STR(name, rs_buf_cstr(&b), want);
    rs_buf_free(&b);
    rs_tpl_result_free(&res);
}

static void test_collect_modes(void) {
    collect_deps("deps_untaken_branch",
                 "{% if false %}{{ source('s', 't') }}{{ ref('p', 'q') }}{% endif %}{{ ref('a') }}",
                 "a,q;s.t");
    collect_deps("deps_dedup",
                 "{{ ref('a') }}{{ ref('a') }}{{ source('s', 't') }}{{ source('s', 't') }}",
                 "a;s.t");
    collect_deps("deps_dynamic_name_taken_branch_only",
                 "{% set m = 'x' %}{{ ref(m) }}{% if false %}{{ ref(m ~ 'y') }}{% endif %}", "x;");
    collect_deps("deps_none", "select 1", ";");
    collect_text("collect_undefined_renders_empty", "[{{ target.name }}][{{ var('x') }}]", NULL,
                 "[][]");
    collect_text("collect_undefined_falsy", "{% if var('flag') %}a{% else %}b{% endif %}", NULL,
                 "b");
    collect_text("collect_undefined_iterates_empty", "{% for x in var('l') %}x{% endfor %}.", NULL,
                 ".");
    collect_text("collect_with_env", "{{ target.name }} {{ var('days') }} {{ ref('q') }}", &g_env,
                 "dev 7 q");
    collect_text("collect_syntax_error_still_fails", "{{ ref('a') ", NULL,
                 "model 'c' line 1 column 1: unclosed '{{'");
    collect_text("collect_type_error_still_fails", "{{ 1 + 'a' }}", NULL,
                 "model 'c' line 1 column 6: unsupported operand types for +: 'int' and 'string'");
    collect_text("collect_ref_checked", "{{ ref(1) }}", NULL,
                 "model 'c' line 1 column 4: ref() argument 1 must be a string, not int");
    collect_text("collect_static_source_in_untaken_branch",
                 "{% if false %}{{ source('s', 't') }}{{ ref('p', 'q') }}{% endif %}x", NULL, "x");
    collect_text("collect_config_with_var", "{{ config(materialized=var('mat', 'view')) }}ok",
                 &g_env, "ok");
}

static void test_values_api(void) {
    rs_tpl_value l, d, s;
    rs_buf b = RS_BUF_INIT;
    rs_tpl_args args;
    rs_err err;
    int rc;

    rc = rs_tpl_list(&l);
    rc = rc ? rc : rs_tpl_list_append(&l, rs_tpl_int(1));
    rc = rc ? rc : rs_tpl_string(&s, "it's", 4);
    rc = rc ? rc : rs_tpl_list_append(&l, s);
    rc = rc ? rc : rs_tpl_list_append(&l, rs_tpl_float(0.5));
    CHECK_INT("value_list_build", rc, RS_OK);
    rs_tpl_value_render(&l, &b);
    CHECK_STR("value_list_render", rs_buf_cstr(&b), "[1, \"it's\", 0.5]");
    rs_buf_reset(&b);
    rc = rs_tpl_dict(&d);
    rc = rc ? rc : rs_tpl_dict_set(&d, "a", rs_tpl_value_copy(&l));
    rc = rc ? rc : rs_tpl_dict_set(&d, "a", rs_tpl_bool(0));
    CHECK_INT("value_dict_replace", rs_tpl_value_len(&d), 1);
    rs_tpl_value_render(&d, &b);
    CHECK_STR("value_dict_render", rs_buf_cstr(&b), "{'a': False}");
    CHECK_STR("value_dict_key", rs_tpl_dict_key(&d, 0), "a");
    CHECK("value_dict_get_missing", rs_tpl_dict_get(&d, "zz") == NULL);
    CHECK("value_list_get_oob", rs_tpl_list_get(&l, 3) == NULL);
    CHECK_STR("value_type_name", rs_tpl_type_name(RS_TPL_DICT), "dict");
    rs_tpl_value_free(&l);
    rs_tpl_value_free(&d);
    CHECK_INT("value_free_sets_none", l.type, RS_TPL_NONE);
    rs_tpl_value_free(NULL);
    rs_buf_free(&b);

    memset(&args, 0, sizeof(args));
    rs_err_clear(&err);
    CHECK_INT("args_check_ok", rs_tpl_args_check(&args, "f", 0, 2, &err), RS_OK);
    rs_tpl_args_check(&args, "g", 1, 3, &err);
    CHECK_STR("args_check_range_msg", err.msg, "g() takes from 1 to 3 arguments (0 given)");
    rs_tpl_args_check(&args, "h", 1, 1, &err);
    CHECK_STR("args_check_exact_msg", err.msg, "h() takes exactly 1 argument (0 given)");
}

static void test_json(void) {
    const char *doc = " {\"a\": [1, 9223372036854775807, -2.5e-7, \"x\\u00e9\\n\", null, true], "
                      "\"b\": {}, \"a\": 3, \"big\": 18446744073709551616} ";
    const char *list = "[1, 9223372036854775807, -2.5e-7, \"x\\u00e9\\n\", null, true]";
    rs_tpl_value v = rs_tpl_none();
    rs_buf b = RS_BUF_INIT;
    char deep[200];
    rs_err err;
    int rc, i;

    rs_err_clear(&err);
    rc = rs_tpl_value_from_json(doc, strlen(doc), &v, &err);
    CHECK_INT("json_parse_ok", rc, RS_OK);
    rs_tpl_value_to_json(&v, &b);
    CHECK_STR("json_roundtrip", rs_buf_cstr(&b),
              "{\"a\":3,\"b\":{},\"big\":1.8446744073709552e+19}");
    rs_buf_reset(&b);
    rs_tpl_value_free(&v);
    rc = rs_tpl_value_from_json(list, strlen(list), &v, &err);
    CHECK_INT("json_list_ok", rc, RS_OK);
    rs_tpl_value_to_json(&v, &b);
    CHECK_STR("json_list_exact_int", rs_buf_cstr(&b),
              "[1,9223372036854775807,-2.5e-07,\"x\u00e9\\n\",null,true]");
    rs_buf_reset(&b);
    rs_tpl_value_render(&v, &b);
    CHECK_STR("json_value_renders_python_style", rs_buf_cstr(&b),
              "[1, 9223372036854775807, -2.5e-07, 'x\u00e9\\n', None, True]");
    rs_buf_free(&b);
    rs_tpl_value_free(&v);
    rc = rs_tpl_value_from_json("[1,", 3, &v, &err);
    CHECK_INT("json_invalid_is_eparse", rc, RS_EPARSE);
    CHECK_INT("json_invalid_leaves_out", v.type, RS_TPL_NONE);
    for (i = 0; i < 65; i++)
        deep[i] = '[';
    for (i = 0; i < 65; i++)
        deep[65 + i] = ']';
    rc = rs_tpl_value_from_json(deep, 130, &v, &err);
    CHECK_STR("json_too_deep", rc == RS_EINVAL ? err.msg : "no error",
              "JSON nested more than 64 levels deep");
    rc = rs_tpl_value_from_json(deep + 1, 128, &v, &err);
    CHECK_INT("json_64_deep_ok", rc, RS_OK);
    rs_tpl_value_free(&v);
}

static void test_parse_api(void) {
    rs_tpl *t = NULL;
    rs_err err;
    char *out = NULL;
    int rc;

    rs_err_clear(&err);
    rc = rs_tpl_parse("len", "{{ 1 }}{{ 2 }}", 7, &t, &err);
    CHECK_INT("parse_len_limits_text", rc, RS_OK);
    CHECK_STR("template_model_name", t ? rs_tpl_model(t) : NULL, "len");
    rs_tpl_free(t);
    rs_tpl_free(NULL);
    rc = rs_tpl_parse("nul", "a\0b", 3, &t, &err);
    CHECK_INT("parse_text_with_nul", rc, RS_OK);
    rs_tpl_free(t);
    rc = rs_tpl_parse("e", "{% if %}", 8, &t, &err);
    CHECK_INT("parse_error_code", rc, RS_EINVAL);
    CHECK_INT("parse_error_line", err.line, 1);
    CHECK_INT("parse_error_column", err.column, 7);
    rc = rs_tpl_compile("c", "{{ 'a' ~ 'b' }}", NULL, &out, &err);
    CHECK_STR("compile_one_call", rc == RS_OK ? out : err.msg, "ab");
    free(out);
}

/* rs_tpl_value_from_json_scalar: numbers keep int vs float, containers are refused. */
static void test_json_scalars(void) {
    rs_tpl_value v;

    CHECK("json_scalar/int", rs_tpl_value_from_json_scalar(" 9007199254740993 ", 18, &v) == RS_OK &&
                                 v.type == RS_TPL_INT && v.u.i == 9007199254740993LL);
    CHECK("json_scalar/float", rs_tpl_value_from_json_scalar("2.5", 3, &v) == RS_OK &&
                                   v.type == RS_TPL_FLOAT && v.u.f == 2.5);
    CHECK("json_scalar/true",
          rs_tpl_value_from_json_scalar("true", 4, &v) == RS_OK && v.type == RS_TPL_BOOL && v.u.b);
    CHECK("json_scalar/null",
          rs_tpl_value_from_json_scalar("null", 4, &v) == RS_OK && v.type == RS_TPL_NONE);
    v.type = RS_TPL_INT;
    CHECK("json_scalar/string_refused",
          rs_tpl_value_from_json_scalar("\"x\"", 3, &v) == RS_EINVAL && v.type == RS_TPL_INT);
    CHECK("json_scalar/array_refused", rs_tpl_value_from_json_scalar("[1]", 3, &v) == RS_EINVAL);
}

int main(void) {
    test_json_scalars();
    test_text_and_output();
    test_numbers();
    test_operators();
    test_lists_dicts();
    test_if();
    test_for();
    test_set();
    test_whitespace();
    test_filters();
    test_tests();
    test_host_functions();
    test_syntax_errors();
    test_limits();
    test_collect();
    test_collect_modes();
    test_values_api();
    test_json();
    test_parse_api();
    TEST_DONE();
}
