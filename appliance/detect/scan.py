"""Scans and sweeps (one source, many ports or hosts) and SSH password guessing."""

from .finding import Finding, host_filter

RULES = {
    "port_scan": {"severity": "medium", "ports": 100},  # distinct ports of one target host
    "host_sweep": {"severity": "medium", "hosts": 50},  # distinct hosts on one port
    "ssh_guessing": {
        "severity": "high",
        "attempts": 10,  # short sessions from one source to one server within the window
        "min_packets": 6,  # a login attempt completes the key exchange; scan probes do not
        "max_packets": 30,  # a key login with a shell and a few commands, or a copy, sends more
        "window": 60,  # seconds over which attempts add up (flow files are 5-60 s)
    },
}
MAX_CANDIDATES = 50  # sources looked at closely per interval


def candidates(p, src_flows):
    """Return sources whose flow count could reach a scan threshold ([(proto, ip, flows...)])."""
    need = min(p["port_scan"]["ports"] if p["port_scan"]["enabled"] else 1 << 62,
               p["host_sweep"]["hosts"] if p["host_sweep"]["enabled"] else 1 << 62)
    return [row[1] for row in src_flows if row[2] >= need][:MAX_CANDIDATES]


def candidate_filter(sources):
    """Return the nfdump filter selecting flows from these sources."""
    return f"src ip in [{' '.join(sources)}]"


def judge_scans(p, rows):
    """Return port scan and host sweep findings from -A srcip,dstip,srcport,dstport,proto rows."""
    ports, hosts = {}, {}
    for r in rows:
        port = r.dport
        if r.proto in ("icmp", "icmp6"):
            # a ping sweep; nfdump -A keeps no ICMP type, and replies each go to one host only
            port = 0
        elif r.proto not in ("tcp", "udp") or r.dport > r.sport:
            # answers go from the service port to a higher client port: count probes only
            continue
        else:
            p_ = ports.setdefault((r.src, r.dst), {})
            p_[(r.proto, r.dport)] = p_.get((r.proto, r.dport), 0) + r.flows
        h_ = hosts.setdefault((r.src, r.proto, port), {})
        h_[r.dst] = h_.get(r.dst, 0) + r.flows
    out = []
    ps = p["port_scan"]
    if ps["enabled"]:
        for (src, dst), seen in sorted(ports.items()):
            if len(seen) >= ps["ports"]:
                out.append(Finding("port_scan", f"{src}>{dst}", ps["severity"],
                                   f"{src} reached {len(seen)} ports of {dst}",
                                   f"src ip {src} and dst ip {dst}", sum(seen.values()), 0, 0,
                                   (src, dst)))
    hs = p["host_sweep"]
    if hs["enabled"]:
        for (src, proto, port), seen in sorted(hosts.items()):
            if len(seen) >= hs["hosts"]:
                icmp = proto.startswith("icmp")
                what = proto if icmp else f"port {port}/{proto}"
                out.append(Finding("host_sweep", f"{src}>*:{proto if icmp else f'{port}/{proto}'}",
                                   hs["severity"],
                                   f"{src} reached {len(seen)} hosts with {what}",
                                   f"src ip {src} and proto {proto}"
                                   + ("" if icmp else f" and dst port {port}"),
                                   sum(seen.values()), 0, 0, (src,)))
    return out


def interest(p):
    """Return the nfdump filter terms of flows the SSH rule needs."""
    s = p["ssh_guessing"]
    return [f"proto tcp and dst port 22 and packets >= {s['min_packets']} and "
            f"packets <= {s['max_packets']}"] if s["enabled"] else []


def ssh_counts(p, rows):
    """Return {(src, dst): (sessions, packets, bytes)} of short client sessions to port 22."""
    s = p["ssh_guessing"]
    pairs = {}
    for r in rows:
        if r.proto == "tcp" and r.dport == 22 and s["min_packets"] <= r.packets / max(r.flows, 1) \
                <= s["max_packets"]:
            f, pk, b = pairs.get((r.src, r.dst), (0, 0, 0))
            pairs[(r.src, r.dst)] = (f + r.flows, pk + r.packets, b + r.bytes)
    return pairs


def judge_ssh(p, recent, counts, end):
    """Return (findings, recent) over the last `window` seconds of interval counts.

    recent is [(interval end, counts)]: guesses paced over minutes span many flow files.
    """
    s = p["ssh_guessing"]
    if not s["enabled"]:
        return [], []
    recent = [(e, c) for e, c in recent if e > end - s["window"]] + [(end, counts)]
    total = {}
    for _e, c in recent:
        for pair, (f, pk, b) in c.items():
            t = total.get(pair, (0, 0, 0))
            total[pair] = (t[0] + f, t[1] + pk, t[2] + b)
    found = [Finding("ssh_guessing", f"{src}>{dst}", s["severity"],
                     f"{src} opened {f} short SSH sessions to {dst} in {s['window']} s",
                     f"{host_filter(src, dst)} and proto tcp and port 22", f, pk, b, (src, dst))
             for (src, dst), (f, pk, b) in sorted(total.items())
             if f >= s["attempts"] and pair_seen_now(counts, src, dst)]
    return found, recent


def pair_seen_now(counts, src, dst):
    """Tell whether the pair guessed in this interval (older guesses alone raise nothing new)."""
    return (src, dst) in counts
