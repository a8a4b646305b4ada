"""Scans and sweeps (one source probing many ports or hosts) and SSH password guessing, over windows.

Each flow file adds what it showed to the rule's sliding window (window.py); a rule alerts when
the window's sum crosses its threshold, so a scan or a guessing run paced over many files is
caught like a fast one.
"""

import math

from .finding import Finding, host_filter
from .window import count

RULES = {
    "port_scan": {"severity": "medium", "ports": 100,  # distinct ports of one target host
                  "window": 300, "probe_packets": 3},
    "host_sweep": {"severity": "medium", "hosts": 50,  # distinct hosts probed by one source
                   "window": 300, "probe_packets": 3},
    "ssh_guessing": {
        "severity": "high",
        "attempts": 20,  # estimated password tries from one source to one server in the window
        "min_packets": 6,  # client packets of a session that reaches a login; a probe sends fewer
        "max_packets": 30,  # a key login with a shell and a few commands, or a copy, sends more
        "attempt_bytes": 100,  # client payload bytes one more try adds (hydra ~90, OpenSSH ~150)
        "window": 300,  # seconds over which attempts add up
    },
}
MAX_CANDIDATES = 50  # sources looked at closely per interval
# A login attempt's client payload is at least its key exchange and first request (measured:
# hydra/libssh 1176 bytes, OpenSSH 3093): a banner check (check_ssh, ssh-keyscan) sends less and
# is no try, and cannot become the pair's one-try reference.
LOGIN_PAYLOAD = 800
MAX_TRIES = 6  # per connection: sshd's default MaxAuthTries, after which it disconnects
SWEEP_SERVICES = 6  # services named in a sweep's summary and filter
# ICMP requests a sweep sends (echo, timestamp, information, address mask; ICMPv6 echo): answers
# and errors (echo replies, unreachables from a router, time exceeded) probe nothing
ICMP_PROBES = {"icmp": {8, 13, 15, 17}, "icmp6": {128}}


def _per_flow(r):
    return r.packets / max(r.flows, 1)


def _window_text(seconds):
    return f"{seconds // 60} min" if seconds % 60 == 0 and seconds >= 60 else f"{seconds} s"


def _icmp_requests():
    """Return the nfdump filter of ICMP requests (nfdump's icmp-type matches ICMPv6 too)."""
    terms = []
    for proto, types in ICMP_PROBES.items():
        kinds = " or ".join(f"icmp-type {t}" for t in sorted(types))
        terms.append(f"(proto {proto} and ({kinds}))")
    return " or ".join(terms)


def probe_filter(p):
    """Return the nfdump filter of flows that can be probes (few packets, or ICMP requests)."""
    # the larger limit of the two rules: each rule applies its own to the rows
    n = max(p["port_scan"]["probe_packets"], p["host_sweep"]["probe_packets"], 1)
    return f"((proto tcp or proto udp) and packets <= {n}) or {_icmp_requests()}"


def needed(p, seconds):
    """Return the probes per interval of `seconds` that make a source worth a close look."""
    need = []
    for rule, what in (("port_scan", "ports"), ("host_sweep", "hosts")):
        s = p[rule]
        if s["enabled"]:
            # a scan spread evenly over the window shows window/interval times fewer per file;
            # half of that leaves room for uneven pacing
            share = min(1.0, seconds / max(s["window"], seconds))
            need.append(max(2, math.ceil(s[what] * share / 2)))
    return min(need) if need else None


def candidates(p, src_probes, seconds):
    """Return sources whose probe flows [(source, flows)] in an interval could build a scan."""
    need = needed(p, seconds)
    if need is None:
        return []
    return [src for src, flows in src_probes if flows >= need][:MAX_CANDIDATES]


def candidate_filter(p, sources):
    """Return the nfdump filter selecting these sources' probes and the answers to them."""
    return f"ip in [{' '.join(sources)}] and ({probe_filter(p)})"


