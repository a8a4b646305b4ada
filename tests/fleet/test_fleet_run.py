"""Three sensors (`spanflow run` in namespaces) export live traffic into a two-shard cluster.

    injector ns --veth--> sensor ns s1 ─┐
                --veth--> sensor ns s2 ─┼─ veths ── bridge in the cluster ns: 2 clickhouse-server
                --veth--> sensor ns s3 ─┘           (10.77.0.1:9000, :9001), the hub's CLI

Checked: every flow is in the cluster exactly once (per sensor equal to its local store), an
outage of the whole cluster over several rotations is caught up exactly, the local store keeps
filling meanwhile, a central search equals the union of the sensors' local searches, and a
filter the cluster cannot answer is refused by `spanflow fleet flows` with a clear error.
"""

import json
import os

import pytest

from appliance.query import flows
from faults.traffic import Stream
from support import tools
from support.clickhouse import PACKAGES, TOOLS, Cluster
from support.netns import ROOT, MirrorLink, Netns, ip, unique
from support.sensor import SpanflowRun, write_config
from support.wait import wait_until

pytestmark = [pytest.mark.root,
              tools.needs(*TOOLS, "/usr/sbin/softflowd", "/usr/bin/nfcapd",
                          package=f"{PACKAGES} softflowd nfdump")]
HUB = "10.77.0.1"
SENSORS = ("s1", "s2", "s3")
FILTER = "proto udp and dst port 9 and src port > 1100"


def fleet_section(cluster, sensor, database):
    return ("[fleet]\n"
            f"endpoints = {json.dumps(cluster.endpoints)}\n"
            f'database = "{database}"\n'
            f'sensor = "{sensor}"\n'
            f"export = {'true' if sensor else 'false'}\n"
            "batch_rows = 500\n"
            "timeout = 5\n")


@pytest.fixture
def fleet(tmp_path):
    """The cluster namespace with its bridge and servers, three sensor namespaces, an injector."""
    made, runs, streams = [], [], []
    cluster = None
    try:
        hub = Netns("sfh")
        made.append(hub)
        bridge = unique("sfb")
        hub.run("ip", "link", "add", bridge, "type", "bridge")
        hub.run("ip", "addr", "add", f"{HUB}/24", "dev", bridge)
        hub.run("ip", "link", "set", bridge, "up")
        injector = Netns("sfi")
        made.append(injector)
        sensors = []
        for i, name in enumerate(SENSORS):
            ns = Netns("sfs")
            made.append(ns)
            mirror = MirrorLink(ns, injector)
            near, far = unique("sfu"), unique("sfd")
            ip("link", "add", near, "type", "veth", "peer", "name", far)
            ip("link", "set", near, "netns", ns.name)
            ip("link", "set", far, "netns", hub.name)
            hub.run("ip", "link", "set", far, "master", bridge)
            hub.run("ip", "link", "set", far, "up")
            ns.run("ip", "addr", "add", f"10.77.0.{11 + i}/24", "dev", near)
            ns.run("ip", "link", "set", near, "up")
            sensors.append((name, ns, mirror))
        cluster = Cluster(tmp_path / "cluster", host=HUB, ns=hub).start()
        database = "f" + unique("")
        hub_config = tmp_path / "hub.toml"
        hub_config.write_text(f'[storage]\ndir = "{tmp_path}/hub"\nruntime_dir = "{tmp_path}/hub/run"\n'
                              + fleet_section(cluster, "", database))

        def central(*argv, check=True):
            done = hub.run("/usr/bin/python3", "-m", "appliance", "--config", str(hub_config),
                           "fleet", *argv, check=False, cwd=ROOT)
            if check:
                assert done.returncode == 0, done.stderr
            return done

        central("init")
        for name, ns, mirror in sensors:
            folder = tmp_path / name
            folder.mkdir()
            config = write_config(folder, mirror.mirror,
                                  extra=fleet_section(cluster, name, database))
            runs.append(SpanflowRun(ns, config))
        for run in runs:
            run.wait_running("fleet", timeout=60)
        yield {"cluster": cluster, "runs": dict(zip(SENSORS, runs)), "central": central,
               "injector": injector, "mirrors": [m for _, _, m in sensors], "streams": streams}
    finally:
        for s in streams:
            s.close()
        for run in runs:
            run.close()
        if cluster is not None:
            cluster.stop()
        for ns in reversed(made):
            ns.delete()


