"""Detection on flow files written by the real tools: scapy pcap -> softflowd -r -> nfcapd -> Detector.

Every rule sample file (tests/fixtures/rules/*.json) becomes one pcap and one closed nfcapd file;
the Detector must raise exactly the alerts the samples list, and none of the near misses.
Root is not needed: softflowd reads the pcap and exports to nfcapd on a loopback port.
"""

import json
import os
import socket
from datetime import datetime, timedelta, timezone

import pytest

from appliance.config.schema import Config, Detect, Storage
from appliance.detect.engine import Detector
from appliance.paths import Paths
from appliance.trends.ingest import Interval
from bench.ingest import collect
from fixtures.rules import samples
from support import tools

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
START = datetime(2026, 11, 27, 14, 0, tzinfo=timezone.utc)

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")


def rules_dir(tmp, overrides):
    """Copy the shipped rules and add the sample's overrides as a later file."""
    d = tmp / "rules.d"
    d.mkdir()
    for name in os.listdir(os.path.join(ROOT, "configs", "rules.d")):
        with open(os.path.join(ROOT, "configs", "rules.d", name)) as f:
            (d / name).write_text(f.read())
    lines = []
    for rule, table in overrides.items():
        lines.append(f"[{rule}]")
        lines += [f"{k} = {json.dumps(v)}" for k, v in table.items()]
    (d / "90-test.toml").write_text("\n".join(lines) + "\n")
    return str(d)


def flow_file(tmp, sessions):
    """Return the closed nfcapd file the real tools make of the sessions."""
    pcap = str(tmp / "in.pcap")
    samples.write_pcap(sessions, pcap, START.timestamp() + 1)
    files = collect(pcap, str(tmp / "flows"))
    assert len(files) == 1, files
    return files[0]


def make_detector(tmp, overrides, **detect):
    cfg = Config(storage=Storage(dir=str(tmp / "data"), runtime_dir=str(tmp / "run")),
                 detect=Detect(rules_dir=rules_dir(tmp, overrides), **detect))
    return Detector(cfg, Paths.of(cfg), clock=lambda: START.timestamp() + 120)


@pytest.mark.parametrize("name", samples.names())
def test_real_flow_file_raises_the_sample_alerts(tmp_path, name):
    data = samples.load(name)
    path = flow_file(tmp_path, [s for c in data["cases"] for s in c["sessions"]])
    det = make_detector(tmp_path, data["settings"])
    det.start()
    try:
        raised = det.on_interval(Interval(path, START, START + timedelta(minutes=1)))
        status = det.status()
    finally:
        det.stop()
    assert sorted(f"{a['rule']} {a['key']}" for a in raised) == \
        sorted(a for c in data["cases"] for a in c["alerts"])
    assert status["errors"] == 0 and status["alerts"] == len(raised)
    # the alert log holds the same alerts, one JSON object a line
    with open(os.path.join(tmp_path, "data", "alerts.jsonl")) as f:
        logged = [json.loads(line) for line in f]
    assert [a["id"] for a in logged] == [a["id"] for a in raised]


def test_evidence_filter_shows_the_flows_counted(tmp_path):
    from appliance.query import nfdump
    case = next(c for c in samples.load("cleartext")["cases"] if c["name"].startswith("telnet"))
    path = flow_file(tmp_path, case["sessions"])
    det = make_detector(tmp_path, {})
    det.start()
    try:
        (alert,) = det.on_interval(Interval(path, START, START + timedelta(minutes=1)))
    finally:
        det.stop()
    out = nfdump.run(["-r", path, "-q", "-o", "fmt:%pkt", alert["filter"]], 30)
    assert sum(int(x) for x in out.split()) == alert["packets"] == 22
    # the alert's times are its flows' first and last packets (to the second), not the file's
    seen = nfdump.run(["-r", path, "-q", "-o", "fmt:%ts|%te", alert["filter"]], 30).split("\n")
    first = min(line.split("|")[0].strip() for line in seen if line)[:19].replace(" ", "T")
    last = max(line.split("|")[1].strip() for line in seen if line)
    assert alert["since"] == first + "Z" and alert["until"] >= last[:19].replace(" ", "T") + "Z"
    assert alert["since"] > "2026-11-27T14:00:00Z" and alert["until"] < "2026-11-27T14:00:10Z"


