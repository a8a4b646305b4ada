"""SQLite tables of ingest (`ingest_*`: done files, counters, open steps) and top lists, retention."""

import os
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS ingest_files (
    name TEXT PRIMARY KEY, start INTEGER NOT NULL, end INTEGER NOT NULL, done_at REAL NOT NULL,
    status TEXT NOT NULL, flows INTEGER, packets INTEGER, bytes INTEGER, error TEXT);
CREATE TABLE IF NOT EXISTS ingest_counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL,
    text TEXT);
CREATE TABLE IF NOT EXISTS top_entries (
    start INTEGER NOT NULL, kind TEXT NOT NULL, k1 TEXT NOT NULL, k2 TEXT NOT NULL,
    flows INTEGER NOT NULL, packets INTEGER NOT NULL, bytes INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS top_entries_kind_start ON top_entries (kind, start);
CREATE TABLE IF NOT EXISTS ingest_bins (grp TEXT NOT NULL, step INTEGER NOT NULL,
    ds TEXT NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (grp, step, ds));
"""
KEYS = {"hosts": ("host", None), "ports": ("proto", "port"), "conversations": ("src", "dst")}


def connect(path, readonly=False):
    """Open the database (creating the tables unless read-only)."""
    if readonly:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        return con
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # start() and the run loop may be on different threads; the loop never uses it concurrently
    con = sqlite3.connect(path, timeout=10, check_same_thread=False)
    # not WAL: a WAL reader must be able to create the -shm file, and the web runs unprivileged
    con.execute("PRAGMA journal_mode=DELETE")
    con.executescript(SCHEMA)
    return con


def cursor(con):
    """Return the name of the newest handled file ('' when none): later names are pending."""
    row = con.execute("SELECT max(name) FROM ingest_files").fetchone()
    return row[0] or ""


def record_file(con, name, start, end, now, status, counts=None, error=None, top=None,
                bins=()):
    """Record one handled file, its top entries and its graph numbers in one transaction.

    bins: (group, step end, {ds: count}) added to the steps not yet written to the RRD files,
    so a crash between here and the RRD write loses nothing (see open_bins, drop_bins).
    """
    c = counts
    with con:
        con.executemany(
            "INSERT INTO ingest_bins VALUES (?,?,?,?) ON CONFLICT(grp, step, ds) DO UPDATE "
            "SET value = value + excluded.value",
            [(grp, int(step), ds, int(v)) for grp, step, values in bins for ds, v in values.items()])
        con.execute("INSERT OR REPLACE INTO ingest_files VALUES (?,?,?,?,?,?,?,?,?)",
                    (name, int(start), int(end), now, status, c and c.flows, c and c.packets,
                     c and c.bytes, error))
        for kind, rows in (top or {}).items():
            k1, k2 = KEYS[kind]
            con.executemany("INSERT INTO top_entries VALUES (?,?,?,?,?,?,?)",
                            [(int(start), kind, str(r[k1]), str(r[k2]) if k2 else "",
                              r["flows"], r["packets"], r["bytes"]) for r in rows])


def open_bins(con, until=None):
    """Return {group: {step end: {ds: count}}} of the steps not yet written (up to `until`)."""
    out = {}
    sql, args = "SELECT grp, step, ds, value FROM ingest_bins", ()
    if until is not None:
        sql, args = sql + " WHERE step <= ?", (int(until),)
    for grp, step, ds, value in con.execute(sql + " ORDER BY step", args):
        out.setdefault(grp, {}).setdefault(step, {})[ds] = value
    return out


def newest_open(con):
    """Return the latest step still open (None when every step is written)."""
    return con.execute("SELECT max(step) FROM ingest_bins").fetchone()[0]


def drop_bins(con, until):
    """Forget the steps up to `until`: they are in the RRD files."""
    with con:
        con.execute("DELETE FROM ingest_bins WHERE step <= ?", (int(until),))


def bump(con, name, by=1, text=None):
    """Add to a named counter and keep its latest text (the last error message)."""
    with con:
        con.execute("INSERT INTO ingest_counters VALUES (?,?,?) ON CONFLICT(name) DO UPDATE SET "
                    "value = value + excluded.value, text = coalesce(excluded.text, text)",
                    (name, by, text))


def counters(con):
    """Return {name: (value, text)} of all counters."""
    return {n: (v, t) for n, v, t in con.execute("SELECT name, value, text FROM ingest_counters")}


def summary(con):
    """Return the newest done file (name, start, end) and the number of files per status."""
    last = con.execute("SELECT name, start, end FROM ingest_files WHERE status='done' "
                       "ORDER BY name DESC LIMIT 1").fetchone()
    by_status = dict(con.execute("SELECT status, count(*) FROM ingest_files GROUP BY status"))
    return last, by_status


def top(con, kind, start, end, n):
    """Sum top entries of a kind over intervals starting in [start, end); largest bytes first."""
    return con.execute(
        "SELECT k1, k2, sum(flows), sum(packets), sum(bytes) FROM top_entries "
        "WHERE kind = ? AND start >= ? AND start < ? GROUP BY k1, k2 "
        "ORDER BY sum(bytes) DESC LIMIT ?", (kind, int(start), int(end), int(n))).fetchall()


def expire(con, before):
    """Delete top entries and file records of intervals that started before `before`."""
    with con:
        n = con.execute("DELETE FROM top_entries WHERE start < ?", (int(before),)).rowcount
        # keep the newest file row: it is the cursor
        con.execute("DELETE FROM ingest_files WHERE start < ? AND name < "
                    "(SELECT max(name) FROM ingest_files)", (int(before),))
    return n
