-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_adapter_basic: dbt's basic adapter test suite, imported from a dbt project directory
-- (tests/data/dbt_adapter_basic, the suite's files as a project, YAML Jinja included) and run as
-- the suite runs it: seed, run, the relations' kinds and row counts, a model swapped between
-- table and view by a var, ephemeral models, an incremental model fed by a second seed through
-- the source's var (re-imported with the var, as dbt re-parses with --vars), generic tests on
-- a seed and on models, singular tests (one passing, one failing, one on an ephemeral model),
-- rockset_build, and the empty project.
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'ab');
SELECT rockset_init();
.output
.print -- case: import_unchanged
SELECT rockset_import_dbt('@ROOT@/tests/data/dbt_adapter_basic');
SELECT name, materialized FROM rockset_models ORDER BY name;
SELECT source, name, workspace, collection FROM rockset_sources;
SELECT name, test, model, column_name FROM rockset_tests ORDER BY name;
.print -- case: seed
SELECT json_extract(s, '$.seeds'), json_extract(s, '$.success'), json_extract(s, '$.rows')
  FROM (SELECT rockset_seed() AS s);
SELECT doc FROM rockset_query('SELECT TYPEOF(some_date) AS t, COUNT(*) AS n FROM ab.base GROUP BY 1');
.print -- case: run
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error')
  FROM (SELECT rockset_run() AS s);
SELECT model, relation, status FROM rockset_run_results WHERE run_id = (SELECT MAX(run_id) FROM rockset_run_results) ORDER BY model;
.print -- case: relation_kinds
SELECT name FROM rockset_views('ab') ORDER BY name;
SELECT name FROM rockset_aliases('ab') ORDER BY name;
.print -- case: row_counts_equal
SELECT doc FROM rockset_query('SELECT (SELECT COUNT(*) FROM ab.base) AS base, (SELECT COUNT(*) FROM ab.view_model) AS view_model, (SELECT COUNT(*) FROM ab.table_model) AS table_model, (SELECT COUNT(*) FROM ab.swappable) AS swappable, (SELECT COUNT(*) FROM ab.view_on_ephemeral) AS view_on_ephemeral, (SELECT COUNT(*) FROM ab.table_on_ephemeral) AS table_on_ephemeral, (SELECT COUNT(*) FROM ab.incremental) AS incremental');
.print -- case: swap_table_to_view_and_back
SELECT json_extract(rockset_run('swappable', '{"vars": {"materialized_var": "view"}}'), '$.success');
SELECT name FROM rockset_views('ab') WHERE name = 'swappable';
SELECT json_extract(rockset_run('swappable'), '$.success');
SELECT name FROM rockset_aliases('ab') WHERE name = 'swappable';
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n FROM ab.swappable');
.print -- case: incremental_with_added_seed
SELECT json_extract(rockset_import_dbt('@ROOT@/tests/data/dbt_adapter_basic', '{"seeds": false, "vars": {"seed_name": "added"}}'), '$.models');
SELECT collection FROM rockset_sources;
SELECT json_extract(rockset_run('incremental'), '$.success');
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n, COUNT(DISTINCT id) AS ids FROM ab.incremental');
.print -- case: generic_and_singular_tests
SELECT json_extract(rockset_import_dbt('@ROOT@/tests/data/dbt_adapter_basic', '{"seeds": false}'), '$.models');
SELECT rockset_test();
SELECT model, status, message FROM rockset_run_results
 WHERE kind = 'test' AND run_id = (SELECT MAX(run_id) FROM rockset_run_results) ORDER BY model;
.print -- case: build
SELECT rockset_build();
.print -- case: empty_project
.output /dev/null
SELECT rockset_import_dbt('@ROOT@/tests/data/dbt_adapter_empty', '{"replace": true}');
.output
SELECT COUNT(*) FROM rockset_models;
SELECT json_extract(s, '$.selected'), json_extract(s, '$.error') FROM (SELECT rockset_run() AS s);
