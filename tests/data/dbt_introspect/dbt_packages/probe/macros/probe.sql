{% macro star(from, except=[]) -%}
  {{ return(adapter.dispatch('star', 'probe')(from, except)) }}
{%- endmacro %}

{% macro default__star(from, except=[]) -%}
  {%- if not execute -%}{{ return('*') }}{%- endif -%}
  {%- set keep = [] -%}
  {%- for col in adapter.get_columns_in_relation(from) -%}
    {%- if col.column not in except and col.column[:1] != '_' -%}
      {%- do keep.append(adapter.quote(col.column)) -%}
    {%- endif -%}
  {%- endfor -%}
  {{ keep | join(', ') }}
{%- endmacro %}

{% macro union_all(relations) -%}
  {%- set cols_by_rel = {} -%}
  {%- set all_cols = [] -%}
  {%- for r in relations -%}
    {%- do cols_by_rel.update({r: []}) -%}
    {%- for c in adapter.get_columns_in_relation(r) -%}
      {%- if not c.name.startswith('_') -%}
        {%- do cols_by_rel[r].append(c.name) -%}
        {%- if c.name not in all_cols %}{% do all_cols.append(c.name) %}{% endif -%}
      {%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- for r in relations %}
SELECT '{{ r.identifier }}' AS src{% for c in all_cols %}, {{ c if c in cols_by_rel[r] else 'NULL' }} AS {{ c }}{% endfor %} FROM {{ r }}
{%- if not loop.last %} UNION ALL{% endif %}
  {%- endfor %}
{%- endmacro %}

{% macro pivot_counts(relation, column) -%}
  {%- set found = run_query('SELECT DISTINCT ' ~ column ~ ' AS v FROM ' ~ relation ~ ' ORDER BY v') -%}
  {%- set values = (found.columns[0].values() | list) if execute else ['x'] -%}
  {%- for v in values -%}
    SUM(CASE WHEN {{ column }} = '{{ v }}' THEN 1 ELSE 0 END) AS {{ v[:3] }}_n{{ ', ' if not loop.last }}
  {%- endfor -%}
{%- endmacro %}

{% macro wrap() -%}
  {{ varargs | join(kwargs.get('sep', ',')) }}{{ kwargs.get('tail', '') }}
{%- endmacro %}

{% test row_delta(model, compare_model) %}
{{ config(fail_calc='SUM(COALESCE(diff, 0))') }}
{%- set cols = [] -%}
{%- if kwargs.get('note') %}{% set label = kwargs['note'] %}{% endif -%}
SELECT ABS(a.n - b.n) AS diff, '{{ label }}' AS label, '{{ set(['b', 'a', 'b']) | join }}' AS s,
  '{{ zip([1, 2], ['x', 'y']) | map('join', '') | join(',') }}' AS z,
  '{{ 'abc'[0] }}{{ 'abc'[-1] }}' AS ends, {{ should_store_failures() }} AS stored
FROM (SELECT COUNT(*) AS n FROM {{ model }}) a CROSS JOIN (SELECT COUNT(*) AS n FROM {{ compare_model }}) b
{% endtest %}
