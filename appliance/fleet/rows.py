"""Flow rows (appliance.query's dicts) to the cluster's columns and back (pure)."""

import calendar
import ipaddress
from datetime import datetime, timezone

from ..query.records import ICMP_PROTOS, PROTO_NAMES
from .tables import FLOW_COLUMNS

INSERT_COLUMNS = [name for name, _ in FLOW_COLUMNS]
# What a search reads back: the times as epoch seconds (no time zone in the driver's way).
SELECT = ("sensor, toUInt32(first), first_ms, toUInt32(last), last_ms, duration, proto, src, "
          "sport, dst, dport, icmp_type, icmp_code, packets, bytes")


def ip16(text):
    """Return an address as 16 bytes (IPv4 mapped into ::ffff:0:0/96) so both families compare."""
    addr = ipaddress.ip_address(text)
    if addr.version == 4:
        return b"\0" * 10 + b"\xff\xff" + addr.packed
    return addr.packed


def _splitter():
    """Return a function "YYYY-mm-ddTHH:MM:SS.mmmZ" -> (epoch, ms), caching whole seconds."""
    cache = {}

    def split(text):
        head = text[:19]
        sec = cache.get(head)
        if sec is None:
            sec = calendar.timegm(datetime.fromisoformat(head).timetuple())
            if len(cache) > 100000:
                cache.clear()
            cache[head] = sec
        return sec, int(text[20:23] or 0)
    return split


def columns(sensor, file, rows, start=0):
    """Return rows[start:] of one flow file as columns in INSERT_COLUMNS order."""
    split, addrs = _splitter(), {}

    def packed(text):
        value = addrs.get(text)
        if value is None:
            value = addrs[text] = ip16(text)
        return value

    cols = [[] for _ in INSERT_COLUMNS]
    (c_sensor, c_file, c_row, c_first, c_fms, c_last, c_lms, c_dur, c_proto, c_src, c_srcip,
     c_sport, c_dst, c_dstip, c_dport, c_it, c_ic, c_pkt, c_byt) = cols
    for i, r in enumerate(rows[start:], start):
        f, fms = split(r["first"])
        l, lms = split(r["last"])
        c_sensor.append(sensor)
        c_file.append(file)
        c_row.append(i)
        c_first.append(f)
        c_fms.append(fms)
        c_last.append(l)
        c_lms.append(lms)
        c_dur.append(float(r["duration"]))
        c_proto.append(r["proto"])
        c_src.append(r["src"])
        c_srcip.append(packed(r["src"]))
        c_sport.append(r["sport"])
        c_dst.append(r["dst"])
        c_dstip.append(packed(r["dst"]))
        c_dport.append(r["dport"])
        c_it.append(r.get("icmp_type", 0))
        c_ic.append(r.get("icmp_code", 0))
        c_pkt.append(r["packets"])
        c_byt.append(r["bytes"])
    return cols


def stamp(epoch, ms):
    """Format epoch seconds and milliseconds as appliance.query does: ISO-8601 UTC with ms and Z."""
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S") + f".{ms:03d}Z"


def row(values):
    """Turn one SELECT tuple back into a flow row (appliance.query's dict) with its sensor."""
    (sensor, first, fms, last, lms, duration, proto, src, sport, dst, dport, icmp_type, icmp_code,
     packets, bytes_) = values
    out = {"sensor": sensor, "first": stamp(first, fms), "last": stamp(last, lms),
           "duration": duration, "proto": proto,
           "proto_name": PROTO_NAMES.get(proto) or str(proto), "src": src, "sport": sport,
           "dst": dst, "dport": dport, "packets": packets, "bytes": bytes_}
    if proto in ICMP_PROTOS:
        out["icmp_type"], out["icmp_code"] = icmp_type, icmp_code
    return out
