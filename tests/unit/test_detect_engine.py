"""Detector as a component: wiring to ingest, start with bad or missing rules, errors counted."""

from datetime import datetime, timedelta, timezone

import pytest

from appliance.config.schema import Config, Detect, Storage
from appliance.detect import engine, passes
from appliance.errors import ConfigError
from appliance.paths import Paths
from appliance.trends.ingest import Interval

START = datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)


def _cfg(tmp_path, rules_dir):
    return Config(storage=Storage(dir=str(tmp_path / "data"), runtime_dir=str(tmp_path / "run")),
                  detect=Detect(rules_dir=str(rules_dir)))


class FakeIngest:
    listeners = []


def test_paired_makes_the_detector_an_ingest_listener(tmp_path):
    cfg = _cfg(tmp_path, tmp_path)
    ingest = FakeIngest()
    ingest.listeners = []
    parts = engine.paired(ingest, cfg, Paths.of(cfg))
    assert [n for n, _ in parts] == ["ingest", "detect"]
    assert ingest.listeners == [parts[1][1]]


def test_missing_rules_folder_runs_on_defaults_and_says_so(tmp_path):
    cfg = _cfg(tmp_path, tmp_path / "nope")
    det = engine.Detector(cfg, Paths.of(cfg))
    det.start()
    status = det.status()
    det.stop()
    det.stop()  # twice is harmless
    assert status["state"] == "running" and "built-in defaults in use" in status["last_error"]
    assert det.status()["state"] == "stopped"


def test_bad_rule_file_stops_the_start(tmp_path):
    (tmp_path / "x.toml").write_text("[cleartext]\nmin_packets_tcp = -1\n")
    cfg = _cfg(tmp_path, tmp_path)
    with pytest.raises(ConfigError, match="cleartext.min_packets_tcp = -1 must be"):
        engine.Detector(cfg, Paths.of(cfg)).start()


def test_an_unreadable_file_is_counted_and_the_next_goes_on(tmp_path):
    cfg = _cfg(tmp_path, tmp_path)
    det = engine.Detector(cfg, Paths.of(cfg))
    det.start()
    bad = tmp_path / "nfcapd.202611271400"  # gone (expired) before detection reached it
    assert det.on_interval(Interval(str(bad), START, START + timedelta(minutes=1))) == []
    status = det.status()
    det.stop()
    assert status["errors"] == 1 and "nfcapd.202611271400" in status["last_error"]


def test_service_filter_covers_every_per_flow_rule():
    from appliance.detect import rules
    settings = rules.defaults()
    settings["dns_resolver"]["allowed"] = ["10.0.0.53", "10.1.0.0/24"]
    flt = passes.service_filter(settings)
    for term in ("(proto tcp and port in [21 23 512 513 514 5900 ", "6009] and packets >= 4)",
                 "(proto udp and port in [69 161 162] and packets >= 1)",
                 "(dst port 53 and not (dst ip 10.0.0.53 or dst net 10.1.0.0/24))",
                 "(dst port in [853 5053])",
                 "(proto tcp and dst port 22)"):
        assert term in flt
    settings["dns_resolver"]["allowed"] = []
    assert "dst port 53" not in passes.service_filter(settings)


def test_suppression_of_an_unknown_rule_is_a_config_error(tmp_path):
    import dataclasses
    cfg = _cfg(tmp_path, tmp_path / "nope")
    cfg = dataclasses.replace(cfg, detect=dataclasses.replace(
        cfg.detect, suppress=[{"rule": "scan"}, {"rule": "port_scan"}]))
    with pytest.raises(ConfigError, match=r"detect.suppress names unknown rule\(s\) scan \(known: "):
        engine.Detector(cfg, Paths.of(cfg)).start()
