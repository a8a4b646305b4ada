"""Graphs: bits/s, packets/s and flows/s per series group, for a period or a custom range."""

from flask import Blueprint, Response, abort, render_template, request

from ..trends import markers as trend_markers
from . import inputs, sources, views

bp = Blueprint("graphs", __name__)

WIDTH, HEIGHT = 720, 200  # defaults; the image route accepts 200..2000 x 100..1000


def window_args(args, start, end, label):
    """Return the query arguments that reproduce a window in links."""
    if label == "custom":
        return {"start": args.get("start", ""), "end": args.get("end", "")}
    return {"period": label}


def checked_group(cfg, group):
    """Return group if the readers know it, else 404 (the name reaches no tool unchecked)."""
    if group not in sources.groups(cfg):
        abort(404, description=f"no series group {group[:64]!r}: see /api/groups")
    return group


def panels(c, groups, start, end):
    """Return [(group, images?, note)]: why a group has no image or an empty one, never silence."""
    out = []
    for group in groups:
        try:
            data = sources.series(c.cfg, c.paths, group, "flows", start, end)
        except sources.Unavailable as exc:
            out.append((group, False, str(exc)))
            continue
        empty = None if sources.has_data(data) else _why_empty(c, data)
        out.append((group, True, empty))
    return out


def markers(c, start, end):
    """Return (alerts the graphs of [start, end] mark, how many more): listed once per page."""
    return trend_markers.drawn(sources.alert_markers(c.paths, start, end), start.timestamp(),
                               end.timestamp())


def _why_empty(c, data):
    """Say why a window shows nothing: coarse archive not filled yet, or nothing ingested."""
    step = data.get("step") or 0
    if step > c.cfg.collector.rotate:
        # A long window reads an archive of `step` seconds per point: a sensor that started less
        # than one such step ago has ingested data that shows only in shorter windows.
        return (f"nothing yet at this window's {step // 60}-minute resolution: traffic of a "
                "sensor started recently shows in the 1h view first")
    return "no data in this window: see the dashboard for the reason"


@bp.get("/graphs")
def show():
    c = views.ctx()
    start, end, label = inputs.window(request.args, c.tz, c.now)
    try:
        groups = panels(c, sources.groups(c.cfg), start, end)
        note = None
    except sources.Unavailable as exc:
        groups, note = [], str(exc)
    shown, left = markers(c, start, end) if groups else ([], 0)
    return render_template("graphs.html", groups=groups, metrics=sources.METRICS,
                           markers=shown, markers_left=left,
                           periods=inputs.PERIODS, label=label,
                           window=window_args(request.args, start, end, label),
                           start=inputs.local_text(start, c.tz), end=inputs.local_text(end, c.tz),
                           start_form=inputs.form_text(start, c.tz),
                           end_form=inputs.form_text(end, c.tz), note=note, tz=c.tz_name)


@bp.get("/graphs/<group>/<metric>.png")
def image(group, metric):
    c = views.ctx()
    if metric not in sources.METRICS:
        abort(404, description=f"no metric {metric[:64]!r}: use one of {', '.join(sources.METRICS)}")
    checked_group(c.cfg, group)
    start, end, _ = inputs.window(request.args, c.tz, c.now)
    width = inputs.integer(request.args, "width", WIDTH, 200, 2000)
    height = inputs.integer(request.args, "height", HEIGHT, 100, 1000)
    png = sources.graph_png(c.cfg, c.paths, group, metric, start, end, width, height, c.tz_name,
                            sources.alert_markers(c.paths, start, end))
    return Response(png, mimetype="image/png", headers={"Cache-Control": "max-age=30"})
