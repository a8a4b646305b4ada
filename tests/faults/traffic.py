"""A steady stream of one-packet UDP flows into a mirror port, with what was sent and when.

The sender runs in the injector namespace (raw AF_PACKET socket, no scapy: it starts fast and
keeps a steady rate) until its stdin closes, then prints {"sent": [[sport, unix time], ...]}.
Each flow is one 60-byte IP packet 10.5.0.1:sport -> 10.5.0.2:9, so stored rows are exact.
"""

import json
import subprocess


SRC, DST, DPORT, IP_BYTES = "10.5.0.1", "10.5.0.2", 9, 60
FILTER = f"src host {SRC} and dst host {DST}"

SENDER = r"""
import json, select, socket, struct, sys, time
iface, rate = sys.argv[1], float(sys.argv[2])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((iface, 0))
eth = b"\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x08\x00"
sent, port = [], 1024
print("ready", flush=True)
while True:
    udp = struct.pack("!HHHH", port, 9, 40, 0) + bytes(32)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 60, 0, 0, 64, 17, 0, bytes([10, 5, 0, 1]),
                     bytes([10, 5, 0, 2]))
    s.send(eth + ip + udp)
    sent.append([port, time.time()])
    port += 1
    if port > 65535 or select.select([sys.stdin], [], [], 1 / rate)[0]:
        break
print(json.dumps({"sent": sent}), flush=True)
"""


class Stream:
    """The sender as our own child in the injector namespace; finish() returns what it sent."""

    def __init__(self, ns, iface, rate=100):
        self.proc = ns.popen("/usr/bin/python3", "-c", SENDER, iface, str(rate),
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout.readline() == "ready\n"

    def finish(self, timeout=10):
        """Stop sending; return [(sport, sent at)] in order."""
        out, _ = self.proc.communicate("stop\n", timeout=timeout)
        return [tuple(x) for x in json.loads(out)["sent"]]

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
