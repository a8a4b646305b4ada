"""Traffic-to-search, traffic-to-graph and traffic-to-alert latency with the shipped defaults,
for a short telnet session and a long-lived one, `spanflow run` beside bare softflowd + nfcapd
with Debian's defaults watching the same mirror port.

Run as root: sudo /usr/bin/python3 bench/latency.py [--long-seconds 150]. spanflow runs the shipped
configs/spanflow.toml and rules with only the interface and directories set (60 s rotation);
the bare tools run with no options but the port (softflowd v5 and its own timeouts, nfcapd's
300 s rotation) plus the quiet-link fix, without which they export nothing on a quiet link. The
bare tools have no graph and no alerts: their flow latency is the comparison. Packets are crafted
TCP segments on port 23 (cleartext telnet for the rules). Only what is made here is ended.
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
from appliance.detect.store import AlertStore  # noqa: E402
from appliance.paths import Paths  # noqa: E402
from appliance.probe import quietlink  # noqa: E402
from appliance.query import flows  # noqa: E402
from appliance.supervisor import snapshot  # noqa: E402
from appliance.trends import readers  # noqa: E402
from support.netns import MirrorLink, Netns  # noqa: E402
from support.wait import wait_until  # noqa: E402

SHIPPED = os.path.join(ROOT, "configs", "spanflow.toml")
LOCAL = """
[mirror]
interface = "{iface}"
[storage]
dir = "{dir}/data"
runtime_dir = "{dir}/run"
[detect]
rules_dir = "{rules}"
"""
BARE_PORT = 19995
# One telnet-like session: handshake, a segment and its echo every `gap` seconds, FINs both ways.
# Prints the send time of every packet (one line each) so latencies are per packet.
SESSION = r"""
import socket, struct, sys, time
sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
sock.bind((sys.argv[1], 0))
client, seconds, gap = int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
C, S = bytes([10, 23, 0, client]), bytes([10, 23, 0, 250])
sport = 40000 + client

def seg(src, dst, sp, dp, flags, size):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, 1, 1, 0x50, flags, 65535, 0, 0) + bytes(size)
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0x4000, 64, 6, 0, src, dst)
    s = sum(struct.unpack("!10H", ip))
    s = (s >> 16) + (s & 0xFFFF)
    ip = ip[:10] + struct.pack("!H", ~(s + (s >> 16)) & 0xFFFF) + ip[12:]
    sock.send(b"\x02\0\0\0\0\x0b\x02\0\0\0\0\x0a\x08\x00" + ip + tcp)
    print(time.time(), flush=True)

up = lambda flags, size=0: seg(C, S, sport, 23, flags, size)
down = lambda flags, size=0: seg(S, C, 23, sport, flags, size)
up(0x02); down(0x12); up(0x10)
start = time.time()
n = 0
while True:
    up(0x18, 8); down(0x18, 40)
    n += 1
    if time.time() - start >= seconds:
        break
    time.sleep(max(0.0, start + n * gap - time.time()))
up(0x11); down(0x11); up(0x10)
"""


def session(injector, feed, client, seconds, gap):
    """Start one session in the background; return the process (its stdout: send times)."""
    return injector.popen("/usr/bin/python3", "-c", SESSION, feed, str(client), str(seconds),
                          str(gap), stdout=subprocess.PIPE, text=True)


def sent_times(proc):
    out, _ = proc.communicate(timeout=900)
    return [float(t) for t in out.split()]


def filt(client):
    return f"host 10.23.0.{client} and port 23"


def stored_packets(paths, client):
    rows = flows.search(paths, filt(client), limit=1000).rows
    return sum(int(r["packets"]) for r in rows)


def graph_packets(cfg, paths, since):
    """Return the packets counted so far in the telnet service's graph since since."""
    try:
        s = readers.series(cfg, paths, "service", "packets", int(since) - 120, int(time.time()) + 120)
    except Exception:  # noqa: BLE001 - no RRD before the first ingested file
        return 0
    col = 1 + s["names"].index("telnet")
    return sum((r[col] or 0) * s["step"] for r in s["rows"])


