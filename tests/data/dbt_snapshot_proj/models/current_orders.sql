select id, status, amount
from {{ ref('orders_snapshot') }}
where dbt_valid_to is null
