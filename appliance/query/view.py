"""Parse user times and render flow rows as a table, JSON or CSV (pure: no I/O)."""

import csv
import io
import json
from datetime import datetime, timezone

from .. import durations
from ..errors import UsageError

COLUMNS = ["first", "last", "duration", "proto", "proto_name", "src", "sport", "dst", "dport",
           "icmp_type", "icmp_code", "packets", "bytes", "exporter"]
TOP_FIELDS = ("ip", "srcip", "dstip", "port", "srcport", "dstport", "proto", "srcnet", "dstnet")


def parse_time(text, now):
    """Turn ISO-8601 (naive = UTC) or a duration such as 90m, 2h, 1d (before now) into UTC."""
    text = text.strip()
    if text[-1:].isalpha() and text[:1].isdigit() and "-" not in text:  # an age, not a date
        try:
            return now - durations.delta(text)
        except ValueError as exc:
            raise UsageError(f"bad time: {exc}") from None
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return dt.replace(tzinfo=timezone.utc) if dt.tzinfo is None else \
            dt.astimezone(timezone.utc)
    except (ValueError, OverflowError):
        raise UsageError(f"bad time {text[:40]!r}: give ISO-8601 UTC such as 2026-11-27T10:00 "
                         f"or an age: {durations.ALLOWED}") from None


def _endpoint(addr, port, proto):
    if proto in (1, 58):
        return addr
    return f"[{addr}]:{port}" if ":" in addr else f"{addr}:{port}"


def aligned(lines):
    """Render lists of cell strings (the first is the header) as left-aligned text columns."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() for line in lines)


def table(rows):
    """Render rows as an aligned text table."""
    head = ["first (UTC)", "dur s", "proto", "source", "destination", "packets", "bytes"]
    # the exporter column only when a router's flows are among them: the probe's alone need none
    routers = any(r.get("exporter", "probe") != "probe" for r in rows)
    lines = [head + ["exporter"] if routers else head]
    for r in rows:
        proto = r["proto_name"]
        if "icmp_type" in r:
            proto += f" {r['icmp_type']}/{r['icmp_code']}"
        lines.append([r["first"], f"{r['duration']:.3f}", proto,
                      _endpoint(r["src"], r["sport"], r["proto"]),
                      _endpoint(r["dst"], r["dport"], r["proto"]),
                      str(r["packets"]), str(r["bytes"])] + ([r["exporter"]] if routers else []))
    return aligned(lines)


def result_doc(result):
    """Return a SearchResult as the one JSON shape of a search (CLI --json and /search.json)."""
    return {"flows": result.rows, "truncated": result.truncated, "files": result.files}


def as_json(result):
    """Render a SearchResult as one JSON document."""
    return json.dumps(result_doc(result), indent=2)


def as_csv(rows, columns=COLUMNS):
    """Render rows as CSV with a header line (empty cells where a key does not apply)."""
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().rstrip("\n")


def top_table(items, field):
    """Render nfdump's top-N statistic as a text table."""
    lines = [[field, "flows", "packets", "bytes"]]
    lines += [[t["value"], str(t["flows"]), str(t["packets"]), str(t["bytes"])] for t in items]
    return aligned(lines)
