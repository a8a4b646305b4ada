"""The mirror page: the SPAN session's health verdict, the ARP census and the host inventory."""

import os
from datetime import datetime, timezone

from flask import Blueprint, jsonify, render_template

from ..span import inventory, view as span_view
from . import inputs, sources, views

bp = Blueprint("mirror", __name__)


def hosts(paths):
    """Return the inventory, newest first ([] before the side capture wrote any)."""
    if not os.path.exists(paths.database):
        return []
    con = inventory.connect(paths.database, readonly=True)
    try:
        return inventory.hosts(con)
    finally:
        con.close()


def state(c):
    """Return (the span part of the snapshot, its report, the inventory)."""
    part = (sources.read_status(c.paths) or {}).get("span") or {}
    return part, span_view.report_of(part), hosts(c.paths)


@bp.get("/mirror")
def show():
    c = views.ctx()
    part, report, found = state(c)
    for h in found:
        for key in ("first_seen", "last_seen"):
            h[key] = inputs.local_text(datetime.fromtimestamp(h[key], timezone.utc), c.tz)
    return render_template("mirror.html", part=part, report=report, hosts=found,
                           enabled=c.cfg.span.enabled)


@bp.get("/api/mirror")
def api():
    c = views.ctx()
    part, report, found = state(c)
    return jsonify({"enabled": c.cfg.span.enabled, "state": part.get("state"), "report": report,
                    "hosts": found})
