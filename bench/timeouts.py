"""Probe timeouts: export records per flow, probe CPU per packet and store growth per day.

Run as root: sudo /usr/bin/python3 bench/timeouts.py [--seconds 300]. One traffic mix goes into
one veth mirror port watched by several softflowd at once (same packets for every candidate),
each exporting to its own nfcapd at a 60 s rotation: bare softflowd + nfcapd with Debian's
defaults, spanflow's former defaults (softflowd's own timeouts), and real-time candidates.
Figures are printed as ratios to the bare tools; docs/accuracy.md keeps the choice.
Only the namespaces and processes made here are ended.
"""

import argparse
import collections
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time

from probe_rig import cpu_seconds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from appliance.collector.command import nfcapd_command  # noqa: E402
from appliance.config.schema import Collector, Config, Probe, ProbeTimeouts  # noqa: E402
from appliance.paths import Paths  # noqa: E402
from appliance.probe import command, control, quietlink  # noqa: E402
from support.netns import MirrorLink, Netns  # noqa: E402
from support.wait import wait_until  # noqa: E402

ROTATE = 60
# name -> timeouts (None: the bare tools, softflowd and nfcapd without options)
CANDIDATES = {
    "bare (Debian defaults)": None,
    "spanflow before (3600/300, maxlife 1 week)": ProbeTimeouts(
        general=3600, tcp=3600, tcp_rst=120, tcp_fin=300, udp=300, icmp=300, maxlife=604800, expint=60),
    "idle 60, maxlife 60, expint 10": ProbeTimeouts(
        general=60, tcp=60, tcp_rst=10, tcp_fin=10, udp=60, icmp=60, maxlife=60, expint=10),
    "idle 15, maxlife 60, expint 5": ProbeTimeouts(
        general=15, tcp=15, tcp_rst=5, tcp_fin=5, udp=15, icmp=15, maxlife=60, expint=5),
    "idle 10, maxlife 30, expint 1": ProbeTimeouts(
        general=10, tcp=10, tcp_rst=2, tcp_fin=2, udp=10, icmp=10, maxlife=30, expint=1),
}
# The traffic of a small office's SPAN port, by class (destination port tells them apart):
# 5001 long bulk TCP streams, 22 interactive TCP sessions with 25 s pauses, 80 short TCP
# connections with FIN, 53 DNS-like UDP exchanges, ICMP echo streams.
TRAFFIC = r"""
import json, socket, struct, sys, time
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((sys.argv[1], 0))
seconds, long_flows = float(sys.argv[2]), int(sys.argv[3])

def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xFFFF)
    return ~(s + (s >> 16)) & 0xFFFF

def frame(src, dst, proto, l4):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0, 0x4000, 64, proto, 0,
                     bytes(src), bytes(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return b"\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x08\x00" + ip + l4

def tcp(src, dst, sp, dp, flags, size=0):
    return frame(src, dst, 6, struct.pack("!HHIIBBHHH", sp, dp, 1, 1, 0x50, flags, 65535, 0, 0)
                 + bytes(size))

def udp(src, dst, sp, dp, size):
    return frame(src, dst, 17, struct.pack("!HHHH", sp, dp, 8 + size, 0) + bytes(size))

def icmp(src, dst, kind, ident, seq):
    return frame(src, dst, 1, struct.pack("!BBHHH", kind, 0, 0, ident, seq) + bytes(56))

A = lambda n: [10, 7, n // 250, n % 250 + 1]
S = [10, 8, 0, 1]
sent = {}
def send(kind, f):
    sock.send(f)
    sent[kind] = sent.get(kind, 0) + 1

start = time.time()
tick, n_short, n_dns = 0, 0, 0
while time.time() - start < seconds:
    # every 0.25 s: each long stream sends one data segment and gets one ACK back
    for i in range(long_flows):
        send("long", tcp(A(i), S, 30000 + i, 5001, 0x10, 1000))
        send("long", tcp(S, A(i), 5001, 30000 + i, 0x10))
    if tick % 4 == 0:  # every second: short connections, DNS, ping
        for _ in range(5):
            c, sp = A(1000 + n_short % 2000), 40000 + n_short % 20000
            for flags, back in ((0x02, 0), (0x12, 1), (0x10, 0), (0x18, 0), (0x11, 0), (0x11, 1), (0x10, 0)):
                send("short", tcp(S, c, 80, sp, flags, 300) if back else tcp(c, S, sp, 80, flags, 300))
            n_short += 1
        for _ in range(10):
            c, sp = A(3000 + n_dns % 2000), 20000 + n_dns % 10000
            send("dns", udp(c, S, sp, 53, 40))
            send("dns", udp(S, c, 53, sp, 120))
            n_dns += 1
        for i in range(5):
            send("icmp", icmp(A(5000 + i), S, 8, i, tick))
            send("icmp", icmp(S, A(5000 + i), 0, i, tick))
    if tick % 100 == 0:  # every 25 s: a keystroke and its echo in each interactive session
        for i in range(20):
            send("interactive", tcp(A(6000 + i), S, 50000 + i, 22, 0x18, 36))
            send("interactive", tcp(S, A(6000 + i), 22, 50000 + i, 0x18, 36))
    tick += 1
    time.sleep(max(0.0, start + tick * 0.25 - time.time()))
print(json.dumps(sent))
"""
CLASSES = {"5001": "long", "22": "interactive", "80": "short", "53": "dns"}


