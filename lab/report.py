"""Compare what the lab sent (the agents' ledgers) with what the sensor stored: pure logic."""

from collections import defaultdict

from . import baseline

# How each kind is checked: "exact" = every crafted 5-tuple stored with the same packets and bytes;
# "flood" = the same, but a flood's 5-tuple may miss up to FLOOD_LOSS of its packets (with Open
# vSwitch's userspace datapath the sensor stored 7979 of hping3's 8000 at 4000 packets/s on the
# loaded machine; the Linux bridge lost none); "sessions" = real sessions (TCP, or a UDP tunnel), both directions of
# each one stored; "spread" = a real tool told to reach N ports, hosts or flows: that many stored;
# "arp-only" = a tool whose probes are ARP, not IP: at most N hosts of the subnet reached over IP
# from its host (the baseline's few), so no IP sweep is stored; "seen" = a real daemon's traffic, every talker of lab/baseline.py found in the store.
CHECKS = {
    "dns": "exact", "ssh": "sessions",
    **{kind: "seen" for kind in baseline.expectations()},
    "volume-spike": "flood", "dns-tunnel": "sessions", "telnet": "sessions",
    "port-scan": "spread", "slow-scan": "spread", "host-sweep": "spread", "ssh-guessing": "spread",
    "arp-sweep": "arp-only",
}
FLOOD_LOSS = 0.01
BASELINE = ("ssh", "dns", "mdns", "ssdp", "netbios", "office-dns", "dhcp", "routed", "ipv6")


class Row:
    """One line of the report."""

    def __init__(self, kind, check, sent, stored, ok, note=""):
        self.kind, self.check, self.sent, self.stored, self.ok, self.note = \
            kind, check, sent, stored, ok, note

    def as_dict(self):
        s, t = self.sent, self.stored
        return {"kind": self.kind, "check": self.check, "ok": self.ok, "note": self.note,
                "flows": [s[0], t[0]], "packets": [s[1], t[1]], "bytes": [s[2], t[2]]}

    def cells(self):
        s, t = self.sent, self.stored
        return [self.kind, self.check, f"{s[0]}/{t[0]}", f"{s[1]}/{t[1]}", f"{s[2]}/{t[2]}",
                "ok" if self.ok else "MISMATCH", self.note]


def sent_tuples(entries, kind):
    """Return {5-tuple: [packets, bytes]} the ledger says kind sent."""
    out = defaultdict(lambda: [0, 0])
    for e in entries:
        if e["kind"] == kind and not e.get("session"):
            t = out[(e["proto"], e["src"], e["sport"], e["dst"], e["dport"])]
            t[0] += e["packets"]
            t[1] += e["bytes"]
    return dict(out)


def packet_row(kind, check, entries, stored):
    sent = sent_tuples(entries, kind)
    got = {k: stored[k] for k in sent if k in stored}
    s = (len(sent), sum(v[0] for v in sent.values()), sum(v[1] for v in sent.values()))
    t = (len(got), sum(v[0] for v in got.values()), sum(v[1] for v in got.values()))
    if check == "flood":
        ok = all(k in got and got[k][0] >= v[0] * (1 - FLOOD_LOSS) and got[k][0] <= v[0]
                 for k, v in sent.items())
    else:
        ok = all(k in got and got[k][0] == v[0] and got[k][1] == v[1] for k, v in sent.items())
    missing = len(sent) - len(got)
    note = f"{missing} flows missing" if missing else ("nothing sent" if not sent else "")
    if check == "flood" and not missing and s[1] > t[1]:
        note = f"{s[1] - t[1]} packets lost ({(s[1] - t[1]) / s[1]:.1%})"
    return Row(kind, check, s, t, ok and bool(sent), note)


