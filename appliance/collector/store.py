"""Report the flow-file store's state: files, flows, disk use, oldest/newest file, last rotation."""

import logging
import os
import time
from datetime import datetime, timezone

from .. import statefile
from ..errors import ToolError
from ..query import files as flowfiles
from ..query import nfdump, records
from . import orphans
from .command import flow_dirs

log = logging.getLogger(__name__)

# nfdump -I reads only file headers, and one process counts a run of files (-R first:last): about
# 75 us a file plus about 0.2 s to scan a 90-day directory, against a process per file before (a
# month of files took 135 s). Runs of at most CHUNK files are kept, so the oldest file's expiry
# costs one recount of at most CHUNK files (about 0.5 s, at most once per retention pass).
CHUNK = 4000
BUDGET_SECONDS = 1.0


def parse_info(text):
    """Return the counters of nfdump -I output as a dict of ints."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip().isdigit():
            out[key.strip().lower()] = int(value.strip())
    return out


def count_run(flowdir, first, last, timeout=30):
    """Return the flows stored in the closed files first..last of flowdir (one nfdump -I).

    None when nfdump failed: the run stays uncounted and is tried again, never kept as 0.
    """
    where = ["-r", os.path.join(flowdir, first)] if first == last else \
        ["-R", f"{os.path.join(flowdir, first)}:{last}"]
    try:
        return parse_info(nfdump.run(["-I", *where], timeout)).get("flows", 0)
    except ToolError as exc:
        log.warning("cannot count the flows of %s..%s: %s", first, last, exc)
        return None


class FlowCount:
    """The flows of a catalogue's closed files, counted in runs and kept while they are intact.

    The runs are kept in cache_path too (a few hundred lines over 90 days): a restart counts
    nothing again, where the first count of a 90-day store takes minutes of nfdump.
    """

    def __init__(self, cat, count=count_run, cache_path=None):
        self.cat, self.count, self.cache_path = cat, count, cache_path
        self.runs = self._load()  # [first, last, files, flows], oldest first
        self.version, self.total, self.pending = None, None, 0

    def _load(self):
        try:
            data = statefile.read(self.cache_path) if self.cache_path else None
        except (OSError, ValueError) as exc:
            log.warning("cannot read the flow counts %s (counting again): %s", self.cache_path, exc)
            return []
        if not isinstance(data, dict) or data.get("dir") != self.cat.flowdir:
            return []
        return [r for r in data.get("runs", []) if isinstance(r, list) and len(r) == 4]

    def _save(self):
        if not self.cache_path:
            return
        try:
            statefile.write(self.cache_path, {"dir": self.cat.flowdir, "runs": self.runs})
        except OSError as exc:  # a full disk must not stop the status: counted again next time
            log.warning("cannot keep the flow counts in %s: %s", self.cache_path, exc)

    def flows(self, budget=BUDGET_SECONDS):
        """Return the total flows, or None while some files are not counted yet."""
        cat = self.cat.refresh()
        if self.version == cat.version:
            return self.total
        runs = [r for r in self.runs if _intact(cat, r)]
        deadline = time.monotonic() + budget
        gaps = _gaps(cat, runs)
        failed = False
        for i, j in reversed(gaps):  # newest first: what the operator looks at
            while j > i and not failed and time.monotonic() <= deadline:
                k = max(i, j - CHUNK)
                first, last = cat.name_at(k), cat.name_at(j - 1)
                flows = self.count(cat.flowdir, first, last)
                failed = flows is None  # left uncounted: the total stays unknown, not short
                if not failed:
                    runs.append([first, last, j - k, flows])
                j = k
        runs = _merged(cat, sorted(runs))
        if runs != self.runs:
            self.runs = runs
            self._save()
        self.pending = sum(j - i for i, j in _gaps(cat, self.runs))
        done = self.pending == 0
        self.version = self.cat.version if done else None
        self.total = sum(r[3] for r in self.runs) if done else None
        return self.total


def _intact(cat, run):
    """A run still counts while its first and last files and everything between are there."""
    i, j = cat.index(run[0]), cat.index(run[1])
    return i is not None and j is not None and j - i + 1 == run[2]


def _gaps(cat, runs):
    """Return [(i, j)] index ranges of the closed files no run covers (runs sorted and intact)."""
    gaps, pos, count = [], 0, cat.count()
    for first, last, _, _ in runs:
        i = cat.index(first)
        if i > pos:
            gaps.append((pos, i))
        pos = cat.index(last) + 1
    if pos < count:
        gaps.append((pos, count))
    return gaps


def _merged(cat, runs):
    """Join neighbouring runs while the joined run stays within CHUNK files."""
    out = []
    for run in runs:
        prev = out[-1] if out else None
        if prev and prev[2] + run[2] <= CHUNK and cat.index(prev[1]) + 1 == cat.index(run[0]):
            out[-1] = [prev[0], run[1], prev[2] + run[2], prev[3] + run[3]]
        else:
            out.append(list(run))
    return out


_counters = {}


def flow_count(flowdir, cache_path=None):
    """Return this process's FlowCount of flowdir."""
    cat = flowfiles.catalogue(flowdir)
    if cat.flowdir not in _counters:
        _counters[cat.flowdir] = FlowCount(cat, cache_path=cache_path)
    return _counters[cat.flowdir]


def disk_bytes(directories):
    """Return the bytes on disk of the flow directories' closed and current files."""
    total = 0
    for directory in directories:
        cat = flowfiles.catalogue(directory)
        total += cat.disk_bytes()
        for name in cat.current():
            try:
                total += os.lstat(os.path.join(directory, name)).st_blocks * 512
            except FileNotFoundError:
                continue  # renamed at rotation while we looked: counted next time
    return total


def store_state(cfg, paths):
    """Return the store's state as a JSON-able dict (closed files, lost intervals; ISO UTC times)."""
    dirs = flow_dirs(cfg, paths)
    cat = flowfiles.catalogue(paths.flows).refresh()
    counter = flow_count(paths.flows, paths.flow_counts)
    count = cat.count()
    state = {"dir": paths.flows, "files": count, "flows": counter.flows(),
             "disk_bytes": disk_bytes(dirs), "flows_pending": counter.pending,
             "oldest_file": None, "newest_file": None, "oldest": None, "last_rotation": None,
             **orphans.lost_state(dirs, paths.nfcapd_pid)}
    if count:
        state["oldest_file"] = cat.name_at(0)
        state["newest_file"] = cat.name_at(-1)
        state["oldest"] = records.iso(flowfiles.file_start(cat.name_at(0)))  # oldest interval
        # A file is closed by its rename at rotation: its mtime is the rotation time.
        try:
            mtime = os.stat(os.path.join(paths.flows, cat.name_at(-1))).st_mtime
            state["last_rotation"] = records.iso(
                datetime.fromtimestamp(mtime, timezone.utc))
        except FileNotFoundError:
            pass
    return state
