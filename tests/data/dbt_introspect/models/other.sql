{{ config(materialized='table') }}
SELECT id, color, 'late' AS note FROM {{ source('raw', 'items') }} WHERE id > 3
