"""IngestWorker: each closed nfcapd file once, in time order, into RRD series and top lists.

The graphs count each flow in the steps its packets were in (bins.py): a file's numbers go to
SQLite with the file, and a step is written to the RRD files once the next file is in.
"""

import logging
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..config.checks import seconds_of
from ..config.validate import filter_problems
from ..errors import ConfigError, SpanflowError
from ..query.files import file_start
from ..query.nfdump import NfdumpFailed
from ..query.reading import FileReading, wanted
from . import aggregate, bins, db, groups, queries, rrd
from .state import ingest_state, pending  # noqa: F401  (pending: read here by tests and tools)

log = logging.getLogger(__name__)

POLL_BUDGET = 5.0  # seconds of work per poll(), so a long catch-up does not stall the run loop
EXPIRE_EVERY = 3600


@dataclass(frozen=True)
class Interval:
    """One ingested flow file and the UTC time span it covers."""

    path: str
    start: datetime
    end: datetime
    # the file's nfdump answers, shared with the listeners (one read per file); None: read anew
    reading: FileReading = field(default=None, compare=False, repr=False)
    graphed: tuple = ()  # the step ends (epoch) this file's ingest wrote to the RRD files


def check_filters(cfg):
    """Raise ConfigError naming every service/channel filter nfdump refuses (else each file fails)."""
    problems = filter_problems(cfg)  # the check of config.validate, for a store `run` never saw
    if problems:
        raise ConfigError(problems)


