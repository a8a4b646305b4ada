"""What the web page and the CLI read: graphs, series, top lists, ingest state."""

import os
from datetime import datetime

from ..errors import SpanflowError
from ..paths import Paths
from . import db, exporters as per_source, groups as group_plan, markers as alert_markers, rrd
from .state import ingest_state  # noqa: F401  (the web and the CLI read it from here)

METRICS = {"bits": ("bytes", 8, "bits/s"), "packets": ("packets", 1, "packets/s"),
           "flows": ("flows", 1, "flows/s")}
KINDS = ("hosts", "ports", "conversations")
COLOURS = ("1f77b4", "ff7f0e", "2ca02c", "d62728", "9467bd", "8c564b", "e377c2", "7f7f7f",
           "bcbd22", "17becf", "393b79", "637939", "8c6d31", "843c39", "7b4173")


class UnknownSeries(SpanflowError):
    """A graph or series was asked for a group, metric or kind that does not exist."""

    exit_code = 2


def _epoch(t):
    return int(t.timestamp()) if isinstance(t, datetime) else int(t)


def groups(cfg):
    """Return {group: [series names]}: total, protocol, service, channel:NAME, exporter."""
    plan = group_plan.plan(cfg)
    if cfg.collector.allowed_exporters:  # a series per flow source (trends/exporters.py)
        plan[per_source.GROUP] = per_source.names(cfg, Paths.of(cfg))
    return plan


def _check(cfg, paths, group, metric):
    plan = groups(cfg)
    if group not in plan:
        raise UnknownSeries(f"unknown graph group {group!r}: use one of {', '.join(plan)}")
    if metric not in METRICS:
        raise UnknownSeries(f"unknown metric {metric!r}: use bits, packets or flows")
    path = group_plan.rrd_path(paths, group)
    if not os.path.exists(path):
        raise SpanflowError(f"no trend data yet ({path} is missing): is `spanflow run` ingesting?")
    return plan[group], path


def series(cfg, paths, group, metric, start, end):
    """Return JSON-able rates {"start","end","step","names","rows":[[t, v1, ...]]} (None = unknown)."""
    if group == per_source.GROUP and metric in METRICS:
        return per_source.series(cfg, paths, metric, _epoch(start), _epoch(end),
                                 *METRICS[metric][:2])
    names, path = _check(cfg, paths, group, metric)
    field, scale, _ = METRICS[metric]
    (t0, t1, step), ds, rows = rrd.fetch(path, _epoch(start), _epoch(end))
    index = [ds.index(f"{n}_{rrd.SUFFIX[field]}") for n in names]
    out = []
    for i, row in enumerate(rows):
        out.append([t0 + (i + 1) * step] +
                   [None if row[j] is None else row[j] * scale for j in index])
    return {"start": t0, "end": t1, "step": step, "names": names, "rows": out}


def prediction(cfg, paths, metric, start, end):
    """Return the total's Holt-Winters rows [t, observed, predicted, deviation, failure] (rates)."""
    _names, path = _check(cfg, paths, group_plan.TOTAL, metric)
    field, scale, _ = METRICS[metric]
    ds = f"all_{rrd.SUFFIX[field]}"
    # one row per step: the prediction archives exist only at the finest resolution
    points = max(1, int((_epoch(end) - _epoch(start)) // cfg.collector.rotate))
    by_cf = {}
    for cf in ("HWPREDICT", "AVERAGE", "DEVPREDICT", "FAILURES"):
        (t0, _t1, step), names, rows = rrd.fetch(path, _epoch(start), _epoch(end), points, cf)
        i = names.index(ds)
        by_cf[cf] = {t0 + (n + 1) * step: r[i] for n, r in enumerate(rows)}
    out = []
    for t in sorted(by_cf["HWPREDICT"]):  # CFs may come at different steps: align on time
        obs, pred, dev, fail = (by_cf[cf].get(t) for cf in ("AVERAGE", "HWPREDICT", "DEVPREDICT",
                                                              "FAILURES"))
        out.append([t] + [None if v is None else v * scale for v in (obs, pred, dev)] +
                   [None if fail is None else int(fail)])
    return {"start": out[0][0] if out else None, "end": out[-1][0] if out else None,
            "step": step, "rows": out}


def graph_png(cfg, paths, group, metric, start, end, width=800, height=250, tz="UTC",
              markers=()):
    """Return a stacked PNG of a group's series with markers (AlertStore.markers dicts)."""
    if group == per_source.GROUP and metric in METRICS:
        field, scale, unit = METRICS[metric]
        path, lines = None, per_source.lines(cfg, paths, field, scale, COLOURS)
        if not lines:
            raise SpanflowError("no trend data of any flow source yet: is `spanflow run` "
                                "ingesting?")
    else:
        names, path = _check(cfg, paths, group, metric)
        field, scale, unit = METRICS[metric]
        lines = [(f"{n}_{rrd.SUFFIX[field]}", n, COLOURS[i % len(COLOURS)], scale)
                 for i, n in enumerate(names)]
    title = f"{group} - {unit} (times in {tz})"
    # the rules only: the page lists the alerts once (legends under every graph made a
    # 4,400-pixel page, issue 14)
    rules = [(t, colour, "") for t, colour, _ in
             alert_markers.rules(markers, _epoch(start), _epoch(end))]
    return rrd.graph(path, lines, _epoch(start), _epoch(end), title, unit, width, height, tz,
                     rules)


def _filter(kind, k1, k2):
    if kind == "hosts":
        return f"host {k1}"
    if kind == "ports":
        return f"proto {k1} and port {k2}"
    return f"src host {k1} and dst host {k2}"


def top(cfg, paths, kind, start, end, n=10):
    """Return the top rows of a kind over [start, end), each with a ready nfdump `filter`."""
    if kind not in KINDS:
        raise UnknownSeries(f"unknown top list {kind!r}: use hosts, ports or conversations")
    if not os.path.exists(paths.database):
        return []
    con = db.connect(paths.database, readonly=True)
    try:
        rows = db.top(con, kind, _epoch(start), _epoch(end), n)
    finally:
        con.close()
    out = []
    for k1, k2, flows, packets, nbytes in rows:
        if kind == "hosts":
            keys = {"host": k1}
        elif kind == "ports":
            keys = {"proto": k1, "port": int(k2)}
        else:
            keys = {"src": k1, "dst": k2}
        out.append({**keys, "flows": flows, "packets": packets, "bytes": nbytes,
                    "filter": _filter(kind, k1, k2)})
    return out

