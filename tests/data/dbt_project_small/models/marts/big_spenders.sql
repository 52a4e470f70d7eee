{{ config(materialized='view') }}
SELECT customer_id, first_name, total
FROM {{ ref('customer_orders') }}
WHERE total > 100
