-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_seeds: seeds as dbt has them (issue 13). tests/data/dbt_seeds is imported: its seeds
-- become local tables typed by dbt's inference (integers, numbers, booleans, dates, timestamps,
-- empty cells as NULL; column_types overriding it) and rockset_seeds rows (a disabled seed, a
-- seed with +schema and +alias, a property entry with column_types and tests). ref() to a
-- seed compiles without any seeding; rockset_dag shows seed:name edges. rockset_seed() loads
-- every enabled seed into its collection with typed values (read back with TYPEOF);
-- rockset_build() loads seeds, builds models and runs tests level by level, and a seed's
-- failing test skips what reads it. A seed that fails (an unmanaged collection in its way, an
-- unknown column type) skips its dependants. Bad input: unknown types, a model and a seed with
-- one name (refused by the import; a row added by hand fails every load that sees both).
.output /dev/null
SELECT rockset_connect();
SELECT rockset_config('quiet', 1);
SELECT rockset_config('workspace', 'sd');
SELECT rockset_init();
SELECT writefile('api.sh', '# api.sh METHOD PATH [BODY_FILE]: one REST call. The key goes to curl on stdin (never in
# argv or a file); LD_PRELOAD is dropped so a sanitizer preloaded for sqlite3 stays out of curl.
printf ''header = "Authorization: ApiKey %s"\n'' "$ROCKSET_APIKEY" |
  env -u LD_PRELOAD curl -s --max-time 20 -o /dev/null -K - -X "$1" \
    -H "Content-Type: application/json" ${3:+--data-binary @"$3"} "$ROCKSET_APISERVER$2"
');
SELECT writefile('coll.json', '{"name": "raw_customers", "description": "made by someone else"}');
.output
.print -- case: import
SELECT rockset_import_dbt('@ROOT@/tests/data/dbt_seeds');
.headers on
.print -- case: seed_rows
SELECT name, workspace, alias, column_types, enabled, tags, config, path, description
FROM rockset_seeds ORDER BY name;
.print -- case: seed_tests
SELECT model, column_name, test, arg FROM rockset_tests WHERE model LIKE 'raw_%' ORDER BY id;
.print -- case: local_types
SELECT m.name AS seed, p.name AS col, p.type FROM rockset_seeds m, pragma_table_info(m.name) p
WHERE m.enabled ORDER BY m.name, p.cid;
.print -- case: local_rows
SELECT * FROM raw_customers ORDER BY id;
SELECT * FROM country_codes ORDER BY code;
SELECT id, amount, typeof(amount) FROM raw_orders ORDER BY id;
.print -- case: dag
SELECT * FROM rockset_dag ORDER BY parent, child;
.print -- case: compile_without_seeding
SELECT rockset_compile('stg_customers') AS sql;
SELECT rockset_compile('countries') AS sql;
.print -- case: compile_a_seed
SELECT rockset_compile('raw_customers');
.print -- case: seed_every
SELECT rockset_seed();
.print -- case: typed_values
SELECT * FROM rockset_query('SELECT id, TYPEOF(active) AS t_active, active, TYPEOF(signup_date) AS t_signup, TYPEOF(last_seen) AS t_seen, CAST(last_seen AS string) AS seen, TYPEOF(score) AS t_score, score FROM sd.raw_customers ORDER BY id');
SELECT * FROM rockset_query('SELECT code, TYPEOF(code) AS t_code, zip FROM sdlookup.countries ORDER BY code');
SELECT * FROM rockset_query('SELECT id, TYPEOF(amount) AS t_amount, TYPEOF(order_date) AS t_date, CAST(order_date AS string) AS order_date FROM sd.raw_orders ORDER BY id');
.print -- case: seed_rows_results
SELECT run_id, model, kind, relation, status, rows_affected, message FROM rockset_run_results
ORDER BY rowid;
.print -- case: seed_select
SELECT rockset_seed(NULL, NULL, '{"select": "raw_orders"}');
SELECT rockset_seed(NULL, NULL, '{"select": "raw_order"}');
.print -- case: run_and_materialize_leave_seeds_alone
SELECT rockset_materialize('raw_orders');
SELECT rockset_run('+stg_orders') ->> '$.selected' AS selected;
SELECT model, kind, status FROM rockset_run_results WHERE run_id = 3 ORDER BY rowid;
.print -- case: seed_single_table_unchanged
CREATE TABLE plain(flag BOOLEAN, d DATE);
INSERT INTO plain VALUES (1, '2020-01-02');
SELECT rockset_seed('plain', 'sd.plain');
SELECT * FROM rockset_query('SELECT TYPEOF(flag) AS t_flag, TYPEOF(d) AS t_d FROM sd.plain');
.print -- case: build
DELETE FROM rockset_run_results;
SELECT rockset_build();
SELECT run_id, model, kind, relation, status, rows_affected, message FROM rockset_run_results
ORDER BY rowid;
.print -- case: build_fixed_test
UPDATE raw_orders SET customer_id = 2 WHERE id = 4;
DELETE FROM rockset_tests WHERE test = 'accepted_values';
DELETE FROM rockset_run_results;
SELECT rockset_build('raw_orders+');
SELECT model, kind, status, message FROM rockset_run_results ORDER BY rowid;
SELECT * FROM rockset_query('SELECT customer_id, name, orders FROM sd.customer_orders ORDER BY customer_id');
.print -- case: build_seed_fails
SELECT rockset_drop('sd.raw_customers');
.shell sh api.sh POST /v1/orgs/self/ws/sd/collections coll.json
DELETE FROM rockset_run_results;
SELECT rockset_build('+customer_orders');
SELECT model, kind, status, message FROM rockset_run_results ORDER BY rowid;
.print -- case: seed_every_reports_a_failed_seed
SELECT rockset_seed(NULL, NULL, '{"select": "raw_customers raw_orders"}');
.print -- case: build_unknown_column_type
UPDATE rockset_seeds SET column_types = '{"amount": "money"}' WHERE name = 'raw_orders';
DELETE FROM rockset_run_results;
SELECT rockset_build('raw_orders+');
SELECT model, kind, status, message FROM rockset_run_results ORDER BY rowid;
.print -- case: bad_unknown_type_import
SELECT rockset_import_dbt('@ROOT@/tests/data/dbt_seeds_bad');
.print -- case: bad_name_clash
SELECT rockset_import_dbt('@ROOT@/tests/data/dbt_seeds_clash');
INSERT INTO rockset_models (name, sql) VALUES ('raw_orders', 'SELECT 1 AS id');
SELECT rockset_compile('stg_customers');
SELECT rockset_build();
SELECT * FROM rockset_dag;
DELETE FROM rockset_models WHERE name = 'raw_orders';
SELECT rockset_compile('stg_orders');
