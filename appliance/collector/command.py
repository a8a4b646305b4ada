"""Build nfcapd's command line (Debian's nfdump 1.7.1) from the config."""

import ipaddress
import os

from ..config.checks import bytes_of, split_host_port
from ..errors import ConfigError

NFCAPD = "/usr/bin/nfcapd"

# nfdump 1.7.1 spells compression as separate flags (1.7.x: -z LZO, -y LZ4, -j BZ2).
COMPRESSION_FLAGS = {"lz4": ["-y"], "lzo": ["-z"], "bz2": ["-j"], "none": []}

EXPORTERS_SUBDIR = "exporters"


def probe_source(listen_host):
    """Return the address the local probe's export arrives from.

    softflowd sends to the listen address: a loopback or unspecified one is reached from the
    family's loopback, any other local address from itself (the kernel's source for a local
    destination), so listening on the routers' network keeps the probe's flows.
    """
    addr = ipaddress.ip_address(listen_host)
    if addr.is_loopback or addr.is_unspecified:
        return "::1" if addr.version == 6 else "127.0.0.1"
    return str(addr)


def exporter_dir(paths, address):
    """Return the flow directory of one allowed outside exporter."""
    return os.path.join(paths.flows, EXPORTERS_SUBDIR, address.replace(".", "-").replace(":", "-"))


# nfcapd's ident of the probe's own export: "-I spanflow" alone, "-n probe,..." beside exporters
PROBE_IDENTS = ("spanflow", "probe")


def exporter_sources(cfg, paths):
    """Return [(ident, address, flowdir)] for nfcapd -n; empty when any exporter may send."""
    allowed = cfg.collector.allowed_exporters
    if not allowed:
        return []
    host, _ = split_host_port(cfg.collector.listen)
    local = probe_source(host)
    sources = [(PROBE_IDENTS[1], local, paths.flows)]
    problems = []
    for n, item in enumerate(allowed, 1):
        net = ipaddress.ip_network(item, strict=False)
        # nfcapd 1.7.1 matches a source by exact address only (-n ident,IP,dir): no prefixes.
        if net.num_addresses != 1:
            problems.append(f"collector.allowed_exporters: {item!r} is a network; nfcapd 1.7.1 "
                            f"accepts single exporter addresses only (list each router)")
            continue
        addr = str(net.network_address)
        if addr != local:
            sources.append((f"exporter{n}", addr, exporter_dir(paths, addr)))
    if problems:
        raise ConfigError(problems)
    return sources


def nfcapd_command(cfg, paths):
    """Return (argv, env) running nfcapd in the foreground as the config says."""
    col = cfg.collector
    host, port = split_host_port(col.listen)
    argv = [NFCAPD, "-C", "none", "-b", host, "-p", str(port), "-t", str(col.rotate),
            "-B", str(bytes_of(col.receive_buffer)), "-P", paths.nfcapd_pid]
    argv += COMPRESSION_FLAGS[col.compression]
    sources = exporter_sources(cfg, paths)
    if sources:
        # With -n, packets from any other address are skipped and counted ("Skip UDP packet");
        # -w cannot be mixed with -n ("Can not mix IP specific and any IP sources").
        for ident, addr, flowdir in sources:
            argv += ["-n", f"{ident},{addr},{flowdir}"]
    else:
        argv += ["-w", paths.flows, "-I", PROBE_IDENTS[0]]
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "TZ": "UTC", "LC_ALL": "C"}
    return argv, env


def flow_dirs(cfg, paths):
    """Return every directory nfcapd writes to (to create before it starts)."""
    sources = exporter_sources(cfg, paths)
    return [d for _, _, d in sources] or [paths.flows]
