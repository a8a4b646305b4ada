"""DNS rules: tunnel-like volume per client, resolvers not allowed, DNS on other ports."""

import ipaddress

from .finding import Finding, host_filter

RULES = {
    "dns_tunnel": {
        "severity": "high",
        "bytes_per_interval": 5_000_000,  # query + answer bytes of one client in one file
        "min_queries": 20,  # averages over fewer queries say nothing
        "query_bytes": 160,  # average IP bytes per query; names of normal lookups stay under ~100
        "answer_bytes": 700,  # average bytes per answer, its IP fragments included
    },
    "dns_resolver": {"severity": "medium", "allowed": []},  # empty list: rule off
    "dns_port": {"severity": "medium", "ports": [853, 5053]},
}
FRAGMENT = "proto udp and src port 0 and dst port 0"  # later IP fragments carry no ports


def interest(p):
    """Return the nfdump filter terms of flows these rules need."""
    terms = ["port 53", FRAGMENT]
    if p["dns_port"]["enabled"] and p["dns_port"]["ports"]:
        terms.append(f"dst port in [{' '.join(str(x) for x in p['dns_port']['ports'])}]")
    return terms


def _allowed(addr, nets):
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in n for n in nets)


def _nets(values):
    return [ipaddress.ip_network(str(v), strict=False) for v in values]


def client_volume(rows):
    """Return {client: [queries, query bytes, answers, answer bytes incl. fragments, servers]}."""
    per, answered = {}, set()
    for r in rows:
        if r.proto in ("udp", "tcp") and r.dport == 53:
            c = per.setdefault(r.src, [0, 0, 0, 0, set()])
            c[0] += r.packets
            c[1] += r.bytes
            c[4].add(r.dst)
        elif r.proto in ("udp", "tcp") and r.sport == 53:
            c = per.setdefault(r.dst, [0, 0, 0, 0, set()])
            c[2] += r.packets
            c[3] += r.bytes
            answered.add((r.src, r.dst))
    for r in rows:
        # a fragment flow between a resolver and its client belongs to that client's answers
        if r.proto == "udp" and r.sport == 0 and r.dport == 0 and (r.src, r.dst) in answered:
            per[r.dst][3] += r.bytes
    return per


def judge(p, rows):
    """Return the DNS findings of one interval."""
    out = []
    t = p["dns_tunnel"]
    if t["enabled"]:
        for client, (q, qb, a, ab, servers) in sorted(client_volume(rows).items()):
            total = qb + ab
            big = q >= t["min_queries"] and (qb / q >= t["query_bytes"]
                                             or (a and ab / a >= t["answer_bytes"]))
            if total >= t["bytes_per_interval"] or big:
                out.append(Finding(
                    "dns_tunnel", client, t["severity"],
                    f"client {client} sent {q} DNS queries ({qb} bytes) and got {a} answers "
                    f"({ab} bytes with fragments) from {', '.join(sorted(servers))}",
                    f"{host_filter(client)} and (port 53 or ({FRAGMENT}))",
                    0, q + a, total, (client,)))
    r_ = p["dns_resolver"]
    if r_["enabled"] and r_["allowed"]:
        out += _unlisted(rows, lambda r: r.dport == 53, _nets(r_["allowed"]), "dns_resolver",
                         r_["severity"], "resolver")
    d = p["dns_port"]
    if d["enabled"] and d["ports"]:
        ports = {int(x) for x in d["ports"]}
        out += _unlisted(rows, lambda r: r.dport in ports, _nets(r_["allowed"]), "dns_port",
                         d["severity"], "DNS port")
    return out


def _unlisted(rows, match, allowed, rule, severity, what):
    seen = {}
    for r in rows:
        if r.proto in ("udp", "tcp") and match(r) and not _allowed(r.dst, allowed):
            k = (r.src, r.dst, r.dport, r.proto)
            f, pk, b = seen.get(k, (0, 0, 0))
            seen[k] = (f + r.flows, pk + r.packets, b + r.bytes)
    return [Finding(rule, f"{c}>{s}:{port}", severity,
                    f"client {c} used {what} {s} port {port}/{proto} (not an allowed resolver)",
                    f"{host_filter(c, s)} and proto {proto} and port {port}", f, pk, b, (c, s))
            for (c, s, port, proto), (f, pk, b) in sorted(seen.items())]
