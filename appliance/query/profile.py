"""The one reader of every flow's times and counts (`-o fmt`), for placing traffic in time.

Ingest graphs a flow's packets in the minutes they were sent, not in the minute its file
closed, so it needs each flow's first and last seen: a statistic (`-s proto`) gives only the
earliest and latest over all flows. Five fields per flow keep the dump and its parsing small.
"""

import calendar
import functools
from collections import namedtuple

from . import nfdump
from .normal import proto_name

TIMEOUT = 120  # seconds per nfdump run on one flow file
# -N: plain numbers; times are UTC (nfdump.ENV sets TZ) as "YYYY-mm-dd HH:MM:SS.mmm"
ARGS = ["-q", "-N", "-o", "fmt:%ts|%te|%pr|%pkt|%byt"]

# first/last: epoch seconds (first never after last); proto: lower-case name. One Timed adds up
# the flows of one protocol that began and ended in the same whole seconds.
Timed = namedtuple("Timed", "first last proto flows packets bytes")


@functools.lru_cache(maxsize=64)
def _day(date):
    # a file's flows share one or two dates: one timegm per date, not per flow
    y, m, d = date.split("-")
    return calendar.timegm((int(y), int(m), int(d), 0, 0, 0))


def _second(text):
    """Return the epoch second of nfdump's "YYYY-mm-dd HH:MM:SS" (milliseconds cut off)."""
    date, clock = text.split(" ")
    h, m, s = clock.split(":")
    return _day(date) + int(h) * 3600 + int(m) * 60 + int(s)


def parse(text):
    """Return the Timed rows of `ARGS` output, whole seconds; lines that do not parse are skipped.

    A busy minute holds some 100,000 flows, most of them a second or two long: adding up flows
    per (first second, last second, protocol) before any arithmetic keeps the parsing at about a
    microsecond a flow (bench/ingest.py).
    """
    sums = {}
    for line in text.splitlines():
        cols = line.split("|")
        if len(cols) != 5:
            continue  # "No matching flows", or nothing
        key = (cols[0][:19], cols[1][:19], cols[2])
        have = sums.get(key)
        try:
            if have is None:
                sums[key] = [1, int(cols[3]), int(cols[4])]
            else:
                have[0] += 1
                have[1] += int(cols[3])
                have[2] += int(cols[4])
        except ValueError:
            continue
    out = []
    for (ts, te, pr), (flows, packets, nbytes) in sums.items():
        try:
            # the first second's start and the last second's end hold the flows' packets
            first, last = _second(ts.strip()), _second(te.strip()) + 0.999
        except ValueError:
            continue
        out.append(Timed(min(first, last), last, proto_name(pr), flows, packets, nbytes))
    return out


def read(source, flt=None, timeout=TIMEOUT):
    """Return the Timed rows of the flows of source (nfdump's -r/-R arguments) matching flt."""
    return parse(nfdump.run([*source, *ARGS] + ([flt] if flt else []), timeout))
