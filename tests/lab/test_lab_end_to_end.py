"""The lab end to end: baseline exact, every scenario found, a second run clean after the first."""

import os
import subprocess
from datetime import datetime, timezone

import pytest

from labrun import ENV, ROOT, LabResult, lab, leftovers

pytestmark = pytest.mark.lab

CRAFTED = ("mdns", "ssdp", "netbios", "dns")
SCENARIO_KINDS = ("telnet", "dns-tunnel", "port-scan", "host-sweep", "volume-spike", "ssh-guessing")


@pytest.fixture(scope="module")
def first_run():
    result = lab("run", "--duration", "15", "--scenario", "all", "--seed", "7")
    yield result
    result.remove()


def test_run_reports_everything_stored(first_run):
    assert "spanflow-lab: all traffic stored as sent" in first_run.out, first_run.out + first_run.err


def test_every_expected_alert_raised_and_exit_zero(first_run):
    assert "MISSING alerts" not in first_run.out, first_run.out
    assert first_run.rc == 0, first_run.out + first_run.err


@pytest.mark.parametrize("kind", CRAFTED)
def test_crafted_baseline_is_exact(first_run, kind):
    row = first_run.rows[kind]
    assert row["check"] == "exact" and row["ok"], first_run.out
    for column in ("flows", "packets", "bytes"):
        sent, stored = (int(v) for v in row[column])
        assert sent > 0 and sent == stored, (kind, column, row)


def test_ssh_sessions_stored_in_both_directions(first_run):
    row = first_run.rows["ssh"]
    expected, stored = (int(v) for v in row["flows"])
    # flows sent = 2 per session; stored counts only sessions found in both directions
    assert row["ok"] and expected >= 4 and stored >= expected, row
    assert int(row["bytes"][1]) > 100_000, "the file copies' bytes are missing"


@pytest.mark.parametrize("kind", SCENARIO_KINDS)
def test_each_scenario_found(first_run, kind):
    row = first_run.rows[kind]
    sent, stored = (int(v) for v in row["flows"])
    assert row["ok"] and sent > 0 and stored >= sent, (kind, row)


def test_first_run_left_nothing_behind(first_run):
    state = first_run.closed_state()
    assert state["pids"], "the run recorded no processes"
    assert leftovers(state) == []
    assert not os.path.exists(os.path.join(first_run.run_dir, "state.json"))


def test_second_run_right_after_works_and_is_clean(first_run):
    # 25 s: longer than the lab volume rule's learn period, so the baseline is judged by it too
    second = lab("run", "--duration", "25", "--seed", "8")
    assert "all traffic stored as sent" in second.out, second.out + second.err
    assert "unexpected alert:" not in second.out, second.out
    assert second.run_id != first_run.run_id and second.switch != first_run.switch
    assert all(second.rows[k]["ok"] for k in CRAFTED)
    assert leftovers(second.closed_state()) == []
    second.remove()


def _answers(first_run, tmp_path, wrong=False):
    from lab.traffic.ledger import read
    from lab.traffic.catalog import SCENARIOS
    [ledger] = [p for p in os.listdir(first_run.run_dir) if p.startswith("ledger-ws2-scenario-telnet")]
    [login] = [e for e in read(os.path.join(first_run.run_dir, ledger)) if e["kind"] == "telnet"]
    when = datetime.fromtimestamp(login["start"], timezone.utc).strftime("%H:%M:%S")
    host = {name: SCENARIOS[name][0] for name in SCENARIOS}
    text = f"""
[cleartext_admin]
host = "{host['telnet'] if not wrong else 'ws1'}"
time = "{when}"
[dns_tunnel]
host = "{host['dns-tunnel']}"
[port_scan]
host = "{host['port-scan']}"
target = "srv"
[host_sweep]
host = "10.0.0.22"
[volume_spike]
host = "{host['volume-spike']}"
port = 5001
[ssh_guessing]
host = "{host['ssh-guessing']}"
"""
    path = tmp_path / "answers.toml"
    path.write_text(text)
    return str(path)


