-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_swap: "nothing lost" (issue 13). A table model's rows go to a fresh collection
-- <name>__rs<ms> and the alias <name> is switched to it only once they have landed: a rebuild
-- that fails on Rockset at INSERT time leaves the last good rows readable (directly, through a
-- view model and through a query lambda), a good rebuild switches them all to the new rows,
-- and no collection is left behind. The same for an incremental model's full_refresh, whose
-- later incremental runs insert into the collection behind the alias and read {{ this }}
-- through it. A relation built as a plain collection (config.swap = 'none') moves behind an
-- alias on its next build; the migration's gap is reported. Fresh collections left by a killed
-- build are dropped at the model's next build (only this model's: marked, named by the
-- pattern, pointed to by no alias). Ownership: an unmanaged collection or alias in the way is
-- an error. rockset_drop of the model's alias drops the collection behind it too. Collection
-- names carry a timestamp: the output shows <name>__rs<ms>. Strays and foreign relations are
-- made through the REST API with curl.
.output /dev/null
SELECT writefile('api.sh', 'curl -s -o /dev/null -X "$1" -H "Authorization: ApiKey $ROCKSET_APIKEY" -H "Content-Type: application/json" ${3:+--data-binary @"$3"} "$ROCKSET_APISERVER$2"
');
SELECT writefile('stray.json', '{"name": "totals__rs123", "description": "managed by rockset_ext; model=totals"}');
SELECT writefile('other_model.json', '{"name": "totals__rs456", "description": "managed by rockset_ext; model=other"}');
SELECT writefile('foreign.json', '{"name": "totals__rs789", "description": "made by someone else"}');
SELECT writefile('taken.json', '{"name": "taken", "description": "made by someone else"}');
SELECT writefile('taken_alias.json', '{"name": "taken_alias", "description": "made by someone else", "collections": ["sw.taken"]}');
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'sw');
SELECT rockset_init();
CREATE TABLE src_orders(_id INTEGER, customer TEXT, amount INTEGER);
INSERT INTO src_orders VALUES (1, 'ann', 10), (2, 'bob', 20), (3, 'ann', 30);
SELECT rockset_seed('src_orders', 'swraw.orders');
INSERT INTO rockset_sources (source, name, workspace, collection) VALUES
  ('raw', 'orders', 'swraw', 'orders');
.output

.print -- case: first_build
INSERT INTO rockset_models (name, sql, materialized) VALUES
  ('totals', 'SELECT customer, SUM(amount) AS total FROM {{ source(''raw'', ''orders'') }} GROUP BY customer', 'table'),
  ('big', 'SELECT customer FROM {{ ref(''totals'') }} WHERE total > 25', 'view'),
  ('by_customer', 'SELECT total FROM {{ ref(''totals'') }} WHERE customer = :who', 'query_lambda');
UPDATE rockset_models SET config = '{"parameters": {"who": "ann"}}' WHERE name = 'by_customer';
WITH r(s) AS (SELECT rockset_run())
SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, status, relation, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
SELECT doc FROM rockset_query('SELECT customer, total FROM sw.totals ORDER BY customer');
SELECT substr(name, 1, instr(name, '__rs') + 3) || '<ms>', doc_count FROM rockset_collections('sw')
 ORDER BY name;
SELECT name, json_array_length(collections),
       json_extract(collections, '$[0]') GLOB 'sw.totals__rs[0-9]*', description
  FROM rockset_aliases('sw');

.print -- case: failed_rebuild_keeps_the_rows
-- the new SQL reads a collection that does not exist: it fails on Rockset, at INSERT time
UPDATE rockset_models SET sql = 'SELECT customer, SUM(amount) AS total FROM swraw.missing GROUP BY customer'
 WHERE name = 'totals';
CREATE TEMP TABLE before AS SELECT json_extract(collections, '$[0]') AS target
  FROM rockset_aliases('sw') WHERE name = 'totals';
