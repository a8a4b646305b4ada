"""Benchmark ingest, and ingest with detection, of one big flow file beside bare nfdump runs.

Usage: sudo /usr/bin/python3 bench/ingest.py [--flows 1200000] [--keep DIR] [--runs 3] [--code DIR]
The flow file is made by the real tools: a generated pcap replayed through softflowd into nfcapd.
Ingest is compared with `nfdump -o csv` (a dump of every flow), ingest + detection (what
`spanflow run` does per file, with the shipped rules) with `nfdump -s srcip/flows`. --code runs
another tree's appliance (e.g. `git archive main`) on the same file: before/after figures.
write_pcap and collect are also used by tests/integration and bench/detect.py.
"""

import argparse
import glob
import os
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, "tests")]

ETH_V4 = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x08\x00"
ETH_V6 = b"\x02\x00\x00\x00\x00\x01\x02\x00\x00\x00\x00\x02\x86\xdd"
# (proto, sport-or-None, dport) mixes services, other ports, ICMP and ICMPv6
KINDS = [(6, None, 22), (6, None, 443), (17, None, 53), (6, None, 80), (17, None, 123),
         (6, None, 3389), (17, None, 40000), (6, None, 23), (1, None, 0), (58, None, 0)]


def _packet(proto, src, dst, sport, dport, size):
    """Return one Ethernet frame of a simple IPv4/IPv6 TCP/UDP/ICMP packet."""
    if proto == 6:
        l4 = struct.pack("!HHIIBBHHH", sport, dport, 1, 0, 0x50, 0x18, 1024, 0, 0)
    elif proto == 17:
        l4 = struct.pack("!HHHH", sport, dport, 8 + size, 0)
    else:
        l4 = struct.pack("!BBHI", 128 if proto == 58 else 8, 0, 0, sport)
    l4 += b"\0" * size
    if proto == 58:
        ip = struct.pack("!IHBB16s16s", 6 << 28, len(l4), 58, 64,
                         b"\xfd\0" + b"\0" * 10 + src.to_bytes(4, "big"),
                         b"\xfd\0" + b"\0" * 10 + dst.to_bytes(4, "big"))
        return ETH_V6 + ip + l4
    ip = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(l4), 0, 0, 64, proto, 0, src, dst)
    return ETH_V4 + ip + l4


