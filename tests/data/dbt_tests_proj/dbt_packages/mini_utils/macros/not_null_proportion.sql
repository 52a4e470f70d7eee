{# One row when the share of non-null values of column_name is outside [at_least, at_most]. #}
{% test not_null_proportion(model, column_name, at_least, at_most=1.0) %}
  {{ return(adapter.dispatch('test_not_null_proportion', 'mini_utils')(model, column_name, at_least, at_most)) }}
{% endtest %}

{% macro default__test_not_null_proportion(model, column_name, at_least, at_most) %}
SELECT share FROM (
  SELECT SUM(CASE WHEN {{ column_name }} IS NULL THEN 0 ELSE 1 END) * 1.0 / COUNT(*) AS share
  FROM {{ model }}
) AS shares
WHERE share < {{ at_least }} OR share > {{ at_most }}
{% endmacro %}
