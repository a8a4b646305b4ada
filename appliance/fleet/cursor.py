"""The export's durable cursor in the sensor's SQLite file (tables fleet_*): which files are in.

A file is `sending` (with the rows the cluster has confirmed) until its last batch is stored,
then `done`; an unreadable or vanished file is `skipped`. Later closed files are pending.
"""

import json
import os
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS fleet_files (
    name TEXT PRIMARY KEY, rows INTEGER NOT NULL, sent INTEGER NOT NULL, state TEXT NOT NULL,
    started REAL NOT NULL, done_at REAL, error TEXT);
CREATE TABLE IF NOT EXISTS fleet_alerts (id INTEGER PRIMARY KEY, signature TEXT NOT NULL);
"""


def connect(path):
    """Open (and create) the export's tables in the sensor's database."""
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    con = sqlite3.connect(path, timeout=10, check_same_thread=False)
    con.executescript(SCHEMA)
    return con


def handled(con):
    """Return the newest file that is done or skipped ('' when none): later ones are pending."""
    row = con.execute("SELECT max(name) FROM fleet_files WHERE state != 'sending'").fetchone()
    return row[0] or ""


def sending(con, name):
    """Return (rows, sent) of a file whose sending began, or None."""
    return con.execute("SELECT rows, sent FROM fleet_files WHERE name=? AND state='sending'",
                       (name,)).fetchone()


def begin(con, name, rows, now):
    with con:
        con.execute("INSERT OR REPLACE INTO fleet_files VALUES (?,?,0,'sending',?,NULL,NULL)",
                    (name, rows, now))


def sent(con, name, count):
    with con:
        con.execute("UPDATE fleet_files SET sent=? WHERE name=?", (count, name))


def finish(con, name, rows, now, state="done", error=None):
    with con:
        con.execute("INSERT INTO fleet_files VALUES (?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE "
                    "SET rows=excluded.rows, sent=excluded.sent, state=excluded.state, "
                    "done_at=excluded.done_at, error=excluded.error",
                    (name, rows, rows if state == "done" else 0, state, now, now, error))


def totals(con):
    """Return {"files_done", "rows_sent", "files_skipped", "last_done"} for the status."""
    done, rows, last = con.execute("SELECT count(*), coalesce(sum(sent), 0), max(name) "
                                   "FROM fleet_files WHERE state='done'").fetchone()
    skipped = con.execute("SELECT count(*) FROM fleet_files WHERE state='skipped'").fetchone()[0]
    return {"files_done": done, "rows_sent": rows, "files_skipped": skipped,
            "last_done": last}


def alert_changes(con, alerts):
    """Return the alerts whose shipped signature differs (new, updated, acknowledged)."""
    known = dict(con.execute("SELECT id, signature FROM fleet_alerts"))
    return [a for a in alerts if known.get(a["id"]) != _signature(a)]


def alerts_shipped(con, alerts):
    with con:
        con.executemany("INSERT OR REPLACE INTO fleet_alerts VALUES (?,?)",
                        [(a["id"], _signature(a)) for a in alerts])


def _signature(alert):
    return json.dumps([alert["last_seen"], alert["count"], alert["acked_at"], alert["summary"]])
