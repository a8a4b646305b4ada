"""Refuse bad input and missing tools before the lab creates anything."""

import os
import shutil
import socket

from appliance.config.checks import split_host_port

from . import tools
from .errors import LabError, UsageError
from .traffic.catalog import SCENARIOS

SWITCHES = ("lxbr", "ovs")
OVS_CTL = "/usr/share/openvswitch/scripts/ovs-ctl"


def check_switch_name(kind):
    """Raise LabError unless the switch kind is known."""
    if kind not in SWITCHES:
        raise UsageError(f"unknown switch {kind!r}; choose one of: {', '.join(SWITCHES)}")


def _have(tool):
    return shutil.which(tool, path=os.environ.get("PATH", "") + ":/usr/sbin:/sbin:/usr/bin")


def check_switch_tools(kind):
    """Raise LabError unless the tools of the switch kind are installed."""
    if kind == "lxbr" and not _have("brctl"):
        raise LabError("the Linux bridge switch needs brctl: apt-get install bridge-utils")
    if kind == "ovs" and not (_have("ovs-vsctl") and os.path.exists(OVS_CTL)):
        raise LabError("the ovs switch needs Open vSwitch: apt-get install openvswitch-switch")


def preflight(switch, scenarios, web_listen=None):
    """Refuse bad input and missing tools before anything is created."""
    unknown = [s for s in scenarios if s not in SCENARIOS]
    if unknown:
        raise UsageError(f"unknown scenario {unknown[0]!r}; choose from: {', '.join(SCENARIOS)}")
    check_switch_name(switch)
    if os.geteuid() != 0:
        raise LabError("the lab needs root (run it with sudo)")
    check_switch_tools(switch)
    absent = tools.missing(scenarios)
    if absent:
        tool, package = absent[0]
        how = ("./tasks deps (it unpacks it, see scripts/debian-unpacked.txt)"
               if package in tools.UNPACK_ONLY else f"apt-get install {package}")
        raise LabError(f"the lab needs {tool} (Debian package {package}): {how}"
                       + (f"; also missing: {', '.join(t for t, _p in absent[1:])}"
                          if len(absent) > 1 else ""))
    try:
        import mininet.net  # noqa: F401
    except ImportError:
        raise LabError("Mininet is missing: apt-get install mininet") from None
    try:
        import scapy.all  # noqa: F401
    except ImportError:
        raise LabError("scapy is missing: apt-get install python3-scapy") from None
    if web_listen:
        try:
            host, port = split_host_port(web_listen)
        except ValueError:
            raise UsageError(f"bad web address {web_listen!r}: give ADDR:PORT such as "
                           "127.0.0.1:8081") from None
        with socket.socket() as s:
            # SO_REUSEADDR as the web server sets it: only a listening socket is a conflict.
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((host, int(port)))
            except OSError:
                raise LabError(f"web port {web_listen} is already in use; stop what uses it "
                               "or run without --web") from None
