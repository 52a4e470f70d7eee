-- depends_on: {{ ref('other') }}
SELECT '{{ load_relation(ref('base')) is not none }}' AS base_exists,
       '{{ adapter.get_relation(database=none, schema=target.schema, identifier='nope') is none }}' AS nope_missing,
       '{{ adapter.get_relation(database=none, schema=target.schema, identifier='other') }}' AS other_found
