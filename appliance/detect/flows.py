"""The nfdump queries detection runs on one flow file, parsed into plain rows."""

from dataclasses import dataclass

from ..query import nfdump

TIMEOUT = 120  # seconds per nfdump run on one interval's file
ROW_FORMAT = "fmt:%sa,%da,%sp,%dp,%pr,%fl,%pkt,%byt"
PROTOS = {"TCP": "tcp", "UDP": "udp", "ICMP": "icmp", "ICMP6": "icmp6",
          "6": "tcp", "17": "udp", "1": "icmp", "58": "icmp6"}  # -N prints protocol numbers


@dataclass(frozen=True)
class Row:
    """One aggregated record: addresses, ports, protocol and its flow/packet/byte counts."""

    src: str
    dst: str
    sport: int
    dport: int
    proto: str
    flows: int
    packets: int
    bytes: int


def _port(text):
    # ICMP prints its destination "port" as "type.code": keep nfdump's number, type x 256 + code
    if text.isdigit():
        return int(text)
    kind, _, code = text.partition(".")
    return int(kind) * 256 + int(code) if kind.isdigit() and code.isdigit() else 0


def parse_rows(text):
    """Parse `-o ROW_FORMAT -q` output into Rows; lines that do not parse are skipped."""
    rows = []
    for line in text.splitlines():
        cols = [c.strip() for c in line.split(",")]
        if len(cols) != 8 or not all(c.isdigit() for c in cols[5:]):
            continue
        proto = PROTOS.get(cols[4], cols[4].lower())
        rows.append(Row(cols[0], cols[1], _port(cols[2]), _port(cols[3]), proto,
                        int(cols[5]), int(cols[6]), int(cols[7])))
    return rows


def aggregate(path, fields, flt, timeout=TIMEOUT):
    """Return Rows of the flows matching flt, aggregated by nfdump over the -A fields."""
    # -N: plain numbers; without it fmt output scales big counts ("1.0 M")
    args = ["-r", path, "-q", "-N", "-A", fields, "-o", ROW_FORMAT]
    return parse_rows(nfdump.run(args + ([flt] if flt else []), timeout))


def parse_stats(text):
    """Parse multi -s CSV output into blocks of (proto, value, flows, packets, bytes)."""
    blocks, current = [], None
    for line in text.splitlines():
        if line.startswith("ts,"):
            current = []
            blocks.append(current)
            continue
        cols = line.split(",")
        if current is None or len(cols) < 10 or not cols[5].isdigit():
            continue
        current.append((PROTOS.get(cols[3], cols[3].lower()), cols[4], int(cols[5]),
                        int(cols[7]), int(cols[9])))
    return blocks


def stats(path, specs, n, flt=None, timeout=TIMEOUT):
    """Run several -s statistics in one pass (n rows each, 0 = all); return a block per spec."""
    args = ["-r", path, "-q", "-o", "csv", "-n", str(n)]
    for spec in specs:
        args += ["-s", spec]
    blocks = parse_stats(nfdump.run(args + ([flt] if flt else []), timeout))
    return blocks + [[] for _ in range(len(specs) - len(blocks))]


def tally(path, specs, n, flt, timeout=TIMEOUT):
    """Return {value: (flows, packets, bytes)} of the top n of each -s spec over flt, merged."""
    return {row[1]: row[2:] for block in stats(path, specs, n, flt, timeout) for row in block}
