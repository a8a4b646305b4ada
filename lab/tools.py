"""Where the lab finds the Debian tools it runs, including those it only unpacks (iodine)."""

import os
import shutil

# scripts/install-deps unpacks packages listed in scripts/debian-unpacked.txt here (pitfalls.md:
# installing iodine pulls udev and a systemd-family upgrade; its binaries need only libc6, zlib1g).
UNPACKED = "/var/cache/spanflow-lab/unpacked"
PATH = "/usr/sbin:/usr/bin:/sbin:/bin"


def find(name, package=None):
    """Return the absolute path of a tool: installed, or unpacked from package; None if absent."""
    found = shutil.which(name, path=PATH)
    if found:
        return found
    if package:
        for sub in ("usr/sbin", "usr/bin"):
            path = os.path.join(UNPACKED, package, sub, name)
            if os.access(path, os.X_OK):
                return path
    return None


# scenario -> [(tool, package)] it runs, checked before the lab starts
SCENARIO_TOOLS = {
    "telnet": [("telnet", "telnet"), ("telnetd", "inetutils-telnetd")],
    "dns-tunnel": [("iodine", "iodine"), ("iodined", "iodine")],
    "port-scan": [("nmap", "nmap")],
    "slow-scan": [("nmap", "nmap")],
    "host-sweep": [("nmap", "nmap")],
    "arp-sweep": [("nmap", "nmap")],
    "volume-spike": [("hping3", "hping3")],
    "ssh-guessing": [("hydra", "hydra")],
}
BASELINE_TOOLS = [("avahi-daemon", "avahi-daemon"), ("nmbd", "samba"), ("nmblookup", "samba-common-bin"),
                  ("minidlnad", "minidlna"), ("dnsmasq", "dnsmasq-base"), ("dig", "bind9-dnsutils"),
                  ("udhcpc", "udhcpc"), ("nmap", "nmap"), ("sshd", "openssh-server"),
                  ("inetutils-inetd", "inetutils-inetd"), ("telnetd", "inetutils-telnetd")]
UNPACK_ONLY = {"iodine"}


def missing(scenarios):
    """Return [(tool, package)] the baseline and these scenarios need that are not here."""
    wanted = list(BASELINE_TOOLS)
    for name in scenarios:
        wanted += SCENARIO_TOOLS.get(name, [])
    return [(tool, pkg) for tool, pkg in dict.fromkeys(wanted)
            if not find(tool, pkg if pkg in UNPACK_ONLY else None)]
