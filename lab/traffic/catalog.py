"""The suspicious scenarios by name (no scapy here: the CLI checks names before importing it)."""

# name -> (host that misbehaves, agent kind, what the trainee should notice)
SCENARIOS = {
    "telnet": ("ws2", "telnet-login", "a cleartext admin login (tcp/23) to the server"),
    "dns-tunnel": ("iot", "dns-tunnel", "many DNS queries with large TXT answers from one host"),
    "port-scan": ("ws2", "port-scan", "one host touching hundreds of ports of the server"),
    "host-sweep": ("iot", "host-sweep", "ICMP echo to every address of the subnet"),
    "volume-spike": ("ws1", "volume-spike", "a sudden burst of UDP toward one port of the server"),
    "ssh-guessing": ("prn", "ssh-guessing", "many short SSH connections failing to log in"),
}
