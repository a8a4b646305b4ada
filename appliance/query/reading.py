"""One closed flow file read once for ingest and detection: every distinct nfdump run runs once.

Ingest opens a FileReading per file with the unfiltered statistics it and its listeners declared
(`common`); they come from a single nfdump run. Any other run (a filtered statistic, an
aggregation) is kept by its arguments, so a second asker gets the first answer.
"""

import threading
from concurrent.futures import Future

from . import aggregated, nfdump, profile, stats

TIMEOUT = 120  # seconds per nfdump run; a minute's file on a busy box reads in under a second


class FileReading:
    """The nfdump answers about one flow file, each computed once (thread-safe)."""

    def __init__(self, path, common=None, timeout=TIMEOUT):
        self.path, self.timeout = path, timeout
        self.common_specs = dict(common or {})  # spec -> rows wanted (0 = all)
        self._lock = threading.Lock()
        self._runs = {}
        self.runs = 0  # nfdump processes started for this file (bench, tests)

    def _once(self, key, compute):
        with self._lock:
            fut = self._runs.get(key)
            mine = fut is None
            if mine:
                fut = self._runs[key] = Future()
        if mine:
            try:
                self.runs += 1
                fut.set_result(compute())
            except BaseException as exc:  # every waiter gets the same failure
                fut.set_exception(exc)
        return fut.result()

    def verify(self):
        """Fail with NfdumpFailed unless nfdump can read the file (nfdump -r exits 0 on bad files)."""
        self._once(("verify",), lambda: nfdump.run(["-v", self.path], self.timeout))

    def common(self, spec, n=0):
        """Return the first n rows (0 = all) of an unfiltered statistic, from the shared run."""
        if not self.common_specs.get(spec):  # undeclared, or all rows: a run of its own
            return self.stats([spec], n)[0]
        # one -n for every statistic of the run: asking all rows of one would print every
        # address of the others, hence "0 = all" statistics run apart
        specs = sorted(s for s, rows in self.common_specs.items() if rows)
        rows = max(self.common_specs[s] for s in specs)
        blocks = self._once(("common",), lambda: stats.read(["-r", self.path], specs, rows,
                                                            timeout=self.timeout))
        block = blocks[specs.index(spec)]
        return block[:n] if n else block

    def stats(self, specs, n, flt=None):
        """Return a block of StatRows per spec over the flows matching flt (n rows, 0 = all)."""
        specs = tuple(specs)
        return self._once(("stats", specs, n, flt),
                          lambda: stats.read(["-r", self.path], specs, n, flt, self.timeout))

    def profile(self, flt=None):
        """Return every flow's times and counts (profile.Timed) matching flt."""
        return self._once(("profile", flt),
                          lambda: profile.read(["-r", self.path], flt, self.timeout))

    def aggregated(self, fields, flt=None, order=None, n=0):
        """Return the aggregated Rows of the flows matching flt (optionally the n largest)."""
        return self._once(("aggregated", fields, flt, order, n),
                          lambda: aggregated.read(["-r", self.path], fields, flt, order, n,
                                                  self.timeout))


def wanted(*asks):
    """Merge {spec: rows} declarations (0 = all rows wins) into one for FileReading(common=)."""
    out = {}
    for ask in asks:
        for spec, n in ask.items():
            out[spec] = 0 if 0 in (n, out.get(spec, 1)) else max(n, out.get(spec, 0))
    return out
