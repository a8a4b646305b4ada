"""Intervals lost in nfcapd crashes: from the store state to the dashboard and /metrics."""

import os
import shutil
import time
from datetime import datetime, timedelta, timezone

from appliance.collector import store
from appliance.web import health

from .conftest import NOW
from .test_health import snap

DEAD = 2 ** 22 + 7  # above the largest pid_max: no process has it


def lost_store(tmp_path, fixture_path, age):
    """Return the run loop's store reading over a dir holding one orphaned current file."""
    from .conftest import make_cfg
    from appliance.paths import Paths
    cfg = make_cfg(tmp_path)
    paths = Paths.of(cfg)
    os.makedirs(paths.flows, exist_ok=True)
    path = os.path.join(paths.flows, f"nfcapd.current.{DEAD}")
    shutil.copy(fixture_path("nfdump", "orphan", "nfcapd.current.3165"), path)
    when = time.time() - age
    os.utime(path, (when, when))
    return store.store_state(cfg, paths)


def collector(state, now):
    s = snap()
    s["collector"]["store"].update({k: state[k] for k in ("lost_intervals", "lost_files")})
    s["collector"]["store"]["last_rotation"] = (now - timedelta(seconds=30)).isoformat()
    return {i["name"]: i for i in health.assess(s, now, 60, "x")}["collector"]


def test_a_recent_lost_interval_warns_and_names_the_file(tmp_path, fixture_path):
    state = lost_store(tmp_path, fixture_path, 120)
    item = collector(state, datetime.now(timezone.utc))
    assert item["level"] == "warn"
    assert "1 intervals lost in collector crashes" in item["summary"]
    assert f"nfcapd.current.{DEAD}" in item["summary"]
    assert item["facts"]["lost_intervals"] == 1


def test_an_old_lost_interval_is_counted_without_a_warning(tmp_path, fixture_path):
    state = lost_store(tmp_path, fixture_path, 3 * 86400)
    item = collector(state, datetime.now(timezone.utc))
    assert item["level"] == "ok" and item["facts"]["lost_intervals"] == 1
    assert "1 intervals lost" in item["summary"]


def test_no_lost_interval_no_mention():
    item = collector({"lost_intervals": 0, "lost_files": []}, NOW)
    assert item["level"] == "ok" and "lost" not in item["summary"]


def test_dashboard_and_metrics_show_the_count(client, write_status):
    state = {"lost_intervals": 3, "lost_files": [
        {"name": "nfcapd.current.4242", "dir": "/x", "time": (NOW - timedelta(minutes=5))
         .strftime("%Y-%m-%dT%H:%M:%SZ")}]}
    s = snap()
    s["collector"]["store"].update(state)
    write_status(**{k: v for k, v in s.items() if k != "updated"})
    page = client.get("/").get_data(as_text=True)
    assert "3 intervals lost in collector crashes" in page and "nfcapd.current.4242" in page
    text = client.get("/metrics").get_data(as_text=True)
    assert "spanflow_collector_store_lost_intervals 3\n" in text
    assert 'spanflow_health{component="collector"} 1' in text
