"""Offline replay: a generated capture through softflowd -r into nfcapd, bare tools vs spanflow.

Usage: /usr/bin/python3 bench/offline.py [--conversations N] [--seed S]
Prints flows/packets/bytes stored against the generator's ground truth, side by side with ratios.
Only the processes started here are ended (by PID); nfcapd listens on a free loopback port.
"""

import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "bench")]

import offline_capture  # noqa: E402
from appliance.collector import replay  # noqa: E402
from appliance.config.schema import Config  # noqa: E402
from appliance.paths import Paths  # noqa: E402
from appliance.query import nfdump, records  # noqa: E402


def bare_commands(pcap, store, port):
    """Debian defaults: softflowd -r with IPFIX, nfcapd with no -B, no compression."""
    os.makedirs(store, exist_ok=True)
    probe = ["/usr/sbin/softflowd", "-d", "-r", pcap, "-v", "10", "-A", "milli",
             "-n", f"127.0.0.1:{port}", "-p", f"{store}/sfd.pid"]
    collector = ["/usr/bin/nfcapd", "-C", "none", "-w", store, "-b", "127.0.0.1", "-p", str(port),
                 "-t", "60", "-P", f"{store}/nfcapd.pid"]
    return probe, collector


def stored(flowdir, fix=True):
    """Return every stored record of flowdir as flow rows (raw first/last when fix is False)."""
    out = nfdump.run(["-R", flowdir, "-o", "json"], timeout=600)
    if fix:
        return records.rows(out)
    return [dict(records.row(r), raw_first=r["first"], raw_last=r["last"])
            for r in records.parse_json(out)]


def totals(rows, truth):
    """Return (records, 5-tuples exact in packets and bytes, packets, bytes) stored."""
    per = {}
    for r in rows:
        e = per.setdefault((r["src"], r["dst"], r["proto"], r["sport"], r["dport"]), [0, 0])
        e[0] += r["packets"]
        e[1] += r["bytes"]
    exact = sum(1 for k, t in truth.items() if per.get(k) == t[:2])
    return (len(rows), exact, sum(r["packets"] for r in rows), sum(r["bytes"] for r in rows))


def spanflow_config(tmp):
    cfg = Config()
    col = cfg.collector.__class__(rotate=60)
    storage = cfg.storage.__class__(dir=f"{tmp}/spanflow", runtime_dir=f"{tmp}/spanflow-run")
    return Config(probe=cfg.probe, collector=col, storage=storage)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=150_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    from appliance.collector.buffer import ensure_rmem
    from appliance.config.checks import bytes_of
    with tempfile.TemporaryDirectory(prefix="spanflow-offline-") as tmp:
        pcap = os.path.join(tmp, "capture.pcap")
        t0 = time.monotonic()
        truth = offline_capture.write(pcap, args.seed, args.conversations, span=60.0)
        want = (len(truth), sum(v[0] for v in truth.values()), sum(v[1] for v in truth.values()))
        print(f"capture: {want[1]} packets, {want[0]} directional flows, {want[2]} IP bytes "
              f"(generated in {time.monotonic() - t0:.1f}s)")
        results = {}
        probe, collector = bare_commands(pcap, f"{tmp}/bare", replay.free_port())
        t0 = time.monotonic()
        replay.run(probe, collector, f"{tmp}/bare/nfcapd.pid")
        results["bare tools"] = (totals(stored(f"{tmp}/bare"), truth), time.monotonic() - t0)
        cfg = spanflow_config(tmp)
        paths = Paths.of(cfg)
        ensure_rmem(bytes_of(cfg.collector.receive_buffer))
        t0 = time.monotonic()
        replay.import_capture(cfg, paths, pcap)
        results["spanflow"] = (totals(stored(paths.flows), truth), time.monotonic() - t0)
        print(f"{'':11} {'records':>8} {'exact 5-tuples':>19} {'packets':>20} {'bytes':>24} "
              f"{'seconds':>7}")
        for name, ((n, f, p, b), secs) in results.items():
            print(f"{name:11} {n:>8} {f:>10} ({f / want[0]:6.1%}) {p:>11} ({p / want[1]:6.1%}) "
                  f"{b:>15} ({b / want[2]:6.1%}) {secs:7.1f}")
        for name, ((_, _, p, _), _) in results.items():
            print(f"export loss ({name}): {1 - p / want[1]:.2%} of packets")
        bare, ours = results["bare tools"][0], results["spanflow"][0]
        print(f"ratio spanflow/bare: exact 5-tuples {ours[1] / max(1, bare[1]):.2f}x, "
              f"packets {ours[2] / max(1, bare[2]):.3f}x")


if __name__ == "__main__":
    main()
