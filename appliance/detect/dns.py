"""DNS rules: tunnel-like volume per client, resolvers not allowed, DNS on other ports."""

import ipaddress

from .finding import Finding, Span, host_filter

RULES = {
    "dns_tunnel": {
        "severity": "high",
        "bytes_per_interval": 5_000_000,  # query + answer bytes of one client in one file
        "min_queries": 10,  # averages over fewer queries say nothing
        "query_bytes": 160,  # average IP bytes per query; names of normal lookups stay under ~100
        "answer_bytes": 700,  # average bytes per answer, its IP fragments included
    },
    "dns_resolver": {"severity": "medium", "allowed": []},  # empty list: rule off
    "dns_port": {"severity": "medium", "ports": [853, 5053]},
}
FRAGMENT = "proto udp and src port 0 and dst port 0"  # later IP fragments carry no ports


# Per-client DNS volume comes from nfdump statistics (one row per client, not per flow), the top
# clients by bytes and by bytes per packet: (filter, -s specs). Answers include the later IP
# fragments sent to the client (ports 0): a big EDNS or TXT answer is fragmented (pitfalls.md).
TALLIES = {"queries": ("proto udp and dst port 53", ("srcip/bytes", "srcip/bpp")),
           "answers": (f"(proto udp and src port 53) or ({FRAGMENT})", ("dstip/bytes", "dstip/bpp"))}
TALLY_ROWS = 500  # clients per statistic and interval


def interest(p):
    """Return the nfdump filter terms of per-flow rows these rules need."""
    terms = []
    allowed = p["dns_resolver"]["allowed"]
    if p["dns_resolver"]["enabled"] and allowed:
        terms.append(f"dst port 53 and not ({_net_filter(allowed)})")
    if p["dns_port"]["enabled"] and p["dns_port"]["ports"]:
        terms.append(f"dst port in [{' '.join(str(x) for x in p['dns_port']['ports'])}]")
    return terms


def _net_filter(values):
    return " or ".join(f"dst net {v}" if "/" in str(v) else f"dst ip {v}" for v in values)


def _allowed(addr, nets):
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip.version == n.version and ip in n for n in nets)


def _nets(values):
    return [ipaddress.ip_network(str(v), strict=False) for v in values]


def client_volume(tallies):
    """Return {client: [queries, query bytes, answer bytes incl. fragments]}.

    tallies maps queries/answers to {ip: (flows, packets, bytes, first, last)}. Answers are sized
    per query (fragments add packets but not answers); clients that sent no query are not judged.
    """
    per = {}
    for ip, (_f, pk, b, *_times) in tallies["queries"].items():
        per[ip] = [pk, b, tallies["answers"].get(ip, (0, 0, 0))[2]]
    return per


def judge(p, rows, tallies):
    """Return the DNS findings of one interval."""
    out = []
    t = p["dns_tunnel"]
    if t["enabled"]:
        for client, (q, qb, ab) in sorted(client_volume(tallies).items()):
            total = qb + ab
            big = q >= t["min_queries"] and (qb / q >= t["query_bytes"]
                                             or ab / q >= t["answer_bytes"])
            if total >= t["bytes_per_interval"] or big:
                # the evidence counts what its filter shows: queries and answers with fragments
                query = tallies["queries"][client]
                answer = tallies["answers"].get(client, (0, 0, 0))
                qf, qp, af, ap = query[0], query[1], answer[0], answer[1]
                first, last = Span().add(*query[3:5]).add(*answer[3:5]).whole()
                out.append(Finding(
                    "dns_tunnel", client, t["severity"],
                    f"client {client} sent {q} DNS queries ({qb} bytes) and got "
                    f"{ab} bytes of answers with their fragments in one interval",
                    f"{host_filter(client)} and (port 53 or ({FRAGMENT}))",
                    qf + af, qp + ap, total, (client,), first, last))
    r_ = p["dns_resolver"]
    if r_["enabled"] and r_["allowed"]:
        out += _unlisted(rows, lambda r: r.dport == 53, _nets(r_["allowed"]), "dns_resolver",
                         r_["severity"], "resolver", _probe_packets(p))
    d = p["dns_port"]
    if d["enabled"] and d["ports"]:
        ports = {int(x) for x in d["ports"]}
        out += _unlisted(rows, lambda r: r.dport in ports, _nets(r_["allowed"]), "dns_port",
                         d["severity"], "DNS port", _probe_packets(p))
    return out


def _probe_packets(p):
    # the scan rules' definition of a probe: at most that many packets per TCP flow
    return p["port_scan"]["probe_packets"] if "port_scan" in p else 3


def is_request(r, probe_packets):
    """Tell a client's request from an answer or a probe: one event is not also a DNS alert.

    An answer goes from the service port to a higher client port (a SYN flood's SYN-ACKs from
    port 22 to the attacker's port 5053 are not DNS); a TCP flow of a few packets is a probe.
    """
    if r.sport < r.dport:
        return False
    return r.proto != "tcp" or r.packets / max(r.flows, 1) > probe_packets


def _unlisted(rows, match, allowed, rule, severity, what, probe_packets):
    seen = {}
    for r in rows:
        if r.proto in ("udp", "tcp") and match(r) and not _allowed(r.dst, allowed) \
                and is_request(r, probe_packets):
            seen.setdefault((r.src, r.dst, r.dport, r.proto), []).append(r)
    return [Finding(rule, f"{c}>{s}:{port}", severity,
                    f"client {c} used {what} {s} port {port}/{proto} (not an allowed resolver)",
                    f"{host_filter(c, s)} and proto {proto} and port {port}",
                    sum(r.flows for r in rs), sum(r.packets for r in rs), sum(r.bytes for r in rs),
                    (c, s), *Span().rows(rs).whole())
            for (c, s, port, proto), rs in sorted(seen.items())]
