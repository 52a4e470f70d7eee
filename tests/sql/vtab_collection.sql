-- CREATE VIRTUAL TABLE ... USING rockset(...): every argument form and error, discovered and
-- declared columns, the type mapping, hidden columns, reopening the database (xConnect),
-- rename and drop.
.print -- case: setup
SELECT rockset_create_workspace('vtab_ws');
SELECT rockset_create_collection('vtab_ws.orders');
SELECT rockset_create_collection('vtab_ws.empty');
CREATE VIRTUAL TABLE seed USING rockset('vtab_ws.orders', columns='x');
INSERT INTO seed(_id, _doc) VALUES
  ('o1', '{"id": 1, "total": 10.5, "customer": "ann", "paid": true, "tags": ["a", "b"], "ship": {"city": "Oslo"}, "day": {"__rockset_type": "date", "value": "2024-02-29"}, "note": null}'),
  ('o2', '{"id": 2, "total": 20, "customer": "bob", "paid": false, "tags": [], "ship": {"city": "Rome", "zip": "00100"}}'),
  ('o3', '{"id": 3, "total": 7.25, "customer": 42, "paid": true, "big": 9007199254740993}'),
  ('o4', '{"id": "4", "total": null, "customer": "dee", "esc": "tab\tquote\" e\u00e9"}');
DROP TABLE seed;
SELECT name FROM sqlite_schema ORDER BY name;

.print -- case: positional_discovers_columns
CREATE VIRTUAL TABLE o1 USING rockset('vtab_ws.orders');
SELECT cid, name, type, pk, hidden FROM pragma_table_xinfo('o1');

.print -- case: discovered_rows
.mode list
SELECT _id, id, total, customer, paid, tags, ship, day, note, big, esc FROM o1 ORDER BY _id;

.print -- case: type_mapping
SELECT _id, typeof(id), typeof(total), typeof(customer), typeof(paid), typeof(tags), typeof(ship),
       typeof(day), typeof(note), typeof(big) FROM o1 ORDER BY _id;

.print -- case: json_subtype
SELECT _id, json_extract(ship, '$.city'), json_array_length(tags), json_object('t', tags)
  FROM o1 WHERE ship IS NOT NULL OR tags IS NOT NULL ORDER BY _id;

.print -- case: hidden_columns
SELECT count(*) FROM pragma_table_info('o1') WHERE name IN ('_event_time', '_doc');
SELECT _id, json_extract(_doc, '$.customer'), json_type(_doc),
       _event_time LIKE '____-__-__T__:__:__.______Z' FROM o1 ORDER BY _id;
SELECT json_extract(_doc, '$.big') = 9007199254740993 FROM o1 WHERE _id = 'o3';

.print -- case: named_collection_and_columns
CREATE VIRTUAL TABLE o2 USING rockset(collection='vtab_ws.orders', columns='id INTEGER, total REAL, customer TEXT');
SELECT cid, name, type, pk, hidden FROM pragma_table_xinfo('o2');
SELECT _id, id, total, customer FROM o2 ORDER BY _id;

.print -- case: quoted_and_double_quoted_arguments
CREATE VIRTUAL TABLE o3 USING rockset(collection = "vtab_ws.orders", columns = 'total REAL, "cust omer" TEXT');
SELECT name FROM pragma_table_info('o3');

.print -- case: unqualified_name_uses_session_workspace
SELECT rockset_config('workspace', 'vtab_ws');
CREATE VIRTUAL TABLE o4 USING rockset(orders, columns='customer');
SELECT count(*) FROM o4;
SELECT rockset_config('workspace', 'commons');
SELECT count(*) FROM o4;

.print -- case: options
CREATE VIRTUAL TABLE o5 USING rockset('vtab_ws.orders', page_size=1, batch_size=2, columns='id');
SELECT group_concat(_id) FROM o5;

.print -- case: empty_collection
CREATE VIRTUAL TABLE e USING rockset('vtab_ws.empty');
SELECT name, hidden FROM pragma_table_xinfo('e');
SELECT count(*) FROM e;

.print -- case: error_missing_collection
CREATE VIRTUAL TABLE bad1 USING rockset(columns='a');
CREATE VIRTUAL TABLE bad1 USING rockset;

.print -- case: error_unknown_option
CREATE VIRTUAL TABLE bad2 USING rockset('vtab_ws.orders', colums='a');

.print -- case: error_bad_columns
CREATE VIRTUAL TABLE bad3 USING rockset('vtab_ws.orders', columns='a INTEGER,, b');
CREATE VIRTUAL TABLE bad3 USING rockset('vtab_ws.orders', columns='a, A');
CREATE VIRTUAL TABLE bad3 USING rockset('vtab_ws.orders', columns='_doc TEXT');
CREATE VIRTUAL TABLE bad3 USING rockset('vtab_ws.orders', columns='"a');
CREATE VIRTUAL TABLE bad3 USING rockset('vtab_ws.orders', columns='');

.print -- case: error_no_such_collection
CREATE VIRTUAL TABLE bad4 USING rockset('vtab_ws.nope');
CREATE VIRTUAL TABLE bad4 USING rockset('no_such_ws.orders');
CREATE VIRTUAL TABLE bad4 USING rockset('vtab_ws.');

.print -- case: error_bad_option_values
CREATE VIRTUAL TABLE bad5 USING rockset('vtab_ws.orders', page_size=0);
CREATE VIRTUAL TABLE bad5 USING rockset('vtab_ws.orders', batch_size=x);
CREATE VIRTUAL TABLE bad5 USING rockset('vtab_ws.orders', collection='vtab_ws.orders');
CREATE VIRTUAL TABLE bad5 USING rockset('vtab_ws.orders', 'other');
SELECT count(*) FROM sqlite_schema WHERE name LIKE 'bad%';

.print -- case: reopen_uses_saved_schema
.open @TMP@/vtab.db
.load @B@/rockset_ext
CREATE VIRTUAL TABLE kept USING rockset('vtab_ws.orders');
INSERT INTO kept(_id, _doc) VALUES ('o5', '{"id": 5, "later": "new field"}');
SELECT count(*) FROM kept;
.open @TMP@/vtab.db
.load @B@/rockset_ext
SELECT group_concat(name) FROM pragma_table_info('kept');
SELECT _id, id FROM kept ORDER BY _id;
SELECT value FROM kept_rockset WHERE key = 'collection';

.print -- case: shadow_table_is_protected
.dbconfig defensive on
INSERT INTO kept_rockset VALUES ('x', 'y');
.dbconfig defensive off
SELECT count(*) FROM kept_rockset;

.print -- case: rename_and_drop
ALTER TABLE kept RENAME TO kept2;
SELECT name FROM sqlite_schema ORDER BY name;
SELECT count(*) FROM kept2;
DROP TABLE kept2;
SELECT count(*) FROM sqlite_schema;
CREATE VIRTUAL TABLE again USING rockset('vtab_ws.orders', columns='id');
SELECT count(*) FROM again;
