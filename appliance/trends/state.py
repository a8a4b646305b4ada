"""The ingest state (cursor, pending files, counters) as the status, the web and the CLI show it."""

import os
import time
from datetime import datetime, timezone

from ..query.files import catalogue
from . import db


def pending(flows_dir, after):
    """Return closed file names newer than `after`, oldest first (names sort in time order)."""
    return catalogue(flows_dir).after(after)


def _iso(t):
    return datetime.fromtimestamp(t, timezone.utc).isoformat().replace("+00:00", "Z")


def ingest_state(cfg, paths, con=None, now=None):
    """Return the last file, its time, lag, files done, quarantined, errors and pending files."""
    now = time.time() if now is None else now
    own = con is None
    if own:
        if not os.path.exists(paths.database):
            return {"last_file": None, "last_file_time": None, "lag_seconds": None,
                    "files_done": 0, "quarantined": 0, "errors": 0, "last_error": "",
                    "pending": len(pending(paths.flows, ""))}
        con = db.connect(paths.database, readonly=True)
    try:
        last, _ = db.summary(con)
        counts = db.counters(con)
        cursor = db.cursor(con)
    finally:
        if own:
            con.close()
    errors = counts.get("errors", (0, ""))
    quarantined = counts.get("quarantined", (0, ""))
    return {"last_file": last[0] if last else None,
            "last_file_time": _iso(last[2]) if last else None,
            "lag_seconds": round(now - last[2], 1) if last else None,
            "files_done": counts.get("files_done", (0, ""))[0],
            "quarantined": quarantined[0], "last_quarantined": quarantined[1] or "",
            "errors": errors[0], "last_error": errors[1] or "",
            "rrd_skipped": counts.get("rrd_skipped", (0, ""))[0],
            # traffic time (bins.py): pieces graphed a step late, flows graphed at file time
            "graph_late": counts.get("graph_late", (0, ""))[0],
            "graph_file_time": counts.get("graph_file_time", (0, ""))[0],
            "pending": len(pending(paths.flows, cursor))}
