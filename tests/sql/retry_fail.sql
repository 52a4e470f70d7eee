-- server: --fail-rate 0.3 --fail-status 503
-- Reads survive a server that answers 30% of requests with 503: GETs and read-only queries are
-- retried with backoff. Retries are raised first so that the odds of a spurious failure are nil.
.print -- case: setup
SELECT rockset_config('retries', 12);
SELECT replace(rockset_connect(), '@URL@', 'URL');
SELECT rockset_config('retries'), rockset_config('page_size', 3);

.print -- case: paged_query_all_rows
SELECT count(*), count(DISTINCT json_extract(doc, '$.n')), sum(json_extract(doc, '$.n'))
  FROM rockset_query((SELECT group_concat(printf('SELECT %d AS n', value), ' UNION ALL ')
                        FROM generate_series(1, 30)));

.print -- case: catalog_reads
SELECT count(*) FROM rockset_workspaces WHERE name = 'commons';
SELECT count(*) FROM rockset_collections('commons') WHERE name = 'ext_none';

.print -- case: more_queries
SELECT group_concat(json_extract(doc, '$.v'), ',') FROM rockset_query('SELECT 1 AS v UNION ALL SELECT 2 AS v UNION ALL SELECT 3 AS v UNION ALL SELECT 4 AS v');
SELECT json_extract(doc, '$.p') FROM rockset_query('SELECT :p AS p', '{"p": "param"}');
SELECT json_extract(rockset_exec('SELECT 1 AS a'), '$.rows');

.print -- case: retries_happened
SELECT json_extract(rockset_stats(), '$.retries') > 0,
       json_extract(rockset_stats(), '$.requests') > json_extract(rockset_stats(), '$.retries');
