-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_build_levels: rockset_build's plan (src/models/build.h) end to end, one thread, so every
-- row comes in a fixed order. Five levels: seeds (one loads, one has no local table, one has a
-- failing unique test), views and tables on them, a model that fails on Rockset, an ephemeral
-- model, a singular test on a later model that fails the upstream model it refs, and the
-- tests of each level (built-in, generic, relationships, severity warn, error_if, where, limit,
-- store_failures, disabled, a test of a source, a test whose config is wrong). Checks every
-- rockset_run_results row and the summary: which nodes skip, naming the node that first went
-- bad ("failed" / "has a failing test"), the counts, incomplete; then a selection with
-- exclude, rockset_test after the build, and the errors of rockset_build itself.
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'bl');
SELECT rockset_config('threads', 1);
SELECT rockset_init();
CREATE TABLE s_ok(id INTEGER, v INTEGER, kind TEXT);
INSERT INTO s_ok VALUES (1, 10, 'a'), (2, 20, 'b'), (3, 30, 'a'), (4, NULL, 'c');
CREATE TABLE s_dup(id INTEGER);
INSERT INTO s_dup VALUES (1), (1), (2);
SELECT rockset_seed('s_ok', 'blraw.src');
.output
.print -- case: define
INSERT INTO rockset_seeds (name) VALUES ('s_ok'), ('s_missing'), ('s_dup');
INSERT INTO rockset_sources VALUES ('raw', 'src', 'blraw', 'src');
INSERT INTO rockset_models (name, sql, materialized) VALUES
  ('m1', 'SELECT id, v, kind FROM {{ ref(''s_ok'') }}', 'view'),
  ('m_missing_child', 'SELECT * FROM {{ ref(''s_missing'') }}', 'view'),
  ('m_dup_child', 'SELECT * FROM {{ ref(''s_dup'') }}', 'view'),
  ('m2', 'SELECT id, v FROM {{ ref(''m1'') }}', 'view'),
  ('m_eph', 'SELECT id, v FROM {{ ref(''m1'') }} WHERE v > 10', 'ephemeral'),
  ('m_fail', 'SELECT id FROM {{ ref(''m1'') }} WHERE nope(', 'table'),
  ('m3', 'SELECT id FROM {{ ref(''m2'') }}', 'view'),
  ('m_tbl', 'SELECT id, v FROM {{ ref(''m_eph'') }}', 'table'),
  ('m_fail_child', 'SELECT * FROM {{ ref(''m_fail'') }}', 'view'),
  ('m5', 'SELECT a.id FROM {{ ref(''m_tbl'') }} a JOIN {{ ref(''m2'') }} b ON a.id = b.id', 'view'),
  ('m_grandchild', 'SELECT * FROM {{ ref(''m_fail_child'') }}', 'view');
INSERT INTO rockset_macros (name, args, body, kind) VALUES
  ('positive', 'model, column_name',
   'SELECT * FROM {{ model }} WHERE {{ column_name }} <= 0', 'test');
INSERT INTO rockset_tests (model, column_name, test, arg, name, config, sql) VALUES
  ('s_ok', 'id', 'unique', NULL, NULL, NULL, NULL),
  ('s_dup', 'id', 'unique', NULL, NULL, NULL, NULL),
  ('m1', 'kind', 'accepted_values', '["a", "b"]', NULL, '{"severity": "warn"}', NULL),
  ('m1', 'v', 'not_null', NULL, NULL, '{"where": "kind = ''a''"}', NULL),
  ('m1', 'v', 'not_null', NULL, 'm1_v_limited', '{"limit": 0, "store_failures": true}', NULL),
  ('m1', 'v', 'positive', NULL, NULL, NULL, NULL),
  ('m2', 'id', 'relationships', '{"to": "ref(''m1'')", "field": "id"}', NULL, NULL, NULL),
  ('m2', 'v', 'not_null', NULL, 'm2_v_threshold', '{"error_if": ">5", "warn_if": ">0"}', NULL),
  ('m3', NULL, 'singular', NULL, 'm3_reads_m2', NULL,
   'SELECT a.id FROM {{ ref(''m2'') }} a JOIN {{ ref(''m3'') }} b ON a.id = b.id WHERE a.v IS NULL'),
  ('m3', 'id', 'accepted_values', '{"values": []}', 'm3_bad_arg', NULL, NULL),
  ('m_tbl', 'id', 'unique', NULL, NULL, NULL, NULL),
  ('m_tbl', 'id', 'relationships', '{"to": "m_fail", "field": "id"}', NULL, NULL, NULL),
  ('m_tbl', 'v', 'not_null', NULL, 'm_tbl_disabled', '{"enabled": false}', NULL),
  ('m_tbl', 'v', 'not_null', NULL, 'm_tbl_bad_config', '{"severity": "loud"}', NULL),
  ('source:raw.src', 'id', 'not_null', NULL, NULL, NULL, NULL),
  ('m5', 'id', 'not_null', NULL, NULL, NULL, NULL);
SELECT count(*) FROM rockset_tests;
.print -- case: build_everything
SELECT rockset_build();
.print -- case: build_rows
.headers on
SELECT run_id, model, kind, relation, status, rows_affected,
       CASE WHEN message LIKE 'rockset: query % failed:%'
            THEN 'rockset: query <id>' || substr(message, instr(message, ' failed:')) ELSE message END
       AS message
  FROM rockset_run_results ORDER BY rowid;
.headers off
.print -- case: build_compiled_sql
SELECT model, compiled_sql FROM rockset_run_results WHERE kind = 'test' AND compiled_sql IS NOT NULL
 ORDER BY rowid;
.print -- case: build_selection_with_exclude
DELETE FROM rockset_run_results;
SELECT rockset_build('s_ok+', '{"exclude": "m_fail m_tbl", "full_refresh": true}');
SELECT model, kind, status, message FROM rockset_run_results ORDER BY rowid;
.print -- case: tests_after_the_build
SELECT rockset_test('m1 m_tbl');
SELECT model, status, rows_affected, message FROM rockset_run_results
 WHERE run_id = (SELECT MAX(run_id) FROM rockset_run_results) ORDER BY rowid;
.print -- case: build_errors
SELECT rockset_build('nope');
SELECT rockset_build(NULL, '{"exclude": 3}');
SELECT rockset_build(NULL, '{"full_refresh": "yes"}');
SELECT rockset_build(NULL, '[1]');
ALTER TABLE rockset_tests RENAME TO rockset_tests_away;
SELECT rockset_build('s_ok');
SELECT model, kind, status FROM rockset_run_results
 WHERE run_id = (SELECT MAX(run_id) FROM rockset_run_results) ORDER BY rowid;
ALTER TABLE rockset_tests_away RENAME TO rockset_tests;
