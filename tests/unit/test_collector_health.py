"""nfcapd's own output (recorded from Debian's nfcapd 1.7.1 fed malformed datagrams) read back."""

import io
import logging
import os

from appliance.collector import health

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "nfcapd",
                       "malformed-stderr-1.7.1.txt")


def feed_fixture(reader):
    with open(FIXTURE) as f:
        reader.follow(io.StringIO(f.read()))


def test_counts_come_from_the_rotation_summaries():
    reader = health.NfcapdLog(clock=lambda: 0.0, logger=logging.getLogger("quiet"))
    feed_fixture(reader)
    s = reader.status()
    assert (s["bad_packets"], s["sequence_errors"], s["intervals"]) == (60, 59, 5)
    with open(FIXTURE) as f:  # every non-empty line of nfcapd's output was read
        assert s["log_lines"] == sum(1 for line in f if line.strip())
    jumped = reader.jumps()
    assert [(c["bad_packets"], c["sequence_errors"]) for c in jumped] == [(60, 59)]
    assert reader.jumps() == []  # each rotation is judged once


def test_per_datagram_lines_are_summarised_not_repeated(caplog):
    now = [0.0]
    reader = health.NfcapdLog(clock=lambda: now[0], every=60)
    with caplog.at_level(logging.WARNING, logger=health.log.name):
        feed_fixture(reader)
        first = len(caplog.records)
        assert first < 15, [r.getMessage() for r in caplog.records]  # one per kind, not per line
        assert reader.status()["log_lines_summarised"] >= 100
        now[0] = 61
        reader.tick()
    summaries = [r.getMessage() for r in caplog.records[first:]]
    assert any("more lines like" in m and "too little data" in m for m in summaries), summaries
    assert len(summaries) <= 3


def test_a_jump_is_a_collector_health_finding():
    f = health.finding({"bad_packets": 60, "sequence_errors": 59})
    assert f.rule == health.RULE and f.key == "nfcapd" and "60 bad packets" in f.summary


def test_kinds_stay_bounded():
    reader = health.NfcapdLog(clock=lambda: 0.0, logger=logging.getLogger("quiet"))
    for i in range(500):
        reader.feed(f"Process_v9: oddity {'x' * (i % 300)}\n")
    assert len(reader._kinds) <= health.MAX_KINDS


def test_the_probes_own_sequence_errors_raise_nothing_a_routers_do():
    # the first line as nfcapd printed it in a lab run with nothing lost: softflowd 1.1.0's IPFIX
    # sequence numbers disagree with nfcapd's count every few intervals
    reader = health.NfcapdLog(clock=lambda: 0.0, logger=logging.getLogger("quiet"))
    for line in ("Ident: 'spanflow' Flows: 398, Packets: 2226, Bytes: 1733381, "
                 "Sequence Errors: 14, Bad Packets: 0",
                 "Ident: 'probe' Flows: 10, Packets: 20, Bytes: 2000, Sequence Errors: 30, "
                 "Bad Packets: 0",
                 "Ident: 'exporter1' Flows: 10, Packets: 20, Bytes: 2000, Sequence Errors: 12, "
                 "Bad Packets: 0",
                 "Ident: 'spanflow' Flows: 1, Packets: 1, Bytes: 60, Sequence Errors: 0, "
                 "Bad Packets: 11"):
        reader.feed(line + "\n")
    assert [(c["ident"], c["sequence_errors"], c["bad_packets"]) for c in reader.jumps()] == \
        [("exporter1", 12, 0), ("spanflow", 0, 11)]
    assert reader.status()["sequence_errors"] == 56  # still counted and shown, only not alerted
