"""Turn nfdump's statistics and aggregations of one file into per-interval numbers; pure, no I/O."""

from dataclasses import dataclass, field

PROTOCOLS = ("tcp", "udp", "icmp", "icmp6", "other")
METRICS = ("flows", "packets", "bytes")
PORT_PROTOS = ("tcp", "udp")


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


def series(proto):
    """Return the protocol series a protocol name counts in (unknown protocols go to other)."""
    return proto if proto in PROTOCOLS else "other"


def protocols(rows):
    """Turn `-s proto` StatRows into a Breakdown."""
    result = Breakdown()
    for r in rows:
        result.protocols[series(r.proto)].add(r.flows, r.packets, r.bytes)
        result.total.add(r.flows, r.packets, r.bytes)
    return result


def placed(rows, place):
    """Return {step end: Breakdown} of profile rows, their flows counted where place() puts them."""
    out = {}
    for r in rows:
        name = series(r.proto)
        for end, f, p, b in place(r.first, r.last, r.flows, r.packets, r.bytes):
            bd = out.get(end)
            if bd is None:
                bd = out[end] = Breakdown()
            bd.protocols[name].add(f, p, b)
            bd.total.add(f, p, b)
    return out


def merged(breakdowns):
    """Return one Breakdown adding up several."""
    out = Breakdown()
    for bd in breakdowns:
        for name, c in bd.protocols.items():
            out.protocols[name].add(c.flows, c.packets, c.bytes)
        out.total.add(bd.total.flows, bd.total.packets, bd.total.bytes)
    return out


def top_hosts(rows, n):
    """Turn `-s ip` StatRows into host entries, largest first, at most n."""
    return [{"host": r.value, "flows": r.flows, "packets": r.packets, "bytes": r.bytes}
            for r in rows][:n]


def top_ports(rows, n):
    """Turn `-s port:p` StatRows into TCP/UDP port entries; ICMP type/code pseudo-ports are dropped."""
    return [{"proto": r.proto, "port": int(r.value), "flows": r.flows, "packets": r.packets,
             "bytes": r.bytes}
            for r in rows if r.proto in PORT_PROTOS and r.value.isdigit()][:n]


def merge_ports(entries, n):
    """Add up port entries of the same protocol and port; return the n largest by bytes."""
    merged = {}
    for e in entries:
        m = merged.setdefault((e["proto"], e["port"]), dict(e, flows=0, packets=0, bytes=0))
        for k in ("flows", "packets", "bytes"):
            m[k] += e[k]
    return sorted(merged.values(), key=lambda e: (-e["bytes"], e["proto"], e["port"]))[:n]


def conversations(rows, n):
    """Turn `-A srcip,dstip` aggregated Rows into conversation entries, at most n."""
    return [{"src": r.src, "dst": r.dst, "flows": r.flows, "packets": r.packets,
             "bytes": r.bytes} for r in rows][:n]
