"""`spanflow run` end to end in a namespace: exact flows, restarts, restore, and refusals.

Each test gets its own sensor namespace with a veth mirror port fed from an injector namespace
(tests/support); `spanflow run` runs as `ip netns exec NS python3 -m appliance run`.
"""

import json
import os
import shutil
import signal
import subprocess

import pytest

from appliance.probe import control
from appliance.query import flows
from support.netns import ROOT, Netns, ip, python_in, unique
from support.sensor import SpanflowRun, shipped_config, write_config as sensor_config
from support.wait import wait_until

pytestmark = pytest.mark.root

# Known traffic, sent with Debian's scapy at layer 2 from the injector namespace; prints the
# ground truth as JSON: {"proto src sport dst dport": [packets, bytes]} (bytes = IP length).
TRAFFIC = r"""
import json, sys
from scapy.all import Ether, IP, IPv6, TCP, UDP, ICMP, ICMPv6EchoRequest, Raw, sendp
from scapy.layers.netbios import NBNSQueryRequest, NBTDatagram
from scapy.layers.dns import DNS, DNSQR
iface = sys.argv[1]
A, B, M = "02:00:00:00:00:0a", "02:00:00:00:00:0b", "ff:ff:ff:ff:ff:ff"
c, s = "10.1.0.10", "10.1.0.20"
def tcp(src, dst, sp, dp, flags, seq, ack, data=b""):
    p = IP(src=src, dst=dst) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack)
    return p / Raw(data) if data else p
ssh = [tcp(c, s, 50022, 22, "S", 100, 0), tcp(s, c, 22, 50022, "SA", 500, 101),
       tcp(c, s, 50022, 22, "A", 101, 501)]
for i in range(5):
    ssh.append(tcp(s, c, 22, 50022, "PA", 501 + 40 * i, 101, b"x" * 40))
    ssh.append(tcp(c, s, 50022, 22, "PA", 101 + 30 * i, 541 + 40 * i, b"y" * 30))
ssh += [tcp(c, s, 50022, 22, "FA", 251, 701), tcp(s, c, 22, 50022, "FA", 701, 252),
        tcp(c, s, 50022, 22, "A", 252, 702)]
pkts = [(A if p.src == c else B, B if p.src == c else A, p) for p in ssh]
pkts += [
    (A, "01:00:5e:00:00:fb", IP(src=c, dst="224.0.0.251") / UDP(sport=5353, dport=5353)
     / DNS(qd=DNSQR(qname="printer.local", qtype="PTR"))),
    (A, "01:00:5e:7f:ff:fa", IP(src=c, dst="239.255.255.250") / UDP(sport=50000, dport=1900)
     / Raw(b"M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nST: ssdp:all\r\n\r\n")),
    (A, M, IP(src=c, dst="10.1.0.255") / UDP(sport=137, dport=137)
     / NBNSQueryRequest(QUESTION_NAME="FILESERVER")),
    (A, M, IP(src=c, dst="10.1.0.255") / UDP(sport=138, dport=138) / NBTDatagram()
     / Raw(b"\x00" * 60)),
]
for i in range(3):
    pkts.append((A, B, IP(src=c, dst=s) / ICMP(type=8, id=7, seq=i) / Raw(b"p" * 56)))
    pkts.append((B, A, IP(src=s, dst=c) / ICMP(type=0, id=7, seq=i) / Raw(b"p" * 56)))
for i in range(4):
    pkts.append((A, B, IPv6(src="2001:db8::10", dst="2001:db8::20")
                 / UDP(sport=40000, dport=5000) / Raw(b"v" * (20 + i))))
pkts.append((A, B, IPv6(src="2001:db8::10", dst="2001:db8::20") / ICMPv6EchoRequest(id=1)))
truth = {}
frames = []
for src_mac, dst_mac, p in pkts:
    frame = Ether(bytes(Ether(src=src_mac, dst=dst_mac) / p))  # built once: lengths are final
    ip = frame.payload
    proto = ip.nh if ip.version == 6 else ip.proto
    l4 = ip.payload
    if proto in (1, 58):
        sport, dport = 0, l4.type * 256 + l4.code
    else:
        sport, dport = l4.sport, l4.dport
    key = f"{proto} {ip.src} {sport} {ip.dst} {dport}"
    n, b = truth.get(key, (0, 0))
    truth[key] = (n + 1, b + len(ip))
    frames.append(frame)
sendp(frames, iface=iface, verbose=False)
print(json.dumps(truth))
"""


def write_config(tmp_path, iface, allow=False):
    return sensor_config(tmp_path, iface, mirror=f"allow_management = {str(allow).lower()}")


@pytest.fixture
def sensor(tmp_path, sensor_ns, mirror_link):
    started = []

    def start(**kw):
        s = SpanflowRun(sensor_ns, write_config(tmp_path, mirror_link.mirror, **kw))
        started.append(s)
        return s.wait_running(timeout=20)

    yield start
    for s in started:
        s.close()


