"""What a rule reports for one interval: a Finding, before dedup, suppression and storage."""

import math
from dataclasses import dataclass, field

from ..query.normal import epoch


@dataclass(frozen=True)
class Finding:
    """One rule hit on one key, with the nfdump filter that shows its flows and their counts."""

    rule: str
    key: str
    severity: str
    summary: str
    filter: str
    flows: int = 0
    packets: int = 0
    bytes: int = 0
    hosts: tuple = field(default_factory=tuple)  # addresses the suppression list is matched on
    # when the evidence flows' packets were (epoch seconds): the alert's times and its search
    # window; None: the rule judges no flows (trend, storage), the interval's times are used
    first: float = None
    last: float = None


class Span:
    """The earliest first-seen and latest last-seen of the flows added so far (epoch seconds)."""

    def __init__(self, first=None, last=None):
        self.first, self.last = first, last

    def add(self, first=None, last=None):
        """Widen by one flow's times (epoch seconds or nfdump's ISO text; None/"" ignored)."""
        first = epoch(first) if isinstance(first, str) else first
        last = epoch(last) if isinstance(last, str) else last
        if first is not None:
            self.first = first if self.first is None else min(self.first, first)
        if last is not None:
            self.last = last if self.last is None else max(self.last, last)
        return self

    def rows(self, rows):
        """Widen by rows with first/last (aggregated Rows, StatRows)."""
        for r in rows:
            self.add(r.first, r.last)
        return self

    def whole(self):
        """Return (first, last) in whole seconds that contain every flow: (None, None) if empty."""
        return (None if self.first is None else math.floor(self.first),
                None if self.last is None else math.ceil(self.last))


def host_filter(*hosts):
    """Return an nfdump filter term for each host (IPv4 or IPv6), joined with and."""
    return " and ".join(f"host {h}" for h in hosts)
