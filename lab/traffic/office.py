"""Clients of the office's real daemons, run with the Debian tools a desktop or device would use.

They write no ledger: what they make is checked as "seen" (report.py), each daemon's answers
found in the stored flows, since the daemons' own packets (announcements, renewals) are theirs.
"""

import subprocess

from .. import topo
from ..daemons import OFFICE_NAMES, WORKGROUP, smb_conf


def _quiet(argv, timeout):
    """Run one client command; a failed lookup is normal office noise, not an error."""
    try:
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        pass


def office_dns(ctx):
    """Look office names up at the router's dnsmasq with dig, over IPv4 and IPv6 (A and AAAA)."""
    ctx.ready.set()
    resolvers = [topo.HOSTS[topo.ROUTER], topo.router_ip6()]
    while ctx.pause(ctx.rng.uniform(1.0, 5.0)):
        name = f"{ctx.rng.choice(OFFICE_NAMES + tuple(topo.all_hosts()))}.office.lab"
        _quiet(["dig", "+tries=1", "+time=1", f"@{ctx.rng.choice(resolvers)}", name,
                ctx.rng.choice(["A", "AAAA"])], 5)


def dhcp(ctx):
    """Ask the router's dnsmasq for a lease now and then (udhcpc: DISCOVER, OFFER, REQUEST, ACK).

    The script /bin/true keeps the offered address off the interface: the host keeps its own.
    """
    ctx.ready.set()
    first = True
    while ctx.pause(ctx.rng.uniform(1.0, 3.0) if first else ctx.rng.uniform(20.0, 40.0)):
        first = False
        _quiet(["udhcpc", "-i", ctx.iface, "-f", "-q", "-n", "-t", "3", "-T", "1",
                "-s", "/bin/true"], 15)


def discovery(ctx):
    """Browse for mDNS services and UPnP devices as a desktop does (nmap's broadcast scripts)."""
    ctx.ready.set()
    first = True
    while ctx.pause(ctx.rng.uniform(1.0, 4.0) if first else ctx.rng.uniform(15.0, 30.0)):
        first = False
        _quiet(["nmap", "-n", "-sn", "-e", ctx.iface, "--script",
                "broadcast-dns-service-discovery,broadcast-upnp-info",
                "--script-args", "timeout=3s"], 30)


def netbios_lookup(ctx):
    """Resolve the office's NetBIOS names by broadcast with samba's nmblookup."""
    ctx.ready.set()
    conf = smb_conf(ctx.run_dir, f"{ctx.host}-client", ctx.iface)
    names = ["SRV", "WS1", "WS2", WORKGROUP]
    while ctx.pause(ctx.rng.uniform(3.0, 10.0)):
        _quiet(["nmblookup", "-s", conf, "-B", "10.0.0.255", ctx.rng.choice(names)], 10)
