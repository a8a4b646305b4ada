"""Traffic-to-flow and traffic-to-graph latency: one packet on a quiet mirror port until nfdump
shows its flow and until the RRD series counts it, `spanflow run` beside bare softflowd + nfcapd.

Run as root: sudo /usr/bin/python3 bench/latency.py [--samples 3]. Both setups use the same
timeouts (udp 2 s, expiry interval 1 s, rotation 2 s) and the quiet-link fix (without it the bare
tools never export a lone packet); the bare tools have no graph, so their flow latency is the
floor. Only the namespaces and processes made here are ended.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from appliance.config import load  # noqa: E402
from appliance.paths import Paths  # noqa: E402
from appliance.probe import quietlink  # noqa: E402
from appliance.query import flows  # noqa: E402
from appliance.supervisor import snapshot  # noqa: E402
from appliance.trends import readers  # noqa: E402
from support.netns import MirrorLink, Netns, python_in  # noqa: E402
from support.wait import wait_until  # noqa: E402

CONFIG = """
[mirror]
interface = "{iface}"
[probe.timeouts]
general = 3
udp = 2
expint = 1
[collector]
rotate = 2
[storage]
dir = "{dir}/data"
runtime_dir = "{dir}/run"
"""
SEND = r"""
import socket, struct, sys, time
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
udp = struct.pack("!HHHH", int(sys.argv[2]), 53, 40, 0) + bytes(32)
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 60, 0, 0, 64, 17, 0, bytes([10, 6, 0, 1]),
                 bytes([10, 6, 0, 2]))
print(time.time(), flush=True)
s.send(b"\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x08\x00" + ip + udp)
"""


def lone(injector, feed, sport):
    """Send one UDP packet with source port sport; return when it was sent."""
    return float(python_in(injector, SEND, feed, str(sport)).stdout)


def nfdump_sees(flowdir, sport):
    out = subprocess.run(["nfdump", "-R", flowdir, "-q", "-o", "csv", f"src port {sport}"],
                         capture_output=True, text=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    # nfdump prints "No matching flows" (exit 0) when nothing matches: look for the record
    return out.returncode == 0 and f",{sport},53," in out.stdout


def graph_counts(cfg, paths, since, packets):
    s = readers.series(cfg, paths, "total", "packets", int(since) - 60, int(time.time()) + 60)
    return sum((r[1] or 0) * s["step"] for r in s["rows"]) >= packets - 0.01


def spanflow(sensor, injector, link, work, samples):
    cfgfile = os.path.join(work, "spanflow.toml")
    with open(cfgfile, "w") as f:
        f.write(CONFIG.format(iface=link.mirror, dir=work))
    cfg = load([cfgfile])
    paths = Paths.of(cfg)
    proc = sensor.popen("/usr/bin/python3", "-m", "appliance", "run", "--config", cfgfile,
                        cwd=ROOT, stderr=subprocess.DEVNULL)
    out = []
    try:
        wait_until(lambda: (snapshot.read(paths.status) or {}).get("state") == "running", 30,
                   what="spanflow run")
        for n in range(samples):
            sport = 20000 + n
            sent = lone(injector, link.feed, sport)
            wait_until(lambda: flows.search(paths, f"src port {sport}", limit=5).rows, 60,
                       interval=0.05, what="the flow")
            flow = time.time() - sent
            wait_until(lambda: graph_counts(cfg, paths, sent, n + 1), 60, interval=0.05,
                       what="the graph")
            out.append((flow, time.time() - sent))
    finally:
        proc.terminate()
        proc.wait(30)
    return out


def bare(sensor, injector, link, work, samples):
    flowdir = os.path.join(work, "bare-flows")
    os.makedirs(flowdir)
    sensor.run("ip", "link", "set", link.mirror, "up")
    env = {**os.environ, **quietlink.preload_env("timeout", quietlink.library_path())}
    procs = [sensor.popen("nfcapd", "-w", flowdir, "-b", "127.0.0.1", "-p", "19997", "-t", "2",
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL),
             sensor.popen("softflowd", "-d", "-i", link.mirror, "-n", "127.0.0.1:19997", "-v",
                          "10", "-t", "udp=2", "-t", "expint=1", "-t", "general=3",
                          "-c", os.path.join(work, "bare.ctl"), "-p", os.path.join(work, "b.pid"),
                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    out = []
    try:
        wait_until(lambda: os.path.exists(os.path.join(work, "bare.ctl")), 10, what="softflowd")
        for n in range(samples):
            sent = lone(injector, link.feed, 21000 + n)
            wait_until(lambda: nfdump_sees(flowdir, 21000 + n), 60, interval=0.05,
                       what="the bare flow")
            out.append(time.time() - sent)
    finally:
        for proc in reversed(procs):
            proc.terminate()
            proc.wait(20)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=3)
    args = ap.parse_args()
    results = {}
    for name, fn in (("bare", bare), ("spanflow", spanflow)):
        sensor, injector = Netns("sfls"), Netns("sfli")
        try:
            with tempfile.TemporaryDirectory(prefix="spanflow-bench-lat-") as work:
                results[name] = fn(sensor, injector, MirrorLink(sensor, injector), work,
                                   args.samples)
        finally:
            sensor.delete()
            injector.delete()
    floor = statistics.median(results["bare"])
    flow = statistics.median(f for f, _ in results["spanflow"])
    graph = statistics.median(g for _, g in results["spanflow"])
    print(f"lone packet on a quiet mirror port, median of {args.samples}, seconds "
          "(udp timeout 2 s, rotation 2 s)")
    print(f"bare softflowd + nfcapd, flow in nfdump:  {floor:6.2f}")
    print(f"spanflow run, flow in flow search:        {flow:6.2f}  ({flow / floor:.2f}x bare)")
    print(f"spanflow run, counted in the RRD graph:   {graph:6.2f}  ({graph / floor:.2f}x bare)")


if __name__ == "__main__":
    main()
