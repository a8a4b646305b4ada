"""The inventory: hosts the mirror has seen, with the names and kinds they announce (SQLite)."""

import os
import sqlite3

SCHEMA = """
CREATE TABLE IF NOT EXISTS span_hosts (
    ip TEXT PRIMARY KEY, mac TEXT, name TEXT, kind TEXT, sources TEXT NOT NULL DEFAULT '',
    detail TEXT, first_seen REAL NOT NULL, last_seen REAL NOT NULL);
CREATE TABLE IF NOT EXISTS span_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT, ts REAL NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS span_cursor (name TEXT PRIMARY KEY, event INTEGER NOT NULL);
"""
ORDER = ("dhcp", "netbios", "mdns", "ssdp")  # whose name wins: what the host calls itself first


def connect(path, readonly=False):
    """Open the database (creating the span tables unless read-only)."""
    if readonly:
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    con = sqlite3.connect(path, timeout=10, check_same_thread=False)
    con.execute("PRAGMA journal_mode=DELETE")  # as trends/db.py: the web reads unprivileged
    con.executescript(SCHEMA)
    return con


def _merge(old, new):
    """Return the value that wins of an existing and a newly announced one."""
    return new if new else old


def upsert(con, hosts, now):
    """Write {ip: {"mac", "name", "kind", "sources", "detail"}} learned since the last call."""
    with con:
        for ip, h in hosts.items():
            row = con.execute("SELECT mac, name, kind, sources, detail FROM span_hosts "
                              "WHERE ip = ?", (ip,)).fetchone()
            if row is None:
                con.execute("INSERT INTO span_hosts VALUES (?,?,?,?,?,?,?,?)",
                            (ip, h.get("mac"), h.get("name"), h.get("kind"),
                             ",".join(sorted(h.get("sources", ()))), h.get("detail"),
                             h.get("first", now), h.get("last", now)))
                continue
            sources = set(filter(None, row[3].split(","))) | set(h.get("sources", ()))
            con.execute("UPDATE span_hosts SET mac=?, name=?, kind=?, sources=?, detail=?, "
                        "last_seen=? WHERE ip=?",
                        (_merge(row[0], h.get("mac")), _merge(row[1], h.get("name")),
                         _merge(row[2], h.get("kind")), ",".join(sorted(sources)),
                         _merge(row[4], h.get("detail")), h.get("last", now), ip))


def events_after(con, name):
    """Return (id, body) of the span_events the reader `name` has not taken yet, oldest first."""
    row = con.execute("SELECT event FROM span_cursor WHERE name = ?", (name,)).fetchone()
    return con.execute("SELECT id, body FROM span_events WHERE id > ? ORDER BY id",
                       (row[0] if row else 0,)).fetchall()


def taken(con, name, event):
    """Remember that the reader `name` has taken every event up to id `event` (survives restarts)."""
    with con:
        con.execute("INSERT OR REPLACE INTO span_cursor VALUES (?, ?)", (name, event))


def hosts(con, limit=1000):
    """Return the inventory, most recently seen first (limit None: all of it)."""
    try:
        rows = con.execute("SELECT ip, mac, name, kind, sources, detail, first_seen, last_seen "
                           "FROM span_hosts ORDER BY last_seen DESC LIMIT ?",
                           (-1 if limit is None else limit,)).fetchall()
    except sqlite3.OperationalError:  # no span tables yet: the side capture has not written
        return []
    keys = ("ip", "mac", "name", "kind", "sources", "detail", "first_seen", "last_seen")
    return [dict(zip(keys, r)) for r in rows]


def names(con):
    """Return {ip: name} of every host that announced a name (for labels beside addresses)."""
    try:
        return dict(con.execute("SELECT ip, name FROM span_hosts WHERE name IS NOT NULL"))
    except sqlite3.OperationalError:
        return {}
