-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_rollup (issue 22): a model's config field_mapping_query / retention_secs /
-- event_time_info reach the create request of the collections a table or incremental model
-- makes, and materialized = 'rollup' makes a collection whose ingest transformation is the
-- model's SQL with its one relation read as _input, filled from that relation with
-- INSERT INTO ... SELECT *, behind the model's alias like a table. What is checked is what the
-- server echoes back (rockset_collections' field_mapping_query, retention_secs,
-- event_time_info), the alias, the actions and the errors; not what the server does with the
-- documents. Collection names carry a timestamp: the output shows <name>__rs<ms>.
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'ro');
-- a rockset_models made by an older version: its CHECK knows no 'rollup'
CREATE TABLE rockset_models (
    name         TEXT PRIMARY KEY,
    sql          TEXT NOT NULL,
    materialized TEXT NOT NULL DEFAULT 'view'
                 CHECK (materialized IN ('view', 'table', 'incremental', 'ephemeral', 'query_lambda', 'snapshot')),
    workspace    TEXT,
    alias        TEXT,
    unique_key   TEXT,
    tags         TEXT CHECK (tags IS NULL OR json_valid(tags)),
    config       TEXT CHECK (config IS NULL OR json_valid(config)),
    enabled      INTEGER DEFAULT 1,
    description  TEXT
);
INSERT INTO rockset_models (name, sql, materialized, description) VALUES
  ('stg_events', 'SELECT _id, kind, amount, ts FROM {{ source(''raw'', ''events'') }}', 'view', 'kept');
CREATE TABLE src_events(_id INTEGER, kind TEXT, amount INTEGER, ts INTEGER);
INSERT INTO src_events VALUES (1, 'click', 10, 1700000000), (2, 'view', 20, 1700000060),
  (3, 'click', 30, 1700000120), (4, 'buy', 0, 1700000180), (5, 'click', 5, 1700000240);
SELECT rockset_seed('src_events', 'roraw.events');
.output

.print -- case: init_rebuilds_an_older_models_table
SELECT rockset_init() IS NOT NULL;
SELECT name, materialized, description FROM rockset_models;
SELECT instr(sql, '''rollup''') > 0 FROM sqlite_master WHERE name = 'rockset_models';
INSERT INTO rockset_sources (source, name, workspace, collection) VALUES ('raw', 'events', 'roraw', 'events');

.print -- case: table_with_collection_config
INSERT INTO rockset_models (name, sql, materialized, config) VALUES
  ('recent', 'SELECT _id, kind, amount, ts FROM {{ ref(''stg_events'') }}', 'table',
   json_object('retention_secs', 86400, 'field_mapping_query', 'SELECT *, 1 AS seen FROM _input'));
WITH r(s) AS (SELECT rockset_run('+recent'))
SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
SELECT substr(name, 1, instr(name, '__rs') + 3) || '<ms>', field_mapping_query, retention_secs,
       event_time_info
  FROM rockset_collections('ro') WHERE name GLOB 'recent__rs*';
SELECT json_extract(collections, '$[0]') = 'ro.' || (SELECT name FROM rockset_collections('ro') WHERE name GLOB 'recent__rs*')
  FROM rockset_aliases('ro') WHERE name = 'recent';

.print -- case: incremental_with_collection_config
INSERT INTO rockset_models (name, sql, materialized, unique_key) VALUES
  ('inc', '{{ config(retention_secs=3600) }}SELECT _id, amount FROM {{ source(''raw'', ''events'') }}{% if is_incremental() %} WHERE amount > 100{% endif %}',
   'incremental', '_id');
SELECT json_extract(rockset_materialize('inc'), '$.action');
SELECT json_extract(rockset_materialize('inc'), '$.action');
SELECT substr(name, 1, instr(name, '__rs') + 3) || '<ms>', field_mapping_query IS NULL, retention_secs
  FROM rockset_collections('ro') WHERE name GLOB 'inc__rs*';

.print -- case: plain_table_has_no_options
INSERT INTO rockset_models (name, sql, materialized, config) VALUES
  ('plain', 'SELECT 1 AS one', 'table', '{"swap": "none"}');
SELECT json_extract(rockset_materialize('plain'), '$.action');
SELECT name, field_mapping_query IS NULL, retention_secs IS NULL, event_time_info IS NULL
  FROM rockset_collections('ro') WHERE name = 'plain';

.print -- case: rollup_compiles_to_its_transformation
INSERT INTO rockset_models (name, sql, materialized, config) VALUES
  ('by_kind', 'SELECT kind, COUNT(*) AS n, SUM(amount) AS total FROM {{ source(''raw'', ''events'') }} WHERE amount > 0 GROUP BY kind',
   'rollup', '{"retention_secs": 604800}');
SELECT rockset_compile('by_kind');
SELECT rockset_compile('by_kind', 1);

.print -- case: rollup_first_build
WITH r(s) AS (SELECT rockset_run('by_kind'))
SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, kind, relation, status, message, compiled_sql FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results);
SELECT substr(name, 1, instr(name, '__rs') + 3) || '<ms>', description, field_mapping_query,
       retention_secs, event_time_info IS NULL
  FROM rockset_collections('ro') WHERE name GLOB 'by_kind__rs*';
