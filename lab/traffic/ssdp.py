"""SSDP: M-SEARCH and NOTIFY to 239.255.255.250:1900, and a device that answers searches."""

import socket
import struct

from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw
from scapy.sendrecv import sendp

GROUP, GROUP_MAC, PORT = "239.255.255.250", "01:00:5e:7f:ff:fa", 1900
TARGETS = ["ssdp:all", "upnp:rootdevice", "urn:schemas-upnp-org:device:MediaRenderer:1",
           "urn:dial-multiscreen-org:service:dial:1"]


def msearch_text(target):
    return ("M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\n"
            f"MX: 1\r\nST: {target}\r\n\r\n").encode()


def notify_text(host, ip, rng):
    return ("NOTIFY * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nCACHE-CONTROL: max-age=1800\r\n"
            f"LOCATION: http://{ip}:49152/description.xml\r\nNT: upnp:rootdevice\r\nNTS: ssdp:alive\r\n"
            f"SERVER: Linux/5.10 UPnP/1.0 {host}/1.{rng.randrange(10)}\r\n"
            f"USN: uuid:{host}-{rng.randrange(1 << 32):08x}::upnp:rootdevice\r\n\r\n").encode()


def response_text(host, ip, target):
    return ("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=1800\r\nEXT:\r\n"
            f"LOCATION: http://{ip}:49152/description.xml\r\nSERVER: Linux/5.10 UPnP/1.0 {host}/1.0\r\n"
            f"ST: {target}\r\nUSN: uuid:{host}::{target}\r\n\r\n").encode()


def _frame(ctx, sport, payload):
    return (Ether(src=ctx.mac, dst=GROUP_MAC) / IP(src=ctx.ip, dst=GROUP, ttl=2)
            / UDP(sport=sport, dport=PORT) / Raw(payload))


def search(ctx):
    """Send M-SEARCHes from a bound port (answers arrive there, so no ICMP unreachable)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((ctx.ip, 0))
    sport = sock.getsockname()[1]
    ctx.ready.set()
    try:
        while ctx.pause(ctx.rng.uniform(2.0, 6.0)):
            pkt = _frame(ctx, sport, msearch_text(ctx.rng.choice(TARGETS)))
            sendp(pkt, iface=ctx.iface, verbose=False)
            ctx.ledger.packet("ssdp", pkt)
    finally:
        sock.close()


def device(ctx):
    """Answer M-SEARCHes by unicast and announce with NOTIFY now and then, like a printer or TV."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("0.0.0.0", PORT))
    sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
                    struct.pack("4s4s", socket.inet_aton(GROUP), socket.inet_aton(ctx.ip)))
    sock.settimeout(0.2)
    ctx.ready.set()
    next_notify = 0.0
    clock = 0.0
    try:
        while ctx.running():
            try:
                data, peer = sock.recvfrom(2048)
            except socket.timeout:
                clock += 0.2
                if clock >= next_notify:
                    pkt = _frame(ctx, PORT, notify_text(ctx.host, ctx.ip, ctx.rng))
                    sendp(pkt, iface=ctx.iface, verbose=False)
                    ctx.ledger.packet("ssdp", pkt)
                    next_notify = clock + ctx.rng.uniform(3.0, 8.0)
                continue
            if not data.startswith(b"M-SEARCH") or peer[0] == ctx.ip:
                continue
            target = "upnp:rootdevice"
            for line in data.decode(errors="replace").split("\r\n"):
                if line.upper().startswith("ST:"):
                    target = line[3:].strip()
            reply = response_text(ctx.host, ctx.ip, target)
            sock.sendto(reply, peer)
            ctx.ledger.datagram("ssdp", (ctx.ip, PORT), peer, len(reply))
    finally:
        sock.close()
