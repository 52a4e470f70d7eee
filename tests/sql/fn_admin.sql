-- rockset_create_workspace, rockset_create_collection and rockset_drop with its ownership rule:
-- only relations whose description carries the 'managed by rockset_ext' mark are dropped unless
-- forced. Unmarked relations are made through the REST API with curl (api.sh reads the key from
-- the environment).
.output /dev/null
SELECT writefile('api.sh', '# api.sh METHOD PATH [BODY_FILE]: one REST call. The key goes to curl on stdin (never in
# argv or a file); LD_PRELOAD is dropped so a sanitizer preloaded for sqlite3 stays out of curl.
printf ''header = "Authorization: ApiKey %s"\n'' "$ROCKSET_APIKEY" |
  env -u LD_PRELOAD curl -s --max-time 20 -o /dev/null -K - -X "$1" \
    -H "Content-Type: application/json" ${3:+--data-binary @"$3"} "$ROCKSET_APISERVER$2"
');
SELECT writefile('coll.json', '{"name": "foreign", "description": "made by someone else"}');
SELECT writefile('coll2.json', '{"name": "nodesc"}');
SELECT writefile('view.json', '{"name": "v_foreign", "query": "SELECT 1 AS x"}');
SELECT writefile('alias.json', '{"name": "a_foreign", "collections": ["ext_admin_ws.foreign"]}');
SELECT writefile('lambda.json', '{"name": "l_foreign", "sql": {"query": "SELECT 1 AS x"}}');
SELECT writefile('marked_view.json', '{"name": "v_marked", "query": "SELECT 1 AS x", "description": "managed by rockset_ext; model=v_marked"}');
.output
.print -- case: create_workspace
SELECT rockset_create_workspace('ext_admin_ws');
SELECT name, description FROM rockset_workspaces WHERE name = 'ext_admin_ws';

.print -- case: create_workspace_with_description
SELECT rockset_create_workspace('ext_admin_ws2', 'scratch space');
SELECT description FROM rockset_workspaces WHERE name = 'ext_admin_ws2';

.print -- case: create_workspace_duplicate
SELECT rockset_create_workspace('ext_admin_ws');

.print -- case: create_workspace_bad_name
SELECT rockset_create_workspace('');
SELECT rockset_create_workspace(NULL);
SELECT rockset_create_workspace(42);

.print -- case: create_collection_qualified
SELECT rockset_create_collection('ext_admin_ws.events');
SELECT name, status, doc_count, description FROM rockset_collections('ext_admin_ws');

.print -- case: create_collection_unqualified_uses_session_workspace
SELECT rockset_config('workspace', 'ext_admin_ws2');
SELECT rockset_create_collection('clicks', 'raw clicks');
SELECT name, workspace, status, description FROM rockset_collections('ext_admin_ws2');

.print -- case: create_collection_duplicate
SELECT rockset_create_collection('ext_admin_ws.events');

.print -- case: create_collection_missing_workspace
SELECT rockset_create_collection('ext_admin_nope.events');

.print -- case: create_collection_bad_names
SELECT rockset_create_collection('.events');
SELECT rockset_create_collection('ext_admin_ws.');
SELECT rockset_create_collection('');

.print -- case: drop_managed_collection
SELECT rockset_drop('ext_admin_ws.events');
SELECT count(*) FROM rockset_collections('ext_admin_ws');

.print -- case: drop_then_recreate
SELECT rockset_create_collection('ext_admin_ws.events');
SELECT rockset_drop('ext_admin_ws.events');

.print -- case: drop_unqualified
SELECT rockset_drop('clicks');

.print -- case: setup_foreign_relations
.shell sh api.sh POST /v1/orgs/self/ws/ext_admin_ws/collections coll.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_admin_ws/collections coll2.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_admin_ws/views view.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_admin_ws/views marked_view.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_admin_ws/aliases alias.json
.shell sh api.sh POST /v1/orgs/self/ws/ext_admin_ws/lambdas lambda.json
SELECT name, description FROM rockset_collections('ext_admin_ws') ORDER BY name;

.print -- case: drop_refuses_unmarked_collection
SELECT rockset_drop('ext_admin_ws.foreign');

.print -- case: drop_refuses_collection_without_description
SELECT rockset_drop('ext_admin_ws.nodesc');

.print -- case: drop_refuses_unmarked_view
SELECT rockset_drop('ext_admin_ws.v_foreign');

.print -- case: drop_refuses_unmarked_alias
SELECT rockset_drop('ext_admin_ws.a_foreign');

.print -- case: drop_refuses_unmarked_lambda
SELECT rockset_drop('ext_admin_ws.l_foreign');

.print -- case: drop_force_zero_still_refuses
SELECT rockset_drop('ext_admin_ws.foreign', 0);

.print -- case: still_there_after_refusals
SELECT name FROM rockset_collections('ext_admin_ws') ORDER BY name;
SELECT name FROM rockset_views('ext_admin_ws') ORDER BY name;
SELECT name FROM rockset_lambdas('ext_admin_ws');

.print -- case: drop_marked_view
SELECT rockset_drop('ext_admin_ws.v_marked');

.print -- case: drop_forced
SELECT rockset_drop('ext_admin_ws.a_foreign', 1);
SELECT rockset_drop('ext_admin_ws.v_foreign', 1);
SELECT rockset_drop('ext_admin_ws.l_foreign', 1);
SELECT rockset_drop('ext_admin_ws.foreign', 1);
SELECT rockset_drop('ext_admin_ws.nodesc', 1);
SELECT count(*) FROM rockset_collections('ext_admin_ws');
SELECT count(*) FROM rockset_views('ext_admin_ws');
SELECT count(*) FROM rockset_lambdas('ext_admin_ws');

.print -- case: drop_nothing
SELECT rockset_drop('ext_admin_ws.ghost');

.print -- case: drop_bad_name
SELECT rockset_drop('');
SELECT rockset_drop('x.');
