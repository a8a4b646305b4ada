"""Detector: runs every rule on each ingested interval and stores, dedups and sends alerts."""

import logging
import os
import time
from datetime import datetime, timezone

from ..errors import ConfigError
from ..query.reading import FileReading
from . import deliver, passes, rules, scan, trend
from .notify import Notifier
from .store import AlertStore
from .suppress import suppressed, unknown_rules
from .window import Windows

log = logging.getLogger(__name__)


def _utc(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc)


def alert_log(cfg):
    """Return the JSON-lines alert file: detect.alert_log, or <storage.dir>/alerts.jsonl."""
    return cfg.detect.alert_log or os.path.join(cfg.storage.dir, "alerts.jsonl")


def paired(ingest, cfg, paths):
    """Return [("ingest", ingest), ("detect", detector)] with the detector listening to ingest."""
    detector = Detector(cfg, paths)
    ingest.listeners.append(detector)
    return [("ingest", ingest), ("detect", detector)]


class Detector:
    """An ingest listener (on_interval) and a `spanflow run` component (start/stop/poll/status)."""

    def __init__(self, cfg, paths, clock=time.time):
        self.cfg, self.paths, self.clock = cfg, paths, clock
        self.settings = self.store = self.notifier = None
        self.counters = {"intervals": 0, "findings": 0, "alerts": 0, "deduplicated": 0,
                         "suppressed": 0, "errors": 0}
        self.last_error, self.last_interval, self.last_seconds = None, None, None
        self.windows = None

    def start(self):
        """Load the rules (failing on bad ones) and open the store."""
        if self.store is None:
            folder = self.cfg.detect.rules_dir
            if os.path.isdir(folder):
                self.settings = rules.load(folder)  # a bad rule file stops the start: exit 78
            else:  # a dev tree or a partly installed box: run on the documented defaults
                self.settings = rules.defaults()
                self.last_error = f"rules folder {folder} is missing: built-in defaults in use"
                log.warning("rules folder %s is missing: built-in defaults in use", folder)
            # the check config.validate makes, for a store `run` never validated (import)
            problem = unknown_rules(self.cfg.detect.suppress, rules.names(self.settings))
            if problem:  # a typo would silently suppress nothing
                raise ConfigError([problem])
            self.store = AlertStore(self.paths.database, clock=self.clock)
            self.windows = Windows(self.store.con)  # survives a restart: see window.py
            self.notifier = Notifier(alert_log(self.cfg), self.cfg.detect.syslog,
                                     deliver.couriers(self.cfg.detect))
            self.notifier.start()

    def stop(self):
        if self.notifier is not None:
            self.notifier.stop()
        if self.store is not None:
            self.store.close()
            self.store = self.windows = None

    def wants(self):
        """Return the unfiltered statistics detection reads, {spec: rows} (ingest runs them once)."""
        # before start() the rules are unknown: detection then asks the file itself
        return passes.wants(self.settings) if self.settings else {}

    def poll(self, now):
        """Do nothing: detection runs when ingest hands over an interval."""

    def on_interval(self, interval):
        """Detect on one closed flow file; store, dedup, suppress and send its alerts."""
        self.start()
        t0 = time.monotonic()
        start, end = interval.start.timestamp(), interval.end.timestamp()
        try:
            state = {"baseline": self.store.baseline(), "windows": self.windows,
                     "seconds": end - start}
            reading = interval.reading or FileReading(interval.path, common=self.wants())
            found, state = passes.findings(self.settings, reading, state, end)
            t = self.settings["trend"]
            graphed = getattr(interval, "graphed", ())
            if t["enabled"] and graphed:  # the steps this file's ingest wrote to the graphs
                g0, g1 = graphed[0] - (end - start), graphed[-1]
                found += trend.judge(t, trend.read(self.cfg, self.paths, t, _utc(g0), _utc(g1)),
                                     g0, g1)
            self.store.save_baseline(state["baseline"])
        except Exception as exc:  # one bad file must not stop detection of the next
            self.counters["errors"] += 1
            self.last_error = f"{os.path.basename(interval.path)}: {exc}"
            log.warning("detection failed on %s: %s", interval.path, exc)
            return []
        raised = self.raise_findings(found, start, end)
        self.counters["intervals"] += 1
        self.last_interval = os.path.basename(interval.path)
        self.last_seconds = round(time.monotonic() - t0, 3)
        return raised

    def raise_findings(self, found, start, end):
        """Suppress, dedup, store and send findings of the window [start, end]; return new alerts.

        An alert's times are its evidence flows' first and last seen where the rule judged flows
        (the file closed up to a rotation later); [start, end] otherwise (trend, storage).
        """
        self.start()
        raised = []
        for f in found:
            self.counters["findings"] += 1
            if suppressed(f, self.cfg.detect.suppress):
                self.counters["suppressed"] += 1
                continue
            first = start if f.first is None else f.first
            last = end if f.last is None else max(f.last, first)
            alert_id, new = self.store.record(f, first, last, self.cfg.detect.cooldown)
            if not new:
                self.counters["deduplicated"] += 1
                continue
            self.counters["alerts"] += 1
            alert = self.store.get(alert_id)
            self.notifier.send(alert)
            raised.append(alert)
            log.info("alert %s %s: %s", f.rule, f.key, f.summary)
        return raised

    def status(self):
        out = {"state": "running" if self.store is not None else "stopped", **self.counters,
               "last_interval": self.last_interval, "last_seconds": self.last_seconds,
               "last_error": self.last_error}
        if self.notifier:
            out.update(sent=self.notifier.sent, send_errors=self.notifier.errors)
            delivery = self.notifier.delivery()
            if delivery:
                out["delivery"] = delivery
        if self.store is not None:
            try:
                out["active"] = self.store.counts()["active"]
                # what the counting rules hold over their windows (kept across restarts)
                out["window_keys"] = {rule: self.windows.keys(rule) for rule in scan.JUDGES}
            except Exception as exc:  # status never breaks the snapshot
                out["active"] = None
                out["last_error"] = str(exc)
        return out
