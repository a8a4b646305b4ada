"""What every page needs: the config, paths, time zone and clock of the running app."""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app

from . import inputs

NAV = (("dashboard.show", "Dashboard"), ("graphs.show", "Graphs"), ("top.show", "Top"),
       ("search.show", "Flow search"))


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
    """Return the menu entries (endpoint, label), with alerts once that page exists."""
    # A missing endpoint would make url_for fail on every page: only link what is there.
    found = [e for e in ("alerts.show", "alerts.index", "alerts.list")
             if e in current_app.view_functions]
    return NAV + ((found[0], "Alerts"),) if found else NAV
