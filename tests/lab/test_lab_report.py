"""The sent-vs-stored comparison (pure): it must catch every kind of loss."""

from lab import report


def pkt(kind, sport, nbytes, packets=1, dst="224.0.0.251"):
    return {"kind": kind, "proto": 17, "src": "10.0.0.11", "sport": sport, "dst": dst,
            "dport": 5353, "packets": packets, "bytes": nbytes}


def key(sport, dst="224.0.0.251"):
    return (17, "10.0.0.11", sport, dst, 5353)


LEDGER = [pkt("mdns", 5353, 100), pkt("mdns", 5353, 120), pkt("mdns", 6000, 80)]


def test_exact_match_is_ok():
    stored = {key(5353): [2, 220, 1], key(6000): [1, 80, 1]}
    [row] = report.compare(LEDGER, stored, ["mdns"])
    assert row.ok and row.sent == (2, 3, 300) and row.stored == (2, 3, 300)


def test_one_byte_short_is_a_mismatch():
    stored = {key(5353): [2, 219, 1], key(6000): [1, 80, 1]}
    assert not report.compare(LEDGER, stored, ["mdns"])[0].ok


def test_missing_flow_is_a_mismatch_and_said():
    [row] = report.compare(LEDGER, {key(5353): [2, 220, 1]}, ["mdns"])
    assert not row.ok and row.note == "1 flows missing"


def test_nothing_sent_is_a_mismatch():
    assert not report.compare([], {}, ["mdns"])[0].ok


def test_found_check_allows_extra_packets_on_the_same_flow():
    ledger = [dict(pkt("port-scan", 40000, 40), proto=6)]
    stored = {(6, "10.0.0.11", 40000, "224.0.0.251", 5353): [2, 80, 1]}
    assert report.compare(ledger, stored, ["port-scan"])[0].ok


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
    rows = report.compare(LEDGER, {key(5353): [2, 220, 1], key(6000): [1, 80, 1]}, ["mdns"])
    lines = report.render(rows).splitlines()
    assert lines[0].startswith("traffic") and "2/2" in lines[1] and lines[1].split()[5] == "ok"
