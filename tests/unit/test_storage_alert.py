"""The storage rule: a nearly full disk or size retention deleting young files raises an alert."""

import dataclasses
import errno
import json
import os
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from appliance.collector import retention
from appliance.config.schema import Collector, Config, Detect, Retention, Storage
from appliance.detect import storage
from appliance.detect.engine import Detector
from appliance.detect.store import AlertStore
from appliance.errors import ToolError
from appliance.paths import Paths
from support import tools

needs_nfdump = tools.needs("nfdump", "nfexpire", package="nfdump")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RULES = os.path.join(ROOT, "configs", "rules.d")
MiB = 2**20
ROOMY = (100 * 2**30, 1000 * 2**30)  # (free, total): 10% of 1000 GiB free


@pytest.fixture
def setup(tmp_path, fixture_path):
    def make(max_age="90d", max_size="20G", ages=(), suppress=()):
        cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path / "run")),
                     collector=dataclasses.replace(Collector(), retention=Retention(max_age, max_size)),
                     detect=Detect(rules_dir=RULES, suppress=list(suppress)))
        paths = Paths.of(cfg)
        os.makedirs(paths.flows, exist_ok=True)
        now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
        for age in ages:  # one real 7-flow file per age
            shutil.copy(fixture_path("nfdump", "store", "nfcapd.20261127190512"),
                        os.path.join(paths.flows, f"nfcapd.{now - age:%Y%m%d%H%M}"))
        return cfg, paths
    return make


def retention_pass(cfg, paths, expire):
    """One retention pass handing its findings to a detector, as `spanflow run` does."""
    det = Detector(cfg, paths)
    try:
        return storage.retention_pass(cfg, paths, expire, det), det.status()
    finally:
        det.stop()


def alerts(paths):
    store = AlertStore(paths.database)
    try:
        return store.list(active_only=False)
    finally:
        store.close()


def test_nearly_full_takes_the_smaller_bound():
    assert storage.nearly_full(199 * MiB, 2**40)  # big disk: 200 MiB counts
    assert not storage.nearly_full(300 * MiB, 2**40)  # 5% would alarm at 51 GiB free
    assert storage.nearly_full(1 * MiB, 40 * MiB)  # small disk: 5% (2 MiB) counts
    assert not storage.nearly_full(3 * MiB, 40 * MiB)


def test_no_space_from_errno_or_tool_text():
    assert storage.no_space(OSError(errno.ENOSPC, "No space left on device"))
    assert storage.no_space(ToolError("nfexpire failed: write: No space left on device"))
    assert not storage.no_space(OSError(errno.EACCES, "Permission denied"))
    assert not storage.no_space(None)


def test_judge_severity_per_cause():
    ret = Retention("90d", "100K")
    young = {"/f": {"files": 7, "bytes": 168 * 1024, "young_files": 5, "oldest_file": "nfcapd.1"}}
    old_only = {"/f": {"files": 7, "bytes": 168 * 1024, "young_files": 0}}
    assert storage.judge("/f", ROOMY, ROOMY, old_only, ret) == []  # max_age did its job
    [f] = storage.judge("/f", ROOMY, ROOMY, young, ret)
    assert (f.rule, f.key, f.severity, f.flows) == ("storage", "max_size", "medium", 5)
    assert "raise [collector.retention] max_size" in f.summary and "nfcapd.1" in f.summary
    full = storage.judge("/f", (60_000, 40 * MiB), (170_000, 40 * MiB), young, ret)
    assert [(f.key, f.severity) for f in full] == [("disk_full", "high"), ("max_size", "medium")]
    assert "add disk" in full[0].summary and "58.6 KiB free of 40.0 MiB" in full[0].summary
    [f] = storage.judge("/f", ROOMY, ROOMY, {}, ret, enospc=True)
    assert (f.key, f.severity) == ("disk_full", "high") and "no space left" in f.summary


