"""Live probe benchmark: quiet-link latency per mode, loss-free rate and CPU per packet.

Run as root: sudo /usr/bin/python3 bench/probe_live.py [--packets N]. Prints figures and
ratios; docs/quiet-link.md keeps them. Runs are short: the machine is shared.
"""

import argparse
import dataclasses
import json
import os
import time

from probe_rig import Rig, cpu_seconds, write_pcap

from appliance.config.schema import Config, Probe, ProbeTimeouts
from appliance.probe import command, quietlink

RATES = [100_000, 200_000, 400_000, 800_000, None]  # None: tcpreplay --topspeed
LONE_DPORT = 53
IDLE_SECONDS = 3


def spanflow_cmd(rig, mode, **timeouts):
    cfg = Config(probe=Probe(quiet_link_fix=mode, timeouts=ProbeTimeouts(**timeouts)))
    cfg = dataclasses.replace(cfg, collector=dataclasses.replace(cfg.collector, listen=rig.listen))
    return command.softflowd_command(cfg, rig.paths, rig.link.mirror, library=library())


def bare_cmd(rig, mode="timeout"):
    """Debian's defaults (what /etc/default/softflowd would run) plus the fix so it works at all."""
    argv = ["/usr/sbin/softflowd", "-d", "-i", rig.link.mirror, "-n", rig.listen,
            "-c", rig.paths.softflowd_ctl, "-p", rig.paths.softflowd_pid]
    return argv, quietlink.preload_env(mode, library())


def library():
    """This tree's build when there is one (./tasks bench builds it), else the installed one."""
    return quietlink.REPO_BUILD if os.path.exists(quietlink.REPO_BUILD) else quietlink.library_path()


def poll(condition, timeout, step=0.01):
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(step)
    return None


def latency(rig, mode, lone_pcap):
    """Time from a lone packet to softflowd processing it, and to a stored flow."""
    proc = rig.start_probe(*spanflow_cmd(rig, mode, udp=2, expint=1))
    before = rig.stored(LONE_DPORT)
    t0 = time.monotonic()
    rig.replay(lone_pcap)
    processed = poll(lambda: rig.stats().get("packets_processed", 0) >= 1, 5)
    exported = poll(lambda: rig.stats().get("flows_exported", 0) >= 1, 8 - (time.monotonic() - t0))
    exported = None if exported is None else time.monotonic() - t0
    done = poll(lambda: rig.stored(LONE_DPORT) > before, 12 - (time.monotonic() - t0), step=0.1)
    total = None if done is None else time.monotonic() - t0
    c0 = cpu_seconds(proc.pid)
    time.sleep(IDLE_SECONDS)  # measuring idle cost: there is nothing to wait on
    idle = (cpu_seconds(proc.pid) - c0) / IDLE_SECONDS * 100
    rig.stop(proc)
    return processed, exported, total, idle


def settle(rig, want, timeout=3):
    """Wait until softflowd has processed want packets (or stops moving); return its stats."""
    last = None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        s = rig.stats()
        if s["packets_processed"] >= want or s == last:
            return s
        last = s
        time.sleep(0.2)
    return rig.stats()


def rate_sweep(rig, name, cmd, pcap, packets):
    """Replay at rising rates; return rows (asked pps, achieved pps, lost, cpu µs/packet)."""
    proc = rig.start_probe(*cmd)
    rows = []
    for rate in RATES:
        c0 = cpu_seconds(proc.pid)
        s0 = rig.stats()
        sent, pps = rig.replay(pcap, rate)
        s1 = settle(rig, s0["packets_processed"] + sent)
        cpu = cpu_seconds(proc.pid) - c0
        got = s1["packets_processed"] - s0["packets_processed"]
        dropped = s1["pcap_dropped"] - s0["pcap_dropped"]
        rows.append({"config": name, "asked_pps": rate or "top", "achieved_pps": round(pps),
                     "sent": sent, "processed": got, "lost": sent - got, "pcap_dropped": dropped,
                     "cpu_us_per_packet": round(cpu / sent * 1e6, 3)})
        print(json.dumps(rows[-1]), flush=True)
    rig.stop(proc)
    return rows


def spread(values):
    """Format seconds as min/median/max, or never."""
    if any(v is None for v in values):
        return "never"
    v = sorted(values)
    return f"{v[0]:.3f}/{v[len(v) // 2]:.3f}/{v[-1]:.3f}s"


def best(rows):
    ok = [r["achieved_pps"] for r in rows if r["lost"] == 0]
    return max(ok) if ok else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packets", type=int, default=200_000)
    ap.add_argument("--flows", type=int, default=2000)
    ap.add_argument("--samples", type=int, default=3, help="lone-packet runs per mode")
    ap.add_argument("--latency-only", action="store_true", help="skip the rate sweep")
    args = ap.parse_args()
    rig = Rig()
    try:
        pcap, lone = os.path.join(rig.dir, "load.pcap"), os.path.join(rig.dir, "lone.pcap")
        write_pcap(pcap, args.packets, args.flows)
        write_pcap(lone, 1, 1)
        print(f"== quiet-link latency, min/median/max of {args.samples} "
              "(udp timeout 2 s, expint 1 s, rotation 2 s)")
        for mode in ("timeout", "immediate", "off"):
            runs = [latency(rig, mode, lone) for _ in range(1 if mode == "off" else args.samples)]
            cols = [spread([r[i] for r in runs]) for i in range(3)]
            print(f"  {mode:<9} processed {cols[0]}; exported {cols[1]}; stored {cols[2]}; "
                  f"idle CPU {max(r[3] for r in runs):.3f}%", flush=True)
        if args.latency_only:
            return
        print(f"== live replay, {args.packets} packets over {args.flows} UDP flows")
        sweeps = {"bare+fix(timeout)": bare_cmd(rig), "spanflow(timeout)": spanflow_cmd(rig, "timeout"),
                  "spanflow(immediate)": spanflow_cmd(rig, "immediate")}
        results = {name: rate_sweep(rig, name, cmd, pcap, args.packets) for name, cmd in sweeps.items()}
        base = best(results["bare+fix(timeout)"]) or 1
        for name, rows in results.items():
            top = rows[-1]
            print(f"  {name:<20} highest loss-free {best(rows):>9} pps (x{best(rows) / base:.2f} of bare); "
                  f"top speed {top['achieved_pps']} pps, lost {top['lost']}, "
                  f"{top['cpu_us_per_packet']} µs CPU/packet")
    finally:
        rig.close()


if __name__ == "__main__":
    main()
