"""The components `spanflow run` starts, in order: mirror -> collector -> probe -> workers."""

import logging
import os
import subprocess
import threading
import time

from .. import sources
from ..collector import buffer, command as collector_command, health as collector_health
from ..collector import retention, store
from ..config.checks import bytes_of
from ..detect import engine as detect_engine, exporters, storage
from ..fleet import export as fleet_export
from ..mirror import counters, helper
from ..probe import command as probe_command, control
from ..span import component as span
from ..trends.ingest import IngestWorker
from .child import Child, Periodic, spawn

log = logging.getLogger(__name__)

PROBE_STATS_EVERY = 5  # seconds between softflowctl statistics readings
STORE_STATE_EVERY = 10
RETENTION_EVERY = 300  # nfexpire walks the store: every few minutes is enough
HEALTH_EVERY = 5  # nfcapd's counts come once per rotation; its log summaries are due by the minute


class MirrorPort:
    """The mirror interface as a component: apply on start, restore on stop, counters in status."""

    def __init__(self, mirror, paths):
        self.mirror, self.paths = mirror, paths
        self.state, self.changed, self.counters = "stopped", [], {}

    def start(self):
        record = helper.call("apply", self.mirror, self.paths.mirror_state)
        self.changed, self.state = sorted(record["changes"]), "running"
        log.info("mirror %s ready (changed: %s)", self.mirror.interface,
                 ", ".join(self.changed) or "nothing")

    def stop(self):
        if self.state != "stopped" or os.path.exists(self.paths.mirror_state):
            restored = helper.call("restore", self.mirror, self.paths.mirror_state)
            log.info("mirror %s restored (%s)", self.mirror.interface,
                     ", ".join(restored) or "nothing")
        self.state = "stopped"

    def poll(self, now):
        try:
            self.counters = counters.read(self.mirror.interface)
        except Exception as exc:  # a vanished NIC shows in status; the children report the rest
            self.counters = {"error": str(exc)}

    def status(self):
        return {"state": self.state, "interface": self.mirror.interface,
                "changed": self.changed, **self.counters}


def _remove_stale(path):
    """Remove a pid file left by our own dead child, so the tool does not refuse to start."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _expire(cfg, paths, detector):
    # storage alerts when retention deletes data younger than max_age or the disk is nearly full
    return storage.retention_pass(cfg, paths, retention.expire, detector)


def collector(cfg, paths, clock=time.monotonic, detector=None):
    """Return nfcapd as a supervised child, with its store state, retention and health in status."""
    rmem = buffer.RaisedRmem(bytes_of(cfg.collector.receive_buffer))

    def prepare():
        for folder in collector_command.flow_dirs(cfg, paths):
            os.makedirs(folder, exist_ok=True)
        _remove_stale(paths.nfcapd_pid)
        rmem.ensure()

    output = collector_health.NfcapdLog()

    def start(argv, env):
        # nfcapd's stderr carries its per-interval counts and a line per bad datagram: read here
        proc = spawn(argv, env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                     errors="replace")
        threading.Thread(target=output.follow, args=(proc.stdout,), daemon=True,
                         name="nfcapd-output").start()
        return proc

    def health():
        for counts in output.jumps():  # through the detector: suppression, cooldown, counters
            if detector is not None:
                now = time.time()
                detector.raise_findings([collector_health.finding(counts)], now, now)
        return output.status()

    return Child("collector", lambda: collector_command.nfcapd_command(cfg, paths), clock=clock,
                 prepare=prepare, cleanup=rmem.restore, spawn=start, periodic=[
                     Periodic("store", STORE_STATE_EVERY, lambda: store.store_state(cfg, paths)),
                     Periodic("retention", RETENTION_EVERY,
                              lambda: _expire(cfg, paths, detector)),
                     Periodic("health", HEALTH_EVERY, health)])


def probe(cfg, paths, clock=time.monotonic):
    """Return softflowd on the mirror interface as a supervised child, with its statistics."""

    def prepare():
        _remove_stale(paths.softflowd_pid)

    stats = Periodic("statistics", PROBE_STATS_EVERY, lambda: control.statistics(paths))
    # softflowd -d installs no signal handler (softflowd.c: only a daemon catches SIGTERM and
    # SIGINT): a signal ends it with its table unexported, up to maxlife of every flow lost at
    # each stop. `softflowctl shutdown` exports every flow, then it exits; the collector, stopped
    # after it, stores them.
    return Child("probe", lambda: probe_command.softflowd_command(cfg, paths, cfg.mirror.interface),
                 clock=clock, prepare=prepare, periodic=[stats],
                 held=lambda: (stats.value or {}).get("active_flows"),
                 ask_to_stop=lambda: control.shutdown(paths))


def build(cfg, paths, clock=time.monotonic):
    """Return [(name, component)] in start order; add a worker with one line here."""
    workers = detect_engine.paired(IngestWorker(cfg, paths), cfg, paths)
    detector = dict(workers)["detect"]
    return [
        ("mirror", MirrorPort(cfg.mirror, paths)),
        ("collector", collector(cfg, paths, clock, detector)),
        ("probe", probe(cfg, paths, clock)),
        *workers,
        *[part for source in sources.configured(cfg, paths)
          for part in exporters.paired(cfg, paths, source)],
        *fleet_export.components(cfg, paths),
        *([("span", span.side_capture(cfg, paths, detector, clock))] if cfg.span.enabled else []),
    ]
