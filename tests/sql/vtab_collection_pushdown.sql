-- Reading a `rockset` table: every pushed operator with its exact rows and the SQL sent (values
-- always as parameters), exactness (omitted constraints, LIMIT/OFFSET, ORDER BY), mixed
-- types, pushdown on/off equality, one request for an IN list, small point lookups, streaming
-- over many pages, joins with local tables.
.print -- case: setup
SELECT rockset_create_workspace('vtab_pd');
SELECT rockset_create_collection('vtab_pd.items');
CREATE VIRTUAL TABLE seed USING rockset('vtab_pd.items', columns='x');
INSERT INTO seed(_id, _doc)
  SELECT printf('i%02d', value),
         json_object('n', CASE WHEN value % 10 = 0 THEN CAST(value AS TEXT)
                               WHEN value % 7 = 0 THEN value + 0.5 ELSE value END,
                     's', CASE value % 4 WHEN 0 THEN 'apple' WHEN 1 THEN 'Apple'
                                         WHEN 2 THEN 'banana' ELSE NULL END,
                     'grp', value % 3,
                     'flag', json(CASE WHEN value % 5 = 0 THEN 'true' ELSE 'false' END))
    FROM generate_series(1, 30);
INSERT INTO seed(_id, _doc) VALUES ('i31', '{"grp": 1, "s": {"k": "v"}}'), ('i32', '{"n": true}');
CREATE VIRTUAL TABLE items USING rockset('vtab_pd.items', columns='n INTEGER, s TEXT, grp INTEGER, flag INTEGER');
CREATE VIRTUAL TABLE paged_hint USING rockset('vtab_pd.items', columns='grp INTEGER', page_size=2);
CREATE TEMP VIEW last_sql AS SELECT json_extract(rockset_stats(), '$.last_sql') AS sql;
CREATE TEMP TABLE mark(requests, bytes);
-- "SELECT ... WHERE 0" plans a table without reading it: the planner refreshes its statistics
-- (one request every 30 s), so a mark taken right after counts only the query's own requests.
CREATE TEMP VIEW since AS
  SELECT json_extract(rockset_stats(), '$.requests') - requests AS requests,
         json_extract(rockset_stats(), '$.bytes_received') - bytes AS bytes FROM mark;
SELECT count(*) FROM items;

.print -- case: eq_id
SELECT _id, n, s FROM items WHERE _id = 'i03';
SELECT sql FROM last_sql;

.print -- case: eq_int_matches_numeric_strings_as_sqlite_does
SELECT _id, n FROM items WHERE n = 10 OR n = 20;
SELECT _id, n FROM items WHERE n = 20;
SELECT sql FROM last_sql;

.print -- case: eq_text_matches_numeric_string_through_affinity
SELECT _id, n, typeof(n) FROM items WHERE n = '20';

.print -- case: eq_one_matches_true
SELECT _id, n FROM items WHERE n = 1;
SELECT sql FROM last_sql;

.print -- case: ne
SELECT count(*) FROM items WHERE s <> 'apple';
SELECT sql FROM last_sql;

.print -- case: lt_le
SELECT group_concat(_id) FROM items WHERE n < 3;
SELECT group_concat(_id) FROM items WHERE n <= 3.0;
SELECT sql FROM last_sql;

.print -- case: gt_ge_numeric_strings_convert
SELECT group_concat(_id) FROM items WHERE n > 27;
SELECT group_concat(_id) FROM items WHERE n >= 28.5;
SELECT sql FROM last_sql;

.print -- case: is_null_and_not_null
SELECT group_concat(_id) FROM items WHERE s IS NULL;
SELECT sql FROM last_sql;
SELECT count(*) FROM items WHERE n IS NOT NULL;
SELECT sql FROM last_sql;

.print -- case: in_list_one_request
SELECT count(*) FROM items WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.bytes_received');
SELECT _id, n FROM items WHERE _id IN ('i02', 'i05', 'i40', 'i09') ORDER BY _id;
SELECT requests FROM since;
SELECT sql FROM last_sql;

