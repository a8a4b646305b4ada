"""/metrics: the box's own counters in Prometheus text format, from the status snapshot."""

import re
import threading

from flask import Blueprint, Response, current_app

from ..span import view as span_view
from . import health, sources, views

bp = Blueprint("metrics", __name__)

LEVELS = {health.OK: 0, health.WARN: 1, health.BAD: 2}
_NAME = re.compile(r"[^a-zA-Z0-9_]")


class Counters:
    """Count the web page's own responses by status class."""

    def __init__(self):
        self._lock = threading.Lock()
        self.responses = {}

    def count(self, response):
        key = f"{response.status_code // 100}xx"
        with self._lock:
            self.responses[key] = self.responses.get(key, 0) + 1
        return response


def _label(value):
    return str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def numbers(prefix, data):
    """Yield (name, value) for the numeric leaves of a nested dict (booleans as 0/1)."""
    for key, value in sorted((data or {}).items()):
        name = f"{prefix}_{_NAME.sub('_', str(key))}"
        if isinstance(value, bool):
            yield name, int(value)
        elif isinstance(value, (int, float)):
            yield name, value
        elif isinstance(value, dict):
            yield from numbers(name, value)


def render(snap, items, responses):
    """Return Prometheus exposition text for a snapshot, health items and response counts."""
    lines = ["# HELP spanflow_health component health: 0 ok, 1 warn, 2 bad",
             "# TYPE spanflow_health gauge"]
    lines += [f'spanflow_health{{component="{_label(i["name"])}"}} {LEVELS[i["level"]]}'
              for i in items]
    for part in ("mirror", "probe", "collector", "ingest", "detect", "fleet"):
        section = (snap or {}).get(part)
        if isinstance(section, dict):
            lines += [f"spanflow_{name} {value}" for name, value in numbers(part, section)]
    lines += [f"spanflow_{name} {value}"
              for name, value in numbers("span", span_view.numbers((snap or {}).get("span")))]
    lines += ["# TYPE spanflow_web_responses_total counter"]
    lines += [f'spanflow_web_responses_total{{code="{k}"}} {v}'
              for k, v in sorted(responses.items())]
    return "\n".join(lines) + "\n"


@bp.get("/metrics")
def show():
    c = views.ctx()
    snap = sources.read_status(c.paths)
    items = health.assess(snap, c.now, c.cfg.collector.rotate, c.paths.status)
    counters = current_app.extensions["spanflow_counters"]
    text = render(snap, items, dict(counters.responses))
    server = current_app.extensions.get("spanflow_server")  # set by `spanflow web` (serve.py)
    throttle = current_app.extensions["spanflow_throttle"]
    served = {**(server.counters() if server else {}), "failed_logins": throttle.failures,
              "blocked_logins": throttle.refusals}
    text += "".join(f"spanflow_web_{name} {value}\n" for name, value in sorted(served.items()))
    return Response(text, mimetype="text/plain; version=0.0.4")
