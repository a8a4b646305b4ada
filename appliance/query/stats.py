"""The one reader of nfdump's statistics (`-s FIELD/ORDER ... -o csv -q`), any number per run."""

from collections import namedtuple

from . import nfdump
from .normal import proto_name, stamp

TIMEOUT = 120  # seconds per nfdump run on one flow file

# proto: lower-case name ("any" for statistics over addresses); value: nfdump's cell text;
# first/last: the earliest first-seen and latest last-seen of the counted flows (ISO, Z).
StatRow = namedtuple("StatRow", "proto value flows packets bytes first last")


def parse(text):
    """Return one list of StatRows per statistic block in nfdump's CSV output."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.startswith("ts,"):  # each -s prints its own header; "No matching flows" none
            current = []
            blocks.append(current)
            continue
        cols = line.split(",")
        # data rows: ts,te,td,pr,val,fl,flP,pkt,pktP,byt,... (the header names vary: ipkt/pkt)
        if current is None or len(cols) < 10 or not cols[5].strip().isdigit():
            continue
        current.append(StatRow(proto_name(cols[3]), cols[4].strip(), int(cols[5]), int(cols[7]),
                               int(cols[9]), stamp(cols[0]), stamp(cols[1])))
    return blocks


def args(specs, n):
    """Return nfdump's arguments for several statistics in one run, n rows each (0 = all)."""
    out = ["-q", "-o", "csv", "-n", str(int(n))]
    for spec in specs:
        out += ["-s", spec]
    return out


def read(source, specs, n, flt=None, timeout=TIMEOUT):
    """Run the statistics over source (nfdump's -r/-R arguments); return a block per spec."""
    text = nfdump.run([*source, *args(specs, n)] + ([flt] if flt else []), timeout)
    blocks = parse(text)
    return blocks + [[] for _ in range(len(specs) - len(blocks))]


def as_dict(row):
    """Return a StatRow as the CLI and API show a top-N entry."""
    return {"value": row.value, "flows": row.flows, "packets": row.packets, "bytes": row.bytes,
            "first": row.first, "last": row.last}

