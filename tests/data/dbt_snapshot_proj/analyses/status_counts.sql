select status, count(*) as n
from {{ ref('orders_snapshot') }}
where dbt_valid_to is null
group by status
