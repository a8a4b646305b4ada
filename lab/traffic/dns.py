"""DNS: workstations look names up at the lab server's crafted responder (the exact check).

The office's own resolver is dnsmasq on the router (lab/daemons.py); this one stays crafted so
that one baseline kind is checked packet for packet against what the sensor stored.
"""

import hashlib
import socket

from scapy.layers.dns import DNS, DNSQR, DNSRR

SERVER_PORT = 53
OFFICE = ["intranet", "mail", "printer", "fileserver", "wiki", "git", "time", "proxy", "camera"]


def query_bytes(qid, name, qtype="A"):
    """Return the wire bytes of a recursive query."""
    return bytes(DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype=qtype)))


def answer_bytes(query):
    """Return the server's answer to a query (a pure function of it, so runs repeat exactly)."""
    q = DNS(query)
    name = q.qd.qname.decode().rstrip(".")
    digest = hashlib.sha256(name.encode()).digest()
    address = f"10.0.0.{100 + digest[0] % 100}"
    return bytes(DNS(id=q.id, qr=1, aa=1, rd=1, ra=1, qd=q.qd,
                     an=DNSRR(rrname=name, type="A", ttl=300, rdata=address)))


def ask(ctx, kind, name, qtype="A"):
    """Send one query from a fresh port (as a stub resolver does) and wait briefly for the answer."""
    server = (ctx.peers["srv"][0], SERVER_PORT)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind((ctx.ip, 0))
        data = query_bytes(ctx.rng.randrange(65536), name, qtype)
        sock.sendto(data, server)
        ctx.ledger.datagram(kind, sock.getsockname(), server, len(data))
        sock.settimeout(1.0)
        try:
            sock.recvfrom(4096)
        except socket.timeout:
            pass
    finally:
        sock.close()


def lookups(ctx):
    """Look up office names at a human rhythm."""
    ctx.ready.set()
    while ctx.pause(ctx.rng.uniform(0.5, 3.0)):
        ask(ctx, "dns", f"{ctx.rng.choice(OFFICE)}.office.lab")


def serve(ctx):
    """Answer every query on the server's port 53 until stopped."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ctx.ip, SERVER_PORT))
    sock.settimeout(0.2)
    ctx.ready.set()
    try:
        while ctx.running():
            try:
                data, peer = sock.recvfrom(4096)
            except socket.timeout:
                continue
            try:
                reply = answer_bytes(data)
            except Exception:  # a malformed query gets no answer, like a real server
                continue
            sock.sendto(reply, peer)
            ctx.ledger.datagram("dns", (ctx.ip, SERVER_PORT), peer, len(reply))
    finally:
        sock.close()
