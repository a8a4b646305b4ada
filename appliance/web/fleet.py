"""The fleet's central pages (`spanflow web --fleet`): every sensor's flows, top, trends, alerts."""

from flask import Blueprint, jsonify, render_template, request

from .. import durations
from ..errors import ConfigError, FilterError, WindowError
from ..fleet import central, chart
from ..fleet.client import Connection
from ..query import filters
from . import inputs, views

bp = Blueprint("fleet", __name__, url_prefix="/fleet")
NAV = (("fleet.show", "Fleet"), ("fleet.search", "Fleet search"), ("fleet.top", "Fleet top"),
       ("fleet.trends", "Fleet trends"), ("fleet.alerts", "Fleet alerts"))
TOP_FIELDS = tuple(central.TOP_FIELDS)
COLUMNS = ("first", "last", "duration", "proto_name", "src", "sport", "dst", "dport", "packets",
           "bytes")


def attach(app):
    """Add the fleet pages to a box app, first in its menu."""
    if not app.config["SPANFLOW_CFG"].fleet.endpoints:
        raise ConfigError(["fleet.endpoints: empty; `spanflow web --fleet` reads the cluster "
                           'named there (e.g. endpoints = ["ch1:9000"]), see docs/fleet.md'])
    app.register_blueprint(bp)
    box = app.jinja_env.globals["nav"]
    app.jinja_env.globals["nav"] = lambda: NAV + tuple(box())


def _query(work):
    c = views.ctx()
    conn = Connection(c.cfg.fleet)
    try:
        return work(conn, c.cfg.fleet)
    finally:
        conn.close()


def _form(c, default="1h"):
    args = request.args
    text = args.get("filter", "")
    if len(text) > filters.MAX_LENGTH:
        raise FilterError(f"filter is longer than {filters.MAX_LENGTH} characters")
    since, until, label = inputs.window(args, c.tz, c.now, default=default, max_span=None)
    sensors = [s[:inputs.MAX_PARAM] for s in args.getlist("sensor") if s][:50]
    return text, since, until, label, sensors


def _window(c, since, until, label, **extra):
    return {"label": label, "periods": inputs.PERIODS, "extra": extra,
            "start_form": inputs.form_text(since, c.tz), "end_form": inputs.form_text(until, c.tz),
            "start": inputs.local_text(since, c.tz), "end": inputs.local_text(until, c.tz)}


@bp.get("/")
def show():
    c = views.ctx()
    since, until = c.now - durations.delta("1d"), c.now

    def work(conn, fleet):
        return (central.sensors(conn, fleet), central.alerts(conn, fleet, limit=10),
                central.trends(conn, fleet, since, until))
    sensors, alerts, trend = _query(work)
    picture = chart.svg({"fleet": [(t, b * 8) for t, f, p, b in trend["fleet"]]}, since, until,
                        trend["step"], "fleet bits, last day")
    return render_template("fleet.html", sensors=sensors, alerts=alerts, chart=picture)


@bp.get("/search")
def search():
    c = views.ctx()
    form = {"filter": request.args.get("filter", "")[:filters.MAX_LENGTH],
            "sensor": request.args.get("sensor", "")[:inputs.MAX_PARAM]}
    rows, truncated, error = None, False, None
    if "filter" in request.args:
        try:
            text, since, until, label, sensors = _form(c, default="1d")
            rows, truncated = _query(lambda conn, fleet: central.search(
                conn, fleet, text, since, until, c.cfg.web.max_rows, sensors))
        except (FilterError, WindowError, inputs.BadInput) as exc:
            error = str(exc)
    return render_template("fleet_search.html", form=form, rows=rows, truncated=truncated,
                           error=error, columns=("sensor",) + COLUMNS), 400 if error else 200


@bp.get("/search.json")
def search_json():
    c = views.ctx()
    text, since, until, _, sensors = _form(c, default="1d")
    rows, truncated = _query(lambda conn, fleet: central.search(
        conn, fleet, text, since, until, c.cfg.web.max_rows, sensors))
    return jsonify({"flows": rows, "truncated": truncated})  # as `spanflow fleet flows --json`


@bp.get("/top")
def top():
    c = views.ctx()
    field = inputs.choice(request.args, "field", TOP_FIELDS, "srcip")
    order = inputs.choice(request.args, "order", central.ORDERS, "bytes")
    n = inputs.integer(request.args, "n", 10, 1, 100)
    text, since, until, label, sensors = _form(c)
    found = _query(lambda conn, fleet: central.top(conn, fleet, field, text, since, until, n,
                                                   order, sensors))
    return render_template("fleet_top.html", rows=found, field=field, fields=TOP_FIELDS,
                           order=order, n=n, filter=text,
                           **_window(c, since, until, label, field=field, order=order, n=n,
                                     filter=text))


@bp.get("/trends")
def trends():
    c = views.ctx()
    text, since, until, label, _ = _form(c)
    data = _query(lambda conn, fleet: central.trends(conn, fleet, since, until, text))
    step = data["step"]
    charts = [chart.svg({"fleet": [(t, b * 8) for t, f, p, b in data["fleet"]],
                         **{s: [(t, b * 8) for t, f, p, b in pts]
                            for s, pts in data["series"].items()}},
                        since, until, step, "bits by sensor and fleet-wide"),
              chart.svg({"fleet": [(t, f) for t, f, p, b in data["fleet"]],
                         **{s: [(t, f) for t, f, p, b in pts] for s, pts in data["series"].items()}},
                        since, until, step, "flows by sensor and fleet-wide")]
    return render_template("fleet_trends.html", charts=charts, step=step, filter=text,
                           **_window(c, since, until, label, filter=text))


@bp.get("/alerts")
def alerts():
    show_all = request.args.get("all") == "1"
    found = _query(lambda conn, fleet: central.alerts(conn, fleet, not show_all, 500))
    return render_template("fleet_alerts.html", alerts=found, show_all=show_all)
