"""`spanflow flows`: search stored flows (the sensor's or an import store's) with an nfdump filter."""

import json
import logging
import sys
from datetime import datetime, timezone

from .. import config
from ..errors import SpanflowError
from ..imports import store
from ..paths import Paths
from ..query import flows, view
from .output import whole

log = logging.getLogger(__name__)


def register(sub, common):
    p = sub.add_parser("flows", parents=[common], help="search stored flows with an nfdump filter")
    p.add_argument("filter", nargs="*", metavar="FILTER",
                   help="nfdump filter, e.g. 'proto tcp and port 22' (default: all flows)")
    p.add_argument("--since", metavar="T", help="ISO-8601 UTC time or an age such as 2h")
    p.add_argument("--until", metavar="T", help="ISO-8601 UTC time or an age such as 10m")
    p.add_argument("--limit", type=whole(1, 10_000_000), default=1000, metavar="N",
                   help="at most N flows (1000)")
    p.add_argument("--top", metavar="FIELD", choices=view.TOP_FIELDS,
                   help="top 10 by bytes of FIELD instead of flows: " + ", ".join(view.TOP_FIELDS))
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--json", action="store_const", dest="format", const="json",
                   help="print JSON (the same as --format json)")
    p.add_argument("--exporter", metavar="NAME",
                   help="only the flows of one source: probe, or an allowed exporter's address")
    p.add_argument("--store", metavar="DIR",
                   help="search a store made by `spanflow import --into DIR` (no config needed)")
    p.set_defaults(func=search, needs_config=False)


def search(args, cfg):
    if args.store:
        if not store.is_store(args.store):
            raise SpanflowError(f"{args.store} is not an import store (no flows/ inside): "
                                "make one with `spanflow import CAPTURE.pcap --into DIR`")
        paths = store.paths_of(args.store)
    else:
        paths = Paths.of(cfg or config.load(args.config))
    now = datetime.now(timezone.utc)
    since = view.parse_time(args.since, now) if args.since else None
    until = view.parse_time(args.until, now) if args.until else None
    text = " ".join(args.filter)
    if args.top:
        items = flows.top(paths, text, args.top, since, until, exporter=args.exporter)
        out = {"table": lambda: view.top_table(items, args.top), "json": lambda: json.dumps(
            items, indent=2), "csv": lambda: view.as_csv(items, list(items[0]) if items else
                                                           ["value"])}[args.format]()
        print(out)
        return 0
    result = flows.search(paths, text, since, until, limit=args.limit, exporter=args.exporter)
    if args.format == "json":
        print(view.as_json(result))
    elif args.format == "csv":
        print(view.as_csv(result.rows))
    else:
        print(view.table(result.rows))
    if result.truncated:
        print(f"spanflow: showing the first {args.limit} flows; narrow the filter or raise --limit",
              file=sys.stderr)
    return 0

