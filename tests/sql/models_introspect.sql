-- server:
-- models_introspect: macros that read the database while a model compiles (dbt's execute
-- time), from a project directory (tests/data/dbt_introspect) with a vendored package written
-- in dbt_utils' idioms: adapter.get_columns_in_relation (star, a union over relations with
-- different columns, relations as dict keys), run_query and .columns[0].values() (a pivot
-- over the distinct values), {% call statement %} with load_result(...)['data'], load_result
-- and adapter.get_relation, *args and ** at a call, slices. Models that read a relation built
-- in the same run are compiled again right before they are built, so they see it. Without a
-- connection such a macro fails with a message that says to connect; in parse mode nothing is
-- sent.
.output /dev/null
SELECT rockset_init();
.output
.print -- case: compile_before_build_names_the_missing_relation
SELECT rockset_import_dbt('@ROOT@/tests/data/dbt_introspect') IS NOT NULL;
SELECT rockset_compile('starred');
.print -- case: dag_from_parse_mode
SELECT parent, child FROM rockset_dag ORDER BY parent, child;
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'di');
CREATE TABLE items(_id TEXT, id INTEGER, color TEXT, amount INTEGER);
INSERT INTO items VALUES ('1', 1, 'red', 10), ('2', 2, 'blue', 20), ('3', 3, 'red', 30),
  ('4', 4, 'green', 40), ('5', 5, 'blue', 50);
SELECT rockset_seed('items', 'di_raw.items');
.output
.print -- case: run_builds_every_model_first_time
SELECT json_extract(r, '$.success'), json_extract(r, '$.error') FROM (SELECT rockset_run() AS r);
SELECT model, status, message FROM rockset_run_results WHERE run_id = 1 ORDER BY model;
.print -- case: star_reads_the_columns
SELECT compiled_sql FROM rockset_run_results WHERE run_id = 1 AND model = 'starred';
SELECT doc FROM rockset_query('SELECT * FROM di.starred ORDER BY id');
.print -- case: union_over_different_columns
SELECT doc FROM rockset_query('SELECT * FROM di.unioned ORDER BY src, id');
.print -- case: pivot_over_run_query_values
SELECT compiled_sql FROM rockset_run_results WHERE run_id = 1 AND model = 'pivoted';
SELECT doc FROM rockset_query('SELECT * FROM di.pivoted ORDER BY id');
.print -- case: statement_and_load_result
SELECT doc FROM rockset_query('SELECT * FROM di.counted');
.print -- case: load_relation_and_get_relation
SELECT doc FROM rockset_query('SELECT * FROM di.presence');
.print -- case: compile_when_connected
SELECT rockset_compile('starred');
.print -- case: errors_name_the_macro
INSERT INTO rockset_models (name, sql) VALUES
  ('bad_columns', 'SELECT {{ probe.star(ref(''nowhere'')) }} FROM x'),
  ('bad_query', '{% set r = run_query(''SELECT FROM'') %}SELECT 1'),
  ('bad_adapter', 'SELECT {{ adapter.drop_relation(this) }}'),
  ('bad_statement', '{{ statement(''x'') }}');
SELECT rockset_compile('bad_columns');
SELECT rockset_compile('bad_query');
SELECT rockset_compile('bad_adapter');
SELECT rockset_compile('bad_statement');
.print -- case: generic_test_with_fail_calc
SELECT rockset_test();
SELECT model, status, rows_affected, message FROM rockset_run_results
 WHERE kind = 'test' ORDER BY model;
SELECT compiled_sql FROM rockset_run_results WHERE model = 'base_vs_other';
SELECT compiled_sql FROM rockset_run_results WHERE model = 'id_not_null_above_min';
