-- demo.sql - the example "shop" project, end to end (what `make demo` runs, through
-- tests/demo.sh, against a fresh rockset-local; run it yourself with
--   sqlite3 -bail -cmd ".load build/rockset_ext" -cmd ".headers on" -cmd ".mode box" demo.db \
--       < sql/examples/demo/demo.sql
-- after exporting ROCKSET_APIKEY and ROCKSET_APISERVER).
--
-- The project: two local SQLite tables are seeded into Rockset as the sources; staging views
-- clean them; an ephemeral model keeps the completed orders; a table aggregates per customer;
-- a view over that table sums per country; an incremental model keeps one document per order
-- (unique_key order_id) and only reads orders it has not seen; a query lambda serves the top
-- customers; data tests check keys, accepted values and a relationship. The project lives in
-- the five model tables (rockset_init creates them), so it can be inspected and changed with SQL.

.print '== connect and create the model tables'
SELECT rockset_connect() AS connection;
SELECT rockset_config('workspace', 'analytics') AS workspace;
SELECT rockset_init() AS init;

-- ------------------------------------------------------------------ local data
.print '== local tables (the sources of the project)'
CREATE TABLE IF NOT EXISTS shop_customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE IF NOT EXISTS shop_orders (id INTEGER PRIMARY KEY, customer_id INTEGER,
                                        amount REAL, status TEXT);
DELETE FROM shop_customers;
DELETE FROM shop_orders;
INSERT INTO shop_customers VALUES
  (1, 'Ada', 'UK'), (2, 'Grace', 'US'), (3, 'Linus', 'FI'), (4, 'Margaret', 'US'),
  (5, 'Dennis', 'US');
INSERT INTO shop_orders VALUES
  (101, 1, 120.0, 'delivered'), (102, 1, 35.5, 'shipped'), (103, 2, 410.0, 'delivered'),
  (104, 3, 18.0, 'placed'), (105, 4, 99.9, 'delivered'), (106, 4, 250.0, 'returned'),
  (107, 5, 60.0, 'shipped'), (108, 2, 75.0, 'shipped');
SELECT (SELECT count(*) FROM shop_customers) AS customers, (SELECT count(*) FROM shop_orders) AS orders;

.print '== seed them into Rockset (collections raw.customers and raw.orders)'
SELECT rockset_seed('shop_customers', 'raw.customers', '{"replace": true}') AS customers_sent,
       rockset_seed('shop_orders', 'raw.orders', '{"replace": true}') AS orders_sent;

-- ------------------------------------------------------------------ the project
DELETE FROM rockset_sources;
DELETE FROM rockset_models;
DELETE FROM rockset_tests;
DELETE FROM rockset_vars;

INSERT INTO rockset_sources (source, name, workspace, collection) VALUES
  ('shop', 'customers', 'raw', 'customers'),
  ('shop', 'orders', 'raw', 'orders');

INSERT INTO rockset_vars (name, value) VALUES
  ('completed_statuses', '["shipped", "delivered"]');

