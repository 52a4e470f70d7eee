{# Rows whose column_name is outside [min_value, max_value] (bounds excluded when not inclusive). #}
{% test accepted_range(model, column_name, min_value=none, max_value=none, inclusive=true) %}
  {{ return(adapter.dispatch('test_accepted_range', 'mini_utils')(model, column_name, min_value, max_value, inclusive)) }}
{% endtest %}

{% macro default__test_accepted_range(model, column_name, min_value, max_value, inclusive) %}
{%- if min_value is none and max_value is none -%}
  {{ exceptions.raise_compiler_error('accepted_range needs min_value or max_value') }}
{%- endif -%}
{%- set checks = [] -%}
{%- if min_value is not none -%}{%- do checks.append(column_name ~ (' >= ' if inclusive else ' > ') ~ min_value) -%}{%- endif -%}
{%- if max_value is not none -%}{%- do checks.append(column_name ~ (' <= ' if inclusive else ' < ') ~ max_value) -%}{%- endif -%}
SELECT * FROM {{ model }}
WHERE NOT ({{ checks | join(' AND ') }})
{% endmacro %}
