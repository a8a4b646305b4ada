"""Report the flow-file store's state: files, flows, disk use, oldest/newest file, last rotation."""

import logging
import os
from datetime import datetime, timezone

from ..errors import ToolError
from ..query import files as flowfiles
from ..query import nfdump, records

log = logging.getLogger(__name__)

# nfdump -I reads only file headers, but over months of files it is still one pass over
# every file: count again only when the set of closed files changed (once per rotation).
_cache = {"key": None, "flows": None}


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


def count_flows(flowdir, closed, timeout=10):
    """Return the flows stored in the closed files, or None if nfdump cannot tell in time."""
    if not closed:
        return 0
    key = (flowdir, closed[0][1], closed[-1][1], len(closed))
    if _cache["key"] != key:
        rng = f"{os.path.join(flowdir, closed[0][1])}:{closed[-1][1]}"
        try:
            _cache["flows"] = parse_info(nfdump.run(["-I", "-R", rng], timeout)).get("flows")
        except ToolError as exc:
            log.warning("cannot count stored flows: %s", exc)
            _cache["flows"] = None
        _cache["key"] = key
    return _cache["flows"]


def store_state(cfg, paths):
    """Return the store's state as a JSON-able dict (closed files only, times in ISO UTC)."""
    closed = flowfiles.closed_files(paths.flows)
    state = {"dir": paths.flows, "files": len(closed), "flows": count_flows(paths.flows, closed),
             "disk_bytes": disk_bytes(paths.flows) if os.path.isdir(paths.flows) else 0,
             "oldest_file": None, "newest_file": None, "last_rotation": None}
    if closed:
        state["oldest_file"] = closed[0][1]
        state["newest_file"] = closed[-1][1]
        # A file is closed by its rename at rotation: its mtime is the rotation time.
        try:
            mtime = os.stat(os.path.join(paths.flows, closed[-1][1])).st_mtime
            state["last_rotation"] = records.iso(datetime.fromtimestamp(mtime, timezone.utc))
        except FileNotFoundError:
            pass
    return state
