"""Benchmark the web page: p95 of the dashboard, JSON API and a 1-year graph; search vs nfdump.

Run: /usr/bin/python3 bench/web.py [--flows N]. Prints spanflow beside the bare tool, as ratios.
Targets (issue 4): p95 <= 150 ms; flow search <= 1.2x raw nfdump with the same filter
(min of interleaved runs, against raw nfdump in JSON and in the search's own fmt output).
"""

import argparse
import dataclasses
import logging
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

import waitress  # noqa: E402

from appliance.config.schema import Config, Storage, Web  # noqa: E402
from appliance.paths import Paths  # noqa: E402
from appliance.query import flows, lines  # noqa: E402
from appliance.trends import groups as trend_groups, rrd  # noqa: E402
from appliance.supervisor import snapshot  # noqa: E402
from appliance.web.app import create_app  # noqa: E402
from support import flowstore  # noqa: E402

FILTER = "proto udp and src net 10.1.3.0/24"
START = datetime.now(timezone.utc).replace(microsecond=0) - timedelta(hours=2)
WINDOW = ("-t", f"{START:%Y/%m/%d.%H:%M:%S}-{START + timedelta(hours=1):%Y/%m/%d.%H:%M:%S}")


def write_pcap(path, flows, per_flow=2):
    """Write a pcap of IPv4/UDP frames over `flows` flows spread across an hour from START."""
    t0, gap = START.timestamp(), 3600 / (flows * per_flow)
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n in range(flows * per_flow):
            flow = n % flows
            udp = struct.pack("!HHHH", 1024 + flow % 50000, 53, 30, 0) + bytes(22)
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                             bytes([10, 1, flow // 250 % 250, flow % 250 + 1]), bytes([10, 2, 0, 1]))
            frame = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp
            sec, usec = divmod(int((t0 + n * gap) * 1e6), 1_000_000)
            f.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def p95(samples):
    return statistics.quantiles(samples, n=20)[-1] * 1000


def timed(fn, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def get(url):
    with urllib.request.urlopen(url, timeout=60) as r:
        body = r.read()
        if r.status != 200:
            raise RuntimeError(f"{url}: HTTP {r.status}")
        return body


def serve(cfg):
    app = create_app(cfg, Paths.of(cfg))
    # waitress warns at every queued request under wrk's 50 connections: counted by wrk instead
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=8)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def raw_nfdump(flowdir, filt, output):
    # What spanflow's search runs, minus its filter check and parsing: the bare tool, to a pipe.
    subprocess.run(["nfdump", "-R", flowdir, *WINDOW, "-c", "10001", *output, filt], check=True,
                   env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}, stdout=subprocess.PIPE)


def interleaved_min(cases, runs):
    """Return {name: min seconds} over runs rounds that each run every case once (noisy box)."""
    best = dict.fromkeys(cases, float("inf"))
    for _ in range(runs):
        for name, fn in cases.items():
            t = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def search_bench(url, flowdir, paths, runs):
    """Print flow search (library and web) against raw nfdump in JSON and in the search's fmt."""
    span = {"start": f"{START:%Y-%m-%d %H:%M:%S}",
            "end": f"{START + timedelta(hours=1):%Y-%m-%d %H:%M:%S}"}
    q = urllib.parse.urlencode({"filter": FILTER, **span})
    size = len(get(f"{url}/search.json?{q}"))
    since, until = START, START + timedelta(hours=1)
    found = len(flows.search(paths, FILTER, since, until, 10000).rows)
    best = interleaved_min({
        "raw json": lambda: raw_nfdump(flowdir, FILTER, ["-o", "json"]),
        "raw fmt": lambda: raw_nfdump(flowdir, FILTER, lines.ARGS),
        "lib": lambda: flows.search(paths, FILTER, since, until, 10000),
        "web": lambda: get(f"{url}/search.json?{q}"),
    }, runs)
    raw, fmt, lib, web = (best[k] * 1000 for k in ("raw json", "raw fmt", "lib", "web"))
    print(f"flow search {FILTER!r}: {found} rows ({size} bytes of JSON), min of {runs} "
          "interleaved runs:")
    print(f"  raw nfdump -o json {raw:.1f} ms, -o fmt (the search's) {fmt:.1f} ms; "
          f"query.flows.search {lib:.1f} ms ({lib / raw:.2f}x json, {lib / fmt:.2f}x fmt; "
          f"target <= 1.2x); web /search.json {web:.1f} ms ({web / raw:.2f}x json)")


def backfill(cfg, paths, minutes):
    """Fill the total group's RRD with `minutes` of 1-minute data ending now (daily shape)."""
    step, end = 60, int(time.time()) // 60 * 60
    begin = end - minutes * step
    for group, names in trend_groups.plan(cfg).items():
        rrd.create(trend_groups.rrd_path(paths, group), group, names, step, begin - step)
    path, names = trend_groups.rrd_path(paths, "total"), trend_groups.plan(cfg)["total"]
    ds = rrd.ds_names(names)
    for i in range(1, minutes + 1):
        t = begin + i * step
        busy = 1 + (t // 3600 % 24 in range(8, 19))  # office hours carry twice the traffic
        rrd.update(path, t, dict(zip(ds, (300 * busy, 20_000 * busy, 15_000_000 * busy))))


def load(url, seconds):
    """Run wrk with 50 connections; return (requests, errors, p99 text)."""
    out = subprocess.run(["wrk", "-t", "2", "-c", "50", "-d", f"{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    done = re.search(r"(\d+) requests in", out)
    errors = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|Socket errors:.*?"
                                            r"(?:connect|read|write|timeout)) ?:? ?(\d+)", out))
    p99 = re.search(r"99%\s+(\S+)", out)
    return int(done.group(1)) if done else 0, errors, p99.group(1) if p99 else "?"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=50)
    ap.add_argument("--minutes", type=int, default=366 * 1440,
                    help="1-minute points to backfill (default: a year)")
    ap.add_argument("--wrk", type=int, default=0, metavar="SECONDS",
                    help="also load / and /api/status with wrk, 50 connections (issue 7: 30)")
    args = ap.parse_args()
    base = tempfile.mkdtemp(prefix="spanflow-bench-web-")
    try:
        run(args, base)
    finally:
        shutil.rmtree(base, ignore_errors=True)


def run(args, base):
    pcap = os.path.join(base, "bench.pcap")
    write_pcap(pcap, args.flows)
    flowstore.build(pcap, os.path.join(base, "flows"), base)
    cfg = dataclasses.replace(Config(), storage=Storage(dir=base, runtime_dir=base), web=Web())
    now = datetime.now(timezone.utc).isoformat()
    snapshot.write(Paths.of(cfg).status, {"version": 1, "updated": now, "mirror": {
        "interface": "bench0", "state": "running", "link": "up", "promisc": True,
        "rx_packets": 1}})
    began = time.perf_counter()
    backfill(cfg, Paths.of(cfg), args.minutes)
    filled = time.perf_counter() - began
    _server, url = serve(cfg)
    print(f"# web benchmark, {args.flows} flows in the store, {args.minutes} 1-minute points "
          f"backfilled in {filled:.0f} s, {args.runs} runs each")
    print(f"{'what':<34}{'p95 ms':>10}{'target':>10}")
    for name, path in (("dashboard /", "/"), ("JSON API /api/status", "/api/status"),
                       ("metrics /metrics", "/metrics")):
        print(f"{name:<34}{p95(timed(lambda: get(url + path), args.runs)):>10.1f}{150:>10}")
    for period in ("1d", "1y"):
        graph = f"{url}/graphs/total/bits.png?period={period}"
        name = f"{period} graph /graphs/total/bits.png"
        print(f"{name:<34}{p95(timed(lambda: get(graph), args.runs)):>10.1f}{150:>10}")
    series = f"{url}/api/series/total/bits?period=1y"
    print(f"{'1-year JSON /api/series':<34}{p95(timed(lambda: get(series), args.runs)):>10.1f}"
          f"{150:>10}")
    search_bench(url, os.path.join(base, "flows"), Paths.of(cfg), max(30, args.runs))
    if args.wrk:
        for path in ("/", "/api/status"):
            done, errors, p99 = load(url + path, args.wrk)
            print(f"wrk 50 connections {args.wrk}s {path}: {done} requests, {errors} errors, "
                  f"p99 {p99}")
    # No server.close(): requests wrk left queued would hit a closed trigger; the daemon
    # thread ends with the process.


if __name__ == "__main__":
    main()
