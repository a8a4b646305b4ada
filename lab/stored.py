"""Read back the flows the sensor stored in a run, as 5-tuple totals.

Through appliance.query (nfdump with TZ=UTC and JSON output), the same reader as `spanflow flows`
and the web page, so the lab checks what an analyst would see.
"""

from collections import defaultdict

from appliance.query import flows

ALL = 10_000_000  # a lab run stores thousands of flows; no limit in practice


def rows(paths, nffilter="any"):
    """Return every stored flow row of a run matching an nfdump filter."""
    return flows.search(paths, nffilter, limit=ALL, timeout=120).rows


def key_of(row):
    """Return (proto, src, sport, dst, dport) of a flow row (ICMP: dport = type*256+code)."""
    return (row["proto"], row["src"], row["sport"], row["dst"], row["dport"])


def totals(found):
    """Return {5-tuple: [packets, bytes, records]} summed over rows."""
    out = defaultdict(lambda: [0, 0, 0])
    for row in found:
        t = out[key_of(row)]
        t[0] += row["packets"]
        t[1] += row["bytes"]
        t[2] += 1
    return dict(out)
