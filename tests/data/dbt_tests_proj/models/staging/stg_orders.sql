SELECT _id, customer, amount, status FROM {{ source('shop', 'orders') }}
