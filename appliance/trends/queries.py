"""The nfdump runs that turn one closed flow file into per-interval numbers and top lists."""

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from ..query import nfdump
from . import aggregate

TIMEOUT = 120  # seconds per nfdump run; a minute's file on a busy box reads in under a second
WORKERS = 2  # nfdump runs are CPU-bound and single-threaded; the box has few cores


@dataclass
class FileNumbers:
    """Everything ingest stores for one flow file."""

    protocols: aggregate.Breakdown
    services: dict = field(default_factory=dict)  # name -> Breakdown (plus "other")
    channels: dict = field(default_factory=dict)  # name -> Breakdown
    top: dict = field(default_factory=dict)  # hosts/ports/conversations -> [entry dict]


def verify(path):
    """Fail with NfdumpFailed unless nfdump can read the file (nfdump -r exits 0 on bad files)."""
    nfdump.run(["-v", path], TIMEOUT)


def _breakdown(path, flt=None):
    args = ["-r", path, "-q", "-o", "csv", "-s", "proto", "-n", "0"]
    return aggregate.protocols(nfdump.run(args + ([flt] if flt else []), TIMEOUT))


# A flow counts for the service on its destination port when that port is below the ephemeral
# range, else for the one on its source port (a reply): clients' ports never rank as services.
EPHEMERAL = 32768
SERVICE_SIDES = (("dstport", f"dst port < {EPHEMERAL}"),
                 ("srcport", f"src port < {EPHEMERAL} and dst port >= {EPHEMERAL}"))


def _stat(path, stat, rows, flt=None):
    out = nfdump.run(["-r", path, "-q", "-o", "csv", "-n", str(rows), "-s", stat]
                     + ([flt] if flt else []), TIMEOUT)
    return (aggregate.stat_blocks(out) + [[]])[0]


def _tops(path, n):
    # ports come split by protocol so ICMP type/code pseudo-ports can be dropped: ask for spare rows
    spare = 3 * n + 10
    ports = [p for side, flt in SERVICE_SIDES
             for p in aggregate.top_ports(_stat(path, f"{side}:p/bytes", spare, flt), spare)]
    return {"hosts": aggregate.top_hosts(_stat(path, "ip/bytes", spare), n),
            "ports": aggregate.merge_ports(ports, n)}


def _conversations(path, n):
    out = nfdump.run(["-r", path, "-q", "-N", "-A", "srcip,dstip", "-O", "bytes", "-n", str(n),
                      "-o", aggregate.CONVERSATION_FORMAT], TIMEOUT)
    return aggregate.conversations(out, n)


def other_filter(services):
    """Return the filter matching flows of no configured service."""
    return "not (" + " or ".join(f"({f})" for f in services.values()) + ")"


def analyse(path, services, channels, top_n, workers=WORKERS):
    """Run every aggregate query for a file in parallel and return its FileNumbers."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        main = pool.submit(_breakdown, path)
        tops = pool.submit(_tops, path, top_n)
        convs = pool.submit(_conversations, path, top_n)
        svc = {name: pool.submit(_breakdown, path, f) for name, f in services.items()}
        if services:
            svc["other"] = pool.submit(_breakdown, path, other_filter(services))
        chan = {name: pool.submit(_breakdown, path, f) for name, f in channels.items()}
        top = tops.result()
        top["conversations"] = convs.result()
        numbers = FileNumbers(main.result(), {k: v.result() for k, v in svc.items()},
                              {k: v.result() for k, v in chan.items()}, top)
    if not services:
        numbers.services["other"] = numbers.protocols
    return numbers
