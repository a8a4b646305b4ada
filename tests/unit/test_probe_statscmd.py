"""`spanflow stats` end to end with a canned softflowctl answer and a status snapshot."""

import json

from appliance.cli import main as cli
from appliance.probe import control


def run_stats(tmp_path, monkeypatch, capsys, fixture_path, *extra, snapshot=None):
    conf = tmp_path / "spanflow.toml"
    conf.write_text(f'[storage]\ndir = "{tmp_path}"\nruntime_dir = "{tmp_path}"\n')
    if snapshot is not None:
        (tmp_path / "status.json").write_text(json.dumps(snapshot))
    with open(fixture_path("softflowctl", "statistics-seed-0.9.9.txt")) as f:
        text = f.read()
    seen = []
    monkeypatch.setattr(control, "run", lambda paths, cmd: seen.append(paths.softflowd_ctl) or text)
    rc = cli.main(["stats", "--config", str(conf), *extra])
    assert seen == [str(tmp_path / "softflowd.ctl")]
    return rc, capsys.readouterr().out


def test_json_has_names_warnings_and_kernel_drops(tmp_path, monkeypatch, capsys, fixture_path):
    rc, out = run_stats(tmp_path, monkeypatch, capsys, fixture_path, "--json",
                        snapshot={"version": 1, "mirror": {"rx_dropped": 12}})
    data = json.loads(out)
    assert rc == 0
    assert [p["name"] for p in data["protocols"]] == ["tcp", "udp", "icmpv6"]
    assert data["kernel_drops"] == {"rx_dropped": 12}
    assert any("max_flows" in w for w in data["warnings"])


def test_text_without_snapshot(tmp_path, monkeypatch, capsys, fixture_path):
    rc, out = run_stats(tmp_path, monkeypatch, capsys, fixture_path)
    assert rc == 0 and "unreliable" in out and "mirror port rx_" not in out
