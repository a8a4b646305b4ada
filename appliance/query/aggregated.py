"""The one reader of nfdump's aggregated flows (`-A FIELDS`): rows with counts and times."""

from dataclasses import dataclass

from . import nfdump
from .normal import ordered, port, proto_name, stamp

TIMEOUT = 120  # seconds per nfdump run on one flow file
# -N: plain numbers (without it fmt output scales big counts: "1.0 M"); %ts/%te of an
# aggregate are the earliest first-seen and the latest last-seen of its flows.
FORMAT = "fmt:%sa,%da,%sp,%dp,%pr,%fl,%pkt,%byt,%ts,%te"


@dataclass(frozen=True)
class Row:
    """One aggregate: addresses, ports, protocol name, flow/packet/byte counts, first/last seen."""

    src: str
    dst: str
    sport: int
    dport: int
    proto: str
    flows: int
    packets: int
    bytes: int
    first: str = ""  # ISO-8601 UTC with milliseconds and a Z; "" when not known
    last: str = ""


def parse(text):
    """Parse `-q -N -A ... -o FORMAT` output into Rows; lines that do not parse are skipped."""
    rows = []
    for line in text.splitlines():
        cols = [c.strip() for c in line.split(",")]
        if len(cols) != 10 or not all(c.isdigit() for c in cols[5:8]):
            continue
        first, last = ordered(stamp(cols[8]), stamp(cols[9]))  # fixed width: compares as times
        rows.append(Row(cols[0], cols[1], port(cols[2]), port(cols[3]), proto_name(cols[4]),
                        int(cols[5]), int(cols[6]), int(cols[7]), first, last))
    return rows


def args(fields, order=None, n=0):
    """Return nfdump's arguments for an aggregation over fields, optionally the n largest."""
    out = ["-q", "-N", "-A", fields, "-o", FORMAT]
    if order:
        out += ["-O", order, "-n", str(int(n))]
    return out


def read(source, fields, flt=None, order=None, n=0, timeout=TIMEOUT):
    """Return the Rows of the flows of source (nfdump's -r/-R arguments) matching flt."""
    return parse(nfdump.run([*source, *args(fields, order, n)] + ([flt] if flt else []), timeout))
