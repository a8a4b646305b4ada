"""The import's progress line: nothing for a quick import, then packets, percent, rate, ETA."""

import io

from appliance.cli.progress import Progress


class Clock:
    def __init__(self):
        self.t = 100.0

    def __call__(self):
        return self.t


def test_quiet_at_first_then_one_line_redrawn():
    clock, out = Clock(), io.StringIO()
    p = Progress(out, clock=clock, delay=2.0, every=0.5)
    clock.t += 1.0
    p(100, 1000, 50)
    assert out.getvalue() == ""  # a quick import prints nothing
    clock.t += 3.0  # 4 s in, 40 % done: 6 s left
    p(400, 1000, 2000)
    assert out.getvalue() == "\r2,000 packets   40.0%  500 packets/s  ETA 0:00:06 "
    clock.t += 0.1
    p(410, 1000, 2050)  # redrawn at most twice a second
    assert out.getvalue().count("\r") == 1
    p.finish()
    assert out.getvalue().endswith("\n")


def test_finish_without_a_line_prints_nothing():
    out = io.StringIO()
    Progress(out, clock=Clock()).finish()
    assert out.getvalue() == ""
