"""The lab office: a mirrored switch, a router to a branch subnet, workstations, a server, devices.

                 +----------------------- office switch (Linux bridge or OVS) -------------------------+
                 |  port1    port2    port3    port4    port5    port6           SPAN port (mirror)   |
                 +----+--------+--------+--------+--------+--------+------------------+--------------+
                      |        |        |        |        |        |                  | copies of every
                     srv      ws1      ws2      prn      iot      rtr              sensor  frame that
                   .0.10    .0.11    .0.12    .0.21    .0.22    .0.1           (no address) enters
                  sshd,DNS  workstations    printer  camera,  dnsmasq              spanflow run  ports 1-6
                  telnetd   (nmbd, avahi)   (avahi)  minidlna  (DNS, DHCP)
                                                                |  10.0.1.1
                                                   branch switch (not mirrored)
                                                                |
                                                               br1 10.0.1.10 (branch server, sshd)

IPv4 10.0.0.0/24 (office) and 10.0.1.0/24 (branch); IPv6 link-local plus the ULA prefixes
fd5f:1ab:0:1::/64 and fd5f:1ab:0:2::/64. Hosts route the other subnet via rtr: routed traffic
crosses the mirrored switch twice (the client's port and the router's port).
The sensor's port is not part of the switch's forwarding: span.py takes it out of the bridge and
mirrors the ingress of every host-facing port onto it, like a switch's SPAN session.
Addresses live only inside the lab: no NAT, no default route, nothing leaves the namespaces.
"""

from mininet.topo import Topo

SUBNET = "10.0.0.0/24"
BRANCH_SUBNET = "10.0.1.0/24"
ULA_OFFICE, ULA_BRANCH = "fd5f:1ab:0:1::", "fd5f:1ab:0:2::"
ROUTER = "rtr"
# the hosts on the mirrored office switch, in port order
HOSTS = {
    "srv": "10.0.0.10",
    "ws1": "10.0.0.11",
    "ws2": "10.0.0.12",
    "prn": "10.0.0.21",
    "iot": "10.0.0.22",
    ROUTER: "10.0.0.1",
}
BRANCH = {"br1": "10.0.1.10"}
ROUTER_BRANCH = "10.0.1.1"
SENSOR = "sensor"
# Where the daemons keep per-host runtime files that their packages hard-code (Mininet mounts a
# private tmpfs there in each host's own mount namespace).
PRIVATE_DIRS = ["/run/avahi-daemon", "/run/samba", "/var/lib/misc"]


def host_ip(name):
    """Return the lab IPv4 address of a host (office or branch)."""
    return {**HOSTS, **BRANCH}[name]


def host_ip6(name):
    """Return the ULA address of a host: the prefix of its subnet, ::<last IPv4 octet>."""
    if name in BRANCH:
        return f"{ULA_BRANCH}{BRANCH[name].rsplit('.', 1)[1]}"
    return f"{ULA_OFFICE}{HOSTS[name].rsplit('.', 1)[1]}"


def router_ip6(branch=False):
    return f"{ULA_BRANCH if branch else ULA_OFFICE}1"


def all_hosts():
    """Return every traffic-making host name (office, then branch): not the sensor."""
    return [*HOSTS, *BRANCH]


class OfficeTopo(Topo):
    """The office of the diagram above; switch_name is unique per run so runs never collide."""

    def build(self, switch_name="s1"):
        switch = self.addSwitch(switch_name, dpid="1")
        branch = self.addSwitch(branch_switch(switch_name), dpid="2")
        for name, address in HOSTS.items():
            self.addHost(name, ip=f"{address}/24", privateDirs=PRIVATE_DIRS)
            self.addLink(name, switch)
        self.addLink(ROUTER, branch, params1={"ip": f"{ROUTER_BRANCH}/24"})
        for name, address in BRANCH.items():
            self.addHost(name, ip=f"{address}/24", privateDirs=PRIVATE_DIRS)
            self.addLink(name, branch)
        # The sensor's port is added last so its switch-side name is predictable.
        self.addHost(SENSOR, ip=None)
        self.addLink(SENSOR, switch)


def branch_switch(switch_name):
    return f"{switch_name}b"


def span_port(switch_name):
    """Return the switch-side interface name of the sensor's port."""
    return f"{switch_name}-eth{len(HOSTS) + 1}"


def host_ports(switch_name):
    """Return the switch-side interface names facing the office hosts (router included)."""
    return [f"{switch_name}-eth{i}" for i in range(1, len(HOSTS) + 1)]


def branch_ports(switch_name):
    """Return the branch switch's interface names (router, then branch hosts)."""
    return [f"{branch_switch(switch_name)}-eth{i}" for i in range(1, len(BRANCH) + 2)]
