"""`spanflow run`: check, start components in order, poll and snapshot, stop in reverse."""

import datetime
import logging
import os
import signal
import threading
import time

from ..errors import ToolError
from . import snapshot
from .preflight import preflight

log = logging.getLogger(__name__)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


class Supervisor:
    """Start components in order, poll them, write the snapshot, stop them in reverse."""

    def __init__(self, components, status_path, clock=time.monotonic, interval=1.0):
        self.components, self.status_path = components, status_path
        self.clock, self.interval = clock, interval
        self.stopping = threading.Event()
        self.started, self.state = utcnow(), "starting"
        self.snapshot_errors = 0

    def snapshot(self):
        data = {"version": 1, "updated": utcnow(), "pid": os.getpid(), "started": self.started,
                "state": self.state}
        for name, comp in self.components:
            data[name] = comp.status()
        snapshot.write(self.status_path, data)

    def request_stop(self, signum=None, frame=None):
        log.info("stopping on signal %s", signum)
        self.stopping.set()

    def start(self):
        """Start every component in order; a failure stops those already started."""
        for n, (name, comp) in enumerate(self.components):
            log.debug("starting %s", name)
            try:
                comp.start()
            except OSError as exc:
                self.stop(upto=n + 1)
                raise ToolError(f"cannot start {name} ({exc}); check that its program is "
                                "installed and executable") from None
            except BaseException:
                self.stop(upto=n + 1)
                raise

    def stop(self, upto=None):
        """Stop components in reverse order; every one is tried even if another fails."""
        for name, comp in reversed(self.components[:upto]):
            try:
                comp.stop()
            except Exception:
                log.exception("stopping %s failed", name)

    def loop(self):
        """Poll every component about once a second until asked to stop."""
        while not self.stopping.is_set():
            now = self.clock()
            for name, comp in self.components:
                try:
                    comp.poll(now)
                except Exception:  # one component's trouble must not end supervision
                    log.exception("polling %s failed", name)
            try:
                self.snapshot()
            except OSError as exc:  # a full or read-only /run must not stop the capture
                self.snapshot_errors += 1
                log.warning("cannot write the status snapshot %s (%s times): %s",
                            self.status_path, self.snapshot_errors, exc)
            self.stopping.wait(self.interval)


def run(cfg, paths, components):
    """Run until SIGTERM/SIGINT; return 0 after a clean, reverse-order stop."""
    sup = Supervisor(components, paths.status)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, sup.request_stop)  # before anything changes, so a stop is never lost
    for text in preflight(cfg, paths):
        log.warning("%s", text)
    sup.start()
    try:
        sup.state = "running"
        log.info("running; pid %s", os.getpid())
        sup.loop()
    finally:
        sup.stop()
        sup.state = "stopped"
        sup.snapshot()
        log.info("stopped")
    return 0
