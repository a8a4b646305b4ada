"""Crafted packets are deterministic with a seed and have the sizes the ledger records."""

import random
import threading

import pytest
from support.tools import IN_CI

try:
    import scapy  # noqa: F401
except ImportError:
    if IN_CI:  # CI installs python3-scapy (scripts/debian-packages.txt): missing is a failure
        raise
    pytest.skip("needs scapy (apt-get install python3-scapy)", allow_module_level=True)

from lab.traffic import dns, mdns, netbios  # noqa: E402


class Ctx:
    def __init__(self, seed, host="ws1"):
        self.host, self.ip, self.mac = host, "10.0.0.11", "00:00:00:00:00:05"
        self.rng = random.Random(f"{seed}:{host}:x")
        self.stop = threading.Event()


@pytest.mark.parametrize("build", [mdns.query, mdns.announcement, netbios.name_query,
                                   netbios.announcement])
def test_same_seed_same_bytes_other_seed_other_bytes(build):
    a = [bytes(build(Ctx(7))) for _ in range(1)] + [bytes(build(Ctx(7)))]
    assert a[0] == a[1]
    others = {bytes(build(Ctx(s))) for s in range(8, 30)}
    assert len(others) > 1 or build is mdns.announcement


def test_dns_answer_is_a_pure_function_of_the_query():
    q = dns.query_bytes(1234, "wiki.office.lab")
    assert dns.answer_bytes(q) == dns.answer_bytes(q)
    tunnel = dns.answer_bytes(dns.query_bytes(1, f"abc.0.{dns.TUNNEL_ZONE}", "TXT"))
    assert 600 < len(tunnel) < 1400, "TXT answers must be large but never IP-fragmented"
    assert dns.kind_of(f"abc.0.{dns.TUNNEL_ZONE}.") == "dns-tunnel"
    assert dns.kind_of("wiki.office.lab.") == "dns"
