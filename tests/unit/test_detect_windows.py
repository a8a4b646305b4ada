"""Counting rules over sliding windows: paced scans and guessing add up, no flow counts twice."""

import copy
import os
import sqlite3

from appliance.detect import passes, rules, scan, window
from appliance.detect.flows import Row

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = rules.load(os.path.join(ROOT, "configs", "rules.d"))
T0 = 1795788000  # an interval end; files are 60 s apart


def settings():
    return copy.deepcopy(SHIPPED)


def ssh(src, sport, packets, size, dst="10.9.0.22"):
    """One SSH session's client flow (hydra-like: 12 packets carry one try, +1 and ~140 bytes each)."""
    return Row(src, dst, sport, 22, "tcp", 1, packets, size)


def probe(src, dst, dport, sport=45000, proto="tcp"):
    return Row(src, dst, sport, dport, proto, 1, 1, 44)


def run(s, rows, state, end):
    """Judge one interval the way the engine does; the candidates are every row's source."""
    per = {}
    for r in rows:
        per[r.src] = per.get(r.src, 0) + r.flows
    return passes.evaluate(s, rows, [[("any", ip, n, 0, 0) for ip, n in per.items()], [], [], []],
                           {"queries": {}, "answers": {}},
                           lambda sources: [r for r in rows if r.src in sources or r.dst in sources],
                           state, end)


def test_guessing_paced_over_files_adds_up_and_raises_once_enough():
    s, state, raised = settings(), {"seconds": 60}, []
    for n in range(5):  # per file: a one-try session and a five-try session: 6 tries
        rows = [ssh("10.9.0.5", 40000 + 2 * n, 12, 1800), ssh("10.9.0.5", 40001 + 2 * n, 16, 2360)]
        found, state = run(s, rows, state, T0 + 60 * n)
        raised.append([f.key for f in found])
    # 6, 12, 18 tries, then 24 >= 20; the fifth file adds to the alert (deduplicated by the store)
    assert raised == [[], [], [], ["10.9.0.5>10.9.0.22"], ["10.9.0.5>10.9.0.22"]]


def test_every_flow_counts_once_in_the_alerts():
    s, state, counted = settings(), {"seconds": 60}, []
    for n in range(6):
        rows = [ssh("10.9.0.5", 40000 + 2 * n, 12, 1800), ssh("10.9.0.5", 40001 + 2 * n, 16, 2360)]
        found, state = run(s, rows, state, T0 + 60 * n)
        counted += [(f.flows, f.packets, f.bytes) for f in found]
    # first alert: the 8 sessions of its window; then only each new file's 2 sessions
    assert counted == [(8, 4 * 28, 4 * 4160), (2, 28, 4160), (2, 28, 4160)]
    assert sum(c[0] for c in counted) == 12  # the 12 sessions sent, each once


def test_guesses_older_than_the_window_are_forgotten():
    s, state = settings(), {"seconds": 60}
    rows = [ssh("10.9.0.5", 40000 + i, 12 + (i % 2) * 4, 1800 + (i % 2) * 560) for i in range(6)]
    _, state = run(s, rows, state, T0)  # 18 tries
    found, state = run(s, rows[:2], state, T0 + 60 + s["ssh_guessing"]["window"])
    assert found == []


def test_hydra_default_run_counts_tries_not_connections():
    # 30 tries over 9 connections (the run the issue measured): 1-5 tries per session
    tries = [5, 5, 5, 4, 4, 3, 2, 1, 1]
    rows = [ssh("10.9.0.6", 41000 + i, 11 + t, 1680 + 140 * t) for i, t in enumerate(tries)]
    assert scan.attempts(settings(), {str(r.sport): [1, r.packets, r.bytes] for r in rows}) == 30
    found, _ = run(settings(), rows, {"seconds": 60}, T0)
    assert [f.key for f in found] == ["10.9.0.6>10.9.0.22"]
    assert "about 30 SSH login attempts in 9 sessions" in found[0].summary


def test_repeated_key_logins_count_one_try_each():
    # the same login differs only by a bare ACK more or less (52 bytes): no more tries
    rows = [ssh("10.9.0.7", 42000 + i, 25 + i % 3, 4981 + 52 * (i % 3)) for i in range(19)]
    found, _ = run(settings(), rows, {"seconds": 60}, T0)
    assert found == []  # 19 logins < 20 tries


def test_paced_port_scan_adds_up_over_files():
    s, state, raised = settings(), {"seconds": 60}, []
    for n in range(5):  # 30 ports a minute: each file alone is far below 100
        rows = [probe("10.9.0.8", "10.9.0.30", 1 + 30 * n + i) for i in range(30)]
        rows += [Row("10.9.0.30", "10.9.0.8", 1 + 30 * n + i, 45000, "tcp", 1, 1, 40)
                 for i in range(30)]  # the resets
        found, state = run(s, rows, state, T0 + 60 * n)
        raised.append([f.key for f in found])
    assert raised == [[], [], [], ["10.9.0.8>10.9.0.30"], ["10.9.0.8>10.9.0.30"]]


def test_sessions_are_not_probes_for_a_sweep():
    # a browser reaching 80 web servers in a minute makes sessions (many packets), not probes
    rows = [Row("10.9.0.9", f"10.8.{i // 200}.{i % 200 + 1}", 50000 + i, 443, "tcp", 1, 20, 4000)
            for i in range(80)]
    found, _ = run(settings(), rows, {"seconds": 60}, T0)
    assert found == []


