"""The alerts pages: list, detail with the flow search link, acknowledge with CSRF, JSON API."""

import dataclasses
import re
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlparse

import pytest

from appliance.config.schema import Config, Storage, Web
from appliance.detect.finding import Finding
from appliance.detect.store import AlertStore
from appliance.paths import Paths
from appliance.web.app import create_app

T0 = 1795788000  # 2026-11-27 14:00 UTC
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def made(tmp_path):
    cfg = dataclasses.replace(Config(), storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path)),
                              web=Web(timezone="Europe/Berlin"))
    paths = Paths.of(cfg)
    app = create_app(cfg, paths, {"CLOCK": lambda: NOW, "TESTING": True})
    return app.test_client(), paths


def _add(paths):
    store = AlertStore(paths.database)
    alert_id, _ = store.record(Finding("cleartext", "10.1.0.5>10.1.0.9:telnet", "high",
                                       "cleartext telnet session", "host 10.1.0.5 and host 10.1.0.9 "
                                       "and proto tcp and port 23", 2, 22, 1920,
                                       ("10.1.0.5", "10.1.0.9")), T0, T0 + 60, 900)
    store.close()
    return alert_id


def test_list_before_detection_ran_says_so(made):
    client, _ = made
    page = client.get("/alerts")
    assert page.status_code == 200 and b"detection has not stored anything" in page.data
    assert client.get("/api/alerts").get_json() == []


def test_list_detail_and_link_to_the_flows(made):
    client, paths = made
    alert_id = _add(paths)
    page = client.get("/alerts").get_data(as_text=True)
    assert f'href="/alerts/{alert_id}"' in page and "10.1.0.5&gt;10.1.0.9:telnet" in page
    assert 'href="/alerts"' in client.get("/top").get_data(as_text=True)  # in the menu
    detail = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    link = re.search(r'id="alert-flows" href="([^"]+)"', detail).group(1).replace("&amp;", "&")
    q = parse_qs(urlparse(link).query)
    assert urlparse(link).path == "/search"
    assert q == {"filter": ["host 10.1.0.5 and host 10.1.0.9 and proto tcp and port 23"],
                 "start": ["2026-11-27 15:00"], "end": ["2026-11-27 15:01"]}  # Berlin time
    assert "2026-11-27 15:00:00 CET" in detail
    assert client.get("/alerts/999").status_code == 404


def test_acknowledge_needs_the_csrf_token(made):
    client, paths = made
    alert_id = _add(paths)
    detail = client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', detail).group(1)
    assert client.post(f"/alerts/{alert_id}/ack").status_code == 400
    assert client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": "forged"}).status_code == 400
    assert client.get("/api/alerts").get_json()[0]["active"] is True
    done = client.post(f"/alerts/{alert_id}/ack", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/alerts/{alert_id}")
    assert client.get("/api/alerts").get_json() == []
    assert client.get("/api/alerts?all=1").get_json()[0]["acked_by"] == "web"
    assert "acknowledged by web" in client.get(f"/alerts/{alert_id}").get_data(as_text=True)
    assert client.post("/alerts/999/ack", data={"csrf_token": token}).status_code == 404


def test_markers_for_a_graph_window(made):
    client, paths = made
    alert_id = _add(paths)
    got = client.get("/api/alerts/markers?period=1d").get_json()
    assert got == [{"id": alert_id, "rule": "cleartext", "key": "10.1.0.5>10.1.0.9:telnet",
                    "severity": "high", "start": T0, "end": T0 + 60}]
