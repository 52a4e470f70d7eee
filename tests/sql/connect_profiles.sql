-- connect_profiles: profiles as dbt-rockset documents them (its README's profile with
-- `database`, its sample profile's `region`, dbt init's `user`), choosing the rockset profile in
-- a profiles.yml shared with other adapters (with and without a path: the same choice), and the
-- profile's threads in effect from the very first rockset_run. Files are written to the current
-- directory (a fresh temp dir; HOME points there too); results holding the server's URL pass
-- through replace(..., '@URL@', 'URL').
--
-- The first case must stay first: nothing has connected yet, so rockset_run connects by itself
-- with the default lookup, which finds ./profiles.yml.
.print -- case: first_run_uses_profile_threads
.output /dev/null
SELECT writefile('profiles.yml', 'config:
  send_anonymous_usage_stats: false
warehouse:
  target: dev
  outputs:
    dev:
      type: postgres
      host: localhost
      dbname: analytics
analytics:
  target: dev
  outputs:
    dev:
      type: rockset
      threads: 3
      database: N/A
      workspace: cp_first
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
');
SELECT rockset_config('quiet', 1);
SELECT rockset_init();
INSERT INTO rockset_models(name, sql, materialized) VALUES ('one', 'SELECT 1 AS one', 'view');
.output
SELECT json_extract(s, '$.threads'), json_extract(s, '$.success'), rockset_config('threads'),
       rockset_config('workspace')
  FROM (SELECT rockset_run() AS s);
SELECT json_extract(rockset_run(), '$.threads');

.print -- case: lookup_and_path_pick_the_rockset_profile
SELECT replace(rockset_connect(), '@URL@', 'URL');
SELECT replace(rockset_connect('profiles.yml'), '@URL@', 'URL');

.print -- case: dbt_rockset_readme_profile
SELECT writefile('dbt_rockset.yml', 'rockset:
  outputs:
    dev:
      type: rockset
      threads: 1
      database: N/A
      workspace: cp_readme
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
      vi_rrn: rrn:vi:local:00000000-0000-0000-0000-000000000001
      run_async_iis: false
  target: dev
') > 0;
SELECT replace(rockset_connect('dbt_rockset.yml'), '@URL@', 'URL');
SELECT rockset_config('workspace'), rockset_config('threads');
SELECT json_extract(s, '$.threads'), json_extract(s, '$.success')
  FROM (SELECT rockset_run() AS s);

.print -- case: sample_profile_and_dbt_init_keys
SELECT writefile('sample.yml', 'rockset:
  outputs:
    dev:
      type: rockset
      user: dev_user
      region: us-west-2
      workspace: cp_sample
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
  target: dev
') > 0;
SELECT replace(rockset_connect('sample.yml'), '@URL@', 'URL');

.print -- case: no_ignored_keys_no_note
SELECT writefile('plain.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: cp_plain
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT replace(rockset_connect('plain.yml'), '@URL@', 'URL');

.print -- case: undocumented_key_still_refused
SELECT writefile('typo.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      databse: N/A
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
') > 0;
SELECT rockset_connect('typo.yml');

.print -- case: several_rockset_profiles_none_named_rockset
SELECT writefile('two_rockset.yml', 'a:
  target: dev
  outputs:
    dev: {type: rockset, workspace: cp_a, api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"}
pg:
  target: dev
  outputs:
    dev: {type: postgres, dbname: x}
b:
  target: dev
  outputs:
    dev: {type: rockset, workspace: cp_b, api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"}
') > 0;
SELECT rockset_connect('two_rockset.yml');

.print -- case: several_rockset_profiles_one_named_rockset
SELECT writefile('named.yml', 'a:
  target: dev
  outputs:
    dev: {type: rockset, workspace: cp_a, api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"}
rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: cp_named
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT replace(rockset_connect('named.yml'), '@URL@', 'URL');

.print -- case: no_rockset_profile
SELECT writefile('others.yml', 'pg:
  target: dev
  outputs:
    dev: {type: postgres, dbname: x}
sf:
  target: dev
  outputs:
    dev: {type: snowflake, account: x}
') > 0;
SELECT rockset_connect('others.yml');

.print -- case: failed_connects_keep_the_session
SELECT rockset_config('workspace');
