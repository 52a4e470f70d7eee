{{ config(unique_key='customer_id') }}
SELECT c.customer_id, c.first_name, COUNT(o.order_id) AS n_orders, SUM(o.amount) AS total
FROM {{ ref('stg_customers') }} c
JOIN {{ ref('stg_orders') }} o ON o.customer_id = c.customer_id
GROUP BY c.customer_id, c.first_name
