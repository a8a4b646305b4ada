"""Turn off segmentation and checksum offloads so the mirror sees wire-like packets.

With TSO/GSO on, veths hand the mirror super-packets: bytes stay right but packet counts drop
(pitfalls.md). OVS's userspace datapath also needs TX checksum offload off or host-to-host TCP and
UDP silently fail. Runs in the caller's namespace; `python3 -m lab.offload IFACE...` runs it in a host.
"""

import sys

from pyroute2.ethtool import Ethtool

FEATURES = ("tx-checksum-ip-generic", "tx-tcp-segmentation", "tx-tcp6-segmentation",
            "tx-generic-segmentation", "rx-gro", "tx-scatter-gather")


def disable_offloads(ifname):
    """Switch off the offload features of one interface that exist on it."""
    eth = Ethtool()
    try:
        features = eth.get_features(ifname)
        for name in FEATURES:
            if name in features.features:
                features.features[name].enable = False
        eth.set_features(ifname, features)
    finally:
        eth.close()


if __name__ == "__main__":
    for name in sys.argv[1:]:
        disable_offloads(name)