def session_row(kind, entries, stored):
    sessions = [e for e in entries if e["kind"] == kind and e.get("session")]
    pairs = {(e["src"], e["dst"], e["dport"]) for e in sessions}
    forward, records, both, pkts, nbytes = 0, 0, 0, 0, 0
    protos = {e.get("proto", 6) for e in sessions}
    for (proto, src, sport, dst, dport), (p, b, r) in stored.items():
        if proto in protos and (src, dst, dport) in pairs:
            forward += 1
            records += r
            back = stored.get((proto, dst, dport, src, sport))
            if back:
                both += 1
                pkts += p + back[0]
                nbytes += b + back[1]
    # Each session is one connection: its flow records (one per direction, or more when a
    # timeout split it) are stored. Records, not 5-tuples, are counted: over a long run a
    # client reuses a source port, and two sessions share one 5-tuple (the 30-minute soak had 6).
    failed = sum(1 for e in sessions if not e.get("ok"))
    ok = bool(sessions) and not failed and records >= len(sessions) and both == forward
    note = f"{len(sessions)} sessions"
    if failed:
        note += f", {failed} failed"
    if forward != both:
        note += f", {forward - both} one-way"
    return Row(kind, "sessions", (2 * len(sessions), "-", "-"), (2 * both, pkts, nbytes), ok, note)


def _within(address, target):
    """Tell whether address is target, or inside target when it is an IPv4 /24 (x.y.z.0/24)."""
    if target.endswith(".0/24"):
        return address.startswith(target[:-len("0/24")])
    return address == target


def spread_row(kind, entries, stored):
    asked = [e for e in entries if e["kind"] == kind and e.get("spread")]
    reached, pkts, nbytes, short = 0, 0, 0, []
    for e in asked:
        proto, what = e["proto"], e["spread"]
        # ICMP echo flows carry dport 8*256+0; TCP/UDP: the probe's destination port
        sent = {k: v for k, v in stored.items() if k[0] == proto and k[1] == e["src"]
                and _within(k[3], e["dst"]) and (proto != 1 or k[4] == 8 * 256)
                and (e.get("dport") is None or k[4] == e["dport"])}
        distinct = {"ports": {k[4] for k in sent}, "hosts": {k[3] for k in sent},
                    "flows": set(sent)}[what]
        reached += len(distinct)
        pkts += sum(v[0] for v in sent.values())
        nbytes += sum(v[1] for v in sent.values())
        if len(distinct) < e["count"] or not e.get("ok", True):
            short.append(f"{len(distinct)} of {e['count']} {what}"
                         + ("" if e.get("ok", True) else ", the tool failed"))
    ok = bool(asked) and not short
    note = "; ".join(short) or ("nothing sent" if not asked else "")
    return Row(kind, "spread", (sum(e["count"] for e in asked), "-", "-"),
               (reached, pkts, nbytes), ok, note)


def arp_only_row(kind, entries, stored):
    asked = [e for e in entries if e["kind"] == kind and e.get("spread")]
    reached = set()
    for e in asked:
        reached |= {k[3] for k in stored if k[1] == e["src"] and _within(k[3], e["dst"])}
    limit = min((e["count"] for e in asked), default=0)
    failed = [e for e in asked if not e.get("ok", True)]
    ok = bool(asked) and not failed and len(reached) <= limit
    note = "nothing sent" if not asked else ("the tool failed" if failed else
                                             f"{len(reached)} hosts reached over IP (ARP only)")
    return Row(kind, "arp-only", (limit, "-", "-"), (len(reached), "-", "-"), ok, note)


def seen_row(kind, stored):
    found = baseline.seen(kind, stored)
    missing = [what for what, packets, _b in found if not packets]
    note = f"not seen: {missing[0]}" + (f" (+{len(missing) - 1})" if len(missing) > 1 else "") \
        if missing else ""
    return Row(kind, "seen", (len(found), "-", "-"),
               (len(found) - len(missing), sum(f[1] for f in found), sum(f[2] for f in found)),
               not missing, note)


def compare(entries, stored, kinds):
    """Return the report rows for kinds, in order."""
    rows = []
    for kind in kinds:
        check = CHECKS[kind]
        if check == "sessions":
            rows.append(session_row(kind, entries, stored))
        elif check == "seen":
            rows.append(seen_row(kind, stored))
        elif check == "spread":
            rows.append(spread_row(kind, entries, stored))
        elif check == "arp-only":
            rows.append(arp_only_row(kind, entries, stored))
        else:
            rows.append(packet_row(kind, check, entries, stored))
    return rows


def render(rows):
    """Return the report as an aligned text table."""
    head = ["traffic", "check", "flows sent/stored", "packets sent/stored", "bytes sent/stored",
            "result", "note"]
    table = [head] + [r.cells() for r in rows]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in table)
