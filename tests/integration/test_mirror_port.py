"""The mirror port on a real veth in a namespace: apply, idempotency, crash record, counters."""

import json

import pytest

from support.netns import ROOT, python_in

pytestmark = pytest.mark.root

# Runs inside the sensor namespace (pyroute2 works on the current netns): do ACTION, print state.
SCRIPT = r"""
import dataclasses, json, sys
from appliance.config.schema import Mirror
from pyroute2 import IPRoute
from appliance.mirror import counters, port
def pyroute2_counters(name):
    # an independent reading (pyroute2) to check the supervisor's raw rtnetlink reader against
    with IPRoute() as ipr:
        link = ipr.get_links(ipr.link_lookup(ifname=name)[0])[0]
    stats = link.get_attr("IFLA_STATS64") or {}
    return {"interface": name, "link": (link.get_attr("IFLA_OPERSTATE") or "unknown").lower(),
            "promisc": bool(link["flags"] & 0x100), "rx_packets": stats.get("rx_packets", 0),
            "rx_bytes": stats.get("rx_bytes", 0), "rx_dropped": stats.get("rx_dropped", 0),
            "rx_missed": stats.get("rx_missed_errors", 0)}
action, iface, record = sys.argv[1:4]
mirror = Mirror(interface=iface, allow_management=True, mtu=1400)
out = {}
if action == "apply":
    out["record"] = port.apply(mirror, record)
elif action == "restore":
    out["restored"] = port.restore(record)
out["state"] = dataclasses.asdict(port.read_state(iface))
out["counters"] = pyroute2_counters(iface)
out["raw_counters"] = counters.read(iface)  # the supervisor's pyroute2-free reader
print(json.dumps(out))
"""

SEND = r"""
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
frame = b"\xff" * 6 + b"\x02\x00\x00\x00\x00\x01" + b"\x88\xb5" + b"\x00" * 86  # 100 bytes
for _ in range(int(sys.argv[2])):
    s.send(frame)
"""


def step(ns, action, iface, record):
    done = python_in(ns, SCRIPT, action, iface, str(record), cwd=ROOT)
    return json.loads(done.stdout)


@pytest.fixture
def mirror(sensor_ns, mirror_link):
    iface = mirror_link.mirror
    sensor_ns.run("ip", "addr", "add", "192.0.2.9/24", "dev", iface)
    return iface


def test_apply_configures_everything_and_twice_changes_nothing(tmp_path, sensor_ns, mirror):
    record = tmp_path / "mirror.json"
    first = step(sensor_ns, "apply", mirror, record)
    st = first["state"]
    assert (st["up"], st["promisc"], st["noarp"], st["mtu"]) == (True, True, True, 1400)
    assert st["addresses"] == [] and st["ipv6_disabled"] is True
    assert st["features"] and not any(st["features"].values())
    assert first["record"]["changes"]["addresses"] == [["192.0.2.9", 24]]
    assert first["record"]["changes"]["mtu"] == 1500
    second = step(sensor_ns, "apply", mirror, record)
    assert second["state"] == st
    assert second["record"] == first["record"]  # the original 'before' values are kept


def test_record_left_by_a_crash_restores_the_original(tmp_path, sensor_ns, mirror):
    record = tmp_path / "mirror.json"
    original = step(sensor_ns, "show", mirror, record)["state"]
    step(sensor_ns, "apply", mirror, record)  # the process ends without restoring: a crash
    assert json.loads(record.read_text())["interface"] == mirror
    done = step(sensor_ns, "restore", mirror, record)
    assert done["state"] == original
    assert not record.exists()
    assert step(sensor_ns, "restore", mirror, record)["restored"] == []  # twice is harmless


def test_counters_count_received_packets(tmp_path, sensor_ns, injector_ns, mirror_link, mirror):
    record = tmp_path / "mirror.json"
    before = step(sensor_ns, "apply", mirror, record)["counters"]
    assert before["promisc"] is True and before["link"] == "up"
    python_in(injector_ns, SEND, mirror_link.feed, "25")
    shown = step(sensor_ns, "show", mirror, record)
    after = shown["counters"]
    assert shown["raw_counters"] == after
    assert after["rx_packets"] - before["rx_packets"] == 25
    assert after["rx_bytes"] - before["rx_bytes"] == 25 * 100
    # No protocol (and no capture, softflowd is not running) takes ethertype 0x88b5: the
    # kernel counts such frames as rx_dropped, which proves the drop counter is read too.
    assert after["rx_dropped"] - before["rx_dropped"] == 25
    assert after["rx_missed"] == 0
