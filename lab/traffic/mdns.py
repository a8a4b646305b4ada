"""mDNS: queries and announcements to 224.0.0.251:5353, crafted with scapy and sent at layer 2."""

from scapy.layers.dns import DNS, DNSQR, DNSRR
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.sendrecv import sendp

GROUP, GROUP_MAC, PORT = "224.0.0.251", "01:00:5e:00:00:fb", 5353
SERVICES = ["_ipp._tcp.local", "_printer._tcp.local", "_airplay._tcp.local",
            "_googlecast._tcp.local", "_smb._tcp.local", "_http._tcp.local"]


def query(ctx):
    """Build a one-question PTR query for a service type."""
    name = ctx.rng.choice(SERVICES)
    return _frame(ctx, DNS(id=0, qr=0, qd=DNSQR(qname=name, qtype="PTR")))


def announcement(ctx):
    """Build an unsolicited answer announcing this host's name and address."""
    name = f"{ctx.host}.local"
    answer = DNSRR(rrname=name, type="A", rclass=0x8001, ttl=120, rdata=ctx.ip)
    return _frame(ctx, DNS(id=0, qr=1, aa=1, an=answer))


def _frame(ctx, dns):
    return (Ether(src=ctx.mac, dst=GROUP_MAC) / IP(src=ctx.ip, dst=GROUP, ttl=255)
            / UDP(sport=PORT, dport=PORT) / dns)


def run(ctx):
    """Query now and then like a desktop; devices (prn, iot) also announce themselves."""
    ctx.ready.set()
    device = ctx.host in ("prn", "iot")
    while ctx.pause(ctx.rng.uniform(0.5, 3.0)):
        pkt = announcement(ctx) if device and ctx.rng.random() < 0.5 else query(ctx)
        sendp(pkt, iface=ctx.iface, verbose=False)
        ctx.ledger.packet("mdns", pkt)
