-- rockset_create_collection's third argument (issue 22): options as a JSON object text
-- (field_mapping_query, retention_secs, event_time_info) go into the create request, and the
-- server echoes them back (rockset_collections' field_mapping_query, retention_secs and
-- event_time_info columns read GET /collections). A mistake in the options is an error naming
-- the key, before anything is sent; a value the server refuses comes back with the server's
-- own message. What the server does with the documents is not checked here.
.output /dev/null
SELECT rockset_connect();
SELECT rockset_create_workspace('copt');
.output
.print -- case: all_options
SELECT rockset_create_collection('copt.by_kind', NULL, json_object(
  'field_mapping_query', 'SELECT kind, COUNT(*) AS n, SUM(amount) AS total FROM _input WHERE amount > 0 GROUP BY kind',
  'retention_secs', 86400,
  'event_time_info', json_object('field', 'ts', 'format', 'seconds_since_epoch')));
SELECT name, status, description, field_mapping_query, retention_secs, event_time_info
  FROM rockset_collections('copt');
SELECT json_extract(event_time_info, '$.format') FROM rockset_collections('copt');

.print -- case: description_and_one_option
SELECT rockset_create_collection('copt.kept', 'one day of clicks', json_object('retention_secs', 86400));
SELECT name, description, field_mapping_query IS NULL, retention_secs, event_time_info IS NULL
  FROM rockset_collections('copt') WHERE name = 'kept';

.print -- case: unqualified_with_options_in_the_session_workspace
SELECT rockset_config('workspace', 'copt');
SELECT rockset_create_collection('shaped', 'shaped', '{"field_mapping_query": "SELECT *, 1 AS seen FROM _input"}');
SELECT name, workspace, description, field_mapping_query, retention_secs IS NULL
  FROM rockset_collections WHERE name = 'shaped';

.print -- case: null_and_empty_options
SELECT rockset_create_collection('copt.plain1', 'no options', NULL);
SELECT rockset_create_collection('copt.plain2', NULL, '{}');
SELECT rockset_create_collection('copt.plain3', NULL, json_object('retention_secs', NULL));
SELECT name, description, field_mapping_query IS NULL, retention_secs IS NULL, event_time_info IS NULL
  FROM rockset_collections('copt') WHERE name GLOB 'plain*' ORDER BY name;

.print -- case: options_errors
SELECT rockset_create_collection('copt.bad', NULL, json_object('retention_secs', '3600'));
SELECT rockset_create_collection('copt.bad', NULL, json_object('retention_secs', 3600.5));
SELECT rockset_create_collection('copt.bad', NULL, json_object('retention', 3600));
SELECT rockset_create_collection('copt.bad', NULL, json_object('field_mapping_query', json_object('sql', 'SELECT * FROM _input')));
SELECT rockset_create_collection('copt.bad', NULL, json_object('event_time_info', '{"field": "ts"}'));
SELECT rockset_create_collection('copt.bad', NULL, '{"retention_secs": 1, "retention_secs": 2}');
SELECT rockset_create_collection('copt.bad', NULL, 'retention_secs=3600');
SELECT rockset_create_collection('copt.bad', NULL, '[3600]');
SELECT rockset_create_collection('copt.bad', NULL, 3600);

.print -- case: options_errors_send_nothing
SELECT count(*) FROM rockset_collections('copt') WHERE name = 'bad';

.print -- case: options_checked_before_the_name
SELECT rockset_create_collection('.bad', NULL, json_object('retention_secs', 'x'));
SELECT rockset_create_collection('', NULL, json_object('retention_secs', 'x'));

.print -- case: server_refusal_unchanged
-- the server checks the range of retention_secs; its 400 message is the error
SELECT rockset_create_collection('copt.bad', NULL, json_object('retention_secs', -5));
SELECT rockset_create_collection('copt.bad', NULL, json_object('field_mapping_query', 'SELECT a FROM _input ORDER BY a'));
SELECT count(*) FROM rockset_collections('copt') WHERE name = 'bad';

.print -- case: duplicate_with_options
SELECT rockset_create_collection('copt.by_kind', NULL, json_object('retention_secs', 3600));

.print -- case: drop_with_options
SELECT rockset_drop('copt.by_kind');
SELECT rockset_drop('copt.kept');
SELECT count(*) FROM rockset_collections('copt') WHERE name IN ('by_kind', 'kept');
