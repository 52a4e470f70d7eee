-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_build: every materialization against rockset-local, first run and re-run: views,
-- tables, an ephemeral model inlined into a table read by a view, incremental models (appending
-- only new rows; with unique_key replacing instead of duplicating; full_refresh rebuilding),
-- query lambdas with default and overridden parameters, the alias swap, and hooks.
-- Lambdas are executed through the REST API with curl (ql.sh reads the key from the environment
-- and prints only the result rows).
.output /dev/null
SELECT writefile('ql.sh', 'curl -s -X POST -H "Authorization: ApiKey $ROCKSET_APIKEY" -H "Content-Type: application/json" --data-binary @"$2" "$ROCKSET_APISERVER/v1/orgs/self/ws/mb/lambdas/$1/tags/${3:-latest}" | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin).get(\"results\")))"
');
SELECT writefile('no_params.json', '{}');
SELECT writefile('min90.json', '{"parameters": [{"name": "min_amount", "type": "int", "value": "90"}]}');
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'mb');
.output
.print -- case: init_is_idempotent
SELECT rockset_init();
SELECT rockset_init();
SELECT count(*) FROM sqlite_master WHERE name LIKE 'rockset_%' AND type = 'table';

.print -- case: seed_sources
CREATE TABLE src_orders(id INTEGER, customer TEXT, amount INTEGER, status TEXT);
INSERT INTO src_orders VALUES (1, 'ann', 100, 'placed'), (2, 'ann', 40, 'shipped'),
    (3, 'bob', 70, 'placed'), (4, 'cy', 5, 'returned');
SELECT rockset_seed('src_orders', 'raw.orders');
INSERT INTO rockset_sources VALUES ('shop', 'orders', 'raw', 'orders');
SELECT rockset_create_workspace('mb');
SELECT rockset_create_collection('mb.audit');

.print -- case: define_models
INSERT INTO rockset_models (name, sql, materialized, unique_key, tags, config) VALUES
  ('stg_orders', 'SELECT id, customer, amount, status FROM {{ source(''shop'', ''orders'') }}',
   'view', NULL, NULL, NULL),
  ('big_orders', 'SELECT * FROM {{ ref(''stg_orders'') }} WHERE amount >= 50', 'ephemeral',
   NULL, NULL, NULL),
  ('totals', 'SELECT customer, SUM(amount) AS total, COUNT(*) AS n FROM {{ ref(''big_orders'') }} GROUP BY customer',
   'table', NULL, NULL,
   '{"post_hook": "INSERT INTO mb.audit SELECT ''{{ this }}'' AS relation, ''post'' AS hook",
     "pre_hook": ["INSERT INTO mb.audit SELECT ''{{ this }}'' AS relation, ''pre'' AS hook"]}'),
  ('top_customers', 'SELECT customer, total FROM {{ ref(''totals'') }} WHERE total > 60', 'view',
   NULL, NULL, NULL),
  ('inc_append', 'SELECT id, customer, amount FROM {{ ref(''stg_orders'') }}{% if is_incremental() %} WHERE id > (SELECT MAX(id) FROM {{ this }}){% endif %}',
   'incremental', NULL, NULL, NULL),
  ('inc_keyed', '{{ config(materialized=''incremental'', unique_key=''customer'') }}SELECT customer, SUM(amount) AS total FROM {{ ref(''stg_orders'') }} GROUP BY customer',
   'view', NULL, NULL, NULL),
  ('orders_by_min', 'SELECT id, amount FROM {{ ref(''stg_orders'') }} WHERE amount >= :min_amount ORDER BY id',
   'query_lambda', NULL, '["prod"]', '{"parameters": {"min_amount": 60}}'),
  ('snapshot', 'SELECT id, status FROM {{ ref(''stg_orders'') }}', 'table', NULL, NULL,
   '{"swap": "alias"}');
SELECT name FROM rockset_models ORDER BY name;

.print -- case: compile_inlines_ephemeral
SELECT rockset_compile('totals');
SELECT rockset_compile('inc_append', 1);

.print -- case: first_run
WITH r(s) AS (SELECT rockset_run())
SELECT json_extract(s, '$.run_id'), json_extract(s, '$.selected'), json_extract(s, '$.success'),
       json_extract(s, '$.error'), json_extract(s, '$.skipped'), json_extract(s, '$.threads') FROM r;
SELECT model, kind, relation, status, rows_affected, message FROM rockset_run_results
 WHERE run_id = 1 ORDER BY model;

.print -- case: first_run_data
SELECT doc FROM rockset_query('SELECT customer, total, n FROM mb.totals ORDER BY customer');
SELECT doc FROM rockset_query('SELECT customer, total FROM mb.top_customers ORDER BY customer');
SELECT doc FROM rockset_query('SELECT id, customer, amount FROM mb.inc_append ORDER BY id');
SELECT doc FROM rockset_query('SELECT _id, customer, total FROM mb.inc_keyed ORDER BY customer');
SELECT doc FROM rockset_query('SELECT id, status FROM mb.snapshot ORDER BY id');
SELECT doc FROM rockset_query('SELECT relation, hook FROM mb.audit ORDER BY hook');

.print -- case: relations_carry_the_managed_mark
-- a table model's rows live in a fresh collection <name>__rs<ms>, behind an alias <name>
SELECT CASE WHEN name GLOB '*__rs[0-9]*' THEN substr(name, 1, instr(name, '__rs') + 3) || '<ms>'
       ELSE name END, status, doc_count, description FROM rockset_collections('mb')
 WHERE name NOT LIKE 'snapshot__rs%' ORDER BY name;
