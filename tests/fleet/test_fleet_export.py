"""The export into a real two-shard ClickHouse cluster: exactly once through cuts and outages.

Flow files are real (a pcap through softflowd -r into nfcapd); the cluster is two servers from
Debian's package on loopback. Central answers are compared with the local nfdump store's.
"""

import os
import shutil
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from appliance.config.schema import Config, Fleet, Storage
from appliance.errors import FilterError
from appliance.fleet import central, cursor
from appliance.fleet.client import ClusterUnavailable, Connection
from appliance.fleet.export import FleetExport
from appliance.paths import Paths
from appliance.query import flows
from bench.ingest import collect, write_pcap
from support import tools
from support.clickhouse import PACKAGES, TOOLS, loopback_cluster  # noqa: F401 (fixture)
from support.wait import wait_until

pytestmark = tools.needs(*TOOLS, "/usr/sbin/softflowd", "/usr/bin/nfcapd",
                         package=f"{PACKAGES} softflowd nfdump")
NAMES = ["nfcapd.202612011200", "nfcapd.202612011201", "nfcapd.202612011202"]
FLOWS = 2000


@pytest.fixture(scope="module")
def flow_file(tmp_path_factory):
    work = tmp_path_factory.mktemp("flows")
    pcap = str(work / "in.pcap")
    write_pcap(pcap, FLOWS, start=1764590400.0)  # 2025-12-01 12:00 UTC
    files = collect(pcap, str(work / "out"))
    assert len(files) == 1
    return files[0]


def sensor(tmp_path, cluster, name, flow_file, **fleet):
    """Return (cfg, paths) of a sensor whose store holds NAMES, each a copy of flow_file."""
    database = "t" + uuid.uuid4().hex[:8]
    cfg = Config(storage=Storage(dir=str(tmp_path / name), runtime_dir=str(tmp_path / name / "run")),
                 fleet=Fleet(endpoints=cluster.endpoints, sensor=name, database=database,
                             batch_rows=fleet.pop("batch_rows", 300), **fleet))
    paths = Paths.of(cfg)
    os.makedirs(paths.flows)
    for n in NAMES:
        shutil.copy(flow_file, os.path.join(paths.flows, n))
    return cfg, paths


def stored(cfg):
    """Return {file: (rows, distinct rows)} of the sensor's rows in the cluster."""
    conn = Connection(cfg.fleet)
    try:
        return {f: (n, u) for f, n, u in conn.execute(
            f"SELECT file, count(), uniqExact(row) FROM {cfg.fleet.database}.flows "
            "WHERE sensor = %(s)s GROUP BY file", {"s": cfg.fleet.sensor})}
    finally:
        conn.close()


def run_until_done(cfg, paths, files=len(NAMES), **kw):
    export = FleetExport(cfg, paths, **kw)
    export.start()
    try:
        wait_until(lambda: export.status()["files_done"] >= files, 60,
                   what=f"{files} files exported ({export.status()})")
        return export.status()
    finally:
        export.stop()


def local_rows(paths, text):
    # the fleet holds the probe's flows; the local search names each row's source (exporter)
    return sorted(tuple(sorted((k, v) for k, v in r.items() if k != "exporter"))
                  for r in flows.search(paths, text, limit=10**6, exporter="probe").rows)


def central_rows(cfg, text):
    conn = Connection(cfg.fleet)
    try:
        rows, truncated = central.search(conn, cfg.fleet, text, limit=10**6)
    finally:
        conn.close()
    assert not truncated
    out = []
    for r in rows:
        assert r.pop("sensor") == cfg.fleet.sensor
        out.append(tuple(sorted(r.items())))
    return sorted(out)


