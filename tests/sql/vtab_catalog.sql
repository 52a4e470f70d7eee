-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- rockset_workspaces, rockset_collections, rockset_views, rockset_lambdas, on a server of its own (commons counts are exact). Views, aliases and lambdas are made through the REST API with curl (api.sh reads the key from the environment,
-- so it is never written anywhere). Timestamps vary, so only their length is shown.
.output /dev/null
SELECT writefile('api.sh', '# api.sh METHOD PATH [BODY_FILE]: one REST call. The key goes to curl on stdin (never in
# argv or a file); LD_PRELOAD is dropped so a sanitizer preloaded for sqlite3 stays out of curl.
printf ''header = "Authorization: ApiKey %s"\n'' "$ROCKSET_APIKEY" |
  env -u LD_PRELOAD curl -s --max-time 20 -o /dev/null -K - -X "$1" \
    -H "Content-Type: application/json" ${3:+--data-binary @"$3"} "$ROCKSET_APISERVER$2"
');
SELECT writefile('view.json', '{"name": "big_orders", "query": "SELECT * FROM ext_cat_ws.orders WHERE total > 10", "description": "orders over 10"}');
SELECT writefile('lambda.json', '{"name": "by_id", "sql": {"query": "SELECT * FROM ext_cat_ws.orders WHERE id = :id", "default_parameters": [{"name": "id", "type": "int", "value": "1"}]}, "description": "one order"}');
SELECT writefile('lambda2.json', '{"sql": {"query": "SELECT id FROM ext_cat_ws.orders WHERE id = :id"}, "description": "one order, v2"}');
SELECT writefile('alias.json', '{"name": "current", "collections": ["ext_cat_ws.orders"]}');
.output
.print -- case: setup
SELECT rockset_create_workspace('ext_cat_ws', 'catalog tests');
SELECT rockset_create_collection('ext_cat_ws.orders', 'the orders');
SELECT rockset_create_collection('ext_cat_ws.empty');
SELECT json_extract(rockset_exec('INSERT INTO ext_cat_ws.orders SELECT 1 AS id, 5 AS total UNION ALL SELECT 2 AS id, 50 AS total UNION ALL SELECT 3 AS id, 500 AS total'), '$.num_docs_inserted');
.shell sh api.sh POST /v1/orgs/self/ws/ext_cat_ws/views view.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_cat_ws/lambdas lambda.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_cat_ws/lambdas/by_id/versions lambda2.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_cat_ws/aliases alias.json

.print -- case: workspaces
SELECT name, description, collection_count, length(created_at)
  FROM rockset_workspaces WHERE name IN ('ext_cat_ws', 'commons') ORDER BY name;

.print -- case: workspaces_columns
SELECT group_concat(name, ',') FROM pragma_table_xinfo('rockset_workspaces');

.print -- case: collections
SELECT name, workspace, status, doc_count, description, length(created_at)
  FROM rockset_collections('ext_cat_ws') ORDER BY name;

.print -- case: collections_bytes_known
SELECT name, bytes > 0 FROM rockset_collections('ext_cat_ws') WHERE name = 'orders';

.print -- case: collections_columns
SELECT group_concat(name, ',') FROM pragma_table_xinfo('rockset_collections');

.print -- case: collections_default_workspace
SELECT count(*) FROM rockset_collections WHERE workspace <> 'commons';
SELECT rockset_config('workspace', 'ext_cat_ws');
SELECT name, ws FROM rockset_collections ORDER BY name;
SELECT name FROM rockset_collections() ORDER BY name;

.print -- case: collections_unknown_workspace
SELECT * FROM rockset_collections('ext_no_such_ws');

.print -- case: views
SELECT name, workspace, state IN ('SYNCING', 'CREATED'), query_sql, entities, description
  FROM rockset_views('ext_cat_ws');

.print -- case: views_entities_is_json
SELECT json_object('e', entities) FROM rockset_views('ext_cat_ws');
SELECT value FROM rockset_views('ext_cat_ws'), json_each(entities);

.print -- case: lambdas
SELECT name, workspace, length(latest_version), version_count, sql, description
  FROM rockset_lambdas('ext_cat_ws');

.print -- case: lambdas_default_workspace
SELECT name FROM rockset_lambdas;

.print -- case: empty_lists
SELECT count(*) FROM rockset_views('commons') WHERE name = 'big_orders';
SELECT count(*) FROM rockset_lambdas('commons') WHERE name = 'by_id';

.print -- case: join_catalog_with_local_table
CREATE TEMP TABLE wanted(ws);
INSERT INTO wanted VALUES ('ext_cat_ws');
SELECT w.ws, c.name FROM wanted w, rockset_collections(w.ws) c ORDER BY 2;

.print -- case: directonly_in_view
CREATE VIEW ws_names AS SELECT name FROM rockset_workspaces;
SELECT * FROM ws_names;

.print -- case: cleanup
SELECT rockset_drop('ext_cat_ws.by_id', 1);
SELECT rockset_drop('ext_cat_ws.current', 1);
SELECT rockset_drop('ext_cat_ws.big_orders', 1);
SELECT rockset_drop('ext_cat_ws.orders');
SELECT rockset_drop('ext_cat_ws.empty');
SELECT count(*) FROM rockset_collections('ext_cat_ws');
