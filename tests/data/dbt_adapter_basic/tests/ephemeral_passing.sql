select * from {{ ref('ephemeral') }} where id < 0
