"""`spanflow stats`: softflowd's statistics, parsed and made readable."""

import json
import logging

from ..paths import Paths
from ..probe import control, statsview
from .output import add_json, emit

log = logging.getLogger(__name__)


def register(sub, common):
    p = sub.add_parser("stats", parents=[common], help="show the probe's (softflowd) statistics")
    add_json(p)
    p.set_defaults(func=show)


def mirror_status(paths):
    """Return the mirror part of the status snapshot, or None when there is none to read."""
    try:
        with open(paths.status, encoding="utf-8") as f:
            return json.load(f).get("mirror")
    except (OSError, ValueError, AttributeError) as exc:
        log.debug("no mirror counters from %s: %s", paths.status, exc)
        return None


def show(args, cfg):
    paths = Paths.of(cfg)
    stats = statsview.annotate(control.statistics(paths), mirror_status(paths))
    return emit(stats, args.json, statsview.render)
