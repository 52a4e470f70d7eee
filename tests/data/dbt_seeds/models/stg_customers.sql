SELECT id AS customer_id, name, active FROM {{ ref('raw_customers') }}
