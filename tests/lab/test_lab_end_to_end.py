"""The lab end to end with the real daemons and tools: the crafted DNS exact, every daemon seen,
every scenario's tool reaching what it was told to, the alerts, a second run clean after the first."""

import os
import subprocess
from datetime import datetime, timezone

import pytest

from labrun import ENV, ROOT, LabResult, lab, leftovers

pytestmark = pytest.mark.lab

CRAFTED = ("dns",)
DAEMONS = ("mdns", "ssdp", "netbios", "office-dns", "dhcp", "routed", "ipv6")
SCENARIO_KINDS = ("telnet", "dns-tunnel", "port-scan", "slow-scan", "host-sweep", "volume-spike",
                  "ssh-guessing")
ALERT_ONLY = ("arp-sweep",)  # no IP packet: its row checks no IP sweep was stored; its alert shows it


@pytest.fixture(scope="module")
def first_run():
    result = lab("run", "--json", "--duration", "15", "--scenario", "all", "--seed", "7")
    yield result
    result.remove()


def test_run_reports_everything_stored(first_run):
    assert first_run.report is not None, first_run.out + first_run.err
    assert "spanflow-lab: all traffic stored as sent" in first_run.err, first_run.err
    assert first_run.report["mismatch"] == [] and first_run.report["ok"], first_run.out


def test_every_expected_alert_raised_and_exit_zero(first_run):
    from lab.alerts import EXPECTED
    report = first_run.report
    assert report["alerts"] is not None, "detection did not run"
    verdicts = {a["scenario"]: a["result"] for a in report["alerts"]}
    required = {name for name, (_rule, needed) in EXPECTED.items() if needed}
    assert set(verdicts) == set(SCENARIO_KINDS + ALERT_ONLY), verdicts
    assert {n for n, v in verdicts.items() if v == "ok"} >= required, verdicts
    assert report["missing_alerts"] == [] and "MISSING alerts" not in first_run.err
    assert first_run.rc == 0, first_run.out + first_run.err


@pytest.mark.parametrize("kind", CRAFTED)
def test_crafted_baseline_is_exact(first_run, kind):
    row = first_run.rows[kind]
    assert row["check"] == "exact" and row["ok"], first_run.out
    for column in ("flows", "packets", "bytes"):
        sent, stored = (int(v) for v in row[column])
        assert sent > 0 and sent == stored, (kind, column, row)


@pytest.mark.parametrize("kind", DAEMONS)
def test_real_daemons_seen_ipv6_and_routed(first_run, kind):
    row = first_run.rows[kind]
    expected, seen = (int(v) for v in row["flows"])
    assert row["check"] == "seen" and row["ok"] and expected > 0 and seen == expected, (kind, row)


def test_ssh_sessions_stored_in_both_directions(first_run):
    row = first_run.rows["ssh"]
    expected, stored = (int(v) for v in row["flows"])
    # flows sent = 2 per session; stored counts only sessions found in both directions
    assert row["ok"] and expected >= 4 and stored >= expected, row
    assert int(row["bytes"][1]) > 100_000, "the file copies' bytes are missing"


def test_arp_sweep_stored_no_ip_sweep(first_run):
    row = first_run.rows["arp-sweep"]
    assert row["check"] == "arp-only" and row["ok"], row


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
    # the text report always ends its alerts table with the count, also when it is zero
    assert "\nunexpected alerts: 0\n" in second.out, second.out
    assert "unexpected alert:" not in second.out, second.out
    assert second.run_id != first_run.run_id and second.switch != first_run.switch
    assert all(second.rows[k]["ok"] for k in (*CRAFTED, *DAEMONS)), second.out
    assert leftovers(second.closed_state()) == []
    second.remove()


def _answers(first_run, tmp_path, wrong=False):
    from lab.traffic.ledger import read
    from lab.traffic.catalog import SCENARIOS
    [ledger] = [p for p in os.listdir(first_run.run_dir)
                if p.startswith(f"ledger-{SCENARIOS['telnet'][0]}-scenario-telnet")]
    [login] = [e for e in read(os.path.join(first_run.run_dir, ledger)) if e["kind"] == "telnet"]
    when = datetime.fromtimestamp(login["start"], timezone.utc).strftime("%H:%M:%S")
    host = {name: SCENARIOS[name][0] for name in SCENARIOS}
    text = f"""
[cleartext_admin]
host = "{host['telnet'] if not wrong else 'ws2'}"
time = "{when}"
[dns_tunnel]
host = "{host['dns-tunnel']}"
[port_scan]
host = "{host['port-scan']}"
target = "srv"
[slow_scan]
host = "{host['slow-scan']}"
target = "10.0.1.10"
[host_sweep]
host = "10.0.0.22"
subnet = "10.0.1.0/24"
[volume_spike]
host = "{host['volume-spike']}"
port = 5001
[ssh_guessing]
host = "{host['ssh-guessing']}"
[ipv6_dns]
host = "fd5f:1ab:0:1::1"
[routed_ssh]
target = "br1"
"""
    path = tmp_path / "answers.toml"
    path.write_text(text)
    return str(path)


