"""What the office's real daemons must be seen doing in the stored flows (pure).

Their packets are theirs (announcements, renewals, answers), so no ledger counts them: each
expectation names one talker the sensor must have stored, e.g. "avahi on prn announced to
224.0.0.251:5353". A kind is right when every one of its expectations is met.
"""

from . import daemons, topo

UDP, TCP, ICMP6 = 17, 6, 58
MDNS4, MDNS6, SSDP = "224.0.0.251", "ff02::fb", "239.255.255.250"
BROADCAST = "10.0.0.255"


def _is(proto, src=None, sport=None, dst=None, dport=None, dst_in=None):
    def match(key):
        p, s, sp, d, dp = key
        return (p == proto and (src is None or s == src) and (sport is None or sp == sport)
                and (dst is None or d == dst) and (dport is None or dp == dport)
                and (dst_in is None or d.startswith(dst_in)))
    return match


def expectations():
    """Return {kind: [(what must be seen, predicate over a stored 5-tuple)]}."""
    ip, ip6 = topo.host_ip, topo.host_ip6
    rtr4, rtr6 = topo.HOSTS[topo.ROUTER], topo.router_ip6()
    dlna = daemons.DLNA_HOST
    branch4 = topo.BRANCH_SUBNET.rsplit(".", 2)[0] + "."
    return {
        "mdns": [(f"avahi on {h} to {MDNS4}", _is(UDP, ip(h), 5353, MDNS4, 5353))
                 for h in daemons.AVAHI_HOSTS]
        + [(f"avahi on {h} to {MDNS6}", _is(UDP, ip6(h), 5353, MDNS6, 5353))
           for h in daemons.AVAHI_HOSTS],
        "ssdp": [(f"minidlna on {dlna} NOTIFY to {SSDP}", _is(UDP, ip(dlna), dst=SSDP, dport=1900)),
                 (f"minidlna on {dlna} answering an M-SEARCH", _is(UDP, ip(dlna), 1900)),
                 (f"minidlna on {dlna} serving its description (tcp/8200)",
                  _is(TCP, ip(dlna), 8200))],
        "netbios": [(f"nmbd on {h} to {BROADCAST}:137", _is(UDP, ip(h), 137, BROADCAST, 137))
                    for h in daemons.NMBD_HOSTS],
        "office-dns": [(f"dnsmasq on {topo.ROUTER} answering over IPv4", _is(UDP, rtr4, 53)),
                       (f"dnsmasq on {topo.ROUTER} answering over IPv6", _is(UDP, rtr6, 53))],
        "dhcp": [("a DHCPDISCOVER", _is(UDP, "0.0.0.0", 68, "255.255.255.255", 67)),
                 (f"dnsmasq on {topo.ROUTER} offering a lease", _is(UDP, rtr4, 67, dport=68))],
        "routed": [("ssh from the office to the branch (IPv4)", _is(TCP, dport=22, dst_in=branch4)),
                   ("its answers from the branch", _is(TCP, sport=22, dst_in="10.0.0.")),
                   ("ssh from the office to the branch (IPv6)",
                    _is(TCP, dport=22, dst_in=topo.ULA_BRANCH)),
                   ("its answers from the branch (IPv6)", _is(TCP, sport=22, dst_in=topo.ULA_OFFICE))],
        "ipv6": [("neighbour discovery (ICMPv6)", _is(ICMP6)),
                 ("ssh to the server's ULA address", _is(TCP, dst=ip6("srv"), dport=22))],
    }


def seen(kind, stored):
    """Return [(what, packets, bytes)] of kind's expectations, packets 0 when not seen."""
    out = []
    for what, match in expectations()[kind]:
        hits = [v for k, v in stored.items() if match(k)]
        out.append((what, sum(h[0] for h in hits), sum(h[1] for h in hits)))
    return out
