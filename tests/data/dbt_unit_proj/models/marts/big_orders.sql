select order_id, amount
from {{ ref('stg_orders') }}
where amount > {{ var('big_order', 10) }}
