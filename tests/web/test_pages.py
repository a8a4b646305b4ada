"""Every page and API route through the Flask test client, good and bad inputs."""

import pytest

from appliance.probe import stats as probestats
from support import tools

from .conftest import NOW, PNG

needs_tools = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                          package="softflowd nfdump")
PAGES = ["/", "/graphs", "/top", "/search", "/api/status", "/api/groups", "/api/ingest",
         "/api/top", "/api/series/protocol/bits", "/metrics", "/graphs/protocol/bits.png"]


@pytest.mark.parametrize("url", PAGES)
def test_every_route_answers(client, readers, url):
    assert client.get(url).status_code == 200


def test_dashboard_without_sensor_says_why(client, readers):
    page = client.get("/").get_data(as_text=True)
    assert "Graphs may be empty" in page and "spanflow run" in page


def test_dashboard_shows_components_and_probe_stats(client, readers, write_status, fixture_path):
    with open(fixture_path("softflowctl", "statistics-1.1.0-flushed.txt")) as f:
        parsed = probestats.parse(f.read())
    write_status(mirror={"interface": "eth1", "state": "running", "link": "up", "promisc": True,
                         "rx_packets": 0, "rx_dropped": 0},
                 probe={"state": "running", "pid": 9, "restarts": 0, "statistics": parsed},
                 collector={"state": "running", "store": {"newest_file": None}},
                 ingest={"lag_seconds": 0})
    page = client.get("/").get_data(as_text=True)
    for name in ("mirror", "probe", "collector", "ingest"):
        assert f'id="health-{name}"' in page
    assert "no packets on the mirror port" in page
    assert 'id="probe-stats"' in page and "packets processed" in page


def test_graphs_page_without_trends_says_why(client, without_readers):
    page = client.get("/graphs").get_data(as_text=True)
    assert "no trend data yet" in page and "<img" not in page
    assert "no trend data yet" in client.get("/").get_data(as_text=True)


def _before_last_update(store, hours_from, hours_to):
    """Return ?start=&end= for a window ending before the store's RRD files were last updated."""
    import os
    from datetime import datetime, timedelta, timezone

    from appliance.trends import rrd
    last = datetime.fromtimestamp(rrd.last(os.path.join(store, "rrd", "total.rrd")), timezone.utc)
    fmt = "%Y-%m-%d %H:%M"
    return {"start": (last - timedelta(hours=hours_from)).strftime(fmt),
            "end": (last - timedelta(hours=hours_to)).strftime(fmt)}


@needs_tools
def test_graphs_page_says_when_a_window_has_no_data(real_app, ingested_store):
    # the real readers on a real store: an hour before the store began, within the finest archive
    window = _before_last_update(ingested_store, 3, 2)
    page = real_app().test_client().get("/graphs", query_string=window)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "no data in this window" in text and "<img" in text


@needs_tools
def test_graphs_page_says_a_coarse_window_is_not_filled_yet(real_app, ingested_store):
    # a day 9 days back lies beyond the 2-day 1-minute archive: the 5-minute one answers, and a
    # store this young has nothing there
    window = _before_last_update(ingested_store, 240, 216)
    page = real_app().test_client().get("/graphs", query_string=window)
    text = page.get_data(as_text=True)
    assert "nothing yet at this window&#39;s 5-minute resolution" in text
    assert "shows in the 1h view first" in text


def test_graphs_page_links_every_group_and_metric(client, readers):
    page = client.get("/graphs?period=1w").get_data(as_text=True)
    for group in ("protocol", "service"):
        for metric in ("bits", "packets", "flows"):
            assert f"/graphs/{group}/{metric}.png?period=1w" in page
    assert "times in UTC" in page


def test_graph_image_passes_window_size_and_zone(client, readers):
    r = client.get("/graphs/service/packets.png?start=2026-11-01&end=2026-11-02&width=300")
    assert r.status_code == 200 and r.mimetype == "image/png" and r.data == PNG
    call = readers.calls[-1]
    assert call[1:3] == ("service", "packets") and call[5:] == (300, 200, "UTC")
    assert (call[4] - call[3]).days == 1


@pytest.mark.parametrize("url,code", [
    ("/graphs/nosuch/bits.png", 404), ("/graphs/protocol/joules.png", 404),
    ("/graphs/protocol/bits.png?width=99999", 400), ("/graphs/protocol/bits.png?period=;ls", 400),
    ("/graphs/..%2f..%2fetc%2fpasswd/bits.png", 404), ("/static/../app.py", 404),
    ("/api/series/protocol/joules", 404), ("/api/series/nosuch/bits", 404),
    ("/api/top?kind=passwords", 400), ("/api/top?n=100000", 400),
    ("/top?start=2026-02-30", 400), ("/graphs?end=notadate", 400), ("/nosuch", 404),
])
def test_bad_inputs_get_clear_4xx_never_500(client, readers, url, code):
    r = client.get(url)
    assert r.status_code == code
    assert b"Traceback" not in r.data


def test_api_errors_are_json(client, readers):
    r = client.get("/api/top?period=forever")
    assert r.status_code == 400 and "period" in r.get_json()["error"]


def test_api_without_trends_is_503_with_reason(client, without_readers):
    r = client.get("/api/series/total/bits")
    assert r.status_code == 503 and "no trend data yet" in r.get_json()["error"]
    assert client.get("/graphs/total/bits.png").status_code == 503


