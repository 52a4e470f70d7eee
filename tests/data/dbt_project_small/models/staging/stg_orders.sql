{{ config(materialized='view', tags=['orders']) }}
SELECT id AS order_id, user_id AS customer_id, order_date, status, amount
FROM {{ source('raw', 'orders') }}
WHERE amount >= {{ var('min_amount') }}
