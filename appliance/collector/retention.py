"""Expire old flow files by age and size with nfexpire (measured usable in 1.7.1: docs/accuracy.md)."""

import logging
import os
import time

from ..config.checks import bytes_of, seconds_of
from ..query import nfdump
from ..query.files import catalogue, file_start
from . import orphans
from .command import flow_dirs

log = logging.getLogger(__name__)


def expire_args(directory, max_age, max_size):
    """Return nfexpire's argv for one flow directory (it knows only w/d/H/M ages and b/k/m/g sizes)."""
    minutes = max(1, seconds_of(max_age) // 60)
    return ["-e", directory, "-t", f"{minutes}M", "-s", f"{bytes_of(max_size)}b"]


def parse_expired(text):
    """Return (files, bytes) that nfexpire reports as expired (0, 0 when none)."""
    files = size = 0
    for line in text.splitlines():
        key, _, value = line.partition(":")
        first = value.split()
        if not first or not first[0].isdigit():
            continue
        if key.strip() == "Expired files":
            files = int(first[0])
        elif key.strip() == "Expired file size":
            size = int(first[0])
    return files, size


def young(names, cutoff):
    """Return the names of files that start after cutoff."""
    return [name for name in names if file_start(name).timestamp() > cutoff]


def expire(cfg, paths, timeout=300, now=None):
    """Delete the oldest closed files beyond [collector.retention]; return what went per directory."""
    ret = cfg.collector.retention
    now = time.time() if now is None else now
    done = {}
    for directory in flow_dirs(cfg, paths):
        if not os.path.isdir(directory):
            continue
        # nfexpire names time by the file names, never touches nfcapd.current.* or other files,
        # and does not descend into the exporters/ subdirectories: each gets its own pass.
        cat = catalogue(directory)
        before = cat.snapshot()
        out = nfdump.run_expire(expire_args(directory, ret.max_age, ret.max_size), timeout)
        files, size = parse_expired(out)
        # files deleted although younger than max_age went for max_size (the storage alert);
        # the margin covers a file's interval length and nfexpire's whole-minute age
        cutoff = now - seconds_of(ret.max_age) + cfg.collector.rotate + 120
        early = young(cat.gone_since(before), cutoff) if files else []
        if files:
            log.info("expired %s files (%s bytes, %s younger than max_age) from %s",
                     files, size, len(early), directory)
        # a killed nfcapd's current file marks a lost interval: keep it as long as the flow
        # files of its time would be kept, never while the running nfcapd owns it
        lost = orphans.remove([directory], paths.nfcapd_pid, now - seconds_of(ret.max_age))
        done[directory] = {"files": files, "bytes": size, "young_files": len(early),
                           "oldest_file": cat.name_at(0) if cat.count() else None,
                           "lost_intervals_removed": lost}
    return done