def test_top_rows_link_to_prefilled_search(client, readers):
    page = client.get("/top?kind=hosts&period=1h").get_data(as_text=True)
    assert "/search?filter=host+10.0.0.1" in page or "/search?filter=host%2010.0.0.1" in page
    assert readers.calls[-1][1] == "hosts" and readers.calls[-1][4] == 10


def test_api_status_carries_components_and_snapshot(client, write_status):
    write_status(mirror={"state": "down"})
    data = client.get("/api/status").get_json()
    assert data["snapshot"]["mirror"]["state"] == "down"
    assert any(c["name"] == "mirror" and c["level"] == "bad" for c in data["components"])
    assert data["now"] == NOW.isoformat()


def test_metrics_are_prometheus_text(client, write_status):
    write_status(mirror={"state": "running", "link": "up", "promisc": True, "rx_packets": 7})
    client.get("/nosuch")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'spanflow_health{component="sensor"} 0' in text
    assert "spanflow_mirror_rx_packets 7" in text
    assert "spanflow_mirror_promisc 1" in text
    assert 'spanflow_web_responses_total{code="4xx"} 1' in text


def test_no_get_route_changes_state(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(("dashboard", "graphs", "top", "search", "api", "metrics")):
            assert rule.methods - {"GET", "HEAD", "OPTIONS"} == set(), rule


def test_post_to_pages_is_refused(client, readers):
    assert client.post("/search", data={"filter": "any"}).status_code == 405


def test_unreadable_state_is_a_clear_503(client, readers, monkeypatch):
    from appliance.web import sources

    def denied(paths):
        raise PermissionError(13, "Permission denied", "/var/lib/spanflow/flows")
    monkeypatch.setattr(sources, "read_status", denied)
    r = client.get("/api/status")
    assert r.status_code == 503 and "Permission denied" in r.get_json()["error"]


def test_dashboard_without_snapshot_still_shows_ingest(client, readers):
    page = client.get("/").get_data(as_text=True)
    assert 'id="health-ingest"' in page and "4 files ingested" in page


def test_alerts_page_is_in_the_menu(client, readers):
    page = client.get("/").get_data(as_text=True)
    assert 'href="/alerts"' in page and client.get("/alerts").status_code == 200


def test_page_time_zone_is_labelled_and_used(state, readers):
    from datetime import datetime, timezone

    from appliance.web.app import create_app
    cfg, paths = state(timezone="Europe/Madrid")
    c = create_app(cfg, paths, {"CLOCK": lambda: NOW}).test_client()
    assert "times in Europe/Madrid" in c.get("/graphs").get_data(as_text=True)
    c.get("/graphs/protocol/bits.png?start=2026-07-01 10:00&end=2026-07-01 12:00")
    call = readers.calls[-1]
    assert call[3] == datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc) and call[-1] == "Europe/Madrid"


def test_dashboard_remembers_reads_until_the_files_change(client, readers, write_status):
    # issue 14: every dashboard request read an RRD (p99 5.75x bare waitress under 50 clients)
    write_status(mirror={"state": "running", "interface": "eth1"})
    client.get("/")
    client.get("/")
    assert [c[0] for c in readers.calls].count("series") == 1
    write_status(mirror={"state": "running", "interface": "eth9"})  # a new snapshot is read
    assert "eth9" in client.get("/").get_data(as_text=True)


def test_dashboard_shows_human_units_and_local_times(state, readers):
    from appliance.supervisor import snapshot
    from appliance.web.app import create_app
    cfg, paths = state(timezone="Europe/Madrid")
    c = create_app(cfg, paths, {"CLOCK": lambda: NOW}).test_client()
    import os
    os.makedirs(paths.runtime, exist_ok=True)
    snapshot.write(paths.status, {
        "version": 1, "updated": NOW.isoformat(), "state": "running",
        "collector": {"state": "running", "store": {
            "newest_file": "nfcapd.202611271159", "files": 3, "disk_bytes": 188416,
            "last_rotation": "2026-11-27T11:59:08.102077+00:00"}}})
    page = c.get("/").get_data(as_text=True)
    assert "184 KiB" in page and "188416" not in page  # issue 14: raw disk_bytes
    assert "last file age: 52 s" in page and "51.89" not in page
    assert "last rotation: 2026-11-27 12:59:08 CET" in page  # the chosen zone, not UTC


def test_graphs_list_the_alert_markers_once_per_page(app, client, readers):
    from appliance.detect.finding import Finding
    from appliance.detect.store import AlertStore
    from appliance.trends import markers
    store = AlertStore(app.config["SPANFLOW_PATHS"].database)
    t = NOW.timestamp() - 600
    store.record(Finding("cleartext", "10.0.0.5", "high", "telnet", "host 10.0.0.5"), t, t, 0)
    store.close()
    page = client.get("/graphs?period=1h").get_data(as_text=True)
    assert page.count('id="alert-markers"') == 1 and page.count("cleartext 10.0.0.5") == 1
    assert page.count("<img") == 6  # two groups, three metrics: the legend is not repeated
    assert 'class="swatch marker-high"' in page and markers.COLOURS["high"] == "ff0066"


def test_search_times_are_in_the_chosen_zone(real_app):
    page = real_app(timezone="Europe/Madrid").test_client().get(
        "/search", query_string={"filter": "proto tcp and port 22", "start": "2023-11-14 00:00",
                                 "end": "2023-11-15 00:00"}).get_data(as_text=True)
    assert " CET</td>" in page and "Z</td>" not in page
