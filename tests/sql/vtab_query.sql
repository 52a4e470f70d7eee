-- rockset_query() and rockset_exec(): rows as JSON, parameters of every type, pagination over
-- many pages with all rows exactly once, errors, DIRECTONLY, async mode.
.print -- case: setup
SELECT rockset_create_workspace('ext_query_ws');
SELECT rockset_create_collection('ext_query_ws.orders');

.print -- case: exec_insert_summary
SELECT json_remove(rockset_exec('INSERT INTO ext_query_ws.orders ' || (
         SELECT group_concat(printf('SELECT %d AS id, ''c%d'' AS customer, %d.5 AS total', value,
                                    value % 3, value), ' UNION ALL ')
           FROM generate_series(1, 100))), '$.query_id', '$.last_offset');

.print -- case: exec_summary_ids
SELECT length(json_extract(rockset_exec('INSERT INTO ext_query_ws.orders SELECT 1000 AS id'),
              '$.query_id')) > 10;
SELECT json_type(rockset_exec('INSERT INTO ext_query_ws.orders SELECT 1001 AS id'), '$.last_offset');

.print -- case: exec_select_summary
SELECT json_remove(rockset_exec('SELECT id FROM ext_query_ws.orders WHERE id <= :n', '{"n": 3}'),
                   '$.query_id');

.print -- case: exec_error
SELECT rockset_exec('SELECT * FROM ext_query_ws.no_such_collection');

.print -- case: exec_null_sql
SELECT rockset_exec(NULL);

.print -- case: literal_row
SELECT doc FROM rockset_query('SELECT 1 AS one, ''a'' AS s, 2.5 AS f, true AS t, null AS z');

.print -- case: doc_has_json_subtype
SELECT json_object('d', doc) FROM rockset_query('SELECT 1 AS one');
SELECT json_extract(doc, '$.one') + 1 FROM rockset_query('SELECT 1 AS one');

.print -- case: int64_exact
SELECT doc FROM rockset_query('SELECT 9007199254740993 AS big, -9223372036854775808 AS low');

.print -- case: read_after_insert
SELECT count(*), min(json_extract(doc, '$.id')), max(json_extract(doc, '$.id'))
  FROM rockset_query('SELECT id FROM ext_query_ws.orders');

.print -- case: params_object_each_type
SELECT doc FROM rockset_query('SELECT :i AS i, :f AS f, :s AS s, :b AS b, :n AS n',
                              '{"i": 7, "f": 2.5, "s": "it''s \"q\"", "b": true, "n": null}');

.print -- case: params_bool_false_and_big_int
SELECT doc FROM rockset_query('SELECT :b AS b, :big AS big', '{"b": false, "big": 9007199254740993}');

.print -- case: params_filter_rows
SELECT json_extract(doc, '$.id'), json_extract(doc, '$.customer')
  FROM rockset_query('SELECT id, customer FROM ext_query_ws.orders WHERE id < :lim AND customer = :c ORDER BY id',
                     '{"lim": 10, "c": "c1"}');

.print -- case: params_array_passthrough
SELECT doc FROM rockset_query('SELECT :s AS s, :i + 1 AS i',
                              '[{"name": "s", "type": "string", "value": "x"},
                                {"name": "i", "type": "int", "value": "41"}]');

.print -- case: params_empty_object
SELECT doc FROM rockset_query('SELECT 5 AS five', '{}');

.print -- case: params_not_json
SELECT doc FROM rockset_query('SELECT :a AS a', '{"a": 1');

.print -- case: params_scalar
SELECT doc FROM rockset_query('SELECT :a AS a', '42');

.print -- case: params_nested_value
SELECT doc FROM rockset_query('SELECT :a AS a', '{"a": {"b": 1}}');

.print -- case: params_array_value
SELECT doc FROM rockset_query('SELECT :a AS a', '{"a": [1, 2]}');

.print -- case: params_bad_array_element
SELECT doc FROM rockset_query('SELECT :a AS a', '[{"name": "a", "type": "int", "value": 1}]');

.print -- case: exec_params_error
SELECT rockset_exec('SELECT :a AS a', '[1]');

.print -- case: hidden_columns
SELECT sql, params FROM rockset_query('SELECT 1 AS a', '{"x": 1}');
SELECT sql, params IS NULL FROM rockset_query('SELECT 1 AS a');

.print -- case: missing_sql_argument
SELECT * FROM rockset_query;

.print -- case: null_sql_argument
SELECT * FROM rockset_query(NULL);

.print -- case: query_error_from_rockset
SELECT * FROM rockset_query('SELECT * FROM ext_query_ws.no_such_collection');

.print -- case: many_pages_every_row_once
SELECT rockset_config('page_size', 7);
CREATE TEMP TABLE before AS SELECT json_extract(rockset_stats(), '$.requests') AS r,
                                   json_extract(rockset_stats(), '$.docs_received') AS d;
CREATE TEMP TABLE got AS
  SELECT json_extract(doc, '$.id') AS id FROM rockset_query('SELECT id FROM ext_query_ws.orders WHERE id <= 100');
SELECT count(*), count(DISTINCT id), min(id), max(id), sum(id) FROM got;
SELECT json_extract(rockset_stats(), '$.requests') - r >= 15,
       json_extract(rockset_stats(), '$.docs_received') - d FROM before;

.print -- case: many_pages_order_kept
SELECT group_concat(json_extract(doc, '$.id'), ',')
  FROM rockset_query('SELECT id FROM ext_query_ws.orders WHERE id BETWEEN 40 AND 60 ORDER BY id DESC');

.print -- case: limit_stops_after_first_page
DELETE FROM before;
INSERT INTO before SELECT json_extract(rockset_stats(), '$.requests'), 0;
SELECT count(*) FROM (SELECT doc FROM rockset_query('SELECT id FROM ext_query_ws.orders') LIMIT 3);
SELECT json_extract(rockset_stats(), '$.requests') - r FROM before;

.print -- case: queries_from_a_local_table
CREATE TEMP TABLE q(label, sql);
INSERT INTO q VALUES ('one', 'SELECT 1 AS v'), ('two', 'SELECT 2 AS v UNION ALL SELECT 3 AS v');
SELECT label, json_extract(doc, '$.v') FROM q, rockset_query(q.sql) ORDER BY 1, 2;

.print -- case: empty_result
SELECT count(*) FROM rockset_query('SELECT id FROM ext_query_ws.orders WHERE id < 0');

.print -- case: async_mode_same_rows
SELECT rockset_config('async', 1);
SELECT count(*), sum(json_extract(doc, '$.id')) FROM rockset_query('SELECT id FROM ext_query_ws.orders WHERE id <= 100');
SELECT json_remove(rockset_exec('SELECT id FROM ext_query_ws.orders WHERE id <= 2'), '$.query_id');
SELECT rockset_config('async', 0);

.print -- case: directonly_in_view
CREATE VIEW rq AS SELECT doc FROM rockset_query('SELECT 1 AS a');
SELECT * FROM rq;

.print -- case: directonly_in_trigger
CREATE TABLE t(x);
CREATE TRIGGER t_ins AFTER INSERT ON t BEGIN SELECT rockset_exec('SELECT 1'); END;
INSERT INTO t VALUES (1);

.print -- case: last_sql_recorded
SELECT json_extract(rockset_stats(), '$.last_sql');

.print -- case: cleanup
SELECT rockset_drop('ext_query_ws.orders');
