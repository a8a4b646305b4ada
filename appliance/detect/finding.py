"""What a rule reports for one interval: a Finding, before dedup, suppression and storage."""

from dataclasses import dataclass, field


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


def host_filter(*hosts):
    """Return an nfdump filter term for each host (IPv4 or IPv6), joined with and."""
    return " and ".join(f"host {h}" for h in hosts)