WITH r(s) AS (SELECT rockset_run('totals'))
SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT model, status, relation, replace(message, query_id, '<id>') FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results);
SELECT doc FROM rockset_query('SELECT customer, total FROM sw.totals ORDER BY customer');
SELECT doc FROM rockset_query('SELECT customer FROM sw.big ORDER BY customer');
SELECT doc FROM rockset_lambda('sw.by_customer');
-- the alias still points where it did; the failed build's fresh collection is gone
SELECT json_extract(collections, '$[0]') = (SELECT target FROM before)
  FROM rockset_aliases('sw') WHERE name = 'totals';
SELECT count(*) FROM rockset_collections('sw');

.print -- case: good_rebuild_switches_readers
UPDATE rockset_models
   SET sql = 'SELECT customer, SUM(amount) * 10 AS total FROM {{ source(''raw'', ''orders'') }} GROUP BY customer'
 WHERE name = 'totals';
WITH r(s) AS (SELECT rockset_materialize('totals'))
SELECT json_extract(s, '$.action'), json_extract(s, '$.relation'), json_extract(s, '$.rows_affected') FROM r;
SELECT doc FROM rockset_query('SELECT customer, total FROM sw.totals ORDER BY customer');
SELECT doc FROM rockset_query('SELECT customer FROM sw.big ORDER BY customer');
SELECT doc FROM rockset_lambda('sw.by_customer');
-- switched to a new collection; the old one was dropped: one collection, behind the alias
SELECT json_extract(collections, '$[0]') <> (SELECT target FROM before)
  FROM rockset_aliases('sw') WHERE name = 'totals';
SELECT substr(name, 1, instr(name, '__rs') + 3) || '<ms>', doc_count FROM rockset_collections('sw');
SELECT count(*) FROM rockset_collections('sw') c, rockset_aliases('sw') a
 WHERE json_extract(a.collections, '$[0]') = 'sw.' || c.name;

.print -- case: incremental_full_refresh
INSERT INTO rockset_models (name, sql, materialized, unique_key) VALUES
  ('inc', 'SELECT _id AS id, customer, amount FROM {{ source(''raw'', ''orders'') }}{% if is_incremental() %} WHERE _id > (SELECT MAX(id) FROM {{ this }}){% endif %}',
   'incremental', 'id');
WITH r(s) AS (SELECT rockset_materialize('inc'))
SELECT json_extract(s, '$.action'), json_extract(s, '$.rows_affected') FROM r;
UPDATE rockset_models SET sql = 'SELECT _id AS id, customer, amount FROM swraw.missing' WHERE name = 'inc';
WITH r(s) AS (SELECT rockset_run('inc', '{"full_refresh": true}'))
SELECT json_extract(s, '$.success'), json_extract(s, '$.error') FROM r;
SELECT status, replace(message, query_id, '<id>') FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results);
SELECT doc FROM rockset_query('SELECT id, amount FROM sw.inc ORDER BY id');
UPDATE rockset_models
   SET sql = 'SELECT _id AS id, customer, amount * 2 AS amount FROM {{ source(''raw'', ''orders'') }}{% if is_incremental() %} WHERE _id > (SELECT MAX(id) FROM {{ this }}){% endif %}'
 WHERE name = 'inc';
WITH r(s) AS (SELECT rockset_run('inc', '{"full_refresh": true}'))
SELECT json_extract(s, '$.success') FROM r;
SELECT message FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results);
SELECT doc FROM rockset_query('SELECT id, amount FROM sw.inc ORDER BY id');
SELECT count(*) FROM rockset_collections('sw') WHERE name LIKE 'inc%';

.print -- case: incremental_run_inserts_behind_the_alias
CREATE TEMP TABLE inc_before AS SELECT json_extract(collections, '$[0]') AS target
  FROM rockset_aliases('sw') WHERE name = 'inc';
INSERT INTO src_orders VALUES (4, 'cy', 40);
.output /dev/null
SELECT rockset_seed('src_orders', 'swraw.orders');
.output
WITH r(s) AS (SELECT rockset_materialize('inc'))
SELECT json_extract(s, '$.action'), json_extract(s, '$.rows_affected') FROM r;
SELECT doc FROM rockset_query('SELECT id, amount FROM sw.inc ORDER BY id');
SELECT json_extract(collections, '$[0]') = (SELECT target FROM inc_before)
  FROM rockset_aliases('sw') WHERE name = 'inc';
SELECT count(*) FROM rockset_collections('sw') WHERE name LIKE 'inc%';

