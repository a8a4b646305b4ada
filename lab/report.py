"""Compare what the lab sent (the agents' ledgers) with what the sensor stored: pure logic."""

from collections import defaultdict

# How each kind is checked: "exact" = every crafted 5-tuple stored with the same packets and bytes;
# "found" = every sent 5-tuple stored, with at least the packets sent (the scanner's kernel adds RSTs
# on the same 5-tuples); "sessions" = real TCP sessions, both directions of each one stored.
CHECKS = {
    "mdns": "exact", "ssdp": "exact", "netbios": "exact", "dns": "exact",
    "dns-tunnel": "exact", "volume-spike": "exact", "host-sweep": "exact", "port-scan": "found",
    "ssh": "sessions", "telnet": "sessions", "ssh-guessing": "sessions",
}
BASELINE = ("ssh", "mdns", "ssdp", "netbios", "dns")


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
    if check == "exact":
        ok = all(k in got and got[k][0] == v[0] and got[k][1] == v[1] for k, v in sent.items())
    else:
        ok = all(k in got and got[k][0] >= v[0] for k, v in sent.items())
    missing = len(sent) - len(got)
    note = f"{missing} flows missing" if missing else ("nothing sent" if not sent else "")
    return Row(kind, check, s, t, ok and bool(sent), note)


def session_row(kind, entries, stored):
    sessions = [e for e in entries if e["kind"] == kind and e.get("session")]
    pairs = {(e["src"], e["dst"], e["dport"]) for e in sessions}
    forward, both, pkts, nbytes = 0, 0, 0, 0
    for (proto, src, sport, dst, dport), (p, b, _r) in stored.items():
        if proto == 6 and (src, dst, dport) in pairs:
            forward += 1
            back = stored.get((6, dst, dport, src, sport))
            if back:
                both += 1
                pkts += p + back[0]
                nbytes += b + back[1]
    # Each session is one TCP connection: 2 flows (one per direction) stored for each.
    failed = sum(1 for e in sessions if not e.get("ok"))
    ok = bool(sessions) and not failed and forward >= len(sessions) and both == forward
    note = f"{len(sessions)} sessions"
    if failed:
        note += f", {failed} failed"
    if forward != both:
        note += f", {forward - both} one-way"
    return Row(kind, "sessions", (2 * len(sessions), "-", "-"), (2 * both, pkts, nbytes), ok, note)


def compare(entries, stored, kinds):
    """Return the report rows for kinds, in order."""
    rows = []
    for kind in kinds:
        check = CHECKS[kind]
        rows.append(session_row(kind, entries, stored) if check == "sessions"
                    else packet_row(kind, check, entries, stored))
    return rows


def render(rows):
    """Return the report as an aligned text table."""
    head = ["traffic", "check", "flows sent/stored", "packets sent/stored", "bytes sent/stored",
            "result", "note"]
    table = [head] + [r.cells() for r in rows]
    widths = [max(len(str(line[i])) for line in table) for i in range(len(head))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(line, widths)).rstrip()
                     for line in table)
