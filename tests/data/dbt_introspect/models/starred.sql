SELECT {{ probe.star(ref('base'), except=['amount']) }} FROM {{ ref('base') }}
