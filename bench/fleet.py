"""Benchmark the fleet: central search and top-N against nfdump, export rate against the probe's.

Run: sudo /usr/bin/python3 bench/fleet.py [--flows N] [--copies K]. A real flow file of N flows
(a pcap through softflowd -r into nfcapd, timed: the probe's export rate) is stored K times
(K files, N*K flows: 5 M by default); the export (nfdump read, conversion, batched INSERTs)
puts the same files into a two-shard ClickHouse cluster started from Debian's package on
loopback. Then the same filter and the same top-N run on both, medians of interleaved runs.
"""

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

from appliance.config.schema import Config, Fleet, Storage  # noqa: E402
from appliance.fleet import central  # noqa: E402
from appliance.fleet.client import Connection  # noqa: E402
from appliance.fleet.export import FleetExport  # noqa: E402
from appliance.paths import Paths  # noqa: E402
from appliance.query import flows  # noqa: E402
from bench.ingest import collect, write_pcap  # noqa: E402
from support.clickhouse import Cluster  # noqa: E402
from support.wait import wait_until  # noqa: E402

# selective (both scan everything, few rows come back) and a top-N over every flow
FILTER = "proto tcp and dst port 3389 and src net 10.0.1.0/24"
START = datetime(2026, 11, 30, 12, 0, tzinfo=timezone.utc)


def timed(fn, runs):
    """Return (median seconds, last result) of runs calls."""
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=1_000_000, help="flows per file (1 M)")
    ap.add_argument("--copies", type=int, default=5, help="files (5: 5 M flows)")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="spanflow-bench-fleet-")
    cluster = None
    try:
        pcap = os.path.join(work, "in.pcap")
        write_pcap(pcap, args.flows, start=START.timestamp())
        t0 = time.perf_counter()
        (made,) = collect(pcap, os.path.join(work, "made"), timeout=900)
        probe_s = time.perf_counter() - t0
        os.unlink(pcap)
        cfg = Config(storage=Storage(dir=os.path.join(work, "sensor"),
                                     runtime_dir=os.path.join(work, "sensor", "run")),
                     fleet=Fleet(endpoints=[], sensor="bench"))
        paths = Paths.of(cfg)
        os.makedirs(paths.flows)
        for i in range(args.copies):  # K files of the same flows, K times the rows
            os.link(made, os.path.join(paths.flows, f"nfcapd.20261130{12 + i:02d}00"))

        cluster = Cluster(os.path.join(work, "cluster")).start()
        cfg = Config(storage=cfg.storage, fleet=Fleet(endpoints=cluster.endpoints, sensor="bench"))
        central.init(cfg.fleet)
        export = FleetExport(cfg, paths)
        t0 = time.perf_counter()
        export.start()
        wait_until(lambda: export.status()["files_done"] == args.copies, 1800,
                   what="every file exported")
        export_s = time.perf_counter() - t0
        export.stop()
        total = export.status()["rows_sent"]  # what nfcapd stored of the pcap, K times

        conn = Connection(cfg.fleet)
        local_s, local = timed(lambda: flows.search(paths, FILTER, limit=100000, timeout=600),
                               args.runs)
        ch_s, (rows, _) = timed(lambda: central.search(conn, cfg.fleet, FILTER, limit=100000),
                                args.runs)
        assert len(rows) == len(local.rows) > 0, (len(rows), len(local.rows))
        ltop_s, ltop = timed(lambda: flows.top(paths, "any", "srcip", count=10, timeout=600),
                             args.runs)
        ctop_s, ctop = timed(lambda: central.top(conn, cfg.fleet, "srcip", "any", count=10),
                             args.runs)
        assert [t["bytes"] for t in ctop] == [t["bytes"] for t in ltop]
        conn.close()
        rss = [s.rss_kib() // 1024 for s in cluster.servers]
        disk = cluster.disk_bytes() / 1e6
        nf_disk = sum(os.path.getsize(os.path.join(paths.flows, n))
                      for n in os.listdir(paths.flows)) / 1e6

        probe_rate, export_rate = total / args.copies / probe_s, total / export_s
        print(f"flows: {total} ({args.copies} files of {total // args.copies}); cluster: 2 shards on "
              "loopback (clickhouse-server 18.16)")
        print(f"search {FILTER!r} ({len(rows)} rows):")
        print(f"  nfdump (spanflow flows)  {local_s:.3f} s;  cluster {ch_s:.3f} s;  "
              f"ratio cluster/nfdump {ch_s / local_s:.2f}x")
        print("top 10 source IPs by bytes over every flow:")
        print(f"  nfdump -s srcip/bytes    {ltop_s:.3f} s;  cluster {ctop_s:.3f} s;  "
              f"ratio cluster/nfdump {ctop_s / ltop_s:.2f}x")
        print(f"export: {export_rate:,.0f} flows/s (nfdump read + INSERT, {export_s:.1f} s); "
              f"probe softflowd -r -> nfcapd: {probe_rate:,.0f} flows/s; "
              f"ratio export/probe {export_rate / probe_rate:.2f}x")
        print(f"cluster footprint: RSS {rss[0]} MB + {rss[1]} MB; data {disk:.0f} MB for "
              f"{total} flows ({disk * 1e6 / total:.1f} B/flow; nfcapd lz4 files "
              f"{nf_disk:.0f} MB)")
        return 0
    finally:
        if cluster is not None:
            cluster.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