@needs_nfdump
def test_size_retention_of_young_files_alerts_once_per_cooldown(setup, monkeypatch):
    monkeypatch.setattr(storage, "usage", lambda path: ROOMY)
    ages = [timedelta(minutes=m) for m in (30, 20, 10)]
    cfg, paths = setup(max_size="5K", ages=ages)
    status, det = retention_pass(cfg, paths, retention.expire)
    assert (status[paths.flows]["files"], status[paths.flows]["young_files"]) == (2, 2)
    assert status["storage"] == {"findings": 1, "alerts": 1}
    assert (det["findings"], det["alerts"]) == (1, 1)  # the detector's counters
    [a] = alerts(paths)
    assert (a["rule"], a["key"], a["severity"], a["count"]) == ("storage", "max_size", "medium", 1)
    # the alert log gets the new alert like any other rule's
    with open(os.path.join(cfg.storage.dir, "alerts.jsonl")) as f:
        assert [json.loads(line)["id"] for line in f] == [a["id"]]
    cfg, paths = setup(max_size="5K", ages=ages)  # data again, within the cooldown
    # nfexpire trusts its .nfstat books: files copied in behind them count only after a rebuild
    os.unlink(os.path.join(paths.flows, ".nfstat"))
    status, det = retention_pass(cfg, paths, retention.expire)
    assert status["storage"] == {"findings": 1, "alerts": 0} and det["deduplicated"] == 1
    assert [a["count"] for a in alerts(paths)] == [2]


@needs_nfdump
def test_age_retention_raises_nothing(setup, monkeypatch):
    monkeypatch.setattr(storage, "usage", lambda path: ROOMY)
    cfg, paths = setup(max_age="1d", ages=[timedelta(days=3), timedelta(days=2), timedelta(0)])
    status, _ = retention_pass(cfg, paths, retention.expire)
    assert (status[paths.flows]["files"], status[paths.flows]["young_files"]) == (2, 0)
    assert "storage" not in status and not os.path.exists(paths.database)


def test_full_disk_alerts_even_when_retention_fails(setup, monkeypatch):
    cfg, paths = setup()
    monkeypatch.setattr(storage, "usage", lambda path: (4096, 40 * MiB))

    def expire(cfg, paths):
        raise ToolError("nfexpire: cannot write .nfstat: No space left on device")

    status, _ = retention_pass(cfg, paths, expire)
    assert "No space left" in status["error"] and status["storage"]["alerts"] == 1
    [a] = alerts(paths)
    assert (a["key"], a["severity"]) == ("disk_full", "high")
    assert a["summary"].startswith("a write failed with no space left")


def test_storage_alert_shows_on_the_page_and_api(setup, monkeypatch):
    from appliance.web.app import create_app
    cfg, paths = setup()
    monkeypatch.setattr(storage, "usage", lambda path: (4096, 40 * MiB))
    retention_pass(cfg, paths, lambda cfg, paths: {})
    client = create_app(cfg, paths, {"TESTING": True}).test_client()
    [a] = client.get("/api/alerts").get_json()
    assert (a["rule"], a["key"], a["severity"]) == ("storage", "disk_full", "high")
    page = client.get(f"/alerts/{a['id']}")
    assert page.status_code == 200 and b"add disk" in page.data


def test_storage_rule_can_be_suppressed_and_is_counted(setup, monkeypatch):
    cfg, paths = setup(suppress=[{"rule": "storage"}])
    monkeypatch.setattr(storage, "usage", lambda path: (4096, 40 * MiB))
    status, det = retention_pass(cfg, paths, lambda cfg, paths: {})
    assert status["storage"] == {"findings": 1, "alerts": 0}
    assert (det["findings"], det["suppressed"], det["alerts"]) == (1, 1, 0)
    assert alerts(paths) == []


def test_a_suppression_naming_an_unknown_rule_still_stops_the_start(setup):
    cfg, paths = setup(suppress=[{"rule": "storag"}])
    from appliance.errors import ConfigError
    with pytest.raises(ConfigError, match="unknown rule.*storag.*known: .*storage"):
        Detector(cfg, paths).start()


def test_check_config_and_preflight_accept_a_storage_suppression(setup):
    from appliance.config.validate import validate
    cfg, _paths = setup(suppress=[{"rule": "storage"}, {"rule": "collector_health"}])
    validate(cfg)  # no ConfigError: the same names the detector accepts
