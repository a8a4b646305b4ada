"""The JSON API: everything the pages show, as data."""

from flask import Blueprint, jsonify, request

from . import dashboard, graphs, inputs, search, sources, top, views

bp = Blueprint("api", __name__, url_prefix="/api")


@bp.get("/status")
def status():
    c = views.ctx()
    return jsonify({**dashboard.overview(c), "snapshot": sources.read_status(c.paths)})


@bp.get("/groups")
def groups():
    return jsonify({"groups": sources.groups(views.ctx().cfg), "metrics": list(sources.METRICS)})


@bp.get("/series/<group>/<metric>")
def series(group, metric):
    c = views.ctx()
    if metric not in sources.METRICS:
        return jsonify({"error": f"no metric {metric[:64]!r}: use one of "
                                 f"{', '.join(sources.METRICS)}"}), 404
    graphs.checked_group(c.cfg, group)
    start, end, label = inputs.window(request.args, c.tz, c.now)
    data = sources.series(c.cfg, c.paths, group, metric, start, end)
    return jsonify({"group": group, "metric": metric, "period": label,
                    "start": start.isoformat(), "end": end.isoformat(), "series": data})


@bp.get("/top")
def top_rows():
    c = views.ctx()
    kind, n, start, end, label, found = top.rows(c, request.args)
    return jsonify({"kind": kind, "n": n, "period": label, "start": start.isoformat(),
                    "end": end.isoformat(), "rows": found})


@bp.get("/ingest")
def ingest():
    c = views.ctx()
    return jsonify(sources.ingest_state(c.cfg, c.paths))


@bp.get("/flows")
def flows():
    return search.as_json()
