"""`spanflow alerts` and `spanflow ack` on a store with alerts in it."""

import json

from appliance.cli import main
from appliance.detect.finding import Finding
from appliance.detect.store import AlertStore

T0 = 1795788000
ROOT = main.__file__.rsplit("/appliance/", 1)[0]


def _config(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f'[storage]\ndir = "{tmp_path}"\nruntime_dir = "{tmp_path}/run"\n')
    return ["--config", f"{ROOT}/configs/spanflow.toml", "--config", str(path)]


def _fill(tmp_path):
    store = AlertStore(str(tmp_path / "spanflow.sqlite"))
    ids = [store.record(Finding("port_scan", f"10.0.0.{n}>10.0.0.9", "medium", f"scan {n}",
                                f"src ip 10.0.0.{n}", 120), T0 + n * 60, T0 + n * 60 + 60, 900)[0]
           for n in (1, 2)]
    store.close()
    return ids


def test_alerts_on_an_empty_box(tmp_path, capsys):
    assert main.main(["alerts", *_config(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "no alerts"


def test_alerts_table_json_and_ack(tmp_path, capsys):
    first, second = _fill(tmp_path)
    assert main.main(["alerts", *_config(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["id", "severity", "rule", "key", "last_seen", "count", "summary"]
    assert lines[1].split()[:5] == [str(second), "medium", "port_scan", "10.0.0.2>10.0.0.9",
                                    "2026-11-27T14:03:00Z"]
    assert main.main(["ack", str(first), "--by", "ana", *_config(tmp_path)]) == 0
    assert "acknowledged alert" in capsys.readouterr().out
    assert main.main(["alerts", "--json", *_config(tmp_path)]) == 0
    assert [a["id"] for a in json.loads(capsys.readouterr().out)] == [second]
    assert main.main(["alerts", "--json", "--all", *_config(tmp_path)]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(a["id"], a["acked_by"]) for a in rows] == [(second, None), (first, "ana")]


def test_ack_twice_or_unknown_is_one_clear_line(tmp_path, capsys):
    first, _ = _fill(tmp_path)
    assert main.main(["ack", str(first), "--by", "ana", *_config(tmp_path)]) == 0
    capsys.readouterr()
    assert main.main(["ack", str(first), *_config(tmp_path)]) == 1
    assert f"alert {first} was already acknowledged by ana" in capsys.readouterr().err
    assert main.main(["ack", "77", *_config(tmp_path)]) == 1
    assert "no alert 77: see `spanflow alerts --all` for the ids" in capsys.readouterr().err
