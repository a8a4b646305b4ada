"""Real tools' recorded traffic through softflowd -r, nfcapd, ingest and detection, on the shipped rules.

Each capture (tests/fixtures/attacks, README there) is cut into the flow files a sensor rotating
every 60 s would have written; the real IngestWorker hands them to the real Detector on the
shipped configs/spanflow.toml and configs/rules.d. Each tool must raise exactly its alert (one
event, one alert) and the baseline nothing. No root needed: softflowd reads the capture.
"""

import pytest

from support import attacks, tools
from support.receivers import Receiver, cert, smtp  # noqa: F401  (fixtures)
from support.wait import wait_until

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")

A, V = "10.66.0.10", "10.66.0.20"
EXPECTED = {
    "nmap_syn": [f"port_scan {A}>{V}"],
    "nmap_slow": [f"port_scan {A}>{V}"],
    "nmap_sweep": [f"host_sweep {A}>*"],
    "hydra_ssh": [f"ssh_guessing {A}>{V}"],
    "hydra_slow": [f"ssh_guessing {A}>{V}"],
    "iodine": [f"dns_tunnel {A}"],
    "telnet": [f"cleartext {A}>{V}:telnet"],
    # the volume rule learns for 10 intervals first; test_volume_flood_names_the_attacker below
    "hping3_flood": [],
    "baseline": [],
}


def test_every_capture_has_an_expectation():
    assert sorted(EXPECTED) == attacks.names()


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_tool_raises_exactly_its_alert_on_the_shipped_rules(tmp_path, name):
    alerts, status = attacks.detect(name, tmp_path)
    assert attacks.raised(alerts) == EXPECTED[name], [a["summary"] for a in alerts]
    assert status["errors"] == 0, status["last_error"]


def test_slow_scan_is_caught_by_the_window_not_by_one_file(tmp_path):
    alerts, status = attacks.detect("nmap_slow", tmp_path)
    (alert,) = alerts
    assert status["intervals"] >= 5  # the scan spread over five or more flow files
    assert status["window_keys"]["port_scan"] == 1  # the window's state, shown in the status
    # a one-file window (what every rule had before) misses the same scan
    one, _ = attacks.detect("nmap_slow", tmp_path / "one", rules_extra="[port_scan]\nwindow = 60\n")
    assert one == []
    ports = int(alert["summary"].split(" probed ")[1].split()[0])
    assert ports >= 100 and "in 5 min" in alert["summary"]


def test_hydra_default_run_counts_its_tries(tmp_path):
    (alert,) = attacks.detect("hydra_ssh", tmp_path)[0]
    tries = int(alert["summary"].split("about ")[1].split()[0])
    sessions = int(alert["summary"].split(" in ")[1].split()[0])
    assert 25 <= tries <= 40 and sessions < tries  # 30 tries in fewer sessions


def test_paced_guessing_is_caught_by_the_window_not_by_one_file(tmp_path):
    alerts, status = attacks.detect("hydra_slow", tmp_path)
    assert attacks.raised(alerts) == [f"ssh_guessing {A}>{V}"] and status["intervals"] >= 5
    one, _ = attacks.detect("hydra_slow", tmp_path / "one",
                            rules_extra="[ssh_guessing]\nwindow = 60\n")
    assert one == []


def test_alerts_reach_mail_and_webhook_on_the_shipped_config(tmp_path, smtp, cert):
    sink, server = smtp
    rx = Receiver()
    secret = tmp_path / "smtp-password"
    secret.write_text("s3cret\n")
    try:
        alerts, status = attacks.detect("telnet", tmp_path / "store", detect_extra=f"""
smtp_server = "{server}"
smtp_to = ["ops@example.org"]
smtp_user = "spanflow"
smtp_password_file = "{secret}"
smtp_ca_file = "{cert[0]}"
webhook_url = "{rx.url}"
""")
        wait_until(lambda: sink.messages and rx.got, 30, what="the mail and the POST")
    finally:
        rx.close()
    (alert,) = alerts
    assert set(status["delivery"]) == {"email", "webhook"}
    (_sender, to, text, tls), = sink.messages
    assert to == ["ops@example.org"] and tls and f"cleartext: {A}>{V}:telnet" in text
    assert [a["id"] for _p, _t, a in rx.got] == [alert["id"]]


def test_flood_raises_one_volume_alert_naming_the_attacker(tmp_path):
    # four baseline minutes teach the volume rule (its learning shortened to 3 intervals, as any
    # short run needs)
    alerts, status = attacks.detect(["baseline"] * 4 + ["hping3_flood"], tmp_path,
                                    rules_extra="[volume]\nlearn_intervals = 3\n")
    assert attacks.raised(alerts) == [f"volume host_flows:{A}"], [a["summary"] for a in alerts]
    (alert,) = alerts
    # the victim's 10000 SYN-ACKs are answers, not connections: V is not named; the port's jump
    # is the same event and is in the one alert
    assert alert["hosts"] == [A] and "connections to port 22/tcp" in alert["summary"]
    assert status["errors"] == 0
