"""Human units on the page: sizes, counts, rates (never milli-units), ages."""

import pytest

from appliance.web import human


@pytest.mark.parametrize("n,text", [(0, "0 B"), (713, "713 B"), (188416, "184 KiB"),
                                    (713680, "697 KiB"), (5 * 2**30, "5.00 GiB"), (None, "?")])
def test_size(n, text):
    assert human.size(n) == text


@pytest.mark.parametrize("n,unit,text", [(87500, "bit/s", "87.5 kbit/s"),
                                         (0.0875, "flows/s", "5.2 flows/min"),
                                         (12, "packets/s", "12 packets/s"),
                                         (2_500_000_000, "bit/s", "2.50 Gbit/s")])
def test_rate_never_uses_milli(n, unit, text):
    assert human.rate(n, unit) == text and "m" not in text.split()[0]


@pytest.mark.parametrize("s,text", [(51.897923, "52 s"), (60, "1 min"), (184, "3 min 4 s"),
                                    (7500, "2 h 5 min"), (3 * 86400 + 4 * 3600, "3 d 4 h")])
def test_age(s, text):
    assert human.age(s) == text


def test_count():
    assert (human.count(713), human.count(12345), human.count(7.5)) == ("713", "12.3 k", "7.50")
