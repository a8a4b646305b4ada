"""`spanflow stats`: softflowd's statistics, parsed and made readable."""

import json
import logging
import sys

from ..paths import Paths
from ..probe import control, statsview

log = logging.getLogger(__name__)


def register(sub, common):
    p = sub.add_parser("stats", parents=[common], help="show the probe's (softflowd) statistics")
    p.add_argument("--json", action="store_true", help="print JSON instead of text")
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
    if args.json:
        json.dump(stats, sys.stdout, indent=2)
        print()
    else:
        print(statsview.render(stats))
    return 0
