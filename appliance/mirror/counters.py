"""Read a link's kernel counters over a raw rtnetlink socket, for the once-a-second status poll.

Kept free of pyroute2 on purpose: importing pyroute2 costs the long-running supervisor about 26 MB
of RSS (measured, python3-pyroute2 0.7.2), so changing the port happens in a short-lived helper
process (helper.py) and only this small reader stays in `spanflow run`.
"""

import socket
import struct

RTM_GETLINK, NLM_F_REQUEST, NLMSG_ERROR = 18, 1, 2
IFLA_OPERSTATE, IFLA_STATS64 = 16, 23
IFF_PROMISC = 0x100
OPERSTATES = ("unknown", "notpresent", "down", "lowerlayerdown", "testing", "dormant", "up")
# struct rtnl_link_stats64 field positions (linux/if_link.h)
STATS = {"rx_packets": 0, "rx_bytes": 2, "rx_dropped": 6, "rx_missed": 15}


def _attrs(data, offset):
    """Yield (type, payload) of the rtattrs from offset on."""
    while offset + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, offset)
        if length < 4:
            return
        yield kind & 0x3FFF, data[offset + 4:offset + length]
        offset += (length + 3) & ~3


def parse(data, name):
    """Turn an RTM_NEWLINK answer into our counters dict (pure, for tests with real bytes)."""
    _, kind = struct.unpack_from("=IH", data, 0)
    if kind == NLMSG_ERROR:
        code = -struct.unpack_from("=i", data, 16)[0]
        raise OSError(code, f"cannot read counters of {name}")
    _, _, _, _, flags, _ = struct.unpack_from("=BBHiII", data, 16)
    out = {"interface": name, "link": "unknown", "promisc": bool(flags & IFF_PROMISC)}
    for kind, payload in _attrs(data, 32):
        if kind == IFLA_OPERSTATE:
            state = payload[0]
            out["link"] = OPERSTATES[state] if state < len(OPERSTATES) else str(state)
        elif kind == IFLA_STATS64:
            values = struct.unpack_from(f"={len(payload) // 8}Q", payload)
            out.update({key: values[i] for key, i in STATS.items()})
    return out


def read(name):
    """Return link state, promiscuous flag and rx counters of name in the current namespace."""
    index = socket.if_nametoindex(name)
    request = struct.pack("=IHHII", 32, RTM_GETLINK, NLM_F_REQUEST, 1, 0)
    request += struct.pack("=BBHiII", socket.AF_UNSPEC, 0, 0, index, 0, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0) as s:  # 0 = NETLINK_ROUTE
        s.sendto(request, (0, 0))
        return parse(s.recv(65536), name)
