"""The lab office: one switch, a SPAN port to the sensor, workstations, a server and devices.

                 +------------------------- switch (Linux bridge or OVS) ---------------------+
                 |  port1     port2     port3     port4     port5          SPAN port (mirror) |
                 +----+---------+---------+---------+---------+-----------------+-------------+
                      |         |         |         |         |                 | copies of every
                     ws1       ws2       srv       prn       iot              sensor  frame that
                 10.0.0.11 10.0.0.12 10.0.0.10 10.0.0.21 10.0.0.22          (no address) enters
                 workstation  ...   sshd, DNS,  printer   camera           spanflow run  ports 1-5
                                    telnet

The sensor's port is not part of the switch's forwarding: span.py takes it out of the bridge and
mirrors the ingress of every host-facing port onto it, like a switch's SPAN session.
Addresses live only inside the lab: no NAT, no default route, nothing leaves the namespaces.
"""

from mininet.topo import Topo

SUBNET = "10.0.0.0/24"
HOSTS = {
    "srv": "10.0.0.10",
    "ws1": "10.0.0.11",
    "ws2": "10.0.0.12",
    "prn": "10.0.0.21",
    "iot": "10.0.0.22",
}
SENSOR = "sensor"


def host_ip(name):
    """Return the lab address of a host."""
    return HOSTS[name]


class OfficeTopo(Topo):
    """The office of the diagram above; switch_name is unique per run so runs never collide."""

    def build(self, switch_name="s1"):
        switch = self.addSwitch(switch_name, dpid="1")
        for name, address in HOSTS.items():
            self.addHost(name, ip=f"{address}/24")
            self.addLink(name, switch)
        # The sensor's port is added last so its switch-side name is predictable.
        self.addHost(SENSOR, ip=None)
        self.addLink(SENSOR, switch)


def span_port(switch_name):
    """Return the switch-side interface name of the sensor's port."""
    return f"{switch_name}-eth{len(HOSTS) + 1}"


def host_ports(switch_name):
    """Return the switch-side interface names facing the office hosts."""
    return [f"{switch_name}-eth{i}" for i in range(1, len(HOSTS) + 1)]
