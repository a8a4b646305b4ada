"""Flow search over a real stored file (softflowd v10 export of small.pcap) and file selection."""

import os
import shutil
from datetime import datetime, timezone

import pytest

from appliance.errors import FilterError
from appliance.paths import Paths
from appliance.query import files, flows
from support import tools

needs_nfdump = tools.needs("nfdump", package="nfdump")
UTC = timezone.utc


@pytest.fixture
def store(tmp_path, fixture_path):
    flowdir = tmp_path / "flows"
    flowdir.mkdir()
    shutil.copy(fixture_path("nfdump", "store", "nfcapd.20261127190512"), flowdir)
    (flowdir / "nfcapd.current.4242").write_bytes(b"half-written")  # must be ignored
    return Paths(str(tmp_path), str(tmp_path / "run"))


def test_closed_files_skip_current_and_others(tmp_path):
    for name in ("nfcapd.202611271905", "nfcapd.20261127190510", "nfcapd.current.1", "x.txt"):
        (tmp_path / name).write_text("")
    names = [n for _, n in files.closed_files(str(tmp_path))]
    assert names == ["nfcapd.202611271905", "nfcapd.20261127190510"]


def test_since_keeps_the_file_open_at_since(tmp_path):
    for m in (0, 1, 2, 3):
        (tmp_path / f"nfcapd.2026010100{m:02d}").write_text("")
    since = datetime(2026, 1, 1, 0, 1, 30, tzinfo=UTC)
    names = [n[-2:] for _, n in files.closed_files(str(tmp_path), since)]
    assert names == ["01", "02", "03"]
    assert [n[-2:] for _, n in files.closed_files(str(tmp_path), datetime(2027, 1, 1, tzinfo=UTC))] \
        == ["03"]


def test_window_args_whole_seconds_cover_the_range():
    a = datetime(2026, 1, 1, 0, 0, 1, 500000, tzinfo=UTC)
    b = datetime(2026, 1, 1, 0, 0, 2, 100000, tzinfo=UTC)
    assert flows.window_args(a, b) == ["-t", "2026/01/01.00:00:01-2026/01/01.00:00:03"]
    assert flows.window_args(None, None) == []


@needs_nfdump
def test_search_all_and_filtered(store):
    res = flows.search(store, "")
    assert (len(res.rows), res.truncated, res.files) == (7, False, 1)
    res = flows.search(store, "proto tcp and port 22")
    assert {(r["src"], r["sport"], r["dport"], r["packets"]) for r in res.rows} == \
        {("10.0.0.1", 40000, 22, 2), ("10.0.0.2", 22, 40000, 1)}


@needs_nfdump
def test_limit_truncates(store):
    res = flows.search(store, "any", limit=3)
    assert len(res.rows) == 3 and res.truncated


@needs_nfdump
def test_time_window(store):
    since = datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC)
    res = flows.search(store, "any", since=since)
    assert len(res.rows) == 4 and all(r["first"] >= "2023-11-14T22:13:21" for r in res.rows)


@needs_nfdump
def test_bad_filter_and_empty_store(store, tmp_path):
    with pytest.raises(FilterError, match="syntax error"):
        flows.search(store, "port 22 and")
    empty = Paths(str(tmp_path / "nothing"), str(tmp_path / "run"))
    assert flows.search(empty, "any").rows == []


@needs_nfdump
def test_top_talkers(store):
    top = flows.top(store, "any", "srcip", count=2)
    assert [(t["value"], t["bytes"]) for t in top] == [("10.0.0.1", 276), ("fd00::1", 106)]
    assert os.path.isdir(store.flows)
