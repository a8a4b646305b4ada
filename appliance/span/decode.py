"""Decode the headers of one Ethernet frame into a Packet; pure, no I/O.

Only what SPAN health and the inventory need: MACs, VLAN, ARP, IPv4/IPv6 addresses, the fields
that tell a mirror's duplicate from a new packet, TCP flags, UDP ports and the UDP payload of the
discovery protocols. Anything shorter or stranger than expected decodes to as much as was there.
"""

import ipaddress
import struct
from dataclasses import dataclass

ETH_IPV4, ETH_IPV6, ETH_ARP = 0x0800, 0x86DD, 0x0806
ETH_VLANS = (0x8100, 0x88A8)
TCP, UDP = 6, 17
FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


@dataclass(frozen=True)
class Arp:
    """An ARP request (op 1) or reply (op 2): who says which address is at which MAC."""

    op: int
    sender_mac: str
    sender_ip: str
    target_ip: str


@dataclass(frozen=True)
class Packet:
    src_mac: str
    dst_mac: str
    vlan: int | None = None
    arp: Arp | None = None
    src: str | None = None  # IP addresses, text
    dst: str | None = None
    proto: int | None = None
    sport: int | None = None
    dport: int | None = None
    flags: int = 0  # TCP flags
    ident: tuple | None = None  # what a mirror's duplicate has equal and a new packet has not
    payload: bytes = b""  # the UDP payload (discovery protocols only read it)


def mac(raw):
    return raw.hex(":")


def _ipv4(frame, off):
    if len(frame) < off + 20:
        return None
    ihl = (frame[off] & 0x0F) * 4
    total, ident, frag = struct.unpack_from("!HHH", frame, off + 2)
    proto = frame[off + 9]
    src = str(ipaddress.IPv4Address(frame[off + 12:off + 16]))
    dst = str(ipaddress.IPv4Address(frame[off + 16:off + 20]))
    # TTL and the header checksum are left out: a copy taken after a hop is still the same packet
    first_fragment = (frag & 0x1FFF) == 0
    return src, dst, proto, off + ihl, (4, src, dst, proto, ident, total, frag), first_fragment


def _ipv6(frame, off):
    if len(frame) < off + 40:
        return None
    length, proto = struct.unpack_from("!HB", frame, off + 4)
    src = str(ipaddress.IPv6Address(frame[off + 8:off + 24]))
    dst = str(ipaddress.IPv6Address(frame[off + 24:off + 40]))
    # IPv6 has no ID: flow label and length plus the transport checksum below stand in for it
    flow = struct.unpack_from("!I", frame, off)[0] & 0xFFFFF
    return src, dst, proto, off + 40, (6, src, dst, proto, flow, length), True


def decode(frame, vlan=None):
    """Return the Packet of an Ethernet frame; vlan is the tag the kernel took off, if any."""
    if len(frame) < 14:
        return None
    dst_mac, src_mac = mac(frame[0:6]), mac(frame[6:12])
    ethertype, off = struct.unpack_from("!H", frame, 12)[0], 14
    while ethertype in ETH_VLANS and len(frame) >= off + 4:  # tags left in the frame (QinQ too)
        tci, ethertype = struct.unpack_from("!HH", frame, off)
        vlan = vlan if vlan is not None else tci & 0x0FFF
        off += 4
    if ethertype == ETH_ARP:
        if len(frame) < off + 28:
            return Packet(src_mac, dst_mac, vlan)
        op = struct.unpack_from("!H", frame, off + 6)[0]
        arp = Arp(op, mac(frame[off + 8:off + 14]),
                  str(ipaddress.IPv4Address(frame[off + 14:off + 18])),
                  str(ipaddress.IPv4Address(frame[off + 24:off + 28])))
        return Packet(src_mac, dst_mac, vlan, arp=arp)
    head = (_ipv4(frame, off) if ethertype == ETH_IPV4 else
            _ipv6(frame, off) if ethertype == ETH_IPV6 else None)
    if head is None:
        return Packet(src_mac, dst_mac, vlan)
    src, dst, proto, l4, ident, first = head
    sport = dport = None
    flags, payload, extra = 0, b"", ()
    if first and proto == TCP and len(frame) >= l4 + 18:
        # sequence and ack numbers set packets apart even where the checksum is still a partial
        # one (a sender's checksum offload leaves it unfinished on the mirror)
        sport, dport, seq, ack = struct.unpack_from("!HHII", frame, l4)
        flags = frame[l4 + 13]
        extra = (sport, dport, seq, ack, struct.unpack_from("!H", frame, l4 + 16)[0])
    elif first and proto == UDP and len(frame) >= l4 + 8:
        sport, dport, _length, check = struct.unpack_from("!HHHH", frame, l4)
        payload = bytes(frame[l4 + 8:])
        extra = (sport, dport, check)
    return Packet(src_mac, dst_mac, vlan, src=src, dst=dst, proto=proto, sport=sport, dport=dport,
                  flags=flags, ident=ident + extra, payload=payload)
