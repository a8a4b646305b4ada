"""What ingest asks of one closed flow file (through its FileReading), as per-interval numbers."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from . import aggregate

WORKERS = 2  # nfdump runs are CPU-bound and single-threaded; the box has few cores


@dataclass
class FileNumbers:
    """Everything ingest stores for one flow file."""

    protocols: aggregate.Breakdown
    services: dict = field(default_factory=dict)  # name -> Breakdown (plus "other")
    channels: dict = field(default_factory=dict)  # name -> Breakdown
    top: dict = field(default_factory=dict)  # hosts/ports/conversations -> [entry dict]


# A flow counts for the service on its destination port when that port is below the ephemeral
# range, else for the one on its source port (a reply): clients' ports never rank as services.
EPHEMERAL = 32768
SERVICE_SIDES = (("dstport", f"dst port < {EPHEMERAL}"),
                 ("srcport", f"src port < {EPHEMERAL} and dst port >= {EPHEMERAL}"))


PROTOCOL_NUMBERS = 256  # rows of `-s proto` that hold every protocol


def spare(top_n):
    """Return the rows asked per statistic: ICMP pseudo-ports are dropped, so ask for more."""
    return 3 * top_n + 10


def wants(top_n):
    """Return the unfiltered statistics ingest reads, {spec: rows}, for the file's shared run."""
    return {"proto": PROTOCOL_NUMBERS, "ip/bytes": spare(top_n)}


def _breakdown(reading, flt=None):
    if flt is None:
        return aggregate.protocols(reading.common("proto"))
    return aggregate.protocols(reading.stats(["proto"], 0, flt)[0])


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


def analyse(reading, services, channels, top_n, workers=WORKERS):
    """Ask every aggregate of a file in parallel and return its FileNumbers."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        main = pool.submit(_breakdown, reading)
        tops = pool.submit(_tops, reading, top_n)
        convs = pool.submit(_conversations, reading, top_n)
        svc = {name: pool.submit(_breakdown, reading, f) for name, f in services.items()}
        if services:
            svc["other"] = pool.submit(_breakdown, reading, other_filter(services))
        chan = {name: pool.submit(_breakdown, reading, f) for name, f in channels.items()}
        top = tops.result()
        top["conversations"] = convs.result()
        numbers = FileNumbers(main.result(), {k: v.result() for k, v in svc.items()},
                              {k: v.result() for k, v in chan.items()}, top)
    if not services:
        numbers.services["other"] = numbers.protocols
    return numbers
