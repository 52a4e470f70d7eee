SELECT id, {{ probe.pivot_counts(ref('base'), 'color') }}
FROM {{ ref('base') }}
GROUP BY id
