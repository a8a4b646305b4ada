"""Flow search over a store written by real softflowd and nfcapd from small.pcap."""

import csv
import dataclasses
import io

import pytest

from appliance.config.schema import Config, Storage, Web
from appliance.paths import Paths
from appliance.web.app import create_app
from support import tools

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")
WINDOW = {"start": "2023-11-14 00:00", "end": "2023-11-15 00:00"}  # small.pcap's day


@pytest.fixture
def store_app(flow_store):
    def build(**web):
        cfg = dataclasses.replace(Config(), storage=Storage(dir=str(flow_store),
                                                            runtime_dir=str(flow_store)),
                                  web=Web(**web))
        return create_app(cfg, Paths.of(cfg), {"TESTING": True})
    return build


@pytest.fixture
def sclient(store_app):
    return store_app().test_client()


def test_finds_the_known_ssh_flow(sclient):
    page = sclient.get("/search", query_string={"filter": "proto tcp and port 22", **WINDOW})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "10.0.0.1" in text and "40000" in text and "180" in text
    assert "5353" not in text  # the DNS flow is filtered out


def test_json_download_rows(sclient):
    data = sclient.get("/search.json", query_string={"filter": "dst port 22", **WINDOW}).get_json()
    assert data["truncated"] is False
    assert [(r["src"], r["sport"], r["dport"], r["packets"], r["bytes"]) for r in data["flows"]] \
        == [("10.0.0.1", 40000, 22, 2, 180)]


def test_api_flows_is_the_json_search(sclient):
    data = sclient.get("/api/flows", query_string={"filter": "proto udp", **WINDOW}).get_json()
    assert {r["proto_name"] for r in data["flows"]} == {"udp"} and len(data["flows"]) == 2


def test_csv_download_has_header_and_all_flows(sclient):
    r = sclient.get("/search.csv", query_string={"filter": "", **WINDOW})
    assert r.mimetype == "text/csv" and "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert len(rows) == 7 and {"src", "dst", "bytes"} <= set(rows[0])


def test_window_outside_the_flows_finds_nothing(sclient):
    page = sclient.get("/search", query_string={"filter": "any", "start": "2024-01-01",
                                                "end": "2024-01-02"})
    assert 'id="no-flows"' in page.get_data(as_text=True)


def test_bad_filter_shows_nfdumps_reason_next_to_field(sclient):
    r = sclient.get("/search", query_string={"filter": "port port", **WINDOW})
    text = r.get_data(as_text=True)
    assert r.status_code == 400 and 'id="filter-error"' in text and "syntax error" in text
    assert 'value="port port"' in text  # the field keeps what the analyst typed


@pytest.mark.parametrize("bad", ["-r /etc/shadow", "--help", "port 22; cat /etc/passwd",
                                 "$(touch /tmp/pwned)", "`id`", "port 22 | nc x 1", "a" * 5000,
                                 "port 22\x00-r/etc/shadow"])
def test_hostile_filters_are_refused_never_run(sclient, bad):
    for url in ("/search", "/search.json", "/search.csv", "/api/flows"):
        r = sclient.get(url, query_string={"filter": bad, **WINDOW})
        assert r.status_code == 400, (url, bad)
        assert b"Traceback" not in r.data and b"root:" not in r.data


def test_rows_are_bounded_and_paged(store_app):
    c = store_app(max_rows=200).test_client()
    data = c.get("/search.json", query_string={"filter": "any", **WINDOW}).get_json()
    assert len(data["flows"]) == 7
    small = store_app(max_rows=3).test_client()
    data = small.get("/search.json", query_string={"filter": "any", **WINDOW}).get_json()
    assert len(data["flows"]) == 3 and data["truncated"] is True
    r = small.get("/search", query_string={"filter": "any", "page": "99", **WINDOW})
    assert r.status_code == 400 and "page" in r.get_data(as_text=True)


def test_busy_searches_are_refused_clearly(store_app):
    app = store_app()
    gate = app.extensions["spanflow_searches"]
    held = [gate._sem.acquire(blocking=False) for _ in range(gate.slots)]
    try:
        r = app.test_client().get("/search.json", query_string={"filter": "any", **WINDOW})
        assert r.status_code == 503 and "already running" in r.get_json()["error"]
    finally:
        for ok in held:
            if ok:
                gate._sem.release()


def test_shell_metacharacters_are_never_executed(sclient, tmp_path):
    marker = tmp_path / "pwned"
    for bad in (f"any; touch {marker}", f"$(touch {marker})", f"`touch {marker}`",
                f"any && touch {marker}", f"any | touch {marker}"):
        r = sclient.get("/search.json", query_string={"filter": bad, **WINDOW})
        assert r.status_code == 400 and "error" in r.get_json()
    assert not marker.exists()


def test_results_are_newest_first_with_a_total_that_does_not_grow(sclient, monkeypatch):
    # issue 14: oldest first, and a total that grew per page ("100+", "200+")
    import re

    from appliance.web import search
    monkeypatch.setattr(search, "PAGE", 3)
    seen = []
    for page in (1, 2, 3):
        text = sclient.get("/search", query_string={"filter": "any", "page": page, **WINDOW}
                           ).get_data(as_text=True)
        assert f"7 flows from 1 files, newest first; page {page} of 3." in text
        seen += re.findall(r"<tr><td>(2023-11-1\d [0-9:.]+) ", text)
    assert len(seen) == 7 and seen == sorted(seen, reverse=True)
