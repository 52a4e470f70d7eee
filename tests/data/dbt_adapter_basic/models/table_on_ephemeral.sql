{{ config(materialized="table") }}
select * from {{ ref('ephemeral') }}