.print -- case: migration_from_a_plain_collection
INSERT INTO rockset_models (name, sql, materialized, config) VALUES
  ('legacy', 'SELECT customer FROM {{ source(''raw'', ''orders'') }}', 'table', '{"swap": "none"}');
WITH r(s) AS (SELECT rockset_materialize('legacy'))
SELECT json_extract(s, '$.action') FROM r;
SELECT name, doc_count FROM rockset_collections('sw') WHERE name LIKE 'legacy%';
SELECT count(*) FROM rockset_aliases('sw') WHERE name = 'legacy';
UPDATE rockset_models SET config = NULL WHERE name = 'legacy';
WITH r(s) AS (SELECT rockset_materialize('legacy'))
SELECT CAST(json_extract(s, '$.action') GLOB
            'replaced table (moved behind an alias; the name answered nothing for [0-9]* ms)' AS INT)
  FROM r;
SELECT substr(name, 1, instr(name, '__rs') + 3) || '<ms>', doc_count FROM rockset_collections('sw')
 WHERE name LIKE 'legacy%';
SELECT name, json_extract(collections, '$[0]') GLOB 'sw.legacy__rs[0-9]*' FROM rockset_aliases('sw')
 WHERE name = 'legacy';
SELECT doc FROM rockset_query('SELECT COUNT(*) AS n FROM sw.legacy');
-- and back: the opt-out replaces the alias (and the collection behind it) by a plain collection
UPDATE rockset_models SET config = '{"swap": false}' WHERE name = 'legacy';
WITH r(s) AS (SELECT rockset_materialize('legacy'))
SELECT json_extract(s, '$.action') FROM r;
SELECT name FROM rockset_collections('sw') WHERE name LIKE 'legacy%';
SELECT count(*) FROM rockset_aliases('sw') WHERE name = 'legacy';

.print -- case: strays_of_the_model_dropped_at_its_next_build
.shell sh api.sh POST /v1/orgs/self/ws/sw/collections stray.json
.shell sh api.sh POST /v1/orgs/self/ws/sw/collections other_model.json
.shell sh api.sh POST /v1/orgs/self/ws/sw/collections foreign.json
SELECT name FROM rockset_collections('sw') WHERE name GLOB 'totals__rs[0-9][0-9][0-9]' ORDER BY name;
WITH r(s) AS (SELECT rockset_materialize('totals'))
SELECT json_extract(s, '$.action') FROM r;
-- gone: this model's stray; kept: another model's and an unmarked one
SELECT name FROM rockset_collections('sw') WHERE name GLOB 'totals__rs[0-9][0-9][0-9]' ORDER BY name;
SELECT count(*) FROM rockset_collections('sw') WHERE name GLOB 'totals__rs[0-9]*';

.print -- case: ownership_unmanaged_in_the_way
.shell sh api.sh POST /v1/orgs/self/ws/sw/collections taken.json
.shell sh api.sh POST /v1/orgs/self/ws/sw/aliases taken_alias.json
INSERT INTO rockset_models (name, sql, materialized, alias) VALUES
  ('intruder', 'SELECT 1 AS one', 'table', 'taken'),
  ('intruder_alias', 'SELECT 1 AS one', 'table', 'taken_alias');
WITH r(s) AS (SELECT rockset_run('intruder intruder_alias'))
SELECT json_extract(s, '$.error') FROM r;
SELECT model, status, message FROM rockset_run_results
 WHERE run_id = (SELECT max(run_id) FROM rockset_run_results) ORDER BY model;
SELECT name, description FROM rockset_collections('sw') WHERE name LIKE 'taken%';
SELECT name, collections FROM rockset_aliases('sw') WHERE name LIKE 'taken%';

.print -- case: rockset_drop_of_the_model
SELECT rockset_drop('sw.totals');
SELECT name FROM rockset_collections('sw') WHERE name LIKE 'totals%' ORDER BY name;
SELECT count(*) FROM rockset_aliases('sw') WHERE name = 'totals';
SELECT rockset_drop('sw.taken_alias');
SELECT rockset_drop('sw.taken_alias', 1);
SELECT name FROM rockset_collections('sw') WHERE name = 'taken';
