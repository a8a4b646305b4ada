"""nfcapd with allowed_exporters: real IPFIX from softflowd, replayed from allowed and other addresses.

The first test needs no root (loopback addresses 127.0.0.2/3, free ports); the second runs a
second softflowd as a router in its own namespace, exporting NetFlow v9 from its own address,
and follows its flows through search, graphs and detection. Only what was started here is ended.
"""

import dataclasses
import json
import os
import signal
import socket
import subprocess
import time

import pytest

from appliance.collector import replay
from appliance.collector.command import flow_dirs, nfcapd_command
from appliance.config.schema import Collector, Config, Storage
from appliance.paths import Paths
from appliance.query import nfdump, records
from support import tools
from support.wait import wait_until

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")


def ipfix_datagrams(pcap):
    """Return the IPFIX datagrams softflowd exports for pcap (templates included)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(2)
        port = s.getsockname()[1]
        subprocess.run(["/usr/sbin/softflowd", "-d", "-r", pcap, "-v", "10", "-A", "milli",
                        "-n", f"127.0.0.1:{port}"], check=True, capture_output=True, timeout=30)
        grams = []
        try:
            while True:
                grams.append(s.recv(65535))
        except socket.timeout:
            return grams


def send_from(address, port, grams):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((address, 0))
        for g in grams:
            s.sendto(g, ("127.0.0.1", port))


def stored(directory):
    names = [n for n in os.listdir(directory) if n.startswith("nfcapd.2")]
    return sum(len(records.rows(nfdump.run(["-r", os.path.join(directory, n), "-o", "json"], 30)))
               for n in names)


def test_only_allowed_exporters_are_stored(tmp_path, fixture_path):
    grams = ipfix_datagrams(fixture_path("nfdump", "small.pcap"))
    assert grams
    port = replay.free_port()
    cfg = Config(storage=Storage(dir=str(tmp_path / "data"), runtime_dir=str(tmp_path / "run")),
                 collector=dataclasses.replace(Collector(), listen=f"127.0.0.1:{port}", rotate=2,
                                               allowed_exporters=["127.0.0.2"]))
    paths = Paths.of(cfg)
    for d in flow_dirs(cfg, paths) + [paths.runtime]:
        os.makedirs(d, exist_ok=True)
    argv, env = nfcapd_command(cfg, paths)
    router = os.path.join(paths.flows, "exporters", "127-0-0-2")
    col = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: os.path.exists(paths.nfcapd_pid), 10, what="nfcapd pid file")
        send_from("127.0.0.3", port, grams)  # not allowed
        send_from("127.0.0.2", port, grams)  # allowed router
        # flows become readable only after a rotation (rotate=2 s)
        wait_until(lambda: stored(router) == 7, 15, what="the router's 7 flows in a closed file")
    finally:
        col.send_signal(signal.SIGTERM)  # closes the current files
        log, _ = col.communicate(timeout=30)
    assert stored(router) == 7
    assert stored(paths.flows) == 0
    assert "Skip UDP packet" in log


# ---- a router's flows are searched, graphed and checked like the probe's ----------------------

ROUTER_NET = "10.88.{}.{}"


@pytest.fixture
def router_net():
    """A sensor and a router namespace joined by a veth: 10.88.N.1 (sensor), 10.88.N.2 (router)."""
    from support import netns
    sensor, router = netns.Netns("sfs"), netns.Netns("sfr")
    n = int(netns.unique("")[:4], 16) % 250 + 1
    a, b = netns.unique("sfa"), netns.unique("sfb")
    try:
        netns.ip("link", "add", a, "type", "veth", "peer", "name", b)
        netns.ip("link", "set", a, "netns", sensor.name)
        netns.ip("link", "set", b, "netns", router.name)
        sensor.run("ip", "addr", "add", ROUTER_NET.format(n, 1) + "/24", "dev", a)
        router.run("ip", "addr", "add", ROUTER_NET.format(n, 2) + "/24", "dev", b)
        sensor.run("ip", "link", "set", a, "up")
        router.run("ip", "link", "set", b, "up")
        yield sensor, router, ROUTER_NET.format(n, 1), ROUTER_NET.format(n, 2)
    finally:
        sensor.delete()  # removes the veth pair with it
        router.delete()


def _analyse(cfg, paths):
    """Run the probe's and every exporter's ingest and detection as `spanflow run` builds them."""
    import time

    from appliance import sources as flow_sources
    from appliance.detect import engine, exporters
    from appliance.trends.ingest import IngestWorker, pending
    from appliance.trends import db
    parts = engine.paired(IngestWorker(cfg, paths), cfg, paths)
    for source in flow_sources.configured(cfg, paths):
        parts += exporters.paired(cfg, paths, source)
    for _, part in parts:
        part.start()
    try:
        for _, part in parts:
            if hasattr(part, "listeners"):
                part.poll(time.time())
                assert not pending(part.paths.flows, db.cursor(part.con)), part.status()
                if hasattr(part, "flush"):  # trends held until no later file adds: all now
                    part.flush()
        return {name: part.status() for name, part in parts}
    finally:
        for _, part in reversed(parts):
            part.stop()


@pytest.mark.root
def test_router_flows_are_searched_graphed_and_detected(router_net, tmp_path, fixture_path, capsys):
    from support import timeline
    from appliance.cli.main import main
    from appliance.query import flows
    from appliance.trends import readers
    sensor, router, sensor_ip, router_ip = router_net
    pcap = str(tmp_path / "router.pcap")
    timeline.write(pcap)
    port = replay.free_port()
    local = tmp_path / "local.toml"
    local.write_text(f'[storage]\ndir = "{tmp_path}/data"\nruntime_dir = "{tmp_path}/run"\n'
                     f'[collector]\nlisten = "{sensor_ip}:{port}"\nrotate = 2\n'
                     f'allowed_exporters = ["{router_ip}"]\n')
    from appliance import config
    shipped = os.path.join(os.path.dirname(__file__), "..", "..", "configs", "spanflow.toml")
    cfg = config.load([shipped, str(local)])
    paths = Paths.of(cfg)
    for d in flow_dirs(cfg, paths) + [paths.runtime]:
        os.makedirs(d, exist_ok=True)
    argv, env = nfcapd_command(cfg, paths)
    col = sensor.popen(*argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    router_dir = os.path.join(paths.flows, "exporters", router_ip.replace(".", "-"))
    try:
        wait_until(lambda: os.path.exists(paths.nfcapd_pid), 10, what="nfcapd pid file")
        # the probe: IPFIX to the listen address on the routers' network, as the shipped
        # config's comment says to set it; the router: NetFlow v9 from its own address
        sensor.run("/usr/sbin/softflowd", "-d", "-r", fixture_path("nfdump", "small.pcap"), "-v",
                   "10", "-A", "milli", "-c", "none", "-p", str(tmp_path / "p.pid"),
                   "-n", cfg.collector.listen, timeout=30)
        router.run("/usr/sbin/softflowd", "-d", "-r", pcap, "-v", "9", "-a", "-c", "none",
                   "-p", str(tmp_path / "r.pid"), "-n", f"{sensor_ip}:{port}", timeout=30)
        wait_until(lambda: stored(router_dir) == 18 and stored(paths.flows) == 7, 20,
                   what="the router's 18 and the probe's 7 flows in closed files")
    finally:
        col.send_signal(signal.SIGTERM)  # closes the current files
        col.communicate(timeout=30)
    status = _analyse(cfg, paths)
    assert status[f"detect {router_ip}"]["alerts"] == 1

    # searched: an exporter field on every row, and a filter by exporter
    rows = flows.search(paths, "any", limit=100).rows
    assert sorted({r["exporter"] for r in rows}) == [router_ip, "probe"]
    mine = flows.search(paths, "proto tcp and port 23", exporter=router_ip).rows
    assert {r["exporter"] for r in mine} == {router_ip} and sum(r["packets"] for r in mine) == 12
    assert flows.search(paths, "port 23", exporter="probe").rows == []
    capsys.readouterr()
    assert main(["flows", "--config", shipped, "--config", str(local), "--exporter", router_ip,
                 "--format", "json", "port 23"]) == 0
    assert {r["exporter"] for r in json.loads(capsys.readouterr().out)["flows"]} == {router_ip}
    assert main(["flows", "--config", shipped, "--config", str(local), "--exporter",
                 "10.99.99.99", "any"]) == 2
    assert "no flows from exporter" in capsys.readouterr().err

    # graphed: a series per source, each holding its own packets
    assert readers.groups(cfg)["exporter"] == ["probe", router_ip]
    totals = [0, 0]
    # the packets count at the file's time or at the traffic's (2023): read both windows
    for start in (time.time() - 600, timeline.T0 - 600):
        doc = readers.series(cfg, paths, "exporter", "packets", start, start + 1800)
        assert doc["names"] == ["probe", router_ip]
        for i in range(2):
            totals[i] += round(sum(r[i + 1] or 0 for r in doc["rows"]) * doc["step"])
    assert totals == [8, len(timeline.packets())]

    # detected: the router's telnet session is an alert in the sensor's store, and its search
    # link (all sources) shows the session
    from appliance.detect.store import AlertStore
    store = AlertStore(paths.database, readonly=True)
    (alert,) = store.list()
    store.close()
    client, _, server, _ = timeline.TELNET
    assert alert["rule"] == "cleartext" and alert["key"] == f"{client}>{server}:telnet"
    assert f"(exporter {router_ip})" in alert["summary"]
    evidence = flows.search(paths, alert["filter"]).rows
    assert {r["exporter"] for r in evidence} == {router_ip}
    assert sum(r["packets"] for r in evidence) == 12
