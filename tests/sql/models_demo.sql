-- server: --provision-delay-ms 20 --view-sync-delay-ms 20
-- models_demo: the example project of sql/examples/demo/demo.sql runs end to end without an
-- error (its own output is discarded: it is for people), and leaves these results.
.output /dev/null
SELECT rockset_config('quiet', 1);
.read @ROOT@/sql/examples/demo/demo.sql
.output
.mode list
.headers off
.print -- case: run_results
SELECT run_id, model, kind, status, rows_affected, message FROM rockset_run_results
 ORDER BY run_id, model;
.print -- case: data
SELECT doc FROM rockset_query('SELECT name, country, orders, revenue FROM analytics.customer_totals ORDER BY name');
SELECT doc FROM rockset_query('SELECT country, revenue, orders FROM analytics.country_revenue ORDER BY country');
SELECT doc FROM rockset_query('SELECT _id, order_id, status FROM analytics.order_facts ORDER BY order_id');
SELECT name, version_count FROM rockset_lambdas('analytics');
