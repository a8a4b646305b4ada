"""Report the flow-file store's state: files, flows, disk use, oldest/newest file, last rotation."""

import logging
import os
import time
from datetime import datetime, timezone

from ..errors import ToolError
from ..query import files as flowfiles
from ..query import nfdump, records
from . import orphans
from .command import flow_dirs

log = logging.getLogger(__name__)

# nfdump -I reads only a file's header, but a process per file over months of files is minutes:
# keep each closed file's count (files never change once closed) and count new ones within a
# time budget per call, so the run loop is never held up for long.
_counts = {}
BUDGET_SECONDS = 1.0


def disk_bytes(directory):
    """Return the bytes on disk under directory (all files, subdirectories included)."""
    total = 0
    for root, _, names in os.walk(directory):
        for name in names:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except FileNotFoundError:
                continue  # expired or renamed while we walked
    return total


def parse_info(text):
    """Return the counters of nfdump -I output as a dict of ints."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep and value.strip().isdigit():
            out[key.strip().lower()] = int(value.strip())
    return out


def count_flows(flowdir, closed, budget=BUDGET_SECONDS):
    """Return the flows stored in the closed files, or None until every file has been counted."""
    known = _counts.setdefault(flowdir, {})
    names = {n for _, n in closed}
    for gone in set(known) - names:
        del known[gone]
    deadline = time.monotonic() + budget
    for _, name in reversed(closed):  # newest first: what the operator looks at
        if name in known:
            continue
        if time.monotonic() > deadline:
            return None
        try:
            info = parse_info(nfdump.run(["-I", "-r", os.path.join(flowdir, name)], 10))
        except ToolError as exc:
            log.warning("cannot count the flows of %s: %s", name, exc)
            info = {}
        known[name] = info.get("flows", 0)
    return sum(known.values())


def store_state(cfg, paths):
    """Return the store's state as a JSON-able dict (closed files, lost intervals; ISO UTC times)."""
    closed = flowfiles.closed_files(paths.flows)
    state = {"dir": paths.flows, "files": len(closed), "flows": count_flows(paths.flows, closed),
             "disk_bytes": disk_bytes(paths.flows) if os.path.isdir(paths.flows) else 0,
             "flows_pending": len(closed) - len(_counts.get(paths.flows, {})),
             "oldest_file": None, "newest_file": None, "oldest": None, "last_rotation": None,
             **orphans.lost_state(flow_dirs(cfg, paths), paths.nfcapd_pid)}
    if closed:
        state["oldest_file"] = closed[0][1]
        state["newest_file"] = closed[-1][1]
        state["oldest"] = records.iso(closed[0][0])  # start of the oldest interval kept
        # A file is closed by its rename at rotation: its mtime is the rotation time.
        try:
            mtime = os.stat(os.path.join(paths.flows, closed[-1][1])).st_mtime
            state["last_rotation"] = records.iso(
                datetime.fromtimestamp(mtime, timezone.utc))
        except FileNotFoundError:
            pass
    return state