def stored(paths):
    """Return {"proto src sport dst dport": [packets, bytes]} summed over the stored records."""
    out = {}
    for row in flows.search(paths, "any", limit=100000).rows:
        assert row["first"] <= row["last"]
        key = f"{row['proto']} {row['src']} {row['sport']} {row['dst']} {row['dport']}"
        n, b = out.get(key, (0, 0))
        out[key] = (n + row["packets"], b + row["bytes"])
    return out


def test_known_traffic_is_stored_exactly_per_five_tuple(sensor, injector_ns, mirror_link):
    s = sensor()
    sent = python_in(injector_ns, TRAFFIC, mirror_link.feed, timeout=60)
    truth = {k: tuple(v) for k, v in json.loads(sent.stdout).items()}
    assert len(truth) == 10
    wait_until(lambda: stored(s.paths) == truth, 30, interval=1, what="every flow stored")
    counters = s.status()["mirror"]
    assert counters["rx_packets"] >= sum(n for n, _ in truth.values())
    assert s.stop() == 0
    assert stored(s.paths) == truth  # the stop added nothing and lost nothing


# One UDP flow of three datagrams: with the shipped timeouts (idle 15 s) the probe still holds it
# when the sensor is stopped a moment later.
HELD = r"""
import json, sys
from scapy.all import Ether, IP, UDP, Raw, sendp
frames = [Ether(src="02:00:00:00:00:0a", dst="02:00:00:00:00:0b")
          / IP(src="10.1.0.10", dst="10.1.0.20") / UDP(sport=40123, dport=5000) / Raw(b"h" * n)
          for n in (10, 20, 30)]
sendp(frames, iface=sys.argv[1], verbose=False)
print(json.dumps({"17 10.1.0.10 40123 10.1.0.20 5000": [3, sum(len(f.payload) for f in frames)]}))
"""


def test_a_stop_stores_the_flows_the_probe_still_held(tmp_path, sensor_ns, injector_ns, mirror_link):
    s = SpanflowRun(sensor_ns, shipped_config(tmp_path, mirror_link.mirror)).wait_running(timeout=30)
    try:
        sent = python_in(injector_ns, HELD, mirror_link.feed, timeout=60)
        truth = {k: tuple(v) for k, v in json.loads(sent.stdout).items()}
        wait_until(lambda: control.statistics(s.paths).get("active_flows", 0) >= 1, 15,
                   what="softflowd to hold the flow")
        assert stored(s.paths) == {}  # not exported yet: idle 15 s, maxlife 60 s
        assert s.stop() == 0
    finally:
        s.close()
    # the probe exported its table on the way out, and the collector stored it
    assert stored(s.paths) == truth


def test_killed_probe_is_restarted_and_counted(sensor):
    s = sensor()
    first = s.status()["probe"]["pid"]
    os.kill(first, signal.SIGKILL)  # our own grandchild, by PID
    st = wait_until(lambda: (lambda p: p.get("restarts") == 1 and p.get("state") == "running"
                             and p)(s.status().get("probe", {})), 15, what="probe restart")
    assert st["pid"] != first
    assert st["last_exit"]["signal"] == "SIGKILL"
    assert s.stop() == 0
    assert "probe (pid %d) died" % first in s.output()


def link(ns, iface):
    """Return (flags line, addresses, disable_ipv6) of iface inside ns."""
    shown = ns.run("ip", "-d", "addr", "show", iface).stdout
    v6 = ns.run("cat", f"/proc/sys/net/ipv6/conf/{iface}/disable_ipv6").stdout.strip()
    return shown, v6


def test_interface_is_restored_after_stop(sensor, sensor_ns, mirror_link):
    iface = mirror_link.mirror
    sensor_ns.run("ip", "addr", "add", "192.0.2.7/24", "dev", iface)
    before, v6 = link(sensor_ns, iface)
    assert "promiscuity 0" in before and v6 == "0"
    s = sensor(allow=True)
    during, v6 = link(sensor_ns, iface)
    assert "PROMISC" in during and "NOARP" in during and "192.0.2.7" not in during and v6 == "1"
    assert s.stop() == 0
    after, v6 = link(sensor_ns, iface)
    assert "PROMISC" not in after and "NOARP" not in after and "inet 192.0.2.7/24" in after
    assert v6 == "0"
    assert not os.path.exists(s.paths.mirror_state)
    assert s.status()["state"] == "stopped"


def refused(tmp_path, ns, iface, **kw):
    """Run `spanflow run` expecting a refusal; return (exit code, stderr)."""
    done = ns.run("/usr/bin/python3", "-m", "appliance", "run", "--config",
                  write_config(tmp_path, iface, **kw), cwd=ROOT, check=False, timeout=30)
    return done.returncode, done.stderr


