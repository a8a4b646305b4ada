"""The graph route draws the alert store's markers: a real SQLite store, real RRD graphs."""

import os

from appliance.detect.finding import Finding
from appliance.detect.store import AlertStore
from appliance.trends import groups, rrd

from .conftest import NOW

T = int(NOW.timestamp())


def record(paths, start, end, key="10.0.0.5>10.0.0.9:telnet"):
    store = AlertStore(paths.database)
    try:
        return store.record(Finding("cleartext", key, "high", "telnet in clear", "host 10.0.0.5",
                                    flows=2), start, end, cooldown=0)[0]
    finally:
        store.close()


def test_route_passes_the_stores_markers_of_the_window(app, client, readers):
    paths = app.config["SPANFLOW_PATHS"]
    inside = record(paths, T - 1800, T - 1740)
    record(paths, T - 3 * 86400, T - 3 * 86400 + 60, key="old")  # outside the 1-day window
    assert client.get("/graphs/protocol/bits.png?period=1d").status_code == 200
    assert [(m["id"], m["rule"], m["start"], m["end"]) for m in readers.markers] == \
        [(inside, "cleartext", T - 1800, T - 1740)]


def test_route_without_a_database_draws_no_marker(client, readers):
    assert client.get("/graphs/protocol/bits.png").status_code == 200
    assert readers.markers == []


def test_marked_graph_differs_from_the_unmarked_one(app, client):
    paths = app.config["SPANFLOW_PATHS"]
    path = groups.rrd_path(paths, "total")
    start = T - 7200
    rrd.ensure(path, "total", ["all"], 60, start - 10)
    for n in range(120):
        rrd.update(path, start + 60 * n, {"all_f": 60, "all_p": 600, "all_b": 60000})
    url = "/graphs/total/bits.png?period=6h"
    os.makedirs(os.path.dirname(paths.database), exist_ok=True)
    AlertStore(paths.database).close()  # an empty alert store: no marker yet
    plain = client.get(url)
    record(paths, T - 1800, T - 1740)
    marked = client.get(url)
    assert plain.status_code == marked.status_code == 200
    assert plain.mimetype == marked.mimetype == "image/png"
    assert marked.data != plain.data


def test_database_without_alert_tables_draws_no_marker(app, client, readers):
    import sqlite3
    paths = app.config["SPANFLOW_PATHS"]
    os.makedirs(os.path.dirname(paths.database), exist_ok=True)
    con = sqlite3.connect(paths.database)  # ingest has run, detection has not
    con.execute("CREATE TABLE ingest_files (name TEXT)")
    con.close()
    assert client.get("/graphs/protocol/bits.png").status_code == 200
    assert readers.markers == []