def library():
    """This tree's build when there is one (./tasks bench builds it), else the installed one."""
    return quietlink.REPO_BUILD if os.path.exists(quietlink.REPO_BUILD) else quietlink.library_path()


@dataclasses.dataclass
class Setup:
    name: str
    paths: Paths
    probe: subprocess.Popen = None
    collector: subprocess.Popen = None


def start(sensor, mirror, name, timeouts, work, port):
    """Start one nfcapd and one softflowd on mirror; bare ones with Debian's defaults."""
    paths = Paths(os.path.join(work, str(port)), os.path.join(work, str(port)))
    os.makedirs(paths.flows)
    log = open(os.path.join(paths.data, "tools.log"), "w")
    fix = quietlink.preload_env("timeout", library())  # without it nothing is processed at all
    if timeouts is None:
        # Debian's /etc/default/softflowd runs it with no options (v5, softflowd's timeouts);
        # Debian's nfcapd: no compression. Same 60 s rotation, and the same receive buffer as
        # spanflow's, so that the final flush below is not lost (that loss: docs/accuracy.md).
        cap = ["nfcapd", "-w", paths.flows, "-b", "127.0.0.1", "-p", str(port), "-t", str(ROTATE),
               "-B", str(16 << 20)]
        probe = ["softflowd", "-d", "-i", mirror, "-n", f"127.0.0.1:{port}",
                 "-c", paths.softflowd_ctl, "-p", paths.softflowd_pid]
        cap_env = {}
    else:
        cfg = Config(probe=Probe(timeouts=timeouts),
                     collector=Collector(listen=f"127.0.0.1:{port}", rotate=ROTATE))
        cap, cap_env = nfcapd_command(cfg, paths)
        probe, _ = command.softflowd_command(cfg, paths, mirror, library=library())
    setup = Setup(name, paths)
    setup.collector = sensor.popen(*cap, env={**os.environ, **cap_env}, stdout=log, stderr=log)
    setup.probe = sensor.popen(*probe, env={**os.environ, **fix}, stdout=log, stderr=log)
    wait_until(lambda: os.path.exists(paths.softflowd_ctl), 15, what=f"softflowd of {name}")
    return setup


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)


