"""`spanflow import`: a capture through probe, collector, ingest and detection into its own store."""

import logging
import os
import sys
import time
from datetime import datetime, timezone

from .. import config
from ..collector import replay
from ..config.schema import Config
from ..errors import SpanflowError, ToolError
from ..imports import pipeline, store
from .output import add_json, emit
from .progress import Progress

log = logging.getLogger(__name__)


def register(sub, common):
    p = sub.add_parser("import", parents=[common],
                       help="run a capture through the whole pipeline into its own store")
    p.add_argument("capture", metavar="CAPTURE.pcap")
    p.add_argument("--into", metavar="DIR", help="store directory (default: CAPTURE.pcap.spanflow)")
    add_json(p, "what was imported as JSON (the store's record entry, files and alerts)")
    # No config needed: the box's own if there is one, else the shipped defaults.
    p.set_defaults(func=run_import, needs_config=False)


def settings(args):
    """Return the Config an import runs with: --config, the box's, or the shipped defaults."""
    if args.config:
        return config.load(args.config)
    if os.path.exists(config.DEFAULT_PATHS[0]):
        return config.load()
    log.info("no %s: importing with the shipped defaults", config.DEFAULT_PATHS[0])
    return Config()


def run_import(args, _cfg):
    capture, into = args.capture, args.into or args.capture + ".spanflow"
    if not os.path.isfile(capture):
        raise ToolError(f"capture {capture} not found: give a pcap or pcapng file")
    record = store.read(into) if os.path.isdir(into) else None
    if record is None:
        if os.path.isdir(into) and os.listdir(into):
            raise SpanflowError(f"{into} is not empty and holds no {store.RECORD}: give a new "
                                "folder to --into, or one an earlier import made")
        cfg = store.for_store(settings(args), into)
        record = store.new_record(cfg)
    else:
        cfg = store.store_config(record, into)  # one store, one set of settings
        if args.config:
            log.warning("%s keeps the settings of its first import; --config is not used", into)
    sha256 = store.digest(capture)
    seen = store.find(record, sha256)
    if seen:
        return emit({**seen, "store": into, "already": True}, args.json, lambda d: (
            f"{capture} is already in {into} (imported {d['imported']} from "
            f"{d['capture']}: {d['flows']} flows): nothing changed"))
    paths = store.paths_of(into)
    os.makedirs(paths.runtime, exist_ok=True)
    shown = Progress(sys.stderr) if sys.stdout.isatty() and sys.stderr.isatty() else None
    try:
        done = replay.import_capture(cfg, paths, capture, progress=shown)
    finally:
        if shown:
            shown.finish()
    if record["captures"]:
        store.clear_derived(paths)  # RRD takes only later times: rebuild from every file in order
    record["captures"].append(store.entry(capture, sha256, done, time.time()))
    store.write(into, record)  # before analysis: the flows are in, a second import must not add them
    first, last = store.span(record)
    result = pipeline.analyse(cfg, paths, last + cfg.collector.rotate) if first is not None \
        else {"files": 0, "alerts": 0}
    emit({**record["captures"][-1], "store": into, "already": False, **result}, args.json,
         lambda _: summary(capture, into, done, result, cfg.collector.rotate))
    if done.error:
        raise SpanflowError(f"{capture} is damaged {done.error}; the {done.packets} packets "
                            f"before it are imported into {into}")
    replay.check_loss(done)
    return 0


def _utc(t):
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%d %H:%M")


def summary(capture, into, done, result, step):
    """Return the lines telling what was imported, what was found and how to look at it."""
    if not done.slices:
        return f"{capture}: no packets to import"
    return (f"imported {capture} into {into}: {done.packets} packets from {_utc(done.first)} "
            f"to {_utc(done.last + step)} UTC, {done.stored} flows in {done.slices} file(s); "
            f"{result.get('alerts', 0)} alert(s)\n"
            f"  search: spanflow flows --store {into} 'proto tcp'\n"
            f"  graphs, top lists, alerts: spanflow web --store {into}")
