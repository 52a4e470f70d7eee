{% snapshot orders_snapshot %}

{{
    config(
      target_schema=target.schema ~ '_history',
      unique_key='id',
      strategy='timestamp',
      updated_at='updated_at',
      invalidate_hard_deletes=True,
    )
}}

select id, status, amount, updated_at from {{ ref('raw_orders') }}

{% endsnapshot %}
