"""The softflowctl adapter: argv, parsing of its answer, and clear errors."""

import subprocess

import pytest

from appliance.errors import ToolError
from appliance.paths import Paths
from appliance.probe import control

PATHS = Paths("/d", "/rt")


def fake_run(monkeypatch, returncode=0, stdout="", stderr="", exc=None):
    calls = []

    def run(argv, **kw):
        calls.append(argv)
        if exc:
            raise exc
        return subprocess.CompletedProcess(argv, returncode, stdout, stderr)
    monkeypatch.setattr(control.subprocess, "run", run)
    return calls


def test_statistics_asks_this_instance_and_parses(monkeypatch, fixture_path):
    with open(fixture_path("softflowctl", "statistics-1.1.0-flushed.txt")) as f:
        calls = fake_run(monkeypatch, stdout=f.read())
    s = control.statistics(PATHS)
    assert calls == [["/usr/sbin/softflowctl", "-c", "/rt/softflowd.ctl", "statistics"]]
    assert s["flows_exported"] == 10


def test_unreachable_socket_is_one_clear_error(monkeypatch):
    fake_run(monkeypatch, returncode=1, stderr="ctl connect(\"/rt/softflowd.ctl\") error: No such file")
    with pytest.raises(ToolError, match=r"softflowctl statistics failed on /rt/softflowd.ctl .*spanflow run"):
        control.statistics(PATHS)


def test_missing_tool_and_hang_are_clear_errors(monkeypatch):
    fake_run(monkeypatch, exc=FileNotFoundError())
    with pytest.raises(ToolError, match="install the Debian package softflowd"):
        control.statistics(PATHS)
    fake_run(monkeypatch, exc=subprocess.TimeoutExpired("x", 5))
    with pytest.raises(ToolError, match="no answer in 5s"):
        control.statistics(PATHS)
