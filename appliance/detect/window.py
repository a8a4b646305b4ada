"""Sliding windows of the counting rules: each interval's observations kept in SQLite, summed over the rule's window.

A rule stores what one flow file showed per key (a source, a pair) as items with counts: ports
probed, hosts reached, SSH sessions. Every file is seen once (ingest hands each over once; a
repeated interval replaces its rows), so summing the window's rows never counts a flow twice.
Rows are marked once an alert has counted them, so a key alerting again in the next interval adds
only the flows that are new to the alert. The table is in the alert store's SQLite file: a
restart keeps the windows (nothing is lost but the intervals the sensor did not ingest).
"""

import json
from dataclasses import dataclass, field

from .finding import Span

SCHEMA = """
CREATE TABLE IF NOT EXISTS alert_window (rule TEXT NOT NULL, key TEXT NOT NULL,
    end INTEGER NOT NULL, items TEXT NOT NULL, reported INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (rule, key, end));
CREATE INDEX IF NOT EXISTS alert_window_end ON alert_window (rule, end);
"""


def count(items, item, row):
    """Add a row to items[item] = [flows, packets, bytes, first, last] (times in epoch seconds)."""
    c = items.setdefault(item, [0, 0, 0, None, None])
    c[0] += row.flows
    c[1] += row.packets
    c[2] += row.bytes
    c[3:5] = Span(c[3], c[4]).add(row.first, row.last).whole()


@dataclass
class Seen:
    """What a key showed over a window: {item: [flows, packets, bytes]}, and what is unreported."""

    items: dict = field(default_factory=dict)
    new: list = field(default_factory=lambda: [0, 0, 0])  # counts not yet in an alert
    span: Span = field(default_factory=Span)  # when the unreported flows were
    now: bool = False  # the newest interval added items
    ends: list = field(default_factory=list)  # interval ends not yet in an alert

    def add(self, items, reported, end, newest):
        for item, counts in items.items():
            have = self.items.setdefault(item, [0, 0, 0])
            for i, n in enumerate(counts[:3]):  # then first, last: absent in older rows
                have[i] += n
            if not reported:
                for i, n in enumerate(counts[:3]):
                    self.new[i] += n
                self.span.add(*counts[3:5])
        if not reported:
            self.ends.append(end)
        self.now = self.now or (end == newest and bool(items))


def merge(rows, newest):
    """Return {key: Seen} from (key, end, items, reported) rows; newest is the current end."""
    out = {}
    for key, end, items, reported in rows:
        out.setdefault(key, Seen()).add(items, reported, end, newest)
    return out


class Windows:
    """The alert_window table on a SQLite connection (the AlertStore's)."""

    def __init__(self, con):
        self.con = con
        with con:
            con.executescript(SCHEMA)

    def add(self, rule, end, observed):
        """Store one interval's {key: {item: [flows, packets, bytes]}} for rule (replacing a rerun)."""
        with self.con:
            self.con.execute("DELETE FROM alert_window WHERE rule=? AND end=?", (rule, int(end)))
            self.con.executemany(
                "INSERT INTO alert_window (rule, key, end, items) VALUES (?,?,?,?)",
                [(rule, key, int(end), json.dumps(items, sort_keys=True))
                 for key, items in sorted(observed.items()) if items])

    def seen(self, rule, end, seconds, keys=None):
        """Return {key: Seen} over the intervals ending in (end - seconds, end]."""
        rows = self.con.execute(
            "SELECT key, end, items, reported FROM alert_window WHERE rule=? AND end>? AND end<=? "
            "ORDER BY end", (rule, int(end - seconds), int(end))).fetchall()
        return merge([(k, e, json.loads(i), r) for k, e, i, r in rows
                      if keys is None or k in keys], int(end))

    def reported(self, rule, key, ends):
        """Mark a key's intervals as counted by an alert."""
        with self.con:
            self.con.executemany("UPDATE alert_window SET reported=1 WHERE rule=? AND key=? AND end=?",
                                 [(rule, key, int(e)) for e in ends])

    def prune(self, rule, before):
        """Forget a rule's intervals that ended at or before `before` (out of its window)."""
        with self.con:
            self.con.execute("DELETE FROM alert_window WHERE rule=? AND end<=?", (rule, int(before)))

    def keys(self, rule):
        """Return how many keys a rule holds now (status)."""
        return self.con.execute("SELECT count(DISTINCT key) FROM alert_window WHERE rule=?",
                                (rule,)).fetchone()[0]


def memory():
    """Return Windows in a private in-memory database (one interval at a time: unit tests)."""
    import sqlite3
    return Windows(sqlite3.connect(":memory:"))
