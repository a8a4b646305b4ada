"""The export's status part on the box: dashboard item, /metrics lines, `spanflow status` text."""

from appliance.cli.runcmd import render
from appliance.fleet import health
from appliance.web import metrics

PART = {"state": "running", "sensor": "s1", "connected": False, "backlog_files": 4,
        "lag_seconds": 31.5, "files_done": 10, "rows_sent": 5000, "files_skipped": 0,
        "failures": 3, "last_error": "cluster (ch1:9000) unreachable: NetworkError",
        "alerts_sent": 2}


def test_a_backlog_warns_with_the_cluster_error():
    item = health.item(PART, rotate=2)
    assert item["level"] == "warn" and "4 flow files (31 s) behind" in item["summary"]
    assert "unreachable" in item["summary"] and item["reason"] is None


def test_caught_up_is_ok_and_stopped_is_bad():
    ok = health.item(dict(PART, backlog_files=0, lag_seconds=0, failures=0), rotate=60)
    assert ok["level"] == "ok" and "5000 flows" in ok["summary"]
    assert health.item(dict(PART, state="stopped"), rotate=60)["level"] == "bad"


def test_metrics_and_status_show_backlog_lag_failures():
    text = metrics.render({"fleet": PART}, [], {})
    for line in ("spanflow_fleet_backlog_files 4", "spanflow_fleet_lag_seconds 31.5",
                 "spanflow_fleet_failures 3", "spanflow_fleet_rows_sent 5000",
                 "spanflow_fleet_connected 0"):
        assert line in text.splitlines()
    shown = render({"pid": 1, "started": "x", "updated": "y", "fleet": PART}, stale=False)
    assert "fleet: running" in shown and "  backlog_files: 4" in shown
