"""Read back the flows the sensor stored in a run, as 5-tuple totals.

Uses nfdump -o json with TZ=UTC (pitfalls.md: never the default format on softflowd records).
"""

import json
import os
import subprocess
from collections import defaultdict

from .errors import LabError


def records(flows_dir, nffilter="any"):
    """Return every stored flow record under flows_dir matching an nfdump filter, as dicts."""
    if not any(f.startswith("nfcapd.") and ".current" not in f for _t, _d, fs in os.walk(flows_dir)
               for f in fs):
        return []
    done = subprocess.run(["nfdump", "-R", flows_dir, "-o", "json", "-q", nffilter],
                          capture_output=True, text=True, env={"TZ": "UTC", "PATH": "/usr/bin:/bin"})
    if done.returncode != 0:
        raise LabError(f"nfdump could not read {flows_dir}: {done.stderr.strip()[:200]}")
    text = done.stdout.strip().rstrip(",")
    if not text:
        return []
    # With -q nfdump 1.7 prints the objects comma-separated but without the enclosing brackets.
    return json.loads(text if text.startswith("[") else f"[{text}]")


def key_of(rec):
    """Return the (proto, src, sport, dst, dport) of an nfdump JSON record (ICMP: type*256+code)."""
    proto = rec.get("proto", 0)
    if proto == 1:
        dport = rec.get("icmp_type", 0) * 256 + rec.get("icmp_code", 0)
        return (1, rec.get("src4_addr"), 0, rec.get("dst4_addr"), dport)
    return (proto, rec.get("src4_addr"), rec.get("src_port", 0), rec.get("dst4_addr"),
            rec.get("dst_port", 0))


def totals(recs):
    """Return {5-tuple: [packets, bytes, records]} summed over records."""
    out = defaultdict(lambda: [0, 0, 0])
    for rec in recs:
        t = out[key_of(rec)]
        t[0] += rec.get("in_packets", 0)
        t[1] += rec.get("in_bytes", 0)
        t[2] += 1
    return dict(out)


def bad_times(recs):
    """Return how many records end before they start (the appliance must never store these)."""
    return sum(1 for r in recs if r.get("t_last", "") < r.get("t_first", ""))