def test_files_go_in_exactly_once_and_search_equals_nfdump(tmp_path, loopback_cluster, flow_file):
    cfg, paths = sensor(tmp_path, loopback_cluster, "s1", flow_file)
    assert central.init(cfg.fleet) == loopback_cluster.endpoints
    status = run_until_done(cfg, paths)
    assert status["backlog_files"] == 0 and status["failures"] == 0
    assert stored(cfg) == {n: (FLOWS, FLOWS) for n in NAMES}
    for text in ("any", "proto udp and dst port 53", "src net 10.0.0.0/24 or proto icmp6",
                 "bytes > 70 and not port 22"):
        assert central_rows(cfg, text) == local_rows(paths, text)
    conn = Connection(cfg.fleet)
    try:
        top = central.top(conn, cfg.fleet, "dstip", "proto tcp", count=1000)
    finally:
        conn.close()
    local = flows.top(paths, "proto tcp", "dstip", count=1000)  # all: ties order differently
    assert len(top) == 100  # 200 destinations, half of them (KINDS) with TCP
    assert ({t["value"]: (t["flows"], t["packets"], t["bytes"]) for t in top}
            == {t["value"]: (t["flows"], t["packets"], t["bytes"]) for t in local})


class LostAnswer(Connection):
    """The real connection, whose answer to one INSERT is lost after the rows are stored."""

    cut_after = 4

    def insert(self, *args):
        super().insert(*args)
        LostAnswer.cut_after -= 1
        if LostAnswer.cut_after == 0:
            raise ClusterUnavailable("answer lost (test)")


def test_a_cut_file_resumes_after_its_stored_rows(tmp_path, loopback_cluster, flow_file):
    cfg, paths = sensor(tmp_path, loopback_cluster, "s2", flow_file)
    central.init(cfg.fleet)
    status = run_until_done(cfg, paths, connect=LostAnswer)
    assert status["failures"] == 1 and "answer lost" in status["last_error"]
    assert stored(cfg) == {n: (FLOWS, FLOWS) for n in NAMES}


def test_an_outage_is_caught_up_exactly(tmp_path, loopback_cluster, flow_file):
    cfg, paths = sensor(tmp_path, loopback_cluster, "s3", flow_file)
    central.init(cfg.fleet)
    run_until_done(cfg, paths)
    later = ["nfcapd.202612011203", "nfcapd.202612011204"]
    for n in later:
        shutil.copy(flow_file, os.path.join(paths.flows, n))
    shard = loopback_cluster.servers[1]
    shard.stop()
    try:
        export = FleetExport(cfg, paths)
        export.start()
        wait_until(lambda: export.status()["failures"] >= 2, 60, what="failed inserts")
        st = export.status()
        assert st["backlog_files"] == 2 and st["files_done"] == 3 and not st["connected"]
    finally:
        shard.start()
    try:
        wait_until(lambda: export.status()["backlog_files"] == 0, 60, what="caught up")
    finally:
        export.stop()
    assert stored(cfg) == {n: (FLOWS, FLOWS) for n in NAMES + later}
    db = cursor.connect(paths.database)
    assert cursor.totals(db)["rows_sent"] == FLOWS * 5
    db.close()


def test_an_untranslatable_filter_is_refused_by_name(tmp_path, loopback_cluster):
    fleet = Fleet(endpoints=loopback_cluster.endpoints)
    conn = Connection(fleet)
    try:
        with pytest.raises(FilterError, match="'flags' has no column"):
            central.search(conn, fleet, "proto tcp and flags S")
        with pytest.raises(FilterError, match="bad filter"):  # nfdump's own reason
            central.search(conn, fleet, "port 22 andd")
    finally:
        conn.close()


def test_expire_drops_the_days_beyond_retention(tmp_path, loopback_cluster, flow_file):
    cfg, paths = sensor(tmp_path, loopback_cluster, "s4", flow_file, retention="2d")
    central.init(cfg.fleet)
    run_until_done(cfg, paths)
    keep = datetime(2025, 12, 2, 12, tzinfo=timezone.utc)  # the flows' day + 1: kept
    assert central.expire(cfg.fleet, keep) == [(e, []) for e in loopback_cluster.endpoints]
    assert stored(cfg) == {n: (FLOWS, FLOWS) for n in NAMES}
    gone = central.expire(cfg.fleet, keep + timedelta(days=2))
    assert sorted(p for _, parts in gone for p in parts) in (["20251201"], ["20251201"] * 2)
    assert stored(cfg) == {}
