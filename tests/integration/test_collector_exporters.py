"""nfcapd with allowed_exporters: real IPFIX from softflowd, replayed from allowed and other addresses.

No root: loopback addresses 127.0.0.2/3 and free ports. Only the processes started here are ended.
"""

import dataclasses
import os
import signal
import socket
import subprocess

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
