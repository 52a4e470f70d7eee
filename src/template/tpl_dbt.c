/*
 * tpl_dbt.c - the dbt package: dbt's cross-database macros, written for Rockset SQL, as macro
 * source text that every rs_tpl_macros starts with (package "dbt").
 *
 * Each public macro dispatches, as dbt's do: dbt.date_trunc('day', 'ts') calls
 * adapter.dispatch('date_trunc', 'dbt'), which takes a project's rockset__date_trunc before this
 * package's, so a project may replace any of them by defining rockset__<name> (or replace the
 * public one itself with a rockset_macros row of package 'dbt'). Bare names work too
 * (date_trunc(...)): a bare call looks in the dbt package after the project.
 *
 * The SQL (docs/rockset-sql.md): DATE_TRUNC(unit, x), DATE_ADD(unit, n, x), DATE_DIFF(unit,
 * start, end) = end - start, TRY_CAST / CAST with Rockset's type names (string, int, float,
 * bool, timestamp), CONCAT, TO_HEX(MD5(...)) for the hex digest dbt's hash gives, ELEMENT_AT
 * over SPLIT (1-based; negative parts count from the end), ARBITRARY for any_value, ARRAY_JOIN
 * over ARRAY_AGG for listagg, date_spine as a SELECT over UNNEST(SEQUENCE(...)), right as SUBSTR
 * from LENGTH - n + 1, last_day through DATE_TRUNC and DATE_ADD, arrays as ARRAY[...] and
 * ARRAY_CONCAT.
 */
#include "tpl_internal.h"

#include <string.h>

