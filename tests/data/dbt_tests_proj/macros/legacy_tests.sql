{# An old-style generic test: a macro named test_<name>. #}
{% macro test_not_empty_string(model, column_name) %}
SELECT * FROM {{ model }} WHERE {{ column_name }} = ''
{% endmacro %}
