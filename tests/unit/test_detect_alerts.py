"""Alert store (dedup, cooldown, acknowledge, markers), suppression, notification and rule loading."""

import json
import socket

import pytest

from appliance.detect import notify, rules
from appliance.detect.finding import Finding
from appliance.detect.store import AlertStore
from appliance.detect.suppress import suppressed
from appliance.errors import ConfigError, SpanflowError

T0 = 1795788000  # 2026-11-27 14:00 UTC
SSH = Finding("ssh_guessing", "10.3.0.70>10.3.0.22", "high", "10.3.0.70 opened 15 short SSH sessions",
              "host 10.3.0.70 and host 10.3.0.22 and proto tcp and port 22", 15, 330, 46200,
              ("10.3.0.70", "10.3.0.22"))


class Clock:
    def __init__(self, now):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def store(tmp_path):
    s = AlertStore(str(tmp_path / "spanflow.sqlite"), clock=Clock(T0 + 5))
    yield s
    s.close()


def test_same_rule_and_key_within_cooldown_is_one_alert(store):
    first, new1 = store.record(SSH, T0, T0 + 60, cooldown=900)
    again, new2 = store.record(SSH, T0 + 600, T0 + 660, cooldown=900)
    assert (new1, new2, again) == (True, False, first)
    a = store.get(first)
    assert (a["count"], a["flows"], a["first_seen"], a["last_seen"]) == (2, 30, T0, T0 + 660)
    assert (a["since"], a["until"]) == ("2026-11-27T14:00:00Z", "2026-11-27T14:11:00Z")


def test_after_the_cooldown_the_same_key_is_a_new_alert(store):
    first, _ = store.record(SSH, T0, T0 + 60, cooldown=900)
    later, new = store.record(SSH, T0 + 60 + 901, T0 + 1021, cooldown=900)
    assert new and later != first


def test_other_key_is_not_deduplicated(store):
    store.record(SSH, T0, T0 + 60, cooldown=900)
    other = Finding(**{**SSH.__dict__, "key": "10.3.0.71>10.3.0.22"})
    assert store.record(other, T0, T0 + 60, cooldown=900)[1] is True


def test_acknowledge_hides_from_the_active_list_and_is_done_once(store):
    alert_id, _ = store.record(SSH, T0, T0 + 60, cooldown=900)
    store.clock.now = T0 + 3600
    assert [a["id"] for a in store.list()] == [alert_id]
    assert store.acknowledge(alert_id, "admin") is True
    assert store.acknowledge(alert_id, "admin") is False
    assert store.acknowledge(999, "admin") is False
    assert store.list() == []
    (a,) = store.list(active_only=False)
    assert (a["acked_by"], a["acked"], a["active"]) == ("admin", "2026-11-27T15:00:00Z", False)
    assert store.counts() == {"active": 0, "total": 1}


def test_markers_are_alerts_overlapping_the_window(store):
    alert_id, _ = store.record(SSH, T0, T0 + 60, cooldown=900)
    assert store.markers(T0 + 30, T0 + 3600) == [{"id": alert_id, "rule": "ssh_guessing",
                                                  "key": SSH.key, "severity": "high",
                                                  "start": T0, "end": T0 + 60}]
    assert store.markers(T0 + 61, T0 + 3600) == []
    assert store.get(12345) is None


@pytest.mark.parametrize("entry,hit", [
    ({"rule": "ssh_guessing"}, True),
    ({"rule": "scan"}, False),
    ({"host": "10.3.0.22"}, True),
    ({"host": "10.3.0.23"}, False),
    ({"net": "10.3.0.0/24", "rule": "ssh_guessing"}, True),
    ({"net": "10.3.0.0/24", "rule": "cleartext"}, False),
    ({"net": "fd00::/8"}, False),
])
def test_suppression_entry(entry, hit):
    assert suppressed(SSH, [entry]) is hit


def test_syslog_message_is_rfc5424_with_escaped_structured_data():
    alert = {"id": 3, "rule": "dns_port", "key": 'a"b]c\\', "severity": "medium",
             "since": "2026-11-27T14:00:00Z", "until": "2026-11-27T14:01:00Z",
             "filter": "port 853", "summary": "client used DNS port"}
    msg = notify.syslog_message(alert, "box", 42).decode()
    head, sd, text = msg.split(" [", 1)[0], msg.split(" [", 1)[1].split("] ", 1)[0], msg
    assert head.startswith("<132>1 ") and head.endswith(" box spanflow 42 alert")
    assert 'key="a\\"b\\]c\\\\"' in sd
    assert text.endswith("\ufeffclient used DNS port")


