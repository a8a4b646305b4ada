"""The dashboard: each component's health and, when graphs would be empty, the reason."""

from datetime import timedelta

from flask import Blueprint, render_template

from ..probe import statsview
from . import graphs, health, sources, views

bp = Blueprint("dashboard", __name__)


def overview(c):
    """Return everything the dashboard shows, as JSON-able data."""
    snap = sources.read_status(c.paths)
    snap_ingest = (snap or {}).get("ingest")
    if snap is not None and not isinstance(snap_ingest, dict):
        snap = dict(snap, ingest=sources.ingest_state(c.cfg, c.paths) or None)
    items = health.assess(snap, c.now, c.cfg.collector.rotate, c.paths.status)
    if snap is None:  # the database still tells how far ingest got before the run stopped
        ingest = sources.ingest_state(c.cfg, c.paths)
        if ingest:
            items.append(health.ingest_item(ingest, c.now, c.cfg.collector.rotate))
    stats = health.probe_stats((snap or {}).get("probe") or {})
    usable = stats and "error" not in stats
    annotated = statsview.annotate(stats, (snap or {}).get("mirror")) if usable else None
    return {
        "now": c.now.isoformat(), "timezone": c.tz_name,
        "components": items,
        "empty_reason": health.empty_reason(items),
        "probe_stats": annotated,
        "retention": {"max_age": c.cfg.collector.retention.max_age,
                      "max_size": c.cfg.collector.retention.max_size},
    }


@bp.get("/")
def show():
    c = views.ctx()
    data = overview(c)
    text = statsview.render(data["probe_stats"]) if data["probe_stats"] else None
    first = list(sources.groups(c.cfg))[:1]
    end = c.now.replace(second=0, microsecond=0) + timedelta(minutes=1)  # remembered per minute
    group, images, note = (graphs.panels(c, first, end - timedelta(hours=1), end) or
                           [(None, False, "no series groups are configured")])[0]
    shown, left = graphs.markers(c, c.now - timedelta(hours=1), c.now) if images else ([], 0)
    return render_template("dashboard.html", data=data, stats_text=text,
                           markers=shown, markers_left=left,
                           first_group=group if images else None, graphs_note=note,
                           tz=c.tz_name)
