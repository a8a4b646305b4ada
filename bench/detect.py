"""Benchmark detection on one 1-million-flow interval against `nfdump -s srcip/flows` on it.

Usage: /usr/bin/python3 bench/detect.py [--flows 1000000] [--keep DIR] [--runs 3]
The flow file is made by the real tools (bench/ingest.py: generated pcap -> softflowd -> nfcapd).
Both sides run on the same file in the same run; the median of --runs is compared (target <= 2x).
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TARGET = 2.0


def _median(fn, runs):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main():
    from appliance.config.schema import Config, Detect, Storage
    from appliance.detect.engine import Detector
    from appliance.paths import Paths
    from appliance.trends.ingest import Interval
    from bench.ingest import big_flow_file

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=1_000_000)
    ap.add_argument("--keep", help="reuse/keep the flow file in this folder")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = args.keep or tempfile.mkdtemp(prefix="spanflow-bench-detect-")
    flowfile, nflows = big_flow_file(work, args.flows, timeout=900)
    env = {"TZ": "UTC", "PATH": "/usr/bin:/bin"}
    bare_s = _median(lambda: subprocess.run(["nfdump", "-r", flowfile, "-s", "srcip/flows"], env=env,
                                            stdout=subprocess.DEVNULL, check=True), args.runs)
    data = tempfile.mkdtemp(prefix="spanflow-bench-detect-data-")
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cfg = Config(storage=Storage(dir=data, runtime_dir=os.path.join(data, "run")),
                 detect=Detect(rules_dir=os.path.join(root, "configs", "rules.d")))
    det = Detector(cfg, Paths.of(cfg))
    det.start()
    start = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    raised = []
    try:
        detect_s = _median(lambda: raised.append(det.on_interval(
            Interval(flowfile, start, start + timedelta(minutes=1)))), args.runs)
        st = det.status()
    finally:
        det.stop()
        shutil.rmtree(data)
        if not args.keep:
            shutil.rmtree(work)
    assert st["errors"] == 0, st
    ratio = detect_s / bare_s
    print(f"flow file: {flowfile} ({nflows} flows)")
    print(f"nfdump -s srcip/flows:  {bare_s:.2f} s (median of {args.runs})")
    print(f"spanflow detection:     {detect_s:.2f} s (median of {args.runs}; "
          f"{len(raised[0])} alerts on the first run)")
    print(f"ratio detect/nfdump:    {ratio:.2f}x (target <= {TARGET:.0f}x: "
          f"{'met' if ratio <= TARGET else 'MISSED'})")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
