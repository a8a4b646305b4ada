"""Expected against raised alerts (pure)."""

from lab import alerts


def alert(rule, hosts, id_=1):
    return {"id": id_, "rule": rule, "key": "k", "hosts": hosts, "summary": "s"}


def test_alert_must_name_the_scenario_host():
    rows, unexpected = alerts.compare(["port-scan"], [alert("port_scan", ["10.0.0.11"])])
    assert rows == [("port-scan", "port_scan", 0, "MISSING")]
    assert len(unexpected) == 1
    rows, unexpected = alerts.compare(["port-scan"], [alert("port_scan", ["10.0.0.12", "10.0.0.10"])])
    assert rows == [("port-scan", "port_scan", 1, "ok")] and unexpected == []


def test_volume_is_shown_but_not_required():
    rows, _ = alerts.compare(["volume-spike"], [])
    assert rows[0][3] == "not yet (needs a baseline)"


def test_render_lists_unexpected_alerts():
    text = alerts.render(*alerts.compare([], [alert("cleartext", ["10.0.0.11"])]))
    assert "unexpected alert: cleartext k (s)" in text
