"""What `spanflow-lab check` takes as the truth, from flow rows; and the scoring of answers."""

from datetime import datetime, timezone

from lab import scoring, truths


def row(src, dst, proto, sport, dport, packets=1, nbytes=60, first="2026-01-02T10:00:00.000Z"):
    return {"src": src, "dst": dst, "proto": proto, "sport": sport, "dport": dport,
            "packets": packets, "bytes": nbytes, "first": first}


BASE = [row("10.0.0.11", "10.0.0.10", 17, 40000 + i, 53, nbytes=80) for i in range(20)] + \
       [row("10.0.0.10", "10.0.0.11", 17, 53, 40000 + i, nbytes=100) for i in range(20)]


def test_nothing_suspicious_gives_no_truths():
    assert all(v is None for v in truths.truths(BASE).values())


def test_telnet_session_gives_host_and_first_time():
    rows = BASE + [row("10.0.0.12", "10.0.0.10", 6, 50000, 23, packets=12,
                       first="2026-01-02T10:05:07.250Z"),
                   row("10.0.0.12", "10.0.0.10", 6, 50001, 23, packets=1,  # a scan probe only
                       first="2026-01-02T10:01:00.000Z")]
    truth = truths.truths(rows)["cleartext_admin"]
    assert truth["host"] == "ws2"
    assert truth["time"] == datetime(2026, 1, 2, 10, 5, 7, 250000, tzinfo=timezone.utc)


def test_scan_sweep_tunnel_spike_guessing():
    rows = list(BASE)
    rows += [row("10.0.0.12", "10.0.0.10", 6, 41000, p) for p in range(1, 301)]
    rows += [row("10.0.0.22", f"10.0.1.{i}", 1, 0, 2048) for i in range(0, 256)]
    # a paced scan: 150 ports of the branch server over 15 s
    rows += [row("10.0.0.11", "10.0.1.10", 6, 45000, p, first=f"2026-01-02T10:01:{p // 10:02d}.000Z")
             for p in range(1, 151)]
    rows += [row("fd5f:1ab:0:1::1", "fd5f:1ab:0:1::11", 17, 53, 46000 + i) for i in range(3)]
    rows += [row("10.0.0.12", "10.0.1.10", 6, 47000, 22, packets=40)]
    # the fast scanner's own ssh session to its target, minutes later, is no probe
    rows += [row("10.0.0.12", "10.0.0.10", 6, 48000, 22, packets=40, first="2026-01-02T10:09:00.000Z")]
    rows += [row("10.0.0.10", "10.0.0.22", 17, 53, 42000 + i, nbytes=800) for i in range(90)]
    rows += [row("10.0.0.11", "10.0.0.10", 17, 43000, 5001, packets=3000, nbytes=3_684_000)]
    rows += [row("10.0.0.21", "10.0.0.10", 6, 44000 + i, 22, first=f"2026-01-02T10:00:0{i % 10}.000Z")
             for i in range(12)]
    t = truths.truths(rows)
    assert t["port_scan"] == {"host": "ws2", "target": "srv"}
    assert t["slow_scan"] == {"host": "ws1", "target": "br1"}
    assert t["host_sweep"] == {"host": "iot", "subnet": "10.0.1.0/24"}
    assert t["ipv6_dns"] == {"host": "rtr"}
    assert t["routed_ssh"] == {"target": "br1"}
    assert t["dns_tunnel"] == {"host": "iot"}
    assert t["volume_spike"] == {"host": "ws1", "port": 5001}
    assert t["ssh_guessing"] == {"host": "prn"}


def test_scoring_accepts_names_addresses_and_time_slack():
    when = datetime(2026, 1, 2, 10, 5, 7, tzinfo=timezone.utc)
    t = {"cleartext_admin": {"host": "ws2", "time": when}, "port_scan": None}
    answers = {"cleartext_admin": {"host": "10.0.0.12", "time": "10:05:30"},
               "port_scan": {"host": "ws1"}}
    verdicts = {(q, f): v for q, f, _a, _t, v in scoring.score(answers, t)}
    assert verdicts == {("cleartext_admin", "host"): "right", ("cleartext_admin", "time"): "right",
                        ("port_scan", "host"): "skipped"}
    six = scoring.score({"ipv6_dns": {"host": "fd5f:1ab:0:1::1"}, "host_sweep": {"subnet": "10.0.1.0"}},
                        {"ipv6_dns": {"host": "rtr"}, "host_sweep": {"subnet": "10.0.1.0/24"}})
    assert [v for *_x, v in six] == ["right", "right"]
    late = {"cleartext_admin": {"host": "ws2", "time": "10:05:40"}}
    assert [v for *_x, v in scoring.score(late, t)] == ["right", "wrong"]
    assert [v for *_x, v in scoring.score({}, t)][:2] == ["wrong", "wrong"]
