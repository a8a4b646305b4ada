"""Dashboard health: each component judged, and the reason graphs are empty, in path order."""

from datetime import datetime, timedelta, timezone

from appliance.web import health

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)


def snap(**over):
    base = {
        "updated": NOW.isoformat(),
        "mirror": {"interface": "eth1", "state": "running", "link": "up", "promisc": True,
                   "rx_packets": 1000, "rx_bytes": 90000, "rx_dropped": 0, "rx_missed": 0},
        "probe": {"state": "running", "pid": 10, "restarts": 0, "last_exit": None,
                  "statistics": {"packets_processed": 1000, "pcap_received": 1000,
                                 "flows_exported": 50, "interface_dropped": 0}},
        "collector": {"state": "running", "pid": 11, "restarts": 0,
                      "store": {"newest_file": "nfcapd.202611271159", "files": 3,
                                "last_rotation": (NOW - timedelta(seconds=61)).isoformat(),
                                "disk_bytes": 4096}},
        "ingest": {"state": "running", "lag_seconds": 30, "pending": 0, "files_done": 9},
    }
    base.update(over)
    return base


def levels(items):
    return {i["name"]: i["level"] for i in items}


def test_all_well_gives_no_reason():
    items = health.assess(snap(), NOW, 60, "/run/spanflow/status.json")
    assert set(levels(items).values()) == {"ok"}
    assert health.empty_reason(items) is None


def test_missing_snapshot_says_run_is_not_running():
    items = health.assess(None, NOW, 60, "/run/x/status.json")
    assert "not running" in health.empty_reason(items)


def test_snapshot_of_a_stopped_run_is_bad_at_once():
    items = health.assess(snap(state="stopped"), NOW, 60, "x")
    assert levels(items)["sensor"] == "bad" and "stopped" in health.empty_reason(items)
    assert levels(health.assess(snap(state="running"), NOW, 60, "x"))["sensor"] == "ok"


def test_stale_snapshot_is_bad():
    items = health.assess(snap(updated=(NOW - timedelta(minutes=5)).isoformat()), NOW, 60, "x")
    assert levels(items)["sensor"] == "bad"


def test_no_packets_on_mirror_is_the_reason():
    s = snap()
    s["mirror"]["rx_packets"] = 0
    assert "no packets on the mirror port" in health.empty_reason(health.assess(s, NOW, 60, "x"))


def test_probe_down_is_the_reason():
    s = snap()
    s["probe"]["state"] = "restarting"
    assert "probe" in health.empty_reason(health.assess(s, NOW, 60, "x"))


def test_collector_silent_is_the_reason():
    s = snap()
    s["collector"]["store"]["last_rotation"] = (NOW - timedelta(hours=1)).isoformat()
    assert "receiving nothing" in health.empty_reason(health.assess(s, NOW, 60, "x"))


def test_ingest_behind_is_the_reason():
    for ingest in ({"lag_seconds": 3600}, {"pending": 30}):
        assert "behind" in health.empty_reason(health.assess(snap(ingest=ingest), NOW, 60, "x"))


def test_ingest_errors_warn_with_last_error():
    s = snap(ingest={"state": "running", "errors": 2, "last_error": "nfdump timed out"})
    item = health.assess(s, NOW, 60, "x")[-1]
    assert item["level"] == "warn" and "nfdump timed out" in item["summary"]


def test_mirror_link_down_or_port_not_set_up_is_bad():
    s = snap()
    s["mirror"]["link"] = "down"
    assert "SPAN cable" in health.empty_reason(health.assess(s, NOW, 60, "x"))
    s = snap()
    s["mirror"]["state"] = "stopped"
    assert levels(health.assess(s, NOW, 60, "x"))["mirror"] == "bad"


def test_collector_without_a_flow_file_or_store_reading_says_so():
    s = snap()
    s["collector"]["store"] = {"newest_file": None, "files": 0}
    assert "received nothing" in health.empty_reason(health.assess(s, NOW, 60, "x"))
    s["collector"]["store"] = {"error": "nfdump -I timed out"}
    item = health.assess(s, NOW, 60, "x")[3]
    assert item["level"] == "warn" and "nfdump -I timed out" in item["summary"]


def test_drops_and_no_promisc_warn():
    s = snap()
    s["mirror"]["rx_dropped"] = 5
    assert levels(health.assess(s, NOW, 60, "x"))["mirror"] == "warn"
    s = snap()
    s["mirror"]["promisc"] = False
    assert levels(health.assess(s, NOW, 60, "x"))["mirror"] == "warn"


def run_loop_snapshot(fixture_path):
    """The shape `spanflow run` writes: flat mirror counters (read from lo here), statistics."""
    from appliance.mirror import counters
    from appliance.probe import stats
    with open(fixture_path("softflowctl", "statistics-1.1.0-flushed.txt")) as f:
        parsed = stats.parse(f.read())
    return {"updated": NOW.isoformat(),
            "mirror": {"state": "running", "interface": "lo", "changed": [],
                       **counters.read("lo")},
            "probe": {"state": "running", "pid": 5, "restarts": 0, "last_exit": None,
                      "statistics": parsed},
            "collector": {"state": "running", "pid": 6, "restarts": 0,
                          "store": {"newest_file": "nfcapd.202611271159", "files": 2,
                                    "last_rotation": (NOW - timedelta(seconds=30)).isoformat()}},
            "ingest": {"state": "running", "lag_seconds": 20, "pending": 0, "files_done": 2}}


def test_reads_the_run_loops_real_shapes(fixture_path):
    s = run_loop_snapshot(fixture_path)
    s["mirror"]["rx_packets"] = max(1, s["mirror"]["rx_packets"])
    s["mirror"]["promisc"], s["mirror"]["rx_dropped"] = True, 0
    items = {i["name"]: i for i in health.assess(s, NOW, 60, "x")}
    assert items["mirror"]["facts"]["link"] == "unknown"  # lo reports no operstate
    assert items["mirror"]["level"] == "ok", items["mirror"]
    # the numbers of the captured softflowctl text, read through to the page's facts
    assert items["probe"]["facts"]["packets_processed"] == 21
    assert items["probe"]["facts"]["flows_exported"] == 10
    assert items["probe"]["level"] == "ok" and items["probe"]["summary"] == "10 flows exported"
    assert items["collector"]["level"] == "ok" and items["collector"]["facts"]["files"] == 2


def test_unreadable_readings_are_shown_not_hidden(fixture_path):
    s = run_loop_snapshot(fixture_path)
    s["mirror"] = {"state": "running", "interface": "eth9", "error": "No such device"}
    s["probe"]["statistics"] = {"error": "cannot connect to softflowd.ctl"}
    items = {i["name"]: i for i in health.assess(s, NOW, 60, "x")}
    assert "No such device" in items["mirror"]["summary"] and items["mirror"]["level"] == "bad"
    assert "cannot connect" in items["probe"]["summary"] and items["probe"]["level"] == "warn"


def test_collector_health_warns_on_bad_packets_not_on_the_probes_sequence_numbers():
    s = snap()
    s["collector"]["health"] = {"bad_packets": 0, "sequence_errors": 40, "last_interval": {
        "ident": "spanflow", "bad_packets": 0, "sequence_errors": 15}}
    item = health.assess(s, NOW, 60, "x")[3]
    assert item["level"] == "ok" and "40 sequence errors since start" in item["summary"]
    s["collector"]["health"]["last_interval"]["bad_packets"] = 15
    item = health.assess(s, NOW, 60, "x")[3]
    assert item["level"] == "warn" and "malformed" in item["summary"]
