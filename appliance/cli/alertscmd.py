"""`spanflow alerts` (list alerts) and `spanflow ack ID` (acknowledge one)."""

import getpass
import os

from ..detect.store import AlertStore
from ..errors import SpanflowError
from ..paths import Paths
from ..query import view
from .output import add_json, emit, whole

COLUMNS = ("id", "severity", "rule", "key", "last_seen", "count", "summary")


def register(sub, common):
    p = sub.add_parser("alerts", parents=[common], help="list alerts (active ones by default)")
    p.add_argument("--all", action="store_true", help="include acknowledged alerts")
    p.add_argument("-n", type=whole(1), default=100, help="at most this many (default 100)")
    add_json(p, "JSON instead of a table")
    p.set_defaults(func=alerts)
    a = sub.add_parser("ack", parents=[common], help="acknowledge an alert by its id")
    a.add_argument("id", type=whole(1), help="the alert's id (see spanflow alerts)")
    a.add_argument("--by", default=None, help="who acknowledges (default: your user name)")
    add_json(a, "the acknowledged alert as JSON")
    a.set_defaults(func=ack)


def _store(cfg):
    path = Paths.of(cfg).database
    if not os.path.exists(path):
        return None
    return AlertStore(path)


def _table(rows):
    if not rows:
        return "no alerts"
    cells = [[str(r["until"] if k == "last_seen" else r[k]) for k in COLUMNS] for r in rows]
    return view.aligned([list(COLUMNS), *cells])


def alerts(args, cfg):
    store = _store(cfg)
    rows = store.list(active_only=not args.all, limit=args.n) if store else []
    return emit(rows, args.json, _table)


def ack(args, cfg):
    store = _store(cfg)
    alert = store.get(args.id) if store else None
    if alert is None:
        raise SpanflowError(f"no alert {args.id}: see `spanflow alerts --all` for the ids")
    if not alert["active"]:
        raise SpanflowError(f"alert {args.id} was already acknowledged by {alert['acked_by']} "
                            f"at {alert['acked']}")
    store.acknowledge(args.id, args.by or getpass.getuser())
    return emit(store.get(args.id), args.json,
                lambda a: f"acknowledged alert {a['id']} ({a['rule']} {a['key']})")
