{{ config(materialized=var("materialized_var", "table")) }}
select * from {{ source('raw', 'seed') }}
