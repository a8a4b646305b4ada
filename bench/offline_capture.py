"""Generate a pcap with known ground truth: TCP both ways, UDP, ICMP, ICMPv6 echo, IPv6.

Frames are written as raw bytes (scapy is far too slow for a million packets). The truth is
keyed per direction like a stored flow: (src, dst, proto, sport, dport), ICMP ports being
(0, type*256+code) as nfdump shows them; values are packets, IP bytes, first and last times.
"""

import heapq
import ipaddress
import random
import struct

ETH4 = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00"
ETH6 = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x86\xdd"
START = 1_700_000_000.0


def ip4(src, dst, proto, l4):
    return ETH4 + struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                              src.packed, dst.packed) + l4


def ip6(src, dst, proto, l4):
    return ETH6 + struct.pack("!IHBB16s16s", 0x60000000, len(l4), proto, 64,
                              src.packed, dst.packed) + l4


def l4(proto, sport, dport, size, flags=0x18):
    """Return a transport header plus size payload bytes (ICMP: sport=type, dport=code)."""
    pad = bytes(size)
    if proto == 6:
        return struct.pack("!HHIIBBHHH", sport, dport, 1, 1, 0x50, flags, 65535, 0, 0) + pad
    if proto == 17:
        return struct.pack("!HHHH", sport, dport, 8 + size, 0) + pad
    return struct.pack("!BBHHH", sport, dport, 0, 7, 1) + pad  # ICMP / ICMPv6 echo


def sessions(rng, count, span):
    """Yield (start, [(dt, forward?, size)], proto, v6, kind) for count conversations."""
    for n in range(count):
        kind = rng.choice(("tcp", "tcp", "udp", "icmp", "icmp6", "tcp6", "udp6"))
        length = rng.randint(1, 12)
        steps = [(rng.uniform(0.001, 0.2), i % 2 == 0 or rng.random() < 0.3, rng.randint(0, 1200))
                 for i in range(length)]
        yield n, rng.uniform(0, span), steps, kind


KINDS = {"tcp": (6, False), "udp": (17, False), "icmp": (1, False),
         "icmp6": (58, True), "tcp6": (6, True), "udp6": (17, True)}
ECHO = {1: (8, 0), 58: (128, 129)}


def addresses(n, v6):
    if v6:
        return (ipaddress.IPv6Address(0xfd00 << 112 | n + 1),
                ipaddress.IPv6Address(0xfd00 << 112 | 1 << 64 | n % 97 + 1))
    return (ipaddress.IPv4Address(0x0A000000 | (n + 1) % 0xFFFFFF),
            ipaddress.IPv4Address(0x0A640000 | n % 97 + 1))


def packets(seed, count, span):
    """Yield (time, frame, key, ipbytes) for count conversations, in time order."""
    rng = random.Random(seed)
    streams = []
    for n, t0, steps, kind in sessions(rng, count, span):
        proto, v6 = KINDS[kind]
        client, server = addresses(n, v6)
        cport, sport = 1024 + n % 60000, rng.choice((22, 53, 80, 443, 5353, 123))
        out, t = [], t0
        for dt, fwd, size in steps:
            t += dt
            src, dst = (client, server) if fwd else (server, client)
            if proto in ECHO:
                typ = ECHO[proto][0] if fwd else (0 if proto == 1 else ECHO[proto][1])
                seg, key = l4(proto, typ, 0, size), (str(src), str(dst), proto, 0, typ * 256)
            else:
                p = (cport, sport) if fwd else (sport, cport)
                seg, key = l4(proto, *p, size), (str(src), str(dst), proto, *p)
            frame = (ip6 if v6 else ip4)(src, dst, proto, seg)
            out.append((START + t, frame, key, len(frame) - 14))
        streams.append(out)
    yield from heapq.merge(*streams, key=lambda p: p[0])


def write(path, seed=1, conversations=1000, span=60.0):
    """Write the capture and return its truth {key: [packets, bytes, first, last]}."""
    truth = {}
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t, frame, key, size in packets(seed, conversations, span):
            sec, usec = int(t), int(round((t - int(t)) * 1e6))
            if usec == 1_000_000:
                sec, usec = sec + 1, 0
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)
            e = truth.get(key)
            if e is None:
                truth[key] = [1, size, t, t]
            else:
                e[0] += 1
                e[1] += size
                e[3] = t
    return truth
