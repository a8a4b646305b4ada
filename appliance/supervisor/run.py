"""`spanflow run`: check, start components in order, poll and snapshot, stop in reverse."""

import datetime
import errno
import logging
import os
import shutil
import signal
import socket
import tempfile
import threading
import time

from ..collector.command import nfcapd_command
from ..config.checks import split_host_port
from ..errors import InterfaceError, SpanflowError, ToolError
from ..mirror import helper
from ..probe.command import softflowd_command
from . import snapshot

log = logging.getLogger(__name__)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def check_storage(*folders):
    """Create the storage folders and prove each is writable."""
    for folder in folders:
        try:
            os.makedirs(folder, exist_ok=True)
            tempfile.TemporaryFile(dir=folder).close()
        except OSError as exc:
            raise SpanflowError(f"storage folder {folder} is not writable ({exc.strerror}); "
                                "fix its permissions or set [storage] dir/runtime_dir") from None


def check_port_free(listen):
    """Raise unless the collector's UDP listen address can be bound."""
    host, port_no = split_host_port(listen)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        try:
            s.bind((host, port_no))
        except OSError as exc:
            what = "is in use" if exc.errno == errno.EADDRINUSE else f"cannot be bound ({exc})"
            raise ToolError(f"collector address {listen} (UDP) {what}; stop what listens there "
                            "or set [collector] listen") from None
        try:
            s.connect((host, port_no))
        except OSError as exc:
            # Seen in a fresh namespace: softflowd then dies at once with "Network is unreachable".
            raise ToolError(f"the probe cannot reach the collector at {listen} ({exc.strerror}); "
                            "bring loopback up (ip link set lo up)") from None


def check_tool(argv, package):
    """Raise unless the program of argv exists and is executable."""
    if not (os.access(argv[0], os.X_OK) or shutil.which(argv[0])):
        raise ToolError(f"{argv[0]} is missing; install the Debian package {package}")


def preflight(cfg, paths):
    """Check everything `run` needs before changing anything."""
    if not cfg.mirror.interface:
        raise InterfaceError("no mirror interface configured; set [mirror] interface")
    helper.call("check", cfg.mirror, paths.mirror_state)
    check_storage(paths.data, paths.flows, paths.runtime)
    check_port_free(cfg.collector.listen)
    check_tool(nfcapd_command(cfg, paths)[0], "nfdump")
    check_tool(softflowd_command(cfg, paths, cfg.mirror.interface)[0], "softflowd")


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
    preflight(cfg, paths)
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
