{# Combinations of the given columns that appear more than once. #}
{% test unique_combination_of_columns(model, combination_of_columns) %}
  {{ return(adapter.dispatch('test_unique_combination_of_columns', 'mini_utils')(model, combination_of_columns)) }}
{% endtest %}

{% macro default__test_unique_combination_of_columns(model, combination_of_columns) %}
{%- set columns = combination_of_columns | join(', ') -%}
SELECT {{ columns }}, COUNT(*) AS copies FROM {{ model }}
GROUP BY {{ columns }}
HAVING COUNT(*) > 1
{% endmacro %}