class IngestWorker:
    """A `spanflow run` component: start(), stop(), poll(now), status()."""

    def __init__(self, cfg, paths, listeners=(), clock=time.time):
        self.cfg, self.paths, self.listeners, self.clock = cfg, paths, list(listeners), clock
        self.con, self.state, self.last_error, self.errors = None, "stopped", "", 0
        self.next_expire, self.plan = 0, groups.plan(cfg)

    def start(self):
        """Check the filters, open the database, check (or create/migrate) every RRD file."""
        check_filters(self.cfg)
        self.con = db.connect(self.paths.database)
        step, first = self.cfg.collector.rotate, int(self.clock()) - 10 * 365 * 86400
        for group, names in self.plan.items():
            rrd.ensure(groups.rrd_path(self.paths, group), group, names, step, first)
        self.state = "running"

    def stop(self):
        if self.con is not None:
            self.con.close()
        self.con, self.state = None, "stopped"

    def poll(self, now):
        """Ingest pending files until none is left or the time budget is spent."""
        if self.con is None:
            return
        now = self.clock()  # the run loop passes monotonic time; storage needs wall-clock UTC
        began = time.monotonic()
        for name in pending(self.paths.flows, db.cursor(self.con)):
            try:
                self._one(name, now)
            except SpanflowError as exc:  # nfdump missing or timing out: retry on the next poll
                self._error(f"{name}: {exc}")
                break
            except Exception as exc:  # a bug of ours: counted and shown (ingest lag), retried
                log.debug("ingesting %s failed", name, exc_info=True)
                self._error(f"{name}: internal error {type(exc).__name__}: {exc}")
                break
            if time.monotonic() - began > POLL_BUDGET:
                break
        if now >= self.next_expire:
            self.next_expire = now + EXPIRE_EVERY
            db.expire(self.con, now - seconds_of(self.cfg.ingest.top_retention))

    def _one(self, name, now):
        path = os.path.join(self.paths.flows, name)
        start = file_start(name)
        step = self.cfg.collector.rotate
        end = start + timedelta(seconds=step)
        when = int(end.timestamp())
        reading = FileReading(path, common=self.wants())
        place = bins.Placer(when, step, self._first_open(), self._reach())
        try:
            reading.verify()
            numbers = queries.analyse(reading, self.cfg.ingest.services, self.cfg.ingest.channels,
                                      self.cfg.ingest.top_n, place)
        except NfdumpFailed as exc:
            self._quarantine(name, start, end, now, exc.reason)
            self._write(when - bins.HOLD * step)  # a later file, if unreadable: time went on
            return
        # the file's own step is known even when none of its flows was in it: zeros, not unknown
        steps = dict(numbers.steps)
        steps.setdefault(when, queries.FileNumbers(aggregate.Breakdown()))
        graph = [(group, at, groups.values(part, names, group))
                 for at, part in steps.items() for group, names in self.plan.items()]
        db.record_file(self.con, name, start.timestamp(), when, now, "done",
                       numbers.protocols.total, top=numbers.top, bins=graph)
        db.bump(self.con, "files_done")
        for counter, n in (("graph_late", place.late), ("graph_file_time", place.moved)):
            if n:
                db.bump(self.con, counter, n)
        graphed = self._write(when - bins.HOLD * step)
        self._tell(Interval(path, start, end, reading, graphed))

    def _reach(self):
        """Seconds before its file's start a record's first packet can lie (see bins.py)."""
        t = self.cfg.probe.timeouts
        return t.maxlife + t.expint + self.cfg.collector.rotate  # a rotation's slack: nfcapd

    def _first_open(self):
        """Return the earliest step not yet written to the graphs."""
        return rrd.last(groups.rrd_path(self.paths, groups.TOTAL)) + self.cfg.collector.rotate

    def _write(self, until):
        """Write the open steps up to `until` to the RRD files; return the step ends written."""
        step, written = self.cfg.collector.rotate, set()
        due = db.open_bins(self.con, until)
        for group, names in self.plan.items():
            target = groups.rrd_path(self.paths, group)
            last = rrd.last(target)
            for at, values in sorted(due.get(group, {}).items()):
                # a step at or before the file's last update is in it already (a crash between
                # the RRD write and forgetting the step): skipping never counts it twice
                if at <= last:
                    db.bump(self.con, "rrd_skipped")
                    continue
                values = {ds: values.get(ds, 0) for ds in rrd.ds_names(names)}
                if last < at - step:  # after a gap: zeros at the step's start make it count fully
                    rrd.update(target, at - step, dict.fromkeys(values, 0))
                rrd.update(target, at, values)
                last = at
                written.add(at)
        db.drop_bins(self.con, until)
        return tuple(sorted(written))

    def flush(self):
        """Write every open step (the end of an import: no later file can add to them)."""
        newest = db.newest_open(self.con) if self.con is not None else None
        if newest is not None:
            self._write(newest)

    def wants(self):
        """Return the unfiltered statistics of ingest and every listener: one nfdump run per file."""
        asks = [queries.wants(self.cfg.ingest.top_n)]
        asks += [listener.wants() for listener in self.listeners if hasattr(listener, "wants")]
        return wanted(*asks)

    def _quarantine(self, name, start, end, now, reason):
        log.warning("quarantining unreadable flow file %s: %s", name, reason)
        os.makedirs(self.paths.quarantine, exist_ok=True)
        # count first, move after: on a full disk the SQLite write fails and the file stays
        # pending, so every file in quarantine is counted (a rename needs no free space)
        db.record_file(self.con, name, start.timestamp(), end.timestamp(), now, "quarantined",
                       error=reason)
        db.bump(self.con, "quarantined", text=f"{name}: {reason}")
        shutil.move(os.path.join(self.paths.flows, name), os.path.join(self.paths.quarantine, name))

    def _tell(self, interval):
        for listener in self.listeners:
            try:
                listener.on_interval(interval)
            except Exception as exc:  # a broken listener must not stop ingest; it is counted
                self._error(f"listener {type(listener).__name__}: {exc}")

    def _error(self, text):
        # a failure that repeats every poll is logged once, and counted every time
        (log.debug if text == self.last_error else log.warning)("ingest error: %s", text)
        self.errors += 1
        self.last_error = text
        db.bump(self.con, "errors", text=text)

    def status(self):
        """Return the ingest state for the status snapshot."""
        if self.con is None:
            return {"state": self.state}
        try:
            return {"state": self.state, **ingest_state(self.cfg, self.paths, con=self.con,
                                                        now=self.clock())}
        except Exception as exc:  # the snapshot must always be written; show why it is short
            return {"state": self.state, "error": f"cannot read ingest state: {exc}"}
