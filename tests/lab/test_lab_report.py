"""The sent-vs-stored comparison (pure): it must catch every kind of loss."""

from lab import report


def pkt(kind, sport, nbytes, packets=1, dst="10.0.0.10"):
    return {"kind": kind, "proto": 17, "src": "10.0.0.11", "sport": sport, "dst": dst,
            "dport": 53, "packets": packets, "bytes": nbytes}


def key(sport, dst="10.0.0.10"):
    return (17, "10.0.0.11", sport, dst, 53)


LEDGER = [pkt("dns", 5353, 100), pkt("dns", 5353, 120), pkt("dns", 6000, 80)]


def test_exact_match_is_ok():
    stored = {key(5353): [2, 220, 1], key(6000): [1, 80, 1]}
    [row] = report.compare(LEDGER, stored, ["dns"])
    assert row.ok and row.sent == (2, 3, 300) and row.stored == (2, 3, 300)


def test_one_byte_short_is_a_mismatch():
    stored = {key(5353): [2, 219, 1], key(6000): [1, 80, 1]}
    assert not report.compare(LEDGER, stored, ["dns"])[0].ok


def test_missing_flow_is_a_mismatch_and_said():
    [row] = report.compare(LEDGER, {key(5353): [2, 220, 1]}, ["dns"])
    assert not row.ok and row.note == "1 flows missing"


def test_nothing_sent_is_a_mismatch():
    assert not report.compare([], {}, ["dns"])[0].ok


def session(ok=True):
    return {"kind": "ssh", "session": True, "src": "10.0.0.11", "dst": "10.0.0.10", "dport": 22,
            "ok": ok}


def test_session_needs_both_directions():
    forward = {(6, "10.0.0.11", 50000, "10.0.0.10", 22): [10, 900, 1]}
    back = {(6, "10.0.0.10", 22, "10.0.0.11", 50000): [8, 3000, 1]}
    assert report.compare([session()], {**forward, **back}, ["ssh"])[0].ok
    one_way = report.compare([session()], forward, ["ssh"])[0]
    assert not one_way.ok and "one-way" in one_way.note


def test_failed_session_is_a_mismatch():
    both = {(6, "10.0.0.11", 50000, "10.0.0.10", 22): [10, 900, 1],
            (6, "10.0.0.10", 22, "10.0.0.11", 50000): [8, 3000, 1]}
    assert not report.compare([session(ok=False)], both, ["ssh"])[0].ok


def test_render_lines_up_columns():
    rows = report.compare(LEDGER, {key(5353): [2, 220, 1], key(6000): [1, 80, 1]}, ["dns"])
    lines = report.render(rows).splitlines()
    assert lines[0].startswith("traffic") and "2/2" in lines[1] and lines[1].split()[5] == "ok"


def spread(kind, proto, dst, what, count, ok=True, dport=None):
    return {"kind": kind, "spread": what, "proto": proto, "src": "10.0.0.12", "dst": dst,
            "count": count, "dport": dport, "ok": ok}


def test_spread_counts_distinct_ports_and_hosts_of_the_tool():
    probes = {(6, "10.0.0.12", 41000, "10.0.0.10", p): [1, 44, 1] for p in range(1, 301)}
    [row] = report.compare([spread("port-scan", 6, "10.0.0.10", "ports", 300)], probes, ["port-scan"])
    assert row.ok and row.stored[0] == 300
    del probes[(6, "10.0.0.12", 41000, "10.0.0.10", 7)]
    [row] = report.compare([spread("port-scan", 6, "10.0.0.10", "ports", 300)], probes, ["port-scan"])
    assert not row.ok and row.note == "299 of 300 ports"
    echo = {(1, "10.0.0.12", 0, f"10.0.1.{i}", 8 * 256): [1, 28, 1] for i in range(256)}
    echo[(1, "10.0.0.12", 0, "10.0.2.1", 8 * 256)] = [1, 28, 1]  # another subnet: not counted
    [row] = report.compare([spread("host-sweep", 1, "10.0.1.0/24", "hosts", 250)], echo, ["host-sweep"])
    assert row.ok and row.stored[0] == 256
    [row] = report.compare([spread("host-sweep", 1, "10.0.1.0/24", "hosts", 250, ok=False)], echo,
                           ["host-sweep"])
    assert not row.ok and "the tool failed" in row.note


def test_seen_needs_every_daemon_talker():
    from lab import baseline
    stored = {}
    for what, _match in baseline.expectations()["netbios"]:
        host = what.split()[2]
        from lab.topo import host_ip
        stored[(17, host_ip(host), 137, "10.0.0.255", 137)] = [3, 300, 1]
    [row] = report.compare([], stored, ["netbios"])
    assert row.ok and row.stored[0] == 3
    del stored[(17, "10.0.0.11", 137, "10.0.0.255", 137)]
    [row] = report.compare([], stored, ["netbios"])
    assert not row.ok and row.note == "not seen: nmbd on ws1 to 10.0.0.255:137"


def test_every_baseline_and_scenario_kind_has_a_check():
    from lab.traffic.catalog import SCENARIOS
    assert set(report.BASELINE) | set(SCENARIOS) <= set(report.CHECKS)


def test_flood_allows_a_loss_of_one_percent_not_more():
    ledger = [{"kind": "volume-spike", "proto": 17, "src": "10.0.0.11", "sport": 41000,
               "dst": "10.0.0.10", "dport": 5001, "packets": 8000, "bytes": 8000 * 1228}]
    key = (17, "10.0.0.11", 41000, "10.0.0.10", 5001)
    [row] = report.compare(ledger, {key: [7979, 7979 * 1228, 1]}, ["volume-spike"])
    assert row.ok and row.note == "21 packets lost (0.3%)"
    [row] = report.compare(ledger, {key: [7900, 7900 * 1228, 1]}, ["volume-spike"])
    assert not row.ok
    [row] = report.compare(ledger, {key: [8001, 8001 * 1228, 1]}, ["volume-spike"])
    assert not row.ok, "more than was sent is a miscount, not a loss"


def test_two_sessions_on_one_reused_source_port_are_two_records():
    both = {(6, "10.0.0.11", 50000, "10.0.0.10", 22): [20, 1800, 2],
            (6, "10.0.0.10", 22, "10.0.0.11", 50000): [16, 6000, 2]}
    assert report.compare([session(), session()], both, ["ssh"])[0].ok
    assert not report.compare([session(), session(), session()], both, ["ssh"])[0].ok


def test_arp_sweep_must_store_no_ip_sweep():
    ledger = [spread("arp-sweep", 0, "10.0.0.0/24", "hosts", 10)]
    few = {(17, "10.0.0.12", 5353, "10.0.0.1", 53): [1, 80, 1]}
    [row] = report.compare(ledger, few, ["arp-sweep"])
    assert row.ok and row.stored[0] == 1
    swept = {(1, "10.0.0.12", 0, f"10.0.0.{i}", 2048): [1, 28, 1] for i in range(1, 255)}
    [row] = report.compare(ledger, swept, ["arp-sweep"])
    assert not row.ok and row.note == "254 hosts reached over IP (ARP only)"
