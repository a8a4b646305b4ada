"""Run ingest and detection over every flow file of an import store, as `spanflow run` would."""

import logging

from ..detect import engine as detect_engine
from ..errors import ToolError
from ..trends import db, ingest as trends_ingest

log = logging.getLogger(__name__)


def analyse(cfg, paths, now):
    """Ingest every closed file (RRD series, top lists) with detection listening; return counts.

    now is the end of the capture's time: retention and the RRD files' start are reckoned from
    it, so a capture from last year is not expired as it is stored.
    """
    worker = trends_ingest.IngestWorker(cfg, paths, clock=lambda: now)
    parts = detect_engine.paired(worker, cfg, paths)
    started = []
    try:
        for _name, part in parts:
            part.start()
            started.append(part)
        while True:
            todo = trends_ingest.pending(paths.flows, db.cursor(worker.con))
            if not todo:
                break
            before = worker.errors
            worker.poll(now)
            if worker.errors > before:
                raise ToolError(f"ingest stopped: {worker.last_error}")
        flush = getattr(worker, "flush", None)
        if flush:  # trends that hold open bins until the capture is over
            flush()
        detector = parts[1][1]
        return {"files": worker.status().get("files_done", 0), **detector.status()}
    finally:
        for part in reversed(started):
            part.stop()