def local(run, text="any"):
    """Return the sensor's own search as sorted row tuples."""
    # the fleet holds the probe's flows; the local search names each row's source (exporter)
    return sorted(tuple(sorted((k, v) for k, v in r.items() if k != "exporter")) for r in
                  flows.search(run.paths, text, limit=10**6, exporter="probe").rows)


def in_cluster(central, text="any", sensor=None):
    """Return {sensor: sorted row tuples} of a central search (via the hub's CLI)."""
    argv = ["flows", "--format", "json", "--limit", "1000000", *(["--sensor", sensor] if sensor
                                                                 else []), text]
    out = {}
    for r in json.loads(central(*argv).stdout)["flows"]:
        out.setdefault(r.pop("sensor"), []).append(tuple(sorted(r.items())))
    return {s: sorted(rows) for s, rows in out.items()}


def exported(run):
    st = run.status().get("fleet", {})
    return st.get("backlog_files") == 0 and st.get("state") == "running" and st


def settled(fleet):
    """Tell whether each sensor's cluster rows equal its local store (and return them)."""
    if not all(exported(run) for run in fleet["runs"].values()):
        return None
    got = in_cluster(fleet["central"])
    want = {name: local(run) for name, run in fleet["runs"].items()}
    return got == want and got


def test_three_sensors_one_cluster_exactly_once_through_an_outage(fleet):
    runs, cluster = fleet["runs"], fleet["cluster"]
    streams = fleet["streams"]
    for mirror in fleet["mirrors"]:
        streams.append(Stream(fleet["injector"], mirror.feed, rate=40))
    wait_until(lambda: all(r.status()["fleet"].get("files_done", 0) >= 2 for r in runs.values()),
               60, what="two files of every sensor in the cluster")

    # the whole cluster goes away for more than two rotations (rotate = 2 s)
    cluster.stop()
    before = {n: len(local(r)) for n, r in runs.items()}
    wait_until(lambda: all(r.status()["fleet"]["backlog_files"] >= 3 for r in runs.values()),
               60, what="three flow files of every sensor waiting for the cluster")
    for name, run in runs.items():
        st = run.status()["fleet"]
        assert st["failures"] >= 1 and not st["connected"] and st["last_error"], st
        assert len(local(run)) > before[name]  # the local store keeps filling
    cluster.start()
    sent = [s.finish() for s in streams]
    for run, sports in zip(runs.values(), sent):
        wanted = {sport for sport, _ in sports}
        wait_until(lambda: wanted <= {r["sport"] for r in flows.search(
            run.paths, "dst port 9", limit=10**6).rows}, 60, what="every sent flow stored")
    got = wait_until(lambda: settled(fleet), 120, what="every sensor's store in the cluster")

    for name, run in runs.items():
        assert len(got[name]) == len(set(got[name])) >= 40, name  # no flow twice
        st = run.status()["fleet"]
        assert st["rows_sent"] == len(got[name]) and st["lag_seconds"] == 0, st
    # a central search equals the union of the sensors' own searches
    assert in_cluster(fleet["central"], FILTER) == {n: local(r, FILTER) for n, r in runs.items()}
    assert in_cluster(fleet["central"], FILTER, sensor="s2") == {"s2": local(runs["s2"], FILTER)}
    # top-N over the fleet counts every sensor's flows
    top = json.loads(fleet["central"]("top", "dstport", "--json", "--order", "flows").stdout)
    assert top[0]["value"] == "9" and top[0]["flows"] == sum(
        sum(1 for r in rows if dict(r)["dport"] == 9) for rows in got.values())

    refused = fleet["central"]("flows", "proto tcp and flags S", check=False)
    assert refused.returncode == 2 and "'flags' has no column" in refused.stderr
    assert refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr

    # `spanflow status` shows the export
    done = runs["s3"].ns.run("/usr/bin/python3", "-m", "appliance", "status", "--config",
                             runs["s3"].config, cwd=ROOT, check=False)
    assert "fleet: running" in done.stdout and "  backlog_files: 0" in done.stdout, done.stdout
    assert f"  rows_sent: {len(got['s3'])}" in done.stdout