/* clang-format off */
static const char dbt_macros[] =
    /* dates and times */
    "{% macro date_trunc(datepart, date) -%}\n"
    "{{ return(adapter.dispatch('date_trunc', 'dbt')(datepart, date)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__date_trunc(datepart, date) -%}\n"
    "DATE_TRUNC('{{ datepart }}', {{ date }})\n"
    "{%- endmacro %}\n"
    "{% macro dateadd(datepart, interval, from_date_or_timestamp) -%}\n"
    "{{ return(adapter.dispatch('dateadd', 'dbt')(datepart, interval, from_date_or_timestamp)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__dateadd(datepart, interval, from_date_or_timestamp) -%}\n"
    "DATE_ADD('{{ datepart }}', {{ interval }}, {{ from_date_or_timestamp }})\n"
    "{%- endmacro %}\n"
    "{% macro datediff(first_date, second_date, datepart) -%}\n"
    "{{ return(adapter.dispatch('datediff', 'dbt')(first_date, second_date, datepart)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__datediff(first_date, second_date, datepart) -%}\n"
    "DATE_DIFF('{{ datepart }}', {{ first_date }}, {{ second_date }})\n"
    "{%- endmacro %}\n"
    "{% macro current_timestamp() -%}\n"
    "{{ return(adapter.dispatch('current_timestamp', 'dbt')()) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__current_timestamp() -%}\n"
    "CURRENT_TIMESTAMP()\n"
    "{%- endmacro %}\n"
    /* one row per datepart from start_date (included) to end_date (excluded), in the column
     * date_<datepart>, as dbt's date_spine gives */
    "{% macro date_spine(datepart, start_date, end_date) -%}\n"
    "{{ return(adapter.dispatch('date_spine', 'dbt')(datepart, start_date, end_date)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__date_spine(datepart, start_date, end_date) -%}\n"
    "SELECT DATE_ADD('{{ datepart }}', spine.n, {{ start_date }}) AS date_{{ datepart }}\n"
    "FROM UNNEST(SEQUENCE(0, DATE_DIFF('{{ datepart }}', {{ start_date }}, {{ end_date }}) - 1, 1)"
    " AS n) AS spine\n"
    "{%- endmacro %}\n"
    /* types: Rockset's names */
    "{% macro type_string() %}{{ return(adapter.dispatch('type_string', 'dbt')()) }}{% endmacro %}\n"
    "{% macro rockset__type_string() %}string{% endmacro %}\n"
    "{% macro type_int() %}{{ return(adapter.dispatch('type_int', 'dbt')()) }}{% endmacro %}\n"
    "{% macro rockset__type_int() %}int{% endmacro %}\n"
    "{% macro type_bigint() %}{{ return(adapter.dispatch('type_bigint', 'dbt')()) }}{% endmacro %}\n"
    "{% macro rockset__type_bigint() %}int{% endmacro %}\n"
    "{% macro type_float() %}{{ return(adapter.dispatch('type_float', 'dbt')()) }}{% endmacro %}\n"
    "{% macro rockset__type_float() %}float{% endmacro %}\n"
    "{% macro type_numeric() %}{{ return(adapter.dispatch('type_numeric', 'dbt')()) }}{% endmacro %}\n"
    "{% macro rockset__type_numeric() %}float{% endmacro %}\n"
    "{% macro type_timestamp() %}{{ return(adapter.dispatch('type_timestamp', 'dbt')()) }}"
    "{% endmacro %}\n"
    "{% macro rockset__type_timestamp() %}timestamp{% endmacro %}\n"
    "{% macro type_boolean() %}{{ return(adapter.dispatch('type_boolean', 'dbt')()) }}{% endmacro %}\n"
    "{% macro rockset__type_boolean() %}bool{% endmacro %}\n"
    "{% macro safe_cast(field, type) -%}\n"
    "{{ return(adapter.dispatch('safe_cast', 'dbt')(field, type)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__safe_cast(field, type) %}TRY_CAST({{ field }} AS {{ type }}){% endmacro %}\n"
    "{% macro cast_bool_to_text(field) -%}\n"
    "{{ return(adapter.dispatch('cast_bool_to_text', 'dbt')(field)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__cast_bool_to_text(field) %}CAST({{ field }} AS string){% endmacro %}\n"
    /* strings */
    "{% macro concat(fields) %}{{ return(adapter.dispatch('concat', 'dbt')(fields)) }}"
    "{% endmacro %}\n"
    "{% macro rockset__concat(fields) %}CONCAT({{ fields | join(', ') }}){% endmacro %}\n"
    "{% macro hash(field) %}{{ return(adapter.dispatch('hash', 'dbt')(field)) }}{% endmacro %}\n"
    "{% macro rockset__hash(field) %}TO_HEX(MD5(CAST({{ field }} AS string))){% endmacro %}\n"
    "{% macro split_part(string_text, delimiter_text, part_number) -%}\n"
    "{{ return(adapter.dispatch('split_part', 'dbt')(string_text, delimiter_text, part_number)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__split_part(string_text, delimiter_text, part_number) -%}\n"
    "ELEMENT_AT(SPLIT({{ string_text }}, {{ delimiter_text }}), {{ part_number }})\n"
    "{%- endmacro %}\n"
    "{% macro replace(field, old_chars, new_chars) -%}\n"
    "{{ return(adapter.dispatch('replace', 'dbt')(field, old_chars, new_chars)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__replace(field, old_chars, new_chars) -%}\n"
    "REPLACE({{ field }}, {{ old_chars }}, {{ new_chars }})\n"
    "{%- endmacro %}\n"
    /* the last n characters: SUBSTR from LENGTH - n + 1, none for n <= 0 */
    "{% macro right(string_text, length_expression) -%}\n"
    "{{ return(adapter.dispatch('right', 'dbt')(string_text, length_expression)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__right(string_text, length_expression) -%}\n"
    "IF(({{ length_expression }}) <= 0, '', SUBSTR({{ string_text }}, "
    "GREATEST(LENGTH({{ string_text }}) - ({{ length_expression }}) + 1, 1)))\n"
    "{%- endmacro %}\n"
    "{% macro last_day(date, datepart) -%}\n"
    "{{ return(adapter.dispatch('last_day', 'dbt')(date, datepart)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__last_day(date, datepart) -%}\n"
    "DATE_ADD('day', -1, DATE_ADD('{{ datepart }}', 1, DATE_TRUNC('{{ datepart }}', {{ date }})))\n"
    "{%- endmacro %}\n"
    /* arrays: ARRAY[...] and ARRAY_CONCAT */
    "{% macro array_construct(inputs=[], data_type=none) -%}\n"
    "{{ return(adapter.dispatch('array_construct', 'dbt')(inputs, data_type)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__array_construct(inputs, data_type) -%}\n"
    "ARRAY[{{ inputs | join(', ') }}]\n"
    "{%- endmacro %}\n"
    "{% macro array_append(array, new_element) -%}\n"
    "{{ return(adapter.dispatch('array_append', 'dbt')(array, new_element)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__array_append(array, new_element) -%}\n"
    "ARRAY_CONCAT({{ array }}, ARRAY[{{ new_element }}])\n"
    "{%- endmacro %}\n"
    "{% macro array_concat(array_1, array_2) -%}\n"
    "{{ return(adapter.dispatch('array_concat', 'dbt')(array_1, array_2)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__array_concat(array_1, array_2) -%}\n"
    "ARRAY_CONCAT({{ array_1 }}, {{ array_2 }})\n"
    "{%- endmacro %}\n"
    "{% macro length(expression) %}{{ return(adapter.dispatch('length', 'dbt')(expression)) }}"
    "{% endmacro %}\n"
    "{% macro rockset__length(expression) %}LENGTH({{ expression }}){% endmacro %}\n"
    "{% macro position(substring_text, string_text) -%}\n"
    "{{ return(adapter.dispatch('position', 'dbt')(substring_text, string_text)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__position(substring_text, string_text) -%}\n"
    "STRPOS({{ string_text }}, {{ substring_text }})\n"
    "{%- endmacro %}\n"
    "{% macro escape_single_quotes(expression) %}{{ expression | replace(\"'\", \"''\") }}"
    "{% endmacro %}\n"
    "{% macro string_literal(value) %}'{{ value | replace(\"'\", \"''\") }}'{% endmacro %}\n"
    /* aggregates and set operations */
    "{% macro any_value(expression) %}{{ return(adapter.dispatch('any_value', 'dbt')(expression)) }}"
    "{% endmacro %}\n"
    "{% macro rockset__any_value(expression) %}ARBITRARY({{ expression }}){% endmacro %}\n"
    "{% macro bool_or(expression) %}{{ return(adapter.dispatch('bool_or', 'dbt')(expression)) }}"
    "{% endmacro %}\n"
    "{% macro rockset__bool_or(expression) %}BOOL_OR({{ expression }}){% endmacro %}\n"
    "{% macro listagg(measure, delimiter_text=\"','\", order_by_clause=none, limit_num=none) -%}\n"
    "{{ return(adapter.dispatch('listagg', 'dbt')(measure, delimiter_text, order_by_clause, "
    "limit_num)) }}\n"
    "{%- endmacro %}\n"
    "{% macro rockset__listagg(measure, delimiter_text, order_by_clause, limit_num) -%}\n"
    "ARRAY_JOIN(ARRAY_AGG({{ measure }}"
    "{%- if order_by_clause %} {{ order_by_clause }}{% endif %}"
    "{%- if limit_num %} LIMIT {{ limit_num }}{% endif %}), {{ delimiter_text }})\n"
    "{%- endmacro %}\n"
    "{% macro except() %}EXCEPT{% endmacro %}\n"
    "{% macro intersect() %}INTERSECT{% endmacro %}\n";
/* clang-format on */

int tpl_add_dbt_macros(rs_tpl_macros *lib, rs_err *err) {
    rs_tpl_macro_def *defs = NULL;
    size_t n = 0, i;
    int rc = rs_tpl_macro_defs("dbt", dbt_macros, sizeof(dbt_macros) - 1, &defs, &n, err);

    for (i = 0; rc == RS_OK && i < n; i++)
        rc = rs_tpl_macros_add(lib, "dbt", defs[i].name, defs[i].args, defs[i].body, err);
    rs_tpl_macro_defs_free(defs, n);
    return rc;
}
