-- passes: no order is above the limit
SELECT * FROM {{ ref('stg_orders') }} WHERE amount > {{ var('huge', 1000) }}
