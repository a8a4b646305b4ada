"""Where a flow counts in the graphs: the RRD steps its packets were in, not its file's minute.

A flow file closing at E holds the records softflowd exported in (E - rotate, E]; a record's
packets go back at most maxlife + expint before its export. Each step's numbers are held open
until the next file is in (HOLD), then written: with the shipped timeouts (maxlife 60 s, expint
5 s, rotate 60 s) a record exported after its first packet's step was written is rare, and it is
counted one step late (never lost). Times nothing could explain (a replayed capture, a router's
skewed clock) count in the file's own step, as before traffic time.
"""

import math

HOLD = 1  # steps a step stays open after its own file: one interval off at most (issue 10)


def step_of(t, step):
    """Return the end of the step holding time t: [end - step, end), as nfcapd's files cut time.

    The RRD value written at `end` is that step's; a packet at 14:00:00.000 is in the file named
    1400 and so in the value at 14:01, wherever a flow file or the graph counts it.
    """
    return (int(math.floor(t / step)) + 1) * step


def split(total, weights):
    """Split an integer in proportion to weights, exactly: largest remainders get the rest."""
    whole = sum(weights)
    if whole <= 0:
        return [total] + [0] * (len(weights) - 1)
    raw = [total * w / whole for w in weights]
    out = [int(x) for x in raw]
    rest = total - sum(out)
    for i in sorted(range(len(raw)), key=lambda i: (out[i] - raw[i], i))[:rest]:
        out[i] += 1
    return out


class Placer:
    """Place one file's flows: call with (first, last, flows, packets, bytes)."""

    def __init__(self, own, step, first_open, reach):
        """own: the file's step end; first_open: the earliest step not yet written;
        reach: seconds before its file's start a record's first packet can lie."""
        self.own, self.step = int(own), int(step)
        self.first_open = min(int(first_open), self.own)
        self.earliest = self.own - self.step - reach
        self.late = self.moved = 0  # counts of flows written a step late / in their file's step

    def _clamp(self, end):
        if end < self.first_open:
            self.late += 1
            return self.first_open
        return end

    def __call__(self, first, last, flows, packets, nbytes):
        """Return [(step end, flows, packets, bytes)] with the counts spread over first..last."""
        step = self.step
        b = step_of(last, step)
        if b > self.own or last < self.earliest:  # after its own file closed, or out of reach
            self.moved += 1
            return [(self.own, flows, packets, nbytes)]
        first = max(first, self.earliest)
        a = step_of(first, step)
        if a == b or last <= first:
            return [(self._clamp(b), flows, packets, nbytes)]
        ends = list(range(a, b + step, step))
        weights = [min(end, last) - max(end - step, first) for end in ends]
        parts = zip(ends, split(flows, weights), split(packets, weights), split(nbytes, weights))
        out = {}
        for end, f, p, n in parts:
            have = out.setdefault(self._clamp(end), [0, 0, 0])
            have[0] += f
            have[1] += p
            have[2] += n
        return [(end, *c) for end, c in out.items()]
