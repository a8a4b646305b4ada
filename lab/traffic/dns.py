"""DNS: workstations look names up at the lab server; the server answers (A, or large TXT)."""

import hashlib
import socket

from scapy.layers.dns import DNS, DNSQR, DNSRR

SERVER_PORT = 53
OFFICE = ["intranet", "mail", "printer", "fileserver", "wiki", "git", "time", "proxy", "camera"]
TUNNEL_ZONE = "t.exfil-lab.example"


def query_bytes(qid, name, qtype="A"):
    """Return the wire bytes of a recursive query."""
    return bytes(DNS(id=qid, rd=1, qd=DNSQR(qname=name, qtype=qtype)))


def answer_bytes(query):
    """Return the server's answer to a query (a pure function of it, so runs repeat exactly)."""
    q = DNS(query)
    name = q.qd.qname.decode().rstrip(".")
    digest = hashlib.sha256(name.encode()).digest()
    if q.qd.qtype == 16:  # TXT: the tunnel's downstream, chunks of "encoded" data
        chunks = [hashlib.sha256(digest + bytes([i])).hexdigest() * 3 for i in range(4)]
        rr = None
        for chunk in chunks:
            rec = DNSRR(rrname=name, type="TXT", ttl=0, rdata=chunk[:180])
            rr = rec if rr is None else rr / rec
        return bytes(DNS(id=q.id, qr=1, aa=1, rd=1, ra=1, qd=q.qd, an=rr))
    address = f"10.0.0.{100 + digest[0] % 100}"
    return bytes(DNS(id=q.id, qr=1, aa=1, rd=1, ra=1, qd=q.qd,
                     an=DNSRR(rrname=name, type="A", ttl=300, rdata=address)))


def kind_of(name):
    return "dns-tunnel" if name.rstrip(".").endswith(TUNNEL_ZONE) else "dns"


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
                name = DNS(data).qd.qname.decode()
            except Exception:  # a malformed query gets no answer, like a real server
                continue
            sock.sendto(reply, peer)
            ctx.ledger.datagram(kind_of(name), (ctx.ip, SERVER_PORT), peer, len(reply))
    finally:
        sock.close()
