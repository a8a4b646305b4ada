"""Ingest after an outage, after being killed, and on corrupt or truncated flow files.

Flow files are made by the real softflowd and nfcapd from a known capture and copied under
names 30 minutes old (an outage's backlog); series and top lists are compared with nfdump.
"""

import os
import signal
import subprocess

import pytest

from appliance.trends import db, readers
from faults import capture, store
from support.netns import ROOT
from support.wait import wait_until

BACKLOG = 30  # one file a minute over a 30-minute outage


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    return capture.flow_file(str(tmp_path_factory.mktemp("made")), flows=200)


def expect(paths, names):
    return store.nfdump_totals([os.path.join(paths.flows, n) for n in names])


def test_outage_backlog_catches_up_and_equals_nfdump(tmp_path, source):
    _, cfg, paths = store.make(tmp_path)
    names = capture.backlog(source, paths.flows, BACKLOG)
    status = store.ingest_all(cfg, paths)
    assert status["files_done"] == BACKLOG and status["quarantined"] == 0
    want = expect(paths, names)
    assert want == (200 * BACKLOG, 600 * BACKLOG, 34800 * BACKLOG)
    assert store.rrd_totals(cfg, paths, *capture.window(names)) == want
    # top lists: the one destination host carries every byte of every file
    top = readers.top(cfg, paths, "hosts", *capture.window(names), n=1)
    assert (top[0]["host"], top[0]["bytes"], top[0]["packets"]) == ("10.8.0.1", want[2], want[1])
    assert store.intact(paths) >= 1


def test_ingest_killed_mid_catch_up_counts_nothing_twice(tmp_path, source):
    config, cfg, paths = store.make(tmp_path)
    names = capture.backlog(source, paths.flows, BACKLOG)
    child = subprocess.Popen(["/usr/bin/python3", "-c", store.INGEST_LOOP, config, ROOT])
    try:
        wait_until(lambda: store.files_done(paths) >= 5 or child.poll() is not None, 60,
                   what="ingest to get going")
        os.kill(child.pid, signal.SIGKILL)  # our own child, mid-catch-up
    finally:
        child.wait(10)
    assert child.returncode == -signal.SIGKILL, "ingest finished before it could be killed"
    killed_at = store.files_done(paths)
    assert 5 <= killed_at < BACKLOG
    assert store.ingest_all(cfg, paths)["files_done"] == BACKLOG
    want = expect(paths, names)
    assert store.rrd_totals(cfg, paths, *capture.window(names)) == want
    top = readers.top(cfg, paths, "hosts", *capture.window(names), n=1)
    assert top[0]["bytes"] == want[2]
    store.intact(paths)


def test_crash_between_rrd_and_sqlite_is_not_counted_twice(tmp_path, source, monkeypatch):
    _, cfg, paths = store.make(tmp_path)
    names = capture.backlog(source, paths.flows, 3)
    # a file's numbers reach SQLite with the file, then its finished steps the RRD files, then
    # SQLite forgets those steps: a kill between the last two leaves written steps in SQLite
    real, calls = db.drop_bins, []

    def killed(con, until):
        calls.append(until)
        if len(calls) == 2:  # the second file's ingest has just written the first file's step
            raise KeyboardInterrupt("killed after the RRD write")
        real(con, until)
    monkeypatch.setattr(db, "drop_bins", killed)
    with pytest.raises(KeyboardInterrupt):
        store.ingest_all(cfg, paths)
    monkeypatch.setattr(db, "drop_bins", real)
    status = store.ingest_all(cfg, paths)
    assert status["rrd_skipped"] >= 1
    want = expect(paths, names)
    assert store.rrd_totals(cfg, paths, *capture.window(names)) == want
    assert readers.top(cfg, paths, "hosts", *capture.window(names), n=1)[0]["bytes"] == want[2]


def test_corrupt_and_truncated_files_are_quarantined_counted_and_shown(tmp_path, source):
    _, cfg, paths = store.make(tmp_path)
    names = capture.backlog(source, paths.flows, 6)
    good, bad = names[0::2], names[1::2]
    data = open(source, "rb").read()
    for name, content in zip(bad, (data[: len(data) // 2], data[:100], os.urandom(4096))):
        with open(os.path.join(paths.flows, name), "wb") as f:
            f.write(content)  # truncated mid-block, header only, random bytes
    status = store.ingest_all(cfg, paths)
    assert (status["files_done"], status["quarantined"]) == (3, 3)
    assert status["last_quarantined"].startswith(bad[-1] + ":")
    assert sorted(os.listdir(paths.quarantine)) == bad
    assert sorted(os.listdir(paths.flows)) == good
    want = store.nfdump_totals([os.path.join(paths.flows, n) for n in good])
    assert store.rrd_totals(cfg, paths, *capture.window(names)) == want == (600, 1800, 104400)
    store.intact(paths)