SELECT name, json_array_length(collections), description FROM rockset_aliases('ro') WHERE name = 'by_kind';
SELECT json_extract(collections, '$[0]') = 'ro.' || (SELECT name FROM rockset_collections('ro') WHERE name GLOB 'by_kind__rs*')
  FROM rockset_aliases('ro') WHERE name = 'by_kind';
CREATE TEMP TABLE first_build AS SELECT name FROM rockset_collections('ro') WHERE name GLOB 'by_kind__rs*';

.print -- case: rollup_documents_are_the_groups
-- the server applies the transformation: one document per kind, WHERE amount > 0 applied
SELECT json_extract(doc, '$.kind'), json_extract(doc, '$.n'), json_extract(doc, '$.total')
  FROM rockset_query('SELECT kind, n, total FROM ro.by_kind ORDER BY kind');
SELECT json_extract(doc, '$.n'), json_extract(doc, '$.seen')
  FROM rockset_query('SELECT COUNT(*) AS n, SUM(seen) AS seen FROM ro.recent');

.print -- case: rollup_rerun_rebuilds_behind_the_alias
WITH r(s) AS (SELECT rockset_materialize('by_kind'))
SELECT json_extract(s, '$.kind'), json_extract(s, '$.action'), json_extract(s, '$.relation') FROM r;
SELECT count(*), sum(name IN (SELECT name FROM first_build)) FROM rockset_collections('ro') WHERE name GLOB 'by_kind__rs*';
SELECT json_extract(collections, '$[0]') = 'ro.' || (SELECT name FROM rockset_collections('ro') WHERE name GLOB 'by_kind__rs*')
  FROM rockset_aliases('ro') WHERE name = 'by_kind';
SELECT field_mapping_query, retention_secs FROM rockset_collections('ro') WHERE name GLOB 'by_kind__rs*';

.print -- case: rollup_from_a_model_and_in_place
-- materialized by config(), reading a view model; swap 'none': a plain collection under the name
INSERT INTO rockset_models (name, sql, config) VALUES
  ('clicks', '{{ config(materialized=''rollup'', event_time_info={''field'': ''ts'', ''format'': ''seconds_since_epoch''}) }}SELECT kind, COUNT(*) AS clicks, MAX(ts) AS last_ts FROM {{ ref(''stg_events'') }} WHERE kind = ''click'' GROUP BY kind',
   '{"swap": "none"}');
SELECT json_extract(rockset_materialize('clicks'), '$.action');
SELECT name, field_mapping_query, retention_secs IS NULL, json_extract(event_time_info, '$.field')
  FROM rockset_collections('ro') WHERE name = 'clicks';
SELECT count(*) FROM rockset_aliases('ro') WHERE name = 'clicks';
SELECT parent, child FROM rockset_dag WHERE child IN ('by_kind', 'clicks') ORDER BY child;

.print -- case: materialize_kind_override
-- a table model built as a rollup reads _input; a rollup model built as a table reads the relation
SELECT json_extract(rockset_materialize('recent', 'rollup'), '$.action');
SELECT compiled_sql FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results);
SELECT field_mapping_query, retention_secs FROM rockset_collections('ro') WHERE name GLOB 'recent__rs*';
SELECT json_extract(rockset_materialize('by_kind', 'table'), '$.action');
SELECT compiled_sql FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results);
SELECT field_mapping_query IS NULL, retention_secs FROM rockset_collections('ro') WHERE name GLOB 'by_kind__rs*';

.print -- case: rollup_reading_two_relations
INSERT INTO rockset_models (name, sql, materialized) VALUES
  ('joined', 'SELECT e.kind, COUNT(*) AS n FROM {{ source(''raw'', ''events'') }} e JOIN {{ ref(''stg_events'') }} s ON s._id = e._id GROUP BY e.kind', 'rollup');
SELECT rockset_compile('joined');
WITH r(s) AS (SELECT rockset_run('joined'))
SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results);
SELECT count(*) FROM rockset_collections('ro') WHERE name GLOB 'joined*';
SELECT rockset_materialize('joined');
DELETE FROM rockset_models WHERE name = 'joined';

.print -- case: rollup_reading_nothing
INSERT INTO rockset_models (name, sql, materialized) VALUES ('nothing', 'SELECT 1 AS one', 'rollup');
SELECT rockset_compile('nothing');
DELETE FROM rockset_models WHERE name = 'nothing';

.print -- case: config_errors_name_model_and_key
INSERT INTO rockset_models (name, sql, materialized, config) VALUES
  ('bad_secs', 'SELECT 1 AS one', 'table', '{"retention_secs": "1 day"}'),
  ('view_secs', 'SELECT 1 AS one', 'view', '{"retention_secs": 3600}'),
  ('rollup_fmq', 'SELECT * FROM {{ source(''raw'', ''events'') }}', 'rollup', '{"field_mapping_query": "SELECT * FROM _input"}');
SELECT rockset_compile('bad_secs');
SELECT rockset_compile('view_secs');
SELECT rockset_compile('rollup_fmq');
WITH r(s) AS (SELECT rockset_run('bad_secs view_secs rollup_fmq'))
SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
DELETE FROM rockset_models WHERE name IN ('bad_secs', 'view_secs', 'rollup_fmq');

.print -- case: drop_rollup_alias_drops_its_collection
SELECT rockset_drop('ro.by_kind');
SELECT count(*) FROM rockset_collections('ro') WHERE name GLOB 'by_kind*';
