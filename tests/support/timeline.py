"""A capture with known per-minute truth: packets and IP bytes per minute, and a telnet session.

Frames are raw bytes (no scapy outside lab/): UDP background traffic whose packet count and size
change every minute, one silent minute, one flow crossing a minute boundary, and a telnet
session (client and server exchanging data on tcp/23) inside one known minute.
"""

import ipaddress
import struct

T0 = 1_700_000_040  # 2023-11-14 22:14:00 UTC, a minute boundary
PER_MINUTE = (40, 90, 0, 25, 60, 35)  # background UDP packets in minutes 0..5 (minute 2 silent)
TELNET_MINUTE = 3
TELNET = ("10.1.0.7", 40123, "10.2.0.23", 23)
TELNET_SPAN = (10.0, 25.0)  # seconds into its minute
CROSSING = ("10.1.0.9", 7000, "10.2.0.9", 7001)  # 10 packets from 4:50 to 5:09.5

ETH = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"


def _ip4(src, dst, proto, l4):
    return ETH + struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                             ipaddress.IPv4Address(src).packed,
                             ipaddress.IPv4Address(dst).packed) + l4


def udp(src, sport, dst, dport, size):
    return _ip4(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + size, 0) + bytes(size))


def tcp(src, sport, dst, dport, size, flags=0x18):
    return _ip4(src, dst, 6, struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 0x50, flags, 65535,
                                         0, 0) + bytes(size))


def packets():
    """Return [(time, frame)] of the whole capture, in time order."""
    out = []
    for minute, count in enumerate(PER_MINUTE):
        for k in range(count):
            # a few flows per minute; sizes vary so bytes are not packets times a constant
            t = T0 + 60 * minute + 1 + k * (55.0 / count)
            out.append((t, udp(f"10.1.0.{1 + k % 3}", 5000 + minute, "10.2.0.1", 9000,
                               20 + (k * 37 + minute * 11) % 400)))
    c, cp, s, sp = TELNET
    t0 = T0 + 60 * TELNET_MINUTE + TELNET_SPAN[0]
    step = (TELNET_SPAN[1] - TELNET_SPAN[0]) / 11
    for k in range(12):  # 6 packets each way: above the rule's 4 each way
        fwd = k % 2 == 0
        frame = tcp(c, cp, s, sp, 10 + k) if fwd else tcp(s, sp, c, cp, 30 + k)
        out.append((t0 + k * step, frame))
    c, cp, s, sp = CROSSING
    for k in range(10):
        out.append((T0 + 4 * 60 + 50 + k * 2.1, udp(c, cp, s, sp, 100 + k)))
    return sorted(out, key=lambda p: p[0])


def write(path, frames=None):
    """Write a pcap of frames (default: packets()); return the bytes offset after each packet."""
    ends = []
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame in frames or packets():
            sec = int(t)
            f.write(struct.pack("<IIII", sec, int(round((t - sec) * 1e6)), len(frame),
                                len(frame)) + frame)
            ends.append(f.tell())
    return ends


def per_minute(frames=None):
    """Return {minute start: (packets, IP bytes)} of frames (default: packets())."""
    out = {}
    for t, frame in frames or packets():
        m = int(t // 60) * 60
        p, b = out.get(m, (0, 0))
        out[m] = (p + 1, b + len(frame) - len(ETH))
    return out


def _block(kind, body):
    body += bytes(-len(body) % 4)
    length = 12 + len(body)
    return struct.pack("<II", kind, length) + body + struct.pack("<I", length)


def write_pcapng(path, frames=None, nanoseconds=False):
    """Write frames as pcapng (section, one Ethernet interface, enhanced packet blocks)."""
    unit = 1e9 if nanoseconds else 1e6
    options = struct.pack("<HHB3x", 9, 1, 9) + struct.pack("<HH", 0, 0) if nanoseconds else b""
    with open(path, "wb") as f:
        f.write(_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)))
        f.write(_block(1, struct.pack("<HHI", 1, 0, 65535) + options))
        for t, frame in frames or packets():
            stamp = int(round(t * unit))
            f.write(_block(6, struct.pack("<IIIII", 0, stamp >> 32, stamp & 0xFFFFFFFF,
                                          len(frame), len(frame)) + frame))
