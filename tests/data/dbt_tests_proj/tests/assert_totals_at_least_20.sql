-- fails: ann's total is 15
SELECT t.customer, t.total FROM {{ ref('customer_totals') }} t WHERE t.total < 20