def test_check_scores_right_answers_against_stored_flows(first_run, tmp_path):
    done = lab("check", _answers(first_run, tmp_path), "--run", first_run.run_id, timeout=60)
    assert done.rc == 0, done.out + done.err
    assert "14 of 14 answers right" in done.out


def test_check_catches_a_wrong_host(first_run, tmp_path):
    done = lab("check", _answers(first_run, tmp_path, wrong=True), "--run", first_run.run_id,
               timeout=60)
    assert done.rc == 1
    assert "wrong   cleartext_admin.host = 'ws2' (stored flows say: ws1)" in done.out


def test_ovs_switch_every_scenario_every_alert_and_ovs_is_stopped_after(first_run):
    from lab.alerts import EXPECTED
    ovs_was_up = subprocess.run(["ovs-vsctl", "--timeout=2", "show"], capture_output=True).returncode == 0
    result = lab("run", "--json", "--switch", "ovs", "--duration", "15", "--scenario", "all",
                 "--seed", "9")
    report = result.report
    assert report is not None and report["switch"] == "ovs", result.out + result.err
    assert report["mismatch"] == [] and report["missing_alerts"] == [], result.out
    assert all(result.rows[k]["ok"] for k in (*CRAFTED, *DAEMONS, *SCENARIO_KINDS)), result.out
    raised = {a["scenario"] for a in report["alerts"] if a["result"] == "ok"}
    assert raised >= {n for n, (_r, needed) in EXPECTED.items() if needed}, report["alerts"]
    assert report["unexpected_alerts"] == [], report["unexpected_alerts"]
    assert result.rc == 0
    assert leftovers(result.closed_state()) == []
    ovs_is_up = subprocess.run(["ovs-vsctl", "--timeout=2", "show"], capture_output=True).returncode == 0
    assert ovs_is_up == ovs_was_up, "the lab must stop Open vSwitch only if it started it"
    result.remove()


def test_train_from_a_pipe_runs_the_commands_then_the_schedule(first_run):
    # stdin is a pipe (no tty): the CLI runs its commands, then the lab runs the whole schedule
    done = subprocess.run(["/usr/bin/python3", "-m", "lab", "train", "--duration", "20",
                           "--scenario", "telnet"], input="ws1 ping -c1 10.0.0.10\n",
                          cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=240)
    both = done.stdout + done.stderr  # Mininet's CLI prints command output through its log (stderr)
    assert "mininet>" in both and "1 received" in both, both
    assert "spanflow-lab check ANSWERS --run" in done.stdout
    result = LabResult(done)
    assert "all traffic stored as sent" in done.stdout, both
    assert result.rows["telnet"]["ok"], done.stdout
    assert done.returncode == 0, both
    assert leftovers(result.closed_state()) == []
    result.remove()


def test_no_alert_beyond_the_scenarios(first_run):
    assert first_run.report["alerts"] is not None, "detection did not run"
    assert first_run.report["unexpected_alerts"] == [], first_run.out


def test_one_option_reaches_the_run_and_the_latest(first_run, tmp_path):
    data = first_run.report["data"]
    folder = data["config"]
    assert folder == os.path.join(first_run.run_dir, "config")
    for command in data["commands"].values():
        assert command.count("--config") == 1 and folder in command, command
        assert "-m appliance" not in command or "PYTHONPATH=" in command, command
    done = subprocess.run(["/usr/bin/python3", "-m", "appliance", "flows", "port 22", "--config",
                           folder], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "10.0.0.10" in done.stdout, done.stderr
    answers = _answers(first_run, tmp_path)
    by_id = lab("check", answers, "--run", first_run.run_id, "--json", timeout=60)
    assert by_id.rc == 0 and by_id.report["right"] == by_id.report["asked"] == 14, by_id.out
    if os.path.realpath("/run/spanflow-lab/latest") == os.path.realpath(folder):
        latest = lab("check", answers, "--run", "latest", "--json", timeout=60)
        assert latest.report["run"] == first_run.run_id


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
    configs = ["--config", first_run.report["data"]["config"], "--config", str(override)]
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
