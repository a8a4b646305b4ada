"""The ARP census: which address is at which MAC, what changed, who sweeps the subnet; pure.

A ping sweep of the sensor's own subnet (`nmap -sn`) is pure ARP, no IP packet at all, so no flow
tool sees it (pitfalls.md: 520 ARP frames, 0 IP packets for a /24). Duplicate addresses and ARP
spoofing are likewise visible only here: one address answered for by two MACs.
"""

from collections import deque

SWEEP_WINDOW = 300
SWEEP_TARGETS = 100  # unanswered addresses one MAC asks for in the window: a /24 sweep asks 254
CONFLICT = 600  # seconds within which two MACs claiming one address in turn is a conflict


class Census:
    """Feed ARP packets; read the table, the changes and the sweeps found since the last take()."""

    def __init__(self, sweep_targets=SWEEP_TARGETS, window=SWEEP_WINDOW, limit=65536):
        self.sweep_targets, self.window, self.limit = sweep_targets, window, limit
        self.table = {}  # ip -> {"mac", "first", "last", "claims": {mac: last claim}}
        self.asks = {}  # sender mac -> {target ip: last asked}
        self.sweeping = {}  # sender mac -> ts of the sweep alert (one per window)
        self.events = []
        self.changes = 0

    def seed(self, ip, mac, ts):
        """Know an address from an earlier run, so a restart does not call every host new."""
        self.table.setdefault(ip, {"mac": mac, "first": ts, "last": ts, "claims": {mac: ts}})

    def feed(self, arp, ts):
        if arp.sender_ip != "0.0.0.0":  # a probe for a free address (RFC 5227) claims nothing
            self._claim(arp.sender_ip, arp.sender_mac, ts)
        if arp.op == 1 and arp.target_ip != arp.sender_ip:  # gratuitous ARP asks nobody
            self._ask(arp.sender_mac, arp.sender_ip, arp.target_ip, ts)

    def _claim(self, ip, mac, ts):
        entry = self.table.get(ip)
        if entry is None:
            if len(self.table) < self.limit:
                self.table[ip] = {"mac": mac, "first": ts, "last": ts, "claims": {mac: ts}}
                self.events.append({"kind": "new_host", "ip": ip, "mac": mac, "ts": ts})
            return
        if entry["mac"] != mac:
            # A device swapped or re-leased the address once: a move. The address going back to
            # a MAC that claimed it shortly before is two hosts claiming it in turn: a duplicate
            # address, or one spoofing it.
            earlier = entry["claims"].get(mac)
            conflict = earlier is not None and ts - earlier < CONFLICT
            self.changes += 1
            self.events.append({"kind": "mac_conflict" if conflict else "mac_moved", "ip": ip,
                                "mac": mac, "previous": entry["mac"], "ts": ts})
            entry["previous"], entry["changed"], entry["mac"] = entry["mac"], ts, mac
        entry["claims"][mac] = ts
        if len(entry["claims"]) > 4:  # the address's few latest owners are all a conflict needs
            del entry["claims"][min(entry["claims"], key=entry["claims"].get)]
        entry["last"] = ts

    def _alive(self, ip, ts):
        entry = self.table.get(ip)
        return entry is not None and ts - entry["last"] < self.window

    def _ask(self, mac, ip, target, ts):
        asked = self.asks.setdefault(mac, {})
        asked[target] = ts
        if len(self.asks) > self.limit:
            self.asks.pop(next(iter(self.asks)))
        if len(asked) < self.sweep_targets:
            return
        for old in [t for t, when in asked.items() if when <= ts - self.window]:
            del asked[old]
        # a gateway refreshing a busy subnet asks for hosts that answer; a sweep mostly for
        # addresses nobody holds
        silent = sum(1 for t in asked if not self._alive(t, ts))
        last = self.sweeping.get(mac)
        if silent >= self.sweep_targets and (last is None or ts - last > self.window):
            self.sweeping[mac] = ts
            self.events.append({"kind": "arp_sweep", "mac": mac, "ip": ip, "targets": len(asked),
                                "unanswered": silent, "first": min(asked.values()), "ts": ts})

    def take(self):
        """Return the events since the last call and forget them."""
        events, self.events = self.events, []
        return events

    def report(self, now):
        flapping = [{"ip": ip, "mac": e["mac"], "previous": e["previous"]}
                    for ip, e in self.table.items()
                    if e.get("changed") and now - e["changed"] < CONFLICT]
        return {"hosts": len(self.table), "mac_changes": self.changes, "changed": flapping[:20],
                "sweeping": sorted(m for m, t in self.sweeping.items() if now - t < self.window)}
