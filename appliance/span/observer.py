"""Every analysis of the side capture behind one feed(): health, ARP census, inventory; pure."""

from . import health, names
from .arp import Census
from .decode import decode


class Observer:
    """Feed frames; report() the mirror's health; take_hosts()/take_events() what was learned."""

    def __init__(self, expected_subnets=(), expected_vlans=(), sweep_targets=100):
        self.duplicates, self.oneway = health.Duplicates(), health.OneWay()
        self.coverage = health.Coverage(expected_subnets, expected_vlans)
        self.census = Census(sweep_targets)
        self.hosts = {}  # ip -> what was learned since the last take_hosts()
        self.frames = self.undecoded = 0

    def feed(self, frame, ts, vlan=None):
        self.frames += 1
        try:
            p = decode(frame, vlan)
        except (ValueError, IndexError):  # a frame our decoder cannot read is counted, not fatal
            p = None
        if p is None:
            self.undecoded += 1
            return
        self.coverage.feed(p, ts)
        if p.arp:
            self.census.feed(p.arp, ts)
            if p.arp.sender_ip != "0.0.0.0":
                self._learn(p.arp.sender_ip, ts, mac=p.arp.sender_mac)
            return
        self.duplicates.feed(p, ts)
        self.oneway.feed(p, ts)
        for s in names.sightings(p):
            mac = s.mac or (p.src_mac if s.source != "dhcp" else None)
            if s.ip:
                self._learn(s.ip, ts, mac=mac, name=s.name, kind=s.kind, detail=s.detail,
                            source=s.source)

    def _learn(self, ip, ts, mac=None, name=None, kind=None, detail=None, source=None):
        h = self.hosts.setdefault(ip, {"first": ts, "sources": set()})
        h["last"] = ts
        for key, value in (("mac", mac), ("name", name), ("kind", kind), ("detail", detail)):
            if value:
                h[key] = value
        if source:
            h["sources"].add(source)

    def take_hosts(self):
        hosts, self.hosts = self.hosts, {}
        return hosts

    def take_events(self):
        return self.census.take()

    def report(self, now):
        dup, oneway = self.duplicates.report(now), self.oneway.report(now)
        cover = self.coverage.report(now)
        level, said = health.verdict(dup, oneway, cover)
        return {"verdict": level, "summary": said, "duplicates": dup, "one_way": oneway,
                "coverage": cover, "arp": self.census.report(now), "frames": self.frames,
                "undecoded": self.undecoded}
