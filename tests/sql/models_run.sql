-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_run: running a project: a failing model skips exactly its descendants and the rest
-- goes on; fail_fast; selectors, exclude and vars; the ownership rule (refusal, then the
-- rockset_drop override); data tests; rockset_dag and rockset_lineage_dot; compile errors;
-- rockset_seed's type mapping. An unmarked collection is made through the REST API with curl.
.output /dev/null
SELECT writefile('api.sh', 'curl -s -o /dev/null -X "$1" -H "Authorization: ApiKey $ROCKSET_APIKEY" -H "Content-Type: application/json" ${3:+--data-binary @"$3"} "$ROCKSET_APISERVER$2"
');
SELECT writefile('foreign.json', '{"name": "owned_elsewhere", "description": "made by someone else"}');
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'mr');
SELECT rockset_init();
.output
.print -- case: seed_type_mapping
CREATE TABLE src_people(_id INTEGER, name TEXT, age INTEGER, score REAL, whole REAL,
                        big INTEGER, raw BLOB, note TEXT, payload TEXT);
INSERT INTO src_people VALUES
  (1, 'ann', 31, 0.1, 2.0, 9007199254740993, x'00ff10', NULL, '{"k": [1, 2]}'),
  (2, 'bob', NULL, -1.5e-7, 1048576.0, -9223372036854775808, x'', 'it''s "quoted"', '[true]'),
  (3, 'cy', 7, 3.25, 0.0, 0, x'616263', 'x', 'null');
SELECT rockset_seed('src_people', 'raw.people', '{"batch_size": 2, "json_columns": ["payload"]}');
SELECT doc FROM rockset_query('SELECT _id, name, age, score, whole, big, raw, note, payload FROM raw.people ORDER BY _id');
SELECT name, doc_count, description FROM rockset_collections('raw');

.print -- case: seed_again_appends_or_replaces
SELECT rockset_seed('src_people', 'raw.people');
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n FROM raw.people');
INSERT INTO src_people (_id, name) VALUES (4, 'dee');
SELECT rockset_seed('src_people', 'raw.people', '{"replace": true}');
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n FROM raw.people');

.print -- case: seed_errors
SELECT rockset_seed('no_such_table', 'raw.x');
SELECT rockset_seed('src_people', 'raw.people', '{"batch_size": 0}');
SELECT rockset_seed('src_people', 'raw.people', '{"bogus": 1}');
SELECT rockset_seed('src_people', 'raw.people', '[1]');
SELECT rockset_seed('src_people', 'raw.people2', '{"json_columns": ["name"]}');
SELECT rockset_seed('src_people', '');

.print -- case: define_project
INSERT INTO rockset_sources VALUES ('crm', 'people', 'raw', 'people');
INSERT INTO rockset_vars VALUES ('min_age', '18'), ('label', '"adults"');
INSERT INTO rockset_models (name, sql, materialized, tags) VALUES
  ('base', 'SELECT _id, name, age FROM {{ source(''crm'', ''people'') }}', 'view', '["core"]'),
  ('adults', 'SELECT name, ''{{ var(''label'') }}'' AS label FROM {{ ref(''base'') }} WHERE age >= {{ var(''min_age'') }}',
   'table', '["core", "daily"]'),
  ('bad', 'SELECT name FROM {{ ref(''base'') }} WHERE nope(', 'table', '["daily"]'),
  ('bad_child', 'SELECT * FROM {{ ref(''bad'') }}', 'view', NULL),
  ('bad_grandchild', 'SELECT * FROM {{ ref(''bad_child'') }}', 'view', NULL),
  ('mixed', 'SELECT a.name FROM {{ ref(''adults'') }} a JOIN {{ ref(''bad_child'') }} b ON a.name = b.name', 'view', NULL),
  ('lonely', 'SELECT 1 AS one', 'view', '["daily"]');
SELECT * FROM rockset_dag ORDER BY parent, child;

.print -- case: lineage_dot
SELECT rockset_lineage_dot();
SELECT rockset_lineage_dot('+adults');

