"""The test tiers' waiting helpers: a deadline, and an absence held for a whole window."""

import pytest

from support.wait import stays_false, wait_until


def test_wait_until_returns_the_value_or_times_out():
    seen = iter([0, None, "ready"])
    assert wait_until(lambda: next(seen), 5, interval=0.01) == "ready"
    with pytest.raises(AssertionError, match="timed out after 0.05s waiting for nothing"):
        wait_until(lambda: None, 0.05, interval=0.01, what="nothing")


def test_stays_false_fails_as_soon_as_it_happens():
    seen = iter([0, [], "x"])
    with pytest.raises(AssertionError, match="thing happened: 'x'"):
        stays_false(lambda: next(seen), 5, interval=0.01, what="thing")


def test_stays_false_holds_for_the_window():
    stays_false(lambda: [], 0.05, interval=0.01)
