"""nfdump filters to the cluster's SQL: what translates, and what is refused by name."""

import pytest

from appliance.errors import FilterError
from appliance.fleet import sqlfilter

V4 = "00000000000000000000ffff"
CASES = [
    ("", "1"),
    ("any", "1"),
    ("proto tcp and port 22", "((proto = 6) AND ((sport = 22) OR (dport = 22)))"),
    ("PROTO UDP", "(proto = 17)"),
    ("proto 47", "(proto = 47)"),
    ("src port 53", "(sport = 53)"),
    ("dst port > 1023", "(dport > 1023)"),
    ("port ge 1024", "((sport >= 1024) OR (dport >= 1024))"),
    ("src or dst port 53", "((sport = 53) OR (dport = 53))"),
    ("src and dst port 53", "((sport = 53) AND (dport = 53))"),
    ("port in [137 138 139]", "((sport IN (137, 138, 139)) OR (dport IN (137, 138, 139)))"),
    ("src host 10.1.0.10", f"(src_ip IN (unhex('{V4}0a01000a')))"),
    ("dst ip 2001:db8::1", "(dst_ip IN (unhex('20010db8000000000000000000000001')))"),
    ("host in [10.0.0.1, 10.0.0.2]",
     f"((src_ip IN (unhex('{V4}0a000001'), unhex('{V4}0a000002'))) OR "
     f"(dst_ip IN (unhex('{V4}0a000001'), unhex('{V4}0a000002'))))"),
    ("src net 10.1.0.0/16",
     f"(src_ip >= unhex('{V4}0a010000') AND src_ip <= unhex('{V4}0a01ffff'))"),
    ("dst net 10.0.0.0 255.0.0.0",
     f"(dst_ip >= unhex('{V4}0a000000') AND dst_ip <= unhex('{V4}0affffff'))"),
    ("bytes > 1k", "(bytes > 1000)"),
    ("packets < 10 or duration > 2000", "((packets < 10) OR (duration * 1000 > 2000))"),
    ("not port 22", "NOT ((sport = 22) OR (dport = 22))"),
    ("! (proto tcp || proto udp) && inet6",
     "(NOT ((proto = 6) OR (proto = 17)) AND (position(src, ':') > 0))"),
    ("proto icmp and icmp-type 8", "((proto = 1) AND (proto IN (1, 58) AND icmp_type = 8))"),
]
REFUSED = [
    ("flags S", "'flags' has no column there"),
    ("proto tcp and src as 64512", "'as' has no column there"),
    ("in if 3", "'in' has no column there"),
    ("vlan 10", "'vlan' has no column there"),
    ("src host printer.local", "is not an IP address"),
    ("port 70000", "outside 0-65535"),
    ("port 22 and", "ends too early"),
    ("(port 22", "ends too early"),
    ("port 22)", "unexpected ')'"),
    ("proto nosuch", "unknown protocol"),
    ("net 10.1.0.0/33", "is not a network"),
]


@pytest.mark.parametrize("text,sql", CASES)
def test_translates(text, sql):
    assert sqlfilter.translate(text) == sql


@pytest.mark.parametrize("text,why", REFUSED)
def test_refuses_with_the_reason(text, why):
    with pytest.raises(FilterError) as err:
        sqlfilter.translate(text)
    message = str(err.value)
    assert why in message and repr(text) in message and "\n" not in message


def test_no_user_text_reaches_sql():
    # a quote in a would-be address is refused, never pasted into the statement
    with pytest.raises(FilterError):
        sqlfilter.translate("host 10.0.0.1') OR 1=1 --")
