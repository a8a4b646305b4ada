"""NetBIOS over TCP/IP broadcasts: name-service queries (137) and datagram announcements (138)."""

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.layers.netbios import NBNSHeader, NBNSQueryRequest, NBTDatagram
from scapy.packet import Raw
from scapy.sendrecv import sendp

BROADCAST = "10.0.0.255"
NAMES = ["FILESERVER", "WORKGROUP", "PRINTER01", "INTRANET", "WPAD", "NAS"]


def _frame(ctx, sport, dport, payload):
    return (Ether(src=ctx.mac, dst="ff:ff:ff:ff:ff:ff") / IP(src=ctx.ip, dst=BROADCAST)
            / UDP(sport=sport, dport=dport) / payload)


def name_query(ctx):
    """Build a broadcast NBNS name query for one of the office names."""
    name = ctx.rng.choice(NAMES).encode()
    header = NBNSHeader(NAME_TRN_ID=ctx.rng.randrange(65536), NM_FLAGS=0x11, QDCOUNT=1)
    return _frame(ctx, 137, 137, header / NBNSQueryRequest(QUESTION_NAME=name))


def announcement(ctx):
    """Build a broadcast NetBIOS datagram (a browser host announcement's size and shape)."""
    body = b"\x01" + ctx.host.upper().encode().ljust(16, b"\x00") + bytes(ctx.rng.randrange(40, 80))
    dgm = NBTDatagram(Type=0x11, Flags=0x02, ID=ctx.rng.randrange(65536), SourceIP=ctx.ip,
                      SourcePort=138, SourceName=ctx.host.upper(), DestinationName="WORKGROUP")
    return _frame(ctx, 138, 138, dgm / Raw(body))


def run(ctx):
    """Broadcast name queries and announcements with a workstation's irregular rhythm."""
    ctx.ready.set()
    while ctx.pause(ctx.rng.uniform(1.0, 4.0)):
        pkt = name_query(ctx) if ctx.rng.random() < 0.6 else announcement(ctx)
        sendp(pkt, iface=ctx.iface, verbose=False)
        ctx.ledger.packet("netbios", pkt)
