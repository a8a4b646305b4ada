"""Volume increases per host and per port against a learned EWMA baseline, with a floor."""

import math

from .finding import Finding

RULES = {"volume": {
    "severity": "medium",
    "alpha": 0.1,  # EWMA weight of the newest interval (about the last 10-20 intervals count)
    "learn_intervals": 10,  # no alert for a key until its baseline has seen this many intervals
    "factor": 3.0,  # value must exceed factor x baseline mean ...
    "sigmas": 4.0,  # ... and mean + sigmas x deviation
    "floor_flows": 500,  # quiet keys never alert below these per-interval volumes
    "floor_bytes": 50_000_000,
    "top": 100,  # keys per statistic read from nfdump per interval
}}
# statistic -> (nfdump -s spec, what is measured, which counter of the stat row)
KINDS = {
    "host_flows": ("srcip/flows", "connections from host", 2),
    "host_bytes": ("ip/bytes", "bytes of host", 4),
    "port_flows": ("dstport:p/flows", "connections to port", 2),
    "port_bytes": ("dstport:p/bytes", "bytes to port", 4),
}


def observations(blocks):
    """Return {(kind, key): value} from the stat blocks in KINDS order."""
    obs = {}
    for (kind, (_spec, _what, col)), rows in zip(KINDS.items(), blocks):
        for row in rows:
            key = f"{row[1]}/{row[0]}" if kind.startswith("port") else row[1]
            obs[(kind, key)] = row[col]
    return obs


def _filter(kind, key):
    if kind.startswith("port"):
        port, proto = key.split("/")
        return f"proto {proto} and dst port {port}"
    return f"src ip {key}" if kind == "host_flows" else f"host {key}"


def judge(p, baseline, obs):
    """Return (new baseline {(kind, key): (mean, var, n)}, findings) for one interval."""
    findings, new = [], {}
    for k in set(baseline) | set(obs):
        kind, key = k
        value = obs.get(k, 0)  # a key gone from the top lists had (about) nothing
        mean, var, n = baseline.get(k, (0.0, 0.0, 0))
        floor = p["floor_bytes"] if kind.endswith("bytes") else p["floor_flows"]
        limit = max(mean * p["factor"], mean + p["sigmas"] * math.sqrt(var), floor)
        if n >= p["learn_intervals"] and value >= limit:
            what = KINDS[kind][1]
            findings.append(Finding(
                "volume", f"{kind}:{key}", p["severity"],
                f"{what} {key}: {value} in this interval, baseline {mean:.0f}",
                _filter(kind, key), value if kind.endswith("flows") else 0, 0,
                value if kind.endswith("bytes") else 0,
                (key,) if kind.startswith("host") else ()))
        diff = value - mean
        a = p["alpha"] if n else 1.0
        mean += a * diff
        var = (1 - a) * (var + a * diff * diff)
        if value or mean >= 1:  # forget keys that have faded away
            new[k] = (mean, var, n + 1)
    return new, sorted(findings, key=lambda f: f.key)
