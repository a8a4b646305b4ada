"""Login off loopback: a form and a session cookie (Basic for scripts), logout, throttling."""

import hmac
import secrets
import threading
import time

from flask import (Blueprint, current_app, jsonify, redirect, render_template, request, session,
                   url_for)
from werkzeug.security import check_password_hash

from . import security

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5  # per client within WINDOW seconds, then 429 until the window passes
WINDOW = 60.0


SESSION_HOURS = 12  # a login lasts this long, or until logout
MAX_SESSIONS = 1000  # logins remembered at once; the oldest goes first
OPEN = ("static", "auth.login", "auth.logout")  # endpoints served without a login
MAX_CLIENTS = 10000  # clients remembered; past it the ones not blocked are forgotten first


class Throttle:
    """Count failed logins per client address over a sliding window (clock injected).

    Memory stays bounded under a spray of addresses without forgetting a blocked client: expired
    entries go first, then clients still under the limit (oldest first). When every remembered
    client is blocked and more keep failing, new clients are refused too until the window passes.
    """

    def __init__(self, clock=time.monotonic, limit=MAX_FAILURES, window=WINDOW,
                 max_clients=MAX_CLIENTS):
        self.clock, self.limit, self.window = clock, limit, window
        self.max_clients = max_clients
        self._fails = {}
        self._lock = threading.Lock()
        self._flooded_until = 0.0
        self.failures = self.refusals = 0  # since start, for /metrics

    def _recent(self, client):
        now = self.clock()
        kept = [t for t in self._fails.get(client, []) if now - t < self.window]
        if kept:
            self._fails[client] = kept
        else:
            self._fails.pop(client, None)
        return kept

    def blocked(self, client):
        """Return seconds to wait when client failed too often, else 0."""
        with self._lock:
            now = self.clock()
            kept = self._recent(client)
            if len(kept) >= self.limit:
                self.refusals += 1
                return int(self.window - (now - kept[0])) + 1
            if now < self._flooded_until and client not in self._fails:
                self.refusals += 1
                return int(self._flooded_until - now) + 1
            return 0

    def failed(self, client):
        with self._lock:
            self.failures += 1
            kept = self._recent(client)
            kept.append(self.clock())
            self._fails[client] = kept
            if len(self._fails) > self.max_clients:
                self._shrink(client)

    def _shrink(self, current):
        now = self.clock()
        for client in list(self._fails):
            self._recent(client)
        if len(self._fails) <= self.max_clients:
            return
        # dicts keep insertion order and failed() re-inserts: the first are the oldest
        open_ = [c for c, t in self._fails.items() if len(t) < self.limit and c != current]
        for client in open_[:len(self._fails) - self.max_clients]:
            del self._fails[client]
        if len(self._fails) > self.max_clients:  # all blocked: refuse newcomers for a window
            self._flooded_until = now + self.window


class Sessions:
    """Server-side record of live logins: logout ends one even if its cookie was copied."""

    def __init__(self, clock=time.monotonic, hours=SESSION_HOURS, limit=MAX_SESSIONS):
        self.clock, self.lifetime, self.limit = clock, hours * 3600, limit
        self._live = {}
        self._lock = threading.Lock()

    def start(self, user):
        sid = secrets.token_urlsafe(32)
        with self._lock:
            self._live[sid] = (user, self.clock() + self.lifetime)
            while len(self._live) > self.limit:
                del self._live[next(iter(self._live))]
        return sid

    def user(self, sid):
        """Return the user of a live session id, else None."""
        with self._lock:
            found = self._live.get(sid) if isinstance(sid, str) else None
            if found and found[1] <= self.clock():
                del self._live[sid]
                return None
            return found[0] if found else None

    def end(self, sid):
        with self._lock:
            self._live.pop(sid, None)


def _client():
    return request.remote_addr or "?"


def _verify(user, password):
    web = current_app.config["SPANFLOW_CFG"].web
    user_ok = hmac.compare_digest((user or "").encode(), web.user.encode())
    try:
        pass_ok = check_password_hash(web.password_hash, password or "")
    except (ValueError, TypeError):
        pass_ok = False
    return user_ok and pass_ok


def current_user():
    """Return who is logged in on this request ("" on loopback, None when nobody)."""
    if not current_app.config["AUTH_REQUIRED"]:
        return ""
    return current_app.extensions["spanflow_sessions"].user(session.get("sid"))


def _refuse(status, message, retry=None):
    """Answer an unauthenticated request: the login form for pages, a 401/429 for the rest."""
    headers = {"Retry-After": str(retry)} if retry else {}
    if request.method == "GET" and status == 401 and not _is_api() and not request.authorization:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")), code=303)
    if _is_api():
        headers["WWW-Authenticate"] = 'Basic realm="spanflow", charset="UTF-8"'
        return jsonify({"error": message}), status, headers
    return render_template("error.html", code=status, message=message), status, headers


def _is_api():
    return (request.path.startswith("/api/") or request.path.endswith((".json", ".csv", ".png"))
            or request.path == "/metrics")


@bp.before_app_request
def require_login():
    """Ask every request for a login when the page listens off loopback."""
    if not current_app.config["AUTH_REQUIRED"] or request.endpoint in OPEN:
        return None
    if current_user():
        return None
    throttle = current_app.extensions["spanflow_throttle"]
    given = request.authorization  # HTTP Basic, for scripts and /metrics scrapers over HTTPS
    if given is None or given.type != "basic":
        return _refuse(401, "login required")
    wait = throttle.blocked(_client())
    if wait:
        return _refuse(429, f"too many failed logins: retry in {wait} s", wait)
    if _verify(given.username, given.password):
        return None
    throttle.failed(_client())
    return _refuse(401, "wrong user or password")


def _local(target):
    """Return target if it is a path on this site, else the dashboard (no open redirect)."""
    if isinstance(target, str) and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return url_for("dashboard.show")


@bp.route("/login", methods=["GET", "POST"])
@security.require_csrf
def login():
    if not current_app.config["AUTH_REQUIRED"]:
        return redirect(url_for("dashboard.show"), code=303)
    target = _local(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=target, error=None)
    throttle = current_app.extensions["spanflow_throttle"]
    wait = throttle.blocked(_client())
    if wait:
        return render_template("login.html", next=target,
                               error=f"too many failed logins: retry in {wait} s"), 429, \
            {"Retry-After": str(wait)}
    user = request.form.get("user", "")
    if not _verify(user, request.form.get("password", "")):
        throttle.failed(_client())
        return render_template("login.html", next=target, error="wrong user or password"), 401
    session.clear()  # a fresh session: nothing from before the login survives it
    session["sid"] = current_app.extensions["spanflow_sessions"].start(user)
    session.permanent = True
    return redirect(target, code=303)


@bp.post("/logout")
@security.require_csrf
def logout():
    current_app.extensions["spanflow_sessions"].end(session.get("sid"))
    session.clear()
    return redirect(url_for("auth.login") if current_app.config["AUTH_REQUIRED"]
                    else url_for("dashboard.show"), code=303)
