"""Search stored flows with an nfdump filter: the API behind `spanflow flows` and the web page."""

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from ..errors import WindowError
from . import files as flowfiles
from . import filters, lines, stats

# nfdump 1.7.1 prints "Year out of range" and exits 0 having ignored -t outside these years
# (pitfalls.md): a window outside them is refused, never silently widened to everything.
NFDUMP_YEARS = (1970, 2038)


@dataclass
class SearchResult:
    rows: list = field(default_factory=list)
    truncated: bool = False
    files: int = 0


def _stamp(dt, up=False):
    """Format a datetime for nfdump -t (whole seconds, UTC)."""
    dt = dt.astimezone(timezone.utc)
    if up and dt.microsecond:
        dt = dt.replace(microsecond=0) + timedelta(seconds=1)
    return dt.replace(microsecond=0).strftime("%Y/%m/%d.%H:%M:%S")


def window_args(since, until):
    """Return nfdump -t for flows that lie within [since, until] (nfdump 1.7.1's meaning)."""
    if since is None and until is None:
        return []
    since = since or datetime(1970, 1, 2, tzinfo=timezone.utc)
    until = until or datetime(2037, 12, 31, tzinfo=timezone.utc)
    for dt in (since, until):
        if not NFDUMP_YEARS[0] <= dt.astimezone(timezone.utc).year <= NFDUMP_YEARS[1]:
            raise WindowError(f"{dt.isoformat()} is outside the years {NFDUMP_YEARS[0]} to "
                              f"{NFDUMP_YEARS[1]} that nfdump can search")
    return ["-t", f"{_stamp(since)}-{_stamp(until, up=True)}"]


def file_args(flowdir, chosen):
    """Return nfdump -R for a contiguous run of closed files (first:last in one directory)."""
    first, last = chosen[0][1], chosen[-1][1]
    return ["-R", f"{os.path.join(flowdir, first)}:{last}"]


def search(paths, filter, since=None, until=None, limit=1000, timeout=30, exporter=None):
    """Return the flows of the closed files matching filter within [since, until], at most limit.

    Every source is searched (the probe's folder and each outside exporter's), or only the one
    named by exporter; each row says its source in "exporter" ("probe" or the address).
    """
    from ..sources import select  # sources knows the collector's layout; imported when used
    chosen = [(s, flowfiles.closed_files(s.flows, since))
              for s in select(paths, exporter)]
    chosen = [(s, files) for s, files in chosen if files]
    if not chosen:
        filters.check(filter, timeout=min(timeout, 10))  # a bad filter is an error even on no data
        return SearchResult()
    limit = max(1, int(limit))
    rows, truncated = [], False
    for source, files in chosen:
        args = [*file_args(source.flows, files), *window_args(since, until),
                "-c", str(limit + 1), *lines.ARGS]
        found = lines.rows(filters.run_filtered(args, filters.normalize(filter), timeout))
        truncated = truncated or len(found) > limit
        rows += [dict(r, exporter=source.name) for r in found[:limit]]
    if len(chosen) > 1:
        rows.sort(key=lambda r: r["first"])  # one time line across the sources
    return SearchResult(rows=rows[:limit], truncated=truncated or len(rows) > limit,
                        files=sum(len(files) for _, files in chosen))


def top(paths, filter, field_name, since=None, until=None, count=10, order="bytes", timeout=30,
        exporter=None):
    """Return nfdump's top-N statistic (-s FIELD/ORDER) of one source (the probe's by default)."""
    from ..sources import PROBE, select
    flowdir = select(paths, exporter or PROBE)[0].flows
    chosen = flowfiles.closed_files(flowdir, since)
    if not chosen:
        filters.check(filter, timeout=min(timeout, 10))
        return []
    args = [*file_args(flowdir, chosen), *window_args(since, until),
            *stats.args([f"{field_name}/{order}"], count)]
    blocks = stats.parse(filters.run_filtered(args, filters.normalize(filter), timeout))
    return [stats.as_dict(r) for r in blocks[0]] if blocks else []
