-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_generic_tests: dbt tests as projects write them (issue 13). An older database's
-- rockset_tests (CHECK on four tests) is rebuilt by rockset_init with its rows and ids. The
-- project tests/data/dbt_tests_proj is imported: Jinja in its YAML is rendered (workspace from
-- target.schema, enabled from var(), a source's schema and identifier from vars), every
-- skipped thing is named in a warning, and its tests become rows: built-ins, generic tests of
-- the project ({% test %} in tests/generic, an old-style {% macro test_x %}) and of a vendored
-- package in dbt_utils' idioms (dbt_packages/mini_utils: adapter.dispatch to default__),
-- singular tests (tests/*.sql), a source's and a seed's tests, configs (severity warn, where,
-- error_if). The models are built on rockset-local from real rows and rockset_test runs
-- everything: exact statuses, messages and queries; selection; skipping when a model a test
-- reads (singular tests: every model they ref) failed; a test's own errors.
.print -- case: migrate_old_tests_table
CREATE TABLE rockset_tests (
    id          INTEGER PRIMARY KEY,
    model       TEXT NOT NULL,
    column_name TEXT,
    test        TEXT NOT NULL
                CHECK (test IN ('unique', 'not_null', 'accepted_values', 'relationships')),
    arg         TEXT
);
INSERT INTO rockset_tests VALUES (7, 'old_model', 'id', 'unique', NULL);
SELECT rockset_init();
SELECT rockset_init();
SELECT id, model, column_name, test, arg, name, config, sql FROM rockset_tests;
SELECT instr(sql, 'CHECK (test IN') FROM sqlite_master WHERE name = 'rockset_tests';
INSERT INTO rockset_tests (model, test, name, sql) VALUES ('m', 'singular', 's', 'SELECT 1');
SELECT count(*) FROM rockset_tests;
DELETE FROM rockset_tests;

.print -- case: import_renders_yaml_and_names_what_it_skips
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'tp');
CREATE TABLE raw_orders(_id INTEGER, customer TEXT, amount INTEGER, status TEXT);
INSERT INTO raw_orders VALUES (1, 'ann', 10, 'placed'), (2, 'bob', 25, 'shipped'),
  (3, 'ann', 5, 'returned'), (4, 'cy', 40, 'placed');
SELECT rockset_seed('raw_orders', 'tpraw.orders');
.output
.output @TMP@/summary.json
SELECT rockset_import_dbt('@ROOT@/tests/data/dbt_tests_proj');
.output
CREATE TABLE summary AS SELECT CAST(readfile('@TMP@/summary.json') AS TEXT) AS s;
SELECT json_remove(s, '$.warnings') FROM summary;
SELECT value FROM summary, json_each(json_extract(s, '$.warnings'));

.print -- case: imported_rows
SELECT name, workspace, materialized, enabled FROM rockset_models ORDER BY name;
SELECT * FROM rockset_sources;
SELECT id, model, column_name, test, arg, name, config FROM rockset_tests ORDER BY id;
SELECT name, sql FROM rockset_tests WHERE test = 'singular' ORDER BY id;
SELECT package, name, kind FROM rockset_macros ORDER BY package, name, kind;

.print -- case: run_then_test_everything
SELECT json_extract(rockset_seed(), '$.success');
WITH r(s) AS (SELECT rockset_run())
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT rockset_test();
SELECT model, relation, status, rows_affected, message FROM rockset_run_results
WHERE kind = 'test' ORDER BY rowid;

.print -- case: compiled_queries
SELECT model, compiled_sql FROM rockset_run_results
WHERE kind = 'test' AND model IN ('placed_orders_at_least_20', 'mini_utils_expression_is_true_stg_orders',
  'not_empty_string_stg_orders_customer', 'source_not_null_shop_orders__id', 'assert_totals_at_least_20')
ORDER BY rowid;

.print -- case: select_tests_of_a_model
SELECT rockset_test('customer_totals');
SELECT model, status FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results)
ORDER BY rowid;

.print -- case: tests_skipped_when_a_model_they_read_failed
UPDATE rockset_models SET sql = 'SELECT customer, nope( FROM {{ ref(''stg_orders'') }}' WHERE name = 'customer_totals';
WITH r(s) AS (SELECT rockset_run('customer_totals'))
SELECT json_extract(s, '$.error') FROM r;
INSERT INTO rockset_tests (model, test, name, sql) VALUES
  ('stg_orders', 'singular', 'assert_orders_match_totals',
   'SELECT o.customer FROM {{ ref(''stg_orders'') }} o LEFT JOIN {{ ref(''customer_totals'') }} t ON o.customer = t.customer WHERE t.customer IS NULL');
SELECT rockset_test('stg_orders customer_totals');
SELECT model, status, message FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results)
AND model IN ('mini_utils_expression_is_true_customer_totals', 'assert_totals_at_least_20',
  'assert_orders_match_totals', 'assert_no_huge_orders')
ORDER BY rowid;

.print -- case: a_test_s_own_errors
DELETE FROM rockset_tests;
INSERT INTO rockset_tests (model, column_name, test, arg, name, config, sql) VALUES
  ('stg_orders', 'amount', 'no_such_test', NULL, 'missing_macro', NULL, NULL),
  ('stg_orders', 'amount', 'dbt_utils.accepted_range', '{"min_value": 0}', 'missing_package', NULL, NULL),
  ('stg_orders', 'amount', 'mini_utils.accepted_range', NULL, 'range_without_bounds', NULL, NULL),
  ('stg_orders', 'amount', 'mini_utils.accepted_range', '{"min-value": 0}', 'bad_argument_name', NULL, NULL),
  ('stg_orders', 'amount', 'not_null', NULL, 'bad_severity', '{"severity": "fatal"}', NULL),
  ('stg_orders', 'amount', 'not_null', NULL, 'bad_threshold', '{"error_if": "more than 3"}', NULL),
  ('stg_orders', NULL, 'singular', NULL, 'bad_template', NULL, 'SELECT * FROM {{ ref(''stg_orders'') }'),
  ('stg_orders', NULL, 'singular', NULL, 'unknown_ref', NULL, 'SELECT * FROM {{ ref(''nope'') }}'),
  ('stg_orders', 'amount', 'not_null', NULL, 'disabled_test', '{"enabled": false}', NULL),
  ('stg_orders', 'status', 'accepted_values', '["placed"]', 'limited', '{"limit": 1, "store_failures": true}', NULL);
SELECT rockset_test('stg_orders');
SELECT model, status, message FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results)
ORDER BY rowid;

.print -- case: yaml_render_errors_name_file_line_column
SELECT writefile('@TMP@/bad/dbt_project.yml', 'name: bad' || char(10) || 'models:' || char(10) ||
  '  bad:' || char(10) || '    +schema: "{{ var(''nope'') }}"' || char(10)) IS NOT NULL;
SELECT rockset_import_dbt('@TMP@/bad');
SELECT writefile('@TMP@/bad/dbt_project.yml', 'name: bad' || char(10)) IS NOT NULL;
SELECT writefile('@TMP@/bad/models/x.sql', 'SELECT 1') IS NOT NULL;
SELECT writefile('@TMP@/bad/models/s.yml', 'version: 2' || char(10) || 'sources:' || char(10) ||
  '  - name: s' || char(10) || '    schema: "{{ target.schema ~ }}"' || char(10)) IS NOT NULL;
SELECT rockset_import_dbt('@TMP@/bad');