def _answered(rows):
    """Return the (src, dst, sport, dport, proto) keys that have traffic back."""
    return {(r.dst, r.src, r.dport, r.sport, r.proto) for r in rows}


def probes(rows, sources, limit):
    """Yield (src, dst, proto, port, row) of the probes from sources among -A 5-tuple rows.

    A probe sends at most `limit` packets per flow. TCP and UDP answers go from the service port to
    a higher client port and are not probes; a UDP datagram that got a UDP answer is a session
    (a resolver asking many servers is no sweep); ICMP requests count under port 0, ICMP answers
    and errors not at all. The rows come through probe_filter, which keeps ICMP requests only:
    nfdump 1.7.1's -A prints every ICMP flow's type.code as 0.0, so rows cannot tell; a row that
    does carry its type (type x 256 + code as the port) is checked too.
    """
    back = _answered(rows)
    for r in rows:
        if r.src not in sources or _per_flow(r) > limit:
            continue
        if r.proto in ICMP_PROBES:
            if not r.dport or r.dport >> 8 in ICMP_PROBES[r.proto]:
                yield r.src, r.dst, r.proto, 0, r
        elif r.proto in ("tcp", "udp") and r.dport <= r.sport:
            if r.proto == "udp" and (r.src, r.dst, r.sport, r.dport, "udp") in back:
                continue
            yield r.src, r.dst, r.proto, r.dport, r


def observe_scans(p, rows, sources):
    """Return ({"src>dst": {"proto/port": counts}}, {"src": {"dst|service": counts}})."""
    ports, hosts = {}, {}
    for rule, table, limit in (("port_scan", ports, p["port_scan"]["probe_packets"]),
                               ("host_sweep", hosts, p["host_sweep"]["probe_packets"])):
        if not p[rule]["enabled"]:
            continue
        for src, dst, proto, port, r in probes(rows, sources, limit):
            if rule == "port_scan":
                if proto.startswith("icmp"):
                    continue
                key, item = f"{src}>{dst}", f"{proto}/{port}"
            else:
                key, item = src, f"{dst}|{proto if proto.startswith('icmp') else f'{port}/{proto}'}"
            count(table.setdefault(key, {}), item, r)
    return ports, hosts


def observe_ssh(p, rows):
    """Return {"src>dst": {"client port": [flows, packets, bytes, first, last]}} of flows to 22."""
    out = {}
    for r in rows:
        if r.proto == "tcp" and r.dport == 22:
            count(out.setdefault(f"{r.src}>{r.dst}", {}), str(r.sport), r)
    return out


def payload(src, packets, size):
    """Return a flow's bytes without its IP and TCP headers (with timestamps: 32 bytes of TCP)."""
    return size - packets * ((40 if ":" in src else 20) + 32)


def attempts(p, sessions, src=""):
    """Estimate password tries from sessions {client port: [flows, packets, bytes]}.

    The pair's smallest session is taken as one try (its key exchange and one request); every
    further `attempt_bytes` of payload a session sent is one more try. Payload, not bytes: a slow
    session carries more bare ACKs. A tool that reuses a connection for several tries is counted
    by its tries, not its connections; a client repeating the same login counts one per session.
    sessions sums each client port's records over the window.
    """
    # A client port is one connection, whether softflowd exported it as one record or in pieces
    # (idle and active timeouts, file boundaries): judged on its sum over the window, a slowly
    # typed shell grows past max_packets and stops counting, a slow guesser's session stays one.
    s = p["ssh_guessing"]
    each = [payload(src, packets, size) for _flows, packets, size in sessions.values()
            if s["min_packets"] <= packets <= s["max_packets"]]
    each = [b for b in each if b >= LOGIN_PAYLOAD]
    if not each:
        return 0
    base = min(each)
    step = max(s["attempt_bytes"], 1)
    return sum(min(MAX_TRIES, 1 + max(0, round((b - base) / step))) for b in each)


def _sums(seen):
    return seen.new


