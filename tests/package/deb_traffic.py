"""The package tier's traffic check: where the flow of one datagram (support.traffic) shows up."""

import glob

from deb_host import run
from support.netns import python_in

DPORT = 5599


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
