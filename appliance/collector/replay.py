"""Run a capture through softflowd -r into a private nfcapd: `spanflow import` and the bench."""

import logging
import os
import re
import signal
import socket
import subprocess
import time

from ..config.checks import bytes_of
from ..errors import ToolError
from ..probe.command import softflowd_argv
from .buffer import ensure_rmem
from .command import nfcapd_command

log = logging.getLogger(__name__)


def free_port():
    """Return a UDP port on 127.0.0.1 that is free now."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def probe_argv(cfg, paths, capture):
    """Return the live probe's argv reading capture instead of an interface."""
    argv = softflowd_argv(cfg.probe, cfg.collector.listen, "-", paths.softflowd_ctl,
                          paths.softflowd_pid)
    i = argv.index("-i")
    argv[i:i + 2] = ["-r", capture]
    # With -c, softflowd 1.1.0 -r never exits after the capture (it waits on the socket).
    i = argv.index("-c")
    del argv[i:i + 2]
    return argv


def _wait(cond, timeout, what):
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise ToolError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def rx_queue(port):
    """Return the bytes waiting in the receive queue of the UDP socket on port (None if none)."""
    for table in ("/proc/net/udp", "/proc/net/udp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port:
                return int(fields[4].split(":")[1], 16)
    return None


def drained(port, settle=3):
    """Return a condition true once the socket's queue has read empty settle times in a row."""
    seen = [0]

    def check():
        seen[0] = seen[0] + 1 if not rx_queue(port) else 0
        return seen[0] >= settle
    return check


def run(probe, collector, pidfile, env=None, timeout=3600):
    """Start collector, run probe to its end, stop collector (SIGTERM closes its file).

    Return (softflowd's output, nfcapd's log).
    """
    if os.path.exists(pidfile):
        os.unlink(pidfile)
    col = subprocess.Popen(collector, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           env=env or {"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    try:
        _wait(lambda: os.path.exists(pidfile) or col.poll() is not None, 10, "nfcapd to start")
        if col.poll() is not None:
            raise ToolError(f"nfcapd exited at start: {col.communicate()[0].strip()[-300:]}; "
                            "check that the store folder is writable")
        done = subprocess.run(probe, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise ToolError(f"softflowd -r failed: {done.stderr.strip()[-300:]}; give a "
                            "capture file libpcap reads (pcap or pcapng)")
        # softflowd's last burst may still sit in nfcapd's socket: SIGTERM now would drop it.
        port = int(collector[collector.index("-p") + 1])
        _wait(drained(port), 120, "nfcapd to read the whole export")
    except subprocess.TimeoutExpired:
        raise ToolError(f"softflowd -r took longer than {timeout}s: split the capture "
                        "into smaller files and import them one by one") from None
    finally:
        if col.poll() is None:
            col.send_signal(signal.SIGTERM)
        out, _ = col.communicate(timeout=120)
    log.debug("nfcapd said: %s", out)
    return done.stdout, out


def exported_records(probe_out):
    """Return the records softflowd -r says it exported ("Flows exported: 6 (7 records)")."""
    m = re.search(r"Flows exported: \d+ \((\d+) records\)", probe_out)
    return int(m.group(1)) if m else None


def stored_flows(collector_log):
    """Return the flows nfcapd says it stored, summed over its sources ("Ident: 'x' Flows: 7")."""
    found = re.findall(r"Ident: '[^']*' Flows: (\d+)", collector_log)
    return sum(int(n) for n in found) if found else None


def import_capture(cfg, paths, capture, timeout=3600):
    """Replay capture with the configured probe into paths' store on a free loopback port."""
    if not os.path.isfile(capture):
        raise ToolError(f"capture {capture} not found: give a pcap file")
    port = free_port()
    col = cfg.collector.__class__(**{**cfg.collector.__dict__, "listen": f"127.0.0.1:{port}",
                                     "allowed_exporters": []})
    cfg = cfg.__class__(**{**cfg.__dict__, "collector": col})
    os.makedirs(paths.flows, exist_ok=True)
    os.makedirs(paths.runtime, exist_ok=True)
    collector, env = nfcapd_command(cfg, paths)
    if os.geteuid() == 0:
        ensure_rmem(bytes_of(cfg.collector.receive_buffer))
    probe_out, col_log = run(probe_argv(cfg, paths, capture), collector, paths.nfcapd_pid, env,
                             timeout)
    counts = {"exported": exported_records(probe_out), "stored": stored_flows(col_log)}
    if None not in counts.values() and counts["stored"] < counts["exported"]:
        raise ToolError(f"the collector stored {counts['stored']} of {counts['exported']} flow "
                        "records softflowd exported: raise collector.receive_buffer and run "
                        "the import as root so that net.core.rmem_max can follow")
    return counts
