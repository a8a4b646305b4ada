"""Malformed NetFlow/IPFIX at the collector of `spanflow run` on the shipped config: counted,
shown (status, page, /metrics), alerted once, and nfcapd's per-datagram lines summarised."""

import sqlite3

import pytest

from appliance.config import load
from appliance.paths import Paths
from support.netns import MirrorLink, Netns, python_in
from support.sensor import SpanflowRun, shipped_config
from support.wait import wait_until

pytestmark = pytest.mark.root
BAD = 300  # datagrams of each kind
# Three kinds, as an attacker or a broken exporter sends them: too short for any header
# (nfcapd counts a bad packet), IPFIX with impossible set lengths (a log line each), and v5
# records whose sequence numbers jump (nfcapd counts sequence errors).
JUNK = r"""
import os, socket, struct, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
to, n, now = ("127.0.0.1", int(sys.argv[1])), int(sys.argv[2]), int(time.time())
rec = struct.pack("!4s4s4sHHIIIIHHBBBBHHBBH", bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]),
                  bytes(4), 0, 0, 1, 60, 500, 900, 1234, 80, 0, 0, 6, 0, 0, 0, 0, 0, 0)
for i in range(n):
    s.sendto(os.urandom(1 + i % 3), to)
    s.sendto(struct.pack("!HHIII", 10, 40, now, i * 7, 1) + os.urandom(24), to)
    s.sendto(struct.pack("!HHIIIIBBH", 5, 1, 1000, now, 0, i * 10, 0, 0, 0) + rec, to)
    time.sleep(0.001)
"""
# nfcapd prints its counts at rotation: the shipped 60 s plus a loaded machine's margin
ROTATION_DEADLINE = 60 + 60


def test_malformed_datagrams_are_counted_shown_and_alerted(tmp_path):
    made = [Netns("sfh"), Netns("sfj")]
    link = MirrorLink(*made)
    config = shipped_config(tmp_path, link.mirror)
    run = SpanflowRun(made[0], config)
    try:
        run.wait_running("collector")
        port = load([config]).collector.listen.rsplit(":", 1)[1]
        python_in(made[0], JUNK, port, str(BAD), timeout=120)

        def counted():
            h = (run.status().get("collector") or {}).get("health") or {}
            return h if h.get("bad_packets", 0) >= BAD else None
        health = wait_until(counted, ROTATION_DEADLINE, what="nfcapd's counts in the status")
        assert health["bad_packets"] == BAD and health["sequence_errors"] >= BAD - 1, health
        # the per-datagram lines (BAD of each kind) reach our log as a few lines, not 600
        lines = [ln for ln in run.output().splitlines() if "nfcapd:" in ln]
        assert 1 <= len(lines) < 20, lines[:30]
        assert health["log_lines_summarised"] >= BAD

        paths = Paths.of(load([config]))

        def alerted():
            con = sqlite3.connect(paths.database)
            try:
                return con.execute("SELECT count(*) FROM alert_alerts WHERE rule = "
                                   "'collector_health'").fetchone()[0]
            except sqlite3.OperationalError:
                return 0
            finally:
                con.close()
        assert wait_until(alerted, 30, what="the collector_health alert") == 1

        from appliance.web.app import create_app
        client = create_app(load([config]), paths, {"TESTING": True}).test_client()
        # the counts come from nfcapd's output at once, the store's reading up to 10 s later: until
        # it sees the first file the collector row says "no flow file written yet" instead
        def shown():
            page = client.get("/").get_data(as_text=True)
            return f"{BAD} bad packets" in page
        wait_until(shown, 30, what="the bad packets on the dashboard")
        metrics = client.get("/metrics").get_data(as_text=True)
        assert f"spanflow_collector_health_bad_packets {BAD}" in metrics
    finally:
        run.close()
        for ns in reversed(made):
            ns.delete()
