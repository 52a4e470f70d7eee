{{ config(materialized="ephemeral") }}
select * from {{ source('raw', 'seed') }}
