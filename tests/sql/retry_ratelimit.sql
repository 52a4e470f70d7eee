-- server: --rate-limit 5
-- Reads survive a server that allows 5 requests a second and answers 429 with Retry-After
-- beyond that: the client waits as told and retries.
.print -- case: setup
SELECT rockset_config('retries', 12);
SELECT replace(rockset_connect(), '@URL@', 'URL');
SELECT rockset_config('page_size', 2);

.print -- case: paged_query_all_rows
SELECT count(*), count(DISTINCT json_extract(doc, '$.n')), sum(json_extract(doc, '$.n'))
  FROM rockset_query((SELECT group_concat(printf('SELECT %d AS n', value), ' UNION ALL ')
                        FROM generate_series(1, 24)));

.print -- case: catalog_reads
SELECT count(*) FROM rockset_workspaces WHERE name = 'commons';
SELECT count(*) FROM rockset_workspaces WHERE name = 'commons';

.print -- case: retries_happened
SELECT json_extract(rockset_stats(), '$.retries') > 0;
