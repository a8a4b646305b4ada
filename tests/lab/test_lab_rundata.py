"""One --config names a run; installed, the printed commands are the installed `spanflow` (no root)."""

import os

import pytest

from lab import rundata, state
from lab.errors import UsageError


def test_installed_lab_prints_the_spanflow_command(monkeypatch, tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "spanflow").write_text("#!/bin/sh\n")
    (bin_dir / "spanflow").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    monkeypatch.setattr(rundata, "REPO", str(tmp_path / "usr-lib-spanflow"))  # no pyproject.toml
    commands = rundata.commands("/run/spanflow-lab/RUN/config")
    assert commands["status"] == "spanflow status --config /run/spanflow-lab/RUN/config"
    assert commands["flows"] == "spanflow flows 'port 22' --config /run/spanflow-lab/RUN/config"
    assert all("python3" not in c for c in commands.values())


def test_source_tree_prints_the_module_with_its_path():
    assert not rundata.installed()
    command = rundata.commands("/x/config")["alerts"]
    assert command == f"PYTHONPATH={rundata.REPO} /usr/bin/python3 -m appliance alerts --config /x/config"


def test_resolve_names_a_run_or_the_latest(monkeypatch, tmp_path):
    monkeypatch.setattr(state, "RUN_ROOT", str(tmp_path))
    with pytest.raises(UsageError, match="no lab run found"):
        rundata.resolve()
    for run_id in ("20261202T100000-aaaa", "20261202T110000-bbbb"):
        rundata.write(str(tmp_path / run_id), str(tmp_path / "data" / run_id))
    assert rundata.resolve() == ("20261202T110000-bbbb", str(tmp_path / "20261202T110000-bbbb" / "config"))
    assert rundata.resolve("latest")[0] == "20261202T110000-bbbb"
    assert rundata.resolve("20261202T100000-aaaa")[0] == "20261202T100000-aaaa"
    with pytest.raises(UsageError, match="no lab run 'nope'"):
        rundata.resolve("nope")
    assert sorted(os.listdir(tmp_path / "20261202T100000-aaaa" / "config")) == \
        ["10-lab-sensor.toml", "20-run.toml"]
