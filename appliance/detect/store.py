"""AlertStore: alerts and volume baselines in the shared SQLite file (tables alert_*)."""

import json
import logging
import os
import sqlite3
import time
from datetime import datetime, timezone

from ..errors import SpanflowError

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_alerts (
    id INTEGER PRIMARY KEY, rule TEXT NOT NULL, key TEXT NOT NULL, severity TEXT NOT NULL,
    summary TEXT NOT NULL, filter TEXT NOT NULL, first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL, count INTEGER NOT NULL, flows INTEGER NOT NULL,
    packets INTEGER NOT NULL, bytes INTEGER NOT NULL, hosts TEXT NOT NULL, raised_at REAL NOT NULL,
    acked_at REAL, acked_by TEXT);
CREATE INDEX IF NOT EXISTS alert_alerts_rule_key ON alert_alerts (rule, key, last_seen);
CREATE INDEX IF NOT EXISTS alert_alerts_seen ON alert_alerts (first_seen, last_seen);
CREATE TABLE IF NOT EXISTS alert_baseline (kind TEXT NOT NULL, key TEXT NOT NULL,
    mean REAL NOT NULL, var REAL NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (kind, key));
"""
COLUMNS = ("id", "rule", "key", "severity", "summary", "filter", "first_seen", "last_seen", "count",
           "flows", "packets", "bytes", "hosts", "raised_at", "acked_at", "acked_by")


def iso(epoch):
    """Return an ISO-8601 UTC string of epoch seconds, or None."""
    if epoch is None:
        return None
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _dict(row):
    d = dict(zip(COLUMNS, row))
    d["hosts"] = json.loads(d["hosts"])
    d["active"] = d["acked_at"] is None
    # the flow search takes the alert's whole time span (the evidence window)
    d["since"], d["until"] = iso(d["first_seen"]), iso(d["last_seen"])
    d["raised"], d["acked"] = iso(d["raised_at"]), iso(d["acked_at"])
    return d


class AlertStore:
    """Alerts for the detector (write), the CLI and the web page (read, acknowledge)."""

    def __init__(self, path, clock=time.time, readonly=False):
        self.path, self.clock, self.readonly = path, clock, readonly
        if not readonly:
            try:
                os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
                self.con = sqlite3.connect(path, timeout=10, check_same_thread=False)
                # no journal_mode change: trends keeps the file in rollback mode (not WAL) so the
                # unprivileged web can read it, and switching modes needs the file to itself
                self.con.executescript(SCHEMA)
                return
            except (OSError, sqlite3.OperationalError) as exc:
                # the web or CLI user may only read the sensor's database: lists still work
                log.debug("alert store %s read-only: %s", path, exc)
                self.readonly = True
        self.con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10,
                                   check_same_thread=False)

    def _rows(self, sql, args=()):
        try:
            return self.con.execute(sql, args).fetchall()
        except sqlite3.OperationalError as exc:
            if self.readonly and "no such table" in str(exc):
                return []  # detection has not created its tables yet
            raise

    def close(self):
        self.con.close()

    def record(self, finding, start, end, cooldown):
        """Store a finding for window [start, end]; return (id, True if new, False if deduplicated)."""
        row = self.con.execute(
            "SELECT id FROM alert_alerts WHERE rule=? AND key=? AND last_seen >= ? "
            "ORDER BY id DESC LIMIT 1", (finding.rule, finding.key, int(start) - cooldown)).fetchone()
        with self.con:
            if row:
                self.con.execute(
                    # a later file can hold a record whose first packet came before the
                    # evidence already counted (a long record exported late): widen both ends
                    "UPDATE alert_alerts SET first_seen=min(first_seen, ?), "
                    "last_seen=max(last_seen, ?), count=count+1, "
                    "flows=flows+?, packets=packets+?, bytes=bytes+?, summary=? WHERE id=?",
                    (int(start), int(end), finding.flows, finding.packets, finding.bytes,
                     finding.summary, row[0]))
                return row[0], False
            cur = self.con.execute(
                "INSERT INTO alert_alerts (rule, key, severity, summary, filter, first_seen, "
                "last_seen, count, flows, packets, bytes, hosts, raised_at) "
                "VALUES (?,?,?,?,?,?,?,1,?,?,?,?,?)",
                (finding.rule, finding.key, finding.severity, finding.summary, finding.filter,
                 int(start), int(end), finding.flows, finding.packets, finding.bytes,
                 json.dumps(list(finding.hosts)), self.clock()))
            return cur.lastrowid, True

    def list(self, active_only=True, limit=100):
        """Return alerts, newest first; only unacknowledged ones unless active_only is False."""
        where = "WHERE acked_at IS NULL" if active_only else ""
        rows = self._rows(f"SELECT {', '.join(COLUMNS)} FROM alert_alerts {where} "
                          "ORDER BY last_seen DESC, id DESC LIMIT ?", (int(limit),))
        return [_dict(r) for r in rows]

    def get(self, alert_id):
        """Return one alert as a dict, or None."""
        rows = self._rows(f"SELECT {', '.join(COLUMNS)} FROM alert_alerts WHERE id=?",
                          (int(alert_id),))
        return _dict(rows[0]) if rows else None

    def acknowledge(self, alert_id, by):
        """Mark an active alert acknowledged by `by`; return False if unknown or already done."""
        if self.readonly:
            raise SpanflowError(f"cannot acknowledge: {self.path} is read-only for this user "
                                "(acknowledge as the sensor's user, e.g. sudo spanflow ack ID)")
        with self.con:
            cur = self.con.execute("UPDATE alert_alerts SET acked_at=?, acked_by=? "
                                   "WHERE id=? AND acked_at IS NULL",
                                   (self.clock(), str(by), int(alert_id)))
        return cur.rowcount == 1

    def markers(self, start, end):
        """Return alerts overlapping [start, end] (epoch seconds) for graph markers."""
        rows = self._rows(
            "SELECT id, rule, key, severity, first_seen, last_seen FROM alert_alerts "
            "WHERE first_seen <= ? AND last_seen >= ? ORDER BY first_seen", (int(end), int(start)))
        return [{"id": i, "rule": r, "key": k, "severity": s, "start": a, "end": b}
                for i, r, k, s, a, b in rows]

    def counts(self):
        """Return {"active": n, "total": n}."""
        rows = self._rows("SELECT count(*), count(*) - count(acked_at) FROM alert_alerts")
        total, active = rows[0] if rows else (0, 0)
        return {"active": active, "total": total}

    def baseline(self):
        """Return the volume baselines {(kind, key): (mean, var, n)}."""
        return {(k, key): (m, v, n) for k, key, m, v, n in
                self.con.execute("SELECT kind, key, mean, var, n FROM alert_baseline")}

    def save_baseline(self, state):
        """Replace the volume baselines with state."""
        with self.con:
            self.con.execute("DELETE FROM alert_baseline")
            self.con.executemany("INSERT INTO alert_baseline VALUES (?,?,?,?,?)",
                                 [(k, key, m, v, n) for (k, key), (m, v, n) in state.items()])
