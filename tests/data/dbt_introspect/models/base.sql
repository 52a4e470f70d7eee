{{ config(materialized='table') }}
SELECT id, color, amount FROM {{ source('raw', 'items') }}
