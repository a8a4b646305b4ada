"""Judge a mirror from the packets it delivers: duplicates, one-way capture, coverage; pure.

A SPAN session misleads in ways a router's export does not (docs/span.md): mirroring both
directions of two mirrored ports delivers every packet between them twice; mirroring only received
traffic shows one side of each conversation; a session can miss a VLAN or a subnet. Each analyser
keeps per-second buckets over a sliding window, so the verdict follows the mirror as it changes.
"""

import ipaddress
from collections import Counter, OrderedDict, deque

from .decode import ACK, FIN, RST, SYN, TCP

CONTROL = SYN | FIN | RST

WINDOW = 300  # seconds the verdict looks back over
DUP_GAP = 0.010  # a mirror's copy arrives within microseconds; 10 ms keeps retransmits apart
MIN_SAMPLE = 200  # sampled packets before the duplicate share means anything
MIN_CONVERSATIONS = 20
DUPLICATE_BAD = 0.10  # above this share counts are visibly inflated
ONE_WAY_BAD = 0.5
RECENT = 4096  # sampled packets remembered for the duplicate check


class Buckets:
    """Counters per whole second, summed over the last `window` seconds."""

    def __init__(self, window=WINDOW):
        self.window, self.slots = window, deque()

    def add(self, ts, **counts):
        second = int(ts)
        if not self.slots or self.slots[-1][0] != second:
            self.slots.append((second, Counter()))
        self.slots[-1][1].update(counts)

    def total(self, now):
        while self.slots and self.slots[0][0] <= now - self.window:
            self.slots.popleft()
        out = Counter()
        for _second, c in self.slots:
            out.update(c)
        return out


class Duplicates:
    """Share of sampled packets seen a second time within DUP_GAP (same IP id, length, checksum)."""

    def __init__(self, window=WINDOW):
        self.recent, self.buckets = OrderedDict(), Buckets(window)

    def feed(self, p, ts):
        if p.ident is None:
            return
        seen = self.recent.get(p.ident)
        if seen is not None and ts - seen <= DUP_GAP:
            self.buckets.add(ts, duplicates=1)
            del self.recent[p.ident]  # a third copy counts again against the second
            return
        self.recent[p.ident] = ts
        if len(self.recent) > RECENT:
            self.recent.popitem(last=False)
        self.buckets.add(ts, packets=1)

    def report(self, now):
        c = self.buckets.total(now)
        unique, dups = c["packets"], c["duplicates"]
        return {"sampled": unique + dups, "duplicates": dups,
                "share": round(dups / unique, 3) if unique else None}


class OneWay:
    """Share of TCP conversations whose packets were all seen from one side."""

    def __init__(self, window=WINDOW, limit=20000):
        self.window, self.limit = window, limit
        self.conversations = OrderedDict()  # key -> [last ts, sides seen, established]

    def feed(self, p, ts):
        if p.proto != TCP or p.sport is None:
            return
        a, b = (p.src, p.sport), (p.dst, p.dport)
        key = (a, b) if a < b else (b, a)
        control = p.flags & CONTROL
        conv = self.conversations.pop(key, None)
        if conv is None:
            if not control:  # a sampled packet of a connection whose start was not seen
                return
            conv = [ts, set(), False]
        conv[0] = ts
        conv[1].add(a)
        # it counts once a control packet that needs a handshake is seen (SYN-ACK, FIN or RST
        # with ACK): a bare SYN is an attempt (scans and dead hosts never answer), and a lone
        # sampled packet of a long connection must not make it look one-way
        conv[2] = conv[2] or bool(control and p.flags & ACK)
        self.conversations[key] = conv
        if len(self.conversations) > self.limit:
            self.conversations.popitem(last=False)

    def report(self, now):
        while self.conversations:
            key, conv = next(iter(self.conversations.items()))
            if conv[0] > now - self.window:
                break
            del self.conversations[key]
        counted = [c for c in self.conversations.values() if c[2]]
        one = sum(1 for c in counted if len(c[1]) == 1)
        return {"conversations": len(counted), "one_way": one,
                "share": round(one / len(counted), 3) if counted else None}


def subnet_of(address):
    """Return the /24 (IPv4) or /64 (IPv6) an address lies in, as text."""
    ip = ipaddress.ip_address(address)
    return str(ipaddress.ip_network(f"{address}/{24 if ip.version == 4 else 64}", strict=False))


class Coverage:
    """Subnets (by source address), VLAN tags and MACs seen, against what the site expects."""

    def __init__(self, expected_subnets=(), expected_vlans=(), window=WINDOW):
        self.expected = [ipaddress.ip_network(n) for n in expected_subnets]
        self.expected_vlans = list(expected_vlans)
        self.subnets, self.vlans, self.macs = Buckets(window), Buckets(window), Buckets(window)

    def feed(self, p, ts):
        self.macs.add(ts, **{p.src_mac: 1})
        self.vlans.add(ts, **{str(p.vlan if p.vlan is not None else "untagged"): 1})
        source = p.src or (p.arp.sender_ip if p.arp else None)
        if source and source not in ("0.0.0.0", "::"):
            ip = ipaddress.ip_address(source)
            if not (ip.is_link_local or ip.is_multicast or ip.is_unspecified):
                self.subnets.add(ts, **{subnet_of(source): 1})

    def report(self, now):
        subnets, vlans = self.subnets.total(now), self.vlans.total(now)
        seen = [ipaddress.ip_network(s) for s in subnets]
        missing = [str(n) for n in self.expected
                   if not any(s.version == n.version and s.overlaps(n) for s in seen)]
        missing_vlans = [v for v in self.expected_vlans if str(v) not in vlans]
        return {"subnets": dict(subnets.most_common(20)), "vlans": dict(vlans.most_common(20)),
                "top_macs": dict(self.macs.total(now).most_common(10)),
                "missing_subnets": missing, "missing_vlans": missing_vlans}


def verdict(dup, oneway, cover):
    """Return (level, [sentences]) for the three reports: ok, warn, bad or unknown."""
    level, said = "ok", []
    if dup["sampled"] >= MIN_SAMPLE and dup["share"] is not None:
        share = dup["share"]
        if share >= DUPLICATE_BAD:
            level = "bad"
            what = "counts are doubled" if share >= 0.9 else f"counts are {share:.0%} too high"
            said.append(f"this mirror duplicates {share:.0%} of packets: {what}; mirror each port "
                        "in one direction only (ingress), or the VLAN once, not both ports' "
                        "both directions")
    if oneway["conversations"] >= MIN_CONVERSATIONS and oneway["share"] is not None:
        share = oneway["share"]
        if share >= ONE_WAY_BAD:
            level = "bad"
            said.append(f"{share:.0%} of TCP conversations are seen in one direction only: the "
                        "session mirrors only received (or only sent) traffic; mirror both "
                        "directions (rx and tx) of the source ports")
    if cover["missing_subnets"] or cover["missing_vlans"]:
        level = "bad" if level == "bad" else "warn"
        gaps = cover["missing_subnets"] + [f"VLAN {v}" for v in cover["missing_vlans"]]
        said.append(f"expected but not seen in the last {WINDOW // 60} minutes: {', '.join(gaps)}; "
                    "check which ports or VLANs the SPAN session covers")
    if not said and dup["sampled"] < MIN_SAMPLE and oneway["conversations"] < MIN_CONVERSATIONS:
        return "unknown", ["not enough traffic yet to judge the mirror"]
    return level, said or ["the mirror looks healthy: no duplicates, both directions, "
                           "every expected subnet"]
