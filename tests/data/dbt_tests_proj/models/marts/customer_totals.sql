{{ config(materialized='table') }}
SELECT customer, SUM(amount) AS total, COUNT(*) AS n
FROM {{ ref('stg_orders') }}
GROUP BY customer
