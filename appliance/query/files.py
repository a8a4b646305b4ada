"""The closed flow files of a store (nfcapd.YYYYMMDDhhmm[ss]; never nfcapd.current.*).

One catalogue per flow directory and process, kept incrementally: the directory is listed again
only when its mtime moved (nfcapd renames at each rotation, nfexpire deletes), and only new files
are stat'ed. Over a 90-day store (129,600 files) listing it takes about 40 ms, and status, ingest,
retention and search each listed it again on every call (issue 15).
"""

import bisect
import operator
import os
import re
import threading
import time
from array import array
from itertools import chain, repeat
from datetime import datetime, timezone

CLOSED = re.compile(r"^nfcapd\.(\d{12}(?:\d{2})?)$")
CURRENT = re.compile(r"^nfcapd\.current\.(\d+)$")
# The same over a whole listing joined by NUL (no file name holds one): the loops over 129,600
# names then run in C, 0.16 s a listing on the loaded 2-core box against 0.8 s name by name.
_MINUTES = re.compile(r"(?:^|\0)nfcapd\.(\d{12})(?=\0|$)")
_SECONDS = re.compile(r"(?:^|\0)nfcapd\.(\d{14})(?=\0|$)")
_CURRENTS = re.compile(r"(?:^|\0)(nfcapd\.current\.\d+)(?=\0|$)")
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


def _key(name):
    """Return a closed file name as a sortable int (its digits, x2, +1 for seconds), else None."""
    if len(name) not in (19, 21) or not name.startswith("nfcapd.") or not name[7:].isdigit():
        return None
    # 12-digit names sort before the 14-digit ones of their minute, as strings do
    return int(name[7:]) * 200 if len(name) == 19 else int(name[7:]) * 2 + 1


def _keys_of(text):
    """Return the sorted keys (_key) of the closed file names in a NUL-joined listing."""
    minutes = map(operator.mul, map(int, _MINUTES.findall(text)), repeat(200))
    seconds = map(operator.add, map(operator.mul, map(int, _SECONDS.findall(text)), repeat(2)),
                  repeat(1))
    return array("q", sorted(chain(minutes, seconds)))


def _name(key):
    value, seconds = divmod(key, 2)
    return f"nfcapd.{value:014d}" if seconds else f"nfcapd.{value // 100:012d}"


class Catalogue:
    """The closed files of one flow directory, their sizes, and the directory's current files.

    Names are kept as sorted ints in arrays (16 bytes a file, where strings in a dict took about
    150: 20 MB over a 90-day store); names are made on demand, mostly for the newest few.
    """

    def __init__(self, flowdir, clock=time.time):
        self.flowdir, self.clock = flowdir, clock
        self.version = 0  # bumped whenever the set of closed files changed
        self._keys, self._sizes, self._bytes, self._current = array("q"), array("q"), 0, []
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
                text = "\0".join(os.listdir(self.flowdir)) if mtime is not None else ""
            except FileNotFoundError:
                text = ""
            self._update(_keys_of(text))
            self._current = sorted(_CURRENTS.findall(text))
            settled = mtime is not None and self.clock() - mtime / 1e9 > SETTLE_SECONDS
            self._mtime = mtime if settled else None
        return self

    def _update(self, keys):
        old, sizes = self._keys, self._sizes
        if keys == old:
            return
        # the usual change: rotation added the newest, retention removed the oldest
        gone = bisect.bisect_left(old, keys[0]) if keys else len(old)
        kept = len(old) - gone
        if old[gone:] == keys[:kept]:
            new_sizes = sizes[gone:]
            start = kept
        else:  # anything else (rare): the sizes of the files still there, by key
            known = dict(zip(old, sizes))
            new_sizes = array("q", (known.get(k, -1) for k in keys))
            start = len(keys)
            for i, size in enumerate(new_sizes):
                if size < 0:
                    new_sizes[i] = self._size(keys[i])
        for key in keys[start:]:  # a closed file never changes: its size is read once
            new_sizes.append(self._size(key))
        self._keys, self._sizes, self._bytes = keys, new_sizes, sum(new_sizes)
        self.version += 1

    def _size(self, key):
        try:
            return os.lstat(os.path.join(self.flowdir, _name(key))).st_blocks * 512
        except FileNotFoundError:
            return 0  # expired while we looked: gone at the next listing

    # count, name_at and index read the catalogue as the last refresh() left it, so that a
    # caller walking it by position sees one listing throughout
    def count(self):
        """Return how many closed files there are."""
        return len(self._keys)

    def name_at(self, i):
        """Return the name of the i-th closed file, oldest first (negative i from the newest)."""
        return _name(self._keys[i])

    def index(self, name):
        """Return the position of a closed file name, or None when it is not (or no longer) here."""
        key, keys = _key(name), self._keys
        i = bisect.bisect_left(keys, key) if key is not None else len(keys)
        return i if i < len(keys) and keys[i] == key else None

    def names(self):
        """Return every closed file name, oldest first (names sort in time order)."""
        return [_name(k) for k in self.refresh()._keys]

    def after(self, name):
        """Return the closed file names newer than name, oldest first."""
        keys = self.refresh()._keys
        key = _key(name) if name else -1
        if key is None:  # not a file name: compare as strings do
            return [n for n in map(_name, keys) if n > name]
        return [_name(k) for k in keys[bisect.bisect_right(keys, key):]]

    def files(self, since=None):
        """Return [(start, name)] of the closed files that may hold flows ending at or after since."""
        keys, first = self.refresh()._keys, 0
        if since is not None:
            since = since.astimezone(timezone.utc)
            key = _key(f"nfcapd.{max(since.year, 1000):04d}{since:%m%d%H%M%S}")
            # the last file starting at or before since may still hold flows ending after it
            first = max(0, bisect.bisect_right(keys, key) - 1)
        found = ((file_start(n), n) for n in map(_name, keys[first:]))
        return [(start, n) for start, n in found if start is not None]

    def snapshot(self):
        """Return the closed files as they are now, to ask later what went (gone_since)."""
        return self.refresh()._keys  # never changed in place: a later refresh makes a new one

    def gone_since(self, snapshot):
        """Return the names in snapshot that are no longer here, oldest first."""
        keys = self.refresh()._keys
        cut = bisect.bisect_left(snapshot, keys[0]) if keys else len(snapshot)
        if snapshot[cut:] == keys[:len(snapshot) - cut]:  # the usual: the oldest went
            return [_name(k) for k in snapshot[:cut]]
        here = set(keys)
        return [_name(k) for k in snapshot if k not in here]

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
