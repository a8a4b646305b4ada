"""What the traffic agents sent, one JSON line per IP packet, so the report compares exactly."""

import json
import threading

from scapy.layers.inet import ICMP, IP, TCP, UDP

PROTO_PORTS = (TCP, UDP)


class Ledger:
    """An append-only JSON-lines file shared by the threads of one agent."""

    def __init__(self, path, host):
        self.host = host
        self.file = open(path, "a", buffering=1)
        self.lock = threading.Lock()

    def write(self, kind, **fields):
        """Append one entry of kind."""
        with self.lock:
            self.file.write(json.dumps({"kind": kind, "host": self.host, **fields}) + "\n")

    def packet(self, kind, pkt):
        """Record a crafted packet exactly as it leaves (IP total length is what flows count)."""
        ip = pkt[IP].__class__(bytes(pkt[IP]))
        sport = dport = 0
        for layer in PROTO_PORTS:
            if layer in ip:
                sport, dport = ip[layer].sport, ip[layer].dport
        if ICMP in ip:
            dport = ip[ICMP].type * 256 + ip[ICMP].code
        self.flow(kind, ip.proto, ip.src, sport, ip.dst, dport, ip.len)

    def datagram(self, kind, src, dst, payload_len):
        """Record a UDP datagram sent through a socket: src and dst are (address, port)."""
        self.flow(kind, 17, src[0], src[1], dst[0], dst[1], 28 + payload_len)

    def flow(self, kind, proto, src, sport, dst, dport, nbytes, packets=1):
        """Record packets of one 5-tuple."""
        self.write(kind, proto=proto, src=src, sport=sport, dst=dst, dport=dport,
                   packets=packets, bytes=nbytes)

    def session(self, kind, src, dst, dport, ok=True, start=None, proto=6):
        """Record a real application session (ssh, telnet, a tunnel) whose packets the kernel made."""
        self.write(kind, session=True, proto=proto, src=src, dst=dst, dport=dport, ok=ok,
                   start=start)

    def spread(self, kind, proto, src, dst, what, count, dport=None, ok=True):
        """Record what a tool was told to reach: count distinct `what` (ports, hosts or flows)
        from src to dst (an address, or a subnet for hosts)."""
        self.write(kind, spread=what, proto=proto, src=src, dst=dst, count=count, dport=dport,
                   ok=ok)


def read(path):
    """Return the entries of a ledger file (a torn last line from a killed agent is skipped)."""
    entries = []
    with open(path) as f:
        for line in f:
            try:
                entries.append(json.loads(line))
            except ValueError:
                continue
    return entries
