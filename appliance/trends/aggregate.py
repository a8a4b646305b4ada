"""Turn nfdump's aggregate CSV output into per-interval numbers; pure, no I/O."""

from dataclasses import dataclass, field

PROTOCOLS = ("tcp", "udp", "icmp", "icmp6", "other")
PROTO_NUMBERS = {6: "tcp", 17: "udp", 1: "icmp", 58: "icmp6"}
METRICS = ("flows", "packets", "bytes")
PORT_PROTOS = {"TCP": "tcp", "UDP": "udp"}


@dataclass
class Counts:
    """Flows, packets and bytes of one series in one interval."""

    flows: int = 0
    packets: int = 0
    bytes: int = 0

    def add(self, flows, packets, nbytes):
        self.flows += flows
        self.packets += packets
        self.bytes += nbytes


@dataclass
class Breakdown:
    """Counts per protocol name plus their total."""

    protocols: dict = field(default_factory=lambda: {p: Counts() for p in PROTOCOLS})
    total: Counts = field(default_factory=Counts)


def _stat_rows(text):
    """Yield (pr, val, flows, packets, bytes) from `nfdump -s ... -o csv` output, any number of blocks."""
    for line in text.splitlines():
        cols = line.split(",")
        # data rows start with a timestamp; header, blank and "No matching flows" lines do not
        if len(cols) < 10 or not cols[0][:1].isdigit():
            continue
        yield cols[3].strip(), cols[4].strip(), int(cols[5]), int(cols[7]), int(cols[9])


def stat_blocks(text):
    """Split multi-statistic CSV output (one block per -s, blank-line separated) into row lists."""
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("ts,"):
            current = []
            blocks.append(current)
        elif current is not None and line.strip():
            current.extend(_stat_rows(line))
    return blocks


def protocols(text):
    """Parse `-s proto -n 0 -o csv` output into a Breakdown (unknown protocols go to other)."""
    result = Breakdown()
    for _pr, val, fl, pkt, byt in _stat_rows(text):
        name = PROTO_NUMBERS.get(int(val), "other") if val.isdigit() else "other"
        result.protocols[name].add(fl, pkt, byt)
        result.total.add(fl, pkt, byt)
    return result


def top_hosts(rows, n):
    """Turn `-s ip` rows into host entries, largest first, at most n."""
    return [{"host": val, "flows": fl, "packets": pkt, "bytes": byt}
            for _pr, val, fl, pkt, byt in rows][:n]


def top_ports(rows, n):
    """Turn `-s port:p` rows into TCP/UDP port entries; ICMP type/code pseudo-ports are dropped."""
    out = []
    for pr, val, fl, pkt, byt in rows:
        proto = PORT_PROTOS.get(pr.upper())
        if proto and val.isdigit():
            out.append({"proto": proto, "port": int(val), "flows": fl, "packets": pkt, "bytes": byt})
    return out[:n]


def merge_ports(entries, n):
    """Add up port entries of the same protocol and port; return the n largest by bytes."""
    merged = {}
    for e in entries:
        m = merged.setdefault((e["proto"], e["port"]), dict(e, flows=0, packets=0, bytes=0))
        for k in ("flows", "packets", "bytes"):
            m[k] += e[k]
    return sorted(merged.values(), key=lambda e: (-e["bytes"], e["proto"], e["port"]))[:n]


CONVERSATION_FORMAT = "fmt:%sa,%da,%fl,%pkt,%byt"


def conversations(text, n):
    """Parse `-A srcip,dstip -o CONVERSATION_FORMAT -q` output into conversation entries."""
    out = []
    for line in text.splitlines():
        cols = [c.strip() for c in line.split(",")]
        if len(cols) != 5 or not cols[2].isdigit():
            continue
        out.append({"src": cols[0], "dst": cols[1], "flows": int(cols[2]),
                    "packets": int(cols[3]), "bytes": int(cols[4])})
    return out[:n]
