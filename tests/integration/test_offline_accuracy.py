"""softflowd -r of a generated capture into nfcapd, with spanflow's settings, against ground truth.

No root needed: nfcapd binds a free loopback port. What is checked is what docs/accuracy.md claims.
"""

import dataclasses
import ipaddress
import os
import struct
import sys
from datetime import datetime

import pytest

from appliance.collector import replay
from appliance.config.schema import Config
from appliance.paths import Paths
from appliance.query import flows, nfdump, records

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
import offline_capture  # noqa: E402
from support import tools  # noqa: E402

pytestmark = tools.needs("/usr/sbin/softflowd", "/usr/bin/nfcapd", "/usr/bin/nfdump",
                        package="softflowd nfdump")


def ts(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def import_pcap(tmp, pcap):
    """Import pcap into a store under tmp with the shipped settings; return its Paths."""
    cfg = Config()
    cfg = dataclasses.replace(cfg, storage=dataclasses.replace(
        cfg.storage, dir=str(tmp / "data"), runtime_dir=str(tmp / "run")))
    paths = Paths.of(cfg)
    replay.import_capture(cfg, paths, pcap, timeout=120)
    return paths


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("offline")
    pcap = str(tmp / "capture.pcap")
    truth = offline_capture.write(pcap, seed=7, conversations=3000, span=30.0)
    return truth, import_pcap(tmp, pcap)


@pytest.fixture(scope="module")
def stored(imported):
    truth, paths = imported
    rows = records.rows(nfdump.run(["-R", paths.flows, "-o", "json"], timeout=120))
    got = {}
    for r in rows:
        got.setdefault((r["src"], r["dst"], r["proto"], r["sport"], r["dport"]), []).append(r)
    return truth, got, rows


def test_every_flow_is_stored_once_with_exact_packets_and_bytes(stored):
    truth, got, rows = stored
    assert set(got) == set(truth)
    wrong = {k: (t[:2], [(r["packets"], r["bytes"]) for r in got[k]])
             for k, t in truth.items()
             if (sum(r["packets"] for r in got[k]), sum(r["bytes"] for r in got[k])) != tuple(t[:2])}
    assert not wrong, list(wrong.items())[:5]
    assert len(rows) == len(truth)


def test_ipv6_and_icmp_types_are_kept(stored):
    truth, got, _ = stored
    kinds = {(k[2], ":" in k[0]) for k in got}
    assert {(6, True), (17, True), (58, True), (1, False), (6, False), (17, False)} <= kinds
    for k in got:
        if k[2] in (1, 58):
            assert got[k][0]["icmp_type"] * 256 + got[k][0]["icmp_code"] == k[4]
            assert got[k][0]["icmp_type"] in (0, 8, 128, 129)


def test_times_are_the_conversations_to_the_millisecond(stored):
    truth, got, _ = stored
    for k, (_, _, first, last) in truth.items():
        if k[2] not in (1, 58):  # softflowd keeps one biflow per TCP/UDP conversation
            back = truth.get((k[1], k[0], k[2], k[4], k[3]))
            if back:
                first, last = min(first, back[2]), max(last, back[3])
        r = got[k][0]
        assert ts(r["first"]) <= ts(r["last"])
        assert abs(ts(r["first"]) - first) < 0.0015, (k, r, first)
        assert abs(ts(r["last"]) - last) < 0.0015, (k, r, last)


def test_search_rows_equal_json_rows(imported):
    # The search reads -o fmt (query/lines.py) for speed; it must give what -o json gives.
    _, paths = imported
    from_json = records.rows(nfdump.run(["-R", paths.flows, "-o", "json"], timeout=120))
    res = flows.search(paths, "any", limit=100_000)
    assert len(res.rows) == len(from_json) > 3000 and not res.truncated
    assert {r.pop("exporter") for r in res.rows} == {"probe"}  # the search says each row's source
    assert sorted(res.rows, key=repr) == sorted(from_json, key=repr)


def test_long_ipv6_addresses_come_back_whole(tmp_path):
    # nfdump condenses IPv6 addresses wider than 16 columns in fmt output unless given -6.
    src = ipaddress.IPv6Address("2001:db8:1234:5678:9abc:def0:1234:5678")
    dst = ipaddress.IPv6Address("2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa")
    pcap = tmp_path / "v6.pcap"
    with open(pcap, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for n, (proto, a, b) in enumerate(((17, 4000, 53), (58, 128, 0))):
            frame = offline_capture.ip6(src, dst, proto, offline_capture.l4(proto, a, b, 20))
            f.write(struct.pack("<IIII", 1_700_000_000 + n, 0, len(frame), len(frame)) + frame)
    paths = import_pcap(tmp_path, str(pcap))
    rows = flows.search(paths, "any").rows
    assert {r.pop("exporter") for r in rows} == {"probe"}
    assert {(r["src"], r["dst"], r["proto"], r["dport"]) for r in rows} == \
        {(str(src), str(dst), 17, 53), (str(src), str(dst), 58, 128 * 256)}
    assert rows == records.rows(nfdump.run(["-R", paths.flows, "-o", "json"], timeout=30))
