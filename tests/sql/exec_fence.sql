-- server: --ingest-delay-ms 1000
-- rockset_exec waits, after an INSERT INTO, until the target collection's commit fence has
-- passed the write's offset, so the very next read sees the new documents even on a server
-- that makes writes visible only after an ingest delay. A query that writes through
-- rockset_query() does not wait (without_exec_no_wait shows the write not yet visible).
.print -- case: setup
SELECT rockset_create_workspace('ext_fence_ws');
SELECT rockset_create_collection('ext_fence_ws.c');

.print -- case: insert_then_read_immediately
SELECT json_extract(rockset_exec('INSERT INTO ext_fence_ws.c SELECT 1 AS id UNION ALL SELECT 2 AS id'), '$.num_docs_inserted');
SELECT count(*) FROM rockset_query('SELECT id FROM ext_fence_ws.c');

.print -- case: quoted_target_waits_too
SELECT json_extract(rockset_exec('INSERT INTO "ext_fence_ws".`c` SELECT 3 AS id'), '$.num_docs_inserted');
SELECT count(*) FROM rockset_query('SELECT id FROM ext_fence_ws.c');

.print -- case: comment_and_lowercase_keywords
SELECT json_extract(rockset_exec('/* note */ insert into ext_fence_ws.c select 4 AS id'), '$.num_docs_inserted');
SELECT count(*) FROM rockset_query('SELECT id FROM ext_fence_ws.c');

.print -- case: without_exec_no_wait
SELECT count(*) FROM rockset_query('INSERT INTO ext_fence_ws.c SELECT 5 AS id');
SELECT count(*) FROM rockset_query('SELECT id FROM ext_fence_ws.c');

.print -- case: async_insert_waits_too
SELECT rockset_config('async', 1);
SELECT json_remove(rockset_exec('INSERT INTO ext_fence_ws.c SELECT 6 AS id'), '$.query_id', '$.last_offset');
SELECT count(*) FROM rockset_query('SELECT id FROM ext_fence_ws.c WHERE id = 6');
SELECT rockset_config('async', 0);

.print -- case: run_async_iis_profile
SELECT writefile('profiles.yml', 'rockset:
  target: dev
  outputs:
    dev:
      type: rockset
      workspace: ext_fence_ws
      run_async_iis: true
      api_key: "{{ env_var(''ROCKSET_APIKEY'') }}"
      api_server: "{{ env_var(''ROCKSET_APISERVER'') }}"
') > 0;
SELECT replace(rockset_connect(), '@URL@', 'URL');
SELECT json_remove(rockset_exec('INSERT INTO ext_fence_ws.c SELECT 7 AS id'), '$.query_id', '$.last_offset');
SELECT count(*) FROM rockset_query('SELECT id FROM ext_fence_ws.c WHERE id = 7');

.print -- case: nothing_inserted_no_wait
SELECT json_extract(rockset_exec('INSERT INTO ext_fence_ws.c SELECT id FROM ext_fence_ws.c WHERE id < 0'), '$.num_docs_inserted');

.print -- case: cleanup
SELECT rockset_drop('ext_fence_ws.c');
