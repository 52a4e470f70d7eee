SELECT customer FROM {{ ref('customer_totals') }} ORDER BY total DESC
