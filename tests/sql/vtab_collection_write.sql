-- server: --ingest-delay-ms 300
-- Writing a `rockset` table: INSERT, UPDATE (patch, or replace through _doc), DELETE; values to
-- JSON; batches sent at COMMIT, nothing on ROLLBACK, savepoints; read-your-writes through the
-- commit fence (this server makes writes visible 300 ms late); a refused document fails the
-- COMMIT naming it; the docs_sent / docs_received counters.
.print -- case: setup
SELECT rockset_create_workspace('vtab_wr');
SELECT rockset_create_collection('vtab_wr.docs');
CREATE VIRTUAL TABLE w USING rockset('vtab_wr.docs', columns='n INTEGER, r REAL, s TEXT, tags JSON, obj');
CREATE TEMP TABLE mark(requests, sent);
CREATE TEMP VIEW since AS
  SELECT json_extract(rockset_stats(), '$.requests') - requests AS requests,
         json_extract(rockset_stats(), '$.docs_sent') - sent AS docs_sent FROM mark;
CREATE TEMP VIEW docs AS SELECT _id, json_remove(_doc, '$._event_time') AS doc FROM w;

.print -- case: insert_value_types_and_read_your_writes
INSERT INTO w(_id, n, r, s, tags, obj) VALUES
  ('a', 1, 2.0, 'x', '["t1","t2"]', json_object('k', 1)),
  ('b', -9223372036854775808, 0.1, 'it''s "q"', NULL, json('[1,{"z":null}]')),
  ('c', NULL, NULL, NULL, NULL, 'plain text');
SELECT _id, doc FROM docs ORDER BY _id;
SELECT _id, typeof(n), typeof(r), typeof(tags), json_type(tags), json_type(obj) FROM w
 WHERE _id <> 'c' ORDER BY _id;

.print -- case: insert_without_id_gets_one
INSERT INTO w(n, s) VALUES (7, 'generated');
SELECT length(_id) > 0, n FROM w WHERE s = 'generated';

.print -- case: insert_existing_id_replaces
INSERT INTO w(_id, n) VALUES ('c', 3);
SELECT _id, doc FROM docs WHERE _id = 'c';

.print -- case: insert_doc_with_columns_overriding
INSERT INTO w(_id, s, _doc) VALUES ('d', 'col wins', '{"s": "doc loses", "extra": [1, 2], "_id": "ignored"}');
SELECT _id, doc FROM docs WHERE _id = 'd';

.print -- case: update_patches_changed_fields
UPDATE w SET n = n + 10, s = NULL WHERE _id IN ('a', 'b');
SELECT _id, doc FROM docs WHERE _id IN ('a', 'b') ORDER BY _id;

.print -- case: update_replaces_through_doc
UPDATE w SET _doc = '{"only": true}' WHERE _id = 'a';
SELECT _id, doc FROM docs WHERE _id = 'a';
UPDATE w SET _doc = '{"only": false}', n = 5 WHERE _id = 'a';
SELECT _id, doc FROM docs WHERE _id = 'a';

.print -- case: update_errors
UPDATE w SET _id = 'zz' WHERE _id = 'a';
UPDATE w SET _event_time = '2024-01-01T00:00:00.000000Z' WHERE _id = 'a';
UPDATE w SET _doc = NULL WHERE _id = 'a';
UPDATE w SET _doc = '[1]' WHERE _id = 'a';
UPDATE w SET n = x'00' WHERE _id = 'a';
UPDATE w SET r = 1e999 WHERE _id = 'a';
INSERT INTO w(_id, n) VALUES (x'01', 1);
SELECT _id, doc FROM docs WHERE _id = 'a';

.print -- case: delete
DELETE FROM w WHERE _id = 'd';
DELETE FROM w WHERE s = 'generated';
SELECT group_concat(_id) FROM (SELECT _id FROM w ORDER BY _id);

.print -- case: sent_at_commit_in_one_batch
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.docs_sent');
BEGIN;
INSERT INTO w(_id, n) VALUES ('t1', 1);
INSERT INTO w(_id, n) VALUES ('t2', 2);
INSERT INTO w(_id, n) VALUES ('t3', 3);
SELECT 'before commit', requests, docs_sent FROM since;
COMMIT;
SELECT 'after commit', requests, docs_sent FROM since;
SELECT count(*) FROM w WHERE _id GLOB 't*';

.print -- case: rollback_sends_nothing
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.docs_sent');
BEGIN;
INSERT INTO w(_id, n) VALUES ('r1', 1);
INSERT INTO w(_id, n) VALUES ('r2', 2);
ROLLBACK;
SELECT requests, docs_sent FROM since;
SELECT count(*) FROM w WHERE _id GLOB 'r*';

.print -- case: read_in_transaction_sees_own_writes
BEGIN;
INSERT INTO w(_id, n) VALUES ('u1', 41);
UPDATE w SET n = n + 1 WHERE _id = 'u1';
SELECT _id, n FROM w WHERE _id = 'u1';
COMMIT;
SELECT _id, n FROM w WHERE _id = 'u1';

.print -- case: savepoints
BEGIN;
INSERT INTO w(_id, n) VALUES ('s1', 1);
SAVEPOINT sp;
INSERT INTO w(_id, n) VALUES ('s2', 2);
ROLLBACK TO sp;
INSERT INTO w(_id, n) VALUES ('s3', 3);
RELEASE sp;
COMMIT;
SELECT group_concat(_id) FROM (SELECT _id FROM w WHERE _id GLOB 's*' ORDER BY _id);

.print -- case: failed_statement_sends_nothing
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.docs_sent');
INSERT INTO w(_id, n) SELECT 'f' || value, CASE WHEN value = 3 THEN x'00' ELSE value END FROM generate_series(1, 4);
SELECT requests, docs_sent FROM since;
SELECT count(*) FROM w WHERE _id GLOB 'f*';

.print -- case: batches_of_batch_size
SELECT rockset_config('batch_size', 2);
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.docs_sent');
INSERT INTO w(_id, n) SELECT 'g' || value, value FROM generate_series(1, 5);
SELECT requests, docs_sent FROM since;
SELECT count(*) FROM w WHERE _id GLOB 'g*';
DELETE FROM mark; INSERT INTO mark SELECT json_extract(rockset_stats(), '$.requests'), json_extract(rockset_stats(), '$.docs_sent');
DELETE FROM w WHERE _id GLOB 'g*';
SELECT requests, docs_sent FROM since;
SELECT rockset_config('batch_size', 1000);
SELECT count(*) FROM w WHERE _id GLOB 'g*';

.print -- case: bulk_insert_from_local_table
CREATE TABLE src(k INTEGER PRIMARY KEY, label TEXT);
INSERT INTO src SELECT value, 'row ' || value FROM generate_series(1, 2500);
INSERT INTO w(_id, n, s) SELECT 'bulk' || k, k, label FROM src;
SELECT count(*), sum(n), max(s) FROM w WHERE _id GLOB 'bulk*';

.print -- case: failed_batch_names_documents
CREATE VIRTUAL TABLE w2 USING rockset('vtab_wr.docs', columns='n INTEGER');
INSERT INTO w(_id, n) VALUES ('k1', 1), ('k2', 2);
BEGIN;
DELETE FROM w2 WHERE _id IN ('k1', 'k2');
UPDATE w SET n = 100 WHERE _id IN ('k1', 'k2');
COMMIT;
SELECT count(*) FROM w WHERE _id IN ('k1', 'k2');

.print -- case: counters
SELECT json_extract(rockset_stats(), '$.docs_sent') > 2500, json_extract(rockset_stats(), '$.docs_received') > 2500;
