/* test_jinja.c - the Jinja a macro body needs (src/template): methods, {% do %}, namespace(),
 * {% set %} blocks and attributes, unpacking, tuples, tests with arguments, loop helpers,
 * filters. Exact output and exact messages with positions. */
#include "template/template.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int host_lookup(void *ctx, const char *name, rs_tpl_value *out, rs_err *err) {
    rs_tpl_value d, s;
    int rc;

    (void)ctx;
    (void)err;
    if (strcmp(name, "target") != 0)
        return RS_ENOTFOUND;
    rc = rs_tpl_dict(&d);
    if (rc == RS_OK && (rc = rs_tpl_string(&s, "dev", 3)) == RS_OK)
        rc = rs_tpl_dict_set(&d, "name", s);
    if (rc != RS_OK) {
        rs_tpl_value_free(&d);
        return rc;
    }
    *out = d;
    return RS_OK;
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

static rs_tpl_env g_env = {NULL, host_lookup, host_call, 0, 0, NULL};

static char *render(const char *text) {
    rs_tpl *t = NULL;
    rs_tpl_result res;
    rs_err err;
    char *out;
    int rc;

    rs_err_clear(&err);
    rc = rs_tpl_parse("m", text, strlen(text), &t, &err);
    if (rc == RS_OK) {
        rc = rs_tpl_render(t, &g_env, &res, &err);
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

#define T(name, text, want)            \
    do {                               \
        char *tl_out = render(text);   \
        CHECK_STR(name, tl_out, want); \
        free(tl_out);                  \
    } while (0)

static void test_string_methods(void) {
    T("str_case",
      "{{ 'aB c'.upper() }}|{{ 'aB'.lower() }}|{{ 'hello wORLD'.title() }}|"
      "{{ 'hELLO'.capitalize() }}",
      "AB C|ab|Hello World|Hello");
    T("str_strip",
      "[{{ '  x  '.strip() }}][{{ '  x '.lstrip() }}][{{ ' x  '.rstrip() }}]"
      "[{{ 'xxaxx'.strip('x') }}]",
      "[x][x ][ x][a]");
    T("str_split",
      "{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a.b.c'.split('.', 1) }}"
      "|{{ 'a b c'.split(maxsplit=1) }}",
      "['a', 'b', '', 'c']|['a', 'b']|['a', 'b.c']|['a', 'b c']");
    T("str_replace", "{{ 'a-b-c'.replace('-', '_') }}|{{ 'aaa'.replace('a', 'b', 2) }}",
      "a_b_c|bba");
    T("str_affix",
      "{{ 'orders'.startswith('ord') }}{{ 'orders'.endswith('x') }}"
      "{{ 'stg_x'.startswith(['raw_', 'stg_']) }}",
      "TrueFalseTrue");
    T("str_format",
      "{{ '{} = {}'.format('a', 1) }}|{{ '{1}{0}'.format('x', 'y') }}|"
      "{{ '{n}!'.format(n=3) }}|{{ '{{}}'.format() }}",
      "a = 1|yx|3!|{}");
    T("str_join", "{{ ', '.join(['a', 'b', 3]) }}", "a, b, 3");
    T("str_find_count",
      "{{ 'banana'.find('an') }} {{ 'banana'.find('x') }} "
      "{{ 'banana'.count('a') }}",
      "1 -1 3");
    T("err_str_method_unknown", "{{ 'a'.shout() }}",
      "ERR: model 'm' line 1 column 8: string has no method 'shout'");
    T("err_str_method_arity", "{{ 'a'.split(',', 1, 2) }}",
      "ERR: model 'm' line 1 column 8: split() takes at most 2 arguments (3 given)");
    T("err_str_method_kw", "{{ 'a'.split(sepp=',') }}",
      "ERR: model 'm' line 1 column 8: split() got an unexpected keyword argument 'sepp'");
    T("err_str_method_missing", "{{ 'a'.replace('a') }}",
      "ERR: model 'm' line 1 column 8: replace() missing required argument 'new'");
    T("err_str_format_spec", "{{ '{:>3}'.format(1) }}",
      "ERR: model 'm' line 1 column 12: format() specs and conversions are not supported: "
      "'{:>3}'");
    T("err_int_method", "{{ (3).upper() }}",
      "ERR: model 'm' line 1 column 8: int has no method 'upper'");
}

static void test_list_dict_methods(void) {
    T("list_append", "{% set l = [] %}{% do l.append(1) %}{% do l.append('x') %}{{ l }}",
      "[1, 'x']");
    T("list_extend_insert",
      "{% set l = [1] %}{% do l.extend([2, 3]) %}{% do l.insert(0, 0) %}"
      "{% do l.insert(-1, 9) %}{{ l }}",
      "[0, 1, 2, 9, 3]");
    T("list_pop_remove",
      "{% set l = [1, 2, 3, 2] %}{{ l.pop() }}{{ l.pop(0) }}"
      "{% do l.remove(2) %}{{ l }}",
      "21[3]");
    T("list_index_count", "{% set l = ['a', 'b', 'a'] %}{{ l.index('b') }}{{ l.count('a') }}",
      "12");
    T("list_copy_on_write", "{% set a = [1] %}{% set b = a %}{% do a.append(2) %}{{ a }} {{ b }}",
      "[1, 2] [1]");
    T("list_append_in_loop",
      "{% set l = [] %}{% for x in [1, 2] %}{% do l.append(x * 10) %}"
      "{% endfor %}{{ l }}",
      "[10, 20]");
    T("list_append_self", "{% set l = [1] %}{% do l.append(l) %}{{ l }}", "[1, [1]]");
    T("list_append_temp", "{{ [1].append(2) }}", "None");
    T("dict_views", "{% set d = {'a': 1, 'b': 2} %}{{ d.keys() }}{{ d.values() }}{{ d.items() }}",
      "['a', 'b'][1, 2][['a', 1], ['b', 2]]");
    T("dict_get", "{% set d = {'a': 1} %}{{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }}",
      "1 None 0");
    T("dict_update", "{% set d = {'a': 1} %}{% do d.update({'b': 2}, c=3) %}{{ d }}",
      "{'a': 1, 'b': 2, 'c': 3}");
    T("dict_pop_setdefault",
      "{% set d = {'a': 1} %}{{ d.pop('a') }}{{ d.setdefault('k', 5) }}"
      "{{ d }}",
      "15{'k': 5}");
    T("dict_member_append",
      "{% set d = {'cols': []} %}{% do d.cols.append('x') %}"
      "{% do d['cols'].append('y') %}{{ d }}",
      "{'cols': ['x', 'y']}");
    T("items_unpack", "{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }};{% endfor %}",
      "a=1;b=2;");
    T("err_list_index_missing", "{{ [1].index(5) }}",
      "ERR: model 'm' line 1 column 8: index(): item not in list");
    T("err_pop_empty", "{% set l = [] %}{{ l.pop() }}",
      "ERR: model 'm' line 1 column 22: pop() from an empty list");
    T("err_dict_pop_missing", "{% set d = {} %}{{ d.pop('x') }}",
      "ERR: model 'm' line 1 column 22: key 'x' not found");
    T("err_nested_change", "{% set d = {'a': {'b': []}} %}{% do d.a.b.append(1) %}",
      "ERR: model 'm' line 1 column 43: append() can change a variable or one member of it, not "
      "a value nested deeper: {% set %} it into a variable first");
}

static void test_statements(void) {
    T("do_discards", "a{% do [1, 2] %}b", "ab");
    T("namespace",
      "{% set ns = namespace(n=0, found=false) %}{% for x in [1, 2, 3] %}"
      "{% set ns.n = ns.n + x %}{% if x == 2 %}{% set ns.found = true %}{% endif %}"
      "{% endfor %}{{ ns.n }} {{ ns.found }}",
      "6 True");
    T("namespace_new_attr", "{% set ns = namespace() %}{% set ns.x = 'y' %}{{ ns.x }}", "y");
    T("set_block", "{% set sql %}select {{ 1 + 1 }}\nfrom t{% endset %}[{{ sql }}]",
      "[select 2\nfrom t]");
    T("set_block_trim", "{%- set x -%}\n  a  \n{%- endset -%}\n[{{ x }}]", "[a]");
    T("set_unpack", "{% set a, b = [1, 2] %}{{ b }}{{ a }}", "21");
    T("tuple_literal", "{{ (1, 'a') }}|{{ () }}|{{ (1,) }}|{{ 'x' in ('x', 'y') }}",
      "[1, 'a']|[]|[1]|True");
    T("loop_prev_next",
      "{% for x in [1, 2, 3] %}{{ loop.previtem | default('-') }}"
      "{{ loop.nextitem | default('-') }} {% endfor %}",
      "-2 13 2- ");
    T("loop_previtem_defined", "{% for x in 'ab' %}{{ loop.previtem is defined }}{% endfor %}",
      "FalseTrue");
    T("unknown_name_still_error", "{{ zz }}", "ERR: model 'm' line 1 column 4: unknown name 'zz'");
    T("err_setattr_not_dict", "{% set s = 'x' %}{% set s.a = 1 %}",
      "ERR: model 'm' line 1 column 25: cannot set attribute 'a' on string 's': use namespace()");
    T("err_setattr_unknown", "{% set q.a = 1 %}",
      "ERR: model 'm' line 1 column 8: unknown name 'q'");
    T("err_unpack_count", "{% for a, b in [[1, 2, 3]] %}{% endfor %}",
      "ERR: model 'm' line 1 column 1: cannot unpack a list of another length into 2 names");
    T("err_unpack_type", "{% set a, b = 5 %}",
      "ERR: model 'm' line 1 column 1: cannot unpack int into 2 names");
    T("err_endset_alone", "{% endset %}",
      "ERR: model 'm' line 1 column 4: unexpected {% endset %}");
}

static void test_tests_with_args(void) {
    T("test_compare",
      "{{ 3 is eq 3 }}{{ 3 is ne 3 }}{{ 2 is lt 3 }}{{ 3 is ge 4 }}"
      "{{ 'b' is gt('a') }}{{ 3 is equalto 3 }}",
      "TrueFalseTrueFalseTrueTrue");
    T("test_in_divisible", "{{ 'a' is in ['a'] }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}",
      "TrueTrueFalse");
    T("test_sameas", "{{ none is sameas none }}{{ 1 is sameas true }}", "TrueFalse");
    T("test_iterable_case",
      "{{ [] is iterable }}{{ 3 is iterable }}{{ 'ab' is lower }}"
      "{{ 'AB' is upper }}{{ 'Ab' is upper }}",
      "TrueFalseTrueTrueFalse");
    T("test_then_and", "{{ 4 is divisibleby 2 and 1 is odd }}", "True");
    T("err_test_arity", "{{ 3 is eq }}",
      "ERR: model 'm' line 1 column 9: test 'eq' takes 1 argument (0 given)");
    T("err_test_arity_plain", "{{ 3 is odd(1) }}",
      "ERR: model 'm' line 1 column 9: test 'odd' takes 0 arguments (1 given)");
    T("err_test_compare", "{{ 'a' is lt 3 }}",
      "ERR: model 'm' line 1 column 11: test 'lt' cannot compare string and int");
}

static void test_new_filters(void) {
    T("f_list", "{{ 'ab' | list }}{{ {'k': 1} | list }}", "['a', 'b']['k']");
    T("f_map_attr", "{{ [{'n': 'a'}, {'n': 'b'}] | map(attribute='n') | join(',') }}", "a,b");
    T("f_map_filter",
      "{{ ['a', 'B'] | map('upper') | list }}|{{ ['a-b'] | map('replace', '-', "
      "'_') | first }}",
      "['A', 'B']|a_b");
    T("f_select_reject",
      "{{ [1, 2, 3, 4] | select('odd') | list }}{{ [1, 2, 3] | reject('eq', 2) "
      "| list }}{{ [0, 1, '', 'x'] | select | list }}",
      "[1, 3][1, 3][1, 'x']");
    T("f_selectattr",
      "{% set cs = [{'n': 'a', 'k': true}, {'n': 'b', 'k': false}, {'n': 'c'}] %}"
      "{{ cs | selectattr('k') | map(attribute='n') | join }}"
      "{{ cs | rejectattr('k') | map(attribute='n') | join }}"
      "{{ cs | selectattr('n', 'in', ['b', 'c']) | map(attribute='n') | join }}",
      "abcbc");
    T("f_sort",
      "{{ [3, 1, 2] | sort }}{{ ['b', 'A', 'c'] | sort }}{{ ['b', 'A'] | "
      "sort(case_sensitive=true) }}{{ [1, 3, 2] | sort(reverse=true) }}",
      "[1, 2, 3]['A', 'b', 'c']['A', 'b'][3, 2, 1]");
    T("f_sort_attr", "{{ [{'x': 2}, {'x': 1}] | sort(attribute='x') | map(attribute='x') | list }}",
      "[1, 2]");
    T("f_unique", "{{ ['a', 'A', 'b', 'a'] | unique | list }}{{ [1, 1, 2] | unique | list }}",
      "['a', 'b'][1, 2]");
    T("f_min_max_sum",
      "{{ [3, 1, 2] | min }}{{ [3, 1, 2] | max }}{{ [1, 2, 3] | sum }}"
      "{{ [1, 2.5] | sum }}{{ [{'v': 2}, {'v': 3}] | sum(attribute='v') }}",
      "1363.55");
    T("f_reverse", "{{ [1, 2] | reverse | list }}{{ 'abc' | reverse }}", "[2, 1]cba");
    T("f_tojson", "{{ {'a': [1, 'x', none, true]} | tojson }}", "{\"a\":[1,\"x\",null,true]}");
    T("f_items", "{% for k, v in {'a': 1} | items %}{{ k }}{{ v }}{% endfor %}", "a1");
    T("f_round", "{{ 2.567 | round(2) }} {{ 2.5 | round }} {{ 7 | round }}", "2.57 3.0 7.0");
    T("f_capitalize_title", "{{ 'hELLO' | capitalize }} {{ 'a b' | title }}", "Hello A B");
    T("f_format", "{{ '%s-%d%%' | format('a', 5) }}", "a-5%");
    T("f_join_attribute", "{{ [{'n': 'a'}, {'n': 'b'}] | join(', ', attribute='n') }}", "a, b");
    T("f_default_kw", "{{ '' | default('e', boolean=true) }}", "e");
    T("err_map_no_arg", "{{ [1] | map }}",
      "ERR: model 'm' line 1 column 10: map needs a filter name or attribute='...' (a string)");
    T("err_map_missing_attr", "{{ [{}] | map(attribute='n') | list }}",
      "ERR: model 'm' line 1 column 11: map: an item has no attribute 'n'");
    T("err_select_unknown_test", "{{ [1] | select('fancy') | list }}",
      "ERR: model 'm' line 1 column 10: unknown test 'fancy'");
    T("err_sort_mixed", "{{ [1, 'a'] | sort }}",
      "ERR: model 'm' line 1 column 15: sort can only compare numbers with numbers and strings "
      "with strings");
}

/* What dbt_utils' macros are written with: slices, **, *args / **kwargs at a call. */
static void test_slices_power_spread(void) {
    T("slice_str", "{{ 'hello'[1:3] }}|{{ 'hello'[::-1] }}|{{ 'hello'[-3:] }}|{{ 'hello'[:0] }}",
      "el|olleh|llo|");
    T("slice_list",
      "{{ [1, 2, 3, 4][1:] }}{{ [1, 2, 3, 4][:-1] }}{{ [1, 2, 3, 4][::2] }}"
      "{{ [1, 2, 3][5:] }}{{ [1, 2, 3, 4][3:0:-1] }}{{ [1, 2, 3][-9:9] }}",
      "[2, 3, 4][1, 2, 3][1, 3][][4, 3, 2][1, 2, 3]");
    T("slice_utf8", "{{ 'h\xc3\xa9llo'[1:2] }}|{{ 'x'[none:none] }}", "\xc3\xa9|x");
    T("slice_prefix_len", "{% set p = '__dbt__cte__' %}{{ '__dbt__cte__orders'[(p|length):] }}",
      "orders");
    T("pow",
      "{{ 2 ** 10 }} {{ 2 ** -1 }} {{ (-1) ** 5 }} {{ 1 ** 1000000000000 }} {{ 2.0 ** 2 }} "
      "{{ 2 * 3 ** 2 }} {{ 0 ** 0 }}",
      "1024 0.5 -1 1 4.0 18 1");
    T("spread",
      "{% macro f(a, b=2) %}{{ a }}-{{ b }}-{{ kwargs }}-{{ varargs }}{% endmacro %}"
      "{% set d = {'b': 7, 'z': 9} %}{{ f(*[1], **d) }} {{ f(1, 3, 4, *[5, 6]) }}",
      "1-7-{'z': 9}-[] 1-3-{}-[4, 5, 6]");
    T("spread_filter", "{{ '%s-%s' | format(*['a', 'b']) }}", "a-b");
    T("err_pow_overflow", "{{ 2 ** 64 }}", "ERR: model 'm' line 1 column 6: integer overflow");
    T("err_slice_step", "{{ [1][::0] }}",
      "ERR: model 'm' line 1 column 7: slice step cannot be zero");
    T("err_slice_type", "{{ 5[1:] }}", "ERR: model 'm' line 1 column 5: cannot slice int");
    T("err_slice_index", "{{ 'ab'['a':] }}",
      "ERR: model 'm' line 1 column 9: slice indices must be integers, not string");
    T("err_spread_type", "{% macro f() %}{% endmacro %}{{ f(*'ab') }}",
      "ERR: model 'm' line 1 column 35: '*' needs a list, not string");
    T("err_spread_dict", "{% macro f() %}{% endmacro %}{{ f(**[1]) }}",
      "ERR: model 'm' line 1 column 35: '**' needs a dict, not list");
}

/* adapter.quote; database calls go to the host (this one answers none); a mutating method on
 * d[k] with k a variable changes d; a dict read by position (a query's columns). */
static void test_adapter_relations(void) {
    T("quote", "{{ adapter.quote('a\"b') }}|{{ adapter.quote('x') }}", "\"a\"\"b\"|\"x\"");
    T("err_quote", "{{ adapter.quote(1) }}",
      "ERR: model 'm' line 1 column 12: adapter.quote() takes one string");
    /* the test host answers no database call */
    T("err_adapter_method", "{{ adapter.get_columns_in_relation('x') }}",
      "ERR: model 'm' line 1 column 12: adapter.get_columns_in_relation() is not supported");
    T("err_run_query", "{{ run_query('SELECT 1') }}",
      "ERR: model 'm' line 1 column 4: run_query() is not supported");
    T("statement_without_db", "{% call statement('s') %}SELECT 1{% endcall %}",
      "ERR: model 'm' line 1 column 9: run_query() is not supported");
    T("load_result_missing", "{{ load_result('nothing') is none }}", "True");
    T("relation_keys",
      "{% set r = {'a': 1} %}{% set d = {} %}{% do d.update({'k': []}) %}{% set k = 'k' %}"
      "{% do d[k].append(2) %}{{ d }}{% set cols = {'x': {'0': 5}} %}{{ cols[0].values() | list }}",
      "{'k': [2]}[5]");
}

/* modules.re / modules.datetime, set(), zip(), a name set only in a branch not taken. */
static void test_modules_and_builtins(void) {
    T("re_sub",
      "{{ modules.re.sub('[ -]+', '_', 'a b--c') }}|{{ modules.re.sub('^[0-9]', '_1', '1abc') }}|"
      "{{ modules.re.sub('(a)(b)', '\\\\2\\\\1', 'abab', count=1) }}|{{ modules.re.sub('x*', '-', "
      "'abc') }}",
      "a_b_c|_1abc|baab|-a-b-c-");
    T("re_find",
      "{{ modules.re.findall('\\\\d+', 'a1b22c333') }}|{{ modules.re.match('ab', 'abc') }}|"
      "{{ modules.re.match('bc', 'abc') }}|{{ modules.re.search('b(c)', 'abc') }}|"
      "{{ modules.re.escape('a.b*c') }}|{{ modules.re.sub('A', 'x', 'aA', flags=2) }}",
      "['1', '22', '333']|ab|None|bc|a\\.b\\*c|xx");
    T("datetime",
      "{{ modules.datetime.datetime.now().strftime('%Y-%m') | length }}|"
      "{{ modules.datetime.date.today() | string | length }}",
      "7|10");
    T("err_re_lazy", "{{ modules.re.sub('a+?', '', 'aa') }}",
      "ERR: model 'm' line 1 column 15: modules.re: '+?' in pattern 'a+?' is not supported "
      "(patterns are POSIX extended regular expressions)");
    T("err_modules_other", "{{ modules.itertools.chain() }}",
      "ERR: model 'm' line 1 column 22: modules: only re (sub, findall, search, match, escape), "
      "datetime.datetime.now() / utcnow() and datetime.date.today() are offered");
    T("set_zip", "{{ set(['b', 'a', 'b']) }}{{ set([2, 1, 2]) }}{{ zip([1, 2, 3], ['x', 'y']) }}",
      "['a', 'b'][2, 1][[1, 'x'], [2, 'y']]");
    T("string_index", "{{ 'abc'[0] }}{{ 'h\xc3\xa9'[-1] }}", "a\xc3\xa9");
    T("set_in_branch_not_taken", "{% if false %}{% set x = 1 %}{% endif %}[{{ x }}]", "[]");
    T("err_typo_still_unknown", "{% set x = 1 %}{{ y }}",
      "ERR: model 'm' line 1 column 19: unknown name 'y'");
    T("err_string_index", "{{ 'ab'[5] }}",
      "ERR: model 'm' line 1 column 8: string index 5 out of range");
}

int main(void) {
    test_modules_and_builtins();
    test_adapter_relations();
    test_slices_power_spread();
    test_string_methods();
    test_list_dict_methods();
    test_statements();
    test_tests_with_args();
    test_new_filters();
    TEST_DONE();
}
