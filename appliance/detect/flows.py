"""What detection asks of one flow file, through the file's shared FileReading (appliance.query)."""

from ..query.aggregated import Row  # noqa: F401  (the rows every rule judges)


def tally(reading, specs, n, flt):
    """Return {value: (flows, packets, bytes, first, last)} of each -s spec's top n over flt."""
    return {row.value: (row.flows, row.packets, row.bytes, row.first, row.last)
            for block in reading.stats(specs, n, flt) for row in block}