.print -- case: failure_skips_exactly_descendants
WITH r(s) AS (SELECT rockset_run(NULL, '{"threads": 3}'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.error'),
       json_extract(s, '$.skipped'), json_extract(s, '$.threads') FROM r;
SELECT model, kind, status,
       CASE WHEN query_id IS NULL THEN message ELSE replace(message, query_id, '<id>') END
  FROM rockset_run_results WHERE run_id = 1 ORDER BY model;
SELECT doc FROM rockset_query('SELECT name, label FROM mr.adults ORDER BY name');

.print -- case: fail_fast_skips_the_rest
WITH r(s) AS (SELECT rockset_run(NULL, '{"threads": 1, "fail_fast": true}'))
SELECT json_extract(s, '$.success'), json_extract(s, '$.error'), json_extract(s, '$.skipped') FROM r;
SELECT model, status, message FROM rockset_run_results WHERE run_id = 2 AND status = 'skipped'
 ORDER BY model;

.print -- case: selectors_exclude_and_vars
WITH r(s) AS (SELECT rockset_run('tag:daily', '{"exclude": "bad"}'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success') FROM r;
SELECT model FROM rockset_run_results WHERE run_id = 3 ORDER BY model;
WITH r(s) AS (SELECT rockset_run('adults+', '{"vars": {"min_age": 30, "label": "thirties"}}'))
SELECT json_extract(s, '$.selected'), json_extract(s, '$.success'), json_extract(s, '$.skipped') FROM r;
SELECT model, status FROM rockset_run_results WHERE run_id = 4 ORDER BY model;
SELECT doc FROM rockset_query('SELECT name, label FROM mr.adults ORDER BY name');

.print -- case: run_errors
SELECT rockset_run('nope');
SELECT rockset_run('+adlts');
SELECT rockset_run(NULL, '{"threads": 0}');
SELECT rockset_run(NULL, '{"full_refresh": "yes"}');
SELECT rockset_run(NULL, '{"colour": 1}');
SELECT rockset_run(NULL, 'not json');
SELECT rockset_run(NULL, '{"vars": [1]}');
SELECT max(run_id) FROM rockset_run_results;

.print -- case: ownership_refusal_and_override
.shell sh api.sh POST /v1/orgs/self/ws/mr/collections foreign.json
INSERT INTO rockset_models (name, sql, materialized, alias) VALUES
  ('intruder', 'SELECT 1 AS one', 'table', 'owned_elsewhere'),
  ('intruder_view', 'SELECT 2 AS two', 'view', 'owned_elsewhere');
WITH r(s) AS (SELECT rockset_run('intruder intruder_view'))
SELECT json_extract(s, '$.error') FROM r;
SELECT model, status, message FROM rockset_run_results WHERE run_id = 5 ORDER BY model;
SELECT rockset_materialize('intruder');
SELECT name, doc_count, description FROM rockset_collections('mr') WHERE name = 'owned_elsewhere';
SELECT rockset_drop('mr.owned_elsewhere', 1);
WITH r(s) AS (SELECT rockset_materialize('intruder'))
SELECT json_extract(s, '$.action'), json_extract(s, '$.relation') FROM r;
SELECT name, description FROM rockset_aliases('mr') WHERE name = 'owned_elsewhere';
SELECT doc_count, description FROM rockset_collections('mr') WHERE name GLOB 'owned_elsewhere__rs[0-9]*';

.print -- case: data_tests
INSERT INTO rockset_tests (model, column_name, test, arg) VALUES
  ('base', '_id', 'unique', NULL),
  ('base', 'age', 'not_null', NULL),
  ('base', 'name', 'accepted_values', '["ann", "bob", "cy"]'),
  ('adults', 'name', 'relationships', '{"to": "ref(''base'')", "field": "name"}'),
  ('adults', 'name', 'accepted_values', '{"values": ["ann"]}'),
  ('base', 'name', 'relationships', '{"to": "source(''crm'', ''people'')", "field": "name"}'),
  ('lonely', 'one', 'accepted_values', '[1, 2.5, true]'),
  ('ghost', 'x', 'not_null', NULL),
  ('base', NULL, 'unique', NULL),
  ('base', 'name', 'accepted_values', '"ann"');
WITH r(s) AS (SELECT rockset_test())
SELECT json_extract(s, '$.tests'), json_extract(s, '$.pass'), json_extract(s, '$.fail'),
       json_extract(s, '$.error') FROM r;
SELECT model, kind, relation, status, rows_affected, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY rowid;
SELECT compiled_sql FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) AND compiled_sql IS NOT NULL
 ORDER BY rowid;
WITH r(s) AS (SELECT rockset_test('lonely'))
SELECT json_extract(s, '$.tests'), json_extract(s, '$.pass') FROM r;

.print -- case: compile_errors
INSERT INTO rockset_models (name, sql) VALUES ('typo', 'SELECT {{ reff(''base'') }}');
SELECT rockset_compile('adults');
SELECT rockset_compile('typo');
DELETE FROM rockset_models WHERE name = 'typo';
INSERT INTO rockset_models (name, sql) VALUES ('loop_a', 'SELECT * FROM {{ ref(''loop_b'') }}'),
  ('loop_b', 'SELECT * FROM {{ ref(''loop_a'') }}');
SELECT rockset_compile('base');
SELECT * FROM rockset_dag;
DELETE FROM rockset_models WHERE name LIKE 'loop_%';
INSERT INTO rockset_models (name, sql) VALUES ('unknown', 'SELECT * FROM {{ ref(''adultz'') }}');
SELECT rockset_compile('unknown');
WITH r(s) AS (SELECT rockset_run('unknown adults')) SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT status, message FROM rockset_run_results WHERE model = 'unknown';
DELETE FROM rockset_models WHERE name = 'unknown';
INSERT INTO rockset_models (name, sql) VALUES ('needs_var', 'SELECT {{ var(''missing'') }} AS x');
SELECT rockset_compile('needs_var');
WITH r(s) AS (SELECT rockset_run('needs_var'))
SELECT json_extract(s, '$.error') FROM r;
SELECT status, message FROM rockset_run_results WHERE model = 'needs_var';
SELECT rockset_compile('nope');
SELECT rockset_compile(NULL);
.print -- case: unknown_model_suggests_closest
SELECT rockset_compile('adultz');
SELECT rockset_materialize('adlts');
WITH r(s) AS (SELECT rockset_test('adultz')) SELECT json_extract(s, '$.error') FROM r;