def alert_raised(paths, client):
    """Return when the cleartext alert for the client was raised, or None."""
    if not os.path.exists(paths.database):
        return None
    store = AlertStore(paths.database, readonly=True)
    try:
        for a in store.list(active_only=False, limit=500):
            if a["rule"] == "cleartext" and f"10.23.0.{client}" in a["hosts"]:
                return a["raised_at"]
    finally:
        store.close()
    return None


def bare_packets(flowdir, client):
    """Return packets of the client's flows in the bare nfcapd's closed files."""
    total = 0
    for name in sorted(os.listdir(flowdir)):
        if not name.startswith("nfcapd.2"):
            continue
        out = subprocess.run(["nfdump", "-r", os.path.join(flowdir, name), "-q", "-o",
                              "fmt:%pkt", filt(client)], capture_output=True, text=True,
                             env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}).stdout
        total += sum(int(x) for x in out.split() if x.isdigit())
    return total


class Watch:
    """Poll every reading once a second; keep when each count first reached each value."""

    def __init__(self):
        self.series = {}  # name -> [(time, value)]

    def sample(self, name, value):
        rows = self.series.setdefault(name, [])
        if not rows or value != rows[-1][1]:
            rows.append((time.time(), value))

    def first(self, name, at_least):
        """Return when the reading first reached at_least, or None."""
        for t, v in self.series.get(name, []):
            if v and v >= at_least:
                return t
        return None

    def lags(self, name, sends):
        """Return per-packet lags: when the count first covered packet k minus its send time."""
        rows = self.series.get(name, [])
        out = []
        for k, sent in enumerate(sends, 1):
            hit = next((t for t, v in rows if v and v >= k), None)
            out.append(None if hit is None else hit - sent)
        return out


def fmt(v):
    return f"{'never':>7}" if v is None else f"{v:7.1f}"