def test_interface_with_default_route_is_refused(tmp_path, sensor_ns, mirror_link):
    iface = mirror_link.mirror
    sensor_ns.run("ip", "link", "set", iface, "up")
    sensor_ns.run("ip", "addr", "add", "198.51.100.2/24", "dev", iface)
    sensor_ns.run("ip", "route", "add", "default", "via", "198.51.100.1", "dev", iface)
    code, err = refused(tmp_path, sensor_ns, iface)
    assert code == 1
    assert err == (f"spanflow: mirror interface {iface} carries the default route; refusing to "
                   "take it over (pick the SPAN port, or set [mirror] allow_management = true)\n")
    shown, _ = link(sensor_ns, iface)
    assert "PROMISC" not in shown and "198.51.100.2" in shown


def test_missing_interface_lists_existing(tmp_path, sensor_ns, mirror_link):
    code, err = refused(tmp_path, sensor_ns, "sfnope0")
    assert code == 1
    assert err == ("spanflow: mirror interface 'sfnope0' does not exist; existing interfaces: "
                   f"lo, {mirror_link.mirror} (set [mirror] interface)\n")


def test_collector_port_in_use_leaves_nothing_configured(tmp_path, sensor_ns, mirror_link):
    squatter = sensor_ns.popen("/usr/bin/python3", "-c",
                               "import socket,sys; s=socket.socket(socket.AF_INET, "
                               "socket.SOCK_DGRAM); s.bind(('127.0.0.1', 9995)); "
                               "print('bound', flush=True); sys.stdin.read()",
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert squatter.stdout.readline() == "bound\n"
        code, err = refused(tmp_path, sensor_ns, mirror_link.mirror)
    finally:
        squatter.stdin.close()
        squatter.wait(10)
    assert code == 1
    assert err == ("spanflow: collector address 127.0.0.1:9995 (UDP) is in use; stop what "
                   "listens there or set [collector] listen\n")
    shown, v6 = link(sensor_ns, mirror_link.mirror)
    assert "PROMISC" not in shown and v6 == "0"
    assert not os.path.exists(tmp_path / "run" / "mirror.json")


def test_crash_of_run_ends_children_and_next_start_restores(sensor, sensor_ns, mirror_link):
    iface = mirror_link.mirror
    sensor_ns.run("ip", "addr", "add", "192.0.2.8/24", "dev", iface)
    first = sensor(allow=True)
    children = [first.status()[n]["pid"] for n in ("collector", "probe")]
    first.proc.kill()  # SIGKILL to our own `spanflow run`: no finally, no restore
    first.proc.wait(10)
    wait_until(lambda: not any(os.path.exists(f"/proc/{p}") for p in children), 10,
               what="children to die with their parent")
    assert "PROMISC" in link(sensor_ns, iface)[0]  # left configured by the crash
    second = sensor(allow=True)
    assert second.stop() == 0
    after, v6 = link(sensor_ns, iface)
    assert "PROMISC" not in after and "inet 192.0.2.8/24" in after and v6 == "0"


def test_fresh_namespace_without_loopback_is_refused(tmp_path):
    # Only a namespace whose lo was never up shows it: softflowd would die with
    # "Network is unreachable" forever. The fixtures bring lo up, so this builds its own.
    ns, iface = Netns("sfl", lo_up=False), unique("sfm")
    try:
        ip("-n", ns.name, "link", "add", iface, "type", "veth", "peer", "name", unique("sff"))
        code, err = refused(tmp_path, ns, iface)
        assert code == 1
        assert err == ("spanflow: the probe cannot reach the collector at 127.0.0.1:9995 "
                       "(Network is unreachable); bring loopback up (ip link set lo up)\n")
        assert "PROMISC" not in link(ns, iface)[0]
    finally:
        ns.delete()


def test_bad_rules_file_stops_run_before_the_nic_is_touched(tmp_path, sensor_ns, mirror_link):
    # the shipped rules plus one file with an unknown key: check-config and run both refuse it
    rules = tmp_path / "rules.d"
    shutil.copytree(os.path.join(ROOT, "configs", "rules.d"), rules)
    (rules / "90-local.toml").write_text("[port_scan]\nthreshhold = 5\n")
    config = sensor_config(tmp_path, mirror_link.mirror, extra=f'[detect]\nrules_dir = "{rules}"')
    check = subprocess.run(["/usr/bin/python3", "-m", "appliance", "check-config", "--config",
                            config], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert check.returncode == 78 and "90-local.toml" in check.stdout \
        and "threshhold" in check.stdout, check.stdout + check.stderr
    done = sensor_ns.run("/usr/bin/python3", "-m", "appliance", "run", "--config", config,
                         cwd=ROOT, check=False, timeout=60)
    assert done.returncode == 78 and "threshhold" in done.stderr, done.stderr
    shown, v6 = link(sensor_ns, mirror_link.mirror)
    assert "PROMISC" not in shown and v6 == "0"
    assert not os.path.exists(tmp_path / "run" / "mirror.json")  # nothing was applied
    assert not os.path.exists(tmp_path / "run" / "status.json")  # no component started