.print -- case: in_mixed_values
SELECT group_concat(_id) FROM items WHERE n IN (2, '10', 14.5, 'x');
SELECT sql FROM last_sql;

.print -- case: like_is_case_insensitive_as_in_sqlite
SELECT count(*) FROM items WHERE s LIKE 'APP%';
SELECT sql FROM last_sql;
SELECT group_concat(_id) FROM items WHERE s LIKE '%nan%';

.print -- case: glob_is_case_sensitive
SELECT count(*) FROM items WHERE s GLOB 'A*';
SELECT sql FROM last_sql;

.print -- case: collate_nocase_not_pushed
SELECT count(*) FROM items WHERE s = 'APPLE' COLLATE NOCASE;
SELECT sql FROM last_sql;

.print -- case: null_right_side_sends_nothing
SELECT count(*) FROM items WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT count(*) FROM items WHERE n = NULL;
SELECT count(*) FROM items WHERE _id IS NULL;
SELECT count(*) FROM items WHERE _id > 'i10' LIMIT 0;
SELECT requests FROM since;

.print -- case: order_by_id_limit_offset_pushed
SELECT _id FROM items WHERE _id >= 'i10' ORDER BY _id DESC LIMIT 3 OFFSET 2;
SELECT sql FROM last_sql;
EXPLAIN QUERY PLAN SELECT _id FROM items WHERE _id >= 'i10' ORDER BY _id DESC LIMIT 3 OFFSET 2;

.print -- case: limit_pushed_only_when_exact
SELECT _id FROM items WHERE s = 'banana' ORDER BY _id LIMIT 2 OFFSET 1;
SELECT sql FROM last_sql;
SELECT count(*) FROM paged_hint WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT count(*) FROM (SELECT _id FROM paged_hint WHERE grp = 1 LIMIT 4);
SELECT CASE WHEN requests IN (2, 3, 4) THEN 'query + 1 page (+ up to 2 prefetched)' ELSE requests END FROM since;
SELECT sql FROM last_sql;
SELECT _id FROM items WHERE s LIKE 'b%' ORDER BY _id LIMIT 2;
SELECT sql FROM last_sql;

.print -- case: order_by_field_sorted_by_sqlite
SELECT _id, n FROM items WHERE grp = 0 ORDER BY n DESC, _id LIMIT 4;
SELECT sql FROM last_sql;
EXPLAIN QUERY PLAN SELECT _id, n FROM items WHERE grp = 0 ORDER BY n DESC, _id LIMIT 4;

