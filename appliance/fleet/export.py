"""FleetExport: every closed flow file's flows into the cluster exactly once, and the alerts.

A `spanflow run` component whose work runs on its own thread: a cluster that hangs or is gone
never holds up the run loop, the collector or the local store. The cursor (cursor.py) is
written before each batch and after it; a file whose sending was cut asks the cluster how many
of its rows are in (batches are atomic and in order, so those are a prefix) and goes on from
there: after an outage, a crash or a lost answer nothing is missing and nothing is twice.
"""

import calendar
import logging
import os
import socket
import threading
import time
from datetime import datetime, timedelta

from ..detect.store import AlertStore
from ..errors import SpanflowError
from ..query import files as flowfiles, lines, nfdump
from . import cursor, rows as flowrows, tables
from .client import Connection

log = logging.getLogger(__name__)

IDLE_WAIT = 1.0  # seconds between looks at the flow folder when there is nothing to send
RETRY_MAX = 15.0  # seconds: the longest wait after a failure (doubling from 1 s)
READ_TIMEOUT = 300
ALERTS_EVERY = 10  # seconds between looks at the alert store
ALERTS_SHIPPED = 1000  # newest alerts compared with what was shipped


def components(cfg, paths):
    """Return [("fleet", FleetExport)] when this sensor exports, else []."""
    if cfg.fleet.endpoints and cfg.fleet.export:
        return [("fleet", FleetExport(cfg, paths))]
    return []


def sensor_name(cfg):
    """Return the name this sensor's rows carry: [fleet] sensor, or the host name."""
    return cfg.fleet.sensor or socket.gethostname()


def read_flows(path, timeout=READ_TIMEOUT):
    """Return every flow of one closed file as appliance.query rows, in file order."""
    return lines.rows(nfdump.run(["-r", path, *lines.ARGS], timeout))


def _epoch(text):
    return calendar.timegm(datetime.fromisoformat(text[:19]).timetuple())


