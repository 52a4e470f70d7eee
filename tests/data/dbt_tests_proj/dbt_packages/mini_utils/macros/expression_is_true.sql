{# Rows for which expression (on column_name, when the test is on a column) is not true. #}
{% test expression_is_true(model, expression, column_name=none) %}
  {{ return(adapter.dispatch('test_expression_is_true', 'mini_utils')(model, expression, column_name)) }}
{% endtest %}

{% macro default__test_expression_is_true(model, expression, column_name) %}
SELECT * FROM {{ model }}
WHERE NOT ({% if column_name is not none %}{{ column_name }} {% endif %}{{ expression }})
{% endmacro %}
