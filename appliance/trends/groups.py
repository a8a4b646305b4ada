"""Which series groups the config asks for, and where each group's RRD file lives."""

import os

from .aggregate import PROTOCOLS
from .rrd import SUFFIX

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


def values(numbers, names, group):
    """Return {ds: count} for one group's file from a file's FileNumbers."""
    if group == TOTAL:
        parts = {"all": numbers.protocols.total}
    elif group == "protocol":
        parts = numbers.protocols.protocols
    elif group == "service":
        parts = {n: b.total for n, b in numbers.services.items()}
    else:  # a step no flow of the channel reached has no entry: zeros
        channel = numbers.channels.get(group.split(":", 1)[1])
        parts = channel.protocols if channel else {}
    out = {}
    for name in names:
        c = parts.get(name)
        for metric, suffix in SUFFIX.items():
            out[f"{name}_{suffix}"] = getattr(c, metric) if c else 0
    return out
