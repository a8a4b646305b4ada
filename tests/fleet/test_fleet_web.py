"""The hub's pages and the alerts' way into the cluster, on the shipped config.

A sensor configured with the shipped configs/spanflow.toml plus only its directories and the
cluster's endpoints exports a real flow file and a stored alert; the central pages
(`spanflow web --fleet`) then show them, and refuse a filter the cluster cannot answer.
"""

import json
import os
import shutil
import socket

import pytest

from appliance import config
from appliance.cli.main import main
from appliance.detect.finding import Finding
from appliance.detect.store import AlertStore
from appliance.errors import ConfigError
from appliance.fleet import central
from appliance.fleet.client import Connection
from appliance.fleet.export import FleetExport
from appliance.paths import Paths
from appliance.web import fleet as fleet_pages
from appliance.web.app import create_app
from support import tools
from support.clickhouse import PACKAGES, TOOLS, loopback_cluster  # noqa: F401 (fixture)
from support.wait import wait_until

pytestmark = tools.needs(*TOOLS, "/usr/bin/nfdump", package=f"{PACKAGES} nfdump")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = os.path.join(ROOT, "configs", "spanflow.toml")
STORE = os.path.join(ROOT, "tests", "fixtures", "nfdump", "store")


def shipped(tmp_path, cluster):
    override = tmp_path / "local.toml"
    override.write_text(f'[storage]\ndir = "{tmp_path}/data"\nruntime_dir = "{tmp_path}/run"\n'
                        f"[fleet]\nendpoints = {cluster.endpoints!r}\n".replace("'", '"'))
    cfg = config.load([SHIPPED, str(override)])
    return cfg, Paths.of(cfg)


@pytest.fixture(scope="module")
def hub(loopback_cluster, tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("sensor")
    cfg, paths = shipped(tmp_path, loopback_cluster)
    central.init(cfg.fleet)
    os.makedirs(paths.flows)
    for name in os.listdir(STORE):
        shutil.copy(os.path.join(STORE, name), paths.flows)
    store = AlertStore(paths.database)
    alert_id, _ = store.record(Finding("cleartext", "10.0.0.1>10.0.0.2:23", "high",
                                       "telnet 10.0.0.1 -> 10.0.0.2", "host 10.0.0.1 and port 23",
                                       1, 6, 344, ("10.0.0.1",)), 1700000000, 1700000060, 900)
    export = FleetExport(cfg, paths)
    export.start()
    try:
        wait_until(lambda: export.status()["files_done"] == 1 and export.status()["alerts_sent"],
                   60, what=f"the file and the alert exported ({export.status()})")
        assert store.acknowledge(alert_id, "analyst")
        wait_until(lambda: export.status()["alerts_sent"] == 2, 60, what="the acknowledgement")
    finally:
        export.stop()
        store.close()
    app = create_app(cfg, paths)
    fleet_pages.attach(app)
    return app.test_client(), cfg


def test_the_sensor_is_named_after_its_host_by_default(hub):
    client, cfg = hub
    conn = Connection(cfg.fleet)
    try:
        assert [s["sensor"] for s in central.sensors(conn, cfg.fleet)] == [socket.gethostname()]
    finally:
        conn.close()


def test_pages_show_every_sensor(hub):
    client, _ = hub
    page = client.get("/fleet/")
    assert page.status_code == 200
    assert socket.gethostname().encode() in page.data and b"<svg" in page.data
    assert b"Fleet search" in page.data  # the fleet's menu entries come first
    found = client.get("/fleet/search.json?filter=proto+udp&start=2023-11-14&end=2023-11-15")
    assert found.status_code == 200 and len(found.json["flows"]) == 2
    assert {r["proto_name"] for r in found.json["flows"]} == {"udp"}
    top = client.get("/fleet/top?field=srcip&start=2023-11-14&end=2023-11-15")
    assert top.status_code == 200 and b"10.0.0.1" in top.data
    trends = client.get("/fleet/trends?start=2023-11-14 22:00&end=2023-11-14 23:00")
    # one bucket of flows: a dot per series (the fleet and the one sensor), no line
    assert trends.status_code == 200 and trends.data.count(b"<circle") == 4


def test_alerts_reach_the_cluster_with_their_acknowledgement(hub):
    client, cfg = hub
    assert b"telnet 10.0.0.1" not in client.get("/fleet/alerts").data  # acknowledged
    page = client.get("/fleet/alerts?all=1")
    assert b"telnet 10.0.0.1 -&gt; 10.0.0.2" in page.data and b"acknowledged by analyst" in page.data
    conn = Connection(cfg.fleet)
    try:
        (alert,) = central.alerts(conn, cfg.fleet, active_only=False)
    finally:
        conn.close()
    assert alert["rule"] == "cleartext" and alert["acked_by"] == "analyst"
    assert alert["hosts"] == ["10.0.0.1"] and not alert["active"]


def test_an_untranslatable_filter_is_a_clear_400(hub):
    client, _ = hub
    page = client.get("/fleet/search?filter=flags+S")
    assert page.status_code == 400 and b"&#39;flags&#39; has no column there" in page.data
    assert client.get("/fleet/search.json?filter=flags+S").status_code == 400


def test_fleet_pages_need_endpoints(tmp_path):
    cfg = config.load([SHIPPED])
    with pytest.raises(ConfigError, match="fleet.endpoints"):
        fleet_pages.attach(create_app(cfg, Paths.of(cfg)))


def test_the_cli_reads_the_same_cluster(hub, capsys):
    _, cfg = hub
    argv = [a for path in cfg.sources for a in ("--config", path)]
    assert main([*argv, "fleet", "sensors"]) == 0
    assert socket.gethostname() in capsys.readouterr().out
    assert main([*argv, "fleet", "alerts", "--all", "--json"]) == 0
    (alert,) = json.loads(capsys.readouterr().out)
    assert alert["acked_by"] == "analyst"
    assert main([*argv, "fleet", "trends", "--since", "2023-11-14T22:00", "--until",
                 "2023-11-14T23:00", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["fleet"][0][1] == 7  # the file's 7 flows
    assert main([*argv, "fleet", "top", "proto", "--since", "2023-11-14", "--until",
                 "2023-11-15"]) == 0
    assert "17 " in capsys.readouterr().out
    assert main([*argv, "fleet", "flows", "flags S"]) == 2
    assert "'flags' has no column there" in capsys.readouterr().err