INSERT INTO rockset_models (name, materialized, unique_key, tags, config, description, sql) VALUES
  ('stg_customers', 'view', NULL, '["staging"]', NULL, 'Customers, cleaned',
   'SELECT id AS customer_id, name, country
      FROM {{ source(''shop'', ''customers'') }}'),

  ('stg_orders', 'view', NULL, '["staging"]', NULL, 'Orders, cleaned',
   'SELECT id AS order_id, customer_id, amount, status
      FROM {{ source(''shop'', ''orders'') }}'),

  ('completed_orders', 'ephemeral', NULL, NULL, NULL, NULL,
   '{# inlined as a CTE into every model that refs it #}
    SELECT * FROM {{ ref(''stg_orders'') }}
     WHERE status IN ({% for s in var(''completed_statuses'') %}''{{ s }}''{% if not loop.last %}, {% endif %}{% endfor %})'),

  ('customer_totals', 'table', NULL, '["marts"]', NULL, 'Revenue per customer',
   'SELECT c.customer_id, c.name, c.country,
           COUNT(*) AS orders, SUM(o.amount) AS revenue
      FROM {{ ref(''stg_customers'') }} c
      JOIN {{ ref(''completed_orders'') }} o ON o.customer_id = c.customer_id
     GROUP BY c.customer_id, c.name, c.country'),

  ('country_revenue', 'view', NULL, '["marts"]', NULL, 'Revenue per country',
   'SELECT country, SUM(revenue) AS revenue, SUM(orders) AS orders
      FROM {{ ref(''customer_totals'') }}
     GROUP BY country'),

  ('order_facts', 'incremental', 'order_id', '["marts"]', NULL, 'One document per order',
   'SELECT order_id, customer_id, amount, status
      FROM {{ ref(''stg_orders'') }}
    {% if is_incremental() %}
     WHERE order_id > (SELECT MAX(order_id) FROM {{ this }})
    {% endif %}'),

  ('top_customers', 'query_lambda', NULL, '["api"]',
   '{"parameters": {"min_revenue": 100, "n": 3}}', 'Best customers, for the API',
   'SELECT name, country, revenue
      FROM {{ ref(''customer_totals'') }}
     WHERE revenue >= :min_revenue
     ORDER BY revenue DESC
     LIMIT :n');

INSERT INTO rockset_tests (model, column_name, test, arg) VALUES
  ('stg_customers', 'customer_id', 'unique', NULL),
  ('stg_customers', 'customer_id', 'not_null', NULL),
  ('stg_orders', 'status', 'accepted_values', '["placed", "shipped", "delivered", "returned"]'),
  ('stg_orders', 'customer_id', 'relationships', '{"to": "stg_customers", "field": "customer_id"}'),
  ('customer_totals', 'revenue', 'not_null', NULL);

.print '== the project'
SELECT name, materialized, coalesce(unique_key, '') AS unique_key, coalesce(tags, '') AS tags
  FROM rockset_models ORDER BY name;
SELECT parent, child FROM rockset_dag;

.print '== what customer_totals compiles to (the ephemeral model becomes a CTE)'
.mode list
SELECT rockset_compile('customer_totals') AS compiled_sql;
.mode box

-- ------------------------------------------------------------------ run
.print '== rockset_run(): every model in dependency order, 4 at a time'
SELECT rockset_run(NULL, '{"threads": 4}') AS run_summary;
SELECT model, kind, relation, status, coalesce(rows_affected, '') AS rows, message
  FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results)
 ORDER BY rowid;

.print '== rockset_test(): the data tests'
SELECT rockset_test() AS test_summary;
SELECT model AS test, status, rows_affected AS failing_rows
  FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results)
 ORDER BY rowid;

-- ------------------------------------------------------------------ read the results back
.print '== customer_totals (a table: an alias to its collection), through a virtual table'
CREATE VIRTUAL TABLE temp.customer_totals USING rockset('analytics.customer_totals');
SELECT name, country, orders, revenue FROM temp.customer_totals ORDER BY revenue DESC;

.print '== country_revenue (a view over that table), through rockset_query'
SELECT json_extract(doc, '$.country') AS country, json_extract(doc, '$.revenue') AS revenue,
       json_extract(doc, '$.orders') AS orders
  FROM rockset_query('SELECT country, revenue, orders FROM analytics.country_revenue
                      ORDER BY revenue DESC');

.print '== the query lambda and the relations the run created'
SELECT name, version_count, sql FROM rockset_lambdas('analytics');
-- a table's rows live in a collection <name>__rs<ms>, behind an alias named like the model
SELECT name, status, doc_count, description FROM rockset_collections('analytics') ORDER BY name;
SELECT name, collections FROM rockset_aliases('analytics') ORDER BY name;
SELECT name, state, description FROM rockset_views('analytics') ORDER BY name;

-- ------------------------------------------------------------------ incremental re-run
.print '== two new orders arrive; the incremental model only reads those'
INSERT INTO shop_orders VALUES (109, 3, 500.0, 'delivered'), (110, 1, 42.0, 'shipped');
CREATE TEMP TABLE new_orders AS SELECT * FROM shop_orders WHERE id > 108;
SELECT rockset_seed('new_orders', 'raw.orders') AS orders_sent;
SELECT rockset_run('order_facts+ customer_totals+') AS run_summary;
SELECT model, status, coalesce(rows_affected, '') AS rows, message
  FROM rockset_run_results WHERE run_id = (SELECT max(run_id) FROM rockset_run_results)
 ORDER BY rowid;
SELECT json_extract(doc, '$.n') AS documents_in_order_facts
  FROM rockset_query('SELECT COUNT(*) AS n FROM analytics.order_facts');
SELECT json_extract(doc, '$.name') AS name, json_extract(doc, '$.revenue') AS revenue
  FROM rockset_query('SELECT name, revenue FROM analytics.customer_totals ORDER BY revenue DESC LIMIT 3');

.print '== lineage (Graphviz DOT: render with `dot -Tsvg`)'
.mode list
.headers off
SELECT rockset_lineage_dot();
