"""wrk with 50 connections for 5 s on the dashboard and the API of a real `spanflow web`: no
errors (bench/web_load.py runs the 30 s version and records p99 for docs/performance.md)."""

import os
import sys

from support.netns import ROOT

sys.path.insert(0, os.path.join(ROOT, "bench"))
import web_load  # noqa: E402

WRK_OUTPUT = """Running 5s test @ http://127.0.0.1:1/
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    44.80ms   20.1ms 200.00ms   70.00%
  Latency Distribution
     50%  840.00us
     75%   50.10ms
     90%   60.00ms
     99%    1.20s
  5239 requests in 5.02s, 3.10MB read
  Socket errors: connect 0, read 3, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:   1044.00
"""


def test_wrk_output_is_read_with_units_and_every_error_kind():
    got = web_load.parse_wrk(WRK_OUTPUT)
    assert got == {"requests": 5239, "errors": 9, "rps": 1044.0, "p50": 0.84, "p75": 50.1,
                   "p90": 60.0, "p99": 1200.0}


def test_dashboard_and_api_under_50_connections_have_no_errors(capsys):
    assert web_load.main(["--seconds", "5", "--flows", "2000"]) == 0
    out = capsys.readouterr().out
    figures = web_load.json.loads(out.splitlines()[-1].removeprefix("FIGURES "))["web_load"]
    for row in figures["rows"]:
        assert row["spanflow"]["errors"] == 0 and row["spanflow"]["requests"] > 100, row
        assert row["spanflow"]["p99"] > 0
