"""The package tier's traffic: one UDP datagram into the mirror, then where the flow shows up."""

import glob

from deb_host import run
from support.netns import python_in

DPORT = 5599

# One UDP datagram as a raw Ethernet frame into the feed side (argv: iface dport sport).
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


def stored_flow_files():
    """Return the closed flow files of the installed store that hold the test's flow."""
    found = []
    for path in sorted(glob.glob("/var/lib/spanflow/flows/**/nfcapd.2*", recursive=True)):
        out = run("nfdump", "-r", path, "-q", "-o", "csv", f"proto udp and dst port {DPORT}",
                  env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
        if "10.99.0.2" in out:
            found.append(path)
    return found


def fetch(sensor_ns, url):
    """Return (status, body) of a GET inside the sensor namespace; status 0 if unreachable."""
    got = python_in(sensor_ns, "import sys, urllib.request, urllib.error\n"
                    "try:\n r = urllib.request.urlopen(sys.argv[1], timeout=5)\n"
                    "except urllib.error.HTTPError as e:\n r = e\n"
                    "print(r.status); sys.stdout.write(r.read().decode(errors='replace'))", url, check=False)
    status, _, body = got.stdout.partition("\n")
    return (int(status), body) if got.returncode == 0 else (0, got.stderr)


def web_flows(sensor_ns, port):
    """Return the body of /api/flows for the test's flow once it holds it, else None."""
    url = f"http://127.0.0.1:{port}/api/flows?filter=proto+udp+and+dst+port+{DPORT}"
    status, body = fetch(sensor_ns, url)
    return body if status == 200 and "10.99.0.2" in body else None
