"""The "exporter" graph group: one series per flow source, the probe's and each router's total.

Each source's ingest keeps its own total.rrd (detect/exporters.py); this group reads them side
by side, so a router's traffic is graphed like the probe's.
"""

import os

from .. import sources
from . import groups as group_plan, rrd

GROUP = "exporter"


def names(cfg, paths):
    """Return the series of the group: probe, then each allowed exporter ([] when none)."""
    found = sources.configured(cfg, paths)
    return [sources.PROBE, *(s.name for s in found)] if found else []


def files(cfg, paths):
    """Return [(series name, its total.rrd)] of every source whose file exists."""
    pairs = [(sources.PROBE, paths)] + [(s.name, s.paths) for s in sources.configured(cfg, paths)]
    out = [(name, group_plan.rrd_path(p, group_plan.TOTAL)) for name, p in pairs]
    return [(name, path) for name, path in out if os.path.exists(path)]


def series(cfg, paths, metric, start, end, field, scale):
    """Return JSON-able rates of every source {"start","end","step","names","rows"} (None = unknown)."""
    found = files(cfg, paths)
    names_ = [name for name, _ in found]
    by_time, step, t0, t1 = {}, None, None, None
    ds = f"all_{rrd.SUFFIX[field]}"
    for i, (_, path) in enumerate(found):
        (t0, t1, step), dss, rows = rrd.fetch(path, start, end)
        j = dss.index(ds)
        for n, row in enumerate(rows):
            cells = by_time.setdefault(t0 + (n + 1) * step, [None] * len(found))
            cells[i] = None if row[j] is None else row[j] * scale
    return {"start": t0, "end": t1, "step": step, "names": names_,
            "rows": [[t, *cells] for t, cells in sorted(by_time.items())]}


def lines(cfg, paths, field, scale, colours):
    """Return graph lines (ds, legend, colour, scale, file) of every source."""
    return [(f"all_{rrd.SUFFIX[field]}", name, colours[i % len(colours)], scale, path)
            for i, (name, path) in enumerate(files(cfg, paths))]
