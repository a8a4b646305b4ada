"""The quiet-link fix: a lone UDP packet on a quiet mirror port becomes a stored flow.

Debian's softflowd 1.1.0 never hands over a lone packet on a quiet link (pitfalls.md); with
quiet_link_fix "off" the same packet must NOT be stored, so this test fails without the fix.
softflowd and nfcapd are driven directly in the test's namespace (nfcapd -t 2).
"""

import dataclasses
import json
import os
import random
import subprocess
import time

import pytest

from appliance.config.schema import Config, Probe, ProbeTimeouts
from appliance.paths import Paths
from appliance.probe import command, control, quietlink
from support.netns import python_in
from support.wait import wait_until

pytestmark = pytest.mark.root

UDP_TIMEOUT = 2
ROTATE = 2
DEADLINE = UDP_TIMEOUT + ROTATE + 3  # the bound: UDP timeout + one rotation + 3 s
DPORT = 5599

# One UDP datagram as a raw Ethernet frame: no scapy start-up on the clock.
SEND_ONE = r"""
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
payload = b"quiet-link" * 4
udp = struct.pack("!HHHH", 40001, int(sys.argv[2]), 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                 socket.inet_aton("10.99.0.1"), socket.inet_aton("10.99.0.2"))
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
frame = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00" + ip + udp
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((sys.argv[1], 0))
s.send(frame)
"""


def closed_flows(flowdir):
    """Return the UDP flows to DPORT stored in closed nfcapd files."""
    flows = []
    for name in sorted(os.listdir(flowdir)):
        if not name.startswith("nfcapd.") or name.startswith("nfcapd.current"):
            continue
        out = subprocess.run(["nfdump", "-r", os.path.join(flowdir, name), "-o", "json",
                              f"proto udp and dst port {DPORT}"], capture_output=True, text=True,
                             env={"TZ": "UTC", "PATH": "/usr/bin:/bin"}, check=True).stdout
        # nfdump 1.7.1 prints "[\nNo matching flows\n]" for an empty answer: not JSON.
        flows += json.loads(out.replace("No matching flows", "") or "[]")
    return flows


@pytest.fixture
def probe_rig(tmp_path, sensor_ns, injector_ns, mirror_link):
    """Start nfcapd and softflowd (in a given quiet-link mode) on a quiet mirror port."""
    sensor_ns.run("sysctl", "-qw", f"net.ipv6.conf.{mirror_link.mirror}.disable_ipv6=1")
    sensor_ns.run("ip", "link", "set", mirror_link.mirror, "up")
    procs = []

    def start(mode):
        port = random.randint(20000, 60000)
        cfg = Config(probe=Probe(quiet_link_fix=mode,
                                 timeouts=ProbeTimeouts(udp=UDP_TIMEOUT, expint=1)))
        cfg = dataclasses.replace(
            cfg, collector=dataclasses.replace(cfg.collector, listen=f"127.0.0.1:{port}"),
            storage=dataclasses.replace(cfg.storage, dir=str(tmp_path), runtime_dir=str(tmp_path)))
        paths = Paths.of(cfg)
        os.makedirs(paths.flows)
        log = open(tmp_path / "tools.log", "w")
        procs.append(sensor_ns.popen("nfcapd", "-w", paths.flows, "-b", "127.0.0.1", "-p", str(port),
                                     "-t", str(ROTATE), stdout=log, stderr=log))
        # Test this tree's build (./tasks test builds it), not an installed package's.
        library = quietlink.REPO_BUILD if os.path.exists(quietlink.REPO_BUILD) else None
        argv, env = command.softflowd_command(cfg, paths, mirror_link.mirror, library=library)
        procs.append(sensor_ns.popen(*argv, env={**os.environ, **env}, stdout=log, stderr=log))
        wait_until(lambda: os.path.exists(paths.softflowd_ctl), 10, what="softflowd control socket")
        return paths

    yield start
    for proc in reversed(procs):
        proc.terminate()
        proc.wait(timeout=10)


def send_lone_packet(injector_ns, mirror_link):
    python_in(injector_ns, SEND_ONE, mirror_link.feed, str(DPORT))
    return time.monotonic()


@pytest.mark.parametrize("mode", ["timeout", "immediate"])
def test_lone_udp_packet_is_stored_with_the_fix(probe_rig, injector_ns, mirror_link, mode):
    paths = probe_rig(mode)
    sent = send_lone_packet(injector_ns, mirror_link)
    flows = wait_until(lambda: closed_flows(paths.flows), DEADLINE, interval=0.2,
                       what=f"the lone packet's flow ({mode})")
    print(f"{mode}: lone packet stored after {time.monotonic() - sent:.2f}s")
    assert len(flows) == 1
    assert (flows[0]["src4_addr"], flows[0]["dst4_addr"]) == ("10.99.0.1", "10.99.0.2")
    assert (flows[0]["in_packets"], flows[0]["in_bytes"]) == (1, 68)


def test_lone_udp_packet_is_lost_without_the_fix(probe_rig, injector_ns, mirror_link):
    paths = probe_rig("off")
    send_lone_packet(injector_ns, mirror_link)
    # The packet reached libpcap (so the test can tell the difference) ...
    wait_until(lambda: control.statistics(paths).get("pcap_received"), DEADLINE,
               what="libpcap to count the packet")
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        assert closed_flows(paths.flows) == [], "bare softflowd stored the flow: is the bug gone?"
        time.sleep(0.5)  # polling for an absence over the whole deadline; nothing to wait on
    # ... but softflowd never processed it: the ring block was never handed over.
    assert control.statistics(paths)["packets_processed"] == 0
