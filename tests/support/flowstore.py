"""Make a real flow store: softflowd -r reads a capture and exports IPFIX to a real nfcapd.

The one place tests and benches turn a pcap into flow files (tests/web, tests/integration,
tests/faults, bench/).
"""

import os
import signal
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


def replay(pcap, port, runtime, max_flows=None, timeout=30):
    """Run softflowd -r over pcap to its end, exporting IPFIX to 127.0.0.1:port."""
    # "-c none": with -r and a control socket, softflowd 1.1.0 was seen blocking in accept()
    # on it instead of reading the capture.
    argv = ["softflowd", "-d", "-r", pcap, "-v", "10", "-A", "milli", "-n", f"127.0.0.1:{port}",
            "-c", "none", "-p", os.path.join(runtime, f"sfd-{port}.pid")]
    if max_flows:
        argv += ["-m", str(max_flows)]  # above the pcap's flows: no forced expiry splits them
    subprocess.run(argv, check=True, capture_output=True, timeout=timeout, env=TOOL_ENV)


def build(pcap, flowdir, runtime, expect=None, rotate=60, max_flows=None, timeout=30):
    """Fill flowdir with the flows of pcap through softflowd and nfcapd; return closed files."""
    os.makedirs(flowdir, exist_ok=True)
    os.makedirs(runtime, exist_ok=True)
    port = free_udp_port()
    # -B: a softflowd -r burst overflows a default socket buffer (pitfalls.md).
    collector = subprocess.Popen(
        ["nfcapd", "-w", flowdir, "-b", "127.0.0.1", "-p", str(port), "-t", str(rotate),
         "-B", "16777216", "-P", os.path.join(runtime, f"nfcapd-{port}.pid")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=TOOL_ENV)
    try:
        wait_until(lambda: any("current" in n for n in os.listdir(flowdir)), 10,
                   what="nfcapd to open its current file")
        replay(pcap, port, runtime, max_flows, timeout)
        # Flows become readable only when nfcapd closes its file (on rotation or SIGTERM);
        # SIGTERM before nfcapd has read the export datagrams loses them (seen under load).
        wait_until(lambda: udp_backlog(port) == 0, 10, what="nfcapd to read the export")
        wait_until(lambda: collector.poll() is None, 1, what="nfcapd running")
        collector.send_signal(signal.SIGTERM)
        collector.wait(timeout=60)
    finally:
        if collector.poll() is None:
            collector.kill()
            collector.wait()
        collector.stderr.close()
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
