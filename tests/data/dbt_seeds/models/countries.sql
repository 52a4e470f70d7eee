SELECT code, name FROM {{ ref('country_codes') }}