def judge_ports(p, seen):
    """Return (window key, Finding) of port scans from {"src>dst": Seen}."""
    s, out = p["port_scan"], []
    for key, w in sorted(seen.items()):
        if not w.now or len(w.items) < s["ports"]:
            continue
        src, dst = key.split(">")
        f, pk, b = _sums(w)
        out.append((key, Finding("port_scan", key, s["severity"],
                           f"{src} probed {len(w.items)} ports of {dst} in "
                           f"{_window_text(s['window'])}",
                           f"src ip {src} and dst ip {dst}", f, pk, b, (src, dst),
                           *w.span.whole())))
    return out


def _service_filter(services):
    icmp = sorted(x for x in services if x.startswith("icmp"))
    by_proto = {}
    for x in services:
        if "/" in x:
            port, proto = x.split("/")
            by_proto.setdefault(proto, []).append(int(port))
    terms = [f"proto {x}" for x in icmp]
    terms += [f"(proto {proto} and dst port in [{' '.join(map(str, sorted(ports)))}])"
              for proto, ports in sorted(by_proto.items())]
    return " or ".join(terms)


def judge_hosts(p, seen):
    """Return (window key, Finding) per sweeping source from {"src": Seen}, naming its services."""
    s, out = p["host_sweep"], []
    for src, w in sorted(seen.items()):
        hosts = {item.split("|")[0] for item in w.items}
        if not w.now or len(hosts) < s["hosts"]:
            continue
        per = {}
        for item in w.items:
            dst, service = item.split("|")
            per.setdefault(service, set()).add(dst)
        top = sorted(per, key=lambda x: (-len(per[x]), x))[:SWEEP_SERVICES]
        f, pk, b = _sums(w)
        out.append((src, Finding("host_sweep", f"{src}>*", s["severity"],
                           f"{src} probed {len(hosts)} hosts in {_window_text(s['window'])} "
                           f"with {', '.join(top)}",
                           f"src ip {src} and ({_service_filter(top)})", f, pk, b, (src,),
                           *w.span.whole())))
    return out


def judge_ssh(p, seen):
    """Return (window key, Finding) of SSH guessing from {"src>dst": Seen} of login-sized sessions."""
    s, out = p["ssh_guessing"], []
    for key, w in sorted(seen.items()):
        tries = attempts(p, w.items, key.split(">")[0])
        if not w.now or tries < s["attempts"]:
            continue
        src, dst = key.split(">")
        sessions = sum(s["min_packets"] <= c[1] <= s["max_packets"]
                       and payload(src, c[1], c[2]) >= LOGIN_PAYLOAD for c in w.items.values())
        f, pk, b = _sums(w)
        out.append((key, Finding("ssh_guessing", key, s["severity"],
                           f"{src} made about {tries} SSH login attempts in {sessions} "
                           f"sessions to {dst} in {_window_text(s['window'])}",
                           f"{host_filter(src, dst)} and proto tcp and port 22", f, pk, b,
                           (src, dst), *w.span.whole())))
    return out


JUDGES = {"port_scan": judge_ports, "host_sweep": judge_hosts, "ssh_guessing": judge_ssh}


def judge(p, windows, observed, end):
    """Add one interval's observations {rule: {key: items}} to the windows; return Findings.

    Keys that alert have their intervals marked, so the next alert of the key counts only new flows.
    """
    out = []
    for rule, keys in observed.items():
        s = p[rule]
        if not s["enabled"]:
            continue
        windows.prune(rule, end - s["window"])
        windows.add(rule, end, keys)
        seen = windows.seen(rule, end, s["window"], keys=set(keys))
        for key, f in JUDGES[rule](p, seen):
            windows.reported(rule, key, seen[key].ends)
            out.append(f)
    return out


def interest(p):
    """Return the nfdump filter terms of flows the SSH rule needs."""
    # every client flow to 22, big ones too: a connection's pieces are judged on their sum
    return ["proto tcp and dst port 22"] if p["ssh_guessing"]["enabled"] else []
