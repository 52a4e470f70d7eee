{{ probe.union_all([ref('base'), ref('other')]) }}
