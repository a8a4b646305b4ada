"""Make a real flow store: softflowd -r reads a capture and exports IPFIX to a real nfcapd.

The one place tests and benches turn a pcap into flow files (tests/web, tests/integration,
tests/faults, bench/).
"""

import os
import subprocess

from appliance.collector import replay as collector_replay
from appliance.query import nfdump

from .wait import wait_until

TOOL_ENV = {"TZ": "UTC", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"}  # TZ=UTC: pitfalls.md


def free_udp_port():
    """Return a UDP port on 127.0.0.1 that was free a moment ago."""
    return collector_replay.free_port()


def udp_backlog(port):
    """Return bytes waiting in the receive queue of the UDP socket bound to port (0 if none)."""
    return collector_replay.rx_queue(port) or 0


def closed(flowdir):
    """Return the names of the closed flow files in flowdir (never nfcapd.current.*)."""
    return [n for n in os.listdir(flowdir) if n.startswith("nfcapd.") and "current" not in n]


def stored_flows(flowdir):
    """Return how many flows nfdump counts in the closed files of flowdir."""
    out = nfdump.run(["-R", flowdir, "-I"], 60)
    return sum(int(line.split()[1]) for line in out.splitlines() if line.startswith("Flows: "))


def probe_argv(pcap, port, runtime, max_flows=None):
    """Return softflowd -r argv exporting pcap's flows as IPFIX to 127.0.0.1:port."""
    # "-c none": with -r and a control socket, softflowd 1.1.0 was seen blocking in accept()
    # on it instead of reading the capture.
    argv = ["/usr/sbin/softflowd", "-d", "-r", pcap, "-v", "10", "-A", "milli",
            "-n", f"127.0.0.1:{port}", "-c", "none", "-p", os.path.join(runtime, f"sfd-{port}.pid")]
    if max_flows:
        argv += ["-m", str(max_flows)]  # above the pcap's flows: no forced expiry splits them
    return argv


def replay(pcap, port, runtime, max_flows=None, timeout=30):
    """Run softflowd -r over pcap to its end, exporting to a collector already on port."""
    subprocess.run(probe_argv(pcap, port, runtime, max_flows), check=True, capture_output=True,
                   timeout=timeout, env=TOOL_ENV)


def build(pcap, flowdir, runtime, expect=None, rotate=60, max_flows=None, timeout=30):
    """Fill flowdir with the flows of pcap through softflowd and nfcapd; return closed files."""
    os.makedirs(flowdir, exist_ok=True)
    os.makedirs(runtime, exist_ok=True)
    port = free_udp_port()
    pidfile = os.path.join(runtime, f"nfcapd-{port}.pid")
    # -B: a softflowd -r burst overflows a default socket buffer (pitfalls.md).
    collector = ["/usr/bin/nfcapd", "-w", flowdir, "-b", "127.0.0.1", "-p", str(port),
                 "-t", str(rotate), "-B", "16777216", "-P", pidfile]
    # the shipped import's engine: waits for nfcapd to drain the export before SIGTERM
    collector_replay.run(probe_argv(pcap, port, runtime, max_flows), collector, pidfile,
                         env=TOOL_ENV, timeout=timeout)
    files = wait_until(lambda: closed(flowdir), 10, what="a closed flow file")
    if expect is not None:
        got = stored_flows(flowdir)
        assert got == expect, f"the collector stored {got} flows of {pcap}, not {expect}"
    return files


def ingest(cfg, paths):
    """Run the real ingest worker once over every closed file (what `spanflow run` does)."""
    import time

    from appliance.trends.ingest import IngestWorker
    worker = IngestWorker(cfg, paths)
    worker.start()
    try:
        worker.poll(time.time())
        return worker.status()
    finally:
        worker.stop()
