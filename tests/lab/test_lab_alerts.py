"""Expected against raised alerts (pure)."""

from lab import alerts


def alert(rule, hosts, id_=1, raised_at=1000.0):
    return {"id": id_, "rule": rule, "key": "k", "hosts": hosts, "summary": "s",
            "raised_at": raised_at}


def test_alert_must_name_the_scenario_host():
    rows, unexpected = alerts.compare(["port-scan"], [alert("port_scan", ["10.0.0.11"])])
    assert rows == [("port-scan", "port_scan", 0, "MISSING", None)]
    assert len(unexpected) == 1
    rows, unexpected = alerts.compare(["port-scan"], [alert("port_scan", ["10.0.0.12", "10.0.0.10"])],
                                      {"port-scan": 988.0})
    assert rows == [("port-scan", "port_scan", 1, "ok", 12.0)] and unexpected == []


def test_volume_is_required_of_the_spiking_host():
    rows, _ = alerts.compare(["volume-spike"], [])
    assert rows == [("volume-spike", "volume", 0, "MISSING", None)]
    rows, unexpected = alerts.compare(["volume-spike"], [alert("volume", ["10.0.0.11"])])
    assert rows == [("volume-spike", "volume", 1, "ok", None)] and unexpected == []


def test_paced_scan_and_hydra_are_required():
    rows, _ = alerts.compare(["slow-scan", "ssh-guessing"], [])
    assert [r[3] for r in rows] == ["MISSING", "MISSING"]
    rows, unexpected = alerts.compare(["slow-scan", "port-scan"],
                                      [alert("port_scan", ["10.0.0.11", "10.0.1.10"], 1),
                                       alert("port_scan", ["10.0.0.12", "10.0.0.10"], 2)])
    assert [r[2:4] for r in rows] == [(1, "ok"), (1, "ok")] and unexpected == []


def test_spike_seen_from_the_server_or_port_is_explained_not_counted():
    seen = [{"id": 1, "rule": "volume", "key": "host_bytes:10.0.0.10", "hosts": ["10.0.0.10"],
             "summary": "s"},
            {"id": 2, "rule": "volume", "key": "port_bytes:5001/17", "hosts": [], "summary": "s"},
            {"id": 3, "rule": "volume", "key": "port_bytes:22/6", "hosts": [], "summary": "s"}]
    rows, unexpected = alerts.compare(["volume-spike"], seen)
    assert rows == [("volume-spike", "volume", 0, "MISSING", None)]
    assert [a["id"] for a in unexpected] == [3]
    # without the scenario in the run, the same alerts are unexplained
    assert len(alerts.compare([], seen)[1]) == 3


def test_render_lists_unexpected_alerts():
    text = alerts.render(*alerts.compare([], [alert("cleartext", ["10.0.0.11"])]))
    assert "unexpected alert: cleartext k (s)" in text
    assert text.endswith("\nunexpected alerts: 1")
