"""SQLite ingest cursor, counters, top sums with filters, and retention."""

from appliance.config.schema import Config, Storage
from appliance.paths import Paths
from appliance.trends import aggregate, db, readers

T0 = 1795788000


def _paths(tmp_path):
    cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path / "run")))
    return cfg, Paths.of(cfg)


def _store(con, name, start, host_bytes):
    top = {"hosts": [{"host": h, "flows": 1, "packets": 2, "bytes": b} for h, b in host_bytes],
           "ports": [{"proto": "tcp", "port": 22, "flows": 3, "packets": 4, "bytes": 5}],
           "conversations": [{"src": "10.0.0.1", "dst": "10.1.0.1", "flows": 1, "packets": 1,
                              "bytes": 9}]}
    db.record_file(con, name, start, start + 60, start + 61, "done", aggregate.Counts(1, 2, 3),
                   top=top)
    db.bump(con, "files_done")


def test_cursor_and_top_sums_over_a_window(tmp_path):
    cfg, paths = _paths(tmp_path)
    con = db.connect(paths.database)
    assert db.cursor(con) == ""
    _store(con, "nfcapd.202611271400", T0, [("10.0.0.1", 100), ("10.0.0.2", 50)])
    _store(con, "nfcapd.202611271401", T0 + 60, [("10.0.0.2", 80)])
    assert db.cursor(con) == "nfcapd.202611271401"
    con.close()
    hosts = readers.top(cfg, paths, "hosts", T0, T0 + 120)
    assert [(h["host"], h["bytes"], h["filter"]) for h in hosts] == [
        ("10.0.0.2", 130, "host 10.0.0.2"), ("10.0.0.1", 100, "host 10.0.0.1")]
    assert readers.top(cfg, paths, "hosts", T0 + 60, T0 + 120)[0]["bytes"] == 80
    port = readers.top(cfg, paths, "ports", T0, T0 + 120)[0]
    assert (port["proto"], port["port"], port["flows"], port["filter"]) == \
        ("tcp", 22, 6, "proto tcp and port 22")
    conv = readers.top(cfg, paths, "conversations", T0, T0 + 120, n=1)[0]
    assert conv["filter"] == "src host 10.0.0.1 and dst host 10.1.0.1"


def test_retention_keeps_the_cursor(tmp_path):
    _cfg, paths = _paths(tmp_path)
    con = db.connect(paths.database)
    _store(con, "nfcapd.202611271400", T0, [("10.0.0.1", 1)])
    _store(con, "nfcapd.202611271401", T0 + 60, [("10.0.0.1", 1)])
    assert db.expire(con, T0 + 3600) == 6
    assert db.cursor(con) == "nfcapd.202611271401"
    assert con.execute("SELECT count(*) FROM top_entries").fetchone()[0] == 0


def test_ingest_state_without_a_database(tmp_path):
    cfg, paths = _paths(tmp_path)
    state = readers.ingest_state(cfg, paths)
    assert state["files_done"] == 0 and state["last_file"] is None and state["pending"] == 0


def test_unknown_kind_names_the_allowed_ones(tmp_path):
    cfg, paths = _paths(tmp_path)
    try:
        readers.top(cfg, paths, "vlans", T0, T0 + 60)
    except readers.UnknownSeries as exc:
        assert str(exc) == "unknown top list 'vlans': use hosts, ports or conversations"
    else:
        raise AssertionError("no error")


def test_rollback_journal_so_unprivileged_readers_need_no_write_access(tmp_path):
    # a WAL database cannot be opened read-only by a user who cannot create its -shm file
    # (seen: "attempt to write a readonly database" for the web's user)
    _cfg, paths = _paths(tmp_path)
    db.connect(paths.database).close()
    con = db.connect(paths.database, readonly=True)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
