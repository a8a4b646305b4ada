"""Make a real flow store: softflowd -r reads a capture and exports IPFIX to a real nfcapd."""

import os
import signal
import socket
import subprocess

from support.wait import wait_until


def free_udp_port():
    """Return a UDP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def udp_backlog(port):
    """Return bytes waiting in the receive queue of the UDP socket bound to port (0 if none)."""
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if int(fields[1].split(":")[1], 16) == port:
                return int(fields[4].split(":")[1], 16)
    return 0


def closed(flowdir):
    return [n for n in os.listdir(flowdir) if n.startswith("nfcapd.") and "current" not in n]


def stored_flows(flowdir):
    """Return how many flows nfdump counts in the closed files of flowdir."""
    out = subprocess.run(["nfdump", "-R", flowdir, "-I"], capture_output=True, text=True,
                         env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
    return sum(int(line.split()[1]) for line in out.splitlines() if line.startswith("Flows: "))


def build(pcap, flowdir, runtime, expect=None):
    """Fill flowdir with the flows of pcap through softflowd and nfcapd; return closed files."""
    os.makedirs(flowdir, exist_ok=True)
    port = free_udp_port()
    collector = subprocess.Popen(
        ["nfcapd", "-w", flowdir, "-b", "127.0.0.1", "-p", str(port), "-t", "60", "-B", "16777216",
         "-P", os.path.join(runtime, "nfcapd.pid")],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: any("current" in n for n in os.listdir(flowdir)), 10,
                   what="nfcapd to open its current file")
        subprocess.run(["softflowd", "-d", "-r", pcap, "-v", "10", "-A", "milli",
                        "-n", f"127.0.0.1:{port}", "-c", "none",
                        "-p", os.path.join(runtime, "sfd.pid")],
                       check=True, capture_output=True, timeout=30)
        # "-c none": with -r and a control socket path longer than a few characters,
        # softflowd 1.1.0 was seen blocking in accept() on it instead of reading the capture.
        # -B: a softflowd -r burst overflows a default socket buffer (pitfalls.md).
        # Flows become readable only when nfcapd closes its file (on rotation or SIGTERM).
        # SIGTERM before nfcapd has read the export datagrams loses them (seen under load).
        wait_until(lambda: udp_backlog(port) == 0, 10, what="nfcapd to read the export")
        wait_until(lambda: collector.poll() is None, 1, what="nfcapd running")
        collector.send_signal(signal.SIGTERM)
        collector.wait(timeout=15)
    finally:
        if collector.poll() is None:
            collector.kill()
            collector.wait()
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