def test_notifier_appends_json_lines_and_sends_udp(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5)
        n = notify.Notifier(str(tmp_path / "a" / "alerts.jsonl"),
                            f"udp:127.0.0.1:{sock.getsockname()[1]}")
        alert = {"id": 1, "rule": "r", "key": "k", "severity": "high", "since": "s",
                 "until": "u", "filter": "f", "summary": "hello"}
        n.send(alert)
        n.send({**alert, "id": 2})
        assert sock.recv(4096).startswith(b"<131>1 ")
    lines = (tmp_path / "a" / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(x)["id"] for x in lines] == [1, 2] and n.sent == 2


def test_notifier_counts_a_failed_write_and_goes_on(tmp_path):
    n = notify.Notifier(str(tmp_path))  # a folder: the append fails
    n.send({"id": 1})
    assert (n.sent, n.errors) == (0, 1)


@pytest.mark.parametrize("spec", ["tcp:1.2.3.4:514", "udp:host", "unix:relative", "nonsense"])
def test_bad_syslog_target_is_a_clear_error(spec):
    with pytest.raises(SpanflowError, match="udp:HOST:PORT or unix:/PATH"):
        notify.Notifier("/dev/null", spec)


def test_rule_files_are_strict_and_every_problem_is_reported(tmp_path):
    (tmp_path / "a.toml").write_text('[cleartext]\nmin_packets_tcp = "four"\nfoo = 1\n'
                                     '[nosuchrule]\nx = 1\n[scan_ports]\n')
    (tmp_path / "b.toml").write_text('[volume]\nseverity = "urgent"\nfactor = 2\n')
    with pytest.raises(ConfigError) as exc:
        rules.load(str(tmp_path))
    text = str(exc.value)
    assert "cleartext.min_packets_tcp = 'four' must be a whole number >= 0" in text
    assert "cleartext.foo is not a setting of this rule" in text
    assert "unknown rule [nosuchrule]" in text and "unknown rule [scan_ports]" in text
    assert "volume.severity = 'urgent' must be one of low, medium, high" in text
    assert len(exc.value.problems) == 5


def test_later_files_override_and_ints_become_floats(tmp_path):
    (tmp_path / "10.toml").write_text("[volume]\nfactor = 2\n[port_scan]\nports = 20\n")
    (tmp_path / "20.toml").write_text("[port_scan]\nports = 30\nenabled = false\n")
    s = rules.load(str(tmp_path))
    assert s["volume"]["factor"] == 2.0 and isinstance(s["volume"]["factor"], float)
    assert (s["port_scan"]["ports"], s["port_scan"]["enabled"]) == (30, False)


def test_missing_rules_folder_says_what_to_do(tmp_path):
    with pytest.raises(ConfigError, match="rules folder .* is missing: create it or set "
                                          "detect.rules_dir"):
        rules.load(str(tmp_path / "nope"))


def test_read_only_store_lists_but_refuses_to_acknowledge(tmp_path):
    import sqlite3
    path = str(tmp_path / "spanflow.sqlite")
    sqlite3.connect(path).execute("CREATE TABLE ingest_files (name TEXT)").connection.commit()
    early = AlertStore(path, readonly=True)  # ingest made the file, detection not yet
    assert (early.list(), early.get(1), early.markers(0, T0), early.counts()) == \
        ([], None, [], {"active": 0, "total": 0})
    early.close()
    writer = AlertStore(path, clock=Clock(T0))
    alert_id, _ = writer.record(SSH, T0, T0 + 60, cooldown=900)
    writer.close()
    reader = AlertStore(path, readonly=True)
    assert [a["id"] for a in reader.list()] == [alert_id]
    with pytest.raises(SpanflowError, match="cannot acknowledge: .* is read-only for this user"):
        reader.acknowledge(alert_id, "ana")
    reader.close()


def test_store_keeps_the_rollback_journal_of_the_shared_file(tmp_path):
    import sqlite3
    path = str(tmp_path / "spanflow.sqlite")
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=DELETE")  # as trends opens it, so the web can read
    store = AlertStore(path)
    store.record(SSH, T0, T0 + 60, cooldown=900)
    assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    store.close()
    assert not (tmp_path / "spanflow.sqlite-wal").exists()


def test_a_repeat_with_earlier_evidence_widens_the_alert_back(store):
    first, _ = store.record(SSH, T0 + 30, T0 + 60, cooldown=900)
    store.record(SSH, T0 + 10, T0 + 90, cooldown=900)  # a long record exported a file later
    a = store.get(first)
    assert (a["first_seen"], a["last_seen"], a["count"]) == (T0 + 10, T0 + 90, 2)
