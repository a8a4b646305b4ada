"""Find and expire the current files that killed nfcapd processes left behind (lost intervals).

nfcapd keeps a whole interval in memory and writes it at rotation: when it is killed, its
`nfcapd.current.PID` stays as a 40-byte header and the interval's flows are lost
(docs/reliability.md). nfexpire never removes these files, so we count and expire them here.
"""

import logging
import os
from datetime import datetime, timezone

from ..query import files as flowfiles
from ..query.files import CURRENT

log = logging.getLogger(__name__)

SHOWN = 10  # newest lost intervals named in the status; the count covers them all


def live_pid(pidfile, proc="/proc"):
    """Return the pid of the running nfcapd from its pid file, or None when none runs."""
    try:
        with open(pidfile) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError):
        return None
    # nfcapd leaves its pid file behind when killed: a dead pid owns nothing
    return pid if os.path.exists(os.path.join(proc, str(pid))) else None


def orphaned(directory, live):
    """Return [(mtime, name)] of current files not owned by pid `live`, oldest first."""
    out = []
    for name in flowfiles.catalogue(directory).current():
        m = CURRENT.match(name)
        if int(m.group(1)) == live:
            continue
        try:
            out.append((os.stat(os.path.join(directory, name)).st_mtime, name))
        except FileNotFoundError:
            continue  # renamed at rotation while we looked: it was not orphaned
    return sorted(out)


def _iso(epoch):
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def lost_state(directories, pidfile):
    """Return {"lost_intervals": n, "lost_files": [{"name", "dir", "time"}]} (newest first)."""
    live = live_pid(pidfile)
    found = [(t, d, n) for d in directories for t, n in orphaned(d, live)]
    found.sort(reverse=True)
    return {"lost_intervals": len(found),
            "lost_files": [{"name": n, "dir": d, "time": _iso(t)} for t, d, n in found[:SHOWN]]}


def remove(directories, pidfile, before):
    """Delete orphaned current files last written before epoch `before`; return how many went."""
    live = live_pid(pidfile)
    gone = 0
    for directory in directories:
        for mtime, name in orphaned(directory, live):
            if mtime >= before:
                continue
            try:
                os.unlink(os.path.join(directory, name))
                gone += 1
            except FileNotFoundError:
                continue
    if gone:
        log.info("removed %s orphaned nfcapd.current files (lost intervals)", gone)
    return gone
