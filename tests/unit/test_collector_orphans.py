"""Lost intervals: current files a killed nfcapd left behind, counted and expired (no root)."""

import dataclasses
import os
import shutil
import time

import pytest

from appliance.collector import orphans, retention, store
from appliance.config.schema import Collector, Config, Retention, Storage
from appliance.paths import Paths
from support import tools

# the 40-byte header a `kill -9`ed nfcapd 1.7.1 left as nfcapd.current.PID (made for this test)
HEADER = ("nfdump", "orphan", "nfcapd.current.3165")
DEAD = 2 ** 22 + 7  # above the largest pid_max (2^22): no process has it


@pytest.fixture
def store_dir(tmp_path, fixture_path):
    def make(max_age="90d"):
        cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path / "run")),
                     collector=dataclasses.replace(Collector(), retention=Retention(max_age, "20G")))
        paths = Paths.of(cfg)
        os.makedirs(paths.flows, exist_ok=True)
        os.makedirs(paths.runtime, exist_ok=True)
        return cfg, paths
    return make


def put(paths, pid, age, fixture_path):
    path = os.path.join(paths.flows, f"nfcapd.current.{pid}")
    shutil.copy(fixture_path(*HEADER), path)
    when = time.time() - age
    os.utime(path, (when, when))
    return os.path.basename(path)


def running(paths, pid):
    with open(paths.nfcapd_pid, "w") as f:
        f.write(f"{pid}\n")


def test_live_pid_needs_a_running_process(store_dir):
    _, paths = store_dir()
    assert orphans.live_pid(paths.nfcapd_pid) is None  # no pid file
    running(paths, DEAD)
    assert orphans.live_pid(paths.nfcapd_pid) is None  # left behind by a killed nfcapd
    running(paths, os.getpid())
    assert orphans.live_pid(paths.nfcapd_pid) == os.getpid()


def test_lost_intervals_exclude_the_running_collectors_file(store_dir, fixture_path):
    cfg, paths = store_dir()
    running(paths, os.getpid())
    mine = put(paths, os.getpid(), 0, fixture_path)
    old = put(paths, DEAD, 3600, fixture_path)
    new = put(paths, DEAD + 1, 60, fixture_path)
    lost = orphans.lost_state([paths.flows], paths.nfcapd_pid)
    assert lost["lost_intervals"] == 2
    assert [f["name"] for f in lost["lost_files"]] == [new, old]  # newest first
    assert mine not in str(lost)
    assert lost["lost_files"][0]["time"].endswith("Z")


def test_a_stale_pid_file_owns_nothing(store_dir, fixture_path):
    # after kill -9 the pid file still names the dead nfcapd until the restart rewrites it
    cfg, paths = store_dir()
    running(paths, DEAD)
    put(paths, DEAD, 5, fixture_path)
    assert orphans.lost_state([paths.flows], paths.nfcapd_pid)["lost_intervals"] == 1


def test_store_state_reports_lost_intervals(store_dir, fixture_path):
    cfg, paths = store_dir()
    running(paths, os.getpid())
    put(paths, os.getpid(), 0, fixture_path)
    name = put(paths, DEAD, 30, fixture_path)
    st = store.store_state(cfg, paths)
    assert st["lost_intervals"] == 1 and st["lost_files"][0]["name"] == name
    assert st["files"] == 0  # a current file is never a closed one


def test_remove_only_orphans_older_than_the_cutoff(store_dir, fixture_path):
    cfg, paths = store_dir()
    running(paths, os.getpid())
    mine = put(paths, os.getpid(), 7200, fixture_path)  # old but still owned
    young = put(paths, DEAD, 60, fixture_path)
    put(paths, DEAD + 1, 7200, fixture_path)
    assert orphans.remove([paths.flows], paths.nfcapd_pid, time.time() - 3600) == 1
    assert sorted(os.listdir(paths.flows)) == sorted([mine, young])


@tools.needs("nfexpire", package="nfdump")
def test_retention_expires_orphans_with_the_max_age(store_dir, fixture_path):
    cfg, paths = store_dir(max_age="1h")
    running(paths, os.getpid())
    mine = put(paths, os.getpid(), 7200, fixture_path)
    young = put(paths, DEAD, 60, fixture_path)
    put(paths, DEAD + 1, 7200, fixture_path)
    done = retention.expire(cfg, paths)
    assert done[paths.flows]["lost_intervals_removed"] == 1
    left = [n for n in os.listdir(paths.flows) if n.startswith("nfcapd.")]  # nfexpire adds .nfstat
    assert sorted(left) == sorted([mine, young])
