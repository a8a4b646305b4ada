"""Make a real flow store: softflowd -r reads a capture and exports IPFIX to a real nfcapd.

The one place tests and benches turn a pcap into flow files (tests/web, tests/integration,
tests/faults, bench/).
"""

import dataclasses
import os
import subprocess
from dataclasses import dataclass

from appliance.collector import replay as collector_replay
from appliance.collector.command import nfcapd_command
from appliance.config.schema import Config
from appliance.query import nfdump
from appliance.query.files import catalogue

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
    return list(catalogue(flowdir).names())


def stored_flows(flowdir):
    """Return how many flows nfdump counts in the closed files of flowdir."""
    out = nfdump.run(["-R", flowdir, "-I"], 60)
    return sum(int(line.split()[1]) for line in out.splitlines() if line.startswith("Flows: "))


@dataclass(frozen=True)
class StorePaths:
    """The few Paths the probe and collector command builders read, for any flow directory."""

    flows: str
    runtime: str

    @property
    def softflowd_ctl(self):
        return os.path.join(self.runtime, "softflowd.ctl")

    @property
    def softflowd_pid(self):
        return os.path.join(self.runtime, f"softflowd-{os.getpid()}.pid")

    @property
    def nfcapd_pid(self):
        return os.path.join(self.runtime, f"nfcapd-{os.path.basename(self.flows)}.pid")


def product_config(port, rotate=60, max_flows=None):
    """Return the default config with the collector on 127.0.0.1:port: what the product runs."""
    cfg = Config()
    probe = cfg.probe if not max_flows else dataclasses.replace(cfg.probe, max_flows=max_flows)
    collector = dataclasses.replace(cfg.collector, listen=f"127.0.0.1:{port}", rotate=rotate)
    return dataclasses.replace(cfg, probe=probe, collector=collector)


def probe_argv(pcap, port, runtime, max_flows=None):
    """Return the product's softflowd argv reading pcap, exporting to 127.0.0.1:port."""
    cfg = product_config(port, max_flows=max_flows)
    return collector_replay.probe_argv(cfg, StorePaths(runtime, runtime), pcap)


def replay(pcap, port, runtime, max_flows=None, timeout=30):
    """Run softflowd -r over pcap to its end, exporting to a collector already on port."""
    subprocess.run(probe_argv(pcap, port, runtime, max_flows), check=True, capture_output=True,
                   timeout=timeout, env=TOOL_ENV)


def build(pcap, flowdir, runtime, expect=None, rotate=60, max_flows=None, timeout=30):
    """Fill flowdir with the flows of pcap through softflowd and nfcapd; return closed files.

    Both run with the product's own argv (probe/command.py, collector/command.py): the same
    export version, timeouts, receive buffer and LZ4 compression as `spanflow run` writes.
    """
    os.makedirs(flowdir, exist_ok=True)
    os.makedirs(runtime, exist_ok=True)
    port = free_udp_port()
    cfg, paths = product_config(port, rotate, max_flows), StorePaths(flowdir, runtime)
    collector, env = nfcapd_command(cfg, paths)
    # the shipped import's engine: waits for nfcapd to drain the export before SIGTERM
    collector_replay.run(collector_replay.probe_argv(cfg, paths, pcap), collector,
                         paths.nfcapd_pid, env=env, timeout=timeout)
    files = wait_until(lambda: closed(flowdir), 10, what="a closed flow file")
    if expect is not None:
        got = stored_flows(flowdir)
        assert got == expect, f"the collector stored {got} flows of {pcap}, not {expect}"
    return files


def ingest(cfg, paths):
    """Run the real ingest worker once over every closed file (what `spanflow run` does).

    The store is complete: the newest steps are written too, as at the end of an import.
    """
    import time

    from appliance.trends.ingest import IngestWorker
    worker = IngestWorker(cfg, paths)
    worker.start()
    try:
        worker.poll(time.time())
        worker.flush()
        return worker.status()
    finally:
        worker.stop()
