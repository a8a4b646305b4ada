"""Ingest of flow files written by the real collector: RRD values, top lists, restart, quarantine.

Uses the real softflowd (offline, -r), nfcapd and nfdump on loopback; root is not needed.
"""

import glob
import os
import shutil
import signal
import sqlite3
import subprocess

import pytest

from appliance.config.schema import Collector, Config, Ingest, Storage
from appliance.errors import ConfigError
from appliance.paths import Paths
from appliance.query.reading import FileReading
from appliance.trends import readers, rrd
from appliance.trends.groups import rrd_path
from appliance.trends.ingest import IngestWorker, pending
from bench.ingest import collect, write_pcap
from support import flowstore, tools
from support.wait import wait_until

STEP = 60
START = 1795788000  # 2026-11-27 14:00 UTC; names below are this minute and the next ones
NAMES = ["nfcapd.202611271400", "nfcapd.202611271401", "nfcapd.202611271402"]

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")


@pytest.fixture(scope="module")
def real_file(tmp_path_factory):
    """One flow file written by nfcapd from softflowd's export of a generated pcap, with its truth."""
    work = tmp_path_factory.mktemp("collect")
    truth = write_pcap(str(work / "in.pcap"), 500, packets_per_flow=2, start=START)
    files = collect(str(work / "in.pcap"), str(work / "flows"))
    assert len(files) == 1, files
    return files[0], truth


class Recorder:
    def __init__(self):
        self.intervals = []

    def on_interval(self, interval):
        self.intervals.append(interval)


def _setup(tmp_path, real_file, names):
    cfg = Config(storage=Storage(dir=str(tmp_path / "data"), runtime_dir=str(tmp_path / "run")),
                 collector=Collector(rotate=STEP),
                 ingest=Ingest(channels={"lan": "net 10.0.0.0/16"}, top_n=5))
    paths = Paths.of(cfg)
    os.makedirs(paths.flows)
    for name in names:
        shutil.copy(real_file[0], os.path.join(paths.flows, name))
    return cfg, paths


def _counted(paths, group, ds):
    """Return the per-interval counts stored in a group's finest archive (rate x step)."""
    (t0, _t1, step), names, rows = rrd.fetch(rrd_path(paths, group), START - 120, START + 600, 1000)
    i = names.index(ds)
    return {t0 + (n + 1) * step: round(r[i] * step) for n, r in enumerate(rows) if r[i]}