def records(flowdir):
    """Return (records by traffic class, directional 5-tuples by class, bytes on disk)."""
    recs, tuples, size = collections.Counter(), collections.defaultdict(set), 0
    for name in os.listdir(flowdir):
        path = os.path.join(flowdir, name)
        size += os.path.getsize(path)
        out = subprocess.run(["nfdump", "-r", path, "-q", "-o", "csv"], capture_output=True,
                             text=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
        for line in out.splitlines():
            f = line.split(",")
            if len(f) < 8 or not f[0][:1].isdigit():
                continue
            sa, da, sp, dp, pr = f[3], f[4], f[5], f[6], f[7]
            kind = "icmp" if pr in ("ICMP", "1") else CLASSES.get(dp) or CLASSES.get(sp, "other")
            recs[kind] += 1
            tuples[kind].add((sa, da, sp, dp, pr))
    return recs, {k: len(v) for k, v in tuples.items()}, size


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=int, default=300, help="how long the traffic runs")
    ap.add_argument("--long-flows", type=int, default=100, help="long bulk streams")
    args = ap.parse_args()
    sensor, injector = Netns("sbts"), Netns("sbti")
    setups = []
    try:
        link = MirrorLink(sensor, injector)
        sensor.run("sysctl", "-qw", f"net.ipv6.conf.{link.mirror}.disable_ipv6=1")
        sensor.run("ip", "link", "set", link.mirror, "up")
        with tempfile.TemporaryDirectory(prefix="spanflow-bench-to-") as work:
            for n, (name, timeouts) in enumerate(CANDIDATES.items()):
                setups.append(start(sensor, link.mirror, name, timeouts, work, 19600 + n))
            cpu0 = {s.name: cpu_seconds(s.probe.pid) for s in setups}
            began = time.time()
            gen = injector.run("/usr/bin/python3", "-c", TRAFFIC, link.feed, str(args.seconds),
                               str(args.long_flows), timeout=args.seconds + 120)
            sent = json.loads(gen.stdout)
            took = time.time() - began
            stats, cpu = {}, {}
            for s in setups:
                stats[s.name] = control.statistics(s.paths)
                cpu[s.name] = cpu_seconds(s.probe.pid) - cpu0[s.name]
            for s in setups:  # what is left in the tables goes out now, as at a stop
                control.expire_all(s.paths)
                stop(s.probe)
            time.sleep(2)  # the exports' last datagrams reach nfcapd's socket
            for s in setups:
                stop(s.collector)
            report(setups, sent, took, stats, cpu)
            if os.environ.get("KEEP"):
                subprocess.run(["cp", "-a", work, os.environ["KEEP"]])
    finally:
        for s in setups:
            for proc in (s.probe, s.collector):
                if proc is not None and proc.poll() is None:
                    proc.kill()
                    proc.wait()
        sensor.delete()
        injector.delete()


def report(setups, sent, took, stats, cpu):
    packets = sum(sent.values())
    print(f"{took:.0f} s of traffic, {packets} packets ({packets / took:.0f}/s): "
          + ", ".join(f"{k} {v}" for k, v in sorted(sent.items())))
    print(f"{'setup':<44} {'rec/flow':>8} {'long':>6} {'inter':>6} {'short':>6} {'dns':>5} "
          f"{'icmp':>5} {'µs CPU/pkt':>10} {'MB/day':>8}")
    rows = {}
    for s in setups:
        recs, tuples, size = records(s.paths.flows)
        per = {k: recs[k] / tuples[k] for k in tuples if tuples[k]}
        total = sum(recs.values()) / max(1, sum(tuples.values()))
        processed = stats[s.name].get("packets_processed") or packets
        rows[s.name] = {"records_per_flow": total, "cpu_us_per_packet": cpu[s.name] / processed * 1e6,
                        "mb_per_day": size * 86400 / took / 1e6, "records": sum(recs.values()),
                        "by_class": per}
        r = rows[s.name]
        print(f"{s.name:<44} {total:8.2f} " + " ".join(
            f"{per.get(k, 0):{w}.2f}" for k, w in (("long", 6), ("interactive", 6), ("short", 6),
                                                  ("dns", 5), ("icmp", 5)))
              + f" {r['cpu_us_per_packet']:10.2f} {r['mb_per_day']:8.1f}")
    bare, before = (rows[name] for name in list(CANDIDATES)[:2])
    for name, r in list(rows.items())[1:]:
        for label, base in (("bare", bare), ("before", before)):
            print(f"ratio {name} / {label}: records {r['records'] / max(1, base['records']):.2f}x, "
                  f"CPU per packet {r['cpu_us_per_packet'] / base['cpu_us_per_packet']:.2f}x, "
                  f"store per day {r['mb_per_day'] / base['mb_per_day']:.2f}x")
    print("FIGURES " + json.dumps({"timeouts": rows}))


if __name__ == "__main__":
    main()
