{{ config(materialized='table') }}
SELECT c.customer_id, c.name, COUNT(o.order_id) AS orders
FROM {{ ref('stg_customers') }} c LEFT JOIN {{ ref('stg_orders') }} o ON o.customer_id = c.customer_id
GROUP BY c.customer_id, c.name