def test_rrd_holds_the_flows_the_collector_wrote(tmp_path, real_file):
    cfg, paths = _setup(tmp_path, real_file, NAMES[:1])
    rec = Recorder()
    worker = IngestWorker(cfg, paths, listeners=[rec], clock=lambda: START + 300)
    worker.start()
    worker.poll(0)
    # the file's step stays open until the next file is in (a later file may add to it)
    assert _counted(paths, "total", "all_f") == {}
    worker.flush()
    worker.stop()
    truth = real_file[1]
    end = START + STEP
    assert _counted(paths, "protocol", "tcp_f") == {end: truth[6][0]}
    assert _counted(paths, "protocol", "udp_p") == {end: truth[17][1]}
    assert _counted(paths, "protocol", "icmp6_b") == {end: truth[58][2]}
    assert _counted(paths, "total", "all_f") == {end: sum(t[0] for t in truth.values())}
    # every flow lands in exactly one service or in other
    svc = sum(_counted(paths, "service", f"{n}_f").get(end, 0) for n in readers.groups(cfg)["service"])
    assert svc == sum(t[0] for t in truth.values())
    # the lan channel (IPv4 10.0/16 sources) sees the IPv4 flows only, never the IPv6 ones
    assert _counted(paths, "channel:lan", "icmp6_f") == {}
    assert _counted(paths, "channel:lan", "tcp_f") == {end: truth[6][0]}
    assert [(i.start.timestamp(), i.end.timestamp()) for i in rec.intervals] == [(START, end)]
    ports = readers.top(cfg, paths, "ports", START, end, n=20)
    assert {"proto": "tcp", "port": 22} in [{"proto": r["proto"], "port": r["port"]} for r in ports]
    assert all(r["proto"] in ("tcp", "udp") for r in ports)
    # services rank, clients' ephemeral ports do not (both directions count for the service)
    assert all(r["port"] < 32768 for r in ports), ports
    assert readers.top(cfg, paths, "hosts", START, end)[0]["filter"].startswith("host ")
    s = readers.series(cfg, paths, "protocol", "bits", START - 600, START + 600)
    assert s["names"] == ["tcp", "udp", "icmp", "icmp6", "other"]
    assert any(row[1] == pytest.approx(truth[6][2] * 8 / STEP) for row in s["rows"])
    png = readers.graph_png(cfg, paths, "service", "packets", START - 600, START + 600,
                            tz="Europe/Berlin")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_restart_resumes_without_counting_twice(tmp_path, real_file):
    cfg, paths = _setup(tmp_path, real_file, NAMES[:1])
    first = IngestWorker(cfg, paths, clock=lambda: START + 300)
    first.start()
    first.poll(0)
    first.stop()  # the file's open step is kept in SQLite, not in memory
    shutil.copy(real_file[0], os.path.join(paths.flows, NAMES[1]))
    rec = Recorder()
    again = IngestWorker(cfg, paths, listeners=[rec], clock=lambda: START + 400)
    again.start()
    again.poll(0)
    again.poll(0)
    status = again.status()
    again.stop()
    assert [os.path.basename(i.path) for i in rec.intervals] == [NAMES[1]]
    assert status["files_done"] == 2 and status["pending"] == 0
    flows = real_file[1][6][0]
    # the second file is a copy: its flows' packets were in the first minute too, and count
    # there (traffic time), written once the second file closed it; nothing counted twice
    assert _counted(paths, "protocol", "tcp_f") == {START + STEP: 2 * flows}
    assert rec.intervals[0].graphed == (START + STEP,)
    con = sqlite3.connect(paths.database)
    per_interval = con.execute("SELECT start, count(*) FROM top_entries WHERE kind='hosts' "
                               "GROUP BY start").fetchall()
    assert per_interval == [(START, 5), (START + STEP, 5)]


def test_corrupt_file_is_quarantined_and_the_loop_goes_on(tmp_path, real_file):
    cfg, paths = _setup(tmp_path, real_file, [NAMES[0], NAMES[2]])
    with open(os.path.join(paths.flows, NAMES[1]), "wb") as f:
        f.write(os.urandom(4096))
    rec = Recorder()
    worker = IngestWorker(cfg, paths, listeners=[rec], clock=lambda: START + 300)
    worker.start()
    worker.poll(0)
    status = worker.status()
    worker.stop()
    assert [os.path.basename(i.path) for i in rec.intervals] == [NAMES[0], NAMES[2]]
    assert os.listdir(paths.quarantine) == [NAMES[1]]
    assert status["quarantined"] == 1 and NAMES[1] in status["last_quarantined"]
    assert status["files_done"] == 2 and status["last_file"] == NAMES[2]
    assert readers.ingest_state(cfg, paths, now=START + 300)["quarantined"] == 1


class Broken:
    def on_interval(self, interval):
        raise ValueError("boom")


def test_a_broken_listener_is_counted_and_others_still_hear(tmp_path, real_file):
    cfg, paths = _setup(tmp_path, real_file, NAMES[:2])
    rec = Recorder()
    worker = IngestWorker(cfg, paths, listeners=[Broken(), rec], clock=lambda: START + 300)
    worker.start()
    worker.poll(0)
    status = worker.status()
    worker.stop()
    assert len(rec.intervals) == 2
    assert status["errors"] == 2 and "listener Broken: boom" in status["last_error"]
    assert status["files_done"] == 2


def test_layout_change_stops_start_with_a_clear_error(tmp_path, real_file):
    cfg, paths = _setup(tmp_path, real_file, [])
    IngestWorker(cfg, paths).start()
    changed = Config(storage=cfg.storage, collector=Collector(rotate=2), ingest=cfg.ingest)
    with pytest.raises(rrd.LayoutError, match="collector.rotate=2 needs step 2s"):
        IngestWorker(changed, paths).start()


