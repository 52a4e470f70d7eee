with orders as (
    select * from {{ ref('stg_orders') }}
    where status <> 'returned'
),
customers as (
    select * from {{ ref('stg_customers') }}
)
select
    customers.customer_id,
    customers.customer_name,
    count(orders.order_id) as n_orders,
    coalesce(sum(orders.amount), 0) as total,
    '{{ env_var("SHOP_REGION", "eu") }}' as region,
    {{ region_label() }} as label
from customers
left join orders on orders.customer_id = customers.customer_id
group by customers.customer_id, customers.customer_name
