"""Parse nfdump's JSON output into flow rows and correct what softflowd exports wrong."""

import json
from datetime import datetime, timezone

from ..errors import ToolError
from .normal import ICMP_PROTOS, icmp_port, ordered, proto_name


def parse_time(text):
    """Turn nfdump's JSON time (UTC under TZ=UTC, e.g. 2023-11-14T22:13:20.900) into a datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


def iso(dt):
    """Format a UTC datetime as ISO-8601 with milliseconds and a Z."""
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_json(text):
    """Return nfdump's -o json records as a list of dicts (nfdump prints a bare line when empty)."""
    body = text.lstrip()
    # nfdump 1.7.1 prints "[", a bare "No matching flows" line and "]" instead of an empty list.
    if not body or "No matching flows" in body[:40]:
        return []
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise ToolError(f"cannot parse nfdump's JSON output ({exc}): check the nfdump version "
                        "(1.7.1 expected)") from None
    return [r for r in data if r.get("type", "FLOW") == "FLOW"]


def row(record):
    """Turn one nfdump JSON record into a spanflow flow row (corrected, see correct())."""
    proto = int(record.get("proto", 0))
    first_text, last_text = record["first"], record["last"]
    first, last = parse_time(first_text), parse_time(last_text)
    if last < first:
        first, last = correct(first, last)
        first_text = last_text = iso(last)[:-1]
    out = {
        # nfdump prints UTC (TZ=UTC) with milliseconds: only the zone letter is missing.
        "first": first_text + "Z",
        "last": last_text + "Z",
        "duration": round((last - first).total_seconds(), 3),
        "proto": proto,
        "proto_name": proto_name(proto),
        "src": record.get("src4_addr") or record.get("src6_addr", ""),
        "sport": int(record.get("src_port", 0)),
        "dst": record.get("dst4_addr") or record.get("dst6_addr", ""),
        "dport": int(record.get("dst_port", 0)),
        "packets": int(record.get("in_packets", 0)),
        "bytes": int(record.get("in_bytes", 0)),
    }
    if proto in ICMP_PROTOS:
        out["icmp_type"] = int(record.get("icmp_type", 0))
        out["icmp_code"] = int(record.get("icmp_code", 0))
        # nfdump matches ICMP "dst port" as type*256+code; show the same number.
        out["dport"] = icmp_port(out["icmp_type"], out["icmp_code"])
    return out


def correct(first, last):
    """Return (first, last) so that a flow never ends before it starts."""
    return ordered(first, last)


def rows(text):
    """Parse nfdump -o json output into corrected flow rows."""
    return [row(r) for r in parse_json(text)]


