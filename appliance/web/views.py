"""What every page needs: the config, paths, time zone and clock of the running app."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from . import inputs

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
