"""What every page needs: the config, paths, time zone and clock of the running app."""

from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from . import health, human, inputs

NAV = (("dashboard.show", "Dashboard"), ("graphs.show", "Graphs"), ("top.show", "Top"),
       ("search.show", "Flow search"), ("alerts.show", "Alerts"),
       ("mirror.show", "Mirror"))


@dataclass
class Ctx:
    cfg: object
    paths: object
    tz: object
    now: datetime

    @property
    def tz_name(self):
        return self.cfg.web.timezone


def ctx():
    """Return the current request's Ctx."""
    cfg = current_app.config["SPANFLOW_CFG"]
    return Ctx(cfg, current_app.config["SPANFLOW_PATHS"], inputs.zone(cfg.web.timezone),
               current_app.config["CLOCK"]())


def nav():
    """Return the menu entries (endpoint, label)."""
    return NAV


def local(value, ms=False):
    """Return a time (ISO text, epoch seconds or datetime) in the page's zone, else value as is."""
    dt = value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        dt = datetime.fromtimestamp(value, timezone.utc)
    elif isinstance(value, str):
        dt = health.parse_iso(value)
    if not isinstance(dt, datetime):
        return value
    tz = inputs.zone(current_app.config["SPANFLOW_CFG"].web.timezone)
    text = dt.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S")
    if ms:
        text += f".{dt.microsecond // 1000:03d}"
    return f"{text} {dt.astimezone(tz).strftime('%Z')}"


TIME_KEYS = ("updated", "last_rotation", "oldest", "started", "last_file_time", "changed_at",
             "first", "last", "at")


def fact(key, value):
    """Return one dashboard fact as people read it: sizes, ages, times in the page's zone."""
    key = str(key)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if key.endswith("bytes"):
            return human.size(value)
        if key.endswith(("_age", "lag_seconds", "_seconds", "ran_for")):
            return human.age(value)
        if key in ("pid", "restarts") or key.endswith("_id"):
            return value
        return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"
    if key in TIME_KEYS or key.endswith(("_time", "_at")):
        return local(value)
    if isinstance(value, dict):
        return ", ".join(f"{k} {fact(k, v)}" for k, v in value.items() if v not in (None, ""))
    if isinstance(value, list):
        return f"{len(value)} items"
    return value
