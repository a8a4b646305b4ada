"""nfdump -o fmt rows (the search's format) equal -o json rows of the same real stored flows."""

import pytest

from appliance.errors import ToolError
from appliance.query import lines, nfdump, records
from support import tools

needs_nfdump = tools.needs("nfdump", package="nfdump")
# A bare line as nfdump 1.7.1 prints it with lines.ARGS (padding and all), first after last.
BACKWARDS = ("2023-11-14 22:13:21.700|2023-11-14 22:13:20.100|          -1.600|6    |"
             "                               10.0.0.1| 40000|                               "
             "10.0.0.2|    22|     0|     0|       2|     180")


@needs_nfdump
def test_fmt_rows_equal_json_rows_on_the_stored_fixture(fixture_path):
    store = fixture_path("nfdump", "store")
    from_json = records.rows(nfdump.run(["-R", store, "-o", "json"], 30))
    from_fmt = lines.rows(nfdump.run(["-R", store, *lines.ARGS], 30))
    assert len(from_fmt) == 7
    assert from_fmt == from_json  # every key, ICMP/ICMPv6 type and code, IPv6 addresses
    assert {r["proto"] for r in from_fmt} == {1, 6, 17, 58}


@needs_nfdump
def test_no_match_is_empty(fixture_path):
    out = nfdump.run(["-R", fixture_path("nfdump", "store"), *lines.ARGS, "port 9999"], 30)
    assert lines.rows(out) == []


def test_backwards_flow_is_corrected_like_records():
    r = lines.row(BACKWARDS)
    assert (r["first"], r["last"], r["duration"]) == \
        ("2023-11-14T22:13:20.100Z", "2023-11-14T22:13:20.100Z", 0.0)
    assert (r["sport"], r["dport"], r["packets"], r["bytes"]) == (40000, 22, 2, 180)


def test_garbage_is_a_tool_error():
    with pytest.raises(ToolError, match="cannot parse nfdump's fmt output"):
        lines.rows("2023-11-14 22:13:21.700|only|three\n")
