"""The hub's side: create and expire the tables, search, top-N, trends, alerts, sensors."""

import logging
from datetime import datetime, timedelta, timezone

from ..config.checks import seconds_of
from ..errors import FilterError, SpanflowError
from ..query import filters
from . import rows as flowrows, sqlfilter, tables
from .client import Connection

log = logging.getLogger(__name__)

# nfdump's -s fields: both-direction fields count a flow once for each side, as nfdump does.
TOP_FIELDS = {"srcip": ("src",), "dstip": ("dst",), "ip": ("src", "dst"),
              "srcport": ("sport",), "dstport": ("dport",), "port": ("sport", "dport"),
              "proto": ("proto",)}
ORDERS = ("flows", "packets", "bytes")


def servers(conn, fleet):
    """Return the "host:port" of every server of the cluster named in [fleet] cluster."""
    found = conn.execute("SELECT host_address, port FROM system.clusters WHERE cluster = %(c)s "
                         "ORDER BY shard_num, replica_num", {"c": fleet.cluster})
    if not found:
        raise SpanflowError(f"the server at {conn.where} has no cluster {fleet.cluster!r} in its "
                            "remote_servers: set [fleet] cluster or the servers' config "
                            "(docs/fleet.md)")
    return [f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in found]


def each_server(fleet, work):
    """Run work(conn) on every server of the cluster (ClickHouse 18.16 has no ON CLUSTER
    without ZooKeeper); return [(server, result)]."""
    first = Connection(fleet)
    try:
        where = servers(first, fleet)
    finally:
        first.close()
    out = []
    for server in where:
        conn = Connection(fleet, [server])
        try:
            out.append((server, work(conn)))
        finally:
            conn.close()
    return out


def init(fleet):
    """Create the database and tables on every server of the cluster; return the servers."""
    def create(conn):
        for sql in tables.create_statements(fleet.database, fleet.cluster):
            conn.execute(sql)
    return [server for server, _ in each_server(fleet, create)]


def expire(fleet, now):
    """Drop the day partitions older than [fleet] retention on every server; return them."""
    oldest = (now - timedelta(seconds=seconds_of(fleet.retention))).date()

    def drop(conn):
        parts = [p for (p,) in conn.execute(
            "SELECT DISTINCT partition_id FROM system.parts WHERE database = %(d)s AND "
            "table = %(t)s AND active", {"d": fleet.database, "t": f"{tables.FLOWS}_local"})]
        gone = tables.expired_partitions(parts, oldest)
        for part in gone:
            conn.execute(f"ALTER TABLE {fleet.database}.{tables.FLOWS}_local "
                         f"DROP PARTITION ID '{part}'")
        return gone
    return each_server(fleet, drop)


def where(filter_text, since=None, until=None, sensors=()):
    """Return the WHERE clause for a filter, a window (flows within it, as nfdump -t) and sensors."""
    parts = [translate(filter_text)]
    if since is not None:
        parts.append(f"first >= toDateTime({int(since.timestamp())})")
    if until is not None:
        parts.append(f"last <= toDateTime({int(until.timestamp())})")
    if sensors:
        parts.append(sensor_condition(sensors))
    return " AND ".join(parts)


def sensor_condition(sensors):
    """Return `sensor IN (...)` with the names quoted as ClickHouse string literals."""
    quoted = ("'" + s.replace("\\", "\\\\").replace("'", "\\'") + "'" for s in sensors)
    return f"sensor IN ({', '.join(quoted)})"


def translate(filter_text):
    """Return the SQL of an nfdump filter; a filter nfdump itself refuses gets nfdump's reason."""
    text = filters.normalize(filter_text)
    try:
        return sqlfilter.translate("" if text == "any" else text)
    except FilterError:
        try:
            filters.check(text)  # nfdump's own reason when the filter is simply wrong
        except FilterError:
            raise
        except SpanflowError:  # no nfdump on this hub: our reason is the one we have
            pass
        raise


def search(conn, fleet, filter_text, since=None, until=None, limit=1000, sensors=()):
    """Return (rows, truncated): flows of every sensor matching, oldest first, at most limit."""
    limit = max(1, int(limit))
    found = conn.execute(
        f"SELECT {flowrows.SELECT} FROM {fleet.database}.{tables.FLOWS} "
        f"WHERE {where(filter_text, since, until, sensors)} "
        f"ORDER BY first, first_ms, sensor, file, row LIMIT {limit + 1}")
    rows = [flowrows.row(v) for v in found]
    return rows[:limit], len(rows) > limit


