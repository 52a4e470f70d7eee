select
    id as order_id,
    customer_id,
    {{ cents_to_dollars('amount_cents') }} as amount,
    status,
    {{ dbt.date_trunc('day', 'ordered_at') }} as order_date
from {{ ref('raw_orders') }}
where amount_cents >= {{ var('min_amount') }}
