-- Session functions: rockset_version, rockset_connect (profiles and environment), rockset_config,
-- rockset_stats. The URL of the test server varies, so results that contain it pass through
-- replace(..., '@URL@', 'URL'). Profiles are written into the current directory (a fresh temp
-- dir; HOME points there too) and named relative to it, so error texts are stable.
.print -- case: version
SELECT rockset_version();

.print -- case: stats_before_connect
SELECT rockset_stats();

.print -- case: config_defaults
SELECT rockset_config('workspace'), rockset_config('threads'), rockset_config('page_size'),
       rockset_config('batch_size'), rockset_config('timeout_ms'), rockset_config('retries'),
       rockset_config('pushdown'), rockset_config('quiet'), rockset_config('async');

.print -- case: connect_from_environment
SELECT replace(rockset_connect(), '@URL@', 'URL');

.print -- case: stats_after_connect
SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.retries'),
       json_extract(rockset_stats(), '$.bytes_received') > 0, json_extract(rockset_stats(), '$.last_sql');

.print -- case: connect_home_dbt_profiles
.output /dev/null
SELECT writefile('.dbt', NULL, 16877);
.output
SELECT writefile('.dbt/profiles.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: from_home
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT replace(rockset_connect(), '@URL@', 'URL');
SELECT rockset_config('workspace');

.print -- case: connect_cwd_profiles_wins_over_home
SELECT writefile('profiles.yml', 'config:
  send_anonymous_usage_stats: false
rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      schema: from_cwd
      threads: 8
      retries: 2
      timeout_seconds: 30
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
    ci:
      type: rockset
      workspace: ci_ws
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT replace(rockset_connect(), '@URL@', 'URL');
SELECT rockset_config('workspace'), rockset_config('threads'), rockset_config('retries'),
       rockset_config('timeout_ms');

.print -- case: connect_named_target
SELECT replace(rockset_connect('profiles.yml', 'rockset', 'ci'), '@URL@', 'URL');
SELECT rockset_config('workspace'), rockset_config('threads');

.print -- case: connect_profile_name_only
SELECT replace(rockset_connect('profiles.yml', 'rockset'), '@URL@', 'URL');

.print -- case: connect_env_var_default
SELECT writefile('envdefault.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: "{{ env_var(''RS_TEST_SURELY_UNSET'', ''fallback_ws'') }}"
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT replace(rockset_connect('envdefault.yml'), '@URL@', 'URL');

.print -- case: connect_vi_rrn_routes_queries
SELECT writefile('vi.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: commons
      vi_rrn: rrn:vi:local:00000000-0000-0000-0000-000000000001
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT replace(rockset_connect('vi.yml'), '@URL@', 'URL');
SELECT doc FROM rockset_query('SELECT 7 AS seven');

.print -- case: connect_env_var_unset
SELECT writefile('envunset.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      api_key: "{{ env_var(''RS_TEST_SURELY_UNSET'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT rockset_connect('envunset.yml');

.print -- case: connect_yaml_syntax_error
SELECT writefile('syntax.yml', 'rockset:
  target: dev
  outputs: [dev
    type: rockset
') > 0;
SELECT rockset_connect('syntax.yml');

.print -- case: connect_wrong_type
SELECT writefile('wrongtype.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      threads: many
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT rockset_connect('wrongtype.yml');

.print -- case: connect_unknown_target
SELECT rockset_connect('profiles.yml', 'rockset', 'prod');

.print -- case: connect_unknown_profile
SELECT rockset_connect('profiles.yml', 'dbt_other', 'dev');

.print -- case: connect_missing_key
SELECT writefile('nokey.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: w
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT rockset_connect('nokey.yml');

.print -- case: connect_unknown_option
SELECT writefile('unknownkey.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      thread: 3
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
') > 0;
SELECT rockset_connect('unknownkey.yml');

.print -- case: connect_not_rockset_type
SELECT writefile('postgres.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: postgres
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
') > 0;
SELECT rockset_connect('postgres.yml');

.print -- case: connect_insecure_remote_http
SELECT writefile('insecure.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: w
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: http://example.com
') > 0;
SELECT rockset_connect('insecure.yml');

.print -- case: connect_missing_file
SELECT rockset_connect('no_such_profiles.yml');

.print -- case: failed_connect_keeps_previous
SELECT rockset_config('workspace');
SELECT json_extract(doc, '$.one') FROM rockset_query('SELECT 1 AS one');

.print -- case: config_set_and_get
SELECT rockset_config('page_size', 50), rockset_config('page_size');
SELECT rockset_config('page_size', '25'), rockset_config('batch_size', 500),
       rockset_config('pushdown', 0), rockset_config('quiet', 1), rockset_config('async', 1),
       rockset_config('threads', 2), rockset_config('timeout_ms', 60000), rockset_config('retries', 3);
SELECT rockset_config('workspace', 'analytics'), rockset_config('workspace');

.print -- case: config_unknown_key
SELECT rockset_config('page_sise');

.print -- case: config_unknown_key_set
SELECT rockset_config('colour', 'blue');

.print -- case: config_not_an_integer
SELECT rockset_config('page_size', 'many');

.print -- case: config_real_is_not_an_integer
SELECT rockset_config('threads', 2.5);

.print -- case: config_out_of_range
SELECT rockset_config('page_size', 0);

.print -- case: config_bool_range
SELECT rockset_config('pushdown', 2);

.print -- case: config_workspace_type
SELECT rockset_config('workspace', 7);

.print -- case: config_workspace_empty
SELECT rockset_config('workspace', '');

.print -- case: config_null_key
SELECT rockset_config(NULL);

.print -- case: config_unchanged_after_errors
SELECT rockset_config('page_size'), rockset_config('pushdown'), rockset_config('workspace');

.print -- case: reconnect_default_lookup_keeps_session_settings
SELECT replace(rockset_connect(), '@URL@', 'URL');
SELECT rockset_config('workspace'), rockset_config('threads'), rockset_config('page_size'),
       rockset_config('async');

.print -- case: stats_after_queries
SELECT rockset_config('async', 0);
CREATE TEMP TABLE before AS SELECT rockset_stats() AS s;
SELECT count(*) FROM rockset_query('SELECT 1 AS a UNION ALL SELECT 2 AS a');
SELECT json_extract(rockset_stats(), '$.docs_received'), json_extract(rockset_stats(), '$.docs_sent'),
       json_extract(rockset_stats(), '$.last_sql'),
       length(json_extract(rockset_stats(), '$.last_query_id')) > 0,
       json_extract(rockset_stats(), '$.requests') - json_extract(s, '$.requests'),
       json_extract(rockset_stats(), '$.bytes_sent') > json_extract(s, '$.bytes_sent'),
       json_extract(rockset_stats(), '$.bytes_received') > json_extract(s, '$.bytes_received')
  FROM before;

.print -- case: stats_is_json
SELECT json_type(rockset_stats()), json_valid(rockset_stats());
SELECT json_group_array(key) FROM json_each(rockset_stats());

.print -- case: connect_empty_path_and_directory
SELECT rockset_connect('');
SELECT rockset_connect('/');

.print -- case: config_workspace_must_be_a_name
SELECT rockset_config('workspace', 'a.b');
SELECT rockset_config('workspace', 'bad name!');
SELECT rockset_config('workspace');
