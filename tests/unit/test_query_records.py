"""Parse real nfdump 1.7.1 JSON (softflowd v10 and v9 exports of tests/fixtures/nfdump/small.pcap)."""

import json
from datetime import datetime, timezone

import pytest

from appliance.errors import ToolError
from appliance.query import records


def load(fixture_path, name):
    with open(fixture_path("nfdump", name)) as f:
        return f.read()


def by_key(rows):
    return {(r["src"], r["dst"], r["proto"], r["sport"], r["dport"]): r for r in rows}


def test_v10_rows_match_the_capture(fixture_path):
    rows = by_key(records.rows(load(fixture_path, "small-v10.json")))
    assert len(rows) == 7
    ssh = rows[("10.0.0.1", "10.0.0.2", 6, 40000, 22)]
    assert (ssh["packets"], ssh["bytes"], ssh["proto_name"]) == (2, 180, "tcp")
    assert ssh["first"] == "2023-11-14T22:13:20.100Z" and ssh["last"] == "2023-11-14T22:13:20.700Z"
    assert ssh["duration"] == 0.6
    dns = rows[("10.0.0.1", "10.0.0.9", 17, 5353, 53)]
    assert (dns["packets"], dns["bytes"]) == (1, 68)
    echo6 = rows[("fd00::1", "fd00::2", 58, 0, 128 * 256)]
    assert (echo6["icmp_type"], echo6["icmp_code"], echo6["proto_name"]) == (128, 0, "icmp6")
    reply = rows[("10.0.0.2", "10.0.0.1", 1, 0, 0)]
    assert (reply["icmp_type"], reply["icmp_code"]) == (0, 0)
    assert ("fd00::1", "fd00::2", 17, 1234, 5678) in rows


def test_v9_loses_icmpv6_type(fixture_path):
    # The reason the default export version is IPFIX (docs/accuracy.md).
    rows = records.rows(load(fixture_path, "small-v9.json"))
    echo6 = [r for r in rows if r["proto"] == 58]
    assert [r["icmp_type"] for r in echo6] == [0]


def test_rows_are_json_with_numbers(fixture_path):
    rows = records.rows(load(fixture_path, "small-v10.json"))
    back = json.loads(json.dumps(rows))
    assert all(isinstance(r[k], int) for r in back for k in ("proto", "sport", "dport", "packets", "bytes"))


def test_no_match_output_is_empty(fixture_path):
    assert records.rows(load(fixture_path, "no-match.json")) == []


def test_garbage_is_a_tool_error():
    with pytest.raises(ToolError, match="cannot parse nfdump's JSON"):
        records.parse_json("[\n{ broken")


def test_flow_never_ends_before_it_starts():
    t1 = datetime(2026, 1, 1, 0, 0, 5, tzinfo=timezone.utc)
    t0 = datetime(2026, 1, 1, 0, 0, 1, tzinfo=timezone.utc)
    assert records.correct(t1, t0) == (t0, t0)
    assert records.correct(t0, t1) == (t0, t1)

