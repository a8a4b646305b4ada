"""The closed flow files of a store (nfcapd.YYYYMMDDhhmm[ss]; never nfcapd.current.*).

One catalogue per flow directory and process, kept incrementally: the directory is listed again
only when its mtime moved (nfcapd renames at each rotation, nfexpire deletes), and only new files
are stat'ed. Over a 90-day store (129,600 files) listing it takes about 40 ms, and status, ingest,
retention and search each listed it again on every call (issue 15).
"""

import bisect
import os
import re
import threading
import time
from datetime import datetime, timezone

CLOSED = re.compile(r"^nfcapd\.(\d{12}(?:\d{2})?)$")
CURRENT = re.compile(r"^nfcapd\.current\.(\d+)$")
# A change within the same timestamp tick as our listing leaves the mtime as it was: a listing
# made while the directory's mtime is this recent is not trusted the next time.
SETTLE_SECONDS = 0.5


def file_start(name):
    """Return the UTC start of a closed file's interval, or None for any other name."""
    m = CLOSED.match(name)
    if not m:
        return None
    d = m.group(1)
    try:  # by hand: strptime is ten times slower, and a 90-day store has 129,600 names
        return datetime(int(d[0:4]), int(d[4:6]), int(d[6:8]), int(d[8:10]), int(d[10:12]),
                        int(d[12:14] or 0), tzinfo=timezone.utc)
    except ValueError:  # twelve digits that are no date (month 13): not one of nfcapd's names
        return None


class Catalogue:
    """The closed files of one flow directory, their sizes, and the directory's current files."""

    def __init__(self, flowdir, clock=time.time):
        self.flowdir, self.clock = flowdir, clock
        self.version = 0  # bumped whenever the set of closed files changed
        # name -> bytes on disk; the dict is also the set of names (about 150 bytes a file)
        self._blocks, self._names, self._current, self._bytes = {}, [], [], 0
        self._mtime, self._lock = None, threading.Lock()

    def refresh(self):
        """Bring the catalogue up to date; a stat of the directory when nothing changed."""
        with self._lock:
            try:
                mtime = os.stat(self.flowdir).st_mtime_ns
            except FileNotFoundError:
                mtime = None
            if mtime is not None and mtime == self._mtime:
                return self
            try:
                listed = set(os.listdir(self.flowdir)) if mtime is not None else set()
            except FileNotFoundError:
                listed = set()
            self._update(listed)
            settled = mtime is not None and self.clock() - mtime / 1e9 > SETTLE_SECONDS
            self._mtime = mtime if settled else None
        return self

    def _update(self, listed):
        # set differences, never a scan of every name: only new and gone files are looked at
        gone = self._blocks.keys() - listed
        others = listed - self._blocks.keys()
        for name in gone:
            self._bytes -= self._blocks.pop(name)
        added = []
        for name in sorted(n for n in others if CLOSED.match(n)):
            try:  # a closed file never changes: its size is read once
                size = os.lstat(os.path.join(self.flowdir, name)).st_blocks * 512
            except FileNotFoundError:
                continue  # expired while we looked
            self._blocks[name] = size
            self._bytes += size
            added.append(name)
        if gone or added:
            names = self._names
            if gone and all(n in gone for n in names[:len(gone)]):
                names = names[len(gone):]  # retention removes the oldest files
            elif gone:
                names = [n for n in names if n not in gone]
            # rotation adds the newest; lists are replaced, never changed, so callers may keep them
            names = names + added if not names or not added or added[0] > names[-1] \
                else sorted(names + added)
            self._names = names
            self.version += 1
        self._current = sorted(n for n in others if CURRENT.match(n))

    def names(self):
        """Return the closed file names, oldest first (names sort in time order)."""
        return self.refresh()._names

    def files(self, since=None):
        """Return [(start, name)] of the closed files that may hold flows ending at or after since."""
        names = self.names()
        if since is not None:
            # names sort in time order, and a 12-digit name sorts before the 14-digit ones of
            # its minute: a name at or before this key starts at or before since
            since = since.astimezone(timezone.utc)
            key = f"nfcapd.{max(since.year, 1000):04d}{since:%m%d%H%M%S}"
            # the last file starting at or before since may still hold flows ending after it
            names = names[max(0, bisect.bisect_right(names, key) - 1):]
        return [(s, n) for s, n in ((file_start(n), n) for n in names) if s is not None]

    def after(self, name):
        """Return the closed file names newer than name, oldest first."""
        names = self.names()
        return names[bisect.bisect_right(names, name):]

    def disk_bytes(self):
        """Return the bytes on disk of the closed files."""
        return self.refresh()._bytes

    def current(self):
        """Return the names of nfcapd.current.PID files (the running nfcapd's and orphans)."""
        return list(self.refresh()._current)


_catalogues = {}
_registry_lock = threading.Lock()


def catalogue(flowdir):
    """Return this process's catalogue of flowdir (one per directory, shared by every reader)."""
    key = os.path.abspath(flowdir)
    with _registry_lock:
        if key not in _catalogues:
            _catalogues[key] = Catalogue(key)
        return _catalogues[key]


def closed_files(flowdir, since=None):
    """Return [(start, name)] of the closed files in flowdir, oldest first (see Catalogue.files)."""
    return catalogue(flowdir).files(since)
