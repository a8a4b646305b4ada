"""The crafted DNS (the baseline's exact check) is deterministic and sized as the ledger says."""

import pytest
from support.tools import IN_CI

try:
    import scapy  # noqa: F401
except ImportError:
    if IN_CI:  # CI installs python3-scapy (scripts/debian-packages.txt): missing is a failure
        raise
    pytest.skip("needs scapy (apt-get install python3-scapy)", allow_module_level=True)

from lab.traffic import dns  # noqa: E402


def test_dns_answer_is_a_pure_function_of_the_query():
    q = dns.query_bytes(1234, "wiki.office.lab")
    assert dns.answer_bytes(q) == dns.answer_bytes(q)
    assert dns.answer_bytes(q) != dns.answer_bytes(dns.query_bytes(1234, "mail.office.lab"))
    # the ledger records 28 + payload bytes: answers stay one unfragmented datagram
    assert 40 < len(dns.answer_bytes(q)) < 1400
