"""The side capture process: the Observer on the mirror port, its findings in the store.

Runs as a supervised child of `spanflow run` (`python3 -m appliance.span.sidecap ...`), so a
crash or a stall here never touches softflowd or the run loop. Every few seconds it writes its
report atomically to a JSON file the run loop puts in the status snapshot, the hosts it learned
into the inventory, and ARP events into span_events for the detector.
"""

import argparse
import json
import logging
import signal
import sys
import time
from datetime import datetime, timezone

from .. import statefile
from . import inventory
from .capture import Capture
from .observer import Observer

log = logging.getLogger(__name__)
WRITE_EVERY = 5.0


def save(con, observer, now):
    """Put what the observer learned since the last save into the inventory and span_events."""
    hosts = observer.take_hosts()
    if hosts:
        inventory.upsert(con, hosts, now)
    events = observer.take_events()
    if events:
        with con:
            con.executemany("INSERT INTO span_events (ts, kind, body) VALUES (?,?,?)",
                            [(e["ts"], e["kind"], json.dumps(e)) for e in events])


def run(args):
    observer = Observer(args.expect_subnet, args.expect_vlan, args.sweep_targets)
    capture = Capture(args.interface, args.budget)
    con = inventory.connect(args.database)
    for host in inventory.hosts(con, limit=None):
        if host["mac"] and ":" not in host["ip"]:  # the census is of ARP: IPv4 only
            observer.census.seed(host["ip"], host["mac"], host["last_seen"])
    budget_drops = 0
    try:
        while True:
            for frame, ts, vlan in capture.frames(time.monotonic() + WRITE_EVERY):
                observer.feed(frame, ts, vlan)
            now = time.time()
            save(con, observer, now)
            _received, drops = capture.statistics()
            budget_drops += drops
            updated = datetime.fromtimestamp(now, timezone.utc).isoformat(timespec="seconds")
            statefile.write(args.state, {"updated": updated, "interface": args.interface,
                                    "budget": args.budget, "over_budget": budget_drops,
                                    **observer.report(now)})
    finally:
        capture.close()
        con.close()


def main(argv=None):
    p = argparse.ArgumentParser(prog="spanflow-sidecap", description=__doc__.splitlines()[0])
    p.add_argument("--interface", required=True)
    p.add_argument("--state", required=True, help="JSON report file")
    p.add_argument("--database", required=True)
    p.add_argument("--budget", type=int, default=1000, help="frames analysed per second")
    p.add_argument("--sweep-targets", type=int, default=100)
    p.add_argument("--expect-subnet", action="append", default=[])
    p.add_argument("--expect-vlan", action="append", type=int, default=[])
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    # SIGTERM ends the wait for frames at once (SystemExit), and the finally blocks close up
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        run(args)
    except OSError as exc:
        log.error("side capture on %s failed: %s", args.interface, exc)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