def test_syslog_receives_rfc5424_for_a_new_alert(tmp_path):
    case = next(c for c in samples.load("scan")["cases"] if c["name"] == "ssh password guessing")
    path = flow_file(tmp_path, case["sessions"])
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(10)
        det = make_detector(tmp_path, {}, syslog=f"udp:127.0.0.1:{sock.getsockname()[1]}")
        det.start()
        try:
            det.on_interval(Interval(path, START, START + timedelta(minutes=1)))
            msg = sock.recv(65535).decode()
        finally:
            det.stop()
    assert msg.startswith("<131>1 ")  # local0 (16) x 8 + err (3): severity high
    assert 'rule="ssh_guessing" key="10.3.0.70>10.3.0.22"' in msg
    assert msg.endswith("\ufeff10.3.0.70 made about 27 SSH login attempts in 9 sessions to 10.3.0.22 "
                        "in 5 min")


def test_volume_baseline_learned_over_real_files_then_a_jump(tmp_path):
    """Three quiet intervals teach the baseline (kept in SQLite); the fourth jumps and alerts."""
    quiet = [{"proto": "udp", "client": "10.4.0.5", "server": "10.4.1.1", "sport": 20000,
              "dport": 9000, "out": [1, 100], "repeat": 60}]
    loud = [{**quiet[0], "repeat": 400}]
    det = make_detector(tmp_path, {"volume": {"learn_intervals": 3, "floor_flows": 100,
                                              "floor_bytes": 1000000}})
    raised = []
    for n, sessions in enumerate([quiet, quiet, quiet, loud]):
        work = tmp_path / f"i{n}"
        work.mkdir()
        path = flow_file(work, sessions)
        if n == 2:  # a restart keeps the baseline: it lives in the database
            det.stop()
            det = Detector(det.cfg, det.paths, clock=det.clock)
        start = START + timedelta(minutes=n)
        det.start()
        raised.append(det.on_interval(Interval(path, start, start + timedelta(minutes=1))))
    det.stop()
    assert raised[:3] == [[], [], []]
    # one event, one alert: the port's jump is folded into the host's
    (alert,) = [a for a in raised[3] if a["key"].endswith("flows:10.4.0.5")
                or a["key"].startswith("port_flows")]
    assert alert["key"] == "host_flows:10.4.0.5"
    assert alert["flows"] == 400 and "baseline 60" in alert["summary"]
    assert "connections to port 9000/udp: 400" in alert["summary"]


# A telnet login (data both ways) and a normal SSH session, sent at layer 2 into the mirror port.
SESSIONS = r"""
import sys
from scapy.all import Ether, IP, TCP, Raw, sendp
A, B = "02:00:00:00:00:0a", "02:00:00:00:00:0b"
def session(c, s, sp, dp, n):
    out = [IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="S", seq=1)]
    out.append(IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="SA", seq=9, ack=2))
    for i in range(n):
        out.append(IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="PA") / Raw(b"u" * 20))
        out.append(IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="PA") / Raw(b"p" * 60))
    out.append(IP(src=c, dst=s) / TCP(sport=sp, dport=dp, flags="FA"))
    out.append(IP(src=s, dst=c) / TCP(sport=dp, dport=sp, flags="FA"))
    return [Ether(src=A if p.src == c else B, dst=B if p.src == c else A) / p for p in out]
sendp(session("10.5.0.10", "10.5.0.23", 41023, 23, 6) + session("10.5.0.11", "10.5.0.22", 41022, 22, 6),
      iface=sys.argv[1], verbose=False)
"""


@pytest.mark.root
def test_spanflow_run_raises_a_telnet_alert_end_to_end(tmp_path, sensor_ns, injector_ns, mirror_link):
    import subprocess
    import sys

    from support.netns import python_in
    from support.sensor import SpanflowRun, write_config
    from support.wait import wait_until

    rules = os.path.join(ROOT, "configs", "rules.d")
    config = write_config(tmp_path, mirror_link.mirror, extra=f'[detect]\nrules_dir = "{rules}"')
    run = SpanflowRun(sensor_ns, config)
    try:
        run.wait_running("detect")
        python_in(injector_ns, SESSIONS, mirror_link.feed, timeout=60)

        def alerts():
            out = subprocess.run([sys.executable, "-m", "appliance", "alerts", "--json", "--config",
                                  config], cwd=ROOT, capture_output=True, text=True)
            return json.loads(out.stdout) if out.returncode == 0 else None

        found = wait_until(alerts, 30, interval=0.5, what="the telnet alert")
        det = run.status()["detect"]
    finally:
        run.close()
    assert [(a["rule"], a["key"]) for a in found] == [("cleartext", "10.5.0.10>10.5.0.23:telnet")]
    assert det["alerts"] >= 1 and det["errors"] == 0
