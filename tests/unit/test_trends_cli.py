"""`spanflow top` and `spanflow graph`: periods, the table, errors."""

import pytest

from appliance.cli import main, trendscmd
from appliance.errors import SpanflowError


def test_periods():
    assert trendscmd.span_seconds("15m") == 900
    assert trendscmd.span_seconds("1w") == 7 * 86400
    assert trendscmd.span_seconds("30s") == 30  # the one duration grammar (was refused)
    for bad in ("0h", "1x", "h", "-1d", "99999999d"):
        with pytest.raises(SpanflowError, match="--last: .*(duration|out of range)") as exc:
            trendscmd.span_seconds(bad)
        assert exc.value.exit_code == 2


def test_table_has_keys_counts_and_filter():
    rows = [{"proto": "tcp", "port": 22, "flows": 3, "packets": 4, "bytes": 5,
             "filter": "proto tcp and port 22"}]
    lines = trendscmd._table(rows).splitlines()
    assert lines[0].split() == ["proto", "port", "flows", "packets", "bytes", "filter"]
    assert lines[1].split()[:5] == ["tcp", "22", "3", "4", "5"]
    assert "is `spanflow run` ingesting?" in trendscmd._table([])


def _config(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(f'[storage]\ndir = "{tmp_path}"\nruntime_dir = "{tmp_path}/run"\n')
    return ["--config", "configs/spanflow.toml", "--config", str(path)]


def test_top_on_an_empty_box_says_why(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(main.__file__.rsplit("/appliance/", 1)[0])
    assert main.main(["top", "ports", "--json", *_config(tmp_path)]) == 0
    assert capsys.readouterr().out.strip() == "[]"


def test_graph_of_an_unknown_group_names_the_groups(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(main.__file__.rsplit("/appliance/", 1)[0])
    code = main.main(["graph", "nope", "-o", str(tmp_path / "g.png"), *_config(tmp_path)])
    assert code == 2
    assert "unknown graph group 'nope': use one of total, protocol, service" in capsys.readouterr().err