-- ORDER BY a field with LIMIT: Rockset orders the rows whose value is of a type it orders as
-- SQLite does (MAIN); the others (here i32's true, which SQLite sees as 1: REST) are merged in
-- by the extension. The page goes first, MAIN unguarded and untied, with a probe for any row of
-- another type (descending on this INTEGER column: after the page, as its keys are not all
-- numbers: i10, i20 and i30 are strings); here the probe finds i32, so MAIN, with its guard and
-- _id tie-break, and REST are sent together (the SQL shown; ascending, 2 requests below).
.print -- case: order_by_field_limit_pushed
SELECT _id, n FROM items ORDER BY n DESC LIMIT 5;
SELECT sql FROM last_sql;
EXPLAIN QUERY PLAN SELECT _id, n FROM items ORDER BY n DESC LIMIT 5;

.print -- case: order_by_field_rest_merged
SELECT count(*) FROM items WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT _id, n, typeof(n) FROM items ORDER BY n LIMIT 4;
SELECT requests FROM since;
SELECT _id, n FROM items ORDER BY n LIMIT 3 OFFSET 1;
SELECT _id, n FROM items ORDER BY n LIMIT 2 OFFSET 31;
SELECT _id, n FROM items WHERE _id > 'i29' ORDER BY n DESC LIMIT 3;
SELECT _id, flag FROM items ORDER BY flag DESC, _id LIMIT 3;
SELECT _id FROM items ORDER BY n LIMIT 0;

.print -- case: order_by_several_keys
SELECT _id, grp, n FROM items ORDER BY grp DESC, n, _id LIMIT 4;
SELECT sql FROM last_sql;
SELECT _id, s, n FROM items WHERE _id < 'i09' ORDER BY s, n DESC LIMIT 8;

.print -- case: order_by_field_not_consumed
EXPLAIN QUERY PLAN SELECT _id FROM items ORDER BY n;
EXPLAIN QUERY PLAN SELECT _id FROM items WHERE n > 3 ORDER BY n LIMIT 2;
EXPLAIN QUERY PLAN SELECT _id FROM items ORDER BY s COLLATE NOCASE LIMIT 2;
EXPLAIN QUERY PLAN SELECT _id FROM items ORDER BY n NULLS LAST LIMIT 2;
EXPLAIN QUERY PLAN SELECT _id FROM items ORDER BY _event_time LIMIT 2;
CREATE VIRTUAL TABLE items_nocase USING rockset('vtab_pd.items', columns='s TEXT COLLATE NOCASE');
EXPLAIN QUERY PLAN SELECT _id FROM items_nocase ORDER BY s LIMIT 2;
SELECT _id, s FROM items_nocase WHERE _id < 'i06' ORDER BY s, _id LIMIT 3;
EXPLAIN QUERY PLAN SELECT _id FROM items ORDER BY _id LIMIT 2;
EXPLAIN QUERY PLAN SELECT _id FROM items ORDER BY _id;

.print -- case: projection
SELECT count(*) FROM items;
SELECT sql FROM last_sql;
SELECT count(_doc) FROM items;
SELECT sql FROM last_sql;

.print -- case: pushdown_off_same_rows
SELECT rockset_config('pushdown', 0);
SELECT group_concat(_id) FROM items WHERE n > 27;
SELECT group_concat(_id) FROM items WHERE n = '20';
SELECT _id FROM items WHERE _id >= 'i10' ORDER BY _id DESC LIMIT 3 OFFSET 2;
SELECT sql FROM last_sql;
SELECT rockset_config('pushdown', 1);

.print -- case: point_lookup_is_small
SELECT count(*) FROM items WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.bytes_received');
SELECT n FROM items WHERE _id = 'i07';
SELECT requests, bytes < 4096 FROM since;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.bytes_received');
SELECT _id FROM items WHERE n = 8;
SELECT requests, bytes < 4096 FROM since;

.print -- case: streaming_many_pages
CREATE VIRTUAL TABLE paged USING rockset('vtab_pd.items', columns='n', page_size=3);
SELECT count(*) FROM paged;
SELECT count(*) FROM paged WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT count(*), count(DISTINCT _id), min(_id), max(_id) FROM paged;
SELECT requests FROM since;
SELECT json_extract(rockset_stats(), '$.docs_received') >= 32;

.print -- case: streaming_stops_early
SELECT count(*) FROM paged WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT _id FROM paged WHERE n IS NOT NULL LIMIT 2;
SELECT requests <= 3 FROM since;

.print -- case: join_small_collection_read_once
CREATE TABLE wanted(id TEXT PRIMARY KEY);
INSERT INTO wanted VALUES ('i01'), ('i12'), ('nope');
SELECT count(*) FROM items WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT w.id, i.n FROM wanted w JOIN items i ON i._id = w.id ORDER BY w.id;
SELECT requests FROM since;

.print -- case: join_in_subquery_one_request
SELECT count(*) FROM items WHERE 0;
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT _id, grp FROM items WHERE _id IN (SELECT id FROM wanted) ORDER BY _id;
SELECT requests FROM since;

.print -- case: join_on_field
CREATE TABLE groups(g INTEGER, label TEXT);
INSERT INTO groups VALUES (0, 'zero'), (2, 'two');
SELECT g.label, count(*) FROM groups g JOIN items i ON i.grp = g.g GROUP BY g.label ORDER BY 1;