def top(conn, fleet, field, filter_text="", since=None, until=None, count=10, order="bytes",
        sensors=()):
    """Return nfdump-like top-N [{value, flows, packets, bytes}] over every sensor."""
    if field not in TOP_FIELDS:
        raise SpanflowError(f"cannot rank by {field!r} on the cluster: one of "
                            f"{', '.join(TOP_FIELDS)}")
    if order not in ORDERS:
        raise SpanflowError(f"bad order {order!r}: one of {', '.join(ORDERS)}")
    cols = TOP_FIELDS[field]
    value = cols[0] if len(cols) == 1 else "v"
    join = "" if len(cols) == 1 else f"ARRAY JOIN [{', '.join(cols)}] AS v"
    found = conn.execute(
        f"SELECT toString({value}) AS value, count() AS flows, sum(packets) AS packets, "
        f"sum(bytes) AS bytes FROM {fleet.database}.{tables.FLOWS} {join} "
        f"WHERE {where(filter_text, since, until, sensors)} "
        f"GROUP BY value ORDER BY {order} DESC, value LIMIT {int(count)}")
    return [{"value": v, "flows": f, "packets": p, "bytes": b} for v, f, p, b in found]


def step_for(since, until, points=120):
    """Return a bucket width in seconds (a round one) giving at most about `points` buckets."""
    span = max(60, (until - since).total_seconds())
    for step in (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 86400, 7 * 86400):
        if span / step <= points:
            return step
    return 30 * 86400


def trends(conn, fleet, since, until, filter_text="", step=None):
    """Return {"step", "series": {sensor: [(t, flows, packets, bytes)]}, "fleet": [...]}."""
    step = step or step_for(since, until)
    found = conn.execute(
        f"SELECT intDiv(toUInt32(first), {step}) * {step} AS t, sensor, count(), sum(packets), "
        f"sum(bytes) FROM {fleet.database}.{tables.FLOWS} "
        f"WHERE {where(filter_text, since, until)} GROUP BY t, sensor ORDER BY t, sensor")
    series, total = {}, {}
    for t, sensor, f, p, b in found:
        series.setdefault(sensor, []).append((t, f, p, b))
        old = total.get(t, (0, 0, 0))
        total[t] = (old[0] + f, old[1] + p, old[2] + b)
    return {"step": step, "series": series,
            "fleet": [(t, *v) for t, v in sorted(total.items())]}


def sensors(conn, fleet):
    """Return [{sensor, flows, bytes, newest}] (newest: the latest flow end, ISO UTC)."""
    found = conn.execute(
        f"SELECT sensor, count(), sum(bytes), toUInt32(max(last)) "
        f"FROM {fleet.database}.{tables.FLOWS} GROUP BY sensor ORDER BY sensor")
    return [{"sensor": s, "flows": f, "bytes": b,
             "newest": datetime.fromtimestamp(n, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")}
            for s, f, b, n in found]


ALERT_FIELDS = ("sensor", "id", "rule", "key", "severity", "summary", "filter", "first_seen",
                "last_seen", "count", "flows", "packets", "bytes", "hosts", "raised_at",
                "acked_at", "acked_by")


def alerts(conn, fleet, active_only=True, limit=100, sensors=()):
    """Return every sensor's alerts (their newest version), newest first."""
    conds = ["acked_at = 0"] if active_only else []
    if sensors:
        conds.append(sensor_condition(sensors))
    cond = f"WHERE {' AND '.join(conds)}" if conds else ""
    found = conn.execute(
        f"SELECT sensor, id, rule, key, severity, summary, filter, toUInt32(first_seen), "
        f"toUInt32(last_seen), count, flows, packets, bytes, hosts, raised_at, acked_at, "
        # version is selected only because 18.16's FINAL over a Distributed table needs it
        f"acked_by, version FROM {fleet.database}.{tables.ALERTS} FINAL {cond} "
        f"ORDER BY last_seen DESC, sensor, id LIMIT {int(limit)}")
    out = []
    for values in found:
        a = dict(zip(ALERT_FIELDS, values[:-1]))
        a["hosts"] = [h for h in a["hosts"].split(",") if h]
        a["active"] = not a["acked_at"]
        for k in ("first_seen", "last_seen"):
            a[k.replace("_seen", "")] = datetime.fromtimestamp(
                a[k], timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append(a)
    return out
