"""NetFlow v5/v9/IPFIX datagrams: exact valid v5 flows, and seeded garbage of every version."""

import random
import struct
import time

VALID_NET = (198, 18)  # valid flows come from 198.18.0.0/16 only; garbage never uses it
V5_HEADER = "!HHIIIIBBH"
V5_RECORD = "!4s4s4sHHIIIIHHBBBBHHBBH"


def v5(records, sequence, uptime_ms=100_000):
    """Return one NetFlow v5 datagram of (src, dst, sport, dport, proto, packets, bytes) records."""
    now = time.time()
    out = struct.pack(V5_HEADER, 5, len(records), uptime_ms, int(now), 0, sequence, 0, 0, 0)
    for src, dst, sport, dport, proto, packets, nbytes in records:
        out += struct.pack(V5_RECORD, bytes(src), bytes(dst), bytes(4), 0, 0, packets, nbytes,
                           uptime_ms - 2000, uptime_ms - 1000, sport, dport, 0, 0, proto, 0,
                           0, 0, 0, 0, 0)
    return out


def valid_flows(count):
    """Return `count` distinct valid records from 198.18.0.0/16, each a different 5-tuple."""
    return [((*VALID_NET, i // 250 % 250, i % 250 + 1), (10, 7, 0, 1), 1024 + i % 60000, 443, 6,
             1 + i % 5, 100 * (1 + i % 5)) for i in range(count)]


def _garbage_addr(rng):
    while True:
        addr = bytes(rng.getrandbits(8) for _ in range(4))
        if addr[:2] != bytes(VALID_NET):
            return addr


def random_v5(rng):
    """A v5 datagram with a believable header and random records (some counts lie)."""
    n = rng.randint(0, 30)
    recs = b"".join(struct.pack(V5_RECORD, _garbage_addr(rng), _garbage_addr(rng), bytes(4),
                                *(rng.getrandbits(16) for _ in range(2)),
                                *(rng.getrandbits(32) for _ in range(4)),
                                *(rng.getrandbits(16) for _ in range(2)),
                                *(rng.getrandbits(8) for _ in range(4)),
                                *(rng.getrandbits(16) for _ in range(2)),
                                *(rng.getrandbits(8) for _ in range(2)), 0) for _ in range(n))
    count = n if rng.random() < 0.5 else rng.randint(0, 65535)
    return struct.pack(V5_HEADER, 5, count, rng.getrandbits(32), rng.getrandbits(32), 0,
                       rng.getrandbits(32), rng.getrandbits(8), rng.getrandbits(8), 0) + recs


def _random_set(rng, template):
    """A flowset/set: a template (id 0/2), options template (1/3) or data set, lengths may lie."""
    fields = rng.randint(0, 20)
    if template:
        body = struct.pack("!HH", rng.randint(256, 300), fields)
        body += b"".join(struct.pack("!HH", rng.getrandbits(16), rng.choice((0, 1, 2, 4, 16,
                                                                              65535)))
                         for _ in range(fields))
    else:
        body = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
    set_id = rng.choice((0, 1, 2, 3)) if template else rng.randint(256, 300)
    length = len(body) + 4 if rng.random() < 0.7 else rng.getrandbits(16)
    return struct.pack("!HH", set_id, length) + body


def random_v9(rng):
    sets = b"".join(_random_set(rng, rng.random() < 0.4) for _ in range(rng.randint(0, 4)))
    return struct.pack("!HHIIII", 9, rng.randint(0, 8), rng.getrandbits(32), rng.getrandbits(32),
                       rng.getrandbits(32), rng.getrandbits(32)) + sets


def random_ipfix(rng):
    sets = b"".join(_random_set(rng, rng.random() < 0.4) for _ in range(rng.randint(0, 4)))
    length = 16 + len(sets) if rng.random() < 0.7 else rng.getrandbits(16)
    return struct.pack("!HHIII", 10, length, rng.getrandbits(32), rng.getrandbits(32),
                       rng.getrandbits(32)) + sets


def malformed(rng):
    """Random bytes, empty, truncated headers, or unknown versions."""
    kind = rng.randint(0, 3)
    if kind == 0:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 1400)))
    if kind == 1:
        return struct.pack("!H", rng.choice((5, 9, 10)))[: rng.randint(0, 2)]
    if kind == 2:
        return struct.pack("!H", rng.choice((5, 9, 10))) + bytes(rng.randint(0, 20))
    return struct.pack("!H", rng.choice((1, 6, 7, 8, 11, 0xFFFF))) + bytes(rng.randint(0, 100))


def garbage(seed):
    """Yield an endless seeded mix of malformed and randomised v5/v9/IPFIX datagrams."""
    rng = random.Random(seed)
    makers = (malformed, random_v5, random_v9, random_ipfix)
    while True:
        yield rng.choice(makers)(rng)
