"""Cleartext admin sessions: a client and server exchanging data on a login or management port."""

from .finding import Finding, Span, host_filter

# port -> (protocol, service); VNC and X11 ranges are added from the rule's settings
SERVICES = {
    ("tcp", 21): "ftp", ("tcp", 23): "telnet", ("tcp", 512): "rexec", ("tcp", 513): "rlogin",
    ("tcp", 514): "rsh", ("udp", 69): "tftp", ("udp", 161): "snmp", ("udp", 162): "snmp-trap",
}
RULES = {"cleartext": {
    "severity": "high",
    "min_packets_tcp": 4,  # each way: a SYN scan (1/1) or a refused connect never reaches it
    "min_packets_udp": 1,
    "vnc_displays": 10,  # 5900..5909
    "x11_displays": 10,  # 6000..6009
    "http_admin_ports": [],
}}


def services(p):
    """Return {(proto, port): service} watched under the rule settings p."""
    table = dict(SERVICES)
    table.update({("tcp", 5900 + n): "vnc" for n in range(p["vnc_displays"])})
    table.update({("tcp", 6000 + n): "x11" for n in range(p["x11_displays"])})
    table.update({("tcp", int(port)): "http-admin" for port in p["http_admin_ports"]})
    return table


def interest(p):
    """Return the nfdump filter terms of flows this rule needs."""
    by_proto = {}
    for proto, port in services(p):
        by_proto.setdefault(proto, []).append(port)
    # a session needs that many packets each way: nfdump drops the single-packet probes
    need = {"tcp": p["min_packets_tcp"], "udp": p["min_packets_udp"]}
    return [f"proto {proto} and port in [{' '.join(map(str, sorted(ports)))}]"
            f" and packets >= {need[proto]}" for proto, ports in sorted(by_proto.items())]


def followup(rows, limit=50):
    """Return a filter for TFTP answers (sent from a new server port), or "" when none are due."""
    answered = {(r.src, r.dst, r.dport) for r in rows if r.proto == "udp"}
    terms = sorted({f"(src ip {r.dst} and dst ip {r.src} and dst port {r.sport})" for r in rows
                    if r.proto == "udp" and r.dport == 69
                    and (r.dst, r.src, r.sport) not in answered})[:limit]
    return f"proto udp and not port 69 and ({' or '.join(terms)})" if terms else ""


def judge(p, rows):
    """Return a Finding per client/server/service with enough packets both ways."""
    table = services(p)
    # answers are matched on (server, client, client port): TFTP answers from a new server port
    back = {}
    for r in rows:
        back.setdefault((r.src, r.dst, r.dport, r.proto), []).append(r)
    sessions = {}
    for r in rows:
        service = table.get((r.proto, r.dport))
        if not service:
            continue
        answers = back.get((r.dst, r.src, r.sport, r.proto), [])
        need = p["min_packets_tcp"] if r.proto == "tcp" else p["min_packets_udp"]
        if r.packets < need or sum(a.packets for a in answers) < need:
            continue
        key = (r.src, r.dst, r.dport, service, r.proto)
        sessions.setdefault(key, []).extend([r, *answers])
    out = []
    for (client, server, port, service, proto), evidence in sorted(sessions.items()):
        first, last = Span().rows(evidence).whole()
        out.append(Finding("cleartext", f"{client}>{server}:{service}", p["severity"],
                           f"cleartext {service} session from client {client} to server "
                           f"{server} port {port}/{proto}",
                           f"{host_filter(client, server)} and proto {proto}"
                           + (f" and port {port}" if proto == "tcp" else ""),
                           sum(e.flows for e in evidence), sum(e.packets for e in evidence),
                           sum(e.bytes for e in evidence), (client, server), first, last))
    return out
