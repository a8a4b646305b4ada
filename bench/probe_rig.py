"""A probe on a veth mirror port in throw-away namespaces, for the probe benchmarks.

softflowd (with a chosen argv and quiet-link mode) and nfcapd run in a sensor namespace;
packets come from an injector namespace. Only the processes and namespaces made here are ended.
"""

import os
import random
import re
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from appliance.paths import Paths  # noqa: E402
from appliance.probe import control  # noqa: E402
from support.netns import MirrorLink, Netns  # noqa: E402
from support.wait import wait_until  # noqa: E402


def write_pcap(path, packets, flows, size=64):
    """Write a pcap of IPv4/UDP frames spread round-robin over a number of flows."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(packets):
            flow = n % flows
            payload = bytes(size - 42)
            udp = struct.pack("!HHHH", 1024 + flow % 50000, 53, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             bytes([10, 1, flow // 250 % 250, flow % 250 + 1]), bytes([10, 2, 0, 1]))
            frame = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", n // 1_000_000, n % 1_000_000, len(frame), len(frame)) + frame)


class Rig:
    """Namespaces, a veth mirror port, nfcapd and one softflowd at a time."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="spanflow-bench-")
        self.sensor, self.injector = Netns("sbs"), Netns("sbi")
        self.link = MirrorLink(self.sensor, self.injector)
        self.sensor.run("sysctl", "-qw", f"net.ipv6.conf.{self.link.mirror}.disable_ipv6=1")
        self.sensor.run("ip", "link", "set", self.link.mirror, "up")
        self.port = random.randint(20000, 60000)
        self.listen = f"127.0.0.1:{self.port}"
        self.paths = Paths(self.dir, self.dir)
        os.makedirs(self.paths.flows)
        self.procs = []
        self.log = open(os.path.join(self.dir, "tools.log"), "w")
        self.nfcapd = self.start("nfcapd", "-w", self.paths.flows, "-b", "127.0.0.1",
                                 "-p", str(self.port), "-t", "2", "-B", str(16 << 20))

    def start(self, *argv, env=None):
        proc = self.sensor.popen(*argv, env={**os.environ, **(env or {})},
                                 stdout=self.log, stderr=self.log)
        self.procs.append(proc)
        return proc

    def start_probe(self, argv, env):
        """Start softflowd and wait until its control socket answers."""
        for stale in (self.paths.softflowd_ctl, self.paths.softflowd_pid):
            if os.path.exists(stale):
                os.unlink(stale)
        proc = self.start(*argv, env=env)
        try:
            wait_until(lambda: os.path.exists(self.paths.softflowd_ctl) or proc.poll() is not None,
                       10, interval=0.05, what="softflowd's control socket")
        except AssertionError:
            pass  # reported below with softflowd's own words
        if proc.poll() is not None or not os.path.exists(self.paths.softflowd_ctl):
            self.log.flush()
            with open(self.log.name) as f:
                tail = f.read()[-600:]
            raise RuntimeError(f"softflowd did not start: {argv}\n{tail}")
        return proc

    def stop(self, proc):
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=10)

    def stats(self):
        return control.statistics(self.paths)

    def replay(self, pcap, pps=None):
        """Replay pcap into the mirror port at pps (None: top speed); return (sent, achieved pps)."""
        rate = ["--topspeed"] if pps is None else [f"--pps={pps}"]
        return replay_figures(self.injector.run("tcpreplay", "-q", "-i", self.link.feed, *rate, pcap).stdout)

    def stored(self, dport):
        """Return how many flows to dport the closed flow files hold."""
        hits = 0
        for name in os.listdir(self.paths.flows):
            if name.startswith("nfcapd.") and not name.startswith("nfcapd.current"):
                out = subprocess.run(["nfdump", "-r", os.path.join(self.paths.flows, name), "-q",
                                      "-o", "csv", f"dst port {dport}"], capture_output=True,
                                     text=True, env={"TZ": "UTC"}).stdout
                hits += sum(1 for line in out.splitlines() if line[:1].isdigit())
        return hits

    def close(self):
        for proc in reversed(self.procs):
            self.stop(proc)
        self.sensor.delete()
        self.injector.delete()
        subprocess.run(["rm", "-rf", self.dir], check=False)


def cpu_seconds(pid):
    """Return CPU seconds used so far by pid (schedstat: nanoseconds, not 10 ms ticks)."""
    with open(f"/proc/{pid}/schedstat") as f:
        return int(f.read().split()[0]) / 1e9


def replay_figures(text):
    """Return (packets sent, pps achieved) from tcpreplay's summary."""
    sent = int(re.search(r"Successful packets:\s+(\d+)", text).group(1))
    pps = float(re.search(r"Rated: .*?([\d.]+) pps", text).group(1))
    return sent, pps
