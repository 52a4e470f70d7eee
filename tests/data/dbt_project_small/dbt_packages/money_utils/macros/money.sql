{% macro dollars(column_name) -%}
    {{ return(adapter.dispatch('dollars', 'money_utils')(column_name)) }}
{%- endmacro %}

{% macro default__dollars(column_name) %}round({{ column_name }} / 100, 2){% endmacro %}
