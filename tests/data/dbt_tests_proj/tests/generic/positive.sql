{% test positive(model, column_name, allow_zero=false) %}
SELECT * FROM {{ model }} WHERE {{ column_name }} {{ '<' if allow_zero else '<=' }} 0
{% endtest %}