def test_a_sweep_of_several_probe_kinds_is_one_alert():
    rows = []
    for i in range(1, 60):
        dst = f"10.7.1.{i}"
        rows += [Row("10.9.0.10", dst, 0, 2048, "icmp", 1, 1, 28), probe("10.9.0.10", dst, 443),
                 probe("10.9.0.10", dst, 80)]
    found, _ = run(settings(), rows, {"seconds": 60}, T0)
    assert [(f.rule, f.key) for f in found] == [("host_sweep", "10.9.0.10>*")]
    assert "probed 59 hosts in 5 min with 443/tcp, 80/tcp, icmp" in found[0].summary


def test_flood_victim_answers_are_no_scan_and_no_dns_port():
    # hping3 -S -p 22: SYNs from counting source ports, SYN-ACKs back from 22 (some to 853, 5053)
    rows = [probe("10.9.0.11", "10.9.0.40", 22, sport=1000 + i) for i in range(3000)]
    rows += [Row("10.9.0.40", "10.9.0.11", 22, 1000 + i, "tcp", 1, 1, 44) for i in range(3000)]
    rows += [Row("10.9.0.40", "10.9.0.11", 22, port, "tcp", 1, 1, 44) for port in (853, 5053)]
    found, _ = run(settings(), rows, {"seconds": 60}, T0)
    assert found == []


def test_scanner_touching_a_telnet_server_is_one_alert():
    rows = [probe("10.9.0.12", "10.9.0.50", p) for p in range(1, 200)]
    # a banner grab on 23 with packets both ways, as a session would
    rows += [Row("10.9.0.12", "10.9.0.50", 45001, 23, "tcp", 1, 6, 400),
             Row("10.9.0.50", "10.9.0.12", 23, 45001, "tcp", 1, 6, 500)]
    found, _ = run(settings(), rows, {"seconds": 60}, T0)
    assert [(f.rule, f.key) for f in found] == [("port_scan", "10.9.0.12>10.9.0.50")]
    assert "also touched 10.9.0.12>10.9.0.50:telnet" in found[0].summary


def test_windows_survive_a_restart(tmp_path):
    path = str(tmp_path / "alerts.sqlite")
    s = settings()
    first = window.Windows(sqlite3.connect(path))
    rows = [ssh("10.9.0.5", 40000 + i, 12 + (i % 2) * 4, 1800 + (i % 2) * 560) for i in range(6)]
    found, _ = run(s, rows, {"seconds": 60, "windows": first}, T0)  # 18 tries: nothing yet
    first.con.close()
    again = window.Windows(sqlite3.connect(path))  # the sensor restarted
    later = [ssh("10.9.0.5", 40010 + i, r.packets, r.bytes) for i, r in enumerate(rows[:2])]
    found, _ = run(s, later, {"seconds": 60, "windows": again}, T0 + 60)
    assert [f.key for f in found] == ["10.9.0.5>10.9.0.22"]


def test_a_repeated_interval_replaces_its_rows():
    w = window.memory()
    w.add("port_scan", T0, {"a>b": {"tcp/1": [1, 1, 40]}})
    w.add("port_scan", T0, {"a>b": {"tcp/1": [1, 1, 40]}})
    assert w.seen("port_scan", T0, 300)["a>b"].items == {"tcp/1": [1, 1, 40]}


def test_a_long_session_cut_by_the_probes_timeouts_is_no_guessing():
    # an interactive session typed slowly: softflowd's 15 s idle timeout exports it in pieces
    # from the same client port over many files (the login, then a few keystrokes each), beside
    # two key logins a minute and a banner check (check_ssh: no key exchange, no try)
    s, state = settings(), {"seconds": 60}
    for n in range(5):
        piece = (16, 3000) if n == 0 else (8, 600)
        rows = [Row("10.9.0.13", "10.9.0.22", 50000, 22, "tcp", 1, *piece),
                Row("10.9.0.13", "10.9.0.22", 52000 + n, 22, "tcp", 1, 6, 400)]
        rows += [ssh("10.9.0.13", 51000 + 2 * n + i, 12, 1800) for i in range(2)]
        found, state = run(s, rows, state, T0 + 60 * n)
        assert found == []  # the shell counts at most 6 tries, then stops at 30 packets
    assert scan.attempts(s, {"50000": [2, 24, 3600], "51000": [1, 12, 1800],
                             "52000": [1, 6, 400]}) == 1 + 6


def test_a_slow_guessers_session_in_pieces_is_one_session():
    # hydra -c 20: idle gaps over 15 s cut one 5-try session into records, even across files
    pieces = {"40000": [3, 16, 2360]}
    assert scan.attempts(settings(), {**pieces, "40001": [1, 12, 1800]}) == 6


def _at(epoch):
    """nfdump's first/last text of an epoch second (aggregated Rows carry ISO, Z)."""
    from datetime import datetime, timezone
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_a_windowed_alert_has_the_times_of_the_flows_it_counted():
    from dataclasses import replace
    s, state, found = settings(), {"seconds": 60}, []
    for n in range(5):  # the guessing run starts 10 s before the first file's end and goes on
        t = T0 - 10 + 60 * n
        rows = [replace(ssh("10.9.0.5", 40000 + 2 * n, 12, 1800), first=_at(t), last=_at(t + 3)),
                replace(ssh("10.9.0.5", 40001 + 2 * n, 16, 2360), first=_at(t + 4),
                        last=_at(t + 9))]
        got, state = run(s, rows, state, T0 + 60 * n)
        found += got
    first, later = found
    # the first alert counted every session of its window: from the first one's first packet
    assert (first.first, first.last) == (T0 - 10, T0 + 179)
    # the next counts only the new file's sessions, and says when they were
    assert (later.first, later.last) == (T0 + 230, T0 + 239)
