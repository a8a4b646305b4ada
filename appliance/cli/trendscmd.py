"""`spanflow top` (top talkers, ports, conversations) and `spanflow graph` (a PNG of a series)."""

import time

from .. import durations
from ..errors import SpanflowError, UsageError
from ..paths import Paths
from ..query import view
from ..trends import readers
from .output import add_json, emit, whole

def span_seconds(text):
    """Turn a period such as 30s, 15m, 6h, 1d, 1w or 1y into seconds (the one duration grammar)."""
    try:
        return durations.seconds(text)
    except ValueError as exc:
        raise UsageError(f"--last: {exc}") from None


def register(sub, common):
    p = sub.add_parser("top", parents=[common], help="top hosts, ports or conversations")
    p.add_argument("kind", nargs="?", default="hosts", choices=readers.KINDS)
    p.add_argument("--last", default="1h", metavar="PERIOD", help="window ending now (default 1h)")
    p.add_argument("-n", type=whole(1, 1000), default=10, help="rows (default 10)")
    add_json(p, "JSON instead of a table")
    p.set_defaults(func=top)
    g = sub.add_parser("graph", parents=[common], help="write a PNG graph of a series group")
    g.add_argument("group", help="protocol, service, total or channel:NAME")
    g.add_argument("--metric", default="bits", choices=tuple(readers.METRICS))
    g.add_argument("--last", default="1d", metavar="PERIOD", help="window ending now (default 1d)")
    g.add_argument("--tz", default=None, help="time zone of the axis (default: web.timezone)")
    g.add_argument("-o", "--output", required=True, help="PNG file to write")
    add_json(g, "what was written as JSON")
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
    try:
        with open(args.output, "wb") as f:
            f.write(png)
    except OSError as exc:
        raise SpanflowError(f"cannot write {args.output}: {exc.strerror}") from None
    return emit({"output": args.output, "bytes": len(png)}, args.json,
                lambda d: f"wrote {d['output']} ({d['bytes']} bytes)")
