"""Volume increases per host and per port against a learned EWMA baseline, with a floor."""

import math
from dataclasses import replace

from .finding import Finding, Span

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


def times(blocks):
    """Return {(kind, key): (first, last)} of each key's flows from StatRows in KINDS order."""
    out = {}
    for kind, rows in zip(KINDS, blocks):
        for row in rows:
            key = f"{row[1]}/{row[0]}" if kind.startswith("port") else row[1]
            out[(kind, key)] = Span().add(getattr(row, "first", None),
                                          getattr(row, "last", None)).whole()
    return out


def _filter(kind, key):
    if kind.startswith("port"):
        port, proto = key.split("/")
        return f"proto {proto} and dst port {port}"
    return f"src ip {key}" if kind == "host_flows" else f"host {key}"


def judge(p, baseline, obs, when=None):
    """Return (new baseline {(kind, key): (mean, var, n)}, findings) for one interval.

    when: {(kind, key): (first, last)} of the key's flows, the findings' times (see times()).
    """
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
                (key,) if kind.startswith("host") else (), *(when or {}).get(k, (None, None))))
        diff = value - mean
        a = p["alpha"] if n else 1.0
        mean += a * diff
        var = (1 - a) * (var + a * diff * diff)
        if value or mean >= 1:  # forget keys that have faded away
            new[k] = (mean, var, n + 1)
    return new, sorted(findings, key=lambda f: f.key)


def started(host, rows):
    """Return the flows host started among -A 5-tuple rows of its traffic: answers left out.

    A flow from a service port to a higher port whose reverse is in the file answers that
    reverse: a SYN flood's victim sends one SYN-ACK or reset per attacker port, a busy server one
    answer per client connection. Neither is a connection the host opened.
    """
    back = {(r.src, r.dst, r.sport, r.dport, r.proto) for r in rows}
    n = 0
    for r in rows:
        if r.src != host:
            continue
        if r.proto in ("tcp", "udp") and r.sport < r.dport \
                and (r.dst, r.src, r.dport, r.sport, r.proto) in back:
            continue
        n += r.flows
    return n


def one_per_event(findings, host_rows=None):
    """Return volume findings with answering hosts dropped and port jumps folded into host jumps.

    host_rows(host) returns the 5-tuple rows of a host's traffic in the interval. A host whose
    "connections" are mostly answers is the victim or the server, not the source of the jump;
    a port's jump in the same interval as a host's jump of the same measure is the same event.
    """
    out = []
    for f in findings:
        kind, _, key = f.key.partition(":")
        if kind == "host_flows" and host_rows is not None:
            mine = started(key, host_rows(key))
            if mine * 2 < f.flows:
                continue
        out.append(f)
    measure = {f: f.key.partition(":")[0].rpartition("_")[2] for f in out}  # flows or bytes
    host = {}
    for f in out:
        if f.key.startswith("host_"):
            host.setdefault(measure[f], f)
    extra = {}
    for f in out:
        if f.key.startswith("port_") and measure[f] in host:
            extra.setdefault(host[measure[f]], []).append(f.summary)
    return [replace(f, summary="; ".join([f.summary] + extra[f])) if f in extra else f
            for f in out if not (f.key.startswith("port_") and measure[f] in host)]
