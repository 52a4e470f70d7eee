{% snapshot orders_snapshot %}
{{ config(unique_key='_id', strategy='check', check_cols='all') }}
SELECT * FROM {{ source('shop', 'orders') }}
{% endsnapshot %}
