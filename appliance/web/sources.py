"""Read the sensor's state for the page: snapshot, trends readers, flow queries (read-only)."""

import importlib
import logging
import threading

from ..errors import SpanflowError
from ..query import flows
from ..supervisor import snapshot

log = logging.getLogger(__name__)

METRICS = ("bits", "packets", "flows")
TOP_KINDS = ("talkers", "ports", "conversations")


class Unavailable(SpanflowError):
    """A data source the page needs is missing; the message says which and why."""

    exit_code = 1


class Busy(SpanflowError):
    """Too many flow searches run at once; the client should retry."""


def read_status(paths):
    """Return the status snapshot dict, or None when spanflow run has written none."""
    try:
        data = snapshot.read(paths.status)
    except (OSError, ValueError) as exc:
        log.warning("cannot read status snapshot %s: %s", paths.status, exc)
        return None
    return data if isinstance(data, dict) else None


def readers():
    """Return appliance.trends.readers, or raise Unavailable while it is not installed."""
    try:
        return importlib.import_module("appliance.trends.readers")
    except ImportError as exc:
        raise Unavailable(f"graphs are unavailable: the trends readers cannot load ({exc})") \
            from None


def groups(cfg):
    """Return the graphable series groups {group: [series]} from the trends readers."""
    return readers().groups(cfg)


def graph_png(cfg, paths, group, metric, start, end, width, height, tz):
    """Return a PNG graph of one group's metric from the RRD files."""
    return readers().graph_png(cfg, paths, group, metric, start, end, width, height, tz)


def series(cfg, paths, group, metric, start, end):
    """Return the numbers behind one graph."""
    return readers().series(cfg, paths, group, metric, start, end)


def top(cfg, paths, kind, start, end, n):
    """Return top rows (each with a search filter) for a window."""
    return readers().top(cfg, paths, kind, start, end, n)


def ingest_state(cfg, paths):
    """Return the ingest cursor and lag, or {} when the readers are missing."""
    try:
        return readers().ingest_state(cfg, paths)
    except Unavailable:
        return {}
    except (OSError, SpanflowError) as exc:
        log.warning("cannot read ingest state: %s", exc)
        return {}


class SearchGate:
    """Bound how many nfdump searches run at once; refuse the rest clearly."""

    def __init__(self, slots):
        self._sem = threading.BoundedSemaphore(slots)
        self.slots = slots

    def search(self, paths, text, since, until, limit, timeout):
        """Run flows.search within a free slot, or raise Busy."""
        if not self._sem.acquire(blocking=False):
            raise Busy(f"{self.slots} flow searches are already running: retry in a moment")
        try:
            return flows.search(paths, text, since, until, limit, timeout)
        finally:
            self._sem.release()
