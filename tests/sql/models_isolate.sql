-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_isolate: failure isolation (issue 13). A project with broken models among good ones:
-- a template syntax error (broken_syntax, line 2), a dbt-namespace call the compiler cannot
-- parse (calendar: a comma missing in {{ dbt.date_spine(...) }}) with a child and a grandchild, a model that fails
-- only when rendered (big_orders: unknown function) with a child, and one that renders but
-- fails on Rockset (rockset_fail). Compile gives each broken model its own error (model, line,
-- column) and SQL for the others; a run builds the good ones (their rows are read back), fails
-- the broken ones and skips their descendants; selectors, exclude and enabled = 0 take broken
-- models out; tests of a model that failed or was skipped are skipped, never passed.
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'mi');
SELECT rockset_init();
CREATE TABLE src_orders(_id INTEGER, customer TEXT, amount INTEGER);
INSERT INTO src_orders VALUES (1, 'ann', 10), (2, 'bob', 25), (3, 'ann', 5), (4, 'cy', 40);
SELECT rockset_seed('src_orders', 'miraw.orders');
.output
.print -- case: define_project
INSERT INTO rockset_sources VALUES ('shop', 'orders', 'miraw', 'orders');
INSERT INTO rockset_models (name, sql, materialized, tags) VALUES
  ('stg_orders', 'SELECT _id, customer, amount FROM {{ source(''shop'', ''orders'') }}', 'view', NULL),
  ('totals', 'SELECT customer, SUM(amount) AS total FROM {{ ref(''stg_orders'') }} GROUP BY customer',
   'table', '["daily"]'),
  ('broken_syntax', 'SELECT customer
FROM {{ ref(''stg_orders'') }
WHERE amount > 5', 'table', '["daily"]'),
  ('calendar', 'SELECT d FROM {{ dbt.date_spine(''day'' ''2024-01-01'', ''2024-02-01'') }}', 'table', NULL),
  ('calendar_orders', 'SELECT o.customer FROM {{ ref(''stg_orders'') }} o JOIN {{ ref(''calendar'') }} c ON TRUE',
   'view', NULL),
  ('calendar_report', 'SELECT * FROM {{ ref(''calendar_orders'') }}', 'view', NULL),
  ('big_orders', 'SELECT _id, customer FROM {{ ref(''stg_orders'') }} WHERE amount > {{ limits(''big'') }}',
   'view', NULL),
  ('big_customers', 'SELECT DISTINCT customer FROM {{ ref(''big_orders'') }}', 'view', NULL),
  ('rockset_fail', 'SELECT customer FROM {{ ref(''stg_orders'') }} WHERE nope(', 'table', NULL);
SELECT * FROM rockset_dag ORDER BY parent, child;

.print -- case: compile_each_model_alone
SELECT rockset_compile('totals');
SELECT rockset_compile('broken_syntax');
SELECT rockset_compile('calendar');
SELECT rockset_compile('calendar_orders');
SELECT rockset_compile('calendar_report');
SELECT rockset_compile('big_orders');
SELECT rockset_compile('big_customers');
SELECT rockset_lineage_dot('+calendar_report');

.print -- case: run_builds_the_good_ones
WITH r(s) AS (SELECT rockset_run(NULL, '{"threads": 1}'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error'),
       json_extract(s, '$.skipped'), json_extract(s, '$.incomplete') FROM r;
SELECT model, kind, status,
       CASE WHEN query_id IS NULL THEN message ELSE replace(message, query_id, '<id>') END
  FROM rockset_run_results WHERE run_id = 1 ORDER BY model;
SELECT doc FROM rockset_query('SELECT customer, total FROM mi.totals ORDER BY customer');
SELECT doc FROM rockset_query('SELECT _id, customer, amount FROM mi.stg_orders ORDER BY _id');
-- a table's rows live behind an alias; a failed first build leaves no relation at all
SELECT substr(name, 1, instr(name, '__rs') + 3) || '<ms>', doc_count FROM rockset_collections('mi')
 ORDER BY name;
SELECT name, json_extract(collections, '$[0]') GLOB 'mi.' || name || '__rs[0-9]*'
  FROM rockset_aliases('mi') ORDER BY name;

.print -- case: tests_of_failed_models_are_skipped
INSERT INTO rockset_tests (model, column_name, test, arg) VALUES
  ('totals', 'customer', 'not_null', NULL),
  ('rockset_fail', 'customer', 'not_null', NULL),
  ('broken_syntax', 'customer', 'not_null', NULL),
  ('calendar_orders', 'customer', 'unique', NULL),
  ('big_orders', '_id', 'unique', NULL),
  ('big_customers', 'customer', 'not_null', NULL),
  ('stg_orders', 'customer', 'relationships', '{"to": "ref(''big_customers'')", "field": "customer"}'),
  ('stg_orders', 'customer', 'relationships', '{"to": "totals", "field": "customer"}');
SELECT rockset_test();
SELECT model, status, rows_affected, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY rowid;

.print -- case: selectors_report_the_broken_ancestor
WITH r(s) AS (SELECT rockset_run('+calendar_report'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error'),
       json_extract(s, '$.skipped') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
WITH r(s) AS (SELECT rockset_run('calendar_report'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.skipped') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
WITH r(s) AS (SELECT rockset_run('tag:daily'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, status FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;

.print -- case: exclude_takes_broken_models_out
WITH r(s) AS (SELECT rockset_run(NULL, '{"exclude": "broken_syntax calendar+ big_orders+ rockset_fail"}'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error'),
       json_extract(s, '$.skipped') FROM r;
SELECT model, status FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
WITH r(s) AS (SELECT rockset_run('calendar+', '{"exclude": "calendar"}'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.skipped') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;

.print -- case: disabled_broken_models_are_not_read
UPDATE rockset_models SET enabled = 0 WHERE name = 'broken_syntax';
UPDATE rockset_models SET config = '{"enabled": false}' WHERE name = 'calendar';
SELECT rockset_compile('broken_syntax');
SELECT rockset_compile('calendar');
SELECT rockset_compile('calendar_orders');
SELECT * FROM rockset_dag ORDER BY parent, child;
WITH r(s) AS (SELECT rockset_run('tag:daily'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
WITH r(s) AS (SELECT rockset_run('calendar_orders+'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.error'), json_extract(s, '$.skipped') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
UPDATE rockset_models SET enabled = 0
 WHERE name IN ('calendar_orders', 'calendar_report', 'big_orders', 'big_customers', 'rockset_fail');
WITH r(s) AS (SELECT rockset_run())
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error'),
       json_extract(s, '$.skipped') FROM r;
SELECT model, status FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
SELECT doc FROM rockset_query('SELECT customer, total FROM mi.totals ORDER BY customer');

.print -- case: tests_run_again_once_the_model_builds
UPDATE rockset_models SET enabled = 1, sql = 'SELECT customer FROM {{ ref(''stg_orders'') }}'
 WHERE name = 'rockset_fail';
WITH r(s) AS (SELECT rockset_run('rockset_fail'))
SELECT json_extract(s, '$.success') FROM r;
SELECT rockset_test('rockset_fail totals');
SELECT model, status, rows_affected, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY rowid;
