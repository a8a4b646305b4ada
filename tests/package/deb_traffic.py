"""One UDP datagram as a raw Ethernet frame, sent into the mirror's feed side (argv: iface dport sport)."""

DPORT = 5599

SEND_ONE = r"""
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
payload = b"spanflow-deb" * 4
udp = struct.pack("!HHHH", int(sys.argv[3]), int(sys.argv[2]), 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("10.99.0.1"), socket.inet_aton("10.99.0.2"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(frame)
"""
