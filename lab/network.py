"""Bring the office network up and down: Mininet, the SPAN session, lab-wide host settings.

This module is the lab's only Mininet user.
"""

import functools
import logging
import os
import subprocess

from mininet.log import setLogLevel
from mininet.net import Mininet
from mininet.node import OVSSwitch
from mininet.nodelib import LinuxBridge

from . import span, topo
from .errors import LabError
from .preflight import OVS_CTL

log = logging.getLogger(__name__)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def ovs_running():
    """Tell whether an Open vSwitch database server answers."""
    return subprocess.run(["ovs-vsctl", "--timeout=2", "show"], capture_output=True).returncode == 0


class Network:
    """The Mininet office of topo.py; inert until start(), stop() is idempotent."""

    def __init__(self, kind, switch_name, record, mirror_fault=None):
        self.kind, self.mirror_fault = kind, mirror_fault
        self.switch_name = switch_name
        self.record = record  # callback(key, value): add to the run's state file at once
        self.net = None
        self.ovs_started = False

    def start(self):
        """Build the network, set up the SPAN session and return the Mininet object."""
        setLogLevel("error")
        branch = topo.branch_switch(self.switch_name)
        self.record("links", [self.switch_name, *topo.host_ports(self.switch_name),
                              topo.span_port(self.switch_name), branch,
                              *topo.branch_ports(self.switch_name)])
        if self.kind == "ovs":
            self._start_ovs()
            switch = functools.partial(OVSSwitch, datapath="user", failMode="standalone")
            self.record("ovs_bridges", [self.switch_name, branch])
        else:
            switch = LinuxBridge
        self.net = Mininet(topo=topo.OfficeTopo(switch_name=self.switch_name), switch=switch,
                           controller=None, autoSetMacs=True, autoStaticArp=False, waitConnected=False)
        self.record("pids", {str(h.pid): started(h.pid) for h in self.net.hosts})
        # The hosts' namespaces: whatever runs in them after a crash is ours, whatever its name.
        self.record("netns", [os.readlink(f"/proc/{h.pid}/ns/net") for h in self.net.hosts])
        self.net.start()
        for host in self.net.hosts:
            intfs = " ".join(str(i) for i in host.intfList() if str(i) != "lo")
            host.cmd(f"PYTHONPATH={REPO} /usr/bin/python3 -m lab.offload {intfs}")
            if host.name == topo.SENSOR:
                # the capture port stays silent: no IPv6 housekeeping of its own
                host.cmd("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 "
                         "net.ipv6.conf.default.disable_ipv6=1")
            else:
                dual_stack(host)
        ports = topo.host_ports(self.switch_name)
        if self.kind == "ovs":
            span.ovs_span(self.switch_name, ports, topo.span_port(self.switch_name))
        else:
            span.lxbr_span(ports, topo.span_port(self.switch_name), list(topo.HOSTS),
                           self.mirror_fault)
        return self.net

    def _start_ovs(self):
        if ovs_running():
            return
        done = subprocess.run([OVS_CTL, "start", "--system-id=random", "--no-monitor"],
                              capture_output=True, text=True)
        self.ovs_started = True
        self.record("ovs_started", True)
        if not ovs_running():
            raise LabError(f"could not start Open vSwitch with ovs-ctl: {done.stderr.strip()[-200:]}")

    def host(self, name):
        return self.net.get(name)

    def stop(self):
        """Stop Mininet (removes hosts, links, the switch) and Open vSwitch if we started it."""
        if self.net is not None:
            net, self.net = self.net, None
            net.stop()
        if self.ovs_started:
            self.ovs_started = False
            subprocess.run([OVS_CTL, "stop"], capture_output=True)


def dual_stack(host):
    """Give a host its ULA address and its route to the other subnet (both families) via rtr.

    The routes name only the lab's two subnets: no default route, nothing can leave the lab.
    """
    run = host.cmd
    run("sysctl -qw net.ipv6.conf.all.disable_ipv6=0 net.ipv6.conf.default.disable_ipv6=0")
    if host.name == topo.ROUTER:
        # forwarding is per namespace: only the router's own changes
        run("sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1")
        for intf, address in ((host.intfList()[0], topo.router_ip6()),
                              (host.intfList()[1], topo.router_ip6(branch=True))):
            run(f"ip -6 addr add {address}/64 dev {intf} nodad")
        return
    intf = host.defaultIntf()
    # nodad: usable at once, and no address is duplicated in the lab
    run(f"ip -6 addr add {topo.host_ip6(host.name)}/64 dev {intf} nodad")
    branch = host.name in topo.BRANCH
    via4 = topo.ROUTER_BRANCH if branch else topo.HOSTS[topo.ROUTER]
    other4 = topo.SUBNET if branch else topo.BRANCH_SUBNET
    other6 = topo.ULA_OFFICE if branch else topo.ULA_BRANCH
    run(f"ip route add {other4} via {via4} dev {intf}")
    run(f"ip -6 route add {other6}/64 via {topo.router_ip6(branch)} dev {intf}")


def started(pid):
    """Return a process's start time in clock ticks: with the PID it names one process for good
    (PIDs get reused, and exec changes the command line)."""
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])
