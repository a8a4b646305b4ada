"""Read the sensor's state for the page: snapshot, trends readers, flow queries (read-only)."""

import collections
import logging
import os
import sqlite3
import threading
import time

from flask import current_app, has_app_context

from ..detect.store import AlertStore
from ..errors import SpanflowError
from .. import sources as flow_sources
from ..query import flows
from ..supervisor import snapshot
from ..trends import groups as trend_groups, readers as trends_readers

log = logging.getLogger(__name__)

METRICS = ("bits", "packets", "flows")
TOP_KINDS = trends_readers.KINDS  # hosts (talkers), ports, conversations
UnknownSeries = trends_readers.UnknownSeries


class Unavailable(SpanflowError):
    """A data source the page needs is missing; the message says which and why."""

    exit_code = 1


class Busy(SpanflowError):
    """Too many flow searches run at once; the client should retry."""


class Memo:
    """Remember answers until the files they were read from change (bounded, thread-safe).

    Under 50 connections every dashboard request re-read the snapshot, SQLite and an RRD file:
    p99 was 5.75x bare waitress (issue 14). The key carries the files' change stamps, so an
    answer is never older than its files.
    """

    def __init__(self, size=256):
        self.size, self._data, self._lock = size, collections.OrderedDict(), threading.Lock()

    def get(self, key, fn):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = fn()  # outside the lock: two racing requests may both read, never wait
        with self._lock:
            self._data[key] = value
            while len(self._data) > self.size:
                self._data.popitem(last=False)
        return value


def stamp(*files):
    """Return the change stamps (mtime, size, inode) of files; None for a missing one."""
    out = []
    for path in files:
        try:
            st = os.stat(path)
            out.append((st.st_mtime_ns, st.st_size, st.st_ino))
        except OSError:
            out.append(None)
    return tuple(out)


def memo():
    """Return this app's Memo (one per app; none outside a request: no caching)."""
    if not has_app_context():
        return None
    return current_app.extensions.setdefault("spanflow_memo", Memo())


def _remembered(key, files, fn):
    m = memo()
    return fn() if m is None else m.get((key, stamp(*files)), fn)


def read_status(paths):
    """Return the status snapshot dict, or None when spanflow run has written none."""
    return _remembered("status", [paths.status], lambda: _read_status(paths))


def _read_status(paths):
    try:
        data = snapshot.read(paths.status)
    except (OSError, ValueError) as exc:
        log.warning("cannot read status snapshot %s: %s", paths.status, exc)
        return None
    return data if isinstance(data, dict) else None


def readers():
    """Return the trends readers (a function so that tests can stand in for them)."""
    return trends_readers


def _data(call, *args):
    """Call a trends reader; a missing RRD or database becomes Unavailable with its reason."""
    try:
        return call(*args)
    except UnknownSeries:
        raise
    except SpanflowError as exc:
        raise Unavailable(str(exc)) from None
    except sqlite3.OperationalError as exc:
        # the storage alert may create the database (alert_* tables) before ingest's first file
        if "no such table" not in str(exc):
            raise
        raise Unavailable(f"no trend data yet ({exc}): is `spanflow run` ingesting?") from None


def groups(cfg):
    """Return the graphable series groups {group: [series]} from the trends readers."""
    return readers().groups(cfg)


def graph_png(cfg, paths, group, metric, start, end, width, height, tz, markers=()):
    """Return a PNG graph of one group's metric from the RRD files, with alert markers."""
    return _data(readers().graph_png, cfg, paths, group, metric, start, end, width, height, tz,
                 markers)


def alert_markers(paths, start, end):
    """Return the alerts overlapping [start, end] as graph markers; [] when none can be read."""
    return _remembered(("markers", int(start.timestamp()) // 60, int(end.timestamp()) // 60),
                       [paths.database, paths.database + "-wal"],
                       lambda: _alert_markers(paths, start, end))


def _alert_markers(paths, start, end):
    if not os.path.exists(paths.database):
        return []
    try:
        store = AlertStore(paths.database, readonly=True)
        try:
            return store.markers(start.timestamp(), end.timestamp())
        finally:
            store.close()
    except (OSError, sqlite3.Error) as exc:
        # a graph without its markers beats no graph: the alerts page shows the store's error
        log.warning("cannot read alert markers from %s: %s", paths.database, exc)
        return []


def series(cfg, paths, group, metric, start, end):
    """Return the numbers behind one graph (remembered while its RRD file is unchanged)."""
    return _remembered(("series", group, metric, start, end),
                       [trend_groups.rrd_path(paths, group)],
                       lambda: _data(readers().series, cfg, paths, group, metric, start, end))


def top(cfg, paths, kind, start, end, n):
    """Return top rows (each with a search filter) for a window."""
    return _data(readers().top, cfg, paths, kind, start, end, n)


def ingest_state(cfg, paths):
    """Return the ingest cursor and lag, or {} when they cannot be read."""
    # lag_seconds is computed at read time: remembered per second at most
    return _remembered(("ingest", int(time.time())),
                       [paths.database, paths.database + "-wal", paths.flows],
                       lambda: _ingest_state(cfg, paths))


def _ingest_state(cfg, paths):
    try:
        return readers().ingest_state(cfg, paths)
    except (OSError, sqlite3.Error, SpanflowError) as exc:
        log.warning("cannot read ingest state: %s", exc)
        return {}


class SearchGate:
    """Bound how many nfdump searches run at once; refuse the rest clearly."""

    def __init__(self, slots):
        self._sem = threading.BoundedSemaphore(slots)
        self.slots = slots

    def search(self, paths, text, since, until, limit, timeout, exporter=None):
        """Run flows.search within a free slot, or raise Busy."""
        if not self._sem.acquire(blocking=False):
            raise Busy(f"{self.slots} flow searches are already running: retry in a moment")
        try:
            return flows.search(paths, text, since, until, limit, timeout, exporter)
        finally:
            self._sem.release()


def exporters(paths):
    """Return the names of the flow sources with a folder here (probe first)."""
    return [s.name for s in flow_sources.on_disk(paths)]


def has_data(rows):
    """Tell whether a series() answer holds at least one known value."""
    return any(v is not None for row in rows.get("rows", []) for v in row[1:])
