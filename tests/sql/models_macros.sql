-- models_macros: macros in rockset_macros given to every model, and dbt's built-in
-- cross-database macros (their SQL is run on rockset-local through rockset_query): the project's called by name,
-- a package's as package.name, adapter.dispatch finding rockset__ / default__ implementations
-- (the project's before the package's), macros that return values, call ref() and source()
-- (so the DAG sees those refs), caller() blocks, a generic test macro; errors naming the
-- unknown macro and positions inside a macro's body. Only rockset_compile and rockset_dag:
-- nothing is built.
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'mm');
SELECT rockset_init();
.output
.print -- case: define_macros
INSERT INTO rockset_sources VALUES ('shop', 'orders', 'raw', 'orders');
INSERT INTO rockset_macros (package, name, args, body) VALUES
  ('', 'cents_to_dollars', 'column_name, scale=2',
   '({{ column_name }} / 100)::numeric(16, {{ scale }})'),
  ('', 'order_source', '', '{{ source(''shop'', ''orders'') }}'),
  ('', 'status_list', '', '{{ return([''placed'', ''shipped'']) }}'),
  ('', 'in_list', 'col, values', '{{ col }} IN ({% for v in values %}''{{ v }}''{{ '', '' if not loop.last }}{% endfor %})'),
  ('', 'rockset__safe_div', 'a, b', 'IF({{ b }} = 0, NULL, {{ a }} / {{ b }})'),
  ('', 'upper_block', '', 'UPPER({{ caller() | trim }})'),
  ('', 'broken', '', 'SELECT
  {{ no_such_name }}'),
  ('util', 'safe_div', 'a, b', '{{ return(adapter.dispatch(''safe_div'', ''util'')(a, b)) }}'),
  ('util', 'default__safe_div', 'a, b', '{{ a }} / NULLIF({{ b }}, 0)'),
  ('util', 'ratio', 'a, b', '{{ return(adapter.dispatch(''ratio'', ''util'')(a, b)) }}'),
  ('util', 'default__ratio', 'a, b', '{{ a }} * 1.0 / {{ b }}'),
  ('util', 'star', 'relation, except=[]', '{% set cols = [''id'', ''amount'', ''status''] | reject(''in'', except) | list %}{{ cols | join('', '') }}');
INSERT INTO rockset_macros (package, name, args, body, kind) VALUES
  ('', 'is_positive', 'model, column_name', 'SELECT * FROM {{ model }} WHERE {{ column_name }} <= 0', 'test');
SELECT package, name, kind FROM rockset_macros ORDER BY package, name;

.print -- case: define_models
INSERT INTO rockset_models (name, sql) VALUES
  ('stg_orders', 'SELECT id, amount, status FROM {{ order_source() }}'),
  ('orders_usd', 'SELECT id, {{ cents_to_dollars(''amount'') }} AS usd, {{ cents_to_dollars(''amount'', scale=4) }} AS usd4
FROM {{ ref(''stg_orders'') }}
WHERE {{ in_list(''status'', status_list()) }}'),
  ('ratios', 'SELECT {{ util.safe_div(''amount'', ''n'') }} AS per_item, {{ util.ratio(''amount'', ''n'') }} AS r,
  {{ util.star(ref(''stg_orders''), except=[''status'']) }}
FROM {{ ref(''stg_orders'') }}'),
  ('shouting', '{% call upper_block() %}
  status
{% endcall %} AS s FROM {{ ref(''stg_orders'') }}'),
  ('positive_check', '{{ test_is_positive(ref(''orders_usd''), ''usd'') }}'),
  ('local_macro', '{% macro twice(x) %}{{ x }} + {{ x }}{% endmacro %}SELECT {{ twice(''amount'') }} FROM {{ ref(''stg_orders'') }}');
SELECT count(*) FROM rockset_models;

.print -- case: compile
SELECT rockset_compile('stg_orders');
SELECT rockset_compile('orders_usd');
SELECT rockset_compile('ratios');
SELECT rockset_compile('shouting');
SELECT rockset_compile('positive_check');
SELECT rockset_compile('local_macro');

.print -- case: dag_sees_refs_made_inside_macros
SELECT parent, child FROM rockset_dag ORDER BY child, parent;

.print -- case: error_unknown_macro
INSERT INTO rockset_models (name, sql) VALUES ('typo', 'SELECT {{ cents_to_dolars(''amount'') }}');
SELECT rockset_compile('typo');
DELETE FROM rockset_models WHERE name = 'typo';

.print -- case: error_inside_macro_body
INSERT INTO rockset_models (name, sql) VALUES ('calls_broken', '
{{ broken() }}');
SELECT rockset_compile('calls_broken');
DELETE FROM rockset_models WHERE name = 'calls_broken';

.print -- case: error_unknown_package_macro
INSERT INTO rockset_models (name, sql) VALUES ('bad_pkg', 'SELECT {{ util.nope() }}');
SELECT rockset_compile('bad_pkg');
DELETE FROM rockset_models WHERE name = 'bad_pkg';

.print -- case: error_bad_macro_row
INSERT INTO rockset_macros (package, name, args, body) VALUES ('', 'bad_row', 'a,,b', 'x');
SELECT rockset_compile('stg_orders');
DELETE FROM rockset_macros WHERE name = 'bad_row';

.print -- case: dbt_macros_compile
INSERT INTO rockset_models (name, sql) VALUES
  ('dbt_scalars', 'SELECT {{ dbt.hash("''a''") }} AS h, {{ dbt.split_part("''a/b/c''", "''/''", 2) }} AS part,
  {{ dbt.dateadd(''day'', 2, "DATE ''2024-01-30''") }} AS later,
  {{ dbt.datediff("DATE ''2024-01-01''", "DATE ''2024-03-01''", ''day'') }} AS days,
  {{ dbt.date_trunc(''month'', "DATE ''2024-05-17''") }} AS month_start,
  {{ dbt.concat(["''x''", "''y''"]) }} AS xy, {{ dbt.safe_cast("''12''", dbt.type_int()) }} AS twelve,
  {{ dbt.safe_cast("''zz''", dbt.type_int()) }} AS bad, {{ dbt.cast_bool_to_text(''true'') }} AS t'),
  ('dbt_aggs', 'SELECT {{ dbt.listagg(''u.v'', "''-''", ''ORDER BY u.v'') }} AS joined,
  {{ dbt.any_value(''u.v'') }} IS NOT NULL AS has_any, {{ dbt.bool_or("u.v = ''b''") }} AS has_b
FROM UNNEST(ARRAY_CREATE(''b'', ''a'', ''c'') AS v) AS u'),
  ('spine', 'WITH days AS ({{ dbt.date_spine(''day'', "DATE ''2024-02-27''", "DATE ''2024-03-02''") }})
SELECT date_day FROM days ORDER BY date_day'),
  ('overridden', 'SELECT {{ dbt.current_timestamp() }} AS now_ts'),
  ('dbt_more', 'SELECT {{ dbt.right("''hello''", 3) }} AS r, {{ dbt.right("''hi''", 5) }} AS r_all,
  {{ dbt.right("''hi''", 0) }} AS r_none, {{ dbt.last_day("DATE ''2024-02-10''", ''month'') }} AS last_feb,
  {{ dbt.array_append(dbt.array_construct([1, 2]), 3) }} AS appended,
  {{ dbt.array_concat(''ARRAY[1]'', ''ARRAY[2, 3]'') }} AS joined');
INSERT INTO rockset_macros (package, name, args, body) VALUES
  ('', 'rockset__current_timestamp', '', 'NOW()');
SELECT rockset_compile('dbt_scalars');
SELECT rockset_compile('dbt_aggs');
SELECT rockset_compile('spine');
SELECT rockset_compile('overridden');

.print -- case: dbt_macros_run_on_rockset
SELECT doc FROM rockset_query(rockset_compile('dbt_scalars'));
SELECT doc FROM rockset_query(rockset_compile('dbt_aggs'));
SELECT doc FROM rockset_query(rockset_compile('spine'));
SELECT doc FROM rockset_query(rockset_compile('dbt_more'));
