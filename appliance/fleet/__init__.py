"""A fleet of sensors in one ClickHouse cluster: export (sensor side), tables and queries (hub side).

`client.py` is the only clickhouse-driver user; `tables.py`, `rows.py`, `sqlfilter.py` and
`health.py` are pure; `export.py` is the `spanflow run` component; `central.py` the hub's queries.
"""
