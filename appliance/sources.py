"""Where flows come from: the probe's folder, plus one per allowed outside exporter (router).

nfcapd stores an allowed exporter's flows under flows/exporters/<address>/ (collector/command.py).
Each source is searched, graphed and checked by detection like the probe: its ingest keeps its
own RRD files, top lists and volume baselines under exporters/<address>/ beside the sensor's,
and its alerts go to the sensor's one alert store.
"""

import ipaddress
import os
from dataclasses import dataclass

from .collector.command import EXPORTERS_SUBDIR, exporter_dir, exporter_sources
from .errors import SpanflowError
from .paths import Paths

PROBE = "probe"


class UnknownSource(SpanflowError):
    """A search or graph named an exporter that has no flows here."""

    exit_code = 2


@dataclass(frozen=True)
class Source:
    """A flow source: its name (probe, or the exporter's address) and its Paths."""

    name: str
    paths: Paths

    @property
    def flows(self):
        return self.paths.flows


def address_of(folder_name):
    """Return the exporter address of a flows/exporters/ folder name (10-0-0-1 -> 10.0.0.1)."""
    parts = folder_name.split("-")
    if len(parts) == 4 and all(p.isdigit() for p in parts):
        return ".".join(parts)
    text = ":".join(parts)
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None  # not a folder nfcapd made


def exporter(paths, address):
    """Return the Source of one outside exporter of a store."""
    name = os.path.basename(exporter_dir(paths, address))
    return Source(address, Paths(os.path.join(paths.data, EXPORTERS_SUBDIR, name), paths.runtime,
                                 flowdir=exporter_dir(paths, address)))


def on_disk(paths):
    """Return the probe's Source and one per exporter folder found in the store, by address."""
    found = [Source(PROBE, paths)]
    try:
        names = sorted(os.listdir(os.path.join(paths.flows, EXPORTERS_SUBDIR)))
    except (FileNotFoundError, NotADirectoryError):
        return found
    addresses = [a for a in map(address_of, names) if a]
    return found + [exporter(paths, a) for a in addresses]


def configured(cfg, paths):
    """Return the outside exporters' Sources of the config (collector.allowed_exporters)."""
    return [exporter(paths, addr) for ident, addr, _ in exporter_sources(cfg, paths)
            if ident != PROBE]


def select(paths, name=None):
    """Return the Sources to read: all on disk, or the one named (probe or an address)."""
    found = on_disk(paths)
    if not name:
        return found
    chosen = [s for s in found if s.name == name]
    if not chosen:
        raise UnknownSource(f"no flows from exporter {name[:64]!r} here: use one of "
                            f"{', '.join(s.name for s in found)}")
    return chosen
