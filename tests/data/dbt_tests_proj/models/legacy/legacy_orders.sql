SELECT * FROM {{ ref('stg_orders') }}
