"""Side-capture overhead: its CPU beside softflowd's on the same mirror port at 400 kpps.

Run as root: sudo /usr/bin/python3 bench/span_overhead.py [--packets N] [--pps N]. Two traffic
mixes: "varied ids" (IP ids counting up, as real hosts send them: the kernel filter passes about
1 in 1024) and "ids all 0" (every packet passes the id sample: the worst case, held by the budget).
Target: the side capture at most 5% of the probe's CPU. Prints JSON for bench/run and lines.
"""

import argparse
import json
import os
import struct
import sys
import time

from probe_live import library, spanflow_cmd
from probe_rig import Rig, cpu_seconds

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_pcap(path, packets, flows, vary_ids):
    """IPv4/UDP frames round-robin over flows; IP ids count up per packet or stay 0."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        payload = bytes(22)
        for n in range(packets):
            flow = n % flows
            udp = struct.pack("!HHHH", 1024 + flow % 50000, 53, 8 + len(payload), 0) + payload
            ident = (n * 7919) & 0xFFFF if vary_ids else 0
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), ident, 0x4000, 64, 17, 0,
                             bytes([10, 1, flow // 250 % 250, flow % 250 + 1]), bytes([10, 2, 0, 1]))
            frame = b"\x02\0\0\0\0\x02\x02\0\0\0\0\x01\x08\x00" + ip + udp
            f.write(struct.pack("<IIII", n // 1_000_000, n % 1_000_000, len(frame), len(frame))
                    + frame)


def measure(rig, pcap, pps, budget):
    """Replay pcap with softflowd and the side capture running; return their CPU seconds."""
    probe = rig.start_probe(*spanflow_cmd(rig, "timeout"))
    side = rig.start("/usr/bin/python3", "-m", "appliance.span.sidecap", "--interface",
                     rig.link.mirror, "--state", os.path.join(rig.dir, "span.json"),
                     "--database", os.path.join(rig.dir, "span.sqlite"), "--budget", str(budget),
                     env={"PYTHONPATH": ROOT})
    deadline = time.monotonic() + 30
    while not os.path.exists(os.path.join(rig.dir, "span.json")):  # bound: first report written
        if side.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the side capture did not start")
        time.sleep(0.1)
    p0, s0 = cpu_seconds(probe.pid), cpu_seconds(side.pid)
    sent, achieved = rig.replay(pcap, pps)
    time.sleep(1)  # let both drain what the replay queued
    probe_cpu, side_cpu = cpu_seconds(probe.pid) - p0, cpu_seconds(side.pid) - s0
    time.sleep(5)  # one more report: what the side capture analysed and what the budget dropped
    with open(os.path.join(rig.dir, "span.json")) as f:
        report = json.load(f)
    rig.stop(side)
    rig.stop(probe)
    return {"sent": sent, "pps": round(achieved), "probe_cpu_s": round(probe_cpu, 3),
            "side_cpu_s": round(side_cpu, 3),
            "ratio": round(side_cpu / probe_cpu, 4) if probe_cpu else None,
            "analysed": report["frames"], "over_budget": report["over_budget"]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--packets", type=int, default=2_000_000)
    ap.add_argument("--pps", type=int, default=400_000)
    ap.add_argument("--budget", type=int, default=2000)
    args = ap.parse_args()
    assert os.path.exists(library()), "build the quiet-link library first: ./tasks build"
    rig = Rig()
    results = {}
    try:
        for name, vary in (("varied ids", True), ("ids all 0", False)):
            pcap = os.path.join(rig.dir, f"{vary}.pcap")
            write_pcap(pcap, args.packets, 10_000, vary)
            results[name] = measure(rig, pcap, args.pps, args.budget)
    finally:
        rig.close()
    for name, r in results.items():
        print(f"{name}: {r['sent']} packets at {r['pps']} pps; softflowd {r['probe_cpu_s']} s CPU, "
              f"side capture {r['side_cpu_s']} s: {r['ratio']:.1%} of the probe", file=sys.stderr)
    print(json.dumps({"span_overhead": results}))


if __name__ == "__main__":
    main()