SELECT count(*) FROM rockset_collections('mb') WHERE name LIKE 'snapshot__rs%';
SELECT name, json_array_length(collections),
       json_extract(collections, '$[0]') GLOB 'mb.' || name || '__rs[0-9]*', description
  FROM rockset_aliases('mb') ORDER BY name;
SELECT name, state, description FROM rockset_views('mb') ORDER BY name;
SELECT name, version_count, description FROM rockset_lambdas('mb');

.print -- case: lambda_default_and_override
.shell sh ql.sh orders_by_min no_params.json
.shell sh ql.sh orders_by_min min90.json

.print -- case: new_source_rows
CREATE TABLE src_more(id INTEGER, customer TEXT, amount INTEGER, status TEXT);
INSERT INTO src_more VALUES (5, 'bob', 200, 'placed'), (6, 'dee', 55, 'placed');
SELECT rockset_seed('src_more', 'raw.orders');

.print -- case: second_run
UPDATE rockset_models SET config = '{"parameters": {"min_amount": 150}}' WHERE name = 'orders_by_min';
WITH r(s) AS (SELECT rockset_run())
SELECT json_extract(s, '$.run_id'), json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, status, rows_affected, message FROM rockset_run_results WHERE run_id = 2 ORDER BY model;

.print -- case: second_run_data
SELECT doc FROM rockset_query('SELECT customer, total, n FROM mb.totals ORDER BY customer');
SELECT doc FROM rockset_query('SELECT customer, total FROM mb.top_customers ORDER BY customer');
SELECT doc FROM rockset_query('SELECT id, customer, amount FROM mb.inc_append ORDER BY id');
SELECT doc FROM rockset_query('SELECT _id, customer, total FROM mb.inc_keyed ORDER BY customer');
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n FROM mb.snapshot');
SELECT count(*) FROM rockset_collections('mb') WHERE name LIKE 'snapshot__rs%';
SELECT name, version_count FROM rockset_lambdas('mb');
.shell sh ql.sh orders_by_min no_params.json
.shell sh ql.sh orders_by_min no_params.json prod
SELECT doc FROM rockset_query('SELECT hook, COUNT(*) AS n FROM mb.audit GROUP BY hook ORDER BY hook');

.print -- case: full_refresh_rebuilds
WITH r(s) AS (SELECT rockset_run('inc_append inc_keyed', '{"full_refresh": true}'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success') FROM r;
SELECT model, status, rows_affected, message FROM rockset_run_results WHERE run_id = 3 ORDER BY model;
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n FROM mb.inc_append');
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n FROM mb.inc_keyed');

.print -- case: materialize_one
WITH r(s) AS (SELECT rockset_materialize('stg_orders'))
SELECT json_extract(s, '$.run_id'), json_extract(s, '$.model'), json_extract(s, '$.kind'),
       json_extract(s, '$.relation'), json_extract(s, '$.status'), json_extract(s, '$.action'),
       json_extract(s, '$.rows_affected') FROM r;
WITH r(s) AS (SELECT rockset_materialize('totals'))
SELECT json_extract(s, '$.action'), json_extract(s, '$.rows_affected'),
       json_extract(s, '$.query_id') IS NOT NULL FROM r;
SELECT model, kind, status, message FROM rockset_run_results WHERE run_id IN (4, 5) ORDER BY run_id;

.print -- case: materialize_kind_override
INSERT INTO rockset_models (name, sql) VALUES ('adhoc', 'SELECT customer FROM {{ ref(''totals'') }}');
WITH r(s) AS (SELECT rockset_materialize('adhoc', 'table'))
SELECT json_extract(s, '$.kind'), json_extract(s, '$.action'), json_extract(s, '$.rows_affected') FROM r;
WITH r(s) AS (SELECT rockset_materialize('adhoc'))
SELECT json_extract(s, '$.kind'), json_extract(s, '$.action') FROM r;
SELECT name FROM rockset_collections('mb') WHERE name LIKE 'adhoc%';
SELECT name FROM rockset_views('mb') WHERE name = 'adhoc';
SELECT rockset_materialize('adhoc', 'archive');

.print -- case: materialize_failure_raises_and_is_recorded
INSERT INTO rockset_models (name, sql, materialized) VALUES ('broken', 'SELECT nope( FROM x', 'view');
SELECT rockset_materialize('broken');
SELECT model, kind, status, message FROM rockset_run_results WHERE model = 'broken';
UPDATE rockset_models SET materialized = 'table' WHERE name = 'broken';
SELECT json_extract(rockset_run('broken'), '$.error');
SELECT model, kind, status, replace(message, query_id, '<id>') FROM rockset_run_results
 WHERE model = 'broken' AND kind = 'table';
SELECT rockset_materialize('no_such_model');

.print -- case: rockset_lambda_table_function
SELECT doc FROM rockset_lambda('mb.orders_by_min');
SELECT doc FROM rockset_lambda('mb.orders_by_min', '{"min_amount": 90}');
SELECT doc FROM rockset_lambda('mb.orders_by_min', NULL, 'prod');
SELECT count(*) FROM rockset_lambda('mb.orders_by_min',
    '[{"name": "min_amount", "type": "int", "value": "0"}]',
    (SELECT latest_version FROM rockset_lambdas('mb') WHERE name = 'orders_by_min'));
SELECT name, params, version FROM rockset_lambda('mb.orders_by_min', '{"min_amount": 90}', 'prod');

.print -- case: rockset_lambda_errors
SELECT doc FROM rockset_lambda('orders_by_min');
SELECT doc FROM rockset_lambda('mb.no_such_lambda');
SELECT doc FROM rockset_lambda('mb.orders_by_min', NULL, 'no_such_tag');
SELECT doc FROM rockset_lambda('mb.orders_by_min', '{"min_amount": [1]}');
