{%- call statement('n_rows', fetch_result=True) -%}
SELECT COUNT(*) AS n FROM {{ ref('base') }}
{%- endcall -%}
{%- set n = load_result('n_rows')['data'][0][0] if execute else 0 -%}
SELECT {{ n }} AS n_rows, {{ 2 ** n }} AS two_to_n, '{{ probe.wrap(*['a', 'b'], sep='|') }}' AS wrapped
