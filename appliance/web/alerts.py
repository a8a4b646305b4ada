"""Alerts: the list, one alert with a link to its flows, acknowledge (POST + CSRF), JSON API."""

import os
from datetime import datetime, timezone

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for

from ..detect.store import AlertStore
from . import auth, inputs, security, views

bp = Blueprint("alerts", __name__)
MAX_ID = 2 ** 63 - 1  # SQLite's largest integer: a larger id overflows the query


def _store(c):
    """Return the alert store, or None before detection has written anything."""
    path = c.paths.database
    return AlertStore(path) if os.path.exists(path) else None


def _local(epoch, c):
    return inputs.local_text(datetime.fromtimestamp(epoch, timezone.utc), c.tz)


def _search_link(alert, c):
    """Return the flow search URL of the alert's evidence: its filter over its time window."""
    start = datetime.fromtimestamp(alert["first_seen"], timezone.utc)
    # the search form has minute precision: round the end up so the last minute is included
    end = datetime.fromtimestamp(alert["last_seen"] + 59, timezone.utc)
    return url_for("search.show", filter=alert["filter"], start=inputs.form_text(start, c.tz),
                   end=inputs.form_text(end, c.tz))


def _known(alert_id):
    """Abort with 404 for an id no alert can have (the URL converter takes any digits)."""
    if alert_id > MAX_ID:
        abort(404, description=f"no alert {str(alert_id)[:32]}")
    return alert_id


def _read(fn):
    c = views.ctx()
    store = _store(c)
    try:
        return c, (fn(store) if store else None)
    finally:
        if store:
            store.close()


@bp.get("/alerts")
def show():
    show_all = request.args.get("all") == "1"
    c, rows = _read(lambda s: s.list(active_only=not show_all, limit=500))
    for a in rows or []:
        a["last_local"] = _local(a["last_seen"], c)
    return render_template("alerts.html", alerts=rows or [], show_all=show_all,
                           empty=rows is None)


@bp.get("/alerts/<int:alert_id>")
def detail(alert_id):
    _known(alert_id)
    c, alert = _read(lambda s: s.get(alert_id))
    if alert is None:
        abort(404, description=f"no alert {alert_id}")
    return render_template("alerts_detail.html", a=alert, search=_search_link(alert, c),
                           first=_local(alert["first_seen"], c), last=_local(alert["last_seen"], c),
                           raised=_local(alert["raised_at"], c))


@bp.post("/alerts/<int:alert_id>/ack")
@security.require_csrf
def ack(alert_id):
    basic = request.authorization
    by = auth.current_user() or (basic.username if basic and basic.username else "web")
    _known(alert_id)
    _c, found = _read(lambda s: s.get(alert_id) and s.acknowledge(alert_id, by) is not None)
    if not found:
        abort(404, description=f"no alert {alert_id}")
    return redirect(url_for("alerts.detail", alert_id=alert_id), code=303)


@bp.get("/api/alerts")
def api_list():
    _c, rows = _read(lambda s: s.list(active_only=request.args.get("all") != "1", limit=500))
    return jsonify(rows or [])


@bp.get("/api/alerts/markers")
def api_markers():
    c = views.ctx()
    start, end, _ = inputs.window(request.args, c.tz, c.now)
    _c, rows = _read(lambda s: s.markers(start.timestamp(), end.timestamp()))
    return jsonify(rows or [])
