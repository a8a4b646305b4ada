"""The storage rule: alert when the store's disk is nearly full or max_size deletes young files."""

import errno
import logging
import shutil
import time

from .finding import Finding

log = logging.getLogger(__name__)

RULE = "storage"  # suppressible like a rules.d rule (rules.OUTSIDE)
# nearly full below the smaller of the two: 5% of a 4 TB disk is 200 GB (a false alarm), 200 MB of
# a small disk is all of it; the smaller bound alerts only when space is really short
FREE_FRACTION = 0.05
FREE_BYTES = 200 * 2**20


def nearly_full(free, total):
    """Return True when free bytes are below 5% of total or 200 MiB, whichever is smaller."""
    return free < min(FREE_FRACTION * total, FREE_BYTES)


def no_space(exc):
    """Return True if exc (or the text of a tool's error) says the disk is full."""
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return True
    return exc is not None and any(t in str(exc) for t in ("No space left", "disk is full"))


def size_text(n):
    """Return bytes as a short binary-unit string (12.3 MiB)."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def judge(where, before, after, expired, retention, enospc=False):
    """Return storage Findings from (free, total) before and after retention and what it expired."""
    found = []
    free0, total = before
    if enospc or nearly_full(free0, total):
        cause = "a write failed with no space left, " if enospc else ""
        found.append(Finding(
            RULE, "disk_full", "high",
            f"{cause}the store's disk ({where}) had {size_text(free0)} free of "
            f"{size_text(total)}; after retention {size_text(after[0])} free: flow files, graphs "
            f"and alerts can be lost; add disk or lower [collector.retention] max_size "
            f"(now {retention.max_size}) below the disk's size", "any"))
    files = sum(d.get("files", 0) for d in expired.values())
    young = sum(d.get("young_files", 0) for d in expired.values())
    if young:
        size = sum(d.get("bytes", 0) for d in expired.values())
        oldest = sorted(d["oldest_file"] for d in expired.values() if d.get("oldest_file"))
        since = f"; the store now starts at {oldest[0]}" if oldest else ""
        found.append(Finding(
            RULE, "max_size", "medium",
            f"size retention deleted {files} flow files ({size_text(size)}), {young} of them "
            f"younger than max_age {retention.max_age}, to stay under max_size "
            f"{retention.max_size}{since}: raise [collector.retention] max_size or add disk "
            f"to keep {retention.max_age}", "any", flows=young))
    return found


def usage(path):
    """Return (free, total) bytes of the file system holding path (free as an unprivileged user)."""
    u = shutil.disk_usage(path)
    return u.free, u.total


def retention_pass(cfg, paths, expire, detector, clock=time.time):
    """Run expire(cfg, paths), then hand storage findings to the detector; return retention's status.

    The detector suppresses (rule "storage"), deduplicates within the cooldown, counts, stores
    and sends them like every rule's findings.
    """
    before = usage(paths.flows)
    error = None
    try:
        done = expire(cfg, paths)
    except Exception as exc:  # a failed nfexpire leaves the disk check still to do
        done, error = {}, exc
        log.warning("retention failed: %s", exc)
    status = {**done, "error": str(error)} if error else dict(done)
    found = judge(paths.flows, before, usage(paths.flows), done, cfg.collector.retention,
                  no_space(error))
    if not found:
        return status
    now = clock()
    try:  # recorded after retention ran: on a full disk SQLite needs the space it freed
        raised = detector.raise_findings(found, now, now)
        status["storage"] = {"findings": len(found), "alerts": len(raised)}
        for alert in raised:
            log.warning("alert %s %s: %s", alert["rule"], alert["key"], alert["summary"])
    except Exception as exc:  # "database or disk is full": the next pass tries again
        status["storage"] = {"error": str(exc)}
        log.warning("storage alert not recorded: %s", exc)
    return status
