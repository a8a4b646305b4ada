"""Read the frames of a classic pcap file (the side capture's offline input); pure Python."""

import struct

MAGICS = {b"\xd4\xc3\xb2\xa1": ("<", 1e-6), b"\xa1\xb2\xc3\xd4": (">", 1e-6),
          b"\x4d\x3c\xb2\xa1": ("<", 1e-9), b"\xa1\xb2\x3c\x4d": (">", 1e-9)}
ETHERNET = 1


class PcapError(ValueError):
    """The file is not a pcap of Ethernet frames, or it ends inside a record."""


def frames(path):
    """Yield (frame, ts) of an Ethernet pcap; raise PcapError at a truncated record."""
    with open(path, "rb") as f:
        head = f.read(24)
        if len(head) < 24 or head[:4] not in MAGICS:
            raise PcapError(f"{path}: not a pcap file (pcapng is not read here)")
        order, unit = MAGICS[head[:4]]
        if struct.unpack(order + "I", head[20:24])[0] != ETHERNET:
            raise PcapError(f"{path}: not Ethernet frames")
        n = 0
        while True:
            rec = f.read(16)
            if not rec:
                return
            if len(rec) < 16:
                raise PcapError(f"{path}: truncated after {n} frames")
            sec, frac, incl, _orig = struct.unpack(order + "IIII", rec)
            data = f.read(incl)
            if len(data) < incl:
                raise PcapError(f"{path}: truncated after {n} frames")
            n += 1
            yield data, sec + frac * unit
