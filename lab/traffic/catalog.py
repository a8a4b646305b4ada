"""The suspicious scenarios by name (no scapy here: the CLI checks names before importing it)."""

# How a switch's SPAN session goes wrong (docs/span.md), for the trainee and the tests:
# doubled: rx and tx of every port are mirrored, so a packet between two hosts is seen twice;
# one-way: only what the switch receives on the server's and the router's ports: answers, never
# the questions;
# partial: the router's port is left out, so the branch subnet never shows as a source.
MIRROR_FAULTS = ("doubled", "one-way", "partial")

# name -> (host that misbehaves, agent kind, what the trainee should notice)
SCENARIOS = {
    # from ws1, not the fast scanner ws2: detection folds a scanner's sessions with the hosts it
    # scans into its scan alert (one event, one alert), and these are two events
    "telnet": ("ws1", "telnet-login", "a cleartext admin login (tcp/23) to the server"),
    "dns-tunnel": ("iot", "dns-tunnel", "many DNS queries with large answers from one host (iodine)"),
    "port-scan": ("ws2", "port-scan", "one host touching hundreds of ports of the server (nmap)"),
    "slow-scan": ("ws1", "slow-scan", "a paced scan of the branch server over several minutes' files"),
    "host-sweep": ("iot", "host-sweep", "ICMP echo to every address of the branch subnet (nmap -sn)"),
    "volume-spike": ("ws1", "volume-spike", "a sudden burst of UDP toward one port of the server"),
    "ssh-guessing": ("prn", "ssh-guessing", "SSH password guessing against the server (hydra)"),
    "arp-sweep": ("iot", "arp-sweep", "ARP requests for every address of the office subnet (nmap -sn "
                  "on its own subnet): no IP packet, so no flow; only the ARP census shows it"),
}
