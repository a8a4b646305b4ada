"""Flow rows (appliance.query's dicts) to the cluster's columns and back (pure)."""

import calendar
import socket
from datetime import datetime, timezone

from ..query.normal import ICMP_PROTOS, proto_name
from .tables import FLOW_COLUMNS

INSERT_COLUMNS = [name for name, _ in FLOW_COLUMNS]
V4_PREFIX = b"\0" * 10 + b"\xff\xff"
# What a search reads back: the times as epoch seconds (no time zone in the driver's way).
SELECT = ("sensor, toUInt32(first), first_ms, toUInt32(last), last_ms, duration, proto, src, "
          "sport, dst, dport, icmp_type, icmp_code, packets, bytes")


def ip16(text):
    """Return an address as 16 bytes (IPv4 mapped into ::ffff:0:0/96) so both families compare."""
    try:
        return V4_PREFIX + socket.inet_pton(socket.AF_INET, text)
    except OSError:
        return socket.inet_pton(socket.AF_INET6, text)  # 5x faster than ipaddress's parsing


def _cached(convert):
    """Return convert() memoised (flows of a file share seconds and addresses), bounded."""
    cache = {}

    def get(text):
        value = cache.get(text)
        if value is None:
            if len(cache) > 200000:
                cache.clear()
            value = cache[text] = convert(text)
        return value
    return get


def _seconds(head):
    return calendar.timegm(datetime.fromisoformat(head).timetuple())


def columns(sensor, file, rows, start=0):
    """Return rows[start:] of one flow file as columns in INSERT_COLUMNS order."""
    sel = rows[start:] if start else rows
    n = len(sel)
    sec, addr = _cached(_seconds), _cached(ip16)
    # "YYYY-mm-ddTHH:MM:SS.mmmZ": seconds from the first 19 characters, ms from 20-23
    firsts = [r["first"] for r in sel]
    lasts = [r["last"] for r in sel]
    srcs = [r["src"] for r in sel]
    dsts = [r["dst"] for r in sel]
    return [
        [sensor] * n, [file] * n, list(range(start, start + n)),
        [sec(t[:19]) for t in firsts], [int(t[20:23]) for t in firsts],
        [sec(t[:19]) for t in lasts], [int(t[20:23]) for t in lasts],
        [float(r["duration"]) for r in sel], [r["proto"] for r in sel],
        srcs, [addr(a) for a in srcs], [r["sport"] for r in sel],
        dsts, [addr(a) for a in dsts], [r["dport"] for r in sel],
        [r.get("icmp_type", 0) for r in sel], [r.get("icmp_code", 0) for r in sel],
        [r["packets"] for r in sel], [r["bytes"] for r in sel],
    ]


def stamp(epoch, ms):
    """Format epoch seconds and milliseconds as appliance.query does: ISO-8601 UTC with ms and Z."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"


def row(values):
    """Turn one SELECT tuple back into a flow row (appliance.query's dict) with its sensor."""
    (sensor, first, fms, last, lms, duration, proto, src, sport, dst, dport, icmp_type, icmp_code,
     packets, bytes_) = values
    out = {"sensor": sensor, "first": stamp(first, fms), "last": stamp(last, lms),
           "duration": duration, "proto": proto,
           "proto_name": proto_name(proto), "src": src, "sport": sport,
           "dst": dst, "dport": dport, "packets": packets, "bytes": bytes_}
    if proto in ICMP_PROTOS:
        out["icmp_type"], out["icmp_code"] = icmp_type, icmp_code
    return out
