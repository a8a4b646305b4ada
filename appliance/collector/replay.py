"""Run a capture through softflowd -r into a private nfcapd: `spanflow import` and the bench."""

import dataclasses
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from ..config.checks import bytes_of
from ..errors import ToolError
from ..paths import Paths
from ..probe.command import softflowd_argv
from ..query import nfdump
from ..query.files import catalogue
from .buffer import RaisedRmem
from .capture import Capture
from .command import COMPRESSION_FLAGS, nfcapd_command

log = logging.getLogger(__name__)

FEED_BLOCK = 1 << 20  # bytes written to softflowd at a time (and between progress updates)


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
        time.sleep(0.02)


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


def run(probe, collector, pidfile, env=None, timeout=3600, feed=None):
    """Start collector, run probe to its end, stop collector (SIGTERM closes its file).

    feed(pipe), when given, writes the capture to the probe's standard input (softflowd -r -).
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
        done = _probe(probe, timeout, feed)
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


def _probe(argv, timeout, feed):
    """Run softflowd -r to its end; with feed, write the capture into its standard input."""
    if feed is None:
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    # Its output goes to files: softflowd writes only at its end, but a pipe nobody reads while
    # we write its input could still fill up and stall both.
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=out, stderr=err, text=False)
        try:
            try:
                feed(proc.stdin)
            except BrokenPipeError:
                pass  # softflowd stopped reading: its exit status and stderr say why
            finally:
                try:
                    proc.stdin.close()
                except BrokenPipeError:
                    pass
            code = proc.wait(timeout=timeout)
        except BaseException:
            proc.kill()  # our own child, by its Popen
            proc.wait()
            raise
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(argv, code, out.read(), err.read())


def exported_records(probe_out):
    """Return the records softflowd -r says it exported ("Flows exported: 6 (7 records)")."""
    m = re.search(r"Flows exported: \d+ \((\d+) records\)", probe_out)
    return int(m.group(1)) if m else None


def stored_flows(collector_log):
    """Return the flows nfcapd says it stored, summed over its sources ("Ident: 'x' Flows: 7")."""
    found = re.findall(r"Ident: '[^']*' Flows: (\d+)", collector_log)
    return sum(int(n) for n in found) if found else None


@dataclass
class Imported:
    """What an import stored: packets read, slices, records exported and stored, time span."""

    packets: int = 0
    slices: int = 0
    exported: int = 0
    stored: int = 0
    first: float = None  # epoch of the first and last slice's start
    last: float = None
    error: str = None  # why reading stopped early (a truncated or corrupt capture), else None
    counted: bool = True  # False when a tool's output lacked the counts (nothing compared)


def slices(capture, step):
    """Yield (slice start, header, start offset, end offset, packets) per step of capture time.

    Slices are aligned like nfcapd's rotation (epoch multiples of step); a packet earlier than
    its slice (captures are not always in time order) stays in the slice being read.
    """
    header = capture.header()
    began, head, at, current, count = capture.records_start(), header, None, None, 0
    for when, end in capture.records():
        b = int(when // step) * step
        if current is None:
            current = b
        elif b > current:
            yield current, head, began, at, count
            current, began, head, count = b, at, header, 0
        count += 1
        at, header = end, capture.header()  # the header as of this packet: a later slice's start
    if current is not None:
        yield current, head, began, at, count


def slice_name(start, step):
    """Return the closed-file name nfcapd would give the interval starting at start."""
    fmt = "%Y%m%d%H%M" if step % 60 == 0 else "%Y%m%d%H%M%S"
    return "nfcapd." + datetime.fromtimestamp(start, timezone.utc).strftime(fmt)


def _file_into(files, target, compression):
    """Move flow files to target, merged with what target already holds (nfdump writes the union)."""
    if not files:
        return
    if len(files) == 1 and not os.path.exists(target):
        os.rename(files[0], target)
        return
    # Several files (the stage nfcapd rotated on the wall clock mid-slice), or a slice of
    # another capture at the same minute: one file per interval is what ingest reads.
    merging = target + ".merging"
    os.makedirs(merging)
    try:
        for n, path in enumerate(files + ([target] if os.path.exists(target) else [])):
            os.rename(path, os.path.join(merging, f"nfcapd.{n:012d}"))
        nfdump.run(["-R", merging, "-w", merging + ".new", *COMPRESSION_FLAGS[compression]],
                   600)
        os.rename(merging + ".new", target)
    finally:
        shutil.rmtree(merging, ignore_errors=True)


def _closed(folder):
    """Return the closed flow files of folder, oldest first (the one catalogue of them)."""
    return [os.path.join(folder, n) for n in catalogue(folder).names()]


def import_capture(cfg, paths, capture, timeout=3600, progress=None):
    """Replay capture slice by slice (collector.rotate of capture time) into paths' store.

    Each slice runs through the configured probe (softflowd -r from a pipe) into a private
    nfcapd on a free loopback port; its file is named by the capture's time, as if the sensor
    had seen the traffic live. progress(bytes read, capture bytes, packets) is called as it goes.
    Return an Imported; a truncated or corrupt capture keeps what was read before the fault.
    """
    if not os.path.isfile(capture):
        raise ToolError(f"capture {capture} not found: give a pcap or pcapng file")
    cap = Capture(capture)  # not a capture at all: refused before anything is made
    step = cfg.collector.rotate
    port = free_port()
    # the stage nfcapd rotates hourly: a slice rarely spans two of its files
    col = dataclasses.replace(cfg.collector, listen=f"127.0.0.1:{port}", allowed_exporters=[],
                              rotate=3600)
    stage_cfg = dataclasses.replace(cfg, collector=col)
    stage_paths = Paths(os.path.join(paths.runtime, "stage"), paths.runtime)
    # slices wait in `ready` until the whole capture is read: a failure adds nothing to the store
    ready = os.path.join(stage_paths.data, "ready")
    shutil.rmtree(stage_paths.data, ignore_errors=True)  # left by an import that was killed
    for folder in (paths.flows, stage_paths.flows, ready):
        os.makedirs(folder, exist_ok=True)
    collector, env = nfcapd_command(stage_cfg, stage_paths)
    rmem = RaisedRmem(bytes_of(cfg.collector.receive_buffer))
    probe = probe_argv(stage_cfg, paths, "-")
    done = Imported()
    try:
        if os.geteuid() == 0:
            rmem.ensure()  # put back in finally: the sysctl is global (issue 15)
        for start, header, begin, end, count in slices(cap, step):
            def feed(pipe, header=header, begin=begin, end=end):
                pipe.write(header)
                for at in range(begin, end, FEED_BLOCK):
                    pipe.write(cap.chunk(at, min(end, at + FEED_BLOCK)))
                    if progress:
                        progress(min(end, at + FEED_BLOCK), cap.size, cap.packets)
            probe_out, col_log = run(probe, collector, stage_paths.nfcapd_pid, env, timeout, feed)
            exported, stored = exported_records(probe_out), stored_flows(col_log)
            if exported is None or stored is None:
                done.counted = False
            done.exported += exported or 0
            done.stored += stored or 0
            _file_into(_closed(stage_paths.flows), os.path.join(ready, slice_name(start, step)),
                       cfg.collector.compression)
            done.slices += 1
            done.first = start if done.first is None else min(done.first, start)
            done.last = start if done.last is None else max(done.last, start)
        done.packets, done.error = cap.packets, cap.error
        for path in _closed(ready):
            _file_into([path], os.path.join(paths.flows, os.path.basename(path)),
                       cfg.collector.compression)
    finally:
        rmem.restore()
        cap.close()
        shutil.rmtree(stage_paths.data, ignore_errors=True)
    if progress:
        progress(cap.offset, cap.size, cap.packets)
    return done


def check_loss(done):
    """Raise when the collector stored fewer records than softflowd exported."""
    if done.counted and done.stored < done.exported:
        raise ToolError(f"the collector stored {done.stored} of {done.exported} flow "
                        "records softflowd exported: raise collector.receive_buffer and run "
                        "the import as root so that net.core.rmem_max can follow")
