"""Query parameter checks: periods, custom ranges in the page's zone, numbers."""

from datetime import datetime, timedelta, timezone

import pytest

from appliance.web import inputs

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=timezone.utc)
UTC = inputs.zone("UTC")
MADRID = inputs.zone("Europe/Madrid")


@pytest.mark.parametrize("period,span", [("1h", timedelta(hours=1)), ("1d", timedelta(days=1)),
                                         ("1y", timedelta(days=365)), ("2h", timedelta(hours=2)),
                                         ("1m", timedelta(minutes=1)),  # as in the CLI
                                         ("31d", timedelta(days=31))])
def test_period_sets_window_ending_now(period, span):
    start, end, label = inputs.window({"period": period}, UTC, NOW)
    assert (end, end - start, label) == (NOW, span, period)


def test_custom_range_is_read_in_page_zone():
    start, end, label = inputs.window({"start": "2026-07-01 10:00", "end": "2026-07-01 12:30"},
                                      MADRID, NOW)
    assert label == "custom"
    assert start == datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)  # CEST is UTC+2
    assert end == datetime(2026, 7, 1, 10, 30, tzinfo=timezone.utc)


@pytest.mark.parametrize("args,words", [
    ({"period": "2x"}, "not a duration"),
    ({"period": "x" * 10000}, "not a duration"),
    ({"period": "3y"}, "reaches back past"),
    ({"start": "yesterday"}, "not a date"),
    ({"start": "2026-13-01"}, "not a date"),
    ({"start": "2026-01-01; rm -rf /"}, "not a date"),
    ({"start": "2026-01-02", "end": "2026-01-01"}, "before end"),
    ({"start": "2020-01-01", "end": "2026-01-01"}, "longer than 2 years"),
])
def test_bad_windows_are_refused_with_reason(args, words):
    with pytest.raises(inputs.BadInput, match=words):
        inputs.window(args, UTC, NOW)


def test_integer_bounds():
    assert inputs.integer({}, "n", 10, 1, 100) == 10
    assert inputs.integer({"n": "42"}, "n", 10, 1, 100) == 42
    for bad in ("0", "101", "-1", "1e3", "9" * 100):
        with pytest.raises(inputs.BadInput):
            inputs.integer({"n": bad}, "n", 10, 1, 100)


def test_unknown_zone_is_refused():
    with pytest.raises(inputs.BadInput, match="time zone"):
        inputs.zone("Mars/Olympus")
    with pytest.raises(inputs.BadInput, match="time zone"):
        inputs.zone("../../etc/passwd")
