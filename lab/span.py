"""The switch's SPAN session: tc mirred on a Linux bridge (pyroute2), or OVS's native mirror.

This module and offload.py are the lab's only pyroute2 users.
"""

import logging
import subprocess

from pyroute2 import IPRoute

from .errors import LabError
from .offload import disable_offloads

log = logging.getLogger(__name__)

ETH_P_ALL = 0x0003
INGRESS = 0xFFFF0000
MIRROR_FILTER_PRIO = 49000  # any fixed priority; integers, not strings, for pyroute2 0.7.2 (pitfalls.md)
CLSACT_INGRESS, CLSACT_EGRESS = 0xFFFFFFF2, 0xFFFFFFF3


def _index(ipr, name):
    found = ipr.link_lookup(ifname=name)
    if not found:
        raise LabError(f"switch port {name} is missing; the topology did not come up")
    return found[0]


def _disable_ipv6(name):
    # Without this the switch side of the sensor's port sends router solicitations and MLD
    # reports of its own into the mirror (pitfalls.md, "Mininet 2.3.0 here").
    with open(f"/proc/sys/net/ipv6/conf/{name}/disable_ipv6", "w") as f:
        f.write("1")


def _mirror(ipr, idx, parent, span):
    ipr.tc("add-filter", "u32", index=idx, parent=parent, prio=MIRROR_FILTER_PRIO,
           protocol=ETH_P_ALL, target=parent, keys=["0x0/0x0+0"],
           action=[{"kind": "mirred", "direction": "egress", "action": "mirror", "ifindex": span}])


def mirrored(host_ports, names, fault=None):
    """Return the ports whose received traffic the session mirrors (host_ports in names' order)."""
    if fault == "one-way":  # the server's and the router's answers; never what asked for them
        return [host_ports[names.index(n)] for n in ("srv", "rtr")]
    if fault == "partial":
        return [p for p, n in zip(host_ports, names) if n != "rtr"]
    return list(host_ports)


def lxbr_span(host_ports, span_port, names=(), fault=None):
    """Mirror the ingress of every host-facing bridge port to span_port, taken out of the bridge.

    fault (one of catalog.MIRROR_FAULTS) breaks the session as switches get it wrong; names are the hosts on
    host_ports, in order.
    """
    with IPRoute() as ipr:
        span = _index(ipr, span_port)
        # Out of the bridge, or flooded broadcast/multicast reach the sensor twice.
        ipr.link("set", index=span, master=0)
        ipr.link("set", index=span, state="up")
        _disable_ipv6(span_port)
        for port in [span_port, *host_ports]:
            disable_offloads(port)
        for port in mirrored(host_ports, list(names), fault):
            idx = _index(ipr, port)
            if fault == "doubled":  # clsact has an egress hook: what the port sends, too
                ipr.tc("add", "clsact", index=idx)
                _mirror(ipr, idx, CLSACT_INGRESS, span)
                _mirror(ipr, idx, CLSACT_EGRESS, span)
            else:
                ipr.tc("add", "ingress", index=idx, handle=INGRESS)
                _mirror(ipr, idx, INGRESS, span)
            log.debug("mirroring %s of %s to %s", "both directions" if fault == "doubled"
                      else "ingress", port, span_port)


def ovs_span(bridge, host_ports, span_port):
    """Create OVS's native mirror of every port to span_port (the userspace datapath)."""
    _disable_ipv6(span_port)
    argv = ["ovs-vsctl", "--", "--id=@p", "get", "port", span_port,
            "--", "--id=@m", "create", "mirror", "name=spanflow-lab", "select_all=true",
            "output_port=@p", "--", "set", "bridge", bridge, "mirrors=@m"]
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        raise LabError(f"ovs-vsctl could not create the mirror: {done.stderr.strip()}")
    for port in [span_port, *host_ports]:
        disable_offloads(port)
