"""The side capture's socket: AF_PACKET with a kernel BPF filter compiled by libpcap, and a budget.

The filter keeps the side capture light beside softflowd: only ARP, the discovery protocols, TCP
control packets (SYN, FIN, RST: enough to tell one-way capture) and a deterministic 1-in-8192
sample of IPv4 packets by IP id (both copies of a duplicated packet share their id, so the sample
keeps duplicates paired). The kernel drops the rest before any copy reaches us. Past the
per-second budget we stop reading; the socket's small buffer overflows and the kernel counts the
drops, which status shows (`over_budget`).
"""

import ctypes
import ctypes.util
import select
import socket
import struct
import time

ETH_P_ALL = 0x0003
SO_TIMESTAMP = 29  # SCM_TIMESTAMP too; Python names neither on Linux
SO_ATTACH_FILTER = 26
SOL_PACKET, PACKET_AUXDATA, PACKET_STATISTICS = 263, 8, 6
TP_STATUS_VLAN_VALID = 0x10
PACKET_OUTGOING = 4
SNAP = 2048  # DHCP and mDNS announcements fit; nothing else reads past the headers
RCVBUF = 1 << 20
NETMASK_UNKNOWN = 0xFFFFFFFF

SELECTED = ("arp or (udp and (port 5353 or port 137 or port 1900 or port 67 or port 68)) "
            "or (tcp[tcpflags] & (tcp-syn|tcp-fin|tcp-rst) != 0) "
            "or (ip6 and ip6[6] = 6 and ip6[53] & 7 != 0) "  # tcp[] is IPv4 only in libpcap
            "or (ip and ip[4:2] & 0x1fff = 0) or (ip6 and ip6[2:2] & 0x1fff = 0)")
FILTER = f"({SELECTED}) or (vlan and ({SELECTED}))"


class _Insn(ctypes.Structure):
    _fields_ = [("code", ctypes.c_ushort), ("jt", ctypes.c_ubyte), ("jf", ctypes.c_ubyte),
                ("k", ctypes.c_uint32)]


class _Program(ctypes.Structure):
    _fields_ = [("bf_len", ctypes.c_uint), ("bf_insns", ctypes.POINTER(_Insn))]


def _libpcap():
    lib = ctypes.CDLL(ctypes.util.find_library("pcap") or "libpcap.so.0.8")
    lib.pcap_open_dead.restype = ctypes.c_void_p
    lib.pcap_open_dead.argtypes = [ctypes.c_int, ctypes.c_int]
    lib.pcap_compile.argtypes = [ctypes.c_void_p, ctypes.POINTER(_Program), ctypes.c_char_p,
                                 ctypes.c_int, ctypes.c_uint32]
    lib.pcap_geterr.restype = ctypes.c_char_p
    lib.pcap_geterr.argtypes = [ctypes.c_void_p]
    lib.pcap_freecode.argtypes = [ctypes.POINTER(_Program)]
    lib.pcap_close.argtypes = [ctypes.c_void_p]
    return lib


def compile_filter(text):
    """Return the classic BPF program of a pcap filter as [(code, jt, jf, k)] (Ethernet frames)."""
    lib = _libpcap()
    handle = lib.pcap_open_dead(1, SNAP)  # DLT_EN10MB: no interface is opened to compile
    prog = _Program()
    try:
        if lib.pcap_compile(handle, ctypes.byref(prog), text.encode(), 1, NETMASK_UNKNOWN) != 0:
            raise ValueError(lib.pcap_geterr(handle).decode(errors="replace"))
        insns = [(i.code, i.jt, i.jf, i.k) for i in prog.bf_insns[:prog.bf_len]]
        lib.pcap_freecode(ctypes.byref(prog))
        return insns
    finally:
        lib.pcap_close(handle)


def attach(sock, insns):
    """Attach a classic BPF program to a socket (struct sock_fprog)."""
    array = (_Insn * len(insns))(*[_Insn(*i) for i in insns])
    fprog = struct.pack("HL", len(insns), ctypes.addressof(array))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, fprog)


class Capture:
    """Frames of one interface that pass the filter, at most `budget` a second."""

    def __init__(self, interface, budget, text=FILTER):
        self.interface, self.budget = interface, budget
        self.sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        attach(self.sock, compile_filter(text))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RCVBUF)
        self.sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMP, 1)
        self.sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
        self.sock.bind((interface, 0))
        self.second, self.taken = 0, 0
        self.drops = 0

    def frames(self, until):
        """Yield (frame, ts, vlan) until the monotonic time `until`, within the budget."""
        while True:
            left = until - time.monotonic()
            if left <= 0:
                return
            second = int(time.time())
            if second != self.second:
                self.second, self.taken = second, 0
            if self.taken >= self.budget:  # over budget: let the kernel drop until next second
                time.sleep(min(left, 1 - (time.time() % 1)))
                continue
            if not select.select([self.sock], [], [], left)[0]:
                return
            data, anc, _flags, addr = self.sock.recvmsg(SNAP, 256)
            if addr[2] == PACKET_OUTGOING:  # the mirror port sends nothing; never count ours
                continue
            self.taken += 1
            ts, vlan = time.time(), None
            for level, kind, value in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMP:
                    sec, usec = struct.unpack("qq", value[:16])
                    ts = sec + usec / 1e6
                elif level == SOL_PACKET and kind == PACKET_AUXDATA:
                    status, _l, _s, _m, _n, tci = struct.unpack("IIIHHH", value[:18])
                    vlan = tci & 0x0FFF if status & TP_STATUS_VLAN_VALID else None
            yield data, ts, vlan

    def statistics(self):
        """Return (received, dropped) since the last call (the kernel resets on reading)."""
        raw = self.sock.getsockopt(SOL_PACKET, PACKET_STATISTICS, 8)
        packets, drops = struct.unpack("II", raw)
        self.drops += drops
        return packets, drops

    def close(self):
        self.sock.close()
