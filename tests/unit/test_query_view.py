"""User times and the table/CSV renderings of flow rows."""

from datetime import datetime, timezone

import pytest

from appliance.errors import SpanflowError
from appliance.query import view

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
ROWS = [{"first": "2026-11-27T11:00:00.000Z", "last": "2026-11-27T11:00:01.500Z", "duration": 1.5,
         "proto": 6, "proto_name": "tcp", "src": "fd00::1", "sport": 40000, "dst": "10.0.0.2",
         "dport": 22, "packets": 3, "bytes": 180},
        {"first": "2026-11-27T11:00:02.000Z", "last": "2026-11-27T11:00:02.000Z", "duration": 0.0,
         "proto": 1, "proto_name": "icmp", "src": "10.0.0.1", "sport": 0, "dst": "10.0.0.2",
         "dport": 2048, "icmp_type": 8, "icmp_code": 0, "packets": 1, "bytes": 28}]


@pytest.mark.parametrize("text,want", [
    ("2h", datetime(2026, 11, 27, 10, 0, tzinfo=timezone.utc)),
    ("2026-11-27T10:30", datetime(2026, 11, 27, 10, 30, tzinfo=timezone.utc)),
    ("2026-11-27T10:30:00Z", datetime(2026, 11, 27, 10, 30, tzinfo=timezone.utc)),
    ("2026-11-27T11:30:00+01:00", datetime(2026, 11, 27, 10, 30, tzinfo=timezone.utc)),
])
def test_parse_time(text, want):
    assert view.parse_time(text, NOW) == want


def test_bad_time_names_the_forms():
    with pytest.raises(SpanflowError, match="ISO-8601 UTC .* 90d"):
        view.parse_time("yesterday", NOW)


def test_table_brackets_ipv6_ports_and_names_icmp():
    lines = view.table(ROWS).splitlines()
    assert lines[0].startswith("first (UTC)")
    assert "[fd00::1]:40000" in lines[1] and "10.0.0.2:22" in lines[1]
    assert "icmp 8/0" in lines[2] and "10.0.0.2:" not in lines[2]


def test_csv_has_header_and_empty_icmp_cells_for_tcp():
    lines = view.as_csv(ROWS).splitlines()
    assert lines[0] == ",".join(view.COLUMNS)
    assert lines[1].split(",")[9:11] == ["", ""] and lines[2].split(",")[9:11] == ["8", "0"]
