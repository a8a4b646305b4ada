"""bench/report.py: real bench outputs (from a `bench/run --quick` on the team's machine) to
markdown and plots."""

import os
import sys

from support.netns import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import report  # noqa: E402

IDLE = """idle, 5 s window on a quiet veth
                             RSS MB   PSS MB   CPU %
bare softflowd + nfcapd         7.1      3.0    0.00
spanflow run                   46.8     27.6    0.40
ratio spanflow/bare            6.60     9.35       -
targets: RSS <= 60 MB (met), CPU <= 1% (met)
"""
INGEST = """flow file: /tmp/spanflow-bench-9nujdn9q/src/nfcapd.202611271900 (49986 flows); code: /x
medians of 3         wall s   CPU s
nfdump -o csv > /dev/null:   0.18    0.17
nfdump -s srcip/flows:       0.02    0.02
spanflow ingest:             0.13    0.11
spanflow ingest+detection:   0.16    0.15
ratio ingest/dump:         0.71x (faster than the dump)
ratio ingest+detection/nfdump -s srcip/flows: 8.00x wall, 7.50x CPU
"""
LATENCY = """lone packet on a quiet mirror port, median of 1, seconds (udp timeout 2 s, rotation 2 s)
bare softflowd + nfcapd, flow in nfdump:    5.61
spanflow run, flow in flow search:          4.88  (0.87x bare)
spanflow run, counted in the RRD graph:     5.08  (0.91x bare)
"""
OFFLINE = """capture: 974524 packets, 276844 directional flows, 625006547 IP bytes (generated in 19.8s)
             records      exact 5-tuples              packets                    bytes seconds
bare tools    364917     242767 ( 87.7%)      904249 ( 92.8%)       579797784 ( 92.8%)    12.5
spanflow      276844     276844 (100.0%)      974524 (100.0%)       625006547 (100.0%)    12.3
export loss (bare tools): 7.21% of packets
"""
PROBE = """== live replay, 200000 packets over 2000 UDP flows
{"config": "bare+fix(timeout)", "asked_pps": 400000, "achieved_pps": 399617, "lost": 0, "pcap_dropped": 0}
{"config": "bare+fix(timeout)", "asked_pps": 800000, "achieved_pps": 418087, "lost": 0, "pcap_dropped": 0}
{"config": "spanflow(timeout)", "asked_pps": 400000, "achieved_pps": 399982, "lost": 0, "pcap_dropped": 0}
{"config": "spanflow(timeout)", "asked_pps": "top", "achieved_pps": 411236, "lost": 12, "pcap_dropped": 0}
"""
LOAD = """wrk, 50 connections, 5 s each; bare = waitress serving a constant page
FIGURES {"web_load": {"seconds": 5, "connections": 50, "rows": [{"path": "/", "spanflow": \
{"requests": 2028, "errors": 0, "rps": 403.57, "p50": 119.37, "p99": 240.99}, "bare": \
{"requests": 37496, "errors": 0, "rps": 7484.69, "p50": 6.3, "p99": 36.1}}]}}
"""


def test_known_tables_give_rows_to_plot():
    assert report.table_rows("idle", IDLE) == [("bare softflowd + nfcapd", 7.1),
                                               ("spanflow run", 46.8)]
    assert report.table_rows("ingest", INGEST) == [
        ("nfdump -o csv > /dev/null", 0.18), ("nfdump -s srcip/flows", 0.02),
        ("spanflow ingest", 0.13), ("spanflow ingest+detection", 0.16)]
    assert report.table_rows("web_load", LOAD) == [("spanflow /", 240.99), ("bare waitress", 36.1)]
    assert report.table_rows("latency", LATENCY) == [
        ("bare softflowd + nfcapd, flow in nfdump", 5.61),
        ("spanflow run, flow in flow search", 4.88), ("spanflow run, counted in the RRD graph", 5.08)]
    assert report.table_rows("offline", OFFLINE) == [("bare tools", 92.8), ("spanflow", 100.0)]
    assert report.table_rows("probe_live", PROBE) == [("bare+fix(timeout)", 418087),
                                                      ("spanflow(timeout)", 399982)]
    assert report.table_rows("probe_live", IDLE) == []


def test_ratio_lines_and_figures():
    assert report.ratio_lines(INGEST) == [
        "ratio ingest/dump:         0.71x (faster than the dump)",
        "ratio ingest+detection/nfdump -s srcip/flows: 8.00x wall, 7.50x CPU"]
    assert report.ratio_lines(LOAD) == ["wrk 50 connections 5 s on /: 0 errors, 404 req/s, p99 "
                                        "241.0 ms = 6.68x bare waitress (36.1 ms)"]


def test_markdown_names_the_machine_and_shows_every_bench(tmp_path):
    runs = [{"name": "idle", "argv": ["bench/idle.py"], "seconds": 17.2, "returncode": 0,
             "output": IDLE},
            {"name": "web_load", "argv": ["bench/web_load.py"], "seconds": 40, "returncode": 1,
             "output": LOAD}]
    images = {r["name"]: report.plot(r["name"], report.table_rows(r["name"], r["output"]),
                                     str(tmp_path)) for r in runs}
    assert images == {"idle": "idle.png", "web_load": "web_load.png"}
    with open(tmp_path / "idle.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    md = report.markdown({"CPUs (nproc)": 2, "kernel": "6.1"}, runs, images, "today")
    assert "| CPUs (nproc) | 2 |" in md and "| kernel | 6.1 |" in md
    assert "![idle](img/idle.png)" in md and "FAILED (exit 1)" in md
    assert "| idle | ratio spanflow/bare            6.60     9.35       - |" in md
    assert "FIGURES" not in md
