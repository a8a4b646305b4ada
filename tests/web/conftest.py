"""Fixtures for the web tests: a fresh app per test over a temporary state dir."""

import dataclasses
import os
from datetime import datetime, timezone

import pytest

from appliance.config.schema import Config, Storage, Web
from appliance.paths import Paths
from appliance.supervisor import snapshot
from appliance.web import sources
from appliance.web.app import create_app

NOW = datetime(2026, 11, 27, 12, 0, 0, tzinfo=timezone.utc)
# A real PNG header + IHDR is enough for the page; the image route passes bytes through.
SMALL_PCAP_FLOWS = 7  # softflowd 1.1.0 -v 10 exports 7 records for tests/fixtures/nfdump/small.pcap
PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")


def make_cfg(tmp_path, **web):
    data = str(tmp_path)
    return dataclasses.replace(Config(), storage=Storage(dir=data, runtime_dir=data),
                               web=Web(**web))


@pytest.fixture
def state(tmp_path):
    """Build (cfg, paths) over tmp_path; pass web keys to override [web]."""
    def build(**web):
        cfg = make_cfg(tmp_path, **web)
        return cfg, Paths.of(cfg)
    return build


@pytest.fixture
def app(state):
    cfg, paths = state()
    return create_app(cfg, paths, {"CLOCK": lambda: NOW, "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def write_status(app):
    """Write a status snapshot for the app (updated = NOW unless given)."""
    def write(**parts):
        paths = app.config["SPANFLOW_PATHS"]
        os.makedirs(paths.runtime, exist_ok=True)
        snapshot.write(paths.status, {"version": 1, "updated": NOW.isoformat(), **parts})
    return write


class FakeReaders:
    """Stands in for appliance.trends.readers with the agreed signatures; records calls."""

    def __init__(self):
        self.calls = []

    def groups(self, cfg):
        return {"protocol": ["tcp", "udp"], "service": ["ssh", "dns"]}

    def graph_png(self, cfg, paths, group, metric, start, end, width, height, tz, markers=()):
        self.calls.append(("graph_png", group, metric, start, end, width, height, tz))
        self.markers = list(markers)
        return PNG

    def series(self, cfg, paths, group, metric, start, end):
        self.calls.append(("series", group, metric, start, end))
        return {"start": 0, "end": 60, "step": 60, "names": ["tcp"],
                "rows": [[start.timestamp(), 1.0]]}

    def top(self, cfg, paths, kind, start, end, n):
        self.calls.append(("top", kind, start, end, n))
        return [{"host": "10.0.0.1", "bytes": 1000, "filter": "host 10.0.0.1"}]

    def ingest_state(self, cfg, paths):
        return {"last_file": "nfcapd.202611271159", "lag_seconds": 3, "files_done": 4,
                "pending": 0, "errors": 0, "quarantined": 0}


@pytest.fixture
def readers(monkeypatch):
    """Install FakeReaders as the trends readers; return it."""
    fake = FakeReaders()
    monkeypatch.setattr(sources, "readers", lambda: fake)
    return fake


@pytest.fixture
def without_readers():
    """The real trends readers over an empty data dir: no RRD file, no database yet."""


@pytest.fixture(scope="session")
def flow_store(tmp_path_factory, fixture_path_session):
    """A data dir whose flows come from small.pcap through real softflowd and nfcapd."""
    from support import flowstore
    base = tmp_path_factory.mktemp("store")
    flowstore.build(fixture_path_session("nfdump", "small.pcap"), str(base / "flows"), str(base),
                    expect=SMALL_PCAP_FLOWS)
    return base


@pytest.fixture(scope="session")
def fixture_path_session():
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return lambda *parts: os.path.join(root, "fixtures", *parts)




@pytest.fixture(scope="session")
def ingested_store(flow_store):
    """flow_store with the real ingest run over it: RRD and SQLite as `spanflow run` writes."""
    from support import flowstore
    cfg = dataclasses.replace(Config(), storage=Storage(dir=str(flow_store),
                                                        runtime_dir=str(flow_store)))
    if not os.path.exists(Paths.of(cfg).database):
        state = flowstore.ingest(cfg, Paths.of(cfg))
        assert state["files_done"] >= 1, state
    return flow_store


@pytest.fixture
def real_app(ingested_store):
    """Build an app over the ingested real store (the real trends readers); pass [web] keys."""
    def build(**web):
        cfg = dataclasses.replace(Config(), storage=Storage(dir=str(ingested_store),
                                                            runtime_dir=str(ingested_store)),
                                  web=Web(**web))
        return create_app(cfg, Paths.of(cfg), {"TESTING": True})
    return build
