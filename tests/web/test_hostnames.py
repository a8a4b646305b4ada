"""Names the hosts announced (the side capture's inventory) beside their addresses on the pages."""

import dataclasses
import shutil
import sqlite3
import time

import pytest

from appliance.config.schema import Config, Storage
from appliance.paths import Paths
from appliance.span import inventory
from appliance.web.app import create_app
from support import tools

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")
WINDOW = {"start": "2023-11-14 00:00", "end": "2023-11-15 00:00"}  # small.pcap's day


@pytest.fixture
def client(ingested_store, tmp_path):
    store = tmp_path / "store"
    shutil.copytree(ingested_store, store)  # the session's store stays as it was
    cfg = dataclasses.replace(Config(), storage=Storage(dir=str(store), runtime_dir=str(store)))
    paths = Paths.of(cfg)
    con = inventory.connect(paths.database)
    inventory.upsert(con, {"10.0.0.1": {"name": "files-1", "kind": "file server",
                                        "sources": {"netbios"}, "first": 1.0, "last": 2.0}}, 3.0)
    con.close()
    return create_app(cfg, paths, {"TESTING": True}).test_client()


def test_search_results_name_the_hosts_that_announced_themselves(client):
    text = client.get("/search", query_string={"filter": "port 22", **WINDOW}).get_data(True)
    assert '10.0.0.1 <span class="hostname">files-1</span>' in text
    assert text.count('class="hostname"') == text.count("10.0.0.1 <span")  # only known hosts


def test_top_talkers_name_them_too(client, ingested_store):
    # top lists are kept per ingested interval: a window around the store's own intervals
    con = sqlite3.connect(Paths(str(ingested_store), str(ingested_store)).database)
    first, last = con.execute("SELECT min(start), max(start) FROM top_entries").fetchone()
    con.close()
    day = "%Y-%m-%d %H:%M"
    window = {"start": time.strftime(day, time.gmtime(first - 3600)),
              "end": time.strftime(day, time.gmtime(last + 3600))}
    text = client.get("/top", query_string={"kind": "hosts", **window}).get_data(True)
    assert '<span class="hostname">files-1</span>' in text


def test_a_store_without_an_inventory_shows_bare_addresses(ingested_store):
    cfg = dataclasses.replace(Config(), storage=Storage(dir=str(ingested_store),
                                                        runtime_dir=str(ingested_store)))
    app = create_app(cfg, Paths.of(cfg), {"TESTING": True})
    text = app.test_client().get("/search", query_string={"filter": "port 22", **WINDOW})
    assert "10.0.0.1" in text.get_data(True) and "hostname" not in text.get_data(True)
