"""Store state and retention over real flow files (copies of a softflowd v10 export)."""

import dataclasses
import os
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from appliance.collector import retention, store
from appliance.config.schema import Collector, Config, Retention, Storage
from appliance.paths import Paths
from support import tools

needs_nfdump = tools.needs("nfdump", "nfexpire", package="nfdump")
# Names relative to now: nfexpire ages files by their names, so fixed dates would expire on
# their own one day (issue 15). 300 days, 7 days and 1 hour old.
NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)
AGES = (timedelta(days=300), timedelta(days=7), timedelta(hours=1))
NAMES = tuple((NOW - age).strftime("nfcapd.%Y%m%d%H%M") for age in AGES)


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
    assert st["oldest"] == (NOW - AGES[0]).strftime("%Y-%m-%dT%H:%M:00.000Z")
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
    assert retention.expire(cfg, paths)[paths.flows]["files"] == 1
    left = sorted(n for n in os.listdir(paths.flows) if n.startswith("nfcapd."))  # not .nfstat
    assert left == [*NAMES[1:], "nfcapd.current.77"]


@needs_nfdump
def test_expire_by_size_removes_oldest_first(setup):
    cfg, paths = setup(max_age="1000w", max_size="5K")
    retention.expire(cfg, paths)
    left = [n for n in os.listdir(paths.flows) if n.startswith("nfcapd.2")]
    assert left == [NAMES[2]]


@needs_nfdump
def test_flow_count_within_a_time_budget(setup):
    cfg, paths = setup()
    counter = store.FlowCount(store.flowfiles.Catalogue(paths.flows))
    assert counter.flows(budget=-1) is None and counter.pending == 3  # nothing counted yet
    assert counter.flows() == 21 and counter.pending == 0
    os.unlink(os.path.join(paths.flows, NAMES[0]))  # expired: its count goes too
    assert counter.flows() == 14


def test_flow_count_recounts_only_broken_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(store, "CHUNK", 4)
    for n in range(10):
        (tmp_path / f"nfcapd.2026112719{n:02d}").write_bytes(b"")
    calls = []

    def count(flowdir, first, last):
        calls.append((first[-2:], last[-2:]))
        return int(last[-2:]) - int(first[-2:]) + 1  # one flow a file

    counter = store.FlowCount(store.flowfiles.Catalogue(str(tmp_path)), count)
    assert counter.flows() == 10
    assert calls == [("06", "09"), ("02", "05"), ("00", "01")]  # newest first, CHUNK at most
    calls.clear()
    assert counter.flows() == 10 and calls == []  # nothing changed: nothing counted
    os.unlink(tmp_path / "nfcapd.202611271900")  # expiry takes the oldest
    (tmp_path / "nfcapd.202611271910").write_bytes(b"")  # rotation adds the newest
    assert counter.flows() == 10
    assert calls == [("10", "10"), ("01", "01")]


def test_flow_counts_survive_a_restart(tmp_path):
    flows = tmp_path / "flows"
    flows.mkdir()
    for n in range(3):
        (flows / f"nfcapd.2026112719{n:02d}").write_bytes(b"")
    cache = str(tmp_path / "flowcounts.json")
    first = store.FlowCount(store.flowfiles.Catalogue(str(flows)), lambda d, a, b: 7,
                            cache_path=cache)
    assert first.flows() == 7

    def never(*args):
        raise AssertionError("counted again after a restart")
    again = store.FlowCount(store.flowfiles.Catalogue(str(flows)), never, cache_path=cache)
    assert again.flows() == 7
    (tmp_path / "flowcounts.json").write_text("{not json")
    assert store.FlowCount(store.flowfiles.Catalogue(str(flows)), lambda d, a, b: 5,
                           cache_path=cache).flows() == 5  # a broken cache is counted again


def test_a_failed_count_is_tried_again_never_kept_as_zero(tmp_path):
    for n in range(3):
        (tmp_path / f"nfcapd.2026112719{n:02d}").write_bytes(b"")
    answers = [None, 3]  # nfdump timed out once, then answered

    counter = store.FlowCount(store.flowfiles.Catalogue(str(tmp_path)),
                              lambda d, a, b: answers.pop(0))
    assert counter.flows() is None and counter.pending == 3  # unknown, not 0
    assert counter.flows() == 3
