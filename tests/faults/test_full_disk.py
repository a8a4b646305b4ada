"""A full disk under the store (a small tmpfs we mount and unmount): ingest keeps running,
retention (nfexpire, as the collector runs it) frees space, a storage alert says so, every
unreadable file is counted, nothing is corrupted, and ingest catches up.

The run loop is spanflow's own Supervisor with the real ingest worker, so an exception from a
poll is handled as `spanflow run` handles it. nfcapd on a full disk leaves empty files behind;
the test makes those directly.
"""

import json
import os
import shutil
import subprocess
import threading

import pytest

from appliance.detect.engine import Detector
from appliance.detect.store import AlertStore
from appliance.supervisor import components
from appliance.supervisor.run import Supervisor
from appliance.trends.ingest import IngestWorker
from faults import capture, store
from support.wait import wait_until

pytestmark = pytest.mark.root


@pytest.fixture
def disk(tmp_path):
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=40m", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def fill(path):
    """Write zeros to path until the file system is full."""
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                f.write(bytes(65536))
        except OSError:
            pass
        try:  # then the last pages, one at a time
            while True:
                f.write(bytes(4096))
        except OSError:
            pass


def test_full_disk_is_survived_counted_and_caught_up(tmp_path, disk):
    # 10 files of 20 KB on disk (1000 flows, LZ4 as the product writes them; 200 flows were 21 KB
    # uncompressed): a 100 KiB size limit keeps the newest few
    source = capture.flow_file(str(tmp_path), flows=1000)
    config, cfg, paths = store.make(tmp_path, data=disk / "data",
                               collector='retention = {max_size = "100K"}')
    good = capture.backlog(source, paths.flows, 10)
    worker = IngestWorker(cfg, paths)
    detector = Detector(cfg, paths)  # storage findings go through it, as in `spanflow run`
    sup = Supervisor([("ingest", worker)], paths.status, interval=0.2)
    worker.start()
    detector.start()
    loop = threading.Thread(target=sup.loop)
    loop.start()
    try:
        snap = lambda: store.snapshot.read(paths.status) or {}  # noqa: E731
        wait_until(lambda: snap().get("ingest", {}).get("files_done") == 10, 60,
                   what="the backlog ingested")
        want = store.nfdump_totals([os.path.join(paths.flows, n) for n in good])
        fill(disk / "filler")
        for name in capture.names_after(good[-1], 3):
            open(os.path.join(paths.flows, name), "wb").close()  # what nfcapd leaves on ENOSPC
        before = snap()["updated"]
        wait_until(lambda: snap()["updated"] != before, 10, what="the loop to go on")
        assert loop.is_alive()
        assert shutil.disk_usage(disk).free < 65536
        # the collector's periodic chore, as it runs it
        done = components._expire(cfg, paths, detector)
        expired = done[paths.flows]
        assert expired["files"] >= 5 and shutil.disk_usage(disk).free > 100_000
        # the disk was full, and max_size deleted files far younger than max_age (90d)
        assert expired["young_files"] == expired["files"]
        assert done["storage"] == {"findings": 2, "alerts": 2}, done
        assert detector.status()["alerts"] == 2
        st = wait_until(lambda: (lambda s: s["pending"] == 0 and s)(snap()["ingest"]), 60,
                        what="ingest to catch up after the disk had space again")
    finally:
        sup.stopping.set()
        loop.join(10)
        worker.stop()
        detector.stop()
    assert (st["files_done"], st["quarantined"]) == (10, 3)
    assert len(os.listdir(paths.quarantine)) == 3  # every quarantined file is counted
    store.intact(paths)
    assert store.rrd_totals(cfg, paths, *capture.window(good)) == want
    alerts = AlertStore(paths.database)
    try:
        stored = {a["key"]: a for a in alerts.list()}
    finally:
        alerts.close()
    assert {k: (a["rule"], a["severity"]) for k, a in stored.items()} == {
        "disk_full": ("storage", "high"), "max_size": ("storage", "medium")}
    assert "add disk" in stored["disk_full"]["summary"]
    assert f"size retention deleted {expired['files']} flow files" in stored["max_size"]["summary"]
    cli = subprocess.run(["/usr/bin/python3", "-m", "appliance.cli.main", "alerts", "--json",
                          "--config", config], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))))
    assert sorted((a["rule"], a["key"], a["id"]) for a in json.loads(cli.stdout)) == sorted(
        ("storage", k, a["id"]) for k, a in stored.items())
