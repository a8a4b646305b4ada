"""What ingest asks of one closed flow file (through its FileReading), as per-interval numbers."""

import copy
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import aggregate

WORKERS = 2  # nfdump runs are CPU-bound and single-threaded; the box has few cores


@dataclass
class FileNumbers:
    """Everything ingest stores for one flow file (or for one step of its traffic)."""

    protocols: aggregate.Breakdown
    services: dict = field(default_factory=dict)  # name -> Breakdown (plus "other")
    channels: dict = field(default_factory=dict)  # name -> Breakdown
    top: dict = field(default_factory=dict)  # hosts/ports/conversations -> [entry dict]
    # step end -> FileNumbers without top: the graphs' numbers, where the packets were
    steps: dict = field(default_factory=dict)


# A flow counts for the service on its destination port when that port is below the ephemeral
# range, else for the one on its source port (a reply): clients' ports never rank as services.
EPHEMERAL = 32768
SERVICE_SIDES = (("dstport", f"dst port < {EPHEMERAL}"),
                 ("srcport", f"src port < {EPHEMERAL} and dst port >= {EPHEMERAL}"))


def spare(top_n):
    """Return the rows asked per statistic: ICMP pseudo-ports are dropped, so ask for more."""
    return 3 * top_n + 10


def wants(top_n):
    """Return the unfiltered statistics ingest reads, {spec: rows}, for the file's shared run."""
    return {"ip/bytes": spare(top_n)}


def _placed(reading, place, flt=None):
    """Return {step end: Breakdown} of the flows matching flt, where their packets were."""
    # a filtered series places flows the total counts already: its own copy of the counters
    return aggregate.placed(reading.profile(flt), place if flt is None else copy.copy(place))


def _by_step(protocols, services, channels):
    """Turn {series: {step: Breakdown}} into {step: FileNumbers} (absent series: empty)."""
    steps = set(protocols)
    for part in (*services.values(), *channels.values()):
        steps |= set(part)
    empty = aggregate.Breakdown
    return {end: FileNumbers(protocols.get(end) or empty(),
                             {k: v.get(end) or empty() for k, v in services.items()},
                             {k: v.get(end) or empty() for k, v in channels.items()})
            for end in sorted(steps)}


def _tops(reading, n):
    rows = spare(n)
    ports = [p for side, flt in SERVICE_SIDES
             for p in aggregate.top_ports(reading.stats([f"{side}:p/bytes"], rows, flt)[0], rows)]
    return {"hosts": aggregate.top_hosts(reading.common("ip/bytes", rows), n),
            "ports": aggregate.merge_ports(ports, n)}


def _conversations(reading, n):
    return aggregate.conversations(reading.aggregated("srcip,dstip", order="bytes", n=n), n)


def other_filter(services):
    """Return the filter matching flows of no configured service."""
    return "not (" + " or ".join(f"({f})" for f in services.values()) + ")"


def analyse(reading, services, channels, top_n, place, workers=WORKERS):
    """Ask every aggregate of a file in parallel and return its FileNumbers.

    place(first, last, flows, packets, bytes) spreads a flow over the steps (bins.Placer).
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:
        main = pool.submit(_placed, reading, place)
        tops = pool.submit(_tops, reading, top_n)
        convs = pool.submit(_conversations, reading, top_n)
        svc = {name: pool.submit(_placed, reading, place, f) for name, f in services.items()}
        if services:
            svc["other"] = pool.submit(_placed, reading, place, other_filter(services))
        chan = {name: pool.submit(_placed, reading, place, f) for name, f in channels.items()}
        top = tops.result()
        top["conversations"] = convs.result()
        protocols = main.result()
        svc = {k: v.result() for k, v in svc.items()} if services else {"other": protocols}
        chan = {k: v.result() for k, v in chan.items()}
    whole = {k: aggregate.merged(v.values()) for k, v in svc.items()}
    return FileNumbers(aggregate.merged(protocols.values()), whole,
                       {k: aggregate.merged(v.values()) for k, v in chan.items()}, top,
                       _by_step(protocols, svc, chan))
