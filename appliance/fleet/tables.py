"""The cluster's tables: local MergeTree tables on every server and Distributed tables over them.

ClickHouse 18.16 (Debian 12) has no TTL clause (it came in 19.6) and no ON CLUSTER without
ZooKeeper: tables are created server by server, and retention drops whole day partitions.
"""

FLOW_COLUMNS = (
    ("sensor", "String"), ("file", "String"), ("row", "UInt32"),
    ("first", "DateTime"), ("first_ms", "UInt16"), ("last", "DateTime"), ("last_ms", "UInt16"),
    ("duration", "Float64"), ("proto", "UInt8"),
    ("src", "String"), ("src_ip", "FixedString(16)"), ("sport", "UInt16"),
    ("dst", "String"), ("dst_ip", "FixedString(16)"), ("dport", "UInt16"),
    ("icmp_type", "UInt8"), ("icmp_code", "UInt8"), ("packets", "UInt64"), ("bytes", "UInt64"),
)
ALERT_COLUMNS = (
    ("sensor", "String"), ("id", "UInt64"), ("version", "UInt64"), ("rule", "String"),
    ("key", "String"), ("severity", "String"), ("summary", "String"), ("filter", "String"),
    ("first_seen", "DateTime"), ("last_seen", "DateTime"), ("count", "UInt64"),
    ("flows", "UInt64"), ("packets", "UInt64"), ("bytes", "UInt64"), ("hosts", "String"),
    ("raised_at", "Float64"), ("acked_at", "Float64"), ("acked_by", "String"),
)
FLOWS, ALERTS = "flows", "alerts"


def _columns(cols):
    return ", ".join(f"`{name}` {kind}" for name, kind in cols)


def create_statements(database, cluster):
    """Return the DDL that makes one server ready: database, local tables, Distributed tables."""
    return [
        f"CREATE DATABASE IF NOT EXISTS {database}",
        # Partitions by day of the flow's start: retention drops whole days; ORDER BY time so a
        # time window reads only its part of the primary index.
        f"CREATE TABLE IF NOT EXISTS {database}.{FLOWS}_local ({_columns(FLOW_COLUMNS)}) "
        "ENGINE = MergeTree PARTITION BY toDate(first) ORDER BY (first, sensor)",
        # A whole flow file goes to one shard (the sharding key is the file), so each batch of
        # it is one atomic INSERT on one server and a file's stored rows are always a prefix.
        f"CREATE TABLE IF NOT EXISTS {database}.{FLOWS} AS {database}.{FLOWS}_local "
        f"ENGINE = Distributed({cluster}, {database}, {FLOWS}_local, cityHash64(sensor, file))",
        # An alert changes (count, last_seen, acknowledged): every change is a new version and
        # readers take the newest per (sensor, id) with FINAL; one sensor's alerts share a shard.
        f"CREATE TABLE IF NOT EXISTS {database}.{ALERTS}_local ({_columns(ALERT_COLUMNS)}) "
        "ENGINE = ReplacingMergeTree(version) PARTITION BY toYYYYMM(first_seen) "
        "ORDER BY (sensor, id)",
        f"CREATE TABLE IF NOT EXISTS {database}.{ALERTS} AS {database}.{ALERTS}_local "
        f"ENGINE = Distributed({cluster}, {database}, {ALERTS}_local, cityHash64(sensor))",
    ]


def expired_partitions(partitions, oldest_kept):
    """Return the flow partitions (YYYYMMDD day names) older than the date oldest_kept."""
    keep = oldest_kept.strftime("%Y%m%d")
    return sorted(p for p in partitions if p.isdigit() and len(p) == 8 and p < keep)
