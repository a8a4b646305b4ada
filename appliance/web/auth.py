"""Credentials off loopback: HTTP Basic on every route, failed logins throttled per client."""

import hmac
import threading
import time

from flask import Blueprint, current_app, request
from werkzeug.security import check_password_hash

bp = Blueprint("auth", __name__)

MAX_FAILURES = 5  # per client within WINDOW seconds, then 429 until the window passes
WINDOW = 60.0


class Throttle:
    """Count failed logins per client address over a sliding window (clock injected)."""

    def __init__(self, clock=time.monotonic, limit=MAX_FAILURES, window=WINDOW):
        self.clock, self.limit, self.window = clock, limit, window
        self._fails = {}
        self._lock = threading.Lock()

    def _recent(self, client):
        now = self.clock()
        kept = [t for t in self._fails.get(client, []) if now - t < self.window]
        self._fails[client] = kept
        return kept

    def blocked(self, client):
        """Return seconds to wait when client failed too often, else 0."""
        with self._lock:
            kept = self._recent(client)
            if len(kept) < self.limit:
                return 0
            return int(self.window - (self.clock() - kept[0])) + 1

    def failed(self, client):
        with self._lock:
            self._recent(client).append(self.clock())
            if len(self._fails) > 10000:  # bound memory under a spray of addresses
                self._fails.clear()


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
