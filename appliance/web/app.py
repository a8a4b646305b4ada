"""Build the Flask app: blueprints, security hooks and one error page for every failure."""

import logging
import os
from datetime import datetime, timezone

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..errors import FilterError, SpanflowError, WindowError
from ..sources import UnknownSource
from . import (alerts, api, auth, dashboard, graphs, hostnames, human, inputs, metrics, mirror,
               search, security, sources, top, views)

log = logging.getLogger(__name__)

MAX_SEARCHES = 2  # nfdump runs at once (2 cores on the box); more are refused with 503
STATUS = {inputs.BadInput: 400, FilterError: 400, WindowError: 400, sources.UnknownSeries: 404,
          UnknownSource: 404, sources.Busy: 503, sources.Unavailable: 503}


def status_of(exc):
    """Return the HTTP status for a SpanflowError (a tool failure is a 502)."""
    for cls, code in STATUS.items():
        if isinstance(exc, cls):
            return code
    return 502


def wants_json():
    return request.path.startswith("/api/") or request.path.endswith(".json")


def _error(code, message):
    if wants_json():
        return jsonify({"error": message}), code
    return render_template("error.html", code=code, message=message), code


def create_app(cfg, paths, test_config=None):
    """Return the spanflow web app reading the state of cfg/paths (never changing it)."""
    app = Flask(__name__)
    app.config.update(
        # the cookie carries the CSRF token and a session id that auth.Sessions must know: a new
        # key per process only means logging in again after a restart
        SECRET_KEY=os.urandom(32), SESSION_COOKIE_NAME="spanflow",
        SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=auth.SESSION_HOURS * 3600,
        MAX_CONTENT_LENGTH=64 * 1024, AUTH_REQUIRED=False,
        SPANFLOW_CFG=cfg, SPANFLOW_PATHS=paths,
        CLOCK=lambda: datetime.now(timezone.utc))
    app.config.update(test_config or {})
    app.extensions["spanflow_throttle"] = auth.Throttle()
    app.extensions["spanflow_sessions"] = auth.Sessions()
    app.extensions["spanflow_searches"] = sources.SearchGate(MAX_SEARCHES)
    app.extensions["spanflow_counters"] = metrics.Counters()
    inputs.zone(cfg.web.timezone)  # refuse a bad zone at start, not on the first page

    for module in (auth, dashboard, graphs, top, search, api, metrics, alerts, mirror):
        app.register_blueprint(module.bp)
    app.jinja_env.globals.update(csrf_token=security.csrf_token, nav=views.nav,
                                 current_user=auth.current_user, fact=views.fact)
    app.jinja_env.filters.update(size=human.size, count=human.count, age=human.age,
                                 local=views.local, number=lambda n: views.fact("n", n),
                                 host=hostnames.label)
    app.after_request(security.add_headers)
    app.after_request(app.extensions["spanflow_counters"].count)

    @app.errorhandler(SpanflowError)
    def spanflow_error(exc):
        return _error(status_of(exc), str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc):
        return _error(exc.code, exc.description or exc.name)

    @app.errorhandler(OSError)
    def unreadable(exc):
        log.warning("cannot read state for %s: %s", request.path, exc)
        return _error(503, f"cannot read {exc.filename or 'the sensor state'}: "
                           f"{exc.strerror or exc}; check that spanflow web's user may read it")

    @app.errorhandler(Exception)
    def unexpected(exc):
        log.exception("unexpected error on %s", request.path)
        return _error(500, "internal error: see the spanflow web log")

    return app
