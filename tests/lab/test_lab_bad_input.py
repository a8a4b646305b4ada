"""Bad input gets one clear line and creates nothing; a crashed run's leftovers are removed."""

import json
import os
import socket
import subprocess
import uuid

import pytest

from labrun import lab, runs_of


@pytest.mark.root  # the web address is checked after the root check
@pytest.mark.parametrize("args, words", [
    (["run", "--scenario", "nosuch"], "unknown scenario 'nosuch'"),
    (["run", "--switch", "hub"], "unknown switch 'hub'"),
    (["train", "--scenario", "telnet", "--scenario", "nope"], "unknown scenario 'nope'"),
    (["run", "--web", "--web-listen", "localhost"], "bad web address 'localhost'"),
])
def test_unknown_names_one_line_nothing_created(args, words):
    result = lab(*args, timeout=60)
    assert result.rc == 2, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.err
    assert runs_of(result.pid) == []


@pytest.mark.parametrize("args, words", [
    (["run", "--duration", "-5"], "--duration: must be more than 0 seconds, not -5"),
    (["run", "--duration", "soon"], "not a number of seconds: 'soon'"),
    (["train", "--bogus"], "unrecognized arguments: --bogus"),
])
def test_usage_errors_are_one_line_exit_2_before_anything(args, words):
    result = lab(*args, timeout=60)
    assert result.rc == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], result.err
    assert result.out == ""


@pytest.mark.root  # setpriv drops to nobody: only root may
def test_not_root_is_refused_before_anything_starts():
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                           "/usr/bin/python3", "-m", "lab", "run", "--duration", "1"],
                          cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
                          capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode == 1, done.stderr
    assert done.stderr.strip() == "spanflow-lab: the lab needs root (run it with sudo)"


@pytest.mark.lab
def test_web_port_in_use_is_one_line():
    from lab.errors import LabError
    from lab.preflight import preflight
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        address = "127.0.0.1:%d" % busy.getsockname()[1]
        with pytest.raises(LabError, match=f"web port {address} is already in use"):
            preflight("lxbr", [], address)


@pytest.mark.lab
def test_leftovers_of_a_crashed_run_are_removed_by_recorded_name(monkeypatch, tmp_path):
    from lab import state
    from lab.network import started
    # its own run root: a lab run of another suite on this machine must not clean it first
    monkeypatch.setattr(state, "RUN_ROOT", str(tmp_path))
    run_dir = os.path.join(state.RUN_ROOT, "test-" + uuid.uuid4().hex[:6])
    link = "sflt" + uuid.uuid4().hex[:5]
    os.makedirs(run_dir)
    subprocess.run(["ip", "link", "add", link, "type", "veth", "peer", "name", link + "p"],
                   check=True)
    sleeper = subprocess.Popen(["sleep", "300"])
    try:
        dead_owner = subprocess.Popen(["true"])
        dead_owner.wait()
        with open(os.path.join(run_dir, "state.json"), "w") as f:
            json.dump({"owner": dead_owner.pid, "owner_started": 1, "links": [link],
                       "pids": {str(sleeper.pid): started(sleeper.pid)}}, f)
        assert state.clean_leftovers() >= 1
        assert sleeper.wait(timeout=10) != 0
        shown = subprocess.run(["ip", "link", "show", link], capture_output=True)
        assert shown.returncode != 0
        assert not os.path.exists(os.path.join(run_dir, "state.json"))
    finally:
        sleeper.kill()
        subprocess.run(["ip", "link", "del", link], capture_output=True)
        subprocess.run(["rm", "-rf", run_dir])
