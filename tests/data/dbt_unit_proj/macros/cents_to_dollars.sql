{% macro cents_to_dollars(column_name) -%}
    {{ return(adapter.dispatch('cents_to_dollars')(column_name)) }}
{%- endmacro %}

{% macro default__cents_to_dollars(column_name) -%}
    ({{ column_name }} / 100.0)::numeric(16, 2)
{%- endmacro %}

{% macro region_label() -%}
    'global'
{%- endmacro %}
