"""The lab's SPAN session broken as switches break it, and the sensor's verdict on each.

`spanflow-lab run --mirror-fault F` mirrors rx and tx of every port (doubled), only the server's
received traffic (one-way) or leaves the router's port out (partial); a clean run must say
healthy. The ARP sweep (nmap -sn of the office's own subnet) sends no IP packet: only the ARP
census can raise it. The inventory names the lab's hosts from their own daemons' announcements.
"""

import os
import sqlite3

import pytest

from labrun import lab
from lab import topo

pytestmark = pytest.mark.lab
DURATION = "45"  # seconds of traffic: enough sessions for a verdict (>= 20 conversations)


def run(*args):
    result = lab("run", "--duration", DURATION, "--json", *args, timeout=420)
    assert result.report is not None, result.err[-3000:]
    return result


@pytest.mark.parametrize("fault, words", [
    ("doubled", "counts are doubled"),
    ("one-way", "seen in one direction only"),
    ("partial", topo.BRANCH_SUBNET),
])
def test_each_broken_mirror_gets_its_verdict(fault, words):
    result = run("--mirror-fault", fault)
    try:
        mirror = result.report["mirror"]
        assert mirror["fault"] == fault and mirror["ok"], mirror
        assert words in " ".join(mirror["summary"]), mirror["summary"]
        assert result.rc == 0, result.err[-2000:]
    finally:
        result.remove()


def test_a_clean_mirror_is_healthy_names_hosts_and_alerts_the_arp_sweep():
    result = run("--scenario", "arp-sweep")
    try:
        assert result.rc == 0, result.err[-2000:]
        assert result.report["mirror"]["ok"], result.report["mirror"]
        sweep = [a for a in result.report["alerts"] if a["scenario"] == "arp-sweep"]
        assert sweep and sweep[0]["result"] == "ok", result.report["alerts"]
        assert result.report["unexpected_alerts"] == []
        database = os.path.join("/var/lib/spanflow-lab", result.run_id, "spanflow.sqlite")
        con = sqlite3.connect(database)
        names = dict(con.execute("SELECT ip, name FROM span_hosts WHERE name IS NOT NULL"))
        con.close()
        # avahi announces each host's own name; nmbd its NetBIOS name in upper case
        assert names.get(topo.HOSTS["prn"]) == "prn", names
        assert names.get(topo.HOSTS["srv"]) in ("srv", "SRV"), names
    finally:
        result.remove()


def test_a_mirror_fault_needs_the_linux_bridge():
    result = lab("run", "--switch", "ovs", "--mirror-fault", "doubled", "--duration", "5")
    assert result.rc == 2 and "--mirror-fault needs the Linux bridge" in result.err