def test_rotating_collector_files_are_ingested_in_order_at_a_two_second_step(tmp_path):
    cfg, paths = _setup(tmp_path, (None,), [])
    cfg = Config(storage=cfg.storage, collector=Collector(rotate=2), ingest=cfg.ingest)
    truth = [write_pcap(str(tmp_path / f"{n}.pcap"), 40 + 20 * n, seed=n) for n in (1, 2)]
    port = flowstore.free_udp_port()
    nfcapd = subprocess.Popen(["/usr/bin/nfcapd", "-w", paths.flows, "-b", "127.0.0.1", "-p",
                               str(port), "-t", "2"], env={"TZ": "UTC"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def closed_with_flows():
        return [n for n in pending(paths.flows, "")
                if FileReading(os.path.join(paths.flows, n)).profile()]

    try:
        wait_until(lambda: any("current" in n for n in os.listdir(paths.flows)), 10,
                   what="nfcapd to open its current file")
        for n in (1, 2):
            flowstore.replay(str(tmp_path / f"{n}.pcap"), port, str(tmp_path), timeout=60)
            wait_until(lambda: len(closed_with_flows()) >= n, 15, what=f"closed file {n}")
    finally:
        nfcapd.send_signal(signal.SIGTERM)
        nfcapd.wait(timeout=30)
    rec = Recorder()
    worker = IngestWorker(cfg, paths, listeners=[rec])
    worker.start()
    worker.poll(0)
    worker.flush()
    status = worker.status()
    worker.stop()
    names = [os.path.basename(i.path) for i in rec.intervals]
    assert names == sorted(names) and len(names) >= 2 and len(names[0]) == len("nfcapd.") + 14
    assert status["files_done"] == len(glob.glob(os.path.join(paths.flows, "nfcapd.2*")))
    assert all((i.end - i.start).total_seconds() == 2 for i in rec.intervals)
    first, last = rec.intervals[0].start.timestamp(), rec.intervals[-1].end.timestamp()
    # the pcaps' packets are stamped a minute before the replay: graphed at their own time
    (_t0, _t1, step), ds, rows = rrd.fetch(rrd_path(paths, "total"), first - 120, last + 10, 1000)
    assert step == 2
    stored = sum(round((r[ds.index("all_f")] or 0) * step) for r in rows)
    assert stored == sum(sum(v[0] for v in t.values()) for t in truth)


def test_a_filter_nfdump_refuses_stops_start_naming_the_key(tmp_path):
    cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path / "run")),
                 ingest=Ingest(channels={"guest": "net 10.20.0.0/16 and prot tcp"}))
    with pytest.raises(ConfigError) as err:
        IngestWorker(cfg, Paths.of(cfg)).start()
    # config.validate's wording: the file that set it (here the defaults in code), key, reason
    assert str(err.value).startswith("defaults: ingest.channels.guest = 'net 10.20.0.0/16 and "
                                     "prot tcp': nfdump refuses it: ")
    assert "syntax error at 'prot'" in str(err.value)
    assert not os.path.exists(Paths.of(cfg).database)  # nothing created before the check


def test_ingest_and_detection_share_one_reading_of_the_file(tmp_path, real_file, monkeypatch):
    from appliance.config.schema import Detect
    from appliance.detect.engine import Detector
    from appliance.query import nfdump
    cfg, paths = _setup(tmp_path, real_file, NAMES[:1])
    cfg = Config(storage=cfg.storage, collector=cfg.collector, ingest=cfg.ingest,
                 detect=Detect(rules_dir=os.path.join(os.path.dirname(os.path.dirname(
                     os.path.dirname(os.path.abspath(__file__)))), "configs", "rules.d")))
    runs, real_run = [], nfdump.run
    monkeypatch.setattr(nfdump, "run", lambda args, timeout: runs.append(list(args))
                        or real_run(args, timeout))
    det = Detector(cfg, paths)
    det.start()
    worker = IngestWorker(cfg, paths, listeners=[det], clock=lambda: START + 300)
    worker.start()
    worker.poll(0)
    worker.stop()
    det.stop()
    assert det.status()["intervals"] == 1 and det.status()["errors"] == 0
    # no nfdump run twice over the file, and every unfiltered statistic in one process
    assert len({tuple(r) for r in runs}) == len(runs)
    (shared,) = [r for r in runs if "ip/bytes" in r]
    specs = [shared[i + 1] for i, a in enumerate(shared) if a == "-s"]
    assert set(specs) == {"srcip/flows", "ip/bytes", "dstport:p/flows", "dstport:p/bytes"}
    assert shared[-1] == specs[-1]  # no filter: the whole file in one nfdump process
