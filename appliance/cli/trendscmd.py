"""`spanflow top` (top talkers, ports, conversations) and `spanflow graph` (a PNG of a series)."""

import re
import time

from ..errors import SpanflowError
from ..paths import Paths
from ..query import view
from ..trends import readers
from .output import emit

_SPAN = re.compile(r"^(\d+)([mhdwy])$")
_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}


def span_seconds(text):
    """Turn a period such as 15m, 6h, 1d, 1w or 1y into seconds."""
    m = _SPAN.match(text)
    if not m or int(m.group(1)) == 0:
        raise SpanflowError(f"bad period {text!r}: use a number and m, h, d, w or y (e.g. 1h)")
    return int(m.group(1)) * _SECONDS[m.group(2)]


def register(sub, common):
    p = sub.add_parser("top", parents=[common], help="top hosts, ports or conversations")
    p.add_argument("kind", nargs="?", default="hosts", choices=readers.KINDS)
    p.add_argument("--last", default="1h", metavar="PERIOD", help="window ending now (default 1h)")
    p.add_argument("-n", type=int, default=10, help="rows (default 10)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=top)
    g = sub.add_parser("graph", parents=[common], help="write a PNG graph of a series group")
    g.add_argument("group", help="protocol, service, total or channel:NAME")
    g.add_argument("--metric", default="bits", choices=tuple(readers.METRICS))
    g.add_argument("--last", default="1d", metavar="PERIOD", help="window ending now (default 1d)")
    g.add_argument("--tz", default=None, help="time zone of the axis (default: web.timezone)")
    g.add_argument("-o", "--output", required=True, help="PNG file to write")
    g.set_defaults(func=graph)


def _table(rows):
    if not rows:
        return "no data in this window (is `spanflow run` ingesting?)"
    keys = [k for k in rows[0] if k not in ("flows", "packets", "bytes", "filter")]
    head = [*keys, "flows", "packets", "bytes", "filter"]
    return view.aligned([head, *([str(r[k]) for k in head] for r in rows)])


def top(args, cfg):
    end = time.time()
    rows = readers.top(cfg, Paths.of(cfg), args.kind, end - span_seconds(args.last), end, args.n)
    return emit(rows, args.json, _table)


def graph(args, cfg):
    end = time.time()
    png = readers.graph_png(cfg, Paths.of(cfg), args.group, args.metric,
                            end - span_seconds(args.last), end, tz=args.tz or cfg.web.timezone)
    with open(args.output, "wb") as f:
        f.write(png)
    print(f"wrote {args.output} ({len(png)} bytes)")
    return 0
