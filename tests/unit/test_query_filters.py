"""Filter checks: option-like filters refused before nfdump, nfdump's reason for bad syntax."""


import pytest

from appliance.errors import FilterError
from appliance.query import filters
from support import tools

needs_nfdump = tools.needs("nfdump", package="nfdump")


@pytest.mark.parametrize("text", ["-r /etc/passwd", "  -Z", "-"])
def test_option_like_filters_are_refused(text):
    with pytest.raises(FilterError, match="starts with '-'"):
        filters.normalize(text)


def test_empty_means_any():
    assert filters.normalize("  ") == "any" and filters.normalize(None) == "any"


@needs_nfdump
@pytest.mark.parametrize("text,reason", [("port 22 and", "syntax error"),
                                         ("net 10.0.0.0/33", "Too many netbits"),
                                         ("port 999999", "Port outside of range")])
def test_bad_filter_carries_nfdumps_reason(text, reason):
    with pytest.raises(FilterError, match=reason):
        filters.check(text)


@needs_nfdump
def test_good_filter_passes():
    assert filters.check("proto udp and dst port 53") == "proto udp and dst port 53"
