"""Credentials off loopback: HTTP Basic on every route, failed logins throttled per client."""

import hmac
import threading
import time

from flask import Blueprint, current_app, request
from werkzeug.security import check_password_hash

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5  # per client within WINDOW seconds, then 429 until the window passes
WINDOW = 60.0


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
                return int(self.window - (now - kept[0])) + 1
            if now < self._flooded_until and client not in self._fails:
                return int(self._flooded_until - now) + 1
            return 0

    def failed(self, client):
        with self._lock:
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


def _challenge(status, message, retry=None):
    headers = {"WWW-Authenticate": 'Basic realm="spanflow", charset="UTF-8"'}
    if retry:
        headers["Retry-After"] = str(retry)
    return message + "\n", status, {**headers, "Content-Type": "text/plain; charset=utf-8"}


@bp.before_app_request
def require_login():
    """Ask every request for credentials when the page listens off loopback."""
    if not current_app.config["AUTH_REQUIRED"]:
        return None
    if request.endpoint == "static":
        return None
    throttle = current_app.extensions["spanflow_throttle"]
    client = request.remote_addr or "?"
    wait = throttle.blocked(client)
    if wait:
        return _challenge(429, f"too many failed logins: retry in {wait} s", wait)
    given = request.authorization
    web = current_app.config["SPANFLOW_CFG"].web
    if given is None:
        return _challenge(401, "login required")
    user_ok = hmac.compare_digest((given.username or "").encode(), web.user.encode())
    try:
        pass_ok = check_password_hash(web.password_hash, given.password or "")
    except (ValueError, TypeError):
        pass_ok = False
    if user_ok and pass_ok:
        return None
    throttle.failed(client)
    return _challenge(401, "wrong user or password")
