"""The run loop without root: start order, reverse stop, failed starts, snapshot, checks."""

import json
import socket

import pytest

from appliance.errors import SpanflowError, ToolError
from appliance.supervisor import preflight, run, snapshot


class Part:
    def __init__(self, name, log, fail=None):
        self.name, self.log, self.fail = name, log, fail

    def start(self):
        self.log.append(("start", self.name))
        if self.fail:
            raise self.fail

    def stop(self):
        self.log.append(("stop", self.name))

    def poll(self, now):
        self.log.append(("poll", self.name))

    def status(self):
        return {"state": "running", "name": self.name}


def parts(log, fail_at=None, error=None):
    return [(n, Part(n, log, error if n == fail_at else None))
            for n in ("mirror", "collector", "probe")]


def test_start_in_order_stop_in_reverse(tmp_path):
    log = []
    sup = run.Supervisor(parts(log), str(tmp_path / "status.json"))
    sup.start()
    sup.stop()
    assert log == [("start", "mirror"), ("start", "collector"), ("start", "probe"),
                   ("stop", "probe"), ("stop", "collector"), ("stop", "mirror")]


@pytest.mark.parametrize("error, raised", [(OSError(2, "No such file"), ToolError),
                                           (SpanflowError("refused"), SpanflowError)])
def test_failed_start_stops_what_was_started(tmp_path, error, raised):
    log = []
    sup = run.Supervisor(parts(log, "collector", error), str(tmp_path / "status.json"))
    with pytest.raises(raised):
        sup.start()
    assert log == [("start", "mirror"), ("start", "collector"),
                   ("stop", "collector"), ("stop", "mirror")]


def test_loop_polls_and_writes_the_snapshot_until_stopped(tmp_path):
    log, path = [], str(tmp_path / "status.json")
    sup = run.Supervisor(parts(log), path, interval=0)
    polls = []
    sup.components[2][1].poll = lambda now: polls.append(now) or (
        len(polls) == 3 and sup.request_stop())
    sup.loop()
    data = snapshot.read(path)
    assert len(polls) == 3
    assert data["version"] == 1 and data["collector"] == {"state": "running", "name": "collector"}
    assert set(data) >= {"updated", "pid", "started", "state", "mirror", "probe"}


def test_loop_goes_on_when_the_snapshot_cannot_be_written(tmp_path):
    log = []
    sup = run.Supervisor(parts(log), str(tmp_path / "gone" / "status.json"), interval=0)
    polls = []
    sup.components[0][1].poll = lambda now: polls.append(now) or (
        len(polls) == 3 and sup.request_stop())
    sup.loop()
    assert len(polls) == 3 and sup.snapshot_errors == 3


def test_snapshot_write_is_atomic_and_leaves_no_temp_files(tmp_path):
    path = str(tmp_path / "s.json")
    snapshot.write(path, {"a": 1})
    snapshot.write(path, {"a": 2})
    assert snapshot.read(path) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]
    assert snapshot.read(str(tmp_path / "none.json")) is None


def test_busy_collector_port_is_one_clear_line():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        listen = f"127.0.0.1:{s.getsockname()[1]}"
        with pytest.raises(ToolError) as err:
            preflight.check_port_free(listen)
    assert str(err.value) == (f"collector address {listen} (UDP) is in use; stop what listens "
                              "there or set [collector] listen")
    preflight.check_port_free(listen)  # free again once the squatter is gone


def test_unwritable_storage_and_missing_tool(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SpanflowError, match=r"^storage folder .*/file/flows is not writable "
                                            r"\(Not a directory\); fix"):
        preflight.check_storage(str(tmp_path / "ok"), str(blocker / "flows"))
    with pytest.raises(ToolError, match="^/nonexistent/softflowd is missing; install the Debian "
                                        "package softflowd$"):
        preflight.check_tool(["/nonexistent/softflowd"], "softflowd")


def status_config(tmp_path):
    cfg = tmp_path / "spanflow.toml"
    cfg.write_text(f'[storage]\ndir = "{tmp_path}/data"\nruntime_dir = "{tmp_path}/run"\n')
    (tmp_path / "run").mkdir()
    return str(cfg)


def test_status_reads_the_snapshot_and_flags_a_stopped_run(tmp_path, capsys):
    from appliance.cli.main import main

    cfg = status_config(tmp_path)
    assert main(["status", "--config", cfg]) == 1
    assert "no status snapshot at" in capsys.readouterr().err
    data = {"version": 1, "updated": run.utcnow(), "started": run.utcnow(), "pid": 42,
            "state": "running", "probe": {"state": "running", "pid": 7, "restarts": 2,
                                          "last_exit": {"signal": "SIGKILL"}}}
    snapshot.write(str(tmp_path / "run" / "status.json"), data)
    assert main(["status", "--config", cfg]) == 0
    out = capsys.readouterr().out
    assert "probe: running, pid 7, restarts 2" in out and "SIGKILL" in out
    assert main(["status", "--json", "--config", cfg]) == 0
    assert json.loads(capsys.readouterr().out) == data
    snapshot.write(str(tmp_path / "run" / "status.json"), dict(data, state="stopped"))
    assert main(["status", "--config", cfg]) == 1
    assert "NOT RUNNING" in capsys.readouterr().out
