"""Store state and retention over real flow files (copies of a softflowd v10 export)."""

import dataclasses
import os
import shutil

import pytest

from appliance.collector import retention, store
from appliance.config.schema import Collector, Config, Retention, Storage
from appliance.paths import Paths
from support import tools

needs_nfdump = tools.needs("nfdump", "nfexpire", package="nfdump")
NAMES = ("nfcapd.202601010000", "nfcapd.202611200000", "nfcapd.202611271900")


@pytest.fixture
def setup(tmp_path, fixture_path):
    def make(max_age="90d", max_size="20G"):
        cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path / "run")),
                     collector=dataclasses.replace(Collector(), retention=Retention(max_age, max_size)))
        paths = Paths.of(cfg)
        os.makedirs(paths.flows, exist_ok=True)
        for name in NAMES + ("nfcapd.current.77",):
            shutil.copy(fixture_path("nfdump", "store", "nfcapd.20261127190512"),
                        os.path.join(paths.flows, name))
        return cfg, paths
    return make


def test_parse_info_and_expired(fixture_path):
    assert store.parse_info("Flows: 7\nPackets: 8\nIdent: none\n") == {"flows": 7, "packets": 8}
    text = "Expired files:      1\nExpired file size:  4096 = 4.0 KB\n"
    assert retention.parse_expired(text) == (1, 4096)
    assert retention.parse_expired("Numfiles: 3\n") == (0, 0)


def test_expire_args_units():
    assert retention.expire_args("/d", "90d", "20G") == ["-e", "/d", "-t", "129600M", "-s", f"{20 << 30}b"]
    assert retention.expire_args("/d", "30s", "1K")[3] == "1M"


@needs_nfdump
def test_store_state_counts_closed_files_only(setup):
    cfg, paths = setup()
    st = store.store_state(cfg, paths)
    assert (st["files"], st["flows"], st["oldest_file"], st["newest_file"]) == (3, 21, NAMES[0], NAMES[2])
    assert st["disk_bytes"] > 0 and st["last_rotation"].endswith("Z")
    assert st["oldest"] == "2026-01-01T00:00:00.000Z"
    assert set(st) == {"dir", "files", "flows", "disk_bytes", "flows_pending", "oldest_file",
                       "newest_file", "oldest", "last_rotation", "lost_intervals",
                       "lost_files"}  # what health.py reads
    # nfcapd.current.77: no nfcapd runs (no pid file), so its interval was lost
    assert (st["lost_intervals"], st["lost_files"][0]["name"]) == (1, "nfcapd.current.77")


@needs_nfdump
def test_expire_by_age_keeps_recent_and_current(setup):
    cfg, paths = setup(max_age="400d")
    assert retention.expire(cfg, paths)[paths.flows]["files"] == 0
    cfg, paths = setup(max_age="30d")
    # the fixture's names are from 2026: only the January one is older than 30 days from today
    # when today is late 2026; compute what must go from the names instead of assuming a date.
    from datetime import datetime, timezone, timedelta
    cutoff = datetime.now(timezone.utc) - timedelta(days=30)
    old = [n for n in NAMES if datetime.strptime(n[7:], "%Y%m%d%H%M").replace(tzinfo=timezone.utc) < cutoff]
    retention.expire(cfg, paths)
    left = sorted(os.listdir(paths.flows))
    assert "nfcapd.current.77" in left
    assert not set(old) & set(left)


@needs_nfdump
def test_expire_by_size_removes_oldest_first(setup):
    cfg, paths = setup(max_age="1000w", max_size="5K")
    retention.expire(cfg, paths)
    left = [n for n in os.listdir(paths.flows) if n.startswith("nfcapd.2")]
    assert left == [NAMES[2]]


@needs_nfdump
def test_flow_count_within_a_time_budget(setup):
    cfg, paths = setup()
    closed = store.flowfiles.closed_files(paths.flows)
    store._counts.pop(paths.flows, None)
    assert store.count_flows(paths.flows, closed, budget=-1) is None  # nothing counted yet
    assert store.count_flows(paths.flows, closed) == 21
    os.unlink(os.path.join(paths.flows, NAMES[0]))  # expired: its count goes too
    assert store.count_flows(paths.flows, store.flowfiles.closed_files(paths.flows)) == 14
