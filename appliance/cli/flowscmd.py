"""`spanflow flows` (search stored flows with an nfdump filter) and `spanflow import` (a pcap)."""

import json
import logging
import os
import sys
from datetime import datetime, timezone

from .. import config
from ..collector import replay
from ..errors import SpanflowError
from ..paths import Paths
from ..query import flows, view

log = logging.getLogger(__name__)


def register(sub, common):
    p = sub.add_parser("flows", parents=[common], help="search stored flows with an nfdump filter")
    p.add_argument("filter", nargs="*", metavar="FILTER",
                   help="nfdump filter, e.g. 'proto tcp and port 22' (default: all flows)")
    p.add_argument("--since", metavar="T", help="ISO-8601 UTC time or an age such as 2h")
    p.add_argument("--until", metavar="T", help="ISO-8601 UTC time or an age such as 10m")
    p.add_argument("--limit", type=int, default=1000, metavar="N", help="at most N flows (1000)")
    p.add_argument("--top", metavar="FIELD", choices=view.TOP_FIELDS,
                   help="top 10 by bytes of FIELD instead of flows: " + ", ".join(view.TOP_FIELDS))
    p.add_argument("--format", choices=("table", "json", "csv"), default="table")
    p.add_argument("--store", metavar="DIR",
                   help="search a store made by `spanflow import --into DIR` (no config needed)")
    p.set_defaults(func=search, needs_config=False)
    p = sub.add_parser("import", parents=[common],
                       help="run a capture through the probe and collector into its own store")
    p.add_argument("capture", metavar="CAPTURE.pcap")
    p.add_argument("--into", metavar="DIR", help="store directory (default: CAPTURE.pcap.spanflow)")
    p.set_defaults(func=import_capture)


def store_paths(directory):
    """Return the Paths of an import store: flows in DIR/flows, runtime files in DIR/run."""
    directory = os.path.abspath(directory)
    return Paths(directory, os.path.join(directory, "run"))


def search(args, cfg):
    if args.store:
        if not os.path.isdir(os.path.join(args.store, "flows")):
            raise SpanflowError(f"{args.store} is not an import store (no flows/ inside): "
                                "make one with `spanflow import CAPTURE.pcap --into DIR`")
        paths = store_paths(args.store)
    else:
        paths = Paths.of(cfg or config.load(args.config))
    if args.limit < 1:
        raise SpanflowError("--limit must be 1 or more")
    now = datetime.now(timezone.utc)
    since = view.parse_time(args.since, now) if args.since else None
    until = view.parse_time(args.until, now) if args.until else None
    text = " ".join(args.filter)
    if args.top:
        items = flows.top(paths, text, args.top, since, until)
        out = {"table": lambda: view.top_table(items, args.top), "json": lambda: json.dumps(
            items, indent=2), "csv": lambda: view.as_csv(items, list(items[0]) if items else
                                                           ["value"])}[args.format]()
        print(out)
        return 0
    result = flows.search(paths, text, since, until, limit=args.limit)
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


def import_capture(args, cfg):
    into = args.into or args.capture + ".spanflow"
    paths = store_paths(into)
    counts = replay.import_capture(cfg, paths, args.capture)
    n = len(os.listdir(paths.flows))
    print(f"imported {args.capture} into {paths.flows}: {counts['stored']} flows stored of "
          f"{counts['exported']} exported, {n} file(s); search it with:\n"
          f"  spanflow flows --store {into} 'proto tcp'")
    return 0
