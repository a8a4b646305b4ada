"""nfcapd's health from its output: bad packets, sequence errors; per-datagram lines summarised.

nfcapd 1.7.1 in the foreground writes everything to stderr. At each rotation it prints
`Ident: 'none' Flows: N, Packets: N, Bytes: N, Sequence Errors: N, Bad Packets: N` (the counts of
that interval), and for every malformed datagram one line such as `Data length error: too little
data for common netflow header` or `Process_ipfix: flowset length error` (measured: 20,000
malformed datagrams gave 19,157 lines). The counts are summed here; the other lines are passed to
our log the first time each kind is seen and then at most once per SUMMARY_EVERY seconds as one
line with the number of lines like it.
"""

import logging
import re
import threading
import time

from ..detect.finding import Finding
from .command import PROBE_IDENTS

log = logging.getLogger(__name__)

SUMMARY = re.compile(r"Ident: '(?P<ident>[^']*)' Flows: (?P<flows>\d+), Packets: (?P<packets>\d+), "
                     r"Bytes: (?P<bytes>\d+), Sequence Errors: (?P<seq>\d+), "
                     r"Bad Packets: (?P<bad>\d+)")
SUMMARY_EVERY = 60.0  # seconds between summaries of one kind of repeated line
JUMP = 10  # bad packets or sequence errors in one interval that raise an alert
RULE = "collector_health"
_NUMBERS = re.compile(r"\d+")
MAX_KINDS = 100  # distinct kinds of line remembered (the text with its numbers taken out)


def kind_of(line):
    """Return the line with its numbers replaced, so that repeats of one message match."""
    return _NUMBERS.sub("N", line)[:160]


class NfcapdLog:
    """Parse nfcapd's output lines (thread-safe): counters for the status, bounded logging."""

    def __init__(self, clock=time.monotonic, every=SUMMARY_EVERY, logger=log):
        self.clock, self.every, self.logger = clock, every, logger
        self._lock = threading.Lock()
        self.bad_packets = self.sequence_errors = self.intervals = 0
        self.lines = self.suppressed = 0
        self.last_interval = None  # the newest rotation's counts
        self._pending = []  # rotation counts not yet judged for an alert
        self._kinds = {}  # kind -> [count since last logged, last logged at, example]

    def feed(self, line):
        """Take one line of nfcapd's output."""
        line = line.rstrip("\n")
        if not line.strip():
            return
        match = SUMMARY.search(line)
        with self._lock:
            self.lines += 1
            if match:
                counts = {"ident": match["ident"], "flows": int(match["flows"]),
                          "sequence_errors": int(match["seq"]), "bad_packets": int(match["bad"])}
                self.intervals += 1
                self.bad_packets += counts["bad_packets"]
                self.sequence_errors += counts["sequence_errors"]
                self.last_interval = counts
                self._pending.append(counts)
                del self._pending[:-100]
                return
            self._repeat(line)

    def _repeat(self, line):
        now = self.clock()
        kind = kind_of(line)
        seen = self._kinds.get(kind)
        if seen is None:
            if len(self._kinds) >= MAX_KINDS:  # unbounded variety: forget the quietest
                del self._kinds[min(self._kinds, key=lambda k: self._kinds[k][1])]
            self._kinds[kind] = [0, now, line]
            self.logger.warning("nfcapd: %s", line)
            return
        seen[0] += 1
        seen[2] = line
        self.suppressed += 1
        if now - seen[1] >= self.every:
            self._flush(kind, seen, now)

    def _flush(self, kind, seen, now):
        if seen[0]:
            self.logger.warning("nfcapd: %d more lines like %r in %.0f s (last: %s)", seen[0],
                                kind, now - seen[1], seen[2])
        seen[0], seen[1] = 0, now

    def tick(self):
        """Log the summaries that are due even when no new line came (call about once a second)."""
        now = self.clock()
        with self._lock:
            for kind, seen in self._kinds.items():
                if seen[0] and now - seen[1] >= self.every:
                    self._flush(kind, seen, now)

    def follow(self, stream):
        """Feed every line of stream (nfcapd's stderr) until it ends; run in a thread."""
        try:
            for line in stream:
                self.feed(line if isinstance(line, str) else line.decode("utf-8", "replace"))
        except (OSError, ValueError) as exc:  # the pipe closed under us as nfcapd stopped
            log.debug("nfcapd output ended: %s", exc)
        finally:
            stream.close()

    def jumps(self, threshold=JUMP):
        """Return the rotations since the last call whose bad packets or sequence errors jumped.

        The probe's own sequence errors are not judged: softflowd 1.1.0's IPFIX sequence numbers
        disagree with nfcapd's count with nothing lost (measured in the lab: 3 to 15 in most 5 s
        intervals over loopback), so only routers' sequence errors mean lost datagrams.
        """
        with self._lock:
            pending, self._pending = self._pending, []
        return [c for c in pending if jumped(c, threshold)]

    def status(self):
        """Return the counters for the status snapshot (collector part, key `health`)."""
        self.tick()
        with self._lock:
            return {"bad_packets": self.bad_packets, "sequence_errors": self.sequence_errors,
                    "intervals": self.intervals, "last_interval": self.last_interval,
                    "log_lines": self.lines, "log_lines_summarised": self.suppressed}


def jumped(counts, threshold=JUMP):
    """Tell whether one rotation's counts call for attention (the probe's sequence errors never)."""
    return ((counts.get("bad_packets") or 0) >= threshold or
            (counts.get("ident") not in PROBE_IDENTS
             and (counts.get("sequence_errors") or 0) >= threshold))


def finding(counts):
    """Return a detect Finding for one rotation whose counts jumped."""
    return Finding(
        RULE, "nfcapd", "medium",
        f"nfcapd counted {counts['bad_packets']} bad packets and {counts['sequence_errors']} "
        f"sequence errors in one interval: an exporter sends malformed or lost datagrams "
        f"(look for a misconfigured router, or someone sending junk to the collector's port)",
        "any")
