"""`spanflow fleet ...`: the cluster's tables (init, expire) and its flows, top-N, trends, alerts."""

import json
import sys
from datetime import datetime, timezone

from ..errors import SpanflowError
from ..query import view
from .output import add_json, emit, whole

TOP_FIELDS = ("ip", "srcip", "dstip", "port", "srcport", "dstport", "proto")


def register(sub, common):
    p = sub.add_parser("fleet", parents=[common],
                       help="the fleet's ClickHouse cluster: tables, flows, top, trends, alerts")
    fleet = p.add_subparsers(dest="fleet_command", metavar="ACTION", required=True)
    q = fleet.add_parser("init", parents=[common],
                         help="create the database and tables on every server of [fleet] cluster")
    add_json(q)
    q.set_defaults(func=init)
    q = fleet.add_parser("expire", parents=[common],
                         help="drop the days older than [fleet] retention on every server")
    add_json(q)
    q.set_defaults(func=expire)
    q = fleet.add_parser("sensors", parents=[common], help="the sensors the cluster has flows of")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=sensors)
    q = fleet.add_parser("flows", parents=[common],
                         help="search every sensor's flows with an nfdump filter")
    _common_query(q)
    q.add_argument("--limit", type=whole(1, 10_000_000), default=1000, metavar="N",
                   help="at most N flows (1000)")
    q.add_argument("--format", choices=("table", "json", "csv"), default="table")
    q.add_argument("--json", action="store_const", dest="format", const="json",
                   help="print JSON (the same as --format json)")
    q.set_defaults(func=flows)
    q = fleet.add_parser("top", parents=[common], help="top-N over every sensor (nfdump -s)")
    q.add_argument("field", choices=TOP_FIELDS, metavar="FIELD",
                   help="one of " + ", ".join(TOP_FIELDS))
    _common_query(q)
    q.add_argument("--order", choices=("bytes", "packets", "flows"), default="bytes")
    q.add_argument("-n", "--count", type=whole(1, 1000), default=10, metavar="N",
                   help="entries (10)")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=top)
    q = fleet.add_parser("trends", parents=[common],
                         help="flows, packets and bytes over time per sensor and fleet-wide")
    _common_query(q, default_since="1h")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=trends)
    q = fleet.add_parser("alerts", parents=[common], help="every sensor's alerts, newest first")
    q.add_argument("--all", action="store_true", help="acknowledged alerts too")
    q.add_argument("--sensor", action="append", default=[], metavar="NAME")
    q.add_argument("--limit", type=whole(1), default=100, metavar="N")
    q.add_argument("--json", action="store_true", help="print JSON")
    q.set_defaults(func=alerts)


def _common_query(q, default_since=None):
    q.add_argument("filter", nargs="*", metavar="FILTER",
                   help="nfdump filter, e.g. 'proto tcp and port 22' (default: all flows)")
    q.add_argument("--since", metavar="T", default=default_since,
                   help="ISO-8601 UTC time or an age such as 2h")
    q.add_argument("--until", metavar="T", help="ISO-8601 UTC time or an age such as 10m")
    q.add_argument("--sensor", action="append", default=[], metavar="NAME",
                   help="only this sensor (repeatable)")


def _window(args):
    now = datetime.now(timezone.utc)
    since = view.parse_time(args.since, now) if args.since else None
    until = view.parse_time(args.until, now) if args.until else None
    return since, until


def _connect(cfg):
    from ..fleet.client import Connection  # the driver loads only for fleet commands
    return Connection(cfg.fleet)


def init(args, cfg):
    from ..fleet import central
    done = central.init(cfg.fleet)
    return emit({"database": cfg.fleet.database, "cluster": cfg.fleet.cluster, "servers": done},
                args.json, lambda d: f"tables ready in database {d['database']} on "
                f"{len(d['servers'])} servers of cluster {d['cluster']}: {', '.join(d['servers'])}")


def expire(args, cfg):
    from ..fleet import central
    done = [{"server": server, "dropped": list(gone)}
            for server, gone in central.expire(cfg.fleet, datetime.now(timezone.utc))]
    return emit(done, args.json, lambda d: "\n".join(
        f"{e['server']}: dropped {len(e['dropped'])} days" +
        (f" ({', '.join(e['dropped'])})" if e["dropped"] else "") for e in d))


def _run(cfg, work):
    conn = _connect(cfg)
    try:
        return work(conn)
    finally:
        conn.close()


def sensors(args, cfg):
    from ..fleet import central
    found = _run(cfg, lambda conn: central.sensors(conn, cfg.fleet))
    return emit(found, args.json, lambda d: view.aligned(
        [["sensor", "flows", "bytes", "newest flow end"]]
        + [[s["sensor"], str(s["flows"]), str(s["bytes"]), s["newest"]] for s in d]))


def with_sensor(rows, text):
    """Prefix a text table rendered from rows with each row's sensor column."""
    lines = text.splitlines()
    width = max([len("sensor")] + [len(r["sensor"]) for r in rows])
    return "\n".join([f"{'sensor':<{width}}  {lines[0]}"]
                     + [f"{r['sensor']:<{width}}  {line}" for r, line in zip(rows, lines[1:])])


def flows(args, cfg):
    from ..fleet import central
    if args.limit < 1:
        raise SpanflowError("--limit must be 1 or more")
    since, until = _window(args)
    rows, truncated = _run(cfg, lambda conn: central.search(
        conn, cfg.fleet, " ".join(args.filter), since, until, args.limit, args.sensor))
    if args.format == "json":
        print(json.dumps({"flows": rows, "truncated": truncated}, indent=2))
    elif args.format == "csv":
        print(view.as_csv(rows, ["sensor", *view.COLUMNS]))
    else:
        print(with_sensor(rows, view.table(rows)) if rows else "no matching flows")
        if truncated:
            print(f"(first {args.limit} flows; more match: narrow the filter or raise --limit)",
                  file=sys.stderr)
    return 0


def top(args, cfg):
    from ..fleet import central
    since, until = _window(args)
    items = _run(cfg, lambda conn: central.top(conn, cfg.fleet, args.field, " ".join(args.filter),
                                               since, until, args.count, args.order, args.sensor))
    return emit(items, args.json, lambda d: view.top_table(d, args.field))


def trends(args, cfg):
    from ..fleet import central
    since, until = _window(args)
    until = until or datetime.now(timezone.utc)
    data = _run(cfg, lambda conn: central.trends(conn, cfg.fleet, since, until,
                                                 " ".join(args.filter)))

    def render(d):
        lines = [["time (UTC)", "sensor", "flows", "packets", "bytes"]]
        per = [(t, s, f, p, b) for s, pts in d["series"].items() for t, f, p, b in pts]
        per += [(t, "(fleet)", f, p, b) for t, f, p, b in d["fleet"]]
        for t, s, f, p, b in sorted(per):
            when = datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M")
            lines.append([when, s, str(f), str(p), str(b)])
        return view.aligned(lines) + f"\n(buckets of {d['step']} s)"
    return emit(data, args.json, render)


def alerts(args, cfg):
    from ..fleet import central
    found = _run(cfg, lambda conn: central.alerts(conn, cfg.fleet, not args.all, args.limit,
                                                  args.sensor))
    return emit(found, args.json, lambda d: view.aligned(
        [["sensor", "id", "severity", "rule", "key", "last seen", "count", "summary"]]
        + [[a["sensor"], str(a["id"]), a["severity"], a["rule"], a["key"], a["last"],
            str(a["count"]), a["summary"]] for a in d]) if d else "no alerts")