def ratio(a, b):
    return "-" if a is None or b is None or b <= 0 else f"{a / b:.2f}x"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--long-seconds", type=int, default=150, help="how long the long session runs")
    ap.add_argument("--bare-wait", type=int, default=720,
                    help="seconds after the last session to wait for the bare tools")
    args = ap.parse_args()
    sensor, injector = Netns("sfls"), Netns("sfli")
    procs, watch = [], Watch()
    try:
        link = MirrorLink(sensor, injector)
        with tempfile.TemporaryDirectory(prefix="spanflow-bench-lat-") as work:
            local = os.path.join(work, "local.toml")
            with open(local, "w") as f:
                f.write(LOCAL.format(iface=link.mirror, dir=work,
                                     rules=os.path.join(ROOT, "configs", "rules.d")))
            cfg = load([SHIPPED, local])
            paths = Paths.of(cfg)
            procs.append(sensor.popen("/usr/bin/python3", "-m", "appliance", "run", "--config", SHIPPED,
                                      "--config", local, cwd=ROOT, stderr=subprocess.DEVNULL))
            wait_until(lambda: (snapshot.read(paths.status) or {}).get("state") == "running", 60,
                       what="spanflow run")
            bare_dir = os.path.join(work, "bare")
            os.makedirs(bare_dir)
            fix = {**os.environ, **quietlink.preload_env("timeout", quietlink.library_path())}
            procs.append(sensor.popen("nfcapd", "-w", bare_dir, "-b", "127.0.0.1", "-p", str(BARE_PORT),
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            procs.append(sensor.popen("softflowd", "-d", "-i", link.mirror, "-n", f"127.0.0.1:{BARE_PORT}",
                                      "-c", os.path.join(work, "bare.ctl"), "-p", os.path.join(work, "bare.pid"),
                                      env=fix, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            wait_until(lambda: os.path.exists(os.path.join(work, "bare.ctl")), 15, what="bare softflowd")
            began = time.time()
            long_proc = session(injector, link.feed, 1, args.long_seconds, 1.0)

            def poll(clients):
                for c in clients:
                    watch.sample(f"search{c}", stored_packets(paths, c))
                    watch.sample(f"alert{c}", alert_raised(paths, c))
                    watch.sample(f"bare{c}", bare_packets(bare_dir, c))
                watch.sample("graph", graph_packets(cfg, paths, began))

            while long_proc.poll() is None:
                poll([1])
                time.sleep(1)  # sampling period of the readings: this is what is measured
            long_sends = sent_times(long_proc)
            # the short session after the long one's packets are all graphed: one graph, two sessions
            wait_until(lambda: poll([1]) or graph_packets(cfg, paths, began) >= len(long_sends), 400,
                       interval=1, what="the long session in the graph")
            short_proc = session(injector, link.feed, 2, 3, 1.0)
            short_sends = sent_times(short_proc)
            everything = len(long_sends) + len(short_sends)
            deadline = time.time() + args.bare_wait
            while time.time() < deadline:
                poll([1, 2])
                done = (graph_packets(cfg, paths, began) >= everything and alert_raised(paths, 2)
                        and bare_packets(bare_dir, 1) >= len(long_sends)
                        and bare_packets(bare_dir, 2) >= len(short_sends))
                if done:
                    break
                time.sleep(1)
            stop(procs)  # before the folder goes: spanflow run still writes into it
        report(watch, long_sends, short_sends, args)
    finally:
        stop(procs)
        sensor.delete()
        injector.delete()


def stop(procs):
    """End our own processes, newest first; safe to call twice."""
    for proc in reversed(procs):
        if proc.poll() is None:
            proc.terminate()
            proc.wait(30)


def report(watch, long_sends, short_sends, args):
    n_long, n_short = len(long_sends), len(short_sends)
    graph_long = watch.lags("graph", long_sends)
    graph_short = [None if t is None else t - s for t, s in zip(
        [watch.first("graph", n_long + k) for k in range(1, n_short + 1)], short_sends)]

    def after(t, ref):
        return None if t is None else t - ref

    rows = {
        "short": {"ref": short_sends[-1], "what": f"3 s session ({n_short} packets), from its last packet",
                  "search": after(watch.first("search2", n_short), short_sends[-1]),
                  "graph": max(graph_short) if None not in graph_short else None,
                  "alert": after(watch.first("alert2", 1), short_sends[-1]),
                  "bare": after(watch.first("bare2", n_short), short_sends[-1])},
        "long first": {"what": f"{args.long_seconds} s session, from its first packet",
                       "search": after(watch.first("search1", 1), long_sends[0]),
                       "graph": after(watch.first("graph", 1), long_sends[0]),
                       "alert": after(watch.first("alert1", 1), long_sends[0]),
                       "bare": after(watch.first("bare1", 1), long_sends[0])},
        "long end": {"what": f"{args.long_seconds} s session, all of it, from its last packet",
                     "search": after(watch.first("search1", n_long), long_sends[-1]),
                     "graph": after(watch.first("graph", n_long), long_sends[-1]),
                     "alert": None,
                     "bare": after(watch.first("bare1", n_long), long_sends[-1])},
    }
    print("shipped defaults (rotation 60 s, idle 15 s, maxlife 60 s) vs bare softflowd + nfcapd "
          "with Debian's defaults; seconds")
    print(f"{'':<52} {'search':>7} {'graph':>7} {'alert':>7} {'bare':>7}")
    for row in rows.values():
        print(f"{row['what']:<52} " + " ".join(fmt(row[k]) for k in ("search", "graph", "alert", "bare")))
    lags = [g for g in graph_long if g is not None]
    if lags:
        print(f"long session, each packet into the graph: median {statistics.median(lags):.1f} s, "
              f"max {max(lags):.1f} s ({len(lags)} of {n_long} packets)")
    for key, row in rows.items():
        for col in ("search", "graph", "alert"):
            if row[col] is not None:
                print(f"spanflow {key} {col}: {row[col]:.1f}  ({ratio(row[col], row['bare'])} bare "
                      f"flow {fmt(row['bare']).strip()})")
        print(f"bare {key} flow: {fmt(row['bare']).strip()}")


if __name__ == "__main__":
    main()