def write_pcap(path, flows, packets_per_flow=1, start=None, seed=1):
    """Write a pcap of `flows` distinct flows (cycling KINDS) and return the ground truth."""
    rng = random.Random(seed)
    t = time.time() - 60 if start is None else start
    truth = {}
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i in range(flows):
            proto, _, dport = KINDS[i % len(KINDS)]
            src = 0x0A000000 | rng.randrange(1, 1 << 16)
            dst = 0x0A010000 | (i % 200)
            sport = 1024 + (i // len(KINDS)) % 60000
            frame = _packet(proto, src, dst, sport, dport, 10 + i % 50)
            for _ in range(packets_per_flow):
                t += 0.000002
                sec = int(t)
                out.write(struct.pack("<IIII", sec, int((t - sec) * 1e6), len(frame), len(frame)))
                out.write(frame)
            row = truth.setdefault(proto, [0, 0, 0])
            row[0] += 1
            row[1] += packets_per_flow
            row[2] += packets_per_flow * (len(frame) - 14)
    return truth


def collect(pcap, outdir, timeout=120):
    """Replay pcap through softflowd into nfcapd; return the closed flow files nfcapd wrote."""
    from support import flowstore
    runtime = tempfile.mkdtemp(prefix="spanflow-sfd-")
    try:
        # one file for the whole pcap, and a flow table bigger than the bench's 1.2 M flows
        flowstore.build(pcap, outdir, runtime, rotate=3600, max_flows=2_000_000, timeout=timeout)
    finally:
        shutil.rmtree(runtime, ignore_errors=True)
    return sorted(glob.glob(os.path.join(outdir, "nfcapd.2*")))


def _time(fn):
    t0 = time.perf_counter()
    result = fn()
    return time.perf_counter() - t0, result


def big_flow_file(work, flows, timeout):
    """Return (path, flow count) of a real flow file of about `flows` flows, kept in work/src."""
    src = os.path.join(work, "src")
    files = sorted(glob.glob(os.path.join(src, "nfcapd.2*")))
    if not files:
        pcap = os.path.join(work, "big.pcap")
        write_pcap(pcap, flows)
        files = collect(pcap, src, timeout=timeout)
        os.unlink(pcap)
    info = subprocess.run(["nfdump", "-r", files[-1], "-I"], env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True)
    return files[-1], next(ln.split()[1] for ln in info.stdout.splitlines() if ln.startswith("Flows:"))


def _cpu():
    """Return CPU seconds (user + system) of this process and its finished children so far."""
    import resource
    own, kids = (resource.getrusage(w) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _median(fn, runs):
    """Return the median (wall seconds, CPU seconds) of runs calls of fn."""
    walls, cpus = [], []
    for _ in range(runs):
        c0 = _cpu()
        walls.append(_time(fn)[0])
        cpus.append(_cpu() - c0)
    return sorted(walls)[len(walls) // 2], sorted(cpus)[len(cpus) // 2]


def _one_file(flowfile, listeners):
    """Return the seconds ingest (with listeners made by listeners(cfg, paths)) takes on flowfile."""
    from appliance.config.schema import Config, Detect, Storage
    from appliance.paths import Paths
    from appliance.trends.ingest import IngestWorker

    data = tempfile.mkdtemp(prefix="spanflow-bench-data-")
    try:
        cfg = Config(storage=Storage(dir=data, runtime_dir=os.path.join(data, "run")),
                     detect=Detect(rules_dir=os.path.join(ROOT, "configs", "rules.d")))
        paths = Paths.of(cfg)
        os.makedirs(paths.flows)
        os.link(flowfile, os.path.join(paths.flows, os.path.basename(flowfile)))
        parts = listeners(cfg, paths)
        worker = IngestWorker(cfg, paths, listeners=parts)
        worker.start()
        for part in parts:
            part.start()
        seconds, _ = _time(lambda: worker.poll(time.time()))
        st = worker.status()
        for part in parts:
            assert not part.status().get("errors"), part.status()
            part.stop()
        worker.stop()
    finally:
        shutil.rmtree(data)
    assert st["files_done"] == 1, st
    return seconds


def _detector(cfg, paths):
    from appliance.detect.engine import Detector
    return [Detector(cfg, paths)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--flows", type=int, default=1_200_000)
    ap.add_argument("--keep", help="reuse/keep the flow file in this folder")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--code", help="import appliance from this tree instead (before/after)")
    args = ap.parse_args()
    if args.code:
        sys.path.insert(0, os.path.abspath(args.code))
    work = args.keep or tempfile.mkdtemp(prefix="spanflow-bench-")
    os.makedirs(work, exist_ok=True)
    flowfile, nflows = big_flow_file(work, args.flows, timeout=600)
    env = {"TZ": "UTC", "PATH": "/usr/bin:/bin"}

    def bare(*argv):
        return _median(lambda: subprocess.run(["nfdump", "-r", flowfile, *argv], env=env,
                                              stdout=subprocess.DEVNULL, check=True), args.runs)
    dump_s, stat_s = bare("-o", "csv"), bare("-s", "srcip/flows")
    ingest_s = _median(lambda: _one_file(flowfile, lambda cfg, paths: []), args.runs)
    both_s = _median(lambda: _one_file(flowfile, _detector), args.runs)
    if not args.keep:
        shutil.rmtree(work)
    import appliance
    print(f"flow file: {flowfile} ({nflows} flows); code: {os.path.dirname(appliance.__path__[0])}")
    # wall time is what the ingest lag sees; CPU time (children included) is steadier on a
    # shared machine and is what a busy box pays
    print(f"medians of {args.runs}         wall s   CPU s")
    for label, (wall, cpu) in (("nfdump -o csv > /dev/null", dump_s),
                               ("nfdump -s srcip/flows", stat_s), ("spanflow ingest", ingest_s),
                               ("spanflow ingest+detection", both_s)):
        print(f"{label + ':':<26} {wall:6.2f}  {cpu:6.2f}")
    print(f"ratio ingest/dump:         {ingest_s[0] / dump_s[0]:.2f}x "
          f"({'faster' if ingest_s[0] < dump_s[0] else 'SLOWER'} than the dump)")
    print(f"ratio ingest+detection/nfdump -s srcip/flows: {both_s[0] / stat_s[0]:.2f}x wall, "
          f"{both_s[1] / stat_s[1]:.2f}x CPU")
    return 0 if ingest_s[0] < dump_s[0] else 1


if __name__ == "__main__":
    sys.exit(main())
