"""The status snapshot as the real writers make it, read by the health page (the contract)."""

import os
import shutil
from datetime import datetime, timezone

from appliance.collector import store
from appliance.config.schema import Config, Mirror, Storage
from appliance.paths import Paths
from appliance.probe import stats
from appliance.supervisor import snapshot
from appliance.supervisor.child import Child, Periodic
from appliance.supervisor.components import MirrorPort
from appliance.supervisor.run import Supervisor
from appliance.web import health
from support import tools

NAME = "nfcapd.20261127190512"


class Running:
    """A stand-in process that runs until the test ends."""

    pid = 4242

    def poll(self):
        return None


def child(name, key, reading):
    c = Child(name, lambda: (["/bin/true"], {}), spawn=lambda argv, env: Running(),
              periodic=[Periodic(key, 5, reading)])
    c.start()
    c.poll(0)  # runs the periodic reading once
    return c


@tools.needs("nfdump", package="nfdump")
def test_health_reads_every_fact_the_writers_put_in_the_snapshot(tmp_path, fixture_path):
    cfg = Config(storage=Storage(dir=str(tmp_path), runtime_dir=str(tmp_path / "run")),
                 mirror=Mirror(interface="lo"))
    paths = Paths.of(cfg)
    os.makedirs(paths.flows)
    os.makedirs(paths.runtime)
    shutil.copy(fixture_path("nfdump", "store", NAME), os.path.join(paths.flows, NAME))
    with open(fixture_path("softflowctl", "statistics-1.1.0-flushed.txt")) as f:
        text = f.read()
    mirror = MirrorPort(cfg.mirror, paths)
    mirror.state = "running"  # as after start(); applying the port needs root and a real NIC
    mirror.poll(0)
    parts = [("mirror", mirror),
             ("collector", child("collector", "store", lambda: store.store_state(cfg, paths))),
             ("probe", child("probe", "statistics", lambda: stats.parse(text)))]
    sup = Supervisor(parts, paths.status)
    sup.state = "running"
    sup.snapshot()

    snap = snapshot.read(paths.status)
    items = {i["name"]: i for i in health.assess(snap, datetime.now(timezone.utc), 60, "x")}
    assert items["sensor"]["level"] == "ok"
    m = items["mirror"]["facts"]
    assert m["state"] == "running" and m["link"] == "unknown" and isinstance(m["rx_packets"], int)
    p = items["probe"]
    assert p["level"] == "ok" and p["facts"]["packets_processed"] == stats.parse(text)[
        "packets_processed"]
    c = items["collector"]
    assert c["level"] == "ok", c
    assert (c["facts"]["files"], c["facts"]["newest_file"]) == (1, NAME)
    assert c["facts"]["last_rotation"] and c["facts"]["disk_bytes"] > 0
