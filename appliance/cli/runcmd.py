"""`spanflow run` (the sensor, as root) and `spanflow status` (read its snapshot)."""

import json
import sys

from ..errors import SpanflowError, require_root
from ..paths import Paths
from ..span import view as span_view
from ..supervisor import snapshot
from .output import add_json


def register(sub, common):
    p = sub.add_parser("run", parents=[common],
                       help="configure the mirror port and supervise probe and collector (root)")
    p.set_defaults(func=run)
    p = sub.add_parser("status", parents=[common], help="show the sensor's status snapshot")
    add_json(p, "the snapshot as JSON")
    p.set_defaults(func=status)


def run(args, cfg):
    require_root("spanflow run")
    from ..supervisor import components, run as runloop  # `status` need not load the run stack

    paths = Paths.of(cfg)
    return runloop.run(cfg, paths, components.build(cfg, paths))


def render(data, stale):
    """Return the snapshot as readable lines."""
    lines = [f"spanflow run pid {data['pid']}, started {data['started']}, updated "
             f"{data['updated']}" + (" (NOT RUNNING: last snapshot)" if stale else "")]
    for name, part in data.items():
        if not isinstance(part, dict):
            continue
        head = f"{name}: {part.get('state', '?')}"
        if part.get("pid"):
            head += f", pid {part['pid']}"
        if "restarts" in part:
            head += f", restarts {part['restarts']}"
        lines.append(head)
        if name == "span":  # the mirror's verdict and the numbers behind it, not raw JSON
            lines += span_view.lines(part)
            continue
        for key, value in part.items():
            if key in ("state", "pid", "restarts") or value in (None, {}, []):
                continue
            lines.append(f"  {key}: {readable(value)}")
    return "\n".join(lines)


def readable(value):
    """Return a nested reading as one line ("bad_packets 3188, sequence_errors 5882"), not JSON."""
    if isinstance(value, dict):
        return ", ".join(f"{k} ({readable(v)})" if isinstance(v, dict) else f"{k} {readable(v)}"
                         for k, v in value.items() if v not in (None, {}, []))
    if isinstance(value, list):
        return "; ".join(readable(v) for v in value[:5]) + (
            f"; ... {len(value) - 5} more" if len(value) > 5 else "")
    return str(value)


def status(args, cfg):
    path = Paths.of(cfg).status
    data = snapshot.read(path)
    if data is None:
        raise SpanflowError(f"no status snapshot at {path}; is spanflow run running?")
    stale = snapshot.is_stale(data)
    if args.json:
        json.dump(data, sys.stdout, indent=2, sort_keys=True)
        print()
    else:
        print(render(data, stale))
    return 1 if stale else 0  # not running is a run-time failure (docs/operations.md)