class FleetExport:
    """A `spanflow run` component: start(), stop(), poll(now), status()."""

    def __init__(self, cfg, paths, clock=time.time, connect=Connection, read=read_flows):
        self.cfg, self.paths, self.clock = cfg, paths, clock
        self.connect, self.read = connect, read
        self.fleet, self.sensor = cfg.fleet, sensor_name(cfg)
        self.state, self.thread, self.halt = "stopped", None, threading.Event()
        self.conn = self.db = None
        self.connected, self.failures, self.last_error, self.last_error_at = False, 0, None, None
        self.backlog, self.lag, self.last_insert, self.alerts_sent = 0, 0.0, None, 0
        self.totals = {"files_done": 0, "rows_sent": 0, "files_skipped": 0, "last_done": None}
        self.next_alerts, self.retry = 0.0, 0

    def start(self):
        if self.thread is None:
            self.halt.clear()
            self.state = "running"
            self.thread = threading.Thread(target=self._loop, name="fleet-export", daemon=True)
            self.thread.start()

    def stop(self):
        if self.thread is not None:
            self.halt.set()
            self.thread.join(self.fleet.timeout * 3 + 5)
            self.thread = None
        self.state = "stopped"

    def poll(self, now):
        """Do nothing: the export thread works on its own clock."""

    def _loop(self):
        try:
            self.db = cursor.connect(self.paths.database)
            self.totals = cursor.totals(self.db)
        except Exception as exc:  # e.g. an unwritable database: shown as a failed export
            self.state, self.last_error = "failed", f"cannot open {self.paths.database}: {exc}"
            log.error("fleet export stopped: %s", self.last_error)
            return
        try:
            while not self.halt.is_set():
                wait = IDLE_WAIT
                try:
                    if self._cycle():
                        wait = 0
                    self.retry = 0
                except SpanflowError as exc:
                    self._fail(str(exc))
                    wait = min(RETRY_MAX, 2.0 ** self.retry)
                    self.retry += 1
                except Exception as exc:  # a bug of ours: counted and shown, retried
                    log.debug("fleet export failed", exc_info=True)
                    self._fail(f"internal error {type(exc).__name__}: {exc}")
                    wait = RETRY_MAX
                self.halt.wait(wait)
        finally:
            self._disconnect()
            self.db.close()

    def _fail(self, text):
        # an outage repeats every retry: logged once per distinct reason, counted every time
        (log.debug if text == self.last_error else log.warning)("fleet export: %s", text)
        self.failures += 1
        self.last_error, self.last_error_at = text, self.clock()
        self._disconnect()

    def _disconnect(self):
        if self.conn is not None:
            self.conn.close()
        self.conn, self.connected = None, False

    def _pending(self):
        after = cursor.handled(self.db)  # only the newer names: never all 129,600 of 90 days
        return [(flowfiles.file_start(name), name)
                for name in flowfiles.catalogue(self.paths.flows).after(after)]

    def _cycle(self):
        """Send pending files (a few at a time, so stop() is heard) and changed alerts."""
        pending = self._pending()
        self._measure(pending)
        if pending:
            if self.conn is None:
                self.conn = self.connect(self.fleet)  # the driver connects on first use
            for _, name in pending[:5]:
                if self.halt.is_set():
                    break
                self._file(name)
            self._measure(self._pending())
        now = self.clock()
        if now >= self.next_alerts:
            self._alerts()
            self.next_alerts = now + ALERTS_EVERY
        return len(pending) > 5

    def _measure(self, pending):
        self.backlog = len(pending)
        if pending:
            end = pending[0][0] + timedelta(seconds=self.cfg.collector.rotate)
            self.lag = round(max(0.0, self.clock() - end.timestamp()), 1)
        else:
            self.lag = 0.0

    def _file(self, name):
        path = os.path.join(self.paths.flows, name)
        try:
            flows = self.read(path)
        except nfdump.NfdumpFailed as exc:  # unreadable (ingest quarantines it) or gone
            why = exc.reason if os.path.exists(path) else "the file vanished before export"
            log.warning("fleet export skips %s: %s", name, why)
            cursor.finish(self.db, name, 0, self.clock(), state="skipped", error=why)
            self.totals = cursor.totals(self.db)
            return
        begun = cursor.sending(self.db, name)
        start = self._stored(name, flows) if begun else 0
        if not begun:
            cursor.begin(self.db, name, len(flows), self.clock())
        table = f"{self.fleet.database}.{tables.FLOWS}"
        columns = flowrows.columns(self.sensor, name, flows, start)
        batch = self.fleet.batch_rows
        for offset in range(0, len(flows) - start, batch):
            chunk = [c[offset:offset + batch] for c in columns]
            self.conn.insert(table, flowrows.INSERT_COLUMNS, chunk)
            cursor.sent(self.db, name, start + offset + len(chunk[0]))
            self.last_insert, self.connected = self.clock(), True
        cursor.finish(self.db, name, len(flows), self.clock())
        self.totals = cursor.totals(self.db)

    def _stored(self, name, flows):
        """Return how many of a cut file's rows the cluster holds (a prefix, see the module)."""
        if not flows:
            return 0
        firsts = [_epoch(r["first"]) for r in flows]
        (count,), = self.conn.execute(
            f"SELECT count() FROM {self.fleet.database}.{tables.FLOWS} WHERE sensor = %(s)s "
            "AND file = %(f)s AND first >= toDateTime(%(lo)s) AND first <= toDateTime(%(hi)s)",
            {"s": self.sensor, "f": name, "lo": min(firsts), "hi": max(firsts)})
        if count > len(flows):
            raise SpanflowError(f"the cluster holds {count} rows of {name} but the file has "
                                f"{len(flows)}: was it rewritten? (sensor name {self.sensor!r} "
                                "used twice?)")
        log.info("fleet export resumes %s after row %d of %d", name, count, len(flows))
        return count

    def _alerts(self):
        store = AlertStore(self.paths.database)
        try:
            alerts = store.list(active_only=False, limit=ALERTS_SHIPPED)
        finally:
            store.close()
        changed = cursor.alert_changes(self.db, alerts)
        if not changed:
            return
        if self.conn is None:
            self.conn = self.connect(self.fleet)  # the driver connects on first use
        version = int(self.clock() * 1000)
        data = [[self.sensor, a["id"], version, a["rule"], a["key"], a["severity"], a["summary"],
                 a["filter"], int(a["first_seen"]), int(a["last_seen"]), a["count"], a["flows"],
                 a["packets"], a["bytes"], ",".join(a["hosts"]), float(a["raised_at"]),
                 float(a["acked_at"] or 0), a["acked_by"] or ""] for a in changed]
        names = [n for n, _ in tables.ALERT_COLUMNS]
        self.conn.insert(f"{self.fleet.database}.{tables.ALERTS}", names,
                         [list(col) for col in zip(*data)])
        cursor.alerts_shipped(self.db, changed)
        self.alerts_sent += len(changed)
        self.connected = True

    def status(self):
        """Return the export's backlog, lag, totals and failures for the status snapshot."""
        return {"state": self.state, "sensor": self.sensor, "connected": self.connected,
                "backlog_files": self.backlog, "lag_seconds": self.lag, **self.totals,
                "failures": self.failures, "last_error": self.last_error,
                "last_error_at": self.last_error_at, "last_insert": self.last_insert,
                "alerts_sent": self.alerts_sent}
