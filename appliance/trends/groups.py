"""Which series groups the config asks for, and where each group's RRD file lives."""

import os

from .aggregate import PROTOCOLS

TOTAL = "total"


def plan(cfg):
    """Return {group: [series names]} for the config: total, protocol, service, channel:NAME."""
    out = {TOTAL: ["all"], "protocol": list(PROTOCOLS),
           "service": [*cfg.ingest.services, "other"]}
    for name in cfg.ingest.channels:
        out[f"channel:{name}"] = list(PROTOCOLS)
    return out


def rrd_path(paths, group):
    """Return the RRD file of a group (channel:guest -> channel-guest.rrd)."""
    return os.path.join(paths.rrd, group.replace(":", "-") + ".rrd")