def test_check_scores_right_answers_against_stored_flows(first_run, tmp_path):
    done = lab("check", _answers(first_run, tmp_path), "--run", first_run.run_id, timeout=60)
    assert done.rc == 0, done.out + done.err
    assert "9 of 9 answers right" in done.out


def test_check_catches_a_wrong_host(first_run, tmp_path):
    done = lab("check", _answers(first_run, tmp_path, wrong=True), "--run", first_run.run_id,
               timeout=60)
    assert done.rc == 1
    assert "wrong   cleartext_admin.host = 'ws1' (stored flows say: ws2)" in done.out


def test_ovs_switch_mirror_is_exact_and_ovs_is_stopped_after(first_run):
    ovs_was_up = subprocess.run(["ovs-vsctl", "--timeout=2", "show"], capture_output=True).returncode == 0
    result = lab("run", "--switch", "ovs", "--duration", "6", "--scenario", "port-scan")
    assert "all traffic stored as sent" in result.out, result.out + result.err
    assert all(result.rows[k]["ok"] for k in (*CRAFTED, "port-scan"))
    assert leftovers(result.closed_state()) == []
    ovs_is_up = subprocess.run(["ovs-vsctl", "--timeout=2", "show"], capture_output=True).returncode == 0
    assert ovs_is_up == ovs_was_up, "the lab must stop Open vSwitch only if it started it"
    result.remove()


def test_train_gives_the_mininet_cli_and_cleans_up(first_run):
    done = subprocess.run(["/usr/bin/python3", "-m", "lab", "train"], input="ws1 ping -c1 10.0.0.10\nexit\n",
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=240)
    both = done.stdout + done.stderr  # Mininet's CLI prints command output through its log (stderr)
    assert "mininet>" in both and "1 received" in both, both
    assert "spanflow-lab check ANSWERS --run" in done.stdout
    result = LabResult(done)
    assert leftovers(result.closed_state()) == []
    result.remove()


def test_no_alert_beyond_the_scenarios(first_run):
    assert "unexpected alert:" not in first_run.out, first_run.out


def test_volume_alert_in_cli_api_and_page(first_run, tmp_path):
    import json
    import select
    import socket
    import urllib.request
    ws1 = "10.0.0.11"
    with socket.socket() as probe:  # the config refuses port 0: take a free one from the kernel
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    override = tmp_path / "web.toml"
    override.write_text(f'[web]\nlisten = "127.0.0.1:{port}"\n')
    configs = []
    for path in (os.path.join(ROOT, "lab", "configs", "sensor.toml"),
                 os.path.join(first_run.run_dir, "run.toml"), str(override)):
        configs += ["--config", path]
    done = subprocess.run(["/usr/bin/python3", "-m", "appliance", "alerts", "--json", *configs],
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    cli = [a for a in json.loads(done.stdout) if a["rule"] == "volume" and ws1 in a["hosts"]]
    assert cli, done.stdout + done.stderr
    web = subprocess.Popen(["/usr/bin/python3", "-m", "appliance", "web", *configs], cwd=ROOT,
                           env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        ready, _, _ = select.select([web.stdout], [], [], 30)
        line = web.stdout.readline().strip() if ready else ""
        assert line.startswith("serving on "), line
        url = line[len("serving on "):].rstrip("/")
        with urllib.request.urlopen(f"{url}/api/alerts", timeout=10) as r:
            api = [a for a in json.load(r) if a["rule"] == "volume" and ws1 in a["hosts"]]
        assert [a["id"] for a in api] == [a["id"] for a in cli]
        with urllib.request.urlopen(f"{url}/alerts/{api[0]['id']}", timeout=10) as r:
            assert api[0]["key"] in r.read().decode()
    finally:
        web.terminate()
        web.wait(timeout=10)
