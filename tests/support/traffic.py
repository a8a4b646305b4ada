"""Test traffic sent into a namespace's veth: one UDP datagram as a raw Ethernet frame."""

from .netns import python_in

SRC, DST = "10.99.0.1", "10.99.0.2"

# Raw AF_PACKET, no scapy: its start-up would sit on the clock of latency tests.
# argv: iface dport sport payload-bytes
SEND_UDP = r"""
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
payload = b"s" * int(sys.argv[4])
udp = struct.pack("!HHHH", int(sys.argv[3]), int(sys.argv[2]), 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("SRC"), socket.inet_aton("DST"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(frame)
""".replace("SRC", SRC).replace("DST", DST)


def send_udp(ns, iface, dport, sport=40001, payload=40):
    """Send one UDP datagram SRC:sport -> DST:dport (IP length 28 + payload) out of iface in ns."""
    python_in(ns, SEND_UDP, iface, str(dport), str(sport), str(payload))
